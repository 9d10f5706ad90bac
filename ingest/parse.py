"""Parse Indonesian-style values, vectorised: dates, numbers with decimal commas, coordinates.

The functions take a polars or a pandas Series of text and return the same kind. Dates are
parsed once per distinct text (a file of a million reports holds a few thousand dates) and
mapped back, which is what makes them cheap on large files.
"""

from __future__ import annotations

import pandas as pd
import polars as pl

__all__ = ["MONTHS", "parse_dates", "parse_number_columns", "parse_numbers"]

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3, "april": 4,
    "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8, "agu": 8, "agt": 8,
    "agus": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "nopember": 11, "desember": 12, "des": 12,
    # English month names appear in ACLED/UCDP exports
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8, "aug": 8,
    "october": 10, "oct": 10, "december": 12, "dec": 12,
}
# (pattern, names of its groups): every accepted form becomes year, month (number or name), day
_DATE_FORMS = (
    (r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$", ("d", "m", "y")),            # 11/05/2024, 11-5-2024
    (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$", ("y", "m", "d")),           # 2024-05-11[ 00:00:00]
    (r"^(\d{1,2})[\s\-]+([A-Za-z]+)[\s\-,]+(\d{4})$", ("d", "mon", "y")),     # 11 Mei 2024, 11-May-2024
)
_SERIAL = r"^(\d{5})(?:\.0+)?$"          # Excel serial day numbers (45423)
_EXCEL_EPOCH = pl.date(1899, 12, 30)


def parse_dates(values):
    """Text → dates, null (NaT) where unreadable or impossible (31/02/2024).

    Accepted: ``11/05/2024``, ``11-5-2024``, ``11.05.2024`` (day first), ``2024-05-11``,
    ``11 Mei 2024`` / ``11-Mei-2024`` / ``11 May 2024``, Excel serial numbers (``45423``).

    Parameters
    ----------
    values : polars.Series or pandas.Series
        Text (or null).

    Returns
    -------
    polars.Series of ``Date`` or pandas.Series of ``datetime64[ns]``, like the input.
    """
    if isinstance(values, pd.Series):
        parsed = parse_dates(_from_pandas(values))
        return pd.Series(parsed.cast(pl.Datetime("ns")).to_numpy(), index=values.index, dtype="datetime64[ns]")
    text = values.cast(pl.String).str.strip_chars()
    distinct = text.drop_nulls().unique()
    return text.replace_strict(distinct, _dates_of(distinct), default=None, return_dtype=pl.Date)


def _dates_of(text: pl.Series) -> pl.Series:
    """Parse distinct date texts (the slow, thorough part of :func:`parse_dates`)."""
    frame = pl.DataFrame({"t": text})
    iso = []
    for pattern, names in _DATE_FORMS:
        parts = pl.col("t").str.extract_groups(pattern).struct.rename_fields(list(names))
        month = parts.struct.field("m") if "m" in names else (
            parts.struct.field("mon").str.to_lowercase().replace_strict(MONTHS, default=None, return_dtype=pl.String))
        iso.append(pl.format("{}-{}-{}", parts.struct.field("y"), month, parts.struct.field("d")))
    serial = pl.col("t").str.extract(_SERIAL, 1).cast(pl.Int64, strict=False)
    from_serial = pl.when(serial.is_between(20000, 80000)).then(_EXCEL_EPOCH + pl.duration(days=serial))
    out = frame.select(pl.coalesce(pl.coalesce(iso).str.to_date("%Y-%m-%d", strict=False), from_serial.cast(pl.Date)))
    return out.to_series()


def parse_number_columns(frame: pl.DataFrame, columns) -> pl.DataFrame:
    """``frame`` with the text ``columns`` parsed as :func:`parse_numbers` does, in parallel.

    Most cells need only a comma → dot and a cast; the few that still fail (``1.234,5``,
    ``1 234``) are normalised again on their own, so clean columns cost one pass.
    """
    columns = list(columns)
    if not columns:
        return frame
    fast = frame.select(pl.col(c).str.replace(",", ".", literal=True).cast(pl.Float64, strict=False) for c in columns)
    # which columns hold text the fast cast could not read, all columns in one parallel pass
    retry = pl.concat([frame.select(columns), fast.select(pl.all().name.suffix("__angka"))], how="horizontal").select(
        (pl.col(f"{c}__angka").is_null() & pl.col(c).is_not_null() & (pl.col(c) != "")).alias(c) for c in columns)
    failed = retry.select(pl.all().any()).row(0)
    out = []
    for name, any_failed in zip(columns, failed):
        number = fast[name]
        if any_failed:
            where = retry[name].arg_true()
            number = number.scatter(where, _thorough_numbers(frame[name].gather(where)))
        out.append(number)
    # "nan", "inf" are not numbers a user meant: not finite → null
    return frame.with_columns(pl.Series(name, s) for name, s in zip(columns, out)).with_columns(
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in columns)


def _thorough_numbers(text: pl.Series) -> pl.Series:
    t = text.str.replace_all(r"\s", "")
    both = t.str.contains(".", literal=True) & t.str.contains(",", literal=True)
    t = pl.select(pl.when(both).then(t.str.replace_all(".", "", literal=True)).otherwise(t)).to_series()
    return t.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)


def parse_numbers(values):
    """Text → float, accepting decimal commas (``-3,4420``) and dots; null (NaN) where unreadable.

    A value with both ``.`` and ``,`` is read Indonesian-style: ``.`` groups thousands.
    A polars or pandas Series in, the same kind out.
    """
    if isinstance(values, pd.Series):
        return pd.Series(parse_numbers(_from_pandas(values)).to_numpy(), index=values.index, dtype=float)
    name = values.name or "nilai"
    return parse_number_columns(pl.DataFrame({name: values.cast(pl.String)}), [name]).to_series()


def _from_pandas(values: pd.Series) -> pl.Series:
    """A pandas column of text (any missing marker) as a polars String series with nulls."""
    return pl.Series(values.astype(object).where(values.notna(), None).tolist(), dtype=pl.String)
