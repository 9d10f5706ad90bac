"""Sign-in gate and routing: nobody reaches a page, or a scope, without a signed-in user.

``app.py`` asks :func:`signed_in_user` on every run. With nobody signed in it builds a navigation
holding only the sign-in page; otherwise it runs the chosen page inside :func:`routing`.

Streamlit runs every ``pages/*.py`` beside the main script as a page of its own until the first
``st.navigation`` call of the process (SECURITY.md §10). The page scripts therefore live in
``pages/screens/``, which Streamlit never scans, so any page URL runs ``app.py`` first. As a second
wall, pages get their user from :func:`page_user`, which draws the sign-in and stops when a page
script runs outside ``app.py``'s navigation.
"""

from __future__ import annotations

import logging
import secrets
import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import streamlit as st

from auth.identity import User
from auth.session import SessionTimes, expired_reason
from pages.components import state
from pages.components.context import cursor
from services.accounts import AuthError, authenticate, change_password, get_user, sign_in_sso
from store.audit import AuditEvent, record
from store.db import transaction
from store.incidents import Scope

__all__ = ["CRASH_MESSAGE", "current_scope", "page_user", "routing", "show_crash", "sign_in_page", "sign_out",
           "sign_out_button", "signed_in_user", "sso_configured"]

SESSION_TIMES = "waktu_sesi"
#: What a user reads when a page fails: no details, an id that the server log holds with the traceback.
CRASH_MESSAGE = "Terjadi kesalahan pada halaman {page} (kode {code})."
_LOG = logging.getLogger("sigap")
NOTICE = "pesan_masuk"
_ROUTED = threading.local()  # set only while app.py runs the chosen page (one script run per thread)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def routing():
    """``with routing(): page.run()`` — marks this script run as routed by ``app.py``."""
    _ROUTED.active = True
    try:
        yield
    finally:
        _ROUTED.active = False


def show_crash(page: str) -> None:
    """Log the exception being handled with a short id and show the user only that id."""
    code = secrets.token_hex(4)
    _LOG.exception("halaman %s gagal, kode %s", page, code)
    st.error(CRASH_MESSAGE.format(page=page, code=code) + " Data Anda tidak berubah; sampaikan kode ini "
             "kepada admin SIGAP.", icon="⚠️")


def page_user() -> User:
    """The signed-in user of a page routed by ``app.py``; otherwise draw the sign-in and stop.

    Every page calls this (directly or through ``current_scope``) before it reads anything, so a
    page script run outside the navigation shows no data.
    """
    user = st.session_state.get(state.USER) if getattr(_ROUTED, "active", False) else None
    if user is None:
        st.navigation([st.Page(sign_in_page, title="Masuk", url_path="masuk", default=True)],
                      position="hidden")
        sign_in_page()
        st.stop()
    return user


def current_scope() -> Scope:
    """The signed-in user's scope, from the server-side session — never from a widget, never a
    default: without a user the page stops at the sign-in."""
    return page_user().scope


def signed_in_user() -> User | None:
    """The user of this session after the session rules (idle, absolute, disabled), or None."""
    user = st.session_state.get(state.USER)
    if user is None and sso_configured() and st.user.get("is_logged_in"):
        user = _sso_user()
    if user is None:
        return None
    times = st.session_state.get(SESSION_TIMES)
    reason = "Sesi tidak sah. Silakan masuk lagi." if times is None else expired_reason(times, _now())
    if reason is None and get_user(cursor(), user.username) is None:
        reason = "Akun Anda dinonaktifkan."
    if reason is not None:
        sign_out(reason)
        return None
    st.session_state[SESSION_TIMES] = SessionTimes(times.started, _now())
    return user


def sso_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` (or the environment) holds an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_user() -> User | None:
    try:
        user = sign_in_sso(cursor(), st.user.get("email"))
    except AuthError as exc:
        st.session_state[NOTICE] = str(exc)
        return None
    _start_session(user)
    return user


def _start_session(user: User) -> None:
    now = _now()
    st.session_state[state.USER] = user
    st.session_state[SESSION_TIMES] = SessionTimes(now, now)


def sign_out(message: str | None = None) -> None:
    """End the session (audited) and show ``message`` on the sign-in form."""
    user = st.session_state.get(state.USER)
    if user is not None:
        con = cursor()
        with transaction(con):
            record(con, AuditEvent(actor=user.username, action="logout", role=user.role, region=user.region,
                                   detail={"alasan": message} if message else None))
    # the next user of this browser starts clean: no identity, no filters or selection of the last one
    for key in (state.USER, SESSION_TIMES, state.FILTERS, state.SELECTED_KAB, state.FOCUS_KEC):
        st.session_state.pop(key, None)
    if message:
        st.session_state[NOTICE] = message
    if sso_configured() and st.user.get("is_logged_in"):
        st.logout()


def sign_out_button(user: User) -> None:
    """Who is signed in, and a sidebar button that signs them out."""
    st.sidebar.caption(f"Masuk sebagai **{user.username}** ({user.role}, "
                       f"{'nasional' if user.region is None else user.region})")
    if st.sidebar.button("Keluar", key="keluar"):
        sign_out("Anda telah keluar.")
        st.rerun()


def sign_in_page() -> None:
    """The sign-in form (a page of its own in the signed-out navigation); the password change
    form while the user still holds a one-time password."""
    user = st.session_state.get(state.USER)
    if user is not None and user.must_change_password:
        _change_password_form(user)
        return
    st.title("SIGAP — Masuk")
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.info(notice)
    with st.form("masuk"):
        username = st.text_input("Nama pengguna", key="masuk_nama")
        password = st.text_input("Kata sandi", type="password", key="masuk_sandi")
        submitted = st.form_submit_button("Masuk")
    if sso_configured() and st.button("Masuk dengan akun instansi (SSO)", key="masuk_sso"):
        st.login()
    if submitted:
        try:
            user = authenticate(cursor(), username.strip(), password)
        except AuthError as exc:
            st.error(str(exc))
            return
        _start_session(user)
        st.rerun()


def _change_password_form(user: User) -> None:
    st.title("Ganti kata sandi")
    st.warning("Kata sandi sementara harus diganti sebelum memakai SIGAP.")
    with st.form("ganti_sandi"):
        old = st.text_input("Kata sandi sekarang", type="password", key="sandi_lama")
        new = st.text_input("Kata sandi baru", type="password", key="sandi_baru")
        again = st.text_input("Ulangi kata sandi baru", type="password", key="sandi_ulang")
        submitted = st.form_submit_button("Simpan")
    if submitted:
        if new != again:
            st.error("Kata sandi baru dan ulangannya tidak sama.")
            return
        try:
            change_password(cursor(), user.username, old, new)
        except AuthError as exc:
            st.error(str(exc))
            return
        st.session_state[state.USER] = get_user(cursor(), user.username)
        st.rerun()
