"""The command line as IT staff and scheduled jobs use it."""

import io
import json
import subprocess
import sys

import geopandas as gpd
import pandas as pd

from store import connect
from tests.conftest import ROOT, SHARED


def sigap(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "sigap", *args], cwd=ROOT, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(result.stderr)
    return result


def test_regions_csv_header_and_rows(kab):
    out = sigap("regions", "--level", "kab", "--format", "csv").stdout
    table = pd.read_csv(io.StringIO(out), dtype={"kode": str, "kode_induk": str})
    assert list(table.columns) == ["kode", "nama", "jenis", "kode_induk", "luas_km2"]
    assert len(table) == 514
    row = table.set_index("kode").loc["63.72"]
    assert row["nama"] == "Kota Banjarbaru" and row["jenis"] == "kota" and row["kode_induk"] == "63"


def test_regions_geojson_has_properties_and_clean_geometry(tmp_path):
    out = tmp_path / "kec.geojson"
    sigap("regions", "--level", "kec", "--format", "geojson", "--out", str(out))
    frame = gpd.read_file(out)
    assert len(frame) == 7285
    assert {"kode", "nama", "jenis", "kode_induk", "luas_km2"} <= set(frame.columns)
    assert frame.is_valid.all()


def test_locate_appends_codes_in_input_order(tmp_path):
    src = tmp_path / "titik.csv"
    src.write_text("id,lintang,bujur\n1,\"-3,4420\",\"114,8310\"\n2,-2.2096,113.9167\n3,-5.0,110.0\n4,,\n",
                   encoding="utf-8")
    out = tmp_path / "hasil.csv"
    sigap("locate", str(src), "--lat", "lintang", "--lon", "bujur", "--out", str(out))
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["id", "lintang", "bujur", "kode_kab", "nama_kab", "kode_kec", "nama_kec", "status"]
    assert list(table["id"]) == ["1", "2", "3", "4"]
    assert list(table["kode_kab"]) == ["63.72", "62.71", "", ""]
    assert table.loc[0, "nama_kab"] == "Kota Banjarbaru"
    assert table.loc[0, "kode_kec"].startswith("63.72.")
    assert list(table["status"]) == ["inside", "inside", "rejected:jauh_dari_daratan",
                                     "rejected:koordinat_tidak_sah"]


def test_locate_missing_column_fails_clearly(tmp_path):
    src = tmp_path / "titik.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    result = sigap("locate", str(src), "--lat", "lat", "--lon", "b", check=False)
    assert result.returncode == 2
    assert "galat: titik.csv: kolom 'lat' tidak ada (kolom tersedia: a, b)" in result.stderr


def test_demo_load_and_clear(fresh_db):
    loaded = json.loads(sigap("demo", "load", "--n", "150", "--db", str(fresh_db)).stdout)
    assert loaded["demo"] == "dimuat" and loaded["insiden"] == 150
    again = json.loads(sigap("demo", "load", "--db", str(fresh_db)).stdout)
    assert again["demo"] == "sudah ada"
    cleared = json.loads(sigap("--db", str(fresh_db), "demo", "clear").stdout)
    assert cleared == {"demo": "dihapus", "insiden": 150}
    # set-up never brings back demo data a user removed
    skipped = json.loads(sigap("demo", "load", "--if-empty", "--db", str(fresh_db)).stdout)
    assert skipped["demo"] == "dilewati"


def test_demo_on_a_database_never_set_up_loads_the_regions_first(tmp_path):
    result = sigap("demo", "load", "--n", "50", "--db", str(tmp_path / "kosong.duckdb"), check=False)
    assert result.returncode == 0, result.stderr
    con = connect(tmp_path / "kosong.duckdb")
    assert con.execute("SELECT count(*) FROM regions WHERE level = 'kab'").fetchone()[0] == 514
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 50


def test_boundaries_install_reports_a_bad_source(tmp_path):
    import shutil

    source = tmp_path / "src"
    shutil.copytree(SHARED, source)
    (source / "prov" / "wilayah_boundaries_prov_3.sql").unlink()
    env_dir = tmp_path / "batas"
    result = subprocess.run(
        [sys.executable, "-m", "sigap", "--db", str(tmp_path / "x.duckdb"), "boundaries", "install", "--force",
         "--source", str(source)],
        cwd=ROOT, capture_output=True, text=True, env={**__import__("os").environ, "SIGAP_BOUNDARY_DIR": str(env_dir)},
    )
    assert result.returncode == 2
    assert "prov/wilayah_boundaries_prov_3.sql: berkas tidak ditemukan" in result.stderr
    assert not env_dir.exists()


def test_unknown_command_exits_nonzero():
    result = sigap("terbang", check=False)
    assert result.returncode != 0
