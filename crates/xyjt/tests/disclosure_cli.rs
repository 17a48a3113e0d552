//! `xyjt disclosure …` as its users call it: the real binary on the demo data, exit codes, the
//! annual report's JSON and spreadsheet.

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
fn the_catalogue_on_time_rates_and_annual_report_on_the_demo() {
    let db = format!("sqlite://{}", temp("disclosure", "db").display());
    let o = xyjt(&["demo", "--db", &db]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let o = xyjt(&[
        "disclosure",
        "catalogue",
        "--db",
        &db,
        "--column",
        "规范性文件",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["validity"], "废止");
    let o = xyjt(&["disclosure", "catalogue", "--db", &db, "--column", "不存在"]);
    assert_eq!(o.status.code(), Some(1));

    let o = xyjt(&["disclosure", "on-time", "--db", &db, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("\"kind\":\"disclosure\""), "{}", out(&o));

    let xlsx = temp("report", "xlsx");
    let o = xyjt(&[
        "disclosure",
        "report",
        "--db",
        &db,
        "--year",
        "2026",
        "--json",
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let r: Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(r["year"], 2026);
    assert_eq!(r["requests"]["rows"].as_array().unwrap().len(), 25);
    assert_eq!(r["reviews"].as_array().unwrap().len(), 15);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let o = xyjt(&["disclosure", "report", "--db", &db, "--year", "1900"]);
    assert_eq!(o.status.code(), Some(1));
}
