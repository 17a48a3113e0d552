-- Government commitments (政务承诺) and their checks (履约核查): a projection of the
-- gov_commitment_made / gov_commitment_checked events.
CREATE TABLE gov_commitments (
    id         TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    made_on    TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    last_seq   BIGINT NOT NULL
);
CREATE INDEX gov_commitments_subject ON gov_commitments (subject_id);
