"""Sign-in gate: ``require_login()`` runs in app.py before any page or query."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import streamlit as st

from auth.session import SessionTimes, expired_reason
from auth.users import AuthError, User, authenticate, change_password, get_user, sign_in_sso
from pages.components import state
from pages.components.context import cursor
from store.audit import AuditEvent, record
from store.db import transaction

#: Only for automated tests of other pages (SIGAP_AUTH=off): a national analyst, never an admin.
TEST_USER = User(username="uji_otomatis", role="analis", region=None, clearance="Terbatas")
SESSION_TIMES = "waktu_sesi"
NOTICE = "pesan_masuk"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def require_login() -> User:
    """Return the signed-in user, or draw the sign-in form and stop the script."""
    if os.environ.get("SIGAP_AUTH") == "off":
        return st.session_state.setdefault(state.USER, TEST_USER)
    user = st.session_state.get(state.USER)
    if user is None and sso_configured() and st.user.get("is_logged_in"):
        user = _sso_user()
    if user is not None:
        reason = expired_reason(st.session_state[SESSION_TIMES], _now())
        if reason is None and get_user(cursor(), user.username) is None:
            reason = "Akun Anda dinonaktifkan."
        if reason is not None:
            sign_out(reason)
        else:
            st.session_state[SESSION_TIMES] = SessionTimes(st.session_state[SESSION_TIMES].started, _now())
            if user.must_change_password:
                _change_password_form(user)
                st.stop()
            return user
    _sign_in_form()
    st.stop()


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
    now = _now()
    st.session_state[state.USER] = user
    st.session_state[SESSION_TIMES] = SessionTimes(now, now)
    return user


def sign_out(message: str | None = None) -> None:
    """End the session (audited) and show ``message`` on the sign-in form."""
    user = st.session_state.get(state.USER)
    if user is not None:
        con = cursor()
        with transaction(con):
            record(con, AuditEvent(actor=user.username, action="logout", role=user.role, region=user.region,
                                   detail={"alasan": message} if message else None))
    for key in (state.USER, SESSION_TIMES):
        st.session_state.pop(key, None)
    if message:
        st.session_state[NOTICE] = message
    if sso_configured() and st.user.get("is_logged_in"):
        st.logout()


def sign_out_button() -> None:
    """A sidebar button that signs the user out."""
    user = st.session_state.get(state.USER)
    if user is None or os.environ.get("SIGAP_AUTH") == "off":
        return
    st.sidebar.caption(f"Masuk sebagai **{user.username}** ({user.role}, "
                       f"{'nasional' if user.region is None else user.region})")
    if st.sidebar.button("Keluar", key="keluar"):
        sign_out("Anda telah keluar.")
        st.rerun()


def _sign_in_form() -> None:
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
        now = _now()
        st.session_state[state.USER] = user
        st.session_state[SESSION_TIMES] = SessionTimes(now, now)
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
