//! Files for systems not on the broker (信用信息交换的文件方式): a region that does not join the
//! exchange sends its red, black, watch and external list entries as a file (CSV or XLSX, the
//! layout `export_lists` writes); `import_lists` validates every row, reports each problem with
//! its row and column, and applies the valid rows in one transaction as facts received from
//! that region (`exchange_received`), so checks cite the region (`ZJ#3`) as they cite a node,
//! and `verify` and the replay cover them. See `docs/domain/exchange.md`.

use crate::{AppError, AppResult, ErrorKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use xyjt_core::canonical::sha256_hex;
use xyjt_core::exchange::check_name;
use xyjt_core::ident::check;
use xyjt_core::ledger::{EventPayload, NewEvent, Origin, format_timestamp};
use xyjt_core::listing::ListEntry;
use xyjt_core::lists::NameList;
use xyjt_core::policies::Policies;
use xyjt_import::{FieldError, Table, codes};
use xyjt_store::Store;

/// The columns of a list file, in the order `export_lists` writes them, each with the other
/// header texts it is also read under.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("来源编号", &["条目编号"]),
    ("名单", &["名单类型"]),
    ("名称", &["主体名称", "被执行人名称"]),
    ("代码", &["统一社会信用代码", "证件号码"]),
    ("列入事项", &["事项编号"]),
    ("列入依据", &["依据"]),
    ("认定单位", &["列入机关"]),
    ("列入日期", &[]),
    ("有效期至", &[]),
];

/// An entry already on record under this id (the same file imported twice).
pub const DUPLICATE_ROW: &str = "duplicate_row";
/// The list's entry needs a scope item (四张清单) this node's policy has not got.
pub const UNKNOWN_ITEM: &str = "unknown_item";

/// What importing a list file did, as the other imports report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListImportReport {
    pub region: String,
    pub total: usize,
    pub accepted: usize,
    pub rejected: usize,
    /// Valid rows whose entry is already here (imported before): nothing written for them.
    pub unchanged: usize,
    pub errors: Vec<FieldError>,
    /// Whether anything was written (false for a dry run, or a file with an invalid row
    /// without `accept_valid`).
    pub committed: bool,
    /// The entries written, in file order.
    pub entries: Vec<String>,
}

/// How to import one list file.
#[derive(Debug, Clone)]
pub struct ListImport<'a> {
    /// The region the file comes from (its node name: letters, digits, `-`, `_`).
    pub region: &'a str,
    /// The file's name, cited in each entry's explanation.
    pub file: &'a str,
    /// Commit the valid rows even when some are invalid (default: one invalid row writes
    /// nothing).
    pub accept_valid: bool,
    pub dry_run: bool,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

fn field_error(row: usize, field: &str, code: &str, message: String) -> FieldError {
    FieldError {
        row,
        field: field.to_string(),
        code: code.to_string(),
        message,
    }
}

/// Imports another region's list file (see the module). The region may not be a node this
/// database exchanges with over the broker (its entries arrive that way), nor this node.
pub async fn import_lists(
    store: &dyn Store,
    policies: &Policies,
    table: &Table,
    opts: &ListImport<'_>,
) -> AppResult<ListImportReport> {
    let region = opts.region;
    check_name("地区", region).map_err(AppError::invalid)?;
    if store.exchange_value("node").await?.as_deref() == Some(region) {
        return Err(AppError::invalid(format!(
            "{region} 是本节点自己，不能导入自己的名单文件"
        )));
    }
    if store
        .exchange_peers()
        .await?
        .iter()
        .any(|p| p.node == region)
    {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "region_on_broker",
            format!("{region} 是交换网络中的节点，其名单经消息代理交换，不用文件导入"),
        ));
    }
    let policy = crate::lists::policy(store, policies).await?;
    let cols: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(name, others)| {
            let mut names = vec![*name];
            names.extend_from_slice(others);
            table.column(&names)
        })
        .collect();
    let [
        source_col,
        list_col,
        name_col,
        code_col,
        item_col,
        basis_col,
        unit_col,
        date_col,
        until_col,
    ] = cols[..]
    else {
        unreachable!("nine columns")
    };
    let mut report = ListImportReport {
        region: region.to_string(),
        total: table.rows.len(),
        accepted: 0,
        rejected: 0,
        unchanged: 0,
        errors: Vec::new(),
        committed: false,
        entries: Vec::new(),
    };
    let mut next_seq = store
        .exchange_origin_counts()
        .await?
        .into_iter()
        .find(|c| c.origin_node == region)
        .map_or(0, |c| c.last_seq);
    let mut events = Vec::new();
    let mut ids = BTreeSet::new();
    for (n, row) in &table.rows {
        let n = *n;
        let cell = |col: Option<usize>| {
            col.and_then(|c| row.get(c))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let mut errors = Vec::new();
        // PostgreSQL cannot store NUL: a control character refuses the row on both backends.
        for (i, s) in row.iter().enumerate() {
            if let Some(c) = xyjt_core::text::forbidden_control(s) {
                let header = table.headers.get(i).map_or("", String::as_str);
                errors.push(field_error(
                    n,
                    header,
                    codes::CONTROL_CHARACTER,
                    format!("“{header}”含有不允许的控制字符（U+{:04X}）", c as u32),
                ));
            }
        }
        let required = |col: Option<usize>, field: &str, errors: &mut Vec<FieldError>| {
            let v = cell(col);
            if v.is_none() {
                errors.push(field_error(
                    n,
                    field,
                    codes::REQUIRED,
                    format!("“{field}”不能为空"),
                ));
            }
            v
        };
        let list = match required(list_col, "名单", &mut errors) {
            None => None,
            Some(text) => match NameList::from_label(&text) {
                Some(l) => Some(l),
                None => {
                    errors.push(field_error(
                        n,
                        "名单",
                        codes::INVALID_ENUM,
                        format!("名单“{text}”不是红名单、黑名单、重点关注名单或“外部名单：名称”"),
                    ));
                    None
                }
            },
        };
        let name = required(name_col, "名称", &mut errors);
        let unit = required(unit_col, "认定单位", &mut errors);
        let code = match cell(code_col) {
            None => None,
            Some(raw) => match check(&raw).result {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(field_error(
                        n,
                        "代码",
                        codes::INVALID_CODE,
                        format!("代码无效：{e}"),
                    ));
                    None
                }
            },
        };
        let date = |col: Option<usize>, field: &str, errors: &mut Vec<FieldError>| {
            cell(col).and_then(|d| match xyjt_import::parse_date(&d) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(field_error(
                        n,
                        field,
                        codes::INVALID_DATE,
                        format!("{field}“{d}”无效：{e}"),
                    ));
                    None
                }
            })
        };
        let entry_date = date(date_col, "列入日期", &mut errors);
        if cell(date_col).is_none() {
            errors.push(field_error(
                n,
                "列入日期",
                codes::REQUIRED,
                "“列入日期”不能为空".into(),
            ));
        }
        if let Some(d) = entry_date
            && d > opts.today
        {
            errors.push(field_error(
                n,
                "列入日期",
                codes::DATE_AFTER_AS_OF,
                format!("列入日期 {d} 晚于今天（{}）", opts.today),
            ));
        }
        let valid_until = date(until_col, "有效期至", &mut errors);
        if let (Some(from), Some(until)) = (entry_date, valid_until)
            && until < from
        {
            errors.push(field_error(
                n,
                "有效期至",
                codes::END_BEFORE_START,
                format!("有效期至 {until} 早于列入日期 {from}"),
            ));
        }
        let item = list.as_ref().and_then(|list| {
            let found = match cell(item_col) {
                Some(id) => policy
                    .scopes()
                    .find(|i| i.id == id && i.lists.contains(list)),
                None => policy.scopes().find(|i| i.lists.contains(list)),
            };
            if found.is_none() {
                errors.push(field_error(
                    n,
                    "列入事项",
                    UNKNOWN_ITEM,
                    format!(
                        "本节点清单政策第 {} 版中没有适用于“{}”的列入事项{}",
                        policy.version,
                        list.label(),
                        cell(item_col).map(|i| format!("“{i}”")).unwrap_or_default()
                    ),
                ));
            }
            found
        });
        // The entry's id: the region's own (来源编号), or one made from the row's content, so
        // that importing the same file again changes nothing.
        let cells: Vec<String> = COLUMNS
            .iter()
            .zip(&cols)
            .map(|(_, c)| cell(*c).unwrap_or_default())
            .collect();
        let row_hash = sha256_hex(cells.join("\u{1f}").as_bytes());
        let id = match cell(source_col) {
            Some(source) => format!("{region}:{source}"),
            None => format!("{region}:{}", &row_hash[..24]),
        };
        if errors.is_empty() && !ids.insert(id.clone()) {
            errors.push(field_error(
                n,
                "来源编号",
                DUPLICATE_ROW,
                format!("与前面的行是同一条目（{id}）"),
            ));
        }
        let (Some(list), Some(name), Some(unit), Some(entry_date), Some(item), true) =
            (list, name, unit, entry_date, item, errors.is_empty())
        else {
            report.rejected += 1;
            report.errors.extend(errors);
            continue;
        };
        report.accepted += 1;
        if store.list_entry(&id).await?.is_some() {
            report.unchanged += 1;
            continue;
        }
        let subject = match &code {
            Some(c) => store.subject_by_code(c).await?,
            None => None,
        };
        let entry = ListEntry {
            id: id.clone(),
            list: list.clone(),
            subject_id: subject.map(|s| s.id),
            name,
            code: code.as_ref().map(|c| c.as_str().to_string()),
            item_id: item.id.clone(),
            policy_version: policy.version,
            basis: cell(basis_col).unwrap_or_else(|| item.legal_basis.clone()),
            deciding_unit: unit.clone(),
            entry_date,
            valid_until: valid_until
                .or_else(|| item.validity_months.map(|m| plus_months(entry_date, m))),
            source_records: Vec::new(),
            explanation: format!(
                "{region}的名单文件 {} 第 {n} 行：{unit}认定的{}",
                opts.file,
                list.label()
            ),
        };
        next_seq += 1;
        let origin = Origin {
            node: region.to_string(),
            seq: next_seq,
            event_id: id.clone(),
            hash: row_hash,
            kind: "list_entry_proposed".into(),
            aggregate_id: id.clone(),
            recorded_at: format_timestamp(opts.now),
            same_subject: None,
        };
        let actor = format!("exchange-file:{region}");
        events.push(NewEvent::new(
            actor.clone(),
            opts.now,
            EventPayload::ExchangeReceived {
                origin,
                fact: Some(Box::new(EventPayload::ListEntryProposed {
                    entry,
                    by: format!("{region}:{unit}"),
                })),
                prior: Vec::new(),
            },
        ));
        events.push(NewEvent::new(
            actor.clone(),
            opts.now,
            EventPayload::ListEntryReviewed {
                entry_id: id.clone(),
                by: actor.clone(),
                approved: true,
                comment: format!("{region}的名单，由{unit}认定"),
            },
        ));
        events.push(NewEvent::new(
            actor,
            opts.now,
            EventPayload::ListEntryPublished {
                entry_id: id.clone(),
                on: opts.today,
            },
        ));
        report.entries.push(id);
    }
    if opts.dry_run || (report.rejected > 0 && !opts.accept_valid) {
        report.entries.clear();
        return Ok(report);
    }
    if !events.is_empty() {
        // One transaction: the whole file's entries or none.
        store.append(events).await?;
    }
    report.committed = true;
    tracing::info!(exchange.region = %region, accepted = report.accepted, rejected = report.rejected, unchanged = report.unchanged, "list file imported");
    Ok(report)
}

fn plus_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(d)
}

/// The entries in force on `on` (every list), as rows of a list file for a system not on the
/// broker: the header (`COLUMNS`) first, then one row per entry.
pub async fn export_lists(store: &dyn Store, on: NaiveDate) -> AppResult<Vec<Vec<String>>> {
    let mut rows = vec![COLUMNS.iter().map(|(c, _)| (*c).to_string()).collect()];
    let mut entries = store.list_entries(None).await?;
    entries.retain(|e| e.in_force_on(on));
    entries
        .sort_by(|a, b| (a.entry.entry_date, &a.entry.id).cmp(&(b.entry.entry_date, &b.entry.id)));
    for e in entries {
        let e = e.entry;
        rows.push(vec![
            e.id,
            e.list.qualified_label(),
            e.name,
            e.code.unwrap_or_default(),
            e.item_id,
            e.basis,
            e.deciding_unit,
            e.entry_date.to_string(),
            e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    Ok(rows)
}

/// Rows as CSV (UTF-8 with BOM, so Excel on Chinese Windows opens it right).
pub fn to_csv(rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if c.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}
