"""Uji balik (back-test): how well the index and the forecast foresaw the quarters that followed.

For every past triwulan ``q`` with enough history, every method ranks or forecasts the regions
from the data up to ``q`` only — the index with its own cut-offs and growth, the forecast model
refitted, the simple rules from the same columns — and is scored on what happened in ``q + 1``:

* ``hit_rate``: of the ``top`` regions ranked highest, the share that were among the ``top``
  regions with most incidents (ties at the cut count as a fraction, so ties never help);
* ``ap``: average precision for "at least one incident" (the area under the precision–recall
  steps, as :func:`sklearn.metrics.average_precision_score`);
* ``spearman``: rank correlation of the ranking with the counts;
* ``mse`` and ``mae``: squared and absolute error of the expected counts (count methods only);
* ``cakupan``: share of counts inside the forecast's prediction interval.

Skill compares a method with a baseline on the mean over quarters: ``1 − loss / loss_base``
for ``mse``/``mae``; ``(s − s_base) / (1 − s_base)`` for the higher-is-better scores whose best
value is 1 (the share of the possible improvement over the baseline that was achieved). Both are
0 for "as good as the baseline" and 1 for perfect; intervals come from resampling quarters
(seeded bootstrap). The baselines are "sama dengan triwulan lalu", "rata-rata 4 triwulan
terakhir" and "rata-rata seluruh riwayat" (the best guess when nothing changes over time).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.forecast import fit_count_model, predict_counts, prediction_interval
from analysis.ipk import INCIDENT_INDICATORS, HonestRules, compute_quarter_ipk
from analysis.panel import PERIODS, normalise_quarter, period_index, period_labels, to_wide
from analysis.profile import Profile

__all__ = [
    "BASELINES",
    "MEASURES",
    "Evaluation",
    "ForecastVerdict",
    "average_precision",
    "evaluate",
    "evaluate_forecast",
    "skill_score",
    "spearman",
    "top_hit_rate",
]

#: Baselines per period: key → (words shown to the user, periods averaged; None = all history).
BASELINES = {
    "triwulan": {
        "triwulan_lalu": ("sama dengan triwulan lalu", 1),
        "rata4": ("rata-rata 4 triwulan terakhir", 4),
        "rata_riwayat": ("rata-rata seluruh riwayat", None),
    },
    "bulan": {
        "bulan_lalu": ("sama dengan bulan lalu", 1),
        "rata3": ("rata-rata 3 bulan terakhir", 3),
        "rata_riwayat": ("rata-rata seluruh riwayat", None),
    },
}
#: Measure → (words shown to the user, True if higher is better, False if a loss, None: no skill).
MEASURES = {
    "hit_rate": ("ketepatan N teratas", True),
    "ap": ("presisi rata-rata (≥ 1 insiden)", True),
    "spearman": ("korelasi peringkat Spearman", True),
    "mse": ("galat kuadrat rata-rata", False),
    "mae": ("galat mutlak rata-rata", False),
    "cakupan": ("cakupan selang prakiraan", None),
}
FORECAST = "prakiraan"
#: The loss that decides whether the forecast is shown (proper for an expected count).
PRIMARY = "mse"


@dataclass(frozen=True)
class ForecastVerdict:
    """Whether the forecast earned its place, in numbers and in words.

    Attributes
    ----------
    skill, lower, upper : float
        MSE skill over the no-change baseline and its bootstrap interval.
    beats_no_change : bool
        The skill over "sama dengan triwulan lalu" is positive, its whole interval above 0.
    shown : bool
        The forecast beats every baseline by at least ``min_skill`` with the interval above 0;
        otherwise pages show no forecast, only :attr:`text`.
    text : str
        The sentence to show, in Bahasa Indonesia.
    period : tuple of str
        First and last quarter (or month) forecast in the back-test.
    """

    skill: float
    lower: float
    upper: float
    beats_no_change: bool
    shown: bool
    text: str
    period: tuple[str, str]


@dataclass(frozen=True)
class Evaluation:
    """A back-test.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per origin and method: ``asal`` (the last period of data), ``sasaran`` (the
        period scored), ``horizon``, ``metode`` and every measure of :data:`MEASURES` (NaN where
        it does not apply), ``insiden`` and ``wilayah_insiden`` (what happened in ``sasaran``).
    summary : pandas.DataFrame
        Per method and measure: ``nilai`` (mean over quarters) and ``n`` (quarters scored).
    skill : pandas.DataFrame
        Per method, measure and baseline (``pembanding``): ``skill``, ``bawah``, ``atas``.
    predictions : pandas.DataFrame
        ``asal, horizon, kode, metode, nilai``: every ranking score or forecast that was scored.
    verdict : ForecastVerdict or None
        None when the forecast was not evaluated.
    targets : tuple of str
        The periods scored, in order.
    top : int
        N of the top-N hit rate.
    period : {"triwulan", "bulan"}
    """

    rows: pd.DataFrame
    summary: pd.DataFrame
    skill: pd.DataFrame
    predictions: pd.DataFrame
    verdict: ForecastVerdict | None
    targets: tuple[str, ...]
    top: int
    period: str = "triwulan"

    def index_text(self, method: str = "ipk") -> str:
        """How often the index's top regions were next quarter's, against the no-change rule, in words."""
        values = self.summary.set_index(["metode", "ukuran"])["nilai"]
        if (method, "hit_rate") not in values.index:
            raise ValueError(
                f"metode tidak ada dalam uji balik: {method!r} "
                f"(pilihan: {', '.join(self.summary['metode'].unique())})"
            )
        baseline, (label, _) = next(iter(BASELINES[self.period].items()))
        return (
            f"Uji balik {_span(self.targets)}: dari {self.top} wilayah dengan skor tertinggi, rata-rata "
            f"{_percent(values[(method, 'hit_rate')])} termasuk {self.top} wilayah dengan insiden terbanyak "
            f"pada {PERIODS[self.period][0]} berikutnya (anggapan '{label}': "
            f"{_percent(values[(baseline, 'hit_rate')])})."
        )

    def to_dict(self) -> dict:
        """Everything as plain JSON types (NaN as None)."""
        return {
            "periode": self.period,
            "sasaran": list(self.targets),
            "top": self.top,
            "baris": _records(self.rows),
            "ringkasan": _records(self.summary),
            "skill": _records(self.skill),
            "prakiraan": None
            if self.verdict is None
            else {
                "skill": _plain(self.verdict.skill),
                "bawah": _plain(self.verdict.lower),
                "atas": _plain(self.verdict.upper),
                "unggul_dari_tanpa_perubahan": self.verdict.beats_no_change,
                "tampil": self.verdict.shown,
                "teks": self.verdict.text,
                "rentang": list(self.verdict.period),
            },
        }


def evaluate(
    counts: pd.DataFrame,
    regions: pd.DataFrame,
    profile: Profile | Mapping[str, Profile],
    *,
    top: int | None = None,
    first: str | None = None,
    last: str | None = None,
    min_history: int = 8,
    forecast: bool = True,
    level: float = 0.8,
    rules: HonestRules = HonestRules(),
    n_boot: int = 1000,
    seed: int = 0,
    min_skill: float = 0.05,
) -> Evaluation:
    """Back-test the index (one or more weight profiles), the baselines and the forecast.

    Parameters
    ----------
    counts : pandas.DataFrame
        Counts per region and triwulan: ``kode``, ``triwulan`` and the columns of
        :data:`analysis.ipk.PANEL_COLUMNS` the profiles need; a missing row is a quarter without
        incidents. Every triwulan from ``first`` to ``last`` must be complete.
    regions : pandas.DataFrame
        Every kabupaten/kota (``kode``, ``jumlah_kec``); counts of other codes are refused.
    profile : Profile or mapping of str to Profile
        One profile (method ``"ipk"``) or several side by side (methods ``"ipk:<name>"``).
        Profiles with area indicators (e.g. IKP) are refused: one area table for every past
        quarter would let the index see the future.
    top : int, optional
        N of the top-N hit rate (default: a tenth of the regions, at least 5 — 52 nationally).
    first, last : str, optional
        Triwulan range of the data (default: all of ``counts``).
    min_history : int
        Quarters of data up to an origin before it is scored (≥ 5 so that the forecast has a
        year of lags and a quarter to fit on).
    forecast : bool
        Also back-test the forecast (a model refitted at every origin).
    level : float
        Coverage of the forecast's prediction interval.
    rules : HonestRules
        The index's rules (reference window, cushion for growth).
    n_boot, seed : int
        Bootstrap resamples of quarters and their seed.
    min_skill : float
        Least MSE skill over every baseline for the forecast to be shown.

    Returns
    -------
    Evaluation
    """
    profiles = _profiles(profile)
    top = _default_top(top, len(regions))
    _check_options(top, min_history, n_boot)
    panel = _check_counts(counts, regions, profiles)
    labels = panel["triwulan"].unique()
    periods = period_labels(
        normalise_quarter(first) if first else min(labels, key=period_index),
        normalise_quarter(last) if last else max(labels, key=period_index),
    )
    panel = panel.loc[panel["triwulan"].isin(periods)].assign(_t=lambda f: f["triwulan"].map(periods.index))
    codes = regions["kode"].tolist()
    y = to_wide(panel, codes, periods)
    origins = list(range(min_history - 1, len(periods) - 1))
    if not origins:
        raise ValueError(
            f"riwayat terlalu pendek untuk uji balik: perlu sedikitnya {min_history + 1} triwulan "
            f"({min_history} sebagai riwayat dan satu untuk dinilai), ada {len(periods)}"
        )
    start = period_index(periods[0])
    scored = {}
    for t in origins:
        known = panel.loc[panel["_t"] <= t]  # nothing after the origin is passed on
        ranks = {
            name: compute_quarter_ipk(
                known, regions, p, periods[t], since=periods[0], rules=rules, reasons=False
            )
            .scores["ipk"]
            .to_numpy(dtype=float)
            for name, p in profiles.items()
        }
        scored[(t, 1)] = {**ranks, **_baselines(y[:, : t + 1], "triwulan")}
        if forecast:
            scored[(t, 1)].update(_forecast_at(y[:, : t + 1], start, "triwulan", 1, level))
    return _assemble(scored, y, codes, periods, "triwulan", top, forecast, n_boot, seed, min_skill)


def evaluate_forecast(
    counts: pd.DataFrame,
    codes,
    *,
    period: str = "bulan",
    horizons=(1, 2, 3),
    origins=None,
    first: str | None = None,
    last: str | None = None,
    min_history: int | None = None,
    top: int | None = None,
    level: float = 0.8,
    n_boot: int = 1000,
    seed: int = 0,
    min_skill: float = 0.05,
) -> Evaluation:
    """Back-test the count forecast alone, e.g. the next 1–3 months, with the same machinery.

    Parameters
    ----------
    counts : pandas.DataFrame
        ``kode``, ``period`` (``"2024-07"`` for months) and ``jumlah``; complete periods only.
    codes : sequence of str
        Every region.
    period : {"bulan", "triwulan"}
    horizons : sequence of int
        Periods ahead, each with its own model and rows.
    origins : sequence of str, optional
        Origins to score (default: every period with enough history, e.g. the last month of
        each quarter when the caller passes those).
    first, last : str, optional
        Range of the data.
    min_history : int, optional
        Periods of data before the first origin (default: two years).
    top, level, n_boot, seed, min_skill
        As in :func:`evaluate`.
    """
    if period not in PERIODS:
        raise ValueError(f"periode tidak dikenal: {period!r} (pilihan: {', '.join(PERIODS)})")
    per_year = PERIODS[period][1]
    min_history = min_history or 2 * per_year
    codes = list(codes)
    top = _default_top(top, len(codes))
    _check_options(top, min_history, n_boot)
    labels = counts[period].astype(str).unique()
    if not len(labels):
        raise ValueError("tidak ada data insiden untuk uji balik")
    periods = period_labels(
        first or min(labels, key=lambda x: period_index(x, period)),
        last or max(labels, key=lambda x: period_index(x, period)),
        period,
    )
    y = to_wide(counts.loc[counts[period].astype(str).isin(periods)], codes, periods, period=period)
    wanted = None if origins is None else {periods.index(o) for o in origins if o in periods}
    pairs = [
        (t, h)
        for t in range(min_history - 1, len(periods))
        for h in horizons
        if t + h < len(periods) and (wanted is None or t in wanted)
    ]
    if not pairs:
        raise ValueError(
            f"riwayat terlalu pendek untuk uji balik: perlu lebih dari {min_history} {PERIODS[period][0]}"
        )
    start = period_index(periods[0], period)
    scored = {}
    for t, h in pairs:
        scored[(t, h)] = {
            **_baselines(y[:, : t + 1], period),
            **_forecast_at(y[:, : t + 1], start, period, h, level),
        }
    return _assemble(scored, y, codes, periods, period, top, True, n_boot, seed, min_skill)


# --- scores -------------------------------------------------------------------------------------


def top_hit_rate(score, truth, n: int) -> float:
    """Share of the ``n`` highest ``score`` that are among the ``n`` highest positive ``truth``.

    Ties are fair: a group of equal scores straddling the cut takes the free places in
    proportion (the expected value of breaking the tie at random), and every truth value equal
    to the n-th largest counts as top. The denominator is ``min(n, regions with truth > 0)``;
    NaN when nothing happened.
    """
    score, truth = np.asarray(score, dtype=float), np.asarray(truth, dtype=float)
    k = int(min(n, (truth > 0).sum()))
    if k == 0:
        return float("nan")
    threshold = np.sort(truth)[::-1][k - 1]
    actual = (truth >= threshold) & (truth > 0)
    return float((_top_weights(score, min(n, len(score))) * actual).sum() / k)


def _top_weights(score: np.ndarray, n: int) -> np.ndarray:
    """1 for the clear top ``n``, a share for the tie group at the cut, 0 below; sums to ``n``."""
    cut = np.sort(score)[::-1][n - 1]
    above, at = score > cut, score == cut
    return above.astype(float) + at * (n - above.sum()) / at.sum()


def average_precision(score, positive) -> float:
    """Average precision of ``score`` for the binary ``positive`` (tied scores form one step).

    ``AP = Σ (R_k − R_{k−1}) · P_k`` over the distinct score thresholds from high to low, as
    :func:`sklearn.metrics.average_precision_score`; NaN when there is no positive.
    """
    score, positive = np.asarray(score, dtype=float), np.asarray(positive, dtype=bool)
    if not positive.any():
        return float("nan")
    order = np.argsort(-score, kind="stable")
    s, p = score[order], positive[order]
    last_of_group = np.r_[s[1:] != s[:-1], True]
    tp = np.cumsum(p)[last_of_group]
    seen = np.arange(1, len(s) + 1)[last_of_group]
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * tp / seen))


def spearman(score, truth) -> float:
    """Spearman rank correlation (average ranks for ties); NaN when either side is constant."""
    from scipy.stats import rankdata

    a, b = rankdata(score), rankdata(truth)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def skill_score(value, baseline, higher_is_better: bool):
    """Skill of ``value`` over ``baseline``: ``1 − value/baseline`` for a loss,
    ``(value − baseline)/(1 − baseline)`` for a score whose best value is 1. NaN when undefined."""
    value, baseline = np.asarray(value, dtype=float), np.asarray(baseline, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (value - baseline) / (1.0 - baseline) if higher_is_better else 1.0 - value / baseline
    return np.where(np.isfinite(out), out, np.nan)


# --- inner steps --------------------------------------------------------------------------------


def _profiles(profile) -> dict[str, Profile]:
    profiles = (
        {"ipk": profile} if isinstance(profile, Profile) else {f"ipk:{k}": p for k, p in profile.items()}
    )
    if not profiles:
        raise ValueError("tidak ada profil untuk diuji")
    for p in profiles.values():
        area = [i.kode for d in p.dimensi for i in d.indikator if i.kode not in INCIDENT_INDICATORS]
        if area:
            raise ValueError(
                f"profil {p.nama}: indikator {', '.join(area)} bukan dari insiden; uji balik hanya untuk "
                "indikator insiden (satu tabel wilayah untuk semua triwulan lampau akan melihat masa depan)"
            )
    return profiles


def _default_top(top, regions: int) -> int:
    return max(5, -(-regions // 10)) if top is None else top


def _check_options(top, min_history, n_boot) -> None:
    if top < 1:
        raise ValueError(f"top harus ≥ 1, bukan {top}")
    if min_history < 5:
        raise ValueError(
            f"riwayat minimal harus ≥ 5 periode (setahun jeda dan satu untuk melatih), bukan {min_history}"
        )
    if n_boot < 0:
        raise ValueError(f"jumlah bootstrap harus ≥ 0, bukan {n_boot}")


def _check_counts(counts: pd.DataFrame, regions: pd.DataFrame, profiles) -> pd.DataFrame:
    missing = [c for c in ("kode", "triwulan", "jumlah") if c not in counts.columns]
    if missing:
        raise ValueError(f"tabel hitungan: kolom tidak ada: {', '.join(missing)}")
    if counts.empty:
        raise ValueError("tidak ada data insiden untuk uji balik")
    unknown = sorted(set(counts["kode"]) - set(regions["kode"]))
    if unknown:
        raise ValueError(
            f"kode wilayah tidak ada dalam daftar wilayah: {', '.join(unknown[:5])}"
            + (f" (dan {len(unknown) - 5} lagi)" if len(unknown) > 5 else "")
        )
    labels = {x: normalise_quarter(x) for x in counts["triwulan"].unique()}
    return counts.assign(triwulan=counts["triwulan"].map(labels))


def _baselines(history: np.ndarray, period: str) -> dict[str, np.ndarray]:
    return {
        key: history[:, -(window or history.shape[1]) :].mean(axis=1)
        for key, (_, window) in BASELINES[period].items()
    }


def _forecast_at(history: np.ndarray, start: int, period: str, horizon: int, level: float) -> dict:
    origin = history.shape[1] - 1
    model = fit_count_model(history, start, origin, period=period, horizon=horizon)
    mean = predict_counts(model, history, start, origin)
    low, high = prediction_interval(mean, model.alpha, level)
    return {FORECAST: mean, "_bawah": low, "_atas": high}


def _measures(pred: dict, truth: np.ndarray, top: int) -> dict[str, dict[str, float]]:
    out = {}
    counts_like = [k for k in pred if not k.startswith("ipk") and not k.startswith("_")]
    for name, value in pred.items():
        if name.startswith("_"):
            continue
        row = {
            "hit_rate": top_hit_rate(value, truth, top),
            "ap": average_precision(value, truth > 0),
            "spearman": spearman(value, truth),
            "mse": np.nan,
            "mae": np.nan,
            "cakupan": np.nan,
        }
        if name in counts_like:
            row["mse"] = float(np.mean((value - truth) ** 2))
            row["mae"] = float(np.mean(np.abs(value - truth)))
        if name == FORECAST:
            row["cakupan"] = float(np.mean((truth >= pred["_bawah"]) & (truth <= pred["_atas"])))
        out[name] = row
    return out


def _assemble(scored, y, codes, periods, period, top, forecast, n_boot, seed, min_skill) -> Evaluation:
    """Rows, summary, skill and verdict from the predictions ``scored[(origin, horizon)]``."""
    records, predictions = [], []
    for (t, h), pred in scored.items():
        truth = y[:, t + h]
        for name, values in _measures(pred, truth, top).items():
            records.append(
                {
                    "asal": periods[t],
                    "sasaran": periods[t + h],
                    "horizon": h,
                    "metode": name,
                    **values,
                    "insiden": int(truth.sum()),
                    "wilayah_insiden": int((truth > 0).sum()),
                }
            )
            predictions.append((periods[t], h, pred[name]))
    rows = pd.DataFrame(records)
    methods = list(dict.fromkeys(rows["metode"]))
    baselines = list(BASELINES[period])
    summary = _summary(rows, methods)
    skill = _skills(rows, methods, baselines, n_boot, seed)
    verdict = _verdict(skill, rows, period, baselines, min_skill) if forecast else None
    n = len(codes)
    pred_frame = pd.DataFrame(
        {
            "asal": np.repeat([p[0] for p in predictions], n),
            "horizon": np.repeat([p[1] for p in predictions], n),
            "kode": np.tile(np.asarray(codes, dtype=object), len(predictions)),
            "metode": np.repeat(rows["metode"].to_numpy(), n),
            "nilai": np.concatenate([np.asarray(p[2], dtype=float) for p in predictions]),
        }
    )
    targets = tuple(dict.fromkeys(rows["sasaran"]))
    return Evaluation(
        rows=rows,
        summary=summary,
        skill=skill,
        predictions=pred_frame,
        verdict=verdict,
        targets=targets,
        top=top,
        period=period,
    )


def _summary(rows: pd.DataFrame, methods) -> pd.DataFrame:
    long = rows.melt(
        id_vars=["metode", "horizon"], value_vars=list(MEASURES), var_name="ukuran", value_name="v"
    )
    out = (
        long.dropna(subset=["v"])
        .groupby(["metode", "horizon", "ukuran"], sort=False)["v"]
        .agg(["mean", "size"])
    )
    out = out.reset_index().rename(columns={"mean": "nilai", "size": "n"})
    order = out["metode"].map({m: i for i, m in enumerate(methods)})
    return (
        out.assign(_o=order)
        .sort_values(["horizon", "_o"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _skills(rows, methods, baselines, n_boot, seed) -> pd.DataFrame:
    """Skill of every method over every baseline, with a paired bootstrap over quarters."""
    rng = np.random.default_rng(seed)
    out = []
    for h, part in rows.groupby("horizon", sort=True):
        wide = {m: part.loc[part["metode"] == m].reset_index(drop=True) for m in methods}
        quarters = len(wide[baselines[0]])
        draws = rng.integers(0, quarters, size=(n_boot, quarters)) if n_boot else None
        for m in methods:
            for b in baselines:
                if b == m:
                    continue
                for measure, (_, higher) in MEASURES.items():
                    if higher is None:
                        continue
                    a, c = wide[m][measure].to_numpy(dtype=float), wide[b][measure].to_numpy(dtype=float)
                    if np.isnan(a).all() or np.isnan(c).all():
                        continue
                    point = float(skill_score(np.nanmean(a), np.nanmean(c), higher))
                    low = high = np.nan
                    if draws is not None:
                        with warnings.catch_warnings():  # a draw of only NaN quarters is NaN
                            warnings.simplefilter("ignore", RuntimeWarning)
                            boot = skill_score(
                                np.nanmean(a[draws], axis=1), np.nanmean(c[draws], axis=1), higher
                            )
                        boot = boot[np.isfinite(boot)]
                        if len(boot):
                            low, high = (float(v) for v in np.percentile(boot, [2.5, 97.5]))
                    out.append(
                        {
                            "metode": m,
                            "horizon": int(h),
                            "ukuran": measure,
                            "pembanding": b,
                            "skill": point,
                            "bawah": low,
                            "atas": high,
                        }
                    )
    return pd.DataFrame(out, columns=["metode", "horizon", "ukuran", "pembanding", "skill", "bawah", "atas"])


def _verdict(skill, rows, period, baselines, min_skill) -> ForecastVerdict:
    labels = BASELINES[period]
    mine = skill.loc[(skill["metode"] == FORECAST) & (skill["ukuran"] == PRIMARY) & (skill["horizon"] == 1)]
    mine = mine.set_index("pembanding")
    targets = rows.loc[rows["horizon"] == 1, "sasaran"].unique()
    span = (str(targets[0]), str(targets[-1]))
    no_change = mine.loc[baselines[0]]
    beats = bool(no_change["skill"] > 0 and _above_zero(no_change["bawah"]))
    good = {b: bool(mine.at[b, "skill"] >= min_skill and _above_zero(mine.at[b, "bawah"])) for b in baselines}
    shown = all(good.values())
    where = f"pada uji balik {_span(span)}"
    if shown:
        text = (
            f"Prakiraan ini {_percent(no_change['skill'])} lebih tepat daripada anggapan "
            f"'{labels[baselines[0]][0]}' {where} (galat kuadrat rata-rata{_interval(no_change)})."
        )
    else:
        weakest = min(baselines, key=lambda b: (good[b], mine.at[b, "skill"]))
        row = mine.loc[weakest]
        value = row["skill"]
        how = (
            f"{_percent(value)} lebih tepat, tetapi belum pasti"
            if value >= min_skill
            else f"hanya {_percent(value)} lebih tepat"
            if value > 0
            else f"{_percent(-value)} kurang tepat"
            if value < 0
            else "sama tepatnya"
        )
        text = (
            f"Prakiraan tidak ditampilkan: {where} prakiraan {how} daripada anggapan "
            f"'{labels[weakest][0]}' ({_interval(row)[2:] or 'tanpa selang'}; syarat: sedikitnya "
            f"{_percent(min_skill)} lebih tepat daripada setiap cara sederhana, "
            "dengan selang 95 % di atas 0)."
        )
    return ForecastVerdict(
        skill=float(no_change["skill"]),
        lower=float(no_change["bawah"]),
        upper=float(no_change["atas"]),
        beats_no_change=beats,
        shown=shown,
        text=text,
        period=span,
    )


def _interval(row) -> str:
    if np.isnan(row["bawah"]):
        return ""
    return f"; selang 95 %: {_percent(row['bawah'])} s.d. {_percent(row['atas'])}"


def _above_zero(value) -> bool:
    # without a bootstrap (n_boot=0) the point value alone decides
    return bool(np.isnan(value) or value > 0)


def _span(pair) -> str:
    first, last = pair[0], pair[-1]
    return first if first == last else f"{first}–{last}"


def _percent(share: float) -> str:
    """A share as Indonesians write a percentage: ``18 %``, ``2,5 %``."""
    value = float(share) * 100
    text = f"{value:.0f}" if abs(value) >= 10 or value == round(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} %"


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), 6)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
