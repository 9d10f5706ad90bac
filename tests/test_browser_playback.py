"""Pilkada playback in headless Chromium: ▶ on the map steps through the months in the browser
(the caption changes) while the server sees no rerun (outside network blocked)."""

import pytest

from services.accounts import create_user
from store import connect
from tests.browser import ROOT, needs_chromium, offline_page, running_app, sign_in
from tests.conftest import make_demo_db

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "Banjarbaru2026"


@pytest.fixture(scope="module")
def putar_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("putar_b"), regions_db, n=300, seed=9)
    con = connect(path)
    create_user(con, "analis_putar", "analis", None, "Terbatas", password=PASSWORD)
    con.execute("UPDATE users SET must_change_password = false")
    con.close()
    return path


def _in_frames(page, selector):
    for frame in page.frames:
        if frame.locator(selector).count():
            return frame
    return None


def test_play_steps_through_months_in_the_browser(putar_db):
    with running_app({"SIGAP_DB": str(putar_db)}, script=ROOT / "serve.py") as url, offline_page() as page:
        sign_in(page, url, "analis_putar", PASSWORD)
        page.goto(f"{url}/pilkada")
        page.get_by_role("heading", name="Putar ulang menjelang pemungutan").wait_for(timeout=60_000)
        frame = None
        for _ in range(120):
            frame = _in_frames(page, "[data-testid=sigap-putar]")
            if frame is not None:
                break
            page.wait_for_timeout(500)
        assert frame is not None, "no playback control on the map"
        label = frame.locator("[data-testid=sigap-bulan]")
        first = label.inner_text()
        frame.locator("[data-testid=sigap-putar]").click()
        page.wait_for_timeout(2500)
        assert label.inner_text() != first  # months advance without the page running again
        assert not page.blocked
