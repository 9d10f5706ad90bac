"""The fast import path gives the same answers as the plain one.

* The memory-mapped locator (``locator/`` written at install) equals a locator built in memory
  from the installed GeoParquet, and both agree with ``geopandas.sjoin(predicate="within")`` on
  real boundaries for random points over land, near coasts and at sea; coast points go to the
  region ``sjoin_nearest`` finds (lowest code among equally near ones).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.locate import CACHE_DIR, COAST, INSIDE, Locator, _read_cache, load_locator
from settings import boundary_dir


def _points(kab, seed: int, n: int = 20_000):
    """Uniform points over Indonesia's box (mostly sea) and points scattered around coastal vertices."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = kab.total_bounds
    x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    coast = shapely.get_coordinates(shapely.boundary(kab.geometry.to_numpy()))
    pick = coast[rng.integers(0, len(coast), n)]
    jitter = rng.normal(0, 0.03, (n, 2))  # ≈ 3 km: inside, coast (≤ 5 km) and beyond
    return np.concatenate([x, pick[:, 0] + jitter[:, 0]]), np.concatenate([y, pick[:, 1] + jitter[:, 1]])


@pytest.fixture(scope="module")
def memory_locator(locator):
    """Same grids, polygons straight from GeoParquet, coast pieces cut here (the pre-cache path)."""
    from geo.boundaries import load_regions

    geoms = {level: load_regions(level).geometry.to_numpy() for level in ("kab", "kec")}
    return Locator(locator.grids, geoms)


def test_locator_is_read_from_the_memory_mapped_files(locator):
    assert (boundary_dir() / CACHE_DIR / "manifest.json").exists()
    assert isinstance(locator.grids["kec"].cells, np.memmap)


@pytest.mark.parametrize("level", ["kab", "kec"])
@pytest.mark.parametrize("seed", [1, 2])
def test_mapped_locator_equals_the_in_memory_one(locator, memory_locator, kab, level, seed):
    x, y = _points(kab, seed, 10_000)
    fast, plain = locator.locate_level(x, y, level), memory_locator.locate_level(x, y, level)
    np.testing.assert_array_equal(fast.index, plain.index)
    np.testing.assert_array_equal(fast.status_code, plain.status_code)
    np.testing.assert_array_equal(fast.distance_km, plain.distance_km)
    assert (fast.status_code == COAST).sum() > 100


@pytest.mark.filterwarnings("ignore:Geometry is in a geographic CRS")  # degrees on purpose: the locator's unit
@pytest.mark.parametrize("level", ["kab", "kec"])
def test_locator_agrees_with_sjoin_within_and_nearest(locator, kab, kec, level):
    regions = {"kab": kab, "kec": kec}[level][["kode", "geometry"]]
    x, y = _points(kab, seed=5)
    found = locator.locate_level(x, y, level)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    within = gpd.sjoin(points, regions, predicate="within", how="inner")
    exact = within.groupby(level=0)["kode"].min()
    inside = np.flatnonzero(found.status_code == INSIDE)
    # every point sjoin places is inside the same region; no other point is inside (a random point
    # never falls exactly on a border, where 'within' finds nothing)
    assert np.array_equal(np.sort(inside), exact.index.to_numpy())
    assert (found.kode[exact.index] == exact.to_numpy()).all()
    coast = np.flatnonzero(found.status_code == COAST)
    assert len(coast) > 500
    near = gpd.sjoin_nearest(points.iloc[coast], regions, max_distance=locator.coast_km / 111.32,
                             distance_col="d")
    nearest = near.groupby(level=0)["kode"].min()
    assert np.array_equal(nearest.index.to_numpy(), coast)
    assert (found.kode[coast] == nearest.to_numpy()).all()
    np.testing.assert_allclose(found.distance_km[coast], near.groupby(level=0)["d"].min() * 111.32,
                               rtol=0, atol=1e-6)


def test_stale_or_missing_files_are_not_read(tmp_path):
    """Files written for other layers (re-installed boundaries) or of another version are ignored."""
    folder = boundary_dir() / CACHE_DIR
    assert _read_cache(folder, boundary_dir()) is not None
    copy = tmp_path / CACHE_DIR
    copy.mkdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert _read_cache(copy, tmp_path) is None          # the layers it was built from are not here
    assert _read_cache(tmp_path / "none", boundary_dir()) is None
    manifest["versi"] = -1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert _read_cache(copy, boundary_dir()) is None


def test_an_install_without_the_files_gets_them_once(tmp_path, locator):
    """An older install (GeoParquet only, no locator files): the first load writes them."""
    import shutil

    for level in ("kab", "kec"):
        shutil.copy2(boundary_dir() / f"{level}.parquet", tmp_path)
        grid = locator.grids[level]
        np.savez(tmp_path / f"grid_{level}.npz", codes=grid.codes.astype(str), cells=np.asarray(grid.cells),
                 border_ptr=np.asarray(grid.border_ptr), border_idx=np.asarray(grid.border_idx),
                 meta=np.array([grid.x0, grid.y0, grid.cell, grid.coast_km]))
    first = load_locator(tmp_path)
    assert (tmp_path / CACHE_DIR / "manifest.json").exists()
    again = load_locator(tmp_path)
    assert isinstance(again.grids["kab"].cells, np.memmap)
    x, y = np.array([114.8310, 113.9167, 110.0]), np.array([-3.4420, -2.2096, -5.0])
    assert list(first.locate(x, y).kode_kec) == list(again.locate(x, y).kode_kec)
