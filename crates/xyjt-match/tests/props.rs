//! Property tests of the screening engine: spelling variants always match, scores stay in
//! [0, 1], identifiers always match exactly, and the index stays consistent under updates.

use proptest::prelude::*;
use std::collections::HashMap;
use xyjt_core::ident::uscc_check_char;
use xyjt_match::normalize::normalize_text;
use xyjt_match::{ListEntry, MatchIndex, compare_names};

const TRADE: &str = "长风顺达通远恒运安泰鑫源宏图金桥畅行捷华航瑞丰永昌盛汇天成广明珠新程中联宝骏马飞鸿利民正道大千万象祥和同舟凯旋润泽信诚";
const INDUSTRIES: &[&str] = &[
    "货运",
    "物流",
    "客运",
    "汽车维修",
    "驾驶员培训",
    "港航",
    "路桥工程",
    "危险货物运输",
    "冷链运输",
];
const REGIONS: &[&str] = &[
    "",
    "东湖市",
    "西岭市",
    "示范省",
    "青山县",
    "苏州市",
    "广东省",
];
const FORMS: &[&str] = &[
    "有限公司",
    "有限责任公司",
    "股份有限公司",
    "集团有限公司",
    "公司",
];

fn trade_chars() -> Vec<char> {
    TRADE.chars().collect()
}

/// (region, trade name, industry, legal form)
fn company() -> impl Strategy<Value = (String, String, String, String)> {
    let chars = trade_chars();
    (
        prop::sample::select(REGIONS),
        prop::collection::vec(prop::sample::select(chars), 2..4),
        prop::sample::select(&["", "", "", "JT", "Logistics"][..]),
        prop::sample::select(INDUSTRIES),
        prop::sample::select(FORMS),
    )
        .prop_map(|(r, t, latin, i, f)| {
            (
                r.to_owned(),
                t.into_iter().collect::<String>() + latin,
                i.to_owned(),
                f.to_owned(),
            )
        })
}

fn name_of(c: &(String, String, String, String)) -> String {
    format!("{}{}{}{}", c.0, c.1, c.2, c.3)
}

/// A spelling variant: traditional characters, full-width, spaces, brackets.
#[derive(Debug, Clone, Copy)]
enum Spelling {
    Traditional,
    FullWidthBrackets,
    Spaces,
    BracketsAroundIndustry,
    RegionInBrackets,
    Lowercase,
}

fn spelling() -> impl Strategy<Value = Vec<Spelling>> {
    prop::collection::vec(
        prop::sample::select(vec![
            Spelling::Traditional,
            Spelling::FullWidthBrackets,
            Spelling::Spaces,
            Spelling::BracketsAroundIndustry,
            Spelling::RegionInBrackets,
            Spelling::Lowercase,
        ]),
        1..4,
    )
}

fn apply(c: &(String, String, String, String), spellings: &[Spelling], seed: usize) -> String {
    let (mut region, trade, mut industry, form) = c.clone();
    let mut region_in_brackets = false;
    for s in spellings {
        match s {
            Spelling::BracketsAroundIndustry => industry = format!("（{industry}）"),
            Spelling::RegionInBrackets if !region.is_empty() => region_in_brackets = true,
            _ => {}
        }
    }
    let mut name = if region_in_brackets {
        format!("{trade}（{region}）{industry}{form}")
    } else {
        format!("{region}{trade}{industry}{form}")
    };
    region.clear();
    for s in spellings {
        match s {
            Spelling::Traditional => name = hanconv::s2t(&name),
            Spelling::FullWidthBrackets => {
                name = full_width(&name.replace('（', "(").replace('）', ")"));
            }
            Spelling::Spaces => {
                let chars: Vec<char> = name.chars().collect();
                let at = 1 + seed % (chars.len() - 1);
                name = chars[..at]
                    .iter()
                    .chain(std::iter::once(&'\u{3000}'))
                    .chain(std::iter::once(&' '))
                    .chain(&chars[at..])
                    .collect();
            }
            Spelling::Lowercase => name = name.to_lowercase(),
            _ => {}
        }
    }
    name
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn uscc_from(body: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let first17: String = std::iter::once('9')
        .chain(std::iter::once('1'))
        .chain(body.iter().enumerate().map(|(i, &b)| {
            if i < 6 {
                char::from(b'0' + b % 10)
            } else {
                char::from(ALPHABET[(b % 31) as usize])
            }
        }))
        .collect();
    format!("{first17}{}", uscc_check_char(&first17).unwrap())
}

fn distractors() -> Vec<ListEntry> {
    let mut out = Vec::new();
    for (i, region) in ["东湖市", "西岭市", "南川市"].iter().enumerate() {
        for (j, industry) in INDUSTRIES.iter().enumerate() {
            out.push(ListEntry {
                entry_id: format!("d{i}-{j}"),
                list: "严重失信主体名单".into(),
                name: format!("{region}北辰{industry}有限公司"),
                code: None,
            });
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A name and any spelling variant of it (traditional, full-width, spaced, bracketed)
    /// score at least 0.9 against each other, both ways, and the variant finds the name first.
    #[test]
    fn spelling_variants_score_at_least_090(
        c in company(),
        spellings in spelling(),
        seed in 0usize..100,
    ) {
        let name = name_of(&c);
        let variant = apply(&c, &spellings, seed);
        // OpenCC's simplified → traditional → simplified round trip is not always the identity
        // (one traditional form for several simplified ones); such names are out of scope.
        prop_assume!(hanconv::t2s(hanconv::s2t(&name)) == name);
        let there = compare_names(&name, &variant);
        let back = compare_names(&variant, &name);
        prop_assert!(there.score >= 0.9, "{name} / {variant}: {there:?}");
        prop_assert!(back.score >= 0.9, "{variant} / {name}: {back:?}");

        let mut index = MatchIndex::build(distractors());
        index.insert(ListEntry {
            entry_id: "target".into(),
            list: "失信被执行人".into(),
            name: name.clone(),
            code: None,
        });
        let hits = index.screen(Some(&variant), None, 5, 0.0);
        prop_assert!(!hits.is_empty());
        prop_assert_eq!(&hits[0].entry_id, "target");
        prop_assert!(hits[0].score >= 0.9, "{:?}", hits[0]);
    }

    /// Legal-form swaps and a dropped region keep the score at 0.9 or more.
    #[test]
    fn legal_form_and_region_variants_score_at_least_090(
        c in company(),
        other_form in prop::sample::select(FORMS),
        drop_region in any::<bool>(),
    ) {
        let name = name_of(&c);
        let region = if drop_region { String::new() } else { c.0.clone() };
        let variant = format!("{}{}{}{}", region, c.1, c.2, other_form);
        let cmp = compare_names(&name, &variant);
        prop_assert!(cmp.score >= 0.9, "{name} / {variant}: {cmp:?}");
    }

    /// Every score is in [0, 1], for any pair of strings.
    #[test]
    fn scores_are_in_unit_interval(a in "\\PC{0,30}", b in "\\PC{0,30}") {
        let cmp = compare_names(&a, &b);
        prop_assert!((0.0..=1.0).contains(&cmp.score), "{cmp:?}");
        let index = MatchIndex::build([
            ("1".to_owned(), "名单".to_owned(), a.clone(), None),
            ("2".to_owned(), "名单".to_owned(), format!("{a}{b}"), Some(b.clone())),
        ]);
        for hit in index.screen(Some(&b), Some(&a), 10, 0.0) {
            prop_assert!((0.0..=1.0).contains(&hit.score), "{hit:?}");
        }
    }

    /// An identifier match always scores 1.0, however the identifier is written and whatever
    /// the names are.
    #[test]
    fn exact_code_match_is_always_one(
        body in prop::collection::vec(any::<u8>(), 15),
        listed_name in "\\PC{0,20}",
        query_name in proptest::option::of("\\PC{0,20}"),
        style in 0u8..4,
    ) {
        let code = uscc_from(&body);
        let written = match style {
            0 => code.clone(),
            1 => code.to_lowercase(),
            2 => full_width(&code),
            _ => format!("{} {}-{}", &code[..6], &code[6..12], &code[12..]),
        };
        let mut entries = distractors();
        entries.push(ListEntry {
            entry_id: "target".into(),
            list: "失信被执行人".into(),
            name: listed_name,
            code: Some(code),
        });
        let index = MatchIndex::build(entries);
        let hits = index.screen(query_name.as_deref(), Some(&written), 3, 0.0);
        prop_assert_eq!(&hits[0].entry_id, "target");
        prop_assert_eq!(hits[0].score, 1.0);
    }

    /// Character-level normalisation is idempotent on CJK names.
    #[test]
    fn normalisation_is_idempotent(c in company(), spellings in spelling(), seed in 0usize..100) {
        let variant = apply(&c, &spellings, seed);
        let once = normalize_text(&variant);
        prop_assert_eq!(normalize_text(&once), once);
    }

    /// After any sequence of inserts and removals, every live entry is found by its exact name
    /// and code, and no removed entry is ever returned.
    #[test]
    fn index_stays_consistent_under_updates(
        ops in prop::collection::vec((0usize..12, any::<bool>(), company()), 1..40),
    ) {
        let mut index = MatchIndex::new();
        let mut model: HashMap<String, String> = HashMap::new();
        for (id, insert, c) in &ops {
            let id = format!("e{id}");
            if *insert {
                let name = name_of(c);
                index.insert(ListEntry {
                    entry_id: id.clone(),
                    list: "名单".into(),
                    name: name.clone(),
                    code: None,
                });
                model.insert(id, name);
            } else {
                let removed = index.remove(&id);
                prop_assert_eq!(removed.map(|e| e.name), model.remove(&id));
            }
        }
        prop_assert_eq!(index.len(), model.len());
        for (id, name) in &model {
            let hits = index.screen(Some(name), None, 20, 0.99);
            prop_assert!(hits.iter().any(|h| &h.entry_id == id), "{id} {name}: {hits:?}");
            prop_assert_eq!(index.get(id).map(|e| e.name), Some(name.clone()));
        }
        for (id, _, c) in &ops {
            let id = format!("e{id}");
            if !model.contains_key(&id) {
                let hits = index.screen(Some(&name_of(c)), None, 20, 0.0);
                prop_assert!(hits.iter().all(|h| h.entry_id != id));
            }
        }
    }
}
