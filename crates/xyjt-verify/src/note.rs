//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys, and C2SP
//! checkpoints (<https://c2sp.org/tlog-checkpoint>): the formats Go's `sumdb/note`,
//! Sigstore and the transparency-dev witnesses read.
//!
//! - verifier key: `<name>+<hex key hash>+<base64(0x01 ‖ public key)>`
//! - signer key: `PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 ‖ seed)>`
//! - key hash: the first four bytes of `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`
//! - a note: its text (ending in a newline), a blank line, then one line per signature,
//!   `— <name> <base64(key hash ‖ signature)>`, the signature being over the text.
//! - a checkpoint's text: origin, tree size in decimal, base64 root hash, each on its line,
//!   optionally followed by extension lines.

use crate::{Hash, b64};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

const ALG_ED25519: u8 = 1;
const DASH: &str = "\u{2014} ";

/// Why a key, a note or a checkpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteError {
    /// The key text is not in the signed-note encoding.
    MalformedKey(String),
    /// The key's name is empty or holds a space, a newline or a `+`.
    BadName(String),
    /// The note's text or signature block is not well formed.
    Malformed(String),
    /// No signature line carries this key's name and hash.
    Unsigned { key: String },
    /// A signature line of this key does not verify over the text.
    BadSignature { key: String },
    /// The checkpoint's text is not origin, size, root.
    BadCheckpoint(String),
    /// The checkpoint is of another log.
    WrongOrigin { expected: String, got: String },
}

impl fmt::Display for NoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedKey(why) => write!(f, "密钥格式不对：{why} (malformed key)"),
            Self::BadName(name) => write!(
                f,
                "密钥名称“{name}”不可为空，也不可含空格、换行或 + (bad key name)"
            ),
            Self::Malformed(why) => write!(f, "签名文本格式不对：{why} (malformed note)"),
            Self::Unsigned { key } => {
                write!(f, "没有密钥 {key} 的签名行 (no signature by this key)")
            }
            Self::BadSignature { key } => write!(
                f,
                "密钥 {key} 的签名与文本不符，文本或签名已被改动 (signature does not verify)"
            ),
            Self::BadCheckpoint(why) => write!(f, "检查点格式不对：{why} (malformed checkpoint)"),
            Self::WrongOrigin { expected, got } => {
                write!(f, "检查点来源为“{got}”，应为“{expected}” (wrong origin)")
            }
        }
    }
}

impl std::error::Error for NoteError {}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '+') {
        return Err(NoteError::BadName(name.to_string()));
    }
    Ok(())
}

fn key_hash(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The key material after the last `+`: algorithm byte 1 and 32 bytes.
fn key_material(text: &str) -> Result<[u8; 32], NoteError> {
    let bytes =
        b64::decode(text).ok_or_else(|| NoteError::MalformedKey("密钥部分不是 base64".into()))?;
    if bytes.len() != 33 || bytes[0] != ALG_ED25519 {
        return Err(NoteError::MalformedKey(
            "密钥部分应为算法 1 (Ed25519) 加 32 字节".into(),
        ));
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes[1..]);
    Ok(out)
}

fn parse_hash(text: &str) -> Result<u32, NoteError> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::MalformedKey("密钥哈希应为 8 位十六进制".into()));
    }
    u32::from_str_radix(text, 16).map_err(|_| NoteError::MalformedKey("密钥哈希".into()))
}

/// A private key that signs notes.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key: SigningKey,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SignerKey {
    /// A key from 32 secret random bytes.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Reads `PRIVATE+KEY+<name>+<hash>+<base64>` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let text = text.trim();
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| NoteError::MalformedKey("私钥应以 PRIVATE+KEY+ 开头".into()))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hash), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey("应为 名称+哈希+密钥".into()));
        };
        let signer = Self::from_seed(name, key_material(material)?)?;
        if parse_hash(hash)? != signer.verifier().key_hash() {
            return Err(NoteError::MalformedKey("密钥哈希与密钥不符".into()));
        }
        Ok(signer)
    }

    pub fn encode(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.verifier().key_hash(),
            b64::encode(&material)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> VerifierKey {
        let key = self.key.verifying_key();
        VerifierKey {
            hash: key_hash(&self.name, key.as_bytes()),
            name: self.name.clone(),
            key,
        }
    }

    /// The signature line of this key over `text`.
    pub fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut blob = self.verifier().key_hash().to_be_bytes().to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        format!("{DASH}{} {}\n", self.name, b64::encode(&blob))
    }

    /// Signs a note's text (which must end in a newline and hold no blank line).
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        Ok(format!("{text}\n{}", self.signature_line(text)))
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("文本须以换行结尾".into()));
    }
    if text.contains("\n\n") {
        return Err(NoteError::Malformed("文本中不可有空行".into()));
    }
    Ok(())
}

/// A public key that checks notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key: VerifyingKey,
    hash: u32,
}

impl VerifierKey {
    /// Reads `<name>+<hash>+<base64>` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let text = text.trim();
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(hash), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey("应为 名称+哈希+密钥".into()));
        };
        check_name(name)?;
        let public = key_material(material)?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::MalformedKey("不是有效的 Ed25519 公钥".into()))?;
        let hash = parse_hash(hash)?;
        if hash != key_hash(name, &public) {
            return Err(NoteError::MalformedKey("密钥哈希与密钥不符".into()));
        }
        Ok(Self {
            name: name.to_string(),
            key,
            hash,
        })
    }

    pub fn encode(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.hash, b64::encode(&material))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_hash(&self) -> u32 {
        self.hash
    }

    /// SHA-256 of the encoded key, in groups of four hex digits: what people compare when
    /// they copy the key from the portal into a witness or a bidding platform.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.encode().as_bytes());
        let hex = crate::to_hex(&digest);
        hex.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// Checks a signed note and returns its text. Signature lines of other keys (a witness's
    /// cosignature, say) are allowed and ignored; one line of this key must verify.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("没有分隔文本与签名的空行".into()))?;
        let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
        check_text(text)?;
        if !sigs.ends_with('\n') {
            return Err(NoteError::Malformed("签名行须以换行结尾".into()));
        }
        let mut seen = false;
        for line in sigs.lines() {
            let rest = line
                .strip_prefix(DASH)
                .ok_or_else(|| NoteError::Malformed(format!("签名行“{line}”应以 — 开头")))?;
            let (name, blob) = rest
                .split_once(' ')
                .ok_or_else(|| NoteError::Malformed(format!("签名行“{line}”缺少签名")))?;
            let blob = b64::decode(blob)
                .ok_or_else(|| NoteError::Malformed(format!("签名行“{line}”不是 base64")))?;
            if blob.len() < 4 {
                return Err(NoteError::Malformed(format!("签名行“{line}”太短")));
            }
            let hash = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
            if name != self.name || hash != self.hash {
                continue;
            }
            seen = true;
            let sig = <[u8; 64]>::try_from(&blob[4..]).map_err(|_| NoteError::BadSignature {
                key: self.name.clone(),
            })?;
            self.key
                .verify_strict(text.as_bytes(), &Signature::from_bytes(&sig))
                .map_err(|_| NoteError::BadSignature {
                    key: self.name.clone(),
                })?;
        }
        if seen {
            Ok(text)
        } else {
            Err(NoteError::Unsigned {
                key: self.name.clone(),
            })
        }
    }
}

/// A log's signed statement of its size and root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines after the root, kept verbatim.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: origin, size, base64 root, extension lines.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            b64::encode(&self.root)
        );
        for line in &self.extensions {
            s.push_str(line);
            s.push('\n');
        }
        s
    }

    pub fn parse_text(text: &str) -> Result<Self, NoteError> {
        let mut lines = text.lines();
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| NoteError::BadCheckpoint("第 1 行应为来源".into()))?;
        let size = lines
            .next()
            .ok_or_else(|| NoteError::BadCheckpoint("第 2 行应为树大小".into()))?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(NoteError::BadCheckpoint(format!(
                "第 2 行“{size}”不是十进制树大小"
            )));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| NoteError::BadCheckpoint(format!("第 2 行“{size}”超出范围")))?;
        let root_line = lines
            .next()
            .ok_or_else(|| NoteError::BadCheckpoint("第 3 行应为根哈希".into()))?;
        let root: Hash = b64::decode(root_line)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                NoteError::BadCheckpoint(format!("第 3 行“{root_line}”不是 32 字节的 base64"))
            })?;
        Ok(Self {
            origin: origin.to_string(),
            size,
            root,
            extensions: lines.map(str::to_string).collect(),
        })
    }

    /// Signs the checkpoint; its origin must be the key's name.
    pub fn sign(&self, signer: &SignerKey) -> Result<String, NoteError> {
        if self.origin != signer.name() {
            return Err(NoteError::WrongOrigin {
                expected: signer.name().to_string(),
                got: self.origin.clone(),
            });
        }
        signer.sign(&self.text())
    }

    /// Checks a signed checkpoint against the log's key: the signature, then that the
    /// origin is the key's name.
    pub fn open(note: &str, key: &VerifierKey) -> Result<Self, NoteError> {
        let text = key.open(note)?;
        let cp = Self::parse_text(text)?;
        if cp.origin != key.name() {
            return Err(NoteError::WrongOrigin {
                expected: key.name().to_string(),
                got: cp.origin,
            });
        }
        Ok(cp)
    }
}

/// Adds a cosignature (a witness's signature line) to an already signed note.
pub fn cosign(note: &str, witness: &SignerKey) -> Result<String, NoteError> {
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("没有分隔文本与签名的空行".into()))?;
    let text = &note[..split + 1];
    if note[split + 2..]
        .lines()
        .any(|l| l.starts_with(&format!("{DASH}{} ", witness.name())))
    {
        return Ok(note.to_string());
    }
    Ok(format!("{note}{}", witness.signature_line(text)))
}
