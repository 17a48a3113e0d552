//! The annual report on government information disclosure (政府信息公开工作年度报告) as a
//! spreadsheet: one sheet per statistical part — 主动公开 (part 2), 依申请公开 (part 3, exactly the
//! official table: the result rows under their group headings and the seven applicant columns)
//! and 复议诉讼 (part 4) — with the text parts on a first sheet.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use xyjt_core::disclosure::annual::{
    AnnualReport, COLUMNS, RESULT_ROWS, REVIEW_COLUMNS, ROW_RESULTS,
};

fn err(e: XlsxError) -> String {
    format!("生成年度报告表格失败：{e}")
}

/// The report as XLSX bytes.
pub fn annual_report_xlsx(r: &AnnualReport) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let cell = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);

    let s = wb.add_worksheet();
    s.set_name("总体情况").map_err(err)?;
    s.set_column_width(0, 100).map_err(err)?;
    let texts = [
        (
            format!("{}{}年政府信息公开工作年度报告", r.unit, r.year),
            &title,
        ),
        ("一、总体情况".to_string(), &title),
        (r.overview.clone(), &wrap),
        ("五、存在的主要问题及改进情况".to_string(), &title),
        (r.problems.clone(), &wrap),
        ("六、其他需要报告的事项".to_string(), &title),
        (r.other.clone(), &wrap),
    ];
    for (i, (t, f)) in texts.iter().enumerate() {
        s.write_string_with_format(i as u32, 0, t, f).map_err(err)?;
    }

    let s = wb.add_worksheet();
    s.set_name("二、主动公开").map_err(err)?;
    s.set_column_width(0, 28).map_err(err)?;
    s.set_column_width(1, 24).map_err(err)?;
    let mut row = 0u32;
    s.write_string_with_format(row, 0, "二、主动公开政府信息情况", &title)
        .map_err(err)?;
    row += 1;
    for (c, h) in ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
        .iter()
        .enumerate()
    {
        s.write_string_with_format(row, c as u16, *h, &head)
            .map_err(err)?;
    }
    for d in &r.active.documents {
        row += 1;
        s.write_string_with_format(row, 0, &d.label, &cell)
            .map_err(err)?;
        for (c, v) in [d.issued, d.repealed, d.in_force].iter().enumerate() {
            s.write_number_with_format(row, c as u16 + 1, *v as f64, &cell)
                .map_err(err)?;
        }
    }
    row += 2;
    for (c, h) in ["信息内容", "本年处理决定数量（收费：金额）", "说明"]
        .iter()
        .enumerate()
    {
        s.write_string_with_format(row, c as u16, *h, &head)
            .map_err(err)?;
    }
    for d in &r.active.decisions {
        row += 1;
        s.write_string_with_format(row, 0, &d.label, &cell)
            .map_err(err)?;
        s.write_number_with_format(row, 1, d.value as f64, &cell)
            .map_err(err)?;
        s.write_string_with_format(row, 2, &d.note, &cell)
            .map_err(err)?;
    }
    row += 2;
    for (c, h) in ["分类", "栏目", "本年主动公开条数"].iter().enumerate() {
        s.write_string_with_format(row, c as u16, *h, &head)
            .map_err(err)?;
    }
    for c in &r.active.by_column {
        row += 1;
        s.write_string_with_format(row, 0, &c.category, &cell)
            .map_err(err)?;
        s.write_string_with_format(row, 1, &c.column, &cell)
            .map_err(err)?;
        s.write_number_with_format(row, 2, c.count as f64, &cell)
            .map_err(err)?;
    }

    let s = wb.add_worksheet();
    s.set_name("三、依申请公开").map_err(err)?;
    s.set_column_width(0, 22).map_err(err)?;
    s.set_column_width(1, 48).map_err(err)?;
    s.write_string_with_format(0, 0, "三、收到和处理政府信息公开申请情况", &title)
        .map_err(err)?;
    s.write_string_with_format(
        1,
        0,
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        &wrap,
    )
    .map_err(err)?;
    s.merge_range(2, 0, 3, 1, "申请人情况", &head)
        .map_err(err)?;
    s.write_string_with_format(2, 2, COLUMNS[0], &head)
        .map_err(err)?;
    s.merge_range(2, 3, 2, 7, "法人或其他组织", &head)
        .map_err(err)?;
    s.write_string_with_format(2, 8, COLUMNS[6], &head)
        .map_err(err)?;
    s.write_string_with_format(3, 2, "", &head).map_err(err)?;
    for (c, name) in COLUMNS[1..6].iter().enumerate() {
        s.write_string_with_format(3, c as u16 + 3, *name, &head)
            .map_err(err)?;
    }
    s.write_string_with_format(3, 8, "", &head).map_err(err)?;
    let mut row = 4u32;
    let results_at = r
        .requests
        .rows
        .iter()
        .position(|x| x.label == RESULT_ROWS[0].label())
        .unwrap_or(2);
    for (i, line) in r.requests.rows.iter().enumerate() {
        if i == results_at {
            s.merge_range(row, 0, row, 8, ROW_RESULTS, &cell)
                .map_err(err)?;
            row += 1;
        }
        let (a, b) = match line.label.split_once('/') {
            Some((group, item)) => (group.to_string(), item.to_string()),
            None => (line.label.clone(), String::new()),
        };
        if b.is_empty() {
            s.merge_range(row, 0, row, 1, &a, &cell).map_err(err)?;
        } else {
            s.write_string_with_format(row, 0, &a, &cell).map_err(err)?;
            s.write_string_with_format(row, 1, &b, &cell).map_err(err)?;
        }
        for (c, v) in line.values.iter().enumerate() {
            s.write_number_with_format(row, c as u16 + 2, *v as f64, &cell)
                .map_err(err)?;
        }
        row += 1;
    }

    let s = wb.add_worksheet();
    s.set_name("四、复议诉讼").map_err(err)?;
    s.write_string_with_format(0, 0, "四、政府信息公开行政复议、行政诉讼情况", &title)
        .map_err(err)?;
    for (c, (name, v)) in REVIEW_COLUMNS.iter().zip(&r.reviews).enumerate() {
        s.set_column_width(c as u16, 14).map_err(err)?;
        s.write_string_with_format(1, c as u16, *name, &head)
            .map_err(err)?;
        s.write_number_with_format(2, c as u16, *v as f64, &cell)
            .map_err(err)?;
    }
    s.write_string_with_format(4, 0, &r.reviews_note, &wrap)
        .map_err(err)?;

    wb.save_to_buffer().map_err(err)
}
