"""Counts per region and period as a complete grid: every kabupaten × every month or triwulan.

A count table from the database has no row where nothing happened; an index, a back-test or a
forecast that reads it must see that zero. :func:`fill_period_grid` adds those rows, and the
period helpers turn labels (``"2024 T3"``, ``"2024-07"``) into consecutive integers and back.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

__all__ = [
    "PERIODS",
    "fill_period_grid",
    "month_label",
    "normalise_quarter",
    "period_index",
    "period_labels",
    "quarter_elapsed",
    "shift_period",
    "to_wide",
]

_QUARTER = re.compile(r"^\s*(\d{4})\s*[TtQq]([1-4])\s*$")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
#: Period column → (name shown to the user, periods per year).
PERIODS = {"triwulan": ("triwulan", 4), "bulan": ("bulan", 12)}


def normalise_quarter(label: str) -> str:
    """``"2019T1"``, ``"2019 T1"`` or ``"2019Q1"`` as SIGAP writes a triwulan: ``"2019 T1"``."""
    match = _QUARTER.match(str(label))
    if match is None:
        raise ValueError(f"label triwulan tidak sah: {label!r} (contoh: '2024 T3' atau '2024T3')")
    return f"{match[1]} T{match[2]}"


def month_label(day: date) -> str:
    """The month a day falls in: ``"2024-07"``."""
    return f"{day.year}-{day.month:02d}"


def period_index(label: str, period: str = "triwulan") -> int:
    """A period label as a consecutive integer (``year × 4 + quarter − 1`` or ``year × 12 + month − 1``)."""
    _check_period(period)
    if period == "triwulan":
        match = _QUARTER.match(str(label))
        if match is None:
            raise ValueError(f"label triwulan tidak sah: {label!r} (contoh: '2024 T3')")
        return int(match[1]) * 4 + int(match[2]) - 1
    match = _MONTH.match(str(label))
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"label bulan tidak sah: {label!r} (contoh: '2024-07')")
    return int(match[1]) * 12 + int(match[2]) - 1


def _label(index: int, period: str) -> str:
    if period == "triwulan":
        return f"{index // 4} T{index % 4 + 1}"
    return f"{index // 12}-{index % 12 + 1:02d}"


def shift_period(label: str, steps: int, period: str = "triwulan") -> str:
    """The period ``steps`` after (or before, when negative) ``label``."""
    return _label(period_index(label, period) + steps, period)


def period_labels(first: str, last: str, period: str = "triwulan") -> list[str]:
    """Every label from ``first`` to ``last`` inclusive (empty when ``last`` comes first)."""
    lo, hi = period_index(first, period), period_index(last, period)
    return [_label(i, period) for i in range(lo, hi + 1)]


def quarter_elapsed(label: str, as_of: date | None) -> float:
    """Share of triwulan ``label`` that has passed on ``as_of`` (1.0 when it is over or ``as_of`` is None).

    Raises
    ------
    ValueError
        When ``as_of`` comes before the triwulan starts.
    """
    from analysis.triwulan import quarter_bounds

    start, end = quarter_bounds(normalise_quarter(label))
    if as_of is None or as_of >= end:
        return 1.0
    if as_of < start:
        raise ValueError(f"triwulan {normalise_quarter(label)} belum dimulai pada {as_of:%d/%m/%Y}")
    return ((as_of - start).days + 1) / ((end - start).days + 1)


def fill_period_grid(
    frame: pd.DataFrame, codes, periods, *, period: str = "triwulan", fill: float = 0
) -> pd.DataFrame:
    """Every ``kode`` × every period, with ``fill`` where ``frame`` has no row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table with ``kode``, the period column and value columns; at most one row per
        (kode, period). Rows for other codes or periods are left out.
    codes : sequence of str
        The regions of the grid (e.g. every kabupaten/kota in scope), in the order wanted.
    periods : sequence of str
        The periods of the grid, in order (see :func:`period_labels`).
    period : {"triwulan", "bulan"}
        Name of the period column.
    fill : float
        Value for a region and period without a row (a count of zero).

    Returns
    -------
    pandas.DataFrame
        ``len(codes) × len(periods)`` rows ordered by code, then period; value columns keep an
        integer type when they had one.
    """
    _check_period(period)
    missing = [c for c in ("kode", period) if c not in frame.columns]
    if missing:
        raise ValueError(f"kolom tidak ada: {', '.join(missing)}")
    if frame.duplicated(["kode", period]).any():
        dup = frame.loc[frame.duplicated(["kode", period]), ["kode", period]].iloc[0]
        raise ValueError(
            f"baris ganda untuk kode {dup['kode']} {period} {dup[period]}: satu baris per wilayah dan periode"
        )
    codes, periods = list(codes), list(periods)
    grid = pd.MultiIndex.from_product([codes, periods], names=["kode", period])
    values = frame.set_index(["kode", period]).reindex(grid)
    out = values.fillna(fill).reset_index()
    for column in values.columns:
        if pd.api.types.is_integer_dtype(frame[column].dtype) and float(fill).is_integer():
            out[column] = out[column].astype(frame[column].dtype)
    return out


def to_wide(
    frame: pd.DataFrame, codes, periods, column: str = "jumlah", *, period: str = "triwulan"
) -> np.ndarray:
    """A ``len(codes) × len(periods)`` float array of ``column`` (0 where there is no row)."""
    codes, periods = list(codes), list(periods)
    grid = fill_period_grid(frame[["kode", period, column]], codes, periods, period=period)
    return grid[column].to_numpy(dtype=float).reshape(len(codes), len(periods))


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"periode tidak dikenal: {period!r} (pilihan: {', '.join(PERIODS)})")
