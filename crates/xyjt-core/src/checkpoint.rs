//! The policy of the ledger's signed checkpoints (`data/policy/checkpoints.toml`): the log's
//! origin, how often the server signs, how long a credit report stays valid.

use serde::{Deserialize, Serialize};

pub const DEFAULT_CHECKPOINTS_TOML: &str = include_str!("../../../data/policy/checkpoints.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointPolicy {
    pub version: String,
    /// The first line of every checkpoint and the default signing key name.
    pub origin: String,
    /// Minutes between the server's periodic checkpoints.
    pub interval_minutes: u32,
    /// Days a credit report is valid from its issue.
    pub report_validity_days: u32,
}

impl CheckpointPolicy {
    pub fn builtin() -> &'static Self {
        static POLICY: std::sync::LazyLock<CheckpointPolicy> = std::sync::LazyLock::new(|| {
            CheckpointPolicy::from_toml(DEFAULT_CHECKPOINTS_TOML)
                .expect("the built-in checkpoint policy parses")
        });
        &POLICY
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: CheckpointPolicy =
            toml::from_str(text).map_err(|e| format!("检查点政策文件格式错误：{e}"))?;
        if p.origin.is_empty() || p.origin.contains(|c: char| c.is_whitespace() || c == '+') {
            return Err(format!(
                "origin“{}”不可为空，也不可含空格、换行或 +",
                p.origin
            ));
        }
        for (name, n) in [
            ("interval_minutes", p.interval_minutes),
            ("report_validity_days", p.report_validity_days),
        ] {
            if n == 0 {
                return Err(format!("{name} 必须大于 0"));
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_parses_and_bad_values_are_named() {
        let p = CheckpointPolicy::builtin();
        assert_eq!(p.interval_minutes, 60);
        assert_eq!(p.origin, "xyjt.local/credit-ledger");
        let zero =
            DEFAULT_CHECKPOINTS_TOML.replace("interval_minutes = 60", "interval_minutes = 0");
        assert_ne!(zero, DEFAULT_CHECKPOINTS_TOML);
        assert!(
            CheckpointPolicy::from_toml(&zero)
                .unwrap_err()
                .contains("interval_minutes")
        );
        let spaced = DEFAULT_CHECKPOINTS_TOML
            .replace("origin = \"xyjt.local/credit-ledger\"", "origin = \"a b\"");
        assert!(
            CheckpointPolicy::from_toml(&spaced)
                .unwrap_err()
                .contains("a b")
        );
    }
}
