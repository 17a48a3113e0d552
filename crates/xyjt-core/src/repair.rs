//! Credit repair eligibility (信用修复条件) and what a granted objection or repair does to the
//! ledger. Pure: the shell gathers the record, entries and applications, these functions decide
//! and explain, and the shell appends the events they return in one transaction.

use crate::commitment::CommitmentState;
use crate::ledger::EventPayload;
use crate::listing::{EndReason, EntryState, EntryStatus};
use crate::record::{Record, RecordCategory, RecordStatus};
use crate::workflow::{AppState, WorkflowKind};
use chrono::NaiveDate;
use serde::Serialize;

/// One condition of repair, met or not, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    /// Stable key: `penalty_published`, `min_period`, `corrected`, `obligations`,
    /// `commitment`, `not_repaired`, `no_open_application`, `no_open_objection`.
    pub key: &'static str,
    pub label: &'static str,
    pub met: bool,
    pub explanation: String,
}

/// The eligibility of one record for repair on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub record_id: String,
    pub on: NaiveDate,
    pub eligible: bool,
    pub criteria: Vec<Criterion>,
    /// The earliest day the minimum publicity period allows an application, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_on: Option<NaiveDate>,
}

impl Eligibility {
    /// The unmet conditions as one Chinese sentence.
    pub fn refusal(&self) -> String {
        let unmet: Vec<String> = self
            .criteria
            .iter()
            .filter(|c| !c.met)
            .map(|c| format!("{}：{}", c.label, c.explanation))
            .collect();
        format!("暂不符合信用修复条件：{}", unmet.join("；"))
    }
}

/// What the applicant declares and signed, as the eligibility rules read it.
#[derive(Debug, Clone, Default)]
pub struct RepairFacts<'a> {
    pub corrected: bool,
    pub obligations_met: bool,
    /// The subject's signed 信用修复承诺 (if any).
    pub commitment: Option<&'a CommitmentState>,
    /// Other applications about this record.
    pub applications: &'a [AppState],
}

/// Decides and explains whether `record` may be repaired on `on` (RULES.md §4).
pub fn eligibility(record: &Record, on: NaiveDate, facts: &RepairFacts<'_>) -> Eligibility {
    let mut criteria = Vec::new();
    let publication = record.publication.as_ref();
    let public = record.status == RecordStatus::Active
        && record.body.category() == RecordCategory::Penalty
        && publication.is_some_and(|p| p.public_from.is_some());
    criteria.push(Criterion {
        key: "penalty_published",
        label: "行政处罚信息已公示",
        met: public,
        explanation: if public {
            "该行政处罚信息正在或曾经公示".into()
        } else if record.body.category() != RecordCategory::Penalty {
            "只有行政处罚信息可申请修复".into()
        } else if record.status != RecordStatus::Active {
            "该记录已撤销或失效，无需修复".into()
        } else {
            "该处罚信息依规不予公示，无需修复".into()
        },
    });
    let min_until = publication.and_then(|p| p.min_until);
    let earliest_on = min_until.and_then(|d| d.succ_opt());
    let min_met = min_until.is_some_and(|m| on > m);
    criteria.push(Criterion {
        key: "min_period",
        label: "最短公示期已满",
        met: min_met,
        explanation: match min_until {
            Some(m) if on > m => format!("最短公示期至 {m} 届满"),
            Some(m) => format!(
                "最短公示期至 {m}，{} 起方可申请（{}）",
                m.succ_opt().unwrap_or(m),
                publication.map(|p| p.policy_version.as_str()).unwrap_or("")
            ),
            None => "没有最短公示期信息".into(),
        },
    });
    criteria.push(Criterion {
        key: "corrected",
        label: "失信行为已纠正",
        met: facts.corrected,
        explanation: if facts.corrected {
            "申请人声明已纠正，并提交证明材料".into()
        } else {
            "申请人未声明已纠正失信行为".into()
        },
    });
    criteria.push(Criterion {
        key: "obligations",
        label: "法定义务已履行",
        met: facts.obligations_met,
        explanation: if facts.obligations_met {
            "申请人声明已履行行政处罚决定规定的义务（如缴纳罚款）".into()
        } else {
            "申请人未声明已履行行政处罚决定规定的义务".into()
        },
    });
    let commitment_ok = facts
        .commitment
        .is_some_and(|c| c.commitment.subject_id == record.subject_id && !c.is_dishonest());
    criteria.push(Criterion {
        key: "commitment",
        label: "已签署信用修复承诺书",
        met: commitment_ok,
        explanation: match facts.commitment {
            Some(c) if commitment_ok => format!(
                "已签署《{}》（{}）",
                c.commitment.title, c.commitment.signed_on
            ),
            Some(c) if c.commitment.subject_id != record.subject_id => {
                "所附承诺书不是本主体签署的".into()
            }
            Some(_) => "所附承诺书已核查为违诺或虚假承诺".into(),
            None => "未签署信用修复承诺书".into(),
        },
    });
    let repaired = publication.and_then(|p| p.repaired_on);
    criteria.push(Criterion {
        key: "not_repaired",
        label: "未曾修复",
        met: repaired.is_none(),
        explanation: match repaired {
            Some(d) => format!("该信息已于 {d} 修复，停止公示"),
            None => "该信息尚未修复".into(),
        },
    });
    let open = |kind: WorkflowKind| {
        facts
            .applications
            .iter()
            .find(|a| a.app.kind == kind && a.status.is_open())
    };
    let open_repair = open(WorkflowKind::Repair);
    criteria.push(Criterion {
        key: "no_open_application",
        label: "没有办理中的修复申请",
        met: open_repair.is_none(),
        explanation: match open_repair {
            Some(a) => format!("修复申请 {} 正在办理", a.app.number),
            None => "没有办理中的修复申请".into(),
        },
    });
    let open_objection = open(WorkflowKind::Objection);
    criteria.push(Criterion {
        key: "no_open_objection",
        label: "没有办理中的异议",
        met: open_objection.is_none(),
        explanation: match open_objection {
            Some(a) => format!(
                "异议申请 {} 正在办理，请待异议办结后再申请修复",
                a.app.number
            ),
            None => "没有办理中的异议".into(),
        },
    });
    Eligibility {
        record_id: record.id.clone(),
        on,
        eligible: criteria.iter().all(|c| c.met),
        criteria,
        earliest_on,
    }
}

/// The ledger events a granted decision causes, besides the decision itself: the record is
/// corrected, revoked or its publicity stopped, and the list entries resting on it end.
/// Entries already ended are left alone. Errors are in Chinese.
pub fn effects_of_grant(
    app: &AppState,
    record: Option<&Record>,
    entries: &[EntryState],
    on: NaiveDate,
) -> Result<Vec<EventPayload>, String> {
    let decision = app
        .decision
        .as_ref()
        .filter(|d| d.granted)
        .ok_or("申请未获支持，没有后续处理")?;
    let number = &app.app.number;
    let mut out = Vec::new();
    let end_reason = match app.app.kind {
        WorkflowKind::Objection => EndReason::ObjectionUpheld,
        WorkflowKind::Repair => EndReason::Repaired,
        // A rectification or a complaint changes no record and no list entry.
        WorkflowKind::Rectification | WorkflowKind::Complaint | WorkflowKind::Disclosure => {
            return Ok(out);
        }
    };
    if let Some(r) = record {
        match app.app.kind {
            WorkflowKind::Objection if decision.revoke => out.push(EventPayload::RecordRevoked {
                record_id: r.id.clone(),
                reason: format!("异议申请 {number} 成立，撤销该信息：{}", decision.reasons),
            }),
            WorkflowKind::Objection => {
                let fields = decision
                    .corrected
                    .clone()
                    .unwrap_or_else(|| app.app.claimed.clone());
                let body = crate::workflow::patch_body(&r.body, &fields)?;
                out.push(EventPayload::RecordCorrected {
                    record_id: r.id.clone(),
                    body,
                    reason: format!("异议申请 {number} 成立，更正：{}", decision.reasons),
                    publication: None,
                });
            }
            WorkflowKind::Repair => out.push(EventPayload::RecordRepaired {
                record_id: r.id.clone(),
                on,
                application: number.clone(),
                note: decision.reasons.clone(),
            }),
            WorkflowKind::Rectification | WorkflowKind::Complaint | WorkflowKind::Disclosure => {}
        }
    }
    for e in entries {
        let rests_on_record = record.is_some_and(|r| e.entry.source_records.contains(&r.id));
        let is_target = app.app.target.entry_id.as_deref() == Some(e.entry.id.as_str());
        if (rests_on_record || is_target) && e.status == EntryStatus::Published {
            out.push(EventPayload::ListEntryEnded {
                entry_id: e.entry.id.clone(),
                reason: end_reason,
                on,
                note: Some(format!(
                    "{}：申请 {number}（{}）",
                    end_reason.label(),
                    decision.reasons
                )),
            });
        }
    }
    Ok(out)
}
