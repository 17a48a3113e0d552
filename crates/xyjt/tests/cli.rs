//! The CLI as its users call it: the real binary, real files, exit codes and output shapes.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn xyjt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xyjt"))
        .args(args)
        .env_remove("XYJT_DB")
        .env_remove("XYJT_CALENDAR")
        .output()
        .expect("the xyjt binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn temp_db(name: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let url = format!("sqlite://{}", path.display());
    (path, url)
}

#[test]
fn code_check_json_gives_one_line_per_input() {
    let out = xyjt(&[
        "code",
        "check",
        "--json",
        "９１３５０１００ｍ０００１００ｙ４３",
        "91110000600037341L",
        "91350100M000100Y44",
        "M000100Y4",
        "11010519491231002X",
        "110105199902300012",
        "12345",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    let expect = [
        ("uscc", true, "91350100M000100Y43"),
        ("uscc", true, "91110000600037341L"),
        ("uscc", false, "91350100M000100Y44"),
        ("org_code", true, "M000100Y4"),
        ("citizen_id", true, "11010519491231002X"),
        ("citizen_id", false, "110105199902300012"),
        ("unknown", false, "12345"),
    ];
    for (line, (kind, valid, normalized)) in lines.iter().zip(expect) {
        assert_eq!(line["kind"], kind, "{line}");
        assert_eq!(line["valid"], valid, "{line}");
        assert_eq!(line["normalized"], normalized, "{line}");
        assert_eq!(line["error"].is_null(), valid, "{line}");
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys.len(),
            5,
            "exactly input, normalized, kind, valid, error: {line}"
        );
    }
    assert_eq!(lines[0]["input"], "９１３５０１００ｍ０００１００ｙ４３");
    // The failing rule is named: expected vs found check character, impossible date.
    let check_err = lines[2]["error"].as_str().unwrap();
    assert!(
        check_err.contains("'3'") && check_err.contains("'4'"),
        "{check_err}"
    );
    assert!(lines[5]["error"].as_str().unwrap().contains("19990230"));
}

#[test]
fn code_check_exits_zero_when_all_valid() {
    let out = xyjt(&["code", "check", "91350100M000100Y43", "11010519491231002X"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().count(), 2);
}

#[test]
fn calendar_commands_follow_the_chinese_rule() {
    let out = xyjt(&["calendar", "add-workdays", "2025-09-30", "1"]);
    assert_eq!(stdout(&out).trim(), "2025-10-09");
    let out = xyjt(&["calendar", "add-workdays", "2024-02-09", "1"]);
    assert_eq!(
        stdout(&out).trim(),
        "2024-02-18",
        "a make-up Sunday is a working day"
    );
    let out = xyjt(&["calendar", "workdays-between", "2025-09-30", "2025-10-10"]);
    assert_eq!(stdout(&out).trim(), "2");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn calendar_outside_the_covered_years_is_an_error() {
    let out = xyjt(&["calendar", "add-workdays", "2026-12-30", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("超出") && err.contains("2027"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_newer_calendar_file_is_used_without_rebuilding() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("calendar-2027.toml");
    let mut text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/cn-calendar.toml"
    ))
    .unwrap();
    text.push_str("\n[2027]\nholidays = [\"2027-01-01\"]\nworkdays = []\n");
    std::fs::write(&path, text).unwrap();
    let out = xyjt(&[
        "calendar",
        "--calendar",
        path.to_str().unwrap(),
        "add-workdays",
        "2026-12-30",
        "2",
    ]);
    // Dec 31 (Thu) is the 1st; Jan 1 is a holiday; Jan 2–3 weekend; Jan 4 (Mon) is the 2nd.
    assert_eq!(stdout(&out).trim(), "2027-01-04", "{out:?}");
}

#[test]
fn verify_catches_tampering_done_outside_the_program() {
    let (_path, url) = temp_db("verify");
    let out = xyjt(&["demo", "--db", &url]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = xyjt(&["verify", "--db", &url, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["valid"], true);
    assert!(report["events"].as_i64().unwrap() > 1000);

    // Someone edits one stored fact by SQL.
    let rt = tokio_rt();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "DROP TRIGGER ledger_events_no_update; \
             UPDATE ledger_events SET payload = replace(payload, '罚款', '警告') \
             WHERE seq = (SELECT MIN(seq) FROM ledger_events WHERE payload LIKE '%罚款%')",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let out = xyjt(&["verify", "--db", &url]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("号事件") && text.contains("哈希与内容不符"),
        "{text}"
    );
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn demo_only_fills_an_empty_database() {
    let (_path, url) = temp_db("demo-twice");
    assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
    let first = xyjt(&["verify", "--db", &url, "--json"]);
    assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
    let second = xyjt(&["verify", "--db", &url, "--json"]);
    assert_eq!(stdout(&first), stdout(&second));
}

#[test]
fn bad_usage_exits_two() {
    assert_eq!(
        xyjt(&["calendar", "add-workdays", "2025-02-30", "1"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        xyjt(&["verify", "--db", "mysql://x"]).status.code(),
        Some(2)
    );
}

#[test]
fn export_import_round_trip_and_statistics() {
    // The demo data set is generated relative to today (in China), so the test uses today too.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    let (_a, demo) = temp_db("roundtrip-demo");
    let (_b, fresh) = temp_db("roundtrip-fresh");
    assert_eq!(xyjt(&["demo", "--db", &demo]).status.code(), Some(0));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let full = dir.join(format!("penalties-full-{}.xlsx", std::process::id()));
    let out = xyjt(&[
        "export",
        "penalties",
        "--db",
        &demo,
        "--on",
        &today,
        "--header",
        "zh",
        "--full-ids",
        "--out",
        full.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let exported: usize = stdout(&out)
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .unwrap()
        .parse()
        .unwrap();
    assert!(exported > 100, "{}", stdout(&out));

    // The export imports cleanly into a fresh database, twice, to the same state.
    let report = dir.join(format!("report-{}.json", std::process::id()));
    let import = |report: &PathBuf| {
        xyjt(&[
            "import",
            "penalties",
            full.to_str().unwrap(),
            "--db",
            &fresh,
            "--as-of",
            &today,
            "--report",
            report.to_str().unwrap(),
        ])
    };
    let out = import(&report);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["total"].as_u64().unwrap() as usize, exported);
    assert_eq!(r["accepted"], r["total"]);
    assert_eq!(r["rejected"], 0);
    let head = stdout(&xyjt(&["verify", "--db", &fresh, "--json"]));
    assert_eq!(import(&report).status.code(), Some(0));
    assert_eq!(stdout(&xyjt(&["verify", "--db", &fresh, "--json"])), head);

    // Statistics: one JSON line per unit, month and category, with the rates.
    let out = xyjt(&["stats", "shuanggongshi", "--db", &fresh, "--json"]);
    let rows: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!rows.is_empty());
    let accepted: u64 = rows.iter().map(|r| r["accepted"].as_u64().unwrap()).sum();
    assert_eq!(accepted as usize, exported);
    assert!(rows.iter().all(|r| r["compliance_rate"] == 1.0));

    // The default export masks every ID number.
    let masked = dir.join(format!("penalties-masked-{}.csv", std::process::id()));
    let out = xyjt(&[
        "export",
        "penalties",
        "--db",
        &fresh,
        "--on",
        &today,
        "--out",
        masked.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&masked).unwrap();
    assert!(
        text.starts_with("\u{feff}CF_XDR_MC,"),
        "code headers, UTF-8 BOM"
    );
    assert!(text.contains("********"));
    for token in text.split([',', '\n', '\r']) {
        assert!(
            full_citizen_id(token).is_none(),
            "unmasked ID number {token} in the default export"
        );
    }
}

/// A full, valid citizen ID number in `token`, if any.
fn full_citizen_id(token: &str) -> Option<String> {
    let out = token.trim();
    (out.is_ascii()
        && out.len() == 18
        && out[..17].chars().all(|c| c.is_ascii_digit())
        && xyjt(&["code", "check", out]).status.code() == Some(0))
    .then(|| out.to_string())
}

#[test]
fn import_of_an_unreadable_file_exits_one_with_a_report() {
    let (_p, url) = temp_db("import-bad");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("bad-{}.csv", std::process::id()));
    std::fs::write(&file, "名称,类别\n某公司,法人\n").unwrap();
    let report = dir.join(format!("bad-report-{}.json", std::process::id()));
    let out = xyjt(&[
        "import",
        "penalties",
        file.to_str().unwrap(),
        "--db",
        &url,
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("表头缺少必填列"));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["errors"][0]["code"], "file");
    let v = stdout(&xyjt(&["verify", "--db", &url, "--json"]));
    assert!(v.contains("\"events\":0"), "{v}");
}

#[test]
fn demo_lists_checks_and_cases_from_the_command_line() {
    let (_p, url) = temp_db("lists-cases");
    assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
    let out = xyjt(&["lists", "show", "--db", &url, "--list", "black", "--json"]);
    let entries: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !entries.is_empty(),
        "the demo's rules put someone on the blacklist"
    );
    // Published by the rules' reviewer, or ended by the demo's upheld objection or repair.
    assert!(
        entries
            .iter()
            .all(|e| e["status"] == "published" || e["status"] == "ended"),
        "{entries:?}"
    );
    let entries: Vec<Value> = entries
        .into_iter()
        .filter(|e| e["status"] == "published")
        .collect();
    let id = entries[0]["entry"]["id"].as_str().unwrap();
    // Maker-checker: a new proposal cannot be reviewed by its maker.
    let code = entries[0]["entry"]["code"].as_str().unwrap();
    let out = xyjt(&[
        "lists",
        "propose",
        "--db",
        &url,
        "--list",
        "watch",
        "--identifier",
        code,
        "--item",
        "S-WATCH-FALSE-COMMITMENT",
        "--basis",
        "虚假承诺",
        "--unit",
        "示范省交通运输厅信用管理处",
        "--by",
        "录入员甲",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let proposal = stdout(&out).trim().to_string();
    let out = xyjt(&[
        "lists",
        "review",
        "--db",
        &url,
        &proposal,
        "--by",
        "录入员甲",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("审核人不能是提出人"));
    assert_eq!(
        xyjt(&[
            "lists",
            "review",
            "--db",
            &url,
            &proposal,
            "--by",
            "审核员乙"
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        xyjt(&[
            "lists",
            "publish",
            "--db",
            &url,
            &proposal,
            "--by",
            "审核员乙"
        ])
        .status
        .code(),
        Some(0)
    );

    // A case pushed down the organisation tree, then one unit reports.
    let out = xyjt(&[
        "cases",
        "open",
        "--db",
        &url,
        "--entry",
        id,
        "--initiator",
        "示范省交通运输厅信用管理处",
        "--cascade",
        "--cross-region",
        "--by",
        "信用管理处张三",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    let case_id = text.lines().next().unwrap().trim().to_string();
    for unit in ["东湖市交通运输局", "青山县交通运输局", "邻省交通运输厅"] {
        assert!(text.contains(unit), "{unit} in {text}");
    }
    let out = xyjt(&[
        "cases",
        "report",
        "--db",
        &url,
        &case_id,
        "--unit",
        "青山县交通运输局",
        "--note",
        "已限制",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = xyjt(&[
        "cases",
        "report",
        "--db",
        &url,
        &case_id,
        "--unit",
        "不存在的单位",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = xyjt(&["cases", "list", "--db", &url]);
    let listing = stdout(&out);
    assert!(
        listing.contains("青山县交通运输局\t已按期反馈"),
        "{listing}"
    );
    assert!(listing.contains("东湖市交通运输局\t待反馈"), "{listing}");

    // The four lists export and re-import as a new version.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let xlsx = dir.join(format!("policy-{}.xlsx", std::process::id()));
    assert_eq!(
        xyjt(&[
            "lists",
            "export-policy",
            "--db",
            &url,
            "--out",
            xlsx.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );
    let out = xyjt(&[
        "lists",
        "import-policy",
        xlsx.to_str().unwrap(),
        "--db",
        &url,
        "--by",
        "信用管理处",
        "--note",
        "复核",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).contains("第 2 版"));
    assert!(xyjt(&["verify", "--db", &url]).status.success());
}

#[test]
fn screen_bidders_from_a_file() {
    let (_p, url) = temp_db("screen");
    assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
    let out = xyjt(&[
        "lists",
        "show",
        "--db",
        &url,
        "--list",
        "失信被执行人",
        "--json",
    ]);
    let debtor: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    let name = debtor["entry"]["name"].as_str().unwrap();
    let code = debtor["entry"]["code"].as_str().unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("bidders-{}.csv", std::process::id()));
    // The same name with a legal-form variant, an identifier only, and a stranger.
    let variant = name.replace("有限公司", "有限责任公司");
    std::fs::write(
        &file,
        format!("名称,代码\n{variant},\n,{code}\n某某科技咨询服务部,\n"),
    )
    .unwrap();
    let out = xyjt(&[
        "screen",
        file.to_str().unwrap(),
        "--decision-point",
        "招标投标",
        "--db",
        &url,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let hit = &lines[0]["hits"][0];
    assert_eq!(hit["list"], "失信被执行人");
    assert!(hit["score"].as_f64().unwrap() >= 0.8);
    let keys: Vec<&String> = hit.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["explanation", "list", "name", "score", "subject_id"]);
    assert_eq!(lines[1]["hits"][0]["score"], 1.0);
    assert_eq!(lines[2]["hits"], serde_json::json!([]));
}

// --- Objections, credit repair, commitments, outbox (issue 5) --------------------------------

const UNIT: &str = "示范市交通运输综合行政执法支队";

/// A database with one general penalty (罚款 2000 元) decided 2026-09-01 and published
/// 2026-09-02, imported through the CLI: its record and subject ids.
fn penalty_db(name: &str) -> (String, String, String) {
    let (_path, url) = temp_db(name);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let csv = dir.join(format!("{name}-{}.csv", std::process::id()));
    let authority = "11350100MB00000012";
    let row: [(&str, &str); 30] = [
        ("CF_XDR_MC", "示范市长风货运有限公司"),
        ("CF_XDR_LB", "法人及非法人组织"),
        ("CF_XDR_SHXYM", "91350100M000100Y43"),
        ("CF_XDR_GSZC", ""),
        ("CF_XDR_ZZJG", ""),
        ("CF_XDR_SWDJ", ""),
        ("CF_XDR_SYDW", ""),
        ("CF_XDR_SHZZ", ""),
        ("CF_FRDB", "张三"),
        ("CF_FR_ZJLX", "身份证"),
        ("CF_FR_ZJHM", "11010519491231002X"),
        ("CF_XDR_ZJLX", ""),
        ("CF_XDR_ZJHM", ""),
        ("CF_WSH", "示交罚〔2026〕12号"),
        ("CF_WFXW", "超限运输"),
        ("CF_SY", "车货总重超过限定标准"),
        ("CF_YJ", "《公路安全保护条例》第六十六条"),
        ("CF_CFLB", "罚款"),
        ("CF_NR", "罚款人民币2000元"),
        ("CF_NR_FK", "0.2"),
        ("CF_NR_WFFF", ""),
        ("CF_NR_ZKDX", ""),
        ("CF_JDRQ", "2026-09-01"),
        ("CF_YXQ", "2027-12-31"),
        ("CF_GSJZQ", ""),
        ("CF_CFJG", UNIT),
        ("CF_CFJGDM", authority),
        ("CF_SJLY", UNIT),
        ("CF_SJLYDM", authority),
        ("BZ", ""),
    ];
    let header: Vec<&str> = row.iter().map(|(k, _)| *k).collect();
    let values: Vec<&str> = row.iter().map(|(_, v)| *v).collect();
    std::fs::write(
        &csv,
        format!("{}\n{}\n", header.join(","), values.join(",")),
    )
    .unwrap();
    let out = xyjt(&[
        "import",
        "penalties",
        csv.to_str().unwrap(),
        "--db",
        &url,
        "--as-of",
        "2026-09-02",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // The CLI has no record search yet: read the id from the records projection.
    let (record, subject) = tokio_rt().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let row: (String, String) = sqlx::query_as("SELECT id, subject_id FROM records")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        row
    });
    (url, record, subject)
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn an_upheld_objection_corrects_the_record_and_the_exchange_drain_records_the_sync() {
    let (url, record, _) = penalty_db("objection");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let evidence = dir.join(format!("缴款凭证-{}.pdf", std::process::id()));
    std::fs::write(&evidence, b"%PDF-1.4\n").unwrap();

    // Filed online on 2026-09-28: 15 working days over National Day.
    let out = xyjt(&[
        "objection",
        "file",
        "--db",
        &url,
        "--today",
        "2026-09-28",
        "--record",
        &record,
        "--field",
        "fine",
        "--reason",
        "罚款金额应为1000元，见缴款凭证",
        "--claimed",
        r#"{"fine":"0.1"}"#,
        "--evidence",
        evidence.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let filed: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let number = filed["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("YY-20260928-"), "{filed}");
    assert!(!filed["query_code"].as_str().unwrap().is_empty());
    assert_eq!(filed["due_on"], "2026-10-23");
    assert!(
        filed["due_explanation"]
            .as_str()
            .unwrap()
            .contains("2026-10-01 至 2026-10-07（法定节假日）"),
        "{filed}"
    );

    let show = |today: &str| {
        let out = xyjt(&[
            "app", "show", &number, "--db", &url, "--today", today, "--json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()
    };
    let wf = show("2026-09-28");
    assert_eq!(wf["status"], "accepted");
    assert_eq!(wf["unit"], UNIT);
    assert_eq!(wf["due_on"], "2026-10-23");
    assert_eq!(wf["clocks"][0]["key"], "answer");
    assert_eq!(wf["clocks"][0]["due_on"], "2026-10-23");
    assert_eq!(wf["clocks"][0]["status"], "running");
    assert_eq!(wf["evidence"][0]["size"], 9);
    assert_eq!(wf["history"][0]["action"], "提交申请");
    // The text view explains the deadline in Chinese.
    let out = xyjt(&[
        "app",
        "show",
        &number,
        "--db",
        &url,
        "--today",
        "2026-09-28",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("核实并书面答复") && text.contains("期限 2026-10-23，办理中"),
        "{text}"
    );
    assert!(text.contains("缴款凭证"), "{text}");

    // A decision needs the written answer; then upheld with the corrected fine.
    let decide = |extra: &[&str]| {
        let mut args = vec![
            "app",
            "step",
            &number,
            "--db",
            &url,
            "--today",
            "2026-10-14",
            "--action",
            "decide",
            "--grant",
            "--corrected",
            r#"{"fine":"0.1"}"#,
            "--by",
            "信用科李四",
        ];
        args.extend_from_slice(extra);
        xyjt(&args)
    };
    let out = decide(&[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr(&out).contains("书面答复必须写明理由"), "{out:?}");
    let out = decide(&["--reason", "经核实，罚款金额应为1000元，予以更正"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("异议成立，已更正"), "{text}");
    assert!(text.contains(&format!("已更正记录 {record}")), "{text}");
    assert!(
        text.contains("期限 2026-10-21"),
        "sync within 5 working days: {text}"
    );

    let out = xyjt(&["record", "show", &record, "--db", &url]);
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["body"]["fine"], "0.1");
    assert_eq!(r["version"], 2);

    // The exchange adapter's file gets the correction; the sync clock closes.
    let out = xyjt(&[
        "outbox",
        "list",
        "--db",
        &url,
        "--channel",
        "exchange",
        "--json",
    ]);
    assert_eq!(json_lines(&out).len(), 1);
    // A file that cannot be written: nothing is marked delivered.
    let unwritable = dir.join("no-such-dir").join("exchange.ndjson");
    let out = xyjt(&[
        "outbox",
        "drain",
        "--db",
        &url,
        "--channel",
        "exchange",
        "--out",
        unwritable.to_str().unwrap(),
        "--by",
        "交换适配器",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("未标记任何消息为已发送"), "{out:?}");
    let out = xyjt(&[
        "outbox",
        "list",
        "--db",
        &url,
        "--channel",
        "exchange",
        "--json",
    ]);
    assert_eq!(json_lines(&out).len(), 1, "still pending");
    let file = dir.join(format!("exchange-{}.ndjson", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let drain = || {
        xyjt(&[
            "outbox",
            "drain",
            "--db",
            &url,
            "--today",
            "2026-10-15",
            "--channel",
            "exchange",
            "--out",
            file.to_str().unwrap(),
            "--by",
            "交换适配器",
        ])
    };
    let out = drain();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        stdout(&out).contains(&format!("{number}：已记录报送省级信用信息共享平台")),
        "{out:?}"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{written}");
    assert_eq!(lines[0]["channel"], "exchange");
    assert_eq!(lines[0]["reference"], number.as_str());
    assert_eq!(lines[0]["payload"]["action"], "correct");
    assert_eq!(lines[0]["payload"]["record_id"], record.as_str());

    let wf = show("2026-10-15");
    let sync = wf["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "sync")
        .unwrap();
    assert_eq!(sync["done_on"], "2026-10-15");
    assert_eq!(sync["status"], "done_on_time");
    assert_eq!(wf["status"], "upheld");

    // Drained once: nothing pending, the file is left as it was.
    let out = drain();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).contains("没有待发送的消息"), "{out:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
    let out = xyjt(&["outbox", "list", "--db", &url, "--channel", "exchange"]);
    assert!(stdout(&out).contains("共 0 条"), "{out:?}");

    // Both clocks answered on time.
    let out = xyjt(&[
        "stats",
        "workflows",
        "--db",
        &url,
        "--today",
        "2026-10-15",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rows = json_lines(&out);
    let row = rows
        .iter()
        .find(|r| r["unit"] == UNIT && r["kind"] == "objection")
        .unwrap();
    assert_eq!(row["done_on_time"], 2);
    assert_eq!(row["on_time_rate"], 1.0);

    assert!(xyjt(&["verify", "--db", &url]).status.success());
}

#[test]
fn repair_before_the_minimum_publicity_period_is_refused_with_the_reason() {
    let (url, record, subject) = penalty_db("repair");
    let out = xyjt(&[
        "repair",
        "eligibility",
        "--db",
        &url,
        "--today",
        "2026-10-14",
        "--record",
        &record,
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("不符合  最短公示期已满"), "{text}");
    assert!(text.contains("暂不符合信用修复条件"), "{text}");

    let apply = |today: &str| {
        xyjt(&[
            "repair",
            "apply",
            "--db",
            &url,
            "--today",
            today,
            "--record",
            &record,
            "--reason",
            "已缴纳罚款并完成整改",
        ])
    };
    let out = apply("2026-10-14");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(err.contains("不予受理"), "{err}");
    assert!(
        err.contains("最短公示期已满：最短公示期至") && err.contains("起方可申请"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "nothing filed: {out:?}");
    let out = xyjt(&["app", "list", "--db", &url, "--json"]);
    assert!(stdout(&out).is_empty(), "{out:?}");

    // After the minimum period: eligible, filed, and the repair commitment signed with it.
    let out = xyjt(&[
        "repair",
        "eligibility",
        "--db",
        &url,
        "--today",
        "2026-12-02",
        "--record",
        &record,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let elig: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(elig["eligible"], true);
    let out = apply("2026-12-02");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("已提交信用修复申请：XF-20261202-"), "{text}");
    assert!(text.contains("信用修复承诺书"), "{text}");
    let out = xyjt(&[
        "commitment",
        "list",
        "--db",
        &url,
        "--subject",
        &subject,
        "--json",
    ]);
    let commitments = json_lines(&out);
    assert_eq!(commitments.len(), 1);
    assert_eq!(commitments[0]["matter_type"], "信用修复承诺");

    // A commitment signed at a window, then found breached.
    let out = xyjt(&["commitment", "templates", "--json"]);
    let templates: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert!(
        templates["templates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "SPGZCN")
    );
    let out = xyjt(&[
        "commitment",
        "sign",
        "--db",
        &url,
        "--today",
        "2026-12-02",
        "--template",
        "SPGZCN",
        "--subject",
        &subject,
        "--matter",
        "道路货物运输经营许可",
        "--unit",
        UNIT,
        "--by",
        "窗口王五",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let c: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(c["status"], "pending");
    let id = c["id"].as_str().unwrap();
    let out = xyjt(&[
        "commitment",
        "check",
        id,
        "--db",
        &url,
        "--today",
        "2026-12-03",
        "--breached",
        "--note",
        "承诺的停车场地不存在",
        "--by",
        "执法支队赵六",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).contains("未践诺（违诺）"), "{out:?}");
    assert!(xyjt(&["verify", "--db", &url]).status.success());
}

/// Runs the binary with `input` on stdin.
fn xyjt_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_xyjt"))
        .args(args)
        .env_remove("XYJT_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the xyjt binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn staff_accounts_are_created_with_a_hashed_password_and_checked_fields() {
    let (_p, url) = temp_db("accounts");
    let create = |login: &str, unit: &str, role: &str, password: &str| {
        xyjt_stdin(
            &[
                "admin",
                "create-user",
                "--login",
                login,
                "--name",
                "张三",
                "--unit",
                unit,
                "--role",
                role,
                "--db",
                &url,
            ],
            &format!("{password}\n"),
        )
    };
    let ok = create("xl.clerk", "XL-ZF", "录入员", "a-long-password-1");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout(&ok).contains("西岭市交通运输综合行政执法支队"));
    for (login, unit, role, password, why) in [
        ("xl.clerk", "XL-ZF", "录入员", "a-long-password-1", "已存在"),
        (
            "Bad Login",
            "XL-ZF",
            "录入员",
            "a-long-password-1",
            "小写字母",
        ),
        (
            "xl.two",
            "NOWHERE",
            "录入员",
            "a-long-password-1",
            "不在组织机构中",
        ),
        ("xl.three", "XL-ZF", "厨师", "a-long-password-1", "未知角色"),
        ("xl.four", "XL-ZF", "审核员", "short", "至少 10 位"),
    ] {
        let out = create(login, unit, role, password);
        assert_ne!(out.status.code(), Some(0), "{login}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{login}: {err}");
    }
    // The ledger has the account with an argon2 hash, never the password.
    let out = xyjt(&["verify", "--db", &url, "--json"]);
    assert!(stdout(&out).contains("\"valid\":true"));
    // The database file and its write-ahead log, wherever the rows are.
    let mut db = std::fs::read(&_p).unwrap();
    db.extend(std::fs::read(format!("{}-wal", _p.display())).unwrap_or_default());
    let text = String::from_utf8_lossy(&db);
    assert!(text.contains("$argon2id$"));
    assert!(!text.contains("a-long-password-1"));
}

/// One HTTP/1.1 request over a plain socket; the status line, headers and body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> String {
    http_request(addr, method, path, None, body)
}

fn http_request(addr: &str, method: &str, path: &str, cookie: Option<&str>, body: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{cookie}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn http_with_cookie(addr: &str, path: &str, cookie: &str, body: &str) -> String {
    http_request(addr, "POST", path, Some(cookie), body)
}

/// The server's logs at the most verbose level never carry a citizen ID number, even when
/// people search by one and sign in with wrong passwords.
#[test]
fn no_personal_data_in_the_server_logs() {
    let (_p, url) = temp_db("logs");
    assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
    let id: String = tokio_rt().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let row: (String,) =
            sqlx::query_as("SELECT citizen_id FROM subjects WHERE citizen_id IS NOT NULL LIMIT 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        row.0
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_xyjt"))
        .args(["serve", "--db", &url, "--addr", &addr])
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "the server starts");
    let search = http(&addr, "GET", &format!("/api/v1/subjects?q={id}"), "");
    assert!(search.starts_with("HTTP/1.1 200"), "{search}");
    assert!(!search.contains(&id), "the answer masks it too");
    let page = http(&addr, "GET", &format!("/?q={id}"), "");
    assert!(page.starts_with("HTTP/1.1 200"));
    let refused = http(
        &addr,
        "POST",
        "/console/login",
        &format!("login={id}&password={id}&csrf=x"),
    );
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    // With the form's token: a real refusal (401), logged without what was typed.
    let form = http(&addr, "GET", "/console/login", "");
    let token = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    let refused = http_with_cookie(
        &addr,
        "/console/login",
        &format!("xyjt_login={token}"),
        &format!("csrf={token}&login={id}&password=wrong-password"),
    );
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let _ = server.kill();
    let out = server.wait_with_output().unwrap();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(logs.contains("xyjt serving"), "logs were captured: {logs}");
    assert!(!logs.contains(&id), "a citizen ID in the logs");
}

/// The ledger is the truth: the projections (every table pages and checks read) are exactly
/// what replaying the ledger gives, on SQLite and on PostgreSQL; a projection row changed
/// behind the program's back is found by the replay even though the hash chain still verifies
/// (`verify --chain-only`).
#[test]
fn projections_are_what_replaying_the_ledger_gives() {
    let (_path, sqlite) = temp_db("rebuild");
    let rt = tokio_rt();
    let pg = rt.block_on(xyjt_store::testing::PgSchema::create("rebuild"));
    let mut urls = vec![sqlite];
    urls.extend(pg.as_ref().map(|s| s.url.clone()));
    for url in &urls {
        assert_eq!(xyjt(&["demo", "--db", url]).status.code(), Some(0));
        let out = xyjt(&["rebuild-projections", "--db", url, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{url}: {out:?}");
        let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(report["same_chain"], true);
        assert_eq!(report["difference_count"], 0);
        let records = report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t[0] == "records")
            .unwrap()[1]
            .as_i64()
            .unwrap();
        assert!(records > 100, "{report}");

        // Someone revokes a record in the projection by SQL, leaving the ledger alone.
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(url).await.unwrap();
            sqlx::raw_sql(
                "UPDATE records SET status = 'revoked' \
                 WHERE id = (SELECT MIN(id) FROM records WHERE status = 'active')",
            )
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        });
        assert_eq!(
            xyjt(&["verify", "--db", url, "--chain-only"]).status.code(),
            Some(0)
        );
        assert_eq!(xyjt(&["verify", "--db", url]).status.code(), Some(1));
        let out = xyjt(&["rebuild-projections", "--db", url]);
        assert_eq!(out.status.code(), Some(1), "{url}: {out:?}");
        let text = stdout(&out);
        assert!(text.contains("不一致：2 行不同"), "{text}");
        assert!(
            text.contains("records: 仅库中有") && text.contains("status=revoked"),
            "{text}"
        );
    }
    if let Some(pg) = pg {
        rt.block_on(pg.drop());
    }
}

/// `verify` looks at what is served, not only at the ledger: a fine changed in the `records`
/// table by SQL (the hash chain still verifies) makes it exit 1 naming the table, the row, the
/// column and the field, with the stored and the replayed value; on SQLite and PostgreSQL.
/// `--chain-only` walks the chain alone, as `verify` did before.
#[test]
fn verify_catches_an_edited_projection() {
    let (_path, sqlite) = temp_db("verify-projection");
    let rt = tokio_rt();
    let pg = rt.block_on(xyjt_store::testing::PgSchema::create("verify_projection"));
    let mut urls = vec![sqlite];
    urls.extend(pg.as_ref().map(|s| s.url.clone()));
    for url in &urls {
        assert_eq!(xyjt(&["demo", "--db", url]).status.code(), Some(0));
        let out = xyjt(&["verify", "--db", url, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{url}: {out:?}");
        let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["chain_valid"], true, "{report}");
        assert_eq!(report["error"], Value::Null, "{report}");
        assert_eq!(report["projections"]["equal"], true, "{report}");
        assert_eq!(report["projections"]["difference_count"], 0, "{report}");

        // Someone lowers a fine in the projection by SQL, leaving the ledger alone.
        let (id, fine, original) = rt.block_on(async {
            use sqlx::Row;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(url).await.unwrap();
            let row = sqlx::query(
                "SELECT id, body FROM records WHERE body LIKE '%\"fine\":\"%' ORDER BY id LIMIT 1",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            let id: String = row.get(0);
            let body: String = row.get(1);
            let mut value: Value = serde_json::from_str(&body).unwrap();
            let fine = value["fine"].as_str().unwrap().to_string();
            assert_ne!(fine, "0.01");
            value["fine"] = "0.01".into();
            sqlx::query("UPDATE records SET body = $1 WHERE id = $2")
                .bind(value.to_string())
                .bind(&id)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
            (id, fine, body)
        });

        let out = xyjt(&["verify", "--db", url]);
        assert_eq!(out.status.code(), Some(1), "{url}: {out:?}");
        let text = stdout(&out);
        assert!(text.contains("账本完整"), "{url}: {text}");
        assert!(
            text.contains(&format!(
                "表 records 的行 id={id}，列 body 中的 fine：库中为 \"0.01\"，账本重放为 \"{fine}\""
            )),
            "{url}: {text}"
        );
        let out = xyjt(&["verify", "--db", url, "--json"]);
        assert_eq!(out.status.code(), Some(1), "{url}: {out:?}");
        let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(report["valid"], false, "{report}");
        assert_eq!(report["chain_valid"], true, "{report}");
        assert!(report["events"].as_i64().unwrap() > 1000, "{report}");
        assert!(
            report["error"]
                .as_str()
                .unwrap()
                .contains("投影与账本重放不一致"),
            "{report}"
        );
        let first = &report["projections"]["first_difference"];
        assert_eq!(first["table"], "records", "{report}");
        assert_eq!(first["row"], format!("id={id}"), "{report}");
        assert_eq!(first["column"], "body", "{report}");
        assert_eq!(first["field"], "fine", "{report}");
        assert_eq!(first["stored"], "\"0.01\"", "{report}");
        assert_eq!(first["replayed"], format!("\"{fine}\""), "{report}");

        // The chain alone is sound.
        let out = xyjt(&["verify", "--db", url, "--chain-only", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{url}: {out:?}");
        let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["projections"], Value::Null, "{report}");

        // The fine put back, a row deleted from another projection is named.
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(url).await.unwrap();
            sqlx::query("UPDATE records SET body = $1 WHERE id = $2")
                .bind(&original)
                .bind(&id)
                .execute(&pool)
                .await
                .unwrap();
            sqlx::raw_sql("DELETE FROM accounts WHERE login = 'xyc'")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        });
        let out = xyjt(&["verify", "--db", url]);
        assert_eq!(out.status.code(), Some(1), "{url}: {out:?}");
        let text = stdout(&out);
        assert!(
            text.contains("共 1 行不同")
                && text.contains("表 accounts 中缺少行 login=xyc，账本重放有这一行"),
            "{url}: {text}"
        );
    }
    if let Some(pg) = pg {
        rt.block_on(pg.drop());
    }
}

/// Policies come from one directory (`--policy-dir` / `XYJT_POLICY_DIR`): a file there
/// replaces the built-in one, a file not there keeps its default, and a bad file is refused
/// with its name.
#[test]
fn a_policy_directory_replaces_the_built_in_files() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("policy-dir");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/cn-calendar.toml"
    ))
    .unwrap();
    text.push_str("\n[2027]\nholidays = [\"2027-01-01\"]\nworkdays = []\n");
    std::fs::write(dir.join("cn-calendar.toml"), text).unwrap();
    let add = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["calendar", "add-workdays", "2026-12-30", "2"]);
        xyjt(&args)
    };
    // Without the directory, 2027 is past the built-in calendar: an error.
    assert_eq!(add(&[]).status.code(), Some(2));
    let out = add(&["--policy-dir", dir.to_str().unwrap()]);
    assert_eq!(stdout(&out).trim(), "2027-01-04", "{out:?}");
    std::fs::write(dir.join("deadlines.toml"), "objection_answer = \"soon\"\n").unwrap();
    let out = add(&["--policy-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("deadlines.toml"), "{err}");
}

/// An external list's row with a control character (NUL, which PostgreSQL cannot store) is
/// refused naming the row and column, the same on SQLite and PostgreSQL; the other rows load.
#[test]
fn an_external_list_row_with_a_control_character_is_refused() {
    let (_path, sqlite) = temp_db("external-control");
    let rt = tokio_rt();
    let pg = rt.block_on(xyjt_store::testing::PgSchema::create("external_control"));
    let mut urls = vec![sqlite];
    urls.extend(pg.as_ref().map(|s| s.url.clone()));
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("external-control-{}.csv", std::process::id()));
    std::fs::write(
        &file,
        "名称,代码,依据\n示范市正常物流有限公司,,（2026）示执1号\n示范市\u{0}物流有限公司,,（2026）示执2号\n示范市顺通物流有限公司,,（2026）示执\u{1b}3号\n",
    )
    .unwrap();
    for url in &urls {
        let out = xyjt(&[
            "lists",
            "import-external",
            file.to_str().unwrap(),
            "--list",
            "失信被执行人",
            "--db",
            url,
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{url}: {out:?}");
        assert!(
            text.contains("已载入“失信被执行人”名单 1 条"),
            "{url}: {text}"
        );
        assert!(
            text.contains("第 2 行：“名称”含有不允许的控制字符（U+0000）"),
            "{url}: {text}"
        );
        assert!(
            text.contains("第 3 行：“依据”含有不允许的控制字符（U+001B）"),
            "{url}: {text}"
        );
    }
    if let Some(pg) = pg {
        rt.block_on(pg.drop());
    }
}
