"""Hotspot at kecamatan level and "Hitung pola": what an analyst waits for, SIGAP against the plain
way, in one run.

SIGAP is timed through the page itself (``streamlit.testing`` AppTest, a signed-in national analyst,
server side): the first kecamatan view with every cache empty, switching statistic / period /
permutations to a combination not computed yet and back to one computed before, and "Hitung pola"
(Gi* for eight triwulan plus the Mann-Kendall trend). The plain way is what a capable analyst
writes without caching: queen weights rebuilt with ``contiguity_with_islands``, ``esda`` per call,
the folium map of every kecamatan, and the Mann-Kendall loop with ``pymannkendall``.

Run: ``.venv/bin/python -m bench.bench_hotspot [--incidents 6000]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Switches after the first view: (widget kind, key, value); five new combinations, then three seen before.
SWITCHES = (("radio", "hs_stat", "Moran lokal"), ("select_slider", "hs_hari", 180), ("radio", "hs_stat", "Gi*"),
            ("select_slider", "hs_perm", 499), ("select_slider", "hs_hari", 365),
            ("select_slider", "hs_perm", 999), ("radio", "hs_stat", "Moran lokal"), ("radio", "hs_stat", "Gi*"))


def _quarters(end: date, count: int = 8) -> list[str]:
    from analysis.triwulan import quarter_bounds, quarter_label

    labels, day = [], end
    for _ in range(count):
        labels.append(quarter_label(day))
        day = quarter_bounds(labels[-1])[0] - timedelta(days=1)
    return labels[::-1]


def _naive_view(con, scope, days: int, stat: str, permutations: int, kec=None) -> tuple[float, int, object]:
    """One view the plain way: regions (unless given), weights, esda, the folium map of every kecamatan."""
    import esda

    from analysis.measures import compute_measure
    from analysis.weights import contiguity_with_islands
    from geo.boundaries import load_regions
    from geo.web import load_display
    from maps.choropleth import ChoroplethLayer, build_map, choropleth_features, display_geojson
    from store.incidents import IncidentFilter, aggregate_by_region

    start = time.perf_counter()
    kec = load_regions("kec") if kec is None else kec
    w, _ = contiguity_with_islands(kec)
    end = date.today()
    counts = aggregate_by_region(con, IncidentFilter(date_from=end - timedelta(days=days), date_to=end), scope,
                                 level="kec")
    values = compute_measure(kec, counts, "jumlah")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if stat == "Gi*":
            result = esda.G_Local(values, w, star=True, permutations=permutations, seed=12345, transform="R")
            classes = np.where(result.p_sim <= 0.05, np.where(result.Zs > 0, 2, 1), 0)
        else:
            result = esda.Moran_Local(values, w, permutations=permutations, seed=12345, transformation="r")
            classes = np.where(result.p_sim <= 0.05, result.q, 0)
    layer = ChoroplethLayer(pd.DataFrame({"kode": kec["kode"], "nilai": values, "kelas_idx": classes}),
                            labels=("Tidak signifikan", "a", "b", "c", "d"), title=stat)
    base = display_geojson(load_display("kec", "sedang"))
    html = build_map(choropleth_features(base, layer, ""), layer).get_root().render()
    return time.perf_counter() - start, len(html.encode()), kec


def _naive_patterns(con, scope, permutations: int) -> tuple[float, float]:
    """Weights once, esda Gi* per triwulan, then pymannkendall region by region; also MK alone."""
    import esda
    import pymannkendall as mk

    from analysis.measures import compute_measure
    from analysis.triwulan import quarter_bounds
    from analysis.weights import contiguity_with_islands
    from geo.boundaries import load_regions
    from store.incidents import IncidentFilter, aggregate_by_region

    start = time.perf_counter()
    kec = load_regions("kec")
    w, _ = contiguity_with_islands(kec)
    zs = []
    for label in _quarters(date.today()):
        counts = aggregate_by_region(con, IncidentFilter(*quarter_bounds(label)), scope, level="kec")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = esda.G_Local(compute_measure(kec, counts, "jumlah"), w, star=True, permutations=permutations,
                             seed=12345, transform="R")
        zs.append(g.Zs)
    z = np.column_stack(zs)
    mk_start = time.perf_counter()
    for series in z:
        if not np.allclose(series, series[0]):
            mk.original_test(series, alpha=0.05)
    end = time.perf_counter()
    return end - start, end - mk_start


def _apptest_rows(db: Path, user) -> dict:
    """The page, signed in: first kecamatan view with empty caches, switches, patterns."""
    import streamlit as st

    from analysis import hotspots
    from tests.apptest import open_page

    os.environ["SIGAP_DB"] = str(db)
    at = open_page("hotspot", user, timeout=600)
    at.run()  # the app and the page at kabupaten level, as after sign-in
    st.cache_data.clear()
    st.cache_resource.clear()
    hotspots._permuted_ids.cache_clear()
    at.radio(key="hs_tingkat").set_value("kec")
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    payload = sum(e.proto.ByteSize() for e in at.get("component_instance"))
    seen, state = {("Gi*", 365, 999)}, {"hs_stat": "Gi*", "hs_hari": 365, "hs_perm": 999}
    new, again = [], []
    for kind, key, value in SWITCHES:
        getattr(at, kind)(key=key).set_value(value)
        state[key] = value
        combination = (state["hs_stat"], state["hs_hari"], state["hs_perm"])
        start = time.perf_counter()
        at.run()
        (again if combination in seen else new).append(time.perf_counter() - start)
        seen.add(combination)
    at.button(key="hs_pola").click()
    start = time.perf_counter()
    at.run()
    patterns = time.perf_counter() - start
    at.button(key="hs_pola").click()
    start = time.perf_counter()
    at.run()
    patterns_again = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"halaman Hotspot gagal: {at.exception}")
    st.cache_data.clear()
    st.cache_resource.clear()
    return {"first": first, "payload": payload, "new": new, "again": again, "patterns": patterns,
            "patterns_again": patterns_again}


def _component_rows(incidents_kec: np.ndarray) -> dict:
    """Pieces alone: weights, one Gi*, Mann-Kendall over 7,285 series."""
    import esda
    import pymannkendall as mk

    from analysis.emerging import mann_kendall
    from analysis.hotspots import gi_star, prepare_weights
    from analysis.weights import contiguity_with_islands, weights_from_neighbours
    from geo.adjacency import load_adjacency
    from geo.boundaries import load_regions

    out = {}
    start = time.perf_counter()
    adjacency = load_adjacency("kec")
    w, islands = weights_from_neighbours(adjacency.neighbours(), adjacency.xy)
    prepared = prepare_weights(w)
    out["weights"] = time.perf_counter() - start
    kec = load_regions("kec")
    start = time.perf_counter()
    contiguity_with_islands(kec)
    out["weights_naive"] = time.perf_counter() - start
    out["islands"] = len(islands)
    gi_star(incidents_kec, prepared)  # draws of this size once per process, as on the page
    start = time.perf_counter()
    ours = gi_star(incidents_kec, prepared)
    out["gi"] = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        ref = esda.G_Local(incidents_kec, w, star=True, permutations=999, seed=12345, transform="R")
        out["gi_naive"] = time.perf_counter() - start
    out["gi_equal"] = bool(np.array_equal(ours.p_sim, ref.p_sim) and np.allclose(ours.z, ref.Zs, equal_nan=True))
    series = np.random.default_rng(1).normal(size=(len(kec), 8)).round(1)
    start = time.perf_counter()
    fast = mann_kendall(series)
    out["mk"] = time.perf_counter() - start
    start = time.perf_counter()
    slow = [mk.original_test(row) for row in series]
    out["mk_naive"] = time.perf_counter() - start
    out["mk_equal"] = all(a == b.trend and abs(p - b.p) < 1e-9 and abs(z - b.z) < 1e-9
                          for a, p, z, b in zip(fast.trend, fast.p, fast.z, slow))
    return out


def _fmt(seconds: float) -> str:
    from bench.common import id_number

    return f"{id_number(seconds, 2)} s"


def _ratio(naive: float, ours: float) -> str:
    from bench.common import id_number

    return f"{id_number(naive / ours, 1)}× lebih cepat"


def main(argv=None):
    from auth.identity import User
    from bench.common import id_number
    from geo.adjacency import ADJACENCY_LEVELS, load_adjacency
    from ingest.demo import load_demo
    from store import connect
    from store.incidents import IncidentFilter, Scope, aggregate_by_region
    from store.regions import load_regions_into
    from tests.apptest import create_users

    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=6000)
    args = parser.parse_args(argv)
    analyst = User("analis_bench", "analis", None, "Terbatas")
    scope = Scope(None, analyst.clearance)
    for level in ADJACENCY_LEVELS:
        load_adjacency(level)  # as after `boundaries install` (an older install stores them once here)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "hotspot.duckdb"
        con = connect(db)
        load_regions_into(con)
        load_demo(con, n=args.incidents, end=date.today())
        end = date.today()
        kec_counts = aggregate_by_region(con, IncidentFilter(date_from=end - timedelta(days=365), date_to=end),
                                         scope, level="kec")
        naive_first, naive_bytes, kec = _naive_view(con, scope, 365, "Gi*", 999)
        naive_switch, _, _ = _naive_view(con, scope, 180, "Moran lokal", 999, kec)
        naive_patterns, naive_mk = _naive_patterns(con, scope, 999)
        con.close()
        create_users(db, (analyst,))
        page = _apptest_rows(db, analyst)
    values = kec["kode"].map(kec_counts.set_index("kode")["jumlah"]).fillna(0).to_numpy(dtype=float)
    parts = _component_rows(values)

    new, again = page["new"], page["again"]
    mb = 1e6
    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    print(f"| Hotspot kecamatan, tampilan pertama (cache kosong) | {_fmt(page['first'])} | {_fmt(naive_first)} | "
          f"{_ratio(naive_first, page['first'])}; peta {id_number(page['payload'] / mb, 2)} MB (satu provinsi) vs "
          f"{id_number(naive_bytes / mb, 2)} MB (semua kecamatan); target ≤ 2 s |")
    print(f"| Hotspot kecamatan, ganti statistik/periode/permutasi (belum pernah dihitung) | "
          f"{_fmt(statistics.median(new))} (median, maks {_fmt(max(new))}) | {_fmt(naive_switch)} | "
          f"{_ratio(naive_switch, statistics.median(new))}; {len(new)} pergantian; target ≤ 1 s |")
    print(f"| Hotspot kecamatan, kembali ke pilihan yang sudah dihitung | {_fmt(statistics.median(again))} "
          f"(median, maks {_fmt(max(again))}) | {_fmt(naive_switch)} | {_ratio(naive_switch, statistics.median(again))}; "
          f"{len(again)} pergantian, hasil dari cache |")
    print(f"| Hitung pola (Gi* 8 triwulan + Mann-Kendall, 7.285 kecamatan) | {_fmt(page['patterns'])} | "
          f"{_fmt(naive_patterns)} | {_ratio(naive_patterns, page['patterns'])}; klik ulang {_fmt(page['patterns_again'])}; "
          f"target ≤ 2 s |")
    print(f"| Mann-Kendall 7.285 deret × 8 triwulan | {_fmt(parts['mk'])} | {_fmt(parts['mk_naive'])} "
          f"(pymannkendall per wilayah) | {_ratio(parts['mk_naive'], parts['mk'])}; hasil sama: "
          f"{'ya' if parts['mk_equal'] else 'TIDAK'} |")
    print(f"| Gi* kecamatan (7.285 unit, 999 permutasi), satu hitungan | {_fmt(parts['gi'])} | "
          f"{_fmt(parts['gi_naive'])} (esda) | {_ratio(parts['gi_naive'], parts['gi'])}; z dan p sama dengan esda: "
          f"{'ya' if parts['gi_equal'] else 'TIDAK'} |")
    print(f"| Ketetanggaan kecamatan (queen + tetangga terdekat untuk {parts['islands']} pulau) | "
          f"{_fmt(parts['weights'])} (dari pemasangan, siap pakai) | {_fmt(parts['weights_naive'])} (dibangun ulang) | "
          f"{_ratio(parts['weights_naive'], parts['weights'])} |")
    print(f"\n{args.incidents:_} insiden contoh; beban mesin saat diukur (load average 1 menit): "
          f"{id_number(os.getloadavg()[0], 2)}".replace("_", "."))


if __name__ == "__main__":
    main()
