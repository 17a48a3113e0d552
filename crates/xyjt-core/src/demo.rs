//! The demo data set: a realistic, clearly fictional transport region (示范省, division codes
//! 99xxxx, which GB/T 2260 does not use) with enterprises, individual businesses and persons,
//! their licences and penalties over the two years before `today`, a few renames, corrections and
//! a revocation. Deterministic for a given seed; every identifier is valid.

use crate::calendar::Calendar;
use crate::ident::{CitizenId, Uscc, citizen_id_check_char, org_code_check_char, uscc_check_char};
use crate::ledger::{EventPayload, NewEvent};
use crate::money::WanYuan;
use crate::publicity::{PublicityPolicy, publication_for};
use crate::record::{LicenseKind, LicenseRecord, Party, PenaltyKind, PenaltyRecord, RecordBody};
use crate::subject::{PartyCategory, Subject};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::collections::HashSet;

/// splitmix64: tiny, fast, good enough to make fictional data reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }
}

const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A fictional region: city name, short name for document numbers, division code.
const CITIES: &[(&str, &str, &str)] = &[
    ("东湖市", "东", "990100"),
    ("西岭市", "西", "990200"),
    ("南川市", "南", "990300"),
    ("北原市", "北", "990400"),
    ("青山县", "青", "990521"),
];

const TRADE_NAMES: &[&str] = &[
    "长风",
    "顺达",
    "通远",
    "恒运",
    "安泰",
    "鑫源",
    "宏图",
    "金桥",
    "畅行",
    "捷达",
    "华运",
    "远航",
    "瑞丰",
    "永昌",
    "盛达",
    "汇通",
    "天成",
    "广源",
    "明珠",
    "新程",
    "中联",
    "宝通",
    "骏马",
    "飞鸿",
    "利民",
    "正道",
    "东方红",
    "大道",
    "千里",
    "万象",
    "祥和",
    "同舟",
    "凯旋",
    "润泽",
    "信达",
    "诚运",
];

const INDUSTRIES: &[&str] = &[
    "货运",
    "物流",
    "客运",
    "公交",
    "汽车维修",
    "驾驶员培训",
    "港航",
    "船务",
    "路桥工程",
    "出租汽车",
    "危险货物运输",
    "机动车检测",
    "交通建设工程",
    "冷链运输",
];

const FORMS: &[&str] = &["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "欧阳", "司马",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "建国", "志强", "海燕", "春梅", "国华", "小龙", "文博", "子涵", "浩然", "雨桐",
];

const SHOP_KINDS: &[&str] = &[
    "汽车修理店",
    "货运部",
    "运输服务部",
    "汽车美容店",
    "轮胎店",
    "搬家服务部",
];

/// (违法行为类型, 违法事实 template, 处罚依据, kinds, fine range in yuan)
type Violation = (
    &'static str,
    &'static str,
    &'static str,
    &'static [PenaltyKind],
    (i64, i64),
);

const VIOLATIONS: &[Violation] = &[
    (
        "超限超载运输",
        "车辆在{city}境内公路超限运输，经检测车货总质量超过限定标准",
        "《公路安全保护条例》第六十四条",
        &[PenaltyKind::Fine],
        (500, 30_000),
    ),
    (
        "未取得道路运输经营许可擅自从事道路运输经营",
        "当事人未取得道路运输经营许可，擅自从事道路旅客运输经营（非法营运）",
        "《中华人民共和国道路运输条例》第六十三条",
        &[PenaltyKind::Fine, PenaltyKind::ConfiscateIllegalGains],
        (10_000, 100_000),
    ),
    (
        "未按规定维护和检测运输车辆",
        "当事人未按规定对运输车辆进行维护和检测",
        "《中华人民共和国道路运输条例》第七十条",
        &[PenaltyKind::Fine],
        (1_000, 5_000),
    ),
    (
        "客运车辆超员",
        "客运车辆载客超过核定人数",
        "《道路旅客运输及客运站管理规定》第一百零二条",
        &[PenaltyKind::Fine],
        (1_000, 3_000),
    ),
    (
        "未按规定使用卫星定位装置",
        "重型载货汽车未按规定安装、使用符合标准的卫星定位装置",
        "《道路运输车辆动态监督管理办法》第三十七条",
        &[PenaltyKind::Fine],
        (800, 3_000),
    ),
    (
        "驾驶员未取得从业资格",
        "聘用未取得相应从业资格证件的人员驾驶道路运输经营车辆",
        "《道路运输从业人员管理规定》第四十六条",
        &[PenaltyKind::Fine],
        (3_000, 10_000),
    ),
    (
        "危险货物运输未配备押运人员",
        "运输危险货物未按规定配备专职押运人员",
        "《道路危险货物运输管理规定》第六十五条",
        &[PenaltyKind::Fine, PenaltyKind::OrderSuspension],
        (5_000, 20_000),
    ),
    (
        "不按规定悬挂标志",
        "车辆未按规定悬挂道路运输标志",
        "《道路货物运输及站场管理规定》第六十条",
        &[PenaltyKind::Warning],
        (0, 0),
    ),
    (
        "严重违法违规经营",
        "当事人在一年内多次发生超限超载违法行为，情节严重",
        "《中华人民共和国道路运输条例》第七十一条",
        &[PenaltyKind::RevokeLicence, PenaltyKind::Fine],
        (20_000, 50_000),
    ),
];

const LICENCES: &[(&str, &str, LicenseKind)] = &[
    (
        "道路运输经营许可证",
        "道路普通货物运输",
        LicenseKind::General,
    ),
    (
        "道路运输经营许可证",
        "县内班车客运、县际班车客运",
        LicenseKind::Franchise,
    ),
    (
        "机动车维修经营备案",
        "一类机动车维修",
        LicenseKind::Registration,
    ),
    (
        "超限运输车辆通行许可",
        "大件运输通行",
        LicenseKind::Approval,
    ),
    (
        "水路运输许可证",
        "国内沿海普通货船运输",
        LicenseKind::General,
    ),
];

fn make_uscc(rng: &mut Rng, prefix: &str, division: &str) -> Uscc {
    loop {
        let mut body = String::new();
        for _ in 0..8 {
            body.push(USCC_ALPHABET[rng.below(36).min(30)] as char);
        }
        // Organisation code bodies use digits and letters; the USCC alphabet excludes I O S V Z,
        // so draw the body from the USCC alphabet to keep the whole USCC valid.
        let Some(c9) = org_code_check_char(&body) else {
            continue;
        };
        if !USCC_ALPHABET.contains(&(c9 as u8)) {
            continue;
        }
        let first17 = format!("{prefix}{division}{body}{c9}");
        if let Some(check) = uscc_check_char(&first17)
            && let Ok(u) = Uscc::parse(&format!("{first17}{check}"))
        {
            return u;
        }
    }
}

fn make_citizen_id(rng: &mut Rng, division: &str, today: NaiveDate) -> CitizenId {
    loop {
        let age_days = 365 * 22 + rng.below(365 * 38);
        let birth = today - Duration::days(age_days as i64);
        let seq = rng.below(1000);
        let first17 = format!("{division}{}{seq:03}", birth.format("%Y%m%d"));
        if let Some(check) = citizen_id_check_char(&first17)
            && let Ok(c) = CitizenId::parse(&format!("{first17}{check}"))
        {
            return c;
        }
    }
}

fn person_name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

struct Unit {
    name: String,
    short: &'static str,
    uscc: Uscc,
}

fn at(date: NaiveDate, rng: &mut Rng) -> DateTime<Utc> {
    // Office hours in China (UTC+8) are 01:00–09:00 UTC.
    date.and_hms_opt(
        1 + rng.below(8) as u32,
        rng.below(60) as u32,
        rng.below(60) as u32,
    )
    .expect("valid time")
    .and_utc()
}

fn party_of(subject: &Subject, rng: &mut Rng, today: NaiveDate) -> Party {
    let (legal_rep, legal_rep_id_type, legal_rep_id_no, id_type, id_no) = match subject.kind {
        PartyCategory::NaturalPerson => (
            None,
            None,
            None,
            Some("身份证".to_string()),
            subject.citizen_id.as_ref().map(|c| c.to_string()),
        ),
        _ => (
            Some(person_name(rng)),
            Some("身份证".to_string()),
            Some(make_citizen_id(rng, "990102", today).to_string()),
            None,
            None,
        ),
    };
    Party {
        name: subject.name.clone(),
        category: subject.kind,
        uscc: subject.uscc.clone(),
        reg_no: None,
        org_code: None,
        tax_reg_no: None,
        institution_cert_no: None,
        social_org_cert_no: None,
        legal_rep,
        legal_rep_id_type,
        legal_rep_id_no,
        id_type,
        id_no,
    }
}

/// Generates the demo events in ledger order (by recording time).
pub fn generate(today: NaiveDate, seed: u64) -> Vec<NewEvent> {
    let mut rng = Rng(seed);
    let calendar = Calendar::builtin();
    let policy = PublicityPolicy::builtin();
    let start = today - Duration::days(730);
    let mut events: Vec<NewEvent> = Vec::new();
    let mut push = |rng: &mut Rng, when: DateTime<Utc>, payload: EventPayload| {
        let mut e = NewEvent::new("demo", when, payload);
        e.id = rng.uuid();
        events.push(e);
    };

    // Deciding units: each city's transport bureau and its enforcement detachment.
    let units: Vec<Unit> = CITIES
        .iter()
        .flat_map(|(city, short, division)| {
            [
                (format!("{city}交通运输局"), "11"),
                (format!("{city}交通运输综合行政执法支队"), "12"),
            ]
            .into_iter()
            .map(|(name, prefix)| (name, prefix, *short, *division))
            .collect::<Vec<_>>()
        })
        .map(|(name, prefix, short, division)| Unit {
            name,
            short,
            uscc: make_uscc(&mut rng, prefix, division),
        })
        .collect();

    let mut names = HashSet::new();
    let mut subjects: Vec<Subject> = Vec::new();
    let registered = start - Duration::days(30);
    for i in 0..420 {
        let (city, _, division) = *rng.pick(CITIES);
        let subject = if i < 240 {
            let name = loop {
                let n = format!(
                    "{city}{}{}{}",
                    rng.pick(TRADE_NAMES),
                    rng.pick(INDUSTRIES),
                    rng.pick(FORMS)
                );
                if names.insert(n.clone()) {
                    break n;
                }
            };
            let uscc = make_uscc(&mut rng, "91", division);
            Subject {
                id: rng.uuid(),
                kind: PartyCategory::LegalPerson,
                name,
                org_code: None,
                reg_no: None,
                citizen_id: None,
                uscc: Some(uscc),
            }
        } else if i < 330 {
            let name = loop {
                let n = format!("{city}{}记{}", rng.pick(SURNAMES), rng.pick(SHOP_KINDS));
                if names.insert(n.clone()) {
                    break n;
                }
            };
            Subject {
                id: rng.uuid(),
                kind: PartyCategory::IndividualBusiness,
                name,
                uscc: Some(make_uscc(&mut rng, "92", division)),
                org_code: None,
                reg_no: None,
                citizen_id: None,
            }
        } else {
            Subject {
                id: rng.uuid(),
                kind: PartyCategory::NaturalPerson,
                name: person_name(&mut rng),
                uscc: None,
                org_code: None,
                reg_no: None,
                citizen_id: Some(make_citizen_id(
                    &mut rng,
                    &format!("{}02", &division[..4]),
                    today,
                )),
            }
        };
        let when = at(registered + Duration::days(rng.below(20) as i64), &mut rng);
        push(
            &mut rng,
            when,
            EventPayload::SubjectRegistered {
                subject: subject.clone(),
            },
        );
        subjects.push(subject);
    }

    // A few enterprises changed their names (更名) during the period.
    for s in subjects.iter_mut().take(240).step_by(40) {
        let new_name = s
            .name
            .replace("有限公司", "集团有限公司")
            .replace("集团集团", "集团");
        let new_name = if new_name == s.name {
            format!("{}（控股）", s.name)
        } else {
            new_name
        };
        let on = start + Duration::days(rng.below(700) as i64);
        let when = at(on, &mut rng);
        push(
            &mut rng,
            when,
            EventPayload::SubjectRenamed {
                subject_id: s.id.clone(),
                name: new_name.clone(),
                effective_on: on,
            },
        );
        s.name = new_name;
    }

    let mut doc_seq = 0u32;
    // Licences: most organisations hold one; some persons hold a practitioner licence.
    for s in subjects.iter() {
        if s.kind == PartyCategory::NaturalPerson && !rng.chance(30) {
            continue;
        }
        let unit = &units[rng.below(units.len()) / 2 * 2];
        let (cert, content, kind) = *rng.pick(LICENCES);
        let decided = start + Duration::days(rng.below(725) as i64);
        doc_seq += 1;
        let doc_no = format!("{}交运许〔{}〕{}号", unit.short, decided.year(), doc_seq);
        let valid_to = if rng.chance(20) {
            NaiveDate::from_ymd_opt(2099, 12, 31).expect("valid date")
        } else {
            decided + Duration::days(365 * 4)
        };
        let body = RecordBody::License(LicenseRecord {
            party: party_of(s, &mut rng, today),
            doc_name: format!("准予{cert}决定书"),
            doc_no: doc_no.clone(),
            kind,
            cert_name: Some(cert.to_string()),
            licence_no: Some(format!("交运管许可{}字{:06}号", unit.short, doc_seq)),
            content: Some(content.to_string()),
            decision_date: decided,
            valid_from: decided,
            valid_to,
            authority: unit.name.clone(),
            authority_code: unit.uscc.clone(),
            status: Some("有效".to_string()),
            source_unit: unit.name.clone(),
            source_unit_code: unit.uscc.clone(),
            remark: None,
        });
        let reported = (decided + Duration::days(1 + rng.below(9) as i64)).min(today);
        let when = at(reported, &mut rng);
        let record_id = rng.uuid();
        let publication = publication_for(&body, reported, &calendar, &policy);
        push(
            &mut rng,
            when,
            EventPayload::RecordPublished {
                record_id,
                subject_id: s.id.clone(),
                body,
                publication: Some(publication),
            },
        );
    }

    // Penalties, decided by the enforcement detachments.
    let mut penalties = Vec::new();
    for _ in 0..360 {
        let s = &subjects[rng.below(subjects.len())];
        let unit = &units[rng.below(units.len()) / 2 * 2 + 1];
        let (violation, facts, basis, kinds, (lo, hi)) = *rng.pick(VIOLATIONS);
        let decided = start + Duration::days(rng.below(725) as i64);
        doc_seq += 1;
        let fine_yuan = if kinds.contains(&PenaltyKind::Fine) {
            (lo + rng.below((hi - lo + 1) as usize) as i64) / 100 * 100
        } else {
            0
        };
        let city = CITIES
            .iter()
            .find(|c| c.1 == unit.short)
            .map_or("示范省", |c| c.0);
        let content = if fine_yuan > 0 {
            format!("罚款人民币{fine_yuan}元")
        } else {
            kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join("、")
        };
        let body = RecordBody::Penalty(PenaltyRecord {
            party: party_of(s, &mut rng, today),
            doc_no: format!("{}交执罚〔{}〕{}号", unit.short, decided.year(), doc_seq),
            violation_type: violation.to_string(),
            facts: facts.replace("{city}", city),
            basis: basis.to_string(),
            kinds: kinds.to_vec(),
            content,
            fine: (fine_yuan > 0).then(|| WanYuan::from_yuan(fine_yuan)),
            confiscated: kinds
                .contains(&PenaltyKind::ConfiscateIllegalGains)
                .then(|| WanYuan::from_yuan(1_000 + rng.below(20) as i64 * 500)),
            licence_affected: kinds
                .contains(&PenaltyKind::RevokeLicence)
                .then(|| "道路运输经营许可证".to_string()),
            decision_date: decided,
            valid_until: decided + Duration::days(365),
            publicity_until: None,
            authority: unit.name.clone(),
            authority_code: unit.uscc.clone(),
            source_unit: unit.name.clone(),
            source_unit_code: unit.uscc.clone(),
            remark: None,
        });
        let record_id = rng.uuid();
        // Most are published within a few days; some are reported late.
        let delay = if rng.chance(10) {
            12 + rng.below(20)
        } else {
            1 + rng.below(8)
        };
        let reported = (decided + Duration::days(delay as i64)).min(today);
        let when = at(reported, &mut rng);
        let publication = publication_for(&body, reported, &calendar, &policy);
        push(
            &mut rng,
            when,
            EventPayload::RecordPublished {
                record_id: record_id.clone(),
                subject_id: s.id.clone(),
                body: body.clone(),
                publication: Some(publication),
            },
        );
        penalties.push((record_id, body, when));
    }

    // Corrections and a revocation: what happened stays, what is published changes.
    for (i, (record_id, body, when)) in penalties.iter().enumerate().step_by(45) {
        let later = *when + Duration::days(15 + rng.below(30) as i64);
        if later.date_naive() >= today {
            continue;
        }
        if i % 2 == 0 {
            let RecordBody::Penalty(mut p) = body.clone() else {
                continue;
            };
            p.remark = Some("原决定书违法事实表述有误，已更正".to_string());
            p.facts.push_str("（更正）");
            let corrected = RecordBody::Penalty(p);
            let publication = publication_for(&corrected, when.date_naive(), &calendar, &policy);
            push(
                &mut rng,
                later,
                EventPayload::RecordCorrected {
                    record_id: record_id.clone(),
                    body: corrected,
                    reason: "数据来源单位更正违法事实表述".to_string(),
                    publication: Some(publication),
                },
            );
        } else {
            push(
                &mut rng,
                later,
                EventPayload::RecordRevoked {
                    record_id: record_id.clone(),
                    reason: "行政复议撤销原处罚决定".to_string(),
                },
            );
        }
    }

    events.sort_by_key(|e| e.recorded_at);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_in_order() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let a = generate(today, 7);
        let b = generate(today, 7);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].recorded_at <= w[1].recorded_at));
        let subjects = a
            .iter()
            .filter(|e| matches!(e.payload, EventPayload::SubjectRegistered { .. }))
            .count();
        assert_eq!(subjects, 420);
        let penalties = a
            .iter()
            .filter(|e| {
                matches!(
                    &e.payload,
                    EventPayload::RecordPublished {
                        body: RecordBody::Penalty(_),
                        ..
                    }
                )
            })
            .count();
        assert_eq!(penalties, 360);
        // Nothing recorded in the future, nothing decided before the two-year window.
        assert!(
            a.iter()
                .all(|e| e.recorded_at.date_naive() <= today + Duration::days(40))
        );
    }

    #[test]
    fn every_demo_code_is_valid() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        for e in generate(today, 1) {
            if let EventPayload::SubjectRegistered { subject } = &e.payload {
                if let Some(u) = &subject.uscc {
                    assert!(Uscc::parse(u.as_str()).is_ok());
                    assert!(
                        u.org_code().is_some(),
                        "demo USCCs embed valid organisation codes"
                    );
                }
                if let Some(c) = &subject.citizen_id {
                    assert!(CitizenId::parse(c.as_str()).is_ok());
                }
            }
        }
    }
}
