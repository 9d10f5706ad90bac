-- PostgreSQL only: the national map's numbers kept per kabupaten/kota × month × kategori × sifat
-- × verified, so a map of a million incidents reads tens of thousands of summary rows instead of
-- scanning every incident (a row store reads whole rows where DuckDB reads two columns).
--
-- Writers never contend: every statement on incidents appends its change as signed rows to
-- ringkasan_delta (insert-only, grouped per statement), and a compaction folds the delta into
-- ringkasan_peta in one statement under an advisory lock. A reader sums both tables in one
-- statement, so it sees each write wholly or not at all, as with incidents themselves.
-- Only rows every map counts by default are kept: not deleted, not a draft, not returned,
-- rejected or a duplicate (store.incidents.NOT_COUNTED); the tests compare this path with the
-- plain aggregation over incidents after every kind of write.
-- The eskalasi maximum survives deletions because each level is counted (e0 … e5).
-- skor_kejadian bakes in the weight of the incident's bentuk (vocab.atribut); a change of those
-- weights rebuilds the summary in the same transaction.

CREATE TABLE ringkasan_peta (
    kode_prov       text NOT NULL,
    kode_kab        text NOT NULL,
    bulan           date NOT NULL,
    kategori        text NOT NULL,
    sifat           text NOT NULL,
    terverifikasi   boolean NOT NULL,
    jumlah          bigint NOT NULL,
    skor_eskalasi   bigint NOT NULL,
    skor_kejadian   double precision NOT NULL,
    e0 bigint NOT NULL, e1 bigint NOT NULL, e2 bigint NOT NULL,
    e3 bigint NOT NULL, e4 bigint NOT NULL, e5 bigint NOT NULL,
    tewas           bigint NOT NULL,
    luka            bigint NOT NULL,
    pengungsi       bigint NOT NULL,
    PRIMARY KEY (bulan, kode_kab, kategori, sifat, terverifikasi)
);

CREATE TABLE ringkasan_delta (LIKE ringkasan_peta);
CREATE INDEX ringkasan_delta_bulan ON ringkasan_delta (bulan);
-- The two partial months at the ends of a date range are read from incidents by date: the index
-- holds every column that read needs, so it is answered from the index alone (no heap visits for
-- pages the vacuum has marked all-visible), wherever the rows of those days lie in the table.
CREATE INDEX incidents_tgl_peta ON incidents (tgl_mulai) INCLUDE (kode_prov, kode_kab, kategori, sifat,
    status_verifikasi, dihapus, eskalasi, bentuk, tewas, luka, pengungsi);

-- Whether maps count an incident by default (the rows the summary keeps).
CREATE FUNCTION sigap_ringkasan_dihitung(dihapus boolean, status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NOT dihapus AND status NOT IN ('draft', 'dikembalikan', 'ditolak', 'duplikat')
$$;

-- A bentuk's weight (vocab.atribut) as a number, NULL when it is none; store.incidents reads it too.
CREATE FUNCTION sigap_bobot_bentuk(atribut text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CAST(CASE WHEN atribut SIMILAR TO '[0-9]+([.][0-9]+)?' THEN atribut END AS double precision)
$$;

-- Rows of a transition table (or of incidents) grouped into signed summary rows.
CREATE FUNCTION sigap_ringkasan_baris(rows_sql text, sign integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($f$
        SELECT i.kode_prov, i.kode_kab, date_trunc('month', i.tgl_mulai)::date, i.kategori, i.sifat,
               i.status_verifikasi IN ('diverifikasi_kab', 'diverifikasi_prov'),
               %1$s * count(*), %1$s * sum(i.eskalasi),
               %1$s * sum(i.eskalasi * coalesce(sigap_bobot_bentuk(v.atribut), 2)),
               %1$s * count(*) FILTER (WHERE i.eskalasi = 0), %1$s * count(*) FILTER (WHERE i.eskalasi = 1),
               %1$s * count(*) FILTER (WHERE i.eskalasi = 2), %1$s * count(*) FILTER (WHERE i.eskalasi = 3),
               %1$s * count(*) FILTER (WHERE i.eskalasi = 4), %1$s * count(*) FILTER (WHERE i.eskalasi = 5),
               %1$s * sum(i.tewas), %1$s * sum(i.luka), %1$s * sum(i.pengungsi)
        FROM %2$s i LEFT JOIN vocab v ON v.daftar = 'bentuk' AND v.kode = i.bentuk
        WHERE sigap_ringkasan_dihitung(i.dihapus, i.status_verifikasi)
        GROUP BY 1, 2, 3, 4, 5, 6$f$, sign, rows_sql)
$$;

-- Triggers run as the owner (SECURITY DEFINER): the app's role reads the summary, never writes it.
CREATE FUNCTION sigap_ringkasan_tambah() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    EXECUTE 'INSERT INTO ringkasan_delta ' || sigap_ringkasan_baris('baru', 1);
    RETURN NULL;
END $$;

CREATE FUNCTION sigap_ringkasan_kurang() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    EXECUTE 'INSERT INTO ringkasan_delta ' || sigap_ringkasan_baris('lama', -1);
    RETURN NULL;
END $$;

CREATE FUNCTION sigap_ringkasan_ubah() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    -- an edit that changes nothing the map counts (a follow-up note, a new title) adds nothing
    IF NOT EXISTS (
        SELECT 1 FROM lama o JOIN baru n USING (id)
        WHERE (o.kode_prov, o.kode_kab, o.tgl_mulai, o.kategori, o.sifat, o.status_verifikasi, o.dihapus,
               o.eskalasi, o.bentuk, o.tewas, o.luka, o.pengungsi)
              IS DISTINCT FROM
              (n.kode_prov, n.kode_kab, n.tgl_mulai, n.kategori, n.sifat, n.status_verifikasi, n.dihapus,
               n.eskalasi, n.bentuk, n.tewas, n.luka, n.pengungsi)) THEN
        RETURN NULL;
    END IF;
    EXECUTE 'INSERT INTO ringkasan_delta ' || sigap_ringkasan_baris('lama', -1)
            || ' UNION ALL ' || sigap_ringkasan_baris('baru', 1);
    RETURN NULL;
END $$;

CREATE TRIGGER ringkasan_insert AFTER INSERT ON incidents
    REFERENCING NEW TABLE AS baru FOR EACH STATEMENT EXECUTE FUNCTION sigap_ringkasan_tambah();
CREATE TRIGGER ringkasan_delete AFTER DELETE ON incidents
    REFERENCING OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION sigap_ringkasan_kurang();
CREATE TRIGGER ringkasan_update AFTER UPDATE ON incidents
    REFERENCING OLD TABLE AS lama NEW TABLE AS baru FOR EACH STATEMENT EXECUTE FUNCTION sigap_ringkasan_ubah();

-- Fold the delta into the summary. One statement: the rows it deletes and the rows it adds are
-- of one snapshot, and a reader sees the summary before or after, never between.
CREATE FUNCTION sigap_ringkasan_padatkan() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    folded bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('sigap.ringkasan')) THEN
        RETURN 0;  -- another process is folding right now
    END IF;
    WITH moved AS (DELETE FROM ringkasan_delta RETURNING *),
    summed AS (
        SELECT kode_prov, kode_kab, bulan, kategori, sifat, terverifikasi, sum(jumlah) AS jumlah,
               sum(skor_eskalasi) AS skor_eskalasi, sum(skor_kejadian) AS skor_kejadian,
               sum(e0) AS e0, sum(e1) AS e1, sum(e2) AS e2, sum(e3) AS e3, sum(e4) AS e4, sum(e5) AS e5,
               sum(tewas) AS tewas, sum(luka) AS luka, sum(pengungsi) AS pengungsi, count(*) AS n
        FROM moved GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY bulan, kode_kab, kategori, sifat, terverifikasi),
    merged AS (
        INSERT INTO ringkasan_peta AS r
        SELECT kode_prov, kode_kab, bulan, kategori, sifat, terverifikasi, jumlah, skor_eskalasi, skor_kejadian,
               e0, e1, e2, e3, e4, e5, tewas, luka, pengungsi FROM summed
        ON CONFLICT (bulan, kode_kab, kategori, sifat, terverifikasi) DO UPDATE SET
            jumlah = r.jumlah + excluded.jumlah, skor_eskalasi = r.skor_eskalasi + excluded.skor_eskalasi,
            skor_kejadian = r.skor_kejadian + excluded.skor_kejadian,
            e0 = r.e0 + excluded.e0, e1 = r.e1 + excluded.e1, e2 = r.e2 + excluded.e2,
            e3 = r.e3 + excluded.e3, e4 = r.e4 + excluded.e4, e5 = r.e5 + excluded.e5,
            tewas = r.tewas + excluded.tewas, luka = r.luka + excluded.luka,
            pengungsi = r.pengungsi + excluded.pengungsi
        RETURNING 1)
    SELECT coalesce(sum(n), 0) INTO folded FROM summed;
    DELETE FROM ringkasan_peta WHERE jumlah = 0;
    RETURN folded;
END $$;

-- Rebuild from incidents (after the bentuk weights change). Writers wait meanwhile, readers do not:
-- with both tables locked, a write already in the delta has committed and is counted from
-- incidents, and a write not yet committed adds its delta after this transaction.
CREATE FUNCTION sigap_ringkasan_bangun() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('sigap.ringkasan'));
    LOCK TABLE ringkasan_delta, ringkasan_peta IN EXCLUSIVE MODE;
    DELETE FROM ringkasan_delta;
    DELETE FROM ringkasan_peta;
    EXECUTE 'INSERT INTO ringkasan_peta ' || sigap_ringkasan_baris('incidents', 1);
END $$;

-- The weights of bentuk live in vocab.atribut: rebuild when one of them changes.
CREATE FUNCTION sigap_ringkasan_bobot() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    changed boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := EXISTS (SELECT 1 FROM baru WHERE daftar = 'bentuk');
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT 1 FROM lama WHERE daftar = 'bentuk');
    ELSE
        changed := EXISTS (
            (SELECT kode, atribut FROM lama WHERE daftar = 'bentuk'
             EXCEPT SELECT kode, atribut FROM baru WHERE daftar = 'bentuk')
            UNION ALL
            (SELECT kode, atribut FROM baru WHERE daftar = 'bentuk'
             EXCEPT SELECT kode, atribut FROM lama WHERE daftar = 'bentuk'));
    END IF;
    IF changed THEN
        PERFORM sigap_ringkasan_bangun();
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ringkasan_bobot_insert AFTER INSERT ON vocab
    REFERENCING NEW TABLE AS baru FOR EACH STATEMENT EXECUTE FUNCTION sigap_ringkasan_bobot();
CREATE TRIGGER ringkasan_bobot_delete AFTER DELETE ON vocab
    REFERENCING OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION sigap_ringkasan_bobot();
CREATE TRIGGER ringkasan_bobot_update AFTER UPDATE ON vocab
    REFERENCING OLD TABLE AS lama NEW TABLE AS baru FOR EACH STATEMENT EXECUTE FUNCTION sigap_ringkasan_bobot();

-- What is already stored.
SELECT sigap_ringkasan_bangun();

-- Read by the app's role under the same region policy as incidents; written only by the triggers.
DO $$
DECLARE
    summary text;
BEGIN
    FOREACH summary IN ARRAY ARRAY['ringkasan_peta', 'ringkasan_delta'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', summary);
        EXECUTE format($p$CREATE POLICY cakupan ON %I USING (
                (SELECT current_setting('sigap.wilayah', true)) = '*'
                OR kode_prov = (SELECT current_setting('sigap.wilayah', true))
                OR kode_kab = (SELECT current_setting('sigap.wilayah', true)))$p$, summary);
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sigap_app') THEN
            EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM sigap_app', summary);
            EXECUTE format('GRANT SELECT ON %I TO sigap_app', summary);
        END IF;
    END LOOP;
END
$$;
