"""Rates per population, smoothed with empirical Bayes so small regions do not swing wildly."""

from __future__ import annotations

import numpy as np
from esda.smoothing import Empirical_Bayes

__all__ = ["crude_rates", "eb_rates"]


def crude_rates(events, population, per: float = 100_000) -> np.ndarray:
    """Events per ``per`` inhabitants (NaN where population is missing or zero)."""
    e, b = np.asarray(events, float), np.asarray(population, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, e / b * per, np.nan)


def eb_rates(events, population, per: float = 100_000) -> np.ndarray:
    """Global empirical Bayes rates (esda), per ``per`` inhabitants; regions without population are NaN."""
    e, b = np.asarray(events, float), np.asarray(population, float)
    ok = b > 0
    out = np.full(len(e), np.nan)
    if ok.sum() >= 2:
        out[ok] = Empirical_Bayes(e[ok].reshape(-1, 1), b[ok].reshape(-1, 1)).r.ravel() * per
    return out
