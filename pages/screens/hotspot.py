"""Hotspot: Getis-Ord Gi* and local Moran's I per kabupaten/kota, FDR-corrected."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from analysis.hotspots import gi_star, local_moran
from analysis.measures import compute_measure
from analysis.weights import contiguity_with_islands
from maps.choropleth import ChoroplethLayer, build_map, choropleth_features
from pages.components import data
from pages.components.auth_gate import current_scope
from pages.components.maps import render_map
from store.incidents import IncidentFilter

GI_CLASSES = ("Tidak signifikan", "Titik dingin 99%", "Titik dingin 95%", "Titik dingin 90%",
              "Titik panas 90%", "Titik panas 95%", "Titik panas 99%")
GI_COLORS = ("#f2f2f2", "#2166ac", "#67a9cf", "#d1e5f0", "#fddbc7", "#ef8a62", "#b2182b")
LISA_CLASSES = ("Tidak signifikan", "Tinggi-Tinggi", "Rendah-Rendah", "Tinggi-Rendah", "Rendah-Tinggi")
LISA_COLORS = ("#f2f2f2", "#b2182b", "#2166ac", "#ef8a62", "#67a9cf")


@st.cache_resource(show_spinner="Menyusun ketetanggaan wilayah…")
def _weights(prefix: str | None, level: str = "kab"):
    regions = data.regions(level)
    if prefix:
        regions = regions.loc[regions["kode"].str.startswith(prefix + ".")]
    regions = regions.reset_index(drop=True)
    w, islands = contiguity_with_islands(regions)
    return regions[["kode", "nama", "luas_km2"]], w, islands


scope = current_scope()
st.title("Hotspot")
with st.sidebar:
    level = st.radio("Tingkat", ["kab", "kec"], key="hs_tingkat",
                     format_func={"kab": "Kabupaten/kota", "kec": "Kecamatan"}.get)
    days = st.select_slider("Periode (hari terakhir)", [90, 180, 365, 730], value=365, key="hs_hari")
    has_population = level == "kab" and "penduduk" in data.indicator_catalogue()["nama"].tolist()
    measure = st.radio("Nilai", ["jumlah", "per_1000_km2"] + (["eb_penduduk"] if has_population else []),
                       key="hs_ukuran", format_func={
                           "jumlah": "Jumlah insiden", "per_1000_km2": "Insiden per 1.000 km²",
                           "eb_penduduk": "Insiden per 100.000 penduduk (empirical Bayes)"}.get)
    stat = st.radio("Statistik", ["Gi*", "Moran lokal"], key="hs_stat")
    permutations = st.select_slider("Permutasi", [99, 499, 999], value=999, key="hs_perm")

prefix = scope.region[:2] if scope.region else None
if level == "kec" and scope.region and len(scope.region) == 5:
    prefix = scope.region
regions, w, islands = _weights(prefix, level)
end = date.today()
counts = data.aggregate(level, IncidentFilter(date_from=end - timedelta(days=days), date_to=end), scope)
if measure == "eb_penduduk":
    from analysis.rates import eb_rates

    population = regions["kode"].map(data.indicator_table(("penduduk",)).set_index("kode")["penduduk"])
    values = pd.Series(eb_rates(compute_measure(regions, counts, "jumlah"), population.fillna(0)),
                       index=regions.index).fillna(0)
    measure_for_history = "jumlah"
else:
    values = compute_measure(regions, counts, measure)
    measure_for_history = measure
if stat == "Gi*":
    result = gi_star(values, w, permutations=permutations)
    classes, colors = GI_CLASSES, GI_COLORS
else:
    result = local_moran(values, w, permutations=permutations)
    classes, colors = LISA_CLASSES, LISA_COLORS
index = {c: i for i, c in enumerate(classes)}
layer = ChoroplethLayer(pd.DataFrame({"kode": regions["kode"], "nilai": values,
                                      "kelas_idx": [index.get(k, 0) for k in result.kelas]}),
                        labels=classes, title=f"{stat} (FDR, {permutations} permutasi)", colors=colors)
st.caption(f"{end - timedelta(days=days):%d/%m/%Y}–{end:%d/%m/%Y} · ketetanggaan queen; {len(islands)} wilayah "
           "kepulauan tanpa tetangga darat memakai 2 tetangga terdekat · p dikoreksi Benjamini-Hochberg")
base, bounds = (data.display_features("kec", "sedang", prefix) if level == "kec"
                else data.display_features("kab", "sedang" if prefix else "rendah", prefix))
render_map(build_map(choropleth_features(base, layer, ""), layer, bounds=[list(bounds[0]), list(bounds[1])]),
           key="hs_peta", height=480)
table = regions.assign(nilai=values.round(2), kelas=result.kelas, p=result.p_fdr.round(4))
st.dataframe(table.loc[table["kelas"] != "Tidak signifikan"].sort_values("p")[["kode", "nama", "nilai", "kelas", "p"]],
             hide_index=True)

st.subheader("Pola titik panas 8 triwulan terakhir")
if st.button("Hitung pola (Gi* per triwulan + uji tren Mann-Kendall)", key="hs_pola"):
    from analysis.emerging import emerging_hotspots
    from analysis.triwulan import quarter_bounds, quarter_label

    labels, day = [], end
    for _ in range(8):
        labels.append(quarter_label(day))
        day = quarter_bounds(labels[-1])[0] - timedelta(days=1)
    labels.reverse()
    zs, ps = [], []
    for q in labels:
        q_start, q_end = quarter_bounds(q)
        q_counts = data.aggregate(level, IncidentFilter(date_from=q_start, date_to=q_end), scope)
        g = gi_star(compute_measure(regions, q_counts, measure_for_history), w, permutations=permutations)
        zs.append(g.z)
        ps.append(g.p_fdr)
    patterns = emerging_hotspots(pd.DataFrame(zs).T.to_numpy(), pd.DataFrame(ps).T.to_numpy())
    found = regions.assign(pola=patterns["pola"], tren=patterns["tren"]).loc[patterns["pola"] != "tidak ada pola"]
    st.caption(f"{labels[0]} – {labels[-1]}")
    st.dataframe(found[["kode", "nama", "pola", "tren"]], hide_index=True)
