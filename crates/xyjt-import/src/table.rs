//! Small tables with free-form headers — external lists (失信被执行人 from a court), bidder lists
//! for screening — read whole from CSV (UTF-8 or GBK) or XLSX. Columns are found by header text.

use crate::read::{FileError, Format, detect_encoding, format_number};
use calamine::{Data, Reader, Xlsx};
use std::io::{Cursor, Read};
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

/// Reads a `.csv`/`.txt` (UTF-8, UTF-16 with BOM, GB18030/GBK) or `.xlsx` table, its format
/// declared by its extension.
pub fn read_table(path: &Path) -> Result<Table, FileError> {
    let format = match Format::from_path(path)? {
        Format::JsonArray | Format::JsonLines => {
            return Err(FileError::UnknownFormat {
                extension: path
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default(),
            });
        }
        format => format,
    };
    read_table_from(std::fs::File::open(path)?, format)
}

/// Reads a table from any byte source in a declared format: CSV or XLSX (JSON is not a table
/// format: [`FileError::UnknownFormat`]). The table is small and read whole.
pub fn read_table_from(mut source: impl Read, format: Format) -> Result<Table, FileError> {
    let mut bytes = Vec::new();
    source.read_to_end(&mut bytes)?;
    let mut rows: Vec<Vec<String>> = match format {
        Format::Csv => {
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
        Format::Xlsx => {
            let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| FileError::Xlsx {
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
        Format::JsonArray | Format::JsonLines => {
            return Err(FileError::UnknownFormat {
                extension: format.extension().to_string(),
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
