use super::*;
use crate::evaluation::{EvalResult, EvalRun, Score};
use crate::ledger::EventPayload;
use chrono::NaiveDate;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn result(run: &str, subject: &str, grade: &str) -> EvalResult {
    EvalResult {
        id: format!("{run}/{subject}"),
        run_id: run.into(),
        model_id: "js-road-transport".into(),
        model_version: 1,
        model_title: "道路运输经营者信用评价".into(),
        example: false,
        period: "2025".into(),
        subject_id: subject.into(),
        subject_name: format!("企业{subject}"),
        natural_person: false,
        subject_code: Some(format!("CODE{subject}")),
        base_score: Score::from_int(100),
        score: Score::from_int(90),
        points: Some(Score::ZERO),
        grade: Some(grade.into()),
        band: String::new(),
        explanation: String::new(),
        lines: vec![],
        previous_grade: None,
        as_of: d(2025, 12, 31),
    }
}

fn inputs(subjects: usize, inspectors: usize) -> DrawInputs {
    let mut i = DrawInputs::default();
    let mut seq = 0;
    let mut apply = |i: &mut DrawInputs, p: EventPayload| {
        seq += 1;
        i.apply(seq, &p);
    };
    apply(
        &mut i,
        EventPayload::EvalRunProposed {
            run: EvalRun {
                id: "R1".into(),
                model_id: "js-road-transport".into(),
                model_version: 1,
                model_title: String::new(),
                period: "2025".into(),
                as_of: d(2025, 12, 31),
                unit: "DH".into(),
                valid_months: 12,
                subjects: subjects as u64,
                ungraded: 0,
            },
        },
    );
    let grades = ["AA", "A", "B", "C", "D"];
    for n in 0..subjects {
        apply(
            &mut i,
            EventPayload::EvalResultProposed {
                result: result("R1", &format!("S{n:05}"), grades[n % 5]),
            },
        );
    }
    apply(
        &mut i,
        EventPayload::EvalRunPublished {
            run_id: "R1".into(),
            on: d(2026, 1, 10),
            valid_until: d(2027, 1, 9),
            supervising_unit: None,
            sharing_units: vec![],
        },
    );
    apply(
        &mut i,
        EventPayload::InspectorPoolSet {
            unit: "DH".into(),
            inspectors: (0..inspectors)
                .map(|k| Inspector {
                    id: format!("DH-{k:02}"),
                    name: format!("检查员{k}"),
                    unit: "DH-ZF".into(),
                    avoid_code: (k == 0).then(|| "CODES00003".to_string()),
                })
                .collect(),
        },
    );
    i
}

fn req(seed: &[u8]) -> DrawRequest<'_> {
    DrawRequest {
        id: "D1".into(),
        quarter: Quarter::parse("2026-Q4").unwrap(),
        unit: "DH".into(),
        seed,
        snapshot_seq: 10,
        drawn_on: d(2026, 10, 8),
    }
}

#[test]
fn quarters_parse_strictly() {
    let q = Quarter::parse("2026-Q4").unwrap();
    assert_eq!(q.first_day(), d(2026, 10, 1));
    assert_eq!(q.last_day(), d(2026, 12, 31));
    assert_eq!(
        Quarter::parse("2026-Q1").unwrap().last_day(),
        d(2026, 3, 31)
    );
    assert_eq!(Quarter::of(d(2026, 5, 1)).to_string(), "2026-Q2");
    for bad in ["2026Q4", "2026-Q5", "2026-Q0", "26-Q1", "2026-q4", ""] {
        assert!(Quarter::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_random_numbers_follow_the_published_recipe() {
    // SHA-256(seed ‖ k as 8-byte big-endian), first 8 bytes big-endian: computable by anyone.
    let seed = decode_seed("000102030405060708090a0b0c0d0e0f").unwrap();
    let mut s = SeedStream::new(&seed);
    let mut bytes = seed.clone();
    bytes.extend_from_slice(&0u64.to_be_bytes());
    let digest = crate::canonical::sha256_hex(&bytes);
    assert_eq!(format!("{:016x}", s.next_u64()), digest[..16]);
    assert!(decode_seed("abc").is_err());
    assert!(decode_seed("00").is_err(), "too short");
}

#[test]
fn the_same_seed_and_inputs_give_the_same_draw_and_a_changed_seed_does_not() {
    let policy = InspectionPolicy::builtin();
    let inputs = inputs(500, 8);
    let seed = [7u8; 32];
    let a = draw(&req(&seed), policy, &inputs).unwrap();
    let b = draw(&req(&seed), policy, &inputs).unwrap();
    assert_eq!(a, b);
    assert_eq!(first_difference(&a, &b), None);
    let other = [8u8; 32];
    let c = draw(&req(&other), policy, &inputs).unwrap();
    let diff = first_difference(&a, &c).expect("a different seed gives a different draw");
    assert!(diff.contains("任务不同"), "{diff}");
    // A tampered seed no longer matches its committed hash.
    let mut tampered = a.clone();
    tampered.seed = hex::encode(other);
    assert!(first_difference(&tampered, &a).unwrap().contains("种子"));
}

#[test]
fn grades_are_sampled_by_their_ratios() {
    let policy = InspectionPolicy::builtin();
    let inputs = inputs(500, 8);
    let rec = draw(&req(&[1u8; 16]), policy, &inputs).unwrap();
    let count = |g: &str| {
        rec.tasks
            .iter()
            .filter(|t| t.grade.as_deref() == Some(g))
            .count()
    };
    // 100 of each grade; per quarter: ⌈100 × p / 100 / 4⌉.
    assert_eq!(count("AA"), 1);
    assert_eq!(count("A"), 2);
    assert_eq!(count("B"), 3);
    assert_eq!(count("C"), 8);
    assert_eq!(count("D"), 25);
    let ids: std::collections::HashSet<&String> = rec.tasks.iter().map(|t| &t.subject_id).collect();
    assert_eq!(ids.len(), rec.tasks.len(), "no subject twice");
    for t in &rec.tasks {
        assert_eq!(t.inspectors.len(), 2);
        assert_ne!(t.inspectors[0], t.inspectors[1]);
        if t.code.as_deref() == Some("CODES00003") {
            assert!(!t.inspectors.contains(&"DH-00".to_string()), "回避");
        }
    }
}

#[test]
fn inspectors_of_the_last_draw_are_not_sent_again_and_a_small_pool_is_refused() {
    let policy = InspectionPolicy::builtin();
    let mut inputs = inputs(100, 4);
    let first = draw(&req(&[3u8; 16]), policy, &inputs).unwrap();
    inputs.apply(
        100,
        &EventPayload::InspectionDrawn {
            draw: first.clone(),
        },
    );
    let second = draw(&req(&[3u8; 16]), policy, &inputs).unwrap();
    for t in &second.tasks {
        if let Some(prev) = first.tasks.iter().find(|p| p.subject_id == t.subject_id) {
            assert!(t.inspectors.iter().all(|i| !prev.inspectors.contains(i)));
        }
    }
    let small = self::inputs(100, 1);
    let e = draw(&req(&[3u8; 16]), policy, &small).unwrap_err();
    assert!(matches!(e, DrawError::PoolTooSmall { .. }), "{e}");
}

#[test]
fn every_blacklisted_subject_is_in_the_quarters_plan() {
    let policy = InspectionPolicy::builtin();
    let mut inputs = inputs(40, 6);
    let entry = |id: &str, subject: &str, on: NaiveDate| crate::listing::ListEntry {
        id: id.into(),
        list: crate::lists::NameList::Black,
        subject_id: Some(subject.into()),
        name: format!("失信{subject}"),
        code: None,
        item_id: "P-BLACK".into(),
        policy_version: 1,
        basis: String::new(),
        deciding_unit: "DH".into(),
        entry_date: on,
        valid_until: None,
        source_records: vec![],
        explanation: String::new(),
    };
    for (n, (id, subject)) in [("E1", "X1"), ("E2", "X2"), ("E3", "S00000")]
        .iter()
        .enumerate()
    {
        inputs.apply(
            200 + n as i64 * 2,
            &EventPayload::ListEntryProposed {
                entry: entry(id, subject, d(2026, 5, 1)),
                by: "t".into(),
            },
        );
        inputs.apply(
            201 + n as i64 * 2,
            &EventPayload::ListEntryPublished {
                entry_id: id.to_string(),
                on: d(2026, 5, 2),
            },
        );
    }
    // Ended before the quarter: not in the plan.
    inputs.apply(
        300,
        &EventPayload::ListEntryEnded {
            entry_id: "E2".into(),
            reason: crate::listing::EndReason::Repaired,
            on: d(2026, 9, 1),
            note: None,
        },
    );
    let rec = draw(&req(&[5u8; 16]), policy, &inputs).unwrap();
    let x1 = rec
        .tasks
        .iter()
        .find(|t| t.subject_id == "X1")
        .expect("X1 planned");
    assert_eq!(x1.item_id, "SC-SERIOUS");
    assert!(x1.reason.contains("黑名单"));
    assert!(rec.tasks.iter().all(|t| t.subject_id != "X2"));
    let s0: Vec<_> = rec
        .tasks
        .iter()
        .filter(|t| t.subject_id == "S00000")
        .collect();
    assert_eq!(
        s0.len(),
        1,
        "a listed subject drawn by grade is not planned twice"
    );
    assert!(s0[0].reason.contains("黑名单"));
}

#[test]
fn the_shipped_item_list_loads() {
    let p = InspectionPolicy::builtin();
    assert!(p.items.len() >= 3);
    assert_eq!(
        p.item("SC-ROAD-OPERATOR").unwrap().ratio("D"),
        Some(Score::from_int(100))
    );
    let bad = DEFAULT_INSPECTION_TOML.replace("item_id = \"SC-SERIOUS\"", "item_id = \"NOPE\"");
    assert!(InspectionPolicy::from_toml(&bad).is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any population and seed: each grade contributes exactly its ratio's share, nobody is
        /// drawn twice, every task has two different inspectors, and the draw is a function of
        /// seed and inputs.
        #[test]
        fn draws_take_the_ratio_and_repeat_exactly(n in 1usize..400, seed in proptest::collection::vec(any::<u8>(), 16..64)) {
            let policy = InspectionPolicy::builtin();
            let inputs = inputs(n, 5);
            let a = draw(&req(&seed), policy, &inputs).unwrap();
            prop_assert_eq!(&a, &draw(&req(&seed), policy, &inputs).unwrap());
            let item = policy.item("SC-ROAD-OPERATOR").unwrap();
            for (g, grade) in ["AA", "A", "B", "C", "D"].iter().enumerate() {
                let in_grade = (0..n).filter(|k| k % 5 == g).count();
                let want = item.sample_size(in_grade, item.ratio(grade).unwrap());
                let got = a.tasks.iter().filter(|t| t.grade.as_deref() == Some(*grade)).count();
                prop_assert_eq!(got, want, "grade {}", grade);
            }
            let ids: std::collections::HashSet<&String> = a.tasks.iter().map(|t| &t.subject_id).collect();
            prop_assert_eq!(ids.len(), a.tasks.len());
            for t in &a.tasks {
                prop_assert_eq!(t.inspectors.len(), 2);
                prop_assert_ne!(&t.inspectors[0], &t.inspectors[1]);
            }
        }

        #[test]
        fn quarter_parsing_never_panics(text in "\\PC{0,10}") {
            let _ = Quarter::parse(&text);
        }

        #[test]
        fn below_stays_below(seed in proptest::collection::vec(any::<u8>(), 16..32), n in 1u64..1_000_000) {
            let mut s = SeedStream::new(&seed);
            for _ in 0..20 {
                prop_assert!(s.below(n) < n);
            }
        }
    }
}
