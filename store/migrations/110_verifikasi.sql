-- Verifikasi berjenjang (issue 15).
--
-- draft → diajukan → diverifikasi_kab → diverifikasi_prov; dikembalikan (back to its author with a
-- note), ditolak (refused, with a reason) and duplikat (merged into another incident). Every change
-- of status keeps the replaced version in riwayat_insiden (081) and raises ``versi``;
-- ``verifikasi_langkah`` keeps who moved it, from which status to which, the note, and the actor's
-- role and region (the audit log holds the same, hash-chained).
--
-- A reviewed pair of probable duplicates (010) says which incident survived a merge (the other one
-- is 'duplikat', linked to it here), and who reviewed it when. The incidents table keeps its columns.
ALTER TABLE kemungkinan_duplikat ADD COLUMN bertahan BIGINT;        -- survivor of a merge (NULL: not merged)
ALTER TABLE kemungkinan_duplikat ADD COLUMN ditinjau_oleh VARCHAR;
ALTER TABLE kemungkinan_duplikat ADD COLUMN ditinjau_pada TIMESTAMP;

CREATE TABLE verifikasi_langkah (
    id_insiden  BIGINT NOT NULL,                -- incidents.id
    versi       INTEGER NOT NULL,               -- the version the step produced
    dari        VARCHAR NOT NULL,               -- status before
    ke          VARCHAR NOT NULL,               -- status after
    catatan     VARCHAR,                        -- note / reason (required for dikembalikan, ditolak)
    oleh        VARCHAR NOT NULL,
    peran       VARCHAR NOT NULL,
    wilayah     VARCHAR,                        -- actor's region (NULL: national)
    batch_id    BIGINT,                         -- set when a whole import batch was verified at once
    pada        TIMESTAMP NOT NULL              -- UTC
);

-- Until now a report sent back for correction was stored as 'ditolak'; it is 'dikembalikan' now and
-- 'ditolak' means refused for good.
UPDATE incidents SET status_verifikasi = 'dikembalikan'
WHERE status_verifikasi = 'ditolak' AND id IN (SELECT id_insiden FROM laporan WHERE catatan_kembali IS NOT NULL);
