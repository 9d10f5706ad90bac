"""SIGAP — router and frame: page config, session defaults, sign-in gate, navigation.

Navigation is built by ``st.navigation`` on every run: with nobody signed in it holds only the
sign-in page, so no page URL opens without a user (SECURITY.md §10). Pages are listed by what
the user's role may do.
"""

from __future__ import annotations

import streamlit as st

from auth.roles import allowed
from pages.components import state
from pages.components.auth_gate import hand_over_cookie, routing, show_crash, sign_in_page, sign_out_button, signed_in_user
from pages.components.data import demo_loaded
from pages.components.i18n import language_picker, t
from pages.components.inbox import show_inbox

st.set_page_config(page_title="SIGAP — Peta Potensi Konflik", page_icon="🗺️", layout="wide")
state.init_state()
user = signed_in_user()
if user is None or user.must_change_password:
    st.navigation([st.Page(sign_in_page, title=t("Masuk"), icon="🔐", url_path="masuk", default=True)],
                  position="hidden").run()
    st.stop()

language_picker()
sign_out_button(user)
hand_over_cookie()
leader = user.role == "pimpinan"
pages = {
    "Pimpinan": [st.Page("pages/screens/pimpinan.py", title=t("Ruang Pimpinan"), icon="🏛️", url_path="pimpinan",
                         default=leader)],
    "Peta": [
        st.Page("pages/screens/peta.py", title=t("Peta Potensi Konflik"), icon="🗺️", url_path="peta", default=not leader),
        st.Page("pages/screens/indeks.py", title=t("Indeks Potensi Konflik"), icon="📊", url_path="indeks"),
        st.Page("pages/screens/hotspot.py", title=t("Hotspot"), icon="🔥", url_path="hotspot"),
        st.Page("pages/screens/tren.py", title=t("Tren"), icon="📈", url_path="tren"),
        st.Page("pages/screens/pilkada.py", title=t("Pilkada & Tahapan"), icon="🗳️", url_path="pilkada"),
        st.Page("pages/screens/athg.py", title=t("ATHG"), icon="🧭", url_path="athg"),
    ],
}
data_pages = []
if allowed(user.role, "impor"):
    data_pages.append(st.Page("pages/screens/impor.py", title=t("Impor Laporan"), icon="📥", url_path="impor"))
if allowed(user.role, "ekspor"):
    data_pages.append(st.Page("pages/screens/ekspor.py", title=t("Ekspor Data"), icon="📤", url_path="ekspor"))
if data_pages:
    pages["Data"] = data_pages
report_pages = []
if allowed(user.role, "ubah"):
    report_pages += [
        st.Page("pages/screens/lapor.py", title=t("Lapor"), icon="📝", url_path="lapor"),
        st.Page("pages/screens/laporan.py", title=t("Laporan"), icon="📄", url_path="laporan"),
        st.Page("pages/screens/lapsitda.py", title=t("LAPSITDA Harian"), icon="🗓️", url_path="lapsitda"),
    ]
if allowed(user.role, "verifikasi"):
    report_pages += [
        st.Page("pages/screens/verifikasi.py", title=t("Verifikasi"), icon="☑️", url_path="verifikasi"),
        st.Page("pages/screens/duplikat.py", title=t("Tinjau Duplikat"), icon="🧬", url_path="duplikat"),
        st.Page("pages/screens/kasus.py", title=t("Kasus"), icon="📂", url_path="kasus"),
    ]
report_pages.append(st.Page("pages/screens/kelengkapan.py", title=t("Kelengkapan Laporan"), icon="✅",
                            url_path="kelengkapan"))
pages["Laporan"] = report_pages
if allowed(user.role, "kelola_pengguna"):
    pages["Admin"] = [st.Page("pages/screens/admin.py", title=t("Pengguna & Audit"), icon="🔐", url_path="admin")]

if demo_loaded():
    st.warning(t("**Data contoh (sintetis)** — insiden yang tampil bukan kejadian nyata. "
               "Hapus dengan `python -m sigap demo clear`."), icon="⚠️")

page = st.navigation(pages)
show_inbox(user)
try:
    with routing():
        page.run()
except Exception:  # st.stop and st.rerun are BaseException: they pass through
    show_crash(page.title)
