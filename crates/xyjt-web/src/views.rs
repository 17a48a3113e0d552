//! What the API shows: views computed from the store, masked for their audience.

use serde::Serialize;
use utoipa::ToSchema;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::ledger::StoredEvent;
use xyjt_core::listing::EntryState;
use xyjt_core::mask::mask_person_name;
use xyjt_core::mask::{Audience, mask_id_number, mask_record, subject_display_name};
use xyjt_core::record::Record;
use xyjt_core::subject::PartyCategory;
use xyjt_core::subject::{NameChange, Subject};

/// A subject as listed and profiled. Natural persons' names and ID numbers are masked in public.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectView {
    pub id: String,
    /// 行政相对人类别: 法人及非法人组织 / 自然人 / 个体工商户
    pub kind: String,
    pub name: String,
    /// 统一社会信用代码
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    /// 组织机构代码 (explicit, or the one inside the USCC)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_code: Option<String>,
    /// 工商注册号
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reg_no: Option<String>,
    /// 居民身份证号, masked unless the audience may see it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
}

impl SubjectView {
    pub fn new(s: &Subject, audience: Audience) -> Self {
        SubjectView {
            id: s.id.clone(),
            kind: s.kind.label().to_string(),
            name: subject_display_name(s.kind, &s.name, audience),
            uscc: s.uscc.as_ref().map(|u| u.to_string()),
            org_code: s.effective_org_code().map(|o| o.to_string()),
            reg_no: s.reg_no.as_ref().map(|r| r.to_string()),
            citizen_id: s.citizen_id.as_ref().map(|c| match audience {
                Audience::Owner => c.to_string(),
                _ => mask_id_number(c.as_str()),
            }),
        }
    }
}

/// A former or current name with the day it took effect.
#[derive(Debug, Serialize, ToSchema)]
pub struct NameView {
    pub name: String,
    pub effective_on: String,
}

impl NameView {
    pub fn new(subject: &Subject, n: &NameChange, audience: Audience) -> Self {
        NameView {
            name: subject_display_name(subject.kind, &n.name, audience),
            effective_on: n.effective_on.to_string(),
        }
    }
}

/// A credit record (licence, penalty, …) with its national fields in `body`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    pub id: String,
    pub subject_id: String,
    /// `license` | `penalty`
    pub category: String,
    /// 行政许可 | 行政处罚
    pub category_label: String,
    /// `active` | `revoked` | `expired`
    pub status: String,
    pub version: u32,
    pub decision_date: String,
    pub doc_no: String,
    pub authority: String,
    /// The national field set of the category, personal data masked.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// How it was published: received on, deadline, late, public window, severity, the rule
    /// that decided it and the policy version.
    #[schema(value_type = Option<Object>)]
    pub publicity: Option<serde_json::Value>,
    /// An objection (异议) against it is being handled: shown as 异议处理中.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub under_objection: bool,
}

impl RecordView {
    pub fn new(record: &Record, audience: Audience) -> Self {
        let r = mask_record(record, audience);
        RecordView {
            id: r.id.clone(),
            subject_id: r.subject_id.clone(),
            category: r.body.category().as_str().to_string(),
            category_label: r.body.category().label().to_string(),
            status: serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            version: r.version,
            decision_date: r.body.decision_date().to_string(),
            doc_no: r.body.doc_no().to_string(),
            authority: r.body.authority().to_string(),
            body: serde_json::to_value(&r.body).unwrap_or_default(),
            publicity: r
                .publication
                .as_ref()
                .and_then(|p| serde_json::to_value(p).ok()),
            under_objection: false,
        }
    }

    /// Marks the record as under objection when it is one of `targets`.
    pub fn marked(mut self, targets: &std::collections::HashSet<String>) -> Self {
        self.under_objection = targets.contains(&self.id);
        self
    }
}

/// One ledger event as the history of a record shows it (kind, time, actor, hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub recorded_at: String,
    pub actor: String,
    pub hash: String,
    pub prev_hash: String,
}

impl From<&StoredEvent> for EventView {
    fn from(e: &StoredEvent) -> Self {
        EventView {
            seq: e.seq,
            id: e.id.clone(),
            kind: e.kind.clone(),
            recorded_at: e.recorded_at.clone(),
            actor: e.actor.clone(),
            hash: e.hash.clone(),
            prev_hash: e.prev_hash.clone(),
        }
    }
}

/// Whether an entry names a natural person. Masked unless known to be an organisation: its
/// code is a valid organisation identifier, or the platform subject is not a natural person.
/// An entry with no code and no subject (an external list may send such) is masked too.
fn is_person(e: &EntryState, subject_kind: Option<PartyCategory>) -> bool {
    let code_kind = e.entry.code.as_deref().map(|c| {
        let checked = check(c);
        (checked.kind, checked.result.is_ok())
    });
    match (code_kind, subject_kind) {
        (Some((CodeKind::CitizenId, _)), _) => true,
        (_, Some(PartyCategory::NaturalPerson)) => true,
        (_, Some(_)) => false,
        (Some((CodeKind::Uscc | CodeKind::OrgCode | CodeKind::RegNo, true)), None) => false,
        _ => true,
    }
}

/// The name and code of an entry as the public may see them.
pub(crate) fn entry_name_and_code(
    e: &EntryState,
    subject_kind: Option<PartyCategory>,
) -> (String, String) {
    if is_person(e, subject_kind) {
        (
            mask_person_name(&e.entry.name),
            e.entry
                .code
                .as_deref()
                .map(mask_id_number)
                .unwrap_or_default(),
        )
    } else {
        (
            e.entry.name.clone(),
            e.entry.code.clone().unwrap_or_default(),
        )
    }
}
