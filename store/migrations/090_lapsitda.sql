-- Lapor & LAPSITDA harian (issue 14).
--
-- A report filed through the Lapor form is one incident (sumber 'sigap', its own one-row import
-- batch) plus one row here: its number, kind, office and the LAPSITDA day it belongs to. Edits of
-- the incident keep the replaced version in riwayat_insiden (081, alasan 'dikoreksi'); ``versi``
-- (001) catches concurrent edits.
CREATE SEQUENCE laporan_nomor START 1;
CREATE TABLE laporan (
    id_insiden        BIGINT PRIMARY KEY,           -- incidents.id
    nomor             VARCHAR NOT NULL UNIQUE,      -- per-report id, also incidents.id_sumber: LAP-63.72-000001
    jenis             VARCHAR NOT NULL CHECK (jenis IN ('harian', 'atensi', 'khusus')),
    kode_kantor       VARCHAR NOT NULL,             -- reporting office (kabupaten/kota code)
    tanggal_lapsitda  DATE NOT NULL,                -- the office's LAPSITDA day (local date)
    lokasi            VARCHAR,                      -- place name as typed (desa/kelurahan/kampung)
    catatan_kembali   VARCHAR,                      -- why the report was returned for correction
    dibuat_oleh       VARCHAR NOT NULL,
    dibuat_pada       TIMESTAMP NOT NULL,           -- UTC
    diajukan_pada     TIMESTAMP,                    -- UTC, first submission (NULL while a draft)
    diubah_pada       TIMESTAMP                     -- UTC, last correction
);

-- One LAPSITDA harian per office and day: its reports, a situasi umum, or an explicit nihil.
-- Submitted once; an amendment needs a reason and keeps the replaced version (lapsitda_riwayat).
-- Whether it was on time is decided by the first submission against the deadline then in force.
CREATE TABLE lapsitda (
    kode_kantor    VARCHAR NOT NULL,                -- kabupaten/kota code
    tanggal        DATE NOT NULL,                   -- the reported day (office's local date)
    nihil          BOOLEAN NOT NULL,
    situasi_umum   VARCHAR,
    laporan        VARCHAR NOT NULL DEFAULT '[]',   -- JSON list of report ids (laporan.id_insiden) included
    zona           VARCHAR NOT NULL CHECK (zona IN ('WIB', 'WITA', 'WIT')),
    batas_waktu    TIMESTAMP NOT NULL,              -- UTC deadline when first submitted
    diajukan_oleh  VARCHAR NOT NULL,
    diajukan_pada  TIMESTAMP NOT NULL,              -- UTC, first submission
    versi          INTEGER NOT NULL DEFAULT 1,
    diubah_oleh    VARCHAR,
    diubah_pada    TIMESTAMP,
    PRIMARY KEY (kode_kantor, tanggal)
);
CREATE TABLE lapsitda_riwayat (
    kode_kantor  VARCHAR NOT NULL,
    tanggal      DATE NOT NULL,
    versi        INTEGER NOT NULL,                  -- the version ``data`` holds (the replaced one)
    alasan       VARCHAR NOT NULL,                  -- why it was amended (required)
    diubah_oleh  VARCHAR NOT NULL,
    diubah_pada  TIMESTAMP NOT NULL,
    data         JSON NOT NULL
);

-- Deadline per office when it is not the default (10:00 local time, the next day).
CREATE TABLE batas_lapor (
    kode_kantor   VARCHAR PRIMARY KEY,
    jam           SMALLINT NOT NULL CHECK (jam BETWEEN 0 AND 23),
    menit         SMALLINT NOT NULL DEFAULT 0 CHECK (menit BETWEEN 0 AND 59),
    hari_setelah  SMALLINT NOT NULL DEFAULT 1 CHECK (hari_setelah BETWEEN 0 AND 3),
    diubah_oleh   VARCHAR NOT NULL,
    diubah_pada   TIMESTAMP NOT NULL
);

-- Province inbox: atensi and khusus reports the moment they are submitted. Only ids and codes:
-- the text is read through the scoped, clearance-redacted incident query.
CREATE SEQUENCE notifikasi_id START 1;
CREATE TABLE notifikasi (
    id           BIGINT PRIMARY KEY DEFAULT nextval('notifikasi_id'),
    jenis        VARCHAR NOT NULL,                  -- atensi, khusus
    id_insiden   BIGINT NOT NULL,
    kode_kantor  VARCHAR NOT NULL,
    pengirim     VARCHAR NOT NULL,
    dibuat_pada  TIMESTAMP NOT NULL,                -- UTC
    surel        VARCHAR                            -- e-mail outcome (NULL: SMTP not configured)
);
CREATE TABLE notifikasi_dibaca (
    id_notifikasi  BIGINT NOT NULL,
    username       VARCHAR NOT NULL,
    dibaca_pada    TIMESTAMP NOT NULL,
    PRIMARY KEY (id_notifikasi, username)
);
