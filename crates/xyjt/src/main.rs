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
    /// Statistics
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
    },
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
                    println!("{}", cal.add_workdays(date, n)?);
                }
                CalendarCommand::WorkdaysBetween { from, to } => {
                    println!("{}", cal.workdays_between(from, to)?);
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
        Command::Migrate { db } => runtime()?.block_on(async {
            xyjt_store::open(&db.db).await?;
            println!("数据库已是最新结构：{}", xyjt_store::redact_url(&db.db));
            Ok(ExitCode::SUCCESS)
        }),
        Command::Demo { db } => runtime()?.block_on(async {
            let store = xyjt_store::open(&db.db).await?;
            let n = seed_demo(store.as_ref()).await?;
            println!("演示数据：写入 {n} 个事件");
            Ok(ExitCode::SUCCESS)
        }),
        Command::Record {
            command: RecordCommand::Show { db, id, as_of },
        } => runtime()?.block_on(record_show(&db.db, &id, as_of.as_deref())),
        Command::Stats {
            command:
                StatsCommand::Shuanggongshi {
                    db,
                    json,
                    month,
                    unit,
                },
        } => runtime()?.block_on(stats(&db.db, json, month.as_deref(), unit.as_deref())),
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
            println!(
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
                None => println!("{input}\t有效\t{kind}\t{}", c.normalized),
                Some(e) => println!("{input}\t无效\t{kind}\t{e}"),
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
        }
    }
    let state = xyjt_web::AppState::new(store, calendar);
    let app = xyjt_web::Application::build(state, addr)
        .await
        .with_context(|| format!("监听 {addr}"))?;
    let local = app.local_addr()?;
    tracing::info!(addr = %local, db = %xyjt_store::redact_url(db), "xyjt serving");
    println!("xyjt 已启动：http://{local}/");
    app.run(xyjt_web::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the demo data set into an empty ledger; leaves a non-empty one alone.
async fn seed_demo(store: &dyn xyjt_store::Store) -> Result<usize> {
    if store.head().await?.seq > 0 {
        return Ok(0);
    }
    let today = chrono::Local::now().date_naive();
    let events = xyjt_core::demo::generate(today, 20_261_122);
    let n = events.len();
    for chunk in events.chunks(2_000) {
        store.append(chunk.to_vec()).await?;
    }
    Ok(n)
}

async fn verify(db: &str, json: bool) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let report = store.verify().await?;
    if json {
        println!(
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
            None => println!(
                "账本完整：共 {} 个事件，链尾哈希 {}",
                report.events, report.head.hash
            ),
            Some(e) => println!("账本校验失败：{e}"),
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
            println!("{}", serde_json::to_string_pretty(&r)?);
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
    let rows = xyjt_web::stats_rows(store.as_ref(), month, unit).await?;
    let pct = |r: Option<f64>| r.map_or("—".to_string(), |r| format!("{:.2}%", r * 100.0));
    if json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        println!(
            "月份\t类别\t数据来源单位\t统一社会信用代码\t接收\t入库\t退回\t迟报\t合规率\t及时率"
        );
        for r in &rows {
            let category = if r.category == "license" {
                "行政许可"
            } else {
                "行政处罚"
            };
            println!(
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
