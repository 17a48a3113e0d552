//! The annual report on government information disclosure (政府信息公开工作年度报告), in the
//! format of 国办公开办函〔2021〕30号. Part 3 (收到和处理政府信息公开申请情况) is computed by
//! `request_table` from plain facts about requests, so whatever records requests (依申请公开 on
//! the workflow engine) feeds it with a `RequestFact` per request; the identity 本年新收 + 上年结转
//! = 办结总计 + 结转下年度 is checked by `check_identity` before a report is shown or published.
//! Part 2 (主动公开) is counted from the catalogue (`active_stats`); part 4 (行政复议、行政诉讼)
//! has no source on the platform yet and is zeros, said so.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{DisclosurePolicy, ItemState, ItemStatus, Openness, Validity};

/// The applicant columns of part 3, in the official order (then 总计).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApplicantType {
    #[serde(rename = "自然人")]
    NaturalPerson,
    #[serde(rename = "商业企业")]
    Commercial,
    #[serde(rename = "科研机构")]
    Research,
    #[serde(rename = "社会公益组织")]
    Welfare,
    #[serde(rename = "法律服务机构")]
    LegalService,
    #[serde(rename = "其他")]
    Other,
}

impl ApplicantType {
    pub const ALL: [ApplicantType; 6] = [
        ApplicantType::NaturalPerson,
        ApplicantType::Commercial,
        ApplicantType::Research,
        ApplicantType::Welfare,
        ApplicantType::LegalService,
        ApplicantType::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ApplicantType::NaturalPerson => "自然人",
            ApplicantType::Commercial => "商业企业",
            ApplicantType::Research => "科研机构",
            ApplicantType::Welfare => "社会公益组织",
            ApplicantType::LegalService => "法律服务机构",
            ApplicantType::Other => "其他",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.label() == s.trim())
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).expect("in ALL")
    }
}

/// The seven column names: the six applicant types and 总计.
pub const COLUMNS: [&str; 7] = [
    "自然人",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
    "总计",
];

/// 一、本年新收政府信息公开申请数量
pub const ROW_NEW: &str = "一、本年新收政府信息公开申请数量";
/// 二、上年结转政府信息公开申请数量
pub const ROW_CARRIED_IN: &str = "二、上年结转政府信息公开申请数量";
/// 三、本年度办理结果 (a heading: its lines are the result rows)
pub const ROW_RESULTS: &str = "三、本年度办理结果";
/// （七）总计
pub const ROW_TOTAL: &str = "（七）总计";
/// 四、结转下年度继续办理
pub const ROW_CARRIED_OUT: &str = "四、结转下年度继续办理";

/// A result row of part 3 (三、本年度办理结果), in the official wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResultRow {
    /// （一）予以公开 … （六）其他处理
    pub group: &'static str,
    /// The numbered sub-item (`1.属于国家秘密`), for subdivided groups.
    pub item: Option<&'static str>,
    /// The outcome as a decision names it: the sub-item without its number, or the group
    /// without its number and note (`予以公开`, `部分公开`, `属于国家秘密`).
    pub outcome: &'static str,
}

impl ResultRow {
    /// The label of the row in the report's JSON and spreadsheet:
    /// `（三）不予公开/1.属于国家秘密` for a sub-row, the group's text for a single row.
    pub fn label(&self) -> String {
        match self.item {
            Some(i) => format!("{}/{}", self.group, i),
            None => self.group.to_string(),
        }
    }
}

const fn single(group: &'static str, outcome: &'static str) -> ResultRow {
    ResultRow {
        group,
        item: None,
        outcome,
    }
}

const fn sub(group: &'static str, item: &'static str, outcome: &'static str) -> ResultRow {
    ResultRow {
        group,
        item: Some(item),
        outcome,
    }
}

const NOT_DISCLOSED: &str = "（三）不予公开";
const CANNOT_PROVIDE: &str = "（四）无法提供";
const NOT_PROCESSED: &str = "（五）不予处理";
const OTHER: &str = "（六）其他处理";

/// Every result row of 三、本年度办理结果 before （七）总计, exactly as the official table of
/// 国办公开办函〔2021〕30号 writes them.
pub const RESULT_ROWS: [ResultRow; 21] = [
    single("（一）予以公开", "予以公开"),
    single(
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "部分公开",
    ),
    sub(NOT_DISCLOSED, "1.属于国家秘密", "属于国家秘密"),
    sub(
        NOT_DISCLOSED,
        "2.其他法律行政法规禁止公开",
        "其他法律行政法规禁止公开",
    ),
    sub(NOT_DISCLOSED, "3.危及“三安全一稳定”", "危及“三安全一稳定”"),
    sub(NOT_DISCLOSED, "4.保护第三方合法权益", "保护第三方合法权益"),
    sub(
        NOT_DISCLOSED,
        "5.属于三类内部事务信息",
        "属于三类内部事务信息",
    ),
    sub(NOT_DISCLOSED, "6.属于四类过程性信息", "属于四类过程性信息"),
    sub(NOT_DISCLOSED, "7.属于行政执法案卷", "属于行政执法案卷"),
    sub(NOT_DISCLOSED, "8.属于行政查询事项", "属于行政查询事项"),
    sub(
        CANNOT_PROVIDE,
        "1.本机关不掌握相关政府信息",
        "本机关不掌握相关政府信息",
    ),
    sub(
        CANNOT_PROVIDE,
        "2.没有现成信息需要另行制作",
        "没有现成信息需要另行制作",
    ),
    sub(
        CANNOT_PROVIDE,
        "3.补正后申请内容仍不明确",
        "补正后申请内容仍不明确",
    ),
    sub(NOT_PROCESSED, "1.信访举报投诉类申请", "信访举报投诉类申请"),
    sub(NOT_PROCESSED, "2.重复申请", "重复申请"),
    sub(NOT_PROCESSED, "3.要求提供公开出版物", "要求提供公开出版物"),
    sub(
        NOT_PROCESSED,
        "4.无正当理由大量反复申请",
        "无正当理由大量反复申请",
    ),
    sub(
        NOT_PROCESSED,
        "5.要求行政机关确认或重新出具已获取信息",
        "要求行政机关确认或重新出具已获取信息",
    ),
    sub(
        OTHER,
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    sub(
        OTHER,
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    sub(OTHER, "3.其他", "其他"),
];

/// The result row an outcome names: its short name (`属于国家秘密`), its numbered sub-item
/// (`1.属于国家秘密`) or its full label (`（三）不予公开/1.属于国家秘密`). Quotation marks may be
/// straight or curly.
pub fn result_row(outcome: &str) -> Option<usize> {
    let o = outcome.trim().replace(['"', '“', '”'], "\"");
    let norm = |s: &str| s.replace(['"', '“', '”'], "\"");
    RESULT_ROWS.iter().position(|r| {
        norm(r.outcome) == o || r.item.is_some_and(|i| norm(i) == o) || norm(&r.label()) == o
    })
}

/// What part 3 needs to know about one request (依申请公开): who applied, when it was
/// received, and — once closed — the year it was closed and its result row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFact {
    pub applicant: ApplicantType,
    pub received_year: i32,
    /// `None` while the request is open.
    #[serde(default)]
    pub closed_year: Option<i32>,
    /// The result row (see `result_row`), given exactly when `closed_year` is.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// One row of a table: its label and seven values (six applicant types and 总计).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRow {
    pub label: String,
    pub values: [u64; 7],
}

/// Part 3 as the API answers it: `{"year", "columns", "rows": [{"label", "values"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestTable {
    pub year: i32,
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// Why a table cannot be computed or published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("第 {index} 项申请：{message}")]
    BadFact { index: usize, message: String },
    #[error(
        "勾稽关系不成立（{column}）：本年新收 {new} + 上年结转 {carried_in} ≠ 办结总计 {total} + 结转下年度 {carried_out}"
    )]
    Identity {
        column: String,
        new: u64,
        carried_in: u64,
        total: u64,
        carried_out: u64,
    },
    #[error("“{0}”列不等于各类申请人之和")]
    ColumnSum(String),
    #[error("表格缺少“{0}”行")]
    MissingRow(&'static str),
}

/// Computes part 3 for `year`:
/// - 本年新收: received in `year`;
/// - 上年结转: received before `year` and not closed before it;
/// - each result row: closed in `year` with that result; （七）总计 their sum;
/// - 结转下年度: received in or before `year` and not closed by its end.
///
/// Facts about requests received after `year` are ignored. A fact closed before it was
/// received, closed without a result or with a result the table does not have, is refused.
pub fn request_table(year: i32, facts: &[RequestFact]) -> Result<RequestTable, ReportError> {
    let n = RESULT_ROWS.len();
    let mut new = [0u64; 7];
    let mut carried_in = [0u64; 7];
    let mut results = vec![[0u64; 7]; n];
    let mut carried_out = [0u64; 7];
    for (i, f) in facts.iter().enumerate() {
        let bad = |message: String| ReportError::BadFact {
            index: i + 1,
            message,
        };
        let row = match (&f.closed_year, &f.outcome) {
            (Some(c), Some(o)) => {
                if *c < f.received_year {
                    return Err(bad(format!(
                        "办结年度 {c} 早于收到年度 {}",
                        f.received_year
                    )));
                }
                Some(
                    result_row(o)
                        .ok_or_else(|| bad(format!("办理结果“{o}”不是年度报告表中的一行")))?,
                )
            }
            (None, None) => None,
            (Some(_), None) => return Err(bad("已办结但没有办理结果".into())),
            (None, Some(_)) => return Err(bad("有办理结果但没有办结年度".into())),
        };
        if f.received_year > year {
            continue;
        }
        let col = f.applicant.index();
        let closed_before = f.closed_year.is_some_and(|c| c < year);
        if closed_before {
            continue;
        }
        if f.received_year == year {
            new[col] += 1;
        } else {
            carried_in[col] += 1;
        }
        match (f.closed_year, row) {
            (Some(c), Some(r)) if c == year => results[r][col] += 1,
            _ => carried_out[col] += 1,
        }
    }
    let with_total = |mut v: [u64; 7]| {
        v[6] = v[..6].iter().sum();
        v
    };
    let mut total = [0u64; 7];
    for r in &results {
        for (t, x) in total.iter_mut().zip(r.iter()) {
            *t += x;
        }
    }
    let mut rows = vec![
        TableRow {
            label: ROW_NEW.into(),
            values: with_total(new),
        },
        TableRow {
            label: ROW_CARRIED_IN.into(),
            values: with_total(carried_in),
        },
    ];
    for (def, v) in RESULT_ROWS.iter().zip(results) {
        rows.push(TableRow {
            label: def.label(),
            values: with_total(v),
        });
    }
    rows.push(TableRow {
        label: ROW_TOTAL.into(),
        values: with_total(total),
    });
    rows.push(TableRow {
        label: ROW_CARRIED_OUT.into(),
        values: with_total(carried_out),
    });
    let table = RequestTable {
        year,
        columns: COLUMNS.iter().map(|c| c.to_string()).collect(),
        rows,
    };
    check_identity(&table)?;
    Ok(table)
}

impl RequestTable {
    pub fn row(&self, label: &str) -> Option<&TableRow> {
        self.rows.iter().find(|r| r.label == label)
    }

    /// The values of the result row an outcome names.
    pub fn result(&self, outcome: &str) -> Option<&[u64; 7]> {
        let r = RESULT_ROWS.get(result_row(outcome)?)?;
        self.row(&r.label()).map(|r| &r.values)
    }
}

/// The table's own arithmetic, checked before it is shown or published: in every column,
/// 本年新收 + 上年结转 = （七）总计 + 结转下年度, （七）总计 is the sum of the result rows, and 总计
/// is the sum of the six applicant columns.
pub fn check_identity(t: &RequestTable) -> Result<(), ReportError> {
    let get = |l: &'static str| t.row(l).ok_or(ReportError::MissingRow(l));
    let (new, cin, total, cout) = (
        get(ROW_NEW)?,
        get(ROW_CARRIED_IN)?,
        get(ROW_TOTAL)?,
        get(ROW_CARRIED_OUT)?,
    );
    for r in &t.rows {
        if r.values[6] != r.values[..6].iter().sum::<u64>() {
            return Err(ReportError::ColumnSum(r.label.clone()));
        }
    }
    for (c, column) in COLUMNS.iter().enumerate() {
        let sum: u64 = RESULT_ROWS
            .iter()
            .filter_map(|d| t.row(&d.label()))
            .map(|r| r.values[c])
            .sum();
        if sum != total.values[c] {
            return Err(ReportError::ColumnSum(ROW_TOTAL.into()));
        }
        if new.values[c] + cin.values[c] != total.values[c] + cout.values[c] {
            return Err(ReportError::Identity {
                column: (*column).into(),
                new: new.values[c],
                carried_in: cin.values[c],
                total: total.values[c],
                carried_out: cout.values[c],
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Part 2: 主动公开政府信息情况

/// 第二十条第（一）项: 本年制发件数, 本年废止件数, 现行有效件数.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentCounts {
    pub label: String,
    pub issued: u64,
    pub repealed: u64,
    pub in_force: u64,
}

/// Items published in the year, per category of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: String,
    pub column: String,
    pub count: u64,
}

/// 第二十条第（五）（六）（八）项: a count or an amount, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionCount {
    pub label: String,
    pub value: u64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveStats {
    /// 规章, 行政规范性文件.
    pub documents: Vec<DocumentCounts>,
    /// 行政许可 (本年处理决定数量), 行政处罚, 行政强制, 行政事业性收费 (万元).
    pub decisions: Vec<DecisionCount>,
    /// The catalogue: items actively published in the year, per column.
    pub by_column: Vec<CategoryCount>,
    pub total_published: u64,
}

/// Part 2 from the catalogue: 规范性文件 issued (published in the year), repealed or declared
/// invalid in the year (清理 decisions), in force at the year's end; the catalogue's
/// publications per column. 规章: a transport bureau makes none (zeros). The decision counts
/// are given by the caller (the 双公示 records), with their notes.
pub fn active_stats(
    policy: &DisclosurePolicy,
    items: &[ItemState],
    year: i32,
    decisions: Vec<DecisionCount>,
) -> ActiveStats {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).expect("a valid year");
    let in_year = |d: NaiveDate| d.year() == year;
    let normative_cols: Vec<&str> = policy
        .categories
        .iter()
        .flat_map(|c| c.columns.iter())
        .filter(|c| c.normative)
        .map(|c| c.id.as_str())
        .collect();
    let mut docs = DocumentCounts {
        label: "行政规范性文件".into(),
        ..DocumentCounts::default()
    };
    for s in items.iter().filter(|s| {
        s.status == ItemStatus::Published && normative_cols.contains(&s.item.column.as_str())
    }) {
        let published = s.published_on.expect("published items have a day");
        if in_year(published) {
            docs.issued += 1;
        }
        let ended = s
            .cleanups
            .iter()
            .find(|c| c.validity != Validity::Valid)
            .map(|c| c.on);
        if ended.is_some_and(in_year) {
            docs.repealed += 1;
        }
        if published <= end && ended.is_none_or(|e| e > end) {
            docs.in_force += 1;
        }
    }
    let mut by_column = Vec::new();
    let mut total = 0;
    for c in &policy.categories {
        for col in &c.columns {
            let count = items
                .iter()
                .filter(|s| {
                    s.item.column == col.id
                        && s.status == ItemStatus::Published
                        && s.item.openness == Openness::Active
                        && s.published_on.is_some_and(in_year)
                })
                .count() as u64;
            total += count;
            by_column.push(CategoryCount {
                category: c.label.clone(),
                column: col.label.clone(),
                count,
            });
        }
    }
    ActiveStats {
        documents: vec![
            DocumentCounts {
                label: "规章".into(),
                ..DocumentCounts::default()
            },
            docs,
        ],
        decisions,
        by_column,
        total_published: total,
    }
}

// ---------------------------------------------------------------------------------------------
// Part 4: 政府信息公开行政复议、行政诉讼情况

/// The columns of part 4: 行政复议 (5), 行政诉讼 未经复议直接起诉 (5), 复议后起诉 (5).
pub const REVIEW_COLUMNS: [&str; 15] = [
    "行政复议/结果维持",
    "行政复议/结果纠正",
    "行政复议/其他结果",
    "行政复议/尚未审结",
    "行政复议/总计",
    "行政诉讼/未经复议直接起诉/结果维持",
    "行政诉讼/未经复议直接起诉/结果纠正",
    "行政诉讼/未经复议直接起诉/其他结果",
    "行政诉讼/未经复议直接起诉/尚未审结",
    "行政诉讼/未经复议直接起诉/总计",
    "行政诉讼/复议后起诉/结果维持",
    "行政诉讼/复议后起诉/结果纠正",
    "行政诉讼/复议后起诉/其他结果",
    "行政诉讼/复议后起诉/尚未审结",
    "行政诉讼/复议后起诉/总计",
];

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnualReport {
    pub year: i32,
    /// The reporting body.
    pub unit: String,
    /// 一、总体情况
    pub overview: String,
    /// 二、主动公开政府信息情况
    pub active: ActiveStats,
    /// 三、收到和处理政府信息公开申请情况
    pub requests: RequestTable,
    /// 四、政府信息公开行政复议、行政诉讼情况 (values in `REVIEW_COLUMNS` order)
    pub reviews: Vec<u64>,
    pub reviews_note: String,
    /// 五、存在的主要问题及改进情况
    pub problems: String,
    /// 六、其他需要报告的事项
    pub other: String,
}

/// The aggregate id of a year's published report.
pub fn report_id(year: i32) -> String {
    format!("disclosure-report-{year}")
}

/// A published report: the report as published, who published it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedReport {
    pub report: AnnualReport,
    pub by: String,
    pub on: NaiveDate,
}

/// Assembles the report; part 3's identity is checked again (a report is never built around a
/// table that does not add up).
pub fn annual_report(
    unit: &str,
    active: ActiveStats,
    requests: RequestTable,
    on_time: Option<f64>,
) -> Result<AnnualReport, ReportError> {
    check_identity(&requests)?;
    let year = requests.year;
    let new = requests.row(ROW_NEW).map(|r| r.values[6]).unwrap_or(0);
    let closed = requests.row(ROW_TOTAL).map(|r| r.values[6]).unwrap_or(0);
    let rate = on_time
        .map(|r| format!("有公开时限要求的信息按期公开率为 {:.1}%", r * 100.0))
        .unwrap_or_else(|| "本年度没有到期的有公开时限要求的信息".into());
    Ok(AnnualReport {
        year,
        unit: unit.to_string(),
        overview: format!(
            "{year}年，{unit}坚持以公开为常态、不公开为例外，推进决策、执行、管理、服务、结果公开。\
             全年通过门户网站主动公开政府信息 {} 条，每条均经局办公室保密审查、签字确认后公开；{rate}。\
             本年新收政府信息公开申请 {new} 件，办结 {closed} 件。",
            active.total_published
        ),
        active,
        requests,
        reviews: vec![0; REVIEW_COLUMNS.len()],
        reviews_note: "平台尚未记录政府信息公开行政复议、行政诉讼案件，本部分数据为 0（如有案件，应据实填报）。"
            .into(),
        problems: "（由局办公室根据本年度工作情况填写。）".into(),
        other: "本年度未收取信息处理费。".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_names_one_row() {
        for (i, r) in RESULT_ROWS.iter().enumerate() {
            assert_eq!(result_row(r.outcome), Some(i), "{}", r.outcome);
            assert_eq!(result_row(&r.label()), Some(i));
        }
        assert_eq!(result_row("危及\"三安全一稳定\""), Some(4));
        assert_eq!(
            result_row("不予公开"),
            None,
            "a group with sub-rows is not a row"
        );
    }
}
