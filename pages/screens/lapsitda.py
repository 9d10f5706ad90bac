"""LAPSITDA Harian: an office's daily report — its reports with a situasi umum, or nihil — and, for the
province, the inbox of atensi and khusus reports the moment they arrive."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.lapsitda import STATE_LABELS
from auth.roles import PermissionDenied, allowed
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.i18n import t
from services.lapsitda import (
    StaleLapsitda,
    amend_lapsitda,
    inbox,
    lapsitda_history,
    local_today,
    mark_read,
    office_day,
    office_list,
    submit_lapsitda,
    unread_count,
)

NOTICE = "lapsitda_pesan"
_ICON = {"melapor": "🟢", "nihil": "🔵", "terlambat": "🟠", "belum": "⚪"}

user = page_user()
st.title(t("LAPSITDA Harian"))
con = cursor()
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice)

# --- inbox: atensi and khusus reports of the offices below this user ----------------------------------
if user.region is None or len(user.region) == 2:
    unread = unread_count(con, user)
    st.subheader(f"Kotak masuk — {unread} belum dibaca" if unread else "Kotak masuk")
    box = inbox(con, user)
    if box.empty:
        st.caption(t("Belum ada laporan atensi atau khusus dari kabupaten/kota."))
    for item in box.loc[~box["dibaca"]].head(10).itertuples(index=False):
        card = st.container(border=True)
        card.markdown(t("🔴 **{upper}** · {nomor} · {kode_kantor} · masuk {masuk_lokal}").format(
            upper=item.jenis.upper(), nomor=item.nomor, kode_kantor=item.kode_kantor, masuk_lokal=item.masuk_lokal))
        card.text(item.judul)
        card.page_link("pages/screens/laporan.py", label=t("Buka laporan"), icon="📄",
                       query_params={"id": str(int(item.id_insiden))})
    if not box.empty:
        table = pd.DataFrame({"": box["dibaca"].map({False: "🔴 baru", True: ""}), "jenis": box["jenis"].str.upper(),
                              "nomor": box["nomor"], "kantor": box["kode_kantor"], "judul": box["judul"],
                              "kategori": box["kategori"], "eskalasi": box["eskalasi"],
                              "masuk": box["masuk_lokal"]})
        event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row",
                             key="lapsitda_kotak", column_config={
                                 "judul": st.column_config.TextColumn(width="large")})
        c1, c2 = st.columns([1, 3])
        if unread and c1.button(t("Tandai semua sudah dibaca"), key="lapsitda_baca"):
            mark_read(con, user, box["id"].tolist())
            st.rerun()
        if event.selection.rows:
            chosen = box.iloc[event.selection.rows[0]]
            mark_read(con, user, [int(chosen["id"])])
            c2.page_link("pages/screens/laporan.py", label=t("Buka laporan {nomor}").format(nomor=chosen['nomor']), icon="📄",
                         query_params={"id": str(int(chosen["id_insiden"]))})

if not allowed(user.role, "ubah"):
    st.stop()

# --- one office, one day -------------------------------------------------------------------------------
st.subheader(t("LAPSITDA kantor"))
offices = office_list(con, user)
names = dict(zip(offices["kode"], offices["nama"]))
if not names:
    st.info(t("Tidak ada kabupaten/kota di cakupan Anda."))
    st.stop()
c1, c2 = st.columns(2)
office = c1.selectbox(t("Kabupaten/kota"), list(names), key="lapsitda_kantor",
                      format_func=lambda c: f"{names[c]} ({c})")
day = c2.date_input(t("Tanggal LAPSITDA"), value=local_today(office), key="lapsitda_tanggal", format="DD/MM/YYYY")
try:
    current = office_day(con, user, office, day)
except PermissionDenied as exc:
    st.error(str(exc))
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric(t("Status"), f"{_ICON[current.status]} {STATE_LABELS[current.status]}")
c2.metric(t("Batas waktu"), current.batas_lokal)
c3.metric(t("Laporan diajukan"), len(current.reports))
if current.lewat_batas:
    st.warning(t("Batas waktu sudah lewat: kirim sekarang (tercatat terlambat)."))

if len(current.reports):
    st.dataframe(pd.DataFrame({"nomor": current.reports["nomor"], "jenis": current.reports["jenis"],
                               "judul": current.reports["judul"], "kategori": current.reports["kategori"],
                               "eskalasi": current.reports["eskalasi"]}), hide_index=True, key="lapsitda_laporan")
if len(current.drafts):
    st.warning(t("{drafts} laporan masih draf untuk hari ini dan tidak ikut LAPSITDA sampai diajukan.").format(
        drafts=len(current.drafts)))
st.page_link("pages/screens/lapor.py", label=t("Tambah laporan"), icon="📝")

if not current.submitted:
    text = st.text_area(t("Situasi umum (ringkas)"), key="lapsitda_situasi", height=100,
                        placeholder=t("mis. Situasi umum kondusif; satu blokade jalan tambang di Kec. Cempaka."))
    b1, b2 = st.columns(2)
    action = "kirim" if b1.button(t("Kirim LAPSITDA"), type="primary", key="lapsitda_kirim") else None
    action = "nihil" if b2.button(t("Nyatakan NIHIL (situasi kondusif)"), key="lapsitda_nihil") else action
    if action is not None:
        try:
            done = submit_lapsitda(con, user, office, day, nihil=action == "nihil", situasi_umum=text)
        except (ValueError, PermissionDenied) as exc:
            st.error(str(exc))
        else:
            st.session_state.pop("lapsitda_situasi", None)
            st.session_state[NOTICE] = (f"LAPSITDA {names[office]} {day:%d/%m/%Y} terkirim: "
                                        f"{STATE_LABELS[done.status]}.")
            st.rerun()
else:
    sub = current.submission
    st.markdown(t("**Terkirim** oleh {diajukan_oleh} · versi {versi}").format(
        diajukan_oleh=sub['diajukan_oleh'], versi=sub['versi']))
    if sub["nihil"]:
        st.info(t("NIHIL — situasi kondusif, tidak ada kejadian."))
    else:
        st.text(sub["situasi_umum"] or "")
    with st.expander(t("Ubah LAPSITDA (dengan alasan)")):
        nihil = st.checkbox(t("Nihil"), value=bool(sub["nihil"]), key="lapsitda_ubah_nihil")
        text = st.text_area(t("Situasi umum"), value=sub["situasi_umum"] or "", key="lapsitda_ubah_situasi")
        reason = st.text_input(t("Alasan perubahan *"), key="lapsitda_ubah_alasan")
        if st.button(t("Simpan perubahan"), key="lapsitda_ubah"):
            try:
                amend_lapsitda(con, user, office, day, versi=int(sub["versi"]), nihil=nihil, situasi_umum=text,
                               alasan=reason)
            except (ValueError, PermissionDenied, StaleLapsitda) as exc:
                st.error(str(exc))
            else:
                for key in ("lapsitda_ubah_nihil", "lapsitda_ubah_situasi", "lapsitda_ubah_alasan"):
                    st.session_state.pop(key, None)
                st.session_state[NOTICE] = "Perubahan LAPSITDA disimpan; versi sebelumnya tetap tercatat."
                st.rerun()
    history = lapsitda_history(con, user, office, day)
    if len(history):
        st.markdown(t("**Riwayat perubahan**"))
        st.dataframe(history, hide_index=True, key="lapsitda_riwayat")
