-- Credit evaluation (信用评价) and graded, randomised supervision (双随机一公开). All are
-- projections of ledger events.
CREATE TABLE eval_models (
    id      TEXT NOT NULL,
    version BIGINT NOT NULL,
    data    TEXT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE eval_runs (
    id         TEXT PRIMARY KEY,
    model_id   TEXT NOT NULL,
    period     TEXT NOT NULL,
    unit       TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    last_seq   BIGINT NOT NULL
);
CREATE INDEX eval_runs_model ON eval_runs (model_id, period);

CREATE TABLE eval_results (
    id           TEXT PRIMARY KEY,
    run_id       TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    model_id     TEXT NOT NULL,
    period       TEXT NOT NULL,
    grade        TEXT,
    score        BIGINT NOT NULL,
    name_key     TEXT NOT NULL,
    status       TEXT NOT NULL,
    published_on TEXT,
    valid_until  TEXT,
    revision     TEXT,
    data         TEXT NOT NULL,
    last_seq     BIGINT NOT NULL
);
CREATE INDEX eval_results_run ON eval_results (run_id);
CREATE INDEX eval_results_subject ON eval_results (subject_id, model_id);
CREATE INDEX eval_results_public ON eval_results (model_id, period, status, grade);

CREATE TABLE inspector_pools (
    unit TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    seq  BIGINT NOT NULL
);

CREATE TABLE inspection_draws (
    id          TEXT PRIMARY KEY,
    quarter     TEXT NOT NULL,
    unit        TEXT NOT NULL,
    seed_sha256 TEXT NOT NULL,
    committed_seq BIGINT NOT NULL,
    data        TEXT,
    last_seq    BIGINT NOT NULL
);
CREATE INDEX inspection_draws_quarter ON inspection_draws (quarter, unit);

CREATE TABLE inspection_results (
    id         TEXT PRIMARY KEY,
    draw_id    TEXT,
    task_no    BIGINT,
    subject_id TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    data       TEXT NOT NULL,
    seq        BIGINT NOT NULL
);
CREATE INDEX inspection_results_subject ON inspection_results (subject_id, on_date);
CREATE INDEX inspection_results_draw ON inspection_results (draw_id);

-- Draws fold the ledger events of a few kinds up to a snapshot (inspection replay).
CREATE INDEX ledger_events_kind ON ledger_events (kind, seq);
