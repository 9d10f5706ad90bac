"""Interface language: Bahasa Indonesia first, English as an option.

Texts are written in Indonesian in the code; :func:`t` looks up the English text when the user
chose English, and falls back to Indonesian for anything not translated yet.
"""

from __future__ import annotations

import streamlit as st

from pages.components import state

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

EN = {
    "Peta Potensi Konflik": "Conflict Potential Map",
    "Saring data": "Filter data",
    "Periode": "Period",
    "12 bulan terakhir": "Last 12 months",
    "Triwulan": "Quarter",
    "Rentang tanggal": "Date range",
    "Provinsi": "Province",
    "Seluruh Indonesia": "All of Indonesia",
    "Kategori konflik": "Conflict category",
    "Semua kategori": "All categories",
    "Jenis peta": "Map kind",
    "Ukuran": "Measure",
    "Skema kelas": "Classification",
    "Lapisan": "Layers",
    "Titik insiden (klaster)": "Incident points (clustered)",
    "Peta panas (heat)": "Heat map",
    "Latar OpenStreetMap (butuh internet)": "OpenStreetMap background (needs internet)",
    "Insiden": "Incidents",
    "Kabupaten/kota terdampak": "Regencies/cities affected",
    "Korban tewas": "Deaths",
    "Pengungsi": "Displaced",
    "Klik sebuah kabupaten/kota untuk melihat profilnya dan kecamatannya.":
        "Click a regency/city to see its profile and its districts.",
    "Kembali ke seluruh wilayah": "Back to all regions",
    "Tidak ada insiden pada periode dan saringan ini.": "No incidents for this period and filter.",
    "Insiden per kategori": "Incidents per category",
    "Tren bulanan": "Monthly trend",
    "Insiden terbaru": "Latest incidents",
    "Tabel nilai per kabupaten/kota": "Values per regency/city",
    "Bahasa": "Language",
    "Peta": "Map",
    "per kecamatan": "per district",
    "Menghitung insiden…": "Counting incidents…",
    "Menyiapkan peta…": "Preparing the map…",
    "Cari kabupaten/kota atau kecamatan": "Find a regency/city or district",
    "Nama wilayah muncul saat peta diperbesar.": "Region names appear as you zoom in.",
    "Peta diperbesar ke Kecamatan": "Map zoomed to district",
    "di luar cakupan": "outside your scope",
}


def lang() -> str:
    """The session's interface language code."""
    return st.session_state.get(state.LANG, "id")


def t(text: str) -> str:
    """``text`` in the session's language (Indonesian when no translation exists)."""
    return EN.get(text, text) if lang() == "en" else text


def language_picker() -> None:
    """A sidebar selector for the interface language."""
    st.sidebar.selectbox(t("Bahasa"), list(LANGUAGES), format_func=LANGUAGES.get, key=state.LANG)
