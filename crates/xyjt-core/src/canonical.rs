//! Canonical JSON encoding and SHA-256 hashing for the ledger.
//!
//! The hash of an event must not depend on how a database or a serde feature happens to order
//! object keys, so the encoding is fixed here: objects with keys sorted by their UTF-8 bytes,
//! no insignificant whitespace, strings escaped as serde_json escapes them, numbers as serde_json
//! prints them. Amounts are carried as strings, never floats, so no float formatting enters a hash.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Appends the canonical encoding of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    // serde_json's string escaping is deterministic and minimal; reuse it.
    out.push_str(&serde_json::to_string(s).expect("a str always serialises"));
}

/// The canonical encoding as a new string.
pub fn to_canonical(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_canonical(value, &mut out);
    out
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_whitespace_dropped() {
        let v = json!({"b": 1, "a": {"d": [1, "x"], "c": null}, "中": "文"});
        assert_eq!(
            to_canonical(&v),
            r#"{"a":{"c":null,"d":[1,"x"]},"b":1,"中":"文"}"#
        );
    }

    #[test]
    fn same_value_same_hash_whatever_the_insertion_order() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":"二"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "y" : "二", "x" : 1 }"#).unwrap();
        assert_eq!(
            sha256_hex(to_canonical(&a).as_bytes()),
            sha256_hex(to_canonical(&b).as_bytes())
        );
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
