"""Ekspor data: what the user sees — filtered and within their scope — as CSV, XLSX, GeoJSON, GPKG,
map images, the briefing and the Laporan Triwulan. Every file covers the region chosen here (the
province in the sidebar, the kabupaten/kota below it), never more than the user's scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from analysis.triwulan import quarter_label
from auth.roles import PermissionDenied, allowed
from pages.components import data
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.filters import sidebar_filters
from pages.components.i18n import t
from reports.briefing import CLASSIFICATIONS, briefing_pdf, build_briefing
from reports.document import document_region
from reports.exports import FORMATS, export_data, record_export

user = page_user()
st.title(t("Ekspor Data"))
if user is None or not allowed(user.role, "ekspor"):
    st.info(t("Peran Anda tidak dapat mengekspor data."))
    st.stop()
flt = sidebar_filters(user.region, key="ekspor")

# The region every file below covers: the sidebar's province, then a kabupaten/kota of it.
province = flt.query.prov or (user.region[:2] if user.region else None)
if user.region is not None and len(user.region) == 5:
    kab = user.region
elif province is not None:
    kab_list = data.region_list("kab")
    kab_list = kab_list.loc[kab_list["kode_prov"] == province]
    names = dict(zip(kab_list["kode"], kab_list["nama"]))
    kab = st.selectbox(t("Kabupaten/kota"), [None, *kab_list["kode"]], key="ekspor_kab",
                       format_func=lambda k: "Seluruh provinsi" if k is None else f"{names[k]} ({k})")
else:
    kab = None
query = replace(flt.query, kab=kab) if kab else flt.query
chosen = kab or query.prov
try:
    area = document_region(cursor(), user, chosen)
except (PermissionDenied, ValueError) as exc:
    st.error(str(exc))
    st.stop()
st.caption(t("Periode: {period_label} · wilayah berkas: {label} · setiap ekspor dicatat di jejak audit.").format(
    period_label=flt.period_label, label=area.label))


def _fresh(key: str, *parts) -> bool:
    """Whether the file in session state ``key`` was made for the choice now on the page."""
    return st.session_state.get(key) is not None and st.session_state.get(f"{key}_untuk") == parts


labels = {"csv": "CSV (Excel, semua aplikasi)", "xlsx": "XLSX (dengan lembar metadata)",
          "geojson": "GeoJSON (nilai per kabupaten/kota)", "gpkg": "GeoPackage (QGIS: wilayah + titik insiden)",
          "png": "Gambar peta PNG (untuk slide / grup WhatsApp)", "svg": "Gambar peta SVG"}
fmt = st.radio(t("Format"), list(FORMATS), format_func=labels.get, key="ekspor_format")
if st.button(t("Siapkan berkas"), type="primary", key="ekspor_siapkan"):
    try:
        st.session_state["ekspor_berkas"] = export_data(cursor(), fmt, query, user)
        st.session_state["ekspor_berkas_untuk"] = (fmt, query)
    except (PermissionDenied, ValueError) as exc:
        st.error(str(exc))
ready = st.session_state.get("ekspor_berkas")
if ready is not None and _fresh("ekspor_berkas", fmt, query):
    st.success(t("{rows} insiden siap diunduh.").format(rows=ready.rows))
    st.download_button(t("Unduh {filename}").format(
        filename=ready.filename), ready.data, file_name=ready.filename, mime=ready.mime,
                       key="ekspor_unduh")

st.subheader(t("Bahan rapat (PDF)"))
c1, c2 = st.columns(2)
marking = c1.selectbox(t("Klasifikasi"), CLASSIFICATIONS, index=1, key="brief_klas")
quarter = c2.text_input(t("Triwulan"), quarter_label(date.today()), key="brief_tw").strip()
summary = st.text_area(t("Ringkasan untuk pimpinan"), key="brief_ringkasan",
                       placeholder=t("Situasi umum kondusif; perhatian pada …"))
if st.button(t("Susun bahan rapat"), key="brief_susun"):
    try:
        with st.spinner(t("Menyusun bahan rapat…")):
            pdf = briefing_pdf(build_briefing(cursor(), user, quarter, summary=summary, classification=marking,
                                              region=chosen))
        record_export(cursor(), user, "briefing", {"triwulan": quarter, "klasifikasi": marking,
                                                   "wilayah": area.code or "nasional"})
        st.session_state["brief_pdf"] = pdf
        st.session_state["brief_pdf_untuk"] = (area.code, quarter)
    except (PermissionDenied, ValueError) as exc:
        st.error(str(exc))
if _fresh("brief_pdf", area.code, quarter):
    st.download_button(t("Unduh bahan rapat (PDF)"), st.session_state["brief_pdf"], key="brief_unduh",
                       file_name=f"bahan-rapat-{area.slug}-{quarter.replace(' ', '-')}.pdf", mime="application/pdf")

st.subheader(t("Laporan Triwulan Peta Potensi Konflik"))
notes = st.text_area(t("Catatan laporan"), key="tw_catatan")
c1, c2 = st.columns(2)
if c1.button(t("Susun PDF"), key="tw_pdf"):
    from reports.triwulan import triwulan_pdf

    try:
        with st.spinner(t("Menyusun laporan triwulan…")):
            payload = triwulan_pdf(cursor(), user, quarter, classification=marking, notes=notes, region=chosen)
        st.session_state["tw_berkas"] = ("pdf", payload)
        st.session_state["tw_berkas_untuk"] = (area.code, quarter)
        record_export(cursor(), user, f"triwulan:{quarter}", {"format": "pdf", "wilayah": area.code or "nasional"})
    except (PermissionDenied, ValueError) as exc:
        st.error(str(exc))
if c2.button(t("Susun XLSX"), key="tw_xlsx"):
    from reports.triwulan import triwulan_workbook

    try:
        payload, rows = triwulan_workbook(cursor(), user, quarter, region=chosen, notes=notes)
        st.session_state["tw_berkas"] = ("xlsx", payload)
        st.session_state["tw_berkas_untuk"] = (area.code, quarter)
        record_export(cursor(), user, f"triwulan:{quarter}", {"format": "xlsx", "wilayah": area.code or "nasional"},
                      rows)
    except (PermissionDenied, ValueError) as exc:
        st.error(str(exc))
if _fresh("tw_berkas", area.code, quarter):
    kind, payload = st.session_state["tw_berkas"]
    st.download_button(t("Unduh laporan triwulan ({upper})").format(upper=kind.upper()), payload, key="tw_unduh",
                       file_name=f"laporan-triwulan-{area.slug}-{quarter.replace(' ', '-')}.{kind}")
