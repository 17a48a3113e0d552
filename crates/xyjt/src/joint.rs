//! Joint reward and punishment (联合奖惩) from the command line: name lists and the four lists,
//! joint punishment cases, screening bidders against the lists.

use super::*;

#[derive(Subcommand)]
pub(crate) enum CasesCommand {
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
pub(crate) enum ListsCommand {
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

pub(crate) async fn lists_command(command: ListsCommand) -> Result<ExitCode> {
    let policies = load_policies(None)?;
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
                &policies,
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
            let proposals =
                lists::evaluate(store.as_ref(), &policies, &by, on.unwrap_or(today), now).await?;
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
                &policies,
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
            let policy = lists::policy(store.as_ref(), &policies).await?;
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
            let current = lists::policy(store.as_ref(), &policies).await?;
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

pub(crate) async fn cases_command(command: CasesCommand) -> Result<ExitCode> {
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
                &calendar.policies()?,
                &entry,
                &initiator,
                &units,
                cascade,
                cross_region,
                &note,
                &by,
                today,
                now,
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
            lists::report_case(store.as_ref(), &id, &unit, !not_applied, note, &unit, today)
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

pub(crate) async fn screen(
    db: &str,
    file: &std::path::Path,
    decision_point: &str,
    json: bool,
    min_score: f64,
) -> Result<ExitCode> {
    let point = xyjt_core::lists::DecisionPoint::from_label(decision_point)
        .with_context(|| format!("决策环节“{decision_point}”无效"))?;
    let store = xyjt_store::open(db).await?;
    let index = xyjt_app::checks::load_index(store.as_ref(), &load_policies(None)?).await?;
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
