"""Read the files analysts really have into a table of text cells.

Handles: UTF-8 with or without BOM and Windows-1252; ``;`` or ``,`` separators; XLSX/XLSM and
ODS; title rows above the header (merged cells in Excel recaps); empty rows; header rows repeated
inside the data. Every cell stays text; row numbers are kept as the user sees them in the file
(1-based, header included; a blank line is a row, as in Excel). CSV is parsed by polars on all
cores, so a file of a million rows reads in a fraction of a second; workbooks are read by
calamine (Rust), with openpyxl (defusedxml installed) only for an XLSX calamine cannot read.

Nothing is parsed before it is known to be bounded (:mod:`ingest.limits`): size, zip directory,
true unpacked sizes and the span of cells a reader would allocate.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import python_calamine

from ingest.limits import MAX_UPLOAD_BYTES, Limits, cell_problem, workbook_problem, zip_problem

__all__ = ["MAX_BYTES", "ReadError", "RawTable", "normalise_column", "read_small_csv", "read_table"]

#: Largest upload the page accepts (:data:`ingest.limits.MAX_UPLOAD_BYTES`).
MAX_BYTES = MAX_UPLOAD_BYTES
HEADER_SEARCH_ROWS = 30
_BOM = b"\xef\xbb\xbf"
_SAMPLE_BYTES = 64 * 1024


class ReadError(ValueError):
    """The file cannot be read as a table; the message names the file."""


@dataclass(frozen=True)
class RawTable:
    """Cells as text, with the file row number of every data row."""

    frame: pl.DataFrame     # columns as in the header (normalised), all values str ("" when empty)
    row_numbers: pl.Series  # "baris": file row number (1-based) per row of ``frame``
    encoding: str | None
    separator: str | None
    header_row: int         # file row number of the header


def read_table(data: bytes, filename: str, known_columns: set[str], max_bytes: int = MAX_BYTES) -> RawTable:
    """Read CSV/XLSX/ODS bytes; find the header as the first row holding ≥ 2 known columns.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    filename : str
        Used for the format (extension) and in messages.
    known_columns : set of str
        Normalised column names of the expected format(s), used to find the header row.
    max_bytes : int
        Largest file accepted (uploads: 10 MB; scheduled command-line imports may allow more, and
        get unpacked-size and cell budgets grown in proportion, see :meth:`ingest.limits.Limits.for_size`).

    Raises
    ------
    ReadError
        Too large (file, unpacked workbook or cells), a zip bomb or unsafe zip, unsupported
        format, unknown encoding, damaged file or no header found.
    """
    if len(data) > max_bytes:
        raise ReadError(f"{filename}: berkas lebih dari {max_bytes // 1024 // 1024} MB")
    limits = Limits.for_size(max_bytes)
    suffix = Path(filename).suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(data, filename, known_columns, limits)
    if suffix in (".xlsx", ".xlsm"):
        return _read_sheet(data, filename, known_columns, "xlsx", limits)
    if suffix == ".ods":
        return _read_sheet(data, filename, known_columns, "ods", limits)
    raise ReadError(f"{filename}: format tidak didukung (pakai .csv, .xlsx atau .ods)")


def normalise_column(name: str) -> str:
    """Header text → comparable key: lower case, spaces and dashes as underscores."""
    return "_".join(str(name).strip().lower().replace("-", " ").replace("/", " ").split())


def _read_csv(data: bytes, filename: str, known: set[str], limits: Limits) -> RawTable:
    text, encoding = _as_utf8(data, filename)
    sample = text[:_SAMPLE_BYTES].decode("utf-8", errors="ignore").splitlines()[:50]
    sep = ";" if sum(line.count(";") for line in sample) > sum(line.count(",") for line in sample) else ","
    head = list(csv.reader(sample, delimiter=sep))[:HEADER_SEARCH_ROWS]
    header_at = _find_header(head, known, filename)
    # polars takes its columns from the header line: bound lines × columns before it allocates them
    if len(sample) <= header_at + 1 and len(text) > _SAMPLE_BYTES:
        raise ReadError(f"{filename}: baris judul kolom lebih panjang dari {_SAMPLE_BYTES // 1024} KB")
    problem = cell_problem(filename, text.count(b"\n") + 1 - header_at, len(head[header_at]), limits)
    if problem:
        raise ReadError(problem)
    try:
        # has_header=False: the header is row 0 and every cell stays text; rows shorter than
        # the header get nulls, longer ones are cut (their extra cells have no column name)
        grid = pl.read_csv(text, separator=sep, has_header=False, infer_schema=False, skip_rows=header_at,
                           truncate_ragged_lines=True, raise_if_empty=False)
    except pl.exceptions.PolarsError as exc:
        raise ReadError(f"{filename}: isi CSV rusak dan tidak dapat dibaca ({str(exc).splitlines()[0]})") from exc
    return _shape(grid, filename, header_row=header_at + 1, header_at=0, encoding=encoding, sep=sep)


def _as_utf8(data: bytes, filename: str) -> tuple[bytes, str]:
    """The bytes as UTF-8 without BOM, and the encoding they came in."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # Excel on Windows saves "CSV" in the ANSI code page
        return data.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        raise ReadError(f"{filename}: pengodean teks tidak dikenal (simpan sebagai CSV UTF-8)") from None


def _read_sheet(data: bytes, filename: str, known: set[str], kind: str, limits: Limits) -> RawTable:
    """XLSX/XLSM (``kind="xlsx"``) or ODS, first sheet, every cell as text."""
    problem = zip_problem(data, filename, limits) or workbook_problem(data, filename, kind, limits)
    if problem:
        raise ReadError(problem)
    rows = _calamine_rows(data, filename, limits)
    if rows is None and kind == "xlsx":
        rows = _openpyxl_rows(data, filename, limits)
    if rows is None:
        raise ReadError(f"{filename}: tidak dapat dibaca sebagai lembar kerja "
                        "(simpan ulang sebagai .xlsx atau .ods)")
    frame = _text_frame(rows)
    header_at = _find_header([list(r) for r in frame.head(HEADER_SEARCH_ROWS).iter_rows()], known, filename)
    return _shape(frame, filename, header_row=header_at + 1, header_at=header_at, encoding=None, sep=None)


def _calamine_rows(data: bytes, filename: str, limits: Limits) -> list[list] | None:
    """Rows of the first sheet from row 1 and column A (so list positions are Excel's row and
    column numbers), or None when calamine cannot read the file."""
    try:
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
            sheet = book.get_sheet_by_index(0)
            end = sheet.end
            problem = cell_problem(filename, end[0] + 1, end[1] + 1, limits) if end else None
            if problem:
                raise ReadError(problem)
            return sheet.to_python(skip_empty_area=False)
    except ReadError:
        raise
    except Exception:  # calamine raises its own errors and ValueError/OverflowError on odd cells
        return None


def _openpyxl_rows(data: bytes, filename: str, limits: Limits) -> list[list]:
    """Rows of the first sheet through pandas and openpyxl (XLSX that calamine cannot read)."""
    try:
        grid = pd.read_excel(io.BytesIO(data), header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # the reader libraries raise many types for damaged files
        raise ReadError(f"{filename}: tidak dapat dibaca sebagai lembar kerja ({type(exc).__name__})") from exc
    problem = cell_problem(filename, *grid.shape, limits)
    if problem:
        raise ReadError(problem)
    return grid.to_numpy().tolist()


def _text_frame(rows: list[list]) -> pl.DataFrame:
    """Cells as text in columns ``c0, c1, …``; short rows are padded with empty cells."""
    width = max(map(len, rows), default=0)
    columns = zip(*(row if len(row) == width else [*row, *[""] * (width - len(row))] for row in rows))
    return pl.DataFrame({f"c{j}": _column_text(column) for j, column in enumerate(columns)},
                        schema={f"c{j}": pl.String for j in range(width)})


def _column_text(column) -> list[str]:
    """:func:`_cell_text` of every cell. A column of text, numbers and dates only (nearly every
    column) is converted by type at once; any other value sends the column cell by cell."""
    kinds = set(map(type, column))
    if kinds <= {str}:
        return list(column)                    # surrounding spaces go later, in one polars pass
    other = kinds - {str}
    if len(other) == 1 and (kind := other.pop()) in _BY_KIND:
        if str in kinds:
            at = [i for i, value in enumerate(column) if value.__class__ is kind]
            out = list(column)
            for i, text in zip(at, _BY_KIND[kind]([column[i] for i in at])):
                out[i] = text
            return out
        return _BY_KIND[kind](column)
    return [value if value.__class__ is str else _cell_text(value) for value in column]


def _float_texts(values) -> list[str]:
    """Floats as :func:`_cell_text` writes them: whole numbers without ``.0``, others by ``repr``,
    NaN empty."""
    number = np.asarray(values, dtype=float)
    out = np.empty(len(number), dtype=object)
    out[np.isnan(number)] = ""
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(number) & (number == np.floor(number))
        small = whole & (np.abs(number) < 2.0**62)
    out[small] = pl.Series(number[small].astype(np.int64)).cast(pl.String).to_list()
    rest = np.flatnonzero(~np.isnan(number) & ~small)
    out[rest] = [str(int(v)) if v.is_integer() else repr(v) for v in number[rest].tolist()]
    return out.tolist()


def _date_texts(values) -> list[str]:
    """Dates (and datetimes) as ``YYYY-MM-DD``, as :func:`_cell_text` writes them."""
    series = pl.Series(values)
    if series.dtype not in (pl.Date, pl.Datetime) or series.dt.year().min() < 1000:  # strftime pads no year < 1000
        return [_cell_text(value) for value in values]
    return series.dt.strftime("%Y-%m-%d").to_list()


#: Cell types converted a whole column at a time by :func:`_column_text`.
_BY_KIND = {float: _float_texts, dt.date: _date_texts, dt.datetime: _date_texts}


def _cell_text(value) -> str:
    """The text a user would type for a cell value: dates as ``YYYY-MM-DD``, whole numbers without
    ``.0``, empty for a missing value."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dt.time):
        return value.isoformat()
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _find_header(rows: list[list], known: set[str], filename: str) -> int:
    for i, row in enumerate(rows):
        keys = {normalise_column(v) for v in row if v}
        if len(keys & known) >= 2:
            return i
    raise ReadError(f"{filename}: baris judul kolom tidak ditemukan di {HEADER_SEARCH_ROWS} baris pertama "
                    "(periksa nama kolom atau pakai pemetaan kolom)")


def _shape(grid: pl.DataFrame, filename: str, *, header_row: int, header_at: int, encoding, sep) -> RawTable:
    """Name the columns after the header row, drop empty and repeated-header rows, number the rest."""
    raw_header = ["" if v is None else str(v).strip() for v in grid.row(header_at)] if len(grid) else []
    header = _unique([normalise_column(v) if v else f"kolom_{j + 1}" for j, v in enumerate(raw_header)])
    body = grid.slice(header_at + 1)
    body.columns = header
    body = body.with_columns(pl.all().fill_null("").str.strip_chars())
    first_row = header_row + 1
    body = body.with_columns(pl.int_range(first_row, first_row + len(body), dtype=pl.Int64).alias("__baris"))
    body = body.filter(~pl.all_horizontal(pl.col(c) == "" for c in header))
    # a data row equal to the header: only rows whose first cell looks like the header's are compared
    looks_like = body.filter(pl.col(header[0]).str.to_lowercase() == raw_header[0].lower())
    if len(looks_like):
        same = looks_like.filter(pl.all_horizontal(_normalised(pl.col(c)) == c for c in header))
        body = body.filter(~pl.col("__baris").is_in(same["__baris"].implode()))
    numbers = body.get_column("__baris").alias("baris")
    return RawTable(frame=body.drop("__baris"), row_numbers=numbers, encoding=encoding, separator=sep,
                    header_row=header_row)


def _normalised(cells: pl.Expr) -> pl.Expr:
    """:func:`normalise_column` as an expression (used on the few header-like rows only)."""
    return cells.str.to_lowercase().str.replace_all(r"[-/]", " ").str.strip_chars().str.replace_all(r"\s+", "_")


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def read_small_csv(path) -> pd.DataFrame:
    """A small reference table (indicators, election context): text cells, ``;`` or ``,``, BOM ok."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"berkas tidak ditemukan: {path}")
    return pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python", encoding="utf-8-sig")
