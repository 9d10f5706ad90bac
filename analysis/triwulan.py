"""Triwulan (quarter) labels and their date ranges, e.g. ``"2024 T3"`` = 1 Jul – 30 Sep 2024."""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = ["previous_quarter", "quarter_bounds", "quarter_label", "quarters_between"]

_LABEL = re.compile(r"^(\d{4}) T([1-4])$")


def quarter_label(day: date) -> str:
    """The triwulan a day falls in: ``"2024 T3"``."""
    return f"{day.year} T{(day.month - 1) // 3 + 1}"


def quarter_bounds(label: str) -> tuple[date, date]:
    """First and last day (inclusive) of a triwulan label."""
    match = _LABEL.match(label)
    if match is None:
        raise ValueError(f"label triwulan tidak sah: {label!r} (contoh: '2024 T3')")
    year, q = int(match[1]), int(match[2])
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return start, end


def previous_quarter(label: str) -> str:
    """The triwulan before ``label`` (``"2025 T1"`` → ``"2024 T4"``)."""
    return quarter_label(quarter_bounds(label)[0] - timedelta(days=1))


def quarters_between(start: date, end: date) -> list[str]:
    """Every triwulan label from the one holding ``start`` to the one holding ``end``."""
    labels, year, q = [], start.year, (start.month - 1) // 3 + 1
    last = quarter_label(end)
    while True:
        label = f"{year} T{q}"
        labels.append(label)
        if label == last:
            return labels
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
