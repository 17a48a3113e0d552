-- The credit ledger: append-only, hash-chained events. Projections below are derived from it.
CREATE TABLE ledger_events (
    seq          BIGINT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    subject_id   TEXT,
    payload      TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX ledger_events_aggregate ON ledger_events (aggregate_id, seq);
CREATE INDEX ledger_events_subject ON ledger_events (subject_id, seq);

-- The chain's head: the anchor that makes a cut-off tail detectable, and the row writers lock.
CREATE TABLE ledger_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash, recorded_at)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '1970-01-01T00:00:00.000000Z');

CREATE FUNCTION ledger_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_events is append-only';
END;
$$;
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE OR DELETE ON ledger_events
    FOR EACH ROW EXECUTE FUNCTION ledger_events_append_only();
CREATE TRIGGER ledger_events_no_truncate BEFORE TRUNCATE ON ledger_events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_events_append_only();

-- Projection: subjects as of the latest event.
CREATE TABLE subjects (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    uscc       TEXT UNIQUE,
    org_code   TEXT,
    reg_no     TEXT,
    citizen_id TEXT UNIQUE,
    data       TEXT NOT NULL,
    last_seq   BIGINT NOT NULL
);
CREATE INDEX subjects_org_code ON subjects (org_code);
CREATE INDEX subjects_reg_no ON subjects (reg_no);
CREATE INDEX subjects_name_key ON subjects (name_key);

-- Projection: every name a subject has had (曾用名), for search and history.
CREATE TABLE subject_names (
    subject_id   TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    effective_on TEXT,
    PRIMARY KEY (subject_id, seq)
);
CREATE INDEX subject_names_key ON subject_names (name_key);

-- Projection: records as of the latest event.
CREATE TABLE records (
    id             TEXT PRIMARY KEY,
    subject_id     TEXT NOT NULL,
    category       TEXT NOT NULL,
    doc_no         TEXT NOT NULL,
    authority_code TEXT NOT NULL,
    decision_date  TEXT NOT NULL,
    status         TEXT NOT NULL,
    version        BIGINT NOT NULL,
    body           TEXT NOT NULL,
    last_seq       BIGINT NOT NULL,
    UNIQUE (category, doc_no, authority_code)
);
CREATE INDEX records_subject ON records (subject_id, decision_date);
CREATE INDEX records_decision_date ON records (category, decision_date);
