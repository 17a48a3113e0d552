//! The exchange between platforms against the real NATS JetStream server (127.0.0.1:4222, or
//! `XYJT_TEST_NATS_URL`), each test in its own namespace: a province `SF` and a city `DH`, each
//! on its own database (SQLite; the province also on PostgreSQL), and a sibling city `XL`. A blacklist entry at SF
//! restricts the check at DH, citing its origin; a 双公示 penalty at DH reaches SF, mapped to
//! SF's subject of the same USCC; a duplicate publish applies once; a receiver that was away
//! catches up with none twice; a poison message goes to the dead-letter view; `verify` and the
//! replay pass at both. Without a NATS server the tests say so loudly, and fail under `CI=true`.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use std::time::Duration;
use xyjt_app::checks::{CheckRequest, CheckSubject, Checks, answer_check};
use xyjt_app::exchange::{Exchange, ExchangeConfig};
use xyjt_app::{Ctx, lists};
use xyjt_core::check::CheckDecision;
use xyjt_core::ident::{Uscc, org_code_check_char, uscc_check_char};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::lists::NameList;
use xyjt_core::money::WanYuan;
use xyjt_core::policies::Policies;
use xyjt_core::record::{Party, PenaltyKind, PenaltyRecord, RecordBody};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::testing::PgSchema;
use xyjt_store::{SqlStore, Store};

fn nats_url() -> String {
    std::env::var("XYJT_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// The broker, or `false` after saying loudly that it is absent (a failure under `CI=true`).
async fn nats_present(test: &str) -> bool {
    let url = nats_url();
    match async_nats::connect(&url).await {
        Ok(_) => true,
        Err(e) => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(!ci, "CI=true but NATS at {url} is unreachable: {e}");
            eprintln!(
                "SKIPPED {test}: NATS at {url} is unreachable ({e}); the exchange was not tested"
            );
            false
        }
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn uscc(org_body: &str) -> Uscc {
    let org = format!("{org_body}{}", org_code_check_char(org_body).unwrap());
    let first17 = format!("91350100{org}");
    Uscc::parse(&format!("{first17}{}", uscc_check_char(&first17).unwrap())).unwrap()
}

fn company(name: &str, org_body: &str) -> Subject {
    Subject {
        id: new_id(),
        kind: PartyCategory::LegalPerson,
        name: name.into(),
        uscc: Some(uscc(org_body)),
        org_code: None,
        reg_no: None,
        citizen_id: None,
    }
}

fn penalty(subject: &Subject, doc_no: &str) -> RecordBody {
    let authority = Uscc::parse("91110000600037341L").unwrap();
    RecordBody::Penalty(PenaltyRecord {
        party: Party {
            name: subject.name.clone(),
            category: subject.kind,
            uscc: subject.uscc.clone(),
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
        doc_no: doc_no.into(),
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
        authority_code: authority.clone(),
        source_unit: "东湖市交通运输综合行政执法支队".into(),
        source_unit_code: authority,
        remark: None,
    })
}

/// The shipped policies, with quick redelivery so a poison message is dead-lettered fast.
fn policies() -> Arc<Policies> {
    let mut p = Policies::builtin();
    p.exchange.max_deliveries = 3;
    p.exchange.redelivery_delay_ms = 50;
    Arc::new(p)
}

async fn join(store: &Arc<dyn Store>, node: &str, ns: &str) -> Exchange {
    Exchange::connect(
        &ExchangeConfig {
            url: nats_url(),
            node: node.into(),
            namespace: ns.into(),
        },
        store.clone(),
        policies(),
    )
    .await
    .unwrap()
}

fn wait() -> Duration {
    Duration::from_millis(300)
}

async fn replays(store: &dyn Store, url: &str) {
    let report = store.verify().await.unwrap();
    assert!(report.error.is_none(), "{:?}", report.error);
    let scratch = xyjt_store::Scratch::create(url).await.unwrap();
    let fresh = SqlStore::connect(&scratch.url).await.unwrap();
    let report = xyjt_app::replay::rebuild_projections(store, &fresh)
        .await
        .unwrap();
    assert!(report.equal(), "{:?}", report.differences);
    drop(fresh);
    scratch.remove().await.unwrap();
}

async fn story(sf_url: &str, dh_url: &str) {
    let ns = format!("t{}", &new_id().replace('-', "")[20..]);
    let sf_store: Arc<dyn Store> = Arc::new(SqlStore::connect(sf_url).await.unwrap());
    let dh_store: Arc<dyn Store> = Arc::new(SqlStore::connect(dh_url).await.unwrap());
    let sf = join(&sf_store, "SF", &ns).await;
    let dh = join(&dh_store, "DH", &ns).await;
    let pol = policies();

    // A company known at both nodes, under different ids; the province blacklists it.
    let bidder_sf = company("示范路桥建设有限公司", "MA000001");
    let mut bidder_dh = bidder_sf.clone();
    bidder_dh.id = new_id();
    sf_store
        .append(vec![NewEvent::new(
            "test",
            now(),
            EventPayload::SubjectRegistered {
                subject: bidder_sf.clone(),
            },
        )])
        .await
        .unwrap();
    let code = bidder_sf.uscc.as_ref().unwrap().as_str().to_string();
    let entry_id = lists::propose(
        sf_store.as_ref(),
        &pol,
        NameList::Black,
        Some(&code),
        None,
        "S-BLACK-BID-FRAUD",
        "串通投标，见省交通运输厅认定书",
        "SF",
        "省厅经办人",
        today(),
        now(),
    )
    .await
    .unwrap();
    for payload in [
        EventPayload::ListEntryReviewed {
            entry_id: entry_id.clone(),
            by: "省厅审核人".into(),
            approved: true,
            comment: "同意".into(),
        },
        EventPayload::ListEntryPublished {
            entry_id: entry_id.clone(),
            on: today(),
        },
    ] {
        lists::step(sf_store.as_ref(), "省厅审核人", now(), payload)
            .await
            .unwrap();
    }

    // The city: the same company, another company, and a penalty on each (双公示).
    let other = company("东湖顺达运输有限公司", "MA000002");
    let mut events = Vec::new();
    for s in [&bidder_dh, &other] {
        events.push(NewEvent::new(
            "import:dh.csv",
            now(),
            EventPayload::SubjectRegistered { subject: s.clone() },
        ));
    }
    let record_ids = [new_id(), new_id()];
    for (s, (rid, doc)) in [&bidder_dh, &other].into_iter().zip(
        record_ids
            .iter()
            .zip(["东交罚〔2026〕101号", "东交罚〔2026〕102号"]),
    ) {
        events.push(NewEvent::new(
            "import:dh.csv",
            now(),
            EventPayload::RecordPublished {
                record_id: rid.clone(),
                subject_id: s.id.clone(),
                body: penalty(s, doc),
                publication: None,
            },
        ));
    }
    dh_store.append(events).await.unwrap();

    // Relay both ways: the relay follows each ledger; nothing comes back to its own origin.
    // The province's subject is published too (it goes up, were there anyone above).
    assert_eq!(
        sf.relay_all().await.unwrap(),
        4,
        "subject, proposed, reviewed, published"
    );
    assert_eq!(
        dh.relay_all().await.unwrap(),
        4,
        "two subjects, two penalties"
    );
    let at_dh = dh.receive_all(wait()).await.unwrap();
    assert_eq!(
        (at_dh.applied, at_dh.skipped, at_dh.dead_lettered),
        (3, 1, 0),
        "{at_dh:?}"
    );
    let at_sf = sf.receive_all(wait()).await.unwrap();
    assert_eq!((at_sf.applied, at_sf.dead_lettered), (4, 0), "{at_sf:?}");

    // A third node, XL (a sibling city of DH): the province's entry comes down to it; DH's
    // penalties do not go across (policy), so they are skipped.
    let xl_url = sqlite_url("xl");
    let xl_store: Arc<dyn Store> = Arc::new(SqlStore::connect(&xl_url).await.unwrap());
    let xl = join(&xl_store, "XL", &ns).await;
    let at_xl = xl.receive_all(wait()).await.unwrap();
    assert_eq!((at_xl.applied, at_xl.skipped), (3, 5), "{at_xl:?}");
    let entry_at_xl = xl_store.list_entry(&entry_id).await.unwrap().unwrap();
    assert_eq!(
        entry_at_xl.entry.subject_id, None,
        "no subject of that USCC at XL"
    );
    assert!(xl_store.record(&record_ids[0]).await.unwrap().is_none());
    let xl_checks = Checks::start(xl_store.clone(), &pol).await.unwrap();
    let xl_ctx = Ctx::with_policies(xl_store.as_ref(), &pol, today());
    let at_xl = answer_check(
        &xl_ctx,
        &xl_checks,
        "西岭市公共资源交易平台",
        CheckRequest {
            subject: CheckSubject {
                identifier: Some(code.clone()),
                name: None,
            },
            decision_point: "招标投标".into(),
            violation_type: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        at_xl.decision,
        CheckDecision::Restrict,
        "一处失信、处处受限"
    );
    replays(xl_store.as_ref(), &xl_url).await;

    // At DH the check restricts the bidder, citing the province's entry.
    let checks = Checks::start(dh_store.clone(), &pol).await.unwrap();
    let ctx = Ctx::with_policies(dh_store.as_ref(), &pol, today());
    let answer = answer_check(
        &ctx,
        &checks,
        "东湖市公共资源交易平台",
        CheckRequest {
            subject: CheckSubject {
                identifier: Some(code.clone()),
                name: None,
            },
            decision_point: "招标投标".into(),
            violation_type: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(answer.decision, CheckDecision::Restrict);
    let reason = &answer.reasons[0];
    assert_eq!(reason.entry_id, entry_id);
    assert_eq!(reason.deciding_unit, "SF");
    let origin = reason.origin.as_deref().expect("the origin is cited");
    assert!(origin.starts_with("SF#"), "{origin}");
    // The entry at DH names DH's own subject of that USCC.
    let entry = dh_store.list_entry(&entry_id).await.unwrap().unwrap();
    assert_eq!(
        entry.entry.subject_id.as_deref(),
        Some(bidder_dh.id.as_str())
    );

    // At SF both penalties are there: the bidder's under SF's subject, the other company's
    // under the id it was registered with at DH.
    let r0 = sf_store.record(&record_ids[0]).await.unwrap().unwrap();
    assert_eq!(r0.subject_id, bidder_sf.id);
    let r1 = sf_store.record(&record_ids[1]).await.unwrap().unwrap();
    assert_eq!(r1.subject_id, other.id);
    assert!(sf_store.subject(&bidder_dh.id).await.unwrap().is_none());

    // A crash between publish and cursor: the same facts published again under the same
    // message ids are dropped by the broker (de-duplication window); a republish on request
    // (fresh ids) and a copy under another message id (a republish after the window) reach the
    // receiver, which drops them.
    let cursor = xyjt_app::exchange::relay_cursor(dh_store.as_ref())
        .await
        .unwrap();
    dh_store
        .set_exchange_value("relay", r#"{"seq":0,"prev":0}"#)
        .await
        .unwrap();
    assert_eq!(dh.relay_all().await.unwrap(), 4);
    let after = xyjt_app::exchange::relay_cursor(dh_store.as_ref())
        .await
        .unwrap();
    assert_eq!((after.prev, after.generation), (cursor.prev, 0));
    let again = sf.receive_all(wait()).await.unwrap();
    assert_eq!(again.messages(), 0, "{again:?}");
    dh.republish_from(0).await.unwrap();
    assert_eq!(dh.relay_all().await.unwrap(), 4);
    let again = sf.receive_all(wait()).await.unwrap();
    assert_eq!((again.applied, again.duplicates), (0, 4), "{again:?}");
    let first = dh_store.events_after(0, 1).await.unwrap().remove(0);
    let js = async_nats::jetstream::new(async_nats::connect(nats_url()).await.unwrap());
    let copy = xyjt_core::exchange::Envelope {
        node: "DH".into(),
        prev: 0,
        event: first,
        related: vec![],
    };
    js.send_publish(
        sf.names.event_subject("DH", "subject_registered"),
        async_nats::jetstream::message::PublishMessage::build()
            .payload(serde_json::to_vec(&copy).unwrap().into())
            .message_id("a-copy-after-the-window"),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let again = sf.receive_all(wait()).await.unwrap();
    assert_eq!((again.applied, again.duplicates), (0, 1), "{again:?}");
    let dh_peer = &sf_store.exchange_peers().await.unwrap()[0];
    assert_eq!(dh_peer.duplicates, 5);

    // Acknowledgements: each origin learns how far the other got.
    assert!(sf.acks_once(wait()).await.unwrap() >= 1);
    assert!(dh.acks_once(wait()).await.unwrap() >= 1);
    let ctx_sf = Ctx::with_policies(sf_store.as_ref(), &pol, today());
    let status = xyjt_app::exchange::status(&ctx_sf).await.unwrap();
    let dh_peer = status.peers.iter().find(|p| p.node == "DH").unwrap();
    assert_eq!((dh_peer.pending, dh_peer.applied), (0, 4), "{status:?}");
    assert_eq!(dh_peer.received, 4);

    // An objection at DH is upheld and the penalty revoked: the result goes back up to SF
    // (which holds the record), and SF's acknowledgement closes DH's 5-working-day sync clock.
    let filed = xyjt_app::workflows::file_objection(
        &ctx,
        xyjt_app::workflows::ObjectionRequest {
            record_id: Some(record_ids[1].clone()),
            entry_id: None,
            result_id: None,
            field: None,
            reason: "处罚决定已被复议撤销".into(),
            claimed: serde_json::Value::Null,
            filed_on: None,
            applicant: None,
            evidence: vec![],
        },
        "企业",
    )
    .await
    .unwrap();
    xyjt_app::workflows::take_step(
        &ctx,
        &filed.number,
        &xyjt_app::workflows::StepRequest {
            action: "decide".into(),
            on: None,
            reason: "经核实，异议成立，撤销该记录".into(),
            unit: None,
            clock: None,
            workdays: None,
            granted: Some(true),
            revoke: true,
            corrected: None,
            outcome: None,
        },
        "东湖审核人",
    )
    .await
    .unwrap();
    let open = xyjt_app::exchange::status(&ctx).await.unwrap().sync_clocks;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].number, filed.number);
    assert_eq!(dh.relay_all().await.unwrap(), 1, "the revocation");
    let back = sf.receive_all(wait()).await.unwrap();
    assert_eq!(back.applied, 1, "{back:?}");
    assert_eq!(
        sf_store
            .record(&record_ids[1])
            .await
            .unwrap()
            .unwrap()
            .status,
        xyjt_core::record::RecordStatus::Revoked
    );
    assert!(dh.acks_once(wait()).await.unwrap() >= 1);
    let wf = dh_store.application(&filed.number).await.unwrap().unwrap();
    assert!(
        wf.clock("sync").unwrap().done_on.is_some(),
        "closed by SF's acknowledgement"
    );
    assert!(
        xyjt_app::exchange::status(&ctx)
            .await
            .unwrap()
            .sync_clocks
            .is_empty()
    );
    assert!(
        dh_store
            .outbox(Some(xyjt_store::OutboxChannel::Exchange), true)
            .await
            .unwrap()
            .is_empty()
    );

    // SF is away while DH imports 1,000 more facts; on restart (a new connection, the same
    // durable consumer and database) it catches up, none twice.
    drop(sf);
    let mut bulk = Vec::new();
    for i in 0..500 {
        let s = company(&format!("东湖批量企业{i}"), &format!("MB{i:06}"));
        bulk.push(NewEvent::new(
            "import:bulk.csv",
            now(),
            EventPayload::SubjectRegistered { subject: s.clone() },
        ));
        bulk.push(NewEvent::new(
            "import:bulk.csv",
            now(),
            EventPayload::RecordPublished {
                record_id: new_id(),
                subject_id: s.id.clone(),
                body: penalty(&s, &format!("东交罚〔2026〕{}号", 1000 + i)),
                publication: None,
            },
        ));
    }
    dh_store.append(bulk).await.unwrap();
    assert_eq!(dh.relay_all().await.unwrap(), 1000);
    let sf = join(&sf_store, "SF", &ns).await;
    let caught = sf.receive_all(wait()).await.unwrap();
    assert_eq!((caught.applied, caught.duplicates), (1000, 0), "{caught:?}");
    let counts = sf_store.exchange_origin_counts().await.unwrap();
    assert_eq!(counts[0].origin_node, "DH");
    assert_eq!(counts[0].facts, 1005);

    // A poison message (its content does not match its hash) from XL is retried, then
    // dead-lettered with the reason; the stream moves on.
    let mut tampered = dh_store.events_after(0, 1).await.unwrap().remove(0);
    tampered.actor = "someone else".into();
    let poison = xyjt_core::exchange::Envelope {
        node: "XL".into(),
        prev: 0,
        event: tampered,
        related: vec![],
    };
    js.send_publish(
        sf.names.event_subject("XL", "subject_registered"),
        async_nats::jetstream::message::PublishMessage::build()
            .payload(serde_json::to_vec(&poison).unwrap().into())
            .message_id("poison"),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let mut dead = 0;
    for _ in 0..50 {
        dead += sf.receive_once(wait()).await.unwrap().dead_lettered;
        if dead > 0 {
            break;
        }
    }
    assert_eq!(dead, 1);
    let letters = sf_store.exchange_dead_letters().await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].origin_node, "XL");
    assert!(letters[0].reason.contains("哈希"), "{}", letters[0].reason);
    assert_eq!(letters[0].deliveries, 3);

    // Both ledgers verify, and replay into the same projections.
    replays(sf_store.as_ref(), sf_url).await;
    replays(dh_store.as_ref(), dh_url).await;
    // The test's streams leave the shared broker.
    for stream in [sf.names.events_stream(), sf.names.acks_stream()] {
        js.delete_stream(&stream).await.unwrap();
    }
}

fn sqlite_url(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.db", uuid::Uuid::now_v7()));
    format!("sqlite://{}", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn province_and_city_on_sqlite() {
    if !nats_present("province_and_city_on_sqlite").await {
        return;
    }
    story(&sqlite_url("sf"), &sqlite_url("dh")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn province_on_postgres_and_city_on_sqlite() {
    if !nats_present("province_on_postgres_and_city_on_sqlite").await {
        return;
    }
    let Some(schema) = PgSchema::create("province_on_postgres_and_city_on_sqlite").await else {
        return;
    };
    story(&schema.url, &sqlite_url("dh")).await;
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_fact_is_rerequested_from_its_origin() {
    if !nats_present("a_lost_fact_is_rerequested_from_its_origin").await {
        return;
    }
    let ns = format!("t{}", &new_id().replace('-', "")[20..]);
    let sf_store: Arc<dyn Store> =
        Arc::new(SqlStore::connect(&sqlite_url("gap-sf")).await.unwrap());
    let dh_store: Arc<dyn Store> =
        Arc::new(SqlStore::connect(&sqlite_url("gap-dh")).await.unwrap());
    let sf = join(&sf_store, "SF", &ns).await;
    let dh = Arc::new(join(&dh_store, "DH", &ns).await);
    let events = (0..3)
        .map(|i| {
            NewEvent::new(
                "import:dh.csv",
                now(),
                EventPayload::SubjectRegistered {
                    subject: company(&format!("东湖企业{i}"), &format!("MD00000{i}")),
                },
            )
        })
        .collect();
    dh_store.append(events).await.unwrap();
    assert_eq!(dh.relay_all().await.unwrap(), 3);
    // The broker loses the second fact (while still remembering its message id).
    let js = async_nats::jetstream::new(async_nats::connect(nats_url()).await.unwrap());
    let stream = js.get_stream(dh.names.events_stream()).await.unwrap();
    assert!(stream.delete_message(2).await.unwrap());
    // The city runs its loops (its responder answers re-requests); the province finds the gap
    // at the third fact, asks, and gets the second again.
    dh.clone().spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let (mut applied, mut gaps) = (0, 0);
    while applied < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "{applied} applied, {gaps} gaps"
        );
        let s = sf.receive_once(wait()).await.unwrap();
        applied += s.applied;
        gaps += s.gaps;
    }
    assert!(gaps >= 1);
    let peer = &sf_store.exchange_peers().await.unwrap()[0];
    assert_eq!((peer.seen_seq, peer.gap_from), (3, None));
    assert_eq!(sf_store.exchange_origin_counts().await.unwrap()[0].facts, 3);
    for stream in [dh.names.events_stream(), dh.names.acks_stream()] {
        js.delete_stream(&stream).await.unwrap();
    }
}

/// Evaluation results and government-integrity records go up (归集): the city's demo data
/// (published runs, a run awaiting review, departments' and civil servants' records, a 容错
/// finding) reaches the province; a run published at the city afterwards arrives with its
/// results and cites its origin; a department's records are on the province's department view.
async fn results_and_integrity_go_up(sf_url: &str, dh_url: &str) {
    let ns = format!("t{}", &new_id().replace('-', "")[20..]);
    let pol = policies();
    let sf_store: Arc<dyn Store> = Arc::new(SqlStore::connect(sf_url).await.unwrap());
    let dh_store: Arc<dyn Store> = Arc::new(SqlStore::connect(dh_url).await.unwrap());
    xyjt_app::demo::seed(dh_store.as_ref(), &pol, today())
        .await
        .unwrap();
    let sf = join(&sf_store, "SF", &ns).await;
    let dh = join(&dh_store, "DH", &ns).await;
    assert!(dh.relay_all().await.unwrap() > 100);
    let at_sf = sf.receive_all(wait()).await.unwrap();
    assert_eq!(at_sf.dead_lettered, 0, "{at_sf:?}");
    assert!(
        sf_store.exchange_dead_letters().await.unwrap().is_empty(),
        "{:?}",
        sf_store.exchange_dead_letters().await.unwrap()
    );

    // Every run published at DH is published at SF with the same results, citing DH.
    let results_of = |store: Arc<dyn Store>, run_id: String| async move {
        store
            .eval_results(&xyjt_store::EvalResultQuery {
                run_id: Some(run_id),
                limit: 10_000,
                ..Default::default()
            })
            .await
            .unwrap()
    };
    let dh_runs = dh_store.eval_runs(None).await.unwrap();
    let published: Vec<_> = dh_runs
        .iter()
        .filter(|r| r.status == xyjt_core::evaluation::RunStatus::Published)
        .collect();
    assert!(!published.is_empty());
    let origins = sf_store
        .exchange_origins("eval_run_published")
        .await
        .unwrap();
    for run in &published {
        let there = sf_store.eval_run(&run.run.id).await.unwrap().unwrap();
        assert_eq!(there.status, xyjt_core::evaluation::RunStatus::Published);
        assert_eq!(there.published_on, run.published_on);
        let mine = results_of(dh_store.clone(), run.run.id.clone()).await;
        let theirs = results_of(sf_store.clone(), run.run.id.clone()).await;
        assert_eq!(mine.total, theirs.total);
        assert!(
            theirs
                .items
                .iter()
                .all(|s| s.status == xyjt_core::evaluation::ResultStatus::Published)
        );
        let cited = origins
            .iter()
            .find(|(id, _)| id == &run.run.id)
            .map(|(_, o)| o.as_str());
        assert!(cited.is_some_and(|o| o.starts_with("DH#")), "{cited:?}");
    }
    // Not copied again from SF (the copy to the supervising and sharing units is DH's).
    let copies = sf_store
        .outbox(Some(xyjt_store::OutboxChannel::Sharing), false)
        .await
        .unwrap();
    assert!(copies.is_empty(), "{copies:?}");
    // The run awaiting review at DH is not at SF; reviewed and published now, it arrives.
    let pending = dh_runs
        .iter()
        .find(|r| r.status == xyjt_core::evaluation::RunStatus::Proposed)
        .expect("the demo's run awaiting review");
    assert!(sf_store.eval_run(&pending.run.id).await.unwrap().is_none());
    let dh_ctx = Ctx::with_policies(dh_store.as_ref(), &pol, today());
    xyjt_app::evaluation::review(&dh_ctx, &pending.run.id, "东湖审核员", true, "同意")
        .await
        .unwrap();
    xyjt_app::evaluation::publish(&dh_ctx, &pending.run.id, "东湖审核员")
        .await
        .unwrap();
    assert_eq!(dh.relay_all().await.unwrap(), 1, "the publication only");
    let s = sf.receive_all(wait()).await.unwrap();
    assert_eq!((s.applied, s.dead_lettered), (1, 0), "{s:?}");
    let there = sf_store.eval_run(&pending.run.id).await.unwrap().unwrap();
    assert_eq!(there.status, xyjt_core::evaluation::RunStatus::Published);
    let theirs = results_of(sf_store.clone(), pending.run.id.clone()).await;
    assert_eq!(theirs.total as u64, pending.run.subjects);
    let one = &theirs.items[0];
    let grades =
        xyjt_app::evaluation::grades_of(sf_store.as_ref(), &one.result.subject_id, today())
            .await
            .unwrap();
    assert!(grades.iter().any(|g| g.result.run_id == pending.run.id));
    let cited = sf_store
        .exchange_origins("eval_run_published")
        .await
        .unwrap()
        .into_iter()
        .find(|(id, _)| id == &pending.run.id);
    assert!(cited.is_some_and(|(_, o)| o.starts_with("DH#")));
    // A result re-scored at DH (an upheld objection) follows the run up: at SF the new result
    // is published and the old one superseded, as at DH.
    let revised = xyjt_app::evaluation::rescore(
        &dh_ctx,
        &one.result.id,
        "异议成立，重新评价",
        Some("YY-EXCHANGE"),
        "东湖审核员",
    )
    .await
    .unwrap();
    assert_eq!(dh.relay_all().await.unwrap(), 1, "the re-scored result");
    let s = sf.receive_all(wait()).await.unwrap();
    assert_eq!((s.applied, s.dead_lettered), (1, 0), "{s:?}");
    let there = sf_store
        .eval_result(&revised.result.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(there.status, xyjt_core::evaluation::ResultStatus::Published);
    assert_eq!(there.revision, revised.revision);
    let old = sf_store.eval_result(&one.result.id).await.unwrap().unwrap();
    assert_eq!(old.status, xyjt_core::evaluation::ResultStatus::Superseded);

    // Government-integrity records: all of DH's are at SF, 容错 findings included, and a
    // department's public view at SF shows what DH's does.
    let dh_records = dh_store.integrity_records(None, None).await.unwrap();
    let sf_records = sf_store.integrity_records(None, None).await.unwrap();
    assert!(!dh_records.is_empty());
    assert_eq!(dh_records.len(), sf_records.len());
    for r in &dh_records {
        let there = sf_store
            .integrity_record(&r.record.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(there.tolerance, r.tolerance);
        assert_eq!(there.record.doc_no, r.record.doc_no);
    }
    let integrity_origins = sf_store
        .exchange_origins("integrity_recorded")
        .await
        .unwrap();
    assert_eq!(integrity_origins.len(), dh_records.len());
    let department = dh_records
        .iter()
        .find(|r| r.record.archive == xyjt_core::integrity::ArchiveKind::Department)
        .expect("a department's record");
    let sf_ctx = Ctx::with_policies(sf_store.as_ref(), &pol, today());
    let at_dh = xyjt_app::integrity::department_view(&dh_ctx, &department.record.code)
        .await
        .unwrap();
    let at_sf = xyjt_app::integrity::department_view(&sf_ctx, &department.record.code)
        .await
        .unwrap();
    assert_eq!(at_sf["dishonest"], at_dh["dishonest"]);
    assert_eq!(at_sf["good"], at_dh["good"]);

    replays(sf_store.as_ref(), sf_url).await;
    replays(dh_store.as_ref(), dh_url).await;
    let js = async_nats::jetstream::new(async_nats::connect(nats_url()).await.unwrap());
    for stream in [sf.names.events_stream(), sf.names.acks_stream()] {
        js.delete_stream(&stream).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluation_results_and_integrity_records_go_up() {
    if !nats_present("evaluation_results_and_integrity_records_go_up").await {
        return;
    }
    results_and_integrity_go_up(&sqlite_url("ev-sf"), &sqlite_url("ev-dh")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluation_results_and_integrity_records_go_up_to_postgres() {
    if !nats_present("evaluation_results_and_integrity_records_go_up_to_postgres").await {
        return;
    }
    let Some(schema) = PgSchema::create("evaluation_results_go_up_to_postgres").await else {
        return;
    };
    results_and_integrity_go_up(&schema.url, &sqlite_url("ev-dh")).await;
    schema.drop().await;
}

/// Changes a node's database behind the platform's back (tampered bookkeeping).
async fn tamper(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

/// Reconcile by Merkle roots: the province's bookkeeping was tampered so that it believed it
/// had seen the city's first four facts, and dropped them as duplicates; sequence numbers and
/// counts agree, the roots do not. The search narrows the difference to a small range, fetches
/// it from the city and applies the four missing facts; a tampered bookkeeping row is found
/// and restored the same way. Then a received fact is proven against the city's signed
/// checkpoint with its public key; a wrong key, or a fact whose kept hash differs, fails.
async fn reconcile_by_roots(sf_url: &str, dh_url: &str) {
    let ns = format!("t{}", &new_id().replace('-', "")[20..]);
    let sf_store: Arc<dyn Store> = Arc::new(SqlStore::connect(sf_url).await.unwrap());
    let dh_store: Arc<dyn Store> = Arc::new(SqlStore::connect(dh_url).await.unwrap());
    let signer = xyjt_app::ledger_proofs::generate_key("DH").unwrap();
    let verifier = signer.verifier();
    let sf = join(&sf_store, "SF", &ns).await;
    let dh = Arc::new(
        join(&dh_store, "DH", &ns)
            .await
            .with_key(xyjt_app::ledger_proofs::LedgerKey::configured(signer)),
    );
    let events = (0..150)
        .map(|i| {
            NewEvent::new(
                "import:dh.csv",
                now(),
                EventPayload::SubjectRegistered {
                    subject: company(&format!("东湖对账企业{i}"), &format!("MR{i:06}")),
                },
            )
        })
        .collect();
    dh_store.append(events).await.unwrap();
    assert_eq!(dh.relay_all().await.unwrap(), 150);
    tamper(
        sf_url,
        "INSERT INTO exchange_peers (node, seen_seq, applied, skipped, duplicates, acked_seq, \
         updated_at) VALUES ('DH', 4, 0, 0, 0, 0, '2026-11-27T00:00:00Z')",
    )
    .await;
    let s = sf.receive_all(wait()).await.unwrap();
    assert_eq!((s.applied, s.duplicates), (146, 4), "{s:?}");

    dh.clone().spawn();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = sf.reconcile("DH").await.unwrap();
    assert!(!r.we_miss && !r.peer_misses, "{r:?}");
    let m = r.merkle.expect("roots compared");
    assert_eq!((m.upto, m.facts, m.peer_facts), (150, 146, 150), "{m:?}");
    assert_ne!(m.root, m.peer_root);
    assert_eq!(
        m.divergent,
        vec![xyjt_app::exchange::SeqRange { after: 0, upto: 37 }],
        "narrowed by halving"
    );
    assert!(m.rounds >= 3, "{m:?}");
    let applied: Vec<i64> = m
        .repaired
        .iter()
        .filter(|f| matches!(f.outcome, xyjt_store::Repaired::Applied { .. }))
        .map(|f| f.seq)
        .collect();
    assert_eq!(applied, vec![1, 2, 3, 4], "{m:?}");
    assert!(m.agree && m.conflicts.is_empty(), "{m:?}");
    assert_eq!(m.root_after, m.peer_root);
    assert_eq!(
        sf_store.exchange_origin_counts().await.unwrap()[0].facts,
        150
    );

    // A bookkeeping row tampered with: found, and restored from the ledger's own record.
    tamper(
        sf_url,
        "UPDATE exchange_seen SET origin_hash = 'tampered' WHERE origin_node = 'DH' \
         AND origin_seq = 100",
    )
    .await;
    let m = sf.reconcile("DH").await.unwrap().merkle.unwrap();
    assert_eq!(m.divergent.len(), 1, "{m:?}");
    assert!(m.divergent[0].after < 100 && m.divergent[0].upto >= 100);
    assert!(m.repaired.is_empty() && m.agree, "{m:?}");
    let m = sf.reconcile("DH").await.unwrap().merkle.unwrap();
    assert!(m.divergent.is_empty() && m.agree && m.rounds == 1, "{m:?}");
    replays(sf_store.as_ref(), sf_url).await;

    // Origin proof: DH#2 as SF received it is in DH's checkpoint signed with DH's key.
    let p = sf.prove("DH", 2, &verifier).await.unwrap();
    assert_eq!((p.seq, p.kind.as_str()), (2, "subject_registered"));
    assert!(p.checkpoint_size >= 2);
    let other = xyjt_app::ledger_proofs::generate_key("DH")
        .unwrap()
        .verifier();
    let e = sf.prove("DH", 2, &other).await.unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::Conflict, "{}", e.message);
    assert!(e.message.contains("签名"), "{}", e.message);
    let e = sf.prove("DH", 999, &verifier).await.unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::NotFound, "{}", e.message);
    tamper(
        sf_url,
        "UPDATE exchange_received SET origin_hash = 'not-the-origins' WHERE origin_node = 'DH' \
         AND origin_seq = 3",
    )
    .await;
    let e = sf.prove("DH", 3, &verifier).await.unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::Conflict, "{}", e.message);
    assert!(e.message.contains("不同"), "{}", e.message);

    let js = async_nats::jetstream::new(async_nats::connect(nats_url()).await.unwrap());
    for stream in [sf.names.events_stream(), sf.names.acks_stream()] {
        js.delete_stream(&stream).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_by_merkle_roots_repairs_and_proves_on_sqlite() {
    if !nats_present("reconcile_by_merkle_roots_repairs_and_proves_on_sqlite").await {
        return;
    }
    reconcile_by_roots(&sqlite_url("mk-sf"), &sqlite_url("mk-dh")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_by_merkle_roots_repairs_and_proves_on_postgres() {
    if !nats_present("reconcile_by_merkle_roots_repairs_and_proves_on_postgres").await {
        return;
    }
    let Some(schema) = PgSchema::create("reconcile_by_merkle_roots_on_postgres").await else {
        return;
    };
    reconcile_by_roots(&schema.url, &sqlite_url("mk-dh")).await;
    schema.drop().await;
}
