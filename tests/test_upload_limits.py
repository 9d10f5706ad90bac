"""Bounded input: zip bombs, forged and unsafe archives, cell spans and text lengths are refused
quickly, with the file (and row/column) named, before any spreadsheet library parses them."""

from __future__ import annotations

import io
import resource
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib

import polars as pl
import pytest
import python_calamine

from ingest.limits import MAX_CELLS, MAX_UNPACKED_BYTES, TEXT_LIMITS, Limits, text_limit, workbook_problem, zip_problem
from ingest.readers import ReadError, read_table
from tests.conftest import ROOT

KNOWN = {"tanggal", "judul", "kategori", "kronologi"}
SHEET_NS = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_MAIN}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_MAIN}.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Laporan" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '</Relationships>'),
}
ODS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="Laporan">')
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"
_ODS_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>'
                 '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                 'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                 'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                 '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                 '</manifest:manifest>')


def xlsx_bytes(sheet_pieces, extra: dict[str, str] | None = None) -> bytes:
    """A minimal XLSX whose first sheet is the concatenation of ``sheet_pieces`` (streamed into the
    zip, so a sheet of hundreds of megabytes never sits in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in {**_PARTS, **(extra or {})}.items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for piece in sheet_pieces:
                sheet.write(piece.encode() if isinstance(piece, str) else piece)
    return buffer.getvalue()


def ods_bytes(content_pieces) -> bytes:
    """A minimal ODS whose ``content.xml`` is the concatenation of ``content_pieces``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        with book.open("content.xml", "w", force_zip64=True) as content:
            for piece in content_pieces:
                content.write(piece.encode() if isinstance(piece, str) else piece)
    return buffer.getvalue()


def _bomb_rows(megabytes: int):
    """Sheet XML of about ``megabytes`` MB: a header row, then a run of nearly identical rows that
    deflate packs about 250×, like the workbook of issue 11."""
    yield SHEET_NS + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>tanggal</t></is></c>'
    yield '<c r="B1" t="inlineStr"><is><t>judul</t></is></c></row>'
    block = "".join(f'<row r="{i}"><c r="A{i}"><v>45432</v></c><c r="B{i}" t="inlineStr"><is><t>x</t></is></c>'
                    "</row>" for i in range(2, 6)).encode()
    filler = (b'<row><c><v>45432</v></c><c t="inlineStr"><is><t>laporan kejadian</t></is></c></row>' * 12_000)
    for _ in range(megabytes):
        yield block + filler
    yield "</sheetData></worksheet>"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return xlsx_bytes(_bomb_rows(300))


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if a spreadsheet library is asked to parse anything."""
    def refuse(*args, **kwargs):
        raise AssertionError("lembar kerja dibaca sebelum batas diperiksa")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)
    monkeypatch.setattr("pandas.read_excel", refuse)


def test_zip_bomb_is_refused_in_milliseconds_with_bounded_memory(bomb, no_parsing):
    members = zipfile.ZipFile(io.BytesIO(bomb)).infolist()
    unpacked = sum(m.file_size for m in members)
    assert len(bomb) < 3 * 1024 * 1024 and unpacked > MAX_UNPACKED_BYTES
    assert unpacked / len(bomb) > 150                      # a real bomb, like issue 11's 242×
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ReadError) as refused:
        read_table(bomb, "rekap_bom.xlsx", KNOWN)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    message = str(refused.value)
    assert message.startswith("rekap_bom.xlsx: ")
    assert "bom zip" in message and "batasnya 100×" in message
    assert elapsed < 2.0, elapsed
    assert peak < 50 * 1024 * 1024, peak
    assert rss_growth_mb < 200, rss_growth_mb


def test_total_unpacked_size_is_limited_by_the_directory_alone(bomb):
    loose = Limits(max_ratio=10_000)                        # only the total can refuse it now
    message = zip_problem(bomb, "rekap.xlsx", loose)
    assert message.startswith("rekap.xlsx: isi berkas") and "batasnya 200 MB" in message


def test_not_a_zip_and_old_or_encrypted_workbooks(no_parsing):
    with pytest.raises(ReadError, match=r"^laporan\.xlsx: bukan berkas lembar kerja yang sah"):
        read_table(b"tanggal,judul\n11/05/2024,a\n", "laporan.xlsx", KNOWN)
    with pytest.raises(ReadError, match=r"^lama\.xlsx: berkas dilindungi kata sandi atau berformat Excel lama"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "lama.xlsx", KNOWN)
    with pytest.raises(ReadError, match=r"^rusak\.ods: arsip lembar kerja rusak"):
        read_table(b"PK\x03\x04" + b"\0" * 100, "rusak.ods", KNOWN)


def test_unsafe_member_names_are_refused(no_parsing):
    for name in ("../../etc/cron.d/x", "xl/../../x.xml", "/etc/passwd", "C:/Windows/x.xml"):
        data = xlsx_bytes(["<worksheet/>"], extra={name: "x"})
        with pytest.raises(ReadError, match=r"^jahat\.xlsx: berisi nama bagian yang tidak aman"):
            read_table(data, "jahat.xlsx", KNOWN)


def test_symlink_member_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        link = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        link.external_attr = (0o120777 << 16)
        book.writestr(link, "/etc/passwd")
    assert "tautan simbolik" in zip_problem(buffer.getvalue(), "tautan.xlsx", Limits())


def test_too_many_members_are_refused(no_parsing):
    extra = {f"xl/media/gambar{i}.xml": "<a/>" for i in range(1_001)}
    with pytest.raises(ReadError, match=r"^banyak\.xlsx: arsip berisi 1\.006 bagian, batasnya 1\.000"):
        read_table(xlsx_bytes(["<worksheet/>"], extra=extra), "banyak.xlsx", KNOWN)


def test_ods_bomb_is_refused(no_parsing):
    row = ('<table:table-row><table:table-cell office:value-type="string"><text:p>laporan kejadian</text:p>'
           "</table:table-cell></table:table-row>")
    data = ods_bytes([ODS_HEAD, *([row * 20_000] * 120), ODS_TAIL])
    start = time.perf_counter()
    with pytest.raises(ReadError, match=r"^rekap\.ods: bagian content\.xml memuai .*× saat dibuka") as refused:
        read_table(data, "rekap.ods", KNOWN)
    assert time.perf_counter() - start < 2.0
    assert "bom zip" in str(refused.value)


def test_ods_repeated_cells_are_counted_before_reading(no_parsing):
    # a few hundred bytes that a reader would expand to 16 billion cells
    data = ods_bytes([ODS_HEAD, '<table:table-row table:number-rows-repeated="1000000">'
                      '<table:table-cell table:number-columns-repeated="16000" office:value-type="float" '
                      'office:value="1"/></table:table-row>', ODS_TAIL])
    with pytest.raises(ReadError, match=r"^ulang\.ods: lembar kerja terlalu besar — 1\.000\.000 baris × 16\.000 "
                                        r"kolom .* batasnya 5\.000\.000 sel"):
        read_table(data, "ulang.ods", KNOWN)


def test_a_lone_far_cell_is_refused_before_calamine_allocates_its_span():
    # calamine allocates rows × columns at once: this sheet made it request 512 GB and abort the
    # process (every session of the app with it); run in a child so a regression cannot end the tests
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from tests.test_upload_limits import xlsx_bytes, SHEET_NS\n"
        "from ingest.readers import ReadError, read_table\n"
        "data = xlsx_bytes([SHEET_NS, '<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>tanggal</t>'\n"
        "    '</is></c><c r=\"B1\" t=\"inlineStr\"><is><t>judul</t></is></c></row>'\n"
        "    '<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData></worksheet>'])\n"
        "try:\n"
        "    read_table(data, 'jauh.xlsx', {'tanggal', 'judul'})\n"
        "except ReadError as exc:\n"
        "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("jauh.xlsx: lembar kerja terlalu besar — 1.048.576 baris × 16.384 kolom")
    assert "bagian xl/worksheets/sheet1.xml" in out.stdout


def test_sheets_are_found_whatever_their_name_or_encoding(no_parsing):
    far = '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    renamed = xlsx_bytes(["<worksheet/>"], extra={"xl/data.bin": SHEET_NS + far})   # a relation may point here
    utf16 = xlsx_bytes([('<?xml version="1.0" encoding="UTF-16"?>' + SHEET_NS + far).encode("utf-16")])
    for data in (renamed, utf16):
        assert "1.048.576 baris × 16.384 kolom" in workbook_problem(data, "nama.xlsx", "xlsx", Limits())


def test_cells_without_references_are_walked(no_parsing):
    # no r attributes: positions follow from order, so one row of many cells is as wide as it is long
    wide = SHEET_NS + "<sheetData>" + "<row>" + "<c><v>1</v></c>" * 6_000 + "</row>" * 1 + (
        '<row r="800"><c><v>1</v></c></row></sheetData></worksheet>')
    assert workbook_problem(xlsx_bytes([wide]), "lebar.xlsx", "xlsx", Limits()) is None   # 4.8 M cells
    problem = workbook_problem(xlsx_bytes([wide]), "lebar.xlsx", "xlsx", Limits(max_cells=1_000_000))
    assert "800 baris × 6.000 kolom" in problem


def _forge_size(data: bytes, name: str, declared: int, crc: int) -> bytes:
    """``data`` with member ``name``'s size (local header and directory) and CRC replaced."""
    forged = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    local = archive.getinfo(name).header_offset
    struct.pack_into("<II", forged, local + 14, crc, struct.unpack_from("<I", forged, local + 18)[0])
    struct.pack_into("<I", forged, local + 22, declared)
    record = archive.start_dir
    while forged[record:record + 4] == b"PK\x01\x02":
        lengths = struct.unpack_from("<HHH", forged, record + 28)
        if forged[record + 46:record + 46 + lengths[0]] == name.encode():
            struct.pack_into("<I", forged, record + 16, crc)
            struct.pack_into("<I", forged, record + 24, declared)
        record += 46 + sum(lengths)
    return bytes(forged)


def test_forged_member_size_is_caught_while_inflating(no_parsing):
    """The directory says 600 bytes (with the CRC of those 600), the stream holds 3 MB: a reader that
    trusts the directory is fooled; inflating once proves the real size."""
    payload = (SHEET_NS + "<sheetData>" + "<row><c><v>1</v></c></row>" * 120_000 + "</sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for part, text in {**_PARTS, "xl/worksheets/sheet1.xml": payload}.items():
            book.writestr(part, text)
    forged = _forge_size(buffer.getvalue(), "xl/worksheets/sheet1.xml", 600, zlib.crc32(payload[:600].encode()))
    archive = zipfile.ZipFile(io.BytesIO(forged))
    assert archive.read("xl/worksheets/sheet1.xml") == payload[:600].encode()   # zipfile alone is fooled
    assert zip_problem(forged, "palsu.xlsx", Limits()) is None                     # and so is the directory
    with pytest.raises(ReadError, match=r"^palsu\.xlsx: bagian lembar kerja rusak atau ukurannya dipalsukan"):
        read_table(forged, "palsu.xlsx", KNOWN)


def test_csv_is_bounded_by_the_same_cell_limit():
    header = "tanggal;judul;" + ";".join(f"k{i}" for i in range(5_000)) + "\n"
    data = header + (";" * 5_001 + "\n") * 1_001
    assert len(data) < 10 * 1024 * 1024
    with pytest.raises(ReadError, match=r"^lebar\.csv: lembar kerja terlalu besar — .* batasnya 5\.000\.000 sel"):
        read_table(data.encode(), "lebar.csv", KNOWN)


def test_larger_files_allowed_on_purpose_get_proportional_budgets():
    assert Limits.for_size(10 * 1024 * 1024) == Limits()
    wide = Limits.for_size(500 * 1024 * 1024)
    assert wide.max_cells == 50 * MAX_CELLS and wide.max_unpacked == 50 * MAX_UNPACKED_BYTES
    assert (wide.max_ratio, wide.max_members) == (Limits().max_ratio, Limits().max_members)


def test_text_limits_are_one_importable_table():
    assert (TEXT_LIMITS["judul"], TEXT_LIMITS["kronologi"], TEXT_LIMITS["analisis"]) == (500, 20_000, 20_000)
    assert text_limit("aktor_1") == text_limit("kolom_lain") == 1_000
    assert text_limit("kabupaten_kota") == 100                         # a name, not free text


def test_overlong_text_is_a_row_problem(fresh_db, locator):
    from auth.identity import User
    from ingest.importer import prepare_import
    from store import connect

    kronologi = ("Massa berkumpul di depan kantor bupati. " * 750).strip() + "."   # 30,000 characters
    csv = ("tanggal;kode_kab;kategori;eskalasi;judul;kronologi\n"
           f"11/05/2024;63.72;SDA;3;Sengketa lahan;{kronologi}\n"          # row 2: kronologi too long
           f"11/05/2024;63.72;SDA;3;{'J' * 501};singkat\n"                 # row 3: judul too long
           "11/05/2024;63.72;SDA;3;Baik;singkat\n")                          # row 4: fine
    con = connect(fresh_db)
    try:
        prepared = prepare_import(con, csv.encode(), "panjang.csv", locator,
                                  user=User("analis", "analis", None, "Rahasia"))
    finally:
        con.close()
    p = prepared.problems
    assert list(zip(p["baris"], p["kolom"])) == [(2, "kronologi"), (3, "judul")]
    assert p["alasan"].tolist() == ["lebih dari 20.000 karakter (30.000 karakter)",
                                    "lebih dari 500 karakter (501 karakter)"]
    assert p["perbaikan"][0] == "persingkat menjadi paling banyak 20.000 karakter"
    assert len(p["nilai"][0]) <= 201 and p["nilai"][0].endswith("…")     # the report holds a preview
    assert prepared.valid.to_list() == [False, False, True]
    assert isinstance(prepared.rows, pl.DataFrame)


def test_a_huge_place_cell_is_refused_without_fuzzy_matching_it(fresh_db, locator):
    """A 2 MB kabupaten name once held prepare_import for 95 s; now its row is simply refused."""
    import time

    from auth.identity import User
    from ingest.importer import prepare_import
    from store import connect

    huge = "Banjar" * 350_000
    text = (f"tanggal;kabupaten_kota;kategori;eskalasi;judul\n11/05/2024;{huge};SDA;3;Blokade\n"
            "11/05/2024;Kota Banjarbaru;SDA;3;Lain\n")
    con = connect(fresh_db)
    start = time.perf_counter()
    prepared = prepare_import(con, text.encode(), "besar.csv", locator, user=User("a", "analis", None, "Rahasia"))
    assert time.perf_counter() - start < 20
    assert prepared.problems.loc[prepared.problems["baris"] == 2, "kolom"].tolist() == ["kabupaten_kota"]
    assert prepared.accepted_rows == 1
    con.close()
