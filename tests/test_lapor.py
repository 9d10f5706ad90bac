"""Lapor (issue 14): one rule set with the import, scope at the service function, drafts, corrections
with an optimistic version check, history, the province's inbox and its e-mail."""

from __future__ import annotations

import socketserver
import threading
from datetime import date, datetime

import pandas as pd
import pytest

from auth.roles import PermissionDenied
from ingest.importer import prepare_import
from ingest.presets import CANONICAL
from services import lapor, lapsitda
from store.audit import read_audit
from tests.apptest import User, create_user

BJB = User("analis_bjb", "analis", "63.72", "Rahasia")         # Kota Banjarbaru (Kalimantan Selatan)
BJB2 = User("analis_bjb2", "analis", "63.72", "Rahasia")
BJM = User("analis_bjm", "analis", "63.71", "Rahasia")         # Kota Banjarmasin
KALSEL = User("analis_kalsel", "analis", "63", "Rahasia")      # the province
KALSEL_BIASA = User("staf_kalsel", "analis", "63", "Biasa")
NATIONAL = User("analis_pusat", "analis", None, "Rahasia")
GUB = User("gub", "pimpinan", "63", "Rahasia")
NOW = datetime(2026, 12, 2, 1, 0)   # 09:00 WITA in Banjarbaru
DAY = date(2026, 12, 1)
GOOD = {"tanggal": "01/12/2026", "kode_kab": "63.72", "kode_kec": "63.72.04", "kategori": "SDA", "sifat": "gejala",
        "bidang": "ekonomi", "athg": "G", "eskalasi": "2", "judul": "Blokade jalan tambang oleh warga",
        "lintang": "-3.4420", "bujur": "114.8310", "kronologi": "Warga menutup jalan sejak pagi."}
#: Rows the import refuses (one problem each, at least), as an officer could type them in the form.
BAD_ROWS = [
    {**GOOD, "tanggal": "32/13/2026"},
    {**GOOD, "tanggal": ""},
    {**GOOD, "tanggal_selesai": "30/11/2026"},
    {**GOOD, "kategori": "XYZ"},
    {**GOOD, "kategori": ""},
    {**GOOD, "bentuk": "TAWURAN"},
    {**GOOD, "sifat": "laten"},
    {**GOOD, "athg": "X"},
    {**GOOD, "eskalasi": "7"},
    {**GOOD, "eskalasi": "2,5"},
    {**GOOD, "tewas": "-1"},
    {**GOOD, "luka": "banyak"},
    {**GOOD, "judul": ""},
    {**GOOD, "judul": "J" * 501},
    {**GOOD, "klasifikasi": "Sangat Rahasia"},
    {**GOOD, "status_penanganan": "entah"},
    {**GOOD, "lintang": "abc"},
    {**GOOD, "kode_kab": "99.99", "kode_kec": ""},
    {**GOOD, "kode_kab": "63.71", "kode_kec": "", "lintang": "", "bujur": ""},        # outside Banjarbaru's scope
    {**GOOD, "kode_kab": "", "kode_kec": "", "lintang": "-3.3194", "bujur": "114.5908"},  # a point in Banjarmasin
    {**GOOD, "kode_kab": "", "kode_kec": "", "lintang": "", "bujur": ""},              # no place at all
    {**GOOD, "kode_kab": "", "kode_kec": "", "lintang": "-8.0", "bujur": "100.0"},    # far out in the ocean
]
PROBLEM = ["kolom", "nilai", "alasan", "perbaikan"]


@pytest.fixture
def db(engine_db):
    return engine_db


def _form(values=None, **kwargs) -> lapor.ReportForm:
    return lapor.ReportForm(values or GOOD, **{"tanggal_lapsitda": DAY, **kwargs})


def _upload(rows: list[dict]) -> bytes:
    """The same rows as an analyst's own upload: the SIGAP template as a ';' CSV, written by hand."""
    header = list(CANONICAL)
    lines = [";".join(header)]
    for row in rows:
        lines.append(";".join('"' + str(row.get(name, "")).replace('"', '""') + '"' for name in header))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _problems(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(str(v) for v in r) for r in frame[PROBLEM].itertuples(index=False))


def test_form_and_import_refuse_the_same_rows_with_the_same_messages(db, locator):
    imported = prepare_import(db, _upload(BAD_ROWS), "laporan.csv", locator, preset="sigap", user=BJB)
    assert set(imported.problems["baris"]) == set(range(2, len(BAD_ROWS) + 2))   # every row refused by the import
    for number, row in enumerate(BAD_ROWS, start=2):
        expected = _problems(imported.problems.loc[imported.problems["baris"] == number])
        with pytest.raises(lapor.ReportRejected) as refused:
            lapor.file_report(db, _form(row), locator, BJB, submit=True, now=NOW)
        assert _problems(refused.value.checked.problems) == expected, row
    assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM laporan").fetchone()[0] == 0


def test_an_empty_form_names_every_required_field(db, locator):
    checked = lapor.check_report(db, lapor.ReportForm({}), locator, BJB, now=NOW)
    assert checked.problems["kolom"].tolist() == ["judul", "kabupaten_kota", "kategori", "tanggal"]
    huge = lapor.check_report(db, _form({**GOOD, "kronologi": "x" * 11_000_000}), locator, BJB, now=NOW)
    assert not huge.ok and huge.row is None


def test_problems_name_the_form_field_to_fix(db, locator):
    checked = lapor.check_report(db, _form({**GOOD, "kode_kab": "", "kode_kec": "", "lintang": "", "bujur": "",
                                            "kategori": "XYZ"}), locator, BJB, now=NOW)
    assert dict(zip(checked.problems["kolom"], checked.problems["isian"])) == {"kabupaten_kota": "kode_kab",
                                                                              "kategori": "kategori"}


def test_extra_fields_are_held_to_the_import_limits_and_vocabularies(db, locator):
    with pytest.raises(lapor.ReportRejected) as refused:
        lapor.file_report(db, _form({**GOOD, "tipe_aktor1": "alien", "rekomendasi": "r" * 1001}), locator, BJB,
                          submit=False, now=NOW)
    problems = refused.value.checked.problems.set_index("kolom")
    assert problems.loc["tipe_aktor1", "alasan"] == "nilai bukan tipe_aktor yang dikenal"
    assert problems.loc["rekomendasi", "alasan"] == "lebih dari 1.000 karakter (1.001 karakter)"


def test_a_good_form_is_one_incident_with_its_number_status_and_audit_row(db, locator):
    saved = lapor.file_report(db, _form({**GOOD, "lokasi": "Desa Cempaka", "tipe_aktor1": "warga",
                                         "analisis": "Berpotensi meluas."}), locator, BJB, submit=False, now=NOW)
    assert saved.nomor == "LAP-63.72-000001" and saved.status == "draft"
    row = db.execute("SELECT sumber, id_sumber, dibuat_oleh, status_verifikasi, kode_kab, kode_kec, tipe_aktor1, "
                     "analisis, versi, hash_isi IS NOT NULL FROM incidents").fetchall()
    assert row == [("sigap", "LAP-63.72-000001", "analis_bjb", "draft", "63.72", "63.72.04", "warga",
                    "Berpotensi meluas.", 1, True)]
    assert db.execute("SELECT jenis, kode_kantor, tanggal_lapsitda, lokasi FROM laporan").fetchall() == [
        ("harian", "63.72", DAY, "Desa Cempaka")]
    audit = read_audit(db, action="lapor")
    assert audit[["actor", "role", "region", "object"]].values.tolist() == [
        ["analis_bjb", "analis", "63.72", f"insiden:{saved.id}"]]
    assert "Blokade" not in audit["detail"].iloc[0]   # no report text in the log


def test_the_locator_says_whether_coordinates_and_chosen_kecamatan_agree(db, locator):
    agree = lapor.check_report(db, _form(), locator, BJB, now=NOW)
    assert agree.ok and agree.notes == ["koordinat cocok dengan pilihan wilayah (Kec. Banjarbaru Utara, Kota "
                                        "Banjarbaru)"]
    other = lapor.check_report(db, _form({**GOOD, "kode_kec": "63.72.03"}), locator, BJB, now=NOW)
    assert other.ok and other.notes == [
        "koordinat berada di Kec. Banjarbaru Utara, Kota Banjarbaru (63.72.04), bukan di kecamatan yang dipilih "
        "(Cempaka, 63.72.03): periksa koordinat atau pilihan kecamatan"]
    # a point in Martapura (Kabupaten Banjar) for Banjarbaru: the import's question, asked here too
    elsewhere = {**GOOD, "kode_kab": "63.72", "kode_kec": "", "lintang": "-3.4136", "bujur": "114.8553"}
    checked = lapor.check_report(db, _form(elsewhere), locator, KALSEL, now=NOW)
    assert checked.confirm == ["titik berada di 63.03, kode menyebut 63.72"]
    with pytest.raises(lapor.ReportRejected) as refused:
        lapor.file_report(db, _form(elsewhere), locator, KALSEL, submit=True, now=NOW)
    assert refused.value.checked.problems["isian"].tolist() == ["lintang"]
    assert lapor.file_report(db, _form(elsewhere), locator, KALSEL, submit=True, confirmed=True, now=NOW).id


# --- scope at the service function ---------------------------------------------------------------

def test_nobody_files_for_an_office_outside_their_scope(db, locator):
    banjarmasin = {**GOOD, "kode_kab": "63.71", "kode_kec": "", "lintang": "", "bujur": ""}
    aceh = {**GOOD, "kode_kab": "11.06", "kode_kec": "", "lintang": "", "bujur": ""}
    with pytest.raises(lapor.ReportRejected) as refused:
        lapor.file_report(db, _form(banjarmasin), locator, BJB, submit=True, now=NOW)
    assert refused.value.checked.problems["alasan"].tolist() == ["wilayah di luar cakupan Anda (63.72)"]
    with pytest.raises(lapor.ReportRejected):
        lapor.file_report(db, _form(aceh), locator, KALSEL, submit=True, now=NOW)
    with pytest.raises(PermissionDenied):
        lapor.file_report(db, _form(), locator, GUB, submit=True, now=NOW)   # leaders read, they do not file
    assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
    assert lapor.file_report(db, _form(banjarmasin), locator, KALSEL, submit=True, now=NOW).id
    assert lapor.file_report(db, _form(aceh), locator, NATIONAL, submit=True, now=NOW).id


def test_the_service_rechecks_scope_whatever_the_check_said(db, locator, monkeypatch):
    # a page that skipped or forged the check still cannot store a report outside the user's region
    real = lapor.check_report

    def forged(con, form, loc, user, **kwargs):
        return real(con, form, loc, NATIONAL, **kwargs)

    monkeypatch.setattr(lapor, "check_report", forged)
    with pytest.raises(PermissionDenied, match=r"63\.71 di luar cakupan Anda \(63\.72\)"):
        lapor.file_report(db, _form({**GOOD, "kode_kab": "63.71", "kode_kec": "", "lintang": "", "bujur": ""}),
                          locator, BJB, submit=True, now=NOW)
    assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0


def test_other_offices_cannot_open_or_correct_a_report(db, locator):
    saved = lapor.file_report(db, _form(), locator, BJB, submit=False, now=NOW)
    assert lapor.open_report(db, saved.id, BJM) is None
    with pytest.raises(LookupError):
        lapor.correct_report(db, saved.id, _form(), locator, BJM, versi=1, submit=True, now=NOW)
    view = lapor.open_report(db, saved.id, KALSEL)            # the province reads it …
    assert view is not None and not lapor.can_edit(view, KALSEL)
    with pytest.raises(PermissionDenied, match="kantor pelapor"):  # … but corrects only its own reports
        lapor.correct_report(db, saved.id, _form(), locator, KALSEL, versi=1, submit=True, now=NOW)
    assert lapor.can_edit(lapor.open_report(db, saved.id, BJB2), BJB2)  # a colleague of the same office may


# --- corrections --------------------------------------------------------------------------------

def test_correcting_a_draft_keeps_the_old_version_and_submits(db, locator):
    saved = lapor.file_report(db, _form(), locator, BJB, submit=False, now=NOW)
    fixed = lapor.correct_report(db, saved.id, _form({**GOOD, "judul": "Blokade jalan tambang (diperbarui)",
                                                      "eskalasi": "3"}),
                                 locator, BJB, versi=1, submit=True, now=NOW)
    assert (fixed.versi, fixed.status, fixed.nomor) == (2, "diajukan", saved.nomor)
    view = lapor.open_report(db, saved.id, BJB)
    assert view.row["judul"] == "Blokade jalan tambang (diperbarui)" and view.row["diajukan_pada"] is not None
    history = lapor.report_history(db, saved.id, BJB)
    assert history[["versi", "diubah_oleh", "alasan"]].values.tolist() == [[1, "analis_bjb", "dikoreksi"]]
    assert set(history["berubah"].iloc[0].split(", ")) == {"judul", "eskalasi", "status_verifikasi"}
    with pytest.raises(PermissionDenied, match="sudah berstatus diajukan"):
        lapor.correct_report(db, saved.id, _form(), locator, BJB, versi=2, submit=True, now=NOW)
    assert read_audit(db, action="koreksi_laporan")["region"].tolist() == ["63.72"]


def test_a_stale_correction_is_refused_and_writes_nothing(db, locator):
    saved = lapor.file_report(db, _form(), locator, BJB, submit=False, now=NOW)
    first = lapor.open_report(db, saved.id, BJB)                 # both open version 1
    second = lapor.open_report(db, saved.id, BJB2)
    lapor.correct_report(db, saved.id, _form({**GOOD, "judul": "Versi rekan"}), locator, BJB2,
                         versi=second.versi, submit=False, now=NOW)
    with pytest.raises(lapor.StaleReport, match="sudah diubah orang lain"):
        lapor.correct_report(db, saved.id, _form({**GOOD, "judul": "Versi saya"}), locator, BJB,
                             versi=first.versi, submit=False, now=NOW)
    assert lapor.open_report(db, saved.id, BJB).row["judul"] == "Versi rekan"
    assert db.execute("SELECT count(*) FROM riwayat_insiden").fetchone()[0] == 1


def test_a_returned_report_is_editable_again_with_the_reason_kept(db, locator):
    saved = lapor.file_report(db, _form(), locator, BJB, submit=True, now=NOW)
    with pytest.raises(PermissionDenied):
        lapor.return_report(db, saved.id, BJB, versi=1, reason="sendiri")      # not one's own office
    with pytest.raises(ValueError, match="alasan"):
        lapor.return_report(db, saved.id, KALSEL, versi=1, reason=" ")
    lapor.return_report(db, saved.id, KALSEL, versi=1, reason="Lengkapi kronologi.")
    view = lapor.open_report(db, saved.id, BJB)
    assert (view.status, view.row["catatan_kembali"]) == ("dikembalikan", "Lengkapi kronologi.")
    assert lapor.can_edit(view, BJB)
    again = lapor.correct_report(db, saved.id, _form(), locator, BJB, versi=view.versi, submit=True, now=NOW)
    assert again.status == "diajukan"


def test_above_the_clearance_a_report_shows_only_its_open_columns(db, locator):
    saved = lapor.file_report(db, _form({**GOOD, "klasifikasi": "Rahasia", "lokasi": "Desa Rahasia"}), locator, BJB,
                              submit=True, now=NOW)
    lapor.return_report(db, saved.id, KALSEL, versi=1, reason="Periksa lagi.")
    view = lapor.open_report(db, saved.id, KALSEL_BIASA)
    assert view.tertutup and view.row["judul"] == "[dirahasiakan]"
    assert view.row["kronologi"] is None and view.row["lokasi"] is None and view.row["pelapor"] is None
    assert view.row["catatan_kembali"] is None and view.row["lat"] is None
    history = lapor.report_history(db, saved.id, KALSEL_BIASA)
    assert history["diubah_oleh"].isna().all() and history["berubah"].isna().all()


def test_a_form_value_round_trips_through_the_template(db, locator):
    values = {**GOOD, "judul": 'Bentrok "pasar"; lalu =HYPERLINK("x")', "kronologi": "baris 1\nbaris 2; dan \"kutip\"",
              "aktor_1": "warga; desa A", "tewas": "0", "luka": "3", "pengungsi": "12"}
    saved = lapor.file_report(db, _form(values), locator, BJB, submit=False, now=NOW)
    view = lapor.open_report(db, saved.id, BJB)
    again = lapor.form_values(view)
    assert {k: again[k] for k in ("judul", "kronologi", "aktor_1", "luka", "pengungsi", "kode_kec")} == {
        k: values[k] for k in ("judul", "kronologi", "aktor_1", "luka", "pengungsi", "kode_kec")}
    assert again["tanggal"] == "01/12/2026" and again["id_sumber"] == saved.nomor


# --- atensi: the province's inbox and e-mail -----------------------------------------------------------

def test_an_atensi_report_reaches_the_province_inbox_at_once(db, locator):
    lapor.file_report(db, _form(), locator, BJB, submit=True, now=NOW)                     # harian: no notification
    draft = lapor.file_report(db, _form({**GOOD, "judul": "Draf atensi"}, jenis="atensi"), locator, BJB,
                              submit=False, now=NOW)
    assert lapsitda.unread_count(db, KALSEL) == 0                                          # drafts are not sent
    urgent = lapor.file_report(db, _form({**GOOD, "judul": "Bentrok dua kelompok"}, jenis="atensi"), locator, BJB,
                               submit=True, now=NOW)
    assert urgent.notification is not None and urgent.mail is None                        # SMTP not configured
    box = lapsitda.inbox(db, KALSEL)
    assert box[["jenis", "nomor", "judul", "dibaca"]].values.tolist() == [
        ["atensi", urgent.nomor, "Bentrok dua kelompok", False]]
    assert lapsitda.unread_count(db, KALSEL) == 1 and lapsitda.unread_count(db, NATIONAL) == 1
    assert lapsitda.unread_count(db, BJB) == 0 and lapsitda.unread_count(db, BJM) == 0     # not the sender, not others
    lapor.correct_report(db, draft.id, _form({**GOOD, "judul": "Draf atensi"}, jenis="atensi"), locator, BJB,
                         versi=1, submit=True, now=NOW)                                     # submitted later: sent then
    assert lapsitda.unread_count(db, KALSEL) == 2
    lapsitda.mark_read(db, KALSEL, box["id"].tolist(), now=NOW)
    assert lapsitda.unread_count(db, KALSEL) == 1 and lapsitda.unread_count(db, NATIONAL) == 2


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive a message (loopback only)."""

    def handle(self):
        self.wfile.write(b"220 uji ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line.strip().split(b" ")[0].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 lanjut\r\n")
                body = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(part)
                self.server.messages.append(b"".join(body).decode("utf-8", "replace"))
                self.wfile.write(b"250 diterima\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 selesai\r\n")
                return
            elif verb == b"EHLO":
                self.wfile.write(b"250 uji\r\n")
            else:
                if verb == b"RCPT":
                    self.server.recipients.append(line.decode().split("<", 1)[1].split(">", 1)[0])
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server(monkeypatch):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.messages, server.recipients = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SIGAP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SIGAP_SMTP_PORT", str(server.server_address[1]))
    monkeypatch.setenv("SIGAP_SMTP_FROM", "sigap@kesbangpol.test")
    yield server
    server.shutdown()
    server.server_close()


def test_an_atensi_report_is_mailed_to_the_province_without_its_text(db, locator, smtp_server):
    create_user(db, "analis_kalsel", "analis", "63", "Rahasia", password="UjiSurel2026!", email="kalsel@prov.test")
    create_user(db, "analis_bjm", "analis", "63.71", "Rahasia", password="UjiSurel2026!", email="bjm@kab.test")
    saved = lapor.file_report(db, _form({**GOOD, "judul": "Bentrok rahasia sekali"}, jenis="atensi"), locator, BJB,
                              submit=True, now=NOW)
    assert saved.mail == "terkirim: 1 penerima"
    assert smtp_server.recipients == ["kalsel@prov.test"]
    message = smtp_server.messages[0]
    assert "Kota Banjarbaru" in message and saved.nomor in message and "ATENSI" in message
    assert "Bentrok" not in message and "Blokade" not in message
    assert db.execute("SELECT surel FROM notifikasi").fetchone()[0] == "terkirim: 1 penerima"


def test_an_unreachable_mail_server_never_undoes_the_report(db, locator, monkeypatch):
    from tests.browser import free_port

    monkeypatch.setenv("SIGAP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SIGAP_SMTP_PORT", str(free_port()))   # nobody listens there
    create_user(db, "analis_kalsel", "analis", "63", "Rahasia", password="UjiSurel2026!", email="kalsel@prov.test")
    saved = lapor.file_report(db, _form(jenis="atensi"), locator, BJB, submit=True, now=NOW)
    assert saved.mail.startswith("gagal: ")
    assert lapsitda.unread_count(db, KALSEL) == 1


# --- pages under AppTest --------------------------------------------------------------------------------

@pytest.fixture
def app_env(fresh_db, monkeypatch):
    import streamlit as st

    from tests.apptest import USERS, create_users

    create_users(fresh_db, (*USERS, User("analis_bjb2", "analis", "63.72", "Terbatas")))
    monkeypatch.setenv("SIGAP_DB", str(fresh_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield fresh_db
    st.cache_resource.clear()


def test_report_pages_run_for_every_role(app_env):
    from tests.apptest import ANALIS, ANALIS_BJB, GUB, open_page

    for page, user in (("lapor", ANALIS_BJB), ("laporan", ANALIS_BJB), ("lapsitda", ANALIS_BJB),
                       ("kelengkapan", ANALIS_BJB), ("lapsitda", ANALIS), ("kelengkapan", ANALIS), ("kelengkapan", GUB)):
        at = open_page(page, user).run()
        assert not at.exception, (page, user.username, at.exception)
    assert at.markdown and any("dari 13 kab/kota sudah melapor" in m.value for m in at.markdown)


def test_the_form_shows_the_import_message_in_its_group_then_files(app_env):
    from tests.apptest import ANALIS_BJB, open_page

    at = open_page("lapor", ANALIS_BJB).run()
    at.text_input(key="lapor0_judul").set_value("Ketegangan warga di pasar")
    at.button(key="lapor_ajukan").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["kategori: nilai bukan kategori yang dikenal — isi salah satu kode kategori: "
                                           "ASG, BTS, EKO, IDE, INF, KAM, LAIN, ORM, PEM, POL, SARA, SDA"]
    assert at.text_input(key="lapor0_judul").value == "Ketegangan warga di pasar"    # nothing typed is lost
    at.selectbox(key="lapor0_kategori").set_value("SARA")
    at.selectbox(key="lapor0_kode_kec").set_value("63.72.05")
    at.button(key="lapor_ajukan").click().run()
    assert [s.value for s in at.success] == ["Laporan LAP-63.72-000001 diajukan."]
    assert at.text_input(key="lapor1_judul").value == ""                               # a fresh form for the next one


def test_a_stale_correction_on_the_page_keeps_the_typed_values(app_env, locator):
    from tests.apptest import ANALIS_BJB, open_page

    at = open_page("lapor", ANALIS_BJB).run()
    at.text_input(key="lapor0_judul").set_value("Draf awal")
    at.selectbox(key="lapor0_kategori").set_value("SDA")
    at.button(key="lapor_draf").click().run()
    mine = open_page("laporan", ANALIS_BJB, state={"laporan_dibuka": 1}).run()
    colleague = open_page("laporan", User("analis_bjb2", "analis", "63.72", "Terbatas"),
                          state={"laporan_dibuka": 1}).run()
    for session in (mine, colleague):
        session.button(key="laporan_koreksi").click().run()
    assert colleague.text_input(key="koreksi1_judul").value == "Draf awal"           # the stored values
    colleague.text_input(key="koreksi1_judul").set_value("Versi rekan").run()
    colleague.button(key="koreksi_draf").click().run()
    assert any("dikoreksi (versi 2" in s.value for s in colleague.success)
    mine.text_input(key="koreksi1_judul").set_value("Versi saya").run()
    mine.button(key="koreksi_draf").click().run()
    assert not mine.exception
    assert any("sudah diubah orang lain" in e.value for e in mine.error)
    assert mine.text_input(key="koreksi1_judul").value == "Versi saya"


def test_a_draft_stays_off_maps_counts_and_exports_until_submitted(db, locator):
    from store.incidents import IncidentFilter, Scope, aggregate_by_region, query_incidents

    saved = lapor.file_report(db, _form(), locator, BJB, submit=False, now=NOW)
    province = Scope("63", "Rahasia")
    assert query_incidents(db, IncidentFilter(), province).empty
    assert aggregate_by_region(db, IncidentFilter(), province).empty
    assert lapor.open_report(db, saved.id, BJB).row["status_verifikasi"] == "draft"  # its author still opens it
    lapor.correct_report(db, saved.id, _form(), locator, BJB, versi=1, submit=True, now=NOW)
    assert len(query_incidents(db, IncidentFilter(), province)) == 1
