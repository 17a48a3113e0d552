//! Government integrity end to end through the services, on SQLite and PostgreSQL with the same
//! assertions: direct registration with maker-checker, records validated against the policy,
//! idempotent re-recording, 容错纠错, the check at personnel decision points, a department's
//! public view, and the ledger replaying into the same projections.

use chrono::NaiveDate;
use std::sync::Arc;
use xyjt_app::checks::{CheckRequest, CheckSubject, Checks, answer_check};
use xyjt_app::integrity::{self as gi, RecordInput, Recorded, RegistrationInput};
use xyjt_app::{Ctx, ErrorKind};
use xyjt_core::check::CheckDecision;
use xyjt_core::ident::{citizen_id_check_char, org_code_check_char, uscc_check_char};
use xyjt_core::lists::DecisionPoint;
use xyjt_core::policies::Policies;
use xyjt_store::testing::PgSchema;
use xyjt_store::{SqlStore, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn uscc(prefix: &str, body: &str) -> String {
    let org = format!("{body}{}", org_code_check_char(body).unwrap());
    let first17 = format!("{prefix}990100{org}");
    format!("{first17}{}", uscc_check_char(&first17).unwrap())
}

fn citizen(birth: &str, seq: &str) -> String {
    let first17 = format!("990100{birth}{seq}");
    format!("{first17}{}", citizen_id_check_char(&first17).unwrap())
}

fn reg(kind: &str, name: &str, code: &str, unit: Option<&str>) -> RegistrationInput {
    RegistrationInput {
        kind: kind.into(),
        name: name.into(),
        code: code.into(),
        unit: unit.map(str::to_string),
        post: unit.map(|_| "科长".to_string()),
    }
}

fn rec(
    archive: &str,
    code: &str,
    category: &str,
    sanction: Option<&str>,
    doc: &str,
    on: &str,
) -> RecordInput {
    RecordInput {
        archive: archive.into(),
        code: code.into(),
        category: category.into(),
        nature: "失信".into(),
        sanction: sanction.map(str::to_string),
        doc_no: doc.into(),
        decided_on: on.parse().unwrap(),
        deciding_unit: "示范市纪委监委".into(),
        facts: "违反工作纪律，造成不良影响".into(),
        basis: "《中华人民共和国公职人员政务处分法》第三十九条".into(),
    }
}

async fn registered(ctx: &Ctx<'_>, input: RegistrationInput) -> String {
    let s = gi::propose_registration(ctx, &input, "登记员")
        .await
        .unwrap();
    let e = gi::review_registration(ctx, &s.registration.id, "登记员", true, "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "the proposer may not review");
    let s = gi::review_registration(ctx, &s.registration.id, "审核员", true, "核实无误")
        .await
        .unwrap();
    assert_eq!(s.status, "approved");
    s.registration.subject.id
}

async fn story(store: Arc<dyn Store>, url: &str) {
    let policies = Policies::builtin_ref();
    let ctx = Ctx::with_policies(store.as_ref(), policies, today());
    let dept = uscc("11", "MB000001");
    let cs1 = citizen("19800101", "123");
    let cs2 = citizen("19850202", "234");

    // Registration: a government body needs prefix 11/12/13; a company its own USCC.
    let e = gi::propose_registration(
        &ctx,
        &reg("部门", "示范市某局", &uscc("91", "MB000002"), None),
        "登记员",
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("11、12 或 13"), "{}", e.message);
    let e = gi::propose_registration(&ctx, &reg("公务人员", "张三", &cs1, None), "登记员")
        .await
        .unwrap_err();
    assert_eq!(e.details[0]["field"], "unit");
    let dept_id = registered(&ctx, reg("部门", "示范市交通运输局（演示）", &dept, None)).await;
    let s1 = registered(
        &ctx,
        reg("公务人员", "张三", &cs1, Some("示范市交通运输局（演示）")),
    )
    .await;
    registered(
        &ctx,
        reg("公务人员", "李四", &cs2, Some("示范市交通运输局（演示）")),
    )
    .await;
    registered(
        &ctx,
        reg(
            "企业",
            "示范市新路运输有限公司",
            &uscc("91", "MB000003"),
            None,
        ),
    )
    .await;
    let e = gi::propose_registration(&ctx, &reg("部门", "重复", &dept, None), "登记员")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(
        store.gov_subject(&s1).await.unwrap().unwrap().1.as_deref(),
        Some("示范市交通运输局（演示）")
    );

    // Records are validated against the policy, field by field.
    let bad = |r: RecordInput, field: &str| {
        let ctx = &ctx;
        let field = field.to_string();
        async move {
            let e = gi::record(ctx, &r, "test", "录入员").await.unwrap_err();
            assert_eq!(e.details[0]["field"], field.as_str(), "{}", e.message);
        }
    };
    bad(
        rec("部门", &dept, "纪律处分", Some("警告"), "D1", "2026-06-01"),
        "category",
    )
    .await;
    bad(
        rec("公务人员", &cs1, "纪律处分", None, "D1", "2026-06-01"),
        "sanction",
    )
    .await;
    bad(
        rec(
            "公务人员",
            &cs1,
            "纪律处分",
            Some("罚款"),
            "D1",
            "2026-06-01",
        ),
        "sanction",
    )
    .await;
    bad(
        rec("公务人员", &cs1, "纪律处分", Some("警告"), "", "2026-06-01"),
        "doc_no",
    )
    .await;
    bad(
        rec(
            "公务人员",
            &cs1,
            "纪律处分",
            Some("警告"),
            "D1",
            "2026-12-01",
        ),
        "decided_on",
    )
    .await;
    bad(
        rec(
            "公务人员",
            &dept,
            "纪律处分",
            Some("警告"),
            "D1",
            "2026-06-01",
        ),
        "code",
    )
    .await;
    bad(
        rec(
            "公务人员",
            &citizen("19900303", "345"),
            "纪律处分",
            Some("警告"),
            "D1",
            "2026-06-01",
        ),
        "code",
    )
    .await;
    let mut good_nature = rec(
        "公务人员",
        &cs1,
        "纪律处分",
        Some("警告"),
        "D1",
        "2026-06-01",
    );
    good_nature.nature = "守信".into();
    bad(good_nature, "nature").await;

    // A warning on 2026-06-01 is in effect until 2026-11-30; recording twice changes nothing.
    let warning = rec(
        "公务人员",
        &cs1,
        "纪律处分",
        Some("警告"),
        "示纪〔2026〕7号",
        "2026-06-01",
    );
    let Recorded::New(r1) = gi::record(&ctx, &warning, "test", "录入员").await.unwrap() else {
        panic!("a new record");
    };
    assert_eq!(
        gi::record(&ctx, &warning, "test", "录入员").await.unwrap(),
        Recorded::Unchanged(r1.clone())
    );
    let mut changed = warning.clone();
    changed.facts = "另一事实".into();
    assert_eq!(
        gi::record(&ctx, &changed, "test", "录入员")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    // The second civil servant's 记过 is kept out by an approved 容错 finding.
    let Recorded::New(r2) = gi::record(
        &ctx,
        &rec(
            "公务人员",
            &cs2,
            "纪律处分",
            Some("记过"),
            "示纪〔2026〕8号",
            "2026-05-01",
        ),
        "test",
        "录入员",
    )
    .await
    .unwrap() else {
        panic!("a new record");
    };
    gi::propose_tolerance(
        &ctx,
        &r2,
        "改革探索中的失误，未谋取私利，及时纠正",
        "《关于建立健全容错纠错机制的意见》第三条",
        vec![],
        "纪检员",
    )
    .await
    .unwrap();
    let e = gi::review_tolerance(&ctx, &r2, "纪检员", true, "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let s = gi::review_tolerance(&ctx, &r2, "组织部审核员", true, "予以容错")
        .await
        .unwrap();
    assert!(!s.counts_as_dishonest());
    assert!(
        store
            .integrity_record(&r2)
            .await
            .unwrap()
            .unwrap()
            .tolerance
            .unwrap()
            .approved
    );

    // The check at 干部选拔任用: restricted, citing the record; the 容错 one is allowed.
    let checks = Checks::start(store.clone(), policies).await.unwrap();
    let ask = |code: &str, point: &str| CheckRequest {
        subject: CheckSubject {
            identifier: Some(code.to_string()),
            name: None,
        },
        decision_point: point.into(),
        violation_type: None,
    };
    let a = answer_check(&ctx, &checks, "组织人事系统", ask(&cs1, "干部选拔任用"))
        .await
        .unwrap();
    assert_eq!(a.decision, CheckDecision::Restrict);
    let reason = a.reasons.iter().find(|r| r.list == "integrity").unwrap();
    assert!(reason.entry_basis.contains("示纪〔2026〕7号"));
    assert!(reason.legal_basis.contains("政务处分法"));
    assert_eq!(reason.valid_until, Some("2026-11-30".parse().unwrap()));
    let a = answer_check(&ctx, &checks, "组织人事系统", ask(&cs2, "职务晋升"))
        .await
        .unwrap();
    assert_eq!(a.decision, CheckDecision::Allow, "{:?}", a.reasons);
    // A recorded check changes nothing the index holds: a refresh keeps the same index and
    // only moves its position on (no rebuild while checks flow).
    xyjt_app::checks::refresh_index(store.as_ref(), &checks.index, policies)
        .await
        .unwrap();
    let before = checks.index.read().unwrap().clone();
    let seen = before.head_seq();
    answer_check(&ctx, &checks, "组织人事系统", ask(&cs2, "职务晋升"))
        .await
        .unwrap();
    let head = store.head().await.unwrap().seq;
    assert!(head > seen, "the check is recorded in the ledger");
    xyjt_app::checks::refresh_index(store.as_ref(), &checks.index, policies)
        .await
        .unwrap();
    let after = checks.index.read().unwrap().clone();
    assert!(
        Arc::ptr_eq(&before, &after),
        "no rebuild for a recorded check"
    );
    assert_eq!(after.head_seq(), head);

    // After the period of effect, allowed.
    let later = Ctx::with_policies(store.as_ref(), policies, "2026-12-01".parse().unwrap());
    let a = answer_check(&later, &checks, "组织人事系统", ask(&cs1, "干部选拔任用"))
        .await
        .unwrap();
    assert_eq!(a.decision, CheckDecision::Allow);

    // Only a token naming a personnel decision point may ask it.
    assert!(gi::authorize_point(policies, &[], DecisionPoint::Tendering).is_ok());
    assert_eq!(
        gi::authorize_point(policies, &[], DecisionPoint::Hiring)
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert!(gi::authorize_point(policies, &[DecisionPoint::Hiring], DecisionPoint::Hiring).is_ok());
    assert!(
        gi::authorize_point(policies, &[DecisionPoint::Hiring], DecisionPoint::Tendering).is_err()
    );

    // A department's dishonesty is public, unless kept out by 容错; it loses 评优评先.
    let mut arrears = rec(
        "部门",
        &dept,
        "拖欠账款",
        None,
        "示审〔2026〕3号",
        "2026-03-01",
    );
    arrears.deciding_unit = "示范市审计局".into();
    gi::record(&ctx, &arrears, "test", "录入员").await.unwrap();
    let v = gi::department_view(&ctx, &dept).await.unwrap();
    assert_eq!(v["dishonest"].as_array().unwrap().len(), 1);
    assert_eq!(v["in_effect"], 1);
    // The index picks the new record up when it is refreshed …
    xyjt_app::checks::refresh_index(store.as_ref(), &checks.index, policies)
        .await
        .unwrap();
    let a = answer_check(&ctx, &checks, "评优系统", ask(&dept, "评优评先"))
        .await
        .unwrap();
    assert_eq!(a.decision, CheckDecision::Restrict);
    // … and keeps what it holds across a refresh for an unrelated event: the index is rebuilt
    // (the public pages' figures key on it), its name lists are not read again.
    let before = checks.index.read().unwrap().clone();
    gi::propose_registration(
        &ctx,
        &reg("个人", "路人甲", &citizen("19920404", "789"), None),
        "登记员",
    )
    .await
    .unwrap();
    xyjt_app::checks::refresh_index(store.as_ref(), &checks.index, policies)
        .await
        .unwrap();
    let after = checks.index.read().unwrap().clone();
    assert!(
        after.built_at() > before.built_at(),
        "rebuilt for the registration"
    );
    assert!(
        Arc::ptr_eq(before.lists(), after.lists()),
        "the lists are shared, not read again"
    );
    // A write to the lists (here a false positive) makes the next build read them again.
    store
        .append(vec![xyjt_core::ledger::NewEvent::new(
            "test",
            chrono::Utc::now(),
            xyjt_core::ledger::EventPayload::FalsePositiveMarked {
                entry_id: "no-such-entry".into(),
                query_key: "路人甲".into(),
                by: "审核员".into(),
                reason: "同名".into(),
            },
        )])
        .await
        .unwrap();
    xyjt_app::checks::refresh_index(store.as_ref(), &checks.index, policies)
        .await
        .unwrap();
    let relisted = checks.index.read().unwrap().clone();
    assert!(!Arc::ptr_eq(after.lists(), relisted.lists()));
    assert!(relisted.lists().version() > after.lists().version());
    assert!(
        relisted
            .lists()
            .false_positives
            .contains(&("no-such-entry".to_string(), "路人甲".to_string()))
    );
    let a = answer_check(&ctx, &checks, "组织人事系统", ask(&cs1, "干部选拔任用"))
        .await
        .unwrap();
    assert_eq!(a.decision, CheckDecision::Restrict);
    assert!(
        gi::department_view(&ctx, &cs1).await.is_err(),
        "no public view of a civil servant"
    );
    let _ = dept_id;

    // The half-yearly assessment: every component with its weight, the total their weighted
    // sum (a weighted mean), a rank; entered scores refused outside 0–100 or for computed ones.
    use xyjt_app::integrity::assessment as a;
    let e = a::enter_score(
        &ctx,
        "2026H1",
        &dept,
        "public-evaluation",
        "101",
        "",
        "考核员",
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let e = a::enter_score(&ctx, "2026H1", &dept, "dishonesty", "90", "", "考核员")
        .await
        .unwrap_err();
    assert!(e.message.contains("不能录入"), "{}", e.message);
    a::enter_score(
        &ctx,
        "2026H1",
        &dept,
        "public-evaluation",
        "86.5",
        "第三方评估",
        "考核员",
    )
    .await
    .unwrap();
    let results = a::assess(&ctx, "2026H1").await.unwrap();
    let r = results.iter().find(|r| r.code == dept).unwrap();
    assert_eq!(r.components.len(), policies.assessment.indicators.len());
    let sum: xyjt_core::evaluation::Score = r.components.iter().map(|c| c.points).sum();
    assert_eq!(r.total, Some(sum));
    let dishonesty = r
        .components
        .iter()
        .find(|c| c.indicator == "dishonesty")
        .unwrap();
    assert_eq!(
        dishonesty.value,
        Some(xyjt_core::evaluation::Score::from_int(80)),
        "one record in effect: 100 − 20"
    );
    let entered = r
        .components
        .iter()
        .find(|c| c.indicator == "public-evaluation")
        .unwrap();
    assert_eq!(
        entered.value,
        Some(xyjt_core::evaluation::Score::parse("86.5").unwrap())
    );
    let missing = r.components.iter().filter(|c| c.value.is_none()).count();
    assert!(
        missing > 0,
        "no 双公示 data for a new department: missing, re-weighted"
    );
    assert!(
        r.components
            .iter()
            .filter(|c| c.value.is_none())
            .all(|c| c.applied_weight.0 == 0)
    );
    assert_eq!(r.rank, Some(1));
    assert!(
        a::bulletin(&ctx, "2026H1").await.is_err(),
        "not published yet"
    );
    a::publish(&ctx, "2026H1", "考核员").await.unwrap();
    let b = a::bulletin(&ctx, "2026H1").await.unwrap();
    assert_eq!(b["results"][0]["code"], dept.as_str());
    assert!(
        !b.to_string().contains(&cs1),
        "a bulletin names departments only"
    );

    // Everything replays into the same projections.
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
async fn government_integrity_on_both_backends() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("integrity-{}.db", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}", path.display());
    story(Arc::new(SqlStore::connect(&url).await.unwrap()), &url).await;
    let Some(schema) = PgSchema::create("government_integrity_on_both_backends").await else {
        return;
    };
    story(
        Arc::new(SqlStore::connect(&schema.url).await.unwrap()),
        &schema.url,
    )
    .await;
    schema.drop().await;
}
