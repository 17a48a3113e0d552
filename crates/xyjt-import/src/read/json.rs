//! JSON 双公示 files: one array of objects, split element by element by a byte-level scanner
//! (strings holding brackets are handled), or NDJSON, line by line; each object parsed with
//! serde_json, its keys mapped to the header's columns.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, BufReader};

use encoding_rs::UTF_8;
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use xyjt_core::record::RecordCategory;

use super::{FileError, Format, Header, Input, RawRow, RowReader, Source, all_blank};
use crate::fields::{header_field, specs};

/// A JSON object with its keys in file order.
struct JsonObject(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = JsonObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonObject, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    entries.push(entry);
                }
                Ok(JsonObject(entries))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// A value as cell text: strings trimmed, numbers as written, `null` empty, nested values as
/// compact JSON (validation then rejects them where a code, date or amount is expected).
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn json_detail(e: &serde_json::Error, first_line: usize) -> String {
    use serde_json::error::Category;
    // serde_json stops at 128 levels and calls it a syntax error; say what it is.
    let nested = e.to_string().starts_with("recursion limit exceeded");
    let what = match e.classify() {
        _ if nested => {
            "嵌套超过 128 层：双公示记录的每个字段应是文本、数字或日期，不应层层嵌套对象或数组"
        }
        Category::Io => "读取失败",
        Category::Syntax => "语法错误",
        Category::Data => "每条记录必须是一个 JSON 对象",
        Category::Eof => "内容不完整（意外结束）",
    };
    if e.line() > 0 {
        format!(
            "{what}（文件第 {} 行第 {} 列）",
            first_line + e.line() - 1,
            e.column()
        )
    } else {
        what.to_string()
    }
}

fn parse_object(bytes: &[u8], row: usize, first_line: usize) -> Result<JsonObject, FileError> {
    serde_json::from_slice(bytes).map_err(|e| FileError::Json {
        detail: json_detail(&e, first_line),
        row,
    })
}

/// Places an object's values into header columns: an exact key match first, else the column of
/// the field the key names. Keys naming nothing in the header are dropped.
struct KeyMap {
    cache: HashMap<String, Option<usize>>,
}

impl KeyMap {
    fn new() -> Self {
        KeyMap {
            cache: HashMap::new(),
        }
    }

    fn cells(&mut self, header: &Header, object: JsonObject, row: usize) -> RawRow {
        let mut cells = vec![String::new(); header.len()];
        for (key, value) in object.0 {
            let index = *self.cache.entry(key).or_insert_with_key(|key| {
                header.texts().position(|t| t == key.trim()).or_else(|| {
                    header_field(header.category(), key).and_then(|f| header.column_of(f))
                })
            });
            if let Some(i) = index {
                cells[i] = json_text(&value);
            }
        }
        RawRow { row, cells }
    }
}

/// Splits a top-level JSON array into its elements without reading the whole file.
pub(super) struct JsonArraySource {
    input: BufReader<Input>,
    /// 1-based line of the next unread byte.
    line: usize,
    /// Elements read so far.
    index: usize,
    keys: KeyMap,
}

impl JsonArraySource {
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    fn bump(&mut self) -> io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.input.consume(1);
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        while let Some(b) = self.peek()? {
            if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                return Ok(Some(b));
            }
            self.bump()?;
        }
        Ok(None)
    }

    fn error(&self, detail: &str) -> FileError {
        FileError::Json {
            detail: format!("{detail}（文件第 {} 行）", self.line),
            row: self.index + 1,
        }
    }

    /// Consumes the closing `]`; only whitespace may follow.
    fn finish(&mut self) -> Result<Option<(JsonObject, usize)>, FileError> {
        self.bump()?;
        if self.skip_ws()?.is_some() {
            return Err(self.error("数组结束后还有多余内容"));
        }
        Ok(None)
    }

    /// The next element's object, `None` after the closing `]`. The opening `[` is consumed
    /// when the source is created.
    fn next_object(&mut self) -> Result<Option<(JsonObject, usize)>, FileError> {
        let mut next = self.skip_ws()?;
        if self.index > 0 {
            match next {
                Some(b',') => {
                    self.bump()?;
                    next = self.skip_ws()?;
                    if next == Some(b']') {
                        return Err(self.error("数组末尾多了一个逗号"));
                    }
                }
                Some(b']') => return self.finish(),
                Some(_) => return Err(self.error("数组元素之间缺少逗号")),
                None => return Err(self.error("内容不完整：数组没有以 ] 结束")),
            }
        } else if next == Some(b']') {
            return self.finish();
        }
        match next {
            Some(b'{') => {}
            Some(_) => return Err(self.error("数组元素必须是 JSON 对象")),
            None => return Err(self.error("内容不完整：数组没有以 ] 结束")),
        }
        let first_line = self.line;
        let mut bytes = Vec::new();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let Some(b) = self.bump()? else {
                return Err(self.error("内容不完整（意外结束）"));
            };
            bytes.push(b);
            if in_string {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        self.index += 1;
        let object = parse_object(&bytes, self.index, first_line)?;
        Ok(Some((object, self.index)))
    }

    pub(super) fn next_row(&mut self, header: &Header) -> Option<Result<RawRow, FileError>> {
        loop {
            match self.next_object() {
                Err(e) => return Some(Err(e)),
                Ok(None) => return None,
                Ok(Some((object, row))) => {
                    let raw = self.keys.cells(header, object, row);
                    if !all_blank(&raw.cells) {
                        return Some(Ok(raw));
                    }
                }
            }
        }
    }
}

/// NDJSON: one object per line; blank lines are skipped (but counted).
pub(super) struct JsonLinesSource {
    input: BufReader<Input>,
    line: usize,
    keys: KeyMap,
}

impl JsonLinesSource {
    /// The next non-blank line's object. `Err((error, fatal))`.
    fn next_object(&mut self) -> Option<Result<(JsonObject, usize), (FileError, bool)>> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match self.input.read_until(b'\n', &mut buf) {
                Err(e) => return Some(Err((FileError::Io(e), true))),
                Ok(0) => return None,
                Ok(_) => {}
            }
            self.line += 1;
            let mut bytes = buf.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let bytes = bytes.trim_ascii();
            if bytes.is_empty() {
                continue;
            }
            return Some(
                parse_object(bytes, self.line, self.line)
                    .map(|o| (o, self.line))
                    .map_err(|e| (e, false)),
            );
        }
    }

    pub(super) fn next_row(
        &mut self,
        header: &Header,
    ) -> (Option<Result<RawRow, FileError>>, bool) {
        loop {
            match self.next_object() {
                None => return (None, true),
                Some(Err((e, fatal))) => return (Some(Err(e)), fatal),
                Some(Ok((object, row))) => {
                    let raw = self.keys.cells(header, object, row);
                    if !all_blank(&raw.cells) {
                        return (Some(Ok(raw)), false);
                    }
                }
            }
        }
    }
}

/// The JSON header: the first object's keys in order, then the code of every layout field those
/// keys do not name, so later objects' keys for any field have a column (missing keys are
/// empty cells). Required fields are checked against the first object's keys.
fn json_header(category: RecordCategory, first: &JsonObject) -> Result<Header, FileError> {
    let header = Header::new(category, first.0.iter().map(|(k, _)| k.as_str()));
    header.check()?;
    let mut texts: Vec<String> = header.texts().map(str::to_string).collect();
    for s in specs(category) {
        if header.column_of(s.field).is_none() {
            texts.push(s.code.to_string());
        }
    }
    Ok(Header::new(category, texts))
}

pub(super) fn open_json(input: Input, category: RecordCategory) -> Result<RowReader, FileError> {
    let mut input = BufReader::new(input);
    if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    let mut array = JsonArraySource {
        input,
        line: 1,
        index: 0,
        keys: KeyMap::new(),
    };
    let (format, source, first) = match array.skip_ws()? {
        None => return Err(FileError::Empty),
        Some(b'[') => {
            array.bump()?;
            match array.next_object()? {
                None => return Err(FileError::Empty),
                Some((first, row)) => (Format::JsonArray, Source::JsonArray(array), (first, row)),
            }
        }
        Some(b'{') => {
            let line_offset = array.line - 1;
            let mut lines = JsonLinesSource {
                input: array.input,
                line: line_offset,
                keys: KeyMap::new(),
            };
            match lines.next_object() {
                None => return Err(FileError::Empty),
                Some(Err((e, _))) => return Err(e),
                Some(Ok(first)) => (Format::JsonLines, Source::JsonLines(lines), first),
            }
        }
        Some(_) => {
            return Err(FileError::Json {
                detail: "应为 JSON 对象数组，或每行一个 JSON 对象（NDJSON）".to_string(),
                row: 1,
            });
        }
    };
    let (first, row) = first;
    let header = json_header(category, &first)?;
    let mut keys = KeyMap::new();
    let pending = keys.cells(&header, first, row);
    let source = match source {
        Source::JsonArray(mut s) => {
            s.keys = keys;
            Source::JsonArray(s)
        }
        Source::JsonLines(mut s) => {
            s.keys = keys;
            Source::JsonLines(s)
        }
        other => other,
    };
    Ok(RowReader {
        header,
        format,
        encoding: UTF_8,
        delimiter: b',',
        pending: (!all_blank(&pending.cells)).then_some(pending),
        source,
        finished: false,
    })
}
