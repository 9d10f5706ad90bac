"""Honest IPK classes, the period grid, and the back-test on planted data whose answer is known."""

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.backtest import (
    average_precision,
    evaluate,
    evaluate_forecast,
    skill_score,
    spearman,
    top_hit_rate,
)
from analysis.ipk import CLASSES, HonestRules, compute_quarter_ipk, panel_from_aggregates
from analysis.panel import fill_period_grid, normalise_quarter, period_labels, quarter_elapsed, shift_period
from analysis.profile import load_profile, parse_profile
from sigap.config import DATA_DIR

PROFILE = load_profile(DATA_DIR / "profiles" / "konflik_sosial.toml")
QUARTERS = period_labels("2019 T1", "2022 T4")


def _codes(n):
    return [f"{11 + i // 50:02d}.{i % 50 + 1:02d}" for i in range(n)]


def _regions(n, kec=10):
    return pd.DataFrame({"kode": _codes(n), "jumlah_kec": kec})


def _panel(counts: np.ndarray, quarters=QUARTERS):
    """A long panel from a regions × quarters count array; the other columns follow the count."""
    n, p = counts.shape
    frame = pd.DataFrame(
        {
            "kode": np.repeat(_codes(n), p),
            "triwulan": np.tile(quarters, n),
            "jumlah": counts.ravel().astype(int),
        }
    )
    frame = frame.loc[frame["jumlah"] > 0].reset_index(drop=True)
    frame["skor_kejadian"] = frame["jumlah"] * 6.0
    frame["eskalasi_maks"] = 3.0
    frame["tewas"] = (frame["jumlah"] // 10).astype(float)
    frame["luka"] = (frame["jumlah"] // 3).astype(float)
    frame["pengungsi"] = 0.0
    frame["kec_terdampak"] = np.minimum(frame["jumlah"], 10).astype(float)
    return frame


def _stationary(n=60, seed=1, quarters=QUARTERS):
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.5, 4.0, n)
    return rng.poisson(rate[:, None], (n, len(quarters)))


# --- period grid -------------------------------------------------------------------------------


def test_quarter_labels_and_elapsed_share():
    assert normalise_quarter("2019T1") == normalise_quarter("2019 Q1") == "2019 T1"
    assert shift_period("2019 T1", -1) == "2018 T4"
    assert period_labels("2023 T3", "2024 T2") == ["2023 T3", "2023 T4", "2024 T1", "2024 T2"]
    assert period_labels("2024-11", "2025-02", "bulan") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert quarter_elapsed("2024 T1", date(2024, 2, 15)) == pytest.approx(46 / 91)
    assert quarter_elapsed("2024 T1", date(2024, 5, 1)) == 1.0
    with pytest.raises(ValueError, match="belum dimulai"):
        quarter_elapsed("2024 T2", date(2024, 3, 1))
    with pytest.raises(ValueError, match="label triwulan tidak sah: '2024 T5'"):
        normalise_quarter("2024 T5")


def test_grid_has_a_zero_row_for_every_quiet_region_and_month():
    counts = pd.DataFrame({"kode": ["63.01", "63.02"], "bulan": ["2024-01", "2024-03"], "jumlah": [4, 1]})
    grid = fill_period_grid(
        counts, ["63.01", "63.02", "63.03"], period_labels("2024-01", "2024-03", "bulan"), period="bulan"
    )
    assert len(grid) == 9 and grid["jumlah"].sum() == 5 and grid["jumlah"].dtype == counts["jumlah"].dtype
    assert grid.set_index(["kode", "bulan"]).at[("63.03", "2024-02"), "jumlah"] == 0
    with pytest.raises(ValueError, match="baris ganda untuk kode 63.01"):
        fill_period_grid(pd.concat([counts, counts]), ["63.01"], ["2024-01"], period="bulan")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 5), st.integers(1, 9)),
        max_size=20,
        unique_by=lambda x: x[:2],
    )
)
def test_grid_keeps_every_count_and_adds_only_zeros(cells):
    codes, periods = _codes(5), QUARTERS[:6]
    frame = pd.DataFrame(
        [(codes[i], periods[j], c) for i, j, c in cells], columns=["kode", "triwulan", "jumlah"]
    )
    grid = fill_period_grid(frame, codes, periods)
    assert len(grid) == 30 and grid["jumlah"].sum() == frame["jumlah"].sum()
    assert (grid["jumlah"] > 0).sum() == len(frame)


# --- honest classes ----------------------------------------------------------------------------


def test_one_severe_incident_is_not_tinggi_but_a_real_cluster_is():
    counts = np.zeros((40, 8), dtype=int)
    counts[:30, :] = 1  # a quiet country: one incident a quarter in most places
    counts[38, -1] = 12  # a real cluster this quarter
    panel = _panel(counts, QUARTERS[:8])
    lone = pd.DataFrame(
        [
            {
                "kode": _codes(40)[39],
                "triwulan": QUARTERS[7],
                "jumlah": 1,
                "skor_kejadian": 15.0,
                "eskalasi_maks": 5.0,
                "tewas": 3.0,
                "luka": 8.0,
                "pengungsi": 40.0,
                "kec_terdampak": 1.0,
            }
        ]
    )
    result = compute_quarter_ipk(pd.concat([panel, lone]), _regions(40), PROFILE, QUARTERS[7])
    scores = result.scores.set_index("kode")
    single, cluster = scores.loc[_codes(40)[39]], scores.loc[_codes(40)[38]]
    assert single["ipk"] >= result.cuts[1], "the score alone would say Tinggi"
    assert single["kelas"] == "Sedang" and "baru 1 insiden" in single["catatan_kelas"]
    assert cluster["kelas"] == "Tinggi" and cluster["catatan_kelas"] == ""
    assert result.reference == tuple(QUARTERS[4:8])
    assert "Batas kelas dari skor semua wilayah pada 2020 T1–2020 T4" in result.note


def test_growth_from_nothing_is_cushioned():
    counts = np.zeros((3, 2), dtype=int)
    counts[:, 1] = [1, 2, 20]
    counts[2, 0] = 10
    result = compute_quarter_ipk(_panel(counts, QUARTERS[:2]), _regions(3), PROFILE, QUARTERS[1])
    # (now − before) / (before + 3): 0→1 is +33 %, 0→2 +67 %, 10→20 +77 %
    np.testing.assert_allclose(result.values["kenaikan"], [1 / 3, 2 / 3, 10 / 13])


def test_cut_offs_come_from_the_complete_quarters_not_the_running_one():
    counts = _stationary(40, seed=3, quarters=QUARTERS[:9])
    counts[:, -1] = 0
    counts[0, -1] = 2  # ten days into the quarter: almost nothing recorded yet
    panel = _panel(counts, QUARTERS[:9])
    running = compute_quarter_ipk(panel, _regions(40), PROFILE, QUARTERS[8], as_of=date(2021, 1, 10))
    complete = compute_quarter_ipk(panel, _regions(40), PROFILE, QUARTERS[7])
    assert running.reference == tuple(QUARTERS[4:8]) and running.cuts == complete.cuts
    assert running.elapsed == pytest.approx(10 / 90)
    assert "masih berjalan (11 % hari)" in running.note and "pro rata" in running.note
    # projected: recorded + 80/90 of the region's usual quarter
    usual = counts[1, 4:8].mean()
    assert running.values["jumlah"].iloc[1] == pytest.approx(80 / 90 * usual)
    assert running.scores["insiden"].iloc[1] == 0
    assert running.reasons.iloc[1].count("≈") >= 1 or running.scores["ipk"].iloc[1] == 0


def test_fixed_cut_offs_and_area_dimension_still_work():
    from analysis.profile import Dimension, Indicator

    profile = PROFILE.with_dimension(
        Dimension("kerentanan", "Kerentanan", 4.0, (Indicator("ikp", "skor IKP", 1.0, 100.0, "linear"),))
    )
    counts = np.zeros((3, 5), dtype=int)
    area = pd.DataFrame({"kode": _codes(3), "ikp": [100.0, 0.0, 50.0]})
    result = compute_quarter_ipk(_panel(counts, QUARTERS[:5]), _regions(3), profile, QUARTERS[4], area=area)
    # no incident at all, but a very high IKP: Tinggi is allowed from the area indicator alone
    assert list(result.scores["kelas"]) == ["Tinggi", "Rendah", "Sedang"]
    with pytest.raises(ValueError, match="indikator tidak ada di tabel: ikp"):
        compute_quarter_ipk(_panel(counts, QUARTERS[:5]), _regions(3), profile, QUARTERS[4])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p, r: (p.drop(columns="jumlah"), r), "panel: kolom tidak ada: jumlah"),
        (lambda p, r: (p.drop(columns="tewas"), r), "panel: kolom tidak ada: tewas"),
        (lambda p, r: (p, r.drop(columns="jumlah_kec")), "regions: kolom tidak ada: jumlah_kec"),
        (lambda p, r: (p, pd.concat([r, r])), "regions: kode ganda"),
        (lambda p, r: (p.assign(triwulan="2020 T9"), r), "label triwulan tidak sah: '2020 T9'"),
    ],
)
def test_bad_panels_say_what_is_wrong(change, message):
    panel, regions = change(_panel(np.ones((3, 4), dtype=int), QUARTERS[:4]), _regions(3))
    with pytest.raises(ValueError, match=message):
        compute_quarter_ipk(panel, regions, PROFILE, QUARTERS[3])


@pytest.mark.parametrize(
    "rules, message",
    [
        (dict(window=0), "jendela rujukan"),
        (dict(min_evidence=-1), "bukti minimal"),
        (dict(pseudo_count=0), "penyangga"),
    ],
)
def test_bad_rules_are_refused(rules, message):
    with pytest.raises(ValueError, match=message):
        HonestRules(**rules)


def test_panel_from_page_aggregates():
    kab = {
        "2024 T1": pd.DataFrame(
            {
                "kode": ["63.01"],
                "jumlah": [3],
                "skor_kejadian": [12.0],
                "eskalasi_maks": [4],
                "tewas": [0],
                "luka": [1],
                "pengungsi": [0],
                "skor_eskalasi": [9],
            }
        ),
        "2024T2": pd.DataFrame(columns=["kode", "jumlah"]),
    }
    kec = {"2024 T1": pd.DataFrame({"kode": ["63.01.01", "63.01.02"], "jumlah": [2, 1]})}
    panel = panel_from_aggregates(kab, kec)
    assert panel.to_dict("records") == [
        {
            "kode": "63.01",
            "triwulan": "2024 T1",
            "jumlah": 3.0,
            "skor_kejadian": 12.0,
            "eskalasi_maks": 4.0,
            "tewas": 0.0,
            "luka": 1.0,
            "pengungsi": 0.0,
            "kec_terdampak": 2.0,
        }
    ]


_cells = st.lists(st.integers(0, 6), min_size=4 * 6, max_size=4 * 6)


@settings(max_examples=40, deadline=None)
@given(_cells, st.randoms(use_true_random=False))
def test_same_data_in_any_row_order_gives_the_same_legend(values, rnd):
    panel = _panel(np.array(values).reshape(4, 6), QUARTERS[:6])
    shuffled = panel.sample(frac=1.0, random_state=rnd.randint(0, 10_000)).reset_index(drop=True)
    a = compute_quarter_ipk(panel, _regions(4), PROFILE, QUARTERS[5])
    b = compute_quarter_ipk(shuffled, _regions(4), PROFILE, QUARTERS[5])
    assert a.cuts == b.cuts
    pd.testing.assert_frame_equal(a.scores, b.scores)


@settings(max_examples=60, deadline=None)
@given(_cells, st.integers(0, 3), st.integers(2, 5), st.booleans(), st.integers(1, 80))
def test_adding_an_incident_never_lowers_the_score_or_the_class(values, who, when, running, day):
    counts = np.array(values).reshape(4, 6)
    as_of = (
        pd.Timestamp(f"{QUARTERS[when][:4]}-{3 * int(QUARTERS[when][-1]) - 2:02d}-01").date()
        + pd.Timedelta(days=day).to_pytimedelta()
        if running
        else None
    )
    more = counts.copy()
    more[who, when] += 1
    before = compute_quarter_ipk(
        _panel(counts, QUARTERS[:6]), _regions(4), PROFILE, QUARTERS[when], as_of=as_of
    )
    after = compute_quarter_ipk(_panel(more, QUARTERS[:6]), _regions(4), PROFILE, QUARTERS[when], as_of=as_of)
    assert before.scores["ipk"].between(0, 100).all() and after.scores["ipk"].between(0, 100).all()
    assert after.scores["ipk"].iloc[who] >= before.scores["ipk"].iloc[who]
    rank = {c: i for i, c in enumerate(CLASSES)}
    if running:  # the cut-offs come from earlier quarters only, so the class cannot fall either
        assert rank[after.scores["kelas"].iloc[who]] >= rank[before.scores["kelas"].iloc[who]]


# --- scores --------------------------------------------------------------------------------------


def test_average_precision_matches_sklearn_with_ties():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    for _ in range(20):
        score = rng.integers(0, 5, 40).astype(float)
        positive = rng.random(40) < 0.3
        if positive.any():
            assert average_precision(score, positive) == pytest.approx(
                average_precision_score(positive, score)
            )
    assert np.isnan(average_precision([1, 2], [False, False]))


def test_top_hit_rate_by_hand():
    truth = np.array([9, 8, 0, 0, 5])
    assert top_hit_rate([5, 4, 3, 2, 1], truth, 2) == 1.0
    assert top_hit_rate([1, 2, 3, 4, 5], truth, 2) == 0.0
    assert top_hit_rate([5, 1, 1, 1, 4], truth, 2) == 0.5
    # a tie of four at the top for two places: two expected hits out of two → 2 × (2/4) / 2
    assert top_hit_rate([1, 1, 1, 1, 0], truth, 2) == pytest.approx(0.5)
    # only one region had incidents: the denominator is 1
    assert top_hit_rate([0, 9, 0, 0, 0], np.array([0, 3, 0, 0, 0]), 3) == 1.0
    assert np.isnan(top_hit_rate([1, 2], [0, 0], 1))


def test_spearman_and_skill_signs():
    from scipy.stats import spearmanr

    a, b = [1, 2, 2, 5, 3], [2, 1, 4, 9, 3]
    assert spearman(a, b) == pytest.approx(spearmanr(a, b).statistic)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert skill_score(0.5, 1.0, False) == pytest.approx(0.5)  # half the error of the baseline
    assert skill_score(2.0, 1.0, False) == pytest.approx(-1.0)  # twice the error
    assert skill_score(0.8, 0.6, True) == pytest.approx(0.5)  # half the way from the baseline to perfect
    assert skill_score(0.4, 0.6, True) < 0
    assert np.isnan(skill_score(1.0, 1.0, True))


# --- the back-test -------------------------------------------------------------------------------

RISING_QUARTERS = period_labels("2018 T1", "2022 T4")


def _rising(n=60, seed=2):
    """Half the regions grow eightfold over five years (about 11 % a quarter); the rest are stationary."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rng.gamma(1.5, 4.0, n)[:, None], (n, len(RISING_QUARTERS)))
    growth = np.exp(np.linspace(0, np.log(8), len(RISING_QUARTERS)))
    counts[: n // 2] = rng.poisson(np.outer(rng.uniform(1, 4, n // 2), growth))
    return _panel(counts, RISING_QUARTERS), counts


def test_stationary_world_no_forecast_beats_the_long_run_mean():
    result = evaluate(_panel(_stationary()), _regions(60), PROFILE, top=10, n_boot=200)
    skill = result.skill.set_index(["metode", "ukuran", "pembanding"])["skill"]
    assert skill[("prakiraan", "mse", "rata_riwayat")] <= 0.03
    assert not result.verdict.shown and result.verdict.text.startswith("Prakiraan tidak ditampilkan")
    # last quarter's count is a noisy guess of a constant rate: the long-run mean beats it
    assert skill[("rata_riwayat", "mse", "triwulan_lalu")] > 0.3
    assert result.verdict.beats_no_change  # … and so does the forecast, which is not enough to show it


def test_rising_regions_are_foreseen_and_the_forecast_is_shown():
    panel, counts = _rising()
    result = evaluate(panel, _regions(60), PROFILE, top=10, n_boot=200)
    assert result.verdict.shown and result.verdict.beats_no_change
    assert (
        result.verdict.text.startswith("Prakiraan ini ")
        and "lebih tepat daripada anggapan 'sama dengan triwulan lalu' pada uji balik 2020 T1–2022 T4"
        in result.verdict.text
    )
    summary = result.summary.set_index(["metode", "ukuran"])["nilai"]
    assert summary[("prakiraan", "mse")] < min(
        summary[(b, "mse")] for b in ("triwulan_lalu", "rata4", "rata_riwayat")
    )
    last = result.predictions.query("asal == '2022 T3' and metode == 'prakiraan'").set_index("kode")["nilai"]
    assert last.loc[_codes(60)[10]] > counts[10, -5:-1].mean(), (
        "a steady rise is forecast above its recent mean"
    )


def test_nothing_after_the_origin_changes_what_was_said_at_the_origin():
    panel, counts = _rising()
    changed = counts.copy()
    changed[:, 10:] = np.random.default_rng(9).poisson(30, changed[:, 10:].shape)  # 2020 T3 onwards rewritten
    a = evaluate(panel, _regions(60), PROFILE, top=10, n_boot=0)
    b = evaluate(_panel(changed, RISING_QUARTERS), _regions(60), PROFILE, top=10, n_boot=0)
    said = lambda r: r.predictions.query("asal <= '2020 T2'").reset_index(drop=True)  # noqa: E731
    assert set(said(a)["asal"]) == {"2019 T4", "2020 T1", "2020 T2"}
    pd.testing.assert_frame_equal(said(a), said(b))
    assert not a.predictions.query("asal == '2020 T3'").equals(b.predictions.query("asal == '2020 T3'"))
    # the scores of the origins before the change differ only because their target quarter changed
    before = a.rows.query("asal < '2020 T2'").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, b.rows.query("asal < '2020 T2'").reset_index(drop=True))


def test_two_profiles_side_by_side_share_the_baselines():
    heavy = PROFILE.with_dimension_weights({"tren": 1.0, "intensitas": 0.05})
    result = evaluate(
        _rising()[0], _regions(60), {"bawaan": PROFILE, "tren": heavy}, top=10, forecast=False, n_boot=100
    )
    assert {"ipk:bawaan", "ipk:tren", "triwulan_lalu", "rata4", "rata_riwayat"} == set(result.rows["metode"])
    assert result.verdict is None and result.top == 10
    assert evaluate(_rising()[0], _regions(60), PROFILE, forecast=False, n_boot=0).top == 6  # a tenth
    assert result.index_text("ipk:tren").startswith("Uji balik 2020 T1–2022 T4: dari 10 wilayah")
    both = result.summary.query("ukuran == 'hit_rate'").set_index("metode")["nilai"]
    assert both["ipk:bawaan"] != both["ipk:tren"]


def test_same_seed_same_numbers_and_plain_json():
    panel = _rising()[0]
    a = evaluate(panel, _regions(60), PROFILE, top=10, n_boot=100, seed=4)
    b = evaluate(panel, _regions(60), PROFILE, top=10, n_boot=100, seed=4)
    pd.testing.assert_frame_equal(a.skill, b.skill)
    text = json.dumps(a.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["prakiraan"]["tampil"] is True and len(data["baris"]) == 12 * 5
    assert {"asal", "sasaran", "metode", "hit_rate", "ap", "spearman", "mse"} <= set(data["baris"][0])


def test_monthly_forecast_back_test():
    months = period_labels("2019-01", "2022-12", "bulan")
    rng = np.random.default_rng(5)
    rate = rng.gamma(1.5, 2.0, 30)
    counts = rng.poisson(rate[:, None], (30, len(months)))
    frame = pd.DataFrame(
        {"kode": np.repeat(_codes(30), len(months)), "bulan": np.tile(months, 30), "jumlah": counts.ravel()}
    )
    ends = [m for m in months if int(m[-2:]) % 3 == 0]
    result = evaluate_forecast(frame, _codes(30), origins=ends, top=5, n_boot=100)
    assert set(result.rows["horizon"]) == {1, 2, 3} and set(result.rows["asal"]) <= set(ends)
    assert not result.verdict.shown
    assert "'sama dengan bulan lalu'" in result.verdict.text or "rata-rata" in result.verdict.text


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(counts=pd.DataFrame({"kode": ["99.99"], "triwulan": ["2020 T1"], "jumlah": [1]})),
            "kode wilayah tidak ada dalam daftar wilayah: 99.99",
        ),
        (dict(counts=pd.DataFrame({"kode": ["11.01"], "jumlah": [1]})), "kolom tidak ada: triwulan"),
        (dict(first="2022 T1"), "riwayat terlalu pendek untuk uji balik"),
        (dict(top=0), "top harus ≥ 1"),
        (dict(min_history=3), "riwayat minimal harus ≥ 5"),
    ],
)
def test_bad_back_test_inputs(kwargs, message):
    args = dict(counts=_panel(_stationary(5)), top=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        evaluate(args.pop("counts"), _regions(5), PROFILE, **args)


def test_area_profiles_are_refused_in_the_back_test():
    profile = parse_profile({"dimensi": [{"kode": "a", "indikator": [{"kode": "ikp", "rujukan": 100}]}]})
    with pytest.raises(ValueError, match="ikp bukan dari insiden"):
        evaluate(_panel(_stationary(5)), _regions(5), profile)


# --- the command ---------------------------------------------------------------------------------


def _fill_db(path, n=6000, seed=3):
    """``n`` incidents over 2019–2022 in the first 120 kabupaten/kota, half of them rising."""
    from store import connect

    rng = np.random.default_rng(seed)
    con = connect(path)
    codes = np.array(
        [k for (k,) in con.execute("SELECT kode FROM regions WHERE level = 'kab' ORDER BY kode").fetchall()][
            :120
        ]
    )
    kec = dict(
        con.execute("SELECT kode_induk, min(kode) FROM regions WHERE level = 'kec' GROUP BY 1").fetchall()
    )
    pick = codes[rng.integers(0, len(codes), n)]
    days = np.datetime64("2019-01-01") + rng.integers(0, 1461, n).astype("timedelta64[D]")
    rising = np.isin(pick, codes[:60]) & (
        rng.random(n) > (days - np.datetime64("2019-01-01")).astype(int) / 1461
    )
    keep = ~rising  # rising regions lose their early incidents
    frame = pd.DataFrame(
        {
            "batch_id": 1,
            "sumber": "uji",
            "hash_isi": np.arange(n).astype(str),
            "tgl_mulai": days,
            "kode_prov": [c[:2] for c in pick],
            "kode_kab": pick,
            "kode_kec": [kec.get(c) for c in pick],
            "kategori": "POL",
            "bentuk": rng.choice(["BENTROK", "UR_DAMAI"], n),
            "eskalasi": rng.integers(1, 5, n),
            "tewas": rng.poisson(0.05, n),
            "luka": rng.poisson(0.3, n),
            "pengungsi": 0,
            "judul": "uji",
            "dibuat_oleh": "uji",
            "status_penanganan": "baru",
        }
    ).loc[keep]
    con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('uji', 'uji', 'uji')")
    con.register("_b", frame)
    con.execute(f"INSERT INTO incidents ({', '.join(frame.columns)}) SELECT * FROM _b")
    con.close()
    return codes


def _run(capsys, *argv):
    from sigap.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_command_prints_one_json_object(fresh_db, capsys):
    _fill_db(fresh_db)
    code, out, err = _run(
        capsys,
        "--db",
        str(fresh_db),
        "evaluate",
        "--from",
        "2019T1",
        "--to",
        "2022T4",
        "--top",
        "20",
        "--boot",
        "50",
        "--months",
    )
    assert code == 0, err
    data = json.loads(out)
    assert out.count("\n") == 1 and data["dari"] == "2019 T1" and data["sampai"] == "2022 T4"
    assert data["sasaran"][0] == "2021 T1" and data["sasaran"][-1] == "2022 T4"
    assert {r["metode"] for r in data["baris"]} == {
        "ipk",
        "triwulan_lalu",
        "rata4",
        "rata_riwayat",
        "prakiraan",
    }
    assert data["prakiraan"]["teks"].startswith("Prakiraan")
    assert data["teks_indeks"]["ipk"].startswith("Uji balik 2021 T1–2022 T4: dari 20 wilayah")
    assert data["bulanan"]["periode"] == "bulan" and {r["horizon"] for r in data["bulanan"]["baris"]} == {
        1,
        2,
        3,
    }
    if data["prakiraan"]["tampil"]:
        assert len(data["prakiraan_berikut"]) == 514 and data["prakiraan_berikut"][0]["triwulan"] == "2023 T1"


def test_the_command_reads_the_same_counts_as_the_map(fresh_db):
    from analysis.triwulan import quarter_bounds
    from sigap.commands.evaluasi import _read_counts
    from store import connect
    from store.incidents import IncidentFilter, Scope, aggregate_by_region

    codes = _fill_db(fresh_db, n=1500)
    con = connect(fresh_db)
    quarterly, monthly, skipped = _read_counts(con, "2019 T1", "2022 T4", set(codes))
    assert skipped == 0 and monthly["jumlah"].sum() == quarterly["jumlah"].sum()
    for label in ("2019 T2", "2022 T4"):
        lo, hi = quarter_bounds(label)
        flt = IncidentFilter(date_from=lo, date_to=hi)
        scope = Scope(None, "Rahasia")
        kab = aggregate_by_region(con, flt, scope).set_index("kode")
        kec = aggregate_by_region(con, flt, scope, level="kec")
        mine = quarterly.loc[quarterly["triwulan"] == label].set_index("kode")
        for column in ("jumlah", "skor_kejadian", "eskalasi_maks", "tewas", "luka", "pengungsi"):
            np.testing.assert_allclose(mine[column].sort_index(), kab.loc[mine.index, column].sort_index())
        per_kab = kec["kode"].str[:5].value_counts()
        np.testing.assert_array_equal(
            mine["kec_terdampak"].sort_index(), per_kab.loc[mine.index].sort_index()
        )
    con.close()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--to", "2999T1"], "galat: triwulan 2999 T1 belum selesai"),
        (["--to", "2022T5"], "galat: label triwulan tidak sah: '2022T5'"),
        (["--profile", "tidak-ada.toml"], "galat: berkas profil tidak ditemukan: tidak-ada.toml"),
        (["--from", "2022T1", "--to", "2022T4"], "galat: riwayat terlalu pendek untuk uji balik"),
        (["--to", "2010T4"], "galat: tidak ada insiden pada rentang ini"),
    ],
)
def test_evaluate_command_errors_are_one_line(fresh_db, capsys, argv, message):
    _fill_db(fresh_db, n=300)
    code, out, err = _run(capsys, "--db", str(fresh_db), "evaluate", *argv)
    assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1


# --- deterministic breaks ------------------------------------------------------------------------


def _within_ss(values, bins):
    classes = np.searchsorted(bins, values, side="left")
    return sum(((values[classes == c] - values[classes == c].mean()) ** 2).sum() for c in np.unique(classes))


def test_natural_breaks_are_the_exact_jenks_optimum():
    import mapclassify

    from analysis.breaks import NaturalBreaks, natural_breaks

    values = np.random.default_rng(0).lognormal(2, 1, 150).round(1)
    with pytest.warns(UserWarning):  # mapclassify's pure-python Fisher–Jenks without numba
        exact = mapclassify.FisherJenks(values, k=5).bins
    ours = natural_breaks(values, 5)
    assert _within_ss(values, ours) == pytest.approx(_within_ss(values, exact))
    np.testing.assert_allclose(ours, exact)
    assert NaturalBreaks(values, k=5).yb.max() == 4
    assert list(natural_breaks([3, 1, 3, 2], 5)) == [1, 2, 3]
    with pytest.raises(ValueError, match="tidak dapat dikelaskan"):
        natural_breaks([1.0, np.nan])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 400), min_size=1, max_size=80),
    st.integers(1, 6),
    st.randoms(use_true_random=False),
)
def test_natural_breaks_ignore_row_order_and_repeat_exactly(values, k, rnd):
    from analysis.breaks import natural_breaks

    shuffled = list(values)
    rnd.shuffle(shuffled)
    a, b = natural_breaks(values, k), natural_breaks(shuffled, k)
    np.testing.assert_array_equal(a, b)
    assert a[-1] == max(values) and (np.diff(a) > 0).all() and len(a) == min(k, len(set(values)))
