//! 双公示 records from the command line: import, export, one record, statistics.

use super::*;

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum CategoryArg {
    Licenses,
    Penalties,
}

impl CategoryArg {
    pub(crate) fn category(self) -> xyjt_core::record::RecordCategory {
        match self {
            CategoryArg::Licenses => xyjt_core::record::RecordCategory::License,
            CategoryArg::Penalties => xyjt_core::record::RecordCategory::Penalty,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum HeaderArg {
    Codes,
    Zh,
}

#[derive(Subcommand)]
pub(crate) enum StatsCommand {
    /// 双公示 compliance (合规率) and timeliness (及时率) per reporting unit and month
    Shuanggongshi {
        #[command(flatten)]
        db: DbArg,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
        /// Only this month, YYYY-MM
        #[arg(long)]
        month: Option<String>,
        /// Only this reporting unit (USCC)
        #[arg(long)]
        unit: Option<String>,
    },
    /// On-time rates of objections and repairs per unit (按期办结率)
    Workflows(workflows::StatsArgs),
}

#[derive(Subcommand)]
pub(crate) enum RecordCommand {
    /// Show a record now, or as the platform knew it at a past date
    Show {
        #[command(flatten)]
        db: DbArg,
        id: String,
        /// YYYY-MM-DD (end of day, UTC) or an RFC 3339 time
        #[arg(long)]
        as_of: Option<String>,
    },
}

pub(crate) async fn record_show(db: &str, id: &str, as_of: Option<&str>) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let record = match as_of {
        None => store.record(id).await?,
        Some(s) => {
            let at = match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(t) => t.with_timezone(&chrono::Utc),
                Err(_) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .with_context(|| format!("--as-of “{s}” 不是日期"))?
                    .and_hms_micro_opt(23, 59, 59, 999_999)
                    .expect("valid time")
                    .and_utc(),
            };
            store.record_as_of(id, at).await?
        }
    };
    match record {
        Some(r) => {
            outln!("{}", serde_json::to_string_pretty(&r)?);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("记录 {id} 在该时间不存在");
            Ok(ExitCode::from(1))
        }
    }
}

pub(crate) async fn stats(
    db: &str,
    json: bool,
    month: Option<&str>,
    unit: Option<&str>,
) -> Result<ExitCode> {
    let store = xyjt_store::open(db).await?;
    let rows = xyjt_app::stats::stats_rows(store.as_ref(), month, unit).await?;
    let pct = |r: Option<f64>| r.map_or("—".to_string(), |r| format!("{:.2}%", r * 100.0));
    if json {
        for r in &rows {
            outln!("{}", serde_json::to_string(r)?);
        }
    } else {
        outln!(
            "月份\t类别\t数据来源单位\t统一社会信用代码\t接收\t入库\t退回\t迟报\t合规率\t及时率"
        );
        for r in &rows {
            let category = if r.category == "license" {
                "行政许可"
            } else {
                "行政处罚"
            };
            outln!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.month,
                category,
                r.unit_name,
                r.unit_code,
                r.received,
                r.accepted,
                r.rejected,
                r.late,
                pct(r.compliance_rate),
                pct(r.timeliness_rate)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn import(
    db: &str,
    file: &std::path::Path,
    options: &xyjt_import::ImportOptions,
    policies: &xyjt_core::policies::Policies,
    report_path: Option<&std::path::Path>,
) -> Result<ExitCode> {
    use xyjt_import::{ImportError, ImportReport};
    let store = xyjt_store::open(db).await?;
    let (calendar, policy) = (&policies.calendar, &policies.publicity);
    // A spinner on a terminal; indicatif draws nothing when stderr is not one.
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} 已读取 {pos} 行 ({per_sec}) {elapsed}")
            .expect("a valid template"),
    );
    let mut progress = |n: usize| {
        if n.is_multiple_of(1000) {
            bar.set_position(n as u64);
        }
    };
    let result = xyjt_import::run_import(
        store.as_ref(),
        file,
        options,
        calendar,
        policy,
        &mut progress,
    )
    .await;
    bar.finish_and_clear();
    let (report, outcome) = match result {
        Ok(outcome) => (outcome.report.clone(), Some(outcome)),
        Err(ImportError::File(e)) => {
            // The file itself cannot be read: nothing was written; say why, in the report too.
            eprintln!("导入失败：{}：{e}", file.display());
            (
                ImportReport {
                    total: 0,
                    accepted: 0,
                    rejected: 0,
                    late: 0,
                    errors: vec![xyjt_import::FieldError {
                        row: 0,
                        field: String::new(),
                        code: "file".into(),
                        message: e.to_string(),
                    }],
                    late_rows: Vec::new(),
                    ignored_columns: Vec::new(),
                },
                None,
            )
        }
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    if let Some(path) = report_path {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("写入报告 {}", path.display()))?;
    }
    if let Some(o) = &outcome {
        outln!(
            "共 {} 行：有效 {}，无效 {}，迟报 {}；新增 {}，更正 {}，未变 {}",
            report.total,
            report.accepted,
            report.rejected,
            report.late,
            o.published,
            o.corrected,
            o.unchanged
        );
        let state = if options.dry_run {
            "试运行：未写入任何数据".to_string()
        } else if o.committed {
            "已写入账本".to_string()
        } else {
            "存在无效行，整个文件未写入（可改正后重新导入，或使用 --accept-valid 只写入有效行）"
                .to_string()
        };
        outln!("{state}");
        if !report.ignored_columns.is_empty() {
            let shown: Vec<&str> = report
                .ignored_columns
                .iter()
                .take(20)
                .map(String::as_str)
                .collect();
            let more = report.ignored_columns.len() - shown.len();
            outln!(
                "表头中有 {} 列不是国家标准格式的字段，已忽略：{}{}",
                report.ignored_columns.len(),
                shown.join("、"),
                if more > 0 {
                    format!(" ……另有 {more} 列，见报告文件")
                } else {
                    String::new()
                }
            );
        }
        for e in report.errors.iter().take(20) {
            outln!("  第 {} 行 {} [{}]：{}", e.row, e.field, e.code, e.message);
        }
        if report.errors.len() > 20 {
            outln!("  ……另有 {} 条错误，见报告文件", report.errors.len() - 20);
        }
        if let Some(r) = &o.rejects_file {
            outln!(
                "无效行已写入 {}（增加“错误原因”列，改正后可重新导入）",
                r.display()
            );
        }
    }
    Ok(if outcome.is_some() && report.rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn export(
    db: &str,
    category: xyjt_core::record::RecordCategory,
    out: &std::path::Path,
    on: NaiveDate,
    unit: Option<String>,
    header: HeaderArg,
    full_ids: bool,
) -> Result<ExitCode> {
    use xyjt_import::{ExportFormat, Exporter, HeaderStyle};
    let store = xyjt_store::open(db).await?;
    let format = match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("xlsx") => ExportFormat::Xlsx,
        _ => ExportFormat::Csv,
    };
    let header = match header {
        HeaderArg::Codes => HeaderStyle::Codes,
        HeaderArg::Zh => HeaderStyle::Chinese,
    };
    let audience = if full_ids {
        xyjt_core::mask::Audience::Owner
    } else {
        xyjt_core::mask::Audience::Government
    };
    let mut exporter = Exporter::create(out, format, category, header, audience)?;
    let mut query = xyjt_store::PublicityQuery {
        on,
        category: Some(category),
        unit,
        decided_from: None,
        decided_to: None,
        limit: 2_000,
        offset: 0,
    };
    loop {
        let page = store.public_records(&query).await?;
        for r in &page.items {
            exporter.write(r)?;
        }
        query.offset += query.limit;
        if page.items.len() < query.limit as usize {
            break;
        }
    }
    let n = exporter.finish()?;
    outln!("已导出 {n} 条{}到 {}", category.label(), out.display());
    Ok(ExitCode::SUCCESS)
}
