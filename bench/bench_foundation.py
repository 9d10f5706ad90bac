"""Foundation benchmarks: boundary install, point → region, map size, map page rerun.

Run: ``.venv/bin/python -m bench.bench_foundation`` (add ``--skip-install`` to reuse the
installed boundaries). Prints one markdown table; every row compares against the naive way in
the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def bench_install(rows):
    from geo.install import install_boundaries

    with tempfile.TemporaryDirectory() as tmp:
        result, seconds = _timed(install_boundaries, None, Path(tmp) / "b", log=lambda _: None)
    rows.append(("Pasang batas wilayah (parse, cek SHA-256, perbaiki, cakupan, grid, salinan web)",
                 f"{seconds:.0f} s", "—", "sekali per pemasangan"))


def _reference(kab, x, y):
    """geopandas.sjoin with the exact predicate; border ties to the lowest code, like ours."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    joined = gpd.sjoin(points, kab[["kode", "geometry"]], predicate="intersects", how="inner")
    return joined.groupby(level=0)["kode"].min()


def bench_locate(rows):
    from geo.boundaries import load_regions
    from geo.locate import load_locator

    kab = load_regions("kab")
    locator, load_s = _timed(load_locator)
    rng = np.random.default_rng(42)
    x0, y0, x1, y1 = kab.total_bounds
    draws = 26_000_000
    ux, uy = rng.uniform(x0, x1, draws), rng.uniform(y0, y1, draws)
    # uniform over land: uniform draws that fall inside a region (checked against sjoin below)
    land = locator.locate_level(ux, uy, "kab").status_code == 0
    lx, ly = ux[land], uy[land]
    ux, uy = ux[:1_000_000], uy[:1_000_000]
    for label, xs, ys, sizes in (("di darat", lx, ly, (1_000_000, 5_000_000)),
                                 ("seragam di kotak Indonesia (80 % laut)", ux, uy, (1_000_000,))):
        for n in sizes:
            if len(xs) < n:
                continue
            x, y = xs[:n], ys[:n]
            ours, t_ours = _timed(locator.locate_level, x, y, "kab")
            ref, t_ref = _timed(_reference, kab, x, y)
            inside = np.flatnonzero(ours.status_code == 0)
            # points one method puts in a region and the other does not, plus different regions
            disagree = len(np.setxor1d(inside, ref.index.to_numpy())) + int(
                (ours.kode[ref.index.to_numpy()] != ref.to_numpy()).sum())
            rows.append((f"Titik → kabupaten, {n / 1e6:.0f} juta titik {label}",
                         f"{n / t_ours / 1e6:.2f} jt/s", f"{n / t_ref / 1e6:.2f} jt/s (sjoin)",
                         f"{t_ref / t_ours:.1f}× lebih cepat; selisih dgn predikat eksak: {disagree}"))
    x, y = lx[:1_000_000], ly[:1_000_000]
    _, t_kec = _timed(locator.locate, x, y)
    rows.append(("Titik → kecamatan + kabupaten, 1 juta titik di darat", f"{1 / t_kec:.2f} jt/s", "—",
                 f"grid dimuat dalam {load_s:.1f} s"))


def bench_map_size(rows):
    import folium
    import pandas as pd

    from analysis.measures import classify
    from geo.boundaries import load_regions
    from geo.web import load_display
    from maps.choropleth import ChoroplethLayer, build_map, choropleth_features, display_geojson

    kab = load_regions("kab")
    values = pd.Series(np.random.default_rng(0).poisson(3, len(kab)).astype(float))
    classes = classify(values)
    layer = ChoroplethLayer(pd.DataFrame({"kode": kab["kode"], "nilai": values, "kelas_idx": classes.yb}),
                            classes.labels, "Jumlah insiden")
    display = load_display("kab", "rendah")

    def ours():
        return build_map(choropleth_features(display_geojson(display), layer), layer).get_root().render()

    def naive():
        m = folium.Map(location=[-2.5, 118], zoom_start=5)
        data = kab[["kode", "nama", "geometry"]].assign(nilai=values)
        folium.Choropleth(geo_data=data.to_json(), data=data, columns=["kode", "nilai"],
                          key_on="feature.properties.kode", fill_color="YlOrRd").add_to(m)
        return m.get_root().render()

    html, t_ours = _timed(ours)
    plain, t_naive = _timed(naive)
    rows.append(("HTML peta 514 kabupaten", f"{len(html.encode()) / 1e6:.2f} MB ({t_ours:.2f} s)",
                 f"{len(plain.encode()) / 1e6:.2f} MB ({t_naive:.2f} s) folium.Choropleth geometri penuh",
                 f"{len(plain) / len(html):.1f}× lebih kecil"))


def bench_rerun(rows):
    from datetime import date

    import streamlit as st

    from ingest.demo import load_demo
    from store import connect
    from store.regions import load_regions_into
    from tests.apptest import ANALIS, create_users, open_page

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        con = connect(db)
        load_regions_into(con)
        load_demo(con, n=20_000, seed=1, end=date.today())
        con.close()
        create_users(db, (ANALIS,))
        os.environ["SIGAP_DB"] = str(db)
        at = open_page("peta", ANALIS, timeout=300)  # signed in, as a browser session after sign-in
        _, first = _timed(at.run)
        timings = []
        for prov in ("63", "62", "35", None):
            at.selectbox(key="peta_prov").set_value(prov)
            _, t = _timed(at.run)
            timings.append(t)
        st.cache_data.clear()
        st.cache_resource.clear()
        at2 = open_page("peta", ANALIS, timeout=300)
        _, cold = _timed(at2.run)
        rows.append(("Rerun halaman peta setelah ganti filter (20 rb insiden)",
                     f"{np.median(timings):.2f} s (median, maks {max(timings):.2f} s)",
                     f"{cold:.2f} s tanpa cache (muat pertama)", f"pertama kali {first:.2f} s"))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-install", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    if not args.skip_install:
        bench_install(rows)
    bench_locate(rows)
    bench_map_size(rows)
    bench_rerun(rows)
    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
