//! Pages from askama templates (compile-checked, escaping by default) and the one stylesheet,
//! served as a static, cacheable asset. Templates live in `templates/` by area: `portal/`,
//! `console/`, `notices/`, all extending `base.html` (the console's through `console/frame.html`).

use askama::Template;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The HTML escaper of every template (see `askama.toml`): `&<>"'` as `&amp; &lt; &gt; &quot;
/// &#39;`, the entities the hand-built pages used, so moving a page to a template changes no byte.
#[derive(Clone, Copy, Debug, Default)]
pub struct Escape;

impl askama::filters::Escaper for Escape {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, s: &str) -> std::fmt::Result {
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let entity = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&s[last..i])?;
            dest.write_str(entity)?;
            last = i + 1;
        }
        dest.write_str(&s[last..])
    }
}

/// The stylesheet every page links to.
pub const STYLESHEET: &str = include_str!("../static/style.css");

/// Renders a template; a failure (a formatting error, never user input) is logged and is a 500.
pub fn render(t: &impl Template) -> Html<String> {
    match t.render() {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page failed");
            Html("服务器内部错误，请稍后重试".into())
        }
    }
}

/// A page with another status than 200.
pub fn render_status(status: StatusCode, t: &impl Template) -> Response {
    (status, render(t)).into_response()
}

/// Who is signed in to the console, and the page's title: what the console's frame shows.
pub struct Frame {
    pub title: String,
    pub name: String,
    pub unit: String,
    pub roles: String,
    pub csrf: String,
}

/// `GET /static/style.css`: cached for an hour, revalidated by its ETag.
pub async fn stylesheet(headers: HeaderMap) -> Response {
    let etag = etag();
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::ETAG, etag),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The notices page's print button (`static/print.js`): the one script, served from this
/// origin as the Content-Security-Policy requires.
pub async fn print_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/print.js"),
    )
        .into_response()
}

fn etag() -> &'static str {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ETAG.get_or_init(|| {
        let hash = xyjt_core::canonical::sha256_hex(STYLESHEET.as_bytes());
        format!("\"{}\"", &hash[..16])
    })
}
