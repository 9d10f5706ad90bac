-- Users for local sign-in (argon2 hashes), with role, region scope, clearance and lock-out state.
CREATE TABLE users (
    username             VARCHAR PRIMARY KEY,
    password_hash        VARCHAR NOT NULL,
    role                 VARCHAR NOT NULL CHECK (role IN ('admin', 'analis', 'pimpinan')),
    region               VARCHAR,              -- NULL = national, '63' = province, '63.72' = kabupaten/kota
    clearance            VARCHAR NOT NULL DEFAULT 'Terbatas' CHECK (clearance IN ('Biasa', 'Terbatas', 'Rahasia')),
    must_change_password BOOLEAN NOT NULL DEFAULT true,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         TIMESTAMP,
    active               BOOLEAN NOT NULL DEFAULT true,
    created_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    last_login           TIMESTAMP
);
