//! Analysis of a subject name (company, organisation or person) into the parts that matter for
//! matching: region, core name (字号 + 行业) and legal form (组织形式).
//!
//! [`analyze`] applies, in this order:
//!
//! 1. traditional → simplified characters (OpenCC tables via `hanconv::t2s`);
//! 2. per character: full-width ASCII → half-width (U+3000 → space); whitespace removed; brackets
//!    of every kind (`()[]{}（）【】〔〕〈〉《》「」『』` …) removed while their content is kept;
//!    every other character that is neither a letter nor a digit (punctuation, `·`, `&`, `-` …)
//!    removed; Latin letters upper-cased. The result is [`NameAnalysis::normalized`], the
//!    normalised full name;
//! 3. a region written in brackets anywhere in the name (`长风（东湖）货运有限公司`) is removed;
//! 4. the legal-form suffix is stripped: the longest form of [`LEGAL_FORMS`] that ends the name,
//!    unless it is the whole name;
//! 5. leading region names are stripped, repeatedly (`示范省东湖市…`), see [`crate::region`]. A
//!    region is stripped only if at least two characters remain, and a short form without its
//!    suffix (`东湖` for 东湖市) only if a legal form was found or at least three characters
//!    remain, so that person names and bare trade names are left alone.
//!
//! What remains is [`NameAnalysis::core`]: the trade name and industry (字号 + 行业), the part
//! compared by fuzzy matching. Every step that changed something is recorded in
//! [`NameAnalysis::steps`], for explanations.

use crate::region::{self, Region};
use serde::Serialize;

/// A normalisation step that changed the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Traditional characters converted to simplified (繁简转换).
    TraditionalToSimplified,
    /// Full-width letters or digits converted to half-width (全角转半角).
    FullWidthToHalfWidth,
    /// Bracket characters removed, their content kept (去除括号).
    BracketsRemoved,
    /// Spaces removed (去除空格).
    SpacesRemoved,
    /// Other punctuation and symbols removed (去除标点符号).
    PunctuationRemoved,
    /// Latin letters upper-cased (英文字母转大写).
    LatinUppercased,
    /// A region in brackets removed (剥离括号内地区).
    RegionInBracketsStripped,
    /// The legal-form suffix stripped (剥离组织形式).
    LegalFormStripped,
    /// A leading region prefix stripped (剥离地区前缀).
    RegionPrefixStripped,
}

impl Step {
    /// Chinese label, as shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Step::TraditionalToSimplified => "繁简转换",
            Step::FullWidthToHalfWidth => "全角转半角",
            Step::BracketsRemoved => "去除括号",
            Step::SpacesRemoved => "去除空格",
            Step::PunctuationRemoved => "去除标点符号",
            Step::LatinUppercased => "英文字母转大写",
            Step::RegionInBracketsStripped => "剥离括号内地区",
            Step::LegalFormStripped => "剥离组织形式",
            Step::RegionPrefixStripped => "剥离地区前缀",
        }
    }

    /// Whether the step only changes the spelling (characters), not the parts of the name.
    pub fn is_character_level(self) -> bool {
        !matches!(
            self,
            Step::RegionInBracketsStripped | Step::LegalFormStripped | Step::RegionPrefixStripped
        )
    }
}

/// Class of a legal form (组织形式). Forms of the same class are the same kind of subject
/// written differently; see [`LegalForm::relation`] for how classes relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalFormClass {
    /// 有限责任公司 / 有限公司 (the same legal form, Company Law art. 7).
    Limited,
    /// 股份有限公司 / 股份公司.
    JointStock,
    /// 公司 without further qualification.
    Company,
    /// 集团 / 集团有限公司 / 集团股份有限公司 / 集团公司.
    Group,
    /// 分公司 / 分店 / 分厂 / 办事处 (a branch: a subject of its own).
    Branch,
    /// 合作社 / 农民专业合作社 / 联合社.
    Cooperative,
    /// 合伙企业 / 有限合伙 / 普通合伙.
    Partnership,
    /// 个人独资企业.
    SoleProprietorship,
    /// 厂.
    Factory,
    /// 店 / 商店 / 商行.
    Shop,
    /// 经营部 / 服务部 / 门市部 / 营业部 / 销售部.
    Department,
    /// 中心.
    Centre,
    /// 站.
    Station,
    /// 事务所.
    Office,
    /// 学校.
    School,
}

/// How two legal forms relate, from the same form to unrelated kinds of subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormRelation {
    /// Identical text (or both absent).
    Same,
    /// Different text of the same class (有限公司 / 有限责任公司).
    SameClass,
    /// Company-family variants: 有限公司 / 股份有限公司 / 公司 / 集团 (公司 ↔ 集团 included).
    CompanyVariant,
    /// One side has no legal form.
    Missing,
    /// Different kinds of subject (公司 / 合作社, 厂 / 店 …).
    Different,
}

impl LegalFormClass {
    /// Chinese label of the class.
    pub fn label(self) -> &'static str {
        match self {
            LegalFormClass::Limited => "有限责任公司",
            LegalFormClass::JointStock => "股份有限公司",
            LegalFormClass::Company => "公司",
            LegalFormClass::Group => "集团",
            LegalFormClass::Branch => "分支机构",
            LegalFormClass::Cooperative => "合作社",
            LegalFormClass::Partnership => "合伙企业",
            LegalFormClass::SoleProprietorship => "个人独资企业",
            LegalFormClass::Factory => "厂",
            LegalFormClass::Shop => "店",
            LegalFormClass::Department => "经营部",
            LegalFormClass::Centre => "中心",
            LegalFormClass::Station => "站",
            LegalFormClass::Office => "事务所",
            LegalFormClass::School => "学校",
        }
    }

    fn is_company_family(self) -> bool {
        matches!(
            self,
            LegalFormClass::Limited
                | LegalFormClass::JointStock
                | LegalFormClass::Company
                | LegalFormClass::Group
        )
    }
}

/// A recognised legal-form suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LegalForm {
    /// The suffix as it appears in the normalised name, e.g. `有限责任公司`.
    pub text: &'static str,
    pub class: LegalFormClass,
}

impl LegalForm {
    /// How two optional legal forms relate.
    pub fn relation(a: Option<LegalForm>, b: Option<LegalForm>) -> FormRelation {
        match (a, b) {
            (None, None) => FormRelation::Same,
            (Some(_), None) | (None, Some(_)) => FormRelation::Missing,
            (Some(a), Some(b)) if a.text == b.text => FormRelation::Same,
            (Some(a), Some(b)) if a.class == b.class => FormRelation::SameClass,
            (Some(a), Some(b)) if a.class.is_company_family() && b.class.is_company_family() => {
                FormRelation::CompanyVariant
            }
            _ => FormRelation::Different,
        }
    }
}

/// The recognised legal-form suffixes. Matching takes the longest suffix first, so the order
/// here does not matter. 分公司 wins over 公司 and 集团有限公司 over 有限公司; a bracketed form
/// such as `（有限合伙）` or `（集团）` is matched after its brackets are removed.
pub const LEGAL_FORMS: &[(&str, LegalFormClass)] = &[
    ("集团股份有限公司", LegalFormClass::Group),
    ("集团有限责任公司", LegalFormClass::Group),
    ("集团有限公司", LegalFormClass::Group),
    ("集团公司", LegalFormClass::Group),
    ("集团", LegalFormClass::Group),
    ("股份有限公司", LegalFormClass::JointStock),
    ("股份公司", LegalFormClass::JointStock),
    ("有限责任公司", LegalFormClass::Limited),
    ("有限公司", LegalFormClass::Limited),
    ("公司", LegalFormClass::Company),
    ("分公司", LegalFormClass::Branch),
    ("分店", LegalFormClass::Branch),
    ("分厂", LegalFormClass::Branch),
    ("办事处", LegalFormClass::Branch),
    ("农民专业合作社", LegalFormClass::Cooperative),
    ("专业合作社", LegalFormClass::Cooperative),
    ("股份经济合作社", LegalFormClass::Cooperative),
    ("经济合作社", LegalFormClass::Cooperative),
    ("合作社", LegalFormClass::Cooperative),
    ("联合社", LegalFormClass::Cooperative),
    ("合伙企业特殊普通合伙", LegalFormClass::Partnership),
    ("合伙企业普通合伙", LegalFormClass::Partnership),
    ("合伙企业有限合伙", LegalFormClass::Partnership),
    ("合伙企业", LegalFormClass::Partnership),
    ("特殊普通合伙", LegalFormClass::Partnership),
    ("普通合伙", LegalFormClass::Partnership),
    ("有限合伙", LegalFormClass::Partnership),
    ("个人独资企业", LegalFormClass::SoleProprietorship),
    ("独资企业", LegalFormClass::SoleProprietorship),
    ("厂", LegalFormClass::Factory),
    ("商店", LegalFormClass::Shop),
    ("商行", LegalFormClass::Shop),
    ("店", LegalFormClass::Shop),
    ("经营部", LegalFormClass::Department),
    ("服务部", LegalFormClass::Department),
    ("门市部", LegalFormClass::Department),
    ("营业部", LegalFormClass::Department),
    ("销售部", LegalFormClass::Department),
    ("中心", LegalFormClass::Centre),
    ("站", LegalFormClass::Station),
    ("事务所", LegalFormClass::Office),
    ("学校", LegalFormClass::School),
];

/// [`LEGAL_FORMS`] sorted longest first.
static FORMS_BY_LENGTH: std::sync::LazyLock<Vec<LegalForm>> = std::sync::LazyLock::new(|| {
    let mut forms: Vec<LegalForm> = LEGAL_FORMS
        .iter()
        .map(|&(text, class)| LegalForm { text, class })
        .collect();
    forms.sort_by_key(|f| std::cmp::Reverse(f.text.chars().count()));
    forms
});

/// The parts of a name, with the steps that produced them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameAnalysis {
    /// The name exactly as given.
    pub original: String,
    /// The normalised full name (steps 1–2: simplified, half-width, no brackets, spaces or
    /// punctuation, Latin upper case).
    pub normalized: String,
    /// Steps that changed something, in the order applied.
    pub steps: Vec<Step>,
    /// The most specific region recognised (prefix or in brackets).
    pub region: Option<Region>,
    /// The region text as written (after normalisation), e.g. `东湖` or `示范省东湖市`; empty
    /// when there is none.
    pub region_text: String,
    /// The core name: trade name and industry (字号 + 行业).
    pub core: String,
    /// The legal form stripped from the end, if any.
    pub legal_form: Option<LegalForm>,
}

impl NameAnalysis {
    /// Whether a step was applied.
    pub fn has_step(&self, step: Step) -> bool {
        self.steps.contains(&step)
    }
}

fn push_step(steps: &mut Vec<Step>, step: Step) {
    if !steps.contains(&step) {
        steps.push(step);
    }
}

fn is_open_bracket(c: char) -> bool {
    matches!(
        c,
        '(' | '['
            | '{'
            | '<'
            | '（'
            | '【'
            | '〔'
            | '〈'
            | '《'
            | '「'
            | '『'
            | '〖'
            | '［'
            | '｛'
            | '＜'
    )
}

fn is_close_bracket(c: char) -> bool {
    matches!(
        c,
        ')' | ']'
            | '}'
            | '>'
            | '）'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '」'
            | '』'
            | '〗'
            | '］'
            | '｝'
            | '＞'
    )
}

/// Character-level normalisation (steps 1–2) of any text: the normalised string and the steps
/// applied. Also returns the byte ranges of bracketed content in the output.
fn normalize_chars(input: &str, steps: &mut Vec<Step>) -> (String, Vec<(usize, usize)>) {
    let simplified = hanconv::t2s(input);
    if simplified != input {
        push_step(steps, Step::TraditionalToSimplified);
    }
    let mut out = String::with_capacity(simplified.len());
    let mut groups = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for c in simplified.chars() {
        // Brackets first, so that full-width ones are not reported as a width change.
        if is_open_bracket(c) {
            push_step(steps, Step::BracketsRemoved);
            open.push(out.len());
            continue;
        }
        if is_close_bracket(c) {
            push_step(steps, Step::BracketsRemoved);
            if let Some(start) = open.pop()
                && start < out.len()
            {
                groups.push((start, out.len()));
            }
            continue;
        }
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => {
                let h = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
                if h.is_ascii_alphanumeric() {
                    push_step(steps, Step::FullWidthToHalfWidth);
                }
                h
            }
            '\u{3000}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            push_step(steps, Step::SpacesRemoved);
        } else if !c.is_alphanumeric() {
            push_step(steps, Step::PunctuationRemoved);
        } else if c.is_ascii_lowercase() {
            push_step(steps, Step::LatinUppercased);
            out.push(c.to_ascii_uppercase());
        } else if c.is_lowercase() {
            push_step(steps, Step::LatinUppercased);
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    (out, groups)
}

/// Character-level normalisation only (no region or legal-form stripping): the normalised full
/// name of [`analyze`].
pub fn normalize_text(input: &str) -> String {
    normalize_chars(input, &mut Vec::new()).0
}

/// Analyses a name; see the module documentation for the steps.
pub fn analyze(name: &str) -> NameAnalysis {
    let mut steps = Vec::new();
    let (normalized, groups) = normalize_chars(name, &mut steps);

    // 3. A region in brackets (the last such group; names carry at most one).
    let mut rest = normalized.clone();
    let mut bracket_region = None;
    let mut bracket_text = String::new();
    for &(start, end) in groups.iter().rev() {
        let content = &normalized[start..end];
        if let Some(r) = Region::lookup(content)
            && normalized.len() - content.len() > 0
        {
            bracket_region = Some(r);
            bracket_text = content.to_owned();
            rest = format!("{}{}", &normalized[..start], &normalized[end..]);
            push_step(&mut steps, Step::RegionInBracketsStripped);
            break;
        }
    }

    // 4. Legal form, longest suffix first, leaving at least one character.
    let mut legal_form = None;
    // The longest matching form decides; if it is the whole name, nothing is stripped.
    if let Some(form) = FORMS_BY_LENGTH.iter().find(|f| rest.ends_with(f.text))
        && rest.len() > form.text.len()
    {
        rest.truncate(rest.len() - form.text.len());
        legal_form = Some(*form);
        push_step(&mut steps, Step::LegalFormStripped);
    }

    // 5. Leading regions, repeatedly.
    let mut prefix_region = None;
    let mut prefix_len = 0;
    while let Some((r, len, suffixed)) = region::match_prefix(&rest[prefix_len..]) {
        let remaining = rest[prefix_len + len..].chars().count();
        let allowed = remaining >= 2 && (suffixed || legal_form.is_some() || remaining >= 3);
        if !allowed {
            break;
        }
        prefix_region = Some(r);
        prefix_len += len;
    }
    let mut region_text = String::new();
    if prefix_len > 0 {
        region_text.push_str(&rest[..prefix_len]);
        rest.drain(..prefix_len);
        push_step(&mut steps, Step::RegionPrefixStripped);
    }

    let region = match (prefix_region, bracket_region) {
        (Some(p), Some(b)) if b.is_within(p) => Some(b),
        (Some(p), _) => Some(p),
        (None, b) => b,
    };
    if !bracket_text.is_empty() {
        if region_text.is_empty() {
            region_text = bracket_text;
        } else {
            region_text = format!("{region_text}（{bracket_text}）");
        }
    }

    NameAnalysis {
        original: name.to_owned(),
        normalized,
        steps,
        region,
        region_text,
        core: rest,
        legal_form,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> (String, Option<&'static str>, String, Option<&'static str>) {
        let a = analyze(name);
        (
            a.region_text.clone(),
            a.region.map(Region::name),
            a.core.clone(),
            a.legal_form.map(|f| f.text),
        )
    }

    #[test]
    fn standard_company_name_splits_into_region_core_form() {
        let a = analyze("东湖市长风货运有限公司");
        assert_eq!(a.normalized, "东湖市长风货运有限公司");
        assert_eq!(a.core, "长风货运");
        assert_eq!(a.region.map(Region::name), Some("东湖市"));
        assert_eq!(a.region_text, "东湖市");
        assert_eq!(
            a.legal_form,
            Some(LegalForm {
                text: "有限公司",
                class: LegalFormClass::Limited
            })
        );
        assert_eq!(
            a.steps,
            vec![Step::LegalFormStripped, Step::RegionPrefixStripped]
        );
    }

    #[test]
    fn traditional_characters_are_simplified() {
        let a = analyze("東湖市長風貨運有限責任公司");
        assert_eq!(a.normalized, "东湖市长风货运有限责任公司");
        assert_eq!(a.core, "长风货运");
        assert!(a.has_step(Step::TraditionalToSimplified));
        assert_eq!(a.legal_form.unwrap().text, "有限责任公司");
    }

    #[test]
    fn full_width_letters_and_digits_become_half_width_upper_case() {
        let a = analyze("ＡＢＣ物流有限公司");
        assert_eq!(a.normalized, "ABC物流有限公司");
        assert!(a.has_step(Step::FullWidthToHalfWidth));
        assert!(!a.has_step(Step::LatinUppercased));
        let b = analyze("abc物流有限公司");
        assert_eq!(b.normalized, "ABC物流有限公司");
        assert!(b.has_step(Step::LatinUppercased));
        let c = analyze("ｘｙ１２３物流");
        assert_eq!(c.normalized, "XY123物流");
    }

    #[test]
    fn brackets_are_dropped_but_content_kept() {
        let a = analyze("长风（集团）货运有限公司");
        assert_eq!(a.normalized, "长风集团货运有限公司");
        assert!(a.has_step(Step::BracketsRemoved));
        assert!(!a.has_step(Step::FullWidthToHalfWidth));
        let b = analyze("长风【国际】物流[中国]");
        assert_eq!(b.normalized, "长风国际物流中国");
        let c = analyze("顺达投资合伙企业（有限合伙）");
        assert_eq!(c.core, "顺达投资");
        assert_eq!(c.legal_form.unwrap().class, LegalFormClass::Partnership);
    }

    #[test]
    fn spaces_and_punctuation_are_removed() {
        let a = analyze(" 长风 货运\u{3000}有限公司 ");
        assert_eq!(a.normalized, "长风货运有限公司");
        assert!(a.has_step(Step::SpacesRemoved));
        assert!(!a.has_step(Step::PunctuationRemoved));
        let b = analyze("长风·货运、物流-有限公司。");
        assert_eq!(b.normalized, "长风货运物流有限公司");
        assert!(b.has_step(Step::PunctuationRemoved));
        let person = analyze("阿卜杜·热合曼");
        assert_eq!(person.normalized, "阿卜杜热合曼");
    }

    #[test]
    fn legal_form_longest_match_first() {
        assert_eq!(parts("长风货运集团有限公司").3, Some("集团有限公司"));
        assert_eq!(
            parts("长风货运集团股份有限公司").3,
            Some("集团股份有限公司")
        );
        assert_eq!(parts("长风货运股份有限公司").3, Some("股份有限公司"));
        assert_eq!(parts("长风货运有限责任公司").3, Some("有限责任公司"));
        assert_eq!(parts("长风货运公司").3, Some("公司"));
        assert_eq!(parts("长风货运集团").3, Some("集团"));
        assert_eq!(parts("长风货运有限公司东湖分公司").3, Some("分公司"));
        assert_eq!(parts("青山县绿野农机专业合作社").3, Some("专业合作社"));
        assert_eq!(parts("长风汽车修理厂").3, Some("厂"));
        assert_eq!(parts("长风货运经营部").3, Some("经营部"));
        assert_eq!(parts("长风物流中心").3, Some("中心"));
        // A legal form alone is not stripped: the core would be empty.
        assert_eq!(parts("有限公司").2, "有限公司");
        assert_eq!(parts("长风货运").3, None);
    }

    #[test]
    fn region_prefixes_with_and_without_suffix() {
        assert_eq!(
            parts("东湖长风货运有限公司"),
            (
                "东湖".into(),
                Some("东湖市"),
                "长风货运".into(),
                Some("有限公司")
            )
        );
        assert_eq!(
            parts("示范省东湖市长风货运有限公司"),
            (
                "示范省东湖市".into(),
                Some("东湖市"),
                "长风货运".into(),
                Some("有限公司")
            )
        );
        assert_eq!(parts("江苏省苏州市顺达物流有限公司").1, Some("苏州市"));
        assert_eq!(
            parts("广西壮族自治区南宁恒运客运有限公司").1,
            Some("南宁市")
        );
        assert_eq!(parts("青山县绿野农机专业合作社").1, Some("青山县"));
        assert_eq!(parts("西岭市长风货运有限公司").2, "长风货运");
        assert_eq!(parts("北原市长风货运有限公司").2, "长风货运");
        assert_eq!(parts("南川市长风货运有限公司").2, "长风货运");
        assert_eq!(parts("中国长风货运集团有限公司").1, Some("中国"));
    }

    #[test]
    fn region_in_brackets() {
        let a = analyze("长风（东湖）货运有限公司");
        assert_eq!(a.core, "长风货运");
        assert_eq!(a.region.map(Region::name), Some("东湖市"));
        assert!(a.has_step(Step::RegionInBracketsStripped));
        let b = analyze("长风货运（东湖市）有限公司");
        assert_eq!(b.core, "长风货运");
        // Brackets that are not a region stay in the core.
        assert_eq!(analyze("长风（国际）货运有限公司").core, "长风国际货运");
    }

    #[test]
    fn persons_and_short_names_keep_their_region_like_prefix() {
        // Too short to strip: the region-like part is the name.
        assert_eq!(parts("东湖").2, "东湖");
        assert_eq!(parts("东湖物流").2, "东湖物流");
        assert_eq!(parts("张伟").2, "张伟");
        // A short form without suffix needs a legal form or three remaining characters.
        assert_eq!(parts("东湖顺达物流").2, "顺达物流");
        assert_eq!(parts("东湖顺达").2, "东湖顺达");
        assert_eq!(parts("东湖市顺达").2, "顺达");
        // Ambiguous short names are never stripped.
        assert_eq!(parts("大同物流有限公司").2, "大同物流");
        assert_eq!(parts("大同市物流有限公司").2, "物流");
    }

    #[test]
    fn analysis_is_idempotent_on_the_normalised_name() {
        for name in [
            "東湖市長風（集團）貨運 有限公司",
            "ＡＢＣ物流",
            "长风货运（东湖）有限责任公司",
        ] {
            let a = analyze(name);
            let b = analyze(&a.normalized);
            assert_eq!(a.normalized, b.normalized);
            assert_eq!(a.legal_form, b.legal_form);
        }
    }
}
