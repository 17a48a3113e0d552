//! Every policy the platform runs on, as one value: publicity periods, workflow deadlines,
//! commitment templates, the organisation tree, the holiday calendar, the default four lists and
//! the limits at the edge against abuse.
//! Built once (from the files shipped in `data/`, or from a policy directory) and passed through
//! the application state; handlers never reach for a built-in.

use crate::calendar::Calendar;
use crate::cases::{DeadlinePolicy, OrgTree};
use crate::commitment::TemplateSet;
use crate::disclosure::DisclosurePolicy;
use crate::discretion::DiscretionPolicy;
use crate::evaluation::ModelSet;
use crate::inspection::InspectionPolicy;
use crate::integrity::IntegrityPolicy;
use crate::integrity::assessment::AssessmentModel;
use crate::limits::EdgeLimits;
use crate::lists::ListPolicy;
use crate::publicity::PublicityPolicy;

/// The file names of a policy directory (the same as in `data/`); a file that is not there
/// keeps the built-in default.
pub const PUBLICITY_FILE: &str = "publicity.toml";
pub const DEADLINES_FILE: &str = "deadlines.toml";
pub const COMMITMENTS_FILE: &str = "commitments.toml";
pub const ORG_TREE_FILE: &str = "org-tree.toml";
pub const CALENDAR_FILE: &str = "cn-calendar.toml";
pub const LISTS_FILE: &str = "lists.json";
pub const EVALUATION_FILE: &str = "evaluation.toml";
pub const INSPECTION_FILE: &str = "inspection.toml";
pub const DISCRETION_FILE: &str = "discretion.toml";
pub const INTEGRITY_FILE: &str = "integrity.toml";
pub const ASSESSMENT_FILE: &str = "integrity-assessment.toml";
pub const LIMITS_FILE: &str = "limits.toml";
pub const DISCLOSURE_FILE: &str = "disclosure.toml";
pub const CHECKPOINTS_FILE: &str = "checkpoints.toml";
pub const EXCHANGE_FILE: &str = "exchange.toml";

#[derive(Debug, Clone)]
pub struct Policies {
    pub publicity: PublicityPolicy,
    pub deadlines: DeadlinePolicy,
    pub commitments: TemplateSet,
    pub org: OrgTree,
    pub calendar: Calendar,
    /// The four lists adopted (as version 1) when the ledger has none yet; later versions are
    /// ledger events.
    pub lists: ListPolicy,
    /// The evaluation models adopted (as version 1 of each) when the ledger has none yet.
    pub evaluation: ModelSet,
    /// The 随机抽查事项清单 and the ratios of graded supervision.
    pub inspection: InspectionPolicy,
    /// 免罚轻罚清单 (the decision point 行政处罚裁量).
    pub discretion: DiscretionPolicy,
    /// Government integrity: record categories, periods of effect, decision-point rules.
    pub integrity: IntegrityPolicy,
    /// The half-yearly assessment of departments: indicators, weights, the missing-value rule.
    pub assessment: AssessmentModel,
    /// Sign-in throttling and the cap on anonymous applications.
    pub limits: EdgeLimits,
    /// Government information disclosure: categories, index codes, the negative list,
    /// publication deadlines.
    pub disclosure: DisclosurePolicy,
    /// The ledger's signed checkpoints: origin, signing interval, report validity.
    pub checkpoints: crate::checkpoint::CheckpointPolicy,
    /// The exchange between platforms: which kinds flow to whom, dead-lettering, the relay.
    pub exchange: crate::exchange::ExchangePolicy,
}

/// The texts of a policy directory's files; `None` for a file that is not there.
#[derive(Debug, Clone, Default)]
pub struct PolicyTexts {
    pub publicity: Option<String>,
    pub deadlines: Option<String>,
    pub commitments: Option<String>,
    pub org: Option<String>,
    pub calendar: Option<String>,
    pub lists: Option<String>,
    pub evaluation: Option<String>,
    pub inspection: Option<String>,
    pub discretion: Option<String>,
    pub integrity: Option<String>,
    pub assessment: Option<String>,
    pub limits: Option<String>,
    pub disclosure: Option<String>,
    pub checkpoints: Option<String>,
    pub exchange: Option<String>,
}

impl Policies {
    /// The policies shipped in `data/`.
    pub fn builtin() -> Self {
        Policies {
            publicity: PublicityPolicy::builtin(),
            deadlines: DeadlinePolicy::builtin().clone(),
            commitments: TemplateSet::builtin().clone(),
            org: OrgTree::builtin().clone(),
            calendar: Calendar::builtin(),
            lists: ListPolicy::builtin(),
            evaluation: ModelSet::builtin().clone(),
            inspection: InspectionPolicy::builtin().clone(),
            discretion: DiscretionPolicy::builtin().clone(),
            integrity: IntegrityPolicy::builtin().clone(),
            assessment: AssessmentModel::builtin().clone(),
            limits: EdgeLimits::builtin().clone(),
            disclosure: DisclosurePolicy::builtin().clone(),
            checkpoints: crate::checkpoint::CheckpointPolicy::builtin().clone(),
            exchange: crate::exchange::ExchangePolicy::builtin().clone(),
        }
    }

    /// The shipped policies as one shared value, built once.
    pub fn builtin_ref() -> &'static Policies {
        static BUILTIN: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(Policies::builtin)
    }

    /// Parses the texts given, keeping the built-in default for each one missing. An error
    /// names the file and what is wrong with it.
    pub fn from_texts(texts: &PolicyTexts) -> Result<Self, String> {
        let mut p = Policies::builtin();
        let named = |file: &str, e: String| format!("{file}：{e}");
        if let Some(t) = &texts.publicity {
            p.publicity =
                PublicityPolicy::from_toml(t).map_err(|e| named(PUBLICITY_FILE, e.to_string()))?;
        }
        if let Some(t) = &texts.deadlines {
            p.deadlines = DeadlinePolicy::from_toml(t).map_err(|e| named(DEADLINES_FILE, e))?;
        }
        if let Some(t) = &texts.commitments {
            p.commitments = TemplateSet::from_toml(t).map_err(|e| named(COMMITMENTS_FILE, e))?;
        }
        if let Some(t) = &texts.org {
            p.org = OrgTree::from_toml(t).map_err(|e| named(ORG_TREE_FILE, e))?;
        }
        if let Some(t) = &texts.calendar {
            p.calendar = Calendar::from_toml(t).map_err(|e| named(CALENDAR_FILE, e.to_string()))?;
        }
        if let Some(t) = &texts.lists {
            p.lists = ListPolicy::from_json(t).map_err(|e| named(LISTS_FILE, e.to_string()))?;
        }
        if let Some(t) = &texts.evaluation {
            p.evaluation = ModelSet::from_toml(t).map_err(|e| named(EVALUATION_FILE, e))?;
        }
        if let Some(t) = &texts.inspection {
            p.inspection = InspectionPolicy::from_toml(t).map_err(|e| named(INSPECTION_FILE, e))?;
        }
        if let Some(t) = &texts.discretion {
            p.discretion = DiscretionPolicy::from_toml(t).map_err(|e| named(DISCRETION_FILE, e))?;
        }
        if let Some(t) = &texts.assessment {
            p.assessment = AssessmentModel::from_toml(t).map_err(|e| named(ASSESSMENT_FILE, e))?;
        }
        if let Some(t) = &texts.integrity {
            p.integrity = IntegrityPolicy::from_toml(t).map_err(|e| named(INTEGRITY_FILE, e))?;
        }
        p.check_inspection_grades()?;
        if let Some(t) = &texts.limits {
            p.limits = EdgeLimits::from_toml(t).map_err(|e| named(LIMITS_FILE, e))?;
        }
        if let Some(t) = &texts.disclosure {
            p.disclosure = DisclosurePolicy::from_toml(t).map_err(|e| named(DISCLOSURE_FILE, e))?;
        }
        if let Some(t) = &texts.checkpoints {
            p.checkpoints = crate::checkpoint::CheckpointPolicy::from_toml(t)
                .map_err(|e| named(CHECKPOINTS_FILE, e))?;
        }
        if let Some(t) = &texts.exchange {
            p.exchange = crate::exchange::ExchangePolicy::from_toml(t)
                .map_err(|e| named(EXCHANGE_FILE, e))?;
        }
        Ok(p)
    }

    /// Every graded inspection item names a model that exists and grades it has.
    fn check_inspection_grades(&self) -> Result<(), String> {
        for item in &self.inspection.items {
            let Some(id) = &item.model else { continue };
            let model = self.evaluation.get(id).ok_or_else(|| {
                format!(
                    "{INSPECTION_FILE}：抽查事项 {} 的评价模型 {id} 不存在",
                    item.id
                )
            })?;
            for r in &item.ratios {
                model
                    .rank(&r.grade)
                    .map_err(|e| format!("{INSPECTION_FILE}：抽查事项 {}：{e}", item.id))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_keep_the_defaults_and_a_bad_one_is_named() {
        let p = Policies::from_texts(&PolicyTexts::default()).unwrap();
        assert_eq!(p.deadlines, *DeadlinePolicy::builtin());
        let shorter = crate::cases::DEFAULT_DEADLINES_TOML
            .replace("objection_answer = 15", "objection_answer = 10");
        assert_ne!(
            shorter,
            crate::cases::DEFAULT_DEADLINES_TOML,
            "the default names the key"
        );
        let p = Policies::from_texts(&PolicyTexts {
            deadlines: Some(shorter),
            ..PolicyTexts::default()
        })
        .unwrap();
        assert_eq!(p.deadlines.objection_answer, 10);
        assert_eq!(p.org, *OrgTree::builtin());
        let err = Policies::from_texts(&PolicyTexts {
            org: Some("not = [toml".into()),
            ..PolicyTexts::default()
        })
        .unwrap_err();
        assert!(err.starts_with("org-tree.toml："), "{err}");
    }
}
