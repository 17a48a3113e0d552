//! Credit evaluation (信用评价): models as versioned policy, grading, scoring from ledger facts.
//! RULES.md §7. The numbers are data (`data/policy/evaluation.toml`), never code.

mod measures;
mod model;
mod score;
mod scoring;
mod state;

pub use measures::*;
pub use model::*;
pub use score::Score;
pub use scoring::*;
pub use state::*;

use serde::{Deserialize, Serialize};

/// The shipped evaluation models (version 1 of each; later versions are ledger events).
pub const DEFAULT_EVALUATION_TOML: &str = include_str!("../../../../data/policy/evaluation.toml");

/// A set of models, one current version per id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSet {
    /// Results are published, and copied to the supervising and sharing units, within this many
    /// (calendar) days of being determined (RULES.md §7: 5).
    pub publish_days: u32,
    /// The sharing units every published run is copied to (besides the supervising unit).
    pub sharing_units: Vec<String>,
    #[serde(rename = "model")]
    pub models: Vec<EvalModel>,
    /// Measures by grade at decision points (cited by the credit check).
    #[serde(default, rename = "grade_measure")]
    pub grade_measures: Vec<GradeMeasure>,
}

impl ModelSet {
    pub fn builtin() -> &'static ModelSet {
        static BUILTIN: std::sync::OnceLock<ModelSet> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            ModelSet::from_toml(DEFAULT_EVALUATION_TOML)
                .expect("data/policy/evaluation.toml is valid (tested)")
        })
    }

    /// Parses and validates every model; ids must be unique.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let set: ModelSet = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut ids = std::collections::HashSet::new();
        for m in &set.models {
            if !ids.insert(m.id.as_str()) {
                return Err(format!("模型 {} 重复", m.id));
            }
            m.validate()?;
        }
        Ok(set)
    }

    pub fn get(&self, id: &str) -> Option<&EvalModel> {
        self.models.iter().find(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests;
