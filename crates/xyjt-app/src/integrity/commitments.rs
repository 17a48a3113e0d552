//! Government commitments (政务承诺): a department's public promises recorded and published, and
//! the check of each (履约核查). A broken promise becomes the department's 承诺未履行 dishonesty
//! record — with its rectification case — in the same transaction as the check.

use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use xyjt_core::integrity::commitment::{CommitmentCheck, GovCommitment, GovCommitmentState};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};

use super::{RecordInput, bad, validate_record};
use crate::{AppError, AppResult, Ctx, ErrorKind};

/// A commitment as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CommitmentInput {
    /// The department's 统一社会信用代码.
    pub department: String,
    /// 服务承诺 / 期限承诺 / 保障承诺 (policy).
    pub kind: String,
    pub content: String,
    /// Where it was made public (document number, page).
    pub published_in: String,
    #[schema(value_type = String, format = Date)]
    pub made_on: NaiveDate,
    /// The date it must be kept by, for a time-limit commitment.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<NaiveDate>,
}

/// Records (and publishes) a department's commitment.
pub async fn make_commitment(
    ctx: &Ctx<'_>,
    input: &CommitmentInput,
    by: &str,
) -> AppResult<GovCommitmentState> {
    let kinds = &ctx.policies.integrity.commitment_kinds;
    if !kinds.iter().any(|k| k == input.kind.trim()) {
        return Err(bad(
            "kind",
            format!(
                "承诺类型应为 {} 之一，收到“{}”",
                kinds.join("、"),
                input.kind.trim()
            ),
        ));
    }
    for (field, value, label) in [
        ("content", &input.content, "承诺内容"),
        ("published_in", &input.published_in, "公开载体"),
    ] {
        if value.trim().is_empty() {
            return Err(bad(field, format!("{label}不能为空")));
        }
    }
    if input.made_on > ctx.today {
        return Err(bad(
            "made_on",
            format!("承诺日期 {} 晚于今天 {}", input.made_on, ctx.today),
        ));
    }
    if input.due_on.is_some_and(|d| d < input.made_on) {
        return Err(bad("due_on", "履行期限早于承诺日期"));
    }
    let department = crate::workflows::registered_department(ctx, &input.department).await?;
    let commitment = GovCommitment {
        id: format!("GC-{}", new_id()),
        subject_id: department.id.clone(),
        department: department.name.clone(),
        code: department
            .uscc
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        kind: input.kind.trim().to_string(),
        content: input.content.trim().to_string(),
        published_in: input.published_in.trim().to_string(),
        made_on: input.made_on,
        due_on: input.due_on,
    };
    let id = commitment.id.clone();
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::GovCommitmentMade { commitment },
        )])
        .await?;
    commitment_or_404(ctx, &id).await
}

pub async fn commitment_or_404(ctx: &Ctx<'_>, id: &str) -> AppResult<GovCommitmentState> {
    ctx.store
        .gov_commitment(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("政务承诺 {id} 不存在")))
}

/// Checks a commitment once: kept, or broken — then recorded as 承诺未履行 by `checking_unit`.
pub async fn check_commitment(
    ctx: &Ctx<'_>,
    id: &str,
    fulfilled: bool,
    finding: &str,
    checking_unit: &str,
    by: &str,
) -> AppResult<GovCommitmentState> {
    let s = commitment_or_404(ctx, id).await?;
    if s.check.is_some() {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "already_checked",
            format!("政务承诺 {id} 已核查"),
        ));
    }
    if finding.trim().is_empty() {
        return Err(bad("finding", "核查情况不能为空"));
    }
    let c = &s.commitment;
    let mut events = Vec::new();
    let mut record_id = None;
    if !fulfilled {
        let input = RecordInput {
            archive: "部门".into(),
            code: c.code.clone(),
            category: "commitment-broken".into(),
            nature: "失信".into(),
            sanction: None,
            doc_no: format!("承诺核查 {}", c.id),
            decided_on: ctx.today,
            deciding_unit: checking_unit.trim().to_string(),
            facts: format!(
                "{}（{}，{}公开）未履行：{}",
                c.kind,
                c.content,
                c.published_in,
                finding.trim()
            ),
            basis: ctx
                .policies
                .integrity
                .category("commitment-broken")
                .map(|k| k.basis.clone())
                .unwrap_or_default(),
        };
        let record = validate_record(ctx, &input, &format!("commitment:{}", c.id)).await?;
        record_id = Some(record.id.clone());
        let case = crate::workflows::rectification_for(ctx, &record, by);
        events.push(NewEvent::new(
            by,
            Utc::now(),
            EventPayload::IntegrityRecorded { record },
        ));
        events.extend(case);
    }
    events.insert(
        0,
        NewEvent::new(
            by,
            Utc::now(),
            EventPayload::GovCommitmentChecked {
                commitment_id: id.to_string(),
                check: CommitmentCheck {
                    on: ctx.today,
                    fulfilled,
                    finding: finding.trim().to_string(),
                    by: by.to_string(),
                    record_id,
                },
            },
        )
        .with_subject(c.subject_id.clone()),
    );
    ctx.store.append(events).await?;
    commitment_or_404(ctx, id).await
}
