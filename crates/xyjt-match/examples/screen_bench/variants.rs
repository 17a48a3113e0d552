//! Query variants of listed names: cosmetic and structural changes, labelled.

use super::*;

// ---------------------------------------------------------------------------------------------
// Cosmetic variants
// ---------------------------------------------------------------------------------------------

pub(crate) fn to_full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

pub(crate) fn insert_spaces(s: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let spaces = 1 + rng.below(2);
    let positions: Vec<usize> = (0..spaces)
        .map(|_| 1 + rng.below(chars.len().max(2) - 1))
        .collect();
    for (i, c) in chars.iter().enumerate() {
        if positions.contains(&i) {
            out.push(if rng.chance(50) { ' ' } else { '\u{3000}' });
        }
        out.push(*c);
    }
    out
}

/// Applies cosmetic changes (they never change the normalised name); returns the tags.
pub(crate) fn cosmetic(
    name: &str,
    rng: &mut Rng,
    person: bool,
    tags: &mut Vec<&'static str>,
) -> String {
    let mut s = name.to_owned();
    if rng.chance(if person { 40 } else { 30 }) {
        let t = hanconv::s2t(&s);
        if t != s {
            s = t;
            tags.push("traditional");
        }
    }
    if !person && rng.chance(12) && s.chars().any(|c| c.is_ascii_graphic() || c == '（') {
        s = to_full_width(&s.replace('（', "(").replace('）', ")"));
        tags.push("full_width");
    }
    if !person && rng.chance(8) && s.contains('（') {
        s = s.replace('（', "[").replace('）', "]");
        tags.push("brackets_changed");
    }
    if rng.chance(if person { 25 } else { 18 }) {
        s = insert_spaces(&s, rng);
        tags.push("spaces");
    }
    if rng.chance(5) {
        s = format!(" {s} ");
        tags.push("padded");
    }
    if !person && rng.chance(3) {
        s = s.to_lowercase();
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Structural variants
// ---------------------------------------------------------------------------------------------

pub(crate) fn swap_form(form: &str, group: bool, rng: &mut Rng) -> Option<String> {
    let out = if group {
        match form {
            "集团有限公司" | "集团股份有限公司" => {
                if rng.chance(50) {
                    "有限公司"
                } else {
                    "集团"
                }
            }
            "有限公司" | "有限责任公司" | "股份有限公司" | "公司" => {
                "集团有限公司"
            }
            _ => return None,
        }
    } else {
        match form {
            "有限公司" => "有限责任公司",
            "有限责任公司" => "有限公司",
            "股份有限公司" => "股份公司",
            "集团有限公司" => "集团公司",
            "集团股份有限公司" => "集团有限公司",
            "公司" => "有限公司",
            "经营部" => "服务部",
            _ => return None,
        }
    };
    Some(out.to_owned())
}

/// A structural true variant of a company: the new parts and the kind.
pub(crate) fn company_variant(
    c: &Company,
    pools: &Pools,
    rng: &mut Rng,
) -> Option<(Company, &'static str)> {
    let mut v = c.clone();
    let kind = *rng.weighted(&[
        ("cosmetic_only", 15),
        ("form_swap", 14),
        ("company_group_swap", 10),
        ("form_dropped", 5),
        ("region_removed", 14),
        ("region_added", 4),
        ("region_short", 6),
        ("region_to_brackets", 5),
        ("typo", 20),
        ("brackets_added", 7),
        ("stress_typo_region_removed", 5),
    ]);
    match kind {
        "cosmetic_only" => {}
        "form_swap" => v.form = swap_form(&c.form, false, rng)?,
        "company_group_swap" => v.form = swap_form(&c.form, true, rng)?,
        "form_dropped" => v.form.clear(),
        "region_removed" => {
            c.region?;
            v.region = None;
            v.style = RegionStyle::None;
        }
        "region_added" => {
            if c.region.is_some() {
                return None;
            }
            v.region = Some(pools.region(rng));
            v.style = RegionStyle::Prefix;
        }
        "region_short" => {
            // 东湖市长风… → 东湖长风…: written without the suffix.
            let r = c.region?;
            let short = r.short_name()?;
            v.style = RegionStyle::None;
            v.trade = format!("{short}{}", c.trade);
        }
        "region_to_brackets" => {
            c.region?;
            v.style = if c.style == RegionStyle::Brackets {
                RegionStyle::Prefix
            } else {
                RegionStyle::Brackets
            };
        }
        "typo" | "stress_typo_region_removed" => {
            if kind == "stress_typo_region_removed" {
                c.region?;
                v.region = None;
                v.style = RegionStyle::None;
            }
            let mut core: Vec<char> = format!("{}{}", c.trade, c.industry).chars().collect();
            let pos = rng.below(core.len());
            let old = core[pos];
            let mut new = *rng.pick(&pools.trade);
            while new == old {
                new = *rng.pick(&pools.trade);
            }
            core[pos] = new;
            let trade_len = c.trade.chars().count();
            v.trade = core[..trade_len].iter().collect();
            v.industry = core[trade_len..].iter().collect();
            if region::match_prefix(&v.trade).is_some() {
                return None;
            }
        }
        "brackets_added" => {
            v.industry = format!("（{}）", c.industry);
        }
        _ => unreachable!(),
    }
    Some((v, kind))
}

/// A resembling but unlisted company: the parts and the kind.
pub(crate) fn company_negative(
    c: &Company,
    pools: &Pools,
    rng: &mut Rng,
) -> Option<(Company, &'static str)> {
    let mut v = c.clone();
    let kind = *rng.weighted(&[
        ("neg_other_trade", 40),
        ("neg_other_industry", 25),
        ("neg_other_region", 22),
        ("neg_trade_typo_other_industry", 13),
    ]);
    match kind {
        "neg_other_trade" => {
            let len = c.trade.chars().count().max(2);
            loop {
                let t: String = (0..len).map(|_| *rng.pick(&pools.trade)).collect();
                if t != c.trade && region::match_prefix(&t).is_none() {
                    v.trade = t;
                    break;
                }
            }
        }
        "neg_other_industry" => {
            while v.industry == c.industry {
                v.industry = rng.pick(INDUSTRIES).to_string();
            }
        }
        "neg_other_region" => {
            let r = c.region?;
            let mut other = pools.region(rng);
            while other.is_compatible(r) {
                other = pools.region(rng);
            }
            v.region = Some(other);
            if v.style == RegionStyle::ProvinceAndCity {
                v.style = RegionStyle::Prefix;
            }
        }
        "neg_trade_typo_other_industry" => {
            let mut trade: Vec<char> = c.trade.chars().collect();
            let pos = rng.below(trade.len());
            trade[pos] = *rng.pick(&pools.trade);
            v.trade = trade.into_iter().collect();
            if region::match_prefix(&v.trade).is_some() {
                return None;
            }
            while v.industry == c.industry {
                v.industry = rng.pick(INDUSTRIES).to_string();
            }
        }
        _ => unreachable!(),
    }
    Some((v, kind))
}
