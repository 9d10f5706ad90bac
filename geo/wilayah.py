"""Read the upstream ``wilayah_boundaries`` SQL dump format.

The files are MySQL ``INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES (...)``
statements (see ``../shared/boundaries/README.md``). Their quirks, all handled here:

* coordinates are ``[lat, lng]`` (the reverse of GeoJSON);
* ``path`` nests as a Polygon (``[[[lat,lng],...]]``) or a MultiPolygon (``[[[[lat,lng],...]]]``);
* whitespace between fields varies between files (province 63 writes ``,  ``);
* names escape apostrophes SQL-style (``'Ma''U'`` is ``Ma'U``);
* rings may be degenerate or self-intersecting (repaired in :mod:`geo.clean`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["WilayahParseError", "WilayahRow", "parse_wilayah_sql", "path_to_geometry"]

# One VALUES tuple: ('kode','nama',lat,lng,'path'). Whitespace between fields is free;
# '' inside a quoted string is an escaped apostrophe.
_ROW = re.compile(
    r"\(\s*'(?P<kode>[0-9.]+)'\s*,\s*'(?P<nama>(?:[^']|'')*)'\s*,"
    r"\s*(?P<lat>[-+0-9.eE]+)\s*,\s*(?P<lng>[-+0-9.eE]+)\s*,\s*'(?P<path>[^']*)'\s*\)",
)
_TUPLE_START = re.compile(r"\(\s*'[0-9.]+'")


class WilayahParseError(ValueError):
    """A boundary file or one of its regions could not be read."""


@dataclass(frozen=True)
class WilayahRow:
    """One region as written upstream: code, name, centroid and path (still ``[lat, lng]``)."""

    kode: str
    nama: str
    lat: float
    lng: float
    path: str


def parse_wilayah_sql(text: str, source: str = "<teks>") -> list[WilayahRow]:
    """Parse every region tuple of one upstream SQL file.

    Parameters
    ----------
    text : str
        Content of one ``wilayah_boundaries_*.sql`` file.
    source : str
        File name used in error messages.

    Returns
    -------
    list of WilayahRow

    Raises
    ------
    WilayahParseError
        If the file holds no region, or if a tuple that starts like a region cannot be
        read completely (the message names the file and the region code).
    """
    rows = []
    starts = [m.start() for m in _TUPLE_START.finditer(text)]
    for start in starts:
        match = _ROW.match(text, start)
        if match is None:
            kode = text[start:start + 40].split("'")[1]
            raise WilayahParseError(
                f"{source}: wilayah {kode} tidak dapat dibaca (format baris tidak dikenal)"
            )
        rows.append(
            WilayahRow(
                kode=match["kode"],
                nama=match["nama"].replace("''", "'").strip(),
                lat=float(match["lat"]),
                lng=float(match["lng"]),
                path=match["path"],
            )
        )
    if not rows:
        raise WilayahParseError(f"{source}: tidak ada data wilayah di berkas ini")
    return rows


def path_to_geometry(path: str, kode: str = "?", source: str = "<teks>") -> shapely.Geometry:
    """Turn an upstream ``[lat, lng]`` path into a shapely geometry in ``(lng, lat)`` order.

    The nesting depth decides the type: depth 3 is a Polygon, depth 4 a MultiPolygon.
    The result is not repaired here; see :func:`geo.clean.repair`.

    Raises
    ------
    WilayahParseError
        If the path is not JSON, is empty, or nests at an unexpected depth.
    """
    try:
        coords = json.loads(path)
    except json.JSONDecodeError as exc:
        raise WilayahParseError(f"{source}: wilayah {kode}: path bukan JSON yang sah ({exc})") from exc
    depth = _depth(coords)
    if depth == 3:
        polygons = [coords]
    elif depth == 4:
        polygons = coords
    else:
        raise WilayahParseError(
            f"{source}: wilayah {kode}: kedalaman path {depth} tidak dikenal (harus 3 atau 4)"
        )
    parts = [_polygon(rings) for rings in polygons]
    parts = [p for p in parts if p is not None]
    if not parts:
        raise WilayahParseError(f"{source}: wilayah {kode}: path tidak berisi poligon")
    return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]


def _depth(value) -> int:
    depth = 0
    while isinstance(value, list) and value:
        depth += 1
        value = value[0]
    return depth


def _polygon(rings):
    """Build one polygon from ``[lat, lng]`` rings; rings with < 3 distinct points are dropped."""
    shells = []
    for ring in rings:
        arr = np.asarray(ring, dtype=float)
        if arr.ndim != 2 or arr.shape[1] < 2 or len(np.unique(arr[:, :2], axis=0)) < 3:
            continue
        shells.append(arr[:, [1, 0]])  # [lat, lng] -> (x=lng, y=lat)
    if not shells:
        return None
    return shapely.Polygon(shells[0], holes=shells[1:])
