//! The public portal, server-rendered from `templates/portal/` and `templates/notices/`, in
//! Chinese, no external assets: the home page with its search, profiles, the 双公示 board, the
//! progress lookup, the name lists, policies, news, the notices of a penalty (两书同达) and the
//! online objection and repair applications, the credit evaluation results (信用评价) and the
//! 双随机一公开 pages (the item list, the draw announcements, the results) and 政务诚信 (departments,
//! their records, 政务失信公示; never a civil servant) and 政府信息公开 (指南, 主动公开目录, items,
//! comments on draft decisions, the Atom feed, the annual report).
//!
//! One module per resource; `shared` holds what several use (and imports none of them), `forms`
//! what the two application forms share.

mod applications;
mod complaints;
mod disclosure_requests;
pub(crate) use disclosure_requests::NoticePage;
pub(crate) mod disclosure;
mod evaluation;
mod forms;
pub(crate) mod home;
mod inspection;
mod integrity;
mod ledger;
mod lists;
mod news;
mod notices;
mod objections;
mod policies;
mod publicity;
mod repairs;
mod reports;
mod shared;
mod subjects;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    // Evidence files: up to MAX_EVIDENCE_FILES of MAX_EVIDENCE_BYTES each, plus the form.
    let limit = axum::extract::DefaultBodyLimit::max(
        xyjt_app::workflows::MAX_EVIDENCE_FILES * xyjt_app::workflows::MAX_EVIDENCE_BYTES
            + 64 * 1024,
    );
    Router::new()
        .route("/", get(home::home))
        .route("/subjects/{id}", get(subjects::subject_page))
        .route("/records/{id}/notices", get(notices::notices_page))
        .route("/applications", get(applications::application_page))
        .route("/publicity", get(publicity::publicity_page))
        .route("/lists/{list}", get(lists::list_page))
        .route("/policies", get(policies::policies_page))
        .route("/news", get(news::news_page))
        .route("/ledger", get(ledger::ledger_page))
        .route(
            "/reports/verify",
            get(reports::verify_page).post(reports::verify_upload),
        )
        .route("/evaluation", get(evaluation::evaluation_page))
        .route("/evaluation/results/{id}", get(evaluation::result_page))
        .route("/inspection/items", get(inspection::items_page))
        .route("/inspection/draws", get(inspection::draws_page))
        .route("/inspection/draws/{id}", get(inspection::draw_page))
        .route("/inspection/results", get(inspection::results_page))
        .route("/integrity", get(integrity::departments_page))
        .route("/integrity/publicity", get(integrity::publicity_page))
        .route(
            "/integrity/complaints",
            get(complaints::complaint_form).post(complaints::complaint_post),
        )
        .route("/integrity/assessments", get(integrity::assessment_page))
        .route(
            "/integrity/departments/{code}",
            get(integrity::department_page),
        )
        .route("/disclosure", get(disclosure::guide_page))
        .route("/disclosure/catalogue", get(disclosure::catalogue_page))
        .route("/disclosure/items/{id}", get(disclosure::item_page))
        .route(
            "/disclosure/items/{id}/comments",
            axum::routing::post(disclosure::comment_post),
        )
        .route("/disclosure/items/{id}/files/{sha}", get(disclosure::file))
        .route("/disclosure/feed.atom", get(disclosure::feed))
        .route("/disclosure/annual-report", get(disclosure::report_page))
        .route(
            "/disclosure/requests",
            get(disclosure_requests::request_form).post(disclosure_requests::request_post),
        )
        .route(
            "/disclosure/requests/{number}/notice",
            get(disclosure_requests::notice_page),
        )
        .route(
            "/disclosure/annual-report.xlsx",
            get(disclosure::report_xlsx),
        )
        .route("/news/{n}", get(news::news_item_page))
        .route(
            "/objections",
            get(objections::objection_guide)
                .post(objections::objection_post)
                .layer(limit),
        )
        .route("/objections/new", get(objections::objection_new))
        .route(
            "/repairs",
            get(repairs::repair_guide)
                .post(repairs::repair_post)
                .layer(limit),
        )
        .route("/repairs/new", get(repairs::repair_new))
}
