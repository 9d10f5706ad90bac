"""The ``users`` table: accounts, password hashes, lock-out counters and sign-in times.

Plain reads and writes; who may change whom, and the audit rows, are the application layer's
(:mod:`services.accounts`). Call the writes inside ``store.db.transaction``.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from auth.identity import User

__all__ = ["active_password_hash", "clear_failures", "count_failure", "credentials", "insert_user", "list_users", "region_of",
           "set_active", "set_password", "sign_in", "touch_login", "user", "user_exists", "username_for_email"]

_USER = "username, role, region, clearance, must_change_password"


def user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    """The active user ``username`` (None if unknown or disabled)."""
    row = con.execute(f"SELECT {_USER} FROM users WHERE username = ? AND active", [username]).fetchall()
    return User(*row[0]) if row else None


def user_exists(con: duckdb.DuckDBPyConnection, username: str) -> bool:
    """Whether any account (active or not) has this name."""
    return con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchone()[0] > 0


def credentials(con: duckdb.DuckDBPyConnection, username: str) -> tuple[str, bool] | None:
    """``(password hash, active)`` of an account, or None."""
    row = con.execute("SELECT password_hash, active FROM users WHERE username = ?", [username]).fetchall()
    return (row[0][0], bool(row[0][1])) if row else None


def region_of(con: duckdb.DuckDBPyConnection, username: str) -> tuple[bool, str | None]:
    """``(exists, region)`` of an account."""
    row = con.execute("SELECT region FROM users WHERE username = ?", [username]).fetchall()
    return (True, row[0][0]) if row else (False, None)


def username_for_email(con: duckdb.DuckDBPyConnection, email: str) -> str | None:
    """The active account registered with this (lower-cased) e-mail."""
    row = con.execute("SELECT username FROM users WHERE email = ? AND active", [email]).fetchall()
    return row[0][0] if row else None


def insert_user(con: duckdb.DuckDBPyConnection, username: str, password_hash: str, role: str, region: str | None,
                clearance: str, email: str | None) -> None:
    """A new account that must change its password at first sign-in."""
    con.execute("INSERT INTO users (username, password_hash, role, region, clearance, must_change_password, email) "
                "VALUES (?, ?, ?, ?, ?, true, ?)", [username, password_hash, role, region, clearance, email])


def touch_login(con: duckdb.DuckDBPyConnection, username: str, now: datetime) -> None:
    """Record a sign-in time."""
    con.execute("UPDATE users SET last_login = ? WHERE username = ?", [now, username])


def sign_in(con: duckdb.DuckDBPyConnection, username: str, now: datetime) -> User | None:
    """Clear the failures and record the sign-in unless the account is locked or disabled (None)."""
    row = con.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login = ? "
        "WHERE username = ? AND active AND (locked_until IS NULL OR locked_until <= ?) "
        f"RETURNING {_USER}", [now, username, now]).fetchall()
    return User(*row[0]) if row else None


def count_failure(con: duckdb.DuckDBPyConnection, username: str, now: datetime, max_failures: int,
                  lock_until: datetime) -> tuple[int, datetime | None] | None:
    """Count one wrong password and lock at ``max_failures``, in ONE conditional update (parallel
    attempts cannot lose a count); ``(failures, locked_until)``, or None while already locked."""
    row = con.execute(
        "UPDATE users SET "
        "failed_attempts = CASE WHEN failed_attempts + 1 >= ? THEN 0 ELSE failed_attempts + 1 END, "
        "locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? END "
        "WHERE username = ? AND (locked_until IS NULL OR locked_until <= ?) "
        "RETURNING failed_attempts, locked_until",
        [max_failures, max_failures, lock_until, username, now]).fetchall()
    return row[0] if row else None


def active_password_hash(con: duckdb.DuckDBPyConnection, username: str) -> str | None:
    """The password hash of an active account."""
    row = con.execute("SELECT password_hash FROM users WHERE username = ? AND active", [username]).fetchall()
    return row[0][0] if row else None


def set_password(con: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    """A new password; the must-change flag is cleared."""
    con.execute("UPDATE users SET password_hash = ?, must_change_password = false WHERE username = ?",
                [password_hash, username])


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool) -> bool:
    """Disable or re-enable; False when there is no such account."""
    return bool(con.execute("UPDATE users SET active = ? WHERE username = ? RETURNING username",
                            [active, username]).fetchall())


def clear_failures(con: duckdb.DuckDBPyConnection, username: str) -> bool:
    """Lift a lock-out; False when there is no such account."""
    return bool(con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ? "
                            "RETURNING username", [username]).fetchall())


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Accounts without secrets, by name."""
    return con.execute("SELECT username, email, role, region, clearance, active, must_change_password, "
                       "failed_attempts, locked_until, last_login FROM users ORDER BY username").df()
