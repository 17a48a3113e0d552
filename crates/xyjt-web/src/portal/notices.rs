//! The documents delivered with a penalty decision (“两书同达” and its local variants that send
//! three to five together): a summary of the decision, the credit repair notice (信用修复告知书),
//! the objection notice (异议告知书), the credit commitment (信用承诺书) to sign and a compliance
//! advice (合规建议书). Generated per decision from the record, its publication and the policies
//! in force, as one printable page (one document per printed sheet): `templates/notices/`.

use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::commitment;
use xyjt_core::mask::{Audience, mask_record};
use xyjt_core::record::{Record, RecordBody, RecordStatus};

#[derive(Template)]
#[template(path = "notices/notices.html")]
struct NoticesPage<'a> {
    /// None: not a penalty decision, which has no notices.
    notices: Option<Notices>,
    policy: &'a DeadlinePolicy,
    /// The commitment to sign (信用修复承诺), when the templates have one.
    commitment: Option<&'a commitment::Template>,
    templates_version: &'a str,
}

/// What the documents say about the decision, personal data already masked.
struct Notices {
    doc_no: String,
    party: String,
    violation_type: String,
    kinds: String,
    content: String,
    decision_date: String,
    authority: String,
    source_unit: String,
    /// The publicity window, in a sentence.
    window: String,
    /// From when repair may be applied for.
    earliest: String,
}

impl Notices {
    fn of(record: &Record) -> Option<Self> {
        let RecordBody::Penalty(p) = &record.body else {
            return None;
        };
        let publication = record.publication.as_ref();
        let window = match publication {
            Some(pb) if pb.public_from.is_some() => format!(
                "本处罚信息属于{}失信信息，自 {} 起在信用交通平台和“信用中国”网站公示，最长公示至 {}；\
                 最短公示期至 {}。{}",
                pb.severity.as_deref().unwrap_or(""),
                pb.public_from.map(|d| d.to_string()).unwrap_or_default(),
                pb.public_until
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "长期".into()),
                pb.min_until.map(|d| d.to_string()).unwrap_or_default(),
                pb.explanation
            ),
            Some(pb) => format!("本处罚信息依规不予公示：{}", pb.explanation),
            None => "本处罚信息的公示安排以平台公示为准。".into(),
        };
        let earliest = publication
            .and_then(|pb| pb.min_until)
            .and_then(|d| d.succ_opt())
            .map(|d| format!("自 {d} 起"))
            .unwrap_or_else(|| "最短公示期满后".into());
        let kinds: Vec<&str> = p.kinds.iter().map(|k| k.label()).collect();
        Some(Notices {
            doc_no: p.doc_no.clone(),
            party: p.party.name.clone(),
            violation_type: p.violation_type.clone(),
            kinds: kinds.join("、"),
            content: p.content.clone(),
            decision_date: p.decision_date.to_string(),
            authority: p.authority.clone(),
            source_unit: p.source_unit.clone(),
            window,
            earliest,
        })
    }
}

/// `/records/{id}/notices`: the printable set for one penalty decision.
pub async fn notices_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let record = state
        .store
        .record(&id)
        .await?
        .filter(|r| r.status != RecordStatus::Revoked)
        .ok_or_else(|| ApiError::not_found(format!("记录 {id} 不存在")))?;
    // On the open portal: personal data masked as in every public view.
    let masked = mask_record(&record, Audience::Public);
    let templates = &state.policies.commitments;
    Ok(crate::html::render(&NoticesPage {
        notices: Notices::of(&masked),
        policy: &state.policies.deadlines,
        commitment: templates.for_matter("信用修复承诺"),
        templates_version: &templates.version,
    }))
}
