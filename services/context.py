"""Data about regions that users replace by uploading a table: election context, area indicators,
and the national election calendar — each checked for the actor's rights, typed, stored and
audited in one transaction."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analysis.election import check_calendar
from auth.roles import PermissionDenied, is_national_admin, require
from ingest.tables import check_indicator_name, type_context, type_indicator
from store.audit import AuditEvent, record
from store.db import transaction
from store.election_context import replace_context
from store.elections import replace_calendar
from store.indicators import replace_indicator
from store.regions import kab_codes

__all__ = ["import_context", "import_indicator", "save_calendar"]


def import_context(con: duckdb.DuckDBPyConnection, table: pd.DataFrame, pemilihan: str, user) -> int:
    """Store an election's context rows for the regions inside ``user``'s region; all or nothing.

    The rows replace what the election held inside the user's region, and only there: a row for
    a region outside it is a problem, and other regions' rows stay as they are.

    Raises
    ------
    auth.roles.PermissionDenied
        The user's role may not import.
    ingest.tables.TableError
        Problems by row and column (nothing stored).
    """
    require(user, "impor")
    rows = type_context(table, kab_codes(con), user.region)
    with transaction(con):
        n = replace_context(con, pemilihan, rows, user.region, user.username)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="impor_konteks",
                               object=pemilihan, row_count=n))
    return n


def import_indicator(con: duckdb.DuckDBPyConnection, name: str, table: pd.DataFrame, data_date: date, user,
                     source: str | None = None) -> int:
    """Store indicator ``name`` (a ``kode,nilai`` table) for the regions inside ``user``'s region;
    all or nothing, replacing only those regions' values.

    Raises
    ------
    auth.roles.PermissionDenied
        The user's role may not import.
    ValueError
        The name is not lower-case letters, digits and underscores.
    ingest.tables.TableError
        Problems by row and column (nothing stored).
    """
    require(user, "impor")
    check_indicator_name(name)
    values = type_indicator(table, kab_codes(con), user.region)
    with transaction(con):
        n = replace_indicator(con, name, values, data_date, source, user.region, user.username)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="impor_indikator",
                               object=name, row_count=n, detail={"tanggal_data": str(data_date)}))
    return n


def save_calendar(con: duckdb.DuckDBPyConnection, pemilihan: str, stages: pd.DataFrame, user) -> int:
    """Replace one election's calendar after checking it; calendars are national data, so only a
    national admin may change them.

    Raises
    ------
    auth.roles.PermissionDenied
        If the user is not a national admin.
    analysis.election.CalendarError
        Blank dates, a stage ending before it starts, or overlaps.
    """
    if not is_national_admin(user):
        raise PermissionDenied("Kalender pemilihan berlaku nasional; hanya admin nasional yang dapat mengubahnya.")
    if not str(pemilihan).strip():
        raise ValueError("nama pemilihan wajib diisi")
    checked = check_calendar(stages)
    with transaction(con):
        n = replace_calendar(con, pemilihan, checked)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="ubah_kalender",
                               object=pemilihan, row_count=n))
    return n
