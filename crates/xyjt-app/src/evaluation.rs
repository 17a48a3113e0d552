//! Credit evaluation (信用评价): the models in force, evaluation runs from the ledger,
//! maker-checker review, publication with copies on the 5-day clock, re-scoring after an upheld
//! objection. RULES.md §7.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use xyjt_core::evaluation::{
    EvalModel, EvalResult, EvalResultState, EvalRun, EvalRunState, GradeOutcome, ModelSet, Period,
    ResultStatus, RunStatus, Score, SubjectFacts, applies, score_subject,
};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::policies::Policies;
use xyjt_store::{EvalResultQuery, InspectionQuery, Store};

use crate::{AppError, AppResult, Ctx};

/// Pure grading for the command line and the API: the model from the policies given.
pub fn grade(
    models: &ModelSet,
    model_id: &str,
    score: &str,
    points: Option<&str>,
    previous: Option<&str>,
) -> AppResult<GradeOutcome> {
    let model = models
        .get(model_id)
        .ok_or_else(|| unknown_model(models, model_id))?;
    let score = Score::parse(score).map_err(AppError::invalid)?;
    let points = points
        .map(Score::parse)
        .transpose()
        .map_err(AppError::invalid)?;
    model
        .grade(score, points, previous)
        .map_err(|e| AppError::invalid(e.to_string()))
}

pub fn consortium(models: &ModelSet, model_id: &str, members: &[&str]) -> AppResult<GradeOutcome> {
    let model = models
        .get(model_id)
        .ok_or_else(|| unknown_model(models, model_id))?;
    model
        .consortium_grade(members)
        .map_err(|e| AppError::invalid(e.to_string()))
}

fn unknown_model(models: &ModelSet, id: &str) -> AppError {
    AppError::not_found(format!(
        "没有评价模型“{id}”（可用：{}）",
        models
            .models
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>()
            .join("、")
    ))
}

/// The latest adopted version of every model; the shipped models are adopted (version 1) on
/// first use, as the four lists are.
pub async fn current_models(store: &dyn Store, policies: &Policies) -> AppResult<Vec<EvalModel>> {
    let adopted = store.eval_models().await?;
    let missing: Vec<&EvalModel> = policies
        .evaluation
        .models
        .iter()
        .filter(|m| !adopted.iter().any(|a| a.id == m.id))
        .collect();
    if !missing.is_empty() {
        let events = missing
            .iter()
            .map(|m| {
                NewEvent::new(
                    "system:init",
                    Utc::now(),
                    EventPayload::EvalModelAdopted {
                        model: (*m).clone(),
                    },
                )
            })
            .collect();
        match store.append(events).await {
            Ok(_) => {}
            // Another request adopted them first.
            Err(xyjt_store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        return Box::pin(current_models(store, policies)).await;
    }
    let mut latest: Vec<EvalModel> = Vec::new();
    for m in adopted {
        match latest.iter_mut().find(|l| l.id == m.id) {
            Some(l) if l.version < m.version => *l = m,
            Some(_) => {}
            None => latest.push(m),
        }
    }
    Ok(latest)
}

pub async fn current_model(
    store: &dyn Store,
    policies: &Policies,
    id: &str,
) -> AppResult<EvalModel> {
    let models = current_models(store, policies).await?;
    let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
    models.into_iter().find(|m| m.id == id).ok_or_else(|| {
        AppError::not_found(format!("没有评价模型“{id}”（可用：{}）", ids.join("、")))
    })
}

/// Subjects per evaluation page (records are read a page at a time).
const PAGE: i64 = 500;

/// Scores every subject the model applies to for `period` from its ledger facts up to `as_of`,
/// and proposes the results for review (one transaction).
pub async fn run(
    ctx: &Ctx<'_>,
    model_id: &str,
    period: &str,
    as_of: Option<NaiveDate>,
    unit: &str,
    by: &str,
) -> AppResult<EvalRunState> {
    let store = ctx.store;
    let model = current_model(store, ctx.policies, model_id).await?;
    let period = Period::parse(period).map_err(AppError::invalid)?;
    let as_of = as_of.unwrap_or(ctx.today).min(period.last_day());
    if as_of < period.first_day() {
        return Err(AppError::invalid(format!(
            "评价周期 {period} 尚未开始（截止日 {as_of}）"
        )));
    }
    if ctx.policies.org.unit(unit).is_none() {
        return Err(AppError::invalid(format!("单位 {unit} 不在组织机构中")));
    }
    // Facts that are few enough to hold whole: list entries, commitments, inspections, and the
    // previous period's grades.
    let mut entries: HashMap<String, Vec<_>> = HashMap::new();
    for e in store.list_entries(None).await? {
        if let Some(s) = e.entry.subject_id.clone() {
            entries.entry(s).or_default().push(e);
        }
    }
    let mut commitments: HashMap<String, Vec<_>> = HashMap::new();
    for c in store.commitments(None).await? {
        commitments
            .entry(c.commitment.subject_id.clone())
            .or_default()
            .push(c);
    }
    let mut inspections: HashMap<String, Vec<_>> = HashMap::new();
    for i in store
        .inspection_results(&InspectionQuery {
            from: Some(period.first_day()),
            to: Some(as_of),
            ..InspectionQuery::default()
        })
        .await?
    {
        inspections.entry(i.subject_id.clone()).or_default().push(i);
    }
    let previous = published_grades(store, &model.id, &period.previous().to_string()).await?;
    let run_id = format!("EV-{}-{}-{}", model.id, period, &new_id()[28..]);
    // One transaction for the whole run, written a page at a time so memory stays bounded:
    // the results first, then the run with its counts.
    let now = Utc::now();
    let mut tx = store.begin().await?;
    let (mut subjects, mut ungraded) = (0u64, 0u64);
    let mut after = String::new();
    let outcome: AppResult<()> = async {
        loop {
            let page = store.subjects_after(&after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            let kinds: Vec<_> = page
                .into_iter()
                .filter(|s| model.applies_to.party_kinds.contains(&s.kind))
                .collect();
            let ids: Vec<String> = kinds.iter().map(|s| s.id.clone()).collect();
            let mut records: HashMap<String, Vec<_>> = HashMap::new();
            for r in store.records_of_subjects(&ids).await? {
                records.entry(r.subject_id.clone()).or_default().push(r);
            }
            let mut events = Vec::new();
            for subject in kinds {
                let recs = records.remove(&subject.id).unwrap_or_default();
                if !applies(&model, &subject, &recs, period) {
                    continue;
                }
                let facts = SubjectFacts {
                    records: recs,
                    entries: entries.remove(&subject.id).unwrap_or_default(),
                    commitments: commitments.remove(&subject.id).unwrap_or_default(),
                    inspections: inspections.remove(&subject.id).unwrap_or_default(),
                    previous_grade: previous.get(&subject.id).cloned(),
                };
                let result = score_subject(&model, &run_id, period, as_of, &subject, &facts);
                subjects += 1;
                ungraded += u64::from(result.grade.is_none());
                events.push(NewEvent::new(
                    by,
                    now,
                    EventPayload::EvalResultProposed { result },
                ));
            }
            if !events.is_empty() {
                tx.append(events).await?;
            }
        }
        if subjects == 0 {
            return Err(AppError::invalid(format!(
                "没有适用模型 {}（{}）的主体",
                model.id, model.subjects
            )));
        }
        let run = EvalRun {
            id: run_id.clone(),
            model_id: model.id.clone(),
            model_version: model.version,
            model_title: model.title.clone(),
            period: period.to_string(),
            as_of,
            unit: unit.to_string(),
            valid_months: model.valid_months,
            subjects,
            ungraded,
        };
        tx.append(vec![NewEvent::new(
            by,
            now,
            EventPayload::EvalRunProposed { run },
        )])
        .await?;
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => tx.commit().await?,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(e);
        }
    }
    run_or_404(store, &run_id).await
}

/// subject → grade of the model's published results for a period.
async fn published_grades(
    store: &dyn Store,
    model_id: &str,
    period: &str,
) -> AppResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut offset = 0;
    loop {
        let page = store
            .eval_results(&EvalResultQuery {
                model_id: Some(model_id.to_string()),
                period: Some(period.to_string()),
                status: Some(ResultStatus::Published),
                limit: 5_000,
                offset,
                ..EvalResultQuery::default()
            })
            .await?;
        let n = page.items.len() as i64;
        for s in page.items {
            if let Some(g) = s.result.grade {
                out.insert(s.result.subject_id, g);
            }
        }
        if n < 5_000 {
            return Ok(out);
        }
        offset += n;
    }
}

pub async fn run_or_404(store: &dyn Store, id: &str) -> AppResult<EvalRunState> {
    store
        .eval_run(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("评价批次 {id} 不存在")))
}

/// Another person of the platform reviews the run (谁生产、谁审核). Approval starts the 5-day
/// clock of publication and copies.
pub async fn review(
    ctx: &Ctx<'_>,
    run_id: &str,
    by: &str,
    approved: bool,
    comment: &str,
) -> AppResult<EvalRunState> {
    let run = run_or_404(ctx.store, run_id).await?;
    if run.proposed_by == by {
        return Err(AppError::forbidden(
            "谁生产、谁审核：评价结果须由提出人以外的人员审核",
        ));
    }
    if run.status != RunStatus::Proposed {
        return Err(AppError::new(
            crate::ErrorKind::Conflict,
            "already_reviewed",
            format!("评价批次 {run_id} {}，不能再审核", run.status.label()),
        ));
    }
    if !approved && comment.trim().is_empty() {
        return Err(
            AppError::invalid("审核不通过须写明理由").with_detail(json!({"field": "comment"}))
        );
    }
    let due = approved
        .then(|| ctx.today + Duration::days(i64::from(ctx.policies.evaluation.publish_days)));
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::EvalRunReviewed {
                run_id: run_id.to_string(),
                by: by.to_string(),
                approved,
                comment: comment.trim().to_string(),
                on: ctx.today,
                due,
            },
        )])
        .await?;
    run_or_404(ctx.store, run_id).await
}

/// Publishes an approved run and copies it to the supervising unit (the evaluating unit's
/// parent) and the sharing units of the policy.
pub async fn publish(ctx: &Ctx<'_>, run_id: &str, by: &str) -> AppResult<EvalRunState> {
    let run = run_or_404(ctx.store, run_id).await?;
    if run.status != RunStatus::Approved {
        return Err(AppError::new(
            crate::ErrorKind::Conflict,
            "not_approved",
            format!(
                "评价批次 {run_id} {}，只有审核通过的批次可以发布",
                run.status.label()
            ),
        ));
    }
    let supervising_unit = ctx
        .policies
        .org
        .unit(&run.run.unit)
        .and_then(|u| u.parent.clone());
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::EvalRunPublished {
                run_id: run_id.to_string(),
                on: ctx.today,
                valid_until: EvalResult::valid_until(run.run.valid_months, ctx.today),
                supervising_unit,
                sharing_units: ctx.policies.evaluation.sharing_units.clone(),
            },
        )])
        .await?;
    run_or_404(ctx.store, run_id).await
}

/// Re-scores one subject under the result's model and period from the ledger as it is now (an
/// objection was upheld, the facts were corrected) and publishes the new result in its place.
pub async fn rescore(
    ctx: &Ctx<'_>,
    result_id: &str,
    reason: &str,
    application: Option<&str>,
    by: &str,
) -> AppResult<EvalResultState> {
    let (payload, id) = rescore_payload(ctx, result_id, reason, application).await?;
    ctx.store
        .append(vec![NewEvent::new(by, Utc::now(), payload)])
        .await?;
    ctx.store
        .eval_result(&id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("评价结果 {id}")))
}

/// The event re-scoring a published result (appended by the caller, e.g. with the objection's
/// decision in one transaction), and the new result's id.
pub async fn rescore_payload(
    ctx: &Ctx<'_>,
    result_id: &str,
    reason: &str,
    application: Option<&str>,
) -> AppResult<(EventPayload, String)> {
    let old = ctx
        .store
        .eval_result(result_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("评价结果 {result_id} 不存在")))?;
    if old.status != ResultStatus::Published {
        return Err(AppError::invalid(format!(
            "评价结果 {result_id} {}，只有已发布的结果可以重新评价",
            old.status.label()
        )));
    }
    let r = &old.result;
    let model = ctx
        .store
        .eval_models()
        .await?
        .into_iter()
        .find(|m| m.id == r.model_id && m.version == r.model_version)
        .ok_or_else(|| {
            AppError::not_found(format!("评价模型 {} 第 {} 版", r.model_id, r.model_version))
        })?;
    let subject = ctx
        .store
        .subject(&r.subject_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("主体 {} 不存在", r.subject_id)))?;
    let period = Period::parse(&r.period).map_err(AppError::invalid)?;
    let facts = SubjectFacts {
        records: ctx.store.records_of_subject(&subject.id).await?,
        entries: ctx
            .store
            .list_entries(None)
            .await?
            .into_iter()
            .filter(|e| e.entry.subject_id.as_deref() == Some(subject.id.as_str()))
            .collect(),
        commitments: ctx.store.commitments(Some(&subject.id)).await?,
        inspections: ctx
            .store
            .inspection_results(&InspectionQuery {
                subject_id: Some(subject.id.clone()),
                ..InspectionQuery::default()
            })
            .await?,
        previous_grade: r.previous_grade.clone(),
    };
    let mut result = score_subject(&model, &r.run_id, period, r.as_of, &subject, &facts);
    // The original id and a random suffix: a result may be revised more than once.
    let base = r.id.split("/R").next().unwrap_or(&r.id);
    result.id = format!("{base}/R{}", &new_id()[28..]);
    let id = result.id.clone();
    Ok((
        EventPayload::EvalResultRevised {
            result,
            reason: reason.to_string(),
            application: application.map(str::to_string),
            on: ctx.today,
            valid_until: old.valid_until.unwrap_or(ctx.today),
        },
        id,
    ))
}

/// A subject's results in force on `day`, one per model (the latest period).
pub async fn grades_of(
    store: &dyn Store,
    subject_id: &str,
    day: NaiveDate,
) -> AppResult<Vec<EvalResultState>> {
    let page = store
        .eval_results(&EvalResultQuery {
            subject_id: Some(subject_id.to_string()),
            status: Some(ResultStatus::Published),
            limit: 100,
            ..EvalResultQuery::default()
        })
        .await?;
    let mut out: Vec<EvalResultState> = Vec::new();
    for s in page.items.into_iter().filter(|s| s.valid_on(day)) {
        if !out.iter().any(|o| o.result.model_id == s.result.model_id) {
            out.push(s);
        }
    }
    Ok(out)
}

/// A result as the public sees it: grade, period, validity, model and version, and the lines
/// (the facts are public records and list entries already); the code masked.
pub fn public_result_json(s: &EvalResultState) -> Value {
    let r = &s.result;
    let (name, code) = public_name_and_code(r);
    json!({
        "id": r.id,
        "subject_id": r.subject_id,
        "name": name,
        "code": code,
        "model_id": r.model_id,
        "model_version": r.model_version,
        "model_title": r.model_title,
        "example": r.example,
        "period": r.period,
        "score": r.score,
        "points": r.points,
        "grade": r.grade,
        "band": r.band,
        "explanation": r.explanation,
        "status": s.status.key(),
        "published_on": s.published_on,
        "valid_until": s.valid_until,
        "revision": s.revision,
        "lines": r.lines,
    })
}

/// A run as staff see it, with its clock.
pub fn run_json(s: &EvalRunState, today: NaiveDate) -> Value {
    json!({
        "id": s.run.id,
        "model_id": s.run.model_id,
        "model_version": s.run.model_version,
        "model_title": s.run.model_title,
        "period": s.run.period,
        "as_of": s.run.as_of,
        "unit": s.run.unit,
        "subjects": s.run.subjects,
        "ungraded": s.run.ungraded,
        "status": s.status.key(),
        "status_label": s.status.label(),
        "proposed_by": s.proposed_by,
        "proposed_on": s.proposed_on,
        "reviewed_by": s.reviewed_by,
        "review_comment": s.review_comment,
        "reviewed_on": s.reviewed_on,
        "due": s.due,
        "published_on": s.published_on,
        "published_late": s.published_late(),
        "overdue": s.overdue_on(today),
        "valid_until": s.valid_until,
    })
}

/// Name and code as the public may see them: a person's name and citizen ID masked.
pub fn public_name_and_code(r: &EvalResult) -> (String, Option<String>) {
    if r.natural_person {
        (
            xyjt_core::mask::mask_person_name(&r.subject_name),
            r.subject_code
                .as_deref()
                .map(xyjt_core::mask::mask_id_number),
        )
    } else {
        (r.subject_name.clone(), r.subject_code.clone())
    }
}

/// Where the copy of a published run to the supervising and sharing units stands: its outbox
/// message, whether it has been delivered, and whether on time (by the run's due day).
pub async fn copy_status(store: &dyn Store, run: &EvalRunState) -> AppResult<Option<Value>> {
    let items = store
        .outbox(Some(xyjt_store::OutboxChannel::Sharing), false)
        .await?;
    Ok(items
        .into_iter()
        .find(|i| i.reference == run.run.id)
        .map(|i| {
            // The delivery mark is an RFC 3339 time; its day (UTC+8) is what the clock compares.
            let delivered_on = i.delivered_at.as_deref().and_then(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .ok()
                    .map(|d| (d.with_timezone(&Utc) + Duration::hours(8)).date_naive())
            });
            json!({
                "outbox_id": i.id,
                "to": i.payload["to"],
                "queued_on": i.created_on,
                "delivered_at": i.delivered_at,
                "due": run.due,
                "on_time": match (delivered_on, run.due) {
                    (Some(d), Some(due)) => Some(d <= due),
                    _ => None,
                },
            })
        }))
}
