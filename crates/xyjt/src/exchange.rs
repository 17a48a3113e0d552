//! `xyjt exchange …` and the exchange flags of `serve`: joining the exchange between platforms
//! over NATS JetStream, its status, reconciling with a peer.

use crate::{CalendarArg, DbArg};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use xyjt_app::Ctx;
use xyjt_app::exchange::{Exchange, ExchangeConfig, Status};

/// Joining the exchange between platforms.
#[derive(Args, Clone)]
pub struct ExchangeArgs {
    /// Join the exchange between platforms through this NATS JetStream server
    /// (nats://HOST:PORT); without it the platform runs alone
    #[arg(long = "exchange", env = "XYJT_EXCHANGE")]
    pub url: Option<String>,
    /// This node's unit id in the organisation tree (SF, DH, …); required with --exchange
    #[arg(long, env = "XYJT_NODE")]
    pub node: Option<String>,
    /// Prefix of every stream and subject, so separate networks (and tests) share one broker
    /// without seeing each other
    #[arg(
        long = "exchange-namespace",
        env = "XYJT_EXCHANGE_NAMESPACE",
        default_value = "xyjt"
    )]
    pub namespace: String,
}

impl ExchangeArgs {
    /// The configuration, when `--exchange` was given.
    pub fn config(&self) -> Result<Option<ExchangeConfig>> {
        let Some(url) = &self.url else {
            return Ok(None);
        };
        let Some(node) = &self.node else {
            bail!("--exchange 需要同时给出 --node（本节点在组织机构树中的单位编号，如 SF）");
        };
        Ok(Some(ExchangeConfig {
            url: url.clone(),
            node: node.clone(),
            namespace: self.namespace.clone(),
        }))
    }

    fn required(&self) -> Result<ExchangeConfig> {
        self.config()?
            .context("需要 --exchange nats://HOST:PORT 和 --node（或 XYJT_EXCHANGE、XYJT_NODE）")
    }
}

#[derive(Subcommand)]
pub enum ExchangeCommand {
    /// Per peer: lag, last acknowledged sequence, pending, dead letters; open and overdue
    /// sync clocks (from this node's database)
    Status {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        calendar: CalendarArg,
        #[arg(long)]
        json: bool,
    },
    /// Compare per-origin counts and latest sequence numbers with a peer (over the broker; the
    /// peer must be running) and re-request what either side misses
    Reconcile {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        exchange: ExchangeArgs,
        /// The peer node
        #[arg(long)]
        peer: String,
        #[arg(long)]
        json: bool,
    },
    /// Run the exchange without the web server: relay, receive, acknowledge (with --once:
    /// until caught up, then exit)
    Run {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        exchange: ExchangeArgs,
        #[arg(long)]
        once: bool,
        /// The ledger's private key: peers' `exchange prove` get proofs in checkpoints signed
        /// with it
        #[arg(long, env = "XYJT_SIGNING_KEY")]
        key: Option<std::path::PathBuf>,
    },
    /// Import another region's list file (CSV or XLSX: 来源编号, 名单, 名称, 代码, 列入事项,
    /// 列入依据, 认定单位, 列入日期, 有效期至), a region not on the broker: every row
    /// validated, the valid ones applied in one transaction as facts received from REGION.
    /// Exit 0 when every row was accepted, 1 when any was rejected, 2 on a system error
    ImportLists {
        file: std::path::PathBuf,
        /// The region the file comes from (cited by checks as REGION#N)
        #[arg(long = "from")]
        region: String,
        #[command(flatten)]
        db: DbArg,
        /// Commit the valid rows even if some are invalid (default: one invalid row writes
        /// nothing)
        #[arg(long)]
        accept_valid: bool,
        /// Validate only
        #[arg(long)]
        dry_run: bool,
        /// Write the JSON report here
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
    /// Write the list entries in force as a list file for a system not on the broker (CSV,
    /// the layout `import-lists` reads)
    ExportLists {
        #[arg(long)]
        out: std::path::PathBuf,
        /// Entries in force on this day (default today in China)
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Prove a fact received from a peer against the peer's signed checkpoint (the peer must be
    /// running): exit 1 if the signature, the fact's hash or the inclusion proof fails
    Prove {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        exchange: ExchangeArgs,
        /// The origin node
        #[arg(long)]
        peer: String,
        /// The fact's sequence number in the origin's ledger (as cited: DH#SEQ)
        #[arg(long)]
        seq: i64,
        /// The origin's public key (its ledger.pub)
        #[arg(long)]
        pubkey: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// Connects this node to the exchange (used by `serve`).
pub async fn join(
    config: &ExchangeConfig,
    store: Arc<dyn xyjt_store::Store>,
    policies: Arc<xyjt_core::policies::Policies>,
    key: Option<xyjt_app::ledger_proofs::LedgerKey>,
) -> Result<Arc<Exchange>> {
    let mut ex = Exchange::connect(config, store, policies)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))
        .with_context(|| format!("加入交换 {}（节点 {}）", config.url, config.node))?;
    if let Some(key) = key {
        ex = ex.with_key(key);
    }
    Ok(Arc::new(ex))
}

pub async fn exchange(command: ExchangeCommand) -> Result<ExitCode> {
    match command {
        ExchangeCommand::Status { db, calendar, json } => {
            let policies = calendar.policies()?;
            let store = xyjt_store::open(&db.db).await?;
            let ctx = Ctx::with_policies(
                store.as_ref(),
                &policies,
                xyjt_core::clock::today_in_china(),
            );
            let s = xyjt_app::exchange::status(&ctx)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                print_status(&s);
            }
            Ok(ExitCode::SUCCESS)
        }
        ExchangeCommand::Reconcile {
            db,
            exchange,
            peer,
            json,
        } => {
            let config = exchange.required()?;
            let policies = Arc::new(crate::load_policies(None)?);
            let store = xyjt_store::open(&db.db).await?;
            let ex = join(&config, store, policies, None).await?;
            let r = ex
                .reconcile(&peer)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                outln!("本节点 {} 与节点 {} 对账：", r.node, r.peer);
                outln!(
                    "  {} 已发布至 #{}，本节点已收到至 #{}（本节点账本中来自它的事实 {} 条）",
                    r.peer,
                    r.peer_published_upto,
                    r.our_seen_of_peer,
                    r.our_facts_of_peer
                );
                outln!(
                    "  本节点已发布至 #{}，{} 已收到至 #{}（它的账本中来自本节点的事实 {} 条）",
                    r.our_published_upto,
                    r.peer,
                    r.peer_seen_of_us,
                    r.peer_facts_of_us
                );
                if r.we_miss {
                    outln!("  本节点落后：已请 {} 补发", r.peer);
                }
                if r.peer_misses {
                    outln!("  {} 落后：本节点已补发", r.peer);
                }
                if !r.we_miss && !r.peer_misses {
                    outln!("  序号与计数一致");
                }
                if let Some(m) = &r.merkle {
                    outln!(
                        "  默克尔根（{} 的事实至 #{}）：本节点 {}（{} 条），{} {}（{} 条），查找 {} 轮",
                        r.peer,
                        m.upto,
                        m.root,
                        m.facts,
                        r.peer,
                        m.peer_root,
                        m.peer_facts,
                        m.rounds
                    );
                    for d in &m.divergent {
                        outln!("  不一致区间：#{} 之后至 #{}", d.after, d.upto);
                    }
                    for f in &m.repaired {
                        outln!(
                            "  已修复 {}#{}（{}）：{:?}",
                            r.peer,
                            f.seq,
                            f.kind,
                            f.outcome
                        );
                    }
                    for c in &m.conflicts {
                        outln!("  无法自动修复：{c}");
                    }
                    outln!(
                        "  {}",
                        if m.agree {
                            "默克尔根一致"
                        } else {
                            "默克尔根仍不一致"
                        }
                    );
                    if !m.agree || !m.conflicts.is_empty() {
                        return Ok(ExitCode::from(1));
                    }
                }
            }
            if r.merkle
                .as_ref()
                .is_some_and(|m| !m.agree || !m.conflicts.is_empty())
            {
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        ExchangeCommand::ImportLists {
            file,
            region,
            db,
            accept_valid,
            dry_run,
            report,
        } => {
            let policies = crate::load_policies(None)?;
            let store = xyjt_store::open(&db.db).await?;
            let table = match xyjt_import::read_table(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("无法读取 {}：{e}", file.display());
                    return Ok(ExitCode::from(1));
                }
            };
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let r = xyjt_app::exchange_files::import_lists(
                store.as_ref(),
                &policies,
                &table,
                &xyjt_app::exchange_files::ListImport {
                    region: &region,
                    file: &name,
                    accept_valid,
                    dry_run,
                    today: xyjt_core::clock::today_in_china(),
                    now: chrono::Utc::now(),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
            if let Some(path) = report {
                std::fs::write(&path, serde_json::to_string_pretty(&r)?)
                    .with_context(|| format!("写入报告 {}", path.display()))?;
            }
            for e in &r.errors {
                outln!("第 {} 行 {}：{}", e.row, e.field, e.message);
            }
            outln!(
                "{region} 的名单文件：共 {} 行，接受 {}（其中已有 {}），拒绝 {}；{}",
                r.total,
                r.accepted,
                r.unchanged,
                r.rejected,
                if r.committed {
                    format!("已写入 {} 条", r.entries.len())
                } else if dry_run {
                    "仅校验，未写入".to_string()
                } else {
                    "有无效行，整个文件未写入（--accept-valid 可只写入有效行）".to_string()
                }
            );
            Ok(if r.rejected > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        ExchangeCommand::ExportLists { out, on, db } => {
            let store = xyjt_store::open(&db.db).await?;
            let on = on.unwrap_or_else(xyjt_core::clock::today_in_china);
            let rows = xyjt_app::exchange_files::export_lists(store.as_ref(), on)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            std::fs::write(&out, xyjt_app::exchange_files::to_csv(&rows))
                .with_context(|| format!("写入 {}", out.display()))?;
            outln!("已导出 {} 条名单条目到 {}", rows.len() - 1, out.display());
            Ok(ExitCode::SUCCESS)
        }
        ExchangeCommand::Prove {
            db,
            exchange,
            peer,
            seq,
            pubkey,
            json,
        } => {
            let config = exchange.required()?;
            let key = xyjt_app::ledger_proofs::load_verifier(&pubkey)
                .map_err(|e| anyhow::anyhow!(e.message))?;
            let policies = Arc::new(crate::load_policies(None)?);
            let store = xyjt_store::open(&db.db).await?;
            let ex = join(&config, store, policies, None).await?;
            match ex.prove(&peer, seq, &key).await {
                Ok(p) => {
                    if json {
                        outln!("{}", serde_json::to_string_pretty(&p)?);
                    } else {
                        outln!(
                            "{}#{}（{}，本节点 #{}）已证明：哈希 {} 在 {} 签名的检查点（{} 个事件，根 {}）中；公钥指纹 {}",
                            p.peer,
                            p.seq,
                            p.kind,
                            p.local_seq,
                            p.event_hash,
                            p.key_name,
                            p.checkpoint_size,
                            p.root,
                            p.key_fingerprint
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) if e.kind == xyjt_app::ErrorKind::Conflict => {
                    eprintln!("证明失败：{}", e.message);
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(anyhow::anyhow!(e.message)),
            }
        }
        ExchangeCommand::Run {
            db,
            exchange,
            once,
            key,
        } => {
            crate::init_tracing();
            let config = exchange.required()?;
            let policies = Arc::new(crate::load_policies(None)?);
            let store = xyjt_store::open(&db.db).await?;
            let key = key
                .map(|k| xyjt_app::ledger_proofs::load_signer(&k))
                .transpose()
                .map_err(|e| anyhow::anyhow!(e.message))?
                .map(xyjt_app::ledger_proofs::LedgerKey::configured);
            let ex = join(&config, store, policies, key).await?;
            if once {
                let app = |e: xyjt_app::AppError| anyhow::anyhow!(e.message);
                let published = ex.relay_all().await.map_err(app)?;
                let received = ex
                    .receive_all(Duration::from_millis(500))
                    .await
                    .map_err(app)?;
                let acks = ex
                    .acks_once(Duration::from_millis(500))
                    .await
                    .map_err(app)?;
                outln!(
                    "发布 {published} 条；收到：应用 {}，跳过 {}，重复 {}，缺口 {}，重试 {}，死信 {}；确认 {acks} 条",
                    received.applied,
                    received.skipped,
                    received.duplicates,
                    received.gaps,
                    received.retried,
                    received.dead_lettered
                );
                return Ok(ExitCode::SUCCESS);
            }
            ex.spawn();
            outln!(
                "已加入交换（节点 {}，命名空间 {}）",
                config.node,
                config.namespace
            );
            xyjt_web::shutdown_signal().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_status(s: &Status) {
    match &s.node {
        Some(n) => outln!("本节点：{n}（账本头 #{}）", s.head_seq),
        None => outln!("本数据库尚未加入交换（账本头 #{}）", s.head_seq),
    }
    outln!(
        "转发游标：已检查至 #{}，最后发布 #{}，待检查 {} 个事件",
        s.relay.seq,
        s.relay.prev,
        s.relay_lag
    );
    if s.peers.is_empty() {
        outln!("尚无对端节点");
    }
    for p in &s.peers {
        outln!(
            "对端 {}：待确认 {} 条（已确认至 #{}）；收到至 #{}，应用 {}，跳过 {}，重复 {}，死信 {}{}",
            p.node,
            p.pending,
            p.acked_seq,
            p.seen_seq,
            p.applied,
            p.skipped,
            p.duplicates,
            p.dead_letters,
            p.gap_from
                .map(|g| format!("，#{g} 之后有缺口，已请求补发"))
                .unwrap_or_default()
        );
    }
    for d in &s.dead_letters {
        outln!(
            "死信 {}#{}（{}，投递 {} 次）：{}",
            d.origin_node,
            d.origin_seq,
            d.kind,
            d.deliveries,
            d.reason
        );
    }
    let overdue = s.sync_clocks.iter().filter(|c| c.overdue).count();
    outln!(
        "同步期限：未关闭 {} 个，其中逾期 {overdue} 个",
        s.sync_clocks.len()
    );
    for c in &s.sync_clocks {
        outln!("  {} {}：{}，{}", c.number, c.label, c.due, c.status);
    }
}
