-- Practice mode: the trainee's exploits, the simulated victim's deliveries, hints opened.

-- Every version of every stored exploit: the newest row of a challenge is what /exploit/<challenge>
-- serves; older ones are its history.
CREATE TABLE exploits (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge  TEXT    NOT NULL,           -- a challenge id (src/practice/challenges.rs)
    body       TEXT    NOT NULL,           -- the page, as stored (UTF-8, at most 256 KiB)
    stored_at  INTEGER NOT NULL            -- Unix ms
);
CREATE INDEX exploits_by_challenge ON exploits (challenge, id);

-- One row per "Deliver to victim".
CREATE TABLE victim_runs (
    id          BLOB    PRIMARY KEY NOT NULL, -- UUIDv7
    challenge   TEXT    NOT NULL,
    exploit_id  INTEGER NOT NULL REFERENCES exploits (id),
    engine      TEXT    NOT NULL,             -- chromium | firefox
    state       TEXT    NOT NULL,             -- queued | running | done | failed
    outcome     TEXT,                         -- moved | unchanged | error (once finished)
    reason      TEXT,                         -- why, in a sentence
    solved      INTEGER NOT NULL DEFAULT 0,   -- the goal moved under the challenge's protections
    protections TEXT    NOT NULL,             -- the protections in force at delivery (flag=value ...)
    report      TEXT,                         -- JSON: clicks, pointer path, screenshots, timeline
    queued_at   INTEGER NOT NULL,             -- Unix ms
    started_at  INTEGER,
    finished_at INTEGER
);
CREATE INDEX victim_runs_by_challenge ON victim_runs (challenge, queued_at);

-- How far the trainee looked behind the curtain, per challenge.
CREATE TABLE challenge_hints (
    challenge     TEXT    PRIMARY KEY NOT NULL,
    hints_opened  INTEGER NOT NULL DEFAULT 0, -- 0 to 3, opened one by one
    solution_seen INTEGER NOT NULL DEFAULT 0  -- 1 once "show solution" was pressed
);
