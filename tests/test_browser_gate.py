"""Fail closed in a real browser: right after a server start, before anyone signs in (and again
after a sign-out), every page URL shows the sign-in form and no data, and the sidebar lists no
raw page files (headless Chromium, outside network blocked)."""

import pytest

from services.accounts import create_user
from store import connect
from tests.browser import needs_chromium, offline_page, running_app
from tests.conftest import make_demo_db

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "Banjarbaru2026"
PAGES = ["pimpinan", "peta", "indeks", "hotspot", "tren", "pilkada", "athg", "impor", "ekspor", "admin", "lapor",
         "laporan", "lapsitda", "kelengkapan"]
RAW_NAMES = {*PAGES, "app"}


@pytest.fixture(scope="module")
def gate_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("gerbang"), regions_db, n=400, seed=5)
    con = connect(path)
    create_user(con, "admin_uji", "admin", None, "Rahasia", password=PASSWORD)
    con.execute("UPDATE users SET must_change_password = false")
    con.close()
    return path


def _assert_sign_in_only(page, url_path):
    page.get_by_role("heading", name="SIGAP — Masuk").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # let any page script that slipped through draw its data
    body = page.locator("body").inner_text()
    assert "Peta Potensi Konflik" not in body, url_path
    assert "insiden" not in body.lower(), url_path
    assert page.locator("[data-testid=stMetric]").count() == 0, url_path
    assert page.locator("iframe").count() == 0, url_path  # no map
    links = {t.strip().lower() for t in page.locator("[data-testid=stSidebar] a").all_inner_texts()}
    assert not links & RAW_NAMES, (url_path, links)
    page.get_by_label("Nama pengguna").wait_for(state="visible", timeout=30_000)  # the form follows its heading


@pytest.mark.parametrize("first", ["peta", "pimpinan", "indeks", "hotspot"])
def test_first_request_after_server_start_gets_the_sign_in(gate_db, first):
    with running_app({"SIGAP_DB": str(gate_db)}) as url, offline_page() as page:
        page.goto(f"{url}/{first}")
        _assert_sign_in_only(page, first)
        assert not page.blocked


def test_every_page_url_is_closed_before_sign_in_and_after_sign_out(gate_db):
    with running_app({"SIGAP_DB": str(gate_db)}) as url, offline_page() as page:
        for path in PAGES:
            page.goto(f"{url}/{path}")
            _assert_sign_in_only(page, path)
        page.goto(url)
        page.get_by_label("Nama pengguna").fill("admin_uji")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_role("heading", name="Peta Potensi Konflik").wait_for(timeout=60_000)
        page.get_by_role("button", name="Keluar").click()
        _assert_sign_in_only(page, "keluar")
        for path in PAGES:
            page.goto(f"{url}/{path}")
            _assert_sign_in_only(page, path)
