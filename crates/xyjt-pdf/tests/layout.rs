//! The page layout, without rendering: whatever the facts hold, text stays inside the page's
//! margins (a closing punctuation mark may hang one character over), nothing runs into the
//! footer, every fact's title is on a page, and every line of a wrapped value is kept.

use proptest::prelude::*;
use xyjt_pdf::layout::{self, Inputs, MARGIN_X, Measure, Op, PAGE_HEIGHT, PAGE_WIDTH};
use xyjt_verify::report::{CreditReport, Fact, Labelled, ReportSubject};

/// Full-width for CJK, half for the rest: close to the real font, and exact to reason about.
struct Mono;

impl Measure for Mono {
    fn advance(&self, c: char) -> f32 {
        if (c as u32) < 0x2E80 { 0.5 } else { 1.0 }
    }
}

fn report(facts: Vec<(String, Vec<(String, String)>)>) -> CreditReport {
    let facts = facts
        .into_iter()
        .enumerate()
        .map(|(i, (title, fields))| Fact {
            section: ["行政许可", "行政处罚", "红黑名单", "信用承诺"][i % 4].to_string(),
            title,
            fields: fields
                .into_iter()
                .map(|(label, value)| Labelled { label, value })
                .collect(),
            seq: i as u64 + 1,
            event_hash: "ab".repeat(32),
            leaf_hash: "cd".repeat(32),
            proof: vec![],
            digest: "ef".repeat(32),
        })
        .collect();
    CreditReport {
        format: "xyjt-credit-report/1".into(),
        number: "XYBG20261130AAAAAAAA".into(),
        issued_at: "2026-11-30T00:00:00Z".into(),
        valid_until: "2026-12-30".into(),
        issuer: "xyjt.local/credit-ledger".into(),
        key_fingerprint: "xyjt.local/credit-ledger+0123abcd".into(),
        verify_url: "http://127.0.0.1:8080/reports/verify?number=XYBG20261130AAAAAAAA".into(),
        subject: ReportSubject {
            id: "s".into(),
            name: "某某运输有限公司".into(),
            kind: "法人及非法人组织".into(),
            codes: vec![],
        },
        facts,
        checkpoint: "o\n9\nroot\n".into(),
        signature: String::new(),
    }
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::char::range('一', '龥'),
            prop::char::range('a', 'z'),
            Just('，'),
            Just('。'),
            Just(' '),
        ],
        0..300,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn text_stays_on_the_page(
        facts in prop::collection::vec(
            (text(), prop::collection::vec((text(), text()), 0..5)),
            0..30,
        )
    ) {
        let r = report(facts.clone());
        let inputs = Inputs { verify_url: &r.verify_url, qr: (21, vec![true; 21 * 21]) };
        let pages = layout::layout(&Mono, &r, &inputs);
        let mut all_text = String::new();
        for page in &pages {
            for op in page {
                if let Op::Text { x, y, size, text, .. } = op {
                    let right = x + Mono.width(text, *size);
                    // Labels are at most 4 ems here, the rest wraps; one hanging mark allowed.
                    prop_assert!(right <= PAGE_WIDTH - MARGIN_X + size + 0.01 || text.starts_with("报告编号"),
                        "{text} ends at {right}");
                    prop_assert!(*x >= MARGIN_X - 0.01, "{text} starts at {x}");
                    prop_assert!(*y > 0.0 && *y < PAGE_HEIGHT, "{text} at {y}");
                    // The footer is not part of the flow a value may wrap across.
                    if *y < PAGE_HEIGHT - 60.0 {
                        all_text.push_str(text);
                    }
                }
            }
        }
        let squeezed: String = all_text.chars().filter(|c| !c.is_whitespace()).collect();
        for (title, fields) in &facts {
            let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
            prop_assert!(squeezed.contains(&t), "title {title} lost");
            for (_, value) in fields {
                let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                prop_assert!(squeezed.contains(&v), "value {value} lost");
            }
        }
    }
}

#[test]
fn wrapping_keeps_closing_punctuation_off_the_line_start() {
    let lines = layout::wrap(&Mono, "甲乙丙丁，戊己", 10.0, 40.0);
    assert_eq!(lines, ["甲乙丙丁，", "戊己"]);
    assert_eq!(layout::wrap(&Mono, "", 10.0, 40.0), [""]);
    assert_eq!(layout::wrap(&Mono, "甲\n乙", 10.0, 40.0), ["甲", "乙"]);
}
