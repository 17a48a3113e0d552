//! The ledger's proofs as services: signing keys, signed checkpoints (C2SP tlog-checkpoint),
//! inclusion and consistency proofs, checking a database against an earlier checkpoint, and
//! the witness. The formats and the pure checks are `xyjt_verify`'s; this module fetches
//! from the store and signs.

use crate::{AppError, AppResult, ErrorKind};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xyjt_store::Store;
use xyjt_store::tree::StoredCheckpoint;
use xyjt_verify::merkle::verify_consistency;
use xyjt_verify::note::{Checkpoint, SignerKey, VerifierKey};
use xyjt_verify::witness::check_extension;
use xyjt_verify::{Hash, hash_from_hex, to_hex};

/// The environment variable naming the private key file.
pub const KEY_ENV: &str = "XYJT_SIGNING_KEY";
pub const KEY_FILE: &str = "ledger.key";
pub const PUB_FILE: &str = "ledger.pub";

/// A new random signing key named `name` (the log's origin).
pub fn generate_key(name: &str) -> AppResult<SignerKey> {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    SignerKey::from_seed(name, seed).map_err(|e| AppError::invalid(e.to_string()))
}

/// Writes `DIR/ledger.key` (mode 0600) and `DIR/ledger.pub`; refuses to overwrite a key.
pub fn write_keys(dir: &Path, signer: &SignerKey) -> AppResult<(PathBuf, PathBuf)> {
    use std::io::Write;
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::invalid(format!("创建目录 {} 失败：{e}", dir.display())))?;
    let key_path = dir.join(KEY_FILE);
    let pub_path = dir.join(PUB_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&key_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            AppError::new(
                ErrorKind::Conflict,
                "key_exists",
                format!("{} 已存在，不覆盖已有私钥", key_path.display()),
            )
        } else {
            AppError::invalid(format!("写入 {} 失败：{e}", key_path.display()))
        }
    })?;
    writeln!(file, "{}", signer.encode())
        .map_err(|e| AppError::invalid(format!("写入 {} 失败：{e}", key_path.display())))?;
    std::fs::write(&pub_path, format!("{}\n", signer.verifier().encode()))
        .map_err(|e| AppError::invalid(format!("写入 {} 失败：{e}", pub_path.display())))?;
    Ok((key_path, pub_path))
}

fn read_text(path: &Path, what: &str) -> AppResult<String> {
    std::fs::read_to_string(path)
        .map_err(|e| AppError::invalid(format!("读取{what} {} 失败：{e}", path.display())))
}

/// The private key in `path`.
pub fn load_signer(path: &Path) -> AppResult<SignerKey> {
    SignerKey::parse(&read_text(path, "私钥")?)
        .map_err(|e| AppError::invalid(format!("{}：{e}", path.display())))
}

/// The public key in `path`.
pub fn load_verifier(path: &Path) -> AppResult<VerifierKey> {
    VerifierKey::parse(&read_text(path, "公钥")?)
        .map_err(|e| AppError::invalid(format!("{}：{e}", path.display())))
}

/// The server's signing key, and whether it is a throwaway one made at start-up.
#[derive(Debug, Clone)]
pub struct LedgerKey {
    pub signer: Arc<SignerKey>,
    /// No key was configured: checkpoints signed with it prove nothing after a restart.
    pub ephemeral: bool,
}

impl LedgerKey {
    pub fn configured(signer: SignerKey) -> Self {
        LedgerKey {
            signer: Arc::new(signer),
            ephemeral: false,
        }
    }

    /// A key made now, for a server started without `--key` (the demo).
    pub fn ephemeral(origin: &str) -> Self {
        let signer = generate_key(origin).expect("the policy's origin is a valid key name");
        LedgerKey {
            signer: Arc::new(signer),
            ephemeral: true,
        }
    }

    pub fn view(&self) -> KeyView {
        let v = self.signer.verifier();
        KeyView {
            name: v.name().to_string(),
            key: v.encode(),
            key_hash: format!("{:08x}", v.key_hash()),
            fingerprint: v.fingerprint(),
            ephemeral: self.ephemeral,
        }
    }
}

/// The public key as shown and served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyView {
    /// The key's name, which is the log's origin.
    pub name: String,
    /// The verifier key in the signed-note encoding: what `ledger.pub` holds.
    pub key: String,
    pub key_hash: String,
    /// SHA-256 of `key`, in groups of four hex digits.
    pub fingerprint: String,
    /// A throwaway key made at start-up (no key configured).
    pub ephemeral: bool,
}

/// Signs a checkpoint of the ledger as it is now and keeps it.
pub async fn sign_checkpoint(
    store: &dyn Store,
    signer: &SignerKey,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<StoredCheckpoint> {
    let head = store.tree_head().await?;
    let cp = Checkpoint::new(signer.name(), head.size, head.root);
    let note = cp
        .sign(signer)
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let stored = StoredCheckpoint {
        id: xyjt_core::ledger::new_id(),
        size: head.size,
        root: to_hex(&head.root),
        key_name: signer.name().to_string(),
        key_hash: format!("{:08x}", signer.verifier().key_hash()),
        signed_at: xyjt_core::ledger::format_timestamp(now),
        note,
    };
    store.record_checkpoint(&stored).await?;
    tracing::info!(checkpoint.size = stored.size, "checkpoint signed");
    Ok(stored)
}

/// Signs a checkpoint when the ledger has grown since the latest one of this key (the
/// server's periodic job); `None` when nothing changed.
pub async fn sign_if_grown(
    store: &dyn Store,
    signer: &SignerKey,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<StoredCheckpoint>> {
    let head = store.head().await?;
    let key_hash = format!("{:08x}", signer.verifier().key_hash());
    let latest = store.checkpoints(1).await?;
    if let Some(cp) = latest.first()
        && cp.size as i64 == head.seq
        && cp.key_hash == key_hash
    {
        return Ok(None);
    }
    sign_checkpoint(store, signer, now).await.map(Some)
}

/// Runs `sign_if_grown` every `minutes` (the policy's interval) until the process ends.
pub fn spawn_checkpointer(store: Arc<dyn Store>, key: LedgerKey, minutes: u32) {
    tokio::spawn(async move {
        let mut every =
            tokio::time::interval(std::time::Duration::from_secs(u64::from(minutes) * 60));
        loop {
            every.tick().await;
            if let Err(e) = sign_if_grown(store.as_ref(), &key.signer, chrono::Utc::now()).await {
                tracing::error!(error = %e, "periodic checkpoint failed");
            }
        }
    });
}

/// The latest checkpoint, or one signed now if none of this key exists yet.
pub async fn latest_checkpoint(
    store: &dyn Store,
    key: &LedgerKey,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<StoredCheckpoint> {
    let key_hash = format!("{:08x}", key.signer.verifier().key_hash());
    match store.checkpoints(1).await?.into_iter().next() {
        Some(cp) if cp.key_hash == key_hash => Ok(cp),
        _ => sign_checkpoint(store, &key.signer, now).await,
    }
}

/// An inclusion proof as served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InclusionView {
    pub seq: u64,
    pub size: u64,
    /// The leaf's index in the tree: `seq - 1`.
    pub leaf_index: u64,
    /// The event's chain hash (`ledger_events.hash`).
    pub event_hash: String,
    /// SHA-256(0x00 ‖ the event's canonical text).
    pub leaf_hash: String,
    /// The root of the tree of `size` events.
    pub root: String,
    /// Sibling hashes, deepest first (RFC 6962 PATH).
    pub proof: Vec<String>,
}

fn size_param(value: u64, name: &str) -> AppResult<()> {
    if value > i64::MAX as u64 {
        return Err(AppError::invalid(format!("{name} 超出范围")));
    }
    Ok(())
}

/// The inclusion proof of event `seq` in the tree of `size` events (`None`: the tree now).
pub async fn inclusion(store: &dyn Store, seq: u64, size: Option<u64>) -> AppResult<InclusionView> {
    size_param(seq, "seq")?;
    let size = match size {
        Some(s) => s,
        None => store.tree_size().await?,
    };
    size_param(size, "size")?;
    if seq == 0 || seq > size {
        return Err(AppError::invalid(format!(
            "seq 应在 1 到 size（{size}）之间，实为 {seq}"
        )));
    }
    let event = store
        .events_after(seq as i64 - 1, 1)
        .await?
        .into_iter()
        .next()
        .filter(|e| e.seq == seq as i64)
        .ok_or_else(|| AppError::not_found(format!("第 {seq} 号事件不存在")))?;
    let proof = store.inclusion_proof(seq, size).await?;
    let root = store.tree_root(size).await?;
    Ok(InclusionView {
        seq,
        size,
        leaf_index: seq - 1,
        event_hash: event.hash.clone(),
        leaf_hash: to_hex(&xyjt_store::tree::leaf_of(&event)),
        root: to_hex(&root),
        proof: proof.iter().map(|h| to_hex(h)).collect(),
    })
}

/// A consistency proof as served.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConsistencyView {
    pub from: u64,
    pub to: u64,
    pub from_root: String,
    pub to_root: String,
    /// RFC 6962 PROOF(from, D[to]).
    pub proof: Vec<String>,
}

pub async fn consistency(store: &dyn Store, from: u64, to: u64) -> AppResult<ConsistencyView> {
    size_param(to, "to")?;
    if from > to {
        return Err(AppError::invalid(format!(
            "from（{from}）不可大于 to（{to}）"
        )));
    }
    let proof = store.consistency_proof(from, to).await?;
    Ok(ConsistencyView {
        from,
        to,
        from_root: to_hex(&store.tree_root(from).await?),
        to_root: to_hex(&store.tree_root(to).await?),
        proof: proof.iter().map(|h| to_hex(h)).collect(),
    })
}

impl ConsistencyView {
    pub fn hashes(&self) -> AppResult<Vec<Hash>> {
        self.proof
            .iter()
            .enumerate()
            .map(|(i, h)| {
                hash_from_hex(h).ok_or_else(|| {
                    AppError::invalid(format!(
                        "一致性证明第 {} 个哈希“{h}”不是 64 位十六进制",
                        i + 1
                    ))
                })
            })
            .collect()
    }
}

/// What `verify --checkpoint` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CheckpointVerdict {
    /// The ledger is the checkpoint's history, extended append-only.
    Consistent {
        checkpoint_size: u64,
        ledger_size: u64,
    },
    /// The note does not verify with the given key (or is not a checkpoint of its log).
    BadCheckpoint { message: String },
    /// The ledger has fewer events than the checkpoint signed: its tail was cut.
    CutTail {
        checkpoint_size: u64,
        ledger_size: u64,
    },
    /// The first `checkpoint_size` events do not hash to the signed root.
    Rewritten {
        checkpoint_size: u64,
        signed_root: String,
        ledger_root: String,
    },
    /// The stored Merkle tree disagrees with the events it should cover.
    TreeMismatch { size: u64 },
}

impl CheckpointVerdict {
    pub fn ok(&self) -> bool {
        matches!(self, Self::Consistent { .. })
    }

    pub fn message(&self) -> String {
        match self {
            Self::Consistent {
                checkpoint_size,
                ledger_size,
            } => format!(
                "账本（{ledger_size} 个事件）是检查点（树大小 {checkpoint_size}）的一致延续 (consistent)"
            ),
            Self::BadCheckpoint { message } => format!("检查点无效：{message}"),
            Self::CutTail {
                checkpoint_size,
                ledger_size,
            } => format!(
                "账本只有 {ledger_size} 个事件，而检查点签署时已有 {checkpoint_size} 个：第 {} 至 {checkpoint_size} 号事件被删除（账本尾部被截断） (cut tail)",
                ledger_size + 1
            ),
            Self::Rewritten {
                checkpoint_size,
                signed_root,
                ledger_root,
            } => format!(
                "账本前 {checkpoint_size} 个事件的默克尔根为 {ledger_root}，检查点签署的是 {signed_root}：第 1 至 {checkpoint_size} 号事件中有事件被改写或账本历史分叉（即使哈希链已重算） (rewritten or forked history)"
            ),
            Self::TreeMismatch { size } => format!(
                "默克尔树表在树大小 {size} 处与账本事件不符：树表被改动 (tree does not match the events)"
            ),
        }
    }
}

/// Checks the ledger in `store` against a signed checkpoint (`note`, opened with `key`): the
/// events themselves are rehashed into the tree (the stored tree is not trusted), and the
/// stored tree's consistency proof from the checkpoint to the head must verify.
pub async fn verify_against(
    store: &dyn Store,
    note: &str,
    key: &VerifierKey,
) -> AppResult<CheckpointVerdict> {
    let cp = match Checkpoint::open(note, key) {
        Ok(cp) => cp,
        Err(e) => {
            return Ok(CheckpointVerdict::BadCheckpoint {
                message: e.to_string(),
            });
        }
    };
    let head = store.head().await?;
    let ledger_size = head.seq.max(0) as u64;
    if ledger_size < cp.size {
        return Ok(CheckpointVerdict::CutTail {
            checkpoint_size: cp.size,
            ledger_size,
        });
    }
    let roots = store.roots_from_events(&[cp.size, ledger_size]).await?;
    let (Some(at_cp), Some(at_head)) = (roots[0], roots[1]) else {
        // Events missing below the head: the chain check names them; from here it is a cut.
        return Ok(CheckpointVerdict::CutTail {
            checkpoint_size: cp.size,
            ledger_size,
        });
    };
    if at_cp != cp.root {
        return Ok(CheckpointVerdict::Rewritten {
            checkpoint_size: cp.size,
            signed_root: to_hex(&cp.root),
            ledger_root: to_hex(&at_cp),
        });
    }
    // The served tree must be the events' tree, and prove the extension the way a remote
    // verifier would check it.
    let tree = store.tree_head().await?;
    if tree.size != ledger_size || tree.root != at_head {
        return Ok(CheckpointVerdict::TreeMismatch { size: tree.size });
    }
    let proof = store.consistency_proof(cp.size, ledger_size).await?;
    if verify_consistency(cp.size, ledger_size, &cp.root, &at_head, &proof).is_err() {
        return Ok(CheckpointVerdict::TreeMismatch { size: ledger_size });
    }
    Ok(CheckpointVerdict::Consistent {
        checkpoint_size: cp.size,
        ledger_size,
    })
}

/// What the witness did with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witnessed {
    pub size: u64,
    /// The size of the checkpoint accepted before (`None`: the first one seen).
    pub previous: Option<u64>,
    /// The note with the witness's cosignature, when a witness key was given.
    pub cosigned: Option<String>,
}

/// The witness: checks `note` (signed by the log's `key`) against the last checkpoint it
/// accepted (kept in `state_dir`), with `proof` the consistency proof between the two, and
/// keeps it. Refuses a rollback, a fork or a bad proof, keeping what it had.
pub fn witness(
    state_dir: &Path,
    note: &str,
    key: &VerifierKey,
    proof: Option<&ConsistencyView>,
    cosigner: Option<&SignerKey>,
) -> AppResult<Witnessed> {
    let refuse = |m: String| AppError::new(ErrorKind::Invalid, "inconsistent_checkpoint", m);
    let new = Checkpoint::open(note, key).map_err(|e| refuse(format!("检查点无效：{e}")))?;
    std::fs::create_dir_all(state_dir).map_err(|e| {
        AppError::invalid(format!("创建见证目录 {} 失败：{e}", state_dir.display()))
    })?;
    let latest_path = state_dir.join("latest.checkpoint");
    let previous = match std::fs::read_to_string(&latest_path) {
        Ok(text) => Some(
            Checkpoint::open(&text, key)
                .map_err(|e| refuse(format!("{} 无效：{e}", latest_path.display())))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(AppError::invalid(format!(
                "读取 {} 失败：{e}",
                latest_path.display()
            )));
        }
    };
    if let Some(seen) = &previous {
        let hashes = match proof {
            Some(p) if p.from == seen.size && p.to == new.size => p.hashes()?,
            Some(p) => {
                return Err(AppError::invalid(format!(
                    "一致性证明是从 {} 到 {} 的，应为从 {} 到 {}",
                    p.from, p.to, seen.size, new.size
                )));
            }
            None if seen.size == new.size || seen.size == 0 => Vec::new(),
            None => {
                return Err(AppError::invalid(format!(
                    "需要从树大小 {} 到 {} 的一致性证明（--db 或 --proof）",
                    seen.size, new.size
                )));
            }
        };
        check_extension(seen, &new, &hashes).map_err(|e| refuse(e.to_string()))?;
    }
    let cosigned = cosigner
        .map(|w| xyjt_verify::note::cosign(note, w))
        .transpose()
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let kept = cosigned.as_deref().unwrap_or(note);
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text)
            .map_err(|e| AppError::invalid(format!("写入 {} 失败：{e}", path.display())))
    };
    write(
        state_dir.join(format!(
            "{}-{}.checkpoint",
            new.size,
            &to_hex(&new.root)[..16]
        )),
        kept,
    )?;
    write(latest_path, kept)?;
    Ok(Witnessed {
        size: new.size,
        previous: previous.map(|p| p.size),
        cosigned,
    })
}

/// What the database says about itself, checked without any outside copy: the stored tree
/// must be the tree of the stored events (and not longer than the ledger), and every checkpoint
/// kept in `ledger_checkpoints` must still match the events. Catches a cut tail or a rewrite
/// that left the tree or the kept checkpoints behind; an insider who also rewrites those is
/// caught only by a checkpoint kept elsewhere (`verify --checkpoint`). Returns the problems
/// found, in Chinese, empty when none.
pub async fn self_check(store: &dyn Store) -> AppResult<Vec<String>> {
    let head = store.head().await?;
    let ledger_size = head.seq.max(0) as u64;
    let tree_size = store.tree_size().await?;
    let kept = store.checkpoints(1_000).await?;
    let mut problems = Vec::new();
    if tree_size > ledger_size {
        problems.push(format!(
            "默克尔树覆盖 {tree_size} 个事件，账本现只有 {ledger_size} 个：第 {} 至 {tree_size} 号事件被删除（账本尾部被截断） (tree longer than the ledger)",
            ledger_size + 1
        ));
    }
    let mut sizes: Vec<u64> = kept
        .iter()
        .map(|c| c.size)
        .filter(|&s| s <= ledger_size)
        .collect();
    let tree_at = tree_size.min(ledger_size);
    sizes.push(tree_at);
    sizes.sort_unstable();
    sizes.dedup();
    let roots = store.roots_from_events(&sizes).await?;
    let root_at = |size: u64| sizes.iter().position(|&s| s == size).and_then(|i| roots[i]);
    if let Some(events_root) = root_at(tree_at)
        && store.tree_root(tree_at).await? != events_root
    {
        problems.push(format!(
            "默克尔树表在树大小 {tree_at} 处与账本事件不符：事件或树表被改动 (tree does not match the events)"
        ));
    }
    for cp in &kept {
        if cp.size > ledger_size {
            problems.push(format!(
                "库中保存的检查点（{} 签署，树大小 {}）比账本现有的 {ledger_size} 个事件多：账本尾部被截断 (kept checkpoint beyond the ledger)",
                cp.signed_at, cp.size
            ));
        } else if root_at(cp.size).map(|r| to_hex(&r)) != Some(cp.root.clone()) {
            problems.push(format!(
                "库中保存的检查点（{} 签署，树大小 {}）的根哈希与账本前 {} 个事件不符：事件被改写或历史分叉 (kept checkpoint does not match)",
                cp.signed_at, cp.size, cp.size
            ));
        }
    }
    Ok(problems)
}
