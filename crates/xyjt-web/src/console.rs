//! The staff console (`/console`): sign-in, dashboards, record entry and file import with
//! maker-checker review, workflow inboxes, name lists, check history, audit trail, accounts.
//!
//! Every write goes through `xyjt_core::account::authorize` (role and unit) and carries the
//! session's CSRF token; the ledger records the actor (`user:LOGIN`) of each event it causes.

// Page handlers fail with a ready response (a redirect, a 403 page); it is built once per
// request, so its size does not matter.
#![allow(clippy::result_large_err)]

use crate::AppState;
use crate::auth::{self, Staff, forbidden};
use crate::error::ApiError;
use crate::pages::{esc, urlencode};
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use xyjt_app::accounts::{account_event, validate_account};
use xyjt_core::account::{Account, Action, Denied, Role, authorize, authorize_review};
use xyjt_core::cases::{DeadlinePolicy, OrgTree};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::record::RecordCategory;
use xyjt_core::submission::{Submission, SubmissionStatus};
use xyjt_core::workflow::ClockStatus;

type Fields = HashMap<String, String>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console", get(dashboard))
        .route("/console/records/new", get(entry_page))
        .route("/console/records", post(enter_record))
        .route(
            "/console/import",
            get(import_page)
                .post(import_file)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route("/console/submissions", get(submissions_page))
        .route("/console/submissions/{id}", get(submission_page))
        .route("/console/submissions/{id}/review", post(review_submission))
        .route("/console/files/{sha}", get(download))
        .route("/console/applications", get(inbox_page))
        .route("/console/applications/{number}", get(application_page))
        .route(
            "/console/applications/{number}/steps",
            post(application_step),
        )
        .route("/console/lists", get(lists_page))
        .route("/console/lists/{id}/review", post(review_entry))
        .route("/console/lists/{id}/end", post(end_entry))
        .route("/console/policy", get(policy_page).post(adopt_policy))
        .route("/console/policy/export.json", get(export_policy))
        .route("/console/checks", get(checks_page))
        .route("/console/audit", get(audit_page))
        .route("/console/accounts", get(accounts_page).post(create_account))
        .route("/console/password", post(change_password))
        .route("/console/tokens", post(issue_token))
}

fn tree() -> &'static OrgTree {
    OrgTree::builtin()
}

fn unit_name(tree: &OrgTree, id: &str) -> String {
    tree.unit(id)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// The organisation-tree id of a unit named in data; units outside the tree belong to the root.
fn unit_id_of(tree: &OrgTree, name: &str) -> String {
    tree.by_name(name)
        .map(|u| u.id.clone())
        .or_else(|| {
            tree.units
                .iter()
                .find(|u| u.parent.is_none())
                .map(|u| u.id.clone())
        })
        .unwrap_or_default()
}

/// Where an account's views reach: a manager's whole bureau, otherwise its own unit.
fn scope_root(tree: &OrgTree, account: &Account) -> String {
    if account
        .roles
        .iter()
        .any(|r| matches!(r, Role::CreditAdmin | Role::SysAdmin))
    {
        tree.bureau_of(&account.unit_id)
    } else {
        account.unit_id.clone()
    }
}

fn deny(d: Denied) -> Response {
    forbidden(&d.to_string())
}

/// A refused or failed console request as a page (the console is HTML, not the JSON API):
/// the status, the Chinese message and every detail, and a way back.
fn err_page(e: ApiError) -> Response {
    let details: String = e
        .details
        .iter()
        .map(|d| format!("<li>{}</li>", esc(&d.to_string())))
        .collect();
    let body = format!(
        "<h1>操作未完成</h1><p class=\"bad\" id=\"error\">{}</p>{}\
         <p>请返回上一页修改后重试，或回到<a href=\"/console\">工作台</a>。</p>",
        esc(&e.message),
        if details.is_empty() {
            String::new()
        } else {
            format!("<ul>{details}</ul>")
        }
    );
    (e.status, crate::pages::layout("操作未完成", &body)).into_response()
}

/// The console's frame: navigation, who is signed in, sign-out.
fn page(staff: &Staff, title: &str, body: &str) -> Html<String> {
    crate::html::render(&crate::html::RawConsolePage {
        frame: frame(staff, title),
        body,
    })
}

/// The console frame's facts for `staff`.
fn frame(staff: &Staff, title: &str) -> crate::html::Frame {
    let roles: Vec<&str> = staff.account.roles.iter().map(|r| r.label()).collect();
    crate::html::Frame {
        title: title.to_string(),
        name: staff.account.name.clone(),
        unit: unit_name(tree(), &staff.account.unit_id),
        roles: roles.join("、"),
        csrf: staff.csrf.clone(),
    }
}

fn csrf_field(staff: &Staff) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&staff.csrf)
    )
}

// ---------------------------------------------------------------------------------------------
// Sign-in.

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    match next {
        // Only paths inside the console: never an open redirect.
        Some(n) if n.starts_with("/console") && !n.starts_with("//") => n.to_string(),
        _ => "/console".into(),
    }
}

fn login_form(next: &str, token: &str, message: Option<&str>) -> Html<String> {
    crate::pages::layout(
        "登录管理后台",
        &format!(
            "<h1>管理后台登录</h1>{}<form class=\"stack\" method=\"post\" action=\"/console/login\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"next\" value=\"{}\">\
             <label>账号<input name=\"login\" id=\"login\" autocomplete=\"username\" required></label>\
             <label>密码<input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button type=\"submit\" id=\"signin\">登录</button></form>",
            message
                .map(|m| format!("<p class=\"bad\" id=\"login-error\">{}</p>", esc(m)))
                .unwrap_or_default(),
            esc(token),
            esc(next)
        ),
    )
}

async fn login_page(Query(q): Query<NextQuery>) -> Response {
    let token = auth::new_token();
    auth::html_with_cookie(
        auth::form_cookie(&token),
        login_form(&safe_next(q.next.as_deref()), &token, None),
    )
}

async fn login(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let next = safe_next(f.get("next").map(String::as_str));
    let cookie = auth::cookie(&headers, auth::FORM_COOKIE).unwrap_or_default();
    if !auth::same_token(&cookie, &get("csrf")) {
        return forbidden("登录表单已过期（CSRF 校验失败），请刷新页面后重试");
    }
    match auth::sign_in(&state, &get("login"), &get("password")).await {
        Ok(Some(session_cookie)) => {
            tracing::info!(login = %get("login"), "console sign-in");
            ([(header::SET_COOKIE, session_cookie)], Redirect::to(&next)).into_response()
        }
        Ok(None) => {
            // Not the login typed: it may be anything, a person's ID number included.
            tracing::info!("console sign-in refused");
            let token = auth::new_token();
            (
                StatusCode::UNAUTHORIZED,
                [(header::SET_COOKIE, auth::form_cookie(&token))],
                login_form(&next, &token, Some("账号或密码不正确")),
            )
                .into_response()
        }
        Err(e) => err_page(e),
    }
}

async fn logout(State(state): State<AppState>, staff: Staff, Form(f): Form<Fields>) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let _ = state.store.delete_session(&staff.session_hash).await;
    (
        [(header::SET_COOKIE, auth::clear_session_cookie())],
        Redirect::to("/console/login"),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Dashboard with charts.

/// A horizontal bar chart as inline SVG: one bar per item, values as fractions of `max`.
pub fn bar_chart(title: &str, items: &[(String, f64)], max: f64, percent: bool) -> String {
    let row = 26;
    let height = row * items.len().max(1) + 30;
    let mut svg = format!(
        "<figure class=\"card\"><figcaption><strong>{}</strong></figcaption>\
         <svg viewBox=\"0 0 480 {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(title)
    );
    if items.is_empty() {
        svg.push_str("<text x=\"10\" y=\"20\" font-size=\"13\">暂无数据</text>");
    }
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 10 + i * row;
        let width = if max > 0.0 {
            (value / max).clamp(0.0, 1.0) * 220.0
        } else {
            0.0
        };
        let text = if percent {
            format!("{:.1}%", value * 100.0)
        } else {
            format!("{value:.0}")
        };
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>\
             <rect x=\"190\" y=\"{y}\" width=\"{width:.1}\" height=\"18\" fill=\"#0b4a8b\"></rect>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{}</text>",
            y + 14,
            esc(&label.chars().take(16).collect::<String>()),
            195.0 + width,
            y + 14,
            esc(&text)
        ));
    }
    svg.push_str("</svg></figure>");
    svg
}

async fn dashboard(State(state): State<AppState>, staff: Staff) -> Result<Html<String>, Response> {
    let today = state.today();
    let tree = tree();
    let scope = tree.scope_names(&scope_root(tree, &staff.account));
    let store = state.store.as_ref();
    let stats = crate::routes::stats_rows(store, None, None)
        .await
        .map_err(|e| err_page(e.into()))?;
    // 双公示 by unit (all months) and by month (all units).
    let mut by_unit: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut by_month: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for r in &stats {
        for (map, key) in [
            (&mut by_unit, r.unit_name.clone()),
            (&mut by_month, r.month.clone()),
        ] {
            let e = map.entry(key).or_default();
            e.0 += r.received;
            e.1 += r.accepted;
            e.2 += r.late;
        }
    }
    let rate = |(received, accepted, _): &(i64, i64, i64)| {
        if *received > 0 {
            *accepted as f64 / *received as f64
        } else {
            0.0
        }
    };
    let timely = |(_, accepted, late): &(i64, i64, i64)| {
        if *accepted > 0 {
            (*accepted - *late) as f64 / *accepted as f64
        } else {
            0.0
        }
    };
    let units_compliance: Vec<(String, f64)> =
        by_unit.iter().map(|(k, v)| (k.clone(), rate(v))).collect();
    let units_timely: Vec<(String, f64)> = by_unit
        .iter()
        .map(|(k, v)| (k.clone(), timely(v)))
        .collect();
    let months: Vec<(String, f64)> = by_month
        .iter()
        .rev()
        .take(12)
        .rev()
        .map(|(k, v)| (k.clone(), timely(v)))
        .collect();
    // List sizes at each of the last 12 month ends.
    let entries = store
        .list_entries(None)
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut sizes = Vec::new();
    for back in (0..12).rev() {
        let first =
            NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("a month's first day");
        let day = (0..back).fold(first, |d, _| {
            (d - chrono::Duration::days(1)).with_day(1).expect("first")
        });
        let end = if back == 0 {
            today
        } else {
            (day + chrono::Months::new(1)) - chrono::Duration::days(1)
        };
        let active = |list: &str| {
            entries
                .iter()
                .filter(|e| xyjt_core::check::list_key(&e.entry.list) == list)
                .filter(|e| e.published_on.is_some_and(|p| p <= end))
                .filter(|e| {
                    e.entry.entry_date <= end && e.entry.valid_until.is_none_or(|u| end <= u)
                })
                .filter(|e| e.ended.is_none_or(|(_, on)| on > end))
                .count() as f64
        };
        sizes.push((
            format!("{} 黑/重点/红", end.format("%Y-%m")),
            active("black"),
            active("watch"),
            active("red"),
        ));
    }
    let max_size = sizes.iter().map(|s| s.1 + s.2 + s.3).fold(0.0, f64::max);
    let list_bars: Vec<(String, f64)> = sizes
        .iter()
        .map(|(m, b, w, r)| (format!("{m} {b:.0}/{w:.0}/{r:.0}"), b + w + r))
        .collect();
    let apps = store
        .applications(&xyjt_store::AppQuery::default())
        .await
        .map_err(|e| err_page(e.into()))?;
    let policy = DeadlinePolicy::builtin();
    let wstats = crate::remedies::workflow_stats(&apps, &state.calendar, today, policy.near_due);
    let wf_bars: Vec<(String, f64)> = wstats
        .iter()
        .filter_map(|r| {
            r.on_time_rate.map(|x| {
                (
                    format!(
                        "{}·{}",
                        r.unit,
                        if r.kind == "repair" {
                            "修复"
                        } else {
                            "异议"
                        }
                    ),
                    x,
                )
            })
        })
        .collect();
    let pending = store
        .submissions(Some("pending"), 500)
        .await
        .map_err(|e| err_page(e.into()))?;
    let pending_here = pending
        .iter()
        .filter(|s| tree.is_within(&s.submission.unit_id, &scope_root(tree, &staff.account)))
        .count();
    let open_here: Vec<_> = apps
        .iter()
        .filter(|a| a.status.is_open() && scope.contains(&a.unit))
        .collect();
    let overdue_here = open_here
        .iter()
        .filter(|a| a.is_overdue(&state.calendar, today, policy.near_due))
        .count();
    let body = format!(
        "<h1>工作台</h1><div class=\"grid\">\
         <div class=\"card\">待审核报送<div class=\"stat\" id=\"pending-count\">{pending_here}</div><a href=\"/console/submissions\">去审核</a></div>\
         <div class=\"card\">办理中的异议和修复<div class=\"stat\">{}</div><a href=\"/console/applications\">查看</a></div>\
         <div class=\"card\">已逾期<div class=\"stat bad\">{overdue_here}</div></div></div>\
         <div class=\"charts\">{}{}{}{}{}</div>",
        open_here.len(),
        bar_chart(
            "双公示合规率（按数据来源单位）",
            &units_compliance,
            1.0,
            true
        ),
        bar_chart("双公示及时率（按数据来源单位）", &units_timely, 1.0, true),
        bar_chart("双公示及时率（按月）", &months, 1.0, true),
        bar_chart(
            "名单规模（月末在册：黑名单/重点关注/红名单）",
            &list_bars,
            max_size,
            false
        ),
        bar_chart("异议与修复按期办结率（按单位）", &wf_bars, 1.0, true),
    );
    Ok(page(&staff, "工作台", &body))
}

// ---------------------------------------------------------------------------------------------
// Record entry and file import: both become submissions waiting for review.

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

#[derive(serde::Deserialize)]
struct EntryQuery {
    category: Option<String>,
}

fn category_of(s: Option<&str>) -> RecordCategory {
    if s == Some("license") {
        RecordCategory::License
    } else {
        RecordCategory::Penalty
    }
}

/// The unit's own name and USCC, from its latest published record, to prefill the form.
async fn unit_defaults(state: &AppState, unit: &str) -> (String, String) {
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
    let code = page
        .ok()
        .and_then(|p| p.items.first().map(|r| r.body.source_unit().1.to_string()))
        .unwrap_or_default();
    (unit.to_string(), code)
}

async fn entry_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<EntryQuery>,
) -> Response {
    if let Err(d) = authorize(
        &staff.account,
        Action::SubmitRecords,
        &staff.account.unit_id,
        tree(),
    ) {
        return deny(d);
    }
    let category = category_of(q.category.as_deref());
    let (unit, code) = unit_defaults(&state, &unit_name(tree(), &staff.account.unit_id)).await;
    let mut fields = String::new();
    for (spec, hint) in entry_form(category) {
        let code_name = spec.code;
        let required = if spec.required { " required" } else { "" };
        let value = match code_name {
            "CF_CFJG" | "CF_SJLY" | "XK_XKJG" | "XK_LYDW" => unit.clone(),
            "CF_CFJGDM" | "CF_SJLYDM" | "XK_XKJGDM" | "XK_LYDWDM" => code.clone(),
            "CF_XDR_LB" | "XK_XDR_LB" => "法人及非法人组织".into(),
            _ => String::new(),
        };
        let input = if matches!(code_name, "CF_SY" | "CF_NR" | "XK_NR") {
            format!(
                "<textarea name=\"{code_name}\" id=\"{code_name}\" rows=\"2\" maxlength=\"{}\"{required}>{}</textarea>",
                spec.max_chars,
                esc(&value)
            )
        } else {
            format!(
                "<input name=\"{code_name}\" id=\"{code_name}\" value=\"{}\" placeholder=\"{}\" maxlength=\"{}\"{required}>",
                esc(&value),
                esc(hint),
                spec.max_chars
            )
        };
        fields.push_str(&format!(
            "<label>{}{}{input}</label>",
            esc(spec.label),
            if spec.required { " *" } else { "" }
        ));
    }
    let body = format!(
        "<h1>信息录入：{}</h1><p><a href=\"/console/records/new?category=penalty\">行政处罚</a> · \
         <a href=\"/console/records/new?category=license\">行政许可</a></p>\
         <p class=\"muted\">录入后提交本单位审核员审核，审核通过即发布（谁生产、谁审核、谁负责）。</p>\
         <form class=\"stack\" method=\"post\" action=\"/console/records\">{}<input type=\"hidden\" name=\"category\" value=\"{}\">{fields}\
         <button type=\"submit\" id=\"submit-entry\">提交审核</button></form>",
        category.label(),
        csrf_field(&staff),
        category.as_str()
    );
    page(&staff, "信息录入", &body).into_response()
}

async fn enter_record(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let category = category_of(f.get("category").map(String::as_str));
    let form = entry_form(category);
    let mut csv = csv::Writer::from_writer(Vec::new());
    let row: Vec<String> = form
        .iter()
        .map(|(spec, _)| {
            f.get(spec.code)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        })
        .collect();
    let written = csv
        .write_record(form.iter().map(|(spec, _)| spec.code))
        .and_then(|()| csv.write_record(&row))
        .and_then(|()| csv.into_inner().map_err(|e| e.into_error().into()));
    let csv = match written {
        Ok(bytes) => bytes,
        Err(e) => return err_page(ApiError::invalid(format!("录入内容无法生成文件：{e}"))),
    };
    let name = format!(
        "录入-{}-{}.csv",
        category.as_str(),
        Utc::now().format("%Y%m%d%H%M%S")
    );
    submit(&state, &staff, category, "entry", &name, csv).await
}

async fn import_page(staff: Staff) -> Response {
    if let Err(d) = authorize(
        &staff.account,
        Action::SubmitRecords,
        &staff.account.unit_id,
        tree(),
    ) {
        return deny(d);
    }
    let body = format!(
        "<h1>文件导入</h1><p class=\"muted\">支持 CSV（UTF-8、GBK）、XLSX、JSON；表头可为中文或字段代码。\
         提交后逐行校验，校验结果和退回文件可下载，审核员审核通过后发布。</p>\
         <form class=\"stack\" method=\"post\" action=\"/console/import\" enctype=\"multipart/form-data\">{}\
         <label>类别<select name=\"category\" id=\"category\"><option value=\"penalty\">行政处罚</option><option value=\"license\">行政许可</option></select></label>\
         <label>文件<input type=\"file\" name=\"file\" id=\"file\" required></label>\
         <button type=\"submit\" id=\"upload\">上传并校验</button></form>",
        csrf_field(&staff)
    );
    page(&staff, "文件导入", &body).into_response()
}

/// The largest file the console accepts (50 MiB); bigger files go through `xyjt import`.
const MAX_UPLOAD: usize = 50 * 1024 * 1024;

/// A multipart form: its text fields and its file (name, bytes).
struct Upload {
    fields: HashMap<String, String>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, Response> {
    let mut upload = Upload {
        fields: HashMap::new(),
        file: None,
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(upload),
            Err(e) => {
                return Err(err_page(ApiError::invalid(format!(
                    "上传内容无法解析：{e}"
                ))));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| err_page(ApiError::invalid(format!("上传中断或超过大小上限：{e}"))))?;
        if name == "file" {
            upload.file = Some((
                file_name.unwrap_or_else(|| "upload.csv".into()),
                bytes.to_vec(),
            ));
        } else {
            upload
                .fields
                .insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
}

async fn import_file(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Response {
    let upload = match read_upload(multipart).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let csrf = upload.fields.get("csrf").cloned().unwrap_or_default();
    let category = upload.fields.get("category").cloned();
    let file = upload.file;
    if let Err(r) = staff.check_csrf(&csrf) {
        return r;
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return err_page(ApiError::invalid("请选择要导入的文件（文件为空）"));
    };
    if bytes.len() > MAX_UPLOAD {
        return err_page(ApiError::invalid(format!(
            "文件超过 {} MB，请使用命令行 xyjt import",
            MAX_UPLOAD / 1024 / 1024
        )));
    }
    submit(
        &state,
        &staff,
        category_of(category.as_deref()),
        "import",
        &name,
        bytes,
    )
    .await
}

/// A private scratch directory for one file.
fn scratch(name: &str, bytes: &[u8]) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    let dir = std::env::temp_dir().join(format!("xyjt-console-{}", xyjt_core::ledger::new_id()));
    std::fs::create_dir_all(&dir)?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == '\0' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let path = dir.join(if safe.is_empty() {
        "upload.csv".into()
    } else {
        safe
    });
    std::fs::write(&path, bytes)?;
    Ok((dir, path))
}

/// Validates a file (dry run), checks that every row is the actor's unit's data, keeps the file
/// and its rejects file, and records the submission for review.
async fn submit(
    state: &AppState,
    staff: &Staff,
    category: RecordCategory,
    source: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Response {
    let tree = tree();
    if let Err(d) = authorize(
        &staff.account,
        Action::SubmitRecords,
        &staff.account.unit_id,
        tree,
    ) {
        return deny(d);
    }
    let (dir, path) = match scratch(name, &bytes) {
        Ok(p) => p,
        Err(e) => {
            return err_page(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "io",
                format!("临时文件写入失败：{e}"),
            ));
        }
    };
    let result =
        validate_submission(state, staff, tree, category, source, name, &bytes, &path).await;
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(id) => Redirect::to(&format!("/console/submissions/{id}")).into_response(),
        Err(r) => r,
    }
}

#[allow(clippy::too_many_arguments)]
async fn validate_submission(
    state: &AppState,
    staff: &Staff,
    tree: &OrgTree,
    category: RecordCategory,
    source: &str,
    name: &str,
    bytes: &[u8],
    path: &std::path::Path,
) -> Result<String, Response> {
    let today = state.today();
    let rejects_path = path.with_file_name(format!(
        "退回-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file.csv")
    ));
    let options = xyjt_import::ImportOptions {
        category,
        as_of: today,
        dry_run: true,
        accept_valid: true,
        rejects_path: Some(rejects_path.clone()),
        actor: staff.actor(),
        recorded_at: Utc::now(),
    };
    let outcome = xyjt_import::run_import(
        state.store.as_ref(),
        path,
        &options,
        &state.calendar,
        &xyjt_core::publicity::PublicityPolicy::builtin(),
        &mut |_| {},
    )
    .await
    .map_err(|e| err_page(ApiError::invalid(format!("文件无法导入：{e}"))))?;
    // Every row must be data of the actor's unit or a unit below it.
    let scope = tree.scope_names(&scope_root(tree, &staff.account));
    let units = source_units(path)
        .map_err(|e| err_page(ApiError::invalid(format!("文件无法读取：{e}"))))?;
    {
        let outside: Vec<String> = units
            .iter()
            .filter(|(_, v)| !v.is_empty() && !scope.iter().any(|s| s == v))
            .map(|(row, v)| format!("第{row}行（{v}）"))
            .take(20)
            .collect();
        if !outside.is_empty() {
            return Err(forbidden(&format!(
                "只能报送本单位及下级单位的数据：{} 的数据来源单位不在“{}”的范围内",
                outside.join("、"),
                unit_name(tree, &staff.account.unit_id)
            )));
        }
    }
    let sha = xyjt_core::canonical::sha256_hex(bytes);
    let rejects = outcome.rejects_file.as_ref().and_then(|p| {
        std::fs::read(p).ok().map(|b| {
            (
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                b,
            )
        })
    });
    let report = &outcome.report;
    let submission = Submission {
        id: xyjt_core::ledger::new_id(),
        category,
        source: source.to_string(),
        file_name: name.to_string(),
        sha256: sha.clone(),
        unit_id: staff.account.unit_id.clone(),
        by: staff.account.login.clone(),
        submitted_on: today,
        total: report.total,
        valid: report.accepted,
        rejected: report.rejected,
        errors: report
            .errors
            .iter()
            .take(200)
            .map(|e| format!("第{}行 {}：{}", e.row, e.field, e.message))
            .collect(),
        rejects_sha256: rejects
            .as_ref()
            .map(|(_, b)| xyjt_core::canonical::sha256_hex(b)),
        rejects_file_name: rejects.as_ref().map(|(n, _)| n.clone()),
    };
    let id = submission.id.clone();
    let mut tx = state.store.begin().await.map_err(|e| err_page(e.into()))?;
    let written = async {
        tx.put_attachment(&sha, name, bytes).await?;
        if let (Some((n, b)), Some(s)) = (&rejects, &submission.rejects_sha256) {
            tx.put_attachment(s, n, b).await?;
        }
        tx.append(vec![NewEvent::new(
            staff.actor(),
            Utc::now(),
            EventPayload::SubmissionFiled { submission },
        )])
        .await?;
        Ok::<(), xyjt_store::StoreError>(())
    }
    .await;
    match written {
        Ok(()) => tx.commit().await.map_err(|e| err_page(e.into()))?,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(err_page(e.into()));
        }
    }
    Ok(id)
}

/// The 数据来源单位 of every row: (1-based row, unit name).
fn source_units(path: &std::path::Path) -> Result<Vec<(usize, String)>, String> {
    const KEYS: [&str; 3] = ["CF_SJLY", "XK_LYDW", "数据来源单位"];
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext == "json" || ext == "ndjson" || ext == "jsonl" {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let values: Vec<serde_json::Value> = if ext == "json" {
            match serde_json::from_str(&text).map_err(|e| e.to_string())? {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            }
        } else {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?
        };
        return Ok(values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let unit = KEYS
                    .iter()
                    .find_map(|k| v.get(*k).and_then(|x| x.as_str()))
                    .unwrap_or("");
                (i + 1, unit.trim().to_string())
            })
            .collect());
    }
    let table = xyjt_import::read_table(path).map_err(|e| e.to_string())?;
    let Some(c) = table.column(&KEYS) else {
        return Ok(Vec::new());
    };
    Ok(table
        .rows
        .iter()
        .map(|(row, cells)| {
            (
                *row,
                cells
                    .get(c)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect())
}

async fn submissions_page(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Html<String>, Response> {
    let tree = tree();
    let all = state
        .store
        .submissions(None, 200)
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut body = String::from(
        "<h1>审核发布</h1><table><tr><th>提交时间</th><th>单位</th><th>类别</th><th>来源</th><th>文件</th><th>行数（有效/退回）</th><th>录入人</th><th>状态</th></tr>",
    );
    for s in all
        .iter()
        .filter(|s| tree.is_within(&s.submission.unit_id, &scope_root(tree, &staff.account)))
    {
        let sub = &s.submission;
        let class = if s.status == SubmissionStatus::Pending {
            " class=\"soon\""
        } else {
            ""
        };
        body.push_str(&format!(
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/console/submissions/{}\">{}</a></td><td>{}（{}/{}）</td><td>{}</td><td>{}</td></tr>",
            sub.submitted_on,
            esc(&unit_name(tree, &sub.unit_id)),
            sub.category.label(),
            if sub.source == "entry" { "录入" } else { "导入" },
            esc(&sub.id),
            esc(&sub.file_name),
            sub.total,
            sub.valid,
            sub.rejected,
            esc(&sub.by),
            s.status.label()
        ));
    }
    body.push_str("</table>");
    Ok(page(&staff, "审核发布", &body))
}

async fn submission_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Html<String>, Response> {
    let tree = tree();
    let s = state
        .store
        .submission(&id)
        .await
        .map_err(|e| err_page(e.into()))?
        .ok_or_else(|| err_page(ApiError::not_found(format!("报送 {id} 不存在"))))?;
    if !tree.is_within(&s.submission.unit_id, &scope_root(tree, &staff.account)) {
        return Err(forbidden("只能查看本单位及下级单位的报送"));
    }
    let sub = &s.submission;
    let mut body = format!(
        "<h1>报送 <span id=\"submission-status\">{}</span></h1><div class=\"card\">文件：{} · {} · {}<br>单位：{} · 录入人：{} · 提交日期：{}<br>\
         共 <strong>{}</strong> 行，校验通过 <strong id=\"valid-rows\">{}</strong> 行，退回 <strong id=\"rejected-rows\">{}</strong> 行\
         <br><a href=\"/console/files/{}\">下载原文件</a>{}</div>",
        s.status.label(),
        esc(&sub.file_name),
        sub.category.label(),
        if sub.source == "entry" { "录入" } else { "导入" },
        esc(&unit_name(tree, &sub.unit_id)),
        esc(&sub.by),
        sub.submitted_on,
        sub.total,
        sub.valid,
        sub.rejected,
        esc(&sub.sha256),
        sub.rejects_sha256
            .as_ref()
            .map(|r| format!(" · <a id=\"rejects-link\" href=\"/console/files/{}\">下载退回文件（含错误原因）</a>", esc(r)))
            .unwrap_or_default()
    );
    if !sub.errors.is_empty() {
        body.push_str(
            "<h2>逐行校验结果</h2><table id=\"row-errors\"><tr><th>#</th><th>问题</th></tr>",
        );
        for (i, e) in sub.errors.iter().enumerate() {
            body.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", i + 1, esc(e)));
        }
        body.push_str("</table>");
    }
    if let Some(by) = &s.reviewed_by {
        body.push_str(&format!(
            "<p>审核人：{} · {} · {}</p>",
            esc(by),
            s.reviewed_on.map(|d| d.to_string()).unwrap_or_default(),
            esc(s.review_comment.as_deref().unwrap_or(""))
        ));
    }
    if s.status == SubmissionStatus::Pending {
        body.push_str(&format!(
            "<h2>审核</h2><form class=\"stack\" method=\"post\" action=\"/console/submissions/{}/review\">{}\
             <label>审核意见<input name=\"comment\" id=\"comment\"></label>\
             <button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">审核通过并发布（有效行）</button>\
             <button type=\"submit\" name=\"decision\" value=\"return\" id=\"return\">退回</button></form>",
            esc(&sub.id),
            csrf_field(&staff)
        ));
    }
    Ok(page(&staff, "报送详情", &body))
}

async fn review_submission(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let tree = tree();
    let s = match state.store.submission(&id).await {
        Ok(Some(s)) => s,
        Ok(None) => return err_page(ApiError::not_found(format!("报送 {id} 不存在"))),
        Err(e) => return err_page(e.into()),
    };
    let sub = s.submission.clone();
    if let Err(d) = authorize_review(
        &staff.account,
        Action::ReviewRecords,
        &sub.unit_id,
        &sub.by,
        tree,
    ) {
        return deny(d);
    }
    if s.status != SubmissionStatus::Pending {
        return err_page(ApiError::invalid(format!(
            "报送已处理（{}）",
            s.status.label()
        )));
    }
    let approved = f.get("decision").map(String::as_str) == Some("approve");
    let comment = f.get("comment").cloned().unwrap_or_default();
    let today = state.today();
    let review = NewEvent::new(
        staff.actor(),
        Utc::now(),
        EventPayload::SubmissionReviewed {
            submission_id: id.clone(),
            approved,
            by: staff.account.login.clone(),
            comment: comment.clone(),
            on: today,
        },
    );
    if !approved {
        if let Err(e) = state.store.append(vec![review]).await {
            return err_page(e.into());
        }
        return Redirect::to(&format!("/console/submissions/{id}")).into_response();
    }
    let bytes = match state.store.attachment(&sub.sha256).await {
        Ok(Some((_, b))) => b,
        Ok(None) => return err_page(ApiError::not_found("报送文件缺失")),
        Err(e) => return err_page(e.into()),
    };
    let (dir, path) = match scratch(&sub.file_name, &bytes) {
        Ok(p) => p,
        Err(e) => {
            return err_page(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "io",
                format!("临时文件写入失败：{e}"),
            ));
        }
    };
    let options = xyjt_import::ImportOptions {
        category: sub.category,
        // Received when it was submitted: 迟报 is judged on that day, not on the review day.
        as_of: sub.submitted_on,
        dry_run: false,
        accept_valid: true,
        rejects_path: Some(dir.join("rejects.csv")),
        actor: staff.actor(),
        recorded_at: Utc::now(),
    };
    let outcome = xyjt_import::run_import_with(
        state.store.as_ref(),
        &path,
        &options,
        &state.calendar,
        &xyjt_core::publicity::PublicityPolicy::builtin(),
        &mut |_| {},
        vec![review],
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    match outcome {
        Ok(o) if o.committed => {
            tracing::info!(submission = %id, published = o.published, "submission published");
            Redirect::to(&format!("/console/submissions/{id}")).into_response()
        }
        Ok(_) => err_page(ApiError::invalid("没有可发布的有效行")),
        Err(e) => err_page(ApiError::invalid(format!("发布失败：{e}"))),
    }
}

async fn download(
    State(state): State<AppState>,
    _staff: Staff,
    Path(sha): Path<String>,
) -> Response {
    match state.store.attachment(&sha).await {
        Ok(Some((name, bytes))) => {
            let ascii: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!(
                            "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                            if ascii.is_empty() {
                                "file".into()
                            } else {
                                ascii
                            },
                            urlencode(&name)
                        ),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => err_page(ApiError::not_found("文件不存在")),
        Err(e) => err_page(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Workflow inbox.

fn urgency(status: ClockStatus) -> &'static str {
    match status {
        ClockStatus::Overdue | ClockStatus::DoneLate => "urgent",
        ClockStatus::NearDue | ClockStatus::Suspended => "soon",
        _ => "fine",
    }
}

async fn inbox_page(State(state): State<AppState>, staff: Staff) -> Result<Html<String>, Response> {
    let tree = tree();
    let scope = tree.scope_names(&scope_root(tree, &staff.account));
    let today = state.today();
    let near = DeadlinePolicy::builtin().near_due;
    let apps = state
        .store
        .applications(&xyjt_store::AppQuery::default())
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut body = String::from(
        "<h1>异议与修复</h1><p class=\"muted\">红色：已逾期；黄色：临期或中止；绿色：期限内。</p>\
         <table id=\"inbox\"><tr><th>编号</th><th>类别</th><th>办理单位</th><th>受理日期</th><th>当前环节</th><th>期限</th><th>状态</th></tr>",
    );
    let mut shown = 0;
    for a in apps
        .iter()
        .filter(|a| scope.contains(&a.unit) || a.clocks.iter().any(|c| scope.contains(&c.unit)))
    {
        let Some(c) = a.current_clock() else { continue };
        let due = c.due(&state.calendar, today);
        let status = c.status(&state.calendar, today, near);
        shown += 1;
        body.push_str(&format!(
            "<tr class=\"{}\"><td><a href=\"/console/applications/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{} · {}</td></tr>",
            urgency(status),
            esc(&a.app.number),
            esc(&a.app.number),
            a.app.kind.label(),
            esc(&a.unit),
            a.app.filed_on,
            esc(&c.label),
            due.due_on,
            if due.provisional { "（暂定）" } else { "" },
            a.status.label(),
            status.label()
        ));
    }
    body.push_str("</table>");
    if shown == 0 {
        body.push_str("<p>本单位暂无异议和修复申请。</p>");
    }
    let messages = state
        .store
        .inbox(&unit_name(tree, &staff.account.unit_id), 30)
        .await
        .map_err(|e| err_page(e.into()))?;
    body.push_str("<h2>站内消息</h2><ul>");
    for m in &messages {
        body.push_str(&format!(
            "<li>{} {}</li>",
            esc(&m.created_on),
            esc(&m.message)
        ));
    }
    body.push_str("</ul>");
    Ok(page(&staff, "异议与修复", &body))
}

async fn application_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> Result<Html<String>, Response> {
    let wf = state
        .store
        .application(&number)
        .await
        .map_err(|e| err_page(e.into()))?
        .ok_or_else(|| err_page(ApiError::not_found(format!("申请 {number} 不存在"))))?;
    let today = state.today();
    let near = DeadlinePolicy::builtin().near_due;
    let view = crate::remedies::staff_view(&wf, &state.calendar, today, near);
    let mut body = format!(
        "<h1>{} {}</h1><div class=\"card\">状态：<strong id=\"app-status\">{}</strong> · 办理单位：{} · 受理：{}<br>理由：{}<br>主张：{}</div><h2>期限</h2><table><tr><th>环节</th><th>单位</th><th>期限</th><th>状态</th><th>计算说明</th></tr>",
        wf.app.kind.label(),
        esc(&wf.app.number),
        wf.status.label(),
        esc(&wf.unit),
        wf.app.filed_on,
        esc(&wf.app.reason),
        esc(&wf.app.claimed.to_string()),
    );
    for c in &wf.clocks {
        let due = c.due(&state.calendar, today);
        let status = c.status(&state.calendar, today, near);
        body.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            urgency(status),
            esc(&c.label),
            esc(&c.unit),
            due.due_on,
            if due.provisional { "（暂定）" } else { "" },
            status.label(),
            esc(&due.explanation)
        ));
    }
    body.push_str("</table><h2>办理记录</h2><table><tr><th>日期</th><th>人员</th><th>环节</th><th>说明</th></tr>");
    for h in &wf.history {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h.on,
            esc(&h.by),
            esc(&h.action),
            esc(&h.note)
        ));
    }
    body.push_str("</table>");
    if let Some(ev) = view
        .get("evidence")
        .and_then(|v| v.as_array())
        .filter(|a| !a.is_empty())
    {
        body.push_str("<h2>证明材料</h2><ul>");
        for e in ev {
            body.push_str(&format!(
                "<li><a href=\"/console/files/{}\">{}</a></li>",
                esc(e["sha256"].as_str().unwrap_or("")),
                esc(e["file_name"].as_str().unwrap_or(""))
            ));
        }
        body.push_str("</ul>");
    }
    if wf.status.is_open() {
        let csrf = csrf_field(&staff);
        let n = esc(&wf.app.number);
        let kind = wf.app.kind;
        body.push_str(&format!(
            "<h2>办理</h2><div class=\"grid\">\
             <form class=\"stack card\" method=\"post\" action=\"/console/applications/{n}/steps\">{csrf}<input type=\"hidden\" name=\"action\" value=\"decide\">\
             <label>决定<select name=\"granted\" id=\"granted\"><option value=\"true\">{}</option><option value=\"false\">{}</option></select></label>\
             <label>书面答复（理由）<textarea name=\"reason\" id=\"decision-reason\" required></textarea></label>{}\
             <button type=\"submit\" id=\"decide\">作出决定</button></form>\
             <form class=\"stack card\" method=\"post\" action=\"/console/applications/{n}/steps\">{csrf}\
             <label>操作<select name=\"action\"><option value=\"suspend\">中止（补正材料）</option><option value=\"resume\">恢复办理</option><option value=\"extend\">延期</option>{}</select></label>\
             <label>工作日数（延期）<input name=\"workdays\" type=\"number\" min=\"1\"></label>\
             <label>单位（转办）<input name=\"unit\"></label><label>理由<input name=\"reason\"></label>\
             <button type=\"submit\">提交</button></form></div>",
            if kind == xyjt_core::workflow::WorkflowKind::Objection { "异议成立，更正" } else { "准予修复" },
            if kind == xyjt_core::workflow::WorkflowKind::Objection { "异议不成立" } else { "不予修复" },
            if kind == xyjt_core::workflow::WorkflowKind::Objection {
                "<label><input type=\"checkbox\" name=\"revoke\" value=\"true\"> 撤销该信息（而非更正）</label>"
            } else {
                ""
            },
            if kind == xyjt_core::workflow::WorkflowKind::Repair { "<option value=\"forward\">转认定单位核实</option>" } else { "" },
        ));
    }
    Ok(page(&staff, "申请办理", &body))
}

async fn application_step(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let tree = tree();
    let wf = match state.store.application(&number).await {
        Ok(Some(w)) => w,
        Ok(None) => return err_page(ApiError::not_found(format!("申请 {number} 不存在"))),
        Err(e) => return err_page(e.into()),
    };
    let action_name = f.get("action").cloned().unwrap_or_default();
    let action = if action_name == "decide" {
        Action::DecideApplications
    } else {
        Action::HandleApplications
    };
    if let Err(d) = authorize(&staff.account, action, &unit_id_of(tree, &wf.unit), tree) {
        return deny(d);
    }
    let get = |k: &str| {
        f.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let req = crate::remedies::StepRequest {
        action: action_name,
        on: None,
        reason: get("reason").unwrap_or_default(),
        unit: get("unit"),
        clock: get("clock"),
        workdays: get("workdays").and_then(|w| w.parse().ok()),
        granted: get("granted").map(|g| g == "true"),
        revoke: get("revoke").is_some_and(|v| v == "true"),
        corrected: None,
    };
    let ctx = crate::remedies::Ctx::new(state.store.as_ref(), &state.calendar, state.today());
    match crate::remedies::take_step(&ctx, &number, &req, &staff.actor()).await {
        Ok(_) => {
            let _ = state.refresh_checks().await;
            Redirect::to(&format!("/console/applications/{}", urlencode(&number))).into_response()
        }
        Err(e) => err_page(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Name lists.

async fn lists_page(State(state): State<AppState>, staff: Staff) -> Result<Html<String>, Response> {
    let entries = state
        .store
        .list_entries(None)
        .await
        .map_err(|e| err_page(e.into()))?;
    let policy = state
        .store
        .list_policy(None)
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut body = format!(
        "<h1>名单管理</h1><div class=\"card\">四张清单：版本 {}（{} 项）。调整清单：<code>xyjt lists import-policy</code>，每次调整形成新版本。</div>\
         <h2>待审核</h2><table id=\"proposed\"><tr><th>名单</th><th>名称</th><th>事由</th><th>认定单位</th><th>提出人</th><th>审核</th></tr>",
        policy
            .as_ref()
            .map(|p| p.version.to_string())
            .unwrap_or_else(|| "示例政策（未采用）".into()),
        policy.as_ref().map(|p| p.items.len()).unwrap_or(0)
    );
    let csrf = csrf_field(&staff);
    for e in entries
        .iter()
        .filter(|e| e.status == xyjt_core::listing::EntryStatus::Proposed)
    {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form class=\"inline\" method=\"post\" action=\"/console/lists/{}/review\">{csrf}\
             <input name=\"comment\" placeholder=\"意见\"><button name=\"decision\" value=\"approve\">通过并发布</button><button name=\"decision\" value=\"reject\">不通过</button></form></td></tr>",
            esc(&xyjt_core::check::list_key(&e.entry.list)),
            esc(&e.entry.name),
            esc(&e.entry.item_id),
            esc(&e.entry.deciding_unit),
            esc(&e.proposed_by),
            esc(&e.entry.id)
        ));
    }
    body.push_str("</table><h2>在册名单（最近 100 条）</h2><table id=\"entries\"><tr><th>名单</th><th>名称</th><th>事由</th><th>列入日期</th><th>状态</th><th>移出</th></tr>");
    for e in entries
        .iter()
        .filter(|e| e.status != xyjt_core::listing::EntryStatus::Proposed)
        .take(100)
    {
        let end = if e.status == xyjt_core::listing::EntryStatus::Published {
            format!(
                "<form class=\"inline\" method=\"post\" action=\"/console/lists/{}/end\">{csrf}\
                 <input name=\"reason\" placeholder=\"移出理由\" required><button>认定单位撤销</button></form>",
                esc(&e.entry.id)
            )
        } else {
            e.ended
                .map(|(r, on)| format!("{}（{on}）", r.label()))
                .unwrap_or_default()
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{end}</td></tr>",
            esc(&xyjt_core::check::list_key(&e.entry.list)),
            esc(&e.entry.name),
            esc(&e.entry.item_id),
            e.entry.entry_date,
            e.status.label()
        ));
    }
    body.push_str("</table>");
    Ok(page(&staff, "名单管理", &body))
}

/// The deciding unit withdraws a published entry (认定单位撤销): it ends, and stays on record
/// with the reason in the audit trail.
async fn end_entry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let tree = tree();
    let entry = match state.store.list_entry(&id).await {
        Ok(Some(e)) => e,
        Ok(None) => return err_page(ApiError::not_found(format!("名单条目 {id} 不存在"))),
        Err(e) => return err_page(e.into()),
    };
    let unit = unit_id_of(tree, &entry.entry.deciding_unit);
    if let Err(d) = authorize(&staff.account, Action::ManageLists, &unit, tree) {
        return deny(d);
    }
    let reason = f
        .get("reason")
        .map(|r| r.trim().to_string())
        .unwrap_or_default();
    if reason.is_empty() {
        return err_page(ApiError::invalid("请写明移出理由"));
    }
    let event = NewEvent::new(
        staff.actor(),
        Utc::now(),
        EventPayload::ListEntryEnded {
            entry_id: id,
            reason: xyjt_core::listing::EndReason::Withdrawn,
            on: state.today(),
            note: Some(reason),
        },
    );
    match state.store.append(vec![event]).await {
        Ok(_) => {
            let _ = state.refresh_checks().await;
            Redirect::to("/console/lists").into_response()
        }
        Err(e) => err_page(e.into()),
    }
}

async fn review_entry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let tree = tree();
    let entry = match state.store.list_entry(&id).await {
        Ok(Some(e)) => e,
        Ok(None) => return err_page(ApiError::not_found(format!("名单条目 {id} 不存在"))),
        Err(e) => return err_page(e.into()),
    };
    let unit = unit_id_of(tree, &entry.entry.deciding_unit);
    if let Err(d) = authorize_review(
        &staff.account,
        Action::ManageLists,
        &unit,
        &entry.proposed_by,
        tree,
    ) {
        return deny(d);
    }
    let approved = f.get("decision").map(String::as_str) == Some("approve");
    let mut events = vec![NewEvent::new(
        staff.actor(),
        Utc::now(),
        EventPayload::ListEntryReviewed {
            entry_id: id.clone(),
            by: staff.actor(),
            approved,
            comment: f.get("comment").cloned().unwrap_or_default(),
        },
    )];
    if approved {
        events.push(NewEvent::new(
            staff.actor(),
            Utc::now(),
            EventPayload::ListEntryPublished {
                entry_id: id,
                on: state.today(),
            },
        ));
    }
    match state.store.append(events).await {
        Ok(_) => {
            let _ = state.refresh_checks().await;
            Redirect::to("/console/lists").into_response()
        }
        Err(e) => err_page(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The four lists (四张清单) as versioned policy.

async fn policy_page(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Html<String>, Response> {
    let current = crate::checks::current_policy(state.store.as_ref())
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut body = format!(
        "<h1>四张清单</h1><div class=\"card\">现行第 <strong id=\"policy-version\">{}</strong> 版，自 {} 起施行；调整人 {}（{}）；说明：{}{}\
         <br><a href=\"/console/policy/export.json\">下载现行版本（JSON）</a></div>\
         <h2>历次版本</h2><table><tr><th>版本</th><th>施行日期</th><th>调整人</th><th>时间</th><th>说明</th><th>项数</th></tr>",
        current.version,
        current.effective_from,
        esc(&current.changed_by),
        esc(&current.changed_at),
        esc(&current.note),
        if current.example {
            "（示例政策）"
        } else {
            ""
        }
    );
    for v in (1..=current.version).rev() {
        if let Some(p) = state
            .store
            .list_policy(Some(v))
            .await
            .map_err(|e| err_page(e.into()))?
        {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                p.version,
                p.effective_from,
                esc(&p.changed_by),
                esc(&p.changed_at),
                esc(&p.note),
                p.items.len()
            ));
        }
    }
    body.push_str("</table><h2>现行清单</h2><table><tr><th>编号</th><th>名称</th><th>实施事由</th><th>法律依据</th><th>实施单位</th></tr>");
    for i in &current.items {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.id),
            esc(&i.title),
            esc(&i.cause),
            esc(&i.legal_basis),
            esc(&i.implementing_units.join("、"))
        ));
    }
    body.push_str("</table>");
    if authorize(
        &staff.account,
        Action::ManagePolicy,
        &staff.account.unit_id,
        tree(),
    )
    .is_ok()
    {
        body.push_str(&format!(
            "<h2>调整清单（形成新版本）</h2><form class=\"stack\" method=\"post\" action=\"/console/policy\" enctype=\"multipart/form-data\">{}\
             <label>清单文件（JSON，格式同下载文件）<input type=\"file\" name=\"file\" required></label>\
             <label>施行日期<input name=\"effective_from\" placeholder=\"YYYY-MM-DD，默认今天\"></label>\
             <label>调整说明<input name=\"note\" required></label><button type=\"submit\">采用新版本</button></form>",
            csrf_field(&staff)
        ));
    }
    Ok(page(&staff, "四张清单", &body))
}

async fn export_policy(State(state): State<AppState>, _staff: Staff) -> Response {
    match crate::checks::current_policy(state.store.as_ref()).await {
        Ok(p) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/json; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"lists-v{}.json\"", p.version),
                ),
            ],
            p.to_json(),
        )
            .into_response(),
        Err(e) => err_page(e.into()),
    }
}

async fn adopt_policy(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Response {
    let (fields, file) = match read_upload(multipart).await {
        Ok(u) => (u.fields, u.file.map(|(_, b)| b)),
        Err(r) => return r,
    };
    if let Err(r) = staff.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    if let Err(d) = authorize(
        &staff.account,
        Action::ManagePolicy,
        &staff.account.unit_id,
        tree(),
    ) {
        return deny(d);
    }
    let note = fields
        .get("note")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    if note.is_empty() {
        return err_page(ApiError::invalid("请填写调整说明"));
    }
    let effective = match fields
        .get("effective_from")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => state.today(),
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => return err_page(ApiError::invalid(format!("施行日期“{s}”应为 YYYY-MM-DD"))),
        },
    };
    let text = String::from_utf8_lossy(file.as_deref().unwrap_or_default()).into_owned();
    let items = match xyjt_core::lists::ListPolicy::from_json(&text) {
        Ok(p) => p.items,
        Err(e) => return err_page(ApiError::invalid(format!("清单文件不合规：{e}"))),
    };
    let current = match crate::checks::current_policy(state.store.as_ref()).await {
        Ok(p) => p,
        Err(e) => return err_page(e.into()),
    };
    let stamp = xyjt_core::ledger::format_timestamp(Utc::now());
    let next = match current.next_version(items, &staff.actor(), &stamp, &note, effective) {
        Ok(n) => n,
        Err(e) => return err_page(ApiError::invalid(format!("清单文件不合规：{e}"))),
    };
    match state
        .store
        .append(vec![NewEvent::new(
            staff.actor(),
            Utc::now(),
            EventPayload::ListPolicyAdopted { policy: next },
        )])
        .await
    {
        Ok(_) => {
            let _ = state.refresh_checks().await;
            Redirect::to("/console/policy").into_response()
        }
        Err(e) => err_page(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// History: checks, screenings, audit trail.

async fn checks_page(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Html<String>, Response> {
    let checks = state
        .store
        .recent_events(None, Some("check_answered"), 100)
        .await
        .map_err(|e| err_page(e.into()))?;
    let screens = state
        .store
        .recent_events(None, Some("screening_answered"), 50)
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut body = String::from(
        "<h1>核查记录</h1><h2>联合奖惩核查</h2><table id=\"checks\"><tr><th>时间</th><th>调用方</th><th>环节</th><th>对象</th><th>结果</th><th>依据数</th></tr>",
    );
    for e in &checks {
        let c = &e.payload["check"];
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.recorded_at),
            esc(c["asked_by"].as_str().unwrap_or("")),
            esc(c["decision_point"].as_str().unwrap_or("")),
            esc(c["identifier"]
                .as_str()
                .or(c["name"].as_str())
                .unwrap_or("")),
            esc(c["decision"].as_str().unwrap_or("")),
            c["reasons"].as_array().map_or(0, Vec::len)
        ));
    }
    body.push_str("</table><h2>投标人筛查</h2><table><tr><th>时间</th><th>调用方</th><th>环节</th><th>筛查人数</th><th>命中</th></tr>");
    for e in &screens {
        let p = &e.payload;
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.recorded_at),
            esc(p["asked_by"].as_str().unwrap_or("")),
            esc(p["decision_point"].as_str().unwrap_or("")),
            p["bidders"].as_u64().unwrap_or(0),
            p["hits"].as_array().map_or(0, Vec::len)
        ));
    }
    body.push_str("</table>");
    Ok(page(&staff, "核查记录", &body))
}

#[derive(serde::Deserialize)]
struct AuditQuery {
    actor: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, Response> {
    let actor = q.actor.filter(|a| !a.trim().is_empty());
    let events = state
        .store
        .recent_events(actor.as_deref(), None, 200)
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut body = format!(
        "<h1>操作审计</h1><form method=\"get\" action=\"/console/audit\"><input type=\"search\" name=\"actor\" value=\"{}\" placeholder=\"操作人，如 user:xl-lr\"><button>筛选</button></form>\
         <p class=\"muted\">每项写入都是账本中的一个事件，记录操作人和时间，哈希链可校验（xyjt verify）。</p>\
         <table id=\"audit\"><tr><th>序号</th><th>时间</th><th>操作人</th><th>事件</th><th>对象</th></tr>",
        esc(actor.as_deref().unwrap_or(""))
    );
    for e in &events {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.seq,
            esc(&e.recorded_at),
            esc(&e.actor),
            esc(&e.kind),
            esc(&e.aggregate_id)
        ));
    }
    body.push_str("</table>");
    Ok(page(&staff, "操作审计", &body))
}

// ---------------------------------------------------------------------------------------------
// Accounts.

async fn accounts_page(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Html<String>, Response> {
    let tree = tree();
    let accounts = state
        .store
        .accounts()
        .await
        .map_err(|e| err_page(e.into()))?;
    let mut body = String::from(
        "<h1>账号管理</h1><table><tr><th>账号</th><th>姓名</th><th>单位</th><th>角色</th></tr>",
    );
    for a in &accounts {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.login),
            esc(&a.name),
            esc(&unit_name(tree, &a.unit_id)),
            a.roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    body.push_str("</table>");
    if authorize(
        &staff.account,
        Action::ManageAccounts,
        &staff.account.unit_id,
        tree,
    )
    .is_ok()
    {
        let units: String = tree
            .units
            .iter()
            .filter(|u| tree.is_within(&u.id, &scope_root(tree, &staff.account)))
            .map(|u| format!("<option value=\"{}\">{}</option>", esc(&u.id), esc(&u.name)))
            .collect();
        let roles: String = Role::ALL
            .iter()
            .map(|r| {
                format!(
                    "<label><input type=\"checkbox\" name=\"role_{}\" value=\"1\"> {}</label>",
                    serde_json::to_value(r)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    r.label()
                )
            })
            .collect();
        body.push_str(&format!(
            "<h2>签发接口令牌</h2><p class=\"muted\">供业务系统（接口调用方）调用核查、筛查和办理接口；令牌以单位命名，\
             只能办理该单位及下级单位的事项。令牌只显示一次，平台只保存其哈希。</p>\
             <form class=\"stack\" method=\"post\" action=\"/console/tokens\">{}\
             <label>调用单位<select name=\"unit_id\" id=\"token-unit\">{units}</select></label>\
             <button type=\"submit\" id=\"issue-token\">签发</button></form>",
            csrf_field(&staff)
        ));
        body.push_str(&format!(
            "<h2>新建账号</h2><form class=\"stack\" method=\"post\" action=\"/console/accounts\">{}\
             <label>账号<input name=\"login\" required pattern=\"[a-z0-9._-]{{3,32}}\"></label><label>姓名<input name=\"name\" required></label>\
             <label>单位<select name=\"unit_id\">{units}</select></label>{roles}\
             <label>初始密码（至少 10 位）<input name=\"password\" type=\"password\" minlength=\"10\" required></label>\
             <button type=\"submit\">创建</button></form>",
            csrf_field(&staff)
        ));
    }
    body.push_str(&format!(
        "<h2>修改本人密码</h2><form class=\"stack\" method=\"post\" action=\"/console/password\">{}\
         <label>原密码<input name=\"old\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <label>新密码（至少 10 位）<input name=\"new\" type=\"password\" minlength=\"10\" autocomplete=\"new-password\" required></label>\
         <button type=\"submit\" id=\"change-password\">修改</button></form>",
        csrf_field(&staff)
    ));
    Ok(page(&staff, "账号管理", &body))
}

/// Changes the signed-in person's own password (the old one must be right); every session of
/// the account ends with it, this one included.
async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let old = f.get("old").cloned().unwrap_or_default();
    let new = f.get("new").cloned().unwrap_or_default();
    let hash = match state.store.account(&staff.account.login).await {
        Ok(Some((_, h))) => h,
        Ok(None) => return err_page(ApiError::not_found("账号不存在")),
        Err(e) => return err_page(e.into()),
    };
    if !auth::verify_password(&old, &hash) {
        return forbidden("原密码不正确");
    }
    if new.chars().count() < 10 {
        return err_page(ApiError::invalid("新密码至少 10 位"));
    }
    if new == old {
        return err_page(ApiError::invalid("新密码不能与原密码相同"));
    }
    let event = NewEvent::new(
        staff.actor(),
        Utc::now(),
        EventPayload::PasswordChanged {
            login: staff.account.login.clone(),
            password_hash: auth::hash_password(&new),
        },
    );
    match state.store.append(vec![event]).await {
        Ok(_) => (
            [(header::SET_COOKIE, auth::clear_session_cookie())],
            Redirect::to("/console/login"),
        )
            .into_response(),
        Err(e) => err_page(e.into()),
    }
}

/// Issues an API token for a unit's system (系统管理员 of a bureau, for a unit in it).
async fn issue_token(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let tree = tree();
    let unit = f.get("unit_id").cloned().unwrap_or_default();
    if let Err(d) = authorize(&staff.account, Action::ManageAccounts, &unit, tree) {
        return deny(d);
    }
    let name = unit_name(tree, &unit);
    let token = format!("xyjt_{}", auth::new_token().to_lowercase());
    let event = NewEvent::new(
        staff.actor(),
        Utc::now(),
        EventPayload::ApiTokenIssued {
            token_id: xyjt_core::ledger::new_id(),
            name: name.clone(),
            token_hash: xyjt_core::canonical::sha256_hex(token.as_bytes()),
        },
    );
    match state.store.append(vec![event]).await {
        Ok(_) => {
            let body = format!(
                "<h1>接口令牌已签发</h1><div class=\"card\">调用单位：{}<br>令牌（只显示这一次，请立即保存）：\
                 <code id=\"token\">{}</code><br>调用时在请求头加入 <code>Authorization: Bearer 令牌</code>。</div>\
                 <p><a href=\"/console/accounts\">返回账号管理</a></p>",
                esc(&name),
                esc(&token)
            );
            (
                [(header::CACHE_CONTROL, "no-store")],
                page(&staff, "接口令牌", &body),
            )
                .into_response()
        }
        Err(e) => err_page(e.into()),
    }
}

async fn create_account(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = staff.check_csrf(f.get("csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let tree = tree();
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let unit = get("unit_id");
    if let Err(d) = authorize(&staff.account, Action::ManageAccounts, &unit, tree) {
        return deny(d);
    }
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| {
            let key = serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            f.contains_key(&format!("role_{key}"))
        })
        .collect();
    if let Err(m) = validate_account(&get("login"), &get("name"), &get("password"), &roles) {
        return err_page(ApiError::invalid(m));
    }
    let account = Account {
        login: get("login"),
        name: get("name"),
        unit_id: unit,
        roles,
        disabled: false,
    };
    match state
        .store
        .append(vec![account_event(
            &staff.actor(),
            account,
            &get("password"),
        )])
        .await
    {
        Ok(_) => Redirect::to("/console/accounts").into_response(),
        Err(e) => err_page(e.into()),
    }
}
