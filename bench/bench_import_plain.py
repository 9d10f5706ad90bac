"""Whole-process import against the pipeline a capable analyst writes in an afternoon.

Each measurement is one fresh process on a fresh copy of a database that holds the regions:

* SIGAP: ``python -m sigap --db COPY import FILE`` (read, every check, kabupaten *and* kecamatan,
  names, scope, duplicates, one audited batch).
* Plain: this file run as a script with ``--plain`` — pandas ``read_csv`` (or ``read_excel`` with
  openpyxl), vectorised checks, ``geopandas.sjoin(predicate="within")`` against the installed
  kabupaten polygons, one DuckDB ``INSERT … SELECT`` from the frame. It checks less and stores
  less (no kecamatan, no names, no duplicates, no audit): it is the floor an analyst gets to.

Files: a 200,000-row SIGAP-template CSV (``bench.bench_import``) and a 15,000 × 31 ACLED-shaped
XLSX (``bench.bench_xlsx``). Runs alternate SIGAP and plain; the first of each is a warm-up (it
also writes the ``.pyc`` files a deployed copy has); the table shows medians of wall time and of
CPU time (user + system of the process: less moved by other work on a shared machine, but it
counts both cores where a step runs in parallel). A last row is SIGAP's floor for the CSV.

Run: ``.venv/bin/python -m bench.bench_import_plain [--runs 5] [--rows 200000] [--xlsx-rows 15000]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

#: SIGAP's kategori codes the template CSV uses, and ACLED's sub-event types → kategori (as an
#: analyst would hard-code them).
KATEGORI = {"POL", "SDA", "SARA", "KAM", "PEM", "IDE", "LAIN"}
ACLED_KATEGORI = {"Peaceful protest": "PEM", "Protest with intervention": "PEM", "Violent demonstration": "PEM",
                  "Mob violence": "KAM", "Armed clash": "KAM", "Attack": "KAM", "Arrests": "PEM",
                  "Remote explosive/landmine/IED": "IDE"}


# --- the analyst's pipeline (only this part runs in the plain process) ------------------------------

def plain_import(path: Path, db: Path, boundaries: Path) -> int:
    """Read, check, place in a kabupaten with sjoin(within), insert; the number of rows stored."""
    import duckdb
    import geopandas as gpd
    import pandas as pd

    if path.suffix == ".csv":
        df = pd.read_csv(path, sep=_sep(path), dtype=str, keep_default_na=False)
        out = pd.DataFrame({
            "tanggal": pd.to_datetime(df["tanggal"], format="%d/%m/%Y", errors="coerce"),
            "lat": pd.to_numeric(df["lintang"].str.replace(",", ".", regex=False), errors="coerce"),
            "lon": pd.to_numeric(df["bujur"].str.replace(",", ".", regex=False), errors="coerce"),
            "kategori": df["kategori"].str.strip().str.upper(),
            "eskalasi": pd.to_numeric(df["eskalasi"], errors="coerce"),
            "tewas": pd.to_numeric(df["tewas"], errors="coerce").fillna(0),
            "judul": df["judul"].str.strip(),
        })
    else:
        df = pd.read_excel(path, engine="openpyxl")
        out = pd.DataFrame({
            "tanggal": pd.to_datetime(df["EVENT_DATE"], errors="coerce"),
            "lat": pd.to_numeric(df["LATITUDE"], errors="coerce"),
            "lon": pd.to_numeric(df["LONGITUDE"], errors="coerce"),
            "kategori": df["SUB_EVENT_TYPE"].map(ACLED_KATEGORI).fillna("LAIN"),
            "eskalasi": 2,
            "tewas": pd.to_numeric(df["FATALITIES"], errors="coerce").fillna(0),
            "judul": df["NOTES"].astype(str).str.slice(0, 500),
        })
    ok = (out["tanggal"].notna() & out["kategori"].isin(KATEGORI) & out["eskalasi"].between(0, 5)
          & out["lat"].between(-11, 6) & out["lon"].between(95, 141) & (out["judul"] != "") & (out["tewas"] >= 0))
    out = out[ok]
    kab = gpd.read_parquet(boundaries / "kab.parquet", columns=["kode", "geometry"])
    points = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs=kab.crs)
    joined = gpd.sjoin(points, kab, predicate="within", how="inner")
    joined = joined[~joined.index.duplicated()]
    rows = pd.DataFrame(joined.drop(columns=["geometry", "index_right"])).rename(columns={"kode": "kode_kab"})
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE IF NOT EXISTS insiden_analis (tanggal DATE, lat DOUBLE, lon DOUBLE, "
                "kategori VARCHAR, eskalasi INTEGER, tewas INTEGER, judul VARCHAR, kode_kab VARCHAR)")
    con.register("baru", rows)
    con.execute("INSERT INTO insiden_analis SELECT tanggal, lat, lon, kategori, eskalasi, tewas, judul, kode_kab "
                "FROM baru")
    con.close()
    return len(rows)


def write_floor(rows_file: Path, db: Path) -> int:
    """SIGAP's floor for a file: the libraries every import loads, the database opened as SIGAP opens
    it, and the already checked rows written as one batch — no reading, checking or placing."""
    import polars as pl

    from store import connect
    from store.db import transaction
    from store.imports import insert_new, open_batch

    con = connect(db)
    rows = pl.read_parquet(rows_file)
    with transaction(con):
        batch = open_batch(con, rows_file.name, "-", "sigap", "cli", len(rows), None)
        stored = insert_new(con, rows, batch)
    con.close()
    return stored


def _sep(path: Path) -> str:
    with open(path, encoding="utf-8") as handle:
        head = handle.readline()
    return ";" if head.count(";") > head.count(",") else ","


# --- the driver ------------------------------------------------------------------------------------

def _env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a deployed copy has its .pyc files
    env["PYTHONPATH"] = str(ROOT)
    return env


def _fresh_copy(base: Path, work: Path, run: str) -> Path:
    folder = work / run
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy2(base, folder / base.name)
    return folder / base.name


def _timed(command: list[str]) -> tuple[float, str, float]:
    """Wall seconds, last output line, and CPU seconds (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} gagal:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "", cpu


def _sigap(db: Path, file: Path) -> list[str]:
    return [PYTHON, "-m", "sigap", "--db", str(db), "import", str(file), "--max-mb", "100"]


def _plain(db: Path, file: Path) -> list[str]:
    return [PYTHON, str(Path(__file__).resolve()), "--plain", str(file), "--db", str(db)]


def _floor(db: Path, rows_file: Path) -> list[str]:
    return [PYTHON, str(Path(__file__).resolve()), "--floor", str(rows_file), "--db", str(db)]


def _checked_rows(file: Path, base: Path, out: Path) -> None:
    """The rows SIGAP stores for ``file`` (checked, placed, hashed) as Parquet, for the floor run."""
    import shutil as sh

    import polars as pl

    from auth.identity import User
    from geo.locate import load_locator
    from ingest.importer import prepare_import
    from store import connect
    from store.imports import CONTENT_HASH

    scratch = out.with_suffix(".duckdb")
    sh.copy2(base, scratch)
    con = connect(scratch)
    prepared = prepare_import(con, file.read_bytes(), file.name, load_locator(),
                              user=User("cli", "analis", None, "Rahasia"), max_bytes=1 << 30)
    rows = prepared.rows.filter(prepared.valid)
    con.register("_r", rows.to_arrow())
    hashes = pl.from_arrow(con.sql(f"SELECT {CONTENT_HASH} AS h FROM _r").to_arrow_table())["h"]
    rows.with_columns(hash_isi=hashes).write_parquet(out)
    con.close()


def _startup() -> list[str]:
    """Seconds to import everything ``python -m sigap import`` needs and to load the locator, in one
    fresh process (the fixed cost of every import)."""
    code = ("import time; t0 = time.perf_counter(); import sigap.cli, sigap.commands.impor, ingest.importer, "
            "services.imports, store; t1 = time.perf_counter(); from geo.locate import load_locator; "
            "load_locator(); t2 = time.perf_counter(); print(f'{t1 - t0} {t2 - t1}')")
    return [PYTHON, "-c", code]


def main(argv=None):
    sys.path.insert(0, str(ROOT))
    from bench.bench_import import _csv
    from bench.bench_xlsx import acled_frame, acled_xlsx
    from bench.common import id_number
    from settings import boundary_dir

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs of each, after one warm-up")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--xlsx-rows", type=int, default=15_000)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-impor-") as tmp:
        work = Path(tmp)
        csv_file, xlsx_file = work / "templat.csv", work / "acled.xlsx"
        csv_file.write_bytes(_csv(args.rows))
        xlsx_file.write_bytes(acled_xlsx(acled_frame(args.xlsx_rows)))
        tiny = work / "sepuluh.csv"
        tiny.write_text("\n".join(csv_file.read_text(encoding="utf-8").splitlines()[:11]) + "\n", encoding="utf-8")
        base = work / "dasar" / "sigap.duckdb"
        base.parent.mkdir()
        _timed([PYTHON, "-m", "sigap", "--db", str(base), "batches"])  # regions from the installed boundaries

        floor_rows = work / "baris_templat.parquet"
        _checked_rows(csv_file, base, floor_rows)

        cases = {"csv": csv_file, "xlsx": xlsx_file, "tiny": tiny}
        times: dict[tuple[str, str], list[float]] = {}
        cpus: dict[tuple[str, str], list[float]] = {}
        results: dict[tuple[str, str], str] = {}
        startup: list[tuple[float, float]] = []
        for run in range(args.runs + 1):
            for case, file in cases.items():
                order = ("sigap", "plain") if run % 2 == 0 else ("plain", "sigap")
                for who in order:
                    db = _fresh_copy(base, work, f"{case}-{who}-{run}")
                    elapsed, out, used = _timed(_sigap(db, file) if who == "sigap" else _plain(db, file))
                    if run:  # run 0 warms up (and writes .pyc)
                        times.setdefault((case, who), []).append(elapsed)
                        cpus.setdefault((case, who), []).append(used)
                        results[(case, who)] = out
            floor_s, _, floor_cpu = _timed(_floor(_fresh_copy(base, work, f"lantai-{run}"), floor_rows))
            if run:
                startup.append(tuple(float(v) for v in _timed(_startup())[1].split()))
                times.setdefault(("floor", "sigap"), []).append(floor_s)
                cpus.setdefault(("floor", "sigap"), []).append(floor_cpu)
    med = {key: statistics.median(values) for key, values in times.items()}
    cpu = {key: statistics.median(values) for key, values in cpus.items()}
    spread = {key: (min(values), max(values)) for key, values in times.items()}
    imports_s = statistics.median(s[0] for s in startup)
    locator_s = statistics.median(s[1] for s in startup)

    def cell(key):
        low, high = spread[key]
        return f"{id_number(med[key], 2)} s ({id_number(low, 2)}–{id_number(high, 2)})"

    labels = {
        "csv": f"Impor CSV templat {id_number(args.rows, 0)} baris",
        "xlsx": f"Impor XLSX ekspor ACLED {id_number(args.xlsx_rows, 0)} × 31",
        "tiny": "Impor CSV 10 baris (biaya tetap per proses)",
    }
    plain_how = {"csv": "pandas `read_csv`", "xlsx": "pandas `read_excel` (openpyxl)", "tiny": "pandas `read_csv`"}
    print(f"Median {args.runs} proses utuh per sel (min–maks), salinan basis data baru tiap proses, "
          f"SIGAP dan cara analis bergantian; {boundary_dir()}; beban mesin (load 1 menit) "
          f"{id_number(load_before)} di awal, {id_number(os.getloadavg()[0])} di akhir, {os.cpu_count()} inti")
    print()
    print("| ukuran | SIGAP (`python -m sigap import`) | cara analis | rasio | CPU SIGAP / analis (rasio) | catatan |")
    print("|---|---|---|---|---|---|")
    for case in ("csv", "xlsx", "tiny"):
        ratio = med[(case, "plain")] / med[(case, "sigap")]
        print(f"| {labels[case]} | {cell((case, 'sigap'))} | {cell((case, 'plain'))} | "
              f"{id_number(ratio, 2)}× | {id_number(cpu[(case, 'sigap')], 2)} s / {id_number(cpu[(case, 'plain')], 2)} s "
              f"({id_number(cpu[(case, 'plain')] / cpu[(case, 'sigap')], 2)}×) "
              f"| analis: {plain_how[case]}, cek vektor, `sjoin(within)` kab, INSERT DuckDB "
              f"({results[(case, 'plain')]} baris); SIGAP: {results[(case, 'sigap')]} |")
    floor = med[("floor", "sigap")]
    print(f"| Batas bawah SIGAP untuk CSV yang sama: proses yang hanya memuat pustaka, membuka basis data dan "
          f"menulis {id_number(args.rows, 0)} baris yang sudah diperiksa | {cell(('floor', 'sigap'))} | "
          f"{id_number(med[('csv', 'plain')], 2)} s | {id_number(med[('csv', 'plain')] / floor, 2)}× "
          f"| {id_number(cpu[('floor', 'sigap')], 2)} s / {id_number(cpu[('csv', 'plain')], 2)} s "
          f"({id_number(cpu[('csv', 'plain')] / cpu[('floor', 'sigap')], 2)}×) | rasio "
          f"tertinggi yang mungkin bila baca, cek, wilayah, duplikat tidak memakan waktu sama sekali |")
    print(f"| Biaya tetap SIGAP di dalam proses | impor modul {id_number(imports_s, 2)} s + muat lokator "
          f"{id_number(locator_s, 3)} s | — | — | — | median {args.runs} proses; lokator dipetakan dari `locator/*.npy` |")


if __name__ == "__main__":
    if "--floor" in sys.argv:
        cli = argparse.ArgumentParser()
        cli.add_argument("--floor", type=Path, required=True)
        cli.add_argument("--db", type=Path, required=True)
        options = cli.parse_args()
        sys.path.insert(0, str(ROOT))
        print(write_floor(options.floor, options.db))
    elif "--plain" in sys.argv:
        cli = argparse.ArgumentParser()
        cli.add_argument("--plain", type=Path, required=True)
        cli.add_argument("--db", type=Path, required=True)
        cli.add_argument("--boundaries", type=Path, default=None)
        options = cli.parse_args()
        sys.path.insert(0, str(ROOT))
        from settings import boundary_dir

        print(plain_import(options.plain, options.db, options.boundaries or boundary_dir()))
    else:
        main()
