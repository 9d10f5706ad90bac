"""LAPSITDA harian (issue 14): deadlines in each office's local time, submit once and amend with a
reason, nihil, completeness states, calendars and streaks, the Ruang Pimpinan count, the rekap
(PDF, XLSX) and the command line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime, timedelta

import openpyxl
import pandas as pd
import pypdfium2 as pdfium
import pytest

from analysis import lapsitda as rules
from auth.roles import PermissionDenied
from services import lapor, lapsitda
from store import connect
from store.audit import read_audit
from store.incidents import Scope
from store.lapsitda import load_zones
from tests.apptest import User, create_user
from tests.conftest import ROOT

BJB = User("analis_bjb", "analis", "63.72", "Rahasia")       # Kota Banjarbaru, Kalimantan Selatan (WITA)
BJM = User("analis_bjm", "analis", "63.71", "Rahasia")       # Kota Banjarmasin (WITA)
JAYAPURA = User("analis_jpr", "analis", "91.71", "Rahasia")  # Kota Jayapura, Papua (WIT)
KALSEL = User("analis_kalsel", "analis", "63", "Rahasia")
PAPUA = User("analis_papua", "analis", "91", "Rahasia")
NATIONAL = User("analis_pusat", "analis", None, "Rahasia")
GUB = User("gub", "pimpinan", "63", "Rahasia")
DAY = date(2026, 12, 1)
GOOD = {"tanggal": "01/12/2026", "kode_kab": "63.72", "kode_kec": "63.72.04", "kategori": "SDA", "sifat": "gejala",
        "athg": "G", "eskalasi": "2", "judul": "Blokade jalan tambang oleh warga"}


def at(hour: int, minute: int = 0, day: date = DAY + timedelta(days=1)) -> datetime:
    """A UTC moment (naive, as stored)."""
    return datetime(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def db(engine_db):
    return engine_db


# --- pure rules -------------------------------------------------------------------------------------

def test_the_zone_table_covers_every_province_with_a_source(db):
    table = pd.read_csv(ROOT / "data" / "zona_waktu.csv", dtype=str)
    provinces = {r[0] for r in db.execute("SELECT kode FROM regions WHERE level = 'prov'").fetchall()}
    assert set(table["kode_prov"]) == provinces and len(provinces) == 38
    assert table["sumber"].str.len().gt(10).all()
    zones = load_zones()
    assert {zones["63"], zones["62"], zones["91"], zones["96"], zones["31"], zones["51"]} == {"WITA", "WIB", "WIT"}
    assert (zones["63"], zones["62"], zones["91"], zones["96"], zones["31"], zones["51"]) == (
        "WITA", "WIB", "WIT", "WIT", "WIB", "WITA")


def test_ten_oclock_is_local_in_each_time_zone():
    assert rules.deadline(DAY, "WIB") == datetime.fromisoformat("2026-12-02T03:00:00+00:00")
    assert rules.deadline(DAY, "WITA") == datetime.fromisoformat("2026-12-02T02:00:00+00:00")
    assert rules.deadline(DAY, "WIT") == datetime.fromisoformat("2026-12-02T01:00:00+00:00")
    late_evening = at(16, 30, DAY)   # 23:30 WIB, 00:30 WITA and 01:30 WIT the next day
    assert [rules.local_date(late_evening, z) for z in ("WIB", "WITA", "WIT")] == [DAY, DAY + timedelta(days=1),
                                                                                 DAY + timedelta(days=1)]
    assert rules.deadline(DAY, "WITA", rules.DeadlineRule(18, 30, 0)).isoformat() == "2026-12-01T10:30:00+00:00"
    with pytest.raises(ValueError, match="jam batas tidak sah"):
        rules.DeadlineRule(24, 0)
    with pytest.raises(ValueError, match="zona waktu provinsi 99"):
        rules.zone_of("99.01", load_zones())


@pytest.mark.parametrize(("submitted", "nihil", "state"), [
    (at(1, 59), False, "melapor"), (at(2, 0), True, "nihil"), (at(2, 1), False, "terlambat"),
    (at(2, 1), True, "terlambat"), (None, False, "belum")])
def test_day_state_is_decided_by_the_first_submission(submitted, nihil, state):
    assert rules.day_state(submitted, nihil, rules.deadline(DAY, "WITA")) == state


def test_streaks_ignore_a_day_still_open():
    table = pd.DataFrame({"kode": "63.72", "nama": "Kota Banjarbaru",
                          "tanggal": [DAY + timedelta(days=n) for n in range(5)],
                          "status": ["belum", "melapor", "nihil", "melapor", "belum"],
                          "lewat_batas": [True, False, False, False, False]})
    row = rules.streaks(table).iloc[0]
    assert (row["tepat_waktu_beruntun"], row["tidak_melapor_beruntun"], row["hari_melapor"],
            row["hari_tidak_melapor"]) == (3, 0, 3, 1)


def test_period_bounds_and_labels():
    assert rules.period_bounds("mingguan", DAY) == (date(2026, 11, 25), DAY)
    assert rules.period_bounds("bulanan", date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert rules.period_label("harian", DAY) == "1 Desember 2026"
    assert rules.period_label("bulanan", DAY) == "Desember 2026"
    with pytest.raises(ValueError, match="pilihan: harian, mingguan, bulanan"):
        rules.period_bounds("tahunan", DAY)


# --- the same UTC clock in Banjarbaru and Jayapura ------------------------------------------------------

def test_the_same_utc_moment_is_on_time_in_kalimantan_selatan_and_late_in_papua(db):
    moment = at(1, 30)   # 09:30 WITA in Banjarbaru, 10:30 WIT in Jayapura
    bjb = lapsitda.submit_lapsitda(db, BJB, "63.72", DAY, nihil=True, now=moment)
    jpr = lapsitda.submit_lapsitda(db, JAYAPURA, "91.71", DAY, nihil=True, now=moment)
    assert (bjb.status, bjb.zona, bjb.batas_lokal) == ("nihil", "WITA", "02/12/2026 10:00 WITA")
    assert (jpr.status, jpr.zona, jpr.batas_lokal) == ("terlambat", "WIT", "02/12/2026 10:00 WIT")
    national = lapsitda.completeness(db, NATIONAL, DAY, now=moment).set_index("kode")
    assert national.loc["63.72", "status"] == "nihil" and national.loc["91.71", "status"] == "terlambat"
    assert national.loc["63.72", "diajukan_lokal"] == "02/12/2026 09:30 WITA"
    assert national.loc["91.71", "diajukan_lokal"] == "02/12/2026 10:30 WIT"
    # not yet submitted at that moment: Banjarmasin still has time, Merauke (Papua Selatan, WIT) is past it
    assert not national.loc["63.71", "lewat_batas"] and national.loc["93.01", "lewat_batas"]


# --- submit, nihil, amend ---------------------------------------------------------------------------------

def test_submit_once_then_amend_with_a_reason_that_is_kept(db, locator):
    lapor.file_report(db, lapor.ReportForm(GOOD, tanggal_lapsitda=DAY), locator, BJB, submit=True, now=at(0))
    lapor.file_report(db, lapor.ReportForm({**GOOD, "judul": "draf"}, tanggal_lapsitda=DAY), locator, BJB,
                      submit=False, now=at(0))
    with pytest.raises(ValueError, match="nihil berarti tidak ada kejadian"):
        lapsitda.submit_lapsitda(db, BJB, "63.72", DAY, nihil=True, now=at(1))
    with pytest.raises(ValueError, match="tulis situasi umum"):
        lapsitda.submit_lapsitda(db, BJB, "63.72", DAY, nihil=False, situasi_umum="  ", now=at(1))
    day = lapsitda.submit_lapsitda(db, BJB, "63.72", DAY, nihil=False, situasi_umum="Situasi kondusif.", now=at(1))
    assert (day.status, len(day.reports), len(day.drafts), day.submission["versi"]) == ("melapor", 1, 1, 1)
    with pytest.raises(ValueError, match="sudah dikirim; ubah dengan alasan"):
        lapsitda.submit_lapsitda(db, BJB, "63.72", DAY, nihil=False, situasi_umum="lagi", now=at(1))
    with pytest.raises(ValueError, match="tulis alasan"):
        lapsitda.amend_lapsitda(db, BJB, "63.72", DAY, versi=1, nihil=False, situasi_umum="x", alasan="", now=at(3))
    amended = lapsitda.amend_lapsitda(db, BJB, "63.72", DAY, versi=1, nihil=False, situasi_umum="Situasi kondusif; "
                                      "blokade sudah dibuka.", alasan="Perkembangan sore hari", now=at(3))
    assert amended.status == "melapor"              # amended after the deadline: still on time
    assert amended.submission["versi"] == 2
    with pytest.raises(lapsitda.StaleLapsitda):
        lapsitda.amend_lapsitda(db, BJB, "63.72", DAY, versi=1, nihil=False, situasi_umum="y", alasan="z", now=at(4))
    history = lapsitda.lapsitda_history(db, BJB, "63.72", DAY)
    assert history[["versi", "alasan", "situasi_umum"]].values.tolist() == [
        [1, "Perkembangan sore hari", "Situasi kondusif."]]
    assert read_audit(db, action="ubah_lapsitda")[["role", "region"]].values.tolist() == [["analis", "63.72"]]


def test_a_day_that_has_not_begun_locally_cannot_be_reported(db):
    # 16:30 UTC: already 2 December in Banjarbaru (WITA), still 1 December in Pontianak (WIB)
    with pytest.raises(ValueError, match="belum tiba di WIB"):
        lapsitda.submit_lapsitda(db, NATIONAL, "61.71", DAY + timedelta(days=1), nihil=True, now=at(16, 30, DAY))
    assert lapsitda.submit_lapsitda(db, BJB, "63.72", DAY + timedelta(days=1), nihil=True,
                                    now=at(16, 30, DAY)).status == "nihil"


def test_nobody_files_a_lapsitda_for_an_office_outside_their_scope(db):
    with pytest.raises(PermissionDenied, match=r"63\.71 di luar cakupan Anda \(63\.72\)"):
        lapsitda.submit_lapsitda(db, BJB, "63.71", DAY, nihil=True, now=at(1))
    with pytest.raises(PermissionDenied):
        lapsitda.submit_lapsitda(db, KALSEL, "91.71", DAY, nihil=True, now=at(1))
    with pytest.raises(PermissionDenied):
        lapsitda.submit_lapsitda(db, GUB, "63.72", DAY, nihil=True, now=at(1))
    with pytest.raises(PermissionDenied):
        lapsitda.office_day(db, BJM, "63.72", DAY, now=at(1))
    assert db.execute("SELECT count(*) FROM lapsitda").fetchone()[0] == 0
    lapsitda.submit_lapsitda(db, KALSEL, "63.71", DAY, nihil=True, now=at(1))   # the province may file for it


def test_an_office_deadline_is_set_by_the_province_not_by_itself(db):
    with pytest.raises(PermissionDenied):
        lapsitda.set_deadline(db, BJB, "63.72", rules.DeadlineRule(8, 0, 1))
    lapsitda.set_deadline(db, KALSEL, "63.72", rules.DeadlineRule(8, 0, 1), now=at(0))
    day = lapsitda.submit_lapsitda(db, BJB, "63.72", DAY, nihil=True, now=at(1))    # 09:00 WITA: after 08:00
    assert (day.status, day.batas_lokal) == ("terlambat", "02/12/2026 08:00 WITA")
    lapsitda.set_deadline(db, KALSEL, "63.72", None, now=at(2))                     # back to the default …
    assert lapsitda.office_day(db, BJB, "63.72", DAY, now=at(3)).status == "terlambat"  # … not retroactively


# --- completeness, calendar, Ruang Pimpinan -----------------------------------------------------------

def _province_day(db, locator):
    """Kalimantan Selatan on 1 December: Banjarbaru reports (with an atensi), Banjarmasin nihil on time,
    Kabupaten Banjar late, the other ten nothing."""
    lapor.file_report(db, lapor.ReportForm(GOOD, tanggal_lapsitda=DAY), locator, BJB, submit=True, now=at(0))
    lapor.file_report(db, lapor.ReportForm({**GOOD, "judul": "Bentrok warga <b>x</b>", "kategori": "SARA"},
                                           jenis="atensi", tanggal_lapsitda=DAY), locator, BJB, submit=True, now=at(0))
    lapsitda.submit_lapsitda(db, BJB, "63.72", DAY, nihil=False, situasi_umum='Kondusif <img src="/etc/passwd">',
                             now=at(1))
    lapsitda.submit_lapsitda(db, BJM, "63.71", DAY, nihil=True, now=at(1, 45))
    lapsitda.submit_lapsitda(db, KALSEL, "63.03", DAY, nihil=False, situasi_umum="=HYPERLINK(\"http://x\")",
                             now=at(5))


def test_completeness_shows_each_office_state_for_the_province(db, locator):
    _province_day(db, locator)
    table = lapsitda.completeness(db, GUB, DAY, now=at(6)).set_index("kode")
    assert len(table) == 13
    assert table.loc[["63.72", "63.71", "63.03", "63.01"], "status"].tolist() == ["melapor", "nihil", "terlambat",
                                                                                  "belum"]
    assert table.loc["63.72", "laporan"] == 2 and table.loc["63.72", "atensi"] == 1
    assert lapsitda.status_counts(table) == {"kantor": 13, "melapor": 1, "nihil": 1, "terlambat": 1, "belum": 10}
    count = lapsitda.reporting_count(db, Scope("63", "Biasa"), now=at(6))
    assert count.text == "3 dari 13 kab/kota sudah melapor hari ini (LAPSITDA 01/12/2026)"
    assert lapsitda.reporting_count(db, Scope("63.71", "Biasa"), DAY, now=at(6)).text.startswith("1 dari 1 ")
    assert lapsitda.completeness(db, BJB, DAY, prov="63", now=at(6))["kode"].tolist() == ["63.72"]
    with pytest.raises(PermissionDenied):
        lapsitda.completeness(db, KALSEL, DAY, prov="91", now=at(6))


def test_calendar_streaks_and_the_chase_list(db, locator):
    for n in range(3):   # Banjarbaru nihil on time on 29, 30 November and 1 December
        day = DAY - timedelta(days=2 - n)
        lapsitda.submit_lapsitda(db, BJB, "63.72", day, nihil=True, now=datetime.combine(day, datetime.min.time()))
    calendar = lapsitda.calendar(db, KALSEL, DAY, now=at(6))
    assert len(calendar) == 13 * 30
    runs = rules.streaks(calendar).set_index("kode")
    assert runs.loc["63.72", "tepat_waktu_beruntun"] == 3 and runs.loc["63.71", "tidak_melapor_beruntun"] == 30
    chase = lapsitda.chase_list(calendar, DAY)
    assert "63.72" not in chase["kode"].tolist() and len(chase) == 12
    assert chase["lewat_batas"].all()


def test_completeness_download_is_formula_safe(db, locator):
    _province_day(db, locator)
    table = lapsitda.completeness(db, KALSEL, DAY, now=at(6))
    csv = lapsitda.completeness_file(table.assign(nama="=1+1"), "csv").decode("utf-8-sig")
    assert "'=1+1" in csv and "\n=1+1" not in csv
    book = openpyxl.load_workbook(io.BytesIO(lapsitda.completeness_file(table.assign(nama="@x"), "xlsx")))
    assert book["Kelengkapan"]["B2"].value == "'@x"


# --- rekap -----------------------------------------------------------------------------------------------

def _pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    return " ".join(" ".join(page.get_textpage().get_text_range() for page in doc).split())


def test_the_rekap_lists_who_reported_the_atensi_and_who_did_not(db, locator):
    _province_day(db, locator)
    data, name = lapsitda.rekap_file(db, KALSEL, DAY, fmt="pdf", now=at(6))
    assert name == "rekap-lapsitda-harian-63-20261201.pdf"
    text = _pdf_text(data)
    assert text.count("TERBATAS") >= 2 and "REKAPITULASI LAPSITDA HARIAN" in text
    assert "BADAN KESATUAN BANGSA DAN POLITIK" in text and "1 Desember 2026" in text
    assert "3 dari 13 kab/kota melapor" in text
    assert "Kota Banjarbaru" in text and "Bentrok warga <b>x</b>" in text          # the atensi, as text
    assert 'Kondusif <img src="/etc/passwd">' in text                             # never markup
    assert "Kabupaten Tanah Laut" in text                                         # did not report
    rekap = lapsitda.build_rekap(db, KALSEL, DAY, now=at(6))
    assert rekap.by_kategori.set_index("kode")["jumlah"].to_dict() == {"SDA": 1, "SARA": 1}
    assert rekap.by_athg["jumlah"].tolist() == [2]
    assert rekap.offices.set_index("kode").loc["63.72", "status"] == "melapor"
    assert len(rekap.missing) == 10
    assert read_audit(db, action="ekspor")["object"].tolist() == ["rekap_lapsitda:harian:2026-12-01"]


def test_the_rekap_holds_nothing_above_its_marking(db, locator):
    lapor.file_report(db, lapor.ReportForm({**GOOD, "klasifikasi": "Rahasia", "judul": "Sangat sensitif"},
                                           jenis="atensi", tanggal_lapsitda=DAY), locator, BJB, submit=True, now=at(0))
    biasa = lapsitda.build_rekap(db, KALSEL, DAY, classification="Biasa", now=at(6))
    assert biasa.classification == "Biasa" and biasa.atensi["judul"].tolist() == ["[dirahasiakan]"]
    assert biasa.by_kategori["jumlah"].tolist() == [1]                   # still counted
    secret = lapsitda.build_rekap(db, KALSEL, DAY, classification="Rahasia", now=at(6))
    assert secret.classification == "Rahasia" and secret.atensi["judul"].tolist() == ["Sangat sensitif"]
    staff = User("staf_kalsel", "analis", "63", "Biasa")                 # asks for more than the clearance
    assert lapsitda.build_rekap(db, staff, DAY, classification="Rahasia", now=at(6)).atensi["judul"].tolist() == [
        "[dirahasiakan]"]
    text = _pdf_text(lapsitda.rekap_file(db, KALSEL, DAY, fmt="pdf", classification="Biasa", now=at(6))[0])
    assert "Sangat sensitif" not in text and "Halaman 1 dari" in text


def test_the_rekap_workbook_is_formula_safe_and_covers_a_month(db, locator):
    _province_day(db, locator)
    data, name = lapsitda.rekap_file(db, KALSEL, DAY, fmt="xlsx", period="bulanan", now=at(6))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert {"Kelengkapan", "Tidak melapor", "Atensi", "Kategori", "ATHG", "Situasi umum", "Metadata"} <= set(
        book.sheetnames)
    texts = [c.value for row in book["Situasi umum"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\")" in texts
    assert all(not (t.startswith("=") and "HYPERLINK" in t) for t in texts)
    kelengkapan = pd.read_excel(io.BytesIO(data), sheet_name="Kelengkapan", dtype={"Kode": str}).set_index("Kode")
    assert kelengkapan.loc["63.72", "Melapor"] == 1 and kelengkapan.loc["63.72", "Tidak melapor"] == 0
    assert kelengkapan.loc["63.71", "Nihil"] == 1 and kelengkapan.loc["63.03", "Terlambat"] == 1
    assert kelengkapan.loc["63.01", "Tidak melapor"] == 1   # 1 December missed; the rest of the month is open


# --- command line -----------------------------------------------------------------------------------------

def _sigap(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "sigap", *args], cwd=ROOT, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(result.stderr)
    return result


def test_command_line_status_and_rekap(fresh_db, locator, tmp_path):
    con = connect(fresh_db)
    _province_day(con, locator)
    create_user(con, "analis_kalsel", "analis", "63", "Rahasia", password="UjiPerintah2026!")
    create_user(con, "analis_bjb", "analis", "63.72", "Rahasia", password="UjiPerintah2026!")
    con.close()
    db = ["--db", str(fresh_db)]
    out = json.loads(_sigap("lapsitda", "status", "--date", "2026-12-01", "--prov", "63", *db).stdout)
    assert out == {"tanggal": "2026-12-01", "kantor": 13, "melapor": 1, "nihil": 1, "terlambat": 1, "belum": 10}
    csv = pd.read_csv(io.StringIO(_sigap("lapsitda", "status", "--date", "2026-12-01", "--prov", "63", "--format", "csv",
                                         *db).stdout), dtype=str)
    assert len(csv) == 13 and csv.set_index("kode").loc["63.71", "status"] == "nihil (situasi kondusif)"
    national = json.loads(_sigap("lapsitda", "status", "--date", "2026-12-01", *db).stdout)
    assert national["kantor"] == 514
    scoped = json.loads(_sigap("lapsitda", "status", "--date", "2026-12-01", "--user", "analis_bjb", *db).stdout)
    assert scoped["kantor"] == 1 and scoped["melapor"] == 1
    pdf = tmp_path / "rekap.pdf"
    result = json.loads(_sigap("lapsitda", "rekap", "--date", "2026-12-01", "--prov", "63", "--out", str(pdf),
                               "--user", "analis_kalsel", *db).stdout)
    assert result["berkas"] == str(pdf) and "Kota Banjarbaru" in _pdf_text(pdf.read_bytes())
    xlsx = tmp_path / "rekap.xlsx"
    _sigap("lapsitda", "rekap", "--date", "2026-12-01", "--prov", "63", "--out", str(xlsx), "--period", "mingguan", *db)
    assert openpyxl.load_workbook(xlsx)["Metadata"]["B4"].value == "25 November 2026 – 1 Desember 2026"


@pytest.mark.parametrize(("args", "message"), [
    (["status", "--date", "1/12/2026"], "tanggal tidak sah"),
    (["status", "--date", "2026-12-01", "--prov", "99"], "tidak ada dalam daftar wilayah"),
    (["status", "--date", "2026-12-01", "--prov", "91", "--user", "analis_kalsel"], "di luar cakupan"),
    (["rekap", "--date", "2026-12-01", "--prov", "63", "--out", "rekap.docx"], "berakhiran .pdf atau .xlsx"),
    (["rekap", "--date", "2026-12-01", "--prov", "63", "--out", "/tidak/ada/rekap.pdf"], "folder tujuan tidak ada"),
])
def test_command_line_failures_end_with_one_galat_line(fresh_db, args, message):
    con = connect(fresh_db)
    create_user(con, "analis_kalsel", "analis", "63", "Rahasia", password="UjiPerintah2026!")
    con.close()
    result = _sigap("lapsitda", *args, "--db", str(fresh_db), check=False)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("galat: ") and message in last, result.stderr
    assert sum(line.startswith("galat:") for line in result.stderr.splitlines()) == 1
