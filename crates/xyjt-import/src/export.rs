//! Export of published records in the national 双公示 layout (the columns of [`specs`]), as CSV
//! (UTF-8 with BOM, so Excel on Chinese Windows opens it right) or XLSX, for submission to the
//! provincial platform. Exported files read back through [`crate::open`] unchanged.

use crate::fields::{Field, specs};
use crate::read::FileError;
use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet};
use std::io::Write;
use std::path::Path;
use xyjt_core::mask::{Audience, mask_record};
use xyjt_core::record::{Record, RecordBody, RecordCategory};

/// Which header row to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStyle {
    /// The field codes (`CF_XDR_MC`, …), as provincial exchange templates use.
    Codes,
    /// The Chinese labels (行政相对人名称, …).
    Chinese,
}

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// The cell text of `field` in a record body, in the national conventions (dates `YYYY-MM-DD`,
/// amounts in 万元, several 处罚类别 joined with `;`).
pub fn cell(body: &RecordBody, field: Field) -> String {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let party = body.party();
    let party_cell = match field {
        Field::PartyName => Some(party.name.clone()),
        Field::PartyCategory => Some(party.category.label().to_string()),
        Field::PartyUscc => Some(
            party
                .uscc
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default(),
        ),
        Field::PartyRegNo => Some(
            party
                .reg_no
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default(),
        ),
        Field::PartyOrgCode => Some(
            party
                .org_code
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default(),
        ),
        Field::PartyTaxRegNo => Some(opt(&party.tax_reg_no)),
        Field::PartyInstitutionCertNo => Some(opt(&party.institution_cert_no)),
        Field::PartySocialOrgCertNo => Some(opt(&party.social_org_cert_no)),
        Field::LegalRep => Some(opt(&party.legal_rep)),
        Field::LegalRepIdType => Some(opt(&party.legal_rep_id_type)),
        Field::LegalRepIdNo => Some(opt(&party.legal_rep_id_no)),
        Field::PartyIdType => Some(opt(&party.id_type)),
        Field::PartyIdNo => Some(opt(&party.id_no)),
        _ => None,
    };
    if let Some(c) = party_cell {
        return c;
    }
    let date = |d: chrono::NaiveDate| d.to_string();
    match body {
        RecordBody::Penalty(p) => match field {
            Field::DocNo => p.doc_no.clone(),
            Field::ViolationType => p.violation_type.clone(),
            Field::Facts => p.facts.clone(),
            Field::Basis => p.basis.clone(),
            Field::PenaltyKinds => p
                .kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(";"),
            Field::Content => p.content.clone(),
            Field::Fine => p.fine.map(|f| f.to_string()).unwrap_or_default(),
            Field::Confiscated => p.confiscated.map(|f| f.to_string()).unwrap_or_default(),
            Field::LicenceAffected => opt(&p.licence_affected),
            Field::DecisionDate => date(p.decision_date),
            Field::ValidUntil => date(p.valid_until),
            Field::PublicityUntil => p.publicity_until.map(date).unwrap_or_default(),
            Field::Authority => p.authority.clone(),
            Field::AuthorityCode => p.authority_code.to_string(),
            Field::SourceUnit => p.source_unit.clone(),
            Field::SourceUnitCode => p.source_unit_code.to_string(),
            Field::Remark => opt(&p.remark),
            _ => String::new(),
        },
        RecordBody::License(l) => match field {
            Field::DocName => l.doc_name.clone(),
            Field::DocNo => l.doc_no.clone(),
            Field::LicenceKind => l.kind.label().to_string(),
            Field::CertName => opt(&l.cert_name),
            Field::LicenceNo => opt(&l.licence_no),
            Field::Content => opt(&l.content),
            Field::DecisionDate => date(l.decision_date),
            Field::ValidFrom => date(l.valid_from),
            Field::ValidTo => date(l.valid_to),
            Field::Authority => l.authority.clone(),
            Field::AuthorityCode => l.authority_code.to_string(),
            Field::Status => opt(&l.status),
            Field::SourceUnit => l.source_unit.clone(),
            Field::SourceUnitCode => l.source_unit_code.to_string(),
            Field::Remark => opt(&l.remark),
            _ => String::new(),
        },
    }
}

/// Writes records to an export file. Records of another category are skipped. `audience`
/// decides masking: the provincial platform is `Government` (ID numbers masked as in
/// government-shared views); `Owner` writes everything.
pub struct Exporter {
    category: RecordCategory,
    audience: Audience,
    sink: Sink,
    rows: usize,
}

enum Sink {
    Csv(Box<csv::Writer<std::io::BufWriter<std::fs::File>>>),
    Xlsx {
        workbook: Box<Workbook>,
        path: std::path::PathBuf,
    },
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> FileError {
    FileError::XlsxWrite {
        detail: e.to_string(),
    }
}

impl Exporter {
    pub fn create(
        path: &Path,
        format: ExportFormat,
        category: RecordCategory,
        header: HeaderStyle,
        audience: Audience,
    ) -> Result<Self, FileError> {
        let titles: Vec<&str> = specs(category)
            .iter()
            .map(|s| match header {
                HeaderStyle::Codes => s.field.code(category),
                HeaderStyle::Chinese => s.field.label(category),
            })
            .collect();
        let sink = match format {
            ExportFormat::Csv => {
                let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
                file.write_all("\u{feff}".as_bytes())?;
                let mut w = csv::Writer::from_writer(file);
                w.write_record(&titles).map_err(csv_error)?;
                Sink::Csv(Box::new(w))
            }
            ExportFormat::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
                let sheet: &mut Worksheet = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_error)?;
                sheet.set_name(category.label()).map_err(xlsx_error)?;
                let bold = CellFormat::new().set_bold();
                for (c, t) in titles.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, c as u16, *t, &bold)
                        .map_err(xlsx_error)?;
                }
                Sink::Xlsx {
                    workbook,
                    path: path.to_path_buf(),
                }
            }
        };
        Ok(Exporter {
            category,
            audience,
            sink,
            rows: 0,
        })
    }

    pub fn write(&mut self, record: &Record) -> Result<(), FileError> {
        if record.body.category() != self.category {
            return Ok(());
        }
        let r = mask_record(record, self.audience);
        let cells: Vec<String> = specs(self.category)
            .iter()
            .map(|s| cell(&r.body, s.field))
            .collect();
        self.rows += 1;
        match &mut self.sink {
            Sink::Csv(w) => w.write_record(&cells).map_err(csv_error)?,
            Sink::Xlsx { workbook, .. } => {
                let sheet = workbook.worksheet_from_index(0).map_err(xlsx_error)?;
                let row = u32::try_from(self.rows).unwrap_or(u32::MAX);
                for (c, text) in cells.iter().enumerate() {
                    sheet
                        .write_string(row, c as u16, text)
                        .map_err(xlsx_error)?;
                }
            }
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn finish(self) -> Result<usize, FileError> {
        match self.sink {
            Sink::Csv(mut w) => w.flush()?,
            Sink::Xlsx { mut workbook, path } => workbook.save(&path).map_err(xlsx_error)?,
        }
        Ok(self.rows)
    }
}

fn csv_error(e: csv::Error) -> FileError {
    FileError::Csv {
        detail: e.to_string(),
    }
}
