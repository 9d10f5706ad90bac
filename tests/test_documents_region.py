"""Documents follow the chosen region and say when they are made from demo data (issue 17).

A national admin with Kalimantan Selatan (63) chosen gets a Kalsel briefing, Laporan Triwulan, PNG
and GeoPackage — checked on the files themselves: region codes and names, page count, the drawn
extent of the map, the layers' bounds. A region outside the user's scope is refused where the
document is built. Every file made from demo data carries "Data contoh (sintetis)"; every PDF page
says "Halaman x dari y".
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
import sys
import zipfile
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pypdfium2 as pdfium
import pytest
from PIL import Image

from analysis.triwulan import quarter_bounds, quarter_label
from auth.identity import User
from auth.roles import PermissionDenied
from reports.briefing import briefing_pdf, build_briefing
from reports.document import SYNTHETIC_MARK, Column, data_table, document_region, render_pdf, styles
from reports.exports import export_data
from reports.triwulan import quarter_table, triwulan_pdf, triwulan_workbook
from store import connect
from store.incidents import IncidentFilter
from tests.conftest import ROOT, make_demo_db

ADMIN = User("admin_nas", "admin", None, "Terbatas")
KALSEL_USER = User("analis_kalsel", "analis", "63", "Terbatas")
BANJARBARU = User("analis_bjb", "analis", "63.72", "Terbatas")
TODAY = date.today()
QUARTER = quarter_label(TODAY)
PAGE = re.compile(r"Halaman (\d+) dari (\d+)")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory, regions_db):
    return make_demo_db(tmp_path_factory.mktemp("dokumen"), regions_db, n=2500, seed=17)


@pytest.fixture(scope="module")
def demo(demo_file):
    con = connect(demo_file)
    yield con
    con.close()


@pytest.fixture(scope="module")
def kalsel(demo):
    """Kalsel's kabupaten/kota (code → name), the names outside it, and its bounds."""
    from geo.boundaries import load_regions
    from geo.web import load_display

    regions = demo.execute("SELECT kode, nama FROM regions WHERE level = 'kab'").df()
    inside = regions.loc[regions["kode"].str.startswith("63.")]
    prov = load_regions("prov").set_index("kode")
    shown = load_display("kab", "sedang")
    return {"kab": dict(zip(inside["kode"], inside["nama"])),
            "others": set(regions.loc[~regions["kode"].str.startswith("63."), "nama"]),
            "bounds": tuple(prov.loc["63"].geometry.bounds),  # full geometries (GIS files)
            "shown": tuple(shown.loc[shown["kode"].str.startswith("63.")].total_bounds)}  # map display copies


def _pdf_pages(data: bytes) -> list[str]:
    return [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(io.BytesIO(data))]


def _named(names, text: str) -> set[str]:
    """The names that occur in ``text`` as whole names (``Kota Banjar`` is not in ``Kota Banjarbaru``)."""
    flat = " ".join(text.split())
    return {name for name in names if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", flat)}


def _check_pages(pages: list[str], mark: str, synthetic: bool = True) -> None:
    for number, text in enumerate(pages, start=1):
        assert PAGE.search(text).groups() == (str(number), str(len(pages)))
        assert text.count(mark.upper()) >= 2  # top and bottom
        assert (SYNTHETIC_MARK in text) == synthetic


# --- the chosen region -------------------------------------------------------------------

def test_briefing_of_a_national_admin_with_kalsel_chosen_holds_only_kalsel(demo, kalsel):
    b = build_briefing(demo, ADMIN, QUARTER, region="63", classification="Terbatas")
    assert len(b.top) == len(kalsel["kab"]) == 13 and b.top["kode"].str.startswith("63.").all()
    assert "Kalimantan Selatan" in b.title and b.region_code == "63"
    pages = _pdf_pages(briefing_pdf(b))
    assert 1 <= len(pages) <= 2
    _check_pages(pages, "Terbatas")
    text = "\n".join(pages)
    assert "Provinsi Kalimantan Selatan (63)" in text
    assert not _named(kalsel["others"] - set(kalsel["kab"].values()), text)  # no region of another province
    listed = _named(kalsel["kab"].values(), text)
    busy = b.top.loc[(b.top["insiden"] > 0) | (b.top["ipk"] > 0), "nama"]
    assert set(busy.head(10)) <= listed
    if b.quiet:
        assert f"{b.quiet} kabupaten/kota lain tanpa insiden" in " ".join(text.split())
    # the map: drawn for Kalsel, an extent around Kalsel and nowhere near the whole country
    info = Image.open(io.BytesIO(b.map_png)).info
    minx, miny, maxx, maxy = map(float, info["Batas"].split(","))
    kx0, ky0, kx1, ky1 = kalsel["shown"]
    assert info["Wilayah"] == "63"
    assert minx <= kx0 and maxx >= kx1 and miny <= ky0 and maxy >= ky1
    assert (maxy - miny) < 1.3 * (ky1 - ky0) and (maxx - minx) < 4 * (kx1 - kx0)


def test_national_briefing_is_still_national(demo, kalsel):
    b = build_briefing(demo, ADMIN, QUARTER)
    assert len(b.top) == 514 and b.region_code is None
    info = Image.open(io.BytesIO(b.map_png)).info
    minx, _, maxx, _ = map(float, info["Batas"].split(","))
    assert maxx - minx > 40  # Sumatra to Papua


def test_quarterly_report_of_kalsel_lists_kalsel_and_sums_up_the_quiet(demo, kalsel):
    label = quarter_label(TODAY - timedelta(days=92))  # a complete triwulan
    table, rows = quarter_table(demo, ADMIN, label, region="63")
    assert set(table["kode"]) == set(kalsel["kab"]) and rows["kode_prov"].eq("63").all()
    pdf = triwulan_pdf(demo, ADMIN, label, region="63", classification="Biasa", notes="Catatan <b>uji</b>")
    pages = _pdf_pages(pdf)
    assert len(pages) <= 3  # not 20 pages of a national table
    _check_pages(pages, "Biasa")
    text = "\n".join(pages)
    flat = " ".join(text.split())
    assert "Provinsi Kalimantan Selatan (63)" in flat and "nasional" not in flat.lower().replace("kab", "")
    assert not _named(kalsel["others"] - set(kalsel["kab"].values()), text)
    quiet = table.loc[(table["jumlah"] == 0) & (table["triwulan_lalu"] == 0)]
    busy = table.loc[~table.index.isin(quiet.index)]
    assert set(busy["nama"]) <= _named(kalsel["kab"].values(), text)
    if len(quiet):
        assert f"{len(quiet)} kabupaten/kota lain tanpa insiden" in flat
        assert not _named(set(quiet["nama"]) - set(busy["nama"]), text)  # summed up, not listed
    assert "Catatan <b>uji</b>" in text


def test_running_triwulan_ends_today_and_a_future_one_is_refused(demo):
    start, end = quarter_bounds(QUARTER)
    b = build_briefing(demo, KALSEL_USER, QUARTER)
    if end > TODAY:
        assert b.period == f"{start:%d/%m/%Y} s.d. {TODAY:%d/%m/%Y} (triwulan berjalan)"
        assert f"{end:%d/%m/%Y}" not in "\n".join(_pdf_pages(briefing_pdf(b)))
    future = quarter_label(end + timedelta(days=1))
    with pytest.raises(ValueError, match="belum dimulai"):
        build_briefing(demo, KALSEL_USER, future)
    with pytest.raises(ValueError, match="belum dimulai"):
        triwulan_pdf(demo, KALSEL_USER, future)


def test_png_of_kalsel_draws_kalsel(demo, kalsel):
    out = export_data(demo, "png", IncidentFilter(prov="63"), ADMIN)
    assert "63-kalimantan-selatan" in out.filename and out.filename.endswith(".png")
    image = Image.open(io.BytesIO(out.data))
    minx, miny, maxx, maxy = map(float, image.info["Batas"].split(","))
    kx0, ky0, kx1, ky1 = kalsel["shown"]
    pad = 0.05 * max(kx1 - kx0, ky1 - ky0)
    assert image.info["Wilayah"] == "63"
    assert abs(minx - kx0) < pad and abs(maxx - kx1) < pad and abs(miny - ky0) < pad and abs(maxy - ky1) < pad
    # the coloured regions on the picture have Kalsel's shape (taller than wide), not Indonesia's
    rgb = np.asarray(image.convert("RGB")).astype(int)
    r, b = rgb[..., 0], rgb[..., 2]
    coloured = (r > 200) & (b < 190) & (r - b > 60)  # the yellow-to-red classes, not grey context or text
    rows, cols = np.nonzero(coloured[int(rgb.shape[0] * 0.12): int(rgb.shape[0] * 0.9)])
    height, width = rows.max() - rows.min(), cols.max() - cols.min()
    assert 0.4 < width / height < 1.1
    national = Image.open(io.BytesIO(export_data(demo, "png", IncidentFilter(), ADMIN).data))
    assert national.width / national.height > 1.5 and float(national.info["Batas"].split(",")[2]) > 140


def test_geopackage_of_kalsel_holds_kalsel_layers(demo, kalsel, tmp_path):
    out = export_data(demo, "gpkg", IncidentFilter(prov="63"), ADMIN)
    path = tmp_path / out.filename
    path.write_bytes(out.data)
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["insiden", "wilayah"]
    regions = gpd.read_file(path, layer="wilayah")
    points = gpd.read_file(path, layer="insiden")
    assert set(regions["kode"]) == set(kalsel["kab"]) and len(regions) == 13
    assert len(points) and points["kode_prov"].eq("63").all() and points["kode_kab"].isin(list(kalsel["kab"])).all()
    kx0, ky0, kx1, ky1 = kalsel["bounds"]
    for layer in ("wilayah", "insiden"):
        x0, y0, x1, y1 = pyogrio.read_info(path, layer=layer, force_total_bounds=True)["total_bounds"]
        assert x0 >= kx0 - 0.01 and y0 >= ky0 - 0.01 and x1 <= kx1 + 0.01 and y1 <= ky1 + 0.01
    with sqlite3.connect(path) as db:
        described = dict(db.execute("SELECT table_name, description FROM gpkg_contents").fetchall())
    assert all("Kalimantan Selatan" in d and SYNTHETIC_MARK in d for d in described.values())
    assert points["sintetis"].all()


def test_a_kabupaten_document_goes_down_to_its_kecamatan(demo):
    table, rows = quarter_table(demo, ADMIN, QUARTER, region="63.72")
    assert table["kode"].str.startswith("63.72.").all() and len(table) >= 5
    assert table["jumlah"].sum() == len(rows)
    out = export_data(demo, "png", IncidentFilter(prov="63", kab="63.72"), ADMIN)
    assert Image.open(io.BytesIO(out.data)).info["Wilayah"] == "63.72" and "kota-banjarbaru" in out.filename
    # a kabupaten/kota user's own province (as the sidebar offers it) narrows to the kabupaten/kota
    table, _ = quarter_table(demo, BANJARBARU, QUARTER, region="63")
    assert table["kode"].str.startswith("63.72.").all()


def test_a_region_outside_the_scope_is_refused_where_the_document_is_built(demo):
    for build in (lambda: build_briefing(demo, KALSEL_USER, QUARTER, region="64"),
                  lambda: triwulan_pdf(demo, KALSEL_USER, QUARTER, region="64.71"),
                  lambda: quarter_table(demo, BANJARBARU, QUARTER, region="63.71"),
                  lambda: triwulan_workbook(demo, KALSEL_USER, QUARTER, region="64"),
                  lambda: export_data(demo, "png", IncidentFilter(prov="64"), KALSEL_USER),
                  lambda: export_data(demo, "csv", IncidentFilter(kab="63.71"), BANJARBARU)):
        with pytest.raises(PermissionDenied, match="di luar cakupan"):
            build()
    with pytest.raises(ValueError, match="tidak berada di provinsi"):
        export_data(demo, "csv", IncidentFilter(prov="63", kab="64.71"), ADMIN)
    assert document_region(demo, KALSEL_USER, None).code == "63"


# --- demo data marked ----------------------------------------------------------------------

def _sheets_with_mark(data: bytes) -> set[str]:
    """Sheets of a workbook that show the mark: in a cell, or in a text box of their drawing."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    marked = {sheet.title for sheet in book.worksheets
              if any(SYNTHETIC_MARK in str(c.value) for row in sheet.iter_rows() for c in row if c.value)}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        order = re.findall(r'<sheet [^>]*name="([^"]+)"', archive.read("xl/workbook.xml").decode())
        for number, title in enumerate(order, start=1):
            rels = f"xl/worksheets/_rels/sheet{number}.xml.rels"
            if rels not in names:
                continue
            for target in re.findall(r'Target="\.\./drawings/([^"]+)"', archive.read(rels).decode()):
                if SYNTHETIC_MARK in archive.read(f"xl/drawings/{target}").decode():
                    marked.add(title)
    return marked


def test_every_file_made_from_demo_data_carries_the_mark(demo, tmp_path):
    flt = IncidentFilter(prov="63")
    csv = pd.read_csv(io.BytesIO(export_data(demo, "csv", flt, ADMIN).data))
    assert csv["sintetis"].all()
    xlsx = export_data(demo, "xlsx", flt, ADMIN).data
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert _sheets_with_mark(xlsx) == set(book.sheetnames) == {"Insiden", "Metadata"}
    meta = {r[0].value: r[1].value for r in book["Metadata"].iter_rows(min_row=2)}
    assert meta["Data contoh"].startswith("Ya") and meta["Cakupan wilayah"] == "Provinsi Kalimantan Selatan (63)"
    png = Image.open(io.BytesIO(export_data(demo, "png", flt, ADMIN).data))
    assert png.info["Keterangan"] == SYNTHETIC_MARK
    header = np.asarray(png.convert("RGB"))[: png.height // 7].astype(int)  # above the map
    assert ((header[..., 0] > 150) & (header[..., 1] < 60)).sum() > 50  # the red words are drawn
    assert SYNTHETIC_MARK.encode() in export_data(demo, "svg", flt, ADMIN).data
    _check_pages(_pdf_pages(briefing_pdf(build_briefing(demo, ADMIN, QUARTER, region="63"))), "Terbatas")
    _check_pages(_pdf_pages(triwulan_pdf(demo, ADMIN, QUARTER, region="63")), "Terbatas")
    workbook, rows = triwulan_workbook(demo, ADMIN, QUARTER, region="63")
    assert rows == 13 and _sheets_with_mark(workbook) == set(openpyxl.load_workbook(io.BytesIO(workbook)).sheetnames)


@pytest.fixture
def real(fresh_db):
    """Real (non-demo) incidents: one Biasa and one Rahasia row in Banjarbaru."""
    con = connect(fresh_db)
    con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('nyata.csv', 'sigap', 'u')")
    for i, level in enumerate(("Biasa", "Rahasia")):
        con.execute("INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, "
                    "sifat, judul, lat, lon, klasifikasi, dibuat_oleh) VALUES (1, 'sigap', ?, ?, '63', '63.72', "
                    "'SDA', 'kejadian', 'Sengketa lahan', -3.44, 114.83, ?, 'u')", [str(i), TODAY, level])
    yield con
    con.close()


def test_real_data_carries_no_mark_and_the_classification_actually_present(real):
    flt = IncidentFilter(prov="63")
    xlsx = export_data(real, "xlsx", flt, ADMIN).data
    meta = {r[0].value: r[1].value for r in openpyxl.load_workbook(io.BytesIO(xlsx))["Metadata"].iter_rows()}
    # the Rahasia row is above a Terbatas reader's clearance: the file holds only its codes and counts
    assert meta["Klasifikasi"] == "Biasa" and meta["Data contoh"] == "Tidak" and not _sheets_with_mark(xlsx)
    secret_reader = User("r", "analis", None, "Rahasia")
    meta = {r[0].value: r[1].value for r in openpyxl.load_workbook(io.BytesIO(
        export_data(real, "xlsx", flt, secret_reader).data))["Metadata"].iter_rows()}
    assert meta["Klasifikasi"] == "Rahasia"
    assert Image.open(io.BytesIO(export_data(real, "png", flt, ADMIN).data)).info["Keterangan"] == ""
    _check_pages(_pdf_pages(briefing_pdf(build_briefing(real, ADMIN, QUARTER, region="63"))), "Terbatas",
                 synthetic=False)
    _check_pages(_pdf_pages(triwulan_pdf(real, ADMIN, QUARTER, region="63.72")), "Terbatas", synthetic=False)


# --- layout ------------------------------------------------------------------------------

def test_numbers_are_right_aligned_and_headings_stay_with_their_table():
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    from reports.document import Marks, table_heading

    st = styles()
    columns = [Column("nama", "Wilayah", 6), Column("jumlah", "Jumlah", 3, "int")]

    def build(space_cm: float, rows: int) -> pdfium.PdfDocument:
        frame = pd.DataFrame({"nama": [f"wilayah {i}" for i in range(rows)], "jumlah": [7, 88, 999, 1234][:rows]
                              + list(range(rows - min(rows, 4)))})
        story = [Spacer(1, space_cm * cm), *table_heading("Judul bagian", st["h4"]), data_table(frame, columns, st)]
        pdf = render_pdf(story, pagesize=A4, marks=Marks("Biasa"), title="uji", author="uji")
        return pdfium.PdfDocument(io.BytesIO(pdf))

    # too little room under the heading: heading and table start the next page together
    document = build(24.9, 4)
    assert len(document) == 2 and "Judul bagian" not in document[0].get_textpage().get_text_range()
    text = document[1].get_textpage()
    rights, lefts = [], []
    for number in ("7", "88", "999", "1.234"):
        start, count = text.search(number, match_whole_word=True).get_next()
        lefts.append(text.get_charbox(start)[0])
        rights.append(text.get_charbox(start + count - 1)[2])
    assert max(rights) - min(rights) < 1.0 and lefts == sorted(lefts, reverse=True)  # right-aligned
    assert "Halaman 2 dari 2" in text.get_text_range()
    # enough room: a long table starts under its heading and runs on, leaving no half-empty page
    document = build(15.0, 60)
    first = document[0].get_textpage().get_text_range()
    assert "Judul bagian" in first and "wilayah 0" in first and "Halaman 1 dari 2" in first


def test_first_page_of_a_briefing_is_full(demo):
    pdf = briefing_pdf(build_briefing(demo, ADMIN, QUARTER, region="63"))
    pixels = np.asarray(pdfium.PdfDocument(io.BytesIO(pdf))[0].render(scale=0.5).to_pil().convert("L"))
    body = pixels[int(pixels.shape[0] * 0.05): int(pixels.shape[0] * 0.93)]
    used = (body < 235).any(axis=1)
    assert used[int(len(used) * 0.75):].mean() > 0.2  # the lower quarter holds content, not blank paper


# --- command line and page ---------------------------------------------------------------

def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sigap", *args], cwd=ROOT, capture_output=True, text=True)


def test_commands_make_the_same_region_documents(demo, demo_file, tmp_path, kalsel):
    import shutil

    db = tmp_path / "salinan.duckdb"
    demo.execute("CHECKPOINT")  # the module's connection holds the file: copy it in a settled state
    shutil.copy(demo_file, db)
    out = tmp_path / "bahan.pdf"
    result = _run("report", "briefing", "--out", str(out), "--prov", "63", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["wilayah"] == "63"
    text = "\n".join(_pdf_pages(out.read_bytes()))
    assert "Provinsi Kalimantan Selatan (63)" in text and not _named(kalsel["others"] - set(kalsel["kab"].values()),
                                                                      text)
    out = tmp_path / "tw.xlsx"
    result = _run("report", "triwulan", "--year", QUARTER[:4], "--quarter", QUARTER[-1], "--kab", "63.72",
                  "--out", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Per kecamatan"
    assert all(str(c.value).startswith("63.72.") for c in next(book["Per kecamatan"].iter_cols(max_col=1))[1:]
               if c.value)
    result = _run("report", "briefing", "--out", str(tmp_path / "x.pdf"), "--region", "63", "--kab", "64.71",
                  "--db", str(db))
    assert result.returncode == 2 and "di luar cakupan" in result.stderr and not (tmp_path / "x.pdf").exists()


def test_export_page_files_follow_the_chosen_kabupaten(regions_db, tmp_path_factory, monkeypatch):
    import streamlit as st

    from tests.apptest import GUB, create_users, open_page

    path = make_demo_db(tmp_path_factory.mktemp("halaman"), regions_db, n=600, seed=3)
    create_users(path, (GUB,))
    monkeypatch.setenv("SIGAP_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = open_page("ekspor", GUB, timeout=180).run()
        assert not at.exception
        at.selectbox(key="ekspor_kab").set_value("63.72").run()
        at.radio(key="ekspor_format").set_value("png").run()
        at.button(key="ekspor_siapkan").click().run()
        assert not at.exception
        ready = at.session_state["ekspor_berkas"]
        assert "63.72-kota-banjarbaru" in ready.filename
        assert Image.open(io.BytesIO(ready.data)).info["Wilayah"] == "63.72"
        assert any("Kota Banjarbaru (63.72)" in c.value for c in at.caption)
    finally:
        st.cache_resource.clear()
