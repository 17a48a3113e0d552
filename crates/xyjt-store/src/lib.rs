//! Storage for xyjt: one `Store` trait, chosen at run time from the database URL.
//!
//! `sqlite://PATH` (embedded default: WAL, busy timeout, foreign keys) and `postgres://…`
//! (production) share one implementation over sqlx's `Any` driver: the SQL is portable (`$N`
//! placeholders, TEXT timestamps, BIGINT integers) and the few dialect differences — how a writer
//! takes the ledger lock, the trigger syntax in migrations — are in `Backend`. Each backend has
//! its own migrations (`migrations/sqlite`, `migrations/postgres`), embedded in the binary.
//!
//! Appending is the only way to change data: `append` seals the events into the hash chain and
//! updates the projections (subjects, records) in the same transaction, so a failure leaves
//! nothing half-written and what is shown can always be recomputed from the ledger.

mod codec;
mod connection;
mod exchange;
mod ledger;
mod migrate;
mod projection;
mod reads;
mod sql;
pub mod testing;
pub mod tree;

pub use projection::workflows::{AppQuery, Notification, OutboxChannel, OutboxItem};

/// A console session, found by the hash of its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub login: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// RFC 3339; the session is over after it.
    pub expires_at: String,
}

pub use connection::{Scratch, SqlStore, check_replica_url};
pub use exchange::{DeadLetter, ExchangeStore, OriginCount, PeerRow, Received, Repaired};
pub use ledger::SqlTx;
pub use reads::records::SEARCH_CAP;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use xyjt_core::ident::Code;
use xyjt_core::ledger::{ChainError, FoldError, NewEvent, StoredEvent};
use xyjt_core::record::{NaturalKey, Record, RecordCategory};
use xyjt_core::subject::{NameChange, Subject};

/// Which database is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "不支持的数据库地址 {0}：应为 sqlite://路径 或 postgres://… (unsupported database URL)"
    )]
    UnsupportedUrl(String),
    #[error("数据库错误：{context}: {source}")]
    Database {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Fold(#[from] FoldError),
    #[error("{what} 已存在：{key} (conflict)")]
    Conflict { what: &'static str, key: String },
    #[error("账本中的数据无法解析：{0} (corrupt stored data)")]
    Corrupt(String),
    #[error("{0}")]
    Entry(xyjt_core::listing::EntryError),
    #[error("{0}")]
    Case(xyjt_core::cases::CaseError),
    #[error("{0} 不存在 (not found)")]
    NotFound(String),
    #[error("{0}")]
    Workflow(String),
    #[error("事务中的一次写入失败，该事务只能回滚 (transaction poisoned by an earlier failure)")]
    Poisoned,
    /// `--read-db`: a replica refused or not caught up.
    #[error("只读副本：{0}")]
    Replica(String),
}

/// Adds context to a sqlx error (what the store was doing when it failed).
pub(crate) trait Context<T> {
    fn context(self, what: impl Into<String>) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, what: impl Into<String>) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database {
            context: what.into(),
            source,
        })
    }
}

/// The chain head: the last event's position and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerHead {
    pub seq: i64,
    pub hash: String,
    pub recorded_at: String,
}

/// One projection table as stored: every cell as text (`NULL` for a null, binary as hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionTable {
    pub name: String,
    /// Column names, in table order (columns that are not projections left out).
    pub columns: Vec<String>,
    /// Positions in `columns` of the row's key (the primary key).
    pub key: Vec<usize>,
    /// Cells in `columns` order; sorted by key, then by the whole row.
    pub rows: Vec<Vec<String>>,
}

impl ProjectionTable {
    pub fn new(
        name: &str,
        columns: Vec<String>,
        key: Vec<usize>,
        mut rows: Vec<Vec<String>>,
    ) -> ProjectionTable {
        let mut table = ProjectionTable {
            name: name.to_string(),
            columns,
            key,
            rows: Vec::new(),
        };
        rows.sort_by(|a, b| table.key_of(a).cmp(&table.key_of(b)).then_with(|| a.cmp(b)));
        table.rows = rows;
        table
    }

    /// A row's key cells.
    pub fn key_of<'a>(&self, row: &'a [String]) -> Vec<&'a str> {
        self.key
            .iter()
            .filter_map(|&i| row.get(i).map(String::as_str))
            .collect()
    }

    /// A row's key as `column=value` pairs (`id=…`, `subject_id=…, seq=…`).
    pub fn key_label(&self, row: &[String]) -> String {
        self.key
            .iter()
            .filter_map(|&i| Some(format!("{}={}", self.columns.get(i)?, row.get(i)?)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Each row as `column=value` pairs joined by `;`, sorted.
    pub fn texts(&self) -> Vec<String> {
        let mut texts: Vec<String> = self
            .rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| format!("{c}={v}"))
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .collect();
        texts.sort();
        texts
    }
}

/// A subject as listed in search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectPage {
    pub items: Vec<Subject>,
    /// Matches, counted up to [`SEARCH_CAP`].
    pub total: i64,
    /// More than [`SEARCH_CAP`] match: the searcher should give more of the name.
    pub more: bool,
}

/// The ledger head with its Merkle tree: `size` events, `root` their RFC 6962 root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    pub size: u64,
    pub root: xyjt_verify::Hash,
    pub head: LedgerHead,
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: i64,
    pub head: LedgerHead,
    pub error: Option<ChainError>,
}

/// Filters for the 双公示 publicity listing (公示栏).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicityQuery {
    /// Records public on this day.
    pub on: NaiveDate,
    pub category: Option<RecordCategory>,
    /// A deciding or source unit: its USCC (exact) or part of its name.
    pub unit: Option<String>,
    /// Decision date range, inclusive.
    pub decided_from: Option<NaiveDate>,
    pub decided_to: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPage {
    pub items: Vec<Record>,
    pub total: i64,
}

/// Intake counts of one reporting unit, month and category (双公示 statistics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeCount {
    pub unit_code: String,
    pub unit_name: String,
    /// `YYYY-MM` of the day received.
    pub month: String,
    pub category: String,
    pub accepted: i64,
    pub late: i64,
    pub rejected: i64,
}

/// Checks per calling system, decision point and answer, with how many got feedback (跟踪问效).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckCount {
    pub asked_by: String,
    pub decision_point: String,
    pub decision: String,
    pub checks: i64,
    pub with_feedback: i64,
}

/// A write transaction: reads see its own writes; nothing is visible to others until `commit`.
/// One import file is one transaction. After a failed `append` the transaction can only roll back.
#[async_trait]
pub trait StoreTx: Send {
    async fn append(&mut self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError>;
    async fn subject_by_code(&mut self, code: &Code) -> Result<Option<Subject>, StoreError>;
    async fn record_by_key(&mut self, key: &NaturalKey) -> Result<Option<Record>, StoreError>;
    /// The records of any of these natural keys, in one round trip per chunk (imports).
    async fn records_by_keys(&mut self, keys: &[NaturalKey]) -> Result<Vec<Record>, StoreError>;
    /// The subjects holding any of these identifiers, in one round trip per kind and chunk.
    async fn subjects_by_codes(&mut self, codes: &[Code]) -> Result<Vec<Subject>, StoreError>;
    /// Which of these rejected-row keys are already recorded.
    async fn known_rejections(&mut self, keys: &[String]) -> Result<HashSet<String>, StoreError>;
    /// Keeps an evidence file (content-addressed; the ledger event names its SHA-256).
    async fn put_attachment(
        &mut self,
        sha256: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<(), StoreError>;
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
    async fn rollback(self: Box<Self>) -> Result<(), StoreError>;
}

/// Filters for evaluation results (portal search, console review, a subject's profile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalResultQuery {
    pub run_id: Option<String>,
    pub model_id: Option<String>,
    pub period: Option<String>,
    pub status: Option<xyjt_core::evaluation::ResultStatus>,
    pub grade: Option<String>,
    pub subject_id: Option<String>,
    /// Part of the subject's name (see `xyjt_core::text::name_key`).
    pub name_key: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalResultPage {
    pub items: Vec<xyjt_core::evaluation::EvalResultState>,
    pub total: i64,
}

/// A draw: its seed commitment, and the draw itself once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawState {
    pub id: String,
    pub quarter: String,
    pub unit: String,
    pub seed_sha256: String,
    /// The sequence number of the seed's commitment.
    pub committed_seq: i64,
    pub draw: Option<xyjt_core::inspection::DrawRecord>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionQuery {
    pub draw_id: Option<String>,
    pub subject_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Credit evaluation and inspections (信用评价, 双随机一公开).
#[async_trait]
pub trait EvaluationStore: Send + Sync {
    /// Up to `limit` events of these kinds with `after_seq < seq <= up_to_seq`, in ledger order
    /// (folding a draw's inputs as of its snapshot).
    async fn events_of_kinds(
        &self,
        kinds: &[&str],
        after_seq: i64,
        up_to_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The first event with `after_seq < seq <= up_to_seq` whose kind is *not* one of these, if
    /// any (the check index skips a rebuild when only recorded checks were appended).
    async fn first_event_not_of_kinds(
        &self,
        kinds: &[&str],
        after_seq: i64,
        up_to_seq: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// Up to `limit` subjects with an id after `after_id`, by id (an evaluation run's pages).
    async fn subjects_after(&self, after_id: &str, limit: i64) -> Result<Vec<Subject>, StoreError>;

    /// The records of these subjects, by subject.
    async fn records_of_subjects(&self, ids: &[String]) -> Result<Vec<Record>, StoreError>;

    /// Every adopted version of every model, by id and version.
    async fn eval_models(&self) -> Result<Vec<xyjt_core::evaluation::EvalModel>, StoreError>;

    /// Runs, newest first.
    async fn eval_runs(
        &self,
        model_id: Option<&str>,
    ) -> Result<Vec<xyjt_core::evaluation::EvalRunState>, StoreError>;

    async fn eval_run(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::evaluation::EvalRunState>, StoreError>;

    /// Results matching the filters: newest period first, then best score.
    async fn eval_results(&self, query: &EvalResultQuery) -> Result<EvalResultPage, StoreError>;

    async fn eval_result(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::evaluation::EvalResultState>, StoreError>;

    /// Every unit's inspector pool.
    async fn inspector_pools(
        &self,
    ) -> Result<Vec<(String, Vec<xyjt_core::inspection::Inspector>)>, StoreError>;

    /// Draws (of one quarter or all), newest first.
    async fn inspection_draws(&self, quarter: Option<&str>) -> Result<Vec<DrawState>, StoreError>;

    async fn inspection_draw(&self, id: &str) -> Result<Option<DrawState>, StoreError>;

    /// Inspection results, newest first.
    async fn inspection_results(
        &self,
        query: &InspectionQuery,
    ) -> Result<Vec<xyjt_core::inspection::InspectionResult>, StoreError>;
}

/// Government integrity (政务诚信): registrations, archives, records, token scopes.
#[async_trait]
pub trait IntegrityStore: Send + Sync {
    async fn registration(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::integrity::RegistrationState>, StoreError>;

    /// Registrations of one status (`proposed`, `approved`, `rejected`) or all, newest first.
    async fn registrations(
        &self,
        status: Option<&str>,
    ) -> Result<Vec<xyjt_core::integrity::RegistrationState>, StoreError>;

    /// A subject's government archive: (kind, 所在单位, 职务).
    async fn gov_subject(
        &self,
        subject_id: &str,
    ) -> Result<
        Option<(
            xyjt_core::integrity::ArchiveKind,
            Option<String>,
            Option<String>,
        )>,
        StoreError,
    >;

    async fn integrity_record(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::integrity::IntegrityState>, StoreError>;

    /// Records of one subject, or of one archive kind, or all; newest decision first.
    async fn integrity_records(
        &self,
        subject_id: Option<&str>,
        archive: Option<xyjt_core::integrity::ArchiveKind>,
    ) -> Result<Vec<xyjt_core::integrity::IntegrityState>, StoreError>;

    /// The record a deciding unit's document number names (imports are idempotent by it).
    async fn integrity_by_key(
        &self,
        deciding_unit: &str,
        doc_no: &str,
    ) -> Result<Option<xyjt_core::integrity::IntegrityState>, StoreError>;

    /// Scores entered for a half-year's assessment: (subject, indicator, value, note).
    async fn assessment_scores(
        &self,
        period: &str,
    ) -> Result<Vec<(String, String, xyjt_core::evaluation::Score, String)>, StoreError>;

    /// A published assessment bulletin (the `assessment_published` event's payload).
    async fn assessment(&self, period: &str) -> Result<Option<serde_json::Value>, StoreError>;

    async fn gov_commitment(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::integrity::commitment::GovCommitmentState>, StoreError>;

    /// Government commitments of one department or all, newest first.
    async fn gov_commitments(
        &self,
        subject_id: Option<&str>,
    ) -> Result<Vec<xyjt_core::integrity::commitment::GovCommitmentState>, StoreError>;

    /// A token's calling system and the decision points it is limited to (empty: not limited).
    async fn token_scope(
        &self,
        token_hash: &str,
    ) -> Result<Option<(String, Vec<xyjt_core::lists::DecisionPoint>)>, StoreError>;
}

/// Which catalogue items to read.
#[derive(Debug, Clone, Default)]
pub struct DisclosureQuery {
    pub unit: Option<String>,
    pub status: Option<xyjt_core::disclosure::ItemStatus>,
    pub category: Option<String>,
    pub column: Option<String>,
    /// Only what the public may see: published, 主动公开.
    pub public_only: bool,
}

/// Government information disclosure (政务公开): the catalogue.
#[async_trait]
pub trait DisclosureStore: Send + Sync {
    async fn disclosure_item(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::disclosure::ItemState>, StoreError>;

    /// Items matching the query, newest publication first (drafts last, newest first).
    async fn disclosure_items(
        &self,
        query: &DisclosureQuery,
    ) -> Result<Vec<xyjt_core::disclosure::ItemState>, StoreError>;

    /// The highest index sequence number a unit code has used in a year.
    async fn last_index_seq(&self, code: &str, year: i32) -> Result<Option<u32>, StoreError>;

    /// A year's published annual report.
    async fn disclosure_report(
        &self,
        year: i32,
    ) -> Result<Option<xyjt_core::disclosure::annual::PublishedReport>, StoreError>;
}

#[async_trait]
pub trait Store:
    EvaluationStore + IntegrityStore + DisclosureStore + ExchangeStore + Send + Sync
{
    fn backend(&self) -> Backend;

    /// Starts a write transaction (it holds the ledger's write lock until it ends).
    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError>;

    /// Appends events atomically: all are chained and projected, or none is.
    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        let mut tx = self.begin().await?;
        match tx.append(events).await {
            Ok(stored) => {
                tx.commit().await?;
                Ok(stored)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    async fn head(&self) -> Result<LedgerHead, StoreError>;

    /// Every event of one aggregate (a subject or a record), in order.
    async fn events_of(&self, aggregate_id: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// Walks the whole chain and checks every hash, link and the head.
    async fn verify(&self) -> Result<VerifyReport, StoreError>;

    /// Brings the Merkle tree up to the head (building it for events from before it existed)
    /// and returns its size and root.
    async fn tree_head(&self) -> Result<TreeHead, StoreError>;

    /// How many events the stored Merkle tree covers.
    async fn tree_size(&self) -> Result<u64, StoreError>;

    /// The Merkle root of the first `size` events, from the stored tree.
    async fn tree_root(&self, size: u64) -> Result<xyjt_verify::Hash, StoreError>;

    /// The RFC 6962 inclusion proof of event `seq` in the tree of the first `size` events.
    async fn inclusion_proof(
        &self,
        seq: u64,
        size: u64,
    ) -> Result<Vec<xyjt_verify::Hash>, StoreError>;

    /// The RFC 6962 consistency proof between the trees of `from` and `to` events.
    async fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<xyjt_verify::Hash>, StoreError>;

    /// Merkle roots recomputed from the stored events themselves at each of `sizes`
    /// (`None` where the events run out or skip a number).
    async fn roots_from_events(
        &self,
        sizes: &[u64],
    ) -> Result<Vec<Option<xyjt_verify::Hash>>, StoreError>;

    /// Keeps a signed checkpoint.
    async fn record_checkpoint(
        &self,
        checkpoint: &tree::StoredCheckpoint,
    ) -> Result<(), StoreError>;

    /// Keeps an issued credit report (its JSON) under its number.
    async fn record_report(
        &self,
        number: &str,
        subject_id: &str,
        issued_at: &str,
        report: &str,
    ) -> Result<(), StoreError>;

    /// An issued credit report's JSON, by number.
    async fn report(&self, number: &str) -> Result<Option<String>, StoreError>;

    /// Kept checkpoints, largest tree first, at most `limit`.
    async fn checkpoints(&self, limit: i64) -> Result<Vec<tree::StoredCheckpoint>, StoreError>;

    /// Up to `limit` events after `after_seq`, in ledger order (replaying the ledger).
    async fn events_after(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Every projection table, its columns and rows as text, rows sorted by key: what the
    /// ledger is replayed into. Not projections and so left out: the ledger itself, sessions,
    /// attachments (content-addressed files) and the outbox's delivery marks.
    async fn projections(&self) -> Result<Vec<ProjectionTable>, StoreError>;

    /// Every projection table's rows as text (`column=value` pairs), sorted.
    async fn projection_rows(
        &self,
    ) -> Result<std::collections::BTreeMap<String, Vec<String>>, StoreError> {
        Ok(self
            .projections()
            .await?
            .iter()
            .map(|t| (t.name.clone(), t.texts()))
            .collect())
    }

    async fn subject(&self, id: &str) -> Result<Option<Subject>, StoreError>;

    /// The subject holding an identifier (an organisation code also finds the USCC holder).
    async fn subject_by_code(&self, code: &Code) -> Result<Option<Subject>, StoreError>;

    /// Former names, oldest first.
    async fn name_history(&self, subject_id: &str) -> Result<Vec<NameChange>, StoreError>;

    /// Subjects whose current or former name contains `name_key` (see `xyjt_core::text`), by
    /// name, counted up to [`SEARCH_CAP`] (three characters or more by a trigram index);
    /// never a civil servant's subject. An empty key lists every subject.
    async fn search_subjects(
        &self,
        name_key: &str,
        limit: i64,
        offset: i64,
    ) -> Result<SubjectPage, StoreError>;

    async fn count_subjects(&self) -> Result<i64, StoreError>;

    async fn record(&self, id: &str) -> Result<Option<Record>, StoreError>;

    /// A record as the platform knew it at `as_of`, folded from the ledger.
    async fn record_as_of(
        &self,
        id: &str,
        as_of: DateTime<Utc>,
    ) -> Result<Option<Record>, StoreError>;

    async fn record_by_key(&self, key: &NaturalKey) -> Result<Option<Record>, StoreError>;

    /// A subject's records, newest decision first.
    async fn records_of_subject(&self, subject_id: &str) -> Result<Vec<Record>, StoreError>;

    /// Records public on `query.on`, newest decision first (双公示 公示栏).
    async fn public_records(&self, query: &PublicityQuery) -> Result<RecordPage, StoreError>;

    /// One page of [`Store::public_records`] without counting the rest.
    async fn public_records_page(&self, query: &PublicityQuery) -> Result<Vec<Record>, StoreError>;

    /// Up to `query.limit` records of [`Store::public_records`] after the one at
    /// (`decision_date`, `id`) in its order (keyset paging; `offset` is ignored).
    async fn public_records_after(
        &self,
        query: &PublicityQuery,
        decision_date: NaiveDate,
        id: &str,
    ) -> Result<Vec<Record>, StoreError>;

    /// Up to `query.limit` records of [`Store::public_records`] before the one at
    /// (`decision_date`, `id`), in the board's order (keyset paging backwards, for 上一页).
    async fn public_records_before(
        &self,
        query: &PublicityQuery,
        decision_date: NaiveDate,
        id: &str,
    ) -> Result<Vec<Record>, StoreError>;

    /// How many records [`Store::public_records`] matches (ignores `limit` and `offset`).
    async fn count_public_records(&self, query: &PublicityQuery) -> Result<i64, StoreError>;

    /// Intake counts per reporting unit, month and category.
    async fn intake_counts(&self) -> Result<Vec<IntakeCount>, StoreError>;

    /// A version of the four lists, or the latest when `version` is `None`.
    async fn list_policy(
        &self,
        version: Option<u32>,
    ) -> Result<Option<xyjt_core::lists::ListPolicy>, StoreError>;

    /// Name-list entries in every state, of one list (`red`, `black`, `watch`, an external
    /// list's name) or all.
    async fn list_entries(
        &self,
        list: Option<&str>,
    ) -> Result<Vec<xyjt_core::listing::EntryState>, StoreError>;

    async fn list_entry(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::listing::EntryState>, StoreError>;

    /// The ledger position of the latest write to a name-list entry, a list policy or a false
    /// positive (0 when there is none): the check index re-reads the lists only when it moves.
    async fn lists_version(&self) -> Result<i64, StoreError>;

    /// The kinds of the subjects some published entry names (the public lists mask persons).
    async fn listed_subject_kinds(
        &self,
    ) -> Result<Vec<(String, xyjt_core::subject::PartyCategory)>, StoreError>;

    /// A recorded check and its feedback event, if any.
    async fn check_record(
        &self,
        id: &str,
    ) -> Result<Option<(xyjt_core::ledger::CheckRecord, Option<serde_json::Value>)>, StoreError>;

    async fn check_counts(&self) -> Result<Vec<CheckCount>, StoreError>;

    /// Subjects that have records of a category (for rule runs over the ledger).
    async fn subjects_with_records(
        &self,
        category: xyjt_core::record::RecordCategory,
    ) -> Result<Vec<String>, StoreError>;

    /// Joint punishment cases, newest first, of one initiating unit or all.
    async fn joint_cases(
        &self,
        initiator: Option<&str>,
    ) -> Result<Vec<xyjt_core::cases::CaseState>, StoreError>;

    /// Screening hits marked as false positives: (entry id, query key).
    async fn false_positives(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// One joint punishment case with its reports.
    async fn joint_case(&self, id: &str)
    -> Result<Option<xyjt_core::cases::CaseState>, StoreError>;

    /// The calling system's name for a token's SHA-256.
    async fn token_name(&self, token_hash: &str) -> Result<Option<String>, StoreError>;

    /// An objection or repair application with its whole history.
    async fn application(
        &self,
        number: &str,
    ) -> Result<Option<xyjt_core::workflow::AppState>, StoreError>;

    /// Applications matching the filters, newest first.
    async fn applications(
        &self,
        query: &AppQuery,
    ) -> Result<Vec<xyjt_core::workflow::AppState>, StoreError>;

    async fn commitment(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::commitment::CommitmentState>, StoreError>;

    /// Commitments of one subject or all, newest first.
    async fn commitments(
        &self,
        subject_id: Option<&str>,
    ) -> Result<Vec<xyjt_core::commitment::CommitmentState>, StoreError>;

    /// A unit's inbox, newest first.
    async fn inbox(&self, unit: &str, limit: i64) -> Result<Vec<Notification>, StoreError>;

    /// Outbox messages of one channel or all, oldest first.
    async fn outbox(
        &self,
        channel: Option<crate::OutboxChannel>,
        pending_only: bool,
    ) -> Result<Vec<OutboxItem>, StoreError>;

    /// Marks outbox messages delivered (an adapter's acknowledgement); returns how many were
    /// pending.
    async fn mark_delivered(&self, ids: &[String], at: &str) -> Result<u64, StoreError>;

    /// An evidence file: its name and bytes.
    async fn attachment(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError>;

    /// A staff account with its password hash (argon2 PHC string).
    async fn account(
        &self,
        login: &str,
    ) -> Result<Option<(xyjt_core::account::Account, String)>, StoreError>;

    async fn accounts(&self) -> Result<Vec<xyjt_core::account::Account>, StoreError>;

    /// Stores a console session (by the SHA-256 of its cookie value).
    async fn create_session(
        &self,
        id_hash: &str,
        login: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), StoreError>;

    /// A live session: (login, csrf token, expiry).
    async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError>;

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;

    async fn submission(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::submission::SubmissionState>, StoreError>;

    /// Submissions, newest first, optionally of one status (`pending`, `published`, `returned`).
    async fn submissions(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<xyjt_core::submission::SubmissionState>, StoreError>;

    /// The latest ledger events, newest first, optionally of one actor or kind (audit trail).
    async fn recent_events(
        &self,
        actor: Option<&str>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// When this store reads a streaming replica (`serve --read-db`), how far behind it is in
    /// seconds (see [`SqlStore::replay_lag`]); `None` when it reads the primary.
    async fn replay_lag(&self) -> Result<Option<f64>, StoreError> {
        Ok(None)
    }
}

/// Opens (and migrates) the store a URL names.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(SqlStore::connect(url).await?))
}

/// A URL with any password replaced, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/xyjt"),
            "postgres://app:***@db:5432/xyjt"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
    }

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }
}
