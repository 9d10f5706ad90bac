"""DuckDB store: migrations, hardening, per-thread cursors, scoped and redacted reads."""

import threading
from datetime import date

import duckdb
import pytest

from store import StoreError, connect
from store.db import MIGRATIONS, schema_version
from store.incidents import REDACTED_TEXT, IncidentFilter, Scope, aggregate_by_region, query_incidents


def _insert(con, kab, judul="Uji", klasifikasi="Biasa", tgl=date(2025, 1, 10), kategori="SDA"):
    batch = con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('t', 'uji', 'u') "
                        "RETURNING id").fetchone()[0]
    con.execute(
        "INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, judul, "
        "klasifikasi, dibuat_oleh, eskalasi) VALUES (?, 'uji', ?, ?, ?, ?, ?, ?, ?, 'u', 3)",
        [batch, f"{kab}-{judul}", tgl, kab[:2], kab, kategori, judul, klasifikasi],
    )


def test_migrations_apply_once(db_path):
    con = connect(db_path)
    assert schema_version(con) == MIGRATIONS[-1][0]
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"regions", "incidents", "import_batches", "vocab", "audit", "schema_version"} <= tables
    con.close()
    con = connect(db_path)  # reopening applies nothing twice
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_database_from_a_newer_version_is_refused(db_path):
    con = connect(db_path, harden=False)
    con.execute("INSERT INTO schema_version (versi, nama) VALUES (999, '999_future.sql')")
    con.close()
    with pytest.raises(StoreError, match="migrasi \\[999\\] yang tidak dikenal"):
        connect(db_path)


def test_vocab_comes_from_data_files(con):
    kategori = dict(con.execute("SELECT kode, nama FROM vocab WHERE daftar = 'kategori'").fetchall())
    assert {"POL", "SARA", "SDA", "BTS", "EKO", "PEM", "ORM", "IDE", "INF", "KAM", "ASG", "LAIN"} == set(kategori)


def test_hardened_connection_cannot_read_files_or_unlock(con):
    with pytest.raises(duckdb.PermissionException):
        con.execute("SELECT * FROM read_text('/etc/passwd')")
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")


def test_second_process_gets_a_clear_message(db_path, tmp_path):
    import subprocess
    import sys

    con = connect(db_path)
    code = f"from store import connect\nconnect({str(db_path)!r})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    con.close()
    assert "sedang dipakai proses lain" in result.stderr


def test_cursor_per_thread_loses_nothing(con):
    con.execute("CREATE TABLE t (worker INTEGER, i INTEGER)")

    def work(worker):
        cur = con.cursor()
        for i in range(50):
            cur.execute("INSERT INTO t VALUES (?, ?)", [worker, i])

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 400


def test_kabupaten_scope_hides_other_kabupaten(con):
    _insert(con, "63.71", "Banjarmasin")
    _insert(con, "63.72", "Banjarbaru")
    _insert(con, "62.71", "Palangka Raya")
    scope = Scope(region="63.72", clearance="Rahasia")
    rows = query_incidents(con, IncidentFilter(), scope)
    assert list(rows["kode_kab"]) == ["63.72"]
    # asking for another kabupaten inside the scope returns nothing, never widens it
    assert query_incidents(con, IncidentFilter(kab="63.71"), scope).empty
    assert list(aggregate_by_region(con, IncidentFilter(), scope)["kode"]) == ["63.72"]
    province = query_incidents(con, IncidentFilter(), Scope(region="63"))
    assert sorted(province["kode_kab"]) == ["63.71", "63.72"]


def test_secret_incidents_are_redacted_below_clearance(con):
    _insert(con, "63.72", "Rahasia sekali", klasifikasi="Rahasia")
    low = query_incidents(con, IncidentFilter(), Scope(clearance="Terbatas"))
    assert low.loc[0, "judul"] == REDACTED_TEXT
    assert low.loc[0, "kode_kab"] == "63.72"  # still counted on the map
    high = query_incidents(con, IncidentFilter(), Scope(clearance="Rahasia"))
    assert high.loc[0, "judul"] == "Rahasia sekali"


def test_filter_values_are_bound_not_spliced(con):
    _insert(con, "63.72")
    hostile = "63.72' OR '1'='1"
    assert query_incidents(con, IncidentFilter(kab=hostile), Scope()).empty
    assert query_incidents(con, IncidentFilter(kategori=("SDA') OR 1=1 --",)), Scope()).empty


def test_filters_by_date_and_category(con):
    _insert(con, "63.72", "a", tgl=date(2024, 1, 1), kategori="POL")
    _insert(con, "63.72", "b", tgl=date(2024, 6, 1), kategori="SDA")
    rows = query_incidents(con, IncidentFilter(date_from=date(2024, 3, 1), kategori=("SDA",)), Scope())
    assert list(rows["judul"]) == ["b"]


@pytest.mark.parametrize("region", ["6", "63.7", "63.72.01"])
def test_scope_rejects_malformed_regions(region):
    with pytest.raises(ValueError, match="kode wilayah cakupan tidak sah"):
        Scope(region=region)


def test_unknown_sort_order_lists_the_allowed(con):
    with pytest.raises(ValueError, match="terbaru, terlama, eskalasi"):
        query_incidents(con, IncidentFilter(), Scope(), order="judul; DROP TABLE incidents")


def test_regions_table_loads_installed_boundaries(fresh_db):
    con = connect(fresh_db)
    counts = dict(con.execute("SELECT level, count(*) FROM regions GROUP BY level").fetchall())
    assert counts == {"prov": 38, "kab": 514, "kec": 7285}
    assert con.execute("SELECT nama FROM regions WHERE kode = '63.72'").fetchone()[0] == "Kota Banjarbaru"


def test_incidents_keep_rows_and_ids_when_their_indexes_go(db_path):
    # a database as it was before migration 060: incidents with a primary key and three indexes
    old = duckdb.connect(str(db_path))
    old.execute("CREATE TABLE schema_version (versi INTEGER PRIMARY KEY, nama VARCHAR NOT NULL, "
                "diterapkan_pada TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    for number, name, sql in MIGRATIONS:
        if number < 60:
            old.execute(sql)
            old.execute("INSERT INTO schema_version (versi, nama) VALUES (?, ?)", [number, name])
    for kab in ("63.72", "63.71", "11.05"):
        _insert(old, kab, judul=f"lama {kab}")
    assert old.execute("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'incidents'").fetchone()[0] == 3
    before = old.execute("SELECT * FROM incidents ORDER BY id").fetchall()
    old.close()

    con = connect(db_path)
    assert con.execute("SELECT * FROM incidents ORDER BY id").fetchall() == before
    assert con.execute("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'incidents'").fetchone()[0] == 0
    _insert(con, "63.72", judul="baru")
    assert con.execute("SELECT max(id) FROM incidents").fetchone()[0] == max(r[0] for r in before) + 1
    with pytest.raises(duckdb.ConstraintException):  # the checks are still there
        con.execute("UPDATE incidents SET eskalasi = 9 WHERE judul = 'baru'")
