"""The upstream SQL format and its quirks (../shared/boundaries/README.md)."""

import numpy as np
import pytest
import shapely

from geo.clean import polygonal, repair
from geo.wilayah import WilayahParseError, parse_wilayah_sql, path_to_geometry
from tests.conftest import SHARED

HEADER = "/* licence */\nINSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES\n"
SQUARE = "[[[-3.0,114.0],[-3.0,115.0],[-2.0,115.0],[-2.0,114.0],[-3.0,114.0]]]"


def test_polygon_path_is_lat_lng_and_becomes_lng_lat():
    geom = path_to_geometry(SQUARE, "63.01")
    assert geom.geom_type == "Polygon"
    minx, miny, maxx, maxy = geom.bounds
    assert (minx, miny, maxx, maxy) == (114.0, -3.0, 115.0, -2.0)


def test_multipolygon_depth_four():
    other = SQUARE.replace("114.0", "116.0").replace("115.0", "117.0")
    geom = path_to_geometry(f"[{SQUARE},{other}]", "63.02")
    assert geom.geom_type == "MultiPolygon"
    assert len(geom.geoms) == 2


def test_whitespace_variants_and_escaped_apostrophes():
    text = HEADER + (
        f"\t('63.01','Kabupaten Tanah Laut',-3.8,114.9,'{SQUARE}'),\n"
        f"\t('63.01.01',  'Ma''U',  -3.1,  114.5,  '{SQUARE}'),\n"
        f"('63.02' , 'Kota Uji' , -3.0 , 114.6 , '{SQUARE}');"
    )
    rows = parse_wilayah_sql(text, "uji.sql")
    assert [r.kode for r in rows] == ["63.01", "63.01.01", "63.02"]
    assert rows[1].nama == "Ma'U"
    assert rows[1].lat == pytest.approx(-3.1)


def test_province_63_file_with_comma_and_spaces_parses():
    text = (SHARED / "prov" / "wilayah_boundaries_prov_5.sql").read_text(encoding="utf-8")
    assert "('63','Kalimantan Selatan',-3.4842879744679647, 114" in text  # the quirk is really there
    rows = {r.kode: r for r in parse_wilayah_sql(text, "prov_5.sql")}
    assert rows["63"].nama == "Kalimantan Selatan"
    assert rows["63"].lng == pytest.approx(114.83393620184917)


def test_real_kecamatan_names_keep_apostrophes():
    names = [r.nama for f in sorted((SHARED / "kec").glob("*.sql"))
             for r in parse_wilayah_sql(f.read_text(encoding="utf-8"), f.name)]
    assert any("'" in n for n in names)
    assert not any("''" in n for n in names)


def test_unreadable_region_names_file_and_code():
    text = HEADER + "('63.05','Kabupaten Rusak',-3.0,oops,'[[[1,2]]]');"
    with pytest.raises(WilayahParseError, match=r"rusak\.sql: wilayah 63\.05"):
        parse_wilayah_sql(text, "rusak.sql")


def test_file_without_regions_is_an_error():
    with pytest.raises(WilayahParseError, match="kosong.sql: tidak ada data wilayah"):
        parse_wilayah_sql("/* nothing */", "kosong.sql")


@pytest.mark.parametrize("path, message", [
    ("not json", "bukan JSON"),
    ("[[1.0, 2.0]]", "kedalaman path 2"),
])
def test_bad_paths_are_named(path, message):
    with pytest.raises(WilayahParseError, match=message):
        path_to_geometry(path, "63.09", "x.sql")


def test_degenerate_rings_are_dropped_not_the_region():
    path = "[[[[-3,114],[-3,114],[-3,114]]],[[[-3.0,114.0],[-3.0,115.0],[-2.0,115.0],[-3.0,114.0]]]]"
    geom = path_to_geometry(path, "63.10")
    assert geom.geom_type == "Polygon"
    assert geom.area > 0


def test_repair_keeps_polygons_and_reports_lines():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    mixed = shapely.GeometryCollection([shapely.box(2, 2, 3, 3), shapely.LineString([(5, 5), (6, 6)])])
    fixed, dropped = repair(np.array([bowtie, mixed], dtype=object))
    assert all(shapely.is_valid(fixed))
    assert fixed[0].area == pytest.approx(0.5)
    assert fixed[1].equals(shapely.box(2, 2, 3, 3))
    assert dropped == [[], ["LineString"]]


def test_polygonal_of_lines_only_is_none():
    geom, dropped = polygonal(shapely.LineString([(0, 0), (1, 1)]))
    assert geom is None and dropped == ["LineString"]
