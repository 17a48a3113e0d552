//! The broker restarted in the middle of a stream loses nothing it acknowledged: a private
//! `nats-server -js` (its own port and store directory) is killed and started again while a
//! city publishes; the province then has every fact, none twice. Without `nats-server` on the
//! PATH (or `/usr/sbin`) the test says so loudly, and fails under `CI=true`.

use chrono::Utc;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use xyjt_app::exchange::{Exchange, ExchangeConfig};
use xyjt_core::ident::{Uscc, org_code_check_char, uscc_check_char};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::policies::Policies;
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::{SqlStore, Store};

fn nats_server() -> Option<String> {
    [
        "nats-server",
        "/usr/sbin/nats-server",
        "/usr/local/bin/nats-server",
    ]
    .into_iter()
    .find(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
    .map(str::to_string)
}

struct Broker {
    bin: String,
    port: u16,
    dir: std::path::PathBuf,
    child: Option<Child>,
}

impl Broker {
    fn start(&mut self) {
        let child = Command::new(&self.bin)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting nats-server");
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("killing nats-server");
            c.wait().unwrap();
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while async_nats::connect(self.url()).await.is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn subject(i: usize) -> Subject {
    let body = format!("MC{i:06}");
    let org = format!("{body}{}", org_code_check_char(&body).unwrap());
    let first17 = format!("91350100{org}");
    Subject {
        id: new_id(),
        kind: PartyCategory::LegalPerson,
        name: format!("东湖企业{i}"),
        uscc: Some(
            Uscc::parse(&format!("{first17}{}", uscc_check_char(&first17).unwrap())).unwrap(),
        ),
        org_code: None,
        reg_no: None,
        citizen_id: None,
    }
}

async fn append(store: &dyn Store, from: usize, n: usize) {
    let events = (from..from + n)
        .map(|i| {
            NewEvent::new(
                "import:bulk.csv",
                Utc::now(),
                EventPayload::SubjectRegistered {
                    subject: subject(i),
                },
            )
        })
        .collect();
    store.append(events).await.unwrap();
}

/// Relays until caught up, retrying while the broker is away.
async fn relay_until_done(node: &Exchange) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut published = 0;
    loop {
        match node.relay_all().await {
            Ok(n) => return published + n,
            Err(e) => {
                assert!(Instant::now() < deadline, "relay never recovered: {e:?}");
                published = 0;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restarted_mid_stream_loses_nothing_acknowledged() {
    broker_restart(None, "restart").await;
}

/// The same with the province on PostgreSQL (the city on SQLite).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restarted_mid_stream_province_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("broker_restart_pg").await {
        broker_restart(Some(&pg.url), "restartpg").await;
        pg.drop().await;
    }
}

/// `sf_url`: the province's database (else SQLite beside the city's).
async fn broker_restart(sf_url: Option<&str>, namespace: &str) {
    let Some(bin) = nats_server() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "CI=true but nats-server is not installed");
        eprintln!("SKIPPED broker_restarted_mid_stream: nats-server is not installed");
        return;
    };
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("nats-{}", new_id()));
    let mut broker = Broker {
        bin,
        port: free_port(),
        dir: tmp.join("store"),
        child: None,
    };
    broker.start();
    broker.ready().await;
    let policies = Arc::new(Policies::builtin());
    let db = |n: &str| format!("sqlite://{}", tmp.join(format!("{n}.db")).display());
    std::fs::create_dir_all(&tmp).unwrap();
    let sf_url = sf_url.map_or_else(|| db("sf"), str::to_string);
    let sf_store: Arc<dyn Store> = Arc::new(SqlStore::connect(&sf_url).await.unwrap());
    let dh_store: Arc<dyn Store> = Arc::new(SqlStore::connect(&db("dh")).await.unwrap());
    let config = |node: &str| ExchangeConfig {
        url: broker.url(),
        node: node.into(),
        namespace: namespace.into(),
    };
    let sf = Exchange::connect(&config("SF"), sf_store.clone(), policies.clone())
        .await
        .unwrap();
    let dh = Exchange::connect(&config("DH"), dh_store.clone(), policies.clone())
        .await
        .unwrap();

    // 300 facts acknowledged by the broker; the province takes some of them.
    append(dh_store.as_ref(), 0, 300).await;
    assert_eq!(relay_until_done(&dh).await, 300);
    // The broker dies (SIGKILL) mid-stream; the city keeps recording; the relay fails and
    // keeps its cursor.
    broker.kill();
    append(dh_store.as_ref(), 300, 200).await;
    assert!(dh.relay_once().await.is_err(), "no broker, no publish");
    // It comes back on the same store directory: nothing acknowledged is lost, and the relay
    // publishes the rest.
    broker.start();
    broker.ready().await;
    relay_until_done(&dh).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut applied = 0;
    while applied < 500 {
        assert!(Instant::now() < deadline, "only {applied} of 500 applied");
        match sf.receive_all(Duration::from_millis(300)).await {
            Ok(s) => {
                assert_eq!(s.dead_lettered, 0);
                applied += s.applied;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    assert_eq!(applied, 500);
    let counts = sf_store.exchange_origin_counts().await.unwrap();
    assert_eq!((counts[0].facts, counts[0].last_seq), (500, 500));
    assert!(sf_store.verify().await.unwrap().error.is_none());
    drop(broker);
    let _ = std::fs::remove_dir_all(&tmp);
}
