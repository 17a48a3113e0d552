//! The reads-and-writes authorisation matrix (issue 17): every API operation, every console
//! route and every portal page × every kind of caller (anonymous; each demo staff account and
//! two managers below the province; each kind of calling system) × a resource of one unit and of
//! another where the route names one, on the full demo, on SQLite and on PostgreSQL.
//!
//! [`ROUTES`] is the specification: one row per route (and resource kind) with who may use it,
//! written out by hand from the rules (`xyjt_core::account`, the organisation tree in
//! `data/org-tree.toml`), not computed from the code under test. The test first proves the table
//! complete — every operation of the served OpenAPI document and every route the console, the
//! portal and `lib.rs` register (read from their routers' source) has a row, and every row names
//! a route — then calls each row as each caller and asserts only the class of the answer:
//!
//! - refused: 401, 403, 404, or a redirect to the sign-in page; a refused read does not name the
//!   resource (its subject, applicant, file or title) and a refused write leaves the ledger head
//!   where it was;
//! - admitted: anything else (200; a 303 after a write; 400, 409 or 422 for a deliberately
//!   incomplete body — the authorisation let it through).
//!
//! Write bodies are complete enough to be parsed (so the authorisation decision is reached) and
//! wrong enough, where possible, to be refused by validation after it (so admitted writes change
//! little). The staff accounts' and calling systems' reach ([`STAFF`], [`SYSTEMS`]) are written
//! out by hand from the tree too. [`LISTS`] then checks that the lists (inboxes, dashboards, the
//! audit trail, accounts …) name nothing their reader may not open.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use xyjt_core::account::Role;
use xyjt_core::account::Role::{Clerk, CreditAdmin, Reviewer, SysAdmin};

mod common;

use common::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Who the callers are.

/// Every unit of the tree (the province's scope).
const ALL: &[&str] = &["*"];

/// A demo staff account: its own unit and roles; the units at and below its own unit; the units
/// of its bureau (its own unit's nearest ancestor at a higher level, and everything below). The
/// tree (`data/org-tree.toml`): 示范省交通运输厅 (SF) with its 处室 and 局 inside it (SF-XY, SF-ZF,
/// SF-GL, SF-GH); the cities' bureaus DH, XL, NC, BY each with its 执法支队 (DH-ZF …); under DH
/// the county bureau QS with QS-ZF.
struct StaffAccount {
    login: &'static str,
    unit: &'static str,
    roles: &'static [Role],
    unit_and_below: &'static [&'static str],
    bureau: &'static [&'static str],
}

const DH_BUREAU: &[&str] = &["DH", "DH-ZF", "QS", "QS-ZF"];

const STAFF: &[StaffAccount] = &[
    StaffAccount {
        login: "admin",
        unit: "SF", // 系统管理员 of 示范省交通运输厅
        roles: &[SysAdmin],
        unit_and_below: ALL,
        bureau: ALL,
    },
    StaffAccount {
        login: "xyc",
        unit: "SF-XY", // 信用管理员 of the province's 信用管理处, a unit inside the 厅
        roles: &[CreditAdmin],
        unit_and_below: &["SF-XY"],
        bureau: ALL,
    },
    StaffAccount {
        login: "sf-bgs",
        unit: "SF", // 审核员 (办公室) of the 厅 itself
        roles: &[Reviewer],
        unit_and_below: ALL,
        bureau: ALL,
    },
    StaffAccount {
        login: "xl-lr",
        unit: "XL-ZF", // 录入员, 西岭执法支队
        roles: &[Clerk],
        unit_and_below: &["XL-ZF"],
        bureau: &["XL", "XL-ZF"],
    },
    StaffAccount {
        login: "xl-sh",
        unit: "XL-ZF", // 审核员, 西岭执法支队
        roles: &[Reviewer],
        unit_and_below: &["XL-ZF"],
        bureau: &["XL", "XL-ZF"],
    },
    StaffAccount {
        login: "dh-lr",
        unit: "DH-ZF", // 录入员, 东湖执法支队
        roles: &[Clerk],
        unit_and_below: &["DH-ZF"],
        bureau: DH_BUREAU,
    },
    StaffAccount {
        login: "dh-sh",
        unit: "DH-ZF", // 审核员, 东湖执法支队
        roles: &[Reviewer],
        unit_and_below: &["DH-ZF"],
        bureau: DH_BUREAU,
    },
    // Managers below the province, made by this test: a 信用管理员 inside 东湖执法支队 (their
    // bureau is 东湖's) and a 系统管理员 of 西岭市交通运输局.
    StaffAccount {
        login: "dh-zf-xy",
        unit: "DH-ZF",
        roles: &[CreditAdmin],
        unit_and_below: &["DH-ZF"],
        bureau: DH_BUREAU,
    },
    StaffAccount {
        login: "xl-gly",
        unit: "XL",
        roles: &[SysAdmin],
        unit_and_below: &["XL", "XL-ZF"],
        bureau: &["XL", "XL-ZF"],
    },
    StaffAccount {
        login: "dh-bgs",
        unit: "DH", // 审核员 (办公室) of 东湖市交通运输局
        roles: &[Reviewer],
        unit_and_below: DH_BUREAU,
        bureau: DH_BUREAU,
    },
];

impl StaffAccount {
    fn has(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }

    /// What the account sees and acts for: a manager (信用管理员, 系统管理员) their bureau,
    /// anyone else their own unit and below.
    fn scope(&self) -> &'static [&'static str] {
        if self.has(&[CreditAdmin, SysAdmin]) {
            self.bureau
        } else {
            self.unit_and_below
        }
    }
}

/// The bureau of a unit of the tree, by hand.
fn bureau_of(unit: &str) -> &str {
    match unit {
        "SF" | "SF-XY" | "SF-ZF" | "SF-GL" | "SF-GH" => "SF",
        "DH" | "DH-ZF" => "DH",
        "XL" | "XL-ZF" => "XL",
        "QS" | "QS-ZF" => "QS",
        other => panic!("no bureau written down for {other}"),
    }
}

fn within(units: &[&str], unit: &str) -> bool {
    units == ALL || units.contains(&unit)
}

const XL_ZF: &str = "西岭市交通运输综合行政执法支队";
const DH_ZF: &str = "东湖市交通运输综合行政执法支队";
const DH: &str = "东湖市交通运输局";
const SF: &str = "示范省交通运输厅";

/// Calling systems (token names) and the units they act for: a unit's system for the unit and
/// the units below it; a platform that is not a unit for none.
const SYSTEMS: &[(&str, &[&str])] = &[
    (SF, ALL),
    (DH, DH_BUREAU),
    (DH_ZF, &["DH-ZF"]),
    (XL_ZF, &["XL-ZF"]),
    ("演示招标投标平台", &[]),
    ("演示组织人事系统", &[]),
];

enum Caller {
    Anonymous,
    Staff {
        account: &'static StaffAccount,
        cookie: String,
        csrf: String,
    },
    System {
        name: &'static str,
        units: &'static [&'static str],
        token: String,
    },
}

impl Caller {
    fn label(&self) -> String {
        match self {
            Caller::Anonymous => "anonymous".into(),
            Caller::Staff { account, .. } => account.login.into(),
            Caller::System { name, .. } => format!("system {name}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The rules.

/// Who may use a route.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// Anyone, signed in or not.
    Anyone,
    /// No one as called here (a lookup needing a query code the caller does not have, an item
    /// not public): the same refusal for every caller.
    NoOne,
    /// Any valid API token.
    AnyToken,
    /// A token whose system is a unit of the tree.
    UnitToken,
    /// A token whose system acts for the resource's unit.
    TokenFor,
    /// A token whose system acts for a unit above the resource's (not the unit itself: a
    /// department's commitment is checked by its superiors).
    TokenAbove,
    /// The token of the system the resource belongs to (a check it asked; a case it implements).
    TokenOwner,
    /// Any signed-in staff account.
    AnyStaff,
    /// Staff holding one of the roles (for their own unit).
    Roles(&'static [Role]),
    /// Staff holding one of the roles in a unit at province level (the four lists).
    ProvinceRoles(&'static [Role]),
    /// Staff whose scope (bureau for managers, else own unit and below) covers the resource's
    /// unit.
    Sees,
    /// Staff holding one of the roles whose scope covers the resource's unit.
    RolesSee(&'static [Role]),
    /// Staff of the resource's unit or a unit above it (政务公开 drafts: managers' bureau does not
    /// count).
    UnitAbove,
    /// Staff holding one of the roles whose bureau covers the resource's unit (政务诚信档案: a
    /// civil servant's unit, a department; 信用管理员 and 审核员 only).
    Bureau(&'static [Role]),
    /// Staff holding one of the roles whose own unit is the resource's unit (a draw's results).
    OwnUnit(&'static [Role]),
    /// 审核员 whose own unit is the bureau of the resource's unit (局办公室: 政务公开 sign-off,
    /// 清理, the annual report).
    Office,
    /// Signing out: it answers the sign-in page to everyone (and ends only the caller's own
    /// session), so it counts as refused for all.
    SignOut,
}

/// What a row's path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Res {
    None,
    /// The province (its annual report).
    Province,
    /// A unit named in a form (`{unit}`: an id of the tree).
    Unit,
    /// A staff account (for the accounts list).
    Account,
    Submission,
    SubmissionFile,
    /// Evidence filed with an application (an objection's, a complaint's …).
    EvidenceFile,
    Application,
    AnsweredRequest,
    ListEntry,
    EvalRun,
    Draw,
    DrawTask,
    Registration,
    CivilServantRecord,
    DepartmentRecord,
    DraftItem,
    PublicItem,
    Check,
    Case,
    Commitment,
    GovCommitment,
    Subject,
    Record,
    List,
    EvalResult,
    Department,
    News,
}

/// A request body.
#[derive(Clone, Copy, Debug)]
enum Payload {
    Nothing,
    Json(&'static str),
    /// A console form: the CSRF token and these fields.
    Form(&'static [(&'static str, &'static str)]),
    /// A console multipart upload: the CSRF token, these fields and a small file.
    Upload(&'static [(&'static str, &'static str)]),
    /// The sign-in form with its own cookie and CSRF token.
    SignIn,
}

use Payload::{Form, Json, Nothing, Upload};
use Res as R;
use Who::*;

struct Row {
    method: &'static str,
    path: &'static str,
    res: Res,
    who: Who,
    send: Payload,
}

const fn row(method: &'static str, path: &'static str, res: Res, who: Who, send: Payload) -> Row {
    Row {
        method,
        path,
        res,
        who,
        send,
    }
}

const GET: &str = "GET";
const POST: &str = "POST";

/// Every route: the specification (one row a line, so it reads as a table).
#[rustfmt::skip]
const ROUTES: &[Row] = &[
    // --- The JSON API: public reads and filings.
    row(GET, "/healthz", R::None, Anyone, Nothing),
    row(GET, "/api/v1/subjects", R::None, Anyone, Nothing),
    row(GET, "/api/v1/subjects/{id}", R::Subject, Anyone, Nothing),
    row(GET, "/api/v1/subjects/{id}/report", R::Subject, Anyone, Nothing),
    row(GET, "/api/v1/records/{id}", R::Record, Anyone, Nothing),
    row(GET, "/api/v1/records/{id}/history", R::Record, Anyone, Nothing),
    row(GET, "/api/v1/ledger/head", R::None, Anyone, Nothing),
    row(GET, "/api/v1/publicity", R::None, Anyone, Nothing),
    row(GET, "/api/v1/stats/shuanggongshi", R::None, Anyone, Nothing),
    row(GET, "/api/v1/lists/{list}", R::List, Anyone, Nothing),
    row(POST, "/api/v1/objections", R::None, Anyone, Json("{}")),
    row(POST, "/api/v1/repairs", R::None, Anyone, Json("{}")),
    row(GET, "/api/v1/repairs/eligibility", R::None, Anyone, Nothing),
    // Followed by number and query code: without the code, nobody.
    row(GET, "/api/v1/applications/{number}", R::Application, NoOne, Nothing),
    row(GET, "/api/v1/stats/workflows", R::None, Anyone, Nothing),
    row(GET, "/api/v1/commitment-templates", R::None, Anyone, Nothing),
    row(GET, "/api/v1/commitments", R::None, Anyone, Nothing),
    row(GET, "/api/v1/evaluation/models", R::None, Anyone, Nothing),
    row(GET, "/api/v1/evaluation/results", R::None, Anyone, Nothing),
    row(GET, "/api/v1/evaluation/results/{id}", R::EvalResult, Anyone, Nothing),
    row(GET, "/api/v1/inspection/items", R::None, Anyone, Nothing),
    row(GET, "/api/v1/inspection/draws", R::None, Anyone, Nothing),
    row(GET, "/api/v1/inspection/draws/{id}", R::Draw, Anyone, Nothing),
    row(GET, "/api/v1/inspection/results", R::None, Anyone, Nothing),
    row(GET, "/api/v1/integrity/departments", R::None, Anyone, Nothing),
    row(GET, "/api/v1/integrity/departments/{code}", R::Department, Anyone, Nothing),
    row(GET, "/api/v1/integrity/assessments", R::None, Anyone, Nothing),
    row(POST, "/api/v1/integrity/complaints", R::None, Anyone, Json("{}")),
    row(POST, "/api/v1/disclosure-requests", R::None, Anyone, Json("{}")),
    row(GET, "/api/v1/disclosure-requests/{number}/notice?query_code=0000", R::AnsweredRequest, NoOne, Nothing),
    row(GET, "/api/v1/disclosure/items", R::None, Anyone, Nothing),
    row(GET, "/api/v1/disclosure/items/{id}", R::PublicItem, Anyone, Nothing),
    row(GET, "/api/v1/disclosure/items/{id}", R::DraftItem, NoOne, Nothing),
    row(POST, "/api/v1/disclosure/items/{id}/comments", R::DraftItem, NoOne, Json(r#"{"text": "越权测试"}"#)),
    row(GET, "/api/v1/disclosure/on-time", R::None, Anyone, Nothing),
    row(GET, "/api/v1/disclosure/annual-report", R::None, Anyone, Nothing),
    row(GET, "/api/v1/ledger/checkpoint", R::None, Anyone, Nothing),
    row(GET, "/api/v1/ledger/checkpoints", R::None, Anyone, Nothing),
    row(GET, "/api/v1/ledger/proof/inclusion", R::None, Anyone, Nothing),
    row(GET, "/api/v1/ledger/proof/consistency", R::None, Anyone, Nothing),
    row(GET, "/api/v1/ledger/key", R::None, Anyone, Nothing),
    row(GET, "/api/v1/openapi.json", R::None, Anyone, Nothing),
    // --- The JSON API: calling systems.
    row(POST, "/api/v1/checks", R::None, AnyToken, Json("{}")),
    row(GET, "/api/v1/checks/stats", R::None, AnyToken, Nothing),
    row(GET, "/api/v1/checks/{id}", R::Check, TokenOwner, Nothing),
    row(POST, "/api/v1/checks/{id}/feedback", R::Check, TokenOwner, Json(r#"{"applied": true}"#)),
    row(POST, "/api/v1/screenings", R::None, AnyToken, Json("{}")),
    row(GET, "/api/v1/cases", R::None, AnyToken, Nothing),
    row(POST, "/api/v1/cases/{id}/reports", R::Case, TokenOwner, Json(r#"{"applied": false, "note": "越权测试"}"#)),
    row(GET, "/api/v1/workflows", R::None, AnyToken, Nothing),
    row(GET, "/api/v1/workflows/{number}", R::Application, TokenFor, Nothing),
    row(POST, "/api/v1/workflows/{number}/steps", R::Application, TokenFor, Json(r#"{"action": "越权测试"}"#)),
    row(GET, "/api/v1/inbox?unit={unit}", R::Application, TokenFor, Nothing),
    row(POST, "/api/v1/commitments", R::None, AnyToken, Json("{}")),
    row(POST, "/api/v1/commitments/{id}/checks", R::Commitment, TokenFor, Json(r#"{"fulfilled": false, "note": "越权测试", "on": "1999-01-01"}"#)),
    row(GET, "/api/v1/evaluation/runs", R::None, AnyToken, Nothing),
    row(POST, "/api/v1/evaluation/runs", R::None, AnyToken, Json("{}")),
    row(POST, "/api/v1/evaluation/runs/{id}/review", R::EvalRun, TokenFor, Json(r#"{"approved": false}"#)),
    row(POST, "/api/v1/evaluation/runs/{id}/publish", R::EvalRun, TokenFor, Nothing),
    row(POST, "/api/v1/integrity/registrations", R::None, AnyToken, Json("{}")),
    row(POST, "/api/v1/integrity/registrations/{id}/review", R::Registration, TokenFor, Json(r#"{"approved": false}"#)),
    row(POST, "/api/v1/integrity/records", R::None, AnyToken, Json("{}")),
    row(POST, "/api/v1/integrity/commitments", R::None, AnyToken, Json("{}")),
    row(POST, "/api/v1/integrity/commitments/{id}/check", R::GovCommitment, TokenAbove, Json(r#"{"fulfilled": false, "finding": ""}"#)),
    row(GET, "/api/v1/integrity/rectifications/bulletin", R::None, UnitToken, Nothing),
    row(POST, "/api/v1/ledger/checkpoint", R::None, AnyToken, Nothing),
    // --- The console.
    row(GET, "/console/login", R::None, Anyone, Nothing),
    row(POST, "/console/login", R::None, Anyone, Payload::SignIn),
    row(POST, "/console/logout", R::None, SignOut, Form(&[])),
    row(POST, "/console/password", R::None, AnyStaff, Form(&[("old", PASSWORD), ("new", "short")])),
    row(GET, "/console", R::None, AnyStaff, Nothing),
    row(GET, "/console/records/new", R::None, Roles(&[Clerk]), Nothing),
    row(POST, "/console/records", R::None, Roles(&[Clerk]), Form(&[])),
    row(GET, "/console/import", R::None, Roles(&[Clerk]), Nothing),
    row(POST, "/console/import", R::None, Roles(&[Clerk]), Upload(&[("category", "penalty")])),
    row(GET, "/console/submissions", R::None, AnyStaff, Nothing),
    row(GET, "/console/submissions/{id}", R::Submission, Sees, Nothing),
    row(POST, "/console/submissions/{id}/review", R::Submission, RolesSee(&[Reviewer]), Form(&[("decision", "越权测试")])),
    row(GET, "/console/files/{sha}", R::SubmissionFile, Sees, Nothing),
    row(GET, "/console/files/{sha}", R::EvidenceFile, Sees, Nothing),
    // A 政务公开 draft's attachment is no submission's file: not there for anyone.
    row(GET, "/console/files/{sha}", R::DraftItem, NoOne, Nothing),
    row(GET, "/console/applications", R::None, AnyStaff, Nothing),
    row(GET, "/console/applications/{number}", R::Application, Sees, Nothing),
    row(GET, "/console/applications/{number}/notice", R::AnsweredRequest, Sees, Nothing),
    row(POST, "/console/applications/{number}/steps", R::Application, RolesSee(&[Clerk, Reviewer, CreditAdmin]), Form(&[("action", "extend"), ("workdays", "0")])),
    row(GET, "/console/lists", R::None, AnyStaff, Nothing),
    row(POST, "/console/lists/{id}/review", R::ListEntry, RolesSee(&[CreditAdmin]), Form(&[("decision", "越权测试")])),
    row(POST, "/console/lists/{id}/end", R::ListEntry, RolesSee(&[CreditAdmin]), Form(&[("reason", "")])),
    row(GET, "/console/policy", R::None, AnyStaff, Nothing),
    row(POST, "/console/policy", R::None, ProvinceRoles(&[CreditAdmin]), Upload(&[])),
    row(GET, "/console/policy/export.json", R::None, AnyStaff, Nothing),
    row(GET, "/console/evaluation", R::None, AnyStaff, Nothing),
    row(POST, "/console/evaluation/runs", R::None, Roles(&[CreditAdmin, Clerk]), Form(&[("model", "js-road-transport"), ("period", "越权测试")])),
    row(GET, "/console/evaluation/runs/{id}", R::EvalRun, Sees, Nothing),
    row(POST, "/console/evaluation/runs/{id}/review", R::EvalRun, RolesSee(&[Reviewer]), Form(&[("decision", "越权测试")])),
    row(POST, "/console/evaluation/runs/{id}/publish", R::EvalRun, RolesSee(&[Reviewer, CreditAdmin]), Form(&[])),
    row(GET, "/console/inspection", R::None, AnyStaff, Nothing),
    row(POST, "/console/inspection/draws", R::None, Roles(&[CreditAdmin, Reviewer]), Form(&[("quarter", "越权测试")])),
    row(POST, "/console/inspection/pool", R::None, Roles(&[CreditAdmin]), Form(&[])),
    row(GET, "/console/inspection/draws/{id}", R::Draw, AnyStaff, Nothing),
    // Task 1 is recorded already: admitted, it is refused as done.
    row(POST, "/console/inspection/draws/{id}/tasks/{no}", R::DrawTask, OwnUnit(&[Clerk, Reviewer]), Form(&[("outcome", "no_problem"), ("note", "越权测试")])),
    row(GET, "/console/coverage", R::None, AnyStaff, Nothing),
    row(GET, "/console/registrations", R::None, AnyStaff, Nothing),
    row(POST, "/console/registrations", R::None, Roles(&[Clerk, CreditAdmin]), Form(&[("kind", "企业")])),
    row(POST, "/console/registrations/{id}/review", R::Registration, Bureau(&[CreditAdmin, Reviewer]), Form(&[("decision", "越权测试")])),
    row(GET, "/console/integrity", R::None, AnyStaff, Nothing),
    row(GET, "/console/integrity/rectifications", R::None, AnyStaff, Nothing),
    row(GET, "/console/integrity/assessments", R::None, Roles(&[CreditAdmin, Reviewer]), Nothing),
    row(POST, "/console/integrity/assessments/scores", R::None, Roles(&[CreditAdmin]), Form(&[("period", "越权测试"), ("code", "越权测试"), ("indicator", "越权测试"), ("value", "越权测试")])),
    row(POST, "/console/integrity/assessments/publish", R::None, Roles(&[Reviewer]), Form(&[("period", "越权测试")])),
    row(GET, "/console/integrity/records/new", R::None, Roles(&[Clerk, CreditAdmin]), Nothing),
    row(POST, "/console/integrity/records", R::None, Roles(&[Clerk, CreditAdmin]), Form(&[])),
    row(GET, "/console/integrity/records/{id}", R::CivilServantRecord, Bureau(&[CreditAdmin, Reviewer]), Nothing),
    row(POST, "/console/integrity/records/{id}/tolerance", R::CivilServantRecord, Bureau(&[CreditAdmin]), Form(&[])),
    row(POST, "/console/integrity/records/{id}/tolerance/review", R::CivilServantRecord, Bureau(&[CreditAdmin, Reviewer]), Form(&[("decision", "越权测试")])),
    // A department's record: public, so any staff reads it; 容错 on it within the bureau.
    row(GET, "/console/integrity/records/{id}", R::DepartmentRecord, AnyStaff, Nothing),
    row(POST, "/console/integrity/records/{id}/tolerance", R::DepartmentRecord, Bureau(&[CreditAdmin]), Form(&[])),
    row(POST, "/console/integrity/records/{id}/tolerance/review", R::DepartmentRecord, Bureau(&[CreditAdmin, Reviewer]), Form(&[("decision", "越权测试")])),
    row(GET, "/console/disclosure", R::None, AnyStaff, Nothing),
    row(POST, "/console/disclosure", R::None, Roles(&[Clerk]), Upload(&[("written_on", "2026-11-01")])),
    row(GET, "/console/disclosure/report", R::None, AnyStaff, Nothing),
    // The province's annual report: by its 办公室; this year's is not due (admitted: 422).
    row(POST, "/console/disclosure/report/publish", R::Province, Office, Form(&[("year", "2026")])),
    row(GET, "/console/disclosure/items/{id}", R::DraftItem, UnitAbove, Nothing),
    row(GET, "/console/disclosure/items/{id}/files/{sha}", R::DraftItem, UnitAbove, Nothing),
    row(POST, "/console/disclosure/items/{id}/sign-off", R::DraftItem, Office, Form(&[("decision", "return")])),
    row(POST, "/console/disclosure/items/{id}/cleanup", R::DraftItem, Office, Form(&[("decision", "越权测试")])),
    row(POST, "/console/disclosure/items/{id}/adoption", R::DraftItem, RolesSee(&[Reviewer]), Form(&[])),
    row(GET, "/console/checks", R::None, AnyStaff, Nothing),
    row(GET, "/console/audit", R::None, AnyStaff, Nothing),
    row(GET, "/console/exchange", R::None, ProvinceRoles(&[CreditAdmin]), Nothing),
    row(GET, "/console/accounts", R::None, AnyStaff, Nothing),
    // An account or a token for a unit (the form's `unit_id`): by a 系统管理员 whose bureau has it.
    row(POST, "/console/accounts", R::Unit, RolesSee(&[SysAdmin]), Form(&[("unit_id", "{unit}")])),
    row(POST, "/console/tokens", R::Unit, RolesSee(&[SysAdmin]), Form(&[("unit_id", "{unit}")])),
    // --- The portal: public, whoever is signed in; drafts and other people's requests are not
    // there for anyone.
    row(GET, "/", R::None, Anyone, Nothing),
    row(GET, "/subjects/{id}", R::Subject, Anyone, Nothing),
    row(GET, "/records/{id}/notices", R::Record, Anyone, Nothing),
    row(GET, "/applications", R::None, Anyone, Nothing),
    row(GET, "/publicity", R::None, Anyone, Nothing),
    row(GET, "/lists/{list}", R::List, Anyone, Nothing),
    row(GET, "/policies", R::None, Anyone, Nothing),
    row(GET, "/news", R::None, Anyone, Nothing),
    row(GET, "/news/{n}", R::News, Anyone, Nothing),
    row(GET, "/ledger", R::None, Anyone, Nothing),
    row(GET, "/reports/verify", R::None, Anyone, Nothing),
    row(POST, "/reports/verify", R::None, Anyone, Nothing),
    row(GET, "/evaluation", R::None, Anyone, Nothing),
    row(GET, "/evaluation/results/{id}", R::EvalResult, Anyone, Nothing),
    row(GET, "/inspection/items", R::None, Anyone, Nothing),
    row(GET, "/inspection/draws", R::None, Anyone, Nothing),
    row(GET, "/inspection/draws/{id}", R::Draw, Anyone, Nothing),
    row(GET, "/inspection/results", R::None, Anyone, Nothing),
    row(GET, "/integrity", R::None, Anyone, Nothing),
    row(GET, "/integrity/publicity", R::None, Anyone, Nothing),
    row(GET, "/integrity/complaints", R::None, Anyone, Nothing),
    row(POST, "/integrity/complaints", R::None, Anyone, Nothing),
    row(GET, "/integrity/assessments", R::None, Anyone, Nothing),
    row(GET, "/integrity/departments/{code}", R::Department, Anyone, Nothing),
    row(GET, "/disclosure", R::None, Anyone, Nothing),
    row(GET, "/disclosure/catalogue", R::None, Anyone, Nothing),
    row(GET, "/disclosure/items/{id}", R::PublicItem, Anyone, Nothing),
    row(GET, "/disclosure/items/{id}", R::DraftItem, NoOne, Nothing),
    row(POST, "/disclosure/items/{id}/comments", R::DraftItem, NoOne, Form(&[("text", "越权测试")])),
    row(GET, "/disclosure/items/{id}/files/{sha}", R::DraftItem, NoOne, Nothing),
    row(GET, "/disclosure/feed.atom", R::None, Anyone, Nothing),
    row(GET, "/disclosure/annual-report", R::None, Anyone, Nothing),
    row(GET, "/disclosure/annual-report.xlsx", R::None, Anyone, Nothing),
    row(GET, "/disclosure/requests", R::None, Anyone, Nothing),
    row(POST, "/disclosure/requests", R::None, Anyone, Nothing),
    row(GET, "/disclosure/requests/{number}/notice?query_code=0000", R::AnsweredRequest, NoOne, Nothing),
    row(GET, "/objections", R::None, Anyone, Nothing),
    row(POST, "/objections", R::None, Anyone, Nothing),
    row(GET, "/objections/new?record={id}", R::Record, Anyone, Nothing),
    row(GET, "/repairs", R::None, Anyone, Nothing),
    row(POST, "/repairs", R::None, Anyone, Nothing),
    row(GET, "/repairs/new?record={id}", R::Record, Anyone, Nothing),
    row(GET, "/static/style.css", R::None, Anyone, Nothing),
    row(GET, "/static/print.js", R::None, Anyone, Nothing),
];

/// The lists of resources a route in [`ROUTES`] opens one by one, and the rule of that route:
/// a list names only what its reader may open.
#[rustfmt::skip]
const LISTS: &[(&str, Res, Who)] = &[
    ("/console/submissions", R::Submission, Sees),
    ("/console/applications", R::Application, Sees),
    ("/console/evaluation", R::EvalRun, Sees),
    ("/console/registrations", R::Registration, Bureau(&[CreditAdmin, Reviewer])),
    ("/console/integrity", R::CivilServantRecord, Bureau(&[CreditAdmin, Reviewer])),
    ("/console/disclosure", R::DraftItem, UnitAbove),
    ("/console/checks", R::Check, Sees),
    ("/console", R::Submission, Sees),
    ("/console", R::Application, Sees),
    ("/console/audit", R::Submission, Sees),
    ("/console/audit", R::Application, Sees),
    ("/console/accounts", R::Account, Sees),
    ("/api/v1/workflows", R::Application, TokenFor),
    ("/api/v1/evaluation/runs", R::EvalRun, TokenFor),
];

/// A resource a row's path names: the values for its placeholders, the unit (an id of the tree)
/// it belongs to, the system that owns it (checks, cases), and what a refused read must not
/// show.
#[derive(Clone, Debug)]
struct Target {
    label: String,
    values: Vec<(&'static str, String)>,
    unit: String,
    owner: String,
    secret: Option<String>,
}

/// Whether `who` admits `caller` to `target`.
fn admits(who: Who, caller: &Caller, target: &Target) -> bool {
    match (who, caller) {
        (Anyone, _) => true,
        (NoOne | SignOut, _) => false,
        (_, Caller::Anonymous) => false,
        (AnyToken, Caller::System { .. }) => true,
        (UnitToken, Caller::System { units, .. }) => !units.is_empty(),
        (TokenFor, Caller::System { units, .. }) => within(units, &target.unit),
        (TokenAbove, Caller::System { name, units, .. }) => {
            within(units, &target.unit) && *name != target.owner
        }
        (TokenOwner, Caller::System { name, .. }) => *name == target.owner,
        (AnyStaff, Caller::Staff { .. }) => true,
        (Roles(roles), Caller::Staff { account, .. }) => account.has(roles),
        (ProvinceRoles(roles), Caller::Staff { account, .. }) => {
            account.has(roles) && bureau_of(account.unit) == "SF"
        }
        (Sees, Caller::Staff { account, .. }) => within(account.scope(), &target.unit),
        (RolesSee(roles), Caller::Staff { account, .. }) => {
            account.has(roles) && within(account.scope(), &target.unit)
        }
        (UnitAbove, Caller::Staff { account, .. }) => within(account.unit_and_below, &target.unit),
        (Bureau(roles), Caller::Staff { account, .. }) => {
            account.has(roles) && within(account.bureau, &target.unit)
        }
        (OwnUnit(roles), Caller::Staff { account, .. }) => {
            account.has(roles) && account.unit == target.unit
        }
        (Office, Caller::Staff { account, .. }) => {
            account.has(&[Reviewer]) && bureau_of(&target.unit) == account.unit
        }
        (_, _) => unreachable!("{who:?} is not asked of {}", caller.label()),
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz"
}

/// Who calls a row: the API is called anonymously and by calling systems, the console and the
/// portal anonymously and by staff.
fn asks(path: &str, caller: &Caller) -> bool {
    match caller {
        Caller::Anonymous => true,
        Caller::Staff { .. } => !is_api(path),
        Caller::System { .. } => is_api(path),
    }
}

// ---------------------------------------------------------------------------------------------
// The table is complete.

/// The path template without a query, as the router and the OpenAPI document spell it.
fn template(path: &str) -> &str {
    path.split('?').next().unwrap()
}

/// The routes of the console, the portal and the pages `lib.rs` adds, read from their routers'
/// source: an axum `Router` cannot be enumerated, so each `pub fn router(…)` is read for its
/// `.route("PATH", get(…).post(…))` calls (a route added any other way would escape this).
fn page_routes() -> BTreeSet<(String, String)> {
    let mut all = BTreeSet::new();
    for (file, src, at_least) in [
        ("console", include_str!("../src/console/mod.rs"), 60),
        ("portal", include_str!("../src/portal/mod.rs"), 40),
        ("lib", include_str!("../src/lib.rs"), 2),
        // The OpenAPI document's own route, beside the documented ones.
        ("api", include_str!("../src/api/mod.rs"), 1),
    ] {
        let body = &src[src.find("pub fn router(").unwrap()..];
        let body = &body[..body.find("\n}\n").unwrap()];
        let found = routes_in(body);
        assert!(found.len() >= at_least, "{file}: {found:?}");
        all.extend(found);
    }
    all
}

/// `.route("PATH", get(..).post(..))` → (METHOD, PATH) pairs (by hand: no regex crate here).
fn routes_in(body: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for chunk in body.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).unwrap().to_string();
        let handlers = &chunk[chunk.find('"').unwrap() + path.len() + 2..];
        // Up to the end of this route's arguments: the next `.route(` was split off already.
        for (needle, method) in [("get(", GET), ("post(", POST)] {
            let mut rest = handlers;
            while let Some(i) = rest.find(needle) {
                let before = rest[..i].chars().last();
                if matches!(before, None | Some(' ' | '\n' | '.' | '(' | ',' | ':')) {
                    out.insert((method.to_string(), path.clone()));
                }
                rest = &rest[i + needle.len()..];
            }
        }
        for other in ["put(", "delete(", "patch("] {
            assert!(
                !handlers.contains(other),
                "{path}: a method the matrix does not know"
            );
        }
    }
    out
}

async fn assert_complete(state: &xyjt_web::AppState) {
    let rows: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), template(r.path).to_string()))
        .collect();
    let doc = get(state, "/api/v1/openapi.json", "").await.json();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            assert!(
                rows.contains(&(method.clone(), path.clone())),
                "{method} {path} is served but has no row in the matrix"
            );
        }
    }
    let pages = page_routes();
    for (method, path) in &pages {
        assert!(
            rows.contains(&(method.clone(), path.clone())),
            "{method} {path} is routed but has no row in the matrix"
        );
    }
    // And no row names a route that does not exist.
    for (method, path) in &rows {
        let in_doc = doc["paths"][path.as_str()][method.to_lowercase()].is_object();
        assert!(
            in_doc || pages.contains(&(method.clone(), path.clone())),
            "row {method} {path} names no route"
        );
    }
    assert!(operations > 60, "{operations} operations");
}

// ---------------------------------------------------------------------------------------------
// The demo's resources.

async fn targets(
    store: &dyn xyjt_store::Store,
    state: &xyjt_web::AppState,
    tokens: &BTreeMap<&str, String>,
) -> BTreeMap<Res, Vec<Target>> {
    let org = &state.policies.org;
    let id_of = |name: &str| {
        org.by_name(name)
            .map(|u| u.id.clone())
            .unwrap_or_else(|| "SF".to_string())
    };
    let t = |label: &str, values: Vec<(&'static str, String)>, unit: &str| Target {
        label: label.to_string(),
        values,
        unit: unit.to_string(),
        owner: String::new(),
        secret: None,
    };
    let mut out: BTreeMap<Res, Vec<Target>> = BTreeMap::new();
    out.insert(R::None, vec![t("", vec![], "")]);
    out.insert(R::Province, vec![t("the province", vec![], "SF")]);
    out.insert(
        R::Unit,
        ["SF", "XL-ZF", "DH-ZF"]
            .into_iter()
            .map(|u| t(u, vec![("unit", u.to_string())], u))
            .collect(),
    );
    out.insert(R::News, vec![t("a news item", vec![("n", "1".into())], "")]);
    for login in ["xl-lr", "dh-lr"] {
        let (a, _) = store.account(login).await.unwrap().unwrap();
        out.entry(R::Account).or_default().push(Target {
            secret: Some(a.name.clone()),
            ..t(&format!("account {login}"), vec![], &a.unit_id)
        });
    }

    // Submissions and their files: one of 西岭执法支队, one of 东湖执法支队, filed as the
    // console files them (the file kept, then the submission).
    for (unit, clerk) in [("XL-ZF", "xl-lr"), ("DH-ZF", "dh-lr")] {
        let file_name = format!("矩阵测试-{unit}.csv");
        let bytes = format!("矩阵测试 {unit}\n").into_bytes();
        let submission = xyjt_core::submission::Submission {
            id: xyjt_core::ledger::new_id(),
            category: xyjt_core::record::RecordCategory::Penalty,
            source: "import".into(),
            file_name: file_name.clone(),
            sha256: xyjt_core::canonical::sha256_hex(&bytes),
            unit_id: unit.into(),
            by: clerk.into(),
            submitted_on: today(),
            total: 1,
            valid: 0,
            rejected: 1,
            errors: vec![],
            rejects_sha256: None,
            rejects_file_name: None,
        };
        let mut tx = store.begin().await.unwrap();
        tx.put_attachment(&submission.sha256, &file_name, &bytes)
            .await
            .unwrap();
        tx.append(vec![xyjt_core::ledger::NewEvent::new(
            format!("user:{clerk}"),
            chrono::Utc::now(),
            xyjt_core::ledger::EventPayload::SubmissionFiled { submission },
        )])
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let subs = store.submissions(None, i64::MAX).await.unwrap();
    for unit in ["XL-ZF", "DH-ZF"] {
        let s = subs
            .iter()
            .find(|s| s.submission.unit_id == unit)
            .unwrap_or_else(|| panic!("a demo submission of {unit}"));
        out.entry(R::Submission).or_default().push(Target {
            secret: Some(s.submission.file_name.clone()),
            ..t(
                &format!("submission of {unit}"),
                vec![("id", s.submission.id.clone())],
                unit,
            )
        });
        out.entry(R::SubmissionFile).or_default().push(t(
            &format!("file of {unit}"),
            vec![("sha", s.submission.sha256.clone())],
            unit,
        ));
    }

    // Applications: an objection handled by 西岭执法支队, one handled by 东湖执法支队.
    let apps = store
        .applications(&xyjt_store::AppQuery::default())
        .await
        .unwrap();
    for name in [XL_ZF, DH_ZF] {
        let a = apps
            .iter()
            .find(|a| a.unit == name)
            .unwrap_or_else(|| panic!("a demo application of {name}"));
        out.entry(R::Application).or_default().push(Target {
            secret: Some(a.app.applicant.name.clone()).filter(|n| org.by_name(n).is_none()),
            ..t(
                &format!("application of {name}"),
                vec![("number", a.app.number.clone()), ("unit", enc(name))],
                &id_of(name),
            )
        });
    }
    // Evidence: objections with a file each on records of the publicity board, until
    // 西岭执法支队 and 东湖执法支队 each handle one (or the board is done: then two other units).
    let page = get(state, "/api/v1/publicity?per_page=100", "")
        .await
        .json();
    let mut evidence: BTreeMap<String, Target> = BTreeMap::new();
    for (n, record) in page["items"].as_array().unwrap().iter().enumerate() {
        let content = format!("矩阵测试证据 {n}");
        let filed = xyjt_app::workflows::file_objection(
            &state.ctx(),
            serde_json::from_value(json!({
                "record_id": record["id"],
                "reason": "矩阵测试",
                "evidence": [{"file_name": "证据.txt", "content_base64": STANDARD.encode(&content)}]
            }))
            .unwrap(),
            "matrix",
        )
        .await
        .unwrap();
        let a = store.application(&filed.number).await.unwrap().unwrap();
        let unit = id_of(&a.unit);
        evidence.entry(unit.clone()).or_insert_with(|| {
            t(
                &format!("evidence of {unit}"),
                vec![("sha", xyjt_core::canonical::sha256_hex(content.as_bytes()))],
                &unit,
            )
        });
        if evidence.contains_key("XL-ZF") && evidence.contains_key("DH-ZF") {
            break;
        }
    }
    let mut picked: Vec<Target> = ["XL-ZF", "DH-ZF"]
        .iter()
        .filter_map(|u| evidence.remove(*u))
        .collect();
    picked.extend(evidence.into_values());
    picked.truncate(2);
    out.insert(R::EvidenceFile, picked);
    let answered = apps
        .iter()
        .find(|a| {
            a.app.kind == xyjt_core::workflow::WorkflowKind::Disclosure && a.decision.is_some()
        })
        .expect("an answered disclosure request");
    out.insert(
        R::AnsweredRequest,
        vec![Target {
            secret: Some(answered.app.applicant.name.clone()),
            ..t(
                "answered request",
                vec![("number", answered.app.number.clone())],
                &id_of(&answered.unit),
            )
        }],
    );

    // Name-list entries: one per deciding unit, at most two.
    let entries = store.list_entries(None).await.unwrap();
    let mut seen = BTreeSet::new();
    for e in &entries {
        let unit = id_of(&e.entry.deciding_unit);
        if seen.len() < 2 && seen.insert(unit.clone()) {
            out.entry(R::ListEntry).or_default().push(t(
                &format!("list entry of {unit}"),
                vec![("id", e.entry.id.clone())],
                &unit,
            ));
        }
    }
    out.insert(
        R::List,
        vec![t(
            "a list",
            vec![("list", entries[0].entry.list.key().to_string())],
            "",
        )],
    );

    // Evaluation runs: the province's credit office's run awaiting review, and one of
    // 西岭执法支队 proposed here.
    let runs = store.eval_runs(None).await.unwrap();
    let proposed = runs
        .iter()
        .find(|r| r.status == xyjt_core::evaluation::RunStatus::Proposed)
        .expect("a demo run awaiting review");
    let xl_run = xyjt_app::evaluation::run(
        &state.ctx(),
        &proposed.run.model_id,
        &proposed.run.period,
        None,
        "XL-ZF",
        "矩阵测试",
    )
    .await
    .expect("a run of 西岭执法支队");
    for r in [proposed, &xl_run] {
        out.entry(R::EvalRun).or_default().push(t(
            &format!("run of {}", r.run.unit),
            vec![("id", r.run.id.clone())],
            &r.run.unit,
        ));
    }
    let results = get(state, "/api/v1/evaluation/results", "").await.json();
    let result = results["items"][0]["id"]
        .as_str()
        .expect("a published result");
    out.insert(
        R::EvalResult,
        vec![t("a published result", vec![("id", enc(result))], "")],
    );

    // The quarter's draw (东湖执法支队) and its first task.
    let draws = store.inspection_draws(None).await.unwrap();
    let draw = &draws[0];
    out.insert(
        R::Draw,
        vec![t("the draw", vec![("id", draw.id.clone())], &draw.unit)],
    );
    out.insert(
        R::DrawTask,
        vec![t(
            "a task of the draw",
            vec![("id", draw.id.clone()), ("no", "1".into())],
            &draw.unit,
        )],
    );

    // Registrations (civil servants': of 东湖 and of 西岭) and civil servants' records.
    let regs = store.registrations(None).await.unwrap();
    for r in regs
        .iter()
        .filter(|r| r.registration.archive == Some(xyjt_core::integrity::ArchiveKind::CivilServant))
    {
        out.entry(R::Registration).or_default().push(Target {
            secret: Some(r.registration.subject.name.clone()),
            ..t(
                &format!("registration of {:?}", r.registration.unit),
                vec![("id", r.registration.id.clone())],
                &id_of(r.registration.unit.as_deref().unwrap_or("")),
            )
        });
    }
    let records = store
        .integrity_records(None, Some(xyjt_core::integrity::ArchiveKind::CivilServant))
        .await
        .unwrap();
    for unit in [DH, "西岭市交通运输局"] {
        let r = records
            .iter()
            .find(|r| r.record.unit.as_deref() == Some(unit))
            .unwrap_or_else(|| panic!("a demo civil servant of {unit}"));
        out.entry(R::CivilServantRecord).or_default().push(Target {
            secret: Some(r.record.name.clone()),
            ..t(
                &format!("civil servant of {unit}"),
                vec![("id", r.record.id.clone())],
                &id_of(unit),
            )
        });
    }

    let departments = store
        .integrity_records(None, Some(xyjt_core::integrity::ArchiveKind::Department))
        .await
        .unwrap();
    for unit in [DH, "西岭市交通运输局"] {
        let r = departments
            .iter()
            .find(|r| r.record.name == unit)
            .unwrap_or_else(|| panic!("a demo record of {unit}"));
        out.entry(R::DepartmentRecord).or_default().push(t(
            &format!("record of {unit}"),
            vec![("id", r.record.id.clone())],
            &id_of(unit),
        ));
    }

    // 政务公开: drafts with an attachment by 西岭执法支队's and 东湖执法支队's clerks (in the
    // column of the demo's draft), and a published item.
    let items = store
        .disclosure_items(&xyjt_store::DisclosureQuery::default())
        .await
        .unwrap();
    let column = items
        .iter()
        .find(|s| s.status == xyjt_core::disclosure::ItemStatus::Draft)
        .expect("a demo draft")
        .item
        .column
        .clone();
    for (unit, clerk) in [("XL-ZF", "xl-lr"), ("DH-ZF", "dh-lr")] {
        let (account, _) = store.account(clerk).await.unwrap().unwrap();
        let input = xyjt_app::disclosure::DraftInput {
            item_id: None,
            unit: None,
            column: column.clone(),
            title: format!("矩阵测试草稿（{unit}）"),
            doc_no: String::new(),
            written_on: today(),
            keywords: String::new(),
            summary: "矩阵测试".into(),
            body: "矩阵测试".into(),
            openness: None,
            deadline_from: Some(today()),
            comment_until: None,
        };
        let upload = xyjt_app::disclosure::Upload {
            file_name: format!("矩阵测试附件-{unit}.txt"),
            bytes: format!("矩阵测试附件 {unit}").into_bytes(),
        };
        let s = xyjt_app::disclosure::draft(&state.ctx(), &account, &input, &[upload])
            .await
            .unwrap();
        assert_eq!(s.item.unit, unit);
        out.entry(R::DraftItem).or_default().push(Target {
            secret: Some(s.item.title.clone()),
            ..t(
                &format!("draft of {unit}"),
                vec![
                    ("id", s.item.id.clone()),
                    ("sha", s.item.attachments[0].sha256.clone()),
                ],
                unit,
            )
        });
    }
    let published = items
        .iter()
        .find(|s| s.status == xyjt_core::disclosure::ItemStatus::Published)
        .expect("a published item");
    out.insert(
        R::PublicItem,
        vec![t(
            "a published item",
            vec![("id", published.item.id.clone())],
            &published.item.unit,
        )],
    );

    // Checks asked by 西岭执法支队's and 东湖执法支队's systems.
    for name in [XL_ZF, DH_ZF] {
        let r = api(
            state,
            "POST",
            "/api/v1/checks",
            &tokens[name],
            json!({"subject": {"identifier": uscc("91", "MX000001")}, "decision_point": "招标投标"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        out.entry(R::Check).or_default().push(Target {
            owner: name.to_string(),
            ..t(
                &format!("check of {name}"),
                vec![("id", r.json()["id"].as_str().unwrap().to_string())],
                &id_of(name),
            )
        });
    }
    // Recorded by the check recorder (group commit): wait until both are.
    for target in &out[&R::Check] {
        let id = &target.values[0].1;
        let mut tries = 0;
        while store.check_record(id).await.unwrap().is_none() {
            tries += 1;
            assert!(tries < 200, "check {id} not recorded");
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    // Joint cases (联合惩戒) pushed to 西岭执法支队 and to 东湖执法支队: only the implementing
    // unit's own system reports back.
    for (n, name) in [XL_ZF, DH_ZF].into_iter().enumerate() {
        let case = xyjt_core::cases::JointCase {
            id: format!("matrix-case-{n}"),
            entry_id: "matrix-entry".into(),
            subject_name: format!("矩阵测试联合惩戒对象{n}"),
            initiating_unit: "示范省交通运输厅信用管理处".into(),
            measure_ids: vec!["P-BLACK-TENDER".into()],
            implementing_units: vec![name.into()],
            opened_on: today(),
            due_on: today() + chrono::Days::new(30),
            due_provisional: false,
            note: String::new(),
        };
        store
            .append(vec![xyjt_core::ledger::NewEvent::new(
                "matrix",
                chrono::Utc::now(),
                xyjt_core::ledger::EventPayload::CaseOpened { case: case.clone() },
            )])
            .await
            .unwrap();
        out.entry(R::Case).or_default().push(Target {
            owner: name.to_string(),
            ..t(
                &format!("case for {name}"),
                vec![("id", case.id)],
                &id_of(name),
            )
        });
    }

    // Commitments (信用承诺) of two units where the demo has them.
    let commitments = store.commitments(None).await.unwrap();
    let mut seen = BTreeSet::new();
    for c in &commitments {
        if seen.len() < 2 && seen.insert(c.commitment.unit.clone()) {
            out.entry(R::Commitment).or_default().push(Target {
                secret: None,
                ..t(
                    &format!("commitment of {}", c.commitment.unit),
                    vec![("id", c.commitment.id.clone())],
                    &id_of(&c.commitment.unit),
                )
            });
        }
    }

    // Government commitments (政务承诺): the department's own system may not check them.
    let gov = store.gov_commitments(None).await.unwrap();
    let mut seen = BTreeSet::new();
    for c in &gov {
        let unit = id_of(&c.commitment.department);
        if seen.len() < 2 && seen.insert(unit.clone()) {
            out.entry(R::GovCommitment).or_default().push(Target {
                owner: c.commitment.department.clone(),
                ..t(
                    &format!("government commitment of {}", c.commitment.department),
                    vec![("id", c.commitment.id.clone())],
                    &unit,
                )
            });
        }
    }

    // Subjects, records, departments.
    let page = get(state, "/api/v1/publicity", "").await.json();
    let record = &page["items"][0];
    let value = |k: &str| record[k].as_str().unwrap().to_string();
    out.insert(
        R::Record,
        vec![t("a record", vec![("id", value("id"))], "")],
    );
    out.insert(
        R::Subject,
        vec![t("a subject", vec![("id", value("subject_id"))], "")],
    );
    let code = gov[0].commitment.code.clone();
    out.insert(
        R::Department,
        vec![t("a department", vec![("code", code)], "")],
    );
    out
}

// ---------------------------------------------------------------------------------------------
// The calls.

fn fill(path: &str, target: &Target) -> String {
    let mut p = path.to_string();
    for (k, v) in &target.values {
        p = p.replace(&format!("{{{k}}}"), v);
    }
    assert!(
        !p.contains('{'),
        "{path}: no value for a placeholder in {p}"
    );
    p
}

/// A form value with the target's values for its placeholders.
fn value(v: &str, target: &Target) -> String {
    target
        .values
        .iter()
        .fold(v.to_string(), |v, (k, x)| v.replace(&format!("{{{k}}}"), x))
}

async fn call(
    state: &xyjt_web::AppState,
    caller: &Caller,
    row: &Row,
    uri: &str,
    target: &Target,
) -> Resp {
    let mut req = Request::builder()
        .method(Method::from_bytes(row.method.as_bytes()).unwrap())
        .uri(uri);
    match caller {
        Caller::Anonymous => {}
        Caller::Staff { cookie, .. } => req = req.header(header::COOKIE, cookie),
        Caller::System { token, .. } => {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"))
        }
    }
    let csrf = match caller {
        Caller::Staff { csrf, .. } => csrf.clone(),
        _ => String::new(),
    };
    let body = match row.send {
        Nothing => Body::empty(),
        Json(s) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(s)
        }
        Form(fields) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let mut body = format!("csrf={}", enc(&csrf));
            for (k, v) in fields {
                body.push_str(&format!("&{}={}", enc(k), enc(&value(v, target))));
            }
            Body::from(body)
        }
        Upload(fields) => {
            let boundary = "matrixboundary";
            req = req.header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            );
            let mut body = String::new();
            for (k, v) in [("csrf", csrf.as_str())].iter().chain(fields.iter()) {
                body.push_str(&format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                ));
            }
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"matrix.csv\"\r\nContent-Type: text/csv\r\n\r\n越权测试\r\n--{boundary}--\r\n"
            ));
            Body::from(body)
        }
        Payload::SignIn => {
            // The sign-in form's own cookie and token; the demo password of `admin`.
            let page = get(state, "/console/login", "").await;
            let cookie = page
                .headers
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.starts_with("xyjt_login="))
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            let token = hidden(&page.text, "csrf");
            req = req
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(format!(
                "csrf={}&login=admin&password={}",
                enc(&token),
                enc(PASSWORD)
            ))
        }
    };
    send(state, req.body(body).unwrap()).await
}

fn refused(r: &Resp) -> bool {
    match r.status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => true,
        s if s.is_redirection() => r
            .headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/console/login")),
        _ => false,
    }
}

async fn matrix_on(url: &str) {
    let (store, state) = demo_on(url, today()).await;
    assert_complete(&state).await;

    let mut tokens: BTreeMap<&str, String> = BTreeMap::new();
    for (name, _) in SYSTEMS {
        let token = match *name {
            "演示招标投标平台" => xyjt_app::demo::DEMO_TOKEN.to_string(),
            "演示组织人事系统" => xyjt_app::demo::DEMO_PERSONNEL_TOKEN.to_string(),
            _ => xyjt_app::accounts::issue_token(store.as_ref(), name, "test")
                .await
                .unwrap(),
        };
        tokens.insert(name, token);
    }
    for account in STAFF {
        if store.account(account.login).await.unwrap().is_none() {
            let new = xyjt_core::account::Account {
                login: account.login.into(),
                name: format!("{}（矩阵测试）", account.login),
                unit_id: account.unit.into(),
                roles: account.roles.to_vec(),
                disabled: false,
            };
            store
                .append(vec![xyjt_app::accounts::account_event(
                    "matrix", new, PASSWORD,
                )])
                .await
                .unwrap();
        }
    }
    let targets = targets(store.as_ref(), &state, &tokens).await;
    for (res, list) in &targets {
        let units: Vec<&str> = list.iter().map(|t| t.unit.as_str()).collect();
        eprintln!("{res:?}: {units:?}");
    }

    let mut callers = vec![Caller::Anonymous];
    for account in STAFF {
        let (cookie, csrf) = sign_in(&state, account.login).await;
        callers.push(Caller::Staff {
            account,
            cookie,
            csrf,
        });
    }
    for (name, units) in SYSTEMS {
        callers.push(Caller::System {
            name,
            units,
            token: tokens[name].clone(),
        });
    }

    let mut failures = Vec::new();
    let mut calls = 0;
    for row in ROUTES {
        let list = targets
            .get(&row.res)
            .unwrap_or_else(|| panic!("no demo resource for {:?}", row.res));
        assert!(!list.is_empty(), "no demo resource for {:?}", row.res);
        for target in list {
            let uri = fill(row.path, target);
            for caller in &callers {
                if !asks(row.path, caller) {
                    continue;
                }
                // Signing out ends the session: sign out of a session of its own.
                let own_session;
                let caller = match (caller, row.path) {
                    (Caller::Staff { account, .. }, "/console/logout") => {
                        let (cookie, csrf) = sign_in(&state, account.login).await;
                        own_session = Caller::Staff {
                            account,
                            cookie,
                            csrf,
                        };
                        &own_session
                    }
                    _ => caller,
                };
                let want = admits(row.who, caller, target);
                let head = store.head().await.unwrap();
                let r = call(&state, caller, row, &uri, target).await;
                calls += 1;
                let got = !refused(&r);
                let what = format!(
                    "{} {} as {} ({}): {} {}",
                    row.method,
                    uri,
                    caller.label(),
                    target.label,
                    r.status,
                    r.text
                        .chars()
                        .take(160)
                        .collect::<String>()
                        .replace('\n', " ")
                );
                if got != want {
                    failures.push(format!(
                        "{} but {what}",
                        if want { "admitted" } else { "refused" }
                    ));
                    continue;
                }
                if !want {
                    if row.method == POST {
                        assert_eq!(
                            store.head().await.unwrap(),
                            head,
                            "a refused write wrote: {what}"
                        );
                    }
                    if let (GET, Some(secret)) = (row.method, &target.secret) {
                        assert!(
                            !r.text.contains(secret.as_str()),
                            "a refusal shows {secret}: {what}"
                        );
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} calls:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Lists show only what their reader may open: a resource the rule refuses a caller is not
    // named (id, number, title or name) in that caller's list.
    let mut listed = 0;
    for (path, res, who) in LISTS {
        for caller in &callers {
            if matches!(caller, Caller::Anonymous) || !asks(path, caller) {
                continue;
            }
            let list = row(GET, path, R::None, *who, Nothing);
            let r = call(&state, caller, &list, path, &targets[&R::None][0]).await;
            for target in &targets[res] {
                let may = admits(*who, caller, target);
                let names = target
                    .values
                    .iter()
                    .filter(|(k, _)| *k != "unit")
                    .map(|(_, v)| v.as_str())
                    .chain(target.secret.as_deref());
                for name in names {
                    assert!(
                        may || !r.text.contains(name),
                        "{path} as {} lists {} ({name})",
                        caller.label(),
                        target.label
                    );
                }
                listed += 1;
            }
            // A caller admitted to the list is admitted: the lists are no refusal.
            assert!(!refused(&r), "{path} as {}: {}", caller.label(), r.status);
        }
    }
    eprintln!("{} rows, {calls} calls; {listed} list checks", ROUTES.len());
}

#[tokio::test]
async fn route_matrix_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("route-matrix-{}.db", uuid::Uuid::now_v7()));
    matrix_on(&format!("sqlite://{}", path.display())).await;
}

#[tokio::test]
async fn route_matrix_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("route_matrix").await {
        matrix_on(&pg.url).await;
        pg.drop().await;
    }
}
