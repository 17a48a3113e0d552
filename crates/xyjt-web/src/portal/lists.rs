//! The portal's name lists (红名单、黑名单、重点关注名单 and external lists): the entries in
//! force today, masked for the public, searchable by name.

use super::shared::{entry_name_and_code, urlencode};
use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use xyjt_core::listing::EntryState;
use xyjt_core::lists::{ListPolicy, NameList};
use xyjt_core::subject::PartyCategory;
use xyjt_core::text::name_key;

#[derive(Deserialize)]
pub struct ListPageQuery {
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "portal/list.html")]
struct ListPage {
    label: String,
    intro: &'static str,
    /// The list's key, percent-encoded for links.
    key: String,
    query: String,
    /// The query, percent-encoded for the page links.
    query_q: String,
    today: NaiveDate,
    in_force: usize,
    /// How many in force match the query.
    found: usize,
    rows: Vec<EntryRow>,
    page: usize,
    pages: usize,
}

struct EntryRow {
    /// The subject's id, percent-encoded, when the entry is of a platform subject.
    subject: Option<String>,
    name: String,
    code: String,
    item: String,
    item_id: String,
    policy_version: u32,
    unit: String,
    entry_date: String,
    valid_until: String,
    basis: String,
    under_objection: bool,
    /// The entry id, percent-encoded for the objection link.
    link_id: String,
}

#[derive(Template)]
#[template(path = "portal/list_missing.html")]
struct ListMissing;

/// An entry as the public sees it: a natural person's name keeps the family name and a
/// citizen ID number only its first 6 and last 4 characters.
struct ShownEntry<'a> {
    state: &'a EntryState,
    name: String,
    code: String,
}

fn shown(e: &EntryState, subject_kind: Option<PartyCategory>) -> ShownEntry<'_> {
    let (name, code) = entry_name_and_code(e, subject_kind);
    ShownEntry {
        state: e,
        name,
        code,
    }
}

fn list_intro(list: &NameList) -> &'static str {
    match list {
        NameList::Red => {
            "守信激励对象：依据诚信典型范围清单认定，在行政许可、日常检查、评优评先等环节依规给予激励。"
        }
        NameList::Black => {
            "严重失信主体名单：依据严重失信行为及主体范围清单认定，经审核后公示，相关单位依规实施联合惩戒。"
        }
        NameList::Watch => {
            "重点关注名单：存在失信行为、尚未达到严重失信认定标准的主体，实施重点监管。"
        }
        NameList::External(_) => "由其他部门提供并在本平台共享的名单，以提供单位的认定为准。",
    }
}

const LIST_PAGE_SIZE: usize = 50;

/// Policy versions by number, for the titles of the items entries cite.
type Versions = HashMap<u32, Option<ListPolicy>>;

/// `/lists/{list}`: the entries in force today, searchable by name.
pub async fn list_page(
    State(state): State<AppState>,
    Path(list): Path<String>,
    Query(q): Query<ListPageQuery>,
) -> Result<Response, ApiError> {
    let missing = || crate::html::render_status(StatusCode::NOT_FOUND, &ListMissing);
    let Some(name_list) = NameList::from_key(&list) else {
        return Ok(missing());
    };
    let today = state.today();
    let index = state.checks.current();
    let list = index.public_list(name_list.key(), today);
    let policy = index.policy.clone();
    if name_list.is_external()
        && list.is_empty()
        && !policy.items.iter().any(|i| i.lists.contains(&name_list))
    {
        return Ok(missing());
    }
    let in_force = list.len();
    let query = q.q.unwrap_or_default().trim().to_string();
    // Only what is shown is searched: a person's full name does not find the masked row.
    let rows: Vec<ShownEntry> = if query.is_empty() {
        Vec::new()
    } else {
        let key = name_key(&query);
        index
            .all_public_entries(&list)
            .map(|(e, kind)| shown(e, kind))
            .filter(|r| {
                name_key(&r.name).contains(&key) || (!r.code.contains('*') && r.code == key)
            })
            .collect()
    };
    let found = if query.is_empty() {
        in_force
    } else {
        rows.len()
    };
    let pages = found.div_ceil(LIST_PAGE_SIZE).max(1);
    let page = match crate::edge::page_number(q.page) {
        Ok(page) => usize::try_from(page).unwrap_or(1).min(pages),
        Err(e) => return Ok(crate::edge::refusal("/lists", e)),
    };
    let from = (page - 1) * LIST_PAGE_SIZE;
    let page_rows: Vec<ShownEntry> = if query.is_empty() {
        index
            .public_entries(&list, from, LIST_PAGE_SIZE)
            .map(|(e, kind)| shown(e, kind))
            .collect()
    } else {
        rows.into_iter().skip(from).take(LIST_PAGE_SIZE).collect()
    };
    let versions = policy_versions(&state, &policy, &page_rows).await?;
    let marks = state.objection_marks().await?;
    let shown_rows = page_rows
        .iter()
        .map(|r| entry_row(r, &versions, &marks))
        .collect();
    let page = ListPage {
        label: name_list.label().to_string(),
        intro: list_intro(&name_list),
        key: urlencode(name_list.key()),
        query_q: urlencode(&query),
        query,
        today,
        in_force,
        found,
        rows: shown_rows,
        page,
        pages,
    };
    Ok(crate::html::render(&page).into_response())
}

/// The list policy versions the shown entries cite (the one in force is at hand; older ones
/// are read once each).
async fn policy_versions(
    state: &AppState,
    current: &ListPolicy,
    rows: &[ShownEntry<'_>],
) -> Result<Versions, ApiError> {
    let mut versions = Versions::new();
    versions.insert(current.version, Some(current.clone()));
    for r in rows {
        let v = r.state.entry.policy_version;
        if let std::collections::hash_map::Entry::Vacant(slot) = versions.entry(v) {
            slot.insert(state.public_store.list_policy(Some(v)).await?);
        }
    }
    Ok(versions)
}

fn entry_row(r: &ShownEntry, versions: &Versions, marks: &HashSet<String>) -> EntryRow {
    let e = &r.state.entry;
    EntryRow {
        subject: e.subject_id.as_deref().map(urlencode),
        name: r.name.clone(),
        code: r.code.clone(),
        item: versions
            .get(&e.policy_version)
            .and_then(|p| p.as_ref())
            .and_then(|p| p.item(&e.item_id))
            .map(|i| i.title.clone())
            .unwrap_or_default(),
        item_id: e.item_id.clone(),
        policy_version: e.policy_version,
        unit: e.deciding_unit.clone(),
        entry_date: e.entry_date.to_string(),
        valid_until: e
            .valid_until
            .map_or_else(|| "至决定移出".to_string(), |d| d.to_string()),
        basis: e.basis.clone(),
        under_objection: marks.contains(&e.id),
        link_id: urlencode(&e.id),
    }
}
