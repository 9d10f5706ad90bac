"""Indeks Potensi Konflik (IPK): a transparent 0–100 score per region with its reasons.

Each indicator is scaled to 0–100 with a logarithmic reference scale (see the profile file),
dimensions are weighted means of their indicators, and the index a weighted mean of the
dimensions. Because every step is non-decreasing in its input, adding an incident never lowers a
region's score. Classes Rendah / Sedang / Tinggi follow the profile (mean ± 1 SD, as Bawaslu's
IKP, or fixed cut-offs); Polri's labels are offered as an alternative legend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.profile import Profile

__all__ = ["CLASSES", "POLRI_LABELS", "IPKResult", "build_indicators", "compute_ipk", "scale"]

CLASSES = ("Rendah", "Sedang", "Tinggi")
POLRI_LABELS = {"Rendah": "Kurang rawan", "Sedang": "Rawan", "Tinggi": "Sangat rawan"}


@dataclass(frozen=True)
class IPKResult:
    """Scores per region.

    ``scores`` has ``kode, ipk, kelas, kelas_polri`` and one column per dimension;
    ``indicators`` the scaled indicator values; ``reasons`` the top contributions in words;
    ``cuts`` the class boundaries used.
    """

    scores: pd.DataFrame
    indicators: pd.DataFrame
    reasons: pd.Series
    cuts: tuple[float, float]


def scale(values, reference: float, kind: str = "log") -> np.ndarray:
    """0–100: ``100 × min(1, ln(1 + x) / ln(1 + reference))`` (``kind="log"``, for counts) or
    ``100 × min(1, x / reference)`` (``"linear"``, for indicators that are already scores);
    negatives and missing values as 0."""
    x = np.clip(np.nan_to_num(np.asarray(values, dtype=float)), 0, None)
    if kind == "linear":
        return 100.0 * np.minimum(1.0, x / reference)
    return 100.0 * np.minimum(1.0, np.log1p(x) / np.log1p(reference))


def build_indicators(current: pd.DataFrame, previous: pd.DataFrame, kecamatan: pd.DataFrame,
                     regions: pd.DataFrame) -> pd.DataFrame:
    """The indicator table of the default profile from region aggregates.

    Parameters
    ----------
    current, previous : pandas.DataFrame
        Per-kabupaten aggregates of this period and the one before (``kode, jumlah,
        skor_kejadian, eskalasi_maks, tewas, luka, pengungsi``).
    kecamatan : pandas.DataFrame
        Per-kecamatan counts this period (``kode``).
    regions : pandas.DataFrame
        Kabupaten (``kode``) and their number of kecamatan (``jumlah_kec``).
    """
    table = regions[["kode", "jumlah_kec"]].merge(current, on="kode", how="left")
    prev = regions[["kode"]].merge(previous, on="kode", how="left")["jumlah"].fillna(0).to_numpy()
    for column in ("jumlah", "skor_kejadian", "eskalasi_maks", "tewas", "luka", "pengungsi"):
        table[column] = table[column].fillna(0).astype(float)
    affected = kecamatan.assign(kab=kecamatan["kode"].astype(str).str[:5]).groupby("kab").size()
    table["sebaran_kecamatan"] = (table["kode"].map(affected).fillna(0) / table["jumlah_kec"].clip(lower=1)).clip(0, 1)
    cur = table["jumlah"].to_numpy()
    table["kenaikan"] = np.clip((cur - prev) / np.maximum(prev, 1.0), 0, None)
    return table


def compute_ipk(indicators: pd.DataFrame, profile: Profile) -> IPKResult:
    """Score every row of ``indicators`` (one per region, column ``kode``) with ``profile``."""
    missing = [i.kode for d in profile.dimensi for i in d.indikator if i.kode not in indicators.columns]
    if missing:
        raise ValueError(f"indikator tidak ada di tabel: {', '.join(missing)}")
    scaled = pd.DataFrame({"kode": indicators["kode"]})
    scores = pd.DataFrame({"kode": indicators["kode"]})
    contributions = {}
    total_weight = sum(d.bobot for d in profile.dimensi)
    ipk = np.zeros(len(indicators))
    for d in profile.dimensi:
        inner = sum(i.bobot for i in d.indikator) or 1.0
        dim = np.zeros(len(indicators))
        for i in d.indikator:
            s = scale(indicators[i.kode], i.rujukan, i.skala)
            scaled[i.kode] = s
            dim += i.bobot / inner * s
            contributions[(d, i)] = d.bobot / total_weight * i.bobot / inner * s
        scores[d.kode] = dim
        ipk += d.bobot / total_weight * dim
    scores["ipk"] = np.round(ipk, 2)
    cuts = _cuts(scores["ipk"], profile)
    # a region with no score at all is Rendah even when mean − 1 SD falls below zero
    low = (scores["ipk"] < cuts[0]) | (scores["ipk"] <= 0)
    scores["kelas"] = np.select([low, scores["ipk"] < cuts[1]], CLASSES[:2], CLASSES[2])
    scores["kelas_polri"] = scores["kelas"].map(POLRI_LABELS)
    reasons = _reasons(indicators, contributions)
    return IPKResult(scores=scores, indicators=scaled, reasons=reasons, cuts=cuts)


def _cuts(ipk: pd.Series, profile: Profile) -> tuple[float, float]:
    if profile.skema_kelas == "tetap":
        return profile.batas
    mean, sd = float(ipk.mean()), float(ipk.std(ddof=0))
    return (max(0.0, mean - sd), min(100.0, mean + sd)) if sd > 0 else (mean, mean + 1e-9)


def _reasons(indicators, contributions, top: int = 2) -> pd.Series:
    keys = list(contributions)
    matrix = np.column_stack([contributions[k] for k in keys]) if keys else np.zeros((len(indicators), 0))
    order = np.argsort(-matrix, axis=1)[:, :top]
    out = []
    for row, picks in enumerate(order):
        words = []
        for k in picks:
            if matrix[row, k] <= 0:
                continue
            d, i = keys[k]
            value = indicators[i.kode].iloc[row]
            shown = f"{value:.0%}" if i.kode == "sebaran_kecamatan" else (
                f"+{value:.0%}" if i.kode == "kenaikan" else f"{value:,.0f}".replace(",", "."))
            words.append(f"{d.nama.lower()}: {i.nama} {shown}")
        out.append("; ".join(words) if words else "tidak ada insiden tercatat")
    return pd.Series(out, index=indicators.index, name="alasan")
