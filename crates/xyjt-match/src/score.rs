//! Pairwise scoring of two analysed names, and its explanation in Chinese.
//!
//! # Score design
//!
//! Every score is in `[0, 1]` and is built from named parts, each of which appears in the
//! explanation:
//!
//! | evidence | score |
//! |---|---|
//! | identifier equal (统一社会信用代码, 组织机构代码 incl. the one inside a USCC, 注册号, 身份证号) | **1.00** |
//! | normalised full names equal ([`NameAnalysis::normalized`]) | **0.99** |
//! | otherwise | **0.96 × core similarity − legal-form penalty − region penalty** (at most 0.98) |
//!
//! *Core similarity* is 1 when the cores are equal, else `0.7 × edit + 0.3 × coverage`:
//! * *edit*: the normalised edit similarity `1 − levenshtein / max(len)` over characters;
//! * *coverage*: the weighted coverage of the query core's character features (padded bigrams `^a`, `ab`,
//!   `z$` and skip-bigrams `a_c`) by the listed core's: `Σ w(shared) / Σ w(query)`, each feature
//!   weighted by its rarity in the index, `w = ln(1 + N / (1 + df))` (all weights 1 outside an
//!   index). Shared rare features (the trade name) count more than shared common ones (货运,
//!   物流).
//!
//! *Legal-form penalty* ([`FormRelation`]): same form or both absent 0; same class
//! (有限公司 / 有限责任公司) 0.01; company variants (有限公司 / 股份有限公司 / 公司 / 集团) 0.02;
//! absent on one side 0.02; different kinds of subject (公司 / 合作社) 0.15.
//!
//! *Region penalty* ([`RegionRelation`]): same region or both absent 0; one inside the other
//! (示范省 / 东湖市) 0.01; absent on one side 0.01 when the cores are equal, 0.10 when they only
//! look alike (the region is then the only corroboration left); two different regions 0.40 —
//! the same trade name in another city is usually another company (names are unique only
//! within a registration area).
//!
//! So an identical core with 有限公司 / 有限责任公司 and the same region scores 0.95; with the
//! region missing on one side 0.94; a one-character typo in a four-character core, everything
//! else equal, about 0.62–0.65 (longer cores score higher); the same core in a different city
//! 0.56 or less.
//!
//! The weights (0.7 / 0.3) and the fuzzy missing-region penalty (0.10) were chosen on the
//! labelled set of `examples/screen_bench/` with seed 1 and checked on seed 2; see
//! `docs/BENCHMARKS.md`.
//!
//! When both sides carry a valid identifier of the same kind and the identifiers differ, a
//! name-based score is lowered by 0.25 (同名不同码).

use crate::normalize::{FormRelation, LegalForm, NameAnalysis, Step};
use crate::region::Region;
use serde::Serialize;

/// Score of an identifier match.
pub const SCORE_IDENTIFIER: f64 = 1.0;
/// Score of equal normalised full names.
pub const SCORE_SAME_NAME: f64 = 0.99;
/// Multiplier of the core similarity (the score of equal cores before penalties).
pub const SCORE_CORE: f64 = 0.96;
/// Highest score a name that is not the same normalised name can reach.
pub const SCORE_CORE_MAX: f64 = 0.98;
/// Weight of the edit similarity in the core similarity (the rest is the weighted coverage).
pub const WEIGHT_EDIT: f64 = 0.7;
/// Penalty when both sides have valid identifiers of the same kind that differ.
pub const PENALTY_CODE_CONFLICT: f64 = 0.25;

/// Penalty for a legal-form relation.
pub fn form_penalty(relation: FormRelation) -> f64 {
    match relation {
        FormRelation::Same => 0.0,
        FormRelation::SameClass => 0.01,
        FormRelation::CompanyVariant | FormRelation::Missing => 0.02,
        FormRelation::Different => 0.15,
    }
}

/// How the regions of two names relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionRelation {
    /// The same region, or neither name has one.
    Same,
    /// One region lies inside the other (示范省 / 东湖市).
    Nested,
    /// Only one name has a region.
    Missing,
    /// Two different regions.
    Conflict,
}

impl RegionRelation {
    pub fn of(a: Option<Region>, b: Option<Region>) -> RegionRelation {
        match (a, b) {
            (None, None) => RegionRelation::Same,
            (Some(_), None) | (None, Some(_)) => RegionRelation::Missing,
            (Some(a), Some(b)) if a == b => RegionRelation::Same,
            (Some(a), Some(b)) if a.is_compatible(b) => RegionRelation::Nested,
            _ => RegionRelation::Conflict,
        }
    }

    /// Penalty for this relation; `same_core` tells whether the cores are equal.
    pub fn penalty(self, same_core: bool) -> f64 {
        match self {
            RegionRelation::Same => 0.0,
            RegionRelation::Nested => 0.01,
            RegionRelation::Missing if same_core => 0.01,
            RegionRelation::Missing => 0.10,
            RegionRelation::Conflict => 0.40,
        }
    }
}

/// What a hit rests on, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchBasis {
    /// An identifier is equal.
    Identifier,
    /// The normalised full names are equal.
    SameName,
    /// The core names are equal.
    SameCore,
    /// The core names are similar.
    SimilarCore,
}

/// The parts of a name needed for scoring (borrowed from an analysis or from index storage).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parts<'a> {
    pub normalized_hash: u64,
    pub core: &'a str,
    pub region: Option<Region>,
    pub form: Option<LegalForm>,
}

impl<'a> Parts<'a> {
    pub fn of(a: &'a NameAnalysis) -> Parts<'a> {
        Parts {
            normalized_hash: text_hash(&a.normalized),
            core: &a.core,
            region: a.region,
            form: a.legal_form,
        }
    }
}

/// Similarity of two cores, with its components.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CoreSimilarity {
    pub edit_distance: usize,
    pub max_len: usize,
    pub shared_features: usize,
    pub query_features: usize,
    /// Weighted share of the query's features found in the listed core.
    pub coverage: f64,
    pub similarity: f64,
}

/// The scored comparison of two names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NameScore {
    pub basis: MatchBasis,
    pub core: Option<CoreSimilarity>,
    pub form: FormRelation,
    pub region: RegionRelation,
    pub score: f64,
}

/// 64-bit FNV-1a of a string, finished with a 64-bit mixer.
pub(crate) fn text_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// The murmur3 64-bit finaliser.
pub(crate) fn mix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

const FEATURE_BIGRAM: u64 = 0;
const FEATURE_SKIP: u64 = 1;

fn feature_key(kind: u64, a: u32, b: u32) -> u64 {
    (kind << 42) | (u64::from(a) << 21) | u64::from(b)
}

/// The feature set of a core: padded bigrams (`^a`, `ab`, `z$`) and skip-bigrams (`a_c`),
/// sorted and deduplicated. A core of n ≥ 1 characters has at most 2n − 1 features.
pub(crate) fn core_features(core: &[char], out: &mut Vec<u64>) {
    out.clear();
    let (Some(&first), Some(&last)) = (core.first(), core.last()) else {
        return;
    };
    out.push(feature_key(FEATURE_BIGRAM, 0, first as u32));
    for w in core.windows(2) {
        out.push(feature_key(FEATURE_BIGRAM, w[0] as u32, w[1] as u32));
    }
    out.push(feature_key(FEATURE_BIGRAM, last as u32, 0));
    for w in core.windows(3) {
        out.push(feature_key(FEATURE_SKIP, w[0] as u32, w[2] as u32));
    }
    out.sort_unstable();
    out.dedup();
}

const FEATURE_ANCHOR_FIRST: u64 = 2;
const FEATURE_ANCHOR_SECOND: u64 = 3;

/// Region-anchored blocking keys, used only to find candidates (never for scoring): the name's
/// region and each of its enclosing regions below the root, combined with the first and with
/// the second character of the core. A one-character typo leaves one of the two intact, and
/// the key is rare (a region holds few names starting with a given character).
pub(crate) fn anchor_features(region: Option<Region>, core: &[char], out: &mut Vec<u64>) {
    out.clear();
    let mut r = region.filter(|r| *r != Region::root());
    while let Some(x) = r {
        let id = u32::from(x.index());
        if let Some(&c) = core.first() {
            out.push(feature_key(FEATURE_ANCHOR_FIRST, id, c as u32));
        }
        if let Some(&c) = core.get(1) {
            out.push(feature_key(FEATURE_ANCHOR_SECOND, id, c as u32));
        }
        r = x.parent().filter(|p| *p != Region::root());
    }
}

/// Levenshtein distance over characters (no allocation for strings up to 63 characters).
pub(crate) fn levenshtein(a: &[char], b: &[char]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    let mut stack = [0usize; 64];
    let mut heap = Vec::new();
    let row: &mut [usize] = if b.len() < stack.len() {
        &mut stack[..=b.len()]
    } else {
        heap.resize(b.len() + 1, 0);
        &mut heap
    };
    for (j, x) in row.iter_mut().enumerate() {
        *x = j;
    }
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            let cost = usize::from(ca != cb);
            row[j + 1] = (diag + cost).min(row[j] + 1).min(up + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// Similarity of two different cores (see the module documentation). `qf`/`qw` are the query
/// core's features and their weights, `ef` the listed core's features (all sorted).
pub(crate) fn core_similarity(
    qc: &[char],
    qf: &[u64],
    qw: &[f64],
    ec: &[char],
    ef: &[u64],
) -> CoreSimilarity {
    let max_len = qc.len().max(ec.len());
    let edit_distance = levenshtein(qc, ec);
    let edit_sim = if max_len == 0 {
        1.0
    } else {
        1.0 - edit_distance as f64 / max_len as f64
    };
    // Both feature lists are sorted: merge.
    let (mut i, mut j) = (0, 0);
    let mut shared = 0usize;
    let mut w_shared = 0.0;
    while i < qf.len() && j < ef.len() {
        match qf[i].cmp(&ef[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                w_shared += qw[i];
                i += 1;
                j += 1;
            }
        }
    }
    let w_query: f64 = qw.iter().sum();
    let coverage = if w_query > 0.0 {
        w_shared / w_query
    } else {
        0.0
    };
    CoreSimilarity {
        edit_distance,
        max_len,
        shared_features: shared,
        query_features: qf.len(),
        coverage,
        similarity: (WEIGHT_EDIT * edit_sim + (1.0 - WEIGHT_EDIT) * coverage).clamp(0.0, 1.0),
    }
}

/// A query core prepared for scoring: characters, features and their weights.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryCore {
    pub chars: Vec<char>,
    pub features: Vec<u64>,
    pub weights: Vec<f64>,
}

impl QueryCore {
    pub fn new(core: &str, weight: &dyn Fn(u64) -> f64) -> QueryCore {
        let chars: Vec<char> = core.chars().collect();
        let mut features = Vec::new();
        core_features(&chars, &mut features);
        let weights = features.iter().map(|&f| weight(f)).collect();
        QueryCore {
            chars,
            features,
            weights,
        }
    }
}

/// Scores two names from their parts. `ec`/`ef` are the listed core's characters and features.
pub(crate) fn score_parts(
    q: &Parts<'_>,
    qcore: &QueryCore,
    e: &Parts<'_>,
    ec: &[char],
    ef: &[u64],
) -> NameScore {
    let form = LegalForm::relation(q.form, e.form);
    let region = RegionRelation::of(q.region, e.region);
    if q.normalized_hash == e.normalized_hash {
        return NameScore {
            basis: MatchBasis::SameName,
            core: None,
            form,
            region,
            score: SCORE_SAME_NAME,
        };
    }
    let same_core = q.core == e.core;
    let (basis, core, similarity) = if same_core {
        (MatchBasis::SameCore, None, 1.0)
    } else {
        let c = core_similarity(&qcore.chars, &qcore.features, &qcore.weights, ec, ef);
        (MatchBasis::SimilarCore, Some(c), c.similarity)
    };
    let score = (SCORE_CORE * similarity - form_penalty(form) - region.penalty(same_core))
        .clamp(0.0, SCORE_CORE_MAX);
    NameScore {
        basis,
        core,
        form,
        region,
        score,
    }
}

/// Scores two analysed names with uniform feature weights (no index statistics).
pub(crate) fn score_analyses(q: &NameAnalysis, e: &NameAnalysis) -> NameScore {
    let qcore = QueryCore::new(&q.core, &|_| 1.0);
    let ec: Vec<char> = e.core.chars().collect();
    let mut ef = Vec::new();
    core_features(&ec, &mut ef);
    score_parts(&Parts::of(q), &qcore, &Parts::of(e), &ec, &ef)
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "（无）" } else { s }
}

fn form_text(f: Option<LegalForm>) -> &'static str {
    f.map_or("（无）", |f| f.text)
}

/// Chinese explanation lines for a name comparison (query `q` against listed `e`).
pub(crate) fn explain_names(q: &NameAnalysis, e: &NameAnalysis, s: &NameScore) -> Vec<String> {
    let mut lines = Vec::new();
    let mut char_steps: Vec<Step> = Vec::new();
    for step in q.steps.iter().chain(&e.steps) {
        if step.is_character_level() && !char_steps.contains(step) {
            char_steps.push(*step);
        }
    }
    if s.basis == MatchBasis::SameName {
        if q.original == e.original {
            lines.push("名称完全一致".to_owned());
        } else {
            lines.push(format!("规范化后全称一致：{}", e.normalized));
            for step in &char_steps {
                lines.push(format!("{}后一致", step.label()));
            }
        }
        return lines;
    }
    if !char_steps.is_empty() {
        let labels: Vec<&str> = char_steps.iter().map(|s| s.label()).collect();
        lines.push(format!("名称规范化：{}", labels.join("、")));
    }
    match &s.core {
        None => lines.push(format!("核心名称一致：{}", e.core)),
        Some(c) => lines.push(format!(
            "核心字号相似度 {:.2}（{} / {}：编辑距离 {}/{}，共同二元组 {}/{}，按罕见度加权覆盖 {:.2}）",
            c.similarity,
            or_none(&q.core),
            or_none(&e.core),
            c.edit_distance,
            c.max_len,
            c.shared_features,
            c.query_features,
            c.coverage
        )),
    }
    let (qf, ef) = (form_text(q.legal_form), form_text(e.legal_form));
    match s.form {
        FormRelation::Same if q.legal_form.is_some() => {
            lines.push(format!("企业组织形式相同：{ef}"));
        }
        FormRelation::Same => {}
        FormRelation::SameClass => lines.push(format!(
            "企业组织形式不同：{qf} / {ef}（同属{}，扣 {:.2}）",
            e.legal_form.map_or("", |f| f.class.label()),
            form_penalty(s.form)
        )),
        FormRelation::CompanyVariant => lines.push(format!(
            "企业组织形式不同：{qf} / {ef}（公司/集团类变体，扣 {:.2}）",
            form_penalty(s.form)
        )),
        FormRelation::Missing => lines.push(format!(
            "企业组织形式不同：{qf} / {ef}（一方未写明，扣 {:.2}）",
            form_penalty(s.form)
        )),
        FormRelation::Different => lines.push(format!(
            "企业组织形式不同：{qf} / {ef}（不同类型主体，扣 {:.2}）",
            form_penalty(s.form)
        )),
    }
    let (qr, er) = (or_none(&q.region_text), or_none(&e.region_text));
    let region_penalty = s.region.penalty(s.basis != MatchBasis::SimilarCore);
    match s.region {
        RegionRelation::Same if q.region.is_some() => {
            if qr == er {
                lines.push(format!("地区前缀一致：{er}"));
            } else {
                lines.push(format!("地区前缀一致：{qr} / {er}"));
            }
        }
        RegionRelation::Same => {}
        RegionRelation::Nested => lines.push(format!(
            "地区前缀兼容：{qr} / {er}（上下级行政区划，扣 {:.2}）",
            region_penalty
        )),
        RegionRelation::Missing => lines.push(format!(
            "地区前缀不同：{qr} / {er}（一方未写明，扣 {:.2}）",
            region_penalty
        )),
        RegionRelation::Conflict => lines.push(format!(
            "地区前缀冲突：{qr} / {er}（不同地区，扣 {:.2}）",
            region_penalty
        )),
    }
    let similarity = s.core.map_or(1.0, |c| c.similarity);
    lines.push(format!(
        "名称得分 {:.2} = {SCORE_CORE} × 核心相似度 {:.2} − 组织形式 {:.2} − 地区 {:.2}",
        s.score,
        similarity,
        form_penalty(s.form),
        region_penalty
    ));
    lines
}

/// The result of comparing two names outside an index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// In `[0, 1]`.
    pub score: f64,
    pub basis: MatchBasis,
    /// Chinese explanation lines.
    pub explanation: Vec<String>,
}

/// Compares two names with uniform feature weights (the fuzzy part then does not know which
/// features are common; [`crate::MatchIndex::screen`] uses the index's statistics instead).
pub fn compare_names(a: &str, b: &str) -> Comparison {
    let qa = crate::normalize::analyze(a);
    let ea = crate::normalize::analyze(b);
    let s = score_analyses(&qa, &ea);
    Comparison {
        score: s.score,
        basis: s.basis,
        explanation: explain_names(&qa, &ea, &s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn levenshtein_basics() {
        assert_eq!(levenshtein(&chars(""), &chars("abc")), 3);
        assert_eq!(levenshtein(&chars("长风货运"), &chars("长丰货运")), 1);
        assert_eq!(levenshtein(&chars("长风货运"), &chars("长风国际货运")), 2);
        assert_eq!(levenshtein(&chars("kitten"), &chars("sitting")), 3);
    }

    #[test]
    fn features_are_padded_bigrams_and_skip_bigrams() {
        let mut f = Vec::new();
        core_features(&chars("长风货运"), &mut f);
        assert_eq!(f.len(), 5 + 2);
        core_features(&chars("张"), &mut f);
        assert_eq!(f.len(), 2);
        core_features(&[], &mut f);
        assert!(f.is_empty());
    }

    #[test]
    fn identical_names_score_099_and_explain_steps() {
        let c = compare_names(
            "東湖市長風（集團）貨運有限公司",
            "东湖市长风集团货运有限公司",
        );
        assert_eq!(c.score, SCORE_SAME_NAME);
        assert_eq!(c.basis, MatchBasis::SameName);
        assert!(c.explanation.contains(&"繁简转换后一致".to_owned()));
        assert!(c.explanation.contains(&"去除括号后一致".to_owned()));
        let same = compare_names("长风货运有限公司", "长风货运有限公司");
        assert_eq!(same.explanation, vec!["名称完全一致".to_owned()]);
    }

    #[test]
    fn same_core_with_form_variants() {
        let c = compare_names("东湖市长风货运有限公司", "东湖市长风货运有限责任公司");
        assert_eq!(c.basis, MatchBasis::SameCore);
        assert!((c.score - 0.95).abs() < 1e-9, "{c:?}");
        assert!(
            c.explanation.contains(
                &"企业组织形式不同：有限公司 / 有限责任公司（同属有限责任公司，扣 0.01）"
                    .to_owned()
            ),
            "{c:?}"
        );
        let g = compare_names("东湖市长风货运有限公司", "东湖市长风货运集团有限公司");
        assert!((g.score - 0.94).abs() < 1e-9, "{g:?}");
        let coop = compare_names("东湖市长风货运有限公司", "东湖市长风货运合作社");
        assert!(coop.score < 0.85, "{coop:?}");
    }

    #[test]
    fn region_missing_nested_and_conflicting() {
        let missing = compare_names("东湖市长风货运有限公司", "长风货运有限公司");
        assert!((missing.score - 0.95).abs() < 1e-9, "{missing:?}");
        assert!(
            missing
                .explanation
                .contains(&"地区前缀不同：东湖市 / （无）（一方未写明，扣 0.01）".to_owned()),
            "{missing:?}"
        );
        let nested = compare_names("示范省长风货运有限公司", "东湖市长风货运有限公司");
        assert!((nested.score - 0.95).abs() < 1e-9, "{nested:?}");
        let conflict = compare_names("西岭市长风货运有限公司", "东湖市长风货运有限公司");
        assert!((conflict.score - 0.56).abs() < 1e-9, "{conflict:?}");
        assert!(
            conflict
                .explanation
                .contains(&"地区前缀冲突：西岭市 / 东湖市（不同地区，扣 0.40）".to_owned()),
            "{conflict:?}"
        );
        let short = compare_names("东湖长风货运有限公司", "东湖市长风货运有限公司");
        assert_eq!(short.basis, MatchBasis::SameCore);
        assert!((short.score - 0.96).abs() < 1e-9, "{short:?}");
    }

    #[test]
    fn fuzzy_core_similarity_is_explained() {
        let c = compare_names("东湖市长丰货运有限公司", "东湖市长风货运有限公司");
        assert_eq!(c.basis, MatchBasis::SimilarCore);
        assert!(c.score > 0.55 && c.score < 0.8, "{c:?}");
        assert!(
            c.explanation
                .iter()
                .any(|l| l.starts_with("核心字号相似度"))
        );
        let other = compare_names("东湖市顺达货运有限公司", "东湖市长风货运有限公司");
        assert!(other.score < c.score - 0.2, "{other:?}");
    }
}
