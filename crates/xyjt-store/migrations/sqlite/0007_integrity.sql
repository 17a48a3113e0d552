-- Government integrity (政务诚信): direct registrations, the archives' extra facts, integrity
-- records with their fault-tolerance findings, and the decision points an API token may ask.
-- All are projections of ledger events.
CREATE TABLE registrations (
    id         TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    last_seq   BIGINT NOT NULL
);

CREATE TABLE gov_subjects (
    subject_id TEXT PRIMARY KEY,
    archive    TEXT NOT NULL,
    unit       TEXT,
    post       TEXT,
    seq        BIGINT NOT NULL
);

CREATE TABLE integrity_records (
    id            TEXT PRIMARY KEY,
    subject_id    TEXT NOT NULL,
    archive       TEXT NOT NULL,
    code          TEXT NOT NULL,
    deciding_unit TEXT NOT NULL,
    doc_no        TEXT NOT NULL,
    nature        TEXT NOT NULL,
    decided_on    TEXT NOT NULL,
    data          TEXT NOT NULL,
    last_seq      BIGINT NOT NULL,
    UNIQUE (deciding_unit, doc_no)
);
CREATE INDEX integrity_records_subject ON integrity_records (subject_id);
CREATE INDEX integrity_records_code ON integrity_records (code);

ALTER TABLE api_tokens ADD COLUMN decision_points TEXT;

-- The half-yearly assessment of departments: scores entered by staff, and published bulletins.
CREATE TABLE assessment_scores (
    period     TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    indicator  TEXT NOT NULL,
    value      BIGINT NOT NULL,
    note       TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    PRIMARY KEY (period, subject_id, indicator)
);

CREATE TABLE assessments (
    period TEXT PRIMARY KEY,
    data   TEXT NOT NULL,
    seq    BIGINT NOT NULL
);
