"""Election calendars in the database: seeded with Pilkada 2024, editable by users."""

from __future__ import annotations

import duckdb
import pandas as pd

from settings import DATA_DIR

__all__ = ["elections", "load_calendar", "replace_calendar", "seed_calendar"]

DEFAULT_CALENDAR = DATA_DIR / "pilkada_2024_tahapan.csv"


def seed_calendar(con: duckdb.DuckDBPyConnection) -> None:
    """Fill an empty calendar table with the Pilkada 2024 stages (user edits are never overwritten)."""
    if con.execute("SELECT count(*) FROM tahapan_pemilihan").fetchall()[0][0]:
        return
    from store.db import transaction  # store.db imports this module

    table = pd.read_csv(DEFAULT_CALENDAR, dtype={"catatan": str}, parse_dates=["mulai", "selesai"])
    with transaction(con):
        replace_calendar(con, None, table, keep_names=True)


def elections(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the elections that have a calendar, newest first."""
    rows = con.execute("SELECT pemilihan, max(mulai) FROM tahapan_pemilihan GROUP BY 1 ORDER BY 2 DESC").fetchall()
    return [r[0] for r in rows]


def load_calendar(con: duckdb.DuckDBPyConnection, pemilihan: str) -> pd.DataFrame:
    """The stages of one election in order: ``urutan, tahapan, mulai, selesai, catatan``."""
    return con.execute(
        "SELECT urutan, tahapan, mulai, selesai, catatan FROM tahapan_pemilihan WHERE pemilihan = ? "
        "ORDER BY mulai, urutan", [pemilihan]).df()


def replace_calendar(con: duckdb.DuckDBPyConnection, pemilihan: str | None, stages: pd.DataFrame, *,
                     keep_names: bool = False) -> int:
    """Replace one election's stages with ``stages`` (checked by
    :func:`analysis.election.check_calendar`). Call inside ``transaction``."""
    if keep_names:  # the seed file names its elections and numbers its stages itself
        table = stages
    else:
        table = stages.assign(pemilihan=pemilihan, urutan=range(1, len(stages) + 1), catatan=stages.get("catatan"))
        con.execute("DELETE FROM tahapan_pemilihan WHERE pemilihan = ?", [pemilihan])
    con.register("_tahapan_in", table[["pemilihan", "urutan", "tahapan", "mulai", "selesai", "catatan"]])
    try:
        con.execute("INSERT INTO tahapan_pemilihan SELECT pemilihan, urutan, tahapan, CAST(mulai AS DATE), "
                    "CAST(selesai AS DATE), catatan FROM _tahapan_in")
    finally:
        con.unregister("_tahapan_in")
    return len(table)
