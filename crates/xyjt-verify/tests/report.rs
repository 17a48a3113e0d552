//! Credit reports verified offline, independently of the code that writes them: a report built
//! here by hand over a known tree verifies; changing any byte of it fails, and the failure
//! names the fact, the checkpoint or the signature.

use std::collections::HashMap;
use xyjt_verify::merkle::{Frontier, NodeId, inclusion_ranges, leaf_hash, proof_from};
use xyjt_verify::note::{Checkpoint, SignerKey};
use xyjt_verify::report::{
    CreditReport, FORMAT, Fact, Labelled, ReportError, ReportSubject, verify,
};
use xyjt_verify::{Hash, to_hex};

fn l(label: &str, value: &str) -> Labelled {
    Labelled {
        label: label.into(),
        value: value.into(),
    }
}

fn build() -> (String, SignerKey) {
    let key = SignerKey::from_seed("xyjt.test/ledger", [3; 32]).unwrap();
    let events: Vec<String> = (1..=11).map(|i| format!("{{\"seq\":{i}}}")).collect();
    let leaves: Vec<Hash> = events.iter().map(|e| leaf_hash(e.as_bytes())).collect();
    let mut f = Frontier::default();
    let nodes: HashMap<NodeId, Hash> = leaves.iter().flat_map(|x| f.push(*x)).collect();
    let cp = Checkpoint::new("xyjt.test/ledger", 11, f.root());
    let fact = |seq: u64, section: &str, title: &str, fields: Vec<Labelled>| {
        let proof = proof_from(&inclusion_ranges(seq - 1, 11), &mut |id| {
            nodes.get(&id).copied()
        })
        .unwrap();
        let mut fact = Fact {
            section: section.into(),
            title: title.into(),
            fields,
            seq,
            event_hash: "ab".repeat(32),
            leaf_hash: to_hex(&leaves[seq as usize - 1]),
            proof: proof.iter().map(|h| to_hex(h)).collect(),
            digest: String::new(),
        };
        fact.digest = fact.computed_digest();
        fact
    };
    let mut report = CreditReport {
        format: FORMAT.into(),
        number: "XYBG-20251130-0001".into(),
        issued_at: "2025-11-30T02:00:00.000000Z".into(),
        valid_until: "2025-12-30".into(),
        issuer: "xyjt.test/ledger".into(),
        key_fingerprint: key.verifier().fingerprint(),
        verify_url: "/reports/verify?number=XYBG-20251130-0001".into(),
        subject: ReportSubject {
            id: "s-1".into(),
            name: "示范市长风货运有限公司".into(),
            kind: "法人及非法人组织".into(),
            codes: vec![l("统一社会信用代码", "91350100M000100Y43")],
        },
        facts: vec![
            fact(
                1,
                "基本信息",
                "主体登记",
                vec![l("名称", "示范市长风货运有限公司")],
            ),
            fact(
                6,
                "行政处罚",
                "闽交罚〔2025〕1号",
                vec![l("罚款", "0.2 万元"), l("公示期至", "2026-03-03")],
            ),
            fact(11, "信用承诺", "信用承诺书", vec![l("践诺情况", "履行中")]),
        ],
        checkpoint: cp.sign(&key).unwrap(),
        signature: String::new(),
    };
    report.signature = key.sign(&report.signed_text()).unwrap();
    (serde_json::to_string(&report).unwrap(), key)
}

#[test]
fn a_report_verifies_offline() {
    let (json, key) = build();
    let v = verify(&json, &key.verifier()).unwrap();
    assert_eq!((v.facts, v.tree_size), (3, 11));
    assert_eq!(v.subject, "示范市长风货运有限公司");
}

#[test]
fn a_changed_fact_is_named() {
    let (json, key) = build();
    let changed = json.replace("0.2 万元", "0.02 万元");
    match verify(&changed, &key.verifier()) {
        Err(ReportError::Fact {
            index: 2, ref why, ..
        }) => assert!(why.contains("内容被改动"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Re-digested by the forger: the report's signature no longer covers it.
    let mut report: CreditReport = serde_json::from_str(&changed).unwrap();
    report.facts[1].digest = report.facts[1].computed_digest();
    let forged = serde_json::to_string(&report).unwrap();
    assert!(matches!(
        verify(&forged, &key.verifier()),
        Err(ReportError::Signature(_))
    ));
    // A proof that does not lead to the checkpoint's root, even re-digested: named.
    let mut report: CreditReport = serde_json::from_str(&json).unwrap();
    report.facts[2].seq = 10;
    report.facts[2].digest = report.facts[2].computed_digest();
    let moved = serde_json::to_string(&report).unwrap();
    match verify(&moved, &key.verifier()) {
        Err(ReportError::Fact {
            index: 3, ref why, ..
        }) => assert!(why.contains("包含证明"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Another key: the checkpoint is refused first.
    let other = SignerKey::from_seed("xyjt.test/ledger", [4; 32]).unwrap();
    assert!(matches!(
        verify(&json, &other.verifier()),
        Err(ReportError::Checkpoint(_))
    ));
}

#[test]
fn changing_any_byte_fails() {
    let (json, key) = build();
    let verifier = key.verifier();
    let bytes = json.as_bytes();
    let mut tried = 0;
    for i in 0..bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            continue;
        }
        let mut changed = bytes.to_vec();
        changed[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).unwrap();
        tried += 1;
        assert!(
            verify(&changed, &verifier).is_err(),
            "byte {i} changed and the report still verifies: …{}…",
            &json[i.saturating_sub(20)..(i + 20).min(json.len())]
        );
    }
    assert!(tried > 1000, "{tried}");
}
