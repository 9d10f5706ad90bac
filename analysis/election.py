"""Election stages (tahapan) as data: check a calendar, tag incidents by stage, compare stages.

Dates are calendar dates (``tgl_mulai`` of an incident is date-only), so time zones (WIB, WITA,
WIT) play no part: a stage runs from ``mulai`` to ``selesai``, both days included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CalendarError", "check_calendar", "stage_matrix", "tag_stages"]

_COLUMNS = ("tahapan", "mulai", "selesai")


class CalendarError(ValueError):
    """The calendar cannot be used; the message names the stage(s) at fault."""


def check_calendar(stages: pd.DataFrame) -> pd.DataFrame:
    """Validate and sort a calendar of one election.

    Parameters
    ----------
    stages : pandas.DataFrame
        Columns ``tahapan``, ``mulai``, ``selesai`` (dates); other columns are kept.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``mulai``, dates as ``datetime64[D]``-compatible timestamps.

    Raises
    ------
    CalendarError
        Missing columns or dates, a stage ending before it starts, or overlapping stages.
    """
    missing = [c for c in _COLUMNS if c not in stages.columns]
    if missing:
        raise CalendarError(f"kolom kalender tidak ada: {', '.join(missing)} (wajib: {', '.join(_COLUMNS)})")
    out = stages.copy()
    out["mulai"] = pd.to_datetime(out["mulai"], errors="coerce").dt.normalize()
    out["selesai"] = pd.to_datetime(out["selesai"], errors="coerce").dt.normalize()
    blank = out.loc[out["mulai"].isna() | out["selesai"].isna(), "tahapan"]
    if len(blank):
        raise CalendarError(f"tanggal tahapan kosong atau tidak sah: {', '.join(map(str, blank))}")
    backwards = out.loc[out["selesai"] < out["mulai"], "tahapan"]
    if len(backwards):
        raise CalendarError(f"tahapan berakhir sebelum dimulai: {', '.join(map(str, backwards))}")
    out = out.sort_values("mulai", kind="stable").reset_index(drop=True)
    clash = out["mulai"].iloc[1:].to_numpy() <= out["selesai"].iloc[:-1].to_numpy()
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        raise CalendarError(
            f"tahapan tumpang tindih: {out.at[i, 'tahapan']} ({out.at[i, 'selesai']:%d/%m/%Y}) dan "
            f"{out.at[i + 1, 'tahapan']} ({out.at[i + 1, 'mulai']:%d/%m/%Y})"
        )
    return out


def tag_stages(dates, stages: pd.DataFrame) -> pd.Series:
    """The stage each date falls in (both ends inclusive), or missing outside every stage.

    Parameters
    ----------
    dates : array-like of dates
    stages : pandas.DataFrame
        A calendar accepted by :func:`check_calendar`.
    """
    calendar = check_calendar(stages)
    days = pd.to_datetime(pd.Series(dates), errors="coerce").dt.normalize()
    starts = calendar["mulai"].to_numpy()
    pos = np.searchsorted(starts, days.to_numpy(), side="right") - 1
    ok = (pos >= 0) & days.notna().to_numpy()
    pos_safe = np.maximum(pos, 0)
    ok &= days.to_numpy() <= calendar["selesai"].to_numpy()[pos_safe]
    names = calendar["tahapan"].to_numpy(dtype=object)[pos_safe]
    return pd.Series(np.where(ok, names, None), index=days.index, dtype=object, name="tahapan")


def stage_matrix(incidents: pd.DataFrame, stages: pd.DataFrame, by: str = "kode_kab") -> pd.DataFrame:
    """Incident counts per region and stage (regions × stages, stages in calendar order).

    Rows are regions with at least one incident in some stage; a ``total`` column is added and
    rows are sorted by it, largest first.
    """
    calendar = check_calendar(stages)
    tagged = incidents.assign(tahapan=tag_stages(incidents["tgl_mulai"], calendar).to_numpy())
    tagged = tagged.dropna(subset=["tahapan"])
    order = list(calendar["tahapan"])
    matrix = (tagged.groupby([by, "tahapan"]).size().unstack("tahapan")
              .reindex(columns=order).fillna(0).astype(int))
    matrix["total"] = matrix.sum(axis=1)
    return matrix.sort_values("total", ascending=False, kind="stable")
