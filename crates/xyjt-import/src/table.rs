//! Small tables with free-form headers — external lists (失信被执行人 from a court), bidder lists
//! for screening — read whole from CSV (UTF-8 or GBK) or XLSX. Columns are found by header text.

use crate::read::{FileError, detect_encoding, format_number};
use calamine::{Data, Reader, Xlsx, open_workbook};
use std::path::Path;

/// A table: header texts and data rows (1-based row numbers, header not counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The column whose header is one of `names` (spaces and a trailing `*` ignored).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| {
            let h: String = h
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '*')
                .collect();
            names.iter().any(|n| h == *n)
        })
    }
}

/// Reads a `.csv`/`.txt` (UTF-8, UTF-16 with BOM, GB18030/GBK) or `.xlsx` table.
pub fn read_table(path: &Path) -> Result<Table, FileError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut rows: Vec<Vec<String>> = match ext.as_str() {
        "csv" | "txt" => {
            let bytes = std::fs::read(path)?;
            let (encoding, bom) = detect_encoding(&bytes, false)?;
            let (text, _, bad) = encoding.decode(&bytes[bom..]);
            if bad {
                return Err(FileError::Encoding {
                    detail: "文件中有无法解码的字节".into(),
                });
            }
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut out = Vec::new();
            for record in reader.records() {
                let record = record.map_err(|e| FileError::Csv {
                    detail: e.to_string(),
                })?;
                out.push(record.iter().map(|c| c.trim().to_string()).collect());
            }
            out
        }
        "xlsx" => {
            let mut book: Xlsx<_> =
                open_workbook(path).map_err(|e: calamine::XlsxError| FileError::Xlsx {
                    detail: e.to_string(),
                })?;
            let range = book
                .worksheet_range_at(0)
                .ok_or_else(|| FileError::Xlsx {
                    detail: "没有工作表".into(),
                })?
                .map_err(|e| FileError::Xlsx {
                    detail: e.to_string(),
                })?;
            range
                .rows()
                .map(|r| r.iter().map(cell_text).collect())
                .collect()
        }
        other => {
            return Err(FileError::UnknownFormat {
                extension: other.to_string(),
            });
        }
    };
    rows.retain(|r: &Vec<String>| r.iter().any(|c| !c.is_empty()));
    if rows.is_empty() {
        return Err(FileError::Empty);
    }
    let headers = rows.remove(0);
    Ok(Table {
        headers,
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .collect(),
    })
}

fn cell_text(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(dt) => format_number(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Error(e) => e.to_string(),
    }
}
