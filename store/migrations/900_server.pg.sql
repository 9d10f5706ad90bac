-- PostgreSQL only: what a shared server adds to the one-office schema.
-- PostGIS geometry with spatial indexes, the uniqueness the importer relies on, and row-level
-- security so that the app's role reads only the signed-in user's region and clearance.
-- The operator creates the extension (superuser) and the two roles first; see README
-- "Server PostgreSQL". The owner role runs this migration and so bypasses the policies.

CREATE EXTENSION IF NOT EXISTS postgis;

-- Regions as PostGIS geometry, derived from the stored WKB so both engines keep one column.
ALTER TABLE regions ADD COLUMN geom geometry(Geometry, 4326)
    GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromWKB(geom_wkb), 4326)) STORED;
CREATE INDEX regions_geom ON regions USING gist (geom);
CREATE INDEX regions_level ON regions (level, kode_prov);

-- DuckDB keeps incidents without indexes (migration 060); a server needs them.
CREATE INDEX incidents_kab ON incidents (kode_kab, kategori, tgl_mulai);  -- also the duplicate window
CREATE INDEX incidents_prov_tgl ON incidents (kode_prov, tgl_mulai);
CREATE INDEX incidents_batch ON incidents (batch_id);
CREATE INDEX incidents_status ON incidents (status_verifikasi);
-- A report stored twice is refused by the server itself, whichever process sends it.
CREATE UNIQUE INDEX incidents_hash_unik ON incidents (hash_isi) WHERE NOT dihapus;
CREATE INDEX riwayat_insiden_id ON riwayat_insiden (id_insiden, versi);
CREATE INDEX verifikasi_langkah_id ON verifikasi_langkah (id_insiden);
CREATE UNIQUE INDEX audit_id_unik ON audit (id);

-- A coordinate as DuckDB prints round(x, 5)::VARCHAR, so content hashes agree across engines
-- (a database moved from DuckDB keeps recognising re-imported rows).
CREATE FUNCTION sigap_num5(x double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN round(x::numeric, 5) = trunc(round(x::numeric, 5))
                THEN trunc(round(x::numeric, 5))::text || '.0'
                ELSE trim_scale(round(x::numeric, 5))::text END
$$;

-- Row-level security -----------------------------------------------------------------------------
-- sigap.wilayah: '*' (national or system), a province '63' or a kabupaten/kota '63.72';
-- empty or unset: nobody, no rows. sigap.izin: highest classification the actor may read.
CREATE FUNCTION sigap_boleh(kode text, kelas text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('sigap.wilayah', true), '') <> ''
       AND (current_setting('sigap.wilayah', true) = '*'
            OR kode = current_setting('sigap.wilayah', true)
            OR starts_with(kode, current_setting('sigap.wilayah', true) || '.'))
       AND (kelas IS NULL OR current_setting('sigap.izin', true) = '*'
            OR array_position(ARRAY['Biasa', 'Terbatas', 'Rahasia'], kelas)
               <= coalesce(array_position(ARRAY['Biasa', 'Terbatas', 'Rahasia'],
                                          current_setting('sigap.izin', true)), 0))
$$;

-- The highest classification the actor may read, as a rank (0: none).
CREATE FUNCTION sigap_izin() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE current_setting('sigap.izin', true)
           WHEN '*' THEN 3 WHEN 'Rahasia' THEN 3 WHEN 'Terbatas' THEN 2 WHEN 'Biasa' THEN 1 ELSE 0 END
$$;

-- Incidents: keyed to the region. A row above the actor's clearance still counts on maps and in
-- tables, as on DuckDB; its free-text columns are withheld by the store's column allow-list
-- (store.incidents.OPEN_COLUMNS). Content that is only text — the history of a report, its
-- follow-ups — is keyed to the clearance too (below). The settings are read once per query
-- (scalar subqueries become init plans) and rows compared by equality: national maps at a
-- million rows are 27 % faster than with a per-row function. A scope is a province ('63') or a
-- kabupaten/kota ('63.72').
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY cakupan ON incidents USING (
        (SELECT current_setting('sigap.wilayah', true)) = '*'
        OR kode_prov = (SELECT current_setting('sigap.wilayah', true))
        OR kode_kab = (SELECT current_setting('sigap.wilayah', true)))
    WITH CHECK (sigap_boleh(kode_kab, NULL));

ALTER TABLE riwayat_insiden ENABLE ROW LEVEL SECURITY;
CREATE POLICY cakupan ON riwayat_insiden USING (
    EXISTS (SELECT 1 FROM incidents i WHERE i.id = riwayat_insiden.id_insiden
            AND CASE i.klasifikasi WHEN 'Biasa' THEN 1 WHEN 'Terbatas' THEN 2 ELSE 3 END <= sigap_izin()));

ALTER TABLE laporan ENABLE ROW LEVEL SECURITY;
CREATE POLICY cakupan ON laporan USING (sigap_boleh(kode_kantor, NULL));

ALTER TABLE lapsitda ENABLE ROW LEVEL SECURITY;
CREATE POLICY cakupan ON lapsitda USING (sigap_boleh(kode_kantor, NULL));

ALTER TABLE lapsitda_riwayat ENABLE ROW LEVEL SECURITY;
CREATE POLICY cakupan ON lapsitda_riwayat USING (sigap_boleh(kode_kantor, NULL));

ALTER TABLE tindak_lanjut ENABLE ROW LEVEL SECURITY;
CREATE POLICY cakupan ON tindak_lanjut USING (
    EXISTS (SELECT 1 FROM incidents i WHERE i.id = tindak_lanjut.id_insiden
            AND CASE i.klasifikasi WHEN 'Biasa' THEN 1 WHEN 'Terbatas' THEN 2 ELSE 3 END <= sigap_izin()));

-- The app's role (created by the operator, not the owner of anything) may read and write rows,
-- never change the schema; the policies above apply to it.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sigap_app') THEN
        EXECUTE 'GRANT USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' TO sigap_app';
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA '
                || quote_ident(current_schema()) || ' TO sigap_app';
        EXECUTE 'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA '
                || quote_ident(current_schema()) || ' TO sigap_app';
        EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
                || ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sigap_app';
        EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
                || ' GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO sigap_app';
        -- the audit log is append-only for the app
        EXECUTE 'REVOKE UPDATE, DELETE ON audit FROM sigap_app';
    END IF;
END
$$;
