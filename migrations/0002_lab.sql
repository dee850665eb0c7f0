-- Solve detection (src/lab/solves.rs).

-- How each confirmation page was loaded, by the request id it rendered.
CREATE TABLE renders (
    request_id     BLOB    PRIMARY KEY NOT NULL,
    user_id        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scenario       TEXT,                -- the attack page's tag (?scenario=), if any
    sec_fetch_dest TEXT,                -- request headers of the page load, verbatim
    sec_fetch_site TEXT,
    rendered_at    INTEGER NOT NULL
);
CREATE INDEX renders_at ON renders (rendered_at);

-- What the lab concluded about each transfer.
ALTER TABLE transfers ADD COLUMN scenario TEXT;   -- the scenario it belongs to, if any
ALTER TABLE transfers ADD COLUMN detection TEXT;  -- 'framed' | 'popup' | 'forged', NULL: not an attack

-- The first "Confirm transfer" of a transfer above LAB_CONFIRM_ABOVE, by request id: the
-- "Are you sure?" step executes only after it, whatever the form claims.
CREATE TABLE first_steps (
    request_id   BLOB    PRIMARY KEY NOT NULL,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    confirmed_at INTEGER NOT NULL
);
