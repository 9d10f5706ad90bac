"""Users in DuckDB: create, authenticate with lock-out, change password, disable, unlock.

Every change is written together with its audit row, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd

from auth.passwords import check_policy, hash_password, one_time_password, verify_password
from auth.roles import PERMISSIONS
from store.audit import AuditEvent, record
from store.db import transaction
from store.incidents import CLEARANCE_LEVELS, Scope

__all__ = ["LOCKOUT", "MAX_FAILURES", "AuthError", "User", "authenticate", "change_password", "create_user",
           "get_user", "list_users", "set_active", "sign_in_sso", "unlock"]

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


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
    secret = password or one_time_password()
    if con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()[0][0]:
        raise AuthError(f"pengguna {username} sudah ada")

    def work():
        con.execute(
            "INSERT INTO users (username, password_hash, role, region, clearance, must_change_password, email) "
            "VALUES (?, ?, ?, ?, ?, true, ?)",
            [username, hash_password(secret), role, region, clearance, email.strip().lower() if email else None])
        record(con, AuditEvent(actor=actor, action="pengguna_dibuat", object=username,
                               detail={"peran": role, "wilayah": region, "izin": clearance}))
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

    Raises
    ------
    AuthError
        With one message for unknown users and wrong passwords alike, and a distinct message
        while the account is locked.
    """
    now = now or _now()
    row = con.execute("SELECT password_hash, failed_attempts, locked_until, active FROM users WHERE username = ?",
                      [username]).fetchall()
    wrong = AuthError("Nama pengguna atau kata sandi salah.")
    if not row or not row[0][3]:
        _tx(con, lambda: record(con, AuditEvent(actor=username[:64], action="login_gagal", outcome="gagal",
                                                detail={"alasan": "pengguna tidak dikenal atau nonaktif"})))
        raise wrong
    password_hash, failures, locked_until, _ = row[0]
    if locked_until is not None and locked_until > now:
        _tx(con, lambda: record(con, AuditEvent(actor=username, action="login_gagal", outcome="ditolak",
                                                detail={"alasan": "akun terkunci"})))
        raise AuthError(f"Akun terkunci karena {MAX_FAILURES} kali salah kata sandi. Coba lagi setelah "
                        f"{locked_until:%H:%M} UTC atau minta admin membuka kunci.")
    if not verify_password(password_hash, password):
        failures += 1
        lock = now + LOCKOUT if failures >= MAX_FAILURES else None

        def fail():
            con.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE username = ?",
                        [0 if lock else failures, lock, username])
            record(con, AuditEvent(actor=username, action="login_gagal", outcome="gagal",
                                   detail={"percobaan": failures}))
            if lock:
                record(con, AuditEvent(actor=username, action="akun_terkunci", outcome="ditolak",
                                       detail={"sampai": lock.isoformat()}))
        _tx(con, fail)
        if lock:
            raise AuthError(f"Akun terkunci selama {int(LOCKOUT.total_seconds() // 60)} menit setelah "
                            f"{MAX_FAILURES} kali salah kata sandi.")
        raise wrong

    def ok():
        con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login = ? WHERE username = ?",
                    [now, username])
        user = get_user(con, username)
        record(con, AuditEvent(actor=username, action="login", role=user.role, region=user.region))
        return user
    return _tx(con, ok)


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


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool, actor: str) -> None:
    """Disable or re-enable a user."""
    def work():
        changed = con.execute("UPDATE users SET active = ? WHERE username = ? RETURNING username",
                              [active, username]).fetchall()
        if not changed:
            raise AuthError(f"pengguna {username} tidak ada")
        record(con, AuditEvent(actor=actor, action="pengguna_diaktifkan" if active else "pengguna_dinonaktifkan",
                               object=username))
    _tx(con, work)


def unlock(con: duckdb.DuckDBPyConnection, username: str, actor: str) -> None:
    """Clear a lock-out."""
    def work():
        changed = con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ? "
                              "RETURNING username", [username]).fetchall()
        if not changed:
            raise AuthError(f"pengguna {username} tidak ada")
        record(con, AuditEvent(actor=actor, action="kunci_dibuka", object=username))
    _tx(con, work)


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Users without secrets."""
    return con.execute("SELECT username, email, role, region, clearance, active, must_change_password, "
                       "failed_attempts, locked_until, last_login FROM users ORDER BY username").df()
