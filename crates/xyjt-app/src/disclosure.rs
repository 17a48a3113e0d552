//! Government information disclosure (政务公开, RULES.md §8): drafting catalogue items with the
//! negative-list check, the office's confidentiality review and sign-off with the index number,
//! 规范性文件 清理 decisions, comments on draft decisions and the adoption summary, the public
//! catalogue, publication deadlines and on-time rates, and the annual report.
//!
//! Who may do what: a unit's 录入员 drafts for its unit (and the units below it, as every
//! console write is scoped); the sign-off is by a 审核员 of the bureau the unit belongs to —
//! the bureau stands for its 局办公室 in the organisation tree — who is not the drafter
//! (谁生产、谁审核). 清理 decisions and adoption summaries are signed the same way.

use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use xyjt_core::account::{Account, Action, authorize, authorize_review};
use xyjt_core::disclosure::annual::{self, AnnualReport, DecisionCount, RequestFact};
use xyjt_core::disclosure::{
    Adoption, Attachment, Cleanup, Comment, DisclosureItem, IndexNo, ItemState, ItemStatus,
    NegativeHit, Openness, SignOff, Validity, deadline_for, matches,
};
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::stats::ClockTally;
use xyjt_store::DisclosureQuery;

use crate::{AppError, AppResult, Ctx, ErrorKind};

/// Largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(message).with_detail(json!({"field": field}))
}

fn denied(e: xyjt_core::account::Denied) -> AppError {
    AppError::forbidden(e.to_string())
}

/// A hit blocks: 422 `negative_list` with one detail per hit.
fn blocked(hits: &[NegativeHit]) -> AppError {
    let mut e = AppError::new(
        ErrorKind::Invalid,
        "negative_list",
        format!(
            "不能公开：{}",
            hits.iter()
                .map(NegativeHit::reason)
                .collect::<Vec<_>>()
                .join("；")
        ),
    );
    for h in hits {
        e = e.with_detail(json!({"negative_list": h.id, "reason": h.reason()}));
    }
    e
}

/// What a unit drafts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DraftInput {
    /// Redraft a returned item (its id); empty for a new one.
    #[serde(default)]
    pub item_id: Option<String>,
    /// The unit publishing it (default: the drafter's unit).
    #[serde(default)]
    pub unit: Option<String>,
    /// The sub-column, by id or label (政策解读, 规范性文件 …).
    pub column: String,
    /// 信息名称
    pub title: String,
    /// 文号
    #[serde(default)]
    pub doc_no: String,
    /// 成文日期
    #[schema(value_type = String, format = Date)]
    pub written_on: NaiveDate,
    /// 主题词, separated by spaces or commas.
    #[serde(default)]
    pub keywords: String,
    /// 内容概览
    pub summary: String,
    #[serde(default)]
    pub body: String,
    /// 主动公开 / 依申请公开 / 不予公开 (default 主动公开).
    #[serde(default)]
    pub openness: Option<String>,
    /// The day a publication deadline counts from (所解读文件公开之日, 清单调整之日 …), for
    /// columns with one.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline_from: Option<NaiveDate>,
    /// 重大决策预公开: the last day for comments.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub comment_until: Option<NaiveDate>,
}

/// An uploaded attachment.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

fn unit_of(ctx: &Ctx<'_>, actor: &Account, unit: Option<&str>) -> AppResult<String> {
    let unit = unit
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(&actor.unit_id);
    let tree = &ctx.policies.org;
    tree.unit(unit)
        .or_else(|| tree.by_name(unit))
        .map(|u| u.id.clone())
        .ok_or_else(|| bad("unit", format!("单位“{unit}”不在组织机构中")))
}

fn texts_with_files<'a>(item: &'a DisclosureItem, files: &'a [String]) -> Vec<&'a str> {
    let mut t = item.texts();
    t.extend(files.iter().map(String::as_str));
    t
}

/// Drafts (or redrafts) an item; the negative list is checked first and a hit refuses it.
pub async fn draft(
    ctx: &Ctx<'_>,
    actor: &Account,
    input: &DraftInput,
    uploads: &[Upload],
) -> AppResult<ItemState> {
    let policy = &ctx.policies.disclosure;
    let unit = unit_of(ctx, actor, input.unit.as_deref())?;
    authorize(actor, Action::SubmitRecords, &unit, &ctx.policies.org).map_err(denied)?;
    let (category, column) = policy
        .column_named(&input.column)
        .ok_or_else(|| bad("column", format!("栏目“{}”不存在", input.column.trim())))?;
    let title = input.title.trim();
    if title.is_empty() {
        return Err(bad("title", "信息名称不能为空"));
    }
    if input.summary.trim().is_empty() {
        return Err(bad("summary", "内容概览不能为空"));
    }
    let openness = match input.openness.as_deref().map(str::trim) {
        None | Some("") => Openness::Active,
        Some(s) => Openness::from_label(s).ok_or_else(|| {
            bad(
                "openness",
                format!("公开属性“{s}”无效，应为 主动公开、依申请公开 或 不予公开"),
            )
        })?,
    };
    if column.consultation && input.comment_until.is_none() {
        return Err(bad("comment_until", "重大决策预公开须写明征求意见截止日期"));
    }
    if !column.consultation && input.comment_until.is_some() {
        return Err(bad("comment_until", "只有重大决策预公开栏目征求意见"));
    }
    let deadline = deadline_for(policy, &column.id, input.deadline_from)
        .map_err(|e| bad("deadline_from", e))?;
    let mut attachments = Vec::new();
    let mut file_texts = Vec::new();
    for u in uploads {
        if u.bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(bad(
                "attachments",
                format!(
                    "附件 {} 超过 {} MB",
                    u.file_name,
                    MAX_ATTACHMENT_BYTES >> 20
                ),
            ));
        }
        let name = u.file_name.trim();
        if name.is_empty() || name.contains(['/', '\\']) {
            return Err(bad("attachments", "附件文件名无效"));
        }
        attachments.push(Attachment {
            sha256: xyjt_core::canonical::sha256_hex(&u.bytes),
            file_name: name.to_string(),
            size: u.bytes.len() as u64,
        });
        if let Ok(text) = std::str::from_utf8(&u.bytes) {
            file_texts.push(text.to_string());
        }
    }
    let id = match input.item_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => {
            let existing = item_or_404(ctx, id).await?;
            if existing.status != ItemStatus::Returned {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "not_returned",
                    format!("信息 {id} 状态为{}，不能重新起草", existing.status.label()),
                ));
            }
            authorize(
                actor,
                Action::SubmitRecords,
                &existing.item.unit,
                &ctx.policies.org,
            )
            .map_err(denied)?;
            if attachments.is_empty() {
                // A redraft without new files keeps the returned item's attachments.
                for a in &existing.item.attachments {
                    if let Some((_, bytes)) = ctx.store.attachment(&a.sha256).await?
                        && let Ok(t) = String::from_utf8(bytes)
                    {
                        file_texts.push(t);
                    }
                }
                attachments = existing.item.attachments.clone();
            }
            id.to_string()
        }
        _ => format!("DI-{}", new_id()),
    };
    let by = format!("user:{}", actor.login);
    let item = DisclosureItem {
        id: id.clone(),
        unit,
        category: category.id.clone(),
        column: column.id.clone(),
        title: title.to_string(),
        doc_no: input.doc_no.trim().to_string(),
        written_on: input.written_on,
        keywords: input
            .keywords
            .split([' ', ',', '，', '、', ';', '；'])
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        summary: input.summary.trim().to_string(),
        body: input.body.trim().to_string(),
        openness,
        attachments,
        deadline,
        comment_until: input.comment_until,
        drafted_by: by.clone(),
        drafted_on: ctx.today,
        policy_version: policy.version,
    };
    let hits = policy.negative_hits(&texts_with_files(&item, &file_texts));
    if !hits.is_empty() {
        return Err(blocked(&hits));
    }
    let mut tx = ctx.store.begin().await?;
    let result = async {
        for (a, u) in item.attachments.iter().zip(uploads) {
            tx.put_attachment(&a.sha256, &a.file_name, &u.bytes).await?;
        }
        tx.append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::DisclosureDrafted { item },
        )])
        .await?;
        Ok::<(), xyjt_store::StoreError>(())
    }
    .await;
    match result {
        Ok(()) => tx.commit().await?,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(e.into());
        }
    }
    item_or_404(ctx, &id).await
}

pub async fn item_or_404(ctx: &Ctx<'_>, id: &str) -> AppResult<ItemState> {
    ctx.store
        .disclosure_item(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("政务公开信息 {id} 不存在")))
}

/// The office may sign off items of units in its bureau: a 审核员 of the bureau itself.
fn check_office(ctx: &Ctx<'_>, actor: &Account, s: &ItemState) -> AppResult<()> {
    let tree = &ctx.policies.org;
    authorize_review(
        actor,
        Action::ReviewRecords,
        &s.item.unit,
        &s.item.drafted_by,
        tree,
    )
    .map_err(denied)?;
    let bureau = tree.bureau_of(&s.item.unit);
    if actor.unit_id != bureau {
        let name = tree
            .unit(&bureau)
            .map(|u| u.name.as_str())
            .unwrap_or(&bureau);
        return Err(AppError::forbidden(format!(
            "保密审查须由{name}（局办公室）的审核员签字确认"
        )));
    }
    Ok(())
}

/// The negative-list hits of an item with its stored attachments' text.
async fn hits_of(ctx: &Ctx<'_>, s: &ItemState) -> AppResult<Vec<NegativeHit>> {
    let mut file_texts = Vec::new();
    for a in &s.item.attachments {
        if let Some((_, bytes)) = ctx.store.attachment(&a.sha256).await?
            && let Ok(t) = String::from_utf8(bytes)
        {
            file_texts.push(t);
        }
    }
    Ok(ctx
        .policies
        .disclosure
        .negative_hits(&texts_with_files(&s.item, &file_texts)))
}

/// The review's input.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SignOffInput {
    /// 同意公开 (true) or 退回修改 (false).
    pub approved: bool,
    /// 审查结论
    #[serde(default)]
    pub conclusion: String,
}

/// The office's confidentiality review: approval publishes the item under the next index
/// number of its unit and year; a negative-list hit refuses approval with the reason (a return
/// records the hits).
pub async fn sign_off(
    ctx: &Ctx<'_>,
    actor: &Account,
    id: &str,
    input: &SignOffInput,
) -> AppResult<ItemState> {
    let s = item_or_404(ctx, id).await?;
    check_office(ctx, actor, &s)?;
    if s.status != ItemStatus::Draft {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "not_a_draft",
            format!("信息 {id} 状态为{}，不能审查", s.status.label()),
        ));
    }
    let hits = hits_of(ctx, &s).await?;
    if input.approved && !hits.is_empty() {
        return Err(blocked(&hits));
    }
    let conclusion = match input.conclusion.trim() {
        "" if input.approved => "经保密审查，不涉及国家秘密和负面清单事项，同意公开".to_string(),
        "" => return Err(bad("conclusion", "退回须写明审查意见")),
        c => c.to_string(),
    };
    let index_no = if input.approved {
        let code = ctx.policies.disclosure.index_code(&s.item.unit);
        let year = ctx.today.year();
        let last = ctx.store.last_index_seq(&code, year).await?;
        Some(IndexNo::next(&code, year, last).map_err(AppError::invalid)?)
    } else {
        None
    };
    let by = format!("user:{}", actor.login);
    ctx.store
        .append(vec![NewEvent::new(
            by.clone(),
            Utc::now(),
            EventPayload::DisclosureSignedOff {
                item_id: id.to_string(),
                sign_off: SignOff {
                    by,
                    on: ctx.today,
                    approved: input.approved,
                    conclusion,
                    hits,
                },
                index_no,
            },
        )])
        .await?;
    item_or_404(ctx, id).await
}

/// A 清理 decision on a published 规范性文件.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CleanupInput {
    /// 保留 / 修改 / 废止 / 宣布失效
    pub decision: String,
    pub reason: String,
}

pub async fn clean(
    ctx: &Ctx<'_>,
    actor: &Account,
    id: &str,
    input: &CleanupInput,
) -> AppResult<ItemState> {
    let s = item_or_404(ctx, id).await?;
    // Who may decide first: someone else learns nothing about the item.
    check_office(ctx, actor, &s)?;
    let normative = ctx
        .policies
        .disclosure
        .column(&s.item.column)
        .is_some_and(|(_, c)| c.normative);
    if !normative {
        return Err(bad("id", format!("信息 {id} 不是规范性文件")));
    }
    let validity = match input.decision.trim() {
        "保留" | "修改" => Validity::Valid,
        "废止" => Validity::Repealed,
        "宣布失效" | "失效" => Validity::Expired,
        other => {
            return Err(bad(
                "decision",
                format!("清理决定“{other}”无效，应为 保留、修改、废止 或 宣布失效"),
            ));
        }
    };
    if input.reason.trim().is_empty() {
        return Err(bad("reason", "清理决定须写明理由"));
    }
    let by = format!("user:{}", actor.login);
    ctx.store
        .append(vec![NewEvent::new(
            by.clone(),
            Utc::now(),
            EventPayload::DisclosureCleaned {
                item_id: id.to_string(),
                cleanup: Cleanup {
                    decision: input.decision.trim().to_string(),
                    validity,
                    reason: input.reason.trim().to_string(),
                    on: ctx.today,
                    by,
                },
            },
        )])
        .await?;
    item_or_404(ctx, id).await
}

/// A comment from the public on a draft decision open for comment. Nothing about the person is
/// kept.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CommentInput {
    pub text: String,
}

pub const MAX_COMMENT_CHARS: usize = 2000;

pub async fn comment(
    ctx: &Ctx<'_>,
    id: &str,
    input: &CommentInput,
    channel: &str,
) -> AppResult<ItemState> {
    let s = public_item(ctx, id).await?;
    let text = input.text.trim();
    if text.is_empty() {
        return Err(bad("text", "意见不能为空"));
    }
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(bad("text", format!("意见不能超过 {MAX_COMMENT_CHARS} 字")));
    }
    if !s.open_for_comment(ctx.today) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "not_open_for_comment",
            format!("“{}”当前不在征求意见期内", s.item.title),
        ));
    }
    ctx.store
        .append(vec![NewEvent::new(
            "portal",
            Utc::now(),
            EventPayload::DisclosureCommented {
                item_id: id.to_string(),
                comment: Comment {
                    id: new_id(),
                    received_on: ctx.today,
                    channel: channel.to_string(),
                    text: text.to_string(),
                },
            },
        )])
        .await?;
    item_or_404(ctx, id).await
}

/// The adoption summary of a draft decision, after its comment period.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AdoptionInput {
    pub adopted: String,
    pub not_adopted: String,
}

pub async fn adopt(
    ctx: &Ctx<'_>,
    actor: &Account,
    id: &str,
    input: &AdoptionInput,
) -> AppResult<ItemState> {
    let s = item_or_404(ctx, id).await?;
    authorize(
        actor,
        Action::ReviewRecords,
        &s.item.unit,
        &ctx.policies.org,
    )
    .map_err(denied)?;
    if input.adopted.trim().is_empty() || input.not_adopted.trim().is_empty() {
        return Err(bad(
            "adopted",
            "须写明采纳的意见，以及未采纳的意见和理由（没有则写“无”）",
        ));
    }
    let by = format!("user:{}", actor.login);
    let adoption = Adoption {
        adopted: input.adopted.trim().to_string(),
        not_adopted: input.not_adopted.trim().to_string(),
        on: ctx.today,
        by: by.clone(),
    };
    let hits = ctx
        .policies
        .disclosure
        .negative_hits(&[&adoption.adopted, &adoption.not_adopted]);
    if !hits.is_empty() {
        return Err(blocked(&hits));
    }
    ctx.store
        .append(vec![NewEvent::new(
            by,
            Utc::now(),
            EventPayload::DisclosureAdopted {
                item_id: id.to_string(),
                adoption,
            },
        )])
        .await
        .map_err(|e| match e {
            xyjt_store::StoreError::Workflow(m) => {
                AppError::new(ErrorKind::Conflict, "not_allowed", m)
            }
            e => e.into(),
        })?;
    item_or_404(ctx, id).await
}

// ---------------------------------------------------------------------------------------------
// Reads

/// A public item (published, 主动公开); anything else is 404, the same as a missing one.
pub async fn public_item(ctx: &Ctx<'_>, id: &str) -> AppResult<ItemState> {
    match ctx.store.disclosure_item(id).await? {
        Some(s) if s.is_public() => Ok(s),
        _ => Err(AppError::not_found(format!("政务公开信息 {id} 不存在"))),
    }
}

/// A public item's attachment: (file name, bytes).
pub async fn public_attachment(
    ctx: &Ctx<'_>,
    id: &str,
    sha256: &str,
) -> AppResult<(String, Vec<u8>)> {
    let s = public_item(ctx, id).await?;
    let a = s
        .item
        .attachments
        .iter()
        .find(|a| a.sha256 == sha256)
        .ok_or_else(|| AppError::not_found("附件不存在"))?;
    let (_, bytes) = ctx
        .store
        .attachment(&a.sha256)
        .await?
        .ok_or_else(|| AppError::not_found("附件不存在"))?;
    Ok((a.file_name.clone(), bytes))
}

/// The public catalogue's query.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Words that must all appear (title, 索引号, 文号, 主题词, 内容概览).
    #[serde(default)]
    pub q: Option<String>,
    /// A category id or label (决策公开 …).
    #[serde(default)]
    pub category: Option<String>,
    /// A sub-column id or label (政策解读 …).
    #[serde(default)]
    pub column: Option<String>,
    /// A publishing unit's id.
    #[serde(default)]
    pub unit: Option<String>,
}

/// The public catalogue: published, 主动公开 items, newest first.
pub async fn catalogue(ctx: &Ctx<'_>, q: &CatalogueQuery) -> AppResult<Vec<ItemState>> {
    let policy = &ctx.policies.disclosure;
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let category = match nonempty(&q.category) {
        Some(c) => Some(
            policy
                .categories
                .iter()
                .find(|x| x.id == c || x.label == c)
                .map(|x| x.id.clone())
                .ok_or_else(|| bad("category", format!("分类“{c}”不存在")))?,
        ),
        None => None,
    };
    let column = match nonempty(&q.column) {
        Some(c) => Some(
            policy
                .column_named(&c)
                .map(|(_, col)| col.id.clone())
                .ok_or_else(|| bad("column", format!("栏目“{c}”不存在")))?,
        ),
        None => None,
    };
    let items = ctx
        .store
        .disclosure_items(&DisclosureQuery {
            unit: nonempty(&q.unit),
            status: None,
            category,
            column,
            public_only: true,
        })
        .await?;
    Ok(match nonempty(&q.q) {
        Some(words) => items.into_iter().filter(|s| matches(s, &words)).collect(),
        None => items,
    })
}

/// Items a staff member may see: those of their unit and the units below it (a unit's staff
/// sees only its own drafts; the bureau's office sees its bureau's).
pub async fn staff_items(
    ctx: &Ctx<'_>,
    actor: &Account,
    status: Option<ItemStatus>,
) -> AppResult<Vec<ItemState>> {
    let tree = &ctx.policies.org;
    let items = ctx
        .store
        .disclosure_items(&DisclosureQuery {
            status,
            ..DisclosureQuery::default()
        })
        .await?;
    Ok(items
        .into_iter()
        .filter(|s| tree.is_within(&s.item.unit, &actor.unit_id))
        .collect())
}

/// A staff member's view of one item: 404 outside their scope.
pub async fn staff_item(ctx: &Ctx<'_>, actor: &Account, id: &str) -> AppResult<ItemState> {
    let s = item_or_404(ctx, id).await?;
    if !ctx.policies.org.is_within(&s.item.unit, &actor.unit_id) {
        return Err(AppError::not_found(format!("政务公开信息 {id} 不存在")));
    }
    Ok(s)
}

/// The office's review inbox: drafts of units in the actor's bureau awaiting sign-off.
pub async fn review_inbox(ctx: &Ctx<'_>, actor: &Account) -> AppResult<Vec<ItemState>> {
    let tree = &ctx.policies.org;
    let items = ctx
        .store
        .disclosure_items(&DisclosureQuery {
            status: Some(ItemStatus::Draft),
            ..DisclosureQuery::default()
        })
        .await?;
    Ok(items
        .into_iter()
        .filter(|s| tree.bureau_of(&s.item.unit) == actor.unit_id)
        .collect())
}

/// On-time publication per unit (items with a deadline).
pub async fn on_time(ctx: &Ctx<'_>) -> AppResult<Vec<ClockTally>> {
    let items = ctx
        .store
        .disclosure_items(&DisclosureQuery::default())
        .await?;
    Ok(xyjt_core::disclosure::on_time_rates(
        &items,
        ctx.calendar,
        ctx.today,
        ctx.policies.disclosure.near_due,
    ))
}

/// The facts about requests (依申请公开) the annual report counts. Requests are not on the
/// platform yet (issue 13 item 6): when they are, this reads them and gives one `RequestFact`
/// per request; until then there are none.
pub async fn request_facts(ctx: &Ctx<'_>) -> AppResult<Vec<RequestFact>> {
    crate::workflows::disclosure_request_facts(ctx).await
}

/// The reporting body: the top unit of the organisation tree (not another region's).
fn reporting_unit(ctx: &Ctx<'_>) -> String {
    root_unit(ctx)
        .and_then(|id| ctx.policies.org.unit(&id).map(|u| u.name.clone()))
        .unwrap_or_default()
}

fn root_unit(ctx: &Ctx<'_>) -> Option<String> {
    ctx.policies
        .org
        .units
        .iter()
        .find(|u| u.parent.is_none() && u.region.as_deref() != Some("other"))
        .map(|u| u.id.clone())
}

/// A year's published report, if it was published.
pub async fn published_report(
    ctx: &Ctx<'_>,
    year: i32,
) -> AppResult<Option<annual::PublishedReport>> {
    Ok(ctx.store.disclosure_report(year).await?)
}

/// Publishes a finished year's report, as computed now, after checking its identity: by a
/// 审核员 of the reporting body itself (its 办公室), once per year.
pub async fn publish_report(
    ctx: &Ctx<'_>,
    actor: &Account,
    year: i32,
) -> AppResult<annual::PublishedReport> {
    let root = root_unit(ctx).ok_or_else(|| AppError::invalid("组织机构中没有报告单位"))?;
    authorize(actor, Action::ReviewRecords, &root, &ctx.policies.org).map_err(denied)?;
    if actor.unit_id != root {
        return Err(AppError::forbidden(format!(
            "年度报告须由{}（办公室）的审核员发布",
            reporting_unit(ctx)
        )));
    }
    if year >= ctx.today.year() {
        return Err(bad(
            "year",
            format!("{year} 年尚未结束，年度报告在次年发布"),
        ));
    }
    if ctx.store.disclosure_report(year).await?.is_some() {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "already_published",
            format!("{year} 年度报告已发布"),
        ));
    }
    let report = annual_report(ctx, year).await?;
    let by = format!("user:{}", actor.login);
    ctx.store
        .append(vec![NewEvent::new(
            by.clone(),
            Utc::now(),
            EventPayload::DisclosureReportPublished {
                report_id: annual::report_id(year),
                report,
                by,
                on: ctx.today,
            },
        )])
        .await?;
    ctx.store
        .disclosure_report(year)
        .await?
        .ok_or_else(|| AppError::not_found(format!("{year} 年度报告")))
}

/// Part 3 alone (the API's `annual-report`), its identity checked: as published when the year's
/// report was published, else computed now.
pub async fn request_table(ctx: &Ctx<'_>, year: i32) -> AppResult<annual::RequestTable> {
    check_year(year)?;
    if let Some(p) = ctx.store.disclosure_report(year).await? {
        return Ok(p.report.requests);
    }
    let facts = request_facts(ctx).await?;
    annual::request_table(year, &facts)
        .map_err(|e| AppError::new(ErrorKind::Invalid, "report_inconsistent", e.to_string()))
}

fn check_year(year: i32) -> AppResult<()> {
    if !(2008..=2100).contains(&year) {
        return Err(bad(
            "year",
            format!("年度 {year} 无效（政府信息公开条例自 2008 年施行）"),
        ));
    }
    Ok(())
}

/// Part 2's decision counts: 行政许可 and 行政处罚 from the 双公示 records accepted in the year
/// (by the month they were reported); 行政强制 and 行政事业性收费 have no source here (zeros,
/// said so).
async fn decision_counts(ctx: &Ctx<'_>, year: i32) -> AppResult<Vec<DecisionCount>> {
    let prefix = format!("{year}-");
    let mut licences = 0u64;
    let mut penalties = 0u64;
    for c in ctx.store.intake_counts().await? {
        if !c.month.starts_with(&prefix) {
            continue;
        }
        let n = u64::try_from(c.accepted).unwrap_or(0);
        match c.category.as_str() {
            "license" => licences += n,
            "penalty" => penalties += n,
            _ => {}
        }
    }
    let from_records = "本平台双公示数据中本年报送的决定数（按报送月份统计）";
    Ok(vec![
        DecisionCount {
            label: "行政许可".into(),
            value: licences,
            note: from_records.into(),
        },
        DecisionCount {
            label: "行政处罚".into(),
            value: penalties,
            note: from_records.into(),
        },
        DecisionCount {
            label: "行政强制".into(),
            value: 0,
            note: "平台未记录行政强制决定，按 0 填列（应据实填报）".into(),
        },
        DecisionCount {
            label: "行政事业性收费（万元）".into(),
            value: 0,
            note: "平台未记录行政事业性收费，按 0 填列（应据实填报）".into(),
        },
    ])
}

/// The whole annual report for `year` as computed now, from the catalogue and the request
/// facts (a published report is `published_report`).
pub async fn annual_report(ctx: &Ctx<'_>, year: i32) -> AppResult<AnnualReport> {
    check_year(year)?;
    let facts = request_facts(ctx).await?;
    let table = annual::request_table(year, &facts)
        .map_err(|e| AppError::new(ErrorKind::Invalid, "report_inconsistent", e.to_string()))?;
    let items = ctx
        .store
        .disclosure_items(&DisclosureQuery::default())
        .await?;
    let decisions = decision_counts(ctx, year).await?;
    let active = annual::active_stats(&ctx.policies.disclosure, &items, year, decisions);
    let in_year: Vec<ItemState> = items
        .into_iter()
        .filter(|s| {
            s.item
                .deadline
                .as_ref()
                .is_some_and(|d| d.from_on.year() == year)
        })
        .collect();
    let rates = xyjt_core::disclosure::on_time_rates(
        &in_year,
        ctx.calendar,
        ctx.today,
        ctx.policies.disclosure.near_due,
    );
    let (done, due) = rates.iter().fold((0, 0), |(a, b), r| {
        (
            a + r.done_on_time,
            b + r.done_on_time + r.done_late + r.overdue,
        )
    });
    let rate = (due > 0).then(|| done as f64 / due as f64);
    annual::annual_report(&reporting_unit(ctx), active, table, rate)
        .map_err(|e| AppError::new(ErrorKind::Invalid, "report_inconsistent", e.to_string()))
}

/// A public item as the portal and the API show it: metadata and content, no staff names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicItem {
    pub id: String,
    /// 索引号
    pub index_no: String,
    /// 信息分类: category / column
    pub category: String,
    pub column: String,
    /// 发布机构
    pub publisher: String,
    /// 成文日期
    pub written_on: String,
    /// 发布日期
    pub published_on: String,
    /// 文号
    pub doc_no: String,
    /// 主题词
    pub keywords: Vec<String>,
    /// 信息名称
    pub title: String,
    /// 内容概览
    pub summary: String,
    pub body: String,
    /// 时效
    pub validity: String,
    /// 公开属性
    pub openness: String,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<Attachment>,
    /// 清理 decisions: decision, validity, reason, day.
    pub cleanups: Vec<PublicCleanup>,
    /// 重大决策预公开: the comment deadline, comments received, the adoption summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_until: Option<String>,
    pub comments_received: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption: Option<PublicAdoption>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicCleanup {
    pub decision: String,
    pub validity: String,
    pub reason: String,
    pub on: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicAdoption {
    pub adopted: String,
    pub not_adopted: String,
    pub on: String,
}

pub fn public_view(ctx: &Ctx<'_>, s: &ItemState) -> PublicItem {
    let policy = &ctx.policies.disclosure;
    let (category, column) = policy
        .column(&s.item.column)
        .map(|(c, col)| (c.label.clone(), col.label.clone()))
        .unwrap_or_else(|| (s.item.category.clone(), s.item.column.clone()));
    PublicItem {
        id: s.item.id.clone(),
        index_no: s
            .index_no
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        category,
        column,
        publisher: ctx
            .policies
            .org
            .unit(&s.item.unit)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| s.item.unit.clone()),
        written_on: s.item.written_on.to_string(),
        published_on: s.published_on.map(|d| d.to_string()).unwrap_or_default(),
        doc_no: s.item.doc_no.clone(),
        keywords: s.item.keywords.clone(),
        title: s.item.title.clone(),
        summary: s.item.summary.clone(),
        body: s.item.body.clone(),
        validity: s.validity.label().into(),
        openness: s.item.openness.label().into(),
        attachments: s.item.attachments.clone(),
        cleanups: s
            .cleanups
            .iter()
            .map(|c| PublicCleanup {
                decision: c.decision.clone(),
                validity: c.validity.label().into(),
                reason: c.reason.clone(),
                on: c.on.to_string(),
            })
            .collect(),
        comment_until: s.item.comment_until.map(|d| d.to_string()),
        comments_received: s.comments.len(),
        adoption: s.adoption.as_ref().map(|a| PublicAdoption {
            adopted: a.adopted.clone(),
            not_adopted: a.not_adopted.clone(),
            on: a.on.to_string(),
        }),
    }
}

/// The publication clock of an item, explained (staff views).
pub fn deadline_text(ctx: &Ctx<'_>, s: &ItemState) -> Option<(String, String, NaiveDate)> {
    let due = s.due(ctx.calendar, ctx.today)?;
    let status = s.clock_status(ctx.calendar, ctx.today, ctx.policies.disclosure.near_due)?;
    let label = match status {
        xyjt_core::workflow::ClockStatus::DoneOnTime => "按期公开",
        xyjt_core::workflow::ClockStatus::DoneLate => "逾期公开",
        xyjt_core::workflow::ClockStatus::Running => "期限内",
        other => other.label(),
    };
    Some((label.to_string(), due.explanation, due.due_on))
}
