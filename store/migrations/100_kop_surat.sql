-- Kop surat (letterhead) per office, managed on the admin page (issue 17).
--
-- One row per office: ``kode_wilayah`` is the office's region code (province '63' or
-- kabupaten/kota '63.72'); NULL is the national office. Documents use the row of the user's
-- office and fall back to data/templates/kop.toml. The logo is stored as it was re-encoded by
-- SIGAP (PNG, decoded and checked with Pillow first), never as uploaded. Writes replace the row in
-- one transaction together with their audit row; no key index (a NULL key cannot be a primary
-- key, and the process-wide writer lock serialises the replace).
CREATE TABLE kop_surat (
    kode_wilayah  VARCHAR,                  -- NULL = nasional
    pemerintah    VARCHAR NOT NULL,         -- PEMERINTAH PROVINSI KALIMANTAN SELATAN
    instansi      VARCHAR NOT NULL,         -- BADAN KESATUAN BANGSA DAN POLITIK
    alamat        VARCHAR NOT NULL DEFAULT '',
    kontak        VARCHAR NOT NULL DEFAULT '',  -- telepon · surel · laman
    logo          BLOB,                     -- PNG re-encoded by SIGAP, or NULL
    logo_sha256   VARCHAR,
    diubah_oleh   VARCHAR NOT NULL,
    diubah_pada   TIMESTAMP NOT NULL        -- UTC
);
