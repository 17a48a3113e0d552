//! The ledger is the truth: replaying every event into empty projections must give exactly the
//! projections the database holds. `rebuild_projections` proves it (or names what differs).

use crate::{AppError, AppResult, ErrorKind};
use chrono::DateTime;
use serde::Serialize;
use std::collections::BTreeSet;
use xyjt_core::ledger::{NewEvent, StoredEvent};
use xyjt_store::{ProjectionTable, Store};

/// How many events are read and appended at a time.
const PAGE: i64 = 2_000;

/// What a replay found.
#[derive(Debug, Serialize)]
pub struct ReplayReport {
    /// Events replayed.
    pub events: i64,
    /// The replayed chain's head hash equals the stored one (every event re-sealed the same).
    pub same_chain: bool,
    /// Rows per projection table, as stored.
    pub tables: Vec<(String, usize)>,
    /// Rows that differ: `table: stored-only|replayed-only: row`, at most 20.
    pub differences: Vec<String>,
    /// How many differing rows in all.
    pub difference_count: usize,
    /// The first difference, by table (in the store's order), then row key, then column.
    pub first_difference: Option<Difference>,
}

impl ReplayReport {
    pub fn equal(&self) -> bool {
        self.same_chain && self.difference_count == 0
    }
}

/// One place where the stored projections and the replayed ones differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The projection table.
    pub table: String,
    /// The row's key, as `column=value` pairs (`id=…`).
    pub row: String,
    /// The column, when the row is on both sides; `None` when one side lacks the row.
    pub column: Option<String>,
    /// Inside a JSON column, the path of the first differing value (`fine`, `items.2.name`).
    pub field: Option<String>,
    /// The stored value (the whole row when only the store has it); `None` when missing.
    pub stored: Option<String>,
    /// The value replaying the ledger gives; `None` when missing.
    pub replayed: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "（无）".into());
        match (&self.column, &self.stored, &self.replayed) {
            (Some(column), _, _) => {
                write!(f, "表 {} 的行 {}，列 {column}", self.table, self.row)?;
                if let Some(field) = &self.field {
                    write!(f, " 中的 {field}")?;
                }
                write!(
                    f,
                    "：库中为 {}，账本重放为 {}",
                    show(&self.stored),
                    show(&self.replayed)
                )
            }
            (None, Some(_), None) => write!(
                f,
                "表 {} 中有行 {}，账本重放没有这一行",
                self.table, self.row
            ),
            (None, None, Some(_)) => write!(
                f,
                "表 {} 中缺少行 {}，账本重放有这一行",
                self.table, self.row
            ),
            (None, _, _) => write!(f, "表 {} 的行 {} 与账本重放不同", self.table, self.row),
        }
    }
}

/// The first place where two JSON values differ, as a dotted path (`""` for the value itself).
fn json_path(a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    if a == b {
        return None;
    }
    let join = |k: &str, rest: String| {
        if rest.is_empty() {
            k.to_string()
        } else {
            format!("{k}.{rest}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => json_path(p, q).map(|rest| join(k, rest)),
                _ => Some(k.clone()),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| json_path(p, q).map(|rest| join(&i.to_string(), rest))),
        _ => Some(String::new()),
    }
}

/// The values at a dotted path, as compact JSON.
fn json_at(v: &serde_json::Value, path: &str) -> Option<String> {
    let mut at = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        at = match at {
            serde_json::Value::Object(m) => m.get(part)?,
            serde_json::Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at.to_string())
}

/// Where two cells of one column differ: inside a JSON value, the path and the values there.
fn cell_difference(stored: &str, replayed: &str) -> (Option<String>, String, String) {
    let parse = |s: &str| {
        matches!(s.as_bytes().first(), Some(b'{' | b'['))
            .then(|| serde_json::from_str::<serde_json::Value>(s).ok())
            .flatten()
    };
    if let (Some(a), Some(b)) = (parse(stored), parse(replayed))
        && let Some(path) = json_path(&a, &b)
        && !path.is_empty()
    {
        let at = |v: &serde_json::Value| json_at(v, &path).unwrap_or_else(|| "（无）".into());
        return (Some(path.clone()), at(&a), at(&b));
    }
    (None, stored.to_string(), replayed.to_string())
}

/// The first difference between one table as stored and as replayed, by row key.
fn first_difference(stored: &ProjectionTable, replayed: &ProjectionTable) -> Option<Difference> {
    use std::collections::BTreeMap;
    let group = |t: &'_ ProjectionTable| {
        let mut m: BTreeMap<Vec<String>, Vec<Vec<String>>> = BTreeMap::new();
        for row in &t.rows {
            let key = t.key_of(row).into_iter().map(String::from).collect();
            m.entry(key).or_default().push(row.clone());
        }
        m
    };
    let (a, b) = (group(stored), group(replayed));
    let mut keys: Vec<&Vec<String>> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let whole = |t: &ProjectionTable, row: &[String]| {
        t.columns
            .iter()
            .zip(row)
            .map(|(c, v)| format!("{c}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    };
    for key in keys {
        let (x, y) = (
            a.get(key).map(Vec::as_slice).unwrap_or_default(),
            b.get(key).map(Vec::as_slice).unwrap_or_default(),
        );
        if x == y {
            continue;
        }
        if let ([r], [s]) = (x, y)
            && stored.columns == replayed.columns
        {
            let i = (0..r.len()).find(|&i| r[i] != s[i])?;
            let (field, was, is) = cell_difference(&r[i], &s[i]);
            return Some(Difference {
                table: stored.name.clone(),
                row: stored.key_label(r),
                column: Some(stored.columns[i].clone()),
                field,
                stored: Some(was),
                replayed: Some(is),
            });
        }
        if let Some(r) = x.iter().find(|r| !y.contains(r)) {
            return Some(Difference {
                table: stored.name.clone(),
                row: stored.key_label(r),
                column: None,
                field: None,
                stored: Some(whole(stored, r)),
                replayed: None,
            });
        }
        if let Some(s) = y.iter().find(|s| !x.contains(s)) {
            return Some(Difference {
                table: replayed.name.clone(),
                row: replayed.key_label(s),
                column: None,
                field: None,
                stored: None,
                replayed: Some(whole(replayed, s)),
            });
        }
    }
    None
}

/// The event as it was appended, so appending it again seals it the same.
fn as_new(e: &StoredEvent) -> AppResult<NewEvent> {
    let payload = e.typed().map_err(|err| {
        AppError::invalid(format!("事件 {}（第 {} 号）无法解析：{err}", e.id, e.seq))
    })?;
    let recorded_at = DateTime::parse_from_rfc3339(&e.recorded_at)
        .map_err(|err| AppError::invalid(format!("事件 {} 的时间无效：{err}", e.id)))?
        .to_utc();
    let mut new = NewEvent::new(e.actor.clone(), recorded_at, payload);
    new.id = e.id.clone();
    new.subject_id = e.subject_id.clone();
    Ok(new)
}

/// How often the stored projections are read again when events were appended while reading
/// them (a server writing meanwhile), before giving up.
const ATTEMPTS: usize = 5;

/// Replays `source`'s ledger into `fresh`, an empty store, and compares the projections of
/// both. The stored projections are compared as of one head: when the source's head moved
/// while they were read, the new events are replayed too and they are read again.
pub async fn rebuild_projections(source: &dyn Store, fresh: &dyn Store) -> AppResult<ReplayReport> {
    if fresh.head().await?.seq != 0 {
        return Err(AppError::invalid("重放目标不是空库"));
    }
    let mut head = source.head().await?;
    let mut after = 0;
    let mut attempt = 0;
    let stored = loop {
        while after < head.seq {
            let page = source
                .events_after(after, PAGE.min(head.seq - after))
                .await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            let events = page.iter().map(as_new).collect::<AppResult<Vec<_>>>()?;
            fresh.append(events).await?;
        }
        let stored = source.projections().await?;
        let now = source.head().await?;
        if now == head {
            break stored;
        }
        attempt += 1;
        if attempt >= ATTEMPTS {
            return Err(AppError::new(
                ErrorKind::Unavailable,
                "busy",
                "比较投影期间账本一直在写入，请稍后再试",
            ));
        }
        head = now;
    };
    let replayed = fresh.head().await?;
    let rebuilt = fresh.projections().await?;
    let mut differences = Vec::new();
    let mut difference_count = 0;
    let mut first = None;
    for table in &stored {
        let empty = ProjectionTable::new(&table.name, Vec::new(), Vec::new(), Vec::new());
        let other = rebuilt
            .iter()
            .find(|t| t.name == table.name)
            .unwrap_or(&empty);
        let (rows, other_rows) = (table.texts(), other.texts());
        let (a, b): (BTreeSet<&String>, BTreeSet<&String>) =
            (rows.iter().collect(), other_rows.iter().collect());
        for (side, only) in [
            ("仅库中有", a.difference(&b)),
            ("仅重放有", b.difference(&a)),
        ] {
            for row in only {
                difference_count += 1;
                if differences.len() < 20 {
                    differences.push(format!("{}: {side}: {row}", table.name));
                }
            }
        }
        if first.is_none() && a != b {
            first = first_difference(table, other);
        }
    }
    Ok(ReplayReport {
        events: replayed.seq,
        same_chain: replayed.seq == head.seq && replayed.hash == head.hash,
        tables: {
            let mut tables: Vec<(String, usize)> = stored
                .iter()
                .map(|t| (t.name.clone(), t.rows.len()))
                .collect();
            tables.sort();
            tables
        },
        differences,
        difference_count,
        first_difference: first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, rows: &[&[&str]]) -> ProjectionTable {
        ProjectionTable::new(
            name,
            vec!["subject_id".into(), "seq".into(), "data".into()],
            vec![0, 1],
            rows.iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
        )
    }

    #[test]
    fn the_first_difference_names_row_column_and_json_field() {
        let stored = table(
            "t",
            &[
                &["a", "1", r#"{"fine":"0.01","party":{"name":"甲"}}"#],
                &["a", "2", "x"],
            ],
        );
        let replayed = table(
            "t",
            &[
                &["a", "1", r#"{"party":{"name":"甲"},"fine":"0.28"}"#],
                &["a", "2", "x"],
            ],
        );
        let d = first_difference(&stored, &replayed).unwrap();
        assert_eq!(d.row, "subject_id=a, seq=1");
        assert_eq!(d.column.as_deref(), Some("data"));
        assert_eq!(d.field.as_deref(), Some("fine"));
        assert_eq!(
            (d.stored.as_deref(), d.replayed.as_deref()),
            (Some("\"0.01\""), Some("\"0.28\""))
        );
        assert_eq!(
            d.to_string(),
            "表 t 的行 subject_id=a, seq=1，列 data 中的 fine：库中为 \"0.01\"，账本重放为 \"0.28\""
        );
        // Nested values are named by their path; rows only on one side are named as such.
        let nested = table("t", &[&["a", "1", r#"{"party":{"name":"乙"}}"#]]);
        let d = first_difference(
            &nested,
            &table("t", &[&["a", "1", r#"{"party":{"name":"甲"}}"#]]),
        )
        .unwrap();
        assert_eq!(d.field.as_deref(), Some("party.name"));
        let d = first_difference(&nested, &table("t", &[])).unwrap();
        assert_eq!(
            d.to_string(),
            "表 t 中有行 subject_id=a, seq=1，账本重放没有这一行"
        );
        let d = first_difference(&table("t", &[]), &nested).unwrap();
        assert_eq!(
            d.to_string(),
            "表 t 中缺少行 subject_id=a, seq=1，账本重放有这一行"
        );
        assert_eq!(first_difference(&nested, &nested.clone()), None);
    }
}
