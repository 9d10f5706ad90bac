"""Point → region: known places, borders, coast, rejection, agreement with the exact predicate."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.locate import STATUS_LABELS, Locator, build_grid


def test_known_places(locator):
    lon = np.array([114.8310, 113.9167, 110.0])
    lat = np.array([-3.4420, -2.2096, -5.0])
    found = locator.locate(lon, lat)
    assert list(found.kode_kab[:2]) == ["63.72", "62.71"]
    assert found.kode_kec[0].startswith("63.72.") and found.kode_kec[1].startswith("62.71.")
    assert list(found.status) == ["inside", "inside", "rejected:jauh_dari_daratan"]
    assert found.kode_kab[2] is None and found.kode_kec[2] is None


@pytest.mark.parametrize("lon, lat, status", [
    (100.0, 20.0, "rejected:di_luar_indonesia"),
    (np.nan, -3.0, "rejected:koordinat_tidak_sah"),
    (114.8, 95.0, "rejected:koordinat_tidak_sah"),
])
def test_rejections_carry_a_reason(locator, lon, lat, status):
    found = locator.locate(np.array([lon]), np.array([lat]))
    assert found.status[0] == status
    assert found.kode_kab[0] is None


def test_point_on_shared_border_goes_to_lowest_code(locator, kab):
    a = kab.set_index("kode").loc["63.71", "geometry"]  # Kota Banjarmasin
    b = kab.set_index("kode").loc["63.04", "geometry"]  # Barito Kuala
    shared = shapely.intersection(a.boundary, b.boundary)
    assert shared.length > 0
    # a shared vertex lies exactly on both polygons (an interpolated point would not)
    coords = shapely.get_coordinates(shared)
    x, y = coords[len(coords) // 2]
    assert shapely.intersects_xy(a, x, y) and shapely.intersects_xy(b, x, y)
    found = locator.locate_level(np.array([x]), np.array([y]), "kab")
    assert found.kode[0] == "63.04"
    assert found.status[0] == "inside"


def test_sea_point_near_coast_goes_to_nearest_region_with_flag(locator, kab):
    banjarbaru_coast = kab.set_index("kode").loc["63.01", "geometry"]  # Tanah Laut, on the Java Sea
    minx, miny, maxx, maxy = banjarbaru_coast.bounds
    # walk south from the region's southernmost point: 2 km out to sea
    south = shapely.get_coordinates(banjarbaru_coast.exterior if banjarbaru_coast.geom_type == "Polygon"
                                    else max(banjarbaru_coast.geoms, key=lambda g: g.area).exterior)
    x, y = south[np.argmin(south[:, 1])]
    found = locator.locate_level(np.array([x]), np.array([y - 2 / 111.32]), "kab")
    assert found.status[0] == "coast"
    assert found.kode[0] == "63.01"
    assert 1.5 < found.distance_km[0] < 2.5


def test_grid_agrees_with_exact_predicate(locator, kab):
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = kab.total_bounds
    x, y = rng.uniform(minx, maxx, 60_000), rng.uniform(miny, maxy, 60_000)
    ours = locator.locate_level(x, y, "kab")
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    joined = gpd.sjoin(points, kab[["kode", "geometry"]], predicate="intersects", how="inner")
    exact = joined.groupby(level=0)["kode"].min()
    inside = ours.status == "inside"
    assert inside.sum() == len(exact) > 5_000
    assert (ours.kode[exact.index] == exact.to_numpy()).all()


def test_kecamatan_always_lies_in_the_kabupaten(locator, kab):
    rng = np.random.default_rng(3)
    sample = kab.sample(60, random_state=1)
    pts = sample.geometry.sample_points(20, rng=rng).explode()
    found = locator.locate(pts.x.to_numpy(), pts.y.to_numpy())
    ok = found.kode_kab != None  # noqa: E711
    assert ok.all()
    assert all(kc.startswith(kb + ".") for kb, kc in zip(found.kode_kab, found.kode_kec))
    assert (found.kode_kab == np.repeat(sample["kode"].to_numpy(), 20)).all()


def _three_squares():
    frame = gpd.GeoDataFrame(
        {"kode": ["01.01", "01.02", "01.03"]},
        geometry=[shapely.box(100, 0, 101, 1), shapely.box(101, 0, 102, 1), shapely.box(100, 1, 102, 2)],
        crs=4326,
    )
    grid = build_grid(frame, cell=0.1, bbox=(99.0, -1.0, 103.0, 3.0), coast_km=10)
    return Locator({"kab": grid, "kec": grid}, {"kab": frame.geometry.to_numpy(), "kec": frame.geometry.to_numpy()})


@pytest.mark.parametrize("x, y, code, status", [
    (100.5, 0.5, "01.01", "inside"),
    (101.0, 0.5, "01.01", "inside"),      # shared edge of 01.01 and 01.02 → lowest code
    (101.0, 1.0, "01.01", "inside"),      # corner of all three → lowest code
    (101.5, 1.0, "01.02", "inside"),      # edge of 01.02 and 01.03
    (101.5, 1.5, "01.03", "inside"),
    (102.03, 0.5, "01.02", "coast"),      # ≈ 3.3 km east of the edge (margin 5 km)
    (102.06, 0.5, None, "rejected:jauh_dari_daratan"),  # ≈ 6.7 km
    (102.5, 0.5, None, "rejected:jauh_dari_daratan"),
    (104.0, 0.5, None, "rejected:di_luar_indonesia"),
])
def test_tiny_coverage_rules(x, y, code, status):
    found = _three_squares().locate_level(np.array([x]), np.array([y]), "kab")
    assert found.kode[0] == code
    assert found.status[0] == status


def test_coast_margin_cannot_exceed_the_grid():
    frame = gpd.GeoDataFrame({"kode": ["01.01"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    grid = build_grid(frame, cell=0.1, bbox=(-1, -1, 2, 2), coast_km=5)
    with pytest.raises(ValueError, match="melebihi margin grid"):
        Locator({"kab": grid}, {"kab": frame.geometry.to_numpy()}, coast_km=20)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(94, 142) | st.just(float("nan")), st.floats(-12, 7) | st.just(float("nan"))),
                min_size=1, max_size=40))
def test_every_point_gets_one_region_or_a_reason(locator, points):
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    found = locator.locate(x, y)
    assert set(found.status) <= set(STATUS_LABELS)
    rejected = np.array([s.startswith("rejected:") for s in found.status])
    assert ((found.kode_kab == None) == rejected).all()  # noqa: E711
    assert ((found.kode_kec == None) == rejected).all()  # noqa: E711


@pytest.mark.parametrize("lon, lat, code", [
    (110.27392196, -7.68609681, "33.08"),  # a cell marked only by a neighbour's segment box
    (97.26303231, 4.76945752, "11.08"),
])
def test_cells_marked_by_a_neighbour_still_find_their_region(locator, lon, lat, code):
    found = locator.locate_level(np.array([lon]), np.array([lat]), "kab")
    assert (found.kode[0], found.status[0]) == (code, "inside")
