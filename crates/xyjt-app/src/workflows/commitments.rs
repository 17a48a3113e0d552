//! Credit commitments (信用承诺): signing from a template, fulfilment checks (践诺核查).

use super::steps::clock_json;
use super::{bad, filed_on, record_or_404};
use crate::{AppError, Ctx};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use xyjt_core::calendar::Calendar;
use xyjt_core::commitment::{self, CommitmentState, FulfilmentCheck};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::listing::ListEntry;
use xyjt_core::lists::NameList;

/// Signing a commitment (staff enter paper ones; systems send online ones).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CommitmentRequest {
    /// A template id (`GET /api/v1/commitment-templates`).
    pub template_id: String,
    pub subject_id: String,
    /// What it was given for (e.g. the licence applied for).
    pub matter: String,
    /// The unit that accepts it and checks fulfilment.
    pub unit: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<NaiveDate>,
    /// A record obtained on the strength of this commitment (告知承诺 licence).
    #[serde(default)]
    pub obtained_record: Option<String>,
}

pub async fn sign_commitment(
    ctx: &Ctx<'_>,
    req: CommitmentRequest,
    actor: &str,
) -> Result<CommitmentState, AppError> {
    let templates = &ctx.policies.commitments;
    let t = templates.get(&req.template_id).ok_or_else(|| {
        bad(format!("没有承诺书模板“{}”", req.template_id))
            .with_detail(json!({"field": "template_id"}))
    })?;
    let subject = ctx
        .store
        .subject(&req.subject_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("主体 {} 不存在", req.subject_id)))?;
    if let Some(r) = &req.obtained_record {
        let rec = record_or_404(ctx.store, r).await?;
        if rec.subject_id != subject.id {
            return Err(bad(format!("记录 {r} 不属于该主体"))
                .with_detail(json!({"field": "obtained_record"})));
        }
    }
    if req.matter.trim().is_empty() || req.unit.trim().is_empty() {
        return Err(bad("承诺事项（matter）和受理单位（unit）不能为空"));
    }
    let day = filed_on(ctx, req.signed_on)?;
    let c = commitment::sign(
        xyjt_core::ledger::new_id(),
        t,
        &templates.version,
        &subject.id,
        &subject.name,
        req.matter.trim(),
        req.unit.trim(),
        day,
        req.obtained_record.clone(),
    );
    ctx.store
        .append(vec![NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::CommitmentSigned {
                commitment: c.clone(),
            },
        )])
        .await?;
    Ok(CommitmentState {
        commitment: c,
        check: None,
    })
}

/// The outcome of a fulfilment check (践诺核查).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FulfilmentRequest {
    pub fulfilled: bool,
    /// The commitment was untrue (虚假承诺): what it obtained is revoked.
    #[serde(default)]
    pub false_commitment: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
}

/// Records a fulfilment check. A breach proposes a watch-list entry (four lists item
/// `S-WATCH-FALSE-COMMITMENT`, reviewed by the unit as any proposal); a false commitment also
/// revokes the record it obtained.
pub async fn check_commitment(
    ctx: &Ctx<'_>,
    id: &str,
    req: FulfilmentRequest,
    actor: &str,
) -> Result<CommitmentState, AppError> {
    let before = ctx
        .store
        .commitment(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("信用承诺 {id} 不存在")))?;
    if !req.fulfilled && req.note.trim().is_empty() {
        return Err(bad("未践诺时必须写明核查情况（note）").with_detail(json!({"field": "note"})));
    }
    let check = FulfilmentCheck {
        on: req.on.unwrap_or(ctx.today),
        fulfilled: req.fulfilled,
        false_commitment: req.false_commitment,
        note: req.note.trim().to_string(),
        by: actor.to_string(),
    };
    let after =
        commitment::record_check(Some(before), id, &check).map_err(|e| bad(e.to_string()))?;
    let c = &after.commitment;
    let mut events = vec![
        NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::CommitmentChecked {
                commitment_id: id.to_string(),
                check: check.clone(),
            },
        )
        .with_subject(c.subject_id.clone()),
    ];
    if after.is_dishonest() {
        let policy = ctx.store.list_policy(None).await?;
        if let Some(p) = policy
            && let Some(item) = p
                .items
                .iter()
                .find(|i| i.id == commitment::BREACH_LIST_ITEM)
        {
            let subject = ctx.store.subject(&c.subject_id).await?;
            let entry = ListEntry {
                id: xyjt_core::ledger::new_id(),
                list: NameList::Watch,
                subject_id: Some(c.subject_id.clone()),
                name: c.subject_name.clone(),
                code: subject.and_then(|s| s.uscc.map(|u| u.to_string())),
                item_id: item.id.clone(),
                policy_version: p.version,
                basis: format!("{}：{}", item.title, c.breach_consequence),
                deciding_unit: c.unit.clone(),
                entry_date: check.on,
                valid_until: None,
                source_records: c.obtained_record.iter().cloned().collect(),
                explanation: format!(
                    "《{}》（{} 签署，事项：{}）经核查{}：{}",
                    c.title,
                    c.signed_on,
                    c.matter,
                    after.status().label(),
                    check.note
                ),
            };
            events.push(NewEvent::new(
                actor,
                Utc::now(),
                EventPayload::ListEntryProposed {
                    entry,
                    by: format!("rule:{}", commitment::BREACH_LIST_ITEM),
                },
            ));
        }
        if check.false_commitment
            && let Some(rid) = &c.obtained_record
        {
            let r = record_or_404(ctx.store, rid).await?;
            if r.status == xyjt_core::record::RecordStatus::Active {
                events.push(
                    NewEvent::new(
                        actor,
                        Utc::now(),
                        EventPayload::RecordRevoked {
                            record_id: rid.clone(),
                            reason: format!(
                                "虚假承诺：《{}》经核查不实，撤销依承诺取得的决定",
                                c.title
                            ),
                        },
                    )
                    .with_subject(c.subject_id.clone()),
                );
            }
        }
    }
    ctx.store.append(events).await?;
    Ok(after)
}

/// A commitment as views show it.
pub fn commitment_json(
    s: &CommitmentState,
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Value {
    let mut clock = s.commitment.check.clone();
    clock.done_on = s.check.as_ref().map(|c| c.on);
    json!({
        "id": s.commitment.id,
        "template_id": s.commitment.template_id,
        "template_version": s.commitment.template_version,
        "matter_type": s.commitment.matter_type,
        "title": s.commitment.title,
        "items": s.commitment.items,
        "subject_id": s.commitment.subject_id,
        "subject_name": s.commitment.subject_name,
        "matter": s.commitment.matter,
        "unit": s.commitment.unit,
        "signed_on": s.commitment.signed_on,
        "obtained_record": s.commitment.obtained_record,
        "breach_consequence": s.commitment.breach_consequence,
        "status": s.status(),
        "status_label": s.status().label(),
        "fulfilment_check": clock_json(&clock, cal, today, near_due),
        "check": s.check,
    })
}

// ---------------------------------------------------------------------------------------------
// HTTP handlers.
