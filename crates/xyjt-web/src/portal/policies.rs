//! `/policies`: the policy documents in force (公示期限、办理时限、四张清单、承诺书模板), each
//! with its version.

use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::commitment::TemplateSet;
use xyjt_core::lists::{ItemKind, ListPolicy, NameList, PolicyItem};
use xyjt_core::publicity::PublicityPolicy;
use xyjt_core::record::PenaltyKind;

#[derive(Template)]
#[template(path = "portal/policies.html")]
struct PoliciesPage<'a> {
    publicity: PublicityView,
    deadlines: DeadlinesView,
    lists: Option<ListsView>,
    commitments: &'a TemplateSet,
}

struct PublicityView {
    version: String,
    effective_from: String,
    basis: String,
    report_workdays: u32,
    rows: Vec<SeverityRow>,
    serious_kinds: String,
    unpublished_kinds: String,
    /// How long a licence is public.
    license: &'static str,
}

struct SeverityRow {
    label: &'static str,
    published: &'static str,
    min: String,
    max_months: u32,
}

struct DeadlinesView {
    version: String,
    rows: Vec<(&'static str, u32)>,
    near_due: u32,
}

struct ListsView {
    version: u32,
    effective_from: String,
    changed_by: String,
    /// 示例政策 and the policy's note, when there is either.
    note: Option<String>,
    groups: Vec<ItemGroup>,
}

/// The items of one of the four lists (清单).
struct ItemGroup {
    label: &'static str,
    items: Vec<ItemView>,
}

struct ItemView {
    id: String,
    title: String,
    lists: String,
    /// 认定标准 (a scope) or 适用情形 (a measure).
    cause_label: &'static str,
    cause: String,
    content: String,
    legal_basis: String,
    rule: Option<String>,
    decision_points: Option<String>,
    validity_months: Option<u32>,
    units: String,
    evidence: String,
}

pub async fn policies_page(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let lists = state.store.list_policy(None).await?;
    Ok(crate::html::render(&PoliciesPage {
        publicity: publicity_view(&state.policies.publicity),
        deadlines: deadlines_view(&state.policies.deadlines),
        lists: lists.as_ref().map(lists_view),
        commitments: &state.policies.commitments,
    }))
}

fn publicity_view(p: &PublicityPolicy) -> PublicityView {
    let kinds = |ks: &[PenaltyKind]| ks.iter().map(|k| k.label()).collect::<Vec<_>>().join("、");
    let rows = [
        ("轻微", &p.minor),
        ("一般", &p.general),
        ("严重", &p.serious),
    ]
    .into_iter()
    .map(|(label, rule)| SeverityRow {
        label,
        published: if rule.published {
            "公示"
        } else {
            "一般不予公示"
        },
        min: if rule.min_months == 0 {
            "无".to_string()
        } else {
            format!("{} 个月", rule.min_months)
        },
        max_months: rule.max_months,
    })
    .collect();
    PublicityView {
        version: p.version.clone(),
        effective_from: p.effective_from.to_string(),
        basis: p.basis.clone(),
        report_workdays: p.report_deadline_workdays,
        rows,
        serious_kinds: kinds(&p.serious_kinds),
        unpublished_kinds: kinds(&p.unpublished_only_kinds),
        license: if p.license.until_valid_to {
            "公示至许可有效期届满（长期有效的长期公示）"
        } else {
            "长期公示"
        },
    }
}

fn deadlines_view(d: &DeadlinePolicy) -> DeadlinesView {
    DeadlinesView {
        version: d.version.clone(),
        rows: vec![
            ("异议：受理单位核实并书面答复", d.objection_answer),
            ("异议成立：更正或撤销后报送省级平台", d.objection_sync),
            ("信用修复：平台办结（答复申请人）", d.repair_platform),
            ("信用修复：认定单位收到申请后作出决定", d.repair_authority),
            ("信用修复：修复结果同步至相关系统", d.repair_downstream),
            ("联合奖惩：实施单位反馈执行情况", d.joint_case_report),
            (
                "政务失信限期整改：部门提交书面说明",
                d.rectification_explanation,
            ),
            ("政务失信限期整改：部门提交整改报告", d.rectification_report),
            ("政务失信投诉：被投诉部门答复投诉人", d.complaint_reply),
            ("延期：每个办理环节累计延期不超过", d.max_extension),
        ],
        near_due: d.near_due,
    }
}

fn lists_view(p: &ListPolicy) -> ListsView {
    let groups = ItemKind::ALL
        .into_iter()
        .map(|kind| ItemGroup {
            label: kind.label(),
            items: p
                .items
                .iter()
                .filter(|i| i.kind == kind)
                .map(item_view)
                .collect(),
        })
        .collect();
    ListsView {
        version: p.version,
        effective_from: p.effective_from.to_string(),
        changed_by: p.changed_by.clone(),
        note: (p.example || !p.note.trim().is_empty())
            .then(|| format!("{}{}", if p.example { "示例政策。" } else { "" }, p.note)),
        groups,
    }
}

fn item_view(i: &PolicyItem) -> ItemView {
    let lists: Vec<&str> = i.lists.iter().map(NameList::label).collect();
    let points: Vec<&str> = i.decision_points.iter().map(|d| d.label()).collect();
    ItemView {
        id: i.id.clone(),
        title: i.title.clone(),
        lists: lists.join("、"),
        cause_label: if i.kind.is_scope() {
            "认定标准"
        } else {
            "适用情形"
        },
        cause: i.cause.clone(),
        content: i.content.clone(),
        legal_basis: i.legal_basis.clone(),
        rule: i.rule.as_ref().map(|rule| {
            format!(
                "{} 个月内{} {} 次及以上",
                rule.window_months,
                rule.describe(),
                rule.min_count
            )
        }),
        decision_points: (!points.is_empty()).then(|| {
            format!(
                "{}{}",
                points.join("、"),
                i.effect
                    .map(|e| format!("（{}）", e.label()))
                    .unwrap_or_default()
            )
        }),
        validity_months: i.validity_months,
        units: if i.implementing_units.is_empty() {
            i.acting_unit.clone()
        } else {
            format!(
                "{}；实施：{}",
                i.acting_unit,
                i.implementing_units.join("、")
            )
        },
        evidence: i.evidence.clone(),
    }
}
