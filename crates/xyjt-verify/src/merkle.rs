//! RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
//!
//! A leaf's hash is `SHA-256(0x00 ‖ data)`, an interior node's `SHA-256(0x01 ‖ left ‖ right)`,
//! and the tree over `n` leaves splits at the largest power of two below `n`. Proof *generation*
//! works over any source of complete subtrees ([`NodeId`]): the ledger keeps exactly those in
//! a table, so a proof at any size costs `O(log² n)` node reads and no recomputation.

use crate::Hash;
use sha2::{Digest, Sha256};
use std::fmt;

pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (`n ≥ 2`).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// MTH over leaf hashes, straight from the RFC's definition: the reference the incremental
/// code is tested against.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// A complete subtree: `level` 0 is a leaf; node `(level, index)` covers leaves
/// `[index·2^level, (index+1)·2^level)`. Only complete subtrees are ever stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u32,
    pub index: u64,
}

/// The complete subtrees whose hashes, folded from the right, give MTH(D[start:end]), for a
/// range the RFC's recursion produces (`start` a multiple of the largest power of two
/// not above `end - start`). Largest first.
pub fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut at = start;
    let mut rest = end - start;
    while rest > 0 {
        let level = 63 - rest.leading_zeros();
        out.push(NodeId {
            level,
            index: at >> level,
        });
        at += 1 << level;
        rest -= 1 << level;
    }
    out
}

/// MTH(D[start:end]) from a source of complete subtrees.
pub fn range_hash(
    start: u64,
    end: u64,
    node: &mut impl FnMut(NodeId) -> Option<Hash>,
) -> Option<Hash> {
    if start == end {
        return Some(empty_root());
    }
    let ids = range_nodes(start, end);
    let mut acc = node(*ids.last()?)?;
    for id in ids.iter().rev().skip(1) {
        acc = node_hash(&node(*id)?, &acc);
    }
    Some(acc)
}

/// The ranges whose hashes make up the inclusion proof of leaf `index` in a tree of `size`
/// (RFC 6962 §2.1.1 PATH), deepest first.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    path(index, 0, size, &mut out);
    out.reverse();
    out
}

fn path(m: u64, start: u64, end: u64, out: &mut Vec<(u64, u64)>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        out.push((start + k, end));
        path(m, start, start + k, out);
    } else {
        out.push((start, start + k));
        path(m - k, start + k, end, out);
    }
}

/// The ranges whose hashes make up the consistency proof from `first` to `second`
/// (RFC 6962 §2.1.2 PROOF), in proof order. Empty when `first` is 0 or equals `second`.
pub fn consistency_ranges(first: u64, second: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    if first > 0 && first < second {
        subproof(first, 0, second, true, &mut out);
    }
    out
}

fn subproof(m: u64, start: u64, end: u64, complete: bool, out: &mut Vec<(u64, u64)>) {
    let n = end - start;
    if m == n {
        if !complete {
            out.push((start, end));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, start, start + k, complete, out);
        out.push((start + k, end));
    } else {
        subproof(m - k, start + k, end, false, out);
        out.push((start, start + k));
    }
}

/// Every complete subtree a set of ranges needs: fetch these, then call [`proof_from`].
pub fn nodes_for(ranges: &[(u64, u64)]) -> Vec<NodeId> {
    let mut ids: Vec<NodeId> = ranges
        .iter()
        .flat_map(|&(s, e)| range_nodes(s, e))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A proof's hashes from its ranges; `None` when the source lacks a node.
pub fn proof_from(
    ranges: &[(u64, u64)],
    node: &mut impl FnMut(NodeId) -> Option<Hash>,
) -> Option<Vec<Hash>> {
    ranges
        .iter()
        .map(|&(s, e)| range_hash(s, e, node))
        .collect()
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    IndexOutOfRange { index: u64, size: u64 },
    /// The first size is larger than the second.
    SizesReversed { first: u64, second: u64 },
    /// The proof has the wrong number of hashes for these sizes.
    WrongLength { expected: usize, got: usize },
    /// The recomputed root is not the claimed one.
    RootMismatch,
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IndexOutOfRange { index, size } => write!(
                f,
                "叶序号 {index} 不在大小为 {size} 的树内 (index out of range)"
            ),
            Self::SizesReversed { first, second } => write!(
                f,
                "一致性证明的前一大小 {first} 大于后一大小 {second} (sizes reversed)"
            ),
            Self::WrongLength { expected, got } => write!(
                f,
                "证明应有 {expected} 个哈希，实有 {got} 个 (wrong proof length)"
            ),
            Self::RootMismatch => write!(f, "由证明算出的根哈希与声称的不同 (root mismatch)"),
        }
    }
}

impl std::error::Error for ProofError {}

/// The proof length RFC 9162 implies for an inclusion proof.
fn inclusion_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

/// RFC 9162 §2.1.3.2: does `proof` show leaf `index` (with hash `leaf`) in the tree of
/// `size` whose root is `root`?
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            got: proof.len(),
        });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength {
                expected,
                got: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn == 0 && r == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// RFC 9162 §2.1.4.2: is the tree of `second` leaves with root `second_root` an append-only
/// extension of the tree of `first` leaves with root `first_root`?
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::SizesReversed { first, second });
    }
    if first == second || first == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                expected: 0,
                got: proof.len(),
            });
        }
        let same = if first == 0 {
            *first_root == empty_root()
        } else {
            first_root == second_root
        };
        return if same {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let expected = consistency_ranges(first, second).len();
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            got: proof.len(),
        });
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::RootMismatch);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn == 0 && fr == *first_root && sr == *second_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The right edge of an append-only tree: the roots of its perfect subtrees, largest first
/// (one per set bit of `size`). Enough to append a leaf and to compute the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

impl Frontier {
    /// The complete subtrees that make up the frontier of a tree of `size` leaves, largest
    /// first: load these to resume appending.
    pub fn node_ids(size: u64) -> Vec<NodeId> {
        range_nodes(0, size)
    }

    /// A frontier from its nodes (as named by [`Frontier::node_ids`]).
    pub fn from_nodes(size: u64, nodes: Vec<Hash>) -> Option<Self> {
        (nodes.len() == size.count_ones() as usize).then_some(Self { size, nodes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; returns every complete subtree it completes, the leaf first.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let mut made = Vec::with_capacity(2);
        let (mut level, mut index, mut cur) = (0u32, self.size, leaf);
        made.push((NodeId { level, index }, cur));
        while index & 1 == 1 {
            let left = self.nodes.pop().expect("an odd index has a left sibling");
            cur = node_hash(&left, &cur);
            level += 1;
            index >>= 1;
            made.push((NodeId { level, index }, cur));
        }
        self.nodes.push(cur);
        self.size += 1;
        made
    }

    /// The tree's root hash.
    pub fn root(&self) -> Hash {
        let mut iter = self.nodes.iter().rev();
        match iter.next() {
            None => empty_root(),
            Some(last) => iter.fold(*last, |acc, n| node_hash(n, &acc)),
        }
    }
}
