//! Following and handling applications from the command line: show, list, steps.

use super::*;

#[derive(Subcommand)]
pub enum AppCommand {
    /// One application in full: status, every deadline and how it was counted, history
    Show {
        #[command(flatten)]
        env: Env,
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Applications with their current deadline; overdue ones counted per unit
    List {
        #[command(flatten)]
        env: Env,
        /// Only those handled by this unit
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Only open ones
        #[arg(long)]
        open: bool,
        /// Only those with a deadline past due
        #[arg(long)]
        overdue: bool,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// Take a step: assign, suspend, resume, extend, forward, decide, withdraw, sync, submit
    /// (限期整改), request-correction, corrected, consult, consult-reply (依申请公开)
    Step {
        #[command(flatten)]
        env: Env,
        number: String,
        #[arg(long, value_enum)]
        action: ActionArg,
        /// The day it happened (default today)
        #[arg(long)]
        on: Option<NaiveDate>,
        /// Why (suspend, extend, withdraw) or the written answer (decide)
        #[arg(long, default_value = "")]
        reason: String,
        /// assign / forward: the unit; sync: where the result went; consult: who is consulted
        #[arg(long)]
        unit: Option<String>,
        /// extend: which deadline (answer, platform, authority, sync; default the current one)
        #[arg(long)]
        clock: Option<String>,
        /// extend: how many working days
        #[arg(long)]
        workdays: Option<u32>,
        /// decide: objection upheld / repair approved
        #[arg(long, conflicts_with = "reject")]
        grant: bool,
        /// decide: objection dismissed / repair refused
        #[arg(long)]
        reject: bool,
        /// decide (objection upheld): revoke the record instead of correcting it
        #[arg(long)]
        revoke: bool,
        /// decide (objection upheld): the corrected values as a JSON object keyed by national
        /// code, Chinese label or body name (default the claimed)
        #[arg(long)]
        corrected: Option<String>,
        /// decide (依申请公开): the result, as a row of the annual report table names it
        /// (予以公开, 部分公开, 属于国家秘密, 本机关不掌握相关政府信息, 重复申请 …)
        #[arg(long)]
        outcome: Option<String>,
        /// Who takes the step (recorded in the ledger and the history)
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
}

/// The lines describing one deadline.
pub(crate) fn clock_lines(c: &Clock, cal: &Calendar, today: NaiveDate) -> Vec<String> {
    let due = c.due(cal, today);
    let status = c.status(cal, today, near_due());
    let mut head = format!(
        "  [{}] {}（{}）：期限 {}{}，{}",
        c.key,
        c.label,
        c.unit,
        due.due_on,
        provisional(&due),
        status.label()
    );
    if let Some(done) = c.done_on {
        head.push_str(&format!("（{done} 办结）"));
    }
    vec![
        head,
        format!("      依据：{}", c.rule),
        format!("      计算：{}", due.explanation),
    ]
}

pub(crate) fn print_application(wf: &Workflow, cal: &Calendar, today: NaiveDate) {
    let a = &wf.app;
    outln!("申请编号：{}", a.number);
    outln!("类型：{}", a.kind.label());
    outln!("状态：{}", wf.status.label());
    outln!("办理单位：{}", wf.unit);
    let channel = if a.channel == "paper" {
        "纸质申请"
    } else {
        "网上申请"
    };
    outln!("收件日期：{}（{channel}）", a.filed_on);
    let mut applicant = a.applicant.clone();
    applicant.contact = applicant
        .contact
        .as_deref()
        .map(xyjt_core::mask::mask_phone);
    if applicant.role == "public" {
        applicant.name = xyjt_core::mask::mask_person_name(&applicant.name);
    }
    match &applicant.contact {
        Some(c) => outln!("申请人：{}（联系方式 {c}）", applicant.name),
        None => outln!("申请人：{}", applicant.name),
    }
    let mut target = Vec::new();
    if let Some(r) = &a.target.record_id {
        target.push(format!("记录 {r}"));
    }
    if let Some(e) = &a.target.entry_id {
        target.push(format!("名单条目 {e}"));
    }
    if let Some(f) = &a.target.field {
        target.push(format!("字段 {f}"));
    }
    outln!("对象：{}", target.join("，"));
    outln!("理由：{}", a.reason);
    if a.claimed.as_object().is_some_and(|o| !o.is_empty()) {
        outln!("主张：{}", a.claimed);
    }
    if let Some(d) = &a.declaration {
        let yes_no = |b: bool| if b { "是" } else { "否" };
        outln!(
            "申请人声明：已纠正失信行为 {}，已履行法定义务 {}，信用修复承诺 {}",
            yes_no(d.corrected),
            yes_no(d.obligations_met),
            d.commitment_id.as_deref().unwrap_or("无")
        );
    }
    for e in &a.evidence {
        outln!(
            "证明材料：{}（{} 字节，SHA-256 {}）",
            e.file_name,
            e.size,
            e.sha256
        );
    }
    outln!("期限：");
    for c in &wf.clocks {
        for line in clock_lines(c, cal, today) {
            outln!("{line}");
        }
    }
    if let Some(d) = &wf.decision {
        let verdict = match (a.kind, d.granted, d.revoke) {
            (WorkflowKind::Objection, true, true) => "异议成立，撤销该信息",
            (WorkflowKind::Objection, true, false) => "异议成立，予以更正",
            (WorkflowKind::Objection, false, _) => "异议不成立",
            (WorkflowKind::Repair, true, _) => "准予修复",
            (WorkflowKind::Repair, false, _) => "不予修复",
            (WorkflowKind::Disclosure, _, _) => d.outcome.as_deref().unwrap_or("已答复"),
            (WorkflowKind::Rectification | WorkflowKind::Complaint, _, _) => wf.status.label(),
        };
        outln!(
            "决定：{verdict}（{}）：{}",
            wf.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            d.reasons
        );
        if let Some(c) = &d.corrected {
            outln!("更正为：{c}");
        }
    }
    outln!("办理记录：");
    for h in &wf.history {
        if h.note.is_empty() {
            outln!("  {}  {}  {}", h.on, h.action, h.by);
        } else {
            outln!("  {}  {}  {}  {}", h.on, h.action, h.by, h.note);
        }
    }
}

pub(crate) async fn app(command: AppCommand) -> Result<ExitCode> {
    let near = near_due();
    match command {
        AppCommand::Show { env, number, json } => {
            let (store, pol) = open(&env).await?;
            let cal = &pol.calendar;
            let today = env.today();
            let wf = store
                .application(&number)
                .await?
                .ok_or_else(|| AppError::not_found(format!("申请 {number} 不存在")))
                .refused()?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&staff_view(&wf, cal, today, near))?
                );
            } else {
                print_application(&wf, cal, today);
            }
        }
        AppCommand::List {
            env,
            unit,
            kind,
            open: only_open,
            overdue,
            json,
        } => {
            let (store, pol) = open(&env).await?;
            let cal = &pol.calendar;
            let today = env.today();
            let apps = store
                .applications(&AppQuery {
                    kind: kind.map(|k| match k {
                        KindArg::Objection => WorkflowKind::Objection,
                        KindArg::Repair => WorkflowKind::Repair,
                        KindArg::Rectification => WorkflowKind::Rectification,
                        KindArg::Complaint => WorkflowKind::Complaint,
                        KindArg::Disclosure => WorkflowKind::Disclosure,
                    }),
                    unit,
                    // Overdue ones may be closed with an unsent result (the sync clock).
                    open: only_open.then_some(true),
                    ..AppQuery::default()
                })
                .await?;
            let mut per_unit: std::collections::BTreeMap<String, usize> = Default::default();
            let mut shown = 0;
            for wf in &apps {
                let is_overdue = wf.is_overdue(cal, today, near);
                if overdue && !is_overdue {
                    continue;
                }
                shown += 1;
                if is_overdue {
                    for c in &wf.clocks {
                        if c.status(cal, today, near) == xyjt_core::workflow::ClockStatus::Overdue {
                            *per_unit.entry(c.unit.clone()).or_default() += 1;
                        }
                    }
                }
                if json {
                    outln!("{}", staff_view(wf, cal, today, near));
                    continue;
                }
                let current = wf.current_clock().map(|c| {
                    let due = c.due(cal, today);
                    format!(
                        "{}：{} 前{}，{}",
                        c.label,
                        due.due_on,
                        provisional(&due),
                        c.status(cal, today, near).label()
                    )
                });
                outln!(
                    "{}\t{}\t{}\t{}\t{} 收件\t{}{}",
                    wf.app.number,
                    wf.app.kind.label(),
                    wf.status.label(),
                    wf.unit,
                    wf.app.filed_on,
                    current.unwrap_or_default(),
                    if is_overdue { "\t【逾期】" } else { "" }
                );
            }
            if !json {
                outln!("共 {shown} 件");
                if !per_unit.is_empty() {
                    let units: Vec<String> = per_unit
                        .iter()
                        .map(|(u, n)| format!("{u} {n} 项"))
                        .collect();
                    outln!("逾期期限：{}", units.join("；"));
                }
            }
        }
        AppCommand::Step {
            env,
            number,
            action,
            on,
            reason,
            unit,
            clock,
            workdays,
            grant,
            reject,
            revoke,
            corrected,
            outcome,
            by,
            json,
        } => {
            let corrected = corrected
                .map(|c| json_object("--corrected", &c))
                .transpose()?;
            let (store, pol) = open(&env).await?;
            let cal = &pol.calendar;
            let ctx = Ctx::with_policies(store.as_ref(), &pol, env.today());
            let req = StepRequest {
                action: action.key().to_string(),
                on,
                reason,
                unit,
                clock,
                workdays,
                granted: if grant {
                    Some(true)
                } else if reject {
                    Some(false)
                } else {
                    None
                },
                revoke,
                corrected,
                outcome,
            };
            let after = take_step(&ctx, &number, &req, &by).await.refused()?;
            if json {
                outln!("{}", staff_view(&after, cal, ctx.today, near));
            } else {
                print_step(&after, action, cal, ctx.today);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a step did, then where the application stands.
pub(crate) fn print_step(wf: &Workflow, action: ActionArg, cal: &Calendar, today: NaiveDate) {
    let last = wf.history.last();
    outln!(
        "{}：{}{}",
        wf.app.number,
        last.map(|h| h.action.as_str()).unwrap_or(action.key()),
        last.filter(|h| !h.note.is_empty())
            .map(|h| format!("（{}）", h.note))
            .unwrap_or_default()
    );
    outln!("状态：{}；办理单位：{}", wf.status.label(), wf.unit);
    if let (ActionArg::Decide, Some(d)) = (action, &wf.decision)
        && d.granted
    {
        let record = wf.app.target.record_id.as_deref().unwrap_or("—");
        match (wf.app.kind, d.revoke) {
            (WorkflowKind::Objection, true) => outln!("已撤销记录 {record}"),
            (WorkflowKind::Objection, false) => outln!(
                "已更正记录 {record}：{}",
                d.corrected.as_ref().unwrap_or(&wf.app.claimed)
            ),
            (WorkflowKind::Repair, _) => outln!("记录 {record} 已修复，停止公示"),
            (
                WorkflowKind::Rectification | WorkflowKind::Complaint | WorkflowKind::Disclosure,
                _,
            ) => {}
        }
        if matches!(wf.app.kind, WorkflowKind::Objection | WorkflowKind::Repair) {
            outln!(
                "依据该记录的名单条目（如有）一并移出；结果已进入待发送消息（outbox exchange 通道）"
            );
        }
    }
    let step_day = last.map(|h| h.on);
    for c in &wf.clocks {
        if c.done_on.is_none() || c.done_on == step_day {
            for line in clock_lines(c, cal, today) {
                outln!("{line}");
            }
        }
    }
}
