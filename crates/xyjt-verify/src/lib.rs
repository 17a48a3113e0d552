//! The standalone verifier of xyjt (信用交通): RFC 6962 Merkle proofs over the credit ledger,
//! C2SP signed checkpoints, and credit reports. It depends on nothing but `sha2`,
//! `ed25519-dalek` and `serde`, so a bidding platform, a court or another province can embed it
//! and check what xyjt says without trusting xyjt's database.
//!
//! - [`merkle`]: leaf and node hashing, inclusion and consistency proofs (generation over any
//!   store of complete subtrees, and verification), the append-only [`merkle::Frontier`].
//! - [`note`]: Ed25519 keys in the signed-note encoding, checkpoints, signing and opening.
//! - [`b64`]: the standard base64 the formats use.

pub mod b64;
pub mod merkle;
pub mod note;
pub mod report;
pub mod witness;

/// A SHA-256 digest: a leaf, a node or a root.
pub type Hash = [u8; 32];

/// Lower-case hex of a hash.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A 64-digit hex string as a hash (either case).
pub fn hash_from_hex(text: &str) -> Option<Hash> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}
