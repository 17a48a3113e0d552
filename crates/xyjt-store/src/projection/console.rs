//! Projections and queries for the console: accounts, sessions, submissions, and the audit
//! trail (recent ledger events, who did what).

use crate::{Context, StoreError};
use sqlx::{AnyConnection, Row};
use xyjt_core::account::Account;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::submission::{SubmissionState, SubmissionStatus, review};

pub(crate) async fn load_submission(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<SubmissionState>, StoreError> {
    crate::codec::load_data(
        conn,
        "SELECT data FROM submissions WHERE id = $1",
        id,
        "报送",
    )
    .await
}

async fn write_submission(
    conn: &mut AnyConnection,
    s: &SubmissionState,
    existed: bool,
    seq: i64,
) -> Result<(), StoreError> {
    let sql = if existed {
        "UPDATE submissions SET unit_id = $2, status = $3, data = $4, last_seq = $5 WHERE id = $1"
    } else {
        "INSERT INTO submissions (id, unit_id, status, data, last_seq) VALUES ($1, $2, $3, $4, $5)"
    };
    sqlx::query(sql)
        .bind(&s.submission.id)
        .bind(&s.submission.unit_id)
        .bind(crate::codec::enum_str(&s.status))
        .bind(serde_json::to_string(s).expect("submissions serialise"))
        .bind(seq)
        .execute(conn)
        .await
        .map_err(|e| crate::codec::insert_error(e, "报送", &s.submission.id, "写入报送"))?;
    Ok(())
}

pub(crate) async fn project(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
) -> Result<(), StoreError> {
    match &event.payload {
        EventPayload::AccountCreated {
            account,
            password_hash,
        } => {
            sqlx::query(
                "INSERT INTO accounts (login, unit_id, data, password_hash, last_seq) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&account.login)
            .bind(&account.unit_id)
            .bind(serde_json::to_string(account).expect("accounts serialise"))
            .bind(password_hash)
            .bind(seq)
            .execute(conn)
            .await
            .map_err(|e| crate::codec::insert_error(e, "账号", &account.login, "写入账号"))?;
            Ok(())
        }
        EventPayload::PasswordChanged {
            login,
            password_hash,
        } => {
            let done = sqlx::query(
                "UPDATE accounts SET password_hash = $1, last_seq = $2 WHERE login = $3",
            )
            .bind(password_hash)
            .bind(seq)
            .bind(login)
            .execute(&mut *conn)
            .await
            .context("更新密码")?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("账号 {login}")));
            }
            // Every session of the account ends with the old password.
            sqlx::query("DELETE FROM sessions WHERE login = $1")
                .bind(login)
                .execute(conn)
                .await
                .context("注销会话")?;
            Ok(())
        }
        EventPayload::SubmissionFiled { submission } => {
            let s = SubmissionState {
                submission: submission.clone(),
                status: SubmissionStatus::Pending,
                reviewed_by: None,
                review_comment: None,
                reviewed_on: None,
            };
            write_submission(conn, &s, false, seq).await
        }
        EventPayload::SubmissionReviewed {
            submission_id,
            approved,
            by,
            comment,
            on,
        } => {
            let before = load_submission(conn, submission_id).await?;
            let after = review(before, submission_id, *approved, by, comment, *on)
                .map_err(|e| StoreError::Workflow(e.to_string()))?;
            write_submission(conn, &after, true, seq).await
        }
        _ => Ok(()),
    }
}

pub(crate) async fn account(
    conn: &mut AnyConnection,
    login: &str,
) -> Result<Option<(Account, String)>, StoreError> {
    let row = sqlx::query("SELECT data, password_hash FROM accounts WHERE login = $1")
        .bind(login)
        .fetch_optional(conn)
        .await
        .context("读取账号")?;
    row.map(|r| {
        let data: String = r.try_get(0).context("账号 data")?;
        let hash: String = r.try_get(1).context("账号 password_hash")?;
        let account = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("account: {e}")))?;
        Ok((account, hash))
    })
    .transpose()
}
