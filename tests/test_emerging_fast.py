"""Fast hotspot paths equal the slow references: vectorised Mann-Kendall = pymannkendall, the
permutation engine = esda, stored weights = freshly built ones, and the Hotspot page at kecamatan
level runs."""

from __future__ import annotations

import json
import re

import numpy as np
import pymannkendall as mk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.emerging import emerging_hotspots, mann_kendall

# ---------------------------------------------------------------------------------------------
# Mann-Kendall: every field equal to pymannkendall.original_test, row by row
# ---------------------------------------------------------------------------------------------


@st.composite
def _series_table(draw):
    """Rows of one length mixing tied small integers, floats, constant rows and gaps."""
    periods = draw(st.integers(2, 14))
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["ties", "floats", "constant", "gaps"]))
        if kind == "ties":
            row = draw(st.lists(st.integers(-3, 3), min_size=periods, max_size=periods))
        elif kind == "floats":
            row = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=periods, max_size=periods))
        elif kind == "constant":
            row = [draw(st.floats(-50, 50, allow_nan=False))] * periods
        else:
            row = draw(st.lists(st.one_of(st.integers(0, 4).map(float), st.just(np.nan)),
                                min_size=periods, max_size=periods))
            if np.isfinite(row).sum() < 2:  # pymannkendall itself fails below two values
                row[:2] = [1.0, 2.0]
        rows.append([float(v) for v in row])
    return np.array(rows), draw(st.sampled_from([0.01, 0.05, 0.1]))


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    return abs(a - b) <= tol * max(1.0, abs(b))


@settings(max_examples=300, deadline=None)
@given(_series_table())
def test_mann_kendall_equals_pymannkendall(table):
    x, alpha = table
    ours = mann_kendall(x, alpha=alpha)
    for i, row in enumerate(x):
        ref = mk.original_test(row, alpha=alpha)
        assert ours.trend[i] == ref.trend
        assert bool(ours.h[i]) == bool(ref.h)
        assert ours.s[i] == ref.s
        assert ours.var_s[i] == ref.var_s
        assert _close(ours.z[i], ref.z)
        assert _close(ours.p[i], ref.p)
        assert _close(ours.tau[i], ref.Tau)
        assert _close(ours.slope[i], ref.slope)
        assert _close(ours.intercept[i], ref.intercept)


def test_mann_kendall_known_values():
    up = mann_kendall([[1, 2, 3, 4, 5, 6, 7, 8], [5, 5, 5, 5, 5, 5, 5, 5], [8, 7, 7, 5, 4, 4, 2, 1]])
    assert list(up.trend) == ["increasing", "no trend", "decreasing"]
    assert list(up.s) == [28, 0, -26]
    assert up.p[1] == 1.0 and up.z[1] == 0.0 and up.var_s[1] == 0.0  # all tied: no variance, no trend
    np.testing.assert_allclose(up.slope, [1.0, 0.0, -1.0])


@pytest.mark.parametrize("bad, message", [
    (np.zeros(5), "berbentuk"),
    (np.zeros((3, 1)), "≥ 2 periode"),
])
def test_mann_kendall_rejects_bad_shapes(bad, message):
    with pytest.raises(ValueError, match=message):
        mann_kendall(bad)


# ---------------------------------------------------------------------------------------------
# Emerging hot spot patterns: the vectorised classifier against a per-row reference
# ---------------------------------------------------------------------------------------------


def _reference_pattern(flags: np.ndarray, trend: str) -> str:
    """ArcGIS Pro's rules written out for one series (the final run counted from the end)."""
    n, total = len(flags), int(flags.sum())
    if not flags[-1]:
        return "historis" if flags[:-1].all() else "tidak ada pola"
    if total / n >= 0.9:
        return {"naik": "menguat", "turun": "melemah"}.get(trend, "menetap")
    if total == 1:
        return "baru"
    run = 0
    while run < n and flags[n - 1 - run]:
        run += 1
    return "berturut-turut" if run >= 2 and total == run else "sporadis"


def _reference_trend(series: np.ndarray, alpha: float) -> tuple[str, float]:
    if np.allclose(series, series[0]):
        return "tidak ada", 1.0
    result = mk.original_test(series, alpha=alpha)
    return {"increasing": "naik", "decreasing": "turun"}.get(result.trend, "tidak ada"), float(result.p)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 10).flatmap(lambda n: st.lists(
    st.tuples(st.lists(st.floats(-4, 6, allow_nan=False), min_size=n, max_size=n),
              st.lists(st.sampled_from([0.001, 0.04, 0.09, 0.2, 0.7]), min_size=n, max_size=n)),
    min_size=1, max_size=8)))
def test_emerging_hotspots_equals_the_per_region_loop(rows):
    z = np.array([r[0] for r in rows])
    p = np.array([r[1] for r in rows])
    result = emerging_hotspots(z, p)
    hot = (p <= 0.10) & (z > 0)
    for i in range(len(z)):
        trend, p_trend = _reference_trend(z[i], 0.05)
        assert result.loc[i, "tren"] == trend
        assert _close(result.loc[i, "p_tren"], p_trend)
        assert result.loc[i, "pola"] == _reference_pattern(hot[i], trend)


@pytest.mark.parametrize("hot, pattern", [
    ([0, 0, 1, 0, 0, 0, 1, 1], "sporadis"),  # an earlier hot period: not one final run
    ([0, 1, 1, 1, 1, 1, 1, 1], "berturut-turut"),  # seven of eight in one final run (< 90 %)
    ([1, 1, 1, 1, 1, 1, 1, 0], "historis"),
])
def test_final_run_is_counted_from_the_end(hot, pattern):
    hot = np.array(hot, dtype=bool)
    z = np.where(hot, 3.0, -0.5)
    p = np.where(hot, 0.01, 0.6)
    assert emerging_hotspots(z[None, :], p[None, :]).loc[0, "pola"] == pattern


# ---------------------------------------------------------------------------------------------
# Gi* and local Moran: the batched permutation engine gives esda's numbers, ties included
# ---------------------------------------------------------------------------------------------


def _with_an_island():
    from libpysal.weights import W, lat2W

    grid = lat2W(5, 5, rook=False)
    neighbours = {i: list(grid.neighbors[i]) for i in range(25)}
    neighbours[25] = []  # no neighbour at all: esda gives it one neighbour of weight 0
    return W(neighbours, silence_warnings=True)


def _with_self_weights():
    from libpysal.weights import fill_diagonal, lat2W

    return fill_diagonal(lat2W(6, 6, rook=False), 1.0)  # Gi* keeps a diagonal it is given


def _unequal_weights():
    from libpysal.weights import W, lat2W

    grid = lat2W(6, 6, rook=False)
    rng = np.random.default_rng(3)
    weights = {i: list(rng.integers(1, 4, len(grid.neighbors[i])).astype(float)) for i in range(36)}
    return W({i: list(grid.neighbors[i]) for i in range(36)}, weights, silence_warnings=True)


@pytest.fixture(scope="module")
def kec_jateng_weights(kec):
    from analysis.weights import contiguity_with_islands

    return contiguity_with_islands(kec.loc[kec["kode"].str.startswith("33.")])[0]


@pytest.mark.parametrize("case", ["kecamatan", "island", "unequal", "self", "constant"])
def test_local_statistics_equal_esda(case, kec_jateng_weights):
    import copy
    import warnings

    import esda

    from analysis.hotspots import gi_star, local_moran, prepare_weights

    w = {"kecamatan": kec_jateng_weights, "island": _with_an_island(), "unequal": _unequal_weights(),
         "self": _with_self_weights(), "constant": kec_jateng_weights}[case]
    w.transform = "r"
    rng = np.random.default_rng(7)
    y = np.zeros(w.n) if case == "constant" else rng.poisson(1.5, w.n).astype(float)  # small counts: many ties
    prepared = prepare_weights(w)
    for permutations, seed in ((99, 1), (999, 12345)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # esda zeroes the diagonal of the W it is given (crand's setdiag): a fresh copy per call
            g = esda.G_Local(y, copy.deepcopy(w), star=True, permutations=permutations, seed=seed, transform="R")
            m = esda.Moran_Local(y, copy.deepcopy(w), permutations=permutations, seed=seed, transformation="r")
        ours_g = gi_star(y, prepared, permutations=permutations, seed=seed, fdr=False)
        ours_m = local_moran(y, w, permutations=permutations, seed=seed, fdr=False)
        np.testing.assert_array_equal(ours_g.p_sim, g.p_sim)
        np.testing.assert_allclose(ours_g.z, g.Zs, equal_nan=True)
        np.testing.assert_array_equal(ours_m.p_sim, m.p_sim)
        np.testing.assert_allclose(ours_m.Is, m.Is, equal_nan=True)
        np.testing.assert_array_equal(ours_m.q, m.q)
    if case == "constant":
        assert set(ours_g.kelas) == {"Tidak signifikan"} and set(ours_m.kelas) == {"Tidak signifikan"}


def test_prepared_weights_leave_the_shared_w_alone(kec_jateng_weights):
    from analysis.hotspots import gi_star, prepare_weights

    w = kec_jateng_weights
    before = w.sparse
    prepared = prepare_weights(w)
    gi_star(np.ones(w.n), prepared, permutations=9)
    assert w.sparse is before and w.transform == "R"
    with pytest.raises(ValueError, match="jumlah nilai"):
        gi_star(np.ones(w.n + 1), prepared)


def test_gi_star_of_several_periods_is_gi_star_of_each(kec_jateng_weights):
    from analysis.hotspots import gi_star, gi_star_periods, prepare_weights

    prepared = prepare_weights(kec_jateng_weights)
    values = np.random.default_rng(5).poisson(0.8, (kec_jateng_weights.n, 4)).astype(float)
    values[:, 2] = 0.0  # a quarter without any incident
    together = gi_star_periods(values, prepared, permutations=199)
    for col in range(values.shape[1]):
        alone = gi_star(values[:, col], prepared, permutations=199)
        np.testing.assert_array_equal(together.p_sim[:, col], alone.p_sim)
        np.testing.assert_array_equal(together.p_fdr[:, col], alone.p_fdr)
        np.testing.assert_array_equal(together.kelas[:, col], alone.kelas)
        np.testing.assert_allclose(together.z[:, col], alone.z, equal_nan=True)


# ---------------------------------------------------------------------------------------------
# Weights stored at boundary install = weights built from the geometry
# ---------------------------------------------------------------------------------------------


def _same_weights(a, b) -> bool:
    """Same neighbours with the same weights (the order within a row may differ)."""
    def rows(w):
        return [{int(j): wij for j, wij in zip(w.neighbors[i], w.weights[i])} for i in range(w.n)]

    return rows(a) == rows(b)


@pytest.mark.parametrize("prefix", ["63", "31"])  # 31: Kepulauan Seribu's kecamatan are islands
def test_stored_weights_equal_freshly_built_ones_for_a_province(kec, prefix):
    from analysis.weights import contiguity_with_islands, weights_from_neighbours
    from geo.adjacency import load_adjacency

    stored = load_adjacency("kec").subset(prefix)  # an install older than the file builds and stores it once
    w, islands = weights_from_neighbours(stored.neighbours(), stored.xy)
    regions = kec.loc[kec["kode"].str.startswith(prefix + ".")]
    fresh, fresh_islands = contiguity_with_islands(regions)
    assert stored.kode.tolist() == regions["kode"].tolist()
    assert islands == fresh_islands and (prefix != "31" or islands)
    assert _same_weights(w, fresh)


def test_adjacency_round_trip_and_fallback(kab, tmp_path):
    from analysis.weights import contiguity_with_islands, weights_from_neighbours
    from geo.adjacency import adjacency_path, build_adjacency, load_adjacency, save_adjacency
    from settings import boundary_dir

    built = build_adjacency(kab)
    save_adjacency(built, tmp_path / "adjacency_kab.npz")
    loaded = load_adjacency("kab", tmp_path)
    for name in ("kode", "indptr", "indices", "xy"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(built, name))
    w, islands = weights_from_neighbours(loaded.neighbours(), loaded.xy)
    fresh, fresh_islands = contiguity_with_islands(kab)
    assert islands == fresh_islands and _same_weights(w, fresh)

    older_install = tmp_path / "lama"
    older_install.mkdir()
    (older_install / "kab.parquet").symlink_to(boundary_dir() / "kab.parquet")
    rebuilt = load_adjacency("kab", older_install)
    assert adjacency_path("kab", older_install).exists()  # stored for the next process
    np.testing.assert_array_equal(rebuilt.indices, built.indices)
    with pytest.raises(ValueError, match="tingkat wilayah tidak dikenal"):
        load_adjacency("desa", tmp_path)


# ---------------------------------------------------------------------------------------------
# The Hotspot page at kecamatan level
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hotspot_db(tmp_path_factory, regions_db):
    from tests.apptest import USERS, create_users
    from tests.conftest import make_demo_db

    path = make_demo_db(tmp_path_factory.mktemp("hotspot"), regions_db, n=600, seed=5)
    create_users(path, USERS)
    return path


@pytest.fixture
def hotspot_env(hotspot_db, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("SIGAP_DB", str(hotspot_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield hotspot_db
    st.cache_resource.clear()


def _map_bytes(at) -> int:
    return sum(e.proto.ByteSize() for e in at.get("component_instance"))


def test_hotspot_page_at_kecamatan_level(hotspot_env):
    from tests.apptest import open_page

    at = open_page("hotspot", state={"hs_tingkat": "kec", "hs_perm": 99}, timeout=180).run()
    assert not at.exception
    assert "ketetanggaan queen; 119 wilayah kepulauan" in at.main.caption[0].value  # all 7,285 kecamatan
    assert any("kecamatan satu provinsi" in c.value for c in at.main.caption)
    assert 0 < _map_bytes(at) < 2_000_000
    table = at.dataframe[0].value
    assert table.empty or table["kode"].str.len().eq(8).all()
    at.selectbox(key="hs_peta_prov").set_value("63").run()  # another province on the map: nothing recomputed
    at.radio(key="hs_stat").set_value("Moran lokal").run()
    assert not at.exception
    at.button(key="hs_pola").click().run()
    assert not at.exception
    assert " – " in at.main.caption[-1].value


def test_hotspot_page_of_a_kabupaten_user_draws_all_its_kecamatan(hotspot_env, kec):
    from tests.apptest import ANALIS_BJB, open_page

    at = open_page("hotspot", ANALIS_BJB, state={"hs_tingkat": "kec", "hs_perm": 99}, timeout=180).run()
    assert not at.exception
    assert not any("kecamatan satu provinsi" in c.value for c in at.main.caption)
    script = "".join(json.loads(e.proto.json_args)["script"] for e in at.get("component_instance"))
    assert set(re.findall(r'"kode": "(\d\d\.\d\d\.\d\d)"', script)) == set(kec.loc[kec["kode_induk"] == "63.72", "kode"])
