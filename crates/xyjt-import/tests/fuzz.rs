//! Fuzzing the import readers with proptest (bounded; more with `XYJT_FUZZ_CASES=…`): a valid
//! 双公示 file in each format (CSV in UTF-8 and GB18030, XLSX, JSON array, NDJSON) mutated byte by
//! byte, and arbitrary bytes, read through `open_reader` and validated row by row. Every outcome
//! is a header, rows, or an error that says what is wrong — never a panic.

mod common;

use common::*;
use proptest::prelude::*;
use rust_xlsxwriter::Workbook;
use xyjt_core::record::RecordCategory;
use xyjt_import::{Format, open_reader, validate};

fn cases() -> u32 {
    std::env::var("XYJT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(128)
}

/// A valid penalty file with two rows, in `format`.
fn valid(format: Format) -> Vec<u8> {
    let pairs = penalty_pairs();
    let header: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    let row: Vec<String> = pairs.iter().map(|(_, v)| v.clone()).collect();
    let csv_line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(",")
    };
    let csv = format!(
        "{}\n{}\n{}\n",
        header.join(","),
        csv_line(&row),
        csv_line(&row)
    );
    let object = || {
        serde_json::Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    };
    match format {
        Format::Csv => csv.into_bytes(),
        Format::JsonArray => serde_json::to_vec(&vec![object(), object()]).unwrap(),
        Format::JsonLines => format!("{}\n{}\n", object(), object()).into_bytes(),
        Format::Xlsx => {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            for (c, h) in header.iter().enumerate() {
                sheet.write_string(0, c as u16, *h).unwrap();
                for r in 1..=2u32 {
                    sheet.write_string(r, c as u16, row[c].as_str()).unwrap();
                }
            }
            workbook.save_to_buffer().unwrap()
        }
    }
}

const FORMATS: [Format; 4] = [
    Format::Csv,
    Format::Xlsx,
    Format::JsonArray,
    Format::JsonLines,
];

/// Reads everything; returns how many rows came back valid. Panics only if the reader does.
fn read_all(bytes: Vec<u8>, format: Format) -> usize {
    let Ok(reader) = open_reader(std::io::Cursor::new(bytes), format, RecordCategory::Penalty)
    else {
        return 0;
    };
    let header = reader.header().clone();
    let mut valid_rows = 0;
    for row in reader.take(1000) {
        match row {
            Ok(raw) => {
                if validate(RecordCategory::Penalty, &header, &raw, as_of()).is_ok() {
                    valid_rows += 1;
                }
            }
            Err(e) => {
                assert!(!e.to_string().trim().is_empty());
                break;
            }
        }
    }
    valid_rows
}

#[test]
fn the_unmutated_files_read_whole() {
    for f in FORMATS {
        assert_eq!(read_all(valid(f), f), 2, "{f:?}");
    }
    let gbk = encoding_rs::GB18030
        .encode(std::str::from_utf8(&valid(Format::Csv)).unwrap())
        .0
        .into_owned();
    assert_eq!(read_all(gbk, Format::Csv), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn a_mutated_file_is_read_or_refused_never_a_panic(
        which in 0usize..4,
        gbk in any::<bool>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let format = FORMATS[which];
        let mut bytes = valid(format);
        if gbk && format == Format::Csv {
            bytes = encoding_rs::GB18030
                .encode(std::str::from_utf8(&bytes).unwrap())
                .0
                .into_owned();
        }
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at % bytes.len();
            match op {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => {
                    bytes.remove(i);
                }
            }
        }
        let n = read_all(bytes, format);
        prop_assert!(n <= 2 + 8);
    }

    #[test]
    fn arbitrary_bytes_are_read_or_refused_never_a_panic(
        which in 0usize..4,
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        read_all(bytes, FORMATS[which]);
    }
}
