"""LAPSITDA harian in DuckDB: one row per office and day, its amendments, deadlines per office,
and the province → time-zone table (``data/zona_waktu.csv``).

Writing functions run inside the caller's ``with transaction(con):``; the application layer
(:mod:`services.lapsitda`) checks role and scope and writes the audit row in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from settings import DATA_DIR

__all__ = ["ZONE_FILE", "amend_day", "day_history", "days", "deadline_rules", "get_day", "insert_day", "load_zones",
           "offices", "set_deadline_rule"]

#: Province → time zone, with the legal source of each row.
ZONE_FILE = DATA_DIR / "zona_waktu.csv"
_DAY_COLUMNS = ("kode_kantor", "tanggal", "nihil", "situasi_umum", "laporan", "zona", "batas_waktu", "diajukan_oleh",
                "diajukan_pada", "versi", "diubah_oleh", "diubah_pada")


def _region(column: str, region: str | None) -> tuple[str, list]:
    """SQL condition that ``column`` lies in ``region`` (the region itself or below it)."""
    if region is None:
        return "true", []
    return f"({column} = ? OR starts_with({column}, ?))", [region, region + "."]


@lru_cache(maxsize=4)
def _zones(path: str, stamp: float) -> dict[str, str]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(table["kode_prov"].str.strip(), table["zona"].str.strip()))


def load_zones(path: Path = ZONE_FILE) -> dict[str, str]:
    """``{province code: "WIB" | "WITA" | "WIT"}`` from the zone table (re-read when the file changes)."""
    path = Path(path)
    return dict(_zones(str(path), path.stat().st_mtime))


def offices(con: duckdb.DuckDBPyConnection, region: str | None) -> pd.DataFrame:
    """The kabupaten/kota offices inside ``region``: ``kode, nama, kode_prov`` (by code)."""
    where, params = _region("kode", region)
    return con.execute(f"SELECT kode, nama, kode_prov FROM regions WHERE level = 'kab' AND {where} ORDER BY kode",
                       params).df()


def get_day(con: duckdb.DuckDBPyConnection, office: str, tanggal: date) -> dict | None:
    """The LAPSITDA of ``office`` for ``tanggal`` (``laporan`` decoded to a list of ids), or None."""
    row = con.execute(f"SELECT {', '.join(_DAY_COLUMNS)} FROM lapsitda WHERE kode_kantor = ? AND tanggal = ?",
                      [office, tanggal]).fetchone()
    if row is None:
        return None
    out = dict(zip(_DAY_COLUMNS, row))
    out["laporan"] = json.loads(out["laporan"] or "[]")
    return out


def insert_day(con: duckdb.DuckDBPyConnection, office: str, tanggal: date, *, nihil: bool, situasi_umum: str | None,
               reports: list[int], zone: str, due: datetime, author: str, now: datetime) -> None:
    """Store the first submission of a LAPSITDA (inside the caller's transaction).

    Raises
    ------
    duckdb.ConstraintException
        It was submitted already (one per office and day).
    """
    con.execute("INSERT INTO lapsitda (kode_kantor, tanggal, nihil, situasi_umum, laporan, zona, batas_waktu, "
                "diajukan_oleh, diajukan_pada) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [office, tanggal, nihil, situasi_umum, json.dumps(reports), zone, _naive(due), author, _naive(now)])


def amend_day(con: duckdb.DuckDBPyConnection, office: str, tanggal: date, versi: int, *, nihil: bool,
              situasi_umum: str | None, reports: list[int], reason: str, editor: str, now: datetime) -> int | None:
    """Amend a submitted LAPSITDA still at ``versi``: the replaced version goes to
    ``lapsitda_riwayat`` with ``reason``; return the new version, or None when it changed in between.
    The first submission time (which decides on time or late) stays."""
    archived = con.execute(
        "INSERT INTO lapsitda_riwayat (kode_kantor, tanggal, versi, alasan, diubah_oleh, diubah_pada, data) "
        "SELECT kode_kantor, tanggal, versi, ?, ?, ?, to_json(x) FROM lapsitda x "
        "WHERE kode_kantor = ? AND tanggal = ? AND versi = ?",
        [reason, editor, _naive(now), office, tanggal, versi]).fetchone()[0]
    if not archived:
        return None
    new = con.execute("UPDATE lapsitda SET nihil = ?, situasi_umum = ?, laporan = ?, versi = versi + 1, "
                      "diubah_oleh = ?, diubah_pada = ? WHERE kode_kantor = ? AND tanggal = ? AND versi = ? "
                      "RETURNING versi",
                      [nihil, situasi_umum, json.dumps(reports), editor, _naive(now), office, tanggal, versi]).fetchall()
    return int(new[0][0]) if new else None


def day_history(con: duckdb.DuckDBPyConnection, office: str, tanggal: date) -> pd.DataFrame:
    """Amendments of one LAPSITDA, newest first: ``versi, alasan, diubah_oleh, diubah_pada, nihil,
    situasi_umum`` (of the replaced version)."""
    return con.execute(
        "SELECT versi, alasan, diubah_oleh, diubah_pada, (data->>'$.nihil')::BOOLEAN AS nihil, "
        "data->>'$.situasi_umum' AS situasi_umum FROM lapsitda_riwayat WHERE kode_kantor = ? AND tanggal = ? "
        "ORDER BY versi DESC", [office, tanggal]).df()


def days(con: duckdb.DuckDBPyConnection, region: str | None, start: date, end: date) -> pd.DataFrame:
    """Submitted LAPSITDA of offices inside ``region`` between ``start`` and ``end`` (inclusive)."""
    where, params = _region("kode_kantor", region)
    return con.execute(f"SELECT {', '.join(_DAY_COLUMNS)} FROM lapsitda WHERE tanggal BETWEEN ? AND ? AND {where} "
                       "ORDER BY kode_kantor, tanggal", [start, end, *params]).df()


def deadline_rules(con: duckdb.DuckDBPyConnection, region: str | None) -> pd.DataFrame:
    """Offices inside ``region`` whose deadline is not the default: ``kode_kantor, jam, menit, hari_setelah``."""
    where, params = _region("kode_kantor", region)
    return con.execute(f"SELECT kode_kantor, jam, menit, hari_setelah FROM batas_lapor WHERE {where}", params).df()


def set_deadline_rule(con: duckdb.DuckDBPyConnection, office: str, rule: Mapping[str, int] | None, editor: str,
                      now: datetime) -> None:
    """Set (``{"jam", "menit", "hari_setelah"}``) or clear (None: back to the default) an office's deadline."""
    con.execute("DELETE FROM batas_lapor WHERE kode_kantor = ?", [office])
    if rule is not None:
        con.execute("INSERT INTO batas_lapor (kode_kantor, jam, menit, hari_setelah, diubah_oleh, diubah_pada) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [office, rule["jam"], rule["menit"], rule["hari_setelah"], editor, _naive(now)])


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo, as every SIGAP timestamp is stored."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
