//! The public portal, server-rendered from `templates/portal/` and `templates/notices/`, in
//! Chinese, no external assets: the home page with its search, profiles, the 双公示 board, the
//! progress lookup, the name lists, policies, news, the notices of a penalty (两书同达); the online
//! objection and repair applications are in `crate::forms`.
//!
//! One module per resource; `shared` holds what several use (and imports none of them).

mod applications;
mod home;
mod lists;
mod news;
mod notices;
mod policies;
mod publicity;
mod shared;
mod subjects;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub(crate) use shared::{entry_name_and_code, urlencode};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/subjects/{id}", get(subjects::subject_page))
        .route("/records/{id}/notices", get(notices::notices_page))
        .route("/applications", get(applications::application_page))
        .route("/publicity", get(publicity::publicity_page))
        .route("/lists/{list}", get(lists::list_page))
        .route("/policies", get(policies::policies_page))
        .route("/news", get(news::news_page))
        .route("/news/{n}", get(news::news_item_page))
}
