//! What the portal's online applications share: the double-submit token, reading a posted
//! form (urlencoded or multipart with evidence files), what an application is about (a record
//! public today or a list entry in force) and the pages that answer a post (filed, refused).
//!
//! No session, so the POSTs are protected by a double-submit token: the form's GET sets a random
//! token in the `xyjt_form` cookie (HttpOnly, SameSite=Strict) and echoes it in a hidden field;
//! a POST whose field and cookie differ is refused (403). Another site can make a browser send
//! the cookie only where SameSite allows it, and can neither read it nor set it.

use super::shared::{entry_name_and_code, record_content, urlencode};
use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::Form;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;
use xyjt_app::workflows::{EvidenceUpload, Filed};
use xyjt_core::listing::EntryState;
use xyjt_core::mask::{Audience, mask_record};
use xyjt_core::record::{Record, RecordBody};

// ---------------------------------------------------------------------------------------------
// The double-submit token.

pub const CSRF_COOKIE: &str = "xyjt_form";
const TOKEN_LEN: usize = 32;

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The token in the request's `xyjt_form` cookie, if well formed.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name.trim() == CSRF_COOKIE).then(|| value.trim().to_string())
        })
        .find(|t| well_formed(t))
}

/// The browser's token (so several open forms stay valid), or a new random one.
pub(super) fn form_token(headers: &HeaderMap) -> String {
    cookie_token(headers).unwrap_or_else(|| xyjt_core::workflow::random_code(TOKEN_LEN))
}

/// The cookie and the hidden field carry the same token (compared in constant time).
pub(super) fn csrf_ok(headers: &HeaderMap, field: &str) -> bool {
    let Some(cookie) = cookie_token(headers) else {
        return false;
    };
    well_formed(field)
        && cookie.len() == field.len()
        && cookie
            .bytes()
            .zip(field.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A form page: sets the token cookie, never cached.
pub(super) fn form_response(status: StatusCode, token: &str, page: Html<String>) -> Response {
    (
        status,
        [
            (
                header::SET_COOKIE,
                format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400"),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        page,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "portal/form_refused.html")]
struct FormRefused<'a> {
    back: &'a str,
}

/// The token did not match: nothing filed, back to the form.
pub(super) fn csrf_refused(back: &str) -> Response {
    crate::html::render_status(StatusCode::FORBIDDEN, &FormRefused { back })
}

#[derive(Template)]
#[template(path = "portal/form_unreadable.html")]
struct FormUnreadable;

pub(super) fn bad_form() -> Response {
    crate::html::render_status(StatusCode::BAD_REQUEST, &FormUnreadable)
}

#[derive(Template)]
#[template(path = "portal/not_public.html")]
struct NotPublic;

pub(super) fn not_public() -> Response {
    crate::html::render_status(StatusCode::NOT_FOUND, &NotPublic)
}

#[derive(Template)]
#[template(path = "portal/filed.html")]
struct FiledPage<'a> {
    kind: &'a str,
    number: &'a str,
    /// The number, percent-encoded for the progress link.
    number_q: String,
    query_code: &'a str,
    due_on: chrono::NaiveDate,
    workdays: u32,
}

/// The result page: number, query code (once) and the first deadline.
pub(super) fn filed_page(kind: &str, filed: &Filed, workdays: u32) -> Response {
    let page = FiledPage {
        kind,
        number: &filed.number,
        number_q: urlencode(&filed.number),
        query_code: &filed.query_code,
        due_on: filed.due_on,
        workdays,
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        crate::html::render(&page),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "portal/filings_capped.html")]
struct FilingsCapped {
    per_day: u32,
}

/// 429: the client's anonymous applications of the day are used up; nothing filed.
pub(super) fn filings_capped(state: &AppState) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(
            header::RETRY_AFTER,
            crate::throttle::secs_to_china_midnight().to_string(),
        )],
        crate::html::render(&FilingsCapped {
            per_day: state.filings.per_day,
        }),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "portal/form_failed.html")]
struct FormFailed<'a> {
    message: &'a str,
}

/// An error answer of a service as a page (validation errors re-show the form instead).
pub(super) fn failed(e: &ApiError) -> Response {
    crate::html::render_status(
        e.status,
        &FormFailed {
            message: &e.message,
        },
    )
}

pub(super) fn too_long(value: &str, max: usize, what: &str) -> Result<(), String> {
    if value.chars().count() > max {
        Err(format!("{what}不能超过 {max} 个字"))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// What an application is about.

#[derive(Deserialize)]
pub struct TargetQuery {
    pub(super) record: Option<String>,
    pub(super) entry: Option<String>,
}

pub(super) enum Target {
    Record(Box<Record>),
    Entry(Box<EntryState>),
}

/// The target as the public sees it (personal data masked): `portal/target_summary.html`.
pub(super) enum TargetSummary {
    Record {
        category: &'static str,
        doc_no: String,
        party: String,
        decision_date: String,
        authority: String,
        content: String,
    },
    Entry {
        list: String,
        name: String,
        code: String,
        unit: String,
        entry_date: String,
        basis: String,
    },
}

impl TargetSummary {
    pub(super) fn of_record(r: &Record) -> Self {
        let m = mask_record(r, Audience::Public);
        TargetSummary::Record {
            category: m.body.category().label(),
            doc_no: m.body.doc_no().to_string(),
            party: m.body.party().name.clone(),
            decision_date: m.body.decision_date().to_string(),
            authority: m.body.authority().to_string(),
            content: record_content(&m),
        }
    }

    pub(super) async fn of(state: &AppState, target: &Target) -> Result<Self, ApiError> {
        Ok(match target {
            Target::Record(r) => Self::of_record(r),
            Target::Entry(e) => {
                let kind = match &e.entry.subject_id {
                    Some(id) => state.store.subject(id).await?.map(|s| s.kind),
                    None => None,
                };
                let (name, code) = entry_name_and_code(e, kind);
                TargetSummary::Entry {
                    list: e.entry.list.label().to_string(),
                    name,
                    code,
                    unit: e.entry.deciding_unit.clone(),
                    entry_date: e.entry.entry_date.to_string(),
                    basis: e.entry.basis.clone(),
                }
            }
        })
    }
}

/// A record public today or a list entry in force today; anything else is not shown.
pub(super) async fn load_target(
    state: &AppState,
    record: Option<&str>,
    entry: Option<&str>,
) -> Result<Option<Target>, ApiError> {
    let today = state.today();
    let record = record.map(str::trim).filter(|s| !s.is_empty());
    let entry = entry.map(str::trim).filter(|s| !s.is_empty());
    Ok(match (record, entry) {
        (Some(id), None) => state
            .store
            .record(id)
            .await?
            .filter(|r| r.is_public_on(today))
            .map(|r| Target::Record(Box::new(r))),
        (None, Some(id)) => state
            .store
            .list_entry(id)
            .await?
            .filter(|e| e.is_active_on(today))
            .map(|e| Target::Entry(Box::new(e))),
        _ => None,
    })
}

/// The fields of a record an applicant may claim a value for: (name in the body, label, a date).
pub(super) fn claimable_fields(record: &Record) -> Vec<(&'static str, &'static str, bool)> {
    let all: &[(&str, &str, bool)] = match &record.body {
        RecordBody::Penalty(_) => &[
            ("content", "处罚内容", false),
            ("violation_type", "违法行为类型", false),
            ("facts", "违法事实", false),
            ("basis", "处罚依据", false),
            ("doc_no", "行政处罚决定书文号", false),
            ("decision_date", "处罚决定日期", true),
            ("authority", "处罚机关", false),
            ("remark", "备注", false),
        ],
        RecordBody::License(_) => &[
            ("content", "许可内容", false),
            ("doc_name", "行政许可决定文书名称", false),
            ("doc_no", "行政许可决定文书号", false),
            ("licence_no", "许可编号", false),
            ("cert_name", "许可证书名称", false),
            ("decision_date", "许可决定日期", true),
            ("valid_from", "有效期自", true),
            ("valid_to", "有效期至", true),
            ("authority", "许可机关", false),
            ("remark", "备注", false),
        ],
    };
    let body = serde_json::to_value(&record.body).unwrap_or_default();
    all.iter()
        .filter(|(f, _, _)| *f == "remark" || body.get(*f).is_some())
        .copied()
        .collect()
}

/// A public form, posted urlencoded or — with evidence files — as multipart/form-data.
pub(super) struct Posted<T> {
    pub form: T,
    pub evidence: Vec<EvidenceUpload>,
}

pub(super) async fn posted<T: serde::de::DeserializeOwned>(
    req: axum::extract::Request,
) -> Result<Posted<T>, Response> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(form) = Form::<T>::from_request(req, &())
            .await
            .map_err(|_| bad_form())?;
        return Ok(Posted {
            form,
            evidence: vec![],
        });
    }
    let mut mp = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|_| bad_form())?;
    let mut fields = serde_json::Map::new();
    let mut evidence = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(|_| bad_form())? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|_| bad_form())?;
        let refused = |e| crate::edge::refusal("/", e);
        crate::edge::check_text_field(&name, &name).map_err(refused)?;
        match file_name {
            // An empty file input sends a part with no name and no bytes: nothing chosen.
            Some(f) if name == "evidence" => {
                crate::edge::check_text_field(&name, &f).map_err(refused)?;
                if !bytes.is_empty() {
                    evidence.push(EvidenceUpload {
                        file_name: f,
                        content_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
                    });
                }
            }
            _ => {
                let value = String::from_utf8_lossy(&bytes).into_owned();
                crate::edge::check_text_field(&name, &value).map_err(refused)?;
                fields.insert(name, serde_json::Value::String(value));
            }
        }
    }
    let form = serde_json::from_value(serde_json::Value::Object(fields)).map_err(|_| bad_form())?;
    Ok(Posted { form, evidence })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_must_match_the_cookie() {
        let token = xyjt_core::workflow::random_code(TOKEN_LEN);
        let mut headers = HeaderMap::new();
        assert!(!csrf_ok(&headers, &token), "no cookie");
        headers.insert(
            header::COOKIE,
            format!("a=b; {CSRF_COOKIE}={token}; c=d").parse().unwrap(),
        );
        assert!(csrf_ok(&headers, &token));
        assert!(!csrf_ok(&headers, ""));
        let other = xyjt_core::workflow::random_code(TOKEN_LEN);
        assert!(!csrf_ok(&headers, &other));
        assert_eq!(form_token(&headers), token, "an open form's token is kept");
    }

    #[test]
    fn templates_escape_what_they_show() {
        let page = FormFailed {
            message: "<script>alert(\"x\")</script> & 'y'",
        }
        .render()
        .unwrap();
        assert!(
            page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;")
        );
        assert!(!page.contains("<script>"));
    }
}
