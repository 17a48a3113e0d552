//! The public reads of the API: health, subjects and records, the ledger head, the 公示栏,
//! statistics and the name lists (no token needed; personal data masked).

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use crate::ratelimit::ClientIp;
use crate::views::{EventView, NameView, RecordView, SubjectView};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xyjt_app::stats::StatsRow;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::mask::Audience;
use xyjt_core::text::name_key;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// `sqlite` | `postgres`
    pub database: String,
    /// Number of events in the ledger.
    pub ledger_events: i64,
    /// With `serve --read-db`: the streaming replica the public reads go to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_replica: Option<ReplicaHealth>,
}

#[derive(Serialize, ToSchema)]
pub struct ReplicaHealth {
    /// 0 when the replica has replayed all it has received, else the age in seconds of the
    /// last commit it replayed: how much older the public data may be.
    pub replay_lag_seconds: f64,
}

/// Liveness and database reachability (the primary's, and the read replica's if any).
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 500, body = ErrorEnvelope)))]
pub(crate) async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let head = state.store.head().await?;
    Ok(Json(Health {
        status: "ok".into(),
        database: match state.store.backend() {
            xyjt_store::Backend::Sqlite => "sqlite".into(),
            xyjt_store::Backend::Postgres => "postgres".into(),
        },
        ledger_events: head.seq,
        read_replica: state
            .public_store
            .replay_lag()
            .await?
            .map(|replay_lag_seconds| ReplicaHealth { replay_lag_seconds }),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubjectQuery {
    /// Name (any part, current or former) or any identifier (USCC, organisation code,
    /// registration number, citizen ID).
    pub q: Option<String>,
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page, at most 100.
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SubjectList {
    pub items: Vec<SubjectView>,
    /// Matches, counted up to 1,000 (a name search pages through at most that many).
    pub total: i64,
    /// More than 1,000 subjects match: give more of the name.
    pub more: bool,
    pub page: i64,
    pub per_page: i64,
}

fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), ApiError> {
    let page = crate::edge::page_number(page)?;
    let per_page = per_page.unwrap_or(20);
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::invalid("per_page 必须在 1 到 100 之间"));
    }
    Ok((page, per_page))
}

/// Search subjects by name or identifier (public; personal data masked). Limited per client
/// (default 120 requests a minute): over it, 429 with `Retry-After`.
#[utoipa::path(get, path = "/api/v1/subjects", params(SubjectQuery),
    responses((status = 200, body = SubjectList), (status = 422, body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope, headers(("Retry-After" = u64, description = "seconds to wait")))))]
pub(crate) async fn list_subjects(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(q): Query<SubjectQuery>,
) -> Response {
    if let Err(wait) = state.search_allowed(client) {
        return crate::error::rate_limited(wait);
    }
    search_subjects(&state, q).await.into_response()
}

pub(crate) async fn search_subjects(
    state: &AppState,
    q: SubjectQuery,
) -> Result<Json<SubjectList>, ApiError> {
    let (page, per_page) = paging(q.page, q.per_page)?;
    let text = q.q.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid("请输入名称或代码 (q is required)"));
    }
    let checked = check(text);
    if checked.kind != CodeKind::Unknown
        && let Ok(code) = &checked.result
    {
        let mut found = state.public_store.subject_by_code(code).await?;
        if let Some(s) = &found
            && state.hidden_from_public(&s.id).await?
        {
            found = None;
        }
        let items: Vec<SubjectView> = found
            .iter()
            .map(|s| SubjectView::new(s, Audience::Public))
            .collect();
        return Ok(Json(SubjectList {
            total: items.len() as i64,
            more: false,
            items,
            page,
            per_page,
        }));
    }
    let result = state
        .public_store
        .search_subjects(&name_key(text), per_page, (page - 1) * per_page)
        .await?;
    Ok(Json(SubjectList {
        items: result
            .items
            .iter()
            .map(|s| SubjectView::new(s, Audience::Public))
            .collect(),
        total: result.total,
        more: result.more,
        page,
        per_page,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SubjectProfile {
    #[serde(flatten)]
    pub subject: SubjectView,
    /// Every name the subject has had, oldest first.
    pub names: Vec<NameView>,
    /// Records public today (active and inside their publicity window).
    pub records: Vec<RecordView>,
    /// Credit evaluation grades in force today, one per model (信用评价).
    pub grades: Vec<crate::api::evaluation::GradeView>,
}

/// A subject's public profile: identifiers, name history and public records.
#[utoipa::path(get, path = "/api/v1/subjects/{id}", params(("id" = String, Path, description = "subject id")),
    responses((status = 200, body = SubjectProfile), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn get_subject(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SubjectProfile>, ApiError> {
    let subject = state
        .public_store
        .subject(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("主体 {id} 不存在")))?;
    if state.hidden_from_public(&id).await? {
        return Err(ApiError::not_found(format!("主体 {id} 不存在")));
    }
    let names = state.public_store.name_history(&id).await?;
    let records = state.public_store.records_of_subject(&id).await?;
    let today = state.today();
    let marks =
        xyjt_app::workflows::objection_marks(state.public_store.as_ref(), Some(&id)).await?;
    let grades = xyjt_app::evaluation::grades_of(state.public_store.as_ref(), &id, today).await?;
    Ok(Json(SubjectProfile {
        grades: grades
            .iter()
            .map(crate::api::evaluation::GradeView::new)
            .collect(),
        subject: SubjectView::new(&subject, Audience::Public),
        names: names
            .iter()
            .map(|n| NameView::new(&subject, n, Audience::Public))
            .collect(),
        records: records
            .iter()
            .filter(|r| r.is_public_on(today))
            .map(|r| RecordView::new(r, Audience::Public).marked(&marks))
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Read the record as the platform knew it at this time: `YYYY-MM-DD` (end of that day,
    /// UTC) or an RFC 3339 timestamp.
    pub as_of: Option<String>,
}

fn parse_as_of(s: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("as_of “{s}” 不是日期 (YYYY-MM-DD 或 RFC 3339)")))?;
    let end = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("valid time");
    Ok(day.and_time(end).and_utc())
}

/// A record, now or as of a past time. Revoked records and records outside their publicity
/// window are not public.
#[utoipa::path(get, path = "/api/v1/records/{id}", params(("id" = String, Path, description = "record id"), AsOfQuery),
    responses((status = 200, body = RecordView), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub(crate) async fn get_record(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> Result<Json<RecordView>, ApiError> {
    let missing = || ApiError::not_found(format!("记录 {id} 不存在或未公开"));
    let current = state.public_store.record(&id).await?.ok_or_else(missing)?;
    if !current.is_public_on(state.today()) {
        return Err(missing());
    }
    let record = match q.as_of.as_deref() {
        Some(s) => state
            .public_store
            .record_as_of(&id, parse_as_of(s)?)
            .await?
            .ok_or_else(missing)?,
        None => current,
    };
    let marks =
        xyjt_app::workflows::objection_marks(state.public_store.as_ref(), Some(&record.subject_id))
            .await?;
    Ok(Json(
        RecordView::new(&record, Audience::Public).marked(&marks),
    ))
}

/// The ledger events of a record, oldest first, with their hashes.
#[utoipa::path(get, path = "/api/v1/records/{id}/history", params(("id" = String, Path, description = "record id")),
    responses((status = 200, body = [EventView]), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn record_history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let events = state.public_store.events_of(&id).await?;
    if events.is_empty() {
        return Err(ApiError::not_found(format!("记录 {id} 不存在")));
    }
    Ok(Json(events.iter().map(EventView::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
    pub recorded_at: String,
}

/// The ledger's head: the last event's number and hash (publish it to anchor the chain).
#[utoipa::path(get, path = "/api/v1/ledger/head", responses((status = 200, body = Head)))]
pub(crate) async fn ledger_head(State(state): State<AppState>) -> Result<Json<Head>, ApiError> {
    let h = state.store.head().await?;
    Ok(Json(Head {
        seq: h.seq,
        hash: h.hash,
        recorded_at: h.recorded_at,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicityParams {
    /// `license` (行政许可) or `penalty` (行政处罚)
    pub category: Option<String>,
    /// Deciding or reporting unit: its USCC, or part of its name
    pub unit: Option<String>,
    /// Decision date from (inclusive), YYYY-MM-DD
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Decision date to (inclusive), YYYY-MM-DD
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// Keyset paging: the page after this cursor (`next_after` of the page before), instead
    /// of `page`; a deep page then costs what the first does
    pub after: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<RecordView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// The cursor of the next page (`?after=`), when there may be one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// A 公示栏 cursor: the last record's decision date and id, `YYYY-MM-DD~ID`.
fn parse_after(s: &str) -> Result<(NaiveDate, String), ApiError> {
    let bad = || ApiError::invalid(format!("after “{s}” 无效，应为上一页返回的 next_after"));
    let (date, id) = s.split_once('~').ok_or_else(bad)?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok((date, id.to_string()))
}

fn parse_category(s: &str) -> Result<xyjt_core::record::RecordCategory, ApiError> {
    use xyjt_core::record::RecordCategory;
    match s.trim() {
        "license" | "licenses" | "行政许可" => Ok(RecordCategory::License),
        "penalty" | "penalties" | "行政处罚" => Ok(RecordCategory::Penalty),
        other => Err(ApiError::invalid(format!(
            "category “{other}” 无效，应为 license 或 penalty"
        ))),
    }
}

/// 双公示 公示栏: licences and penalties public today, newest decision first.
#[utoipa::path(get, path = "/api/v1/publicity", params(PublicityParams),
    responses((status = 200, body = RecordList), (status = 422, body = ErrorEnvelope)))]
pub(crate) async fn publicity(
    State(state): State<AppState>,
    Query(p): Query<PublicityParams>,
) -> Result<Json<RecordList>, ApiError> {
    let (page, per_page) = paging(p.page, p.per_page)?;
    if let (Some(from), Some(to)) = (p.from, p.to)
        && from > to
    {
        return Err(ApiError::invalid("from 不能晚于 to"));
    }
    let query = xyjt_store::PublicityQuery {
        on: state.today(),
        category: p.category.as_deref().map(parse_category).transpose()?,
        unit: p.unit,
        decided_from: p.from,
        decided_to: p.to,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let after = p.after.as_deref().map(parse_after).transpose()?;
    if after.is_some() && p.page.is_some() {
        return Err(ApiError::invalid("page 与 after 只能用一个"));
    }
    let result = match &after {
        None => state.public_records(&query).await?,
        Some((date, id)) => {
            let counted = xyjt_store::PublicityQuery {
                limit: 0,
                ..query.clone()
            };
            let total = state.public_records(&counted).await?.total;
            let items = state
                .public_store
                .public_records_after(&query, *date, id)
                .await?;
            xyjt_store::RecordPage { items, total }
        }
    };
    let next_after = (result.items.len() as i64 == per_page)
        .then(|| result.items.last())
        .flatten()
        .map(|r| format!("{}~{}", r.body.decision_date(), r.id));
    let marks = state.objection_marks().await?;
    Ok(Json(RecordList {
        items: result
            .items
            .iter()
            .map(|r| RecordView::new(r, Audience::Public).marked(&marks))
            .collect(),
        total: result.total,
        page,
        per_page,
        next_after,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Only this month, YYYY-MM
    pub month: Option<String>,
    /// Only this reporting unit (USCC)
    pub unit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatsList {
    pub items: Vec<StatsRow>,
}

/// 双公示 compliance and timeliness per reporting unit and month.
#[utoipa::path(get, path = "/api/v1/stats/shuanggongshi", params(StatsParams),
    responses((status = 200, body = StatsList)))]
pub(crate) async fn shuanggongshi_stats(
    State(state): State<AppState>,
    Query(p): Query<StatsParams>,
) -> Result<Json<StatsList>, ApiError> {
    let rows = xyjt_app::stats::stats_rows(
        state.public_store.as_ref(),
        p.month.as_deref(),
        p.unit.as_deref(),
    )
    .await?;
    Ok(Json(StatsList { items: rows }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1 (default 1)
    pub page: Option<i64>,
    /// Entries per page, 1 to 1000 (default 100)
    pub per_page: Option<i64>,
    /// The `next_after` of the page before (instead of `page`): the entry id to continue after
    pub after: Option<String>,
}

/// Public name-list entries in force today: `red`, `black`, `watch`, or an external list's name,
/// newest entry date first (then by entry id), paged. Natural persons' names and ID numbers are
/// masked. Served from the check index: a deep page costs what the first does.
#[utoipa::path(get, path = "/api/v1/lists/{list}", params(("list" = String, Path, description = "red | black | watch | external list name"), ListParams),
    responses((status = 200, body = Object), (status = 422, body = ErrorEnvelope)))]
pub(crate) async fn list_entries(
    State(state): State<AppState>,
    Path(list): Path<String>,
    Query(p): Query<ListParams>,
) -> Result<axum::response::Response, ApiError> {
    let page = crate::edge::page_number(p.page)?;
    let per_page = p.per_page.unwrap_or(100);
    if !(1..=1000).contains(&per_page) {
        return Err(ApiError::invalid("per_page 必须在 1 到 1000 之间"));
    }
    if p.after.is_some() && p.page.is_some() {
        return Err(ApiError::invalid("page 与 after 只能用一个"));
    }
    let index = state.checks.current();
    let shown = index.public_list(&list, state.today());
    let from = match &p.after {
        Some(id) => shown.after(id).ok_or_else(|| {
            ApiError::invalid(format!("after “{id}” 无效，应为上一页返回的 next_after"))
        })?,
        None => usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX),
    };
    let per_page_n = usize::try_from(per_page).unwrap_or(100);
    let marks = state.objection_marks().await?;
    // Borrowed fields, typed: a page of 1,000 entries allocates its strings once, not a map per
    // entry (the keys are in the order serde_json's maps gave them before).
    let items: Vec<ListItem> = index
        .public_entries(&shown, from, per_page_n)
        .map(|(e, kind)| {
            let (name, code) = crate::views::entry_name_and_code(e, kind);
            ListItem {
                basis: &e.entry.basis,
                code: (!code.is_empty()).then_some(code),
                deciding_unit: &e.entry.deciding_unit,
                entry_date: e.entry.entry_date,
                id: &e.entry.id,
                item_id: &e.entry.item_id,
                list: &list,
                list_label: e.entry.list.label(),
                name,
                policy_version: e.entry.policy_version,
                under_objection: marks.contains(&e.entry.id),
                valid_until: e.entry.valid_until,
            }
        })
        .collect();
    let next_after = (from + items.len() < shown.len())
        .then(|| items.last().map(|i| i.id.to_string()))
        .flatten();
    let body = ListBody {
        total: shown.len(),
        next_after,
        page: p.after.is_none().then_some(page),
        per_page,
        items,
    };
    Ok(axum::response::IntoResponse::into_response(Json(body)))
}

#[derive(Serialize)]
struct ListItem<'a> {
    basis: &'a str,
    code: Option<String>,
    deciding_unit: &'a str,
    entry_date: NaiveDate,
    id: &'a str,
    item_id: &'a str,
    list: &'a str,
    list_label: &'a str,
    name: String,
    policy_version: u32,
    under_objection: bool,
    valid_until: Option<NaiveDate>,
}

#[derive(Serialize)]
struct ListBody<'a> {
    items: Vec<ListItem<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<i64>,
    per_page: i64,
    total: usize,
}
