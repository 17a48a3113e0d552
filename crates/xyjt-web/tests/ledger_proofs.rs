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
    let (app, head, _) = app_with_store().await;
    (app, head)
}

async fn app_with_store() -> (axum::Router, i64, std::sync::Arc<dyn xyjt_store::Store>) {
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
    let mut state = AppState::with_policies(store.clone(), Policies::builtin())
        .await
        .unwrap();
    state.today = Some(today);
    (router(state), head, store)
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

async fn post_report(app: &axum::Router, json: &str) -> String {
    let boundary = "XYJTBOUNDARY";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"; filename=\"r.json\"\r\nContent-Type: application/json\r\n\r\n{json}\r\n--{boundary}--\r\n"
    );
    let response = app
        .clone()
        .oneshot(
            Request::post("/reports/verify")
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

async fn page_has_pdf_link(app: &axum::Router, id: &str) -> bool {
    let (_, _, page) = get(app, &format!("/subjects/{id}")).await;
    page.contains(&format!("/api/v1/subjects/{id}/report?format=pdf"))
}

#[tokio::test]
async fn a_credit_report_downloads_verifies_and_a_changed_one_is_refused() {
    let (app, _, store) = app_with_store().await;
    // A company with public records in the demo data.
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    let mut subject = None;
    for s in store.search_subjects("", 200, 0).await.unwrap().items {
        let public = store
            .records_of_subject(&s.id)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.is_public_on(today))
            .count();
        if s.uscc.is_some() && public > 0 {
            subject = Some(s);
            break;
        }
    }
    let subject = subject.expect("the demo has a company with public records");

    let (_, _, page) = get(&app, &format!("/subjects/{}", subject.id)).await;
    assert!(
        page.contains("report-download"),
        "the profile offers the report"
    );

    let uri = format!("/api/v1/subjects/{}/report?format=json", subject.id);
    let (status, ctype, json) = get(&app, &uri).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let (_, key) = self::json(&app, "/api/v1/ledger/key").await;
    let verifier = VerifierKey::parse(key["key"].as_str().unwrap()).unwrap();
    let verified = xyjt_verify::report::verify(&json, &verifier).unwrap();
    assert!(
        verified.facts >= 2,
        "basic information and at least one record"
    );
    assert_eq!(verified.subject, subject.name);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["facts"][0]["section"], "基本信息");
    assert!(
        report["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["section"] == "行政处罚" || f["section"] == "行政许可"),
        "{report}"
    );
    // By a code too.
    let uscc = subject.uscc.as_ref().unwrap().to_string();
    let (status, _, _) = get(&app, &format!("/api/v1/subjects/{uscc}/report")).await;
    assert_eq!(status, StatusCode::OK);

    // The public page finds it by number and verifies it.
    let number = report["number"].as_str().unwrap();
    let (status, _, page) = get(&app, &format!("/reports/verify?number={number}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("校验通过"), "{page}");
    let (_, _, page) = get(&app, "/reports/verify?number=XYBG000").await;
    assert!(page.contains("没有编号为 XYBG000 的信用报告"), "{page}");

    // Uploaded: the original passes, a changed fact is named.
    assert!(post_report(&app, &json).await.contains("校验通过"));
    let mut changed: Value = report.clone();
    let field = &mut changed["facts"][1]["fields"][0]["value"];
    *field = Value::from(format!("{}X", field.as_str().unwrap()));
    let page = post_report(&app, &changed.to_string()).await;
    assert!(
        page.contains("校验未通过") && page.contains("第 2 项事实"),
        "{page}"
    );

    // The same report as a printable PDF, the signed JSON attached (read back in
    // crates/xyjt-pdf/tests/pdf.rs); an unknown format is refused, saying why.
    assert!(page_has_pdf_link(&app, &subject.id).await);
    let response = app
        .clone()
        .oneshot(
            Request::get(format!("/api/v1/subjects/{}/report?format=pdf", subject.id))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.contains(".pdf"), "{disposition}");
    let pdf = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        pdf.windows(13).any(|w| w == b"/EmbeddedFile"),
        "the JSON is attached"
    );
    let (status, e) = self::json(
        &app,
        &format!("/api/v1/subjects/{}/report?format=docx", subject.id),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("docx"),
        "{e}"
    );
    let (status, _) = self::json(&app, "/api/v1/subjects/no-such-subject/report").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A department's report has its government-integrity records and commitments (政务诚信),
/// checked offline; a civil servant's archive is internal, so a report on one is refused as if
/// unknown.
#[tokio::test]
async fn a_departments_report_carries_its_integrity_records_and_a_civil_servant_gets_none() {
    use xyjt_core::integrity::ArchiveKind;
    let (app, _, store) = app_with_store().await;
    let mut department = None;
    let mut civil_servant = None;
    for s in store.search_subjects("", 500, 0).await.unwrap().items {
        match store.gov_subject(&s.id).await.unwrap() {
            Some((ArchiveKind::Department, _, _)) if s.name == "东湖市交通运输局" => {
                department = Some(s)
            }
            Some((ArchiveKind::CivilServant, _, _)) => civil_servant = Some(s),
            _ => {}
        }
    }
    let department = department.expect("the demo registers 东湖市交通运输局");
    let uri = format!("/api/v1/subjects/{}/report", department.id);
    let (status, _, json) = get(&app, &uri).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let (_, key) = self::json(&app, "/api/v1/ledger/key").await;
    let verifier = VerifierKey::parse(key["key"].as_str().unwrap()).unwrap();
    xyjt_verify::report::verify(&json, &verifier).unwrap();
    let report: Value = serde_json::from_str(&json).unwrap();
    let facts = report["facts"].as_array().unwrap();
    assert!(
        facts[0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["label"] == "主体性质" && f["value"] == "政府部门"),
        "{report}"
    );
    let integrity: Vec<&Value> = facts
        .iter()
        .filter(|f| f["section"] == "政务诚信")
        .collect();
    let stored = store
        .integrity_records(Some(&department.id), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| {
            s.counts_as_dishonest() || s.record.nature == xyjt_core::integrity::Nature::Good
        })
        .count();
    let commitments = store
        .gov_commitments(Some(&department.id))
        .await
        .unwrap()
        .len();
    assert!(stored + commitments > 0, "the demo gives it records");
    assert_eq!(integrity.len(), stored + commitments, "{report}");
    assert!(
        integrity
            .iter()
            .any(|f| f["title"].as_str().unwrap().starts_with("政务承诺")),
        "{report}"
    );

    let civil_servant = civil_servant.expect("the demo registers civil servants");
    let (status, e) = self::json(
        &app,
        &format!("/api/v1/subjects/{}/report", civil_servant.id),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
}
