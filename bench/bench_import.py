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


def main(argv=None):
    from auth.users import User
    from geo.locate import load_locator
    from ingest.importer import commit_import, prepare_import
    from store import connect
    from store.regions import load_regions_into

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    args = parser.parse_args(argv)
    locator = load_locator()
    data = _csv(args.rows)
    sample = _csv(args.naive_rows, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "b.duckdb")
        load_regions_into(con)
        start = time.perf_counter()
        prepared = prepare_import(con, data, "bench.csv", locator, preset="sigap", user="bench",
                                  max_bytes=1 << 31)
        t_prepare = time.perf_counter() - start
        result = commit_import(con, prepared, User("bench", "analis", None, "Rahasia"))
        total = time.perf_counter() - start
        naive = _naive(sample, con, None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = args.rows / total
    naive_rate = args.naive_rows / naive
    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    print(f"| Impor {args.rows:_} baris CSV (baca, validasi, wilayah, simpan) | {rate / 1e6:.3f} jt baris/s "
          f"({total:.1f} s; periksa {t_prepare:.1f} s) | {naive_rate / 1e3:.1f} rb baris/s (diukur pada "
          f"{args.naive_rows:_} baris) | {rate / naive_rate:.0f}× lebih cepat; diterima {result.accepted:_}; "
          f"memori puncak {peak:_.0f} MB |".replace("_", "."))


if __name__ == "__main__":
    main()
