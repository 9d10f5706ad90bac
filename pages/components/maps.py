"""Render folium maps in Streamlit (the only place that calls ``st_folium``)."""

from __future__ import annotations

import folium
from streamlit_folium import st_folium


def render_map(m: folium.Map, key: str, height: int = 560) -> dict:
    """Show ``m``; rerun only when a region is clicked (not on pan or zoom).

    Returns
    -------
    dict
        ``{"last_active_drawing": feature or None}`` from streamlit-folium.
    """
    return st_folium(m, key=key, height=height, use_container_width=True,
                     returned_objects=["last_active_drawing"]) or {}
