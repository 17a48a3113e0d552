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

mod disclosure;
mod evaluation;
mod exchange;
mod integrity;
mod joint;
mod proofs;
mod records;
mod reports;
mod workflows;

use joint::{CasesCommand, ListsCommand, cases_command, lists_command, screen};
use records::{
    CategoryArg, HeaderArg, RecordCommand, StatsCommand, export, import, record_show, stats,
};

#[derive(Parser)]
#[command(name = "xyjt", version, about = "信用交通 credit information platform")]
struct Cli {
    /// A directory of policy files (publicity.toml, deadlines.toml, commitments.toml,
    /// org-tree.toml, cn-calendar.toml, lists.json, limits.toml, evaluation.toml,
    /// inspection.toml, discretion.toml) overriding the built-in ones; a file not there keeps
    /// its default
    #[arg(long, global = true, env = "XYJT_POLICY_DIR")]
    policy_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The `--policy-dir` given, set once when the command line is parsed.
static POLICY_DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// Every policy, loaded once per command: the policy directory's files or the built-in ones,
/// and a newer calendar when `--calendar` names one.
fn load_policies(calendar: Option<&std::path::Path>) -> Result<xyjt_core::policies::Policies> {
    let dir = POLICY_DIR.get().and_then(|d| d.as_deref());
    Ok(xyjt_app::policies::load(dir, calendar)?)
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
        Ok(self.policies()?.calendar)
    }

    fn policies(&self) -> Result<xyjt_core::policies::Policies> {
        load_policies(self.calendar.as_deref())
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
        /// A reverse proxy whose X-Forwarded-For (the client's address, for rate limits and
        /// sign-in throttling) and X-Forwarded-Proto (HTTPS: HSTS and Secure cookies) are
        /// believed: an address or a network (10.0.0.5, 10.0.0.0/8); repeat it, or separate
        /// with commas. None by default: those headers are ignored
        #[arg(
            long = "trusted-proxy",
            env = "XYJT_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<String>,
        /// The ledger's private signing key (ledger.key from `xyjt keys init`) for the
        /// checkpoints; without one a throwaway key is made at start-up and labelled 临时密钥
        /// on the portal and in /api/v1/ledger/key
        #[arg(long = "key", env = "XYJT_SIGNING_KEY")]
        key: Option<PathBuf>,
        /// The portal's address as the public reaches it (https://credit.example.gov.cn):
        /// credit reports link their verification page there (the PDF's QR code). Default:
        /// http:// and the listening address
        #[arg(long = "public-url", env = "XYJT_PUBLIC_URL")]
        public_url: Option<String>,
        /// A PostgreSQL streaming replica of --db (postgres://…): the public pages and API and
        /// the check index read it; every write stays on --db. Not for SQLite
        #[arg(long = "read-db", env = "XYJT_READ_DB")]
        read_db: Option<String>,
        #[command(flatten)]
        exchange: exchange::ExchangeArgs,
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
    /// Walk the ledger's hash chain, then replay the ledger into a scratch database of the same
    /// backend and compare the projections (what is served) with the stored ones; exit 1
    /// naming the first bad event or the first difference (table, row, column)
    Verify {
        #[command(flatten)]
        db: DbArg,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        /// Only walk the hash chain; do not replay and compare the projections
        #[arg(long)]
        chain_only: bool,
        /// Also check that the ledger is a consistent, append-only extension of this signed
        /// checkpoint (kept from `xyjt checkpoint` or GET /api/v1/ledger/checkpoint)
        #[arg(long, requires = "pubkey")]
        checkpoint: Option<PathBuf>,
        /// The public key the checkpoint is signed with (ledger.pub)
        #[arg(long, requires = "checkpoint")]
        pubkey: Option<PathBuf>,
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
    /// Credit evaluation (信用评价): grading, runs from the ledger, review, publication
    Eval {
        #[command(subcommand)]
        command: evaluation::EvalCommand,
    },
    /// Random inspections (双随机一公开): draws, replays, coverage, results
    Inspect {
        #[command(subcommand)]
        command: evaluation::InspectCommand,
    },
    /// Government information disclosure (政务公开): the catalogue, on-time rates, the annual report
    Disclosure {
        #[command(subcommand)]
        command: disclosure::DisclosureCommand,
    },
    /// Government integrity (政务诚信): registration, records, 容错纠错
    Integrity {
        #[command(subcommand)]
        command: integrity::IntegrityCommand,
    },
    /// The ledger's Ed25519 signing key
    Keys {
        #[command(subcommand)]
        command: proofs::KeysCommand,
    },
    /// Sign a checkpoint (C2SP tlog-checkpoint) of the ledger's Merkle tree now, keep it and print it
    Checkpoint {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        key: proofs::KeyArg,
        /// Print the kept checkpoint as JSON
        #[arg(long)]
        json: bool,
    },
    /// Witness a checkpoint: accept it only if it extends the last one accepted (consistency
    /// proof), keep it, optionally cosign it; exit 1 on a rollback or a fork
    Witness(proofs::WitnessArgs),
    /// Credit reports (信用报告): issue one as signed JSON, verify one offline
    Report {
        #[command(subcommand)]
        command: reports::ReportCommand,
    },
    /// Exchange between platforms over NATS JetStream (信用信息交换): status, reconcile, run
    Exchange {
        #[command(subcommand)]
        command: exchange::ExchangeCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Issue an API token for a calling system (printed once; only its hash is stored)
    CreateToken {
        /// The calling system's name, e.g. 省公共资源交易平台
        #[arg(long)]
        name: String,
        /// Limit the token to this decision point (repeatable); the personnel decision points
        /// (公务员录用/干部任用, 职务晋升) can only be asked with a token that names them
        #[arg(long = "decision-point")]
        decision_points: Vec<String>,
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
    let _ = POLICY_DIR.set(cli.policy_dir.clone());
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
            trusted_proxies,
            key,
            public_url,
            read_db,
            exchange,
        } => {
            init_tracing();
            let exchange = exchange.config()?;
            let policies = calendar.policies()?;
            let proxies =
                xyjt_web::TrustedProxies::parse(&trusted_proxies).map_err(anyhow::Error::msg)?;
            let key = key
                .map(|k| xyjt_app::ledger_proofs::load_signer(&k))
                .transpose()?;
            let public_url = reports::public_url(public_url.as_deref(), &format!("http://{addr}"))?;
            let web = WebOptions {
                trusted_proxies: proxies,
                key,
                public_url,
                read_db,
            };
            runtime()?.block_on(serve(&db.db, policies, addr, demo, web, exchange))
        }
        Command::Verify {
            db,
            json,
            chain_only,
            checkpoint,
            pubkey,
        } => runtime()?.block_on(verify(&db.db, json, chain_only, checkpoint.zip(pubkey))),
        Command::Keys { command } => proofs::keys(command),
        Command::Checkpoint { db, key, json } => {
            runtime()?.block_on(proofs::checkpoint(&db.db, &key, json))
        }
        Command::Witness(args) => runtime()?.block_on(proofs::witness(args)),
        Command::Exchange { command } => runtime()?.block_on(exchange::exchange(command)),
        Command::Report {
            command:
                reports::ReportCommand::Issue {
                    subject,
                    db,
                    key,
                    out,
                    public_url,
                },
        } => runtime()?.block_on(reports::issue(&subject, &db.db, &key, &out, &public_url)),
        Command::Report {
            command: reports::ReportCommand::Verify { file, pubkey, json },
        } => reports::verify(&file, &pubkey, json),
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
            let n = seed_demo(store.as_ref(), &load_policies(None)?).await?;
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
            let policies = calendar.policies()?;
            let options = xyjt_import::ImportOptions {
                category: category.category(),
                as_of: as_of.unwrap_or_else(xyjt_core::clock::today_in_china),
                dry_run,
                accept_valid,
                rejects_path: rejects,
                actor: String::new(),
                recorded_at: chrono::Utc::now(),
            };
            runtime()?.block_on(import(
                &db.db,
                &file,
                &options,
                &policies,
                report.as_deref(),
            ))
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
            command:
                AdminCommand::CreateToken {
                    name,
                    decision_points,
                    db,
                },
        } => runtime()?.block_on(async {
            let points = decision_points
                .iter()
                .map(|p| {
                    xyjt_core::lists::DecisionPoint::from_label(p)
                        .ok_or_else(|| anyhow::anyhow!("未知的决策点“{p}”"))
                })
                .collect::<Result<Vec<_>>>()?;
            let store = xyjt_store::open(&db.db).await?;
            let token =
                xyjt_app::accounts::issue_scoped_token(store.as_ref(), &name, &points, "admin:cli")
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
            let tree = load_policies(None)?.org;
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
        Command::Eval {
            command:
                command @ (evaluation::EvalCommand::Grade { .. }
                | evaluation::EvalCommand::Consortium { .. }),
        } => evaluation::eval_pure(command),
        Command::Eval { command } => runtime()?.block_on(evaluation::eval_db(command)),
        Command::Inspect { command } => runtime()?.block_on(evaluation::inspect(command)),
        Command::Disclosure { command } => runtime()?.block_on(disclosure::disclosure(command)),
        Command::Integrity { command } => runtime()?.block_on(integrity::integrity(command)),
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

/// How the server faces the public: its proxies, its signing key, its address.
struct WebOptions {
    trusted_proxies: xyjt_web::TrustedProxies,
    key: Option<xyjt_verify::note::SignerKey>,
    public_url: String,
    /// `--read-db`: a streaming replica the public reads go to.
    read_db: Option<String>,
}

/// How long the server waits at start-up for the `--read-db` replica to replay what the
/// primary had written.
const REPLICA_CATCH_UP: std::time::Duration = std::time::Duration::from_secs(60);

async fn serve(
    db: &str,
    policies: xyjt_core::policies::Policies,
    addr: SocketAddr,
    demo: bool,
    web: WebOptions,
    exchange: Option<xyjt_app::exchange::ExchangeConfig>,
) -> Result<ExitCode> {
    let WebOptions {
        trusted_proxies,
        key,
        public_url,
        read_db,
    } = web;
    if let Some(url) = &read_db {
        xyjt_store::check_replica_url(xyjt_store::Backend::from_url(db)?, url)?;
    }
    let primary = xyjt_store::SqlStore::connect(db)
        .await
        .with_context(|| format!("打开数据库 {}", xyjt_store::redact_url(db)))?;
    // Refused before anything is written: SQLite, a server not in recovery, another cluster.
    let replica = match &read_db {
        Some(url) => Some(primary.reading_from_replica(url).await?),
        None => None,
    };
    let store: std::sync::Arc<dyn xyjt_store::Store> = std::sync::Arc::new(primary);
    if demo {
        let n = seed_demo(store.as_ref(), &policies).await?;
        if n > 0 {
            tracing::info!(events = n, "demo data written");
            outln!(
                "演示接口令牌（调用 /api/v1/checks）：{}",
                xyjt_app::demo::DEMO_TOKEN
            );
        }
    }
    let interval = policies.checkpoints.interval_minutes;
    let public_store: std::sync::Arc<dyn xyjt_store::Store> = match replica {
        Some(replica) => {
            // The first list policy is adopted on the primary, and the check index is built
            // only once the replica has replayed it (never adopted twice from a stale view).
            xyjt_app::checks::current_policy(store.as_ref(), &policies.lists).await?;
            replica.wait_for_replica(REPLICA_CATCH_UP).await?;
            let lag = replica.replay_lag().await?;
            tracing::info!(
                read_db = %xyjt_store::redact_url(read_db.as_deref().unwrap_or_default()),
                replay_lag_s = lag.unwrap_or(0.0),
                "public reads go to the read replica"
            );
            outln!(
                "公开页面与接口、核查索引读取只读副本 {}；写入都在主库",
                xyjt_store::redact_url(read_db.as_deref().unwrap_or_default())
            );
            std::sync::Arc::new(replica)
        }
        None => store.clone(),
    };
    let mut state = xyjt_web::AppState::with_stores(store.clone(), public_store, policies).await?;
    state.trusted_proxies = trusted_proxies;
    state.public_url = public_url;
    match key {
        Some(k) => state.ledger_key = xyjt_app::ledger_proofs::LedgerKey::configured(k),
        None => {
            tracing::warn!("no signing key configured: checkpoints use a throwaway key");
            eprintln!(
                "注意：未配置签名密钥（--key 或 XYJT_SIGNING_KEY），检查点使用本次启动临时生成的密钥，重启后失效，仅供演示"
            );
        }
    }
    if let Some(config) = &exchange {
        // Peers' `exchange prove` get proofs in checkpoints signed with the configured key
        // (never with a throwaway one).
        let key = (!state.ledger_key.ephemeral).then(|| state.ledger_key.clone());
        let ex = exchange::join(config, store.clone(), state.policies.clone(), key).await?;
        ex.spawn();
        tracing::info!(exchange.node = %config.node, exchange.namespace = %config.namespace, "joined the exchange");
        outln!(
            "已加入交换：节点 {}，命名空间 {}",
            config.node,
            config.namespace
        );
    }
    xyjt_app::ledger_proofs::spawn_checkpointer(store, state.ledger_key.clone(), interval);
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
async fn seed_demo(
    store: &dyn xyjt_store::Store,
    policies: &xyjt_core::policies::Policies,
) -> Result<usize> {
    let today = xyjt_core::clock::today_in_china();
    let seeded = xyjt_app::demo::seed(store, policies, today).await?;
    for (label, f) in &seeded.applications {
        eprintln!(
            "演示申请（{label}）：编号 {}，查询码 {}",
            f.number, f.query_code
        );
    }
    Ok(seeded.events)
}

/// Replays `store`'s ledger into a scratch database of the same backend (removed afterwards)
/// and compares the projections.
async fn replay_in_scratch(
    db: &str,
    store: &dyn xyjt_store::Store,
) -> Result<xyjt_app::replay::ReplayReport> {
    let scratch = xyjt_store::Scratch::create(db).await?;
    let report = async {
        let fresh = xyjt_store::open(&scratch.url).await?;
        let report = xyjt_app::replay::rebuild_projections(store, fresh.as_ref()).await;
        drop(fresh);
        Ok::<_, anyhow::Error>(report?)
    }
    .await;
    scratch.remove().await?;
    report
}

async fn rebuild_projections(db: &str, json: bool) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let report = replay_in_scratch(db, store.as_ref()).await?;
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
            if let Some(d) = &report.first_difference {
                outln!("第一处不同：{d}");
            }
        }
    }
    Ok(if report.equal() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn verify(
    db: &str,
    json: bool,
    chain_only: bool,
    checkpoint: Option<(PathBuf, PathBuf)>,
) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let report = store.verify().await?;
    let against = match &checkpoint {
        Some((file, pubkey)) => {
            match proofs::against_checkpoint(store.as_ref(), file, pubkey).await? {
                Ok(verdict) => Some(verdict),
                Err(e) => return Ok(workflows::report_refusal(&e, json)),
            }
        }
        None => None,
    };
    // The projections are compared only over a sound chain: a broken one is the finding.
    let replay = match (&report.error, chain_only) {
        (None, false) => Some(replay_in_scratch(db, store.as_ref()).await?),
        _ => None,
    };
    let projection_error = replay.as_ref().and_then(|r| {
        if r.equal() {
            None
        } else if let Some(d) = &r.first_difference {
            Some(format!(
                "投影与账本重放不一致（共 {} 行不同），第一处：{d}",
                r.difference_count
            ))
        } else {
            Some("投影与账本重放不一致：重放所得的哈希链与库中不同".to_string())
        }
    });
    // The tree and the kept checkpoints against the events (over a sound chain).
    let tree_problems = match &report.error {
        None => xyjt_app::ledger_proofs::self_check(store.as_ref()).await?,
        Some(_) => Vec::new(),
    };
    let valid = report.error.is_none()
        && projection_error.is_none()
        && tree_problems.is_empty()
        && against.as_ref().is_none_or(|v| v.ok());
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "valid": valid,
                "events": report.events,
                "head": {"seq": report.head.seq, "hash": report.head.hash},
                "error": report
                    .error
                    .as_ref()
                    .map(|e| e.to_string())
                    .or(projection_error.clone())
                    .or(tree_problems.first().cloned()),
                "chain_valid": report.error.is_none(),
                "projections": replay.as_ref().map(|r| serde_json::json!({
                    "equal": r.equal(),
                    "same_chain": r.same_chain,
                    "difference_count": r.difference_count,
                    "first_difference": r.first_difference,
                })),
                "tree_problems": tree_problems,
                "checkpoint": against.as_ref().map(|v| serde_json::json!({
                    "consistent": v.ok(),
                    "message": v.message(),
                    "verdict": v,
                })),
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
        match (&replay, &projection_error) {
            (Some(r), None) => outln!("投影与账本重放一致：{} 张表", r.tables.len()),
            (_, Some(e)) => outln!("{e}"),
            (None, None) => {}
        }
        for p in &tree_problems {
            outln!("{p}");
        }
        if let Some(v) = &against {
            outln!("{}", v.message());
        }
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
