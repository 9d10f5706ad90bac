"""IPK golden values, monotonicity, profile editing, early warning."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.early_warning import surges
from analysis.ipk import build_indicators, compute_ipk, scale
from analysis.profile import ProfileError, load_profile, parse_profile
from settings import DATA_DIR

PROFILE = load_profile(DATA_DIR / "profiles" / "konflik_sosial.toml")
SIMPLE = parse_profile({"nama": "uji", "kelas": {"skema": "tetap", "batas": [30, 60]}, "dimensi": [
    {"kode": "a", "nama": "A", "bobot": 3, "indikator": [{"kode": "x", "nama": "x", "bobot": 1, "rujukan": 9}]},
    {"kode": "b", "nama": "B", "bobot": 1, "indikator": [{"kode": "y", "nama": "y", "bobot": 1, "rujukan": 1}]},
]})


def test_golden_values_by_hand():
    table = pd.DataFrame({"kode": ["01", "02", "03"], "x": [0.0, 9.0, 3.0], "y": [1.0, 0.0, 0.0]})
    result = compute_ipk(table, SIMPLE)
    # x: 100·ln(1+x)/ln(10); y: 100·min(1, ln(1+y)/ln 2); IPK = (3·A + 1·B) / 4
    a3 = 100 * np.log(4) / np.log(10)
    expected = [25.0, 75.0, 0.75 * a3]
    np.testing.assert_allclose(result.scores["ipk"], np.round(expected, 2))
    assert list(result.scores["kelas"]) == ["Rendah", "Tinggi", "Sedang"]
    assert list(result.scores["kelas_polri"]) == ["Kurang rawan", "Sangat rawan", "Rawan"]
    assert result.reasons.iloc[1].startswith("a: x 9")


def test_weights_change_scores():
    table = pd.DataFrame({"kode": ["01"], "x": [9.0], "y": [0.0]})
    before = compute_ipk(table, SIMPLE).scores["ipk"].iloc[0]
    after = compute_ipk(table, SIMPLE.with_dimension_weights({"a": 1, "b": 1})).scores["ipk"].iloc[0]
    assert (before, after) == (75.0, 50.0)
    with pytest.raises(ProfileError, match="dimensi tidak dikenal: z"):
        SIMPLE.with_dimension_weights({"z": 1})


def test_editing_the_profile_file_changes_scores(tmp_path):
    text = (DATA_DIR / "profiles" / "konflik_sosial.toml").read_text(encoding="utf-8")
    edited = tmp_path / "p.toml"
    edited.write_text(text.replace("bobot = 0.35", "bobot = 0.0", 1), encoding="utf-8")
    table = _indicators(current=[5], previous=[5])
    base = compute_ipk(table, PROFILE).scores["ipk"].iloc[0]
    changed = compute_ipk(table, load_profile(edited)).scores["ipk"].iloc[0]
    assert changed != base


@pytest.mark.parametrize("data, message", [
    ({"dimensi": []}, "tidak ada \\[\\[dimensi\\]\\]"),
    ({"dimensi": [{"kode": "a", "indikator": []}]}, "tidak punya indikator"),
    ({"dimensi": [{"kode": "a", "indikator": [{"kode": "x", "rujukan": 0}]}]}, "'rujukan' harus angka > 0"),
    ({"kelas": {"skema": "acak"}, "dimensi": [{"kode": "a", "indikator": [{"kode": "x", "rujukan": 1}]}]},
     "skema 'acak' tidak dikenal"),
])
def test_bad_profiles_name_the_key(data, message):
    with pytest.raises(ProfileError, match=message):
        parse_profile(data, "uji.toml")


def _indicators(current, previous, eskalasi=3):
    n = len(current)
    regions = pd.DataFrame({"kode": [f"63.{i + 1:02d}" for i in range(n)], "jumlah_kec": 10})
    cur = pd.DataFrame({"kode": regions["kode"], "jumlah": current, "skor_kejadian": np.array(current) * eskalasi * 2,
                        "eskalasi_maks": [eskalasi if c else 0 for c in current], "tewas": 0, "luka": 0, "pengungsi": 0})
    prev = pd.DataFrame({"kode": regions["kode"], "jumlah": previous})
    kec = pd.DataFrame({"kode": [f"{k}.01" for k, c in zip(regions["kode"], current) if c]})
    return build_indicators(cur, prev, kec, regions)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=2, max_size=8), st.data())
def test_score_in_range_and_never_falls_when_an_incident_is_added(counts, data):
    previous = data.draw(st.lists(st.integers(0, 300), min_size=len(counts), max_size=len(counts)))
    who = data.draw(st.integers(0, len(counts) - 1))
    before = compute_ipk(_indicators(counts, previous), PROFILE).scores["ipk"]
    more = list(counts)
    more[who] += 1
    after = compute_ipk(_indicators(more, previous), PROFILE).scores["ipk"]
    assert before.between(0, 100).all() and after.between(0, 100).all()
    assert after.iloc[who] >= before.iloc[who]


def test_scale_is_monotone_and_capped():
    values = scale([0, 1, 10, 80, 1000], 80)
    assert list(values) == sorted(values) and values[0] == 0 and values[-1] == 100


def test_one_to_two_is_not_a_surge_but_a_real_rise_is():
    current = pd.DataFrame({"kode": ["a", "b", "c"], "jumlah": [2, 30, 11]})
    baseline = pd.DataFrame({"kode": ["a", "b", "c"], "jumlah": [1, 10, 10]})
    flagged = surges(current, baseline)
    assert list(flagged["kode"]) == ["b"]
    assert flagged.loc[0, "tingkat"] == "lonjakan"
    assert "30 insiden vs 10 sebelumnya (+200%" in flagged.loc[0, "alasan"]


def test_sd_classes_and_zero_scores():
    table = pd.DataFrame({"kode": list("abcdef"), "x": [0, 0, 0, 0, 1, 9.0], "y": 0.0})
    profile = parse_profile({"dimensi": [{"kode": "a", "indikator": [{"kode": "x", "rujukan": 9}]}]})
    result = compute_ipk(table, profile)
    ipk = result.scores["ipk"]
    mean, sd = ipk.mean(), ipk.std(ddof=0)
    assert result.cuts == pytest.approx((max(0, mean - sd), mean + sd))
    assert list(result.scores["kelas"]) == ["Rendah"] * 4 + ["Sedang", "Tinggi"]


def test_official_index_as_a_linear_kerentanan_dimension():
    from analysis.profile import Dimension, Indicator

    table = pd.DataFrame({"kode": ["01", "02"], "x": [0.0, 0.0], "y": [0.0, 0.0], "ikp": [50.0, np.nan]})
    profile = SIMPLE.with_dimension(Dimension("kerentanan", "Kerentanan", 4.0,
                                              (Indicator("ikp", "skor IKP", 1.0, 100.0, "linear"),)))
    scores = compute_ipk(table, profile).scores
    # (3·0 + 1·0 + 4·50) / 8 = 25; a region without an IKP counts 0 there
    assert list(scores["ipk"]) == [25.0, 0.0]
    assert list(scores["kerentanan"]) == [50.0, 0.0]
