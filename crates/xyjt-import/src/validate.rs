//! Row validation: a [`RawRow`] becomes a [`RecordBody`] or the complete list of what is wrong
//! with it.
//!
//! Every field is checked and every problem reported, in national field order after whole-row
//! problems. A field with undecodable bytes (`bad_encoding`), a control character other than
//! tab or a line break (`control_character`: PostgreSQL cannot store NUL, so both backends
//! refuse it) or over its length limit (`too_long`) gets that one error and no further checks.
//!
//! Rules beyond "required, length, format":
//! * 行政相对人类别 decides the identifiers. 自然人: 证件类型 and 证件号码 are required; when the
//!   type is 身份证/居民身份证 (or is left empty) the number must be a valid citizen ID; the
//!   organisation identifiers (统一社会信用代码 … 社会组织登记证号) must be empty. 法人及非法人组织
//!   and 个体工商户: at least one of 统一社会信用代码, 工商注册号, 组织机构代码, 税务登记号,
//!   事业单位证书号, 社会组织登记证号; every one given must be valid. 法人及非法人组织 leave 证件类型
//!   and 证件号码 empty (a 个体工商户 may give its operator's ID, validated like a natural person's).
//! * 法定代表人证件号码 must be a valid citizen ID when its type is 身份证.
//! * 处罚类别 containing 罚款 requires 罚款金额; 没收违法所得/没收非法财物 require the confiscated
//!   amount; 暂扣/吊销许可证件 require 暂扣或吊销证照名称及编号 (national collection standard).
//! * 决定日期 not after `as_of`; 处罚有效期 and 公示截止期 not before the 决定日期; 有效期至 not
//!   before 有效期自 (`长期` in 有效期至 means 2099-12-31).
//! * A licence without 文书号 takes its 许可编号 as `doc_no`.
//!
//! Messages never show a citizen ID in full: ID numbers (and any value that looks like one) are
//! masked as first 6 + `********` + last 4.

use chrono::NaiveDate;
use serde::Serialize;
use xyjt_core::ident::{CitizenId, CodeError, OrgCode, RegNo, Uscc};
use xyjt_core::mask::mask_id_number;
use xyjt_core::money::{AmountError, WanYuan};
use xyjt_core::record::{
    LicenseKind, LicenseRecord, Party, PenaltyKind, PenaltyRecord, RecordBody, RecordCategory,
};
use xyjt_core::subject::PartyCategory;

use crate::dates::parse_date;
use crate::fields::{Field, specs};
use crate::read::{Header, RawRow};

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The data row ([`RawRow::row`]).
    pub row: usize,
    /// The field's code (`CF_XDR_MC`, `XK_YXQZI`, `BZ`), or `""` for a whole-row problem.
    pub field: String,
    /// Stable snake_case error code, one of [`codes`].
    pub code: String,
    /// What is wrong, in Chinese, with the offending value where useful (ID numbers masked).
    pub message: String,
}

/// The stable error codes of [`FieldError::code`].
pub mod codes {
    /// A required value is empty (or the column is absent).
    pub const REQUIRED: &str = "required";
    /// Longer than the field's limit.
    pub const TOO_LONG: &str = "too_long";
    /// An identifier (USCC, 注册号, 组织机构代码, 身份证号) that fails its rules.
    pub const INVALID_CODE: &str = "invalid_code";
    /// Not one of the allowed values (相对人类别, 处罚类别, 许可类别).
    pub const INVALID_ENUM: &str = "invalid_enum";
    /// Not a non-negative amount in 万元.
    pub const INVALID_AMOUNT: &str = "invalid_amount";
    /// Not a date, or a date that does not exist.
    pub const INVALID_DATE: &str = "invalid_date";
    /// A decision dated after the import's reference date.
    pub const DATE_AFTER_AS_OF: &str = "date_after_as_of";
    /// An end date before its start date.
    pub const END_BEFORE_START: &str = "end_before_start";
    /// The cell holds bytes the file's encoding could not decode (U+FFFD).
    pub const BAD_ENCODING: &str = "bad_encoding";
    /// The cell holds a control character (NUL, ESC, …) other than tab or a line break.
    pub const CONTROL_CHARACTER: &str = "control_character";
    /// The row has more or fewer cells than the header has columns.
    pub const COLUMN_COUNT: &str = "column_count";
    /// An identifier that does not belong to the party's category.
    pub const INVALID_ID_FOR_CATEGORY: &str = "invalid_id_for_category";
}

/// Validates one row of `category` and builds its record body: codes normalised, texts trimmed,
/// empty optional cells `None`. On failure returns every problem found.
pub fn validate(
    category: RecordCategory,
    header: &Header,
    row: &RawRow,
    as_of: NaiveDate,
) -> Result<RecordBody, Vec<FieldError>> {
    let mut v = Validator::new(category, header, row);
    let body = match category {
        RecordCategory::Penalty => v.penalty(as_of).map(RecordBody::Penalty),
        RecordCategory::License => v.license(as_of).map(RecordBody::License),
    };
    match body {
        Some(body) if v.errors.is_empty() => Ok(body),
        _ => {
            if v.errors.is_empty() {
                // Cannot happen: every missing value records an error. Never accept silently.
                v.push_row(codes::REQUIRED, "本行数据不完整".to_string());
            }
            Err(v.errors)
        }
    }
}

struct Validator<'a> {
    category: RecordCategory,
    header: &'a Header,
    row: &'a RawRow,
    errors: Vec<FieldError>,
    /// Fields already reported as `bad_encoding`, `control_character` or `too_long`: no further
    /// checks.
    spoiled: Vec<Field>,
}

/// A cell as seen by the checks.
#[derive(Clone, Copy)]
enum Cell<'a> {
    Empty,
    Spoiled,
    Value(&'a str),
}

impl<'a> Validator<'a> {
    fn new(category: RecordCategory, header: &'a Header, row: &'a RawRow) -> Self {
        let mut v = Validator {
            category,
            header,
            row,
            errors: Vec::new(),
            spoiled: Vec::new(),
        };
        if row.cells.len() != header.len() {
            v.push_row(
                codes::COLUMN_COUNT,
                format!(
                    "列数与表头不符：表头 {} 列，本行 {} 列",
                    header.len(),
                    row.cells.len()
                ),
            );
        }
        for spec in specs(category) {
            let Some(value) = row.get(header, spec.field) else {
                continue;
            };
            if value.contains('\u{FFFD}') {
                v.push(
                    spec.field,
                    codes::BAD_ENCODING,
                    format!("{}含有无法识别的字符（文件编码错误或内容损坏）", spec.label),
                );
                v.spoiled.push(spec.field);
                continue;
            }
            if let Some(c) = xyjt_core::text::forbidden_control(value) {
                v.push(
                    spec.field,
                    codes::CONTROL_CHARACTER,
                    format!(
                        "{}含有不允许的控制字符（U+{:04X}），请删除后重新导入",
                        spec.label, c as u32
                    ),
                );
                v.spoiled.push(spec.field);
                continue;
            }
            let length = value.chars().count();
            if length > spec.max_chars {
                v.push(
                    spec.field,
                    codes::TOO_LONG,
                    format!(
                        "{}过长：最多 {} 个字符，实为 {} 个字符",
                        spec.label, spec.max_chars, length
                    ),
                );
                v.spoiled.push(spec.field);
            }
        }
        v
    }

    fn code(&self, field: Field) -> &'static str {
        field.code(self.category)
    }

    fn label(&self, field: Field) -> &'static str {
        field.label(self.category)
    }

    fn push(&mut self, field: Field, code: &str, message: String) {
        self.errors.push(FieldError {
            row: self.row.row,
            field: self.code(field).to_string(),
            code: code.to_string(),
            message,
        });
    }

    fn push_row(&mut self, code: &str, message: String) {
        self.errors.push(FieldError {
            row: self.row.row,
            field: String::new(),
            code: code.to_string(),
            message,
        });
    }

    fn cell(&self, field: Field) -> Cell<'a> {
        if self.spoiled.contains(&field) {
            return Cell::Spoiled;
        }
        match self.row.get(self.header, field) {
            Some(v) => Cell::Value(v),
            None => Cell::Empty,
        }
    }

    /// The value of an optional text field.
    fn optional(&self, field: Field) -> Option<String> {
        match self.cell(field) {
            Cell::Value(v) => Some(v.to_string()),
            _ => None,
        }
    }

    /// Whether the cell has any content (even if spoiled).
    fn present(&self, field: Field) -> bool {
        !matches!(self.cell(field), Cell::Empty)
    }

    fn missing(&mut self, field: Field) {
        let message = format!("{}为必填项，不能为空", self.label(field));
        self.push(field, codes::REQUIRED, message);
    }

    /// The value of a required field; an empty cell is a `required` error.
    fn required(&mut self, field: Field) -> Option<&'a str> {
        match self.cell(field) {
            Cell::Value(v) => Some(v),
            Cell::Spoiled => None,
            Cell::Empty => {
                self.missing(field);
                None
            }
        }
    }

    fn required_text(&mut self, field: Field) -> Option<String> {
        self.required(field).map(str::to_string)
    }

    /// A value shown in a message. ID-number fields are always masked, and so is a party
    /// identifier shaped like a citizen ID (someone's ID pasted into the wrong column).
    fn shown(field: Field, value: &str) -> String {
        let personal = matches!(field, Field::PartyIdNo | Field::LegalRepIdNo);
        let party_code = matches!(
            field,
            Field::PartyUscc | Field::PartyRegNo | Field::PartyOrgCode
        );
        let normalized = xyjt_core::ident::normalize(value);
        let looks_like_id = normalized.chars().count() == 18
            && normalized.chars().take(17).all(|c| c.is_ascii_digit());
        if personal || (party_code && looks_like_id) {
            mask_id_number(&normalized)
        } else {
            value.to_string()
        }
    }

    fn code_error(&mut self, field: Field, value: &str, what: &str, e: &CodeError) {
        let message = format!(
            "{}“{}”{}：{}",
            self.label(field),
            Self::shown(field, value),
            what,
            code_reason(e)
        );
        self.push(field, codes::INVALID_CODE, message);
    }

    /// An identifier parsed with `parse`; `None` when absent or invalid (error recorded).
    fn identifier<T>(
        &mut self,
        field: Field,
        parse: fn(&str) -> Result<T, CodeError>,
        what: &str,
    ) -> Option<T> {
        let Cell::Value(v) = self.cell(field) else {
            return None;
        };
        match parse(v) {
            Ok(code) => Some(code),
            Err(e) => {
                self.code_error(field, v, what, &e);
                None
            }
        }
    }

    fn required_uscc(&mut self, field: Field) -> Option<Uscc> {
        let v = self.required(field)?;
        match Uscc::parse(v) {
            Ok(u) => Some(u),
            Err(e) => {
                self.code_error(field, v, "无效", &e);
                None
            }
        }
    }

    /// A citizen ID number, normalised; `None` when absent or invalid (error recorded).
    fn citizen_id(&mut self, field: Field) -> Option<String> {
        self.identifier(field, CitizenId::parse, "不是有效的身份证号")
            .map(|c| c.as_str().to_string())
    }

    fn date(&mut self, field: Field, required: bool) -> Option<NaiveDate> {
        let v = match self.cell(field) {
            Cell::Value(v) => v,
            Cell::Spoiled => return None,
            Cell::Empty => {
                if required {
                    self.missing(field);
                }
                return None;
            }
        };
        if field == Field::ValidTo && v == "长期" {
            return NaiveDate::from_ymd_opt(2099, 12, 31);
        }
        match parse_date(v) {
            Ok(d) => Some(d),
            Err(e) => {
                let message = format!("{}{}", self.label(field), e);
                self.push(field, codes::INVALID_DATE, message);
                None
            }
        }
    }

    fn decision_date(&mut self, as_of: NaiveDate) -> Option<NaiveDate> {
        let date = self.date(Field::DecisionDate, true)?;
        if date > as_of {
            let message = format!(
                "{} {} 晚于当前日期 {}",
                self.label(Field::DecisionDate),
                date,
                as_of
            );
            self.push(Field::DecisionDate, codes::DATE_AFTER_AS_OF, message);
        }
        Some(date)
    }

    /// `end` must not be before `start`.
    fn not_before(
        &mut self,
        end_field: Field,
        end: NaiveDate,
        start_field: Field,
        start: NaiveDate,
    ) {
        if end < start {
            let message = format!(
                "{} {} 早于{} {}",
                self.label(end_field),
                end,
                self.label(start_field),
                start
            );
            self.push(end_field, codes::END_BEFORE_START, message);
        }
    }

    fn amount(&mut self, field: Field) -> Option<WanYuan> {
        let Cell::Value(v) = self.cell(field) else {
            return None;
        };
        match WanYuan::parse(v) {
            Ok(w) => Some(w),
            Err(e) => {
                let reason = match e {
                    AmountError::Empty => "为空",
                    AmountError::NotANumber(_) => "不是数字（单位为万元，如 0.2 表示 2000 元）",
                    AmountError::Negative(_) => "不能为负数",
                    AmountError::TooPrecise(_) => "小数位过多（最多 6 位，即精确到分）",
                    AmountError::TooLarge(_) => "数值过大",
                };
                let message = format!("{}“{}”{}", self.label(field), v, reason);
                self.push(field, codes::INVALID_AMOUNT, message);
                None
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Party
    // -----------------------------------------------------------------------------------------

    fn party(&mut self) -> Option<Party> {
        let name = self.required_text(Field::PartyName);
        let category = match self.required(Field::PartyCategory) {
            None => None,
            Some(v) => {
                let parsed = PartyCategory::from_label(v);
                if parsed.is_none() {
                    let message = format!(
                        "{}“{}”无效，应为：{}",
                        self.label(Field::PartyCategory),
                        v,
                        labels(PartyCategory::ALL.iter().map(|c| c.label()))
                    );
                    self.push(Field::PartyCategory, codes::INVALID_ENUM, message);
                }
                parsed
            }
        };

        const ORG_IDS: [Field; 6] = [
            Field::PartyUscc,
            Field::PartyRegNo,
            Field::PartyOrgCode,
            Field::PartyTaxRegNo,
            Field::PartyInstitutionCertNo,
            Field::PartySocialOrgCertNo,
        ];
        let natural = category == Some(PartyCategory::NaturalPerson);
        let (mut uscc, mut reg_no, mut org_code) = (None, None, None);
        let (mut tax, mut institution, mut social) = (None, None, None);
        if natural {
            for f in ORG_IDS {
                if self.present(f) {
                    let message =
                        format!("自然人不填写{}（仅填写证件类型和证件号码）", self.label(f));
                    self.push(f, codes::INVALID_ID_FOR_CATEGORY, message);
                }
            }
        } else {
            uscc = self.identifier(Field::PartyUscc, Uscc::parse, "无效");
            reg_no = self.identifier(Field::PartyRegNo, RegNo::parse, "无效");
            org_code = self.identifier(Field::PartyOrgCode, OrgCode::parse, "无效");
            tax = self.optional(Field::PartyTaxRegNo);
            institution = self.optional(Field::PartyInstitutionCertNo);
            social = self.optional(Field::PartySocialOrgCertNo);
            if let Some(c) = category
                && !ORG_IDS.iter().any(|&f| self.present(f))
            {
                let message = format!(
                    "{}须填写统一社会信用代码，或工商注册号、组织机构代码、税务登记号、事业单位证书号、社会组织登记证号之一",
                    c.label()
                );
                self.push(Field::PartyUscc, codes::REQUIRED, message);
            }
        }

        // 法定代表人
        let legal_rep = self.optional(Field::LegalRep);
        let legal_rep_id_type = self.optional(Field::LegalRepIdType);
        let legal_rep_id_no = match self.cell(Field::LegalRepIdNo) {
            Cell::Value(v) => {
                if legal_rep_id_type.as_deref().is_some_and(is_citizen_id_type) {
                    self.citizen_id(Field::LegalRepIdNo)
                } else {
                    Some(v.to_string())
                }
            }
            _ => None,
        };

        // 证件类型/证件号码 of the party.
        let mut id_type = None;
        let mut id_no = None;
        if category == Some(PartyCategory::LegalPerson) {
            for f in [Field::PartyIdType, Field::PartyIdNo] {
                if self.present(f) {
                    let message = format!(
                        "法人及非法人组织不填写{}（仅自然人填写，法定代表人证件填写在法定代表人证件号码）",
                        self.label(f)
                    );
                    self.push(f, codes::INVALID_ID_FOR_CATEGORY, message);
                }
            }
        } else {
            let type_cell = self.cell(Field::PartyIdType);
            id_type = match type_cell {
                Cell::Value(v) => Some(v.to_string()),
                Cell::Empty if natural => {
                    let message = format!("自然人须填写{}", self.label(Field::PartyIdType));
                    self.push(Field::PartyIdType, codes::REQUIRED, message);
                    None
                }
                _ => None,
            };
            let citizen = match &type_cell {
                Cell::Value(t) => is_citizen_id_type(t),
                Cell::Empty => natural,
                Cell::Spoiled => false,
            };
            id_no = match self.cell(Field::PartyIdNo) {
                Cell::Empty if natural => {
                    let message = format!("自然人须填写{}", self.label(Field::PartyIdNo));
                    self.push(Field::PartyIdNo, codes::REQUIRED, message);
                    None
                }
                Cell::Value(_) if citizen => self.citizen_id(Field::PartyIdNo),
                Cell::Value(v) => Some(v.to_string()),
                _ => None,
            };
        }

        Some(Party {
            name: name?,
            category: category?,
            uscc,
            reg_no,
            org_code,
            tax_reg_no: tax,
            institution_cert_no: institution,
            social_org_cert_no: social,
            legal_rep,
            legal_rep_id_type,
            legal_rep_id_no,
            id_type,
            id_no,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Penalty
    // -----------------------------------------------------------------------------------------

    fn penalty_kinds(&mut self) -> Option<Vec<PenaltyKind>> {
        let v = self.required(Field::PenaltyKinds)?;
        let mut kinds = Vec::new();
        let mut bad = Vec::new();
        for part in v
            .split([';', '；', '、', ',', '，'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match PenaltyKind::from_label(part) {
                Some(k) if !kinds.contains(&k) => kinds.push(k),
                Some(_) => {}
                None => bad.push(part),
            }
        }
        if !bad.is_empty() || kinds.is_empty() {
            let shown = if bad.is_empty() { vec![v] } else { bad };
            let message = format!(
                "{}“{}”无效，应为（可多项，以分号分隔）：{}",
                self.label(Field::PenaltyKinds),
                shown.join("、"),
                labels(PenaltyKind::ALL.iter().map(|k| k.label()))
            );
            self.push(Field::PenaltyKinds, codes::INVALID_ENUM, message);
            return None;
        }
        Some(kinds)
    }

    /// A field that becomes required when the decision includes one of `kinds`.
    fn required_for_kinds(&mut self, field: Field, kinds: &[PenaltyKind], among: &[PenaltyKind]) {
        if let Some(k) = among.iter().find(|k| kinds.contains(k))
            && !self.present(field)
        {
            let message = format!("处罚类别含“{}”时，{}为必填项", k.label(), self.label(field));
            self.push(field, codes::REQUIRED, message);
        }
    }

    fn penalty(&mut self, as_of: NaiveDate) -> Option<PenaltyRecord> {
        let party = self.party();
        let doc_no = self.required_text(Field::DocNo);
        let violation_type = self.required_text(Field::ViolationType);
        let facts = self.required_text(Field::Facts);
        let basis = self.required_text(Field::Basis);
        let kinds = self.penalty_kinds();
        let content = self.required_text(Field::Content);
        let fine = self.amount(Field::Fine);
        let confiscated = self.amount(Field::Confiscated);
        let licence_affected = self.optional(Field::LicenceAffected);
        if let Some(kinds) = &kinds {
            use PenaltyKind as K;
            self.required_for_kinds(Field::Fine, kinds, &[K::Fine]);
            self.required_for_kinds(
                Field::Confiscated,
                kinds,
                &[K::ConfiscateIllegalGains, K::ConfiscateIllegalProperty],
            );
            self.required_for_kinds(
                Field::LicenceAffected,
                kinds,
                &[K::SuspendLicence, K::RevokeLicence],
            );
        }
        let decision_date = self.decision_date(as_of);
        let valid_until = self.date(Field::ValidUntil, true);
        if let (Some(start), Some(end)) = (decision_date, valid_until) {
            self.not_before(Field::ValidUntil, end, Field::DecisionDate, start);
        }
        let publicity_until = self.date(Field::PublicityUntil, false);
        if let (Some(start), Some(end)) = (decision_date, publicity_until) {
            self.not_before(Field::PublicityUntil, end, Field::DecisionDate, start);
        }
        let authority = self.required_text(Field::Authority);
        let authority_code = self.required_uscc(Field::AuthorityCode);
        let source_unit = self.required_text(Field::SourceUnit);
        let source_unit_code = self.required_uscc(Field::SourceUnitCode);
        let remark = self.optional(Field::Remark);
        Some(PenaltyRecord {
            party: party?,
            doc_no: doc_no?,
            violation_type: violation_type?,
            facts: facts?,
            basis: basis?,
            kinds: kinds?,
            content: content?,
            fine,
            confiscated,
            licence_affected,
            decision_date: decision_date?,
            valid_until: valid_until?,
            publicity_until,
            authority: authority?,
            authority_code: authority_code?,
            source_unit: source_unit?,
            source_unit_code: source_unit_code?,
            remark,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Licence
    // -----------------------------------------------------------------------------------------

    fn license_kind(&mut self) -> Option<LicenseKind> {
        let v = self.required(Field::LicenceKind)?;
        let kind = LicenseKind::from_label(v)
            .or_else(|| v.strip_suffix("许可").and_then(LicenseKind::from_label));
        if kind.is_none() {
            let message = format!(
                "{}“{}”无效，应为：{}",
                self.label(Field::LicenceKind),
                v,
                labels(LicenseKind::ALL.iter().map(|k| k.label()))
            );
            self.push(Field::LicenceKind, codes::INVALID_ENUM, message);
        }
        kind
    }

    fn license(&mut self, as_of: NaiveDate) -> Option<LicenseRecord> {
        let party = self.party();
        let doc_name = self.required_text(Field::DocName);
        let licence_no = self.optional(Field::LicenceNo);
        let doc_no = match self.cell(Field::DocNo) {
            Cell::Value(v) => Some(v.to_string()),
            Cell::Spoiled => None,
            Cell::Empty => {
                if licence_no.is_none() && !self.present(Field::LicenceNo) {
                    let message = format!(
                        "{}为必填项（没有文书号时须填写许可编号）",
                        self.label(Field::DocNo)
                    );
                    self.push(Field::DocNo, codes::REQUIRED, message);
                }
                licence_no.clone()
            }
        };
        let kind = self.license_kind();
        let cert_name = self.optional(Field::CertName);
        let content = self.optional(Field::Content);
        let decision_date = self.decision_date(as_of);
        let valid_from = self.date(Field::ValidFrom, true);
        let valid_to = self.date(Field::ValidTo, true);
        if let (Some(start), Some(end)) = (valid_from, valid_to) {
            self.not_before(Field::ValidTo, end, Field::ValidFrom, start);
        }
        let authority = self.required_text(Field::Authority);
        let authority_code = self.required_uscc(Field::AuthorityCode);
        let status = self.optional(Field::Status);
        let source_unit = self.required_text(Field::SourceUnit);
        let source_unit_code = self.required_uscc(Field::SourceUnitCode);
        let remark = self.optional(Field::Remark);
        Some(LicenseRecord {
            party: party?,
            doc_name: doc_name?,
            doc_no: doc_no?,
            kind: kind?,
            cert_name,
            licence_no,
            content,
            decision_date: decision_date?,
            valid_from: valid_from?,
            valid_to: valid_to?,
            authority: authority?,
            authority_code: authority_code?,
            status,
            source_unit: source_unit?,
            source_unit_code: source_unit_code?,
            remark,
        })
    }
}

fn labels<'s>(items: impl Iterator<Item = &'s str>) -> String {
    items.collect::<Vec<_>>().join("、")
}

/// Whether an ID type names the mainland resident identity card (GB 11643 number).
pub fn is_citizen_id_type(id_type: &str) -> bool {
    let t: String = id_type.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        t.as_str(),
        "身份证"
            | "居民身份证"
            | "中华人民共和国居民身份证"
            | "身份证号"
            | "身份证号码"
            | "居民身份证号码"
            | "二代身份证"
            | "第二代居民身份证"
    )
}

fn code_reason(e: &CodeError) -> String {
    match e {
        CodeError::Empty => "为空".to_string(),
        CodeError::Length { expected, found } => {
            format!("长度应为 {expected} 位，实为 {found} 位")
        }
        CodeError::Alphabet { position, found } => {
            format!("第 {position} 位字符“{found}”不合规")
        }
        CodeError::CheckChar { expected, found } => {
            format!("校验位错误，应为“{expected}”，实为“{found}”")
        }
        CodeError::ImpossibleDate { .. } => "出生日期不存在".to_string(),
        CodeError::UnknownKind { length } => format!("无法识别的代码（长度 {length}）"),
    }
}
