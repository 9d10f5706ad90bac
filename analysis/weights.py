"""Spatial weights for Indonesia's regions: queen contiguity, islands handled on purpose."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from libpysal.weights import KNN, Queen, W

__all__ = ["contiguity_with_islands"]


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
    islands = [i for i, n in queen.cardinalities.items() if n == 0]
    neighbors = {i: list(queen.neighbors[i]) for i in range(len(frame))}
    if islands:
        points = frame.geometry.to_crs("EPSG:6933").representative_point()
        knn = KNN.from_array(np.column_stack([points.x, points.y]), k=k)
        for i in islands:
            for j in knn.neighbors[i]:
                if j not in neighbors[i]:
                    neighbors[i].append(j)
                if i not in neighbors[j]:
                    neighbors[j].append(i)  # keep links symmetric
    w = W(neighbors, silence_warnings=True)
    w.transform = "r"
    return w, islands
