//! Batch import of government-integrity records as courts, 纪检监察 and audit offices send them:
//! a table (CSV in UTF-8 or GBK, or XLSX) with exactly the Chinese headers of [`HEADERS`], in any
//! order. Every row is judged (errors name the row, 1-based without the header, and the header);
//! subjects not yet registered are registered by the import; a 容错认定 of 是 records the finding
//! as decided by the sending office. One transaction; a file with a rejected row writes nothing
//! unless `accept_valid`; re-importing the same file changes nothing.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use xyjt_core::integrity::{ArchiveKind, Registration};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_import::{FieldError, Table};

use super::{RecordInput, build_record, check_fields, same_record};
use crate::{AppError, AppResult, Ctx};

/// The headers, exactly.
pub const HEADERS: [&str; 14] = [
    "主体类别",
    "名称",
    "证件号码",
    "所在单位",
    "职务",
    "记录类别",
    "记录性质",
    "决定文号",
    "决定日期",
    "认定单位",
    "事实",
    "依据",
    "容错认定",
    "容错依据",
];

/// The header a service field error names.
fn header_of(field: &str) -> &'static str {
    match field {
        "archive" => "主体类别",
        "code" => "证件号码",
        "category" | "sanction" => "记录类别",
        "nature" => "记录性质",
        "doc_no" => "决定文号",
        "decided_on" => "决定日期",
        "deciding_unit" => "认定单位",
        "unit" => "所在单位",
        "name" => "名称",
        _ => "",
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub dry_run: bool,
    pub accept_valid: bool,
}

/// The same shape as the 双公示 import's report (`late` is always 0 here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub total: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub late: usize,
    pub errors: Vec<FieldError>,
    pub late_rows: Vec<usize>,
    /// Records new in this import, and rows already on record unchanged.
    #[serde(skip)]
    pub recorded: usize,
    #[serde(skip)]
    pub unchanged: usize,
    #[serde(skip)]
    pub registered: usize,
    #[serde(skip)]
    pub committed: bool,
}

fn err(row: usize, field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        row,
        field: field.to_string(),
        code: code.to_string(),
        message: message.into(),
    }
}

/// `纪律处分（记过）`, `纪律处分-记过`, `纪律处分`, or a bare sanction of exactly one category.
fn split_category(
    policies: &xyjt_core::policies::Policies,
    text: &str,
) -> (String, Option<String>) {
    let t = text.trim();
    for (open, close) in [("（", "）"), ("(", ")")] {
        if let Some(rest) = t.strip_suffix(close)
            && let Some((cat, sanction)) = rest.split_once(open)
        {
            return (cat.trim().to_string(), Some(sanction.trim().to_string()));
        }
    }
    for sep in ['-', '－', ':', '：', '/'] {
        if let Some((cat, sanction)) = t.split_once(sep) {
            return (cat.trim().to_string(), Some(sanction.trim().to_string()));
        }
    }
    if policies.integrity.category(t).is_none() {
        let owners: Vec<_> = policies
            .integrity
            .categories
            .iter()
            .filter(|c| c.sanctions.iter().any(|s| s.name == t))
            .collect();
        if owners.len() == 1 {
            return (owners[0].id.clone(), Some(t.to_string()));
        }
    }
    (t.to_string(), None)
}

/// Judges every row and, unless refused, writes them in one transaction.
pub async fn import_table(
    ctx: &Ctx<'_>,
    table: &Table,
    file_name: &str,
    options: &Options,
    by: &str,
) -> AppResult<Outcome> {
    let mut out = Outcome {
        total: table.rows.len(),
        accepted: 0,
        rejected: 0,
        late: 0,
        errors: Vec::new(),
        late_rows: Vec::new(),
        recorded: 0,
        unchanged: 0,
        registered: 0,
        committed: false,
    };
    // Exactly these headers, in any order.
    let clean = |h: &str| h.trim().trim_end_matches('*').trim().to_string();
    let headers: Vec<String> = table.headers.iter().map(|h| clean(h)).collect();
    for h in &headers {
        if !HEADERS.contains(&h.as_str()) {
            out.errors.push(err(
                0,
                h,
                "unknown_column",
                format!("未知的列“{h}”（应恰为：{}）", HEADERS.join("、")),
            ));
        }
    }
    let mut col = HashMap::new();
    for h in HEADERS {
        match headers.iter().position(|x| x == h) {
            Some(i) => {
                col.insert(h, i);
            }
            None => out
                .errors
                .push(err(0, h, "missing_column", format!("缺少列“{h}”"))),
        }
    }
    if !out.errors.is_empty() {
        out.rejected = out.total;
        return Ok(out);
    }
    let source = format!("import:{file_name}");
    let now = Utc::now();
    let mut events: Vec<NewEvent> = Vec::new();
    let mut seen_keys: HashSet<(String, String)> = HashSet::new();
    // Subjects registered by this file, by code: (subject, archive).
    let mut new_subjects: HashMap<String, (Subject, ArchiveKind)> = HashMap::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let cell = |h: &str| {
            cells
                .get(col[h])
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        let mut row_errors = Vec::new();
        let decided_on = match xyjt_import::parse_date(&cell("决定日期")) {
            Ok(d) => Some(d),
            Err(e) => {
                row_errors.push(err(
                    row,
                    "决定日期",
                    "invalid_date",
                    format!("决定日期无效：{e}"),
                ));
                None
            }
        };
        let (category, sanction) = split_category(ctx.policies, &cell("记录类别"));
        let input = RecordInput {
            archive: cell("主体类别"),
            code: cell("证件号码"),
            category,
            nature: cell("记录性质"),
            sanction,
            doc_no: cell("决定文号"),
            decided_on: decided_on.unwrap_or(NaiveDate::MIN),
            deciding_unit: cell("认定单位"),
            facts: cell("事实"),
            basis: cell("依据"),
        };
        let tolerance = match cell("容错认定").as_str() {
            "是" => true,
            "否" | "" => false,
            other => {
                row_errors.push(err(
                    row,
                    "容错认定",
                    "invalid",
                    format!("容错认定应为 是 或 否，实为“{other}”"),
                ));
                false
            }
        };
        if tolerance && cell("容错依据").is_empty() {
            row_errors.push(err(
                row,
                "容错依据",
                "required",
                "容错认定为“是”时须写明容错依据",
            ));
        }
        let name = cell("名称");
        if name.is_empty() {
            row_errors.push(err(row, "名称", "required", "名称不能为空"));
        }
        for (h, what) in [("事实", "事实"), ("依据", "依据")] {
            if cell(h).is_empty() {
                row_errors.push(err(row, h, "required", format!("{what}不能为空")));
            }
        }
        let checked = if decided_on.is_some() {
            match check_fields(ctx.policies, &input, ctx.today) {
                Ok(f) => Some(f),
                Err(e) => {
                    let field = e
                        .details
                        .first()
                        .and_then(|d| d["field"].as_str())
                        .unwrap_or_default();
                    row_errors.push(err(row, header_of(field), "invalid", e.message.clone()));
                    None
                }
            }
        } else {
            None
        };
        let Some(f) = checked.filter(|_| row_errors.is_empty()) else {
            out.rejected += 1;
            out.errors.extend(row_errors);
            continue;
        };
        if f.archive == ArchiveKind::CivilServant && cell("所在单位").is_empty() {
            out.rejected += 1;
            out.errors
                .push(err(row, "所在单位", "required", "公务人员须写明所在单位"));
            continue;
        }
        let key = (
            input.deciding_unit.trim().to_string(),
            input.doc_no.trim().to_string(),
        );
        if !seen_keys.insert(key.clone()) {
            out.rejected += 1;
            out.errors.push(err(
                row,
                "决定文号",
                "duplicate_in_file",
                format!("{} 的 {} 在文件中重复", key.0, key.1),
            ));
            continue;
        }
        // The subject: registered (in this archive), registered by this file, or new.
        let code = f.code.as_str().to_string();
        let (subject, unit, post, is_new) = match ctx.store.subject_by_code(&f.code).await? {
            Some(s) => match ctx.store.gov_subject(&s.id).await? {
                Some((a, unit, post)) if a == f.archive => (s, unit, post, false),
                _ => {
                    out.rejected += 1;
                    out.errors.push(err(
                        row,
                        "证件号码",
                        "invalid",
                        format!("{code} 已登记为{}，不是{}", s.name, f.archive.label()),
                    ));
                    continue;
                }
            },
            None => match new_subjects.get(&code) {
                Some((s, a)) if *a == f.archive => (
                    s.clone(),
                    Some(cell("所在单位")).filter(|u| !u.is_empty()),
                    Some(cell("职务")).filter(|p| !p.is_empty()),
                    false,
                ),
                Some(_) => {
                    out.rejected += 1;
                    out.errors.push(err(
                        row,
                        "主体类别",
                        "invalid",
                        format!("{code} 在文件中的主体类别前后不一"),
                    ));
                    continue;
                }
                None => {
                    let (kind, uscc, citizen_id) = match &f.code {
                        xyjt_core::ident::Code::Uscc(u) => {
                            (PartyCategory::LegalPerson, Some(u.clone()), None)
                        }
                        xyjt_core::ident::Code::CitizenId(c) => {
                            (PartyCategory::NaturalPerson, None, Some(c.clone()))
                        }
                        _ => unreachable!("check_fields allows USCCs and citizen IDs only"),
                    };
                    let s = Subject {
                        id: new_id(),
                        kind,
                        name: name.clone(),
                        uscc,
                        org_code: None,
                        reg_no: None,
                        citizen_id,
                    };
                    new_subjects.insert(code.clone(), (s.clone(), f.archive));
                    (
                        s,
                        Some(cell("所在单位")).filter(|u| !u.is_empty()),
                        Some(cell("职务")).filter(|p| !p.is_empty()),
                        true,
                    )
                }
            },
        };
        let record = build_record(&input, &f, &subject, unit.clone(), post.clone(), &source);
        if let Some(existing) = ctx.store.integrity_by_key(&key.0, &key.1).await? {
            if same_record(&existing.record, &record) {
                out.accepted += 1;
                out.unchanged += 1;
                continue;
            }
            out.rejected += 1;
            out.errors.push(err(
                row,
                "决定文号",
                "conflict",
                format!("{} 的 {} 已记录且内容不同", key.0, key.1),
            ));
            continue;
        }
        out.accepted += 1;
        out.recorded += 1;
        if is_new {
            out.registered += 1;
            let registration = Registration {
                id: format!("REG-{}", new_id()),
                subject: subject.clone(),
                archive: Some(f.archive),
                unit,
                post,
                proposed_by: source.clone(),
            };
            let id = registration.id.clone();
            events.push(NewEvent::new(
                &source,
                now,
                EventPayload::RegistrationProposed { registration },
            ));
            events.push(NewEvent::new(
                by,
                now,
                EventPayload::RegistrationReviewed {
                    registration_id: id,
                    by: by.to_string(),
                    approved: true,
                    comment: format!("批量导入 {file_name}"),
                },
            ));
            events.push(NewEvent::new(
                by,
                now,
                EventPayload::SubjectRegistered {
                    subject: subject.clone(),
                },
            ));
        }
        let record_id = record.id.clone();
        // Kept out of the dishonesty record by the 容错 finding of the same row: no case.
        let case = (!tolerance)
            .then(|| crate::workflows::rectification_for(ctx, &record, by))
            .flatten();
        events.push(NewEvent::new(
            by,
            now,
            EventPayload::IntegrityRecorded { record },
        ));
        events.extend(case);
        if tolerance {
            events.push(NewEvent::new(
                &source,
                now,
                EventPayload::ToleranceProposed {
                    record_id: record_id.clone(),
                    reasons: format!("认定单位报送的容错认定：{}", cell("容错依据")),
                    basis: cell("容错依据"),
                    evidence: vec![],
                    by: source.clone(),
                },
            ));
            events.push(NewEvent::new(
                by,
                now,
                EventPayload::ToleranceReviewed {
                    record_id,
                    by: by.to_string(),
                    approved: true,
                    comment: format!("批量导入 {file_name}"),
                    on: ctx.today,
                },
            ));
        }
    }
    if options.dry_run || (out.rejected > 0 && !options.accept_valid) || events.is_empty() {
        return Ok(out);
    }
    ctx.store.append(events).await.map_err(AppError::from)?;
    out.committed = true;
    Ok(out)
}
