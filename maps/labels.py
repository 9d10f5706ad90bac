"""Permanent region names on the map, each shown only from the zoom where it fits.

Folium tooltips appear on hover only; an analyst reading a province wants the names written on
the map. Each label is a non-interactive Leaflet ``divIcon`` marker (clicks go through to the
region underneath), and a small local script adds or removes it on every zoom, so a national map
shows no names and a province shows its kabupaten/kota. No CDN: the script and its CSS are part
of the map's own HTML. Label text goes through :func:`maps.escape.escape_text`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from branca.element import MacroElement, Template

from maps.escape import escape_text

__all__ = ["KAB_ZOOM", "KEC_ZOOM", "Label", "RegionLabels", "label_min_zoom", "region_labels", "short_name"]

#: (floor, ceiling) of the zoom at which labels appear: never on the national overview (zoom 4–5),
#: and always from the ceiling on, however small the region.
KAB_ZOOM = (7, 11)
KEC_ZOOM = (9, 14)
_CHAR_PX = 6.2          # average width of one character at 11 px (sans-serif, semi-bold)
_KM_PER_DEGREE = 111.32
_FIT = 0.8              # a label may overhang its region by a little: neighbours' labels are as far apart
_PREFIXES = ((re.compile(r"^Kabupaten (Administrasi )?"), ""), (re.compile(r"^Kota Administrasi "), "Kota "))


@dataclass(frozen=True)
class Label:
    """One region name at its representative point, shown from ``min_zoom`` on."""

    text: str
    lat: float
    lon: float
    min_zoom: int
    kind: str = "kab"   # CSS class suffix: "kab" or "kec"


def short_name(nama: str) -> str:
    """A kabupaten's name as maps write it: without ``Kabupaten`` (a kota keeps ``Kota``).

    >>> short_name("Kabupaten Tanah Laut"), short_name("Kota Banjarbaru")
    ('Tanah Laut', 'Kota Banjarbaru')
    >>> short_name("Kota Administrasi Jakarta Selatan")
    'Kota Jakarta Selatan'
    """
    text = str(nama)
    for pattern, replacement in _PREFIXES:
        text = pattern.sub(replacement, text)
    return text


def label_min_zoom(area_km2: float, text: str, zoom_range: tuple[int, int] = KAB_ZOOM) -> int:
    """The first zoom at which a region of ``area_km2`` is wide enough for ``text``.

    The region's width is taken as the side of a square of its area (a conservative guess for
    elongated regions); at Web Mercator zoom ``z`` one degree of longitude is ``256 · 2^z / 360``
    pixels. The result is clipped to ``zoom_range``.

    Examples
    --------
    >>> label_min_zoom(40_000, "Mamberamo Raya")    # a large Papuan kabupaten: as soon as allowed
    7
    >>> label_min_zoom(330, "Kota Banjarbaru")      # a small city: only when zoomed in
    10
    >>> label_min_zoom(3_700, "Banjar")             # a province's kabupaten: at province zoom
    7
    """
    floor, ceiling = zoom_range
    if not area_km2 or area_km2 <= 0 or not math.isfinite(area_km2):
        return ceiling
    width_deg = math.sqrt(area_km2) / _KM_PER_DEGREE
    needed_px = _FIT * _CHAR_PX * max(len(text), 4)
    zoom = math.ceil(math.log2(needed_px * 360 / (256 * width_deg)))
    return int(min(max(zoom, floor), ceiling))


def region_labels(regions: pd.DataFrame, codes: Sequence[str] | None = None, *,
                  kind: str = "kab", zoom_range: tuple[int, int] | None = None) -> list[Label]:
    """Labels for ``regions`` (``kode, nama, lat, lon, luas_km2``), optionally only ``codes``.

    Parameters
    ----------
    regions : pandas.DataFrame
        Region table rows; ``lat``/``lon`` is a point inside the region.
    codes : sequence of str, optional
        The regions to label, e.g. those in the user's scope (default: all rows).
    kind : {"kab", "kec"}
        Level, for the zoom range and the label style.
    zoom_range : tuple of int, optional
        Override :data:`KAB_ZOOM` / :data:`KEC_ZOOM`.
    """
    if kind not in ("kab", "kec"):
        raise ValueError(f"jenis label tidak dikenal: {kind!r} (pilihan: kab, kec)")
    zooms = zoom_range or (KAB_ZOOM if kind == "kab" else KEC_ZOOM)
    rows = regions if codes is None else regions.loc[regions["kode"].isin(set(codes))]
    rows = rows.dropna(subset=["lat", "lon"])
    labels = []
    for r in rows.itertuples(index=False):
        text = short_name(r.nama) if kind == "kab" else str(r.nama)
        area = float(r.luas_km2) if pd.notna(r.luas_km2) else 0.0
        labels.append(Label(text, float(r.lat), float(r.lon), label_min_zoom(area, text, zooms), kind))
    return labels


class RegionLabels(MacroElement):
    """The label layer: markers built in the browser from escaped data, toggled on ``zoomend``."""

    _template = Template("""
    {% macro header(this, kwargs) %}
    <style>
      .sigap-label{background:none;border:none}
      .sigap-label span{position:absolute;transform:translate(-50%,-50%);white-space:nowrap;pointer-events:none;
        font:600 11px/1.15 sans-serif;color:#1f1f1f;
        text-shadow:0 0 2px #fff,0 0 3px #fff,1px 1px 2px #fff,-1px -1px 2px #fff}
      .sigap-label.kec span{font:italic 500 10px/1.15 sans-serif;color:#303030}
    </style>
    {% endmacro %}
    {% macro script(this, kwargs) %}
    (function () {
      var map = {{ this._parent.get_name() }};
      var layer = L.layerGroup().addTo(map);
      var labels = {{ this.data }}.map(function (d) {
        var icon = L.divIcon({className: "sigap-label " + d[4], html: "<span>" + d[3] + "</span>", iconSize: null});
        return {zoom: d[2], marker: L.marker([d[0], d[1]], {icon: icon, interactive: false, keyboard: false})};
      });
      function update() {
        var z = map.getZoom();
        labels.forEach(function (l) {
          var shown = layer.hasLayer(l.marker);
          if (z >= l.zoom && !shown) { layer.addLayer(l.marker); }
          else if (z < l.zoom && shown) { layer.removeLayer(l.marker); }
        });
      }
      map.on("zoomend", update);
      map.whenReady(update);
    })();
    {% endmacro %}
    """)

    def __init__(self, labels: Sequence[Label]):
        super().__init__()
        self._name = "NamaWilayah"
        # escaped text inside JSON: no quote, backslash or angle bracket survives escape_text
        self.data = json.dumps([[round(lb.lat, 5), round(lb.lon, 5), int(lb.min_zoom), escape_text(lb.text),
                                 "kec" if lb.kind == "kec" else "kab"] for lb in labels])
