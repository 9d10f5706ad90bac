"""Laporan: open one report — its fields, place and history — and correct it while its office may.

Reached from the list below, from other pages with ``?id=<id>`` (``st.page_link(…, query_params=…)``)
or by setting :data:`pages.components.lapor_form.OPEN_REPORT`. Every read is scoped and redacted
by the service; user text is shown as text, never as markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auth.roles import PermissionDenied
from pages.components import data
from pages.components import lapor_form as form
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.i18n import t
from services.lapor import (
    ReportRejected,
    StaleReport,
    can_edit,
    can_return,
    correct_report,
    form_values,
    list_reports,
    open_report,
    report_history,
    return_report,
)
from services.verifikasi import can_restore, history_diff, restore_version, verification_steps

FORM = "koreksi"
EDITING = "laporan_sunting"       # _Editing of the correction in progress
CHECKED = "laporan_periksa"       # services.lapor.Checked of a refused correction
NOTICE = "laporan_pesan"
PICKED = "laporan_pilihan"        # last row picked in the list
_STATUS = {"draft": "draf", "diajukan": "diajukan", "dikembalikan": "dikembalikan untuk diperbaiki", "ditolak": "ditolak",
           "diverifikasi_kab": "diverifikasi kabupaten/kota", "diverifikasi_prov": "diverifikasi provinsi",
           "duplikat": "duplikat"}

user = page_user()
st.title(t("Laporan"))
con = cursor()

requested = st.query_params.get("id")
if requested and requested.isdigit():
    st.session_state[form.OPEN_REPORT] = int(requested)
report_id = st.session_state.get(form.OPEN_REPORT)

with st.expander(t("Daftar laporan"), expanded=report_id is None):
    mine = st.toggle(t("Hanya laporan saya"), key="laporan_saya")
    rows = list_reports(con, user, mine=mine, limit=300)
    table = pd.DataFrame({"id": rows["id"], "nomor": rows["nomor"], "jenis": rows["jenis"],
                          "status": rows["status_verifikasi"].map(lambda s: _STATUS.get(s, s)),
                          "LAPSITDA": rows["tanggal_lapsitda"], "kantor": rows["kode_kantor"], "judul": rows["judul"],
                          "klasifikasi": rows["klasifikasi"]})
    event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="laporan_daftar",
                         column_config={"id": None, "LAPSITDA": st.column_config.DateColumn(format="DD/MM/YYYY"),
                                        "judul": st.column_config.TextColumn(width="large")})
    picked = int(table.iloc[event.selection.rows[0]]["id"]) if event.selection.rows else None
    if picked is not None and picked != st.session_state.get(PICKED):
        st.session_state[PICKED] = picked
        st.session_state[form.OPEN_REPORT] = picked
        st.query_params["id"] = str(picked)
        st.rerun()

if report_id is None:
    st.info(t("Pilih laporan dari daftar, atau buat laporan baru di halaman Lapor."))
    st.stop()
view = open_report(con, report_id, user)
if view is None:
    st.warning(t("Laporan tidak ditemukan atau di luar cakupan Anda."))
    st.stop()

row = view.row
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice)
st.subheader(f"{row['nomor']}")
st.text(row["judul"])
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("Status"), _STATUS.get(view.status, view.status))
c2.metric(t("Jenis"), row["jenis"])
c3.metric(t("LAPSITDA"), f"{pd.Timestamp(row['tanggal_lapsitda']):%d/%m/%Y}")
c4.metric(t("Versi"), view.versi)
if view.tertutup:
    st.warning(t("Klasifikasi {klasifikasi} di atas izin Anda: hanya kolom terbuka yang ditampilkan.").format(
        klasifikasi=row['klasifikasi']))
if view.status == "dikembalikan" and row.get("catatan_kembali"):
    st.warning(t("Dikembalikan untuk diperbaiki. Alasan:"))
    st.text(row["catatan_kembali"])

names = data.vocab
regions = dict(zip(data.region_list("kab")["kode"], data.region_list("kab")["nama"]))
kecamatan = dict(zip(data.region_list("kec")["kode"], data.region_list("kec")["nama"]))


def _v(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _date(value) -> str:
    return "" if value is None else f"{pd.Timestamp(value):%d/%m/%Y}"


fields = [
    ("Apa", "Kategori", f"{_v(row['kategori'])} — {names('kategori').get(row['kategori'], '')}"),
    ("Apa", "Subkategori", _v(row["subkategori"])),
    ("Apa", "Bentuk", _v(names("bentuk").get(row["bentuk"], row["bentuk"]))),
    ("Apa", "Sifat", _v(row["sifat"])), ("Apa", "ATHG", _v(names("athg").get(row["athg"], row["athg"]))),
    ("Apa", "Bidang", _v(names("bidang").get(row["bidang"], row["bidang"]))), ("Apa", "Eskalasi", _v(row["eskalasi"])),
    ("Apa", "Klasifikasi", _v(row["klasifikasi"])),
    ("Di mana", "Kabupaten/kota", f"{regions.get(row['kode_kab'], '')} ({_v(row['kode_kab'])})"),
    ("Di mana", "Kecamatan", f"{kecamatan.get(row['kode_kec'], '')} ({_v(row['kode_kec'])})" if row["kode_kec"] else ""),
    ("Di mana", "Nama tempat", _v(row["lokasi"])),
    ("Di mana", "Koordinat", f"{row['lat']:.5f}, {row['lon']:.5f}" if row["lat"] is not None else "tanpa titik"),
    ("Di mana", "Presisi lokasi", _v(row["presisi_lokasi"])), ("Di mana", "Status lokasi", _v(row["status_lokasi"])),
    ("Kapan", "Tanggal kejadian", _date(row["tgl_mulai"])), ("Kapan", "Tanggal selesai", _date(row["tgl_selesai"])),
    ("Siapa", "Aktor pertama", f"{_v(row['aktor1'])} ({_v(row['tipe_aktor1'])})" if row["aktor1"] else ""),
    ("Siapa", "Aktor kedua", f"{_v(row['aktor2'])} ({_v(row['tipe_aktor2'])})" if row["aktor2"] else ""),
    ("Dampak", "Tewas / luka / pengungsi", f"{_v(row['tewas'])} / {_v(row['luka'])} / {_v(row['pengungsi'])}"),
    ("Sumber", "Sumber informasi", _v(row["sumber_info"])), ("Sumber", "Pelapor", _v(row["pelapor"])),
    ("Penanganan", "Status penanganan", _v(row["status_penanganan"])),
    ("Penanganan", "Instansi", _v(row["instansi_penanganan"])), ("Penanganan", "Rekomendasi", _v(row["rekomendasi"])),
]
st.dataframe(pd.DataFrame(fields, columns=["kelompok", "isian", "nilai"]), hide_index=True, key="laporan_isian",
             column_config={"nilai": st.column_config.TextColumn(width="large")})
for label, column in (("Kronologi", "kronologi"), ("Analisis pelapor", "analisis")):
    if row.get(column):
        st.markdown(f"**{label}**")
        st.text(row[column])

st.markdown(t("**Riwayat**"))
history = report_history(con, report_id, user)
changes = history_diff(con, report_id, user)
if changes.empty:
    st.caption(t("Belum ada perubahan sejak laporan dicatat."))
else:
    st.caption(t("Setiap perubahan: isian, nilai lama → nilai baru. Versi = versi yang dihasilkan perubahan itu."))
    st.dataframe(changes.assign(perubahan=changes["lama"] + " → " + changes["baru"]), hide_index=True,
                 key="laporan_riwayat", column_order=["versi", "diubah_pada", "diubah_oleh", "alasan", "isian",
                                                      "perubahan"],
                 column_config={"diubah_pada": st.column_config.DatetimeColumn(t("diubah (UTC)"),
                                                                               format="DD/MM/YYYY HH:mm"),
                                "perubahan": st.column_config.TextColumn(t("lama → baru"), width="large")})
steps = verification_steps(con, report_id, user)
if not steps.empty:
    st.caption(t("Langkah verifikasi"))
    st.dataframe(steps, hide_index=True, key="laporan_verifikasi",
                 column_config={"pada": st.column_config.DatetimeColumn(t("pada (UTC)"), format="DD/MM/YYYY HH:mm")})
if can_restore(view.row, user) and not history.empty:
    with st.form("laporan_pulihkan"):
        old_version = st.selectbox(t("Pulihkan versi sebelumnya"), history["versi"].astype(int).tolist(),
                                   key="laporan_versi_lama", format_func=lambda v: f"versi {v}")
        st.caption(t("Isi versi itu menjadi versi baru; versi sekarang tetap tersimpan di riwayat."))
        if st.form_submit_button(t("Pulihkan versi ini")):
            try:
                restored = restore_version(con, report_id, int(old_version), user, versi=view.versi)
            except (PermissionDenied, LookupError, StaleReport) as exc:
                st.error(str(exc))
            else:
                st.session_state.pop(EDITING, None)
                st.session_state[NOTICE] = (f"Versi {old_version} laporan {row['nomor']} dipulihkan "
                                            f"sebagai versi {restored}.")
                st.rerun()

def _start_editing(current) -> None:
    """A fresh correction form holding the report as it is now (its version is the one to beat)."""
    st.session_state[EDITING] = {"id": current.id, "versi": current.versi, "key": form.next_key(FORM, renew=True),
                                 "awal": form_values(current), "jenis": current.row["jenis"],
                                 "tanggal_lapsitda": pd.Timestamp(current.row["tanggal_lapsitda"]).date()}
    st.session_state.pop(CHECKED, None)


if can_edit(view, user):
    editing = st.session_state.get(EDITING)
    if editing is None or editing["id"] != report_id:
        if st.button(t("Koreksi laporan"), key="laporan_koreksi"):
            _start_editing(view)
            st.rerun()
    else:
        st.subheader(t("Koreksi"))
        checked = st.session_state.get(CHECKED)
        form.render_form(editing["key"], user, initial=editing["awal"], jenis=editing["jenis"],
                         tanggal_lapsitda=editing["tanggal_lapsitda"],
                         problems=None if checked is None else checked.problems)
        if checked is not None:
            form.show_problems(checked)
        confirmed = st.checkbox(t("Saya sudah memeriksa: tempat ini benar"), key="koreksi_konfirmasi") \
            if checked is not None and checked.confirm else False
        c1, c2, c3, c4 = st.columns(4)
        action = "draf" if c1.button(t("Simpan draf"), key="koreksi_draf") else None
        action = "ajukan" if c2.button(t("Ajukan"), type="primary", key="koreksi_ajukan") else action
        if c3.button(t("Muat versi terbaru"), key="koreksi_muat"):
            _start_editing(view)
            st.rerun()
        if c4.button(t("Batal"), key="koreksi_batal"):
            st.session_state.pop(EDITING, None)
            st.session_state.pop(CHECKED, None)
            st.rerun()
        if action is not None:
            try:
                saved = correct_report(con, report_id, form.read_form(editing["key"]), form.locator(), user,
                                       versi=editing["versi"], submit=action == "ajukan", confirmed=confirmed)
            except ReportRejected as exc:
                st.session_state[CHECKED] = exc.checked
                st.rerun()
            except StaleReport as exc:
                st.error(str(exc))          # the typed values stay in the form
            except (PermissionDenied, LookupError) as exc:
                st.error(str(exc))
            else:
                st.session_state.pop(EDITING, None)
                st.session_state.pop(CHECKED, None)
                st.session_state[NOTICE] = (f"Laporan {saved.nomor} dikoreksi (versi {saved.versi}, "
                                            f"{_STATUS.get(saved.status, saved.status)}).")
                st.rerun()

if can_return(view, user):
    with st.form("laporan_kembalikan"):
        reason = st.text_input(t("Alasan pengembalian ke kantor pelapor"), key="laporan_alasan")
        if st.form_submit_button(t("Kembalikan untuk diperbaiki")):
            try:
                return_report(con, report_id, user, versi=view.versi, reason=reason)
            except (ValueError, PermissionDenied, StaleReport, LookupError) as exc:
                st.error(str(exc))
            else:
                st.session_state[NOTICE] = f"Laporan {row['nomor']} dikembalikan ke kantor pelapor."
                st.rerun()
