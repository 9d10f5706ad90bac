"""Provenance in every data export: the source system and its id, the reporter's source text, the
import batch, region names beside the codes, coordinates rounded to 6 decimals — and none of the
provenance for a row above the user's clearance."""

from __future__ import annotations

import io
import json
from datetime import date
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from auth.identity import User
from reports.exports import export_data
from store import connect
from store.incidents import IncidentFilter

ANALIS = User("analis", "analis", "63", "Terbatas")
PROVENANCE = ["sumber", "id_sumber", "sumber_info", "batch_id"]
NAMES = ["nama_prov", "nama_kab", "nama_kec"]
POINT = (-3.4420123456, 114.8310987654)          # stored with 10 decimals
ROUNDED = (-3.442012, 114.831099)                  # exported with 6


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    kec, nama_kec = con.execute("SELECT kode, nama FROM regions WHERE level = 'kec' AND kode_induk = '63.72' "
                                "ORDER BY kode LIMIT 1").fetchone()
    con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('a.csv', 'acled', 'u'), "
                "('b.csv', 'sigap', 'u')")
    insert = ("INSERT INTO incidents (batch_id, sumber, id_sumber, sumber_info, hash_isi, tgl_mulai, kode_prov, "
              "kode_kab, kode_kec, kategori, judul, lat, lon, klasifikasi, dibuat_oleh) "
              "VALUES (?, ?, ?, ?, ?, ?, '63', '63.72', ?, 'SDA', ?, ?, ?, ?, 'u')")
    con.execute(insert, [2, "acled", "IDN1001", "Kompas; Banjarmasin Post", "a", date(2025, 1, 5), kec,
                         "Unjuk rasa", *POINT, "Biasa"])
    con.execute(insert, [1, "sigap", "LAP-7", "Informan desa", "b", date(2025, 1, 6), kec, "Rapat tertutup",
                         -3.45, 114.84, "Rahasia"])
    yield SimpleNamespace(con=con, kec=kec, nama_kec=nama_kec)
    con.close()


def _expect(row, db, *, secret: bool = False):
    assert row["nama_prov"] == "Kalimantan Selatan" and row["nama_kab"] == "Kota Banjarbaru"
    assert row["kode_kec"] == db.kec and row["nama_kec"] == db.nama_kec
    if secret:  # above clearance: the provenance reads empty, the batch and the regions stay
        assert all(pd.isna(row[c]) or row[c] in ("", None) for c in ("sumber", "id_sumber", "sumber_info"))
        assert int(row["batch_id"]) == 1
        assert pd.isna(row["lintang"]) or row["lintang"] in ("", None)
    else:
        assert (row["sumber"], row["id_sumber"], row["sumber_info"]) == ("acled", "IDN1001",
                                                                          "Kompas; Banjarmasin Post")
        assert int(row["batch_id"]) == 2


def test_csv_carries_provenance_names_and_six_decimals(db):
    table = pd.read_csv(io.BytesIO(export_data(db.con, "csv", IncidentFilter(), ANALIS).data), dtype=str)
    assert set(PROVENANCE + NAMES) <= set(table.columns)
    header = list(table.columns)
    assert header.index("nama_kab") == header.index("kode_kab") + 1  # the name beside its code
    rows = table.set_index("judul")
    _expect(rows.loc["Unjuk rasa"], db)
    assert (rows.at["Unjuk rasa", "lintang"], rows.at["Unjuk rasa", "bujur"]) == tuple(map(str, ROUNDED))
    _expect(rows.loc["[dirahasiakan]"], db, secret=True)


def test_xlsx_carries_provenance_names_and_six_decimals(db):
    sheet = openpyxl.load_workbook(io.BytesIO(export_data(db.con, "xlsx", IncidentFilter(), ANALIS).data))["Insiden"]
    header = [c.value for c in sheet[1]]
    rows = {r["judul"]: r for r in (dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2))}
    assert set(PROVENANCE + NAMES) <= set(header)
    _expect(rows["Unjuk rasa"], db)
    assert (rows["Unjuk rasa"]["lintang"], rows["Unjuk rasa"]["bujur"]) == ROUNDED
    _expect(rows["[dirahasiakan]"], db, secret=True)


def _coordinates(geometry: dict) -> np.ndarray:
    return shapely.get_coordinates(shapely.from_geojson(json.dumps(geometry)))


def test_geojson_holds_regions_then_points_with_provenance(db, tmp_path):
    data = export_data(db.con, "geojson", IncidentFilter(), ANALIS).data
    collection = json.loads(data)
    layers = pd.Series([f["properties"]["lapisan"] for f in collection["features"]])
    assert layers.value_counts().to_dict() == {"wilayah": 13, "insiden": 1}  # 13 kab/kota of 63; one point
    assert layers.is_monotonic_decreasing  # regions first ("wilayah" > "insiden")
    point = next(f for f in collection["features"] if f["properties"]["lapisan"] == "insiden")
    _expect(point["properties"], db)
    assert tuple(point["geometry"]["coordinates"]) == ROUNDED[::-1]
    assert (point["properties"]["lintang"], point["properties"]["bujur"]) == ROUNDED
    region = next(f for f in collection["features"] if f["properties"].get("kode") == "63.72")
    assert region["properties"]["nama_prov"] == "Kalimantan Selatan" and region["properties"]["jumlah"] == 2
    every = np.concatenate([_coordinates(f["geometry"]) for f in collection["features"]])
    assert len(every) > 1000 and (np.round(every, 6) == every).all()
    # GIS readers open it: one layer, both kinds of features
    path = tmp_path / "x.geojson"
    path.write_bytes(data)
    read = gpd.read_file(path)
    assert set(read["lapisan"]) == {"wilayah", "insiden"} and "IDN1001" in set(read["id_sumber"])


def test_geopackage_points_and_regions_carry_provenance_and_six_decimals(db, tmp_path):
    path = tmp_path / "x.gpkg"
    path.write_bytes(export_data(db.con, "gpkg", IncidentFilter(), ANALIS).data)
    points = gpd.read_file(path, layer="insiden")
    assert set(PROVENANCE + NAMES) <= set(points.columns) and len(points) == 1  # no point above clearance
    row = points.iloc[0]
    _expect(row, db)
    assert (row.geometry.y, row.geometry.x) == ROUNDED and (row["lintang"], row["bujur"]) == ROUNDED
    regions = gpd.read_file(path, layer="wilayah")
    assert regions.set_index("kode").at["63.72", "nama_prov"] == "Kalimantan Selatan"
    coords = shapely.get_coordinates(regions.geometry.to_numpy())
    assert (np.round(coords, 6) == coords).all()


def test_rahasia_clearance_sees_the_secret_rows_provenance(db):
    table = pd.read_csv(io.BytesIO(export_data(db.con, "csv", IncidentFilter(), User("r", "analis", "63", "Rahasia"))
                                   .data), dtype=str).set_index("judul")
    assert tuple(table.loc["Rapat tertutup", ["sumber", "id_sumber", "sumber_info", "batch_id"]]) == (
        "sigap", "LAP-7", "Informan desa", "1")
