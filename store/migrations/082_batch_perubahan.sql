-- What an import batch changed besides adding rows: incidents updated to a newer version from their
-- source, and incidents retired because a full export of their source no longer holds them
-- (``import --sync-deletions``). Both are undone with the batch (see riwayat_insiden, 081).
ALTER TABLE import_batches ADD COLUMN diperbarui INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_batches ADD COLUMN dihapus_sumber INTEGER NOT NULL DEFAULT 0;
