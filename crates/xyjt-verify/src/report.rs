//! Credit reports (信用报告) and their offline verification. A report lists facts about one
//! subject as the public sees them (masked), each with the ledger event it comes from: the
//! event's number, chain hash and Merkle leaf hash, and the inclusion proof of that leaf in the
//! tree of the embedded signed checkpoint. Each fact carries the SHA-256 of its own canonical
//! JSON, and the whole report is signed (a signed note over its digest) by the ledger's key.
//!
//! [`verify`] needs nothing but the report and the public key: no database, no network.

use crate::merkle::verify_inclusion;
use crate::note::{Checkpoint, VerifierKey};
use crate::{Hash, b64, hash_from_hex, to_hex};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

pub const FORMAT: &str = "xyjt-credit-report/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labelled {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSubject {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// Identifiers, masked as the public sees them.
    pub codes: Vec<Labelled>,
}

/// One fact of the report and its proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// 基本信息, 行政许可, 行政处罚, 名单, 信用承诺, 信用评价 …
    pub section: String,
    pub title: String,
    pub fields: Vec<Labelled>,
    /// The ledger event the fact is read from (its latest event at the checkpoint).
    pub seq: u64,
    /// The event's chain hash (`ledger_events.hash`), hex.
    pub event_hash: String,
    /// SHA-256(0x00 ‖ the event's canonical text), hex: the Merkle leaf.
    pub leaf_hash: String,
    /// The inclusion proof of the leaf in the checkpoint's tree, hex, deepest first.
    pub proof: Vec<String>,
    /// SHA-256 of this fact's canonical JSON without `digest`, hex.
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditReport {
    pub format: String,
    /// The report number (报告编号).
    pub number: String,
    pub issued_at: String,
    /// Valid to the end of this day (YYYY-MM-DD).
    pub valid_until: String,
    /// The issuing log (the key's name).
    pub issuer: String,
    pub key_fingerprint: String,
    /// Where a reader checks it online.
    pub verify_url: String,
    pub subject: ReportSubject,
    pub facts: Vec<Fact>,
    /// The signed checkpoint the proofs are against.
    pub checkpoint: String,
    /// A signed note over `FORMAT`, the number and the base64 digest of everything else.
    pub signature: String,
}

/// JSON with object keys sorted and no whitespace: what digests are taken over.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("a string serialises"));
                out.push(':');
                write(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn sha256(text: &str) -> Hash {
    Sha256::digest(text.as_bytes()).into()
}

impl Fact {
    /// The digest this fact should carry.
    pub fn computed_digest(&self) -> String {
        let mut v = serde_json::to_value(self).expect("a fact serialises");
        v.as_object_mut().expect("an object").remove("digest");
        to_hex(&sha256(&canonical(&v)))
    }
}

impl CreditReport {
    /// SHA-256 of the report's canonical JSON without `signature`.
    pub fn body_digest(&self) -> Hash {
        let mut v = serde_json::to_value(self).expect("a report serialises");
        v.as_object_mut().expect("an object").remove("signature");
        sha256(&canonical(&v))
    }

    /// The text the report's signature note signs.
    pub fn signed_text(&self) -> String {
        format!(
            "{FORMAT}\n{}\n{}\n",
            self.number,
            b64::encode(&self.body_digest())
        )
    }
}

/// Why a report does not verify: the first thing that fails, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportError {
    /// Not a credit report of this format.
    Unreadable(String),
    /// The embedded checkpoint does not open with the key.
    Checkpoint(String),
    /// Fact `index` (1-based) is not what was signed, or not in the ledger.
    Fact {
        index: usize,
        section: String,
        title: String,
        why: String,
    },
    /// The report's own signature does not verify or does not cover this content.
    Signature(String),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(why) => write!(f, "不是可读的信用报告：{why} (unreadable report)"),
            Self::Checkpoint(why) => write!(f, "报告内嵌的检查点无效：{why} (checkpoint)"),
            Self::Fact {
                index,
                section,
                title,
                why,
            } => write!(
                f,
                "第 {index} 项事实（{section}：{title}）{why} (fact {index})"
            ),
            Self::Signature(why) => write!(f, "报告签名无效：{why} (signature)"),
        }
    }
}

impl std::error::Error for ReportError {}

/// What a verified report says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub number: String,
    pub subject: String,
    pub facts: usize,
    pub tree_size: u64,
    pub issued_at: String,
    pub valid_until: String,
}

/// Checks a report (its JSON text) with the ledger's public key, offline: the embedded
/// checkpoint's signature, each fact's digest and inclusion proof, then the report's
/// signature over all of it. Returns the first failure, naming the fact.
pub fn verify(json: &str, key: &VerifierKey) -> Result<Verified, ReportError> {
    let report: CreditReport =
        serde_json::from_str(json).map_err(|e| ReportError::Unreadable(e.to_string()))?;
    if report.format != FORMAT {
        return Err(ReportError::Unreadable(format!(
            "格式为“{}”，应为“{FORMAT}”",
            report.format
        )));
    }
    let cp = Checkpoint::open(&report.checkpoint, key)
        .map_err(|e| ReportError::Checkpoint(e.to_string()))?;
    for (i, fact) in report.facts.iter().enumerate() {
        let fail = |why: String| ReportError::Fact {
            index: i + 1,
            section: fact.section.clone(),
            title: fact.title.clone(),
            why,
        };
        if fact.computed_digest() != fact.digest {
            return Err(fail("的内容与其摘要不符：内容被改动".into()));
        }
        let leaf = hash_from_hex(&fact.leaf_hash)
            .ok_or_else(|| fail("的叶哈希不是 64 位十六进制".into()))?;
        let proof: Vec<Hash> = fact
            .proof
            .iter()
            .map(|h| hash_from_hex(h))
            .collect::<Option<_>>()
            .ok_or_else(|| fail("的包含证明中有哈希不是 64 位十六进制".into()))?;
        if fact.seq == 0 {
            return Err(fail("的事件号为 0".into()));
        }
        verify_inclusion(fact.seq - 1, cp.size, &leaf, &proof, &cp.root).map_err(|e| {
            fail(format!(
                "不在检查点（树大小 {}）的账本中：第 {} 号事件的包含证明不成立：{e}",
                cp.size, fact.seq
            ))
        })?;
    }
    let text = key
        .open(&report.signature)
        .map_err(|e| ReportError::Signature(e.to_string()))?;
    if text != report.signed_text() {
        return Err(ReportError::Signature(
            "签名所签的报告摘要与报告内容不符：报告编号、主体、有效期或事实被改动".into(),
        ));
    }
    Ok(Verified {
        number: report.number,
        subject: report.subject.name,
        facts: report.facts.len(),
        tree_size: cp.size,
        issued_at: report.issued_at,
        valid_until: report.valid_until,
    })
}
