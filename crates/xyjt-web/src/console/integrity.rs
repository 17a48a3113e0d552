//! 政务诚信 in the console: 主体登记 (propose a department, civil servant, company or person;
//! review by another person — the service refuses the proposer) and 政务诚信档案 (an archive by
//! code, its records with their 容错 status, entering a record with the service's field errors
//! shown on the form, proposing a 容错 finding and reviewing it — refused to its proposer). The
//! services are `xyjt_app::integrity`.
//!
//! Who may do what (the roles of `xyjt_core::account`; there is no 组织人事 or 纪检 role, so the
//! credit administration and review roles stand for them):
//!
//! - Departments' archives are public on the portal; any signed-in staff member reads them here.
//! - Civil servants' archives are internal: only 信用管理员 and 审核员 read them, and only for
//!   civil servants whose 所在单位 is within their bureau (`OrgTree::bureau_of` of their unit; a
//!   unit outside the organisation tree belongs to the root, so only provincial staff see it).
//!   Outside that, a civil servant's archive, registration and records are not shown (404 for a
//!   holder of those roles, 403 for anyone else, before anything is looked up).
//! - Proposing a registration or entering a record: 录入员 or 信用管理员 for departments,
//!   companies and persons; 信用管理员 (within the scope above) for civil servants.
//! - Reviewing a registration: 审核员 or 信用管理员 (civil servants within the scope above).
//! - Proposing a 容错 finding: 信用管理员; reviewing it: 审核员 or 信用管理员; for a civil
//!   servant's record both within the scope above.

use super::{
    Answer, CsrfForm, OrPage, allow_any, err_page, frame, invalid, see_other, show, unit_id_of,
};
use crate::AppState;
use crate::auth::{Staff, forbidden, urlencode};
use crate::html::Frame;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use xyjt_app::integrity::{self as gi, RecordInput, Recorded, RegistrationInput};
use xyjt_app::{AppError, ErrorKind};
use xyjt_core::account::{Action, Role};
use xyjt_core::ident::{Code, check as check_code};
use xyjt_core::integrity::{ArchiveKind, IntegrityState, Nature, RegistrationState};

// ---------------------------------------------------------------------------------------------
// Who may see and do what.

/// Whether `staff` may read the archive of a civil servant of `unit` (所在单位): a credit
/// administrator or reviewer whose bureau contains the unit.
fn sees_civil_servant(staff: &Staff, unit: Option<&str>) -> bool {
    let a = &staff.account;
    if a.disabled
        || !a
            .roles
            .iter()
            .any(|r| matches!(r, Role::CreditAdmin | Role::Reviewer))
    {
        return false;
    }
    let tree = staff.org();
    let unit_id = unit_id_of(tree, unit.unwrap_or(""));
    tree.is_within(&unit_id, &tree.bureau_of(&a.unit_id))
}

/// Has `staff` a role that may read civil servants' archives at all? Refused with the 403 page.
fn may_read_civil_servants(staff: &Staff) -> Result<(), Response> {
    allow_any(
        staff,
        "查阅公务人员政务诚信档案",
        &[Action::ManageLists, Action::ReviewRecords],
        &staff.account.unit_id,
    )
}

/// A civil servant's archive of `unit` for a write: the role (as `allow_any`), then the scope.
fn allow_civil_servant(
    staff: &Staff,
    what: &str,
    actions: &[Action],
    unit: Option<&str>,
) -> Result<(), Response> {
    allow_any(staff, what, actions, &staff.account.unit_id)?;
    if sees_civil_servant(staff, unit) {
        Ok(())
    } else {
        // The unit is not named: a registered civil servant's unit is not for staff outside it.
        Err(forbidden(&format!(
            "无权办理该公务人员的政务诚信档案：只能办理本单位所属局（{}）范围内单位的公务人员",
            super::unit_name(staff.org(), &staff.org().bureau_of(&staff.account.unit_id))
        )))
    }
}

/// A department's archive for a write: the role (as `allow_any`), then the department within
/// the staff member's bureau — the civil servants' rule ([`sees_civil_servant`]), so another
/// bureau's departments are not theirs to find 容错 for.
fn allow_department(
    staff: &Staff,
    what: &str,
    actions: &[Action],
    department: &str,
) -> Result<(), Response> {
    allow_any(staff, what, actions, &staff.account.unit_id)?;
    if sees_civil_servant(staff, Some(department)) {
        Ok(())
    } else {
        Err(forbidden(&format!(
            "无权办理“{department}”的政务诚信档案：只能办理本单位所属局（{}）范围内的部门",
            super::unit_name(staff.org(), &staff.org().bureau_of(&staff.account.unit_id))
        )))
    }
}

fn registration_visible(staff: &Staff, r: &RegistrationState) -> bool {
    r.registration.archive != Some(ArchiveKind::CivilServant)
        || sees_civil_servant(staff, r.registration.unit.as_deref())
}

fn record_visible(staff: &Staff, s: &IntegrityState) -> bool {
    s.record.archive != ArchiveKind::CivilServant
        || sees_civil_servant(staff, s.record.unit.as_deref())
}

/// The field a service error names (`details[0].field`), if it is a field error.
fn field_of(e: &AppError) -> Option<String> {
    if e.kind != ErrorKind::Invalid {
        return None;
    }
    e.details
        .first()
        .and_then(|d| d.get("field"))
        .and_then(|f| f.as_str())
        .map(str::to_string)
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// 主体登记

/// A registration as the console lists it.
struct RegRow {
    id: String,
    link: String,
    kind: &'static str,
    name: String,
    code: String,
    unit: String,
    post: String,
    proposed_by: String,
    status: &'static str,
    reviewed_by: String,
    comment: String,
}

fn reg_row(s: &RegistrationState) -> RegRow {
    let r = &s.registration;
    let kind = match (r.archive, r.subject.kind) {
        (Some(a), _) => a.label(),
        (None, xyjt_core::subject::PartyCategory::NaturalPerson) => "个人",
        (None, _) => "企业",
    };
    RegRow {
        id: r.id.clone(),
        link: urlencode(&r.id),
        kind,
        name: r.subject.name.clone(),
        code: r
            .subject
            .codes()
            .first()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        unit: r.unit.clone().unwrap_or_default(),
        post: r.post.clone().unwrap_or_default(),
        proposed_by: r.proposed_by.clone(),
        status: match s.status.as_str() {
            "proposed" => "待审核",
            "approved" => "已登记",
            "rejected" => "未通过",
            _ => "未知",
        },
        reviewed_by: s.reviewed_by.clone().unwrap_or_default(),
        comment: s.comment.clone().unwrap_or_default(),
    }
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct RegistrationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    post: String,
}

#[derive(Template)]
#[template(path = "console/registrations.html")]
struct RegistrationsPage {
    frame: Frame,
    form: RegistrationForm,
    /// The service's refusal of the form, and the field it names.
    error: String,
    error_field: String,
    kinds: [&'static str; 4],
    pending: Vec<RegRow>,
    recent: Vec<RegRow>,
    /// Civil servants' registrations not shown (outside the staff member's scope).
    hidden: usize,
}

const RECENT: usize = 20;

async fn registrations_answer(
    state: &AppState,
    staff: &Staff,
    form: RegistrationForm,
    error: Option<AppError>,
) -> Answer {
    let all = state.store.registrations(None).await.or_page()?;
    let hidden = all
        .iter()
        .filter(|r| !registration_visible(staff, r))
        .count();
    let visible: Vec<&RegistrationState> = all
        .iter()
        .filter(|r| registration_visible(staff, r))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = RegistrationsPage {
        frame: frame(staff, "主体登记"),
        form,
        error_field: error.as_ref().and_then(field_of).unwrap_or_default(),
        error: error.map(|e| e.message).unwrap_or_default(),
        kinds: ["部门", "公务人员", "企业", "个人"],
        pending: visible
            .iter()
            .filter(|r| r.status == "proposed")
            .map(|r| reg_row(r))
            .collect(),
        recent: visible
            .iter()
            .filter(|r| r.status != "proposed")
            .take(RECENT)
            .map(|r| reg_row(r))
            .collect(),
        hidden,
    };
    Ok(crate::html::render_status(status, &page))
}

/// `GET /console/registrations`: the form and the registrations awaiting review.
pub(super) async fn registrations_page(State(state): State<AppState>, staff: Staff) -> Answer {
    registrations_answer(&state, &staff, RegistrationForm::default(), None).await
}

fn is_civil_servant_kind(kind: &str) -> bool {
    matches!(kind.trim(), "公务人员" | "公务员" | "civil_servant")
}

/// `POST /console/registrations`: proposes a registration; the service's refusal of a field is
/// shown on the form.
pub(super) async fn propose_registration(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<RegistrationForm>,
) -> Answer {
    if is_civil_servant_kind(&f.kind) {
        allow_civil_servant(
            &staff,
            "登记公务人员",
            &[Action::ManageLists],
            Some(f.unit.trim()),
        )?;
    } else {
        allow_any(
            &staff,
            "提出主体登记",
            &[Action::SubmitRecords, Action::ManageLists],
            &staff.account.unit_id,
        )?;
    }
    let blank = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = RegistrationInput {
        kind: f.kind.clone(),
        name: f.name.clone(),
        code: f.code.clone(),
        unit: blank(&f.unit),
        post: blank(&f.post),
    };
    match gi::propose_registration(&state.ctx(), &input, &staff.actor()).await {
        Ok(_) => see_other("/console/registrations"),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => {
            registrations_answer(&state, &staff, f, Some(e)).await
        }
        Err(e) => Err(err_page(e.into())),
    }
}

#[derive(Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

fn decision(f: &ReviewForm) -> Result<bool, Response> {
    match f.decision.as_str() {
        "approve" => Ok(true),
        "reject" => Ok(false),
        _ => Err(invalid("请选择“审核通过”或“不通过”")),
    }
}

/// `POST /console/registrations/{id}/review`: approves or rejects (not the proposer).
pub(super) async fn review_registration(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<ReviewForm>,
) -> Answer {
    let actions = [Action::ReviewRecords, Action::ManageLists];
    allow_any(&staff, "审核主体登记", &actions, &staff.account.unit_id)?;
    let missing = || err_page(AppError::not_found(format!("主体登记 {id} 不存在")).into());
    let r = state
        .store
        .registration(&id)
        .await
        .or_page()?
        .ok_or_else(missing)?;
    if !registration_visible(&staff, &r) {
        return Err(missing());
    }
    if r.registration.archive == Some(ArchiveKind::CivilServant) {
        allow_civil_servant(
            &staff,
            "审核主体登记",
            &actions,
            r.registration.unit.as_deref(),
        )?;
    }
    let approved = decision(&f)?;
    gi::review_registration(&state.ctx(), &id, &staff.actor(), approved, &f.comment)
        .await
        .or_page()?;
    see_other("/console/registrations")
}

// ---------------------------------------------------------------------------------------------
// 政务诚信档案

/// A record as the console lists it.
struct RecRow {
    id: String,
    link: String,
    archive: &'static str,
    name: String,
    category: String,
    nature: &'static str,
    dishonest: bool,
    doc_no: String,
    decided_on: String,
    deciding_unit: String,
    facts: String,
    basis: String,
    source: String,
    effect: String,
    in_effect: bool,
    tolerance: String,
    /// A proposed finding awaits review.
    pending: bool,
    /// A finding may be proposed (a dishonesty record without a pending or approved one).
    proposable: bool,
    reasons: String,
    tolerance_basis: String,
    evidence: String,
}

fn rec_row(state: &AppState, s: &IntegrityState) -> RecRow {
    let policy = &state.policies.integrity;
    let today = state.today();
    let r = &s.record;
    let label = policy
        .category(&r.category)
        .map_or_else(|| r.category.clone(), |c| c.label.clone());
    let category = match &r.sanction {
        Some(x) => format!("{label}（{x}）"),
        None => label,
    };
    let effect = match (r.nature, s.effect_until(policy)) {
        (Nature::Good, _) => String::new(),
        (_, Some(u)) => format!("{} 至 {u}", r.decided_on),
        (_, None) => format!("{} 起，至问题解决", r.decided_on),
    };
    let t = s.tolerance.as_ref();
    let tolerance = match t {
        None => String::new(),
        Some(t) if t.reviewed_by.is_none() => format!("容错认定待审核（提出人 {}）", t.proposed_by),
        Some(t) if t.approved => format!(
            "已认定容错，不计入失信记录（{} 审核，{}）",
            t.reviewed_by.clone().unwrap_or_default(),
            date(t.decided_on)
        ),
        Some(t) => format!(
            "容错认定未通过（{} 审核，{}）",
            t.reviewed_by.clone().unwrap_or_default(),
            date(t.decided_on)
        ),
    };
    RecRow {
        id: r.id.clone(),
        link: urlencode(&r.id),
        archive: r.archive.label(),
        name: r.name.clone(),
        category,
        nature: r.nature.label(),
        dishonest: r.nature == Nature::Dishonest,
        doc_no: r.doc_no.clone(),
        decided_on: r.decided_on.to_string(),
        deciding_unit: r.deciding_unit.clone(),
        facts: r.facts.clone(),
        basis: r.basis.clone(),
        source: r.source.clone(),
        effect,
        in_effect: s.in_effect_on(policy, today),
        tolerance,
        pending: t.is_some_and(|t| t.reviewed_by.is_none()),
        proposable: r.nature == Nature::Dishonest
            && !t.is_some_and(|t| t.approved || t.reviewed_by.is_none()),
        reasons: t.map(|t| t.reasons.clone()).unwrap_or_default(),
        tolerance_basis: t.map(|t| t.basis.clone()).unwrap_or_default(),
        evidence: t.map(|t| t.evidence.join("；")).unwrap_or_default(),
    }
}

/// The archive found by a search.
struct ArchiveView {
    kind: &'static str,
    name: String,
    code: String,
    unit: String,
    post: String,
    entry_link: String,
    records: Vec<RecRow>,
}

/// An archive in the lists.
struct ArchiveLink {
    name: String,
    code: String,
    link: String,
    unit: String,
}

#[derive(Template)]
#[template(path = "console/integrity.html")]
struct ArchivesPage {
    frame: Frame,
    query: String,
    /// Why the search found nothing.
    message: String,
    archive: Option<ArchiveView>,
    departments: Vec<ArchiveLink>,
    /// Civil servants within the staff member's scope; `None` when they may not read them.
    civil_servants: Option<Vec<ArchiveLink>>,
    pending: Vec<RecRow>,
}

#[derive(Deserialize)]
pub(super) struct ArchiveQuery {
    #[serde(default)]
    code: String,
}

fn archive_link(r: &RegistrationState) -> Option<ArchiveLink> {
    let code = r.registration.subject.codes().first()?.as_str().to_string();
    Some(ArchiveLink {
        name: r.registration.subject.name.clone(),
        link: urlencode(&code),
        code,
        unit: r.registration.unit.clone().unwrap_or_default(),
    })
}

/// `GET /console/integrity[?code=…]`: an archive by code (USCC of a department, citizen ID of a
/// civil servant), the archives the staff member may read, and the 容错 findings awaiting review.
pub(super) async fn archives_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ArchiveQuery>,
) -> Answer {
    let query = q.code.trim().to_string();
    let mut message = String::new();
    let mut archive = None;
    if !query.is_empty() {
        match check_code(&query).result {
            Err(e) => message = format!("证件号码无效：{e}"),
            Ok(code) => {
                if matches!(code, Code::CitizenId(_)) {
                    may_read_civil_servants(&staff)?;
                }
                archive = find_archive(&state, &staff, &code).await?;
                if archive.is_none() {
                    message = format!(
                        "没有找到 {} 的政务诚信档案：未登记为部门或公务人员，或不在您的查阅范围内",
                        code.as_str()
                    );
                }
            }
        }
    }
    let approved = state
        .store
        .registrations(Some("approved"))
        .await
        .or_page()?;
    let mut departments: Vec<ArchiveLink> = approved
        .iter()
        .filter(|r| r.registration.archive == Some(ArchiveKind::Department))
        .filter_map(archive_link)
        .collect();
    departments.sort_by(|a, b| a.name.cmp(&b.name));
    let civil_servants = may_read_civil_servants(&staff).is_ok().then(|| {
        approved
            .iter()
            .filter(|r| r.registration.archive == Some(ArchiveKind::CivilServant))
            .filter(|r| registration_visible(&staff, r))
            .filter_map(archive_link)
            .collect()
    });
    let pending = state
        .store
        .integrity_records(None, None)
        .await
        .or_page()?
        .iter()
        .filter(|s| {
            s.tolerance
                .as_ref()
                .is_some_and(|t| t.reviewed_by.is_none())
        })
        .filter(|s| record_visible(&staff, s))
        .map(|s| rec_row(&state, s))
        .collect();
    show(&ArchivesPage {
        frame: frame(&staff, "政务诚信档案"),
        query,
        message,
        archive,
        departments,
        civil_servants,
        pending,
    })
}

async fn find_archive(
    state: &AppState,
    staff: &Staff,
    code: &Code,
) -> Result<Option<ArchiveView>, Response> {
    let Some(subject) = state.store.subject_by_code(code).await.or_page()? else {
        return Ok(None);
    };
    let Some((kind, unit, post)) = state.store.gov_subject(&subject.id).await.or_page()? else {
        return Ok(None);
    };
    if kind == ArchiveKind::CivilServant && !sees_civil_servant(staff, unit.as_deref()) {
        return Ok(None);
    }
    let records = state
        .store
        .integrity_records(Some(&subject.id), None)
        .await
        .or_page()?;
    Ok(Some(ArchiveView {
        kind: kind.label(),
        name: subject.name.clone(),
        code: code.as_str().to_string(),
        unit: unit.unwrap_or_default(),
        post: post.unwrap_or_default(),
        entry_link: format!(
            "/console/integrity/records/new?archive={}&code={}",
            urlencode(kind.label()),
            urlencode(code.as_str())
        ),
        records: records.iter().map(|s| rec_row(state, s)).collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Entering a record

#[derive(Deserialize, Default, Clone)]
pub(super) struct EntryForm {
    #[serde(default)]
    archive: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    nature: String,
    #[serde(default)]
    sanction: String,
    #[serde(default)]
    doc_no: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    deciding_unit: String,
    #[serde(default)]
    facts: String,
    #[serde(default)]
    basis: String,
}

/// A category in the form: (id, label with its nature and subjects, sanctions in words).
struct CategoryOption {
    id: String,
    label: String,
    sanctions: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "console/integrity_entry.html")]
struct EntryPage {
    frame: Frame,
    form: EntryForm,
    categories: Vec<CategoryOption>,
    error: String,
    error_field: String,
    today: String,
}

fn entry_answer(
    state: &AppState,
    staff: &Staff,
    form: EntryForm,
    error: Option<AppError>,
) -> Answer {
    let policy = &state.policies.integrity;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let categories = policy
        .categories
        .iter()
        .map(|c| CategoryOption {
            id: c.id.clone(),
            label: format!(
                "{}（{}，{}）",
                c.label,
                c.nature.label(),
                c.applies_to
                    .iter()
                    .map(|a| a.label())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            sanctions: c
                .sanctions
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            selected: form.category == c.id || form.category == c.label,
        })
        .collect();
    let page = EntryPage {
        frame: frame(staff, "录入政务诚信记录"),
        categories,
        error_field: error.as_ref().and_then(field_of).unwrap_or_default(),
        error: error.map(|e| e.message).unwrap_or_default(),
        today: state.today().to_string(),
        form,
    };
    Ok(crate::html::render_status(status, &page))
}

#[derive(Deserialize)]
pub(super) struct EntryQuery {
    #[serde(default)]
    archive: String,
    #[serde(default)]
    code: String,
}

/// `GET /console/integrity/records/new`: the entry form (prefilled from an archive's link).
pub(super) async fn entry_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<EntryQuery>,
) -> Answer {
    allow_any(
        &staff,
        "录入政务诚信记录",
        &[Action::SubmitRecords, Action::ManageLists],
        &staff.account.unit_id,
    )?;
    let form = EntryForm {
        archive: if q.archive.trim().is_empty() {
            "部门".into()
        } else {
            q.archive.trim().into()
        },
        code: q.code.trim().into(),
        nature: "失信".into(),
        ..EntryForm::default()
    };
    entry_answer(&state, &staff, form, None)
}

/// `POST /console/integrity/records`: records what the form says; a refused field is shown on
/// the form with the values kept.
pub(super) async fn enter_record(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<EntryForm>,
) -> Answer {
    let civil = ArchiveKind::from_label(&f.archive) == Some(ArchiveKind::CivilServant);
    if civil {
        // The scope needs the civil servant's unit: from their archive, when registered.
        allow_any(
            &staff,
            "录入公务人员政务诚信记录",
            &[Action::ManageLists],
            &staff.account.unit_id,
        )?;
        let unit = match check_code(&f.code).result {
            Ok(code) => match state.store.subject_by_code(&code).await.or_page()? {
                Some(s) => state
                    .store
                    .gov_subject(&s.id)
                    .await
                    .or_page()?
                    .and_then(|(_, unit, _)| unit),
                None => None,
            },
            Err(_) => None,
        };
        if unit.is_some() {
            allow_civil_servant(
                &staff,
                "录入公务人员政务诚信记录",
                &[Action::ManageLists],
                unit.as_deref(),
            )?;
        }
    } else {
        allow_any(
            &staff,
            "录入政务诚信记录",
            &[Action::SubmitRecords, Action::ManageLists],
            &staff.account.unit_id,
        )?;
    }
    let decided_on = match NaiveDate::parse_from_str(f.decided_on.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            let e = AppError::invalid(format!(
                "决定日期“{}”不是日期（YYYY-MM-DD）",
                f.decided_on.trim()
            ))
            .with_detail(serde_json::json!({"field": "decided_on"}));
            return entry_answer(&state, &staff, f, Some(e));
        }
    };
    let input = RecordInput {
        archive: f.archive.clone(),
        code: f.code.clone(),
        category: f.category.clone(),
        nature: f.nature.clone(),
        sanction: Some(f.sanction.trim().to_string()).filter(|s| !s.is_empty()),
        doc_no: f.doc_no.clone(),
        decided_on,
        deciding_unit: f.deciding_unit.clone(),
        facts: f.facts.clone(),
        basis: f.basis.clone(),
    };
    let source = format!("console:{}", staff.account.login);
    match gi::record(&state.ctx(), &input, &source, &staff.actor()).await {
        Ok(Recorded::New(id) | Recorded::Unchanged(id)) => {
            let _ = state.refresh_checks().await;
            see_other(&format!("/console/integrity/records/{}", urlencode(&id)))
        }
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => {
            entry_answer(&state, &staff, f, Some(e))
        }
        Err(e) => Err(err_page(e.into())),
    }
}

// ---------------------------------------------------------------------------------------------
// One record and its 容错 finding

#[derive(Template)]
#[template(path = "console/integrity_record.html")]
struct RecordPage {
    frame: Frame,
    r: RecRow,
    code: String,
    code_link: String,
    unit: String,
    post: String,
}

/// A record the staff member may read, or the 404 page (403 first for a civil servant's record
/// to anyone without the roles that read them).
async fn readable_record(
    state: &AppState,
    staff: &Staff,
    id: &str,
) -> Result<IntegrityState, Response> {
    let missing = || err_page(AppError::not_found(format!("政务诚信记录 {id} 不存在")).into());
    let s = state
        .store
        .integrity_record(id)
        .await
        .or_page()?
        .ok_or_else(missing)?;
    if s.record.archive == ArchiveKind::CivilServant {
        may_read_civil_servants(staff)?;
        if !record_visible(staff, &s) {
            return Err(missing());
        }
    }
    Ok(s)
}

/// `GET /console/integrity/records/{id}`: the record, its 容错 status and the forms.
pub(super) async fn record_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Answer {
    let s = readable_record(&state, &staff, &id).await?;
    show(&RecordPage {
        frame: frame(&staff, "政务诚信记录"),
        r: rec_row(&state, &s),
        code_link: urlencode(&s.record.code),
        code: s.record.code.clone(),
        unit: s.record.unit.clone().unwrap_or_default(),
        post: s.record.post.clone().unwrap_or_default(),
    })
}

#[derive(Deserialize)]
pub(super) struct ToleranceForm {
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    basis: String,
    /// Document numbers or file hashes, one a line.
    #[serde(default)]
    evidence: String,
}

/// `POST /console/integrity/records/{id}/tolerance`: proposes a 容错 finding (信用管理员).
pub(super) async fn propose_tolerance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<ToleranceForm>,
) -> Answer {
    let s = readable_record(&state, &staff, &id).await?;
    let actions = [Action::ManageLists];
    if s.record.archive == ArchiveKind::CivilServant {
        allow_civil_servant(&staff, "提出容错认定", &actions, s.record.unit.as_deref())?;
    } else {
        allow_department(&staff, "提出容错认定", &actions, &s.record.name)?;
    }
    let evidence = f
        .evidence
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    gi::propose_tolerance(
        &state.ctx(),
        &id,
        &f.reasons,
        &f.basis,
        evidence,
        &staff.actor(),
    )
    .await
    .or_page()?;
    see_other(&format!("/console/integrity/records/{}", urlencode(&id)))
}

/// `POST /console/integrity/records/{id}/tolerance/review`: approves or rejects a proposed
/// finding (审核员 or 信用管理员; the service refuses its proposer).
pub(super) async fn review_tolerance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<ReviewForm>,
) -> Answer {
    let s = readable_record(&state, &staff, &id).await?;
    let actions = [Action::ReviewRecords, Action::ManageLists];
    if s.record.archive == ArchiveKind::CivilServant {
        allow_civil_servant(&staff, "审核容错认定", &actions, s.record.unit.as_deref())?;
    } else {
        allow_department(&staff, "审核容错认定", &actions, &s.record.name)?;
    }
    let approved = decision(&f)?;
    gi::review_tolerance(&state.ctx(), &id, &staff.actor(), approved, &f.comment)
        .await
        .or_page()?;
    let _ = state.refresh_checks().await;
    see_other(&format!("/console/integrity/records/{}", urlencode(&id)))
}
