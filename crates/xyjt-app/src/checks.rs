//! The credit check at decision points (自动比对、自动拦截、跟踪问效) — the hot path.
//!
//! Answers come from an in-memory index of the name-list entries and the list policy, rebuilt
//! whenever the ledger head moves (polled, and right after writes through this server), so a
//! check costs no SQL scan. Every answer is recorded in the ledger before it is returned: a
//! recorder task appends the checks of many concurrent requests in one transaction (group commit)
//! and then acknowledges each, so nothing acknowledged is lost.

use crate::{AppError, AppResult, ErrorKind};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;
use xyjt_core::check::{CheckDecision, CheckReason, decide, decision_of};
use xyjt_core::evaluation::{EvalResultState, GradeFact, GradeMeasure, grade_reasons};
use xyjt_core::ident::{Code, check as check_code};
use xyjt_core::integrity::{IntegrityPolicy, IntegrityState};
use xyjt_core::ledger::{CheckRecord, EventPayload, NewEvent, new_id};
use xyjt_core::listing::EntryState;
use xyjt_core::lists::{DecisionPoint, ListPolicy};
use xyjt_core::policies::Policies;
use xyjt_core::subject::PartyCategory;
use xyjt_core::text::name_key;
use xyjt_store::{Store, StoreError};

/// Entries and policy as of one ledger position, indexed for lookups by identifier, subject
/// and name.
pub struct CheckIndex {
    /// The ledger position the index is valid at. It moves on without a rebuild when only
    /// recorded checks were appended since (they change nothing the index holds).
    head_seq: AtomicI64,
    /// The ledger position it was built at: a new value means something other than recorded
    /// checks was appended (caches of figures computed from projections key on it).
    built_at: i64,
    /// When it was built (public pages' `Last-Modified`).
    built_time: chrono::DateTime<Utc>,
    pub policy: Arc<ListPolicy>,
    /// The published entries and what finds them, shared with the index before when no entry,
    /// list policy or false positive changed since.
    lists: Arc<ListIndex>,
    /// Published evaluation grades by the subject's identifier (checks cite them).
    grades: Arc<HashMap<String, Vec<GradeFact>>>,
    grade_measures: Arc<Vec<GradeMeasure>>,
    /// Government-integrity records by the subject's identifier (USCC or citizen ID).
    integrity: Arc<HashMap<String, Vec<IntegrityState>>>,
    integrity_policy: Arc<IntegrityPolicy>,
    /// Entries received over the exchange: entry id → origin (`SF#123`), cited by checks.
    origins: Arc<HashMap<String, String>>,
}

/// The name-list part of the check index: the published entries, the lookups by identifier,
/// subject, name and id, the fuzzy matcher, the false positives and the public lists. Reading
/// and indexing a large list (a court's 50,000 entries) is most of a rebuild, so an index
/// rebuilt for anything else (a record import, an application step) shares this part with the
/// one before, as long as the lists' version (`Store::lists_version`: the latest write to an
/// entry, a list policy or a false positive) has not moved.
pub struct ListIndex {
    /// The lists' version it was read at.
    version: i64,
    entries: Vec<EntryState>,
    /// The same entries for fuzzy screening by name (and exact by identifier).
    pub matcher: xyjt_match::MatchIndex,
    /// (entry id, query key) pairs a person marked as false positives.
    pub false_positives: std::collections::HashSet<(String, String)>,
    by_code: HashMap<String, Vec<usize>>,
    by_subject: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    /// Entry id → position, for screening hits.
    by_id: HashMap<String, usize>,
    /// Listed subjects' kinds: the public sees a natural person's entry masked.
    kinds: HashMap<String, PartyCategory>,
    /// The public name lists by (list key, day), computed on first use and kept as long as
    /// the entries (nothing they show changes without a new version).
    public_lists: std::sync::Mutex<HashMap<(String, NaiveDate), Arc<PublicList>>>,
}

/// A name list as the public sees it on one day: the entries in force, newest first (entry
/// date, then entry id), as positions in the index. Pages of the portal and the API are slices
/// of it, so a deep page costs what the first does and nothing is read from the database.
#[derive(Debug, Default)]
pub struct PublicList {
    positions: Vec<usize>,
    /// Entry id → its place in `positions` (the API's `after` cursor).
    by_id: HashMap<String, usize>,
}

impl PublicList {
    /// Entries in force.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The place after the entry `id` (a keyset cursor); `None` if it is not in the list.
    pub fn after(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).map(|p| p + 1)
    }
}

impl CheckIndex {
    /// The ledger position the index is valid at.
    pub fn head_seq(&self) -> i64 {
        self.head_seq.load(Ordering::Acquire)
    }

    /// The ledger position the index was built at (see the field).
    pub fn built_at(&self) -> i64 {
        self.built_at
    }

    /// When it was built.
    pub fn built_time(&self) -> chrono::DateTime<Utc> {
        self.built_time
    }

    /// Entries of a list (its key: red, black, watch, an external list) in force on `day`.
    pub fn in_force_count(&self, list_key: &str, day: NaiveDate) -> usize {
        self.public_list(list_key, day).len()
    }

    /// The list (its key) as the public sees it on `day`; see [`PublicList`].
    pub fn public_list(&self, list_key: &str, day: NaiveDate) -> Arc<PublicList> {
        let key = (list_key.to_string(), day);
        if let Some(l) = self
            .lists
            .public_lists
            .lock()
            .expect("lists lock")
            .get(&key)
        {
            return l.clone();
        }
        let mut positions: Vec<usize> = (0..self.lists.entries.len())
            .filter(|&i| {
                let e = &self.lists.entries[i];
                e.entry.list.key() == list_key && e.is_active_on(day)
            })
            .collect();
        positions.sort_by(|&a, &b| {
            let (a, b) = (&self.lists.entries[a].entry, &self.lists.entries[b].entry);
            b.entry_date
                .cmp(&a.entry_date)
                .then_with(|| a.id.cmp(&b.id))
        });
        let by_id = positions
            .iter()
            .enumerate()
            .map(|(p, &i)| (self.lists.entries[i].entry.id.clone(), p))
            .collect();
        let list = Arc::new(PublicList { positions, by_id });
        // An empty list is not kept: any text is a list key in the URL, and keeping each
        // would let requests grow the cache without bound (an empty scan is cheap).
        if list.is_empty() {
            return list;
        }
        let mut lists = self.lists.public_lists.lock().expect("lists lock");
        // A day's lists stay; yesterday's go (the index outlives midnight when nothing moves).
        lists.retain(|(_, d), _| *d == day);
        lists.insert(key, list.clone());
        list
    }

    /// The entries of `list` from place `from`, at most `n`, each with its subject's kind.
    pub fn public_entries<'a>(
        &'a self,
        list: &'a PublicList,
        from: usize,
        n: usize,
    ) -> impl Iterator<Item = (&'a EntryState, Option<PartyCategory>)> + 'a {
        list.positions
            .iter()
            .skip(from)
            .take(n)
            .map(|&i| self.shown(i))
    }

    /// Every entry of `list` with its subject's kind (a search over what is shown).
    pub fn all_public_entries<'a>(
        &'a self,
        list: &'a PublicList,
    ) -> impl Iterator<Item = (&'a EntryState, Option<PartyCategory>)> + 'a {
        list.positions.iter().map(|&i| self.shown(i))
    }

    fn shown(&self, i: usize) -> (&EntryState, Option<PartyCategory>) {
        let e = &self.lists.entries[i];
        let kind = e
            .entry
            .subject_id
            .as_ref()
            .and_then(|s| self.lists.kinds.get(s).copied());
        (e, kind)
    }

    /// The index is valid at `seq` too (nothing it holds changed in between).
    fn advance_to(&self, seq: i64) {
        self.head_seq.fetch_max(seq, Ordering::AcqRel);
    }

    pub fn build(
        head_seq: i64,
        policy: ListPolicy,
        entries: Vec<EntryState>,
        false_positives: Vec<(String, String)>,
    ) -> Self {
        Self::around(
            head_seq,
            policy,
            Arc::new(ListIndex::build(0, entries, false_positives, Vec::new())),
        )
    }

    /// An index at `head_seq` around lists already read and indexed.
    pub fn around(head_seq: i64, policy: ListPolicy, lists: Arc<ListIndex>) -> Self {
        CheckIndex {
            head_seq: AtomicI64::new(head_seq),
            built_at: head_seq,
            built_time: Utc::now(),
            policy: Arc::new(policy),
            lists,
            grades: Arc::default(),
            grade_measures: Arc::default(),
            integrity: Arc::default(),
            integrity_policy: Arc::new(IntegrityPolicy::builtin().clone()),
            origins: Arc::default(),
        }
    }

    /// The name-list part (shared between builds while the lists do not change).
    pub fn lists(&self) -> &Arc<ListIndex> {
        &self.lists
    }

    fn collect(&self, hits: &[&Vec<usize>]) -> Vec<EntryState> {
        let mut seen = Vec::new();
        for list in hits {
            for &i in list.iter() {
                if !seen.contains(&i) {
                    seen.push(i);
                }
            }
        }
        seen.into_iter()
            .map(|i| self.lists.entries[i].clone())
            .collect()
    }

    /// Entries for a subject known by identifier (and its platform subject id, if any).
    pub fn by_identifier(&self, code: &str, subject_id: Option<&str>) -> Vec<EntryState> {
        let mut hits = Vec::new();
        if let Some(v) = self.lists.by_code.get(code) {
            hits.push(v);
        }
        if let Some(v) = subject_id.and_then(|s| self.lists.by_subject.get(s)) {
            hits.push(v);
        }
        self.collect(&hits)
    }

    /// Adds the published grades (by identifier) and the measures by grade.
    pub fn with_grades(
        mut self,
        results: Vec<EvalResultState>,
        measures: Vec<GradeMeasure>,
    ) -> Self {
        let mut grades: HashMap<String, Vec<GradeFact>> = HashMap::new();
        for s in results {
            let (Some(code), Some(grade), Some(on), Some(until)) = (
                s.result.subject_code.clone(),
                s.result.grade.clone(),
                s.published_on,
                s.valid_until,
            ) else {
                continue;
            };
            grades.entry(code).or_default().push(GradeFact {
                result_id: s.result.id,
                subject_name: s.result.subject_name,
                model_id: s.result.model_id,
                model_title: s.result.model_title,
                model_version: s.result.model_version,
                period: s.result.period,
                grade,
                published_on: on,
                valid_until: until,
            });
        }
        self.grades = Arc::new(grades);
        self.grade_measures = Arc::new(measures);
        self
    }

    /// Takes the grades and integrity records of `prev` as they are (shared, not copied): for a
    /// rebuild when no event that changes them has been appended since `prev` was built.
    fn reusing(mut self, prev: &CheckIndex, grades: bool, integrity: bool) -> Self {
        if grades {
            self.grades = prev.grades.clone();
            self.grade_measures = prev.grade_measures.clone();
        }
        if integrity {
            self.integrity = prev.integrity.clone();
            self.integrity_policy = prev.integrity_policy.clone();
        }
        self
    }

    /// Adds the government-integrity records (by identifier) and their policy.
    pub fn with_integrity(mut self, states: Vec<IntegrityState>, policy: IntegrityPolicy) -> Self {
        let mut integrity: HashMap<String, Vec<IntegrityState>> = HashMap::new();
        for s in states {
            integrity.entry(s.record.code.clone()).or_default().push(s);
        }
        self.integrity = Arc::new(integrity);
        self.integrity_policy = Arc::new(policy);
        self
    }

    /// The reasons a subject's integrity records in effect give at a decision point.
    pub fn integrity_reasons(
        &self,
        code: &str,
        point: DecisionPoint,
        today: NaiveDate,
    ) -> Vec<CheckReason> {
        self.integrity
            .get(code)
            .map(|s| xyjt_core::integrity::reasons(s, &self.integrity_policy, point, today))
            .unwrap_or_default()
    }

    /// The reasons a subject's grades give at a decision point.
    pub fn grade_reasons(
        &self,
        code: &str,
        point: DecisionPoint,
        today: NaiveDate,
    ) -> Vec<CheckReason> {
        self.grades
            .get(code)
            .map(|g| grade_reasons(g, &self.grade_measures, point, today))
            .unwrap_or_default()
    }

    /// Entries whose listed name is the same name (after 简繁/width/bracket normalisation).
    pub fn by_name(&self, name: &str) -> Vec<EntryState> {
        self.lists
            .by_name
            .get(&name_key(name))
            .map(|v| self.collect(&[v]))
            .unwrap_or_default()
    }
}

impl ListIndex {
    /// Indexes the published entries (others matter to no check) of the lists at `version`.
    pub fn build(
        version: i64,
        entries: Vec<EntryState>,
        false_positives: Vec<(String, String)>,
        kinds: Vec<(String, PartyCategory)>,
    ) -> Self {
        let mut index = ListIndex {
            version,
            entries: Vec::new(),
            matcher: xyjt_match::MatchIndex::new(),
            false_positives: false_positives.into_iter().collect(),
            by_code: HashMap::new(),
            by_subject: HashMap::new(),
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            kinds: kinds.into_iter().collect(),
            public_lists: std::sync::Mutex::default(),
        };
        for e in entries {
            // Only entries that are or may become active matter for checks.
            if e.status != xyjt_core::listing::EntryStatus::Published {
                continue;
            }
            let i = index.entries.len();
            if let Some(code) = &e.entry.code {
                let checked = check_code(code);
                if let Ok(c) = &checked.result {
                    index
                        .by_code
                        .entry(c.as_str().to_string())
                        .or_default()
                        .push(i);
                    // An old organisation code finds the USCC holder's entries too.
                    if let Code::Uscc(u) = c
                        && let Some(o) = u.org_code()
                    {
                        index
                            .by_code
                            .entry(o.as_str().to_string())
                            .or_default()
                            .push(i);
                    }
                } else {
                    index.by_code.entry(checked.normalized).or_default().push(i);
                }
            }
            if let Some(s) = &e.entry.subject_id {
                index.by_subject.entry(s.clone()).or_default().push(i);
            }
            index
                .by_name
                .entry(name_key(&e.entry.name))
                .or_default()
                .push(i);
            index.matcher.insert(xyjt_match::ListEntry {
                entry_id: e.entry.id.clone(),
                list: xyjt_core::check::list_key(&e.entry.list),
                name: e.entry.name.clone(),
                code: e.entry.code.clone(),
            });
            index.by_id.insert(e.entry.id.clone(), i);
            index.entries.push(e);
        }
        index
    }

    /// The lists' version it was read at.
    pub fn version(&self) -> i64 {
        self.version
    }
}

/// The shared, swappable index.
pub type SharedIndex = Arc<RwLock<Arc<CheckIndex>>>;

/// The list policy in force: the latest adopted version, or `default` (the policies' four
/// lists, example policy as shipped) adopted now, as a ledger event, when none has been.
pub async fn current_policy(
    store: &dyn Store,
    default: &ListPolicy,
) -> Result<ListPolicy, StoreError> {
    if let Some(p) = store.list_policy(None).await? {
        return Ok(p);
    }
    let policy = default.clone();
    store
        .append(vec![NewEvent::new(
            "system:init",
            Utc::now(),
            EventPayload::ListPolicyAdopted {
                policy: policy.clone(),
            },
        )])
        .await?;
    Ok(policy)
}

/// Events after which the published grades must be read again.
/// Events that record what was asked and answered, and change no entry, policy, grade or
/// integrity record the index holds.
const RECORDED_CHECK_EVENTS: &[&str] = &["check_answered", "check_feedback", "screening_answered"];

const GRADE_EVENTS: &[&str] = &["eval_run_published", "eval_result_revised"];
/// Events after which the integrity records must be read again.
const INTEGRITY_EVENTS: &[&str] = &["integrity_recorded", "tolerance_reviewed"];

/// Builds the index from the store: entries, the list policy, published grades, integrity
/// records.
pub async fn load_index(store: &dyn Store, policies: &Policies) -> Result<CheckIndex, StoreError> {
    load_index_after(store, policies, None).await
}

/// Builds the index; the grades and integrity records of `prev` are kept when nothing that
/// changes them was appended since it was built (recorded checks move the head every second
/// while checks flow; re-reading 100,000 grades each time would not do).
async fn load_index_after(
    store: &dyn Store,
    policies: &Policies,
    prev: Option<&CheckIndex>,
) -> Result<CheckIndex, StoreError> {
    let policy = current_policy(store, &policies.lists).await?;
    let head = store.head().await?;
    // The lists are read and indexed again only when they changed (see `ListIndex`).
    let version = store.lists_version().await?;
    let lists = match prev {
        Some(p) if p.lists.version == version => p.lists.clone(),
        _ => Arc::new(ListIndex::build(
            version,
            store.list_entries(None).await?,
            store.false_positives().await?,
            store.listed_subject_kinds().await?,
        )),
    };
    let changed = |kinds: &'static [&'static str]| async move {
        match prev {
            Some(p) => Ok::<bool, StoreError>(
                !store
                    .events_of_kinds(kinds, p.head_seq(), head.seq, 1)
                    .await?
                    .is_empty(),
            ),
            None => Ok(true),
        }
    };
    let (grades_changed, integrity_changed) = (
        changed(GRADE_EVENTS).await?,
        changed(INTEGRITY_EVENTS).await?,
    );
    let mut index = CheckIndex::around(head.seq, policy, lists);
    index.origins = Arc::new(
        store
            .exchange_origins("list_entry_proposed")
            .await?
            .into_iter()
            .collect(),
    );
    if grades_changed {
        // Only the models some measure names matter at a check.
        let mut models: Vec<&str> = policies
            .evaluation
            .grade_measures
            .iter()
            .map(|m| m.model.as_str())
            .collect();
        models.sort_unstable();
        models.dedup();
        let mut grades = Vec::new();
        for model in models {
            let mut offset = 0;
            loop {
                let page = store
                    .eval_results(&xyjt_store::EvalResultQuery {
                        model_id: Some(model.to_string()),
                        status: Some(xyjt_core::evaluation::ResultStatus::Published),
                        limit: 10_000,
                        offset,
                        ..Default::default()
                    })
                    .await?;
                let n = page.items.len();
                offset += n as i64;
                grades.extend(page.items);
                if n < 10_000 {
                    break;
                }
            }
        }
        index = index.with_grades(grades, policies.evaluation.grade_measures.clone());
    }
    if integrity_changed {
        index = index.with_integrity(
            store.integrity_records(None, None).await?,
            policies.integrity.clone(),
        );
    }
    if let Some(p) = prev {
        index = index.reusing(p, !grades_changed, !integrity_changed);
    }
    Ok(index)
}

/// Rebuilds the index when the ledger has moved since it was built.
pub async fn refresh_index(
    store: &dyn Store,
    shared: &SharedIndex,
    policies: &Policies,
) -> Result<(), StoreError> {
    let current = shared.read().expect("index lock").clone();
    let (seen, head) = (current.head_seq(), store.head().await?.seq);
    if head == seen {
        return Ok(());
    }
    // Recorded checks and screenings move the head every second while checks flow; they
    // change nothing the index holds, so the index stays and only its position moves on.
    if store
        .first_event_not_of_kinds(RECORDED_CHECK_EVENTS, seen, head)
        .await?
        .is_none()
    {
        current.advance_to(head);
        return Ok(());
    }
    let fresh = load_index_after(store, policies, Some(&current)).await?;
    *shared.write().expect("index lock") = Arc::new(fresh);
    Ok(())
}

/// Keeps the index current with writes made by other processes (the CLI, another server).
pub fn spawn_index_refresher(store: Arc<dyn Store>, shared: SharedIndex, policies: Arc<Policies>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = refresh_index(store.as_ref(), &shared, &policies).await {
                tracing::warn!(error = %e, "refreshing the check index failed");
            }
        }
    });
}

/// A check waiting to be recorded, and where to say it is.
pub type PendingCheck = (NewEvent, oneshot::Sender<Result<(), String>>);

/// Appends checks in batches: whatever arrived while the previous batch was being written.
pub fn spawn_recorder(store: Arc<dyn Store>) -> mpsc::Sender<PendingCheck> {
    let (tx, mut rx) = mpsc::channel::<PendingCheck>(4096);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < 512 {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            let (events, acks): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
            let result = store
                .append(events)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string());
            if let Err(e) = &result {
                tracing::error!(error = %e, "recording checks failed");
            }
            for ack in acks {
                let _ = ack.send(result.clone());
            }
        }
    });
    tx
}

/// The index and the recorder: what answering a check needs besides the store.
#[derive(Clone)]
pub struct Checks {
    pub index: SharedIndex,
    pub recorder: mpsc::Sender<PendingCheck>,
}

impl Checks {
    /// Loads the index (adopting `default` as the first list policy when the ledger has none)
    /// and starts the recorder and the refresher (inside a Tokio runtime).
    pub async fn start(store: Arc<dyn Store>, policies: &Policies) -> Result<Self, StoreError> {
        let index: SharedIndex = Arc::new(RwLock::new(Arc::new(
            load_index(store.as_ref(), policies).await?,
        )));
        spawn_index_refresher(store.clone(), index.clone(), Arc::new(policies.clone()));
        Ok(Checks {
            index,
            recorder: spawn_recorder(store),
        })
    }

    /// The index as it is now.
    pub fn current(&self) -> Arc<CheckIndex> {
        self.index.read().expect("index lock").clone()
    }
}

/// Who is being checked: an identifier, or a name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckSubject {
    /// USCC, organisation code, registration number or citizen ID.
    pub identifier: Option<String>,
    /// The name, when no identifier is known (exact after normalisation).
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckRequest {
    pub subject: CheckSubject,
    /// 招标投标, 行政许可, 财政资金/补贴申请, 评优评先, 公务员录用/干部任用, 日常检查频次, 从业资格, 政府采购,
    /// 行政处罚裁量, 职务晋升 (the personnel decision points need a token naming them)
    #[schema(value_type = String)]
    pub decision_point: String,
    /// 行政处罚裁量: the 违法行为类型 being decided (the 免罚轻罚清单 is matched against it).
    #[serde(default)]
    pub violation_type: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    pub id: String,
    /// `allow` | `restrict` | `review`
    #[schema(value_type = String)]
    pub decision: CheckDecision,
    /// Every applicable measure: the list entry, the measure, its legal basis and validity,
    /// the implementing units.
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<CheckReason>,
}

fn decision_point(label: &str) -> AppResult<DecisionPoint> {
    DecisionPoint::from_label(label).ok_or_else(|| {
        AppError::invalid(format!(
            "decision_point “{label}” 无效，应为：{}",
            DecisionPoint::ALL
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join("、")
        ))
    })
}

/// Answers a check for `caller`, records it (group commit) and returns it. The decision point
/// 行政处罚裁量 also reads the subject's records and commitments (the 免罚轻罚清单).
pub async fn answer_check(
    ctx: &crate::Ctx<'_>,
    checks: &Checks,
    caller: &str,
    req: CheckRequest,
) -> AppResult<CheckResponse> {
    let today = ctx.today;
    let point = decision_point(&req.decision_point)?;
    if point == DecisionPoint::PenaltyDiscretion {
        return answer_discretion(ctx, checks, caller, req).await;
    }
    let index = checks.current();
    let (identifier, subject_id, entries) = match (&req.subject.identifier, &req.subject.name) {
        (Some(raw), _) if !raw.trim().is_empty() => {
            let checked = check_code(raw);
            let code = checked.result.map_err(|e| {
                AppError::invalid(format!("subject.identifier 无效：{e}"))
                    .with_detail(json!({"field": "subject.identifier"}))
            })?;
            // The hot path touches no table: the index knows entries by every identifier.
            let entries = index.by_identifier(code.as_str(), None);
            let subject_id = entries.iter().find_map(|e| e.entry.subject_id.clone());
            (Some(code.as_str().to_string()), subject_id, entries)
        }
        (_, Some(name)) if !name.trim().is_empty() => {
            let entries = index.by_name(name);
            let subject_id = entries.iter().find_map(|e| e.entry.subject_id.clone());
            (None, subject_id, entries)
        }
        _ => return Err(AppError::invalid("subject 需要 identifier 或 name 之一")),
    };
    let (_, mut reasons) = decide(&entries, &index.policy, point, today);
    for r in &mut reasons {
        r.origin = index.origins.get(&r.entry_id).cloned();
    }
    if let Some(code) = &identifier {
        reasons.extend(index.grade_reasons(code, point, today));
        reasons.extend(index.integrity_reasons(code, point, today));
    }
    let decision = decision_of(&mut reasons);
    record_check(
        checks,
        caller,
        point,
        identifier,
        req.subject.name.clone(),
        subject_id,
        decision,
        reasons,
        index.policy.version,
        today,
    )
    .await
}

/// Records an answered check (group commit) and returns it once it is in the ledger.
#[allow(clippy::too_many_arguments)]
async fn record_check(
    checks: &Checks,
    caller: &str,
    point: DecisionPoint,
    identifier: Option<String>,
    name: Option<String>,
    subject_id: Option<String>,
    decision: CheckDecision,
    reasons: Vec<CheckReason>,
    policy_version: u32,
    today: NaiveDate,
) -> AppResult<CheckResponse> {
    let record = CheckRecord {
        id: new_id(),
        asked_by: caller.to_string(),
        decision_point: point,
        identifier,
        name,
        subject_id,
        decision,
        reasons: reasons.clone(),
        policy_version,
        checked_on: today,
    };
    let id = record.id.clone();
    let event = NewEvent::new(
        format!("api:{caller}"),
        Utc::now(),
        EventPayload::CheckAnswered { check: record },
    );
    let unavailable = |m: &str| AppError::new(ErrorKind::Unavailable, "unavailable", m);
    let (ack_tx, ack_rx) = oneshot::channel();
    checks
        .recorder
        .send((event, ack_tx))
        .await
        .map_err(|_| unavailable("核查记录服务不可用"))?;
    match ack_rx.await {
        Ok(Ok(())) => Ok(CheckResponse {
            id,
            decision,
            reasons,
        }),
        _ => Err(unavailable("核查结果未能记录，请重试")),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// Whether the measure was applied.
    pub applied: bool,
    /// Which measure (四张清单 item id), when several applied.
    pub measure_id: Option<String>,
    /// What was done, or why not (required when not applied).
    #[serde(default)]
    pub note: String,
}

/// A recorded check and its feedback, for the system that asked it only: another system's
/// check is `not_found`, as if it did not exist.
pub async fn check_for(store: &dyn Store, caller: &str, id: &str) -> AppResult<Value> {
    match store.check_record(id).await? {
        Some((check, feedback)) if check.asked_by == caller => {
            Ok(json!({"check": check, "feedback": feedback}))
        }
        _ => Err(AppError::not_found(format!("核查记录 {id} 不存在"))),
    }
}

/// The calling system reports what it did with a check's answer (跟踪问效).
pub async fn record_feedback(
    store: &dyn Store,
    caller: &str,
    id: &str,
    req: FeedbackRequest,
) -> AppResult<()> {
    if !req.applied && req.note.trim().is_empty() {
        return Err(AppError::invalid("未采取措施时必须说明原因（note）"));
    }
    let (check, _) = store
        .check_record(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("核查记录 {id} 不存在")))?;
    if check.asked_by != caller {
        return Err(AppError::forbidden("只能反馈本系统发起的核查"));
    }
    store
        .append(vec![NewEvent::new(
            format!("api:{caller}"),
            Utc::now(),
            EventPayload::CheckFeedback {
                check_id: id.to_string(),
                applied: req.applied,
                measure_id: req.measure_id,
                note: req.note,
                by: caller.to_string(),
            },
        )])
        .await?;
    Ok(())
}

/// Checks and feedback per calling system, decision point and answer (跟踪问效).
pub async fn check_stats(store: &dyn Store) -> AppResult<Vec<Value>> {
    Ok(store
        .check_counts()
        .await?
        .into_iter()
        .map(|c| {
            let rate = if c.checks > 0 {
                (c.with_feedback as f64 / c.checks as f64 * 10_000.0).round() / 10_000.0
            } else {
                0.0
            };
            json!({
                "asked_by": c.asked_by,
                "decision_point": c.decision_point,
                "decision": c.decision,
                "checks": c.checks,
                "with_feedback": c.with_feedback,
                "feedback_rate": rate,
            })
        })
        .collect())
}

/// The key a false-positive mark is remembered by: the normalised identifier when the query
/// has a valid one, else the name's search key.
pub fn query_key(name: Option<&str>, identifier: Option<&str>) -> String {
    if let Some(code) = identifier.map(check_code).and_then(|c| c.result.ok()) {
        return code.as_str().to_string();
    }
    name.map(name_key).unwrap_or_default()
}

/// One screening hit, as the CLI's `--json` lines and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenHit {
    /// The platform subject of the entry, when it is one (external lists may name others).
    pub subject_id: Option<String>,
    pub name: String,
    /// `red`, `black`, `watch`, or an external list's name.
    pub list: String,
    /// 0.0–1.0
    pub score: f64,
    /// Which identifiers, normalisations and name features produced the score (Chinese).
    pub explanation: Vec<String>,
    /// The list entry (to mark the hit as a false positive).
    pub entry_id: String,
}

impl CheckIndex {
    /// Screens one bidder against every active entry: exact on identifiers, fuzzy on names.
    /// Hits on lists without a measure at `point`, hits marked as false positives for this
    /// query and entries not in force on `today` are left out.
    pub fn screen(
        &self,
        name: Option<&str>,
        identifier: Option<&str>,
        min_score: f64,
        point: DecisionPoint,
        today: chrono::NaiveDate,
    ) -> Vec<ScreenHit> {
        let key = query_key(name, identifier);
        self.lists
            .matcher
            .screen(name, identifier, 20, min_score)
            .into_iter()
            // Only lists with a measure at this decision point matter here.
            .filter(|h| {
                xyjt_core::lists::NameList::from_key(&h.list)
                    .is_some_and(|l| !self.policy.measures_for(&l, point).is_empty())
            })
            .filter(|h| {
                !self
                    .lists
                    .false_positives
                    .contains(&(h.entry_id.clone(), key.clone()))
            })
            .filter_map(|h| {
                let e = &self.lists.entries[*self.lists.by_id.get(&h.entry_id)?];
                e.is_active_on(today).then(|| ScreenHit {
                    subject_id: e.entry.subject_id.clone(),
                    name: h.name,
                    list: h.list,
                    score: h.score,
                    explanation: h.explanation,
                    entry_id: h.entry_id,
                })
            })
            .collect()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Bidder {
    pub name: Option<String>,
    pub identifier: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScreeningRequest {
    /// e.g. 招标投标
    pub decision_point: String,
    pub bidders: Vec<Bidder>,
    /// Lowest score reported (default 0.62: recall 0.99 on the labelled benchmark set).
    pub min_score: Option<f64>,
}

/// Screens a list of bidders against every active list (exact identifiers, fuzzy names) and
/// records the screening like a check: who asked, for what, what was found.
pub async fn screen_bidders(
    store: &dyn Store,
    checks: &Checks,
    caller: &str,
    req: ScreeningRequest,
    today: NaiveDate,
) -> AppResult<Value> {
    let point = DecisionPoint::from_label(&req.decision_point).ok_or_else(|| {
        AppError::invalid(format!("decision_point “{}” 无效", req.decision_point))
    })?;
    if req.bidders.is_empty() || req.bidders.len() > 10_000 {
        return Err(AppError::invalid("bidders 应为 1 到 10000 个"));
    }
    let min_score = req
        .min_score
        .unwrap_or(xyjt_match::DEFAULT_MIN_SCORE)
        .clamp(0.0, 1.0);
    let index = checks.current();
    let results: Vec<Value> = req
        .bidders
        .iter()
        .map(|b| {
            let hits = index.screen(
                b.name.as_deref(),
                b.identifier.as_deref(),
                min_score,
                point,
                today,
            );
            json!({
                "input": {"name": b.name, "identifier": b.identifier},
                "hits": hits,
            })
        })
        .collect();
    let id = new_id();
    let hits: Vec<Value> = results
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r["hits"].as_array().into_iter().flatten().map(
                move |h| json!({"bidder": i + 1, "entry_id": h["entry_id"], "score": h["score"]}),
            )
        })
        .collect();
    store
        .append(vec![NewEvent::new(
            format!("api:{caller}"),
            Utc::now(),
            EventPayload::ScreeningAnswered {
                id: id.clone(),
                asked_by: caller.to_string(),
                decision_point: point,
                bidders: results.len() as u64,
                hits,
                policy_version: index.policy.version,
                screened_on: today,
            },
        )])
        .await?;
    Ok(json!({"id": id, "decision_point": point.label(), "results": results}))
}

/// 行政处罚裁量: the list measures as at any decision point, and the 免罚轻罚清单 rules the
/// violation falls under, each judged on the subject's ledger facts (首次, 信用承诺).
async fn answer_discretion(
    ctx: &crate::Ctx<'_>,
    checks: &Checks,
    caller: &str,
    req: CheckRequest,
) -> AppResult<CheckResponse> {
    let point = DecisionPoint::PenaltyDiscretion;
    let violation = req
        .violation_type
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            AppError::invalid("行政处罚裁量须给出违法行为类型（violation_type）")
                .with_detail(json!({"field": "violation_type"}))
        })?;
    let raw = req.subject.identifier.as_deref().unwrap_or_default();
    let code = check_code(raw).result.map_err(|e| {
        AppError::invalid(format!("行政处罚裁量须给出有效的 subject.identifier：{e}"))
            .with_detail(json!({"field": "subject.identifier"}))
    })?;
    let index = checks.current();
    let subject = ctx.store.subject_by_code(&code).await?;
    let entries = index.by_identifier(code.as_str(), subject.as_ref().map(|s| s.id.as_str()));
    let (_, mut reasons) = decide(&entries, &index.policy, point, ctx.today);
    let (records, has_commitment) = match &subject {
        Some(s) => {
            let commitments = ctx.store.commitments(Some(&s.id)).await?;
            let kept = commitments.iter().any(|c| {
                !matches!(
                    c.status(),
                    xyjt_core::commitment::CommitmentStatus::Breached
                        | xyjt_core::commitment::CommitmentStatus::False
                )
            });
            (ctx.store.records_of_subject(&s.id).await?, kept)
        }
        None => (Vec::new(), false),
    };
    for answer in xyjt_core::discretion::judge(
        &ctx.policies.discretion,
        violation,
        &records,
        has_commitment,
    ) {
        let rule = answer.rule;
        reasons.push(CheckReason {
            list: "discretion".into(),
            list_label: format!("免罚轻罚清单第 {} 版", ctx.policies.discretion.version),
            entry_id: rule.id.clone(),
            entry_name: subject
                .as_ref()
                .map_or_else(|| raw.to_string(), |s| s.name.clone()),
            entry_basis: answer.explanation.clone(),
            deciding_unit: String::new(),
            valid_from: ctx.today,
            valid_until: None,
            measure_id: rule.id.clone(),
            measure: if answer.applies {
                format!("{}：{}", rule.outcome.label(), rule.title)
            } else {
                format!("不适用{}：{}", rule.outcome.label(), rule.title)
            },
            effect: if answer.applies {
                xyjt_core::lists::Effect::Facilitate
            } else {
                xyjt_core::lists::Effect::Inform
            },
            legal_basis: rule.legal_basis.clone(),
            acting_unit: "作出处罚决定的行政机关".into(),
            implementing_units: Vec::new(),
            origin: None,
        });
    }
    let decision = decision_of(&mut reasons);
    record_check(
        checks,
        caller,
        point,
        Some(code.as_str().to_string()),
        req.subject.name.clone(),
        subject.map(|s| s.id),
        decision,
        reasons,
        index.policy.version,
        ctx.today,
    )
    .await
}
