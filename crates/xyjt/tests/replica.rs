//! `serve --read-db`: the public reads come from a PostgreSQL streaming replica, every write
//! goes to the primary (docs/domain/scale-out.md).
//!
//! The replica is the one `scripts/pg-replica.sh start` runs (`.ci/run` starts it and sets
//! `XYJT_TEST_REPLICA_URL`, e.g. `postgres://postgres@127.0.0.1:5433/test`, a replica of
//! `XYJT_TEST_POSTGRES_URL`). Without it the test says SKIPPED; under `CI=true` it fails.
//! The proof pauses the replica's replay (`pg_wal_replay_pause()`): while paused, what the
//! server shows the public is the replica's older state although the primary has newer data,
//! and a write through the server succeeds and lands on the primary only.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn xyjt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xyjt"))
        .args(args)
        .env_remove("XYJT_DB")
        .env_remove("XYJT_READ_DB")
        .output()
        .expect("the xyjt binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The replica's URL, or `None` after saying SKIPPED (a failure under `CI=true`).
fn replica_url(test: &str) -> Option<String> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match std::env::var("XYJT_TEST_REPLICA_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                !ci,
                "CI=true but XYJT_TEST_REPLICA_URL is not set: start a replica with \
                 scripts/pg-replica.sh start (as .ci/run does) and set it"
            );
            eprintln!(
                "SKIPPED {test}: XYJT_TEST_REPLICA_URL is not set (scripts/pg-replica.sh start); \
                 the read replica was not tested"
            );
            None
        }
    }
}

/// `url` with connections using only `schema`.
fn in_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Resumes the replica's replay when the test ends, however it ends (a paused replica would
/// stall every later run).
struct Resume(String);

impl Drop for Resume {
    fn drop(&mut self) {
        let url = self.0.clone();
        tokio_rt().block_on(async move {
            if let Ok(pool) = sqlx::AnyPool::connect(&url).await {
                let _ = sqlx::query("SELECT count(*) FROM (SELECT pg_wal_replay_resume()) AS r")
                    .fetch_one(&pool)
                    .await;
                pool.close().await;
            }
        });
    }
}

fn free_addr() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// One request; the status code and the body.
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn get_json(addr: &str, path: &str) -> Value {
    let (status, body) = http(addr, "GET", path, None, "");
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// Until `ok` holds or `secs` pass.
fn eventually(secs: u64, what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

async fn count(pool: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query_as::<_, (i64,)>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .0
}

/// Until the replica has replayed everything the primary has written now.
async fn caught_up(primary: &sqlx::AnyPool, replica: &sqlx::AnyPool) {
    let (lsn,): (String,) = sqlx::query_as("SELECT pg_current_wal_lsn()::text")
        .fetch_one(primary)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (done,): (bool,) =
            sqlx::query_as("SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)")
                .bind(&lsn)
                .fetch_one(replica)
                .await
                .unwrap();
        if done {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica did not replay {lsn}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A penalty CSV for a company the demo does not have, decided yesterday (public today).
fn penalty_csv(name: &str) -> PathBuf {
    let today = xyjt_core::clock::today_in_china();
    let decided = (today - chrono::Duration::days(1)).to_string();
    let valid_until = (today + chrono::Duration::days(400)).to_string();
    let unit = "示范市交通运输综合行政执法支队";
    let authority = "11350100MB00000012";
    let row: [(&str, &str); 30] = [
        ("CF_XDR_MC", name),
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
        ("CF_WSH", "示交罚〔2026〕9901号"),
        ("CF_WFXW", "超限运输"),
        ("CF_SY", "车货总重超过限定标准"),
        ("CF_YJ", "《公路安全保护条例》第六十六条"),
        ("CF_CFLB", "罚款"),
        ("CF_NR", "罚款人民币2000元"),
        ("CF_NR_FK", "0.2"),
        ("CF_NR_WFFF", ""),
        ("CF_NR_ZKDX", ""),
        ("CF_JDRQ", &decided),
        ("CF_YXQ", &valid_until),
        ("CF_GSJZQ", ""),
        ("CF_CFJG", unit),
        ("CF_CFJGDM", authority),
        ("CF_SJLY", unit),
        ("CF_SJLYDM", authority),
        ("BZ", ""),
    ];
    let header: Vec<&str> = row.iter().map(|(k, _)| *k).collect();
    let values: Vec<&str> = row.iter().map(|(_, v)| *v).collect();
    let csv = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replica-penalty-{}.csv", std::process::id()));
    std::fs::write(
        &csv,
        format!("{}\n{}\n", header.join(","), values.join(",")),
    )
    .unwrap();
    csv
}

#[test]
fn public_reads_come_from_the_replica_and_writes_go_to_the_primary() {
    let test = "public_reads_come_from_the_replica_and_writes_go_to_the_primary";
    let Some(replica_base) = replica_url(test) else {
        return;
    };
    let rt = tokio_rt();
    let Some(pg) = rt.block_on(xyjt_store::testing::PgSchema::create(test)) else {
        return;
    };
    let replica = in_schema(&replica_base, &pg.schema);
    sqlx::any::install_default_drivers();
    let (primary_pool, replica_pool, control) = rt.block_on(async {
        (
            sqlx::AnyPool::connect(&pg.url).await.unwrap(),
            sqlx::AnyPool::connect(&replica)
                .await
                .expect("the replica accepts connections"),
            sqlx::AnyPool::connect(&replica_base).await.unwrap(),
        )
    });
    // One test at a time pauses the replica, whichever process runs it (two CI runs on one
    // machine): a session lock on the primary, held until this connection closes.
    let _lock = rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&pg.url).await.unwrap();
        sqlx::query("SELECT count(*) FROM (SELECT pg_advisory_lock(771516)) AS l")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn
    });
    let _resume = Resume(replica_base.clone());
    rt.block_on(async {
        let _ = sqlx::query("SELECT count(*) FROM (SELECT pg_wal_replay_resume()) AS r")
            .fetch_one(&control)
            .await;
        let (in_recovery,): (bool,) = sqlx::query_as("SELECT pg_is_in_recovery()")
            .fetch_one(&control)
            .await
            .unwrap();
        assert!(in_recovery, "XYJT_TEST_REPLICA_URL is not a replica");
    });

    // The schema and the demo data are written on the primary.
    let o = xyjt(&["demo", "--db", &pg.url]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let addr = free_addr();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_xyjt"))
            .args(["serve", "--db", &pg.url, "--read-db", &replica])
            .args(["--addr", &addr])
            .env_remove("XYJT_DB")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("xyjt serve starts"),
    );
    eventually(60, "the server listens", || {
        std::net::TcpStream::connect(&addr).is_ok()
    });
    // Started only once the replica had replayed the primary: both show the same.
    let before = get_json(&addr, "/api/v1/publicity?per_page=1")["total"]
        .as_i64()
        .unwrap();
    assert!(before > 0, "the demo's public records are shown");
    let name = "示范市副本验证物流有限公司";
    let search = format!(
        "/api/v1/subjects?q={}",
        "%E5%89%AF%E6%9C%AC%E9%AA%8C%E8%AF%81"
    );
    assert_eq!(get_json(&addr, &search)["total"], 0);
    let records = "SELECT count(*) FROM records";
    let (on_primary, on_replica) = rt.block_on(async {
        caught_up(&primary_pool, &control).await;
        (
            count(&primary_pool, records).await,
            count(&replica_pool, records).await,
        )
    });
    assert_eq!(on_primary, on_replica);

    // Replay paused: the replica stays as it is while the primary moves on.
    rt.block_on(async {
        count(
            &control,
            "SELECT count(*) FROM (SELECT pg_wal_replay_pause()) AS p",
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (state,): (String,) = sqlx::query_as("SELECT pg_get_wal_replay_pause_state()")
                .fetch_one(&control)
                .await
                .unwrap();
            if state == "paused" {
                break;
            }
            assert!(Instant::now() < deadline, "replay not paused: {state}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let csv = penalty_csv(name);
    let o = xyjt(&[
        "import",
        "penalties",
        csv.to_str().unwrap(),
        "--db",
        &pg.url,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    // A write through the server while the replica cannot take any: a recorded check.
    let (status, body) = http(
        &addr,
        "POST",
        "/api/v1/checks",
        Some(xyjt_app::demo::DEMO_TOKEN),
        r#"{"subject": {"identifier": "91350100M000100Y43"}, "decision_point": "招标投标"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let check: Value = serde_json::from_str(&body).unwrap();
    let check_id = check["id"].as_str().unwrap().to_string();
    // The authenticated API reads the primary: the check just written is there.
    let (status, body) = http(
        &addr,
        "GET",
        &format!("/api/v1/checks/{check_id}"),
        Some(xyjt_app::demo::DEMO_TOKEN),
        "",
    );
    assert_eq!(status, 200, "{body}");

    // Landed on the primary, not on the (paused) replica.
    let checks = format!("SELECT count(*) FROM checks WHERE id = '{check_id}'");
    let (primary_records, replica_records, primary_check, replica_check) = rt.block_on(async {
        (
            count(&primary_pool, records).await,
            count(&replica_pool, records).await,
            count(&primary_pool, &checks).await,
            count(&replica_pool, &checks).await,
        )
    });
    let (record_id, subject_id): (String, String) = rt
        .block_on(
            sqlx::query_as(
                "SELECT r.id, r.subject_id FROM records r JOIN subjects s ON s.id = r.subject_id \
             WHERE s.uscc = '91350100M000100Y43'",
            )
            .fetch_one(&primary_pool),
        )
        .unwrap();
    assert_eq!(
        primary_records,
        on_primary + 1,
        "the import is on the primary"
    );
    assert_eq!(
        replica_records, on_replica,
        "the paused replica has not replayed it"
    );
    assert_eq!((primary_check, replica_check), (1, 0));

    // The public sees the replica: the older state, although the primary has the new penalty
    // (and the index refresher has had time to look).
    std::thread::sleep(Duration::from_millis(1500));
    let by_unit = "/api/v1/publicity?unit=11350100MB00000012";
    assert_eq!(
        get_json(&addr, by_unit)["total"],
        0,
        "the 公示栏 is read from the replica"
    );
    assert_eq!(
        get_json(&addr, "/api/v1/publicity?per_page=1")["total"],
        before
    );
    assert_eq!(
        get_json(&addr, &search)["total"],
        0,
        "the search is read from the replica"
    );
    let profile = format!("/api/v1/subjects/{subject_id}");
    let record = format!("/api/v1/records/{record_id}");
    for path in [&profile, &record] {
        let (status, body) = http(&addr, "GET", path, None, "");
        assert_eq!(status, 404, "{path} is read from the replica: {body}");
    }
    let (status, page) = http(
        &addr,
        "GET",
        "/?q=%E5%89%AF%E6%9C%AC%E9%AA%8C%E8%AF%81",
        None,
        "",
    );
    assert_eq!(status, 200);
    assert!(!page.contains(name), "the portal search reads the replica");

    // /healthz names the replica and how far behind it is (replay paused, with WAL waiting).
    let health = get_json(&addr, "/healthz");
    let lag = health["read_replica"]["replay_lag_seconds"]
        .as_f64()
        .unwrap_or_else(|| panic!("{health}"));
    assert!(lag > 0.0, "{health}");

    // The replica refuses writes anyway.
    let refused = rt.block_on(
        sqlx::query(
            "INSERT INTO sessions (id_hash, login, csrf, expires_at) VALUES ('x', 'x', 'x', 'x')",
        )
        .execute(&replica_pool),
    );
    let err = refused.expect_err("a replica takes no write").to_string();
    assert!(err.contains("read-only"), "{err}");

    // Replay resumed: the public sees the new penalty once the replica has it.
    rt.block_on(async {
        count(
            &control,
            "SELECT count(*) FROM (SELECT pg_wal_replay_resume()) AS r",
        )
        .await;
        caught_up(&primary_pool, &control).await;
    });
    eventually(30, "the 公示栏 shows the replayed penalty", || {
        get_json(&addr, "/api/v1/publicity?per_page=1")["total"].as_i64() == Some(before + 1)
    });
    let found = get_json(&addr, &search);
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["name"], name);
    assert_eq!(get_json(&addr, by_unit)["total"], 1);
    assert_eq!(get_json(&addr, &profile)["name"], name);
    assert_eq!(get_json(&addr, &record)["id"], record_id.as_str());
    rt.block_on(async {
        primary_pool.close().await;
        replica_pool.close().await;
        control.close().await;
    });
    rt.block_on(pg.drop());
}

/// A replica is a PostgreSQL thing: SQLite refuses `--read-db` before opening anything.
#[test]
fn sqlite_refuses_a_read_replica() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replica-refused-{}.db", std::process::id()));
    let db = format!("sqlite://{}", path.display());
    let o = xyjt(&[
        "serve",
        "--db",
        &db,
        "--read-db",
        "postgres://postgres@127.0.0.1:5433/test",
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_ne!(o.status.code(), Some(0));
    let err = text(&o.stderr);
    assert!(err.contains("--read-db 只用于 PostgreSQL"), "{err}");
    assert!(!path.exists(), "nothing opened");
}

/// A `--read-db` that is not in recovery (here the primary itself) is refused: public reads
/// would come from another database than the one written.
#[test]
fn a_server_not_in_recovery_is_not_a_replica() {
    let test = "a_server_not_in_recovery_is_not_a_replica";
    let rt = tokio_rt();
    let Some(pg) = rt.block_on(xyjt_store::testing::PgSchema::create(test)) else {
        return;
    };
    let o = xyjt(&[
        "serve",
        "--db",
        &pg.url,
        "--read-db",
        &pg.url,
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_ne!(o.status.code(), Some(0));
    let err = text(&o.stderr);
    assert!(err.contains("不是流复制只读副本"), "{err}");
    rt.block_on(pg.drop());
}
