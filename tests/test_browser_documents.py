"""Issue 17 in a real browser (headless Chromium, outside network blocked): a national admin chooses
Kalimantan Selatan on Ekspor Data and downloads the briefing, the Laporan Triwulan (PDF), the PNG map
and the GeoPackage through the page's own buttons. The downloaded files hold Kalsel (63) only and, made
from demo data, each carries "Data contoh (sintetis)" — checked as tests/test_documents_region.py
checks the files built directly."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import timedelta

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from PIL import Image

from pages.components.filters import office_today
from reports.document import CLASSIFICATIONS, SYNTHETIC_MARK
from reports.exports import export_data
from store import connect
from store.incidents import IncidentFilter
from tests.apptest import ADMIN, PASSWORD, create_users
from tests.browser import ARTIFACTS, needs_chromium, offline_page, running_app, sign_in
from tests.conftest import make_demo_db
from tests.test_browser_lapor import _go
from tests.test_documents_region import _check_pages, _named, _pdf_pages

pytestmark = [pytest.mark.browser, needs_chromium]
MARKING = CLASSIFICATIONS[1]  # the page's default classification
KALSEL = "Kalimantan Selatan (63)"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("browser_dokumen"), regions_db, n=1500, seed=17)
    create_users(path, (ADMIN,))
    return path


@pytest.fixture(scope="module")
def kalsel(demo_db):
    """Kalsel's kabupaten/kota (code → name), the names outside it and its bounds — read before the
    server opens the database file."""
    from geo.boundaries import load_regions
    from geo.web import load_display

    con = connect(demo_db)
    try:
        regions = con.execute("SELECT kode, nama FROM regions WHERE level = 'kab'").df()
    finally:
        con.close()
    inside = regions.loc[regions["kode"].str.startswith("63.")]
    prov = load_regions("prov").set_index("kode")
    shown = load_display("kab", "sedang")
    return {"kab": dict(zip(inside["kode"], inside["nama"])),
            "others": set(regions.loc[~regions["kode"].str.startswith("63."), "nama"])
            - set(inside["nama"]),
            "bounds": tuple(prov.loc["63"].geometry.bounds),
            "shown": tuple(shown.loc[shown["kode"].str.startswith("63.")].total_bounds)}


def _choose_typed(page, label: str, text: str, option: str) -> None:
    """A selectbox whose long list is filtered by typing (the dropdown renders only what is in view)."""
    page.get_by_label(label, exact=True).click()
    page.keyboard.type(text)
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(600)


def _download(page, prepare: str, download: str | re.Pattern, tmp_path):
    """Click ``prepare``, wait for the download button ``download`` and save what it hands over."""
    page.get_by_role("button", name=prepare, exact=True).click()
    button = page.get_by_role("button", name=download)
    button.wait_for(timeout=180_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    got = info.value
    path = tmp_path / got.suggested_filename
    got.save_as(path)
    page.wait_for_timeout(800)  # the download button's rerun
    return path


def test_national_admin_downloads_kalsel_documents_from_the_page(demo_db, kalsel, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (running_app({"SIGAP_DB": str(demo_db), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}) as url,
          offline_page() as page):
        page.set_default_timeout(60_000)
        sign_in(page, url, ADMIN.username, PASSWORD)
        _go(page, "Ekspor Data", "Ekspor Data")
        _choose_typed(page, "Provinsi", "Kalimantan Sel", KALSEL)
        page.get_by_text(f"wilayah berkas: Provinsi {KALSEL}").wait_for(timeout=60_000)

        briefing = _download(page, "Susun bahan rapat", "Unduh bahan rapat (PDF)", tmp_path)
        triwulan = _download(page, "Susun PDF", "Unduh laporan triwulan (PDF)", tmp_path)
        page.get_by_text("Gambar peta PNG (untuk slide / grup WhatsApp)").click()
        page.wait_for_timeout(600)
        png = _download(page, "Siapkan berkas", re.compile(r"^Unduh .*\.png$"), tmp_path)
        page.get_by_text("GeoPackage (QGIS: wilayah + titik insiden)").click()
        page.wait_for_timeout(600)
        gpkg = _download(page, "Siapkan berkas", re.compile(r"^Unduh .*\.gpkg$"), tmp_path)
        page.screenshot(path=str(ARTIFACTS / "ekspor_kalsel.png"), full_page=True)
        assert page.blocked == []

    # names: every file is named after Kalsel
    for path, end in ((briefing, ".pdf"), (triwulan, ".pdf"), (png, ".png"), (gpkg, ".gpkg")):
        assert "kalimantan-selatan" in path.name and path.name.endswith(end), path.name

    # the briefing: one or two pages of Kalsel, marked, no kabupaten/kota of another province
    pages = _pdf_pages(briefing.read_bytes())
    assert 1 <= len(pages) <= 2
    _check_pages(pages, MARKING)  # "Halaman x dari y", the classification, "Data contoh (sintetis)"
    text = "\n".join(pages)
    assert "Provinsi Kalimantan Selatan (63)" in text
    assert _named(kalsel["kab"].values(), text)
    assert not _named(kalsel["others"], text)

    # the Laporan Triwulan: a few pages, not the ~20 of the national table
    pages = _pdf_pages(triwulan.read_bytes())
    assert len(pages) <= 3
    _check_pages(pages, MARKING)
    text = "\n".join(pages)
    assert "Provinsi Kalimantan Selatan (63)" in " ".join(text.split())
    assert not _named(kalsel["others"], text)

    # the PNG: drawn for Kalsel, its extent Kalsel's, marked, and as large as the page's export makes it
    image = Image.open(png)
    assert image.info["Wilayah"] == "63" and image.info["Keterangan"] == SYNTHETIC_MARK
    minx, miny, maxx, maxy = map(float, image.info["Batas"].split(","))
    kx0, ky0, kx1, ky1 = kalsel["shown"]
    pad = 0.05 * max(kx1 - kx0, ky1 - ky0)
    assert abs(minx - kx0) < pad and abs(maxx - kx1) < pad and abs(miny - ky0) < pad and abs(maxy - ky1) < pad
    rgb = np.asarray(image.convert("RGB")).astype(int)
    r, b = rgb[..., 0], rgb[..., 2]
    coloured = (r > 200) & (b < 190) & (r - b > 60)
    rows, cols = np.nonzero(coloured[int(rgb.shape[0] * 0.12): int(rgb.shape[0] * 0.9)])
    assert len(rows) > 1000  # not an empty picture
    assert 0.4 < (cols.max() - cols.min()) / (rows.max() - rows.min()) < 1.1  # Kalsel's shape, not Indonesia's
    header = rgb[: image.height // 7]
    assert ((header[..., 0] > 150) & (header[..., 1] < 60)).sum() > 50  # the red mark is drawn
    today = office_today(None)
    con = connect(demo_db)  # the server has stopped: the file is free again
    try:
        same = export_data(con, "png", IncidentFilter(date_from=today - timedelta(days=365), date_to=today,
                                                      prov="63"), ADMIN)
    finally:
        con.close()
    assert Image.open(io.BytesIO(same.data)).size == image.size and same.filename == png.name

    # the GeoPackage: both layers Kalsel's, inside its bounds, described as Kalsel and as demo data
    assert sorted(pyogrio.list_layers(gpkg)[:, 0]) == ["insiden", "wilayah"]
    regions = gpd.read_file(gpkg, layer="wilayah")
    points = gpd.read_file(gpkg, layer="insiden")
    assert regions["kode"].str.startswith("63").all() and set(regions["kode"]) == set(kalsel["kab"])
    assert len(points) and points["kode_prov"].eq("63").all() and points["kode_kab"].str.startswith("63.").all()
    assert points["sintetis"].all()
    kx0, ky0, kx1, ky1 = kalsel["bounds"]
    for layer in ("wilayah", "insiden"):
        x0, y0, x1, y1 = pyogrio.read_info(gpkg, layer=layer, force_total_bounds=True)["total_bounds"]
        assert x0 >= kx0 - 0.01 and y0 >= ky0 - 0.01 and x1 <= kx1 + 0.01 and y1 <= ky1 + 0.01
    with sqlite3.connect(gpkg) as db:
        described = dict(db.execute("SELECT table_name, description FROM gpkg_contents").fetchall())
    assert set(described) == {"insiden", "wilayah"}
    assert all("Kalimantan Selatan" in d and SYNTHETIC_MARK in d for d in described.values())
