//! Issue 14: a ledger rewritten by someone with database access (triggers dropped, hashes and
//! head recomputed, even the Merkle tree rebuilt) still passes the chain check, and
//! `xyjt verify --checkpoint … --pubkey …` catches it against a checkpoint signed before:
//! a cut tail, a rewritten event, a rewritten head event, a forked history. On SQLite and on
//! PostgreSQL. And the witness refuses the forked checkpoint.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xyjt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xyjt"))
        .args(args)
        .env_remove("XYJT_DB")
        .env_remove("XYJT_SIGNING_KEY")
        .output()
        .expect("the xyjt binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}", xyjt_core::ledger::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The URLs of the backends to run on: a fresh SQLite file, and a fresh PostgreSQL schema
/// when one is configured (required under CI=true).
fn databases(
    rt: &tokio::runtime::Runtime,
    test: &str,
) -> Vec<(String, Option<xyjt_store::testing::PgSchema>)> {
    let dir = tmp(test);
    let mut out = vec![(format!("sqlite://{}/ledger.db", dir.display()), None)];
    if let Some(pg) = rt.block_on(xyjt_store::testing::PgSchema::create(test)) {
        out.push((pg.url.clone(), Some(pg)));
    }
    out
}

async fn exec(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

/// What an insider does first: drop the append-only triggers of the ledger and of its tree.
async fn drop_triggers(url: &str) {
    if url.starts_with("sqlite:") {
        exec(
            url,
            "DROP TRIGGER ledger_events_no_update; DROP TRIGGER ledger_events_no_delete; \
             DROP TRIGGER ledger_tree_no_update; DROP TRIGGER ledger_tree_no_delete",
        )
        .await
    } else {
        exec(
            url,
            "DROP TRIGGER ledger_events_no_update ON ledger_events; \
             DROP TRIGGER ledger_events_no_truncate ON ledger_events; \
             DROP TRIGGER ledger_tree_no_update ON ledger_tree; \
             DROP TRIGGER ledger_tree_no_truncate ON ledger_tree",
        )
        .await
    }
}

/// Moves `ledger_head` to the last stored event, so the chain check sees a sound chain, and
/// throws the Merkle tree away, so the program rebuilds it from the rewritten events.
async fn cover_tracks(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    use sqlx::Row;
    let row =
        sqlx::query("SELECT seq, hash, recorded_at FROM ledger_events ORDER BY seq DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (seq, hash, at): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
    sqlx::query("UPDATE ledger_head SET seq = $1, hash = $2, recorded_at = $3 WHERE id = 1")
        .bind(seq)
        .bind(hash)
        .bind(at)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql("DELETE FROM ledger_tree")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// Rewrites event `from` with `edit` on its payload text, and recomputes the hash of it and of
/// every later event, so the chain is sound again.
async fn rewrite_from(url: &str, from: i64, edit: impl Fn(&str) -> String) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT seq, id, recorded_at, actor, kind, aggregate_id, subject_id, payload, prev_hash \
         FROM ledger_events WHERE seq >= $1 ORDER BY seq",
    )
    .bind(from)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut prev: Option<String> = None;
    for row in rows {
        let seq: i64 = row.get(0);
        let mut payload: String = row.get(7);
        if seq == from {
            let edited = edit(&payload);
            assert_ne!(edited, payload, "the edit changes event {seq}");
            payload = edited;
        }
        let value: Value = serde_json::from_str(&payload).unwrap();
        let prev_hash = prev.clone().unwrap_or_else(|| row.get(8));
        let subject: Option<String> = row.get(6);
        let hash = xyjt_core::ledger::event_hash(
            seq,
            &row.get::<String, _>(1),
            &row.get::<String, _>(2),
            &row.get::<String, _>(3),
            &row.get::<String, _>(4),
            &row.get::<String, _>(5),
            subject.as_deref(),
            &value,
            &prev_hash,
        );
        sqlx::query(
            "UPDATE ledger_events SET payload = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
        )
        .bind(xyjt_core::canonical::to_canonical(&value))
        .bind(&prev_hash)
        .bind(&hash)
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
        prev = Some(hash);
    }
    pool.close().await;
}

struct Setup {
    url: String,
    keys: PathBuf,
    checkpoint: PathBuf,
    size: u64,
}

fn setup(url: &str) -> Setup {
    let keys = tmp("keys");
    assert_eq!(xyjt(&["demo", "--db", url]).status.code(), Some(0));
    let out = xyjt(&["keys", "init", "--out", keys.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys.join("ledger.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is private");
    }
    // A second init refuses to overwrite the key.
    let again = xyjt(&["keys", "init", "--out", keys.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(stderr(&again).contains("已存在"), "{again:?}");

    let out = xyjt(&[
        "checkpoint",
        "--db",
        url,
        "--key",
        keys.join("ledger.key").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let note = stdout(&out);
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines[0], "xyjt.local/credit-ledger", "{note}");
    let size: u64 = lines[1].parse().unwrap();
    assert!(size > 1000, "{note}");
    assert_eq!(lines[3], "", "a blank line before the signature");
    assert!(
        lines[4].starts_with("\u{2014} xyjt.local/credit-ledger "),
        "{note}"
    );
    let checkpoint = keys.join("checkpoint.txt");
    std::fs::write(&checkpoint, &note).unwrap();
    Setup {
        url: url.to_string(),
        keys,
        checkpoint,
        size,
    }
}

impl Setup {
    fn verify(&self, extra: &[&str]) -> (Option<i32>, Value) {
        let mut args = vec![
            "verify",
            "--db",
            &self.url,
            "--json",
            "--checkpoint",
            self.checkpoint.to_str().unwrap(),
            "--pubkey",
        ];
        let pubkey = self.keys.join("ledger.pub");
        args.push(pubkey.to_str().unwrap());
        args.extend_from_slice(extra);
        let out = xyjt(&args);
        let report: Value =
            serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}: {out:?}"));
        (out.status.code(), report)
    }

    fn witness(&self, state: &Path, checkpoint: &Path) -> Output {
        xyjt(&[
            "witness",
            "--state",
            state.to_str().unwrap(),
            "--pubkey",
            self.keys.join("ledger.pub").to_str().unwrap(),
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--db",
            &self.url,
        ])
    }

    fn new_checkpoint(&self, name: &str) -> PathBuf {
        let out = xyjt(&[
            "checkpoint",
            "--db",
            &self.url,
            "--key",
            self.keys.join("ledger.key").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let path = self.keys.join(name);
        std::fs::write(&path, stdout(&out)).unwrap();
        path
    }
}

fn assert_caught(s: &Setup, result: &str, words: &[&str]) {
    let (code, report) = s.verify(&["--chain-only"]);
    assert_eq!(code, Some(1), "{}: {report}", s.url);
    assert_eq!(
        report["chain_valid"], true,
        "the rewrite fooled the chain check: {report}"
    );
    assert_eq!(report["valid"], false, "{report}");
    assert_eq!(report["checkpoint"]["consistent"], false, "{report}");
    assert_eq!(
        report["checkpoint"]["verdict"]["result"], result,
        "{report}"
    );
    let message = report["checkpoint"]["message"].as_str().unwrap();
    for w in words {
        assert!(message.contains(w), "{w} not in {message}");
    }
}

#[test]
fn verify_against_a_checkpoint_catches_what_the_chain_cannot() {
    let rt = tokio_rt();
    for (url, pg) in databases(&rt, "cut_tail") {
        // Untouched, and grown since: consistent.
        let s = setup(&url);
        let (code, report) = s.verify(&[]);
        assert_eq!(code, Some(0), "{report}");
        assert_eq!(report["checkpoint"]["consistent"], true, "{report}");
        let out = xyjt(&["admin", "create-token", "--name", "测试系统", "--db", &url]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let (code, report) = s.verify(&[]);
        assert_eq!(code, Some(0), "{report}");
        assert_eq!(
            report["checkpoint"]["verdict"]["ledger_size"],
            s.size + 1,
            "{report}"
        );

        // The issue's attack: the last three events cut off and the head moved back.
        rt.block_on(async {
            drop_triggers(&url).await;
            exec(
                &url,
                &format!("DELETE FROM ledger_events WHERE seq > {}", s.size - 3),
            )
            .await;
            cover_tracks(&url).await;
        });
        let (code, report) = s.verify(&["--chain-only"]);
        assert_eq!(code, Some(1), "{report}");
        assert_eq!(report["chain_valid"], true, "{report}");
        assert_caught(&s, "cut_tail", &["截断", &format!("{}", s.size - 2)]);
        // Without an outside copy the database's own kept checkpoint still tells…
        let out = xyjt(&["verify", "--db", &url, "--chain-only", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(report["chain_valid"], true, "{report}");
        assert!(
            report["tree_problems"][0]
                .as_str()
                .unwrap()
                .contains("库中保存的检查点"),
            "{report}"
        );
        // … until the insider deletes it too: then only the checkpoint kept elsewhere catches it.
        rt.block_on(exec(&url, "DELETE FROM ledger_checkpoints"));
        let out = xyjt(&["verify", "--db", &url, "--chain-only", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_caught(&s, "cut_tail", &["截断"]);
        if let Some(pg) = pg {
            rt.block_on(pg.drop());
        }
    }
}

#[test]
fn a_rewritten_event_or_head_with_recomputed_hashes_is_caught() {
    let rt = tokio_rt();
    for (url, pg) in databases(&rt, "rewritten") {
        // An event in the middle: a fine becomes a warning, every later hash recomputed.
        let s = setup(&url);
        rt.block_on(async {
            drop_triggers(&url).await;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            use sqlx::Row;
            let seq: i64 =
                sqlx::query("SELECT MIN(seq) FROM ledger_events WHERE payload LIKE '%罚款%'")
                    .fetch_one(&pool)
                    .await
                    .unwrap()
                    .get(0);
            pool.close().await;
            rewrite_from(&url, seq, |p| p.replacen("罚款", "警告", 1)).await;
            cover_tracks(&url).await;
        });
        assert_caught(&s, "rewritten", &["改写", "分叉"]);
        // The program rebuilt its tree from the rewritten events: the tree alone cannot tell.
        if let Some(pg) = pg {
            rt.block_on(pg.drop());
        }
    }
    let rt = tokio_rt();
    for (url, pg) in databases(&rt, "rewritten_head") {
        // The head event itself rewritten, its hash and the head row recomputed.
        let s = setup(&url);
        let last = s.size as i64;
        rt.block_on(async {
            drop_triggers(&url).await;
            rewrite_from(&url, last, |p| {
                let mut v: Value = serde_json::from_str(p).unwrap();
                v.as_object_mut()
                    .unwrap()
                    .insert("zz_forged".into(), Value::from(true));
                v.to_string()
            })
            .await;
            cover_tracks(&url).await;
        });
        assert_caught(&s, "rewritten", &[&format!("前 {last} 个事件")]);
        if let Some(pg) = pg {
            rt.block_on(pg.drop());
        }
    }
}

#[test]
fn a_forked_history_is_caught_and_the_witness_refuses_it() {
    let rt = tokio_rt();
    for (url, pg) in databases(&rt, "forked") {
        let s = setup(&url);
        let state = tmp("witness");
        let out = s.witness(&state, &s.checkpoint);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(stdout(&out).contains("首次"), "{out:?}");
        // The ledger grows; the witness accepts the larger checkpoint with a consistency proof.
        let out = xyjt(&["admin", "create-token", "--name", "甲系统", "--db", &url]);
        assert_eq!(out.status.code(), Some(0));
        let grown = s.new_checkpoint("grown.txt");
        let out = s.witness(&state, &grown);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(
            stdout(&out).contains(&format!("此前为 {}", s.size)),
            "{out:?}"
        );

        // History forked: the last two events removed, and new ones appended through the
        // program, so the ledger is longer than the checkpoint but is not its extension.
        rt.block_on(async {
            drop_triggers(&url).await;
            exec(
                &url,
                &format!("DELETE FROM ledger_events WHERE seq > {}", s.size - 1),
            )
            .await;
            cover_tracks(&url).await;
        });
        for name in ["乙系统", "丙系统", "丁系统"] {
            let out = xyjt(&["admin", "create-token", "--name", name, "--db", &url]);
            assert_eq!(out.status.code(), Some(0), "{out:?}");
        }
        let (code, report) = s.verify(&[]);
        assert_eq!(code, Some(1), "{report}");
        assert_eq!(report["chain_valid"], true, "{report}");
        assert_eq!(
            report["checkpoint"]["verdict"]["result"], "rewritten",
            "{report}"
        );

        // The witness refuses the forked checkpoint and keeps the one it had.
        let forked = s.new_checkpoint("forked.txt");
        let out = s.witness(&state, &forked);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(stderr(&out).contains("一致性证明不成立"), "{out:?}");
        assert_eq!(
            std::fs::read_to_string(state.join("latest.checkpoint")).unwrap(),
            std::fs::read_to_string(&grown).unwrap()
        );

        // A checkpoint signed by another key is refused by verify, saying so.
        let other = tmp("other-keys");
        assert_eq!(
            xyjt(&["keys", "init", "--out", other.to_str().unwrap()])
                .status
                .code(),
            Some(0)
        );
        let out = xyjt(&[
            "verify",
            "--db",
            &url,
            "--chain-only",
            "--checkpoint",
            s.checkpoint.to_str().unwrap(),
            "--pubkey",
            other.join("ledger.pub").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(stdout(&out).contains("检查点无效"), "{out:?}");
        if let Some(pg) = pg {
            rt.block_on(pg.drop());
        }
    }
}

#[test]
fn a_credit_report_is_issued_and_verified_offline() {
    let rt = tokio_rt();
    for (url, pg) in databases(&rt, "report") {
        let s = setup(&url);
        // A subject with a penalty in the demo data, by its code.
        let code: String = rt.block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            use sqlx::Row;
            let row = sqlx::query(
                "SELECT s.uscc FROM subjects s JOIN records r ON r.subject_id = s.id \
                 WHERE s.uscc IS NOT NULL ORDER BY s.uscc LIMIT 1",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            let code: String = row.get(0);
            pool.close().await;
            code
        });
        let file = s.keys.join("report.json");
        let key = s.keys.join("ledger.key");
        let out = xyjt(&[
            "report",
            "issue",
            "--subject",
            &code,
            "--db",
            &url,
            "--key",
            key.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(stdout(&out).contains("项事实"), "{out:?}");
        let pubkey = s.keys.join("ledger.pub");
        let verify = |path: &Path| {
            xyjt(&[
                "report",
                "verify",
                path.to_str().unwrap(),
                "--pubkey",
                pubkey.to_str().unwrap(),
            ])
        };
        let out = verify(&file);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(stdout(&out).contains("校验通过"), "{out:?}");

        let text = std::fs::read_to_string(&file).unwrap();
        let report: Value = serde_json::from_str(&text).unwrap();
        // The embedded checkpoint, the signature, a fact: each change is caught and named.
        let cp = report["checkpoint"].as_str().unwrap();
        let size_line = cp.lines().nth(1).unwrap();
        let cases = [
            (
                text.replacen(
                    &format!("\\n{size_line}\\n"),
                    &format!("\\n{}\\n", size_line.parse::<u64>().unwrap() + 1),
                    1,
                ),
                "检查点",
            ),
            (
                text.replacen(
                    report["signature"]
                        .as_str()
                        .unwrap()
                        .lines()
                        .last()
                        .unwrap(),
                    report["checkpoint"]
                        .as_str()
                        .unwrap()
                        .lines()
                        .last()
                        .unwrap(),
                    1,
                ),
                "签名",
            ),
            (
                text.replacen("\"基本信息\"", "\"基本资料\"", 1),
                "第 1 项事实",
            ),
        ];
        for (i, (changed, named)) in cases.iter().enumerate() {
            assert_ne!(changed, &text, "case {i} changes the file");
            let path = s.keys.join(format!("changed-{i}.json"));
            std::fs::write(&path, changed).unwrap();
            let out = verify(&path);
            assert_eq!(out.status.code(), Some(1), "case {i}: {out:?}");
            assert!(stdout(&out).contains(named), "case {i}: {named} in {out:?}");
        }
        let pdf = s.keys.join("r.pdf");
        let out = xyjt(&[
            "report",
            "issue",
            "--subject",
            &code,
            "--db",
            &url,
            "--key",
            key.to_str().unwrap(),
            "--out",
            pdf.to_str().unwrap(),
            "--public-url",
            "https://credit.example.gov.cn/",
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(
            stdout(&out).contains("https://credit.example.gov.cn/reports/verify?number=XYBG"),
            "{out:?}"
        );
        // The attached JSON is the signed report: it verifies offline. (pdfdetach is Debian's
        // poppler-utils, installed by scripts/install-browser.sh.)
        let attached = s.keys.join("attached.json");
        let detach = std::process::Command::new("pdfdetach")
            .args([
                "-save",
                "1",
                "-o",
                attached.to_str().unwrap(),
                pdf.to_str().unwrap(),
            ])
            .output();
        match detach {
            Ok(o) => {
                assert!(o.status.success(), "{o:?}");
                let out = verify(&attached);
                assert_eq!(out.status.code(), Some(0), "{out:?}");
            }
            Err(e) => assert!(std::env::var_os("CI").is_none(), "pdfdetach: {e}"),
        }
        // Any other extension is refused, saying what is accepted.
        let out = xyjt(&[
            "report",
            "issue",
            "--subject",
            &code,
            "--db",
            &url,
            "--key",
            key.to_str().unwrap(),
            "--out",
            s.keys.join("r.docx").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(stderr(&out).contains(".pdf"), "{out:?}");
        let out = xyjt(&[
            "report",
            "issue",
            "--subject",
            "no-such-subject",
            "--db",
            &url,
            "--key",
            key.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        if let Some(pg) = pg {
            rt.block_on(pg.drop());
        }
    }
}

#[test]
fn the_issue_attack_leaving_the_tree_is_caught_without_any_checkpoint() {
    let rt = tokio_rt();
    for (url, pg) in databases(&rt, "tree_left") {
        // No checkpoint at all; the insider cuts three events and moves the head back, but
        // leaves the Merkle tree (or does not know about it).
        assert_eq!(xyjt(&["demo", "--db", &url]).status.code(), Some(0));
        let out = xyjt(&["verify", "--db", &url, "--chain-only", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        rt.block_on(async {
            drop_triggers(&url).await;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            use sqlx::Row;
            let last: i64 = sqlx::query("SELECT MAX(seq) FROM ledger_events")
                .fetch_one(&pool)
                .await
                .unwrap()
                .get(0);
            sqlx::raw_sql(&format!(
                "DELETE FROM ledger_events WHERE seq > {}",
                last - 3
            ))
            .execute(&pool)
            .await
            .unwrap();
            let row = sqlx::query(
                "SELECT seq, hash, recorded_at FROM ledger_events ORDER BY seq DESC LIMIT 1",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            let (seq, hash, at): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
            sqlx::query(
                "UPDATE ledger_head SET seq = $1, hash = $2, recorded_at = $3 WHERE id = 1",
            )
            .bind(seq)
            .bind(hash)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        });
        let out = xyjt(&["verify", "--db", &url, "--chain-only"]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let text = stdout(&out);
        assert!(text.contains("账本完整"), "the chain alone passes: {text}");
        assert!(
            text.contains("默克尔树覆盖") && text.contains("截断"),
            "{text}"
        );
        if let Some(pg) = pg {
            rt.block_on(pg.drop());
        }
    }
}
