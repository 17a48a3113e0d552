//! The four lists as a spreadsheet: the round trip of the shipped policy, the version sheet,
//! hand-edited sheets (aliases, column order, extra columns) and row-numbered errors. Fixtures
//! are generated into CARGO_TARGET_TMPDIR.

use std::path::{Path, PathBuf};

use calamine::Reader;
use chrono::NaiveDate;
use rust_xlsxwriter::Workbook;
use xyjt_core::lists::{
    DecisionPoint, Effect, ItemKind, JUDGMENT_DEBTORS, ListPolicy, NameList, PolicyItem,
};
use xyjt_core::publicity::Severity;
use xyjt_import::policy_xlsx::{
    ITEM_COLUMNS, ITEMS_SHEET, PolicyRowError, VERSION_COLUMNS, VERSION_SHEET, import_policy_xlsx,
    item_cells, read_policy_xlsx, write_policy_xlsx,
};

const WHO: &str = "李四（省交通运输厅信用管理处）";
const WHEN: &str = "2025-03-01T10:00:00+08:00";

fn dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("policy_xlsx")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Writes one sheet named `name` with the given rows of text (empty texts left blank).
fn write_rows(path: &Path, name: &str, rows: &[Vec<String>]) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string(r as u32, c as u16, text).unwrap();
            }
        }
    }
    workbook.save(path).unwrap();
}

fn header() -> Vec<String> {
    ITEM_COLUMNS.iter().map(|s| s.to_string()).collect()
}

/// The builtin policy's rows (header first), for editing.
fn builtin_rows() -> Vec<Vec<String>> {
    let mut rows = vec![header()];
    rows.extend(
        ListPolicy::builtin()
            .items
            .iter()
            .map(|i| item_cells(i).to_vec()),
    );
    rows
}

fn col(name: &str) -> usize {
    ITEM_COLUMNS.iter().position(|c| *c == name).unwrap()
}

/// The sheet row (1-based, header = 1) of a builtin item.
fn row_of(rows: &[Vec<String>], id: &str) -> usize {
    rows.iter().position(|r| r[0] == id).unwrap()
}

fn read(path: &Path) -> Result<Vec<PolicyItem>, Vec<PolicyRowError>> {
    read_policy_xlsx(path, WHO, WHEN)
}

fn read_err(path: &Path) -> Vec<PolicyRowError> {
    read(path).expect_err("the sheet has errors")
}

/// Reads `rows` edited by `edit` and returns the errors.
fn errors_after(name: &str, edit: impl FnOnce(&mut Vec<Vec<String>>)) -> Vec<PolicyRowError> {
    let path = dir(name).join("policy.xlsx");
    let mut rows = builtin_rows();
    edit(&mut rows);
    write_rows(&path, ITEMS_SHEET, &rows);
    read_err(&path)
}

fn has(errors: &[PolicyRowError], row: u32, column: &str, needle: &str) -> bool {
    errors.iter().any(|e| {
        e.row == Some(row) && e.column.as_deref() == Some(column) && e.message.contains(needle)
    })
}

// ---------------------------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------------------------

#[test]
fn builtin_round_trips_through_xlsx() {
    let policy = ListPolicy::builtin();
    let path = dir("round_trip").join("四张清单.xlsx");
    write_policy_xlsx(&policy, &path).unwrap();
    let items = read(&path).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(items, policy.items);

    // A changed policy survives too (rule with severity and kinds, several lists and points).
    let mut changed = policy.clone();
    let watch = changed
        .items
        .iter_mut()
        .find(|i| i.id == "S-WATCH-OVERLOAD")
        .unwrap();
    let rule = watch.rule.as_mut().unwrap();
    rule.min_severity = Some(Severity::General);
    rule.violation_types.push("超载".to_string());
    rule.penalty_kinds = vec![
        xyjt_core::record::PenaltyKind::Fine,
        xyjt_core::record::PenaltyKind::SuspendLicence,
    ];
    let tender = changed
        .items
        .iter_mut()
        .find(|i| i.id == "P-BLACK-TENDER")
        .unwrap();
    tender.lists.push(NameList::Watch);
    tender
        .decision_points
        .push(DecisionPoint::GovernmentProcurement);
    let path = dir("round_trip_changed").join("四张清单.xlsx");
    write_policy_xlsx(&changed, &path).unwrap();
    assert_eq!(read(&path).unwrap(), changed.items);
}

#[test]
fn the_workbook_has_the_items_and_version_sheets() {
    let policy = ListPolicy::builtin();
    let path = dir("sheets").join("policy.xlsx");
    write_policy_xlsx(&policy, &path).unwrap();

    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), [ITEMS_SHEET, VERSION_SHEET]);
    let items = wb.worksheet_range(ITEMS_SHEET).unwrap();
    let rows: Vec<Vec<String>> = items
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0], header());
    assert_eq!(rows.len(), policy.items.len() + 1);
    let watch = &rows[row_of(&rows, "S-WATCH-OVERLOAD")];
    assert_eq!(watch[col("清单类别")], "严重失信行为及主体范围");
    assert_eq!(watch[col("适用名单")], "重点关注名单");
    assert_eq!(watch[col("有效期（月）")], "12");
    assert_eq!(
        watch[col("自动列入规则")],
        "类别=行政处罚;违法行为类型含=超限;次数>=2;期间=12个月"
    );
    let jd = &rows[row_of(&rows, "P-EXT-JD-TENDER")];
    assert_eq!(jd[col("适用名单")], "外部名单：失信被执行人");
    assert_eq!(jd[col("适用环节")], "招标投标、政府采购");
    assert_eq!(jd[col("效果")], "限制");
    assert!(jd[col("实施单位")].contains("、"));

    let version = wb.worksheet_range(VERSION_SHEET).unwrap();
    let rows: Vec<Vec<String>> = version
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0], VERSION_COLUMNS);
    assert_eq!(
        rows[1],
        [
            "1",
            "2024-01-01",
            "系统初始化（示例政策）",
            "2024-01-01T00:00:00+08:00",
            policy.note.as_str(),
            "是"
        ]
    );
}

#[test]
fn import_makes_the_next_version() {
    let v1 = ListPolicy::builtin();
    let path = dir("import").join("policy.xlsx");
    let mut rows = builtin_rows();
    let r = row_of(&rows, "S-WATCH-OVERLOAD");
    rows[r][col("自动列入规则")] = "类别=行政处罚;违法行为类型含=超限;次数>=3;期间=12个月".into();
    write_rows(&path, ITEMS_SHEET, &rows);

    let v2 = import_policy_xlsx(&v1, &path, WHO, WHEN, "超限次数调整", d("2025-04-01")).unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.changed_by, WHO);
    assert_eq!(v2.changed_at, WHEN);
    assert_eq!(v2.effective_from, d("2025-04-01"));
    assert_eq!(v1.diff(&v2).changed, ["S-WATCH-OVERLOAD"]);
    assert_eq!(v1, ListPolicy::builtin(), "the old version is untouched");

    // A change dated before the current version is refused as a whole.
    let e = import_policy_xlsx(&v1, &path, WHO, WHEN, "超限次数调整", d("2023-01-01")).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].row, None);
    assert!(e[0].message.contains("生效日期"), "{}", e[0]);
}

#[test]
fn hand_edited_sheets_read_with_aliases_any_column_order_and_extra_columns() {
    let path = dir("aliases").join("policy.xlsx");
    // Columns reversed, an extra 备注 column, half-width brackets in a header, a blank row.
    let mut head: Vec<String> = ITEM_COLUMNS.iter().rev().map(|s| s.to_string()).collect();
    head[0] = "自动列入规则".into();
    head[1] = " 有效期(月) ".into();
    head.push("备注".into());
    let row = |cells: [&str; 14]| -> Vec<String> {
        let mut r: Vec<String> = cells.iter().rev().map(|s| s.to_string()).collect();
        r.push("内部备注，不导入".into());
        r
    };
    let rows = vec![
        head,
        row([
            "S-BLACK-X",
            "严重失信",
            "某严重失信行为",
            "省交通运输厅信用管理处",
            "事由",
            "依据",
            "省交通运输厅信用管理处，各市（州）交通运输局",
            "列入黑名单",
            "认定决定书",
            "",
            "严重失信主体名单",
            "",
            "36个月",
            "类别=行政处罚；严重程度≥严重；次数>=1；期间=36",
        ]),
        vec![String::new(); 15],
        row([
            "P-X",
            "失信惩戒措施清单",
            "限制投标",
            "省交通运输厅建设管理处",
            "事由",
            "依据",
            "省交通运输厅建设管理处",
            "限制参与招标投标",
            "查询记录",
            "招投标；公务员录用、干部任用\n政府采购",
            "黑名单, 失信被执行人",
            "禁止",
            "",
            "",
        ]),
        row([
            "S-JD",
            "严重失信行为及主体范围",
            "失信被执行人",
            "人民法院",
            "事由",
            "依据",
            "省交通运输厅信用管理处",
            "外部名单比对",
            "查询结果",
            "",
            "外部名单：失信被执行人",
            "",
            "",
            "",
        ]),
    ];
    write_rows(&path, "Sheet1", &rows);
    let items = read(&path).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(items.len(), 3);
    let black = &items[0];
    assert_eq!(black.kind, ItemKind::DishonestScope);
    assert_eq!(black.lists, [NameList::Black]);
    assert_eq!(black.validity_months, Some(36));
    assert_eq!(
        black.implementing_units,
        ["省交通运输厅信用管理处", "各市（州）交通运输局"]
    );
    let rule = black.rule.as_ref().unwrap();
    assert_eq!(rule.min_severity, Some(Severity::Serious));
    assert_eq!((rule.min_count, rule.window_months), (1, 36));
    let measure = &items[1];
    assert_eq!(measure.kind, ItemKind::PunishmentMeasure);
    assert_eq!(
        measure.decision_points,
        [
            DecisionPoint::Tendering,
            DecisionPoint::Hiring,
            DecisionPoint::GovernmentProcurement
        ]
    );
    assert_eq!(
        measure.lists,
        [
            NameList::Black,
            NameList::External(JUDGMENT_DEBTORS.to_string())
        ]
    );
    assert_eq!(measure.effect, Some(Effect::Restrict));
    assert_eq!(items[2].validity_months, None);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_cells_are_reported_by_row_and_column() {
    let mut rows_seen = Vec::new();
    let errors = errors_after("bad_cells", |rows| {
        let r = row_of(rows, "P-BLACK-TENDER");
        rows[r][col("清单类别")] = "惩罚清单".into();
        let r2 = row_of(rows, "P-BLACK-LICENSING");
        rows[r2][col("适用环节")] = "行政许可、拍卖".into();
        let r3 = row_of(rows, "P-BLACK-FUNDING");
        rows[r3][col("适用名单")] = "灰名单".into();
        let r4 = row_of(rows, "P-BLACK-HONOURS");
        rows[r4][col("效果")] = "罚站".into();
        let r5 = row_of(rows, "S-WATCH-OVERLOAD");
        rows[r5][col("自动列入规则")] = "类别=行政处罚;次数>=2".into();
        let r6 = row_of(rows, "S-BLACK-OVERLOAD");
        rows[r6][col("有效期（月）")] = "三年".into();
        rows_seen = vec![r, r2, r3, r4, r5, r6];
    });
    let row = |i: usize| (rows_seen[i] + 1) as u32;
    assert!(
        has(&errors, row(0), "清单类别", "“惩罚清单”不是清单类别"),
        "{errors:#?}"
    );
    assert!(
        has(&errors, row(1), "适用环节", "“拍卖”不是适用环节"),
        "{errors:#?}"
    );
    assert!(
        has(&errors, row(2), "适用名单", "“灰名单”不是名单"),
        "{errors:#?}"
    );
    assert!(
        has(&errors, row(3), "效果", "“罚站”不是效果"),
        "{errors:#?}"
    );
    assert!(
        has(&errors, row(4), "自动列入规则", "缺少期间"),
        "{errors:#?}"
    );
    assert!(
        has(&errors, row(5), "有效期（月）", "“三年”不是月数"),
        "{errors:#?}"
    );
    // A cell that did not read is reported once, not again as missing.
    assert!(
        !errors
            .iter()
            .any(|e| e.row == Some(row(3)) && e.message.contains("未设置")),
        "{errors:#?}"
    );
    assert!(
        errors.windows(2).all(|w| w[0].row <= w[1].row),
        "sorted by row"
    );
    let text = errors
        .iter()
        .find(|e| e.row == Some(row(1)))
        .unwrap()
        .to_string();
    assert!(
        text.starts_with(&format!("第 {} 行“适用环节”：", row(1))),
        "{text}"
    );
}

#[test]
fn duplicate_and_missing_ids() {
    let mut at = (0, 0);
    let errors = errors_after("ids", |rows| {
        let first = row_of(rows, "P-BLACK-TENDER");
        let copy = rows[first].clone();
        rows.push(copy);
        let blank = row_of(rows, "P-BLACK-HONOURS");
        rows[blank][0].clear();
        at = (first, rows.len() - 1);
    });
    let dup_row = (at.1 + 1) as u32;
    assert!(
        has(
            &errors,
            dup_row,
            "编号",
            &format!("“P-BLACK-TENDER”与第 {} 行重复", at.0 + 1)
        ),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.column.as_deref() == Some("编号") && e.message == "不能为空")
    );
}

#[test]
fn item_checks_are_mapped_to_columns() {
    let mut at = Vec::new();
    let errors = errors_after("checks", |rows| {
        let r = row_of(rows, "P-BLACK-TENDER");
        rows[r][col("效果")].clear();
        let r2 = row_of(rows, "S-BLACK-ACCIDENT");
        rows[r2][col("有效期（月）")].clear();
        let r3 = row_of(rows, "S-RED-AA");
        rows[r3][col("法律依据")].clear();
        let r4 = row_of(rows, "S-WATCH-OVERLOAD");
        rows[r4][col("自动列入规则")] = "类别=行政处罚;次数>=0;期间=12个月".into();
        at = vec![r, r2, r3, r4];
    });
    let row = |i: usize| (at[i] + 1) as u32;
    assert!(has(&errors, row(0), "效果", "未设置"), "{errors:#?}");
    assert!(
        has(&errors, row(1), "有效期（月）", "未设置"),
        "{errors:#?}"
    );
    assert!(has(&errors, row(2), "法律依据", "不能为空"), "{errors:#?}");
    assert!(
        has(&errors, row(3), "自动列入规则", "至少为 1"),
        "{errors:#?}"
    );
}

#[test]
fn a_measure_whose_list_has_no_scope_is_reported_on_its_row() {
    let mut at = 0;
    let errors = errors_after("cross", |rows| {
        let scope = row_of(rows, "S-EXT-JUDGMENT-DEBTOR");
        rows.remove(scope);
        at = row_of(rows, "P-EXT-JD-TENDER");
    });
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        has(&errors, (at + 1) as u32, "适用名单", "没有对应的范围条目"),
        "{errors:#?}"
    );
}

#[test]
fn header_problems() {
    let path = dir("header").join("policy.xlsx");
    let mut rows = builtin_rows();
    for r in &mut rows {
        r.remove(col("效果"));
    }
    write_rows(&path, ITEMS_SHEET, &rows);
    let errors = read_err(&path);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, Some(1));
    assert_eq!(errors[0].to_string(), "第 1 行：表头缺少列：效果");

    let mut rows = builtin_rows();
    rows[0].push("编号".into());
    write_rows(&path, ITEMS_SHEET, &rows);
    let errors = read_err(&path);
    assert!(errors[0].message.contains("表头重复：编号"), "{errors:#?}");

    write_rows(&path, ITEMS_SHEET, &[header()]);
    let errors = read_err(&path);
    assert!(errors[0].message.contains("没有任何条目"), "{errors:#?}");

    write_rows(&path, ITEMS_SHEET, &[]);
    let errors = read_err(&path);
    assert!(errors[0].message.contains("没有表头"), "{errors:#?}");
}

#[test]
fn file_problems() {
    let dir = dir("file");
    let not_xlsx = dir.join("policy.xlsx");
    std::fs::write(&not_xlsx, "编号,清单类别\n").unwrap();
    let errors = read_err(&not_xlsx);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, None);
    assert!(
        errors[0].message.starts_with("Excel 文件损坏或无法读取"),
        "{errors:#?}"
    );

    let errors = read_err(&dir.join("missing.xlsx"));
    assert!(
        errors[0].message.starts_with("Excel 文件损坏或无法读取"),
        "{errors:#?}"
    );
}

#[test]
fn who_and_when_are_required() {
    let path = dir("who").join("policy.xlsx");
    write_policy_xlsx(&ListPolicy::builtin(), &path).unwrap();
    let errors = read_policy_xlsx(&path, " ", "2025-03-01").unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].message.contains("修改人"));
    assert!(errors[1].message.contains("RFC 3339"));
    assert!(errors.iter().all(|e| e.row.is_none()));
}
