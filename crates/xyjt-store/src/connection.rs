//! The SQL store's connection pool over sqlx's `Any` driver: SQLite or PostgreSQL by URL, with
//! each backend's settings, and the migrations run on connect.

use crate::migrate::migrator;
use crate::{Backend, Context, StoreError, redact_url};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool};
use std::time::Duration;

#[derive(Clone)]
pub struct SqlStore {
    /// Where this handle reads: the primary, or a PostgreSQL streaming replica for the handle
    /// public pages read through ([`SqlStore::reading_from_replica`], `serve --read-db`).
    pub(crate) pool: AnyPool,
    /// Where every write goes, and every transaction with the reads inside it: the primary.
    pub(crate) primary: AnyPool,
    pub(crate) backend: Backend,
    /// Appends maintain the Merkle tree (always, except in the benchmark that measures its
    /// cost: see [`SqlStore::without_tree_for_benchmark`]).
    pub(crate) maintain_tree: bool,
}

impl SqlStore {
    /// For the append benchmark only (`docs/BENCHMARKS.md`): appends leave the Merkle tree
    /// behind. Nothing is lost: the next append of a normal store, or `tree_head`, adds the
    /// missing events to the tree.
    #[doc(hidden)]
    pub fn without_tree_for_benchmark(mut self) -> Self {
        self.maintain_tree = false;
        self
    }

    /// Connects, applies SQLite's pragmas (WAL, busy timeout, foreign keys) on every connection,
    /// and runs the backend's migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(30));
        let url = match backend {
            Backend::Sqlite => {
                options = options.after_connect(|conn, _meta| Box::pin(sqlite_pragmas(conn)));
                sqlite_url_with_create(url)
            }
            Backend::Postgres => {
                options = options.after_connect(|conn, _meta| Box::pin(postgres_settings(conn)));
                url.to_string()
            }
        };
        let pool = options
            .connect(&url)
            .await
            .context(format!("连接数据库 {}", redact_url(&url)))?;
        migrator(backend).run(&pool).await?;
        Ok(SqlStore {
            primary: pool.clone(),
            pool,
            backend,
            maintain_tree: true,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A handle on the same primary whose reads go to `url`, a PostgreSQL streaming replica of
    /// it (`serve --read-db`): writes, transactions and the reads inside them stay on the
    /// primary. Refused for SQLite (a replica is a PostgreSQL thing), for a server that is not
    /// in recovery (not a replica: reads would come from another database), and for a replica
    /// of another cluster. No migrations run there: the replica replays the primary's.
    pub async fn reading_from_replica(&self, url: &str) -> Result<SqlStore, StoreError> {
        check_replica_url(self.backend, url)?;
        let shown = redact_url(url);
        let pool = AnyPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _meta| Box::pin(postgres_settings(conn)))
            .connect(url)
            .await
            .context(format!("连接只读副本 {shown}"))?;
        let (in_recovery,): (bool,) = sqlx::query_as("SELECT pg_is_in_recovery()")
            .fetch_one(&pool)
            .await
            .context("询问只读副本是否在恢复状态")?;
        if !in_recovery {
            return Err(StoreError::Replica(format!(
                "{shown} 不是流复制只读副本（pg_is_in_recovery() 为 false）：公开页面会读到另一个数据库"
            )));
        }
        let system = "SELECT system_identifier::text FROM pg_control_system()";
        let ours = sqlx::query_as::<_, (String,)>(system)
            .fetch_one(&self.primary)
            .await;
        let theirs = sqlx::query_as::<_, (String,)>(system)
            .fetch_one(&pool)
            .await;
        if let (Ok((ours,)), Ok((theirs,))) = (ours, theirs)
            && ours != theirs
        {
            return Err(StoreError::Replica(format!(
                "{shown} 是另一个 PostgreSQL 集群的副本（系统标识 {theirs}，主库 {ours}）"
            )));
        }
        Ok(SqlStore {
            pool,
            ..self.clone()
        })
    }

    /// Waits until the replica this handle reads has replayed everything the primary had
    /// written when called (at most `timeout`); at once without a replica. The server calls
    /// it at start-up, after the migrations and the first list policy, so that the check
    /// index is never built from a replica older than what the primary had at start.
    pub async fn wait_for_replica(&self, timeout: Duration) -> Result<(), StoreError> {
        if self.replay_lag().await?.is_none() {
            return Ok(());
        }
        let (target,): (String,) = sqlx::query_as("SELECT pg_current_wal_lsn()::text")
            .fetch_one(&self.primary)
            .await
            .context("读取主库的 WAL 位置")?;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let (done, replayed): (bool, String) = sqlx::query_as(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false), \
                 coalesce(pg_last_wal_replay_lsn()::text, '-')",
            )
            .bind(&target)
            .fetch_one(&self.pool)
            .await
            .context("读取只读副本的重放位置")?;
            if done {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(StoreError::Replica(format!(
                    "只读副本 {} 秒内没有追上主库（主库 WAL 位置 {target}，副本重放到 {replayed}）：\
                     复制中断或延迟过大",
                    timeout.as_secs()
                )));
            }
            // The store has no timer of its own: the replica waits.
            sqlx::query("SELECT 1 FROM pg_sleep(0.1)")
                .fetch_one(&self.pool)
                .await
                .context("等待只读副本")?;
        }
    }

    /// How far behind the replica this handle reads is, in seconds: `None` when it reads the
    /// primary; 0 when it has replayed all it has received; else the age of the last commit
    /// it replayed (what a reader may miss at most, as far as the replica knows).
    pub async fn replay_lag(&self) -> Result<Option<f64>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let (in_recovery, lag): (bool, Option<f64>) = sqlx::query_as(
            "SELECT pg_is_in_recovery(), \
             CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
             ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8",
        )
        .fetch_one(&self.pool)
        .await
        .context("读取只读副本的重放延迟")?;
        Ok(in_recovery.then(|| lag.unwrap_or(0.0).max(0.0)))
    }
}

/// Refuses a read replica (`--read-db`) for a SQLite primary (a replica is a PostgreSQL
/// thing) or a replica URL that is not PostgreSQL's; checked before anything is opened.
pub fn check_replica_url(primary: Backend, url: &str) -> Result<(), StoreError> {
    if primary != Backend::Postgres {
        return Err(StoreError::Replica(
            "--read-db 只用于 PostgreSQL：SQLite 是嵌入式数据库，没有流复制的只读副本；\
             请去掉 --read-db（或环境变量 XYJT_READ_DB），或改用 PostgreSQL 主库"
                .into(),
        ));
    }
    if Backend::from_url(url)? != Backend::Postgres {
        return Err(StoreError::Replica(format!(
            "--read-db 应为 PostgreSQL 流复制只读副本的地址 postgres://…，而不是 {}",
            redact_url(url)
        )));
    }
    Ok(())
}

/// WAL lets readers work while a writer commits; the busy timeout makes a second writer (the
/// CLI importing while the server runs) wait for the lock instead of failing at once.
async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA busy_timeout = 10000",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = NORMAL",
        // A 64 MiB page cache per connection (bounded): a large import transaction otherwise
        // spills the same pages to the WAL again and again.
        "PRAGMA cache_size = -65536",
    ] {
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Plan every statement for its actual parameters and table sizes. sqlx reuses prepared
/// statements, and PostgreSQL would otherwise settle on a generic plan made while a table was
/// small (a sequential scan) and keep it as an import grows the table in one transaction.
async fn postgres_settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET plan_cache_mode = force_custom_plan")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// SQLite creates the file when asked to: add `mode=rwc` unless the URL chose a mode.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// An empty database of the same backend as `url`, to replay the ledger into: a temporary
/// SQLite file, or a fresh schema in the same PostgreSQL database. `remove` deletes it.
pub struct Scratch {
    /// Where to open it.
    pub url: String,
    place: ScratchPlace,
}

enum ScratchPlace {
    File(std::path::PathBuf),
    Schema { base: String, name: String },
}

impl Scratch {
    pub async fn create(url: &str) -> Result<Scratch, StoreError> {
        let id = xyjt_core::ledger::new_id().replace('-', "");
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("xyjt-replay-{id}.db"));
                Ok(Scratch {
                    url: format!("sqlite://{}", path.display()),
                    place: ScratchPlace::File(path),
                })
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let name = format!("xyjt_replay_{id}");
                let admin = sqlx::AnyPool::connect(url)
                    .await
                    .context(format!("连接数据库 {}", redact_url(url)))?;
                sqlx::raw_sql(&format!("CREATE SCHEMA {name}"))
                    .execute(&admin)
                    .await
                    .context("创建重放用的临时 schema")?;
                admin.close().await;
                let sep = if url.contains('?') { '&' } else { '?' };
                Ok(Scratch {
                    url: format!("{url}{sep}options=-c%20search_path%3D{name}"),
                    place: ScratchPlace::Schema {
                        base: url.to_string(),
                        name,
                    },
                })
            }
        }
    }

    pub async fn remove(self) -> Result<(), StoreError> {
        match self.place {
            ScratchPlace::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                Ok(())
            }
            ScratchPlace::Schema { base, name } => {
                let admin = sqlx::AnyPool::connect(&base)
                    .await
                    .context("连接数据库以删除临时 schema")?;
                sqlx::raw_sql(&format!("DROP SCHEMA {name} CASCADE"))
                    .execute(&admin)
                    .await
                    .context("删除重放用的临时 schema")?;
                admin.close().await;
                Ok(())
            }
        }
    }
}
