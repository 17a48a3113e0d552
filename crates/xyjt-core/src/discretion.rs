//! 免罚轻罚 at the decision point 行政处罚裁量: a first minor violation by a subject with a
//! signed credit commitment and no earlier violation of the same type is exempted (首违不罚) or
//! mitigated, naming the rule and its basis (行政处罚法 第三十三条; the transport 轻微违法行为
//! 免罚清单). The rules are policy data (`data/policy/discretion.toml`).

use serde::{Deserialize, Serialize};

use crate::record::{Record, RecordBody, RecordStatus};

pub const DEFAULT_DISCRETION_TOML: &str = include_str!("../../../data/policy/discretion.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 不予行政处罚
    Exempt,
    /// 从轻或减轻处罚
    Mitigate,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Exempt => "不予行政处罚",
            Outcome::Mitigate => "从轻或减轻行政处罚",
        }
    }
}

/// One item of the 免罚轻罚清单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscretionRule {
    pub id: String,
    pub title: String,
    /// The 违法行为类型 it covers (contained in the type asked about).
    pub violation_keywords: Vec<String>,
    pub outcome: Outcome,
    /// The subject must have signed a credit commitment (信用承诺) not found broken.
    pub requires_commitment: bool,
    /// No earlier penalty of the same type (首次).
    pub first_only: bool,
    pub conditions: String,
    pub legal_basis: String,
    #[serde(default)]
    pub example: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscretionPolicy {
    pub version: u32,
    pub note: String,
    #[serde(rename = "rule")]
    pub rules: Vec<DiscretionRule>,
}

impl DiscretionPolicy {
    pub fn builtin() -> &'static DiscretionPolicy {
        static BUILTIN: std::sync::OnceLock<DiscretionPolicy> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            DiscretionPolicy::from_toml(DEFAULT_DISCRETION_TOML)
                .expect("data/policy/discretion.toml is valid (tested)")
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: DiscretionPolicy = toml::from_str(text).map_err(|e| e.to_string())?;
        for r in &p.rules {
            if r.violation_keywords.iter().all(|k| k.trim().is_empty()) {
                return Err(format!("免罚轻罚规则 {}：违法行为关键词不能为空", r.id));
            }
        }
        Ok(p)
    }
}

/// How a rule was judged for one subject and violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscretionAnswer<'a> {
    pub rule: &'a DiscretionRule,
    /// Every condition met.
    pub applies: bool,
    /// Why, in Chinese (each condition and how it was found).
    pub explanation: String,
}

/// Judges the rules covering `violation_type` against the subject's ledger facts.
pub fn judge<'a>(
    policy: &'a DiscretionPolicy,
    violation_type: &str,
    records: &[Record],
    has_commitment: bool,
) -> Vec<DiscretionAnswer<'a>> {
    let v = violation_type.trim();
    policy
        .rules
        .iter()
        .filter(|r| r.violation_keywords.iter().any(|k| v.contains(k.as_str())))
        .map(|rule| {
            let earlier: Vec<&Record> = records
                .iter()
                .filter(|r| r.status != RecordStatus::Revoked)
                .filter(|r| match &r.body {
                    RecordBody::Penalty(p) => rule
                        .violation_keywords
                        .iter()
                        .any(|k| p.violation_type.contains(k.as_str())),
                    _ => false,
                })
                .collect();
            let first_ok = !rule.first_only || earlier.is_empty();
            let commitment_ok = !rule.requires_commitment || has_commitment;
            let mut why = Vec::new();
            if rule.first_only {
                why.push(if earlier.is_empty() {
                    "此前无同类违法行为的处罚记录（首次）".to_string()
                } else {
                    format!("此前已有同类违法行为的处罚 {} 次，不属首次", earlier.len())
                });
            }
            if rule.requires_commitment {
                why.push(
                    if has_commitment {
                        "已签署信用承诺且未见违诺"
                    } else {
                        "未签署信用承诺（或承诺已违诺）"
                    }
                    .to_string(),
                );
            }
            let applies = first_ok && commitment_ok;
            DiscretionAnswer {
                rule,
                applies,
                explanation: format!(
                    "{}「{}」：{}；{}",
                    rule.id,
                    rule.title,
                    why.join("，"),
                    if applies {
                        format!("可{}（{}）", rule.outcome.label(), rule.conditions)
                    } else {
                        "不适用".to_string()
                    }
                ),
            }
        })
        .collect()
}
