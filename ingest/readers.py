"""Read the files analysts really have into a frame of text cells.

Handles: UTF-8 with or without BOM and Windows-1252; ``;`` or ``,`` separators; XLSX (openpyxl,
with defusedxml installed) and ODS; title rows above the header (merged cells in Excel recaps);
empty rows; header rows repeated inside the data. Every cell stays text; row numbers are kept as
the user sees them in the file (1-based, header included).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["ReadError", "RawTable", "read_small_csv", "read_table"]

MAX_BYTES = 10 * 1024 * 1024
_ENCODINGS = ("utf-8-sig", "cp1252")


class ReadError(ValueError):
    """The file cannot be read as a table; the message names the file."""


@dataclass(frozen=True)
class RawTable:
    """Cells as text, with the file row number of every data row."""

    frame: pd.DataFrame     # columns as in the header, all values str ("" when empty)
    row_numbers: pd.Series  # file row number (1-based) per row of ``frame``
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
    """
    if len(data) > max_bytes:
        raise ReadError(f"{filename}: berkas lebih dari {max_bytes // 1024 // 1024} MB")
    suffix = Path(filename).suffix.lower()
    if suffix in (".csv", ".txt"):
        grid, encoding, sep = _read_csv(data, filename)
    elif suffix in (".xlsx", ".xlsm"):
        grid, encoding, sep = _read_excel(data, filename, "openpyxl"), None, None
    elif suffix == ".ods":
        grid, encoding, sep = _read_excel(data, filename, "odf"), None, None
    else:
        raise ReadError(f"{filename}: format tidak didukung (pakai .csv, .xlsx atau .ods)")
    return _shape(grid, filename, known_columns, encoding, sep)


def normalise_column(name: str) -> str:
    """Header text → comparable key: lower case, spaces and dashes as underscores."""
    return "_".join(str(name).strip().lower().replace("-", " ").replace("/", " ").split())


def _read_csv(data: bytes, filename: str):
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReadError(f"{filename}: pengodean teks tidak dikenal (simpan sebagai CSV UTF-8)")
    sample = "\n".join(text[:20000].splitlines()[:50])
    sep = ";" if sample.count(";") > sample.count(",") else ","
    width = max((len(r) for r in csv.reader(io.StringIO(sample), delimiter=sep)), default=1)
    try:
        grid = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                           names=range(width), engine="c", skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError):  # ragged rows wider than the sample: slower reader
        grid = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                           engine="python", skip_blank_lines=False)
    return grid, encoding, sep


def _read_excel(data: bytes, filename: str, engine: str) -> pd.DataFrame:
    try:
        grid = pd.read_excel(io.BytesIO(data), header=None, dtype=object, engine=engine)
    except Exception as exc:  # the reader libraries raise many types for damaged files
        raise ReadError(f"{filename}: tidak dapat dibaca sebagai lembar kerja ({type(exc).__name__})") from exc
    return grid


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _shape(grid: pd.DataFrame, filename: str, known: set[str], encoding, sep) -> RawTable:
    if sep is None:  # spreadsheets hold numbers and dates; CSV cells are text already
        grid = grid.map(_cell_text)
    else:
        grid = grid.fillna("").apply(lambda col: col.str.strip())
    header_at = None
    for i in range(min(len(grid), 30)):
        keys = {normalise_column(v) for v in grid.iloc[i] if v}
        if len(keys & known) >= 2:
            header_at = i
            break
    if header_at is None:
        raise ReadError(f"{filename}: baris judul kolom tidak ditemukan di 30 baris pertama "
                        "(periksa nama kolom atau pakai pemetaan kolom)")
    header = [normalise_column(v) if v else f"kolom_{j + 1}" for j, v in enumerate(grid.iloc[header_at])]
    body = grid.iloc[header_at + 1:].copy()
    body.columns = header
    numbers = pd.Series(range(header_at + 2, header_at + 2 + len(body)), index=body.index)
    empty = (body == "").all(axis=1)
    # a data row equal to the header; only rows whose first cell looks like the header are checked
    first = body.iloc[:, 0].str.lower().str.strip() == str(grid.iloc[header_at, 0]).lower().strip()
    repeated = pd.Series(False, index=body.index)
    if first.any():
        candidates = body[first]
        same = pd.Series(True, index=candidates.index)
        for j, name in enumerate(header):
            same &= candidates.iloc[:, j].map(normalise_column) == name
        repeated[same.index] = same
    keep = ~empty & ~repeated
    body, numbers = body[keep].reset_index(drop=True), numbers[keep].reset_index(drop=True)
    return RawTable(frame=body, row_numbers=numbers, encoding=encoding, separator=sep, header_row=header_at + 1)


def read_small_csv(path) -> pd.DataFrame:
    """A small reference table (indicators, election context): text cells, ``;`` or ``,``, BOM ok."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"berkas tidak ditemukan: {path}")
    return pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python", encoding="utf-8-sig")
