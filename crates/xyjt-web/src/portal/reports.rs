//! `/reports/verify`: anyone checks a credit report (信用报告) — an uploaded JSON file, or one
//! issued here, by its number — with the platform's public key and `xyjt-verify` alone: the
//! embedded checkpoint, every fact's digest and inclusion proof, the report's signature.

use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::response::Html;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal/report_verify.html")]
struct VerifyPage {
    number: String,
    /// `None`: nothing checked yet.
    outcome: Option<Outcome>,
    fingerprint: String,
    ephemeral: bool,
}

struct Outcome {
    ok: bool,
    message: String,
}

#[derive(Deserialize)]
pub(super) struct NumberQuery {
    number: Option<String>,
}

fn check(state: &AppState, json: &str) -> Outcome {
    let key = state.ledger_key.signer.verifier();
    match xyjt_verify::report::verify(json, &key) {
        Ok(v) => Outcome {
            ok: true,
            message: format!(
                "信用报告 {} 校验通过：主体“{}”，{} 项事实均在树大小为 {} 的签名检查点中；签发于 {}，有效期至 {}。",
                v.number, v.subject, v.facts, v.tree_size, v.issued_at, v.valid_until
            ),
        },
        Err(e) => Outcome {
            ok: false,
            message: format!("校验未通过：{e}"),
        },
    }
}

fn page(state: &AppState, number: String, outcome: Option<Outcome>) -> Html<String> {
    let key = state.ledger_key.view();
    crate::html::render(&VerifyPage {
        number,
        outcome,
        fingerprint: key.fingerprint,
        ephemeral: key.ephemeral,
    })
}

pub(super) async fn verify_page(
    State(state): State<AppState>,
    Query(q): Query<NumberQuery>,
) -> Result<Html<String>, ApiError> {
    let number = q.number.unwrap_or_default().trim().to_string();
    if number.is_empty() {
        return Ok(page(&state, number, None));
    }
    let outcome = match xyjt_app::reports::by_number(state.store.as_ref(), &number).await {
        Ok(json) => check(&state, &json),
        Err(e) if e.kind == xyjt_app::ErrorKind::NotFound => Outcome {
            ok: false,
            message: e.message,
        },
        Err(e) => return Err(e.into()),
    };
    Ok(page(&state, number, Some(outcome)))
}

pub(super) async fn verify_upload(
    State(state): State<AppState>,
    mut form: Multipart,
) -> Html<String> {
    let mut text = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("report") {
            text = field.bytes().await.ok();
        }
    }
    let outcome = match text {
        None => Outcome {
            ok: false,
            message: "请选择要校验的信用报告文件（JSON）".into(),
        },
        Some(bytes) if bytes.is_empty() => Outcome {
            ok: false,
            message: "请选择要校验的信用报告文件（JSON）".into(),
        },
        Some(bytes) => match std::str::from_utf8(&bytes) {
            Ok(json) => check(&state, json),
            Err(_) => Outcome {
                ok: false,
                message: "上传的文件不是 UTF-8 编码的 JSON 信用报告".into(),
            },
        },
    };
    page(&state, String::new(), Some(outcome))
}
