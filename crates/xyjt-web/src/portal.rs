//! The portal's name lists (红名单、黑名单、重点关注名单 and external lists), the policy
//! documents in force (公示期限、办理时限、四张清单、承诺书模板) and the news.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{esc, layout, page_status, urlencode};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::listing::EntryState;
use xyjt_core::lists::{ItemKind, ListPolicy, NameList};
use xyjt_core::mask::{mask_id_number, mask_person_name};
use xyjt_core::subject::PartyCategory;
use xyjt_core::text::name_key;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lists/{list}", get(list_page))
        .route("/policies", get(policies_page))
        .route("/news", get(news_page))
        .route("/news/{n}", get(news_item_page))
}

// ---------------------------------------------------------------------------------------------
// Name lists.

#[derive(Deserialize)]
pub struct ListPageQuery {
    q: Option<String>,
    page: Option<usize>,
}

/// An entry as the public sees it: a natural person's name keeps the family name and a
/// citizen ID number only its first 6 and last 4 characters.
struct ShownEntry<'a> {
    state: &'a EntryState,
    name: String,
    code: String,
}

/// Whether an entry names a natural person. Masked unless known to be an organisation: its
/// code is a valid organisation identifier, or the platform subject is not a natural person.
/// An entry with no code and no subject (an external list may send such) is masked too.
fn is_person(e: &EntryState, subject_kind: Option<PartyCategory>) -> bool {
    let code_kind = e.entry.code.as_deref().map(|c| {
        let checked = check(c);
        (checked.kind, checked.result.is_ok())
    });
    match (code_kind, subject_kind) {
        (Some((CodeKind::CitizenId, _)), _) => true,
        (_, Some(PartyCategory::NaturalPerson)) => true,
        (_, Some(_)) => false,
        (Some((CodeKind::Uscc | CodeKind::OrgCode | CodeKind::RegNo, true)), None) => false,
        _ => true,
    }
}

/// The name and code of an entry as the public may see them.
pub(crate) fn entry_name_and_code(
    e: &EntryState,
    subject_kind: Option<PartyCategory>,
) -> (String, String) {
    if is_person(e, subject_kind) {
        (
            mask_person_name(&e.entry.name),
            e.entry
                .code
                .as_deref()
                .map(mask_id_number)
                .unwrap_or_default(),
        )
    } else {
        (
            e.entry.name.clone(),
            e.entry.code.clone().unwrap_or_default(),
        )
    }
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

/// `/lists/{list}`: the entries in force today, searchable by name.
async fn list_page(
    State(state): State<AppState>,
    Path(list): Path<String>,
    Query(q): Query<ListPageQuery>,
) -> Result<Response, ApiError> {
    let missing = || {
        page_status(
            StatusCode::NOT_FOUND,
            "名单不存在",
            "<h1>名单不存在</h1><p>请从导航栏选择红名单、黑名单或重点关注名单。</p>",
        )
    };
    let Some(name_list) = NameList::from_key(&list) else {
        return Ok(missing());
    };
    let today = state.today();
    let all = state.store.list_entries(Some(name_list.key())).await?;
    let policy = state.store.list_policy(None).await?;
    if name_list.is_external()
        && all.is_empty()
        && !policy
            .as_ref()
            .is_some_and(|p| p.items.iter().any(|i| i.lists.contains(&name_list)))
    {
        return Ok(missing());
    }
    // Policy versions the entries cite, for the item titles.
    let mut versions: HashMap<u32, Option<ListPolicy>> = HashMap::new();
    if let Some(p) = &policy {
        versions.insert(p.version, Some(p.clone()));
    }
    let mut kinds: HashMap<String, Option<PartyCategory>> = HashMap::new();
    let mut rows = Vec::new();
    for e in all.iter().filter(|e| e.is_active_on(today)) {
        let kind = match &e.entry.subject_id {
            Some(id) => match kinds.get(id) {
                Some(k) => *k,
                None => {
                    let k = state.store.subject(id).await?.map(|s| s.kind);
                    kinds.insert(id.clone(), k);
                    k
                }
            },
            None => None,
        };
        if let std::collections::hash_map::Entry::Vacant(slot) =
            versions.entry(e.entry.policy_version)
        {
            slot.insert(
                state
                    .store
                    .list_policy(Some(e.entry.policy_version))
                    .await?,
            );
        }
        rows.push(shown(e, kind));
    }
    let total_in_force = rows.len();
    let query = q.q.unwrap_or_default();
    let query = query.trim();
    if !query.is_empty() {
        let key = name_key(query);
        rows.retain(|r| {
            // Only what is shown is searched: a person's full name does not find the masked row.
            name_key(&r.name).contains(&key) || (!r.code.contains('*') && r.code == key)
        });
    }
    rows.sort_by(|a, b| {
        b.state
            .entry
            .entry_date
            .cmp(&a.state.entry.entry_date)
            .then_with(|| a.name.cmp(&b.name))
    });
    let pages = rows.len().div_ceil(LIST_PAGE_SIZE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let label = name_list.label().to_string();
    let mut body = format!(
        "<h1>{}</h1><p class=\"muted\">{} 列入事项和惩戒、激励措施见<a href=\"/policies#lists\">政策文件</a>。</p>\
         <form action=\"/lists/{}\" method=\"get\" role=\"search\">\
         <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"按名称筛选\" aria-label=\"按名称筛选\">\
         <button type=\"submit\">筛选</button></form>",
        esc(&label),
        list_intro(&name_list),
        esc(&urlencode(name_list.key())),
        esc(query)
    );
    if query.is_empty() {
        body.push_str(&format!(
            "<p class=\"muted\">截至 {today}，有效名单共 {total_in_force} 条。</p>"
        ));
    } else {
        body.push_str(&format!(
            "<p class=\"muted\">截至 {today}，有效名单共 {total_in_force} 条，其中名称含“{}”的 {} 条。</p>",
            esc(query),
            rows.len()
        ));
    }
    if rows.is_empty() {
        body.push_str("<p>暂无符合条件的名单信息。</p>");
        return Ok(layout(&label, &body).into_response());
    }
    body.push_str(
        "<div class=\"scroll\"><table><tr><th>名称</th><th>代码</th><th>列入事项</th><th>认定单位</th>\
         <th>列入日期</th><th>有效期至</th><th>列入依据</th><th>操作</th></tr>",
    );
    let marks = crate::remedies::objection_marks(state.store.as_ref(), None).await?;
    for r in rows
        .iter()
        .skip((page - 1) * LIST_PAGE_SIZE)
        .take(LIST_PAGE_SIZE)
    {
        let e = &r.state.entry;
        let name = match &e.subject_id {
            Some(id) => format!(
                "<a href=\"/subjects/{}\">{}</a>",
                esc(&urlencode(id)),
                esc(&r.name)
            ),
            None => esc(&r.name),
        };
        let item = versions
            .get(&e.policy_version)
            .and_then(|p| p.as_ref())
            .and_then(|p| p.item(&e.item_id))
            .map(|i| i.title.clone())
            .unwrap_or_default();
        body.push_str(&format!(
            "<tr><td>{name}</td><td>{}</td><td>{}<br><span class=\"muted\">{}（第 {} 版）</span></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td></tr>",
            esc(&r.code),
            esc(&item),
            esc(&e.item_id),
            e.policy_version,
            esc(&e.deciding_unit),
            e.entry_date,
            e.valid_until
                .map_or_else(|| "至决定移出".to_string(), |d| d.to_string()),
            esc(&e.basis),
            if marks.contains(&e.id) {
                "<span class=\"badge warn\">异议处理中</span>".to_string()
            } else {
                format!(
                    "<a href=\"/objections/new?entry={}\">申请异议</a>",
                    esc(&urlencode(&e.id))
                )
            }
        ));
    }
    body.push_str("</table></div>");
    if pages > 1 {
        let link = |p: usize| {
            format!(
                "/lists/{}?q={}&page={p}",
                esc(&urlencode(name_list.key())),
                esc(&urlencode(query))
            )
        };
        body.push_str(&format!("<p>第 {page} / {pages} 页 "));
        if page > 1 {
            body.push_str(&format!("<a href=\"{}\">上一页</a> ", link(page - 1)));
        }
        if page < pages {
            body.push_str(&format!("<a href=\"{}\">下一页</a>", link(page + 1)));
        }
        body.push_str("</p>");
    }
    Ok(layout(&label, &body).into_response())
}

// ---------------------------------------------------------------------------------------------
// Policy documents.

/// `/policies`: the policies in force, each with its version.
async fn policies_page(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let mut body = String::from(
        "<h1>政策文件</h1><p class=\"muted\">本平台据以公示信息、办理申请和认定名单的政策，均为现行版本；\
         政策修订以新版本发布，已作出的决定保留其适用的版本。</p>\
         <p><a href=\"#publicity\">公示期限</a> · <a href=\"#deadlines\">办理时限</a> · \
         <a href=\"#lists\">四张清单</a> · <a href=\"#commitments\">信用承诺书</a></p>",
    );
    body.push_str(&publicity_section());
    body.push_str(&deadlines_section());
    let lists = state.store.list_policy(None).await?;
    body.push_str(&lists_section(lists.as_ref()));
    body.push_str(&commitments_section());
    Ok(layout("政策文件", &body))
}

fn publicity_section() -> String {
    let p = xyjt_core::publicity::PublicityPolicy::builtin();
    let mut out = format!(
        "<h2 id=\"publicity\">双公示信息公示期限</h2><div class=\"card\">\
         <p>版本 {}，适用于 {} 及以后作出的决定。</p><p>依据：{}</p>\
         <p>行政许可、行政处罚决定自作出之日起 {} 个工作日内上网公示。</p></div>\
         <div class=\"scroll\"><table><tr><th>处罚信息类别</th><th>是否公示</th><th>最短公示期</th><th>最长公示期</th></tr>",
        esc(&p.version),
        p.effective_from,
        esc(&p.basis),
        p.report_deadline_workdays
    );
    for (label, rule) in [
        ("轻微", &p.minor),
        ("一般", &p.general),
        ("严重", &p.serious),
    ] {
        out.push_str(&format!(
            "<tr><td>{label}失信行为</td><td>{}</td><td>{}</td><td>{} 个月</td></tr>",
            if rule.published {
                "公示"
            } else {
                "一般不予公示"
            },
            if rule.min_months == 0 {
                "无".to_string()
            } else {
                format!("{} 个月", rule.min_months)
            },
            rule.max_months
        ));
    }
    let kinds = |ks: &[xyjt_core::record::PenaltyKind]| {
        ks.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
    };
    out.push_str(&format!(
        "</table></div><ul><li>处以{}的，属严重失信行为。</li>\
         <li>仅处以{}的，不予公示。</li>\
         <li>公示期自决定之日起按月计算；最短公示期届满后可申请信用修复，最长公示期届满自动停止公示。</li>\
         <li>行政许可信息{}。</li></ul>",
        esc(&kinds(&p.serious_kinds)),
        esc(&kinds(&p.unpublished_only_kinds)),
        if p.license.until_valid_to {
            "公示至许可有效期届满（长期有效的长期公示）"
        } else {
            "长期公示"
        }
    ));
    out
}

fn deadlines_section() -> String {
    let d = xyjt_core::cases::DeadlinePolicy::builtin();
    let mut out = format!(
        "<h2 id=\"deadlines\">办理时限</h2><p class=\"muted\">版本 {}。期限按工作日计算（不含法定节假日，含调休上班日），\
         起算日不计入。</p><div class=\"scroll\"><table><tr><th>事项</th><th>时限</th></tr>",
        esc(&d.version)
    );
    for (label, days) in [
        ("异议：受理单位核实并书面答复", d.objection_answer),
        ("异议成立：更正或撤销后报送省级平台", d.objection_sync),
        ("信用修复：平台办结（答复申请人）", d.repair_platform),
        ("信用修复：认定单位收到申请后作出决定", d.repair_authority),
        ("信用修复：修复结果同步至相关系统", d.repair_downstream),
        ("联合奖惩：实施单位反馈执行情况", d.joint_case_report),
        ("延期：每个办理环节累计延期不超过", d.max_extension),
    ] {
        out.push_str(&format!(
            "<tr><td>{label}</td><td>{days} 个工作日</td></tr>"
        ));
    }
    out.push_str(&format!(
        "</table></div><p class=\"muted\">剩余 {} 个工作日及以内的办理事项标为“临期”。</p>",
        d.near_due
    ));
    out
}

fn lists_section(policy: Option<&ListPolicy>) -> String {
    let mut out = String::from("<h2 id=\"lists\">四张清单</h2>");
    let Some(p) = policy else {
        out.push_str("<p>尚未采用清单政策。</p>");
        return out;
    };
    out.push_str(&format!(
        "<div class=\"card\"><p>第 {} 版，{} 起施行（{}）。</p>",
        p.version,
        p.effective_from,
        esc(&p.changed_by)
    ));
    if p.example || !p.note.trim().is_empty() {
        out.push_str(&format!(
            "<p class=\"notice\">{}{}</p>",
            if p.example { "示例政策。" } else { "" },
            esc(&p.note)
        ));
    }
    out.push_str("</div>");
    for kind in ItemKind::ALL {
        let items: Vec<_> = p.items.iter().filter(|i| i.kind == kind).collect();
        out.push_str(&format!(
            "<h3>{}清单（{} 项）</h3>",
            kind.label(),
            items.len()
        ));
        for i in items {
            let lists: Vec<&str> = i.lists.iter().map(NameList::label).collect();
            out.push_str(&format!(
                "<div class=\"card\" id=\"item-{}\"><strong>{}</strong> <span class=\"muted\">{}</span><dl class=\"item\">\
                 <dt>名单</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>内容</dt><dd>{}</dd><dt>法律依据</dt><dd>{}</dd>",
                esc(&i.id),
                esc(&i.title),
                esc(&i.id),
                esc(&lists.join("、")),
                if kind.is_scope() {
                    "认定标准"
                } else {
                    "适用情形"
                },
                esc(&i.cause),
                esc(&i.content),
                esc(&i.legal_basis)
            ));
            if let Some(rule) = &i.rule {
                out.push_str(&format!(
                    "<dt>自动认定规则</dt><dd>{} 个月内{} {} 次及以上</dd>",
                    rule.window_months,
                    esc(&rule.describe()),
                    rule.min_count
                ));
            }
            if !i.decision_points.is_empty() {
                let points: Vec<&str> = i.decision_points.iter().map(|d| d.label()).collect();
                out.push_str(&format!(
                    "<dt>应用环节</dt><dd>{}{}</dd>",
                    esc(&points.join("、")),
                    i.effect
                        .map(|e| format!("（{}）", e.label()))
                        .unwrap_or_default()
                ));
            }
            if let Some(m) = i.validity_months {
                out.push_str(&format!("<dt>有效期</dt><dd>{m} 个月</dd>"));
            }
            out.push_str(&format!(
                "<dt>认定（实施）单位</dt><dd>{}</dd><dt>证明材料</dt><dd>{}</dd></dl></div>",
                esc(&if i.implementing_units.is_empty() {
                    i.acting_unit.clone()
                } else {
                    format!(
                        "{}；实施：{}",
                        i.acting_unit,
                        i.implementing_units.join("、")
                    )
                }),
                esc(&i.evidence)
            ));
        }
    }
    out
}

fn commitments_section() -> String {
    let t = xyjt_core::commitment::TemplateSet::builtin();
    let mut out = format!(
        "<h2 id=\"commitments\">信用承诺书</h2><p class=\"muted\">模板版本 {}。</p>",
        esc(&t.version)
    );
    for c in &t.templates {
        let items: String = c
            .items
            .iter()
            .map(|i| format!("<li>{}</li>", esc(i)))
            .collect();
        out.push_str(&format!(
            "<div class=\"card\" id=\"template-{}\"><strong>{}</strong> <span class=\"muted\">{} · {}</span>\
             <ol>{items}</ol><p>践诺核查：签署后 {} 个工作日内。</p><p>违诺后果：{}</p></div>",
            esc(&c.id),
            esc(&c.title),
            esc(&c.matter_type),
            esc(&c.id),
            c.check_workdays,
            esc(&c.breach)
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// News.

/// The demo news (data/news.toml): fictional items about the fictional 示范省.
pub const NEWS_TOML: &str = include_str!("../../../data/news.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct NewsItem {
    pub id: u32,
    pub date: NaiveDate,
    pub title: String,
    /// Paragraphs separated by blank lines.
    pub body: String,
}

#[derive(Deserialize)]
struct NewsFile {
    item: Vec<NewsItem>,
}

/// The news, newest first.
pub fn news() -> &'static [NewsItem] {
    static NEWS: OnceLock<Vec<NewsItem>> = OnceLock::new();
    NEWS.get_or_init(|| {
        let mut items = toml::from_str::<NewsFile>(NEWS_TOML)
            .expect("data/news.toml parses (tested)")
            .item;
        items.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
        items
    })
}

async fn news_page() -> Html<String> {
    let mut body = String::from(
        "<h1>新闻动态</h1><p class=\"notice\">演示内容：示范省为虚构地区，以下新闻均为虚构。</p>",
    );
    for n in news() {
        let summary: String = n.body.trim().chars().take(80).collect();
        body.push_str(&format!(
            "<div class=\"card\"><a href=\"/news/{}\"><strong>{}</strong></a> <span class=\"muted\">{}</span><p>{}…</p></div>",
            n.id,
            esc(&n.title),
            n.date,
            esc(summary.lines().next().unwrap_or(""))
        ));
    }
    layout("新闻动态", &body)
}

async fn news_item_page(Path(n): Path<String>) -> Response {
    let Some(item) = n
        .parse::<u32>()
        .ok()
        .and_then(|n| news().iter().find(|i| i.id == n))
    else {
        return page_status(
            StatusCode::NOT_FOUND,
            "新闻不存在",
            "<h1>新闻不存在</h1><p><a href=\"/news\">返回新闻列表</a></p>",
        );
    };
    let paragraphs: String = item
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", esc(p)))
        .collect();
    let body = format!(
        "<article class=\"card\"><h1>{}</h1><p class=\"muted\">{} · 演示内容，纯属虚构</p>{paragraphs}</article>\
         <p><a href=\"/news\">返回新闻列表</a></p>",
        esc(&item.title),
        item.date
    );
    layout(&item.title, &body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_file_parses_with_unique_ids() {
        let items = news();
        assert!(items.len() >= 5);
        let mut ids: Vec<u32> = items.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), items.len(), "news ids are unique");
        assert!(items.windows(2).all(|w| w[0].date >= w[1].date));
    }
}
