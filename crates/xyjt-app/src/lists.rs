//! Name-list work from the command line: maker-checker steps, rule runs over the ledger,
//! external lists, list-policy versions. Each step appends ledger events; nothing is edited.

use crate::checks::current_policy;
use crate::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use xyjt_core::check::list_key;
use xyjt_core::ident::{Code, check};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::listing::{EndReason, EntryState, EntryStatus, ListEntry};
use xyjt_core::lists::{ItemKind, ListPolicy, NameList, evaluate_rule};
use xyjt_core::policies::Policies;
use xyjt_core::record::RecordCategory;
use xyjt_store::Store;

/// The list policy in force (adopting the built-in example set on first use).
pub async fn policy(store: &dyn Store, policies: &Policies) -> AppResult<ListPolicy> {
    Ok(current_policy(store, &policies.lists).await?)
}

/// Adds months to a date, clamping to the month's end.
fn plus_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(d)
}

#[allow(clippy::too_many_arguments)]
pub async fn propose(
    store: &dyn Store,
    policies: &Policies,
    list: NameList,
    identifier: Option<&str>,
    name: Option<&str>,
    item_id: &str,
    basis: &str,
    unit: &str,
    by: &str,
    entry_date: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let policy = policy(store, policies).await?;
    let item = policy.item(item_id).ok_or_else(|| {
        AppError::invalid(format!(
            "清单政策第 {} 版中没有事项 {item_id}",
            policy.version
        ))
    })?;
    if !matches!(item.kind, ItemKind::DishonestScope | ItemKind::HonestScope) {
        return Err(AppError::invalid(format!(
            "事项 {item_id} 是措施，不是列入范围"
        )));
    }
    if !item.lists.contains(&list) {
        return Err(AppError::invalid(format!(
            "事项 {item_id} 不适用于{}",
            list.label()
        )));
    }
    let (subject, code) = match identifier {
        Some(raw) => {
            let code = check(raw)
                .result
                .map_err(|e| AppError::invalid(format!("代码无效：{e}")))?;
            (store.subject_by_code(&code).await?, Some(code))
        }
        None => (None, None),
    };
    let name = match (name, &subject) {
        (Some(n), _) => n.to_string(),
        (None, Some(s)) => s.name.clone(),
        (None, None) => {
            return Err(AppError::invalid(
                "平台中找不到该代码对应的主体，请用 --name 给出名称",
            ));
        }
    };
    let entry = ListEntry {
        id: new_id(),
        list,
        subject_id: subject.as_ref().map(|s| s.id.clone()),
        name,
        code: code.map(|c| c.as_str().to_string()),
        item_id: item.id.clone(),
        policy_version: policy.version,
        basis: basis.to_string(),
        deciding_unit: unit.to_string(),
        entry_date,
        valid_until: item.validity_months.map(|m| plus_months(entry_date, m)),
        source_records: Vec::new(),
        explanation: format!(
            "{unit}认定：{basis}（依据清单事项 {}“{}”）",
            item.id, item.title
        ),
    };
    let id = entry.id.clone();
    store
        .append(vec![NewEvent::new(
            by,
            now,
            EventPayload::ListEntryProposed {
                entry,
                by: by.to_string(),
            },
        )])
        .await?;
    Ok(id)
}

pub async fn step(
    store: &dyn Store,
    by: &str,
    now: DateTime<Utc>,
    payload: EventPayload,
) -> AppResult<()> {
    store.append(vec![NewEvent::new(by, now, payload)]).await?;
    Ok(())
}

/// Runs every scope rule of the policy over every subject's penalties and proposes an entry
/// for each new match (maker: `by`; a reviewer must still approve). Returns the proposals.
pub async fn evaluate(
    store: &dyn Store,
    policies: &Policies,
    by: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Vec<ListEntry>> {
    let policy = policy(store, policies).await?;
    let publicity = &policies.publicity;
    let existing: Vec<EntryState> = store.list_entries(None).await?;
    let open = |subject: &str, list: &NameList, item: &str| {
        existing.iter().any(|e| {
            e.entry.subject_id.as_deref() == Some(subject)
                && &e.entry.list == list
                && e.entry.item_id == item
                && matches!(
                    e.status,
                    EntryStatus::Proposed | EntryStatus::Reviewed | EntryStatus::Published
                )
                && e.entry.valid_until.is_none_or(|u| u >= today)
        })
    };
    let mut proposals = Vec::new();
    for subject_id in store.subjects_with_records(RecordCategory::Penalty).await? {
        let records = store.records_of_subject(&subject_id).await?;
        let Some(subject) = store.subject(&subject_id).await? else {
            continue;
        };
        for item in policy.scopes() {
            let Some(list) = item.lists.first() else {
                continue;
            };
            if open(&subject_id, list, &item.id) {
                continue;
            }
            let Some(m) = evaluate_rule(item, &records, publicity, today) else {
                continue;
            };
            let code = subject
                .uscc
                .as_ref()
                .map(|u| u.as_str().to_string())
                .or_else(|| subject.citizen_id.as_ref().map(|c| c.as_str().to_string()));
            proposals.push(ListEntry {
                id: new_id(),
                list: list.clone(),
                subject_id: Some(subject_id.clone()),
                name: subject.name.clone(),
                code,
                item_id: item.id.clone(),
                policy_version: policy.version,
                basis: format!("{}；{}", item.cause, item.legal_basis),
                deciding_unit: item.acting_unit.clone(),
                entry_date: today,
                valid_until: item.validity_months.map(|mo| plus_months(today, mo)),
                source_records: m.matched_record_ids.clone(),
                explanation: m.explanation.clone(),
            });
        }
    }
    let events = proposals
        .iter()
        .map(|e| {
            NewEvent::new(
                by,
                now,
                EventPayload::ListEntryProposed {
                    entry: e.clone(),
                    by: by.to_string(),
                },
            )
        })
        .collect();
    store.append(events).await?;
    Ok(proposals)
}

/// Loads an external list (e.g. 失信被执行人 from a court) from a table (CSV or XLSX, read by
/// `xyjt_import::read_table`; `source` names it in each entry's explanation) with the columns
/// 名称 (required), 代码, 列入日期, 列入机关, 依据. Each row becomes an entry proposed by the
/// importer, accepted by the exchange and published, in one transaction. Returns the count and
/// the rows refused, with reasons.
#[allow(clippy::too_many_arguments)]
pub async fn import_external(
    store: &dyn Store,
    policies: &Policies,
    table: &xyjt_import::Table,
    source: &str,
    list_name: &str,
    by: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<(usize, Vec<String>)> {
    let policy = policy(store, policies).await?;
    let list = NameList::External(list_name.to_string());
    let item = policy
        .scopes()
        .find(|i| i.lists.contains(&list))
        .ok_or_else(|| {
            AppError::invalid(format!("清单政策中没有适用于“{list_name}”的列入范围事项"))
        })?
        .clone();
    let name_col = table
        .column(&["名称", "被执行人名称", "姓名/名称"])
        .ok_or_else(|| AppError::invalid("缺少“名称”列"))?;
    let code_col = table.column(&[
        "代码",
        "统一社会信用代码",
        "证件号码",
        "身份证号码/组织机构代码",
    ]);
    let date_col = table.column(&["列入日期", "发布日期"]);
    let unit_col = table.column(&["列入机关", "执行法院"]);
    let basis_col = table.column(&["依据", "执行依据文号"]);
    let cell = |row: &Vec<String>, col: Option<usize>| {
        col.and_then(|c| row.get(c))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut events = Vec::new();
    let mut refused = Vec::new();
    for (n, row) in &table.rows {
        // PostgreSQL cannot store NUL: a control character refuses the row on both backends.
        if let Some((header, c)) = row.iter().enumerate().find_map(|(i, s)| {
            xyjt_core::text::forbidden_control(s)
                .map(|c| (table.headers.get(i).map_or("", String::as_str), c))
        }) {
            refused.push(format!(
                "第 {n} 行：“{header}”含有不允许的控制字符（U+{:04X}）",
                c as u32
            ));
            continue;
        }
        let Some(name) = cell(row, Some(name_col)) else {
            refused.push(format!("第 {n} 行：名称为空"));
            continue;
        };
        let code = match cell(row, code_col) {
            None => None,
            Some(raw) => match check(&raw).result {
                Ok(c) => Some(c),
                Err(e) => {
                    refused.push(format!("第 {n} 行：代码无效：{e}"));
                    continue;
                }
            },
        };
        let entry_date = match cell(row, date_col) {
            None => today,
            Some(d) => match xyjt_import::parse_date(&d) {
                Ok(d) => d,
                Err(e) => {
                    refused.push(format!("第 {n} 行：列入日期无效：{e}"));
                    continue;
                }
            },
        };
        let subject = match &code {
            Some(c) => store.subject_by_code(c).await?,
            None => None,
        };
        let unit = cell(row, unit_col).unwrap_or_else(|| list_name.to_string());
        let basis = cell(row, basis_col).unwrap_or_else(|| item.legal_basis.clone());
        let entry = ListEntry {
            id: new_id(),
            list: list.clone(),
            subject_id: subject.map(|s| s.id),
            name,
            code: code.as_ref().map(|c: &Code| c.as_str().to_string()),
            item_id: item.id.clone(),
            policy_version: policy.version,
            basis: basis.clone(),
            deciding_unit: unit.clone(),
            entry_date,
            valid_until: item.validity_months.map(|m| plus_months(entry_date, m)),
            source_records: Vec::new(),
            explanation: format!("{unit}公布的{list_name}名单（{source}第 {n} 行）"),
        };
        let id = entry.id.clone();
        events.push(NewEvent::new(
            by,
            now,
            EventPayload::ListEntryProposed {
                entry,
                by: by.to_string(),
            },
        ));
        events.push(NewEvent::new(
            "system:exchange",
            now,
            EventPayload::ListEntryReviewed {
                entry_id: id.clone(),
                by: "system:exchange".into(),
                approved: true,
                comment: format!("外部名单，由{unit}认定"),
            },
        ));
        events.push(NewEvent::new(
            "system:exchange",
            now,
            EventPayload::ListEntryPublished {
                entry_id: id,
                on: today,
            },
        ));
    }
    let count = events.len() / 3;
    store.append(events).await?;
    Ok((count, refused))
}

pub fn end_reason(s: &str) -> AppResult<EndReason> {
    Ok(match s {
        "expired" | "有效期届满" => EndReason::Expired,
        "repaired" | "信用修复" => EndReason::Repaired,
        "objection-upheld" | "异议成立" => EndReason::ObjectionUpheld,
        "withdrawn" | "撤销" => EndReason::Withdrawn,
        other => {
            return Err(AppError::invalid(format!(
                "移出原因“{other}”无效：expired | repaired | objection-upheld | withdrawn"
            )));
        }
    })
}

pub fn parse_list(s: &str) -> NameList {
    match s {
        "red" | "红名单" => NameList::Red,
        "black" | "黑名单" => NameList::Black,
        "watch" | "重点关注名单" => NameList::Watch,
        other => NameList::External(other.to_string()),
    }
}

/// One line of `lists show`.
pub fn describe(e: &EntryState) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        e.entry.id,
        list_key(&e.entry.list),
        e.status.label(),
        e.entry.name,
        e.entry
            .code
            .as_deref()
            .map(xyjt_core::mask::mask_id_number)
            .unwrap_or_default(),
        e.entry.entry_date,
        e.entry
            .valid_until
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        e.entry.explanation
    )
}

/// Opens a joint punishment case on a published entry and pushes it to implementing units:
/// those named, or every unit below the initiator in the organisation tree (and, with
/// `cross_region`, the other regions' bureaus).
#[allow(clippy::too_many_arguments)]
pub async fn open_case(
    store: &dyn Store,
    policies: &Policies,
    entry_id: &str,
    initiator: &str,
    units: &[String],
    cascade: bool,
    cross_region: bool,
    note: &str,
    by: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<xyjt_core::cases::JointCase> {
    use xyjt_core::cases::{JointCase, case_due};
    let entry = store
        .list_entry(entry_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("名单条目 {entry_id} 不存在")))?;
    if !entry.is_active_on(today) {
        return Err(AppError::invalid(format!(
            "名单条目 {entry_id} 当前未生效（{}），不能发起联合惩戒",
            entry.status.label()
        )));
    }
    let tree = &policies.org;
    let mut targets: Vec<String> = units
        .iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if cascade {
        let root = tree
            .by_name(initiator)
            .ok_or_else(|| AppError::invalid(format!("组织机构中没有“{initiator}”")))?;
        // A unit inside a bureau (same level as its parent) pushes from its bureau.
        let bureau = match root
            .parent
            .as_deref()
            .and_then(|p| tree.units.iter().find(|u| u.id == p))
        {
            Some(parent) if parent.level == root.level => parent.id.as_str(),
            _ => root.id.as_str(),
        };
        targets.extend(
            tree.descendants(bureau)
                .into_iter()
                .filter(|u| u.name != initiator)
                .map(|u| u.name.clone()),
        );
    }
    if cross_region {
        targets.extend(tree.other_regions().into_iter().map(|u| u.name.clone()));
    }
    targets.dedup();
    if targets.is_empty() {
        return Err(AppError::invalid(
            "没有实施单位：请用 --units 指定，或用 --cascade 按组织机构下推",
        ));
    }
    let policy = policy(store, policies).await?;
    let measure_ids: Vec<String> = policy
        .measures()
        .filter(|m| m.lists.contains(&entry.entry.list))
        .map(|m| m.id.clone())
        .collect();
    let (due_on, due_provisional) = case_due(today, &policies.calendar, &policies.deadlines);
    let case = JointCase {
        id: new_id(),
        entry_id: entry_id.to_string(),
        subject_name: entry.entry.name.clone(),
        initiating_unit: initiator.to_string(),
        measure_ids,
        implementing_units: targets,
        opened_on: today,
        due_on,
        due_provisional,
        note: note.to_string(),
    };
    store
        .append(vec![NewEvent::new(
            by,
            now,
            EventPayload::CaseOpened { case: case.clone() },
        )])
        .await?;
    Ok(case)
}

/// An implementing unit reports what it did on a joint punishment case (执行反馈). Refused,
/// before anything is written, when the unit is not one of the case's implementing units, when
/// a measure not applied comes without a reason, or when the case's rule refuses the report.
pub async fn report_case(
    store: &dyn Store,
    case_id: &str,
    unit: &str,
    applied: bool,
    note: String,
    actor: &str,
    today: NaiveDate,
) -> AppResult<xyjt_core::cases::CaseState> {
    use xyjt_core::cases::{UnitReport, add_report};
    if !applied && note.trim().is_empty() {
        return Err(AppError::invalid("未实施措施时必须说明原因（note）"));
    }
    let case = store
        .joint_case(case_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("联合惩戒案件 {case_id} 不存在")))?;
    if !case.case.implementing_units.iter().any(|u| u == unit) {
        return Err(AppError::forbidden(format!("“{unit}”不是本案的实施单位")));
    }
    let report = UnitReport {
        unit: unit.to_string(),
        applied,
        note,
        reported_on: today,
    };
    // The same rule the projection applies; refused here before anything is written.
    let after = add_report(Some(case), &report).map_err(|e| AppError::invalid(e.to_string()))?;
    store
        .append(vec![NewEvent::new(
            actor,
            Utc::now(),
            EventPayload::CaseReported {
                case_id: case_id.to_string(),
                report,
            },
        )])
        .await?;
    Ok(after)
}
