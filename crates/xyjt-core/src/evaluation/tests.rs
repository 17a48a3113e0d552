use super::*;
use proptest::prelude::*;

fn model(id: &str) -> &'static EvalModel {
    ModelSet::builtin().get(id).expect("shipped model")
}

fn s(text: &str) -> Score {
    Score::parse(text).unwrap()
}

fn grade(
    id: &str,
    score: &str,
    points: Option<&str>,
    prev: Option<&str>,
) -> Result<String, GradeError> {
    model(id)
        .grade(s(score), points.map(s), prev)
        .map(|g| g.grade)
}

#[test]
fn the_shipped_models_load_and_cover_the_issue() {
    let set = ModelSet::builtin();
    for id in [
        "highway-construction",
        "js-road-transport",
        "road-transport-practitioner",
    ] {
        assert!(set.get(id).is_some(), "{id} missing");
    }
    // Scoring items the documents do not fix are marked 示例.
    assert!(set.models.iter().flat_map(|m| &m.items).all(|i| i.example));
}

#[test]
fn highway_construction_band_edges() {
    let m = "highway-construction";
    for (score, want) in [
        ("100", "AA"),
        ("95", "AA"),
        ("94.99", "A"),
        ("85", "A"),
        ("84.99", "B"),
        ("75", "B"),
        ("74.99", "C"),
        ("60", "C"),
        ("59.99", "D"),
        ("0", "D"),
    ] {
        assert_eq!(grade(m, score, None, None).unwrap(), want, "score {score}");
    }
}

#[test]
fn highway_construction_rises_at_most_one_level() {
    let m = "highway-construction";
    assert_eq!(grade(m, "98", None, Some("B")).unwrap(), "A");
    assert_eq!(grade(m, "98", None, Some("D")).unwrap(), "C");
    assert_eq!(grade(m, "98", None, Some("A")).unwrap(), "AA");
    assert_eq!(grade(m, "90", None, Some("C")).unwrap(), "B");
    // Falling is not limited.
    assert_eq!(grade(m, "50", None, Some("AA")).unwrap(), "D");
    let g = model(m).grade(s("98"), None, Some("B")).unwrap();
    assert!(g.explanation.contains("至多上升 1 级"), "{}", g.explanation);
    assert!(matches!(
        model(m).grade(s("98"), None, Some("E")),
        Err(GradeError::UnknownGrade { .. })
    ));
}

#[test]
fn js_road_transport_band_edges_and_points() {
    let m = "js-road-transport";
    for (score, points, want) in [
        ("100", "0", "AA"),
        ("90", "0", "AA"),
        ("89.99", "0", "A"),
        ("80", "0", "A"),
        ("79.99", "0", "B"),
        ("60", "0", "B"),
        ("60", "50", "B"),
        ("59.99", "19.99", "B"),
        ("40", "19", "B"),
        ("59.99", "20", "C"),
        ("40", "20", "C"),
        ("39.99", "20", "D"),
        ("0", "100", "D"),
    ] {
        assert_eq!(
            grade(m, score, Some(points), None).unwrap(),
            want,
            "score {score} points {points}"
        );
    }
    // Above 60 the points do not matter, so they need not be given.
    assert_eq!(grade(m, "85", None, None).unwrap(), "A");
    // Between 40 and 60 they decide, so they must be given.
    assert!(matches!(
        grade(m, "50", None, None),
        Err(GradeError::PointsNeeded { .. })
    ));
    // Below 40 with fewer than 20 points: the rule does not say; refused, not guessed.
    let e = grade(m, "39", Some("10"), None).unwrap_err();
    assert!(matches!(e, GradeError::NotCovered { .. }), "{e}");
    assert!(e.to_string().contains("不作推测"));
    // No rise limit in this model.
    assert_eq!(grade(m, "95", Some("0"), Some("D")).unwrap(), "AA");
}

#[test]
fn out_of_range_is_refused_with_a_reason() {
    for id in ["highway-construction", "js-road-transport"] {
        let e = grade(id, "100.01", Some("0"), None).unwrap_err();
        assert!(e.to_string().contains("超出"), "{e}");
        let e = grade(id, "-0.01", Some("0"), None).unwrap_err();
        assert!(matches!(e, GradeError::ScoreOutOfRange { .. }));
    }
    let e = grade("js-road-transport", "50", Some("-1"), None).unwrap_err();
    assert!(matches!(e, GradeError::NegativePoints { .. }));
}

#[test]
fn a_consortium_takes_its_lowest_members_grade() {
    let m = model("highway-construction");
    assert_eq!(m.consortium_grade(&["AA", "B", "A"]).unwrap().grade, "B");
    assert_eq!(m.consortium_grade(&["AA"]).unwrap().grade, "AA");
    assert!(matches!(
        m.consortium_grade(&[]),
        Err(GradeError::NoMembers)
    ));
    assert!(matches!(
        m.consortium_grade(&["AA", "X"]),
        Err(GradeError::UnknownGrade { .. })
    ));
    assert!(matches!(
        model("js-road-transport").consortium_grade(&["AA"]),
        Err(GradeError::NoConsortiumRule(_))
    ));
}

#[test]
fn overlapping_bands_are_refused_when_loading() {
    let text = DEFAULT_EVALUATION_TOML.replace(
        "{ grade = \"A\", score_min = 85, score_below = 95 }",
        "{ grade = \"A\", score_min = 85, score_below = 95.5 }",
    );
    assert_ne!(text, DEFAULT_EVALUATION_TOML);
    let e = ModelSet::from_toml(&text).unwrap_err();
    assert!(e.contains("同时落在"), "{e}");
    let e = ModelSet::from_toml(
        &DEFAULT_EVALUATION_TOML
            .replace("basis = \"苏交规〔2024〕2号（示例分值）\"", "basis = \"\""),
    )
    .unwrap_err();
    assert!(e.contains("缺少依据"), "{e}");
}

proptest! {
    #[test]
    fn highway_construction_grades_every_score_in_range(h in 0i64..=10_000) {
        let g = model("highway-construction").grade(Score(h), None, None).unwrap();
        let want = match h { 9500.. => "AA", 8500.. => "A", 7500.. => "B", 6000.. => "C", _ => "D" };
        prop_assert_eq!(g.grade, want);
    }

    #[test]
    fn js_road_transport_refuses_only_what_it_does_not_define(h in 0i64..=10_000, p in 0i64..5_000) {
        let r = model("js-road-transport").grade(Score(h), Some(Score(p)), None);
        let want = match (h, p) {
            (9000.., _) => Some("AA"),
            (8000.., _) => Some("A"),
            (6000.., _) => Some("B"),
            (4000.., ..2000) => Some("B"),
            (4000.., _) => Some("C"),
            (_, 2000..) => Some("D"),
            _ => None,
        };
        prop_assert_eq!(r.ok().map(|g| g.grade), want.map(str::to_string));
    }

    #[test]
    fn a_rise_is_never_more_than_one_level(h in 0i64..=10_000, prev in 0usize..5) {
        let m = model("highway-construction");
        let prev_grade = &m.grades[prev].grade;
        let g = m.grade(Score(h), None, Some(prev_grade)).unwrap();
        prop_assert!(m.rank(&g.grade).unwrap() + 1 >= prev);
    }
}

mod scoring {
    use super::*;
    use crate::record::Record;

    fn demo_records() -> Vec<(crate::subject::Subject, Vec<Record>)> {
        // The demo generator's subjects and records, folded.
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let mut subjects = std::collections::BTreeMap::new();
        let mut records: std::collections::BTreeMap<String, Record> = Default::default();
        for e in crate::demo::generate(today, 7) {
            match &e.payload {
                crate::ledger::EventPayload::SubjectRegistered { subject } => {
                    subjects.insert(subject.id.clone(), subject.clone());
                }
                p @ crate::ledger::EventPayload::RecordPublished { record_id, .. }
                | p @ crate::ledger::EventPayload::RecordCorrected { record_id, .. }
                | p @ crate::ledger::EventPayload::RecordRevoked { record_id, .. } => {
                    let before = records.remove(record_id);
                    if let Ok(Some(r)) = crate::ledger::fold_record(before, p) {
                        records.insert(record_id.clone(), r);
                    }
                }
                _ => {}
            }
        }
        subjects
            .into_values()
            .map(|s| {
                let rs = records
                    .values()
                    .filter(|r| r.subject_id == s.id)
                    .cloned()
                    .collect();
                (s, rs)
            })
            .collect()
    }

    #[test]
    fn every_line_names_its_fact_and_the_score_adds_up() {
        let m = model("js-road-transport");
        let period = Period::parse("2026").unwrap();
        let as_of = period.last_day();
        let mut scored = 0;
        for (subject, records) in demo_records() {
            if !applies(m, &subject, &records, period) {
                continue;
            }
            let facts = SubjectFacts {
                records,
                ..Default::default()
            };
            let r = score_subject(m, "RUN", period, as_of, &subject, &facts);
            scored += 1;
            let sum: Score = r.lines.iter().map(|l| l.points).sum();
            assert_eq!(
                r.score,
                (r.base_score + sum).clamp(m.min_score, m.max_score)
            );
            for l in &r.lines {
                assert!(!l.fact_id.is_empty() && !l.basis.is_empty());
                assert_eq!(l.fact_kind, "record");
                assert!(facts.records.iter().any(|x| x.id == l.fact_id));
            }
            if let Some(g) = &r.grade {
                let again = m.grade(r.score, r.points, None).unwrap();
                assert_eq!(&again.grade, g);
            }
        }
        assert!(
            scored > 5,
            "the demo has road transport operators ({scored})"
        );
    }

    #[test]
    fn caps_limit_an_item_and_are_explained() {
        let m = model("highway-construction");
        let item = m.items.iter().find(|i| i.id == "HC-PEN-WARN").unwrap();
        assert_eq!(item.cap, Some(Score::from_int(10)));
        let (subject, records) = demo_records()
            .into_iter()
            .find(|(s, _)| s.kind == crate::subject::PartyCategory::LegalPerson)
            .unwrap();
        // Seven warnings in one period: 2 points each, at most 10.
        let template = records
            .iter()
            .find(|r| matches!(r.body, crate::record::RecordBody::Penalty(_)))
            .cloned()
            .or_else(|| {
                demo_records()
                    .into_iter()
                    .flat_map(|(_, r)| r)
                    .find(|r| matches!(r.body, crate::record::RecordBody::Penalty(_)))
            })
            .unwrap();
        let mut many = Vec::new();
        for i in 0..7 {
            let mut r = template.clone();
            r.id = format!("W{i}");
            if let crate::record::RecordBody::Penalty(p) = &mut r.body {
                p.kinds = vec![crate::record::PenaltyKind::Warning];
                p.decision_date = chrono::NaiveDate::from_ymd_opt(2025, 3, 1 + i).unwrap();
            }
            many.push(r);
        }
        let facts = SubjectFacts {
            records: many,
            ..Default::default()
        };
        let r = score_subject(
            m,
            "RUN",
            Period::parse("2025").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            &subject,
            &facts,
        );
        let warn: Vec<&ScoreLine> = r
            .lines
            .iter()
            .filter(|l| l.item_id == "HC-PEN-WARN")
            .collect();
        assert_eq!(warn.len(), 7);
        let total: Score = warn.iter().map(|l| l.points).sum();
        assert_eq!(total, Score::from_int(-10));
        assert!(
            warn.last()
                .unwrap()
                .note
                .as_deref()
                .unwrap()
                .contains("上限")
        );
        assert_eq!(r.score, Score::from_int(90));
        assert_eq!(r.grade.as_deref(), Some("A"));
    }

    #[test]
    fn periods_parse_strictly() {
        assert_eq!(Period::parse("2025").unwrap().year, 2025);
        for bad in ["25", "2025-01", "abcd", "1999", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let until =
            EvalResult::valid_until(12, chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
        assert_eq!(until, chrono::NaiveDate::from_ymd_opt(2027, 3, 4).unwrap());
    }
}
