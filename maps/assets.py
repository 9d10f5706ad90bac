"""Serve Leaflet and plugin assets from the app itself (no CDN, works offline).

Streamlit's static serving (``server.enableStaticServing``) publishes ``static/`` at
``/app/static/``; the streamlit-folium iframe is same-origin, so these paths load there.
"""

from __future__ import annotations

import folium
from folium.plugins import HeatMap, MarkerCluster

__all__ = ["LOCAL_CSS", "LOCAL_JS", "STATIC_URL", "localize"]

STATIC_URL = "/app/static/vendor"
_LEAFLET = f"{STATIC_URL}/leaflet-1.9.3"
_CLUSTER = f"{STATIC_URL}/leaflet.markercluster-1.1.0"

#: What each element class loads, by folium's own asset names.
LOCAL_JS = {
    # folium's Popup builds its element with jQuery
    folium.Map: [("leaflet", f"{_LEAFLET}/leaflet.js"), ("jquery", f"{STATIC_URL}/jquery-3.7.1/jquery.min.js")],
    MarkerCluster: [("markerclusterjs", f"{_CLUSTER}/leaflet.markercluster.js")],
    HeatMap: [("leaflet-heat.js", f"{STATIC_URL}/leaflet.heat/leaflet_heat.min.js")],
}
LOCAL_CSS = {
    folium.Map: [("leaflet_css", f"{_LEAFLET}/leaflet.css")],
    MarkerCluster: [
        ("markerclustercss", f"{_CLUSTER}/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{_CLUSTER}/MarkerCluster.Default.css"),
    ],
    HeatMap: [],
}


def localize(m: folium.Map) -> folium.Map:
    """Point every element of ``m`` at the local assets; refuse elements we cannot serve.

    Bootstrap and Font Awesome (folium's defaults for icons) are dropped: SIGAP's maps use
    circle markers and plain HTML, which need only Leaflet and jQuery (folium's popups).

    Raises
    ------
    ValueError
        If the map holds an element whose assets SIGAP does not serve locally.
    """
    for element in _walk(m):
        own = type(element)
        if own in LOCAL_JS:
            element.default_js = list(LOCAL_JS[own])
            element.default_css = list(LOCAL_CSS[own])
        elif getattr(element, "default_js", None) or getattr(element, "default_css", None):
            raise ValueError(
                f"elemen peta {own.__name__} memuat aset dari internet; tambahkan ke maps/assets.py"
            )
    return m


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)
