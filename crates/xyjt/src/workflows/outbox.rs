//! The outbox: delivering results to applicants and the provincial platform, recording the sync.

use super::*;
use xyjt_store::OutboxChannel;

/// An outbox channel on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    /// The provincial platform
    Exchange,
    /// The applicant
    Applicant,
    /// The supervising and sharing units (published evaluation results)
    Sharing,
}

impl From<ChannelArg> for OutboxChannel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Exchange => OutboxChannel::Exchange,
            ChannelArg::Applicant => OutboxChannel::Applicant,
            ChannelArg::Sharing => OutboxChannel::Sharing,
        }
    }
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Messages waiting for delivery (with --all, delivered ones too)
    List {
        #[command(flatten)]
        env: Env,
        /// exchange | applicant
        #[arg(long)]
        channel: Option<ChannelArg>,
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
        channel: ChannelArg,
        /// Append the JSON lines to this file (default stdout)
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        by: String,
    },
}

pub(crate) async fn outbox(command: OutboxCommand) -> Result<ExitCode> {
    match command {
        OutboxCommand::List {
            env,
            channel,
            all,
            json,
        } => {
            let (store, _) = open(&env).await?;
            let items = store.outbox(channel.map(Into::into), !all).await?;
            for m in &items {
                if json {
                    outln!("{}", serde_json::to_string(m)?);
                    continue;
                }
                outln!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    m.id,
                    m.channel.as_str(),
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
        } => drain(&env, channel.into(), out.as_deref(), &by).await,
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

pub(crate) async fn drain(
    env: &Env,
    channel: OutboxChannel,
    out: Option<&Path>,
    by: &str,
) -> Result<ExitCode> {
    let (store, pol) = open(env).await?;
    let cal = &pol.calendar;
    let ctx = Ctx::with_policies(store.as_ref(), &pol, env.today());
    let on_stdout = out.is_some();
    let items = store.outbox(Some(channel), true).await?;
    if items.is_empty() {
        say!(on_stdout, "“{}”通道没有待发送的消息", channel.as_str());
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
            "已将“{}”通道 {} 条消息写入 {}，标记为已发送 {marked} 条",
            channel.as_str(),
            items.len(),
            path.display()
        ),
        None => say!(
            on_stdout,
            "已写出“{}”通道 {} 条消息，标记为已发送 {marked} 条",
            channel.as_str(),
            items.len()
        ),
    }
    if channel != OutboxChannel::Exchange {
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
            outcome: None,
        };
        match take_step(&ctx, number, &req, by).await {
            Ok(after) => {
                let c = after.clock("sync").expect("a sync clock");
                say!(
                    on_stdout,
                    "{number}：已记录报送{PROVINCIAL_PLATFORM}（{}，{}）",
                    ctx.today,
                    c.status(cal, ctx.today, near_due()).label()
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
