//! Tests for `xyjt_core::ident`: USCC, organisation code, registration number, citizen ID,
//! normalisation and classification.

use chrono::NaiveDate;
use proptest::prelude::*;
use xyjt_core::ident::{
    CitizenId, Code, CodeError, CodeKind, OrgCode, RegNo, USCC_ALPHABET, USCC_WEIGHTS, Uscc, check,
    citizen_id_check_char, normalize, org_code_check_char, reg_no_check_digit, uscc_check_char,
};

const USCC_FUZHOU: &str = "91350100M000100Y43";
const USCC_BEIJING: &str = "91110000600037341L";
const CITIZEN: &str = "11010519491231002X";
/// 14 digits whose ISO 7064 MOD 11,10 check digit is 6.
const REG_NO: &str = "110108000000016";

/// Appends the citizen ID check character to 17 digits.
fn citizen(first17: &str) -> String {
    let check = citizen_id_check_char(first17).expect("17 digits");
    format!("{first17}{check}")
}

/// Appends the USCC check character to 17 characters.
fn uscc(first17: &str) -> String {
    let check = uscc_check_char(first17).expect("17 alphabet characters");
    format!("{first17}{check}")
}

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

#[test]
fn normalize_folds_width_case_spaces_and_dashes() {
    assert_eq!(
        normalize("９１３５０１００ｍ０００１００ｙ４３"),
        USCC_FUZHOU
    );
    assert_eq!(normalize("91350100-M000100Y43"), USCC_FUZHOU);
    assert_eq!(normalize(" 9135 0100\tm000 100y43\n"), USCC_FUZHOU);
    assert_eq!(normalize("9135\u{3000}0100－M000100‐Y4‑3"), USCC_FUZHOU);
    assert_eq!(normalize("91–35—01―00−M000100Y43"), USCC_FUZHOU);
    assert_eq!(normalize("\u{FEFF}91350100M000100Y43\u{200B}"), USCC_FUZHOU);
    assert_eq!(normalize(""), "");
    assert_eq!(normalize(" -\u{3000}－ "), "");
    // Non-ASCII letters are left alone (and later rejected by the alphabet rules).
    assert_eq!(normalize("é中"), "é中");
}

// ---------------------------------------------------------------------------------------------
// USCC
// ---------------------------------------------------------------------------------------------

#[test]
fn known_good_usccs_are_accepted() {
    for code in [USCC_FUZHOU, USCC_BEIJING] {
        let u = Uscc::parse(code).unwrap();
        assert_eq!(u.as_str(), code);
        assert_eq!(u.to_string(), code);
        assert_eq!(uscc_check_char(&code[..17]), code.chars().last());
    }
}

#[test]
fn uscc_variants_are_normalised() {
    for variant in [
        "９１３５０１００ｍ０００１００ｙ４３",
        "91350100-M000100Y43",
        "91350100m000100y43",
        " 9135 0100 M000 100Y 43 ",
        "91350100—M000100—Y43",
        "９１３５０１００－Ｍ０００１００Ｙ４３",
    ] {
        let u = Uscc::parse(variant).unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert_eq!(u.as_str(), USCC_FUZHOU, "{variant}");
    }
}

#[test]
fn uscc_accessors() {
    let u = Uscc::parse(USCC_FUZHOU).unwrap();
    assert_eq!(u.division(), "350100");
    assert_eq!(u.prefix(), "91");
    assert_eq!(u.type_label(), Some("企业"));
    assert!(!u.is_individual_business());

    let beijing = Uscc::parse(USCC_BEIJING).unwrap();
    assert_eq!(beijing.division(), "110000");

    let cases = [
        ("11", Some("机关")),
        ("12", Some("事业单位")),
        ("13", Some("群团")),
        ("51", Some("社会组织")),
        ("52", Some("社会组织")),
        ("53", Some("社会组织")),
        ("91", Some("企业")),
        ("92", Some("个体工商户")),
        ("93", Some("农民专业合作社")),
        ("Y1", None),
        ("94", None),
    ];
    for (prefix, label) in cases {
        let u = Uscc::parse(&uscc(&format!("{prefix}350100M000100Y4"))).unwrap();
        assert_eq!(u.type_label(), label, "{prefix}");
        assert_eq!(u.is_individual_business(), prefix == "92", "{prefix}");
    }
}

#[test]
fn embedded_org_code_links_old_and_new() {
    // M000100Y with M = 22, Y = 34: 22*3 + 1*5 + 34*2 = 139 = 12*11 + 7, so C9 = 11 - 7 = 4.
    // The embedded M000100Y4 is therefore a valid organisation code.
    assert_eq!(org_code_check_char("M000100Y"), Some('4'));
    let u = Uscc::parse(USCC_FUZHOU).unwrap();
    let org = u.org_code().expect("M000100Y4 is a valid org code");
    assert_eq!(org.as_str(), "M000100Y4");
    assert_eq!(org.body(), "M000100Y");
    assert_eq!(org.check_char(), '4');
    assert_eq!(org, OrgCode::parse("M000100Y-4").unwrap());

    let beijing = Uscc::parse(USCC_BEIJING).unwrap();
    assert_eq!(beijing.org_code().unwrap().as_str(), "600037341");

    // A valid USCC whose embedded part is not a valid org code is still a valid USCC.
    let odd = uscc("91350100M000100Y5");
    let u = Uscc::parse(&odd).unwrap();
    assert_eq!(u.org_code(), None);
}

#[test]
fn uscc_weights_make_single_substitutions_detectable() {
    // 31 is prime and no weight is a multiple of 31, so w * delta is never 0 mod 31 for a
    // change delta in 1..31: every single substitution changes the checksum.
    for (i, &w) in USCC_WEIGHTS.iter().enumerate() {
        for delta in 1..31 {
            assert_ne!(w * delta % 31, 0, "weight {w} at position {}", i + 1);
        }
    }
    // Exhaustively on the known code: every substitution at every position is rejected.
    let original: Vec<char> = USCC_FUZHOU.chars().collect();
    for position in 0..18 {
        for replacement in USCC_ALPHABET.chars() {
            if replacement == original[position] {
                continue;
            }
            let mut changed = original.clone();
            changed[position] = replacement;
            let changed: String = changed.into_iter().collect();
            let err = Uscc::parse(&changed).unwrap_err();
            if (2..8).contains(&position) && !replacement.is_ascii_digit() {
                assert_eq!(
                    err,
                    CodeError::Alphabet {
                        position: position + 1,
                        found: replacement
                    }
                );
            } else {
                assert!(
                    matches!(err, CodeError::CheckChar { .. }),
                    "{changed}: {err}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: every variant with exact fields and messages
// ---------------------------------------------------------------------------------------------

#[test]
fn error_empty() {
    for input in ["", "   ", " - \u{3000} "] {
        assert_eq!(Uscc::parse(input), Err(CodeError::Empty));
        assert_eq!(OrgCode::parse(input), Err(CodeError::Empty));
        assert_eq!(RegNo::parse(input), Err(CodeError::Empty));
        assert_eq!(CitizenId::parse(input), Err(CodeError::Empty));
    }
    assert_eq!(CodeError::Empty.to_string(), "代码为空 (empty)");
}

#[test]
fn error_length() {
    let err = Uscc::parse("91350100M000100Y4").unwrap_err();
    assert_eq!(
        err,
        CodeError::Length {
            expected: 18,
            found: 17
        }
    );
    assert_eq!(
        err.to_string(),
        "长度错误：应为 18 位，实为 17 位 (length: expected 18, found 17)"
    );
    assert_eq!(
        OrgCode::parse("M000100Y").unwrap_err(),
        CodeError::Length {
            expected: 9,
            found: 8
        }
    );
    assert_eq!(
        RegNo::parse("1101080000000160").unwrap_err(),
        CodeError::Length {
            expected: 15,
            found: 16
        }
    );
    // Length counts characters, not bytes.
    assert_eq!(
        CitizenId::parse("中中").unwrap_err(),
        CodeError::Length {
            expected: 18,
            found: 2
        }
    );
}

#[test]
fn error_alphabet() {
    let err = Uscc::parse("91I50100M000100Y43").unwrap_err();
    assert_eq!(
        err,
        CodeError::Alphabet {
            position: 3,
            found: 'I'
        }
    );
    assert!(
        err.to_string()
            .starts_with("第 3 位字符 'I' 不在允许的字符集中 (alphabet: "),
        "{err}"
    );
    // Letters excluded from the USCC alphabet, at positions where letters are allowed.
    for (letter, position) in [('I', 1), ('O', 2), ('S', 9), ('V', 16), ('Z', 18)] {
        let mut chars: Vec<char> = USCC_FUZHOU.chars().collect();
        chars[position - 1] = letter;
        let s: String = chars.into_iter().collect();
        assert_eq!(
            Uscc::parse(&s),
            Err(CodeError::Alphabet {
                position,
                found: letter
            })
        );
    }
    // Division code must be digits even though letters are in the alphabet.
    assert_eq!(
        Uscc::parse("9135A100M000100Y43"),
        Err(CodeError::Alphabet {
            position: 5,
            found: 'A'
        })
    );
    // The first bad position is reported.
    assert_eq!(
        OrgCode::parse("M0*0100YZ"),
        Err(CodeError::Alphabet {
            position: 3,
            found: '*'
        })
    );
    assert_eq!(
        OrgCode::parse("M000100YZ"),
        Err(CodeError::Alphabet {
            position: 9,
            found: 'Z'
        })
    );
    assert_eq!(
        RegNo::parse("11010800000001A"),
        Err(CodeError::Alphabet {
            position: 15,
            found: 'A'
        })
    );
    assert_eq!(
        CitizenId::parse("1101051949123100XX"),
        Err(CodeError::Alphabet {
            position: 17,
            found: 'X'
        })
    );
    assert_eq!(
        CitizenId::parse("11010519491231002中"),
        Err(CodeError::Alphabet {
            position: 18,
            found: '中'
        })
    );
}

#[test]
fn error_check_char() {
    let err = Uscc::parse("91350100M000100Y44").unwrap_err();
    assert_eq!(
        err,
        CodeError::CheckChar {
            expected: '3',
            found: '4'
        }
    );
    assert_eq!(
        err.to_string(),
        "校验位错误：应为 '3'，实为 '4' (check character: expected 3, found 4)"
    );
    assert_eq!(
        CodeError::CheckChar {
            expected: 'Y',
            found: '3'
        }
        .to_string(),
        "校验位错误：应为 'Y'，实为 '3' (check character: expected Y, found 3)"
    );
    assert_eq!(
        OrgCode::parse("M000100Y5"),
        Err(CodeError::CheckChar {
            expected: '4',
            found: '5'
        })
    );
    assert_eq!(
        RegNo::parse("110108000000017"),
        Err(CodeError::CheckChar {
            expected: '6',
            found: '7'
        })
    );
    assert_eq!(
        CitizenId::parse("110105194912310021"),
        Err(CodeError::CheckChar {
            expected: 'X',
            found: '1'
        })
    );
}

#[test]
fn error_impossible_date() {
    for date in [
        "19990230", "20230229", "19000229", "20231301", "20230100", "17991231",
    ] {
        let id = citizen(&format!("110105{date}123"));
        let err = CitizenId::parse(&id).unwrap_err();
        assert_eq!(
            err,
            CodeError::ImpossibleDate {
                date: date.to_owned()
            },
            "{id}"
        );
    }
    let err = CitizenId::parse(&citizen("11010519990230123")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "出生日期 19990230 不存在 (impossible date)"
    );
}

#[test]
fn error_unknown_kind() {
    let c = check("12345");
    assert_eq!(c.kind, CodeKind::Unknown);
    assert_eq!(c.result, Err(CodeError::UnknownKind { length: 5 }));
    assert_eq!(
        CodeError::UnknownKind { length: 5 }.to_string(),
        "无法识别的代码类型（长度 5）(unknown kind)"
    );
}

// ---------------------------------------------------------------------------------------------
// Organisation code, registration number, citizen ID
// ---------------------------------------------------------------------------------------------

#[test]
fn org_code_check_char_edge_cases() {
    // 11 - 0 = 11 → '0'; 11 - 1 = 10 → 'X'.
    assert_eq!(org_code_check_char("00000000"), Some('0'));
    assert_eq!(org_code_check_char("00000006"), Some('X'));
    assert_eq!(OrgCode::parse("000000000").unwrap().as_str(), "000000000");
    assert_eq!(OrgCode::parse("00000006-x").unwrap().as_str(), "00000006X");
    assert_eq!(OrgCode::parse("60003734-1").unwrap().as_str(), "600037341");
}

/// Independent characterisation of ISO 7064 MOD 11,10: running the recurrence over all digits,
/// check digit included, leaves S = 1 exactly when the number is valid.
fn mod_11_10_final_s_is_one(digits: &str) -> bool {
    let mut p = 10;
    let mut s = 0;
    for d in digits.chars().map(|c| c.to_digit(10).unwrap()) {
        s = match (p + d) % 10 {
            0 => 10,
            s => s,
        };
        p = 2 * s % 11;
    }
    s == 1
}

#[test]
fn reg_no_iso_7064() {
    assert_eq!(reg_no_check_digit("11010800000001"), Some('6'));
    assert!(mod_11_10_final_s_is_one(REG_NO));
    let r = RegNo::parse(REG_NO).unwrap();
    assert_eq!(r.as_str(), REG_NO);
    assert_eq!(r.authority(), "110108");
    assert_eq!(RegNo::parse("110108 000000 016").unwrap(), r);
}

#[test]
fn citizen_id_accessors() {
    let id = CitizenId::parse(CITIZEN).unwrap();
    assert_eq!(id.as_str(), CITIZEN);
    assert_eq!(id.division(), "110105");
    assert_eq!(
        id.birth_date(),
        NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
    );
    assert!(!id.is_male()); // sequence 002 is even
    assert_eq!(id.masked(), "110105********002X");
    assert_eq!(CitizenId::parse("11010519491231002x").unwrap(), id);

    let male = CitizenId::parse(&citizen("11010519800101123")).unwrap();
    assert!(male.is_male());
    let masked = CitizenId::parse(&citizen("11010520000101123"))
        .unwrap()
        .masked();
    assert_eq!(masked.len(), 18);
    assert!(masked.starts_with("110105********123"));
}

#[test]
fn leap_day_2000_is_accepted() {
    let id = CitizenId::parse(&citizen("11010520000229001")).unwrap();
    assert_eq!(
        id.birth_date(),
        NaiveDate::from_ymd_opt(2000, 2, 29).unwrap()
    );
    let early = CitizenId::parse(&citizen("11010518000101001")).unwrap();
    assert_eq!(
        early.birth_date(),
        NaiveDate::from_ymd_opt(1800, 1, 1).unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// Conversions and serde
// ---------------------------------------------------------------------------------------------

#[test]
fn conversions() {
    let u: Uscc = "91350100-m000100y43".parse().unwrap();
    assert_eq!(u.as_str(), USCC_FUZHOU);
    let u2 = Uscc::try_from(String::from(USCC_FUZHOU)).unwrap();
    assert_eq!(u, u2);
    let s: String = u.into();
    assert_eq!(s, USCC_FUZHOU);
    assert!(Uscc::try_from(String::from("x")).is_err());
    assert_eq!(
        "M000100Y5".parse::<OrgCode>(),
        Err(CodeError::CheckChar {
            expected: '4',
            found: '5'
        })
    );
    let r: RegNo = REG_NO.parse().unwrap();
    assert_eq!(String::from(r), REG_NO);
    let c: CitizenId = CITIZEN.parse().unwrap();
    assert_eq!(String::from(c), CITIZEN);
}

#[test]
fn serde_round_trip_and_validation() {
    let u = Uscc::parse(USCC_FUZHOU).unwrap();
    let json = serde_json::to_string(&u).unwrap();
    assert_eq!(json, format!("\"{USCC_FUZHOU}\""));
    assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), u);
    // Deserialisation normalises and validates.
    assert_eq!(
        serde_json::from_str::<Uscc>("\"91350100-m000100y43\"").unwrap(),
        u
    );
    let err = serde_json::from_str::<Uscc>("\"91350100M000100Y44\"").unwrap_err();
    assert!(err.to_string().contains("校验位错误"), "{err}");
    assert!(serde_json::from_str::<OrgCode>("\"M000100Y5\"").is_err());
    assert!(serde_json::from_str::<RegNo>("\"110108000000017\"").is_err());
    assert!(serde_json::from_str::<CitizenId>("\"110105194912310021\"").is_err());

    let kinds = [
        (CodeKind::Uscc, "uscc"),
        (CodeKind::OrgCode, "org_code"),
        (CodeKind::RegNo, "reg_no"),
        (CodeKind::CitizenId, "citizen_id"),
        (CodeKind::Unknown, "unknown"),
    ];
    for (kind, name) in kinds {
        assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{name}\""));
        assert_eq!(
            serde_json::from_str::<CodeKind>(&format!("\"{name}\"")).unwrap(),
            kind
        );
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
    }
}

// ---------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------

fn kind_of(input: &str) -> (CodeKind, Result<Code, CodeError>) {
    let c = check(input);
    (c.kind, c.result)
}

#[test]
fn check_valid_codes_of_each_kind() {
    let c = check("９１３５０１００ｍ０００１００ｙ４３");
    assert_eq!(c.input, "９１３５０１００ｍ０００１００ｙ４３");
    assert_eq!(c.normalized, USCC_FUZHOU);
    assert_eq!(c.kind, CodeKind::Uscc);
    assert!(c.is_valid());
    let code = c.result.unwrap();
    assert_eq!(code, Code::Uscc(Uscc::parse(USCC_FUZHOU).unwrap()));
    assert_eq!(code.kind(), CodeKind::Uscc);
    assert_eq!(code.as_str(), USCC_FUZHOU);
    assert_eq!(code.to_string(), USCC_FUZHOU);

    let (kind, result) = kind_of(USCC_BEIJING);
    assert_eq!(kind, CodeKind::Uscc);
    assert_eq!(result.unwrap().kind(), CodeKind::Uscc);

    let (kind, result) = kind_of("M000100Y-4");
    assert_eq!(kind, CodeKind::OrgCode);
    assert_eq!(
        result,
        Ok(Code::OrgCode(OrgCode::parse("M000100Y4").unwrap()))
    );

    let (kind, result) = kind_of(REG_NO);
    assert_eq!(kind, CodeKind::RegNo);
    assert_eq!(result.unwrap().as_str(), REG_NO);

    let (kind, result) = kind_of("110105 19491231 002x");
    assert_eq!(kind, CodeKind::CitizenId);
    assert_eq!(result.unwrap().as_str(), CITIZEN);
}

#[test]
fn check_empty_and_unknown_lengths() {
    for input in ["", "  ", "-－"] {
        let c = check(input);
        assert_eq!(c.kind, CodeKind::Unknown);
        assert_eq!(c.result, Err(CodeError::Empty));
        assert_eq!(c.normalized, "");
    }
    for (input, length) in [
        ("1", 1),
        ("M000100Y", 8),
        ("91350100M000100Y4", 17),
        ("中文名称", 4),
    ] {
        let c = check(input);
        assert_eq!(c.kind, CodeKind::Unknown, "{input}");
        assert_eq!(c.result, Err(CodeError::UnknownKind { length }), "{input}");
    }
}

#[test]
fn check_reports_errors_of_the_guessed_kind() {
    // 9 and 15 characters: the only candidate kind, alphabet errors with 1-based positions.
    assert_eq!(
        kind_of("M00010*Y4"),
        (
            CodeKind::OrgCode,
            Err(CodeError::Alphabet {
                position: 7,
                found: '*'
            })
        )
    );
    assert_eq!(
        kind_of("11010800000001A"),
        (
            CodeKind::RegNo,
            Err(CodeError::Alphabet {
                position: 15,
                found: 'A'
            })
        )
    );
    assert_eq!(
        kind_of("110108000000017"),
        (
            CodeKind::RegNo,
            Err(CodeError::CheckChar {
                expected: '6',
                found: '7'
            })
        )
    );

    // 18 characters, neither valid, looks like a citizen ID → citizen ID's error.
    assert_eq!(
        kind_of("110105194912310021"),
        (
            CodeKind::CitizenId,
            Err(CodeError::CheckChar {
                expected: 'X',
                found: '1'
            })
        )
    );
    let bad_date = citizen("11010519990230123");
    assert!(Uscc::parse(&bad_date).is_err());
    assert_eq!(
        kind_of(&bad_date),
        (
            CodeKind::CitizenId,
            Err(CodeError::ImpossibleDate {
                date: "19990230".to_owned()
            })
        )
    );

    // 18 characters, neither valid, not citizen-like → USCC's error.
    assert_eq!(
        kind_of("91350100M000100Y44"),
        (
            CodeKind::Uscc,
            Err(CodeError::CheckChar {
                expected: '3',
                found: '4'
            })
        )
    );
    assert_eq!(
        kind_of("91I50100M000100Y43"),
        (
            CodeKind::Uscc,
            Err(CodeError::Alphabet {
                position: 3,
                found: 'I'
            })
        )
    );
    // All digits but the year would be 21xx: not a plausible citizen ID.
    let digits = "110105210001010010";
    assert!(Uscc::parse(digits).is_err() && CitizenId::parse(digits).is_err());
    assert_eq!(kind_of(digits).0, CodeKind::Uscc);
    // Year plausible but last character is neither digit nor X.
    let (kind, result) = kind_of("11010519491231002Y");
    assert_eq!(kind, CodeKind::Uscc);
    assert!(result.is_err());
}

/// Finds an 18-digit string with the given first two digits that is both a valid citizen ID
/// and a valid USCC, by varying the sequence number and birth day.
fn both_valid(prefix: &str) -> String {
    for day in 1..=28 {
        for seq in 0..1000 {
            let first17 = format!("{prefix}0105198002{day:02}{seq:03}");
            let id = citizen(&first17);
            if Uscc::parse(&id).is_ok() {
                return id;
            }
        }
    }
    panic!("no code valid as both kinds with prefix {prefix}");
}

#[test]
fn check_prefers_by_prefix_when_both_are_valid() {
    // 91, 92, 93: USCC prefixes that are not province codes → USCC.
    for prefix in ["91", "92", "93"] {
        let code = both_valid(prefix);
        assert!(CitizenId::parse(&code).is_ok() && Uscc::parse(&code).is_ok());
        let (kind, result) = kind_of(&code);
        assert_eq!(kind, CodeKind::Uscc, "{code}");
        assert_eq!(result.unwrap().kind(), CodeKind::Uscc);
    }
    // 11 (USCC 机关 but also Beijing), 51 (社会组织 but also Sichuan), 44 (province only),
    // 99 (neither) → citizen ID.
    for prefix in ["11", "51", "44", "99"] {
        let code = both_valid(prefix);
        let (kind, result) = kind_of(&code);
        assert_eq!(kind, CodeKind::CitizenId, "{code}");
        assert_eq!(result.unwrap().kind(), CodeKind::CitizenId);
    }
}

#[test]
fn check_takes_the_only_valid_kind() {
    // A valid citizen ID that is not a valid USCC.
    assert!(Uscc::parse(CITIZEN).is_err());
    assert_eq!(kind_of(CITIZEN).0, CodeKind::CitizenId);
    // A valid all-digit USCC with a citizen-like shape but an impossible date.
    let mut found = false;
    for seq in 0..1000 {
        let code = uscc(&format!("91010519990230{seq:03}"));
        if code.ends_with(|c: char| c.is_ascii_digit()) {
            assert!(CitizenId::parse(&code).is_err());
            assert_eq!(kind_of(&code).0, CodeKind::Uscc, "{code}");
            found = true;
            break;
        }
    }
    assert!(found);
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

/// Full-width form of ASCII: printable characters to U+FF01..U+FF5E, space to U+3000.
fn to_full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' ' => '\u{3000}',
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            _ => c,
        })
        .collect()
}

/// Strategy: one character out of `alphabet`.
fn char_of(alphabet: &'static str) -> impl Strategy<Value = char> {
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::sample::select(chars)
}

fn string_of(alphabet: &'static str, len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(char_of(alphabet), len).prop_map(|v| v.into_iter().collect())
}

const DIGITS: &str = "0123456789";
const ORG_BODY: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS_X: &str = "0123456789X";

fn valid_uscc() -> impl Strategy<Value = String> {
    (
        string_of(USCC_ALPHABET, 2),
        string_of(DIGITS, 6),
        string_of(USCC_ALPHABET, 9),
    )
        .prop_map(|(a, b, c)| uscc(&format!("{a}{b}{c}")))
}

fn valid_org_code() -> impl Strategy<Value = String> {
    string_of(ORG_BODY, 8).prop_map(|body| {
        let check = org_code_check_char(&body).unwrap();
        format!("{body}{check}")
    })
}

fn valid_reg_no() -> impl Strategy<Value = String> {
    string_of(DIGITS, 14).prop_map(|first| {
        let check = reg_no_check_digit(&first).unwrap();
        format!("{first}{check}")
    })
}

fn valid_citizen_id() -> impl Strategy<Value = String> {
    let first = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
    let days = (last - first).num_days();
    (string_of(DIGITS, 6), 0..=days, string_of(DIGITS, 3)).prop_map(move |(area, d, seq)| {
        let date = first + chrono::Duration::days(d);
        citizen(&format!("{area}{}{seq}", date.format("%Y%m%d")))
    })
}

/// Decorates a normalised code the way users type it: random case, spaces, dashes, full width.
fn decorated(code: String) -> impl Strategy<Value = (String, String)> {
    let n = code.chars().count();
    proptest::collection::vec((0u8..6, prop::bool::ANY), n).prop_map(move |ops| {
        let mut out = String::new();
        for (c, (op, lower)) in code.chars().zip(ops) {
            let c = if lower { c.to_ascii_lowercase() } else { c };
            match op {
                0 => out.push_str(&to_full_width(&c.to_string())),
                1 => {
                    out.push(c);
                    out.push('-');
                }
                2 => {
                    out.push(' ');
                    out.push(c);
                }
                3 => {
                    out.push(c);
                    out.push('\u{3000}');
                }
                _ => out.push(c),
            }
        }
        (code.clone(), out)
    })
}

/// Replaces the character at `index`; `None` if it is already `replacement`.
fn substitute(code: &str, index: usize, replacement: char) -> Option<String> {
    let mut chars: Vec<char> = code.chars().collect();
    if chars[index] == replacement {
        return None;
    }
    chars[index] = replacement;
    Some(chars.into_iter().collect())
}

proptest! {
    #[test]
    fn normalize_is_idempotent(s in ".*") {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn normalize_is_idempotent_on_relevant_characters(
        s in "[0-9a-zA-Z \\-\u{3000}\u{2010}-\u{2015}\u{2212}\u{FF01}-\u{FF5E}\t\n]*"
    ) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once.clone());
        prop_assert!(once.chars().all(|c| !c.is_whitespace() && c != '-' && !c.is_ascii_lowercase()));
    }

    #[test]
    fn full_width_folds_to_ascii(s in "[\\x00-\\x7f]*") {
        prop_assert_eq!(normalize(&to_full_width(&s)), normalize(&s));
    }

    #[test]
    fn generated_usccs_round_trip((code, input) in valid_uscc().prop_flat_map(decorated)) {
        let u = Uscc::parse(&input).unwrap();
        prop_assert_eq!(u.to_string(), normalize(&input));
        prop_assert_eq!(u.as_str(), code.as_str());
        let shown = u.to_string();
        prop_assert_eq!(Uscc::parse(&shown).unwrap(), u.clone());
        let json = serde_json::to_string(&u).unwrap();
        prop_assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), u.clone());
        let c = check(&input);
        prop_assert!(c.is_valid());
        prop_assert_eq!(c.normalized, code.clone());
        // The embedded org code is reported exactly when positions 9–17 form a valid one.
        prop_assert_eq!(u.org_code().is_some(), OrgCode::parse(&code[8..17]).is_ok());
    }

    #[test]
    fn generated_org_codes_round_trip((code, input) in valid_org_code().prop_flat_map(decorated)) {
        let o = OrgCode::parse(&input).unwrap();
        prop_assert_eq!(o.to_string(), normalize(&input));
        prop_assert_eq!(o.as_str(), code.as_str());
        let shown = o.to_string();
        prop_assert_eq!(OrgCode::parse(&shown).unwrap(), o.clone());
        let c = check(&input);
        prop_assert_eq!(c.kind, CodeKind::OrgCode);
        prop_assert_eq!(c.result, Ok(Code::OrgCode(o)));
    }

    #[test]
    fn generated_reg_nos_round_trip((code, input) in valid_reg_no().prop_flat_map(decorated)) {
        prop_assert!(mod_11_10_final_s_is_one(&code));
        let r = RegNo::parse(&input).unwrap();
        prop_assert_eq!(r.to_string(), normalize(&input));
        prop_assert_eq!(r.as_str(), code.as_str());
        let shown = r.to_string();
        prop_assert_eq!(RegNo::parse(&shown).unwrap(), r.clone());
        let c = check(&input);
        prop_assert_eq!(c.kind, CodeKind::RegNo);
        prop_assert_eq!(c.result, Ok(Code::RegNo(r)));
    }

    #[test]
    fn generated_citizen_ids_round_trip((code, input) in valid_citizen_id().prop_flat_map(decorated)) {
        let id = CitizenId::parse(&input).unwrap();
        prop_assert_eq!(id.to_string(), normalize(&input));
        prop_assert_eq!(id.as_str(), code.as_str());
        let shown = id.to_string();
        prop_assert_eq!(CitizenId::parse(&shown).unwrap(), id.clone());
        prop_assert_eq!(id.birth_date().format("%Y%m%d").to_string(), &code[6..14]);
        prop_assert_eq!(id.is_male(), (code.as_bytes()[16] - b'0') % 2 == 1);
        let masked = id.masked();
        prop_assert_eq!(&masked[..6], &code[..6]);
        prop_assert_eq!(&masked[6..14], "********");
        prop_assert_eq!(&masked[14..], &code[14..]);
        let c = check(&input);
        prop_assert!(c.is_valid());
        let uscc_wins = Uscc::parse(&code).is_ok() && matches!(&code[..2], "91" | "92" | "93");
        let expected = if uscc_wins { CodeKind::Uscc } else { CodeKind::CitizenId };
        prop_assert_eq!(c.kind, expected);
    }

    #[test]
    fn uscc_single_substitution_is_detected(
        code in valid_uscc(),
        index in 0usize..18,
        replacement in char_of(USCC_ALPHABET),
    ) {
        if let Some(changed) = substitute(&code, index, replacement) {
            let err = Uscc::parse(&changed).unwrap_err();
            if (2..8).contains(&index) && !replacement.is_ascii_digit() {
                prop_assert_eq!(err, CodeError::Alphabet { position: index + 1, found: replacement });
            } else {
                prop_assert!(matches!(err, CodeError::CheckChar { .. }), "{}", err);
            }
        }
    }

    #[test]
    fn org_code_single_substitution_is_detected_unless_a_multiple_of_11(
        code in valid_org_code(),
        index in 0usize..9,
        body_char in char_of(ORG_BODY),
        check_char in char_of(DIGITS_X),
    ) {
        let replacement = if index < 8 { body_char } else { check_char };
        if let Some(changed) = substitute(&code, index, replacement) {
            let result = OrgCode::parse(&changed);
            // Letters make the body values 0..=35, so a change by 11, 22 or 33 (e.g. 0 ↔ B)
            // keeps the weighted sum mod 11: a known blind spot of GB 11714. Every other
            // substitution, in particular any digit-for-digit one, is caught.
            let old = code.chars().nth(index).unwrap().to_digit(36).unwrap();
            let new = replacement.to_digit(36).unwrap();
            if index < 8 && old.abs_diff(new) % 11 == 0 {
                prop_assert!(result.is_ok());
            } else {
                prop_assert!(matches!(result, Err(CodeError::CheckChar { .. })), "{:?}", result);
            }
        }
    }

    #[test]
    fn reg_no_single_substitution_is_detected(
        code in valid_reg_no(),
        index in 0usize..15,
        replacement in char_of(DIGITS),
    ) {
        if let Some(changed) = substitute(&code, index, replacement) {
            let result = RegNo::parse(&changed);
            prop_assert!(matches!(result, Err(CodeError::CheckChar { .. })), "{:?}", result);
        }
    }

    #[test]
    fn citizen_id_single_substitution_is_detected(
        code in valid_citizen_id(),
        index in 0usize..18,
        digit in char_of(DIGITS),
        check_char in char_of(DIGITS_X),
    ) {
        let replacement = if index < 17 { digit } else { check_char };
        if let Some(changed) = substitute(&code, index, replacement) {
            let result = CitizenId::parse(&changed);
            // Either the check character catches it or the birth date no longer exists.
            prop_assert!(
                matches!(result, Err(CodeError::CheckChar { .. } | CodeError::ImpossibleDate { .. })),
                "{:?}", result
            );
        }
    }
}

#[test]
fn citizen_id_debug_output_is_masked() {
    let id = xyjt_core::ident::CitizenId::parse("11010519491231002X").unwrap();
    assert_eq!(format!("{id:?}"), "CitizenId(110105********002X)");
}
