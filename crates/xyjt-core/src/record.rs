//! Credit records (信用记录): 行政许可 and 行政处罚 with the national 双公示 field sets
//! (RULES.md §3), behind one `Record` whose body is a category. Later categories (list entries,
//! commitments, evaluation results, government-integrity records) join as new `RecordBody`
//! variants; the ledger, the fold and the storage do not change shape.

use crate::ident::Uscc;
use crate::money::WanYuan;
use crate::subject::{PartyCategory, SubjectId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub type RecordId = String;

/// 行政相对人: the party of a decision, as the national layout records it (prefix CF_ or XK_).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// 行政相对人名称 (XDR_MC)
    pub name: String,
    /// 行政相对人类别 (XDR_LB)
    pub category: PartyCategory,
    /// 统一社会信用代码 (XDR_SHXYM)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    /// 工商注册号 (XDR_GSZC)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_no: Option<crate::ident::RegNo>,
    /// 组织机构代码 (XDR_ZZJG)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_code: Option<crate::ident::OrgCode>,
    /// 税务登记号 (XDR_SWDJ)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_reg_no: Option<String>,
    /// 事业单位证书号 (XDR_SYDW)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution_cert_no: Option<String>,
    /// 社会组织登记证号 (XDR_SHZZ)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_org_cert_no: Option<String>,
    /// 法定代表人 (FRDB)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep: Option<String>,
    /// 法定代表人证件类型 (FR_ZJLX)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_id_type: Option<String>,
    /// 法定代表人证件号码 (FR_ZJHM) — personal data, masked in public views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_id_no: Option<String>,
    /// 证件类型 (XDR_ZJLX), natural persons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
    /// 证件号码 (XDR_ZJHM), natural persons — personal data, masked in public views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_no: Option<String>,
}

/// 处罚类别 (行政处罚法 2021), serialised as the national label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PenaltyKind {
    #[serde(rename = "警告")]
    Warning,
    #[serde(rename = "通报批评")]
    Reprimand,
    #[serde(rename = "罚款")]
    Fine,
    #[serde(rename = "没收违法所得")]
    ConfiscateIllegalGains,
    #[serde(rename = "没收非法财物")]
    ConfiscateIllegalProperty,
    #[serde(rename = "暂扣许可证件")]
    SuspendLicence,
    #[serde(rename = "降低资质等级")]
    LowerQualification,
    #[serde(rename = "吊销许可证件")]
    RevokeLicence,
    #[serde(rename = "限制开展生产经营活动")]
    RestrictBusiness,
    #[serde(rename = "责令停产停业")]
    OrderSuspension,
    #[serde(rename = "责令关闭")]
    OrderClosure,
    #[serde(rename = "限制从业")]
    RestrictPractice,
    #[serde(rename = "行政拘留")]
    Detention,
    #[serde(rename = "其他")]
    Other,
}

impl PenaltyKind {
    pub const ALL: [PenaltyKind; 14] = [
        PenaltyKind::Warning,
        PenaltyKind::Reprimand,
        PenaltyKind::Fine,
        PenaltyKind::ConfiscateIllegalGains,
        PenaltyKind::ConfiscateIllegalProperty,
        PenaltyKind::SuspendLicence,
        PenaltyKind::LowerQualification,
        PenaltyKind::RevokeLicence,
        PenaltyKind::RestrictBusiness,
        PenaltyKind::OrderSuspension,
        PenaltyKind::OrderClosure,
        PenaltyKind::RestrictPractice,
        PenaltyKind::Detention,
        PenaltyKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PenaltyKind::Warning => "警告",
            PenaltyKind::Reprimand => "通报批评",
            PenaltyKind::Fine => "罚款",
            PenaltyKind::ConfiscateIllegalGains => "没收违法所得",
            PenaltyKind::ConfiscateIllegalProperty => "没收非法财物",
            PenaltyKind::SuspendLicence => "暂扣许可证件",
            PenaltyKind::LowerQualification => "降低资质等级",
            PenaltyKind::RevokeLicence => "吊销许可证件",
            PenaltyKind::RestrictBusiness => "限制开展生产经营活动",
            PenaltyKind::OrderSuspension => "责令停产停业",
            PenaltyKind::OrderClosure => "责令关闭",
            PenaltyKind::RestrictPractice => "限制从业",
            PenaltyKind::Detention => "行政拘留",
            PenaltyKind::Other => "其他",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.label() == s)
    }
}

/// 许可类别, serialised as the national label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LicenseKind {
    #[serde(rename = "普通")]
    General,
    #[serde(rename = "特许")]
    Franchise,
    #[serde(rename = "认可")]
    Recognition,
    #[serde(rename = "核准")]
    Approval,
    #[serde(rename = "登记")]
    Registration,
    #[serde(rename = "其他")]
    Other,
}

impl LicenseKind {
    pub const ALL: [LicenseKind; 6] = [
        LicenseKind::General,
        LicenseKind::Franchise,
        LicenseKind::Recognition,
        LicenseKind::Approval,
        LicenseKind::Registration,
        LicenseKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LicenseKind::General => "普通",
            LicenseKind::Franchise => "特许",
            LicenseKind::Recognition => "认可",
            LicenseKind::Approval => "核准",
            LicenseKind::Registration => "登记",
            LicenseKind::Other => "其他",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.label() == s)
    }
}

/// 行政处罚 — the national penalty layout (CF_*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyRecord {
    pub party: Party,
    /// 决定书文号 (CF_WSH)
    pub doc_no: String,
    /// 违法行为类型 (CF_WFXW)
    pub violation_type: String,
    /// 违法事实 (CF_SY)
    pub facts: String,
    /// 处罚依据 (CF_YJ)
    pub basis: String,
    /// 处罚类别 (CF_CFLB); one decision may carry several.
    pub kinds: Vec<PenaltyKind>,
    /// 处罚内容 (CF_NR)
    pub content: String,
    /// 罚款金额, 万元 (CF_NR_FK)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine: Option<WanYuan>,
    /// 没收违法所得、没收非法财物的金额, 万元 (CF_NR_WFFF)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confiscated: Option<WanYuan>,
    /// 暂扣或吊销证照名称及编号 (CF_NR_ZKDX)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_affected: Option<String>,
    /// 处罚决定日期 (CF_JDRQ)
    pub decision_date: NaiveDate,
    /// 处罚有效期 (CF_YXQ)
    pub valid_until: NaiveDate,
    /// 公示截止期 (CF_GSJZQ)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicity_until: Option<NaiveDate>,
    /// 处罚机关 (CF_CFJG)
    pub authority: String,
    /// 处罚机关统一社会信用代码 (CF_CFJGDM)
    pub authority_code: Uscc,
    /// 数据来源单位 (CF_SJLY)
    pub source_unit: String,
    /// 数据来源单位统一社会信用代码 (CF_SJLYDM)
    pub source_unit_code: Uscc,
    /// 备注 (BZ)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// 行政许可 — the national licence layout (XK_*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseRecord {
    pub party: Party,
    /// 行政许可决定文书名称 (XK_XKWS)
    pub doc_name: String,
    /// 行政许可决定文书号 (XK_WSH), or the 许可编号 when there is none.
    pub doc_no: String,
    /// 许可类别 (XK_XKLB)
    pub kind: LicenseKind,
    /// 许可证书名称 (XK_XKZS)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_name: Option<String>,
    /// 许可编号 (XK_XKBH)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_no: Option<String>,
    /// 许可内容 (XK_NR)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// 许可决定日期 (XK_JDRQ)
    pub decision_date: NaiveDate,
    /// 有效期自 (XK_YXQZ)
    pub valid_from: NaiveDate,
    /// 有效期至 (XK_YXQZI); 2099-12-31 means 长期.
    pub valid_to: NaiveDate,
    /// 许可机关 (XK_XKJG)
    pub authority: String,
    /// 许可机关统一社会信用代码 (XK_XKJGDM)
    pub authority_code: Uscc,
    /// 当前状态 (XK_ZT)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// 数据来源单位 (XK_LYDW)
    pub source_unit: String,
    /// 数据来源单位统一社会信用代码 (XK_LYDWDM)
    pub source_unit_code: Uscc,
    /// 备注 (BZ)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// The date a licence valid-to of 2099-12-31 stands for: 长期 (no end).
pub fn is_long_term(date: NaiveDate) -> bool {
    date == NaiveDate::from_ymd_opt(2099, 12, 31).expect("valid date")
}

/// Record categories. The serialised names are stable keys in storage and APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordCategory {
    License,
    Penalty,
}

impl RecordCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordCategory::License => "license",
            RecordCategory::Penalty => "penalty",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RecordCategory::License => "行政许可",
            RecordCategory::Penalty => "行政处罚",
        }
    }
}

/// The content of a record, by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "category", rename_all = "snake_case")]
pub enum RecordBody {
    License(LicenseRecord),
    Penalty(PenaltyRecord),
}

impl RecordBody {
    pub fn category(&self) -> RecordCategory {
        match self {
            RecordBody::License(_) => RecordCategory::License,
            RecordBody::Penalty(_) => RecordCategory::Penalty,
        }
    }

    pub fn party(&self) -> &Party {
        match self {
            RecordBody::License(l) => &l.party,
            RecordBody::Penalty(p) => &p.party,
        }
    }

    pub fn doc_no(&self) -> &str {
        match self {
            RecordBody::License(l) => &l.doc_no,
            RecordBody::Penalty(p) => &p.doc_no,
        }
    }

    pub fn authority_code(&self) -> &Uscc {
        match self {
            RecordBody::License(l) => &l.authority_code,
            RecordBody::Penalty(p) => &p.authority_code,
        }
    }

    pub fn authority(&self) -> &str {
        match self {
            RecordBody::License(l) => &l.authority,
            RecordBody::Penalty(p) => &p.authority,
        }
    }

    /// 数据来源单位 and its USCC: the unit that reported the record.
    pub fn source_unit(&self) -> (&str, &Uscc) {
        match self {
            RecordBody::License(l) => (&l.source_unit, &l.source_unit_code),
            RecordBody::Penalty(p) => (&p.source_unit, &p.source_unit_code),
        }
    }

    pub fn decision_date(&self) -> NaiveDate {
        match self {
            RecordBody::License(l) => l.decision_date,
            RecordBody::Penalty(p) => p.decision_date,
        }
    }

    /// The natural key of a decision: the same 文书号 from the same authority is the same decision.
    pub fn natural_key(&self) -> NaturalKey {
        NaturalKey {
            category: self.category(),
            doc_no: self.doc_no().trim().to_string(),
            authority_code: self.authority_code().clone(),
        }
    }
}

/// (category, 文书号, deciding authority's USCC): what makes two rows the same decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NaturalKey {
    pub category: RecordCategory,
    pub doc_no: String,
    pub authority_code: Uscc,
}

/// Where a record stands in its life. Changes only by ledger events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// In force (publicity then depends on the publicity rules and dates).
    Active,
    /// Revoked by the deciding authority or after an upheld objection: never shown again.
    Revoked,
    /// Its validity ended (a licence past its valid-to, marked by an expiry event).
    Expired,
}

/// How a record entered publicity: when the platform received it, whether that was late, and
/// the publicity window the policy in force gave it. Carried by the publication and correction
/// events, so "why was this shown until then?" is answered by the ledger itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// The day the platform received the decision (the import's `--as-of`).
    pub reported_on: NaiveDate,
    /// Decision date + the reporting deadline in working days.
    pub deadline: NaiveDate,
    /// The deadline ran past the loaded holiday calendar and was counted on weekdays only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_provisional: bool,
    /// Received after the deadline (迟报).
    pub late: bool,
    /// First public day; `None` when the record is not published (e.g. a warning only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_from: Option<NaiveDate>,
    /// Last public day; `None` with `public_from` set means no end (a long-term licence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_until: Option<NaiveDate>,
    /// End of the minimum publicity period (earliest day repair may end publicity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_until: Option<NaiveDate>,
    /// 轻微 / 一般 / 严重 for penalties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Why this window (or why not published), in Chinese.
    pub explanation: String,
    /// The publicity policy version that decided it.
    pub policy_version: String,
    /// Publicity stopped early by credit repair (信用修复) on this day; the record stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired_on: Option<NaiveDate>,
    /// The repair application that stopped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired_by: Option<String>,
}

impl Publication {
    /// Whether the window contains `date` (the record's status is checked separately).
    pub fn is_public_on(&self, date: NaiveDate) -> bool {
        match self.public_from {
            None => false,
            Some(from) => from <= date && self.public_until.is_none_or(|until| date <= until),
        }
    }
}

/// A record's state as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: RecordId,
    pub subject_id: SubjectId,
    pub status: RecordStatus,
    /// 1 when published, +1 for every correction.
    pub version: u32,
    pub body: RecordBody,
    /// How it was published; `None` for records entered without a publication decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<Publication>,
}

impl Record {
    /// Shown to the public on `date`: active and inside its publicity window.
    pub fn is_public_on(&self, date: NaiveDate) -> bool {
        self.status == RecordStatus::Active
            && self
                .publication
                .as_ref()
                .is_some_and(|p| p.is_public_on(date))
    }
}

/// What submitting a decision again does to the one on record with the same natural key
/// (文书号, 决定机关, 类别): the import's rule, defined once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resubmission {
    /// Nothing on record: publish it.
    New,
    /// The same content: nothing changes (importing a file twice is harmless).
    Unchanged,
    /// Different content: a correction of the record on file (更正).
    Correction,
    /// The decision on record was revoked: it cannot be corrected back into force.
    RefusedRevoked,
}

pub fn resubmission(prior: Option<&Record>, body: &RecordBody) -> Resubmission {
    match prior {
        None => Resubmission::New,
        Some(r) if &r.body == body => Resubmission::Unchanged,
        Some(r) if r.status == RecordStatus::Revoked => Resubmission::RefusedRevoked,
        Some(_) => Resubmission::Correction,
    }
}
