"""Ekspor data: what the user sees — filtered and within their scope — as CSV, XLSX, GeoJSON, GPKG."""

from __future__ import annotations

import streamlit as st

from auth.roles import allowed
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.filters import sidebar_filters
from reports.exports import FORMATS, export_data, record_export

user = page_user()
st.title("Ekspor Data")
if user is None or not allowed(user.role, "ekspor"):
    st.info("Peran Anda tidak dapat mengekspor data.")
    st.stop()
flt = sidebar_filters(user.region, key="ekspor")
st.caption(f"Periode: {flt.period_label} · cakupan: {user.region or 'nasional'} · setiap ekspor dicatat di jejak audit.")
labels = {"csv": "CSV (Excel, semua aplikasi)", "xlsx": "XLSX (dengan lembar metadata)",
          "geojson": "GeoJSON (nilai per kabupaten/kota)", "gpkg": "GeoPackage (QGIS: wilayah + titik insiden)",
          "png": "Gambar peta PNG (untuk slide / grup WhatsApp)", "svg": "Gambar peta SVG"}
fmt = st.radio("Format", list(FORMATS), format_func=labels.get, key="ekspor_format")
if st.button("Siapkan berkas", type="primary", key="ekspor_siapkan"):
    st.session_state["ekspor_berkas"] = export_data(cursor(), fmt, flt.query, user)
ready = st.session_state.get("ekspor_berkas")
if ready is not None:
    st.success(f"{ready.rows} insiden siap diunduh.")
    st.download_button(f"Unduh {ready.filename}", ready.data, file_name=ready.filename, mime=ready.mime,
                       key="ekspor_unduh")

st.subheader("Bahan rapat (PDF)")
from datetime import date  # noqa: E402

from analysis.triwulan import quarter_label  # noqa: E402
from reports.briefing import CLASSIFICATIONS, briefing_pdf, build_briefing  # noqa: E402

c1, c2 = st.columns(2)
marking = c1.selectbox("Klasifikasi", CLASSIFICATIONS, index=1, key="brief_klas")
quarter = c2.text_input("Triwulan", quarter_label(date.today()), key="brief_tw")
summary = st.text_area("Ringkasan untuk pimpinan", key="brief_ringkasan",
                       placeholder="Situasi umum kondusif; perhatian pada …")
if st.button("Susun bahan rapat", key="brief_susun"):
    try:
        pdf = briefing_pdf(build_briefing(cursor(), user, quarter.strip(), summary=summary, classification=marking))
        record_export(cursor(), user, "briefing", {"triwulan": quarter.strip(), "klasifikasi": marking})
        st.session_state["brief_pdf"] = pdf
    except ValueError as exc:
        st.error(str(exc))
if st.session_state.get("brief_pdf"):
    st.download_button("Unduh bahan rapat (PDF)", st.session_state["brief_pdf"], key="brief_unduh",
                       file_name=f"bahan-rapat-{quarter.strip().replace(' ', '-')}.pdf", mime="application/pdf")

st.subheader("Laporan Triwulan Peta Potensi Konflik")
notes = st.text_area("Catatan laporan", key="tw_catatan")
c1, c2 = st.columns(2)
if c1.button("Susun PDF", key="tw_pdf"):
    from reports.triwulan import triwulan_pdf

    try:
        st.session_state["tw_berkas"] = ("pdf", triwulan_pdf(cursor(), user, quarter.strip(), classification=marking,
                                                             notes=notes))
        record_export(cursor(), user, f"triwulan:{quarter.strip()}", {"format": "pdf"})
    except ValueError as exc:
        st.error(str(exc))
if c2.button("Susun XLSX", key="tw_xlsx"):
    from reports.triwulan import quarter_table, triwulan_xlsx

    try:
        table, _ = quarter_table(cursor(), user, quarter.strip())
        st.session_state["tw_berkas"] = ("xlsx", triwulan_xlsx(table, quarter.strip(), user, notes))
        record_export(cursor(), user, f"triwulan:{quarter.strip()}", {"format": "xlsx"}, len(table))
    except ValueError as exc:
        st.error(str(exc))
if st.session_state.get("tw_berkas"):
    kind, payload = st.session_state["tw_berkas"]
    st.download_button(f"Unduh laporan triwulan ({kind.upper()})", payload, key="tw_unduh",
                       file_name=f"laporan-triwulan-{quarter.strip().replace(' ', '-')}.{kind}")
