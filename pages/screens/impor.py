"""Impor Laporan: upload a file, see every problem row by row, confirm uncertain places, commit;
undo a batch after a confirmation. Times are the office's local time (WIB/WITA/WIT)."""

from __future__ import annotations

import hashlib

import streamlit as st

from auth.roles import PermissionDenied, allowed
from geo.locate import load_locator
from ingest.importer import errors_xlsx, prepare_import
from ingest.presets import CANONICAL, PRESETS, known_columns
from ingest.readers import ReadError, read_table
from ingest.template import template_xlsx
from pages.components import state
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.filters import derived_file_name, fill_missing, office_time
from pages.components.i18n import t
from services.imports import commit_import, list_batches, save_column_mapping, undo_batch
from store.mappings import load_mapping, mapping_names

PREPARED = "impor_siap"
UNDO_ASKED = "impor_batal_tanya"  # the batch whose undo waits for a yes



@st.cache_resource(show_spinner="Memuat grid wilayah…")
def _locator():
    return load_locator()


user = page_user()
st.title(t("Impor Laporan"))
if user is None or not allowed(user.role, "impor"):
    st.info(t("Peran Anda hanya dapat melihat dan mengekspor; impor dilakukan oleh analis."))
    st.stop()

st.download_button(t("Unduh templat Excel (dengan daftar pilihan)"), template_xlsx(cursor()),
                   file_name="templat-laporan-sigap.xlsx", key="impor_templat",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
upload = st.file_uploader(t("Berkas laporan (CSV, XLSX, ODS; maks. 10 MB)"), type=["csv", "xlsx", "ods"],
                          key="impor_berkas")
choices = ["otomatis", *PRESETS, *[f"pemetaan:{n}" for n in mapping_names(cursor())], "petakan kolom"]
labels = {"otomatis": "Kenali otomatis", "petakan kolom": "Petakan kolom sendiri…",
          **{k: p.label for k, p in PRESETS.items()}}
choice = st.selectbox(t("Format"), choices, format_func=lambda c: labels.get(c, c), key="impor_format")

if upload is not None:
    data = upload.getvalue()
    mapping = None
    preset = None if choice == "otomatis" else choice if choice in PRESETS else None
    if choice.startswith("pemetaan:"):
        mapping = load_mapping(cursor(), choice.split(":", 1)[1])
    if choice == "petakan kolom":
        try:
            with st.spinner(t("Membaca kolom berkas…")):
                raw = read_table(data, upload.name, known_columns() | {"tanggal", "judul"})
            columns = list(raw.frame.columns)
        except ReadError:
            columns = []
        st.markdown(t("**Pemetaan kolom**: pilih kolom berkas untuk setiap isian SIGAP."))
        picked = {}
        cols = st.columns(3)
        for i, field in enumerate(CANONICAL):
            source = cols[i % 3].selectbox(f"{field} — {CANONICAL[field]}", ["—", *columns], key=f"peta_{field}")
            if source != "—":
                picked[source] = field
        name = st.text_input(t("Simpan pemetaan sebagai (opsional)"), key="peta_nama")
        if name and st.button(t("Simpan pemetaan"), key="peta_simpan"):
            try:
                save_column_mapping(cursor(), name, picked, user, CANONICAL)
                st.success(t("Pemetaan {name} disimpan.").format(name=name))
            except (PermissionDenied, ValueError) as exc:
                st.error(str(exc))
        mapping = picked or None
    key = hashlib.sha256(data + repr((preset, mapping)).encode()).hexdigest()
    if st.session_state.get(PREPARED, (None,))[0] != key:
        try:
            with st.spinner(t("Memeriksa berkas…")):
                prepared = prepare_import(cursor(), data, upload.name, _locator(), preset=preset, mapping=mapping,
                                          user=user)
            st.session_state[PREPARED] = (key, prepared)
        except (ReadError, ValueError) as exc:
            st.session_state.pop(PREPARED, None)
            st.error(str(exc))
    if PREPARED in st.session_state:
        prepared = st.session_state[PREPARED][1]
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(t("Baris data"), len(prepared.rows))
        c2.metric(t("Siap diimpor"), prepared.accepted_rows)
        c3.metric(t("Bermasalah"), int((~prepared.valid).sum()))
        c4.metric(t("Perlu konfirmasi"), len(prepared.confirm))
        st.caption(t("Format: {label} · SHA-256 {n}…").format(label=PRESETS[prepared.preset].label, n=prepared.sha256[:16]))
        if len(prepared.problems):
            st.subheader(t("Masalah per baris"))
            st.dataframe(fill_missing(prepared.problems), hide_index=True, key="impor_masalah")
            st.download_button(t("Unduh daftar masalah (XLSX)"), errors_xlsx(prepared.problems), key="impor_unduh",
                               file_name=derived_file_name(upload.name, "masalah", "xlsx"))
        confirmed: set[int] = set()
        if len(prepared.confirm):
            st.subheader(t("Perlu konfirmasi wilayah"))
            table = st.data_editor(fill_missing(prepared.confirm).assign(terima=False), hide_index=True, key="impor_konfirmasi",
                                   disabled=["baris", "kode_kab", "catatan"])
            confirmed = set(table.loc[table["terima"], "baris"].astype(int))
        if len(prepared.notes):
            with st.expander(t("Catatan ({notes} baris diterima dengan catatan)").format(notes=len(prepared.notes))):
                st.dataframe(fill_missing(prepared.notes), hide_index=True)
        if st.button(t("Impor baris yang valid"), type="primary", key="impor_simpan"):
            with st.spinner(t("Menyimpan insiden ke basis data…")):
                result = commit_import(cursor(), prepared, user, confirmed_rows=confirmed)
            st.session_state.pop(PREPARED, None)
            st.cache_data.clear()
            st.success(t("Batch {batch}: {accepted} insiden baru, {duplicates} sudah ada, {rejected} ditolak; "
                         "{probable_duplicates} kemungkinan duplikat untuk ditinjau.").format(
                batch=result.batch, accepted=result.accepted, duplicates=result.duplicates, rejected=result.rejected,
                probable_duplicates=result.probable_duplicates))

st.subheader(t("Batch impor"))
state.show_flash()
batches = list_batches(cursor(), user)
shown = batches.assign(dibuat_pada=[office_time(v, user.region) for v in batches["dibuat_pada"]],
                       dibatalkan_pada=[office_time(v, user.region) for v in batches["dibatalkan_pada"]],
                       wilayah=batches["wilayah"].fillna("nasional"))
st.dataframe(fill_missing(shown), hide_index=True, key="impor_batch",
             column_config={"dibuat_pada": t("dibuat pada"), "dibatalkan_pada": t("dibatalkan pada")})
open_batches = batches.loc[batches["dibatalkan_pada"].isna() & ~batches["sintetis"], "id"].astype(int).tolist()
if open_batches:
    c1, c2 = st.columns([1, 3])
    target = c1.selectbox(t("Batch"), open_batches, key="impor_batal_id")
    if c2.button(t("Batalkan batch ini…"), key="impor_batal"):
        st.session_state[UNDO_ASKED] = int(target)
    asked = st.session_state.get(UNDO_ASKED)
    if asked in open_batches:
        row = batches.set_index("id").loc[asked]
        st.warning(t("Batalkan batch {asked} ({nama_berkas}, {diterima} insiden baru, {diperbarui} diperbarui)? "
                     "Insiden baru dihapus dan insiden yang diperbarui dikembalikan ke versi sebelumnya. "
                     "Pembatalan tercatat di jejak audit.").format(
            asked=asked, nama_berkas=row['nama_berkas'], diterima=int(row['diterima']),
            diperbarui=int(row['diperbarui'])), icon="⚠️")
        yes, no, _ = st.columns([1, 1, 3])
        if yes.button(t("Ya, batalkan"), type="primary", key="impor_batal_ya"):
            st.session_state.pop(UNDO_ASKED, None)
            try:
                with st.spinner(t("Membatalkan batch {asked}…").format(asked=asked)):
                    removed = undo_batch(cursor(), asked, user)
            except (PermissionDenied, ValueError) as exc:
                state.flash(str(exc), "error")
            else:
                st.cache_data.clear()
                state.flash(f"Batch {asked} dibatalkan: {removed} insiden dihapus.")
            st.rerun()
        if no.button(t("Tidak"), key="impor_batal_tidak"):
            st.session_state.pop(UNDO_ASKED, None)
            st.rerun()
