"""Kop surat (letterhead) rows: one per office, the national office keyed by NULL.

Writing functions run inside the caller's ``with transaction(con):``; :mod:`reports.letterhead`
checks the role and scope, cleans the logo and writes the audit row in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

__all__ = ["LETTERHEAD_FIELDS", "delete_letterhead", "list_letterheads", "read_letterhead", "write_letterhead"]

#: Text fields of a letterhead, in the order documents print them.
LETTERHEAD_FIELDS = ("pemerintah", "instansi", "alamat", "kontak")
_COLUMNS = ("kode_wilayah", *LETTERHEAD_FIELDS, "logo", "logo_sha256", "diubah_oleh", "diubah_pada")


def read_letterhead(con: duckdb.DuckDBPyConnection, office: str | None) -> dict | None:
    """The stored letterhead of ``office`` (None = the national office), or None when it has none.

    Returns
    -------
    dict or None
        ``kode_wilayah, pemerintah, instansi, alamat, kontak, logo`` (PNG bytes or None),
        ``logo_sha256, diubah_oleh, diubah_pada``.
    """
    row = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM kop_surat WHERE kode_wilayah IS NOT DISTINCT FROM ? "
                      "ORDER BY diubah_pada DESC LIMIT 1", [office]).fetchone()
    if row is None:
        return None
    out = dict(zip(_COLUMNS, row))
    out["logo"] = bytes(out["logo"]) if out["logo"] is not None else None
    return out


def write_letterhead(con: duckdb.DuckDBPyConnection, office: str | None, values: dict, *, logo: bytes | None,
                     logo_sha256: str | None, editor: str, now: datetime) -> None:
    """Replace the letterhead of ``office`` (None = national). Call inside ``transaction``.

    Parameters
    ----------
    values : dict
        The :data:`LETTERHEAD_FIELDS`, already checked.
    logo : bytes or None
        The re-encoded PNG (None: no logo).
    now : datetime.datetime
        UTC, naive.
    """
    con.execute("DELETE FROM kop_surat WHERE kode_wilayah IS NOT DISTINCT FROM ?", [office])
    con.execute(f"INSERT INTO kop_surat ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [office, *(values.get(name, "") for name in LETTERHEAD_FIELDS), logo, logo_sha256, editor, now])


def delete_letterhead(con: duckdb.DuckDBPyConnection, office: str | None) -> int:
    """Remove the letterhead of ``office`` (documents fall back to the template); rows removed.
    Call inside ``transaction``."""
    return int(con.execute("DELETE FROM kop_surat WHERE kode_wilayah IS NOT DISTINCT FROM ? RETURNING 1",
                           [office]).df().shape[0])


def list_letterheads(con: duckdb.DuckDBPyConnection, region: str | None) -> pd.DataFrame:
    """The stored letterheads of the offices inside ``region`` (None = every office, national
    included): ``kode_wilayah, instansi, pemerintah, ada_logo, diubah_oleh, diubah_pada``."""
    where, params = "true", []
    if region is not None:
        where, params = "(kode_wilayah = ? OR starts_with(kode_wilayah, ?))", [region, region + "."]
    return con.execute(
        "SELECT kode_wilayah, instansi, pemerintah, logo IS NOT NULL AS ada_logo, diubah_oleh, diubah_pada "
        f"FROM kop_surat WHERE {where} ORDER BY kode_wilayah NULLS FIRST", params).df()
