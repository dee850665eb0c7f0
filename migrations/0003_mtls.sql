-- Certificates bound to accounts (the certificate allowlist). With LAB_CERT_BINDING=fingerprint,
-- a certificate signs its CN's user in only when its SHA-256 fingerprint is bound here to that
-- user: a second valid certificate for alice (a new device, or one mis-issued) must be bound
-- first. The lab binds the certificates it issues to the seeded users by itself;
-- `clickjack-lab certs bind` binds any other.
CREATE TABLE cert_bindings (
    fingerprint TEXT    PRIMARY KEY NOT NULL,  -- SHA-256 of the DER, AB:CD:... as browsers show it
    user_id     BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    serial      TEXT    NOT NULL,              -- the certificate's serial, hex
    not_after   INTEGER NOT NULL,              -- its expiry, Unix milliseconds
    bound_at    INTEGER NOT NULL,
    bound_by    TEXT    NOT NULL               -- 'first start', 'renewal', 'certs bind', ...
);
CREATE INDEX cert_bindings_user ON cert_bindings (user_id);
