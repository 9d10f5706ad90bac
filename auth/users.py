"""Users in DuckDB: create, authenticate with lock-out, change password, disable, unlock.

Every change is written together with its audit row, in one transaction.
"""

from __future__ import annotations

import functools
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd

from auth.passwords import check_policy, hash_password, one_time_password, verify_password
from auth.roles import PERMISSIONS, PermissionDenied, in_scope, in_scope_mask, require, scope_label
from store.audit import AuditEvent, record
from store.db import transaction
from store.incidents import CLEARANCE_LEVELS, Scope
from store.regions import UnknownRegion, require_region

__all__ = ["LOCKOUT", "MAX_FAILURES", "REFUSED", "AuthError", "User", "authenticate", "change_password",
           "create_user", "get_user", "list_users", "set_active", "sign_in_sso", "unlock"]

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
#: The one answer to a refused sign-in, whether the user is unknown, the password wrong or the
#: account locked: the message must not tell an attacker which.
REFUSED = (f"Nama pengguna atau kata sandi salah, atau akun sedang terkunci ({MAX_FAILURES} kali salah "
           f"mengunci akun selama {int(LOCKOUT.total_seconds() // 60)} menit).")


class AuthError(Exception):
    """Sign-in or user management failed; the message is safe to show (Bahasa Indonesia)."""


@dataclass(frozen=True)
class User:
    """A signed-in user as the app sees them (no secrets)."""

    username: str
    role: str
    region: str | None
    clearance: str
    must_change_password: bool = False

    @property
    def scope(self) -> Scope:
        """The region and clearance every incident query of this user applies."""
        return Scope(region=self.region, clearance=self.clearance)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


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
    row = con.execute("SELECT region FROM users WHERE username = ?", [username]).fetchall()
    if not row:
        raise AuthError(f"pengguna {username} tidak ada")
    if not in_scope(actor.region, row[0][0]):
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
    if con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()[0][0]:
        raise AuthError(f"pengguna {username} sudah ada")

    def work():
        con.execute(
            "INSERT INTO users (username, password_hash, role, region, clearance, must_change_password, email) "
            "VALUES (?, ?, ?, ?, ?, true, ?)",
            [username, hash_password(secret), role, region, clearance, email.strip().lower() if email else None])
        record(con, AuditEvent(actor=name, role=actor_role, region=actor_region, action="pengguna_dibuat",
                               object=username, detail={"peran": role, "wilayah": region, "izin": clearance}))
    _tx(con, work)
    return secret


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    """The active user ``username`` (None if unknown or disabled)."""
    row = con.execute("SELECT username, role, region, clearance, must_change_password FROM users "
                      "WHERE username = ? AND active", [username]).fetchall()
    return User(*row[0]) if row else None


def sign_in_sso(con: duckdb.DuckDBPyConnection, email: str | None, now: datetime | None = None) -> User:
    """Match an identity provider's verified e-mail to an active SIGAP user (role and scope stay
    SIGAP's), recording the sign-in; unknown e-mails are refused and recorded too."""
    now = now or _now()
    row = con.execute("SELECT username FROM users WHERE email = ? AND active", [(email or "").strip().lower()]).fetchall()
    if not row:
        _tx(con, lambda: record(con, AuditEvent(actor=(email or "?")[:64], action="login_gagal", outcome="ditolak",
                                                detail={"cara": "sso", "alasan": "e-mail tidak terdaftar"})))
        raise AuthError("Akun SSO ini belum terdaftar di SIGAP. Minta admin menambahkan e-mail Anda.")
    username = row[0][0]

    def ok():
        con.execute("UPDATE users SET last_login = ? WHERE username = ?", [now, username])
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
    row = con.execute("SELECT password_hash, active FROM users WHERE username = ?", [username]).fetchall()
    known = bool(row) and bool(row[0][1])
    matches = verify_password(row[0][0] if known else _dummy_hash(), password)
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
    row = con.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login = ? "
        "WHERE username = ? AND active AND (locked_until IS NULL OR locked_until <= ?) "
        "RETURNING username, role, region, clearance, must_change_password",
        [now, username, now]).fetchall()
    if not row:
        return None
    user = User(*row[0])
    record(con, AuditEvent(actor=username, action="login", role=user.role, region=user.region))
    return user


def _count_failure(con: duckdb.DuckDBPyConnection, username: str, now: datetime) -> None:
    """Count one wrong password and lock at :data:`MAX_FAILURES`, in one conditional update;
    audit it (a locked account only gets the audit row)."""
    lock = now + LOCKOUT
    row = con.execute(
        "UPDATE users SET "
        "failed_attempts = CASE WHEN failed_attempts + 1 >= ? THEN 0 ELSE failed_attempts + 1 END, "
        "locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? END "
        "WHERE username = ? AND (locked_until IS NULL OR locked_until <= ?) "
        "RETURNING failed_attempts, locked_until",
        [MAX_FAILURES, MAX_FAILURES, lock, username, now]).fetchall()
    if not row:
        record(con, AuditEvent(actor=username, action="login_gagal", outcome="ditolak",
                               detail={"alasan": "akun terkunci"}))
        return
    failures, locked_until = row[0]
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
    row = con.execute("SELECT password_hash FROM users WHERE username = ? AND active", [username]).fetchall()
    if not row or not verify_password(row[0][0], old):
        raise AuthError("Kata sandi lama salah.")
    if old == new:
        raise AuthError("Kata sandi baru harus berbeda dari yang lama.")
    try:
        check_policy(new, username)
    except ValueError as exc:
        raise AuthError(str(exc)) from exc

    def work():
        con.execute("UPDATE users SET password_hash = ?, must_change_password = false WHERE username = ?",
                    [hash_password(new), username])
        record(con, AuditEvent(actor=username, action="ganti_sandi", object=username))
    _tx(con, work)


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool, actor) -> None:
    """Disable or re-enable a user (``actor``: an admin ``User`` whose region holds the user, or a
    system actor's name)."""
    name, actor_role, actor_region = _actor(actor)
    _require_manages(con, actor, username)

    def work():
        changed = con.execute("UPDATE users SET active = ? WHERE username = ? RETURNING username",
                              [active, username]).fetchall()
        if not changed:
            raise AuthError(f"pengguna {username} tidak ada")
        record(con, AuditEvent(actor=name, role=actor_role, region=actor_region,
                               action="pengguna_diaktifkan" if active else "pengguna_dinonaktifkan", object=username))
    _tx(con, work)


def unlock(con: duckdb.DuckDBPyConnection, username: str, actor) -> None:
    """Clear a lock-out (``actor`` as for :func:`set_active`)."""
    name, actor_role, actor_region = _actor(actor)
    _require_manages(con, actor, username)

    def work():
        changed = con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ? "
                              "RETURNING username", [username]).fetchall()
        if not changed:
            raise AuthError(f"pengguna {username} tidak ada")
        record(con, AuditEvent(actor=name, role=actor_role, region=actor_region, action="kunci_dibuka",
                               object=username))
    _tx(con, work)


def list_users(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """Users without secrets; with ``region``, only the users inside it."""
    frame = con.execute("SELECT username, email, role, region, clearance, active, must_change_password, "
                        "failed_attempts, locked_until, last_login FROM users ORDER BY username").df()
    return frame.loc[in_scope_mask(region, frame["region"])].reset_index(drop=True)
