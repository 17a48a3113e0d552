//! Tests of the four lists (四张清单) policy against `data/policy/lists.json`: loading, JSON round
//! trip, validation, the compact rule text, measure look-ups, rule evaluation and versioning.

use chrono::NaiveDate;
use xyjt_core::ident::Uscc;
use xyjt_core::lists::{
    DEFAULT_LIST_POLICY_JSON, DecisionPoint, Effect, EntryRule, ItemKind, JUDGMENT_DEBTORS,
    ListPolicy, ListPolicyError, NameList, PolicyItem, evaluate_rule, severity_from_label,
};
use xyjt_core::publicity::{PublicityPolicy, Severity};
use xyjt_core::record::{
    LicenseKind, LicenseRecord, Party, PenaltyKind, PenaltyRecord, Record, RecordBody,
    RecordCategory, RecordStatus,
};
use xyjt_core::subject::PartyCategory;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn builtin() -> ListPolicy {
    ListPolicy::builtin()
}

fn publicity() -> PublicityPolicy {
    PublicityPolicy::builtin()
}

fn uscc() -> Uscc {
    Uscc::parse("91350100M000100Y43").expect("known-good USCC")
}

fn party() -> Party {
    Party {
        name: "示范市长风货运有限公司".to_string(),
        category: PartyCategory::LegalPerson,
        uscc: Some(uscc()),
        reg_no: None,
        org_code: None,
        tax_reg_no: None,
        institution_cert_no: None,
        social_org_cert_no: None,
        legal_rep: Some("张三".to_string()),
        legal_rep_id_type: None,
        legal_rep_id_no: None,
        id_type: None,
        id_no: None,
    }
}

fn penalty(id: &str, decided: &str, violation: &str, kinds: &[PenaltyKind]) -> Record {
    Record {
        id: id.to_string(),
        subject_id: "s1".to_string(),
        status: RecordStatus::Active,
        version: 1,
        body: RecordBody::Penalty(PenaltyRecord {
            party: party(),
            doc_no: format!("示交执罚〔2025〕{id}号"),
            violation_type: violation.to_string(),
            facts: "经检测车货总质量超过限定标准".to_string(),
            basis: "《公路安全保护条例》第六十四条".to_string(),
            kinds: kinds.to_vec(),
            content: "罚款人民币5000元".to_string(),
            fine: None,
            confiscated: None,
            licence_affected: None,
            decision_date: d(decided),
            valid_until: d(decided),
            publicity_until: None,
            authority: "示范市交通运输综合行政执法支队".to_string(),
            authority_code: uscc(),
            source_unit: "示范市交通运输综合行政执法支队".to_string(),
            source_unit_code: uscc(),
            remark: None,
        }),
        publication: None,
    }
}

fn overload(id: &str, decided: &str) -> Record {
    penalty(id, decided, "超限超载运输", &[PenaltyKind::Fine])
}

fn license(id: &str, decided: &str) -> Record {
    Record {
        id: id.to_string(),
        subject_id: "s1".to_string(),
        status: RecordStatus::Active,
        version: 1,
        body: RecordBody::License(LicenseRecord {
            party: party(),
            doc_name: "道路运输经营许可决定书".to_string(),
            doc_no: format!("示交运许〔2025〕{id}号"),
            kind: LicenseKind::General,
            cert_name: None,
            licence_no: None,
            content: Some("道路普通货物运输".to_string()),
            decision_date: d(decided),
            valid_from: d(decided),
            valid_to: d("2099-12-31"),
            authority: "示范市交通运输局".to_string(),
            authority_code: uscc(),
            status: None,
            source_unit: "示范市交通运输局".to_string(),
            source_unit_code: uscc(),
            remark: None,
        }),
        publication: None,
    }
}

fn with_status(mut r: Record, status: RecordStatus) -> Record {
    r.status = status;
    r
}

fn item(id: &str) -> PolicyItem {
    builtin()
        .item(id)
        .unwrap_or_else(|| panic!("builtin item {id}"))
        .clone()
}

fn ids(items: &[&PolicyItem]) -> Vec<String> {
    items.iter().map(|i| i.id.clone()).collect()
}

fn jd() -> NameList {
    NameList::External(JUDGMENT_DEBTORS.to_string())
}

/// The builtin with one item replaced by `edit`'s result.
fn edited(id: &str, edit: impl FnOnce(&mut PolicyItem)) -> ListPolicy {
    let mut p = builtin();
    let it = p.items.iter_mut().find(|i| i.id == id).expect("item");
    edit(it);
    p
}

fn item_error(p: &ListPolicy) -> (String, &'static str, String) {
    match p.validate() {
        Err(ListPolicyError::Item { id, field, message }) => (id, field, message),
        other => panic!("expected an item error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The shipped default
// ---------------------------------------------------------------------------------------------

#[test]
fn builtin_is_valid_example_policy_version_1() {
    let p = ListPolicy::from_json(DEFAULT_LIST_POLICY_JSON).expect("shipped policy is valid");
    assert_eq!(p, builtin());
    assert_eq!(p.version, 1);
    assert_eq!(p.effective_from, d("2024-01-01"));
    assert_eq!(p.changed_by, "系统初始化（示例政策）");
    assert!(p.example);
    assert!(p.note.contains("示例政策"), "{}", p.note);
    p.validate().unwrap();
}

#[test]
fn builtin_has_the_required_scopes() {
    let p = builtin();
    let rule = |id: &str| item(id).rule.unwrap_or_else(|| panic!("{id} has a rule"));

    let watch = rule("S-WATCH-OVERLOAD");
    assert_eq!(
        (watch.category, watch.min_count, watch.window_months),
        (RecordCategory::Penalty, 2, 12)
    );
    assert_eq!(watch.violation_types, ["超限"]);
    assert_eq!(item("S-WATCH-OVERLOAD").lists, [NameList::Watch]);
    let black = rule("S-BLACK-OVERLOAD");
    assert_eq!((black.min_count, black.window_months), (3, 12));
    assert_eq!(item("S-BLACK-OVERLOAD").lists, [NameList::Black]);

    let watch_op = rule("S-WATCH-ILLEGAL-OP");
    assert_eq!(watch_op.min_count, 1);
    assert!(
        watch_op
            .violation_types
            .iter()
            .any(|t| t == "未取得道路运输经营许可")
    );
    let black_op = rule("S-BLACK-ILLEGAL-OP");
    assert_eq!((black_op.min_count, black_op.window_months), (2, 24));

    let serious = rule("S-BLACK-SERIOUS-PENALTY");
    assert_eq!(serious.min_severity, Some(Severity::Serious));
    assert_eq!(serious.min_count, 1);
    assert_eq!(item("S-BLACK-SERIOUS-PENALTY").validity_months, Some(36));

    for (id, list) in [
        ("S-BLACK-ACCIDENT", NameList::Black),
        ("S-BLACK-BID-FRAUD", NameList::Black),
        ("S-BLACK-WAGES", NameList::Black),
        ("S-WATCH-FALSE-COMMITMENT", NameList::Watch),
        ("S-RED-AA", NameList::Red),
        ("S-EXT-JUDGMENT-DEBTOR", jd()),
    ] {
        let it = item(id);
        assert!(it.rule.is_none(), "{id} is manual");
        assert!(it.kind.is_scope(), "{id} is a scope");
        assert_eq!(it.lists, [list], "{id}");
    }
    assert_eq!(item("S-RED-AA").kind, ItemKind::HonestScope);
    assert_eq!(item("S-EXT-JUDGMENT-DEBTOR").validity_months, None);
    assert_eq!(p.scopes_for(&NameList::Red).len(), 1);

    // All four lists are present, and every decision point has a measure.
    for kind in ItemKind::ALL {
        assert!(p.items.iter().any(|i| i.kind == kind), "{kind}");
    }
    for point in DecisionPoint::ALL {
        assert!(
            p.measures().any(|m| m.decision_points.contains(&point)),
            "no measure at {point}"
        );
    }
    assert!(p.scopes().all(|s| s.kind.is_scope()));
    assert!(
        p.measures()
            .all(|m| m.kind.is_measure() && m.effect.is_some())
    );
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

#[test]
fn json_round_trip() {
    let p = builtin();
    let text = p.to_json();
    assert!(text.ends_with('\n'));
    assert!(text.contains("\"招标投标\""), "decision points as labels");
    assert!(text.contains("\"失信被执行人\""), "external list by name");
    assert!(text.contains("\"punishment_measure\""));
    assert_eq!(ListPolicy::from_json(&text).unwrap(), p);

    let mut changed = p.clone();
    changed.items[0].title.push_str("（修订）");
    assert_eq!(ListPolicy::from_json(&changed.to_json()).unwrap(), changed);
}

#[test]
fn json_parse_errors_are_chinese() {
    let unknown = DEFAULT_LIST_POLICY_JSON.replacen("\"note\"", "\"notes\"", 1);
    let e = ListPolicy::from_json(&unknown).unwrap_err();
    assert!(matches!(e, ListPolicyError::Parse(_)), "{e:?}");
    assert!(e.to_string().contains("未知的键“notes”"), "{e}");

    let point = DEFAULT_LIST_POLICY_JSON.replacen("\"招标投标\"", "\"拍卖\"", 1);
    let e = ListPolicy::from_json(&point).unwrap_err().to_string();
    assert!(e.contains("“拍卖”不是适用环节"), "{e}");
    assert!(e.contains("第 "), "names the line: {e}");

    let e = ListPolicy::from_json("{").unwrap_err();
    assert!(matches!(e, ListPolicyError::Parse(_)));

    let effect = DEFAULT_LIST_POLICY_JSON.replacen("\"restrict\"", "\"ban\"", 1);
    let e = ListPolicy::from_json(&effect).unwrap_err().to_string();
    assert!(e.contains("未知的取值“ban”"), "{e}");

    let kind = DEFAULT_LIST_POLICY_JSON.replacen("\"min_count\": 2", "\"min_count\": -2", 1);
    assert!(matches!(
        ListPolicy::from_json(&kind),
        Err(ListPolicyError::Parse(_))
    ));
}

#[test]
fn decision_point_labels_and_aliases() {
    for p in DecisionPoint::ALL {
        assert_eq!(DecisionPoint::from_label(p.label()), Some(p));
        assert_eq!(DecisionPoint::from_label(p.key()), Some(p));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, format!("\"{}\"", p.label()));
        assert_eq!(serde_json::from_str::<DecisionPoint>(&json).unwrap(), p);
    }
    for (alias, p) in [
        ("招投标", DecisionPoint::Tendering),
        (" 工程招投标 ", DecisionPoint::Tendering),
        ("行政审批", DecisionPoint::Licensing),
        ("财政资金／补贴申请", DecisionPoint::Funding),
        ("奖补资金申请", DecisionPoint::Funding),
        ("评先评优", DecisionPoint::Honours),
        ("干部选拔任用", DecisionPoint::Hiring),
        ("公务员录用", DecisionPoint::Hiring),
        ("日常监管", DecisionPoint::InspectionFrequency),
        ("从业资格认定", DecisionPoint::PractitionerQualification),
        ("政府采购", DecisionPoint::GovernmentProcurement),
    ] {
        assert_eq!(DecisionPoint::from_label(alias), Some(p), "{alias}");
    }
    assert_eq!(DecisionPoint::from_label("拍卖"), None);
    assert_eq!(
        serde_json::from_str::<DecisionPoint>("\"招投标\"").unwrap(),
        DecisionPoint::Tendering
    );
}

#[test]
fn name_list_keys_labels_and_external_lists() {
    for (list, key, label) in [
        (NameList::Red, "red", "红名单"),
        (NameList::Black, "black", "黑名单（严重失信主体名单）"),
        (NameList::Watch, "watch", "重点关注名单"),
        (jd(), "失信被执行人", "失信被执行人"),
    ] {
        assert_eq!(list.key(), key);
        assert_eq!(list.label(), label);
        assert_eq!(serde_json::to_string(&list).unwrap(), format!("\"{key}\""));
        assert_eq!(
            serde_json::from_str::<NameList>(&format!("\"{key}\"")).unwrap(),
            list
        );
        assert_eq!(NameList::from_label(&list.qualified_label()), Some(list));
    }
    assert!(serde_json::from_str::<NameList>("\"  \"").is_err());
    assert_eq!(
        NameList::from_label("严重失信主体名单"),
        Some(NameList::Black)
    );
    assert_eq!(
        NameList::from_label("黑名单(严重失信主体名单)"),
        Some(NameList::Black)
    );
    assert_eq!(NameList::from_label("守信激励对象"), Some(NameList::Red));
    assert_eq!(NameList::from_label("失信被执行人"), Some(jd()));
    assert_eq!(
        NameList::from_label("外部名单:重大税收违法失信主体"),
        Some(NameList::External("重大税收违法失信主体".to_string()))
    );
    assert_eq!(NameList::from_label("灰名单"), None, "typos are not lists");
    assert_eq!(NameList::from_label("外部名单："), None);
}

#[test]
fn kind_and_effect_labels() {
    assert_eq!(
        ItemKind::ALL.map(ItemKind::label),
        [
            "诚信典型范围",
            "严重失信行为及主体范围",
            "守信激励措施",
            "失信惩戒措施"
        ]
    );
    for k in ItemKind::ALL {
        assert_eq!(ItemKind::from_label(k.label()), Some(k));
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            format!("\"{}\"", k.key())
        );
    }
    assert_eq!(
        ItemKind::from_label("失信惩戒政策措施清单"),
        Some(ItemKind::PunishmentMeasure)
    );
    for e in Effect::ALL {
        assert_eq!(Effect::from_label(e.label()), Some(e));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            format!("\"{}\"", e.key())
        );
    }
    assert_eq!(Effect::from_label("从严审核"), Some(Effect::Review));
    assert_eq!(Effect::from_label("容缺受理"), Some(Effect::Facilitate));
    assert_eq!(severity_from_label("一般"), Some(Severity::General));
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_ids_are_rejected() {
    let mut p = builtin();
    let copy = p.items[3].clone();
    p.items.push(copy);
    let (id, field, message) = item_error(&p);
    assert_eq!(id, p.items[3].id);
    assert_eq!(field, "编号（id）");
    assert!(message.contains("重复"), "{message}");
}

#[test]
fn measures_need_effect_lists_and_points() {
    let p = edited("P-BLACK-TENDER", |i| i.effect = None);
    let e = p.validate().unwrap_err();
    assert_eq!(e.item_id(), Some("P-BLACK-TENDER"));
    assert_eq!(e.field_label(), Some("效果"));
    assert!(e.to_string().contains("P-BLACK-TENDER"), "{e}");

    let (_, field, _) = item_error(&edited("P-BLACK-TENDER", |i| i.lists.clear()));
    assert_eq!(field, "适用名单（lists）");
    let (_, field, _) = item_error(&edited("P-BLACK-TENDER", |i| i.decision_points.clear()));
    assert_eq!(field, "适用环节（decision_points）");
    let (_, field, _) = item_error(&edited("P-BLACK-TENDER", |i| i.validity_months = Some(12)));
    assert_eq!(field, "有效期（validity_months）");
    let (_, field, _) = item_error(&edited("P-BLACK-TENDER", |i| {
        i.effect = Some(Effect::Facilitate);
    }));
    assert_eq!(field, "效果（effect）");
    let (_, field, message) = item_error(&edited("P-BLACK-TENDER", |i| {
        i.lists.push(NameList::Red);
    }));
    assert_eq!(field, "适用名单（lists）");
    assert!(message.contains("红名单"), "{message}");
    let (_, field, _) = item_error(&edited("R-RED-LICENSING", |i| {
        i.effect = Some(Effect::Restrict);
    }));
    assert_eq!(field, "效果（effect）");
}

#[test]
fn scopes_need_exactly_one_list_and_a_validity() {
    let (id, field, message) = item_error(&edited("S-BLACK-ACCIDENT", |i| {
        i.lists.push(NameList::Watch);
    }));
    assert_eq!(
        (id.as_str(), field),
        ("S-BLACK-ACCIDENT", "适用名单（lists）")
    );
    assert!(message.contains("恰好为一个名单"), "{message}");

    let (_, field, _) = item_error(&edited("S-BLACK-ACCIDENT", |i| i.validity_months = None));
    assert_eq!(field, "有效期（validity_months）");
    let (_, field, _) = item_error(&edited("S-BLACK-ACCIDENT", |i| {
        i.validity_months = Some(0);
    }));
    assert_eq!(field, "有效期（validity_months）");
    let (_, field, _) = item_error(&edited("S-BLACK-ACCIDENT", |i| {
        i.effect = Some(Effect::Restrict);
    }));
    assert_eq!(field, "效果（effect）");
    let (_, field, _) = item_error(&edited("S-RED-AA", |i| i.lists = vec![NameList::Black]));
    assert_eq!(field, "适用名单（lists）");
    // An external list's entries last as long as its authority says.
    assert_eq!(item("S-EXT-JUDGMENT-DEBTOR").validity_months, None);
}

#[test]
fn rules_must_be_sane() {
    let (id, field, message) = item_error(&edited("S-WATCH-OVERLOAD", |i| {
        i.rule.as_mut().unwrap().min_count = 0;
    }));
    assert_eq!(
        (id.as_str(), field),
        ("S-WATCH-OVERLOAD", "自动列入规则（rule.min_count）")
    );
    assert!(message.contains("至少为 1"), "{message}");
    let (_, field, _) = item_error(&edited("S-WATCH-OVERLOAD", |i| {
        i.rule.as_mut().unwrap().window_months = 0;
    }));
    assert_eq!(field, "自动列入规则（rule.window_months）");
    let (_, field, _) = item_error(&edited("S-WATCH-OVERLOAD", |i| {
        let r = i.rule.as_mut().unwrap();
        r.category = RecordCategory::License;
    }));
    assert_eq!(field, "自动列入规则（rule.category）");
    let (_, field, _) = item_error(&edited("S-WATCH-OVERLOAD", |i| {
        i.rule.as_mut().unwrap().violation_types = vec!["超限;超载".to_string()];
    }));
    assert_eq!(field, "自动列入规则（rule.violation_types）");
    let (_, field, _) = item_error(&edited("P-BLACK-TENDER", |i| {
        i.rule = item("S-WATCH-OVERLOAD").rule;
    }));
    assert_eq!(field, "自动列入规则（rule）");
    let (_, field, _) = item_error(&edited("S-EXT-JUDGMENT-DEBTOR", |i| {
        i.rule = item("S-WATCH-OVERLOAD").rule;
    }));
    assert_eq!(field, "自动列入规则（rule）");
}

#[test]
fn no_empty_texts() {
    let (id, field, message) = item_error(&edited("P-BLACK-HONOURS", |i| {
        i.legal_basis = "  ".to_string();
    }));
    assert_eq!(
        (id.as_str(), field, message.as_str()),
        ("P-BLACK-HONOURS", "法律依据（legal_basis）", "不能为空")
    );
    let (_, field, _) = item_error(&edited("P-BLACK-HONOURS", |i| {
        i.implementing_units = vec![];
    }));
    assert_eq!(field, "实施单位（implementing_units）");
    let (id, field, _) = item_error(&edited("P-BLACK-HONOURS", |i| i.id = String::new()));
    assert!(id.contains("编号为空"), "{id}");
    assert_eq!(field, "编号（id）");

    let mut p = builtin();
    p.changed_by = String::new();
    assert!(matches!(p.validate(), Err(ListPolicyError::Invalid(_))));
    let mut p = builtin();
    p.changed_at = "2024-01-01".to_string();
    let e = p.validate().unwrap_err().to_string();
    assert!(e.contains("RFC 3339"), "{e}");
    let mut p = builtin();
    p.items.clear();
    assert!(matches!(p.validate(), Err(ListPolicyError::Invalid(_))));
}

#[test]
fn a_measure_list_needs_a_scope() {
    let p = edited("P-EXT-JD-TENDER", |i| {
        i.lists = vec![NameList::External("失信被执行人 名单".to_string())];
    });
    let (id, field, message) = item_error(&p);
    assert_eq!(
        (id.as_str(), field),
        ("P-EXT-JD-TENDER", "适用名单（lists）")
    );
    assert!(message.contains("没有对应的范围条目"), "{message}");
}

#[test]
fn check_items_reports_every_problem() {
    let mut items = builtin().items;
    items[0].title.clear();
    items[1].evidence.clear();
    let errors = ListPolicy::check_items(&items);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].item_id(), Some(items[0].id.as_str()));
    assert_eq!(errors[1].item_id(), Some(items[1].id.as_str()));
}

// ---------------------------------------------------------------------------------------------
// Rule text
// ---------------------------------------------------------------------------------------------

#[test]
fn rule_text_round_trips_for_every_builtin_rule() {
    for it in builtin().scopes() {
        if let Some(rule) = &it.rule {
            let text = rule.to_text();
            assert_eq!(EntryRule::parse_text(&text).unwrap(), *rule, "{text}");
            assert_eq!(text.parse::<EntryRule>().unwrap(), *rule);
        }
    }
    assert_eq!(
        item("S-WATCH-OVERLOAD").rule.unwrap().to_text(),
        "类别=行政处罚;违法行为类型含=超限;次数>=2;期间=12个月"
    );
    let full = EntryRule {
        category: RecordCategory::Penalty,
        min_severity: Some(Severity::General),
        violation_types: vec!["超限".to_string(), "超载".to_string()],
        penalty_kinds: vec![PenaltyKind::Fine, PenaltyKind::RevokeLicence],
        min_count: 2,
        window_months: 12,
    };
    assert_eq!(
        full.to_text(),
        "类别=行政处罚;违法行为类型含=超限、超载;处罚类别=罚款、吊销许可证件;次数>=2;期间=12个月;严重程度>=一般"
    );
    assert_eq!(EntryRule::parse_text(&full.to_text()).unwrap(), full);
}

#[test]
fn rule_text_accepts_variants() {
    let rule = EntryRule::parse_text(
        " 严重程度 ≥ 一般； 期间 = 12 ；次数>=2；违法行为类型含=超限|超载；类别=行政处罚；",
    )
    .unwrap();
    assert_eq!(rule.min_severity, Some(Severity::General));
    assert_eq!(rule.window_months, 12);
    assert_eq!(rule.min_count, 2);
    assert_eq!(rule.violation_types, ["超限", "超载"]);
    assert_eq!(rule.category, RecordCategory::Penalty);
    assert!(rule.penalty_kinds.is_empty());
}

#[test]
fn rule_text_errors_are_chinese() {
    for (text, needle) in [
        ("类别=行政处罚;次数>=2", "缺少期间"),
        ("类别=行政处罚;期间=12个月", "缺少次数"),
        ("次数>=2;期间=12个月", "缺少“类别"),
        (
            "类别=行政处罚;次数>=2;期间=12个月;颜色=红",
            "未知的条件“颜色”",
        ),
        ("类别=行政处罚;次数>=两;期间=12个月", "次数“两”"),
        ("类别=行政处罚;次数>=2;期间=一年", "期间“一年”"),
        (
            "类别=行政处罚;处罚类别=打板子;次数>=2;期间=12个月",
            "“打板子”不是处罚类别",
        ),
        ("类别=行政处罚;次数=2;期间=12个月", "次数>=2"),
        ("类别=行政处罚;次数>=2;次数>=3;期间=12个月", "出现多次"),
        ("类别=刑事;次数>=2;期间=12个月", "类别“刑事”"),
        (
            "类别=行政处罚;次数>=2;期间=12个月;严重程度>=很严重",
            "严重程度“很严重”",
        ),
        ("类别行政处罚", "缺少“=”"),
    ] {
        let e = EntryRule::parse_text(text).unwrap_err().to_string();
        assert!(e.contains(needle), "{text}: {e}");
    }
}

#[test]
fn rule_describes_what_it_counts() {
    assert_eq!(
        item("S-WATCH-OVERLOAD").rule.unwrap().describe(),
        "违法行为类型含“超限”的行政处罚"
    );
    assert_eq!(
        item("S-BLACK-SERIOUS-PENALTY").rule.unwrap().describe(),
        "属严重违法失信行为的行政处罚"
    );
}

// ---------------------------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------------------------

#[test]
fn blacklist_at_tendering_is_restricted_with_basis() {
    let p = builtin();
    let found = p.measures_for(&NameList::Black, DecisionPoint::Tendering);
    assert_eq!(ids(&found), ["P-BLACK-TENDER"]);
    let m = found[0];
    assert_eq!(m.kind, ItemKind::PunishmentMeasure);
    assert_eq!(m.effect, Some(Effect::Restrict));
    assert!(
        m.legal_basis.contains("招标投标法实施条例"),
        "{}",
        m.legal_basis
    );
    assert!(
        m.legal_basis.contains("国发〔2016〕33号"),
        "{}",
        m.legal_basis
    );
    assert!(m.content.contains("招标投标"));
}

#[test]
fn judgment_debtors_at_tendering_are_restricted() {
    let p = builtin();
    let found = p.measures_for(&jd(), DecisionPoint::Tendering);
    assert_eq!(ids(&found), ["P-EXT-JD-TENDER"]);
    assert_eq!(found[0].effect, Some(Effect::Restrict));
    assert!(found[0].legal_basis.contains("法〔2016〕285号"));
    assert_eq!(
        ids(&p.measures_for(&jd(), DecisionPoint::GovernmentProcurement)),
        ["P-EXT-JD-TENDER"]
    );
    assert!(p.measures_for(&jd(), DecisionPoint::Honours).is_empty());
    assert!(
        p.measures_for(
            &NameList::External("别的名单".to_string()),
            DecisionPoint::Tendering
        )
        .is_empty()
    );
}

#[test]
fn red_list_at_licensing_is_facilitated() {
    let p = builtin();
    let found = p.measures_for(&NameList::Red, DecisionPoint::Licensing);
    assert_eq!(ids(&found), ["R-RED-LICENSING"]);
    assert_eq!(found[0].kind, ItemKind::RewardMeasure);
    assert_eq!(found[0].effect, Some(Effect::Facilitate));
    assert!(found[0].content.contains("容缺受理"));
    assert!(
        p.measures_for(&NameList::Red, DecisionPoint::Tendering)
            .is_empty()
    );
}

#[test]
fn other_required_measures() {
    let p = builtin();
    let effect = |list: NameList, point: DecisionPoint| -> Vec<Option<Effect>> {
        p.measures_for(&list, point)
            .iter()
            .map(|m| m.effect)
            .collect()
    };
    use DecisionPoint as P;
    assert_eq!(
        effect(NameList::Black, P::Licensing),
        [Some(Effect::Review)]
    );
    assert_eq!(
        effect(NameList::Black, P::Funding),
        [Some(Effect::Restrict)]
    );
    assert_eq!(
        effect(NameList::Black, P::Honours),
        [Some(Effect::Restrict)]
    );
    assert_eq!(effect(NameList::Black, P::Hiring), [Some(Effect::Restrict)]);
    assert_eq!(
        effect(NameList::Black, P::InspectionFrequency),
        [Some(Effect::Inform)]
    );
    assert_eq!(
        effect(NameList::Watch, P::Tendering),
        [Some(Effect::Review)]
    );
    assert_eq!(
        effect(NameList::Watch, P::InspectionFrequency),
        [Some(Effect::Inform)]
    );
    assert_eq!(
        effect(NameList::Red, P::InspectionFrequency),
        [Some(Effect::Inform)]
    );
    assert_eq!(
        effect(NameList::Red, P::Honours),
        [Some(Effect::Facilitate)]
    );
    let quarterly = p.measures_for(&NameList::Black, P::InspectionFrequency)[0];
    assert!(quarterly.content.contains("每季度至少检查1次"));
}

#[test]
fn citation_names_version_item_and_basis() {
    let c = builtin().cite("P-BLACK-TENDER").unwrap();
    assert_eq!(c.policy_version, 1);
    assert!(c.example);
    let text = c.text();
    assert!(
        text.starts_with("依据四张清单第 1 版（示例政策）条目 P-BLACK-TENDER"),
        "{text}"
    );
    assert!(text.contains("招标投标法实施条例"));
    assert!(builtin().cite("NOPE").is_none());
}

// ---------------------------------------------------------------------------------------------
// Rule evaluation
// ---------------------------------------------------------------------------------------------

#[test]
fn two_overloading_penalties_within_12_months_match_the_watch_scope() {
    let records = [
        overload("r2", "2025-03-10"),
        overload("r1", "2024-09-01"),
        penalty("r3", "2025-01-01", "客运车辆超员", &[PenaltyKind::Fine]),
    ];
    let today = d("2025-06-30");
    let m = evaluate_rule(&item("S-WATCH-OVERLOAD"), &records, &publicity(), today)
        .expect("two overloading penalties in 12 months");
    assert_eq!(m.item_id, "S-WATCH-OVERLOAD");
    assert_eq!(m.matched_record_ids, ["r1", "r2"], "by decision date");
    assert!(
        m.explanation
            .starts_with("12 个月内（2024-06-30 之后至 2025-06-30）"),
        "{}",
        m.explanation
    );
    assert!(
        m.explanation
            .contains("违法行为类型含“超限”的行政处罚 2 次"),
        "{}",
        m.explanation
    );
    assert!(
        m.explanation
            .contains("r1〔文书号 示交执罚〔2025〕r1号，2024-09-01〕"),
        "{}",
        m.explanation
    );
    assert!(
        m.explanation.contains("达到 2 次的列入条件"),
        "{}",
        m.explanation
    );
    assert!(m.explanation.contains("重点关注名单"), "{}", m.explanation);

    assert_eq!(
        evaluate_rule(&item("S-BLACK-OVERLOAD"), &records, &publicity(), today),
        None,
        "the blacklist needs three"
    );
    let mut three = records.to_vec();
    three.push(overload("r4", "2025-06-30"));
    let matches = builtin().evaluate_scopes(&three, &publicity(), today);
    let matched: Vec<&str> = matches.iter().map(|m| m.item_id.as_str()).collect();
    assert_eq!(matched, ["S-WATCH-OVERLOAD", "S-BLACK-OVERLOAD"]);
}

#[test]
fn penalties_outside_the_window_do_not_count() {
    let today = d("2025-06-30");
    let watch = item("S-WATCH-OVERLOAD");
    // Exactly 12 months before today is outside (the window is (today − 12 months, today]).
    let edge = [overload("r1", "2024-06-30"), overload("r2", "2025-03-10")];
    assert_eq!(evaluate_rule(&watch, &edge, &publicity(), today), None);
    let inside = [overload("r1", "2024-07-01"), overload("r2", "2025-03-10")];
    assert!(evaluate_rule(&watch, &inside, &publicity(), today).is_some());
    // Decisions after today do not count either.
    let future = [overload("r1", "2025-07-01"), overload("r2", "2025-03-10")];
    assert_eq!(evaluate_rule(&watch, &future, &publicity(), today), None);
    // Month ends: 2025-02-28 minus 12 months is 2024-02-28, so 2024-02-29 is inside.
    let leap = [overload("r1", "2024-02-29"), overload("r2", "2025-01-10")];
    assert!(evaluate_rule(&watch, &leap, &publicity(), d("2025-02-28")).is_some());
}

#[test]
fn revoked_and_expired_records_do_not_count() {
    let today = d("2025-06-30");
    let watch = item("S-WATCH-OVERLOAD");
    let records = [
        overload("r1", "2024-09-01"),
        with_status(overload("r2", "2025-03-10"), RecordStatus::Revoked),
    ];
    assert_eq!(evaluate_rule(&watch, &records, &publicity(), today), None);
    let records = [
        overload("r1", "2024-09-01"),
        with_status(overload("r2", "2025-03-10"), RecordStatus::Expired),
    ];
    assert_eq!(evaluate_rule(&watch, &records, &publicity(), today), None);
}

#[test]
fn severity_filter() {
    let today = d("2025-06-30");
    let serious = item("S-BLACK-SERIOUS-PENALTY");
    let fine = [penalty(
        "r1",
        "2025-01-01",
        "严重违法违规经营",
        &[PenaltyKind::Fine],
    )];
    assert_eq!(evaluate_rule(&serious, &fine, &publicity(), today), None);
    let revoked = [penalty(
        "r1",
        "2023-01-01",
        "严重违法违规经营",
        &[PenaltyKind::RevokeLicence, PenaltyKind::Fine],
    )];
    let m = evaluate_rule(&serious, &revoked, &publicity(), today).expect("serious penalty");
    assert_eq!(m.matched_record_ids, ["r1"]);
    assert!(m.explanation.contains("36 个月内"), "{}", m.explanation);
    assert!(m.explanation.contains("黑名单"), "{}", m.explanation);
    assert!(
        m.explanation.contains("有效期 36 个月"),
        "{}",
        m.explanation
    );

    // A general-or-worse filter counts fines but not a policy-minor violation type.
    let mut policy = publicity();
    policy.minor_violation_types = vec!["超限超载运输".to_string()];
    let mut general = item("S-WATCH-OVERLOAD");
    general.rule.as_mut().unwrap().min_severity = Some(Severity::General);
    let two = [overload("r1", "2024-09-01"), overload("r2", "2025-03-10")];
    assert!(evaluate_rule(&general, &two, &publicity(), today).is_some());
    assert_eq!(evaluate_rule(&general, &two, &policy, today), None);
}

#[test]
fn filters_by_violation_type_kind_and_category() {
    let today = d("2025-06-30");
    let op = item("S-WATCH-ILLEGAL-OP");
    let one = [penalty(
        "r1",
        "2024-01-15",
        "未取得道路运输经营许可擅自从事道路运输经营",
        &[PenaltyKind::Fine, PenaltyKind::ConfiscateIllegalGains],
    )];
    assert!(
        evaluate_rule(&op, &one, &publicity(), today).is_some(),
        "24-month window"
    );
    assert_eq!(
        evaluate_rule(&item("S-BLACK-ILLEGAL-OP"), &one, &publicity(), today),
        None
    );

    let mut by_kind = item("S-WATCH-OVERLOAD");
    by_kind.rule.as_mut().unwrap().penalty_kinds = vec![PenaltyKind::SuspendLicence];
    let two = [overload("r1", "2024-09-01"), overload("r2", "2025-03-10")];
    assert_eq!(evaluate_rule(&by_kind, &two, &publicity(), today), None);

    // Licence records never count for a penalty rule; a licence rule counts licences.
    let mut any_penalty = item("S-WATCH-OVERLOAD");
    any_penalty.rule.as_mut().unwrap().violation_types.clear();
    let licences = [license("l1", "2025-01-01"), license("l2", "2025-02-01")];
    assert_eq!(
        evaluate_rule(&any_penalty, &licences, &publicity(), today),
        None
    );
    any_penalty.rule.as_mut().unwrap().category = RecordCategory::License;
    assert!(evaluate_rule(&any_penalty, &licences, &publicity(), today).is_some());
}

#[test]
fn manual_scopes_and_measures_never_match() {
    let records = [overload("r1", "2025-01-01"), overload("r2", "2025-02-01")];
    let today = d("2025-06-30");
    for id in [
        "S-BLACK-BID-FRAUD",
        "S-RED-AA",
        "S-EXT-JUDGMENT-DEBTOR",
        "P-BLACK-TENDER",
    ] {
        assert_eq!(
            evaluate_rule(&item(id), &records, &publicity(), today),
            None,
            "{id}"
        );
    }
    assert!(
        builtin()
            .evaluate_scopes(&[], &publicity(), today)
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------

#[test]
fn next_version_increments_and_keeps_the_old_version() {
    let v1 = builtin();
    let mut items = v1.items.clone();
    items
        .iter_mut()
        .find(|i| i.id == "S-WATCH-OVERLOAD")
        .unwrap()
        .rule
        .as_mut()
        .unwrap()
        .min_count = 3;
    let v2 = v1
        .next_version(
            items,
            "李四（省交通运输厅信用管理处）",
            "2025-03-01T10:00:00+08:00",
            "超限超载列入重点关注名单的次数调整为3次",
            d("2025-04-01"),
        )
        .unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.changed_by, "李四（省交通运输厅信用管理处）");
    assert_eq!(v2.changed_at, "2025-03-01T10:00:00+08:00");
    assert_eq!(v2.effective_from, d("2025-04-01"));
    assert!(v2.example, "the example mark carries over");
    assert_eq!(
        v2.item("S-WATCH-OVERLOAD")
            .unwrap()
            .rule
            .as_ref()
            .unwrap()
            .min_count,
        3
    );
    // The old version is untouched.
    assert_eq!(v1, builtin());
    assert_eq!(
        v1.item("S-WATCH-OVERLOAD")
            .unwrap()
            .rule
            .as_ref()
            .unwrap()
            .min_count,
        2
    );
    let diff = v1.diff(&v2);
    assert_eq!(diff.changed, ["S-WATCH-OVERLOAD"]);
    assert!(diff.added.is_empty() && diff.removed.is_empty());
    assert_eq!(v2.cite("S-WATCH-OVERLOAD").unwrap().policy_version, 2);
    assert_eq!(ListPolicy::from_json(&v2.to_json()).unwrap(), v2);

    let v3 = v2
        .adopt(
            "省交通运输厅信用管理处",
            "2025-05-01T09:00:00+08:00",
            "经厅务会审定，采用为正式政策",
            d("2025-05-01"),
        )
        .unwrap();
    assert_eq!(v3.version, 3);
    assert!(!v3.example);
    assert_eq!(v3.items, v2.items);
    assert!(v2.diff(&v3).is_empty());
}

#[test]
fn next_version_is_validated() {
    let v1 = builtin();
    let mut items = v1.items.clone();
    items[0].cause.clear();
    let e = v1
        .next_version(
            items,
            "李四",
            "2025-03-01T10:00:00+08:00",
            "修订",
            d("2025-04-01"),
        )
        .unwrap_err();
    assert_eq!(e.item_id(), Some(v1.items[0].id.as_str()));

    let ok_items = v1.items.clone();
    for (by, at, note, from) in [
        ("", "2025-03-01T10:00:00+08:00", "修订", "2025-04-01"),
        ("李四", "昨天", "修订", "2025-04-01"),
        ("李四", "2025-03-01T10:00:00+08:00", " ", "2025-04-01"),
        ("李四", "2025-03-01T10:00:00+08:00", "修订", "2023-12-31"),
        ("李四", "2023-03-01T10:00:00+08:00", "修订", "2025-04-01"),
    ] {
        let r = v1.next_version(ok_items.clone(), by, at, note, d(from));
        assert!(
            matches!(r, Err(ListPolicyError::Invalid(_))),
            "{by}/{at}/{note}/{from}: {r:?}"
        );
    }

    let mut removed = v1.items.clone();
    removed.retain(|i| i.id != "P-BLACK-PROCUREMENT");
    let v2 = v1
        .next_version(
            removed,
            "李四",
            "2025-03-01T10:00:00+08:00",
            "删除政府采购措施",
            d("2025-04-01"),
        )
        .unwrap();
    assert_eq!(v1.diff(&v2).removed, ["P-BLACK-PROCUREMENT"]);
}

/// An entry is in force on a past day when it was published by then, inside its validity and
/// not yet ended; the day it ends it is out.
#[test]
fn in_force_on_a_past_day() {
    use xyjt_core::listing::{EndReason, EntryState, EntryStatus};
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let policy = ListPolicy::builtin();
    let item = policy.scopes().next().unwrap();
    let entry = xyjt_core::listing::ListEntry {
        id: "e1".into(),
        list: NameList::Black,
        subject_id: None,
        name: "示范市某运输有限公司".into(),
        code: None,
        item_id: item.id.clone(),
        policy_version: policy.version,
        basis: "测试".into(),
        deciding_unit: "示范市交通运输局".into(),
        entry_date: d("2026-03-10"),
        valid_until: Some(d("2027-03-09")),
        source_records: Vec::new(),
        explanation: String::new(),
    };
    let mut state = EntryState {
        entry,
        status: EntryStatus::Published,
        proposed_by: "录入员".into(),
        reviewed_by: Some("审核员".into()),
        review_comment: None,
        published_on: Some(d("2026-03-12")),
        ended: None,
    };
    assert!(!state.in_force_on(d("2026-03-11")), "not yet published");
    assert!(state.in_force_on(d("2026-03-31")));
    assert!(state.in_force_on(d("2027-03-09")));
    assert!(!state.in_force_on(d("2027-03-10")), "validity over");
    state.ended = Some((EndReason::Repaired, d("2026-06-01")));
    assert!(state.in_force_on(d("2026-05-31")));
    assert!(!state.in_force_on(d("2026-06-01")), "out the day it ends");
}
