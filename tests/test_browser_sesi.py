"""A sign-in survives F5 in a real browser, and only as long as the session may (headless Chromium
against ``streamlit run serve.py``, outside network blocked).

The cookie comes from the app's own endpoint: HttpOnly, SameSite=Strict, invisible to the page's
JavaScript. After a sign-out the old token is worth nothing even if the browser kept it, and a
made-up token opens nothing.
"""

import pytest

from services.accounts import create_user
from store import connect
from tests.browser import ROOT, needs_chromium, offline_page, running_app
from tests.conftest import make_demo_db

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "Banjarbaru2026"
MAP = "Peta Potensi Konflik"
SIGN_IN = "SIGAP — Masuk"


@pytest.fixture(scope="module")
def sesi_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("sesi"), regions_db, n=200, seed=8)
    con = connect(path)
    create_user(con, "analis_sesi", "analis", None, "Terbatas", password=PASSWORD)
    con.execute("UPDATE users SET must_change_password = false")
    con.close()
    return path


def _sign_in(page, url):
    page.goto(url)
    page.get_by_label("Nama pengguna").fill("analis_sesi")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("heading", name=MAP).wait_for(timeout=60_000)


def _cookie(page, timeout=15.0):
    for _ in range(int(timeout * 4)):
        found = [c for c in page.context.cookies() if c["name"] == "sigap_sesi"]
        if found:
            return found[0]
        page.wait_for_timeout(250)
    return None


def _shows_sign_in(page):
    page.get_by_role("heading", name=SIGN_IN).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    assert MAP not in page.locator("body").inner_text()
    assert page.locator("[data-testid=stMetric]").count() == 0


def test_reload_keeps_the_user_signed_in_until_sign_out(sesi_db):
    with running_app({"SIGAP_DB": str(sesi_db)}, script=ROOT / "serve.py") as url, offline_page() as page:
        _sign_in(page, url)
        cookie = _cookie(page)
        assert cookie is not None, "the sign-in set no session cookie"
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert 7.5 * 3600 < cookie["expires"] - __import__("time").time() <= 8 * 3600  # the absolute lifetime
        assert "sigap_sesi" not in page.evaluate("document.cookie")  # out of the page's JavaScript reach

        page.reload()  # F5
        page.get_by_role("heading", name=MAP).wait_for(timeout=60_000)
        assert page.get_by_label("Nama pengguna").count() == 0
        page.goto(f"{url}/tren")  # a new address is a new app session too
        page.get_by_role("heading", name="Tren").first.wait_for(timeout=60_000)

        page.get_by_role("button", name="Keluar").click()
        _shows_sign_in(page)
        page.reload()
        _shows_sign_in(page)

        # the browser kept the old token (or someone copied it): it was revoked at sign-out
        page.context.add_cookies([{**cookie, "sameSite": "Strict"}])
        page.goto(url)
        _shows_sign_in(page)
        assert not page.blocked


def test_a_made_up_token_opens_nothing(sesi_db):
    with running_app({"SIGAP_DB": str(sesi_db)}, script=ROOT / "serve.py") as url, offline_page() as page:
        host = url.split("//")[1].split(":")[0]
        page.context.add_cookies([{"name": "sigap_sesi", "value": "A" * 43, "domain": host, "path": "/",
                                   "httpOnly": True, "sameSite": "Strict"}])
        page.goto(f"{url}/peta")
        _shows_sign_in(page)
        # the endpoint gives no cookie for a made-up hand-over code, nor to another origin
        status = page.evaluate("fetch('/api/sesi', {method: 'POST', body: 'B'.repeat(43)}).then(r => r.status)")
        assert status == 403
        assert not [c for c in page.context.cookies() if c["name"] == "sigap_sesi" and c["value"] != "A" * 43]
