"""Neutralise spreadsheet formula injection (SECURITY.md §2).

A text cell starting with ``= + - @``, tab or carriage return is read as a formula by Excel and
LibreOffice, in CSV as in XLSX; a leading apostrophe makes it inert text.

XLSX writers add one more trap: xlsxwriter and rust_xlsxwriter copy text of the form
``<r>…</r>`` into the workbook as raw rich-text XML, unescaped, so such a title can corrupt the
file or shift every shared string after it. :func:`neutralise_xlsx_frame` prefixes that too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FORMULA_PREFIXES", "XLSX_PREFIXES", "neutralise", "neutralise_frame", "neutralise_xlsx_frame",
           "to_csv_bytes"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Also the start of the raw rich-text markup that XLSX writers pass through unescaped.
XLSX_PREFIXES = FORMULA_PREFIXES + ("<r>",)

# What pandas' ``infer_dtype`` calls an object column that holds at least one ``str``.
_KINDS_WITH_TEXT = frozenset({"string", "mixed", "mixed-integer"})


def neutralise(value, prefixes: tuple[str, ...] = FORMULA_PREFIXES):
    """``value`` with a leading ``'`` when it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(prefixes):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell neutralised (numbers untouched).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table about to leave SIGAP as CSV or XLSX.

    Returns
    -------
    pandas.DataFrame
        The same table where each text cell starting with one of :data:`FORMULA_PREFIXES` has a
        leading ``'``; numbers, dates, missing values and other non-text cells are unchanged.
    """
    return _neutralise(frame, FORMULA_PREFIXES)


def neutralise_xlsx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`neutralise_frame` for a table about to be written to an XLSX workbook: text starting
    with ``<r>`` (see :data:`XLSX_PREFIXES`) gets the leading ``'`` too."""
    return _neutralise(frame, XLSX_PREFIXES)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads Indonesian text right) of a neutralised frame."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def _neutralise(frame: pd.DataFrame, prefixes: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for position in range(out.shape[1]):  # by position: column names may repeat
        values = out.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out.isetitem(position, _neutralise_column(values, prefixes))
    return out


def _neutralise_column(values: pd.Series, prefixes: tuple[str, ...]) -> pd.Series:
    """Prefix only the matching cells: one vectorised test instead of a Python call per cell."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.map(lambda value: neutralise(value, prefixes))  # once per category, not per cell
    hits = _text_starting_with(values, prefixes)
    fixed = values.copy()
    if len(hits):
        fixed.iloc[hits] = ("'" + values.iloc[hits]).to_numpy()
    # Give object columns the dtype that ``Series.map`` inferred before (text + None -> str),
    # so callers see the same frame as with the per-cell version.
    return fixed.infer_objects() if values.dtype == object else fixed


def _text_starting_with(values: pd.Series, prefixes: tuple[str, ...]) -> np.ndarray:
    """Positions of the ``str`` cells that start with one of ``prefixes``."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in _KINDS_WITH_TEXT:
        return np.empty(0, dtype=np.intp)
    starts = values.str.startswith(prefixes, na=False).to_numpy(dtype=bool, na_value=False)
    hits = np.flatnonzero(starts)
    if values.dtype == object:
        # ``.str`` also asks other objects that have a ``startswith``; only real text counts.
        cells = values.to_numpy()[hits]
        hits = hits[np.fromiter((isinstance(cell, str) for cell in cells), dtype=bool, count=len(hits))]
    return hits
