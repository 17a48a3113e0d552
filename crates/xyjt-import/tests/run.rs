//! Imports end to end into a real store, the same story on SQLite and PostgreSQL: one
//! transaction per file, idempotent re-imports, corrections, rejects, dry runs, broken files.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::{csv_text, penalty_pairs, set, temp_dir};
use std::path::{Path, PathBuf};
use xyjt_core::calendar::Calendar;
use xyjt_core::publicity::PublicityPolicy;
use xyjt_core::record::RecordCategory;
use xyjt_import::{ImportError, ImportOptions, ImportOutcome, default_rejects_path, run_import};
use xyjt_store::{SqlStore, Store};

fn options(as_of: NaiveDate) -> ImportOptions {
    ImportOptions {
        category: RecordCategory::Penalty,
        as_of,
        dry_run: false,
        accept_valid: false,
        rejects_path: None,
        actor: "test".into(),
        recorded_at: Utc.with_ymd_and_hms(2024, 6, 30, 2, 0, 0).unwrap(),
    }
}

/// A penalty row with its own 文书号 and decision date.
fn row(doc_no: &str, decided: &str) -> Vec<(&'static str, String)> {
    let mut pairs = penalty_pairs();
    set(&mut pairs, "CF_WSH", doc_no);
    set(&mut pairs, "CF_JDRQ", decided);
    set(&mut pairs, "CF_GSJZQ", "");
    pairs
}

fn write_csv(dir: &Path, name: &str, rows: &[Vec<(&'static str, String)>]) -> PathBuf {
    let header: Vec<&str> = rows[0].iter().map(|(k, _)| *k).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|(_, v)| v.clone()).collect())
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, csv_text(&header, &cells)).unwrap();
    path
}

async fn import(
    store: &dyn Store,
    path: &Path,
    o: &ImportOptions,
) -> Result<ImportOutcome, ImportError> {
    run_import(
        store,
        path,
        o,
        &Calendar::builtin(),
        &PublicityPolicy::builtin(),
        &mut |_| {},
    )
    .await
}

async fn story(store: SqlStore, dir: PathBuf) {
    let june30 = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    // 06-25 + 7 working days = 07-04 (on time); 06-01 → 06-13 (late); 06-20 → 07-01 (on time).
    let rows = vec![
        row("榕交执罚〔2024〕101号", "2024-06-25"),
        row("榕交执罚〔2024〕102号", "2024-06-01"),
        row("榕交执罚〔2024〕103号", "2024-06-20"),
    ];
    let file = write_csv(&dir, "june.csv", &rows);
    let first = import(&store, &file, &options(june30)).await.unwrap();
    assert!(first.committed);
    assert_eq!(
        (
            first.report.total,
            first.report.accepted,
            first.report.rejected,
            first.report.late
        ),
        (3, 3, 0, 1)
    );
    assert_eq!(first.report.late_rows, vec![2]);
    assert_eq!(
        (first.published, first.corrected, first.unchanged),
        (3, 0, 0)
    );
    assert!(first.rejects_file.is_none());
    let json = serde_json::to_value(&first.report).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "accepted",
            "errors",
            "late",
            "late_rows",
            "rejected",
            "total"
        ]
    );
    let head = store.head().await.unwrap();
    // One subject (all rows are the same party) and three decisions.
    assert_eq!(head.seq, 4);
    assert_eq!(store.count_subjects().await.unwrap(), 1);

    // The same file again: the same state, to the last hash.
    let again = import(&store, &file, &options(june30)).await.unwrap();
    assert_eq!((again.published, again.unchanged), (0, 3));
    assert_eq!(again.report.late, 1, "late is the original publication's");
    assert_eq!(store.head().await.unwrap(), head);

    // A dry run writes nothing.
    let new_rows = vec![row("榕交执罚〔2024〕104号", "2024-06-26")];
    let new_file = write_csv(&dir, "new.csv", &new_rows);
    let mut dry = options(june30);
    dry.dry_run = true;
    let outcome = import(&store, &new_file, &dry).await.unwrap();
    assert_eq!((outcome.report.accepted, outcome.committed), (1, false));
    assert_eq!(store.head().await.unwrap(), head);

    // One bad row without --accept-valid: the whole file is refused.
    let mut bad = row("榕交执罚〔2024〕105号", "2024-06-26");
    set(&mut bad, "CF_JDRQ", "2024-02-30");
    let mixed = write_csv(
        &dir,
        "mixed.csv",
        &[row("榕交执罚〔2024〕104号", "2024-06-26"), bad],
    );
    let refused = import(&store, &mixed, &options(june30)).await.unwrap();
    assert!(!refused.committed);
    assert_eq!((refused.report.accepted, refused.report.rejected), (1, 1));
    let e = &refused.report.errors[0];
    assert_eq!(
        (e.row, e.field.as_str(), e.code.as_str()),
        (2, "CF_JDRQ", "invalid_date")
    );
    assert_eq!(store.head().await.unwrap(), head);
    assert!(!default_rejects_path(&mixed).exists());

    // With --accept-valid: the valid row lands, the bad one goes to the rejects file and counts.
    let mut accept = options(june30);
    accept.accept_valid = true;
    let partial = import(&store, &mixed, &accept).await.unwrap();
    assert!(partial.committed);
    assert_eq!(partial.published, 1);
    let rejects = partial.rejects_file.clone().unwrap();
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        text.contains("错误原因") && text.contains("2024-02-30"),
        "{text}"
    );
    assert_eq!(text.trim_start_matches('\u{feff}').lines().count(), 2);
    let head_after_partial = store.head().await.unwrap();
    assert_eq!(
        head_after_partial.seq,
        head.seq + 2,
        "one decision, one rejection event"
    );
    let counts = store.intake_counts().await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(
        (counts[0].accepted, counts[0].rejected, counts[0].late),
        (4, 1, 1)
    );
    // …and again: nothing new, the rejected row is counted once.
    import(&store, &mixed, &accept).await.unwrap();
    assert_eq!(store.head().await.unwrap(), head_after_partial);

    // A changed decision becomes a correction of the same record.
    let mut changed = rows.clone();
    set(&mut changed[0], "CF_SY", "车辆超限运输（更正：超限 12 吨）");
    let changed_file = write_csv(&dir, "changed.csv", &changed);
    let corrected = import(&store, &changed_file, &options(june30))
        .await
        .unwrap();
    assert_eq!((corrected.corrected, corrected.unchanged), (1, 2));
    let page = store
        .public_records(&xyjt_store::PublicityQuery {
            on: june30,
            category: Some(RecordCategory::Penalty),
            unit: None,
            decided_from: Some(NaiveDate::from_ymd_opt(2024, 6, 25).unwrap()),
            decided_to: Some(NaiveDate::from_ymd_opt(2024, 6, 25).unwrap()),
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].version, 2);
    assert_eq!(store.events_of(&page.items[0].id).await.unwrap().len(), 2);

    // Broken files change nothing and say why.
    let head = store.head().await.unwrap();
    let good_xlsx = dir.join("good.xlsx");
    write_xlsx(&good_xlsx, &rows);
    let bytes = std::fs::read(&good_xlsx).unwrap();
    let truncated = dir.join("truncated.xlsx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = import(&store, &truncated, &options(june30))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Excel"), "{err}");
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let err = import(&store, &empty, &options(june30)).await.unwrap_err();
    assert!(err.to_string().contains("文件为空"), "{err}");
    let no_doc_no = dir.join("headers.csv");
    std::fs::write(
        &no_doc_no,
        "CF_XDR_MC,CF_XDR_LB\r\n某公司,法人及非法人组织\r\n",
    )
    .unwrap();
    let err = import(&store, &no_doc_no, &options(june30))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("CF_WSH"), "{err}");
    assert_eq!(store.head().await.unwrap(), head);

    // The XLSX of the same decisions is the same state.
    let outcome = import(&store, &good_xlsx, &options(june30)).await.unwrap();
    assert_eq!(outcome.report.accepted, 3);
    assert_eq!(
        (outcome.published, outcome.corrected),
        (0, 1),
        "the XLSX has the old 违法事实"
    );
    assert!(store.verify().await.unwrap().error.is_none());
}

fn write_xlsx(path: &Path, rows: &[Vec<(&'static str, String)>]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, (k, _)) in rows[0].iter().enumerate() {
        sheet.write_string(0, c as u16, *k).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, (_, v)) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    book.save(path).unwrap();
}

#[tokio::test]
async fn sqlite_import_story() {
    let dir = temp_dir("run-sqlite");
    let store = SqlStore::connect(&format!("sqlite://{}", dir.join("db.sqlite").display()))
        .await
        .unwrap();
    story(store, dir).await;
}

#[tokio::test]
async fn postgres_import_story() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("postgres_import_story").await {
        let store = SqlStore::connect(&pg.url).await.unwrap();
        story(store, temp_dir("run-postgres")).await;
        pg.drop().await;
    }
}

/// An upload is imported from its bytes as its file would be: the same report, the same
/// rejects file (in memory, or into any writer), and the rows' 数据来源单位 from the same pass.
#[tokio::test]
async fn bytes_import_like_their_file() {
    use std::sync::{Arc, Mutex};
    use xyjt_import::{ImportSource, RejectsTo, run_import_with};

    let dir = temp_dir("run-bytes");
    let store = SqlStore::connect(&format!("sqlite://{}", dir.join("db.sqlite").display()))
        .await
        .unwrap();
    let june30 = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    let mut bad = row("榕交执罚〔2024〕202号", "2024-02-30");
    set(&mut bad, "CF_SJLY", "闽侯县交通运输局");
    let mut unnamed = row("榕交执罚〔2024〕203号", "2024-06-26");
    set(&mut unnamed, "CF_SJLY", "");
    let path = write_csv(
        &dir,
        "upload.csv",
        &[row("榕交执罚〔2024〕201号", "2024-06-26"), bad, unnamed],
    );
    let bytes = std::fs::read(&path).unwrap();
    let mut dry = options(june30);
    dry.dry_run = true;
    dry.accept_valid = true;
    let head = store.head().await.unwrap();

    let from_file = import(&store, &path, &dry).await.unwrap();
    let rejects_on_disk = std::fs::read(from_file.rejects_file.as_ref().unwrap()).unwrap();
    assert!(from_file.rejects_bytes.is_none());

    let in_memory = run_import_with(
        &store,
        ImportSource::bytes("upload.csv", bytes.clone()).unwrap(),
        RejectsTo::Memory,
        &dry,
        &Calendar::builtin(),
        &PublicityPolicy::builtin(),
        &mut |_| {},
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(in_memory.report, from_file.report);
    assert_eq!(in_memory.rejects_file, None);
    assert_eq!(
        in_memory.rejects_bytes.as_deref(),
        Some(&rejects_on_disk[..])
    );
    assert_eq!(in_memory.source_units, from_file.source_units);
    assert_eq!(
        in_memory
            .source_units
            .iter()
            .map(|(u, rows)| (u.as_str(), rows.clone()))
            .collect::<Vec<_>>(),
        vec![("福州市交通运输局", vec![1]), ("闽侯县交通运输局", vec![2])],
        "the invalid row's unit as written; an empty unit is not noted"
    );

    /// A writer the test can look into afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let shared = Shared::default();
    let into_writer = run_import_with(
        &store,
        ImportSource::reader(
            "upload",
            xyjt_import::Format::Csv,
            std::io::Cursor::new(bytes.clone()),
        ),
        RejectsTo::Writer(Box::new(shared.clone())),
        &dry,
        &Calendar::builtin(),
        &PublicityPolicy::builtin(),
        &mut |_| {},
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(into_writer.report, from_file.report);
    assert_eq!(*shared.0.lock().unwrap(), rejects_on_disk);

    // A name the importer cannot read is refused before anything is read.
    assert!(matches!(
        ImportSource::bytes("upload.xls", bytes),
        Err(xyjt_import::FileError::UnknownFormat { .. })
    ));
    assert_eq!(store.head().await.unwrap(), head, "dry runs write nothing");
}

/// A control character in a cell (NUL, which PostgreSQL cannot store, or ESC) rejects that row
/// with the row and field named, the same on both backends; tabs and line breaks inside a text
/// are kept, and the valid rows go in.
async fn control_characters_story(store: SqlStore, dir: PathBuf) {
    let june30 = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    let mut nul = row("榕交执罚〔2024〕301号", "2024-06-25");
    set(&mut nul, "CF_SY", "车辆超限\u{0}运输");
    let mut esc = row("榕交执罚〔2024〕302号", "2024-06-25");
    set(&mut esc, "CF_XDR_MC", "福州顺达\u{1b}[31m运输有限公司");
    let mut multiline = row("榕交执罚〔2024〕303号", "2024-06-25");
    set(
        &mut multiline,
        "CF_SY",
        "第一项：超限运输\r\n第二项：\t未按规定",
    );
    let file = write_csv(
        &dir,
        "control.csv",
        &[
            row("榕交执罚〔2024〕300号", "2024-06-25"),
            nul,
            esc,
            multiline,
        ],
    );
    let mut o = options(june30);
    o.accept_valid = true;
    let outcome = import(&store, &file, &o)
        .await
        .expect("a control character is a rejected row, not a failed import");
    assert!(outcome.committed);
    assert_eq!((outcome.report.accepted, outcome.report.rejected), (2, 2));
    let errors: Vec<(usize, &str, &str)> = outcome
        .report
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        errors,
        vec![
            (2, "CF_SY", "control_character"),
            (3, "CF_XDR_MC", "control_character")
        ]
    );
    assert!(
        outcome.report.errors[0].message.contains("U+0000"),
        "{}",
        outcome.report.errors[0].message
    );
    let key = xyjt_core::record::NaturalKey {
        category: RecordCategory::Penalty,
        doc_no: "榕交执罚〔2024〕303号".into(),
        authority_code: xyjt_core::ident::Uscc::parse(&common::authority_uscc()).unwrap(),
    };
    let stored = store.record_by_key(&key).await.unwrap().expect("stored");
    let xyjt_core::record::RecordBody::Penalty(p) = &stored.body else {
        panic!("not a penalty")
    };
    assert_eq!(p.facts, "第一项：超限运输\r\n第二项：\t未按规定");
}

#[tokio::test]
async fn sqlite_control_characters() {
    let dir = temp_dir("control-sqlite");
    let store = SqlStore::connect(&format!("sqlite://{}", dir.join("db.sqlite").display()))
        .await
        .unwrap();
    control_characters_story(store, dir).await;
}

#[tokio::test]
async fn postgres_control_characters() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("postgres_control_characters").await {
        let store = SqlStore::connect(&pg.url).await.unwrap();
        control_characters_story(store, temp_dir("control-postgres")).await;
        pg.drop().await;
    }
}

/// Header columns that name no field are not silently dropped: the report lists them.
#[tokio::test]
async fn the_report_names_the_ignored_columns() {
    let dir = temp_dir("run-ignored");
    let store = SqlStore::connect(&format!("sqlite://{}", dir.join("db.sqlite").display()))
        .await
        .unwrap();
    let mut r = row("榕交执罚〔2024〕201号", "2024-06-25");
    r.insert(0, ("序号", "1".into()));
    r.push(("审核状态", "已审核".into()));
    let file = write_csv(&dir, "extra.csv", &[r]);
    let mut o = options(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
    o.dry_run = true;
    let outcome = import(&store, &file, &o).await.unwrap();
    assert_eq!(outcome.report.accepted, 1);
    assert_eq!(outcome.report.ignored_columns, vec!["序号", "审核状态"]);
    let json = serde_json::to_value(&outcome.report).unwrap();
    assert_eq!(
        json["ignored_columns"],
        serde_json::json!(["序号", "审核状态"])
    );
}
