//! The JSON API (`/api/v1`): public reads, the credit check, joint cases, the workflows,
//! credit evaluation and 双随机一公开,
//! each handler's path declared once (`#[utoipa::path]`) and registered with `routes!`, which
//! both routes it and adds it to the OpenAPI document.

pub mod cases;
pub mod checks;
pub mod disclosure;
pub mod evaluation;
pub mod inspection;
pub mod integrity;
pub mod ledger;
mod public;
pub mod reports;
pub mod workflows;

use crate::AppState;
use crate::error::ErrorEnvelope;
use crate::views::{EventView, NameView, RecordView, SubjectView};
use axum::routing::get;
use axum::{Json, Router};
use public::*;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xyjt_app::stats::StatsRow;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "xyjt 信用交通 API",
        description = "Credit information platform for the transport sector. Errors answer with \
                       {\"error\": {\"code\", \"message\", \"details\"}}."
    ),
    components(schemas(
        ErrorEnvelope,
        SubjectList,
        SubjectProfile,
        SubjectView,
        NameView,
        RecordView,
        EventView,
        Health,
        Head,
        RecordList,
        StatsList,
        StatsRow,
        crate::api::checks::CheckRequest,
        crate::api::checks::CheckSubject,
        crate::api::checks::CheckResponse,
        crate::api::checks::FeedbackRequest,
        crate::api::checks::ScreeningRequest,
        crate::api::checks::Bidder,
        crate::api::checks::ScreenHit,
        crate::api::cases::ReportRequest,
        crate::api::evaluation::GradeView,
        crate::api::evaluation::RunRequest,
        crate::api::evaluation::ReviewRequest,
        crate::api::integrity::DepartmentSummary,
        crate::api::integrity::IntegrityReview,
        xyjt_app::integrity::RegistrationInput,
        xyjt_app::integrity::RecordInput,
        xyjt_app::integrity::commitments::CommitmentInput,
        xyjt_app::workflows::ComplaintRequest,
        xyjt_app::workflows::RectificationBulletin,
        xyjt_app::workflows::OverdueCase,
        crate::api::integrity::CommitmentFinding,
        xyjt_app::disclosure::PublicItem,
        xyjt_app::disclosure::PublicCleanup,
        xyjt_app::disclosure::PublicAdoption,
        xyjt_app::disclosure::CommentInput,
        xyjt_app::workflows::ObjectionRequest,
        xyjt_app::workflows::RepairRequest,
        xyjt_app::workflows::ApplicantInput,
        xyjt_app::workflows::EvidenceUpload,
        xyjt_app::workflows::Filed,
        xyjt_app::workflows::StepRequest,
        xyjt_app::workflows::WorkflowStatsRow,
        xyjt_app::workflows::CommitmentRequest,
        xyjt_app::workflows::FulfilmentRequest,
        crate::api::ledger::CheckpointView,
        xyjt_app::ledger_proofs::InclusionView,
        xyjt_app::ledger_proofs::ConsistencyView,
        xyjt_app::ledger_proofs::KeyView
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the token-protected paths refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API: each handler's path is declared once, on the handler (`#[utoipa::path]`), and
/// `routes!` both routes it and adds it to the OpenAPI document served at
/// `/api/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(list_subjects))
        .routes(routes!(get_subject))
        .routes(routes!(get_record))
        .routes(routes!(record_history))
        .routes(routes!(ledger_head))
        .routes(routes!(publicity))
        .routes(routes!(shuanggongshi_stats))
        .routes(routes!(list_entries))
        .routes(routes!(checks::create_check))
        .routes(routes!(checks::check_stats))
        .routes(routes!(checks::get_check))
        .routes(routes!(checks::check_feedback))
        .routes(routes!(checks::create_screening))
        .routes(routes!(cases::list_cases))
        .routes(routes!(cases::report_case))
        .routes(routes!(workflows::post_objection))
        .routes(routes!(workflows::post_repair))
        .routes(routes!(workflows::get_eligibility))
        .routes(routes!(workflows::get_application))
        .routes(routes!(workflows::list_workflows))
        .routes(routes!(workflows::get_workflow))
        .routes(routes!(workflows::post_step))
        .routes(routes!(workflows::get_workflow_stats))
        .routes(routes!(workflows::get_inbox))
        .routes(routes!(workflows::get_templates))
        .routes(routes!(
            workflows::list_commitments,
            workflows::post_commitment
        ))
        .routes(routes!(workflows::post_commitment_check))
        .routes(routes!(evaluation::list_models))
        .routes(routes!(evaluation::list_results))
        .routes(routes!(evaluation::get_result))
        .routes(routes!(evaluation::list_runs, evaluation::post_run))
        .routes(routes!(evaluation::post_review))
        .routes(routes!(evaluation::post_publish))
        .routes(routes!(inspection::list_items))
        .routes(routes!(inspection::list_draws))
        .routes(routes!(inspection::get_draw))
        .routes(routes!(inspection::list_results))
        .routes(routes!(integrity::list_departments))
        .routes(routes!(integrity::get_department))
        .routes(routes!(integrity::post_registration))
        .routes(routes!(integrity::post_registration_review))
        .routes(routes!(integrity::post_record))
        .routes(routes!(integrity::get_assessments))
        .routes(routes!(integrity::post_complaint))
        .routes(routes!(integrity::post_commitment))
        .routes(routes!(integrity::post_commitment_check))
        .routes(routes!(integrity::get_rectification_bulletin))
        .routes(routes!(disclosure::list_items))
        .routes(routes!(disclosure::get_item))
        .routes(routes!(disclosure::post_comment))
        .routes(routes!(disclosure::get_on_time))
        .routes(routes!(disclosure::get_annual_report))
        .routes(routes!(ledger::get_checkpoint, ledger::post_checkpoint))
        .routes(routes!(ledger::list_checkpoints))
        .routes(routes!(ledger::get_inclusion))
        .routes(routes!(ledger::get_consistency))
        .routes(routes!(ledger::get_key))
        .routes(routes!(reports::get_report))
        .split_for_parts();
    let doc = std::sync::Arc::new(doc);
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
}
