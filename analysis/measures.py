"""Choropleth measures per region and their classes for the Peta Potensi Konflik.

Pure functions: region counts and areas in, values and classes out.
"""

from __future__ import annotations

from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd

from analysis.breaks import NaturalBreaks

__all__ = ["MEASURES", "SCHEMES", "Classes", "classify", "compute_measure"]

#: Measure key → (label shown to the user, unit).
MEASURES = {
    "jumlah": ("Jumlah insiden", "insiden"),
    "per_1000_km2": ("Insiden per 1.000 km²", "insiden/1.000 km²"),
    "skor_eskalasi": ("Skor eskalasi (jumlah tingkat eskalasi)", "poin"),
}
#: Classification scheme key → (label, mapclassify class).
SCHEMES = {
    "natural_breaks": ("Jenks (natural breaks)", NaturalBreaks),  # exact Fisher–Jenks: same data, same legend
    "kuantil": ("Kuantil", mapclassify.Quantiles),
    "interval_sama": ("Interval sama", mapclassify.EqualInterval),
}


def compute_measure(regions: pd.DataFrame, counts: pd.DataFrame, measure: str) -> pd.Series:
    """One value per region (0 where it has no incident), indexed like ``regions``.

    Parameters
    ----------
    regions : pandas.DataFrame
        With ``kode`` and ``luas_km2``.
    counts : pandas.DataFrame
        Output of :func:`store.incidents.aggregate_by_region` (``kode``, ``jumlah``,
        ``skor_eskalasi``, …).
    measure : {"jumlah", "per_1000_km2", "skor_eskalasi"}
    """
    if measure not in MEASURES:
        raise ValueError(f"ukuran tidak dikenal: {measure!r} (pilihan: {', '.join(MEASURES)})")
    by_code = counts.set_index("kode")
    jumlah = regions["kode"].map(by_code["jumlah"]).fillna(0).astype(float)
    if measure == "jumlah":
        return jumlah.rename("nilai")
    if measure == "per_1000_km2":
        return (jumlah / regions["luas_km2"].astype(float) * 1000.0).rename("nilai")
    return regions["kode"].map(by_code["skor_eskalasi"]).fillna(0).astype(float).rename("nilai")


@dataclass(frozen=True)
class Classes:
    """Class breaks and each value's class (0 = no incident, 1..k = classes of positive values)."""

    bins: tuple[float, ...]
    labels: tuple[str, ...]
    yb: np.ndarray


def classify(values: pd.Series, scheme: str = "natural_breaks", k: int = 5) -> Classes:
    """Classify positive values with ``scheme``; zero gets its own class 0 ("Tidak ada").

    With fewer distinct positive values than ``k``, each distinct value is its own class.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"skema kelas tidak dikenal: {scheme!r} (pilihan: {', '.join(SCHEMES)})")
    v = np.asarray(values, dtype=float)
    positive = v[v > 0]
    yb = np.zeros(len(v), dtype=int)
    if len(positive) == 0:
        return Classes(bins=(), labels=("Tidak ada",), yb=yb)
    distinct = np.unique(positive)
    k = int(min(k, len(distinct)))
    if k == len(distinct):
        bins = distinct
    else:
        bins = np.unique(SCHEMES[scheme][1](positive, k=k).bins)
    yb[v > 0] = np.searchsorted(bins, v[v > 0], side="left") + 1
    lows = np.concatenate([[positive.min()], bins[:-1]])
    labels = ["Tidak ada"] + [
        _fmt(lo) if i == 0 and lo == hi else f"{_fmt(lo)} – {_fmt(hi)}" if i == 0 else f"> {_fmt(lo)} – {_fmt(hi)}"
        for i, (lo, hi) in enumerate(zip(lows, bins))
    ]
    return Classes(bins=tuple(float(b) for b in bins), labels=tuple(labels), yb=yb)


def _fmt(x: float) -> str:
    # Indonesian number format: thousands with '.', decimals with ','
    if float(x).is_integer():
        return f"{int(x):,}".replace(",", ".")
    return f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
