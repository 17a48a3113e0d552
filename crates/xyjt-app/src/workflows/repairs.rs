//! Credit repair: eligibility explained, filing.

use super::{
    Draft, Filed, RepairRequest, append_with_files, applicant, bad, decode_evidence, filed_answer,
    filed_on, new_application, record_or_404,
};
use crate::{AppError, Ctx};
use chrono::{NaiveDate, Utc};
use serde_json::json;
use xyjt_core::commitment::{self, CommitmentState};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::record::Record;
use xyjt_core::repair::{Eligibility, RepairFacts, eligibility};
use xyjt_core::workflow::{RepairDeclaration, Target, WorkflowKind};
use xyjt_store::AppQuery;

/// The eligibility of a record for repair on a day, with the applicant's declarations.
pub async fn repair_eligibility(
    ctx: &Ctx<'_>,
    record: &Record,
    on: NaiveDate,
    corrected: bool,
    obligations_met: bool,
    commitment: Option<&CommitmentState>,
) -> Result<Eligibility, AppError> {
    let apps = ctx
        .store
        .applications(&AppQuery {
            record_id: Some(record.id.clone()),
            ..AppQuery::default()
        })
        .await?;
    Ok(eligibility(
        record,
        on,
        &RepairFacts {
            corrected,
            obligations_met,
            commitment,
            applications: &apps,
        },
    ))
}

/// Eligibility as a repair application filed on `on` would be judged: the applicant's
/// declarations taken as given and the 信用修复承诺书 signed with the application (the API's
/// eligibility query, the portal's repair form and `xyjt repair eligibility`).
pub async fn eligibility_as_filed(
    ctx: &Ctx<'_>,
    record: &Record,
    on: NaiveDate,
) -> Result<Eligibility, AppError> {
    let templates = &ctx.policies.commitments;
    let t = templates
        .for_matter("信用修复承诺")
        .ok_or_else(|| bad("没有“信用修复承诺”模板"))?;
    let would_sign = CommitmentState {
        commitment: commitment::sign(
            "pending".into(),
            t,
            &templates.version,
            &record.subject_id,
            &record.body.party().name,
            "",
            record.body.authority(),
            on,
            None,
        ),
        check: None,
    };
    repair_eligibility(ctx, record, on, true, true, Some(&would_sign)).await
}

/// Files a repair application; refused (422, with every unmet condition) when not eligible.
pub async fn file_repair(
    ctx: &Ctx<'_>,
    req: RepairRequest,
    actor: &str,
) -> Result<Filed, AppError> {
    let day = filed_on(ctx, req.filed_on)?;
    if req.reason.trim().is_empty() {
        return Err(bad("修复理由（reason）不能为空").with_detail(json!({"field": "reason"})));
    }
    let record = record_or_404(ctx.store, &req.record_id).await?;
    let templates = &ctx.policies.commitments;
    let mut events = Vec::new();
    // The commitment rested on: an existing one, or the one signed with this application.
    let existing = match &req.commitment_id {
        Some(id) => Some(
            ctx.store
                .commitment(id)
                .await?
                .ok_or_else(|| AppError::not_found(format!("信用承诺 {id} 不存在")))?,
        ),
        None => None,
    };
    let signed = match (&existing, req.sign_commitment) {
        (None, true) => {
            let t = templates
                .for_matter("信用修复承诺")
                .ok_or_else(|| bad("没有“信用修复承诺”模板"))?;
            let c = commitment::sign(
                xyjt_core::ledger::new_id(),
                t,
                &templates.version,
                &record.subject_id,
                &record.body.party().name,
                &format!("信用修复：{}", record.body.doc_no()),
                record.body.authority(),
                day,
                None,
            );
            Some(CommitmentState {
                commitment: c,
                check: None,
            })
        }
        _ => None,
    };
    let rested = existing.as_ref().or(signed.as_ref());
    let elig = repair_eligibility(
        ctx,
        &record,
        day,
        req.corrected,
        req.obligations_met,
        rested,
    )
    .await?;
    if !elig.eligible {
        let mut err = AppError::new(crate::ErrorKind::Invalid, "not_eligible", elig.refusal());
        for c in elig.criteria.iter().filter(|c| !c.met) {
            err = err.with_detail(
                json!({"criterion": c.key, "label": c.label, "explanation": c.explanation}),
            );
        }
        return Err(err);
    }
    let files = decode_evidence(&req.evidence)?;
    let commitment_id = rested.map(|c| c.commitment.id.clone());
    if let Some(c) = signed {
        events.push(NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::CommitmentSigned {
                commitment: c.commitment,
            },
        ));
    }
    let (app, code) = new_application(
        ctx,
        Draft {
            kind: WorkflowKind::Repair,
            filed_on: day,
            subject_id: Some(record.subject_id.clone()),
            target: Target {
                result_id: None,
                integrity_id: None,
                record_id: Some(record.id.clone()),
                entry_id: None,
                field: None,
            },
            applicant: applicant(req.applicant, &record.body.party().name)?,
            reason: req.reason.trim().to_string(),
            claimed: json!({}),
            evidence: files.iter().map(|(e, _)| e.clone()).collect(),
            declaration: Some(RepairDeclaration {
                corrected: req.corrected,
                obligations_met: req.obligations_met,
                commitment_id,
            }),
            unit: record.body.authority().to_string(),
            topic: None,
            channel: if req.filed_on.is_some() {
                "paper"
            } else {
                "online"
            }
            .into(),
        },
    );
    let answer = filed_answer(ctx, &app, code);
    events.push(NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationFiled { application: app },
    ));
    append_with_files(ctx.store, events, &files).await?;
    Ok(answer)
}
