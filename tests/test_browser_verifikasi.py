"""Verifikasi berjenjang in a real browser (headless Chromium, outside network blocked), each user in a
browser of their own, all at once: a Banjarbaru officer files a report on Lapor and submits it; the
city's verifier verifies it; the province's verifier returns it with a note; the officer sees it
returned with that note, corrects it and submits it again; the city verifies it again (a corrected
report starts from *diajukan*) and the province verifies it; the mayor's Ruang Pimpinan counts it,
and the report's history shows every step."""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, datetime, timedelta

import pytest

from analysis.lapsitda import local_date
from store import connect
from tests.apptest import PASSWORD, User, create_users
from tests.browser import ARTIFACTS, needs_chromium, offline_page, running_app, sign_in
from tests.test_browser_lapor import _choose, _date, _go, _metrics

pytestmark = [pytest.mark.browser, needs_chromium]
OFFICER = User("petugas_bjb", "analis", "63.72", "Terbatas")      # files the report
CITY = User("verifikator_bjb", "analis", "63.72", "Terbatas")     # verifies for Kota Banjarbaru
PROVINCE = User("verifikator_kalsel", "analis", "63", "Terbatas")  # verifies for Kalimantan Selatan
MAYOR = User("walikota_bjb", "pimpinan", "63.72", "Rahasia")
TITLE = "Warga menutup jalan hauling batu bara"
CORRECTED = "Warga menutup jalan hauling batu bara di Guntung Manggis, Banjarbaru Utara"
NOTE = "Judul belum menyebut tempatnya: tulis kelurahan dan kecamatan."
NUMBER = "LAP-63.72-000001"
#: the server keeps the code it started with (no reload when a source file changes under it)
SERVER = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
_DECIDED = {"diverifikasi_kab": "verifikasi (kabupaten/kota)", "diverifikasi_prov": "verifikasi (provinsi)",
            "dikembalikan": "kembalikan ke pelapor untuk diperbaiki"}
_CHOICE = {"diverifikasi_kab": "Verifikasi (kabupaten/kota)", "diverifikasi_prov": "Verifikasi (provinsi)",
           "dikembalikan": "Kembalikan ke pelapor untuk diperbaiki"}


@pytest.fixture
def app_db(tmp_path, regions_db):
    path = tmp_path / "sigap.duckdb"
    shutil.copy(regions_db, path)
    create_users(path, (OFFICER, CITY, PROVINCE, MAYOR))
    return path


def _another_page(page):
    """A second browser (own cookies and session) of the same Chromium, blocked like ``page``."""
    other = page.context.browser.new_page(viewport={"width": 1600, "height": 1000})

    def route(r):
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
            return r.continue_()
        page.blocked.append(url)
        return r.abort()

    other.route("**/*", route)
    return other


def _decide(page, to: str, title: str, note: str = "") -> None:
    """On Verifikasi: pick the report (by its title in the list), choose the decision, save it."""
    _go(page, "Verifikasi", "Verifikasi")
    page.get_by_role("heading", name="Menunggu verifikasi Anda (1)").wait_for(timeout=60_000)
    page.get_by_label("Insiden yang diperiksa", exact=True).click()
    page.get_by_role("option", name=re.compile(rf"^\d+ — {re.escape(title)}$")).click()
    page.get_by_text(_CHOICE[to], exact=True).wait_for(timeout=60_000)
    page.get_by_text(_CHOICE[to], exact=True).click()
    if note:
        page.get_by_label("Catatan (wajib untuk dikembalikan atau ditolak)").fill(note)
    page.get_by_role("button", name="Simpan keputusan").click()
    page.get_by_text(re.compile(rf"^Insiden \d+: {re.escape(_DECIDED[to])}\.$")).wait_for(timeout=60_000)
    page.get_by_role("heading", name="Menunggu verifikasi Anda (0)").wait_for(timeout=60_000)


def _status(page, expected: str, timeout: float = 60.0) -> str:
    """The report page's *Status* metric once it reads ``expected`` (or as it stands at the timeout)."""
    deadline = time.time() + timeout
    while True:
        found = _metrics(page, {}, timeout=0).get("Status", "")
        if found == expected or time.time() > deadline:
            return found
        page.wait_for_timeout(500)


def _grid_text(page, header: str, expected: tuple[str, ...], timeout: float = 60.0) -> str:
    """The text of the dataframe with column ``header`` once it holds every string of ``expected``
    (or as it stands at the timeout): the grid is drawn on a canvas, its visible cells are also the
    canvas's accessible (fallback) content, drawn a moment after the grid."""
    deadline = time.time() + timeout
    while True:
        found = [text for text in page.locator("[data-testid=stDataFrame]").all_text_contents() if header in text]
        if (found and all(e in found[0] for e in expected)) or time.time() > deadline:
            return found[0] if found else ""
        page.wait_for_timeout(500)


def test_a_report_goes_up_the_chain_is_returned_corrected_and_verified_and_the_mayor_counts_it(app_db):
    yesterday = local_date(datetime.now(UTC), "WITA") - timedelta(days=1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_app(SERVER | {"SIGAP_DB": str(app_db)}) as url, offline_page() as officer:
        dialogs = []
        officer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        # 1. the officer files the report and submits it
        sign_in(officer, url, OFFICER.username, PASSWORD)
        _go(officer, "Lapor", "Lapor")
        officer.get_by_label("Judul singkat *", exact=True).fill(TITLE)
        _choose(officer, "Kategori *", "SDA — Sumber Daya Alam & Agraria")
        _choose(officer, "Sifat", "kejadian")
        _choose(officer, "Kecamatan", "Banjarbaru Utara (63.72.04)")
        _date(officer, "Tanggal kejadian *", yesterday)
        officer.get_by_role("button", name="Ajukan").click()
        officer.get_by_text(f"Laporan {NUMBER} diajukan.").wait_for(timeout=60_000)
        officer.get_by_role("link", name=f"Buka laporan {NUMBER}").click()
        officer.get_by_role("heading", name=NUMBER).wait_for(timeout=60_000)
        assert _status(officer, "diajukan") == "diajukan"

        # 2. the city's verifier verifies it
        city = _another_page(officer)
        sign_in(city, url, CITY.username, PASSWORD)
        city.get_by_role("link", name="Perlu verifikasi (1)").wait_for(timeout=60_000)   # the inbox line
        _decide(city, "diverifikasi_kab", TITLE)

        # 3. the province's verifier returns it with a note
        province = _another_page(officer)
        sign_in(province, url, PROVINCE.username, PASSWORD)
        _decide(province, "dikembalikan", TITLE, NOTE)

        # 4. the officer sees it returned with the note, corrects it and submits it again
        _go(officer, "Lapor", "Lapor")
        officer.get_by_role("link", name="Dikembalikan ke Anda (1)").click()
        officer.get_by_role("heading", name=NUMBER).wait_for(timeout=60_000)
        assert _status(officer, "dikembalikan untuk diperbaiki") == "dikembalikan untuk diperbaiki"
        officer.get_by_text("Dikembalikan untuk diperbaiki. Alasan:").wait_for(timeout=10_000)
        assert officer.get_by_text(NOTE, exact=True).count() == 1
        officer.get_by_role("button", name="Koreksi laporan").click()
        title = officer.get_by_label("Judul singkat *", exact=True)
        title.wait_for(timeout=60_000)
        title.fill(CORRECTED)
        officer.get_by_role("button", name="Ajukan").click()
        officer.get_by_text(f"Laporan {NUMBER} dikoreksi (versi 4, diajukan).").wait_for(timeout=60_000)

        # 5. the city verifies the corrected report, then the province
        _decide(city, "diverifikasi_kab", CORRECTED)
        _decide(province, "diverifikasi_prov", CORRECTED)

        # 6. the mayor's Ruang Pimpinan counts it: verified, in the last 7 days, not settled
        mayor = _another_page(officer)
        sign_in(mayor, url, MAYOR.username, PASSWORD, heading="Ruang Pimpinan — Kota Banjarbaru")
        shown = _metrics(mayor, {"Insiden 7 hari terakhir": "1", "Kasus belum selesai": "1"}, timeout=60)
        assert shown["Insiden 7 hari terakhir"] == "1" and shown["Kasus belum selesai"] == "1", shown
        mayor.screenshot(path=str(ARTIFACTS / "verifikasi_pimpinan.png"), full_page=True)

        # 7. the report's history: every version with who made it, and the four verification steps
        _go(officer, "Laporan", "Laporan")
        officer.get_by_role("heading", name=NUMBER).wait_for(timeout=60_000)
        assert _status(officer, "diverifikasi provinsi") == "diverifikasi provinsi"
        changes = ("diajukan → diverifikasi_kab", "diverifikasi_kab → dikembalikan", "dikembalikan → diajukan",
                   f"{TITLE} → {CORRECTED}", "diverifikasi_kab → diverifikasi_prov")
        history = _grid_text(officer, "lama → baru", changes)
        steps = _grid_text(officer, "catatan", (NOTE, "diverifikasi_prov"))
        officer.screenshot(path=str(ARTIFACTS / "verifikasi_riwayat.png"), full_page=True)
        for change in changes:
            assert change in history, (change, history)
        for who in (CITY.username, PROVINCE.username, OFFICER.username):
            assert who in history, (who, history)
        assert NOTE in steps and steps.count(CITY.username) == 2 and steps.count(PROVINCE.username) == 2, steps
        assert not officer.blocked and dialogs == []

    con = connect(app_db)   # the server has stopped: what the browsers stored
    incident = con.execute("SELECT i.id, status_verifikasi, versi, judul, kode_kec FROM incidents i "
                           "JOIN laporan l ON l.id_insiden = i.id").fetchall()
    steps = con.execute("SELECT versi, dari, ke, oleh, catatan FROM verifikasi_langkah ORDER BY versi").fetchall()
    versions = con.execute("SELECT versi, alasan, data->>'status_verifikasi', diubah_oleh FROM riwayat_insiden "
                           "ORDER BY versi").fetchall()
    con.close()
    assert [row[1:] for row in incident] == [("diverifikasi_prov", 6, CORRECTED, "63.72.04")]
    assert steps == [(2, "diajukan", "diverifikasi_kab", CITY.username, None),
                     (3, "diverifikasi_kab", "dikembalikan", PROVINCE.username, NOTE),
                     (5, "diajukan", "diverifikasi_kab", CITY.username, None),
                     (6, "diverifikasi_kab", "diverifikasi_prov", PROVINCE.username, None)]
    # the five steps after filing: each replaced version kept, by whom it was replaced
    assert versions == [(1, "status_verifikasi", "diajukan", CITY.username),
                        (2, "status_verifikasi", "diverifikasi_kab", PROVINCE.username),
                        (3, "dikoreksi", "dikembalikan", OFFICER.username),
                        (4, "status_verifikasi", "diajukan", CITY.username),
                        (5, "status_verifikasi", "diverifikasi_kab", PROVINCE.username)]
