-- The 公示栏's order as indexes (issue 16): a page of public records, newest decision first, is
-- read by walking one of these and stopping after the page, not by sorting every public record.
CREATE INDEX records_publicity_order ON records (decision_date DESC, id);
CREATE INDEX records_publicity_category ON records (category, decision_date DESC, id);
