"""Exports respect filter and scope, are formula-safe, readable by QGIS-side readers, audited."""

import io
import json
import subprocess
import sys
from datetime import date, datetime

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth.identity import User
from auth.roles import PermissionDenied
from reports.exports import EXCEL_TEXT_LIMIT, export_data
from reports.safe import FORMULA_PREFIXES, neutralise, neutralise_frame
from store import connect
from store.incidents import IncidentFilter
from tests.conftest import ROOT

NATIONAL = User("analis", "analis", None, "Terbatas")
BANJARBARU = User("analis_bjb", "analis", "63.72", "Terbatas")


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('t', 'uji', 'u')")
    rows = [("63.72", date(2025, 1, 5), "SDA", '=HYPERLINK("http://x","klik")', -3.44, 114.83),
            ("63.72", date(2025, 2, 5), "POL", "Kampanye hitam", -3.45, 114.84),
            ("63.71", date(2025, 1, 9), "SDA", "Sengketa di Banjarmasin", -3.32, 114.59),
            ("62.71", date(2025, 3, 1), "KAM", "Tawuran", None, None)]
    for i, (kab, day, kat, judul, lat, lon) in enumerate(rows):
        con.execute("INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, "
                    "judul, lat, lon, dibuat_oleh) VALUES (1, 'uji', ?, ?, ?, ?, ?, ?, ?, ?, 'u')",
                    [str(i), day, kab[:2], kab, kat, judul, lat, lon])
    yield con
    con.close()


def test_csv_follows_filter_and_neutralises_formulas(db):
    out = export_data(db, "csv", IncidentFilter(kategori=("SDA",)), NATIONAL)
    table = pd.read_csv(io.BytesIO(out.data), dtype=str)
    assert out.rows == len(table) == 2
    assert set(table["kode_kab"]) == {"63.72", "63.71"}
    assert table.loc[table["kode_kab"] == "63.72", "judul"].iloc[0].startswith("'=HYPERLINK")
    assert out.filename.endswith(".csv") and "/" not in out.filename


def test_xlsx_cells_are_inert_and_metadata_is_there(db):
    out = export_data(db, "xlsx", IncidentFilter(prov="63"), NATIONAL)
    book = openpyxl.load_workbook(io.BytesIO(out.data))
    sheet = book["Insiden"]
    assert sheet.max_row - 1 == out.rows == 3
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'=") for c in cells)
    meta = {r[0].value: r[1].value for r in book["Metadata"].iter_rows(min_row=2)}
    assert meta["Dibuat oleh"] == "analis" and meta["Jumlah baris"] == "3"
    assert "prov=63" in meta["Saringan"]


def test_xlsx_keeps_dates_numbers_text_and_empty_cells(db):
    out = export_data(db, "xlsx", IncidentFilter(), NATIONAL)
    book = openpyxl.load_workbook(io.BytesIO(out.data))
    sheet = book["Insiden"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]  # oldest first
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    first, last = rows[0], rows[-1]
    assert first["tanggal"].is_date and first["tanggal"].value == datetime(2025, 1, 5)
    assert first["tanggal"].number_format == "dd/mm/yyyy"
    assert first["tanggal_selesai"].value is None and last["lintang"].value is None
    assert first["lintang"].data_type == "n" and first["lintang"].value == pytest.approx(-3.44)
    assert first["id"].data_type == "n" and first["eskalasi"].data_type == "n"
    assert first["kode_kab"].data_type == "s" and first["kode_kab"].value == "63.72"  # a code, not a number
    metadata = book["Metadata"]
    assert [c.value for c in metadata[1]] == ["keterangan", "nilai"] and all(c.font.b for c in metadata[1])


def test_xlsx_writes_markup_links_and_overlong_text_as_plain_text(db):
    markup = "<r><t>a</t></r></si><si><t>b</t></r>"  # XLSX writers copy <r>…</r> raw into the file
    db.execute("INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, "
               "judul, kronologi, aktor1, dibuat_oleh) VALUES (1, 'uji', 'x', DATE '2025-04-01', '63', '63.73', "
               "'SDA', ?, ?, ?, 'u')", [markup, "=1+1 " + "x" * 40_000, "http://contoh.example/x"])
    out = export_data(db, "xlsx", IncidentFilter(kab="63.73"), NATIONAL)
    sheet = openpyxl.load_workbook(io.BytesIO(out.data))["Insiden"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2]))
    assert row["judul"].value == "'" + markup
    assert row["kronologi"].value.startswith("'=1+1") and len(row["kronologi"].value) == EXCEL_TEXT_LIMIT
    assert row["aktor_1"].value == "http://contoh.example/x" and row["aktor_1"].hyperlink is None
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


CELLS = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                  st.text(alphabet="=+-@\t\r'ab ", max_size=4), st.sampled_from(FORMULA_PREFIXES))


@given(st.lists(CELLS, max_size=12))
def test_neutralise_frame_changes_exactly_the_cells_neutralise_would(cells):
    texts = [c for c in cells if isinstance(c, str)]
    frame = pd.DataFrame({"campur": pd.Series(cells, dtype=object),
                          "teks": pd.Series(texts + [None] * (len(cells) - len(texts)), dtype="str")})
    out = neutralise_frame(frame)
    for column in frame.columns:
        for before, after in zip(frame[column], out[column]):
            expected = neutralise(before)
            assert after == expected or (pd.isna(after) and pd.isna(expected))
    assert frame["campur"].tolist() == cells  # the input is not modified


def test_kabupaten_user_cannot_export_another_kabupaten(db):
    with pytest.raises(PermissionDenied, match="di luar cakupan"):
        export_data(db, "csv", IncidentFilter(kab="63.71"), BANJARBARU)
    every = pd.read_csv(io.BytesIO(export_data(db, "csv", IncidentFilter(), BANJARBARU).data), dtype=str)
    assert set(every["kode_kab"]) == {"63.72"}


def test_gis_exports_open_in_readers_with_choropleth_values(db, tmp_path):
    gj = export_data(db, "geojson", IncidentFilter(), NATIONAL)
    path = tmp_path / "x.geojson"
    path.write_bytes(gj.data)
    features = gpd.read_file(path)
    regions = features[features["lapisan"] == "wilayah"]
    assert len(regions) == 514 and (features["lapisan"] == "insiden").sum() == 3  # every point with coordinates
    assert regions.set_index("kode").at["63.72", "jumlah"] == 2
    gp = export_data(db, "gpkg", IncidentFilter(prov="63"), BANJARBARU)
    path = tmp_path / "x.gpkg"
    path.write_bytes(gp.data)
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["insiden", "wilayah"]
    assert list(gpd.read_file(path, layer="wilayah")["kode"]) == ["63.72"]
    assert len(gpd.read_file(path, layer="insiden")) == 2


def test_every_export_is_audited_and_leaders_may_export(db):
    export_data(db, "csv", IncidentFilter(kab="63.72"), User("gub", "pimpinan", "63", "Rahasia"))
    row = db.execute("SELECT actor, action, object, row_count, detail FROM audit ORDER BY id DESC LIMIT 1"
                     ).fetchall()[0]
    assert row[:4] == ("gub", "ekspor", "csv", 2)
    assert json.loads(row[4]) == {"kab": "63.72"}


def test_unknown_role_cannot_export(db):
    with pytest.raises(PermissionDenied):
        export_data(db, "csv", IncidentFilter(), User("x", "tamu", None, "Biasa"))


def test_cli_export(db, fresh_db, tmp_path):
    db.close()
    out = tmp_path / "e.xlsx"
    result = subprocess.run([sys.executable, "-m", "sigap", "export", "--format", "xlsx", "--out", str(out),
                             "--from", "2025-01-01", "--to", "2025-01-31", "--db", str(fresh_db)],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["baris"] == 2
    assert openpyxl.load_workbook(out)["Insiden"].max_row == 3


def test_static_map_image_without_a_browser(db):
    import numpy as np
    from PIL import Image

    out = export_data(db, "png", IncidentFilter(prov="63"), BANJARBARU)
    image = np.asarray(Image.open(io.BytesIO(out.data)).convert("L"))
    assert out.mime == "image/png" and image.shape[1] > 800
    assert (image < 250).mean() > 0.02  # the region, legend and scale bar are drawn
    svg = export_data(db, "svg", IncidentFilter(), NATIONAL)
    assert svg.data.lstrip().startswith(b"<?xml") and b"Data per" in svg.data
