"""The installed boundary set: counts, codes, hierarchy, valid nested coverages, display copies."""

import json
import shutil

import numpy as np
import pytest
import shapely

from geo.boundaries import EXPECTED_COUNTS, load_regions
from geo.install import BoundaryInstallError, install_boundaries, pinned_sums
from geo.web import DETAIL, load_display, simplify_coverage
from settings import boundary_dir
from tests.conftest import SHARED


@pytest.mark.parametrize("level", ["prov", "kab", "kec"])
def test_counts_codes_and_validity(level):
    regions = load_regions(level)
    assert len(regions) == EXPECTED_COUNTS[level]
    assert regions["kode"].is_unique
    assert regions.crs.to_epsg() == 4326
    assert shapely.is_valid(regions.geometry.to_numpy()).all()
    assert not regions.geometry.is_empty.any()
    assert set(regions.geom_type) <= {"Polygon", "MultiPolygon"}
    assert (regions["luas_km2"] > 0).all()
    assert list(regions["kode"]) == sorted(regions["kode"])


def test_codes_are_hierarchical(prov, kab, kec):
    assert set(kab["kode"].str[:2]) == set(prov["kode"])
    assert set(kec["kode"].str[:5]) == set(kab["kode"])
    assert (kab["kode_induk"] == kab["kode"].str[:2]).all()
    assert (kec["kode_induk"] == kec["kode"].str[:5]).all()


def test_kabupaten_and_kota_types(kab):
    counts = kab["jenis"].value_counts()
    # Kemendagri numbering: kabupaten 01–69, kota 71–99
    is_kota_code = kab["kode"].str[3:].astype(int) >= 71
    assert ((kab["jenis"] == "kota") == is_kota_code).all()
    assert counts["kabupaten"] + counts["kota"] == 514


@pytest.mark.parametrize("level", ["kab", "kec"])
def test_layers_are_true_coverages(level):
    regions = load_regions(level)
    assert shapely.coverage_is_valid(regions.geometry.to_numpy())


def test_kabupaten_is_exactly_the_union_of_its_kecamatan(kab, kec):
    areas = kec.groupby(kec["kode"].str[:5])["luas_km2"].sum()
    assert np.allclose(kab.set_index("kode")["luas_km2"], areas.reindex(kab["kode"]), rtol=1e-6)


def test_mixed_region_9601_is_kept_as_polygons(kab):
    sorong = kab.set_index("kode").loc["96.01"]
    assert sorong["nama"] == "Kabupaten Sorong"
    assert sorong.geometry.geom_type in {"Polygon", "MultiPolygon"}
    assert sorong["luas_km2"] > 1000


def test_cleaning_report_lists_what_changed():
    report = json.loads((boundary_dir() / "coverage_report.json").read_text(encoding="utf-8"))
    assert report["pasangan_kabupaten_tumpang_tindih"] > 0
    assert report["diputuskan_oleh_kecamatan"] + report["diputuskan_oleh_kode_terkecil"] == \
        report["pasangan_kabupaten_tumpang_tindih"]
    assert all({"kode", "luas_asal_km2", "luas_km2", "selisih_km2"} <= set(r) for r in report["perubahan_luas_kabupaten"])


def test_simplified_coverage_keeps_shared_borders(kab):
    simple = simplify_coverage(kab, DETAIL["sedang"])
    assert shapely.coverage_is_valid(simple.geometry.to_numpy())


@pytest.mark.parametrize("detail", ["rendah", "sedang", "tinggi"])
def test_display_copies_have_every_region_and_little_overlap(kab, detail):
    display = load_display("kab", detail)
    assert list(display["kode"]) == list(kab["kode"])
    geoms = shapely.make_valid(display.geometry.to_numpy())
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
    # rounding display coordinates may create slivers; they must stay negligible
    assert overlap.sum() < 1e-4 * shapely.area(geoms).sum()


def test_display_copy_is_not_used_for_joins(kab):
    # joins read the full geometry: it has more vertices than any display copy
    full = shapely.get_num_coordinates(kab.geometry.to_numpy()).sum()
    for detail in ("rendah", "sedang", "tinggi"):
        assert shapely.get_num_coordinates(load_display("kab", detail).geometry.to_numpy()).sum() < full


def _copy_source(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SHARED, source)
    return source


def test_checksum_mismatch_stops_install_and_names_the_file(tmp_path):
    source = _copy_source(tmp_path)
    target = source / "kab" / "wilayah_boundaries_kab_63.sql"
    target.write_text(target.read_text(encoding="utf-8").replace("Tanah Laut", "Tanah Lout"), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(BoundaryInstallError, match="kab/wilayah_boundaries_kab_63.sql: checksum SHA-256 tidak cocok"):
        install_boundaries(source, out, log=lambda _: None)
    assert not out.exists()


def test_missing_file_stops_install_and_names_the_file(tmp_path):
    source = _copy_source(tmp_path)
    (source / "kec" / "wilayah_boundaries_kec_96.sql").unlink()
    with pytest.raises(BoundaryInstallError, match="kec/wilayah_boundaries_kec_96.sql: berkas tidak ditemukan"):
        install_boundaries(source, tmp_path / "out", log=lambda _: None)


def test_pinned_sums_cover_every_upstream_file():
    sums = pinned_sums()
    files = {p.relative_to(SHARED).as_posix() for p in SHARED.glob("*/*.sql")}
    assert set(sums) == files


def test_install_reads_and_verifies_files_over_http():
    """The upstream-URL path, served from loopback (no outside network here)."""
    import functools
    import http.server
    import threading

    from geo.install import _fetch_all

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SHARED))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        texts = _fetch_all(f"http://127.0.0.1:{server.server_port}", log=lambda _: None)
    finally:
        server.shutdown()
    assert set(texts) == set(pinned_sums())
    assert "Kalimantan Selatan" in texts["kab/wilayah_boundaries_kab_63.sql"]


def test_unreachable_url_names_the_file():
    from geo.install import _fetch_all

    with pytest.raises(BoundaryInstallError, match=r"kab/wilayah_boundaries_kab_11.sql: tidak dapat diunduh|"
                                                     r"prov/wilayah_boundaries_prov_1.sql: tidak dapat diunduh"):
        _fetch_all("http://127.0.0.1:9", log=lambda _: None)
