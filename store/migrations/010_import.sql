-- Import: saved column mappings and probable cross-source duplicates awaiting review.
CREATE TABLE pemetaan_kolom (
    nama        VARCHAR PRIMARY KEY,
    pemetaan    VARCHAR NOT NULL,           -- JSON {source column: canonical field}
    dibuat_oleh VARCHAR NOT NULL,
    dibuat_pada TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE kemungkinan_duplikat (
    id_baru     BIGINT NOT NULL,
    id_lama     BIGINT NOT NULL,
    skor        DOUBLE NOT NULL,            -- title similarity 0–100
    jarak_km    DOUBLE,
    status      VARCHAR NOT NULL DEFAULT 'perlu_tinjau',   -- perlu_tinjau, bukan_duplikat, duplikat
    PRIMARY KEY (id_baru, id_lama)
);
ALTER TABLE import_batches ADD COLUMN dibatalkan_pada TIMESTAMP;
