-- Joint reward and punishment: list policy versions, name-list entries, credit checks and
-- their feedback, API tokens. All are projections of ledger events.
CREATE TABLE list_policies (
    version BIGINT PRIMARY KEY,
    data    TEXT NOT NULL,
    seq     BIGINT NOT NULL
);

CREATE TABLE list_entries (
    id          TEXT PRIMARY KEY,
    list        TEXT NOT NULL,
    subject_id  TEXT,
    code        TEXT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    status      TEXT NOT NULL,
    entry_date  TEXT NOT NULL,
    valid_until TEXT,
    data        TEXT NOT NULL,
    last_seq    BIGINT NOT NULL
);
CREATE INDEX list_entries_list ON list_entries (list, status);
CREATE INDEX list_entries_subject ON list_entries (subject_id);
CREATE INDEX list_entries_code ON list_entries (code);

CREATE TABLE checks (
    id             TEXT PRIMARY KEY,
    asked_by       TEXT NOT NULL,
    decision_point TEXT NOT NULL,
    decision       TEXT NOT NULL,
    subject_id     TEXT,
    policy_version BIGINT NOT NULL,
    checked_on     TEXT NOT NULL,
    data           TEXT NOT NULL,
    feedback       TEXT,
    seq            BIGINT NOT NULL
);
CREATE INDEX checks_asked_by ON checks (asked_by, checked_on);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    seq        BIGINT NOT NULL
);

-- Joint punishment cases (联合惩戒案件) and their unit reports.
CREATE TABLE joint_cases (
    id         TEXT PRIMARY KEY,
    initiator  TEXT NOT NULL,
    entry_id   TEXT NOT NULL,
    opened_on  TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    data       TEXT NOT NULL,
    last_seq   BIGINT NOT NULL
);
CREATE INDEX joint_cases_initiator ON joint_cases (initiator, opened_on);

-- Screening hits a person marked as false positives: the same query and entry are not hit again.
CREATE TABLE false_positives (
    entry_id  TEXT NOT NULL,
    query_key TEXT NOT NULL,
    data      TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    PRIMARY KEY (entry_id, query_key)
);
