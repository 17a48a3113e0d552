-- Name search by an index (issue 16): a trigram GIN index over every name a subject has borne
-- (subject_names holds the current one too), so LIKE '%…%' for three characters or more reads
-- the matching names instead of scanning every subject. pg_trgm ships with PostgreSQL (a
-- trusted extension since 13); it is created once per database in schema public, and the
-- operator class is named with its schema so a deployment (or a test) in another schema uses it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX subject_names_trgm ON subject_names USING gin (name_key public.gin_trgm_ops);
CREATE INDEX subject_names_key_subject ON subject_names (name_key, subject_id);
