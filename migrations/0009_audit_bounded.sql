-- The audit log stays bounded under a flood: a refusal that repeats from the same source within a
-- minute bumps the count of its first row instead of writing a new one (src/audit/recorder.rs),
-- and the oldest rows are trimmed beyond LAB_AUDIT_MAX_ROWS.
ALTER TABLE audit_events ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1; -- how many times this event came
ALTER TABLE audit_events ADD COLUMN last_at INTEGER;                   -- when it last came, if it repeated
ALTER TABLE audit_events ADD COLUMN source  TEXT;                      -- what repeats of it share; NULL: never collapsed
CREATE INDEX audit_events_source ON audit_events (source, at) WHERE source IS NOT NULL;
