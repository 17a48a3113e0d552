//! The demo data set: the fictional region's decisions, list entries, a court list, workflows in
//! every state, staff accounts and an API token.

use crate::workflows::*;
use crate::{AppError, Ctx};
use chrono::Datelike;
use chrono::NaiveDate;
use serde_json::{Value, json};
use xyjt_core::record::Record;
use xyjt_store::Store;

/// Adds workflows to the demo data set, relative to `today`: an open objection (shown as 异议处理中),
/// an overdue one, an upheld one that corrected a record, an approved repair that ended
/// publicity, a repair waiting for the authority, and commitments. Returns each filed
/// application's label with its number and query code, so a new user can follow one.
pub async fn seed_demo_workflows(
    store: &dyn Store,
    policies: &xyjt_core::policies::Policies,
    today: NaiveDate,
) -> Result<Vec<(&'static str, Filed)>, AppError> {
    let calendar = &policies.calendar;
    let at = |day: NaiveDate| Ctx::with_policies(store, policies, day);
    let back = |n: u32| {
        let (mut day, mut left) = (today, n);
        while left > 0 {
            day = day.pred_opt().expect("dates far from the start of time");
            if calendar.is_working_day(day).unwrap_or(true) {
                left -= 1;
            }
        }
        day
    };
    let page = store
        .public_records(&xyjt_store::PublicityQuery {
            on: today,
            category: Some(xyjt_core::record::RecordCategory::Penalty),
            unit: None,
            decided_from: None,
            decided_to: None,
            limit: 400,
            offset: 0,
        })
        .await?;
    // Newest decision first: recent ones for objections, old ones (minimum period over) for repair.
    let recent: Vec<&Record> = page.items.iter().take(40).collect();
    let old: Vec<&Record> = page
        .items
        .iter()
        .rev()
        .filter(|r| {
            r.publication
                .as_ref()
                .and_then(|p| p.min_until)
                .is_some_and(|m| m < back(25))
        })
        .take(2)
        .collect();
    if recent.len() < 3 || old.len() < 2 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let objection = |r: &Record, reason: &str, claimed: Value, filed: NaiveDate| ObjectionRequest {
        record_id: Some(r.id.clone()),
        entry_id: None,
        result_id: None,
        field: claimed.as_object().and_then(|o| o.keys().next().cloned()),
        reason: reason.into(),
        claimed,
        filed_on: Some(filed),
        applicant: None,
        evidence: vec![],
    };
    // A repair filed by the subject, declarations made and the commitment signed with it.
    let repair = |r: &Record, reason: &str, filed: NaiveDate| RepairRequest {
        record_id: r.id.clone(),
        reason: reason.into(),
        filed_on: Some(filed),
        applicant: None,
        evidence: vec![],
        corrected: true,
        obligations_met: true,
        commitment_id: None,
        sign_commitment: true,
    };
    let step = |action: &str, day: NaiveDate, reason: &str| StepRequest {
        action: action.into(),
        on: Some(day),
        reason: reason.into(),
        unit: None,
        clock: None,
        workdays: None,
        granted: None,
        revoke: false,
        corrected: None,
        outcome: None,
    };
    // 1. Open, filed 3 working days ago.
    let filed = back(3);
    let f = file_objection(
        &at(filed),
        objection(
            recent[0],
            "处罚内容与决定书不一致，附决定书复印件",
            json!({"content": "罚款人民币1000元"}),
            filed,
        ),
        "demo",
    )
    .await?;
    out.push(("办理中的异议", f));
    // 2. Overdue: filed 20 working days ago, never answered.
    let filed = back(20);
    let f = file_objection(
        &at(filed),
        objection(recent[1], "当事人名称有误", json!({}), filed),
        "demo",
    )
    .await?;
    out.push(("逾期未答复的异议", f));
    // 3. Upheld 5 working days after filing: the record's content is corrected.
    let filed = back(12);
    let f = file_objection(
        &at(filed),
        objection(
            recent[2],
            "处罚内容录入错误",
            json!({"content": "责令改正，罚款人民币500元（异议更正）"}),
            filed,
        ),
        "demo",
    )
    .await?;
    let decided = back(7);
    let mut s = step(
        "decide",
        decided,
        "经核实，处罚内容录入错误，异议成立，予以更正",
    );
    s.granted = Some(true);
    take_step(&at(decided), &f.number, &s, "演示执法支队").await?;
    out.push(("已更正的异议", f));
    // 4. Repair approved: platform 8 working days ago, authority 6, decided 5.
    let filed = back(8);
    let f = file_repair(
        &at(filed),
        repair(old[0], "已缴纳罚款并完成整改", filed),
        "demo",
    )
    .await?;
    let unit = old[0].body.authority().to_string();
    let mut s = step("forward", back(6), "");
    s.unit = Some(unit.clone());
    take_step(&at(back(6)), &f.number, &s, "演示信用平台").await?;
    let mut s = step(
        "decide",
        back(5),
        "已纠正失信行为、履行处罚义务并签署信用修复承诺书，准予修复",
    );
    s.granted = Some(true);
    take_step(&at(back(5)), &f.number, &s, "演示执法支队").await?;
    out.push(("已修复的处罚", f));
    // 5. Repair forwarded today, waiting for the authority.
    let filed = back(2);
    let f = file_repair(
        &at(filed),
        repair(old[1], "违法行为已整改到位", filed),
        "demo",
    )
    .await?;
    let mut s = step("forward", today, "");
    s.unit = Some(old[1].body.authority().to_string());
    take_step(&at(today), &f.number, &s, "演示信用平台").await?;
    out.push(("待认定单位核实的修复", f));
    // 6. Commitments: an approval commitment awaiting its check, a voluntary one fulfilled.
    let c = sign_commitment(
        &at(back(30)),
        CommitmentRequest {
            template_id: "SPGZCN".into(),
            subject_id: recent[3 % recent.len()].subject_id.clone(),
            matter: "道路货物运输经营许可（告知承诺）".into(),
            unit: unit.clone(),
            signed_on: Some(back(30)),
            obtained_record: None,
        },
        "demo",
    )
    .await?;
    let _ = c;
    let c = sign_commitment(
        &at(back(40)),
        CommitmentRequest {
            template_id: "ZDXCN".into(),
            subject_id: recent[4 % recent.len()].subject_id.clone(),
            matter: "年度主动信用承诺".into(),
            unit,
            signed_on: Some(back(40)),
            obtained_record: None,
        },
        "demo",
    )
    .await?;
    check_commitment(
        &at(back(1)),
        &c.commitment.id,
        FulfilmentRequest {
            fulfilled: true,
            false_commitment: false,
            note: "抽查未发现违诺情形".into(),
            on: Some(back(1)),
        },
        "演示执法支队",
    )
    .await?;
    Ok(out)
}

/// The API token the demo data set issues, so the check API can be tried at once.
pub const DEMO_TOKEN: &str = "xyjt_demo_token_not_for_production";

/// What the demo seeding wrote.
pub struct Seeded {
    /// Events appended (0 when the ledger was not empty).
    pub events: usize,
    /// The demo applications, by label, with their numbers and query codes.
    pub applications: Vec<(&'static str, Filed)>,
}

/// Writes the demo data set into an empty ledger; leaves a non-empty one alone: the fictional
/// region's subjects and decisions, then name-list entries proposed by the platform's rules and
/// approved by a (fictional) reviewer, a small 失信被执行人 list, a demo API token, workflows in
/// every state and the console's demo accounts.
pub async fn seed(
    store: &dyn Store,
    policies: &xyjt_core::policies::Policies,
    today: NaiveDate,
) -> Result<Seeded, AppError> {
    use xyjt_core::ledger::{EventPayload, NewEvent};
    if store.head().await?.seq > 0 {
        return Ok(Seeded {
            events: 0,
            applications: Vec::new(),
        });
    }
    let events = xyjt_core::demo::generate(today, 20_261_122);
    let mut n = events.len();
    let judgment_debtors: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::SubjectRegistered { subject } if subject.name.contains("工程") => {
                subject
                    .uscc
                    .as_ref()
                    .map(|u| (subject.name.clone(), u.to_string()))
            }
            _ => None,
        })
        .take(3)
        .collect();
    for chunk in events.chunks(2_000) {
        store.append(chunk.to_vec()).await?;
    }
    let now = chrono::Utc::now();
    let proposals = crate::lists::evaluate(store, policies, "system:rules", today, now).await?;
    let mut steps = Vec::new();
    for p in &proposals {
        steps.push(NewEvent::new(
            "演示审核员",
            now,
            EventPayload::ListEntryReviewed {
                entry_id: p.id.clone(),
                by: "演示审核员".into(),
                approved: true,
                comment: "演示数据：规则认定，经审核".into(),
            },
        ));
        steps.push(NewEvent::new(
            "演示审核员",
            now,
            EventPayload::ListEntryPublished {
                entry_id: p.id.clone(),
                on: today,
            },
        ));
    }
    n += proposals.len() + steps.len();
    store.append(steps).await?;
    let table = xyjt_import::Table {
        headers: ["名称", "代码", "列入日期", "列入机关", "依据"]
            .map(String::from)
            .to_vec(),
        rows: judgment_debtors
            .iter()
            .enumerate()
            .map(|(i, (name, code))| {
                let row = vec![
                    name.clone(),
                    code.clone(),
                    (today - chrono::Duration::days(90)).to_string(),
                    "示范市中级人民法院（演示）".to_string(),
                    format!("（{}）示执字第{}号", today.format("%Y"), code.len()),
                ];
                (i + 2, row)
            })
            .collect(),
    };
    let (loaded, _) = crate::lists::import_external(
        store,
        policies,
        &table,
        "失信被执行人.csv",
        "失信被执行人",
        "demo",
        today,
        now,
    )
    .await?;
    n += loaded * 3;
    store
        .append(vec![NewEvent::new(
            "demo",
            now,
            EventPayload::ApiTokenIssued {
                token_id: "demo-token".into(),
                name: "演示招标投标平台".into(),
                token_hash: xyjt_core::canonical::sha256_hex(DEMO_TOKEN.as_bytes()),
                decision_points: vec![],
            },
        )])
        .await?;
    // Objections, repairs and commitments in every state; their numbers and query codes are
    // returned so the progress lookup can be tried.
    let filed = seed_demo_workflows(store, policies, today).await?;
    // Evaluation runs, inspector pools, a draw with some results.
    let evaluation = seed_demo_evaluation(store, policies, today).await?;
    n += evaluation;
    // Government integrity: departments, civil servants, their records, a 容错 finding.
    n += seed_demo_integrity(store, policies, today).await?;
    // Requests for government information (依申请公开) in every state, last year's and this
    // year's (before the disclosure seed publishes last year's annual report, which counts them).
    n += seed_demo_disclosure_requests(store, policies, today).await?;
    // Government information disclosure: the catalogue, reviews, 清理, 预公开.
    n += seed_demo_disclosure(store, policies, today).await?;
    // Staff accounts for the console (README lists them; password DEMO_PASSWORD).
    store.append(crate::accounts::demo_account_events()).await?;
    Ok(Seeded {
        events: n + 1 + filed.len() + crate::accounts::DEMO_ACCOUNTS.len(),
        applications: filed,
    })
}

/// The demo draw's seed (fixed, so the demo's draw is the same on every machine).
pub const DEMO_DRAW_SEED: &str = "64656d6f2d647261772d736565642d3230323620e4bfa1e794a8e4baa4e9809a";

/// Inspector pools for three units, last year's evaluation of every model published (reviewed by
/// another person), this year's road transport run awaiting review, and a draw for the current
/// quarter with a few results recorded. Returns how many events were written (roughly).
pub async fn seed_demo_evaluation(
    store: &dyn Store,
    policies: &xyjt_core::policies::Policies,
    today: NaiveDate,
) -> Result<usize, AppError> {
    use xyjt_core::inspection::{InspectionOutcome, Inspector, Quarter};
    let ctx = Ctx::with_policies(store, policies, today);
    const NAMES: &[&str] = &["张", "王", "李", "赵", "陈", "刘", "周", "吴"];
    const GIVEN: &[&str] = &["建国", "海燕", "志强", "丽华", "明", "静", "伟", "敏"];
    let mut events = 0;
    for (u, unit) in ["SF", "SF-ZF", "DH-ZF", "XL-ZF"].iter().enumerate() {
        let inspectors = (0..6)
            .map(|k| Inspector {
                id: format!("{unit}-{:02}", k + 1),
                name: format!(
                    "{}{}",
                    NAMES[(u * 3 + k) % NAMES.len()],
                    GIVEN[(u + k * 5) % GIVEN.len()]
                ),
                unit: (*unit).to_string(),
                avoid_code: None,
            })
            .collect();
        crate::inspection::set_pool(&ctx, unit, inspectors, "演示管理员").await?;
        events += 1;
    }
    let last_year = (today.year() - 1).to_string();
    for model in &policies.evaluation.models {
        let run =
            match crate::evaluation::run(&ctx, &model.id, &last_year, None, "SF-XY", "演示评价员")
                .await
            {
                Ok(run) => run,
                // A model with no subject in the demo region is left out.
                Err(e) if e.kind == crate::ErrorKind::Invalid => continue,
                Err(e) => return Err(e),
            };
        crate::evaluation::review(&ctx, &run.run.id, "演示审核员", true, "演示数据：经审核")
            .await?;
        crate::evaluation::publish(&ctx, &run.run.id, "演示审核员").await?;
        events += run.run.subjects as usize + 3;
    }
    let this_year = today.year().to_string();
    if let Ok(run) = crate::evaluation::run(
        &ctx,
        "js-road-transport",
        &this_year,
        None,
        "SF-XY",
        "演示评价员",
    )
    .await
    {
        events += run.run.subjects as usize + 1;
    }
    let quarter = Quarter::of(today).to_string();
    let draw = crate::inspection::draw(
        &ctx,
        &quarter,
        "DH-ZF",
        Some(DEMO_DRAW_SEED),
        "演示执法人员",
    )
    .await?;
    events += 2;
    let outcomes = [
        (
            InspectionOutcome::NoProblem,
            "现场检查经营资质、车辆技术档案，未发现问题",
        ),
        (
            InspectionOutcome::ProblemsFound,
            "2 辆车辆未按期进行技术等级评定，责令 15 日内整改",
        ),
        (
            InspectionOutcome::CaseOpened,
            "发现超限运输违法行为，已立案查处",
        ),
    ];
    for (task, (outcome, note)) in draw.tasks.iter().zip(outcomes) {
        crate::inspection::record_result(
            &ctx,
            crate::inspection::ResultInput {
                draw_id: Some(draw.id.clone()),
                task_no: Some(task.no),
                subject_id: None,
                outcome,
                note: note.to_string(),
                on: today,
            },
            "DH-ZF",
            "演示执法人员",
        )
        .await?;
        events += 1;
    }
    Ok(events)
}

/// The demo's token for a personnel system (组织人事), limited to the personnel decision points.
pub const DEMO_PERSONNEL_TOKEN: &str = "xyjt_demo_personnel_token_not_for_production";

/// Government integrity: four departments of the demo tree with government USCCs (prefix 11 and
/// 12), three civil servants, dishonesty and good records, one disciplinary record kept out by an
/// approved 容错 finding, and a personnel system's token. Returns the events written (roughly).
pub async fn seed_demo_integrity(
    store: &dyn Store,
    policies: &xyjt_core::policies::Policies,
    today: NaiveDate,
) -> Result<usize, AppError> {
    use crate::integrity::{self as gi, RecordInput, Recorded, RegistrationInput};
    use xyjt_core::ident::citizen_id_check_char;
    let ctx = Ctx::with_policies(store, policies, today);
    let citizen = |birth: &str, seq: &str| {
        let first17 = format!("990100{birth}{seq}");
        format!(
            "{first17}{}",
            citizen_id_check_char(&first17).expect("a citizen ID")
        )
    };
    // The departments are the demo's own reporting units (their 双公示 intake feeds the
    // assessment), found by name among the units that reported.
    let wanted = [
        "东湖市交通运输局",
        "西岭市交通运输局",
        "东湖市交通运输综合行政执法支队",
        "西岭市交通运输综合行政执法支队",
    ];
    let mut departments: Vec<(String, String)> = Vec::new();
    for c in store.intake_counts().await? {
        if wanted.contains(&c.unit_name.as_str())
            && !departments.iter().any(|(code, _)| *code == c.unit_code)
            && (c.unit_code.starts_with("11") || c.unit_code.starts_with("12"))
        {
            departments.push((c.unit_code.clone(), c.unit_name.clone()));
        }
    }
    departments.sort_by_key(|(_, name)| wanted.iter().position(|w| w == name));
    if departments.len() < 3 {
        return Ok(0);
    }
    let people = [
        (
            "19780312",
            "135",
            "周建华",
            "东湖市交通运输局",
            "建设管理科科长",
        ),
        (
            "19850721",
            "246",
            "吴晓梅",
            "东湖市公路事业发展中心",
            "养护科副科长",
        ),
        (
            "19900105",
            "357",
            "郑国强",
            "西岭市交通运输局",
            "运输科科员",
        ),
    ];
    let mut events = 0;
    let register = |input: RegistrationInput| {
        let ctx = &ctx;
        async move {
            let s = gi::propose_registration(ctx, &input, "演示登记员").await?;
            gi::review_registration(
                ctx,
                &s.registration.id,
                "演示审核员",
                true,
                "演示数据：经审核",
            )
            .await
        }
    };
    let mut codes = Vec::new();
    for (code, name) in departments {
        register(RegistrationInput {
            kind: "部门".into(),
            name,
            code: code.clone(),
            unit: None,
            post: None,
        })
        .await?;
        codes.push(code);
        events += 3;
    }
    let mut persons = Vec::new();
    for (birth, seq, name, unit, post) in people {
        let code = citizen(birth, seq);
        register(RegistrationInput {
            kind: "公务人员".into(),
            name: name.into(),
            code: code.clone(),
            unit: Some(unit.into()),
            post: Some(post.into()),
        })
        .await?;
        persons.push(code);
        events += 3;
    }
    let days_ago = |n: i64| today - chrono::Duration::days(n);
    let rec = |archive: &str,
               code: &str,
               category: &str,
               nature: &str,
               sanction: Option<&str>,
               doc: &str,
               on: NaiveDate,
               unit: &str,
               facts: &str,
               basis: &str| RecordInput {
        archive: archive.into(),
        code: code.into(),
        category: category.into(),
        nature: nature.into(),
        sanction: sanction.map(str::to_string),
        doc_no: doc.into(),
        decided_on: on,
        deciding_unit: unit.into(),
        facts: facts.into(),
        basis: basis.into(),
    };
    let year = today.format("%Y").to_string();
    let records = [
        rec(
            "部门",
            &codes[0],
            "拖欠账款",
            "失信",
            None,
            &format!("东审〔{year}〕12号"),
            days_ago(120),
            "东湖市审计局（演示）",
            "拖欠示范市某路桥公司工程进度款 386 万元逾期未付",
            "《保障中小企业款项支付条例》第十五条",
        ),
        rec(
            "部门",
            &codes[2],
            "合同违约",
            "失信",
            None,
            &format!("（{year}）示0101民初88号"),
            days_ago(200),
            "东湖市人民法院（演示）",
            "未按PPP项目合同约定支付可用性服务费",
            "《中华人民共和国民法典》第五百七十七条",
        ),
        rec(
            "部门",
            &codes[1],
            "表彰奖励",
            "守信",
            None,
            &format!("示交〔{year}〕45号"),
            days_ago(60),
            "示范省交通运输厅（演示）",
            "获评全省交通运输信用体系建设示范单位",
            "《公务员奖励规定》",
        ),
        rec(
            "公务人员",
            &persons[0],
            "纪律处分",
            "失信",
            Some("记过"),
            &format!("东纪〔{year}〕9号"),
            days_ago(90),
            "东湖市纪委监委（演示）",
            "违规插手工程项目招标投标",
            "《中华人民共和国公职人员政务处分法》第三十九条",
        ),
        rec(
            "公务人员",
            &persons[1],
            "纪律处分",
            "失信",
            Some("警告"),
            &format!("东纪〔{year}〕15号"),
            days_ago(40),
            "东湖市纪委监委（演示）",
            "应急抢通中先行施工、后补手续",
            "《中华人民共和国公职人员政务处分法》第三十九条",
        ),
        rec(
            "公务人员",
            &persons[2],
            "年度考核优秀",
            "守信",
            None,
            &format!("西人〔{year}〕3号"),
            days_ago(300),
            "西岭市交通运输局（演示）",
            "年度考核确定为优秀等次",
            "《公务员考核规定》",
        ),
    ];
    let mut ids = Vec::new();
    // Each is recorded a few days after its decision, so the rectification cases the
    // departments' dishonesty records open run from then (one is now overdue).
    for r in &records {
        let when = Ctx {
            today: (r.decided_on + chrono::Duration::days(3)).min(today),
            ..ctx
        };
        if let Recorded::New(id) = gi::record(&when, r, "demo", "演示录入员").await? {
            ids.push(id);
            events += 2;
        }
    }
    events += seed_demo_government_cases(&ctx, &codes).await?;
    // The emergency repair's warning is kept out of the dishonesty record (容错纠错).
    if let Some(id) = ids.get(4) {
        gi::propose_tolerance(
            &ctx,
            id,
            "抢险救灾中为保障通行先行施工，事后及时补办手续，未谋取私利",
            "《关于建立健全容错纠错机制的意见》第三条第（二）项",
            vec![],
            "演示纪检员",
        )
        .await?;
        gi::review_tolerance(&ctx, id, "演示审核员", true, "予以容错").await?;
        events += 2;
    }
    // The assessment of the half year before this one: a public-evaluation score entered for
    // each department, then the bulletin published.
    let half = if today.month() <= 6 {
        format!("{}H2", today.year() - 1)
    } else {
        format!("{}H1", today.year())
    };
    for (n, code) in codes.iter().enumerate() {
        crate::integrity::assessment::enter_score(
            &ctx,
            &half,
            code,
            "public-evaluation",
            &(92 - 4 * n as i64).to_string(),
            "演示：第三方评估得分",
            "演示考核员",
        )
        .await?;
        events += 1;
    }
    crate::integrity::assessment::publish(&ctx, &half, "演示考核员").await?;
    events += 1;
    store
        .append(vec![xyjt_core::ledger::NewEvent::new(
            "demo",
            chrono::Utc::now(),
            xyjt_core::ledger::EventPayload::ApiTokenIssued {
                token_id: "demo-personnel-token".into(),
                name: "演示组织人事系统".into(),
                token_hash: xyjt_core::canonical::sha256_hex(DEMO_PERSONNEL_TOKEN.as_bytes()),
                decision_points: vec![
                    xyjt_core::lists::DecisionPoint::Hiring,
                    xyjt_core::lists::DecisionPoint::Promotion,
                    xyjt_core::lists::DecisionPoint::Honours,
                ],
            },
        )])
        .await?;
    Ok(events + 1)
}

/// The government casework of the demo: the PPP breach's rectification handed in and accepted
/// (the unpaid bill's stays overdue, so the draft 通报 names it), two complaints (one answered,
/// one open) and three commitments (one kept, one broken — recorded as 承诺未履行 with its own
/// rectification case — and one running).
async fn seed_demo_government_cases(ctx: &Ctx<'_>, codes: &[String]) -> Result<usize, AppError> {
    use crate::integrity::commitments::{CommitmentInput, check_commitment, make_commitment};
    use crate::workflows::{
        ApplicantInput, ComplaintRequest, StepRequest, file_complaint, take_step,
    };
    use xyjt_core::workflow::WorkflowKind;
    let today = ctx.today;
    let days_ago = |n: i64| today - chrono::Duration::days(n);
    let at = |day: NaiveDate| Ctx { today: day, ..*ctx };
    let step =
        |action: &str, clock: Option<&str>, reason: &str, granted: Option<bool>| StepRequest {
            action: action.into(),
            on: None,
            reason: reason.into(),
            unit: None,
            clock: clock.map(str::to_string),
            workdays: None,
            granted,
            revoke: false,
            corrected: None,
            outcome: None,
        };
    let mut events = 0;
    // The PPP breach (codes[2], decided 200 days ago, recorded 3 days later).
    let cases = ctx
        .store
        .applications(&xyjt_store::AppQuery {
            kind: Some(WorkflowKind::Rectification),
            ..Default::default()
        })
        .await?;
    if let Some(ppp) = cases
        .iter()
        .find(|c| c.app.topic.as_deref() == Some("合同违约"))
    {
        let n = &ppp.app.number;
        take_step(
            &at(days_ago(190)),
            n,
            &step(
                "submit",
                Some("explanation"),
                "书面说明：因财政资金拨付延迟，未按合同约定支付可用性服务费",
                None,
            ),
            "演示部门联络员",
        )
        .await?;
        take_step(
            &at(days_ago(160)),
            n,
            &step(
                "submit",
                Some("report"),
                "整改报告：已足额支付可用性服务费及违约金，建立PPP项目付费预警机制",
                None,
            ),
            "演示部门联络员",
        )
        .await?;
        take_step(
            &at(days_ago(155)),
            n,
            &step(
                "decide",
                None,
                "经核查，违约款项已付清，整改到位",
                Some(true),
            ),
            "演示审核员",
        )
        .await?;
        events += 3;
    }
    let complaint =
        |code: &str, kind: &str, content: &str, name: &str, day: NaiveDate| ComplaintRequest {
            complaint_type: kind.into(),
            department: code.into(),
            content: content.into(),
            complainant: ApplicantInput {
                name: name.into(),
                role: Some("public".into()),
                contact: Some("13900000000".into()),
            },
            evidence: vec![],
            received_on: Some(day),
        };
    let answered = file_complaint(
        &at(days_ago(30)),
        complaint(
            &codes[0],
            "毁约投诉",
            "招商引资协议约定的道路配套工程逾期一年未开工",
            "示范市长风物流有限公司",
            days_ago(30),
        ),
        "演示登记员",
    )
    .await?;
    take_step(
        &at(days_ago(20)),
        &answered.number,
        &step(
            "decide",
            None,
            "经核实，配套道路因规划调整延期；已与企业重新约定于本年底前开工，并列入政务承诺跟踪。",
            Some(true),
        ),
        "演示部门联络员",
    )
    .await?;
    file_complaint(
        &at(days_ago(3)),
        complaint(
            &codes[1],
            "12328诉求",
            "客运站候车厅空调长期损坏，投诉多次未处理",
            "李女士",
            days_ago(3),
        ),
        "演示登记员",
    )
    .await?;
    events += 3;
    let commit =
        |code: &str, kind: &str, content: &str, made: NaiveDate, due: Option<NaiveDate>| {
            CommitmentInput {
                department: code.into(),
                kind: kind.into(),
                content: content.into(),
                published_in: "部门门户网站“政务承诺”栏目".into(),
                made_on: made,
                due_on: due,
            }
        };
    let kept = make_commitment(
        &at(days_ago(150)),
        &commit(
            &codes[0],
            "期限承诺",
            "道路运输经营许可即办件当场办结，承诺件 3 个工作日内办结",
            days_ago(150),
            Some(days_ago(60)),
        ),
        "演示部门联络员",
    )
    .await?;
    check_commitment(
        &at(days_ago(55)),
        &kept.commitment.id,
        true,
        "抽查 120 件许可办件，均在承诺时限内办结",
        "示范省交通运输厅",
        "演示考核员",
    )
    .await?;
    let broken = make_commitment(
        &at(days_ago(140)),
        &commit(
            &codes[1],
            "保障承诺",
            "中小企业工程款在验收合格后 30 日内支付",
            days_ago(140),
            Some(days_ago(50)),
        ),
        "演示部门联络员",
    )
    .await?;
    check_commitment(
        &at(days_ago(45)),
        &broken.commitment.id,
        false,
        "两笔验收合格的养护工程款逾期 60 日以上未支付",
        "示范省交通运输厅",
        "演示考核员",
    )
    .await?;
    make_commitment(
        ctx,
        &commit(
            &codes[0],
            "服务承诺",
            "12328 热线工单 5 个工作日内答复",
            days_ago(10),
            None,
        ),
        "演示部门联络员",
    )
    .await?;
    Ok(events + 7)
}

/// The office reviewer of 东湖市交通运输局 (局办公室) the demo's disclosure items are signed off
/// by; password `DEMO_PASSWORD`.
pub const DEMO_OFFICE_LOGIN: &str = "dh-bgs";

/// Government information disclosure (政务公开): an item in every column of the catalogue,
/// drafted by 东湖执法支队's clerk and signed off by 东湖市交通运输局's office on days before
/// `today` (one policy interpretation published late), a 规范性文件 with a 清理 decision, a
/// draft decision open for comment with comments and one closed with its adoption summary, an
/// item awaiting review and one returned. Returns the number of events.
pub async fn seed_demo_disclosure(
    store: &dyn Store,
    policies: &xyjt_core::policies::Policies,
    today: NaiveDate,
) -> Result<usize, AppError> {
    use crate::disclosure::{
        self as dc, AdoptionInput, CleanupInput, CommentInput, DraftInput, SignOffInput, Upload,
    };
    use xyjt_core::account::{Account, Role};
    let office = Account {
        login: DEMO_OFFICE_LOGIN.into(),
        name: "东湖市交通运输局办公室审核员（演示）".into(),
        unit_id: "DH".into(),
        roles: vec![Role::Reviewer],
        disabled: false,
    };
    let clerk = Account {
        login: "dh-lr".into(),
        name: "东湖执法支队录入员（演示）".into(),
        unit_id: "DH-ZF".into(),
        roles: vec![Role::Clerk],
        disabled: false,
    };
    if policies.org.unit("DH").is_none() || policies.org.unit("DH-ZF").is_none() {
        return Ok(0);
    }
    store
        .append(vec![crate::accounts::account_event(
            "demo",
            office.clone(),
            crate::accounts::DEMO_PASSWORD,
        )])
        .await?;
    let mut events = 1;
    let day = |back: i64| today - chrono::Duration::days(back);
    let columns: Vec<(String, String)> = policies
        .disclosure
        .categories
        .iter()
        .flat_map(|c| {
            c.columns
                .iter()
                .map(|col| (col.id.clone(), col.label.clone()))
        })
        .collect();
    let mut normative_id = None;
    for (i, (column, label)) in columns.iter().enumerate() {
        let published = day(120 - 5 * i as i64);
        let ctx = Ctx::with_policies(store, policies, published);
        let has_deadline = policies.disclosure.deadline(column).is_some();
        // The policy interpretation waited a week: published late.
        let from = if column == "policy-interpretation" {
            published - chrono::Duration::days(7)
        } else {
            published - chrono::Duration::days(1)
        };
        let consultation = column == "decision-consultation";
        let input = DraftInput {
            column: column.clone(),
            title: format!("东湖市交通运输综合行政执法支队{label}（演示）"),
            doc_no: if column == "normative-documents" {
                format!("东交执〔{}〕{}号", published.year(), i + 1)
            } else {
                String::new()
            },
            written_on: from,
            keywords: format!("交通运输 {label}"),
            summary: format!("{label}栏目的演示信息：说明本单位{label}的主要内容。"),
            body: format!("这是“{label}”栏目的演示正文。\n演示数据均为虚构。"),
            deadline_from: has_deadline.then_some(from),
            comment_until: consultation.then(|| published + chrono::Duration::days(20)),
            ..DraftInput::default()
        };
        let uploads = if i % 4 == 0 {
            vec![Upload {
                file_name: format!("{label}.txt"),
                bytes: format!("{label}（演示附件）").into_bytes(),
            }]
        } else {
            Vec::new()
        };
        let s = dc::draft(&ctx, &clerk, &input, &uploads).await?;
        dc::sign_off(
            &ctx,
            &office,
            &s.item.id,
            &SignOffInput {
                approved: true,
                conclusion: String::new(),
            },
        )
        .await?;
        events += 2;
        if column == "normative-documents" {
            normative_id = Some(s.item.id.clone());
        }
        if consultation {
            // Closed: two comments, then the adoption summary after the period.
            for (k, text) in [
                "建议明确新旧政策的过渡期。",
                "建议增加企业信用修复的办理时限说明。",
            ]
            .iter()
            .enumerate()
            {
                let c = Ctx::with_policies(
                    store,
                    policies,
                    published + chrono::Duration::days(3 + k as i64),
                );
                dc::comment(
                    &c,
                    &s.item.id,
                    &CommentInput {
                        text: (*text).into(),
                    },
                    "网站",
                )
                .await?;
                events += 1;
            }
            let after = Ctx::with_policies(store, policies, published + chrono::Duration::days(25));
            dc::adopt(
                &after,
                &office,
                &s.item.id,
                &AdoptionInput {
                    adopted: "采纳“明确过渡期”的建议，正式文件规定 6 个月过渡期。".into(),
                    not_adopted: "“增加信用修复办理时限”已由信用修复相关规定明确，本文件不再重复。"
                        .into(),
                },
            )
            .await?;
            events += 1;
        }
    }
    if let Some(id) = normative_id {
        let ctx = Ctx::with_policies(store, policies, day(10));
        dc::clean(
            &ctx,
            &office,
            &id,
            &CleanupInput {
                decision: "废止".into(),
                reason: "年度规范性文件清理：所依据的上位规定已修改（演示）。".into(),
            },
        )
        .await?;
        events += 1;
    }
    // A draft decision open for comment now, with a comment.
    let ctx = Ctx::with_policies(store, policies, day(5));
    let open = dc::draft(
        &ctx,
        &clerk,
        &DraftInput {
            column: "decision-consultation".into(),
            title: "东湖市道路运输企业信用分级分类监管办法（征求意见稿）（演示）".into(),
            written_on: day(6),
            keywords: "信用 分级分类 征求意见".into(),
            summary: "向社会公开征求对道路运输企业信用分级分类监管办法的意见。".into(),
            body: "一、适用范围……\n二、信用等级……（演示）".into(),
            comment_until: Some(today + chrono::Duration::days(25)),
            ..DraftInput::default()
        },
        &[],
    )
    .await?;
    dc::sign_off(
        &ctx,
        &office,
        &open.item.id,
        &SignOffInput {
            approved: true,
            conclusion: String::new(),
        },
    )
    .await?;
    let c = Ctx::with_policies(store, policies, day(2));
    dc::comment(
        &c,
        &open.item.id,
        &CommentInput {
            text: "建议对 A 级企业减少检查频次。".into(),
        },
        "网站",
    )
    .await?;
    events += 3;
    // Last year's annual report, published by the province's office.
    let province_office = Account {
        login: "sf-bgs".into(),
        name: "示范省交通运输厅办公室审核员（演示）".into(),
        unit_id: "SF".into(),
        roles: vec![Role::Reviewer],
        disabled: false,
    };
    if policies.org.unit("SF").is_some() {
        store
            .append(vec![crate::accounts::account_event(
                "demo",
                province_office.clone(),
                crate::accounts::DEMO_PASSWORD,
            )])
            .await?;
        let jan = NaiveDate::from_ymd_opt(today.year(), 1, 20).unwrap_or(today);
        let ctx = Ctx::with_policies(store, policies, jan.min(today));
        dc::publish_report(&ctx, &province_office, today.year() - 1).await?;
        events += 2;
    }
    // One awaiting review (in the office's inbox) and one returned.
    let ctx = Ctx::with_policies(store, policies, day(1));
    let pending = DraftInput {
        column: "power-lists".into(),
        title: "东湖市交通运输综合行政执法支队权力清单调整情况（演示）".into(),
        written_on: day(2),
        keywords: "权力清单 调整".into(),
        summary: "调整行政检查事项 2 项。".into(),
        deadline_from: Some(day(2)),
        ..DraftInput::default()
    };
    dc::draft(&ctx, &clerk, &pending, &[]).await?;
    let returned = dc::draft(
        &ctx,
        &clerk,
        &DraftInput {
            column: "execution-progress".into(),
            title: "东湖市综合交通运输发展规划执行情况（演示）".into(),
            written_on: day(3),
            summary: "规划中期执行情况。".into(),
            ..DraftInput::default()
        },
        &[],
    )
    .await?;
    dc::sign_off(
        &ctx,
        &office,
        &returned.item.id,
        &SignOffInput {
            approved: false,
            conclusion: "部分数据尚未经统计部门核定，请核实后重新提交。".into(),
        },
    )
    .await?;
    events += 3;
    Ok(events)
}

/// Requests for government information (依申请公开) in every state: last year's answered ones
/// (one after a correction, one after a consultation), one received last December and answered in
/// January (carried over), this year's answered, withdrawn, awaiting correction, under
/// consultation, extended and open. Returns the number of events.
pub async fn seed_demo_disclosure_requests(
    store: &dyn Store,
    policies: &xyjt_core::policies::Policies,
    today: NaiveDate,
) -> Result<usize, AppError> {
    use crate::workflows::{
        DisclosureApplicant, DisclosureRequestInput, StepRequest, file_disclosure_request,
        take_step,
    };
    let ctx = Ctx::with_policies(store, policies, today);
    let at = |day: NaiveDate| Ctx { today: day, ..ctx };
    // The Monday on or after a day (so the examples' steps fall on working weeks).
    let monday = |day: NaiveDate| {
        let back = day.weekday().num_days_from_monday();
        if back == 0 {
            day
        } else {
            day + chrono::Duration::days(7 - i64::from(back))
        }
    };
    let plus = |day: NaiveDate, n: i64| day + chrono::Duration::days(n);
    let step =
        |action: &str, reason: &str, unit: Option<&str>, outcome: Option<&str>| StepRequest {
            action: action.into(),
            on: None,
            reason: reason.into(),
            unit: unit.map(str::to_string),
            clock: None,
            workdays: None,
            granted: None,
            revoke: false,
            corrected: None,
            outcome: outcome.map(str::to_string),
        };
    let last = today.year() - 1;
    let ymd = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    /// (days after receipt, action, reason, consulted unit, outcome)
    type DemoStep<'a> = (i64, &'a str, &'a str, Option<&'a str>, Option<&'a str>);
    struct Demo<'a> {
        kind: &'a str,
        name: &'a str,
        content: &'a str,
        channel: &'a str,
        received: NaiveDate,
        steps: Vec<DemoStep<'a>>,
    }
    let answer = "经检索，现答复如下（演示）";
    let demos = [
        Demo {
            kind: "自然人",
            name: "赵明",
            content: "示范市2024年农村公路养护资金分配表",
            channel: "网络",
            received: monday(ymd(last, 3, 10)),
            steps: vec![(9, "decide", answer, None, Some("予以公开"))],
        },
        Demo {
            kind: "商业企业",
            name: "示范市长风物流有限公司",
            content: "关于货车通行费优惠的文件",
            channel: "邮寄",
            received: monday(ymd(last, 6, 2)),
            steps: vec![
                (
                    2,
                    "request-correction",
                    "请写明文件的名称或文号",
                    None,
                    None,
                ),
                (8, "corrected", "", None, None),
                (15, "decide", answer, None, Some("部分公开")),
            ],
        },
        Demo {
            kind: "法律服务机构",
            name: "示范律师事务所",
            content: "某客运企业的经营许可申请材料",
            channel: "当面",
            received: monday(ymd(last, 9, 1)),
            steps: vec![
                (3, "consult", "", Some("示范市某客运公司（第三方）"), None),
                (10, "consult-reply", "", None, None),
                (
                    14,
                    "decide",
                    "第三方不同意公开，涉及商业秘密（演示）",
                    None,
                    Some("保护第三方合法权益"),
                ),
            ],
        },
        Demo {
            kind: "自然人",
            name: "钱红",
            content: "2024年交通运输执法人员名单",
            channel: "网络",
            received: monday(ymd(last, 12, 15)),
            steps: vec![(
                28,
                "decide",
                "本机关未制作该名单（演示）",
                None,
                Some("本机关不掌握相关政府信息"),
            )],
        },
        Demo {
            kind: "科研机构",
            name: "示范大学交通学院",
            content: "客运站改扩建方案的内部讨论记录",
            channel: "网络",
            received: monday(ymd(today.year(), 3, 2)),
            steps: vec![(6, "decide", answer, None, Some("属于四类过程性信息"))],
        },
        Demo {
            kind: "自然人",
            name: "孙丽",
            content: "本人信用修复申请的办理记录",
            channel: "网络",
            received: monday(ymd(today.year(), 4, 13)),
            steps: vec![(1, "withdraw", "申请人撤回（演示）", None, None)],
        },
        Demo {
            kind: "社会公益组织",
            name: "示范市交通安全志愿者协会",
            content: "学校周边道路安全隐患排查结果",
            channel: "网络",
            received: monday(plus(today, -40)),
            steps: vec![(3, "extend", "需协调多个执法大队汇总（演示）", None, None)],
        },
        Demo {
            kind: "其他",
            name: "某村民委员会",
            content: "村道项目",
            channel: "当面",
            received: monday(plus(today, -21)),
            steps: vec![(2, "request-correction", "请写明村道名称和年份", None, None)],
        },
        Demo {
            kind: "商业企业",
            name: "示范港航建设有限公司",
            content: "航道整治工程中标候选人的评标报告",
            channel: "网络",
            received: monday(plus(today, -21)),
            steps: vec![(2, "consult", "", Some("示范市公共资源交易中心"), None)],
        },
        Demo {
            kind: "自然人",
            name: "周强",
            content: "公交线路调整的听证记录",
            channel: "网络",
            received: monday(plus(today, -8)),
            steps: vec![],
        },
    ];
    let mut events = 0;
    for d in demos {
        if d.received > today {
            continue;
        }
        let filed = file_disclosure_request(
            &at(d.received),
            DisclosureRequestInput {
                applicant: DisclosureApplicant {
                    applicant_type: d.kind.into(),
                    name: d.name.into(),
                    contact: Some("13700000000".into()),
                },
                content: d.content.into(),
                channel: d.channel.into(),
                received_on: None,
                agency: None,
            },
            "演示受理员",
            true,
        )
        .await?;
        events += 1;
        for (after, action, reason, unit, outcome) in d.steps {
            let day = plus(d.received, after);
            if day > today {
                break;
            }
            take_step(
                &at(day),
                &filed.number,
                &step(action, reason, unit, outcome),
                "演示办公室",
            )
            .await?;
            events += 1;
        }
    }
    Ok(events)
}
