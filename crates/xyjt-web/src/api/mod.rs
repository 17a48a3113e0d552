//! The JSON API (`/api/v1`): public reads, the credit check, joint cases, the workflows,
//! credit evaluation and 双随机一公开,
//! each handler's path declared once (`#[utoipa::path]`) and registered with `routes!`, which
//! both routes it and adds it to the OpenAPI document.

pub mod cases;
pub mod checks;
pub mod disclosure;
pub mod disclosure_requests;
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
        ReplicaHealth,
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
        xyjt_app::workflows::DisclosureRequestInput,
        xyjt_app::workflows::DisclosureApplicant,
        xyjt_app::workflows::Notice,
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
        .routes(routes!(disclosure_requests::post_disclosure_request))
        .routes(routes!(disclosure_requests::get_notice))
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
    let mut doc = doc;
    document_refusals(&mut doc);
    let doc = std::sync::Arc::new(doc);
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
}

/// Documents the refusals every operation can answer besides its own: 400 (a malformed query,
/// path or body; a control character), 422 (a value refused, with its field) where it takes
/// parameters or a body, 415 (not JSON) where it takes a body, 404 where its path names
/// something, 401 and 403 where it needs a token, and 429 (the per-client limits). All carry the
/// error envelope. Run once when the router is built, after every path is in the document.
fn document_refusals(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let refusal = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let names_something = path.contains('{');
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let takes_input =
                op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let needs_token = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut add = |code: &str, description: &str| {
                op.responses
                    .responses
                    .entry(code.to_string())
                    .or_insert_with(|| refusal(description).into());
            };
            add(
                "400",
                "请求格式错误（查询参数、路径或请求体无法解析，或含控制字符）",
            );
            add("429", "请求过于频繁（按来源限流），请稍后再试");
            if takes_input {
                add("422", "参数或字段不合规（details 指明字段）");
            }
            if op.request_body.is_some() {
                add("415", "请求体应为 application/json");
            }
            if names_something {
                add("404", "不存在");
            }
            if needs_token {
                add("401", "缺少或无效的接口令牌");
                add("403", "令牌无权办理该事项");
            }
        }
    }
}
