-- The office that owns an import batch (the importer's scope: NULL = national). Batches are listed
-- and undone only within this scope; batches from before this migration count as national.
ALTER TABLE import_batches ADD COLUMN wilayah VARCHAR;
