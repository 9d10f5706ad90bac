"""Sign in, import a report whose title carries an XSS payload, open its map popup: no dialog,
the text shows literally (headless Chromium, outside network blocked)."""

import shutil
from datetime import date, timedelta

import pytest

from services.accounts import create_user
from store import connect
from tests.browser import ARTIFACTS, needs_chromium, offline_page, running_app, wait_for_count

pytestmark = [pytest.mark.browser, needs_chromium]
PAYLOAD = "<img src=x onerror=alert(1)>"
PASSWORD = "Banjarbaru2026"


@pytest.fixture
def app_db(tmp_path, regions_db):
    path = tmp_path / "sigap.duckdb"
    shutil.copy(regions_db, path)
    con = connect(path)
    create_user(con, "analis", "analis", None, "Rahasia", password=PASSWORD)
    con.execute("UPDATE users SET must_change_password = false")
    con.close()
    return path


def test_hostile_report_title_is_shown_as_text(app_db, tmp_path):
    report = tmp_path / "laporan.csv"
    recent = (date.today() - timedelta(days=10)).strftime("%d/%m/%Y")  # inside the default 12-month view
    report.write_text("tanggal;kode_kab;lintang;bujur;kategori;sifat;eskalasi;judul\n"
                      f"{recent};63.72;-3,4420;114,8310;SARA;kejadian;3;Bentrok {PAYLOAD} di pasar\n",
                      encoding="utf-8")
    dialogs = []
    with running_app({"SIGAP_DB": str(app_db)}) as url, offline_page() as page:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        page.get_by_label("Nama pengguna").fill("analis")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_role("heading", name="Peta Potensi Konflik").wait_for(timeout=60_000)

        # navigate inside the session (a reload would start a new, signed-out session)
        page.get_by_role("link", name="Impor Laporan").click()
        page.get_by_role("heading", name="Impor Laporan").wait_for(timeout=60_000)
        page.locator("input[type=file]").set_input_files(str(report))
        page.get_by_role("button", name="Impor baris yang valid").click(timeout=60_000)
        page.get_by_text("1 insiden baru").wait_for(timeout=60_000)

        page.get_by_role("link", name="Peta Potensi Konflik").click()
        page.get_by_role("heading", name="Peta Potensi Konflik").wait_for(timeout=60_000)
        page.get_by_text("Titik insiden (klaster)").click()
        found = wait_for_count(page, 'path[stroke="#5a0013"]', 1)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "xss_peta.png"))
        assert found == 1
        for frame in page.frames:
            marker = frame.locator('path[stroke="#5a0013"]')
            if marker.count():
                marker.first.click(force=True)
                popup = frame.locator(".leaflet-popup-content")
                popup.wait_for(timeout=10_000)
                text = popup.inner_text()
                html = popup.inner_html()
                break
        page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "xss_popup.png"))
    assert PAYLOAD in text            # shown literally
    assert "<img" not in html         # never parsed as an element
    assert dialogs == []              # nothing ran
