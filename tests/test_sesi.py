"""Stored sessions (issue 17): the rules, the table, and what a new app session (a reload) makes of
the browser's cookie — resume, or the sign-in when the token is expired, idle, revoked, of a changed
password, of a disabled account, or made up."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from auth.session import ABSOLUTE, IDLE, LOCKED, PASSWORD_CHANGED, REVOKED, StoredSession, digest, new_secret, stored_refusal
from services.accounts import change_password, create_user
from store import connect, sessions
from store.db import transaction
from tests.apptest import PageTest, served
from tests.conftest import ROOT, make_demo_db

NOW = datetime(2026, 12, 2, 9, 0)
PASSWORD = "UjiSesi2026"
VALID = StoredSession("s1", "ana", NOW - timedelta(hours=1), NOW + timedelta(hours=7), NOW - timedelta(minutes=5),
                      None, "a" * 64, "a" * 64, None, False)


@pytest.mark.parametrize(("change", "reason"), [
    ({}, None),
    ({"revoked": NOW - timedelta(minutes=1)}, REVOKED),
    ({"password_now": None}, "Akun Anda dinonaktifkan."),
    ({"password_now": "b" * 64}, PASSWORD_CHANGED),
    ({"must_change_password": True}, PASSWORD_CHANGED),
    ({"locked_until": NOW + timedelta(minutes=10)}, LOCKED),
    ({"locked_until": NOW - timedelta(minutes=1)}, None),
    ({"expires": NOW}, "Sesi berakhir setelah 8 jam. Silakan masuk lagi."),
    ({"started": NOW - ABSOLUTE}, "Sesi berakhir setelah 8 jam. Silakan masuk lagi."),
    ({"last_seen": NOW - IDLE}, "Sesi berakhir karena tidak aktif 30 menit. Silakan masuk lagi."),
    ({"last_seen": NOW - IDLE + timedelta(seconds=1)}, None),
])
def test_stored_session_rules(change, reason):
    assert stored_refusal(replace(VALID, **change), NOW) == reason


def test_secrets_are_random_and_only_digests_are_kept():
    a, b = new_secret(), new_secret()
    assert a != b and len(a) >= 43
    assert digest(a) != a and len(digest(a)) == 64


# --- the table -----------------------------------------------------------------------------------

def _open(con, username, *, now=NOW, code="kode-serah", password_hash=None) -> str:
    session_id = new_secret()[:32]
    password_hash = password_hash or con.execute("SELECT password_hash FROM users WHERE username = ?",
                                                 [username]).fetchone()[0]
    with transaction(con):
        sessions.open_session(con, session_id, username, digest(code), now + timedelta(minutes=2),
                              digest(password_hash), now, now + ABSOLUTE)
    return session_id


def test_a_hand_over_code_is_claimed_once_and_only_in_time(con):
    create_user(con, "ana", "analis", None, "Terbatas", password=PASSWORD)
    con.execute("UPDATE users SET must_change_password = false")
    session_id = _open(con, "ana")
    with transaction(con):
        assert sessions.claim(con, digest("salah"), digest("t0"), NOW) is None
        assert sessions.claim(con, digest("kode-serah"), digest("t1"), NOW + timedelta(minutes=3)) is None  # lapsed
        assert sessions.claim(con, digest("kode-serah"), digest("t1"), NOW) == NOW + ABSOLUTE
        assert sessions.claim(con, digest("kode-serah"), digest("t2"), NOW) is None  # once
    stored = sessions.by_token(con, digest("t1"))
    assert stored.id == session_id and stored.username == "ana" and stored.revoked is None
    assert stored_refusal(stored, NOW + timedelta(minutes=1)) is None
    assert sessions.by_token(con, digest("t2")) is None
    # no token, code or password hash is stored in clear
    row = con.execute("SELECT * FROM sesi").fetchone()
    assert not {"t1", "kode-serah"} & {str(v) for v in row}
    with transaction(con):
        sessions.revoke_token(con, digest("t1"), NOW, "keluar")
    assert stored_refusal(sessions.by_token(con, digest("t1")), NOW) == REVOKED


def test_revoking_a_user_ends_all_their_sessions(con):
    create_user(con, "ana", "analis", None, "Terbatas", password=PASSWORD)
    for code in ("k1", "k2"):
        _open(con, "ana", code=code)
    with transaction(con):
        assert sessions.revoke_user(con, "ana", NOW, "kata sandi diganti") == 2
        assert sessions.revoke_user(con, "ana", NOW, "lagi") == 0


# --- a reload under AppTest ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def sesi_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("sesi_app"), regions_db, n=100, seed=4)
    con = connect(path)
    for name in ("ana", "budi", "cici"):
        create_user(con, name, "analis", None, "Terbatas", password=PASSWORD)
    con.execute("UPDATE users SET must_change_password = false")
    con.close()
    return path


def _token(db, username, *, started, last_seen=None, revoked=False) -> str:
    """A stored session of ``username`` claimed with a fresh token; the token."""
    con = connect(db)
    try:
        token, code = new_secret(), new_secret()
        _open(con, username, now=started, code=code)
        with transaction(con):
            sessions.claim(con, digest(code), digest(token), started)
            con.execute("UPDATE sesi SET terakhir_aktif = ? WHERE token_hash = ?",
                        [last_seen or started, digest(token)])
            if revoked:
                sessions.revoke_token(con, digest(token), started, "keluar")
        return token
    finally:
        con.close()


def _reload(monkeypatch, token):
    """A new app session (what F5 gives) whose browser sends ``token`` in the cookie."""
    monkeypatch.setattr("pages.components.auth_gate.cookie_token", lambda: token)
    return PageTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def _signed_in(at) -> bool:
    return any(t.value == "Peta Potensi Konflik" for t in at.title)


def _at_sign_in(at) -> bool:
    return [t.value for t in at.title] == ["SIGAP — Masuk"] and not at.metric


def test_a_valid_token_resumes_with_the_original_start(sesi_db, monkeypatch):
    with served(sesi_db, monkeypatch):
        started = _now() - timedelta(hours=2)
        at = _reload(monkeypatch, _token(sesi_db, "ana", started=started, last_seen=_now() - timedelta(minutes=3)))
        assert not at.exception
        assert _signed_in(at)
        assert at.session_state["pengguna"].username == "ana"
        assert at.session_state["waktu_sesi"].started == started  # the absolute limit still counts from the sign-in


@pytest.mark.parametrize(("kind", "notice"), [
    ("expired", "Sesi berakhir setelah 8 jam"),
    ("idle", "tidak aktif 30 menit"),
    ("revoked", None),
    ("made_up", None),
])
def test_an_ended_or_unknown_token_gives_the_sign_in(sesi_db, monkeypatch, kind, notice):
    with served(sesi_db, monkeypatch):
        now = _now()
        token = {
            "expired": lambda: _token(sesi_db, "budi", started=now - ABSOLUTE - timedelta(minutes=1),
                                      last_seen=now - timedelta(minutes=1)),
            "idle": lambda: _token(sesi_db, "budi", started=now - timedelta(hours=1), last_seen=now - IDLE),
            "revoked": lambda: _token(sesi_db, "budi", started=now - timedelta(minutes=10), revoked=True),
            "made_up": lambda: new_secret(),
        }[kind]()
        at = _reload(monkeypatch, token)
        assert not at.exception
        assert _at_sign_in(at)
        assert "pengguna" not in at.session_state
        infos = [i.value for i in at.info]
        assert (notice is None and not infos) or any(notice in i for i in infos)
        if kind in ("expired", "idle"):  # ended for good: the same token fails again, now as revoked
            assert _at_sign_in(_reload(monkeypatch, token))


def test_a_password_change_ends_the_stored_sessions(sesi_db, monkeypatch):
    with served(sesi_db, monkeypatch):
        token = _token(sesi_db, "cici", started=_now() - timedelta(minutes=5))
        con = connect(sesi_db)
        try:
            change_password(con, "cici", PASSWORD, "UjiSesiBaru2026")
        finally:
            con.close()
        at = _reload(monkeypatch, token)
        assert _at_sign_in(at)
        assert any("Kata sandi akun ini telah diganti" in i.value for i in at.info)
