//! 双公示 file intake: CSV (UTF-8, GB18030/GBK, UTF-16), XLSX and JSON files of 行政处罚 and
//! 行政许可 decisions in the national layouts (RULES.md §3).
//!
//! * [`fields`] — the layouts' columns ([`Field`]), their codes, labels, limits, and header
//!   matching ([`header_field`]);
//! * [`read`] — [`open_reader`] any byte source in a declared [`Format`] (or [`open`] a file)
//!   and stream its rows ([`RowReader`], [`RawRow`]);
//! * [`dates`] — the date forms found in bureau files ([`parse_date`]);
//! * [`validate`] — a row to a [`RecordBody`](xyjt_core::record::RecordBody) or all its
//!   [`FieldError`]s;
//! * [`policy_xlsx`] — the four lists (四张清单, [`ListPolicy`](xyjt_core::lists::ListPolicy))
//!   as a spreadsheet, out and back in as a new version;
//! * [`rejects`] — the rejected rows, in the input's format, with a `错误原因` column
//!   ([`RejectsWriter`], to any writer or a file);
//! * [`run`] — one import from an [`ImportSource`] (a file, or bytes in a declared format)
//!   into the ledger, the rejects file where [`RejectsTo`] says.

pub mod dates;
/// The layouts live in the core (objections and corrections name fields too).
pub use xyjt_core::fields;
pub mod disclosure_xlsx;
pub mod policy_xlsx;
pub mod read;
pub mod rejects;
pub mod validate;

pub use dates::{DateError, parse_date};
pub use fields::{Field, FieldSpec, header_field, spec_of, specs};
pub use read::{Column, FileError, Format, Header, RawRow, RowReader, open, open_reader};
pub use rejects::{ERROR_COLUMN, RejectsWriter, error_text};
pub use validate::{FieldError, codes, is_citizen_id_type, validate};

pub mod export;
pub mod run;
pub mod table;

pub use export::{ExportFormat, Exporter, HeaderStyle, cell};
pub use run::{
    ImportError, ImportOptions, ImportOutcome, ImportReport, ImportSource, RejectsTo,
    UNIT_ROWS_KEPT, default_rejects_path, run_import, run_import_with,
};
pub use table::{Table, read_table, read_table_from};
