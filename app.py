"""SIGAP — router and frame: page config, settings, session defaults, demo banner, navigation."""

from __future__ import annotations

import streamlit as st

from auth.roles import allowed
from pages.components import state
from pages.components.auth_gate import require_login, sign_out_button
from pages.components.data import demo_loaded
from pages.components.i18n import language_picker, t

st.set_page_config(page_title="SIGAP — Peta Potensi Konflik", page_icon="🗺️", layout="wide")
state.init_state()
language_picker()
user = require_login()
sign_out_button()

pages = {
    "Pimpinan": [
        st.Page("pages/pimpinan.py", title="Ruang Pimpinan", icon="🏛️", url_path="pimpinan",
                default=user.role == "pimpinan"),
    ],
    "Peta": [
        st.Page("pages/peta.py", title=t("Peta Potensi Konflik"), icon="🗺️", url_path="peta",
                default=user.role != "pimpinan"),
        st.Page("pages/indeks.py", title="Indeks Potensi Konflik", icon="📊", url_path="indeks"),
        st.Page("pages/hotspot.py", title="Hotspot", icon="🔥", url_path="hotspot"),
        st.Page("pages/tren.py", title="Tren", icon="📈", url_path="tren"),
        st.Page("pages/pilkada.py", title="Pilkada & Tahapan", icon="🗳️", url_path="pilkada"),
        st.Page("pages/athg.py", title="ATHG", icon="🧭", url_path="athg"),
    ],
    "Data": [
        st.Page("pages/impor.py", title="Impor Laporan", icon="📥", url_path="impor"),
        st.Page("pages/ekspor.py", title="Ekspor Data", icon="📤", url_path="ekspor"),
    ],
}

if allowed(user.role, "kelola_pengguna"):
    pages["Admin"] = [st.Page("pages/admin.py", title="Pengguna & Audit", icon="🔐", url_path="admin")]

if demo_loaded():
    st.warning("**Data contoh (sintetis)** — insiden yang tampil bukan kejadian nyata. "
               "Hapus dengan `python -m sigap demo clear`.", icon="⚠️")

st.navigation(pages).run()
