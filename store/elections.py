"""Election calendars in the database: seeded with Pilkada 2024, editable by users."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.election import check_calendar
from settings import DATA_DIR
from store.audit import AuditEvent, record
from store.db import transaction

__all__ = ["elections", "load_calendar", "save_calendar", "seed_calendar"]

DEFAULT_CALENDAR = DATA_DIR / "pilkada_2024_tahapan.csv"


def seed_calendar(con: duckdb.DuckDBPyConnection) -> None:
    """Fill an empty calendar table with the Pilkada 2024 stages (user edits are never overwritten)."""
    if con.execute("SELECT count(*) FROM tahapan_pemilihan").fetchall()[0][0]:
        return
    table = pd.read_csv(DEFAULT_CALENDAR, dtype={"catatan": str}, parse_dates=["mulai", "selesai"])
    con.register("_tahapan_in", table)
    con.execute("INSERT INTO tahapan_pemilihan SELECT pemilihan, urutan, tahapan, CAST(mulai AS DATE), "
                "CAST(selesai AS DATE), catatan FROM _tahapan_in")
    con.unregister("_tahapan_in")


def elections(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the elections that have a calendar, newest first."""
    rows = con.execute("SELECT pemilihan, max(mulai) FROM tahapan_pemilihan GROUP BY 1 ORDER BY 2 DESC").fetchall()
    return [r[0] for r in rows]


def load_calendar(con: duckdb.DuckDBPyConnection, pemilihan: str) -> pd.DataFrame:
    """The stages of one election in order: ``urutan, tahapan, mulai, selesai, catatan``."""
    return con.execute(
        "SELECT urutan, tahapan, mulai, selesai, catatan FROM tahapan_pemilihan WHERE pemilihan = ? "
        "ORDER BY mulai, urutan", [pemilihan]).df()


def save_calendar(con: duckdb.DuckDBPyConnection, pemilihan: str, stages: pd.DataFrame, user) -> int:
    """Replace one election's calendar after validating it (one transaction with its audit row).

    Calendars are national data: only a national admin may change them.

    Raises
    ------
    auth.roles.PermissionDenied
        If the user is not a national admin.
    analysis.election.CalendarError
        If the calendar has blank dates, a stage ending before it starts, or overlaps.
    """
    from auth.roles import PermissionDenied, is_national_admin

    if not is_national_admin(user):
        raise PermissionDenied("Kalender pemilihan berlaku nasional; hanya admin nasional yang dapat mengubahnya.")
    if not str(pemilihan).strip():
        raise ValueError("nama pemilihan wajib diisi")
    checked = check_calendar(stages)
    checked = checked.assign(pemilihan=pemilihan, urutan=range(1, len(checked) + 1),
                             catatan=checked.get("catatan"))
    with transaction(con):
        con.execute("DELETE FROM tahapan_pemilihan WHERE pemilihan = ?", [pemilihan])
        con.register("_tahapan_in", checked[["pemilihan", "urutan", "tahapan", "mulai", "selesai", "catatan"]])
        con.execute("INSERT INTO tahapan_pemilihan SELECT pemilihan, urutan, tahapan, CAST(mulai AS DATE), "
                    "CAST(selesai AS DATE), catatan FROM _tahapan_in")
        con.unregister("_tahapan_in")
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="ubah_kalender",
                               object=pemilihan,
                               row_count=len(checked)))
    return len(checked)
