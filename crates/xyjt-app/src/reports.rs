//! Credit reports (信用报告, issue 14): what the platform says about one subject, as the public
//! sees it (masked), with every fact tied to its ledger event by an inclusion proof in the tree
//! of an embedded signed checkpoint, and the whole signed. The format and its offline check are
//! `xyjt_verify::report`'s; this module reads the store and signs.
//!
//! Sections, after the national 公共信用信息报告 layout as far as the platform holds the facts:
//! 基本信息, 行政许可, 行政处罚 (public ones: publicity window, repair and objection status),
//! 红黑名单 (entries in force), 信用承诺 (and fulfilment), 信用评价 (grades in force), and for a
//! registered department 政务诚信 (its public integrity records and government commitments;
//! a civil servant's archive is internal and never reported).

use crate::ledger_proofs as lp;
use crate::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use xyjt_core::ident::check as check_code;
use xyjt_core::mask::{Audience, mask_id_number, mask_record, subject_display_name};
use xyjt_core::policies::Policies;
use xyjt_core::record::{Record, RecordBody};
use xyjt_core::subject::Subject;
use xyjt_store::Store;
use xyjt_verify::note::SignerKey;
use xyjt_verify::report::{CreditReport, FORMAT, Fact, Labelled, ReportSubject};
use xyjt_verify::to_hex;

fn l(label: &str, value: impl Into<String>) -> Labelled {
    Labelled {
        label: label.into(),
        value: value.into(),
    }
}

/// The subject named by an id or a code (USCC, organisation code, 注册号, 身份证号).
pub async fn resolve_subject(store: &dyn Store, code_or_id: &str) -> AppResult<Subject> {
    if let Some(s) = store.subject(code_or_id).await? {
        return Ok(s);
    }
    let checked = check_code(code_or_id);
    match checked.result {
        Ok(code) => store.subject_by_code(&code).await?.ok_or_else(|| {
            AppError::not_found(format!("没有代码为 {} 的主体", checked.normalized))
        }),
        Err(_) => Err(AppError::not_found(format!(
            "“{code_or_id}”既不是主体编号，也不是有效的统一社会信用代码、组织机构代码、注册号或身份证号"
        ))),
    }
}

/// Builds one fact from the latest event (at or before `size`) of the given aggregates.
async fn fact(
    store: &dyn Store,
    size: u64,
    aggregates: &[&str],
    section: &str,
    title: String,
    fields: Vec<Labelled>,
) -> AppResult<Option<Fact>> {
    let mut latest = None;
    for a in aggregates {
        for e in store.events_of(a).await? {
            if e.seq as u64 <= size
                && latest
                    .as_ref()
                    .is_none_or(|l: &xyjt_core::ledger::StoredEvent| l.seq < e.seq)
            {
                latest = Some(e);
            }
        }
    }
    let Some(event) = latest else {
        return Ok(None);
    };
    let seq = event.seq as u64;
    let proof = store.inclusion_proof(seq, size).await?;
    let mut fact = Fact {
        section: section.to_string(),
        title,
        fields,
        seq,
        event_hash: event.hash.clone(),
        leaf_hash: to_hex(&xyjt_store::tree::leaf_of(&event)),
        proof: proof.iter().map(|h| to_hex(h)).collect(),
        digest: String::new(),
    };
    fact.digest = fact.computed_digest();
    Ok(Some(fact))
}

fn record_fields(r: &Record, under_objection: bool) -> Vec<Labelled> {
    let m = mask_record(r, Audience::Public);
    let mut fields = vec![
        l("决定文书号", m.body.doc_no()),
        l("决定日期", m.body.decision_date().to_string()),
        l("决定机关", m.body.authority()),
        l(
            "内容",
            match &m.body {
                RecordBody::Penalty(p) => format!("{}：{}", p.violation_type, p.content),
                RecordBody::License(x) => x.content.clone().unwrap_or_else(|| x.doc_name.clone()),
            },
        ),
    ];
    if let Some(p) = &r.publication {
        let until = p
            .public_until
            .map_or_else(|| "长期".to_string(), |d| d.to_string());
        fields.push(l("公示期至", until));
        if let Some(s) = &p.severity {
            fields.push(l("失信程度", s.to_string()));
        }
    }
    // Only records public today are reported: a repaired or revoked one is no longer public.
    fields.push(l("状态", "公示中"));
    fields.push(l(
        "异议",
        if under_objection {
            "异议处理中"
        } else {
            "无"
        },
    ));
    fields
}

/// Where and when a report is issued.
pub struct Issue<'a> {
    pub policies: &'a Policies,
    pub signer: &'a SignerKey,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// The portal's address as the public reaches it (`--public-url`): the report's
    /// verification link and the PDF's QR code point there.
    pub public_url: &'a str,
}

/// The verification page of report `number` under `public_url`.
pub fn verify_url(public_url: &str, number: &str) -> String {
    format!(
        "{}/reports/verify?number={number}",
        public_url.trim_end_matches('/')
    )
}

/// A department's public government-integrity facts: its records (dishonesty without an
/// approved 容错 finding, and good conduct) and its government commitments.
async fn integrity_facts(
    store: &dyn Store,
    policies: &Policies,
    size: u64,
    id: &str,
    today: NaiveDate,
) -> AppResult<Vec<Fact>> {
    let mut facts = Vec::new();
    for s in store.integrity_records(Some(id), None).await? {
        if !(s.counts_as_dishonest() || s.record.nature == xyjt_core::integrity::Nature::Good) {
            continue;
        }
        let r = &s.record;
        let category = policies
            .integrity
            .category(&r.category)
            .map_or(r.category.clone(), |c| c.label.clone());
        let fields = vec![
            l("类别", category),
            l("性质", r.nature.label()),
            l("决定文号", r.doc_no.clone()),
            l("决定日期", r.decided_on.to_string()),
            l("认定单位", r.deciding_unit.clone()),
            l("事实", r.facts.clone()),
            l("依据", r.basis.clone()),
            l(
                "影响期至",
                s.effect_until(&policies.integrity)
                    .map_or_else(|| "整改完成或长期".to_string(), |d| d.to_string()),
            ),
        ];
        let title = format!("{}（{}）", r.doc_no, r.nature.label());
        facts.extend(fact(store, size, &[&r.id], "政务诚信", title, fields).await?);
    }
    for c in store.gov_commitments(Some(id)).await? {
        let g = &c.commitment;
        let fields = vec![
            l("承诺类型", g.kind.clone()),
            l("承诺内容", g.content.clone()),
            l("公开载体", g.published_in.clone()),
            l("作出日期", g.made_on.to_string()),
            l(
                "履行期限",
                g.due_on.map_or_else(|| "—".to_string(), |d| d.to_string()),
            ),
            l("履行情况", c.status(today).label()),
        ];
        let title = format!("政务承诺：{}", g.kind);
        facts.extend(fact(store, size, &[&g.id], "政务诚信", title, fields).await?);
    }
    Ok(facts)
}

/// Issues a credit report on `code_or_id`, signed, and keeps it.
pub async fn issue(store: &dyn Store, at: &Issue<'_>, code_or_id: &str) -> AppResult<CreditReport> {
    let Issue {
        policies,
        signer,
        today,
        now,
        public_url,
    } = *at;
    let validity_days = policies.checkpoints.report_validity_days;
    let subject = resolve_subject(store, code_or_id).await?;
    let key = lp::LedgerKey::configured(signer.clone());
    let cp = match lp::sign_if_grown(store, signer, now).await? {
        Some(cp) => cp,
        None => lp::latest_checkpoint(store, &key, now).await?,
    };
    let size = cp.size;
    let id = subject.id.as_str();
    let mut facts = Vec::new();

    let name = subject_display_name(subject.kind, &subject.name, Audience::Public);
    let mut codes = Vec::new();
    if let Some(u) = &subject.uscc {
        codes.push(l("统一社会信用代码", u.to_string()));
    }
    if let Some(o) = subject.effective_org_code() {
        codes.push(l("组织机构代码", o.to_string()));
    }
    if let Some(r) = &subject.reg_no {
        codes.push(l("工商注册号", r.to_string()));
    }
    if let Some(c) = &subject.citizen_id {
        codes.push(l("身份证号", mask_id_number(c.as_str())));
    }
    use xyjt_core::integrity::ArchiveKind;
    let archive = store.gov_subject(id).await?.map(|(kind, _, _)| kind);
    // A civil servant's archive is internal: whether one is registered is not public, so the
    // answer is the one for an unknown code.
    if archive == Some(ArchiveKind::CivilServant) {
        return Err(AppError::not_found(format!(
            "没有代码为 {code_or_id} 的主体"
        )));
    }
    let department = archive == Some(ArchiveKind::Department);
    let mut basic = vec![l("名称", name.clone()), l("类别", subject.kind.label())];
    if department {
        basic.push(l("主体性质", "政府部门"));
    }
    basic.extend(codes.iter().cloned());
    facts.extend(fact(store, size, &[id], "基本信息", name.clone(), basic).await?);

    let marks = crate::workflows::objection_marks(store, Some(id)).await?;
    let mut records: Vec<Record> = store
        .records_of_subject(id)
        .await?
        .into_iter()
        .filter(|r| r.is_public_on(today))
        .collect();
    records.sort_by(|a, b| {
        (a.body.category().label(), a.body.decision_date())
            .cmp(&(b.body.category().label(), b.body.decision_date()))
    });
    for r in &records {
        let fields = record_fields(r, marks.contains(&r.id));
        let section = r.body.category().label();
        let title = r.body.doc_no().to_string();
        facts.extend(fact(store, size, &[&r.id], section, title, fields).await?);
    }

    for e in store.list_entries(None).await? {
        if e.entry.subject_id.as_deref() != Some(id) || !e.is_active_on(today) {
            continue;
        }
        let fields = vec![
            l("名单", e.entry.list.label()),
            l("列入日期", e.entry.entry_date.to_string()),
            l(
                "有效期至",
                e.entry
                    .valid_until
                    .map_or_else(|| "至移出决定".to_string(), |d| d.to_string()),
            ),
            l("认定单位", e.entry.deciding_unit.clone()),
            l("列入依据", e.entry.basis.clone()),
        ];
        let title = e.entry.list.label().to_string();
        facts.extend(fact(store, size, &[&e.entry.id], "红黑名单", title, fields).await?);
    }

    for c in store.commitments(Some(id)).await? {
        let fields = vec![
            l("事项", c.commitment.matter.clone()),
            l("签署日期", c.commitment.signed_on.to_string()),
            l("受理单位", c.commitment.unit.clone()),
            l("践诺情况", c.status().label()),
        ];
        let title = c.commitment.title.clone();
        facts.extend(fact(store, size, &[&c.commitment.id], "信用承诺", title, fields).await?);
    }

    for g in crate::evaluation::grades_of(store, id, today).await? {
        let fields = vec![
            l(
                "评价模型",
                format!(
                    "{}（第 {} 版）",
                    g.result.model_title, g.result.model_version
                ),
            ),
            l("评价周期", format!("{} 年度", g.result.period)),
            l(
                "等级",
                g.result.grade.clone().unwrap_or_else(|| "未定级".into()),
            ),
            l(
                "发布日期",
                g.published_on.map(|d| d.to_string()).unwrap_or_default(),
            ),
            l(
                "有效期至",
                g.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            ),
        ];
        let title = g.result.model_title.clone();
        let aggregates = [g.result.run_id.as_str(), g.result.id.as_str()];
        facts.extend(fact(store, size, &aggregates, "信用评价", title, fields).await?);
    }

    if department {
        facts.extend(integrity_facts(store, policies, size, id, today).await?);
    }

    let tail = xyjt_core::ledger::new_id().replace('-', "");
    let number = format!(
        "XYBG{}{}",
        today.format("%Y%m%d"),
        tail[tail.len() - 8..].to_uppercase()
    );
    let mut report = CreditReport {
        format: FORMAT.to_string(),
        verify_url: verify_url(public_url, &number),
        number,
        issued_at: xyjt_core::ledger::format_timestamp(now),
        valid_until: (today + chrono::Days::new(u64::from(validity_days))).to_string(),
        issuer: signer.name().to_string(),
        key_fingerprint: signer.verifier().fingerprint(),
        subject: ReportSubject {
            id: subject.id.clone(),
            name,
            kind: subject.kind.label().to_string(),
            codes,
        },
        facts,
        checkpoint: cp.note,
        signature: String::new(),
    };
    report.signature = signer
        .sign(&report.signed_text())
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let json = serde_json::to_string_pretty(&report).expect("a report serialises");
    store
        .record_report(&report.number, &subject.id, &report.issued_at, &json)
        .await?;
    tracing::info!(report.facts = report.facts.len(), "credit report issued");
    Ok(report)
}

/// An issued report's JSON, by its number.
pub async fn by_number(store: &dyn Store, number: &str) -> AppResult<String> {
    store
        .report(number)
        .await?
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {number} 的信用报告")))
}
