"""Hotspot: Getis-Ord Gi* and local Moran's I per kabupaten/kota or kecamatan, FDR-corrected.

What is slow is done once: the queen weights come from the boundary install
(:mod:`geo.adjacency`) and are prepared once per process and scope; the statistic is cached per
database, level, scope (region and clearance, passed explicitly), period, measure, statistic and
permutations, so switching back and forth only redraws. A national kecamatan map draws one
province at a time (the statistic still runs over all 7,285 kecamatan): the whole country's
kecamatan would be a 6 MB page in which no kecamatan can be told from its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import streamlit as st

from analysis.emerging import emerging_hotspots
from analysis.hotspots import GI_CLASSES, LISA_CLASSES, LocalWeights, gi_star, gi_star_periods, local_moran, prepare_weights
from analysis.measures import compute_measure
from analysis.triwulan import quarter_bounds, quarter_label
from analysis.weights import weights_from_neighbours
from geo.adjacency import load_adjacency
from lang import number
from maps.choropleth import ChoroplethLayer, build_map, choropleth_features
from pages.components import data
from pages.components.auth_gate import current_scope
from pages.components.i18n import lang, t
from pages.components.maps import render_map
from store.incidents import IncidentFilter, Scope

GI_COLORS = ("#f2f2f2", "#2166ac", "#67a9cf", "#d1e5f0", "#fddbc7", "#ef8a62", "#b2182b")
LISA_COLORS = ("#f2f2f2", "#b2182b", "#2166ac", "#ef8a62", "#67a9cf")
HOT_CLASSES = (*(c for c in GI_CLASSES if c.startswith("Titik panas")), LISA_CLASSES[1])
STATISTICS = {"Gi*": (gi_star, GI_CLASSES, GI_COLORS), "Moran lokal": (local_moran, LISA_CLASSES, LISA_COLORS)}
MEASURE_NAMES = {"jumlah": "Jumlah insiden", "per_1000_km2": "Insiden per 1.000 km²",
                 "eb_penduduk": "Insiden per 100.000 penduduk (empirical Bayes)"}
#: Above this many kecamatan the map draws one province at a time: at most 0.43 MB (Jawa Timur,
#: 666 kecamatan), where the whole country's 7,285 are 5.8 MB in which none can be told apart.
MAX_DRAWN = 1500
MAP_PROVINCE_KEY = "hs_peta_prov"
PATTERN_QUARTERS = 8


@dataclass(frozen=True, eq=False)
class _Weights:
    regions: pd.DataFrame  # kode, nama, luas_km2 in the order of the weights
    weights: LocalWeights
    islands: int


@st.cache_resource(show_spinner=False, max_entries=32)
def _weights(level: str, prefix: str | None) -> _Weights:
    """Queen weights (islands linked to their nearest) stored at install, prepared once per scope."""
    adjacency = load_adjacency(level).subset(prefix)
    w, islands = weights_from_neighbours(adjacency.neighbours(), adjacency.xy)
    names = data.region_list(level).set_index("kode")
    regions = names.reindex(adjacency.kode)[["nama", "luas_km2"]].rename_axis("kode").reset_index()
    return _Weights(regions=regions, weights=prepare_weights(w), islands=len(islands))


@st.cache_data(show_spinner=False, ttl=60, max_entries=128)
def _local_statistic(db: str, level: str, prefix: str | None, flt: IncidentFilter, scope: Scope,
                     measure: str, stat: str, permutations: int) -> pd.DataFrame:
    """``kode, nama, nilai, kelas, p`` of one statistic, one period and one scope."""
    del db  # part of the cache key: one cache per database file
    prepared = _weights(level, prefix)
    values = _values(prepared.regions, data.aggregate(level, flt, scope), measure)
    function = STATISTICS[stat][0]
    result = function(values, prepared.weights, permutations=permutations)
    return prepared.regions[["kode", "nama"]].assign(nilai=values, kelas=result.kelas, p=result.p_fdr)


@st.cache_data(show_spinner=False, ttl=60, max_entries=32)
def _emerging(db: str, level: str, prefix: str | None, labels: tuple[str, ...], scope: Scope, measure: str,
              permutations: int) -> pd.DataFrame:
    """Emerging hot spot pattern and Mann-Kendall trend per region over the triwulan ``labels``."""
    del db  # part of the cache key: one cache per database file
    prepared = _weights(level, prefix)
    values = np.column_stack([
        _values(prepared.regions, data.aggregate(level, IncidentFilter(*quarter_bounds(label)), scope), measure)
        for label in labels])
    result = gi_star_periods(values, prepared.weights, permutations=permutations)
    patterns = emerging_hotspots(result.z, result.p_fdr)
    return prepared.regions[["kode", "nama"]].assign(pola=patterns["pola"], tren=patterns["tren"])


def _values(regions: pd.DataFrame, counts: pd.DataFrame, measure: str) -> np.ndarray:
    if measure != "eb_penduduk":
        return compute_measure(regions, counts, measure).to_numpy()
    from analysis.rates import eb_rates

    population = regions["kode"].map(data.indicator_table(("penduduk",)).set_index("kode")["penduduk"])
    rates = eb_rates(compute_measure(regions, counts, "jumlah"), population.fillna(0))
    return np.nan_to_num(rates, nan=0.0)


def _map(table: pd.DataFrame, level: str, classes, colors, title: str, prefix: str | None):
    """Every region of ``table`` in its class colour, on the display copy of the level."""
    index = {c: i for i, c in enumerate(classes)}
    layer = ChoroplethLayer(pd.DataFrame({"kode": table["kode"], "nilai": table["nilai"],
                                          "kelas_idx": table["kelas"].map(index).fillna(0).astype(int)}),
                            labels=classes, title=title, colors=colors)
    detail = "sedang" if (prefix or level == "kec") else "rendah"
    base, bounds = data.display_features(level, detail, prefix)
    return build_map(choropleth_features(base, layer, ""), layer, bounds=[list(bounds[0]), list(bounds[1])])


def _province_on_map(table: pd.DataFrame) -> str:
    """The province whose kecamatan the map draws (first shown: the one with most hot kecamatan)."""
    provinces = data.region_list("prov")
    names = dict(zip(provinces["kode"], provinces["nama"]))
    hot = table.loc[table["kelas"].isin(HOT_CLASSES), "kode"]
    st.session_state.setdefault(MAP_PROVINCE_KEY, hot.str[:2].mode().iloc[0] if len(hot) else provinces["kode"].iloc[0])
    return st.selectbox(t("Provinsi pada peta"), list(names), key=MAP_PROVINCE_KEY,
                        format_func=lambda k: f"{names[k]} ({k})")


def _quarters(end: date, count: int) -> list[str]:
    labels, day = [], end
    for _ in range(count):
        labels.append(quarter_label(day))
        day = quarter_bounds(labels[-1])[0] - timedelta(days=1)
    return labels[::-1]


scope = current_scope()
db = data.db_file()
st.title(t("Hotspot"))
with st.sidebar:
    level = st.radio(t("Tingkat"), ["kab", "kec"], key="hs_tingkat",
                     format_func={"kab": t("Kabupaten/kota"), "kec": t("Kecamatan")}.get)
    days = st.select_slider(t("Periode (hari terakhir)"), [90, 180, 365, 730], value=365, key="hs_hari")
    has_population = level == "kab" and "penduduk" in data.indicator_catalogue()["nama"].tolist()
    measure = st.radio(t("Nilai"), ["jumlah", "per_1000_km2"] + (["eb_penduduk"] if has_population else []),
                       key="hs_ukuran", format_func=MEASURE_NAMES.get)
    stat = st.radio(t("Statistik"), list(STATISTICS), key="hs_stat")
    permutations = st.select_slider(t("Permutasi"), [99, 499, 999], value=999, key="hs_perm")

prefix = scope.region[:2] if scope.region else None
if level == "kec" and scope.region and len(scope.region) == 5:
    prefix = scope.region
end = date.today()
period = IncidentFilter(date_from=end - timedelta(days=days), date_to=end)
# a kecamatan run (7,000+ regions, 999 permutations) takes several seconds: say what is being computed
with st.status(t("Menghitung {stat} per {tingkat} ({permutations} permutasi)…").format(
        stat=stat, tingkat=t("kecamatan") if level == "kec" else t("kabupaten/kota"), permutations=permutations),
        expanded=False) as status:
    status.write(t("Memuat ketetanggaan wilayah…"))
    prepared = _weights(level, prefix)
    status.write(t("Menghitung statistik lokal dan koreksi FDR…"))
    table = _local_statistic(db, level, prefix, period, scope, measure, stat, permutations)
    status.update(label=t("{stat} untuk {n} wilayah").format(stat=stat, n=number(len(table), lang=lang())),
                  state="complete")
_, classes, colors = STATISTICS[stat]
title = t("{stat} (FDR, {permutations} permutasi)").format(stat=stat, permutations=permutations)
st.caption(t("{date_from:%d/%m/%Y}–{end:%d/%m/%Y} · ketetanggaan queen; {islands} wilayah kepulauan tanpa tetangga darat "
             "memakai 2 tetangga terdekat · p dikoreksi Benjamini-Hochberg").format(
    date_from=period.date_from, end=end, islands=prepared.islands))
map_prefix, note = prefix, None
if level == "kec" and len(table) > MAX_DRAWN:
    map_prefix = _province_on_map(table)
    note = t("Peta menggambar kecamatan satu provinsi; statistiknya dihitung atas {count} kecamatan sekaligus "
             "(tetangga lintas provinsi ikut), dan tabel di bawah memuat semuanya.").format(
        count=number(len(table), lang=lang()))
render_map(_map(table.loc[table["kode"].str.startswith(map_prefix + ".")] if map_prefix else table,
                level, classes, colors, title, map_prefix), key="hs_peta", height=480)
if note:
    st.caption(note)
significant = table.loc[table["kelas"] != "Tidak signifikan"].sort_values("p")
st.dataframe(significant[["kode", "nama", "nilai", "kelas", "p"]].round({"nilai": 2, "p": 4}), hide_index=True)

st.subheader(t("Pola titik panas {PATTERN_QUARTERS} triwulan terakhir").format(PATTERN_QUARTERS=PATTERN_QUARTERS))
if st.button(t("Hitung pola (Gi* per triwulan + uji tren Mann-Kendall)"), key="hs_pola"):
    labels = _quarters(end, PATTERN_QUARTERS)
    with st.status(t("Menghitung Gi* {labels} triwulan dan uji tren Mann-Kendall…").format(labels=len(labels))) as status:
        patterns = _emerging(db, level, prefix, tuple(labels), scope,
                             "jumlah" if measure == "eb_penduduk" else measure, permutations)
        status.update(label=t("Pola {first} – {last}").format(first=labels[0], last=labels[-1]), state="complete",
                      expanded=False)
    st.caption(f"{labels[0]} – {labels[-1]}")
    st.dataframe(patterns.loc[patterns["pola"] != "tidak ada pola", ["kode", "nama", "pola", "tren"]],
                 hide_index=True)
