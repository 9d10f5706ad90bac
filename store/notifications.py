"""In-app notifications: the province's inbox of atensi and khusus reports, read state per user.

A notification holds ids and codes only; its text is read through the scoped, redacted incident
query. Writing functions run inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

__all__ = ["add_notification", "inbox", "mail_recipients", "mark_read", "set_mail_outcome", "unread_count"]


def _visible(region: str | None, username: str) -> tuple[str, list]:
    """Notifications of offices inside ``region`` that ``username`` did not send."""
    if region is None:
        return "n.pengirim <> ?", [username]
    return "(n.kode_kantor = ? OR starts_with(n.kode_kantor, ?)) AND n.pengirim <> ?", [region, region + ".", username]


def add_notification(con: duckdb.DuckDBPyConnection, kind: str, incident: int, office: str, sender: str,
                     now: datetime) -> int:
    """Put a report into the inbox of every user whose region holds ``office``; return its id."""
    return int(con.execute("INSERT INTO notifikasi (jenis, id_insiden, kode_kantor, pengirim, dibuat_pada) "
                           "VALUES (?, ?, ?, ?, ?) RETURNING id", [kind, incident, office, sender, now]).fetchone()[0])


def inbox(con: duckdb.DuckDBPyConnection, region: str | None, username: str, limit: int = 100) -> pd.DataFrame:
    """The inbox of a user: ``id, jenis, id_insiden, kode_kantor, pengirim, dibuat_pada, dibaca``,
    unread first, then newest first."""
    where, params = _visible(region, username)
    return con.execute(
        "SELECT n.id, n.jenis, n.id_insiden, n.kode_kantor, n.pengirim, n.dibuat_pada, d.username IS NOT NULL AS dibaca "
        "FROM notifikasi n LEFT JOIN notifikasi_dibaca d ON d.id_notifikasi = n.id AND d.username = ? "
        f"WHERE {where} ORDER BY dibaca, n.dibuat_pada DESC, n.id DESC LIMIT ?",
        [username, *params, int(limit)]).df()


def unread_count(con: duckdb.DuckDBPyConnection, region: str | None, username: str) -> int:
    """How many notifications in ``username``'s inbox are unread."""
    where, params = _visible(region, username)
    return int(con.execute(
        "SELECT count(*) FROM notifikasi n WHERE NOT EXISTS (SELECT 1 FROM notifikasi_dibaca d "
        f"WHERE d.id_notifikasi = n.id AND d.username = ?) AND {where}", [username, *params]).fetchone()[0])


def mark_read(con: duckdb.DuckDBPyConnection, ids: list[int], username: str, now: datetime) -> int:
    """Mark notifications read for ``username`` (already read ones stay as they were); return how many."""
    if not ids:
        return 0
    return int(con.execute(
        "INSERT INTO notifikasi_dibaca (id_notifikasi, username, dibaca_pada) SELECT id, ?, ? FROM notifikasi "
        "WHERE list_contains(?, id) ON CONFLICT DO NOTHING", [username, now, [int(i) for i in ids]]).fetchone()[0])


def mail_recipients(con: duckdb.DuckDBPyConnection, office: str, sender: str) -> list[str]:
    """E-mail addresses of the active users of the office's province (not the sender)."""
    rows = con.execute("SELECT email FROM users WHERE active AND email IS NOT NULL AND region = ? AND username <> ? "
                       "ORDER BY username", [office[:2], sender]).fetchall()
    return [r[0] for r in rows]


def set_mail_outcome(con: duckdb.DuckDBPyConnection, notification: int, outcome: str) -> None:
    """Note what happened to a notification's e-mail (``terkirim: 2 penerima``, ``gagal: …``)."""
    con.execute("UPDATE notifikasi SET surel = ? WHERE id = ?", [outcome, int(notification)])
