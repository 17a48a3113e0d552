//! Exchange benchmark (docs/BENCHMARKS.md): a city (`DH`) and a province (`SF`), each on its
//! own SQLite file, through the NATS JetStream server at `XYJT_TEST_NATS_URL` (default
//! `nats://127.0.0.1:4222`), in a fresh namespace.
//!
//! 1. Backlog: the city records N facts (N/2 subjects, N/2 penalties); the relay publishes them
//!    all (facts/s, publish and broker acknowledgement), then the province, which was away,
//!    catches up (facts/s applied, and the catch-up time).
//! 2. Live: both nodes run their loops (`Exchange::spawn`) while the city records M more facts at
//!    a steady rate; end-to-end lag (recorded at the city → applied at the province) p50/p99.
//!
//! With a fourth argument `down` the direction is province → city: the province records list
//! entries (blacklist entries by USCC, each proposed, reviewed and published: three facts) and
//! the city applies them (`down` route); N and M count facts as above.
//!
//! `cargo run --release -p xyjt-app --example exchange_bench -- N M RATE [up|down]`

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use xyjt_app::exchange::{Exchange, ExchangeConfig};
use xyjt_core::ident::{Uscc, org_code_check_char, uscc_check_char};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::listing::ListEntry;
use xyjt_core::lists::NameList;
use xyjt_core::money::WanYuan;
use xyjt_core::policies::Policies;
use xyjt_core::record::{Party, PenaltyKind, PenaltyRecord, RecordBody};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::{SqlStore, Store};

fn subject(i: usize) -> Subject {
    let body = format!("{:08}", i % 100_000_000);
    let body = format!("M{}", &body[1..]);
    let org = format!("{body}{}", org_code_check_char(&body).unwrap());
    let first17 = format!("91350100{org}");
    Subject {
        id: new_id(),
        kind: PartyCategory::LegalPerson,
        name: format!("东湖企业{i}"),
        uscc: Some(
            Uscc::parse(&format!("{first17}{}", uscc_check_char(&first17).unwrap())).unwrap(),
        ),
        org_code: None,
        reg_no: None,
        citizen_id: None,
    }
}

fn penalty(s: &Subject, i: usize) -> RecordBody {
    let unit = Uscc::parse("91110000600037341L").unwrap();
    RecordBody::Penalty(PenaltyRecord {
        party: Party {
            name: s.name.clone(),
            category: s.kind,
            uscc: s.uscc.clone(),
            reg_no: None,
            org_code: None,
            tax_reg_no: None,
            institution_cert_no: None,
            social_org_cert_no: None,
            legal_rep: Some("张三".into()),
            legal_rep_id_type: Some("身份证".into()),
            legal_rep_id_no: Some("11010519491231002X".into()),
            id_type: None,
            id_no: None,
        },
        doc_no: format!("东交罚〔2026〕{i}号"),
        violation_type: "超限超载运输".into(),
        facts: "超限运输".into(),
        basis: "《公路安全保护条例》第六十四条".into(),
        kinds: vec![PenaltyKind::Fine],
        content: "罚款人民币2000元".into(),
        fine: Some(WanYuan::parse("0.2").unwrap()),
        confiscated: None,
        licence_affected: None,
        decision_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        valid_until: NaiveDate::from_ymd_opt(2027, 11, 20).unwrap(),
        publicity_until: None,
        authority: "东湖市交通运输综合行政执法支队".into(),
        authority_code: unit.clone(),
        source_unit: "东湖市交通运输综合行政执法支队".into(),
        source_unit_code: unit,
        remark: None,
    })
}

/// Facts `from..from + n` (pairs: a subject, then its penalty).
fn facts(from: usize, n: usize) -> Vec<NewEvent> {
    let mut out = Vec::with_capacity(n);
    for i in (from..from + n).step_by(2) {
        let s = subject(i);
        out.push(NewEvent::new(
            "bench",
            Utc::now(),
            EventPayload::SubjectRegistered { subject: s.clone() },
        ));
        out.push(NewEvent::new(
            "bench",
            Utc::now(),
            EventPayload::RecordPublished {
                record_id: new_id(),
                subject_id: s.id.clone(),
                body: penalty(&s, i),
                publication: None,
            },
        ));
    }
    out
}

/// List-entry facts `from..from + n` (triples: proposed, reviewed, published) of blacklist
/// entries at the province, standing on their USCC (no subject is sent down).
fn entry_facts(from: usize, n: usize) -> Vec<NewEvent> {
    let mut out = Vec::with_capacity(n + 2);
    for i in (from..from + n).step_by(3) {
        let s = subject(i);
        let entry = ListEntry {
            id: new_id(),
            list: NameList::Black,
            subject_id: None,
            name: s.name.clone(),
            code: s.uscc.as_ref().map(|u| u.as_str().to_string()),
            item_id: "S-BLACK-BID-FRAUD".into(),
            policy_version: 1,
            basis: "串通投标，见省交通运输厅认定书".into(),
            deciding_unit: "SF".into(),
            entry_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2029, 11, 19),
            source_records: Vec::new(),
            explanation: format!("省厅认定第 {i} 号"),
        };
        let id = entry.id.clone();
        out.push(NewEvent::new(
            "bench",
            Utc::now(),
            EventPayload::ListEntryProposed {
                entry,
                by: "省厅经办人".into(),
            },
        ));
        out.push(NewEvent::new(
            "bench",
            Utc::now(),
            EventPayload::ListEntryReviewed {
                entry_id: id.clone(),
                by: "省厅审核人".into(),
                approved: true,
                comment: "同意".into(),
            },
        ));
        out.push(NewEvent::new(
            "bench",
            Utc::now(),
            EventPayload::ListEntryPublished {
                entry_id: id,
                on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        ));
    }
    out
}

fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::main]
async fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let down = raw.get(3).is_some_and(|d| d == "down");
    let args: Vec<usize> = raw
        .iter()
        .take(3)
        .map(|a| a.parse().expect("numbers: N M RATE [up|down]"))
        .collect();
    // Facts come in pairs (up: a subject and its penalty) or triples (down: an entry's steps).
    let unit = if down { 3 } else { 2 };
    let n = args.first().copied().unwrap_or(20_000) / unit * unit;
    let m = args.get(1).copied().unwrap_or(2_000) / unit * unit;
    let rate = args.get(2).copied().unwrap_or(200).max(unit);
    let facts = |from: usize, k: usize| {
        if down {
            entry_facts(from, k)
        } else {
            facts(from, k)
        }
    };
    let url =
        std::env::var("XYJT_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let dir = std::env::temp_dir().join(format!("xyjt-exchange-bench-{}", new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = |name: &str| format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    let sf_store: Arc<dyn Store> = Arc::new(SqlStore::connect(&db("sf")).await.unwrap());
    let dh_store: Arc<dyn Store> = Arc::new(SqlStore::connect(&db("dh")).await.unwrap());
    let ns = format!("bench{}", &new_id().replace('-', "")[24..]);
    let policies = Arc::new(Policies::builtin());
    let config = |node: &str| ExchangeConfig {
        url: url.clone(),
        node: node.into(),
        namespace: ns.clone(),
    };
    let dh = Arc::new(
        Exchange::connect(&config("DH"), dh_store.clone(), policies.clone())
            .await
            .unwrap(),
    );
    let sf = Arc::new(
        Exchange::connect(&config("SF"), sf_store.clone(), policies.clone())
            .await
            .unwrap(),
    );
    println!(
        "namespace {ns}, databases in {}, direction {}",
        dir.display(),
        if down {
            "province → city (list entries down)"
        } else {
            "city → province (subjects and penalties up)"
        }
    );
    // `dh`/`dh_store` are the origin, `sf`/`sf_store` the receiver from here on.
    let (dh, sf, dh_store, sf_store) = if down {
        (sf, dh, sf_store, dh_store)
    } else {
        (dh, sf, dh_store, sf_store)
    };

    let t = Instant::now();
    for from in (0..n).step_by(999) {
        dh_store
            .append(facts(from, 999.min(n - from)))
            .await
            .unwrap();
    }
    let append = t.elapsed();
    println!(
        "origin records {n} facts: {:.1} s ({:.0} facts/s)",
        append.as_secs_f64(),
        n as f64 / append.as_secs_f64()
    );
    let t = Instant::now();
    let published = dh.relay_all().await.unwrap();
    let relay = t.elapsed();
    println!(
        "relay publishes {published} facts (broker-acknowledged): {:.1} s ({:.0} facts/s)",
        relay.as_secs_f64(),
        published as f64 / relay.as_secs_f64()
    );
    let t = Instant::now();
    let got = sf.receive_all(Duration::from_millis(500)).await.unwrap();
    let apply = t.elapsed().saturating_sub(Duration::from_millis(500));
    println!(
        "receiver catches up: {} applied, {} duplicates, {:.1} s ({:.0} facts/s)",
        got.applied,
        got.duplicates,
        apply.as_secs_f64(),
        got.applied as f64 / apply.as_secs_f64()
    );
    assert_eq!(got.applied as usize, n);

    // Live: both nodes run their loops; the city records at `rate` facts/s.
    dh.clone().spawn();
    sf.clone().spawn();
    let before = sf_store.head().await.unwrap().seq;
    let per_tick = (rate / 10).max(unit) / unit * unit;
    let mut written = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let t = Instant::now();
    while written < m {
        tick.tick().await;
        let k = per_tick.min(m - written);
        dh_store.append(facts(n + written, k)).await.unwrap();
        written += k;
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while sf_store.head().await.unwrap().seq < before + m as i64 {
        assert!(Instant::now() < deadline, "the receiver did not catch up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let live = t.elapsed();
    let events = sf_store.events_after(before, m as i64 + 10).await.unwrap();
    let mut lags: Vec<f64> = events
        .iter()
        .filter(|e| e.kind == "exchange_received")
        .map(|e| {
            let origin = parse_time(e.payload["origin"]["recorded_at"].as_str().unwrap());
            (parse_time(&e.recorded_at) - origin)
                .num_microseconds()
                .unwrap() as f64
                / 1000.0
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    let q = |p: f64| lags[((lags.len() as f64 * p).ceil() as usize).clamp(1, lags.len()) - 1];
    println!(
        "live: {m} facts at {rate}/s in {:.1} s; end-to-end lag p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        live.as_secs_f64(),
        q(0.5),
        q(0.99),
        q(1.0)
    );
    let js = async_nats::jetstream::new(async_nats::connect(&url).await.unwrap());
    for stream in [sf.names.events_stream(), sf.names.acks_stream()] {
        let _ = js.delete_stream(&stream).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(0);
}
