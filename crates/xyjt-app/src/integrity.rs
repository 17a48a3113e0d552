//! Government integrity (政务诚信): direct registration of subjects with maker-checker,
//! government-integrity records, fault-tolerance findings (容错纠错), the public view of a
//! department. RULES.md §9.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use xyjt_core::ident::{Code, check as check_code};
use xyjt_core::integrity::{
    ArchiveKind, IntegrityRecord, IntegrityState, Nature, Registration, RegistrationState,
    check_department_code,
};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::lists::DecisionPoint;
use xyjt_core::policies::Policies;
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_core::workflow::WorkflowKind;

use crate::{AppError, AppResult, Ctx, ErrorKind};

/// What is registered: 部门, 公务人员, 企业 (any organisation), 个人.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    /// 部门 / 公务人员 / 企业 / 个人
    pub kind: String,
    pub name: String,
    /// USCC (部门, 企业) or citizen ID (公务人员, 个人).
    pub code: String,
    /// 公务人员: 所在单位.
    #[serde(default)]
    pub unit: Option<String>,
    /// 公务人员: 职务.
    #[serde(default)]
    pub post: Option<String>,
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(message).with_detail(json!({"field": field}))
}

/// Proposes a registration; another person reviews it.
pub async fn propose_registration(
    ctx: &Ctx<'_>,
    input: &RegistrationInput,
    by: &str,
) -> AppResult<RegistrationState> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(bad("name", "名称不能为空"));
    }
    let code = check_code(&input.code)
        .result
        .map_err(|e| bad("code", format!("证件号码无效：{e}")))?;
    let (archive, kind) = match input.kind.trim() {
        "部门" | "机关" | "department" => {
            (Some(ArchiveKind::Department), PartyCategory::LegalPerson)
        }
        "公务人员" | "公务员" | "civil_servant" => (
            Some(ArchiveKind::CivilServant),
            PartyCategory::NaturalPerson,
        ),
        "企业" | "组织" | "company" => (None, PartyCategory::LegalPerson),
        "个人" | "自然人" | "person" => (None, PartyCategory::NaturalPerson),
        other => {
            return Err(bad(
                "kind",
                format!("主体类别“{other}”无效，应为 部门、公务人员、企业 或 个人"),
            ));
        }
    };
    let mut subject = Subject {
        id: new_id(),
        kind,
        name: name.to_string(),
        uscc: None,
        org_code: None,
        reg_no: None,
        citizen_id: None,
    };
    match (&code, kind) {
        (Code::Uscc(u), PartyCategory::LegalPerson) => {
            if archive == Some(ArchiveKind::Department) {
                check_department_code(u).map_err(|e| bad("code", e))?;
            }
            subject.uscc = Some(u.clone());
        }
        (Code::CitizenId(c), PartyCategory::NaturalPerson) => subject.citizen_id = Some(c.clone()),
        _ => {
            return Err(bad(
                "code",
                format!(
                    "{} 应使用{}",
                    input.kind.trim(),
                    if kind == PartyCategory::LegalPerson {
                        "统一社会信用代码"
                    } else {
                        "公民身份号码"
                    }
                ),
            ));
        }
    }
    if archive == Some(ArchiveKind::CivilServant)
        && input.unit.as_deref().is_none_or(|u| u.trim().is_empty())
    {
        return Err(bad("unit", "公务人员须写明所在单位"));
    }
    if let Some(existing) = ctx.store.subject_by_code(&code).await? {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "already_registered",
            format!(
                "{} 已登记为 {}（{}）",
                code.as_str(),
                existing.name,
                existing.id
            ),
        ));
    }
    let registration = Registration {
        id: format!("REG-{}", new_id()),
        subject,
        archive,
        unit: input.unit.as_deref().map(str::trim).map(str::to_string),
        post: input.post.as_deref().map(str::trim).map(str::to_string),
        proposed_by: by.to_string(),
    };
    let id = registration.id.clone();
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::RegistrationProposed { registration },
        )])
        .await?;
    registration_or_404(ctx, &id).await
}

async fn registration_or_404(ctx: &Ctx<'_>, id: &str) -> AppResult<RegistrationState> {
    ctx.store
        .registration(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("主体登记 {id} 不存在")))
}

/// Reviews a registration (not by its proposer); an approval registers the subject in the same
/// transaction.
pub async fn review_registration(
    ctx: &Ctx<'_>,
    id: &str,
    by: &str,
    approved: bool,
    comment: &str,
) -> AppResult<RegistrationState> {
    let s = registration_or_404(ctx, id).await?;
    if s.registration.proposed_by == by {
        return Err(AppError::forbidden(
            "谁生产、谁审核：主体登记须由提出人以外的人员审核",
        ));
    }
    if s.status != "proposed" {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "already_reviewed",
            format!("主体登记 {id} 已审核"),
        ));
    }
    if approved
        && let Some(code) = s.registration.subject.codes().first()
        && ctx.store.subject_by_code(code).await?.is_some()
    {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "already_registered",
            format!("{} 已登记", code.as_str()),
        ));
    }
    let now = Utc::now();
    let mut events = vec![NewEvent::new(
        by,
        now,
        EventPayload::RegistrationReviewed {
            registration_id: id.to_string(),
            by: by.to_string(),
            approved,
            comment: comment.trim().to_string(),
        },
    )];
    if approved {
        events.push(NewEvent::new(
            by,
            now,
            EventPayload::SubjectRegistered {
                subject: s.registration.subject.clone(),
            },
        ));
    }
    ctx.store.append(events).await?;
    registration_or_404(ctx, id).await
}

/// One government-integrity record as entered or imported.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RecordInput {
    /// 部门 / 公务人员
    pub archive: String,
    /// USCC of the department, citizen ID of the civil servant.
    pub code: String,
    /// 记录类别 (id or label, e.g. 纪律处分).
    pub category: String,
    /// 失信 / 守信; must agree with the category.
    pub nature: String,
    /// The sanction, where the category has them (警告, 记过 …).
    #[serde(default)]
    pub sanction: Option<String>,
    /// 决定文号
    pub doc_no: String,
    /// 决定日期
    #[schema(value_type = String, format = Date)]
    pub decided_on: NaiveDate,
    /// 认定单位
    pub deciding_unit: String,
    pub facts: String,
    pub basis: String,
}

/// What recording did: a new record, or the same one already there (re-import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Recorded {
    New(String),
    Unchanged(String),
}

/// A record's fields checked against the policy (no store): everything but the subject.
#[derive(Debug, Clone)]
pub struct CheckedFields {
    pub archive: ArchiveKind,
    pub code: Code,
    pub category: String,
    pub nature: Nature,
    pub sanction: Option<String>,
}

/// Checks a record's fields against the policy and `today` (errors name the field).
pub fn check_fields(
    policies: &Policies,
    input: &RecordInput,
    today: NaiveDate,
) -> AppResult<CheckedFields> {
    let policy = &policies.integrity;
    let archive = ArchiveKind::from_label(&input.archive).ok_or_else(|| {
        bad(
            "archive",
            format!("主体类别“{}”无效，应为 部门 或 公务人员", input.archive),
        )
    })?;
    let code = check_code(&input.code)
        .result
        .map_err(|e| bad("code", format!("证件号码无效：{e}")))?;
    match (&code, archive) {
        (Code::Uscc(u), ArchiveKind::Department) => {
            check_department_code(u).map_err(|e| bad("code", e))?
        }
        (Code::CitizenId(_), ArchiveKind::CivilServant) => {}
        _ => {
            return Err(bad(
                "code",
                match archive {
                    ArchiveKind::Department => {
                        "部门应使用机关、事业单位或群团组织的统一社会信用代码"
                    }
                    ArchiveKind::CivilServant => "公务人员应使用公民身份号码",
                },
            ));
        }
    }
    let category = policy
        .category(&input.category)
        .ok_or_else(|| bad("category", format!("记录类别“{}”不存在", input.category)))?;
    if !category.applies_to.contains(&archive) {
        return Err(bad(
            "category",
            format!("记录类别“{}”不适用于{}", category.label, archive.label()),
        ));
    }
    let nature = Nature::from_label(&input.nature).ok_or_else(|| {
        bad(
            "nature",
            format!("记录性质“{}”无效，应为 失信 或 守信", input.nature),
        )
    })?;
    if nature != category.nature {
        return Err(bad(
            "nature",
            format!(
                "记录类别“{}”的性质是{}",
                category.label,
                category.nature.label()
            ),
        ));
    }
    let sanction = input
        .sanction
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (sanction, category.sanctions.is_empty()) {
        (Some(s), false) if !category.sanctions.iter().any(|x| x.name == s) => {
            return Err(bad(
                "sanction",
                format!(
                    "“{s}”不是{}的处分种类（应为 {}）",
                    category.label,
                    category
                        .sanctions
                        .iter()
                        .map(|x| x.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
        }
        (None, false) => {
            return Err(bad("sanction", format!("{}须写明处分种类", category.label)));
        }
        (Some(_), true) => {
            return Err(bad("sanction", format!("{}没有处分种类", category.label)));
        }
        _ => {}
    }
    if input.doc_no.trim().is_empty() {
        return Err(bad("doc_no", "决定文号不能为空"));
    }
    if input.decided_on > today {
        return Err(bad(
            "decided_on",
            format!("决定日期 {} 晚于 {today}", input.decided_on),
        ));
    }
    if input.deciding_unit.trim().is_empty() {
        return Err(bad("deciding_unit", "认定单位不能为空"));
    }
    Ok(CheckedFields {
        archive,
        code,
        category: category.id.clone(),
        nature,
        sanction: sanction.map(str::to_string),
    })
}

/// The record for a checked input and its (registered) subject.
pub fn build_record(
    input: &RecordInput,
    f: &CheckedFields,
    subject: &Subject,
    unit: Option<String>,
    post: Option<String>,
    source: &str,
) -> IntegrityRecord {
    IntegrityRecord {
        id: format!("GI-{}", new_id()),
        subject_id: subject.id.clone(),
        archive: f.archive,
        name: subject.name.clone(),
        code: f.code.as_str().to_string(),
        unit,
        post,
        category: f.category.clone(),
        nature: f.nature,
        sanction: f.sanction.clone(),
        doc_no: input.doc_no.trim().to_string(),
        decided_on: input.decided_on,
        deciding_unit: input.deciding_unit.trim().to_string(),
        facts: input.facts.trim().to_string(),
        basis: input.basis.trim().to_string(),
        source: source.to_string(),
    }
}

/// Validates a record against the policy and the archive (errors name the field), without
/// writing; the subject must be registered in that archive.
pub async fn validate_record(
    ctx: &Ctx<'_>,
    input: &RecordInput,
    source: &str,
) -> AppResult<IntegrityRecord> {
    let f = check_fields(ctx.policies, input, ctx.today)?;
    let subject = ctx.store.subject_by_code(&f.code).await?.ok_or_else(|| {
        bad(
            "code",
            format!(
                "{} 尚未登记，请先登记该{}",
                f.code.as_str(),
                f.archive.label()
            ),
        )
    })?;
    let (unit, post) = match ctx.store.gov_subject(&subject.id).await? {
        Some((a, unit, post)) if a == f.archive => (unit, post),
        _ => {
            return Err(bad(
                "code",
                format!("{} 不是已登记的{}", subject.name, f.archive.label()),
            ));
        }
    };
    Ok(build_record(input, &f, &subject, unit, post, source))
}

/// Whether two records say the same (a re-import of the same row).
pub fn same_record(a: &IntegrityRecord, b: &IntegrityRecord) -> bool {
    (
        &a.subject_id,
        &a.category,
        &a.sanction,
        a.decided_on,
        &a.facts,
        &a.basis,
    ) == (
        &b.subject_id,
        &b.category,
        &b.sanction,
        b.decided_on,
        &b.facts,
        &b.basis,
    )
}

/// Records a government-integrity record; the same record again (deciding unit and document
/// number, same content) changes nothing; different content under the same number is refused.
pub async fn record(
    ctx: &Ctx<'_>,
    input: &RecordInput,
    source: &str,
    by: &str,
) -> AppResult<Recorded> {
    let record = validate_record(ctx, input, source).await?;
    if let Some(existing) = ctx
        .store
        .integrity_by_key(&record.deciding_unit, &record.doc_no)
        .await?
    {
        fn same(r: &IntegrityRecord) -> (&str, &str, Option<&str>, NaiveDate, &str, &str) {
            (
                &r.subject_id,
                &r.category,
                r.sanction.as_deref(),
                r.decided_on,
                &r.facts,
                &r.basis,
            )
        }
        if same(&existing.record) == same(&record) {
            return Ok(Recorded::Unchanged(existing.record.id));
        }
        return Err(AppError::new(
            ErrorKind::Conflict,
            "conflicting_record",
            format!(
                "{} 的 {} 已记录且内容不同：请以新的决定文号记录更正",
                record.deciding_unit, record.doc_no
            ),
        ));
    }
    let id = record.id.clone();
    // A department's dishonesty record opens its rectification case in the same transaction.
    let case = crate::workflows::rectification_for(ctx, &record, by);
    let mut events = vec![NewEvent::new(
        by,
        Utc::now(),
        EventPayload::IntegrityRecorded { record },
    )];
    events.extend(case);
    ctx.store.append(events).await?;
    Ok(Recorded::New(id))
}

pub async fn record_or_404(ctx: &Ctx<'_>, id: &str) -> AppResult<IntegrityState> {
    ctx.store
        .integrity_record(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("政务诚信记录 {id} 不存在")))
}

/// Proposes a fault-tolerance finding (容错纠错) for a dishonesty record.
pub async fn propose_tolerance(
    ctx: &Ctx<'_>,
    record_id: &str,
    reasons: &str,
    basis: &str,
    evidence: Vec<String>,
    by: &str,
) -> AppResult<IntegrityState> {
    let s = record_or_404(ctx, record_id).await?;
    if s.record.nature != Nature::Dishonest {
        return Err(AppError::invalid("容错纠错只适用于失信记录"));
    }
    if reasons.trim().is_empty() || basis.trim().is_empty() {
        return Err(AppError::invalid("容错认定须写明理由和依据"));
    }
    if s.tolerance
        .as_ref()
        .is_some_and(|t| t.approved || t.reviewed_by.is_none())
    {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "tolerance_exists",
            format!("政务诚信记录 {record_id} 已有容错认定（待审核或已认定）"),
        ));
    }
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::ToleranceProposed {
                record_id: record_id.to_string(),
                reasons: reasons.trim().to_string(),
                basis: basis.trim().to_string(),
                evidence,
                by: by.to_string(),
            },
        )])
        .await?;
    record_or_404(ctx, record_id).await
}

/// Reviews a proposed finding (not by its proposer).
pub async fn review_tolerance(
    ctx: &Ctx<'_>,
    record_id: &str,
    by: &str,
    approved: bool,
    comment: &str,
) -> AppResult<IntegrityState> {
    let s = record_or_404(ctx, record_id).await?;
    let t = s
        .tolerance
        .as_ref()
        .filter(|t| t.reviewed_by.is_none())
        .ok_or_else(|| {
            AppError::invalid(format!("政务诚信记录 {record_id} 没有待审核的容错认定"))
        })?;
    if t.proposed_by == by {
        return Err(AppError::forbidden(
            "谁生产、谁审核：容错认定须由提出人以外的人员审核",
        ));
    }
    let mut events = vec![NewEvent::new(
        by,
        Utc::now(),
        EventPayload::ToleranceReviewed {
            record_id: record_id.to_string(),
            by: by.to_string(),
            approved,
            comment: comment.trim().to_string(),
            on: ctx.today,
        },
    )];
    // An act kept out of the dishonesty record needs no rectification.
    if approved {
        events.extend(
            crate::workflows::withdraw_rectification(ctx, &s.record.subject_id, record_id, by)
                .await?,
        );
    }
    ctx.store.append(events).await?;
    record_or_404(ctx, record_id).await
}

/// May a token limited to `token_points` (empty: not limited) ask at `point`? The personnel
/// decision points must be named by the token.
pub fn authorize_point(
    policies: &Policies,
    token_points: &[DecisionPoint],
    point: DecisionPoint,
) -> AppResult<()> {
    let personnel = policies.integrity.is_personnel_point(point);
    if token_points.contains(&point) || (token_points.is_empty() && !personnel) {
        return Ok(());
    }
    Err(AppError::forbidden(if personnel {
        format!(
            "该接口令牌无权查询人事决策点“{}”：须由有权作出人事决定的系统使用指明该决策点的令牌（xyjt admin create-token --decision-point）",
            point.label()
        )
    } else {
        format!("该接口令牌不能查询决策点“{}”", point.label())
    }))
}

/// A record as the public may see a department's: never a civil servant's.
pub fn public_record_json(s: &IntegrityState, policies: &Policies) -> Value {
    let r = &s.record;
    let label = policies
        .integrity
        .category(&r.category)
        .map_or(r.category.clone(), |c| c.label.clone());
    json!({
        "id": r.id,
        "category": label,
        "nature": r.nature.label(),
        "doc_no": r.doc_no,
        "decided_on": r.decided_on,
        "deciding_unit": r.deciding_unit,
        "facts": r.facts,
        "basis": r.basis,
        "effect_until": s.effect_until(&policies.integrity),
    })
}

fn no_department() -> AppError {
    AppError::not_found("没有该统一社会信用代码的已登记部门")
}

/// A department's public view: its published records, dishonesty (容错 ones excluded) and good.
pub async fn department_view(ctx: &Ctx<'_>, code: &str) -> AppResult<Value> {
    let parsed = check_code(code)
        .result
        .map_err(|e| bad("code", format!("统一社会信用代码无效：{e}")))?;
    let subject = ctx
        .store
        .subject_by_code(&parsed)
        .await?
        .ok_or_else(no_department)?;
    match ctx.store.gov_subject(&subject.id).await? {
        Some((ArchiveKind::Department, _, _)) => {}
        // The same answer as for an unknown code: whether a person is registered is not public.
        _ => return Err(no_department()),
    }
    let records = ctx.store.integrity_records(Some(&subject.id), None).await?;
    let dishonest: Vec<Value> = records
        .iter()
        .filter(|s| s.counts_as_dishonest())
        .map(|s| public_record_json(s, ctx.policies))
        .collect();
    let good: Vec<Value> = records
        .iter()
        .filter(|s| s.record.nature == Nature::Good)
        .map(|s| public_record_json(s, ctx.policies))
        .collect();
    let unresolved = records
        .iter()
        .filter(|s| s.in_effect_on(&ctx.policies.integrity, ctx.today))
        .count();
    // Its rectification cases, and complaints once answered (without the complainant or the
    // complaint's text).
    let apps = ctx
        .store
        .applications(&xyjt_store::AppQuery {
            subject_id: Some(subject.id.clone()),
            ..Default::default()
        })
        .await?;
    let rectifications: Vec<Value> = apps
        .iter()
        .filter(|a| a.app.kind == WorkflowKind::Rectification)
        .filter(|a| a.status != xyjt_core::workflow::AppStatus::Withdrawn)
        .map(|a| crate::workflows::public_case_json(a, ctx))
        .collect();
    let complaints: Vec<Value> = apps
        .iter()
        .filter(|a| a.app.kind == WorkflowKind::Complaint && a.decision.is_some())
        .map(|a| crate::workflows::public_case_json(a, ctx))
        .collect();
    let commitments: Vec<Value> = ctx
        .store
        .gov_commitments(Some(&subject.id))
        .await?
        .iter()
        .map(|c| commitment_json(c, ctx.today))
        .collect();
    Ok(json!({
        "subject_id": subject.id,
        "name": subject.name,
        "code": parsed.as_str(),
        "dishonest": dishonest,
        "good": good,
        "in_effect": unresolved,
        "rectifications": rectifications,
        "complaints_answered": complaints,
        "commitments": commitments,
    }))
}

/// A government commitment as published, with its status on `today`.
pub fn commitment_json(
    s: &xyjt_core::integrity::commitment::GovCommitmentState,
    today: NaiveDate,
) -> Value {
    let status = s.status(today);
    json!({
        "id": s.commitment.id,
        "kind": s.commitment.kind,
        "content": s.commitment.content,
        "published_in": s.commitment.published_in,
        "made_on": s.commitment.made_on,
        "due_on": s.commitment.due_on,
        "status": status,
        "status_label": status.label(),
        "checked_on": s.check.as_ref().map(|c| c.on),
        "finding": s.check.as_ref().map(|c| c.finding.clone()),
    })
}

pub mod assessment;
pub mod commitments;
pub mod import;
