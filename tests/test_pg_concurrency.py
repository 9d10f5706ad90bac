"""Issue 16 under load, on a real PostgreSQL + PostGIS server: 40 OS processes file 50 reports each as
40 different kabupaten/kota offices through :func:`services.lapor.file_report`, while two national
imports of 20.000 rows commit and three readers ask for the map's numbers. Afterwards every write
the server acknowledged is there exactly once, no import batch is half-written (not at the end, and
not in any reader's snapshot while it ran), the audit chain verifies, and a kabupaten role reading
through raw SQL sees only its own rows (with no actor set, none)."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
import types
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

pytestmark = pytest.mark.slow

# SIGAP_PG_LOAD="offices,reports,rows" shrinks the load while developing (e.g. "4,5,2000")
OFFICES, REPORTS, IMPORT_ROWS = map(int, os.environ.get("SIGAP_PG_LOAD", "40,50,20000").split(","))
TAGS = ("IMPA", "IMPB")
KEY = "5a" * 32
BJB = "63.72"


def _import_csv(codes: list[str], tag: str, n: int, seed: int) -> bytes:
    """The SIGAP template (``;``) with ``n`` rows across ``codes``; ``id_sumber`` ``TAG-000001``…"""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(codes), n)
    days = rng.integers(30, 700, n)
    kinds = np.array(["POL", "SDA", "SARA", "KAM"])[rng.integers(0, 4, n)]
    lines = ["tanggal;kode_kab;kategori;eskalasi;judul;id_sumber"]
    today = date.today()
    for i in range(n):
        day = today - timedelta(days=int(days[i]))
        lines.append(f"{day:%d/%m/%Y};{codes[pick[i]]};{kinds[i]};{1 + i % 4};"
                     f"Impor {tag} baris {i} di {codes[pick[i]]};{tag}-{i + 1:06d}")
    return ("\n".join(lines) + "\n").encode()


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _everyone_ready(go, processes, folder, limit: float = 600.0) -> None:
    """Wait until every worker waits at the barrier; fail at once, with what the workers wrote,
    when one of them died or the warm-up takes longer than ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while go.n_waiting < len(processes):
        dead = [p for p in processes if p.exitcode is not None]
        late = time.monotonic() > deadline
        if dead or late:
            written = {path.name: path.read_text(encoding="utf-8")[-2000:] for path in folder.glob("*.jsonl")}
            go.abort()
            for p in processes:
                p.kill()
            pytest.fail(f"{len(dead)} pekerja berhenti sebelum mulai (kode {[p.exitcode for p in dead]}), "
                        f"{go.n_waiting}/{len(processes)} siap setelah {limit - (deadline - time.monotonic()):.0f} s; "
                        f"catatan pekerja: {written}")
        time.sleep(0.2)


def test_forty_offices_two_imports_and_readers_at_once(tmp_path, monkeypatch):
    import psycopg

    from tests.conftest import pg_database_with_regions

    monkeypatch.setenv("SIGAP_AUDIT_KEY", KEY)  # every process signs the audit head with this key
    owner, app = pg_database_with_regions()
    with psycopg.connect(owner) as sql:
        all_kab = [r[0] for r in sql.execute("SELECT kode FROM regions WHERE level = 'kab' ORDER BY kode")]
    step = len(all_kab) // OFFICES
    offices = sorted({BJB, *all_kab[::step][:OFFICES - 1]})[:OFFICES]
    assert len(offices) == OFFICES and BJB in offices
    files = []
    for n, tag in enumerate(TAGS):
        path = tmp_path / f"{tag}.csv"
        path.write_bytes(_import_csv(all_kab, tag, IMPORT_ROWS, seed=n))
        files.append(path)

    from tests import pg_worker

    # spawn: a child forked from a process whose libraries already started threads (BLAS, Arrow)
    # may inherit a lock held by one of them and hang before it ever reaches the barrier
    ctx = multiprocessing.get_context("spawn")
    # A page test run earlier in this process (AppTest) leaves app.py as __main__, and every child
    # would run it again before its work, and die there: the children get a blank main module.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    readers = [(None, TAGS), ("63", ()), (BJB, ())]
    go = ctx.Barrier(OFFICES + len(files) + len(readers) + 1)
    stop = ctx.Event()
    filers = [ctx.Process(target=pg_worker.file_reports,
                          args=(app, kab, REPORTS, str(tmp_path / f"lapor-{kab}.jsonl"), go))
              for kab in offices]
    importers = [ctx.Process(target=pg_worker.import_file,
                             args=(app, str(path), path.name, str(tmp_path / f"impor-{path.stem}.jsonl"), go))
                 for path in files]
    watchers = [ctx.Process(target=pg_worker.read_map,
                            args=(app, region, str(tmp_path / f"baca-{region or 'nasional'}.jsonl"), go, stop, tags))
                for region, tags in readers]
    started = time.perf_counter()
    for process in [*filers, *importers, *watchers]:
        process.start()
    _everyone_ready(go, [*filers, *importers, *watchers], tmp_path)  # warmed up and connected
    go.wait(timeout=60)  # all start at once
    loaded = time.perf_counter()
    for process in [*filers, *importers]:
        process.join(timeout=300)
    stop.set()
    for process in watchers:
        process.join(timeout=30)
    finished = time.perf_counter()
    assert all(p.exitcode == 0 for p in [*filers, *importers, *watchers])

    # --- what every worker says the server acknowledged ------------------------------------------------
    filed = [line for kab in offices for line in _lines(tmp_path / f"lapor-{kab}.jsonl")]
    errors = [line["error"] for line in filed if "error" in line]
    assert errors == []
    filed = [line for line in filed if "id" in line]
    assert len(filed) == OFFICES * REPORTS
    imported = [line for path in files for line in _lines(tmp_path / f"impor-{path.stem}.jsonl")]
    assert [line.get("error") for line in imported] == [None, None]
    assert [(line["accepted"], line["rejected"], line["duplicates"]) for line in imported] == [
        (IMPORT_ROWS, 0, 0)] * 2
    read = {region: _lines(tmp_path / f"baca-{region or 'nasional'}.jsonl") for region, _ in readers}
    assert all("error" not in line for lines in read.values() for line in lines)
    assert all(len(lines) >= 3 for lines in read.values())  # they really read while the writes ran

    latencies = np.array([line["ms"] for line in filed])
    queries = ", ".join(f"{region or 'nasional'} {len(lines)}" for region, lines in read.items())
    print(f"\n{OFFICES} kantor × {REPORTS} laporan + 2 × {IMPORT_ROWS} baris impor: siap {loaded - started:.1f} s, "
          f"kerja {finished - loaded:.1f} s; file_report p50 {np.percentile(latencies, 50):.0f} ms, "
          f"p95 {np.percentile(latencies, 95):.0f} ms, maks {latencies.max():.0f} ms; "
          f"pembaca: {queries} kueri")

    # --- readers: inside their scope, never half an import, totals only grow ---------------------------
    assert all(code == BJB for line in read[BJB] for code in line["codes"])
    assert all(code.startswith("63.") for line in read["63"] for code in line["codes"])
    national = read[None]
    assert all(seen in (0, IMPORT_ROWS) for line in national for seen in line["batches"].values())
    totals = [line["total"] for line in national]
    assert totals == sorted(totals)

    # --- the database: each acknowledged write exactly once ------------------------------------------
    ids = [line["id"] for line in filed]
    assert len(set(ids)) == len(ids) and len({line["nomor"] for line in filed}) == len(filed)
    with psycopg.connect(owner) as sql:  # the owner: row-level security does not apply
        stored = sql.execute("SELECT id, id_sumber, kode_kab FROM incidents WHERE id = ANY(%s)", [ids]).fetchall()
        assert Counter(row[0] for row in stored) == Counter(ids)
        assert {row[0]: (row[1], row[2]) for row in stored} == {
            line["id"]: (line["nomor"], line["kab"]) for line in filed}
        by_nomor = dict(sql.execute(
            "SELECT id_sumber, count(*) FROM incidents WHERE id_sumber = ANY(%s) GROUP BY 1",
            [[line["nomor"] for line in filed]]).fetchall())
        assert set(by_nomor.values()) == {1} and len(by_nomor) == len(filed)
        forms = sql.execute("SELECT count(*), count(DISTINCT nomor) FROM laporan WHERE id_insiden = ANY(%s)",
                            [ids]).fetchone()
        assert forms == (len(filed), len(filed))
        total = sql.execute("SELECT count(*) FROM incidents").fetchone()[0]
        assert total == len(filed) + 2 * IMPORT_ROWS
        # no batch half-written: each batch holds exactly the rows it says it accepted
        batches = sql.execute(
            "SELECT b.id, b.sumber, b.diterima, count(i.id) FROM import_batches b "
            "LEFT JOIN incidents i ON i.batch_id = b.id GROUP BY b.id, b.sumber, b.diterima").fetchall()
        assert len(batches) == len(filed) + 2
        assert [b for b in batches if b[2] != b[3]] == []
        for line, tag in zip(imported, TAGS):
            count, distinct, outside = sql.execute(
                "SELECT count(*), count(DISTINCT id_sumber), count(*) FILTER (WHERE batch_id <> %s) "
                "FROM incidents WHERE id_sumber LIKE %s", [line["batch"], f"{tag}-%"]).fetchone()
            assert (count, distinct, outside) == (IMPORT_ROWS, IMPORT_ROWS, 0)
        audited = dict(sql.execute("SELECT action, count(*) FROM audit GROUP BY 1").fetchall())
        assert audited.get("lapor") == len(filed) and audited.get("impor") == 2

    # --- the audit chain verifies, read as the app's role ------------------------------------------------
    from store import connect
    from store.audit import verify_chain
    from store.db import SYSTEM, acting_as

    with acting_as(SYSTEM):
        con = connect(app)
        check = verify_chain(con)
        con.shutdown()
    assert check.ok, check.message
    assert check.rows == sum(audited.values())

    # --- row-level security through raw SQL as the app's role ------------------------------------------
    with psycopg.connect(app) as sql:
        assert sql.execute("SELECT DISTINCT kode_kab FROM incidents").fetchall() == []  # no actor: nothing
        sql.execute("SELECT set_config('sigap.wilayah', %s, false), set_config('sigap.izin', 'Rahasia', false)",
                    [BJB])
        assert sql.execute("SELECT DISTINCT kode_kab FROM incidents").fetchall() == [(BJB,)]
        own = sql.execute("SELECT count(*) FROM incidents").fetchone()[0]
    with psycopg.connect(owner) as sql:
        assert own == sql.execute("SELECT count(*) FROM incidents WHERE kode_kab = %s", [BJB]).fetchone()[0]
    assert own >= REPORTS
