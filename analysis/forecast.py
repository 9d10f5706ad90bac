"""Prakiraan: expected incidents per kabupaten/kota for the next triwulan (or the next 1–3 months).

One count regression for all regions (a Poisson GLM from statsmodels for the mean, the
negative-binomial dispersion by maximum likelihood for the interval):

``log E[y(i, t)] = b0 + b1·log1p(last) + b2·log1p(mean of the last year) + b3·log1p(mean of all
history) + b4·log1p(same period a year before) + b5·national momentum + season(t)``

where every term is computed from region ``i``'s counts up to the origin (the last period with
data) — its own level and trend are the region terms — and ``season`` has one term per triwulan
(or month) of the year. A horizon of ``h`` periods has its own fit (direct forecasting), so
nothing unknown at the origin enters a forecast. Whether the forecast may be shown is decided
by its back-test (:func:`analysis.backtest.evaluate`), not here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analysis.panel import PERIODS, period_index, period_labels, shift_period, to_wide

__all__ = [
    "CountModel",
    "Forecast",
    "fit_count_model",
    "forecast_counts",
    "predict_counts",
    "prediction_interval",
]

#: Names of the terms before the season terms, in the order of :attr:`CountModel.params`.
TERMS = ("konstanta", "terakhir", "rata_setahun", "rata_riwayat", "tahun_lalu", "momentum_nasional")


@dataclass(frozen=True)
class CountModel:
    """A fitted forecast model.

    Attributes
    ----------
    params : pandas.Series
        Coefficients on the log scale, named by :data:`TERMS` and ``musim_<k>`` (season k of the year).
    alpha : float
        Negative-binomial dispersion (0: Poisson); ``Var = μ + alpha·μ²``.
    period : {"triwulan", "bulan"}
    horizon : int
        Periods between the origin and the forecast period.
    n_obs : int
        Rows (region × period) the model was fitted on.
    """

    params: pd.Series
    alpha: float
    period: str
    horizon: int
    n_obs: int


@dataclass(frozen=True)
class Forecast:
    """Forecasts per region.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``kode``, the period column (the forecast period), ``horizon``, ``perkiraan`` (expected
        incidents), ``bawah`` and ``atas`` (the ``level`` prediction interval, whole incidents).
    origin : str
        The last period whose data were used.
    level : float
        Coverage of the interval (0.8: 8 times in 10 the count falls inside).
    models : tuple of CountModel
        One per horizon.
    """

    frame: pd.DataFrame
    origin: str
    level: float
    models: tuple[CountModel, ...]


def forecast_counts(
    counts: pd.DataFrame,
    codes,
    *,
    period: str = "triwulan",
    origin: str | None = None,
    horizons=(1,),
    level: float = 0.8,
) -> Forecast:
    """Expected incidents per region for the periods after ``origin``, with an interval.

    Parameters
    ----------
    counts : pandas.DataFrame
        Long table ``kode``, ``period`` (``"2024 T3"`` or ``"2024-07"``) and ``jumlah``; a missing
        row is a period without incidents. Only complete periods belong here.
    codes : sequence of str
        Every region to forecast (regions without any row are forecast too).
    period : {"triwulan", "bulan"}
    origin : str, optional
        Last period to use (default: the last one in ``counts``); later rows are ignored.
    horizons : sequence of int
        Periods ahead: ``(1,)`` for the next triwulan, ``(1, 2, 3)`` for the next three months.
    level : float
        Coverage of the prediction interval.

    Returns
    -------
    Forecast
    """
    if period not in PERIODS:
        raise ValueError(f"periode tidak dikenal: {period!r} (pilihan: {', '.join(PERIODS)})")
    if counts.empty:
        raise ValueError("tidak ada data insiden untuk prakiraan")
    labels = counts[period].astype(str).unique()
    first = min(labels, key=lambda x: period_index(x, period))
    origin = origin or max(labels, key=lambda x: period_index(x, period))
    periods = period_labels(first, origin, period)
    codes = list(codes)
    y = to_wide(counts.loc[counts[period].astype(str).isin(periods)], codes, periods, period=period)
    start = period_index(first, period)
    frames, models = [], []
    for h in horizons:
        model = fit_count_model(y, start, len(periods) - 1, period=period, horizon=int(h))
        mean = predict_counts(model, y, start, len(periods) - 1)
        low, high = prediction_interval(mean, model.alpha, level)
        frames.append(
            pd.DataFrame(
                {
                    "kode": codes,
                    period: shift_period(origin, int(h), period),
                    "horizon": int(h),
                    "perkiraan": mean,
                    "bawah": low,
                    "atas": high,
                }
            )
        )
        models.append(model)
    return Forecast(
        frame=pd.concat(frames, ignore_index=True), origin=origin, level=level, models=tuple(models)
    )


def fit_count_model(
    y: np.ndarray, start: int, origin: int, *, period: str = "triwulan", horizon: int = 1
) -> CountModel:
    """Fit the model on every (region, target) pair whose target is at most column ``origin``.

    Parameters
    ----------
    y : numpy.ndarray
        Counts, regions × consecutive periods; column 0 is period index ``start`` (see
        :func:`analysis.panel.period_index`).
    start : int
        Period index of column 0 (gives the season of each column).
    origin : int
        Last column the fit may read.
    period : {"triwulan", "bulan"}
    horizon : int
        Periods between a feature's origin and its target.
    """
    per_year = PERIODS[period][1]
    if horizon < 1 or horizon > per_year:
        raise ValueError(f"horizon harus 1–{per_year} {PERIODS[period][0]}, bukan {horizon}")
    origins = range(per_year - 1, origin - horizon + 1)
    names = TERMS + tuple(f"musim_{k + 1}" for k in range(1, per_year))
    if len(origins) == 0:
        raise ValueError(
            f"riwayat terlalu pendek untuk prakiraan: perlu sedikitnya {per_year + horizon} "
            f"{PERIODS[period][0]}, ada {origin + 1}"
        )
    x = np.vstack([_features(y, start, o, horizon, per_year) for o in origins])
    target = np.concatenate([y[:, o + horizon] for o in origins])
    params, mean = _fit_poisson(x, target)
    return CountModel(
        params=pd.Series(params, index=names),
        alpha=_dispersion(target, mean),
        period=period,
        horizon=horizon,
        n_obs=len(target),
    )


def predict_counts(model: CountModel, y: np.ndarray, start: int, origin: int) -> np.ndarray:
    """Expected count per region for column ``origin + model.horizon``, from columns up to ``origin``."""
    x = _features(y, start, origin, model.horizon, PERIODS[model.period][1])
    return np.exp(np.clip(x @ model.params.to_numpy(), -30, 20))


def prediction_interval(mean, alpha: float, level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed ``level`` interval of a negative-binomial count (Poisson when ``alpha`` is 0)."""
    if not 0 < level < 1:
        raise ValueError(f"tingkat selang harus antara 0 dan 1, bukan {level}")
    mean = np.asarray(mean, dtype=float)
    tails = ((1 - level) / 2, (1 + level) / 2)
    if alpha <= 1e-8:
        low, high = (stats.poisson.ppf(t, mean) for t in tails)
    else:
        size = 1.0 / alpha
        low, high = (stats.nbinom.ppf(t, size, size / (size + mean)) for t in tails)
    return np.nan_to_num(low).astype(int), np.nan_to_num(high).astype(int)


def _features(y: np.ndarray, start: int, origin: int, horizon: int, per_year: int) -> np.ndarray:
    """Design rows (one per region) for the target ``origin + horizon`` from columns ``0..origin``."""
    n = y.shape[0]
    history = y[:, : origin + 1]
    last = history[:, -1]
    year = history[:, -per_year:].mean(axis=1)
    whole = history.mean(axis=1)
    target = origin + horizon
    same = y[:, target - per_year] if target - per_year <= origin else year
    momentum = np.log((last.sum() + 1.0) / (whole.sum() + 1.0))
    season = np.zeros((n, per_year - 1))
    k = (start + target) % per_year
    if k:
        season[:, k - 1] = 1.0
    return np.column_stack(
        [
            np.ones(n),
            np.log1p(last),
            np.log1p(year),
            np.log1p(whole),
            np.log1p(same),
            np.full(n, momentum),
            season,
        ]
    )


def _fit_poisson(x: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson GLM (statsmodels, IRLS) coefficients and fitted means; all-zero data give a zero forecast."""
    import statsmodels.api as sm
    from threadpoolctl import threadpool_limits

    if target.sum() == 0:
        params = np.zeros(x.shape[1])
        params[0] = -30.0
        return params, np.zeros(len(target))
    # small dense matrices: one BLAS thread is faster than several competing for two cores
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sm.GLM(target, x, family=sm.families.Poisson()).fit()
    params = np.nan_to_num(np.asarray(result.params, dtype=float))
    return params, np.exp(np.clip(x @ params, -30, 20))


def _dispersion(target: np.ndarray, mean: np.ndarray) -> float:
    """Negative-binomial ``alpha`` by maximum likelihood, the means held fixed (0: not over-dispersed)."""
    if target.sum() == 0 or np.var(target - mean) <= mean.mean():
        return 0.0
    mu = np.clip(mean, 1e-9, None)

    def negative_loglik(log_alpha):
        size = np.exp(-log_alpha)
        return -np.sum(
            special.gammaln(target + size)
            - special.gammaln(size)
            - special.gammaln(target + 1)
            + size * np.log(size / (size + mu))
            + target * np.log(mu / (size + mu))
        )

    best = optimize.minimize_scalar(negative_loglik, bounds=(np.log(1e-6), np.log(100.0)), method="bounded")
    alpha = float(np.exp(best.x))
    return alpha if alpha > 1e-5 else 0.0
