//! The four lists (四张清单, [`ListPolicy`]) as a spreadsheet, for the credit office to review
//! and edit in Excel.
//!
//! [`write_policy_xlsx`] writes two sheets:
//!
//! * `四张清单` — a header row ([`ITEM_COLUMNS`]) and one row per item. Multi-valued cells
//!   (实施单位, 适用环节, 适用名单) are joined with `、`; 清单类别, 适用环节, 适用名单 and 效果 are
//!   written as their Chinese labels (an external list as `外部名单：NAME`); 有效期（月） is a number;
//!   自动列入规则 is the compact rule text of [`EntryRule::to_text`], e.g.
//!   `类别=行政处罚;违法行为类型含=超限;次数>=2;期间=12个月;严重程度>=一般`.
//! * `版本` — a header row ([`VERSION_COLUMNS`]) and the version's number, effective date, who,
//!   when, note and whether it is example policy (是/否).
//!
//! [`read_policy_xlsx`] reads the items back from `四张清单` (or the first sheet that is not
//! `版本`). Columns are found by their header text in any order; other columns are ignored. Cells
//! accept the labels and the aliases of [`ItemKind::from_label`], [`DecisionPoint::from_label`],
//! [`NameList::from_label`] and [`Effect::from_label`], and multi-valued cells may also be
//! separated by `，` `,` `；` `;` or line breaks. The `版本` sheet is not read: an import is a
//! change, so it becomes a new version with the importer's who and when
//! ([`import_policy_xlsx`], or [`ListPolicy::next_version`] with the items).
//!
//! Row numbers in [`PolicyRowError`] are the sheet's row numbers as Excel shows them (the
//! header is row 1 when it is the first row), so a reviewer can go straight to the cell.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format as CellFormat, FormatAlign, Workbook, XlsxError};
use serde::Serialize;
use xyjt_core::lists::{
    DecisionPoint, Effect, EntryRule, ItemKind, ListPolicy, ListPolicyError, NameList, PolicyItem,
};

use crate::read::{FileError, format_number};

/// The items sheet.
pub const ITEMS_SHEET: &str = "四张清单";
/// The version sheet.
pub const VERSION_SHEET: &str = "版本";

/// The columns of the items sheet, in the order written.
pub const ITEM_COLUMNS: [&str; 14] = [
    "编号",
    "清单类别",
    "名称",
    "实施主体",
    "实施事由",
    "法律依据",
    "实施单位",
    "措施内容",
    "所需证据",
    "适用环节",
    "适用名单",
    "效果",
    "有效期（月）",
    "自动列入规则",
];

/// The columns of the version sheet.
pub const VERSION_COLUMNS: [&str; 6] = [
    "版本号",
    "生效日期",
    "修改人",
    "修改时间",
    "修改说明",
    "示例政策",
];

/// Column widths in characters, aligned with [`ITEM_COLUMNS`].
const ITEM_WIDTHS: [f64; 14] = [
    24.0, 20.0, 30.0, 24.0, 40.0, 50.0, 36.0, 50.0, 36.0, 24.0, 24.0, 10.0, 12.0, 50.0,
];

/// Separator written between the values of a multi-valued cell.
const JOIN: &str = "、";

/// Separators accepted between the values of a multi-valued cell.
const SPLIT: [char; 7] = ['、', '，', ',', '；', ';', '\n', '\r'];

/// One problem found while reading a policy spreadsheet. Displays in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRowError {
    /// The sheet row as Excel numbers it; `None` for a problem of the whole file or import.
    pub row: Option<u32>,
    /// The column's header (one of [`ITEM_COLUMNS`]); `None` for a whole-row problem.
    pub column: Option<String>,
    pub message: String,
}

impl PolicyRowError {
    fn file(message: impl Into<String>) -> Self {
        PolicyRowError {
            row: None,
            column: None,
            message: message.into(),
        }
    }

    fn cell(row: u32, column: &str, message: impl Into<String>) -> Self {
        PolicyRowError {
            row: Some(row),
            column: Some(column.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for PolicyRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, &self.column) {
            (Some(row), Some(column)) => write!(f, "第 {row} 行“{column}”：{}", self.message),
            (Some(row), None) => write!(f, "第 {row} 行：{}", self.message),
            (None, Some(column)) => write!(f, "“{column}”列：{}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for PolicyRowError {}

fn write_error(e: XlsxError) -> FileError {
    match e {
        XlsxError::IoError(io) => FileError::Io(io),
        other => FileError::XlsxWrite {
            detail: other.to_string(),
        },
    }
}

/// The cells of one item, aligned with [`ITEM_COLUMNS`] (有效期 as text).
pub fn item_cells(item: &PolicyItem) -> [String; 14] {
    [
        item.id.clone(),
        item.kind.label().to_string(),
        item.title.clone(),
        item.acting_unit.clone(),
        item.cause.clone(),
        item.legal_basis.clone(),
        item.implementing_units.join(JOIN),
        item.content.clone(),
        item.evidence.clone(),
        item.decision_points
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join(JOIN),
        item.lists
            .iter()
            .map(NameList::qualified_label)
            .collect::<Vec<_>>()
            .join(JOIN),
        item.effect
            .map(|e| e.label().to_string())
            .unwrap_or_default(),
        item.validity_months
            .map(|m| m.to_string())
            .unwrap_or_default(),
        item.rule
            .as_ref()
            .map(EntryRule::to_text)
            .unwrap_or_default(),
    ]
}

/// Writes `policy` to `path` as the two sheets described in the module docs.
pub fn write_policy_xlsx(policy: &ListPolicy, path: &Path) -> Result<(), FileError> {
    const VALIDITY_COL: usize = 12;
    let mut workbook = Workbook::new();
    let header = CellFormat::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let wrap = CellFormat::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top);

    let sheet = workbook.add_worksheet();
    sheet.set_name(ITEMS_SHEET).map_err(write_error)?;
    for (c, (title, width)) in ITEM_COLUMNS.iter().zip(ITEM_WIDTHS).enumerate() {
        let c = c as u16;
        sheet
            .write_string_with_format(0, c, *title, &header)
            .map_err(write_error)?;
        sheet.set_column_width(c, width).map_err(write_error)?;
    }
    sheet.set_freeze_panes(1, 1).map_err(write_error)?;
    for (r, item) in policy.items.iter().enumerate() {
        let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, text) in item_cells(item).iter().enumerate() {
            if c == VALIDITY_COL
                && let Some(months) = item.validity_months
            {
                sheet
                    .write_number_with_format(row, c as u16, f64::from(months), &wrap)
                    .map_err(write_error)?;
            } else if !text.is_empty() {
                sheet
                    .write_string_with_format(row, c as u16, text, &wrap)
                    .map_err(write_error)?;
            }
        }
    }

    let sheet = workbook.add_worksheet();
    sheet.set_name(VERSION_SHEET).map_err(write_error)?;
    for (c, title) in VERSION_COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *title, &header)
            .map_err(write_error)?;
    }
    for (c, width) in [8.0, 12.0, 30.0, 28.0, 60.0, 10.0].into_iter().enumerate() {
        sheet
            .set_column_width(c as u16, width)
            .map_err(write_error)?;
    }
    sheet
        .write_number(1, 0, f64::from(policy.version))
        .map_err(write_error)?;
    let texts = [
        policy.effective_from.to_string(),
        policy.changed_by.clone(),
        policy.changed_at.clone(),
        policy.note.clone(),
        if policy.example { "是" } else { "否" }.to_string(),
    ];
    for (c, text) in texts.iter().enumerate() {
        sheet
            .write_string_with_format(1, c as u16 + 1, text, &wrap)
            .map_err(write_error)?;
    }

    workbook.save(path).map_err(write_error)
}

fn cell_text(value: &calamine::Data) -> String {
    use calamine::Data as D;
    match value {
        D::Empty => String::new(),
        D::String(s) | D::DateTimeIso(s) | D::DurationIso(s) => s.trim().to_string(),
        D::Int(i) => i.to_string(),
        D::Float(f) => format_number(*f),
        D::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        D::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        D::DateTime(dt) => format_number(dt.as_f64()),
        D::Error(e) => e.to_string(),
    }
}

/// A header text compared loosely: no spaces or leading `*`, half-width brackets as full-width.
fn header_key(text: &str) -> String {
    text.trim()
        .trim_start_matches('*')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

/// The column of a header text: an exact match, or `有效期` for `有效期（月）`.
fn column_of(text: &str) -> Option<usize> {
    let key = header_key(text);
    ITEM_COLUMNS
        .iter()
        .position(|c| *c == key)
        .or_else(|| (key == "有效期").then_some(12))
}

/// The column an item error from the core is about (`有效期` → `有效期（月）`).
fn column_for_field(label: &str) -> Option<&'static str> {
    ITEM_COLUMNS
        .iter()
        .copied()
        .find(|c| *c == label || c.starts_with(label))
}

fn split_values(text: &str) -> Vec<String> {
    text.split(SPLIT)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads one data row into an item, or the row's cell errors. `cells` are aligned with
/// [`ITEM_COLUMNS`]. On errors the item is still returned, with the bad cells left empty, so the
/// core checks can run on the rest of the row.
fn parse_row(row: u32, cells: &[String; 14]) -> (PolicyItem, Vec<PolicyRowError>) {
    let mut errors = Vec::new();
    let col = ITEM_COLUMNS;

    let kind = match ItemKind::from_label(&cells[1]) {
        Some(kind) => kind,
        None => {
            errors.push(PolicyRowError::cell(
                row,
                col[1],
                if cells[1].is_empty() {
                    format!("不能为空，应为以下之一：{}", ItemKind::all_labels())
                } else {
                    format!(
                        "“{}”不是清单类别，应为以下之一：{}",
                        cells[1],
                        ItemKind::all_labels()
                    )
                },
            ));
            ItemKind::DishonestScope
        }
    };

    let mut decision_points = Vec::new();
    for label in split_values(&cells[9]) {
        match DecisionPoint::from_label(&label) {
            // 公务员录用、干部任用 splits into two names of one point: keep it once.
            Some(p) if decision_points.contains(&p) => {}
            Some(p) => decision_points.push(p),
            None => errors.push(PolicyRowError::cell(
                row,
                col[9],
                format!(
                    "“{label}”不是适用环节，应为以下之一：{}",
                    DecisionPoint::all_labels()
                ),
            )),
        }
    }

    let mut lists = Vec::new();
    for label in split_values(&cells[10]) {
        match NameList::from_label(&label) {
            Some(l) => lists.push(l),
            None => errors.push(PolicyRowError::cell(
                row,
                col[10],
                format!(
                    "“{label}”不是名单，应为红名单、黑名单（严重失信主体名单）、重点关注名单、失信被执行人或“外部名单：名称”"
                ),
            )),
        }
    }

    let effect = if cells[11].is_empty() {
        None
    } else {
        let e = Effect::from_label(&cells[11]);
        if e.is_none() {
            errors.push(PolicyRowError::cell(
                row,
                col[11],
                format!(
                    "“{}”不是效果，应为以下之一：{}",
                    cells[11],
                    Effect::all_labels()
                ),
            ));
        }
        e
    };

    let validity_months = if cells[12].is_empty() {
        None
    } else {
        let text = cells[12]
            .trim_end_matches("个月")
            .trim_end_matches('月')
            .trim();
        let m = text.parse::<u32>().ok();
        if m.is_none() {
            errors.push(PolicyRowError::cell(
                row,
                col[12],
                format!("“{}”不是月数，应为正整数，如 12", cells[12]),
            ));
        }
        m
    };

    let rule = if cells[13].is_empty() {
        None
    } else {
        match EntryRule::parse_text(&cells[13]) {
            Ok(rule) => Some(rule),
            Err(e) => {
                errors.push(PolicyRowError::cell(
                    row,
                    col[13],
                    format!("规则“{}”无法识别：{e}", cells[13]),
                ));
                None
            }
        }
    };

    let item = PolicyItem {
        id: cells[0].clone(),
        kind,
        title: cells[2].clone(),
        acting_unit: cells[3].clone(),
        cause: cells[4].clone(),
        legal_basis: cells[5].clone(),
        implementing_units: split_values(&cells[6]),
        content: cells[7].clone(),
        evidence: cells[8].clone(),
        decision_points,
        lists,
        effect,
        validity_months,
        rule,
    };
    (item, errors)
}

/// An item error from the core as a row error.
fn from_core(row: Option<u32>, e: &ListPolicyError) -> PolicyRowError {
    match e {
        ListPolicyError::Item { message, .. } => {
            let label = e.field_label().unwrap_or_default();
            PolicyRowError {
                row,
                column: column_for_field(label).map(str::to_string),
                message: format!("{label}{message}"),
            }
        }
        ListPolicyError::Invalid(m) | ListPolicyError::Parse(m) => PolicyRowError {
            row,
            column: None,
            message: m.clone(),
        },
    }
}

/// Reads the items of a policy spreadsheet written by [`write_policy_xlsx`] (or edited from
/// one), checked by the same rules as [`ListPolicy::validate`], for a change made by
/// `changed_by` at `changed_at` (RFC 3339, both required: the import becomes a new version).
/// Returns every problem found, by sheet row, in Chinese: unreadable file, missing or repeated
/// header columns, unknown 清单类别 / 适用环节 / 名单 / 效果, bad 有效期 or rule text, repeated
/// 编号, and the item checks of [`PolicyItem::check`] and [`ListPolicy::check_items`].
pub fn read_policy_xlsx(
    path: &Path,
    changed_by: &str,
    changed_at: &str,
) -> Result<Vec<PolicyItem>, Vec<PolicyRowError>> {
    let mut errors = Vec::new();
    if changed_by.trim().is_empty() {
        errors.push(PolicyRowError::file(
            "导入四张清单须注明修改人（changed_by 不能为空）",
        ));
    }
    if chrono::DateTime::parse_from_rfc3339(changed_at.trim()).is_err() {
        errors.push(PolicyRowError::file(format!(
            "修改时间“{changed_at}”不是 RFC 3339 时间，应写为如 2024-01-01T09:00:00+08:00"
        )));
    }

    let range = match load_sheet(path) {
        Ok(range) => range,
        Err(e) => {
            errors.push(e);
            return Err(errors);
        }
    };
    // Cells are taken relative to the range, the header's as the data's; rows are numbered
    // absolutely.
    let (row0, _) = range.start().unwrap_or((0, 0));
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let number = row0 + u32::try_from(i).unwrap_or(u32::MAX) + 1;
            (number, cells.iter().map(cell_text).collect::<Vec<_>>())
        })
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));

    let Some((header_row, header)) = rows.next() else {
        errors.push(PolicyRowError::file(format!(
            "工作表“{ITEMS_SHEET}”为空：没有表头"
        )));
        return Err(errors);
    };
    let mut columns: [Option<usize>; 14] = [None; 14];
    let mut repeated = Vec::new();
    for (i, text) in header.iter().enumerate() {
        if let Some(c) = column_of(text) {
            if columns[c].is_some() {
                repeated.push(ITEM_COLUMNS[c]);
            } else {
                columns[c] = Some(i);
            }
        }
    }
    let missing: Vec<&str> = ITEM_COLUMNS
        .iter()
        .zip(columns)
        .filter(|(_, c)| c.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !repeated.is_empty() {
        errors.push(PolicyRowError {
            row: Some(header_row),
            column: None,
            message: format!("表头重复：{} 出现多次", repeated.join("、")),
        });
    }
    if !missing.is_empty() {
        errors.push(PolicyRowError {
            row: Some(header_row),
            column: None,
            message: format!("表头缺少列：{}", missing.join("、")),
        });
    }
    if !repeated.is_empty() || !missing.is_empty() {
        return Err(errors);
    }
    let mut items: Vec<(u32, PolicyItem)> = Vec::new();
    let mut first_row_of: HashMap<String, u32> = HashMap::new();
    let mut row_failed = false;
    for (row, cells) in rows {
        let aligned: [String; 14] = std::array::from_fn(|c| {
            columns[c]
                .and_then(|i| cells.get(i))
                .cloned()
                .unwrap_or_default()
        });
        let (item, mut row_errors) = parse_row(row, &aligned);
        let id = item.id.trim().to_string();
        if id.is_empty() {
            row_errors.push(PolicyRowError::cell(row, ITEM_COLUMNS[0], "不能为空"));
        } else if let Some(first) = first_row_of.get(&id) {
            row_errors.push(PolicyRowError::cell(
                row,
                ITEM_COLUMNS[0],
                format!("“{id}”与第 {first} 行重复"),
            ));
        } else {
            first_row_of.insert(id, row);
        }
        // The item's own checks, except on cells already reported as unreadable.
        let bad_columns: Vec<Option<String>> =
            row_errors.iter().map(|e| e.column.clone()).collect();
        for e in item.check() {
            let e = from_core(Some(row), &e);
            if e.column.is_some() && bad_columns.contains(&e.column) {
                continue;
            }
            row_errors.push(e);
        }
        row_failed |= !row_errors.is_empty();
        errors.extend(row_errors);
        items.push((row, item));
    }
    if items.is_empty() {
        errors.push(PolicyRowError::file(format!(
            "工作表“{ITEMS_SHEET}”没有任何条目"
        )));
    }

    // Checks between items, once every row reads on its own.
    if !row_failed && !items.is_empty() {
        let plain: Vec<PolicyItem> = items.iter().map(|(_, i)| i.clone()).collect();
        for e in ListPolicy::check_items(&plain) {
            let row = e.item_id().and_then(|id| first_row_of.get(id).copied());
            errors.push(from_core(row, &e));
        }
    }

    if errors.is_empty() {
        Ok(items.into_iter().map(|(_, i)| i).collect())
    } else {
        errors.sort_by_key(|e| e.row.unwrap_or(0));
        Err(errors)
    }
}

/// Reads a spreadsheet with [`read_policy_xlsx`] and makes it the next version of `current`
/// ([`ListPolicy::next_version`]): who, when, why and from when are the importer's.
pub fn import_policy_xlsx(
    current: &ListPolicy,
    path: &Path,
    changed_by: &str,
    changed_at: &str,
    note: &str,
    effective_from: NaiveDate,
) -> Result<ListPolicy, Vec<PolicyRowError>> {
    let items = read_policy_xlsx(path, changed_by, changed_at)?;
    current
        .next_version(items, changed_by, changed_at, note, effective_from)
        .map_err(|e| vec![from_core(None, &e)])
}

/// The items sheet: `四张清单`, or else the first sheet that is not `版本`.
fn load_sheet(path: &Path) -> Result<calamine::Range<calamine::Data>, PolicyRowError> {
    use calamine::Reader;
    let unreadable =
        |detail: String| PolicyRowError::file(format!("Excel 文件损坏或无法读取：{detail}"));
    let mut workbook: calamine::Xlsx<BufReader<File>> = calamine::open_workbook(path)
        .map_err(|e: calamine::XlsxError| unreadable(xlsx_detail(e)))?;
    let names = workbook.sheet_names();
    let name = names
        .iter()
        .find(|n| n.trim() == ITEMS_SHEET)
        .or_else(|| names.iter().find(|n| n.trim() != VERSION_SHEET))
        .cloned()
        .ok_or_else(|| PolicyRowError::file(format!("文件中没有工作表“{ITEMS_SHEET}”")))?;
    workbook
        .worksheet_range(&name)
        .map_err(|e| unreadable(xlsx_detail(e)))
}

fn xlsx_detail(e: calamine::XlsxError) -> String {
    use calamine::XlsxError as E;
    match e {
        E::Io(io) => format!("读取文件失败（{io}）"),
        E::Zip(z) => format!("不是有效的 xlsx 文件（压缩包损坏或不完整：{z}）"),
        E::Xml(x) => format!("工作表内容损坏（{x}）"),
        other => other.to_string(),
    }
}
