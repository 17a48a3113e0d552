//! Subjects (信用主体): legal persons and other organisations, individual businesses, natural
//! persons — each keyed by validated identifiers and with a name history.

use crate::ident::{CitizenId, Code, OrgCode, RegNo, Uscc};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 行政相对人类别 — also the kind of a subject. Serialised as the national label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartyCategory {
    #[serde(rename = "法人及非法人组织")]
    LegalPerson,
    #[serde(rename = "自然人")]
    NaturalPerson,
    #[serde(rename = "个体工商户")]
    IndividualBusiness,
}

impl PartyCategory {
    pub const ALL: [PartyCategory; 3] = [
        PartyCategory::LegalPerson,
        PartyCategory::NaturalPerson,
        PartyCategory::IndividualBusiness,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PartyCategory::LegalPerson => "法人及非法人组织",
            PartyCategory::NaturalPerson => "自然人",
            PartyCategory::IndividualBusiness => "个体工商户",
        }
    }

    /// Accepts the national label and the common short forms seen in bureau spreadsheets.
    pub fn from_label(s: &str) -> Option<Self> {
        match s.trim() {
            "法人及非法人组织" | "法人" | "法人和非法人组织" | "非法人组织" | "法人及其他组织" => {
                Some(PartyCategory::LegalPerson)
            }
            "自然人" => Some(PartyCategory::NaturalPerson),
            "个体工商户" | "个体户" => Some(PartyCategory::IndividualBusiness),
            _ => None,
        }
    }
}

/// A subject's id: a UUID (v7, time-ordered) as text. Never a database sequence, so ids can be
/// minted anywhere (provinces, imports) without coordination.
pub type SubjectId = String;

/// A credit subject as registered. Identifiers are the validated types; a natural person's
/// citizen ID is stored in full (the platform must match on it) and masked in every public view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub id: SubjectId,
    pub kind: PartyCategory,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_code: Option<OrgCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_no: Option<RegNo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<CitizenId>,
}

impl Subject {
    /// Every identifier the subject can be found by, including the organisation code embedded
    /// in its USCC (旧码转换: an old organisation code finds the new USCC holder).
    pub fn codes(&self) -> Vec<Code> {
        let mut codes = Vec::new();
        if let Some(u) = &self.uscc {
            codes.push(Code::Uscc(u.clone()));
            if let Some(o) = u.org_code() {
                codes.push(Code::OrgCode(o));
            }
        }
        if let Some(o) = &self.org_code
            && !codes.contains(&Code::OrgCode(o.clone()))
        {
            codes.push(Code::OrgCode(o.clone()));
        }
        if let Some(r) = &self.reg_no {
            codes.push(Code::RegNo(r.clone()));
        }
        if let Some(c) = &self.citizen_id {
            codes.push(Code::CitizenId(c.clone()));
        }
        codes
    }

    /// The organisation code to index the subject under: explicit, or derived from the USCC.
    pub fn effective_org_code(&self) -> Option<OrgCode> {
        self.org_code
            .clone()
            .or_else(|| self.uscc.as_ref().and_then(|u| u.org_code()))
    }
}

/// One entry of a subject's name history (曾用名).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameChange {
    pub name: String,
    pub effective_on: NaiveDate,
}
