"""Ekspor data: what the user sees — filtered and within their scope — as CSV, XLSX, GeoJSON, GPKG."""

from __future__ import annotations

import streamlit as st

from auth.roles import allowed
from reports.exports import FORMATS, export_data
from pages.components import state
from pages.components.context import cursor
from pages.components.filters import sidebar_filters
from store.incidents import IncidentFilter

user = st.session_state.get(state.USER)
st.title("Ekspor Data")
if user is None or not allowed(user.role, "ekspor"):
    st.info("Peran Anda tidak dapat mengekspor data.")
    st.stop()
flt = sidebar_filters(user.region, key="ekspor")
st.caption(f"Periode: {flt.period_label} · cakupan: {user.region or 'nasional'} · setiap ekspor dicatat di jejak audit.")
labels = {"csv": "CSV (Excel, semua aplikasi)", "xlsx": "XLSX (dengan lembar metadata)",
          "geojson": "GeoJSON (nilai per kabupaten/kota)", "gpkg": "GeoPackage (QGIS: wilayah + titik insiden)"}
fmt = st.radio("Format", list(FORMATS), format_func=labels.get, key="ekspor_format")
if st.button("Siapkan berkas", type="primary", key="ekspor_siapkan"):
    query = IncidentFilter(date_from=flt.date_from, date_to=flt.date_to, prov=flt.prov, kategori=flt.kategori,
                           sifat=flt.sifat)
    st.session_state["ekspor_berkas"] = export_data(cursor(), fmt, query, user)
ready = st.session_state.get("ekspor_berkas")
if ready is not None:
    st.success(f"{ready.rows} insiden siap diunduh.")
    st.download_button(f"Unduh {ready.filename}", ready.data, file_name=ready.filename, mime=ready.mime,
                       key="ekspor_unduh")
