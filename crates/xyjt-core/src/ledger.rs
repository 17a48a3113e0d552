//! The credit ledger (信用账本): every fact is an event, appended once and never changed.
//!
//! Each stored event carries the SHA-256 of the previous one, over a canonical encoding of all
//! its fields, so altering, removing or reordering any stored event breaks the chain and
//! `verify_chain` names the first bad event. Corrections, revocations and expiry are new events;
//! what users see is folded from the events (`fold_record`).

use crate::canonical::{sha256_hex, write_canonical};
use crate::record::{Publication, Record, RecordBody, RecordCategory, RecordId, RecordStatus};
use crate::subject::{Subject, SubjectId};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. Serialised with a `kind` tag; the kind names are stable storage keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventPayload {
    /// A subject enters the platform with its identifiers.
    SubjectRegistered { subject: Subject },
    /// A subject's name changed (the old name stays in its history).
    SubjectRenamed {
        subject_id: SubjectId,
        name: String,
        effective_on: NaiveDate,
    },
    /// A decision (licence, penalty, …) is recorded for a subject.
    RecordPublished {
        record_id: RecordId,
        subject_id: SubjectId,
        body: RecordBody,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        publication: Option<Publication>,
    },
    /// The deciding unit corrected a record; the new body replaces the old in views.
    RecordCorrected {
        record_id: RecordId,
        body: RecordBody,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        publication: Option<Publication>,
    },
    /// The record was revoked (撤销), e.g. after an upheld objection.
    RecordRevoked { record_id: RecordId, reason: String },
    /// The record's validity ended.
    RecordExpired { record_id: RecordId, on: NaiveDate },
    /// A version of the four lists (四张清单) was adopted; every change is a new version.
    ListPolicyAdopted { policy: crate::lists::ListPolicy },
    /// A unit (or a rule run) proposes a name-list entry.
    ListEntryProposed {
        entry: crate::listing::ListEntry,
        by: String,
    },
    /// A reviewer of the unit approves or rejects it (maker-checker).
    ListEntryReviewed {
        entry_id: String,
        by: String,
        approved: bool,
        comment: String,
    },
    /// The reviewed entry takes effect.
    ListEntryPublished { entry_id: String, on: NaiveDate },
    /// The entry ends: expiry, repair, upheld objection, withdrawal. It stays in the ledger.
    ListEntryEnded {
        entry_id: String,
        reason: crate::listing::EndReason,
        on: NaiveDate,
        /// Why, in the ending person's words (absent in entries ended before it was kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A calling system asked the credit check at a decision point; this is the answer given.
    CheckAnswered { check: CheckRecord },
    /// The calling system reports what it did with a check's answer (跟踪问效).
    CheckFeedback {
        check_id: String,
        applied: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        measure_id: Option<String>,
        note: String,
        by: String,
    },
    /// An initiating unit opens a joint punishment case and pushes it to implementing units.
    CaseOpened { case: crate::cases::JointCase },
    /// An implementing unit reports what it did on a case (执行反馈).
    CaseReported {
        case_id: String,
        report: crate::cases::UnitReport,
    },
    /// A person marked a screening hit as a false positive; later screenings of the same query
    /// do not report that entry again.
    FalsePositiveMarked {
        entry_id: String,
        /// The query as screened: its normalised identifier, or its name key.
        query_key: String,
        by: String,
        reason: String,
    },
    /// A calling system screened a list of bidders; what was found is on record.
    ScreeningAnswered {
        id: String,
        asked_by: String,
        decision_point: crate::lists::DecisionPoint,
        bidders: u64,
        /// `{"bidder": n, "entry_id": …, "score": …}` per hit.
        hits: Vec<Value>,
        policy_version: u32,
        screened_on: NaiveDate,
    },
    /// An API token was issued to a calling system (only its SHA-256 is kept).
    ApiTokenIssued {
        token_id: String,
        name: String,
        token_hash: String,
        /// The decision points the token may ask; empty: every one except the personnel
        /// decision points (政务诚信 policy).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        decision_points: Vec<crate::lists::DecisionPoint>,
    },
    /// A repair application was granted: the record's publicity stops on `on` (its last public
    /// day is the day before). The record itself stays, as does everything before.
    RecordRepaired {
        record_id: RecordId,
        on: NaiveDate,
        application: String,
        note: String,
    },
    /// An objection or repair application was received (its first clock starts).
    ApplicationFiled {
        application: crate::workflow::Application,
    },
    /// A step of an application: suspension, extension, forwarding, decision, sync, ….
    ApplicationStepped {
        number: String,
        step: crate::workflow::Step,
        on: NaiveDate,
        by: String,
    },
    /// A credit commitment (信用承诺书) was signed and published.
    CommitmentSigned {
        commitment: crate::commitment::Commitment,
    },
    /// Its fulfilment was checked (践诺核查).
    CommitmentChecked {
        commitment_id: String,
        check: crate::commitment::FulfilmentCheck,
    },
    /// A staff account was created (the password only as an argon2 PHC string).
    AccountCreated {
        account: crate::account::Account,
        password_hash: String,
    },
    /// A staff account's password was changed.
    PasswordChanged {
        login: String,
        password_hash: String,
    },
    /// A clerk submitted records (entered or imported) for review.
    SubmissionFiled {
        submission: crate::submission::Submission,
    },
    /// A reviewer published or returned a submission. Approval is appended in the same
    /// transaction as the records it publishes.
    SubmissionReviewed {
        submission_id: String,
        approved: bool,
        by: String,
        comment: String,
        on: NaiveDate,
    },
    /// Rows of a submitted file were rejected (反馈整改): kept so that compliance statistics count
    /// them. Row contents are not stored, only a key (to count each bad row once) and reasons.
    RowsRejected {
        batch_id: String,
        category: RecordCategory,
        reported_on: NaiveDate,
        rows: Vec<RejectedRow>,
    },
    /// A version of an evaluation model (信用评价模型) was adopted.
    EvalModelAdopted { model: crate::evaluation::EvalModel },
    /// An evaluation run was made, with its counts; its results precede it, as
    /// `EvalResultProposed` events of the same transaction.
    EvalRunProposed { run: crate::evaluation::EvalRun },
    /// One subject's result of a run, awaiting review (before the run's own event).
    EvalResultProposed {
        result: crate::evaluation::EvalResult,
    },
    /// Another person reviewed the run (maker-checker: 谁生产、谁审核).
    EvalRunReviewed {
        run_id: String,
        by: String,
        approved: bool,
        comment: String,
        on: NaiveDate,
        /// Approved: publication and the copies are due by this day (policy: 5 days).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<NaiveDate>,
    },
    /// The reviewed run's results are published and copied to the supervising unit and the
    /// sharing units (an outbox message; its delivery closes the copy's clock).
    EvalRunPublished {
        run_id: String,
        on: NaiveDate,
        valid_until: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        supervising_unit: Option<String>,
        #[serde(default)]
        sharing_units: Vec<String>,
    },
    /// A published result was re-scored (an upheld objection) and re-published.
    EvalResultRevised {
        result: crate::evaluation::EvalResult,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        application: Option<String>,
        on: NaiveDate,
        valid_until: NaiveDate,
    },
    /// A unit's pool of inspectors (执法检查人员名录库) was set; it replaces the previous one.
    InspectorPoolSet {
        unit: String,
        inspectors: Vec<crate::inspection::Inspector>,
    },
    /// The SHA-256 of a draw's seed, recorded before the draw (the seed itself comes after).
    InspectionSeedCommitted {
        draw_id: String,
        quarter: String,
        unit: String,
        seed_sha256: String,
    },
    /// A random draw (双随机), with its seed revealed and the snapshot it used.
    InspectionDrawn { draw: crate::inspection::DrawRecord },
    /// An inspection's result (检查结果).
    InspectionRecorded {
        result: crate::inspection::InspectionResult,
    },
    /// A subject is proposed for registration directly (a department, a civil servant, or any
    /// company or person), awaiting another person's review.
    RegistrationProposed {
        registration: crate::integrity::Registration,
    },
    /// The registration was reviewed; an approval is appended with its `SubjectRegistered`.
    RegistrationReviewed {
        registration_id: String,
        by: String,
        approved: bool,
        comment: String,
    },
    /// A government-integrity record (政务诚信档案) was recorded.
    IntegrityRecorded {
        record: crate::integrity::IntegrityRecord,
    },
    /// A fault-tolerance finding (容错纠错) was proposed for a record.
    ToleranceProposed {
        record_id: String,
        reasons: String,
        basis: String,
        #[serde(default)]
        evidence: Vec<String>,
        by: String,
    },
    /// Another person reviewed the finding; approved, the record no longer counts as dishonesty.
    ToleranceReviewed {
        record_id: String,
        by: String,
        approved: bool,
        comment: String,
        on: NaiveDate,
    },
    /// A score entered by staff for a department's assessment (third-party or public
    /// evaluation); a later entry for the same period, department and indicator replaces it.
    AssessmentScoreEntered {
        period: String,
        subject_id: String,
        indicator: String,
        value: crate::evaluation::Score,
        note: String,
        by: String,
    },
    /// A half-year's assessment bulletin (通报) was published, with every department's result.
    AssessmentPublished {
        period: String,
        model_version: u32,
        results: Vec<crate::integrity::assessment::AssessmentResult>,
        on: NaiveDate,
    },
    /// A department's public commitment (服务承诺, 期限承诺, 保障承诺) was recorded.
    GovCommitmentMade {
        commitment: crate::integrity::commitment::GovCommitment,
    },
    /// A government commitment was checked (履约核查); a broken one is recorded as 承诺未履行
    /// in the same transaction.
    GovCommitmentChecked {
        commitment_id: String,
        check: crate::integrity::commitment::CommitmentCheck,
    },
    /// A unit drafted (or, after a return, redrafted) an item of the disclosure catalogue
    /// (政务公开), checked against the negative list of the policy version it names.
    DisclosureDrafted {
        item: crate::disclosure::DisclosureItem,
    },
    /// The office's confidentiality review and sign-off (保密审查、签字确认); approved, the item
    /// is published under its index number (索引号) that day.
    DisclosureSignedOff {
        item_id: String,
        sign_off: crate::disclosure::SignOff,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_no: Option<crate::disclosure::IndexNo>,
    },
    /// A 清理 decision on a published 规范性文件 (保留、修改、废止、宣布失效).
    DisclosureCleaned {
        item_id: String,
        cleanup: crate::disclosure::Cleanup,
    },
    /// A comment received on a draft decision open for comment (重大决策预公开).
    DisclosureCommented {
        item_id: String,
        comment: crate::disclosure::Comment,
    },
    /// The published summary of what was adopted from the comments and why the rest was not.
    DisclosureAdopted {
        item_id: String,
        adoption: crate::disclosure::Adoption,
    },
    /// A year's annual report on government information disclosure was published, as computed
    /// then (its table's identity checked).
    DisclosureReportPublished {
        /// `disclosure-report-YYYY`
        report_id: String,
        report: crate::disclosure::annual::AnnualReport,
        by: String,
        on: NaiveDate,
    },
    /// A fact received from another node over the exchange (信用信息交换), applied here as
    /// `fact` and keeping its origin (node, origin sequence, event id and hash). `fact` is the
    /// origin's payload with its subject mapped to this node's; absent when there is nothing to
    /// apply (a subject this node already has, named in `origin.same_subject`).
    ExchangeReceived {
        origin: Origin,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fact: Option<Box<EventPayload>>,
        /// Facts the origin recorded before this one about the same aggregate, applied just
        /// before it (a published evaluation run: its results, its proposal and its review),
        /// each with its origin sequence and hash.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        prior: Vec<PriorFact>,
    },
}

/// A fact applied with a received one (`ExchangeReceived::prior`): the origin's earlier event
/// of the same aggregate, its subject mapped like the fact's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorFact {
    pub seq: i64,
    pub hash: String,
    pub fact: EventPayload,
}

/// A credit check as asked and answered, with the policy version that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub id: String,
    /// The calling system (its token's name).
    pub asked_by: String,
    pub decision_point: crate::lists::DecisionPoint,
    /// The identifier asked about, normalised, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The name asked about, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The platform subject it resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    pub decision: crate::check::CheckDecision,
    pub reasons: Vec<crate::check::CheckReason>,
    pub policy_version: u32,
    pub checked_on: NaiveDate,
}

/// One rejected row of an import, as the statistics need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// SHA-256 of the row's cells: the same bad row submitted twice counts once.
    pub key: String,
    /// 数据来源单位统一社会信用代码 as given (may be empty or invalid).
    pub unit_code: String,
    /// 数据来源单位 as given.
    pub unit_name: String,
    /// 1-based data row in its file.
    pub row: u64,
    /// `FIELD: message` per error.
    pub errors: Vec<String>,
}

impl EventPayload {
    /// The stable kind name, as stored in the `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            EventPayload::SubjectRegistered { .. } => "subject_registered",
            EventPayload::SubjectRenamed { .. } => "subject_renamed",
            EventPayload::RecordPublished { .. } => "record_published",
            EventPayload::RecordCorrected { .. } => "record_corrected",
            EventPayload::RecordRevoked { .. } => "record_revoked",
            EventPayload::RecordExpired { .. } => "record_expired",
            EventPayload::RowsRejected { .. } => "rows_rejected",
            EventPayload::ListPolicyAdopted { .. } => "list_policy_adopted",
            EventPayload::ListEntryProposed { .. } => "list_entry_proposed",
            EventPayload::ListEntryReviewed { .. } => "list_entry_reviewed",
            EventPayload::ListEntryPublished { .. } => "list_entry_published",
            EventPayload::ListEntryEnded { .. } => "list_entry_ended",
            EventPayload::CheckAnswered { .. } => "check_answered",
            EventPayload::CheckFeedback { .. } => "check_feedback",
            EventPayload::ApiTokenIssued { .. } => "api_token_issued",
            EventPayload::CaseOpened { .. } => "case_opened",
            EventPayload::FalsePositiveMarked { .. } => "false_positive_marked",
            EventPayload::ScreeningAnswered { .. } => "screening_answered",
            EventPayload::CaseReported { .. } => "case_reported",
            EventPayload::RecordRepaired { .. } => "record_repaired",
            EventPayload::ApplicationFiled { .. } => "application_filed",
            EventPayload::ApplicationStepped { .. } => "application_stepped",
            EventPayload::CommitmentSigned { .. } => "commitment_signed",
            EventPayload::CommitmentChecked { .. } => "commitment_checked",
            EventPayload::AccountCreated { .. } => "account_created",
            EventPayload::PasswordChanged { .. } => "password_changed",
            EventPayload::SubmissionFiled { .. } => "submission_filed",
            EventPayload::SubmissionReviewed { .. } => "submission_reviewed",
            EventPayload::EvalModelAdopted { .. } => "eval_model_adopted",
            EventPayload::EvalRunProposed { .. } => "eval_run_proposed",
            EventPayload::EvalResultProposed { .. } => "eval_result_proposed",
            EventPayload::EvalRunReviewed { .. } => "eval_run_reviewed",
            EventPayload::EvalRunPublished { .. } => "eval_run_published",
            EventPayload::EvalResultRevised { .. } => "eval_result_revised",
            EventPayload::InspectorPoolSet { .. } => "inspector_pool_set",
            EventPayload::InspectionSeedCommitted { .. } => "inspection_seed_committed",
            EventPayload::InspectionDrawn { .. } => "inspection_drawn",
            EventPayload::InspectionRecorded { .. } => "inspection_recorded",
            EventPayload::RegistrationProposed { .. } => "registration_proposed",
            EventPayload::RegistrationReviewed { .. } => "registration_reviewed",
            EventPayload::IntegrityRecorded { .. } => "integrity_recorded",
            EventPayload::ToleranceProposed { .. } => "tolerance_proposed",
            EventPayload::ToleranceReviewed { .. } => "tolerance_reviewed",
            EventPayload::AssessmentScoreEntered { .. } => "assessment_score_entered",
            EventPayload::AssessmentPublished { .. } => "assessment_published",
            EventPayload::GovCommitmentMade { .. } => "gov_commitment_made",
            EventPayload::GovCommitmentChecked { .. } => "gov_commitment_checked",
            EventPayload::DisclosureDrafted { .. } => "disclosure_drafted",
            EventPayload::DisclosureSignedOff { .. } => "disclosure_signed_off",
            EventPayload::DisclosureCleaned { .. } => "disclosure_cleaned",
            EventPayload::DisclosureCommented { .. } => "disclosure_commented",
            EventPayload::DisclosureAdopted { .. } => "disclosure_adopted",
            EventPayload::DisclosureReportPublished { .. } => "disclosure_report_published",
            EventPayload::ExchangeReceived { .. } => "exchange_received",
        }
    }

    /// The aggregate the event belongs to (the thing whose history it extends).
    pub fn aggregate_id(&self) -> &str {
        match self {
            EventPayload::SubjectRegistered { subject } => &subject.id,
            EventPayload::SubjectRenamed { subject_id, .. } => subject_id,
            EventPayload::RecordPublished { record_id, .. }
            | EventPayload::RecordCorrected { record_id, .. }
            | EventPayload::RecordRevoked { record_id, .. }
            | EventPayload::RecordExpired { record_id, .. } => record_id,
            EventPayload::RowsRejected { batch_id, .. } => batch_id,
            EventPayload::ListPolicyAdopted { .. } => "list-policy",
            EventPayload::ListEntryProposed { entry, .. } => &entry.id,
            EventPayload::ListEntryReviewed { entry_id, .. }
            | EventPayload::ListEntryPublished { entry_id, .. }
            | EventPayload::ListEntryEnded { entry_id, .. } => entry_id,
            EventPayload::CheckAnswered { check } => &check.id,
            EventPayload::CheckFeedback { check_id, .. } => check_id,
            EventPayload::ApiTokenIssued { token_id, .. } => token_id,
            EventPayload::CaseOpened { case } => &case.id,
            EventPayload::FalsePositiveMarked { entry_id, .. } => entry_id,
            EventPayload::ScreeningAnswered { id, .. } => id,
            EventPayload::CaseReported { case_id, .. } => case_id,
            EventPayload::RecordRepaired { record_id, .. } => record_id,
            EventPayload::ApplicationFiled { application } => &application.number,
            EventPayload::ApplicationStepped { number, .. } => number,
            EventPayload::CommitmentSigned { commitment } => &commitment.id,
            EventPayload::CommitmentChecked { commitment_id, .. } => commitment_id,
            EventPayload::AccountCreated { account, .. } => &account.login,
            EventPayload::PasswordChanged { login, .. } => login,
            EventPayload::SubmissionFiled { submission } => &submission.id,
            EventPayload::SubmissionReviewed { submission_id, .. } => submission_id,
            EventPayload::EvalModelAdopted { model } => &model.id,
            EventPayload::EvalRunProposed { run } => &run.id,
            EventPayload::EvalResultProposed { result } => &result.run_id,
            EventPayload::EvalRunReviewed { run_id, .. }
            | EventPayload::EvalRunPublished { run_id, .. } => run_id,
            EventPayload::EvalResultRevised { result, .. } => &result.id,
            EventPayload::InspectorPoolSet { unit, .. } => unit,
            EventPayload::InspectionSeedCommitted { draw_id, .. } => draw_id,
            EventPayload::InspectionDrawn { draw } => &draw.id,
            EventPayload::InspectionRecorded { result } => &result.id,
            EventPayload::RegistrationProposed { registration } => &registration.id,
            EventPayload::RegistrationReviewed {
                registration_id, ..
            } => registration_id,
            EventPayload::IntegrityRecorded { record } => &record.id,
            EventPayload::ToleranceProposed { record_id, .. }
            | EventPayload::ToleranceReviewed { record_id, .. } => record_id,
            EventPayload::AssessmentScoreEntered { subject_id, .. } => subject_id,
            EventPayload::AssessmentPublished { period, .. } => period,
            EventPayload::GovCommitmentMade { commitment } => &commitment.id,
            EventPayload::GovCommitmentChecked { commitment_id, .. } => commitment_id,
            EventPayload::DisclosureDrafted { item } => &item.id,
            EventPayload::DisclosureSignedOff { item_id, .. }
            | EventPayload::DisclosureCleaned { item_id, .. }
            | EventPayload::DisclosureCommented { item_id, .. }
            | EventPayload::DisclosureAdopted { item_id, .. } => item_id,
            EventPayload::DisclosureReportPublished { report_id, .. } => report_id,
            EventPayload::ExchangeReceived { origin, fact, .. } => match fact {
                Some(f) => f.aggregate_id(),
                None => &origin.event_id,
            },
        }
    }

    /// The step a list-entry event takes, if it is one.
    pub fn entry_step(&self) -> Option<crate::listing::EntryStep<'_>> {
        use crate::listing::EntryStep;
        Some(match self {
            EventPayload::ListEntryProposed { entry, by } => EntryStep::Proposed { entry, by },
            EventPayload::ListEntryReviewed {
                by,
                approved,
                comment,
                ..
            } => EntryStep::Reviewed {
                by,
                approved: *approved,
                comment,
            },
            EventPayload::ListEntryPublished { on, .. } => EntryStep::Published { on: *on },
            EventPayload::ListEntryEnded { reason, on, .. } => EntryStep::Ended {
                reason: *reason,
                on: *on,
            },
            _ => return None,
        })
    }

    /// The step a disclosure-catalogue event takes, if it is one.
    pub fn disclosure_step(&self) -> Option<crate::disclosure::ItemStep<'_>> {
        use crate::disclosure::ItemStep;
        Some(match self {
            EventPayload::DisclosureDrafted { item } => ItemStep::Drafted(item),
            EventPayload::DisclosureSignedOff {
                sign_off, index_no, ..
            } => ItemStep::SignedOff {
                sign_off,
                index_no: index_no.as_ref(),
            },
            EventPayload::DisclosureCleaned { cleanup, .. } => ItemStep::Cleaned(cleanup),
            EventPayload::DisclosureCommented { comment, .. } => ItemStep::Commented(comment),
            EventPayload::DisclosureAdopted { adoption, .. } => ItemStep::Adopted(adoption),
            _ => return None,
        })
    }

    /// The subject the event is about, when the event alone says so.
    pub fn subject_id(&self) -> Option<&str> {
        match self {
            EventPayload::SubjectRegistered { subject } => Some(&subject.id),
            EventPayload::SubjectRenamed { subject_id, .. }
            | EventPayload::RecordPublished { subject_id, .. } => Some(subject_id),
            EventPayload::ListEntryProposed { entry, .. } => entry.subject_id.as_deref(),
            EventPayload::CheckAnswered { check } => check.subject_id.as_deref(),
            EventPayload::ApplicationFiled { application } => application.subject_id.as_deref(),
            EventPayload::CommitmentSigned { commitment } => Some(&commitment.subject_id),
            EventPayload::EvalResultProposed { result }
            | EventPayload::EvalResultRevised { result, .. } => Some(&result.subject_id),
            EventPayload::InspectionRecorded { result } => Some(&result.subject_id),
            EventPayload::RegistrationProposed { registration } => Some(&registration.subject.id),
            EventPayload::IntegrityRecorded { record } => Some(&record.subject_id),
            EventPayload::GovCommitmentMade { commitment } => Some(&commitment.subject_id),
            EventPayload::ExchangeReceived { fact: Some(f), .. } => f.subject_id(),
            _ => None,
        }
    }
}

/// An event about to be appended: the store assigns sequence, time floor and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: String,
    /// Who caused it: a user, a unit's system, `import:<file>`, `demo`.
    pub actor: String,
    pub recorded_at: DateTime<Utc>,
    pub payload: EventPayload,
    /// Set when the aggregate's subject is known but not carried in the payload.
    pub subject_id: Option<SubjectId>,
}

impl NewEvent {
    pub fn new(
        actor: impl Into<String>,
        recorded_at: DateTime<Utc>,
        payload: EventPayload,
    ) -> Self {
        let subject_id = payload.subject_id().map(str::to_string);
        NewEvent {
            id: new_id(),
            actor: actor.into(),
            recorded_at,
            payload,
            subject_id,
        }
    }

    pub fn with_subject(mut self, subject_id: impl Into<String>) -> Self {
        self.subject_id = Some(subject_id.into());
        self
    }
}

/// A new time-ordered unique id (UUID v7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// An event as stored: position in the chain, the hashes, and the payload as JSON (so events of
/// kinds this build does not know are still stored, hashed and verified).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: String,
    pub recorded_at: String,
    pub actor: String,
    pub kind: String,
    pub aggregate_id: String,
    pub subject_id: Option<String>,
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredEvent {
    /// The typed payload, when this build knows the kind.
    pub fn typed(&self) -> Result<EventPayload, serde_json::Error> {
        serde_json::from_value(self.payload.clone())
    }

    /// The hash this event should have, from its fields and `prev_hash`.
    pub fn computed_hash(&self) -> String {
        event_hash(
            self.seq,
            &self.id,
            &self.recorded_at,
            &self.actor,
            &self.kind,
            &self.aggregate_id,
            self.subject_id.as_deref(),
            &self.payload,
            &self.prev_hash,
        )
    }

    /// The canonical text `computed_hash` hashes: the event's Merkle leaf data.
    pub fn canonical_text(&self) -> String {
        event_text(
            self.seq,
            &self.id,
            &self.recorded_at,
            &self.actor,
            &self.kind,
            &self.aggregate_id,
            self.subject_id.as_deref(),
            &self.payload,
            &self.prev_hash,
        )
    }

    pub fn recorded_at_utc(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.recorded_at)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    }
}

/// The one text form of a ledger timestamp (microseconds, UTC, `Z`), fixed because it is hashed.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// SHA-256 over the canonical JSON of every field of the event, including the previous hash.
#[allow(clippy::too_many_arguments)]
pub fn event_hash(
    seq: i64,
    id: &str,
    recorded_at: &str,
    actor: &str,
    kind: &str,
    aggregate_id: &str,
    subject_id: Option<&str>,
    payload: &Value,
    prev_hash: &str,
) -> String {
    let s = event_text(
        seq,
        id,
        recorded_at,
        actor,
        kind,
        aggregate_id,
        subject_id,
        payload,
        prev_hash,
    );
    sha256_hex(s.as_bytes())
}

/// The canonical text of an event that `event_hash` hashes, and that the ledger's Merkle tree
/// takes as the event's leaf data (`SHA-256(0x00 ‖ text)`).
#[allow(clippy::too_many_arguments)]
pub fn event_text(
    seq: i64,
    id: &str,
    recorded_at: &str,
    actor: &str,
    kind: &str,
    aggregate_id: &str,
    subject_id: Option<&str>,
    payload: &Value,
    prev_hash: &str,
) -> String {
    let mut s = String::with_capacity(512);
    s.push_str("{\"actor\":");
    write_canonical(&Value::from(actor), &mut s);
    s.push_str(",\"aggregate_id\":");
    write_canonical(&Value::from(aggregate_id), &mut s);
    s.push_str(",\"id\":");
    write_canonical(&Value::from(id), &mut s);
    s.push_str(",\"kind\":");
    write_canonical(&Value::from(kind), &mut s);
    s.push_str(",\"payload\":");
    write_canonical(payload, &mut s);
    s.push_str(",\"prev_hash\":");
    write_canonical(&Value::from(prev_hash), &mut s);
    s.push_str(",\"recorded_at\":");
    write_canonical(&Value::from(recorded_at), &mut s);
    s.push_str(",\"seq\":");
    s.push_str(&seq.to_string());
    s.push_str(",\"subject_id\":");
    write_canonical(&subject_id.map_or(Value::Null, Value::from), &mut s);
    s.push('}');
    s
}

/// Turns a new event into its stored form at chain position `seq` after `prev_hash`.
pub fn seal(
    event: &NewEvent,
    seq: i64,
    recorded_at: DateTime<Utc>,
    prev_hash: &str,
) -> StoredEvent {
    let payload = serde_json::to_value(&event.payload).expect("event payloads always serialise");
    let mut stored = StoredEvent {
        seq,
        id: event.id.clone(),
        recorded_at: format_timestamp(recorded_at),
        actor: event.actor.clone(),
        kind: event.payload.kind().to_string(),
        aggregate_id: event.payload.aggregate_id().to_string(),
        subject_id: event.subject_id.clone(),
        payload,
        prev_hash: prev_hash.to_string(),
        hash: String::new(),
    };
    stored.hash = stored.computed_hash();
    stored
}

/// Why a chain does not verify, naming the first bad event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error(
        "第 {seq} 号事件（{id}）的哈希与内容不符：存储 {stored}，重算 {computed} (event altered)"
    )]
    HashMismatch {
        seq: i64,
        id: String,
        stored: String,
        computed: String,
    },
    #[error(
        "第 {seq} 号事件（{id}）的前序哈希 {found} 与上一事件的哈希 {expected} 不符 (broken link)"
    )]
    BrokenLink {
        seq: i64,
        id: String,
        expected: String,
        found: String,
    },
    #[error("事件序号不连续：应为 {expected}，实为 {found}（{id}）(missing or reordered event)")]
    Gap {
        expected: i64,
        found: i64,
        id: String,
    },
    #[error(
        "第 {seq} 号事件（{id}）的存储内容不是规范编码，已被改动 (event altered outside the program)"
    )]
    NonCanonical { seq: i64, id: String },
    #[error(
        "账本头记录指向第 {head_seq} 号事件（哈希 {head_hash}），但链尾为第 {last_seq} 号（哈希 {last_hash}）(ledger truncated or head altered)"
    )]
    HeadMismatch {
        head_seq: i64,
        head_hash: String,
        last_seq: i64,
        last_hash: String,
    },
}

/// Walks a chain incrementally; feed events in sequence order, then `finish` with the head.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, event: &StoredEvent) -> Result<(), ChainError> {
        if event.seq != self.next_seq {
            return Err(ChainError::Gap {
                expected: self.next_seq,
                found: event.seq,
                id: event.id.clone(),
            });
        }
        if event.prev_hash != self.prev_hash {
            return Err(ChainError::BrokenLink {
                seq: event.seq,
                id: event.id.clone(),
                expected: self.prev_hash.clone(),
                found: event.prev_hash.clone(),
            });
        }
        let computed = event.computed_hash();
        if computed != event.hash {
            return Err(ChainError::HashMismatch {
                seq: event.seq,
                id: event.id.clone(),
                stored: event.hash.clone(),
                computed,
            });
        }
        self.next_seq += 1;
        self.prev_hash = event.hash.clone();
        Ok(())
    }

    /// Like `push`, also checking that the stored payload text is exactly the canonical
    /// encoding the platform wrote, so even an edit that keeps the JSON's meaning is caught.
    pub fn push_raw(&mut self, event: &StoredEvent, raw_payload: &str) -> Result<(), ChainError> {
        self.push(event)?;
        if crate::canonical::to_canonical(&event.payload) != raw_payload {
            return Err(ChainError::NonCanonical {
                seq: event.seq,
                id: event.id.clone(),
            });
        }
        Ok(())
    }

    /// Number of events verified so far.
    pub fn count(&self) -> i64 {
        self.next_seq - 1
    }

    /// Checks that the stored head points at the last verified event (catches a cut-off tail).
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), ChainError> {
        if head_seq != self.count() || head_hash != self.prev_hash {
            return Err(ChainError::HeadMismatch {
                head_seq,
                head_hash: head_hash.to_string(),
                last_seq: self.count(),
                last_hash: self.prev_hash.clone(),
            });
        }
        Ok(())
    }
}

/// Why an event cannot apply to a record's current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    #[error("记录 {0} 尚未发布，不能更正、撤销或失效 (record not published)")]
    NotPublished(RecordId),
    #[error("记录 {0} 已发布过 (record already published)")]
    AlreadyPublished(RecordId),
    #[error("记录 {0} 已撤销，不能再变更 (record revoked)")]
    Revoked(RecordId),
    #[error("更正不能改变记录类别 (a correction cannot change the category)")]
    CategoryChanged,
    #[error("记录 {0} 未公示，无需修复 (record not publicised)")]
    NotPublicised(RecordId),
    #[error("记录 {0} 已修复过 (record already repaired)")]
    AlreadyRepaired(RecordId),
}

/// Applies one event to a record's state. Events about other aggregates leave it unchanged.
pub fn fold_record(
    state: Option<Record>,
    event: &EventPayload,
) -> Result<Option<Record>, FoldError> {
    match (state, event) {
        (
            None,
            EventPayload::RecordPublished {
                record_id,
                subject_id,
                body,
                publication,
            },
        ) => Ok(Some(Record {
            id: record_id.clone(),
            subject_id: subject_id.clone(),
            status: RecordStatus::Active,
            version: 1,
            body: body.clone(),
            publication: publication.clone(),
        })),
        (Some(r), EventPayload::RecordPublished { .. }) => Err(FoldError::AlreadyPublished(r.id)),
        (None, EventPayload::RecordCorrected { record_id, .. })
        | (None, EventPayload::RecordRevoked { record_id, .. })
        | (None, EventPayload::RecordRepaired { record_id, .. })
        | (None, EventPayload::RecordExpired { record_id, .. }) => {
            Err(FoldError::NotPublished(record_id.clone()))
        }
        (Some(r), _) if r.status == RecordStatus::Revoked && is_record_event(event) => {
            Err(FoldError::Revoked(r.id))
        }
        (
            Some(mut r),
            EventPayload::RecordCorrected {
                body, publication, ..
            },
        ) => {
            if body.category() != r.body.category() {
                return Err(FoldError::CategoryChanged);
            }
            r.body = body.clone();
            if publication.is_some() {
                r.publication = publication.clone();
            }
            r.version += 1;
            Ok(Some(r))
        }
        (Some(mut r), EventPayload::RecordRevoked { .. }) => {
            r.status = RecordStatus::Revoked;
            Ok(Some(r))
        }
        (
            Some(mut r),
            EventPayload::RecordRepaired {
                on, application, ..
            },
        ) => {
            let Some(p) = r.publication.as_mut().filter(|p| p.public_from.is_some()) else {
                return Err(FoldError::NotPublicised(r.id));
            };
            if p.repaired_on.is_some() {
                return Err(FoldError::AlreadyRepaired(r.id));
            }
            let last_day = on.pred_opt().expect("dates far from the start of time");
            p.public_until = Some(p.public_until.map_or(last_day, |u| u.min(last_day)));
            p.repaired_on = Some(*on);
            p.repaired_by = Some(application.clone());
            Ok(Some(r))
        }
        (Some(mut r), EventPayload::RecordExpired { .. }) => {
            r.status = RecordStatus::Expired;
            Ok(Some(r))
        }
        (state, _) => Ok(state),
    }
}

fn is_record_event(event: &EventPayload) -> bool {
    matches!(
        event,
        EventPayload::RecordPublished { .. }
            | EventPayload::RecordCorrected { .. }
            | EventPayload::RecordRevoked { .. }
            | EventPayload::RecordExpired { .. }
            | EventPayload::RecordRepaired { .. }
    )
}

/// Folds a record's events recorded at or before `as_of` (all of them when `None`): the record as
/// the platform knew it then. Events must be in sequence order.
pub fn record_as_of(
    events: &[StoredEvent],
    as_of: Option<DateTime<Utc>>,
) -> Result<Option<Record>, FoldError> {
    let cutoff = as_of.map(format_timestamp);
    let mut state = None;
    for e in events {
        // Timestamps share one fixed format, so text order is time order.
        if let Some(c) = &cutoff
            && e.recorded_at.as_str() > c.as_str()
        {
            break;
        }
        if let Ok(payload) = e.typed() {
            state = fold_record(state, &payload)?;
        }
    }
    Ok(state)
}

/// Where a received fact came from; kept in the receiver's ledger with the fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The origin node (its unit id).
    pub node: String,
    /// The event's sequence number in the origin's ledger.
    pub seq: i64,
    /// The origin event's id (the message id on the broker).
    pub event_id: String,
    /// The origin event's hash (it covers the fact and the origin's chain before it).
    pub hash: String,
    pub kind: String,
    /// The origin event's aggregate (the subject, record, entry or case id there).
    pub aggregate_id: String,
    pub recorded_at: String,
    /// The origin's subject is this node's subject of that id (the same identifiers): nothing
    /// is registered, later facts about it are mapped to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_subject: Option<String>,
}

impl Origin {
    pub fn of(node: &str, event: &StoredEvent) -> Self {
        Origin {
            node: node.to_string(),
            seq: event.seq,
            event_id: event.id.clone(),
            hash: event.hash.clone(),
            kind: event.kind.clone(),
            aggregate_id: event.aggregate_id.clone(),
            recorded_at: event.recorded_at.clone(),
            same_subject: None,
        }
    }

    /// `SF#123` — how a page or a check cites it.
    pub fn cite(&self) -> String {
        format!("{}#{}", self.node, self.seq)
    }
}
