//! The ledger's proofs over HTTP: signed checkpoints (C2SP tlog-checkpoint), inclusion and
//! consistency proofs (RFC 6962), and the public key. Thin: `xyjt_app::ledger_proofs` does it.

use crate::AppState;
use crate::api::checks::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xyjt_app::ledger_proofs::{self as lp, ConsistencyView, InclusionView, KeyView};
use xyjt_store::tree::StoredCheckpoint;

/// A kept checkpoint.
#[derive(Serialize, ToSchema)]
pub struct CheckpointView {
    pub size: u64,
    /// Lower-case hex of the Merkle root.
    pub root: String,
    pub key_name: String,
    pub key_hash: String,
    pub signed_at: String,
    /// The signed note, as `GET /api/v1/ledger/checkpoint` serves it.
    pub note: String,
}

impl From<StoredCheckpoint> for CheckpointView {
    fn from(c: StoredCheckpoint) -> Self {
        CheckpointView {
            size: c.size,
            root: c.root,
            key_name: c.key_name,
            key_hash: c.key_hash,
            signed_at: c.signed_at,
            note: c.note,
        }
    }
}

/// The latest signed checkpoint, as the C2SP text note (what witnesses fetch). One is signed
/// now when this key has signed none yet.
#[utoipa::path(get, path = "/api/v1/ledger/checkpoint",
    responses((status = 200, description = "C2SP tlog-checkpoint signed note", content_type = "text/plain")))]
pub(crate) async fn get_checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cp =
        lp::latest_checkpoint(state.store.as_ref(), &state.ledger_key, chrono::Utc::now()).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        cp.note,
    )
        .into_response())
}

/// Signs a checkpoint now if the ledger has grown since the latest (for a calling system,
/// such as a witness, that needs a fresh one).
#[utoipa::path(post, path = "/api/v1/ledger/checkpoint", security(("bearer" = [])),
    responses((status = 200, body = CheckpointView), (status = 401, body = crate::error::ErrorEnvelope)))]
pub(crate) async fn post_checkpoint(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<CheckpointView>, ApiError> {
    let now = chrono::Utc::now();
    let cp = match lp::sign_if_grown(state.store.as_ref(), &state.ledger_key.signer, now).await? {
        Some(cp) => cp,
        None => lp::latest_checkpoint(state.store.as_ref(), &state.ledger_key, now).await?,
    };
    Ok(Json(cp.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// At most this many, largest tree first (1–100, default 20)
    pub limit: Option<i64>,
}

/// Every checkpoint kept, largest tree first.
#[utoipa::path(get, path = "/api/v1/ledger/checkpoints", params(ListParams),
    responses((status = 200, body = [CheckpointView])))]
pub(crate) async fn list_checkpoints(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<CheckpointView>>, ApiError> {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit 必须在 1 到 100 之间"));
    }
    let list = state.store.checkpoints(limit).await?;
    Ok(Json(list.into_iter().map(CheckpointView::from).collect()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionParams {
    /// The event's number (1 is the first event)
    pub seq: u64,
    /// The tree size (a checkpoint's size); default the whole tree
    pub size: Option<u64>,
}

/// The RFC 6962 inclusion proof of event `seq` in the tree of `size` events.
#[utoipa::path(get, path = "/api/v1/ledger/proof/inclusion", params(InclusionParams),
    responses((status = 200, body = InclusionView), (status = 404, description = "the event or the tree size is beyond the ledger", body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(crate) async fn get_inclusion(
    State(state): State<AppState>,
    Query(p): Query<InclusionParams>,
) -> Result<Json<InclusionView>, ApiError> {
    Ok(Json(
        lp::inclusion(state.store.as_ref(), p.seq, p.size).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyParams {
    /// The earlier tree size
    pub from: u64,
    /// The later tree size
    pub to: u64,
}

/// The RFC 6962 consistency proof between the trees of `from` and `to` events.
#[utoipa::path(get, path = "/api/v1/ledger/proof/consistency", params(ConsistencyParams),
    responses((status = 200, body = ConsistencyView), (status = 404, description = "a tree size is beyond the ledger", body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(crate) async fn get_consistency(
    State(state): State<AppState>,
    Query(p): Query<ConsistencyParams>,
) -> Result<Json<ConsistencyView>, ApiError> {
    Ok(Json(
        lp::consistency(state.store.as_ref(), p.from, p.to).await?,
    ))
}

/// The checkpoints' public key (signed-note verifier key, what `ledger.pub` holds) and its
/// fingerprint. `ephemeral` is true when the server was started without a key.
#[utoipa::path(get, path = "/api/v1/ledger/key", responses((status = 200, body = KeyView)))]
pub(crate) async fn get_key(State(state): State<AppState>) -> Json<KeyView> {
    Json(state.ledger_key.view())
}
