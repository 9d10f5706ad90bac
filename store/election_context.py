"""Per-region election facts (candidate pairs, incumbent, past disputes) and official indices
(Bawaslu IKP, Polri IPKP) with their data dates: the ``konteks_pemilihan`` table.

Typing and checking an uploaded table is :mod:`ingest.tables`; who may replace which rows is
:mod:`services.context`.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from store.regions import IN_REGION_SQL as _IN_REGION

__all__ = ["load_context", "replace_context", "stale"]



def replace_context(con: duckdb.DuckDBPyConnection, pemilihan: str, rows: pd.DataFrame, region: str | None,
                    username: str) -> int:
    """Replace an election's context rows inside ``region`` (None = everywhere) with ``rows``
    (typed by :func:`ingest.tables.type_context`). Call inside ``transaction``."""
    frame = rows.assign(pemilihan=pemilihan, diimpor_oleh=username)
    con.execute(f"DELETE FROM konteks_pemilihan WHERE pemilihan = ? AND {_IN_REGION}",
                [pemilihan, region, region, region])
    con.register("_konteks", frame)
    try:
        con.execute("INSERT INTO konteks_pemilihan (pemilihan, kode, jumlah_paslon, petahana, sengketa_lalu, ikp, "
                    "ikp_tanggal, ipkp, ipkp_tanggal, sumber, diimpor_oleh) SELECT pemilihan, kode, jumlah_paslon, "
                    "petahana, sengketa_lalu, ikp, ikp_tanggal, ipkp, ipkp_tanggal, sumber, diimpor_oleh FROM _konteks")
    finally:
        con.unregister("_konteks")
    return len(frame)


def load_context(con: duckdb.DuckDBPyConnection, pemilihan: str, region: str | None = None) -> pd.DataFrame:
    """Context rows of an election (within ``region`` if given) with ``catatan`` flags in words."""
    frame = con.execute(
        "SELECT kode, jumlah_paslon, petahana, sengketa_lalu, ikp, ikp_tanggal, ipkp, ipkp_tanggal, sumber "
        "FROM konteks_pemilihan WHERE pemilihan = ? AND (? IS NULL OR starts_with(kode, ?)) ORDER BY kode",
        [pemilihan, region, region]).df()
    notes = []
    for row in frame.itertuples(index=False):
        words = []
        pairs = row.jumlah_paslon if pd.notna(row.jumlah_paslon) else None
        if pairs == 1:
            words.append("calon tunggal (kotak kosong)")
        elif pairs == 2:
            words.append("dua pasangan calon")
        if pd.notna(row.petahana) and bool(row.petahana):
            words.append("petahana maju")
        if pd.notna(row.sengketa_lalu) and row.sengketa_lalu > 0:
            words.append(f"{int(row.sengketa_lalu)} sengketa sebelumnya")
        notes.append(", ".join(words))
    return frame.assign(catatan=notes)


def stale(data_date, today: date | None = None, years: float = 1.0) -> bool:
    """True when an index's data date is older than ``years`` (shown as a warning next to it)."""
    if data_date is None or pd.isna(data_date):
        return True
    today = today or date.today()
    return (pd.Timestamp(today) - pd.Timestamp(data_date)).days > 365 * years
