//! Credit commitments (信用承诺) from the command line: templates, signing, fulfilment checks.

use super::*;

#[derive(Subcommand)]
pub enum CommitmentCommand {
    /// The commitment templates in force
    Templates {
        #[arg(long)]
        json: bool,
    },
    /// Record a signed commitment
    Sign {
        #[command(flatten)]
        env: Env,
        /// The template id (see `xyjt commitment templates`)
        #[arg(long)]
        template: String,
        /// The subject's id on the platform
        #[arg(long)]
        subject: String,
        /// What it was given for, e.g. the licence applied for
        #[arg(long)]
        matter: String,
        /// The unit that accepts it and checks fulfilment
        #[arg(long)]
        unit: String,
        /// Default today
        #[arg(long)]
        signed_on: Option<NaiveDate>,
        /// A record obtained on the strength of the commitment (revoked if it proves false)
        #[arg(long)]
        obtained_record: Option<String>,
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the fulfilment check (践诺核查) of a commitment
    #[command(group(ArgGroup::new("outcome").required(true).args(["fulfilled", "breached"])))]
    Check {
        #[command(flatten)]
        env: Env,
        id: String,
        /// The commitment was kept
        #[arg(long)]
        fulfilled: bool,
        /// The commitment was not kept (a watch-list entry is proposed)
        #[arg(long)]
        breached: bool,
        /// The commitment was untrue (虚假承诺): what it obtained is revoked
        #[arg(long, conflicts_with = "fulfilled")]
        false_commitment: bool,
        /// 核查情况
        #[arg(long)]
        note: String,
        /// Default today
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// Signed commitments with their status and check deadline
    List {
        #[command(flatten)]
        env: Env,
        #[arg(long)]
        subject: Option<String>,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn commitments(command: CommitmentCommand) -> Result<ExitCode> {
    let near = near_due();
    match command {
        CommitmentCommand::Templates { json } => {
            let set = crate::load_policies(None)?.commitments;
            if json {
                outln!(
                    "{}",
                    json!({"version": set.version, "templates": set.templates})
                );
            } else {
                outln!("承诺书模板（版本 {}）：", set.version);
                for t in &set.templates {
                    outln!(
                        "{}\t{}\t《{}》\t签署后 {} 个工作日内核查",
                        t.id,
                        t.matter_type,
                        t.title,
                        t.check_workdays
                    );
                    for (i, item) in t.items.iter().enumerate() {
                        outln!("  {}. {item}", i + 1);
                    }
                    outln!("  违诺后果：{}", t.breach);
                }
            }
        }
        CommitmentCommand::Sign {
            env,
            template,
            subject,
            matter,
            unit,
            signed_on,
            obtained_record,
            by,
            json,
        } => {
            let (store, pol) = open(&env).await?;
            let cal = &pol.calendar;
            let ctx = Ctx::with_policies(store.as_ref(), &pol, env.today());
            let req = CommitmentRequest {
                template_id: template,
                subject_id: subject,
                matter,
                unit,
                signed_on,
                obtained_record,
            };
            let s = sign_commitment(&ctx, req, &by).await.refused()?;
            if json {
                outln!("{}", commitment_json(&s, cal, ctx.today, near));
            } else {
                let c = &s.commitment;
                let due = c.check.due(cal, ctx.today);
                outln!("已登记信用承诺：{}", c.id);
                outln!(
                    "{}于 {} 签署《{}》，事项：{}，受理单位：{}",
                    c.subject_name,
                    c.signed_on,
                    c.title,
                    c.matter,
                    c.unit
                );
                outln!("践诺核查期限：{}{}", due.due_on, provisional(&due));
                outln!("期限依据：{}", c.check.rule);
                if let Some(r) = &c.obtained_record {
                    outln!("依承诺取得的记录：{r}（经核查为虚假承诺时撤销）");
                }
            }
        }
        CommitmentCommand::Check {
            env,
            id,
            fulfilled,
            breached: _,
            false_commitment,
            note,
            on,
            by,
            json,
        } => {
            let (store, pol) = open(&env).await?;
            let cal = &pol.calendar;
            let ctx = Ctx::with_policies(store.as_ref(), &pol, env.today());
            let watch_before = breach_entries(store.as_ref(), &id).await?;
            let req = FulfilmentRequest {
                fulfilled,
                false_commitment,
                note,
                on,
            };
            let s = check_commitment(&ctx, &id, req, &by).await.refused()?;
            if json {
                outln!("{}", commitment_json(&s, cal, ctx.today, near));
            } else {
                let c = &s.commitment;
                let check = s.check.as_ref().expect("just checked");
                outln!(
                    "{}：{}《{}》核查结果：{}（{}）",
                    c.id,
                    c.subject_name,
                    c.title,
                    s.status().label(),
                    check.on
                );
                let due = c.check.due(cal, ctx.today);
                outln!(
                    "践诺核查期限 {}{}，{}",
                    due.due_on,
                    provisional(&due),
                    s.check_status(cal, ctx.today, near).label()
                );
                if breach_entries(store.as_ref(), &id).await? > watch_before {
                    outln!(
                        "已提出重点关注名单列入建议（{}），待审核",
                        commitment::BREACH_LIST_ITEM
                    );
                }
                if let (true, Some(r)) = (false_commitment, &c.obtained_record)
                    && let Some(rec) = store.record(r).await?
                    && rec.status == xyjt_core::record::RecordStatus::Revoked
                {
                    outln!("依承诺取得的记录 {r} 已撤销");
                }
            }
        }
        CommitmentCommand::List { env, subject, json } => {
            let (store, pol) = open(&env).await?;
            let cal = &pol.calendar;
            let today = env.today();
            let all = store.commitments(subject.as_deref()).await?;
            for s in &all {
                if json {
                    outln!("{}", commitment_json(s, cal, today, near));
                    continue;
                }
                let c = &s.commitment;
                let due = c.check.due(cal, today);
                outln!(
                    "{}\t{}\t《{}》\t{}\t{} 签署\t{}\t核查期限 {}{}（{}）",
                    c.id,
                    c.subject_name,
                    c.title,
                    c.matter,
                    c.signed_on,
                    s.status().label(),
                    due.due_on,
                    provisional(&due),
                    s.check_status(cal, today, near).label()
                );
            }
            if !json {
                outln!("共 {} 份", all.len());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Watch-list entries proposed for breaking commitment `id`'s subject's commitments.
pub(crate) async fn breach_entries(store: &dyn Store, id: &str) -> Result<usize> {
    let Some(c) = store.commitment(id).await? else {
        return Ok(0);
    };
    Ok(store
        .list_entries(Some("watch"))
        .await?
        .iter()
        .filter(|e| {
            e.entry.item_id == commitment::BREACH_LIST_ITEM
                && e.entry.subject_id.as_deref() == Some(c.commitment.subject_id.as_str())
        })
        .count())
}
