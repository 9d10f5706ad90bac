"""Natural breaks (Jenks) that give the same legend every time for the same data.

``mapclassify.NaturalBreaks`` clusters with k-means from random starting points (scikit-learn's
``KMeans`` without a seed), so the same counts can be drawn with different class breaks from one
page load to the next; ``FisherJenksSampled`` draws a random sample. This is the exact
Fisher–Jenks optimum (the least within-class sum of squares), computed on the distinct values
weighted by how often they occur — counts have few distinct values, so it is fast — with ties
broken towards the lower break. No randomness, no dependence on row order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NaturalBreaks", "natural_breaks"]

_BLOCK = 256


def natural_breaks(values, k: int = 5) -> np.ndarray:
    """Upper bounds of the ``k`` classes minimising the within-class sum of squared deviations.

    Parameters
    ----------
    values : array-like
        Finite numbers (NaN is refused).
    k : int
        Number of classes; fewer when there are fewer distinct values.

    Returns
    -------
    numpy.ndarray
        Increasing upper bounds, the last one the maximum (as ``mapclassify``'s ``bins``).
    """
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        raise ValueError("tidak ada nilai untuk dikelaskan")
    if not np.isfinite(v).all():
        raise ValueError("nilai kosong atau tak hingga tidak dapat dikelaskan")
    if k < 1:
        raise ValueError(f"jumlah kelas harus ≥ 1, bukan {k}")
    distinct, weight = np.unique(v, return_counts=True)
    n = len(distinct)
    k = min(int(k), n)
    if k == n:
        return distinct
    w = np.r_[0.0, np.cumsum(weight)]
    s1 = np.r_[0.0, np.cumsum(weight * distinct)]
    s2 = np.r_[0.0, np.cumsum(weight * distinct**2)]

    def cost(a, b):  # within-class sum of squares of distinct values a..b-1
        return s2[b] - s2[a] - (s1[b] - s1[a]) ** 2 / (w[b] - w[a])

    ends = np.arange(n + 1)
    best = np.full(n + 1, np.inf)
    best[1:] = cost(np.zeros(n, dtype=int), ends[1:])
    choice = np.zeros((k + 1, n + 1), dtype=int)
    starts = np.arange(n)
    for c in range(2, k + 1):
        nxt = np.full(n + 1, np.inf)
        for block in range(c, n + 1, _BLOCK):  # a block of class ends at a time: memory stays small
            b = np.arange(block, min(block + _BLOCK, n + 1))[:, None]
            a = starts[c - 1 : int(b[-1, 0])][None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                total = np.where(a < b, best[a] + cost(a, b), np.inf)
            pick = np.argmin(total, axis=1)  # the first minimum: the lower break on a tie
            nxt[b[:, 0]], choice[c, b[:, 0]] = total[np.arange(len(b)), pick], a[0, pick]
        best = nxt
    uppers, b = [], n
    for c in range(k, 1, -1):
        uppers.append(b)
        b = choice[c, b]
    uppers.append(b)
    return distinct[np.array(uppers[::-1]) - 1]


class NaturalBreaks:
    """Deterministic stand-in for ``mapclassify.NaturalBreaks``: same call ``(y, k)``, ``bins``, ``yb``."""

    def __init__(self, y, k: int = 5):
        y = np.asarray(y, dtype=float)
        self.bins = natural_breaks(y, k)
        self.k = len(self.bins)
        self.yb = np.searchsorted(self.bins, y, side="left")
