-- SIGAP schema v1: regions, import batches, incidents, controlled vocabularies.
CREATE TABLE regions (
    kode        VARCHAR PRIMARY KEY,          -- Kemendagri code: 63, 63.01, 63.01.01
    level       VARCHAR NOT NULL CHECK (level IN ('prov', 'kab', 'kec')),
    nama        VARCHAR NOT NULL,
    jenis       VARCHAR NOT NULL,             -- provinsi, kabupaten, kota, kecamatan
    kode_induk  VARCHAR,                      -- parent code (NULL for provinces)
    kode_prov   VARCHAR NOT NULL,
    luas_km2    DOUBLE NOT NULL,
    lat         DOUBLE NOT NULL,              -- representative point inside the region
    lon         DOUBLE NOT NULL,
    geom_wkb    BLOB NOT NULL,                -- cleaned geometry, EPSG:4326
    versi_kode  VARCHAR NOT NULL              -- code version (Kepmendagri) of the boundary set
);

CREATE SEQUENCE import_batches_id START 1;
CREATE TABLE import_batches (
    id          BIGINT PRIMARY KEY DEFAULT nextval('import_batches_id'),
    nama_berkas VARCHAR NOT NULL,
    sha256      VARCHAR,
    sumber      VARCHAR NOT NULL,             -- sigap, acled, ucdp, mapping:<name>, demo
    pengguna    VARCHAR NOT NULL,
    dibuat_pada TIMESTAMP NOT NULL DEFAULT current_timestamp,
    baris       INTEGER NOT NULL DEFAULT 0,
    diterima    INTEGER NOT NULL DEFAULT 0,
    ditolak     INTEGER NOT NULL DEFAULT 0,
    duplikat    INTEGER NOT NULL DEFAULT 0,
    sintetis    BOOLEAN NOT NULL DEFAULT false,
    catatan     VARCHAR
);

CREATE SEQUENCE incidents_id START 1;
CREATE TABLE incidents (
    id                  BIGINT PRIMARY KEY DEFAULT nextval('incidents_id'),
    batch_id            BIGINT NOT NULL,
    sumber              VARCHAR NOT NULL,     -- sigap, acled, ucdp, demo, …
    id_sumber           VARCHAR,              -- identifier in the source system
    hash_isi            VARCHAR NOT NULL,     -- content hash: re-imports do not duplicate
    -- time
    tgl_mulai           DATE NOT NULL,
    tgl_selesai         DATE,
    presisi_waktu       SMALLINT NOT NULL DEFAULT 1 CHECK (presisi_waktu BETWEEN 1 AND 3),
    -- place
    kode_prov           VARCHAR NOT NULL,
    kode_kab            VARCHAR NOT NULL,
    kode_kec            VARCHAR,
    kode_desa           VARCHAR,
    lat                 DOUBLE,
    lon                 DOUBLE,
    presisi_lokasi      SMALLINT NOT NULL DEFAULT 1 CHECK (presisi_lokasi BETWEEN 1 AND 4),
    status_lokasi       VARCHAR,              -- inside / coast (from point → region)
    -- classification
    kategori            VARCHAR NOT NULL,
    subkategori         VARCHAR,
    bentuk              VARCHAR,
    sifat               VARCHAR NOT NULL DEFAULT 'kejadian',
    bidang              VARCHAR,
    terkait_pemilu      BOOLEAN NOT NULL DEFAULT false,
    tahapan             VARCHAR,
    -- actors
    aktor1              VARCHAR,
    tipe_aktor1         VARCHAR,
    aktor2              VARCHAR,
    tipe_aktor2         VARCHAR,
    -- impact
    tewas               INTEGER NOT NULL DEFAULT 0,
    luka                INTEGER NOT NULL DEFAULT 0,
    hilang              INTEGER NOT NULL DEFAULT 0,
    pengungsi           INTEGER NOT NULL DEFAULT 0,
    kekerasan_seksual   INTEGER NOT NULL DEFAULT 0,
    rumah_rusak         INTEGER NOT NULL DEFAULT 0,
    rumah_ibadah_rusak  INTEGER NOT NULL DEFAULT 0,
    fasum_rusak         INTEGER NOT NULL DEFAULT 0,
    kantor_penyelenggara_rusak INTEGER NOT NULL DEFAULT 0,
    kerugian_rp         DOUBLE NOT NULL DEFAULT 0,
    -- assessment
    eskalasi            SMALLINT NOT NULL DEFAULT 1 CHECK (eskalasi BETWEEN 0 AND 5),
    skala_dampak        VARCHAR,
    nilai_informasi     VARCHAR,              -- source grading, e.g. B2
    -- response
    status_penanganan   VARCHAR NOT NULL DEFAULT 'baru',
    instansi_penanganan VARCHAR,
    rekomendasi         VARCHAR,
    -- narrative (user text: always escaped on output)
    judul               VARCHAR NOT NULL,
    kronologi           VARCHAR,
    analisis            VARCHAR,
    sumber_info         VARCHAR,
    -- provenance and workflow
    status_verifikasi   VARCHAR NOT NULL DEFAULT 'diajukan',
    klasifikasi         VARCHAR NOT NULL DEFAULT 'Biasa' CHECK (klasifikasi IN ('Biasa', 'Terbatas', 'Rahasia')),
    dibuat_oleh         VARCHAR NOT NULL,
    dibuat_pada         TIMESTAMP NOT NULL DEFAULT current_timestamp,
    versi               INTEGER NOT NULL DEFAULT 1,
    dihapus             BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX incidents_kab ON incidents (kode_kab);
CREATE INDEX incidents_tgl ON incidents (tgl_mulai);
CREATE INDEX incidents_hash ON incidents (hash_isi);

-- Controlled vocabularies (filled from data/vocab/*.csv on every connect).
CREATE TABLE vocab (
    daftar      VARCHAR NOT NULL,             -- kategori, bentuk, sifat, …
    kode        VARCHAR NOT NULL,
    nama        VARCHAR NOT NULL,
    atribut     VARCHAR,                      -- extra column of the list (bobot, warna, …)
    PRIMARY KEY (daftar, kode)
);

CREATE TABLE settings (
    kunci       VARCHAR PRIMARY KEY,
    nilai       VARCHAR NOT NULL
);
