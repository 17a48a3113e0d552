//! A score or a number of points in hundredths, so that band edges compare exactly (95 is AA,
//! 94.99 is A) and no float enters a ledger hash: serialised as a decimal string ("94.5").

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A non-integer quantity with two decimals: 9450 is 94.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(pub i64);

impl Score {
    pub const ZERO: Score = Score(0);

    pub fn from_int(n: i64) -> Self {
        Score(n * 100)
    }

    /// Parses `95`, `94.5`, `-3.25`; at most two decimals; nothing else (no exponent, no
    /// spaces inside, no thousands separators).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("“{text}”不是有效的分值（应为数字，最多两位小数，如 94.5）");
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty()
            || int.len() > 9
            || !int.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (digits.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let whole: i64 = int.parse().map_err(|_| bad())?;
        let mut hundredths: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        if frac.len() == 1 {
            hundredths *= 10;
        }
        let value = whole * 100 + hundredths;
        Ok(Score(if negative { -value } else { value }))
    }

    pub fn abs(self) -> Score {
        Score(self.0.abs())
    }
}

impl std::ops::Add for Score {
    type Output = Score;
    fn add(self, rhs: Score) -> Score {
        Score(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Score {
    type Output = Score;
    fn sub(self, rhs: Score) -> Score {
        Score(self.0 - rhs.0)
    }
}

impl std::ops::Neg for Score {
    type Output = Score;
    fn neg(self) -> Score {
        Score(-self.0)
    }
}

impl std::iter::Sum for Score {
    fn sum<I: Iterator<Item = Score>>(iter: I) -> Score {
        Score(iter.map(|s| s.0).sum())
    }
}

impl fmt::Display for Score {
    /// `95`, `94.5`, `94.25`, `-3`: no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.unsigned_abs();
        let (whole, frac) = (v / 100, v % 100);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}", f10 / 10),
            _ => write!(f, "{sign}{whole}.{frac:02}"),
        }
    }
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Score {
    /// A decimal string, or (in policy files) a TOML/JSON number.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(Score::from_int(n)),
            Raw::Float(x) => {
                let h = (x * 100.0).round();
                if (x * 100.0 - h).abs() > 1e-6 || !h.is_finite() {
                    return Err(serde::de::Error::custom(format!("分值 {x} 最多两位小数")));
                }
                Ok(Score(h as i64))
            }
            Raw::Text(t) => Score::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints_decimals() {
        assert_eq!(Score::parse("95").unwrap(), Score(9500));
        assert_eq!(Score::parse("94.5").unwrap(), Score(9450));
        assert_eq!(Score::parse("94.99").unwrap(), Score(9499));
        assert_eq!(Score::parse("-3.25").unwrap(), Score(-325));
        assert_eq!(Score(9450).to_string(), "94.5");
        assert_eq!(Score(9405).to_string(), "94.05");
        assert_eq!(Score(-300).to_string(), "-3");
        for bad in [
            "",
            "9 5",
            "94.",
            ".5",
            "94.505",
            "1e2",
            "abc",
            "95分",
            "１００",
        ] {
            assert!(Score::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn reads_numbers_from_policy_files() {
        let s: Score = serde_json::from_str("85.5").unwrap();
        assert_eq!(s, Score(8550));
        let s: Score = serde_json::from_str("\"85.5\"").unwrap();
        assert_eq!(s, Score(8550));
        assert!(serde_json::from_str::<Score>("85.555").is_err());
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(v in -100_000_000_i64..100_000_000) {
            let s = Score(v);
            prop_assert_eq!(Score::parse(&s.to_string()).unwrap(), s);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,12}") {
            let _ = Score::parse(&text);
        }
    }
}
