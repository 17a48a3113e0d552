//! Filing a file for review: a dry run of the import (row-by-row report and rejects file), the
//! check that every row is the submitting unit's own data (谁生产、谁审核、谁负责), and the
//! submission with its files, written in one transaction; and publishing it once reviewed.

use super::{Answer, OrPage, allow, err_page, invalid, scope_names, see_other, unit_name};
use crate::AppState;
use crate::auth::{Staff, forbidden};
use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use std::path::{Path, PathBuf};
use xyjt_core::account::Action;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::record::RecordCategory;
use xyjt_core::submission::Submission;

/// A private scratch directory holding one file, removed when dropped.
struct Scratch {
    dir: PathBuf,
    path: PathBuf,
}

impl Scratch {
    fn new(name: &str, bytes: &[u8]) -> Result<Scratch, Response> {
        let dir =
            std::env::temp_dir().join(format!("xyjt-console-{}", xyjt_core::ledger::new_id()));
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
        let path = dir.join(if safe.is_empty() {
            "upload.csv".into()
        } else {
            safe
        });
        let scratch = Scratch { dir, path };
        std::fs::create_dir_all(&scratch.dir)
            .and_then(|()| std::fs::write(&scratch.path, bytes))
            .map_err(|e| {
                err_page(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "io",
                    format!("临时文件写入失败：{e}"),
                ))
            })?;
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A file offered for review: entered in the form (`entry`) or uploaded (`import`).
pub(super) struct Offered {
    pub(super) category: RecordCategory,
    pub(super) source: &'static str,
    pub(super) name: String,
    pub(super) bytes: Vec<u8>,
}

/// Validates a file (dry run), checks that every row is the actor's unit's data, keeps the file
/// and its rejects file, records the submission for review, and shows it.
pub(super) async fn submit(state: &AppState, staff: &Staff, file: Offered) -> Answer {
    allow(staff, Action::SubmitRecords, &staff.account.unit_id)?;
    let scratch = Scratch::new(&file.name, &file.bytes)?;
    let path = &scratch.path;
    let rejects_path = path.with_file_name(format!(
        "退回-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file.csv")
    ));
    let options = xyjt_import::ImportOptions {
        category: file.category,
        as_of: state.today(),
        dry_run: true,
        accept_valid: true,
        rejects_path: Some(rejects_path),
        actor: staff.actor(),
        recorded_at: Utc::now(),
    };
    let outcome = xyjt_import::run_import(
        state.store.as_ref(),
        path,
        &options,
        &state.calendar,
        &state.policies.publicity,
        &mut |_| {},
    )
    .await
    .map_err(|e| invalid(format!("文件无法导入：{e}")))?;
    own_rows_only(staff, path, &options)?;
    let rejects = outcome.rejects_file.as_ref().and_then(|p| {
        let name = p.file_name()?.to_string_lossy().into_owned();
        std::fs::read(p).ok().map(|b| (name, b))
    });
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
    let scratch = Scratch::new(&sub.file_name, &bytes)?;
    let options = xyjt_import::ImportOptions {
        category: sub.category,
        // Received when it was submitted: 迟报 is judged on that day, not on the review day.
        as_of: sub.submitted_on,
        dry_run: false,
        accept_valid: true,
        rejects_path: Some(scratch.dir.join("rejects.csv")),
        actor: staff.actor(),
        recorded_at: Utc::now(),
    };
    let outcome = xyjt_import::run_import_with(
        state.store.as_ref(),
        &scratch.path,
        &options,
        &state.calendar,
        &state.policies.publicity,
        &mut |_| {},
        vec![review],
    )
    .await;
    drop(scratch);
    match outcome {
        Ok(o) if o.committed => {
            tracing::info!(submission = %sub.id, published = o.published, "submission published");
            see_other(&format!("/console/submissions/{}", sub.id))
        }
        Ok(_) => Err(invalid("没有可发布的有效行")),
        Err(e) => Err(invalid(format!("发布失败：{e}"))),
    }
}

/// Refuses the file unless the 数据来源单位 of every row is the actor's unit or a unit below
/// it. The rows are the importer's own: its reader (the same header matching, whatever the
/// spelling of the column: `CF_SJLY`, `cf_sjly`, `数据来源单位（必填）`, …) and its validation,
/// whose record names the source unit that would be published.
fn own_rows_only(
    staff: &Staff,
    path: &Path,
    options: &xyjt_import::ImportOptions,
) -> Result<(), Response> {
    let scope = scope_names(staff);
    let unreadable = |e: xyjt_import::FileError| invalid(format!("文件无法读取：{e}"));
    let reader = xyjt_import::open(path, options.category).map_err(unreadable)?;
    let header = reader.header().clone();
    let mut outside = Vec::new();
    for raw in reader {
        let raw = raw.map_err(unreadable)?;
        let unit = match xyjt_import::validate(options.category, &header, &raw, options.as_of) {
            Ok(body) => body.source_unit().0.to_string(),
            Err(_) => raw
                .get(&header, xyjt_import::Field::SourceUnit)
                .unwrap_or("")
                .to_string(),
        };
        if !unit.is_empty() && !scope.contains(&unit) && outside.len() < 20 {
            outside.push(format!("第{}行（{unit}）", raw.row));
        }
    }
    if outside.is_empty() {
        return Ok(());
    }
    Err(forbidden(&format!(
        "只能报送本单位及下级单位的数据：{} 的数据来源单位不在“{}”的范围内",
        outside.join("、"),
        unit_name(staff.org(), &staff.account.unit_id)
    )))
}
