//! What several portal pages share: percent-encoding for links, the rows of the public record
//! table and how a list entry's name and code are masked. Imports no other portal module.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashSet;
use xyjt_core::mask::{Audience, mask_record};
use xyjt_core::record::{Record, RecordBody, RecordCategory};

/// Percent-encoding for a path segment or a query value (the console's, one definition).
pub(crate) use crate::auth::urlencode;
pub(crate) use crate::views::entry_name_and_code;

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

/// A portal page saying something is not there, with a way back.
#[derive(Template)]
#[template(path = "portal/missing.html")]
pub(crate) struct Missing {
    pub title: &'static str,
    pub message: String,
    pub back: &'static str,
    pub back_label: &'static str,
}

impl Missing {
    pub fn respond(self) -> Response {
        crate::html::render_status(StatusCode::NOT_FOUND, &self)
    }
}
