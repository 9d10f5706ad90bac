-- Signed head of the audit hash chain (see store/audit.py): how many rows the chain holds, the id
-- and hash of its last row, and an HMAC-SHA256 signature made with a key kept outside the
-- database ($SIGAP_AUDIT_KEY or audit.key beside the database file). Deleting the newest rows, or
-- re-chaining after an edit, no longer verifies: the head no longer matches and cannot be re-signed.
--
-- Exactly one row (id = 1). No PRIMARY KEY on purpose: in DuckDB 2.0 an UPDATE of a keyed row from
-- an older snapshot silently overwrote a newer commit, while an unkeyed row fails loudly with
-- "Conflict on update".
--
-- The row below (sig NULL) means "not started yet": the first record or verification signs the
-- chain as it stands then, so on an existing database the head vouches only from that moment on
-- (mulai_id, mulai_ts).
CREATE TABLE audit_head (
    id        INTEGER NOT NULL CHECK (id = 1),
    n         BIGINT,               -- rows in the chain
    last_id   BIGINT,               -- id of the newest row (0 for an empty chain)
    hash      VARCHAR,              -- hash of the newest row (GENESIS for an empty chain)
    mulai_id  BIGINT,               -- newest row id when the head was first signed
    mulai_ts  TIMESTAMP,            -- when the head was first signed (UTC)
    sig       VARCHAR               -- HMAC-SHA256 over all of the above; NULL = not started
);
INSERT INTO audit_head (id) VALUES (1);
