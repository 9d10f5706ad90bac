"""Gi* and local Moran's I: equal to esda, planted clusters found, islands kept."""

import esda
import numpy as np
import pytest
from libpysal.weights import lat2W

from analysis.hotspots import gi_star, local_moran
from analysis.weights import contiguity_with_islands


def test_gi_star_equals_esda_on_a_grid():
    w = lat2W(6, 6, rook=False)
    w.transform = "r"
    y = np.arange(36, dtype=float) % 7
    ours = gi_star(y, w, permutations=99, seed=1, fdr=False)
    ref = esda.G_Local(y, w, star=True, permutations=99, seed=1, transform="R")
    np.testing.assert_allclose(ours.z, ref.Zs)
    np.testing.assert_allclose(ours.p_sim, ref.p_sim)


def test_local_moran_equals_esda_on_a_grid():
    w = lat2W(6, 6, rook=False)
    w.transform = "r"
    y = np.arange(36, dtype=float) % 5
    ours = local_moran(y, w, permutations=99, seed=2, fdr=False)
    ref = esda.Moran_Local(y, w, permutations=99, seed=2, transformation="r")
    np.testing.assert_allclose(ours.Is, ref.Is)
    np.testing.assert_array_equal(ours.q, ref.q)


@pytest.fixture(scope="module")
def kab_weights(kab):
    return contiguity_with_islands(kab)


def test_islands_get_neighbours_and_nobody_vanishes(kab, kab_weights):
    w, islands = kab_weights
    assert w.n == 514
    assert min(w.cardinalities.values()) >= 1
    seribu = int(np.flatnonzero(kab["kode"].to_numpy() == "31.01")[0])
    assert seribu in islands  # Kepulauan Seribu borders no other kabupaten


def test_planted_cluster_in_south_kalimantan_is_hot(kab, kab_weights):
    w, _ = kab_weights
    rng = np.random.default_rng(0)
    y = rng.poisson(2, len(kab)).astype(float)
    cluster = kab["kode"].str.startswith("63.").to_numpy()
    y[cluster] += 40
    result = gi_star(y, w, permutations=999, seed=3)  # FDR over 514 regions needs p below 1/200
    hot = np.char.startswith(result.kelas.astype(str), "Titik panas")
    assert hot[cluster].mean() > 0.8
    assert hot[~cluster].mean() < 0.05
    moran = local_moran(y, w, permutations=999, seed=3)
    assert (moran.kelas[cluster] == "Tinggi-Tinggi").mean() > 0.5


@pytest.mark.parametrize("hot, z_trend, pattern", [
    ([0, 0, 0, 0, 0, 0, 0, 1], "flat", "baru"),
    ([0, 0, 0, 0, 0, 1, 1, 1], "flat", "berturut-turut"),
    ([1, 1, 1, 1, 1, 1, 1, 1], "up", "menguat"),
    ([1, 1, 1, 1, 1, 1, 1, 1], "flat", "menetap"),
    ([1, 1, 1, 1, 1, 1, 1, 1], "down", "melemah"),
    ([1, 0, 1, 0, 0, 1, 0, 1], "flat", "sporadis"),
    ([1, 1, 1, 1, 1, 1, 1, 0], "flat", "historis"),
    ([0, 0, 0, 0, 0, 0, 0, 0], "flat", "tidak ada pola"),
])
def test_emerging_patterns(hot, z_trend, pattern):
    from analysis.emerging import emerging_hotspots

    hot = np.array(hot, dtype=bool)
    base = {"flat": np.array([3.0, 3.1, 2.9, 3.0, 3.1, 2.9, 3.0, 3.05]),
            "up": np.linspace(2.0, 6.0, 8), "down": np.linspace(6.0, 2.0, 8)}[z_trend]
    z = np.where(hot, base, -0.5 + 0.01 * np.arange(8))
    p = np.where(hot, 0.01, 0.6)
    result = emerging_hotspots(z[None, :], p[None, :])
    assert result.loc[0, "pola"] == pattern
