-- The Merkle tree over the ledger (RFC 6962, leaf = SHA-256(0x00 || event text), node =
-- SHA-256(0x01 || left || right), leaves in seq order): every complete subtree, node
-- (level, idx) covering leaves [idx * 2^level, (idx + 1) * 2^level). Written in the same
-- transaction as the events it covers; events older than this migration are added by the
-- first append after it (or `xyjt checkpoint`), since SQL cannot compute SHA-256 here.
CREATE TABLE ledger_tree (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TRIGGER ledger_tree_no_update BEFORE UPDATE ON ledger_tree
BEGIN SELECT RAISE(ABORT, 'ledger_tree is append-only'); END;
CREATE TRIGGER ledger_tree_no_delete BEFORE DELETE ON ledger_tree
BEGIN SELECT RAISE(ABORT, 'ledger_tree is append-only'); END;

-- Every signed checkpoint the platform has issued (C2SP tlog-checkpoint notes), kept.
CREATE TABLE ledger_checkpoints (
    id        TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    root      TEXT NOT NULL,
    key_name  TEXT NOT NULL,
    key_hash  TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    note      TEXT NOT NULL
);
CREATE INDEX ledger_checkpoints_size ON ledger_checkpoints (size, signed_at);

-- Every credit report issued (信用报告), as issued, by number: /reports/verify finds one by
-- its number. Not a projection: the report quotes the ledger, it is not derived from it.
CREATE TABLE credit_reports (
    number     TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    report     TEXT NOT NULL
);
CREATE INDEX credit_reports_subject ON credit_reports (subject_id, issued_at);
