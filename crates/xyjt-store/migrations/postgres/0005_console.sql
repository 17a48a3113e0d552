-- Staff accounts (projection of account events), console sessions (operational: not in the
-- ledger, deleted on sign-out or expiry) and submissions waiting for review.
CREATE TABLE accounts (
    login         TEXT PRIMARY KEY,
    unit_id       TEXT NOT NULL,
    data          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    last_seq      BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    login      TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE submissions (
    id        TEXT PRIMARY KEY,
    unit_id   TEXT NOT NULL,
    status    TEXT NOT NULL,
    data      TEXT NOT NULL,
    last_seq  BIGINT NOT NULL
);
CREATE INDEX submissions_status ON submissions (status, unit_id);
