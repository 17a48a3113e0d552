use super::*;

/// A valid USCC of a government body: `prefix` (11/12/13), division 990100, an org body.
pub(crate) fn government_uscc(prefix: &str, org_body9: &str) -> Uscc {
    let body = &org_body9[..8];
    let org = format!("{body}{}", crate::ident::org_code_check_char(body).unwrap());
    let first17 = format!("{prefix}990100{org}");
    Uscc::parse(&format!(
        "{first17}{}",
        crate::ident::uscc_check_char(&first17).unwrap()
    ))
    .unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn record(category: &str, sanction: Option<&str>, decided: &str) -> IntegrityState {
    let policy = IntegrityPolicy::builtin();
    let cat = policy.category(category).unwrap();
    IntegrityState {
        record: IntegrityRecord {
            id: "R1".into(),
            subject_id: "S1".into(),
            archive: cat.applies_to[0],
            name: "张三".into(),
            code: "11010519491231002X".into(),
            unit: Some("示范市交通运输局".into()),
            post: Some("科长".into()),
            category: cat.id.clone(),
            nature: cat.nature,
            sanction: sanction.map(str::to_string),
            doc_no: "示纪〔2026〕3号".into(),
            decided_on: d(decided),
            deciding_unit: "示范市纪委监委".into(),
            facts: "违反工作纪律".into(),
            basis: "《公职人员政务处分法》第三十九条".into(),
            source: "test".into(),
        },
        tolerance: None,
    }
}

#[test]
fn the_policy_loads_and_names_the_periods_of_effect() {
    let p = IntegrityPolicy::builtin();
    let discipline = p.category("纪律处分").unwrap();
    assert_eq!(discipline.applies_to, vec![ArchiveKind::CivilServant]);
    let months = |n: &str| {
        discipline
            .sanctions
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .months
    };
    assert_eq!(months("警告"), Some(6));
    assert_eq!(months("记过"), Some(12));
    assert_eq!(months("记大过"), Some(18));
    assert_eq!(months("撤职"), Some(24));
    assert_eq!(months("开除"), None);
    assert!(p.is_personnel_point(DecisionPoint::Hiring));
    assert!(p.is_personnel_point(DecisionPoint::Promotion));
    assert!(!p.is_personnel_point(DecisionPoint::Tendering));
    let bad =
        DEFAULT_INTEGRITY_TOML.replace("categories = [\"discipline\",", "categories = [\"nope\",");
    assert!(
        IntegrityPolicy::from_toml(&bad)
            .unwrap_err()
            .contains("nope")
    );
}

#[test]
fn a_warning_restricts_hiring_for_six_months_and_cites_the_record() {
    let p = IntegrityPolicy::builtin();
    let s = record("discipline", Some("警告"), "2026-03-10");
    assert_eq!(s.effect_until(p), Some(d("2026-09-09")));
    let r = reasons(
        std::slice::from_ref(&s),
        p,
        DecisionPoint::Hiring,
        d("2026-09-09"),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].effect, Effect::Restrict);
    assert!(r[0].entry_basis.contains("示纪〔2026〕3号"));
    assert!(r[0].legal_basis.contains("政务处分法"));
    assert!(
        reasons(
            std::slice::from_ref(&s),
            p,
            DecisionPoint::Hiring,
            d("2026-09-10")
        )
        .is_empty()
    );
    // Not before it was decided, and not at a decision point the rules do not name.
    assert!(
        reasons(
            std::slice::from_ref(&s),
            p,
            DecisionPoint::Hiring,
            d("2026-03-09")
        )
        .is_empty()
    );
    assert!(
        reasons(
            std::slice::from_ref(&s),
            p,
            DecisionPoint::Tendering,
            d("2026-04-01")
        )
        .is_empty()
    );
    // 开除 is permanent.
    let s = record("discipline", Some("开除"), "2020-01-01");
    assert_eq!(s.effect_until(p), None);
    assert!(s.in_effect_on(p, d("2030-01-01")));
}

#[test]
fn an_approved_tolerance_finding_keeps_the_act_out_of_the_dishonesty_record() {
    let p = IntegrityPolicy::builtin();
    let mut s = record("discipline", Some("记过"), "2026-03-10");
    s.tolerance = Some(Tolerance {
        reasons: "改革创新中的探索性失误，未谋取私利".into(),
        basis: "《关于建立容错纠错机制的意见》".into(),
        evidence: vec![],
        proposed_by: "a".into(),
        reviewed_by: None,
        decided_on: None,
        approved: false,
    });
    assert!(s.counts_as_dishonest(), "only an approved finding counts");
    s.tolerance.as_mut().unwrap().approved = true;
    assert!(!s.counts_as_dishonest());
    assert!(reasons(&[s], p, DecisionPoint::Hiring, d("2026-04-01")).is_empty());
}

#[test]
fn department_codes_carry_registration_authority_one() {
    for prefix in ["11", "12", "13"] {
        let u = government_uscc(prefix, "MB0000017");
        assert!(check_department_code(&u).is_ok(), "{u}");
    }
    let company = Uscc::parse("91110000600037341L").unwrap();
    assert!(
        check_department_code(&company)
            .unwrap_err()
            .contains("11、12 或 13")
    );
}
