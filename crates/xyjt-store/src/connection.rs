//! The SQL store's connection pool over sqlx's `Any` driver: SQLite or PostgreSQL by URL, with
//! each backend's settings, and the migrations run on connect.

use crate::migrate::migrator;
use crate::{Backend, Context, StoreError, redact_url};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool};
use std::time::Duration;

pub struct SqlStore {
    pub(crate) pool: AnyPool,
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
            pool,
            backend,
            maintain_tree: true,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
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
