//! The one SQL implementation of `Store`: each method delegates to the ledger core or to the
//! reads of its aggregate.

use crate::connection::SqlStore;
use crate::ledger;
use crate::reads::{console, lists, records, workflows};
use crate::{
    Backend, IntakeCount, LedgerHead, PublicityQuery, RecordPage, Store, StoreError, StoreTx,
    SubjectPage, VerifyReport,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use xyjt_core::ident::Code;
use xyjt_core::ledger::StoredEvent;
use xyjt_core::listing::EntryState;
use xyjt_core::lists::ListPolicy;
use xyjt_core::record::{NaturalKey, Record, RecordCategory};
use xyjt_core::subject::{NameChange, Subject};

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        ledger::begin(self).await
    }

    async fn head(&self) -> Result<LedgerHead, StoreError> {
        ledger::head(self).await
    }

    async fn events_of(&self, aggregate_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        ledger::events_of(self, aggregate_id).await
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        ledger::verify(self).await
    }

    async fn tree_head(&self) -> Result<crate::TreeHead, StoreError> {
        ledger::tree_head(self).await
    }

    async fn tree_size(&self) -> Result<u64, StoreError> {
        crate::tree::size(self).await
    }

    async fn tree_root(&self, size: u64) -> Result<xyjt_verify::Hash, StoreError> {
        crate::tree::root(self, size).await
    }

    async fn inclusion_proof(
        &self,
        seq: u64,
        size: u64,
    ) -> Result<Vec<xyjt_verify::Hash>, StoreError> {
        crate::tree::inclusion(self, seq, size).await
    }

    async fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<xyjt_verify::Hash>, StoreError> {
        crate::tree::consistency(self, from, to).await
    }

    async fn roots_from_events(
        &self,
        sizes: &[u64],
    ) -> Result<Vec<Option<xyjt_verify::Hash>>, StoreError> {
        crate::tree::roots_from_events(self, sizes).await
    }

    async fn record_checkpoint(
        &self,
        checkpoint: &crate::tree::StoredCheckpoint,
    ) -> Result<(), StoreError> {
        crate::tree::record_checkpoint(self, checkpoint).await
    }

    async fn record_report(
        &self,
        number: &str,
        subject_id: &str,
        issued_at: &str,
        report: &str,
    ) -> Result<(), StoreError> {
        crate::tree::record_report(self, number, subject_id, issued_at, report).await
    }

    async fn report(&self, number: &str) -> Result<Option<String>, StoreError> {
        crate::tree::report(self, number).await
    }

    async fn checkpoints(
        &self,
        limit: i64,
    ) -> Result<Vec<crate::tree::StoredCheckpoint>, StoreError> {
        crate::tree::checkpoints(self, limit).await
    }

    async fn events_after(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        ledger::events_after(self, after_seq, limit).await
    }

    async fn projections(&self) -> Result<Vec<crate::ProjectionTable>, StoreError> {
        ledger::projections(self).await
    }

    async fn subject(&self, id: &str) -> Result<Option<Subject>, StoreError> {
        records::subject(self, id).await
    }

    async fn subject_by_code(&self, code: &Code) -> Result<Option<Subject>, StoreError> {
        records::subject_by_code(self, code).await
    }

    async fn name_history(&self, subject_id: &str) -> Result<Vec<NameChange>, StoreError> {
        records::name_history(self, subject_id).await
    }

    async fn search_subjects(
        &self,
        name_key: &str,
        limit: i64,
        offset: i64,
    ) -> Result<SubjectPage, StoreError> {
        records::search_subjects(self, name_key, limit, offset).await
    }

    async fn count_subjects(&self) -> Result<i64, StoreError> {
        records::count_subjects(self).await
    }

    async fn record(&self, id: &str) -> Result<Option<Record>, StoreError> {
        records::record(self, id).await
    }

    async fn record_as_of(
        &self,
        id: &str,
        as_of: DateTime<Utc>,
    ) -> Result<Option<Record>, StoreError> {
        records::record_as_of(self, id, as_of).await
    }

    async fn record_by_key(&self, key: &NaturalKey) -> Result<Option<Record>, StoreError> {
        records::record_by_key(self, key).await
    }

    async fn records_of_subject(&self, subject_id: &str) -> Result<Vec<Record>, StoreError> {
        records::records_of_subject(self, subject_id).await
    }

    async fn public_records(&self, q: &PublicityQuery) -> Result<RecordPage, StoreError> {
        records::public_records(self, q).await
    }

    async fn public_records_page(&self, q: &PublicityQuery) -> Result<Vec<Record>, StoreError> {
        records::public_records_page(self, q).await
    }

    async fn public_records_after(
        &self,
        q: &PublicityQuery,
        decision_date: NaiveDate,
        id: &str,
    ) -> Result<Vec<Record>, StoreError> {
        records::public_records_from(self, q, decision_date, id, false).await
    }

    async fn public_records_before(
        &self,
        q: &PublicityQuery,
        decision_date: NaiveDate,
        id: &str,
    ) -> Result<Vec<Record>, StoreError> {
        records::public_records_from(self, q, decision_date, id, true).await
    }

    async fn count_public_records(&self, q: &PublicityQuery) -> Result<i64, StoreError> {
        records::count_public_records(self, q).await
    }

    async fn intake_counts(&self) -> Result<Vec<IntakeCount>, StoreError> {
        records::intake_counts(self).await
    }

    async fn list_policy(&self, version: Option<u32>) -> Result<Option<ListPolicy>, StoreError> {
        lists::list_policy(self, version).await
    }

    async fn lists_version(&self) -> Result<i64, StoreError> {
        lists::lists_version(self).await
    }

    async fn listed_subject_kinds(
        &self,
    ) -> Result<Vec<(String, xyjt_core::subject::PartyCategory)>, StoreError> {
        lists::listed_subject_kinds(self).await
    }

    async fn list_entries(&self, list: Option<&str>) -> Result<Vec<EntryState>, StoreError> {
        lists::list_entries(self, list).await
    }

    async fn list_entry(&self, id: &str) -> Result<Option<EntryState>, StoreError> {
        lists::list_entry(self, id).await
    }

    async fn check_record(
        &self,
        id: &str,
    ) -> Result<Option<(xyjt_core::ledger::CheckRecord, Option<serde_json::Value>)>, StoreError>
    {
        lists::check_record(self, id).await
    }

    async fn check_counts(&self) -> Result<Vec<crate::CheckCount>, StoreError> {
        lists::check_counts(self).await
    }

    async fn token_name(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        lists::token_name(self, token_hash).await
    }

    async fn subjects_with_records(
        &self,
        category: RecordCategory,
    ) -> Result<Vec<String>, StoreError> {
        records::subjects_with_records(self, category).await
    }

    async fn joint_cases(
        &self,
        initiator: Option<&str>,
    ) -> Result<Vec<xyjt_core::cases::CaseState>, StoreError> {
        lists::joint_cases(self, initiator).await
    }

    async fn false_positives(&self) -> Result<Vec<(String, String)>, StoreError> {
        lists::false_positives(self).await
    }

    async fn joint_case(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::cases::CaseState>, StoreError> {
        lists::joint_case(self, id).await
    }

    async fn application(
        &self,
        number: &str,
    ) -> Result<Option<xyjt_core::workflow::AppState>, StoreError> {
        workflows::application(self, number).await
    }

    async fn applications(
        &self,
        query: &crate::AppQuery,
    ) -> Result<Vec<xyjt_core::workflow::AppState>, StoreError> {
        workflows::applications(self, query).await
    }

    async fn commitment(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::commitment::CommitmentState>, StoreError> {
        workflows::commitment(self, id).await
    }

    async fn commitments(
        &self,
        subject_id: Option<&str>,
    ) -> Result<Vec<xyjt_core::commitment::CommitmentState>, StoreError> {
        workflows::commitments(self, subject_id).await
    }

    async fn inbox(&self, unit: &str, limit: i64) -> Result<Vec<crate::Notification>, StoreError> {
        workflows::inbox(self, unit, limit).await
    }

    async fn outbox(
        &self,
        channel: Option<crate::OutboxChannel>,
        pending_only: bool,
    ) -> Result<Vec<crate::OutboxItem>, StoreError> {
        workflows::outbox(self, channel, pending_only).await
    }

    async fn mark_delivered(&self, ids: &[String], at: &str) -> Result<u64, StoreError> {
        workflows::mark_delivered(self, ids, at).await
    }

    async fn attachment(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        workflows::attachment(self, sha256).await
    }

    async fn account(
        &self,
        login: &str,
    ) -> Result<Option<(xyjt_core::account::Account, String)>, StoreError> {
        console::account(self, login).await
    }

    async fn accounts(&self) -> Result<Vec<xyjt_core::account::Account>, StoreError> {
        console::accounts(self).await
    }

    async fn create_session(
        &self,
        id_hash: &str,
        login: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        console::create_session(self, id_hash, login, csrf, expires_at).await
    }

    async fn session(&self, id_hash: &str) -> Result<Option<crate::Session>, StoreError> {
        console::session(self, id_hash).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        console::delete_session(self, id_hash).await
    }

    async fn submission(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::submission::SubmissionState>, StoreError> {
        console::submission(self, id).await
    }

    async fn submissions(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<xyjt_core::submission::SubmissionState>, StoreError> {
        console::submissions(self, status, limit).await
    }

    async fn recent_events(
        &self,
        actor: Option<&str>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        console::recent_events(self, actor, kind, limit).await
    }

    async fn replay_lag(&self) -> Result<Option<f64>, StoreError> {
        SqlStore::replay_lag(self).await
    }
}
