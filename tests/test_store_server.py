"""What only a PostgreSQL server adds: row-level security for the app's role, uniqueness and an
append-only audit log enforced by the server itself, and moving an office's DuckDB database up
with ``python -m sigap migrate --to`` (fingerprints and the audit chain verified)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest

from auth.identity import User
from ingest.importer import prepare_import
from services.imports import commit_import
from store import connect
from store.audit import verify_chain
from store.db import SYSTEM, acting_as, clear_actor, set_process_actor
from tests.conftest import pg_database_with_regions

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = User("analis_nas", "analis", None, "Rahasia")
REPORT = (b"tanggal;kode_kab;kategori;eskalasi;judul;klasifikasi\n"
          b"11/05/2024;63.72;SDA;3;Blokade jalan tambang Banjarbaru;Biasa\n"
          b"12/05/2024;63.10;SARA;2;Ketegangan warga Banjar;Biasa\n"
          b"13/05/2024;11.06;KAM;2;Tawuran di Aceh Besar;Biasa\n"
          b"14/05/2024;63.72;PEM;4;Rapat tertutup ormas;Rahasia\n")


@pytest.fixture
def server_db(locator):
    owner, app = pg_database_with_regions()
    clear_actor()
    set_process_actor(SYSTEM)
    con = connect(app)
    commit_import(con, prepare_import(con, REPORT, "laporan.csv", locator, user=NATIONAL), NATIONAL)
    yield owner, app, con
    set_process_actor(None)
    con.shutdown()


def _raw(url: str, wilayah: str | None, izin: str = "Rahasia"):
    sql = psycopg.connect(url, autocommit=True)
    if wilayah is not None:
        sql.execute("SELECT set_config('sigap.wilayah', %s, false), set_config('sigap.izin', %s, false)",
                    [wilayah, izin])
    return sql


def test_the_app_role_reads_only_its_actors_region_and_clearance_even_through_raw_sql(server_db):
    _, app, con = server_db
    with acting_as(SYSTEM):  # a version of each incident in the history: its full text as JSON
        con.execute("INSERT INTO riwayat_insiden (id_insiden, versi, diubah_oleh, alasan, data) "
                    "SELECT id, versi, 'uji', 'uji', to_json(x) FROM (SELECT * EXCLUDE (hash_isi) FROM incidents) x")
    with _raw(app, "63.72", "Terbatas") as sql:
        # a row above the clearance still counts (its text is the store's allow-list's to withhold) …
        assert sorted(sql.execute("SELECT kode_kab, klasifikasi FROM incidents").fetchall()) == [
            ("63.72", "Biasa"), ("63.72", "Rahasia")]
        # … but the content kept as text, its history, is not readable below the clearance
        assert [r[0]["judul"] for r in sql.execute("SELECT data FROM riwayat_insiden").fetchall()] == [
            "Blokade jalan tambang Banjarbaru"]
    with _raw(app, "63.72") as sql:
        assert sql.execute("SELECT count(*) FROM riwayat_insiden").fetchone()[0] == 2
    with _raw(app, "63") as sql:
        assert {r[0] for r in sql.execute("SELECT kode_kab FROM incidents").fetchall()} == {"63.72", "63.10"}
    with _raw(app, None) as sql:  # no actor: nothing, not everything
        assert sql.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
    with _raw(app, "6") as sql:  # a prefix that is not a whole code part
        assert sql.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0


def test_the_app_role_cannot_write_outside_its_region_or_change_the_schema_or_the_audit_log(server_db):
    _, app, _ = server_db
    with _raw(app, "63.72") as sql:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security: WITH CHECK
            sql.execute("INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, "
                        "judul, dibuat_oleh) VALUES (1, 'x', 'h', '2024-01-01', '11', '11.06', 'SDA', 'x', 'x')")
        assert sql.execute("UPDATE incidents SET judul = 'x' WHERE kode_kab = '11.06'").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("DROP TABLE incidents")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("DELETE FROM audit")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("UPDATE audit SET actor = 'x'")


def test_the_server_refuses_a_second_copy_of_a_stored_report(server_db):
    _, app, con = server_db
    with acting_as(SYSTEM):
        stored = con.execute("SELECT batch_id, hash_isi FROM incidents LIMIT 1").fetchone()
    with _raw(app, "*") as sql, pytest.raises(psycopg.errors.UniqueViolation):
        sql.execute("INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, judul, "
                    "dibuat_oleh) VALUES (%s, 'x', %s, '2024-01-01', '63', '63.72', 'SDA', 'x', 'x')", list(stored))


def test_the_same_rows_hash_alike_on_both_engines(server_db, fresh_db, locator):
    _, _, con = server_db
    duck = connect(fresh_db)
    commit_import(duck, prepare_import(duck, REPORT, "laporan.csv", locator, user=NATIONAL), NATIONAL)
    sql = "SELECT judul, hash_isi FROM incidents ORDER BY judul"
    assert duck.execute(sql).fetchall() == con.execute(sql).fetchall()
    duck.close()


def test_migrate_moves_an_office_database_with_workflow_history_and_the_chain_still_verifies(fresh_db, locator,
                                                                                           tmp_path):
    from services import verifikasi

    duck = connect(fresh_db)
    batch = commit_import(duck, prepare_import(duck, REPORT, "laporan.csv", locator, user=NATIONAL), NATIONAL).batch
    bjb = User("verif_bjb", "analis", "63.72", "Rahasia")
    incident = duck.execute("SELECT id FROM incidents WHERE batch_id = ? AND kode_kab = '63.72' ORDER BY id LIMIT 1",
                            [batch]).fetchone()[0]
    verifikasi.transition(duck, incident, "diverifikasi_kab", bjb, versi=1)
    before = {t: duck.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("incidents", "riwayat_insiden", "verifikasi_langkah", "audit", "regions")}
    duck.close()
    owner, app = pg_database_with_regions()

    run = subprocess.run([sys.executable, "-m", "sigap", "--db", str(fresh_db), "migrate", "--to", owner],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["sidik_cocok"] and "utuh" in report["jejak_audit"]
    assert {t: report["tabel"][t] for t in before} == before

    clear_actor()
    set_process_actor(SYSTEM)
    server = connect(app)
    try:
        assert verify_chain(server).ok
        assert server.execute("SELECT status_verifikasi, versi FROM incidents WHERE id = ?", [incident]).fetchone() \
            == ("diverifikasi_kab", 2)
        # sequences continue: the next import does not reuse an id
        again = commit_import(server, prepare_import(server, REPORT.replace(b"2024", b"2025"), "baru.csv", locator,
                                                     user=NATIONAL), NATIONAL)
        assert again.batch > batch
        assert verify_chain(server).ok
    finally:
        set_process_actor(None)
        server.shutdown()

    # a second move into the now non-empty server is refused and changes nothing
    again = subprocess.run([sys.executable, "-m", "sigap", "--db", str(fresh_db), "migrate", "--to", owner],
                           capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert again.returncode == 2 and "sudah berisi data" in again.stderr and "Traceback" not in again.stderr
    assert date.today()  # the import above used real dates


def test_migrate_moves_the_demo_database(regions_db, tmp_path):
    from tests.conftest import make_demo_db

    demo = make_demo_db(tmp_path, regions_db, n=2000, seed=7)
    owner, app = pg_database_with_regions()
    run = subprocess.run([sys.executable, "-m", "sigap", "--db", str(demo), "migrate", "--to", owner],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["sidik_cocok"] and report["tabel"]["incidents"] == 2000
    clear_actor()
    set_process_actor(SYSTEM)
    server = connect(app)
    try:
        assert server.execute("SELECT count(*), bool_and(sintetis) FROM import_batches").fetchone() == (1, True)
    finally:
        set_process_actor(None)
        server.shutdown()
