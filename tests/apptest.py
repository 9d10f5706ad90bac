"""Signed-in AppTest sessions: real users in the test database, the session as a sign-in leaves it.

Pages run only inside ``app.py``'s navigation (a page script run on its own shows the sign-in),
so every page test starts from ``app.py`` with a user in session state and switches to the page.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from auth.identity import User
from auth.session import SessionTimes
from services.accounts import create_user
from store import connect
from tests.conftest import ROOT

PASSWORD = "UjiHalaman2026"
ANALIS = User("uji_analis", "analis", None, "Terbatas")
ANALIS_BJB = User("analis_bjb", "analis", "63.72", "Terbatas")
GUB = User("gub", "pimpinan", "63", "Rahasia")
WALIKOTA = User("walikota", "pimpinan", "63.72", "Rahasia")
ADMIN = User("admin_uji", "admin", None, "Rahasia")
USERS = (ANALIS, ANALIS_BJB, GUB, WALIKOTA, ADMIN)


def create_users(db, users=USERS) -> None:
    """Create ``users`` (password :data:`PASSWORD`, no forced change) in the database file ``db``."""
    con = connect(db)
    try:
        for user in users:
            create_user(con, user.username, user.role, user.region, user.clearance, password=PASSWORD)
        con.execute("UPDATE users SET must_change_password = false")
    finally:
        con.close()


class PageTest(AppTest):
    """AppTest whose ``exception`` also holds the page failures ``app.py`` turns into a message
    with an error id (the user sees no traceback; the test must still fail)."""

    @property
    def exception(self):
        crashes = [e for e in self.error if e.value.startswith("Terjadi kesalahan pada halaman")]
        return [*super().exception, *crashes]


def open_page(page: str | None, user: User = ANALIS, *, timeout: float = 120, state: dict | None = None) -> AppTest:
    """An AppTest of ``app.py`` signed in as ``user``, switched to ``pages/screens/<page>.py`` (not yet run)."""
    at = PageTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    now = datetime.now(UTC).replace(tzinfo=None)
    at.session_state["pengguna"] = user
    at.session_state["waktu_sesi"] = SessionTimes(now, now)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page is not None:
        at.switch_page(f"pages/screens/{page}.py")
    return at


@contextmanager
def served(db, monkeypatch):
    """Point the app at database ``db`` for the block, with Streamlit's caches empty before and after."""
    import streamlit as st

    monkeypatch.setenv("SIGAP_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield db
    st.cache_resource.clear()
