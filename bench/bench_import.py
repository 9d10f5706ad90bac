"""Import throughput: 1 M rows CSV → validated → region-assigned → committed, against a naive
per-row approach (read, apply a Python function per row, insert) on a sample, in the same run.

Run: ``.venv/bin/python -m bench.bench_import [--rows 1000000]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _csv(n: int, seed: int = 1) -> bytes:
    from geo.boundaries import load_regions

    rng = np.random.default_rng(seed)
    kab = load_regions("kab")
    pick = rng.integers(0, len(kab), n)
    lat = kab["lat"].to_numpy()[pick] + rng.normal(0, 0.01, n)
    lon = kab["lon"].to_numpy()[pick] + rng.normal(0, 0.01, n)
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    frame = pd.DataFrame({
        "tanggal": days.strftime("%d/%m/%Y"), "kode_kab": "", "kabupaten_kota": "", "provinsi": "",
        "lintang": np.char.replace(np.round(lat, 5).astype(str), ".", ","),
        "bujur": np.char.replace(np.round(lon, 5).astype(str), ".", ","),
        "kategori": rng.choice(["POL", "SDA", "SARA", "KAM"], n), "bentuk": "", "sifat": "kejadian",
        "eskalasi": rng.integers(1, 5, n).astype(str), "tewas": "0", "judul": [f"Laporan uji {i}" for i in range(n)],
    })
    return frame.to_csv(index=False, sep=";").encode()


def _naive(data: bytes, con, locator_kab) -> float:
    """pandas read, a Python function per row (parse, validate, locate), one INSERT per row."""
    import shapely

    from geo.boundaries import load_regions

    kab = load_regions("kab")
    tree = shapely.STRtree(kab.geometry.to_numpy())
    frame = pd.read_csv(pd.io.common.BytesIO(data), sep=";", dtype=str, keep_default_na=False)
    con.execute("CREATE TABLE naif (tgl DATE, kode_kab VARCHAR, kategori VARCHAR, eskalasi INT, judul VARCHAR)")
    start = time.perf_counter()

    def one(row):
        d, m, y = row["tanggal"].split("/")
        lat, lon = float(row["lintang"].replace(",", ".")), float(row["bujur"].replace(",", "."))
        hit = tree.query(shapely.Point(lon, lat), predicate="intersects")
        kode = kab["kode"].iloc[hit.min()] if len(hit) else None
        if kode is None or row["kategori"] not in {"POL", "SDA", "SARA", "KAM"}:
            return
        con.execute("INSERT INTO naif VALUES (?, ?, ?, ?, ?)", [f"{y}-{m}-{d}", kode, row["kategori"],
                                                                 int(row["eskalasi"]), row["judul"]])
    frame.apply(one, axis=1)
    return time.perf_counter() - start


def _write_only(con, prepared) -> float:
    """Seconds DuckDB alone needs to store the prepared rows (ids and hashes given): the floor
    under any import into the incidents table, whatever reads and checks the file."""
    import polars as pl

    rows = prepared.rows.with_columns(id=pl.int_range(1, len(prepared.rows) + 1), hash_isi=pl.lit("x"),
                                      batch_id=pl.lit(1))
    columns = ", ".join(rows.columns)
    con.register("_lantai", rows.to_arrow(compat_level=pl.CompatLevel.newest()))
    con.execute("BEGIN")
    start = time.perf_counter()
    con.execute(f"INSERT INTO incidents ({columns}) SELECT {columns} FROM _lantai")
    elapsed = time.perf_counter() - start
    con.execute("ROLLBACK")
    con.unregister("_lantai")
    return elapsed


def main(argv=None):
    from auth.identity import User
    from bench.common import id_number
    from geo.locate import load_locator
    from ingest.importer import prepare_import
    from services.imports import commit_import
    from store import connect
    from store.regions import load_regions_into

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    args = parser.parse_args(argv)
    locator = load_locator()
    data = _csv(args.rows)
    sample = _csv(args.naive_rows, seed=2)
    user = User("bench", "analis", None, "Rahasia")
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "b.duckdb")
        load_regions_into(con)

        def run():
            start = time.perf_counter()
            prepared = prepare_import(con, data, "bench.csv", locator, preset="sigap", user=user,
                                      max_bytes=1 << 31)
            checked = time.perf_counter() - start
            result = commit_import(con, prepared, user)
            return prepared, result, checked, time.perf_counter() - start

        prepared, result, t_prepare, total = run()
        _, again, t_prepare2, total2 = run()
        floor = _write_only(connect(Path(tmp) / "lantai.duckdb"), prepared)
        naive = _naive(sample, con, None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = args.rows / total
    naive_rate = args.naive_rows / naive
    n = id_number(args.rows, 0)
    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    print(f"| Impor {n} baris CSV (baca, validasi, wilayah, simpan) | {id_number(rate / 1e6, 2)} jt baris/s "
          f"({id_number(total)} s: periksa {id_number(t_prepare)} s, simpan {id_number(total - t_prepare)} s) "
          f"| {id_number(naive_rate / 1e3)} rb baris/s (fungsi Python per baris, diukur pada "
          f"{id_number(args.naive_rows, 0)} baris) | {id_number(rate / naive_rate, 0)}× lebih cepat; diterima "
          f"{id_number(result.accepted, 0)}; memori puncak {id_number(peak, 0)} MB |")
    print(f"| Impor ulang berkas yang sama (semua duplikat) | {id_number(total2)} s (periksa "
          f"{id_number(t_prepare2)} s) | — | baru {id_number(again.accepted, 0)}, duplikat "
          f"{id_number(again.duplicates, 0)} |")
    print(f"| Batas bawah: DuckDB hanya menulis {n} baris ke tabel insiden | {id_number(floor)} s | — | "
          f"{id_number(args.rows / floor / 1e6, 2)} jt baris/s tanpa membaca atau memeriksa apa pun |")


if __name__ == "__main__":
    main()
