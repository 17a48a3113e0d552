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
    },
}

/// Connects this node to the exchange (used by `serve`).
pub async fn join(
    config: &ExchangeConfig,
    store: Arc<dyn xyjt_store::Store>,
    policies: Arc<xyjt_core::policies::Policies>,
) -> Result<Arc<Exchange>> {
    let ex = Exchange::connect(config, store, policies)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))
        .with_context(|| format!("加入交换 {}（节点 {}）", config.url, config.node))?;
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
            let ex = join(&config, store, policies).await?;
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
                    outln!("  双方一致");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ExchangeCommand::Run { db, exchange, once } => {
            crate::init_tracing();
            let config = exchange.required()?;
            let policies = Arc::new(crate::load_policies(None)?);
            let store = xyjt_store::open(&db.db).await?;
            let ex = join(&config, store, policies).await?;
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
