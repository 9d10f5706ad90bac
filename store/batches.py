"""Import batches as a whole: the synthetic demo batch, and the marker that a user removed it.

(Batches of real imports are written with their rows by :mod:`ingest.importer` through the
functions of :mod:`store.imports`.)
"""

from __future__ import annotations

import duckdb
import pandas as pd

__all__ = ["delete_synthetic", "demo_was_cleared", "insert_synthetic", "synthetic_loaded"]

_DEMO_CLEARED = "demo_dihapus"


def synthetic_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """True while any synthetic batch is in the database."""
    return bool(con.execute("SELECT count(*) FROM import_batches WHERE sintetis").fetchone()[0])


def demo_was_cleared(con: duckdb.DuckDBPyConnection) -> bool:
    """True once a user has removed the demo data (set-up then never loads it again)."""
    return bool(con.execute("SELECT count(*) FROM settings WHERE kunci = ?", [_DEMO_CLEARED]).fetchone()[0])


def insert_synthetic(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, source: str, note: str) -> int:
    """Store ``frame`` (incident columns) as one synthetic batch; return its id. Call inside
    ``transaction``."""
    batch = con.execute(
        "INSERT INTO import_batches (nama_berkas, sumber, pengguna, baris, diterima, sintetis, catatan) "
        "VALUES (?, ?, ?, ?, ?, true, ?) RETURNING id",
        ["(data contoh)", source, "sistem", len(frame), len(frame), note]).fetchall()[0][0]
    rows = frame.assign(batch_id=batch, dibuat_oleh="sistem")
    columns = ", ".join(rows.columns)  # incident column names from the generator, not from users
    con.register("_demo_in", rows)
    try:
        con.execute(f"INSERT INTO incidents ({columns}) SELECT {columns} FROM _demo_in")
    finally:
        con.unregister("_demo_in")
    return batch


def delete_synthetic(con: duckdb.DuckDBPyConnection) -> int:
    """Delete every synthetic batch and its incidents and remember that the demo was removed;
    return the incidents removed. Call inside ``transaction``."""
    removed = con.execute(
        "DELETE FROM incidents WHERE batch_id IN (SELECT id FROM import_batches WHERE sintetis)").fetchone()[0]
    con.execute("DELETE FROM import_batches WHERE sintetis")
    con.execute("INSERT OR REPLACE INTO settings (kunci, nilai) VALUES (?, CAST(current_timestamp AS VARCHAR))",
                [_DEMO_CLEARED])
    return int(removed)
