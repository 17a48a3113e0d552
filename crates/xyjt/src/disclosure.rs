//! Government information disclosure (`xyjt disclosure …`): the public catalogue, on-time
//! publication per unit, and the annual report (the statutory table checked by its identity, as
//! text, JSON or XLSX). Drafting and the confidentiality review are console work (they need a
//! signed-in account). Thin: every rule is in `xyjt_app::disclosure`. Exit codes: 0 done, 1
//! refused (the reason on stderr), 2 usage or system error.

use crate::evaluation::{Env, Opened, refused};
use anyhow::{Context as _, Result};
use clap::Subcommand;
use std::process::ExitCode;
use xyjt_app::disclosure::{self as dc, CatalogueQuery};

#[derive(Subcommand)]
pub enum DisclosureCommand {
    /// The public catalogue (主动公开目录): published, 主动公开 items, newest first
    Catalogue {
        #[command(flatten)]
        env: Env,
        /// Words that must all appear (title, 索引号, 文号, 主题词, 内容概览)
        #[arg(long)]
        q: Option<String>,
        /// A category (决策公开 …) or its id
        #[arg(long)]
        category: Option<String>,
        /// A sub-column (政策解读 …) or its id
        #[arg(long)]
        column: Option<String>,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// On-time publication per unit (items whose column has a publication deadline)
    OnTime {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        json: bool,
    },
    /// The annual report (年度报告) of a year: part 3 as the official table, its identity checked
    Report {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        year: i32,
        /// The whole report as JSON
        #[arg(long)]
        json: bool,
        /// Also write the report as a spreadsheet here
        #[arg(long)]
        xlsx: Option<std::path::PathBuf>,
    },
}

pub async fn disclosure(command: DisclosureCommand) -> Result<ExitCode> {
    match command {
        DisclosureCommand::Catalogue {
            env,
            q,
            category,
            column,
            json,
        } => {
            let o = Opened::new(&env).await?;
            let ctx = o.ctx();
            let query = CatalogueQuery {
                q,
                category,
                column,
                unit: None,
            };
            let items = match dc::catalogue(&ctx, &query).await {
                Ok(i) => i,
                Err(e) => return Ok(refused(&e, json)),
            };
            for s in &items {
                let p = dc::public_view(&ctx, s);
                if json {
                    outln!("{}", serde_json::to_string(&p)?);
                } else {
                    outln!(
                        "{}\t{}\t{} / {}\t{}\t{}",
                        p.index_no,
                        p.published_on,
                        p.category,
                        p.column,
                        p.validity,
                        p.title
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DisclosureCommand::OnTime { env, json } => {
            let o = Opened::new(&env).await?;
            let rows = match dc::on_time(&o.ctx()).await {
                Ok(r) => r,
                Err(e) => return Ok(refused(&e, json)),
            };
            for r in rows {
                if json {
                    outln!("{}", serde_json::to_string(&r)?);
                } else {
                    outln!(
                        "{}\t有时限 {}\t按期 {}\t逾期公开 {}\t已逾期 {}\t按期公开率 {}",
                        r.unit,
                        r.clocks,
                        r.done_on_time,
                        r.done_late,
                        r.overdue,
                        r.on_time_rate
                            .map(|x| format!("{:.1}%", x * 100.0))
                            .unwrap_or_else(|| "—".into())
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DisclosureCommand::Report {
            env,
            year,
            json,
            xlsx,
        } => {
            let o = Opened::new(&env).await?;
            let r = match dc::annual_report(&o.ctx(), year).await {
                Ok(r) => r,
                Err(e) => return Ok(refused(&e, json)),
            };
            if let Some(path) = &xlsx {
                let bytes = xyjt_import::disclosure_xlsx::annual_report_xlsx(&r)
                    .map_err(anyhow::Error::msg)?;
                std::fs::write(path, bytes).with_context(|| format!("写入 {}", path.display()))?;
            }
            if json {
                outln!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            outln!("{}{}年政府信息公开工作年度报告", r.unit, r.year);
            outln!("三、收到和处理政府信息公开申请情况（勾稽关系已核对）");
            outln!("\t{}", r.requests.columns.join("\t"));
            for row in &r.requests.rows {
                let values: Vec<String> = row.values.iter().map(u64::to_string).collect();
                outln!("{}\t{}", row.label, values.join("\t"));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
