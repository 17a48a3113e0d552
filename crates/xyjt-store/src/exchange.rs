//! The exchange's storage: applying a received fact in one transaction (idempotent by origin
//! node and origin sequence, in order per origin), the relay's cursor, the per-peer
//! bookkeeping and the dead-letter view.

use crate::connection::SqlStore;
use crate::ledger::{SqlTx, begin_sql};
use crate::{Backend, Context, StoreError};
use async_trait::async_trait;
use chrono::Utc;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use xyjt_core::exchange::{
    Direction, Envelope, ExchangePolicy, Origin, fact_subject, related_kinds,
    stands_without_subject, with_subject,
};
use xyjt_core::ident::check;
use xyjt_core::ledger::{EventPayload, NewEvent, PriorFact, format_timestamp};

/// What became of one received message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Received {
    /// Applied as a ledger event of this node (`seq`).
    Applied { seq: i64 },
    /// Not for this node (policy), or nothing to do; seen.
    Skipped,
    /// Seen before (a redelivery or a republish): nothing done, not a failure.
    Duplicate,
    /// The origin's previous fact (`prev`) has not been seen here; the last seen is `seen`.
    Gap { seen: i64, prev: i64 },
}

/// One peer node as this node sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerRow {
    pub node: String,
    /// The peer's latest fact seen here (origin sequence).
    pub seen_seq: i64,
    pub applied: i64,
    pub skipped: i64,
    pub duplicates: i64,
    /// A gap after this sequence is waiting for the peer's republish.
    pub gap_from: Option<i64>,
    /// The latest of this node's facts the peer acknowledged.
    pub acked_seq: i64,
    pub updated_at: String,
}

/// A message that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    pub origin_node: String,
    pub origin_seq: i64,
    pub event_id: String,
    pub kind: String,
    pub reason: String,
    pub deliveries: i64,
    pub at: String,
}

/// Received facts per origin, as the ledger's projection counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginCount {
    pub origin_node: String,
    pub facts: i64,
    pub applied: i64,
    pub last_seq: i64,
}

#[async_trait]
pub trait ExchangeStore: Send + Sync {
    /// A bookkeeping value (`relay_seq`, `relay_prev`, `node`).
    async fn exchange_value(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_exchange_value(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Applies one received fact, in one transaction with its bookkeeping: a fact seen before
    /// is a duplicate, one whose predecessor was not seen is a gap, one the policy does not
    /// route here is skipped.
    async fn exchange_receive(
        &self,
        envelope: &Envelope,
        policy: &ExchangePolicy,
        direction: Direction,
    ) -> Result<Received, StoreError>;

    /// Applies several received facts in one transaction (all or none: on an error the caller
    /// applies them one by one to find the one that fails).
    async fn exchange_receive_batch(
        &self,
        facts: &[(Envelope, Direction)],
        policy: &ExchangePolicy,
    ) -> Result<Vec<Received>, StoreError>;

    /// Puts a message that failed `deliveries` times in the dead-letter view and moves past it.
    async fn exchange_dead_letter(
        &self,
        envelope: &Envelope,
        reason: &str,
        deliveries: i64,
    ) -> Result<(), StoreError>;

    /// Records that `peer` acknowledged this node's facts up to `upto`.
    async fn exchange_acked(&self, peer: &str, upto: i64) -> Result<(), StoreError>;

    async fn exchange_peers(&self) -> Result<Vec<PeerRow>, StoreError>;
    async fn exchange_dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError>;
    async fn exchange_origin_counts(&self) -> Result<Vec<OriginCount>, StoreError>;

    /// The origin of every received aggregate of the given kind (list entries: the checks cite
    /// it): aggregate id → origin (`SF#123`).
    async fn exchange_origins(&self, kind: &str) -> Result<Vec<(String, String)>, StoreError>;

    /// Re-applies a fact fetched from its origin by reconcile, whatever this node's `seen_seq`:
    /// a fact missing here is applied (or marked seen when not routed here), one skipped before
    /// is applied if it is routed here now, one already here only has its bookkeeping checked.
    async fn exchange_repair(
        &self,
        envelope: &Envelope,
        policy: &ExchangePolicy,
        direction: Direction,
    ) -> Result<Repaired, StoreError>;

    /// The fact `origin#seq` as this node's ledger received it: (origin hash, this node's seq).
    async fn exchange_received_fact(
        &self,
        origin: &str,
        seq: i64,
    ) -> Result<Option<(String, i64)>, StoreError>;

    /// The facts of `origin` seen here with origin sequence in (after, upto]: (seq, origin hash),
    /// in order (the receiver's side of reconcile's Merkle roots).
    async fn exchange_seen_leaves(
        &self,
        origin: &str,
        after: i64,
        upto: i64,
    ) -> Result<Vec<(i64, String)>, StoreError>;

    /// This node's own events of these kinds in (after, upto]: (seq, hash), in order (the
    /// origin's side of reconcile's Merkle roots).
    async fn local_leaves(
        &self,
        kinds: &[&str],
        after: i64,
        upto: i64,
    ) -> Result<Vec<(i64, String)>, StoreError>;

    /// How many events of these kinds, not received from elsewhere, lie in (after, upto].
    async fn count_local_kinds(
        &self,
        kinds: &[&str],
        after: i64,
        upto: i64,
    ) -> Result<i64, StoreError>;
}

async fn peer(conn: &mut AnyConnection, node: &str) -> Result<PeerRow, StoreError> {
    let row = sqlx::query(
        "SELECT node, seen_seq, applied, skipped, duplicates, gap_from, acked_seq, updated_at \
         FROM exchange_peers WHERE node = $1",
    )
    .bind(node)
    .fetch_optional(&mut *conn)
    .await
    .context("读取交换节点")?;
    match row {
        Some(r) => peer_from(&r),
        None => {
            let now = format_timestamp(Utc::now());
            sqlx::query(
                "INSERT INTO exchange_peers (node, seen_seq, applied, skipped, duplicates, \
                 acked_seq, updated_at) VALUES ($1, 0, 0, 0, 0, 0, $2)",
            )
            .bind(node)
            .bind(&now)
            .execute(&mut *conn)
            .await
            .context("登记交换节点")?;
            Ok(PeerRow {
                node: node.to_string(),
                seen_seq: 0,
                applied: 0,
                skipped: 0,
                duplicates: 0,
                gap_from: None,
                acked_seq: 0,
                updated_at: now,
            })
        }
    }
}

fn peer_from(r: &sqlx::any::AnyRow) -> Result<PeerRow, StoreError> {
    Ok(PeerRow {
        node: r.try_get(0).context("node")?,
        seen_seq: r.try_get(1).context("seen_seq")?,
        applied: r.try_get(2).context("applied")?,
        skipped: r.try_get(3).context("skipped")?,
        duplicates: r.try_get(4).context("duplicates")?,
        gap_from: r.try_get(5).context("gap_from")?,
        acked_seq: r.try_get(6).context("acked_seq")?,
        updated_at: r.try_get(7).context("updated_at")?,
    })
}

/// Moves a peer's inbound bookkeeping: `column` counts one more, `seen` (if any) is the new
/// latest seen, a gap is set or cleared.
async fn bump(
    conn: &mut AnyConnection,
    node: &str,
    column: &str,
    seen: Option<i64>,
    gap_from: Option<i64>,
) -> Result<(), StoreError> {
    let sql = format!(
        "UPDATE exchange_peers SET {column} = {column} + 1, seen_seq = COALESCE($1, seen_seq), \
         gap_from = $2, updated_at = $3 WHERE node = $4"
    );
    sqlx::query(&sql)
        .bind(seen)
        .bind(gap_from)
        .bind(format_timestamp(Utc::now()))
        .bind(node)
        .execute(&mut *conn)
        .await
        .context("更新交换节点")?;
    Ok(())
}

async fn exists(conn: &mut AnyConnection, sql: &str, id: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .context("查找交换的对象")?
        .is_some())
}

/// The subject this node knows as the origin's `origin_subject`: the same id, or mapped.
async fn local_subject(
    conn: &mut AnyConnection,
    origin_subject: &str,
) -> Result<Option<String>, StoreError> {
    if exists(conn, "SELECT 1 FROM subjects WHERE id = $1", origin_subject).await? {
        return Ok(Some(origin_subject.to_string()));
    }
    let row = sqlx::query("SELECT subject_id FROM exchange_subjects WHERE origin_subject_id = $1")
        .bind(origin_subject)
        .fetch_optional(&mut *conn)
        .await
        .context("读取交换主体对应")?;
    row.map(|r| r.try_get::<String, _>(0).context("subject_id"))
        .transpose()
}

/// Whether this node holds the aggregate the event extends.
async fn held(
    conn: &mut AnyConnection,
    kind: &str,
    aggregate: &str,
    payload: &EventPayload,
) -> Result<bool, StoreError> {
    let (sql, id) = if kind.starts_with("subject_") {
        return Ok(local_subject(conn, aggregate).await?.is_some());
    } else if kind.starts_with("record_") {
        ("SELECT 1 FROM records WHERE id = $1", aggregate)
    } else if kind.starts_with("list_entry_") {
        ("SELECT 1 FROM list_entries WHERE id = $1", aggregate)
    } else if kind.starts_with("case_") {
        ("SELECT 1 FROM joint_cases WHERE id = $1", aggregate)
    } else if let EventPayload::EvalResultRevised { result, .. } = payload {
        // A re-scored result extends its run.
        (
            "SELECT 1 FROM eval_runs WHERE id = $1",
            result.run_id.as_str(),
        )
    } else if kind.starts_with("eval_run_") {
        ("SELECT 1 FROM eval_runs WHERE id = $1", aggregate)
    } else if kind.starts_with("integrity_") || kind.starts_with("tolerance_") {
        ("SELECT 1 FROM integrity_records WHERE id = $1", aggregate)
    } else {
        return Ok(false);
    };
    exists(conn, sql, id).await
}

/// The fact with the origin's subject mapped to this node's (see `exchange_receive`); a fact
/// whose subject never arrived here fails, unless it may stand on its code and name.
async fn map_subject(
    conn: &mut AnyConnection,
    node: &str,
    payload: EventPayload,
) -> Result<EventPayload, StoreError> {
    let Some(sid) = fact_subject(&payload).map(str::to_string) else {
        return Ok(payload);
    };
    let mut local = local_subject(conn, &sid).await?;
    if let (None, EventPayload::ListEntryProposed { entry, .. }) = (&local, &payload)
        && let Some(Ok(code)) = entry.code.as_deref().map(|c| check(c).result)
    {
        local = crate::projection::subject_by_code(conn, &code)
            .await?
            .map(|s| s.id);
    }
    if local.is_none() && !stands_without_subject(&payload) {
        return Err(StoreError::NotFound(format!(
            "来自 {node} 的{}所属主体 {sid}（本节点未收到其登记）",
            match payload {
                EventPayload::RecordPublished { .. } => "记录",
                EventPayload::IntegrityRecorded { .. } => "政务诚信记录",
                _ => "评价结果",
            }
        )));
    }
    Ok(with_subject(payload, local))
}

/// The origin's earlier events a fact's message carries (`Envelope::related`), checked (hash,
/// aggregate, order, kind) and mapped: the facts applied just before it.
async fn prior_facts(
    conn: &mut AnyConnection,
    envelope: &Envelope,
) -> Result<Vec<PriorFact>, StoreError> {
    let event = &envelope.event;
    let node = &envelope.node;
    let wanted = related_kinds(&event.kind);
    let mut out = Vec::with_capacity(envelope.related.len());
    for r in &envelope.related {
        if r.computed_hash() != r.hash {
            return Err(StoreError::Corrupt(format!(
                "来自 {node} 的事实 #{} 所附事件 #{} 的哈希与内容不符",
                event.seq, r.seq
            )));
        }
        if r.aggregate_id != event.aggregate_id
            || r.seq >= event.seq
            || !wanted.contains(&r.kind.as_str())
        {
            return Err(StoreError::Corrupt(format!(
                "来自 {node} 的事实 #{} 所附事件 #{}（{}）不属于它",
                event.seq, r.seq, r.kind
            )));
        }
        let payload = r
            .typed()
            .map_err(|e| StoreError::Corrupt(format!("来自 {node} 的事件 #{}：{e}", r.seq)))?;
        out.push(PriorFact {
            seq: r.seq,
            hash: r.hash.clone(),
            fact: map_subject(conn, node, payload).await?,
        });
    }
    out.sort_by_key(|p| p.seq);
    Ok(out)
}

/// Applies one received fact inside `tx` (see `ExchangeStore::exchange_receive`).
async fn receive_in(
    tx: &mut SqlTx,
    envelope: &Envelope,
    policy: &ExchangePolicy,
    direction: Direction,
) -> Result<Received, StoreError> {
    let event = &envelope.event;
    let node = &envelope.node;
    if event.computed_hash() != event.hash {
        return Err(StoreError::Corrupt(format!(
            "来自 {node} 的事实 #{} 的哈希与内容不符",
            event.seq
        )));
    }
    let p = peer(tx.conn(), node).await?;
    if event.seq <= p.seen_seq
        || sqlx::query("SELECT 1 FROM exchange_received WHERE origin_node = $1 AND origin_seq = $2")
            .bind(node)
            .bind(event.seq)
            .fetch_optional(tx.conn())
            .await
            .context("查找已收到的事实")?
            .is_some()
    {
        bump(tx.conn(), node, "duplicates", None, p.gap_from).await?;
        return Ok(Received::Duplicate);
    }
    if envelope.prev != p.seen_seq {
        let gap = Received::Gap {
            seen: p.seen_seq,
            prev: envelope.prev,
        };
        sqlx::query("UPDATE exchange_peers SET gap_from = $1 WHERE node = $2")
            .bind(p.seen_seq)
            .bind(node)
            .execute(tx.conn())
            .await
            .context("记录交换缺口")?;
        return Ok(gap);
    }
    let payload = event
        .typed()
        .map_err(|e| StoreError::Corrupt(format!("来自 {node} 的事实 #{}：{e}", event.seq)))?;
    let outcome = apply_fact(tx, envelope, payload, policy, direction).await?;
    match outcome {
        Some(seq) => {
            bump(tx.conn(), node, "applied", Some(event.seq), None).await?;
            Ok(Received::Applied { seq })
        }
        None => {
            bump(tx.conn(), node, "skipped", Some(event.seq), None).await?;
            Ok(Received::Skipped)
        }
    }
}

/// Records that a fact of `node` was seen here (`applied`, `skipped`, `dead_letter`), with
/// the origin's hash: what reconcile's Merkle roots are computed over.
async fn mark_seen(
    conn: &mut AnyConnection,
    node: &str,
    seq: i64,
    hash: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO exchange_seen (origin_node, origin_seq, origin_hash, outcome) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (origin_node, origin_seq) DO UPDATE \
         SET origin_hash = excluded.origin_hash, outcome = excluded.outcome",
    )
    .bind(node)
    .bind(seq)
    .bind(hash)
    .bind(outcome)
    .execute(conn)
    .await
    .context("记录已见的交换事实")?;
    Ok(())
}

/// Applies a checked fact if the policy routes it here (`Some(this node's seq)`), or skips it
/// (`None`); either way it is marked seen. The peer's counters are the caller's.
async fn apply_fact(
    tx: &mut SqlTx,
    envelope: &Envelope,
    payload: EventPayload,
    policy: &ExchangePolicy,
    direction: Direction,
) -> Result<Option<i64>, StoreError> {
    let event = &envelope.event;
    let node = &envelope.node;
    let is_held = held(tx.conn(), &event.kind, &event.aggregate_id, &payload).await?;
    if !policy.applies(direction, &event.kind, is_held) {
        mark_seen(tx.conn(), node, event.seq, &event.hash, "skipped").await?;
        return Ok(None);
    }
    let mut origin = Origin::of(node, event);
    let prior = prior_facts(tx.conn(), envelope).await?;
    let fact = match payload {
        EventPayload::SubjectRegistered { subject } => {
            let mut same = None;
            for code in subject.codes() {
                if let Some(s) = crate::projection::subject_by_code(tx.conn(), &code).await? {
                    same = Some(s.id);
                    break;
                }
            }
            match same {
                Some(local) => {
                    origin.same_subject = Some(local);
                    None
                }
                None => Some(EventPayload::SubjectRegistered { subject }),
            }
        }
        other => Some(map_subject(tx.conn(), node, other).await?),
    };
    let stored = tx
        .append_sealed(vec![NewEvent::new(
            format!("exchange:{node}"),
            Utc::now(),
            EventPayload::ExchangeReceived {
                origin,
                fact: fact.map(Box::new),
                prior,
            },
        )])
        .await?;
    mark_seen(tx.conn(), node, event.seq, &event.hash, "applied").await?;
    Ok(Some(stored[0].seq))
}

/// What repairing one fact found (`ExchangeStore::exchange_repair`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Repaired {
    /// Missing here (or skipped before and routed here now): applied as this node's `seq`.
    Applied { seq: i64 },
    /// Missing here and not for this node: now marked seen.
    Skipped,
    /// Already here as the origin has it (the bookkeeping row restored if it was wrong).
    Agreed,
    /// This node's ledger holds the fact under another hash than the origin's: not repaired
    /// automatically (one of the two ledgers is not what it was).
    Conflict { reason: String },
}

async fn repair_in(
    tx: &mut SqlTx,
    envelope: &Envelope,
    policy: &ExchangePolicy,
    direction: Direction,
) -> Result<Repaired, StoreError> {
    let event = &envelope.event;
    let node = &envelope.node;
    if event.computed_hash() != event.hash {
        return Err(StoreError::Corrupt(format!(
            "来自 {node} 的事实 #{} 的哈希与内容不符",
            event.seq
        )));
    }
    let p = peer(tx.conn(), node).await?;
    let in_ledger = sqlx::query(
        "SELECT origin_hash FROM exchange_received WHERE origin_node = $1 AND origin_seq = $2",
    )
    .bind(node)
    .bind(event.seq)
    .fetch_optional(tx.conn())
    .await
    .context("查找已收到的事实")?;
    if let Some(row) = in_ledger {
        let hash: String = row.try_get(0).context("origin_hash")?;
        if hash != event.hash {
            return Ok(Repaired::Conflict {
                reason: format!(
                    "本节点账本中 {node}#{} 的来源哈希 {hash} 与来源节点的 {} 不同",
                    event.seq, event.hash
                ),
            });
        }
        mark_seen(tx.conn(), node, event.seq, &event.hash, "applied").await?;
        return Ok(Repaired::Agreed);
    }
    let seen = sqlx::query(
        "SELECT origin_hash, outcome FROM exchange_seen WHERE origin_node = $1 AND origin_seq = $2",
    )
    .bind(node)
    .bind(event.seq)
    .fetch_optional(tx.conn())
    .await
    .context("查找已见的事实")?;
    let seen: Option<(String, String)> = match seen {
        Some(r) => Some((
            r.try_get(0).context("origin_hash")?,
            r.try_get(1).context("outcome")?,
        )),
        None => None,
    };
    if let Some((hash, outcome)) = &seen
        && *hash == event.hash
        && outcome == "dead_letter"
    {
        // In the dead-letter view with its reason: for a person to look at, not re-applied.
        return Ok(Repaired::Agreed);
    }
    let payload = event
        .typed()
        .map_err(|e| StoreError::Corrupt(format!("来自 {node} 的事实 #{}：{e}", event.seq)))?;
    let was_skipped = seen
        .as_ref()
        .is_some_and(|(h, o)| *h == event.hash && o == "skipped");
    match apply_fact(tx, envelope, payload, policy, direction).await? {
        Some(seq) => {
            bump(tx.conn(), node, "applied", None, p.gap_from).await?;
            Ok(Repaired::Applied { seq })
        }
        None if was_skipped => Ok(Repaired::Agreed),
        None => {
            bump(tx.conn(), node, "skipped", None, p.gap_from).await?;
            Ok(Repaired::Skipped)
        }
    }
}

#[async_trait]
impl ExchangeStore for SqlStore {
    async fn exchange_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM exchange_state WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .context("读取交换状态")?;
        row.map(|r| r.try_get::<String, _>(0).context("value"))
            .transpose()
    }

    async fn set_exchange_value(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let sql = match self.backend {
            Backend::Sqlite | Backend::Postgres => {
                "INSERT INTO exchange_state (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            }
        };
        sqlx::query(sql)
            .bind(key)
            .bind(value)
            .execute(&self.primary)
            .await
            .context("写入交换状态")?;
        Ok(())
    }

    async fn exchange_receive(
        &self,
        envelope: &Envelope,
        policy: &ExchangePolicy,
        direction: Direction,
    ) -> Result<Received, StoreError> {
        let mut tx = begin_sql(self).await?;
        let received = receive_in(&mut tx, envelope, policy, direction).await?;
        tx.commit_sql().await?;
        Ok(received)
    }

    async fn exchange_receive_batch(
        &self,
        facts: &[(Envelope, Direction)],
        policy: &ExchangePolicy,
    ) -> Result<Vec<Received>, StoreError> {
        let mut tx = begin_sql(self).await?;
        let mut out = Vec::with_capacity(facts.len());
        for (envelope, direction) in facts {
            out.push(receive_in(&mut tx, envelope, policy, *direction).await?);
        }
        tx.commit_sql().await?;
        Ok(out)
    }

    async fn exchange_dead_letter(
        &self,
        envelope: &Envelope,
        reason: &str,
        deliveries: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_sql(self).await?;
        let node = &envelope.node;
        let p = peer(tx.conn(), node).await?;
        if envelope.event.seq > p.seen_seq {
            sqlx::query(
                "INSERT INTO exchange_dead_letters (origin_node, origin_seq, event_id, kind, \
                 reason, deliveries, envelope, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(node)
            .bind(envelope.event.seq)
            .bind(&envelope.event.id)
            .bind(&envelope.event.kind)
            .bind(reason)
            .bind(deliveries)
            .bind(serde_json::to_string(envelope).expect("envelopes serialise"))
            .bind(format_timestamp(Utc::now()))
            .execute(tx.conn())
            .await
            .context("写入死信")?;
            mark_seen(
                tx.conn(),
                node,
                envelope.event.seq,
                &envelope.event.hash,
                "dead_letter",
            )
            .await?;
            sqlx::query(
                "UPDATE exchange_peers SET seen_seq = $1, gap_from = NULL, updated_at = $2 \
                 WHERE node = $3",
            )
            .bind(envelope.event.seq)
            .bind(format_timestamp(Utc::now()))
            .bind(node)
            .execute(tx.conn())
            .await
            .context("更新交换节点")?;
        }
        tx.commit_sql().await
    }

    async fn exchange_acked(&self, peer_node: &str, upto: i64) -> Result<(), StoreError> {
        let mut tx = begin_sql(self).await?;
        peer(tx.conn(), peer_node).await?;
        sqlx::query(
            "UPDATE exchange_peers SET acked_seq = $1, updated_at = $2 \
             WHERE node = $3 AND acked_seq < $1",
        )
        .bind(upto)
        .bind(format_timestamp(Utc::now()))
        .bind(peer_node)
        .execute(tx.conn())
        .await
        .context("记录交换确认")?;
        tx.commit_sql().await
    }

    async fn exchange_peers(&self) -> Result<Vec<PeerRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT node, seen_seq, applied, skipped, duplicates, gap_from, acked_seq, \
             updated_at FROM exchange_peers ORDER BY node",
        )
        .fetch_all(&self.pool)
        .await
        .context("读取交换节点")?;
        rows.iter().map(peer_from).collect()
    }

    async fn exchange_dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        let rows = sqlx::query(
            "SELECT origin_node, origin_seq, event_id, kind, reason, deliveries, at \
             FROM exchange_dead_letters ORDER BY at, origin_node, origin_seq",
        )
        .fetch_all(&self.pool)
        .await
        .context("读取死信")?;
        rows.iter()
            .map(|r| {
                Ok(DeadLetter {
                    origin_node: r.try_get(0).context("origin_node")?,
                    origin_seq: r.try_get(1).context("origin_seq")?,
                    event_id: r.try_get(2).context("event_id")?,
                    kind: r.try_get(3).context("kind")?,
                    reason: r.try_get(4).context("reason")?,
                    deliveries: r.try_get(5).context("deliveries")?,
                    at: r.try_get(6).context("at")?,
                })
            })
            .collect()
    }

    async fn exchange_origin_counts(&self) -> Result<Vec<OriginCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT origin_node, COUNT(*), CAST(SUM(applied) AS BIGINT), MAX(origin_seq) FROM exchange_received \
             GROUP BY origin_node ORDER BY origin_node",
        )
        .fetch_all(&self.pool)
        .await
        .context("统计交换收到的事实")?;
        rows.iter()
            .map(|r| {
                Ok(OriginCount {
                    origin_node: r.try_get(0).context("origin_node")?,
                    facts: r.try_get(1).context("count")?,
                    applied: r
                        .try_get::<Option<i64>, _>(2)
                        .context("applied")?
                        .unwrap_or(0),
                    last_seq: r.try_get(3).context("last_seq")?,
                })
            })
            .collect()
    }

    async fn exchange_origins(&self, kind: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT aggregate_id, origin_node, origin_seq FROM exchange_received \
             WHERE kind = $1 AND applied = 1",
        )
        .bind(kind)
        .fetch_all(&self.pool)
        .await
        .context("读取交换来源")?;
        rows.iter()
            .map(|r| {
                let node: String = r.try_get(1).context("origin_node")?;
                let seq: i64 = r.try_get(2).context("origin_seq")?;
                Ok((
                    r.try_get(0).context("aggregate_id")?,
                    format!("{node}#{seq}"),
                ))
            })
            .collect()
    }

    async fn exchange_repair(
        &self,
        envelope: &Envelope,
        policy: &ExchangePolicy,
        direction: Direction,
    ) -> Result<Repaired, StoreError> {
        let mut tx = begin_sql(self).await?;
        let repaired = repair_in(&mut tx, envelope, policy, direction).await?;
        tx.commit_sql().await?;
        Ok(repaired)
    }

    async fn exchange_received_fact(
        &self,
        origin: &str,
        seq: i64,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT origin_hash, seq FROM exchange_received WHERE origin_node = $1 \
             AND origin_seq = $2",
        )
        .bind(origin)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await
        .context("查找已收到的事实")?;
        row.map(|r| Ok((r.try_get(0).context("hash")?, r.try_get(1).context("seq")?)))
            .transpose()
    }

    async fn exchange_seen_leaves(
        &self,
        origin: &str,
        after: i64,
        upto: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT origin_seq, origin_hash FROM exchange_seen WHERE origin_node = $1 \
             AND origin_seq > $2 AND origin_seq <= $3 ORDER BY origin_seq",
        )
        .bind(origin)
        .bind(after)
        .bind(upto)
        .fetch_all(&self.pool)
        .await
        .context("读取已见的交换事实")?;
        rows.iter()
            .map(|r| Ok((r.try_get(0).context("seq")?, r.try_get(1).context("hash")?)))
            .collect()
    }

    async fn local_leaves(
        &self,
        kinds: &[&str],
        after: i64,
        upto: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        if kinds.is_empty() || upto <= after {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (3..kinds.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT seq, hash FROM ledger_events WHERE seq > $1 AND seq <= $2 AND kind IN ({}) \
             ORDER BY seq",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(after).bind(upto);
        for k in kinds {
            q = q.bind(*k);
        }
        let rows = q
            .fetch_all(&self.pool)
            .await
            .context("读取本节点的交换事实")?;
        rows.iter()
            .map(|r| Ok((r.try_get(0).context("seq")?, r.try_get(1).context("hash")?)))
            .collect()
    }

    async fn count_local_kinds(
        &self,
        kinds: &[&str],
        after: i64,
        upto: i64,
    ) -> Result<i64, StoreError> {
        if kinds.is_empty() || upto <= after {
            return Ok(0);
        }
        let placeholders: Vec<String> = (3..kinds.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT COUNT(*) FROM ledger_events WHERE seq > $1 AND seq <= $2 AND kind IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(after).bind(upto);
        for k in kinds {
            q = q.bind(*k);
        }
        let row = q.fetch_one(&self.pool).await.context("统计待确认的事实")?;
        row.try_get(0).context("count")
    }
}
