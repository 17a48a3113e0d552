//! Exchange between platforms (信用信息交换): which facts flow to which node (归集 up, 联动
//! across and down, results back), the wire envelope, the names of streams and subjects, and
//! the origin a received fact keeps. Pure: the relay, the receiver and the broker live in
//! `xyjt-app` and `xyjt-store`. See `docs/domain/exchange.md`.

use crate::cases::OrgTree;
use crate::ledger::{EventPayload, StoredEvent};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const DEFAULT_EXCHANGE_TOML: &str = include_str!("../../../data/policy/exchange.toml");

/// The event kinds this build knows how to apply at a receiving node. A policy naming any
/// other kind is refused when it is loaded.
pub const EXCHANGEABLE: &[&str] = &[
    "subject_registered",
    "record_published",
    "record_corrected",
    "record_revoked",
    "record_repaired",
    "list_entry_proposed",
    "list_entry_reviewed",
    "list_entry_published",
    "list_entry_ended",
    "case_opened",
    "case_reported",
    "eval_run_published",
    "eval_result_revised",
    "integrity_recorded",
    "tolerance_proposed",
    "tolerance_reviewed",
];

/// The kinds whose message carries the origin's earlier events of the same aggregate
/// (`Envelope::related`), because the receiver needs them to apply it: a published evaluation
/// run brings its results, its proposal and its review. These related kinds themselves are not
/// published on their own.
pub const RELATED: &[(&str, &[&str])] = &[(
    "eval_run_published",
    &[
        "eval_result_proposed",
        "eval_run_proposed",
        "eval_run_reviewed",
    ],
)];

/// The related kinds `kind`'s message carries (empty for most).
pub fn related_kinds(kind: &str) -> &'static [&'static str] {
    RELATED
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, r)| r)
}

/// The kinds that open an aggregate at the receiver; every other exchanged kind follows one up
/// and is applied only where that aggregate is held.
pub const OPENING: &[&str] = &[
    "subject_registered",
    "record_published",
    "list_entry_proposed",
    "case_opened",
    "eval_run_published",
    "integrity_recorded",
];

/// The kinds whose acknowledgement by a receiver closes the 5-working-day sync clock of the
/// objection or repair decision that produced them.
pub const SYNCED_BY_ACK: &[&str] = &[
    "record_corrected",
    "record_revoked",
    "record_repaired",
    "list_entry_ended",
];

/// Which kinds go where (`data/policy/exchange.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routes {
    pub up: Vec<String>,
    pub down: Vec<String>,
    pub across: Vec<String>,
    pub back: Vec<String>,
}

/// The exchange policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangePolicy {
    pub version: String,
    /// Failed applications of one message before it goes to the dead-letter view.
    pub max_deliveries: u32,
    pub redelivery_delay_ms: u64,
    pub relay_interval_ms: u64,
    pub batch: u32,
    pub duplicate_window_seconds: u64,
    pub max_age_days: u32,
    /// Replicas of the streams this node creates.
    pub replicas: u32,
    pub routes: Routes,
}

impl ExchangePolicy {
    pub fn builtin() -> &'static Self {
        static POLICY: std::sync::LazyLock<ExchangePolicy> = std::sync::LazyLock::new(|| {
            ExchangePolicy::from_toml(DEFAULT_EXCHANGE_TOML)
                .expect("the built-in exchange policy parses")
        });
        &POLICY
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: ExchangePolicy =
            toml::from_str(text).map_err(|e| format!("交换政策文件格式错误：{e}"))?;
        for (name, n) in [
            ("max_deliveries", u64::from(p.max_deliveries)),
            ("relay_interval_ms", p.relay_interval_ms),
            ("batch", u64::from(p.batch)),
            ("duplicate_window_seconds", p.duplicate_window_seconds),
            ("max_age_days", u64::from(p.max_age_days)),
            ("replicas", u64::from(p.replicas)),
        ] {
            if n == 0 {
                return Err(format!("{name} 必须大于 0"));
            }
        }
        for (route, kinds) in [
            ("up", &p.routes.up),
            ("down", &p.routes.down),
            ("across", &p.routes.across),
            ("back", &p.routes.back),
        ] {
            if let Some(k) = kinds.iter().find(|k| !EXCHANGEABLE.contains(&k.as_str())) {
                return Err(format!(
                    "routes.{route} 中的事件类型“{k}”不能交换（可交换：{}）",
                    EXCHANGEABLE.join("、")
                ));
            }
        }
        Ok(p)
    }

    /// Every kind some node may receive: what the relay publishes.
    pub fn published_kinds(&self) -> BTreeSet<&str> {
        let r = &self.routes;
        r.up.iter()
            .chain(&r.down)
            .chain(&r.across)
            .chain(&r.back)
            .map(String::as_str)
            .collect()
    }

    /// Whether a receiver at `direction` from the origin applies an event of `kind`, given
    /// whether it already holds the event's aggregate.
    pub fn applies(&self, direction: Direction, kind: &str, held: bool) -> bool {
        let r = &self.routes;
        let routed = match direction {
            Direction::Up => &r.up,
            Direction::Down => &r.down,
            Direction::Across => &r.across,
        };
        let opening = OPENING.contains(&kind);
        let on_route = routed.iter().any(|k| k == kind);
        let back = r.back.iter().any(|k| k == kind);
        // Opening kinds are applied once (an aggregate already held is a duplicate fact);
        // follow-ups only where the aggregate is.
        if opening {
            on_route && !held
        } else {
            held && (on_route || back)
        }
    }
}

/// Where the receiving node stands relative to the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The receiver is above the origin (归集).
    Up,
    /// The receiver is below the origin.
    Down,
    /// Neither: a sibling, another region (跨区域联动), or a node not in the tree.
    Across,
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Direction::Up => "上报（归集）",
            Direction::Down => "下发",
            Direction::Across => "横向联动",
        }
    }
}

fn is_ancestor(org: &OrgTree, ancestor: &str, of: &str) -> bool {
    let mut current = of.to_string();
    for _ in 0..org.units.len() {
        let Some(unit) = org.units.iter().find(|u| u.id == current) else {
            return false;
        };
        match &unit.parent {
            Some(p) if p == ancestor => return true,
            Some(p) => current = p.clone(),
            None => return false,
        }
    }
    false
}

/// Where `receiver` stands relative to `origin` in the organisation tree.
pub fn direction(org: &OrgTree, origin: &str, receiver: &str) -> Direction {
    if is_ancestor(org, receiver, origin) {
        Direction::Up
    } else if is_ancestor(org, origin, receiver) {
        Direction::Down
    } else {
        Direction::Across
    }
}

/// A node id or namespace as used in stream and subject names: letters, digits, `-` and `_`.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!("{what}“{name}”无效：只能由字母、数字、- 和 _ 组成"));
    }
    Ok(())
}

/// The names on the broker of one exchange network (its namespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub namespace: String,
}

impl Names {
    pub fn new(namespace: &str) -> Result<Self, String> {
        check_name("命名空间", namespace)?;
        Ok(Names {
            namespace: namespace.to_string(),
        })
    }
    /// The stream of facts: every node publishes into it.
    pub fn events_stream(&self) -> String {
        format!("{}-events", self.namespace)
    }
    /// Subjects of the facts stream.
    pub fn events_all(&self) -> String {
        format!("{}.ev.>", self.namespace)
    }
    /// The subject of one fact: `NS.ev.ORIGIN.KIND`.
    pub fn event_subject(&self, origin: &str, kind: &str) -> String {
        format!("{}.ev.{origin}.{kind}", self.namespace)
    }
    /// The stream of acknowledgements.
    pub fn acks_stream(&self) -> String {
        format!("{}-acks", self.namespace)
    }
    pub fn acks_all(&self) -> String {
        format!("{}.ack.>", self.namespace)
    }
    /// Acknowledgements addressed to `origin`.
    pub fn ack_subject(&self, origin: &str) -> String {
        format!("{}.ack.{origin}", self.namespace)
    }
    /// The durable consumer of facts of `node`.
    pub fn consumer(&self, node: &str) -> String {
        format!("{}-{node}", self.namespace)
    }
    /// The durable consumer of acknowledgements of `node`.
    pub fn ack_consumer(&self, node: &str) -> String {
        format!("{}-{node}-acks", self.namespace)
    }
    /// Core NATS request subject of `node`: re-requests (republish from a sequence).
    pub fn request_subject(&self, node: &str) -> String {
        format!("{}.req.{node}", self.namespace)
    }
    /// Core NATS request subject of `node`: its summary, for `exchange reconcile`.
    pub fn summary_subject(&self, node: &str) -> String {
        format!("{}.rpc.{node}.summary", self.namespace)
    }
    /// Core NATS request subject of `node`: Merkle roots of ranges of its published facts.
    pub fn roots_subject(&self, node: &str) -> String {
        format!("{}.rpc.{node}.roots", self.namespace)
    }
    /// Core NATS request subject of `node`: its published facts in a range (reconcile's repair).
    pub fn facts_subject(&self, node: &str) -> String {
        format!("{}.rpc.{node}.facts", self.namespace)
    }
    /// Core NATS request subject of `node`: the inclusion proof of one of its facts in its
    /// signed checkpoint.
    pub fn proof_subject(&self, node: &str) -> String {
        format!("{}.rpc.{node}.proof", self.namespace)
    }
}

/// One fact on the wire: the origin's stored event, whole (so the receiver recomputes its hash),
/// and the origin sequence of the fact published before it (0 for the first), so a receiver
/// detects a gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub node: String,
    pub prev: i64,
    pub event: StoredEvent,
    /// The origin's earlier events of the same aggregate that the receiver needs to apply
    /// `event` (see `RELATED`), whole, so their hashes are checked too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<StoredEvent>,
}

/// Where a received fact came from (it lives beside the events it is kept in).
pub use crate::ledger::Origin;

/// The subject a fact names, when it names one that must be mapped to the receiver's.
pub fn fact_subject(payload: &EventPayload) -> Option<&str> {
    match payload {
        EventPayload::RecordPublished { subject_id, .. } => Some(subject_id),
        EventPayload::ListEntryProposed { entry, .. } => entry.subject_id.as_deref(),
        EventPayload::EvalResultProposed { result }
        | EventPayload::EvalResultRevised { result, .. } => Some(&result.subject_id),
        EventPayload::IntegrityRecorded { record } => Some(&record.subject_id),
        _ => None,
    }
}

/// Whether a fact may stand without its subject at the receiver (a list entry, on its code
/// and name, as an external list's does); every other fact naming a subject needs it.
pub fn stands_without_subject(payload: &EventPayload) -> bool {
    matches!(payload, EventPayload::ListEntryProposed { .. })
}

/// The fact with its subject replaced by the receiver's (`None`: not known here, which only a
/// list entry may be: it then stands on its code and name, as an external list's does).
pub fn with_subject(payload: EventPayload, local: Option<String>) -> EventPayload {
    match payload {
        EventPayload::RecordPublished {
            record_id,
            body,
            publication,
            subject_id,
        } => EventPayload::RecordPublished {
            record_id,
            subject_id: local.unwrap_or(subject_id),
            body,
            publication,
        },
        EventPayload::ListEntryProposed { mut entry, by } => {
            entry.subject_id = local;
            EventPayload::ListEntryProposed { entry, by }
        }
        EventPayload::EvalResultProposed { mut result } => {
            if let Some(l) = local {
                result.subject_id = l;
            }
            EventPayload::EvalResultProposed { result }
        }
        EventPayload::EvalResultRevised {
            mut result,
            reason,
            application,
            on,
            valid_until,
        } => {
            if let Some(l) = local {
                result.subject_id = l;
            }
            EventPayload::EvalResultRevised {
                result,
                reason,
                application,
                on,
                valid_until,
            }
        }
        EventPayload::IntegrityRecorded { mut record } => {
            if let Some(l) = local {
                record.subject_id = l;
            }
            EventPayload::IntegrityRecorded { record }
        }
        other => other,
    }
}

/// A receiver's acknowledgement to an origin: everything up to `upto` was seen (applied,
/// skipped as not for it, or dead-lettered), and these facts were applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The acknowledging node.
    pub by: String,
    pub origin: String,
    pub upto: i64,
    #[serde(default)]
    pub applied: Vec<AckedFact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckedFact {
    pub seq: i64,
    pub kind: String,
    pub aggregate_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_parses_and_unknown_kinds_are_refused() {
        let p = ExchangePolicy::builtin();
        assert_eq!(p.max_deliveries, 5);
        assert!(p.published_kinds().contains("list_entry_published"));
        let bad = DEFAULT_EXCHANGE_TOML.replace("\"case_opened\",", "\"check_answered\",");
        assert!(
            ExchangePolicy::from_toml(&bad)
                .unwrap_err()
                .contains("check_answered")
        );
        let zero = DEFAULT_EXCHANGE_TOML.replace("max_deliveries = 5", "max_deliveries = 0");
        assert!(
            ExchangePolicy::from_toml(&zero)
                .unwrap_err()
                .contains("max_deliveries")
        );
    }

    #[test]
    fn direction_follows_the_organisation_tree() {
        let org = OrgTree::builtin();
        assert_eq!(direction(org, "DH", "SF"), Direction::Up);
        assert_eq!(direction(org, "SF", "DH"), Direction::Down);
        assert_eq!(direction(org, "DH", "XL"), Direction::Across);
        assert_eq!(direction(org, "SF", "ELSEWHERE"), Direction::Across);
        let p = ExchangePolicy::builtin();
        assert!(p.applies(Direction::Up, "record_published", false));
        assert!(!p.applies(Direction::Up, "record_published", true));
        assert!(!p.applies(Direction::Down, "record_published", false));
        assert!(p.applies(Direction::Down, "list_entry_published", true));
        assert!(!p.applies(Direction::Down, "list_entry_published", false));
        // Results go back to whoever holds the record, whatever the direction.
        assert!(p.applies(Direction::Down, "record_corrected", true));
        assert!(!p.applies(Direction::Down, "record_corrected", false));
    }

    #[test]
    fn names_are_prefixed_and_checked() {
        let n = Names::new("t1").unwrap();
        assert_eq!(
            n.event_subject("SF", "record_published"),
            "t1.ev.SF.record_published"
        );
        assert_eq!(n.consumer("DH"), "t1-DH");
        assert!(Names::new("a.b").is_err());
        assert!(check_name("节点", "S F").is_err());
    }
}
