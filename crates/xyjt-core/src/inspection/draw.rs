//! The random draw (双随机): subjects by grade-weighted ratios, two inspectors per task, every
//! seriously dishonest subject in the plan. Anyone can replay it: the seed is bytes (hex decoded,
//! never re-typed as a number), the k-th random number is SHA-256(seed ‖ k as 8-byte big-endian),
//! candidates are sampled in a fixed order (by subject id), and the inputs are folded from the
//! ledger up to the recorded sequence number (RULES.md §7).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{InspectionPolicy, Quarter};
use crate::ledger::EventPayload;

/// A law-enforcement officer in a unit's pool (执法检查人员名录库).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    /// Stable id, e.g. `DH-ZF-07`.
    pub id: String,
    pub name: String,
    /// The org-tree unit the inspector works in.
    pub unit: String,
    /// Code (USCC) of an organisation the inspector must not inspect (own or former employer:
    /// 回避).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avoid_code: Option<String>,
}

/// One task of a draw: a subject and its inspectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawTask {
    pub no: u32,
    pub item_id: String,
    pub subject_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// Why the subject is in the plan (the grade and its ratio, or the blacklist).
    pub reason: String,
    pub inspectors: Vec<String>,
}

/// A draw as recorded: the seed (revealed only now; its SHA-256 was recorded before), the
/// snapshot it used, the policy version and the tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub id: String,
    pub quarter: String,
    /// The drawing unit; its pool supplies the inspectors.
    pub unit: String,
    /// Hex.
    pub seed: String,
    pub seed_sha256: String,
    /// The ledger sequence number the inputs were folded up to.
    pub snapshot_seq: i64,
    pub policy_version: u32,
    pub tasks: Vec<DrawTask>,
    pub drawn_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("种子应为十六进制字符串（16–64 字节，即 32–128 个十六进制字符）：{0}")]
    BadSeed(String),
    #[error(
        "{unit} 的检查人员库中可派往 {subject} 的人员只有 {eligible} 名，每项任务需要 {needed} 名：请充实人员库"
    )]
    PoolTooSmall {
        unit: String,
        subject: String,
        eligible: usize,
        needed: usize,
    },
}

/// Decodes a seed given as hex: 16 to 64 bytes.
pub fn decode_seed(hex_text: &str) -> Result<Vec<u8>, DrawError> {
    let t = hex_text.trim();
    let bytes = hex::decode(t).map_err(|e| DrawError::BadSeed(e.to_string()))?;
    if !(16..=64).contains(&bytes.len()) {
        return Err(DrawError::BadSeed(format!("{} 字节", bytes.len())));
    }
    Ok(bytes)
}

/// SHA-256(seed ‖ k) as a stream of numbers.
pub struct SeedStream<'a> {
    seed: &'a [u8],
    k: u64,
}

impl<'a> SeedStream<'a> {
    pub fn new(seed: &'a [u8]) -> Self {
        SeedStream { seed, k: 0 }
    }

    /// The first 8 bytes (big-endian) of SHA-256(seed ‖ k), then k + 1.
    pub fn next_u64(&mut self) -> u64 {
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.k.to_be_bytes());
        self.k += 1;
        let d = h.finalize();
        u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
    }

    /// Uniform in `0..n` (rejection sampling: no modulo bias).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0);
        let zone = (u64::MAX / n) * n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// `m` of `items`, by a partial Fisher–Yates shuffle, in the order drawn.
    pub fn choose<T: Clone>(&mut self, items: &[T], m: usize) -> Vec<T> {
        let mut pool: Vec<T> = items.to_vec();
        let m = m.min(pool.len());
        for i in 0..m {
            let j = i + self.below((pool.len() - i) as u64) as usize;
            pool.swap(i, j);
        }
        pool.truncate(m);
        pool
    }
}

/// A subject's published grade under one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graded {
    pub name: String,
    pub code: Option<String>,
    pub grade: Option<String>,
    pub period: String,
    pub published_on: NaiveDate,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ListedEntry {
    list: String,
    subject_id: Option<String>,
    name: String,
    code: Option<String>,
    entry_date: NaiveDate,
    valid_until: Option<NaiveDate>,
    published_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingResult {
    model_id: String,
    subject_id: String,
    graded: Graded,
}

/// What a draw needs, folded from the ledger in order: published grades, list entries, the
/// inspector pools, each unit's last draw.
#[derive(Debug, Clone, Default)]
pub struct DrawInputs {
    /// model → subject → latest published grade.
    pub graded: BTreeMap<String, BTreeMap<String, Graded>>,
    /// run id → its proposed results (they precede the run's own event).
    pending: BTreeMap<String, Vec<PendingResult>>,
    entries: BTreeMap<String, ListedEntry>,
    pub pools: BTreeMap<String, Vec<Inspector>>,
    /// unit → subject → inspectors of its last draw.
    pub last_draw: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// The last sequence number folded.
    pub seq: i64,
}

/// The event kinds [`DrawInputs::apply`] reads (the store fetches only these).
pub const DRAW_INPUT_KINDS: &[&str] = &[
    "eval_result_proposed",
    "eval_run_reviewed",
    "eval_run_published",
    "eval_result_revised",
    "list_entry_proposed",
    "list_entry_published",
    "list_entry_ended",
    "inspector_pool_set",
    "inspection_drawn",
];

impl DrawInputs {
    fn publish(&mut self, model_id: &str, subject_id: &str, g: Graded) {
        let slot = self.graded.entry(model_id.to_string()).or_default();
        match slot.get(subject_id) {
            Some(old) if old.period > g.period => {}
            _ => {
                slot.insert(subject_id.to_string(), g);
            }
        }
    }

    /// Folds one event (others are ignored).
    pub fn apply(&mut self, seq: i64, payload: &EventPayload) {
        self.seq = seq;
        match payload {
            EventPayload::EvalResultProposed { result } => {
                self.pending
                    .entry(result.run_id.clone())
                    .or_default()
                    .push(PendingResult {
                        model_id: result.model_id.clone(),
                        subject_id: result.subject_id.clone(),
                        graded: Graded {
                            name: result.subject_name.clone(),
                            code: result.subject_code.clone(),
                            grade: result.grade.clone(),
                            period: result.period.clone(),
                            published_on: result.as_of,
                            valid_until: result.as_of,
                        },
                    });
            }
            EventPayload::EvalRunReviewed {
                run_id, approved, ..
            } if !approved => {
                self.pending.remove(run_id);
            }
            EventPayload::EvalRunPublished {
                run_id,
                on,
                valid_until,
                ..
            } => {
                for mut r in self.pending.remove(run_id).unwrap_or_default() {
                    r.graded.published_on = *on;
                    r.graded.valid_until = *valid_until;
                    self.publish(&r.model_id, &r.subject_id, r.graded);
                }
            }
            EventPayload::EvalResultRevised {
                result,
                on,
                valid_until,
                ..
            } => {
                let g = Graded {
                    name: result.subject_name.clone(),
                    code: result.subject_code.clone(),
                    grade: result.grade.clone(),
                    period: result.period.clone(),
                    published_on: *on,
                    valid_until: *valid_until,
                };
                self.graded
                    .entry(result.model_id.clone())
                    .or_default()
                    .insert(result.subject_id.clone(), g);
            }
            EventPayload::ListEntryProposed { entry, .. } => {
                self.entries.insert(
                    entry.id.clone(),
                    ListedEntry {
                        list: entry.list.key().to_string(),
                        subject_id: entry.subject_id.clone(),
                        name: entry.name.clone(),
                        code: entry.code.clone(),
                        entry_date: entry.entry_date,
                        valid_until: entry.valid_until,
                        published_on: None,
                        ended_on: None,
                    },
                );
            }
            EventPayload::ListEntryPublished { entry_id, on } => {
                if let Some(e) = self.entries.get_mut(entry_id) {
                    e.published_on = Some(*on);
                }
            }
            EventPayload::ListEntryEnded { entry_id, on, .. } => {
                if let Some(e) = self.entries.get_mut(entry_id) {
                    e.ended_on = Some(*on);
                }
            }
            EventPayload::InspectorPoolSet { unit, inspectors } => {
                self.pools.insert(unit.clone(), inspectors.clone());
            }
            EventPayload::InspectionDrawn { draw } => {
                let map = draw
                    .tasks
                    .iter()
                    .map(|t| (t.subject_id.clone(), t.inspectors.clone()))
                    .collect();
                self.last_draw.insert(draw.unit.clone(), map);
            }
            _ => {}
        }
    }

    /// Subjects on `list` in force on any day of the quarter: (subject id, name, code).
    pub fn listed_during(&self, list: &str, q: Quarter) -> Vec<(String, String, Option<String>)> {
        let (from, to) = (q.first_day(), q.last_day());
        let mut out: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        for e in self.entries.values() {
            let Some(subject) = &e.subject_id else {
                continue;
            };
            if e.list == list
                && e.published_on.is_some_and(|p| p <= to)
                && e.entry_date <= to
                && e.valid_until.is_none_or(|u| u >= from)
                && e.ended_on.is_none_or(|on| on > from)
            {
                out.insert(subject.clone(), (e.name.clone(), e.code.clone()));
            }
        }
        out.into_iter().map(|(id, (n, c))| (id, n, c)).collect()
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct DrawRequest<'a> {
    pub id: String,
    pub quarter: Quarter,
    pub unit: String,
    pub seed: &'a [u8],
    pub snapshot_seq: i64,
    pub drawn_on: NaiveDate,
}

/// Makes the draw. The same request and inputs always give the same record.
pub fn draw(
    req: &DrawRequest<'_>,
    policy: &InspectionPolicy,
    inputs: &DrawInputs,
) -> Result<DrawRecord, DrawError> {
    let mut rng = SeedStream::new(req.seed);
    let (q_from, q_to) = (req.quarter.first_day(), req.quarter.last_day());
    let mut picked: Vec<DrawTask> = Vec::new();
    for item in &policy.items {
        let Some(graded) = item.model.as_ref().and_then(|m| inputs.graded.get(m)) else {
            continue;
        };
        // Grade groups in the order the item lists them; each group sorted by subject id.
        for ratio in &item.ratios {
            let group: Vec<(&String, &Graded)> = graded
                .iter()
                .filter(|(_, g)| {
                    g.grade.as_deref() == Some(ratio.grade.as_str())
                        && g.published_on <= q_to
                        && g.valid_until >= q_from
                })
                .collect();
            let m = item.sample_size(group.len(), ratio.percent);
            for (id, g) in rng.choose(&group, m) {
                picked.push(DrawTask {
                    no: 0,
                    item_id: item.id.clone(),
                    subject_id: id.clone(),
                    name: g.name.clone(),
                    code: g.code.clone(),
                    grade: g.grade.clone(),
                    reason: format!(
                        "{} 级，按年度抽查比例 {}% 随机抽取（{} 户中抽 {} 户）",
                        ratio.grade,
                        ratio.percent,
                        group.len(),
                        m
                    ),
                    inspectors: Vec::new(),
                });
            }
        }
    }
    // Every seriously dishonest subject is in the plan.
    let serious = inputs.listed_during(&policy.serious.list, req.quarter);
    let listed: BTreeSet<String> = serious.iter().map(|(id, _, _)| id.clone()).collect();
    for t in &mut picked {
        if listed.contains(&t.subject_id) {
            t.reason.push_str("；列入黑名单，本季度须检查");
        }
    }
    let already: BTreeSet<String> = picked.iter().map(|t| t.subject_id.clone()).collect();
    for (id, name, code) in serious {
        if already.contains(&id) {
            continue;
        }
        let grade = inputs
            .graded
            .values()
            .find_map(|m| m.get(&id).and_then(|g| g.grade.clone()));
        picked.push(DrawTask {
            no: 0,
            item_id: policy.serious.item_id.clone(),
            subject_id: id,
            name,
            code,
            grade,
            reason: format!("严重失信主体（黑名单），{}", policy.serious.basis),
            inspectors: Vec::new(),
        });
    }
    let mut pool: Vec<Inspector> = inputs.pools.get(&req.unit).cloned().unwrap_or_default();
    pool.sort_by(|a, b| a.id.cmp(&b.id));
    let last = inputs.last_draw.get(&req.unit);
    let needed = policy.inspectors_per_task as usize;
    let mut tasks = Vec::with_capacity(picked.len());
    for (n, mut task) in picked.into_iter().enumerate() {
        let before: &[String] = last
            .and_then(|l| l.get(&task.subject_id))
            .map_or(&[], |v| v.as_slice());
        let eligible: Vec<&Inspector> = pool
            .iter()
            .filter(|i| {
                let recused =
                    task.code.is_some() && i.avoid_code.as_deref() == task.code.as_deref();
                !before.contains(&i.id) && !recused
            })
            .collect();
        if eligible.len() < needed {
            return Err(DrawError::PoolTooSmall {
                unit: req.unit.clone(),
                subject: task.name,
                eligible: eligible.len(),
                needed,
            });
        }
        task.no = n as u32 + 1;
        task.inspectors = rng
            .choose(&eligible, needed)
            .into_iter()
            .map(|i| i.id.clone())
            .collect();
        tasks.push(task);
    }
    Ok(DrawRecord {
        id: req.id.clone(),
        quarter: req.quarter.to_string(),
        unit: req.unit.clone(),
        seed: hex::encode(req.seed),
        seed_sha256: crate::canonical::sha256_hex(req.seed),
        snapshot_seq: req.snapshot_seq,
        policy_version: policy.version,
        tasks,
        drawn_on: req.drawn_on,
    })
}

/// The first difference between a recorded draw and its recomputation, in words; `None` when
/// they are identical.
pub fn first_difference(recorded: &DrawRecord, recomputed: &DrawRecord) -> Option<String> {
    if crate::canonical::sha256_hex(&decode_seed(&recorded.seed).unwrap_or_default())
        != recorded.seed_sha256
    {
        return Some("记录的种子与事先登记的种子哈希不符".into());
    }
    let n = recorded.tasks.len().max(recomputed.tasks.len());
    for i in 0..n {
        match (recorded.tasks.get(i), recomputed.tasks.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => {
                return Some(format!(
                    "第 {} 项任务不同：记录为 {}（{}，检查人员 {}），重算为 {}（{}，检查人员 {}）",
                    i + 1,
                    a.name,
                    a.subject_id,
                    a.inspectors.join("、"),
                    b.name,
                    b.subject_id,
                    b.inspectors.join("、")
                ));
            }
            (Some(a), None) => {
                return Some(format!("记录中多出第 {} 项任务（{}）", i + 1, a.name));
            }
            (None, Some(b)) => {
                return Some(format!("重算多出第 {} 项任务（{}）", i + 1, b.name));
            }
            (None, None) => {}
        }
    }
    (recorded != recomputed).then(|| "抽取记录的其他字段（季度、单位、版本）不同".into())
}
