"""Early warning: change against a baseline with ACLED's levels and a significance test.

Levels: more than 25 % above the baseline = *lonjakan*, 10–25 % = *naik*. A change is only
flagged when it is also unlikely under "no change": given ``n = current + baseline`` incidents,
the current count is tested against Binomial(n, ½) (one-sided), so 1 → 2 is never a surge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.stats import binom

__all__ = ["FOUR_WEEKS", "QUARTER_DAYS", "SurgeWindows", "classify_change", "surge_windows", "surges"]

FOUR_WEEKS = 28
QUARTER_DAYS = 91


@dataclass(frozen=True)
class SurgeWindows:
    """The recent window and the equally long window just before it (both ends inclusive)."""

    recent: tuple[date, date]
    baseline: tuple[date, date]


def surge_windows(end: date, days: int = FOUR_WEEKS) -> SurgeWindows:
    """The last ``days`` days up to ``end`` and the ``days`` days before them: ACLED's comparison of
    the last 4 weeks (or a triwulan, :data:`QUARTER_DAYS`) with the period before."""
    recent_start = end - timedelta(days=days - 1)
    return SurgeWindows(recent=(recent_start, end),
                        baseline=(recent_start - timedelta(days=days), recent_start - timedelta(days=1)))


def classify_change(current, baseline) -> pd.Series:
    """``"lonjakan"``, ``"naik"``, ``"stabil"`` or ``"turun"`` from counts (no significance)."""
    cur, base = np.asarray(current, float), np.asarray(baseline, float)
    change = (cur - base) / np.maximum(base, 1.0)
    level = np.select([change > 0.25, change >= 0.10, change <= -0.10], ["lonjakan", "naik", "turun"], "stabil")
    return pd.Series(level)


def surges(current: pd.DataFrame, baseline: pd.DataFrame, *, alpha: float = 0.05, by=("kode",)) -> pd.DataFrame:
    """Rows of ``current`` that rose significantly against ``baseline``, most urgent first.

    Both frames hold the ``by`` columns and ``jumlah``. Returns ``by…, jumlah, dasar, perubahan,
    tingkat, p, alasan``.
    """
    by = list(by)
    table = current[by + ["jumlah"]].merge(baseline[by + ["jumlah"]].rename(columns={"jumlah": "dasar"}),
                                           on=by, how="outer").fillna({"jumlah": 0, "dasar": 0})
    n = (table["jumlah"] + table["dasar"]).astype(int)
    table["p"] = binom.sf(table["jumlah"].astype(int) - 1, n, 0.5)  # P(X ≥ current | no change)
    table["perubahan"] = (table["jumlah"] - table["dasar"]) / table["dasar"].clip(lower=1)
    table["tingkat"] = classify_change(table["jumlah"], table["dasar"]).to_numpy()
    flagged = table.loc[table["tingkat"].isin(["lonjakan", "naik"]) & (table["p"] < alpha)].copy()
    flagged["alasan"] = [
        f"{int(c)} insiden vs {int(b)} sebelumnya ({'+' if ch >= 0 else ''}{ch:.0%}, p = {p:.3f})"
        for c, b, ch, p in zip(flagged["jumlah"], flagged["dasar"], flagged["perubahan"], flagged["p"])
    ]
    return flagged.sort_values(["tingkat", "p", "jumlah"], ascending=[True, True, False]).reset_index(drop=True)
