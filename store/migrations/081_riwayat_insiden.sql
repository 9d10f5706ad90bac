-- History of incidents: one row per replaced version. When a newer export of a living source (ACLED,
-- UCDP, an office's own system) changes or drops an incident, the row as it stood before goes here
-- (``data``: every column of the incident but its content hash, as JSON) and the incident's ``versi``
-- (migration 001) goes up by one. Undoing the batch that made a change restores ``data`` and removes
-- the history row. A verification workflow builds on ``versi`` and this table.
--
-- No key and no index on purpose, like ``incidents`` (migration 060): a re-import of a large export
-- writes one history row per changed incident in one statement, and the lookups (by batch, by
-- incident) are hash joins.
CREATE TABLE riwayat_insiden (
    id_insiden  BIGINT NOT NULL,                -- incidents.id
    versi       INTEGER NOT NULL,               -- the version ``data`` holds (the replaced one)
    diubah_pada TIMESTAMP NOT NULL DEFAULT current_timestamp,
    diubah_oleh VARCHAR NOT NULL,               -- username
    batch_id    BIGINT,                         -- import batch that made the change (NULL: not an import)
    alasan      VARCHAR NOT NULL,               -- diperbarui_sumber (changed at the source),
                                                -- dihapus_sumber (absent from a full export: retired)
    data        JSON NOT NULL                   -- the incident before the change, without hash_isi
);
