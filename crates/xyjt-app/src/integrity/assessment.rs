//! The half-yearly assessment of departments: each registered department's indicators from what
//! the platform knows (双公示 合规率 and 及时率 as reporting unit, objection and repair clocks of
//! its org unit, its integrity records) and the scores staff entered; published as a bulletin.

use std::collections::HashMap;

use chrono::Utc;
use serde_json::Value;
use xyjt_core::evaluation::Score;
use xyjt_core::integrity::ArchiveKind;
use xyjt_core::integrity::Nature;
use xyjt_core::integrity::assessment::{AssessmentResult, HalfYear, Source, rank, score};
use xyjt_core::integrity::commitment::kept_ratio;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::workflow::WorkflowKind;
use xyjt_store::AppQuery;

use crate::{AppError, AppResult, Ctx};

/// `on_time` of `due` as a score out of 100, rounded to hundredths.
fn on_time_score(on_time: u64, due: u64) -> Score {
    Score((on_time as i64 * 10_000 + due as i64 / 2) / due as i64)
}

fn rate(r: f64) -> Score {
    Score((r * 10_000.0).round() as i64)
}

/// Every registered department's result for the half year, ranked.
pub async fn assess(ctx: &Ctx<'_>, period: &str) -> AppResult<Vec<AssessmentResult>> {
    let half = HalfYear::parse(period).map_err(AppError::invalid)?;
    let model = &ctx.policies.assessment;
    let (from, to) = (half.first_day(), half.last_day());
    let months = half.months();
    // 双公示 intake per reporting unit over the half year.
    let mut intake: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for c in ctx.store.intake_counts().await? {
        if months.contains(&c.month) {
            let e = intake.entry(c.unit_code).or_default();
            e.0 += c.accepted;
            e.1 += c.rejected;
            e.2 += c.late;
        }
    }
    // Workflow clocks of applications filed in the half year, per org unit.
    let apps: Vec<_> = ctx
        .store
        .applications(&AppQuery::default())
        .await?
        .into_iter()
        .filter(|a| a.app.filed_on >= from && a.app.filed_on <= to)
        .collect();
    let (credit_apps, complaints): (Vec<_>, Vec<_>) = apps
        .into_iter()
        .filter(|a| a.app.kind != WorkflowKind::Rectification)
        .partition(|a| a.app.kind != WorkflowKind::Complaint);
    let mut clocks: HashMap<String, (u64, u64)> = HashMap::new();
    for t in
        xyjt_core::stats::on_time_rates(&credit_apps, ctx.calendar, ctx.today, ctx.policy.near_due)
    {
        let e = clocks.entry(t.unit).or_default();
        e.0 += t.done_on_time;
        e.1 += t.done_on_time + t.done_late + t.overdue;
    }
    // 政务公开 items whose publication clock started in the half year.
    let disclosure_items: Vec<_> = ctx
        .store
        .disclosure_items(&xyjt_store::DisclosureQuery::default())
        .await?
        .into_iter()
        .filter(|i| {
            i.item
                .deadline
                .as_ref()
                .is_some_and(|d| d.from_on >= from && d.from_on <= to)
        })
        .collect();
    // Clocks due and kept, computed once: complaints by the department complained about,
    // 政务公开 deadlines by publishing unit.
    let near = ctx.policy.near_due;
    let mut by_subject: HashMap<String, Vec<_>> = HashMap::new();
    for a in complaints {
        if let Some(s) = a.app.subject_id.clone() {
            by_subject.entry(s).or_default().push(a);
        }
    }
    let complaint_clocks: HashMap<String, (u64, u64)> = by_subject
        .into_iter()
        .map(|(subject, apps)| {
            let tally = xyjt_core::stats::on_time_rates(&apps, ctx.calendar, ctx.today, near)
                .into_iter()
                .fold((0, 0), |(k, n), t| {
                    (
                        k + t.done_on_time,
                        n + t.done_on_time + t.done_late + t.overdue,
                    )
                });
            (subject, tally)
        })
        .collect();
    let disclosure_clocks: HashMap<String, (u64, u64)> = xyjt_core::disclosure::on_time_rates(
        &disclosure_items,
        ctx.calendar,
        ctx.today,
        ctx.policies.disclosure.near_due,
    )
    .into_iter()
    .map(|t| {
        (
            t.unit,
            (t.done_on_time, t.done_on_time + t.done_late + t.overdue),
        )
    })
    .collect();
    let mut entered: HashMap<(String, String), (Score, String)> = HashMap::new();
    for (subject, indicator, value, note) in ctx.store.assessment_scores(&half.to_string()).await? {
        entered.insert((subject, indicator), (value, note));
    }
    let policy = &ctx.policies.integrity;
    let mut results = Vec::new();
    for reg in ctx.store.registrations(Some("approved")).await? {
        if reg.registration.archive != Some(ArchiveKind::Department) {
            continue;
        }
        let subject = &reg.registration.subject;
        let code = subject
            .uscc
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default();
        let records = ctx.store.integrity_records(Some(&subject.id), None).await?;
        let org_unit = ctx
            .policies
            .org
            .units
            .iter()
            .find(|u| u.name == subject.name);
        let mut values = Vec::new();
        for i in &model.indicators {
            let v = match &i.source {
                Source::ShuanggongshiCompliance | Source::ShuanggongshiTimeliness => {
                    match intake.get(&code) {
                        Some((a, r, l)) => {
                            let s = xyjt_core::stats::IntakeStats::new(*a, *r, *l);
                            let (value, what) =
                                if matches!(i.source, Source::ShuanggongshiCompliance) {
                                    (s.compliance_rate, "合规")
                                } else {
                                    (s.timeliness_rate, "及时")
                                };
                            (
                                value.map(rate),
                                format!(
                                    "报送 {} 条，有效 {}，迟报 {}（{what}率）",
                                    s.received, s.accepted, s.late
                                ),
                            )
                        }
                        None => (None, "本期没有该单位报送的双公示数据".into()),
                    }
                }
                Source::WorkflowOnTime => match org_unit.and_then(|u| clocks.get(&u.id)) {
                    Some((on_time, due)) if *due > 0 => (
                        Some(on_time_score(*on_time, *due)),
                        format!("到期 {due} 个办理时限，按期 {on_time} 个"),
                    ),
                    _ => (None, "本期没有到期的异议或信用修复办理时限".into()),
                },
                Source::DishonestyRecords { per_record } => {
                    let n = records
                        .iter()
                        .filter(|s| s.counts_as_dishonest() && s.record.decided_on <= to)
                        .filter(|s| s.effect_until(policy).is_none_or(|u| u >= from))
                        .count() as i64;
                    (
                        Some(Score((10_000 - per_record.0 * n).max(0))),
                        format!("本期有效的政务失信记录 {n} 条，每条扣 {per_record} 分"),
                    )
                }
                Source::GoodRecords { per_record } => {
                    let n = records
                        .iter()
                        .filter(|s| s.record.nature == Nature::Good)
                        .filter(|s| s.record.decided_on >= from && s.record.decided_on <= to)
                        .count() as i64;
                    (
                        Some(Score((per_record.0 * n).min(10_000))),
                        format!("本期守信表彰 {n} 条，每条 {per_record} 分"),
                    )
                }
                Source::ComplaintsOnTime => match complaint_clocks.get(&subject.id) {
                    Some((on_time, due)) if *due > 0 => (
                        Some(on_time_score(*on_time, *due)),
                        format!("到期投诉 {due} 件，按期答复 {on_time} 件"),
                    ),
                    _ => (None, "本期没有到期的投诉答复时限".into()),
                },
                Source::CommitmentsKept => {
                    let states = ctx.store.gov_commitments(Some(&subject.id)).await?;
                    match kept_ratio(&states, from, to) {
                        (_, 0) => (None, "本期没有核查的政务承诺".into()),
                        (kept, checked) => (
                            Some(Score(
                                (kept as i64 * 10_000 + checked as i64 / 2) / checked as i64,
                            )),
                            format!("本期核查政务承诺 {checked} 项，已履行 {kept} 项"),
                        ),
                    }
                }
                Source::DisclosureOnTime => {
                    match org_unit.and_then(|u| disclosure_clocks.get(&u.id)) {
                        Some((on_time, due)) if *due > 0 => (
                            Some(on_time_score(*on_time, *due)),
                            format!("有公开时限的政务公开信息 {due} 条，按期 {on_time} 条"),
                        ),
                        _ => (None, "本期没有到期的政务公开时限".into()),
                    }
                }
                Source::Entered => match entered.get(&(subject.id.clone(), i.id.clone())) {
                    Some((v, note)) => (Some(*v), format!("录入：{note}")),
                    None => (None, "未录入".into()),
                },
            };
            values.push(v);
        }
        results.push(score(model, &subject.id, &subject.name, &code, &values));
    }
    rank(&mut results);
    Ok(results)
}

/// Enters a staff score (0–100) for a department's indicator of source `entered`.
pub async fn enter_score(
    ctx: &Ctx<'_>,
    period: &str,
    code: &str,
    indicator: &str,
    value: &str,
    note: &str,
    by: &str,
) -> AppResult<()> {
    let half = HalfYear::parse(period).map_err(AppError::invalid)?;
    let model = &ctx.policies.assessment;
    let i = model
        .indicators
        .iter()
        .find(|i| i.id == indicator)
        .ok_or_else(|| AppError::invalid(format!("考核指标“{indicator}”不存在")))?;
    if i.source != Source::Entered {
        return Err(AppError::invalid(format!(
            "考核指标“{}”由平台计算，不能录入",
            i.label
        )));
    }
    let value = Score::parse(value).map_err(AppError::invalid)?;
    if value < Score::ZERO || value > Score::from_int(100) {
        return Err(AppError::invalid(format!("分值 {value} 应在 0–100 之间")));
    }
    let parsed = xyjt_core::ident::check(code)
        .result
        .map_err(|e| AppError::invalid(format!("统一社会信用代码无效：{e}")))?;
    let subject = ctx
        .store
        .subject_by_code(&parsed)
        .await?
        .ok_or_else(|| AppError::not_found(format!("部门 {code} 未登记")))?;
    if !matches!(
        ctx.store.gov_subject(&subject.id).await?,
        Some((ArchiveKind::Department, _, _))
    ) {
        return Err(AppError::invalid(format!(
            "{} 不是已登记的部门",
            subject.name
        )));
    }
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::AssessmentScoreEntered {
                period: half.to_string(),
                subject_id: subject.id,
                indicator: indicator.to_string(),
                value,
                note: note.trim().to_string(),
                by: by.to_string(),
            },
        )])
        .await?;
    Ok(())
}

/// Publishes the half-year's bulletin (通报) as assessed now.
pub async fn publish(ctx: &Ctx<'_>, period: &str, by: &str) -> AppResult<Vec<AssessmentResult>> {
    let results = assess(ctx, period).await?;
    if results.is_empty() {
        return Err(AppError::invalid("没有已登记的部门，无法发布考核通报"));
    }
    let half = HalfYear::parse(period).map_err(AppError::invalid)?;
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::AssessmentPublished {
                period: half.to_string(),
                model_version: ctx.policies.assessment.version,
                results: results.clone(),
                on: ctx.today,
            },
        )])
        .await?;
    Ok(results)
}

/// The published bulletin of a half year.
pub async fn bulletin(ctx: &Ctx<'_>, period: &str) -> AppResult<Value> {
    let half = HalfYear::parse(period).map_err(AppError::invalid)?;
    ctx.store
        .assessment(&half.to_string())
        .await?
        .ok_or_else(|| AppError::not_found(format!("{half} 的考核通报尚未发布")))
}
