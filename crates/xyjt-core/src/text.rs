//! Text normalisation for searching names: the same company written in traditional characters,
//! with full-width letters, other brackets or spaces must be found by any of its spellings.

/// A search key for a name: traditional characters to simplified (OpenCC tables via hanconv),
/// full-width ASCII folded to half-width, brackets unified to ASCII, whitespace removed, Latin
/// letters upper-cased.
pub fn name_key(name: &str) -> String {
    let simplified = hanconv::t2s(name);
    let mut out = String::with_capacity(simplified.len());
    for c in simplified.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            c => c,
        };
        if c.is_whitespace() {
            continue;
        }
        out.extend(c.to_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_width_and_spaces_do_not_matter() {
        assert_eq!(
            name_key("示范市长风（集团）货运 有限公司"),
            name_key("示范市长风(集团)货运有限公司")
        );
        assert_eq!(name_key("ＡＢＣ物流"), name_key("abc物流"));
    }

    #[test]
    fn traditional_characters_find_simplified_names() {
        assert_eq!(name_key("交通運輸"), name_key("交通运输"));
        assert_eq!(name_key("東湖市長風貨運有限公司"), "东湖市长风货运有限公司");
    }
}
