"""Emerging hotspots over time: Gi* per period plus a Mann-Kendall trend of the z-scores.

Categories follow ArcGIS Pro's Emerging Hot Spot Analysis definitions, for hot spots only
(names in Bahasa Indonesia): *baru* (new), *berturut-turut* (consecutive), *menguat*
(intensifying), *menetap* (persistent), *melemah* (diminishing), *sporadis* (sporadic), *historis*
(historical); otherwise *tidak ada pola*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall as mk

__all__ = ["PATTERNS", "emerging_hotspots"]

PATTERNS = ("baru", "berturut-turut", "menguat", "menetap", "melemah", "sporadis", "historis", "tidak ada pola")


def emerging_hotspots(z: np.ndarray, p: np.ndarray, *, alpha: float = 0.10, trend_alpha: float = 0.05) -> pd.DataFrame:
    """Classify each region's series of Gi* results.

    Parameters
    ----------
    z, p : numpy.ndarray
        Shape ``(regions, periods)``, periods oldest first: Gi* z-scores and (adjusted) p-values.
    alpha : float
        Significance of a hot spot in one period.
    trend_alpha : float
        Significance of the Mann-Kendall trend of z.

    Returns
    -------
    pandas.DataFrame
        ``pola`` (one of :data:`PATTERNS`), ``tren`` (naik / turun / tidak ada) and ``p_tren``.
    """
    z, p = np.asarray(z, float), np.asarray(p, float)
    if z.shape != p.shape or z.ndim != 2 or z.shape[1] < 2:
        raise ValueError("z dan p harus berbentuk (wilayah, periode) yang sama, dengan ≥ 2 periode")
    hot = (p <= alpha) & (z > 0)
    rows = []
    for series, flags in zip(z, hot):
        trend, p_trend = _trend(series, trend_alpha)
        rows.append((_pattern(flags, trend), trend, p_trend))
    return pd.DataFrame(rows, columns=["pola", "tren", "p_tren"])


def _trend(series: np.ndarray, alpha: float) -> tuple[str, float]:
    if np.allclose(series, series[0]):
        return "tidak ada", 1.0
    result = mk.original_test(series, alpha=alpha)
    label = {"increasing": "naik", "decreasing": "turun"}.get(result.trend, "tidak ada")
    return label, float(result.p)


def _pattern(flags: np.ndarray, trend: str) -> str:
    n = len(flags)
    share = flags.mean()
    last = bool(flags[-1])
    if not last:
        return "historis" if share >= 0.9 * (n - 1) / n and flags[:-1].all() else "tidak ada pola"
    if share >= 0.9:
        return {"naik": "menguat", "turun": "melemah"}.get(trend, "menetap")
    if flags.sum() == 1:
        return "baru"
    run = n - np.argmax(~flags[::-1]) if not flags.all() else n  # length of the final run of hot periods
    if run >= 2 and flags[: n - run].sum() == 0:
        return "berturut-turut"
    return "sporadis"
