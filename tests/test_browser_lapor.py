"""Lapor & LAPSITDA in a real browser (headless Chromium, outside network blocked): a Banjarbaru officer
files a report with the place chosen by kecamatan, opens it again and corrects it, sends the day's
LAPSITDA, files nihil the next day and sends an atensi report; the province sees the atensi in its
inbox at once, the right states in Kelengkapan Laporan, and the office as reported in the rekap PDF."""

from __future__ import annotations

import io
import re
import shutil
import time
from datetime import UTC, datetime, timedelta

import pypdfium2 as pdfium
import pytest

from analysis.lapsitda import DeadlineRule, local_date
from services.lapsitda import set_deadline
from store import connect
from tests.apptest import User, create_user
from tests.browser import ARTIFACTS, needs_chromium, offline_page, running_app, sign_in

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "Banjarbaru2026!"
KALSEL = User("analis_kalsel", "analis", "63", "Terbatas")


@pytest.fixture
def app_db(tmp_path, regions_db):
    path = tmp_path / "sigap.duckdb"
    shutil.copy(regions_db, path)
    con = connect(path)
    create_user(con, "petugas_bjb", "analis", "63.72", "Terbatas", password=PASSWORD)
    create_user(con, "analis_kalsel", "analis", "63", "Terbatas", password=PASSWORD)
    con.execute("UPDATE users SET must_change_password = false")
    # Banjarbaru's deadline set by the province: 23:59 two days later, so yesterday's LAPSITDA sent
    # today is on time whatever the hour of the test run.
    set_deadline(con, KALSEL, "63.72", DeadlineRule(23, 59, 2))
    con.close()
    return path


def _go(page, link: str, heading: str) -> None:
    """Navigate inside the session (a reload would start a new, signed-out session)."""
    more = page.get_by_text(re.compile(r"^View \d+ more$"))
    if not page.get_by_role("link", name=link, exact=True).is_visible() and more.count():
        more.first.click()
    page.get_by_role("link", name=link, exact=True).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(600)


def _date(page, label: str, day) -> None:
    page.get_by_label(f"day, {label}").click()
    page.keyboard.type(f"{day:%d%m%Y}")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_timeout(1500)


def _metrics(page, expected: dict[str, str], timeout: float = 60.0) -> dict[str, str]:
    """The page's metrics (label → value) once they equal ``expected``, or as they stand at the timeout."""
    deadline = time.time() + timeout
    while True:
        texts = page.locator("[data-testid=stMetric]").all_inner_texts()
        found = dict((part.strip() for part in t.strip().split("\n", 1)) for t in texts if "\n" in t.strip())
        if found == expected or time.time() > deadline:
            return found
        page.wait_for_timeout(500)


def _fill_report(page, title: str, day) -> None:
    page.get_by_label("Judul singkat *", exact=True).fill(title)
    _choose(page, "Kategori *", "SDA — Sumber Daya Alam & Agraria")
    _choose(page, "Sifat", "gejala")
    _choose(page, "Kecamatan", "Banjarbaru Utara (63.72.04)")
    _date(page, "Tanggal kejadian *", day)
    _date(page, "Masuk LAPSITDA tanggal", day)


def _pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(io.BytesIO(data))
    return " ".join(" ".join(p.get_textpage().get_text_range() for p in doc).split())


def test_an_office_reports_corrects_files_nihil_and_the_province_sees_it(app_db, tmp_path):
    today = local_date(datetime.now(UTC), "WITA")
    yesterday = today - timedelta(days=1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_app({"SIGAP_DB": str(app_db)}) as url, offline_page() as page:
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        sign_in(page, url, "petugas_bjb", PASSWORD)

        # 1. a report with its place chosen by kecamatan, saved as a draft
        _go(page, "Lapor", "Lapor")
        _fill_report(page, "Blokade jalan tambang oleh warga", yesterday)
        page.get_by_role("button", name="Simpan draf").click()
        page.get_by_text("Laporan LAP-63.72-000001 disimpan sebagai draf.").wait_for(timeout=60_000)

        # 2. opened again and corrected, then submitted
        page.get_by_role("link", name="Buka laporan LAP-63.72-000001").click()
        page.get_by_role("heading", name="LAP-63.72-000001").wait_for(timeout=60_000)
        page.get_by_role("button", name="Koreksi laporan").click()
        title = page.get_by_label("Judul singkat *", exact=True)
        title.wait_for(timeout=60_000)
        assert title.input_value() == "Blokade jalan tambang oleh warga"
        title.fill("Blokade jalan tambang oleh warga Cempaka (dikoreksi)")
        page.get_by_role("button", name="Ajukan").click()
        page.get_by_text("Laporan LAP-63.72-000001 dikoreksi (versi 2, diajukan).").wait_for(timeout=60_000)
        assert page.get_by_text("Blokade jalan tambang oleh warga Cempaka (dikoreksi)").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "lapor_laporan.png"), full_page=True)

        # 3. yesterday's LAPSITDA with its report, then today's nihil
        _go(page, "LAPSITDA Harian", "LAPSITDA Harian")
        _date(page, "Tanggal LAPSITDA", yesterday)
        page.get_by_label("Situasi umum (ringkas)").fill("Situasi umum kondusif; satu blokade jalan tambang.")
        page.get_by_role("button", name="Kirim LAPSITDA").click()
        page.get_by_text(f"LAPSITDA Kota Banjarbaru {yesterday:%d/%m/%Y} terkirim: melapor.").wait_for(timeout=60_000)
        _date(page, "Tanggal LAPSITDA", today)
        page.get_by_role("button", name="Nyatakan NIHIL (situasi kondusif)").click()
        page.get_by_text(f"LAPSITDA Kota Banjarbaru {today:%d/%m/%Y} terkirim: nihil (situasi kondusif).").wait_for(
            timeout=60_000)

        # 4. an atensi report, any time of day
        _go(page, "Lapor", "Lapor")
        page.get_by_text("Laporan atensi (perlu perhatian segera)").click()
        page.get_by_label("Judul singkat *", exact=True).fill("Massa berkumpul di depan kantor bupati")
        _choose(page, "Kategori *", "PEM — Tata Kelola Pemerintahan")
        page.get_by_role("button", name="Ajukan").click()
        page.get_by_text("Laporan LAP-63.72-000002 diajukan.").wait_for(timeout=60_000)
        page.get_by_text("langsung masuk kotak masuk provinsi").wait_for(timeout=10_000)

        # 5. the province: the atensi at the top of its inbox
        page.get_by_role("button", name="Keluar").click()
        sign_in(page, url, "analis_kalsel", PASSWORD)
        _go(page, "LAPSITDA Harian", "LAPSITDA Harian")
        page.get_by_role("heading", name="Kotak masuk — 1 belum dibaca").wait_for(timeout=60_000)
        page.get_by_text("Massa berkumpul di depan kantor bupati").wait_for(timeout=30_000)
        assert page.get_by_text("Massa berkumpul di depan kantor bupati").count() == 1
        page.screenshot(path=str(ARTIFACTS / "lapsitda_kotak_masuk.png"), full_page=True)

        # 6. Kelengkapan Laporan: yesterday melapor, today nihil, the twelve others not yet
        _go(page, "Kelengkapan Laporan", "Kelengkapan Laporan")
        page.get_by_role("heading", name="1 dari 13 kab/kota sudah melapor").wait_for(timeout=60_000)
        expected = {"Melapor": "1", "Nihil": "0", "Terlambat": "0", "Belum melapor": "12"}
        assert _metrics(page, expected) == expected
        page.screenshot(path=str(ARTIFACTS / "kelengkapan.png"), full_page=True)
        _date(page, "Tanggal LAPSITDA", today)
        expected = {"Melapor": "0", "Nihil": "1", "Terlambat": "0", "Belum melapor": "12"}
        assert _metrics(page, expected) == expected

        # 7. the rekap of yesterday lists Banjarbaru as reported
        _date(page, "Tanggal LAPSITDA", yesterday)
        page.get_by_role("heading", name="1 dari 13 kab/kota sudah melapor").wait_for(timeout=60_000)
        page.get_by_role("button", name="Buat rekap").click()
        name = f"rekap-lapsitda-harian-63-{yesterday:%Y%m%d}.pdf"
        button = page.get_by_role("button", name=f"Unduh {name}")
        button.wait_for(timeout=60_000)
        with page.expect_download() as download:
            button.click()
        pdf = tmp_path / name
        download.value.save_as(str(pdf))
        assert not page.blocked and dialogs == []
    con = connect(app_db)   # the server has stopped: what the browser stored
    stored = con.execute("SELECT nomor, kode_kab, kode_kec, sifat, kategori, eskalasi, status_verifikasi, versi, "
                         "presisi_lokasi, tanggal_lapsitda FROM incidents i JOIN laporan l ON l.id_insiden = i.id "
                         "ORDER BY i.id").fetchall()
    history = con.execute("SELECT id_insiden, versi, alasan FROM riwayat_insiden").fetchall()
    days = con.execute("SELECT tanggal, nihil FROM lapsitda ORDER BY tanggal").fetchall()
    con.close()
    assert stored == [("LAP-63.72-000001", "63.72", "63.72.04", "gejala", "SDA", 1, "diajukan", 2, 2, yesterday),
                      ("LAP-63.72-000002", "63.72", None, "kejadian", "PEM", 1, "diajukan", 1, 3, today)]
    assert history == [(1, 1, "dikoreksi")] and days == [(yesterday, False), (today, True)]
    text = _pdf_text(pdf.read_bytes())
    assert "REKAPITULASI LAPSITDA HARIAN" in text and "1 dari 13 kab/kota melapor (1 dengan laporan" in text
    assert "63.72 Kota Banjarbaru melapor" in text
    assert "Massa berkumpul di depan kantor bupati" not in text  # the atensi belongs to today
    assert "Situasi umum kondusif; satu blokade jalan tambang." in text


def test_the_report_pages_are_closed_before_sign_in(app_db):
    with running_app({"SIGAP_DB": str(app_db)}) as url, offline_page() as page:
        for path in ("lapor", "laporan", "lapsitda", "kelengkapan", "laporan?id=1"):
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name="SIGAP — Masuk").wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            body = page.locator("body").inner_text()
            assert "LAPSITDA" not in body and "Kotak masuk" not in body and "LAP-" not in body, path
            assert page.locator("[data-testid=stMetric]").count() == 0, path
        assert not page.blocked
