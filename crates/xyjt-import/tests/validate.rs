//! Row validation: valid rows build the expected bodies; each rule reports its exact field and
//! code; all errors of a row are collected.

mod common;

use common::*;
use xyjt_core::money::WanYuan;
use xyjt_core::record::{PenaltyKind, RecordBody, RecordCategory};
use xyjt_core::subject::PartyCategory;
use xyjt_import::{FieldError, Header, RawRow, validate};

const P: RecordCategory = RecordCategory::Penalty;
const L: RecordCategory = RecordCategory::License;

fn run(
    category: RecordCategory,
    pairs: &[(&'static str, String)],
) -> Result<RecordBody, Vec<FieldError>> {
    let (header, row) = header_and_row(category, pairs);
    validate(category, &header, &row, as_of())
}

fn errors(category: RecordCategory, pairs: &[(&'static str, String)]) -> Vec<FieldError> {
    run(category, pairs).expect_err("row should be rejected")
}

/// The (field, code) pairs of a rejected row.
fn kinds(errors: &[FieldError]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| (e.field.clone(), e.code.clone()))
        .collect()
}

/// Applies `edits` to the valid penalty row and expects exactly `expected` (field, code) errors.
fn penalty_rejects(edits: &[(&str, &str)], expected: &[(&str, &str)]) -> Vec<FieldError> {
    let mut pairs = penalty_pairs();
    for (code, value) in edits {
        set(&mut pairs, code, *value);
    }
    let errs = errors(P, &pairs);
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    assert_eq!(kinds(&errs), want, "edits {edits:?}: {errs:#?}");
    for e in &errs {
        assert_eq!(e.row, 1);
        assert!(!e.message.is_empty());
    }
    errs
}

fn license_rejects(edits: &[(&str, &str)], expected: &[(&str, &str)]) -> Vec<FieldError> {
    let mut pairs = license_pairs();
    for (code, value) in edits {
        set(&mut pairs, code, *value);
    }
    let errs = errors(L, &pairs);
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    assert_eq!(kinds(&errs), want, "edits {edits:?}: {errs:#?}");
    errs
}

#[test]
fn valid_penalty_builds_the_expected_body() {
    assert_eq!(run(P, &penalty_pairs()), Ok(expected_penalty()));
}

#[test]
fn valid_licence_builds_the_expected_body() {
    assert_eq!(run(L, &license_pairs()), Ok(expected_license()));
}

#[test]
fn codes_are_normalised_and_optional_cells_become_none() {
    let mut pairs = penalty_pairs();
    // Full-width, lower case and spaces in the USCC; a registration number and org code too.
    set(
        &mut pairs,
        "CF_XDR_SHXYM",
        " ９１３５０１００ｍ０００１００ｙ４３ ",
    );
    set(&mut pairs, "CF_XDR_GSZC", reg_no());
    // Lower case and a dash are tolerated.
    let org = org_code("M000100Y").to_string().to_lowercase();
    set(
        &mut pairs,
        "CF_XDR_ZZJG",
        format!("{}-{}", &org[..8], &org[8..]),
    );
    set(&mut pairs, "CF_XDR_SWDJ", " 350100M000100Y4 ");
    set(&mut pairs, "CF_CFLB", "罚款、警告、罚款");
    set(&mut pairs, "CF_NR_FK", "1,000.5");
    set(&mut pairs, "CF_GSJZQ", "");
    set(&mut pairs, "BZ", "  ");
    let Ok(RecordBody::Penalty(p)) = run(P, &pairs) else {
        panic!("valid")
    };
    assert_eq!(p.party.uscc.unwrap().as_str(), PARTY_USCC);
    assert_eq!(p.party.reg_no, Some(reg_no_value()));
    assert_eq!(p.party.org_code, Some(org_code("M000100Y")));
    assert_eq!(p.party.tax_reg_no.as_deref(), Some("350100M000100Y4"));
    assert_eq!(p.kinds, vec![PenaltyKind::Fine, PenaltyKind::Warning]);
    assert_eq!(p.fine, Some(WanYuan::parse("1000.5").unwrap()));
    assert_eq!(p.publicity_until, None);
    assert_eq!(p.remark, None);
}

#[test]
fn each_penalty_rule_reports_its_field_and_code() {
    // Required fields.
    penalty_rejects(&[("CF_XDR_MC", "")], &[("CF_XDR_MC", "required")]);
    penalty_rejects(&[("CF_WSH", " ")], &[("CF_WSH", "required")]);
    penalty_rejects(&[("CF_SY", "")], &[("CF_SY", "required")]);
    penalty_rejects(&[("CF_YXQ", "")], &[("CF_YXQ", "required")]);
    penalty_rejects(&[("CF_CFJGDM", "")], &[("CF_CFJGDM", "required")]);
    // Enumerations.
    penalty_rejects(&[("CF_XDR_LB", "企业")], &[("CF_XDR_LB", "invalid_enum")]);
    let e = penalty_rejects(&[("CF_CFLB", "警告；罚金")], &[("CF_CFLB", "invalid_enum")]);
    assert!(e[0].message.contains("罚金"), "{}", e[0].message);
    penalty_rejects(&[("CF_CFLB", "；")], &[("CF_CFLB", "invalid_enum")]);
    // Identifiers.
    let e = penalty_rejects(
        &[("CF_XDR_SHXYM", "91350100M000100Y44")],
        &[("CF_XDR_SHXYM", "invalid_code")],
    );
    assert!(e[0].message.contains("校验位"), "{}", e[0].message);
    penalty_rejects(
        &[("CF_XDR_GSZC", bad_reg_no().as_str())],
        &[("CF_XDR_GSZC", "invalid_code")],
    );
    // An invalid code is an error even though the USCC is fine.
    penalty_rejects(
        &[("CF_XDR_ZZJG", "M0001000Z")],
        &[("CF_XDR_ZZJG", "invalid_code")],
    );
    penalty_rejects(&[("CF_XDR_SHXYM", "")], &[("CF_XDR_SHXYM", "required")]);
    // Another identifier suffices for an organisation.
    assert!(
        run(P, &{
            let mut p = penalty_pairs();
            set(&mut p, "CF_XDR_SHXYM", "");
            set(&mut p, "CF_XDR_SHZZ", "闽民证字第010001号");
            p
        })
        .is_ok()
    );
    penalty_rejects(
        &[
            ("CF_XDR_ZJLX", "身份证"),
            ("CF_XDR_ZJHM", citizen_id("11010519491231002").as_str()),
        ],
        &[
            ("CF_XDR_ZJLX", "invalid_id_for_category"),
            ("CF_XDR_ZJHM", "invalid_id_for_category"),
        ],
    );
    penalty_rejects(
        &[("CF_FR_ZJHM", bad_citizen_id("35010219800101123").as_str())],
        &[("CF_FR_ZJHM", "invalid_code")],
    );
    penalty_rejects(
        &[("CF_CFJGDM", "11350100003734501")],
        &[("CF_CFJGDM", "invalid_code")],
    );
    penalty_rejects(
        &[("CF_SJLYDM", "not a code")],
        &[("CF_SJLYDM", "invalid_code")],
    );
    // Amounts.
    penalty_rejects(&[("CF_NR_FK", "两千元")], &[("CF_NR_FK", "invalid_amount")]);
    penalty_rejects(&[("CF_NR_FK", "-0.2")], &[("CF_NR_FK", "invalid_amount")]);
    penalty_rejects(
        &[("CF_NR_WFFF", "0.1234567")],
        &[("CF_NR_WFFF", "invalid_amount")],
    );
    penalty_rejects(&[("CF_NR_FK", "")], &[("CF_NR_FK", "required")]);
    penalty_rejects(
        &[("CF_CFLB", "没收违法所得")],
        &[("CF_NR_WFFF", "required")],
    );
    penalty_rejects(
        &[("CF_CFLB", "吊销许可证件")],
        &[("CF_NR_ZKDX", "required")],
    );
    // Dates.
    let e = penalty_rejects(&[("CF_JDRQ", "2023-02-29")], &[("CF_JDRQ", "invalid_date")]);
    assert!(e[0].message.contains("不是存在的日期"), "{}", e[0].message);
    let e = penalty_rejects(&[("CF_JDRQ", "5/1/2024")], &[("CF_JDRQ", "invalid_date")]);
    assert!(e[0].message.contains("格式"), "{}", e[0].message);
    penalty_rejects(
        &[("CF_JDRQ", "2024-07-01"), ("CF_YXQ", "2025-07-01")],
        &[("CF_JDRQ", "date_after_as_of")],
    );
    penalty_rejects(
        &[("CF_YXQ", "2024-01-04")],
        &[("CF_YXQ", "end_before_start")],
    );
    penalty_rejects(
        &[("CF_GSJZQ", "2023-12-31")],
        &[("CF_GSJZQ", "end_before_start")],
    );
    // Excel serial numbers are dates too (45296 = 2024-01-05).
    assert!(
        run(P, &{
            let mut p = penalty_pairs();
            set(&mut p, "CF_JDRQ", "45296");
            p
        })
        .is_ok()
    );
    // Encoding damage.
    penalty_rejects(
        &[("CF_WFXW", "超\u{FFFD}运输")],
        &[("CF_WFXW", "bad_encoding")],
    );
}

#[test]
fn natural_person_rules() {
    let id = citizen_id("11010519491231002");
    let natural = [
        ("CF_XDR_MC", "张三"),
        ("CF_XDR_LB", "自然人"),
        ("CF_XDR_SHXYM", ""),
        ("CF_FRDB", ""),
        ("CF_FR_ZJLX", ""),
        ("CF_FR_ZJHM", ""),
        ("CF_XDR_ZJLX", "身份证"),
    ];
    let mut base: Vec<(&str, &str)> = natural.to_vec();
    base.push(("CF_XDR_ZJHM", &id));
    assert!(
        run(P, &{
            let mut p = penalty_pairs();
            for (k, v) in &base {
                set(&mut p, k, *v);
            }
            p
        })
        .is_ok()
    );

    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&str, &str)> {
        let mut v = base.clone();
        v.extend_from_slice(extra);
        v
    };
    let bad = bad_citizen_id("11010519491231002");
    let e = penalty_rejects(
        &with(&[])
            .into_iter()
            .chain([("CF_XDR_ZJHM", bad.as_str())])
            .collect::<Vec<_>>(),
        &[("CF_XDR_ZJHM", "invalid_code")],
    );
    // Never the full ID number in a message: first 6, 8 stars, last 4.
    assert!(!e[0].message.contains(&bad), "{}", e[0].message);
    assert!(
        e[0].message
            .contains(&format!("110105********{}", &bad[14..])),
        "{}",
        e[0].message
    );
    penalty_rejects(
        &with(&[("CF_XDR_ZJHM", "")]),
        &[("CF_XDR_ZJHM", "required")],
    );
    // No type: required, and the number is still checked as a citizen ID.
    penalty_rejects(
        &with(&[("CF_XDR_ZJLX", "")]),
        &[("CF_XDR_ZJLX", "required")],
    );
    penalty_rejects(
        &with(&[("CF_XDR_ZJLX", "")])
            .into_iter()
            .chain([("CF_XDR_ZJHM", bad.as_str())])
            .collect::<Vec<_>>(),
        &[("CF_XDR_ZJLX", "required"), ("CF_XDR_ZJHM", "invalid_code")],
    );
    // Another type: any non-empty number.
    assert!(
        run(P, &{
            let mut p = penalty_pairs();
            for (k, v) in with(&[("CF_XDR_ZJLX", "护照"), ("CF_XDR_ZJHM", "E12345678")]) {
                set(&mut p, k, v);
            }
            p
        })
        .is_ok()
    );
    // A citizen ID pasted into the USCC column of an organisation is not echoed in full.
    let e = penalty_rejects(
        &[("CF_XDR_SHXYM", id.as_str())],
        &[("CF_XDR_SHXYM", "invalid_code")],
    );
    assert!(!e[0].message.contains(&id), "{}", e[0].message);
    // Organisation identifiers do not belong to a natural person.
    penalty_rejects(
        &with(&[("CF_XDR_SHXYM", PARTY_USCC)]),
        &[("CF_XDR_SHXYM", "invalid_id_for_category")],
    );
}

#[test]
fn individual_business_may_carry_operator_id() {
    let mut p = penalty_pairs();
    set(&mut p, "CF_XDR_LB", "个体工商户");
    set(&mut p, "CF_XDR_ZJLX", "身份证");
    set(&mut p, "CF_XDR_ZJHM", citizen_id("11010519491231002"));
    let Ok(RecordBody::Penalty(r)) = run(P, &p) else {
        panic!("valid")
    };
    assert_eq!(r.party.category, PartyCategory::IndividualBusiness);
    set(&mut p, "CF_XDR_ZJHM", bad_citizen_id("11010519491231002"));
    assert_eq!(
        kinds(&errors(P, &p)),
        vec![("CF_XDR_ZJHM".to_string(), "invalid_code".to_string())]
    );
}

#[test]
fn all_errors_of_a_row_are_collected() {
    penalty_rejects(
        &[
            ("CF_XDR_MC", ""),
            ("CF_XDR_SHXYM", "123"),
            ("CF_CFLB", "罚金"),
            ("CF_JDRQ", "2024-13-01"),
            ("CF_CFJGDM", ""),
            ("CF_SJLYDM", "bad"),
        ],
        &[
            ("CF_XDR_MC", "required"),
            ("CF_XDR_SHXYM", "invalid_code"),
            ("CF_CFLB", "invalid_enum"),
            ("CF_JDRQ", "invalid_date"),
            ("CF_CFJGDM", "required"),
            ("CF_SJLYDM", "invalid_code"),
        ],
    );
}

#[test]
fn huge_field_is_too_long_without_echoing_it() {
    let huge = "违".repeat(100_000);
    let e = penalty_rejects(&[("CF_SY", huge.as_str())], &[("CF_SY", "too_long")]);
    assert!(
        e[0].message.contains("4000") && e[0].message.contains("100000"),
        "{}",
        e[0].message
    );
    assert!(e[0].message.chars().count() < 100, "{}", e[0].message);
    penalty_rejects(
        &[("CF_WSH", "号".repeat(129).as_str())],
        &[("CF_WSH", "too_long")],
    );
    // A value at the limit is fine.
    assert!(
        run(P, &{
            let mut p = penalty_pairs();
            set(&mut p, "CF_WSH", "号".repeat(128));
            p
        })
        .is_ok()
    );
}

#[test]
fn column_count_is_a_whole_row_error() {
    let (header, mut row) = header_and_row(P, &penalty_pairs());
    row.cells.push("extra".into());
    let errs = validate(P, &header, &row, as_of()).unwrap_err();
    assert_eq!(
        kinds(&errs),
        vec![(String::new(), "column_count".to_string())]
    );
    assert!(errs[0].message.contains("列数与表头不符"));
    // Fewer cells: the missing trailing cells are empty, so BZ (optional) is fine.
    let (header, mut row) = header_and_row(P, &penalty_pairs());
    row.cells.pop();
    let errs = validate(P, &header, &row, as_of()).unwrap_err();
    assert_eq!(
        kinds(&errs),
        vec![(String::new(), "column_count".to_string())]
    );
}

#[test]
fn absent_required_column_is_required_error() {
    let pairs: Vec<_> = penalty_pairs()
        .into_iter()
        .filter(|(k, _)| *k != "CF_WFXW")
        .collect();
    let header = Header::new(P, pairs.iter().map(|(k, _)| *k));
    let row = RawRow {
        row: 7,
        cells: pairs.iter().map(|(_, v)| v.clone()).collect(),
    };
    let errs = validate(P, &header, &row, as_of()).unwrap_err();
    assert_eq!(
        kinds(&errs),
        vec![("CF_WFXW".to_string(), "required".to_string())]
    );
    assert_eq!(errs[0].row, 7);
}

#[test]
fn licence_rules() {
    license_rejects(&[("XK_XKLB", "普通类")], &[("XK_XKLB", "invalid_enum")]);
    license_rejects(
        &[("XK_YXQZI", "2024-02-29")],
        &[("XK_YXQZI", "end_before_start")],
    );
    license_rejects(&[("XK_YXQZ", "")], &[("XK_YXQZ", "required")]);
    license_rejects(&[("XK_YXQZI", "")], &[("XK_YXQZI", "required")]);
    license_rejects(
        &[("XK_JDRQ", "2024-07-01")],
        &[("XK_JDRQ", "date_after_as_of")],
    );
    license_rejects(
        &[("XK_XKJGDM", "11350100003734501I")],
        &[("XK_XKJGDM", "invalid_code")],
    );
    license_rejects(&[("XK_LYDWDM", "")], &[("XK_LYDWDM", "required")]);
    license_rejects(&[("XK_XKWS", "")], &[("XK_XKWS", "required")]);
    license_rejects(
        &[("XK_WSH", ""), ("XK_XKBH", "")],
        &[("XK_WSH", "required")],
    );
    license_rejects(&[("XK_XDR_ZJLX", "")], &[("XK_XDR_ZJLX", "required")]);

    // No 文书号: the 许可编号 stands in. 长期 is 2099-12-31. "普通许可" is 普通.
    let mut pairs = license_pairs();
    set(&mut pairs, "XK_WSH", "");
    set(&mut pairs, "XK_YXQZI", "长期");
    set(&mut pairs, "XK_XKLB", "普通许可");
    assert_eq!(
        run(L, &pairs),
        Ok(expected_license()).map(|b| match b {
            RecordBody::License(mut l) => {
                l.doc_no = "350100202400088".into();
                RecordBody::License(l)
            }
            other => other,
        })
    );
}

#[test]
fn errors_serialise_as_json() {
    let errs = penalty_rejects(&[("CF_XDR_MC", "")], &[("CF_XDR_MC", "required")]);
    let json = serde_json::to_value(&errs[0]).unwrap();
    assert_eq!(json["field"], "CF_XDR_MC");
    assert_eq!(json["code"], "required");
    assert_eq!(json["row"], 1);
}
