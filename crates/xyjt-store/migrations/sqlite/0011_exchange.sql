-- Exchange between platforms over NATS JetStream (issue 15).

-- Projection: every fact received from another node, by its origin (node, origin sequence):
-- the key makes applying a redelivered or republished fact twice impossible.
CREATE TABLE exchange_received (
    origin_node     TEXT NOT NULL,
    origin_seq      INTEGER NOT NULL,
    origin_event_id TEXT NOT NULL,
    origin_hash     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    aggregate_id    TEXT NOT NULL,
    applied         INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    PRIMARY KEY (origin_node, origin_seq)
);
CREATE INDEX exchange_received_aggregate ON exchange_received (aggregate_id);

-- Projection: an origin's subject that is this node's subject of the same identifiers.
CREATE TABLE exchange_subjects (
    origin_subject_id TEXT PRIMARY KEY,
    origin_node       TEXT NOT NULL,
    subject_id        TEXT NOT NULL,
    seq               INTEGER NOT NULL
);

-- Bookkeeping (not projections): the relay's cursor and this node's name.
CREATE TABLE exchange_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Bookkeeping per peer node: what was seen from it (inbound) and what it acknowledged of ours
-- (outbound), with counters for the status page.
CREATE TABLE exchange_peers (
    node        TEXT PRIMARY KEY,
    seen_seq    INTEGER NOT NULL DEFAULT 0,
    applied     INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    gap_from    INTEGER,
    acked_seq   INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

-- Messages that failed to apply max_deliveries times, with the reason (the dead-letter view).
CREATE TABLE exchange_dead_letters (
    origin_node TEXT NOT NULL,
    origin_seq  INTEGER NOT NULL,
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    deliveries  INTEGER NOT NULL,
    envelope    TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (origin_node, origin_seq)
);
