//! Benchmark of the ledger's Merkle tree, proofs and credit reports (docs/BENCHMARKS.md,
//! "Merkle tree, proofs and credit reports", issue 14).
//!
//! 1. Append throughput: N subject registrations appended in batches of B, once with the
//!    tree maintained (the product) and once without (`without_tree_for_benchmark`), each into
//!    a fresh database.
//! 2. On the database with the tree: tree head, a signed checkpoint, inclusion and consistency
//!    proof sizes, the time to fetch a proof from the store and to verify it (`xyjt-verify`),
//!    and the full recomputation `verify --checkpoint` does.
//! 3. A credit report issued on one subject, and its offline verification.
//!
//! 4. With a third empty database: the demo data set, and a report on its subject with the
//!    most facts.
//!
//! `cargo run --release -p xyjt-app --example bench_ledger_proofs -- URL_WITH URL_WITHOUT N B URL_DEMO`
//! (URLs of empty databases: sqlite:///tmp/a.db sqlite:///tmp/b.db … ).

use std::time::Instant;
use xyjt_core::ident::{Uscc, org_code_check_char, uscc_check_char};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::{SqlStore, Store};
use xyjt_verify::merkle::{verify_consistency, verify_inclusion};
use xyjt_verify::note::SignerKey;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc(n: u64) -> Uscc {
    let mut body = String::new();
    let mut v = n;
    for _ in 0..8 {
        body.insert(0, ALPHABET[(v % 31) as usize] as char);
        v /= 31;
    }
    let org = format!("{body}{}", org_code_check_char(&body).expect("org body"));
    let first17 = format!("91990100{org}");
    Uscc::parse(&format!(
        "{first17}{}",
        uscc_check_char(&first17).expect("uscc")
    ))
    .expect("a valid USCC")
}

fn event(i: u64) -> NewEvent {
    NewEvent::new(
        "bench",
        chrono::Utc::now(),
        EventPayload::SubjectRegistered {
            subject: Subject {
                id: format!("bench-{i:08}"),
                kind: PartyCategory::LegalPerson,
                name: format!("示范市第{i}运输有限公司"),
                uscc: Some(uscc(i)),
                org_code: None,
                reg_no: None,
                citizen_id: None,
            },
        },
    )
}

async fn append_all(store: &SqlStore, n: u64, batch: u64) -> f64 {
    let start = Instant::now();
    let mut i = 0;
    while i < n {
        let events = (i..(i + batch).min(n)).map(event).collect();
        store.append(events).await.expect("append");
        i += batch;
    }
    start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let with_url = args
        .get(1)
        .expect("URL of an empty database (with the tree)");
    let without_url = args.get(2).expect("URL of an empty database (without)");
    let n: u64 = args.get(3).map_or(1_000_000, |a| a.parse().expect("N"));
    let batch: u64 = args.get(4).map_or(1_000, |a| a.parse().expect("B"));

    let without = SqlStore::connect(without_url)
        .await
        .expect("store")
        .without_tree_for_benchmark();
    let secs = append_all(&without, n, batch).await;
    println!(
        "append without tree: {n} events in {secs:.2} s = {:.0} events/s",
        n as f64 / secs
    );
    drop(without);

    let store = SqlStore::connect(with_url).await.expect("store");
    let secs = append_all(&store, n, batch).await;
    println!(
        "append with tree:    {n} events in {secs:.2} s = {:.0} events/s",
        n as f64 / secs
    );

    let t = Instant::now();
    let head = store.tree_head().await.expect("tree head");
    println!(
        "tree head at {}: {:.1} ms",
        head.size,
        t.elapsed().as_secs_f64() * 1e3
    );
    let key = SignerKey::from_seed("bench.local/ledger", [5; 32]).expect("key");
    let t = Instant::now();
    let cp = xyjt_app::ledger_proofs::sign_checkpoint(&store, &key, chrono::Utc::now())
        .await
        .expect("checkpoint");
    println!(
        "checkpoint signed and kept: {:.1} ms, note {} bytes",
        t.elapsed().as_secs_f64() * 1e3,
        cp.note.len()
    );

    // Inclusion proofs: fetch from the store, verify with xyjt-verify.
    let samples = 1000u64;
    let (mut fetch, mut check, mut hashes) = (0.0, 0.0, 0usize);
    let mut seq = 1u64;
    for s in 0..samples {
        seq = seq
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407 + s)
            % n
            + 1;
        let t = Instant::now();
        let proof = store.inclusion_proof(seq, n).await.expect("proof");
        let event = store
            .events_after(seq as i64 - 1, 1)
            .await
            .expect("event")
            .remove(0);
        fetch += t.elapsed().as_secs_f64();
        let leaf = xyjt_store::tree::leaf_of(&event);
        let t = Instant::now();
        for _ in 0..10 {
            verify_inclusion(seq - 1, n, &leaf, &proof, &head.root).expect("verifies");
        }
        check += t.elapsed().as_secs_f64() / 10.0;
        hashes += proof.len();
    }
    println!(
        "inclusion proof at {n}: {:.1} hashes = {:.0} bytes on average; fetch (proof + event) {:.2} ms; verify {:.1} µs",
        hashes as f64 / samples as f64,
        hashes as f64 / samples as f64 * 32.0,
        fetch / samples as f64 * 1e3,
        check / samples as f64 * 1e6
    );
    let (mut fetch, mut check, mut hashes) = (0.0, 0.0, 0usize);
    let mut from = 1u64;
    for s in 0..samples {
        from = from
            .wrapping_mul(2_862_933_555_777_941_757)
            .wrapping_add(3_037_000_493 + s)
            % (n - 1)
            + 1;
        let t = Instant::now();
        let proof = store.consistency_proof(from, n).await.expect("proof");
        let first = store.tree_root(from).await.expect("root");
        fetch += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..10 {
            verify_consistency(from, n, &first, &head.root, &proof).expect("verifies");
        }
        check += t.elapsed().as_secs_f64() / 10.0;
        hashes += proof.len();
    }
    println!(
        "consistency proof to {n}: {:.1} hashes = {:.0} bytes on average; fetch (proof + old root) {:.2} ms; verify {:.1} µs",
        hashes as f64 / samples as f64,
        hashes as f64 / samples as f64 * 32.0,
        fetch / samples as f64 * 1e3,
        check / samples as f64 * 1e6
    );

    let t = Instant::now();
    let verdict = xyjt_app::ledger_proofs::verify_against(&store, &cp.note, &key.verifier())
        .await
        .expect("verify against");
    assert!(verdict.ok(), "{verdict:?}");
    println!(
        "verify --checkpoint (recompute the tree from {n} events, compare, consistency proof): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let policies = xyjt_core::policies::Policies::builtin_ref();
    let at = xyjt_app::reports::Issue {
        policies,
        signer: &key,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
        now: chrono::Utc::now(),
        public_url: "http://127.0.0.1:8080",
    };
    let report = xyjt_app::reports::issue(&store, &at, "bench-00000007")
        .await
        .expect("report");
    let issued = t.elapsed().as_secs_f64();
    let json = serde_json::to_string_pretty(&report).expect("json");
    let t = Instant::now();
    xyjt_verify::report::verify(&json, &key.verifier()).expect("report verifies");
    println!(
        "credit report at {n} events: issue {:.1} ms, {} facts, {} bytes JSON; offline verify {:.2} ms",
        issued * 1e3,
        report.facts.len(),
        json.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    let Some(demo_url) = args.get(5) else { return };
    let demo = xyjt_store::open(demo_url).await.expect("demo store");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    xyjt_app::demo::seed(
        demo.as_ref(),
        xyjt_core::policies::Policies::builtin_ref(),
        today,
    )
    .await
    .expect("demo");
    let mut best = (0usize, String::new());
    for s in demo
        .search_subjects("", 500, 0)
        .await
        .expect("subjects")
        .items
    {
        let n = demo.records_of_subject(&s.id).await.expect("records").len();
        if n > best.0 {
            best = (n, s.id.clone());
        }
    }
    let t = Instant::now();
    let at = xyjt_app::reports::Issue {
        today,
        now: chrono::Utc::now(),
        ..at
    };
    let report = xyjt_app::reports::issue(demo.as_ref(), &at, &best.1)
        .await
        .expect("report");
    let issued = t.elapsed().as_secs_f64();
    let json = serde_json::to_string_pretty(&report).expect("json");
    let t = Instant::now();
    let pdf = xyjt_pdf::render(&report, &report.verify_url).expect("pdf");
    println!(
        "PDF of that report: rendered in {:.1} ms, {} bytes",
        t.elapsed().as_secs_f64() * 1e3,
        pdf.len()
    );
    let t = Instant::now();
    xyjt_verify::report::verify(&json, &key.verifier()).expect("report verifies");
    println!(
        "credit report on the demo data ({} events): issue {:.1} ms, {} facts, {} bytes JSON; offline verify {:.2} ms",
        demo.head().await.expect("head").seq,
        issued * 1e3,
        report.facts.len(),
        json.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
}
