//! The OpenAPI document as client generators and schemathesis read it: query parameters are
//! declared `in: query` (a path parameter is one the path template names), and every operation
//! documents the refusals it can answer. `scripts/schemathesis.sh` (run by `.ci/run`) then
//! calls every operation with generated input against a demo server.

use axum::http::StatusCode;
use std::sync::Arc;
use xyjt_core::calendar::Calendar;
use xyjt_store::Store;
use xyjt_web::AppState;

mod common;

use common::*;

#[tokio::test]
async fn parameters_are_where_the_document_says_and_refusals_are_documented() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("openapi-{}.db", uuid::Uuid::now_v7()));
    let store: Arc<dyn Store> = xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let state = AppState::new(store, Calendar::builtin()).await.unwrap();
    let r = get(&state, "/api/v1/openapi.json", "").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 50, "{}", paths.len());
    let mut query_params = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let Some(op) = op.as_object() else { continue };
            let where_ = format!("{method} {path}");
            for p in op
                .get("parameters")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
            {
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str().unwrap() {
                    "path" => assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{where_}: {name} is declared in the path but the path does not name it"
                    ),
                    "query" => query_params += 1,
                    other => panic!("{where_}: {name} in {other}"),
                }
            }
            let responses = op["responses"].as_object().unwrap();
            for code in ["400", "429"] {
                assert!(responses.contains_key(code), "{where_} lacks {code}");
            }
            if op.contains_key("requestBody") {
                for code in ["415", "422"] {
                    assert!(responses.contains_key(code), "{where_} lacks {code}");
                }
            }
            if op
                .get("security")
                .is_some_and(|s| !s.as_array().unwrap().is_empty())
            {
                for code in ["401", "403"] {
                    assert!(responses.contains_key(code), "{where_} lacks {code}");
                }
            }
        }
    }
    assert!(query_params >= 30, "{query_params} query parameters");
}
