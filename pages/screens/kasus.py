"""Kasus: open cases of the user's region by age (working days since submission), the overdue ones
first in view, recurrences, and the follow-ups (tindak lanjut) of a chosen case.

Deadlines and the recurrence window come from ``data/profiles/kasus.toml``. Writing a follow-up is
checked again by :func:`services.verifikasi.add_follow_up`. User text is shown as text.
"""

from __future__ import annotations

import streamlit as st

from auth.roles import PermissionDenied, allowed
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.filters import office_today
from pages.components.i18n import t
from services.verifikasi import add_follow_up, follow_ups, load_case_profile, open_cases

NOTICE = "kasus_pesan"

user = page_user()
con = cursor()
profile = load_case_profile()
today = office_today(user.region)
st.title(t("Kasus"))
st.caption(t("Kasus terbuka: insiden yang penanganannya belum selesai. Terlambat: belum diverifikasi setelah "
             "{verification_days} hari kerja, atau belum ada tindak lanjut setelah {follow_up_days} hari kerja sejak diajukan. "
             "Berulang: laporan baru di kecamatan dan kategori yang sama dalam {recurrence_days} hari setelah kasus selesai. "
             "Hari kerja: Senin–Jumat.").format(
    verification_days=profile.verification_days, follow_up_days=profile.follow_up_days,
    recurrence_days=profile.recurrence_days))
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice)

cases = open_cases(con, user, today=today, profile=profile)
late_verification = int(cases["terlambat_verifikasi"].sum()) if len(cases) else 0
late_follow_up = int(cases["terlambat_tindak_lanjut"].sum()) if len(cases) else 0
recurring = int(cases["berulang"].sum()) if len(cases) else 0
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("Kasus terbuka"), len(cases))
c2.metric(t("Terlambat verifikasi"), late_verification)
c3.metric(t("Terlambat tindak lanjut"), late_follow_up)
c4.metric(t("Berulang"), recurring)
if cases.empty:
    st.info(t("Tidak ada kasus terbuka di wilayah Anda."))
    st.stop()

only_late = st.toggle(t("Hanya yang terlambat atau berulang"), key="kasus_terlambat")
shown = cases
if only_late:
    shown = cases.loc[cases["terlambat_verifikasi"] | cases["terlambat_tindak_lanjut"] | cases["berulang"]]
shown = shown.reset_index(drop=True)
event = st.dataframe(
    shown[["id", "umur_hari_kerja", "tgl_mulai", "kode_kab", "kategori", "judul", "status_verifikasi",
           "status_penanganan", "tindak_lanjut", "terlambat_verifikasi", "terlambat_tindak_lanjut", "berulang"]],
    hide_index=True, on_select="rerun", selection_mode="single-row", key="kasus_daftar",
    column_config={"id": None, "umur_hari_kerja": st.column_config.NumberColumn(t("umur (hari kerja)")),
                   "tgl_mulai": st.column_config.DateColumn(t("tanggal"), format="DD/MM/YYYY"),
                   "judul": st.column_config.TextColumn(width="large"),
                   "terlambat_verifikasi": st.column_config.CheckboxColumn(t("terlambat verifikasi")),
                   "terlambat_tindak_lanjut": st.column_config.CheckboxColumn(t("terlambat tindak lanjut"))})
if not event.selection.rows:
    st.caption(t("Pilih satu kasus untuk melihat dan mencatat tindak lanjutnya."))
    st.stop()

case = shown.iloc[event.selection.rows[0]]
incident = int(case["id"])
st.subheader(t("Tindak lanjut insiden {incident}").format(incident=incident))
st.text(str(case["judul"] or ""))
entries = follow_ups(con, incident, user)
if entries.empty:
    st.caption(t("Belum ada tindak lanjut."))
else:
    st.dataframe(entries.drop(columns=["id"]), hide_index=True, key="kasus_tindak_lanjut",
                 column_config={"tanggal": st.column_config.DateColumn(format="DD/MM/YYYY"),
                                "dicatat_pada": st.column_config.DatetimeColumn(t("dicatat (UTC)"),
                                                                                format="DD/MM/YYYY HH:mm")})
if allowed(user.role, "ubah"):
    with st.form("kasus_catat"):
        day = st.date_input(t("Tanggal"), value=today, max_value=today, format="DD/MM/YYYY", key="kasus_tanggal")
        action = st.text_input(t("Tindakan"), key="kasus_tindakan", max_chars=1000,
                               placeholder=t("mis. rapat koordinasi Forkopimda, mediasi, patroli bersama"))
        agency = st.text_input(t("Instansi"), key="kasus_instansi", max_chars=300)
        result = st.text_area(t("Hasil"), key="kasus_hasil", max_chars=1000)
        if st.form_submit_button(t("Catat tindak lanjut"), type="primary"):
            try:
                add_follow_up(con, incident, user, tanggal=day, tindakan=action, instansi=agency, hasil=result)
            except (PermissionDenied, ValueError, LookupError) as exc:
                st.error(str(exc))
            else:
                st.session_state[NOTICE] = f"Tindak lanjut insiden {incident} tercatat."
                st.rerun()
