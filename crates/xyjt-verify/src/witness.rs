//! What a witness checks before it accepts (and cosigns) a log's new checkpoint: that it
//! extends, append-only, the last checkpoint the witness accepted. A witness that refuses a
//! rolled-back or forked checkpoint makes a split view visible to anyone comparing notes.

use crate::Hash;
use crate::merkle::{ProofError, verify_consistency};
use crate::note::Checkpoint;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessError {
    /// The checkpoint is of another log.
    OtherLog { seen: String, got: String },
    /// The new checkpoint is smaller than one already accepted: the log went back.
    Rollback { seen: u64, got: u64 },
    /// Same size, different root: two histories of the same length.
    Fork { size: u64 },
    /// The consistency proof does not show the new tree extends the accepted one.
    Inconsistent {
        from: u64,
        to: u64,
        error: ProofError,
    },
}

impl fmt::Display for WitnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OtherLog { seen, got } => write!(
                f,
                "检查点来自“{got}”，已见检查点来自“{seen}”，不是同一账本 (another log)"
            ),
            Self::Rollback { seen, got } => write!(
                f,
                "新检查点的树大小 {got} 小于已接受的 {seen}：账本被截短或回滚 (rollback)"
            ),
            Self::Fork { size } => write!(
                f,
                "新检查点与已接受的检查点大小同为 {size} 而根哈希不同：账本历史分叉 (fork)"
            ),
            Self::Inconsistent { from, to, error } => write!(
                f,
                "从树大小 {from} 到 {to} 的一致性证明不成立：{error}；新检查点不是已接受账本的追加延续 (inconsistent)"
            ),
        }
    }
}

impl std::error::Error for WitnessError {}

/// Does `new` extend `seen` (with `proof`, the consistency proof from `seen.size` to
/// `new.size`)?
pub fn check_extension(
    seen: &Checkpoint,
    new: &Checkpoint,
    proof: &[Hash],
) -> Result<(), WitnessError> {
    if seen.origin != new.origin {
        return Err(WitnessError::OtherLog {
            seen: seen.origin.clone(),
            got: new.origin.clone(),
        });
    }
    if new.size < seen.size {
        return Err(WitnessError::Rollback {
            seen: seen.size,
            got: new.size,
        });
    }
    if new.size == seen.size && new.root != seen.root {
        return Err(WitnessError::Fork { size: new.size });
    }
    verify_consistency(seen.size, new.size, &seen.root, &new.root, proof).map_err(|error| {
        WitnessError::Inconsistent {
            from: seen.size,
            to: new.size,
            error,
        }
    })
}
