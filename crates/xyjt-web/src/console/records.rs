//! Record entry and file import: both become submissions waiting for review (maker-checker);
//! `intake` validates and files them.

use super::intake::{Offered, submit};
use super::{Answer, CsrfForm, CsrfUpload, allow, frame, invalid, show, unit_name};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::{Query, State};
use chrono::Utc;
use serde::Deserialize;
use std::collections::HashMap;
use xyjt_core::account::Action;
use xyjt_core::record::RecordCategory;

/// The largest file the console accepts (50 MiB); bigger files go through `xyjt import`.
pub(super) const MAX_UPLOAD: usize = 50 * 1024 * 1024;

/// The layout fields the entry form asks for, with a hint each; labels, "required" and lengths
/// come from the import's layout (`xyjt_import::specs`), so the form and the importer agree.
const PENALTY_FORM: &[(&str, &str)] = &[
    ("CF_XDR_MC", ""),
    ("CF_XDR_LB", "法人及非法人组织 / 自然人 / 个体工商户"),
    ("CF_XDR_SHXYM", "法人及个体工商户必填"),
    ("CF_FRDB", ""),
    ("CF_XDR_ZJLX", "自然人填写，如：身份证"),
    ("CF_XDR_ZJHM", "自然人填写"),
    ("CF_WSH", ""),
    ("CF_WFXW", ""),
    ("CF_SY", ""),
    ("CF_YJ", ""),
    ("CF_CFLB", "如：罚款；多个用“；”分隔"),
    ("CF_NR", ""),
    ("CF_NR_FK", "万元"),
    ("CF_JDRQ", "YYYY-MM-DD"),
    ("CF_YXQ", "YYYY-MM-DD"),
    ("CF_CFJG", ""),
    ("CF_CFJGDM", ""),
    ("CF_SJLY", ""),
    ("CF_SJLYDM", ""),
];

const LICENSE_FORM: &[(&str, &str)] = &[
    ("XK_XDR_MC", ""),
    ("XK_XDR_LB", "法人及非法人组织 / 自然人 / 个体工商户"),
    ("XK_XDR_SHXYM", "法人及个体工商户必填"),
    ("XK_FRDB", ""),
    ("XK_XKWS", ""),
    ("XK_WSH", ""),
    ("XK_XKLB", "普通 / 特许 / 认可 / 核准 / 登记 / 其他"),
    ("XK_XKZS", ""),
    ("XK_XKBH", ""),
    ("XK_NR", ""),
    ("XK_JDRQ", "YYYY-MM-DD"),
    ("XK_YXQZ", "YYYY-MM-DD"),
    ("XK_YXQZI", "YYYY-MM-DD；长期填 2099-12-31"),
    ("XK_XKJG", ""),
    ("XK_XKJGDM", ""),
    ("XK_LYDW", ""),
    ("XK_LYDWDM", ""),
];

/// The entry form of a category: each field's layout description and hint.
fn entry_form(category: RecordCategory) -> Vec<(&'static xyjt_import::FieldSpec, &'static str)> {
    let fields = if category == RecordCategory::License {
        LICENSE_FORM
    } else {
        PENALTY_FORM
    };
    fields
        .iter()
        .map(|(code, hint)| {
            let spec = xyjt_import::specs(category)
                .iter()
                .find(|s| s.code == *code)
                .expect("the entry form names fields of the layout");
            (spec, *hint)
        })
        .collect()
}

fn category_of(s: Option<&str>) -> RecordCategory {
    if s == Some("license") {
        RecordCategory::License
    } else {
        RecordCategory::Penalty
    }
}

/// The unit's own USCC, from its latest published record, to prefill the form.
async fn unit_code(state: &AppState, unit: &str) -> String {
    let page = state
        .store
        .public_records(&xyjt_store::PublicityQuery {
            on: state.today(),
            category: None,
            unit: Some(unit.to_string()),
            decided_from: None,
            decided_to: None,
            limit: 1,
            offset: 0,
        })
        .await;
    page.ok()
        .and_then(|p| p.items.first().map(|r| r.body.source_unit().1.to_string()))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "console/entry.html")]
struct EntryPage {
    frame: Frame,
    category: RecordCategory,
    fields: Vec<EntryField>,
}

/// One field of the entry form, prefilled.
struct EntryField {
    code: &'static str,
    label: &'static str,
    required: bool,
    max_chars: usize,
    value: String,
    hint: &'static str,
    textarea: bool,
}

#[derive(Deserialize)]
pub(super) struct EntryQuery {
    category: Option<String>,
}

pub(super) async fn entry_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<EntryQuery>,
) -> Answer {
    allow(&staff, Action::SubmitRecords, &staff.account.unit_id)?;
    let category = category_of(q.category.as_deref());
    let unit = unit_name(staff.org(), &staff.account.unit_id);
    let code = unit_code(&state, &unit).await;
    let fields = entry_form(category)
        .into_iter()
        .map(|(spec, hint)| EntryField {
            code: spec.code,
            label: spec.label,
            required: spec.required,
            max_chars: spec.max_chars,
            value: match spec.code {
                "CF_CFJG" | "CF_SJLY" | "XK_XKJG" | "XK_LYDW" => unit.clone(),
                "CF_CFJGDM" | "CF_SJLYDM" | "XK_XKJGDM" | "XK_LYDWDM" => code.clone(),
                "CF_XDR_LB" | "XK_XDR_LB" => "法人及非法人组织".into(),
                _ => String::new(),
            },
            hint,
            textarea: matches!(spec.code, "CF_SY" | "CF_NR" | "XK_NR"),
        })
        .collect();
    show(&EntryPage {
        frame: frame(&staff, "信息录入"),
        category,
        fields,
    })
}

/// The entry form as posted: its category and the layout's fields by code.
#[derive(Deserialize)]
pub(super) struct EntryForm {
    category: Option<String>,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

/// An entered record becomes a one-row CSV file in the layout (written by `csv::Writer`), filed
/// like an import: the importer's own reader reads it back, so the form and a file agree.
pub(super) async fn enter_record(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<EntryForm>,
) -> Answer {
    let category = category_of(f.category.as_deref());
    let form = entry_form(category);
    let row: Vec<&str> = form
        .iter()
        .map(|(spec, _)| f.fields.get(spec.code).map_or("", |v| v.trim()))
        .collect();
    let mut csv = csv::Writer::from_writer(Vec::new());
    let csv = csv
        .write_record(form.iter().map(|(spec, _)| spec.code))
        .and_then(|()| csv.write_record(&row))
        .and_then(|()| csv.into_inner().map_err(|e| e.into_error().into()))
        .map_err(|e| invalid(format!("录入内容无法生成文件：{e}")))?;
    let name = format!(
        "录入-{}-{}.csv",
        category.as_str(),
        Utc::now().format("%Y%m%d%H%M%S")
    );
    let file = Offered {
        category,
        source: "entry",
        name,
        bytes: csv.into(),
    };
    submit(&state, &staff, file).await
}

#[derive(Template)]
#[template(path = "console/import.html")]
struct ImportPage {
    frame: Frame,
}

pub(super) async fn import_page(staff: Staff) -> Answer {
    allow(&staff, Action::SubmitRecords, &staff.account.unit_id)?;
    show(&ImportPage {
        frame: frame(&staff, "文件导入"),
    })
}

pub(super) async fn import_file(State(state): State<AppState>, upload: CsrfUpload) -> Answer {
    let category = category_of(upload.field("category"));
    let Some((name, bytes)) = upload.file.filter(|(_, b)| !b.is_empty()) else {
        return Err(invalid("请选择要导入的文件（文件为空）"));
    };
    if bytes.len() > MAX_UPLOAD {
        return Err(invalid(format!(
            "文件超过 {} MB，请使用命令行 xyjt import",
            MAX_UPLOAD / 1024 / 1024
        )));
    }
    let file = Offered {
        category,
        source: "import",
        name,
        bytes,
    };
    submit(&state, &upload.staff, file).await
}
