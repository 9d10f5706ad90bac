"""Upper bounds on what an uploaded file may hold, checked before and while it is parsed.

XLSX, XLSM and ODS are zip files, and a small zip can unpack to gigabytes (a 1.3 MB workbook
expanding 242× held the server for minutes). So before any spreadsheet library sees the bytes:
the zip directory is read (sizes, member count, ratio, names), every member is inflated once in
small pieces to prove its declared size is true, and on the way every member is scanned for how
many cells it would span as a sheet. A sheet library allocates every cell of that span at once — a
single cell at XFD1048576 makes calamine ask for 512 GB and end the process — so the span is
bounded before the library is called.

Every check here is a pure function that returns ``None`` when the input is within bounds or the
message to show (Bahasa Indonesia, naming the file) when it is not; :mod:`ingest.readers` turns
a message into a ``ReadError``. Text lengths (:data:`TEXT_LIMITS`) are shared by the import
validation and the report form.
"""

from __future__ import annotations

import codecs
import copy
import io
import operator
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from lang import number

__all__ = [
    "DEFAULT_TEXT_LIMIT", "MAX_CELLS", "MAX_COMPRESSION_RATIO", "MAX_UNPACKED_BYTES", "MAX_UPLOAD_BYTES",
    "MAX_ZIP_MEMBERS", "TEXT_LIMITS", "Limits", "cell_problem", "ods_extent", "text_limit",
    "workbook_problem", "xlsx_extent", "zip_problem",
]

#: Largest upload (CSV, XLSX, ODS) the page accepts.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Largest total unpacked size of a workbook's zip members.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Largest unpacked/packed ratio of one member (ordinary workbooks stay well under 20).
MAX_COMPRESSION_RATIO = 100
#: Members smaller than this are not held to the ratio (a tiny file of repeated text packs > 100×).
RATIO_MIN_BYTES = 1024 * 1024
#: Most members a workbook zip may have.
MAX_ZIP_MEMBERS = 1_000
#: Most cells (rows × columns, counting empty cells inside the used area) of one sheet or CSV.
MAX_CELLS = 5_000_000

#: Longest text (characters) per field, for imports and the report form alike. Fields of the import
#: template and of the ``incidents`` table are both listed; any other text cell of an import is held
#: to :data:`DEFAULT_TEXT_LIMIT`. Region names and codes are not free text: the longest official
#: name has 39 characters, and every character of an unknown name costs fuzzy-matching time.
TEXT_LIMITS = {
    "judul": 500,
    "kronologi": 20_000,
    "analisis": 20_000,
    **{name: 1_000 for name in (
        "subkategori", "aktor_1", "aktor_2", "aktor1", "aktor2", "sumber", "sumber_info", "id_sumber",
        "rekomendasi", "instansi_penanganan",
    )},
    **{name: 100 for name in ("provinsi", "kabupaten_kota", "kecamatan")},
    **{name: 20 for name in ("kode_kab", "kode_kec")},
}
#: Longest text of any cell not named in :data:`TEXT_LIMITS`.
DEFAULT_TEXT_LIMIT = 1_000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected workbooks
_CHUNK = 1024 * 1024
_MAX_TAG = 4 * 1024 * 1024                        # one XML tag with its attributes


@dataclass(frozen=True)
class Limits:
    """The bounds one read is held to.

    ``for_size`` gives the constants above for the upload size of the page (10 MB). A caller
    that deliberately accepts larger files (the command line's ``--max-mb``) gets unpacked-size
    and cell budgets grown in proportion; ratio, member count and names stay fixed.
    """

    max_bytes: int = MAX_UPLOAD_BYTES
    max_unpacked: int = MAX_UNPACKED_BYTES
    max_ratio: int = MAX_COMPRESSION_RATIO
    max_members: int = MAX_ZIP_MEMBERS
    max_cells: int = MAX_CELLS

    @classmethod
    def for_size(cls, max_bytes: int) -> Limits:
        """Limits for a read that accepts files up to ``max_bytes``."""
        scale = max(1.0, max_bytes / MAX_UPLOAD_BYTES)
        return cls(max_bytes=max_bytes, max_unpacked=int(MAX_UNPACKED_BYTES * scale),
                   max_cells=int(MAX_CELLS * scale))


def text_limit(column: str) -> int:
    """Longest text allowed in ``column`` (characters)."""
    return TEXT_LIMITS.get(column, DEFAULT_TEXT_LIMIT)


def _mb(size: int) -> str:
    return f"{number(size / 1024 / 1024)} MB"


def _count(count: int) -> str:
    return number(count)


def cell_problem(filename: str, rows: int, columns: int, limits: Limits) -> str | None:
    """Message when a sheet or CSV spans more than ``limits.max_cells`` cells."""
    if rows * columns <= limits.max_cells:
        return None
    return (f"{filename}: lembar kerja terlalu besar — {_count(rows)} baris × {_count(columns)} kolom "
            f"= {_count(rows * columns)} sel, batasnya {_count(limits.max_cells)} sel "
            "(hapus baris/kolom kosong yang berformat, atau bagi berkas menjadi beberapa bagian)")


def zip_problem(data: bytes, filename: str, limits: Limits) -> str | None:
    """Message when ``data`` is not a zip, or its directory shows a bomb or unsafe names.

    Only the central directory is read: nothing is unpacked, so a bomb is refused in
    milliseconds whatever it would expand to.
    """
    if data.startswith(_OLE_MAGIC):
        return (f"{filename}: berkas dilindungi kata sandi atau berformat Excel lama (.xls); "
                "buka di Excel lalu simpan sebagai .xlsx tanpa kata sandi")
    if not data.startswith(_ZIP_MAGIC):
        return f"{filename}: bukan berkas lembar kerja yang sah (isi berkas bukan arsip XLSX/ODS)"
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return f"{filename}: arsip lembar kerja rusak ({exc})"
    if len(members) > limits.max_members:
        return (f"{filename}: arsip berisi {_count(len(members))} bagian, batasnya "
                f"{_count(limits.max_members)}; bukan lembar kerja biasa")
    total = 0
    for member in members:
        if _unsafe_name(member.filename):
            return f"{filename}: berisi nama bagian yang tidak aman ({member.filename!r})"
        if (member.external_attr >> 16) & 0o170000 == 0o120000:
            return f"{filename}: berisi tautan simbolik ({member.filename!r}); berkas ditolak"
        if member.flag_bits & 0x1:
            return f"{filename}: berkas dilindungi kata sandi; simpan ulang tanpa kata sandi"
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_MIN_BYTES and ratio > limits.max_ratio:
            return (f"{filename}: bagian {member.filename} memuai {_count(round(ratio))}× saat dibuka "
                    f"(batasnya {limits.max_ratio}×); berkas ini tampak seperti bom zip dan ditolak")
    if total > limits.max_unpacked:
        return (f"{filename}: isi berkas {_mb(total)} bila dibuka, batasnya {_mb(limits.max_unpacked)}; "
                "berkas ditolak sebelum dibaca")
    return None


def _unsafe_name(name: str) -> bool:
    """A member name that climbs out of the archive or is absolute."""
    name = name.replace("\\", "/")
    return (name.startswith("/") or bool(re.match(r"^[A-Za-z]:", name)) or ".." in name.split("/")
            or "\x00" in name)


def workbook_problem(data: bytes, filename: str, kind: str, limits: Limits) -> str | None:
    """Message when a workbook that passed :func:`zip_problem` is still unsafe to hand to a reader.

    Every member is inflated once, a megabyte at a time, to prove the size its directory
    declares (a forged directory could otherwise hide a bomb from :func:`zip_problem`). On the
    way every member is scanned for the cells it would span as a sheet: the workbook's relations
    may name any member as a sheet, so none is skipped by its name.

    Parameters
    ----------
    kind : str
        ``"xlsx"`` (also XLSM) or ``"ods"``.
    """
    archive = zipfile.ZipFile(io.BytesIO(data))
    scan = ods_extent if kind == "ods" else xlsx_extent
    try:
        for member in archive.infolist():
            if member.is_dir():
                continue
            problem = cell_problem(filename, *scan(_as_utf8(_inflate(archive, member))), limits)
            if problem:
                return f"{problem}; bagian {member.filename}"
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        return f"{filename}: bagian lembar kerja rusak atau ukurannya dipalsukan ({exc})"
    return None


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes a megabyte at a time; fails when there are more or fewer than declared."""
    probe = copy.copy(member)
    probe.file_size = member.file_size + 1   # read one byte past the declared end, if there is one
    seen = 0
    with archive.open(probe) as stream:
        while chunk := stream.read(_CHUNK):
            seen += len(chunk)
            if seen > member.file_size:
                raise zipfile.BadZipFile(f"{member.filename}: isi lebih besar dari "
                                         f"{_count(member.file_size)} bita yang tertulis")
            yield chunk
    if seen != member.file_size:
        raise zipfile.BadZipFile(f"{member.filename}: isi {_count(seen)} bita, "
                                 f"tertulis {_count(member.file_size)}")


def _as_utf8(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks as UTF-8: XML may come as UTF-16 (with its byte-order mark), which readers decode."""
    chunks = iter(chunks)
    first = next(chunks, b"")
    if not first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield first
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    yield decoder.decode(first).encode("utf-8")
    for chunk in chunks:
        yield decoder.decode(chunk).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


# --- XLSX sheet span -------------------------------------------------------------------------------------
# Excel, LibreOffice, openpyxl and xlsxwriter write every cell as <c r="B7" with r first: counting those is
# fast, and when every cell tag has such a reference the span is exact. Anything else (cells without r,
# namespace prefixes, r not first) is walked tag by tag.
_CELL_REF = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)
_ATTRS = rb'((?:[^>"\']|"[^"]*"|\'[^\']*\')*?)'      # attributes; a quoted value may hold ">"
_TAG = re.compile(rb'<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])' + _ATTRS + rb'>')
_ATTR = re.compile(rb'([^\s=/>]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REFERENCE = re.compile(rb'([A-Za-z]*)([0-9]*)')
#: A cell tag that is not ``<c r="…``: no prefix, then anything but ' r="' after the name.
_OTHER_CELL = re.compile(rb'<c(?:[\t\n\r/>]| (?!r="))')
_PREFIXED_CELL = re.compile(rb'<[\w.-]+:c[\s/>]')


def _all_cells_referenced(text: bytes) -> bool:
    """Whether every cell tag in ``text`` is the plain ``<c r="…`` form."""
    return _OTHER_CELL.search(text) is None and (b":c" not in text or _PREFIXED_CELL.search(text) is None)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter & ~32) - 64   # "a" counts as "A"
    return number


def _attribute(attrs: bytes, name: bytes) -> bytes | None:
    """The raw value of the first attribute whose local name is ``name``, whatever its prefix
    (read in order, so text inside another value is skipped)."""
    for found in _ATTR.finditer(attrs):
        if found.group(1).rpartition(b":")[2] == name:
            return found.group(2) if found.group(2) is not None else found.group(3)
    return None


def _reference(attrs: bytes) -> tuple[bytes, bytes]:
    """(column letters, row digits) of an ``r`` attribute, both empty when there is none.

    A value of any other shape (entities, ``$``) is refused rather than guessed at.
    """
    value = _attribute(attrs, b"r")
    if value is None:
        return b"", b""
    parts = _REFERENCE.fullmatch(value)
    if parts is None:
        raise ValueError(f"referensi sel tidak lazim: {value[:20]!r}")
    return parts.group(1), parts.group(2)


def _tag_chunks(chunks) -> Iterator[bytes]:
    """Chunks cut so that no tag is split between two of them (text between tags may be dropped)."""
    tail = b""
    for chunk in chunks:
        text = tail + chunk
        tail = b""
        cut = text.rfind(b"<")
        if cut < 0:                           # text inside an element: no tag starts here
            continue
        if text.find(b">", cut) >= 0:         # the last tag is complete
            yield text
        elif cut > 0:
            yield text[:cut]
            tail = text[cut:]
        elif len(text) > _MAX_TAG:
            raise ValueError(f"satu tag XML lebih dari {_mb(_MAX_TAG)}")
        else:
            tail = text
    if tail:
        yield tail


def xlsx_extent(chunks) -> tuple[int, int]:
    """(rows, columns) a reader allocates for this sheet XML: row 1/column A to the farthest cell.

    Parameters
    ----------
    chunks : iterable of bytes
        The sheet XML, in pieces of any size.
    """
    rows = columns = row_tags = 0
    walk: _Walk | None = None
    for text in _tag_chunks(chunks):
        if walk is None:
            if _all_cells_referenced(text):               # every cell says where it is
                row_tags += text.count(b"<row") + text.count(b":row")   # may count more: a safe start
                cell_refs = _CELL_REF.findall(text)
                if cell_refs:                               # a row without cells allocates nothing
                    rows = max(rows, max(map(int, set(map(_SECOND, cell_refs)))))
                    columns = max(columns, max(map(_column_number, set(map(_FIRST, cell_refs)))))
                continue
            walk = _Walk(rows, columns, row_tags)
        walk.feed(text)
    if walk is not None:
        return walk.rows, walk.columns
    return rows, columns


class _Walk:
    """Tag-by-tag span of a sheet whose rows or cells lack references (an upper bound: a row or cell
    without ``r`` is placed after both the previous one and every one counted before it)."""

    def __init__(self, rows: int, columns: int, rows_seen: int):
        self.rows, self.columns = rows, columns
        self.rows_seen = rows_seen   # row tags before the walk started
        self.row = max(rows, rows_seen)  # 1-based number of the current row, or more
        self.column = self.cells_in_row = 0

    def feed(self, text: bytes) -> None:
        for closing, name, attrs in _TAG.findall(text):
            if closing:
                continue
            letters, digits = _reference(attrs)
            if name == b"row":
                self.rows_seen += 1
                self.row = int(digits) if digits and not letters else max(self.row + 1, self.rows_seen)
                self.column = self.cells_in_row = 0
                continue
            self.cells_in_row += 1
            if letters and digits:
                self.column = _column_number(letters)
                self.rows = max(self.rows, int(digits))
            else:
                self.column = max(self.column + 1, self.cells_in_row)
                self.rows = max(self.rows, self.row, 1)
            self.columns = max(self.columns, self.column)


# --- ODS sheet span --------------------------------------------------------------------------------------
_ODS_TAG = re.compile(rb'<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])' + _ATTRS
                      + rb'(/?)>')


def _repeat(attrs: bytes, name: bytes) -> int:
    """How often a row or cell repeats (1 when not said); a value that is not digits is refused."""
    value = _attribute(attrs, name)
    if value is None:
        return 1
    if not value.isdigit():
        raise ValueError(f"jumlah ulangan tidak lazim: {value[:20]!r}")
    return int(value)


def ods_extent(chunks) -> tuple[int, int]:
    """(rows, columns) of the first table of an ODS ``content.xml`` up to its last non-empty cell.

    Repeated rows and cells count as many times as they repeat; trailing empty ones (which
    LibreOffice writes to the sheet's edge and readers skip) do not. Rows of a table nested
    inside the first one count as its rows (an upper bound).
    """
    walk = _OdsWalk()
    for text in _tag_chunks(chunks):
        walk.feed(text)   # every chunk is read, also after the first table, so the size check completes
    return walk.height, walk.width


class _OdsWalk:
    def __init__(self):
        self.depth = 0                # table nesting
        self.done = False             # the first table has ended
        self.row_repeat = 0
        self.rows_before = 0          # rows (with repeats) before the current one
        self.row_width = 0            # columns up to the last non-empty cell of the current row
        self.position = 0             # columns consumed in the current row
        self.open_cells: list[tuple[int, int]] = []   # (repeat, start) of cells not yet closed
        self.height = self.width = 0

    def feed(self, text: bytes) -> None:
        for closing, name, attrs, empty in _ODS_TAG.findall(text):
            if self.done:
                return
            if name == b"table":
                if not empty:
                    self.depth += -1 if closing else 1
                    self.done = self.depth == 0
            elif self.depth == 0:
                continue
            elif name == b"table-row":
                self._row(closing, attrs, empty)
            elif closing:                                   # </table:table-cell>: it held content
                if self.open_cells:
                    repeat, start = self.open_cells.pop()
                    self.row_width = max(self.row_width, start + repeat)
            else:
                self._cell(attrs, empty)

    def _row(self, closing: bytes, attrs: bytes, empty: bytes) -> None:
        if closing:
            self._end_row()
            return
        self.row_repeat = _repeat(attrs, b"number-rows-repeated")
        self.row_width = self.position = 0
        if empty:
            self._end_row()

    def _cell(self, attrs: bytes, empty: bytes) -> None:
        repeat = _repeat(attrs, b"number-columns-repeated")
        start = self.position
        self.position += repeat
        if not empty:
            self.open_cells.append((repeat, start))
        elif b"value-type=" in attrs:                     # a value held in attributes only
            self.row_width = max(self.row_width, start + repeat)

    def _end_row(self) -> None:
        if self.row_width:
            self.height = self.rows_before + self.row_repeat
            self.width = max(self.width, self.row_width)
        self.rows_before += self.row_repeat
        self.row_repeat = 0
        self.row_width = self.position = 0
