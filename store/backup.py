"""Online snapshots of the database and their restore.

DuckDB lets only one process hold the file, so snapshots are taken *inside* the process that owns
it (the app, or a command while the app is stopped): ``ATTACH`` a new file in the backup folder
and ``COPY FROM DATABASE`` into it. A fingerprint (row count and an order-independent hash per
table) proves a restore brought back exactly what was saved. Beside each snapshot a small JSON
anchor records its fingerprint and the audit chain's length and last hash at that moment, so a
later truncation or re-chaining of the audit log is visible against any backup.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from store.db import StoreError, backup_dir, transaction

__all__ = ["anchor_file", "fingerprint", "list_snapshots", "restore_snapshot", "take_snapshot"]


def fingerprint(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, tuple[int, int]]:
    """``{table: (rows, hash)}`` for every base table, independent of row order."""
    if getattr(con, "dialect", "duckdb") == "postgres":
        return _pg_fingerprint(con)
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


def _pg_fingerprint(con) -> dict[str, tuple[int, int]]:
    # the same contract on the server: row count and an order-independent sum of row hashes
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys' ORDER BY 1").fetchall()]
    out = {}
    for table in tables:  # names come from the catalog, not from users
        rows, digest = con.execute(
            f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0) "
            f'FROM "{table}" t').fetchall()[0]
        out[table] = (int(rows), int(digest))
    return out


def take_snapshot(con: duckdb.DuckDBPyConnection, db_file: str | Path) -> Path:
    """Copy the whole open database into ``backups/sigap-<UTC time>.duckdb``; return its path.

    The copy is verified table by table against the open database, and its anchor
    (:func:`anchor_file`) is written beside it.
    """
    folder = backup_dir(db_file)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"sigap-{_stamp()}.duckdb"
    source = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute("ATTACH ? AS snapshot", [str(target)])
    try:
        # one transaction: the copy and both fingerprints see the same state while sessions write
        with transaction(con):
            con.execute(f'COPY FROM DATABASE "{source}" TO snapshot')
            saved = fingerprint(con, "snapshot")
            same = saved == fingerprint(con, source)
            last = con.execute("SELECT count(*), max_by(hash, id) FROM snapshot.audit").fetchall()[0]
    finally:
        con.execute("DETACH snapshot")
    if not same:
        target.unlink(missing_ok=True)
        raise StoreError(f"cadangan {target.name} tidak sama dengan basis data; cadangan dibatalkan")
    anchor = {"cadangan": target.name, "dibuat_utc": datetime.now(UTC).isoformat(timespec="seconds"),
              "audit_baris": int(last[0]), "audit_hash_terakhir": last[1],
              "sidik_jari": {table: list(value) for table, value in saved.items()}}
    anchor_file(target).write_text(json.dumps(anchor, indent=1), encoding="utf-8")
    return target


def anchor_file(snapshot: str | Path) -> Path:
    """The JSON anchor beside a snapshot: its fingerprint and the audit chain's length and head."""
    snapshot = Path(snapshot)
    return snapshot.with_name(snapshot.stem + ".jangkar.json")


def list_snapshots(db_file: str | Path) -> list[Path]:
    """Snapshots of ``db_file``, oldest first."""
    return sorted(backup_dir(db_file).glob("sigap-*.duckdb"))


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def restore_snapshot(snapshot: str | Path, db_file: str | Path) -> Path:
    """Replace ``db_file`` (closed) with ``snapshot``; the old file is kept as
    ``*.sebelum-pulih-<UTC time>`` (with its WAL), so every earlier safety copy survives another
    restore.

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
        keep = db_file.with_name(f"{db_file.name}.sebelum-pulih-{_stamp()}")
        shutil.move(db_file, keep)
        wal = db_file.with_name(db_file.name + ".wal")
        if wal.exists():  # never delete a WAL: keep it with the old file
            shutil.move(wal, keep.with_name(keep.name + ".wal"))
    shutil.copy2(snapshot, db_file)
    return db_file
