//! Storage stories of the joint reward and punishment side (lists and checks, joint cases) and
//! of the batch reads an import makes inside its transaction, each run on both backends with
//! the same assertions. The store is driven only through ledger events.

mod common;

use common::*;
use xyjt_core::cases::{CaseError, CaseState, JointCase, UnitReport};
use xyjt_core::check::CheckDecision;
use xyjt_core::ident::{Code, OrgCode};
use xyjt_core::ledger::{CheckRecord, EventPayload};
use xyjt_core::listing::{EndReason, EntryError, EntryStatus, ListEntry};
use xyjt_core::lists::{DecisionPoint, ListPolicy, NameList};
use xyjt_core::record::{NaturalKey, RecordCategory};
use xyjt_store::{CheckCount, SqlStore, Store, StoreError};

fn entry(id: &str, list: NameList, subject: Option<&str>, entry_date: &str) -> ListEntry {
    ListEntry {
        id: id.into(),
        list,
        subject_id: subject.map(str::to_string),
        name: format!("条目{id}"),
        code: None,
        item_id: "S-BLACK-TEST".into(),
        policy_version: 1,
        basis: "两次超限运输".into(),
        deciding_unit: "示范市交通运输局".into(),
        entry_date: d(entry_date),
        valid_until: Some(d("2027-01-01")),
        source_records: vec!["r-1".into()],
        explanation: "规则命中".into(),
    }
}

fn check(id: &str, asked_by: &str, point: DecisionPoint, decision: CheckDecision) -> CheckRecord {
    CheckRecord {
        id: id.into(),
        asked_by: asked_by.into(),
        decision_point: point,
        identifier: Some("91350100M000100Y43".into()),
        name: None,
        subject_id: Some("s-a".into()),
        decision,
        reasons: vec![],
        policy_version: 1,
        checked_on: d("2025-06-01"),
    }
}

fn policy(version: u32, note: &str) -> ListPolicy {
    let mut p = ListPolicy::builtin();
    p.version = version;
    p.note = note.into();
    p
}

async fn lists_and_checks(store: SqlStore) {
    // Nothing adopted yet: no policy, latest or by version.
    assert_eq!(store.list_policy(None).await.unwrap(), None);
    assert_eq!(store.list_policy(Some(1)).await.unwrap(), None);

    let (p1, p2) = (policy(1, "第一版"), policy(2, "第二版：调整措施"));
    store
        .append(vec![
            ev(
                "2025-01-01T01:00:00Z",
                EventPayload::ListPolicyAdopted { policy: p1.clone() },
            ),
            ev(
                "2025-02-01T01:00:00Z",
                EventPayload::ListPolicyAdopted { policy: p2.clone() },
            ),
        ])
        .await
        .unwrap();
    assert_eq!(store.list_policy(None).await.unwrap(), Some(p2.clone()));
    assert_eq!(store.list_policy(Some(1)).await.unwrap(), Some(p1));
    assert_eq!(store.list_policy(Some(2)).await.unwrap(), Some(p2));
    assert_eq!(store.list_policy(Some(3)).await.unwrap(), None);
    // A version is adopted once.
    let again = store
        .append(vec![ev(
            "2025-02-02T01:00:00Z",
            EventPayload::ListPolicyAdopted {
                policy: policy(2, "重复"),
            },
        )])
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again}");

    // Entries on three lists, proposed by a clerk; reviewed by someone else.
    let judgment = NameList::External("失信被执行人".into());
    let entries = [
        entry("e-black-1", NameList::Black, Some("s-a"), "2025-03-01"),
        entry("e-black-2", NameList::Black, Some("s-b"), "2025-05-01"),
        entry("e-red", NameList::Red, Some("s-a"), "2025-04-01"),
        entry("e-ext", judgment.clone(), None, "2025-04-01"),
    ];
    store
        .append(
            entries
                .iter()
                .map(|e| {
                    ev(
                        "2025-06-01T01:00:00Z",
                        EventPayload::ListEntryProposed {
                            entry: e.clone(),
                            by: "clerk".into(),
                        },
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    let proposed = store.list_entry("e-black-1").await.unwrap().unwrap();
    assert_eq!(proposed.entry, entries[0]);
    assert_eq!(proposed.status, EntryStatus::Proposed);
    assert_eq!(proposed.proposed_by, "clerk");
    assert_eq!(proposed.reviewed_by, None);
    assert_eq!(store.list_entry("e-none").await.unwrap(), None);

    // Maker-checker: the proposer cannot review; nothing is written.
    let head = store.head().await.unwrap();
    let same = store
        .append(vec![ev(
            "2025-06-02T01:00:00Z",
            EventPayload::ListEntryReviewed {
                entry_id: "e-black-1".into(),
                by: "clerk".into(),
                approved: true,
                comment: "自审".into(),
            },
        )])
        .await
        .unwrap_err();
    assert!(
        matches!(same, StoreError::Entry(EntryError::SameReviewer)),
        "{same}"
    );
    assert_eq!(store.head().await.unwrap(), head);
    // A step on an unknown entry is refused too.
    let missing = store
        .append(vec![ev(
            "2025-06-02T01:00:00Z",
            EventPayload::ListEntryPublished {
                entry_id: "e-none".into(),
                on: d("2025-06-02"),
            },
        )])
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::Entry(EntryError::Missing)),
        "{missing}"
    );

    let review = |id: &str, approved: bool| {
        ev(
            "2025-06-02T01:00:00Z",
            EventPayload::ListEntryReviewed {
                entry_id: id.into(),
                by: "reviewer".into(),
                approved,
                comment: if approved { "同意" } else { "依据不足" }.into(),
            },
        )
    };
    store
        .append(vec![
            review("e-black-1", true),
            review("e-red", false),
            ev(
                "2025-06-03T01:00:00Z",
                EventPayload::ListEntryPublished {
                    entry_id: "e-black-1".into(),
                    on: d("2025-06-03"),
                },
            ),
            review("e-black-2", true),
            ev(
                "2025-06-03T01:00:00Z",
                EventPayload::ListEntryPublished {
                    entry_id: "e-black-2".into(),
                    on: d("2025-06-03"),
                },
            ),
            ev(
                "2025-06-04T01:00:00Z",
                EventPayload::ListEntryEnded {
                    entry_id: "e-black-2".into(),
                    reason: EndReason::Repaired,
                    on: d("2025-06-04"),
                    note: Some("已修复".into()),
                },
            ),
        ])
        .await
        .unwrap();
    let published = store.list_entry("e-black-1").await.unwrap().unwrap();
    assert_eq!(published.status, EntryStatus::Published);
    assert_eq!(published.reviewed_by.as_deref(), Some("reviewer"));
    assert_eq!(published.review_comment.as_deref(), Some("同意"));
    assert_eq!(published.published_on, Some(d("2025-06-03")));
    assert_eq!(published.ended, None);
    let rejected = store.list_entry("e-red").await.unwrap().unwrap();
    assert_eq!(rejected.status, EntryStatus::Rejected);
    assert_eq!(rejected.published_on, None);
    let ended = store.list_entry("e-black-2").await.unwrap().unwrap();
    assert_eq!(ended.status, EntryStatus::Ended);
    assert_eq!(ended.ended, Some((EndReason::Repaired, d("2025-06-04"))));

    // Every state is listed, newest entry date first (then id); one list by its key.
    let ids = |v: Vec<xyjt_core::listing::EntryState>| {
        v.into_iter().map(|e| e.entry.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.list_entries(None).await.unwrap()),
        vec!["e-black-2", "e-ext", "e-red", "e-black-1"]
    );
    assert_eq!(
        ids(store.list_entries(Some("black")).await.unwrap()),
        vec!["e-black-2", "e-black-1"]
    );
    assert_eq!(
        ids(store.list_entries(Some("red")).await.unwrap()),
        vec!["e-red"]
    );
    assert_eq!(
        ids(store.list_entries(Some("失信被执行人")).await.unwrap()),
        vec!["e-ext"]
    );
    assert_eq!(
        store.list_entries(Some("e-ext")).await.unwrap().len(),
        0,
        "external list by name, not by entry"
    );
    assert!(store.list_entries(Some("watch")).await.unwrap().is_empty());
    let ext = store.list_entry("e-ext").await.unwrap().unwrap();
    assert_eq!(ext.entry.list, judgment);
    assert_eq!(ext.entry.subject_id, None);

    // Checks, and feedback on some of them (跟踪问效).
    let checks = [
        check(
            "k-1",
            "tender-sys",
            DecisionPoint::Tendering,
            CheckDecision::Restrict,
        ),
        check(
            "k-2",
            "tender-sys",
            DecisionPoint::Tendering,
            CheckDecision::Restrict,
        ),
        check(
            "k-3",
            "tender-sys",
            DecisionPoint::Tendering,
            CheckDecision::Allow,
        ),
        check(
            "k-4",
            "licence-sys",
            DecisionPoint::Licensing,
            CheckDecision::Review,
        ),
    ];
    store
        .append(
            checks
                .iter()
                .map(|c| {
                    ev(
                        "2025-06-05T01:00:00Z",
                        EventPayload::CheckAnswered { check: c.clone() },
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    let feedback = EventPayload::CheckFeedback {
        check_id: "k-1".into(),
        applied: true,
        measure_id: Some("P-BLACK-TENDER".into()),
        note: "已拒绝其投标".into(),
        by: "tender-sys".into(),
    };
    store
        .append(vec![ev("2025-06-06T01:00:00Z", feedback.clone())])
        .await
        .unwrap();
    assert_eq!(
        store.check_record("k-1").await.unwrap(),
        Some((
            checks[0].clone(),
            Some(serde_json::to_value(&feedback).unwrap())
        ))
    );
    assert_eq!(
        store.check_record("k-4").await.unwrap(),
        Some((checks[3].clone(), None))
    );
    assert_eq!(store.check_record("k-none").await.unwrap(), None);
    // Feedback on an unknown check is refused.
    let orphan = store
        .append(vec![ev(
            "2025-06-06T01:00:00Z",
            EventPayload::CheckFeedback {
                check_id: "k-none".into(),
                applied: false,
                measure_id: None,
                note: String::new(),
                by: "x".into(),
            },
        )])
        .await
        .unwrap_err();
    assert!(matches!(orphan, StoreError::NotFound(_)), "{orphan}");

    // Counted per caller, decision point (its label) and answer, sorted by those.
    let count = |asked_by: &str, point: &str, decision: &str, checks, with_feedback| CheckCount {
        asked_by: asked_by.into(),
        decision_point: point.into(),
        decision: decision.into(),
        checks,
        with_feedback,
    };
    assert_eq!(
        store.check_counts().await.unwrap(),
        vec![
            count("licence-sys", "行政许可", "review", 1, 0),
            count("tender-sys", "招标投标", "allow", 1, 0),
            count("tender-sys", "招标投标", "restrict", 2, 1),
        ]
    );

    // API tokens: found by their hash only.
    store
        .append(vec![ev(
            "2025-06-07T01:00:00Z",
            EventPayload::ApiTokenIssued {
                token_id: "tok-1".into(),
                name: "tender-sys".into(),
                token_hash: "ab".repeat(32),
                decision_points: vec![],
            },
        )])
        .await
        .unwrap();
    assert_eq!(
        store.token_name(&"ab".repeat(32)).await.unwrap().as_deref(),
        Some("tender-sys")
    );
    assert_eq!(store.token_name(&"cd".repeat(32)).await.unwrap(), None);
    assert_eq!(store.token_name("tok-1").await.unwrap(), None);
}

fn case(id: &str, initiator: &str, opened_on: &str) -> JointCase {
    JointCase {
        id: id.into(),
        entry_id: "e-black-1".into(),
        subject_name: "示范市长风货运有限公司".into(),
        initiating_unit: initiator.into(),
        measure_ids: vec!["P-BLACK-TENDER".into()],
        implementing_units: vec!["东湖市交通运输局".into(), "西岭市交通运输局".into()],
        opened_on: d(opened_on),
        due_on: d("2025-10-16"),
        due_provisional: false,
        note: "联合惩戒".into(),
    }
}

async fn joint_cases(store: SqlStore) {
    assert!(store.joint_cases(None).await.unwrap().is_empty());
    let province = "示范省交通运输厅信用管理处";
    let city = "示范市交通运输局";
    let cases = [
        case("c-1", province, "2025-09-26"),
        case("c-2", city, "2025-09-28"),
        case("c-3", province, "2025-09-28"),
    ];
    store
        .append(
            cases
                .iter()
                .map(|c| {
                    ev(
                        "2025-09-28T01:00:00Z",
                        EventPayload::CaseOpened { case: c.clone() },
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    let opened = store.joint_case("c-1").await.unwrap().unwrap();
    assert_eq!(
        opened,
        CaseState {
            case: cases[0].clone(),
            reports: vec![]
        }
    );
    assert_eq!(store.joint_case("c-none").await.unwrap(), None);
    // The same case id twice is a conflict.
    let dup = store
        .append(vec![ev(
            "2025-09-28T02:00:00Z",
            EventPayload::CaseOpened {
                case: cases[0].clone(),
            },
        )])
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict { .. }), "{dup}");

    // Reports from implementing units, kept in order.
    let report = |unit: &str, on: &str| UnitReport {
        unit: unit.into(),
        applied: true,
        note: format!("{unit}已限制"),
        reported_on: d(on),
    };
    let r1 = report("西岭市交通运输局", "2025-10-09");
    let r2 = report("东湖市交通运输局", "2025-10-20");
    store
        .append(vec![
            ev(
                "2025-10-09T01:00:00Z",
                EventPayload::CaseReported {
                    case_id: "c-1".into(),
                    report: r1.clone(),
                },
            ),
            ev(
                "2025-10-20T01:00:00Z",
                EventPayload::CaseReported {
                    case_id: "c-1".into(),
                    report: r2.clone(),
                },
            ),
        ])
        .await
        .unwrap();
    let reported = store.joint_case("c-1").await.unwrap().unwrap();
    assert_eq!(reported.reports, vec![r1.clone(), r2]);
    assert_eq!(reported.case, cases[0]);

    // Refused reports write nothing: a stranger, a second report, an unknown case.
    let head = store.head().await.unwrap();
    for (case_id, unit, expected) in [
        (
            "c-2",
            "别的单位",
            CaseError::NotImplementing("别的单位".into()),
        ),
        (
            "c-1",
            "西岭市交通运输局",
            CaseError::AlreadyReported("西岭市交通运输局".into()),
        ),
        ("c-none", "西岭市交通运输局", CaseError::Missing),
    ] {
        let err = store
            .append(vec![ev(
                "2025-10-21T01:00:00Z",
                EventPayload::CaseReported {
                    case_id: case_id.into(),
                    report: report(unit, "2025-10-21"),
                },
            )])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Case(e) if *e == expected),
            "{case_id} {unit}: {err}"
        );
    }
    assert_eq!(store.head().await.unwrap(), head);
    assert!(
        store
            .joint_case("c-2")
            .await
            .unwrap()
            .unwrap()
            .reports
            .is_empty()
    );

    // Newest opened first, then id; one initiator's only.
    let ids = |v: Vec<CaseState>| v.into_iter().map(|c| c.case.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.joint_cases(None).await.unwrap()),
        vec!["c-2", "c-3", "c-1"]
    );
    assert_eq!(
        ids(store.joint_cases(Some(province)).await.unwrap()),
        vec!["c-3", "c-1"]
    );
    assert_eq!(
        ids(store.joint_cases(Some(city)).await.unwrap()),
        vec!["c-2"]
    );
    assert!(store.joint_cases(Some("别处")).await.unwrap().is_empty());
    assert_eq!(
        store.joint_cases(Some(province)).await.unwrap()[1]
            .reports
            .len(),
        2,
        "lists carry the reports"
    );

    // False positives: one per entry and query, however often marked.
    assert!(store.false_positives().await.unwrap().is_empty());
    let mark = |entry: &str, query: &str| {
        ev(
            "2025-10-22T01:00:00Z",
            EventPayload::FalsePositiveMarked {
                entry_id: entry.into(),
                query_key: query.into(),
                by: "reviewer".into(),
                reason: "同名不同人".into(),
            },
        )
    };
    store
        .append(vec![
            mark("e-1", "长风货运"),
            mark("e-1", "长风物流"),
            mark("e-2", "长风货运"),
        ])
        .await
        .unwrap();
    store.append(vec![mark("e-1", "长风货运")]).await.unwrap();
    // The trait promises no order: compare sorted.
    let mut marked = store.false_positives().await.unwrap();
    marked.sort();
    assert_eq!(
        marked,
        vec![
            ("e-1".to_string(), "长风物流".to_string()),
            ("e-1".to_string(), "长风货运".to_string()),
            ("e-2".to_string(), "长风货运".to_string()),
        ]
    );
}

/// The batch reads of an import: records by natural key, subjects by any identifier, inside the
/// transaction (its own writes included), and which subjects have records of a category.
async fn batch_reads(store: SqlStore) {
    let a = company("s-a", "示范市长风货运有限公司", "M000100Y");
    let b = company("s-b", "示范市大道物流有限公司", "MA2B3C4D");
    let p = person("s-p");
    let other_authority = uscc("MA9Y8X7W");
    store
        .append(vec![
            ev(
                "2025-01-02T01:00:00Z",
                EventPayload::SubjectRegistered { subject: a.clone() },
            ),
            ev(
                "2025-01-02T01:00:00Z",
                EventPayload::SubjectRegistered { subject: b.clone() },
            ),
            ev(
                "2025-01-02T01:00:00Z",
                EventPayload::SubjectRegistered { subject: p.clone() },
            ),
        ])
        .await
        .unwrap();
    let published = |record: &str, subject: &str, body: xyjt_core::record::RecordBody| {
        ev(
            "2025-03-05T01:00:00Z",
            EventPayload::RecordPublished {
                record_id: record.into(),
                subject_id: subject.into(),
                body,
                publication: None,
            },
        )
    };
    let body_1 = penalty(&a, "罚〔2025〕1号", &authority());
    let body_2 = penalty(&b, "罚〔2025〕2号", &authority());
    // The same 文书号 from another authority: another decision.
    let body_1_other = penalty(&b, "罚〔2025〕1号", &other_authority);
    store
        .append(vec![
            published("r-1", "s-a", body_1.clone()),
            published("r-2", "s-b", body_2.clone()),
            published("r-3", "s-b", body_1_other.clone()),
            published("r-4", "s-a", penalty(&a, "罚〔2025〕4号", &authority())),
        ])
        .await
        .unwrap();

    assert_eq!(
        store
            .subjects_with_records(RecordCategory::Penalty)
            .await
            .unwrap(),
        vec!["s-a", "s-b"],
        "distinct, sorted"
    );
    assert!(
        store
            .subjects_with_records(RecordCategory::License)
            .await
            .unwrap()
            .is_empty()
    );

    let mut tx = store.begin().await.unwrap();
    let ids = |mut v: Vec<xyjt_core::record::Record>| {
        let mut ids: Vec<String> = v.drain(..).map(|r| r.id).collect();
        ids.sort();
        ids
    };
    let licence_key = NaturalKey {
        category: RecordCategory::License,
        ..body_1.natural_key()
    };
    let unknown = NaturalKey {
        doc_no: "罚〔2025〕99号".into(),
        ..body_1.natural_key()
    };
    assert!(tx.records_by_keys(&[]).await.unwrap().is_empty());
    let found = tx
        .records_by_keys(&[
            body_1.natural_key(),
            body_2.natural_key(),
            licence_key.clone(),
            unknown.clone(),
        ])
        .await
        .unwrap();
    assert_eq!(ids(found.clone()), vec!["r-1", "r-2"], "not r-3 nor r-4");
    let r1 = found.iter().find(|r| r.id == "r-1").unwrap();
    assert_eq!((r1.subject_id.as_str(), &r1.body), ("s-a", &body_1));
    assert_eq!(
        ids(tx
            .records_by_keys(&[body_1_other.natural_key()])
            .await
            .unwrap()),
        vec!["r-3"]
    );

    // Subjects by every kind of identifier, each subject once.
    let by_uscc = Code::Uscc(a.uscc.clone().unwrap());
    let by_org = Code::OrgCode(OrgCode::parse(&a.uscc.as_ref().unwrap().as_str()[8..17]).unwrap());
    let by_id = Code::CitizenId(p.citizen_id.clone().unwrap());
    let nobody = Code::Uscc(uscc("MA0000AA"));
    assert!(tx.subjects_by_codes(&[]).await.unwrap().is_empty());
    let mut subjects = tx
        .subjects_by_codes(&[by_uscc.clone(), by_org, by_id, nobody.clone()])
        .await
        .unwrap();
    subjects.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(subjects, vec![a.clone(), p.clone()]);
    assert!(tx.subjects_by_codes(&[nobody]).await.unwrap().is_empty());

    // The transaction reads its own writes.
    let c = company("s-c", "示范市新登记运输有限公司", "MA1111QQ");
    let body_5 = penalty(&c, "罚〔2025〕5号", &authority());
    tx.append(vec![
        ev(
            "2025-04-01T01:00:00Z",
            EventPayload::SubjectRegistered { subject: c.clone() },
        ),
        published("r-5", "s-c", body_5.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(
        tx.subjects_by_codes(&[Code::Uscc(c.uscc.clone().unwrap())])
            .await
            .unwrap(),
        vec![c.clone()]
    );
    assert_eq!(
        ids(tx.records_by_keys(&[body_5.natural_key()]).await.unwrap()),
        vec!["r-5"]
    );
    tx.rollback().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.records_by_keys(&[body_5.natural_key()])
            .await
            .unwrap()
            .is_empty()
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        store
            .subjects_with_records(RecordCategory::Penalty)
            .await
            .unwrap(),
        vec!["s-a", "s-b"]
    );
}

#[tokio::test]
async fn sqlite_lists_and_checks() {
    on_sqlite("lists", lists_and_checks).await;
}

#[tokio::test]
async fn postgres_lists_and_checks() {
    on_postgres("postgres_lists_and_checks", lists_and_checks).await;
}

#[tokio::test]
async fn sqlite_joint_cases() {
    on_sqlite("cases", joint_cases).await;
}

#[tokio::test]
async fn postgres_joint_cases() {
    on_postgres("postgres_joint_cases", joint_cases).await;
}

#[tokio::test]
async fn sqlite_batch_reads() {
    on_sqlite("batch", batch_reads).await;
}

#[tokio::test]
async fn postgres_batch_reads() {
    on_postgres("postgres_batch_reads", batch_reads).await;
}
