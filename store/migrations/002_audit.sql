-- Append-only audit log with a hash chain (see store/audit.py).
CREATE SEQUENCE audit_id START 1;
CREATE TABLE audit (
    id          BIGINT PRIMARY KEY DEFAULT nextval('audit_id'),
    ts_utc      TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    role        VARCHAR,
    region      VARCHAR,
    action      VARCHAR NOT NULL,     -- login, login_gagal, impor, batal_impor, ubah, ekspor, pengguna, …
    object      VARCHAR,
    detail      VARCHAR,              -- JSON; never report text or personal data
    row_count   BIGINT,
    outcome     VARCHAR NOT NULL,     -- ok, gagal, ditolak
    prev_hash   VARCHAR NOT NULL,
    hash        VARCHAR NOT NULL
);
