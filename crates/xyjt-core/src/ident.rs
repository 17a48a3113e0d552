//! Chinese subject identifiers: parsing, normalisation and check characters.
//!
//! Four kinds of identifier are supported:
//!
//! * [`Uscc`] — 统一社会信用代码 (unified social credit code), GB 32100-2015, 18 characters;
//! * [`OrgCode`] — 组织机构代码 (organisation code), GB 11714, 9 characters;
//! * [`RegNo`] — 15-digit 工商注册号 (business registration number), ISO 7064 MOD 11,10;
//! * [`CitizenId`] — 居民身份证号 (resident identity card number), GB 11643, 18 characters.
//!
//! Every constructor first runs [`normalize`], so full-width characters, lower case,
//! whitespace and dashes in user input are tolerated. A value of any of the four types is
//! always valid and normalised inside; the only way to obtain one is through validation.
//!
//! [`check`] classifies an arbitrary string, picks the most likely kind and validates it.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/// Normalises user input before validation.
///
/// In order, for every character:
/// 1. full-width ASCII (U+FF01..=U+FF5E) is folded to half-width, and the ideographic space
///    U+3000 to an ASCII space;
/// 2. whitespace, dashes (`-`, U+2010, U+2011, U+2012, U+2013, U+2014, U+2015, U+2212; the
///    full-width U+FF0D becomes `-` in step 1) and invisible format characters (U+200B..=U+200D,
///    U+2060, U+FEFF) are removed;
/// 3. ASCII lower case is turned into upper case.
///
/// The function is idempotent: `normalize(&normalize(s)) == normalize(s)`.
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .map(fold_width)
        .filter(|&c| !(c.is_whitespace() || is_dash(c) || is_invisible(c)))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
            | '\u{FF0D}'
    )
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why an identifier was rejected. Each variant names the rule that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Nothing left after normalisation.
    #[error("代码为空 (empty)")]
    Empty,
    /// Wrong number of characters (counted after normalisation).
    #[error(
        "长度错误：应为 {expected} 位，实为 {found} 位 (length: expected {expected}, found {found})"
    )]
    Length { expected: usize, found: usize },
    /// A character not allowed at that position; `position` is 1-based.
    #[error(
        "第 {position} 位字符 '{found}' 不在允许的字符集中 (alphabet: character '{found}' not allowed at position {position})"
    )]
    Alphabet { position: usize, found: char },
    /// The check character does not match the rest of the code.
    #[error(
        "校验位错误：应为 '{expected}'，实为 '{found}' (check character: expected {expected}, found {found})"
    )]
    CheckChar { expected: char, found: char },
    /// The birth date embedded in a citizen ID does not exist (or is before 1800).
    #[error("出生日期 {date} 不存在 (impossible date)")]
    ImpossibleDate { date: String },
    /// [`check`] could not tell which kind of identifier this is.
    #[error("无法识别的代码类型（长度 {length}）(unknown kind)")]
    UnknownKind { length: usize },
}

/// Checks the length of already-normalised text (in characters).
fn expect_len(chars: &[char], expected: usize) -> Result<(), CodeError> {
    match chars.len() {
        0 => Err(CodeError::Empty),
        n if n != expected => Err(CodeError::Length { expected, found: n }),
        _ => Ok(()),
    }
}

/// Returns the first character (1-based position) not accepted by `allowed(index, char)`.
fn expect_alphabet(chars: &[char], allowed: impl Fn(usize, char) -> bool) -> Result<(), CodeError> {
    match chars.iter().enumerate().find(|&(i, &c)| !allowed(i, c)) {
        Some((i, &c)) => Err(CodeError::Alphabet {
            position: i + 1,
            found: c,
        }),
        None => Ok(()),
    }
}

fn expect_check(expected: char, found: char) -> Result<(), CodeError> {
    if expected == found {
        Ok(())
    } else {
        Err(CodeError::CheckChar { expected, found })
    }
}

// ---------------------------------------------------------------------------------------------
// Check character algorithms
// ---------------------------------------------------------------------------------------------

/// The 31-character USCC alphabet (no I, O, S, V, Z); a character's value is its index.
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// USCC weights for positions 1..=17 (these are 3^i mod 31).
pub const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Organisation code (GB 11714) weights for the 8 body characters.
pub const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Citizen ID (GB 11643) weights for the first 17 digits.
pub const CITIZEN_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

const CITIZEN_ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Value of a character in the USCC alphabet.
fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET.find(c).map(|i| i as u32)
}

/// Value of an organisation code body character: `0`–`9` → 0–9, `A`–`Z` → 10–35.
fn org_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' | 'A'..='Z' => c.to_digit(36),
        _ => None,
    }
}

/// Check character for the first 17 characters of a USCC.
///
/// Returns `None` unless `first17` is exactly 17 characters of [`USCC_ALPHABET`] (upper case,
/// not normalised). The digits-only rule for positions 3–8 is not enforced here.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17.chars().map(uscc_value).collect::<Option<_>>()?;
    if values.len() != 17 {
        return None;
    }
    let sum: u32 = values.iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    let index = (31 - sum % 31) % 31;
    USCC_ALPHABET.chars().nth(index as usize)
}

/// Check character (`0`–`9` or `X`) for the 8 body characters of an organisation code.
///
/// Returns `None` unless `body8` is exactly 8 characters from `0`–`9`, `A`–`Z`.
pub fn org_code_check_char(body8: &str) -> Option<char> {
    let values: Vec<u32> = body8.chars().map(org_value).collect::<Option<_>>()?;
    if values.len() != 8 {
        return None;
    }
    let sum: u32 = values
        .iter()
        .zip(ORG_CODE_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    match 11 - sum % 11 {
        10 => Some('X'),
        11 => Some('0'),
        c => char::from_digit(c, 10),
    }
}

/// Check digit (as a character) for the first 14 digits of a 15-digit registration number,
/// ISO 7064 MOD 11,10.
///
/// Returns `None` unless `first14` is exactly 14 ASCII digits.
pub fn reg_no_check_digit(first14: &str) -> Option<char> {
    let digits: Vec<u32> = first14
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                c.to_digit(10)
            } else {
                None
            }
        })
        .collect::<Option<_>>()?;
    if digits.len() != 14 {
        return None;
    }
    let p = digits.iter().fold(10, |p, d| {
        let s = match (p + d) % 10 {
            0 => 10,
            s => s,
        };
        (2 * s) % 11
    });
    char::from_digit((11 - p) % 10, 10)
}

/// Check character (`0`–`9` or `X`) for the first 17 digits of a citizen ID.
///
/// Returns `None` unless `first17` is exactly 17 ASCII digits. The birth date is not checked.
pub fn citizen_id_check_char(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                c.to_digit(10)
            } else {
                None
            }
        })
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits
        .iter()
        .zip(CITIZEN_ID_WEIGHTS)
        .map(|(d, w)| d * w)
        .sum();
    Some(char::from(CITIZEN_ID_CHECK_CHARS[(sum % 11) as usize]))
}

// ---------------------------------------------------------------------------------------------
// Validators on normalised text
// ---------------------------------------------------------------------------------------------

fn validate_uscc(n: &str) -> Result<(), CodeError> {
    let chars: Vec<char> = n.chars().collect();
    expect_len(&chars, 18)?;
    expect_alphabet(&chars, |i, c| {
        if (2..8).contains(&i) {
            c.is_ascii_digit()
        } else {
            uscc_value(c).is_some()
        }
    })?;
    // Alphabet checked above, so the check character always exists.
    let expected = uscc_check_char(&n[..17]).unwrap_or('?');
    expect_check(expected, chars[17])
}

fn validate_org_code(n: &str) -> Result<(), CodeError> {
    let chars: Vec<char> = n.chars().collect();
    expect_len(&chars, 9)?;
    expect_alphabet(&chars, |i, c| {
        if i < 8 {
            org_value(c).is_some()
        } else {
            c.is_ascii_digit() || c == 'X'
        }
    })?;
    let expected = org_code_check_char(&n[..8]).unwrap_or('?');
    expect_check(expected, chars[8])
}

fn validate_reg_no(n: &str) -> Result<(), CodeError> {
    let chars: Vec<char> = n.chars().collect();
    expect_len(&chars, 15)?;
    expect_alphabet(&chars, |_, c| c.is_ascii_digit())?;
    let expected = reg_no_check_digit(&n[..14]).unwrap_or('?');
    expect_check(expected, chars[14])
}

fn validate_citizen_id(n: &str) -> Result<(), CodeError> {
    let chars: Vec<char> = n.chars().collect();
    expect_len(&chars, 18)?;
    expect_alphabet(&chars, |i, c| c.is_ascii_digit() || (i == 17 && c == 'X'))?;
    if citizen_birth_date(n).is_none() {
        return Err(CodeError::ImpossibleDate {
            date: n[6..14].to_owned(),
        });
    }
    let expected = citizen_id_check_char(&n[..17]).unwrap_or('?');
    expect_check(expected, chars[17])
}

/// Birth date of a citizen ID whose first 14 characters are ASCII digits.
fn citizen_birth_date(n: &str) -> Option<NaiveDate> {
    let year: i32 = n.get(6..10)?.parse().ok()?;
    let month: u32 = n.get(10..12)?.parse().ok()?;
    let day: u32 = n.get(12..14)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day).filter(|d| d.year() >= 1800)
}

// ---------------------------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------------------------

/// Implements the shared constructor and conversion traits for a validated code type.
macro_rules! code_type {
    ($name:ident, $validate:ident) => {
        impl $name {
            /// Normalises and validates `s`.
            pub fn parse(s: &str) -> Result<Self, CodeError> {
                Self::from_normalized(normalize(s))
            }

            fn from_normalized(n: String) -> Result<Self, CodeError> {
                $validate(&n)?;
                Ok(Self(n))
            }

            /// The normalised code.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = CodeError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodeError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> String {
                code.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// 统一社会信用代码 (GB 32100-2015), always valid and normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

code_type!(Uscc, validate_uscc);

impl Uscc {
    /// The organisation code embedded at positions 9–17, if it is itself a valid GB 11714
    /// code. `None` does not make the USCC invalid.
    pub fn org_code(&self) -> Option<OrgCode> {
        OrgCode::parse(&self.0[8..17]).ok()
    }

    /// The 6-digit administrative division code (positions 3–8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// Registration authority and organisation type (positions 1–2), e.g. `"91"`.
    pub fn prefix(&self) -> &str {
        &self.0[..2]
    }

    /// Chinese label of the organisation type, for the prefixes the platform knows.
    pub fn type_label(&self) -> Option<&'static str> {
        uscc_prefix_label(self.prefix())
    }

    /// Whether this is an individual business (个体工商户, prefix `92`).
    pub fn is_individual_business(&self) -> bool {
        self.prefix() == "92"
    }
}

fn uscc_prefix_label(prefix: &str) -> Option<&'static str> {
    match prefix {
        "11" => Some("机关"),
        "12" => Some("事业单位"),
        "13" => Some("群团"),
        "51" | "52" | "53" => Some("社会组织"),
        "91" => Some("企业"),
        "92" => Some("个体工商户"),
        "93" => Some("农民专业合作社"),
        _ => None,
    }
}

/// 组织机构代码 (GB 11714): 8 body characters and a check character, always valid and
/// normalised (no dash).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgCode(String);

code_type!(OrgCode, validate_org_code);

impl OrgCode {
    /// The 8 body characters.
    pub fn body(&self) -> &str {
        &self.0[..8]
    }

    /// The check character (`0`–`9` or `X`).
    pub fn check_char(&self) -> char {
        char::from(self.0.as_bytes()[8])
    }
}

/// 15-digit 工商注册号 (business registration number, ISO 7064 MOD 11,10), always valid and
/// normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegNo(String);

code_type!(RegNo, validate_reg_no);

impl RegNo {
    /// The 6-digit code of the registering authority (first 6 digits).
    pub fn authority(&self) -> &str {
        &self.0[..6]
    }
}

/// 居民身份证号 (GB 11643, 18 characters), always valid and normalised.
///
/// Personal data: show [`CitizenId::masked`] to users unless they are entitled to the full
/// number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CitizenId(String);

/// Debug output ends up in logs and panics: show it masked, never the full number.
impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

code_type!(CitizenId, validate_citizen_id);

impl CitizenId {
    /// The 6-digit address (administrative division) code.
    pub fn division(&self) -> &str {
        &self.0[..6]
    }

    /// The birth date (checked to exist on construction).
    pub fn birth_date(&self) -> NaiveDate {
        citizen_birth_date(&self.0).expect("birth date validated on construction")
    }

    /// Sex from the sequence number: odd is male.
    pub fn is_male(&self) -> bool {
        self.0.as_bytes()[16] % 2 == 1
    }

    /// First 6 and last 4 characters with `*` in between, e.g. `110105********1234`.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..6], "*".repeat(8), &self.0[14..])
    }
}

// ---------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------

/// The kind of an identifier, as guessed by [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Uscc,
    OrgCode,
    RegNo,
    CitizenId,
    Unknown,
}

impl CodeKind {
    /// The serialised name: `"uscc"`, `"org_code"`, `"reg_no"`, `"citizen_id"`, `"unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uscc => "uscc",
            Self::OrgCode => "org_code",
            Self::RegNo => "reg_no",
            Self::CitizenId => "citizen_id",
            Self::Unknown => "unknown",
        }
    }

    /// Chinese name of the kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::Uscc => "统一社会信用代码",
            Self::OrgCode => "组织机构代码",
            Self::RegNo => "工商注册号",
            Self::CitizenId => "居民身份证号",
            Self::Unknown => "未知",
        }
    }
}

impl fmt::Display for CodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated identifier of any supported kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Uscc(Uscc),
    OrgCode(OrgCode),
    RegNo(RegNo),
    CitizenId(CitizenId),
}

impl Code {
    pub fn kind(&self) -> CodeKind {
        match self {
            Self::Uscc(_) => CodeKind::Uscc,
            Self::OrgCode(_) => CodeKind::OrgCode,
            Self::RegNo(_) => CodeKind::RegNo,
            Self::CitizenId(_) => CodeKind::CitizenId,
        }
    }

    /// The normalised code.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Uscc(c) => c.as_str(),
            Self::OrgCode(c) => c.as_str(),
            Self::RegNo(c) => c.as_str(),
            Self::CitizenId(c) => c.as_str(),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Uscc> for Code {
    fn from(c: Uscc) -> Self {
        Self::Uscc(c)
    }
}

impl From<OrgCode> for Code {
    fn from(c: OrgCode) -> Self {
        Self::OrgCode(c)
    }
}

impl From<RegNo> for Code {
    fn from(c: RegNo) -> Self {
        Self::RegNo(c)
    }
}

impl From<CitizenId> for Code {
    fn from(c: CitizenId) -> Self {
        Self::CitizenId(c)
    }
}

/// Outcome of [`check`]: the normalised text, the best-guess kind, and the validation result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCheck {
    /// The input exactly as given.
    pub input: String,
    /// The input after [`normalize`].
    pub normalized: String,
    /// The best-guess kind; when `result` is an error, the kind whose rules were applied.
    pub kind: CodeKind,
    pub result: Result<Code, CodeError>,
}

impl CodeCheck {
    pub fn is_valid(&self) -> bool {
        self.result.is_ok()
    }
}

/// Classifies and validates any identifier.
///
/// After normalisation, the length decides: 9 → organisation code, 15 → registration number,
/// 18 → USCC or citizen ID (see below), 0 → [`CodeError::Empty`], anything else →
/// [`CodeError::UnknownKind`].
///
/// For 18 characters both rules are tried. If exactly one accepts, that kind wins. If both do,
/// USCC wins when the first two characters are a known USCC prefix that cannot be a province
/// code (11–65, 71, 81, 82), otherwise citizen ID. If neither does, the text is taken for a
/// citizen ID when it has 17 digits, a final digit or `X`, and a year 18xx/19xx/20xx at
/// positions 7–10; otherwise for a USCC; the error of that kind is reported.
pub fn check(input: &str) -> CodeCheck {
    let normalized = normalize(input);
    let length = normalized.chars().count();
    let (kind, result) = match length {
        0 => (CodeKind::Unknown, Err(CodeError::Empty)),
        9 => (
            CodeKind::OrgCode,
            OrgCode::from_normalized(normalized.clone()).map(Code::OrgCode),
        ),
        15 => (
            CodeKind::RegNo,
            RegNo::from_normalized(normalized.clone()).map(Code::RegNo),
        ),
        18 => classify_18(&normalized),
        _ => (CodeKind::Unknown, Err(CodeError::UnknownKind { length })),
    };
    CodeCheck {
        input: input.to_owned(),
        normalized,
        kind,
        result,
    }
}

fn classify_18(n: &str) -> (CodeKind, Result<Code, CodeError>) {
    let uscc = Uscc::from_normalized(n.to_owned());
    let citizen = CitizenId::from_normalized(n.to_owned());
    match (uscc, citizen) {
        (Ok(u), Ok(c)) => {
            let prefix = &n[..2];
            if uscc_prefix_label(prefix).is_some() && !is_plausible_province(prefix) {
                (CodeKind::Uscc, Ok(Code::Uscc(u)))
            } else {
                (CodeKind::CitizenId, Ok(Code::CitizenId(c)))
            }
        }
        (Ok(u), Err(_)) => (CodeKind::Uscc, Ok(Code::Uscc(u))),
        (Err(_), Ok(c)) => (CodeKind::CitizenId, Ok(Code::CitizenId(c))),
        (Err(ue), Err(ce)) => {
            if looks_like_citizen_id(n) {
                (CodeKind::CitizenId, Err(ce))
            } else {
                (CodeKind::Uscc, Err(ue))
            }
        }
    }
}

/// Whether a two-character prefix could be the province part of a division code.
fn is_plausible_province(prefix: &str) -> bool {
    matches!(prefix.parse::<u8>(), Ok(11..=65 | 71 | 81 | 82))
}

/// 17 digits, a final digit or `X`, and a year 18xx/19xx/20xx at positions 7–10.
fn looks_like_citizen_id(n: &str) -> bool {
    let chars: Vec<char> = n.chars().collect();
    chars.len() == 18
        && chars[..17].iter().all(char::is_ascii_digit)
        && (chars[17].is_ascii_digit() || chars[17] == 'X')
        && matches!(&n[6..8], "18" | "19" | "20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc_weights_are_powers_of_three() {
        let mut w = 1;
        for &weight in &USCC_WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn check_char_helpers_reject_bad_input() {
        assert_eq!(uscc_check_char("91350100M000100Y"), None);
        assert_eq!(uscc_check_char("91350100I000100Y4"), None);
        assert_eq!(org_code_check_char("M000100"), None);
        assert_eq!(org_code_check_char("m000100y"), None);
        assert_eq!(reg_no_check_digit("1101080000000"), None);
        assert_eq!(reg_no_check_digit("1101080000000a"), None);
        assert_eq!(citizen_id_check_char("1101051949123100"), None);
        assert_eq!(citizen_id_check_char("1101051949123100X"), None);
    }
}
