//! Filing a file for review: a dry run of the import (row-by-row report and rejects file), the
//! check that every row is the submitting unit's own data (谁生产、谁审核、谁负责), and the
//! submission with its files, written in one transaction; and publishing it once reviewed.
//!
//! The importer reads the uploaded bytes themselves (`ImportSource::bytes`), once per import:
//! no temporary files. The rejects file is written in memory and kept as an attachment.

use super::{Answer, OrPage, allow, err_page, invalid, scope_names, see_other, unit_name};
use crate::AppState;
use crate::auth::{Staff, forbidden};
use axum::body::Bytes;
use axum::response::Response;
use chrono::Utc;
use std::collections::BTreeMap;
use xyjt_core::account::Action;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::record::RecordCategory;
use xyjt_core::submission::Submission;

/// A file offered for review: entered in the form (`entry`) or uploaded (`import`).
pub(super) struct Offered {
    pub(super) category: RecordCategory,
    pub(super) source: &'static str,
    pub(super) name: String,
    /// The file as received (shared with the importer without a copy).
    pub(super) bytes: Bytes,
}

/// Validates a file (dry run), checks that every row is the actor's unit's data, keeps the file
/// and its rejects file, records the submission for review, and shows it.
pub(super) async fn submit(state: &AppState, staff: &Staff, file: Offered) -> Answer {
    allow(staff, Action::SubmitRecords, &staff.account.unit_id)?;
    let cannot_import = |e: xyjt_import::ImportError| invalid(format!("文件无法导入：{e}"));
    let source = xyjt_import::ImportSource::bytes(file.name.clone(), file.bytes.clone())
        .map_err(|e| cannot_import(e.into()))?;
    let options = xyjt_import::ImportOptions {
        category: file.category,
        as_of: state.today(),
        dry_run: true,
        accept_valid: true,
        rejects_path: None,
        actor: staff.actor(),
        recorded_at: Utc::now(),
    };
    let outcome = xyjt_import::run_import_with(
        state.store.as_ref(),
        source,
        xyjt_import::RejectsTo::Memory,
        &options,
        &state.calendar,
        &state.policies.publicity,
        &mut |_| {},
        Vec::new(),
    )
    .await
    .map_err(cannot_import)?;
    own_rows_only(staff, &outcome.source_units)?;
    let rejects = outcome
        .rejects_bytes
        .map(|b| (format!("退回-{}", rejects_name(&file.name)), b));
    let submission = submission(state, staff, &file, &outcome.report, &rejects);
    let id = submission.id.clone();
    keep(state, staff, submission, &file, rejects).await?;
    see_other(&format!("/console/submissions/{id}"))
}

/// The submission of a validated file.
fn submission(
    state: &AppState,
    staff: &Staff,
    file: &Offered,
    report: &xyjt_import::ImportReport,
    rejects: &Option<(String, Vec<u8>)>,
) -> Submission {
    Submission {
        id: xyjt_core::ledger::new_id(),
        category: file.category,
        source: file.source.to_string(),
        file_name: file.name.clone(),
        sha256: xyjt_core::canonical::sha256_hex(&file.bytes),
        unit_id: staff.account.unit_id.clone(),
        by: staff.account.login.clone(),
        submitted_on: state.today(),
        total: report.total,
        valid: report.accepted,
        rejected: report.rejected,
        errors: report
            .errors
            .iter()
            .take(200)
            .map(|e| format!("第{}行 {}：{}", e.row, e.field, e.message))
            .collect(),
        rejects_sha256: rejects
            .as_ref()
            .map(|(_, b)| xyjt_core::canonical::sha256_hex(b)),
        rejects_file_name: rejects.as_ref().map(|(n, _)| n.clone()),
    }
}

/// Keeps the file, its rejects file and the submission, in one transaction.
async fn keep(
    state: &AppState,
    staff: &Staff,
    submission: Submission,
    file: &Offered,
    rejects: Option<(String, Vec<u8>)>,
) -> Result<(), Response> {
    let mut tx = state.store.begin().await.or_page()?;
    let written = async {
        tx.put_attachment(&submission.sha256, &file.name, &file.bytes)
            .await?;
        if let (Some((n, b)), Some(s)) = (&rejects, &submission.rejects_sha256) {
            tx.put_attachment(s, n, b).await?;
        }
        tx.append(vec![NewEvent::new(
            staff.actor(),
            Utc::now(),
            EventPayload::SubmissionFiled { submission },
        )])
        .await?;
        Ok::<(), xyjt_store::StoreError>(())
    }
    .await;
    match written {
        Ok(()) => tx.commit().await.or_page(),
        Err(e) => {
            let _ = tx.rollback().await;
            Err(err_page(e.into()))
        }
    }
}

/// Publishes the valid rows of a reviewed submission, the reviewer's approval (`review`)
/// written in the same transaction; shows the submission.
pub(super) async fn publish(
    state: &AppState,
    staff: &Staff,
    sub: &Submission,
    review: NewEvent,
) -> Answer {
    let (_, bytes) = super::found(state.store.attachment(&sub.sha256).await, || {
        "报送文件缺失".into()
    })?;
    let options = xyjt_import::ImportOptions {
        category: sub.category,
        // Received when it was submitted: 迟报 is judged on that day, not on the review day.
        as_of: sub.submitted_on,
        dry_run: false,
        accept_valid: true,
        rejects_path: None,
        actor: staff.actor(),
        recorded_at: Utc::now(),
    };
    let outcome = match xyjt_import::ImportSource::bytes(sub.file_name.clone(), bytes) {
        Ok(source) => {
            // The rejects file was kept when the file was submitted.
            xyjt_import::run_import_with(
                state.store.as_ref(),
                source,
                xyjt_import::RejectsTo::Discard,
                &options,
                &state.calendar,
                &state.policies.publicity,
                &mut |_| {},
                vec![review],
            )
            .await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(o) if o.committed => {
            tracing::info!(submission = %sub.id, published = o.published, "submission published");
            see_other(&format!("/console/submissions/{}", sub.id))
        }
        Ok(_) => Err(invalid("没有可发布的有效行")),
        Err(e) => Err(invalid(format!("发布失败：{e}"))),
    }
}

/// The upload's name as it appears in its rejects file's name (`退回-NAME`): `/`, `\` and NUL
/// replaced, `upload.csv` when empty.
fn rejects_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if safe.is_empty() {
        "upload.csv".into()
    } else {
        safe
    }
}

/// Refuses the file unless the 数据来源单位 of every row is the actor's unit or a unit below
/// it. The units are the importer's own, from the dry run that validated the file
/// (`ImportOutcome::source_units`): its reader (the same header matching, whatever the spelling
/// of the column: `CF_SJLY`, `cf_sjly`, `数据来源单位（必填）`, …) and its validation, whose
/// record names the source unit that would be published (the cell as written for an invalid
/// row).
fn own_rows_only(staff: &Staff, units: &BTreeMap<String, Vec<usize>>) -> Result<(), Response> {
    let scope = scope_names(staff);
    // The first 20 rows outside the scope, in file order (each unit keeps its first 20 rows).
    let mut outside: Vec<(usize, &str)> = units
        .iter()
        .filter(|(unit, _)| !scope.contains(*unit))
        .flat_map(|(unit, rows)| rows.iter().map(move |row| (*row, unit.as_str())))
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    outside.sort_unstable();
    let rows: Vec<String> = outside
        .iter()
        .take(20)
        .map(|(row, unit)| format!("第{row}行（{unit}）"))
        .collect();
    Err(forbidden(&format!(
        "只能报送本单位及下级单位的数据：{} 的数据来源单位不在“{}”的范围内",
        rows.join("、"),
        unit_name(staff.org(), &staff.account.unit_id)
    )))
}
