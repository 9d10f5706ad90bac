"""Read the files analysts really have into a table of text cells.

Handles: UTF-8 with or without BOM and Windows-1252; ``;`` or ``,`` separators; XLSX (openpyxl,
with defusedxml installed) and ODS; title rows above the header (merged cells in Excel recaps);
empty rows; header rows repeated inside the data. Every cell stays text; row numbers are kept as
the user sees them in the file (1-based, header included; a blank line is a row, as in Excel).
CSV is parsed by polars on all cores, so a file of a million rows reads in a fraction of a second.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl

__all__ = ["ReadError", "RawTable", "normalise_column", "read_small_csv", "read_table"]

MAX_BYTES = 10 * 1024 * 1024
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
        Largest file accepted (uploads: 10 MB; scheduled command-line imports may allow more).

    Raises
    ------
    ReadError
        Too large, unsupported format, unknown encoding, damaged file or no header found.
    """
    if len(data) > max_bytes:
        raise ReadError(f"{filename}: berkas lebih dari {max_bytes // 1024 // 1024} MB")
    suffix = Path(filename).suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(data, filename, known_columns)
    if suffix in (".xlsx", ".xlsm"):
        return _read_sheet(data, filename, known_columns, "openpyxl")
    if suffix == ".ods":
        return _read_sheet(data, filename, known_columns, "odf")
    raise ReadError(f"{filename}: format tidak didukung (pakai .csv, .xlsx atau .ods)")


def normalise_column(name: str) -> str:
    """Header text → comparable key: lower case, spaces and dashes as underscores."""
    return "_".join(str(name).strip().lower().replace("-", " ").replace("/", " ").split())


def _read_csv(data: bytes, filename: str, known: set[str]) -> RawTable:
    text, encoding = _as_utf8(data, filename)
    sample = text[:_SAMPLE_BYTES].decode("utf-8", errors="ignore").splitlines()[:50]
    sep = ";" if sum(line.count(";") for line in sample) > sum(line.count(",") for line in sample) else ","
    head = list(csv.reader(sample, delimiter=sep))[:HEADER_SEARCH_ROWS]
    header_at = _find_header(head, known, filename)
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


def _read_sheet(data: bytes, filename: str, known: set[str], engine: str) -> RawTable:
    try:
        grid = pd.read_excel(io.BytesIO(data), header=None, dtype=object, engine=engine)
    except Exception as exc:  # the reader libraries raise many types for damaged files
        raise ReadError(f"{filename}: tidak dapat dibaca sebagai lembar kerja ({type(exc).__name__})") from exc
    # spreadsheets hold numbers and dates; turn every cell into the text a user would type
    text = grid.map(_cell_text)
    frame = pl.DataFrame({f"c{j}": text[c].tolist() for j, c in enumerate(text.columns)}, schema={
        f"c{j}": pl.String for j in range(text.shape[1])})
    header_at = _find_header([list(r) for r in frame.head(HEADER_SEARCH_ROWS).iter_rows()], known, filename)
    return _shape(frame, filename, header_row=header_at + 1, header_at=header_at, encoding=None, sep=None)


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
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
