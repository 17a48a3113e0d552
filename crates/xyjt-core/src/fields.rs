//! The national 双公示 field layouts (RULES.md §3), header matching, and the names a caller may
//! give a field: the internal key of a record body (`fine`, `party.name`), the national code
//! (`CF_NR_FK`, with or without its prefix) or the Chinese label (`罚款金额（万元）`, `罚款金额`).
//! The one source of truth for field names: the importer and the export read it for their
//! columns, objections and corrections for the fields they name, errors for the Chinese label.
//!
//! A [`Field`] is one column of the layout. Party and shared columns (行政相对人名称, 文书号, 决定日期,
//! 机关, 数据来源单位, 备注 …) are one variant used by both categories; the code, the Chinese label,
//! whether it is required and the length limit depend on the [`RecordCategory`].
//!
//! Length limits, in characters (the national layout gives none binding; these are generous
//! bounds that stop pasted documents and broken exports, not real data):
//!
//! | kind of column                                         | limit |
//! |--------------------------------------------------------|-------|
//! | names (相对人, 机关, 单位, 文书名称, 证书名称)               | 200   |
//! | 法定代表人                                               | 100   |
//! | identifiers and codes (USCC, 注册号, 证件号码, 机关代码 …)   | 64    |
//! | 类别, 证件类型, 当前状态                                   | 32    |
//! | 文书号, 许可编号                                          | 128   |
//! | dates                                                  | 32    |
//! | amounts                                                | 32    |
//! | 违法行为类型, 处罚类别 (several kinds)                      | 500   |
//! | 违法事实, 处罚依据, 处罚内容, 许可内容                       | 4000  |
//! | 暂扣或吊销证照名称及编号, 备注                               | 1000  |

use crate::record::RecordCategory;

/// One column of the national 双公示 layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    // --- party (行政相对人), both categories -----------------------------------------------------
    /// 行政相对人名称 (XDR_MC)
    PartyName,
    /// 行政相对人类别 (XDR_LB)
    PartyCategory,
    /// 统一社会信用代码 (XDR_SHXYM)
    PartyUscc,
    /// 工商注册号 (XDR_GSZC)
    PartyRegNo,
    /// 组织机构代码 (XDR_ZZJG)
    PartyOrgCode,
    /// 税务登记号 (XDR_SWDJ)
    PartyTaxRegNo,
    /// 事业单位证书号 (XDR_SYDW)
    PartyInstitutionCertNo,
    /// 社会组织登记证号 (XDR_SHZZ)
    PartySocialOrgCertNo,
    /// 法定代表人 (FRDB)
    LegalRep,
    /// 法定代表人证件类型 (FR_ZJLX)
    LegalRepIdType,
    /// 法定代表人证件号码 (FR_ZJHM)
    LegalRepIdNo,
    /// 证件类型 (XDR_ZJLX), natural persons
    PartyIdType,
    /// 证件号码 (XDR_ZJHM), natural persons
    PartyIdNo,
    // --- shared by both categories -------------------------------------------------------------
    /// 行政处罚决定书文号 (CF_WSH) / 行政许可决定文书号 (XK_WSH)
    DocNo,
    /// 处罚内容 (CF_NR) / 许可内容 (XK_NR)
    Content,
    /// 处罚决定日期 (CF_JDRQ) / 许可决定日期 (XK_JDRQ)
    DecisionDate,
    /// 处罚机关 (CF_CFJG) / 许可机关 (XK_XKJG)
    Authority,
    /// 处罚机关统一社会信用代码 (CF_CFJGDM) / 许可机关统一社会信用代码 (XK_XKJGDM)
    AuthorityCode,
    /// 数据来源单位 (CF_SJLY / XK_LYDW)
    SourceUnit,
    /// 数据来源单位统一社会信用代码 (CF_SJLYDM / XK_LYDWDM)
    SourceUnitCode,
    /// 备注 (BZ)
    Remark,
    // --- penalty only --------------------------------------------------------------------------
    /// 违法行为类型 (CF_WFXW)
    ViolationType,
    /// 违法事实 (CF_SY)
    Facts,
    /// 处罚依据 (CF_YJ)
    Basis,
    /// 处罚类别 (CF_CFLB), one or more
    PenaltyKinds,
    /// 罚款金额（万元） (CF_NR_FK)
    Fine,
    /// 没收违法所得、没收非法财物的金额（万元） (CF_NR_WFFF)
    Confiscated,
    /// 暂扣或吊销证照名称及编号 (CF_NR_ZKDX)
    LicenceAffected,
    /// 处罚有效期 (CF_YXQ)
    ValidUntil,
    /// 公示截止期 (CF_GSJZQ)
    PublicityUntil,
    // --- licence only --------------------------------------------------------------------------
    /// 行政许可决定文书名称 (XK_XKWS)
    DocName,
    /// 许可类别 (XK_XKLB)
    LicenceKind,
    /// 许可证书名称 (XK_XKZS)
    CertName,
    /// 许可编号 (XK_XKBH)
    LicenceNo,
    /// 有效期自 (XK_YXQZ)
    ValidFrom,
    /// 有效期至 (XK_YXQZI); 2099-12-31 means 长期
    ValidTo,
    /// 当前状态 (XK_ZT)
    Status,
}

/// The description of one column in one category's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub field: Field,
    /// The national code with its prefix, e.g. `CF_XDR_MC`, `XK_XKWS`, `BZ`.
    pub code: &'static str,
    /// The Chinese header label.
    pub label: &'static str,
    /// Whether the layout requires a value (`*`).
    pub required: bool,
    /// Maximum length in characters.
    pub max_chars: usize,
    /// Other header texts seen in bureau files (matched after the same normalisation).
    pub aliases: &'static [&'static str],
}

const fn spec(
    field: Field,
    code: &'static str,
    label: &'static str,
    required: bool,
    max_chars: usize,
    aliases: &'static [&'static str],
) -> FieldSpec {
    FieldSpec {
        field,
        code,
        label,
        required,
        max_chars,
        aliases,
    }
}

const NAME: usize = 200;
const PERSON: usize = 100;
const CODE: usize = 64;
const SHORT: usize = 32;
const DOC_NO: usize = 128;
const DATE: usize = 32;
const AMOUNT: usize = 32;
const MEDIUM: usize = 500;
const LONG: usize = 4000;
const NOTE: usize = 1000;

/// Party columns: the same labels and rules in both layouts, only the prefix differs.
macro_rules! party_specs {
    ($p:literal) => {
        [
            spec(
                Field::PartyName,
                concat!($p, "XDR_MC"),
                "行政相对人名称",
                true,
                NAME,
                &["相对人名称", "当事人名称", "当事人"],
            ),
            spec(
                Field::PartyCategory,
                concat!($p, "XDR_LB"),
                "行政相对人类别",
                true,
                SHORT,
                &["相对人类别", "当事人类别"],
            ),
            spec(
                Field::PartyUscc,
                concat!($p, "XDR_SHXYM"),
                "统一社会信用代码",
                false,
                CODE,
                &[
                    "行政相对人代码_1(统一社会信用代码)",
                    "行政相对人代码_1",
                    "行政相对人统一社会信用代码",
                ],
            ),
            spec(
                Field::PartyRegNo,
                concat!($p, "XDR_GSZC"),
                "工商注册号",
                false,
                CODE,
                &["行政相对人代码_2(工商注册号)", "行政相对人代码_2"],
            ),
            spec(
                Field::PartyOrgCode,
                concat!($p, "XDR_ZZJG"),
                "组织机构代码",
                false,
                CODE,
                &["行政相对人代码_3(组织机构代码)", "行政相对人代码_3"],
            ),
            spec(
                Field::PartyTaxRegNo,
                concat!($p, "XDR_SWDJ"),
                "税务登记号",
                false,
                CODE,
                &["行政相对人代码_4(税务登记号)", "行政相对人代码_4"],
            ),
            spec(
                Field::PartyInstitutionCertNo,
                concat!($p, "XDR_SYDW"),
                "事业单位证书号",
                false,
                CODE,
                &["行政相对人代码_5(事业单位证书号)", "行政相对人代码_5"],
            ),
            spec(
                Field::PartySocialOrgCertNo,
                concat!($p, "XDR_SHZZ"),
                "社会组织登记证号",
                false,
                CODE,
                &["行政相对人代码_6(社会组织登记证号)", "行政相对人代码_6"],
            ),
            spec(
                Field::LegalRep,
                concat!($p, "FRDB"),
                "法定代表人",
                false,
                PERSON,
                &["法定代表人姓名", "法定代表人(负责人)"],
            ),
            spec(
                Field::LegalRepIdType,
                concat!($p, "FR_ZJLX"),
                "法定代表人证件类型",
                false,
                SHORT,
                &[],
            ),
            spec(
                Field::LegalRepIdNo,
                concat!($p, "FR_ZJHM"),
                "法定代表人证件号码",
                false,
                CODE,
                &["法定代表人身份证号码", "法定代表人身份证号"],
            ),
            spec(
                Field::PartyIdType,
                concat!($p, "XDR_ZJLX"),
                "证件类型",
                false,
                SHORT,
                &["行政相对人证件类型"],
            ),
            spec(
                Field::PartyIdNo,
                concat!($p, "XDR_ZJHM"),
                "证件号码",
                false,
                CODE,
                &["行政相对人证件号码"],
            ),
        ]
    };
}

const PENALTY_PARTY: [FieldSpec; 13] = party_specs!("CF_");
const LICENSE_PARTY: [FieldSpec; 13] = party_specs!("XK_");

const PENALTY_REST: [FieldSpec; 17] = [
    spec(
        Field::DocNo,
        "CF_WSH",
        "行政处罚决定书文号",
        true,
        DOC_NO,
        &["决定书文号", "处罚决定书文号", "行政处罚决定文书号"],
    ),
    spec(
        Field::ViolationType,
        "CF_WFXW",
        "违法行为类型",
        true,
        MEDIUM,
        &[],
    ),
    spec(
        Field::Facts,
        "CF_SY",
        "违法事实",
        true,
        LONG,
        &["主要违法事实"],
    ),
    spec(Field::Basis, "CF_YJ", "处罚依据", true, LONG, &[]),
    spec(
        Field::PenaltyKinds,
        "CF_CFLB",
        "处罚类别",
        true,
        MEDIUM,
        &[],
    ),
    spec(Field::Content, "CF_NR", "处罚内容", true, LONG, &[]),
    spec(
        Field::Fine,
        "CF_NR_FK",
        "罚款金额（万元）",
        false,
        AMOUNT,
        &["罚款金额"],
    ),
    spec(
        Field::Confiscated,
        "CF_NR_WFFF",
        "没收违法所得、没收非法财物的金额（万元）",
        false,
        AMOUNT,
        &[
            "没收违法所得、没收非法财物的金额",
            "没收违法所得没收非法财物的金额(万元)",
            "没收金额(万元)",
            "没收金额",
        ],
    ),
    spec(
        Field::LicenceAffected,
        "CF_NR_ZKDX",
        "暂扣或吊销证照名称及编号",
        false,
        NOTE,
        &[],
    ),
    spec(
        Field::DecisionDate,
        "CF_JDRQ",
        "处罚决定日期",
        true,
        DATE,
        &["决定日期"],
    ),
    spec(Field::ValidUntil, "CF_YXQ", "处罚有效期", true, DATE, &[]),
    spec(
        Field::PublicityUntil,
        "CF_GSJZQ",
        "公示截止期",
        false,
        DATE,
        &["公示截止日期"],
    ),
    spec(Field::Authority, "CF_CFJG", "处罚机关", true, NAME, &[]),
    spec(
        Field::AuthorityCode,
        "CF_CFJGDM",
        "处罚机关统一社会信用代码",
        true,
        CODE,
        &[],
    ),
    spec(
        Field::SourceUnit,
        "CF_SJLY",
        "数据来源单位",
        true,
        NAME,
        &[],
    ),
    spec(
        Field::SourceUnitCode,
        "CF_SJLYDM",
        "数据来源单位统一社会信用代码",
        true,
        CODE,
        &[],
    ),
    spec(Field::Remark, "BZ", "备注", false, NOTE, &[]),
];

const LICENSE_REST: [FieldSpec; 15] = [
    spec(
        Field::DocName,
        "XK_XKWS",
        "行政许可决定文书名称",
        true,
        NAME,
        &["许可决定文书名称"],
    ),
    spec(
        Field::DocNo,
        "XK_WSH",
        "行政许可决定文书号",
        true,
        DOC_NO,
        &["许可决定文书号", "行政许可决定书文号", "文书号"],
    ),
    spec(Field::LicenceKind, "XK_XKLB", "许可类别", true, SHORT, &[]),
    spec(Field::CertName, "XK_XKZS", "许可证书名称", false, NAME, &[]),
    spec(Field::LicenceNo, "XK_XKBH", "许可编号", false, DOC_NO, &[]),
    spec(Field::Content, "XK_NR", "许可内容", false, LONG, &[]),
    spec(
        Field::DecisionDate,
        "XK_JDRQ",
        "许可决定日期",
        true,
        DATE,
        &["决定日期"],
    ),
    spec(Field::ValidFrom, "XK_YXQZ", "有效期自", true, DATE, &[]),
    spec(Field::ValidTo, "XK_YXQZI", "有效期至", true, DATE, &[]),
    spec(Field::Authority, "XK_XKJG", "许可机关", true, NAME, &[]),
    spec(
        Field::AuthorityCode,
        "XK_XKJGDM",
        "许可机关统一社会信用代码",
        true,
        CODE,
        &[],
    ),
    spec(Field::Status, "XK_ZT", "当前状态", false, SHORT, &[]),
    spec(
        Field::SourceUnit,
        "XK_LYDW",
        "数据来源单位",
        true,
        NAME,
        &[],
    ),
    spec(
        Field::SourceUnitCode,
        "XK_LYDWDM",
        "数据来源单位统一社会信用代码",
        true,
        CODE,
        &[],
    ),
    spec(Field::Remark, "BZ", "备注", false, NOTE, &[]),
];

const fn concat_specs<const N: usize>(a: &[FieldSpec], b: &[FieldSpec]) -> [FieldSpec; N] {
    let mut out = [a[0]; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[a.len() + j] = b[j];
        j += 1;
    }
    out
}

static PENALTY_SPECS: [FieldSpec; 30] = concat_specs(&PENALTY_PARTY, &PENALTY_REST);
static LICENSE_SPECS: [FieldSpec; 28] = concat_specs(&LICENSE_PARTY, &LICENSE_REST);

/// Every column of a category's layout, in national order.
pub fn specs(category: RecordCategory) -> &'static [FieldSpec] {
    match category {
        RecordCategory::Penalty => &PENALTY_SPECS,
        RecordCategory::License => &LICENSE_SPECS,
    }
}

/// The description of `field` in `category`'s layout, or `None` when the layout lacks it
/// (e.g. [`Field::Fine`] for licences).
pub fn spec_of(category: RecordCategory, field: Field) -> Option<&'static FieldSpec> {
    specs(category).iter().find(|s| s.field == field)
}

impl Field {
    /// The fields of a category's layout, in national order.
    pub fn fields(category: RecordCategory) -> Vec<Field> {
        specs(category).iter().map(|s| s.field).collect()
    }

    /// Whether the field is a column of `category`'s layout.
    pub fn applies_to(self, category: RecordCategory) -> bool {
        spec_of(category, self).is_some()
    }

    /// The category-specific columns belong to one layout only; shared ones to both.
    fn own_spec(self, category: RecordCategory) -> &'static FieldSpec {
        spec_of(category, self)
            .or_else(|| spec_of(RecordCategory::Penalty, self))
            .or_else(|| spec_of(RecordCategory::License, self))
            .expect("every field belongs to at least one layout")
    }

    /// The national code with prefix (`CF_XDR_MC`, `XK_XKWS`, `BZ`). For a field that is not
    /// in `category`'s layout, the code of the layout it belongs to.
    pub fn code(self, category: RecordCategory) -> &'static str {
        self.own_spec(category).code
    }

    /// The Chinese header label (e.g. 行政相对人名称, 处罚决定日期, 有效期至).
    pub fn label(self, category: RecordCategory) -> &'static str {
        self.own_spec(category).label
    }

    /// Whether `category`'s layout requires a value. Fields outside the layout are not required.
    ///
    /// `XK_WSH` is required, but a licence without a 文书号 may give its 许可编号 instead.
    pub fn required(self, category: RecordCategory) -> bool {
        spec_of(category, self).is_some_and(|s| s.required)
    }

    /// Maximum length in characters (see the module table).
    pub fn max_chars(self, category: RecordCategory) -> usize {
        self.own_spec(category).max_chars
    }
}

/// Normalises a header text for matching: full-width ASCII folded, whitespace and invisible
/// characters removed, ASCII upper-cased, `【】[]〔〕` turned into `()`, and required markers
/// (a leading or trailing `*`, a trailing `(必填)`) stripped.
fn normalize_header(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' | '[' => '(',
            '】' | '〕' | ']' => ')',
            _ => c,
        })
        .filter(|c| {
            !(c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'))
        })
        .map(|c| c.to_ascii_uppercase())
        .collect();
    loop {
        let before = s.len();
        s = s.trim_matches('*').to_string();
        for marker in ["(必填)", "(必填项)", "(选填)", "(非必填)"] {
            if let Some(rest) = s.strip_suffix(marker) {
                s = rest.to_string();
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

fn strip_brackets(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, '(' | ')')).collect()
}

/// Matches one normalised candidate against the layout: codes with or without prefix, labels
/// and aliases (brackets ignored).
fn match_candidate(category: RecordCategory, candidate: &str) -> Option<Field> {
    if candidate.is_empty() {
        return None;
    }
    let bare = strip_brackets(candidate);
    specs(category).iter().find_map(|s| {
        let unprefixed = s
            .code
            .strip_prefix("CF_")
            .or_else(|| s.code.strip_prefix("XK_"))
            .unwrap_or(s.code);
        let hit = candidate == s.code
            || candidate == unprefixed
            || bare == strip_brackets(&normalize_header(s.label))
            || s.aliases
                .iter()
                .any(|a| bare == strip_brackets(&normalize_header(a)));
        hit.then_some(s.field)
    })
}

/// The field a header text names in `category`'s layout.
///
/// Matches the code (case-insensitive, trimmed, with or without the `CF_`/`XK_` prefix) or the
/// Chinese label, ignoring spaces, the difference between full- and half-width brackets, a
/// `*` required marker and a trailing `（必填）`. Labels with a trailing bracket such as
/// `行政相对人代码_1(统一社会信用代码)` or `法定代表人(负责人)` are tried whole first, then by the text
/// inside the bracket, then by the text before it.
pub fn header_field(category: RecordCategory, header_text: &str) -> Option<Field> {
    let n = normalize_header(header_text);
    if let Some(f) = match_candidate(category, &n) {
        return Some(f);
    }
    // `A(B)`: try B, then A.
    if let Some(inner) = n.strip_suffix(')')
        && let Some(open) = inner.rfind('(')
    {
        let before = &inner[..open];
        let within = &inner[open + 1..];
        return match_candidate(category, within).or_else(|| match_candidate(category, before));
    }
    None
}

impl Field {
    /// The field's key in a record body as stored and served (`fine`, `doc_no`, `kinds`); party
    /// columns are under `party` (`party.name`, `party.uscc`). What the ledger, corrections and
    /// the API's JSON use.
    pub fn key(self) -> &'static str {
        match self {
            Field::PartyName => "party.name",
            Field::PartyCategory => "party.category",
            Field::PartyUscc => "party.uscc",
            Field::PartyRegNo => "party.reg_no",
            Field::PartyOrgCode => "party.org_code",
            Field::PartyTaxRegNo => "party.tax_reg_no",
            Field::PartyInstitutionCertNo => "party.institution_cert_no",
            Field::PartySocialOrgCertNo => "party.social_org_cert_no",
            Field::LegalRep => "party.legal_rep",
            Field::LegalRepIdType => "party.legal_rep_id_type",
            Field::LegalRepIdNo => "party.legal_rep_id_no",
            Field::PartyIdType => "party.id_type",
            Field::PartyIdNo => "party.id_no",
            Field::DocNo => "doc_no",
            Field::Content => "content",
            Field::DecisionDate => "decision_date",
            Field::Authority => "authority",
            Field::AuthorityCode => "authority_code",
            Field::SourceUnit => "source_unit",
            Field::SourceUnitCode => "source_unit_code",
            Field::Remark => "remark",
            Field::ViolationType => "violation_type",
            Field::Facts => "facts",
            Field::Basis => "basis",
            Field::PenaltyKinds => "kinds",
            Field::Fine => "fine",
            Field::Confiscated => "confiscated",
            Field::LicenceAffected => "licence_affected",
            Field::ValidUntil => "valid_until",
            Field::PublicityUntil => "publicity_until",
            Field::DocName => "doc_name",
            Field::LicenceKind => "kind",
            Field::CertName => "cert_name",
            Field::LicenceNo => "licence_no",
            Field::ValidFrom => "valid_from",
            Field::ValidTo => "valid_to",
            Field::Status => "status",
        }
    }

    /// The field named `name` in `category`'s layout: its internal key (`fine`, `party.name`,
    /// or a party key without `party.`: `uscc`), its national code (`CF_NR_FK`, `NR_FK`, any
    /// case) or its Chinese label or a known alias (`罚款金额（万元）`, `罚款金额`).
    pub fn named(category: RecordCategory, name: &str) -> Result<Field, FieldNameError> {
        let trimmed = name.trim();
        let by_key = |c: RecordCategory| {
            specs(c).iter().map(|s| s.field).find(|f| {
                // `category` alone is the record's category, never the party's.
                f.key() == trimmed
                    || (trimmed != "category" && f.key().strip_prefix("party.") == Some(trimmed))
            })
        };
        if let Some(f) = by_key(category).or_else(|| header_field(category, trimmed)) {
            return Ok(f);
        }
        let other = match category {
            RecordCategory::Penalty => RecordCategory::License,
            RecordCategory::License => RecordCategory::Penalty,
        };
        match by_key(other).or_else(|| header_field(other, trimmed)) {
            Some(field) => Err(FieldNameError::OtherCategory {
                category,
                field,
                label: field.label(other),
                code: field.code(other),
            }),
            None => Err(FieldNameError::Unknown {
                category,
                name: trimmed.to_string(),
            }),
        }
    }
}

/// A name that is no field of a record's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldNameError {
    /// Neither a key, a code nor a label of either layout.
    Unknown {
        category: RecordCategory,
        name: String,
    },
    /// A field of the other layout (a 许可编号 named on a penalty).
    OtherCategory {
        category: RecordCategory,
        field: Field,
        label: &'static str,
        code: &'static str,
    },
}

fn category_label(c: RecordCategory) -> &'static str {
    match c {
        RecordCategory::Penalty => "行政处罚",
        RecordCategory::License => "行政许可",
    }
}

impl std::fmt::Display for FieldNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldNameError::Unknown { category, name } => {
                let example = match category {
                    RecordCategory::Penalty => "CF_NR_FK、罚款金额或 fine",
                    RecordCategory::License => "XK_XKBH、许可编号或 licence_no",
                };
                write!(
                    f,
                    "{}信息中没有字段“{name}”：字段可写国家标准代码、中文名称或内部名称，如 {example}",
                    category_label(*category)
                )
            }
            FieldNameError::OtherCategory {
                category,
                label,
                code,
                ..
            } => write!(
                f,
                "“{label}”（{code}）不是{}信息的字段",
                category_label(*category)
            ),
        }
    }
}

impl std::error::Error for FieldNameError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_cover_both_layouts_in_order() {
        let p = specs(RecordCategory::Penalty);
        assert_eq!(p.len(), 30);
        assert_eq!(p[0].code, "CF_XDR_MC");
        assert_eq!(p[13].code, "CF_WSH");
        assert_eq!(p[29].code, "BZ");
        let l = specs(RecordCategory::License);
        assert_eq!(l.len(), 28);
        assert_eq!(l[13].code, "XK_XKWS");
        assert_eq!(l[27].code, "BZ");
        for s in p.iter().chain(l) {
            assert_eq!(
                header_field(RecordCategory::Penalty, s.code).is_some(),
                s.code.starts_with("CF_") || s.code == "BZ"
            );
        }
    }

    #[test]
    fn normalisation_strips_markers() {
        assert_eq!(
            normalize_header(" *罚款金额（万元）（必填） "),
            "罚款金额(万元)"
        );
        assert_eq!(normalize_header("ｃｆ＿ｘｄｒ＿ｍｃ"), "CF_XDR_MC");
    }

    #[test]
    fn a_field_is_named_by_key_code_or_chinese_label() {
        use RecordCategory::*;
        for name in [
            "fine",
            "CF_NR_FK",
            "cf_nr_fk",
            "NR_FK",
            "罚款金额",
            "罚款金额（万元）",
            " 罚款金额(万元) ",
        ] {
            assert_eq!(Field::named(Penalty, name), Ok(Field::Fine), "{name}");
        }
        for name in [
            "party.name",
            "name",
            "CF_XDR_MC",
            "行政相对人名称",
            "当事人名称",
        ] {
            assert_eq!(Field::named(Penalty, name), Ok(Field::PartyName), "{name}");
        }
        assert_eq!(Field::named(License, "XK_XKBH"), Ok(Field::LicenceNo));
        assert_eq!(Field::named(License, "kind"), Ok(Field::LicenceKind));
        assert_eq!(Field::named(Penalty, "kinds"), Ok(Field::PenaltyKinds));
        // Every field's key, code and label name it in its own layout.
        for c in [Penalty, License] {
            for s in specs(c) {
                for name in [s.field.key(), s.code, s.label] {
                    assert_eq!(Field::named(c, name), Ok(s.field), "{name}");
                }
            }
        }
        assert_eq!(
            Field::named(Penalty, "XK_XKBH").unwrap_err().to_string(),
            "“许可编号”（XK_XKBH）不是行政处罚信息的字段"
        );
        assert_eq!(
            Field::named(Penalty, "amount").unwrap_err().to_string(),
            "行政处罚信息中没有字段“amount”：字段可写国家标准代码、中文名称或内部名称，如 CF_NR_FK、罚款金额或 fine"
        );
    }
}
