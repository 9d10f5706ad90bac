"""Neutralise spreadsheet formula injection (SECURITY.md §2).

A text cell starting with ``= + - @``, tab or carriage return is read as a formula by Excel and
LibreOffice, in CSV as in XLSX; a leading apostrophe makes it inert text.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralise", "neutralise_frame", "to_csv_bytes"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` with a leading ``'`` when it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell neutralised (numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads Indonesian text right) of a neutralised frame."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")
