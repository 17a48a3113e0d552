//! Transitional: escaping and the raw layout for the application forms, still built in Rust
//! (`crate::forms`). The rest of the portal renders from templates (`crate::portal`).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub(crate) use crate::portal::urlencode;

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

/// A page whose body is already HTML, in the shared layout.
pub(crate) fn layout(title: &str, body: &str) -> Html<String> {
    crate::html::render(&crate::html::RawPage { title, body })
}

/// A page with a status other than 200 (not found, refused…), in the shared layout.
#[allow(dead_code)] // transitional, for the console
pub(crate) fn page_status(status: StatusCode, title: &str, body: &str) -> Response {
    (status, layout(title, body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<b title=\"x\">&'"),
            "&lt;b title=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
