//! Running an import: one file, one transaction, one report.
//!
//! Rows stream from the reader through validation into the ledger in batches. A new decision
//! is published (with its publication facts: received on `as_of`, late or not, the publicity
//! window); the same decision again changes nothing; a changed decision (same 文书号 and
//! authority, other content) becomes a correction event. Without `accept_valid`, any invalid row
//! rolls the whole file back; a dry run always rolls back.
//!
//! The input is an [`ImportSource`]: a file, or bytes received under a file name (an upload) in
//! a declared format, read once. The rejects file goes where [`RejectsTo`] says: a file, memory
//! or any writer.

use crate::read::{Format, RawRow, RowReader};
use crate::rejects::{RejectsWriter, error_text};
use crate::validate::{FieldError, validate};
use crate::{Field, FileError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use xyjt_core::calendar::Calendar;
use xyjt_core::canonical::sha256_hex;
use xyjt_core::ident::Code;
use xyjt_core::ledger::{EventPayload, NewEvent, RejectedRow, new_id};
use xyjt_core::publicity::{PublicityPolicy, publication_for};
use xyjt_core::record::{Party, RecordBody, RecordCategory, Resubmission, resubmission};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::{Store, StoreError, StoreTx};

/// Rows validated and written per `append` call: bounds memory and the size of one statement
/// batch, whatever the file size.
const BATCH_ROWS: usize = 500;

/// Row numbers kept per 数据来源单位 in [`ImportOutcome::source_units`].
pub const UNIT_ROWS_KEPT: usize = 20;

/// What an import reads: a file, or bytes received under a file name (an upload, a request
/// body) in a declared [`Format`]. Either is read once, as a stream (XLSX bytes are held in
/// memory: the zip needs random access).
pub struct ImportSource {
    name: String,
    format: Format,
    input: Input,
}

enum Input {
    Path(PathBuf),
    Reader(Box<dyn Read + Send>),
}

impl ImportSource {
    /// A file, its format declared by its extension ([`Format::from_file_name`]).
    pub fn path(path: impl Into<PathBuf>) -> Result<Self, FileError> {
        let path = path.into();
        Ok(ImportSource {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            format: Format::from_path(&path)?,
            input: Input::Path(path),
        })
    }

    /// `reader`'s bytes, received as the file `name`, in the declared `format`.
    pub fn reader(
        name: impl Into<String>,
        format: Format,
        reader: impl Read + Send + 'static,
    ) -> Self {
        ImportSource {
            name: name.into(),
            format,
            input: Input::Reader(Box::new(reader)),
        }
    }

    /// Bytes received as the file `name`, their format declared by its extension.
    pub fn bytes(
        name: impl Into<String>,
        bytes: impl AsRef<[u8]> + Send + 'static,
    ) -> Result<Self, FileError> {
        let name = name.into();
        let format = Format::from_file_name(&name)?;
        Ok(ImportSource::reader(
            name,
            format,
            std::io::Cursor::new(bytes),
        ))
    }

    /// The file name (the ledger's actor is `import:<name>` when none is given).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The file's path, for a file source.
    pub fn file_path(&self) -> Option<&Path> {
        match &self.input {
            Input::Path(p) => Some(p),
            Input::Reader(_) => None,
        }
    }

    /// Reads the header and returns the rows.
    pub fn open(self, category: RecordCategory) -> Result<RowReader, FileError> {
        match self.input {
            Input::Path(path) => crate::read::open_file(&path, self.format, category),
            Input::Reader(reader) => crate::read::open_reader(reader, self.format, category),
        }
    }
}

/// Where the rejects file goes. It is written only with `accept_valid` (see [`ImportOptions`]).
pub enum RejectsTo {
    /// A file: `rejects_path` of the options, else beside a file source (`NAME.rejects.EXT`,
    /// [`default_rejects_path`]); none for other sources without `rejects_path`. Removed again
    /// when no row was rejected; named in [`ImportOutcome::rejects_file`].
    File,
    /// Memory: the bytes in [`ImportOutcome::rejects_bytes`] when a row was rejected.
    Memory,
    /// Any writer: it receives the whole rejects file (only its header when no row was
    /// rejected; [`ImportReport::rejected`] tells).
    Writer(Box<dyn Write + Send>),
    /// No rejects file (the report still names every error).
    Discard,
}

/// How to run one import.
pub struct ImportOptions {
    pub category: RecordCategory,
    /// The publication date (the day the platform received the file).
    pub as_of: NaiveDate,
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// Commit the valid rows even when some are invalid; the invalid ones go to the rejects file.
    pub accept_valid: bool,
    /// Where to write the rejects file; `None` for the default beside the input
    /// (`NAME.rejects.EXT`) when there are rejects.
    pub rejects_path: Option<PathBuf>,
    /// Who imports, for the ledger (`import:<file name>` when empty).
    pub actor: String,
    /// Ledger time of the events.
    pub recorded_at: DateTime<Utc>,
}

/// The import report, exactly as other tools read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub total: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub late: usize,
    pub errors: Vec<FieldError>,
    pub late_rows: Vec<usize>,
    /// Header columns that name no field of the layout, ignored (their texts, in file order);
    /// left out of the JSON when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
}

/// The report plus what happened to the database and the rejects file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub report: ImportReport,
    /// Decisions published for the first time.
    pub published: usize,
    /// Decisions that changed and were recorded as corrections.
    pub corrected: usize,
    /// Decisions already on record with the same content.
    pub unchanged: usize,
    /// Whether anything was written (false for a dry run or a rolled-back file).
    pub committed: bool,
    /// The rejects file written ([`RejectsTo::File`]), when a row was rejected.
    pub rejects_file: Option<PathBuf>,
    /// The rejects file's bytes ([`RejectsTo::Memory`]), when a row was rejected.
    pub rejects_bytes: Option<Vec<u8>>,
    /// The 数据来源单位 of the file's rows (as validated; as written for an invalid row), each
    /// with its first [`UNIT_ROWS_KEPT`] row numbers: whose data the file holds (谁生产、谁负责),
    /// from the same pass that validated it.
    pub source_units: BTreeMap<String, Vec<usize>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The default rejects path: `dir/NAME.rejects.EXT`.
pub fn default_rejects_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    let ext = input
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".into());
    input.with_file_name(format!("{stem}.rejects.{ext}"))
}

/// Imports `path` into `store`, the rejects file beside it or at `options.rejects_path`.
/// File-level failures (unreadable file, missing headers, a file that breaks off) leave the
/// database untouched and come back as `Err`; row-level problems are in the report. `progress`
/// is called with the number of rows read so far.
pub async fn run_import(
    store: &dyn Store,
    path: &Path,
    options: &ImportOptions,
    calendar: &Calendar,
    policy: &PublicityPolicy,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<ImportOutcome, ImportError> {
    run_import_with(
        store,
        ImportSource::path(path)?,
        RejectsTo::File,
        options,
        calendar,
        policy,
        progress,
        Vec::new(),
    )
    .await
}

/// Imports `source` like [`run_import`], the rejects file going to `rejects`, and appends
/// `extra` events in the same transaction when the file is committed (a reviewer's approval of
/// a submission is written with the records it publishes).
#[allow(clippy::too_many_arguments)]
pub async fn run_import_with(
    store: &dyn Store,
    source: ImportSource,
    rejects: RejectsTo,
    options: &ImportOptions,
    calendar: &Calendar,
    policy: &PublicityPolicy,
    progress: &mut (dyn FnMut(usize) + Send),
    extra: Vec<xyjt_core::ledger::NewEvent>,
) -> Result<ImportOutcome, ImportError> {
    let name = source.name().to_string();
    let rejects_path = match &rejects {
        RejectsTo::File => options
            .rejects_path
            .clone()
            .or_else(|| source.file_path().map(default_rejects_path)),
        RejectsTo::Memory | RejectsTo::Writer(_) | RejectsTo::Discard => None,
    };
    let reader = source.open(options.category)?;
    // Opened up front (it needs the reader's format and encoding) and dropped if unused. A dry
    // run with `accept_valid` writes it too: it shows what a real run would send back.
    let out = match (options.accept_valid, rejects, &rejects_path) {
        (false, ..) => None,
        (true, RejectsTo::File, Some(path)) => Some(Out::File(BufWriter::new(
            File::create(path).map_err(FileError::from)?,
        ))),
        (true, RejectsTo::File, None) => None,
        (true, RejectsTo::Memory, _) => Some(Out::Memory(Vec::new())),
        (true, RejectsTo::Writer(w), _) => Some(Out::Writer(w)),
        (true, RejectsTo::Discard, _) => None,
    };
    let writer = match out {
        Some(out) => Some(RejectsWriter::new(out, &reader)?),
        None => None,
    };
    let mut tx = store.begin().await?;
    let result = import_rows(
        tx.as_mut(),
        reader,
        &name,
        writer,
        rejects_path,
        options,
        calendar,
        policy,
        progress,
    )
    .await;
    match result {
        Ok(mut outcome) => {
            let keep = !options.dry_run && (outcome.report.rejected == 0 || options.accept_valid);
            if keep {
                if !extra.is_empty()
                    && let Err(e) = tx.append(extra).await
                {
                    let _ = tx.rollback().await;
                    return Err(e.into());
                }
                tx.commit().await?;
                outcome.committed = true;
            } else {
                tx.rollback().await?;
            }
            Ok(outcome)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Where a rejects file is being written.
enum Out {
    File(BufWriter<File>),
    Memory(Vec<u8>),
    Writer(Box<dyn Write + Send>),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Out::File(f) => f.write(buf),
            Out::Memory(v) => v.write(buf),
            Out::Writer(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Out::File(f) => f.write_all(buf),
            Out::Memory(v) => v.write_all(buf),
            Out::Writer(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Out::File(f) => f.flush(),
            Out::Memory(v) => v.flush(),
            Out::Writer(w) => w.flush(),
        }
    }
}

/// Running totals and outputs of one file.
struct Progress {
    report: ImportReport,
    published: usize,
    corrected: usize,
    unchanged: usize,
    rejects: Option<RejectsWriter<Out>>,
    rejected_rows: Vec<RejectedRow>,
    source_units: BTreeMap<String, Vec<usize>>,
}

impl Progress {
    /// Counts a rejected row: the report, the rejects file, the statistics.
    fn reject(
        &mut self,
        header: &crate::Header,
        raw: &RawRow,
        category: RecordCategory,
        errors: Vec<FieldError>,
    ) -> Result<(), ImportError> {
        self.report.rejected += 1;
        if let Some(w) = self.rejects.as_mut() {
            w.write(raw, &errors)?;
        }
        self.rejected_rows
            .push(rejected_row(header, raw, category, &errors));
        self.report.errors.extend(errors);
        Ok(())
    }

    /// Notes a row's 数据来源单位 (an empty one is not noted).
    fn note_unit(&mut self, unit: &str, row: usize) {
        if unit.is_empty() {
            return;
        }
        match self.source_units.get_mut(unit) {
            Some(rows) if rows.len() < UNIT_ROWS_KEPT => rows.push(row),
            Some(_) => {}
            None => {
                self.source_units.insert(unit.to_string(), vec![row]);
            }
        }
    }
}

/// What stays fixed while a file is read.
struct Context<'a> {
    header: crate::Header,
    options: &'a ImportOptions,
    calendar: &'a Calendar,
    policy: &'a PublicityPolicy,
    actor: String,
}

#[allow(clippy::too_many_arguments)]
async fn import_rows(
    tx: &mut dyn StoreTx,
    reader: RowReader,
    name: &str,
    rejects: Option<RejectsWriter<Out>>,
    rejects_path: Option<PathBuf>,
    options: &ImportOptions,
    calendar: &Calendar,
    policy: &PublicityPolicy,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<ImportOutcome, ImportError> {
    let batch_id = new_id();
    let actor = if options.actor.is_empty() {
        format!("import:{name}")
    } else {
        options.actor.clone()
    };
    let ctx = Context {
        header: reader.header().clone(),
        options,
        calendar,
        policy,
        actor,
    };
    let mut state = Progress {
        report: ImportReport {
            total: 0,
            accepted: 0,
            rejected: 0,
            late: 0,
            errors: Vec::new(),
            late_rows: Vec::new(),
            ignored_columns: reader.header().ignored(),
        },
        published: 0,
        corrected: 0,
        unchanged: 0,
        rejects,
        rejected_rows: Vec::new(),
        source_units: BTreeMap::new(),
    };
    // Natural keys seen in this file, hashed to 8 bytes: in-file duplicates without holding
    // every key's text (16 MB per million rows).
    let hasher = std::collections::hash_map::RandomState::new();
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut pending: Vec<(RawRow, RecordBody)> = Vec::with_capacity(BATCH_ROWS);
    for item in reader {
        let raw = item?;
        state.report.total += 1;
        progress(state.report.total);
        let validated = validate(options.category, &ctx.header, &raw, options.as_of);
        let unit = match &validated {
            Ok(body) => body.source_unit().0,
            Err(_) => raw.get(&ctx.header, Field::SourceUnit).unwrap_or(""),
        };
        state.note_unit(unit, raw.row);
        match validated {
            Err(errors) => state.reject(&ctx.header, &raw, options.category, errors)?,
            Ok(body) => {
                let key = body.natural_key();
                let mut h = hasher.build_hasher();
                h.write(key.doc_no.as_bytes());
                h.write(&[0]);
                h.write(key.authority_code.as_str().as_bytes());
                let digest = h.finish();
                if let Some(first) = seen.get(&digest) {
                    let error = FieldError {
                        row: raw.row,
                        field: Field::DocNo.code(options.category).to_string(),
                        code: "duplicate_in_file".into(),
                        message: format!(
                            "与第 {first} 行重复：同一机关的同一文书号“{}”在文件中出现多次",
                            key.doc_no
                        ),
                    };
                    state.reject(&ctx.header, &raw, options.category, vec![error])?;
                } else {
                    seen.insert(digest, raw.row);
                    pending.push((raw, body));
                    if pending.len() >= BATCH_ROWS {
                        write_batch(tx, &ctx, &mut state, std::mem::take(&mut pending)).await?;
                    }
                }
            }
        }
    }
    write_batch(tx, &ctx, &mut state, pending).await?;
    let mut rejected_rows = std::mem::take(&mut state.rejected_rows);
    if !rejected_rows.is_empty() {
        let keys: Vec<String> = rejected_rows.iter().map(|r| r.key.clone()).collect();
        let known = tx.known_rejections(&keys).await?;
        let mut new_keys = HashSet::new();
        rejected_rows.retain(|r| !known.contains(&r.key) && new_keys.insert(r.key.clone()));
        if !rejected_rows.is_empty() {
            tx.append(vec![NewEvent::new(
                ctx.actor.clone(),
                options.recorded_at,
                EventPayload::RowsRejected {
                    batch_id,
                    category: options.category,
                    reported_on: options.as_of,
                    rows: rejected_rows,
                },
            )])
            .await?;
        }
    }
    let (mut rejects_file, mut rejects_bytes) = (None, None);
    if let Some(w) = state.rejects.take() {
        let rejected = w.rows() > 0;
        match (w.finish()?, rejects_path) {
            (Out::File(_), Some(path)) if rejected => rejects_file = Some(path),
            (Out::File(file), Some(path)) => {
                drop(file);
                let _ = std::fs::remove_file(&path);
            }
            (Out::Memory(bytes), _) if rejected => rejects_bytes = Some(bytes),
            _ => {}
        }
    }
    Ok(ImportOutcome {
        report: state.report,
        published: state.published,
        corrected: state.corrected,
        unchanged: state.unchanged,
        committed: false,
        rejects_file,
        rejects_bytes,
        source_units: state.source_units,
    })
}

/// What a valid row did. The flag is whether the decision was reported late.
enum Change {
    Published(bool),
    Corrected(bool),
    Unchanged(bool),
    /// Valid on its own, but refused against what is on record (e.g. a revoked decision).
    Refused(FieldError),
}

/// Stages and writes one batch of valid rows: one lookup of existing decisions, one of
/// existing subjects, one append.
async fn write_batch(
    tx: &mut dyn StoreTx,
    ctx: &Context<'_>,
    state: &mut Progress,
    rows: Vec<(RawRow, RecordBody)>,
) -> Result<(), ImportError> {
    if rows.is_empty() {
        return Ok(());
    }
    let keys: Vec<_> = rows.iter().map(|(_, b)| b.natural_key()).collect();
    let existing: HashMap<_, _> = tx
        .records_by_keys(&keys)
        .await?
        .into_iter()
        .map(|r| (r.body.natural_key(), r))
        .collect();
    let codes: Vec<Code> = rows
        .iter()
        .filter(|(_, b)| !existing.contains_key(&b.natural_key()))
        .flat_map(|(_, b)| party_codes(b.party()))
        .collect();
    // Every identifier of every known subject → its id; subjects registered in this batch join.
    let mut subjects: HashMap<String, String> = HashMap::new();
    for s in tx.subjects_by_codes(&codes).await? {
        for code in s.codes() {
            subjects.insert(code.as_str().to_string(), s.id.clone());
        }
    }
    let mut events = Vec::with_capacity(rows.len() + 16);
    for (raw, body) in rows {
        let prior = existing.get(&body.natural_key());
        let change = stage(ctx, &mut events, &mut subjects, prior, body);
        state.report.accepted += 1;
        let late = match change {
            Change::Published(late) => {
                state.published += 1;
                late
            }
            Change::Corrected(late) => {
                state.corrected += 1;
                late
            }
            Change::Unchanged(late) => {
                state.unchanged += 1;
                late
            }
            Change::Refused(error) => {
                state.report.accepted -= 1;
                let error = FieldError {
                    row: raw.row,
                    ..error
                };
                state.reject(&ctx.header, &raw, ctx.options.category, vec![error])?;
                false
            }
        };
        if late {
            state.report.late += 1;
            state.report.late_rows.push(raw.row);
        }
    }
    tx.append(events).await?;
    Ok(())
}

/// Stages the events for one valid decision.
fn stage(
    ctx: &Context<'_>,
    events: &mut Vec<NewEvent>,
    subjects: &mut HashMap<String, String>,
    prior: Option<&xyjt_core::record::Record>,
    body: RecordBody,
) -> Change {
    let options = ctx.options;
    if let Some(existing) = prior {
        let original = existing.publication.clone();
        let late = original.as_ref().is_some_and(|p| p.late);
        match resubmission(prior, &body) {
            Resubmission::Unchanged => return Change::Unchanged(late),
            Resubmission::RefusedRevoked => {
                return Change::Refused(FieldError {
                    row: 0,
                    field: Field::DocNo.code(options.category).to_string(),
                    code: "record_revoked".into(),
                    message: format!("决定“{}”已撤销，不能再更正", body.doc_no()),
                });
            }
            Resubmission::New | Resubmission::Correction => {}
        }
        let reported_on = original.as_ref().map_or(options.as_of, |p| p.reported_on);
        let publication = publication_for(&body, reported_on, ctx.calendar, ctx.policy);
        let late = publication.late;
        events.push(
            NewEvent::new(
                ctx.actor.as_str(),
                options.recorded_at,
                EventPayload::RecordCorrected {
                    record_id: existing.id.clone(),
                    body,
                    reason: "重新报送的决定内容有变化，按更正处理".into(),
                    publication: Some(publication),
                },
            )
            .with_subject(existing.subject_id.clone()),
        );
        return Change::Corrected(late);
    }
    let subject_id = subject_for(ctx, events, subjects, body.party());
    let publication = publication_for(&body, options.as_of, ctx.calendar, ctx.policy);
    let late = publication.late;
    events.push(NewEvent::new(
        ctx.actor.as_str(),
        options.recorded_at,
        EventPayload::RecordPublished {
            record_id: new_id(),
            subject_id,
            body,
            publication: Some(publication),
        },
    ));
    Change::Published(late)
}

/// The party's identifiers in lookup order (the strongest first).
fn party_codes(party: &Party) -> Vec<Code> {
    let mut codes = Vec::new();
    if let Some(u) = &party.uscc {
        codes.push(Code::Uscc(u.clone()));
    }
    if let Some(r) = &party.reg_no {
        codes.push(Code::RegNo(r.clone()));
    }
    if let Some(o) = &party.org_code {
        codes.push(Code::OrgCode(o.clone()));
    }
    if party.category == PartyCategory::NaturalPerson
        && let Some(id) = party
            .id_no
            .as_deref()
            .and_then(|s| xyjt_core::ident::CitizenId::parse(s).ok())
    {
        codes.push(Code::CitizenId(id));
    }
    codes
}

/// Finds the party's subject by any identifier, or registers a new one.
fn subject_for(
    ctx: &Context<'_>,
    events: &mut Vec<NewEvent>,
    subjects: &mut HashMap<String, String>,
    party: &Party,
) -> String {
    let codes = party_codes(party);
    if let Some(id) = codes.iter().find_map(|c| subjects.get(c.as_str())) {
        return id.clone();
    }
    let citizen_id = codes.iter().find_map(|c| match c {
        Code::CitizenId(id) => Some(id.clone()),
        _ => None,
    });
    let subject = Subject {
        id: new_id(),
        kind: party.category,
        name: party.name.clone(),
        uscc: party.uscc.clone(),
        org_code: party.org_code.clone(),
        reg_no: party.reg_no.clone(),
        citizen_id,
    };
    for code in subject.codes() {
        subjects.insert(code.as_str().to_string(), subject.id.clone());
    }
    let id = subject.id.clone();
    events.push(NewEvent::new(
        ctx.actor.as_str(),
        ctx.options.recorded_at,
        EventPayload::SubjectRegistered { subject },
    ));
    id
}

/// A rejected row as the statistics keep it: a key over its cells, its reporting unit as given,
/// and the reasons. The cells themselves (which may hold personal data) are not kept.
fn rejected_row(
    header: &crate::Header,
    raw: &RawRow,
    category: RecordCategory,
    errors: &[FieldError],
) -> RejectedRow {
    let mut text = String::from(category.as_str());
    for cell in &raw.cells {
        text.push('\u{1f}');
        text.push_str(cell.trim());
    }
    // One field pair serves both layouts (CF_SJLY / XK_LYDW).
    let (name_field, code_field) = (Field::SourceUnit, Field::SourceUnitCode);
    let unit_code = raw
        .get(header, code_field)
        .map(xyjt_core::ident::normalize)
        .unwrap_or_default();
    RejectedRow {
        key: sha256_hex(text.as_bytes()),
        unit_name: raw
            .get(header, name_field)
            .unwrap_or("（未填写数据来源单位）")
            .chars()
            .take(200)
            .collect(),
        unit_code: unit_code.chars().take(64).collect(),
        row: raw.row as u64,
        errors: error_text(errors).split("; ").map(str::to_string).collect(),
    }
}
