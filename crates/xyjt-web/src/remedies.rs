//! Objections (异议), credit repair (信用修复) and credit commitments (信用承诺) — the services
//! the API and the CLI share, and their HTTP handlers.
//!
//! Each service reads what it needs, lets the pure core decide (`xyjt_core::workflow`,
//! `repair`, `commitment`), and appends the resulting events in one transaction: the step and
//! everything it causes (a correction, a revocation, the end of publicity, list entries ending)
//! are written together or not at all.

use crate::AppState;
use crate::checks::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use base64::Engine;
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use xyjt_core::calendar::Calendar;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::commitment::{self, CommitmentState, FulfilmentCheck, TemplateSet};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::listing::{EntryState, ListEntry};
use xyjt_core::lists::NameList;
use xyjt_core::mask::{mask_person_name, mask_phone};
use xyjt_core::record::Record;
use xyjt_core::repair::{Eligibility, RepairFacts, effects_of_grant, eligibility};
use xyjt_core::workflow::{
    AppState as Workflow, Applicant, Application, ClockStatus, Decision, Evidence,
    RepairDeclaration, Step, Target, WorkflowKind, apply, check_policy, first_clock, new_number,
    query_code_hash, random_code,
};
use xyjt_store::{AppQuery, Store};

/// The largest evidence file accepted, in bytes (5 MiB).
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;
/// The most evidence files per application.
pub const MAX_EVIDENCE_FILES: usize = 10;

/// What the services need: the store, the calendar, the day, the deadline policy.
pub struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub calendar: &'a Calendar,
    pub today: NaiveDate,
    pub policy: &'static DeadlinePolicy,
}

impl<'a> Ctx<'a> {
    pub fn new(store: &'a dyn Store, calendar: &'a Calendar, today: NaiveDate) -> Self {
        Ctx {
            store,
            calendar,
            today,
            policy: DeadlinePolicy::builtin(),
        }
    }

    pub(crate) fn of(state: &'a AppState) -> Self {
        Ctx::new(state.store.as_ref(), &state.calendar, state.today())
    }
}

/// An evidence file as uploaded.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EvidenceUpload {
    pub file_name: String,
    /// The file's bytes, base64.
    pub content_base64: String,
}

/// Who applies; defaults to the party itself.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ApplicantInput {
    pub name: String,
    /// `subject` (the party itself, default) or `public` (anyone, about public data).
    #[serde(default)]
    pub role: Option<String>,
    /// Phone or e-mail for the written answer (never shown in public views).
    #[serde(default)]
    pub contact: Option<String>,
}

/// An objection (异议申请).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ObjectionRequest {
    /// The record objected to (or give `entry_id`).
    #[serde(default)]
    pub record_id: Option<String>,
    /// A list entry objected to.
    #[serde(default)]
    pub entry_id: Option<String>,
    /// Only this field of the record (its name in the record body, e.g. `fine`).
    #[serde(default)]
    pub field: Option<String>,
    pub reason: String,
    /// The values claimed to be right, by field name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub claimed: Value,
    /// The day a paper application was received; default today.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub filed_on: Option<NaiveDate>,
    #[serde(default)]
    pub applicant: Option<ApplicantInput>,
    #[serde(default)]
    pub evidence: Vec<EvidenceUpload>,
}

/// A credit repair application (信用修复申请).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RepairRequest {
    pub record_id: String,
    pub reason: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub filed_on: Option<NaiveDate>,
    #[serde(default)]
    pub applicant: Option<ApplicantInput>,
    #[serde(default)]
    pub evidence: Vec<EvidenceUpload>,
    /// The applicant declares the dishonest behaviour corrected. Filing is that declaration
    /// (default `true`); `false` is recorded and makes the record ineligible.
    #[serde(default = "yes")]
    pub corrected: bool,
    /// The applicant declares the decision's obligations met (fine paid, …). Default `true`.
    #[serde(default = "yes")]
    pub obligations_met: bool,
    /// An already signed 信用修复承诺 to rest on; without it the application signs the
    /// 信用修复承诺书 template on filing.
    #[serde(default)]
    pub commitment_id: Option<String>,
    /// `false` to file without signing the commitment (then the record is ineligible).
    #[serde(default = "yes")]
    pub sign_commitment: bool,
}

fn yes() -> bool {
    true
}

/// What an applicant gets back: the number, the code to follow it, the first deadline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Filed {
    pub number: String,
    /// Shown once: the platform keeps only its hash.
    pub query_code: String,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::invalid(msg)
}

fn decode_evidence(uploads: &[EvidenceUpload]) -> Result<Vec<(Evidence, Vec<u8>)>, ApiError> {
    if uploads.len() > MAX_EVIDENCE_FILES {
        return Err(bad(format!(
            "证明材料最多 {MAX_EVIDENCE_FILES} 个，收到 {} 个",
            uploads.len()
        )));
    }
    uploads
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let at = || json!({"field": format!("evidence[{i}]"), "file_name": u.file_name});
            let name = u.file_name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(
                    bad(format!("第 {} 个证明材料的文件名为空或过长", i + 1)).with_detail(at())
                );
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(u.content_base64.trim())
                .map_err(|e| {
                    bad(format!("证明材料“{name}”不是有效的 base64：{e}")).with_detail(at())
                })?;
            if bytes.is_empty() {
                return Err(bad(format!("证明材料“{name}”是空文件")).with_detail(at()));
            }
            if bytes.len() > MAX_EVIDENCE_BYTES {
                return Err(bad(format!(
                    "证明材料“{name}”大小 {} 字节，超过上限 {MAX_EVIDENCE_BYTES} 字节",
                    bytes.len()
                ))
                .with_detail(at()));
            }
            let ev = Evidence {
                file_name: name.to_string(),
                sha256: xyjt_core::canonical::sha256_hex(&bytes),
                size: bytes.len() as u64,
            };
            Ok((ev, bytes))
        })
        .collect()
}

fn filed_on(ctx: &Ctx<'_>, given: Option<NaiveDate>) -> Result<NaiveDate, ApiError> {
    let day = given.unwrap_or(ctx.today);
    if day > ctx.today {
        return Err(bad(format!(
            "filed_on {day} 晚于今天 {}：收件日期不能在将来",
            ctx.today
        ))
        .with_detail(json!({"field": "filed_on"})));
    }
    if day.year() < *ctx.calendar.years().start() {
        return Err(bad(format!(
            "filed_on {day} 早于节假日日历覆盖的年份（{}–{}）",
            ctx.calendar.years().start(),
            ctx.calendar.years().end()
        ))
        .with_detail(json!({"field": "filed_on"})));
    }
    Ok(day)
}

fn applicant(input: Option<ApplicantInput>, default_name: &str) -> Result<Applicant, ApiError> {
    let a = input.unwrap_or(ApplicantInput {
        name: default_name.to_string(),
        role: None,
        contact: None,
    });
    let role = a.role.unwrap_or_else(|| "subject".into());
    if role != "subject" && role != "public" {
        return Err(bad(format!(
            "applicant.role 应为 subject 或 public，收到“{role}”"
        ))
        .with_detail(json!({"field": "applicant.role"})));
    }
    if a.name.trim().is_empty() {
        return Err(bad("申请人姓名或名称不能为空").with_detail(json!({"field": "applicant.name"})));
    }
    Ok(Applicant {
        name: a.name.trim().to_string(),
        role,
        contact: a.contact.filter(|c| !c.trim().is_empty()),
    })
}

async fn record_or_404(store: &dyn Store, id: &str) -> Result<Record, ApiError> {
    store
        .record(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("记录 {id} 不存在")))
}

/// Appends events and evidence files in one transaction.
async fn append_with_files(
    store: &dyn Store,
    events: Vec<NewEvent>,
    files: &[(Evidence, Vec<u8>)],
) -> Result<(), ApiError> {
    let mut tx = store.begin().await?;
    let result = async {
        for (ev, bytes) in files {
            tx.put_attachment(&ev.sha256, &ev.file_name, bytes).await?;
        }
        tx.append(events).await?;
        Ok::<(), xyjt_store::StoreError>(())
    }
    .await;
    match result {
        Ok(()) => {
            tx.commit().await?;
            Ok(())
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e.into())
        }
    }
}

/// What an applicant supplied; `new_application` adds the number, query code and first clock.
struct Draft {
    kind: WorkflowKind,
    filed_on: NaiveDate,
    subject_id: Option<String>,
    target: Target,
    applicant: Applicant,
    reason: String,
    claimed: Value,
    evidence: Vec<Evidence>,
    declaration: Option<RepairDeclaration>,
    unit: String,
    channel: &'static str,
}

fn new_application(ctx: &Ctx<'_>, d: Draft) -> (Application, String) {
    let code = random_code(8);
    let (workdays, rule) = first_clock(d.kind, ctx.policy);
    let app = Application {
        number: new_number(d.kind, d.filed_on),
        kind: d.kind,
        query_code_hash: query_code_hash(&code),
        subject_id: d.subject_id,
        target: d.target,
        applicant: d.applicant,
        reason: d.reason,
        claimed: d.claimed,
        evidence: d.evidence,
        declaration: d.declaration,
        unit: d.unit,
        filed_on: d.filed_on,
        channel: d.channel.to_string(),
        policy_version: ctx.policy.version.clone(),
        workdays,
        rule,
    };
    (app, code)
}

fn filed_answer(ctx: &Ctx<'_>, app: &Application, code: String) -> Filed {
    let state = xyjt_core::workflow::open(app.clone(), "");
    let due = state.clocks[0].due(ctx.calendar, ctx.today);
    Filed {
        number: app.number.clone(),
        query_code: code,
        due_on: due.due_on,
    }
}

/// Files an objection against a record, one of its fields, or a list entry.
pub async fn file_objection(
    ctx: &Ctx<'_>,
    req: ObjectionRequest,
    actor: &str,
) -> Result<Filed, ApiError> {
    let day = filed_on(ctx, req.filed_on)?;
    if req.reason.trim().is_empty() {
        return Err(bad("异议理由（reason）不能为空").with_detail(json!({"field": "reason"})));
    }
    if !(req.claimed.is_object() || req.claimed.is_null()) {
        return Err(
            bad("claimed 应为“字段: 主张的值”的对象").with_detail(json!({"field": "claimed"}))
        );
    }
    let claimed = if req.claimed.is_null() {
        json!({})
    } else {
        req.claimed.clone()
    };
    let (subject_id, unit, default_name, target) = match (&req.record_id, &req.entry_id) {
        (Some(rid), None) => {
            let r = record_or_404(ctx.store, rid).await?;
            let body = serde_json::to_value(&r.body).unwrap_or_default();
            let fields: Vec<&String> = claimed
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            for f in req.field.iter().chain(fields) {
                if f == "category"
                    || (body.get(f).is_none()
                        && !xyjt_core::workflow::OPTIONAL_FIELDS.contains(&f.as_str()))
                {
                    return Err(bad(format!("记录中没有字段“{f}”"))
                        .with_detail(json!({"field": "claimed", "name": f})));
                }
            }
            let unit = r.body.source_unit().0.to_string();
            (
                Some(r.subject_id.clone()),
                unit,
                r.body.party().name.clone(),
                Target {
                    record_id: Some(rid.clone()),
                    entry_id: None,
                    field: req.field.clone(),
                },
            )
        }
        (None, Some(eid)) => {
            let e = ctx
                .store
                .list_entry(eid)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("名单条目 {eid} 不存在")))?;
            (
                e.entry.subject_id.clone(),
                e.entry.deciding_unit.clone(),
                e.entry.name.clone(),
                Target {
                    record_id: None,
                    entry_id: Some(eid.clone()),
                    field: req.field.clone(),
                },
            )
        }
        _ => {
            return Err(
                bad("请给出 record_id 或 entry_id 之一").with_detail(json!({"field": "record_id"}))
            );
        }
    };
    let files = decode_evidence(&req.evidence)?;
    let (app, code) = new_application(
        ctx,
        Draft {
            kind: WorkflowKind::Objection,
            filed_on: day,
            subject_id,
            target,
            applicant: applicant(req.applicant, &default_name)?,
            reason: req.reason.trim().to_string(),
            claimed,
            evidence: files.iter().map(|(e, _)| e.clone()).collect(),
            declaration: None,
            unit,
            channel: if req.filed_on.is_some() {
                "paper"
            } else {
                "online"
            },
        },
    );
    let answer = filed_answer(ctx, &app, code);
    let event = NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationFiled { application: app },
    );
    append_with_files(ctx.store, vec![event], &files).await?;
    Ok(answer)
}

/// What open objections are about (record and entry ids), of one subject or all: public views
/// mark them 异议处理中.
pub async fn objection_marks(
    store: &dyn Store,
    subject_id: Option<&str>,
) -> Result<std::collections::HashSet<String>, ApiError> {
    let apps = store
        .applications(&AppQuery {
            kind: Some(WorkflowKind::Objection),
            open: Some(true),
            subject_id: subject_id.map(str::to_string),
            ..AppQuery::default()
        })
        .await?;
    Ok(apps
        .iter()
        .flat_map(|a| {
            a.app
                .target
                .record_id
                .iter()
                .chain(a.app.target.entry_id.iter())
                .cloned()
        })
        .collect())
}

/// The eligibility of a record for repair on a day, with the applicant's declarations.
pub async fn repair_eligibility(
    ctx: &Ctx<'_>,
    record: &Record,
    on: NaiveDate,
    corrected: bool,
    obligations_met: bool,
    commitment: Option<&CommitmentState>,
) -> Result<Eligibility, ApiError> {
    let apps = ctx
        .store
        .applications(&AppQuery {
            record_id: Some(record.id.clone()),
            ..AppQuery::default()
        })
        .await?;
    Ok(eligibility(
        record,
        on,
        &RepairFacts {
            corrected,
            obligations_met,
            commitment,
            applications: &apps,
        },
    ))
}

/// Eligibility as a repair application filed on `on` would be judged: the applicant's
/// declarations taken as given and the 信用修复承诺书 signed with the application (the API's
/// eligibility query, the portal's repair form and `xyjt repair eligibility`).
pub async fn eligibility_as_filed(
    ctx: &Ctx<'_>,
    record: &Record,
    on: NaiveDate,
) -> Result<Eligibility, ApiError> {
    let templates = TemplateSet::builtin();
    let t = templates
        .for_matter("信用修复承诺")
        .ok_or_else(|| bad("没有“信用修复承诺”模板"))?;
    let would_sign = CommitmentState {
        commitment: commitment::sign(
            "pending".into(),
            t,
            &templates.version,
            &record.subject_id,
            &record.body.party().name,
            "",
            record.body.authority(),
            on,
            None,
        ),
        check: None,
    };
    repair_eligibility(ctx, record, on, true, true, Some(&would_sign)).await
}

/// Files a repair application; refused (422, with every unmet condition) when not eligible.
pub async fn file_repair(
    ctx: &Ctx<'_>,
    req: RepairRequest,
    actor: &str,
) -> Result<Filed, ApiError> {
    let day = filed_on(ctx, req.filed_on)?;
    if req.reason.trim().is_empty() {
        return Err(bad("修复理由（reason）不能为空").with_detail(json!({"field": "reason"})));
    }
    let record = record_or_404(ctx.store, &req.record_id).await?;
    let templates = TemplateSet::builtin();
    let mut events = Vec::new();
    // The commitment rested on: an existing one, or the one signed with this application.
    let existing = match &req.commitment_id {
        Some(id) => Some(
            ctx.store
                .commitment(id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("信用承诺 {id} 不存在")))?,
        ),
        None => None,
    };
    let signed = match (&existing, req.sign_commitment) {
        (None, true) => {
            let t = templates
                .for_matter("信用修复承诺")
                .ok_or_else(|| bad("没有“信用修复承诺”模板"))?;
            let c = commitment::sign(
                xyjt_core::ledger::new_id(),
                t,
                &templates.version,
                &record.subject_id,
                &record.body.party().name,
                &format!("信用修复：{}", record.body.doc_no()),
                record.body.authority(),
                day,
                None,
            );
            Some(CommitmentState {
                commitment: c,
                check: None,
            })
        }
        _ => None,
    };
    let rested = existing.as_ref().or(signed.as_ref());
    let elig = repair_eligibility(
        ctx,
        &record,
        day,
        req.corrected,
        req.obligations_met,
        rested,
    )
    .await?;
    if !elig.eligible {
        let mut err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_eligible",
            elig.refusal(),
        );
        for c in elig.criteria.iter().filter(|c| !c.met) {
            err = err.with_detail(
                json!({"criterion": c.key, "label": c.label, "explanation": c.explanation}),
            );
        }
        return Err(err);
    }
    let files = decode_evidence(&req.evidence)?;
    let commitment_id = rested.map(|c| c.commitment.id.clone());
    if let Some(c) = signed {
        events.push(NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::CommitmentSigned {
                commitment: c.commitment,
            },
        ));
    }
    let (app, code) = new_application(
        ctx,
        Draft {
            kind: WorkflowKind::Repair,
            filed_on: day,
            subject_id: Some(record.subject_id.clone()),
            target: Target {
                record_id: Some(record.id.clone()),
                entry_id: None,
                field: None,
            },
            applicant: applicant(req.applicant, &record.body.party().name)?,
            reason: req.reason.trim().to_string(),
            claimed: json!({}),
            evidence: files.iter().map(|(e, _)| e.clone()).collect(),
            declaration: Some(RepairDeclaration {
                corrected: req.corrected,
                obligations_met: req.obligations_met,
                commitment_id,
            }),
            unit: record.body.authority().to_string(),
            channel: if req.filed_on.is_some() {
                "paper"
            } else {
                "online"
            },
        },
    );
    let answer = filed_answer(ctx, &app, code);
    events.push(NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationFiled { application: app },
    ));
    append_with_files(ctx.store, events, &files).await?;
    Ok(answer)
}

/// A staff action on an application.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StepRequest {
    /// `assign` | `suspend` | `resume` | `extend` | `forward` | `decide` | `withdraw` | `sync`
    pub action: String,
    /// The day it happened; default today.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    /// Why (suspend, extend, withdraw) or the written answer (decide; `reasons` also accepted).
    #[serde(default, alias = "reasons")]
    pub reason: String,
    /// assign / forward: the unit; sync: where the result went.
    #[serde(default)]
    pub unit: Option<String>,
    /// extend: which clock (default the current one) and how many working days.
    #[serde(default)]
    pub clock: Option<String>,
    #[serde(default)]
    pub workdays: Option<u32>,
    /// decide: upheld / approved (`true`) or dismissed / refused (`false`).
    #[serde(default)]
    pub granted: Option<bool>,
    /// decide (objection): revoke the record instead of correcting it.
    #[serde(default)]
    pub revoke: bool,
    /// decide (objection): the corrected values; default what the applicant claimed.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub corrected: Option<Value>,
}

fn step_from(req: &StepRequest, wf: &Workflow, policy: &DeadlinePolicy) -> Result<Step, ApiError> {
    let need_reason = |what: &str| {
        if req.reason.trim().is_empty() {
            Err(bad(format!("{what}必须写明理由（reason）"))
                .with_detail(json!({"field": "reason"})))
        } else {
            Ok(req.reason.trim().to_string())
        }
    };
    let unit = |what: &str| {
        req.unit
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                bad(format!("{what}需要指定单位（unit）")).with_detail(json!({"field": "unit"}))
            })
    };
    Ok(match req.action.as_str() {
        "assign" => Step::Assigned {
            unit: unit("改派")?,
        },
        "suspend" => Step::Suspended {
            reason: need_reason("中止")?,
        },
        "resume" => Step::Resumed,
        "extend" => Step::Extended {
            clock: req
                .clock
                .clone()
                .or_else(|| wf.current_clock().map(|c| c.key.clone()))
                .unwrap_or_default(),
            workdays: req.workdays.filter(|d| *d > 0).ok_or_else(|| {
                bad("延期需要给出工作日数（workdays > 0）")
                    .with_detail(json!({"field": "workdays"}))
            })?,
            reason: need_reason("延期")?,
        },
        "forward" => Step::forwarded(&unit("转认定单位")?, policy),
        "decide" => {
            let granted = req.granted.ok_or_else(|| {
                bad("决定需要给出 granted（true 支持 / false 不支持）")
                    .with_detail(json!({"field": "granted"}))
            })?;
            Step::decided(
                wf.app.kind,
                Decision {
                    granted,
                    reasons: need_reason("书面答复")?,
                    revoke: req.revoke,
                    corrected: req.corrected.clone(),
                },
                policy,
            )
        }
        "withdraw" => Step::Withdrawn {
            reason: need_reason("撤回")?,
        },
        "sync" => Step::Synced {
            target: req
                .unit
                .clone()
                .unwrap_or_else(|| "省级信用信息共享平台".into()),
        },
        other => {
            return Err(bad(format!(
                "未知操作“{other}”：应为 assign、suspend、resume、extend、forward、decide、withdraw、sync"
            ))
            .with_detail(json!({"field": "action"})));
        }
    })
}

/// Takes one step on an application; a granted decision writes its consequences with it.
pub async fn take_step(
    ctx: &Ctx<'_>,
    number: &str,
    req: &StepRequest,
    actor: &str,
) -> Result<Workflow, ApiError> {
    let wf = ctx
        .store
        .application(number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("申请 {number} 不存在")))?;
    let on = req.on.unwrap_or(ctx.today);
    if on > ctx.today {
        return Err(
            bad(format!("日期 {on} 晚于今天 {}", ctx.today)).with_detail(json!({"field": "on"}))
        );
    }
    let step = step_from(req, &wf, ctx.policy)?;
    check_policy(&wf, &step, ctx.policy).map_err(|e| bad(e.to_string()))?;
    // The projection applies the same rule; refused here, with the reason, before writing.
    let after = apply(wf, &step, on, actor).map_err(|e| bad(e.to_string()))?;
    let mut events = vec![NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationStepped {
            number: number.to_string(),
            step: step.clone(),
            on,
            by: actor.to_string(),
        },
    )];
    if let Step::Decided { decision, .. } = &step
        && decision.granted
    {
        let record = match &after.app.target.record_id {
            Some(id) => Some(record_or_404(ctx.store, id).await?),
            None => None,
        };
        let entries: Vec<EntryState> = match (&record, &after.app.target.entry_id) {
            (Some(r), _) => ctx
                .store
                .list_entries(None)
                .await?
                .into_iter()
                .filter(|e| e.entry.subject_id.as_deref() == Some(r.subject_id.as_str()))
                .collect(),
            (None, Some(eid)) => ctx.store.list_entry(eid).await?.into_iter().collect(),
            (None, None) => vec![],
        };
        let effects = effects_of_grant(&after, record.as_ref(), &entries, on)
            .map_err(|e| bad(format!("无法执行决定：{e}")))?;
        for payload in effects {
            let mut e = NewEvent::new(actor, Utc::now(), payload);
            if let Some(s) = &after.app.subject_id {
                e = e.with_subject(s.clone());
            }
            events.push(e);
        }
    }
    ctx.store.append(events).await?;
    Ok(after)
}

/// One clock as views show it: the rule, the due date and how it was reached, the status.
pub fn clock_json(
    c: &xyjt_core::workflow::Clock,
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Value {
    let due = c.due(cal, today);
    let status = c.status(cal, today, near_due);
    json!({
        "key": c.key,
        "label": c.label,
        "unit": c.unit,
        "rule": c.rule,
        "start": c.start,
        "workdays": c.workdays,
        "extensions": c.extensions,
        "suspensions": c.suspensions,
        "due_on": due.due_on,
        "due_provisional": due.provisional,
        "due_explanation": due.explanation,
        "skipped": due.skipped,
        "make_up_workdays": due.make_up_workdays,
        "done_on": c.done_on,
        "status": status,
        "status_label": status.label(),
    })
}

/// The current deadline of an application: its first open clock, else its last.
fn current_due(
    wf: &Workflow,
    cal: &Calendar,
    today: NaiveDate,
) -> Option<xyjt_core::workflow::Due> {
    wf.current_clock().map(|c| c.due(cal, today))
}

/// The applicant's view (by number and query code): no staff names, no contact details.
pub fn public_view(wf: &Workflow, cal: &Calendar, today: NaiveDate, near_due: u32) -> Value {
    let due = current_due(wf, cal, today);
    let history: Vec<Value> = wf
        .history
        .iter()
        .map(|h| json!({"on": h.on, "action": h.action, "note": h.note}))
        .collect();
    json!({
        "number": wf.app.number,
        "kind": wf.app.kind,
        "kind_label": wf.app.kind.label(),
        "status": wf.status,
        "status_label": wf.status.label(),
        "filed_on": wf.app.filed_on,
        "unit": wf.unit,
        "due_on": due.as_ref().map(|d| d.due_on),
        "due_provisional": due.as_ref().is_some_and(|d| d.provisional),
        "due_explanation": due.as_ref().map(|d| d.explanation.clone()),
        "clocks": wf.clocks.iter().map(|c| clock_json(c, cal, today, near_due)).collect::<Vec<_>>(),
        "decision": wf.decision.as_ref().map(|d| json!({"granted": d.granted, "reasons": d.reasons, "decided_on": wf.decided_on})),
        "history": history,
    })
}

/// The handling unit's view: everything, the applicant's contact masked all the same (it is
/// needed only by the delivery adapters, which read the outbox).
pub fn staff_view(wf: &Workflow, cal: &Calendar, today: NaiveDate, near_due: u32) -> Value {
    let mut v = public_view(wf, cal, today, near_due);
    let mut applicant = wf.app.applicant.clone();
    applicant.contact = applicant.contact.as_deref().map(mask_phone);
    if applicant.role == "public" {
        applicant.name = mask_person_name(&applicant.name);
    }
    let o = v.as_object_mut().expect("an object");
    o.insert("history".into(), json!(wf.history));
    o.insert("target".into(), json!(wf.app.target));
    o.insert("subject_id".into(), json!(wf.app.subject_id));
    o.insert("reason".into(), json!(wf.app.reason));
    o.insert("claimed".into(), wf.app.claimed.clone());
    o.insert("evidence".into(), json!(wf.app.evidence));
    o.insert("declaration".into(), json!(wf.app.declaration));
    o.insert("applicant".into(), json!(applicant));
    o.insert("channel".into(), json!(wf.app.channel));
    o.insert("policy_version".into(), json!(wf.app.policy_version));
    o.insert("overdue".into(), json!(wf.is_overdue(cal, today, near_due)));
    o.insert("decision".into(), json!(wf.decision));
    v
}

// ---------------------------------------------------------------------------------------------
// Statistics: on-time rates per unit (跟踪问效 of the workflows).

/// Clocks of one unit and workflow kind: how many closed on time, late, and are open or overdue.
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq)]
pub struct WorkflowStatsRow {
    pub unit: String,
    /// `objection` | `repair`
    pub kind: String,
    pub clocks: u64,
    pub done_on_time: u64,
    pub done_late: u64,
    pub open: u64,
    pub overdue: u64,
    /// done_on_time / (done_on_time + done_late + overdue); `None` with nothing due yet.
    pub on_time_rate: Option<f64>,
}

/// Per unit and kind, over every clock of every application (and its current owner).
pub fn workflow_stats(
    apps: &[Workflow],
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Vec<WorkflowStatsRow> {
    let mut rows: BTreeMap<(String, String), WorkflowStatsRow> = BTreeMap::new();
    for wf in apps {
        if wf.status == xyjt_core::workflow::AppStatus::Withdrawn {
            continue;
        }
        let kind = serde_json::to_value(wf.app.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        for c in &wf.clocks {
            let row = rows
                .entry((c.unit.clone(), kind.clone()))
                .or_insert_with(|| WorkflowStatsRow {
                    unit: c.unit.clone(),
                    kind: kind.clone(),
                    ..WorkflowStatsRow::default()
                });
            row.clocks += 1;
            match c.status(cal, today, near_due) {
                ClockStatus::DoneOnTime => row.done_on_time += 1,
                ClockStatus::DoneLate => row.done_late += 1,
                ClockStatus::Overdue => {
                    row.open += 1;
                    row.overdue += 1;
                }
                _ => row.open += 1,
            }
        }
    }
    rows.into_values()
        .map(|mut r| {
            let judged = r.done_on_time + r.done_late + r.overdue;
            r.on_time_rate = (judged > 0).then(|| r.done_on_time as f64 / judged as f64);
            r
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Commitments.

/// Signing a commitment (staff enter paper ones; systems send online ones).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CommitmentRequest {
    /// A template id (`GET /api/v1/commitment-templates`).
    pub template_id: String,
    pub subject_id: String,
    /// What it was given for (e.g. the licence applied for).
    pub matter: String,
    /// The unit that accepts it and checks fulfilment.
    pub unit: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<NaiveDate>,
    /// A record obtained on the strength of this commitment (告知承诺 licence).
    #[serde(default)]
    pub obtained_record: Option<String>,
}

pub async fn sign_commitment(
    ctx: &Ctx<'_>,
    req: CommitmentRequest,
    actor: &str,
) -> Result<CommitmentState, ApiError> {
    let templates = TemplateSet::builtin();
    let t = templates.get(&req.template_id).ok_or_else(|| {
        bad(format!("没有承诺书模板“{}”", req.template_id))
            .with_detail(json!({"field": "template_id"}))
    })?;
    let subject = ctx
        .store
        .subject(&req.subject_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("主体 {} 不存在", req.subject_id)))?;
    if let Some(r) = &req.obtained_record {
        let rec = record_or_404(ctx.store, r).await?;
        if rec.subject_id != subject.id {
            return Err(bad(format!("记录 {r} 不属于该主体"))
                .with_detail(json!({"field": "obtained_record"})));
        }
    }
    if req.matter.trim().is_empty() || req.unit.trim().is_empty() {
        return Err(bad("承诺事项（matter）和受理单位（unit）不能为空"));
    }
    let day = filed_on(ctx, req.signed_on)?;
    let c = commitment::sign(
        xyjt_core::ledger::new_id(),
        t,
        &templates.version,
        &subject.id,
        &subject.name,
        req.matter.trim(),
        req.unit.trim(),
        day,
        req.obtained_record.clone(),
    );
    ctx.store
        .append(vec![NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::CommitmentSigned {
                commitment: c.clone(),
            },
        )])
        .await?;
    Ok(CommitmentState {
        commitment: c,
        check: None,
    })
}

/// The outcome of a fulfilment check (践诺核查).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FulfilmentRequest {
    pub fulfilled: bool,
    /// The commitment was untrue (虚假承诺): what it obtained is revoked.
    #[serde(default)]
    pub false_commitment: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
}

/// Records a fulfilment check. A breach proposes a watch-list entry (four lists item
/// `S-WATCH-FALSE-COMMITMENT`, reviewed by the unit as any proposal); a false commitment also
/// revokes the record it obtained.
pub async fn check_commitment(
    ctx: &Ctx<'_>,
    id: &str,
    req: FulfilmentRequest,
    actor: &str,
) -> Result<CommitmentState, ApiError> {
    let before = ctx
        .store
        .commitment(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("信用承诺 {id} 不存在")))?;
    if !req.fulfilled && req.note.trim().is_empty() {
        return Err(bad("未践诺时必须写明核查情况（note）").with_detail(json!({"field": "note"})));
    }
    let check = FulfilmentCheck {
        on: req.on.unwrap_or(ctx.today),
        fulfilled: req.fulfilled,
        false_commitment: req.false_commitment,
        note: req.note.trim().to_string(),
        by: actor.to_string(),
    };
    let after =
        commitment::record_check(Some(before), id, &check).map_err(|e| bad(e.to_string()))?;
    let c = &after.commitment;
    let mut events = vec![
        NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::CommitmentChecked {
                commitment_id: id.to_string(),
                check: check.clone(),
            },
        )
        .with_subject(c.subject_id.clone()),
    ];
    if after.is_dishonest() {
        let policy = ctx.store.list_policy(None).await?;
        if let Some(p) = policy
            && let Some(item) = p
                .items
                .iter()
                .find(|i| i.id == commitment::BREACH_LIST_ITEM)
        {
            let subject = ctx.store.subject(&c.subject_id).await?;
            let entry = ListEntry {
                id: xyjt_core::ledger::new_id(),
                list: NameList::Watch,
                subject_id: Some(c.subject_id.clone()),
                name: c.subject_name.clone(),
                code: subject.and_then(|s| s.uscc.map(|u| u.to_string())),
                item_id: item.id.clone(),
                policy_version: p.version,
                basis: format!("{}：{}", item.title, c.breach_consequence),
                deciding_unit: c.unit.clone(),
                entry_date: check.on,
                valid_until: None,
                source_records: c.obtained_record.iter().cloned().collect(),
                explanation: format!(
                    "《{}》（{} 签署，事项：{}）经核查{}：{}",
                    c.title,
                    c.signed_on,
                    c.matter,
                    after.status().label(),
                    check.note
                ),
            };
            events.push(NewEvent::new(
                actor,
                Utc::now(),
                EventPayload::ListEntryProposed {
                    entry,
                    by: format!("rule:{}", commitment::BREACH_LIST_ITEM),
                },
            ));
        }
        if check.false_commitment
            && let Some(rid) = &c.obtained_record
        {
            let r = record_or_404(ctx.store, rid).await?;
            if r.status == xyjt_core::record::RecordStatus::Active {
                events.push(
                    NewEvent::new(
                        actor,
                        Utc::now(),
                        EventPayload::RecordRevoked {
                            record_id: rid.clone(),
                            reason: format!(
                                "虚假承诺：《{}》经核查不实，撤销依承诺取得的决定",
                                c.title
                            ),
                        },
                    )
                    .with_subject(c.subject_id.clone()),
                );
            }
        }
    }
    ctx.store.append(events).await?;
    Ok(after)
}

/// A commitment as views show it.
pub fn commitment_json(
    s: &CommitmentState,
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Value {
    let mut clock = s.commitment.check.clone();
    clock.done_on = s.check.as_ref().map(|c| c.on);
    json!({
        "id": s.commitment.id,
        "template_id": s.commitment.template_id,
        "template_version": s.commitment.template_version,
        "matter_type": s.commitment.matter_type,
        "title": s.commitment.title,
        "items": s.commitment.items,
        "subject_id": s.commitment.subject_id,
        "subject_name": s.commitment.subject_name,
        "matter": s.commitment.matter,
        "unit": s.commitment.unit,
        "signed_on": s.commitment.signed_on,
        "obtained_record": s.commitment.obtained_record,
        "breach_consequence": s.commitment.breach_consequence,
        "status": s.status(),
        "status_label": s.status().label(),
        "fulfilment_check": clock_json(&clock, cal, today, near_due),
        "check": s.check,
    })
}

// ---------------------------------------------------------------------------------------------
// HTTP handlers.

/// The platform itself, as a calling system (its exchange adapter).
pub const PLATFORM: &str = "信用交通平台";

/// A calling system (接口调用方) writes only for the unit it is named after, or a unit below it
/// in the organisation tree: a bureau's system may act for its detachments, a detachment's
/// system for itself.
fn acts_for(caller: &str, unit: &str) -> Result<(), ApiError> {
    let tree = xyjt_core::cases::OrgTree::builtin();
    let inside = caller == unit
        || match (tree.by_name(caller), tree.by_name(unit)) {
            (Some(c), Some(u)) => tree.is_within(&u.id, &c.id),
            _ => false,
        };
    if inside {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "调用方“{caller}”无权代表“{unit}”办理（接口令牌只能办理本单位及下级单位的事项）"
            ),
        ))
    }
}

/// File an objection (异议申请). No account needed: keep the number and query code.
#[utoipa::path(post, path = "/api/v1/objections", request_body = ObjectionRequest,
    responses((status = 200, body = Filed), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_objection(
    State(state): State<AppState>,
    Json(req): Json<ObjectionRequest>,
) -> Result<Json<Filed>, ApiError> {
    Ok(Json(file_objection(&Ctx::of(&state), req, "portal").await?))
}

/// File a credit repair application (信用修复申请); refused with every unmet condition.
#[utoipa::path(post, path = "/api/v1/repairs", request_body = RepairRequest,
    responses((status = 200, body = Filed), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_repair(
    State(state): State<AppState>,
    Json(req): Json<RepairRequest>,
) -> Result<Json<Filed>, ApiError> {
    Ok(Json(file_repair(&Ctx::of(&state), req, "portal").await?))
}

#[derive(Deserialize, IntoParams)]
pub struct QueryCode {
    /// The query code given when the application was filed.
    pub query_code: Option<String>,
}

/// Follow an application by its number and query code. A wrong or missing code reveals
/// nothing (the same 404 as an unknown number).
#[utoipa::path(get, path = "/api/v1/applications/{number}", params(("number" = String, Path, description = "application number"), QueryCode),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_application(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<QueryCode>,
) -> Result<Json<Value>, ApiError> {
    let nothing = || ApiError::not_found("申请编号或查询码不正确");
    let code = q
        .query_code
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(nothing)?;
    let wf = state
        .store
        .application(&number)
        .await?
        .ok_or_else(nothing)?;
    if query_code_hash(&code) != wf.app.query_code_hash {
        return Err(nothing());
    }
    let near = DeadlinePolicy::builtin().near_due;
    Ok(Json(public_view(&wf, &state.calendar, state.today(), near)))
}

#[derive(Deserialize, IntoParams)]
pub struct EligibilityQuery {
    pub record_id: String,
    /// Judge on this day; default today.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
}

/// Whether a record may be repaired, each condition explained (the applicant's declarations
/// are taken as given and a commitment as signed with the application).
#[utoipa::path(get, path = "/api/v1/repairs/eligibility", params(EligibilityQuery),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_eligibility(
    State(state): State<AppState>,
    Query(q): Query<EligibilityQuery>,
) -> Result<Json<Eligibility>, ApiError> {
    let ctx = Ctx::of(&state);
    let record = record_or_404(ctx.store, &q.record_id).await?;
    let on = q.on.unwrap_or(ctx.today);
    Ok(Json(eligibility_as_filed(&ctx, &record, on).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct WorkflowQuery {
    /// Only applications handled by this unit.
    pub unit: Option<String>,
    /// `objection` | `repair`
    pub kind: Option<String>,
    /// Only open ones.
    pub open: Option<bool>,
    /// Only those with a clock past due.
    pub overdue: Option<bool>,
}

fn parse_kind(s: Option<&str>) -> Result<Option<WorkflowKind>, ApiError> {
    match s {
        None | Some("") => Ok(None),
        Some("objection") => Ok(Some(WorkflowKind::Objection)),
        Some("repair") => Ok(Some(WorkflowKind::Repair)),
        Some(other) => Err(bad(format!("kind 应为 objection 或 repair，收到“{other}”"))),
    }
}

/// Applications for the handling units, with every clock and its status (staff, bearer).
#[utoipa::path(get, path = "/api/v1/workflows", params(WorkflowQuery), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorEnvelope)))]
pub async fn list_workflows(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Query(q): Query<WorkflowQuery>,
) -> Result<Json<Value>, ApiError> {
    let today = state.today();
    let near = DeadlinePolicy::builtin().near_due;
    let apps = state
        .store
        .applications(&AppQuery {
            kind: parse_kind(q.kind.as_deref())?,
            unit: q.unit.clone(),
            open: q.open.or(q.overdue.filter(|o| *o)),
            ..AppQuery::default()
        })
        .await?;
    let items: Vec<Value> = apps
        .iter()
        .filter(|w| !q.overdue.unwrap_or(false) || w.is_overdue(&state.calendar, today, near))
        .map(|w| staff_view(w, &state.calendar, today, near))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// One application in full (staff, bearer).
#[utoipa::path(get, path = "/api/v1/workflows/{number}", params(("number" = String, Path, description = "application number")),
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_workflow(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wf = state
        .store
        .application(&number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("申请 {number} 不存在")))?;
    let near = DeadlinePolicy::builtin().near_due;
    Ok(Json(staff_view(&wf, &state.calendar, state.today(), near)))
}

/// A staff step on an application: assign, suspend, resume, extend, forward, decide,
/// withdraw, sync (bearer; the caller is recorded).
#[utoipa::path(post, path = "/api/v1/workflows/{number}/steps", request_body = StepRequest,
    params(("number" = String, Path, description = "application number")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_step(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
    Json(req): Json<StepRequest>,
) -> Result<Json<Value>, ApiError> {
    let ctx = Ctx::of(&state);
    let wf = ctx
        .store
        .application(&number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("申请 {number} 不存在")))?;
    // A calling system acts for the unit it is named after; the platform's exchange adapter
    // (信用交通平台) may record syncs for any unit.
    let platform_sync = req.action == "sync" && caller == PLATFORM;
    if !platform_sync {
        acts_for(&caller, &wf.unit)?;
    }
    let after = take_step(&ctx, &number, &req, &format!("api:{caller}")).await?;
    // Lists changed: checks see it now, not at the next refresh tick.
    state.refresh_checks().await?;
    Ok(Json(staff_view(
        &after,
        ctx.calendar,
        ctx.today,
        ctx.policy.near_due,
    )))
}

/// On-time rates per unit and workflow (objection / repair clocks).
#[utoipa::path(get, path = "/api/v1/stats/workflows",
    responses((status = 200, body = [WorkflowStatsRow])))]
pub async fn get_workflow_stats(
    State(state): State<AppState>,
) -> Result<Json<Vec<WorkflowStatsRow>>, ApiError> {
    let apps = state.store.applications(&AppQuery::default()).await?;
    let near = DeadlinePolicy::builtin().near_due;
    Ok(Json(workflow_stats(
        &apps,
        &state.calendar,
        state.today(),
        near,
    )))
}

#[derive(Deserialize, IntoParams)]
pub struct InboxQuery {
    pub unit: String,
}

/// A unit's inbox (站内消息), newest first (bearer).
#[utoipa::path(get, path = "/api/v1/inbox", params(InboxQuery), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorEnvelope)))]
pub async fn get_inbox(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Value>, ApiError> {
    let items = state.store.inbox(&q.unit, 200).await?;
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// The commitment templates in force, per matter type.
#[utoipa::path(get, path = "/api/v1/commitment-templates", responses((status = 200, body = Object)))]
pub async fn get_templates() -> Json<Value> {
    let t = TemplateSet::builtin();
    Json(json!({"version": t.version, "templates": t.templates}))
}

#[derive(Deserialize, IntoParams)]
pub struct CommitmentQuery {
    pub subject_id: Option<String>,
}

/// Signed commitments (公开承诺), with their fulfilment status.
#[utoipa::path(get, path = "/api/v1/commitments", params(CommitmentQuery), responses((status = 200, body = Object)))]
pub async fn list_commitments(
    State(state): State<AppState>,
    Query(q): Query<CommitmentQuery>,
) -> Result<Json<Value>, ApiError> {
    let near = DeadlinePolicy::builtin().near_due;
    let today = state.today();
    let items: Vec<Value> = state
        .store
        .commitments(q.subject_id.as_deref())
        .await?
        .iter()
        .map(|c| commitment_json(c, &state.calendar, today, near))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// Record a signed commitment (bearer).
#[utoipa::path(post, path = "/api/v1/commitments", request_body = CommitmentRequest, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_commitment(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(req): Json<CommitmentRequest>,
) -> Result<Json<Value>, ApiError> {
    let ctx = Ctx::of(&state);
    acts_for(&caller, &req.unit)?;
    let s = sign_commitment(&ctx, req, &format!("api:{caller}")).await?;
    Ok(Json(commitment_json(
        &s,
        ctx.calendar,
        ctx.today,
        ctx.policy.near_due,
    )))
}

/// Record a fulfilment check (践诺核查) (bearer).
#[utoipa::path(post, path = "/api/v1/commitments/{id}/checks", request_body = FulfilmentRequest,
    params(("id" = String, Path, description = "commitment id")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_commitment_check(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(req): Json<FulfilmentRequest>,
) -> Result<Json<Value>, ApiError> {
    let ctx = Ctx::of(&state);
    let c = ctx
        .store
        .commitment(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("信用承诺 {id} 不存在")))?;
    acts_for(&caller, &c.commitment.unit)?;
    let s = check_commitment(&ctx, &id, req, &format!("api:{caller}")).await?;
    state.refresh_checks().await?;
    Ok(Json(commitment_json(
        &s,
        ctx.calendar,
        ctx.today,
        ctx.policy.near_due,
    )))
}

// ---------------------------------------------------------------------------------------------
// Demo data.

/// Adds workflows to the demo data set, relative to `today`: an open objection (shown as 异议处理中),
/// an overdue one, an upheld one that corrected a record, an approved repair that ended
/// publicity, a repair waiting for the authority, and commitments. Returns each filed
/// application's label with its number and query code, so a new user can follow one.
pub async fn seed_demo_workflows(
    store: &dyn Store,
    calendar: &Calendar,
    today: NaiveDate,
) -> Result<Vec<(&'static str, Filed)>, ApiError> {
    let at = |day: NaiveDate| Ctx::new(store, calendar, day);
    let back = |n: u32| {
        let (mut day, mut left) = (today, n);
        while left > 0 {
            day = day.pred_opt().expect("dates far from the start of time");
            if calendar.is_working_day(day).unwrap_or(true) {
                left -= 1;
            }
        }
        day
    };
    let page = store
        .public_records(&xyjt_store::PublicityQuery {
            on: today,
            category: Some(xyjt_core::record::RecordCategory::Penalty),
            unit: None,
            decided_from: None,
            decided_to: None,
            limit: 400,
            offset: 0,
        })
        .await?;
    // Newest decision first: recent ones for objections, old ones (minimum period over) for repair.
    let recent: Vec<&Record> = page.items.iter().take(40).collect();
    let old: Vec<&Record> = page
        .items
        .iter()
        .rev()
        .filter(|r| {
            r.publication
                .as_ref()
                .and_then(|p| p.min_until)
                .is_some_and(|m| m < back(25))
        })
        .take(2)
        .collect();
    if recent.len() < 3 || old.len() < 2 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let objection = |r: &Record, reason: &str, claimed: Value, filed: NaiveDate| ObjectionRequest {
        record_id: Some(r.id.clone()),
        entry_id: None,
        field: claimed.as_object().and_then(|o| o.keys().next().cloned()),
        reason: reason.into(),
        claimed,
        filed_on: Some(filed),
        applicant: None,
        evidence: vec![],
    };
    // A repair filed by the subject, declarations made and the commitment signed with it.
    let repair = |r: &Record, reason: &str, filed: NaiveDate| RepairRequest {
        record_id: r.id.clone(),
        reason: reason.into(),
        filed_on: Some(filed),
        applicant: None,
        evidence: vec![],
        corrected: true,
        obligations_met: true,
        commitment_id: None,
        sign_commitment: true,
    };
    let step = |action: &str, day: NaiveDate, reason: &str| StepRequest {
        action: action.into(),
        on: Some(day),
        reason: reason.into(),
        unit: None,
        clock: None,
        workdays: None,
        granted: None,
        revoke: false,
        corrected: None,
    };
    // 1. Open, filed 3 working days ago.
    let filed = back(3);
    let f = file_objection(
        &at(filed),
        objection(
            recent[0],
            "处罚内容与决定书不一致，附决定书复印件",
            json!({"content": "罚款人民币1000元"}),
            filed,
        ),
        "demo",
    )
    .await?;
    out.push(("办理中的异议", f));
    // 2. Overdue: filed 20 working days ago, never answered.
    let filed = back(20);
    let f = file_objection(
        &at(filed),
        objection(recent[1], "当事人名称有误", json!({}), filed),
        "demo",
    )
    .await?;
    out.push(("逾期未答复的异议", f));
    // 3. Upheld 5 working days after filing: the record's content is corrected.
    let filed = back(12);
    let f = file_objection(
        &at(filed),
        objection(
            recent[2],
            "处罚内容录入错误",
            json!({"content": "责令改正，罚款人民币500元（异议更正）"}),
            filed,
        ),
        "demo",
    )
    .await?;
    let decided = back(7);
    let mut s = step(
        "decide",
        decided,
        "经核实，处罚内容录入错误，异议成立，予以更正",
    );
    s.granted = Some(true);
    take_step(&at(decided), &f.number, &s, "演示执法支队").await?;
    out.push(("已更正的异议", f));
    // 4. Repair approved: platform 8 working days ago, authority 6, decided 5.
    let filed = back(8);
    let f = file_repair(
        &at(filed),
        repair(old[0], "已缴纳罚款并完成整改", filed),
        "demo",
    )
    .await?;
    let unit = old[0].body.authority().to_string();
    let mut s = step("forward", back(6), "");
    s.unit = Some(unit.clone());
    take_step(&at(back(6)), &f.number, &s, "演示信用平台").await?;
    let mut s = step(
        "decide",
        back(5),
        "已纠正失信行为、履行处罚义务并签署信用修复承诺书，准予修复",
    );
    s.granted = Some(true);
    take_step(&at(back(5)), &f.number, &s, "演示执法支队").await?;
    out.push(("已修复的处罚", f));
    // 5. Repair forwarded today, waiting for the authority.
    let filed = back(2);
    let f = file_repair(
        &at(filed),
        repair(old[1], "违法行为已整改到位", filed),
        "demo",
    )
    .await?;
    let mut s = step("forward", today, "");
    s.unit = Some(old[1].body.authority().to_string());
    take_step(&at(today), &f.number, &s, "演示信用平台").await?;
    out.push(("待认定单位核实的修复", f));
    // 6. Commitments: an approval commitment awaiting its check, a voluntary one fulfilled.
    let c = sign_commitment(
        &at(back(30)),
        CommitmentRequest {
            template_id: "SPGZCN".into(),
            subject_id: recent[3 % recent.len()].subject_id.clone(),
            matter: "道路货物运输经营许可（告知承诺）".into(),
            unit: unit.clone(),
            signed_on: Some(back(30)),
            obtained_record: None,
        },
        "demo",
    )
    .await?;
    let _ = c;
    let c = sign_commitment(
        &at(back(40)),
        CommitmentRequest {
            template_id: "ZDXCN".into(),
            subject_id: recent[4 % recent.len()].subject_id.clone(),
            matter: "年度主动信用承诺".into(),
            unit,
            signed_on: Some(back(40)),
            obtained_record: None,
        },
        "demo",
    )
    .await?;
    check_commitment(
        &at(back(1)),
        &c.commitment.id,
        FulfilmentRequest {
            fulfilled: true,
            false_commitment: false,
            note: "抽查未发现违诺情形".into(),
            on: Some(back(1)),
        },
        "演示执法支队",
    )
    .await?;
    Ok(out)
}
