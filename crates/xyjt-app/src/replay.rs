//! The ledger is the truth: replaying every event into empty projections must give exactly the
//! projections the database holds. `rebuild_projections` proves it (or names what differs).

use crate::{AppError, AppResult};
use chrono::DateTime;
use serde::Serialize;
use xyjt_core::ledger::{NewEvent, StoredEvent};
use xyjt_store::Store;

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
}

impl ReplayReport {
    pub fn equal(&self) -> bool {
        self.same_chain && self.difference_count == 0
    }
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

/// Replays `source`'s ledger (as of its head now) into `fresh`, an empty store, and compares
/// the projections of both.
pub async fn rebuild_projections(source: &dyn Store, fresh: &dyn Store) -> AppResult<ReplayReport> {
    if fresh.head().await?.seq != 0 {
        return Err(AppError::invalid("重放目标不是空库"));
    }
    let head = source.head().await?;
    let mut after = 0;
    while after < head.seq {
        let page = source
            .events_after(after, PAGE.min(head.seq - after))
            .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let events = page.iter().map(as_new).collect::<AppResult<Vec<_>>>()?;
        fresh.append(events).await?;
    }
    let replayed = fresh.head().await?;
    let stored = source.projection_rows().await?;
    let rebuilt = fresh.projection_rows().await?;
    let mut differences = Vec::new();
    let mut difference_count = 0;
    for (table, rows) in &stored {
        let empty = Vec::new();
        let other = rebuilt.get(table).unwrap_or(&empty);
        let (a, b): (
            std::collections::BTreeSet<&String>,
            std::collections::BTreeSet<&String>,
        ) = (rows.iter().collect(), other.iter().collect());
        for (side, only) in [
            ("仅库中有", a.difference(&b)),
            ("仅重放有", b.difference(&a)),
        ] {
            for row in only {
                difference_count += 1;
                if differences.len() < 20 {
                    differences.push(format!("{table}: {side}: {row}"));
                }
            }
        }
    }
    Ok(ReplayReport {
        events: replayed.seq,
        same_chain: replayed.seq == head.seq && replayed.hash == head.hash,
        tables: stored.iter().map(|(t, r)| (t.clone(), r.len())).collect(),
        differences,
        difference_count,
    })
}
