//! Fuzzing the core's edge parsers with proptest (bounded, run in CI with the other tests; raise
//! the case count with `XYJT_FUZZ_CASES=100000 cargo test -p xyjt-core --test fuzz` for a longer
//! run): identifiers, amounts, scores, half years, and every policy file — the shipped text
//! mutated byte by byte. Each must answer `Ok` or an error, never panic; an error must say
//! something (a Chinese message naming the file for the policies).

use proptest::prelude::*;
use xyjt_core::policies::{Policies, PolicyTexts};

/// The shipped policy files, by the `PolicyTexts` field they fill.
fn shipped() -> Vec<(&'static str, String)> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
    [
        ("publicity", "policy/publicity.toml"),
        ("deadlines", "policy/deadlines.toml"),
        ("commitments", "policy/commitments.toml"),
        ("org", "org-tree.toml"),
        ("calendar", "cn-calendar.toml"),
        ("lists", "policy/lists.json"),
        ("evaluation", "policy/evaluation.toml"),
        ("inspection", "policy/inspection.toml"),
        ("discretion", "policy/discretion.toml"),
        ("integrity", "policy/integrity.toml"),
        ("assessment", "policy/integrity-assessment.toml"),
        ("limits", "policy/limits.toml"),
        ("disclosure", "policy/disclosure.toml"),
        ("exchange", "policy/exchange.toml"),
    ]
    .into_iter()
    .map(|(field, file)| {
        (
            field,
            std::fs::read_to_string(format!("{data}/{file}")).expect("a shipped policy file"),
        )
    })
    .collect()
}

/// Cases per property: 256 in the test suite, more with `XYJT_FUZZ_CASES`.
fn cases() -> u32 {
    std::env::var("XYJT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn texts_with(field: &str, text: String) -> PolicyTexts {
    let mut t = PolicyTexts::default();
    let slot = match field {
        "publicity" => &mut t.publicity,
        "deadlines" => &mut t.deadlines,
        "commitments" => &mut t.commitments,
        "org" => &mut t.org,
        "calendar" => &mut t.calendar,
        "lists" => &mut t.lists,
        "evaluation" => &mut t.evaluation,
        "inspection" => &mut t.inspection,
        "discretion" => &mut t.discretion,
        "integrity" => &mut t.integrity,
        "assessment" => &mut t.assessment,
        "limits" => &mut t.limits,
        "disclosure" => &mut t.disclosure,
        "exchange" => &mut t.exchange,
        other => panic!("{other}"),
    };
    *slot = Some(text);
    t
}

/// One edit of a text: replace, insert or delete a character at a position.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Insert(usize, char),
    Delete(usize),
    Truncate(usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let c = prop_oneof![
        any::<char>(),
        Just('"'),
        Just('['),
        Just(']'),
        Just('='),
        Just('\n'),
        Just('0'),
        Just('-'),
        Just('{'),
        Just(','),
    ];
    prop_oneof![
        (any::<usize>(), c.clone()).prop_map(|(i, c)| Edit::Replace(i, c)),
        (any::<usize>(), c).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        if chars.is_empty() {
            break;
        }
        match *e {
            Edit::Replace(i, c) => {
                let i = i % chars.len();
                chars[i] = c;
            }
            Edit::Insert(i, c) => {
                let i = i % (chars.len() + 1);
                chars.insert(i, c);
            }
            Edit::Delete(i) => {
                let i = i % chars.len();
                chars.remove(i);
            }
            Edit::Truncate(i) => {
                let i = i % chars.len();
                chars.truncate(i);
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn a_mutated_policy_file_is_accepted_or_refused_with_its_name(
        which in 0usize..13,
        edits in proptest::collection::vec(edit_strategy(), 1..6),
    ) {
        let files = shipped();
        let (field, text) = &files[which];
        let mutated = apply(text, &edits);
        if let Err(e) = Policies::from_texts(&texts_with(field, mutated)) {
            prop_assert!(!e.trim().is_empty());
        }
    }

    #[test]
    fn any_text_is_an_identifier_or_a_reason(s in "\\PC{0,40}|[0-9A-Z]{15,20}|[0-9]{17}[0-9X]") {
        if let Err(e) = xyjt_core::ident::check(&s).result {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn any_text_is_an_amount_or_a_reason(s in "\\PC{0,24}|-?[0-9]{0,20}(\\.[0-9]{0,8})?") {
        if let Err(e) = xyjt_core::money::WanYuan::parse(&s) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn any_text_is_a_score_or_a_half_year_or_a_reason(s in "\\PC{0,16}|-?[0-9]{0,12}(\\.[0-9]{0,4})?|[0-9]{4}H[0-9]") {
        let _ = xyjt_core::evaluation::Score::parse(&s);
        let _ = xyjt_core::integrity::assessment::HalfYear::parse(&s);
    }
}

#[test]
fn the_shipped_policies_parse() {
    for (field, text) in shipped() {
        Policies::from_texts(&texts_with(field, text)).unwrap_or_else(|e| panic!("{field}: {e}"));
    }
}
