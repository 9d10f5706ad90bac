"""Indeks Potensi Konflik (IPK): a transparent 0–100 score per region with its reasons.

Each indicator is scaled to 0–100 with a logarithmic reference scale (see the profile file),
dimensions are weighted means of their indicators, and the index a weighted mean of the
dimensions. Because every step is non-decreasing in its input, adding an incident never lowers a
region's score. Classes Rendah / Sedang / Tinggi follow the profile (mean ± 1 SD, as Bawaslu's
IKP, or fixed cut-offs); Polri's labels are offered as an alternative legend.

:func:`compute_quarter_ipk` scores one triwulan from a panel of counts with the rules leaders can
trust (:class:`HonestRules`): class cut-offs from a stated reference window of complete triwulan,
a running triwulan projected pro rata and labelled as such, growth measured with a cushion of a
few incidents, and no *Tinggi* from one or two incidents alone. :func:`compute_ipk` keeps the
older cross-section rule (cut-offs from the scored rows themselves).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.panel import (
    fill_period_grid,
    normalise_quarter,
    period_index,
    period_labels,
    quarter_elapsed,
    shift_period,
)
from analysis.profile import Profile

__all__ = ["CLASS_INDEX",
    "CLASSES",
    "INCIDENT_INDICATORS",
    "PANEL_COLUMNS",
    "POLRI_LABELS",
    "HonestRules",
    "IPKResult",
    "build_indicators",
    "compute_ipk",
    "compute_quarter_ipk",
    "panel_from_aggregates",
    "scale",
]

CLASSES = ("Rendah", "Sedang", "Tinggi")
#: Where each class sits on a 5-step sequential palette (light, middle, dark): maps and documents alike.
CLASS_INDEX = {"Rendah": 1, "Sedang": 3, "Tinggi": 5}
POLRI_LABELS = {"Rendah": "Kurang rawan", "Sedang": "Rawan", "Tinggi": "Sangat rawan"}
#: Columns of a per-(kode, triwulan) panel that the incident indicators are built from.
PANEL_COLUMNS = ("jumlah", "skor_kejadian", "eskalasi_maks", "tewas", "luka", "pengungsi", "kec_terdampak")
#: Panel columns that add up over the days of a triwulan (projected when it is still running).
_ADDITIVE = ("jumlah", "skor_kejadian", "tewas", "luka", "pengungsi", "kec_terdampak")
#: Indicator → the panel column it is computed from; every other indicator comes from an area table.
_SOURCE = {"jumlah": "jumlah", "skor_kejadian": "skor_kejadian", "eskalasi_maks": "eskalasi_maks",
           "tewas": "tewas", "luka": "luka", "pengungsi": "pengungsi",
           "sebaran_kecamatan": "kec_terdampak", "kenaikan": "jumlah"}
#: Indicators computed from incidents (the minimum-evidence rule applies to them).
INCIDENT_INDICATORS = frozenset(_SOURCE)


@dataclass(frozen=True)
class HonestRules:
    """How a triwulan is scored and classed so that one quarter's noise does not mislead.

    Attributes
    ----------
    window : int
        Reference window: the class cut-offs come from the scores of every region in the last
        ``window`` complete triwulan (the scored triwulan included when it is complete, the ones
        before it when it is still running).
    min_evidence : int
        Fewest incidents recorded in the triwulan for *Tinggi* on incident indicators alone; a
        region with fewer is shown *Sedang*, with a note saying why.
    pseudo_count : float
        Cushion added to the previous triwulan's count in ``kenaikan``:
        ``max(0, (now − before) / (before + pseudo_count))``, so 0 → 1 incident is +33 % and not
        +100 %, while 20 → 40 stays close to +87 %.
    """

    window: int = 4
    min_evidence: int = 3
    pseudo_count: float = 3.0

    def __post_init__(self):
        if int(self.window) != self.window or self.window < 1:
            raise ValueError(f"jendela rujukan harus bilangan bulat ≥ 1 triwulan, bukan {self.window!r}")
        if self.min_evidence < 0:
            raise ValueError(f"bukti minimal harus ≥ 0 insiden, bukan {self.min_evidence!r}")
        if not self.pseudo_count > 0:
            raise ValueError(f"penyangga kenaikan harus > 0 insiden, bukan {self.pseudo_count!r}")


@dataclass(frozen=True)
class IPKResult:
    """Scores per region.

    Attributes
    ----------
    scores : pandas.DataFrame
        ``kode, ipk, kelas, kelas_polri`` and one column per dimension; from
        :func:`compute_quarter_ipk` also ``insiden`` (incidents recorded in the triwulan, not
        projected) and ``catatan_kelas`` (why a class was held at *Sedang*, else empty).
    indicators : pandas.DataFrame
        The scaled (0–100) indicator values.
    reasons : pandas.Series
        The top contributions in words.
    cuts : tuple of float
        The class boundaries used (Rendah < ``cuts[0]`` ≤ Sedang < ``cuts[1]`` ≤ Tinggi).
    reference : tuple of str
        The triwulan whose scores set ``cuts`` (empty: the scored rows themselves).
    elapsed : float
        Share of the triwulan's days covered by the data (1.0: complete).
    note : str
        What the reader must know about these numbers, in Bahasa Indonesia (reference window,
        pro-rata projection); empty for :func:`compute_ipk`.
    values : pandas.DataFrame or None
        The unscaled indicator values per region (``kode, jumlah, …, kenaikan``), projected to a
        full triwulan when it is still running.
    """

    scores: pd.DataFrame
    indicators: pd.DataFrame
    reasons: pd.Series
    cuts: tuple[float, float]
    reference: tuple[str, ...] = ()
    elapsed: float = 1.0
    note: str = ""
    values: pd.DataFrame | None = None


class _Scored(NamedTuple):
    scores: pd.DataFrame
    scaled: pd.DataFrame
    contributions: dict


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
    """Score every row of ``indicators`` (one per region, column ``kode``) with ``profile``.

    The class cut-offs come from the scored rows themselves; :func:`compute_quarter_ipk` takes
    them from a reference window instead.
    """
    _check_indicators(indicators, profile)
    scored = _score(indicators, profile)
    cuts = _cuts(scored.scores["ipk"], profile)
    scores = _classify(scored.scores, cuts)
    words = _reasons(indicators, scored.contributions)
    return IPKResult(scores=scores, indicators=scored.scaled, reasons=words, cuts=cuts)


def panel_from_aggregates(kab: Mapping[str, pd.DataFrame],
                          kec: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The long panel :func:`compute_quarter_ipk` reads, from per-triwulan region aggregates.

    Parameters
    ----------
    kab : mapping of str to pandas.DataFrame
        Triwulan label → :func:`store.incidents.aggregate_by_region` at ``level="kab"``.
    kec : mapping of str to pandas.DataFrame, optional
        Triwulan label → the same at ``level="kec"`` (gives ``kec_terdampak``, the number of
        kecamatan with at least one incident); without it ``kec_terdampak`` is 0.

    Returns
    -------
    pandas.DataFrame
        ``kode, triwulan`` and :data:`PANEL_COLUMNS`, one row per region with incidents.
    """
    parts = []
    for label, frame in kab.items():
        part = frame.reindex(columns=["kode", *PANEL_COLUMNS[:-1]]).assign(triwulan=normalise_quarter(label))
        per_kec = kec.get(label) if kec is not None else None
        affected = (per_kec["kode"].astype(str).str[:5].value_counts() if per_kec is not None and len(per_kec)
                    else pd.Series(dtype=float))
        parts.append(part.assign(kec_terdampak=part["kode"].map(affected).fillna(0)))
    if not parts:
        return pd.DataFrame(columns=["kode", "triwulan", *PANEL_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    out[list(PANEL_COLUMNS)] = out[list(PANEL_COLUMNS)].fillna(0).astype(float)
    return out[["kode", "triwulan", *PANEL_COLUMNS]]


def compute_quarter_ipk(panel: pd.DataFrame, regions: pd.DataFrame, profile: Profile, quarter: str, *,
                        as_of: date | None = None, area: pd.DataFrame | None = None, since: str | None = None,
                        rules: HonestRules = HonestRules(), reasons: bool = True) -> IPKResult:
    """The IPK of one triwulan, with classes leaders can trust.

    Parameters
    ----------
    panel : pandas.DataFrame
        Counts per region and triwulan: ``kode``, ``triwulan`` (``"2024 T3"`` or ``"2024T3"``)
        and the :data:`PANEL_COLUMNS` the profile needs (see :func:`panel_from_aggregates`).
        A region and triwulan without a row had no incident. Rows after ``quarter`` are never
        read.
    regions : pandas.DataFrame
        Every kabupaten/kota to score (``kode``, ``jumlah_kec``), in the order of the result.
    profile : Profile
    quarter : str
        The triwulan to score.
    as_of : datetime.date, optional
        The last day the data covers. When it falls inside ``quarter`` the triwulan is still
        running, and its additive counts are projected to a full triwulan: recorded so far +
        (share of days left) × the region's mean over the reference window.
    area : pandas.DataFrame, optional
        ``kode`` and non-incident indicator columns (e.g. ``ikp``) for profiles that use them.
    since : str, optional
        First triwulan with data; earlier ones are not in the reference window (default: the
        earliest triwulan in ``panel``).
    rules : HonestRules
        Reference window, minimum evidence for *Tinggi*, cushion for ``kenaikan``.
    reasons : bool
        Also write the reasons in words (skip them for bulk scoring).

    Returns
    -------
    IPKResult
        One row per region of ``regions``; ``reference``, ``elapsed`` and ``note`` say which
        triwulan set the cut-offs and whether the numbers are projected.

    Notes
    -----
    The score of a region depends only on its own counts in ``quarter`` and the triwulan before,
    so adding an incident never lowers it; the cut-offs are mean ± 1 SD (profile ``sd``) of all
    scores in the window, computed from sorted values, so the same data always give the same
    legend.
    """
    q = normalise_quarter(quarter)
    elapsed = quarter_elapsed(q, as_of)
    panel = _check_panel(panel, regions, profile, area)
    first = normalise_quarter(since) if since else _earliest(panel, q)
    window = _reference_window(q, elapsed, first, rules.window)
    periods = period_labels(shift_period(window[0] if window else q, -1), q)
    grid = fill_period_grid(panel.loc[panel["triwulan"].isin(periods)], regions["kode"], periods)
    table = _indicator_rows(grid, regions, periods, window, first, elapsed, rules)
    if area is not None:
        clash = [c for c in area.columns if c in table.columns and c != "kode"]
        table = table.merge(area.drop(columns=clash), on="kode", how="left")
    _check_indicators(table, profile)
    scored = _score(table, profile)
    now = (table["triwulan"] == q).to_numpy()
    in_window = table["triwulan"].isin(window).to_numpy()
    cuts = _cuts(scored.scores["ipk"][in_window if in_window.any() else now], profile)
    scores = _classify(scored.scores.loc[now].reset_index(drop=True), cuts)
    scores = _hold_thin_evidence(scores, table.loc[now, "insiden"].to_numpy(),
                                 _non_incident_part(scored.contributions, now), cuts, rules)
    values = table.loc[now].drop(columns=["triwulan"]).reset_index(drop=True)
    words = (_reasons(values, {k: v[now] for k, v in scored.contributions.items()}, approx=elapsed < 1)
             if reasons else pd.Series("", index=values.index, name="alasan"))
    return IPKResult(scores=scores, indicators=scored.scaled.loc[now].reset_index(drop=True), reasons=words,
                     cuts=cuts, reference=tuple(window), elapsed=elapsed,
                     note=_note(q, elapsed, window, profile), values=values)


def _check_indicators(indicators: pd.DataFrame, profile: Profile) -> None:
    missing = [i.kode for d in profile.dimensi for i in d.indikator if i.kode not in indicators.columns]
    if missing:
        raise ValueError(f"indikator tidak ada di tabel: {', '.join(missing)}")


def _check_panel(panel, regions, profile, area) -> pd.DataFrame:
    """The panel with canonical triwulan labels and every column the profile needs (0 if unused)."""
    for name, frame, columns in (("panel", panel, ("kode", "triwulan", "jumlah")),
                                 ("regions", regions, ("kode", "jumlah_kec"))):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{name}: kolom tidak ada: {', '.join(missing)}")
    if regions["kode"].duplicated().any():
        raise ValueError(f"regions: kode ganda {regions.loc[regions['kode'].duplicated(), 'kode'].iloc[0]}")
    area_columns = set(area.columns) if area is not None else set()
    needed = {_SOURCE[i.kode] for d in profile.dimensi for i in d.indikator if i.kode in _SOURCE}
    missing = sorted(c for c in needed if c not in panel.columns and c not in area_columns)
    if missing:
        raise ValueError(f"panel: kolom tidak ada: {', '.join(missing)} (dibutuhkan profil {profile.nama})")
    labels = {label: normalise_quarter(label) for label in panel["triwulan"].unique()}
    out = panel.assign(triwulan=panel["triwulan"].map(labels))
    for column in PANEL_COLUMNS:
        if column not in out.columns:
            out[column] = 0.0
    return out[["kode", "triwulan", *PANEL_COLUMNS]]


def _earliest(panel: pd.DataFrame, quarter: str) -> str:
    """The first triwulan in ``panel`` up to ``quarter`` (later rows are not looked at)."""
    upto = [q for q in panel["triwulan"].unique() if period_index(q) <= period_index(quarter)]
    return min(upto, key=period_index) if upto else quarter


def _reference_window(quarter: str, elapsed: float, first: str, size: int) -> list[str]:
    """The last ``size`` complete triwulan up to ``quarter`` (before it if running), from ``first`` on."""
    last = quarter if elapsed >= 1 else shift_period(quarter, -1)
    labels = period_labels(shift_period(last, 1 - size), last)
    return [q for q in labels if period_index(q) >= period_index(first)]


def _indicator_rows(grid, regions, periods, window, first, elapsed, rules) -> pd.DataFrame:
    """Indicator values per (kode, triwulan) of ``periods`` but the first (which only serves ``kenaikan``)."""
    n, p = len(regions), len(periods)
    cols = {c: grid[c].to_numpy(dtype=float).reshape(n, p).copy() for c in PANEL_COLUMNS}
    observed = cols["jumlah"][:, 1:].copy()
    jumlah_kec = regions["jumlah_kec"].to_numpy(dtype=float).clip(min=1)
    if elapsed < 1:
        # the running triwulan (last column): recorded + days left × the region's usual pace
        ref = [periods.index(w) for w in window]
        for c in _ADDITIVE:
            usual = cols[c][:, ref].mean(axis=1) if ref else 0.0
            cols[c][:, -1] += (1.0 - elapsed) * usual
        cols["kec_terdampak"][:, -1] = np.minimum(cols["kec_terdampak"][:, -1], jumlah_kec)
    current = cols["jumlah"][:, 1:]
    before = cols["jumlah"][:, :-1]
    known = np.array([period_index(x) >= period_index(first) for x in periods[:-1]])
    growth = np.where(known, np.clip((current - before) / (before + rules.pseudo_count), 0, None), 0.0)
    table = pd.DataFrame({
        "kode": np.repeat(regions["kode"].to_numpy(), p - 1),
        "triwulan": np.tile(periods[1:], n),
        **{c: cols[c][:, 1:].ravel() for c in ("jumlah", "skor_kejadian", "eskalasi_maks", "tewas", "luka",
                                                "pengungsi")},
        "sebaran_kecamatan": np.clip(cols["kec_terdampak"][:, 1:] / jumlah_kec[:, None], 0, 1).ravel(),
        "kenaikan": growth.ravel(),
        "insiden": observed.ravel(),
    })
    return table


def _score(indicators: pd.DataFrame, profile: Profile) -> _Scored:
    """Scaled indicators, dimension scores, the index and each indicator's contribution, row by row."""
    scaled = pd.DataFrame({"kode": indicators["kode"].to_numpy()})
    scores = pd.DataFrame({"kode": indicators["kode"].to_numpy()})
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
    return _Scored(scores, scaled, contributions)


def _classify(scores: pd.DataFrame, cuts: tuple[float, float]) -> pd.DataFrame:
    # a region with no score at all is Rendah even when mean − 1 SD falls below zero
    low = (scores["ipk"] < cuts[0]) | (scores["ipk"] <= 0)
    kelas = np.select([low, scores["ipk"] < cuts[1]], CLASSES[:2], CLASSES[2])
    return scores.assign(kelas=kelas, kelas_polri=pd.Series(kelas, index=scores.index).map(POLRI_LABELS))


def _non_incident_part(contributions: dict, rows: np.ndarray) -> np.ndarray:
    """The share of the index that comes from area indicators (IKP, official indices), per row."""
    parts = [v[rows] for (_, i), v in contributions.items() if i.kode not in INCIDENT_INDICATORS]
    return np.sum(parts, axis=0) if parts else np.zeros(int(rows.sum()))


def _hold_thin_evidence(scores, incidents, non_incident, cuts, rules) -> pd.DataFrame:
    """*Tinggi* on fewer than ``rules.min_evidence`` incidents becomes *Sedang*, with the reason."""
    tinggi = (scores["kelas"] == "Tinggi").to_numpy()
    held = tinggi & (incidents < rules.min_evidence) & (non_incident < cuts[1])
    kelas = np.where(held, "Sedang", scores["kelas"])
    note = np.where(held, [f"Tinggi menurut skor, tetapi baru {int(n)} insiden tercatat (minimal "
                           f"{rules.min_evidence} untuk Tinggi)" for n in incidents], "")
    return scores.assign(kelas=kelas, kelas_polri=pd.Series(kelas).map(POLRI_LABELS).to_numpy(),
                         insiden=incidents.astype(int), catatan_kelas=note)


def _note(quarter, elapsed, window, profile) -> str:
    scheme = "batas tetap profil" if profile.skema_kelas == "tetap" else "rata-rata ± 1 SD"
    if window:
        span = window[0] if len(window) == 1 else f"{window[0]}–{window[-1]}"
        text = f"Batas kelas dari skor semua wilayah pada {span} ({scheme})."
    else:
        text = f"Belum ada triwulan lengkap sebagai rujukan: batas kelas dari {quarter} sendiri ({scheme})."
    if elapsed < 1:
        text += (f" Triwulan {quarter} masih berjalan ({_percent(elapsed)} hari): jumlah disetarakan "
                 "pro rata ke triwulan penuh (yang tercatat + sisa hari × rata-rata triwulan rujukan "
                 "wilayah itu).")
    return text


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def _cuts(ipk, profile: Profile) -> tuple[float, float]:
    if profile.skema_kelas == "tetap":
        return profile.batas
    values = np.sort(np.asarray(ipk, dtype=float))  # sorted: the same values give the same cut-offs
    mean, sd = float(values.mean()), float(values.std())
    return (max(0.0, mean - sd), min(100.0, mean + sd)) if sd > 0 else (mean, mean + 1e-9)


def _reasons(indicators, contributions, top: int = 2, approx: bool = False) -> pd.Series:
    keys = list(contributions)
    matrix = np.column_stack([contributions[k] for k in keys]) if keys else np.zeros((len(indicators), 0))
    order = np.argsort(-matrix, axis=1, kind="stable")[:, :top]
    mark = "≈" if approx else ""
    out = []
    for row, picks in enumerate(order):
        words = []
        for k in picks:
            if matrix[row, k] <= 0:
                continue
            d, i = keys[k]
            value = indicators[i.kode].iloc[row]
            shown = f"{value:.0%}" if i.kode == "sebaran_kecamatan" else (
                f"+{value:.0%}" if i.kode == "kenaikan" else f"{mark}{value:,.0f}".replace(",", "."))
            words.append(f"{d.nama.lower()}: {i.nama} {shown}")
        out.append("; ".join(words) if words else "tidak ada insiden tercatat")
    return pd.Series(out, index=indicators.index, name="alasan")
