"""The PostgreSQL engine under load (issue 16): filing latency when every office files at once, the
national map's aggregation at 1 M and 5 M incidents on PostgreSQL against DuckDB, and import
throughput on both engines.

Run: ``.venv/bin/python -m bench.bench_pg [--sizes 1000000,5000000] [--offices 552] [--procs 8]
[--import-rows 100000]``. Starts its own throw-away PostgreSQL + PostGIS cluster
(``scripts/pg_cluster.sh`` through ``tests.pgserver``) unless ``SIGAP_TEST_PG`` names a server.

* Filing: 552 offices (514 kabupaten/kota + 38 provinces), one report each through
  :func:`services.lapor.file_report` (submitted), as OS processes (``--procs``, an app's worker
  processes) with one thread per office; all released at the same instant, and again with the
  arrivals spread uniformly over ``--window`` seconds (the morning rush before the 10.00 deadline).
  The wall time of each call is one sample.
* Aggregation: :func:`store.incidents.aggregate_by_region` as the Peta page calls it (national
  scope, kabupaten level, last 12 months; and all time), median of 5 after a warm-up; on
  PostgreSQL through the app's role with row-level security, as the app runs: whole months from
  the summary the server keeps (migration 910) and the partial months from incident rows. A
  diagnostic row reads every incident row instead (``summary=False``). Incidents are generated in
  the database (``generate_series`` / ``range``) over the real kabupaten codes.
* Import: a CSV with points (as ``bench.bench_import``) read, checked, located and committed by
  the national analyst through :func:`services.imports.commit_import`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import id_number  # noqa: E402

KEY = "6b" * 32
REPEAT = 5


# --- filing -------------------------------------------------------------------------------------------

def _offices(owner: str) -> list[tuple[str, str]]:
    """(office region, kabupaten of its report): every kabupaten/kota, and every province filing
    about its first kabupaten/kota."""
    import psycopg

    with psycopg.connect(owner) as sql:
        kab = [r[0] for r in sql.execute("SELECT kode FROM regions WHERE level = 'kab' ORDER BY kode")]
        prov = [r[0] for r in sql.execute("SELECT kode FROM regions WHERE level = 'prov' ORDER BY kode")]
    first = {}
    for code in kab:
        first.setdefault(code[:2], code)
    return [(k, k) for k in kab] + [(p, first[p]) for p in prov if p in first]


def _filing_round(ctx, app: str, offices, procs: int, window: float, seed: int, tmp: Path) -> tuple[np.ndarray, list]:
    from tests.pg_worker import file_one_each

    jobs = [(region, kab, seed * 10_000 + i) for i, (region, kab) in enumerate(offices)]
    chunks = [jobs[i::procs] for i in range(procs)]
    go = ctx.Barrier(procs + 1)
    outs = [tmp / f"lapor-{seed}-{i}.json" for i in range(procs)]
    workers = [ctx.Process(target=file_one_each, args=(app, chunk, str(out), go, window, seed * 100 + i))
               for i, (chunk, out) in enumerate(zip(chunks, outs))]
    for worker in workers:
        worker.start()
    go.wait(timeout=300)
    for worker in workers:
        worker.join(timeout=600)
    results = [r for out in outs for r in json.loads(out.read_text())]
    return np.array([r["ms"] for r in results if "ms" in r]), [r["error"] for r in results if "error" in r]


def _single_filings(app: str, n: int = 20) -> np.ndarray:
    """One office filing alone, one report after another: the latency without any queue."""
    from geo.locate import load_locator
    from services import lapor
    from store import connect
    from store.db import acting_as
    from tests.pg_worker import office_user, report_form

    user = office_user("63.72")
    with acting_as(user.scope):
        con = connect(app)
        locator = load_locator()
        lapor.file_report(con, report_form("63.72", 90_000, "sendiri"), locator, user, submit=True)
        times = []
        for i in range(n):
            start = time.perf_counter()
            lapor.file_report(con, report_form("63.72", 90_001 + i, "sendiri"), locator, user, submit=True)
            times.append((time.perf_counter() - start) * 1000)
        con.shutdown()
    return np.array(times)


# --- aggregation --------------------------------------------------------------------------------------

def _fill_sql(engine: str, n: int, offset: int, batch: int, start: date) -> str:
    """Generate ``n`` incidents in the database over the real kabupaten codes (no client round trip)."""
    series = f"range({n}) r(g)" if engine == "duckdb" else f"generate_series(0, {n - 1}::bigint) g"
    return (
        "INSERT INTO incidents (id, batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, bentuk, "
        "eskalasi, tewas, luka, judul, status_verifikasi, klasifikasi, dibuat_oleh) "
        f"SELECT g + {offset}, {batch}, 'bench', 'bench-' || CAST(g + {offset} AS VARCHAR), "
        f"DATE '{start.isoformat()}' + CAST((g * 7919) % 730 AS INTEGER), k.kode_prov, k.kode, "
        "CASE g % 5 WHEN 0 THEN 'POL' WHEN 1 THEN 'SDA' WHEN 2 THEN 'SARA' WHEN 3 THEN 'KAM' ELSE 'EKO' END, "
        "CASE g % 4 WHEN 0 THEN 'UR_DAMAI' WHEN 1 THEN 'KERUSUHAN' WHEN 2 THEN 'UR_BENTROK' END, "
        "CAST(1 + (g * 31) % 5 AS SMALLINT), CAST(CASE WHEN g % 40 = 0 THEN 1 ELSE 0 END AS INTEGER), "
        "CAST(g % 3 AS INTEGER), 'uji', "
        "CASE g % 10 WHEN 0 THEN 'draft' WHEN 1 THEN 'diajukan' ELSE 'diverifikasi_kab' END, "
        "CASE g % 20 WHEN 0 THEN 'Rahasia' WHEN 1 THEN 'Terbatas' ELSE 'Biasa' END, 'bench' "
        f"FROM {series} JOIN (SELECT row_number() OVER (ORDER BY kode) - 1 AS n, kode, kode_prov FROM regions "
        "WHERE level = 'kab') k ON k.n = (g * 2654435761) % 514"
    )


def _median_seconds(run) -> float:
    run()  # warm-up: caches, plans, pages in memory
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _queries(con, scope):
    from store.incidents import IncidentFilter, aggregate_by_region

    year = IncidentFilter(date_from=date.today() - timedelta(days=365))
    return {"12 bulan": lambda: aggregate_by_region(con, year, scope),
            "semua waktu": lambda: aggregate_by_region(con, IncidentFilter(), scope)}


def _aggregation(sizes: list[int], tmp: Path) -> list[tuple]:
    import psycopg

    from auth.identity import Scope
    from store import connect
    from store.db import acting_as
    from store.incidents import IncidentFilter, aggregate_by_region
    from store.regions import load_regions_into
    from tests.conftest import pg_database_with_regions

    scope = Scope(None, "Rahasia")
    start = date.today() - timedelta(days=729)
    duck_path = tmp / "agg.duckdb"
    duck = connect(duck_path)
    load_regions_into(duck)
    duck.execute("INSERT INTO import_batches (id, nama_berkas, sumber, pengguna) VALUES (1, 'bench', 'bench', 'bench')")
    owner, app = pg_database_with_regions()
    with psycopg.connect(owner, autocommit=True) as sql:
        batch = sql.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('bench', 'bench', "
                            "'bench') RETURNING id").fetchone()[0]
    with acting_as(scope):
        pg = connect(app)
    rows, have = [], 0
    for size in sizes:
        add = size - have
        t0 = time.perf_counter()
        duck.execute(_fill_sql("duckdb", add, have + 1, 1, start))
        fill_duck = time.perf_counter() - t0
        with psycopg.connect(owner, autocommit=True) as sql:
            t0 = time.perf_counter()
            sql.execute(_fill_sql("postgres", add, have + 1, batch, start))
            fill_pg = time.perf_counter() - t0
            # what the writes left for the summary (migration 910), folded once by the first map
            pending = sql.execute("SELECT count(*) FROM ringkasan_delta").fetchone()[0]
            t0 = time.perf_counter()
            sql.execute("SELECT sigap_ringkasan_padatkan()")
            fold = time.perf_counter() - t0
            # as autovacuum would within its next round: the folded delta's dead rows gone, the pages
            # of the new incidents marked all-visible (the index answers the partial months alone)
            sql.execute("VACUUM ANALYZE incidents, ringkasan_peta, ringkasan_delta")
            summary_rows = sql.execute("SELECT count(*) FROM ringkasan_peta").fetchone()[0]
        have = size
        duck_q = _queries(duck, scope)
        with acting_as(scope):
            pg_q = _queries(pg, scope)
            for name in duck_q:
                assert _same(duck_q[name](), pg_q[name]()), name
                d, p = _median_seconds(duck_q[name]), _median_seconds(pg_q[name])
                rows.append((size, name, d, p, fill_duck, fill_pg))
                fill_duck = fill_pg = None
        with acting_as(scope):  # diagnostics: the same map read from every incident row
            year = IncidentFilter(date_from=date.today() - timedelta(days=365))
            rows_only = _median_seconds(lambda year=year: aggregate_by_region(pg, year, scope, summary=False))
        rows.append((size, "diagnosa", rows_only, fold, pending, summary_rows))
    duck.close()
    pg.shutdown()
    return rows


def _same(a, b) -> bool:
    a = a.sort_values("kode").reset_index(drop=True)
    b = b.sort_values("kode").reset_index(drop=True)
    return a["kode"].tolist() == b["kode"].tolist() and np.allclose(
        a.drop(columns="kode").to_numpy(float), b.drop(columns="kode").to_numpy(float))


# --- import -------------------------------------------------------------------------------------------

def _import_rate(n: int, tmp: Path) -> dict[str, tuple[float, float, int]]:
    from bench.bench_import import _csv
    from geo.locate import load_locator
    from ingest.importer import prepare_import
    from services.imports import commit_import
    from store import connect
    from store.db import acting_as
    from store.regions import load_regions_into
    from tests.conftest import pg_database_with_regions
    from tests.pg_worker import NATIONAL

    data = _csv(n, seed=5)
    locator = load_locator()
    out = {}
    duck = connect(tmp / "impor.duckdb")
    load_regions_into(duck)
    _, app = pg_database_with_regions()
    with acting_as(NATIONAL.scope):
        pg = connect(app)
        for engine, con in (("DuckDB", duck), ("PostgreSQL", pg)):
            t0 = time.perf_counter()
            prepared = prepare_import(con, data, "bench.csv", locator, user=NATIONAL)
            checked = time.perf_counter() - t0
            result = commit_import(con, prepared, NATIONAL)
            total = time.perf_counter() - t0
            out[engine] = (total, checked, result.accepted)
        pg.shutdown()
    duck.close()
    return out


# --- main ---------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000", help="incident counts for the aggregation, ascending")
    parser.add_argument("--offices", type=int, default=552, help="offices filing at once (at most 552)")
    parser.add_argument("--procs", type=int, default=8, help="app processes the offices are spread over")
    parser.add_argument("--window", type=float, default=60.0, help="seconds the spread-out arrivals cover")
    parser.add_argument("--import-rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    os.environ.setdefault("SIGAP_AUDIT_KEY", KEY)

    from tests.conftest import pg_database_with_regions
    from tests.pgserver import server

    server()  # SIGAP_TEST_PG, or a throw-away cluster stopped at exit
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.pg_worker"])
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        owner, app = pg_database_with_regions()
        offices = _offices(owner)[:args.offices]
        alone = _single_filings(app)
        burst, burst_errors = _filing_round(ctx, app, offices, args.procs, 0.0, 1, tmp)
        spread, spread_errors = _filing_round(ctx, app, offices, args.procs, args.window, 2, tmp)
        imports = _import_rate(args.import_rows, tmp)
        aggregation = _aggregation(sizes, tmp)

    def p(values, q):
        return f"{np.percentile(values, q):.0f} ms"

    print("| ukuran | PostgreSQL | DuckDB | catatan |")
    print("|---|---|---|---|")
    print(f"| Lapor 1 laporan, satu kantor sendirian (20 kali) | p50 {p(alone, 50)}, p95 {p(alone, 95)} | — | "
          "tanpa antrean: batas bawah satu pengisian |")
    for name, values, errors in (("serentak (dilepas pada saat yang sama)", burst, burst_errors),
                                 (f"tersebar acak dalam {args.window:.0f} s", spread, spread_errors)):
        verdict = "tercapai" if np.percentile(values, 95) <= 200 else "tidak tercapai"
        print(f"| Lapor {len(offices)} kantor × 1 laporan, {name}, {args.procs} proses | p50 {p(values, 50)}, "
              f"p95 {p(values, 95)}, maks {p(values, 100)} | — | {len(values)} tersimpan, {len(errors)} gagal; "
              f"target p95 ≤ 200 ms {verdict} |")
    for size, name, first, second, third, fourth in aggregation:
        label = id_number(size, 0)
        if name == "diagnosa":  # (from incident rows, fold time, pending rows folded, summary rows)
            print(f"| Peta nasional 12 bulan, {label} insiden, tanpa ringkasan (baca semua baris insiden) | "
                  f"{first:.3f} s | — | ringkasan: {id_number(fourth, 0)} baris; melipat {id_number(third, 0)} "
                  f"perubahan tertunda setelah isi data {second:.1f} s (sekali, oleh peta pertama) |")
            continue
        duck, pg = first, second  # medians; then the fill times of this size (first query only)
        fill = f"; isi data: PG {fourth:.0f} s, DuckDB {third:.1f} s" if third is not None else ""
        ratio = pg / duck
        print(f"| Peta nasional (aggregate_by_region, kab), {name}, {label} insiden | {pg:.3f} s | {duck:.3f} s | "
              f"{ratio:.1f}× DuckDB; target ≤ 2× {'tercapai' if ratio <= 2 else 'tidak tercapai'}{fill} |")
    rates = {engine: (f"{id_number(accepted / total / 1000, 1)} rb baris/s ({total:.1f} s: periksa {checked:.1f} s, "
                      f"simpan {total - checked:.1f} s)") for engine, (total, checked, accepted) in imports.items()}
    print(f"| Impor {id_number(args.import_rows, 0)} baris CSV (baca, validasi, wilayah, simpan) | "
          f"{rates['PostgreSQL']} | {rates['DuckDB']} | pengguna nasional, commit_import |")

if __name__ == "__main__":
    main()
