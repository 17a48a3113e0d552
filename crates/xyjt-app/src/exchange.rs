//! Exchange between platforms over NATS JetStream (信用信息交换): the relay that follows the
//! ledger from a persistent cursor and publishes every committed fact of an exchanged kind; the
//! receiver that applies other nodes' facts idempotently and in order per origin; the
//! acknowledgements that close the 5-working-day sync clocks; status and reconcile.
//! See `docs/domain/exchange.md`.

use crate::workflows::{StepRequest, take_step};
use crate::{AppError, AppResult, Ctx, ErrorKind};
use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use xyjt_core::exchange::{
    Ack, AckedFact, Envelope, ExchangePolicy, Names, SYNCED_BY_ACK, check_name, direction,
};
use xyjt_core::policies::Policies;
use xyjt_store::{DeadLetter, OriginCount, OutboxChannel, PeerRow, Received, Repaired, Store};

/// Where and as whom a node joins the exchange.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// `nats://HOST:PORT`
    pub url: String,
    /// This node's unit id in the organisation tree (`SF`, `DH`, …).
    pub node: String,
    /// Prefix of every stream and subject (default `xyjt`).
    pub namespace: String,
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorKind::Unavailable,
        "exchange_unavailable",
        format!("{what}：{e}"),
    )
}

/// Counts of one receive pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReceiveStats {
    pub applied: u64,
    pub skipped: u64,
    pub duplicates: u64,
    pub gaps: u64,
    pub retried: u64,
    pub dead_lettered: u64,
}

impl ReceiveStats {
    pub fn messages(&self) -> u64 {
        self.applied
            + self.skipped
            + self.duplicates
            + self.gaps
            + self.retried
            + self.dead_lettered
    }
}

/// The relay's persistent cursor: every event up to `seq` was looked at, and `prev` is the
/// origin sequence of the last fact published (the next one's predecessor). After a peer's
/// re-request, the facts up to `redo_until` go out again under the message id
/// `EVENT_ID-rGENERATION`, so that the broker's de-duplication (which may still remember the
/// ids of messages it lost) does not drop them; receivers drop the copies they have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RelayCursor {
    pub seq: i64,
    pub prev: i64,
    #[serde(default)]
    pub redo_until: i64,
    #[serde(default)]
    pub generation: u32,
}

const RELAY_KEY: &str = "relay";
const NODE_KEY: &str = "node";
const NAMESPACE_KEY: &str = "namespace";

pub async fn relay_cursor(store: &dyn Store) -> AppResult<RelayCursor> {
    Ok(match store.exchange_value(RELAY_KEY).await? {
        Some(v) => serde_json::from_str(&v)
            .map_err(|e| AppError::invalid(format!("交换游标无法解析：{e}")))?,
        None => RelayCursor::default(),
    })
}

async fn set_relay_cursor(store: &dyn Store, c: RelayCursor) -> AppResult<()> {
    store
        .set_exchange_value(RELAY_KEY, &serde_json::to_string(&c).expect("cursor"))
        .await?;
    Ok(())
}

/// A republish request: the asking node has seen the origin's facts up to `from`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rerequest {
    by: String,
    from: i64,
}

/// A node's own account of the exchange, as `exchange reconcile` asks a peer for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub node: String,
    pub head_seq: i64,
    /// The node's own facts: the last one published.
    pub published_upto: i64,
    pub published: i64,
    /// What it has seen and applied of each other node.
    pub peers: Vec<PeerSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerSummary {
    pub node: String,
    pub seen_seq: i64,
    pub facts: i64,
    pub acked_seq: i64,
}

/// A node connected to the exchange.
pub struct Exchange {
    pub node: String,
    pub names: Names,
    client: async_nats::Client,
    js: jetstream::Context,
    store: Arc<dyn Store>,
    policies: Arc<Policies>,
    relay_lock: tokio::sync::Mutex<()>,
    /// The ledger's signing key, to sign a checkpoint covering a fact a peer wants proven.
    key: Option<crate::ledger_proofs::LedgerKey>,
}

impl Exchange {
    /// Connects, makes sure the streams (file storage) and this node's durable consumers
    /// exist, and records the node's name in its database.
    pub async fn connect(
        config: &ExchangeConfig,
        store: Arc<dyn Store>,
        policies: Arc<Policies>,
    ) -> AppResult<Self> {
        check_name("节点", &config.node).map_err(AppError::invalid)?;
        let names = Names::new(&config.namespace).map_err(AppError::invalid)?;
        if let Some(known) = store.exchange_value(NODE_KEY).await?
            && known != config.node
        {
            return Err(AppError::invalid(format!(
                "该数据库已作为节点 {known} 加入交换，不能再以 {} 加入",
                config.node
            )));
        }
        if let Some(known) = store.exchange_value(NAMESPACE_KEY).await?
            && known != config.namespace
        {
            return Err(AppError::invalid(format!(
                "该数据库已在命名空间 {known} 中交换，不能再加入命名空间 {}（其转发游标和对端记录属于原网络）",
                config.namespace
            )));
        }
        let client = async_nats::connect(&config.url)
            .await
            .map_err(|e| unavailable(&format!("连接 {}", config.url), e))?;
        let js = jetstream::new(client.clone());
        let ex = Exchange {
            node: config.node.clone(),
            names,
            client,
            js,
            store,
            policies,
            relay_lock: tokio::sync::Mutex::new(()),
            key: None,
        };
        ex.ensure_streams().await?;
        ex.store.set_exchange_value(NODE_KEY, &ex.node).await?;
        ex.store
            .set_exchange_value(NAMESPACE_KEY, &ex.names.namespace)
            .await?;
        Ok(ex)
    }

    /// The ledger's signing key (`serve --key`): a peer's `exchange prove` gets the inclusion
    /// proof of our fact in a checkpoint signed with it.
    pub fn with_key(mut self, key: crate::ledger_proofs::LedgerKey) -> Self {
        self.key = Some(key);
        self
    }

    fn policy(&self) -> &ExchangePolicy {
        &self.policies.exchange
    }

    async fn ensure_streams(&self) -> AppResult<()> {
        let p = self.policy();
        for (name, subjects) in [
            (self.names.events_stream(), self.names.events_all()),
            (self.names.acks_stream(), self.names.acks_all()),
        ] {
            self.js
                .get_or_create_stream(stream::Config {
                    name: name.clone(),
                    subjects: vec![subjects],
                    storage: stream::StorageType::File,
                    duplicate_window: Duration::from_secs(p.duplicate_window_seconds),
                    max_age: Duration::from_secs(u64::from(p.max_age_days) * 86_400),
                    num_replicas: p.replicas as usize,
                    ..Default::default()
                })
                .await
                .map_err(|e| unavailable(&format!("创建流 {name}"), e))?;
        }
        Ok(())
    }

    async fn consumer(
        &self,
        stream_name: String,
        durable: String,
        filter: String,
    ) -> AppResult<consumer::PullConsumer> {
        let stream = self
            .js
            .get_stream(&stream_name)
            .await
            .map_err(|e| unavailable(&format!("读取流 {stream_name}"), e))?;
        stream
            .get_or_create_consumer(
                &durable,
                consumer::pull::Config {
                    durable_name: Some(durable.clone()),
                    filter_subject: filter,
                    ack_policy: consumer::AckPolicy::Explicit,
                    deliver_policy: consumer::DeliverPolicy::All,
                    ack_wait: Duration::from_secs(30),
                    // Dead-lettering is ours (policy max_deliveries, apply failures only): an
                    // out-of-order message waits for its predecessor however often it comes.
                    max_deliver: -1,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| unavailable(&format!("创建消费者 {durable}"), e))
    }

    /// Publishes the committed events after the relay's cursor (one batch) and moves the
    /// cursor once the broker acknowledged them all. Returns how many facts were published
    /// (0: caught up).
    pub async fn relay_once(&self) -> AppResult<u64> {
        let _guard = self.relay_lock.lock().await;
        let store = self.store.as_ref();
        let mut cursor = relay_cursor(store).await?;
        let events = store
            .events_after(cursor.seq, i64::from(self.policy().batch))
            .await?;
        let Some(last) = events.last() else {
            return Ok(0);
        };
        let last_seq = last.seq;
        let kinds = self.policy().published_kinds();
        let mut pending = Vec::new();
        for event in events {
            if !kinds.contains(event.kind.as_str()) {
                continue;
            }
            let subject = self.names.event_subject(&self.node, &event.kind);
            let id = if event.seq <= cursor.redo_until {
                format!("{}-r{}", event.id, cursor.generation)
            } else {
                event.id.clone()
            };
            let seq = event.seq;
            let envelope = envelope_of(store, &self.node, cursor.prev, event).await?;
            let body = serde_json::to_vec(&envelope).expect("envelopes serialise");
            let ack = self
                .js
                .send_publish(
                    subject,
                    jetstream::message::PublishMessage::build()
                        .payload(body.into())
                        .message_id(&id),
                )
                .await
                .map_err(|e| unavailable("发布交换事实", e))?;
            pending.push(ack);
            cursor.prev = seq;
        }
        let published = pending.len() as u64;
        for ack in pending {
            ack.await.map_err(|e| unavailable("等待代理确认", e))?;
        }
        cursor.seq = last_seq;
        set_relay_cursor(store, cursor).await?;
        Ok(published)
    }

    /// Relays until caught up; returns how many facts were published.
    pub async fn relay_all(&self) -> AppResult<u64> {
        let mut n = 0;
        loop {
            let before = relay_cursor(self.store.as_ref()).await?;
            let published = self.relay_once().await?;
            n += published;
            if relay_cursor(self.store.as_ref()).await? == before {
                return Ok(n);
            }
        }
    }

    /// Moves the relay back so that facts after `from` are published again (a peer found a
    /// gap, or reconcile asked), under fresh message ids (see `RelayCursor`); the receivers
    /// drop the copies they already have.
    pub async fn republish_from(&self, from: i64) -> AppResult<()> {
        let _guard = self.relay_lock.lock().await;
        let store = self.store.as_ref();
        let cursor = relay_cursor(store).await?;
        if from < cursor.seq {
            tracing::info!(exchange.node = %self.node, from, "republishing from a peer's request");
            set_relay_cursor(
                store,
                RelayCursor {
                    seq: from.max(0),
                    prev: from.max(0),
                    redo_until: cursor.seq.max(cursor.redo_until),
                    generation: cursor.generation + 1,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Takes up to one batch of other nodes' facts — those waiting now, or else the first to
    /// arrive within `wait` — applies them in one transaction (one by one when that fails, so
    /// a poison message is found and the rest still apply), then acknowledges to each origin
    /// what was seen and applied.
    pub async fn receive_once(&self, wait: Duration) -> AppResult<ReceiveStats> {
        let consumer = self
            .consumer(
                self.names.events_stream(),
                self.names.consumer(&self.node),
                self.names.events_all(),
            )
            .await?;
        let batch = self.policy().batch as usize;
        let mut messages = Vec::new();
        let mut waiting = consumer
            .fetch()
            .max_messages(batch)
            .messages()
            .await
            .map_err(|e| unavailable("拉取交换消息", e))?;
        while let Some(m) = waiting.next().await {
            messages.push(m.map_err(|e| unavailable("接收交换消息", e))?);
        }
        if messages.is_empty() {
            let mut first = consumer
                .batch()
                .max_messages(1)
                .expires(wait)
                .messages()
                .await
                .map_err(|e| unavailable("拉取交换消息", e))?;
            while let Some(m) = first.next().await {
                messages.push(m.map_err(|e| unavailable("接收交换消息", e))?);
            }
        }
        let mut stats = ReceiveStats::default();
        let mut applied: BTreeMap<String, Vec<AckedFact>> = BTreeMap::new();
        let mut facts = Vec::new();
        for message in messages {
            let envelope: Envelope = match serde_json::from_slice(&message.payload) {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(subject = %message.subject, error = %e, "unreadable exchange message terminated");
                    ack(&message, jetstream::AckKind::Term).await?;
                    continue;
                }
            };
            if envelope.node == self.node {
                ack(&message, jetstream::AckKind::Ack).await?;
                continue;
            }
            let dir = direction(&self.policies.org, &envelope.node, &self.node);
            facts.push((message, envelope, dir));
        }
        let together: Vec<(Envelope, xyjt_core::exchange::Direction)> =
            facts.iter().map(|(_, e, d)| (e.clone(), *d)).collect();
        let outcomes: Vec<Result<Received, String>> = match self
            .store
            .exchange_receive_batch(&together, self.policy())
            .await
        {
            Ok(all) => all.into_iter().map(Ok).collect(),
            Err(_) => {
                let mut one_by_one = Vec::with_capacity(facts.len());
                for (_, envelope, dir) in &facts {
                    one_by_one.push(
                        self.store
                            .exchange_receive(envelope, self.policy(), *dir)
                            .await
                            .map_err(|e| e.to_string()),
                    );
                }
                one_by_one
            }
        };
        let delay = Duration::from_millis(self.policy().redelivery_delay_ms);
        let mut asked = std::collections::BTreeSet::new();
        for ((message, envelope, _), outcome) in facts.into_iter().zip(outcomes) {
            match outcome {
                Ok(Received::Applied { .. }) => {
                    stats.applied += 1;
                    applied
                        .entry(envelope.node.clone())
                        .or_default()
                        .push(AckedFact {
                            seq: envelope.event.seq,
                            kind: envelope.event.kind.clone(),
                            aggregate_id: envelope.event.aggregate_id.clone(),
                        });
                    ack(&message, jetstream::AckKind::Ack).await?;
                }
                Ok(Received::Skipped) => {
                    stats.skipped += 1;
                    applied.entry(envelope.node.clone()).or_default();
                    ack(&message, jetstream::AckKind::Ack).await?;
                }
                Ok(Received::Duplicate) => {
                    stats.duplicates += 1;
                    ack(&message, jetstream::AckKind::Ack).await?;
                }
                Ok(Received::Gap { seen, prev }) => {
                    stats.gaps += 1;
                    if asked.insert(envelope.node.clone()) {
                        tracing::info!(exchange.origin = %envelope.node, seen, prev, "gap: asking the origin to republish");
                        let request = Rerequest {
                            by: self.node.clone(),
                            from: seen,
                        };
                        let _ = self
                            .client
                            .publish(
                                self.names.request_subject(&envelope.node),
                                serde_json::to_vec(&request).expect("request").into(),
                            )
                            .await;
                    }
                    ack(&message, jetstream::AckKind::Nak(Some(delay))).await?;
                }
                Err(e) => {
                    let deliveries = message.info().map(|i| i.delivered).unwrap_or(1);
                    if deliveries >= i64::from(self.policy().max_deliveries) {
                        tracing::warn!(exchange.origin = %envelope.node, seq = envelope.event.seq, error = %e, "dead-lettered");
                        self.store
                            .exchange_dead_letter(&envelope, &e, deliveries)
                            .await?;
                        stats.dead_lettered += 1;
                        applied.entry(envelope.node.clone()).or_default();
                        ack(&message, jetstream::AckKind::Term).await?;
                    } else {
                        stats.retried += 1;
                        ack(&message, jetstream::AckKind::Nak(Some(delay))).await?;
                    }
                }
            }
        }
        if !applied.is_empty() {
            let peers = self.store.exchange_peers().await?;
            for (origin, facts) in applied {
                let upto = peers
                    .iter()
                    .find(|p| p.node == origin)
                    .map_or(0, |p| p.seen_seq);
                let body = Ack {
                    by: self.node.clone(),
                    origin: origin.clone(),
                    upto,
                    applied: facts,
                };
                self.js
                    .send_publish(
                        self.names.ack_subject(&origin),
                        jetstream::message::PublishMessage::build()
                            .payload(serde_json::to_vec(&body).expect("ack").into())
                            .message_id(format!("{}-{origin}-{upto}", self.node)),
                    )
                    .await
                    .map_err(|e| unavailable("发布确认", e))?
                    .await
                    .map_err(|e| unavailable("等待代理确认", e))?;
            }
        }
        Ok(stats)
    }

    /// Receives until a pass brings nothing new (tests, catch-up).
    pub async fn receive_all(&self, wait: Duration) -> AppResult<ReceiveStats> {
        let mut total = ReceiveStats::default();
        loop {
            let s = self.receive_once(wait).await?;
            total.applied += s.applied;
            total.skipped += s.skipped;
            total.duplicates += s.duplicates;
            total.gaps += s.gaps;
            total.retried += s.retried;
            total.dead_lettered += s.dead_lettered;
            if s.messages() == 0 {
                return Ok(total);
            }
        }
    }

    /// Takes the acknowledgements addressed to this node: records how far each peer got and
    /// closes the sync clocks of the objection and repair results it applied. Returns how many
    /// acknowledgements were taken.
    pub async fn acks_once(&self, wait: Duration) -> AppResult<u64> {
        let consumer = self
            .consumer(
                self.names.acks_stream(),
                self.names.ack_consumer(&self.node),
                self.names.ack_subject(&self.node),
            )
            .await?;
        let mut messages = consumer
            .batch()
            .max_messages(self.policy().batch as usize)
            .expires(wait)
            .messages()
            .await
            .map_err(|e| unavailable("拉取确认", e))?;
        let mut n = 0;
        while let Some(message) = messages.next().await {
            let message = message.map_err(|e| unavailable("接收确认", e))?;
            let Ok(body) = serde_json::from_slice::<Ack>(&message.payload) else {
                ack(&message, jetstream::AckKind::Term).await?;
                continue;
            };
            self.store.exchange_acked(&body.by, body.upto).await?;
            for fact in &body.applied {
                if SYNCED_BY_ACK.contains(&fact.kind.as_str()) {
                    close_sync(
                        self.store.as_ref(),
                        &self.policies,
                        &body.by,
                        &fact.aggregate_id,
                    )
                    .await?;
                }
            }
            ack(&message, jetstream::AckKind::Ack).await?;
            n += 1;
        }
        Ok(n)
    }

    /// This node's summary (what a peer's `exchange reconcile` asks for).
    pub async fn summary(&self) -> AppResult<Summary> {
        summary(self.store.as_ref(), &self.policies, &self.node).await
    }

    /// Asks `peer` for its summary over the broker and compares; asks it to republish what
    /// this node misses and republishes what it misses.
    pub async fn reconcile(&self, peer: &str) -> AppResult<Reconciliation> {
        check_name("节点", peer).map_err(AppError::invalid)?;
        let reply = tokio::time::timeout(
            Duration::from_secs(5),
            self.client
                .request(self.names.summary_subject(peer), Vec::new().into()),
        )
        .await
        .map_err(|_| unavailable(&format!("节点 {peer}"), "5 秒内没有应答（未加入交换？）"))?
        .map_err(|e| unavailable(&format!("询问节点 {peer}"), e))?;
        let theirs: Summary = serde_json::from_slice(&reply.payload)
            .map_err(|e| unavailable(&format!("节点 {peer} 的应答"), e))?;
        let mine = self.summary().await?;
        let r = compare(&mine, &theirs);
        if r.we_miss {
            let request = Rerequest {
                by: self.node.clone(),
                from: r.our_seen_of_peer,
            };
            self.client
                .publish(
                    self.names.request_subject(peer),
                    serde_json::to_vec(&request).expect("request").into(),
                )
                .await
                .map_err(|e| unavailable("发送补发请求", e))?;
        }
        if r.peer_misses {
            self.republish_from(r.peer_seen_of_us).await?;
            self.relay_all().await?;
        }
        let mut r = r;
        let upto = theirs.published_upto.min(r.our_seen_of_peer);
        r.merkle = Some(self.reconcile_roots(peer, upto).await?);
        Ok(r)
    }

    /// Sends a request to `peer` and reads its `Result` answer.
    async fn rpc<T: serde::de::DeserializeOwned>(
        &self,
        subject: String,
        peer: &str,
        body: Vec<u8>,
    ) -> AppResult<T> {
        let reply = tokio::time::timeout(
            Duration::from_secs(30),
            self.client.request(subject, body.into()),
        )
        .await
        .map_err(|_| unavailable(&format!("节点 {peer}"), "30 秒内没有应答（未加入交换？）"))?
        .map_err(|e| unavailable(&format!("询问节点 {peer}"), e))?;
        let answer: Result<T, String> = serde_json::from_slice(&reply.payload)
            .map_err(|e| unavailable(&format!("节点 {peer} 的应答"), e))?;
        answer.map_err(|e| unavailable(&format!("节点 {peer}"), e))
    }

    /// The Merkle roots of our published facts in each range (what a peer's reconcile asks).
    pub async fn roots(&self, ranges: &[SeqRange]) -> AppResult<Vec<RangeRoot>> {
        if ranges.len() > 4096 {
            return Err(AppError::invalid("一次最多询问 4096 个区间"));
        }
        let kinds: Vec<&str> = self.policy().published_kinds().into_iter().collect();
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let leaves = self
                .store
                .local_leaves(&kinds, range.after, range.upto)
                .await?;
            out.push(RangeRoot {
                range: *range,
                count: leaves.len() as u64,
                root: facts_root(&leaves),
            });
        }
        Ok(out)
    }

    /// Our published facts in `range` (at most `MAX_FACTS_PER_REPLY`), as the relay sends
    /// them; `prev` is each one's predecessor in the reply (repair does not use it).
    pub async fn facts(&self, range: SeqRange) -> AppResult<Vec<Envelope>> {
        let kinds = self.policy().published_kinds();
        let store = self.store.as_ref();
        let mut out = Vec::new();
        let mut after = range.after;
        let mut prev = range.after;
        'pages: loop {
            let page = store.events_after(after, 500).await?;
            if page.is_empty() {
                break;
            }
            for event in page {
                if event.seq > range.upto {
                    break 'pages;
                }
                after = event.seq;
                if !kinds.contains(event.kind.as_str()) {
                    continue;
                }
                if out.len() >= MAX_FACTS_PER_REPLY {
                    break 'pages;
                }
                let seq = event.seq;
                out.push(envelope_of(store, &self.node, prev, event).await?);
                prev = seq;
            }
        }
        Ok(out)
    }

    /// Compares, range by range, the Merkle root of the facts of `peer` seen here with the
    /// root the peer computes over the facts it published, up to `upto`; a range that
    /// differs is split until it is small, then its facts are fetched from the peer and
    /// repaired (`ExchangeStore::exchange_repair`); finally the whole roots are compared again.
    pub async fn reconcile_roots(&self, peer: &str, upto: i64) -> AppResult<MerkleCheck> {
        let whole = SeqRange { after: 0, upto };
        let mut check = MerkleCheck {
            upto,
            ..MerkleCheck::default()
        };
        let mut pending = vec![whole];
        while !pending.is_empty() {
            check.rounds += 1;
            let body = serde_json::to_vec(&pending).expect("ranges");
            let theirs: Vec<RangeRoot> =
                self.rpc(self.names.roots_subject(peer), peer, body).await?;
            if theirs.len() != pending.len() {
                return Err(unavailable(
                    &format!("节点 {peer}"),
                    "默克尔根应答的区间数不符",
                ));
            }
            let mut next = Vec::new();
            for (range, t) in pending.iter().zip(&theirs) {
                let mine = self
                    .store
                    .exchange_seen_leaves(peer, range.after, range.upto)
                    .await?;
                let root = facts_root(&mine);
                if *range == whole {
                    check.peer_root = t.root.clone();
                    check.root = root.clone();
                    check.peer_facts = t.count;
                    check.facts = mine.len() as u64;
                }
                if root == t.root {
                    continue;
                }
                let small = t.count.max(mine.len() as u64) <= SPLIT_BELOW;
                if small || range.upto - range.after <= 1 {
                    check.divergent.push(*range);
                } else {
                    let mid = range.after + (range.upto - range.after) / 2;
                    next.push(SeqRange {
                        after: range.after,
                        upto: mid,
                    });
                    next.push(SeqRange {
                        after: mid,
                        upto: range.upto,
                    });
                }
            }
            pending = next;
        }
        check.divergent.sort_by_key(|r| r.after);
        let divergent = check.divergent.clone();
        for range in divergent {
            let mut after = range.after;
            loop {
                let body = serde_json::to_vec(&SeqRange {
                    after,
                    upto: range.upto,
                })
                .expect("range");
                let facts: Vec<Envelope> =
                    self.rpc(self.names.facts_subject(peer), peer, body).await?;
                let Some(last) = facts.last().map(|f| f.event.seq) else {
                    break;
                };
                let theirs: std::collections::BTreeSet<i64> =
                    facts.iter().map(|f| f.event.seq).collect();
                for envelope in &facts {
                    if envelope.node != peer {
                        return Err(unavailable(
                            &format!("节点 {peer}"),
                            "应答的事实来自别的节点",
                        ));
                    }
                    let dir = direction(&self.policies.org, peer, &self.node);
                    let outcome = self
                        .store
                        .exchange_repair(envelope, self.policy(), dir)
                        .await
                        .map_err(AppError::from)?;
                    if let Repaired::Conflict { reason } = &outcome {
                        check.conflicts.push(reason.clone());
                    }
                    if outcome != Repaired::Agreed {
                        check.repaired.push(RepairedFact {
                            seq: envelope.event.seq,
                            kind: envelope.event.kind.clone(),
                            outcome,
                        });
                    }
                }
                // Facts seen here that the peer does not list in what it published.
                for (seq, _) in self.store.exchange_seen_leaves(peer, after, last).await? {
                    if !theirs.contains(&seq) {
                        check.conflicts.push(format!(
                            "本节点记有 {peer}#{seq}，来源节点发布的事实中没有它"
                        ));
                    }
                }
                if facts.len() < MAX_FACTS_PER_REPLY {
                    // Facts seen here after the peer's last one in the range.
                    for (seq, _) in self
                        .store
                        .exchange_seen_leaves(peer, last, range.upto)
                        .await?
                    {
                        check.conflicts.push(format!(
                            "本节点记有 {peer}#{seq}，来源节点发布的事实中没有它"
                        ));
                    }
                    break;
                }
                after = last;
            }
        }
        let theirs: Vec<RangeRoot> = self
            .rpc(
                self.names.roots_subject(peer),
                peer,
                serde_json::to_vec(&[whole]).expect("ranges"),
            )
            .await?;
        let mine = self.store.exchange_seen_leaves(peer, 0, upto).await?;
        check.root_after = facts_root(&mine);
        check.agree = theirs.first().is_some_and(|t| t.root == check.root_after);
        if !check.divergent.is_empty() {
            tracing::warn!(exchange.peer = %peer, divergent = check.divergent.len(), repaired = check.repaired.len(), agree = check.agree, "reconcile found facts that differ from the origin's");
        }
        Ok(check)
    }

    /// The inclusion proof of our fact `seq` in a signed checkpoint that covers it (the latest
    /// kept one, or one signed now with `serve --key`). Only facts of published kinds.
    pub async fn fact_proof(&self, seq: i64) -> AppResult<FactProof> {
        let store = self.store.as_ref();
        let event = store
            .events_after(seq - 1, 1)
            .await?
            .into_iter()
            .find(|e| e.seq == seq)
            .filter(|e| self.policy().published_kinds().contains(e.kind.as_str()))
            .ok_or_else(|| AppError::not_found(format!("本节点没有发布过第 {seq} 号事实")))?;
        let latest = store.checkpoints(1).await?.into_iter().next();
        let fresh_key = self
            .key
            .as_ref()
            .map(|k| (k, format!("{:08x}", k.signer.verifier().key_hash())));
        let checkpoint = match (latest, fresh_key) {
            (Some(cp), Some((_, hash))) if cp.size >= seq as u64 && cp.key_hash == hash => cp,
            (_, Some((key, _))) => {
                crate::ledger_proofs::sign_checkpoint(store, &key.signer, chrono::Utc::now())
                    .await?
            }
            (Some(cp), None) if cp.size >= seq as u64 => cp,
            _ => {
                return Err(AppError::not_found(format!(
                    "本节点没有覆盖第 {seq} 号事实的签名检查点（服务未配置 --key）"
                )));
            }
        };
        let proof = store.inclusion_proof(seq as u64, checkpoint.size).await?;
        Ok(FactProof {
            checkpoint: checkpoint.note,
            size: checkpoint.size,
            event,
            proof: proof.iter().map(|h| xyjt_verify::to_hex(h)).collect(),
        })
    }

    /// Proves a fact received from `peer` (its origin sequence `seq`): the peer's signed
    /// checkpoint opens with the peer's public key, the event it sends hashes to the origin hash
    /// this node's ledger kept when it applied the fact, and the inclusion proof puts that event
    /// under the signed root.
    pub async fn prove(
        &self,
        peer: &str,
        seq: i64,
        key: &xyjt_verify::note::VerifierKey,
    ) -> AppResult<ProvenFact> {
        check_name("节点", peer).map_err(AppError::invalid)?;
        let (kept_hash, local_seq) = self
            .store
            .exchange_received_fact(peer, seq)
            .await?
            .ok_or_else(|| AppError::not_found(format!("本节点账本中没有收到 {peer}#{seq}")))?;
        let answer: FactProof = self
            .rpc(
                self.names.proof_subject(peer),
                peer,
                serde_json::to_vec(&seq).expect("seq"),
            )
            .await?;
        verify_fact_proof(&answer, peer, seq, &kept_hash, key).map(|(size, root)| ProvenFact {
            peer: peer.to_string(),
            seq,
            local_seq,
            kind: answer.event.kind.clone(),
            event_hash: kept_hash,
            checkpoint_size: size,
            root,
            key_name: key.name().to_string(),
            key_fingerprint: key.fingerprint(),
        })
    }

    /// Runs the relay, the receiver, the acknowledgements and the request responders until the
    /// process ends; each loop logs its failures and carries on (the broker may come back).
    pub fn spawn(self: Arc<Self>) {
        let interval = Duration::from_millis(self.policy().relay_interval_ms);
        let relay = self.clone();
        tokio::spawn(async move {
            loop {
                match relay.relay_once().await {
                    Ok(0) => tokio::time::sleep(interval).await,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e.message, "exchange relay failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        let receiver = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = receiver.receive_once(Duration::from_secs(1)).await {
                    tracing::warn!(error = %e.message, "exchange receiver failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        let acks = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = acks.acks_once(Duration::from_secs(1)).await {
                    tracing::warn!(error = %e.message, "exchange acknowledgements failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        let responder = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = responder.respond().await {
                    tracing::warn!(error = %e.message, "exchange responder failed; retrying");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Answers republish requests and summary requests addressed to this node.
    async fn respond(&self) -> AppResult<()> {
        let mut requests = self
            .client
            .subscribe(self.names.request_subject(&self.node))
            .await
            .map_err(|e| unavailable("订阅补发请求", e))?;
        let mut summaries = self
            .client
            .subscribe(self.names.summary_subject(&self.node))
            .await
            .map_err(|e| unavailable("订阅摘要请求", e))?;
        let mut roots = self
            .client
            .subscribe(self.names.roots_subject(&self.node))
            .await
            .map_err(|e| unavailable("订阅默克尔根请求", e))?;
        let mut facts = self
            .client
            .subscribe(self.names.facts_subject(&self.node))
            .await
            .map_err(|e| unavailable("订阅事实请求", e))?;
        let mut proofs = self
            .client
            .subscribe(self.names.proof_subject(&self.node))
            .await
            .map_err(|e| unavailable("订阅证明请求", e))?;
        loop {
            tokio::select! {
                Some(m) = roots.next() => {
                    if let Some(reply) = m.reply {
                        let answer: Result<Vec<RangeRoot>, String> =
                            match serde_json::from_slice::<Vec<SeqRange>>(&m.payload) {
                                Ok(ranges) => self.roots(&ranges).await.map_err(|e| e.message),
                                Err(e) => Err(format!("请求无法解析：{e}")),
                            };
                        let _ = self
                            .client
                            .publish(reply, serde_json::to_vec(&answer).expect("roots").into())
                            .await;
                    }
                }
                Some(m) = facts.next() => {
                    if let Some(reply) = m.reply {
                        let answer: Result<Vec<Envelope>, String> =
                            match serde_json::from_slice::<SeqRange>(&m.payload) {
                                Ok(range) => self.facts(range).await.map_err(|e| e.message),
                                Err(e) => Err(format!("请求无法解析：{e}")),
                            };
                        let _ = self
                            .client
                            .publish(reply, serde_json::to_vec(&answer).expect("facts").into())
                            .await;
                    }
                }
                Some(m) = proofs.next() => {
                    if let Some(reply) = m.reply {
                        let answer: Result<FactProof, String> =
                            match serde_json::from_slice::<i64>(&m.payload) {
                                Ok(seq) => self.fact_proof(seq).await.map_err(|e| e.message),
                                Err(e) => Err(format!("请求无法解析：{e}")),
                            };
                        let _ = self
                            .client
                            .publish(reply, serde_json::to_vec(&answer).expect("proof").into())
                            .await;
                    }
                }
                Some(m) = requests.next() => {
                    if let Ok(r) = serde_json::from_slice::<Rerequest>(&m.payload) {
                        self.republish_from(r.from).await?;
                    }
                }
                Some(m) = summaries.next() => {
                    if let Some(reply) = m.reply {
                        let s = self.summary().await?;
                        let _ = self
                            .client
                            .publish(reply, serde_json::to_vec(&s).expect("summary").into())
                            .await;
                    }
                }
                else => return Ok(()),
            }
        }
    }
}

async fn ack(message: &jetstream::Message, kind: jetstream::AckKind) -> AppResult<()> {
    message
        .ack_with(kind)
        .await
        .map_err(|e| unavailable("确认消息", e))
}

/// A peer applied an objection or repair result: the application's sync clock closes, and the
/// outbox message is delivered.
async fn close_sync(
    store: &dyn Store,
    policies: &Policies,
    peer: &str,
    aggregate_id: &str,
) -> AppResult<()> {
    let items = store.outbox(Some(OutboxChannel::Exchange), true).await?;
    let today = xyjt_core::clock::today_in_china();
    let ctx = Ctx::with_policies(store, policies, today);
    for m in items.iter().filter(|m| {
        [&m.payload["record_id"], &m.payload["entry_id"]]
            .iter()
            .any(|v| v.as_str() == Some(aggregate_id))
    }) {
        let open = store
            .application(&m.reference)
            .await?
            .and_then(|wf| wf.clock("sync").map(|c| c.done_on.is_none()))
            .unwrap_or(false);
        if open {
            let req = StepRequest {
                action: "sync".into(),
                on: None,
                reason: String::new(),
                unit: Some(format!("交换节点 {peer}")),
                clock: None,
                workdays: None,
                granted: None,
                revoke: false,
                corrected: None,
                outcome: None,
            };
            take_step(&ctx, &m.reference, &req, &format!("exchange:{peer}")).await?;
        }
        let at = xyjt_core::ledger::format_timestamp(chrono::Utc::now());
        store
            .mark_delivered(std::slice::from_ref(&m.id), &at)
            .await?;
    }
    Ok(())
}

/// The summary of `node` from its own database.
pub async fn summary(store: &dyn Store, policies: &Policies, node: &str) -> AppResult<Summary> {
    let head = store.head().await?;
    let cursor = relay_cursor(store).await?;
    let kinds: Vec<&str> = policies.exchange.published_kinds().into_iter().collect();
    let published = store.count_local_kinds(&kinds, 0, cursor.seq).await?;
    let counts = store.exchange_origin_counts().await?;
    let peers = store
        .exchange_peers()
        .await?
        .into_iter()
        .map(|p| PeerSummary {
            facts: counts
                .iter()
                .find(|c| c.origin_node == p.node)
                .map_or(0, |c| c.facts),
            node: p.node,
            seen_seq: p.seen_seq,
            acked_seq: p.acked_seq,
        })
        .collect();
    Ok(Summary {
        node: node.to_string(),
        head_seq: head.seq,
        published_upto: cursor.prev,
        published,
        peers,
    })
}

/// What `exchange reconcile` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    pub node: String,
    pub peer: String,
    /// The peer's last published fact, and the last of them seen here.
    pub peer_published_upto: i64,
    pub our_seen_of_peer: i64,
    /// Our last published fact, and the last of them the peer has seen.
    pub our_published_upto: i64,
    pub peer_seen_of_us: i64,
    /// Facts of the peer received here, as our ledger counts them.
    pub our_facts_of_peer: i64,
    /// Facts of ours the peer received, as its ledger counts them.
    pub peer_facts_of_us: i64,
    /// This node is behind the peer: it was asked to republish.
    pub we_miss: bool,
    /// The peer is behind this node: republished.
    pub peer_misses: bool,
    /// The Merkle comparison of the peer's facts seen here with those it published.
    pub merkle: Option<MerkleCheck>,
}

pub fn compare(mine: &Summary, theirs: &Summary) -> Reconciliation {
    let of = |s: &Summary, node: &str| s.peers.iter().find(|p| p.node == node).cloned();
    let our_view = of(mine, &theirs.node);
    let their_view = of(theirs, &mine.node);
    let our_seen_of_peer = our_view.as_ref().map_or(0, |p| p.seen_seq);
    let peer_seen_of_us = their_view.as_ref().map_or(0, |p| p.seen_seq);
    Reconciliation {
        node: mine.node.clone(),
        peer: theirs.node.clone(),
        peer_published_upto: theirs.published_upto,
        our_seen_of_peer,
        our_published_upto: mine.published_upto,
        peer_seen_of_us,
        our_facts_of_peer: our_view.map_or(0, |p| p.facts),
        peer_facts_of_us: their_view.map_or(0, |p| p.facts),
        we_miss: our_seen_of_peer < theirs.published_upto,
        peer_misses: peer_seen_of_us < mine.published_upto,
        merkle: None,
    }
}

/// One peer on the status page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerStatus {
    pub node: String,
    /// Our facts the peer has not acknowledged yet (its lag behind us).
    pub pending: i64,
    /// The latest of our facts the peer acknowledged.
    pub acked_seq: i64,
    /// The peer's latest fact seen here.
    pub seen_seq: i64,
    /// Its facts received and applied here (ledger count).
    pub received: i64,
    pub applied: i64,
    pub skipped: i64,
    pub duplicates: i64,
    pub gap_from: Option<i64>,
    pub dead_letters: i64,
    pub updated_at: String,
}

/// An open or overdue sync clock (results to be acknowledged by a receiving node).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncClockStatus {
    pub number: String,
    pub label: String,
    pub due: String,
    pub overdue: bool,
    pub status: String,
}

/// `xyjt exchange status` and the console page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// This node, when the database has joined an exchange.
    pub node: Option<String>,
    pub head_seq: i64,
    pub relay: RelayCursor,
    /// Events after the relay's cursor, not yet looked at.
    pub relay_lag: i64,
    pub peers: Vec<PeerStatus>,
    pub dead_letters: Vec<DeadLetter>,
    pub sync_clocks: Vec<SyncClockStatus>,
}

/// The exchange as this node's database knows it.
pub async fn status(ctx: &Ctx<'_>) -> AppResult<Status> {
    let store = ctx.store;
    let node = store.exchange_value(NODE_KEY).await?;
    let head = store.head().await?;
    let relay = relay_cursor(store).await?;
    let kinds: Vec<&str> = ctx
        .policies
        .exchange
        .published_kinds()
        .into_iter()
        .collect();
    let counts: Vec<OriginCount> = store.exchange_origin_counts().await?;
    let dead_letters = store.exchange_dead_letters().await?;
    let mut peers = Vec::new();
    for p in store.exchange_peers().await? {
        let PeerRow {
            node: peer,
            seen_seq,
            applied,
            skipped,
            duplicates,
            gap_from,
            acked_seq,
            updated_at,
        } = p;
        let count = counts.iter().find(|c| c.origin_node == peer);
        peers.push(PeerStatus {
            pending: store
                .count_local_kinds(&kinds, acked_seq, relay.prev)
                .await?,
            received: count.map_or(0, |c| c.facts),
            dead_letters: dead_letters
                .iter()
                .filter(|d| d.origin_node == peer)
                .count() as i64,
            node: peer,
            acked_seq,
            seen_seq,
            applied,
            skipped,
            duplicates,
            gap_from,
            updated_at,
        });
    }
    let mut sync_clocks = Vec::new();
    for wf in store.applications(&xyjt_store::AppQuery::default()).await? {
        let Some(c) = wf.clock("sync") else { continue };
        if c.done_on.is_some() {
            continue;
        }
        let st = c.status(ctx.calendar, ctx.today, ctx.policy.near_due);
        sync_clocks.push(SyncClockStatus {
            number: wf.app.number.clone(),
            label: c.label.clone(),
            due: c.due(ctx.calendar, ctx.today).due_on.to_string(),
            overdue: st == xyjt_core::workflow::ClockStatus::Overdue,
            status: st.label().to_string(),
        });
    }
    Ok(Status {
        node,
        head_seq: head.seq,
        relay_lag: head.seq - relay.seq,
        relay,
        peers,
        dead_letters,
        sync_clocks,
    })
}

/// The exchange's status as JSON (the console and `--json`).
pub fn status_json(s: &Status) -> Value {
    json!(s)
}

/// A range of an origin's sequence numbers: (after, upto].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SeqRange {
    pub after: i64,
    pub upto: i64,
}

/// The Merkle root of an origin's facts in a range, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeRoot {
    pub range: SeqRange,
    pub count: u64,
    pub root: String,
}

/// A range whose roots differ is split in two until it holds at most this many facts.
const SPLIT_BELOW: u64 = 64;
/// Facts per reply of the facts request (the broker's message size bounds it).
const MAX_FACTS_PER_REPLY: usize = 200;

/// The Merkle root (RFC 6962 tree hash, as the ledger's) of a list of facts, each leaf the
/// text `SEQ HASH` of one fact: its origin sequence and the origin's event hash (which covers
/// the fact and the origin's chain before it).
pub fn facts_root(leaves: &[(i64, String)]) -> String {
    let hashes: Vec<xyjt_verify::Hash> = leaves
        .iter()
        .map(|(seq, hash)| xyjt_verify::merkle::leaf_hash(format!("{seq} {hash}").as_bytes()))
        .collect();
    xyjt_verify::to_hex(&xyjt_verify::merkle::root(&hashes))
}

/// One fact reconcile repaired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairedFact {
    pub seq: i64,
    pub kind: String,
    pub outcome: Repaired,
}

/// What comparing Merkle roots with a peer found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct MerkleCheck {
    /// Compared: the peer's facts with origin sequence up to this.
    pub upto: i64,
    /// Before repair: the root over the peer's facts seen here, and how many.
    pub root: String,
    pub facts: u64,
    /// The root the peer computed over the facts it published, and how many.
    pub peer_root: String,
    pub peer_facts: u64,
    /// Request rounds of the search.
    pub rounds: u32,
    /// The smallest ranges whose roots differed, first one first.
    pub divergent: Vec<SeqRange>,
    /// Facts applied or marked seen by the repair (those already in agreement left out).
    pub repaired: Vec<RepairedFact>,
    /// What could not be repaired automatically.
    pub conflicts: Vec<String>,
    /// After repair: the root here, and whether it is the peer's.
    pub root_after: String,
    pub agree: bool,
}

/// A fact's inclusion proof in its origin's signed checkpoint, as the origin sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactProof {
    /// The signed checkpoint (C2SP signed note).
    pub checkpoint: String,
    pub size: u64,
    /// The origin's event, whole.
    pub event: xyjt_core::ledger::StoredEvent,
    /// RFC 6962 inclusion path, hex.
    pub proof: Vec<String>,
}

/// A received fact proven against its origin's signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvenFact {
    pub peer: String,
    pub seq: i64,
    /// The `exchange_received` event of this node that applied it.
    pub local_seq: i64,
    pub kind: String,
    pub event_hash: String,
    pub checkpoint_size: u64,
    pub root: String,
    pub key_name: String,
    pub key_fingerprint: String,
}

/// Checks an origin's proof of its fact `peer#seq` whose hash this node kept: the checkpoint's
/// signature (and that it is the key's log), the event's own hash, that it is the fact kept,
/// and the inclusion path to the signed root. Returns the checkpoint's size and root.
pub fn verify_fact_proof(
    answer: &FactProof,
    peer: &str,
    seq: i64,
    kept_hash: &str,
    key: &xyjt_verify::note::VerifierKey,
) -> AppResult<(u64, String)> {
    let failed = |m: String| AppError::new(ErrorKind::Conflict, "proof_failed", m);
    let cp = xyjt_verify::note::Checkpoint::open(&answer.checkpoint, key)
        .map_err(|e| failed(format!("{peer} 的检查点签名无效：{e}")))?;
    let event = &answer.event;
    if event.seq != seq {
        return Err(failed(format!(
            "{peer} 发来的是第 {} 号事件，不是第 {seq} 号",
            event.seq
        )));
    }
    if event.computed_hash() != event.hash {
        return Err(failed(format!("{peer}#{seq} 的内容与其哈希不符")));
    }
    if event.hash != kept_hash {
        return Err(failed(format!(
            "{peer}#{seq} 的哈希 {} 与本节点收到时记下的 {kept_hash} 不同",
            event.hash
        )));
    }
    if seq < 1 || seq as u64 > cp.size {
        return Err(failed(format!(
            "检查点（{} 个事件）不包含第 {seq} 号事件",
            cp.size
        )));
    }
    let proof: Vec<xyjt_verify::Hash> = answer
        .proof
        .iter()
        .map(|h| {
            xyjt_verify::hash_from_hex(h).ok_or_else(|| failed(format!("证明中的“{h}”不是哈希")))
        })
        .collect::<AppResult<_>>()?;
    let leaf = xyjt_store::tree::leaf_of(event);
    xyjt_verify::merkle::verify_inclusion(seq as u64 - 1, cp.size, &leaf, &proof, &cp.root)
        .map_err(|e| failed(format!("{peer}#{seq} 不在签名检查点的默克尔树中：{e}")))?;
    Ok((cp.size, xyjt_verify::to_hex(&cp.root)))
}

/// The message of one fact as the relay sends it: with the origin's earlier events of the
/// same aggregate the receiver needs (`xyjt_core::exchange::RELATED`).
async fn envelope_of(
    store: &dyn Store,
    node: &str,
    prev: i64,
    event: xyjt_core::ledger::StoredEvent,
) -> AppResult<Envelope> {
    let kinds = xyjt_core::exchange::related_kinds(&event.kind);
    let related = if kinds.is_empty() {
        Vec::new()
    } else {
        store
            .events_of(&event.aggregate_id)
            .await?
            .into_iter()
            .filter(|r| r.seq < event.seq && kinds.contains(&r.kind.as_str()))
            .collect()
    };
    Ok(Envelope {
        node: node.to_string(),
        prev,
        event,
        related,
    })
}
