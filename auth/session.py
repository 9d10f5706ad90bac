"""Session limits, as pure rules: idle 30 minutes, absolute 8 hours (SECURITY.md §6).

A session outlives a reload of the page through a stored session (:class:`StoredSession`): the
browser keeps a random token (:func:`new_secret`) in an HttpOnly cookie, the database only its
digest (:func:`digest`). :func:`stored_refusal` applies the same limits to a stored session and
adds what only the database knows: revoked at sign-out, account disabled or locked, password
changed since the sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["ABSOLUTE", "HANDOVER", "IDLE", "TOUCH_EVERY", "SessionTimes", "StoredSession", "digest", "expired_reason",
           "new_secret", "stored_refusal"]

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=8)
#: How long the one-time hand-over code may be exchanged for the cookie.
HANDOVER = timedelta(minutes=2)
#: How often a live session writes its last activity to the database (the idle limit's precision).
TOUCH_EVERY = timedelta(minutes=1)

REVOKED = "Sesi telah diakhiri. Silakan masuk lagi."
DISABLED = "Akun Anda dinonaktifkan."
PASSWORD_CHANGED = "Kata sandi akun ini telah diganti. Silakan masuk lagi."
LOCKED = "Akun Anda sedang terkunci. Silakan masuk lagi nanti."


@dataclass(frozen=True)
class SessionTimes:
    """When a session started and when it was last active (UTC, naive)."""

    started: datetime
    last_seen: datetime


@dataclass(frozen=True)
class StoredSession:
    """A stored session with the state of its account, as the database holds them (UTC, naive).

    ``password_now`` is the digest of the account's current password hash, None when the account
    is disabled or gone.
    """

    id: str
    username: str
    started: datetime
    expires: datetime
    last_seen: datetime
    revoked: datetime | None
    password_then: str
    password_now: str | None
    locked_until: datetime | None
    must_change_password: bool

    @property
    def times(self) -> SessionTimes:
        return SessionTimes(self.started, self.last_seen)


def expired_reason(times: SessionTimes, now: datetime, idle: timedelta = IDLE,
                   absolute: timedelta = ABSOLUTE) -> str | None:
    """Why the session has ended (Bahasa Indonesia), or None while it is still valid."""
    if now - times.started >= absolute:
        return f"Sesi berakhir setelah {int(absolute.total_seconds() // 3600)} jam. Silakan masuk lagi."
    if now - times.last_seen >= idle:
        return f"Sesi berakhir karena tidak aktif {int(idle.total_seconds() // 60)} menit. Silakan masuk lagi."
    return None


def stored_refusal(session: StoredSession, now: datetime, idle: timedelta = IDLE,
                   absolute: timedelta = ABSOLUTE) -> str | None:
    """Why a stored session may not be used (Bahasa Indonesia), or None when it may.

    Refused when revoked, when the account is disabled, must change its password or has a
    different password than at sign-in, while the account is locked, and after the idle or
    absolute limit (whichever of ``absolute`` and the stored expiry comes first).
    """
    if session.revoked is not None:
        return REVOKED
    if session.password_now is None:
        return DISABLED
    if session.must_change_password or not secrets.compare_digest(session.password_now, session.password_then):
        return PASSWORD_CHANGED
    if session.locked_until is not None and session.locked_until > now:
        return LOCKED
    if now >= session.expires:
        return expired_reason(SessionTimes(now - absolute, now), now, idle, absolute)
    return expired_reason(session.times, now, idle, absolute)


def new_secret() -> str:
    """A random, URL-safe secret of 256 bits (session token, hand-over code, session id)."""
    return secrets.token_urlsafe(32)


def digest(text: str) -> str:
    """SHA-256 of ``text`` as 64 hex digits (what the database keeps of a token or password hash)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
