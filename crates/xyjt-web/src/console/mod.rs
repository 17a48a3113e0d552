//! The staff console (`/console`): sign-in, dashboards, record entry and file import with
//! maker-checker review, workflow inboxes, name lists, check history, audit trail, accounts.
//!
//! Every write goes through `xyjt_core::account::authorize` (role and unit) and carries the
//! session's CSRF token, checked once by the [`CsrfForm`] extractor (urlencoded forms) or
//! [`CsrfUpload`] (multipart uploads); the ledger records the actor (`user:LOGIN`) of each event
//! it causes. Pages are askama templates in `templates/console/`, extending
//! `console/frame.html`; a refused or failed request answers with a page too ([`err_page`],
//! [`forbidden`]).
//!
//! One file per resource: [`session`] (sign-in, sign-out, password), [`dashboard`], [`records`]
//! (entry form and file import), [`submissions`] (review, file downloads), [`applications`],
//! [`lists`], [`policy`], [`checks`], [`audit`], [`exchange`] (信息交换), [`accounts`] (accounts and API tokens),
//! [`evaluation`] (信用评价: runs, review, publication), [`inspection`] (双随机抽查 draws and
//! results, 重点监管覆盖), [`integrity`] (主体登记, 政务诚信档案, 容错纠错) and [`disclosure`]
//! (政务公开: drafting, 保密审查, 清理, 预公开, the annual report preview).

// Page handlers fail with a ready response (a redirect, a 403 page); it is built once per
// request, so its size does not matter.
#![allow(clippy::result_large_err)]

mod accounts;
mod applications;
mod audit;
mod checks;
mod dashboard;
mod disclosure;
mod evaluation;
mod exchange;
mod government;
mod inspection;
mod intake;
mod integrity;
mod lists;
mod policy;
mod records;
mod session;
mod submissions;

use crate::AppState;
use crate::auth::{Staff, forbidden};
use crate::error::ApiError;
use crate::html::Frame;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use std::collections::HashMap;
use xyjt_core::account::{Account, Action, Role, authorize, authorize_review};
use xyjt_core::cases::OrgTree;
use xyjt_core::ledger::{EventPayload, NewEvent};

pub use crate::auth::CsrfForm;

/// A console handler's answer: a page or a redirect, or a ready error page.
type Answer = Result<Response, Response>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/console/login",
            get(session::login_page).post(session::login),
        )
        .route("/console/logout", post(session::logout))
        .route("/console/password", post(session::change_password))
        .route("/console", get(dashboard::dashboard))
        .route("/console/records/new", get(records::entry_page))
        .route("/console/records", post(records::enter_record))
        .route(
            "/console/import",
            get(records::import_page).post(records::import_file).layer(
                axum::extract::DefaultBodyLimit::max(records::MAX_UPLOAD + 64 * 1024),
            ),
        )
        .route("/console/submissions", get(submissions::list_page))
        .route("/console/submissions/{id}", get(submissions::detail_page))
        .route(
            "/console/submissions/{id}/review",
            post(submissions::review),
        )
        .route("/console/files/{sha}", get(submissions::download))
        .route("/console/applications", get(applications::inbox_page))
        .route(
            "/console/applications/{number}",
            get(applications::detail_page),
        )
        .route(
            "/console/applications/{number}/notice",
            get(applications::notice_page),
        )
        .route(
            "/console/applications/{number}/steps",
            post(applications::take_step),
        )
        .route("/console/lists", get(lists::lists_page))
        .route("/console/lists/{id}/review", post(lists::review_entry))
        .route("/console/lists/{id}/end", post(lists::end_entry))
        .route(
            "/console/policy",
            get(policy::policy_page).post(policy::adopt_policy),
        )
        .route("/console/policy/export.json", get(policy::export_policy))
        .route("/console/evaluation", get(evaluation::evaluation_page))
        .route("/console/evaluation/runs", post(evaluation::start_run))
        .route("/console/evaluation/runs/{id}", get(evaluation::run_page))
        .route(
            "/console/evaluation/runs/{id}/review",
            post(evaluation::review_run),
        )
        .route(
            "/console/evaluation/runs/{id}/publish",
            post(evaluation::publish_run),
        )
        .route("/console/inspection", get(inspection::inspection_page))
        .route("/console/inspection/draws", post(inspection::make_draw))
        .route("/console/inspection/pool", post(inspection::set_pool))
        .route("/console/inspection/draws/{id}", get(inspection::draw_page))
        .route(
            "/console/inspection/draws/{id}/tasks/{no}",
            post(inspection::record_task),
        )
        .route("/console/coverage", get(inspection::coverage_page))
        .route(
            "/console/registrations",
            get(integrity::registrations_page).post(integrity::propose_registration),
        )
        .route(
            "/console/registrations/{id}/review",
            post(integrity::review_registration),
        )
        .route("/console/integrity", get(integrity::archives_page))
        .route(
            "/console/integrity/rectifications",
            get(government::rectifications_page),
        )
        .route(
            "/console/integrity/assessments",
            get(government::assessment_page),
        )
        .route(
            "/console/integrity/assessments/scores",
            post(government::enter_score),
        )
        .route(
            "/console/integrity/assessments/publish",
            post(government::publish),
        )
        .route("/console/integrity/records/new", get(integrity::entry_page))
        .route("/console/integrity/records", post(integrity::enter_record))
        .route(
            "/console/integrity/records/{id}",
            get(integrity::record_page),
        )
        .route(
            "/console/integrity/records/{id}/tolerance",
            post(integrity::propose_tolerance),
        )
        .route(
            "/console/integrity/records/{id}/tolerance/review",
            post(integrity::review_tolerance),
        )
        .route(
            "/console/disclosure",
            get(disclosure::list_page).post(disclosure::draft).layer(
                axum::extract::DefaultBodyLimit::max(
                    xyjt_app::disclosure::MAX_ATTACHMENT_BYTES + 256 * 1024,
                ),
            ),
        )
        .route("/console/disclosure/report", get(disclosure::report_page))
        .route(
            "/console/disclosure/report/publish",
            post(disclosure::publish_report),
        )
        .route("/console/disclosure/items/{id}", get(disclosure::item_page))
        .route(
            "/console/disclosure/items/{id}/files/{sha}",
            get(disclosure::file),
        )
        .route(
            "/console/disclosure/items/{id}/sign-off",
            post(disclosure::sign_off),
        )
        .route(
            "/console/disclosure/items/{id}/cleanup",
            post(disclosure::cleanup),
        )
        .route(
            "/console/disclosure/items/{id}/adoption",
            post(disclosure::adoption),
        )
        .route("/console/checks", get(checks::checks_page))
        .route("/console/exchange", get(exchange::exchange_page))
        .route("/console/audit", get(audit::audit_page))
        .route(
            "/console/accounts",
            get(accounts::accounts_page).post(accounts::create_account),
        )
        .route("/console/tokens", post(accounts::issue_token))
}

// ---------------------------------------------------------------------------------------------
// The organisation tree and who may see what.

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

/// Whether `staff` may see what unit `unit_id` (an id) submitted: it is within their scope.
fn sees_unit(staff: &Staff, unit_id: &str) -> bool {
    let tree = staff.org();
    tree.is_within(unit_id, &scope_root(tree, &staff.account))
}

/// Whether `staff` may see what a unit named in data did (units outside the tree, and systems
/// that are not units, belong to the root: only a scope over the whole tree sees them).
fn sees_unit_named(staff: &Staff, name: &str) -> bool {
    sees_unit(staff, &unit_id_of(staff.org(), name))
}

/// The names of the units `staff` may see (their scope), for data that names units.
fn scope_names(staff: &Staff) -> Vec<String> {
    let tree = staff.org();
    tree.scope_names(&scope_root(tree, &staff.account))
}

/// `authorize`, refused with the 403 page.
fn allow(staff: &Staff, action: Action, unit_id: &str) -> Result<(), Response> {
    authorize(&staff.account, action, unit_id, staff.org()).map_err(|d| forbidden(&d.to_string()))
}

/// `authorize` for the first of `actions` whose roles the account has (any of them will do);
/// refused with the 403 page naming every role that could do `what`.
fn allow_any(staff: &Staff, what: &str, actions: &[Action], unit_id: &str) -> Result<(), Response> {
    let has = |a: &&Action| a.roles().iter().any(|r| staff.account.roles.contains(r));
    let held: Vec<Action> = actions.iter().filter(has).copied().collect();
    if held
        .iter()
        .any(|a| authorize(&staff.account, *a, unit_id, staff.org()).is_ok())
    {
        return Ok(());
    }
    match held.first() {
        Some(a) => allow(staff, *a, unit_id),
        None => {
            let mut roles: Vec<&str> = Vec::new();
            for r in actions.iter().flat_map(|a| a.roles()) {
                if !roles.contains(&r.label()) {
                    roles.push(r.label());
                }
            }
            let have: Vec<&str> = staff.account.roles.iter().map(|r| r.label()).collect();
            Err(forbidden(&format!(
                "“{what}”需要以下角色之一：{}（当前角色：{}）",
                roles.join("、"),
                if have.is_empty() {
                    "无".to_string()
                } else {
                    have.join("、")
                }
            )))
        }
    }
}

/// `authorize_review` (maker-checker: not one's own work), refused with the 403 page.
fn allow_review(staff: &Staff, action: Action, unit_id: &str, maker: &str) -> Result<(), Response> {
    authorize_review(&staff.account, action, unit_id, maker, staff.org())
        .map_err(|d| forbidden(&d.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Pages, error pages and the usual preambles.

/// A refused or failed console request, as a page (the console is HTML, not the JSON API).
#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    message: String,
    details: Vec<String>,
}

/// A refused or failed console request as a page: the status, the Chinese message and every
/// detail, and a way back.
fn err_page(e: ApiError) -> Response {
    let page = ErrorPage {
        message: e.message,
        details: e.details.iter().map(ToString::to_string).collect(),
    };
    crate::html::render_status(e.status, &page)
}

/// A 422 page with `message`.
fn invalid(message: impl Into<String>) -> Response {
    err_page(ApiError::invalid(message))
}

/// Turns a store or application failure into the console's error page.
trait OrPage<T> {
    fn or_page(self) -> Result<T, Response>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self) -> Result<T, Response> {
        self.map_err(|e| err_page(e.into()))
    }
}

/// Load-or-404: a lookup's value, or the 404 page saying what is `missing`.
fn found<T, E: Into<ApiError>>(
    lookup: Result<Option<T>, E>,
    missing: impl FnOnce() -> String,
) -> Result<T, Response> {
    lookup
        .or_page()?
        .ok_or_else(|| err_page(ApiError::not_found(missing())))
}

/// The console frame's facts for `staff`: the page title and who is signed in.
fn frame(staff: &Staff, title: &str) -> Frame {
    let roles: Vec<&str> = staff.account.roles.iter().map(|r| r.label()).collect();
    Frame {
        title: title.to_string(),
        name: staff.account.name.clone(),
        unit: unit_name(staff.org(), &staff.account.unit_id),
        roles: roles.join("、"),
        csrf: staff.csrf.clone(),
    }
}

/// A page answered with 200.
fn show(page: &impl Template) -> Answer {
    Ok(crate::html::render(page).into_response())
}

/// 303 to `to`.
fn see_other(to: &str) -> Answer {
    Ok(Redirect::to(to).into_response())
}

/// A ledger event caused by `staff`, now.
fn event(staff: &Staff, payload: EventPayload) -> NewEvent {
    NewEvent::new(staff.actor(), Utc::now(), payload)
}

/// Appends `events`, brings the check index up to date, and sends the browser to `to`.
async fn write_then(state: &AppState, events: Vec<NewEvent>, to: &str) -> Answer {
    state.store.append(events).await.or_page()?;
    let _ = state.refresh_checks().await;
    see_other(to)
}

// ---------------------------------------------------------------------------------------------
// Multipart uploads: the token checked once, here.

/// A multipart console form (file import, a new four-list version): the signed-in staff
/// member, its text fields and its file (name, bytes), the CSRF token checked.
struct CsrfUpload {
    staff: Staff,
    fields: HashMap<String, String>,
    file: Option<(String, axum::body::Bytes)>,
}

impl CsrfUpload {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// A text field, trimmed; `None` when missing or blank.
    fn text(&self, name: &str) -> Option<&str> {
        self.field(name).map(str::trim).filter(|s| !s.is_empty())
    }
}

impl FromRequest<AppState> for CsrfUpload {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut upload = CsrfUpload {
            staff,
            fields: HashMap::new(),
            file: None,
        };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(invalid(format!("上传内容无法解析：{e}"))),
            };
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| invalid(format!("上传中断或超过大小上限：{e}")))?;
            let checked = |field: &str, value: &str| {
                crate::edge::check_text_field(field, value).map_err(err_page)
            };
            checked(&name, &name)?;
            if name == "file" {
                let file_name = file_name.unwrap_or_else(|| "upload.csv".into());
                checked("file", &file_name)?;
                upload.file = Some((file_name, bytes));
            } else {
                let value = String::from_utf8_lossy(&bytes).into_owned();
                checked(&name, &value)?;
                upload.fields.insert(name, value);
            }
        }
        upload
            .staff
            .check_csrf(upload.field("csrf").unwrap_or(""))?;
        Ok(upload)
    }
}
