//! Credit evaluation and random inspections end to end through the services, on SQLite and on
//! PostgreSQL with the same assertions: the demo's runs explain every applicable subject, review
//! is maker-checker, publication is on the 5-day clock and copied, a draw replays identically
//! (and the same on both backends), a changed seed or snapshot is detected, every blacklisted
//! subject is in the quarter's plan.

use chrono::NaiveDate;
use xyjt_app::Ctx;
use xyjt_core::evaluation::{Period, ResultStatus, RunStatus, Score, applies};
use xyjt_core::inspection::{DrawTask, InspectionOutcome, Quarter};
use xyjt_core::policies::Policies;
use xyjt_store::testing::PgSchema;
use xyjt_store::{EvalResultQuery, OutboxChannel, SqlStore, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// Replays the whole ledger into an empty database of the same backend: every projection,
/// evaluation and inspections included, comes out the same.
async fn replays_identically(store: &dyn Store, url: &str) {
    let scratch = xyjt_store::Scratch::create(url).await.unwrap();
    let fresh = SqlStore::connect(&scratch.url).await.unwrap();
    let report = xyjt_app::replay::rebuild_projections(store, &fresh)
        .await
        .unwrap();
    assert!(report.equal(), "{:?}", report.differences);
    assert!(
        report
            .tables
            .iter()
            .any(|(t, n)| t == "eval_results" && *n > 0)
    );
    drop(fresh);
    scratch.remove().await.unwrap();
}

async fn story(store: &dyn Store) -> Vec<DrawTask> {
    let policies = Policies::builtin_ref();
    let ctx = Ctx::with_policies(store, policies, today());
    xyjt_app::demo::seed(store, policies, today())
        .await
        .unwrap();

    // Every applicable subject of the published road transport run has an explained result.
    let runs = store.eval_runs(Some("js-road-transport")).await.unwrap();
    let published = runs
        .iter()
        .find(|r| r.status == RunStatus::Published)
        .expect("a published run");
    let model = xyjt_app::evaluation::current_model(store, policies, "js-road-transport")
        .await
        .unwrap();
    let period = Period::parse(&published.run.period).unwrap();
    let mut applicable = 0;
    let mut after = String::new();
    loop {
        let page = store.subjects_after(&after, 200).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for s in page {
            let recs = store.records_of_subject(&s.id).await.unwrap();
            if applies(&model, &s, &recs, period) {
                applicable += 1;
            }
        }
    }
    let results = store
        .eval_results(&EvalResultQuery {
            run_id: Some(published.run.id.clone()),
            limit: 10_000,
            ..EvalResultQuery::default()
        })
        .await
        .unwrap();
    assert!(applicable > 10);
    assert_eq!(
        results.total, applicable,
        "one result per applicable subject"
    );
    for s in &results.items {
        assert_eq!(s.status, ResultStatus::Published);
        let r = &s.result;
        assert!(!r.explanation.is_empty());
        let sum: Score = r.lines.iter().map(|l| l.points).sum();
        assert_eq!(
            r.score,
            (r.base_score + sum).clamp(model.min_score, model.max_score)
        );
        assert!(
            r.lines
                .iter()
                .all(|l| !l.fact_id.is_empty() && !l.basis.is_empty())
        );
        assert!(r.grade.is_some() || r.explanation.contains("审核人认定"));
    }
    // Publication is on the 5-day clock, and copied (outbox) to the supervising unit and more.
    assert_eq!(
        published.due,
        Some(published.reviewed_on.unwrap() + chrono::Duration::days(5))
    );
    assert!(!published.published_late());
    let copies = store
        .outbox(Some(OutboxChannel::Sharing), false)
        .await
        .unwrap();
    let copy = copies
        .iter()
        .find(|c| c.reference == published.run.id)
        .expect("the copy is in the outbox");
    assert!(
        copy.payload["to"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == "SF")
    );

    // Maker-checker: the proposer cannot review this year's run; someone else can.
    let pending = runs
        .iter()
        .find(|r| r.status == RunStatus::Proposed)
        .expect("this year's run awaits review");
    let e = xyjt_app::evaluation::review(&ctx, &pending.run.id, &pending.proposed_by, true, "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::Forbidden);
    let e = xyjt_app::evaluation::publish(&ctx, &pending.run.id, "审核人")
        .await
        .unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::Conflict, "not approved yet");

    // Re-scoring a published result supersedes it.
    let first = &results.items[0];
    let revised = xyjt_app::evaluation::rescore(
        &ctx,
        &first.result.id,
        "异议成立，重新评价",
        Some("YY-TEST"),
        "审核人",
    )
    .await
    .unwrap();
    assert_eq!(revised.status, ResultStatus::Published);
    assert!(revised.revision.as_deref().unwrap().contains("YY-TEST"));
    let old = store.eval_result(&first.result.id).await.unwrap().unwrap();
    assert_eq!(old.status, ResultStatus::Superseded);
    let grades = xyjt_app::evaluation::grades_of(store, &first.result.subject_id, today())
        .await
        .unwrap();
    assert!(grades.iter().any(|g| g.result.id == revised.result.id));

    // An objection to a result, upheld, re-scores and re-publishes it (in the decision's
    // transaction); the superseded result stays in the history.
    let target = &results.items[1];
    let filed = xyjt_app::workflows::file_objection(
        &ctx,
        xyjt_app::workflows::ObjectionRequest {
            record_id: None,
            entry_id: None,
            result_id: Some(target.result.id.clone()),
            field: None,
            reason: "评价所依据的处罚已被撤销".into(),
            claimed: serde_json::Value::Null,
            filed_on: None,
            applicant: None,
            evidence: vec![],
        },
        "企业",
    )
    .await
    .unwrap();
    let decide = |granted: bool| xyjt_app::workflows::StepRequest {
        action: "decide".into(),
        on: None,
        reason: "经核实，异议成立".into(),
        unit: None,
        clock: None,
        workdays: None,
        granted: Some(granted),
        revoke: false,
        corrected: None,
        outcome: None,
    };
    xyjt_app::workflows::take_step(&ctx, &filed.number, &decide(true), "审核人")
        .await
        .unwrap();
    assert_eq!(
        store
            .eval_result(&target.result.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        ResultStatus::Superseded
    );
    let now = xyjt_app::evaluation::grades_of(store, &target.result.subject_id, today())
        .await
        .unwrap();
    let revised = now
        .iter()
        .find(|g| g.result.model_id == "js-road-transport")
        .unwrap();
    assert!(revised.revision.as_deref().unwrap().contains(&filed.number));
    // An unpublished result cannot be objected to.
    let pending_result = store
        .eval_results(&EvalResultQuery {
            run_id: Some(pending.run.id.clone()),
            limit: 1,
            ..EvalResultQuery::default()
        })
        .await
        .unwrap();
    let e = xyjt_app::workflows::file_objection(
        &ctx,
        xyjt_app::workflows::ObjectionRequest {
            record_id: None,
            entry_id: None,
            result_id: Some(pending_result.items[0].result.id.clone()),
            field: None,
            reason: "x".into(),
            claimed: serde_json::Value::Null,
            filed_on: None,
            applicant: None,
            evidence: vec![],
        },
        "企业",
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::NotFound);

    // The demo's draw replays identically; a changed seed or snapshot is detected.
    let draws = store.inspection_draws(None).await.unwrap();
    let draw_id = draws[0].id.clone();
    assert_eq!(
        xyjt_app::inspection::replay(&ctx, &draw_id).await.unwrap(),
        None
    );
    let (record, committed) = xyjt_app::inspection::recorded_draw(store, &draw_id)
        .await
        .unwrap();
    let mut other_seed = record.clone();
    other_seed.seed = "11".repeat(32);
    other_seed.seed_sha256 = xyjt_core::canonical::sha256_hex(&[0x11; 32]);
    let forged = xyjt_app::inspection::Commitment {
        seed_sha256: other_seed.seed_sha256.clone(),
        seq: committed.seq,
    };
    let diff = xyjt_app::inspection::replay_record(&ctx, &other_seed, &forged)
        .await
        .unwrap();
    assert!(
        diff.unwrap().contains("任务不同"),
        "a changed seed gives another draw, even with a forged commitment"
    );
    let diff = xyjt_app::inspection::replay_record(&ctx, &other_seed, &committed)
        .await
        .unwrap()
        .unwrap();
    assert!(diff.contains("哈希"), "{diff}");
    let mut earlier = record.clone();
    earlier.snapshot_seq -= 40;
    let diff = xyjt_app::inspection::replay_record(&ctx, &earlier, &committed)
        .await
        .unwrap()
        .unwrap();
    assert!(
        diff.contains("快照"),
        "a changed snapshot is detected: {diff}"
    );
    // And recomputed at a snapshot before the grades were published, the draw differs.
    let forged = xyjt_app::inspection::Commitment {
        seed_sha256: committed.seed_sha256.clone(),
        seq: 100,
    };
    earlier.snapshot_seq = 100;
    assert!(
        xyjt_app::inspection::replay_record(&ctx, &earlier, &forged)
            .await
            .unwrap()
            .is_some()
    );

    // Every subject blacklisted during the quarter is in the quarter's plan.
    let quarter = Quarter::of(today()).to_string();
    let coverage = xyjt_app::inspection::coverage(&ctx, &quarter)
        .await
        .unwrap();
    assert!(!coverage.is_empty());
    for row in &coverage {
        assert!(
            record.tasks.iter().any(|t| t.subject_id == row.subject_id),
            "{} is blacklisted but not planned",
            row.name
        );
        assert!(!row.overdue, "the quarter is not over");
    }
    let open = coverage.iter().find(|r| r.inspected_on.is_none()).unwrap();
    let task = record
        .tasks
        .iter()
        .find(|t| t.subject_id == open.subject_id)
        .unwrap();
    xyjt_app::inspection::record_result(
        &ctx,
        xyjt_app::inspection::ResultInput {
            draw_id: Some(record.id.clone()),
            task_no: Some(task.no),
            subject_id: None,
            outcome: InspectionOutcome::NoProblem,
            note: "未发现问题".into(),
            on: today(),
        },
        &record.unit,
        "检查员",
    )
    .await
    .unwrap();
    let after = xyjt_app::inspection::coverage(&ctx, &quarter)
        .await
        .unwrap();
    assert_eq!(
        after
            .iter()
            .find(|r| r.subject_id == open.subject_id)
            .unwrap()
            .inspected_on,
        Some(today())
    );
    // Another unit may not record this draw's results; a task is recorded once.
    let again = xyjt_app::inspection::ResultInput {
        draw_id: Some(record.id.clone()),
        task_no: Some(task.no),
        subject_id: None,
        outcome: InspectionOutcome::NoProblem,
        note: "重复".into(),
        on: today(),
    };
    let e = xyjt_app::inspection::record_result(&ctx, again.clone(), "XL-ZF", "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::Forbidden);
    let e = xyjt_app::inspection::record_result(&ctx, again, &record.unit, "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::Conflict);
    // Overdue once the quarter is over.
    let later = Ctx::with_policies(
        store,
        policies,
        Quarter::of(today()).last_day() + chrono::Duration::days(1),
    );
    let late = xyjt_app::inspection::coverage(&later, &quarter)
        .await
        .unwrap();
    assert!(late.iter().any(|r| r.overdue));
    record.tasks
}

#[tokio::test]
async fn evaluation_and_draws_agree_on_both_backends() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("eval-{}.db", uuid::Uuid::now_v7()));
    let sqlite = SqlStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let on_sqlite = story(&sqlite).await;
    replays_identically(&sqlite, &format!("sqlite://{}", path.display())).await;
    let Some(schema) = PgSchema::create("evaluation_and_draws_agree_on_both_backends").await else {
        return;
    };
    let pg = SqlStore::connect(&schema.url).await.unwrap();
    let on_postgres = story(&pg).await;
    replays_identically(&pg, &schema.url).await;
    assert_eq!(
        on_sqlite, on_postgres,
        "the same seed and snapshot give the same draw on SQLite and PostgreSQL"
    );
    drop(pg);
    schema.drop().await;
}

/// Grades at a decision point, and 免罚轻罚 at 行政处罚裁量, cited in the check's reasons.
#[tokio::test]
async fn checks_cite_grades_and_the_discretion_list() {
    use std::sync::Arc;
    use xyjt_app::checks::{CheckRequest, CheckSubject, Checks, answer_check};
    use xyjt_core::check::CheckDecision;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("eval-checks-{}.db", uuid::Uuid::now_v7()));
    let store: Arc<dyn Store> = Arc::new(
        SqlStore::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap(),
    );
    let policies = Policies::builtin_ref();
    xyjt_app::demo::seed(store.as_ref(), policies, today())
        .await
        .unwrap();
    let checks = Checks::start(store.clone(), policies).await.unwrap();
    let ctx = Ctx::with_policies(store.as_ref(), policies, today());
    let published = store
        .eval_results(&EvalResultQuery {
            model_id: Some("js-road-transport".into()),
            status: Some(ResultStatus::Published),
            limit: 10_000,
            ..EvalResultQuery::default()
        })
        .await
        .unwrap()
        .items;
    let ask = |code: &str, point: &str, violation: Option<&str>| CheckRequest {
        subject: CheckSubject {
            identifier: Some(code.to_string()),
            name: None,
        },
        decision_point: point.into(),
        violation_type: violation.map(str::to_string),
    };
    let aa = published
        .iter()
        .find(|s| s.result.grade.as_deref() == Some("AA"))
        .expect("an AA operator in the demo");
    let code = aa.result.subject_code.clone().unwrap();
    let answer = answer_check(&ctx, &checks, "测试系统", ask(&code, "行政许可", None))
        .await
        .unwrap();
    let reason = answer
        .reasons
        .iter()
        .find(|r| r.list == "evaluation")
        .expect("the grade is cited");
    assert_eq!(reason.measure_id, "GM-JS-AA-GREEN");
    assert_eq!(reason.entry_id, aa.result.id);
    assert!(reason.list_label.contains("AA"));
    // Not at a decision point the measure does not name.
    let answer = answer_check(&ctx, &checks, "测试系统", ask(&code, "招标投标", None))
        .await
        .unwrap();
    assert!(answer.reasons.iter().all(|r| r.list != "evaluation"));
    if let Some(d) = published
        .iter()
        .find(|s| s.result.grade.as_deref() == Some("D"))
    {
        let answer = answer_check(
            &ctx,
            &checks,
            "测试系统",
            ask(d.result.subject_code.as_deref().unwrap(), "行政许可", None),
        )
        .await
        .unwrap();
        assert_ne!(answer.decision, CheckDecision::Allow);
        assert!(
            answer
                .reasons
                .iter()
                .any(|r| r.measure_id == "GM-JS-D-REVIEW")
        );
    }

    // 行政处罚裁量: needs the violation; a subject with a commitment and no earlier violation of
    // the type gets the exemption rule and its basis; one with an earlier one does not.
    let e = answer_check(&ctx, &checks, "测试系统", ask(&code, "行政处罚裁量", None))
        .await
        .unwrap_err();
    assert_eq!(e.kind, xyjt_app::ErrorKind::Invalid);
    let commitments = store.commitments(None).await.unwrap();
    let mut judged = 0;
    for c in &commitments {
        let subject = store
            .subject(&c.commitment.subject_id)
            .await
            .unwrap()
            .unwrap();
        let Some(code) = subject.uscc.as_ref().map(|u| u.to_string()) else {
            continue;
        };
        let records = store.records_of_subject(&subject.id).await.unwrap();
        let earlier = records.iter().any(|r| match &r.body {
            xyjt_core::record::RecordBody::Penalty(p) => {
                p.violation_type.contains("不按规定悬挂标志")
            }
            _ => false,
        });
        let kept = !matches!(
            c.status(),
            xyjt_core::commitment::CommitmentStatus::Breached
                | xyjt_core::commitment::CommitmentStatus::False
        );
        let answer = answer_check(
            &ctx,
            &checks,
            "执法系统",
            ask(&code, "行政处罚裁量", Some("不按规定悬挂标志")),
        )
        .await
        .unwrap();
        let rule = answer
            .reasons
            .iter()
            .find(|r| r.list == "discretion" && r.measure_id == "DR-SIGN")
            .expect("the rule is named");
        assert!(rule.legal_basis.contains("第三十三条"));
        let applies = rule.measure.starts_with("不予行政处罚");
        if !earlier && kept {
            assert!(applies, "{}", rule.entry_basis);
            judged += 1;
        }
        if earlier {
            assert!(!applies && rule.entry_basis.contains("不属首次"));
        }
    }
    assert!(
        judged > 0,
        "the demo has a subject the exemption applies to"
    );
    drop(checks);
}
