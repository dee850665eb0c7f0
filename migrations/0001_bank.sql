-- The demo bank. Ids are uuids stored as 16-byte BLOBs; times are Unix milliseconds (UTC);
-- money is integer cents, never a float.

-- A person who can sign in: by client certificate (the certificate's subject CN is the username)
-- or, where LAB_MTLS allows it, by password.
CREATE TABLE users (
    id            BLOB    PRIMARY KEY NOT NULL,
    username      TEXT    NOT NULL UNIQUE,   -- lowercase [a-z0-9_-]{1,32}; also the certificate CN
    password_hash TEXT    NOT NULL,          -- argon2id PHC string, salt included
    created_at    INTEGER NOT NULL
);

-- One account per user. The CHECK is the last line of defence: the transfer's conditional
-- debit already refuses to overdraw.
CREATE TABLE accounts (
    user_id       BLOB    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0)
);

-- Cookie sessions (LAB_MTLS=optional|off). The cookie holds a random token; only its SHA-256
-- is stored. A session without a user is the anonymous one that carries the login form's
-- CSRF token; signing in replaces it with a new session (rotation).
CREATE TABLE sessions (
    id         BLOB    PRIMARY KEY NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    user_id    BLOB    REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Synchronizer CSRF tokens, one per identity: 'cert:<SHA-256 fingerprint>' or 'session:<uuid>'.
-- A session's token goes when the session goes.
CREATE TABLE csrf_tokens (
    subject    TEXT    PRIMARY KEY NOT NULL,
    session_id BLOB    REFERENCES sessions (id) ON DELETE CASCADE,
    token      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Executed transfers. request_id comes from the confirmation form (one per rendering), so a
-- double submit hits the UNIQUE constraint and executes once.
CREATE TABLE transfers (
    id               BLOB    PRIMARY KEY NOT NULL,
    request_id       BLOB    NOT NULL UNIQUE,
    from_user        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user          BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount_cents     INTEGER NOT NULL CHECK (amount_cents > 0),
    memo             TEXT    NOT NULL,           -- verbatim as typed; escaped when rendered
    signed_in_by     TEXT    NOT NULL,           -- 'certificate' or 'password'
    cert_fingerprint TEXT,                       -- the client certificate presented, if any
    created_at       INTEGER NOT NULL,
    CHECK (from_user <> to_user)
);
CREATE INDEX transfers_from ON transfers (from_user, created_at);
CREATE INDEX transfers_to ON transfers (to_user, created_at);

-- What the server saw for every state-changing request, allowed or refused.
CREATE TABLE audit_events (
    id               BLOB    PRIMARY KEY NOT NULL,  -- uuid v7: sorts by time
    at               INTEGER NOT NULL,
    username         TEXT,                          -- the signed-in user, if any
    cert_cn          TEXT,                          -- subject CN of the presented client certificate
    cert_fingerprint TEXT,                          -- its SHA-256 fingerprint
    method           TEXT    NOT NULL,
    path             TEXT    NOT NULL,              -- path and query
    origin           TEXT,                          -- request headers, verbatim
    referer          TEXT,
    sec_fetch_site   TEXT,
    sec_fetch_mode   TEXT,
    sec_fetch_dest   TEXT,
    decision         TEXT    NOT NULL CHECK (decision IN ('allowed', 'refused')),
    decided_by       TEXT    NOT NULL,              -- the protection or bank part that decided
    reason           TEXT    NOT NULL,              -- why, in a sentence (or what the bank did)
    checks           TEXT    NOT NULL,              -- what each protection said, in order
    status           INTEGER NOT NULL               -- the HTTP status answered
);
CREATE INDEX audit_events_at ON audit_events (at);
