"""Emerging hotspots over time: Gi* per period plus a Mann-Kendall trend of the z-scores.

Categories follow ArcGIS Pro's Emerging Hot Spot Analysis definitions, for hot spots only
(names in Bahasa Indonesia): *baru* (new), *berturut-turut* (consecutive), *menguat*
(intensifying), *menetap* (persistent), *melemah* (diminishing), *sporadis* (sporadic), *historis*
(historical); otherwise *tidak ada pola*.

:func:`mann_kendall` tests every region's series at once: the same numbers as
``pymannkendall.original_test`` (S, tie-corrected variance, z, p, Kendall's tau, Sen's slope),
computed on a ``(regions, periods)`` array instead of one Python call per region.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

__all__ = ["PATTERNS", "MannKendall", "emerging_hotspots", "mann_kendall"]

PATTERNS = ("baru", "berturut-turut", "menguat", "menetap", "melemah", "sporadis", "historis", "tidak ada pola")
_TREND_LABELS = {"increasing": "naik", "decreasing": "turun", "no trend": "tidak ada"}


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall trend test per series (one entry per row of the input).

    Field names and meanings follow ``pymannkendall.original_test``: ``trend`` is
    ``"increasing"``, ``"decreasing"`` or ``"no trend"``; ``h`` whether the trend is significant.
    """

    trend: np.ndarray
    h: np.ndarray
    p: np.ndarray
    z: np.ndarray
    tau: np.ndarray
    s: np.ndarray
    var_s: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray


def mann_kendall(x, alpha: float = 0.05) -> MannKendall:
    """Mann-Kendall trend test of every row of ``x``, vectorised.

    Parameters
    ----------
    x : array_like
        Shape ``(series, periods)``, oldest period first; NaN marks a missing period (skipped,
        as ``pymannkendall`` does).
    alpha : float
        Two-sided significance level of the trend.

    Returns
    -------
    MannKendall
        Equal to ``pymannkendall.original_test(row, alpha)`` for every row (S and its variance
        exactly, z and p to floating-point precision). A row with fewer than two values has no
        trend (``z = 0``, ``p = 1``, ``tau`` NaN), where ``pymannkendall`` raises.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError("x harus berbentuk (deret, periode) dengan ≥ 2 periode")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha harus di antara 0 dan 1, didapat {alpha!r}")
    valid = ~np.isnan(x)
    n = valid.sum(axis=1).astype(float)
    s = _score(x, valid)
    var_s = _variance(x, valid, n)
    z = _z_score(s, var_s)
    p = 2 * (1 - norm.cdf(np.abs(z)))
    h = np.abs(z) > norm.ppf(1 - alpha / 2)
    trend = np.where(h & (z < 0), "decreasing", np.where(h & (z > 0), "increasing", "no trend")).astype(object)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = s / (0.5 * n * (n - 1))
    slope, intercept = _sens_slope(x, valid)
    return MannKendall(trend=trend, h=h, p=p, z=z, tau=tau, s=s, var_s=var_s, slope=slope, intercept=intercept)


def _pairs(x: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Later-minus-earlier differences of every pair of periods, and whether both are present."""
    first, second = np.triu_indices(x.shape[1], k=1)
    both = valid[:, first] & valid[:, second]
    return x[:, second] - x[:, first], both, second - first


def _score(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    diff, both, _ = _pairs(x, valid)
    return np.where(both, np.sign(diff), 0.0).sum(axis=1)


def _variance(x: np.ndarray, valid: np.ndarray, n: np.ndarray) -> np.ndarray:
    # A tie group of size t contributes t(t-1)(2t+5); spread over its t members that is
    # (t-1)(2t+5) per value, where t is how many values of the series equal it.
    equal = (x[:, :, None] == x[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    group = equal.sum(axis=2).astype(float)
    ties = np.where(valid, (group - 1) * (2 * group + 5), 0.0).sum(axis=1)
    return (n * (n - 1) * (2 * n + 5) - ties) / 18


def _z_score(s: np.ndarray, var_s: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(var_s)
        return np.where(s > 0, (s - 1) / root, np.where(s < 0, (s + 1) / root, 0.0))


def _sens_slope(x: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    diff, _, gap = _pairs(x, valid)
    positions = np.where(valid, np.arange(x.shape[1], dtype=float), np.nan)
    slopes = diff / gap
    complete = valid.all(axis=1)
    slope = np.empty(len(x))
    middle = np.empty(len(x))
    slope[complete] = np.median(slopes[complete], axis=1)
    middle[complete] = np.median(x[complete], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing row has no slope: NaN
        for i in np.flatnonzero(~complete):  # rare: series with missing periods, one by one
            slope[i], middle[i] = np.nanmedian(slopes[i]), np.nanmedian(x[i])
        intercept = middle - np.nanmedian(positions, axis=1) * slope
    return slope, intercept


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
        A series of (nearly) constant z has no trend (``p_tren`` 1).
    """
    z, p = np.asarray(z, float), np.asarray(p, float)
    if z.shape != p.shape or z.ndim != 2 or z.shape[1] < 2:
        raise ValueError("z dan p harus berbentuk (wilayah, periode) yang sama, dengan ≥ 2 periode")
    hot = (p <= alpha) & (z > 0)
    flat = np.isclose(z, z[:, :1]).all(axis=1)
    test = mann_kendall(z, alpha=trend_alpha)
    trend = np.where(flat, "tidak ada", [_TREND_LABELS[t] for t in test.trend]).astype(object)
    p_trend = np.where(flat, 1.0, test.p)
    return pd.DataFrame({"pola": _patterns(hot, trend), "tren": trend, "p_tren": p_trend})


def _patterns(hot: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """ArcGIS's emerging hot spot categories from the hot flags of each row, in one pass."""
    n = hot.shape[1]
    total = hot.sum(axis=1)
    last = hot[:, -1]
    cold_from_end = ~hot[:, ::-1]
    run = np.where(cold_from_end.any(axis=1), cold_from_end.argmax(axis=1), n)  # final run of hot periods
    mostly = total / n >= 0.9
    conditions = [
        ~last & hot[:, :-1].all(axis=1),
        ~last,
        mostly & (trend == "naik"),
        mostly & (trend == "turun"),
        mostly,
        total == 1,
        (run >= 2) & (total == run),  # hot only in one uninterrupted final run
    ]
    choices = ["historis", "tidak ada pola", "menguat", "melemah", "menetap", "baru", "berturut-turut"]
    return np.select(conditions, choices, default="sporadis").astype(object)
