"""Build the Peta Potensi Konflik: a folium choropleth of one measure per region.

Pure builder: GeoDataFrames and values in, a ``folium.Map`` out (rendering lives in
``pages/components/maps.py``). All text in tooltips, popups, labels and the legend goes through
:func:`maps.escape.escape_text`; the map loads only local assets (:func:`maps.assets.localize`).

A region drawn but not in the layer's frame lies outside the user's scope (a kabupaten office sees
the rest of its province for orientation): it is grey context marked *di luar cakupan*, never a
value of zero.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement, Template
from folium.plugins import HeatMap, MarkerCluster

from lang import day, number
from maps.assets import localize
from maps.escape import escape_text
from maps.labels import Label, RegionLabels

__all__ = ["CONTEXT_COLOR", "OUT_OF_SCOPE", "PALETTE", "ChoroplethLayer", "bounds_of", "build_map",
           "choropleth_features", "display_geojson"]

#: Colours for class 0 (no incident) and classes 1..5, light to dark (ColorBrewer YlOrRd).
PALETTE = ("#f2f2f2", "#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Regions drawn for orientation only (outside the user's scope): neutral grey, no value.
CONTEXT_COLOR = "#c8c8c8"
OUT_OF_SCOPE = "di luar cakupan"
INDONESIA_BOUNDS = [[-11.2, 94.9], [6.2, 141.1]]
_TOOLTIP_FIELDS = ["nama", "kode", "nilai_teks", "kelas"]
_TOOLTIP_ALIASES = ["Wilayah", "Kode", "Nilai", "Kelas"]


@dataclass(frozen=True)
class ChoroplethLayer:
    """Per-region values and classes ready to draw.

    ``frame`` holds ``kode, nama, nilai, kelas_idx`` (class index into ``labels``).
    """

    frame: pd.DataFrame
    labels: tuple[str, ...]
    title: str
    colors: tuple[str, ...] | None = None  # one per label; default PALETTE

    @property
    def palette(self) -> tuple[str, ...]:
        return self.colors or PALETTE


def display_geojson(display: gpd.GeoDataFrame) -> dict:
    """Geometry-only GeoJSON of a display copy (``kode``/``nama`` escaped); cache it, it never changes."""
    frame = display[["kode", "nama", "geometry"]].copy()
    frame["nama"] = [escape_text(n) for n in frame["nama"]]
    frame["kode"] = [escape_text(k) for k in frame["kode"]]
    return json.loads(frame.to_json(drop_id=True))


def choropleth_features(base: dict, layer: ChoroplethLayer, unit: str = "", *, lang: str = "id") -> dict:
    """``base`` (from :func:`display_geojson`) with this layer's escaped values and colours.

    Only the properties are rebuilt, so a filter change does not re-serialise geometry. A
    feature whose ``kode`` is not in ``layer.frame`` is outside the scope: it becomes grey context
    (``konteks`` true, class :data:`OUT_OF_SCOPE`, value ``—``), never a zero.
    """
    values = layer.frame.set_index("kode")
    nilai = values["nilai"].to_dict()
    kelas = values["kelas_idx"].to_dict()
    features = []
    for feature in base["features"]:
        props = feature["properties"]
        code = props["kode"]
        if code in kelas:
            idx = int(kelas[code])
            shown = {
                "warna": layer.palette[min(idx, len(layer.palette) - 1)],
                "nilai_teks": escape_text(_fmt_value(float(nilai.get(code, 0.0)), unit, lang)),
                "kelas": escape_text(layer.labels[idx]) if idx < len(layer.labels) else "",
                "konteks": False,
            }
        else:
            shown = {"warna": CONTEXT_COLOR, "nilai_teks": "—", "kelas": OUT_OF_SCOPE, "konteks": True}
        features.append({
            "type": "Feature",
            "geometry": feature["geometry"],
            "properties": {"kode": code, "nama": props["nama"], **shown},
        })
    return {"type": "FeatureCollection", "features": features}


def bounds_of(features: dict, codes: Iterable[str] | None = None) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` around the features whose ``kode`` is in ``codes``.

    Parameters
    ----------
    features : dict
        A GeoJSON FeatureCollection with a ``kode`` property (from :func:`display_geojson` or
        :func:`choropleth_features`).
    codes : iterable of str, optional
        The regions to frame (default: every feature).

    Returns
    -------
    list or None
        None when no feature matches.
    """
    wanted = None if codes is None else set(codes)
    south = west = float("inf")
    north = east = float("-inf")
    for feature in features["features"]:
        if wanted is not None and feature["properties"].get("kode") not in wanted:
            continue
        for lon, lat in _positions(feature["geometry"]["coordinates"]):
            south, north = min(south, lat), max(north, lat)
            west, east = min(west, lon), max(east, lon)
    if south == float("inf"):
        return None
    return [[south, west], [north, east]]


def _positions(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords[0], coords[1]
        return
    for part in coords:
        yield from _positions(part)


def build_map(
    features: dict,
    layer: ChoroplethLayer,
    *,
    bounds=None,
    kecamatan: dict | None = None,
    legend: ChoroplethLayer | None = None,
    points: pd.DataFrame | None = None,
    cluster: bool = True,
    heat: bool = False,
    tiles: str | None = None,
    labels: Sequence[Label] = (),
    lang: str = "id",
) -> folium.Map:
    """Assemble the map.

    Parameters
    ----------
    features : dict
        From :func:`choropleth_features`.
    layer : ChoroplethLayer
        Supplies the legend title and class labels.
    bounds : list, optional
        ``[[south, west], [north, east]]`` to zoom to (default: all of Indonesia).
    kecamatan : dict, optional
        Kecamatan of a selected kabupaten, from :func:`choropleth_features` (drawn on top).
    legend : ChoroplethLayer, optional
        The layer the legend explains (default ``layer``; pass the kecamatan layer when drawn).
    points : pandas.DataFrame, optional
        Incidents with ``lat, lon, judul, tgl_mulai, kategori``; drawn clustered and/or as heat.
    tiles : str, optional
        ``"OpenStreetMap"`` to add a tile background (needs internet); default none.
    labels : sequence of maps.labels.Label, optional
        Region names written on the map, each from the zoom where it fits.
    lang : str
        Language of dates in popups.
    """
    m = folium.Map(location=[-2.5, 118.0], zoom_start=5, tiles=tiles, control_scale=False,
                   prefer_canvas=False, min_zoom=4, max_bounds=True,
                   maxZoom=18, minZoom=4,  # on the map itself: no tile layer carries them
                   zoomSnap=0.25)  # fit_bounds frames a region closely, not at the next whole zoom out
    folium.GeoJson(
        features,
        name=escape_text(layer.title),
        style_function=_style,
        highlight_function=lambda _: {"weight": 2.5, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(fields=_TOOLTIP_FIELDS, aliases=_TOOLTIP_ALIASES, sticky=False),
        smooth_factor=0.5,
    ).add_to(m)
    if kecamatan is not None:
        folium.GeoJson(
            kecamatan, name="Kecamatan",
            style_function=_kecamatan_style,
            highlight_function=lambda _: {"weight": 2.5, "color": "#222222"},
            tooltip=folium.GeoJsonTooltip(fields=_TOOLTIP_FIELDS, aliases=["Kecamatan", "Kode", "Nilai", "Kelas"]),
        ).add_to(m)
    if labels:
        RegionLabels(labels).add_to(m)
    if points is not None and len(points):
        _add_points(m, points, cluster=cluster, heat=heat, lang=lang)
    shown = legend or layer
    items = [(c, escape_text(lbl)) for c, lbl in zip(shown.palette, shown.labels) if lbl]
    if any(f["properties"].get("konteks") for f in features["features"]):
        items.append((CONTEXT_COLOR, escape_text(OUT_OF_SCOPE)))
    _Legend(escape_text(shown.title), [i[1] for i in items], [i[0] for i in items]).add_to(m)
    if tiles is not None or kecamatan is not None or (points is not None and len(points)):
        folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds(bounds or INDONESIA_BOUNDS, padding=(16, 16))
    return localize(m)


def _style(feature):
    if feature["properties"].get("konteks"):
        return {"fillColor": CONTEXT_COLOR, "fillOpacity": 0.55, "color": "#9a9a9a", "weight": 0.4}
    return {"fillColor": feature["properties"]["warna"], "fillOpacity": 0.85, "color": "#7a7a7a", "weight": 0.4}


def _kecamatan_style(feature):
    if feature["properties"].get("fokus"):  # the kecamatan a search jumped to
        return {"fillColor": feature["properties"]["warna"], "fillOpacity": 0.9, "color": "#000000", "weight": 3}
    return {"fillColor": feature["properties"]["warna"], "fillOpacity": 0.9, "color": "#333333",
            "weight": 0.8, "dashArray": "3"}


def _add_points(m, points: pd.DataFrame, *, cluster: bool, heat: bool, lang: str = "id") -> None:
    located = points.dropna(subset=["lat", "lon"])
    if heat:
        HeatMap(located[["lat", "lon"]].to_numpy().tolist(), name="Kepadatan insiden (heat)",
                radius=12, blur=15, min_opacity=0.3).add_to(m)
    if cluster:
        group = MarkerCluster(name="Titik insiden", options={"disableClusteringAtZoom": 12}).add_to(m)
        for row in located.itertuples(index=False):
            when = pd.to_datetime(row.tgl_mulai, errors="coerce")
            when = day(when.date(), lang=lang) if pd.notna(when) else str(row.tgl_mulai)
            text = f"<b>{escape_text(row.judul)}</b><br>{escape_text(when)} · {escape_text(row.kategori)}"
            folium.CircleMarker(
                location=[row.lat, row.lon], radius=5, weight=1, color="#5a0013", fill=True,
                fill_color="#bd0026", fill_opacity=0.8,
                popup=folium.Popup(text, max_width=280),
            ).add_to(group)


def _fmt_value(value: float, unit: str, lang: str = "id") -> str:
    text = number(value, 0 if float(value).is_integer() else 2, lang=lang)
    return f"{text} {unit}".strip()


class _Legend(MacroElement):
    """A static HTML legend (no d3/branca colormap, so nothing loads from a CDN)."""

    _template = Template("""
    {% macro html(this, kwargs) %}
    <div style="position:absolute;top:10px;right:10px;z-index:9999;background:rgba(255,255,255,.92);
                padding:8px 10px;border-radius:6px;font:12px/1.4 sans-serif;box-shadow:0 1px 4px #0004;">
      <div style="font-weight:600;margin-bottom:4px">{{ this.title }}</div>
      {% for color, label in this.items %}
      <div><span style="display:inline-block;width:14px;height:12px;background:{{ color }};
            border:1px solid #999;margin-right:6px;vertical-align:middle"></span>{{ label }}</div>
      {% endfor %}
    </div>
    {% endmacro %}
    {% macro script(this, kwargs) %}
    L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
    {% endmacro %}
    """)

    def __init__(self, title: str, labels: list[str], palette=PALETTE):
        super().__init__()
        self._name = "Legenda"
        self.title = title
        self.items = list(zip(palette, labels))
