"""Display copies of the coverage for web maps: simplified together, so neighbours keep
their shared borders, at a few levels of detail.

Only these copies are simplified and have their coordinates rounded; joins and point
assignment always use the full cleaned geometry.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["DETAIL", "load_display", "simplify_coverage", "to_geojson", "write_display_copies"]

#: Simplification tolerance (degrees) per level of detail; 0.01° ≈ 1.1 km.
DETAIL = {"rendah": 0.02, "sedang": 0.005, "tinggi": 0.0015}
#: Decimals kept in display coordinates per level (5 decimals ≈ 1 m).
PRECISION = {"rendah": 3, "sedang": 4, "tinggi": 5}
#: Island parts smaller than this (km²) are left out of a display copy; a region always keeps
#: its largest part, so no region disappears from a map.
MIN_PART_KM2 = {"rendah": 25.0, "sedang": 1.0, "tinggi": 0.0}
_KM2_PER_DEG2 = 12_300.0  # near the equator; only used to pick which islets to draw
#: Which levels of detail are written for which layer.
LAYER_DETAIL = {"prov": ("rendah", "sedang"), "kab": ("rendah", "sedang", "tinggi"), "kec": ("sedang", "tinggi")}


def simplify_coverage(regions: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Simplify a coverage as a whole (``shapely.coverage_simplify``): shared edges stay shared."""
    out = regions.copy()
    out["geometry"] = shapely.coverage_simplify(regions.geometry.to_numpy(), tolerance, simplify_boundary=True)
    return out


def _round(geoms: np.ndarray, decimals: int) -> np.ndarray:
    # Same input coordinate → same rounded coordinate, so shared vertices stay shared.
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def _drop_small_parts(geoms: np.ndarray, min_area: float) -> np.ndarray:
    if min_area <= 0:
        return geoms
    parts, owner = shapely.get_parts(geoms, return_index=True)
    area = shapely.area(parts)
    largest = np.zeros(len(geoms))
    np.maximum.at(largest, owner, area)
    keep = (area >= min_area) | (area == largest[owner])
    out = np.empty(len(geoms), dtype=object)
    for i in range(len(geoms)):
        mine = parts[keep & (owner == i)]
        out[i] = mine[0] if len(mine) == 1 else shapely.multipolygons(mine)
    return out


def write_display_copies(layers: dict[str, gpd.GeoDataFrame], directory: Path) -> None:
    """Write ``{layer}_{detail}.parquet`` display copies (kode, nama and geometry only)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for layer, details in LAYER_DETAIL.items():
        for detail in details:
            simple = simplify_coverage(layers[layer][["kode", "nama", "geometry"]], DETAIL[detail])
            geoms = _drop_small_parts(simple.geometry.to_numpy(), MIN_PART_KM2[detail] / _KM2_PER_DEG2)
            simple["geometry"] = _round(geoms, PRECISION[detail])
            simple.to_parquet(directory / f"{layer}_{detail}.parquet", index=False)


def load_display(layer: str, detail: str, directory: Path | None = None) -> gpd.GeoDataFrame:
    """A display copy written by :func:`write_display_copies`."""
    from settings import boundary_dir

    if detail not in LAYER_DETAIL.get(layer, ()):
        allowed = {k: list(v) for k, v in LAYER_DETAIL.items()}
        raise ValueError(f"salinan tampilan tidak ada untuk {layer!r}/{detail!r} (tersedia: {allowed})")
    path = Path(directory or boundary_dir()) / "web" / f"{layer}_{detail}.parquet"
    return gpd.read_parquet(path)


def to_geojson(frame: gpd.GeoDataFrame, properties: list[str]) -> dict:
    """A GeoJSON FeatureCollection with only ``properties`` copied (values must be escaped already)."""
    return json.loads(frame[properties + ["geometry"]].to_json(drop_id=True))
