"""Spatial weights for Indonesia's regions: queen contiguity, islands handled on purpose."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
from libpysal.weights import KNN, Queen, W

__all__ = ["METRIC_CRS", "contiguity_with_islands", "weights_from_neighbours"]

#: Equal-area projection in which island regions find their nearest neighbours.
METRIC_CRS = "EPSG:6933"


def contiguity_with_islands(regions: gpd.GeoDataFrame, k: int = 2) -> tuple[W, list[int]]:
    """Row-standardised queen contiguity; a region with no land neighbour gets its ``k`` nearest.

    Island kabupaten (Kepulauan Seribu, Simeulue, Sangihe…) share no border with anyone; leaving
    them without neighbours would drop them from every local statistic, so they borrow their
    nearest regions (by representative points in a metric projection).

    Returns
    -------
    w : libpysal.weights.W
        Indexed 0..n-1 in the order of ``regions``.
    islands : list of int
        Positions that got nearest-neighbour links.
    """
    frame = regions.reset_index(drop=True)
    queen = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)  # rook=False: corners count
    neighbours = [list(queen.neighbors[i]) for i in range(len(frame))]
    return _with_islands(neighbours, lambda: _metric_points(frame), k)


def weights_from_neighbours(neighbours: Sequence[Sequence[int]], points, k: int = 2) -> tuple[W, list[int]]:
    """The weights of :func:`contiguity_with_islands` from stored queen neighbour lists.

    Parameters
    ----------
    neighbours : sequence of sequences of int
        Queen neighbours of region ``i`` (positions 0..n-1), e.g. ``geo.adjacency.Adjacency.neighbours()``.
    points : array_like
        ``(n, 2)`` representative points in :data:`METRIC_CRS`, for the island links.
    k : int
        Nearest neighbours of a region without any queen neighbour.

    Returns
    -------
    w, islands
        As :func:`contiguity_with_islands` returns them for the same regions.
    """
    lists = [[int(j) for j in nb] for nb in neighbours]
    xy = np.asarray(points, dtype=float)
    if xy.shape != (len(lists), 2):
        raise ValueError(f"titik harus berbentuk ({len(lists)}, 2), didapat {xy.shape}")
    return _with_islands(lists, lambda: xy, k)


def _metric_points(frame: gpd.GeoDataFrame) -> np.ndarray:
    points = frame.geometry.to_crs(METRIC_CRS).representative_point()
    return np.column_stack([points.x, points.y])


def _with_islands(neighbors: list[list[int]], points: Callable[[], np.ndarray], k: int) -> tuple[W, list[int]]:
    """Link each region without neighbours to its ``k`` nearest, both ways; row-standardise."""
    islands = [i for i, nb in enumerate(neighbors) if not nb]
    if islands:
        knn = KNN.from_array(points(), k=k, silence_warnings=True)
        for i in islands:
            for j in knn.neighbors[i]:
                if j not in neighbors[i]:
                    neighbors[i].append(j)
                if i not in neighbors[j]:
                    neighbors[j].append(i)  # keep links symmetric
    w = W(dict(enumerate(neighbors)), silence_warnings=True)
    w.transform = "r"
    return w, islands
