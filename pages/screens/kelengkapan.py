"""Kelengkapan Laporan: which offices reported for a day (melapor, nihil, terlambat, belum), a 30-day
calendar, streaks, whom to chase, downloads, and the rekap (PDF, XLSX)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.lapsitda import PERIODS, STATE_LABELS, streaks
from auth.roles import PermissionDenied, allowed
from pages.components import data
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.i18n import t
from services.lapsitda import calendar, chase_list, completeness_file, default_day, rekap_file, status_counts

REKAP = "kelengkapan_rekap"    # (request, bytes, file name) of the last rekap built
_ICON = {"melapor": "🟢", "nihil": "🔵", "terlambat": "🟠", "belum": "⚪"}
_MISSED = "🔴"

user = page_user()
st.title(t("Kelengkapan Laporan"))
con = cursor()

provinces = data.region_list("prov")
if user.region is None:
    names = {"": "Nasional", **dict(zip(provinces["kode"], provinces["nama"]))}
    prov = st.selectbox(t("Wilayah"), list(names), key="kelengkapan_prov", format_func=names.get) or None
else:
    prov = None
region = prov or user.region
day = st.date_input(t("Tanggal LAPSITDA"), value=default_day(region), key="kelengkapan_tanggal", format="DD/MM/YYYY")
st.caption(t("Batas bawaan: pukul 10.00 waktu setempat (WIB, WITA atau WIT) sehari sesudah tanggal LAPSITDA. "
           "Nihil berarti kantor melaporkan situasi kondusif; belum melapor bukan nihil."))

try:
    table = calendar(con, user, day, prov=prov)
except PermissionDenied as exc:
    st.error(str(exc))
    st.stop()
today = table.loc[table["tanggal"] == day].reset_index(drop=True)
counts = status_counts(today)
reported = counts["melapor"] + counts["nihil"] + counts["terlambat"]
st.markdown(t("### {reported} dari {kantor} kab/kota sudah melapor").format(reported=reported, kantor=counts['kantor']))
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("Melapor"), counts["melapor"])
c2.metric(t("Nihil"), counts["nihil"])
c3.metric(t("Terlambat"), counts["terlambat"])
c4.metric(t("Belum melapor"), counts["belum"])


def _label(state: str, missed: bool) -> str:
    return f"{_MISSED} tidak melapor" if missed else f"{_ICON[state]} {STATE_LABELS[state]}"


st.subheader(t("Status hari ini"))
st.dataframe(pd.DataFrame({
    "kode": today["kode"], "kabupaten/kota": today["nama"],
    "status": [_label(s, m) for s, m in zip(today["status"], today["lewat_batas"])],
    "batas waktu": today["batas_lokal"], "dikirim": today["diajukan_lokal"], "laporan": today["laporan"],
    "atensi/khusus": today["atensi"]}), hide_index=True, key="kelengkapan_tabel")
c1, c2 = st.columns(2)
c1.download_button(t("Unduh CSV"), completeness_file(today, "csv"), file_name=f"kelengkapan-{day:%Y%m%d}.csv",
                   mime="text/csv", key="kelengkapan_csv")
c2.download_button(t("Unduh XLSX"), completeness_file(today, "xlsx"), file_name=f"kelengkapan-{day:%Y%m%d}.xlsx",
                   key="kelengkapan_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(t("Perlu ditagih"))
chase = chase_list(table, day)
if chase.empty:
    st.success(t("Semua kabupaten/kota sudah mengirim LAPSITDA untuk tanggal ini."))
else:
    st.dataframe(pd.DataFrame({"kode": chase["kode"], "kabupaten/kota": chase["nama"], "batas waktu": chase["batas_lokal"],
                               "lewat batas": chase["lewat_batas"].map({True: "ya", False: "belum"}),
                               "tidak melapor berturut-turut (hari)": chase["tidak_melapor_beruntun"],
                               "tidak melapor dalam 30 hari": chase["hari_tidak_melapor"]}),
                 hide_index=True, key="kelengkapan_tagih")

st.subheader(t("Kalender 30 hari"))
symbols = table.assign(tanda=[(_MISSED if m else _ICON[s]) for s, m in zip(table["status"], table["lewat_batas"])])
grid = symbols.pivot(index=["kode", "nama"], columns="tanggal", values="tanda")
grid.columns = [f"{c:%d/%m}" for c in grid.columns]
st.dataframe(grid.reset_index(), hide_index=True, key="kelengkapan_kalender")
st.caption(t("🟢 melapor · 🔵 nihil · 🟠 terlambat · 🔴 tidak melapor (lewat batas) · ⚪ belum (batas belum lewat)"))
runs = streaks(table)
st.dataframe(runs.rename(columns={"nama": t("kabupaten/kota"), "tepat_waktu_beruntun": t("tepat waktu berturut-turut"),
                                  "tidak_melapor_beruntun": t("tidak melapor berturut-turut"),
                                  "hari_melapor": t("hari melapor (30)"), "hari_tidak_melapor": t("hari tidak melapor (30)")}),
             hide_index=True, key="kelengkapan_runtun")

if allowed(user.role, "ekspor"):
    st.subheader(t("Rekap LAPSITDA"))
    c1, c2, c3 = st.columns(3)
    period = c1.selectbox(t("Periode"), list(PERIODS), format_func=PERIODS.get, key="kelengkapan_periode")
    marking = c2.selectbox(t("Klasifikasi (minimum)"), ["Biasa", "Terbatas", "Rahasia"], index=1,
                           key="kelengkapan_klasifikasi")
    fmt = c3.selectbox(t("Format"), ["pdf", "xlsx"], format_func=str.upper, key="kelengkapan_format")
    request = (period, marking, fmt, day, region)
    if st.button(t("Buat rekap"), key="kelengkapan_buat"):
        try:
            built, name = rekap_file(con, user, day, fmt=fmt, period=period, prov=prov, classification=marking)
        except (ValueError, PermissionDenied) as exc:
            st.error(str(exc))
        else:
            st.session_state[REKAP] = (request, built, name)
    ready = st.session_state.get(REKAP)
    if ready is not None and ready[0] == request:
        st.download_button(t("Unduh {n}").format(n=ready[2]), ready[1], file_name=ready[2], key="kelengkapan_unduh_rekap",
                           mime="application/pdf" if fmt == "pdf" else
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
