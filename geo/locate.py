"""Point → kabupaten/kecamatan assignment on a lookup grid, exact and vectorised.

Indonesia's bounding box is cut into cells of ``cell`` degrees. A cell that no region boundary
touches lies entirely inside one region (or entirely outside all): its answer is stored in the
grid and a point there needs no geometry test. Only points in *border* cells get the exact
test, against the few regions whose boundary passes near that cell.

Rules
-----
* A point on a border shared by several regions goes to the lowest Kemendagri code (the
  regions are sorted by code), so the answer is deterministic.
* A point in no region but within ``coast_km`` of one goes to the nearest region, with status
  ``"coast"``.
* Anything else is rejected with a reason: ``rejected:koordinat_tidak_sah``,
  ``rejected:di_luar_indonesia`` (outside the bounding box) or ``rejected:jauh_dari_daratan``.

Loading: the install writes each level's grid, its polygons (as flat coordinate arrays) and its
coast pieces as ``.npy`` files in ``locator/`` beside the GeoParquet (:func:`write_locator_cache`);
:func:`load_locator` memory-maps them, so a new process is ready in milliseconds and reads only
the grid pages its points touch. An older install without them gets them written once.

Why the grid is exact: boundaries are densified so no segment is longer than ``cell / 2``, and
every cell in the bounding box of a segment is marked as a border cell, so any cell a boundary
crosses is marked. A marked cell's candidates are the regions whose segments marked it plus the
region holding its centre: a region meeting the cell either crosses it (and marked it) or holds
all of it. Unmarked cells form connected areas that no boundary crosses; one point-in-polygon
test per area classifies all its cells.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from settings import boundary_dir

if TYPE_CHECKING:  # geopandas and scipy only build grids (at install), never on the locate path
    import geopandas as gpd

__all__ = ["BBOX", "CACHE_DIR", "Grid", "LocateResult", "Locator", "build_grid", "load_locator",
           "write_locator_cache"]

#: lon_min, lat_min, lon_max, lat_max: Indonesia with a margin.
BBOX = (94.0, -12.0, 142.0, 7.0)
KM_PER_DEGREE = 111.32
_FAR = -1          # sea or foreign land farther than the coast margin from every region
_NEAR = -2         # outside every region but within the coast margin: nearest-region test
_BORDER_BASE = -3  # border cell r is stored as -3 - r

#: Status codes of :class:`LocateResult` and their labels.
STATUS_LABELS = (
    "inside",
    "coast",
    "rejected:jauh_dari_daratan",
    "rejected:di_luar_indonesia",
    "rejected:koordinat_tidak_sah",
)
INSIDE, COAST, FAR_FROM_LAND, OUTSIDE_BBOX, INVALID = range(5)


@dataclass(frozen=True)
class Grid:
    """A lookup grid over one layer of regions."""

    codes: np.ndarray        # region codes, sorted; a region's index is its position here
    cells: np.ndarray        # int32 (ny, nx): region index, -1 far, -2 near coast, <= -3 border row
    border_ptr: np.ndarray   # CSR offsets into border_idx, one row per border cell
    border_idx: np.ndarray   # candidate region indices per border cell (ascending)
    x0: float
    y0: float
    cell: float
    coast_km: float

    @classmethod
    def load(cls, path: Path) -> Grid:
        """Read the ``grid_{level}.npz`` of an install older than the ``locator/`` files."""
        with np.load(path, allow_pickle=False) as data:
            x0, y0, cell, coast_km = data["meta"]
            return cls(codes=data["codes"].astype(object), cells=data["cells"],
                       border_ptr=data["border_ptr"], border_idx=data["border_idx"],
                       x0=float(x0), y0=float(y0), cell=float(cell), coast_km=float(coast_km))


def build_grid(regions: gpd.GeoDataFrame, cell: float = 0.01, bbox=BBOX, coast_km: float = 5.0) -> Grid:
    """Build the lookup grid for a coverage of regions.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        A coverage (no overlaps) in EPSG:4326 with a ``kode`` column.
    cell : float
        Cell size in degrees (0.01° ≈ 1.1 km).
    coast_km : float
        Widest coast margin a :class:`Locator` may use with this grid; sea cells farther than
        this from every region are rejected without any geometry test.
    """
    regions = regions.sort_values("kode").reset_index(drop=True)
    geoms = regions.geometry.to_numpy()
    x0, y0, x1, y1 = bbox
    nx, ny = int(np.ceil((x1 - x0) / cell)), int(np.ceil((y1 - y0) / cell))

    border_cells, owners = _border_pairs(geoms, cell, x0, y0, nx, ny)
    cells = np.full((ny, nx), _FAR, dtype=np.int32)
    flat = cells.reshape(-1)
    flat[border_cells] = _BORDER_BASE - np.arange(len(border_cells), dtype=np.int32)
    ptr = np.searchsorted(owners[0], np.arange(len(border_cells) + 1))
    _fill_interior(cells, geoms, cell, x0, y0)
    _mark_near_coast(cells, coast_km, cell)
    return Grid(codes=regions["kode"].to_numpy(dtype=object), cells=cells, border_ptr=ptr.astype(np.int64),
                border_idx=owners[1].astype(np.int32), x0=x0, y0=y0, cell=cell, coast_km=coast_km)


def _border_pairs(geoms, cell, x0, y0, nx, ny):
    """Unique (border cell, region) pairs: the cells each boundary segment can pass through.

    Boundaries are densified so no segment is longer than ``cell / 2``; a segment then lies in
    the cells spanned by its bounding box (at most 2 × 2, 3 × 3 with the rounding margin).
    """
    lines = shapely.segmentize(shapely.boundary(geoms), max_segment_length=cell / 2)
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    # consecutive vertices of the same part form a segment; part breaks are masked out below
    parts = shapely.get_parts(lines, return_index=False)
    part_sizes = shapely.get_num_coordinates(parts)
    part_end = np.cumsum(part_sizes) - 1
    seg = np.ones(len(xy), dtype=bool)
    seg[part_end] = False  # vertex i starts a segment to i + 1 unless it closes its part
    a, b = xy[:-1][seg[:-1]], xy[1:][seg[:-1]]
    region = owner[:-1][seg[:-1]]
    eps = cell * 1e-6
    fx0 = np.floor((np.minimum(a[:, 0], b[:, 0]) - eps - x0) / cell).astype(np.int64)
    fx1 = np.floor((np.maximum(a[:, 0], b[:, 0]) + eps - x0) / cell).astype(np.int64)
    fy0 = np.floor((np.minimum(a[:, 1], b[:, 1]) - eps - y0) / cell).astype(np.int64)
    fy1 = np.floor((np.maximum(a[:, 1], b[:, 1]) + eps - y0) / cell).astype(np.int64)
    keys = []
    for dx in (0, 1, 2):
        for dy in (0, 1, 2):
            cx, cy = fx0 + dx, fy0 + dy
            ok = (cx <= fx1) & (cy <= fy1) & (cx >= 0) & (cx < nx) & (cy >= 0) & (cy < ny)
            keys.append(((cy[ok] * nx + cx[ok]) << 20) | region[ok])
    cell_id = np.concatenate(keys) >> 20
    # A marked cell may lie wholly inside a region whose boundary does not touch it (the box of
    # a segment is wider than the segment): add the region holding each marked cell's centre,
    # so every region that meets a marked cell is among its candidates.
    marked = np.unique(cell_id)
    cx = x0 + (marked % nx + 0.5) * cell
    cy = y0 + (marked // nx + 0.5) * cell
    pt, holder = shapely.STRtree(geoms).query(shapely.points(cx, cy), predicate="intersects")
    keys.append((marked[pt] << 20) | holder)
    pairs = np.unique(np.concatenate(keys))
    cell_id, region = pairs >> 20, pairs & ((1 << 20) - 1)
    border_cells, row = np.unique(cell_id, return_inverse=True)
    return border_cells, (row, region)


def _fill_interior(cells, geoms, cell, x0, y0):
    """Label connected non-border areas and classify each by one point-in-polygon test."""
    from scipy import ndimage

    labels, n = ndimage.label(cells == _FAR)
    if n == 0:
        return
    first = ndimage.minimum_position(np.ones_like(labels), labels, index=np.arange(1, n + 1))
    first = np.asarray(first)
    px = x0 + (first[:, 1] + 0.5) * cell
    py = y0 + (first[:, 0] + 0.5) * cell
    tree = shapely.STRtree(geoms)
    pt_idx, poly_idx = tree.query(shapely.points(px, py), predicate="intersects")
    owner = np.full(n + 1, _FAR, dtype=np.int32)
    owner[pt_idx + 1] = poly_idx
    mask = labels > 0
    cells[mask] = owner[labels[mask]]


def _mark_near_coast(cells, coast_km, cell):
    """Sea cells within ``coast_km`` (plus one cell) of any region get the nearest-region test."""
    from scipy import ndimage

    land = cells != _FAR
    reach = coast_km / (KM_PER_DEGREE * cell) + 1.5
    near = (ndimage.distance_transform_edt(~land) <= reach) & ~land
    cells[near] = _NEAR


@dataclass(frozen=True)
class LocateResult:
    """Per point: region index (-1 when rejected), status code and distance to the region (km).

    ``codes[index]`` is the region code; :attr:`kode` and :attr:`status` give the labels.
    """

    index: np.ndarray        # int64, -1 when rejected
    status_code: np.ndarray  # int8, see STATUS_LABELS
    distance_km: np.ndarray  # 0 inside, km to the region for "coast", NaN when rejected
    codes: np.ndarray = field(repr=False)

    @property
    def kode(self) -> np.ndarray:
        """Region code per point (None when rejected)."""
        out = self.codes[np.maximum(self.index, 0)].astype(object)
        out[self.index < 0] = None
        return out

    @property
    def status(self) -> np.ndarray:
        """Status label per point: inside, coast or rejected:<reason>."""
        return np.asarray(STATUS_LABELS, dtype=object)[self.status_code]


class Locator:
    """Assign points to kabupaten and kecamatan with the installed grids.

    Use :func:`load_locator` to build one from the installed boundaries.
    """

    def __init__(self, grids: dict[str, Grid], geoms: dict[str, np.ndarray], coast_km: float = 5.0,
                 pieces: dict | None = None):
        widest = min(grid.coast_km for grid in grids.values())
        if coast_km > widest:
            raise ValueError(f"coast_km={coast_km} melebihi margin grid ({widest} km); bangun ulang grid")
        self.grids, self.coast_km = grids, coast_km
        self.geoms = {level: np.asarray(array, dtype=object) for level, array in geoms.items()}
        for array in self.geoms.values():
            shapely.prepare(array)
        # Points sent to the nearest-region test lie outside every region, so their distance
        # to a region is their distance to its boundary: query short boundary pieces instead of
        # whole (island multi)polygons, whose distance would walk every vertex. Only the pieces of
        # regions whose bounding box lies within the margin of a point are made into a tree.
        self._pieces = dict(pieces or {})
        self._boxes: dict[str, shapely.STRtree] = {}

    def _region_boxes(self, level: str) -> shapely.STRtree:
        if level not in self._boxes:
            self._boxes[level] = shapely.STRtree(shapely.box(*shapely.bounds(self.geoms[level]).T))
        return self._boxes[level]

    def _coast_pieces(self, level: str, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(boundary pieces, region index) of ``regions``; all pieces are cut once when no cache gave them."""
        if level not in self._pieces:
            self._pieces[level] = _boundary_pieces(self.geoms[level])
        source = self._pieces[level]
        if isinstance(source, _RaggedPieces):
            return source.select(regions)
        lines, owner = source
        keep = np.isin(owner, regions)
        return lines[keep], owner[keep]

    def locate_level(self, lon, lat, level: str = "kab") -> LocateResult:
        """Assign each point to one region of ``level`` (``"kab"`` or ``"kec"``)."""
        grid, geoms = self.grids[level], self.geoms[level]
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        ny, nx = grid.cells.shape
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - grid.x0) / grid.cell)
            fy = np.floor((y - grid.y0) / grid.cell)
            valid = (np.abs(y) <= 90) & (np.abs(x) <= 180)  # False for NaN too
            in_box = valid & (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)
        value = np.full(len(x), _FAR, dtype=np.int32)
        value[in_box] = grid.cells[fy[in_box].astype(np.intp), fx[in_box].astype(np.intp)]

        region = np.where(value >= 0, value, -1).astype(np.int64)
        status = np.where(value >= 0, INSIDE, FAR_FROM_LAND).astype(np.int8)
        dist = np.where(value >= 0, 0.0, np.nan)

        border = np.flatnonzero(value <= _BORDER_BASE)
        if len(border):
            found = self._exact(grid, geoms, x[border], y[border], _BORDER_BASE - value[border])
            region[border] = found
            status[border[found >= 0]] = INSIDE
            dist[border[found >= 0]] = 0.0
        near = np.flatnonzero((value == _NEAR) | ((value <= _BORDER_BASE) & (region < 0)))
        if len(near):
            found, d_km = self._nearest(level, x[near], y[near])
            ok = found >= 0
            region[near[ok]], status[near[ok]], dist[near[ok]] = found[ok], COAST, d_km[ok]
        status[valid & ~in_box] = OUTSIDE_BBOX
        status[~valid] = INVALID
        return LocateResult(index=region, status_code=status, distance_km=dist, codes=grid.codes)

    def locate(self, lon, lat) -> RegionAssignment:
        """Assign each point to one kecamatan and its kabupaten (always consistent)."""
        kec = self.locate_level(lon, lat, "kec")
        return RegionAssignment(index=kec.index, status_code=kec.status_code, distance_km=kec.distance_km,
                                codes=kec.codes)

    @staticmethod
    def _exact(grid, geoms, x, y, rows):
        """Lowest-index candidate region whose closed polygon holds the point, or -1."""
        start, stop = grid.border_ptr[rows], grid.border_ptr[rows + 1]
        counts = stop - start
        point = np.repeat(np.arange(len(rows)), counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cand = grid.border_idx[np.repeat(start, counts) + offset]
        hit = shapely.intersects_xy(geoms[cand], x[point], y[point])
        out = np.full(len(rows), -1, dtype=np.int64)
        hp, hc = point[hit], cand[hit]
        # candidates are ascending within a point, so the first hit is the lowest code
        first = np.unique(hp, return_index=True)[1]
        out[hp[first]] = hc[first]
        return out

    def _nearest(self, level, x, y):
        max_deg = self.coast_km / KM_PER_DEGREE
        pts = shapely.points(x, y)
        # a piece within the margin of a point lies in a region whose box does too
        near = np.unique(self._region_boxes(level).query(pts, predicate="dwithin", distance=max_deg)[1])
        lines, owner = self._coast_pieces(level, near)
        tree = shapely.STRtree(lines)
        (pi, piece), d = tree.query_nearest(pts, max_distance=max_deg, return_distance=True, all_matches=True)
        gi = owner[piece]
        near = np.full(len(x), -1, dtype=np.int64)
        dist = np.full(len(x), np.nan)
        order = np.lexsort((gi, pi))  # lowest region index among equally near ones
        pi, gi, d = pi[order], gi[order], d[order]
        first = np.unique(pi, return_index=True)[1]
        near[pi[first]] = gi[first]
        # degrees → km with the latitude's east-west shrink folded in (< 2 % error at |lat| ≤ 11°)
        dist[pi[first]] = d[first] * KM_PER_DEGREE
        return near, dist


def _boundary_pieces(geoms: np.ndarray, size: int = 16):
    """Region boundaries cut into linestrings of at most ``size`` vertices, and the region index
    of each piece."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    ring_start = np.searchsorted(coord_ring, np.arange(len(rings)))
    pos = np.arange(len(coords)) - ring_start[coord_ring]
    step = size - 1
    ring_len = np.diff(np.append(ring_start, len(coords)))
    ring_offset = np.concatenate([[0], np.cumsum((ring_len - 1) // step + 1)])[:-1]
    ids = ring_offset[coord_ring] + pos // step
    closes = (pos % step == 0) & (pos > 0)  # such a vertex also ends the previous piece
    all_ids = np.concatenate([ids, ids[closes] - 1])
    all_pos = np.concatenate([pos, pos[closes]])
    all_xy = np.concatenate([coords, coords[closes]])
    all_ring = np.concatenate([coord_ring, coord_ring[closes]])
    order = np.lexsort((all_pos, all_ids))
    all_ids, all_xy, all_ring = all_ids[order], all_xy[order], all_ring[order]
    uniq, first, counts = np.unique(all_ids, return_index=True, return_counts=True)
    keep = np.repeat(counts >= 2, counts)
    _, dense = np.unique(all_ids[keep], return_inverse=True)
    lines = shapely.linestrings(all_xy[keep], indices=dense)
    piece_ring = all_ring[first[counts >= 2]]
    return lines, part_owner[ring_part[piece_ring]]


@dataclass(frozen=True)
class RegionAssignment(LocateResult):
    """A kecamatan-level :class:`LocateResult` that also names each point's kabupaten.

    The kabupaten is derived from the kecamatan code (``63.72.01`` lies in ``63.72``), never
    tested separately, so the two always agree. :attr:`index` and :attr:`codes` let callers
    gather codes for millions of points without building object arrays.
    """

    @property
    def kode_kec(self) -> np.ndarray:
        """Kecamatan code per point (None when rejected)."""
        return self.kode

    @property
    def parent_codes(self) -> np.ndarray:
        """Kabupaten code of every kecamatan in :attr:`codes` (same order)."""
        return np.asarray([c[:5] for c in self.codes], dtype=object)

    @property
    def kode_kab(self) -> np.ndarray:
        """Kabupaten code per point (None when rejected)."""
        out = self.parent_codes[np.maximum(self.index, 0)]
        out[self.index < 0] = None
        return out


#: Folder (inside the boundary directory) of the memory-mapped locator files.
CACHE_DIR = "locator"
_CACHE_VERSION = 1
_LEVELS = ("kab", "kec")


def load_locator(directory: Path | None = None, coast_km: float = 5.0) -> Locator:
    """A :class:`Locator` over the installed boundaries (``python -m sigap boundaries install``).

    Reads the memory-mapped files of ``locator/`` (milliseconds; see :func:`write_locator_cache`).
    An install without them, or whose layers changed since they were written, has them built
    once from its grids and GeoParquet and written beside them when the folder is writable.
    """
    directory = Path(directory or boundary_dir())
    try:
        cached = _read_cache(directory / CACHE_DIR, directory)
    except (OSError, ValueError, KeyError):  # replaced while being read, or damaged: build it again
        cached = None
    if cached is None:
        grids, geoms = _from_install(directory)
        pieces = {level: _boundary_pieces(np.asarray(geoms[level], dtype=object)) for level in _LEVELS}
        try:
            write_locator_cache(directory, grids, geoms, pieces)
        except OSError:  # a read-only install still locates, it only rebuilds per process
            pass
        cached = grids, geoms, pieces
    grids, geoms, pieces = cached
    return Locator(grids, geoms, coast_km=coast_km, pieces=pieces)


def write_locator_cache(directory: Path, grids: dict[str, Grid], geoms: dict[str, np.ndarray],
                        pieces: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> Path:
    """Write the grids, polygons and coast pieces of ``kab`` and ``kec`` as ``.npy`` files in
    ``directory/locator`` (replaced whole, so a reader never sees half of it).

    ``directory`` holds the installed ``{level}.parquet`` files: their size and modification time
    are recorded, and :func:`load_locator` rebuilds the files when the layers change.
    """
    directory = Path(directory)
    target = directory / CACHE_DIR
    staging = Path(tempfile.mkdtemp(prefix=".locator-", dir=directory))
    try:
        for level in _LEVELS:
            grid, array = grids[level], np.asarray(geoms[level], dtype=object)
            lines, owner = (pieces or {}).get(level) or _boundary_pieces(array)
            kind, coords, offsets = shapely.to_ragged_array(array)
            line_kind, line_coords, line_offsets = shapely.to_ragged_array(lines)
            arrays = {"cells": grid.cells, "border_ptr": grid.border_ptr, "border_idx": grid.border_idx,
                      "codes": np.asarray(grid.codes, dtype=str),
                      "meta": np.array([grid.x0, grid.y0, grid.cell, grid.coast_km]),
                      "coords": coords, "piece_coords": line_coords, "piece_owner": np.asarray(owner, np.int64),
                      **{f"offsets{i}": o for i, o in enumerate(offsets)},
                      **{f"piece_offsets{i}": o for i, o in enumerate(line_offsets)}}
            for name, value in arrays.items():
                np.save(staging / f"{level}_{name}.npy", np.ascontiguousarray(value), allow_pickle=False)
            (staging / f"{level}.json").write_text(json.dumps({
                "geometry_type": int(kind), "n_offsets": len(offsets), "piece_type": int(line_kind),
                "n_piece_offsets": len(line_offsets)}))
        (staging / "manifest.json").write_text(json.dumps(
            {"versi": _CACHE_VERSION, "lapisan": _layer_stamp(directory)}))
        staging.chmod(0o755)
        replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _layer_stamp(directory: Path) -> dict:
    """Size and modification time of each installed layer the cache was built from."""
    out = {}
    for level in _LEVELS:
        path = directory / f"{level}.parquet"
        if path.exists():
            stat = path.stat()
            out[level] = [stat.st_size, stat.st_mtime_ns]
    return out


def _read_cache(folder: Path, directory: Path):
    """(grids, geoms, pieces) from the memory-mapped files, or None when absent or stale."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("versi") != _CACHE_VERSION or manifest.get("lapisan") != _layer_stamp(directory):
        return None
    grids, geoms, pieces = {}, {}, {}
    for level in _LEVELS:
        info = json.loads((folder / f"{level}.json").read_text())

        def array(name, mmap=True, level=level):
            return np.load(folder / f"{level}_{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)

        x0, y0, cell, coast_km = array("meta", mmap=False)
        grids[level] = Grid(codes=array("codes", mmap=False).astype(object), cells=array("cells"),
                            border_ptr=array("border_ptr"), border_idx=array("border_idx"),
                            x0=float(x0), y0=float(y0), cell=float(cell), coast_km=float(coast_km))
        geoms[level] = shapely.from_ragged_array(
            shapely.GeometryType(info["geometry_type"]), array("coords", mmap=False),
            tuple(array(f"offsets{i}", mmap=False) for i in range(info["n_offsets"])))
        if info["piece_type"] != int(shapely.GeometryType.LINESTRING) or info["n_piece_offsets"] != 1:
            return None
        pieces[level] = _RaggedPieces(coords=array("piece_coords"), offsets=array("piece_offsets0"),
                                      owner=array("piece_owner", mmap=False))
    return grids, geoms, pieces


@dataclass(frozen=True)
class _RaggedPieces:
    """Coast pieces as flat arrays: linestring ``i`` is ``coords[offsets[i]:offsets[i + 1]]``, of
    region ``owner[i]``. Only the pieces of the regions a query needs become linestrings."""

    coords: np.ndarray
    offsets: np.ndarray
    owner: np.ndarray

    def select(self, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(linestrings, region index) of the pieces of ``regions``."""
        keep = np.flatnonzero(np.isin(self.owner, regions))
        start, stop = self.offsets[keep], self.offsets[keep + 1]
        counts = stop - start
        line = np.repeat(np.arange(len(keep)), counts)
        vertex = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(start, counts)
        return shapely.linestrings(self.coords[vertex], indices=line), self.owner[keep]


def _from_install(directory: Path):
    """Grids (``grid_{level}.npz`` of an older install, else built) and polygons from GeoParquet."""
    from geo.boundaries import load_regions

    grids, geoms = {}, {}
    for level in _LEVELS:
        regions = load_regions(level, directory)
        path = directory / f"grid_{level}.npz"
        grids[level] = Grid.load(path) if path.exists() else build_grid(regions)
        if not np.array_equal(regions["kode"].to_numpy(dtype=object), grids[level].codes):
            raise RuntimeError(f"grid {path.name} tidak cocok dengan {level}.parquet; pasang ulang batas wilayah")
        geoms[level] = regions.geometry.to_numpy()
    return grids, geoms


def replace_folder(staging: Path, target: Path) -> None:
    """Put the finished folder ``staging`` where ``target`` is, so that a reader sees the old
    folder or the new one, never half of one (the old one is removed afterwards)."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
