//! Staff accounts and their passwords (argon2id), the demo's accounts.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;
use xyjt_core::account::{Account, Role};
use xyjt_core::ledger::{EventPayload, NewEvent};

/// An argon2id PHC string for a password (random salt).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Checks a new account's fields; errors in Chinese.
pub fn validate_account(
    login: &str,
    name: &str,
    password: &str,
    roles: &[Role],
) -> Result<(), String> {
    if login.len() < 3
        || login.len() > 32
        || !login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
    {
        return Err("账号应为 3–32 位小写字母、数字或 . _ -".into());
    }
    if name.trim().is_empty() {
        return Err("姓名不能为空".into());
    }
    if password.chars().count() < 10 {
        return Err("密码至少 10 位".into());
    }
    if roles.is_empty() {
        return Err("至少选择一个角色".into());
    }
    Ok(())
}

/// The event that creates an account (the password hashed with argon2).
pub fn account_event(actor: &str, account: Account, password: &str) -> NewEvent {
    NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::AccountCreated {
            account,
            password_hash: hash_password(password),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Demo accounts.

/// The password of every demo account (README); never used outside the demo.
pub const DEMO_PASSWORD: &str = "xyjt-demo-2026";

/// The demo's staff accounts: (login, name, unit id, roles).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &[Role])] = &[
    ("admin", "系统管理员（演示）", "SF", &[Role::SysAdmin]),
    ("xyc", "省信用管理处（演示）", "SF-XY", &[Role::CreditAdmin]),
    (
        "xl-lr",
        "西岭执法支队录入员（演示）",
        "XL-ZF",
        &[Role::Clerk],
    ),
    (
        "xl-sh",
        "西岭执法支队审核员（演示）",
        "XL-ZF",
        &[Role::Reviewer],
    ),
    (
        "dh-lr",
        "东湖执法支队录入员（演示）",
        "DH-ZF",
        &[Role::Clerk],
    ),
    (
        "dh-sh",
        "东湖执法支队审核员（演示）",
        "DH-ZF",
        &[Role::Reviewer],
    ),
];

/// The events creating the demo accounts.
pub fn demo_account_events() -> Vec<NewEvent> {
    DEMO_ACCOUNTS
        .iter()
        .map(|(login, name, unit, roles)| {
            account_event(
                "demo",
                Account {
                    login: (*login).into(),
                    name: (*name).into(),
                    unit_id: (*unit).into(),
                    roles: roles.to_vec(),
                    disabled: false,
                },
                DEMO_PASSWORD,
            )
        })
        .collect()
}

/// Issues an API token to a calling system named `name` (a unit's name, or a platform's):
/// returns the token, shown once; the ledger keeps only its SHA-256.
pub async fn issue_token(
    store: &dyn xyjt_store::Store,
    name: &str,
    actor: &str,
) -> crate::AppResult<String> {
    issue_scoped_token(store, name, &[], actor).await
}

/// A token limited to `decision_points` (none: every decision point except the personnel ones,
/// which a token must name to ask).
pub async fn issue_scoped_token(
    store: &dyn xyjt_store::Store,
    name: &str,
    decision_points: &[xyjt_core::lists::DecisionPoint],
    actor: &str,
) -> crate::AppResult<String> {
    if name.trim().is_empty() {
        return Err(crate::AppError::invalid("调用方名称不能为空"));
    }
    let token = format!(
        "xyjt_{}",
        xyjt_core::workflow::random_code(40).to_lowercase()
    );
    store
        .append(vec![NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::ApiTokenIssued {
                token_id: xyjt_core::ledger::new_id(),
                name: name.to_string(),
                token_hash: xyjt_core::canonical::sha256_hex(token.as_bytes()),
                decision_points: decision_points.to_vec(),
            },
        )])
        .await?;
    Ok(token)
}
