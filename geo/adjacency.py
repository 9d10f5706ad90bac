"""Which regions touch: queen contiguity of a boundary layer, built once at install and stored.

Building queen contiguity for the 7,285 kecamatan takes 1.5–2 s; a page that needs it would pay
that on every new process. :func:`build_adjacency` runs at boundary install
(:mod:`geo.install`), :func:`save_adjacency` writes ``adjacency_{level}.npz`` beside the
GeoParquet, and :func:`load_adjacency` reads it in milliseconds (building and storing it when an
older install lacks the file).

An :class:`Adjacency` holds the neighbour lists (CSR arrays, the order libpysal's ``Queen`` gives)
and each region's representative point in a metric projection, which is what
``analysis.weights.weights_from_neighbours`` needs to link island regions to their nearest
neighbours. :meth:`Adjacency.subset` restricts it to a province or kabupaten: contiguity is a
relation between two regions, so the neighbours of a subset are exactly the national neighbours
that lie inside it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
from libpysal.weights import Queen

from geo.boundaries import LEVELS, load_regions
from settings import boundary_dir

__all__ = ["ADJACENCY_LEVELS", "METRIC_CRS", "Adjacency", "adjacency_path", "build_adjacency", "load_adjacency",
           "save_adjacency"]

#: Layers whose adjacency is stored at install.
ADJACENCY_LEVELS = ("kab", "kec")
#: Equal-area projection (metres) of the representative points used for nearest neighbours.
METRIC_CRS = "EPSG:6933"


@dataclass(frozen=True, eq=False)
class Adjacency:
    """Queen contiguity of a layer: region ``i``'s neighbours are ``indices[indptr[i]:indptr[i + 1]]``."""

    kode: np.ndarray  # (n,) region codes, the layer's order
    indptr: np.ndarray  # (n + 1,) int64
    indices: np.ndarray  # positions into ``kode``
    xy: np.ndarray  # (n, 2) representative points in METRIC_CRS, metres

    def __post_init__(self):
        n = len(self.kode)
        if self.indptr.shape != (n + 1,) or self.xy.shape != (n, 2) or self.indptr[-1] != len(self.indices):
            raise ValueError("ketetanggaan tidak utuh: panjang kode, indptr, indices dan titik tidak cocok")

    def __len__(self) -> int:
        return len(self.kode)

    def neighbours(self) -> list[np.ndarray]:
        """Neighbour positions of every region, in order."""
        return np.split(self.indices, self.indptr[1:-1])

    def subset(self, prefix: str | None) -> Adjacency:
        """The regions whose code starts with ``prefix + "."`` (all when ``prefix`` is None), re-indexed."""
        if not prefix:
            return self
        keep = np.char.startswith(self.kode.astype(str), prefix + ".")
        position = np.full(len(self), -1, dtype=np.int64)
        position[keep] = np.arange(keep.sum())
        owner = np.repeat(np.arange(len(self)), np.diff(self.indptr))
        link = keep[owner] & keep[self.indices]
        counts = np.bincount(position[owner[link]], minlength=int(keep.sum()))
        return Adjacency(kode=self.kode[keep], indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                         indices=position[self.indices[link]], xy=self.xy[keep])


def build_adjacency(regions: gpd.GeoDataFrame) -> Adjacency:
    """Queen contiguity (shared vertex or edge) of ``regions`` in their order, plus metric points.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        One layer in EPSG:4326 with a ``kode`` column (an installed layer is a clean coverage).
    """
    frame = regions.reset_index(drop=True)
    queen = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)  # rook=False: corners count
    lists = [np.asarray(queen.neighbors[i], dtype=np.int64) for i in range(len(frame))]
    indptr = np.concatenate([[0], np.cumsum([len(nb) for nb in lists])]).astype(np.int64)
    indices = np.concatenate(lists) if lists else np.empty(0, dtype=np.int64)
    points = frame.geometry.to_crs(METRIC_CRS).representative_point()
    return Adjacency(kode=frame["kode"].to_numpy(dtype=str), indptr=indptr, indices=indices.astype(np.int64),
                     xy=np.column_stack([points.x.to_numpy(), points.y.to_numpy()]))


def adjacency_path(level: str, directory: Path | None = None) -> Path:
    """Where the adjacency of ``level`` is stored in a boundary directory."""
    return Path(directory or boundary_dir()) / f"adjacency_{level}.npz"


def save_adjacency(adjacency: Adjacency, path: Path) -> None:
    """Write ``adjacency`` as a compressed ``.npz`` (replacing any file atomically)."""
    path = Path(path)
    handle, tmp = tempfile.mkstemp(prefix=".adjacency-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez_compressed(out, kode=adjacency.kode.astype(str), indptr=adjacency.indptr,
                                indices=adjacency.indices, xy=adjacency.xy)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_adjacency(level: str, directory: Path | None = None, *, store_if_missing: bool = True) -> Adjacency:
    """The stored adjacency of an installed layer.

    Parameters
    ----------
    level : {"kab", "kec"}
    directory : Path, optional
        Boundary directory (default: ``$SIGAP_BOUNDARY_DIR`` or ``data/boundaries``).
    store_if_missing : bool
        An install older than this file has none: build it from the installed layer and, if the
        directory is writable, store it for the next process.
    """
    if level not in LEVELS:
        raise ValueError(f"tingkat wilayah tidak dikenal: {level!r} (pilihan: {', '.join(LEVELS)})")
    path = adjacency_path(level, directory)
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            return Adjacency(kode=data["kode"], indptr=data["indptr"], indices=data["indices"], xy=data["xy"])
    adjacency = build_adjacency(load_regions(level, directory))
    if store_if_missing:
        with contextlib.suppress(OSError):  # a read-only install still works, only slower
            save_adjacency(adjacency, path)
    return adjacency
