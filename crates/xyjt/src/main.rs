//! `xyjt` — the one binary of the 信用交通 credit platform. Thin: parses, calls the libraries,
//! prints. Exit codes: 0 success, 1 invalid input found (bad codes, a broken ledger), 2 usage or
//! system error.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use xyjt_core::calendar::Calendar;
use xyjt_core::ident::{CodeKind, check};

use xyjt_app::lists;

/// `println!` that ends the program quietly when the reader has gone away (`xyjt … | head`),
/// instead of panicking on a broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            panic!("writing to stdout: {e}");
        }
    }};
}

mod workflows;

#[derive(Parser)]
#[command(name = "xyjt", version, about = "信用交通 credit information platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArg {
    /// Database URL: sqlite://PATH (embedded, default) or postgres://USER@HOST:PORT/DB
    #[arg(long, env = "XYJT_DB", default_value = "sqlite://xyjt.db")]
    db: String,
}

#[derive(Args, Clone)]
struct CalendarArg {
    /// A holiday calendar TOML to use instead of the built-in one (a newer year's notice)
    #[arg(long, env = "XYJT_CALENDAR")]
    calendar: Option<PathBuf>,
}

impl CalendarArg {
    fn load(&self) -> Result<Calendar> {
        match &self.calendar {
            None => Ok(Calendar::builtin()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("读取日历文件 {}", path.display()))?;
                Calendar::from_toml(&text).with_context(|| format!("日历文件 {}", path.display()))
            }
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform: API, portal, console
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        calendar: CalendarArg,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Fill an empty database with the fictional demo data set first
        #[arg(long)]
        demo: bool,
    },
    /// Identifier tools
    Code {
        #[command(subcommand)]
        command: CodeCommand,
    },
    /// Working-day calendar tools
    Calendar {
        #[command(flatten)]
        calendar: CalendarArg,
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Walk the ledger's hash chain; exit 1 naming the first bad event
    Verify {
        #[command(flatten)]
        db: DbArg,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Replay the ledger into fresh projections (a scratch database of the same backend) and
    /// prove them equal to the stored ones; exit 1 naming what differs
    RebuildProjections {
        #[command(flatten)]
        db: DbArg,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Create or upgrade the database schema
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Fill an empty database with the fictional demo data set
    Demo {
        #[command(flatten)]
        db: DbArg,
    },
    /// Read records from the ledger
    Record {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Import 双公示 decisions (CSV in UTF-8 or GBK, XLSX, JSON) into the ledger
    Import {
        /// licenses (行政许可) or penalties (行政处罚)
        category: CategoryArg,
        /// The file to import
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        calendar: CalendarArg,
        /// Publication date (the day received); default today in China
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Validate and report only; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Commit the valid rows even when some are invalid; write the invalid ones to the rejects file
        #[arg(long)]
        accept_valid: bool,
        /// Write the JSON report here
        #[arg(long)]
        report: Option<PathBuf>,
        /// Rejects file (default: NAME.rejects.EXT beside the input)
        #[arg(long)]
        rejects: Option<PathBuf>,
    },
    /// Export published records in the national layout (CSV or XLSX) for the provincial platform
    Export {
        /// licenses (行政许可) or penalties (行政处罚)
        category: CategoryArg,
        /// Output file; .xlsx writes Excel, anything else CSV (UTF-8 with BOM)
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Records public on this day (default today in China)
        #[arg(long)]
        on: Option<NaiveDate>,
        /// Only this deciding or reporting unit (USCC or part of its name)
        #[arg(long)]
        unit: Option<String>,
        /// Header row: field codes (CF_XDR_MC…) or Chinese labels
        #[arg(long, value_enum, default_value = "codes")]
        header: HeaderArg,
        /// Write ID numbers unmasked (only for a channel cleared for personal data)
        #[arg(long)]
        full_ids: bool,
    },
    /// Red / black / watch and external name lists, and the four-list policy
    Lists {
        #[command(subcommand)]
        command: ListsCommand,
    },
    /// Screen bidders (CSV or XLSX with 名称 and optional 代码) against every active list
    Screen {
        file: PathBuf,
        /// e.g. 招标投标
        #[arg(long)]
        decision_point: String,
        #[command(flatten)]
        db: DbArg,
        /// One JSON object per input line
        #[arg(long)]
        json: bool,
        /// Lowest score reported
        #[arg(long, default_value_t = xyjt_match::DEFAULT_MIN_SCORE)]
        min_score: f64,
    },
    /// Joint punishment cases (联合惩戒): open, report back, follow up
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Administration: API tokens for calling systems
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Statistics
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
    },
    #[command(flatten)]
    Workflows(workflows::Command),
}

#[derive(Subcommand)]
enum CasesCommand {
    /// Open a case on a published list entry and push it to implementing units
    Open {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        calendar: CalendarArg,
        /// The list entry to act on
        #[arg(long)]
        entry: String,
        /// 发起单位 (a unit of the organisation tree)
        #[arg(long)]
        initiator: String,
        /// Implementing units, comma-separated
        #[arg(long, value_delimiter = ',')]
        units: Vec<String>,
        /// Push to every unit below the initiator's bureau in the organisation tree
        #[arg(long)]
        cascade: bool,
        /// Also push to other regions' bureaus (跨区域联动)
        #[arg(long)]
        cross_region: bool,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        by: String,
    },
    /// An implementing unit reports back (执行反馈)
    Report {
        #[command(flatten)]
        db: DbArg,
        id: String,
        #[arg(long)]
        unit: String,
        /// The measure was not applied (say why in --note)
        #[arg(long)]
        not_applied: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Cases with each unit's status; --overdue for those with overdue units
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        initiator: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Issue an API token for a calling system (printed once; only its hash is stored)
    CreateToken {
        /// The calling system's name, e.g. 省公共资源交易平台
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Create a staff account for the console; the password is read from stdin (one line)
    CreateUser {
        /// Login: 3–32 lower-case letters, digits, `.`, `_` or `-`
        #[arg(long)]
        login: String,
        /// The person's name
        #[arg(long)]
        name: String,
        /// The unit's id in the organisation tree (data/org-tree.toml), e.g. XL-ZF
        #[arg(long)]
        unit: String,
        /// Roles: 录入员, 审核员, 信用管理员, 系统管理员, 接口调用方 (or clerk, reviewer, …); repeatable
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum ListsCommand {
    /// Propose an entry (maker); a different person must review it
    Propose {
        #[command(flatten)]
        db: DbArg,
        /// red | black | watch | an external list's name
        #[arg(long)]
        list: String,
        /// The subject's USCC or citizen ID
        #[arg(long)]
        identifier: Option<String>,
        /// The name, when the identifier is unknown to the platform
        #[arg(long)]
        name: Option<String>,
        /// The scope item of the four lists that justifies the entry
        #[arg(long)]
        item: String,
        /// 列入依据: facts and legal basis
        #[arg(long)]
        basis: String,
        /// 认定单位
        #[arg(long)]
        unit: String,
        /// Who proposes
        #[arg(long)]
        by: String,
        /// 列入日期 (default today)
        #[arg(long)]
        entry_date: Option<NaiveDate>,
    },
    /// Review a proposed entry (checker): approve, or --reject with a comment
    Review {
        #[command(flatten)]
        db: DbArg,
        id: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        reject: bool,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Publish a reviewed entry: it takes effect in checks
    Publish {
        #[command(flatten)]
        db: DbArg,
        id: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// End a published entry (it stays in the ledger)
    End {
        #[command(flatten)]
        db: DbArg,
        id: String,
        /// expired | repaired | objection-upheld | withdrawn
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Run the automatic entry rules over the ledger and propose entries for review
    Evaluate {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value = "system:rules")]
        by: String,
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Load an external list (CSV or XLSX: 名称, 代码, 列入日期, 列入机关, 依据)
    ImportExternal {
        file: PathBuf,
        /// The list's name, e.g. 失信被执行人
        #[arg(long)]
        list: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Mark a screening hit as a false positive: that query will not hit that entry again
    FalsePositive {
        #[command(flatten)]
        db: DbArg,
        /// The list entry that was hit
        #[arg(long)]
        entry: String,
        /// The screened name or identifier
        #[arg(long)]
        query: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        reason: String,
    },
    /// Show entries
    Show {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        list: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export the four-list policy in force (.json or .xlsx)
    ExportPolicy {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        out: PathBuf,
    },
    /// Adopt a new version of the four lists from a .json or .xlsx file
    ImportPolicy {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        effective_from: Option<NaiveDate>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CategoryArg {
    Licenses,
    Penalties,
}

impl CategoryArg {
    fn category(self) -> xyjt_core::record::RecordCategory {
        match self {
            CategoryArg::Licenses => xyjt_core::record::RecordCategory::License,
            CategoryArg::Penalties => xyjt_core::record::RecordCategory::Penalty,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum HeaderArg {
    Codes,
    Zh,
}

#[derive(Subcommand)]
enum StatsCommand {
    /// 双公示 compliance (合规率) and timeliness (及时率) per reporting unit and month
    Shuanggongshi {
        #[command(flatten)]
        db: DbArg,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
        /// Only this month, YYYY-MM
        #[arg(long)]
        month: Option<String>,
        /// Only this reporting unit (USCC)
        #[arg(long)]
        unit: Option<String>,
    },
    /// On-time rates of objections and repairs per unit (按期办结率)
    Workflows(workflows::StatsArgs),
}

#[derive(Subcommand)]
enum CodeCommand {
    /// Validate identifiers (USCC, organisation code, registration number, citizen ID)
    Check {
        /// One JSON object per line
        #[arg(long)]
        json: bool,
        /// The codes to check
        #[arg(required = true)]
        codes: Vec<String>,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// The deadline N working days after DATE (DATE itself not counted)
    AddWorkdays { date: NaiveDate, n: u32 },
    /// Working days after FROM up to and including TO
    WorkdaysBetween { from: NaiveDate, to: NaiveDate },
}

#[derive(Subcommand)]
enum RecordCommand {
    /// Show a record now, or as the platform knew it at a past date
    Show {
        #[command(flatten)]
        db: DbArg,
        id: String,
        /// YYYY-MM-DD (end of day, UTC) or an RFC 3339 time
        #[arg(long)]
        as_of: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Code {
            command: CodeCommand::Check { json, codes },
        } => Ok(code_check(&codes, json)),
        Command::Calendar { calendar, command } => {
            let cal = calendar.load()?;
            match command {
                CalendarCommand::AddWorkdays { date, n } => {
                    outln!("{}", cal.add_workdays(date, n)?);
                }
                CalendarCommand::WorkdaysBetween { from, to } => {
                    outln!("{}", cal.workdays_between(from, to)?);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            db,
            calendar,
            addr,
            demo,
        } => {
            init_tracing();
            let cal = calendar.load()?;
            runtime()?.block_on(serve(&db.db, cal, addr, demo))
        }
        Command::Verify { db, json } => runtime()?.block_on(verify(&db.db, json)),
        Command::RebuildProjections { db, json } => {
            runtime()?.block_on(rebuild_projections(&db.db, json))
        }
        Command::Migrate { db } => runtime()?.block_on(async {
            xyjt_store::open(&db.db).await?;
            outln!("数据库已是最新结构：{}", xyjt_store::redact_url(&db.db));
            Ok(ExitCode::SUCCESS)
        }),
        Command::Demo { db } => runtime()?.block_on(async {
            let store = xyjt_store::open(&db.db).await?;
            let n = seed_demo(store.as_ref()).await?;
            outln!("演示数据：写入 {n} 个事件");
            Ok(ExitCode::SUCCESS)
        }),
        Command::Record {
            command: RecordCommand::Show { db, id, as_of },
        } => runtime()?.block_on(record_show(&db.db, &id, as_of.as_deref())),
        Command::Import {
            category,
            file,
            db,
            calendar,
            as_of,
            dry_run,
            accept_valid,
            report,
            rejects,
        } => {
            let cal = calendar.load()?;
            let options = xyjt_import::ImportOptions {
                category: category.category(),
                as_of: as_of.unwrap_or_else(xyjt_core::clock::today_in_china),
                dry_run,
                accept_valid,
                rejects_path: rejects,
                actor: String::new(),
                recorded_at: chrono::Utc::now(),
            };
            runtime()?.block_on(import(&db.db, &file, &options, &cal, report.as_deref()))
        }
        Command::Export {
            category,
            out,
            db,
            on,
            unit,
            header,
            full_ids,
        } => runtime()?.block_on(export(
            &db.db,
            category.category(),
            &out,
            on.unwrap_or_else(xyjt_core::clock::today_in_china),
            unit,
            header,
            full_ids,
        )),
        Command::Admin {
            command: AdminCommand::CreateToken { name, db },
        } => runtime()?.block_on(async {
            let store = xyjt_store::open(&db.db).await?;
            let token = format!(
                "xyjt_{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            store
                .append(vec![xyjt_core::ledger::NewEvent::new(
                    "admin:cli",
                    chrono::Utc::now(),
                    xyjt_core::ledger::EventPayload::ApiTokenIssued {
                        token_id: xyjt_core::ledger::new_id(),
                        name: name.clone(),
                        token_hash: xyjt_core::canonical::sha256_hex(token.as_bytes()),
                    },
                )])
                .await?;
            eprintln!("已为“{name}”签发接口令牌（只显示这一次，平台只保存其哈希）：");
            outln!("{token}");
            Ok(ExitCode::SUCCESS)
        }),
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    login,
                    name,
                    unit,
                    roles,
                    db,
                },
        } => runtime()?.block_on(async {
            let tree = xyjt_core::cases::OrgTree::builtin();
            if tree.unit(&unit).is_none() {
                anyhow::bail!("单位 {unit} 不在组织机构中（data/org-tree.toml）");
            }
            let roles = roles
                .iter()
                .map(|r| {
                    xyjt_core::account::Role::from_label(r)
                        .ok_or_else(|| anyhow::anyhow!("未知角色“{r}”"))
                })
                .collect::<Result<Vec<_>>>()?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            xyjt_app::accounts::validate_account(&login, &name, password, &roles)
                .map_err(|m| anyhow::anyhow!(m))?;
            let store = xyjt_store::open(&db.db).await?;
            let account = xyjt_core::account::Account {
                login: login.clone(),
                name,
                unit_id: unit.clone(),
                roles,
                disabled: false,
            };
            store
                .append(vec![xyjt_app::accounts::account_event(
                    "admin:cli",
                    account,
                    password,
                )])
                .await?;
            outln!(
                "已创建账号 {login}（{}）",
                tree.unit(&unit).map(|u| u.name.as_str()).unwrap_or("")
            );
            Ok(ExitCode::SUCCESS)
        }),
        Command::Lists { command } => runtime()?.block_on(lists_command(command)),
        Command::Cases { command } => runtime()?.block_on(cases_command(command)),
        Command::Screen {
            file,
            decision_point,
            db,
            json,
            min_score,
        } => runtime()?.block_on(screen(&db.db, &file, &decision_point, json, min_score)),
        Command::Stats {
            command:
                StatsCommand::Shuanggongshi {
                    db,
                    json,
                    month,
                    unit,
                },
        } => runtime()?.block_on(stats(&db.db, json, month.as_deref(), unit.as_deref())),
        Command::Stats {
            command: StatsCommand::Workflows(args),
        } => runtime()?.block_on(workflows::stats(args)),
        Command::Workflows(command) => runtime()?.block_on(workflows::run(command)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("启动异步运行时")
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("XYJT_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[derive(serde::Serialize)]
struct CodeCheckLine<'a> {
    input: &'a str,
    normalized: &'a str,
    kind: CodeKind,
    valid: bool,
    error: Option<String>,
}

fn code_check(codes: &[String], json: bool) -> ExitCode {
    let mut all_valid = true;
    for input in codes {
        let c = check(input);
        let error = c.result.as_ref().err().map(|e| e.to_string());
        all_valid &= error.is_none();
        if json {
            let line = CodeCheckLine {
                input,
                normalized: &c.normalized,
                kind: c.kind,
                valid: error.is_none(),
                error,
            };
            outln!(
                "{}",
                serde_json::to_string(&line).expect("a check line serialises")
            );
        } else {
            let kind = match c.kind {
                CodeKind::Uscc => "统一社会信用代码",
                CodeKind::OrgCode => "组织机构代码",
                CodeKind::RegNo => "工商注册号",
                CodeKind::CitizenId => "居民身份证号",
                CodeKind::Unknown => "未知类型",
            };
            match error {
                None => outln!("{input}\t有效\t{kind}\t{}", c.normalized),
                Some(e) => outln!("{input}\t无效\t{kind}\t{e}"),
            }
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn serve(db: &str, calendar: Calendar, addr: SocketAddr, demo: bool) -> Result<ExitCode> {
    let store = xyjt_store::open(db)
        .await
        .with_context(|| format!("打开数据库 {}", xyjt_store::redact_url(db)))?;
    if demo {
        let n = seed_demo(store.as_ref()).await?;
        if n > 0 {
            tracing::info!(events = n, "demo data written");
            outln!(
                "演示接口令牌（调用 /api/v1/checks）：{}",
                xyjt_app::demo::DEMO_TOKEN
            );
        }
    }
    let state = xyjt_web::AppState::new(store, calendar).await?;
    let app = xyjt_web::Application::build(state, addr)
        .await
        .with_context(|| format!("监听 {addr}"))?;
    let local = app.local_addr()?;
    tracing::info!(addr = %local, db = %xyjt_store::redact_url(db), "xyjt serving");
    outln!("xyjt 已启动：http://{local}/");
    app.run(xyjt_web::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the demo data set into an empty ledger (`xyjt_app::demo::seed`) and prints the demo
/// applications' numbers and query codes so the progress lookup can be tried.
async fn seed_demo(store: &dyn xyjt_store::Store) -> Result<usize> {
    let today = xyjt_core::clock::today_in_china();
    let seeded = xyjt_app::demo::seed(store, &Calendar::builtin(), today).await?;
    for (label, f) in &seeded.applications {
        eprintln!(
            "演示申请（{label}）：编号 {}，查询码 {}",
            f.number, f.query_code
        );
    }
    Ok(seeded.events)
}

async fn rebuild_projections(db: &str, json: bool) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let scratch = xyjt_store::Scratch::create(db).await?;
    let report = async {
        let fresh = xyjt_store::open(&scratch.url).await?;
        let report = xyjt_app::replay::rebuild_projections(store.as_ref(), fresh.as_ref()).await;
        drop(fresh);
        Ok::<_, anyhow::Error>(report?)
    }
    .await;
    scratch.remove().await?;
    let report = report?;
    if json {
        outln!("{}", serde_json::to_string(&report)?);
    } else {
        outln!("重放账本事件 {} 个", report.events);
        outln!(
            "哈希链：{}",
            if report.same_chain {
                "与库中一致"
            } else {
                "与库中不一致"
            }
        );
        for (table, rows) in &report.tables {
            outln!("  {table}\t{rows} 行");
        }
        if report.difference_count == 0 {
            outln!("投影与账本重放结果一致");
        } else {
            outln!(
                "投影与账本重放结果不一致：{} 行不同",
                report.difference_count
            );
            for d in &report.differences {
                outln!("  {d}");
            }
        }
    }
    Ok(if report.equal() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn verify(db: &str, json: bool) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let report = store.verify().await?;
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "valid": report.error.is_none(),
                "events": report.events,
                "head": {"seq": report.head.seq, "hash": report.head.hash},
                "error": report.error.as_ref().map(|e| e.to_string()),
            })
        );
    } else {
        match &report.error {
            None => outln!(
                "账本完整：共 {} 个事件，链尾哈希 {}",
                report.events,
                report.head.hash
            ),
            Some(e) => outln!("账本校验失败：{e}"),
        }
    }
    Ok(if report.error.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn record_show(db: &str, id: &str, as_of: Option<&str>) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let record = match as_of {
        None => store.record(id).await?,
        Some(s) => {
            let at = match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(t) => t.with_timezone(&chrono::Utc),
                Err(_) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .with_context(|| format!("--as-of “{s}” 不是日期"))?
                    .and_hms_micro_opt(23, 59, 59, 999_999)
                    .expect("valid time")
                    .and_utc(),
            };
            store.record_as_of(id, at).await?
        }
    };
    match record {
        Some(r) => {
            outln!("{}", serde_json::to_string_pretty(&r)?);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("记录 {id} 在该时间不存在");
            Ok(ExitCode::from(1))
        }
    }
}

async fn stats(db: &str, json: bool, month: Option<&str>, unit: Option<&str>) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let rows = xyjt_app::stats::stats_rows(store.as_ref(), month, unit).await?;
    let pct = |r: Option<f64>| r.map_or("—".to_string(), |r| format!("{:.2}%", r * 100.0));
    if json {
        for r in &rows {
            outln!("{}", serde_json::to_string(r)?);
        }
    } else {
        outln!(
            "月份\t类别\t数据来源单位\t统一社会信用代码\t接收\t入库\t退回\t迟报\t合规率\t及时率"
        );
        for r in &rows {
            let category = if r.category == "license" {
                "行政许可"
            } else {
                "行政处罚"
            };
            outln!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.month,
                category,
                r.unit_name,
                r.unit_code,
                r.received,
                r.accepted,
                r.rejected,
                r.late,
                pct(r.compliance_rate),
                pct(r.timeliness_rate)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import(
    db: &str,
    file: &std::path::Path,
    options: &xyjt_import::ImportOptions,
    calendar: &Calendar,
    report_path: Option<&std::path::Path>,
) -> Result<ExitCode> {
    use xyjt_import::{ImportError, ImportReport};
    let store = xyjt_store::open(db).await?;
    let policy = xyjt_core::publicity::PublicityPolicy::builtin();
    // A spinner on a terminal; indicatif draws nothing when stderr is not one.
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} 已读取 {pos} 行 ({per_sec}) {elapsed}")
            .expect("a valid template"),
    );
    let mut progress = |n: usize| {
        if n.is_multiple_of(1000) {
            bar.set_position(n as u64);
        }
    };
    let result = xyjt_import::run_import(
        store.as_ref(),
        file,
        options,
        calendar,
        &policy,
        &mut progress,
    )
    .await;
    bar.finish_and_clear();
    let (report, outcome) = match result {
        Ok(outcome) => (outcome.report.clone(), Some(outcome)),
        Err(ImportError::File(e)) => {
            // The file itself cannot be read: nothing was written; say why, in the report too.
            eprintln!("导入失败：{}：{e}", file.display());
            (
                ImportReport {
                    total: 0,
                    accepted: 0,
                    rejected: 0,
                    late: 0,
                    errors: vec![xyjt_import::FieldError {
                        row: 0,
                        field: String::new(),
                        code: "file".into(),
                        message: e.to_string(),
                    }],
                    late_rows: Vec::new(),
                },
                None,
            )
        }
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    if let Some(path) = report_path {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("写入报告 {}", path.display()))?;
    }
    if let Some(o) = &outcome {
        outln!(
            "共 {} 行：有效 {}，无效 {}，迟报 {}；新增 {}，更正 {}，未变 {}",
            report.total,
            report.accepted,
            report.rejected,
            report.late,
            o.published,
            o.corrected,
            o.unchanged
        );
        let state = if options.dry_run {
            "试运行：未写入任何数据".to_string()
        } else if o.committed {
            "已写入账本".to_string()
        } else {
            "存在无效行，整个文件未写入（可改正后重新导入，或使用 --accept-valid 只写入有效行）"
                .to_string()
        };
        outln!("{state}");
        for e in report.errors.iter().take(20) {
            outln!("  第 {} 行 {} [{}]：{}", e.row, e.field, e.code, e.message);
        }
        if report.errors.len() > 20 {
            outln!("  ……另有 {} 条错误，见报告文件", report.errors.len() - 20);
        }
        if let Some(r) = &o.rejects_file {
            outln!(
                "无效行已写入 {}（增加“错误原因”列，改正后可重新导入）",
                r.display()
            );
        }
    }
    Ok(if outcome.is_some() && report.rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[allow(clippy::too_many_arguments)]
async fn export(
    db: &str,
    category: xyjt_core::record::RecordCategory,
    out: &std::path::Path,
    on: NaiveDate,
    unit: Option<String>,
    header: HeaderArg,
    full_ids: bool,
) -> Result<ExitCode> {
    use xyjt_import::{ExportFormat, Exporter, HeaderStyle};
    let store = xyjt_store::open(db).await?;
    let format = match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("xlsx") => ExportFormat::Xlsx,
        _ => ExportFormat::Csv,
    };
    let header = match header {
        HeaderArg::Codes => HeaderStyle::Codes,
        HeaderArg::Zh => HeaderStyle::Chinese,
    };
    let audience = if full_ids {
        xyjt_core::mask::Audience::Owner
    } else {
        xyjt_core::mask::Audience::Government
    };
    let mut exporter = Exporter::create(out, format, category, header, audience)?;
    let mut query = xyjt_store::PublicityQuery {
        on,
        category: Some(category),
        unit,
        decided_from: None,
        decided_to: None,
        limit: 2_000,
        offset: 0,
    };
    loop {
        let page = store.public_records(&query).await?;
        for r in &page.items {
            exporter.write(r)?;
        }
        query.offset += query.limit;
        if page.items.len() < query.limit as usize {
            break;
        }
    }
    let n = exporter.finish()?;
    outln!("已导出 {n} 条{}到 {}", category.label(), out.display());
    Ok(ExitCode::SUCCESS)
}

async fn lists_command(command: ListsCommand) -> Result<ExitCode> {
    use xyjt_core::ledger::EventPayload;
    let now = chrono::Utc::now();
    let today = xyjt_core::clock::today_in_china();
    match command {
        ListsCommand::Propose {
            db,
            list,
            identifier,
            name,
            item,
            basis,
            unit,
            by,
            entry_date,
        } => {
            let store = xyjt_store::open(&db.db).await?;
            let id = lists::propose(
                store.as_ref(),
                lists::parse_list(&list),
                identifier.as_deref(),
                name.as_deref(),
                &item,
                &basis,
                &unit,
                &by,
                entry_date.unwrap_or(today),
                now,
            )
            .await?;
            outln!("{id}");
        }
        ListsCommand::Review {
            db,
            id,
            by,
            reject,
            comment,
        } => {
            let store = xyjt_store::open(&db.db).await?;
            lists::step(
                store.as_ref(),
                &by,
                now,
                EventPayload::ListEntryReviewed {
                    entry_id: id.clone(),
                    by: by.clone(),
                    approved: !reject,
                    comment,
                },
            )
            .await?;
            outln!(
                "{id} {}",
                if reject {
                    "审核不通过"
                } else {
                    "审核通过"
                }
            );
        }
        ListsCommand::Publish { db, id, by, on } => {
            let store = xyjt_store::open(&db.db).await?;
            lists::step(
                store.as_ref(),
                &by,
                now,
                EventPayload::ListEntryPublished {
                    entry_id: id.clone(),
                    on: on.unwrap_or(today),
                },
            )
            .await?;
            outln!("{id} 已发布");
        }
        ListsCommand::End {
            db,
            id,
            reason,
            by,
            on,
        } => {
            let store = xyjt_store::open(&db.db).await?;
            lists::step(
                store.as_ref(),
                &by,
                now,
                EventPayload::ListEntryEnded {
                    entry_id: id.clone(),
                    reason: lists::end_reason(&reason)?,
                    on: on.unwrap_or(today),
                    note: None,
                },
            )
            .await?;
            outln!("{id} 已移出");
        }
        ListsCommand::Evaluate { db, by, on } => {
            let store = xyjt_store::open(&db.db).await?;
            let proposals = lists::evaluate(store.as_ref(), &by, on.unwrap_or(today), now).await?;
            for p in &proposals {
                outln!(
                    "{}\t{}\t{}\t{}",
                    p.id,
                    xyjt_core::check::list_key(&p.list),
                    p.name,
                    p.explanation
                );
            }
            outln!("提出 {} 条列入建议，待审核", proposals.len());
        }
        ListsCommand::ImportExternal { file, list, db } => {
            let store = xyjt_store::open(&db.db).await?;
            let by = format!(
                "import:{}",
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
            let (n, refused) = lists::import_external(
                store.as_ref(),
                &xyjt_import::read_table(&file)?,
                &file.display().to_string(),
                &list,
                &by,
                today,
                now,
            )
            .await?;
            outln!("已载入“{list}”名单 {n} 条");
            for r in &refused {
                outln!("  {r}");
            }
            if !refused.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        ListsCommand::FalsePositive {
            db,
            entry,
            query,
            by,
            reason,
        } => {
            let store = xyjt_store::open(&db.db).await?;
            if store.list_entry(&entry).await?.is_none() {
                anyhow::bail!("名单条目 {entry} 不存在");
            }
            let key = if check(&query).result.is_ok() {
                xyjt_app::checks::query_key(None, Some(&query))
            } else {
                xyjt_app::checks::query_key(Some(&query), None)
            };
            lists::step(
                store.as_ref(),
                &by,
                now,
                EventPayload::FalsePositiveMarked {
                    entry_id: entry.clone(),
                    query_key: key,
                    by: by.clone(),
                    reason,
                },
            )
            .await?;
            outln!("已记录：“{query}”与条目 {entry} 不是同一主体");
        }
        ListsCommand::Show { db, list, json } => {
            let store = xyjt_store::open(&db.db).await?;
            let list = list.map(|l| xyjt_core::check::list_key(&lists::parse_list(&l)));
            for e in store.list_entries(list.as_deref()).await? {
                if json {
                    outln!("{}", serde_json::to_string(&e)?);
                } else {
                    outln!("{}", lists::describe(&e));
                }
            }
        }
        ListsCommand::ExportPolicy { db, out } => {
            let store = xyjt_store::open(&db.db).await?;
            let policy = lists::policy(store.as_ref()).await?;
            if out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
            {
                xyjt_import::policy_xlsx::write_policy_xlsx(&policy, &out)?;
            } else {
                std::fs::write(&out, policy.to_json())?;
            }
            outln!("已导出清单政策第 {} 版到 {}", policy.version, out.display());
        }
        ListsCommand::ImportPolicy {
            file,
            db,
            by,
            note,
            effective_from,
        } => {
            let store = xyjt_store::open(&db.db).await?;
            let current = lists::policy(store.as_ref()).await?;
            let stamp = xyjt_core::ledger::format_timestamp(now);
            let items = if file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
            {
                match xyjt_import::policy_xlsx::read_policy_xlsx(&file, &by, &stamp) {
                    Ok(items) => items,
                    Err(errors) => {
                        for e in &errors {
                            eprintln!("{e}");
                        }
                        return Ok(ExitCode::from(1));
                    }
                }
            } else {
                xyjt_core::lists::ListPolicy::from_json(&std::fs::read_to_string(&file)?)?.items
            };
            let next =
                current.next_version(items, &by, &stamp, &note, effective_from.unwrap_or(today))?;
            let version = next.version;
            store
                .append(vec![xyjt_core::ledger::NewEvent::new(
                    by.as_str(),
                    now,
                    EventPayload::ListPolicyAdopted { policy: next },
                )])
                .await?;
            outln!("已采用清单政策第 {version} 版");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn cases_command(command: CasesCommand) -> Result<ExitCode> {
    use xyjt_core::cases::UnitReport;
    use xyjt_core::ledger::{EventPayload, NewEvent};
    let now = chrono::Utc::now();
    let today = xyjt_core::clock::today_in_china();
    match command {
        CasesCommand::Open {
            db,
            calendar,
            entry,
            initiator,
            units,
            cascade,
            cross_region,
            note,
            by,
        } => {
            let store = xyjt_store::open(&db.db).await?;
            let case = lists::open_case(
                store.as_ref(),
                &entry,
                &initiator,
                &units,
                cascade,
                cross_region,
                &note,
                &by,
                today,
                now,
                &calendar.load()?,
            )
            .await?;
            outln!("{}", case.id);
            outln!(
                "已推送至 {} 个实施单位，反馈期限 {}{}：{}",
                case.implementing_units.len(),
                case.due_on,
                if case.due_provisional {
                    "（暂定）"
                } else {
                    ""
                },
                case.implementing_units.join("、")
            );
        }
        CasesCommand::Report {
            db,
            id,
            unit,
            not_applied,
            note,
        } => {
            if not_applied && note.trim().is_empty() {
                anyhow::bail!("未实施措施时必须用 --note 说明原因");
            }
            let store = xyjt_store::open(&db.db).await?;
            store
                .append(vec![NewEvent::new(
                    unit.as_str(),
                    now,
                    EventPayload::CaseReported {
                        case_id: id.clone(),
                        report: UnitReport {
                            unit: unit.clone(),
                            applied: !not_applied,
                            note,
                            reported_on: today,
                        },
                    },
                )])
                .await?;
            outln!("{id}：{unit} 已反馈");
        }
        CasesCommand::List {
            db,
            initiator,
            overdue,
            json,
        } => {
            let store = xyjt_store::open(&db.db).await?;
            for c in store.joint_cases(initiator.as_deref()).await? {
                if overdue && !c.is_overdue(today) {
                    continue;
                }
                if json {
                    outln!("{}", serde_json::to_string(&c)?);
                    continue;
                }
                outln!(
                    "{}\t{}\t发起：{}\t{} 开案，{} 前反馈{}",
                    c.case.id,
                    c.case.subject_name,
                    c.case.initiating_unit,
                    c.case.opened_on,
                    c.case.due_on,
                    if c.is_overdue(today) {
                        "\t【有逾期】"
                    } else {
                        ""
                    }
                );
                for u in &c.case.implementing_units {
                    outln!("  {u}\t{}", c.unit_status(u, today).label());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn screen(
    db: &str,
    file: &std::path::Path,
    decision_point: &str,
    json: bool,
    min_score: f64,
) -> Result<ExitCode> {
    let point = xyjt_core::lists::DecisionPoint::from_label(decision_point)
        .with_context(|| format!("决策环节“{decision_point}”无效"))?;
    let store = xyjt_store::open(db).await?;
    let index = xyjt_app::checks::load_index(store.as_ref()).await?;
    let table = xyjt_import::read_table(file)?;
    let name_col = table
        .column(&["名称", "投标人名称", "单位名称"])
        .context("投标人文件缺少“名称”列")?;
    let code_col = table.column(&["代码", "统一社会信用代码", "证件号码"]);
    let today = xyjt_core::clock::today_in_china();
    let mut any_hit = false;
    for (row, cells) in &table.rows {
        let name = cells
            .get(name_col)
            .map(String::as_str)
            .filter(|s| !s.is_empty());
        let code = code_col
            .and_then(|c| cells.get(c))
            .map(String::as_str)
            .filter(|s| !s.is_empty());
        let hits = index.screen(name, code, min_score, point, today);
        any_hit |= !hits.is_empty();
        if json {
            let hits: Vec<serde_json::Value> = hits
                .iter()
                .map(|h| {
                    serde_json::json!({
                        "subject_id": h.subject_id,
                        "name": h.name,
                        "list": h.list,
                        "score": h.score,
                        "explanation": h.explanation,
                    })
                })
                .collect();
            outln!(
                "{}",
                serde_json::json!({"input": {"row": row, "name": name, "code": code}, "hits": hits})
            );
        } else if hits.is_empty() {
            outln!("第 {row} 行 {}：未命中", name.or(code).unwrap_or(""));
        } else {
            for h in &hits {
                outln!(
                    "第 {row} 行 {}：命中{}“{}”（条目 {}，得分 {:.2}）{}",
                    name.or(code).unwrap_or(""),
                    h.list,
                    h.name,
                    h.entry_id,
                    h.score,
                    h.explanation.join("；")
                );
            }
        }
    }
    tracing::debug!(decision_point = point.label(), any_hit, "screening done");
    Ok(ExitCode::SUCCESS)
}
