"""The incident filter widgets shared by map, analysis and export pages.

Every page draws its own widgets (keys ``<page>_prov``, ``<page>_kat``…) but the values live in one
home for the session (:data:`pages.components.state.FILTERS`), so the province, categories and
period chosen on Peta are still chosen on Tren, ATHG or Ekspor. "Today" is the office's today, in
its own time zone (WIB/WITA/WIT by province, ``data/zona_waktu.csv``; national users: WIB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePath

import pandas as pd
import streamlit as st

from analysis.lapsitda import local_date, local_time_label, zone_of
from analysis.triwulan import quarter_bounds, quarters_between
from lang import day, number
from pages.components import data, state
from pages.components.i18n import t
from store.incidents import IncidentFilter
from store.lapsitda import load_zones

__all__ = ["MAP_KIND", "MISSING", "PERIOD_MODES", "Filters", "derived_file_name", "fill_missing", "office_time",
           "office_today", "office_zone", "sidebar_filters"]

MAP_KIND = {
    "Semua sifat": (),
    "Peta Potensi Konflik (potensi + gejala)": ("potensi", "gejala"),
    "Peta Konflik (kejadian)": ("kejadian",),
}
PERIOD_MODES = ("12 bulan terakhir", "Triwulan", "Rentang tanggal")
#: What a table shows where a value is missing (never "None").
MISSING = "—"
_DEFAULT_ZONE = "WIB"


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


def office_zone(region: str | None) -> str:
    """``WIB``, ``WITA`` or ``WIT`` of the office of ``region`` (national scope, an unknown
    province or a missing zone table: WIB)."""
    if not region:
        return _DEFAULT_ZONE
    try:
        return zone_of(region, load_zones())
    except (OSError, ValueError):
        return _DEFAULT_ZONE


def office_today(region: str | None, now: datetime | None = None) -> date:
    """Today's date in the office's local time (the server runs in UTC)."""
    return local_date(now or datetime.now(UTC), office_zone(region))


def office_time(moment, region: str | None) -> str:
    """A stored UTC moment as the office reads it: ``"02/12/2026 09:30 WITA"`` (``—`` when missing)."""
    if moment is None or pd.isna(moment):
        return MISSING
    return local_time_label(pd.Timestamp(moment).to_pydatetime(), office_zone(region))


def fill_missing(frame: pd.DataFrame, *, lang: str = "id") -> pd.DataFrame:
    """A copy of ``frame`` for ``st.dataframe`` that never shows ``None``/``NaN``/``NaT``.

    Text, date and boolean columns get :data:`MISSING` where empty; numeric columns with a gap
    become text written by :func:`lang.number` (columns without gaps keep their type, and so their
    column formatting).
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not values.isna().any():
            continue
        if pd.api.types.is_bool_dtype(values.dtype):
            out[column] = values.astype(object).where(values.notna(), MISSING)
        elif pd.api.types.is_numeric_dtype(values.dtype):
            whole = values.dropna().eq(values.dropna().round()).all()
            out[column] = [MISSING if pd.isna(v) else number(v, 0 if whole else 2, lang=lang) for v in values]
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[column] = [MISSING if pd.isna(v) else day(v.date(), lang=lang) for v in values]
        else:
            out[column] = values.astype(object).where(values.notna(), MISSING)
    return out


def derived_file_name(upload_name: str | None, prefix: str, extension: str) -> str:
    r"""A download named after an upload: ``prefix-<upload without folder and extension>.extension``.

    >>> derived_file_name("laporan maret.xlsx", "masalah", "xlsx")
    'masalah-laporan maret.xlsx'
    >>> derived_file_name("C:\\data\\acled.export.csv", "masalah", "xlsx")
    'masalah-acled.export.xlsx'
    """
    name = PurePath(re.split(r"[\\/]", str(upload_name or ""))[-1]).stem.strip() or "berkas"
    return f"{prefix}-{name}.{extension}"


def sidebar_filters(scope_region: str | None, key: str = "f") -> Filters:
    """Draw the filter widgets in the sidebar and return the choice.

    Widget keys are ``{key}_mode``, ``{key}_tw``, ``{key}_range``, ``{key}_prov``, ``{key}_kat`` and
    ``{key}_kind``; their values are the session's shared filter values.
    """
    today = office_today(scope_region)
    with st.sidebar:
        st.subheader(t("Saring data"))
        mode = st.radio(t("Periode"), list(PERIOD_MODES), format_func=t,
                        **state.shared_widget("periode", f"{key}_mode", PERIOD_MODES[0], PERIOD_MODES.__contains__))
        if mode == "Triwulan":
            quarters = quarters_between(date(2024, 1, 1), today)[::-1]
            label = st.selectbox(t("Triwulan"), quarters,
                                 **state.shared_widget("triwulan", f"{key}_tw", quarters[0], quarters.__contains__))
            date_from, date_to = quarter_bounds(label)
        elif mode == "Rentang tanggal":
            picked = st.date_input(t("Rentang tanggal"), format="DD/MM/YYYY",
                                   **state.shared_widget("rentang", f"{key}_range",
                                                         (today - timedelta(days=90), today), _is_range))
            date_from, date_to = (picked if isinstance(picked, tuple) and len(picked) == 2 else (picked[0], picked[0]))
            label = f"{day(date_from)} – {day(date_to)}"
        else:
            date_from, date_to = today - timedelta(days=365), today
            label = f"{t('12 bulan terakhir')} ({day(date_from)} – {day(date_to)})"

        provinces = data.region_list("prov")
        if scope_region is not None:
            provinces = provinces.loc[provinces["kode"] == scope_region[:2]]
        options = ([None] if scope_region is None else []) + provinces["kode"].tolist()
        names = dict(zip(provinces["kode"], provinces["nama"]))
        prov = st.selectbox(t("Provinsi"), options,
                            format_func=lambda k: t("Seluruh Indonesia") if k is None else f"{names[k]} ({k})",
                            **state.shared_widget("prov", f"{key}_prov", options[0], options.__contains__))
        kategori_names = data.vocab("kategori")
        kategori = st.multiselect(t("Kategori konflik"), list(kategori_names),
                                  format_func=lambda k: f"{k} — {kategori_names[k]}", placeholder=t("Semua kategori"),
                                  **state.shared_widget("kategori", f"{key}_kat", [],
                                                        lambda v: isinstance(v, list) and set(v) <= set(kategori_names)))
        kind = st.selectbox(t("Jenis peta"), list(MAP_KIND), format_func=t,
                            **state.shared_widget("jenis", f"{key}_kind", next(iter(MAP_KIND)), MAP_KIND.__contains__))
    query = IncidentFilter(date_from=date_from, date_to=date_to, prov=prov, kategori=tuple(kategori),
                           sifat=MAP_KIND[kind])
    return Filters(query=query, period_label=label)


def _is_range(value) -> bool:
    return isinstance(value, tuple) and 1 <= len(value) <= 2 and all(isinstance(v, date) for v in value)
