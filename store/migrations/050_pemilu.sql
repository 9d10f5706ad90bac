-- Election calendars (editable by users; seeded with Pilkada 2024) and per-region election facts.
CREATE TABLE tahapan_pemilihan (
    pemilihan   VARCHAR NOT NULL,      -- e.g. 'Pilkada 2024'
    urutan      INTEGER NOT NULL,
    tahapan     VARCHAR NOT NULL,      -- pendaftaran, kampanye, masa tenang, pemungutan, rekapitulasi, sengketa
    mulai       DATE NOT NULL,
    selesai     DATE NOT NULL,
    catatan     VARCHAR,
    PRIMARY KEY (pemilihan, tahapan),
    CHECK (selesai >= mulai)
);
