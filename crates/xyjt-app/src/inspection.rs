//! Graded, randomised supervision (双随机一公开): inspector pools, draws anyone can replay,
//! inspection results, the quarterly coverage of seriously dishonest subjects. RULES.md §7.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use xyjt_core::inspection::{
    DRAW_INPUT_KINDS, DrawInputs, DrawRecord, DrawRequest, InspectionOutcome, InspectionResult,
    Inspector, Quarter, decode_seed, draw as make_draw, first_difference,
};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_store::{InspectionQuery, Store};

use crate::{AppError, AppResult, Ctx};

/// Replaces a unit's inspector pool (执法检查人员名录库).
pub async fn set_pool(
    ctx: &Ctx<'_>,
    unit: &str,
    inspectors: Vec<Inspector>,
    by: &str,
) -> AppResult<()> {
    if ctx.policies.org.unit(unit).is_none() {
        return Err(AppError::invalid(format!("单位 {unit} 不在组织机构中")));
    }
    let mut ids = std::collections::HashSet::new();
    for i in &inspectors {
        if i.id.trim().is_empty() || i.name.trim().is_empty() {
            return Err(AppError::invalid("检查人员的编号和姓名不能为空"));
        }
        if !ids.insert(i.id.as_str()) {
            return Err(AppError::invalid(format!("检查人员编号 {} 重复", i.id)));
        }
    }
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::InspectorPoolSet {
                unit: unit.to_string(),
                inspectors,
            },
        )])
        .await?;
    Ok(())
}

/// Folds the draw inputs from the ledger up to `snapshot_seq`.
pub async fn inputs_at(store: &dyn Store, snapshot_seq: i64) -> AppResult<DrawInputs> {
    let mut inputs = DrawInputs::default();
    let mut after = 0;
    loop {
        let page = store
            .events_of_kinds(DRAW_INPUT_KINDS, after, snapshot_seq, 10_000)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            let payload = e.typed().map_err(|err| {
                AppError::new(
                    crate::ErrorKind::Internal,
                    "corrupt_event",
                    format!("账本事件 {} 无法解析：{err}", e.seq),
                )
            })?;
            inputs.apply(e.seq, &payload);
        }
    }
    Ok(inputs)
}

/// A fresh 32-byte seed from the operating system.
fn fresh_seed() -> Vec<u8> {
    // Two v4 UUIDs: 244 random bits from the OS generator, enough for a draw seed.
    let mut seed = Vec::with_capacity(32);
    seed.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed
}

/// Makes and records a draw: the seed's hash first (that event's sequence number is the
/// snapshot), then the draw with the seed revealed.
pub async fn draw(
    ctx: &Ctx<'_>,
    quarter: &str,
    unit: &str,
    seed_hex: Option<&str>,
    by: &str,
) -> AppResult<DrawRecord> {
    let quarter = Quarter::parse(quarter).map_err(AppError::invalid)?;
    if ctx.policies.org.unit(unit).is_none() {
        return Err(AppError::invalid(format!("单位 {unit} 不在组织机构中")));
    }
    let seed = match seed_hex {
        Some(h) => decode_seed(h).map_err(|e| AppError::invalid(e.to_string()))?,
        None => fresh_seed(),
    };
    // A draw never fails half-way for a reason known before the commitment: check the pool.
    let pools = ctx.store.inspector_pools().await?;
    if !pools.iter().any(|(u, p)| u == unit && !p.is_empty()) {
        return Err(AppError::invalid(format!(
            "单位 {unit} 还没有检查人员库，请先登记检查人员"
        )));
    }
    let id = format!("DR-{quarter}-{unit}-{}", &new_id()[28..]);
    let committed = ctx
        .store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::InspectionSeedCommitted {
                draw_id: id.clone(),
                quarter: quarter.to_string(),
                unit: unit.to_string(),
                seed_sha256: xyjt_core::canonical::sha256_hex(&seed),
            },
        )])
        .await?;
    let snapshot_seq = committed[0].seq;
    let inputs = inputs_at(ctx.store, snapshot_seq).await?;
    let record = make_draw(
        &DrawRequest {
            id: id.clone(),
            quarter,
            unit: unit.to_string(),
            seed: &seed,
            snapshot_seq,
            drawn_on: ctx.today,
        },
        &ctx.policies.inspection,
        &inputs,
    )
    .map_err(|e| AppError::invalid(e.to_string()))?;
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::InspectionDrawn {
                draw: record.clone(),
            },
        )])
        .await?;
    Ok(record)
}

/// What was committed before a draw: the seed's hash, at a ledger position (the snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub seed_sha256: String,
    pub seq: i64,
}

/// The recorded draw with its seed commitment, from the ledger itself.
pub async fn recorded_draw(store: &dyn Store, id: &str) -> AppResult<(DrawRecord, Commitment)> {
    let mut committed = None;
    let mut drawn = None;
    for e in store.events_of(id).await? {
        match e.typed() {
            Ok(EventPayload::InspectionSeedCommitted { seed_sha256, .. }) => {
                committed = Some(Commitment {
                    seed_sha256,
                    seq: e.seq,
                })
            }
            Ok(EventPayload::InspectionDrawn { draw }) => drawn = Some(draw),
            _ => {}
        }
    }
    match (drawn, committed) {
        (Some(d), Some(c)) => Ok((d, c)),
        _ => Err(AppError::not_found(format!("抽查 {id} 不存在或尚未抽取"))),
    }
}

/// Recomputes a draw from its seed and snapshot: `None` when identical, else the first
/// difference in words.
pub async fn replay_record(
    ctx: &Ctx<'_>,
    record: &DrawRecord,
    committed: &Commitment,
) -> AppResult<Option<String>> {
    if record.seed_sha256 != committed.seed_sha256 {
        return Ok(Some("记录的种子哈希与事先登记的不同".into()));
    }
    if record.snapshot_seq != committed.seq {
        return Ok(Some(format!(
            "记录的数据快照 #{} 不是种子登记时的账本位置 #{}",
            record.snapshot_seq, committed.seq
        )));
    }
    let seed = match decode_seed(&record.seed) {
        Ok(s) => s,
        Err(e) => return Ok(Some(format!("记录的种子无效：{e}"))),
    };
    if ctx.policies.inspection.version != record.policy_version {
        return Ok(Some(format!(
            "抽查时按随机抽查事项清单第 {} 版，现行为第 {} 版：请用当时的政策文件重放",
            record.policy_version, ctx.policies.inspection.version
        )));
    }
    let quarter = Quarter::parse(&record.quarter).map_err(AppError::invalid)?;
    let inputs = inputs_at(ctx.store, record.snapshot_seq).await?;
    let again = make_draw(
        &DrawRequest {
            id: record.id.clone(),
            quarter,
            unit: record.unit.clone(),
            seed: &seed,
            snapshot_seq: record.snapshot_seq,
            drawn_on: record.drawn_on,
        },
        &ctx.policies.inspection,
        &inputs,
    );
    Ok(match again {
        Ok(again) => first_difference(record, &again),
        Err(e) => Some(format!("按记录的种子和快照重算失败：{e}")),
    })
}

pub async fn replay(ctx: &Ctx<'_>, id: &str) -> AppResult<Option<String>> {
    let (record, committed) = recorded_draw(ctx.store, id).await?;
    replay_record(ctx, &record, &committed).await
}

/// What is recorded for an inspection.
#[derive(Debug, Clone)]
pub struct ResultInput {
    pub draw_id: Option<String>,
    pub task_no: Option<u32>,
    /// For an inspection outside a draw (a subject of the quarter's plan).
    pub subject_id: Option<String>,
    pub outcome: InspectionOutcome,
    pub note: String,
    pub on: NaiveDate,
}

/// Records an inspection's result; a drawn task's result is recorded once.
pub async fn record_result(
    ctx: &Ctx<'_>,
    input: ResultInput,
    unit: &str,
    by: &str,
) -> AppResult<InspectionResult> {
    if input.note.trim().is_empty() {
        return Err(AppError::invalid("检查情况（note）不能为空"));
    }
    if input.on > ctx.today {
        return Err(AppError::invalid(format!("检查日期 {} 晚于今天", input.on)));
    }
    let (subject_id, name, item_id, inspectors) = match (
        &input.draw_id,
        input.task_no,
        &input.subject_id,
    ) {
        (Some(draw_id), Some(no), _) => {
            let (record, _) = recorded_draw(ctx.store, draw_id).await?;
            if record.unit != unit {
                return Err(AppError::forbidden(format!(
                    "抽查 {draw_id} 由 {} 组织，本单位不能登记其结果",
                    record.unit
                )));
            }
            let task =
                record.tasks.iter().find(|t| t.no == no).ok_or_else(|| {
                    AppError::not_found(format!("抽查 {draw_id} 没有第 {no} 项任务"))
                })?;
            let done = ctx
                .store
                .inspection_results(&InspectionQuery {
                    draw_id: Some(draw_id.clone()),
                    ..InspectionQuery::default()
                })
                .await?;
            if done.iter().any(|r| r.task_no == Some(no)) {
                return Err(AppError::new(
                    crate::ErrorKind::Conflict,
                    "already_recorded",
                    format!("抽查 {draw_id} 第 {no} 项任务的结果已登记"),
                ));
            }
            (
                task.subject_id.clone(),
                task.name.clone(),
                task.item_id.clone(),
                task.inspectors.clone(),
            )
        }
        (None, None, Some(subject_id)) => {
            let s = ctx
                .store
                .subject(subject_id)
                .await?
                .ok_or_else(|| AppError::not_found(format!("主体 {subject_id} 不存在")))?;
            (
                s.id,
                s.name,
                ctx.policies.inspection.serious.item_id.clone(),
                Vec::new(),
            )
        }
        _ => {
            return Err(AppError::invalid(
                "请给出抽查编号和任务序号（draw_id、task_no），或计划内检查的主体（subject_id）",
            ));
        }
    };
    let result = InspectionResult {
        id: format!("IR-{}", new_id()),
        draw_id: input.draw_id,
        task_no: input.task_no,
        subject_id,
        subject_name: name,
        item_id,
        outcome: input.outcome,
        note: input.note.trim().to_string(),
        unit: unit.to_string(),
        inspectors,
        on: input.on,
    };
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::InspectionRecorded {
                result: result.clone(),
            },
        )])
        .await?;
    Ok(result)
}

/// A seriously dishonest subject of a quarter's plan and whether it has been inspected.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub subject_id: String,
    pub name: String,
    pub entry_id: String,
    pub inspected_on: Option<NaiveDate>,
    /// Not inspected and the quarter is over.
    pub overdue: bool,
}

/// Every subject on the blacklist during the quarter, with its inspection in the quarter.
pub async fn coverage(ctx: &Ctx<'_>, quarter: &str) -> AppResult<Vec<CoverageRow>> {
    let q = Quarter::parse(quarter).map_err(AppError::invalid)?;
    let (from, to) = (q.first_day(), q.last_day());
    let list = &ctx.policies.inspection.serious.list;
    let inspected = ctx
        .store
        .inspection_results(&InspectionQuery {
            from: Some(from),
            to: Some(to),
            ..InspectionQuery::default()
        })
        .await?;
    let mut rows: Vec<CoverageRow> = Vec::new();
    for e in ctx.store.list_entries(Some(list)).await? {
        let Some(subject_id) = e.entry.subject_id.clone() else {
            continue;
        };
        let during = e.published_on.is_some_and(|p| p <= to)
            && e.entry.entry_date <= to
            && e.entry.valid_until.is_none_or(|u| u >= from)
            && e.ended.is_none_or(|(_, on)| on > from);
        if !during || rows.iter().any(|r| r.subject_id == subject_id) {
            continue;
        }
        let inspected_on = inspected
            .iter()
            .filter(|r| r.subject_id == subject_id)
            .map(|r| r.on)
            .min();
        rows.push(CoverageRow {
            overdue: inspected_on.is_none() && ctx.today > to,
            subject_id,
            name: e.entry.name.clone(),
            entry_id: e.entry.id.clone(),
            inspected_on,
        });
    }
    rows.sort_by(|a, b| {
        (a.inspected_on.is_some(), &a.name).cmp(&(b.inspected_on.is_some(), &b.name))
    });
    Ok(rows)
}
