//! 账号管理: staff accounts, new accounts and API tokens for units' systems (系统管理员 of a
//! bureau, for units in it); everyone changes their own password here (`session`).

use super::{
    Answer, CsrfForm, OrPage, allow, frame, invalid, see_other, sees_unit, show, unit_name,
};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use std::collections::HashMap;
use xyjt_app::accounts::{account_event, validate_account};
use xyjt_core::account::{Account, Action, Role, authorize};

/// The form field of a role's checkbox: `role_` and the role's key (`role_clerk`, …).
fn role_field(role: Role) -> String {
    let key = serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!("role_{key}")
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
struct AccountsPage {
    frame: Frame,
    accounts: Vec<(Account, String, String)>,
    /// Units the signed-in administrator may create accounts and tokens for: (id, name).
    units: Vec<(String, String)>,
    /// Role checkboxes: (field, label).
    roles: Vec<(String, &'static str)>,
    may_manage: bool,
}

fn role_labels(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

pub(super) async fn accounts_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let tree = staff.org();
    let accounts = state.store.accounts().await.or_page()?;
    let may_manage = authorize(
        &staff.account,
        Action::ManageAccounts,
        &staff.account.unit_id,
        tree,
    )
    .is_ok();
    show(&AccountsPage {
        frame: frame(&staff, "账号管理"),
        // Only the accounts of units in the reader's scope: another unit's staff are not theirs
        // to read, as they are not theirs to manage.
        accounts: accounts
            .into_iter()
            .filter(|a| sees_unit(&staff, &a.unit_id))
            .map(|a| {
                let unit = unit_name(tree, &a.unit_id);
                let roles = role_labels(&a.roles);
                (a, unit, roles)
            })
            .collect(),
        units: tree
            .units
            .iter()
            .filter(|u| may_manage && sees_unit(&staff, &u.id))
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect(),
        roles: Role::ALL
            .into_iter()
            .map(|r| (role_field(r), r.label()))
            .collect(),
        may_manage,
    })
}

/// A new account: login, name, unit, initial password, and a checkbox per role.
#[derive(Deserialize)]
pub(super) struct AccountForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    password: String,
    /// The role checkboxes ([`role_field`]).
    #[serde(flatten)]
    checked: HashMap<String, String>,
}

pub(super) async fn create_account(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<AccountForm>,
) -> Answer {
    let unit = f.unit_id.trim();
    allow(&staff, Action::ManageAccounts, unit)?;
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| f.checked.contains_key(&role_field(*r)))
        .collect();
    let (login, name, password) = (f.login.trim(), f.name.trim(), f.password.trim());
    validate_account(login, name, password, &roles).map_err(invalid)?;
    let account = Account {
        login: login.to_string(),
        name: name.to_string(),
        unit_id: unit.to_string(),
        roles,
        disabled: false,
    };
    let created = account_event(&staff.actor(), account, password);
    state.store.append(vec![created]).await.or_page()?;
    see_other("/console/accounts")
}

#[derive(Template)]
#[template(path = "console/token.html")]
struct TokenPage {
    frame: Frame,
    unit: String,
    token: String,
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    #[serde(default)]
    unit_id: String,
}

/// Issues an API token for a unit's system; it is shown once (never cached) and only its hash
/// is kept.
pub(super) async fn issue_token(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<TokenForm>,
) -> Answer {
    allow(&staff, Action::ManageAccounts, &f.unit_id)?;
    let unit = unit_name(staff.org(), &f.unit_id);
    let token = xyjt_app::accounts::issue_token(state.store.as_ref(), &unit, &staff.actor())
        .await
        .or_page()?;
    let page = crate::html::render(&TokenPage {
        frame: frame(&staff, "接口令牌"),
        unit,
        token,
    });
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}
