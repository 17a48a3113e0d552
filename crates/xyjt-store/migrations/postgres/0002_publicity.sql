-- 双公示: how each record was published (received when, late or not, public window), and the
-- rejected rows of imports, so compliance statistics come from stored facts.
ALTER TABLE records ADD COLUMN authority TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN source_unit_code TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN source_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN reported_on TEXT;
ALTER TABLE records ADD COLUMN late BIGINT NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN public_from TEXT;
-- The whole Publication (window, explanation, policy version) as JSON.
ALTER TABLE records ADD COLUMN publication TEXT;
-- '9999-12-31' when the window has no end (a long-term licence).
ALTER TABLE records ADD COLUMN public_until TEXT;
CREATE INDEX records_public ON records (status, public_until, public_from);
CREATE INDEX records_reported ON records (source_unit_code, reported_on);

CREATE TABLE intake_rejections (
    key         TEXT PRIMARY KEY,
    category    TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    unit_name   TEXT NOT NULL,
    reported_on TEXT NOT NULL,
    batch_id    TEXT NOT NULL,
    row_no      BIGINT NOT NULL,
    errors      TEXT NOT NULL,
    seq         BIGINT NOT NULL
);
CREATE INDEX intake_rejections_unit ON intake_rejections (unit_code, reported_on);
