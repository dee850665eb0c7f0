-- How the victim of a judged transfer was signed in: an attack about a password session that
-- landed through a client certificate is not that attack's success (the lab says which it was).
ALTER TABLE lab_verdicts ADD COLUMN signed_in_by TEXT; -- 'certificate' | 'password'; NULL: judged before this column
