//! Objections (异议), credit repair (信用修复), the handling units' steps, credit commitments
//! (信用承诺), the outbox for the delivery adapters and the on-time statistics, from the command
//! line. Thin: every rule and every write goes through the services the API uses
//! (`xyjt_app::workflows`), so the command line and the API cannot disagree.
//!
//! Exit codes follow the binary's: 0 done, 1 refused (the service's Chinese reason and details
//! on stderr; not eligible, a wrong step, an unknown number), 2 usage or system error.

use crate::{CalendarArg, DbArg};
use anyhow::{Context, Result};
use base64::Engine;
use chrono::NaiveDate;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use xyjt_app::Ctx;
use xyjt_app::workflows::{
    ApplicantInput, CommitmentRequest, EvidenceUpload, FulfilmentRequest, MAX_EVIDENCE_BYTES,
    ObjectionRequest, RepairRequest, StepRequest, check_commitment, commitment_json,
    eligibility_as_filed, file_objection, file_repair, sign_commitment, staff_view, take_step,
    workflow_stats,
};
use xyjt_app::{AppError, ErrorKind};
use xyjt_core::calendar::Calendar;
use xyjt_core::commitment::{self, TemplateSet};
use xyjt_core::workflow::{AppState as Workflow, Clock, WorkflowKind};
use xyjt_store::{AppQuery, Store};

/// Where results go when an `exchange` message is drained: the sync step names it.
const PROVINCIAL_PLATFORM: &str = "省级信用信息共享平台";

/// The database, the holiday calendar and the day deadlines are counted on.
#[derive(Args, Clone)]
pub struct Env {
    #[command(flatten)]
    db: DbArg,
    #[command(flatten)]
    calendar: CalendarArg,
    /// Count deadlines as on this day instead of today in China (reproducible runs and tests)
    #[arg(long, hide = true)]
    today: Option<NaiveDate>,
}

impl Env {
    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(xyjt_core::clock::today_in_china)
    }
}

/// The workflow commands, flattened into the binary's top level.
#[derive(Subcommand)]
pub enum Command {
    /// Objections (异议申请) to a record, one of its fields, or a list entry
    Objection {
        #[command(subcommand)]
        command: ObjectionCommand,
    },
    /// Credit repair (信用修复): eligibility and applications
    Repair {
        #[command(subcommand)]
        command: RepairCommand,
    },
    /// Objection and repair applications for the handling units: show, list, take steps
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
    /// Credit commitments (信用承诺): templates, signing, fulfilment checks
    Commitment {
        #[command(subcommand)]
        command: CommitmentCommand,
    },
    /// Messages waiting for the delivery adapters (provincial exchange, applicants)
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
}

#[derive(Subcommand)]
pub enum ObjectionCommand {
    /// File an objection; prints the number, the query code (once) and the answer deadline
    File {
        #[command(flatten)]
        env: Env,
        /// The record objected to
        #[arg(long, required_unless_present = "entry", conflicts_with = "entry")]
        record: Option<String>,
        /// The list entry objected to
        #[arg(long)]
        entry: Option<String>,
        /// Only this field of the record (its name in the record body, e.g. fine)
        #[arg(long)]
        field: Option<String>,
        /// 异议理由
        #[arg(long)]
        reason: String,
        /// The values claimed to be right, as a JSON object, e.g. '{"fine":"0.1"}'
        #[arg(long)]
        claimed: Option<String>,
        /// The day a paper application was received (default today: filed online)
        #[arg(long)]
        filed_on: Option<NaiveDate>,
        /// The applicant (default the party of the record or entry)
        #[arg(long)]
        applicant: Option<String>,
        /// Phone or e-mail for the written answer
        #[arg(long, requires = "applicant")]
        contact: Option<String>,
        /// An evidence file (repeat for several)
        #[arg(long)]
        evidence: Vec<PathBuf>,
        /// Who enters it (recorded in the ledger)
        #[arg(long, default_value = "cli")]
        by: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum RepairCommand {
    /// Each repair condition of a record, met or not and why; exit 1 when not eligible
    Eligibility {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        record: String,
        /// Judge on this day (default today)
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Apply for repair; refused (exit 1) with every unmet condition
    Apply {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        record: String,
        /// 修复理由
        #[arg(long)]
        reason: String,
        /// The day a paper application was received (default today: filed online)
        #[arg(long)]
        filed_on: Option<NaiveDate>,
        /// The applicant does not declare the dishonest behaviour corrected
        #[arg(long)]
        not_corrected: bool,
        /// The applicant does not declare the decision's obligations met
        #[arg(long)]
        obligations_unmet: bool,
        /// Rest on this already signed 信用修复承诺 instead of signing one with the application
        #[arg(long, conflicts_with = "no_commitment")]
        commitment: Option<String>,
        /// File without signing the 信用修复承诺书
        #[arg(long)]
        no_commitment: bool,
        /// The applicant (default the party of the record)
        #[arg(long)]
        applicant: Option<String>,
        /// Phone or e-mail for the written answer
        #[arg(long, requires = "applicant")]
        contact: Option<String>,
        /// An evidence file (repeat for several)
        #[arg(long)]
        evidence: Vec<PathBuf>,
        /// Who enters it (recorded in the ledger)
        #[arg(long, default_value = "cli")]
        by: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    Objection,
    Repair,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ActionArg {
    Assign,
    Suspend,
    Resume,
    Extend,
    Forward,
    Decide,
    Withdraw,
    Sync,
}

impl ActionArg {
    fn key(self) -> &'static str {
        match self {
            ActionArg::Assign => "assign",
            ActionArg::Suspend => "suspend",
            ActionArg::Resume => "resume",
            ActionArg::Extend => "extend",
            ActionArg::Forward => "forward",
            ActionArg::Decide => "decide",
            ActionArg::Withdraw => "withdraw",
            ActionArg::Sync => "sync",
        }
    }
}

#[derive(Subcommand)]
pub enum AppCommand {
    /// One application in full: status, every deadline and how it was counted, history
    Show {
        #[command(flatten)]
        env: Env,
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Applications with their current deadline; overdue ones counted per unit
    List {
        #[command(flatten)]
        env: Env,
        /// Only those handled by this unit
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Only open ones
        #[arg(long)]
        open: bool,
        /// Only those with a deadline past due
        #[arg(long)]
        overdue: bool,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// Take a step: assign, suspend, resume, extend, forward, decide, withdraw, sync
    Step {
        #[command(flatten)]
        env: Env,
        number: String,
        #[arg(long, value_enum)]
        action: ActionArg,
        /// The day it happened (default today)
        #[arg(long)]
        on: Option<NaiveDate>,
        /// Why (suspend, extend, withdraw) or the written answer (decide)
        #[arg(long, default_value = "")]
        reason: String,
        /// assign / forward: the unit; sync: where the result went
        #[arg(long)]
        unit: Option<String>,
        /// extend: which deadline (answer, platform, authority, sync; default the current one)
        #[arg(long)]
        clock: Option<String>,
        /// extend: how many working days
        #[arg(long)]
        workdays: Option<u32>,
        /// decide: objection upheld / repair approved
        #[arg(long, conflicts_with = "reject")]
        grant: bool,
        /// decide: objection dismissed / repair refused
        #[arg(long)]
        reject: bool,
        /// decide (objection upheld): revoke the record instead of correcting it
        #[arg(long)]
        revoke: bool,
        /// decide (objection upheld): the corrected values as a JSON object (default the claimed)
        #[arg(long)]
        corrected: Option<String>,
        /// Who takes the step (recorded in the ledger and the history)
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CommitmentCommand {
    /// The commitment templates in force
    Templates {
        #[arg(long)]
        json: bool,
    },
    /// Record a signed commitment
    Sign {
        #[command(flatten)]
        env: Env,
        /// The template id (see `xyjt commitment templates`)
        #[arg(long)]
        template: String,
        /// The subject's id on the platform
        #[arg(long)]
        subject: String,
        /// What it was given for, e.g. the licence applied for
        #[arg(long)]
        matter: String,
        /// The unit that accepts it and checks fulfilment
        #[arg(long)]
        unit: String,
        /// Default today
        #[arg(long)]
        signed_on: Option<NaiveDate>,
        /// A record obtained on the strength of the commitment (revoked if it proves false)
        #[arg(long)]
        obtained_record: Option<String>,
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the fulfilment check (践诺核查) of a commitment
    #[command(group(ArgGroup::new("outcome").required(true).args(["fulfilled", "breached"])))]
    Check {
        #[command(flatten)]
        env: Env,
        id: String,
        /// The commitment was kept
        #[arg(long)]
        fulfilled: bool,
        /// The commitment was not kept (a watch-list entry is proposed)
        #[arg(long)]
        breached: bool,
        /// The commitment was untrue (虚假承诺): what it obtained is revoked
        #[arg(long, conflicts_with = "fulfilled")]
        false_commitment: bool,
        /// 核查情况
        #[arg(long)]
        note: String,
        /// Default today
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// Signed commitments with their status and check deadline
    List {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        subject: Option<String>,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Messages waiting for delivery (with --all, delivered ones too)
    List {
        #[command(flatten)]
        env: Env,
        /// exchange | applicant
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        all: bool,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// Write the pending messages of a channel as JSON lines, then mark them delivered
    /// (exchange: also records on each application that its result reached the provincial
    /// platform). Nothing is marked delivered if the file cannot be written.
    Drain {
        #[command(flatten)]
        env: Env,
        /// exchange | applicant
        #[arg(long)]
        channel: String,
        /// Append the JSON lines to this file (default stdout)
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        by: String,
    },
}

/// `xyjt stats workflows`
#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    env: Env,
    /// One JSON object per line
    #[arg(long)]
    json: bool,
}

/// A refusal from the services (`AppError`), carried through `anyhow` to the exit code.
#[derive(Debug)]
struct Refused(AppError);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Refused {}

/// `?` on a service result: the refusal keeps its message and details.
trait OrRefused<T> {
    fn refused(self) -> Result<T>;
}

impl<T> OrRefused<T> for std::result::Result<T, AppError> {
    fn refused(self) -> Result<T> {
        self.map_err(|e| anyhow::Error::new(Refused(e)))
    }
}

/// Storage failures inside the services are logged (with their cause) rather than returned:
/// show them on stderr.
fn init_error_log() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Prints a refusal on stderr (as the API's JSON envelope with `json`) and gives the exit code:
/// 1 for a refusal, 2 for a server-side failure.
fn report_refusal(e: &AppError, json: bool) -> ExitCode {
    if json {
        eprintln!(
            "{}",
            json!({"error": {"code": e.code, "message": e.message, "details": e.details}})
        );
    } else if e.code == "not_eligible" {
        eprintln!("不予受理：暂不符合信用修复条件");
        for d in &e.details {
            eprintln!(
                "  不符合  {}：{}",
                d["label"].as_str().unwrap_or_default(),
                d["explanation"].as_str().unwrap_or_default()
            );
        }
    } else {
        eprintln!("错误：{}", e.message);
        for d in &e.details {
            eprintln!("  详情：{d}");
        }
    }
    match e.kind {
        ErrorKind::Internal | ErrorKind::Unavailable => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

/// Runs a workflow command.
pub async fn run(command: Command) -> Result<ExitCode> {
    init_error_log();
    let json = match &command {
        Command::Objection {
            command: ObjectionCommand::File { json, .. },
        } => *json,
        Command::Repair { command } => match command {
            RepairCommand::Eligibility { json, .. } | RepairCommand::Apply { json, .. } => *json,
        },
        Command::App { command } => match command {
            AppCommand::Show { json, .. }
            | AppCommand::List { json, .. }
            | AppCommand::Step { json, .. } => *json,
        },
        Command::Commitment { command } => match command {
            CommitmentCommand::Templates { json }
            | CommitmentCommand::Sign { json, .. }
            | CommitmentCommand::Check { json, .. }
            | CommitmentCommand::List { json, .. } => *json,
        },
        Command::Outbox { command } => match command {
            OutboxCommand::List { json, .. } => *json,
            OutboxCommand::Drain { .. } => false,
        },
    };
    let result = match command {
        Command::Objection { command } => objection(command).await,
        Command::Repair { command } => repair(command).await,
        Command::App { command } => app(command).await,
        Command::Commitment { command } => commitments(command).await,
        Command::Outbox { command } => outbox(command).await,
    };
    match result {
        Err(e) => match e.downcast_ref::<Refused>() {
            Some(Refused(api)) => Ok(report_refusal(api, json)),
            None => Err(e),
        },
        ok => ok,
    }
}

/// Opens the store and loads the calendar an `Env` names.
async fn open(env: &Env) -> Result<(std::sync::Arc<dyn Store>, Calendar)> {
    let calendar = env.calendar.load()?;
    let store = xyjt_store::open(&env.db.db)
        .await
        .with_context(|| format!("打开数据库 {}", xyjt_store::redact_url(&env.db.db)))?;
    Ok((store, calendar))
}

fn near_due() -> u32 {
    xyjt_core::cases::DeadlinePolicy::builtin().near_due
}

/// Reads evidence files for upload (the services check names, sizes and counts).
fn read_evidence(paths: &[PathBuf]) -> Result<Vec<EvidenceUpload>> {
    paths
        .iter()
        .map(|p| {
            let size = std::fs::metadata(p)
                .with_context(|| format!("读取证明材料 {}", p.display()))?
                .len();
            if size > MAX_EVIDENCE_BYTES as u64 {
                anyhow::bail!(
                    "证明材料 {} 大小 {size} 字节，超过上限 {MAX_EVIDENCE_BYTES} 字节",
                    p.display()
                );
            }
            let bytes =
                std::fs::read(p).with_context(|| format!("读取证明材料 {}", p.display()))?;
            let file_name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(EvidenceUpload {
                file_name,
                content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            })
        })
        .collect()
}

/// A JSON object given on the command line.
fn json_object(option: &str, text: &str) -> Result<Value> {
    let v: Value = serde_json::from_str(text)
        .with_context(|| format!("{option} 不是有效的 JSON（应为“字段: 值”的对象）"))?;
    if !v.is_object() {
        anyhow::bail!("{option} 应为 JSON 对象，如 '{{\"fine\":\"0.1\"}}'");
    }
    Ok(v)
}

fn applicant_input(name: Option<String>, contact: Option<String>) -> Option<ApplicantInput> {
    name.map(|name| ApplicantInput {
        name,
        role: None,
        contact,
    })
}

fn provisional(due: &xyjt_core::workflow::Due) -> &'static str {
    if due.provisional { "（暂定）" } else { "" }
}

/// What a filing prints: the number, the query code (once), the first deadline and its count.
async fn print_filed(
    ctx: &Ctx<'_>,
    filed: &xyjt_app::workflows::Filed,
    signed_here: bool,
    json: bool,
) -> Result<()> {
    let wf = ctx
        .store
        .application(&filed.number)
        .await?
        .with_context(|| format!("申请 {} 写入后读不到", filed.number))?;
    let clock = &wf.clocks[0];
    let due = clock.due(ctx.calendar, ctx.today);
    let commitment_id = wf
        .app
        .declaration
        .as_ref()
        .and_then(|d| d.commitment_id.clone());
    if json {
        outln!(
            "{}",
            json!({
                "number": filed.number,
                "kind": wf.app.kind,
                "query_code": filed.query_code,
                "due_on": filed.due_on,
                "due_provisional": due.provisional,
                "due_explanation": due.explanation,
                "unit": wf.unit,
                "evidence": wf.app.evidence,
                "commitment_id": commitment_id,
            })
        );
        return Ok(());
    }
    outln!("已提交{}：{}", wf.app.kind.label(), filed.number);
    outln!(
        "查询码：{}（只显示这一次，平台只保存其哈希；凭申请编号和查询码查询进度）",
        filed.query_code
    );
    outln!("办理单位：{}", wf.unit);
    outln!("{}期限：{}{}", clock.label, filed.due_on, provisional(&due));
    outln!("期限依据：{}", clock.rule);
    outln!("期限计算：{}", due.explanation);
    for e in &wf.app.evidence {
        outln!(
            "证明材料：{}（{} 字节，SHA-256 {}）",
            e.file_name,
            e.size,
            e.sha256
        );
    }
    if let (true, Some(id)) = (signed_here, commitment_id) {
        outln!("已随申请签署《信用修复承诺书》：承诺编号 {id}");
    }
    Ok(())
}

async fn objection(command: ObjectionCommand) -> Result<ExitCode> {
    let ObjectionCommand::File {
        env,
        record,
        entry,
        field,
        reason,
        claimed,
        filed_on,
        applicant,
        contact,
        evidence,
        by,
        json,
    } = command;
    let claimed = match claimed {
        Some(text) => json_object("--claimed", &text)?,
        None => Value::Null,
    };
    let evidence = read_evidence(&evidence)?;
    let (store, cal) = open(&env).await?;
    let ctx = Ctx::new(store.as_ref(), &cal, env.today());
    let req = ObjectionRequest {
        record_id: record,
        entry_id: entry,
        field,
        reason,
        claimed,
        filed_on,
        applicant: applicant_input(applicant, contact),
        evidence,
    };
    let filed = file_objection(&ctx, req, &by).await.refused()?;
    print_filed(&ctx, &filed, false, json).await?;
    Ok(ExitCode::SUCCESS)
}

async fn repair(command: RepairCommand) -> Result<ExitCode> {
    match command {
        RepairCommand::Eligibility {
            env,
            record,
            on,
            json,
        } => {
            let (store, cal) = open(&env).await?;
            let ctx = Ctx::new(store.as_ref(), &cal, env.today());
            let r = store
                .record(&record)
                .await?
                .ok_or_else(|| AppError::not_found(format!("记录 {record} 不存在")))
                .refused()?;
            let on = on.unwrap_or(ctx.today);
            let elig = eligibility_as_filed(&ctx, &r, on).await.refused()?;
            if json {
                outln!("{}", serde_json::to_string(&elig)?);
            } else {
                outln!(
                    "记录 {}（{}，{}）于 {on} 的信用修复条件：",
                    r.id,
                    r.body.party().name,
                    r.body.doc_no()
                );
                for c in &elig.criteria {
                    outln!(
                        "  {}  {}：{}",
                        if c.met { "符合  " } else { "不符合" },
                        c.label,
                        c.explanation
                    );
                }
                outln!(
                    "（按申请人声明已纠正失信行为、已履行义务，并随申请签署信用修复承诺书判断）"
                );
                if elig.eligible {
                    outln!("结论：符合信用修复条件，可以申请");
                } else {
                    match elig.earliest_on.filter(|d| *d > on) {
                        Some(d) => outln!("结论：暂不符合信用修复条件（最早 {d} 起方可申请）"),
                        None => outln!("结论：暂不符合信用修复条件"),
                    }
                }
            }
            Ok(if elig.eligible {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        RepairCommand::Apply {
            env,
            record,
            reason,
            filed_on,
            not_corrected,
            obligations_unmet,
            commitment,
            no_commitment,
            applicant,
            contact,
            evidence,
            by,
            json,
        } => {
            let evidence = read_evidence(&evidence)?;
            let (store, cal) = open(&env).await?;
            let ctx = Ctx::new(store.as_ref(), &cal, env.today());
            let signed_here = commitment.is_none() && !no_commitment;
            let req = RepairRequest {
                record_id: record,
                reason,
                filed_on,
                applicant: applicant_input(applicant, contact),
                evidence,
                corrected: !not_corrected,
                obligations_met: !obligations_unmet,
                commitment_id: commitment,
                sign_commitment: !no_commitment,
            };
            let filed = file_repair(&ctx, req, &by).await.refused()?;
            print_filed(&ctx, &filed, signed_here, json).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The lines describing one deadline.
fn clock_lines(c: &Clock, cal: &Calendar, today: NaiveDate) -> Vec<String> {
    let due = c.due(cal, today);
    let status = c.status(cal, today, near_due());
    let mut head = format!(
        "  [{}] {}（{}）：期限 {}{}，{}",
        c.key,
        c.label,
        c.unit,
        due.due_on,
        provisional(&due),
        status.label()
    );
    if let Some(done) = c.done_on {
        head.push_str(&format!("（{done} 办结）"));
    }
    vec![
        head,
        format!("      依据：{}", c.rule),
        format!("      计算：{}", due.explanation),
    ]
}

fn print_application(wf: &Workflow, cal: &Calendar, today: NaiveDate) {
    let a = &wf.app;
    outln!("申请编号：{}", a.number);
    outln!("类型：{}", a.kind.label());
    outln!("状态：{}", wf.status.label());
    outln!("办理单位：{}", wf.unit);
    let channel = if a.channel == "paper" {
        "纸质申请"
    } else {
        "网上申请"
    };
    outln!("收件日期：{}（{channel}）", a.filed_on);
    let mut applicant = a.applicant.clone();
    applicant.contact = applicant
        .contact
        .as_deref()
        .map(xyjt_core::mask::mask_phone);
    if applicant.role == "public" {
        applicant.name = xyjt_core::mask::mask_person_name(&applicant.name);
    }
    match &applicant.contact {
        Some(c) => outln!("申请人：{}（联系方式 {c}）", applicant.name),
        None => outln!("申请人：{}", applicant.name),
    }
    let mut target = Vec::new();
    if let Some(r) = &a.target.record_id {
        target.push(format!("记录 {r}"));
    }
    if let Some(e) = &a.target.entry_id {
        target.push(format!("名单条目 {e}"));
    }
    if let Some(f) = &a.target.field {
        target.push(format!("字段 {f}"));
    }
    outln!("对象：{}", target.join("，"));
    outln!("理由：{}", a.reason);
    if a.claimed.as_object().is_some_and(|o| !o.is_empty()) {
        outln!("主张：{}", a.claimed);
    }
    if let Some(d) = &a.declaration {
        let yes_no = |b: bool| if b { "是" } else { "否" };
        outln!(
            "申请人声明：已纠正失信行为 {}，已履行法定义务 {}，信用修复承诺 {}",
            yes_no(d.corrected),
            yes_no(d.obligations_met),
            d.commitment_id.as_deref().unwrap_or("无")
        );
    }
    for e in &a.evidence {
        outln!(
            "证明材料：{}（{} 字节，SHA-256 {}）",
            e.file_name,
            e.size,
            e.sha256
        );
    }
    outln!("期限：");
    for c in &wf.clocks {
        for line in clock_lines(c, cal, today) {
            outln!("{line}");
        }
    }
    if let Some(d) = &wf.decision {
        let verdict = match (a.kind, d.granted, d.revoke) {
            (WorkflowKind::Objection, true, true) => "异议成立，撤销该信息",
            (WorkflowKind::Objection, true, false) => "异议成立，予以更正",
            (WorkflowKind::Objection, false, _) => "异议不成立",
            (WorkflowKind::Repair, true, _) => "准予修复",
            (WorkflowKind::Repair, false, _) => "不予修复",
        };
        outln!(
            "决定：{verdict}（{}）：{}",
            wf.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            d.reasons
        );
        if let Some(c) = &d.corrected {
            outln!("更正为：{c}");
        }
    }
    outln!("办理记录：");
    for h in &wf.history {
        if h.note.is_empty() {
            outln!("  {}  {}  {}", h.on, h.action, h.by);
        } else {
            outln!("  {}  {}  {}  {}", h.on, h.action, h.by, h.note);
        }
    }
}

async fn app(command: AppCommand) -> Result<ExitCode> {
    let near = near_due();
    match command {
        AppCommand::Show { env, number, json } => {
            let (store, cal) = open(&env).await?;
            let today = env.today();
            let wf = store
                .application(&number)
                .await?
                .ok_or_else(|| AppError::not_found(format!("申请 {number} 不存在")))
                .refused()?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&staff_view(&wf, &cal, today, near))?
                );
            } else {
                print_application(&wf, &cal, today);
            }
        }
        AppCommand::List {
            env,
            unit,
            kind,
            open: only_open,
            overdue,
            json,
        } => {
            let (store, cal) = open(&env).await?;
            let today = env.today();
            let apps = store
                .applications(&AppQuery {
                    kind: kind.map(|k| match k {
                        KindArg::Objection => WorkflowKind::Objection,
                        KindArg::Repair => WorkflowKind::Repair,
                    }),
                    unit,
                    // Overdue ones may be closed with an unsent result (the sync clock).
                    open: only_open.then_some(true),
                    ..AppQuery::default()
                })
                .await?;
            let mut per_unit: std::collections::BTreeMap<String, usize> = Default::default();
            let mut shown = 0;
            for wf in &apps {
                let is_overdue = wf.is_overdue(&cal, today, near);
                if overdue && !is_overdue {
                    continue;
                }
                shown += 1;
                if is_overdue {
                    for c in &wf.clocks {
                        if c.status(&cal, today, near) == xyjt_core::workflow::ClockStatus::Overdue
                        {
                            *per_unit.entry(c.unit.clone()).or_default() += 1;
                        }
                    }
                }
                if json {
                    outln!("{}", staff_view(wf, &cal, today, near));
                    continue;
                }
                let current = wf.current_clock().map(|c| {
                    let due = c.due(&cal, today);
                    format!(
                        "{}：{} 前{}，{}",
                        c.label,
                        due.due_on,
                        provisional(&due),
                        c.status(&cal, today, near).label()
                    )
                });
                outln!(
                    "{}\t{}\t{}\t{}\t{} 收件\t{}{}",
                    wf.app.number,
                    wf.app.kind.label(),
                    wf.status.label(),
                    wf.unit,
                    wf.app.filed_on,
                    current.unwrap_or_default(),
                    if is_overdue { "\t【逾期】" } else { "" }
                );
            }
            if !json {
                outln!("共 {shown} 件");
                if !per_unit.is_empty() {
                    let units: Vec<String> = per_unit
                        .iter()
                        .map(|(u, n)| format!("{u} {n} 项"))
                        .collect();
                    outln!("逾期期限：{}", units.join("；"));
                }
            }
        }
        AppCommand::Step {
            env,
            number,
            action,
            on,
            reason,
            unit,
            clock,
            workdays,
            grant,
            reject,
            revoke,
            corrected,
            by,
            json,
        } => {
            let corrected = corrected
                .map(|c| json_object("--corrected", &c))
                .transpose()?;
            let (store, cal) = open(&env).await?;
            let ctx = Ctx::new(store.as_ref(), &cal, env.today());
            let req = StepRequest {
                action: action.key().to_string(),
                on,
                reason,
                unit,
                clock,
                workdays,
                granted: if grant {
                    Some(true)
                } else if reject {
                    Some(false)
                } else {
                    None
                },
                revoke,
                corrected,
            };
            let after = take_step(&ctx, &number, &req, &by).await.refused()?;
            if json {
                outln!("{}", staff_view(&after, &cal, ctx.today, near));
            } else {
                print_step(&after, action, &cal, ctx.today);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a step did, then where the application stands.
fn print_step(wf: &Workflow, action: ActionArg, cal: &Calendar, today: NaiveDate) {
    let last = wf.history.last();
    outln!(
        "{}：{}{}",
        wf.app.number,
        last.map(|h| h.action.as_str()).unwrap_or(action.key()),
        last.filter(|h| !h.note.is_empty())
            .map(|h| format!("（{}）", h.note))
            .unwrap_or_default()
    );
    outln!("状态：{}；办理单位：{}", wf.status.label(), wf.unit);
    if let (ActionArg::Decide, Some(d)) = (action, &wf.decision)
        && d.granted
    {
        let record = wf.app.target.record_id.as_deref().unwrap_or("—");
        match (wf.app.kind, d.revoke) {
            (WorkflowKind::Objection, true) => outln!("已撤销记录 {record}"),
            (WorkflowKind::Objection, false) => outln!(
                "已更正记录 {record}：{}",
                d.corrected.as_ref().unwrap_or(&wf.app.claimed)
            ),
            (WorkflowKind::Repair, _) => outln!("记录 {record} 已修复，停止公示"),
        }
        outln!(
            "依据该记录的名单条目（如有）一并移出；结果已进入待发送消息（outbox exchange 通道）"
        );
    }
    let step_day = last.map(|h| h.on);
    for c in &wf.clocks {
        if c.done_on.is_none() || c.done_on == step_day {
            for line in clock_lines(c, cal, today) {
                outln!("{line}");
            }
        }
    }
}

async fn commitments(command: CommitmentCommand) -> Result<ExitCode> {
    let near = near_due();
    match command {
        CommitmentCommand::Templates { json } => {
            let set = TemplateSet::builtin();
            if json {
                outln!(
                    "{}",
                    json!({"version": set.version, "templates": set.templates})
                );
            } else {
                outln!("承诺书模板（版本 {}）：", set.version);
                for t in &set.templates {
                    outln!(
                        "{}\t{}\t《{}》\t签署后 {} 个工作日内核查",
                        t.id,
                        t.matter_type,
                        t.title,
                        t.check_workdays
                    );
                    for (i, item) in t.items.iter().enumerate() {
                        outln!("  {}. {item}", i + 1);
                    }
                    outln!("  违诺后果：{}", t.breach);
                }
            }
        }
        CommitmentCommand::Sign {
            env,
            template,
            subject,
            matter,
            unit,
            signed_on,
            obtained_record,
            by,
            json,
        } => {
            let (store, cal) = open(&env).await?;
            let ctx = Ctx::new(store.as_ref(), &cal, env.today());
            let req = CommitmentRequest {
                template_id: template,
                subject_id: subject,
                matter,
                unit,
                signed_on,
                obtained_record,
            };
            let s = sign_commitment(&ctx, req, &by).await.refused()?;
            if json {
                outln!("{}", commitment_json(&s, &cal, ctx.today, near));
            } else {
                let c = &s.commitment;
                let due = c.check.due(&cal, ctx.today);
                outln!("已登记信用承诺：{}", c.id);
                outln!(
                    "{}于 {} 签署《{}》，事项：{}，受理单位：{}",
                    c.subject_name,
                    c.signed_on,
                    c.title,
                    c.matter,
                    c.unit
                );
                outln!("践诺核查期限：{}{}", due.due_on, provisional(&due));
                outln!("期限依据：{}", c.check.rule);
                if let Some(r) = &c.obtained_record {
                    outln!("依承诺取得的记录：{r}（经核查为虚假承诺时撤销）");
                }
            }
        }
        CommitmentCommand::Check {
            env,
            id,
            fulfilled,
            breached: _,
            false_commitment,
            note,
            on,
            by,
            json,
        } => {
            let (store, cal) = open(&env).await?;
            let ctx = Ctx::new(store.as_ref(), &cal, env.today());
            let watch_before = breach_entries(store.as_ref(), &id).await?;
            let req = FulfilmentRequest {
                fulfilled,
                false_commitment,
                note,
                on,
            };
            let s = check_commitment(&ctx, &id, req, &by).await.refused()?;
            if json {
                outln!("{}", commitment_json(&s, &cal, ctx.today, near));
            } else {
                let c = &s.commitment;
                let check = s.check.as_ref().expect("just checked");
                outln!(
                    "{}：{}《{}》核查结果：{}（{}）",
                    c.id,
                    c.subject_name,
                    c.title,
                    s.status().label(),
                    check.on
                );
                let due = c.check.due(&cal, ctx.today);
                outln!(
                    "践诺核查期限 {}{}，{}",
                    due.due_on,
                    provisional(&due),
                    s.check_status(&cal, ctx.today, near).label()
                );
                if breach_entries(store.as_ref(), &id).await? > watch_before {
                    outln!(
                        "已提出重点关注名单列入建议（{}），待审核",
                        commitment::BREACH_LIST_ITEM
                    );
                }
                if let (true, Some(r)) = (false_commitment, &c.obtained_record)
                    && let Some(rec) = store.record(r).await?
                    && rec.status == xyjt_core::record::RecordStatus::Revoked
                {
                    outln!("依承诺取得的记录 {r} 已撤销");
                }
            }
        }
        CommitmentCommand::List { env, subject, json } => {
            let (store, cal) = open(&env).await?;
            let today = env.today();
            let all = store.commitments(subject.as_deref()).await?;
            for s in &all {
                if json {
                    outln!("{}", commitment_json(s, &cal, today, near));
                    continue;
                }
                let c = &s.commitment;
                let due = c.check.due(&cal, today);
                outln!(
                    "{}\t{}\t《{}》\t{}\t{} 签署\t{}\t核查期限 {}{}（{}）",
                    c.id,
                    c.subject_name,
                    c.title,
                    c.matter,
                    c.signed_on,
                    s.status().label(),
                    due.due_on,
                    provisional(&due),
                    s.check_status(&cal, today, near).label()
                );
            }
            if !json {
                outln!("共 {} 份", all.len());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Watch-list entries proposed for breaking commitment `id`'s subject's commitments.
async fn breach_entries(store: &dyn Store, id: &str) -> Result<usize> {
    let Some(c) = store.commitment(id).await? else {
        return Ok(0);
    };
    Ok(store
        .list_entries(Some("watch"))
        .await?
        .iter()
        .filter(|e| {
            e.entry.item_id == commitment::BREACH_LIST_ITEM
                && e.entry.subject_id.as_deref() == Some(c.commitment.subject_id.as_str())
        })
        .count())
}

async fn outbox(command: OutboxCommand) -> Result<ExitCode> {
    match command {
        OutboxCommand::List {
            env,
            channel,
            all,
            json,
        } => {
            let (store, _) = open(&env).await?;
            let items = store.outbox(channel.as_deref(), !all).await?;
            for m in &items {
                if json {
                    outln!("{}", serde_json::to_string(m)?);
                    continue;
                }
                outln!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    m.id,
                    m.channel,
                    m.reference,
                    m.created_on,
                    m.delivered_at
                        .as_deref()
                        .map_or("待发送".to_string(), |at| format!("已发送 {at}")),
                    m.payload
                );
            }
            if !json {
                outln!(
                    "共 {} 条{}",
                    items.len(),
                    if all { "" } else { "待发送消息" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Drain {
            env,
            channel,
            out,
            by,
        } => drain(&env, &channel, out.as_deref(), &by).await,
    }
}

/// Reports of `drain`: on stdout when the messages go to a file, else on stderr (stdout
/// carries the messages).
macro_rules! say {
    ($on_stdout:expr, $($arg:tt)*) => {{
        if $on_stdout {
            outln!($($arg)*);
        } else {
            eprintln!($($arg)*);
        }
    }};
}

async fn drain(env: &Env, channel: &str, out: Option<&Path>, by: &str) -> Result<ExitCode> {
    let (store, cal) = open(env).await?;
    let ctx = Ctx::new(store.as_ref(), &cal, env.today());
    let on_stdout = out.is_some();
    let items = store.outbox(Some(channel), true).await?;
    if items.is_empty() {
        say!(on_stdout, "“{channel}”通道没有待发送的消息");
        return Ok(ExitCode::SUCCESS);
    }
    let mut lines = String::new();
    for m in &items {
        lines.push_str(&serde_json::to_string(m)?);
        lines.push('\n');
    }
    // Written (and flushed to disk) before anything is marked delivered.
    match out {
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("打开 {}，未标记任何消息为已发送", path.display()))?;
            f.write_all(lines.as_bytes())
                .and_then(|()| f.sync_all())
                .with_context(|| format!("写入 {}，未标记任何消息为已发送", path.display()))?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(lines.as_bytes())
                .and_then(|()| stdout.flush())
                .context("写出消息失败，未标记任何消息为已发送")?;
        }
    }
    let ids: Vec<String> = items.iter().map(|m| m.id.clone()).collect();
    let at = xyjt_core::ledger::format_timestamp(chrono::Utc::now());
    let marked = store.mark_delivered(&ids, &at).await?;
    match out {
        Some(path) => say!(
            on_stdout,
            "已将“{channel}”通道 {} 条消息写入 {}，标记为已发送 {marked} 条",
            items.len(),
            path.display()
        ),
        None => say!(
            on_stdout,
            "已写出“{channel}”通道 {} 条消息，标记为已发送 {marked} 条",
            items.len()
        ),
    }
    if channel != "exchange" {
        return Ok(ExitCode::SUCCESS);
    }
    // The results reached the provincial platform: the sync step closes each sync clock.
    let mut numbers: Vec<&str> = Vec::new();
    for m in &items {
        if !numbers.contains(&m.reference.as_str()) {
            numbers.push(&m.reference);
        }
    }
    let mut failed = false;
    for number in numbers {
        let Some(wf) = store.application(number).await? else {
            say!(on_stdout, "{number}：不是申请编号，未记录报送");
            continue;
        };
        match wf.clock("sync") {
            None => {
                say!(on_stdout, "{number}：没有报送期限，未记录报送");
                continue;
            }
            Some(c) if c.done_on.is_some() => {
                say!(
                    on_stdout,
                    "{number}：已于 {} 记录报送，跳过",
                    c.done_on.expect("done")
                );
                continue;
            }
            Some(_) => {}
        }
        let req = StepRequest {
            action: "sync".into(),
            on: None,
            reason: String::new(),
            unit: Some(PROVINCIAL_PLATFORM.into()),
            clock: None,
            workdays: None,
            granted: None,
            revoke: false,
            corrected: None,
        };
        match take_step(&ctx, number, &req, by).await {
            Ok(after) => {
                let c = after.clock("sync").expect("a sync clock");
                say!(
                    on_stdout,
                    "{number}：已记录报送{PROVINCIAL_PLATFORM}（{}，{}）",
                    ctx.today,
                    c.status(&cal, ctx.today, near_due()).label()
                );
            }
            Err(e) => {
                failed = true;
                eprintln!("{number}：记录报送失败：{}", e.message);
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `xyjt stats workflows`: on-time rates per unit and workflow.
pub async fn stats(args: StatsArgs) -> Result<ExitCode> {
    let (store, cal) = open(&args.env).await?;
    let today = args.env.today();
    let apps = store.applications(&AppQuery::default()).await?;
    let rows = workflow_stats(&apps, &cal, today, near_due());
    if args.json {
        for r in &rows {
            outln!("{}", serde_json::to_string(r)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    outln!("单位\t类型\t期限数\t按期办结\t逾期办结\t办理中\t其中已逾期\t按期率");
    for r in &rows {
        let kind = match r.kind.as_str() {
            "objection" => WorkflowKind::Objection.label(),
            "repair" => WorkflowKind::Repair.label(),
            other => other,
        };
        outln!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.unit,
            kind,
            r.clocks,
            r.done_on_time,
            r.done_late,
            r.open,
            r.overdue,
            r.on_time_rate
                .map_or("—".to_string(), |x| format!("{:.2}%", x * 100.0))
        );
    }
    Ok(ExitCode::SUCCESS)
}
