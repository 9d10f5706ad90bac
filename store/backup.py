"""Online snapshots of the database and their restore.

DuckDB lets only one process hold the file, so snapshots are taken *inside* the process that owns
it (the app, or a command while the app is stopped): ``ATTACH`` a new file in the backup folder
and ``COPY FROM DATABASE`` into it. A fingerprint (row count and an order-independent hash per
table) proves a restore brought back exactly what was saved.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from store.db import StoreError, backup_dir

__all__ = ["fingerprint", "restore_snapshot", "take_snapshot"]


def fingerprint(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, tuple[int, int]]:
    """``{table: (rows, hash)}`` for every base table, independent of row order."""
    catalog = catalog or con.execute("SELECT current_database()").fetchall()[0][0]
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_type = 'BASE TABLE' "
        "ORDER BY 1", [catalog]).fetchall()]
    out = {}
    for table in tables:  # names come from the catalog, not from users
        rows, digest = con.execute(
            f'SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM "{catalog}"."{table}" t').fetchall()[0]
        out[table] = (int(rows), int(digest))
    return out


def take_snapshot(con: duckdb.DuckDBPyConnection, db_file: str | Path) -> Path:
    """Copy the whole open database into ``backups/sigap-<UTC time>.duckdb``; return its path."""
    folder = backup_dir(db_file)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"sigap-{datetime.utcnow():%Y%m%d-%H%M%S-%f}.duckdb"
    source = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute("ATTACH ? AS snapshot", [str(target)])
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO snapshot')
        if fingerprint(con, "snapshot") != fingerprint(con, source):
            raise StoreError(f"cadangan {target.name} tidak sama dengan basis data; cadangan dibatalkan")
    finally:
        con.execute("DETACH snapshot")
    return target


def restore_snapshot(snapshot: str | Path, db_file: str | Path) -> Path:
    """Replace ``db_file`` (closed) with ``snapshot``; the old file is kept as ``*.sebelum-pulih``.

    Raises
    ------
    StoreError
        If the snapshot cannot be opened, or the database is held by a running process.
    """
    snapshot, db_file = Path(snapshot), Path(db_file)
    try:
        probe = duckdb.connect(str(snapshot), read_only=True)
        probe.close()
    except duckdb.Error as exc:
        raise StoreError(f"cadangan {snapshot} tidak dapat dibuka: {exc}") from exc
    if db_file.exists():
        try:
            duckdb.connect(str(db_file)).close()
        except duckdb.IOException as exc:
            raise StoreError(f"basis data {db_file} sedang dipakai proses lain; hentikan aplikasi dulu") from exc
        keep = db_file.with_name(db_file.name + ".sebelum-pulih")
        shutil.move(db_file, keep)
        wal = db_file.with_name(db_file.name + ".wal")
        if wal.exists():  # never delete a WAL: keep it with the old file
            shutil.move(wal, keep.with_name(keep.name + ".wal"))
    shutil.copy2(snapshot, db_file)
    return db_file
