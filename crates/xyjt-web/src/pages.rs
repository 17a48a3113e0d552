//! The public portal's first pages, server-rendered, in Chinese, no external assets.

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::mask::Audience;
use xyjt_core::text::name_key;

use crate::views::{RecordView, SubjectView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/subjects/{id}", get(subject_page))
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

const STYLE: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#222;background:#f5f7fa}\
header{background:#0b4a8b;color:#fff;padding:12px 16px}header a{color:#fff;text-decoration:none;font-size:20px;font-weight:600}\
main{max-width:960px;margin:0 auto;padding:16px}form{display:flex;gap:8px;margin:16px 0}\
input[type=search]{flex:1;padding:10px;font-size:16px;border:1px solid #9ab;border-radius:4px}\
button{padding:10px 18px;background:#0b4a8b;color:#fff;border:0;border-radius:4px;font-size:16px}\
table{width:100%;border-collapse:collapse;background:#fff}td,th{border-bottom:1px solid #e3e8ee;padding:8px;text-align:left;font-size:14px}\
.card{background:#fff;border-radius:6px;padding:12px 16px;margin:12px 0}.muted{color:#667}\
footer{color:#667;font-size:12px;text-align:center;padding:24px}";

fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} - 信用交通</title><style>{STYLE}</style></head><body>\
         <header><a href=\"/\">信用交通 · 信用信息平台</a></header><main>{body}</main>\
         <footer>演示数据均为虚构 · xyjt</footer></body></html>",
        esc(title)
    ))
}

#[derive(Deserialize)]
pub struct HomeQuery {
    q: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    Query(query): Query<HomeQuery>,
) -> Result<Html<String>, ApiError> {
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    let checked = check(q);
    // Never echo a citizen ID number back into a page, not even the searcher's own.
    let shown_query = if checked.kind == CodeKind::CitizenId {
        xyjt_core::mask::mask_id_number(&checked.normalized)
    } else {
        q.to_string()
    };
    let mut body = format!(
        "<h1>信用信息查询</h1><form action=\"/\" method=\"get\">\
         <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"输入企业名称、统一社会信用代码或身份证号\">\
         <button type=\"submit\">查询</button></form>",
        esc(&shown_query)
    );
    if q.is_empty() {
        let n = state.store.count_subjects().await?;
        body.push_str(&format!(
            "<p class=\"muted\">平台已归集 {n} 个信用主体的行政许可、行政处罚等信用信息。</p>"
        ));
        return Ok(layout("首页", &body));
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
        body.push_str("<table><tr><th>名称</th><th>类别</th><th>代码</th></tr>");
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
        body.push_str("</table>");
    }
    Ok(layout("查询结果", &body))
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
    body.push_str("</div><h2>信用记录</h2>");
    let records = state.store.records_of_subject(&id).await?;
    let today = state.today();
    let shown: Vec<RecordView> = records
        .iter()
        .filter(|r| r.is_public_on(today))
        .map(|r| RecordView::new(r, Audience::Public))
        .collect();
    if shown.is_empty() {
        body.push_str("<p>暂无公示中的信用记录。</p>");
    } else {
        body.push_str(
            "<table><tr><th>类别</th><th>决定日期</th><th>文书号</th><th>决定机关</th></tr>",
        );
        for r in &shown {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.category_label),
                esc(&r.decision_date),
                esc(&r.doc_no),
                esc(&r.authority)
            ));
        }
        body.push_str("</table>");
    }
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
