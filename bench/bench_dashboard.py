"""Ruang Pimpinan from 1 M incidents: server-side time of a rerun after the first load, against
computing the same figures naively in pandas from every incident row.

Run: ``.venv/bin/python -m bench.bench_dashboard [--rows 1000000]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _fill(con, n: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    kab = con.execute("SELECT kode FROM regions WHERE level = 'kab'").fetchall()
    codes = np.array([k[0] for k in kab])
    pick = codes[rng.integers(0, len(codes), n)]
    days = (np.datetime64(date.today()) - rng.integers(0, 730, n).astype("timedelta64[D]"))
    frame = pd.DataFrame({
        "batch_id": 1, "sumber": "bench", "hash_isi": np.arange(n).astype(str), "tgl_mulai": days,
        "kode_prov": [c[:2] for c in pick], "kode_kab": pick,
        "kategori": rng.choice(["POL", "SDA", "SARA", "KAM", "EKO"], n), "bentuk": rng.choice(["BENTROK", "UR_DAMAI"], n),
        "eskalasi": rng.integers(1, 5, n), "tewas": rng.poisson(0.05, n), "luka": rng.poisson(0.3, n),
        "pengungsi": 0, "judul": "uji", "dibuat_oleh": "bench",
        "status_penanganan": rng.choice(["baru", "selesai_damai"], n)})
    con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('bench', 'bench', 'bench')")
    con.register("_b", frame)
    con.execute(f"INSERT INTO incidents ({', '.join(frame.columns)}) SELECT * FROM _b")
    con.unregister("_b")


def _naive(con) -> float:
    """Every incident into pandas, then the dashboard's sums and groupbys."""
    from store.incidents import IncidentFilter, Scope, query_incidents

    start = time.perf_counter()
    rows = query_incidents(con, IncidentFilter(), Scope(None, "Rahasia"))
    rows["tgl_mulai"] = pd.to_datetime(rows["tgl_mulai"])
    today = pd.Timestamp(date.today())
    for lo, hi in ((90, 0), (180, 91), (27, 0), (55, 28), (6, 0)):
        dates = rows["tgl_mulai"]
        window = rows[(dates >= today - pd.Timedelta(days=lo)) & (dates <= today - pd.Timedelta(days=hi))]
        window.groupby("kode_kab").agg(jumlah=("id", "size"), esk=("eskalasi", "sum"), tewas=("tewas", "sum"))
    return time.perf_counter() - start


def main(argv=None):
    import streamlit as st

    from auth.identity import User
    from tests.apptest import create_users, open_page

    GUB_NASIONAL = User("pimpinan_bench", "pimpinan", None, "Rahasia")

    from store import connect
    from store.regions import load_regions_into

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "dash.duckdb"
        con = connect(db)
        load_regions_into(con)
        _fill(con, args.rows)
        naive = _naive(con)
        con.close()
        create_users(db, (GUB_NASIONAL,))
        os.environ["SIGAP_DB"] = str(db)
        at = open_page("pimpinan", GUB_NASIONAL, timeout=600)  # signed in, as after sign-in
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        reruns = []
        for on in (True, False, True, False):
            at.toggle(key="mode_presentasi").set_value(on)
            start = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        st.cache_data.clear()
    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    print(f"| Ruang Pimpinan, {args.rows:_} insiden: rerun setelah muat pertama | "
          f"{statistics.median(reruns):.2f} s (median, maks {max(reruns):.2f} s) | {naive:.2f} s (semua baris ke "
          f"pandas lalu groupby) | muat pertama {first:.2f} s (agregat DuckDB, lalu cache) |".replace("_", "."))


if __name__ == "__main__":
    main()
