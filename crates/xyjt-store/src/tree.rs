//! The Merkle tree over the ledger (RFC 6962) and the signed checkpoints kept of it.
//!
//! `ledger_tree` holds every complete subtree: node `(level, idx)` covers leaves
//! `[idx·2^level, (idx+1)·2^level)`; leaf `i` is event `seq = i + 1`, its hash
//! `SHA-256(0x00 ‖ event text)` (the text `event_hash` hashes). An append pushes each new
//! leaf onto the tree's frontier (the roots of its perfect subtrees, one per set bit of the
//! size) and inserts the subtrees it completes, in the append's transaction: about two rows
//! per event, no recomputation. Any root, inclusion proof or consistency proof at any size is
//! then a handful of complete subtrees folded together (`xyjt_verify::merkle`).

use crate::codec::{Arg, EVENT_COLUMNS, event_from_row, insert_rows};
use crate::connection::SqlStore;
use crate::{Context, StoreError};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use xyjt_core::ledger::StoredEvent;
use xyjt_verify::merkle::{
    self, Frontier, NodeId, consistency_ranges, inclusion_ranges, nodes_for, proof_from,
};
use xyjt_verify::{Hash, hash_from_hex, to_hex};

/// How many events catching the tree up reads per query.
const CATCH_UP_PAGE: i64 = 5_000;

/// An event's leaf hash.
pub fn leaf_of(event: &StoredEvent) -> Hash {
    merkle::leaf_hash(event.canonical_text().as_bytes())
}

/// How many leaves the stored tree has.
pub(crate) async fn tree_size(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT MAX(idx) FROM ledger_tree WHERE level = 0")
        .fetch_one(conn)
        .await
        .context("读取默克尔树大小")?;
    let max: Option<i64> = row.try_get(0).context("默克尔树大小")?;
    Ok(max.map_or(0, |m| m as u64 + 1))
}

/// The stored hashes of these complete subtrees (missing ones are absent from the map).
pub(crate) async fn load_nodes(
    conn: &mut AnyConnection,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        let clauses: Vec<String> = (0..chunk.len())
            .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "SELECT level, idx, hash FROM ledger_tree WHERE {}",
            clauses.join(" OR ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(i64::from(id.level)).bind(id.index as i64);
        }
        for row in q.fetch_all(&mut *conn).await.context("读取默克尔树节点")? {
            let level: i64 = row.try_get(0).context("节点 level")?;
            let idx: i64 = row.try_get(1).context("节点 idx")?;
            let hash: String = row.try_get(2).context("节点 hash")?;
            let hash = hash_from_hex(&hash).ok_or_else(|| {
                StoreError::Corrupt(format!("默克尔树节点 ({level}, {idx}) 的哈希“{hash}”"))
            })?;
            out.insert(
                NodeId {
                    level: level as u32,
                    index: idx as u64,
                },
                hash,
            );
        }
    }
    Ok(out)
}

async fn insert_nodes(
    conn: &mut AnyConnection,
    nodes: Vec<(NodeId, Hash)>,
) -> Result<(), StoreError> {
    let rows = nodes
        .into_iter()
        .map(|(id, h)| {
            vec![
                Arg::Int(i64::from(id.level)),
                Arg::Int(id.index as i64),
                Arg::Text(to_hex(&h)),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "ledger_tree (level, idx, hash)",
        rows,
        "默克尔树节点",
        "",
    )
    .await
}

/// The stored tree's frontier, brought up to `head_seq` from the events when it is behind
/// (a database from before the tree, or events written by an older build).
pub(crate) async fn frontier(
    conn: &mut AnyConnection,
    head_seq: i64,
) -> Result<Frontier, StoreError> {
    let size = tree_size(conn).await?;
    let ids = Frontier::node_ids(size);
    let nodes = load_nodes(conn, &ids).await?;
    let hashes: Option<Vec<Hash>> = ids.iter().map(|id| nodes.get(id).copied()).collect();
    let mut frontier = hashes
        .and_then(|h| Frontier::from_nodes(size, h))
        .ok_or_else(|| StoreError::Corrupt(format!("默克尔树在大小 {size} 处缺少边缘节点")))?;
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
    );
    while (frontier.size() as i64) < head_seq {
        let rows = sqlx::query(&sql)
            .bind(frontier.size() as i64)
            .bind(head_seq)
            .bind(CATCH_UP_PAGE)
            .fetch_all(&mut *conn)
            .await
            .context("为默克尔树读取既有事件")?;
        if rows.is_empty() {
            return Err(StoreError::Corrupt(format!(
                "默克尔树补建时第 {} 号事件缺失",
                frontier.size() + 1
            )));
        }
        let mut made = Vec::with_capacity(rows.len() * 2);
        for row in &rows {
            let (event, _) = event_from_row(row)?;
            if event.seq != frontier.size() as i64 + 1 {
                return Err(StoreError::Corrupt(format!(
                    "默克尔树补建时应读到第 {} 号事件，读到第 {} 号",
                    frontier.size() + 1,
                    event.seq
                )));
            }
            made.extend(frontier.push(leaf_of(&event)));
        }
        insert_nodes(conn, made).await?;
    }
    Ok(frontier)
}

/// Pushes sealed events onto the frontier and stores the subtrees they complete.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    frontier: &mut Frontier,
    events: &[StoredEvent],
) -> Result<(), StoreError> {
    let mut made = Vec::with_capacity(events.len() * 2);
    for event in events {
        debug_assert_eq!(event.seq, frontier.size() as i64 + 1);
        made.extend(frontier.push(leaf_of(event)));
    }
    insert_nodes(conn, made).await
}

/// Why a proof or a root cannot be given.
fn out_of_range(what: &str, size: u64, tree: u64) -> StoreError {
    StoreError::NotFound(format!(
        "{what}：请求的树大小 {size} 超过账本默克尔树的大小 {tree}"
    ))
}

async fn with_nodes(
    store: &SqlStore,
    ranges: &[(u64, u64)],
    max_size: u64,
    what: &str,
) -> Result<Vec<Hash>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    let size = tree_size(&mut conn).await?;
    if max_size > size {
        return Err(out_of_range(what, max_size, size));
    }
    let nodes = load_nodes(&mut conn, &nodes_for(ranges)).await?;
    proof_from(ranges, &mut |id| nodes.get(&id).copied())
        .ok_or_else(|| StoreError::Corrupt(format!("{what}：默克尔树缺少节点")))
}

/// The stored tree's size.
pub(crate) async fn size(store: &SqlStore) -> Result<u64, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    tree_size(&mut conn).await
}

/// The root of the first `size` events.
pub(crate) async fn root(store: &SqlStore, size: u64) -> Result<Hash, StoreError> {
    if size == 0 {
        return Ok(merkle::empty_root());
    }
    Ok(with_nodes(store, &[(0, size)], size, "根哈希").await?[0])
}

/// The inclusion proof of event `seq` in the tree of `size` events.
pub(crate) async fn inclusion(
    store: &SqlStore,
    seq: u64,
    size: u64,
) -> Result<Vec<Hash>, StoreError> {
    if seq == 0 || seq > size {
        return Err(StoreError::NotFound(format!(
            "包含证明：第 {seq} 号事件不在大小为 {size} 的树内"
        )));
    }
    with_nodes(store, &inclusion_ranges(seq - 1, size), size, "包含证明").await
}

/// The consistency proof from the tree of `from` events to the tree of `to` events.
pub(crate) async fn consistency(
    store: &SqlStore,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, StoreError> {
    if from > to {
        return Err(StoreError::NotFound(format!(
            "一致性证明：前一大小 {from} 大于后一大小 {to}"
        )));
    }
    with_nodes(store, &consistency_ranges(from, to), to, "一致性证明").await
}

/// Roots recomputed from the stored events themselves (not from `ledger_tree`), at each of
/// `sizes` (ascending or not) up to `upto` events. What `xyjt verify` compares the stored
/// tree and a signed checkpoint against.
pub(crate) async fn roots_from_events(
    store: &SqlStore,
    sizes: &[u64],
) -> Result<Vec<Option<Hash>>, StoreError> {
    let upto = sizes.iter().copied().max().unwrap_or(0);
    let mut want: HashMap<u64, Hash> = HashMap::new();
    let mut frontier = Frontier::default();
    if sizes.contains(&0) {
        want.insert(0, frontier.root());
    }
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
    );
    'walk: while frontier.size() < upto {
        let rows = sqlx::query(&sql)
            .bind(frontier.size() as i64)
            .bind(upto as i64)
            .bind(CATCH_UP_PAGE)
            .fetch_all(&store.pool)
            .await
            .context("读取账本事件")?;
        for row in &rows {
            let (event, _) = event_from_row(row)?;
            if event.seq != frontier.size() as i64 + 1 {
                break 'walk;
            }
            frontier.push(leaf_of(&event));
            if sizes.contains(&frontier.size()) {
                want.insert(frontier.size(), frontier.root());
            }
        }
        if (rows.len() as i64) < CATCH_UP_PAGE {
            break;
        }
    }
    Ok(sizes.iter().map(|s| want.get(s).copied()).collect())
}

/// A signed checkpoint as kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredCheckpoint {
    pub id: String,
    pub size: u64,
    /// Lower-case hex of the root.
    pub root: String,
    pub key_name: String,
    /// The signed-note key hash, 8 hex digits.
    pub key_hash: String,
    pub signed_at: String,
    /// The whole signed note.
    pub note: String,
}

pub(crate) async fn record_checkpoint(
    store: &SqlStore,
    cp: &StoredCheckpoint,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ledger_checkpoints (id, size, root, key_name, key_hash, signed_at, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&cp.id)
    .bind(cp.size as i64)
    .bind(&cp.root)
    .bind(&cp.key_name)
    .bind(&cp.key_hash)
    .bind(&cp.signed_at)
    .bind(&cp.note)
    .execute(&store.primary)
    .await
    .context("记录检查点")?;
    Ok(())
}

/// Checkpoints, newest first (by size, then signing time), at most `limit`.
pub(crate) async fn checkpoints(
    store: &SqlStore,
    limit: i64,
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, size, root, key_name, key_hash, signed_at, note FROM ledger_checkpoints \
         ORDER BY size DESC, signed_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&store.pool)
    .await
    .context("读取检查点")?;
    rows.iter()
        .map(|r| {
            Ok(StoredCheckpoint {
                id: r.try_get(0).context("检查点 id")?,
                size: r.try_get::<i64, _>(1).context("检查点 size")? as u64,
                root: r.try_get(2).context("检查点 root")?,
                key_name: r.try_get(3).context("检查点 key_name")?,
                key_hash: r.try_get(4).context("检查点 key_hash")?,
                signed_at: r.try_get(5).context("检查点 signed_at")?,
                note: r.try_get(6).context("检查点 note")?,
            })
        })
        .collect()
}

/// Keeps an issued credit report (its JSON) by number.
pub(crate) async fn record_report(
    store: &SqlStore,
    number: &str,
    subject_id: &str,
    issued_at: &str,
    report: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credit_reports (number, subject_id, issued_at, report) VALUES ($1, $2, $3, $4)",
    )
    .bind(number)
    .bind(subject_id)
    .bind(issued_at)
    .bind(report)
    .execute(&store.primary)
    .await
    .map_err(|e| crate::codec::insert_error(e, "信用报告", number, "记录信用报告"))?;
    Ok(())
}

/// An issued credit report's JSON, by number.
pub(crate) async fn report(store: &SqlStore, number: &str) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT report FROM credit_reports WHERE number = $1")
        .bind(number)
        .fetch_optional(&store.pool)
        .await
        .context("读取信用报告")?;
    row.map(|r| r.try_get(0).context("信用报告 report"))
        .transpose()
}
