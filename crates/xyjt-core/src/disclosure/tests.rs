use super::annual::*;
use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn policy() -> &'static DisclosurePolicy {
    DisclosurePolicy::builtin()
}

fn item(column: &str, from_on: Option<&str>) -> DisclosureItem {
    DisclosureItem {
        id: "DI-1".into(),
        unit: "DH".into(),
        category: policy().column(column).unwrap().0.id.clone(),
        column: column.into(),
        title: "关于道路运输行业信用管理的政策解读".into(),
        doc_no: "东交〔2026〕12号".into(),
        written_on: d("2026-09-28"),
        keywords: vec!["信用".into(), "道路运输".into()],
        summary: "解读要点".into(),
        body: "正文".into(),
        openness: Openness::Active,
        attachments: Vec::new(),
        deadline: deadline_for(policy(), column, from_on.map(d)).unwrap(),
        comment_until: None,
        drafted_by: "user:clerk".into(),
        drafted_on: d("2026-09-29"),
        policy_version: policy().version,
    }
}

fn approve(on: &str) -> SignOff {
    SignOff {
        by: "user:office".into(),
        on: d(on),
        approved: true,
        conclusion: "经保密审查，同意公开".into(),
        hits: Vec::new(),
    }
}

fn published(column: &str, from_on: Option<&str>, on: &str) -> ItemState {
    let s = apply(None, ItemStep::Drafted(&item(column, from_on))).unwrap();
    let n = IndexNo::parse("11370100/2026-00001").unwrap();
    apply(
        Some(s),
        ItemStep::SignedOff {
            sign_off: &approve(on),
            index_no: Some(&n),
        },
    )
    .unwrap()
}

#[test]
fn the_shipped_policy_parses_and_names_the_seed_columns() {
    let p = policy();
    let labels: Vec<&str> = p.categories.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        ["决策公开", "执行公开", "管理公开", "服务公开", "结果公开"]
    );
    for col in [
        "权力清单和责任清单",
        "行政执法公示",
        "随机抽查事项和结果",
        "规范性文件",
        "政策解读",
        "办事指南",
        "PPP",
        "财政预决算",
        "建议提案办理结果",
        "督查审计整改",
        "突发事件",
        "重大决策预公开",
    ] {
        assert!(p.column_named(col).is_some(), "{col}");
    }
    assert_eq!(p.deadline("policy-interpretation").unwrap().workdays, 3);
    assert_eq!(p.deadline("power-lists").unwrap().workdays, 10);
    assert_eq!(p.index_code("DH"), "11370100");
    assert_eq!(p.index_code("NOWHERE"), "NOWHERE");
}

#[test]
fn a_bad_policy_is_refused_with_the_reason() {
    let dup = DEFAULT_DISCLOSURE_TOML.replace("id = \"ppp\"", "id = \"budgets\"");
    assert!(
        DisclosurePolicy::from_toml(&dup)
            .unwrap_err()
            .contains("budgets")
    );
    let bad = DEFAULT_DISCLOSURE_TOML.replace("detect = \"mobile\"", "detect = \"email\"");
    assert!(
        DisclosurePolicy::from_toml(&bad)
            .unwrap_err()
            .contains("email")
    );
    let bad =
        DEFAULT_DISCLOSURE_TOML.replace("column = \"power-lists\"", "column = \"no-such-column\"");
    assert!(
        DisclosurePolicy::from_toml(&bad)
            .unwrap_err()
            .contains("no-such-column")
    );
}

#[test]
fn index_numbers_read_and_print_as_bureau_sites_write_them() {
    let n = IndexNo::parse("14252524/2026-00150").unwrap();
    assert_eq!((n.code.as_str(), n.year, n.seq), ("14252524", 2026, 150));
    assert_eq!(n.to_string(), "14252524/2026-00150");
    for bad in [
        "14252524-2026-00150",
        "14252524/26-00150",
        "14252524/2026-150",
        "/2026-00001",
        "14252524/2026-00000",
        "1425 2524/2026-00001",
    ] {
        assert!(IndexNo::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        IndexNo::next("11370100", 2026, None).unwrap().to_string(),
        "11370100/2026-00001"
    );
    assert_eq!(
        IndexNo::next("11370100", 2026, Some(149))
            .unwrap()
            .to_string(),
        "11370100/2026-00150"
    );
    assert!(IndexNo::next("X", 2026, Some(99_999)).is_err());
    let json = serde_json::to_string(&n).unwrap();
    assert_eq!(json, "\"14252524/2026-00150\"");
    assert_eq!(serde_json::from_str::<IndexNo>(&json).unwrap(), n);
}

proptest! {
    #[test]
    fn index_numbers_round_trip(code in "[0-9A-Z]{1,12}", year in 1990i32..2100, seq in 1u32..100_000) {
        let n = IndexNo { code, year, seq };
        prop_assert_eq!(IndexNo::parse(&n.to_string()).unwrap(), n);
    }

    #[test]
    fn the_next_number_follows_the_last(last in proptest::option::of(0u32..99_999)) {
        let n = IndexNo::next("C", 2026, last).unwrap();
        prop_assert_eq!(n.seq, last.unwrap_or(0) + 1);
    }
}

#[test]
fn the_negative_list_names_what_it_hit_and_masks_personal_data() {
    let p = policy();
    assert!(p.negative_hits(&["道路运输行业信用管理办法"]).is_empty());
    let hits = p.negative_hits(&["本文件属国家秘密，不得外传"]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, "state-secret");
    assert!(
        hits[0].reason().contains("涉及国家秘密"),
        "{}",
        hits[0].reason()
    );
    assert!(hits[0].reason().contains("国家秘密"));
    // A valid citizen ID (GB 11643 example) is found and shown masked.
    let hits = p.negative_hits(&["当事人 11010519491231002X 驾驶"]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].id, "personal-id");
    assert!(!hits[0].reason().contains("11010519491231002X"));
    // Eighteen digits with a wrong check character are not an ID.
    assert!(p.negative_hits(&["编号 110105194912310021"]).is_empty());
    let hits = p.negative_hits(&["联系 13912345678"]);
    assert_eq!(hits[0].id, "personal-mobile");
    assert!(hits[0].reason().contains("139****5678"));
    assert!(!hits[0].reason().contains("13912345678"));
    // A longer number is not a phone number.
    assert!(p.negative_hits(&["合同编号 1391234567801"]).is_empty());
}

#[test]
fn a_column_with_a_deadline_needs_its_start_day() {
    let err = deadline_for(policy(), "policy-interpretation", None).unwrap_err();
    assert!(err.contains("所解读文件公开之日"), "{err}");
    assert_eq!(deadline_for(policy(), "ppp", None).unwrap(), None);
    let f = deadline_for(policy(), "power-lists", Some(d("2026-03-02")))
        .unwrap()
        .unwrap();
    assert_eq!(f.workdays, 10);
    assert!(f.rule.contains("第1版"), "{}", f.rule);
}

fn due(column: &str, from: &str) -> Due {
    let s = apply(None, ItemStep::Drafted(&item(column, Some(from)))).unwrap();
    s.due(&Calendar::builtin(), d(from)).unwrap()
}

#[test]
fn deadlines_skip_the_holidays_of_2024_to_2026_and_say_so() {
    // 国庆 2026: 10-01..10-07 off, Saturday 10-10 a make-up working day.
    let x = due("policy-interpretation", "2026-09-30");
    assert_eq!(x.due_on, d("2026-10-10"));
    assert!(
        x.explanation
            .contains("2026-10-01 至 2026-10-07（法定节假日）"),
        "{}",
        x.explanation
    );
    assert!(
        x.explanation.contains("调休上班日 2026-10-10 计入"),
        "{}",
        x.explanation
    );
    // 国庆 2024 with the make-up Sundays 09-29 and Saturday 10-12.
    assert_eq!(due("power-lists", "2024-09-27").due_on, d("2024-10-16"));
    // 春节 2025: Sunday 01-26 worked, 01-28..02-04 off.
    assert_eq!(
        due("policy-interpretation", "2025-01-24").due_on,
        d("2025-02-05")
    );
    // An ordinary week: Monday + 3 = Thursday.
    assert_eq!(
        due("policy-interpretation", "2026-03-02").due_on,
        d("2026-03-05")
    );
    // 春节 2026: 02-15..02-23 off; 02-14 and 02-28 (Saturdays) worked.
    assert_eq!(
        due("policy-interpretation", "2026-02-12").due_on,
        d("2026-02-24")
    );
}

#[test]
fn late_items_are_flagged_and_counted_per_unit() {
    let cal = Calendar::builtin();
    let on_time = published("policy-interpretation", Some("2026-09-30"), "2026-10-10");
    let late = published("policy-interpretation", Some("2026-09-30"), "2026-10-12");
    assert_eq!(
        on_time.clock_status(&cal, d("2026-11-01"), 1),
        Some(ClockStatus::DoneOnTime)
    );
    assert_eq!(
        late.clock_status(&cal, d("2026-11-01"), 1),
        Some(ClockStatus::DoneLate)
    );
    let waiting = apply(
        None,
        ItemStep::Drafted(&item("power-lists", Some("2026-03-02"))),
    )
    .unwrap();
    assert_eq!(
        waiting.clock_status(&cal, d("2026-03-20"), 1),
        Some(ClockStatus::Overdue)
    );
    let no_deadline = published("ppp", None, "2026-10-12");
    assert_eq!(no_deadline.clock_status(&cal, d("2026-11-01"), 1), None);
    let rates = on_time_rates(
        &[on_time, late, waiting, no_deadline],
        &cal,
        d("2026-11-01"),
        1,
    );
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].unit, "DH");
    assert_eq!(rates[0].kind, "disclosure");
    assert_eq!(
        (
            rates[0].clocks,
            rates[0].done_on_time,
            rates[0].done_late,
            rates[0].overdue
        ),
        (3, 1, 1, 1)
    );
    assert!((rates[0].on_time_rate.unwrap() - 1.0 / 3.0).abs() < 1e-9);
}

#[test]
fn nothing_is_public_without_a_sign_off_by_another_person() {
    let draft = apply(None, ItemStep::Drafted(&item("ppp", None))).unwrap();
    assert!(!draft.is_public());
    let n = IndexNo::parse("11370100/2026-00001").unwrap();
    let mut own = approve("2026-10-12");
    own.by = "user:clerk".into();
    assert!(
        apply(
            Some(draft.clone()),
            ItemStep::SignedOff {
                sign_off: &own,
                index_no: Some(&n)
            }
        )
        .unwrap_err()
        .contains("起草人以外")
    );
    assert!(
        apply(
            Some(draft.clone()),
            ItemStep::SignedOff {
                sign_off: &approve("2026-10-12"),
                index_no: None
            }
        )
        .unwrap_err()
        .contains("索引号")
    );
    let mut hit = approve("2026-10-12");
    hit.hits = policy().negative_hits(&["国家秘密"]);
    assert!(
        apply(
            Some(draft.clone()),
            ItemStep::SignedOff {
                sign_off: &hit,
                index_no: Some(&n)
            }
        )
        .unwrap_err()
        .contains("负面清单")
    );
    // Returned, redrafted, approved.
    let mut back = hit.clone();
    back.approved = false;
    let returned = apply(
        Some(draft),
        ItemStep::SignedOff {
            sign_off: &back,
            index_no: None,
        },
    )
    .unwrap();
    assert_eq!(returned.status, ItemStatus::Returned);
    assert!(!returned.is_public());
    let redrafted = apply(Some(returned), ItemStep::Drafted(&item("ppp", None))).unwrap();
    assert_eq!(redrafted.status, ItemStatus::Draft);
    let public = apply(
        Some(redrafted),
        ItemStep::SignedOff {
            sign_off: &approve("2026-10-12"),
            index_no: Some(&n),
        },
    )
    .unwrap();
    assert!(public.is_public());
    assert_eq!(public.reviews.len(), 2);
    assert_eq!(public.published_on, Some(d("2026-10-12")));
    assert!(
        apply(
            Some(public),
            ItemStep::SignedOff {
                sign_off: &approve("2026-10-13"),
                index_no: Some(&n)
            }
        )
        .is_err(),
        "signed off once"
    );
}

#[test]
fn only_active_disclosure_reaches_the_catalogue() {
    let mut i = item("ppp", None);
    i.openness = Openness::OnRequest;
    let s = apply(None, ItemStep::Drafted(&i)).unwrap();
    let n = IndexNo::parse("11370100/2026-00001").unwrap();
    let s = apply(
        Some(s),
        ItemStep::SignedOff {
            sign_off: &approve("2026-10-12"),
            index_no: Some(&n),
        },
    )
    .unwrap();
    assert!(!s.is_public());
}

#[test]
fn cleanup_decisions_end_a_normative_document_once() {
    let s = published("normative-documents", None, "2026-03-02");
    let c = Cleanup {
        decision: "废止".into(),
        validity: Validity::Repealed,
        reason: "上位法已修改".into(),
        on: d("2026-11-02"),
        by: "user:office".into(),
    };
    let s = apply(Some(s), ItemStep::Cleaned(&c)).unwrap();
    assert_eq!(s.validity, Validity::Repealed);
    assert!(
        apply(Some(s), ItemStep::Cleaned(&c))
            .unwrap_err()
            .contains("废止")
    );
}

#[test]
fn comments_are_taken_in_the_window_and_the_summary_after_it() {
    let mut i = item("decision-consultation", None);
    i.comment_until = Some(d("2026-10-30"));
    let s = apply(None, ItemStep::Drafted(&i)).unwrap();
    let n = IndexNo::parse("11370100/2026-00001").unwrap();
    let s = apply(
        Some(s),
        ItemStep::SignedOff {
            sign_off: &approve("2026-10-12"),
            index_no: Some(&n),
        },
    )
    .unwrap();
    let c = |on: &str| Comment {
        id: format!("C-{on}"),
        received_on: d(on),
        channel: "网站".into(),
        text: "建议延长过渡期".into(),
    };
    assert!(apply(Some(s.clone()), ItemStep::Commented(&c("2026-10-11"))).is_err());
    let s = apply(Some(s), ItemStep::Commented(&c("2026-10-30"))).unwrap();
    assert!(apply(Some(s.clone()), ItemStep::Commented(&c("2026-10-31"))).is_err());
    let a = |on: &str| Adoption {
        adopted: "采纳延长过渡期的建议".into(),
        not_adopted: "无".into(),
        on: d(on),
        by: "user:office".into(),
    };
    assert!(apply(Some(s.clone()), ItemStep::Adopted(&a("2026-10-30"))).is_err());
    let s = apply(Some(s), ItemStep::Adopted(&a("2026-11-02"))).unwrap();
    assert_eq!(s.comments.len(), 1);
    assert!(apply(Some(s), ItemStep::Adopted(&a("2026-11-03"))).is_err());
}

#[test]
fn search_matches_every_word() {
    let s = published("policy-interpretation", Some("2026-09-30"), "2026-10-10");
    assert!(matches(&s, "信用 道路运输"));
    assert!(matches(&s, "11370100/2026-00001"));
    assert!(matches(&s, "东交〔2026〕12号"));
    assert!(!matches(&s, "信用 出租"));
}

// ---------------------------------------------------------------------------------------------
// The annual report

fn fact(t: ApplicantType, rec: i32, closed: Option<(i32, &str)>) -> RequestFact {
    RequestFact {
        applicant: t,
        received_year: rec,
        closed_year: closed.map(|c| c.0),
        outcome: closed.map(|c| c.1.to_string()),
    }
}

#[test]
fn the_table_has_every_official_row_in_order() {
    let t = request_table(2026, &[]).unwrap();
    assert_eq!(t.columns, COLUMNS.map(String::from).to_vec());
    let labels: Vec<&str> = t.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels.len(), 2 + 21 + 1 + 1);
    assert_eq!(labels[0], "一、本年新收政府信息公开申请数量");
    assert_eq!(labels[1], "二、上年结转政府信息公开申请数量");
    assert_eq!(labels[2], "（一）予以公开");
    assert_eq!(
        labels[3],
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    );
    assert_eq!(labels[4], "（三）不予公开/1.属于国家秘密");
    assert_eq!(labels[11], "（三）不予公开/8.属于行政查询事项");
    assert_eq!(labels[12], "（四）无法提供/1.本机关不掌握相关政府信息");
    assert_eq!(labels[15], "（五）不予处理/1.信访举报投诉类申请");
    assert_eq!(
        labels[19],
        "（五）不予处理/5.要求行政机关确认或重新出具已获取信息"
    );
    assert_eq!(
        labels[20],
        "（六）其他处理/1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    );
    assert_eq!(labels[22], "（六）其他处理/3.其他");
    assert_eq!(labels[23], "（七）总计");
    assert_eq!(labels[24], "四、结转下年度继续办理");
    assert!(
        t.rows.iter().all(|r| r.values == [0; 7]),
        "an empty year is zeros"
    );
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["year"], 2026);
    assert_eq!(json["columns"].as_array().unwrap().len(), 7);
    assert_eq!(json["rows"][0]["values"].as_array().unwrap().len(), 7);
}

#[test]
fn a_year_of_requests_is_counted_per_applicant_type() {
    use ApplicantType::*;
    let facts = vec![
        // From 2025, closed in 2026 (上年结转).
        fact(NaturalPerson, 2025, Some((2026, "予以公开"))),
        fact(Commercial, 2025, Some((2026, "部分公开"))),
        // From 2025, still open at the end of 2026 (上年结转 and 结转下年度).
        fact(LegalService, 2025, None),
        // Closed in 2025: not in 2026 at all.
        fact(NaturalPerson, 2025, Some((2025, "予以公开"))),
        // New in 2026.
        fact(NaturalPerson, 2026, Some((2026, "予以公开"))),
        fact(NaturalPerson, 2026, Some((2026, "属于国家秘密"))),
        fact(Research, 2026, Some((2026, "本机关不掌握相关政府信息"))),
        fact(Welfare, 2026, Some((2026, "重复申请"))),
        fact(Other, 2026, Some((2026, "（六）其他处理/3.其他"))),
        fact(Commercial, 2026, Some((2027, "予以公开"))),
        fact(NaturalPerson, 2026, None),
        // New in 2027: not in 2026.
        fact(NaturalPerson, 2027, None),
    ];
    let t = request_table(2026, &facts).unwrap();
    let row = |l: &str| t.row(l).unwrap().values;
    assert_eq!(row(ROW_NEW), [3, 1, 1, 1, 0, 1, 7]);
    assert_eq!(row(ROW_CARRIED_IN), [1, 1, 0, 0, 1, 0, 3]);
    assert_eq!(row("（一）予以公开"), [2, 0, 0, 0, 0, 0, 2]);
    assert_eq!(*t.result("部分公开").unwrap(), [0, 1, 0, 0, 0, 0, 1]);
    assert_eq!(*t.result("属于国家秘密").unwrap(), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(
        *t.result("本机关不掌握相关政府信息").unwrap(),
        [0, 0, 1, 0, 0, 0, 1]
    );
    assert_eq!(*t.result("重复申请").unwrap(), [0, 0, 0, 1, 0, 0, 1]);
    assert_eq!(*t.result("其他").unwrap(), [0, 0, 0, 0, 0, 1, 1]);
    assert_eq!(row(ROW_TOTAL), [3, 1, 1, 1, 0, 1, 7]);
    assert_eq!(row(ROW_CARRIED_OUT), [1, 1, 0, 0, 1, 0, 3]);
    check_identity(&t).unwrap();
    // Next year starts from what this one carried out.
    let next = request_table(2027, &facts).unwrap();
    assert_eq!(
        next.row(ROW_CARRIED_IN).unwrap().values,
        row(ROW_CARRIED_OUT)
    );
}

#[test]
fn bad_facts_and_broken_tables_are_refused() {
    use ApplicantType::*;
    let e =
        request_table(2026, &[fact(NaturalPerson, 2026, Some((2025, "予以公开")))]).unwrap_err();
    assert!(e.to_string().contains("早于"), "{e}");
    let e =
        request_table(2026, &[fact(NaturalPerson, 2026, Some((2026, "不予公开")))]).unwrap_err();
    assert!(e.to_string().contains("不予公开"), "{e}");
    let mut t = request_table(2026, &[fact(Commercial, 2026, None)]).unwrap();
    let last = t.rows.len() - 1;
    t.rows[last].values = [0; 7];
    let e = check_identity(&t).unwrap_err();
    assert!(matches!(e, ReportError::Identity { .. }), "{e}");
    assert!(e.to_string().contains("商业企业"), "{e}");
}

fn arb_fact() -> impl Strategy<Value = RequestFact> {
    (
        0usize..6,
        2024i32..2028,
        proptest::option::of((0i32..3, 0usize..RESULT_ROWS.len())),
    )
        .prop_map(|(t, rec, closed)| RequestFact {
            applicant: ApplicantType::ALL[t],
            received_year: rec,
            closed_year: closed.map(|(after, _)| rec + after),
            outcome: closed.map(|(_, r)| RESULT_ROWS[r].outcome.to_string()),
        })
}

proptest! {
    #[test]
    fn the_identity_holds_for_any_consistent_facts(
        facts in proptest::collection::vec(arb_fact(), 0..60),
        year in 2024i32..2029,
    ) {
        let t = request_table(year, &facts).unwrap();
        check_identity(&t).unwrap();
        let prev = request_table(year - 1, &facts).unwrap();
        prop_assert_eq!(
            &prev.row(ROW_CARRIED_OUT).unwrap().values,
            &t.row(ROW_CARRIED_IN).unwrap().values
        );
        let new_total: u64 = facts.iter().filter(|f| f.received_year == year).count() as u64;
        prop_assert_eq!(t.row(ROW_NEW).unwrap().values[6], new_total);
    }
}

#[test]
fn part_two_counts_the_catalogue_and_the_register() {
    let p = policy();
    let doc = published("normative-documents", None, "2026-03-02");
    let mut old = published("normative-documents", None, "2026-03-02");
    old.published_on = Some(d("2025-05-06"));
    old.cleanups.push(Cleanup {
        decision: "废止".into(),
        validity: Validity::Repealed,
        reason: "清理".into(),
        on: d("2026-11-02"),
        by: "user:office".into(),
    });
    old.validity = Validity::Repealed;
    let ppp = published("ppp", None, "2026-04-01");
    let draft = apply(None, ItemStep::Drafted(&item("ppp", None))).unwrap();
    let a = active_stats(p, &[doc, old, ppp, draft], 2026, Vec::new());
    assert_eq!(a.documents[0].label, "规章");
    assert_eq!(
        (
            a.documents[1].issued,
            a.documents[1].repealed,
            a.documents[1].in_force
        ),
        (1, 1, 1)
    );
    assert_eq!(a.total_published, 2);
    let ppp_row = a.by_column.iter().find(|c| c.column == "PPP").unwrap();
    assert_eq!((ppp_row.category.as_str(), ppp_row.count), ("服务公开", 1));
    let r = annual_report(
        "东湖市交通运输局",
        a,
        request_table(2026, &[]).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(r.reviews, vec![0; 15]);
    assert!(r.reviews_note.contains("为 0"));
    assert!(
        r.overview.contains("主动公开政府信息 2 条"),
        "{}",
        r.overview
    );
}
