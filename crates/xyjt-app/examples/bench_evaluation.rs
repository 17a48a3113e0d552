//! Benchmark data for credit evaluation and draws (docs/BENCHMARKS.md): N road transport
//! operators, each with a 道路运输经营许可证 and K penalties decided in 2025, written through the
//! store's ledger like any other facts, plus an inspector pool. Records are built from the demo
//! generator's licence and penalty bodies (fictional data, valid identifiers).
//!
//! `cargo run --release -p xyjt-app --example bench_evaluation -- sqlite:///tmp/b.db 100000 9`

use chrono::{Duration, NaiveDate, Utc};
use xyjt_core::ident::{Uscc, org_code_check_char, uscc_check_char};
use xyjt_core::inspection::Inspector;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::record::{PenaltyKind, RecordBody};
use xyjt_core::subject::{PartyCategory, Subject};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid USCC for the n-th operator (organisation-code body from n in base 31).
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

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("database URL");
    let n: u64 = args
        .get(2)
        .map_or(100_000, |a| a.parse().expect("subjects"));
    let k: u64 = args
        .get(3)
        .map_or(9, |a| a.parse().expect("penalties per subject"));
    let store = xyjt_store::open(url).await.expect("store");
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
    let demo = xyjt_core::demo::generate(today, 7);
    let pick = |licence: bool| {
        demo.iter()
            .find_map(|e| match &e.payload {
                EventPayload::RecordPublished {
                    body, publication, ..
                } if matches!(body, RecordBody::License(_)) == licence => {
                    Some((body.clone(), publication.clone()))
                }
                _ => None,
            })
            .expect("the demo has licences and penalties")
    };
    let (licence, lic_pub) = pick(true);
    let (penalty, pen_pub) = pick(false);
    let kinds = [
        vec![PenaltyKind::Warning],
        vec![PenaltyKind::Fine],
        vec![PenaltyKind::Fine, PenaltyKind::ConfiscateIllegalGains],
        vec![PenaltyKind::Reprimand],
    ];
    let started = std::time::Instant::now();
    let mut batch = Vec::new();
    let mut written = 0u64;
    let now = Utc::now();
    for i in 0..n {
        let code = uscc(i + 1);
        let subject = Subject {
            id: format!("bench-{i:07}"),
            kind: PartyCategory::LegalPerson,
            name: format!("示范市基准{i:07}运输有限公司"),
            uscc: Some(code.clone()),
            org_code: None,
            reg_no: None,
            citizen_id: None,
        };
        let party = |body: &RecordBody| {
            let mut p = body.party().clone();
            p.name = subject.name.clone();
            p.uscc = Some(code.clone());
            p.category = PartyCategory::LegalPerson;
            p
        };
        batch.push(NewEvent::new(
            "bench",
            now,
            EventPayload::SubjectRegistered {
                subject: subject.clone(),
            },
        ));
        let mut lic = licence.clone();
        if let RecordBody::License(l) = &mut lic {
            l.party = party(&licence);
            l.doc_name = "道路运输经营许可证".into();
            l.doc_no = format!("基准许可{i:07}");
        }
        batch.push(NewEvent::new(
            "bench",
            now,
            EventPayload::RecordPublished {
                record_id: format!("bench-l-{i:07}"),
                subject_id: subject.id.clone(),
                body: lic,
                publication: lic_pub.clone(),
            },
        ));
        for j in 0..k {
            let mut pen = penalty.clone();
            if let RecordBody::Penalty(p) = &mut pen {
                p.party = party(&penalty);
                p.doc_no = format!("基准罚{i:07}-{j}");
                p.kinds = kinds[((i + j) % 4) as usize].clone();
                p.decision_date = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date")
                    + Duration::days(((i * 7 + j * 31) % 360) as i64);
            }
            batch.push(NewEvent::new(
                "bench",
                now,
                EventPayload::RecordPublished {
                    record_id: format!("bench-p-{i:07}-{j}"),
                    subject_id: subject.id.clone(),
                    body: pen,
                    publication: pen_pub.clone(),
                },
            ));
        }
        if batch.len() >= 20_000 {
            written += batch.len() as u64;
            store
                .append(std::mem::take(&mut batch))
                .await
                .expect("append");
            eprintln!("{written} events, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    written += batch.len() as u64;
    store.append(batch).await.expect("append");
    let pool = (1..=40)
        .map(|k| Inspector {
            id: format!("SF-ZF-{k:02}"),
            name: format!("检查员{k:02}"),
            unit: "SF-ZF".into(),
            avoid_code: None,
        })
        .collect();
    store
        .append(vec![NewEvent::new(
            "bench",
            now,
            EventPayload::InspectorPoolSet {
                unit: "SF-ZF".into(),
                inspectors: pool,
            },
        )])
        .await
        .expect("pool");
    eprintln!(
        "{} events ({n} subjects, {} records) in {:.1} s",
        written + 1,
        n * (k + 1),
        started.elapsed().as_secs_f64()
    );
}
