//! 依申请公开: what a request's policy says besides its deadlines (those are in
//! `cases::DeadlinePolicy` and run on the workflow engine) — the channels, the written answer
//! (告知书) for each result with its legal basis and the remedies, and the processing fees of
//! 国办函〔2020〕109号 (by requests per applicant per month, or by pages), each explained.

use serde::{Deserialize, Serialize};

use super::annual::{RESULT_ROWS, result_row};

/// The request part of the disclosure policy (`[requests]` in `data/policy/disclosure.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestPolicy {
    /// How a request may arrive (当面, 邮寄, 网络, 传真).
    pub channels: Vec<String>,
    /// The remedies every 告知书 states (复议, 诉讼).
    pub remedies: String,
    pub fees: FeePolicy,
    /// The written answer for each result row.
    #[serde(rename = "outcome")]
    pub outcomes: Vec<OutcomeText>,
}

/// 信息处理费 (国办函〔2020〕109号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeePolicy {
    pub basis: String,
    /// 按件计收: requests of one applicant in a calendar month up to this many are free.
    pub free_per_month: u32,
    /// … up to this many (inclusive) cost `first_yuan` each …
    pub first_to: u32,
    pub first_yuan: u32,
    /// … and beyond, each further `step` requests cost `step_increment` yuan more each.
    pub step: u32,
    pub step_increment: u32,
    /// 按量计收: (up to pages inclusive, yuan per page) bands; the last band's `to` is 0 = no end.
    pub page_bands: Vec<(u32, u32)>,
}

/// The 告知书 text of one result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeText {
    /// The result as `decide --outcome` names it (a result row's short name).
    pub outcome: String,
    /// The articles it rests on.
    pub basis: String,
    /// What the agency tells the applicant, in Chinese.
    pub text: String,
}

impl RequestPolicy {
    /// Every result row has its text and every text a result row.
    pub fn check(&self) -> Result<(), String> {
        for row in RESULT_ROWS.iter() {
            if !self.outcomes.iter().any(|o| o.outcome == row.outcome) {
                return Err(format!(
                    "依申请公开：办理结果“{}”没有告知书文本",
                    row.outcome
                ));
            }
        }
        for o in &self.outcomes {
            if result_row(&o.outcome).is_none() {
                return Err(format!(
                    "依申请公开：告知书文本的办理结果“{}”不是年度报告表格的一项",
                    o.outcome
                ));
            }
        }
        if self.channels.is_empty() {
            return Err("依申请公开：没有申请渠道".into());
        }
        let f = &self.fees;
        if f.first_to < f.free_per_month || f.step == 0 || f.page_bands.is_empty() {
            return Err("依申请公开：收费档次不合规".into());
        }
        Ok(())
    }

    pub fn outcome(&self, outcome: &str) -> Option<&OutcomeText> {
        let row = result_row(outcome)?;
        self.outcomes
            .iter()
            .find(|o| o.outcome == RESULT_ROWS[row].outcome)
    }
}

/// A fee with how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fee {
    pub yuan: u32,
    pub explanation: String,
}

/// 按件计收: the fee for an applicant's `nth` request (1-based) of a calendar month.
pub fn fee_by_count(f: &FeePolicy, nth: u32) -> Fee {
    let yuan = if nth <= f.free_per_month {
        0
    } else if nth <= f.first_to {
        f.first_yuan
    } else {
        f.first_yuan + f.step_increment * (1 + (nth - f.first_to - 1) / f.step)
    };
    let explanation = if yuan == 0 {
        format!(
            "同一申请人一个自然月内累计申请 {} 件以下（含）不收费；本件为本月第 {nth} 件，不收费（{}）",
            f.free_per_month, f.basis
        )
    } else {
        format!(
            "同一申请人一个自然月内累计申请超过 {} 件的部分按件收费：{}–{} 件每件 {} 元，此后每增加 {} 件每件提高 {} 元；本件为本月第 {nth} 件，收费 {yuan} 元（{}）",
            f.free_per_month,
            f.free_per_month + 1,
            f.first_to,
            f.first_yuan,
            f.step,
            f.step_increment,
            f.basis
        )
    };
    Fee { yuan, explanation }
}

/// 按量计收: the fee for one answer of `pages` pages.
pub fn fee_by_pages(f: &FeePolicy, pages: u32) -> Fee {
    let mut yuan = 0;
    let mut from = 0;
    let mut parts = Vec::new();
    for (to, per_page) in &f.page_bands {
        let upper = if *to == 0 { u32::MAX } else { *to };
        if pages > from {
            let n = pages.min(upper) - from;
            yuan += n * per_page;
            if *per_page > 0 && n > 0 {
                parts.push(format!("{n} 页 × {per_page} 元"));
            }
        }
        if *to == 0 {
            break;
        }
        from = *to;
    }
    let free = f.page_bands.first().map(|(to, _)| *to).unwrap_or(0);
    let explanation = if yuan == 0 {
        format!("{pages} 页，{free} 页以下（含）不收费（{}）", f.basis)
    } else {
        format!(
            "{pages} 页，{free} 页以下（含）不收费，超过部分分段计费：{}，共 {yuan} 元（{}）",
            parts.join(" + "),
            f.basis
        )
    };
    Fee { yuan, explanation }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::DisclosurePolicy;
    use proptest::prelude::*;

    fn fees() -> FeePolicy {
        DisclosurePolicy::builtin().requests.fees.clone()
    }

    #[test]
    fn the_shipped_policy_has_a_notice_for_every_result_row() {
        let p = &DisclosurePolicy::builtin().requests;
        p.check().unwrap();
        assert!(p.outcome("（三）不予公开/1.属于国家秘密").is_some());
        assert!(p.outcome("予以公开").unwrap().basis.contains("第三十六条"));
    }

    #[test]
    fn fees_by_count_follow_the_bands_of_2020_109() {
        let f = fees();
        let yuan = |n| fee_by_count(&f, n).yuan;
        assert_eq!((yuan(1), yuan(10)), (0, 0));
        assert_eq!((yuan(11), yuan(30)), (100, 100));
        assert_eq!((yuan(31), yuan(40)), (200, 200));
        assert_eq!((yuan(41), yuan(50), yuan(51)), (300, 300, 400));
        assert!(fee_by_count(&f, 31).explanation.contains("第 31 件"));
    }

    #[test]
    fn fees_by_pages_are_counted_band_by_band() {
        let f = fees();
        assert_eq!(fee_by_pages(&f, 30).yuan, 0);
        assert_eq!(fee_by_pages(&f, 31).yuan, 10);
        assert_eq!(fee_by_pages(&f, 100).yuan, 700);
        assert_eq!(fee_by_pages(&f, 150).yuan, 700 + 50 * 20);
        assert_eq!(fee_by_pages(&f, 250).yuan, 700 + 2000 + 50 * 40);
        assert!(fee_by_pages(&f, 250).explanation.contains("50 页 × 40 元"));
    }

    proptest! {
        #[test]
        fn fees_never_fall_as_requests_or_pages_grow(n in 1u32..500, p in 0u32..5000) {
            let f = fees();
            prop_assert!(fee_by_count(&f, n + 1).yuan >= fee_by_count(&f, n).yuan);
            prop_assert!(fee_by_pages(&f, p + 1).yuan >= fee_by_pages(&f, p).yuan);
        }
    }
}
