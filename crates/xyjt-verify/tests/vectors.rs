//! The verifier against fixed vectors written by others: RFC 6962 / Certificate Transparency
//! roots and proofs, and the signed note of Go's `golang.org/x/mod/sumdb/note`. Then
//! property tests: proofs from stored complete subtrees equal the RFC's recursion and verify,
//! and any change makes them fail.

use proptest::prelude::*;
use std::collections::HashMap;
use xyjt_verify::merkle::*;
use xyjt_verify::note::{Checkpoint, NoteError, SignerKey, VerifierKey, cosign};
use xyjt_verify::{Hash, hash_from_hex, to_hex};

fn h(hex: &str) -> Hash {
    hash_from_hex(hex).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The eight leaves of the CT test tree.
const CT_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots for sizes 0..=8.
const CT_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn ct_leaves() -> Vec<Hash> {
    CT_LEAVES.iter().map(|l| leaf_hash(&unhex(l))).collect()
}

/// Every complete subtree of a tree, as the ledger's table keeps them.
fn stored_nodes(leaves: &[Hash]) -> HashMap<NodeId, Hash> {
    let mut f = Frontier::default();
    leaves.iter().flat_map(|l| f.push(*l)).collect()
}

fn inclusion(nodes: &HashMap<NodeId, Hash>, index: u64, size: u64) -> Vec<Hash> {
    proof_from(&inclusion_ranges(index, size), &mut |id| {
        nodes.get(&id).copied()
    })
    .unwrap()
}

fn consistency(nodes: &HashMap<NodeId, Hash>, first: u64, second: u64) -> Vec<Hash> {
    proof_from(&consistency_ranges(first, second), &mut |id| {
        nodes.get(&id).copied()
    })
    .unwrap()
}

#[test]
fn ct_roots_for_every_size_both_ways() {
    let leaves = ct_leaves();
    let mut f = Frontier::default();
    assert_eq!(to_hex(&f.root()), CT_ROOTS[0]);
    for n in 1..=8 {
        f.push(leaves[n - 1]);
        assert_eq!(
            to_hex(&root(&leaves[..n])),
            CT_ROOTS[n],
            "reference, size {n}"
        );
        assert_eq!(to_hex(&f.root()), CT_ROOTS[n], "frontier, size {n}");
    }
}

#[test]
fn ct_inclusion_proofs() {
    let leaves = ct_leaves();
    let nodes = stored_nodes(&leaves);
    let cases: [(u64, u64, &[&str]); 3] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
    ];
    for (index, size, want) in cases {
        let got = inclusion(&nodes, index, size);
        let want: Vec<Hash> = want.iter().map(|w| h(w)).collect();
        assert_eq!(got, want, "inclusion of {index} in {size}");
        verify_inclusion(
            index,
            size,
            &leaves[index as usize],
            &want,
            &h(CT_ROOTS[size as usize]),
        )
        .unwrap();
    }
}

#[test]
fn ct_consistency_proofs() {
    let leaves = ct_leaves();
    let nodes = stored_nodes(&leaves);
    let cases: [(u64, u64, &[&str]); 3] = [
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (first, second, want) in cases {
        let got = consistency(&nodes, first, second);
        let want: Vec<Hash> = want.iter().map(|w| h(w)).collect();
        assert_eq!(got, want, "consistency {first} → {second}");
        let (r1, r2) = (h(CT_ROOTS[first as usize]), h(CT_ROOTS[second as usize]));
        verify_consistency(first, second, &r1, &r2, &want).unwrap();
        assert_eq!(
            verify_consistency(first, second, &r2, &r1, &want),
            Err(ProofError::RootMismatch)
        );
    }
}

#[test]
fn degenerate_consistency() {
    let r4 = h(CT_ROOTS[4]);
    let r5 = h(CT_ROOTS[5]);
    verify_consistency(4, 4, &r4, &r4, &[]).unwrap();
    assert!(verify_consistency(4, 4, &r4, &r5, &[]).is_err());
    assert!(verify_consistency(4, 4, &r4, &r4, &[r4]).is_err());
    verify_consistency(0, 8, &empty_root(), &r5, &[]).unwrap();
    assert!(verify_consistency(0, 8, &r4, &r5, &[]).is_err());
    assert!(matches!(
        verify_consistency(5, 4, &r5, &r4, &[]),
        Err(ProofError::SizesReversed { .. })
    ));
    assert!(matches!(
        verify_inclusion(8, 8, &r4, &[], &r4),
        Err(ProofError::IndexOutOfRange { .. })
    ));
}

/// `golang.org/x/mod/sumdb/note`'s example: Ed25519 is deterministic, so our signer must
/// reproduce the published note byte for byte, and our verifier must open it.
const GO_SIGNER: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn go_sumdb_note_vector() {
    let signer = SignerKey::parse(GO_SIGNER).unwrap();
    assert_eq!(signer.encode(), GO_SIGNER);
    assert_eq!(signer.verifier().encode(), GO_VERIFIER);
    assert_eq!(signer.sign(GO_TEXT).unwrap(), GO_NOTE);
    let verifier = VerifierKey::parse(GO_VERIFIER).unwrap();
    assert_eq!(verifier.open(GO_NOTE).unwrap(), GO_TEXT);
    let altered = GO_NOTE.replace("cryptography", "cryptographY");
    assert_eq!(
        verifier.open(&altered),
        Err(NoteError::BadSignature {
            key: "PeterNeumann".into()
        })
    );
    // A key hash that does not match the key is refused, not trusted.
    assert!(VerifierKey::parse(&GO_VERIFIER.replace("c74f20a3", "c74f20a4")).is_err());
}

#[test]
fn checkpoint_round_trip_and_cosignature() {
    let log = SignerKey::from_seed("xyjt.test/ledger", [7; 32]).unwrap();
    let witness = SignerKey::from_seed("witness.city", [9; 32]).unwrap();
    let cp = Checkpoint::new("xyjt.test/ledger", 8, h(CT_ROOTS[8]));
    let note = cp.sign(&log).unwrap();
    assert!(note.starts_with("xyjt.test/ledger\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqt"));
    assert_eq!(Checkpoint::open(&note, &log.verifier()).unwrap(), cp);
    let cosigned = cosign(&note, &witness).unwrap();
    assert_eq!(Checkpoint::open(&cosigned, &log.verifier()).unwrap(), cp);
    // The witness's line verifies over the same text; a checkpoint opened with the witness's
    // key is refused, since the witness is not the log.
    assert_eq!(witness.verifier().open(&cosigned).unwrap(), cp.text());
    assert!(matches!(
        Checkpoint::open(&cosigned, &witness.verifier()),
        Err(NoteError::WrongOrigin { .. })
    ));
    // Another log's key: not signed by it.
    let other = SignerKey::from_seed("xyjt.test/ledger", [8; 32]).unwrap();
    assert!(matches!(
        Checkpoint::open(&note, &other.verifier()),
        Err(NoteError::Unsigned { .. })
    ));
    // A changed size breaks the signature.
    let changed = note.replacen("\n8\n", "\n9\n", 1);
    assert!(matches!(
        Checkpoint::open(&changed, &log.verifier()),
        Err(NoteError::BadSignature { .. })
    ));
    // A checkpoint is refused for a key of another name.
    let wrong = Checkpoint::new("elsewhere", 1, [0; 32]);
    assert!(matches!(
        wrong.sign(&log),
        Err(NoteError::WrongOrigin { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn proofs_from_stored_subtrees_match_the_rfc_and_verify(
        n in 1u64..140,
        seed in any::<u64>(),
        pick in any::<u64>(),
        bit in 0usize..256,
    ) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&(seed ^ i).to_be_bytes())).collect();
        let nodes = stored_nodes(&leaves);
        let mut f = Frontier::default();
        for (size, leaf) in leaves.iter().enumerate() {
            prop_assert_eq!(f.root(), root(&leaves[..size]));
            f.push(*leaf);
        }
        let full = root(&leaves);
        prop_assert_eq!(f.root(), full);
        // A frontier resumed from the stored nodes continues identically.
        let size = 1 + pick % n;
        let ids = Frontier::node_ids(size);
        let resumed = Frontier::from_nodes(size, ids.iter().map(|id| nodes[id]).collect()).unwrap();
        prop_assert_eq!(resumed.root(), root(&leaves[..size as usize]));

        let index = pick % size;
        let proof = inclusion(&nodes, index, size);
        let sub_root = root(&leaves[..size as usize]);
        prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &sub_root).is_ok());
        // Another leaf, another index, or one flipped bit: refused.
        let other = leaf_hash(b"not in the tree");
        prop_assert!(verify_inclusion(index, size, &other, &proof, &sub_root).is_err());
        if size > 1 {
            let wrong = (index + 1) % size;
            if leaves[wrong as usize] != leaves[index as usize] {
                prop_assert!(verify_inclusion(wrong, size, &leaves[index as usize], &proof, &sub_root).is_err());
            }
            let mut bad = proof.clone();
            let i = bit / 8 % bad.len();
            bad[i][bit % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &bad, &sub_root).is_err());
        }

        let first = pick.rotate_left(17) % (size + 1);
        let proof = consistency(&nodes, first, size);
        let first_root = root(&leaves[..first as usize]);
        prop_assert!(verify_consistency(first, size, &first_root, &sub_root, &proof).is_ok());
        if first > 0 && first < size {
            let mut bad = proof.clone();
            let i = bit / 8 % bad.len();
            bad[i][bit % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(first, size, &first_root, &sub_root, &bad).is_err());
            // A forked history: the same first size with a different leaf.
            let mut forked = leaves[..size as usize].to_vec();
            forked[(first - 1) as usize] = leaf_hash(b"rewritten");
            prop_assert!(verify_consistency(first, size, &first_root, &root(&forked), &proof).is_err());
        }
    }
}

#[test]
fn a_witness_accepts_extensions_and_refuses_rollbacks_and_forks() {
    use xyjt_verify::witness::{WitnessError, check_extension};
    let leaves = ct_leaves();
    let nodes = stored_nodes(&leaves);
    let cp = |size: usize| Checkpoint::new("log", size as u64, root(&leaves[..size]));
    check_extension(&cp(3), &cp(8), &consistency(&nodes, 3, 8)).unwrap();
    check_extension(&cp(8), &cp(8), &[]).unwrap();
    assert_eq!(
        check_extension(&cp(8), &cp(5), &[]),
        Err(WitnessError::Rollback { seen: 8, got: 5 })
    );
    let mut forked = cp(8);
    forked.root[0] ^= 1;
    assert_eq!(
        check_extension(&cp(8), &forked, &[]),
        Err(WitnessError::Fork { size: 8 })
    );
    assert!(matches!(
        check_extension(&cp(3), &forked, &consistency(&nodes, 3, 8)),
        Err(WitnessError::Inconsistent { from: 3, to: 8, .. })
    ));
    let mut other = cp(8);
    other.origin = "elsewhere".into();
    assert!(matches!(
        check_extension(&cp(3), &other, &consistency(&nodes, 3, 8)),
        Err(WitnessError::OtherLog { .. })
    ));
}
