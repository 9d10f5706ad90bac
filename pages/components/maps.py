"""Render folium maps in Streamlit (the only place that calls ``st_folium``), the names written on
them, and the search box that jumps to a region."""

from __future__ import annotations

from collections.abc import Iterable

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from maps.labels import Label, region_labels, short_name
from pages.components import data, state
from pages.components.i18n import t

__all__ = ["jump_target", "region_search", "render_map", "scope_labels", "search_options"]


def render_map(m: folium.Map, key: str, height: int = 560) -> dict:
    """Show ``m``; rerun only when a region is clicked (not on pan or zoom).

    Returns
    -------
    dict
        ``{"last_active_drawing": feature or None}`` from streamlit-folium.
    """
    return st_folium(m, key=key, height=height, use_container_width=True,
                     returned_objects=["last_active_drawing"]) or {}


def scope_labels(codes: Iterable[str], level: str = "kab") -> list[Label]:
    """Name labels for the regions ``codes`` of ``level`` (``"kab"`` or ``"kec"``)."""
    return region_labels(data.region_list(level), list(codes), kind=level)


def search_options(kab: pd.DataFrame, kec: pd.DataFrame) -> dict[str, str]:
    """``{kode: text}`` for the search box: kabupaten/kota first, then their kecamatan.

    Parameters
    ----------
    kab : pandas.DataFrame
        Kabupaten/kota in scope (``kode, nama``).
    kec : pandas.DataFrame
        Kecamatan (``kode, nama, kode_induk``); only those inside ``kab`` are offered.
    """
    names = dict(zip(kab["kode"], kab["nama"]))
    options = {k: f"{n} ({k})" for k, n in names.items()}
    inside = kec.loc[kec["kode_induk"].isin(names)]
    for code, nama, parent in inside[["kode", "nama", "kode_induk"]].itertuples(index=False):
        options[code] = f"Kec. {nama}, {short_name(names[parent])} ({code})"
    return options


def jump_target(code: str, known_kab: Iterable[str]) -> tuple[str | None, str | None]:
    """``(kabupaten, kecamatan)`` to select for a searched code; ``(None, None)`` outside ``known_kab``.

    >>> jump_target("63.72.03", {"63.72"})
    ('63.72', '63.72.03')
    >>> jump_target("63.72", {"63.72"})
    ('63.72', None)
    >>> jump_target("63.71", {"63.72"})
    (None, None)
    """
    parts = str(code).split(".")
    kab = ".".join(parts[:2])
    if len(parts) < 2 or kab not in set(known_kab):
        return None, None
    return kab, (code if len(parts) >= 3 else None)


def region_search(kab: pd.DataFrame, key: str, label: str = "Cari wilayah") -> None:
    """A search box over the kabupaten/kota of ``kab`` and their kecamatan: choosing one selects
    it (``state.SELECTED_KAB``, and ``state.FOCUS_KEC`` for a kecamatan), which frames the map on it;
    the box then empties itself."""
    options = search_options(kab, data.region_list("kec"))
    st.selectbox(label, list(options), index=None, format_func=options.get, key=key,
                 placeholder=t("Ketik nama kabupaten/kota atau kecamatan…"),
                 on_change=_jump, args=(key, frozenset(kab["kode"])))


def _jump(key: str, known: frozenset[str]) -> None:
    code = st.session_state.get(key)
    if code is None:
        return
    kab, kec = jump_target(code, known)
    if kab is not None:
        st.session_state[state.SELECTED_KAB] = kab
        st.session_state[state.FOCUS_KEC] = kec
    st.session_state[key] = None
