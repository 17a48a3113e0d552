//! The portal's online applications: objections (异议申请) and credit repair (信用修复申请),
//! filed without an account through the same services as the API (`remedies::file_objection`,
//! `remedies::file_repair`). The result page shows the number and the query code once.
//!
//! No session, so the POSTs are protected by a double-submit token: the form's GET sets a random
//! token in the `xyjt_form` cookie (HttpOnly, SameSite=Strict) and echoes it in a hidden field;
//! a POST whose field and cookie differ is refused (403). Another site can make a browser send
//! the cookie only where SameSite allows it, and can neither read it nor set it.
//!
//! Evidence files are not uploaded here (that needs multipart); the API accepts them.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{esc, layout, page_status, urlencode};
use crate::remedies::{
    ApplicantInput, Filed, ObjectionRequest, RepairRequest, eligibility_as_filed, file_objection,
    file_repair,
};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::listing::EntryState;
use xyjt_core::mask::{Audience, mask_record};
use xyjt_core::record::{Record, RecordBody};
use xyjt_core::repair::Eligibility;

pub fn router() -> Router<AppState> {
    // Evidence files: up to MAX_EVIDENCE_FILES of MAX_EVIDENCE_BYTES each, plus the form.
    let limit = axum::extract::DefaultBodyLimit::max(
        crate::remedies::MAX_EVIDENCE_FILES * crate::remedies::MAX_EVIDENCE_BYTES + 64 * 1024,
    );
    Router::new()
        .route(
            "/objections",
            get(objection_guide).post(objection_post).layer(limit),
        )
        .route("/objections/new", get(objection_new))
        .route("/repairs", get(repair_guide).post(repair_post).layer(limit))
        .route("/repairs/new", get(repair_new))
}

// ---------------------------------------------------------------------------------------------
// The double-submit token.

pub const CSRF_COOKIE: &str = "xyjt_form";
const TOKEN_LEN: usize = 32;

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The token in the request's `xyjt_form` cookie, if well formed.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name.trim() == CSRF_COOKIE).then(|| value.trim().to_string())
        })
        .find(|t| well_formed(t))
}

/// The browser's token (so several open forms stay valid), or a new random one.
fn form_token(headers: &HeaderMap) -> String {
    cookie_token(headers).unwrap_or_else(|| xyjt_core::workflow::random_code(TOKEN_LEN))
}

/// The cookie and the hidden field carry the same token (compared in constant time).
fn csrf_ok(headers: &HeaderMap, field: &str) -> bool {
    let Some(cookie) = cookie_token(headers) else {
        return false;
    };
    well_formed(field)
        && cookie.len() == field.len()
        && cookie
            .bytes()
            .zip(field.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A form page: sets the token cookie, never cached.
fn form_response(status: StatusCode, token: &str, title: &str, body: &str) -> Response {
    (
        status,
        [
            (
                header::SET_COOKIE,
                format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400"),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        layout(title, body),
    )
        .into_response()
}

fn csrf_refused(back: &str) -> Response {
    page_status(
        StatusCode::FORBIDDEN,
        "安全校验未通过",
        &format!(
            "<h1>安全校验未通过</h1><p class=\"alert\">表单已失效，或不是从本平台页面提交的，申请未提交。</p>\
             <p>请<a href=\"{}\">返回申请页面</a>，刷新后重新填写提交（请确认浏览器允许本网站使用 Cookie）。</p>",
            esc(back)
        ),
    )
}

fn bad_form() -> Response {
    page_status(
        StatusCode::BAD_REQUEST,
        "提交内容无法识别",
        "<h1>提交内容无法识别</h1><p class=\"alert\">请从本平台的申请页面填写并提交表单。</p>",
    )
}

fn not_public() -> Response {
    page_status(
        StatusCode::NOT_FOUND,
        "信息不存在",
        "<h1>信息不存在或未公示</h1><p>只能对本平台正在公示的信息提出申请。请先<a href=\"/\">查询主体</a>，\
         在其公示信息中选择“申请异议”或“申请修复”。</p>",
    )
}

/// Hidden field with the token.
fn token_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(token)
    )
}

/// The result page: number, query code (once) and the first deadline.
fn filed_page(kind: &str, filed: &Filed, workdays: u32) -> Response {
    let body = format!(
        "<h1>{kind}已提交</h1><div class=\"card\"><p>申请编号：<strong id=\"number\">{}</strong></p>\
         <p>查询码：<span class=\"qcode\" id=\"query-code\">{}</span></p>\
         <p>办理期限：{} 前（自受理之日起 {workdays} 个工作日，遇法定节假日顺延）</p></div>\
         <p class=\"notice\"><strong>请立即抄写或截图保存申请编号和查询码。</strong>查询码只显示这一次，\
         平台不保存查询码原文，遗失后无法找回。凭申请编号和查询码可随时查询办理进度。</p>\
         <p><a href=\"/applications?number={}\">查询办理进度</a></p>",
        esc(&filed.number),
        esc(&filed.query_code),
        filed.due_on,
        esc(&urlencode(&filed.number))
    );
    (
        [(header::CACHE_CONTROL, "no-store")],
        layout(&format!("{kind}已提交"), &body),
    )
        .into_response()
}

/// An error answer of a service as a page (validation errors re-show the form instead).
fn failed(e: &ApiError) -> Response {
    page_status(
        e.status,
        "提交失败",
        &format!(
            "<h1>提交失败</h1><p class=\"alert\">{}</p><p><a href=\"/\">返回首页</a></p>",
            esc(&e.message)
        ),
    )
}

fn too_long(value: &str, max: usize, what: &str) -> Result<(), String> {
    if value.chars().count() > max {
        Err(format!("{what}不能超过 {max} 个字"))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// What an application is about.

enum Target {
    Record(Box<Record>),
    Entry(Box<EntryState>),
}

/// A record public today or a list entry in force today; anything else is not shown.
async fn load_target(
    state: &AppState,
    record: Option<&str>,
    entry: Option<&str>,
) -> Result<Option<Target>, ApiError> {
    let today = state.today();
    let record = record.map(str::trim).filter(|s| !s.is_empty());
    let entry = entry.map(str::trim).filter(|s| !s.is_empty());
    Ok(match (record, entry) {
        (Some(id), None) => state
            .store
            .record(id)
            .await?
            .filter(|r| r.is_public_on(today))
            .map(|r| Target::Record(Box::new(r))),
        (None, Some(id)) => state
            .store
            .list_entry(id)
            .await?
            .filter(|e| e.is_active_on(today))
            .map(|e| Target::Entry(Box::new(e))),
        _ => None,
    })
}

/// The target as the public sees it (personal data masked).
async fn target_summary(state: &AppState, target: &Target) -> Result<String, ApiError> {
    Ok(match target {
        Target::Record(r) => record_summary(r),
        Target::Entry(e) => {
            let kind = match &e.entry.subject_id {
                Some(id) => state.store.subject(id).await?.map(|s| s.kind),
                None => None,
            };
            let (name, code) = crate::portal::entry_name_and_code(e, kind);
            format!(
                "<div class=\"card\"><strong>{}</strong><br>名称：{}<br>代码：{}<br>认定单位：{}<br>列入日期：{}<br>列入依据：{}</div>",
                esc(e.entry.list.label()),
                esc(&name),
                esc(&code),
                esc(&e.entry.deciding_unit),
                e.entry.entry_date,
                esc(&e.entry.basis)
            )
        }
    })
}

fn record_summary(r: &Record) -> String {
    let m = mask_record(r, Audience::Public);
    let content = match &m.body {
        RecordBody::Penalty(p) => format!("{}：{}", p.violation_type, p.content),
        RecordBody::License(l) => l.content.clone().unwrap_or_else(|| l.doc_name.clone()),
    };
    format!(
        "<div class=\"card\"><strong>{}</strong> {}<br>行政相对人：{}<br>决定日期：{}<br>决定机关：{}<br>内容：{}</div>",
        esc(m.body.category().label()),
        esc(m.body.doc_no()),
        esc(&m.body.party().name),
        m.body.decision_date(),
        esc(m.body.authority()),
        esc(&content)
    )
}

/// The fields of a record an applicant may claim a value for: (name in the body, label, a date).
fn claimable_fields(record: &Record) -> Vec<(&'static str, &'static str, bool)> {
    let all: &[(&str, &str, bool)] = match &record.body {
        RecordBody::Penalty(_) => &[
            ("content", "处罚内容", false),
            ("violation_type", "违法行为类型", false),
            ("facts", "违法事实", false),
            ("basis", "处罚依据", false),
            ("doc_no", "行政处罚决定书文号", false),
            ("decision_date", "处罚决定日期", true),
            ("authority", "处罚机关", false),
            ("remark", "备注", false),
        ],
        RecordBody::License(_) => &[
            ("content", "许可内容", false),
            ("doc_name", "行政许可决定文书名称", false),
            ("doc_no", "行政许可决定文书号", false),
            ("licence_no", "许可编号", false),
            ("cert_name", "许可证书名称", false),
            ("decision_date", "许可决定日期", true),
            ("valid_from", "有效期自", true),
            ("valid_to", "有效期至", true),
            ("authority", "许可机关", false),
            ("remark", "备注", false),
        ],
    };
    let body = serde_json::to_value(&record.body).unwrap_or_default();
    all.iter()
        .filter(|(f, _, _)| *f == "remark" || body.get(*f).is_some())
        .copied()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Objections.

#[derive(Deserialize)]
pub struct TargetQuery {
    record: Option<String>,
    entry: Option<String>,
}

/// The objection form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObjectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    entry: String,
    #[serde(default)]
    reason: String,
    /// The field objected to; empty = the whole record or entry.
    #[serde(default)]
    field: String,
    /// The value claimed to be right.
    #[serde(default)]
    value: String,
    #[serde(default)]
    name: String,
    /// `subject` or `public`.
    #[serde(default)]
    role: String,
    #[serde(default)]
    contact: String,
}

impl ObjectionForm {
    fn back(&self) -> String {
        if self.entry.trim().is_empty() {
            format!("/objections/new?record={}", urlencode(self.record.trim()))
        } else {
            format!("/objections/new?entry={}", urlencode(self.entry.trim()))
        }
    }
}

async fn objection_guide() -> Html<String> {
    let d = DeadlinePolicy::builtin();
    let body = format!(
        "<h1>异议申请</h1><div class=\"card\"><p>信息主体认为本平台公示的信用信息存在错误、遗漏，或者不应公示的，\
         社会公众发现公示信息有误的，可以在线提出异议，无需注册账号。</p>\
         <ol><li>在<a href=\"/\">首页</a>查询主体，或在<a href=\"/publicity\">双公示</a>、名单栏目中找到该条信息；</li>\
         <li>点击该条信息的“申请异议”，写明异议理由和主张的正确内容；</li>\
         <li>提交后保存申请编号和查询码，凭其<a href=\"/applications\">查询办理进度</a>。</li></ol>\
         <p>受理单位自受理之日起 {} 个工作日内核实并书面答复；异议处理期间，该信息标注“异议处理中”。\
         经核实信息有误的，予以更正或撤销，并在 {} 个工作日内报送省级平台。</p>\
         <p class=\"muted\">证明材料暂不支持在网页上传，受理单位核实时将通过您留下的联系方式联系您补充。期限政策版本 {}。</p></div>",
        d.objection_answer,
        d.objection_sync,
        esc(&d.version)
    );
    layout("异议申请", &body)
}

async fn objection_new(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TargetQuery>,
) -> Result<Response, ApiError> {
    let token = form_token(&headers);
    let Some(target) = load_target(&state, q.record.as_deref(), q.entry.as_deref()).await? else {
        return Ok(not_public());
    };
    let form = ObjectionForm {
        role: "subject".into(),
        ..ObjectionForm::default()
    };
    let body = objection_page(&state, &target, &form, None, &token).await?;
    Ok(form_response(StatusCode::OK, &token, "异议申请", &body))
}

async fn objection_page(
    state: &AppState,
    target: &Target,
    f: &ObjectionForm,
    error: Option<&str>,
    token: &str,
) -> Result<String, ApiError> {
    let d = DeadlinePolicy::builtin();
    let mut out = format!(
        "<h1>异议申请</h1><p class=\"muted\">受理单位自受理之日起 {} 个工作日内核实并书面答复。</p><h2>异议的信息</h2>{}",
        d.objection_answer,
        target_summary(state, target).await?
    );
    if let Some(e) = error {
        out.push_str(&format!("<p class=\"alert\" role=\"alert\">{}</p>", esc(e)));
    }
    let (hidden, fields) = match target {
        Target::Record(r) => (
            format!(
                "<input type=\"hidden\" name=\"record\" value=\"{}\">",
                esc(&r.id)
            ),
            claimable_fields(r),
        ),
        Target::Entry(e) => (
            format!(
                "<input type=\"hidden\" name=\"entry\" value=\"{}\">",
                esc(&e.entry.id)
            ),
            vec![],
        ),
    };
    let options: String = fields
        .iter()
        .map(|(key, label, _)| {
            format!(
                "<option value=\"{key}\"{}>{label}</option>",
                if f.field == *key { " selected" } else { "" }
            )
        })
        .collect();
    let checked = |role: &str| {
        if f.role == role || (role == "subject" && f.role.is_empty()) {
            " checked"
        } else {
            ""
        }
    };
    out.push_str(&format!(
        "<form class=\"apply\" action=\"/objections\" method=\"post\" enctype=\"multipart/form-data\">{}{hidden}\
         <div class=\"field\"><label for=\"reason\">异议理由</label><div>\
         <textarea id=\"reason\" name=\"reason\" required maxlength=\"2000\">{}</textarea>\
         <p class=\"hint\">写明哪些信息有误、遗漏或不应公示，以及事实和依据。</p></div></div>\
         <div class=\"field\"><label for=\"field\">有误的项目</label><div>\
         <select id=\"field\" name=\"field\"><option value=\"\">其他（在理由或下栏中说明）</option>{options}</select></div></div>\
         <div class=\"field\"><label for=\"value\">主张的正确内容</label><div>\
         <input type=\"text\" id=\"value\" name=\"value\" value=\"{}\" maxlength=\"500\">\
         <p class=\"hint\">选择了项目的，填写该项目正确的内容（日期写为 2026-01-31）；未选择的，可在此简要说明。</p></div></div>\
         <div class=\"field\"><span class=\"label\">申请人身份</span><div>\
         <label><input type=\"radio\" name=\"role\" value=\"subject\"{}> 信息主体本人（本单位）</label><br>\
         <label><input type=\"radio\" name=\"role\" value=\"public\"{}> 社会公众</label></div></div>\
         <div class=\"field\"><label for=\"name\">申请人姓名或名称</label><div>\
         <input type=\"text\" id=\"name\" name=\"name\" value=\"{}\" required maxlength=\"100\" autocomplete=\"name\"></div></div>\
         <div class=\"field\"><label for=\"contact\">联系电话或邮箱</label><div>\
         <input type=\"tel\" id=\"contact\" name=\"contact\" value=\"{}\" maxlength=\"100\">\
         <p class=\"hint\">用于送达书面答复和补充证明材料，不会公开。</p></div></div>\
         {EVIDENCE_INPUT}<button type=\"submit\">提交异议申请</button></form>",
        token_field(token),
        esc(&f.reason),
        esc(&f.value),
        checked("subject"),
        checked("public"),
        esc(&f.name),
        esc(&f.contact)
    ));
    Ok(out)
}

/// The request the service takes, or the first problem found, in Chinese.
fn objection_request(target: &Target, f: &ObjectionForm) -> Result<ObjectionRequest, String> {
    let reason = f.reason.trim();
    let value = f.value.trim();
    let name = f.name.trim();
    let contact = f.contact.trim();
    if reason.is_empty() {
        return Err("请填写异议理由。".into());
    }
    too_long(reason, 2000, "异议理由")?;
    too_long(value, 500, "主张的正确内容")?;
    if name.is_empty() {
        return Err("请填写申请人姓名或名称。".into());
    }
    too_long(name, 100, "申请人姓名或名称")?;
    too_long(contact, 100, "联系方式")?;
    let role = match f.role.as_str() {
        "" | "subject" => "subject",
        "public" => "public",
        _ => return Err("请选择申请人身份。".into()),
    };
    let field = f.field.trim();
    let (record_id, entry_id, field, claimed, reason) = match target {
        Target::Record(r) if !field.is_empty() => {
            let Some((_, label, date)) = claimable_fields(r)
                .into_iter()
                .find(|(k, _, _)| *k == field)
            else {
                return Err("所选的项目不属于这条信息，请重新选择。".into());
            };
            if date
                && !value.is_empty()
                && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err()
            {
                return Err(format!("{label}应写为日期，如 2026-01-31。"));
            }
            let claimed = if value.is_empty() {
                Value::Null
            } else {
                json!({ field: value })
            };
            (
                Some(r.id.clone()),
                None,
                Some(field.to_string()),
                claimed,
                reason.to_string(),
            )
        }
        target => {
            // No field chosen: what is claimed goes with the reason, as text.
            let reason = if value.is_empty() {
                reason.to_string()
            } else {
                format!("{reason}\n主张的正确内容：{value}")
            };
            let (record_id, entry_id) = match target {
                Target::Record(r) => (Some(r.id.clone()), None),
                Target::Entry(e) => (None, Some(e.entry.id.clone())),
            };
            (record_id, entry_id, None, Value::Null, reason)
        }
    };
    Ok(ObjectionRequest {
        record_id,
        entry_id,
        field,
        reason,
        claimed,
        filed_on: None,
        applicant: Some(ApplicantInput {
            name: name.to_string(),
            role: Some(role.to_string()),
            contact: (!contact.is_empty()).then(|| contact.to_string()),
        }),
        evidence: vec![],
    })
}

/// A public form, posted urlencoded or — with evidence files — as multipart/form-data.
struct Posted<T> {
    form: T,
    evidence: Vec<crate::remedies::EvidenceUpload>,
}

async fn posted<T: serde::de::DeserializeOwned>(
    req: axum::extract::Request,
) -> Result<Posted<T>, Response> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(form) = Form::<T>::from_request(req, &())
            .await
            .map_err(|_| bad_form())?;
        return Ok(Posted {
            form,
            evidence: vec![],
        });
    }
    let mut mp = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|_| bad_form())?;
    let mut fields = serde_json::Map::new();
    let mut evidence = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(|_| bad_form())? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|_| bad_form())?;
        match file_name {
            // An empty file input sends a part with no name and no bytes: nothing chosen.
            Some(f) if name == "evidence" => {
                if !bytes.is_empty() {
                    evidence.push(crate::remedies::EvidenceUpload {
                        file_name: f,
                        content_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
                    });
                }
            }
            _ => {
                fields.insert(
                    name,
                    serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                );
            }
        }
    }
    let form = serde_json::from_value(serde_json::Value::Object(fields)).map_err(|_| bad_form())?;
    Ok(Posted { form, evidence })
}

/// The evidence file input of both forms.
const EVIDENCE_INPUT: &str = "<div class=\"field\"><label for=\"evidence\">证明材料</label><div>\
     <input type=\"file\" id=\"evidence\" name=\"evidence\" multiple>\
     <p class=\"hint\">可选，最多 10 个文件，每个不超过 5 MB（如决定书、缴款凭证、整改材料）。</p></div></div>";

async fn objection_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (f, evidence) = match posted::<ObjectionForm>(req).await {
        Ok(p) => (p.form, p.evidence),
        Err(r) => return Ok(r),
    };
    if !csrf_ok(&headers, &f.csrf) {
        return Ok(csrf_refused(&f.back()));
    }
    let Some(target) = load_target(&state, Some(&f.record), Some(&f.entry)).await? else {
        return Ok(not_public());
    };
    let token = f.csrf.clone();
    let reshow = async |message: &str| -> Result<Response, ApiError> {
        let body = objection_page(&state, &target, &f, Some(message), &token).await?;
        Ok(form_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            "异议申请",
            &body,
        ))
    };
    let req = match objection_request(&target, &f) {
        Ok(req) => crate::remedies::ObjectionRequest { evidence, ..req },
        Err(message) => return reshow(&message).await,
    };
    match file_objection(&state.ctx(), req, "portal")
        .await
        .map_err(ApiError::from)
    {
        Ok(filed) => Ok(filed_page(
            "异议申请",
            &filed,
            DeadlinePolicy::builtin().objection_answer,
        )),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => reshow(&e.message).await,
        Err(e) => Ok(failed(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Credit repair.

/// The repair form as posted. Checkboxes are present only when ticked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RepairForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    corrected: Option<String>,
    #[serde(default)]
    obligations: Option<String>,
    #[serde(default)]
    commitment: Option<String>,
}

async fn repair_guide() -> Html<String> {
    let d = DeadlinePolicy::builtin();
    let body = format!(
        "<h1>信用修复</h1><div class=\"card\"><p>行政处罚信息最短公示期届满后，当事人纠正失信行为、履行行政处罚决定规定的义务\
         并签署信用修复承诺书的，可以在线申请信用修复（免费），无需注册账号。修复后停止公示，原始记录依法保存。</p>\
         <ol><li>在<a href=\"/\">首页</a>查询主体，在其公示的行政处罚信息中点击“申请修复”；</li>\
         <li>平台逐项显示修复条件是否满足，符合条件的可填写申请；</li>\
         <li>提交后保存申请编号和查询码，凭其<a href=\"/applications\">查询办理进度</a>。</li></ol>\
         <p>平台自收到申请之日起 {} 个工作日内办结；认定单位收到平台转来的申请后 {} 个工作日内作出决定；\
         修复结果在 {} 个工作日内同步至相关系统。</p>\
         <p class=\"muted\">信用修复承诺书见<a href=\"/policies#commitments\">政策文件</a>；证明材料暂不支持在网页上传。期限政策版本 {}。</p></div>",
        d.repair_platform,
        d.repair_authority,
        d.repair_downstream,
        esc(&d.version)
    );
    layout("信用修复", &body)
}

async fn repair_new(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TargetQuery>,
) -> Result<Response, ApiError> {
    let token = form_token(&headers);
    let Some(Target::Record(record)) = load_target(&state, q.record.as_deref(), None).await? else {
        return Ok(not_public());
    };
    let body = repair_page(&state, &record, &RepairForm::default(), &[], &token).await?;
    Ok(form_response(StatusCode::OK, &token, "信用修复申请", &body))
}

/// The criteria (as the preview judges them), then the form when the record is eligible.
/// `errors` are shown above it (a refusal lists every unmet condition).
async fn repair_page(
    state: &AppState,
    record: &Record,
    f: &RepairForm,
    errors: &[String],
    token: &str,
) -> Result<String, ApiError> {
    let ctx = state.ctx();
    let elig = eligibility_as_filed(&ctx, record, ctx.today).await?;
    let d = DeadlinePolicy::builtin();
    let mut out = format!(
        "<h1>信用修复申请</h1><p class=\"muted\">平台自收到申请之日起 {} 个工作日内办结。</p><h2>申请修复的信息</h2>{}",
        d.repair_platform,
        record_summary(record)
    );
    if !errors.is_empty() {
        let items: String = errors
            .iter()
            .map(|e| format!("<li>{}</li>", esc(e)))
            .collect();
        out.push_str(&format!(
            "<div class=\"alert\" role=\"alert\"><ul>{items}</ul></div>"
        ));
    }
    out.push_str(&criteria_table(&elig));
    if !elig.eligible {
        out.push_str(
            "<p class=\"bad\"><strong>暂不符合信用修复条件</strong>，请在上述条件均满足后再申请。</p>",
        );
        if let Some(day) = elig.earliest_on {
            out.push_str(&format!("<p>按最短公示期，最早可于 {day} 起申请。</p>"));
        }
        return Ok(out);
    }
    let templates = xyjt_core::commitment::TemplateSet::builtin();
    let commitment = templates
        .for_matter("信用修复承诺")
        .map(|t| {
            let items: String = t
                .items
                .iter()
                .map(|i| format!("<li>{}</li>", esc(i)))
                .collect();
            format!(
                "<p><strong>{}</strong>（模板版本 {}）</p><ol>{items}</ol><p class=\"hint\">违诺后果：{}</p>",
                esc(&t.title),
                esc(&templates.version),
                esc(&t.breach)
            )
        })
        .unwrap_or_default();
    let tick = |v: &Option<String>| if v.is_some() { " checked" } else { "" };
    out.push_str(&format!(
        "<form class=\"apply\" action=\"/repairs\" method=\"post\" enctype=\"multipart/form-data\">{}\
         <input type=\"hidden\" name=\"record\" value=\"{}\">\
         <div class=\"field\"><label for=\"reason\">修复理由</label><div>\
         <textarea id=\"reason\" name=\"reason\" required maxlength=\"2000\">{}</textarea>\
         <p class=\"hint\">说明纠正失信行为、履行处罚决定的情况（如罚款缴纳日期、整改措施）。</p></div></div>\
         <div class=\"field\"><span class=\"label\">申请人声明</span><div>\
         <label><input type=\"checkbox\" name=\"corrected\" value=\"yes\"{}> 已纠正失信行为</label><br>\
         <label><input type=\"checkbox\" name=\"obligations\" value=\"yes\"{}> 已履行行政处罚决定规定的义务（如缴纳罚款）</label></div></div>\
         <div class=\"field\"><span class=\"label\">信用修复承诺</span><div>{commitment}\
         <label><input type=\"checkbox\" name=\"commitment\" value=\"yes\"{}> 本人（本单位）已阅读并签署上述承诺书</label></div></div>\
         <div class=\"field\"><label for=\"name\">申请人（当事人）</label><div>\
         <input type=\"text\" id=\"name\" name=\"name\" value=\"{}\" required maxlength=\"100\">\
         <p class=\"hint\">信用修复由被处罚的当事人申请。</p></div></div>\
         <div class=\"field\"><label for=\"contact\">联系电话或邮箱</label><div>\
         <input type=\"tel\" id=\"contact\" name=\"contact\" value=\"{}\" maxlength=\"100\">\
         <p class=\"hint\">用于送达办理结果，不会公开。</p></div></div>\
         {EVIDENCE_INPUT}<button type=\"submit\">提交信用修复申请</button></form>",
        token_field(token),
        esc(&record.id),
        esc(&f.reason),
        tick(&f.corrected),
        tick(&f.obligations),
        tick(&f.commitment),
        esc(&f.name),
        esc(&f.contact)
    ));
    Ok(out)
}

fn criteria_table(elig: &Eligibility) -> String {
    let mut out = format!(
        "<h2>修复条件</h2><p class=\"muted\">按 {} 判断；“已纠正”“已履行”“已签署承诺书”三项以申请时的声明为准，此处按已声明评估。</p>\
         <div class=\"scroll\"><table><tr><th>条件</th><th>是否满足</th><th>说明</th></tr>",
        elig.on
    );
    for c in &elig.criteria {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            esc(c.label),
            if c.met { "ok" } else { "bad" },
            if c.met { "✓ 满足" } else { "✗ 不满足" },
            esc(&c.explanation)
        ));
    }
    out.push_str("</table></div>");
    out
}

fn repair_request(record: &Record, f: &RepairForm) -> Result<RepairRequest, String> {
    let reason = f.reason.trim();
    let name = f.name.trim();
    let contact = f.contact.trim();
    if reason.is_empty() {
        return Err("请填写修复理由。".into());
    }
    too_long(reason, 2000, "修复理由")?;
    if name.is_empty() {
        return Err("请填写申请人（当事人）姓名或名称。".into());
    }
    too_long(name, 100, "申请人姓名或名称")?;
    too_long(contact, 100, "联系方式")?;
    Ok(RepairRequest {
        record_id: record.id.clone(),
        reason: reason.to_string(),
        filed_on: None,
        applicant: Some(ApplicantInput {
            name: name.to_string(),
            role: Some("subject".into()),
            contact: (!contact.is_empty()).then(|| contact.to_string()),
        }),
        evidence: vec![],
        corrected: f.corrected.is_some(),
        obligations_met: f.obligations.is_some(),
        commitment_id: None,
        sign_commitment: f.commitment.is_some(),
    })
}

async fn repair_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (f, evidence) = match posted::<RepairForm>(req).await {
        Ok(p) => (p.form, p.evidence),
        Err(r) => return Ok(r),
    };
    if !csrf_ok(&headers, &f.csrf) {
        return Ok(csrf_refused(&format!(
            "/repairs/new?record={}",
            urlencode(f.record.trim())
        )));
    }
    let Some(Target::Record(record)) = load_target(&state, Some(&f.record), None).await? else {
        return Ok(not_public());
    };
    let token = f.csrf.clone();
    let reshow = async |errors: Vec<String>| -> Result<Response, ApiError> {
        let body = repair_page(&state, &record, &f, &errors, &token).await?;
        Ok(form_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            "信用修复申请",
            &body,
        ))
    };
    let req = match repair_request(&record, &f) {
        Ok(req) => crate::remedies::RepairRequest { evidence, ..req },
        Err(message) => return reshow(vec![message]).await,
    };
    match file_repair(&state.ctx(), req, "portal")
        .await
        .map_err(ApiError::from)
    {
        Ok(filed) => Ok(filed_page(
            "信用修复申请",
            &filed,
            DeadlinePolicy::builtin().repair_platform,
        )),
        Err(e) if e.code == "not_eligible" => {
            // Every unmet condition, as the service judged the application.
            let mut errors = vec!["暂不符合信用修复条件，申请未提交：".to_string()];
            errors.extend(e.details.iter().map(|d| {
                format!(
                    "{}：{}",
                    d["label"].as_str().unwrap_or(""),
                    d["explanation"].as_str().unwrap_or("")
                )
            }));
            reshow(errors).await
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => reshow(vec![e.message]).await,
        Err(e) => Ok(failed(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_must_match_the_cookie() {
        let token = xyjt_core::workflow::random_code(TOKEN_LEN);
        let mut headers = HeaderMap::new();
        assert!(!csrf_ok(&headers, &token), "no cookie");
        headers.insert(
            header::COOKIE,
            format!("a=b; {CSRF_COOKIE}={token}; c=d").parse().unwrap(),
        );
        assert!(csrf_ok(&headers, &token));
        assert!(!csrf_ok(&headers, ""));
        let other = xyjt_core::workflow::random_code(TOKEN_LEN);
        assert!(!csrf_ok(&headers, &other));
        assert_eq!(form_token(&headers), token, "an open form's token is kept");
    }
}
