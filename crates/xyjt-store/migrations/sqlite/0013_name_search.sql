-- Name search by an index (issue 16): every name a subject has borne (subject_names holds
-- the current one too) in an FTS5 trigram index, so a search for a part of a name reads the
-- matching names instead of scanning every subject with LIKE '%…%'. External content: the
-- index keeps only the trigrams; triggers keep it in step with the projection.
CREATE VIRTUAL TABLE subject_names_search USING fts5(
    name_key,
    content = 'subject_names',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);
INSERT INTO subject_names_search (subject_names_search) VALUES ('rebuild');

CREATE TRIGGER subject_names_search_insert AFTER INSERT ON subject_names BEGIN
    INSERT INTO subject_names_search (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
CREATE TRIGGER subject_names_search_delete AFTER DELETE ON subject_names BEGIN
    INSERT INTO subject_names_search (subject_names_search, rowid, name_key)
    VALUES ('delete', old.rowid, old.name_key);
END;
CREATE TRIGGER subject_names_search_update AFTER UPDATE ON subject_names BEGIN
    INSERT INTO subject_names_search (subject_names_search, rowid, name_key)
    VALUES ('delete', old.rowid, old.name_key);
    INSERT INTO subject_names_search (rowid, name_key) VALUES (new.rowid, new.name_key);
END;

-- The public name lists are served from the check index in memory; the search of a short
-- name walks this index by prefix.
CREATE INDEX subject_names_key_subject ON subject_names (name_key, subject_id);
