-- The lab watches the bank from outside. What it concludes about a transfer lives in a table of
-- its own; how each confirmation page was loaded is kept in memory (src/lab/renders.rs), so a
-- page view writes nothing to the database.

CREATE TABLE lab_verdicts (
    transfer_id BLOB    PRIMARY KEY NOT NULL REFERENCES transfers (id) ON DELETE CASCADE,
    scenario    TEXT,              -- the attack page's tag, if the transfer belongs to a scenario
    detection   TEXT,              -- 'framed' | 'popup' | 'forged'; NULL: not an attack
    judged_at   INTEGER NOT NULL
);

-- What earlier versions kept in the transfers table moves here; the bank's table forgets the lab.
INSERT INTO lab_verdicts (transfer_id, scenario, detection, judged_at)
    SELECT id, scenario, detection, created_at FROM transfers
    WHERE scenario IS NOT NULL OR detection IS NOT NULL;
ALTER TABLE transfers DROP COLUMN scenario;
ALTER TABLE transfers DROP COLUMN detection;
DROP TABLE renders;
