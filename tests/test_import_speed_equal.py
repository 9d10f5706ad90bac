"""The fast import path gives the same answers as the plain one.

* The memory-mapped locator (``locator/`` written at install) equals a locator built in memory
  from the installed GeoParquet, and both agree with ``geopandas.sjoin(predicate="within")`` on
  real boundaries for random points over land, near coasts and at sea; coast points go to the
  region ``sjoin_nearest`` finds (lowest code among equally near ones).
* The one-pass polars checks of ``ingest.validate`` report exactly the problems the pandera schema
  reported, on random files of good and bad cells.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import polars as pl
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# --- validation: the one-pass polars checks report exactly what the pandera schema reported ---------

VOCAB = {"kategori": {"POL", "SDA", "SARA"}, "bentuk": {"BLOKADE", "DEMO"}, "sifat": {"potensi", "gejala", "kejadian"},
         "bidang": {"politik", "ekonomi"}, "athg": {"A", "T", "H", "G"}, "klasifikasi": {"Biasa", "Rahasia"},
         "status_penanganan": {"baru", "selesai"}}
#: Cell texts per column: good, empty, unreadable, out of range, not whole, wrong case, long.
CELLS = {
    "tanggal": ["11/05/2024", "2024-05-11", "", "31/02/2024", "kemarin", "45423", "11 Mei 2024"],
    "tanggal_selesai": ["", "12/05/2024", "01/01/2024", "bukan tanggal", "2025-01-01"],
    "kategori": ["POL", "sda", "", "XYZ", " SARA"],
    "bentuk": ["", "BLOKADE", "demo", "LAIN"],
    "sifat": ["", "potensi", "Gejala", "rumor"],
    "bidang": ["", "politik", "HANKAM"],
    "athg": ["", "a", "G", "X"],
    "eskalasi": ["", "3", "7", "-1", "2,5", "abc", "5", "0", "nan"],
    "klasifikasi": ["", "biasa", "RAHASIA", "Sangat Rahasia"],
    "status_penanganan": ["", "baru", "Selesai", "dalam penanganan"],
    "judul": ["", "Blokade jalan", "x" * 600],
    "lintang": ["", "-3,4420", "95", "abc", "114,8", "-91", "inf"],
    "bujur": ["", "114,8310", "-3,44", "200", "x"],
    "tewas": ["", "0", "2", "-1", "1,5", "banyak", "1.234,0"],
    "luka": ["", "1", "-2", "0,5"],
    "pengungsi": ["", "10", "x"],
}


def _pandera_schema(vocab):
    """The schema as ingest.validate wrote it with pandera (the reference for the one-pass checks)."""
    import pandera.polars as pa

    def isin(name, optional=False):
        allowed = sorted(vocab[name]) + ([""] if optional else [])
        return pa.Check.isin(allowed, error=f"nilai bukan {name} yang dikenal")

    def readable(name):
        return pa.Check(lambda d: d.lazyframe.select(pl.col(name).is_not_null() | (pl.col(f"_teks_{name}") == "")),
                        error="tidak terbaca")

    whole = pa.Check(lambda d: d.lazyframe.select(pl.col(d.key) == pl.col(d.key).floor()), error="bukan bilangan bulat")
    count = pa.Column(pl.Float64, [pa.Check.ge(0, error="tidak boleh negatif"), whole], nullable=False)
    return pa.DataFrameSchema({
        "tanggal": pa.Column(pl.Date, nullable=False),
        "tanggal_selesai": pa.Column(pl.Date, [readable("tanggal_selesai"), pa.Check(
            lambda d: d.lazyframe.select(pl.col("tanggal_selesai").is_null()
                                         | (pl.col("tanggal_selesai") >= pl.col("tanggal")).fill_null(True)),
            error="tanggal_selesai sebelum tanggal")], nullable=True),
        "kategori": pa.Column(pl.String, isin("kategori")),
        "bentuk": pa.Column(pl.String, isin("bentuk", optional=True)),
        "sifat": pa.Column(pl.String, isin("sifat")),
        "bidang": pa.Column(pl.String, isin("bidang", optional=True)),
        "athg": pa.Column(pl.String, isin("athg", optional=True)),
        "eskalasi": pa.Column(pl.Float64, [pa.Check.in_range(0, 5, error="di luar 0–5"), whole], nullable=False),
        "klasifikasi": pa.Column(pl.String, isin("klasifikasi")),
        "status_penanganan": pa.Column(pl.String, isin("status_penanganan")),
        "judul": pa.Column(pl.String, pa.Check.str_length(min_value=1, error="kosong")),
        "lintang": pa.Column(pl.Float64, [readable("lintang"), pa.Check.in_range(-90, 90, error="bukan lintang")],
                             nullable=True),
        "bujur": pa.Column(pl.Float64, [readable("bujur"), pa.Check.in_range(-180, 180, error="bukan bujur")],
                           nullable=True),
        **{c: count for c in ("tewas", "luka", "pengungsi")},
    }, strict=False, coerce=False)


def _pandera_problems(typed, canonical, rows):
    """(baris, kolom, nilai, alasan) as the pandera version reported them."""
    import pandera.polars as pa

    try:
        _pandera_schema(VOCAB).validate(typed, lazy=True)
        return set()
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null() & ~pl.col("check").str.starts_with("dtype("))
    return {(rows[i], column, canonical[column][i], "kosong atau tidak terbaca" if check == "not_nullable" else check)
            for column, check, i in cases.select("column", "check", "index").iter_rows()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_pass_checks_equal_pandera(data):
    from ingest.presets import CANONICAL
    from ingest.validate import _problems, _typed

    n = data.draw(st.integers(1, 25))
    cells = {name: data.draw(st.lists(st.sampled_from(CELLS.get(name, [""])), min_size=n, max_size=n))
             for name in CANONICAL}
    canonical = pl.DataFrame(cells, schema=dict.fromkeys(CANONICAL, pl.String))
    rows = pl.Series("baris", range(2, n + 2), dtype=pl.Int64)
    typed = _typed(canonical)
    ours = _problems(typed, canonical, rows, VOCAB)
    assert set(ours.select("baris", "kolom", "nilai", "alasan").iter_rows()) == _pandera_problems(typed, canonical,
                                                                                                  rows)
    assert ours.select("baris", "kolom").equals(ours.select("baris", "kolom").sort("baris", "kolom"))


# --- workbook cells: a column converted by type equals the cell-by-cell text ---------------------------

_CELL = (st.text(max_size=6) | st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6).map(float)
         | st.sampled_from([0.0, -0.0, 1e15, 2.0**53 + 2, 2.0**63, -2.0**70, 1e-7, 114.831, -3.442, 45432.0])
         | st.dates() | st.datetimes() | st.none() | st.booleans())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_CELL), max_size=30), st.sampled_from(["campur", "angka", "tanggal", "teks"]))
def test_column_text_equals_cell_by_cell(cells, shape):
    import datetime as dt

    from ingest.readers import _cell_text, _column_text

    keep = {"campur": lambda v: True, "angka": lambda v: isinstance(v, (float, str)),
            "tanggal": lambda v: isinstance(v, (dt.date, str)) and not isinstance(v, dt.datetime),
            "teks": lambda v: isinstance(v, str)}[shape]
    column = [value for value in cells if keep(value)]
    assert _column_text(column) == [value if isinstance(value, str) else _cell_text(value) for value in column]
