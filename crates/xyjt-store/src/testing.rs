//! Test support shared by the PostgreSQL tests of every crate: a fresh schema per test, so tests
//! run in parallel on one database. Outside CI a missing or unreachable server skips the test
//! and says so loudly; under `CI=true` it fails the run. A passing test drops its schema; a
//! failing one leaves it to look at.

/// A fresh PostgreSQL schema for one test, from `XYJT_TEST_POSTGRES_URL`.
pub struct PgSchema {
    /// A database URL whose connections use only this schema.
    pub url: String,
    pub schema: String,
    base: String,
}

impl PgSchema {
    /// Creates the schema, or returns `None` (after saying why) when no server is configured
    /// and `CI` is not `true`.
    pub async fn create(test: &str) -> Option<PgSchema> {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        let Ok(base) = std::env::var("XYJT_TEST_POSTGRES_URL") else {
            assert!(!ci, "CI=true but XYJT_TEST_POSTGRES_URL is not set");
            eprintln!(
                "SKIPPED {test}: XYJT_TEST_POSTGRES_URL is not set; PostgreSQL was not tested"
            );
            return None;
        };
        sqlx::any::install_default_drivers();
        let admin = match sqlx::AnyPool::connect(&base).await {
            Ok(p) => p,
            Err(e) => {
                assert!(!ci, "CI=true but PostgreSQL at {base} is unreachable: {e}");
                eprintln!("SKIPPED {test}: PostgreSQL at {base} is unreachable ({e})");
                return None;
            }
        };
        let schema = format!("xyjt_test_{}", xyjt_core::ledger::new_id().replace('-', ""));
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .expect("creating a test schema");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(PgSchema {
            url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            schema,
            base,
        })
    }

    /// Drops the schema and everything in it.
    pub async fn drop(self) {
        let admin = sqlx::AnyPool::connect(&self.base)
            .await
            .expect("connecting to drop a test schema");
        sqlx::raw_sql(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .execute(&admin)
            .await
            .expect("dropping a test schema");
    }
}
