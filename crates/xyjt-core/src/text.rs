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

/// The first character of `s` that no stored text may hold: a control character (Unicode
/// category Cc: NUL, the other C0 controls, DEL and the C1 controls) other than tab, line feed
/// and carriage return, which multi-line text legitimately holds. PostgreSQL refuses NUL in
/// text where SQLite keeps it, so such input is refused before it reaches either database.
pub fn forbidden_control(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The first control character of `s`, tab and line breaks included: what a one-line value
/// (an identifier, a search, a path segment, a query parameter) may not hold.
pub fn any_control(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_but_line_breaks_are_text() {
        assert_eq!(forbidden_control("abc"), None);
        assert_eq!(forbidden_control("第一行\r\n第二行\t制表"), None);
        assert_eq!(forbidden_control("a\0b"), Some('\0'));
        assert_eq!(forbidden_control("a\u{7f}"), Some('\u{7f}'));
        assert_eq!(forbidden_control("a\u{85}"), Some('\u{85}'));
        assert_eq!(forbidden_control("a\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(any_control("a\tb"), Some('\t'));
        assert_eq!(any_control("示范市"), None);
    }

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
