//! Shared fixtures: valid identifiers, a valid penalty and licence row, expected bodies, and
//! writers for CSV / XLSX / JSON files in a per-test temp dir.
#![allow(dead_code)]

use std::path::PathBuf;

use chrono::NaiveDate;
use xyjt_core::ident::{
    CitizenId, OrgCode, RegNo, Uscc, citizen_id_check_char, reg_no_check_digit, uscc_check_char,
};
use xyjt_core::money::WanYuan;
use xyjt_core::record::{
    LicenseKind, LicenseRecord, Party, PenaltyKind, PenaltyRecord, RecordBody, RecordCategory,
};
use xyjt_core::subject::PartyCategory;
use xyjt_import::{Header, RawRow};

pub const PARTY_USCC: &str = "91350100M000100Y43";

/// A valid USCC from its first 17 characters.
pub fn uscc(first17: &str) -> String {
    format!("{first17}{}", uscc_check_char(first17).unwrap())
}

pub fn authority_uscc() -> String {
    uscc("11350100003734501")
}

pub fn source_uscc() -> String {
    uscc("11350100MB0123456")
}

/// A valid citizen ID from its first 17 digits.
pub fn citizen_id(first17: &str) -> String {
    format!("{first17}{}", citizen_id_check_char(first17).unwrap())
}

pub fn reg_no() -> String {
    let first14 = "35010020001234";
    format!("{first14}{}", reg_no_check_digit(first14).unwrap())
}

/// A registration number with a wrong check digit.
pub fn bad_reg_no() -> String {
    let good = reg_no();
    let last = good.chars().last().unwrap().to_digit(10).unwrap();
    format!("{}{}", &good[..14], (last + 1) % 10)
}

/// The same citizen ID with a wrong check character.
pub fn bad_citizen_id(first17: &str) -> String {
    let good = citizen_id_check_char(first17).unwrap();
    let wrong = if good == '0' { '1' } else { '0' };
    format!("{first17}{wrong}")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn as_of() -> NaiveDate {
    date(2024, 6, 30)
}

/// A complete, valid penalty row as (code, value), in national order.
pub fn penalty_pairs() -> Vec<(&'static str, String)> {
    vec![
        ("CF_XDR_MC", "福州顺达运输有限公司".into()),
        ("CF_XDR_LB", "法人及非法人组织".into()),
        ("CF_XDR_SHXYM", PARTY_USCC.into()),
        ("CF_XDR_GSZC", String::new()),
        ("CF_XDR_ZZJG", String::new()),
        ("CF_XDR_SWDJ", String::new()),
        ("CF_XDR_SYDW", String::new()),
        ("CF_XDR_SHZZ", String::new()),
        ("CF_FRDB", "王五".into()),
        ("CF_FR_ZJLX", "身份证".into()),
        ("CF_FR_ZJHM", citizen_id("35010219800101123")),
        ("CF_XDR_ZJLX", String::new()),
        ("CF_XDR_ZJHM", String::new()),
        ("CF_WSH", "榕交执罚〔2024〕12号".into()),
        ("CF_WFXW", "超限运输".into()),
        ("CF_SY", "车辆超限运输，含“[括号]”与{花括号}".into()),
        ("CF_YJ", "《公路法》第七十六条".into()),
        ("CF_CFLB", "警告；罚款".into()),
        ("CF_NR", "警告并罚款贰仟元".into()),
        ("CF_NR_FK", "0.2".into()),
        ("CF_NR_WFFF", String::new()),
        ("CF_NR_ZKDX", String::new()),
        ("CF_JDRQ", "2024-01-05".into()),
        ("CF_YXQ", "2025/1/5".into()),
        ("CF_GSJZQ", "2024年7月5日".into()),
        ("CF_CFJG", "福州市交通运输局".into()),
        ("CF_CFJGDM", authority_uscc()),
        ("CF_SJLY", "福州市交通运输局".into()),
        ("CF_SJLYDM", source_uscc()),
        ("BZ", String::new()),
    ]
}

pub fn expected_penalty() -> RecordBody {
    RecordBody::Penalty(PenaltyRecord {
        party: Party {
            name: "福州顺达运输有限公司".into(),
            category: PartyCategory::LegalPerson,
            uscc: Some(Uscc::parse(PARTY_USCC).unwrap()),
            reg_no: None,
            org_code: None,
            tax_reg_no: None,
            institution_cert_no: None,
            social_org_cert_no: None,
            legal_rep: Some("王五".into()),
            legal_rep_id_type: Some("身份证".into()),
            legal_rep_id_no: Some(citizen_id("35010219800101123")),
            id_type: None,
            id_no: None,
        },
        doc_no: "榕交执罚〔2024〕12号".into(),
        violation_type: "超限运输".into(),
        facts: "车辆超限运输，含“[括号]”与{花括号}".into(),
        basis: "《公路法》第七十六条".into(),
        kinds: vec![PenaltyKind::Warning, PenaltyKind::Fine],
        content: "警告并罚款贰仟元".into(),
        fine: Some(WanYuan::from_yuan(2000)),
        confiscated: None,
        licence_affected: None,
        decision_date: date(2024, 1, 5),
        valid_until: date(2025, 1, 5),
        publicity_until: Some(date(2024, 7, 5)),
        authority: "福州市交通运输局".into(),
        authority_code: Uscc::parse(&authority_uscc()).unwrap(),
        source_unit: "福州市交通运输局".into(),
        source_unit_code: Uscc::parse(&source_uscc()).unwrap(),
        remark: None,
    })
}

/// A complete, valid licence row (a natural person) as (code, value), in national order.
pub fn license_pairs() -> Vec<(&'static str, String)> {
    vec![
        ("XK_XDR_MC", "李四".into()),
        ("XK_XDR_LB", "自然人".into()),
        ("XK_XDR_SHXYM", String::new()),
        ("XK_XDR_GSZC", String::new()),
        ("XK_XDR_ZZJG", String::new()),
        ("XK_XDR_SWDJ", String::new()),
        ("XK_XDR_SYDW", String::new()),
        ("XK_XDR_SHZZ", String::new()),
        ("XK_FRDB", String::new()),
        ("XK_FR_ZJLX", String::new()),
        ("XK_FR_ZJHM", String::new()),
        ("XK_XDR_ZJLX", "居民身份证".into()),
        // Lower-case x and a space: normalised on import.
        (
            "XK_XDR_ZJHM",
            format!("{} ", citizen_id("11010519491231002").to_lowercase()),
        ),
        ("XK_XKWS", "道路运输从业人员从业资格证核发决定书".into()),
        ("XK_WSH", "闽交许〔2024〕88号".into()),
        ("XK_XKLB", "普通".into()),
        ("XK_XKZS", "道路运输从业资格证".into()),
        ("XK_XKBH", "350100202400088".into()),
        ("XK_NR", "道路货物运输驾驶员".into()),
        ("XK_JDRQ", "2024-03-01".into()),
        ("XK_YXQZ", "2024-03-01".into()),
        ("XK_YXQZI", "2099-12-31".into()),
        ("XK_XKJG", "福建省交通运输厅".into()),
        ("XK_XKJGDM", authority_uscc()),
        ("XK_ZT", "有效".into()),
        ("XK_LYDW", "福建省交通运输厅".into()),
        ("XK_LYDWDM", source_uscc()),
        ("BZ", "首次申领".into()),
    ]
}

pub fn expected_license() -> RecordBody {
    RecordBody::License(LicenseRecord {
        party: Party {
            name: "李四".into(),
            category: PartyCategory::NaturalPerson,
            uscc: None,
            reg_no: None,
            org_code: None,
            tax_reg_no: None,
            institution_cert_no: None,
            social_org_cert_no: None,
            legal_rep: None,
            legal_rep_id_type: None,
            legal_rep_id_no: None,
            id_type: Some("居民身份证".into()),
            id_no: Some(
                CitizenId::parse(&citizen_id("11010519491231002"))
                    .unwrap()
                    .as_str()
                    .into(),
            ),
        },
        doc_name: "道路运输从业人员从业资格证核发决定书".into(),
        doc_no: "闽交许〔2024〕88号".into(),
        kind: LicenseKind::General,
        cert_name: Some("道路运输从业资格证".into()),
        licence_no: Some("350100202400088".into()),
        content: Some("道路货物运输驾驶员".into()),
        decision_date: date(2024, 3, 1),
        valid_from: date(2024, 3, 1),
        valid_to: date(2099, 12, 31),
        authority: "福建省交通运输厅".into(),
        authority_code: Uscc::parse(&authority_uscc()).unwrap(),
        status: Some("有效".into()),
        source_unit: "福建省交通运输厅".into(),
        source_unit_code: Uscc::parse(&source_uscc()).unwrap(),
        remark: Some("首次申领".into()),
    })
}

pub fn org_code(body8: &str) -> OrgCode {
    let check = xyjt_core::ident::org_code_check_char(body8).unwrap();
    OrgCode::parse(&format!("{body8}{check}")).unwrap()
}

pub fn reg_no_value() -> RegNo {
    RegNo::parse(&reg_no()).unwrap()
}

/// A header of codes and a row of values, for validation tests.
pub fn header_and_row(category: RecordCategory, pairs: &[(&str, String)]) -> (Header, RawRow) {
    let header = Header::new(category, pairs.iter().map(|(k, _)| *k));
    let row = RawRow {
        row: 1,
        cells: pairs.iter().map(|(_, v)| v.clone()).collect(),
    };
    (header, row)
}

/// Sets `code`'s value in `pairs`.
pub fn set(pairs: &mut [(&'static str, String)], code: &str, value: impl Into<String>) {
    let slot = pairs
        .iter_mut()
        .find(|(k, _)| *k == code)
        .unwrap_or_else(|| panic!("no {code}"));
    slot.1 = value.into();
}

/// A fresh directory for one test's files.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("xyjt-import")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// CSV text (comma, CRLF, quoted when needed) of a header and rows.
pub fn csv_text(header: &[&str], rows: &[Vec<String>]) -> String {
    fn field(v: &str) -> String {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    }
    let mut out = header
        .iter()
        .map(|h| field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// One JSON object of (key, value) string pairs, in order.
pub fn json_object(pairs: &[(&str, String)]) -> String {
    let body = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}:{}",
                serde_json::to_string(k).unwrap(),
                serde_json::to_string(v).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    format!("{{{body}}}")
}
