-- Government information disclosure (政务公开): the catalogue's items (drafts, reviews and
-- sign-offs, 规范性文件 清理 decisions, comments on draft decisions and the adoption summary),
-- one row per item, a projection of the `disclosure_*` events. The index number (索引号) is
-- unique per unit code, year and sequence; attachments are the content-addressed `attachments`.
CREATE TABLE disclosure_items (
    id           TEXT PRIMARY KEY,
    unit         TEXT NOT NULL,
    category     TEXT NOT NULL,
    col          TEXT NOT NULL,
    status       TEXT NOT NULL,
    openness     TEXT NOT NULL,
    index_code   TEXT,
    index_year   BIGINT,
    index_seq    BIGINT,
    published_on TEXT,
    data         TEXT NOT NULL,
    last_seq     BIGINT NOT NULL,
    UNIQUE (index_code, index_year, index_seq)
);
CREATE INDEX disclosure_items_unit ON disclosure_items (unit, status);
CREATE INDEX disclosure_items_published ON disclosure_items (status, published_on);

-- Published annual reports (政府信息公开工作年度报告), one per year, as published.
CREATE TABLE disclosure_reports (
    year     BIGINT PRIMARY KEY,
    data     TEXT NOT NULL,
    last_seq BIGINT NOT NULL
);
