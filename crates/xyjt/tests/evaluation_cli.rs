//! `xyjt eval …`, `xyjt inspect …` and `xyjt integrity import` as their users call them: the
//! real binary, exit codes, the JSON shapes other tools depend on.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn xyjt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xyjt"))
        .args(args)
        .env_remove("XYJT_DB")
        .env_remove("XYJT_CALENDAR")
        .env_remove("XYJT_POLICY_DIR")
        .output()
        .expect("the xyjt binary runs")
}

fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn temp(name: &str, ext: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}.{ext}",
        std::process::id(),
        xyjt_core::ledger::new_id()
    ));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn eval_grade_prints_the_grade_or_refuses_with_a_reason() {
    let grade = |args: &[&str]| {
        let mut a = vec!["eval", "grade"];
        a.extend_from_slice(args);
        xyjt(&a)
    };
    let o = grade(&["--model", "highway-construction", "--score", "95"]);
    assert_eq!((o.status.code(), out(&o).trim()), (Some(0), "AA"));
    let o = grade(&["--model", "highway-construction", "--score", "94.99"]);
    assert_eq!(out(&o).trim(), "A");
    let o = grade(&[
        "--model",
        "highway-construction",
        "--score",
        "98",
        "--previous",
        "C",
    ]);
    assert_eq!(out(&o).trim(), "B", "at most one level above last year's");
    let o = grade(&[
        "--model",
        "js-road-transport",
        "--score",
        "59.99",
        "--points",
        "20",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["grade"], "C");
    assert!(v["band"].as_str().unwrap().contains("记分"));
    assert!(v["explanation"].as_str().unwrap().contains("59.99"));
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["band", "explanation", "grade"]);
    for (args, says) in [
        (
            vec!["--model", "highway-construction", "--score", "100.5"],
            "超出",
        ),
        (
            vec!["--model", "highway-construction", "--score", "-1"],
            "超出",
        ),
        (
            vec!["--model", "js-road-transport", "--score", "50"],
            "--points",
        ),
        (
            vec![
                "--model",
                "js-road-transport",
                "--score",
                "30",
                "--points",
                "5",
            ],
            "不作推测",
        ),
        (
            vec!["--model", "highway-construction", "--score", "abc"],
            "不是有效的分值",
        ),
        (
            vec!["--model", "no-such-model", "--score", "90"],
            "没有评价模型",
        ),
    ] {
        let o = grade(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(err(&o).contains(says), "{args:?}: {}", err(&o));
        assert!(out(&o).is_empty());
    }
    let o = xyjt(&[
        "eval",
        "consortium",
        "--model",
        "highway-construction",
        "AA",
        "A",
        "C",
    ]);
    assert_eq!((o.status.code(), out(&o).trim()), (Some(0), "C"));
    let o = xyjt(&[
        "eval",
        "consortium",
        "--model",
        "highway-construction",
        "AA",
        "E",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_draw_prints_its_json_and_replays() {
    let db = temp("draw", "db");
    let url = format!("sqlite://{}", db.display());
    assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
    let seed = "00112233445566778899aabbccddeeff";
    let o = xyjt(&[
        "inspect",
        "draw",
        "--db",
        &url,
        "--quarter",
        "2026-Q4",
        "--unit",
        "XL-ZF",
        "--seed",
        seed,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "seed", "snapshot_seq", "tasks"]);
    assert_eq!(v["seed"], seed);
    let tasks = v["tasks"].as_array().unwrap();
    assert!(!tasks.is_empty());
    for t in tasks {
        let mut keys: Vec<&String> = t.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "code",
                "grade",
                "inspectors",
                "name",
                "reason",
                "subject_id"
            ]
        );
        assert_eq!(t["inspectors"].as_array().unwrap().len(), 2);
    }
    let id = v["id"].as_str().unwrap();
    let o = xyjt(&["inspect", "replay", "--db", &url, id]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("重放一致"));
    let o = xyjt(&["inspect", "replay", "--db", &url, "DR-nope"]);
    assert_eq!(o.status.code(), Some(1));
    let o = xyjt(&["inspect", "draw", "--db", &url, "--quarter", "2026-Q5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("季度"));
    let o = xyjt(&[
        "inspect",
        "coverage",
        "--db",
        &url,
        "--quarter",
        "2026-Q4",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let rows: Value = serde_json::from_str(&out(&o)).unwrap();
    assert!(!rows.as_array().unwrap().is_empty());
    let _ = std::fs::remove_file(db);
}

fn uscc(prefix: &str, body: &str) -> String {
    use xyjt_core::ident::{org_code_check_char, uscc_check_char};
    let org = format!("{body}{}", org_code_check_char(body).unwrap());
    let first17 = format!("{prefix}990100{org}");
    format!("{first17}{}", uscc_check_char(&first17).unwrap())
}

fn citizen(birth: &str, seq: &str) -> String {
    let first17 = format!("990100{birth}{seq}");
    format!(
        "{first17}{}",
        xyjt_core::ident::citizen_id_check_char(&first17).unwrap()
    )
}

/// A batch file with planted errors is judged row by row exactly; a file with a rejected row
/// writes nothing unless `--accept-valid`; re-importing changes nothing; GBK reads the same.
#[test]
fn integrity_import_judges_every_row_and_is_idempotent() {
    let dept = uscc("11", "MB000011");
    let dept2 = uscc("12", "MB000012");
    let company = uscc("91", "MB000013");
    let cs = citizen("19800101", "456");
    let cs2 = citizen("19810202", "567");
    let header = "决定日期,主体类别,名称,证件号码,所在单位,职务,记录类别,记录性质,决定文号,认定单位,事实,依据,容错认定,容错依据";
    let rows = [
        // 1 valid: a department's arrears
        format!(
            "2026-03-01,部门,示范市公路管理处,{dept},,,拖欠账款,失信,示审〔2026〕1号,示范市审计局,拖欠工程款,《保障中小企业款项支付条例》,否,"
        ),
        // 2 valid: a civil servant's 记过
        format!(
            "2026-06-01,公务人员,赵六,{cs},示范市公路管理处,科员,纪律处分（记过）,失信,示纪〔2026〕11号,示范市纪委监委,违反工作纪律,《公职人员政务处分法》第三十九条,否,"
        ),
        // 3 纪律处分 without the sanction
        format!(
            "2026-06-02,公务人员,赵六,{cs},示范市公路管理处,科员,纪律处分,失信,示纪〔2026〕12号,示范市纪委监委,违反工作纪律,《公职人员政务处分法》,否,"
        ),
        // 4 a company's code for a department
        format!(
            "2026-03-02,部门,示范市某公司,{company},,,拖欠账款,失信,示审〔2026〕2号,示范市审计局,拖欠,依据,否,"
        ),
        // 5 问责 is for persons
        format!(
            "2026-03-03,部门,示范市公路管理处,{dept},,,问责（诫勉）,失信,示纪〔2026〕13号,示范市纪委监委,事实,依据,否,"
        ),
        // 6 no 决定文号
        format!(
            "2026-03-04,部门,示范市公路管理处,{dept},,,拖欠账款,失信,,示范市审计局,事实,依据,否,"
        ),
        // 7 decided after --as-of
        format!(
            "2026-12-01,部门,示范市公路管理处,{dept},,,拖欠账款,失信,示审〔2026〕3号,示范市审计局,事实,依据,否,"
        ),
        // 8 容错 是 without 容错依据
        format!(
            "2026-06-03,公务人员,赵六,{cs},示范市公路管理处,科员,纪律处分（警告）,失信,示纪〔2026〕14号,示范市纪委监委,事实,依据,是,"
        ),
        // 9 守信 for 纪律处分
        format!(
            "2026-06-04,公务人员,赵六,{cs},示范市公路管理处,科员,纪律处分（警告）,守信,示纪〔2026〕15号,示范市纪委监委,事实,依据,否,"
        ),
        // 10 row 1's document number again
        format!(
            "2026-03-01,部门,示范市公路管理处,{dept},,,拖欠账款,失信,示审〔2026〕1号,示范市审计局,拖欠工程款,《保障中小企业款项支付条例》,否,"
        ),
        // 11 valid, under 容错
        format!(
            "2026-05-01,公务人员,钱七,{cs2},示范市港航中心,副科长,纪律处分（警告）,失信,示纪〔2026〕16号,示范市纪委监委,探索性失误,《公职人员政务处分法》,是,《关于建立健全容错纠错机制的意见》第三条"
        ),
        // 12 not a date
        format!(
            "2026-02-30,部门,示范市港航中心,{dept2},,,拖欠账款,失信,示审〔2026〕4号,示范市审计局,事实,依据,否,"
        ),
        // 13 a civil servant without 所在单位
        format!(
            "2026-06-05,公务人员,孙八,{},,,纪律处分（警告）,失信,示纪〔2026〕17号,示范市纪委监委,事实,依据,否,",
            citizen("19820303", "678")
        ),
    ];
    let text = format!("{header}\n{}\n", rows.join("\n"));
    let csv = temp("integrity", "csv");
    std::fs::write(&csv, &text).unwrap();
    let db = temp("integrity", "db");
    let url = format!("sqlite://{}", db.display());
    let report = temp("integrity-report", "json");
    let run = |extra: &[&str]| {
        let mut a = vec![
            "integrity",
            "import",
            "--db",
            &url,
            "--as-of",
            "2026-11-27",
            "--by",
            "纪检导入员",
            "--report",
            report.to_str().unwrap(),
            csv.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        let o = xyjt(&a);
        let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        (o, r)
    };
    let (o, r) = run(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(out(&o).contains("整个文件未写入"), "{}", out(&o));
    let mut judged: Vec<(u64, String, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    judged.sort();
    let want: Vec<(u64, String, String)> = [
        (3, "记录类别", "invalid"),
        (4, "证件号码", "invalid"),
        (5, "记录类别", "invalid"),
        (6, "决定文号", "invalid"),
        (7, "决定日期", "invalid"),
        (8, "容错依据", "required"),
        (9, "记录性质", "invalid"),
        (10, "决定文号", "duplicate_in_file"),
        (12, "决定日期", "invalid_date"),
        (13, "所在单位", "required"),
    ]
    .into_iter()
    .map(|(r, f, c)| (r, f.to_string(), c.to_string()))
    .collect();
    assert_eq!(judged, want, "{r}");
    assert_eq!(
        (
            r["total"].as_u64(),
            r["accepted"].as_u64(),
            r["rejected"].as_u64()
        ),
        (Some(13), Some(3), Some(10))
    );
    let shown = |code: &str| out(&xyjt(&["integrity", "show", "--db", &url, code]));
    assert!(
        shown(&dept).is_empty() || shown(&dept).contains("未登记"),
        "nothing was written"
    );

    let (o, r) = run(&["--accept-valid"]);
    assert_eq!(o.status.code(), Some(1), "rejected rows still make exit 1");
    assert!(out(&o).contains("新增 3"), "{}", out(&o));
    assert_eq!(r["accepted"], 3);
    assert_eq!(shown(&cs).lines().count(), 1);
    let tolerated: Value = serde_json::from_str(shown(&cs2).lines().next().unwrap()).unwrap();
    assert_eq!(tolerated["tolerance"]["approved"], true);

    // Again: nothing changes.
    let head = |url: &str| out(&xyjt(&["verify", "--db", url, "--json"]));
    let before = head(&url);
    let (o, _) = run(&["--accept-valid"]);
    assert!(
        out(&o).contains("新增 0，未变 3，新登记主体 0"),
        "{}",
        out(&o)
    );
    assert_eq!(head(&url), before, "re-importing writes nothing");

    // The same file in GBK is judged the same.
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(&csv, &gbk).unwrap();
    let (o, r) = run(&["--dry-run"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(r["errors"].as_array().unwrap().len(), 10);
    assert!(out(&o).contains("未变 3"), "{}", out(&o));
    for p in [csv, db, report] {
        let _ = std::fs::remove_file(p);
    }
}

/// The id a command printed after `prefix` (up to the next space or Chinese punctuation).
fn id_after(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {text}"))
        + prefix.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[test]
fn government_casework_from_the_command_line() {
    let db = temp("government", "db");
    let url = format!("sqlite://{}", db.display());
    let dept = uscc("11", "GW000021");
    let run = |args: &[&str], today: &str, by: &str| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend_from_slice(&["--db", &url, "--today", today, "--by", by]);
        xyjt(&a)
    };
    let o = run(
        &[
            "integrity",
            "register",
            "--kind",
            "部门",
            "--name",
            "示范市公路管理处（命令行）",
            "--code",
            &dept,
        ],
        "2026-09-01",
        "登记员",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let reg = id_after(&out(&o), "主体登记 ");
    let o = run(
        &["integrity", "review-registration", &reg, "--approve"],
        "2026-09-01",
        "审核员",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let o = run(
        &[
            "integrity",
            "record",
            "--archive",
            "部门",
            "--code",
            &dept,
            "--category",
            "拖欠账款",
            "--nature",
            "失信",
            "--doc-no",
            "示审〔2026〕21号",
            "--decided-on",
            "2026-09-01",
            "--deciding-unit",
            "示范市审计局",
            "--facts",
            "拖欠工程进度款",
            "--basis",
            "《保障中小企业款项支付条例》",
        ],
        "2026-09-28",
        "录入员",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    // Recorded 2026-09-28: the explanation is due in 10 working days across National Day.
    let o = run(&["integrity", "rectification", "--json"], "2026-10-20", "x");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let cases: Vec<Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cases.len(), 1, "{}", out(&o));
    assert_eq!(cases[0]["clocks"][0]["due_on"], "2026-10-16");
    assert_eq!(cases[0]["clocks"][1]["due_on"], "2026-11-13");
    assert_eq!(cases[0]["overdue"], true);
    let number = cases[0]["number"].as_str().unwrap().to_string();
    let o = run(
        &["integrity", "rectification", "--bulletin"],
        "2026-10-20",
        "x",
    );
    let text = out(&o);
    assert!(
        text.contains("示范市公路管理处（命令行）")
            && text.contains("提交书面说明（期限 2026-10-16）"),
        "{text}"
    );
    let o = run(
        &[
            "app",
            "step",
            &number,
            "--action",
            "submit",
            "--clock",
            "explanation",
            "--reason",
            "书面说明已报送",
            "--on",
            "2026-10-21",
        ],
        "2026-10-21",
        "部门联络员",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let o = run(
        &[
            "app",
            "step",
            &number,
            "--action",
            "decide",
            "--grant",
            "--reason",
            "整改完成",
        ],
        "2026-10-21",
        "审核员",
    );
    assert_eq!(o.status.code(), Some(1), "no report yet: {}", out(&o));
    assert!(format!("{}{}", out(&o), err(&o)).contains("整改报告"));
    // A paper complaint: the reply is due 15 working days after its receipt.
    let o = run(
        &[
            "integrity",
            "complaint",
            "--type",
            "毁约投诉",
            "--department",
            &dept,
            "--content",
            "养护合同约定的付款期限已过",
            "--complainant",
            "某养护公司",
            "--received-on",
            "2026-10-19",
        ],
        "2026-10-21",
        "登记员",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("答复期限 2026-11-09"), "{}", out(&o));
    // A commitment checked and found broken becomes a dishonesty record with its own case.
    let o = run(
        &[
            "integrity",
            "commit",
            "--department",
            &dept,
            "--kind",
            "期限承诺",
            "--content",
            "9 月底前付清全部工程款",
            "--published-in",
            "示公〔2026〕3号",
            "--made-on",
            "2026-09-01",
            "--due-on",
            "2026-09-30",
        ],
        "2026-10-21",
        "部门联络员",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let commitment = id_after(&out(&o), "政务承诺 ");
    let o = run(
        &[
            "integrity",
            "check-commitment",
            &commitment,
            "--broken",
            "--finding",
            "至今仍欠 120 万元",
            "--unit",
            "示范省交通运输厅",
        ],
        "2026-10-22",
        "考核员",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("未履行") && out(&o).contains("立案限期整改"));
    let o = run(&["integrity", "rectification", "--json"], "2026-10-22", "x");
    assert_eq!(out(&o).lines().count(), 2, "{}", out(&o));
    let _ = std::fs::remove_file(db);
}

#[test]
fn disclosure_requests_are_handled_with_app_step() {
    let db = temp("disclosure-requests", "db");
    let url = format!("sqlite://{}", db.display());
    assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
    let o = xyjt(&[
        "app",
        "list",
        "--db",
        &url,
        "--kind",
        "disclosure",
        "--open",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let open: Vec<Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let with_status = |status: &str| {
        open.iter()
            .find(|a| a["status"] == status)
            .unwrap_or_else(|| panic!("{status} in {open:?}"))["number"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let consulting = with_status("consulting");
    let step = |number: &str, args: &[&str]| {
        let mut a = vec!["app", "step", number, "--db", &url, "--by", "办公室"];
        a.extend_from_slice(args);
        xyjt(&a)
    };
    let o = step(&consulting, &["--action", "consult-reply"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let o = step(
        &consulting,
        &["--action", "decide", "--reason", "经审查，予以提供"],
    );
    assert_eq!(o.status.code(), Some(1), "an answer needs its outcome");
    assert!(format!("{}{}", out(&o), err(&o)).contains("outcome"));
    let o = step(
        &consulting,
        &[
            "--action",
            "decide",
            "--outcome",
            "予以公开",
            "--reason",
            "经审查，予以提供",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("已答复"), "{}", out(&o));
    let o = xyjt(&["app", "show", &consulting, "--db", &url]);
    assert!(out(&o).contains("决定：予以公开"), "{}", out(&o));
    // The request awaiting its correction: asked once already.
    let awaiting = with_status("suspended");
    let o = step(
        &awaiting,
        &["--action", "request-correction", "--reason", "再补充"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(format!("{}{}", out(&o), err(&o)).contains("只能要求一次"));
    let o = step(&awaiting, &["--action", "corrected"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("重新计算20个工作日"), "{}", out(&o));
    let _ = std::fs::remove_file(db);
}
