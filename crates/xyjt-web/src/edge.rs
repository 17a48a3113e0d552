//! Hostile input refused at the edge, before any handler or database sees it, so SQLite and
//! PostgreSQL accept and refuse exactly the same requests with the same answer:
//!
//! * control characters ([`refuse_control_characters`], a route layer over every route): none
//!   at all in a path segment or a query parameter; in a urlencoded form or a JSON body, none but
//!   tab and line breaks (which multi-line text legitimately holds). PostgreSQL cannot store NUL,
//!   and no identifier, name or text of the platform holds any other control character. The
//!   multipart forms check their text fields where they read them ([`check_text_field`]).
//! * page numbers ([`page_number`]): from 1 to [`MAX_PAGE`].
//!
//! A refusal is a 400 naming the field: the JSON envelope under `/api/`, a page elsewhere.

use crate::error::ApiError;
use askama::Template;
use axum::RequestExt;
use axum::body::Body;
use axum::extract::{Form, Query, RawPathParams, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use xyjt_core::text::{any_control, forbidden_control};

/// The highest page number any paged route answers: 10 000 pages of up to 100 items each.
pub const MAX_PAGE: i64 = 10_000;

/// The most of a urlencoded or JSON body read to check it: axum's default body limit, which
/// every route that takes such a body keeps (the larger limits are for multipart uploads).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A 1-based page number, missing = 1; outside 1..=[`MAX_PAGE`] a 400 naming `page`.
pub fn page_number(page: Option<i64>) -> Result<i64, ApiError> {
    let page = page.unwrap_or(1);
    if (1..=MAX_PAGE).contains(&page) {
        Ok(page)
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("page 必须在 1 到 {MAX_PAGE} 之间（页码超出范围）"),
        )
        .with_detail(serde_json::json!({"field": "page"})))
    }
}

/// The 400 for a control character in `field`.
pub fn control_error(field: &str, c: char) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "control_character",
        format!(
            "“{field}”含有不允许的控制字符（U+{:04X}），请删除后重试",
            c as u32
        ),
    )
    .with_detail(serde_json::json!({"field": field}))
}

/// The refusal page of a request with hostile input (outside the API).
#[derive(Template)]
#[template(path = "bad_request.html")]
struct BadRequestPage<'a> {
    message: &'a str,
}

/// `e` as the API's envelope under `/api/`, as a page elsewhere.
pub fn refusal(path: &str, e: ApiError) -> Response {
    if path.starts_with("/api/") {
        e.into_response()
    } else {
        crate::html::render_status(
            e.status,
            &BadRequestPage {
                message: &e.message,
            },
        )
    }
}

/// A multipart form's text field: `Err` (the 400) when it holds a control character other than
/// tab or a line break.
pub fn check_text_field(field: &str, value: &str) -> Result<(), ApiError> {
    match forbidden_control(value) {
        Some(c) => {
            tracing::warn!(field, code_point = c as u32, "control character refused");
            Err(control_error(field, c))
        }
        None => Ok(()),
    }
}

/// The route layer: refuses a request whose path parameters, query or urlencoded/JSON body hold
/// a control character. Logs the field and the code point, never the value.
pub async fn refuse_control_characters(mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let refuse = |field: &str, c: char| {
        tracing::warn!(
            %path,
            field,
            code_point = c as u32,
            "control character refused"
        );
        refusal(&path, control_error(field, c))
    };
    if let Ok(params) = req.extract_parts::<RawPathParams>().await {
        for (key, value) in &params {
            if let Some(c) = any_control(value) {
                return refuse(key, c);
            }
        }
    }
    if let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(req.uri()) {
        for (key, value) in &pairs {
            if let Some(c) = any_control(key) {
                return refuse("参数名", c);
            }
            if let Some(c) = any_control(value) {
                return refuse(key, c);
            }
        }
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json")
        || (content_type.starts_with("application/") && content_type.contains("+json"));
    if !(form || json) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            let e = ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "请求内容过大或未能完整读取",
            );
            return refusal(&path, e);
        }
    };
    let found = if form {
        let probe = Request::builder()
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .method("POST")
            .body(Body::from(bytes.clone()))
            .unwrap_or_default();
        match probe.extract::<Form<Vec<(String, String)>>, _>().await {
            Ok(Form(pairs)) => pairs.into_iter().find_map(|(key, value)| {
                if let Some(c) = forbidden_control(&key) {
                    Some(("参数名".to_string(), c))
                } else {
                    forbidden_control(&value).map(|c| (key, c))
                }
            }),
            Err(_) => None,
        }
    } else {
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| control_in_json(&v, ""))
    };
    if let Some((field, c)) = found {
        return refuse(&field, c);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The first string (or key) in `v` holding a control character other than tab or a line
/// break, with its field's path (`applicant.name`, `evidence[0].file_name`).
fn control_in_json(v: &Value, at: &str) -> Option<(String, char)> {
    match v {
        Value::String(s) => forbidden_control(s).map(|c| (at.to_string(), c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| control_in_json(item, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let field = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            match forbidden_control(key) {
                Some(c) => Some((field, c)),
                None => control_in_json(item, &field),
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_fields_are_named_by_their_path() {
        let v = json!({"reason": "ok\nline", "applicant": {"name": "张\u{0}三"}});
        assert_eq!(
            control_in_json(&v, ""),
            Some(("applicant.name".into(), '\0'))
        );
        let v = json!({"evidence": [{"file_name": "a.pdf"}, {"file_name": "b\u{7}.pdf"}]});
        assert_eq!(
            control_in_json(&v, ""),
            Some(("evidence[1].file_name".into(), '\u{7}'))
        );
        assert_eq!(control_in_json(&json!({"reason": "a\tb\r\nc"}), ""), None);
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some(MAX_PAGE)).unwrap(), MAX_PAGE);
        assert_eq!(
            page_number(Some(i64::MAX)).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert!(page_number(Some(0)).is_err());
    }
}
