//! Objections (异议), credit repair (信用修复) and credit commitments (信用承诺): filing,
//! steps, views and on-time rates, shared by the API, the pages and the CLI.
//!
//! Each service reads what it needs, lets the pure core decide (`xyjt_core::workflow`,
//! `repair`, `commitment`), and appends the resulting events in one transaction: the step and
//! everything it causes (a correction, a revocation, the end of publicity, list entries ending)
//! are written together or not at all.

mod commitments;
mod disclosure_requests;
mod government;
mod objections;
mod repairs;
mod steps;

pub use commitments::*;
pub use disclosure_requests::*;
pub use government::*;
pub use objections::*;
pub use repairs::*;
pub use steps::*;

use crate::{AppError, Ctx};
use base64::Engine;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use xyjt_core::ledger::NewEvent;
use xyjt_core::record::Record;
use xyjt_core::workflow::{
    Applicant, Application, Evidence, RepairDeclaration, Target, WorkflowKind, first_clock,
    more_clocks, new_number, query_code_hash, random_code,
};
use xyjt_store::Store;

/// The largest evidence file accepted, in bytes (5 MiB).
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;
/// The most evidence files per application.
pub const MAX_EVIDENCE_FILES: usize = 10;

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
    /// A published evaluation result (信用评价结果) objected to.
    #[serde(default)]
    pub result_id: Option<String>,
    /// Only this field of the record: its national code (`CF_NR_FK`), its Chinese label
    /// (`罚款金额`) or its name in the record body (`fine`); kept as the latter.
    #[serde(default)]
    pub field: Option<String>,
    pub reason: String,
    /// The values claimed to be right, by field: national code, Chinese label or body name
    /// (`{"CF_NR_FK": "0.1"}`, `{"罚款金额": "0.1"}`, `{"fine": "0.1"}`); kept by body name.
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

fn bad(msg: impl Into<String>) -> AppError {
    AppError::invalid(msg)
}

fn decode_evidence(uploads: &[EvidenceUpload]) -> Result<Vec<(Evidence, Vec<u8>)>, AppError> {
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

fn filed_on(ctx: &Ctx<'_>, given: Option<NaiveDate>) -> Result<NaiveDate, AppError> {
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

fn applicant(input: Option<ApplicantInput>, default_name: &str) -> Result<Applicant, AppError> {
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
        applicant_type: None,
    })
}

/// A record, or `not_found`.
pub async fn record_or_404(store: &dyn Store, id: &str) -> Result<Record, AppError> {
    store
        .record(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("记录 {id} 不存在")))
}

/// Appends events and evidence files in one transaction.
async fn append_with_files(
    store: &dyn Store,
    events: Vec<NewEvent>,
    files: &[(Evidence, Vec<u8>)],
) -> Result<(), AppError> {
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
    channel: String,
    topic: Option<String>,
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
        topic: d.topic,
        more_clocks: more_clocks(d.kind, ctx.policy),
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
