-- Workflows (objections, credit repair), credit commitments, the in-app inbox, the outbox that
-- mail / SMS / exchange adapters drain, and evidence files. Applications and commitments are
-- projections of ledger events; an evidence file's SHA-256 is in the ledger, its bytes here.
CREATE TABLE applications (
    number          TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    is_open         BIGINT NOT NULL,
    subject_id      TEXT,
    record_id       TEXT,
    entry_id        TEXT,
    unit            TEXT NOT NULL,
    filed_on        TEXT NOT NULL,
    data            TEXT NOT NULL,
    last_seq        BIGINT NOT NULL
);
CREATE INDEX applications_record ON applications (record_id);
CREATE INDEX applications_subject ON applications (subject_id);
CREATE INDEX applications_unit ON applications (unit, is_open);

CREATE TABLE commitments (
    id          TEXT PRIMARY KEY,
    subject_id  TEXT NOT NULL,
    template_id TEXT NOT NULL,
    unit        TEXT NOT NULL,
    signed_on   TEXT NOT NULL,
    status      TEXT NOT NULL,
    data        TEXT NOT NULL,
    last_seq    BIGINT NOT NULL
);
CREATE INDEX commitments_subject ON commitments (subject_id);

-- In-app inbox (站内消息): one row per unit and event that concerns it.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    unit       TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    created_on TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    message    TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX notifications_unit ON notifications (unit, seq);

-- Outbox (待发送): written in the same transaction as the event that causes it, drained by
-- adapters (`xyjt outbox drain`), which set delivered_at.
CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    channel      TEXT NOT NULL,
    ref          TEXT NOT NULL,
    payload      TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    created_on   TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_pending ON outbox (channel, delivered_at, seq);

CREATE TABLE attachments (
    sha256    TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    size      BIGINT NOT NULL,
    content   TEXT NOT NULL
);
