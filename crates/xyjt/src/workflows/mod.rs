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
use xyjt_core::commitment;
use xyjt_core::workflow::{AppState as Workflow, Clock, WorkflowKind};
use xyjt_store::{AppQuery, Store};

mod applications;
mod commitments;
mod outbox;

use applications::{AppCommand, app};
use commitments::{CommitmentCommand, commitments};
use outbox::{OutboxCommand, outbox};

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
    /// Applications and cases for the handling units (异议, 修复, 限期整改, 投诉, 依申请公开): show, list, take steps
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
        #[arg(long, required_unless_present_any = ["entry", "result"], conflicts_with_all = ["entry", "result"])]
        record: Option<String>,
        /// The list entry objected to
        #[arg(long, conflicts_with = "result")]
        entry: Option<String>,
        /// The published evaluation result objected to (an upheld objection re-scores it)
        #[arg(long)]
        result: Option<String>,
        /// Only this field of the record: its national code, Chinese label or body name (CF_NR_FK,
        /// 罚款金额 or fine)
        #[arg(long)]
        field: Option<String>,
        /// 异议理由
        #[arg(long)]
        reason: String,
        /// The values claimed to be right, as a JSON object keyed by national code, Chinese label
        /// or body name, e.g. '{"CF_NR_FK":"0.1"}', '{"罚款金额":"0.1"}' or '{"fine":"0.1"}'
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
    Rectification,
    Complaint,
    Disclosure,
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
    /// Rectification: the department hands in its 书面说明 (`--clock explanation`) or 整改报告
    /// (`--clock report`), summarised in `--reason`.
    Submit,
    /// 依申请公开: the one request to correct the application (within 7 working days)
    RequestCorrection,
    /// 依申请公开: the corrected application arrived (the answer period restarts)
    Corrected,
    /// 依申请公开: consult a third party or another agency (`--unit`)
    Consult,
    /// 依申请公开: the consulted party replied
    ConsultReply,
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
            ActionArg::Submit => "submit",
            ActionArg::RequestCorrection => "request-correction",
            ActionArg::Corrected => "corrected",
            ActionArg::Consult => "consult",
            ActionArg::ConsultReply => "consult-reply",
        }
    }
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
pub(crate) fn report_refusal(e: &AppError, json: bool) -> ExitCode {
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

/// Opens the store and loads the policies (with the calendar an `Env` names).
async fn open(env: &Env) -> Result<(std::sync::Arc<dyn Store>, xyjt_core::policies::Policies)> {
    let calendar = env.calendar.policies()?;
    let store = xyjt_store::open(&env.db.db)
        .await
        .with_context(|| format!("打开数据库 {}", xyjt_store::redact_url(&env.db.db)))?;
    Ok((store, calendar))
}

/// Days before a due date that count as near, from the deadline policy in force.
fn near_due() -> u32 {
    static NEAR: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *NEAR.get_or_init(|| {
        crate::load_policies(None)
            .map_or(xyjt_core::cases::DeadlinePolicy::builtin().near_due, |p| {
                p.deadlines.near_due
            })
    })
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
        result,
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
    let (store, pol) = open(&env).await?;
    let ctx = Ctx::with_policies(store.as_ref(), &pol, env.today());
    let req = ObjectionRequest {
        record_id: record,
        entry_id: entry,
        result_id: result,
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
            let (store, pol) = open(&env).await?;
            let ctx = Ctx::with_policies(store.as_ref(), &pol, env.today());
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
            let (store, pol) = open(&env).await?;
            let ctx = Ctx::with_policies(store.as_ref(), &pol, env.today());
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

/// `xyjt stats workflows`: on-time rates per unit and workflow.
pub async fn stats(args: StatsArgs) -> Result<ExitCode> {
    let (store, pol) = open(&args.env).await?;
    let today = args.env.today();
    let apps = store.applications(&AppQuery::default()).await?;
    let rows = workflow_stats(&apps, &pol.calendar, today, pol.deadlines.near_due);
    if args.json {
        for r in &rows {
            outln!("{}", serde_json::to_string(r)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    outln!("单位\t类型\t期限数\t按期办结\t逾期办结\t办理中\t其中已逾期\t按期率");
    for r in &rows {
        let kind = WorkflowKind::parse(&r.kind)
            .map(WorkflowKind::label)
            .unwrap_or(r.kind.as_str());
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
