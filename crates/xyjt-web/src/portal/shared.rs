//! What several portal pages share: percent-encoding for links, the rows of the public record
//! table and how a list entry's name and code are masked. Imports no other portal module.

use std::collections::HashSet;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::listing::EntryState;
use xyjt_core::mask::{Audience, mask_record};
use xyjt_core::mask::{mask_id_number, mask_person_name};
use xyjt_core::record::{Record, RecordBody, RecordCategory};
use xyjt_core::subject::PartyCategory;

/// Percent-encoding for a path segment or a query value (the console's, one definition).
pub(crate) use crate::auth::urlencode;

/// One row of the public record table (`portal/record_table.html`): a record as the public
/// sees it, personal data masked, with its publicity window and the actions it offers.
pub struct RecordRow {
    pub category: &'static str,
    pub subject_id: String,
    pub party: String,
    pub decision_date: String,
    pub doc_no: String,
    pub authority: String,
    pub content: String,
    /// 公示期至, with the severity when there is one.
    pub until: String,
    /// The record id, percent-encoded for links.
    pub link_id: String,
    pub under_objection: bool,
    /// Penalties link their notices (告知书) and a repair application.
    pub penalty: bool,
}

impl RecordRow {
    pub fn new(r: &Record, under_objection: &HashSet<String>) -> Self {
        let masked = mask_record(r, Audience::Public);
        let until = r.publication.as_ref().map_or(String::new(), |p| {
            let until = p
                .public_until
                .map_or_else(|| "长期".to_string(), |d| d.to_string());
            match &p.severity {
                Some(s) => format!("{until}（{s}）"),
                None => until,
            }
        });
        RecordRow {
            category: masked.body.category().label(),
            subject_id: r.subject_id.clone(),
            party: masked.body.party().name.clone(),
            decision_date: masked.body.decision_date().to_string(),
            doc_no: masked.body.doc_no().to_string(),
            authority: masked.body.authority().to_string(),
            content: record_content(&masked),
            until,
            link_id: urlencode(&r.id),
            under_objection: under_objection.contains(&r.id),
            penalty: r.body.category() == RecordCategory::Penalty,
        }
    }
}

/// What a record decided, in one line: a penalty's violation and content, a licence's content.
pub fn record_content(r: &Record) -> String {
    match &r.body {
        RecordBody::Penalty(p) => format!("{}：{}", p.violation_type, p.content),
        RecordBody::License(l) => l.content.clone().unwrap_or_else(|| l.doc_name.clone()),
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
