"""The incident filter widgets shared by map, analysis and export pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from analysis.triwulan import quarter_bounds, quarters_between
from pages.components import data
from pages.components.i18n import t
from store.incidents import IncidentFilter

MAP_KIND = {
    "Semua sifat": (),
    "Peta Potensi Konflik (potensi + gejala)": ("potensi", "gejala"),
    "Peta Konflik (kejadian)": ("kejadian",),
}


@dataclass(frozen=True)
class Filters:
    """What the user picked: the store's own ``IncidentFilter`` (hashable, so a cache key) and the
    period in words."""

    query: IncidentFilter
    period_label: str

    @property
    def prov(self) -> str | None:
        """The province chosen (None: every province in scope)."""
        return self.query.prov


def sidebar_filters(scope_region: str | None, key: str = "f") -> Filters:
    """Draw the filter widgets in the sidebar and return the choice."""
    today = date.today()
    with st.sidebar:
        st.subheader(t("Saring data"))
        mode = st.radio(t("Periode"), ["12 bulan terakhir", "Triwulan", "Rentang tanggal"], key=f"{key}_mode",
                        format_func=t)
        if mode == "Triwulan":
            quarters = quarters_between(date(2024, 1, 1), today)[::-1]
            label = st.selectbox(t("Triwulan"), quarters, key=f"{key}_tw")
            date_from, date_to = quarter_bounds(label)
        elif mode == "Rentang tanggal":
            picked = st.date_input(t("Rentang tanggal"), value=(today - timedelta(days=90), today),
                                   format="DD/MM/YYYY", key=f"{key}_range")
            date_from, date_to = (picked if isinstance(picked, tuple) and len(picked) == 2 else (picked[0], picked[0]))
            label = f"{date_from:%d/%m/%Y} – {date_to:%d/%m/%Y}"
        else:
            date_from, date_to = today - timedelta(days=365), today
            label = f"12 bulan terakhir ({date_from:%d/%m/%Y} – {date_to:%d/%m/%Y})"

        provinces = data.region_list("prov")
        if scope_region is not None:
            provinces = provinces.loc[provinces["kode"] == scope_region[:2]]
        options = ([None] if scope_region is None else []) + provinces["kode"].tolist()
        names = dict(zip(provinces["kode"], provinces["nama"]))
        prov = st.selectbox(t("Provinsi"), options, key=f"{key}_prov",
                            format_func=lambda k: t("Seluruh Indonesia") if k is None else f"{names[k]} ({k})")
        kategori_names = data.vocab("kategori")
        kategori = st.multiselect(t("Kategori konflik"), list(kategori_names), key=f"{key}_kat",
                                  format_func=lambda k: f"{k} — {kategori_names[k]}",
                                  placeholder=t("Semua kategori"))
        kind = st.selectbox(t("Jenis peta"), list(MAP_KIND), key=f"{key}_kind")
    query = IncidentFilter(date_from=date_from, date_to=date_to, prov=prov, kategori=tuple(kategori),
                           sifat=MAP_KIND[kind])
    return Filters(query=query, period_label=label)
