-- Sign-in that survives a reload (issue 17): one row per signed-in browser. The browser holds a
-- random token in an HttpOnly, SameSite=Strict cookie; only the token's SHA-256 is kept here. The
-- app session hands the browser a one-time code (serah_*), which the browser exchanges once, over
-- a same-origin POST, for the cookie. A row ends at berakhir (the absolute lifetime), after the
-- idle limit since terakhir_aktif, when revoked (dicabut), or when the account's password changes
-- (sandi_sidik, a SHA-256 of the password hash at sign-in, no longer matches).
CREATE TABLE sesi (
    id              VARCHAR(32) PRIMARY KEY,   -- the app session's handle; never sent to the browser
    username        VARCHAR(64) NOT NULL,
    token_hash      CHAR(64),                  -- SHA-256 (hex) of the cookie's token, once claimed
    serah_hash      CHAR(64),                  -- SHA-256 (hex) of the one-time hand-over code
    serah_berakhir  TIMESTAMP,                 -- UTC; the code is refused afterwards
    sandi_sidik     CHAR(64) NOT NULL,
    dibuat          TIMESTAMP NOT NULL,        -- UTC
    berakhir        TIMESTAMP NOT NULL,        -- UTC: dibuat + absolute lifetime
    terakhir_aktif  TIMESTAMP NOT NULL,        -- UTC
    dicabut         TIMESTAMP,                 -- UTC; NULL while valid
    alasan_cabut    VARCHAR(200)
);
