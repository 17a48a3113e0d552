//! The news (data/news.toml, fictional items about the fictional 示范省): the list and the items.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use std::sync::OnceLock;

/// The demo news (data/news.toml): fictional items about the fictional 示范省.
pub const NEWS_TOML: &str = include_str!("../../../../data/news.toml");

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

#[derive(Template)]
#[template(path = "portal/news.html")]
struct NewsPage {
    items: Vec<NewsSummary>,
}

struct NewsSummary {
    id: u32,
    title: &'static str,
    date: NaiveDate,
    /// The first line of the first 80 characters.
    summary: String,
}

#[derive(Template)]
#[template(path = "portal/news_item.html")]
struct NewsItemPage {
    title: &'static str,
    date: NaiveDate,
    paragraphs: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "portal/news_missing.html")]
struct NewsMissing;

pub async fn news_page() -> Html<String> {
    let items = news()
        .iter()
        .map(|n| {
            let summary: String = n.body.trim().chars().take(80).collect();
            NewsSummary {
                id: n.id,
                title: &n.title,
                date: n.date,
                summary: summary.lines().next().unwrap_or("").to_string(),
            }
        })
        .collect();
    crate::html::render(&NewsPage { items })
}

pub async fn news_item_page(Path(n): Path<String>) -> Response {
    let Some(item) = n
        .parse::<u32>()
        .ok()
        .and_then(|n| news().iter().find(|i| i.id == n))
    else {
        return crate::html::render_status(StatusCode::NOT_FOUND, &NewsMissing);
    };
    let paragraphs = item
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    crate::html::render(&NewsItemPage {
        title: &item.title,
        date: item.date,
        paragraphs,
    })
    .into_response()
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
