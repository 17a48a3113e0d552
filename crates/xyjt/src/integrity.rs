//! Government integrity (`xyjt integrity …`): direct registration (maker-checker), records,
//! fault-tolerance findings, a department's public view and a subject's archive. Thin: every
//! rule is in `xyjt_app::integrity`. Exit codes: 0 done, 1 refused (the reason on stderr), 2
//! usage or system error.

use crate::evaluation::{Env, Opened, refused};
use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use std::process::ExitCode;
use xyjt_app::integrity::{self as gi, RecordInput, Recorded, RegistrationInput};

#[derive(Subcommand)]
pub enum IntegrityCommand {
    /// Propose a subject for direct registration: 部门, 公务人员, 企业 or 个人
    Register {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// USCC (部门, 企业) or citizen ID (公务人员, 个人)
        #[arg(long)]
        code: String,
        /// 公务人员: 所在单位
        #[arg(long)]
        unit: Option<String>,
        /// 公务人员: 职务
        #[arg(long)]
        post: Option<String>,
    },
    /// Review a proposed registration (another person than the proposer)
    ReviewRegistration {
        #[command(flatten)]
        env: Env,
        id: String,
        #[arg(long, conflicts_with = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Record a government-integrity record (政务诚信档案)
    Record {
        #[command(flatten)]
        env: Env,
        /// 部门 or 公务人员
        #[arg(long)]
        archive: String,
        #[arg(long)]
        code: String,
        /// 记录类别 (e.g. 纪律处分, 拖欠账款)
        #[arg(long)]
        category: String,
        /// 失信 or 守信
        #[arg(long)]
        nature: String,
        /// 处分种类 (警告, 记过 …), where the category has them
        #[arg(long)]
        sanction: Option<String>,
        #[arg(long)]
        doc_no: String,
        #[arg(long)]
        decided_on: NaiveDate,
        #[arg(long)]
        deciding_unit: String,
        #[arg(long)]
        facts: String,
        #[arg(long)]
        basis: String,
    },
    /// Propose a fault-tolerance finding (容错纠错) for a dishonesty record
    Tolerance {
        #[command(flatten)]
        env: Env,
        record: String,
        #[arg(long)]
        reasons: String,
        #[arg(long)]
        basis: String,
    },
    /// Review a proposed fault-tolerance finding
    ReviewTolerance {
        #[command(flatten)]
        env: Env,
        record: String,
        #[arg(long, conflicts_with = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// A subject's archive (internal: civil servants included), as JSON lines
    Show {
        #[command(flatten)]
        env: Env,
        /// USCC or citizen ID
        code: String,
    },
    /// Import records from a CSV (UTF-8 or GBK) or XLSX file with exactly these headers in any
    /// order: 主体类别, 名称, 证件号码, 所在单位, 职务, 记录类别, 记录性质, 决定文号, 决定日期,
    /// 认定单位, 事实, 依据, 容错认定, 容错依据
    Import {
        #[command(flatten)]
        env: Env,
        file: std::path::PathBuf,
        /// Judge dates against this day (default today)
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Judge every row, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Write the valid rows even when some are rejected
        #[arg(long)]
        accept_valid: bool,
        /// Write the report (JSON: total, accepted, rejected, errors with row and field) here
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
    /// Enter a staff score (0–100) for a department's entered indicator (e.g. public-evaluation)
    Score {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        period: String,
        /// The department's USCC
        #[arg(long)]
        code: String,
        #[arg(long)]
        indicator: String,
        #[arg(long)]
        value: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The half-yearly assessment of departments (e.g. --period 2026H1): total, components, rank
    Assess {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        period: String,
        /// Publish it as the half-year's bulletin (通报)
        #[arg(long)]
        publish: bool,
        #[arg(long)]
        json: bool,
    },
    /// A department's public view (JSON)
    Department {
        #[command(flatten)]
        env: Env,
        code: String,
    },
    /// Rectification cases (限期整改) with their clocks; `--bulletin` drafts the 通报 on the
    /// overdue ones. Steps: `xyjt app step NUMBER --action submit --clock explanation|report`
    /// and `--action decide --grant|--reject`.
    Rectification {
        #[command(flatten)]
        env: Env,
        /// Only cases with a clock past due
        #[arg(long)]
        overdue: bool,
        /// Print the draft 通报 on overdue cases instead of the list
        #[arg(long)]
        bulletin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Enter a complaint about a department (政务失信投诉) received on paper or by phone
    Complaint {
        #[command(flatten)]
        env: Env,
        /// 毁约投诉, 政务失信投诉 or 12328诉求 (policy)
        #[arg(long = "type")]
        complaint_type: String,
        /// The department's USCC
        #[arg(long)]
        department: String,
        #[arg(long)]
        content: String,
        #[arg(long)]
        complainant: String,
        #[arg(long)]
        contact: Option<String>,
        /// The day it was received (default today)
        #[arg(long)]
        received_on: Option<NaiveDate>,
    },
    /// Record a department's public commitment (服务承诺, 期限承诺, 保障承诺)
    Commit {
        #[command(flatten)]
        env: Env,
        /// The department's USCC
        #[arg(long)]
        department: String,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        content: String,
        /// Where it was published (document number, page)
        #[arg(long)]
        published_in: String,
        #[arg(long)]
        made_on: NaiveDate,
        #[arg(long)]
        due_on: Option<NaiveDate>,
    },
    /// Check a commitment (履约核查): kept, or broken — recorded as 承诺未履行 with a
    /// rectification case
    CheckCommitment {
        #[command(flatten)]
        env: Env,
        id: String,
        #[arg(long, conflicts_with = "broken")]
        kept: bool,
        #[arg(long)]
        broken: bool,
        #[arg(long)]
        finding: String,
        /// The checking unit (recorded as 认定单位 of a broken commitment)
        #[arg(long)]
        unit: String,
    },
    /// A department's commitments, or all (JSON lines)
    Commitments {
        #[command(flatten)]
        env: Env,
        /// The department's USCC
        #[arg(long)]
        department: Option<String>,
    },
}

pub async fn integrity(command: IntegrityCommand) -> Result<ExitCode> {
    match command {
        IntegrityCommand::Register {
            env,
            kind,
            name,
            code,
            unit,
            post,
        } => {
            let o = Opened::new(&env).await?;
            let input = RegistrationInput {
                kind,
                name,
                code,
                unit,
                post,
            };
            match gi::propose_registration(&o.ctx(), &input, &o.by).await {
                Ok(s) => {
                    outln!(
                        "主体登记 {} 已提交，待审核：{}",
                        s.registration.id,
                        s.registration.subject.name
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::ReviewRegistration {
            env,
            id,
            approve,
            reject,
            comment,
        } => {
            if approve == reject {
                anyhow::bail!("请给出 --approve 或 --reject 之一");
            }
            let o = Opened::new(&env).await?;
            match gi::review_registration(&o.ctx(), &id, &o.by, approve, &comment).await {
                Ok(s) => {
                    outln!(
                        "主体登记 {}：{}（主体 {}）",
                        id,
                        if s.status == "approved" {
                            "已登记"
                        } else {
                            "不予登记"
                        },
                        s.registration.subject.id
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::Record {
            env,
            archive,
            code,
            category,
            nature,
            sanction,
            doc_no,
            decided_on,
            deciding_unit,
            facts,
            basis,
        } => {
            let o = Opened::new(&env).await?;
            let input = RecordInput {
                archive,
                code,
                category,
                nature,
                sanction,
                doc_no,
                decided_on,
                deciding_unit,
                facts,
                basis,
            };
            match gi::record(&o.ctx(), &input, &format!("cli:{}", o.by), &o.by).await {
                Ok(Recorded::New(id)) => {
                    outln!("已记录 {id}");
                    Ok(ExitCode::SUCCESS)
                }
                Ok(Recorded::Unchanged(id)) => {
                    outln!("未变化：{id} 已有相同记录");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::Tolerance {
            env,
            record,
            reasons,
            basis,
        } => {
            let o = Opened::new(&env).await?;
            match gi::propose_tolerance(&o.ctx(), &record, &reasons, &basis, Vec::new(), &o.by)
                .await
            {
                Ok(_) => {
                    outln!("容错认定已提交，待审核：{record}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::ReviewTolerance {
            env,
            record,
            approve,
            reject,
            comment,
        } => {
            if approve == reject {
                anyhow::bail!("请给出 --approve 或 --reject 之一");
            }
            let o = Opened::new(&env).await?;
            match gi::review_tolerance(&o.ctx(), &record, &o.by, approve, &comment).await {
                Ok(s) => {
                    outln!(
                        "{}：{}",
                        record,
                        if s.counts_as_dishonest() {
                            "不予容错，仍计入失信记录"
                        } else {
                            "予以容错，不计入失信记录"
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::Show { env, code } => {
            let o = Opened::new(&env).await?;
            let parsed = match xyjt_core::ident::check(&code).result {
                Ok(c) => c,
                Err(e) => {
                    return Ok(refused(
                        &xyjt_app::AppError::invalid(format!("证件号码无效：{e}")),
                        false,
                    ));
                }
            };
            let Some(subject) = o.store.subject_by_code(&parsed).await? else {
                return Ok(refused(
                    &xyjt_app::AppError::not_found(format!("{code} 未登记")),
                    false,
                ));
            };
            for s in o.store.integrity_records(Some(&subject.id), None).await? {
                outln!("{}", serde_json::to_string(&s)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        IntegrityCommand::Import {
            env,
            file,
            as_of,
            dry_run,
            accept_valid,
            report,
        } => {
            let mut o = Opened::new(&env).await?;
            if let Some(d) = as_of {
                o.today = d;
            }
            let (outcome, readable) = match xyjt_import::read_table(&file) {
                Ok(table) => {
                    let name = file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let options = gi::import::Options {
                        dry_run,
                        accept_valid,
                    };
                    match gi::import::import_table(&o.ctx(), &table, &name, &options, &o.by).await {
                        Ok(out) => (out, true),
                        Err(e) => return Ok(refused(&e, false)),
                    }
                }
                Err(e) => {
                    eprintln!("导入失败：{}：{e}", file.display());
                    (
                        gi::import::Outcome {
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
                            recorded: 0,
                            unchanged: 0,
                            registered: 0,
                            committed: false,
                        },
                        false,
                    )
                }
            };
            if let Some(path) = &report {
                std::fs::write(path, serde_json::to_string_pretty(&outcome)? + "\n")?;
            }
            if readable {
                outln!(
                    "共 {} 行：有效 {}，无效 {}；新增 {}，未变 {}，新登记主体 {}",
                    outcome.total,
                    outcome.accepted,
                    outcome.rejected,
                    outcome.recorded,
                    outcome.unchanged,
                    outcome.registered
                );
                outln!(
                    "{}",
                    if dry_run {
                        "试运行：未写入任何数据"
                    } else if outcome.committed {
                        "已写入账本"
                    } else if outcome.rejected > 0 {
                        "存在无效行，整个文件未写入（可改正后重新导入，或使用 --accept-valid 只写入有效行）"
                    } else {
                        "没有需要写入的新记录"
                    }
                );
                for e in outcome.errors.iter().take(20) {
                    outln!("  第 {} 行 {} [{}]：{}", e.row, e.field, e.code, e.message);
                }
                if outcome.errors.len() > 20 {
                    outln!("  ……另有 {} 条错误，见报告文件", outcome.errors.len() - 20);
                }
            }
            Ok(
                if readable && outcome.rejected == 0 && outcome.errors.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                },
            )
        }
        IntegrityCommand::Score {
            env,
            period,
            code,
            indicator,
            value,
            note,
        } => {
            let o = Opened::new(&env).await?;
            match gi::assessment::enter_score(
                &o.ctx(),
                &period,
                &code,
                &indicator,
                &value,
                &note,
                &o.by,
            )
            .await
            {
                Ok(()) => {
                    outln!("已录入 {period} {code} {indicator} = {value}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::Assess {
            env,
            period,
            publish,
            json,
        } => {
            let o = Opened::new(&env).await?;
            let result = if publish {
                gi::assessment::publish(&o.ctx(), &period, &o.by).await
            } else {
                gi::assessment::assess(&o.ctx(), &period).await
            };
            match result {
                Ok(results) if json => {
                    outln!("{}", serde_json::to_string(&results)?);
                    Ok(ExitCode::SUCCESS)
                }
                Ok(results) => {
                    outln!(
                        "{period} 政务诚信考核{}（{}）",
                        if publish {
                            "，已发布通报"
                        } else {
                            "（未发布）"
                        },
                        results
                            .first()
                            .map(|r| r.missing_rule.as_str())
                            .unwrap_or_default()
                    );
                    for r in &results {
                        outln!(
                            "{}\t{}\t{}",
                            r.rank.map_or("-".to_string(), |n| n.to_string()),
                            r.name,
                            r.total.map_or("不排名".to_string(), |t| t.to_string())
                        );
                        for c in &r.components {
                            outln!(
                                "\t  {}：{}，权重 {}%（折算 {}%），得 {}；{}",
                                c.label,
                                c.value.map_or("缺项".to_string(), |v| v.to_string()),
                                c.weight,
                                c.applied_weight,
                                c.points,
                                c.note
                            );
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, json)),
            }
        }
        IntegrityCommand::Rectification {
            env,
            overdue,
            bulletin,
            json,
        } => {
            let o = Opened::new(&env).await?;
            let ctx = o.ctx();
            if bulletin {
                let b = match xyjt_app::workflows::rectification_bulletin(&ctx).await {
                    Ok(b) => b,
                    Err(e) => return Ok(refused(&e, json)),
                };
                if json {
                    outln!("{}", serde_json::to_string_pretty(&b)?);
                } else {
                    outln!("{}", b.text);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let apps = o
                .store
                .applications(&xyjt_store::AppQuery {
                    kind: Some(xyjt_core::workflow::WorkflowKind::Rectification),
                    ..Default::default()
                })
                .await?;
            let near = ctx.policy.near_due;
            for wf in apps
                .iter()
                .filter(|w| !overdue || w.is_overdue(ctx.calendar, ctx.today, near))
            {
                if json {
                    outln!(
                        "{}",
                        xyjt_app::workflows::staff_view(wf, ctx.calendar, ctx.today, near)
                    );
                    continue;
                }
                let clocks: Vec<String> = wf
                    .clocks
                    .iter()
                    .map(|c| {
                        format!(
                            "{} 期限 {}（{}）",
                            c.label,
                            c.due(ctx.calendar, ctx.today).due_on,
                            c.status(ctx.calendar, ctx.today, near).label()
                        )
                    })
                    .collect();
                outln!(
                    "{}\t{}\t{}\t{}\t{}",
                    wf.app.number,
                    wf.app.applicant.name,
                    wf.status.label(),
                    clocks.join("；"),
                    wf.app.reason
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        IntegrityCommand::Complaint {
            env,
            complaint_type,
            department,
            content,
            complainant,
            contact,
            received_on,
        } => {
            let o = Opened::new(&env).await?;
            let req = xyjt_app::workflows::ComplaintRequest {
                complaint_type,
                department,
                content,
                complainant: xyjt_app::workflows::ApplicantInput {
                    name: complainant,
                    role: Some("public".into()),
                    contact,
                },
                evidence: vec![],
                received_on: Some(received_on.unwrap_or(o.ctx().today)),
            };
            match xyjt_app::workflows::file_complaint(&o.ctx(), req, &o.by).await {
                Ok(f) => {
                    outln!(
                        "投诉已受理：编号 {}，查询码 {}（只显示这一次），答复期限 {}",
                        f.number,
                        f.query_code,
                        f.due_on
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::Commit {
            env,
            department,
            kind,
            content,
            published_in,
            made_on,
            due_on,
        } => {
            let o = Opened::new(&env).await?;
            let input = gi::commitments::CommitmentInput {
                department,
                kind,
                content,
                published_in,
                made_on,
                due_on,
            };
            match gi::commitments::make_commitment(&o.ctx(), &input, &o.by).await {
                Ok(s) => {
                    outln!(
                        "政务承诺 {} 已记录并公开：{}（{}）",
                        s.commitment.id,
                        s.commitment.department,
                        s.commitment.kind
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::CheckCommitment {
            env,
            id,
            kept,
            broken,
            finding,
            unit,
        } => {
            if kept == broken {
                anyhow::bail!("请给出 --kept 或 --broken 之一");
            }
            let o = Opened::new(&env).await?;
            match gi::commitments::check_commitment(&o.ctx(), &id, kept, &finding, &unit, &o.by)
                .await
            {
                Ok(s) => {
                    let status = s.status(o.ctx().today);
                    outln!("政务承诺 {id}：{}", status.label());
                    if let Some(r) = s.check.as_ref().and_then(|c| c.record_id.as_ref()) {
                        outln!("已记入政务失信记录 {r}（承诺未履行），并立案限期整改");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, false)),
            }
        }
        IntegrityCommand::Commitments { env, department } => {
            let o = Opened::new(&env).await?;
            let ctx = o.ctx();
            let subject = match department {
                Some(code) => match xyjt_app::workflows::registered_department(&ctx, &code).await {
                    Ok(s) => Some(s.id),
                    Err(e) => return Ok(refused(&e, true)),
                },
                None => None,
            };
            for s in o.store.gov_commitments(subject.as_deref()).await? {
                let status = s.status(ctx.today);
                outln!(
                    "{}",
                    serde_json::json!({
                        "commitment": s.commitment,
                        "check": s.check,
                        "status": status,
                        "status_label": status.label(),
                    })
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        IntegrityCommand::Department { env, code } => {
            let o = Opened::new(&env).await?;
            match gi::department_view(&o.ctx(), &code).await {
                Ok(v) => {
                    outln!("{v}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(refused(&e, true)),
            }
        }
    }
}
