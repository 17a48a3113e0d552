//! Amounts in 万元 (ten thousand yuan), as the national 双公示 layout records fines.
//!
//! Held as an integer count of 0.000001 万元 (one fen, 0.01 yuan), so sums and comparisons are
//! exact and the canonical encoding (a decimal string) never depends on float formatting.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Fractional digits kept: 6 digits of 万元 is one fen.
const SCALE_DIGITS: usize = 6;
const SCALE: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WanYuan(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("金额为空 (empty amount)")]
    Empty,
    #[error("金额“{0}”不是数字 (not a number)")]
    NotANumber(String),
    #[error("金额不能为负数：{0} (negative amount)")]
    Negative(String),
    #[error("金额“{0}”小数位过多，最多 6 位（万元精确到分）(too many decimals)")]
    TooPrecise(String),
    #[error("金额“{0}”过大 (too large)")]
    TooLarge(String),
}

impl WanYuan {
    pub const ZERO: WanYuan = WanYuan(0);

    /// Parses a non-negative decimal number of 万元, e.g. `0.2` for ¥2,000. Thousands separators
    /// (`,` and `，`) and surrounding spaces are tolerated; exponents and signs other than `+` are not.
    pub fn parse(input: &str) -> Result<Self, AmountError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let s = s.strip_prefix('+').unwrap_or(&s);
        if s.is_empty() {
            return Err(AmountError::Empty);
        }
        if s.starts_with('-') {
            return Err(AmountError::Negative(input.trim().to_string()));
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        let digits_only = |p: &str| p.chars().all(|c| c.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !digits_only(int_part)
            || !digits_only(frac_part)
        {
            return Err(AmountError::NotANumber(input.trim().to_string()));
        }
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > SCALE_DIGITS {
            return Err(AmountError::TooPrecise(input.trim().to_string()));
        }
        let too_large = || AmountError::TooLarge(input.trim().to_string());
        let int_value: i64 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| too_large())?
        };
        let mut frac_value: i64 = 0;
        for (i, c) in frac_trimmed.chars().enumerate() {
            frac_value += i64::from(c as u8 - b'0') * 10i64.pow((SCALE_DIGITS - 1 - i) as u32);
        }
        int_value
            .checked_mul(SCALE)
            .and_then(|v| v.checked_add(frac_value))
            .map(WanYuan)
            .ok_or_else(too_large)
    }

    /// From whole yuan (元).
    pub fn from_yuan(yuan: i64) -> Self {
        WanYuan(yuan * 100)
    }

    /// Amount in fen (0.01 yuan).
    pub fn fen(self) -> i64 {
        self.0
    }
}

impl fmt::Display for WanYuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let int = self.0 / SCALE;
        let frac = self.0 % SCALE;
        if frac == 0 {
            write!(f, "{int}")
        } else {
            let frac = format!("{frac:06}");
            write!(f, "{int}.{}", frac.trim_end_matches('0'))
        }
    }
}

impl TryFrom<String> for WanYuan {
    type Error = AmountError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        WanYuan::parse(&s)
    }
}

impl From<WanYuan> for String {
    fn from(w: WanYuan) -> String {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn two_thousand_yuan_is_point_two() {
        assert_eq!(WanYuan::parse("0.2").unwrap(), WanYuan::from_yuan(2000));
        assert_eq!(WanYuan::from_yuan(2000).to_string(), "0.2");
        assert_eq!(WanYuan::parse("1,000.50").unwrap().to_string(), "1000.5");
        assert_eq!(WanYuan::parse(".5").unwrap().to_string(), "0.5");
        assert_eq!(WanYuan::parse("3.").unwrap().to_string(), "3");
    }

    #[test]
    fn rejects_bad_amounts_with_reasons() {
        assert_eq!(WanYuan::parse(""), Err(AmountError::Empty));
        assert!(matches!(
            WanYuan::parse("-1"),
            Err(AmountError::Negative(_))
        ));
        assert!(matches!(
            WanYuan::parse("1e3"),
            Err(AmountError::NotANumber(_))
        ));
        assert!(matches!(
            WanYuan::parse("."),
            Err(AmountError::NotANumber(_))
        ));
        assert!(matches!(
            WanYuan::parse("0.0000001"),
            Err(AmountError::TooPrecise(_))
        ));
        assert!(matches!(
            WanYuan::parse("99999999999999999999"),
            Err(AmountError::TooLarge(_))
        ));
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(fen in 0i64..1_000_000_000_000) {
            let w = WanYuan(fen);
            prop_assert_eq!(WanYuan::parse(&w.to_string()).unwrap(), w);
        }
    }
}
