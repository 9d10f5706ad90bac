"""The ``sesi`` table: sign-ins that survive a reload of the page (migration 120).

Only digests are stored: of the cookie's token, of the one-time hand-over code, of the password
hash at sign-in. The rules (idle, absolute, revoked, password changed) are
:func:`auth.session.stored_refusal`'s; these are plain reads and writes, each one statement, to be
called inside ``store.db.transaction`` when they write.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from auth.session import StoredSession, digest

__all__ = ["by_id", "by_token", "claim", "open_session", "revoke", "revoke_token", "revoke_user", "touch"]

_SELECT = ("SELECT s.id, s.username, s.dibuat, s.berakhir, s.terakhir_aktif, s.dicabut, s.sandi_sidik, "
           "u.password_hash, u.active, u.locked_until, u.must_change_password "
           "FROM sesi s LEFT JOIN users u ON u.username = s.username ")


def open_session(con: duckdb.DuckDBPyConnection, session_id: str, username: str, handover_digest: str,
                 handover_until: datetime, password_digest: str, now: datetime, expires: datetime) -> None:
    """A new session whose token the browser has yet to claim with the hand-over code."""
    con.execute("INSERT INTO sesi (id, username, serah_hash, serah_berakhir, sandi_sidik, dibuat, berakhir, "
                "terakhir_aktif) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [session_id, username, handover_digest, handover_until, password_digest, now, expires, now])


def claim(con: duckdb.DuckDBPyConnection, handover_digest: str, token_digest: str, now: datetime) -> datetime | None:
    """Exchange a hand-over code (once, before it lapses) for the token: the session's expiry, or None."""
    row = con.execute(
        "UPDATE sesi SET token_hash = ?, serah_hash = NULL, serah_berakhir = NULL "
        "WHERE serah_hash = ? AND serah_berakhir > ? AND token_hash IS NULL AND dicabut IS NULL AND berakhir > ? "
        "RETURNING berakhir", [token_digest, handover_digest, now, now]).fetchall()
    return row[0][0] if row else None


def by_token(con: duckdb.DuckDBPyConnection, token_digest: str) -> StoredSession | None:
    """The session of a cookie's token (by its digest), with its account's state."""
    return _one(con.execute(_SELECT + "WHERE s.token_hash = ?", [token_digest]).fetchall())


def by_id(con: duckdb.DuckDBPyConnection, session_id: str) -> StoredSession | None:
    """The session with this id, with its account's state."""
    return _one(con.execute(_SELECT + "WHERE s.id = ?", [session_id]).fetchall())


def touch(con: duckdb.DuckDBPyConnection, session_id: str, now: datetime) -> None:
    """Record activity of a session that is still valid."""
    con.execute("UPDATE sesi SET terakhir_aktif = ? WHERE id = ? AND dicabut IS NULL", [now, session_id])


def revoke(con: duckdb.DuckDBPyConnection, session_id: str, now: datetime, reason: str) -> None:
    """End one session for good."""
    con.execute("UPDATE sesi SET dicabut = ?, alasan_cabut = ?, serah_hash = NULL WHERE id = ? AND dicabut IS NULL",
                [now, reason[:200], session_id])


def revoke_token(con: duckdb.DuckDBPyConnection, token_digest: str, now: datetime, reason: str) -> None:
    """End the session of a cookie's token (by its digest)."""
    con.execute("UPDATE sesi SET dicabut = ?, alasan_cabut = ? WHERE token_hash = ? AND dicabut IS NULL",
                [now, reason[:200], token_digest])


def revoke_user(con: duckdb.DuckDBPyConnection, username: str, now: datetime, reason: str) -> int:
    """End every session of an account; how many were still valid."""
    return len(con.execute("UPDATE sesi SET dicabut = ?, alasan_cabut = ?, serah_hash = NULL "
                           "WHERE username = ? AND dicabut IS NULL RETURNING id",
                           [now, reason[:200], username]).fetchall())


def _one(rows: list) -> StoredSession | None:
    if not rows:
        return None
    (sid, username, started, expires, last_seen, revoked, then, password_hash, active, locked_until,
     must_change) = rows[0]
    now_digest = digest(password_hash) if password_hash is not None and active else None
    return StoredSession(sid, username, started, expires, last_seen, revoked, then, now_digest, locked_until,
                         bool(must_change))
