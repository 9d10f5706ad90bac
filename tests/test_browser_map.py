"""The running app draws the national map in headless Chromium with no outside network."""


import pytest

from tests.apptest import ANALIS, GUB, PASSWORD, create_users
from tests.browser import ARTIFACTS, needs_chromium, offline_page, running_app, sign_in, wait_for_count
from tests.conftest import make_demo_db

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("browser"), regions_db, n=800, seed=3)
    create_users(path, (ANALIS, GUB))
    return path


def test_map_draws_514_regions_offline(demo_db):
    with running_app({"SIGAP_DB": str(demo_db)}) as url, offline_page() as page:
        sign_in(page, url, ANALIS.username, PASSWORD)
        paths = wait_for_count(page, "path.leaflet-interactive", 514)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "peta_nasional.png"))
        assert paths == 514
        assert page.get_by_text("Data contoh (sintetis)").count() >= 1
        # nothing needed the outside network (tiles are off by default, assets are local)
        assert page.blocked == []


def test_leaders_dashboard_at_1920x1080(demo_db):
    with running_app({"SIGAP_DB": str(demo_db)}) as url, offline_page(viewport=(1920, 1080)) as page:
        sign_in(page, url, GUB.username, PASSWORD, heading="Ruang Pimpinan — Kalimantan Selatan")
        page.get_by_text("10 wilayah teratas").wait_for(timeout=60_000)
        paths = wait_for_count(page, "path.leaflet-interactive", 13)
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ruang_pimpinan_1920x1080.png"))
        assert paths >= 13  # Kalimantan Selatan's 13 kabupaten/kota (neighbours may be drawn as context)
        assert page.get_by_text("Data per").count() >= 1
        assert page.blocked == []
