-- Exchange: every fact seen from each origin (issue 15, reconcile by Merkle roots).

-- Bookkeeping (not a projection: skipped facts are not in the ledger): each fact of another
-- node seen here — applied, skipped as not for this node, or dead-lettered — with the origin's
-- event hash. `exchange reconcile` compares the Merkle root of an origin's rows with the root
-- the origin computes over the facts it published, range by range, and repairs what differs.
CREATE TABLE exchange_seen (
    origin_node TEXT NOT NULL,
    origin_seq  INTEGER NOT NULL,
    origin_hash TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    PRIMARY KEY (origin_node, origin_seq)
);

-- Facts received before this table existed: the applied ones are known from the ledger's
-- projection; skipped ones are found and filled in by the first reconcile.
INSERT INTO exchange_seen (origin_node, origin_seq, origin_hash, outcome)
    SELECT origin_node, origin_seq, origin_hash, 'applied' FROM exchange_received;
