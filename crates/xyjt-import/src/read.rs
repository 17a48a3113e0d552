//! Streaming readers for 双公示 files: CSV (UTF-8, GB18030/GBK, UTF-16), XLSX and JSON.
//!
//! [`open_reader`] reads any byte source in a declared [`Format`] (an upload, a pipe, a file);
//! [`open`] opens a file and declares its format by extension ([`Format::from_file_name`]).
//! Both read the header (and nothing more than it needs to) and return a [`RowReader`], an
//! iterator over the data rows. CSV and JSON never load the whole input:
//!
//! * CSV is decoded on the fly (`encoding_rs_io`) and parsed record by record;
//! * XLSX needs random access to the zip, so calamine opens the archive (central directory,
//!   shared strings, styles) — from the file itself for [`open`], from the bytes read into
//!   memory for [`open_reader`] — but the first worksheet is read with calamine's streaming
//!   `worksheet_cells_reader`. That reader borrows the workbook, so it runs on a helper thread
//!   that owns the workbook and hands rows over a bounded channel (at most 64 rows in flight);
//!   dropping the [`RowReader`] stops the thread at its next row;
//! * JSON arrays are split element by element with a byte-level scanner (strings with brackets
//!   are handled), NDJSON line by line; each object is then parsed with serde_json (`json`).

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use xyjt_core::record::RecordCategory;

use crate::fields::{Field, header_field, specs};

mod json;
use json::{JsonArraySource, JsonLinesSource, open_json};

/// Bytes inspected to guess a CSV file's encoding.
const SNIFF_BYTES: usize = 64 * 1024;
/// Rows the XLSX helper thread may read ahead.
const XLSX_CHANNEL_ROWS: usize = 64;

/// The widest header accepted. The national layouts have 30 (行政处罚) and 28 (行政许可)
/// columns, and bureau exports add a few of their own (序号, 内部编号, 审核状态 …); ten times
/// the layout is still a 双公示 file with extra columns, anything wider is not one (a pivoted
/// sheet, a file of another kind, or a hostile one: every row holds a cell per column and the
/// report names every ignored column). Such a file is refused before any row is read.
pub const MAX_COLUMNS: usize = 300;

/// Why a file cannot be read. Displays in Chinese for the uploader.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No header: the file is empty or holds only blank lines.
    #[error("文件为空：没有表头")]
    Empty,
    /// Required columns are missing from the header (their codes, e.g. `CF_WSH`).
    #[error("表头缺少必填列：{}", fields.join("、"))]
    MissingHeaders { fields: Vec<String> },
    /// Several columns name the same field (their codes).
    #[error("表头重复：{} 出现多次", fields.join("、"))]
    DuplicateHeaders { fields: Vec<String> },
    /// A CSV file that is neither UTF-8 (or UTF-16 with a BOM) nor GB18030/GBK.
    #[error("文件编码无法识别：{detail}")]
    Encoding { detail: String },
    /// A truncated, corrupt or non-XLSX file.
    #[error("Excel 文件损坏或无法读取：{detail}")]
    Xlsx { detail: String },
    /// The rejects XLSX could not be written.
    #[error("写入 Excel 文件失败：{detail}")]
    XlsxWrite { detail: String },
    /// Malformed JSON; `row` is the record (array element, or NDJSON line) where it was found.
    #[error("JSON 格式错误（第 {row} 条记录）：{detail}")]
    Json { detail: String, row: usize },
    /// A CSV parsing failure other than I/O.
    #[error("CSV 格式错误：{detail}")]
    Csv { detail: String },
    /// A quoted CSV cell whose closing quote never comes: the rest of the file was read into
    /// that one cell. `row` is the data row as in every other import message (1-based, the
    /// header not counted; 0 for the header itself), `column` the cell's header text (or its
    /// 1-based number).
    #[error(
        "CSV 格式错误：{}“{column}”列的引号没有闭合，从该处到文件末尾都被读成了这一个单元格；请补上右引号（单元格内的引号应写成两个：\"\"）",
        if *row == 0 { "表头".to_string() } else { format!("第 {row} 行") }
    )]
    UnclosedQuote { row: usize, column: String },
    /// A header wider than [`MAX_COLUMNS`].
    #[error(
        "表头有 {count} 列，超过上限 {max} 列：国家标准格式只有约 30 列，请检查是否选错了文件或工作表"
    )]
    TooManyColumns { count: usize, max: usize },
    /// The extension is not one of the supported formats.
    #[error("不支持的文件格式“{extension}”：仅支持 .csv、.txt、.xlsx、.json、.jsonl、.ndjson")]
    UnknownFormat { extension: String },
    #[error("读写文件失败：{0}")]
    Io(#[from] io::Error),
}

/// The file formats. Declared to [`open_reader`] (see [`Format::from_file_name`]); a
/// [`RowReader`] reports the one it read. The two JSON formats are one family when declared:
/// the content decides between an array and NDJSON (by its first non-blank byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    /// A JSON file holding one top-level array of objects.
    JsonArray,
    /// NDJSON: one object per line.
    JsonLines,
}

impl Format {
    /// The format a file name declares by its extension: `.csv`/`.txt` → CSV, `.xlsx` → XLSX,
    /// `.json` → JSON array, `.jsonl`/`.ndjson` → NDJSON (either JSON format reads both; see
    /// [`Format`]). Anything else (`.xls` included) is [`FileError::UnknownFormat`].
    pub fn from_file_name(name: &str) -> Result<Format, FileError> {
        let extension = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match extension.as_str() {
            "csv" | "txt" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "json" => Ok(Format::JsonArray),
            "jsonl" | "ndjson" => Ok(Format::JsonLines),
            _ => Err(FileError::UnknownFormat { extension }),
        }
    }

    /// [`Format::from_file_name`] of a path's file name.
    pub fn from_path(path: &Path) -> Result<Format, FileError> {
        Format::from_file_name(&path.file_name().unwrap_or_default().to_string_lossy())
    }

    /// The usual file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::JsonArray => "json",
            Format::JsonLines => "jsonl",
        }
    }
}

/// One header column: its text as in the file and the field it names, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub text: String,
    pub field: Option<Field>,
}

/// A file's header: the raw column texts and what each maps to in a category's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    category: RecordCategory,
    columns: Vec<Column>,
}

impl Header {
    /// Maps each header text with [`header_field`]. Texts are kept as given (trimmed).
    pub fn new<S: AsRef<str>>(
        category: RecordCategory,
        texts: impl IntoIterator<Item = S>,
    ) -> Self {
        let columns = texts
            .into_iter()
            .map(|t| {
                let text = t.as_ref().trim().to_string();
                let field = header_field(category, &text);
                Column { text, field }
            })
            .collect();
        Header { category, columns }
    }

    pub fn category(&self) -> RecordCategory {
        self.category
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The raw header texts, in column order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.text.as_str())
    }

    /// The field of column `index`.
    pub fn field_at(&self, index: usize) -> Option<Field> {
        self.columns.get(index).and_then(|c| c.field)
    }

    /// The (first) column that holds `field`.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| c.field == Some(field))
    }

    /// Required fields of the category without a column. A licence file without an `XK_WSH`
    /// column passes when it has `XK_XKBH` (the 许可编号 stands in for the 文书号).
    pub fn missing_required(&self) -> Vec<Field> {
        specs(self.category)
            .iter()
            .filter(|s| s.required && self.column_of(s.field).is_none())
            .filter(|s| {
                !(self.category == RecordCategory::License
                    && s.field == Field::DocNo
                    && self.column_of(Field::LicenceNo).is_some())
            })
            .map(|s| s.field)
            .collect()
    }

    /// The header texts that name no field of the layout (ignored on import), in column order;
    /// blank header cells are left out.
    pub fn ignored(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.field.is_none() && !c.text.is_empty())
            .map(|c| c.text.clone())
            .collect()
    }

    /// Fields named by more than one column.
    pub fn duplicate_fields(&self) -> Vec<Field> {
        let mut seen = Vec::new();
        let mut dups = Vec::new();
        for f in self.columns.iter().filter_map(|c| c.field) {
            if seen.contains(&f) {
                if !dups.contains(&f) {
                    dups.push(f);
                }
            } else {
                seen.push(f);
            }
        }
        dups
    }

    /// Fails on a header wider than [`MAX_COLUMNS`], duplicate or missing required columns.
    pub(crate) fn check(&self) -> Result<(), FileError> {
        if self.columns.len() > MAX_COLUMNS {
            return Err(FileError::TooManyColumns {
                count: self.columns.len(),
                max: MAX_COLUMNS,
            });
        }
        let codes = |fields: Vec<Field>| -> Vec<String> {
            fields
                .into_iter()
                .map(|f| f.code(self.category).to_string())
                .collect()
        };
        let dups = self.duplicate_fields();
        if !dups.is_empty() {
            return Err(FileError::DuplicateHeaders {
                fields: codes(dups),
            });
        }
        let missing = self.missing_required();
        if !missing.is_empty() {
            return Err(FileError::MissingHeaders {
                fields: codes(missing),
            });
        }
        Ok(())
    }
}

/// One data row as read: cells aligned with the header columns, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// 1-based data row number, the header not counted. XLSX: the sheet row minus the header's
    /// row (blank rows count); CSV: the record after the header (rows of empty cells count);
    /// JSON array: the element; NDJSON: the line.
    pub row: usize,
    /// Cell texts, one per header column (a CSV row may have more or fewer: see validation).
    pub cells: Vec<String>,
}

impl RawRow {
    /// The trimmed cell of `field`; `None` when the header lacks the column or the cell is empty.
    pub fn get(&self, header: &Header, field: Field) -> Option<&str> {
        let index = header.column_of(field)?;
        let value = self.cells.get(index)?.trim();
        (!value.is_empty()).then_some(value)
    }
}

/// Rows of an opened file. Iterating yields each non-blank data row; an `Err` is a failure of
/// the file itself (I/O, corrupt XLSX, malformed JSON). After an error the iterator ends,
/// except for NDJSON, where a malformed line does not stop the following ones.
pub struct RowReader {
    header: Header,
    format: Format,
    encoding: &'static Encoding,
    delimiter: u8,
    pending: Option<RawRow>,
    source: Source,
    finished: bool,
}

enum Source {
    Csv(Box<CsvSource>),
    Xlsx(XlsxSource),
    JsonArray(JsonArraySource),
    JsonLines(JsonLinesSource),
}

impl fmt::Debug for RowReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowReader")
            .field("format", &self.format)
            .field("encoding", &self.encoding_name())
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl RowReader {
    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The text encoding: for CSV `"UTF-8"`, `"GB18030"`, `"UTF-16LE"` or `"UTF-16BE"`; XLSX and
    /// JSON are always `"UTF-8"`.
    pub fn encoding_name(&self) -> &'static str {
        if self.encoding == GB18030 {
            "GB18030"
        } else {
            self.encoding.name()
        }
    }

    pub(crate) fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    /// The CSV field delimiter (`,` or, for tab-separated files, `\t`).
    pub(crate) fn delimiter(&self) -> u8 {
        self.delimiter
    }
}

impl Iterator for RowReader {
    type Item = Result<RawRow, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(row) = self.pending.take() {
            return Some(Ok(row));
        }
        if self.finished {
            return None;
        }
        let (item, fatal) = match &mut self.source {
            Source::Csv(s) => (s.next_row(), true),
            Source::Xlsx(s) => (s.next_row(self.header.len()), true),
            Source::JsonArray(s) => (s.next_row(&self.header), true),
            Source::JsonLines(s) => s.next_row(&self.header),
        };
        match item {
            None => self.finished = true,
            Some(Err(_)) if fatal => self.finished = true,
            _ => {}
        }
        item
    }
}

/// Opens a file, its format declared by its extension ([`Format::from_file_name`]), and reads
/// it like [`open_reader`]. An XLSX file is read from the disk (calamine seeks in the file),
/// not loaded into memory.
pub fn open(path: &Path, category: RecordCategory) -> Result<RowReader, FileError> {
    open_file(path, Format::from_path(path)?, category)
}

/// Opens a file in a declared format (XLSX read from the disk).
pub(crate) fn open_file(
    path: &Path,
    format: Format,
    category: RecordCategory,
) -> Result<RowReader, FileError> {
    let file = File::open(path)?;
    match format {
        Format::Xlsx => open_xlsx(BufReader::new(file), category),
        _ => open_reader(file, format, category),
    }
}

/// Reads `source` in the declared `format`: reads the header and checks it against
/// `category`'s layout. CSV and JSON stream from `source`; XLSX needs random access, so its
/// bytes are read into memory first.
pub fn open_reader(
    source: impl Read + Send + 'static,
    format: Format,
    category: RecordCategory,
) -> Result<RowReader, FileError> {
    match format {
        Format::Csv => open_csv(Box::new(source), category),
        Format::Xlsx => {
            let mut bytes = Vec::new();
            let mut source = source;
            source.read_to_end(&mut bytes)?;
            open_xlsx(Cursor::new(bytes), category)
        }
        Format::JsonArray | Format::JsonLines => open_json(Box::new(source), category),
    }
}

/// A byte source a reader owns.
type Input = Box<dyn Read + Send>;

fn all_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.is_empty())
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// A CSV source: the sniffed sample, then the rest of the input.
type CsvInput = io::Chain<Cursor<Vec<u8>>, Input>;

/// Counts the quote characters of the decoded text on their way to the CSV parser: an odd
/// count at the end of the input means a quoted cell was never closed (escaped quotes are
/// doubled, so they count even).
struct QuoteCounter<R> {
    inner: R,
    quotes: u64,
    /// The input has ended (a read gave nothing).
    eof: bool,
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        self.eof |= n == 0 && !buf.is_empty();
        Ok(n)
    }
}

struct CsvSource {
    reader: csv::Reader<QuoteCounter<DecodeReaderBytes<CsvInput, Vec<u8>>>>,
    record: csv::ByteRecord,
    row: usize,
    /// The header's texts, to name the column of an unclosed quote.
    header: Vec<String>,
}

impl CsvSource {
    /// The next record as trimmed cells, or `None` at the end.
    fn next_cells(&mut self) -> Result<Option<Vec<String>>, FileError> {
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(csv_error)?
        {
            return Ok(None);
        }
        // A record that ran to the end of the input across lines, with an odd number of quotes
        // in the input: its last cell opened a quote that never closed.
        let input = self.reader.get_ref();
        if input.eof
            && input.quotes % 2 == 1
            && self
                .record
                .iter()
                .next_back()
                .is_some_and(|cell| cell.contains(&b'\n') || cell.contains(&b'\r'))
        {
            let index = self.record.len().saturating_sub(1);
            return Err(FileError::UnclosedQuote {
                // The header is read before any data row; data rows count from 1.
                row: if self.header.is_empty() {
                    0
                } else {
                    self.row + 1
                },
                column: self
                    .header
                    .get(index)
                    .filter(|t| !t.is_empty())
                    .cloned()
                    .unwrap_or_else(|| format!("第 {} 列", index + 1)),
            });
        }
        // The decoder emits UTF-8 (bad input bytes became U+FFFD), so this never replaces.
        Ok(Some(
            self.record
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().to_string())
                .collect(),
        ))
    }

    fn next_row(&mut self) -> Option<Result<RawRow, FileError>> {
        loop {
            match self.next_cells() {
                Err(e) => return Some(Err(e)),
                Ok(None) => return None,
                Ok(Some(cells)) => {
                    self.row += 1;
                    if !all_blank(&cells) {
                        return Some(Ok(RawRow {
                            row: self.row,
                            cells,
                        }));
                    }
                }
            }
        }
    }
}

fn csv_error(e: csv::Error) -> FileError {
    if e.is_io_error() {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => FileError::Io(io),
            other => FileError::Csv {
                detail: format!("{other:?}"),
            },
        }
    } else {
        FileError::Csv {
            detail: e.to_string(),
        }
    }
}

/// Guesses a CSV file's encoding from its first bytes: a BOM wins; else valid UTF-8 (a
/// multi-byte character cut by the end of the sample is allowed when `more` follows); else
/// GB18030 (which covers GBK and GB2312) if it decodes without error. Returns the encoding and
/// the BOM length.
pub(crate) fn detect_encoding(
    sample: &[u8],
    more: bool,
) -> Result<(&'static Encoding, usize), FileError> {
    if let Some((encoding, bom)) = Encoding::for_bom(sample) {
        return Ok((encoding, bom));
    }
    let bad_at = match std::str::from_utf8(sample) {
        Ok(_) => return Ok((UTF_8, 0)),
        Err(e) if e.error_len().is_none() && more => return Ok((UTF_8, 0)),
        Err(e) => e.valid_up_to(),
    };
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(sample.len())
        .unwrap_or(sample.len().saturating_mul(4));
    let mut out = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(sample, &mut out, !more);
    // Where GB18030 fails, not where UTF-8 did (often a valid GBK character much earlier).
    let bad_at = match result {
        DecoderResult::InputEmpty => return Ok((GB18030, 0)),
        DecoderResult::Malformed(bad, after) => read
            .saturating_sub(usize::from(bad) + usize::from(after))
            .min(sample.len().saturating_sub(1)),
        DecoderResult::OutputFull => bad_at,
    };
    let line = sample[..bad_at].iter().filter(|&&b| b == b'\n').count() + 1;
    let bytes: Vec<String> = sample[bad_at..]
        .iter()
        .take(2)
        .map(|b| format!("0x{b:02X}"))
        .collect();
    Err(FileError::Encoding {
        detail: format!(
            "既不是 UTF-8 也不是 GB18030/GBK（第 {line} 行，第 {} 字节起为无效字节 {}），请另存为 UTF-8 或 GBK 编码的 CSV",
            bad_at + 1,
            bytes.join(" ")
        ),
    })
}

/// `\t` when the first line has more tabs than commas, else `,`.
fn sniff_delimiter(encoding: &'static Encoding, sample: &[u8]) -> u8 {
    let (text, _) = encoding.decode_without_bom_handling(sample);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let tabs = first.matches('\t').count();
    let commas = first.matches(',').count();
    if tabs > commas { b'\t' } else { b',' }
}

fn open_csv(mut input: Input, category: RecordCategory) -> Result<RowReader, FileError> {
    let mut sample = Vec::with_capacity(SNIFF_BYTES);
    (&mut input)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut sample)?;
    let more = sample.len() == SNIFF_BYTES;
    let (encoding, bom) = detect_encoding(&sample, more)?;
    let delimiter = sniff_delimiter(encoding, &sample[bom..]);
    // The sample is read again from memory, then the rest from the source: no seeking back.
    // An explicit encoding removes its own BOM and replaces undecodable bytes with U+FFFD.
    let decoder = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .build(Cursor::new(sample).chain(input));
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(QuoteCounter {
            inner: decoder,
            quotes: 0,
            eof: false,
        });
    let mut source = CsvSource {
        reader,
        record: csv::ByteRecord::new(),
        row: 0,
        header: Vec::new(),
    };
    let header_cells = loop {
        match source.next_cells()? {
            None => return Err(FileError::Empty),
            Some(cells) if all_blank(&cells) => continue,
            Some(cells) => break cells,
        }
    };
    let header = Header::new(category, header_cells);
    header.check()?;
    source.header = header.texts().map(str::to_string).collect();
    Ok(RowReader {
        header,
        format: Format::Csv,
        encoding,
        delimiter,
        pending: None,
        source: Source::Csv(Box::new(source)),
        finished: false,
    })
}

// ---------------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------------

enum XlsxMsg {
    /// A sheet row (0-based index) with its non-empty cells as (0-based column, text).
    Row(u32, Vec<(u32, String)>),
    End,
    Err(FileError),
}

struct XlsxSource {
    rx: Receiver<XlsxMsg>,
    header_row: u32,
    first_col: u32,
}

impl XlsxSource {
    fn next_row(&mut self, width: usize) -> Option<Result<RawRow, FileError>> {
        loop {
            match self.rx.recv() {
                Ok(XlsxMsg::Row(r, sheet_cells)) => {
                    let mut cells = vec![String::new(); width];
                    for (c, text) in sheet_cells {
                        if let Some(i) = c.checked_sub(self.first_col)
                            && let Some(slot) = cells.get_mut(i as usize)
                        {
                            *slot = text;
                        }
                    }
                    if all_blank(&cells) {
                        continue;
                    }
                    return Some(Ok(RawRow {
                        row: (r - self.header_row) as usize,
                        cells,
                    }));
                }
                Ok(XlsxMsg::End) => return None,
                Ok(XlsxMsg::Err(e)) => return Some(Err(e)),
                Err(_) => return Some(Err(thread_gone())),
            }
        }
    }
}

fn thread_gone() -> FileError {
    FileError::Xlsx {
        detail: "读取工作表时意外中断".to_string(),
    }
}

fn xlsx_error(e: calamine::XlsxError) -> FileError {
    use calamine::XlsxError as E;
    let detail = match e {
        E::Io(io) => return FileError::Io(io),
        E::Zip(z) => format!("不是有效的 xlsx 文件（压缩包损坏或不完整：{z}）"),
        E::Xml(x) => format!("工作表内容损坏（{x}）"),
        E::XmlEof(what) => format!("工作表内容不完整（{what} 未结束）"),
        other => other.to_string(),
    };
    FileError::Xlsx { detail }
}

/// Excel shows at most 15 significant digits: print floats that way, integers without `.0`.
pub(crate) fn format_number(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 9.0e15 {
        return format!("{}", value as i64);
    }
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    format!("{rounded}")
}

fn cell_text(value: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef as D;
    match value {
        D::Empty => String::new(),
        D::String(s) => s.trim().to_string(),
        D::SharedString(s) => s.trim().to_string(),
        D::Int(i) => i.to_string(),
        D::Float(f) => format_number(*f),
        D::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        D::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, ms) = dt.to_ymd_hms_milli();
            if (hh, mm, ss, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        D::DateTime(dt) => format_number(dt.as_f64()),
        D::DateTimeIso(s) | D::DurationIso(s) => s.trim().to_string(),
        D::Error(e) => e.to_string(),
    }
}

/// The helper thread: streams the first worksheet's non-empty rows into `tx`.
fn xlsx_worker<R: Read + Seek>(input: R, tx: &SyncSender<XlsxMsg>) {
    let outcome = (|| -> Result<(), FileError> {
        use calamine::Reader;
        let mut workbook = calamine::Xlsx::new(input).map_err(xlsx_error)?;
        let Some(sheet) = workbook.sheet_names().into_iter().next() else {
            return Ok(());
        };
        let mut cells = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(xlsx_error)?;
        let mut current: Option<(u32, Vec<(u32, String)>)> = None;
        while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
            let (r, c) = cell.get_position();
            let text = cell_text(cell.get_value());
            if current.as_ref().is_some_and(|(row, _)| *row != r) {
                let (row, row_cells) = current.take().expect("checked above");
                if tx.send(XlsxMsg::Row(row, row_cells)).is_err() {
                    return Ok(()); // the reader was dropped
                }
            }
            if text.is_empty() {
                continue;
            }
            current
                .get_or_insert_with(|| (r, Vec::new()))
                .1
                .push((c, text));
        }
        if let Some((row, row_cells)) = current {
            let _ = tx.send(XlsxMsg::Row(row, row_cells));
        }
        Ok(())
    })();
    let _ = tx.send(match outcome {
        Ok(()) => XlsxMsg::End,
        Err(e) => XlsxMsg::Err(e),
    });
}

fn open_xlsx<R: Read + Seek + Send + 'static>(
    input: R,
    category: RecordCategory,
) -> Result<RowReader, FileError> {
    let (tx, rx) = sync_channel(XLSX_CHANNEL_ROWS);
    std::thread::Builder::new()
        .name("xlsx-reader".to_string())
        .spawn(move || xlsx_worker(input, &tx))?;
    let (header_row, sheet_cells) = match rx.recv() {
        Ok(XlsxMsg::Row(r, cells)) => (r, cells),
        Ok(XlsxMsg::End) => return Err(FileError::Empty),
        Ok(XlsxMsg::Err(e)) => return Err(e),
        Err(_) => return Err(thread_gone()),
    };
    // The header spans from its first to its last non-empty cell.
    let first_col = sheet_cells.iter().map(|(c, _)| *c).min().unwrap_or(0);
    let last_col = sheet_cells.iter().map(|(c, _)| *c).max().unwrap_or(0);
    let mut texts = vec![String::new(); (last_col - first_col + 1) as usize];
    for (c, text) in sheet_cells {
        texts[(c - first_col) as usize] = text;
    }
    let header = Header::new(category, texts);
    header.check()?;
    Ok(RowReader {
        header,
        format: Format::Xlsx,
        encoding: UTF_8,
        delimiter: b',',
        pending: None,
        source: Source::Xlsx(XlsxSource {
            rx,
            header_row,
            first_col,
        }),
        finished: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_excel() {
        assert_eq!(format_number(45000.0), "45000");
        assert_eq!(format_number(0.2), "0.2");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(1.5), "1.5");
    }

    #[test]
    fn encoding_sniffing() {
        assert_eq!(detect_encoding(b"abc", false).unwrap().0, UTF_8);
        assert_eq!(detect_encoding("名称".as_bytes(), false).unwrap().0, UTF_8);
        // A UTF-8 character cut by the end of the sample.
        let cut = &"名称".as_bytes()[..4];
        assert_eq!(detect_encoding(cut, true).unwrap().0, UTF_8);
        let (gbk, _, _) = GB18030.encode("行政相对人名称");
        assert_eq!(detect_encoding(&gbk, false).unwrap().0, GB18030);
        assert_eq!(
            detect_encoding(b"\xFF\xFEa\x00", false).unwrap(),
            (encoding_rs::UTF_16LE, 2)
        );
        assert!(matches!(
            detect_encoding(b"a,\xFF\x00b", false),
            Err(FileError::Encoding { .. })
        ));
    }
}
