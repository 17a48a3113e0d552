//! The ledger's proofs over HTTP and on the portal, against the real router: the checkpoint
//! served as a C2SP note opens with the served key, the proofs verify with `xyjt-verify`
//! alone, bad parameters are named, and the portal shows the fingerprint and the checkpoint.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use xyjt_core::policies::Policies;
use xyjt_verify::hash_from_hex;
use xyjt_verify::merkle::{verify_consistency, verify_inclusion};
use xyjt_verify::note::{Checkpoint, VerifierKey};
use xyjt_web::{AppState, router};

async fn app() -> (axum::Router, i64) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ledger-proofs-{}.db", uuid::Uuid::now_v7()));
    let store = xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    xyjt_app::demo::seed(store.as_ref(), Policies::builtin_ref(), today)
        .await
        .unwrap();
    let head = store.head().await.unwrap().seq;
    let state = AppState::with_policies(store, Policies::builtin())
        .await
        .unwrap();
    (router(state), head)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, String) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let ctype = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

async fn json(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let (status, _, body) = get(app, uri).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn h(v: &Value) -> [u8; 32] {
    hash_from_hex(v.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn checkpoints_and_proofs_verify_with_the_served_key() {
    let (app, head) = app().await;
    let (status, key) = json(&app, "/api/v1/ledger/key").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(key["ephemeral"], true, "no key configured: {key}");
    let verifier = VerifierKey::parse(key["key"].as_str().unwrap()).unwrap();
    assert_eq!(key["fingerprint"], verifier.fingerprint());

    let (status, ctype, note) = get(&app, "/api/v1/ledger/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/plain"), "{ctype}");
    let cp = Checkpoint::open(&note, &verifier).unwrap();
    assert_eq!(
        cp.size, head as u64,
        "the first checkpoint covers the whole ledger"
    );
    assert_eq!(cp.origin, "xyjt.local/credit-ledger");
    // Asking again returns the same one, not a new signature.
    assert_eq!(get(&app, "/api/v1/ledger/checkpoint").await.2, note);
    let (_, list) = json(&app, "/api/v1/ledger/checkpoints").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["note"], note.as_str());

    for seq in [1, 2, head / 2, head] {
        let uri = format!("/api/v1/ledger/proof/inclusion?seq={seq}&size={}", cp.size);
        let (status, p) = json(&app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        assert_eq!(h(&p["root"]), cp.root);
        let proof: Vec<[u8; 32]> = p["proof"].as_array().unwrap().iter().map(h).collect();
        verify_inclusion(
            seq as u64 - 1,
            cp.size,
            &h(&p["leaf_hash"]),
            &proof,
            &cp.root,
        )
        .unwrap_or_else(|e| panic!("event {seq}: {e}"));
    }
    // Without size: the whole tree.
    let (status, p) = json(&app, "/api/v1/ledger/proof/inclusion?seq=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["size"], head);

    let uri = format!("/api/v1/ledger/proof/consistency?from=7&to={}", cp.size);
    let (status, p) = json(&app, &uri).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let proof: Vec<[u8; 32]> = p["proof"].as_array().unwrap().iter().map(h).collect();
    verify_consistency(7, cp.size, &h(&p["from_root"]), &cp.root, &proof).unwrap();

    // Bad parameters are named.
    let (status, e) = json(&app, "/api/v1/ledger/proof/inclusion?seq=0&size=3").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("seq"),
        "{e}"
    );
    let (status, e) = json(&app, "/api/v1/ledger/proof/consistency?from=9&to=3").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("from"),
        "{e}"
    );
    let uri = format!("/api/v1/ledger/proof/consistency?from=1&to={}", head + 5);
    let (status, e) = json(&app, &uri).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    let (status, e) = json(&app, "/api/v1/ledger/proof/inclusion?seq=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let (status, e) = json(&app, "/api/v1/ledger/checkpoints?limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // Signing on demand needs a calling system's token.
    let response = app
        .clone()
        .oneshot(
            Request::post("/api/v1/ledger/checkpoint")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .clone()
        .oneshot(
            Request::post("/api/v1/ledger/checkpoint")
                .header(
                    "authorization",
                    format!("Bearer {}", xyjt_app::demo::DEMO_TOKEN),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let (_, doc) = json(&app, "/api/v1/openapi.json").await;
    for path in [
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/checkpoints",
        "/api/v1/ledger/proof/inclusion",
        "/api/v1/ledger/proof/consistency",
        "/api/v1/ledger/key",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }

    // The portal shows the fingerprint, the key and the checkpoint to copy.
    let (status, _, page) = get(&app, "/ledger").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(key["fingerprint"].as_str().unwrap()),
        "{page}"
    );
    assert!(page.contains(key["key"].as_str().unwrap().split('+').next().unwrap()));
    assert!(page.contains("临时密钥"), "the throwaway key is labelled");
    let first_line = note.lines().nth(2).unwrap();
    assert!(page.contains(first_line), "the root line of the checkpoint");
}
