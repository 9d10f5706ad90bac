"""The count forecast: shapes, intervals, dispersion, planted trends, and what it refuses."""

import numpy as np
import pandas as pd
import pytest

from analysis.forecast import TERMS, fit_count_model, forecast_counts, predict_counts, prediction_interval
from analysis.panel import period_index, period_labels

QUARTERS = period_labels("2016 T1", "2023 T4")
MONTHS = period_labels("2019-01", "2023-12", "bulan")


def _long(counts, periods, period="triwulan"):
    n = counts.shape[0]
    codes = [f"63.{i + 1:02d}" for i in range(n)]
    frame = pd.DataFrame(
        {"kode": np.repeat(codes, len(periods)), period: np.tile(periods, n), "jumlah": counts.ravel()}
    )
    return frame.loc[frame["jumlah"] > 0], codes


def test_next_quarter_per_region_with_an_interval():
    rng = np.random.default_rng(0)
    rate = rng.gamma(2.0, 3.0, 40)
    frame, codes = _long(rng.poisson(rate[:, None], (40, len(QUARTERS))), QUARTERS)
    result = forecast_counts(frame, codes + ["63.99"])
    out = result.frame
    assert list(out.columns) == ["kode", "triwulan", "horizon", "perkiraan", "bawah", "atas"]
    assert len(out) == 41 and set(out["triwulan"]) == {"2024 T1"} and result.origin == "2023 T4"
    assert (out["bawah"] <= out["perkiraan"]).all() and (out["perkiraan"] <= out["atas"] + 1).all()
    np.testing.assert_allclose(out["perkiraan"].iloc[:40], rate, rtol=0.3, atol=0.6)
    assert out["perkiraan"].iloc[40] < out["perkiraan"].iloc[:40].min(), "a region never seen is the quietest"
    model = result.models[0]
    assert list(model.params.index) == [*TERMS, "musim_2", "musim_3", "musim_4"]
    assert model.alpha < 0.05, "Poisson data are not over-dispersed"


def test_over_dispersed_counts_get_a_wider_interval():
    rng = np.random.default_rng(1)
    size = 2.0  # alpha = 0.5
    mean = np.full((200, len(QUARTERS)), 6.0)
    counts = rng.negative_binomial(size, size / (size + mean))
    frame, codes = _long(counts, QUARTERS)
    result = forecast_counts(frame, codes)
    assert result.models[0].alpha == pytest.approx(0.5, abs=0.12)
    poisson_low, poisson_high = prediction_interval([6.0], 0.0)
    assert (result.frame["atas"] - result.frame["bawah"]).median() > poisson_high[0] - poisson_low[0]


def test_a_steady_rise_is_carried_forward():
    rng = np.random.default_rng(2)
    growth = np.exp(np.linspace(0, np.log(6), len(QUARTERS)))
    counts = rng.poisson(np.outer(rng.uniform(1, 3, 50), growth))
    frame, codes = _long(counts, QUARTERS)
    out = forecast_counts(frame, codes).frame
    recent = counts[:, -4:].mean(axis=1)
    assert (out["perkiraan"].to_numpy() > recent).mean() > 0.8


def test_season_is_learned():
    rng = np.random.default_rng(3)
    season = np.array([1.0, 1.0, 3.0, 1.0])  # triwulan 3 is busy every year
    counts = rng.poisson(4.0 * np.tile(season, len(QUARTERS) // 4), (60, len(QUARTERS)))
    frame, codes = _long(counts, QUARTERS)
    result = forecast_counts(frame, codes, origin="2023 T2")
    assert result.frame["triwulan"].iloc[0] == "2023 T3"
    assert result.frame["perkiraan"].mean() == pytest.approx(12.0, rel=0.2)
    assert result.models[0].params["musim_3"] > 0.5


def test_next_three_months():
    rng = np.random.default_rng(4)
    frame, codes = _long(rng.poisson(2.0, (30, len(MONTHS))), MONTHS, "bulan")
    result = forecast_counts(frame, codes, period="bulan", horizons=(1, 2, 3), level=0.9)
    out = result.frame
    assert len(out) == 90 and list(out.groupby("horizon")["bulan"].first()) == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    assert [m.horizon for m in result.models] == [1, 2, 3] and result.level == 0.9
    np.testing.assert_allclose(out["perkiraan"], 2.0, rtol=0.3)


def test_the_forecast_reads_nothing_after_its_origin():
    rng = np.random.default_rng(5)
    counts = rng.poisson(3.0, (20, len(QUARTERS)))
    later = counts.copy()
    later[:, -3:] = 50
    y, y_later = counts.astype(float), later.astype(float)
    start, origin = period_index(QUARTERS[0]), len(QUARTERS) - 4
    a = predict_counts(fit_count_model(y, start, origin), y, start, origin)
    b = predict_counts(fit_count_model(y_later, start, origin), y_later, start, origin)
    np.testing.assert_array_equal(a, b)


def test_no_incident_at_all_forecasts_zero():
    codes = ["63.01", "63.02"]
    frame = pd.DataFrame({"kode": ["63.01"], "triwulan": [QUARTERS[0]], "jumlah": [0]})
    frame = pd.concat([frame, pd.DataFrame({"kode": ["63.02"], "triwulan": [QUARTERS[-1]], "jumlah": [0]})])
    out = forecast_counts(frame, codes).frame
    assert out["perkiraan"].max() < 1e-9 and (out["atas"] == 0).all()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda f, c: forecast_counts(f, c, period="minggu"), "periode tidak dikenal: 'minggu'"),
        (lambda f, c: forecast_counts(f.iloc[:0], c), "tidak ada data insiden"),
        (lambda f, c: forecast_counts(f, c, horizons=(5,)), "horizon harus 1–4 triwulan, bukan 5"),
        (lambda f, c: forecast_counts(f, c, origin="2016 T3"), "riwayat terlalu pendek untuk prakiraan"),
        (lambda f, c: prediction_interval([1.0], 0.0, level=1.5), "tingkat selang harus antara 0 dan 1"),
    ],
)
def test_refusals_say_why(call, message):
    frame, codes = _long(np.ones((3, len(QUARTERS)), dtype=int), QUARTERS)
    with pytest.raises(ValueError, match=message):
        call(frame, codes)
