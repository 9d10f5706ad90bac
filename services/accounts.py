"""Accounts: create, authenticate with lock-out, change password, disable, unlock.

The application layer over :mod:`store.users`: who may change whom (an admin of a region only
the users inside it), the password policy, and one audit row in the same transaction as every
change.
"""

from __future__ import annotations

import functools
import random
import secrets
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from auth.identity import CLEARANCE_LEVELS, Scope, User
from auth.passwords import check_policy, hash_password, one_time_password, verify_password
from auth.roles import PERMISSIONS, PermissionDenied, in_scope, in_scope_mask, require, scope_label
from store import users as accounts
from store.audit import AuditEvent, record
from store.db import transaction
from store.regions import UnknownRegion, require_region

__all__ = ["LOCKOUT", "MAX_FAILURES", "REFUSED", "AuthError", "authenticate", "change_password",
           "create_user", "get_user", "list_users", "set_active", "sign_in_sso", "unlock"]

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
#: The one answer to a refused sign-in, whether the user is unknown, the password wrong or the
#: account locked: the message must not tell an attacker which.
REFUSED = (f"Nama pengguna atau kata sandi salah, atau akun sedang terkunci ({MAX_FAILURES} kali salah "
           f"mengunci akun selama {int(LOCKOUT.total_seconds() // 60)} menit).")


class AuthError(Exception):
    """Sign-in or user management failed; the message is safe to show (Bahasa Indonesia)."""



def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _tx(con, work):
    with transaction(con):
        return work()


def _validate(role: str, region: str | None, clearance: str) -> None:
    if role not in PERMISSIONS:
        raise AuthError(f"peran tidak dikenal: {role!r} (pilihan: {', '.join(PERMISSIONS)})")
    Scope(region=region, clearance=clearance)  # raises ValueError with the allowed forms
    if clearance not in CLEARANCE_LEVELS:
        raise AuthError(f"tingkat izin tidak dikenal: {clearance!r}")


def _actor(actor) -> tuple[str, str | None, str | None]:
    """Name, role and region of whoever manages users: a signed-in ``User`` (an admin, checked
    here) or the name of a system actor on the server's command line (national)."""
    if isinstance(actor, str):
        return actor, None, None
    require(actor, "kelola_pengguna")
    return actor.username, actor.role, actor.region


def _require_manages(con, actor, username: str) -> None:
    """An admin of a region manages only users of that region (a national admin: everyone)."""
    if isinstance(actor, str):
        return
    exists, region = accounts.region_of(con, username)
    if not exists:
        raise AuthError(f"pengguna {username} tidak ada")
    if not in_scope(actor.region, region):
        raise PermissionDenied(f"Pengguna {username} di luar cakupan Anda ({scope_label(actor.region)}).")


def _require_known_region(con: duckdb.DuckDBPyConnection, region: str | None) -> None:
    """A user's region must be a province or kabupaten/kota of the installed Kemendagri list."""
    if region is not None:
        try:
            require_region(con, region)
        except UnknownRegion as exc:
            raise AuthError(str(exc)) from exc


def create_user(con: duckdb.DuckDBPyConnection, username: str, role: str, region: str | None = None,
                clearance: str = "Terbatas", *, actor: str = "sistem", password: str | None = None,
                email: str | None = None) -> str:
    """Create a user and return the one-time password they must change at first sign-in.

    Raises
    ------
    AuthError
        Unknown role, malformed region or clearance, or an existing username.
    """
    username = username.strip()
    if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise AuthError("nama pengguna hanya boleh huruf, angka, titik, garis bawah dan tanda minus")
    _validate(role, region, clearance)
    _require_known_region(con, region)
    name, actor_role, actor_region = _actor(actor)
    if not isinstance(actor, str) and not in_scope(actor_region, region):
        raise PermissionDenied(f"Wilayah {scope_label(region)} di luar cakupan Anda ({scope_label(actor_region)}).")
    secret = password or one_time_password()
    if accounts.user_exists(con, username):
        raise AuthError(f"pengguna {username} sudah ada")

    def work():
        accounts.insert_user(con, username, hash_password(secret), role, region, clearance,
                             email.strip().lower() if email else None)
        record(con, AuditEvent(actor=name, role=actor_role, region=actor_region, action="pengguna_dibuat",
                               object=username, detail={"peran": role, "wilayah": region, "izin": clearance}))
    _tx(con, work)
    return secret


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    """The active user ``username`` (None if unknown or disabled)."""
    return accounts.user(con, username)


def sign_in_sso(con: duckdb.DuckDBPyConnection, email: str | None, now: datetime | None = None) -> User:
    """Match an identity provider's verified e-mail to an active SIGAP user (role and scope stay
    SIGAP's), recording the sign-in; unknown e-mails are refused and recorded too."""
    now = now or _now()
    username = accounts.username_for_email(con, (email or "").strip().lower())
    if username is None:
        _tx(con, lambda: record(con, AuditEvent(actor=(email or "?")[:64], action="login_gagal", outcome="ditolak",
                                                detail={"cara": "sso", "alasan": "e-mail tidak terdaftar"})))
        raise AuthError("Akun SSO ini belum terdaftar di SIGAP. Minta admin menambahkan e-mail Anda.")

    def ok():
        accounts.touch_login(con, username, now)
        user = get_user(con, username)
        user = User(user.username, user.role, user.region, user.clearance, False)  # the IdP owns the password
        record(con, AuditEvent(actor=username, action="login", role=user.role, region=user.region,
                               detail={"cara": "sso"}))
        return user
    return _tx(con, ok)


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str, now: datetime | None = None) -> User:
    """Check a password; count failures and lock the account after :data:`MAX_FAILURES`.

    Every answer takes one argon2 verification (against a fixed dummy hash for unknown or
    disabled users), so timing does not reveal which usernames exist. The failure count and the
    lock move in one conditional ``UPDATE``, so parallel attempts cannot lose a failure; every
    refused attempt is audited in a transaction of its own. While locked, even the right
    password is refused.

    Raises
    ------
    AuthError
        With the same message (:data:`REFUSED`) for an unknown or disabled user, a wrong password
        and a locked account.
    """
    now = now or _now()
    found = accounts.credentials(con, username)
    known = found is not None and found[1]
    matches = verify_password(found[0] if known else _dummy_hash(), password)
    if not known:
        _audit_refusal(con, username[:64], "gagal", {"alasan": "pengguna tidak dikenal atau nonaktif"})
        raise AuthError(REFUSED)
    if matches:
        user = _retry(lambda: _tx(con, lambda: _sign_in_unlocked(con, username, now)))
        if user is not None:
            return user
        _audit_refusal(con, username, "ditolak", {"alasan": "akun terkunci atau nonaktif"})
        raise AuthError(REFUSED)
    try:
        _retry(lambda: _tx(con, lambda: _count_failure(con, username, now)))
    except duckdb.TransactionException:  # retries spent: the attempt is still audited
        _audit_refusal(con, username, "gagal", {"alasan": "kata sandi salah; penghitung tidak tercatat"})
    raise AuthError(REFUSED)


_RETRIES = 8
_BACKOFF = 0.005  # seconds, doubled per retry, with jitter


@functools.cache
def _dummy_hash() -> str:
    """An argon2 hash of a random secret, made once: unknown users cost one verification too."""
    return hash_password(secrets.token_urlsafe(24))


def _is_conflict(exc: Exception) -> bool:
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


def _retry(work, attempts: int = _RETRIES):
    """Run ``work()``; on DuckDB's "Conflict on update" wait briefly and run it again."""
    for attempt in range(attempts):
        try:
            return work()
        except duckdb.TransactionException as exc:
            if not _is_conflict(exc) or attempt == attempts - 1:
                raise
            time.sleep(_BACKOFF * (2 ** attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def _sign_in_unlocked(con: duckdb.DuckDBPyConnection, username: str, now: datetime) -> User | None:
    """Clear the failures and record the sign-in unless the account is locked (None then)."""
    user = accounts.sign_in(con, username, now)
    if user is not None:
        record(con, AuditEvent(actor=username, action="login", role=user.role, region=user.region))
    return user


def _count_failure(con: duckdb.DuckDBPyConnection, username: str, now: datetime) -> None:
    """Count one wrong password and lock at :data:`MAX_FAILURES`, in one conditional update;
    audit it (a locked account only gets the audit row)."""
    counted = accounts.count_failure(con, username, now, MAX_FAILURES, now + LOCKOUT)
    if counted is None:
        record(con, AuditEvent(actor=username, action="login_gagal", outcome="ditolak",
                               detail={"alasan": "akun terkunci"}))
        return
    failures, locked_until = counted
    record(con, AuditEvent(actor=username, action="login_gagal", outcome="gagal",
                           detail={"percobaan": MAX_FAILURES if locked_until else failures}))
    if locked_until:
        record(con, AuditEvent(actor=username, action="akun_terkunci", outcome="ditolak",
                               detail={"sampai": locked_until.isoformat()}))


def _audit_refusal(con: duckdb.DuckDBPyConnection, actor: str, outcome: str, detail: dict) -> None:
    """One ``login_gagal`` row in a transaction of its own, retried on conflict."""
    _retry(lambda: _tx(con, lambda: record(con, AuditEvent(actor=actor, action="login_gagal", outcome=outcome,
                                                           detail=detail))))


def change_password(con: duckdb.DuckDBPyConnection, username: str, old: str, new: str) -> None:
    """Change a password after checking the old one and the policy (clears the must-change flag)."""
    stored = accounts.active_password_hash(con, username)
    if stored is None or not verify_password(stored, old):
        raise AuthError("Kata sandi lama salah.")
    if old == new:
        raise AuthError("Kata sandi baru harus berbeda dari yang lama.")
    try:
        check_policy(new, username)
    except ValueError as exc:
        raise AuthError(str(exc)) from exc

    def work():
        accounts.set_password(con, username, hash_password(new))
        record(con, AuditEvent(actor=username, action="ganti_sandi", object=username))
    _tx(con, work)


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool, actor) -> None:
    """Disable or re-enable a user (``actor``: an admin ``User`` whose region holds the user, or a
    system actor's name)."""
    name, actor_role, actor_region = _actor(actor)
    _require_manages(con, actor, username)

    def work():
        if not accounts.set_active(con, username, active):
            raise AuthError(f"pengguna {username} tidak ada")
        record(con, AuditEvent(actor=name, role=actor_role, region=actor_region,
                               action="pengguna_diaktifkan" if active else "pengguna_dinonaktifkan", object=username))
    _tx(con, work)


def unlock(con: duckdb.DuckDBPyConnection, username: str, actor) -> None:
    """Clear a lock-out (``actor`` as for :func:`set_active`)."""
    name, actor_role, actor_region = _actor(actor)
    _require_manages(con, actor, username)

    def work():
        if not accounts.clear_failures(con, username):
            raise AuthError(f"pengguna {username} tidak ada")
        record(con, AuditEvent(actor=name, role=actor_role, region=actor_region, action="kunci_dibuka",
                               object=username))
    _tx(con, work)


def list_users(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """Users without secrets; with ``region``, only the users inside it."""
    frame = accounts.list_users(con)
    return frame.loc[in_scope_mask(region, frame["region"])].reset_index(drop=True)
