"""Benchmark baseline: the incident map as a capable analyst writes it in plain Streamlit + folium.

Not part of SIGAP. ``bench/bench_pages.py`` serves it with ``streamlit run`` on its own port,
against a copy of the same DuckDB file (``SIGAP_DB``) and the kabupaten/kota GeoJSON that
``python -m sigap regions --level kab --format geojson`` writes (``BASELINE_GEOJSON``). It does
what the tutorials teach: load the incidents and the GeoJSON once (``st.cache_data``), filter and
count with pandas on every rerun, draw ``folium.Choropleth`` and show it with ``st_folium``.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import duckdb
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium


@st.cache_data
def load_incidents(db: str) -> pd.DataFrame:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute("SELECT tgl_mulai, kode_kab, kategori, sifat FROM incidents WHERE NOT dihapus").df()
    finally:
        con.close()


@st.cache_data
def load_geojson(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


st.set_page_config(page_title="Peta insiden", layout="wide")
st.title("Peta insiden per kabupaten/kota")
incidents = load_incidents(os.environ["SIGAP_DB"])
kabupaten = load_geojson(os.environ["BASELINE_GEOJSON"])

with st.sidebar:
    period = st.radio("Periode", ["12 bulan terakhir", "Triwulan", "Rentang tanggal"])
    kinds = st.multiselect("Sifat", ["potensi", "gejala", "kejadian"], placeholder="Semua sifat")

today = date.today()
start = {"12 bulan terakhir": today - timedelta(days=365), "Rentang tanggal": today - timedelta(days=90),
         "Triwulan": date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)}[period]
days = pd.to_datetime(incidents["tgl_mulai"]).dt.date
chosen = incidents[(days >= start) & (days <= today)]
if kinds:
    chosen = chosen[chosen["sifat"].isin(kinds)]
codes = pd.DataFrame({"kode": [f["properties"]["kode"] for f in kabupaten["features"]]})
counts = codes.merge(chosen.groupby("kode_kab").size().rename("jumlah").reset_index(),
                     left_on="kode", right_on="kode_kab", how="left").fillna({"jumlah": 0})

st.metric("Insiden", f"{len(chosen):,}".replace(",", "."))
m = folium.Map(location=[-2.5, 118.0], zoom_start=5)
folium.Choropleth(geo_data=kabupaten, data=counts, columns=["kode", "jumlah"], key_on="feature.properties.kode",
                  fill_color="YlOrRd", fill_opacity=0.8, line_weight=0.4, legend_name="Jumlah insiden").add_to(m)
st_folium(m, height=560, use_container_width=True, returned_objects=[])
