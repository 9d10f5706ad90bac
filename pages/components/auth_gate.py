"""Sign-in gate and routing: nobody reaches a page, or a scope, without a signed-in user.

``app.py`` asks :func:`signed_in_user` on every run. With nobody signed in it builds a navigation
holding only the sign-in page; otherwise it runs the chosen page inside :func:`routing`.

Streamlit runs every ``pages/*.py`` beside the main script as a page of its own until the first
``st.navigation`` call of the process (SECURITY.md §10). The page scripts therefore live in
``pages/screens/``, which Streamlit never scans, so any page URL runs ``app.py`` first. As a second
wall, pages get their user from :func:`page_user`, which draws the sign-in and stops when a page
script runs outside ``app.py``'s navigation.

A sign-in survives a reload through a stored session (table ``sesi``) and an HttpOnly cookie
(:mod:`pages.components.session_cookie`): a new app session without a user looks the cookie's
token up and resumes the stored session with its original start, under the same limits (idle,
absolute), and not when it was revoked at sign-out, the account was disabled or locked, or the
password changed since. A live session writes its activity every minute and ends as soon as its
stored session was revoked elsewhere (a sign-out in another tab).
"""

from __future__ import annotations

import logging
import secrets
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import streamlit as st

from auth.identity import User
from auth.session import (
    ABSOLUTE,
    HANDOVER,
    LOCKED,
    REVOKED,
    TOUCH_EVERY,
    SessionTimes,
    StoredSession,
    digest,
    expired_reason,
    new_secret,
    stored_refusal,
)
from pages.components import state
from pages.components.context import cursor
from pages.components.i18n import t
from pages.components.session_cookie import cookie_token, forget_cookie, hand_over
from services.accounts import AuthError, authenticate, change_password, get_user, sign_in_sso
from store import sessions
from store.audit import AuditEvent, record
from store.db import transaction
from store.incidents import Scope
from store.users import active_password_hash

__all__ = ["CRASH_MESSAGE", "current_scope", "hand_over_cookie", "page_user", "routing", "show_crash", "sign_in_page",
           "sign_out", "sign_out_button", "signed_in_user", "sso_configured"]

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
    st.error(t(CRASH_MESSAGE).format(page=page, code=code) + " "
             + t("Data Anda tidak berubah; sampaikan kode ini kepada admin SIGAP."), icon="⚠️")


def page_user() -> User:
    """The signed-in user of a page routed by ``app.py``; otherwise draw the sign-in and stop.

    Every page calls this (directly or through ``current_scope``) before it reads anything, so a
    page script run outside the navigation shows no data.
    """
    user = st.session_state.get(state.USER) if getattr(_ROUTED, "active", False) else None
    if user is None:
        st.navigation([st.Page(sign_in_page, title=t("Masuk"), url_path="masuk", default=True)],
                      position="hidden")
        sign_in_page()
        st.stop()
    return user


def current_scope() -> Scope:
    """The signed-in user's scope, from the server-side session — never from a widget, never a
    default: without a user the page stops at the sign-in."""
    return page_user().scope


def signed_in_user() -> User | None:
    """The user of this session after the session rules (idle, absolute, disabled, revoked), or None.

    A new app session (a reload) without a user resumes the stored session of the browser's
    cookie when :func:`auth.session.stored_refusal` allows it.
    """
    user = st.session_state.get(state.USER)
    if user is None:
        user = _resume()
    if user is None and sso_configured() and st.user.get("is_logged_in"):
        user = _sso_user()
    if user is None:
        return None
    now = _now()
    times = st.session_state.get(SESSION_TIMES)
    reason = "Sesi tidak sah. Silakan masuk lagi." if times is None else expired_reason(times, now)
    if reason is None and get_user(cursor(), user.username) is None:
        reason = "Akun Anda dinonaktifkan."
    if reason is None:
        reason = _touch(times, now)
    if reason is not None:
        sign_out(reason)
        return None
    st.session_state[SESSION_TIMES] = SessionTimes(times.started, now)
    return user


def _resume() -> User | None:
    """The user of the browser's stored session, restored into this app session; None (with a
    notice when the session was known but has ended) otherwise."""
    token = cookie_token()
    if token is None:
        return None
    con = cursor()
    stored = sessions.by_token(con, digest(token))
    if stored is None:  # unknown or forged: nothing to say
        return None
    now = _now()
    reason = stored_refusal(stored, now)
    user = None if reason else get_user(con, stored.username)
    if user is None or user.must_change_password:
        if stored.revoked is None:
            st.session_state[NOTICE] = reason or REVOKED
            if reason != LOCKED:  # a lock passes; the session may resume after it
                with transaction(con):
                    sessions.revoke(con, stored.id, now, reason or REVOKED)
        st.session_state[state.FORGET_COOKIE] = True
        return None
    with transaction(con):
        sessions.touch(con, stored.id, now)
        record(con, AuditEvent(actor=user.username, action="login", role=user.role, region=user.region,
                               detail={"cara": "sesi_tersimpan"}))
    st.session_state[state.USER] = user
    st.session_state[SESSION_TIMES] = SessionTimes(stored.started, stored.last_seen)
    st.session_state[state.SESSION_ID] = stored.id
    st.session_state[state.LAST_TOUCH] = now
    return user


def _touch(times: SessionTimes, now: datetime) -> str | None:
    """Write this session's activity to its stored session (at most every minute); why it must end
    when the stored session was revoked or its account changed meanwhile."""
    session_id = st.session_state.get(state.SESSION_ID)
    last = st.session_state.get(state.LAST_TOUCH)
    if session_id is None or (last is not None and now - last < TOUCH_EVERY):
        return None
    con = cursor()
    stored = sessions.by_id(con, session_id)
    if stored is None:
        return REVOKED
    # the live session's own clock counts; a lock-out does not end a session that is already open
    reason = stored_refusal(_live(stored, times), now)
    if reason is None:
        with transaction(con):
            sessions.touch(con, session_id, now)
        st.session_state[state.LAST_TOUCH] = now
    return reason


def _live(stored: StoredSession, times: SessionTimes) -> StoredSession:
    return replace(stored, last_seen=max(stored.last_seen, times.last_seen), locked_until=None)


def hand_over_cookie() -> None:
    """Once after a sign-in: have the browser fetch its session cookie (see ``session_cookie``)."""
    code = st.session_state.pop(state.HANDOVER, None)
    if code:
        hand_over(code)


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
    if not user.must_change_password:
        _store_session(user, now)


def _store_session(user: User, now: datetime) -> None:
    """A stored session for a full sign-in, and the one-time code that lets the browser claim it."""
    con = cursor()
    password_hash = active_password_hash(con, user.username)
    if password_hash is None:
        return
    session_id, code = secrets.token_hex(16), new_secret()
    with transaction(con):
        sessions.open_session(con, session_id, user.username, digest(code), now + HANDOVER, digest(password_hash),
                              now, now + ABSOLUTE)
    st.session_state[state.SESSION_ID] = session_id
    st.session_state[state.HANDOVER] = code
    st.session_state[state.LAST_TOUCH] = now


def sign_out(message: str | None = None) -> None:
    """End the session (audited) and show ``message`` on the sign-in form."""
    user = st.session_state.get(state.USER)
    session_id = st.session_state.get(state.SESSION_ID)
    if user is not None:
        con = cursor()
        with transaction(con):
            if session_id is not None:
                sessions.revoke(con, session_id, _now(), message or "keluar")
            record(con, AuditEvent(actor=user.username, action="logout", role=user.role, region=user.region,
                                   detail={"alasan": message} if message else None))
    # the next user of this browser starts clean: no identity, no filters or selection of the last one
    for key in (state.USER, SESSION_TIMES, state.FILTERS, state.SELECTED_KAB, state.FOCUS_KEC, state.SESSION_ID,
                state.HANDOVER, state.LAST_TOUCH):
        st.session_state.pop(key, None)
    st.session_state[state.FORGET_COOKIE] = True
    if message:
        st.session_state[NOTICE] = message
    if sso_configured() and st.user.get("is_logged_in"):
        st.logout()


def sign_out_button(user: User) -> None:
    """Who is signed in, and a sidebar button that signs them out."""
    st.sidebar.caption(t("Masuk sebagai **{username}** ({role}, {n})").format(
        username=user.username, role=user.role, n='nasional' if user.region is None else user.region))
    if st.sidebar.button(t("Keluar"), key="keluar"):
        sign_out("Anda telah keluar.")
        st.rerun()


def sign_in_page() -> None:
    """The sign-in form (a page of its own in the signed-out navigation); the password change
    form while the user still holds a one-time password."""
    user = st.session_state.get(state.USER)
    if user is not None and user.must_change_password:
        _change_password_form(user)
        return
    if st.session_state.pop(state.FORGET_COOKIE, False):
        forget_cookie()
    st.title(t("SIGAP — Masuk"))
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.info(t(notice))
    with st.form("masuk"):
        username = st.text_input(t("Nama pengguna"), key="masuk_nama")
        password = st.text_input(t("Kata sandi"), type="password", key="masuk_sandi")
        submitted = st.form_submit_button(t("Masuk"))
    if sso_configured() and st.button(t("Masuk dengan akun instansi (SSO)"), key="masuk_sso"):
        st.login()
    if submitted:
        try:
            user = authenticate(cursor(), username.strip(), password)
        except AuthError as exc:
            st.error(t(str(exc)))
            return
        _start_session(user)
        st.rerun()


def _change_password_form(user: User) -> None:
    st.title(t("Ganti kata sandi"))
    st.warning(t("Kata sandi sementara harus diganti sebelum memakai SIGAP."))
    with st.form("ganti_sandi"):
        old = st.text_input(t("Kata sandi sekarang"), type="password", key="sandi_lama")
        new = st.text_input(t("Kata sandi baru"), type="password", key="sandi_baru")
        again = st.text_input(t("Ulangi kata sandi baru"), type="password", key="sandi_ulang")
        submitted = st.form_submit_button(t("Simpan"))
    if submitted:
        if new != again:
            st.error(t("Kata sandi baru dan ulangannya tidak sama."))
            return
        try:
            change_password(cursor(), user.username, old, new)
        except AuthError as exc:
            st.error(t(str(exc)))
            return
        con = cursor()
        with transaction(con):  # sessions signed in with the old password end everywhere
            sessions.revoke_user(con, user.username, _now(), "kata sandi diganti")
        _start_session(get_user(con, user.username))
        st.rerun()
