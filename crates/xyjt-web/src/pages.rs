//! The public portal, server-rendered, in Chinese, no external assets: layout and style, the
//! home page with its search, profiles, the 双公示 board and the progress lookup. Name lists,
//! policies and news are in `portal`, the application forms in `forms`.

use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::mask::Audience;
use xyjt_core::text::name_key;

use crate::views::SubjectView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/subjects/{id}", get(subject_page))
        .route("/records/{id}/notices", get(crate::notices::notices_page))
        .route("/applications", get(application_page))
        .route("/publicity", get(publicity_page))
}

/// A table of records with their publicity windows, personal data masked for the public.
fn record_table(
    records: &[&xyjt_core::record::Record],
    under_objection: &std::collections::HashSet<String>,
) -> String {
    let mut out = String::from(
        "<div class=\"scroll\"><table><tr><th>类别</th><th>行政相对人</th><th>决定日期</th><th>文书号</th><th>决定机关</th><th>内容</th><th>公示期至</th><th>状态与操作</th></tr>",
    );
    for r in records {
        let masked = xyjt_core::mask::mask_record(r, Audience::Public);
        let content = match &masked.body {
            xyjt_core::record::RecordBody::Penalty(p) => {
                format!("{}：{}", p.violation_type, p.content)
            }
            xyjt_core::record::RecordBody::License(l) => {
                l.content.clone().unwrap_or_else(|| l.doc_name.clone())
            }
        };
        let until = r.publication.as_ref().map_or(String::new(), |p| {
            let until = p
                .public_until
                .map_or_else(|| "长期".to_string(), |d| d.to_string());
            match &p.severity {
                Some(s) => format!("{until}（{s}）"),
                None => until,
            }
        });
        let id = urlencode(&r.id);
        let mut actions = Vec::new();
        if under_objection.contains(&r.id) {
            actions.push("<span class=\"badge warn\">异议处理中</span>".to_string());
        }
        let penalty = r.body.category() == xyjt_core::record::RecordCategory::Penalty;
        if penalty {
            actions.push(format!("<a href=\"/records/{id}/notices\">告知书</a>"));
        }
        actions.push(format!(
            "<a href=\"/objections/new?record={id}\">申请异议</a>"
        ));
        if penalty {
            actions.push(format!("<a href=\"/repairs/new?record={id}\">申请修复</a>"));
        }
        let mark = actions.join(" ");
        out.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"/subjects/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(masked.body.category().label()),
            esc(&r.subject_id),
            esc(&masked.body.party().name),
            esc(&masked.body.decision_date().to_string()),
            esc(masked.body.doc_no()),
            esc(masked.body.authority()),
            esc(&content),
            esc(&until),
            mark
        ));
    }
    out.push_str("</table></div>");
    out
}

#[derive(Deserialize)]
pub struct PublicityPageQuery {
    category: Option<String>,
    unit: Option<String>,
    page: Option<i64>,
}

/// 双公示 公示栏: what is public today, 20 a page, by category and unit.
async fn publicity_page(
    State(state): State<AppState>,
    Query(q): Query<PublicityPageQuery>,
) -> Result<Html<String>, ApiError> {
    use xyjt_core::record::RecordCategory;
    let category = match q.category.as_deref() {
        Some("license") => Some(RecordCategory::License),
        Some("penalty") => Some(RecordCategory::Penalty),
        _ => None,
    };
    let unit = q.unit.clone().filter(|u| !u.trim().is_empty());
    let page = q.page.unwrap_or(1).max(1);
    let per_page = 20;
    let result = state
        .store
        .public_records(&xyjt_store::PublicityQuery {
            on: state.today(),
            category,
            unit: unit.clone(),
            decided_from: None,
            decided_to: None,
            limit: per_page,
            offset: (page - 1) * per_page,
        })
        .await?;
    let selected = |c: &str| {
        if q.category.as_deref() == Some(c) {
            " selected"
        } else {
            ""
        }
    };
    let mut body = format!(
        "<h1>双公示 公示栏</h1><form action=\"/publicity\" method=\"get\">\
         <select name=\"category\"><option value=\"\">全部</option>\
         <option value=\"license\"{}>行政许可</option><option value=\"penalty\"{}>行政处罚</option></select>\
         <input type=\"search\" name=\"unit\" value=\"{}\" placeholder=\"决定机关或数据来源单位\">\
         <button type=\"submit\">筛选</button></form><p class=\"muted\">共 {} 条，第 {} 页</p>",
        selected("license"),
        selected("penalty"),
        esc(unit.as_deref().unwrap_or("")),
        result.total,
        page
    );
    let refs: Vec<&xyjt_core::record::Record> = result.items.iter().collect();
    let marks = crate::remedies::objection_marks(state.store.as_ref(), None).await?;
    body.push_str(&record_table(&refs, &marks));
    let link = |p: i64| {
        format!(
            "/publicity?category={}&unit={}&page={p}",
            esc(q.category.as_deref().unwrap_or("")),
            esc(&urlencode(unit.as_deref().unwrap_or("")))
        )
    };
    body.push_str("<p>");
    if page > 1 {
        body.push_str(&format!("<a href=\"{}\">上一页</a> ", link(page - 1)));
    }
    if page * per_page < result.total {
        body.push_str(&format!("<a href=\"{}\">下一页</a>", link(page + 1)));
    }
    body.push_str("</p>");
    Ok(layout("双公示 公示栏", &body))
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Deserialize)]
pub struct ApplicationPageQuery {
    number: Option<String>,
    query_code: Option<String>,
}

/// 办理进度查询: an application by number and query code, no account needed.
async fn application_page(
    State(state): State<AppState>,
    Query(q): Query<ApplicationPageQuery>,
) -> Result<Html<String>, ApiError> {
    let number = q.number.unwrap_or_default();
    let code = q.query_code.unwrap_or_default();
    let mut body = format!(
        "<h1>办理进度查询</h1><form action=\"/applications\" method=\"get\">\
         <input type=\"search\" name=\"number\" value=\"{}\" placeholder=\"申请编号\" aria-label=\"申请编号\">\
         <input type=\"search\" name=\"query_code\" value=\"\" placeholder=\"查询码\" aria-label=\"查询码\">\
         <button type=\"submit\">查询</button></form>",
        esc(number.trim())
    );
    if number.trim().is_empty() {
        return Ok(layout("办理进度查询", &body));
    }
    let found = state
        .store
        .application(number.trim())
        .await?
        .filter(|w| xyjt_core::workflow::query_code_hash(&code) == w.app.query_code_hash);
    let Some(wf) = found else {
        body.push_str("<p class=\"bad\">申请编号或查询码不正确。</p>");
        return Ok(layout("办理进度查询", &body));
    };
    let today = state.today();
    let policy = xyjt_core::cases::DeadlinePolicy::builtin();
    body.push_str(&format!(
        "<div class=\"card\">{} {}<br>状态：<strong>{}</strong><br>受理日期：{}　办理单位：{}</div><h2>办理期限</h2><div class=\"scroll\"><table><tr><th>环节</th><th>期限</th><th>状态</th><th>计算说明</th></tr>",
        esc(wf.app.kind.label()),
        esc(&wf.app.number),
        esc(wf.status.label()),
        wf.app.filed_on,
        esc(&wf.unit)
    ));
    for c in &wf.clocks {
        let due = c.due(&state.calendar, today);
        let status = c.status(&state.calendar, today, policy.near_due);
        let class = match status {
            xyjt_core::workflow::ClockStatus::Overdue
            | xyjt_core::workflow::ClockStatus::DoneLate => "bad",
            xyjt_core::workflow::ClockStatus::NearDue => "warn",
            _ => "ok",
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            esc(&c.label),
            due.due_on,
            if due.provisional { "（暂定）" } else { "" },
            esc(status.label()),
            esc(&due.explanation)
        ));
    }
    body.push_str(
        "</table></div><h2>办理记录</h2><div class=\"scroll\"><table><tr><th>日期</th><th>环节</th><th>说明</th></tr>",
    );
    for h in &wf.history {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            h.on,
            esc(&h.action),
            esc(&h.note)
        ));
    }
    body.push_str("</table></div>");
    Ok(layout("办理进度查询", &body))
}

pub(crate) fn layout(title: &str, body: &str) -> Html<String> {
    crate::html::render(&crate::html::RawPage { title, body })
}

/// A page with a status other than 200 (not found, refused…), in the portal's layout.
pub(crate) fn page_status(status: StatusCode, title: &str, body: &str) -> Response {
    (status, layout(title, body)).into_response()
}

#[derive(Deserialize)]
pub struct HomeQuery {
    q: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(query): Query<HomeQuery>,
) -> Result<Response, ApiError> {
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    if !q.is_empty()
        && let Err(wait) = state.search_allowed(client)
    {
        let body = format!(
            "<h1>信用信息查询</h1><p class=\"alert\">查询过于频繁，请稍后再试（约 {wait} 秒后）。</p>\
             <p><a href=\"/\">返回首页</a></p>"
        );
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            layout("查询过于频繁", &body),
        )
            .into_response());
    }
    let checked = check(q);
    // Never echo a citizen ID number back into a page, not even the searcher's own.
    let shown_query = if checked.kind == CodeKind::CitizenId {
        xyjt_core::mask::mask_id_number(&checked.normalized)
    } else {
        q.to_string()
    };
    let mut body = format!(
        "<h1>信用信息查询</h1><form action=\"/\" method=\"get\" role=\"search\">\
         <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"输入企业名称、统一社会信用代码或身份证号\" aria-label=\"查询内容\">\
         <button type=\"submit\">查询</button></form>",
        esc(&shown_query)
    );
    if q.is_empty() {
        body.push_str(&home_overview(&state).await?);
        return Ok(layout("首页", &body).into_response());
    }
    let subjects = match (&checked.kind, &checked.result) {
        (kind, Ok(code)) if *kind != CodeKind::Unknown => state
            .store
            .subject_by_code(code)
            .await?
            .into_iter()
            .collect(),
        _ => {
            state
                .store
                .search_subjects(&name_key(q), 50, 0)
                .await?
                .items
        }
    };
    if subjects.is_empty() {
        body.push_str("<p>未找到相关主体。</p>");
    } else {
        body.push_str(
            "<div class=\"scroll\"><table><tr><th>名称</th><th>类别</th><th>代码</th></tr>",
        );
        for s in &subjects {
            let v = SubjectView::new(s, Audience::Public);
            let code = v.uscc.clone().or(v.citizen_id.clone()).unwrap_or_default();
            body.push_str(&format!(
                "<tr><td><a href=\"/subjects/{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
                esc(&v.id),
                esc(&v.name),
                esc(&v.kind),
                esc(&code)
            ));
        }
        body.push_str("</table></div>");
    }
    Ok(layout("查询结果", &body).into_response())
}

/// The home page's counters (subjects, records public today, entries per list) and news.
async fn home_overview(state: &AppState) -> Result<String, ApiError> {
    use xyjt_core::record::RecordCategory;
    let today = state.today();
    let subjects = state.store.count_subjects().await?;
    let mut public = Vec::new();
    for category in [RecordCategory::License, RecordCategory::Penalty] {
        let page = state
            .store
            .public_records(&xyjt_store::PublicityQuery {
                on: today,
                category: Some(category),
                unit: None,
                decided_from: None,
                decided_to: None,
                limit: 1,
                offset: 0,
            })
            .await?;
        public.push(page.total);
    }
    let entries = state.store.list_entries(None).await?;
    let in_force = |key: &str| {
        entries
            .iter()
            .filter(|e| e.entry.list.key() == key && e.is_active_on(today))
            .count()
    };
    let mut out = format!(
        "<div class=\"stats\">\
         <a class=\"stat\" href=\"/\"><b>{subjects}</b>信用主体</a>\
         <a class=\"stat\" href=\"/publicity?category=license\"><b>{}</b>公示中的行政许可</a>\
         <a class=\"stat\" href=\"/publicity?category=penalty\"><b>{}</b>公示中的行政处罚</a>\
         <a class=\"stat\" href=\"/lists/red\"><b>{}</b>红名单</a>\
         <a class=\"stat\" href=\"/lists/black\"><b>{}</b>黑名单</a>\
         <a class=\"stat\" href=\"/lists/watch\"><b>{}</b>重点关注名单</a></div>",
        public[0],
        public[1],
        in_force("red"),
        in_force("black"),
        in_force("watch")
    );
    out.push_str(&format!(
        "<p class=\"muted\">平台已归集 {subjects} 个信用主体的行政许可、行政处罚等信用信息，统计截至 {today}。</p>"
    ));
    let news = crate::portal::news();
    if !news.is_empty() {
        out.push_str("<h2>新闻动态</h2><ul>");
        for n in news.iter().take(3) {
            out.push_str(&format!(
                "<li><a href=\"/news/{}\">{}</a> <span class=\"muted\">{}</span></li>",
                n.id,
                esc(&n.title),
                n.date
            ));
        }
        out.push_str("</ul><p><a href=\"/news\">更多新闻</a></p>");
    }
    Ok(out)
}

async fn subject_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let subject = state
        .store
        .subject(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("主体 {id} 不存在")))?;
    let v = SubjectView::new(&subject, Audience::Public);
    let mut body = format!(
        "<h1>{}</h1><div class=\"card\">类别：{}",
        esc(&v.name),
        esc(&v.kind)
    );
    for (label, value) in [
        ("统一社会信用代码", &v.uscc),
        ("组织机构代码", &v.org_code),
        ("工商注册号", &v.reg_no),
        ("身份证号", &v.citizen_id),
    ] {
        if let Some(value) = value {
            body.push_str(&format!("<br>{label}：{}", esc(value)));
        }
    }
    let names = state.store.name_history(&id).await?;
    if names.len() > 1 {
        body.push_str("<br>曾用名：");
        let former: Vec<String> = names[..names.len() - 1]
            .iter()
            .map(|n| {
                esc(&xyjt_core::mask::subject_display_name(
                    subject.kind,
                    &n.name,
                    Audience::Public,
                ))
            })
            .collect();
        body.push_str(&former.join("、"));
    }
    body.push_str("</div><h2>公示中的信用记录</h2>");
    let records = state.store.records_of_subject(&id).await?;
    let today = state.today();
    let shown: Vec<&xyjt_core::record::Record> =
        records.iter().filter(|r| r.is_public_on(today)).collect();
    let marks = crate::remedies::objection_marks(state.store.as_ref(), Some(&id)).await?;
    if shown.is_empty() {
        body.push_str("<p>暂无公示中的信用记录。</p>");
    } else {
        body.push_str(&record_table(&shown, &marks));
    }
    let commitments = state.store.commitments(Some(&id)).await?;
    if !commitments.is_empty() {
        body.push_str(
            "<h2>信用承诺</h2><div class=\"scroll\"><table><tr><th>承诺书</th><th>事项</th><th>签署日期</th><th>受理单位</th><th>践诺情况</th></tr>",
        );
        for c in &commitments {
            let status = c.status();
            let class = if c.is_dishonest() {
                " class=\"bad\""
            } else {
                ""
            };
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{class}>{}</td></tr>",
                esc(&c.commitment.title),
                esc(&c.commitment.matter),
                c.commitment.signed_on,
                esc(&c.commitment.unit),
                esc(status.label())
            ));
        }
        body.push_str("</table></div>");
    }
    body.push_str(
        "<p class=\"muted\">对公示信息有异议的，可点击该条信息的“申请异议”（<a href=\"/objections\">办理说明</a>）；\
         行政处罚信息最短公示期满后，可点击“申请修复”（<a href=\"/repairs\">办理说明</a>）。\
         提交后凭申请编号和查询码<a href=\"/applications\">查询办理进度</a>。</p>",
    );
    Ok(layout(&v.name, &body))
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
