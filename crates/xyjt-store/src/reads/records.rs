//! Reads of subjects and records: profiles, search, the 公示栏, intake counts.

use crate::codec::*;
use crate::connection::SqlStore;
use crate::projection::*;
use crate::{Context, IntakeCount, PublicityQuery, RecordPage, Store, StoreError, SubjectPage};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use xyjt_core::ident::Code;
use xyjt_core::record::{NaturalKey, Record, RecordCategory};
use xyjt_core::subject::{NameChange, Subject};

pub(crate) async fn subject(store: &SqlStore, id: &str) -> Result<Option<Subject>, StoreError> {
    let row = sqlx::query("SELECT data FROM subjects WHERE id = $1")
        .bind(id)
        .fetch_optional(&store.pool)
        .await
        .context("读取主体")?;
    row.as_ref().map(subject_from_row).transpose()
}

pub(crate) async fn subject_by_code(
    store: &SqlStore,
    code: &Code,
) -> Result<Option<Subject>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::subject_by_code(&mut conn, code).await
}

pub(crate) async fn name_history(
    store: &SqlStore,
    subject_id: &str,
) -> Result<Vec<NameChange>, StoreError> {
    let rows = sqlx::query(
        "SELECT n.name, n.effective_on, e.recorded_at FROM subject_names n \
         JOIN ledger_events e ON e.seq = n.seq WHERE n.subject_id = $1 ORDER BY n.seq",
    )
    .bind(subject_id)
    .fetch_all(&store.pool)
    .await
    .context("读取名称历史")?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get(0).context("名称")?;
            let effective: Option<String> = r.try_get(1).context("生效日期")?;
            let recorded: String = r.try_get(2).context("记录时间")?;
            let date = effective.unwrap_or_else(|| recorded.chars().take(10).collect());
            let effective_on = date
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("名称生效日期 {date}")))?;
            Ok(NameChange { name, effective_on })
        })
        .collect()
}

/// How many matches a name search counts and pages through at most: past it the searcher
/// is asked for more of the name (`SubjectPage::more`), so no query sorts the whole table.
pub const SEARCH_CAP: i64 = 1_000;

/// The subjects a name search finds, as SQL selecting `subject_id` (one value bound: `$1`).
/// Three characters or more: the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) finds
/// the names containing them. One or two characters: no trigram index can find those, so the
/// names are scanned, and the caller stops at the cap (quick for common characters; a rare
/// pair of characters reads every name: docs/BENCHMARKS.md).
fn name_hits(store: &SqlStore, name_key: &str) -> (String, String) {
    let short = name_key.chars().count() < 3;
    match (store.backend, short) {
        (crate::Backend::Sqlite, false) => (
            "SELECT n.subject_id FROM subject_names_search f \
             JOIN subject_names n ON n.rowid = f.rowid WHERE subject_names_search MATCH $1"
                .to_string(),
            format!("\"{}\"", name_key.replace('"', "\"\"")),
        ),
        _ => (
            "SELECT subject_id FROM subject_names WHERE name_key LIKE $1 ESCAPE '\\'".to_string(),
            like_contains(name_key),
        ),
    }
}

pub(crate) async fn search_subjects(
    store: &SqlStore,
    name_key: &str,
    limit: i64,
    offset: i64,
) -> Result<SubjectPage, StoreError> {
    if name_key.is_empty() {
        // Everyone, by name (the CLI and tests list the demo's subjects this way).
        let items = subjects_page(
            store,
            "SELECT data FROM subjects ORDER BY name, id LIMIT $1 OFFSET $2",
            None,
            limit,
            offset,
        )
        .await?;
        return Ok(SubjectPage {
            items,
            total: count_subjects(store).await?,
            more: false,
        });
    }
    let (hits, arg) = name_hits(store, name_key);
    // The matching subjects, at most one past the cap (a name and its former names count
    // once). Civil servants' subjects are not searchable: their archives are internal.
    let found = format!(
        "SELECT DISTINCT subject_id FROM ({hits}) h WHERE subject_id NOT IN \
         (SELECT subject_id FROM gov_subjects WHERE archive = 'civil_servant') LIMIT {}",
        SEARCH_CAP + 1
    );
    let counted: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM ({found}) c"))
        .bind(&arg)
        .fetch_one(&store.pool)
        .await
        .context("统计主体")?
        .try_get(0)
        .context("统计主体")?;
    let total = counted.min(SEARCH_CAP);
    let limit = limit.min((total - offset).max(0));
    let items = if limit == 0 {
        Vec::new()
    } else {
        let sql = format!(
            "SELECT data FROM subjects WHERE id IN ({found}) ORDER BY name, id LIMIT $2 OFFSET $3"
        );
        subjects_page(store, &sql, Some(&arg), limit, offset).await?
    };
    Ok(SubjectPage {
        items,
        total,
        more: counted > SEARCH_CAP,
    })
}

/// A page of subjects by `sql`: `$1` is `arg` when given, then the limit and the offset.
async fn subjects_page(
    store: &SqlStore,
    sql: &str,
    arg: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Subject>, StoreError> {
    let mut q = sqlx::query(sql);
    if let Some(a) = arg {
        q = q.bind(a);
    }
    let rows = q
        .bind(limit)
        .bind(offset)
        .fetch_all(&store.pool)
        .await
        .context("查询主体")?;
    rows.iter().map(subject_from_row).collect()
}

pub(crate) async fn count_subjects(store: &SqlStore) -> Result<i64, StoreError> {
    sqlx::query("SELECT COUNT(*) FROM subjects")
        .fetch_one(&store.pool)
        .await
        .context("统计主体")?
        .try_get(0)
        .context("统计主体")
}

pub(crate) async fn record(store: &SqlStore, id: &str) -> Result<Option<Record>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    load_record(&mut conn, id).await
}

pub(crate) async fn record_as_of(
    store: &SqlStore,
    id: &str,
    as_of: DateTime<Utc>,
) -> Result<Option<Record>, StoreError> {
    let events = store.events_of(id).await?;
    Ok(xyjt_core::ledger::record_as_of(&events, Some(as_of))?)
}

pub(crate) async fn record_by_key(
    store: &SqlStore,
    key: &NaturalKey,
) -> Result<Option<Record>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::record_by_key(&mut conn, key).await
}

pub(crate) async fn records_of_subject(
    store: &SqlStore,
    subject_id: &str,
) -> Result<Vec<Record>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records WHERE subject_id = $1 ORDER BY decision_date DESC, id"
    );
    let rows = sqlx::query(&sql)
        .bind(subject_id)
        .fetch_all(&store.pool)
        .await
        .context("读取主体的记录")?;
    rows.iter().map(record_from_row).collect()
}

/// The WHERE clause of the 公示栏 and its values, in placeholder order. For a page
/// (`walk_order`), the window's terms are written so no index can serve them (`col || ''`):
/// otherwise SQLite's planner takes `records_public` for the window and sorts every public
/// record, where walking `records_publicity_order` and stopping after the page is ~1,000×
/// faster at 200,000 records (docs/BENCHMARKS.md). The count keeps them indexable.
fn publicity_filter(q: &PublicityQuery, walk_order: bool) -> (String, Vec<String>) {
    // The window rule is `xyjt_core::record::Record::is_public_on`; the projection stores its
    // dates (an open end as 9999-12-31), so SQL filters the same window without restating it.
    // Built with numbered placeholders in the order the values are pushed.
    let col = |c: &str| {
        if walk_order {
            format!("{c} || ''")
        } else {
            c.to_string()
        }
    };
    let mut filters = vec![
        format!("{} = 'active'", col("status")),
        "public_from IS NOT NULL".to_string(),
        format!("{} <= $1", col("public_from")),
        format!("{} >= $1", col("public_until")),
    ];
    let mut args: Vec<String> = vec![q.on.to_string()];
    let next = |args: &mut Vec<String>, v: String| {
        args.push(v);
        format!("${}", args.len())
    };
    if let Some(c) = q.category {
        let p = next(&mut args, c.as_str().to_string());
        filters.push(format!("category = {p}"));
    }
    if let Some(unit) = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        match xyjt_core::ident::Uscc::parse(unit) {
            Ok(code) => {
                let p = next(&mut args, code.as_str().to_string());
                filters.push(format!("(authority_code = {p} OR source_unit_code = {p})"));
            }
            Err(_) => {
                let p = next(&mut args, like_contains(unit));
                filters.push(format!(
                    "(authority LIKE {p} ESCAPE '\\' OR source_unit LIKE {p} ESCAPE '\\')"
                ));
            }
        }
    }
    if let Some(from) = q.decided_from {
        let p = next(&mut args, from.to_string());
        filters.push(format!("decision_date >= {p}"));
    }
    if let Some(to) = q.decided_to {
        let p = next(&mut args, to.to_string());
        filters.push(format!("decision_date <= {p}"));
    }
    (filters.join(" AND "), args)
}

/// How many records the 公示栏 query matches.
pub(crate) async fn count_public_records(
    store: &SqlStore,
    q: &PublicityQuery,
) -> Result<i64, StoreError> {
    let (filter, args) = publicity_filter(q, false);
    let count_sql = format!("SELECT COUNT(*) FROM records WHERE {filter}");
    let mut count = sqlx::query(&count_sql);
    for a in &args {
        count = count.bind(a);
    }
    count
        .fetch_one(&store.pool)
        .await
        .context("统计公示记录")?
        .try_get(0)
        .context("统计公示记录")
}

/// One page of the 公示栏, newest decision first. The order is an index's
/// (`records_publicity_order`, migration 0012): the database walks it and stops after the
/// page instead of sorting every public record.
pub(crate) async fn public_records_page(
    store: &SqlStore,
    q: &PublicityQuery,
) -> Result<Vec<Record>, StoreError> {
    let (filter, args) = publicity_filter(q, true);
    let n = args.len();
    let page_sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records WHERE {filter} \
         ORDER BY decision_date DESC, id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut page = sqlx::query(&page_sql);
    for a in &args {
        page = page.bind(a);
    }
    let rows = page
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(&store.pool)
        .await
        .context("查询公示记录")?;
    rows.iter().map(record_from_row).collect()
}

/// The page of the 公示栏 after the record at (`decision_date`, `id`) in its order (keyset
/// paging: the index is entered at that key, so a deep page costs what the first does).
/// Up to `q.limit` records of the 公示栏 after (or, `backwards`, before) the one at
/// (`decision_date`, `id`), in the board's order: the database enters the order index at the
/// cursor, so a deep page costs what the first does.
pub(crate) async fn public_records_from(
    store: &SqlStore,
    q: &PublicityQuery,
    decision_date: NaiveDate,
    id: &str,
    backwards: bool,
) -> Result<Vec<Record>, StoreError> {
    let (filter, mut args) = publicity_filter(q, true);
    args.push(decision_date.to_string());
    let d = args.len();
    args.push(id.to_string());
    let i = args.len();
    let (cursor, order) = if backwards {
        (
            format!("(decision_date > ${d} OR (decision_date = ${d} AND id < ${i}))"),
            "decision_date ASC, id DESC",
        )
    } else {
        (
            format!("(decision_date < ${d} OR (decision_date = ${d} AND id > ${i}))"),
            "decision_date DESC, id",
        )
    };
    let page_sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records WHERE {filter} AND {cursor} \
         ORDER BY {order} LIMIT ${}",
        i + 1
    );
    let mut page = sqlx::query(&page_sql);
    for a in &args {
        page = page.bind(a);
    }
    let rows = page
        .bind(q.limit)
        .fetch_all(&store.pool)
        .await
        .context("查询公示记录")?;
    let mut records: Vec<Record> = rows.iter().map(record_from_row).collect::<Result<_, _>>()?;
    if backwards {
        records.reverse();
    }
    Ok(records)
}

pub(crate) async fn public_records(
    store: &SqlStore,
    q: &PublicityQuery,
) -> Result<RecordPage, StoreError> {
    let total = count_public_records(store, q).await?;
    let items = public_records_page(store, q).await?;
    Ok(RecordPage { items, total })
}

pub(crate) async fn intake_counts(store: &SqlStore) -> Result<Vec<IntakeCount>, StoreError> {
    let accepted = sqlx::query(
        "SELECT source_unit_code, MAX(source_unit), substr(reported_on, 1, 7), category, \
         COUNT(*), CAST(SUM(late) AS BIGINT) FROM records WHERE reported_on IS NOT NULL \
         GROUP BY source_unit_code, substr(reported_on, 1, 7), category",
    )
    .fetch_all(&store.pool)
    .await
    .context("统计接收记录")?;
    let rejected = sqlx::query(
        "SELECT unit_code, MAX(unit_name), substr(reported_on, 1, 7), category, COUNT(*) \
         FROM intake_rejections GROUP BY unit_code, substr(reported_on, 1, 7), category",
    )
    .fetch_all(&store.pool)
    .await
    .context("统计退回记录")?;
    let mut counts: std::collections::BTreeMap<(String, String, String), IntakeCount> =
        std::collections::BTreeMap::new();
    for row in &accepted {
        let key: (String, String, String) = (
            row.try_get(0).context("单位")?,
            row.try_get(2).context("月份")?,
            row.try_get(3).context("类别")?,
        );
        let c = counts.entry(key.clone()).or_insert_with(|| IntakeCount {
            unit_code: key.0.clone(),
            unit_name: String::new(),
            month: key.1.clone(),
            category: key.2.clone(),
            accepted: 0,
            late: 0,
            rejected: 0,
        });
        c.unit_name = row.try_get(1).context("单位名称")?;
        c.accepted = row.try_get(4).context("接收数")?;
        c.late = row.try_get(5).context("迟报数")?;
    }
    for row in &rejected {
        let key: (String, String, String) = (
            row.try_get(0).context("单位")?,
            row.try_get(2).context("月份")?,
            row.try_get(3).context("类别")?,
        );
        let name: String = row.try_get(1).context("单位名称")?;
        let c = counts.entry(key.clone()).or_insert_with(|| IntakeCount {
            unit_code: key.0.clone(),
            unit_name: name.clone(),
            month: key.1.clone(),
            category: key.2.clone(),
            accepted: 0,
            late: 0,
            rejected: 0,
        });
        if c.unit_name.is_empty() {
            c.unit_name = name;
        }
        c.rejected = row.try_get(4).context("退回数")?;
    }
    Ok(counts.into_values().collect())
}

pub(crate) async fn subjects_with_records(
    store: &SqlStore,
    category: RecordCategory,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT subject_id FROM records WHERE category = $1 ORDER BY subject_id",
    )
    .bind(category.as_str())
    .fetch_all(&store.pool)
    .await
    .context("查找有记录的主体")?;
    rows.iter()
        .map(|r| r.try_get(0).context("主体 id"))
        .collect()
}
