"""Import of real-shaped files: presets, encodings, defects, region resolution, no data loss."""

import io
import json
import signal
import subprocess
import sys
import time

import openpyxl
import pandas as pd
import polars as pl
import pytest

from auth.identity import User
from ingest.importer import errors_xlsx, prepare_import
from ingest.parse import parse_dates, parse_numbers
from ingest.readers import ReadError
from services.imports import commit_import, undo_batch
from store import connect
from store.backup import fingerprint
from tests.conftest import ROOT

ANALIS = User("analis", "analis", None, "Rahasia")
PIMPINAN = User("gub", "pimpinan", None, "Rahasia")

SIGAP_HEADER = "tanggal;kode_kab;kabupaten_kota;provinsi;lintang;bujur;kategori;bentuk;sifat;eskalasi;tewas;judul\n"


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    yield con
    con.close()


def _prepare(con, locator, data, name, **kw):
    return prepare_import(con, data, name, locator, user=kw.pop("user", ANALIS), **kw)


def test_indonesian_dates_and_numbers():
    dates = parse_dates(pd.Series(["11/05/2024", "11-5-2024", "11 Mei 2024", "45423", "2024-05-11",
                                   "31/02/2024", "kemarin", ""]))
    assert dates[:5].dt.strftime("%Y-%m-%d").tolist() == ["2024-05-11"] * 5
    assert dates[5:].isna().all()
    assert parse_numbers(pd.Series(["-3,4420", "114.8310", "1.234,5", "x"])).tolist()[:3] == [-3.442, 114.831, 1234.5]


@pytest.mark.parametrize("name, expected", [
    ("West Aceh", "Kabupaten Aceh Barat"), ("Central Jakarta", "Kota Administrasi Jakarta Pusat"),
    ("South Tangerang", "Kota Tangerang Selatan"), ("Seribu Islands", "Kabupaten Administrasi Kepulauan Seribu"),
    ("Toba Samosir", "Kabupaten Toba"), ("Kab. Tanah Laut", "Kabupaten Tanah Laut"),
])
def test_names_resolve_like_an_analyst_would(db, locator, name, expected):
    data = (SIGAP_HEADER + f"11/05/2024;;{name};;;;SDA;BENTROK;kejadian;3;0;Uji nama\n").encode()
    prepared = _prepare(db, locator, data, "nama.csv")
    names = dict(db.execute("SELECT kode, nama FROM regions").fetchall())
    assert prepared.problems.empty
    assert names[prepared.rows["kode_kab"][0]] == expected


def test_kabupaten_and_kota_of_the_same_name(db, locator):
    data = (SIGAP_HEADER +
            "11/05/2024;;Kota Bima;Nusa Tenggara Barat;;;SDA;;;2;0;a\n"
            "11/05/2024;;Kab. Bima;Nusa Tenggara Barat;;;SDA;;;2;0;b\n"
            "11/05/2024;;Bima;Nusa Tenggara Barat;;;SDA;;;2;0;c\n").encode()
    prepared = _prepare(db, locator, data, "bima.csv")
    assert prepared.rows["kode_kab"].to_list() == ["52.72", "52.06", "52.06"]
    assert prepared.needs_confirmation.to_list() == [False, False, True]  # plain "Bima" is ambiguous
    assert "nama ambigu" in prepared.confirm.loc[0, "catatan"]


def _acled_file():
    rows = [
        ["IDN1001", "11 May 2024", "Protests", "Peaceful protest", "Students (Indonesia)", "", "South Kalimantan",
         "Banjarbaru", "", "Banjarbaru", "-3.4420", "114.8310", "1", "Kompas", "Students protest fuel prices", "0"],
        ["IDN1002", "12 May 2024", "Riots", "Mob violence", "Rioters", "Civilians", "Aceh", "West Aceh", "",
         "Meulaboh", "", "", "3", "Serambi", "Mob attacks", "1"],
        ["IDN1003", "13 May 2024", "Protests", "Peaceful protest", "Labour", "", "Jakarta", "Central Jakarta", "",
         "Jakarta", "", "", "3", "Tempo", "Workers rally", "0"],
        ["IDN1004", "14 May 2024", "Violence against civilians", "Attack", "Unidentified", "", "Banten",
         "South Tangerang", "", "Serpong", "", "", "2", "Detik", "Attack", "2"],
    ]
    cols = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "admin1",
            "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities"]
    return pd.DataFrame(rows, columns=cols).to_csv(index=False).encode()


def test_acled_export_with_english_admin_names(db, locator):
    prepared = _prepare(db, locator, _acled_file(), "acled.csv")
    assert prepared.preset == "acled"
    assert prepared.problems.empty
    assert prepared.rows["kode_kab"].to_list() == ["63.72", "11.05", "31.71", "36.74"]
    assert prepared.rows["kategori"].to_list() == ["PEM", "KAM", "PEM", "KAM"]
    assert prepared.rows["tewas"].to_list() == [0, 1, 0, 2]
    result = commit_import(db, prepared, ANALIS)
    assert (result.accepted, result.rejected, result.duplicates) == (4, 0, 0)
    again = commit_import(db, _prepare(db, locator, _acled_file(), "acled.csv"), ANALIS)
    assert (again.accepted, again.duplicates) == (0, 4)  # the same file adds nothing


def test_ucdp_ged_csv(db, locator):
    frame = pd.DataFrame({
        "id": ["9001", "9002"], "type_of_violence": ["1", "2"], "dyad_name": ["Government of Indonesia - OPM", "A - B"],
        "adm_1": ["Papua province", "Maluku province"], "adm_2": ["Jayapura", ""], "where_description": ["x", "y"],
        "latitude": ["-2.5330", "-3.6954"], "longitude": ["140.7170", "128.1814"], "where_prec": ["1", "1"],
        "date_start": ["2024-03-01", "2024-03-05"], "date_end": ["2024-03-01", "2024-03-06"],
        "best": ["3", "0"], "low": ["2", "0"], "high": ["4", "1"], "side_a": ["Gov", "A"], "side_b": ["OPM", "B"],
        "source_article": ["AFP", "Reuters"],
    })
    prepared = _prepare(db, locator, frame.to_csv(index=False).encode(), "ged.csv")
    assert prepared.preset == "ucdp"
    assert prepared.problems.empty, prepared.problems
    assert prepared.rows["kode_kab"].str.slice(0, 2).to_list() == ["91", "81"]
    assert prepared.rows["kategori"].to_list() == ["IDE", "KAM"]
    assert prepared.rows["tewas"].to_list() == [3, 0]


def test_excel_recap_with_title_rows_and_indonesian_dates(db, locator):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "REKAPITULASI LAPSITDA KABUPATEN TANAH LAUT"
    ws.merge_cells("A1:F1")
    ws["A2"] = "Triwulan II 2024"
    ws.append([])
    ws.append(["Tanggal", "Kabupaten/Kota", "Kategori", "Eskalasi", "Judul", "Kecamatan"])
    ws.append(["11 Mei 2024", "Kabupaten Tanah Laut", "SDA", 3, "Sengketa lahan sawit", "Pelaihari"])
    ws.append([45432, "Kab. Tanah Laut", "POL", 2, "Politik uang", ""])
    ws.append([None, None, None, None, None, None])
    ws.append(["Tanggal", "Kabupaten/Kota", "Kategori", "Eskalasi", "Judul", "Kecamatan"])  # repeated header
    ws.append(["3-6-2024", "Tanah Laut", "SARA", 2, "Ketegangan antarwarga", ""])
    buf = io.BytesIO()
    wb.save(buf)
    prepared = _prepare(db, locator, buf.getvalue(), "rekap.xlsx", preset="sigap")
    assert prepared.problems.empty, prepared.problems
    assert prepared.rows["tgl_mulai"].cast(pl.String).to_list() == ["2024-05-11", "2024-05-20", "2024-06-03"]
    assert set(prepared.rows["kode_kab"]) == {"63.01"}
    assert prepared.rows["kode_kec"][0].startswith("63.01.")  # Pelaihari resolved by name
    assert prepared.row_numbers.to_list() == [5, 6, 9]


def test_semicolon_windows_1252_csv(db, locator):
    text = (SIGAP_HEADER + "11/05/2024;63.72;;;-3,4420;114,8310;SARA;KETEGANGAN;gejala;2;0;"
            "Ketegangan di Pasar Martapura – warga resah\n")
    prepared = _prepare(db, locator, text.encode("cp1252"), "lapsitda.csv")
    assert prepared.problems.empty
    assert prepared.rows["judul"][0].endswith("– warga resah")
    assert prepared.rows["kode_kab"][0] == "63.72"


def test_every_defect_is_reported_with_row_column_and_fix(db, locator):
    text = ("\ufeff" + SIGAP_HEADER +
            "11/05/2024;63.72;;;-3,4420;114,8310;SDA;BENTROK;kejadian;3;0;Baik\n"           # row 2 ok
            ";;;;;;;;;;;\n"                                                                  # empty row: skipped
            "31/02/2024;63.72;;;;;SDA;;;3;0;Tanggal mustahil\n"                               # row 4 date
            "12/05/2024;63.72;;;;;XYZ;;;3;0;Kategori salah\n"                                 # row 5 kategori
            "12/05/2024;63.72;;;;;SDA;;;9;0;Eskalasi salah\n"                                 # row 6 eskalasi
            "12/05/2024;;;;114,8310;-3,4420;SDA;;;3;0;Tertukar\n"                             # row 7 swapped: ok
            "12/05/2024;;;;-5,0;110,0;SDA;;;3;0;Laut Jawa\n"                                  # row 8 sea
            "12/05/2024;;;;51,5;-0,12;SDA;;;3;0;London\n"                                     # row 9 abroad
            "12/05/2024;;Kabupaten Antah Berantah;;;;SDA;;;3;-1;Tidak dikenal\n"              # row 10 name, tewas
            + SIGAP_HEADER +                                                                 # row 11 header again
            "12/05/2024;63.72;;;;;SDA;;;3;0;\n")                                              # row 12 no title
    prepared = _prepare(db, locator, text.encode(), "cacat.csv")
    p = prepared.problems
    found = set(zip(p["baris"], p["kolom"]))
    assert found == {(4, "tanggal"), (5, "kategori"), (6, "eskalasi"), (8, "lintang"), (9, "lintang"),
                     (10, "kabupaten_kota"), (10, "tewas"), (12, "judul")}
    assert "kosong atau tidak terbaca" in p.loc[(p["baris"] == 4), "alasan"].iloc[0]
    assert "11/05/2024" in p.loc[(p["baris"] == 4), "perbaikan"].iloc[0]
    assert "jauh_dari_daratan" in p.loc[p["baris"] == 8, "alasan"].iloc[0]
    assert "di_luar_indonesia" in p.loc[p["baris"] == 9, "alasan"].iloc[0]
    swapped = prepared.rows.filter(prepared.row_numbers == 7)
    assert swapped["kode_kab"][0] == "63.72"
    assert "tertukar" in prepared.notes.set_index("baris").at[7, "catatan"]  # fixed, and flagged
    result = commit_import(db, prepared, ANALIS)
    assert (result.rows, result.accepted, result.rejected) == (9, 2, 7)  # empty row and repeated header are not rows
    book = openpyxl.load_workbook(io.BytesIO(errors_xlsx(p)))
    assert book["Masalah"].max_row == len(p) + 1


def test_formula_text_in_the_error_report_stays_inert(db, locator):
    text = (SIGAP_HEADER + '=HYPERLINK("http://x","klik");63.72;;;;;SDA;;;3;0;x\n'
            "11/05/2024;63.72;;;;;<r><t>menyusup</t></r>;;;3;0;y\n")
    prepared = _prepare(db, locator, text.encode(), "rumus.csv")
    sheet = openpyxl.load_workbook(io.BytesIO(errors_xlsx(prepared.problems)))["Masalah"]
    assert sheet["C2"].data_type == "s" and sheet["C2"].value.startswith("'=")
    # xlsxwriter would write text shaped like rich-text XML into the file raw
    assert sheet["C3"].value == "'<r><t>menyusup</t></r>"


def test_uncertain_rows_wait_for_confirmation(db, locator):
    data = (SIGAP_HEADER + "11/05/2024;;Bima;Nusa Tenggara Barat;;;SDA;;;2;0;ragu\n").encode()
    prepared = _prepare(db, locator, data, "ragu.csv")
    assert commit_import(db, prepared, ANALIS).accepted == 0
    again = _prepare(db, locator, data, "ragu.csv")
    assert commit_import(db, again, ANALIS, confirmed_rows={2}).accepted == 1


def test_point_and_name_disagreement_is_flagged(db, locator):
    data = (SIGAP_HEADER + "11/05/2024;;Kota Palangka Raya;;-3,4420;114,8310;SDA;;;2;0;beda\n").encode()
    prepared = _prepare(db, locator, data, "beda.csv")
    assert prepared.needs_confirmation[0]
    assert "nama menyebut 62.71" in prepared.confirm.loc[0, "catatan"]


def test_pimpinan_cannot_import_and_undo_restores(db, locator):
    prepared = _prepare(db, locator, _acled_file(), "acled.csv")
    with pytest.raises(PermissionError):
        commit_import(db, prepared, PIMPINAN)
    before = fingerprint(db)["incidents"]
    batch = commit_import(db, prepared, ANALIS).batch
    assert undo_batch(db, batch, ANALIS) == 4
    assert fingerprint(db)["incidents"] == before
    actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id").fetchall()]
    assert actions[-2:] == ["impor", "batal_impor"]


def test_probable_duplicates_across_sources_are_flagged_not_merged(db, locator):
    commit_import(db, _prepare(db, locator, _acled_file(), "acled.csv"), ANALIS)
    ours = (SIGAP_HEADER + "11/05/2024;63.72;;;-3,4430;114,8300;PEM;UR_DAMAI;kejadian;2;0;"
            "Students protest fuel prices in Banjarbaru\n").encode()
    result = commit_import(db, _prepare(db, locator, ours, "lapsitda.csv"), ANALIS)
    assert result.accepted == 1 and result.probable_duplicates == 1
    assert db.execute("SELECT count(*) FROM kemungkinan_duplikat WHERE status = 'perlu_tinjau'").fetchall()[0][0] == 1


def test_unreadable_file_is_named(db, locator):
    with pytest.raises(ReadError, match="data.pdf: format tidak didukung"):
        _prepare(db, locator, b"%PDF", "data.pdf")
    with pytest.raises(ReadError, match="baris judul kolom tidak ditemukan"):
        _prepare(db, locator, b"a,b\n1,2\n", "acak.csv")


def test_cli_import_prints_one_json_line_and_writes_errors(fresh_db, tmp_path):
    src = tmp_path / "acled.csv"
    src.write_bytes(_acled_file())
    out = subprocess.run([sys.executable, "-m", "sigap", "import", str(src), "--db", str(fresh_db), "--errors",
                          str(tmp_path / "masalah.xlsx")], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"batch": 1, "rows": 4, "accepted": 4, "updated": 0, "rejected": 0,
                                      "duplicates": 0}
    assert (tmp_path / "masalah.xlsx").exists()
    listed = subprocess.run([sys.executable, "-m", "sigap", "batches", "--db", str(fresh_db)], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    assert "acled.csv" in listed
    undo = subprocess.run([sys.executable, "-m", "sigap", "undo", "1", "--db", str(fresh_db)], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    assert json.loads(undo) == {"batch": 1, "dihapus": 4, "dipulihkan": 0}


def test_killed_import_leaves_the_database_unchanged(fresh_db, tmp_path):
    con = connect(fresh_db)
    before = fingerprint(con)
    con.close()
    src = tmp_path / "acled.csv"
    src.write_bytes(_acled_file())
    # the test, not the product, holds the transaction open: the probable-duplicate step sleeps first
    stall = ("import time, sys; import services.imports as m; flag = m._flag_probable_duplicates; "
             "m._flag_probable_duplicates = lambda *a, **k: (time.sleep(30), flag(*a, **k))[1]; "
             "from sigap.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", stall, "import", str(src), "--db", str(fresh_db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait until the rows are written inside the open transaction, then kill -9
    deadline = time.time() + 60
    wal = fresh_db.with_name(fresh_db.name + ".wal")
    while time.time() < deadline and proc.poll() is None and not (wal.exists() and wal.stat().st_size > 0):
        time.sleep(0.2)
    time.sleep(1.0)
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = connect(fresh_db)
    assert fingerprint(after) == before
    assert after.execute("SELECT count(*) FROM import_batches").fetchall()[0][0] == 0


def test_template_has_dropdowns_and_imports_cleanly(db, locator):
    from ingest.template import template_xlsx

    data = template_xlsx(db)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Laporan"]
    validations = {str(v.sqref).split(":")[0][0:2].rstrip("0123456789"): v.formula1
                   for v in sheet.data_validations.dataValidation}
    header = [c.value for c in sheet[1]]
    for column in ("kategori", "bentuk", "kabupaten_kota", "status_penanganan"):
        letter = openpyxl.utils.get_column_letter(header.index(column) + 1)
        assert letter in validations and validations[letter].startswith("Daftar!")
    assert book["Daftar"].max_row >= 515  # 514 kabupaten/kota names
    prepared = _prepare(db, locator, data, "templat.xlsx")
    assert prepared.preset == "sigap" and prepared.problems.empty
    assert prepared.rows["kode_kab"].to_list() == ["63.72"]


def test_duplicates_within_one_file_are_stored_once(db, locator):
    header = "tanggal;kode_kab;kategori;eskalasi;judul;id_sumber\n"
    text = (header +
            "11/05/2024;63.72;SDA;3;Blokade jalan tambang;\n"          # row 2
            "11/05/2024;63.72;SDA;3;  blokade jalan TAMBANG ;\n"      # row 3: same report (case, spaces)
            "12/05/2024;63.72;SARA;2;Ketegangan warga;LAP-7\n"        # row 4
            "13/05/2024;63.72;SARA;3;Ketegangan warga memanas;LAP-7\n")  # row 5: same source id, first wins
    result = commit_import(db, _prepare(db, locator, text.encode(), "ganda.csv"), ANALIS)
    assert (result.rows, result.accepted, result.duplicates) == (4, 2, 2)
    stored = db.execute("SELECT judul, id_sumber FROM incidents ORDER BY id").fetchall()
    assert stored == [("Blokade jalan tambang", None), ("Ketegangan warga", "LAP-7")]


def test_optional_values_that_cannot_be_read_are_reported(db, locator):
    header = "tanggal;tanggal_selesai;kode_kab;lintang;bujur;kategori;eskalasi;judul\n"
    text = (header +
            "11/05/2024;kemarin;63.72;;;SDA;3;a\n"        # row 2: end date unreadable
            "11/05/2024;;63.72;-3,44x;114,83;SDA;3;b\n"   # row 3: latitude unreadable
            "11/05/2024;12/05/2024;63.72;;;SDA;3;c\n")    # row 4: fine
    p = _prepare(db, locator, text.encode(), "terbaca.csv").problems
    assert list(zip(p["baris"], p["kolom"], p["alasan"])) == [(2, "tanggal_selesai", "tidak terbaca"),
                                                              (3, "lintang", "tidak terbaca")]
    assert p["nilai"].tolist() == ["kemarin", "-3,44x"]


def test_row_numbers_count_blank_lines_and_multiline_cells_like_excel(db, locator):
    header = "tanggal;kode_kab;kategori;eskalasi;judul;kronologi\n"
    text = (header +
            '11/05/2024;63.72;SDA;3;a;"baris satu\nbaris dua"\n'   # row 2 (one record over two lines)
            "\n"                                                       # row 3: blank
            "11/05/2024;63.72;XYZ;3;b;\n")                            # row 4: bad kategori
    prepared = _prepare(db, locator, text.encode(), "baris.csv")
    assert prepared.row_numbers.to_list() == [2, 4]
    assert prepared.problems[["baris", "kolom"]].values.tolist() == [[4, "kategori"]]
    assert prepared.rows["kronologi"][0] == "baris satu\nbaris dua"
