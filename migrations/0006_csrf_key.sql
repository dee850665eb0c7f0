-- CSRF tokens are now computed, not stored: HMAC-SHA256 of the identity ('cert:<fingerprint>' or
-- 'session:<uuid>') under a key the bank makes once and keeps here, so a page view writes nothing
-- and tokens survive a restart. A session's token ends with the session, whose id it is bound to.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY NOT NULL, -- 'csrf'
    value BLOB NOT NULL              -- 32 random bytes
);
DROP TABLE csrf_tokens;
