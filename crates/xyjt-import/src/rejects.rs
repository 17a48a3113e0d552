//! Rejects files: the rows that failed validation, in the input's own format, with one more
//! column `错误原因`, so the uploader can correct them and import the file again (a reader maps
//! `错误原因` to no field and ignores it).
//!
//! * CSV keeps the input's delimiter; it is written in GB18030 when the input was GB18030/GBK,
//!   otherwise in UTF-8 with a BOM (so Excel opens it correctly). Fields are quoted when needed
//!   and lines end with CRLF.
//! * XLSX is written by rust_xlsxwriter in constant-memory mode, every cell as text (so dates
//!   and codes stay exactly as read). Excel cells hold at most 32,767 characters; longer cells
//!   are cut to that length.
//! * JSON keeps the input's style (one array, or NDJSON); every value is a string.
//!
//! When the input already has a `错误原因` column (a rejects file imported again), that column is
//! reused instead of adding a second one.
//!
//! The writer writes to any [`Write`] ([`RejectsWriter::new`]: a `Vec<u8>` for an upload's
//! rejects kept in memory, a response body, …); [`RejectsWriter::create`] is the same writer
//! over a new file. The bytes are the same either way.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use encoding_rs::{Encoding, GB18030, UTF_8};

use crate::read::{FileError, Format, RawRow, RowReader};
use crate::validate::FieldError;

/// The header of the column holding the reasons a row was rejected.
pub const ERROR_COLUMN: &str = "错误原因";

/// Excel's limit on a cell's length, in UTF-16 units.
const XLSX_MAX_CELL: usize = 32_767;

/// Writes rejected rows, shaped like the input, to `W` (by default a new file: see
/// [`RejectsWriter::create`]).
pub struct RejectsWriter<W: Write + Send = BufWriter<File>> {
    sink: Sink<W>,
    /// Header columns, the error column included.
    width: usize,
    /// The index of the `错误原因` column.
    error_col: usize,
    /// Whether the input already had the `错误原因` column.
    reused: bool,
    rows: usize,
}

enum Sink<W> {
    Csv {
        out: W,
        encoding: &'static Encoding,
        delimiter: u8,
    },
    /// The workbook is written to `out` when finished.
    Xlsx {
        workbook: Box<rust_xlsxwriter::Workbook>,
        out: W,
    },
    Json {
        out: W,
        keys: Vec<String>,
        array: bool,
    },
}

fn xlsx_write_error(e: rust_xlsxwriter::XlsxError) -> FileError {
    match e {
        rust_xlsxwriter::XlsxError::IoError(io) => FileError::Io(io),
        other => FileError::XlsxWrite {
            detail: other.to_string(),
        },
    }
}

/// Joins a row's errors as `CF_XDR_ZJHM: 消息; CF_JDRQ: 消息` (whole-row errors without a code).
pub fn error_text(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            if e.field.is_empty() {
                e.message.clone()
            } else {
                format!("{}: {}", e.field, e.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl RejectsWriter {
    /// Creates the rejects file at `path` with `like`'s format, encoding and header plus the
    /// `错误原因` column. The caller chooses the path (see [`Format::extension`]).
    pub fn create(path: &Path, like: &RowReader) -> Result<Self, FileError> {
        RejectsWriter::new(BufWriter::new(File::create(path)?), like)
    }
}

impl<W: Write + Send> RejectsWriter<W> {
    /// A rejects file written to `out`, with `like`'s format, encoding and header plus the
    /// `错误原因` column. [`RejectsWriter::finish`] completes it and gives `out` back.
    pub fn new(mut out: W, like: &RowReader) -> Result<Self, FileError> {
        let mut texts: Vec<String> = like.header().texts().map(str::to_string).collect();
        let existing = texts.iter().position(|t| t.trim() == ERROR_COLUMN);
        let error_col = existing.unwrap_or_else(|| {
            texts.push(ERROR_COLUMN.to_string());
            texts.len() - 1
        });
        let sink = match like.format() {
            Format::Csv => {
                let encoding = if like.encoding() == GB18030 {
                    GB18030
                } else {
                    UTF_8
                };
                if encoding == UTF_8 {
                    out.write_all(b"\xEF\xBB\xBF")?;
                }
                Sink::Csv {
                    out,
                    encoding,
                    delimiter: like.delimiter(),
                }
            }
            Format::Xlsx => {
                let mut workbook = Box::new(rust_xlsxwriter::Workbook::new());
                workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_write_error)?;
                Sink::Xlsx { workbook, out }
            }
            format @ (Format::JsonArray | Format::JsonLines) => {
                let array = format == Format::JsonArray;
                if array {
                    out.write_all(b"[")?;
                }
                Sink::Json {
                    out,
                    keys: texts.clone(),
                    array,
                }
            }
        };
        let mut writer = RejectsWriter {
            sink,
            width: texts.len(),
            error_col,
            reused: existing.is_some(),
            rows: 0,
        };
        match &mut writer.sink {
            Sink::Csv { .. } | Sink::Xlsx { .. } => writer.write_cells(&texts, 0)?,
            Sink::Json { .. } => {}
        }
        Ok(writer)
    }

    /// Rows written so far (the header not counted).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes a rejected row: its original cells and the joined errors in `错误原因`.
    ///
    /// A CSV row with more cells than the header keeps its extra cells after the error column.
    pub fn write(&mut self, row: &RawRow, errors: &[FieldError]) -> Result<(), FileError> {
        // The input's columns: the error column is either one of them or appended after them.
        let appended = self.error_col == self.width - 1 && !self.reused;
        let input_width = if appended { self.width - 1 } else { self.width };
        let mut cells: Vec<String> = row.cells.iter().take(input_width).cloned().collect();
        cells.resize(input_width, String::new());
        let reasons = error_text(errors);
        if appended {
            cells.push(reasons);
        } else {
            cells[self.error_col] = reasons;
        }
        cells.extend(row.cells.iter().skip(input_width).cloned());
        self.rows += 1;
        self.write_cells(&cells, self.rows)
    }

    fn write_cells(&mut self, cells: &[String], index: usize) -> Result<(), FileError> {
        match &mut self.sink {
            Sink::Csv {
                out,
                encoding,
                delimiter,
            } => {
                let mut line = cells
                    .iter()
                    .map(|c| csv_field(c, *delimiter))
                    .collect::<Vec<_>>()
                    .join(&char::from(*delimiter).to_string());
                line.push_str("\r\n");
                if *encoding == UTF_8 {
                    out.write_all(line.as_bytes())?;
                } else {
                    let (bytes, _, _) = encoding.encode(&line);
                    out.write_all(&bytes)?;
                }
            }
            Sink::Xlsx { workbook, .. } => {
                let sheet = workbook.worksheet_from_index(0).map_err(xlsx_write_error)?;
                let row = u32::try_from(index).map_err(|_| FileError::XlsxWrite {
                    detail: "行数超出 Excel 上限".to_string(),
                })?;
                for (col, cell) in cells.iter().enumerate() {
                    if cell.is_empty() {
                        continue;
                    }
                    let col = u16::try_from(col).map_err(|_| FileError::XlsxWrite {
                        detail: "列数超出 Excel 上限".to_string(),
                    })?;
                    sheet
                        .write_string(row, col, xlsx_cell(cell))
                        .map_err(xlsx_write_error)?;
                }
            }
            Sink::Json { out, keys, array } => {
                if *array {
                    out.write_all(if index == 1 { b"\n" } else { b",\n" })?;
                }
                out.write_all(b"{")?;
                // Extra CSV-style cells cannot occur for JSON: cells align with the keys.
                for (i, (key, value)) in keys.iter().zip(cells).enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut *out, key).map_err(std::io::Error::from)?;
                    out.write_all(b":")?;
                    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
                }
                out.write_all(b"}")?;
                if !*array {
                    out.write_all(b"\n")?;
                }
            }
        }
        Ok(())
    }

    /// Completes the file, flushes it and gives the writer back (for a `Vec<u8>`: the bytes).
    pub fn finish(self) -> Result<W, FileError> {
        let mut out = match self.sink {
            Sink::Csv { out, .. } => out,
            Sink::Xlsx {
                mut workbook,
                mut out,
            } => {
                workbook
                    .save_to_writer(&mut out)
                    .map_err(xlsx_write_error)?;
                out
            }
            Sink::Json { mut out, array, .. } => {
                if array {
                    out.write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
                }
                out
            }
        };
        out.flush()?;
        Ok(out)
    }
}

/// Quotes a CSV field when it holds the delimiter, a quote, a line break or edge spaces.
fn csv_field(value: &str, delimiter: u8) -> String {
    let needs_quotes = value.contains(['"', '\r', '\n', char::from(delimiter)])
        || value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace);
    if needs_quotes {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A cell cut to Excel's limit.
fn xlsx_cell(value: &str) -> &str {
    let mut units = 0;
    for (i, c) in value.char_indices() {
        units += c.len_utf16();
        if units > XLSX_MAX_CELL {
            return &value[..i];
        }
    }
    value
}
