"""Tren: monthly incidents per region and category, and the surge list."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analysis.early_warning import FOUR_WEEKS, QUARTER_DAYS, surge_windows, surges
from lang import day, number
from pages.components import data
from pages.components.auth_gate import current_scope
from store.incidents import IncidentFilter

scope = current_scope()
st.title("Tren")
kab = data.kab_in_scope(scope.region)
names = dict(zip(kab["kode"], kab["nama"]))
kategori_names = data.vocab("kategori")
with st.sidebar:
    region = st.selectbox("Kabupaten/kota", [None, *kab["kode"]], key="tren_kab",
                          format_func=lambda k: "Semua dalam cakupan" if k is None else f"{names[k]} ({k})")
    kategori = st.multiselect("Kategori", list(kategori_names), key="tren_kat", placeholder="Semua kategori",
                              format_func=lambda k: f"{k} — {kategori_names[k]}")
    months = st.select_slider("Rentang (bulan)", [6, 12, 24, 36], value=24, key="tren_bulan")
end = date.today()
start = (pd.Timestamp(end) - pd.DateOffset(months=months)).date()
rows = data.incidents(IncidentFilter(date_from=start, date_to=end, kab=region, kategori=tuple(kategori)), scope)
if rows.empty:
    st.info("Tidak ada insiden pada rentang ini.")
else:
    monthly = (rows.assign(bulan=pd.to_datetime(rows["tgl_mulai"]).dt.to_period("M").dt.to_timestamp())
               .pivot_table(index="bulan", columns="kategori", values="id", aggfunc="count", fill_value=0))
    st.caption(f"{day(start)}–{day(end)} · {number(len(rows))} insiden")
    st.area_chart(monthly, height=320)

st.subheader("Lonjakan")
window = st.radio("Dibanding", [FOUR_WEEKS, QUARTER_DAYS], horizontal=True, key="tren_dasar",
                  format_func={FOUR_WEEKS: "4 minggu sebelumnya", QUARTER_DAYS: "triwulan (91 hari) sebelumnya"}.get)
windows = surge_windows(end, window)
recent = data.aggregate("kab", IncidentFilter(*windows.recent, kategori=tuple(kategori)), scope, by_kategori=True)
before = data.aggregate("kab", IncidentFilter(*windows.baseline, kategori=tuple(kategori)), scope, by_kategori=True)
alerts = surges(recent, before, by=("kode", "kategori"))
if alerts.empty:
    st.info("Tidak ada kenaikan bermakna (lebih dari 10 % dan lolos uji binomial).")
else:
    st.dataframe(alerts.assign(nama=alerts["kode"].map(names))[["kode", "nama", "kategori", "tingkat", "alasan"]],
                 hide_index=True)
