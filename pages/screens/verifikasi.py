"""Verifikasi: incidents waiting for the user's level (kabupaten/kota, provinsi, nasional), one at a
time with a note, and whole import batches from trusted sources in one action.

Every right is checked again by :mod:`services.verifikasi` when it writes; this page only offers the
moves the service would accept. User text is shown as text, never as markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auth.roles import PermissionDenied
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.i18n import t
from services.verifikasi import (
    TRUSTED_SOURCES,
    StaleReport,
    level_of,
    transition,
    trusted_batches,
    verification_queue,
    verification_steps,
    verify_batch,
)

NOTICE = "verifikasi_pesan"
PICKED = "verifikasi_tabel"     # last row picked in the table
_STATUS = {"diajukan": "diajukan", "diverifikasi_kab": "diverifikasi kabupaten/kota",
           "diverifikasi_prov": "diverifikasi provinsi", "dikembalikan": "dikembalikan", "ditolak": "ditolak",
           "duplikat": "duplikat", "draft": "draf"}
_ACTION = {"diverifikasi_kab": "Verifikasi (kabupaten/kota)", "diverifikasi_prov": "Verifikasi (provinsi)",
           "dikembalikan": "Kembalikan ke pelapor untuk diperbaiki", "ditolak": "Tolak"}
_LEVEL = {"kab": "kabupaten/kota", "prov": "provinsi", "nasional": "nasional"}

user = page_user()
con = cursor()
st.title(t("Verifikasi"))
level = level_of(user.region)
if level is None:
    st.info(t("Verifikasi dilakukan di tingkat kabupaten/kota, provinsi atau nasional."))
    st.stop()
st.caption(t("Tingkat verifikasi Anda: {n}. Kabupaten/kota memverifikasi laporan yang diajukan; provinsi memverifikasi yang "
             "sudah diverifikasi kabupaten/kota. Yang dihitung di Ruang Pimpinan dan dokumen resmi: insiden yang sudah "
             "diverifikasi.").format(n=_LEVEL[level]))
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice)


def _v(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


queue = verification_queue(con, user)
st.subheader(t("Menunggu verifikasi Anda ({queue})").format(queue=len(queue)))
if queue.empty:
    st.info(t("Tidak ada insiden yang menunggu verifikasi Anda."))
else:
    table = pd.DataFrame({"id": queue["id"], "tanggal": queue["tgl_mulai"], "kab/kota": queue["kode_kab"],
                          "kategori": queue["kategori"], "judul": queue["judul"],
                          "status": queue["status_verifikasi"].map(lambda s: _STATUS.get(s, s)),
                          "sumber": queue["sumber"], "klasifikasi": queue["klasifikasi"]})
    event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row",
                         key="verifikasi_daftar",
                         column_config={"id": None, "tanggal": st.column_config.DateColumn(format="DD/MM/YYYY"),
                                        "judul": st.column_config.TextColumn(width="large")})
    ids = queue["id"].astype(int).tolist()
    picked = ids[event.selection.rows[0]] if event.selection.rows else None
    if picked is not None and picked != st.session_state.get(PICKED):   # a newly picked row opens below
        st.session_state[PICKED] = picked
        st.session_state["verifikasi_pilih"] = picked
    titles = dict(zip(ids, queue["judul"].map(_v)))
    chosen = st.selectbox(t("Insiden yang diperiksa"), ids, index=None, key="verifikasi_pilih",
                          format_func=lambda i: f"{i} — {titles.get(i, '')[:80]}",
                          placeholder=t("pilih dari tabel atau dari daftar ini"))
    if chosen is not None and chosen in ids:
        row = queue.iloc[ids.index(chosen)].to_dict()
        st.markdown(t("**Insiden {id}** · versi {_v}").format(id=row['id'], _v=_v(row['versi'])))
        st.text(_v(row["judul"]))
        for label, column in (("Kronologi", "kronologi"), ("Sumber informasi", "sumber_info")):
            if _v(row.get(column)):
                st.caption(label)
                st.text(_v(row[column]))
        steps = verification_steps(con, int(row["id"]), user)
        if not steps.empty:
            st.dataframe(steps, hide_index=True, key="verifikasi_langkah")
        choices = list(row["boleh"] or [])
        if not choices:
            st.info(t("Anda tidak dapat memverifikasi insiden ini (misalnya laporan yang Anda buat sendiri, atau di "
                    "atas izin klasifikasi Anda)."))
        else:
            with st.form("verifikasi_keputusan"):
                to = st.radio(t("Keputusan"), choices, format_func=lambda c: _ACTION.get(c, c), key="verifikasi_ke")
                note = st.text_area(t("Catatan (wajib untuk dikembalikan atau ditolak)"), key="verifikasi_catatan",
                                    max_chars=1000)
                if st.form_submit_button(t("Simpan keputusan"), type="primary"):
                    try:
                        transition(con, int(row["id"]), to, user, versi=int(row["versi"]), note=note)
                    except (PermissionDenied, ValueError, LookupError, StaleReport) as exc:
                        st.error(str(exc))
                    else:
                        st.session_state[NOTICE] = f"Insiden {row['id']}: {_ACTION.get(to, to).lower()}."
                        st.rerun()

st.subheader(t("Verifikasi satu batch impor"))
st.caption(t("Hanya batch dari sumber tepercaya ({join}); hanya insiden di wilayah Anda dan dalam izin klasifikasi Anda. "
             "Tercatat sebagai satu tindakan di jejak audit.").format(join=', '.join(sorted(TRUSTED_SOURCES))))
batches = trusted_batches(con, user)
if batches.empty:
    st.info(t("Tidak ada batch dari sumber tepercaya yang menunggu verifikasi Anda."))
else:
    st.dataframe(batches, hide_index=True, key="verifikasi_batch_daftar",
                 column_config={"dibuat_pada": st.column_config.DatetimeColumn(t("diimpor"), format="DD/MM/YYYY HH:mm")})
    with st.form("verifikasi_batch"):
        batch = st.selectbox(t("Batch"), batches["id"].tolist(), key="verifikasi_batch_id",
                             format_func=lambda b: f"{b} — {batches.set_index('id').at[b, 'nama_berkas']}")
        note = st.text_input(t("Catatan"), key="verifikasi_batch_catatan", max_chars=1000)
        if st.form_submit_button(t("Verifikasi seluruh batch")):
            try:
                count = verify_batch(con, int(batch), user, note=note)
            except (PermissionDenied, LookupError) as exc:
                st.error(str(exc))
            else:
                st.session_state[NOTICE] = f"Batch {batch}: {count} insiden diverifikasi."
                st.rerun()
