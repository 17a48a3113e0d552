//! The ledger's Merkle tree on both backends: maintained by every append in its transaction,
//! equal to the RFC 6962 tree recomputed from the events, with proofs that `xyjt-verify`
//! accepts; built for events written before the tree existed.

mod common;

use common::*;
use xyjt_core::ledger::EventPayload;
use xyjt_store::tree::{StoredCheckpoint, leaf_of};
use xyjt_store::{Backend, SqlStore, Store, StoreError};
use xyjt_verify::merkle::{self, verify_consistency, verify_inclusion};
use xyjt_verify::{Hash, to_hex};

async fn register(store: &SqlStore, from: usize, count: usize) {
    let events = (from..from + count)
        .map(|i| {
            ev(
                "2025-03-01T00:00:00Z",
                EventPayload::SubjectRegistered {
                    subject: company(
                        &format!("s-{i}"),
                        &format!("示范运输公司{i}"),
                        &format!("{i:08}"),
                    ),
                },
            )
        })
        .collect();
    store.append(events).await.unwrap();
}

async fn leaves(store: &SqlStore) -> Vec<Hash> {
    store
        .events_after(0, 10_000)
        .await
        .unwrap()
        .iter()
        .map(leaf_of)
        .collect()
}

pub async fn sql(store: &SqlStore, statement: &str) {
    sqlx::raw_sql(statement)
        .execute(store.pool())
        .await
        .unwrap();
}

async fn tree_story(store: SqlStore) {
    // An empty ledger has the empty tree.
    let head = store.tree_head().await.unwrap();
    assert_eq!((head.size, head.root), (0, merkle::empty_root()));

    let mut n = 0;
    for batch in [1, 2, 5, 13, 1] {
        register(&store, n, batch).await;
        n += batch;
        let leaves = leaves(&store).await;
        assert_eq!(store.tree_size().await.unwrap(), n as u64);
        assert_eq!(
            store.tree_root(n as u64).await.unwrap(),
            merkle::root(&leaves)
        );
    }
    let leaves = leaves(&store).await;
    let head = store.tree_head().await.unwrap();
    assert_eq!(head.size, 22);
    assert_eq!(head.head.seq, 22);
    assert_eq!(head.root, merkle::root(&leaves));

    // Every event's inclusion proof at several sizes, and consistency between them.
    for size in [1u64, 2, 3, 7, 8, 13, 22] {
        let root = store.tree_root(size).await.unwrap();
        assert_eq!(
            root,
            merkle::root(&leaves[..size as usize]),
            "root at {size}"
        );
        for seq in 1..=size {
            let proof = store.inclusion_proof(seq, size).await.unwrap();
            verify_inclusion(seq - 1, size, &leaves[seq as usize - 1], &proof, &root)
                .unwrap_or_else(|e| panic!("inclusion of {seq} in {size}: {e}"));
        }
        for from in 0..=size {
            let proof = store.consistency_proof(from, size).await.unwrap();
            let first = store.tree_root(from).await.unwrap();
            verify_consistency(from, size, &first, &root, &proof)
                .unwrap_or_else(|e| panic!("consistency {from} → {size}: {e}"));
        }
    }
    // Beyond the tree, or an event outside it: refused, saying which sizes.
    let err = store.inclusion_proof(23, 23).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(ref m) if m.contains("23") && m.contains("22")),
        "{err}"
    );
    assert!(matches!(
        store.inclusion_proof(5, 4).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.consistency_proof(5, 4).await,
        Err(StoreError::NotFound(_))
    ));

    // The roots recomputed from the events agree with the stored tree.
    let roots = store.roots_from_events(&[0, 8, 22, 23]).await.unwrap();
    assert_eq!(roots[0], Some(merkle::empty_root()));
    assert_eq!(roots[1], Some(merkle::root(&leaves[..8])));
    assert_eq!(roots[2], Some(head.root));
    assert_eq!(roots[3], None, "there is no 23rd event");

    // The tree table refuses changes like the ledger does.
    for statement in [
        "UPDATE ledger_tree SET hash = 'x'",
        "DELETE FROM ledger_tree",
    ] {
        assert!(
            sqlx::raw_sql(statement)
                .execute(store.pool())
                .await
                .is_err(),
            "{statement}"
        );
    }

    // A database from before the tree: the first append builds it for the events already there.
    match store.backend() {
        Backend::Sqlite => {
            sql(&store, "DROP TRIGGER ledger_tree_no_delete").await;
        }
        Backend::Postgres => {
            sql(&store, "DROP TRIGGER ledger_tree_no_update ON ledger_tree").await;
        }
    }
    sql(&store, "DELETE FROM ledger_tree").await;
    assert_eq!(store.tree_size().await.unwrap(), 0);
    register(&store, 22, 1).await;
    let leaves = self::leaves(&store).await;
    assert_eq!(store.tree_size().await.unwrap(), 23);
    assert_eq!(store.tree_root(23).await.unwrap(), merkle::root(&leaves));
    // … or `tree_head` does, when nothing is appended.
    sql(&store, "DELETE FROM ledger_tree").await;
    let head = store.tree_head().await.unwrap();
    assert_eq!((head.size, head.root), (23, merkle::root(&leaves)));

    // Checkpoints are kept, the largest tree first.
    for (size, at) in [(8u64, "2025-03-01T00:00:00Z"), (23, "2025-03-02T00:00:00Z")] {
        store
            .record_checkpoint(&StoredCheckpoint {
                id: xyjt_core::ledger::new_id(),
                size,
                root: to_hex(&merkle::root(&leaves[..size as usize])),
                key_name: "xyjt.test/ledger".into(),
                key_hash: "0011aabb".into(),
                signed_at: at.into(),
                note: format!("xyjt.test/ledger\n{size}\n…\n"),
            })
            .await
            .unwrap();
    }
    let kept = store.checkpoints(10).await.unwrap();
    assert_eq!(kept.iter().map(|c| c.size).collect::<Vec<_>>(), [23, 8]);
    assert_eq!(kept[0].root, to_hex(&head.root));
}

#[tokio::test]
async fn sqlite_tree() {
    on_sqlite("tree", tree_story).await;
}

#[tokio::test]
async fn postgres_tree() {
    on_postgres("postgres_tree", tree_story).await;
}
