"""Parse Indonesian-style values, vectorised: dates, numbers with decimal commas, coordinates."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["MONTHS", "parse_dates", "parse_numbers"]

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3, "april": 4,
    "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8, "agu": 8, "agt": 8,
    "agus": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "nopember": 11, "desember": 12, "des": 12,
    # English month names appear in ACLED/UCDP exports
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8, "aug": 8,
    "october": 10, "oct": 10, "december": 12, "dec": 12,
}
_DMY = re.compile(r"^\s*(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_WORDS = re.compile(r"^\s*(\d{1,2})[\s\-]+([A-Za-z]+)[\s\-,]+(\d{4})\s*$")
_SERIAL = re.compile(r"^\s*(\d{5})(?:\.0+)?\s*$")
_EXCEL_EPOCH = np.datetime64("1899-12-30")


def parse_dates(values: pd.Series) -> pd.Series:
    """Text → dates (``datetime64``), NaT where unreadable.

    Accepted: ``11/05/2024``, ``11-5-2024``, ``11.05.2024`` (day first), ``2024-05-11``,
    ``11 Mei 2024`` / ``11-Mei-2024`` / ``11 May 2024``, Excel serial numbers (``45423``).
    """
    text = values.fillna("").astype(str)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for pattern, build in ((_DMY, _from_dmy), (_ISO, _from_iso), (_WORDS, _from_words), (_SERIAL, _from_serial)):
        todo = out.isna() & (text != "")
        if not todo.any():
            break
        parts = text[todo].str.extract(pattern)
        matched = parts.notna().all(axis=1)
        if matched.any():
            out.loc[parts.index[matched]] = build(parts[matched])
    return out


def _assemble(year, month, day) -> pd.Series:
    frame = pd.DataFrame({"year": pd.to_numeric(year, errors="coerce"),
                          "month": pd.to_numeric(month, errors="coerce"),
                          "day": pd.to_numeric(day, errors="coerce")})
    return pd.to_datetime(frame, errors="coerce")


def _from_dmy(parts):
    return _assemble(parts[2], parts[1], parts[0]).to_numpy()


def _from_iso(parts):
    return _assemble(parts[0], parts[1], parts[2]).to_numpy()


def _from_words(parts):
    month = parts[1].str.lower().map(MONTHS)
    return _assemble(parts[2], month, parts[0]).to_numpy()


def _from_serial(parts):
    days = pd.to_numeric(parts[0], errors="coerce")
    ok = days.between(20000, 80000)
    return np.where(ok, _EXCEL_EPOCH + days.fillna(0).astype("int64").to_numpy().astype("timedelta64[D]"),
                    np.datetime64("NaT"))


def parse_numbers(values: pd.Series) -> pd.Series:
    """Text → float, accepting decimal commas (``-3,4420``) and dots; NaN where unreadable.

    A value with both ``.`` and ``,`` is read Indonesian-style: ``.`` groups thousands.
    """
    text = values.fillna("").astype(str).str.strip().str.replace(" ", "", regex=False)
    both = text.str.contains(".", regex=False) & text.str.contains(",", regex=False)
    text = text.where(~both, text.str.replace(".", "", regex=False))
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce")
