//! `/ledger`: the ledger's public key (with its fingerprint) and the latest signed checkpoint,
//! so anyone can copy them and keep them elsewhere, and later prove the ledger was not
//! rewritten (`xyjt verify --checkpoint`, `xyjt witness`).

use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use xyjt_app::ledger_proofs::{self as lp, KeyView};

#[derive(Template)]
#[template(path = "portal/ledger.html")]
struct LedgerPage {
    key: KeyView,
    note: String,
    size: u64,
    root: String,
    signed_at: String,
    interval_minutes: u32,
}

pub(super) async fn ledger_page(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let cp =
        lp::latest_checkpoint(state.store.as_ref(), &state.ledger_key, chrono::Utc::now()).await?;
    Ok(crate::html::render(&LedgerPage {
        key: state.ledger_key.view(),
        size: cp.size,
        root: cp.root,
        signed_at: cp.signed_at,
        note: cp.note,
        interval_minutes: state.policies.checkpoints.interval_minutes,
    }))
}
