"""The work of one OS process in the PostgreSQL load test (tests/test_pg_concurrency.py) and the
filing benchmark (bench/bench_pg.py): an office filing reports through the Lapor form, an analyst
importing a file, or a reader asking for the map's numbers — each with its own connection and its
own row-level-security actor, as one app process would be.

The test spawns each worker as a fresh interpreter; the benchmark preloads this module in a
multiprocessing fork server (``set_forkserver_preload``), so its many children start without
paying for pandas, polars and the locator again. Every result goes to a JSON-lines
file, one line the moment the server acknowledged the write, so a crash loses nothing recorded.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from datetime import date, timedelta

import numpy as np

from auth.identity import Scope, User
from geo.locate import load_locator
from ingest.importer import prepare_import
from services import lapor
from services.imports import commit_import
from store import connect
from store.db import set_actor
from store.incidents import IncidentFilter, aggregate_by_region

__all__ = ["NATIONAL", "file_one_each", "file_reports", "import_file", "office_user", "read_map", "report_form"]

NATIONAL = User("analis_pusat", "analis", None, "Rahasia")
CATEGORIES = ("POL", "SDA", "SARA", "KAM")


def office_user(kab: str) -> User:
    """The officer of kabupaten/kota ``kab``: may file reports there (role analis, Rahasia)."""
    return User(f"petugas_{kab.replace('.', '_')}", "analis", kab, "Rahasia")


def report_form(kab: str, i: int, tag: str = "uji") -> lapor.ReportForm:
    """A complete, unique report of ``kab`` (number ``i``) as an officer would type it."""
    day = date.today() - timedelta(days=2 + i % 20)
    return lapor.ReportForm({
        "tanggal": f"{day:%d/%m/%Y}", "kode_kab": kab, "kategori": CATEGORIES[i % 4], "sifat": "gejala",
        "eskalasi": str(1 + i % 4), "judul": f"Laporan {tag} {kab} nomor {i}",
        "kronologi": "Warga berkumpul di depan kantor desa.",
    }, tanggal_lapsitda=date.today() - timedelta(days=1))


def _line(out, record: dict) -> None:
    out.write(json.dumps(record) + "\n")
    out.flush()


def file_reports(url: str, kab: str, n: int, out_path: str, go, tag: str = "uji", first: int = 0) -> None:
    """File ``n`` submitted reports as the office of ``kab``; one line per acknowledged report
    (``id``, ``nomor``, ``ms``: the wall time of :func:`services.lapor.file_report`) or error."""
    with open(out_path, "a", encoding="utf-8") as out:
        try:
            user = office_user(kab)
            set_actor(user.scope)
            con = connect(url)
            locator = load_locator()
            lapor.check_report(con, report_form(kab, -1, tag), locator, user)  # warm the import path
        except Exception:
            _line(out, {"error": traceback.format_exc()})
            go.wait()
            return
        go.wait()
        for i in range(first, first + n):
            start = time.perf_counter()
            try:
                saved = lapor.file_report(con, report_form(kab, i, tag), locator, user, submit=True)
            except Exception as exc:
                _line(out, {"error": f"{type(exc).__name__}: {exc}", "i": i})
                continue
            _line(out, {"id": saved.id, "nomor": saved.nomor, "kab": kab,
                        "ms": (time.perf_counter() - start) * 1000})
        con.shutdown()


def import_file(url: str, csv_path: str, name: str, out_path: str, go) -> None:
    """Import ``csv_path`` as the national analyst; one line with the batch and its counts."""
    with open(out_path, "a", encoding="utf-8") as out:
        try:
            set_actor(NATIONAL.scope)
            con = connect(url)
            locator = load_locator()
            with open(csv_path, "rb") as handle:
                data = handle.read()
        except Exception:
            _line(out, {"error": traceback.format_exc()})
            go.wait()
            return
        go.wait()
        start = time.perf_counter()
        try:
            result = commit_import(con, prepare_import(con, data, name, locator, user=NATIONAL), NATIONAL)
        except Exception:
            _line(out, {"error": traceback.format_exc()})
            return
        _line(out, {"batch": result.batch, "rows": result.rows, "accepted": result.accepted,
                    "rejected": result.rejected, "duplicates": result.duplicates,
                    "s": time.perf_counter() - start})
        con.shutdown()


def read_map(url: str, region: str | None, out_path: str, go, stop, tags: tuple[str, ...] = (),
             pause: float = 0.5) -> None:
    """Ask for the national/province/kabupaten map numbers until ``stop`` is set. One line per
    query: the total, the region codes seen, and (``tags``) how many rows of each import batch —
    by ``id_sumber`` prefix — were visible in that one statement. ``pause`` seconds between queries
    (a person reading a map, not a loop stealing the writers' cores)."""
    with open(out_path, "a", encoding="utf-8") as out:
        try:
            scope = Scope(region=region, clearance="Rahasia")
            set_actor(scope)
            con = connect(url)
        except Exception:
            _line(out, {"error": traceback.format_exc()})
            go.wait()
            return
        go.wait()
        while not stop.is_set():
            try:
                start = time.perf_counter()
                counts = aggregate_by_region(con, IncidentFilter(), scope)
                seen = {}
                if tags:
                    row = con.execute("SELECT " + ", ".join(
                        f"count(*) FILTER (WHERE id_sumber LIKE '{tag}-%')" for tag in tags) + " FROM incidents"
                    ).fetchone()
                    seen = dict(zip(tags, map(int, row)))
                _line(out, {"total": int(counts["jumlah"].sum()), "codes": sorted(counts["kode"].unique().tolist()),
                            "batches": seen, "ms": (time.perf_counter() - start) * 1000})
            except Exception as exc:
                _line(out, {"error": f"{type(exc).__name__}: {exc}"})
            stop.wait(pause)
        con.shutdown()


def file_one_each(url: str, jobs: list[tuple[str, str, int]], out_path: str, go, window: float, seed: int) -> None:
    """One app process serving many offices (bench/bench_pg.py): one thread per ``(region, kab, i)`` job, all
    waiting for ``go``; each files one report after a random delay within ``window`` seconds and
    its wall time (or error) goes to the JSON list at ``out_path``."""
    con = connect(url)
    locator = load_locator()
    region, kab, _ = jobs[0]
    set_actor(User("hangat", "analis", region, "Rahasia").scope)
    lapor.check_report(con, report_form(kab, -1, "hangat"), locator, User("hangat", "analis", region, "Rahasia"))
    rng = np.random.default_rng(seed)
    delays = rng.uniform(0, window, len(jobs)) if window else np.zeros(len(jobs))
    release = threading.Event()
    results: list[dict] = []

    def office(job, delay):
        region, kab, i = job
        user = User(f"petugas_{region.replace('.', '_')}", "analis", region, "Rahasia")
        set_actor(user.scope)
        release.wait()
        time.sleep(delay)
        start = time.perf_counter()
        try:
            saved = lapor.file_report(con, report_form(kab, i, f"bench{seed}"), locator, user, submit=True)
            results.append({"ms": (time.perf_counter() - start) * 1000, "id": saved.id})
        except Exception as exc:
            results.append({"error": f"{type(exc).__name__}: {exc}"})

    threads = [threading.Thread(target=office, args=(job, d)) for job, d in zip(jobs, delays)]
    for thread in threads:
        thread.start()
    go.wait()
    release.set()
    for thread in threads:
        thread.join()
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(results, out)
    con.shutdown()
