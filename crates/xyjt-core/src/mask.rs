//! Masking of personal data by audience (RULES.md §10).
//!
//! Public views never show a citizen ID number in full, a phone or a home address; natural
//! persons' names keep only the family name. The defaults here are the masking policy's defaults.

use serde::{Deserialize, Serialize};

/// Who is looking: decides how much personal data a view may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone on the public portal or the open API.
    Public,
    /// Government units sharing data (政务共享).
    Government,
    /// The subject itself.
    Owner,
}

/// Two-character family names (复姓) that keep both characters when a name is masked.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "澹台",
    "公冶", "太史", "申屠", "闻人", "拓跋", "赫连", "第五", "东郭", "左丘", "濮阳",
];

/// `110105199001011234` → `110105********1234`: first 6 and last 4 kept.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..6].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 10));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// `张三` → `张*`, `欧阳娜娜` → `欧阳**`.
pub fn mask_person_name(name: &str) -> String {
    let name = name.trim();
    let family_len = if COMPOUND_SURNAMES.iter().any(|s| name.starts_with(s)) {
        2
    } else {
        1
    };
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= family_len {
        return chars.iter().take(1).collect::<String>() + "*";
    }
    let mut out: String = chars[..family_len].iter().collect();
    out.push_str(&"*".repeat(chars.len() - family_len));
    out
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 7));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// A party as `audience` may see it: public views mask ID numbers and natural persons' names.
pub fn mask_party(party: &crate::record::Party, audience: Audience) -> crate::record::Party {
    let mut p = party.clone();
    if audience == Audience::Owner {
        return p;
    }
    p.id_no = p.id_no.as_deref().map(mask_id_number);
    p.legal_rep_id_no = p.legal_rep_id_no.as_deref().map(mask_id_number);
    if audience == Audience::Public && p.category == crate::subject::PartyCategory::NaturalPerson {
        p.name = mask_person_name(&p.name);
    }
    p
}

/// A record as `audience` may see it.
pub fn mask_record(record: &crate::record::Record, audience: Audience) -> crate::record::Record {
    use crate::record::RecordBody;
    let mut r = record.clone();
    match &mut r.body {
        RecordBody::License(l) => l.party = mask_party(&l.party, audience),
        RecordBody::Penalty(p) => p.party = mask_party(&p.party, audience),
    }
    r
}

/// The name of a subject as `audience` may see it.
pub fn subject_display_name(
    kind: crate::subject::PartyCategory,
    name: &str,
    audience: Audience,
) -> String {
    if audience == Audience::Public && kind == crate::subject::PartyCategory::NaturalPerson {
        mask_person_name(name)
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_number_keeps_six_and_four() {
        assert_eq!(mask_id_number("110105199001011234"), "110105********1234");
        assert_eq!(mask_id_number("11010519900101123X"), "110105********123X");
    }

    #[test]
    fn names_keep_the_family_name() {
        assert_eq!(mask_person_name("张三"), "张*");
        assert_eq!(mask_person_name("张三丰"), "张**");
        assert_eq!(mask_person_name("欧阳娜娜"), "欧阳**");
        assert_eq!(mask_person_name("王"), "王*");
    }

    #[test]
    fn phone_keeps_three_and_four() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }
}
