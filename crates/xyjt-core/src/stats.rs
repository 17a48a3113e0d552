//! 双公示 compliance statistics: 合规率 (accepted / received) and 及时率 (on time / accepted).

use serde::Serialize;

/// Counts and rates of one reporting unit in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeStats {
    /// Rows received: accepted + rejected.
    pub received: i64,
    pub accepted: i64,
    pub rejected: i64,
    /// Accepted but received after the reporting deadline (迟报).
    pub late: i64,
    /// 合规率 = accepted / received; `None` when nothing was received.
    pub compliance_rate: Option<f64>,
    /// 及时率 = (accepted − late) / accepted; `None` when nothing was accepted.
    pub timeliness_rate: Option<f64>,
}

impl IntakeStats {
    pub fn new(accepted: i64, rejected: i64, late: i64) -> Self {
        let received = accepted + rejected;
        IntakeStats {
            received,
            accepted,
            rejected,
            late,
            compliance_rate: ratio(accepted, received),
            timeliness_rate: ratio(accepted - late, accepted),
        }
    }
}

/// A rate rounded to four decimals (0.9375 = 93.75 %).
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        let s = IntakeStats::new(15, 1, 3);
        assert_eq!(s.received, 16);
        assert_eq!(s.compliance_rate, Some(0.9375));
        assert_eq!(s.timeliness_rate, Some(0.8));
        let none = IntakeStats::new(0, 0, 0);
        assert_eq!((none.compliance_rate, none.timeliness_rate), (None, None));
        assert_eq!(IntakeStats::new(0, 2, 0).compliance_rate, Some(0.0));
    }
}
