"""Clearance by allow-list: a row above the user's clearance shows only the open columns, in every
read and every file that leaves SIGAP; content hashes are never read back (SECURITY.md §14).

A *Rahasia* row carries a secret marker in every text column the table has (read from the schema,
so a column added later is planted too). A *Biasa* user must not find it anywhere — query,
CSV, XLSX, GeoJSON, GeoPackage, briefing PDF, Laporan Triwulan PDF/XLSX — while the row still
counts on maps; a *Rahasia* user does find it, so the scans are known to work.
"""

from __future__ import annotations

import io
from datetime import date

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pypdfium2 as pdfium
import pytest

from analysis.triwulan import quarter_label
from auth.identity import User
from reports.briefing import briefing_pdf, build_briefing
from reports.exports import export_data
from reports.triwulan import quarter_table, triwulan_pdf, triwulan_xlsx
from store import connect
from store.incidents import (
    NEVER_READ,
    OPEN_COLUMNS,
    REDACTED_TEXT,
    IncidentFilter,
    Scope,
    aggregate_by_region,
    query_incidents,
)

MARK = "Zq7PenandaRahasia"
#: Text columns that decide who may see a row at all (scope keys, classification): they hold real
#: values, not the marker. Every other text column of ``incidents`` gets the marker.
# scope, clearance and verification decide whether and how a row is read: they hold real values
DECIDING = {"kode_prov", "kode_kab", "klasifikasi", "status_verifikasi"}
KAB = "63.72"
TODAY = date.today()
SECRET_POINT = (-3.4567891, 114.8123457)

BIASA = User("analis_biasa", "analis", "63", "Biasa")
BIASA_NASIONAL = User("analis_biasa_nas", "analis", None, "Biasa")
RAHASIA = User("analis_rahasia", "analis", "63", "Rahasia")


def _text_columns(con) -> list[str]:
    """Every column of ``incidents`` that can hold text, from the table as it is now."""
    return [name for name, kind, *_ in con.execute("DESCRIBE incidents").fetchall()
            if "VARCHAR" in kind.upper() or "JSON" in kind.upper()]


def _insert(con, values: dict) -> int:
    names, marks = ", ".join(f'"{name}"' for name in values), ", ".join("?" * len(values))
    return con.execute(f"INSERT INTO incidents ({names}) VALUES ({marks}) RETURNING id",
                       list(values.values())).fetchone()[0]


def _plant_secret(con) -> int:
    """The *Rahasia* row: the marker in every text column but the deciding ones, a precise point."""
    values = {name: f"{MARK}:{name}" for name in _text_columns(con) if name not in DECIDING}
    values.update(batch_id=1, tgl_mulai=TODAY, kode_prov="63", kode_kab=KAB, klasifikasi="Rahasia",
                  status_verifikasi="diverifikasi_prov",
                  lat=SECRET_POINT[0], lon=SECRET_POINT[1], presisi_lokasi=1, eskalasi=4, tewas=2)
    return _insert(con, values)


def _kecamatan(con) -> str:
    return con.execute("SELECT min(kode) FROM regions WHERE level = 'kec' AND kode_induk = ?",
                       [KAB]).fetchone()[0]


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('t', 'uji', 'u')")
    _insert(con, dict(batch_id=1, sumber="uji", hash_isi="biasa", tgl_mulai=TODAY, kode_prov="63",
                      kode_kab=KAB, kode_kec=_kecamatan(con), kategori="SDA", judul="Sengketa lahan biasa",
                      lat=-3.44, lon=114.83, dibuat_oleh="u", status_verifikasi="diverifikasi_prov"))
    yield con
    con.close()


def _found(text: str) -> bool:
    return MARK.lower() in text.lower()


def _frame_text(frame: pd.DataFrame) -> str:
    return "\n".join([*map(str, frame.columns), *(str(v) for v in frame.astype(object).to_numpy().ravel())])


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)


def _gis_text(data: bytes, suffix: str, tmp_path) -> str:
    path = tmp_path / f"ekspor{suffix}"
    path.write_bytes(data)
    layers = [name for name, _ in pyogrio.list_layers(path)]
    frames = [gpd.read_file(path, layer=layer) for layer in layers]
    return "\n".join(_frame_text(frame.drop(columns="geometry")) for frame in frames)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(io.BytesIO(data)))


@pytest.mark.parametrize("region", [None, "63"])
def test_query_shows_a_secret_row_only_through_the_allow_list(db, region):
    secret = _plant_secret(db)
    low = query_incidents(db, IncidentFilter(), Scope(region, "Biasa")).set_index("id")
    assert not NEVER_READ & set(low.columns) and "hash_isi" not in low.columns
    assert not _found(_frame_text(low.reset_index()))
    row = low.loc[secret]
    assert row["judul"] == REDACTED_TEXT
    assert pd.isna(row["lat"]) and pd.isna(row["lon"]) and pd.isna(row["subkategori"])
    assert row["kode_kab"] == KAB and row["eskalasi"] == 4 and row["tewas"] == 2  # counted and placed
    assert row["presisi_lokasi"] == 3  # no point, and no known kecamatan: the kabupaten
    hidden = [c for c in low.columns if c not in OPEN_COLUMNS | {"judul", "sintetis"}]
    assert row[hidden].isna().all()
    high = query_incidents(db, IncidentFilter(), Scope(region, "Rahasia")).set_index("id")
    assert "hash_isi" not in high.columns  # not even with clearance
    planted = [c for c in _text_columns(db) if c not in DECIDING | NEVER_READ]
    assert all(high.at[secret, c] == f"{MARK}:{c}" for c in planted)
    assert (high.at[secret, "lat"], high.at[secret, "lon"]) == SECRET_POINT


def test_secret_row_still_counts_on_maps_without_its_codes(db):
    _plant_secret(db)
    scope = Scope("63", "Biasa")
    kab = aggregate_by_region(db, IncidentFilter(), scope)
    assert kab.set_index("kode").at[KAB, "jumlah"] == 2 and kab["tewas"].sum() == 2
    for level, by_kategori in (("kec", False), ("kab", True), ("kec", True), ("prov", False)):
        assert not _found(_frame_text(aggregate_by_region(db, IncidentFilter(), scope, level=level,
                                                          by_kategori=by_kategori)))
    assert aggregate_by_region(db, IncidentFilter(), scope, by_kategori=True)["jumlah"].sum() == 2
    # with clearance the (odd) codes are the row's own
    assert _found(_frame_text(aggregate_by_region(db, IncidentFilter(), Scope("63", "Rahasia"), level="kec")))


def test_a_realistic_secret_row_keeps_its_kecamatan_but_not_its_point(db):
    kec = _kecamatan(db)
    secret = _insert(db, dict(
        batch_id=1, sumber="uji", hash_isi="h", tgl_mulai=TODAY, kode_prov="63", kode_kab=KAB, kode_kec=kec,
        kode_desa=kec + ".2001", lat=SECRET_POINT[0], lon=SECRET_POINT[1], presisi_lokasi=1, kategori="SARA",
        bentuk="UR_DAMAI", judul="Rapat rahasia", subkategori="rinci", klasifikasi="Rahasia", dibuat_oleh="u",
    ))
    row = query_incidents(db, IncidentFilter(), Scope(None, "Terbatas")).set_index("id").loc[secret]
    shown = (row["kode_kec"], row["presisi_lokasi"], row["kategori"], row["bentuk"])
    assert shown == (kec, 2, "SARA", "UR_DAMAI")  # codes kept; the point coarsened to the kecamatan
    assert pd.isna(row["kode_desa"]) and pd.isna(row["lat"]) and pd.isna(row["subkategori"])
    counts = aggregate_by_region(db, IncidentFilter(), Scope(None, "Biasa"), level="kec").set_index("kode")
    assert counts.at[kec, "jumlah"] == 2


def test_exports_of_a_biasa_user_hold_no_secret(db, tmp_path):
    secret = _plant_secret(db)
    for user in (BIASA, BIASA_NASIONAL):
        csv = export_data(db, "csv", IncidentFilter(), user)
        assert csv.rows == 2 and not _found(csv.data.decode("utf-8-sig"))
        xlsx = export_data(db, "xlsx", IncidentFilter(), user)
        assert not _found(_xlsx_text(xlsx.data))
        geojson = export_data(db, "geojson", IncidentFilter(), user)
        assert not _found(_gis_text(geojson.data, ".geojson", tmp_path) + geojson.data.decode())
        gpkg = export_data(db, "gpkg", IncidentFilter(), user)
        assert not _found(_gis_text(gpkg.data, ".gpkg", tmp_path)) and MARK.encode() not in gpkg.data
        points = gpd.read_file(tmp_path / "ekspor.gpkg", layer="insiden")
        assert secret not in set(points["id"])  # no point for a row above clearance
        regions = gpd.read_file(tmp_path / "ekspor.gpkg", layer="wilayah").set_index("kode")
        assert regions.at[KAB, "jumlah"] == 2  # yet counted on the choropleth
    # the same scans find the marker with clearance; the content hash leaves with nobody
    csv = export_data(db, "csv", IncidentFilter(), RAHASIA).data.decode("utf-8-sig")
    xlsx = _xlsx_text(export_data(db, "xlsx", IncidentFilter(), RAHASIA).data)
    assert _found(csv) and _found(xlsx)
    assert f"{MARK}:hash_isi" not in csv + xlsx
    gpkg = export_data(db, "gpkg", IncidentFilter(), RAHASIA).data
    assert _found(_gis_text(gpkg, ".gpkg", tmp_path))


def test_reports_of_a_biasa_user_hold_no_secret(db):
    _plant_secret(db)
    label = quarter_label(TODAY)
    table, rows = quarter_table(db, BIASA, label)
    assert table.set_index("kode").at[KAB, "jumlah"] == 2
    assert not _found(_frame_text(rows)) and not _found(_frame_text(table))
    assert not _found(_xlsx_text(triwulan_xlsx(table, label, BIASA)))
    pdf = _pdf_text(triwulan_pdf(db, BIASA, label, classification="Biasa"))
    assert "LAPORAN TRIWULAN" in pdf and not _found(pdf)
    pdf = _pdf_text(briefing_pdf(build_briefing(db, BIASA, label, classification="Biasa")))
    assert "Wilayah dengan skor tertinggi" in pdf and not _found(pdf)
    # with clearance the marker reaches the quarterly workbook (as the kategori of the row)
    table, rows = quarter_table(db, RAHASIA, label)
    assert _found(_frame_text(rows)) and _found(_xlsx_text(triwulan_xlsx(table, label, RAHASIA)))


def test_a_column_added_later_is_hidden_until_allowed(db, tmp_path):
    db.execute("ALTER TABLE incidents ADD COLUMN catatan_baru VARCHAR")
    secret = _plant_secret(db)  # the marker goes into catatan_baru too
    low = query_incidents(db, IncidentFilter(), Scope(None, "Biasa")).set_index("id")
    assert "catatan_baru" in low.columns and pd.isna(low.at[secret, "catatan_baru"])
    assert not _found(_frame_text(low.reset_index()))
    assert not _found(_xlsx_text(export_data(db, "xlsx", IncidentFilter(), BIASA).data))
    high = query_incidents(db, IncidentFilter(), Scope(None, "Rahasia")).set_index("id")
    assert high.at[secret, "catatan_baru"] == f"{MARK}:catatan_baru"
