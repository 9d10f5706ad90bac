"""Backups while the app runs: an admin's online snapshot, verified and audited."""

from __future__ import annotations

from pathlib import Path

import duckdb

from auth.roles import PermissionDenied, is_national_admin
from store.audit import AuditEvent, record
from store.backup import take_snapshot
from store.db import transaction

__all__ = ["back_up"]


def back_up(con: duckdb.DuckDBPyConnection, db_file: str | Path, user) -> Path:
    """Take a verified snapshot of the whole database as ``user`` and audit it; its path.

    A snapshot holds every office's data, so only a national admin may take one.

    Raises
    ------
    auth.roles.PermissionDenied
        If the user is not a national admin.
    store.db.StoreError
        If the copy differs from the database (the copy is then removed).
    """
    if not is_national_admin(user):
        raise PermissionDenied("Cadangan memuat data seluruh kantor; hanya admin nasional yang dapat membuatnya.")
    path = take_snapshot(con, db_file)
    with transaction(con):
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="cadangan",
                               object=path.name))
    return path
