//! 四张清单: the four lists as versioned policy — the current version and every earlier one,
//! the current one as JSON, and a new version adopted from an uploaded file.

use super::{Answer, CsrfUpload, OrPage, allow, event, frame, invalid, show, write_then};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{NaiveDate, Utc};
use xyjt_core::account::{Action, authorize};
use xyjt_core::ledger::EventPayload;
use xyjt_core::lists::ListPolicy;

#[derive(Template)]
#[template(path = "console/policy.html")]
struct PolicyPage {
    frame: Frame,
    current: ListPolicy,
    versions: Vec<ListPolicy>,
    may_adopt: bool,
}

pub(super) async fn policy_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let current = xyjt_app::checks::current_policy(state.store.as_ref(), &state.policies.lists)
        .await
        .or_page()?;
    let mut versions = Vec::new();
    for v in (1..=current.version).rev() {
        versions.extend(state.store.list_policy(Some(v)).await.or_page()?);
    }
    show(&PolicyPage {
        frame: frame(&staff, "四张清单"),
        may_adopt: authorize(
            &staff.account,
            Action::ManagePolicy,
            &staff.account.unit_id,
            staff.org(),
        )
        .is_ok(),
        current,
        versions,
    })
}

pub(super) async fn export_policy(State(state): State<AppState>, _staff: Staff) -> Answer {
    let p = xyjt_app::checks::current_policy(state.store.as_ref(), &state.policies.lists)
        .await
        .or_page()?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"lists-v{}.json\"", p.version),
            ),
        ],
        p.to_json(),
    )
        .into_response())
}

/// A province-level credit administrator adopts a new version from a file in the export's
/// format, with a note and the day it takes effect (today by default).
pub(super) async fn adopt_policy(State(state): State<AppState>, upload: CsrfUpload) -> Answer {
    let staff = &upload.staff;
    allow(staff, Action::ManagePolicy, &staff.account.unit_id)?;
    let Some(note) = upload.text("note") else {
        return Err(invalid("请填写调整说明"));
    };
    let effective = match upload.text("effective_from") {
        None => state.today(),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| invalid(format!("施行日期“{s}”应为 YYYY-MM-DD")))?,
    };
    let file = upload.file.as_ref().map(|(_, b)| &b[..]);
    let text = String::from_utf8_lossy(file.unwrap_or_default());
    let items = ListPolicy::from_json(&text)
        .map_err(|e| invalid(format!("清单文件不合规：{e}")))?
        .items;
    let current = xyjt_app::checks::current_policy(state.store.as_ref(), &state.policies.lists)
        .await
        .or_page()?;
    let stamp = xyjt_core::ledger::format_timestamp(Utc::now());
    let next = current
        .next_version(items, &staff.actor(), &stamp, note, effective)
        .map_err(|e| invalid(format!("清单文件不合规：{e}")))?;
    let adopted = event(staff, EventPayload::ListPolicyAdopted { policy: next });
    write_then(&state, vec![adopted], "/console/policy").await
}
