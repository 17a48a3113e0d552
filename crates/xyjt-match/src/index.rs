//! [`MatchIndex`]: an in-memory screening index over list entries.
//!
//! * **Identifiers**: a hash map from the normalised identifier
//!   (`xyjt_core::ident::check(code).normalized`) to entries, with the organisation code embedded
//!   in a valid USCC indexed as well (an old organisation code finds the new USCC holder, and a
//!   USCC query finds an entry listed under its old organisation code).
//! * **Names**: every entry's core name ([`crate::normalize::analyze`]) is cut into character
//!   features (padded bigrams and skip-bigrams, see [`crate::score`]); an inverted index maps
//!   each feature to the sorted entry numbers (`u32`) that have it. The same inverted index
//!   holds region-anchored blocking keys (the name's region, and each enclosing region, with
//!   the first and with the second character of the core), which pull in same-region names that
//!   differ by one character. A query adds up, per entry, the rarity weights
//!   (`ln(1 + N / (1 + df))`) of the keys it shares, skipping keys held by more than
//!   [`IndexConfig::frequent_share`] of the entries (they carry little information: 货运, 物流,
//!   运$ …); the [`IndexConfig::candidates`] best-weighted entries, plus every entry with
//!   exactly the same core (a separate hash map), are then scored exactly ([`crate::score`]).
//!
//! Updates are cheap: [`MatchIndex::insert`] and [`MatchIndex::remove`] touch only the entry's
//! own features and identifiers (a binary search and a `Vec` insert or remove per feature), and
//! freed entry numbers are reused.

use crate::normalize::{LEGAL_FORMS, LegalForm, NameAnalysis, analyze};
use crate::region::Region;
use crate::score::{
    MatchBasis, NameScore, PENALTY_CODE_CONFLICT, Parts, QueryCore, SCORE_IDENTIFIER,
    anchor_features, core_features, explain_names, mix64, score_parts, text_hash,
};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use xyjt_core::ident::{self, Code, CodeKind};

/// One entry of a list (blacklist, watch list, an imported 失信被执行人 list …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntry {
    /// Unique within the index; inserting an existing id replaces the entry.
    pub entry_id: String,
    /// The list's name, e.g. `严重失信主体名单`.
    pub list: String,
    /// The subject's name as listed.
    pub name: String,
    /// The subject's identifier as listed, if any (any kind; normalised for lookup).
    pub code: Option<String>,
}

impl From<(String, String, String, Option<String>)> for ListEntry {
    fn from((entry_id, list, name, code): (String, String, String, Option<String>)) -> Self {
        ListEntry {
            entry_id,
            list,
            name,
            code,
        }
    }
}

/// A screening hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub entry_id: String,
    pub list: String,
    pub name: String,
    pub code: Option<String>,
    /// In `[0, 1]`; see [`crate::score`] for the design.
    pub score: f64,
    /// The strongest evidence behind the score.
    pub basis: MatchBasis,
    /// Chinese explanation lines: which identifiers, normalisations and name parts produced
    /// the score.
    pub explanation: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Small building blocks
// ---------------------------------------------------------------------------------------------

/// Hasher for u64 keys (feature keys, text hashes): one murmur3 finaliser step, much faster
/// than SipHash and well spread over all bits.
#[derive(Default, Clone, Copy)]
struct U64Hasher(u64);

impl Hasher for U64Hasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = mix64(self.0 ^ i);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type U64Map<V> = HashMap<u64, V, BuildHasherDefault<U64Hasher>>;

/// A sorted set of entry numbers; a single number is stored inline.
#[derive(Debug, Clone)]
enum Ids {
    One(u32),
    Many(Vec<u32>),
}

impl Ids {
    fn as_slice(&self) -> &[u32] {
        match self {
            Ids::One(x) => std::slice::from_ref(x),
            Ids::Many(v) => v,
        }
    }

    fn len(&self) -> usize {
        match self {
            Ids::One(_) => 1,
            Ids::Many(v) => v.len(),
        }
    }

    fn insert(&mut self, id: u32) {
        match self {
            Ids::One(x) if *x == id => {}
            Ids::One(x) => {
                let v = if *x < id { vec![*x, id] } else { vec![id, *x] };
                *self = Ids::Many(v);
            }
            Ids::Many(v) => match v.last() {
                Some(&last) if last < id => v.push(id),
                _ => {
                    if let Err(pos) = v.binary_search(&id) {
                        v.insert(pos, id);
                    }
                }
            },
        }
    }

    /// Removes `id`; returns whether the set is now empty.
    fn remove(&mut self, id: u32) -> bool {
        match self {
            Ids::One(x) => *x == id,
            Ids::Many(v) => {
                if let Ok(pos) = v.binary_search(&id) {
                    v.remove(pos);
                }
                match v.len() {
                    0 => true,
                    1 => {
                        *self = Ids::One(v[0]);
                        false
                    }
                    _ => false,
                }
            }
        }
    }
}

fn map_insert(map: &mut U64Map<Ids>, key: u64, id: u32) {
    map.entry(key)
        .and_modify(|ids| ids.insert(id))
        .or_insert(Ids::One(id));
}

fn map_remove(map: &mut U64Map<Ids>, key: u64, id: u32) {
    if let Some(ids) = map.get_mut(&key)
        && ids.remove(id)
    {
        map.remove(&key);
    }
}

const NO_REGION: u16 = u16::MAX;
const NO_FORM: u8 = u8::MAX;

/// One stored entry. The strings live in one allocation: `entry_id`, `name`, `code`, `core`.
#[derive(Debug, Clone)]
struct Slot {
    text: Box<str>,
    /// Byte ends of entry_id, name, code inside `text` (the core runs to the end).
    ends: [u32; 3],
    has_code: bool,
    list: u16,
    region: u16,
    form: u8,
    /// Kind of the listed identifier when it is valid (for 同名不同码).
    valid_code_kind: Option<CodeKind>,
    name_hash: u64,
}

impl Slot {
    fn entry_id(&self) -> &str {
        &self.text[..self.ends[0] as usize]
    }
    fn name(&self) -> &str {
        &self.text[self.ends[0] as usize..self.ends[1] as usize]
    }
    fn code(&self) -> Option<&str> {
        self.has_code
            .then(|| &self.text[self.ends[1] as usize..self.ends[2] as usize])
    }
    fn core(&self) -> &str {
        &self.text[self.ends[2] as usize..]
    }
    fn region(&self) -> Option<Region> {
        (self.region != NO_REGION).then(|| Region::from_index(self.region))
    }
    fn form(&self) -> Option<LegalForm> {
        (self.form != NO_FORM).then(|| {
            let (text, class) = LEGAL_FORMS[self.form as usize];
            LegalForm { text, class }
        })
    }
    fn parts(&self) -> Parts<'_> {
        Parts {
            normalized_hash: self.name_hash,
            core: self.core(),
            region: self.region(),
            form: self.form(),
        }
    }
}

fn form_index(f: Option<LegalForm>) -> u8 {
    f.and_then(|f| LEGAL_FORMS.iter().position(|&(t, _)| t == f.text))
        .map_or(NO_FORM, |i| i as u8)
}

/// How a listed identifier matched the query's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeMatch {
    /// The normalised identifiers are equal.
    Equal,
    /// The query is an organisation code, embedded in the listed USCC.
    QueryIsEmbeddedOrg,
    /// The listed identifier is the organisation code embedded in the query's USCC.
    ListedIsEmbeddedOrg,
}

/// The organisation code embedded in a valid USCC.
fn embedded_org(code: &str) -> Option<String> {
    match ident::check(code).result {
        Ok(Code::Uscc(u)) => u.org_code().map(|o| o.as_str().to_owned()),
        _ => None,
    }
}

struct Scratch {
    acc: Vec<f32>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { acc: Vec::new(), touched: Vec::new() })
    };
}

// ---------------------------------------------------------------------------------------------
// The index
// ---------------------------------------------------------------------------------------------

/// Tuning of candidate generation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexConfig {
    /// Features held by more than this share of entries are not scanned (they are still used
    /// when scoring candidates). Default 1 %.
    pub frequent_share: f64,
    /// Never treat a feature held by at most this many entries as frequent. Default 2,000.
    pub frequent_floor: usize,
    /// Number of candidates, by shared feature weight, that are scored exactly. Default 96.
    pub candidates: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            frequent_share: 0.01,
            frequent_floor: 2_000,
            candidates: 96,
        }
    }
}

/// Screening index over list entries; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct MatchIndex {
    config: IndexConfig,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_id: HashMap<Box<str>, u32>,
    lists: Vec<Box<str>>,
    list_ids: HashMap<Box<str>, u16>,
    /// text_hash(normalised code) → entries (their code, or the org code inside their USCC).
    codes: U64Map<Ids>,
    /// text_hash(core) → entries.
    cores: U64Map<Ids>,
    /// feature → entries.
    features: U64Map<Ids>,
    live: usize,
}

impl MatchIndex {
    /// An empty index with the default configuration.
    pub fn new() -> Self {
        Self::with_config(IndexConfig::default())
    }

    /// An empty index with the given configuration.
    pub fn with_config(config: IndexConfig) -> Self {
        MatchIndex {
            config,
            ..Default::default()
        }
    }

    /// Builds an index from `(entry_id, list, name, code)` tuples or [`ListEntry`] values.
    pub fn build<I, E>(items: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: Into<ListEntry>,
    {
        let mut index = Self::new();
        for item in items {
            index.insert(item.into());
        }
        index
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The configuration in use.
    pub fn config(&self) -> IndexConfig {
        self.config
    }

    /// Changes the candidate-generation configuration (takes effect on the next query).
    pub fn set_config(&mut self, config: IndexConfig) {
        self.config = config;
    }

    /// Number of distinct name features in the inverted index.
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// The entry with this id.
    pub fn get(&self, entry_id: &str) -> Option<ListEntry> {
        let &n = self.by_id.get(entry_id)?;
        self.slots[n as usize].as_ref().map(|s| self.entry_of(s))
    }

    fn entry_of(&self, s: &Slot) -> ListEntry {
        ListEntry {
            entry_id: s.entry_id().to_owned(),
            list: self.lists[s.list as usize].to_string(),
            name: s.name().to_owned(),
            code: s.code().map(str::to_owned),
        }
    }

    fn list_id(&mut self, list: &str) -> u16 {
        if let Some(&id) = self.list_ids.get(list) {
            return id;
        }
        let id = u16::try_from(self.lists.len()).expect("at most 65,535 lists");
        self.lists.push(list.into());
        self.list_ids.insert(list.into(), id);
        id
    }

    /// Code keys of an entry: its normalised code and the org code inside a valid USCC.
    fn code_keys(code: &str) -> Vec<u64> {
        let check = ident::check(code);
        if check.normalized.is_empty() {
            return Vec::new();
        }
        let mut keys = vec![text_hash(&check.normalized)];
        if let Ok(Code::Uscc(u)) = &check.result
            && let Some(o) = u.org_code()
        {
            keys.push(text_hash(o.as_str()));
        }
        keys
    }

    /// Adds an entry, replacing any entry with the same `entry_id`. Returns the replaced entry.
    pub fn insert(&mut self, entry: ListEntry) -> Option<ListEntry> {
        let replaced = self.remove(&entry.entry_id);
        let analysis = analyze(&entry.name);
        let list = self.list_id(&entry.list);
        let valid_code_kind = entry
            .code
            .as_deref()
            .map(ident::check)
            .filter(ident::CodeCheck::is_valid)
            .map(|c| c.kind);
        let mut text = String::with_capacity(
            entry.entry_id.len() + entry.name.len() + analysis.core.len() + 18,
        );
        text.push_str(&entry.entry_id);
        let e0 = text.len();
        text.push_str(&entry.name);
        let e1 = text.len();
        // The original code text is kept (hits show the code as listed).
        if let Some(c) = &entry.code {
            text.push_str(c);
        }
        let e2 = text.len();
        text.push_str(&analysis.core);
        let slot = Slot {
            text: text.into_boxed_str(),
            ends: [e0 as u32, e1 as u32, e2 as u32],
            has_code: entry.code.is_some(),
            list,
            region: analysis.region.map_or(NO_REGION, Region::index),
            form: form_index(analysis.legal_form),
            valid_code_kind,
            name_hash: text_hash(&analysis.normalized),
        };
        let n = match self.free.pop() {
            Some(n) => n,
            None => {
                let n = u32::try_from(self.slots.len()).expect("at most 2^32 entries");
                self.slots.push(None);
                n
            }
        };
        if let Some(c) = &entry.code {
            for key in Self::code_keys(c) {
                map_insert(&mut self.codes, key, n);
            }
        }
        map_insert(&mut self.cores, text_hash(&analysis.core), n);
        for f in Self::index_features(&analysis.core, analysis.region) {
            map_insert(&mut self.features, f, n);
        }
        self.by_id.insert(entry.entry_id.into_boxed_str(), n);
        self.slots[n as usize] = Some(slot);
        self.live += 1;
        replaced
    }

    /// Removes the entry with this id; returns it if it was present.
    pub fn remove(&mut self, entry_id: &str) -> Option<ListEntry> {
        let n = self.by_id.remove(entry_id)?;
        let slot = self.slots[n as usize].take()?;
        if let Some(c) = slot.code() {
            for key in Self::code_keys(c) {
                map_remove(&mut self.codes, key, n);
            }
        }
        map_remove(&mut self.cores, text_hash(slot.core()), n);
        for f in Self::index_features(slot.core(), slot.region()) {
            map_remove(&mut self.features, f, n);
        }
        self.free.push(n);
        self.live -= 1;
        Some(self.entry_of(&slot))
    }

    /// The inverted-index keys of a name: its core features and its region-anchored keys.
    fn index_features(core: &str, region: Option<Region>) -> Vec<u64> {
        let chars: Vec<char> = core.chars().collect();
        let (mut feats, mut anchors) = (Vec::new(), Vec::new());
        core_features(&chars, &mut feats);
        anchor_features(region, &chars, &mut anchors);
        feats.extend(anchors);
        feats
    }

    /// Rarity weight of a feature: `ln(1 + N / (1 + df))`.
    fn weight(&self, feature: u64) -> f64 {
        let df = self.features.get(&feature).map_or(0, Ids::len);
        (1.0 + self.live as f64 / (1.0 + df as f64)).ln()
    }

    /// Screens one subject by name and/or identifier against every entry.
    ///
    /// Returns at most `limit` hits with `score ≥ min_score`, best first (ties: insertion
    /// order). An identifier match scores 1.0 (with the name comparison added to its
    /// explanation); name matches are scored as described in [`crate::score`].
    pub fn screen(
        &self,
        query_name: Option<&str>,
        query_code: Option<&str>,
        limit: usize,
        min_score: f64,
    ) -> Vec<Hit> {
        if limit == 0 || self.live == 0 {
            return Vec::new();
        }
        let query_name = query_name.filter(|n| !n.trim().is_empty());
        let query_check = query_code
            .map(ident::check)
            .filter(|c| !c.normalized.is_empty());
        // (entry number, score, code match, name score)
        let mut scored: Vec<(u32, f64, Option<CodeMatch>, Option<NameScore>)> = Vec::new();

        if let Some(check) = &query_check {
            let query_org = match &check.result {
                Ok(Code::Uscc(u)) => u.org_code().map(|o| o.as_str().to_owned()),
                _ => None,
            };
            let mut keys = vec![text_hash(&check.normalized)];
            if let Some(o) = &query_org {
                keys.push(text_hash(o));
            }
            for key in keys {
                let Some(ids) = self.codes.get(&key) else {
                    continue;
                };
                for &n in ids.as_slice() {
                    let Some(slot) = &self.slots[n as usize] else {
                        continue;
                    };
                    let Some(listed) = slot.code().map(|c| ident::check(c).normalized) else {
                        continue;
                    };
                    let how = if listed == check.normalized {
                        CodeMatch::Equal
                    } else if embedded_org(&listed).as_deref() == Some(check.normalized.as_str()) {
                        CodeMatch::QueryIsEmbeddedOrg
                    } else if query_org.as_deref() == Some(listed.as_str()) {
                        CodeMatch::ListedIsEmbeddedOrg
                    } else {
                        continue; // hash collision
                    };
                    if !scored.iter().any(|s| s.0 == n) {
                        scored.push((n, SCORE_IDENTIFIER, Some(how), None));
                    }
                }
            }
        }

        // A name with nothing left after normalisation (only punctuation) matches nothing.
        let query_analysis = query_name.map(analyze).filter(|a| !a.normalized.is_empty());
        let query_core = query_analysis
            .as_ref()
            .map(|qa| QueryCore::new(&qa.core, &|f| self.weight(f)));
        if let (Some(qa), Some(qcore)) = (&query_analysis, &query_core) {
            let qparts = Parts::of(qa);
            let code_hits = scored.len();
            // Candidates live at random places in memory. Gather them in short loops first
            // (slot, then core text into one buffer) so that the cache misses overlap, then
            // score from the buffer.
            let slots: Vec<(u32, &Slot)> = self
                .name_candidates(qa, qcore)
                .into_iter()
                .filter_map(|n| self.slots[n as usize].as_ref().map(|s| (n, s)))
                .collect();
            let mut buffer: Vec<char> = Vec::with_capacity(slots.len() * 8);
            let mut ends: Vec<usize> = Vec::with_capacity(slots.len());
            for (_, slot) in &slots {
                buffer.extend(slot.core().chars());
                ends.push(buffer.len());
            }
            let mut efeats = Vec::new();
            let mut start = 0;
            for (&(n, slot), &end) in slots.iter().zip(&ends) {
                let echars = &buffer[start..end];
                start = end;
                core_features(echars, &mut efeats);
                let ns = score_parts(&qparts, qcore, &slot.parts(), echars, &efeats);
                if let Some(existing) = scored[..code_hits].iter_mut().find(|s| s.0 == n) {
                    existing.3 = Some(ns);
                    continue;
                }
                let mut score = ns.score;
                if self.code_conflict(query_check.as_ref(), slot) {
                    score = (score - PENALTY_CODE_CONFLICT).max(0.0);
                }
                scored.push((n, score, None, Some(ns)));
            }
        }

        scored.retain(|s| s.1 >= min_score);
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(limit);
        scored
            .into_iter()
            .filter_map(|(n, score, code_match, name_score)| {
                let slot = self.slots[n as usize].as_ref()?;
                Some(self.hit(
                    slot,
                    score,
                    code_match,
                    name_score,
                    query_analysis.as_ref().zip(query_core.as_ref()),
                    query_check.as_ref(),
                ))
            })
            .collect()
    }

    /// Screens many subjects (`(name, code)` pairs), splitting the work over `threads` threads
    /// (at least one); results are in query order. Each query is screened exactly as by
    /// [`MatchIndex::screen`].
    pub fn screen_batch(
        &self,
        queries: &[(Option<&str>, Option<&str>)],
        limit: usize,
        min_score: f64,
        threads: usize,
    ) -> Vec<Vec<Hit>> {
        let threads = threads.clamp(1, queries.len().max(1));
        if threads == 1 {
            return queries
                .iter()
                .map(|(name, code)| self.screen(*name, *code, limit, min_score))
                .collect();
        }
        let chunk = queries.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = queries
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(name, code)| self.screen(*name, *code, limit, min_score))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("screening thread panicked"))
                .collect()
        })
    }

    /// Whether both sides have valid identifiers of the same kind that differ.
    fn code_conflict(&self, query: Option<&ident::CodeCheck>, slot: &Slot) -> bool {
        let (Some(q), Some(kind), Some(listed)) = (query, slot.valid_code_kind, slot.code()) else {
            return false;
        };
        q.is_valid() && q.kind == kind && ident::check(listed).normalized != q.normalized
    }

    /// Entry numbers worth scoring exactly for a query name.
    fn name_candidates(&self, qa: &NameAnalysis, qcore: &QueryCore) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .cores
            .get(&text_hash(&qa.core))
            .map(|ids| ids.as_slice().to_vec())
            .unwrap_or_default();
        if qcore.features.is_empty() {
            return out;
        }
        let cap = ((self.live as f64 * self.config.frequent_share) as usize)
            .max(self.config.frequent_floor);
        let mut anchors = Vec::new();
        anchor_features(qa.region, &qcore.chars, &mut anchors);
        let anchor_weights: Vec<f64> = anchors.iter().map(|&f| self.weight(f)).collect();
        let mut postings: Vec<(&[u32], f32)> = qcore
            .features
            .iter()
            .zip(&qcore.weights)
            .chain(anchors.iter().zip(&anchor_weights))
            .filter_map(|(f, &w)| self.features.get(f).map(|ids| (ids.as_slice(), w as f32)))
            .collect();
        postings.sort_by_key(|(p, _)| p.len());
        let scan: Vec<(&[u32], f32)> = postings
            .iter()
            .enumerate()
            .filter(|&(i, (p, _))| i == 0 || p.len() <= cap)
            .map(|(_, &x)| x)
            .collect();
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let Scratch { acc, touched } = &mut *scratch;
            if acc.len() < self.slots.len() {
                acc.resize(self.slots.len(), 0.0);
            }
            touched.clear();
            for (ids, w) in &scan {
                for &n in *ids {
                    let a = &mut acc[n as usize];
                    if *a == 0.0 {
                        touched.push(n);
                    }
                    *a += *w;
                }
            }
            let k = self.config.candidates;
            if touched.len() > k {
                touched.select_nth_unstable_by(k, |&a, &b| {
                    acc[b as usize].total_cmp(&acc[a as usize]).then(a.cmp(&b))
                });
                for &n in &touched[k..] {
                    acc[n as usize] = 0.0;
                }
                touched.truncate(k);
            }
            for &n in touched.iter() {
                acc[n as usize] = 0.0;
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        });
        out
    }

    fn hit(
        &self,
        slot: &Slot,
        score: f64,
        code_match: Option<CodeMatch>,
        name_score: Option<NameScore>,
        query: Option<(&NameAnalysis, &QueryCore)>,
        query_check: Option<&ident::CodeCheck>,
    ) -> Hit {
        let mut explanation = Vec::new();
        let listed_check = slot.code().map(ident::check);
        if let (Some(how), Some(q), Some(l)) = (code_match, query_check, &listed_check) {
            explanation.push(match how {
                CodeMatch::Equal => {
                    let label = if l.is_valid() {
                        l.kind.label()
                    } else {
                        "代码"
                    };
                    if q.input.trim() == l.input.trim() {
                        format!("{label}完全一致")
                    } else {
                        format!("{label}规范化后一致")
                    }
                }
                CodeMatch::QueryIsEmbeddedOrg => {
                    "组织机构代码一致：查询的组织机构代码即名单统一社会信用代码第 9–17 位"
                        .to_owned()
                }
                CodeMatch::ListedIsEmbeddedOrg => {
                    "组织机构代码一致：名单的组织机构代码即查询统一社会信用代码第 9–17 位"
                        .to_owned()
                }
            });
            if let Some(Err(e)) = listed_check.as_ref().map(|c| &c.result) {
                explanation.push(format!("注意：名单中的代码未通过校验（{e}）"));
            }
        } else if self.code_conflict(query_check, slot)
            && let (Some(q), Some(l)) = (query_check, &listed_check)
        {
            explanation.push(format!(
                "{}不一致：{} / {}（名称相似但代码不同，扣 {PENALTY_CODE_CONFLICT:.2}）",
                q.kind.label(),
                q.normalized,
                l.normalized
            ));
        }
        if let Some((qa, qcore)) = query {
            let ea = analyze(slot.name());
            let ns = name_score.unwrap_or_else(|| {
                let echars: Vec<char> = ea.core.chars().collect();
                let mut ef = Vec::new();
                core_features(&echars, &mut ef);
                score_parts(&Parts::of(qa), qcore, &Parts::of(&ea), &echars, &ef)
            });
            let lines = explain_names(qa, &ea, &ns);
            if code_match.is_some() {
                explanation.extend(lines.into_iter().map(|l| format!("名称：{l}")));
            } else {
                explanation.extend(lines);
            }
        }
        Hit {
            entry_id: slot.entry_id().to_owned(),
            list: self.lists[slot.list as usize].to_string(),
            name: slot.name().to_owned(),
            code: slot.code().map(str::to_owned),
            score,
            basis: if code_match.is_some() {
                MatchBasis::Identifier
            } else {
                name_score.map_or(MatchBasis::SimilarCore, |s| s.basis)
            },
            explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, list: &str, name: &str, code: Option<&str>) -> ListEntry {
        ListEntry {
            entry_id: id.into(),
            list: list.into(),
            name: name.into(),
            code: code.map(Into::into),
        }
    }

    fn sample() -> MatchIndex {
        MatchIndex::build([
            entry(
                "e1",
                "严重失信主体名单",
                "东湖市长风货运有限公司",
                Some("91350100M000100Y43"),
            ),
            entry("e2", "失信被执行人", "西岭市顺达物流有限责任公司", None),
            entry("e3", "重点关注名单", "张伟", Some("110105194912310029")),
            entry("e4", "失信被执行人", "南川市长风客运集团有限公司", None),
        ])
    }

    #[test]
    fn exact_code_match_scores_one() {
        let index = sample();
        let hits = index.screen(None, Some("91350100m000100y43"), 10, 0.5);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].entry_id, "e1");
        assert_eq!(hits[0].score, 1.0);
        assert_eq!(hits[0].basis, MatchBasis::Identifier);
        assert_eq!(hits[0].explanation[0], "统一社会信用代码规范化后一致");
        // The organisation code inside the USCC finds it too.
        let hits = index.screen(None, Some("M000100Y4"), 10, 0.5);
        assert_eq!(hits[0].entry_id, "e1");
        assert!(hits[0].explanation[0].contains("第 9–17 位"), "{hits:?}");
    }

    #[test]
    fn listed_org_code_found_by_uscc() {
        let index = MatchIndex::build([entry("o", "名单", "某公司", Some("M000100Y4"))]);
        let hits = index.screen(None, Some("91350100M000100Y43"), 10, 0.5);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].explanation[0].starts_with("组织机构代码一致：名单"));
    }

    #[test]
    fn name_and_code_together() {
        let index = sample();
        let hits = index.screen(
            Some("東湖市長風貨運有限公司"),
            Some("91350100M000100Y43"),
            10,
            0.5,
        );
        assert_eq!(hits[0].entry_id, "e1");
        assert_eq!(hits[0].score, 1.0);
        assert!(
            hits[0]
                .explanation
                .contains(&"名称：繁简转换后一致".to_owned())
        );
    }

    #[test]
    fn same_name_different_code_is_penalised() {
        let index = sample();
        let hits = index.screen(
            Some("东湖市长风货运有限公司"),
            Some("91110000600037341L"),
            10,
            0.0,
        );
        assert_eq!(hits[0].entry_id, "e1");
        assert!((hits[0].score - 0.74).abs() < 1e-9, "{hits:?}");
        assert!(hits[0].explanation[0].contains("代码不同"));
    }

    #[test]
    fn fuzzy_name_hits() {
        let index = sample();
        let hits = index.screen(Some("长风货运有限责任公司"), None, 10, 0.5);
        assert_eq!(hits[0].entry_id, "e1");
        assert!((hits[0].score - 0.94).abs() < 1e-9, "{hits:?}");
        assert!(
            hits[0]
                .explanation
                .contains(&"地区前缀不同：（无） / 东湖市（一方未写明，扣 0.01）".to_owned()),
            "{hits:?}"
        );
        let hits = index.screen(Some("西岭顺达物流有限公司"), None, 10, 0.9);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].entry_id, "e2");
    }

    #[test]
    fn insert_replace_and_remove() {
        let mut index = sample();
        assert_eq!(index.len(), 4);
        let old = index.insert(entry("e2", "失信被执行人", "北原市恒运物流有限公司", None));
        assert_eq!(old.unwrap().name, "西岭市顺达物流有限责任公司");
        assert_eq!(index.len(), 4);
        assert!(
            index
                .screen(Some("西岭市顺达物流有限责任公司"), None, 10, 0.9)
                .is_empty()
        );
        assert_eq!(
            index.screen(Some("北原市恒运物流有限公司"), None, 10, 0.9)[0].entry_id,
            "e2"
        );
        let removed = index.remove("e1").unwrap();
        assert_eq!(removed.code.as_deref(), Some("91350100M000100Y43"));
        assert!(
            index
                .screen(None, Some("91350100M000100Y43"), 10, 0.0)
                .is_empty()
        );
        assert!(index.get("e1").is_none());
        assert_eq!(index.len(), 3);
        // The freed slot is reused and found.
        index.insert(entry("e5", "名单", "青山县绿野农机专业合作社", None));
        assert_eq!(
            index.screen(Some("青山縣綠野農機專業合作社"), None, 1, 0.9)[0].entry_id,
            "e5"
        );
        assert_eq!(index.remove("nope"), None);
    }

    #[test]
    fn batch_screening_matches_single_screening() {
        let index = sample();
        let queries = [
            (Some("東湖市長風貨運有限公司"), None),
            (None, Some("110105194912310029")),
            (Some("西岭顺达物流"), None),
            (Some("无关名称"), None),
            (None, None),
        ];
        let single: Vec<Vec<Hit>> = queries
            .iter()
            .map(|(n, c)| index.screen(*n, *c, 5, 0.5))
            .collect();
        for threads in [1, 2, 3, 8] {
            assert_eq!(index.screen_batch(&queries, 5, 0.5, threads), single);
        }
        assert!(index.screen_batch(&[], 5, 0.5, 4).is_empty());
    }

    #[test]
    fn limits_and_thresholds() {
        let index = sample();
        assert!(index.screen(Some("长风"), None, 0, 0.0).is_empty());
        let all = index.screen(Some("长风货运"), None, 10, 0.0);
        assert!(all.len() >= 2);
        assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(all.iter().all(|h| (0.0..=1.0).contains(&h.score)));
        assert!(index.screen(None, None, 10, 0.0).is_empty());
        // Punctuation-only names match nothing, not even each other.
        let mut index = sample();
        index.insert(entry("p", "名单", "（）", None));
        assert!(index.screen(Some("-·-"), None, 10, 0.0).is_empty());
    }
}
