//! The limits at the platform's edge against abuse (`data/policy/limits.toml`): sign-in
//! throttling and the daily cap on anonymous applications. Policy data like the deadlines, so
//! an operator changes a number without a new build.

use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMITS_TOML: &str = include_str!("../../../data/policy/limits.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeLimits {
    pub version: String,
    /// Wrong passwords (per account, and per client address) within the window that lock
    /// further sign-in attempts.
    pub sign_in_max_failures: u32,
    pub sign_in_window_minutes: u32,
    /// Anonymous objections and repair applications one client address may file per day.
    pub anonymous_filings_per_day: u32,
}

impl EdgeLimits {
    pub fn builtin() -> &'static Self {
        static LIMITS: std::sync::LazyLock<EdgeLimits> = std::sync::LazyLock::new(|| {
            EdgeLimits::from_toml(DEFAULT_LIMITS_TOML).expect("the built-in limits parse")
        });
        &LIMITS
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let l: EdgeLimits =
            toml::from_str(text).map_err(|e| format!("限制政策文件格式错误：{e}"))?;
        for (name, n) in [
            ("sign_in_max_failures", l.sign_in_max_failures),
            ("sign_in_window_minutes", l.sign_in_window_minutes),
            ("anonymous_filings_per_day", l.anonymous_filings_per_day),
        ] {
            if n == 0 {
                return Err(format!("{name} 必须大于 0"));
            }
        }
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_limits_parse_and_zero_is_refused() {
        let l = EdgeLimits::builtin();
        assert_eq!(l.sign_in_max_failures, 5);
        assert_eq!(l.sign_in_window_minutes, 15);
        assert!(l.anonymous_filings_per_day > 0);
        let zero = DEFAULT_LIMITS_TOML.replace(
            "anonymous_filings_per_day = 10",
            "anonymous_filings_per_day = 0",
        );
        assert_ne!(zero, DEFAULT_LIMITS_TOML, "the default names the key");
        assert!(
            EdgeLimits::from_toml(&zero)
                .unwrap_err()
                .contains("anonymous_filings_per_day")
        );
    }
}
