"""The session cookie: an HttpOnly, SameSite=Strict cookie that lets a sign-in survive a reload.

Streamlit can read cookies (``st.context.cookies``) but not set them, and a cookie set by
JavaScript can be read by JavaScript. So the cookie comes from two small endpoints of our own,
served beside the app by ``serve.py`` (``st.App`` with :data:`ROUTES`):

``POST /api/sesi``
    body: the one-time hand-over code the signed-in app session gave its browser (through a
    script in the page). The code is exchanged once, within :data:`auth.session.HANDOVER`, for a
    fresh random token; the response sets it as the cookie. The token never passes through the
    page; the database keeps only its digest.
``POST /api/sesi/keluar``
    revokes the token of the cookie sent with it and deletes the cookie.

Both answer only same-origin requests (``Origin`` must name the host the request went to).
Started as ``streamlit run app.py`` (without ``serve.py``) the endpoints are missing: the hand-over
fails quietly and a reload asks for the password again, as before.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.session import digest, new_secret
from pages.components.context import cursor
from store import sessions
from store.db import transaction

__all__ = ["COOKIE", "ROUTES", "cookie_token", "forget_cookie", "hand_over"]

COOKIE = "sigap_sesi"
CLAIM_PATH = "/api/sesi"
SIGN_OUT_PATH = "/api/sesi/keluar"
_MAX_BODY = 200  # bytes: a hand-over code is 43
_LOG = logging.getLogger("sigap")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- in the app session --------------------------------------------------------------------------

def cookie_token() -> str | None:
    """The session token the browser sent when this app session connected, if any."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and 0 < len(value) <= _MAX_BODY else None


def _url(path: str) -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return ("/" + base if base else "") + path


def _post(path: str, body: str = "") -> None:
    # a script without visible output; the code is URL-safe base64 and passed as a JSON string
    st.html(f"<script>fetch({json.dumps(_url(path))}, {{method: 'POST', credentials: 'same-origin', "
            f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(body)}}});</script>",
            unsafe_allow_javascript=True)


def hand_over(code: str) -> None:
    """Have the browser exchange the one-time ``code`` for the session cookie."""
    _post(CLAIM_PATH, code)


def forget_cookie() -> None:
    """Have the browser revoke and delete its session cookie (after a sign-out)."""
    _post(SIGN_OUT_PATH)


# --- the endpoints -------------------------------------------------------------------------------

def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    return bool(origin and host) and urlsplit(origin).netloc == host


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _claim(code: str) -> tuple[str, datetime] | None:
    token = new_secret()
    now = _now()
    con = cursor()
    with transaction(con):
        expires = sessions.claim(con, digest(code), digest(token), now)
    return None if expires is None else (token, expires)


def _revoke(token: str) -> None:
    con = cursor()
    with transaction(con):
        sessions.revoke_token(con, digest(token), _now(), "keluar")


async def claim_cookie(request: Request) -> Response:
    """``POST /api/sesi``: a valid hand-over code in the body → 204 with the session cookie."""
    if not _same_origin(request):
        return Response(status_code=403)
    body = await request.body()
    if not 0 < len(body) <= _MAX_BODY:
        return Response(status_code=400)
    claimed = await run_in_threadpool(_claim, body.decode("ascii", "replace"))
    if claimed is None:
        return Response(status_code=403)
    token, expires = claimed
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(COOKIE, token, max_age=max(1, int((expires - _now()).total_seconds())), path="/",
                        secure=_secure(request), httponly=True, samesite="strict")
    return response


async def sign_out_cookie(request: Request) -> Response:
    """``POST /api/sesi/keluar``: revoke the cookie's token and delete the cookie."""
    if not _same_origin(request):
        return Response(status_code=403)
    token = request.cookies.get(COOKIE)
    if token and len(token) <= _MAX_BODY:
        await run_in_threadpool(_revoke, token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(COOKIE, path="/", secure=_secure(request), httponly=True, samesite="strict")
    return response


ROUTES = [Route(CLAIM_PATH, claim_cookie, methods=["POST"]),
          Route(SIGN_OUT_PATH, sign_out_cookie, methods=["POST"])]
