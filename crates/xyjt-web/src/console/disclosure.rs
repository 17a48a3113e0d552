//! 政务公开 in the console: drafting catalogue items (with one attachment, the negative list
//! checked first), the office's review inbox and sign-off (保密审查、签字确认), an item's page
//! with its publication deadline explained, 规范性文件 清理 decisions, comments received on a
//! draft decision and its adoption summary, on-time publication per unit, and the annual report
//! preview. The services are `xyjt_app::disclosure`, which decide who may do what:
//!
//! - drafting: 录入员 of the unit (or of a unit above it);
//! - sign-off, 清理 and adoption: 审核员 of the bureau the item's unit belongs to (the bureau
//!   stands for its 局办公室), never the drafter;
//! - reading: staff see the items of their unit and the units below it (404 outside).

use super::{Answer, CsrfForm, CsrfUpload, OrPage, err_page, frame, see_other, show, unit_name};
use crate::AppState;
use crate::auth::{Staff, urlencode};
use crate::html::Frame;
use crate::portal::disclosure::{ReportView, report_for};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use xyjt_app::disclosure::{
    self as dc, AdoptionInput, CleanupInput, DraftInput, SignOffInput, Upload,
};
use xyjt_app::{AppError, ErrorKind};
use xyjt_core::account::Role;
use xyjt_core::disclosure::{ItemState, ItemStatus};

/// An item as the console lists it.
struct ItemRow {
    link: String,
    title: String,
    column: String,
    unit: String,
    status: &'static str,
    index_no: String,
    deadline: String,
    /// `ok`, `bad` or empty: the deadline's colour.
    class: &'static str,
}

fn item_row(state: &AppState, s: &ItemState) -> ItemRow {
    let ctx = state.ctx();
    let (deadline, class) = match dc::deadline_text(&ctx, s) {
        Some((label, _, due)) => {
            let class = match label.as_str() {
                "按期公开" => "ok",
                "逾期公开" | "已逾期" | "临期" => "bad",
                _ => "",
            };
            (format!("{label}（期限 {due}）"), class)
        }
        None => (String::new(), ""),
    };
    ItemRow {
        link: urlencode(&s.item.id),
        title: s.item.title.clone(),
        column: state
            .policies
            .disclosure
            .column(&s.item.column)
            .map(|(c, col)| format!("{} / {}", c.label, col.label))
            .unwrap_or_else(|| s.item.column.clone()),
        unit: unit_name(&state.policies.org, &s.item.unit),
        status: s.status.label(),
        index_no: s
            .index_no
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        deadline,
        class,
    }
}

struct RateRow {
    unit: String,
    clocks: u64,
    on_time: u64,
    late: u64,
    overdue: u64,
    rate: String,
}

/// The draft form's values (kept when the service refuses a field).
#[derive(Default, Clone)]
struct FormValues {
    /// A returned item being redrafted.
    item_id: String,
    column: String,
    title: String,
    doc_no: String,
    written_on: String,
    keywords: String,
    summary: String,
    body: String,
    openness: String,
    deadline_from: String,
    comment_until: String,
}

struct ColumnOption {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "console/disclosure.html")]
struct ListPage {
    frame: Frame,
    may_draft: bool,
    columns: Vec<ColumnOption>,
    form: FormValues,
    error: String,
    inbox: Vec<ItemRow>,
    mine: Vec<ItemRow>,
    rates: Vec<RateRow>,
    last_year: i32,
}

async fn list_answer(
    state: &AppState,
    staff: &Staff,
    form: FormValues,
    error: Option<AppError>,
) -> Answer {
    let ctx = state.ctx();
    let inbox = dc::review_inbox(&ctx, &staff.account).await.or_page()?;
    let mine = dc::staff_items(&ctx, &staff.account, None)
        .await
        .or_page()?;
    let rates = dc::on_time(&ctx)
        .await
        .or_page()?
        .into_iter()
        .filter(|r| {
            state
                .policies
                .org
                .is_within(&r.unit, &staff.account.unit_id)
        })
        .map(|r| RateRow {
            unit: unit_name(&state.policies.org, &r.unit),
            clocks: r.clocks,
            on_time: r.done_on_time,
            late: r.done_late,
            overdue: r.overdue,
            rate: r
                .on_time_rate
                .map(|x| format!("{:.1}%", x * 100.0))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let is_office = staff.account.roles.contains(&Role::Reviewer)
        && state.policies.org.bureau_of(&staff.account.unit_id) == staff.account.unit_id;
    let page = ListPage {
        frame: frame(staff, "政务公开"),
        may_draft: staff.account.roles.contains(&Role::Clerk),
        columns: state
            .policies
            .disclosure
            .categories
            .iter()
            .flat_map(|c| {
                c.columns.iter().map(|col| ColumnOption {
                    id: col.id.clone(),
                    label: format!("{} / {}", c.label, col.label),
                })
            })
            .collect(),
        form,
        error: error.map(|e| e.message).unwrap_or_default(),
        inbox: if is_office {
            inbox.iter().map(|s| item_row(state, s)).collect()
        } else {
            Vec::new()
        },
        mine: mine.iter().map(|s| item_row(state, s)).collect(),
        rates,
        last_year: state.today().year() - 1,
    };
    show(&page)
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    /// A returned item to redraft: the form starts from its values.
    #[serde(default)]
    redraft: Option<String>,
}

/// `GET /console/disclosure`: the review inbox, the items in scope, the draft form (filled from
/// a returned item with `?redraft=ID`), on-time rates.
pub(super) async fn list_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Answer {
    let mut form = FormValues::default();
    if let Some(id) = q.redraft.as_deref().filter(|s| !s.is_empty()) {
        let s = dc::staff_item(&state.ctx(), &staff.account, id)
            .await
            .or_page()?;
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        form = FormValues {
            item_id: s.item.id.clone(),
            column: s.item.column.clone(),
            title: s.item.title.clone(),
            doc_no: s.item.doc_no.clone(),
            written_on: s.item.written_on.to_string(),
            keywords: s.item.keywords.join(" "),
            summary: s.item.summary.clone(),
            body: s.item.body.clone(),
            openness: s.item.openness.label().to_string(),
            deadline_from: date(s.item.deadline.as_ref().map(|d| d.from_on)),
            comment_until: date(s.item.comment_until),
        };
    }
    list_answer(&state, &staff, form, None).await
}

fn date_field(name: &str, v: &str) -> Result<Option<NaiveDate>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| {
        AppError::invalid(format!("{name}“{v}”不是日期（YYYY-MM-DD）"))
            .with_detail(serde_json::json!({"field": name}))
    })
}

/// `POST /console/disclosure` (multipart): drafts an item; a refusal (a field, a negative-list
/// hit) is shown on the form.
pub(super) async fn draft(State(state): State<AppState>, upload: CsrfUpload) -> Answer {
    let text = |n: &str| upload.field(n).unwrap_or("").to_string();
    let form = FormValues {
        item_id: text("item_id"),
        column: text("column"),
        title: text("title"),
        doc_no: text("doc_no"),
        written_on: text("written_on"),
        keywords: text("keywords"),
        summary: text("summary"),
        body: text("body"),
        openness: text("openness"),
        deadline_from: text("deadline_from"),
        comment_until: text("comment_until"),
    };
    let staff = &upload.staff;
    let parsed = (|| {
        Ok::<_, AppError>(DraftInput {
            item_id: upload.text("item_id").map(str::to_string),
            unit: None,
            column: form.column.clone(),
            title: form.title.clone(),
            doc_no: form.doc_no.clone(),
            written_on: date_field("成文日期", &form.written_on)?
                .ok_or_else(|| AppError::invalid("成文日期不能为空"))?,
            keywords: form.keywords.clone(),
            summary: form.summary.clone(),
            body: form.body.clone(),
            openness: Some(form.openness.clone()),
            deadline_from: date_field("起算日期", &form.deadline_from)?,
            comment_until: date_field("征求意见截止日期", &form.comment_until)?,
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(e) => return list_answer(&state, staff, form, Some(e)).await,
    };
    let uploads: Vec<Upload> = upload
        .file
        .iter()
        .filter(|(_, bytes)| !bytes.is_empty())
        .map(|(name, bytes)| Upload {
            file_name: name.clone(),
            bytes: bytes.to_vec(),
        })
        .collect();
    match dc::draft(&state.ctx(), &staff.account, &input, &uploads).await {
        Ok(s) => see_other(&format!(
            "/console/disclosure/items/{}",
            urlencode(&s.item.id)
        )),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => {
            list_answer(&state, staff, form, Some(e)).await
        }
        Err(e) => Err(err_page(e.into())),
    }
}

struct ReviewRow {
    by: String,
    on: String,
    result: &'static str,
    conclusion: String,
    hits: Vec<String>,
}

struct CommentRow {
    on: String,
    channel: String,
    text: String,
}

#[derive(Template)]
#[template(path = "console/disclosure_item.html")]
struct ItemPage {
    frame: Frame,
    row: ItemRow,
    s: ItemState,
    keywords: String,
    deadline_rule: String,
    deadline_explanation: String,
    hits: Vec<String>,
    reviews: Vec<ReviewRow>,
    comments: Vec<CommentRow>,
    files: Vec<(String, String)>,
    may_sign: bool,
    may_clean: bool,
    may_adopt: bool,
    may_redraft: bool,
    public_link: String,
}

/// `GET /console/disclosure/items/{id}`: an item in scope, its review history, its deadline,
/// and the forms its state allows.
pub(super) async fn item_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Answer {
    let ctx = state.ctx();
    let s = dc::staff_item(&ctx, &staff.account, &id).await.or_page()?;
    let policy = &state.policies.disclosure;
    let column = policy.column(&s.item.column).map(|(_, c)| c.clone());
    let office = staff.account.roles.contains(&Role::Reviewer)
        && state.policies.org.bureau_of(&s.item.unit) == staff.account.unit_id
        && staff.actor() != s.item.drafted_by;
    let hits = if s.status == ItemStatus::Draft {
        policy
            .negative_hits(&s.item.texts())
            .iter()
            .map(|h| h.reason())
            .collect()
    } else {
        Vec::new()
    };
    let link = urlencode(&s.item.id);
    let page = ItemPage {
        frame: frame(&staff, &s.item.title),
        row: item_row(&state, &s),
        keywords: s.item.keywords.join(" "),
        deadline_rule: s
            .item
            .deadline
            .as_ref()
            .map(|d| d.rule.clone())
            .unwrap_or_default(),
        deadline_explanation: dc::deadline_text(&ctx, &s)
            .map(|(_, e, _)| e)
            .unwrap_or_default(),
        hits,
        reviews: s
            .reviews
            .iter()
            .map(|r| ReviewRow {
                by: r.by.clone(),
                on: r.on.to_string(),
                result: if r.approved {
                    "同意公开"
                } else {
                    "退回修改"
                },
                conclusion: r.conclusion.clone(),
                hits: r.hits.iter().map(|h| h.reason()).collect(),
            })
            .collect(),
        comments: s
            .comments
            .iter()
            .map(|c| CommentRow {
                on: c.received_on.to_string(),
                channel: c.channel.clone(),
                text: c.text.clone(),
            })
            .collect(),
        files: s
            .item
            .attachments
            .iter()
            .map(|a| {
                (
                    a.file_name.clone(),
                    format!(
                        "/console/disclosure/items/{link}/files/{}",
                        urlencode(&a.sha256)
                    ),
                )
            })
            .collect(),
        may_sign: office && s.status == ItemStatus::Draft,
        may_clean: office
            && s.status == ItemStatus::Published
            && s.validity == xyjt_core::disclosure::Validity::Valid
            && column.as_ref().is_some_and(|c| c.normative),
        may_adopt: staff.account.roles.contains(&Role::Reviewer)
            && s.status == ItemStatus::Published
            && s.adoption.is_none()
            && s.item.comment_until.is_some_and(|u| state.today() > u),
        may_redraft: s.status == ItemStatus::Returned && staff.account.roles.contains(&Role::Clerk),
        public_link: if s.is_public() {
            format!("/disclosure/items/{link}")
        } else {
            String::new()
        },
        s,
    };
    show(&page)
}

/// `GET /console/disclosure/items/{id}/files/{sha}`: an attachment of an item in scope.
pub(super) async fn file(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, sha)): Path<(String, String)>,
) -> Answer {
    let ctx = state.ctx();
    let s = dc::staff_item(&ctx, &staff.account, &id).await.or_page()?;
    let a = s
        .item
        .attachments
        .iter()
        .find(|a| a.sha256 == sha)
        .ok_or_else(|| err_page(AppError::not_found("附件不存在").into()))?;
    let (_, bytes) = state
        .store
        .attachment(&a.sha256)
        .await
        .or_page()?
        .ok_or_else(|| err_page(AppError::not_found("附件不存在").into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", urlencode(&a.file_name)),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub(super) struct SignForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    conclusion: String,
}

fn back(id: &str) -> String {
    format!("/console/disclosure/items/{}", urlencode(id))
}

/// `POST /console/disclosure/items/{id}/sign-off`: 同意公开 or 退回修改.
pub(super) async fn sign_off(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<SignForm>,
) -> Answer {
    let approved = match f.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(super::invalid("请选择“同意公开”或“退回修改”")),
    };
    dc::sign_off(
        &state.ctx(),
        &staff.account,
        &id,
        &SignOffInput {
            approved,
            conclusion: f.conclusion,
        },
    )
    .await
    .or_page()?;
    see_other(&back(&id))
}

#[derive(Deserialize)]
pub(super) struct CleanForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/disclosure/items/{id}/cleanup`: a 清理 decision on a 规范性文件.
pub(super) async fn cleanup(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<CleanForm>,
) -> Answer {
    dc::clean(
        &state.ctx(),
        &staff.account,
        &id,
        &CleanupInput {
            decision: f.decision,
            reason: f.reason,
        },
    )
    .await
    .or_page()?;
    see_other(&back(&id))
}

#[derive(Deserialize)]
pub(super) struct AdoptForm {
    #[serde(default)]
    adopted: String,
    #[serde(default)]
    not_adopted: String,
}

/// `POST /console/disclosure/items/{id}/adoption`: the adoption summary of a draft decision.
pub(super) async fn adoption(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<AdoptForm>,
) -> Answer {
    dc::adopt(
        &state.ctx(),
        &staff.account,
        &id,
        &AdoptionInput {
            adopted: f.adopted,
            not_adopted: f.not_adopted,
        },
    )
    .await
    .or_page()?;
    see_other(&back(&id))
}

#[derive(Template)]
#[template(path = "console/disclosure_report.html")]
struct ReportPage {
    frame: Frame,
    v: ReportView,
    year: i32,
    status: String,
    may_publish: bool,
}

#[derive(Deserialize)]
pub(super) struct ReportQuery {
    #[serde(default)]
    year: Option<i32>,
}

/// `GET /console/disclosure/report?year=YYYY`: the annual report's preview.
pub(super) async fn report_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ReportQuery>,
) -> Answer {
    let year = q.year.unwrap_or(state.today().year() - 1);
    let (r, status) = report_for(&state, year).await.or_page()?;
    let published = dc::published_report(&state.ctx(), year)
        .await
        .or_page()?
        .is_some();
    let root = state
        .policies
        .org
        .units
        .iter()
        .find(|u| u.parent.is_none())
        .map(|u| u.id.clone())
        .unwrap_or_default();
    let page = ReportPage {
        frame: frame(&staff, "年度报告预览"),
        v: ReportView::new(r),
        year,
        status,
        may_publish: !published
            && year < state.today().year()
            && staff.account.roles.contains(&Role::Reviewer)
            && staff.account.unit_id == root,
    };
    show(&page)
}

#[derive(Deserialize)]
pub(super) struct PublishForm {
    #[serde(default)]
    year: String,
}

/// `POST /console/disclosure/report/publish`: publishes a finished year's report (the identity
/// checked by the service).
pub(super) async fn publish_report(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<PublishForm>,
) -> Answer {
    let year: i32 = f
        .year
        .trim()
        .parse()
        .map_err(|_| super::invalid("年度无效"))?;
    dc::publish_report(&state.ctx(), &staff.account, year)
        .await
        .or_page()?;
    see_other(&format!("/console/disclosure/report?year={year}"))
}
