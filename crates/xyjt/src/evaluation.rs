//! Credit evaluation (`xyjt eval …`) and graded, randomised supervision (`xyjt inspect …`) from
//! the command line. Thin: every rule is in `xyjt_app::evaluation` / `xyjt_app::inspection`.
//! Exit codes: 0 done (a replay identical), 1 refused or different (the reason on stderr),
//! 2 usage or system error.

use crate::{CalendarArg, DbArg, load_policies};
use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use xyjt_app::{AppError, Ctx};
use xyjt_core::inspection::{InspectionOutcome, Inspector};

#[derive(Args, Clone)]
pub struct Env {
    #[command(flatten)]
    db: DbArg,
    #[command(flatten)]
    calendar: CalendarArg,
    /// Who acts (recorded in the ledger)
    #[arg(long, default_value = "cli")]
    by: String,
    /// Act as on this day instead of today in China (reproducible runs and tests)
    #[arg(long, hide = true)]
    today: Option<NaiveDate>,
}

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Grade a score under a model (pure: no database)
    Grade {
        #[arg(long)]
        model: String,
        #[arg(long, allow_hyphen_values = true)]
        score: String,
        /// Bad-behaviour points (不良行为记分), where the model's bands ask for them
        #[arg(long, allow_hyphen_values = true)]
        points: Option<String>,
        /// The previous period's grade (limits the rise where the model says so)
        #[arg(long)]
        previous: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Grade a consortium (联合体) from its members' grades
    Consortium {
        #[arg(long)]
        model: String,
        #[arg(required = true)]
        grades: Vec<String>,
    },
    /// Score every subject the model applies to from the ledger and propose the results
    Run {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        model: String,
        /// The period (a year, e.g. 2025)
        #[arg(long)]
        period: String,
        /// Facts up to this day (default: today, at most the period's end)
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// The evaluating unit (default: the organisation tree's root)
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Review a proposed run (another person than the proposer)
    Review {
        #[command(flatten)]
        env: Env,
        run: String,
        #[arg(long, conflicts_with = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Publish an approved run (copies to the supervising and sharing units)
    Publish {
        #[command(flatten)]
        env: Env,
        run: String,
    },
    /// List runs, or one run's results
    Show {
        #[command(flatten)]
        env: Env,
        run: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Re-score a published result (after an upheld objection) and re-publish it
    Rescore {
        #[command(flatten)]
        env: Env,
        result: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        application: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum InspectCommand {
    /// Make and record a random draw for a quarter
    Draw {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        quarter: String,
        /// The seed as hex (16–64 bytes); default: a fresh random seed
        #[arg(long)]
        seed: Option<String>,
        /// The drawing unit, whose inspector pool is used (default: the tree's root)
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Recompute a draw from its recorded seed and snapshot: exit 0 identical, 1 different
    Replay {
        #[command(flatten)]
        env: Env,
        draw: String,
    },
    /// Blacklisted subjects of a quarter and whether they have been inspected
    Coverage {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        quarter: String,
        #[arg(long)]
        json: bool,
    },
    /// Set a unit's inspector pool from a CSV file (编号,姓名,所在单位[,回避代码])
    Pool {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        unit: String,
        file: PathBuf,
    },
    /// Record a drawn task's result
    Result {
        #[command(flatten)]
        env: Env,
        draw: String,
        task: u32,
        /// no_problem / problems_found / case_opened (or 未发现问题 …)
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        note: String,
        /// The day of the inspection (default: today)
        #[arg(long)]
        on: Option<NaiveDate>,
        /// The recording unit (default: the draw's unit)
        #[arg(long)]
        unit: Option<String>,
    },
}

pub(crate) fn refused(e: &AppError, json: bool) -> ExitCode {
    crate::workflows::report_refusal(e, json)
}

/// Pure grading: the model from the policy files.
pub fn eval_pure(command: EvalCommand) -> Result<ExitCode> {
    let policies = load_policies(None)?;
    match command {
        EvalCommand::Grade {
            model,
            score,
            points,
            previous,
            json,
        } => match xyjt_app::evaluation::grade(
            &policies.evaluation,
            &model,
            &score,
            points.as_deref(),
            previous.as_deref(),
        ) {
            Ok(g) if json => {
                outln!(
                    "{}",
                    json!({"grade": g.grade, "band": g.band, "explanation": g.explanation})
                );
                Ok(ExitCode::SUCCESS)
            }
            Ok(g) => {
                outln!("{}", g.grade);
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Ok(refused(&e, json)),
        },
        EvalCommand::Consortium { model, grades } => {
            let members: Vec<&str> = grades.iter().map(String::as_str).collect();
            match xyjt_app::evaluation::consortium(&policies.evaluation, &model, &members) {
                Ok(g) => {
                    outln!("{}", g.grade);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        _ => unreachable!("database commands go through eval_db"),
    }
}

pub(crate) struct Opened {
    pub(crate) store: std::sync::Arc<dyn xyjt_store::Store>,
    pub(crate) policies: xyjt_core::policies::Policies,
    pub(crate) today: NaiveDate,
    pub(crate) by: String,
}

impl Opened {
    pub(crate) async fn new(env: &Env) -> Result<Self> {
        Ok(Opened {
            store: xyjt_store::open(&env.db.db).await?,
            policies: env.calendar.policies()?,
            today: env.today.unwrap_or_else(xyjt_core::clock::today_in_china),
            by: env.by.clone(),
        })
    }

    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx::with_policies(self.store.as_ref(), &self.policies, self.today)
    }

    fn root_unit(&self) -> String {
        self.policies
            .org
            .units
            .iter()
            .find(|u| u.parent.is_none())
            .map(|u| u.id.clone())
            .unwrap_or_default()
    }
}

pub async fn eval_db(command: EvalCommand) -> Result<ExitCode> {
    match command {
        EvalCommand::Run {
            env,
            model,
            period,
            as_of,
            unit,
            json,
        } => {
            let o = Opened::new(&env).await?;
            let unit = unit.unwrap_or_else(|| o.root_unit());
            match xyjt_app::evaluation::run(&o.ctx(), &model, &period, as_of, &unit, &o.by).await {
                Ok(run) if json => {
                    outln!("{}", xyjt_app::evaluation::run_json(&run, o.today));
                    Ok(ExitCode::SUCCESS)
                }
                Ok(run) => {
                    outln!(
                        "评价批次 {}：{} 第 {} 版，{} 年度，{} 户（未能评级 {} 户），待审核",
                        run.run.id,
                        run.run.model_title,
                        run.run.model_version,
                        run.run.period,
                        run.run.subjects,
                        run.run.ungraded
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, json)),
            }
        }
        EvalCommand::Review {
            env,
            run,
            approve,
            reject,
            comment,
        } => {
            if approve == reject {
                anyhow::bail!("请给出 --approve 或 --reject 之一");
            }
            let o = Opened::new(&env).await?;
            match xyjt_app::evaluation::review(&o.ctx(), &run, &o.by, approve, &comment).await {
                Ok(s) => {
                    outln!(
                        "评价批次 {}：{}{}",
                        s.run.id,
                        s.status.label(),
                        s.due
                            .map(|d| format!("，须于 {d} 前发布并抄送"))
                            .unwrap_or_default()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        EvalCommand::Publish { env, run } => {
            let o = Opened::new(&env).await?;
            match xyjt_app::evaluation::publish(&o.ctx(), &run, &o.by).await {
                Ok(s) => {
                    outln!(
                        "评价批次 {} 已发布（{}），有效期至 {}，已抄送主管单位和共享单位{}",
                        s.run.id,
                        s.published_on.map(|d| d.to_string()).unwrap_or_default(),
                        s.valid_until.map(|d| d.to_string()).unwrap_or_default(),
                        if s.published_late() {
                            "（超过 5 日期限）"
                        } else {
                            ""
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        EvalCommand::Show { env, run, json } => {
            let o = Opened::new(&env).await?;
            match run {
                None => {
                    let runs = o.store.eval_runs(None).await?;
                    let mut items = Vec::new();
                    for r in &runs {
                        let mut v = xyjt_app::evaluation::run_json(r, o.today);
                        v["copy"] = xyjt_app::evaluation::copy_status(o.store.as_ref(), r)
                            .await
                            .map_err(|e| anyhow::anyhow!(e.message))?
                            .unwrap_or_default();
                        items.push(v);
                    }
                    if json {
                        outln!("{}", serde_json::Value::Array(items));
                    } else {
                        for (r, v) in runs.iter().zip(&items) {
                            let copy = match (&v["copy"]["delivered_at"], &v["copy"]["due"]) {
                                (serde_json::Value::String(at), _) => format!("已抄送 {at}"),
                                (_, serde_json::Value::String(due)) => format!("待抄送，{due} 前"),
                                _ => String::new(),
                            };
                            outln!(
                                "{}\t{}\t{}\t{} 户\t{}\t{}",
                                r.run.id,
                                r.run.model_id,
                                r.run.period,
                                r.run.subjects,
                                r.status.label(),
                                copy
                            );
                        }
                    }
                }
                Some(id) => {
                    let page = o
                        .store
                        .eval_results(&xyjt_store::EvalResultQuery {
                            run_id: Some(id.clone()),
                            limit: i64::MAX / 2,
                            ..Default::default()
                        })
                        .await?;
                    if page.total == 0 {
                        return Ok(refused(
                            &AppError::not_found(format!("评价批次 {id} 没有结果")),
                            json,
                        ));
                    }
                    for s in page.items {
                        if json {
                            outln!("{}", serde_json::to_string(&s)?);
                        } else {
                            outln!(
                                "{}\t{}\t{}\t{}\t{}",
                                s.result.subject_id,
                                s.result.subject_name,
                                s.result.score,
                                s.result.grade.as_deref().unwrap_or("未评级"),
                                s.status.label()
                            );
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Rescore {
            env,
            result,
            reason,
            application,
        } => {
            let o = Opened::new(&env).await?;
            match xyjt_app::evaluation::rescore(
                &o.ctx(),
                &result,
                &reason,
                application.as_deref(),
                &o.by,
            )
            .await
            {
                Ok(s) => {
                    outln!(
                        "已重新评价并发布：{}，得分 {}，等级 {}",
                        s.result.id,
                        s.result.score,
                        s.result.grade.as_deref().unwrap_or("未评级")
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        pure => eval_pure(pure),
    }
}

fn read_pool(path: &std::path::Path) -> Result<Vec<Inspector>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)?;
    let mut out = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let row = row?;
        let cell = |i: usize| row.get(i).map(str::trim).unwrap_or_default().to_string();
        if cell(0).is_empty() || cell(1).is_empty() || cell(2).is_empty() {
            anyhow::bail!("第 {} 行：编号、姓名、所在单位不能为空", n + 1);
        }
        out.push(Inspector {
            id: cell(0),
            name: cell(1),
            unit: cell(2),
            avoid_code: Some(cell(3)).filter(|c| !c.is_empty()),
        });
    }
    Ok(out)
}

pub async fn inspect(command: InspectCommand) -> Result<ExitCode> {
    match command {
        InspectCommand::Draw {
            env,
            quarter,
            seed,
            unit,
            json,
        } => {
            let o = Opened::new(&env).await?;
            let unit = unit.unwrap_or_else(|| o.root_unit());
            match xyjt_app::inspection::draw(&o.ctx(), &quarter, &unit, seed.as_deref(), &o.by)
                .await
            {
                Ok(d) if json => {
                    let tasks: Vec<_> = d
                        .tasks
                        .iter()
                        .map(|t| {
                            json!({
                                "subject_id": t.subject_id,
                                "name": t.name,
                                "code": t.code,
                                "grade": t.grade,
                                "reason": t.reason,
                                "inspectors": t.inspectors,
                            })
                        })
                        .collect();
                    outln!(
                        "{}",
                        json!({"id": d.id, "seed": d.seed, "snapshot_seq": d.snapshot_seq, "tasks": tasks})
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Ok(d) => {
                    outln!(
                        "抽查 {}（{}，{}）：种子 {}，数据快照 #{}，任务 {} 项",
                        d.id,
                        d.quarter,
                        d.unit,
                        d.seed,
                        d.snapshot_seq,
                        d.tasks.len()
                    );
                    for t in &d.tasks {
                        outln!(
                            "{}\t{}\t{}\t{}\t{}",
                            t.no,
                            t.name,
                            t.grade.as_deref().unwrap_or("-"),
                            t.inspectors.join("、"),
                            t.reason
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, json)),
            }
        }
        InspectCommand::Replay { env, draw } => {
            let o = Opened::new(&env).await?;
            match xyjt_app::inspection::replay(&o.ctx(), &draw).await {
                Ok(None) => {
                    outln!("抽查 {draw} 重放一致：同一种子和数据快照得到相同的抽查结果");
                    Ok(ExitCode::SUCCESS)
                }
                Ok(Some(diff)) => {
                    eprintln!("抽查 {draw} 重放不一致：{diff}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        InspectCommand::Coverage { env, quarter, json } => {
            let o = Opened::new(&env).await?;
            match xyjt_app::inspection::coverage(&o.ctx(), &quarter).await {
                Ok(rows) if json => {
                    outln!("{}", serde_json::to_string(&rows)?);
                    Ok(ExitCode::SUCCESS)
                }
                Ok(rows) => {
                    let open = rows.iter().filter(|r| r.inspected_on.is_none()).count();
                    outln!(
                        "{quarter}：严重失信主体 {} 户，尚未检查 {open} 户",
                        rows.len()
                    );
                    for r in rows.iter().filter(|r| r.inspected_on.is_none()) {
                        outln!(
                            "{}\t{}\t{}",
                            r.subject_id,
                            r.name,
                            if r.overdue { "已逾期" } else { "待检查" }
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, json)),
            }
        }
        InspectCommand::Pool { env, unit, file } => {
            let o = Opened::new(&env).await?;
            let inspectors = read_pool(&file)?;
            let n = inspectors.len();
            match xyjt_app::inspection::set_pool(&o.ctx(), &unit, inspectors, &o.by).await {
                Ok(()) => {
                    outln!("{unit} 的检查人员库已更新：{n} 人");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        InspectCommand::Result {
            env,
            draw,
            task,
            outcome,
            note,
            on,
            unit,
        } => {
            let o = Opened::new(&env).await?;
            let Some(outcome) = InspectionOutcome::parse(&outcome) else {
                return Ok(refused(
                    &AppError::invalid(format!(
                        "未知的检查结果“{outcome}”（应为 no_problem、problems_found 或 case_opened）"
                    )),
                    false,
                ));
            };
            let unit = match unit {
                Some(u) => u,
                None => match xyjt_app::inspection::recorded_draw(o.store.as_ref(), &draw).await {
                    Ok((d, _)) => d.unit,
                    Err(e) => return Ok(refused(&e, false)),
                },
            };
            let input = xyjt_app::inspection::ResultInput {
                draw_id: Some(draw),
                task_no: Some(task),
                subject_id: None,
                outcome,
                note,
                on: on.unwrap_or(o.today),
            };
            match xyjt_app::inspection::record_result(&o.ctx(), input, &unit, &o.by).await {
                Ok(r) => {
                    outln!(
                        "已登记 {}：{}（{}）",
                        r.id,
                        r.subject_name,
                        r.outcome.label()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
    }
}
