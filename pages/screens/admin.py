"""Pengguna & Audit (admin only): manage users, read, verify and export the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from auth.roles import PERMISSIONS, PermissionDenied, require
from pages.components.auth_gate import page_user
from pages.components.context import cursor, db_file
from pages.components.filters import fill_missing, office_time
from pages.components.i18n import t
from reports.safe import to_csv_bytes
from services.accounts import AuthError, create_user, list_users, set_active, unlock
from services.backups import back_up
from store.audit import read_audit, verify_chain
from store.backup import list_snapshots
from store.db import StoreError

user = page_user()
try:
    require(user, "kelola_pengguna")
except PermissionDenied as exc:
    st.error(str(exc))
    st.stop()

st.title(t("Pengguna & Audit"))
tab_users, tab_audit, tab_backup, tab_kop = st.tabs([t("Pengguna"), t("Jejak audit"), t("Cadangan"), t("Kop surat")])

with tab_users:
    people = list_users(cursor(), user.region)
    for column in ("locked_until", "last_login"):  # stored in UTC, read in the office's time
        people[column] = [office_time(v, user.region) for v in people[column]]
    st.dataframe(fill_missing(people), hide_index=True)
    with st.form("pengguna_baru"):
        st.markdown(t("**Tambah pengguna**"))
        c1, c2, c3, c4 = st.columns(4)
        name = c1.text_input(t("Nama pengguna"), key="baru_nama")
        role = c2.selectbox(t("Peran"), list(PERMISSIONS), index=1, key="baru_peran")
        region = c3.text_input(t("Wilayah (kosong = nasional, 63, 63.72)"), key="baru_wilayah")
        clearance = c4.selectbox(t("Izin"), ["Biasa", "Terbatas", "Rahasia"], index=1, key="baru_izin")
        if st.form_submit_button(t("Buat")):
            try:
                secret = create_user(cursor(), name, role, region.strip() or None, clearance, actor=user)
                st.success(t("Pengguna {name} dibuat. Kata sandi sementara (sampaikan secara aman, wajib diganti saat masuk): "
                             "`{secret}`").format(name=name, secret=secret))
            except (AuthError, PermissionDenied, ValueError) as exc:
                st.error(str(exc))
    c1, c2, c3 = st.columns(3)
    target = c1.text_input(t("Nama pengguna"), key="kelola_nama")
    if c2.button(t("Nonaktifkan"), key="kelola_nonaktif") and target:
        try:
            set_active(cursor(), target, False, actor=user)
            st.success(t("{target} dinonaktifkan.").format(target=target))
        except (AuthError, PermissionDenied) as exc:
            st.error(str(exc))
    if c3.button(t("Buka kunci"), key="kelola_buka") and target:
        try:
            unlock(cursor(), target, actor=user)
            st.success(t("Kunci {target} dibuka.").format(target=target))
        except (AuthError, PermissionDenied) as exc:
            st.error(str(exc))

with tab_audit:
    c1, c2 = st.columns(2)
    action = c1.text_input(t("Aksi (mis. login, login_gagal, ekspor)"), key="audit_aksi")
    actor = c2.text_input(t("Pelaku"), key="audit_pelaku")
    log = read_audit(cursor(), action=action.strip() or None, actor=actor.strip() or None, region=user.region,
                     limit=2000)
    st.dataframe(log.drop(columns=["prev_hash", "hash"]), hide_index=True)
    check = verify_chain(cursor())
    (st.success if check.ok else st.error)(check.message)
    st.download_button(t("Unduh CSV"), to_csv_bytes(log), key="audit_unduh", mime="text/csv",
                       file_name=f"audit-{datetime.now():%Y%m%d-%H%M}.csv")

with tab_backup:
    st.markdown(t("Cadangan daring: salinan seluruh basis data selagi aplikasi berjalan, diperiksa tabel demi "
                "tabel, dengan jangkar jejak audit di sampingnya. Pemulihan dilakukan dengan aplikasi berhenti: "
                "`python -m sigap backup restore BERKAS` (salinan pengaman lama tetap disimpan)."))
    if st.button(t("Buat cadangan sekarang"), type="primary", key="cadangan_buat"):
        try:
            with st.spinner(t("Menyalin dan memeriksa…")):
                path = back_up(cursor(), db_file(), user)
            st.success(t("Cadangan {name} dibuat dan cocok dengan basis data.").format(name=path.name))
        except (PermissionDenied, StoreError) as exc:
            st.error(str(exc))
    snapshots = list_snapshots(db_file())
    if snapshots:
        st.dataframe([{"berkas": s.name, "ukuran (MB)": round(s.stat().st_size / 1e6, 1),
                       "dibuat": office_time(datetime.fromtimestamp(s.stat().st_mtime, UTC).replace(tzinfo=None),
                                             user.region)}
                      for s in reversed(snapshots)], hide_index=True)
    else:
        st.caption(t("Belum ada cadangan."))

with tab_kop:
    import pandas as pd

    from pages.components import data
    from reports.letterhead import (
        MAX_LOGO_BYTES,
        LetterheadError,
        letterhead_for,
        letterhead_preview_png,
        save_letterhead,
    )
    from store.letterhead import list_letterheads

    st.markdown(t("Kop surat dicetak di kepala bahan rapat, laporan triwulan dan rekap kantor ini. Kantor tanpa kop "
                "sendiri memakai templat `data/templates/kop.toml`."))
    kop_regions = pd.concat([data.region_list("prov"), data.region_list("kab")], ignore_index=True)
    if user.region is not None:
        kop_regions = kop_regions.loc[(kop_regions["kode"] == user.region)
                                      | kop_regions["kode"].str.startswith(user.region + ".")]
    kop_names = dict(zip(kop_regions["kode"], kop_regions["nama"]))
    kop_offices = ([None] if user.region is None else []) + sorted(kop_names, key=lambda k: (len(k) > 2, k))
    office = st.selectbox(t("Kantor"), kop_offices, key="kop_kantor",
                          format_func=lambda k: "Nasional" if k is None else f"{kop_names[k]} ({k})")
    current = letterhead_for(cursor(), office)
    suffix = office or "nasional"
    with st.form(f"kop_form_{suffix}"):
        pemerintah = st.text_input(t("Baris pemerintah"), current.pemerintah, max_chars=120, key=f"kop_pem_{suffix}",
                                   placeholder=t("PEMERINTAH PROVINSI KALIMANTAN SELATAN"))
        instansi = st.text_input(t("Nama kantor"), current.instansi, max_chars=120, key=f"kop_ins_{suffix}")
        alamat = st.text_input(t("Alamat"), current.alamat, max_chars=200, key=f"kop_alm_{suffix}")
        kontak = st.text_input(t("Kontak (telepon · surel · laman)"), current.kontak, max_chars=200,
                               key=f"kop_kon_{suffix}")
        logo = st.file_uploader(t("Logo (PNG atau JPEG, paling besar {n} MB)").format(n=MAX_LOGO_BYTES // 1_000_000),
                                type=["png", "jpg", "jpeg"], key=f"kop_logo_{suffix}")
        remove = st.checkbox(t("Hapus logo"), key=f"kop_hapus_{suffix}", disabled=current.logo is None)
        if st.form_submit_button(t("Simpan kop surat"), type="primary"):
            try:
                current = save_letterhead(cursor(), user, office, pemerintah=pemerintah, instansi=instansi,
                                          alamat=alamat, kontak=kontak,
                                          logo=logo.getvalue() if logo is not None else None, remove_logo=remove)
                st.success(t("Kop surat disimpan dan dicatat di jejak audit."))
            except (LetterheadError, PermissionDenied, ValueError) as exc:
                st.error(str(exc))
    st.markdown(t("**Pratinjau** ({n})").format(n='tersimpan di basis data' if current.source == 'basis data' else 'templat'))
    st.image(letterhead_preview_png(current), width="stretch")
    stored = list_letterheads(cursor(), user.region)
    if len(stored):
        st.dataframe(stored.assign(kode_wilayah=stored["kode_wilayah"].fillna("nasional")), hide_index=True)
