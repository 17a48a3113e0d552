//! Embedded migrations, one list per backend. sqlx's `Migrator` applies them (checksums, the
//! `_sqlx_migrations` table, locking); we build it from `include_str!` rather than the
//! `migrate!` macro so the proc-macro stack stays out of the build. Never edit a landed file:
//! add the next number to both lists.

use crate::Backend;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "ledger",
        include_str!("../migrations/sqlite/0001_ledger.sql"),
    ),
    (
        2,
        "publicity",
        include_str!("../migrations/sqlite/0002_publicity.sql"),
    ),
    (
        3,
        "lists",
        include_str!("../migrations/sqlite/0003_lists.sql"),
    ),
    (
        4,
        "workflows",
        include_str!("../migrations/sqlite/0004_workflows.sql"),
    ),
    (
        5,
        "console",
        include_str!("../migrations/sqlite/0005_console.sql"),
    ),
    (
        6,
        "evaluation",
        include_str!("../migrations/sqlite/0006_evaluation.sql"),
    ),
    (
        7,
        "integrity",
        include_str!("../migrations/sqlite/0007_integrity.sql"),
    ),
    (
        8,
        "gov_commitments",
        include_str!("../migrations/sqlite/0008_gov_commitments.sql"),
    ),
    (
        9,
        "disclosure",
        include_str!("../migrations/sqlite/0009_disclosure.sql"),
    ),
    (
        10,
        "ledger_tree",
        include_str!("../migrations/sqlite/0010_ledger_tree.sql"),
    ),
    (
        11,
        "exchange",
        include_str!("../migrations/sqlite/0011_exchange.sql"),
    ),
    (
        12,
        "publicity_order",
        include_str!("../migrations/sqlite/0012_publicity_order.sql"),
    ),
    (
        13,
        "name_search",
        include_str!("../migrations/sqlite/0013_name_search.sql"),
    ),
    (
        14,
        "exchange_seen",
        include_str!("../migrations/sqlite/0014_exchange_seen.sql"),
    ),
];

const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "ledger",
        include_str!("../migrations/postgres/0001_ledger.sql"),
    ),
    (
        2,
        "publicity",
        include_str!("../migrations/postgres/0002_publicity.sql"),
    ),
    (
        3,
        "lists",
        include_str!("../migrations/postgres/0003_lists.sql"),
    ),
    (
        4,
        "workflows",
        include_str!("../migrations/postgres/0004_workflows.sql"),
    ),
    (
        5,
        "console",
        include_str!("../migrations/postgres/0005_console.sql"),
    ),
    (
        6,
        "evaluation",
        include_str!("../migrations/postgres/0006_evaluation.sql"),
    ),
    (
        7,
        "integrity",
        include_str!("../migrations/postgres/0007_integrity.sql"),
    ),
    (
        8,
        "gov_commitments",
        include_str!("../migrations/postgres/0008_gov_commitments.sql"),
    ),
    (
        9,
        "disclosure",
        include_str!("../migrations/postgres/0009_disclosure.sql"),
    ),
    (
        10,
        "ledger_tree",
        include_str!("../migrations/postgres/0010_ledger_tree.sql"),
    ),
    (
        11,
        "exchange",
        include_str!("../migrations/postgres/0011_exchange.sql"),
    ),
    (
        12,
        "publicity_order",
        include_str!("../migrations/postgres/0012_publicity_order.sql"),
    ),
    (
        13,
        "name_search",
        include_str!("../migrations/postgres/0013_name_search.sql"),
    ),
    (
        14,
        "exchange_seen",
        include_str!("../migrations/postgres/0014_exchange_seen.sql"),
    ),
];

pub(crate) fn migrator(backend: Backend) -> Migrator {
    let list = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations: Vec<Migration> = list
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        fn v(l: &[(i64, &'static str, &'static str)]) -> Vec<(i64, &'static str)> {
            l.iter().map(|m| (m.0, m.1)).collect()
        }
        assert_eq!(v(SQLITE), v(POSTGRES));
    }
}
