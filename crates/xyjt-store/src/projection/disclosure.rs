//! Projection of the disclosure catalogue (政务公开): one row per item, folded by
//! `xyjt_core::disclosure::apply`, so a step the fold refuses fails the append.

use crate::StoreError;
use sqlx::AnyConnection;
use xyjt_core::disclosure::{ItemState, apply};
use xyjt_core::ledger::{EventPayload, NewEvent};

pub(crate) async fn load_item(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ItemState>, StoreError> {
    crate::codec::load_data(
        conn,
        "SELECT data FROM disclosure_items WHERE id = $1",
        id,
        "政务公开信息",
    )
    .await
}

pub(crate) async fn project(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
) -> Result<(), StoreError> {
    if let EventPayload::DisclosureReportPublished { report, by, on, .. } = &event.payload {
        xyjt_core::disclosure::annual::check_identity(&report.requests)
            .map_err(|e| StoreError::Workflow(format!("年度报告不能发布：{e}")))?;
        let published = xyjt_core::disclosure::annual::PublishedReport {
            report: report.clone(),
            by: by.clone(),
            on: *on,
        };
        sqlx::query("INSERT INTO disclosure_reports (year, data, last_seq) VALUES ($1, $2, $3)")
            .bind(i64::from(report.year))
            .bind(crate::codec::to_json(&published))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                crate::codec::insert_error(e, "年度报告", &report.year.to_string(), "写入年度报告")
            })?;
        return Ok(());
    }
    let step = event.payload.disclosure_step().expect("a disclosure event");
    let id = event.payload.aggregate_id().to_string();
    let before = load_item(conn, &id).await?;
    let existed = before.is_some();
    let s = apply(before, step).map_err(StoreError::Workflow)?;
    let status = crate::codec::enum_str(&s.status);
    let openness = crate::codec::enum_str(&s.item.openness);
    let (code, year, no) = match &s.index_no {
        Some(n) => (
            Some(n.code.clone()),
            Some(i64::from(n.year)),
            Some(i64::from(n.seq)),
        ),
        None => (None, None, None),
    };
    let published_on = s.published_on.map(|d| d.to_string());
    if existed {
        sqlx::query(
            "UPDATE disclosure_items SET unit = $1, category = $2, col = $3, status = $4, \
             openness = $5, index_code = $6, index_year = $7, index_seq = $8, \
             published_on = $9, data = $10, last_seq = $11 WHERE id = $12",
        )
        .bind(&s.item.unit)
        .bind(&s.item.category)
        .bind(&s.item.column)
        .bind(status)
        .bind(openness)
        .bind(code.clone())
        .bind(year)
        .bind(no)
        .bind(published_on)
        .bind(crate::codec::to_json(&s))
        .bind(seq)
        .bind(&id)
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            crate::codec::insert_error(
                e,
                "索引号",
                &s.index_no
                    .as_ref()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                "更新政务公开信息",
            )
        })?;
    } else {
        sqlx::query(
            "INSERT INTO disclosure_items (id, unit, category, col, status, openness, \
             index_code, index_year, index_seq, published_on, data, last_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(&s.item.unit)
        .bind(&s.item.category)
        .bind(&s.item.column)
        .bind(status)
        .bind(openness)
        .bind(code)
        .bind(year)
        .bind(no)
        .bind(published_on)
        .bind(crate::codec::to_json(&s))
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(|e| crate::codec::insert_error(e, "政务公开信息", &id, "写入政务公开信息"))?;
    }
    Ok(())
}
