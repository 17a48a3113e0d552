//! Reading files: header mapping, CSV encodings, XLSX cells, JSON styles, file-level errors, and
//! the rejects round trip. Fixtures are generated into CARGO_TARGET_TMPDIR.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
use xyjt_core::record::RecordCategory;
use xyjt_import::{
    ERROR_COLUMN, Field, FileError, Format, RawRow, RejectsWriter, RowReader, header_field, open,
    open_reader, validate,
};

const P: RecordCategory = RecordCategory::Penalty;
const L: RecordCategory = RecordCategory::License;

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn rows(reader: RowReader) -> Vec<RawRow> {
    reader.map(|r| r.unwrap()).collect()
}

fn values(pairs: &[(&str, String)]) -> Vec<String> {
    pairs.iter().map(|(_, v)| v.clone()).collect()
}

fn codes(pairs: &[(&'static str, String)]) -> Vec<&'static str> {
    pairs.iter().map(|(k, _)| *k).collect()
}

/// Opens `path`, validates every row, and returns the bodies (panicking on rejects).
fn import_all(path: &Path, category: RecordCategory) -> Vec<xyjt_core::record::RecordBody> {
    let reader = open(path, category).unwrap();
    let header = reader.header().clone();
    rows(reader)
        .iter()
        .map(|r| validate(category, &header, r, as_of()).unwrap_or_else(|e| panic!("{e:#?}")))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Header mapping
// ---------------------------------------------------------------------------------------------

#[test]
fn header_texts_map_to_fields() {
    let cases: &[(RecordCategory, &str, Option<Field>)] = &[
        (P, "CF_XDR_MC", Some(Field::PartyName)),
        (P, " cf_xdr_mc ", Some(Field::PartyName)),
        (P, "XDR_MC", Some(Field::PartyName)),
        (P, "ｃｆ＿ｗｓｈ", Some(Field::DocNo)),
        (P, "bz", Some(Field::Remark)),
        (P, "行政相对人名称", Some(Field::PartyName)),
        (P, "*行政相对人名称", Some(Field::PartyName)),
        (P, "行政相对人名称*", Some(Field::PartyName)),
        (P, "行政相对人名称（必填）", Some(Field::PartyName)),
        (P, "行政 相对人 名称", Some(Field::PartyName)),
        (
            P,
            "行政相对人代码_1(统一社会信用代码)",
            Some(Field::PartyUscc),
        ),
        (
            P,
            "行政相对人代码_1（统一社会信用代码）",
            Some(Field::PartyUscc),
        ),
        (P, "行政相对人代码_3", Some(Field::PartyOrgCode)),
        (P, "统一社会信用代码", Some(Field::PartyUscc)),
        (P, "罚款金额(万元)", Some(Field::Fine)),
        (P, "罚款金额【万元】", Some(Field::Fine)),
        (P, "罚款金额", Some(Field::Fine)),
        (
            P,
            "没收违法所得、没收非法财物的金额（万元）",
            Some(Field::Confiscated),
        ),
        (P, "法定代表人(负责人)", Some(Field::LegalRep)),
        (P, "证件号码（身份证）", Some(Field::PartyIdNo)),
        (P, "处罚机关统一社会信用代码", Some(Field::AuthorityCode)),
        (
            P,
            "处罚机关（统一社会信用代码）",
            Some(Field::AuthorityCode),
        ),
        (P, "数据来源单位", Some(Field::SourceUnit)),
        (P, "处罚决定日期", Some(Field::DecisionDate)),
        (P, "公示截止期", Some(Field::PublicityUntil)),
        (P, "行政处罚决定书文号", Some(Field::DocNo)),
        (P, "备注", Some(Field::Remark)),
        (P, ERROR_COLUMN, None),
        (P, "XK_XKWS", None),
        (P, "有效期至", None),
        (P, "", None),
        (L, "XK_XKWS", Some(Field::DocName)),
        (L, "xkws", Some(Field::DocName)),
        (L, "有效期至", Some(Field::ValidTo)),
        (L, "有效期自", Some(Field::ValidFrom)),
        (L, "许可机关统一社会信用代码", Some(Field::AuthorityCode)),
        (
            L,
            "数据来源单位统一社会信用代码",
            Some(Field::SourceUnitCode),
        ),
        (L, "行政许可决定文书号", Some(Field::DocNo)),
        (L, "当前状态", Some(Field::Status)),
        (L, "CF_XDR_MC", None),
        (L, "处罚机关", None),
    ];
    for (category, text, expected) in cases {
        assert_eq!(
            header_field(*category, text),
            *expected,
            "{category:?} {text:?}"
        );
    }
    // Every code and label of both layouts maps back to its field.
    for category in [P, L] {
        for spec in xyjt_import::specs(category) {
            assert_eq!(header_field(category, spec.code), Some(spec.field));
            assert_eq!(header_field(category, spec.label), Some(spec.field));
            assert_eq!(spec.field.code(category), spec.code);
            assert_eq!(spec.field.label(category), spec.label);
        }
    }
    assert_eq!(Field::Fine.max_chars(P), 32);
    assert!(!Field::Fine.applies_to(L));
    assert!(Field::ValidFrom.required(L));
    assert!(!Field::PublicityUntil.required(P));
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_with_code_headers_in_any_order() {
    let dir = temp_dir("csv_codes");
    let mut pairs = penalty_pairs();
    pairs.reverse();
    // Unprefixed and lower-case codes, and a column the layout does not know.
    let mut header: Vec<String> = codes(&pairs).iter().map(|c| c.to_lowercase()).collect();
    header[0] = "bz".into();
    header[1] = "SJLYDM".into();
    header.push("内部编号".into());
    let mut row = values(&pairs);
    row.push("X-1".into());
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    let path = write(&dir, "p.csv", csv_text(&h, &[row]));
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.format(), Format::Csv);
    assert_eq!(reader.encoding_name(), "UTF-8");
    assert_eq!(reader.header().field_at(30), None);
    assert_eq!(reader.header().missing_required(), Vec::<Field>::new());
    assert_eq!(import_all(&path, P), vec![expected_penalty()]);
}

#[test]
fn csv_with_chinese_headers_and_bom() {
    let dir = temp_dir("csv_labels");
    let pairs = penalty_pairs();
    let mut labels: Vec<String> = pairs
        .iter()
        .map(|(code, _)| header_field(P, code).unwrap().label(P).to_string())
        .collect();
    labels[0] = "*行政相对人名称".into();
    labels[2] = "行政相对人代码_1（统一社会信用代码）".into();
    labels[19] = "罚款金额(万元)".into();
    let h: Vec<&str> = labels.iter().map(String::as_str).collect();
    let text = format!("\u{FEFF}{}", csv_text(&h, &[values(&pairs)]));
    let path = write(&dir, "p.csv", text);
    assert_eq!(import_all(&path, P), vec![expected_penalty()]);
}

#[test]
fn gbk_csv_is_read_correctly() {
    let dir = temp_dir("csv_gbk");
    let pairs = penalty_pairs();
    let labels: Vec<&str> = pairs
        .iter()
        .map(|(c, _)| header_field(P, c).unwrap().label(P))
        .collect();
    let text = csv_text(&labels, &[values(&pairs)]);
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let path = write(&dir, "p.csv", &bytes);
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.encoding_name(), "GB18030");
    assert_eq!(import_all(&path, P), vec![expected_penalty()]);
}

#[test]
fn utf16_csv_with_bom_and_tab_separated_txt() {
    let dir = temp_dir("csv_utf16");
    let pairs = license_pairs();
    let text = csv_text(&codes(&pairs), &[values(&pairs)]);
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let path = write(&dir, "l.csv", &bytes);
    assert_eq!(open(&path, L).unwrap().encoding_name(), "UTF-16LE");
    assert_eq!(import_all(&path, L), vec![expected_license()]);

    let tsv = format!(
        "{}\n{}\n",
        codes(&pairs).join("\t"),
        values(&pairs).join("\t")
    );
    let path = write(&dir, "l.txt", tsv);
    assert_eq!(import_all(&path, L), vec![expected_license()]);
}

#[test]
fn shift_jis_and_binary_csv_fail_with_encoding_error() {
    // Shift-JIS half-width katakana (single bytes 0xA1..=0xDF) followed by a comma or line
    // break are invalid GB18030 (a lead byte needs a trail byte 0x30..=0xFE), and the bytes are
    // not UTF-8, so the sniffer rejects the file before any row is read: Encoding error.
    // (Shift-JIS made only of double-byte characters can be valid GB18030 byte-wise and is
    // then read as GB18030 mojibake; its Chinese/Japanese headers no longer match, so such a
    // file fails with MissingHeaders instead.)
    let dir = temp_dir("csv_bad_encoding");
    let pairs = penalty_pairs();
    let text = csv_text(&codes(&pairs), &[values(&pairs)]).replace("超限运输", "ｶﾞｿﾘﾝ");
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let path = write(&dir, "sjis.csv", &sjis);
    match open(&path, P) {
        Err(FileError::Encoding { detail }) => assert!(detail.contains("UTF-8"), "{detail}"),
        other => panic!("expected Encoding error, got {other:?}"),
    }

    // Random binary (with 0xFF, never valid in UTF-8 or GB18030).
    let mut state = 0x2545_F491_u32;
    let binary: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .chain([0xFF, 0xFF])
        .collect();
    let path = write(&dir, "binary.csv", &binary);
    let err = open(&path, P).unwrap_err();
    assert!(matches!(err, FileError::Encoding { .. }), "{err:?}");
    assert!(err.to_string().starts_with("文件编码无法识别"));
}

#[test]
fn bad_bytes_after_the_sniffed_prefix_reject_the_row() {
    // The first 64 KiB are valid UTF-8, so the file is read as UTF-8; a GBK row later decodes
    // with U+FFFD and that row (only) is rejected with bad_encoding.
    let dir = temp_dir("csv_late_bad_bytes");
    let pairs = penalty_pairs();
    let good = values(&pairs);
    let filler: Vec<Vec<String>> = (0..200).map(|_| good.clone()).collect();
    let mut bytes = csv_text(&codes(&pairs), &filler).into_bytes();
    assert!(bytes.len() > 64 * 1024);
    let mut bad = good.clone();
    bad[14] = "\u{1}".into(); // placeholder for the GBK bytes
    let bad_line = csv_text(&[], &[bad]);
    let (gbk, _, _) = encoding_rs::GB18030.encode("超限");
    for b in bad_line[2..].bytes() {
        if b == 1 {
            bytes.extend_from_slice(&gbk);
        } else {
            bytes.push(b);
        }
    }
    let path = write(&dir, "late.csv", &bytes);
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.encoding_name(), "UTF-8");
    let header = reader.header().clone();
    let all = rows(reader);
    assert_eq!(all.len(), 201);
    assert!(validate(P, &header, &all[199], as_of()).is_ok());
    let errs = validate(P, &header, &all[200], as_of()).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].row, errs[0].field.as_str(), errs[0].code.as_str()),
        (201, "CF_WFXW", "bad_encoding")
    );
}

#[test]
fn empty_and_header_only_files() {
    let dir = temp_dir("csv_empty");
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("bom.csv", b"\xEF\xBB\xBF"),
        ("blank.csv", b"\r\n\r\n  \n"),
        ("commas.csv", b",,,\n,,\n"),
        ("empty.json", b"  \n"),
        ("empty_array.json", b"[ ]"),
    ] {
        let path = write(&dir, name, bytes);
        let err = open(&path, P).unwrap_err();
        assert!(matches!(err, FileError::Empty), "{name}: {err:?}");
        assert_eq!(err.to_string(), "文件为空：没有表头");
    }
    let path = write(&dir, "header.csv", csv_text(&codes(&penalty_pairs()), &[]));
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.header().len(), 30);
    assert_eq!(rows(reader), vec![]);
}

#[test]
fn missing_and_duplicate_headers() {
    let dir = temp_dir("csv_headers");
    let pairs: Vec<_> = penalty_pairs()
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "CF_WSH" | "CF_CFJGDM" | "CF_GSJZQ"))
        .collect();
    let path = write(
        &dir,
        "missing.csv",
        csv_text(&codes(&pairs), &[values(&pairs)]),
    );
    match open(&path, P) {
        Err(FileError::MissingHeaders { fields }) => {
            assert_eq!(fields, vec!["CF_WSH", "CF_CFJGDM"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        open(&path, P).unwrap_err().to_string(),
        "表头缺少必填列：CF_WSH、CF_CFJGDM"
    );
    // A licence file gets XK_ codes; a penalty file read as licence misses all of them.
    let p = penalty_pairs();
    let path = write(
        &dir,
        "wrong_category.csv",
        csv_text(&codes(&p), &[values(&p)]),
    );
    let Err(FileError::MissingHeaders { fields }) = open(&path, L) else {
        panic!()
    };
    assert!(fields.contains(&"XK_XDR_MC".to_string()) && fields.contains(&"XK_YXQZI".to_string()));

    let mut h = codes(&p);
    h[1] = "行政相对人名称";
    h[0] = "CF_XDR_MC";
    let path = write(&dir, "dup.csv", csv_text(&h, &[values(&p)]));
    let Err(FileError::DuplicateHeaders { fields }) = open(&path, P) else {
        panic!()
    };
    assert_eq!(fields, vec!["CF_XDR_MC"]);

    // A licence file without XK_WSH but with XK_XKBH is accepted.
    let l: Vec<_> = license_pairs()
        .into_iter()
        .filter(|(k, _)| *k != "XK_WSH")
        .collect();
    let path = write(&dir, "no_wsh.csv", csv_text(&codes(&l), &[values(&l)]));
    let Ok(xyjt_core::record::RecordBody::License(rec)) = ({
        let r = open(&path, L).unwrap();
        let h = r.header().clone();
        let row = rows(r).remove(0);
        validate(L, &h, &row, as_of())
    }) else {
        panic!()
    };
    assert_eq!(rec.doc_no, "350100202400088");
}

#[test]
fn unknown_extension_and_missing_file() {
    let dir = temp_dir("unknown");
    let path = write(&dir, "p.xls", b"whatever");
    let err = open(&path, P).unwrap_err();
    assert!(matches!(&err, FileError::UnknownFormat { extension } if extension == "xls"));
    assert!(err.to_string().contains(".xlsx"));
    assert!(matches!(
        open(&dir.join("nope.csv"), P),
        Err(FileError::Io(_))
    ));
    assert!(matches!(
        open(&dir.join("nope.xlsx"), P),
        Err(FileError::Io(_))
    ));
}

#[test]
fn csv_quoting_blank_lines_and_column_counts() {
    let dir = temp_dir("csv_shape");
    let pairs = penalty_pairs();
    let mut multi = values(&pairs);
    multi[15] = "第一行\n第二行，含逗号,和\"引号\"".into();
    let line = |cells: &[String]| csv_text(&[], &[cells.to_vec()])[2..].to_string();
    // A blank line and a row of empty cells between the rows, and a short row at the end.
    let text = format!(
        "{}{}\r\n,,,\r\n{}a,b,c\r\n",
        csv_text(&codes(&pairs), &[]),
        line(&values(&pairs)),
        line(&multi)
    );
    let path = write(&dir, "shape.csv", text);
    let reader = open(&path, P).unwrap();
    let header = reader.header().clone();
    let all = rows(reader);
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].get(&header, Field::Facts), Some(multi[15].as_str()));
    // Rows are numbered after the header; the row of empty cells counts, the blank line not.
    assert_eq!(all.iter().map(|r| r.row).collect::<Vec<_>>(), vec![1, 3, 4]);
    assert!(validate(P, &header, &all[1], as_of()).is_ok());
    let errs = validate(P, &header, &all[2], as_of()).unwrap_err();
    assert_eq!(
        (errs[0].field.as_str(), errs[0].code.as_str()),
        ("", "column_count")
    );
    assert!(
        errs[0].message.contains("表头 30 列，本行 3 列"),
        "{}",
        errs[0].message
    );
}

#[test]
fn csv_huge_cell_is_read_and_rejected_as_too_long() {
    let dir = temp_dir("csv_huge");
    let pairs = penalty_pairs();
    let mut row = values(&pairs);
    row[15] = "事".repeat(100_000);
    let path = write(&dir, "huge.csv", csv_text(&codes(&pairs), &[row]));
    let reader = open(&path, P).unwrap();
    let header = reader.header().clone();
    let all = rows(reader);
    let errs = validate(P, &header, &all[0], as_of()).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].field.as_str(), errs[0].code.as_str()),
        ("CF_SY", "too_long")
    );
    assert_eq!(
        errs[0].message,
        "违法事实过长：最多 4000 个字符，实为 100000 个字符"
    );
}

// ---------------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------------

/// Writes the penalty fixture: a blank first row, the header in row 2 starting at column B,
/// CF_JDRQ as a real date cell, CF_YXQ as a bare serial number, CF_NR_FK as a number, a blank
/// row between data rows, and a stray cell right of the header.
fn penalty_xlsx(path: &Path, extra_rows: usize) {
    let pairs = penalty_pairs();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = XFormat::new().set_num_format("yyyy-mm-dd");
    for (c, (code, _)) in pairs.iter().enumerate() {
        sheet.write_string(1, c as u16 + 1, *code).unwrap();
    }
    let yxq_serial = (date(2025, 1, 5) - date(1899, 12, 30)).num_days() as f64;
    for i in 0..=extra_rows {
        let r = 2 + 2 * i as u32;
        for (c, (code, value)) in pairs.iter().enumerate() {
            let c = c as u16 + 1;
            match *code {
                "CF_JDRQ" => {
                    let d = ExcelDateTime::from_ymd(2024, 1, 5).unwrap();
                    sheet
                        .write_datetime_with_format(r, c, &d, &date_format)
                        .unwrap();
                }
                "CF_YXQ" => {
                    sheet.write_number(r, c, yxq_serial).unwrap();
                }
                "CF_NR_FK" => {
                    sheet.write_number(r, c, 0.2).unwrap();
                }
                _ if value.is_empty() => {}
                _ => {
                    sheet.write_string(r, c, value.as_str()).unwrap();
                }
            }
        }
        sheet.write_string(r, 40, "表外备注").unwrap();
    }
    workbook.save(path).unwrap();
}

#[test]
fn xlsx_dates_numbers_and_layout() {
    let dir = temp_dir("xlsx");
    let path = dir.join("p.xlsx");
    penalty_xlsx(&path, 1);
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.format(), Format::Xlsx);
    assert_eq!(reader.header().len(), 30);
    let header = reader.header().clone();
    let all = rows(reader);
    assert_eq!(all.iter().map(|r| r.row).collect::<Vec<_>>(), vec![1, 3]);
    let row = &all[0];
    assert_eq!(row.cells.len(), 30);
    assert_eq!(row.get(&header, Field::DecisionDate), Some("2024-01-05"));
    assert_eq!(row.get(&header, Field::ValidUntil), Some("45662"));
    assert_eq!(row.get(&header, Field::Fine), Some("0.2"));
    assert_eq!(row.get(&header, Field::PartyIdNo), None);
    assert_eq!(
        import_all(&path, P),
        vec![expected_penalty(), expected_penalty()]
    );
}

#[test]
fn xlsx_many_rows_stream_and_early_drop() {
    let dir = temp_dir("xlsx_many");
    let path = dir.join("many.xlsx");
    penalty_xlsx(&path, 300);
    assert_eq!(open(&path, P).unwrap().count(), 301);
    // Dropping the reader mid-way stops the helper thread without hanging.
    let mut reader = open(&path, P).unwrap();
    assert!(reader.next().unwrap().is_ok());
    drop(reader);
}

#[test]
fn truncated_and_fake_xlsx_fail_with_xlsx_error() {
    let dir = temp_dir("xlsx_bad");
    let good = dir.join("good.xlsx");
    penalty_xlsx(&good, 0);
    let bytes = std::fs::read(&good).unwrap();
    let cut = write(&dir, "cut.xlsx", &bytes[..bytes.len() / 2]);
    let err = open(&cut, P).unwrap_err();
    assert!(matches!(err, FileError::Xlsx { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("Excel 文件损坏或无法读取"),
        "{err}"
    );
    let fake = write(&dir, "fake.xlsx", "CF_XDR_MC,CF_XDR_LB\n");
    assert!(matches!(open(&fake, P), Err(FileError::Xlsx { .. })));
}

#[test]
fn xlsx_empty_sheet_and_missing_headers() {
    let dir = temp_dir("xlsx_empty");
    let path = dir.join("empty.xlsx");
    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    workbook.save(&path).unwrap();
    assert!(matches!(open(&path, P), Err(FileError::Empty)));

    let path = dir.join("title.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "行政处罚信息表").unwrap();
    workbook.save(&path).unwrap();
    let Err(FileError::MissingHeaders { fields }) = open(&path, P) else {
        panic!()
    };
    assert_eq!(fields.len(), 14);
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

#[test]
fn json_array_and_ndjson() {
    let dir = temp_dir("json");
    let pairs = penalty_pairs();
    let object = json_object(&pairs);
    // Numbers become their text; nested whitespace and brackets inside strings are fine.
    let numeric = object.replace("\"CF_NR_FK\":\"0.2\"", "\"CF_NR_FK\":0.2");
    assert_ne!(numeric, object);
    let array = format!("\u{FEFF}[\n  {object},\n  {numeric}\n]\n");
    let path = write(&dir, "p.json", array);
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.format(), Format::JsonArray);
    assert_eq!(
        import_all(&path, P),
        vec![expected_penalty(), expected_penalty()]
    );

    let lines = format!("{object}\n\n{numeric}\n");
    let path = write(&dir, "p.ndjson", lines);
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.format(), Format::JsonLines);
    assert_eq!(
        rows(reader).iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(
        import_all(&path, P),
        vec![expected_penalty(), expected_penalty()]
    );
}

#[test]
fn json_keys_are_mapped_per_object() {
    let dir = temp_dir("json_keys");
    let pairs = penalty_pairs();
    // First object: codes, without the optional BZ and CF_GSJZQ keys; second object: Chinese
    // labels in another order, with BZ; keys missing from an object are empty cells.
    let first: Vec<_> = pairs
        .iter()
        .filter(|(k, _)| !matches!(*k, "BZ" | "CF_GSJZQ"))
        .cloned()
        .collect();
    let mut second: Vec<(&str, String)> = pairs
        .iter()
        .map(|(k, v)| (header_field(P, k).unwrap().label(P), v.clone()))
        .collect();
    second.reverse();
    second.iter_mut().find(|(k, _)| *k == "备注").unwrap().1 = "补录".into();
    let text = format!("[{},{}]", json_object(&first), json_object(&second));
    let path = write(&dir, "keys.json", text);
    let reader = open(&path, P).unwrap();
    // The first object's 28 keys, then the two missing fields by code.
    let texts: Vec<&str> = reader.header().texts().collect();
    assert_eq!(texts.len(), 30);
    assert_eq!(&texts[28..], &["CF_GSJZQ", "BZ"]);
    let bodies = import_all(&path, P);
    let xyjt_core::record::RecordBody::Penalty(a) = &bodies[0] else {
        panic!()
    };
    let xyjt_core::record::RecordBody::Penalty(b) = &bodies[1] else {
        panic!()
    };
    assert_eq!(a.publicity_until, None);
    assert_eq!(a.remark, None);
    assert_eq!(b.remark.as_deref(), Some("补录"));
    assert_eq!(bodies[1], {
        let mut e = expected_penalty();
        if let xyjt_core::record::RecordBody::Penalty(p) = &mut e {
            p.remark = Some("补录".into());
        }
        e
    });
}

#[test]
fn malformed_json_errors() {
    let dir = temp_dir("json_bad");
    let object = json_object(&penalty_pairs());
    let cases = [
        ("garbage.json", "hello".to_string(), 1),
        (
            "first_broken.json",
            format!("[{{\"CF_XDR_MC\": }}, {object}]"),
            1,
        ),
        ("not_object.json", format!("[1, {object}]"), 1),
    ];
    for (name, text, row) in cases {
        let path = write(&dir, name, text);
        match open(&path, P) {
            Err(FileError::Json { row: r, detail }) => assert_eq!(r, row, "{name}: {detail}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    // Errors after the first object come from the iterator. An array cannot be resumed.
    let path = write(
        &dir,
        "truncated.json",
        format!("[{object},\n{object},\n{{\"CF_XDR_MC\":\"x"),
    );
    let items: Vec<_> = open(&path, P).unwrap().collect();
    assert_eq!(items.len(), 3);
    assert!(items[1].is_ok());
    match &items[2] {
        Err(e @ FileError::Json { row: 3, .. }) => {
            assert!(e.to_string().contains("第 3 条记录"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let path = write(&dir, "trailing.json", format!("[{object}] x"));
    let items: Vec<_> = open(&path, P).unwrap().collect();
    assert!(matches!(items.last(), Some(Err(FileError::Json { .. }))));
    // NDJSON: a broken line is reported and the next lines still read.
    let path = write(
        &dir,
        "lines.jsonl",
        format!("{object}\n{{broken\n{object}\n"),
    );
    let items: Vec<_> = open(&path, P).unwrap().collect();
    assert_eq!(items.len(), 3);
    assert!(matches!(&items[1], Err(FileError::Json { row: 2, .. })));
    assert_eq!(items[2].as_ref().unwrap().row, 3);
}

// ---------------------------------------------------------------------------------------------
// Rejects round trip
// ---------------------------------------------------------------------------------------------

/// Imports `input`, writes rejects next to it, checks them, corrects them with `fix`, and
/// imports the corrected rejects: every row must then be valid.
fn round_trip(
    input: &Path,
    rejects_name: &str,
    category: RecordCategory,
    fix: impl Fn(&mut Vec<String>, &xyjt_import::Header),
) {
    let reader = open(input, category).unwrap();
    let header = reader.header().clone();
    let format = reader.format();
    let encoding = reader.encoding_name();
    let rejects_path = input.with_file_name(rejects_name);
    let mut writer = RejectsWriter::create(&rejects_path, &reader).unwrap();
    let mut rejected = Vec::new();
    let mut accepted = 0;
    for row in reader {
        let row = row.unwrap();
        match validate(category, &header, &row, as_of()) {
            Ok(_) => accepted += 1,
            Err(errors) => {
                writer.write(&row, &errors).unwrap();
                rejected.push((row, errors));
            }
        }
    }
    assert_eq!(writer.rows(), rejected.len());
    writer.finish().unwrap();
    assert_eq!((accepted, rejected.len()), (1, 2));

    // Same format, same encoding, original header plus 错误原因 (which maps to no field).
    let again = open(&rejects_path, category).unwrap();
    assert_eq!(again.format(), format);
    assert_eq!(again.encoding_name(), encoding);
    let mut expected_texts: Vec<String> = header.texts().map(str::to_string).collect();
    expected_texts.push(ERROR_COLUMN.into());
    assert_eq!(again.header().texts().collect::<Vec<_>>(), expected_texts);
    assert_eq!(again.header().field_at(header.len()), None);
    let again_header = again.header().clone();
    let again_rows = rows(again);
    assert_eq!(again_rows.len(), 2);
    for ((original, errors), read) in rejected.iter().zip(&again_rows) {
        assert_eq!(&read.cells[..header.len()], &original.cells[..]);
        let reason = &read.cells[header.len()];
        assert_eq!(reason, &xyjt_import::error_text(errors));
        assert!(
            reason.starts_with(&format!("{}: ", errors[0].field)),
            "{reason}"
        );
        // The same errors again (the extra column is ignored).
        let again_errors = validate(category, &again_header, read, as_of()).unwrap_err();
        assert_eq!(
            again_errors
                .iter()
                .map(|e| (&e.field, &e.code))
                .collect::<Vec<_>>(),
            errors
                .iter()
                .map(|e| (&e.field, &e.code))
                .collect::<Vec<_>>()
        );
    }

    // Correct the rejects (as a user would, in a file of the same format) and import again.
    let corrected_rows: Vec<RawRow> = again_rows
        .into_iter()
        .map(|mut r| {
            fix(&mut r.cells, &again_header);
            r
        })
        .collect();
    let corrected = rejects_path.with_file_name(format!("fixed-{rejects_name}"));
    let like = open(&rejects_path, category).unwrap();
    let mut w = RejectsWriter::create(&corrected, &like).unwrap();
    for r in &corrected_rows {
        // The 错误原因 column is reused, not duplicated; empty errors leave it empty.
        w.write(r, &[]).unwrap();
    }
    w.finish().unwrap();
    let fixed = open(&corrected, category).unwrap();
    assert_eq!(fixed.header().len(), header.len() + 1);
    let fixed_header = fixed.header().clone();
    for row in rows(fixed) {
        validate(category, &fixed_header, &row, as_of()).unwrap_or_else(|e| panic!("{e:#?}"));
    }
}

/// One valid penalty row and two invalid ones (bad citizen ID of the legal rep; bad date and
/// unknown penalty kind).
fn penalty_rows() -> Vec<Vec<String>> {
    let pairs = penalty_pairs();
    let good = values(&pairs);
    let mut bad_id = good.clone();
    bad_id[10] = bad_citizen_id("35010219800101123");
    let mut bad_two = good.clone();
    bad_two[22] = "2023-02-29".into();
    bad_two[17] = "罚金".into();
    vec![good, bad_id, bad_two]
}

fn fix_penalty(cells: &mut Vec<String>, header: &xyjt_import::Header) {
    let set = |cells: &mut Vec<String>, f: Field, v: String| {
        cells[header.column_of(f).unwrap()] = v;
    };
    set(cells, Field::LegalRepIdNo, citizen_id("35010219800101123"));
    set(cells, Field::DecisionDate, "2024-01-05".into());
    set(cells, Field::PenaltyKinds, "罚款".into());
}

#[test]
fn rejects_round_trip_csv_utf8() {
    let dir = temp_dir("rejects_csv_utf8");
    let path = write(
        &dir,
        "in.csv",
        csv_text(&codes(&penalty_pairs()), &penalty_rows()),
    );
    round_trip(&path, "rejects.csv", P, fix_penalty);
    let bytes = std::fs::read(dir.join("rejects.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    // The ID number in the 错误原因 text is masked.
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("CF_FR_ZJHM: 法定代表人证件号码“350102********"),
        "{text}"
    );
}

#[test]
fn rejects_round_trip_csv_gb18030() {
    let dir = temp_dir("rejects_csv_gbk");
    let pairs = penalty_pairs();
    let labels: Vec<&str> = pairs
        .iter()
        .map(|(c, _)| header_field(P, c).unwrap().label(P))
        .collect();
    let text = csv_text(&labels, &penalty_rows());
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let path = write(&dir, "in.csv", &bytes);
    round_trip(&path, "rejects.csv", P, fix_penalty);
    let out = std::fs::read(dir.join("rejects.csv")).unwrap();
    assert!(
        std::str::from_utf8(&out).is_err(),
        "written in GB18030, not UTF-8"
    );
    let (text, _, had_errors) = encoding_rs::GB18030.decode(&out);
    assert!(!had_errors);
    assert!(text.starts_with("行政相对人名称,"));
    assert!(text.lines().next().unwrap().ends_with(",错误原因"));
}

#[test]
fn rejects_round_trip_xlsx() {
    let dir = temp_dir("rejects_xlsx");
    let path = dir.join("in.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, code) in codes(&penalty_pairs()).iter().enumerate() {
        sheet.write_string(0, c as u16, *code).unwrap();
    }
    for (r, row) in penalty_rows().iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet
                .write_string(r as u32 + 1, c as u16, value.as_str())
                .unwrap();
        }
    }
    workbook.save(&path).unwrap();
    round_trip(&path, "rejects.xlsx", P, fix_penalty);
}

#[test]
fn rejects_round_trip_json() {
    let dir = temp_dir("rejects_json");
    let pairs = penalty_pairs();
    let objects: Vec<String> = penalty_rows()
        .iter()
        .map(|row| {
            let p: Vec<(&str, String)> = pairs
                .iter()
                .map(|(k, _)| *k)
                .zip(row.iter().cloned())
                .collect();
            json_object(&p)
        })
        .collect();
    let path = write(&dir, "in.json", format!("[{}]", objects.join(",\n")));
    round_trip(&path, "rejects.json", P, fix_penalty);
    let text = std::fs::read_to_string(dir.join("rejects.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 2);
    assert!(
        value[0]["错误原因"]
            .as_str()
            .unwrap()
            .starts_with("CF_FR_ZJHM: ")
    );

    let path = write(&dir, "in.ndjson", objects.join("\n"));
    round_trip(&path, "rejects.jsonl", P, fix_penalty);
    let text = std::fs::read_to_string(dir.join("rejects.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 2);
    for line in text.lines() {
        let _: serde_json::Value = serde_json::from_str(line).unwrap();
    }
}

#[test]
fn rejects_keep_extra_csv_cells_after_the_error_column() {
    let dir = temp_dir("rejects_extra");
    let pairs = penalty_pairs();
    let mut long = values(&pairs);
    long.push("多出的一列".into());
    let path = write(&dir, "in.csv", csv_text(&codes(&pairs), &[long.clone()]));
    let reader = open(&path, P).unwrap();
    let header = reader.header().clone();
    let out = dir.join("rejects.csv");
    let mut w = RejectsWriter::create(&out, &reader).unwrap();
    for row in reader {
        let row = row.unwrap();
        let errors = validate(P, &header, &row, as_of()).unwrap_err();
        w.write(&row, &errors).unwrap();
    }
    w.finish().unwrap();
    let again = open(&out, P).unwrap();
    let all = rows(again);
    assert_eq!(all[0].cells.len(), 32);
    assert_eq!(all[0].cells[30], "列数与表头不符：表头 30 列，本行 31 列");
    assert_eq!(all[0].cells[31], "多出的一列");
}

// ---------------------------------------------------------------------------------------------
// Streams: the same bytes read from a path and through `open_reader`
// ---------------------------------------------------------------------------------------------

/// A byte source that hands out at most `chunk` bytes per read (an upload arriving in pieces).
struct Trickle {
    bytes: std::io::Cursor<Vec<u8>>,
    chunk: usize,
}

impl std::io::Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.chunk);
        self.bytes.read(&mut buf[..n])
    }
}

/// What a reader gives: its format, encoding, header and every item (errors as their text).
type Reading = (
    Format,
    &'static str,
    Vec<String>,
    Vec<Result<RawRow, String>>,
);

fn reading(opened: Result<RowReader, FileError>) -> Result<Reading, String> {
    let reader = opened.map_err(|e| e.to_string())?;
    let format = reader.format();
    let encoding = reader.encoding_name();
    let header = reader.header().texts().map(str::to_string).collect();
    let items = reader.map(|r| r.map_err(|e| e.to_string())).collect();
    Ok((format, encoding, header, items))
}

/// Reads `path` with `open` and its bytes with `open_reader` (format declared by the file
/// name, `chunk` bytes per read), asserts both readings are equal, and returns it.
fn same_from_path_and_stream(
    path: &Path,
    category: RecordCategory,
    chunk: usize,
) -> Result<Reading, String> {
    let from_path = reading(open(path, category));
    let format = Format::from_file_name(path.file_name().unwrap().to_str().unwrap()).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let from_stream = reading(open_reader(
        Trickle {
            bytes: std::io::Cursor::new(bytes),
            chunk,
        },
        format,
        category,
    ));
    assert_eq!(from_path, from_stream, "{}", path.display());
    from_path
}

#[test]
fn formats_are_declared_by_file_name() {
    for (name, format) in [
        ("a.csv", Format::Csv),
        ("十一月.TXT", Format::Csv),
        ("b.xlsx", Format::Xlsx),
        ("c.json", Format::JsonArray),
        ("c.jsonl", Format::JsonLines),
        ("c.NDJSON", Format::JsonLines),
    ] {
        assert_eq!(Format::from_file_name(name).unwrap(), format, "{name}");
    }
    for (name, extension) in [("a.xls", "xls"), ("noext", ""), ("a.csv.zip", "zip")] {
        assert!(
            matches!(Format::from_file_name(name), Err(FileError::UnknownFormat { extension: e }) if e == extension),
            "{name}"
        );
    }
}

#[test]
fn streams_read_the_same_rows_as_files() {
    let dir = temp_dir("streams");
    let pairs = penalty_pairs();
    let good = values(&pairs);

    // CSV, UTF-8 with a BOM, and GBK with Chinese headers.
    let text = csv_text(&codes(&pairs), &penalty_rows());
    let utf8 = write(&dir, "utf8.csv", format!("\u{FEFF}{text}"));
    let labels: Vec<&str> = pairs
        .iter()
        .map(|(c, _)| header_field(P, c).unwrap().label(P))
        .collect();
    let gbk_bytes = encoding_rs::GB18030
        .encode(&csv_text(&labels, &penalty_rows()))
        .0
        .into_owned();
    let gbk = write(&dir, "gbk.csv", &gbk_bytes);
    // GBK beyond the 64 KiB sample: the stream must carry on after the sniffed bytes.
    let many: Vec<Vec<String>> = (0..400).map(|_| good.clone()).collect();
    let big_bytes = encoding_rs::GB18030
        .encode(&csv_text(&labels, &many))
        .0
        .into_owned();
    assert!(big_bytes.len() > 64 * 1024);
    let big = write(&dir, "big-gbk.csv", &big_bytes);
    // UTF-16 with a BOM, tab-separated.
    let tsv = format!("{}\n{}\n", codes(&pairs).join("\t"), good.join("\t"));
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    let utf16 = write(&dir, "utf16.txt", &utf16);
    for (path, encoding, count) in [
        (&utf8, "UTF-8", 3),
        (&gbk, "GB18030", 3),
        (&big, "GB18030", 400),
        (&utf16, "UTF-16LE", 1),
    ] {
        for chunk in [1, 7, 8192] {
            if chunk == 1 && count > 3 {
                continue;
            }
            let (format, enc, _, items) = same_from_path_and_stream(path, P, chunk).unwrap();
            assert_eq!((format, enc, items.len()), (Format::Csv, encoding, count));
        }
    }

    // XLSX: dates, numbers, a header off A1, blank rows; many rows through the channel.
    let xlsx = dir.join("p.xlsx");
    penalty_xlsx(&xlsx, 150);
    let (format, _, header, items) = same_from_path_and_stream(&xlsx, P, 4096).unwrap();
    assert_eq!((format, header.len(), items.len()), (Format::Xlsx, 30, 151));

    // JSON: an array, NDJSON with a malformed line, and NDJSON in a `.json` file.
    let object = json_object(&pairs);
    let array = write(&dir, "a.json", format!("[\n{object},\n{object}\n]\n"));
    let (format, _, _, items) = same_from_path_and_stream(&array, P, 5).unwrap();
    assert_eq!((format, items.len()), (Format::JsonArray, 2));
    let lines = write(&dir, "l.ndjson", format!("{object}\n{{oops\n\n{object}\n"));
    let (format, _, _, items) = same_from_path_and_stream(&lines, P, 3).unwrap();
    assert_eq!(format, Format::JsonLines);
    assert!(items[0].is_ok() && items[1].is_err() && items[2].is_ok());
    let declared_array = write(&dir, "lines.json", format!("{object}\n{object}\n"));
    let (format, _, _, items) = same_from_path_and_stream(&declared_array, P, 64).unwrap();
    assert_eq!((format, items.len()), (Format::JsonLines, 2));

    // File-level errors are the same too.
    let cut = dir.join("cut.xlsx");
    let bytes = std::fs::read(&xlsx).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    for path in [
        cut,
        write(&dir, "empty.csv", ""),
        write(&dir, "sjis.csv", b"\x82\xa0\x82\xa2,\xff\xfe\x00"),
        write(&dir, "missing.csv", "CF_XDR_MC\r\n某公司\r\n"),
        write(&dir, "bad.json", "[{\"CF_XDR_MC\": }]"),
    ] {
        let opened = same_from_path_and_stream(&path, P, 16);
        assert!(opened.is_err(), "{}", path.display());
    }
}

/// The same rejected rows written to a file and to a `Vec<u8>`: the same bytes (XLSX: the same
/// sheet; the workbook's creation time differs between two workbooks).
#[test]
fn rejects_into_memory_are_the_bytes_of_the_file() {
    let dir = temp_dir("rejects_memory");
    let pairs = penalty_pairs();
    let text = csv_text(&codes(&pairs), &penalty_rows());
    let labels: Vec<&str> = pairs
        .iter()
        .map(|(c, _)| header_field(P, c).unwrap().label(P))
        .collect();
    let gbk = encoding_rs::GB18030
        .encode(&csv_text(&labels, &penalty_rows()))
        .0
        .into_owned();
    let objects: Vec<String> = penalty_rows()
        .iter()
        .map(|row| {
            let p: Vec<(&str, String)> = codes(&pairs).into_iter().zip(row.clone()).collect();
            json_object(&p)
        })
        .collect();
    let xlsx = dir.join("in.xlsx");
    penalty_xlsx(&xlsx, 2);
    let inputs = [
        write(&dir, "in.csv", &text),
        write(&dir, "in-gbk.csv", &gbk),
        write(&dir, "in.json", format!("[{}]", objects.join(",\n"))),
        write(&dir, "in.ndjson", objects.join("\n")),
        xlsx,
    ];
    for input in &inputs {
        let write_rejects = |out: &mut dyn FnMut(&RawRow, &[xyjt_import::FieldError])| {
            let reader = open(input, P).unwrap();
            let header = reader.header().clone();
            for row in reader {
                let row = row.unwrap();
                // Every row goes to the rejects file: some with their errors, some without.
                let errors = validate(P, &header, &row, as_of())
                    .err()
                    .unwrap_or_default();
                out(&row, &errors);
            }
        };
        let format = open(input, P).unwrap().format();
        let file = dir.join(format!(
            "rejects-{}",
            input.file_name().unwrap().to_str().unwrap()
        ));
        let mut to_file = RejectsWriter::create(&file, &open(input, P).unwrap()).unwrap();
        write_rejects(&mut |row, errors| to_file.write(row, errors).unwrap());
        let rows_written = to_file.rows();
        to_file.finish().unwrap();
        let mut to_vec = RejectsWriter::new(Vec::new(), &open(input, P).unwrap()).unwrap();
        write_rejects(&mut |row, errors| to_vec.write(row, errors).unwrap());
        assert_eq!(to_vec.rows(), rows_written);
        let bytes = to_vec.finish().unwrap();
        let on_disk = std::fs::read(&file).unwrap();
        if format == Format::Xlsx {
            let from_file = reading(open(&file, P)).unwrap();
            let from_vec = reading(open_reader(std::io::Cursor::new(bytes), format, P)).unwrap();
            assert_eq!(from_file, from_vec);
            assert_eq!(from_vec.3.len(), 3);
        } else {
            assert_eq!(bytes, on_disk, "{}", input.display());
        }
    }
}

/// Cell texts that stress CSV quoting, trimming, JSON escaping and GBK.
fn cell_strategy() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::string::string_regex("[a-z0-9 ,\"\\n{}\\[\\]：，福州市交通运输局罚款〔〕]{0,24}")
        .unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any rows, in any format, read from a file and through `open_reader` (the bytes arriving
    /// in chunks of any size), give the same header and rows.
    #[test]
    fn any_file_reads_the_same_from_a_path_and_a_stream(
        rows in proptest::collection::vec(proptest::collection::vec(cell_strategy(), 30), 0..6),
        chunk in 1usize..200,
        which in 0usize..5,
    ) {
        let dir = temp_dir(&format!("streams_prop_{which}"));
        let pairs = penalty_pairs();
        let header = codes(&pairs);
        let path = match which {
            0 => write(&dir, "p.csv", csv_text(&header, &rows)),
            1 => {
                let bytes = encoding_rs::GB18030.encode(&csv_text(&header, &rows)).0.into_owned();
                write(&dir, "p.csv", &bytes)
            }
            2 => {
                let path = dir.join("p.xlsx");
                let mut workbook = Workbook::new();
                let sheet = workbook.add_worksheet();
                for (c, code) in header.iter().enumerate() {
                    sheet.write_string(0, c as u16, *code).unwrap();
                }
                for (r, row) in rows.iter().enumerate() {
                    for (c, value) in row.iter().enumerate() {
                        sheet.write_string(r as u32 + 1, c as u16, value.as_str()).unwrap();
                    }
                }
                workbook.save(&path).unwrap();
                path
            }
            3 | 4 => {
                let objects: Vec<String> = rows
                    .iter()
                    .map(|row| {
                        let p: Vec<(&str, String)> =
                            header.iter().copied().zip(row.iter().cloned()).collect();
                        json_object(&p)
                    })
                    .collect();
                if which == 3 {
                    write(&dir, "p.json", format!("[{}]", objects.join(",")))
                } else {
                    write(&dir, "p.jsonl", objects.join("\n"))
                }
            }
            _ => unreachable!(),
        };
        let reading = same_from_path_and_stream(&path, P, chunk);
        if let Ok((_, _, _, items)) = reading {
            let expected = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count();
            proptest::prop_assert_eq!(items.len(), expected);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Messages that say what is wrong (issue 17, item 8)
// ---------------------------------------------------------------------------------------------

/// A GBK file with a bad byte sequence is reported at that sequence (its byte and line), not at
/// the first GBK character (where UTF-8 decoding gave up, hundreds of bytes earlier).
#[test]
fn a_bad_gbk_sequence_is_reported_where_it_is() {
    let dir = temp_dir("gbk_bad_offset");
    let pairs = penalty_pairs();
    let text = csv_text(&codes(&pairs), &[values(&pairs)]);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let mut bytes = gbk.to_vec();
    let first_chinese = bytes.iter().position(|b| *b >= 0x80).unwrap();
    assert!(bytes.len() > first_chinese + 300, "a long valid prefix");
    bytes.extend_from_slice(b"abc,\x81\x20def\n");
    let bad = gbk.len() + 4;
    let path = write(&dir, "bad.csv", &bytes);
    let err = open(&path, P).unwrap_err();
    let FileError::Encoding { detail } = &err else {
        panic!("{err:?}")
    };
    assert!(
        detail.contains(&format!(
            "第 3 行，第 {} 字节起为无效字节 0x81 0x20",
            bad + 1
        )),
        "{detail}"
    );
    assert!(
        !detail.contains(&format!("第 {} 字节", first_chinese + 1)),
        "{detail}"
    );
}

/// A cell whose opening quote is never closed swallows the rest of the file: that is said, with
/// the row and the column, instead of a column-count error and every required field missing.
#[test]
fn an_unclosed_quote_is_reported_as_such() {
    let dir = temp_dir("csv_unclosed_quote");
    let pairs = penalty_pairs();
    let good = values(&pairs);
    let mut broken = csv_text(&[], std::slice::from_ref(&good))[2..].to_string();
    // The 文书号 cell (the 14th) opens a quote that never closes.
    let cells: Vec<&str> = broken.trim_end().split(',').collect();
    let mut cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
    cells[13] = format!("\"{}", cells[13]);
    broken = cells.join(",") + "\n";
    let text = format!(
        "{}{}{}",
        csv_text(&codes(&pairs), std::slice::from_ref(&good)),
        broken,
        &csv_text(&[], &[good.clone(), good.clone()])[2..]
    );
    let path = write(&dir, "unclosed.csv", &text);
    let items: Vec<_> = open(&path, P).unwrap().collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    let Err(err @ FileError::UnclosedQuote { row: 2, column }) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(column, "CF_WSH");
    assert!(
        err.to_string().contains("第 2 行“CF_WSH”列的引号没有闭合"),
        "{err}"
    );

    // Balanced quotes across lines (a cell with a line break) are no such error.
    let mut multi = good.clone();
    multi[15] = "第一行\n第二行".into();
    let path = write(
        &dir,
        "closed.csv",
        csv_text(&codes(&pairs), &[good.clone(), multi]),
    );
    assert!(open(&path, P).unwrap().all(|r| r.is_ok()));
}

/// JSON nested past serde_json's limit is named as nesting, not as a syntax error at a column.
#[test]
fn json_nested_too_deep_is_named() {
    let dir = temp_dir("json_deep");
    let object = json_object(&penalty_pairs());
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let text = format!("[{object},\n{{\"CF_XDR_MC\": {deep}}}]");
    let path = write(&dir, "deep.json", text);
    let items: Vec<_> = open(&path, P).unwrap().collect();
    let Some(Err(err @ FileError::Json { row: 2, .. })) = items.last() else {
        panic!("{items:?}")
    };
    let message = err.to_string();
    assert!(message.contains("嵌套超过 128 层"), "{message}");
    assert!(!message.contains("语法错误"), "{message}");
}

/// A header far wider than any 双公示 layout is refused before any row is read; columns that
/// name no field are listed (the report says which columns were ignored).
#[test]
fn absurd_headers_are_refused_and_unknown_columns_named() {
    let dir = temp_dir("csv_wide");
    let pairs = penalty_pairs();
    let mut header: Vec<String> = codes(&pairs).iter().map(|c| c.to_string()).collect();
    header.extend((0..10_000).map(|i| format!("X{i}")));
    let path = write(&dir, "wide.csv", header.join(",") + "\n");
    let err = open(&path, P).unwrap_err();
    assert!(
        matches!(
            err,
            FileError::TooManyColumns {
                count: 10_030,
                max: xyjt_import::read::MAX_COLUMNS
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("表头有 10030 列，超过上限 300 列"));

    let mut header: Vec<String> = codes(&pairs).iter().map(|c| c.to_string()).collect();
    header.extend(["序号".to_string(), String::new(), "内部编号".to_string()]);
    let mut row = values(&pairs);
    row.extend(["1".to_string(), String::new(), "N-1".to_string()]);
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let path = write(&dir, "extra.csv", csv_text(&refs, &[row]));
    let reader = open(&path, P).unwrap();
    assert_eq!(reader.header().ignored(), vec!["序号", "内部编号"]);
}
