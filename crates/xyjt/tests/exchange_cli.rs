//! The exchange from the command line, as two deployments run it: the demo data recorded at the
//! city `DH` reaches the province `SF` through the real NATS JetStream server
//! (`XYJT_TEST_NATS_URL`, default `nats://127.0.0.1:4222`) with `xyjt exchange run --once`;
//! `xyjt exchange status --json` shows it; both ledgers verify. Without the broker the test
//! says so loudly, and fails under `CI=true`.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn xyjt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xyjt"))
        .args(args)
        .env_remove("XYJT_DB")
        .env_remove("XYJT_EXCHANGE")
        .env_remove("XYJT_NODE")
        .env_remove("XYJT_EXCHANGE_NAMESPACE")
        .output()
        .expect("the xyjt binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}x{nanos}", std::process::id())
}

fn temp_db(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}.db", unique()));
    format!("sqlite://{}", path.display())
}

fn nats_url() -> String {
    std::env::var("XYJT_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

fn broker_present() -> bool {
    let url = nats_url();
    let addr = url.trim_start_matches("nats://");
    if std::net::TcpStream::connect(addr).is_ok() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!ci, "CI=true but NATS at {url} is unreachable");
    eprintln!("SKIPPED exchange_cli: NATS at {url} is unreachable; the exchange was not tested");
    false
}

#[test]
fn exchange_flags_and_an_unjoined_status() {
    let db = temp_db("unjoined");
    let o = xyjt(&["exchange", "status", "--db", &db, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["node"], Value::Null);
    assert_eq!(s["peers"], serde_json::json!([]));
    let o = xyjt(&["exchange", "status", "--db", &db]);
    assert!(
        text(&o.stdout).contains("尚未加入交换"),
        "{}",
        text(&o.stdout)
    );
    // --exchange needs --node; a bad node name is refused before anything is written.
    let o = xyjt(&[
        "exchange",
        "run",
        "--once",
        "--db",
        &db,
        "--exchange",
        "nats://127.0.0.1:1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--node"), "{}", text(&o.stderr));
    let o = xyjt(&[
        "exchange",
        "run",
        "--once",
        "--db",
        &db,
        "--exchange",
        "nats://127.0.0.1:1",
        "--node",
        "S.F",
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("S.F"), "{}", text(&o.stderr));
}

#[test]
fn the_city_demo_reaches_the_province() {
    if !broker_present() {
        return;
    }
    let ns = format!("cli{}", unique());
    let (sf, dh) = (temp_db("sf"), temp_db("dh"));
    assert_eq!(xyjt(&["demo", "--db", &dh]).status.code(), Some(0));
    let run = |db: &str, node: &str| {
        let o = xyjt(&[
            "exchange",
            "run",
            "--once",
            "--db",
            db,
            "--exchange",
            &nats_url(),
            "--node",
            node,
            "--exchange-namespace",
            &ns,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let out = run(&dh, "DH");
    assert!(out.contains("发布"), "{out}");
    let out = run(&sf, "SF");
    assert!(out.contains("死信 0"), "{out}");
    // DH learns how far SF got.
    run(&dh, "DH");
    let o = xyjt(&["exchange", "status", "--db", &sf, "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["node"], "SF");
    let peer = &s["peers"][0];
    assert_eq!(peer["node"], "DH");
    assert!(peer["applied"].as_i64().unwrap() > 100, "{s}");
    assert_eq!(peer["dead_letters"], 0);
    let o = xyjt(&["exchange", "status", "--db", &dh, "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["peers"][0]["node"], "SF");
    assert_eq!(s["peers"][0]["pending"], 0, "{s}");
    // A database joined as one node cannot join as another.
    let o = xyjt(&[
        "exchange",
        "run",
        "--once",
        "--db",
        &sf,
        "--exchange",
        &nats_url(),
        "--node",
        "XL",
        "--exchange-namespace",
        &ns,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("SF"), "{}", text(&o.stderr));
    for db in [&sf, &dh] {
        let o = xyjt(&["verify", "--db", db]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    }
}

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &str, node: &str, ns: &str, demo: bool, key: Option<&str>) -> Server {
    let mut args = vec![
        "serve".to_string(),
        "--db".into(),
        db.into(),
        "--addr".into(),
        "127.0.0.1:0".into(),
        "--exchange".into(),
        nats_url(),
        "--node".into(),
        node.into(),
        "--exchange-namespace".into(),
        ns.into(),
    ];
    if demo {
        args.push("--demo".into());
    }
    if let Some(key) = key {
        args.push("--key".into());
        args.push(key.into());
    }
    Server(
        Command::new(env!("CARGO_BIN_EXE_xyjt"))
            .args(&args)
            .env_remove("XYJT_DB")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("xyjt serve starts"),
    )
}

fn status(db: &str) -> Value {
    let o = xyjt(&["exchange", "status", "--db", db, "--json"]);
    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
}

#[test]
fn two_servers_exchange_within_seconds() {
    if !broker_present() {
        return;
    }
    let ns = format!("serve{}", unique());
    let (sf, dh) = (temp_db("serve-sf"), temp_db("serve-dh"));
    // Migrated first, so the status polls below never race a server's first migration.
    for db in [&sf, &dh] {
        assert_eq!(xyjt(&["migrate", "--db", db]).status.code(), Some(0));
    }
    // The city signs its checkpoints with its own key; the province has its public key.
    let keys = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dh-keys-{}", unique()));
    let o = xyjt(&["keys", "init", "--out", &keys.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let key = keys.join("ledger.key").display().to_string();
    let pubkey = keys.join("ledger.pub").display().to_string();
    let _province = serve(&sf, "SF", &ns, false, None);
    let _city = serve(&dh, "DH", &ns, true, Some(&key));
    // The city's demo data goes up while both serve; the province acknowledges it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (at_sf, at_dh) = (status(&sf), status(&dh));
        let applied = at_sf["peers"][0]["applied"].as_i64().unwrap_or(0);
        let pending = at_dh["peers"][0]["pending"].as_i64();
        let lag = at_dh["relay_lag"].as_i64();
        if applied > 100 && pending == Some(0) && lag == Some(0) {
            assert_eq!(at_sf["peers"][0]["node"], "DH");
            assert_eq!(at_sf["peers"][0]["dead_letters"], 0);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not exchanged within 120 s: SF {at_sf}, DH {at_dh}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    // Reconcile from the city with the running province: both sides agree.
    let o = xyjt(&[
        "exchange",
        "reconcile",
        "--peer",
        "SF",
        "--db",
        &dh,
        "--exchange",
        &nats_url(),
        "--node",
        "DH",
        "--exchange-namespace",
        &ns,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (r["we_miss"].as_bool(), r["peer_misses"].as_bool()),
        (Some(false), Some(false)),
        "{r}"
    );
    assert_eq!(r["peer_seen_of_us"], r["our_published_upto"], "{r}");
    assert!(r["peer_facts_of_us"].as_i64().unwrap() > 100, "{r}");

    // From the province: the Merkle roots of the city's facts agree.
    let exchange = |args: &[&str], db: &str, node: &str| {
        let mut all = vec!["exchange"];
        all.extend_from_slice(args);
        let url = nats_url();
        all.extend_from_slice(&[
            "--db",
            db,
            "--exchange",
            &url,
            "--node",
            node,
            "--exchange-namespace",
            &ns,
        ]);
        xyjt(&all)
    };
    let o = exchange(&["reconcile", "--peer", "DH", "--json"], &sf, "SF");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = &r["merkle"];
    assert_eq!(m["agree"], true, "{r}");
    assert_eq!(m["root"], m["peer_root"], "{r}");
    assert!(m["facts"].as_i64().unwrap() > 100, "{r}");
    // A fact received from the city, proven in the city's signed checkpoint with its public
    // key; another key fails (exit 1).
    let seen = status(&sf)["peers"][0]["seen_seq"].as_i64().unwrap();
    let mut proven = None;
    for seq in (1..=seen).rev().take(20) {
        let seq = seq.to_string();
        let o = exchange(
            &["prove", "--peer", "DH", "--seq", &seq, "--pubkey", &pubkey],
            &sf,
            "SF",
        );
        if o.status.code() == Some(0) {
            proven = Some((seq, text(&o.stdout)));
            break;
        }
    }
    let (seq, out) = proven.expect("one of the city's last facts is proven");
    assert!(out.contains("已证明"), "{out}");
    let other = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("other-keys-{}", unique()));
    xyjt(&["keys", "init", "--out", &other.display().to_string()]);
    let o = exchange(
        &[
            "prove",
            "--peer",
            "DH",
            "--seq",
            &seq,
            "--pubkey",
            &other.join("ledger.pub").display().to_string(),
        ],
        &sf,
        "SF",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("证明失败"), "{}", text(&o.stderr));
}

/// Another region's list file from the command line: one bad row writes nothing (exit 1, the
/// report names it); `--accept-valid` writes the good rows (still exit 1); the same file again
/// changes nothing; the entries are exported back in the same layout.
#[test]
fn a_regions_list_file_from_the_command_line() {
    let db = temp_db("lists");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lists-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("zj.csv");
    std::fs::write(
        &file,
        "来源编号,名单,名称,代码,列入事项,列入依据,认定单位,列入日期,有效期至\n\
         ZJ-1,外部名单：失信被执行人,浙南运输有限公司,,,,杭州市中级人民法院,2026-09-01,\n\
         ZJ-2,黑名单,某公司,,,,浙江省交通运输厅,2026-13-01,\n",
    )
    .unwrap();
    let report = dir.join("report.json");
    let import = |extra: &[&str]| {
        let mut args = vec![
            "exchange",
            "import-lists",
            file.to_str().unwrap(),
            "--from",
            "ZJ",
            "--db",
            &db,
            "--report",
            report.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        xyjt(&args)
    };
    let o = import(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("整个文件未写入"),
        "{}",
        text(&o.stdout)
    );
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(
        (r["accepted"].as_i64(), r["rejected"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["errors"][0]["row"], 2);
    assert_eq!(r["errors"][0]["field"], "列入日期");
    assert_eq!(r["errors"][0]["code"], "invalid_date");
    assert_eq!(r["committed"], false);
    let o = import(&["--accept-valid"]);
    assert_eq!(o.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["committed"], true);
    assert_eq!(r["entries"], serde_json::json!(["ZJ:ZJ-1"]));
    let o = import(&["--accept-valid"]);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["unchanged"], 1, "{}", text(&o.stdout));
    let out = dir.join("out.csv");
    let o = xyjt(&[
        "exchange",
        "export-lists",
        "--out",
        out.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(
        csv.contains("ZJ:ZJ-1,外部名单：失信被执行人,浙南运输有限公司"),
        "{csv}"
    );
    let o = xyjt(&["verify", "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}
