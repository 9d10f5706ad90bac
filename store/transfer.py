"""Move an office's embedded DuckDB database up to the shared PostgreSQL server, and prove that
nothing was lost.

Every table both schemas hold is copied in one server transaction (all or nothing), sequences
continue where the office left them, the audit key comes along so the signed head still
verifies, and each table is compared afterwards by a fingerprint computed the same way on both
engines (:func:`portable_fingerprint`): row count and an order-free sum of row digests over
canonical values, so a date, a JSON document or a geometry reads the same whichever engine
stores it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from store.db import StoreError, dialect, transaction

__all__ = ["Transfer", "copy_database", "portable_fingerprint", "shared_tables"]

#: Written by the target's own migrations; never copied.
_SKIP = {"schema_version", "spatial_ref_sys"}
#: Tables the server's migrations seed (replaced by the office's rows).
_SEEDED = {"vocab", "tahapan_pemilihan", "audit_head", "settings"}
_MASK = (1 << 60) - 1


@dataclass(frozen=True)
class Transfer:
    """What :func:`copy_database` did.

    Attributes
    ----------
    rows : dict
        ``{table: rows copied}``.
    fingerprints : dict
        ``{table: (rows, digest)}`` of the source; the target's matched every one.
    sequences : dict
        ``{sequence: last value}`` carried over.
    """

    rows: dict[str, int]
    fingerprints: dict[str, tuple[int, int]]
    sequences: dict[str, int]


def _tables(con) -> dict[str, list[tuple[str, str]]]:
    where = ("c.table_schema = current_schema()" if dialect(con) == "postgres" else
             "c.table_catalog = current_database() AND c.table_schema = 'main'")
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema "
        f"AND t.table_catalog = c.table_catalog WHERE t.table_type = 'BASE TABLE' AND {where} "
        "ORDER BY c.table_name, c.ordinal_position").fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        if table not in _SKIP:
            out.setdefault(table, []).append((column, kind))
    return out


def shared_tables(source, target) -> dict[str, list[tuple[str, str]]]:
    """``{table: [(column, target type)]}`` for every table and column both databases hold
    (the target's generated columns, such as PostGIS geometry, are left to the target)."""
    theirs = _tables(target)
    generated = set()
    if dialect(target) == "postgres":
        generated = {(t, c) for t, c in target.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND is_generated = 'ALWAYS'").fetchall()}
    out = {}
    for table, columns in _tables(source).items():
        if table not in theirs:
            raise StoreError(f"Tabel {table} tidak ada di server: skema server lebih lama dari berkas ini.")
        kinds = dict(theirs[table])
        out[table] = [(c, kinds[c]) for c, _ in columns if c in kinds and (table, c) not in generated]
    return out


def _canonical(value):
    # One spelling per value, whichever engine returned it.
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = float(value)
        return int(number) if number.is_integer() else repr(number)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return hashlib.md5(bytes(value)).hexdigest()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False, default=str)
        except ValueError:
            return value
    return value if isinstance(value, str) else str(value)


def portable_fingerprint(con, table: str, columns: list[str]) -> tuple[int, int]:
    """``(rows, digest)`` of ``table`` over ``columns``, equal on DuckDB and PostgreSQL for the
    same rows in any order."""
    names = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f'SELECT {names} FROM "{table}"').fetchall()
    digest = 0
    for row in rows:
        text = json.dumps([_canonical(v) for v in row], ensure_ascii=False, default=str)
        digest = (digest + int(hashlib.md5(text.encode("utf-8")).hexdigest()[:15], 16)) & _MASK
    return len(rows), digest


def _sequences(source) -> dict[str, int]:
    return {name: int(last) for name, last in source.execute(
        "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE last_value IS NOT NULL").fetchall()}


def copy_database(source, target, *, source_file: str | Path) -> Transfer:
    """Copy every table of the DuckDB ``source`` into the empty PostgreSQL ``target``, carry its
    sequences and audit key, and verify each table by fingerprint.

    Raises
    ------
    StoreError
        If the target already holds incidents, users or audit rows, if the audit keys differ,
        or if a fingerprint does not match after the copy (the server transaction is then
        rolled back and the server is as before).
    """
    if dialect(source) != "duckdb" or dialect(target) != "postgres":
        raise StoreError("Pemindahan hanya dari berkas DuckDB ke server PostgreSQL.")
    for table in ("incidents", "users", "audit"):
        if target.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
            raise StoreError(f"Server tujuan sudah berisi data (tabel {table}); pindahkan hanya ke basis data kosong.")
    _carry_audit_key(source_file, target)
    tables = shared_tables(source, target)
    expected = {t: portable_fingerprint(source, t, [c for c, _ in cols]) for t, cols in tables.items()}
    sequences = _sequences(source)
    copied: dict[str, int] = {}
    with transaction(target):
        for table, columns in tables.items():
            names = [c for c, _ in columns]
            frame = source.execute(
                "SELECT " + ", ".join(f'"{c}"' for c in names) + f' FROM "{table}"').df()
            target.execute(f'DELETE FROM "{table}"')
            if len(frame):
                frame = frame.astype(object).where(frame.notna(), None)
                target.register("_pindah", frame)
                casts = ", ".join(f'CAST("{c}" AS {kind if kind != "ARRAY" else "text"}) ' for c, kind in columns)
                target.execute(f'INSERT INTO "{table}" (' + ", ".join(f'"{c}"' for c in names)
                               + f") SELECT {casts} FROM _pindah")
                target.unregister("_pindah")
            copied[table] = len(frame)
        for name, last in sequences.items():
            target.execute("SELECT setval(?, ?, true)", [name, max(last, 1)])
        for table, columns in tables.items():
            found = portable_fingerprint(target, table, [c for c, _ in columns])
            if found != expected[table]:
                raise StoreError(f"Sidik tabel {table} tidak cocok setelah disalin ({found[0]} baris di server, "
                                 f"{expected[table][0]} di berkas); tidak ada yang disimpan di server.")
    return Transfer(copied, expected, sequences)


def _carry_audit_key(source_file, target) -> None:
    import os

    from store.audit import KEY_ENV, audit_key, key_file

    key = audit_key(source_file)
    if os.environ.get(KEY_ENV, "").strip():
        return  # one configured key signs both: nothing to carry
    destination = key_file(target.key_path())
    if destination.exists():
        if destination.read_text().strip() != key.hex():
            raise StoreError(f"Kunci audit server ({destination}) berbeda dari kunci berkas ini: kepala jejak audit "
                             f"tidak akan terverifikasi. Setel ${KEY_ENV} ke kunci berkas, atau hapus kunci server "
                             "bila server masih kosong.")
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(key.hex())
    destination.chmod(0o600)
