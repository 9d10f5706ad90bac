"""Repair upstream geometries and turn the kabupaten/kecamatan layers into one true coverage.

The upstream kabupaten layer is not a partition: neighbours overlap (about 935 pairs), small
gaps separate others, and some regions mix polygons with lines. The rule applied here, in order:

1. **Repair.** ``make_valid`` (structure method); only polygonal parts are kept (lines and points
   such as those in 96.01 are dropped and reported).
2. **Kecamatan coverage.** ``shapely.coverage_clean`` on the kecamatan layer: an overlap goes to the
   kecamatan that shares the longest border with it; gaps narrower than ``gap_width`` are filled.
3. **Kabupaten overlaps, decided by the kecamatan layer.** Each piece where two kabupaten overlap
   goes to the kabupaten whose own kecamatan cover more of it; with no evidence either way, to the
   lower code. The loser has the piece cut out.
4. **Kabupaten coverage.** ``coverage_clean`` again, for residual slivers and narrow gaps.
5. **Nesting.** Each kecamatan is clipped to its kabupaten; any part of a kabupaten that none of its
   kecamatan covers goes to the kecamatan of that kabupaten sharing the longest border with it (or
   the nearest one, for a detached islet).
6. **Hierarchy by construction.** Kabupaten = union of their kecamatan; provinces = union of their
   kabupaten. So a point's kecamatan always lies in its kabupaten, and both layers are coverages.

Land is what the upstream kabupaten layer covers, plus filled gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["CoverageReport", "build_coverage", "polygonal", "repair"]

#: Gaps narrower than this (degrees, ≈ 220 m) between neighbours are filled.
GAP_WIDTH = 0.002
_TINY = 1e-10  # deg² (≈ 1 m²): pieces smaller than this are numeric noise
_POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon
EQUAL_AREA_CRS = "EPSG:6933"


@dataclass
class CoverageReport:
    """What cleaning changed, for the install log and ``coverage_report.json``."""

    dropped_parts: dict[str, list[str]] = field(default_factory=dict)
    kab_overlap_pairs: int = 0
    kab_overlap_km2: float = 0.0
    decided_by_kecamatan: int = 0
    decided_by_code: int = 0
    kec_leftover_parts: int = 0
    kec_leftover_km2: float = 0.0
    changes: pd.DataFrame | None = None  # per region: luas_asal_km2, luas_km2, selisih_km2

    def summary(self) -> dict:
        """A JSON-ready summary (per-region changes excluded)."""
        return {
            "bagian_non_poligon_dibuang": self.dropped_parts,
            "pasangan_kabupaten_tumpang_tindih": self.kab_overlap_pairs,
            "luas_tumpang_tindih_km2": round(self.kab_overlap_km2, 1),
            "diputuskan_oleh_kecamatan": self.decided_by_kecamatan,
            "diputuskan_oleh_kode_terkecil": self.decided_by_code,
            "bagian_kabupaten_tanpa_kecamatan": self.kec_leftover_parts,
            "luas_bagian_tanpa_kecamatan_km2": round(self.kec_leftover_km2, 1),
        }


def polygonal(geom: shapely.Geometry) -> tuple[shapely.Geometry | None, list[str]]:
    """Keep the polygonal parts of ``geom``; return them and the type names dropped."""
    parts = shapely.get_parts(geom)
    keep = np.isin(shapely.get_type_id(parts), _POLYGONAL)
    dropped = sorted({p.geom_type for p in parts[~keep]})
    if not keep.any():
        return None, dropped
    kept = parts[keep]
    return (shapely.union_all(kept) if len(kept) > 1 else kept[0]), dropped


def repair(geoms: np.ndarray) -> tuple[np.ndarray, list[list[str]]]:
    """Make every geometry valid and polygonal; return them and what was dropped from each."""
    fixed = shapely.make_valid(np.asarray(geoms, dtype=object), method="structure", keep_collapsed=False)
    out, dropped = [], []
    for geom in fixed:
        poly, gone = polygonal(geom)
        out.append(poly)
        dropped.append(gone)
    return np.asarray(out, dtype=object), dropped


def build_coverage(kab: gpd.GeoDataFrame, kec: gpd.GeoDataFrame, gap_width: float = GAP_WIDTH):
    """Clean kabupaten and kecamatan layers into nested coverages (see the module docstring).

    Parameters
    ----------
    kab, kec : geopandas.GeoDataFrame
        Repaired layers (EPSG:4326) with a ``kode`` column; kecamatan codes start with their
        kabupaten code.
    gap_width : float
        Width (degrees) below which gaps between neighbours are filled.

    Returns
    -------
    kab_clean, kec_clean : geopandas.GeoDataFrame
        Same rows and columns, sorted by ``kode``, with cleaned geometries.
    report : CoverageReport
    """
    kab = kab.sort_values("kode").reset_index(drop=True)
    kec = kec.sort_values("kode").reset_index(drop=True)
    parent = kec["kode"].str[:5].to_numpy()
    kab_index = pd.Index(kab["kode"])
    if (missing := set(parent) - set(kab_index)):
        raise ValueError(f"kecamatan tanpa kabupaten induk: {sorted(missing)[:5]}")
    parent_idx = kab_index.get_indexer(parent)
    report = CoverageReport()

    kec_geoms = _clean(kec.geometry.to_numpy(), gap_width)
    kec_union = _group_union(kec_geoms, parent_idx, len(kab))
    kab_geoms = _resolve_overlaps(kab.geometry.to_numpy(), kec_union, report)
    kab_geoms = _clean(kab_geoms, gap_width)
    kec_geoms = _nest(kec_geoms, parent_idx, kab_geoms, report)
    kec_geoms = _clean(kec_geoms, 0.0)
    kab_final = _group_union(kec_geoms, parent_idx, len(kab))

    report.changes = _changes(kab, kab_final)
    kab_out = kab.copy()
    kab_out["geometry"] = kab_final
    kec_out = kec.copy()
    kec_out["geometry"] = kec_geoms
    return kab_out, kec_out, report


def _clean(geoms: np.ndarray, gap_width: float) -> np.ndarray:
    cleaned = shapely.coverage_clean(np.asarray(geoms, dtype=object), gap_width=gap_width)
    return np.asarray([polygonal(g)[0] if g is not None else None for g in cleaned], dtype=object)


def _group_union(geoms: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Union of the members of each group (members of a coverage: edges match exactly)."""
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(n + 1))
    out = []
    for g in range(n):
        members = geoms[order[bounds[g]:bounds[g + 1]]]
        members = members[~shapely.is_missing(members)]
        out.append(shapely.coverage_union_all(members) if len(members) else None)
    return np.asarray([polygonal(g)[0] if g is not None else None for g in out], dtype=object)


def _resolve_overlaps(geoms: np.ndarray, kec_union: np.ndarray, report: CoverageReport) -> np.ndarray:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    pieces = shapely.intersection(geoms[left], geoms[right])
    pieces = np.asarray([polygonal(p)[0] for p in pieces], dtype=object)
    area = shapely.area(pieces)
    real = ~shapely.is_missing(pieces) & (area > _TINY)
    left, right, pieces = left[real], right[real], pieces[real]
    evidence_left = shapely.area(shapely.intersection(pieces, kec_union[left]))
    evidence_right = shapely.area(shapely.intersection(pieces, kec_union[right]))
    # Lower code (left, since codes are sorted) wins ties and pieces without evidence.
    right_wins = evidence_right > evidence_left
    loser = np.where(right_wins, left, right)
    report.kab_overlap_pairs = int(len(pieces))
    report.kab_overlap_km2 = float(_km2(pieces).sum())
    report.decided_by_code = int(((evidence_left == 0) & (evidence_right == 0)).sum())
    report.decided_by_kecamatan = report.kab_overlap_pairs - report.decided_by_code
    out = geoms.copy()
    for idx in np.unique(loser):
        lost = shapely.union_all(pieces[loser == idx])
        out[idx] = polygonal(shapely.difference(out[idx], lost))[0]
    return out


def _nest(kec_geoms: np.ndarray, parent_idx: np.ndarray, kab_geoms: np.ndarray,
          report: CoverageReport) -> np.ndarray:
    """Clip each kecamatan to its kabupaten and hand uncovered kabupaten parts to a kecamatan."""
    clipped = shapely.intersection(kec_geoms, kab_geoms[parent_idx])
    clipped = np.asarray([polygonal(g)[0] for g in clipped], dtype=object)
    covered = _group_union_loose(clipped, parent_idx, len(kab_geoms))
    leftover = shapely.difference(kab_geoms, covered)
    parts, owner_kab = [], []
    for k, geom in enumerate(leftover):
        poly = polygonal(geom)[0] if geom is not None else None
        if poly is None:
            continue
        for part in shapely.get_parts(poly):
            if shapely.area(part) > _TINY:
                parts.append(part)
                owner_kab.append(k)
    if not parts:
        return clipped
    parts = np.asarray(parts, dtype=object)
    owner_kab = np.asarray(owner_kab)
    report.kec_leftover_parts = int(len(parts))
    report.kec_leftover_km2 = float(_km2(parts).sum())
    target = _best_neighbour(parts, owner_kab, clipped, parent_idx)
    out = clipped.copy()
    for idx in np.unique(target):
        out[idx] = polygonal(shapely.union_all(np.append(parts[target == idx], out[idx])))[0]
    return out


def _group_union_loose(geoms, groups, n):
    out = []
    for g in range(n):
        members = geoms[groups == g]
        members = members[~shapely.is_missing(members)]
        out.append(shapely.union_all(members) if len(members) else shapely.Polygon())
    return np.asarray(out, dtype=object)


def _best_neighbour(parts, owner_kab, kec_geoms, parent_idx) -> np.ndarray:
    """For each part, the kecamatan of the same kabupaten with the longest shared border."""
    tree = shapely.STRtree(kec_geoms)
    p_idx, k_idx = tree.query(shapely.buffer(parts, 1e-7), predicate="intersects")
    same = parent_idx[k_idx] == owner_kab[p_idx]
    p_idx, k_idx = p_idx[same], k_idx[same]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(parts[p_idx]), shapely.buffer(kec_geoms[k_idx], 1e-7))
    )
    target = np.full(len(parts), -1)
    best = np.full(len(parts), -1.0)
    for p, k, length in zip(p_idx, k_idx, shared):
        if length > best[p]:
            best[p], target[p] = length, k
    for p in np.flatnonzero(target < 0):  # detached islet: nearest kecamatan of the same kabupaten
        candidates = np.flatnonzero(parent_idx == owner_kab[p])
        target[p] = candidates[np.argmin(shapely.distance(kec_geoms[candidates], parts[p]))]
    return target


def _km2(geoms) -> np.ndarray:
    return gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6


def _changes(kab: gpd.GeoDataFrame, final: np.ndarray) -> pd.DataFrame:
    before = _km2(kab.geometry.to_numpy())
    after = _km2(final)
    return pd.DataFrame(
        {"kode": kab["kode"], "nama": kab["nama"], "luas_asal_km2": before.round(2),
         "luas_km2": after.round(2), "selisih_km2": (after - before).round(2)}
    )
