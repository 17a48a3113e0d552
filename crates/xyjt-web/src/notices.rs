//! The documents delivered with a penalty decision (“两书同达” and its local variants that send
//! three to five together): a summary of the decision, the credit repair notice (信用修复告知书),
//! the objection notice (异议告知书), the credit commitment (信用承诺书) to sign and a compliance
//! advice (合规建议书). Generated per decision from the record, its publication and the policies
//! in force, as one printable page (one document per printed sheet).

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{esc, layout};
use axum::extract::{Path, State};
use axum::response::Html;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::commitment::TemplateSet;
use xyjt_core::mask::{Audience, mask_record};
use xyjt_core::record::{Record, RecordBody, RecordStatus};

/// The notices as HTML sections, from a record (already masked for its audience).
pub fn notices_html(record: &Record, policy: &DeadlinePolicy, templates: &TemplateSet) -> String {
    let RecordBody::Penalty(p) = &record.body else {
        return "<p>只有行政处罚决定附送信用告知书。</p>".into();
    };
    let publication = record.publication.as_ref();
    let mut out = String::new();
    let kinds: Vec<&str> = p.kinds.iter().map(|k| k.label()).collect();
    // 1. The decision, as the documents refer to it.
    out.push_str(&format!(
        "<section class=\"doc\"><h2>行政处罚决定（摘要）</h2>\
         <p>文书号：{}<br>当事人：{}<br>违法行为类型：{}<br>处罚类别：{}<br>处罚内容：{}<br>\
         处罚决定日期：{}<br>处罚机关：{}</p></section>",
        esc(&p.doc_no),
        esc(&p.party.name),
        esc(&p.violation_type),
        esc(&kinds.join("、")),
        esc(&p.content),
        p.decision_date,
        esc(&p.authority)
    ));
    // 2. Credit repair notice: the publicity window and when and how repair may be applied for.
    let window = match publication {
        Some(pb) if pb.public_from.is_some() => format!(
            "本处罚信息属于{}失信信息，自 {} 起在信用交通平台和“信用中国”网站公示，最长公示至 {}；\
             最短公示期至 {}。{}",
            esc(pb.severity.as_deref().unwrap_or("")),
            pb.public_from.map(|d| d.to_string()).unwrap_or_default(),
            pb.public_until
                .map(|d| d.to_string())
                .unwrap_or_else(|| "长期".into()),
            pb.min_until.map(|d| d.to_string()).unwrap_or_default(),
            esc(&pb.explanation)
        ),
        Some(pb) => format!("本处罚信息依规不予公示：{}", esc(&pb.explanation)),
        None => "本处罚信息的公示安排以平台公示为准。".into(),
    };
    let earliest = publication
        .and_then(|pb| pb.min_until)
        .and_then(|d| d.succ_opt())
        .map(|d| format!("自 {d} 起"))
        .unwrap_or_else(|| "最短公示期满后".into());
    out.push_str(&format!(
        "<section class=\"doc\"><h2>信用修复告知书</h2><p>{}：</p><p>{window}</p>\
         <p>{earliest}，你（单位）在纠正失信行为、履行行政处罚决定规定的义务并签署信用修复承诺书后，\
         可以向信用交通平台申请信用修复（免费）。平台自收到申请之日起{}个工作日内办结；\
         认定单位自收到平台转来的申请之日起{}个工作日内作出决定；修复结果在{}个工作日内同步至相关系统。\
         修复后停止公示，原始记录依法保存、不予删除。</p>\
         <p>申请途径：信用交通平台“信用修复”栏目，提交后凭申请编号和查询码查询办理进度。</p>\
         <p>依据：国办发〔2025〕22号；期限政策版本 {}。</p></section>",
        esc(&p.party.name),
        policy.repair_platform,
        policy.repair_authority,
        policy.repair_downstream,
        esc(&policy.version)
    ));
    // 3. Objection notice.
    out.push_str(&format!(
        "<section class=\"doc\"><h2>异议告知书</h2><p>{}：</p>\
         <p>你（单位）认为平台公示的本处罚信息有错误、遗漏或不应公示的，可以向{}或信用交通平台提出异议，\
         写明异议内容、主张的正确信息并附证明材料。受理单位自受理之日起{}个工作日内核实并书面答复；\
         异议处理期间，平台对该信息标注“异议处理中”。经核实信息有误的，予以更正或撤销，\
         在{}个工作日内报送省级平台，依据该信息实施的惩戒措施同时解除。</p>\
         <p>期限政策版本 {}。</p></section>",
        esc(&p.party.name),
        esc(&p.source_unit),
        policy.objection_answer,
        policy.objection_sync,
        esc(&policy.version)
    ));
    // 4. The commitment to sign.
    if let Some(t) = templates.for_matter("信用修复承诺") {
        let items: String = t
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| format!("<li>{}. {}</li>", i + 1, esc(item)))
            .collect();
        out.push_str(&format!(
            "<section class=\"doc\"><h2>{}</h2><p>承诺人：{}　　关联决定：{}</p>\
             <ul style=\"list-style:none;padding:0\">{items}</ul><p>违诺后果：{}</p>\
             <p style=\"margin-top:48px\">承诺人（签章）：__________　　日期：____年__月__日</p>\
             <p class=\"muted\">模板 {} · 版本 {}</p></section>",
            esc(&t.title),
            esc(&p.party.name),
            esc(&p.doc_no),
            esc(&t.breach),
            esc(&t.id),
            esc(&templates.version)
        ));
    }
    // 5. Compliance advice (合规建议书), a local variant's fifth document.
    out.push_str(&format!(
        "<section class=\"doc\"><h2>信用合规建议书</h2><p>{}：</p>\
         <p>针对“{}”，建议你（单位）：一、立即停止并纠正违法行为，按期履行处罚决定；\
         二、对照相关法律法规和行业规范开展自查，建立健全内部管理制度；\
         三、加强从业人员教育培训；四、保存整改材料，作为信用修复申请的证明材料。</p></section>",
        esc(&p.party.name),
        esc(&p.violation_type)
    ));
    out
}

/// `/records/{id}/notices`: the printable set for one penalty decision.
pub async fn notices_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let record = state
        .store
        .record(&id)
        .await?
        .filter(|r| r.status != RecordStatus::Revoked)
        .ok_or_else(|| ApiError::not_found(format!("记录 {id} 不存在")))?;
    // On the open portal: personal data masked as in every public view.
    let masked = mask_record(&record, Audience::Public);
    let body = format!(
        "<h1 class=\"noprint\">处罚决定附送文书（两书同达）</h1>\
         <p class=\"noprint\"><button onclick=\"window.print()\">打印</button></p>{}",
        notices_html(&masked, DeadlinePolicy::builtin(), TemplateSet::builtin())
    );
    Ok(layout("两书同达", &body))
}
