//! Files for systems not on the broker: another region's list file imported with the same
//! validation and per-row report as other imports, in one transaction, its entries applied as
//! facts received from that region (checks cite it), on SQLite and on PostgreSQL.

use chrono::{NaiveDate, Utc};
use std::sync::Arc;
use xyjt_app::Ctx;
use xyjt_app::checks::{CheckRequest, CheckSubject, Checks, answer_check};
use xyjt_app::exchange_files::{ListImport, export_lists, import_lists, to_csv};
use xyjt_core::check::CheckDecision;
use xyjt_core::ident::{Uscc, org_code_check_char, uscc_check_char};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::policies::Policies;
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_import::{Format, read_table_from};
use xyjt_store::testing::PgSchema;
use xyjt_store::{SqlStore, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn uscc(org_body: &str) -> String {
    let org = format!("{org_body}{}", org_code_check_char(org_body).unwrap());
    let first17 = format!("91330100{org}");
    Uscc::parse(&format!("{first17}{}", uscc_check_char(&first17).unwrap()))
        .unwrap()
        .as_str()
        .to_string()
}

fn options<'a>(accept_valid: bool, dry_run: bool) -> ListImport<'a> {
    ListImport {
        region: "ZJ",
        file: "zj-lists.csv",
        accept_valid,
        dry_run,
        today: today(),
        now: Utc::now(),
    }
}

async fn check(
    store: &Arc<dyn Store>,
    pol: &Policies,
    code: &str,
) -> xyjt_app::checks::CheckResponse {
    let checks = Checks::start(store.clone(), pol).await.unwrap();
    let ctx = Ctx::with_policies(store.as_ref(), pol, today());
    answer_check(
        &ctx,
        &checks,
        "省公共资源交易平台",
        CheckRequest {
            subject: CheckSubject {
                identifier: Some(code.to_string()),
                name: None,
            },
            decision_point: "招标投标".into(),
            violation_type: None,
        },
    )
    .await
    .unwrap()
}

async fn story(url: &str) {
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(url).await.unwrap());
    let pol = Policies::builtin();
    // A company this node knows; the neighbouring region blacklisted it.
    let known = uscc("MC000001");
    let subject = Subject {
        id: new_id(),
        kind: PartyCategory::LegalPerson,
        name: "浙联路桥工程有限公司".into(),
        uscc: Some(Uscc::parse(&known).unwrap()),
        org_code: None,
        reg_no: None,
        citizen_id: None,
    };
    store
        .append(vec![NewEvent::new(
            "test",
            Utc::now(),
            EventPayload::SubjectRegistered {
                subject: subject.clone(),
            },
        )])
        .await
        .unwrap();
    let unknown = uscc("MC000002");
    let csv = format!(
        "来源编号,名单,名称,代码,列入事项,列入依据,认定单位,列入日期,有效期至\n\
         ZJ-2026-001,黑名单,浙联路桥工程有限公司,{known},S-BLACK-BID-FRAUD,串通投标，见浙江省交通运输厅认定书,浙江省交通运输厅,2026-10-08,2029-10-07\n\
         ZJ-2026-002,外部名单：失信被执行人,浙南运输有限公司,{unknown},,,杭州市中级人民法院,2026-09-01,\n\
         ZJ-2026-003,灰名单,某公司,,,,浙江省交通运输厅,2026-10-08,\n\
         ZJ-2026-004,黑名单,某公司,91330100MA0000000X,,,浙江省交通运输厅,2026-02-30,\n\
         ZJ-2026-005,重点关注名单,某公司,,,,,2026-10-08,2026-01-01\n"
    );
    let table = read_table_from(csv.as_bytes(), Format::Csv).unwrap();

    // One invalid row writes nothing: every problem is reported with its row and column.
    // (The list policy is adopted on first use, before.)
    xyjt_app::lists::policy(store.as_ref(), &pol).await.unwrap();
    let head = store.head().await.unwrap().seq;
    let r = import_lists(store.as_ref(), &pol, &table, &options(false, false))
        .await
        .unwrap();
    assert_eq!(
        (r.total, r.accepted, r.rejected, r.committed),
        (5, 2, 3, false),
        "{r:?}"
    );
    let found: Vec<(usize, &str, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (3, "名单", "invalid_enum"),
            (4, "代码", "invalid_code"),
            (4, "列入日期", "invalid_date"),
            (5, "认定单位", "required"),
            (5, "有效期至", "end_before_start"),
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(store.head().await.unwrap().seq, head, "nothing written");
    let dry = import_lists(store.as_ref(), &pol, &table, &options(true, true))
        .await
        .unwrap();
    assert!(!dry.committed);
    assert_eq!(
        store.head().await.unwrap().seq,
        head,
        "a dry run writes nothing"
    );

    // --accept-valid: the two valid rows in one transaction, as facts received from ZJ.
    let r = import_lists(store.as_ref(), &pol, &table, &options(true, false))
        .await
        .unwrap();
    assert_eq!((r.accepted, r.rejected, r.committed), (2, 3, true), "{r:?}");
    assert_eq!(r.entries, vec!["ZJ:ZJ-2026-001", "ZJ:ZJ-2026-002"]);
    let entry = store.list_entry("ZJ:ZJ-2026-001").await.unwrap().unwrap();
    assert_eq!(entry.entry.subject_id.as_deref(), Some(subject.id.as_str()));
    assert_eq!(entry.entry.deciding_unit, "浙江省交通运输厅");
    assert!(entry.in_force_on(today()));
    let answer = check(&store, &pol, &known).await;
    assert_eq!(answer.decision, CheckDecision::Restrict);
    assert_eq!(
        answer.reasons[0].origin.as_deref(),
        Some("ZJ#1"),
        "cites ZJ"
    );
    let answer = check(&store, &pol, &unknown).await;
    assert_eq!(answer.decision, CheckDecision::Restrict, "失信被执行人");
    assert_eq!(answer.reasons[0].origin.as_deref(), Some("ZJ#2"));
    let counts = store.exchange_origin_counts().await.unwrap();
    assert_eq!((counts[0].origin_node.as_str(), counts[0].facts), ("ZJ", 2));

    // The same file again changes nothing.
    let head = store.head().await.unwrap().seq;
    let again = import_lists(store.as_ref(), &pol, &table, &options(true, false))
        .await
        .unwrap();
    assert_eq!((again.accepted, again.unchanged), (2, 2), "{again:?}");
    assert_eq!(store.head().await.unwrap().seq, head);

    // What this node exports reads back as a list file, every row valid.
    let rows = export_lists(store.as_ref(), today()).await.unwrap();
    assert_eq!(rows.len(), 3);
    let table = read_table_from(to_csv(&rows).as_bytes(), Format::Csv).unwrap();
    let scratch = xyjt_store::Scratch::create(url).await.unwrap();
    let other: Arc<dyn Store> = Arc::new(SqlStore::connect(&scratch.url).await.unwrap());
    let mut opts = options(false, false);
    opts.region = "SF";
    let r = import_lists(other.as_ref(), &pol, &table, &opts)
        .await
        .unwrap();
    assert_eq!((r.accepted, r.rejected, r.committed), (2, 0, true), "{r:?}");
    drop(other);
    scratch.remove().await.unwrap();

    // The ledger verifies and replays into the same projections.
    let report = store.verify().await.unwrap();
    assert!(report.error.is_none(), "{:?}", report.error);
    let scratch = xyjt_store::Scratch::create(url).await.unwrap();
    let fresh = SqlStore::connect(&scratch.url).await.unwrap();
    let report = xyjt_app::replay::rebuild_projections(store.as_ref(), &fresh)
        .await
        .unwrap();
    assert!(report.equal(), "{:?}", report.differences);
    drop(fresh);
    scratch.remove().await.unwrap();
}

#[tokio::test]
async fn a_regions_list_file_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("lists-{}.db", uuid::Uuid::now_v7()));
    story(&format!("sqlite://{}", path.display())).await;
}

#[tokio::test]
async fn a_regions_list_file_on_postgres() {
    let Some(schema) = PgSchema::create("a_regions_list_file_on_postgres").await else {
        return;
    };
    story(&schema.url).await;
    schema.drop().await;
}
