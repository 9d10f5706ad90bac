"""Workbooks are read by calamine with Excel's row numbers, and cells come out as the same text the
openpyxl reader gave (dates, whole numbers, decimals), so messages and values do not change."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import python_calamine

from ingest import readers
from ingest.limits import Limits
from ingest.readers import read_table
from tests.test_upload_limits import ODS_HEAD, ODS_TAIL, SHEET_NS, ods_bytes, xlsx_bytes

KNOWN = {"tanggal", "kabupaten_kota", "kategori", "eskalasi", "judul", "kecamatan", "lintang"}
HEADER = ["Tanggal", "Kabupaten/Kota", "Kategori", "Eskalasi", "Judul", "Kecamatan"]


@pytest.fixture
def calamine_only(monkeypatch):
    """Fail the test if the openpyxl fallback is used."""
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl dipakai, padahal calamine dapat membaca berkas ini")

    monkeypatch.setattr(readers, "_openpyxl_rows", refuse)


def _recap() -> bytes:
    """An Excel recap: title rows (one merged), a blank row, the header on row 4, a blank row inside
    the data and the header repeated on row 8."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "REKAPITULASI LAPSITDA KABUPATEN TANAH LAUT"
    ws.merge_cells("A1:F1")
    ws["A2"] = "Triwulan II 2024"
    ws.append([])
    ws.append(HEADER)
    ws.append(["11 Mei 2024", "Kabupaten Tanah Laut", "SDA", 3, "Sengketa lahan sawit", "Pelaihari"])
    ws.append([45432, "Kab. Tanah Laut", "POL", 2, "Politik uang", ""])
    ws.append([None] * 6)
    ws.append(HEADER)
    ws.append(["3-6-2024", "Tanah Laut", "SARA", 2.0, "  Ketegangan antarwarga  ", None])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_title_rows_blank_rows_and_repeated_header_keep_excel_row_numbers(calamine_only):
    raw = read_table(_recap(), "rekap.xlsx", KNOWN)
    assert raw.header_row == 4
    assert raw.row_numbers.to_list() == [5, 6, 9]                      # as Excel numbers them
    assert raw.frame["judul"].to_list() == ["Sengketa lahan sawit", "Politik uang", "Ketegangan antarwarga"]
    assert raw.frame["tanggal"].to_list() == ["11 Mei 2024", "45432", "3-6-2024"]
    assert raw.frame["eskalasi"].to_list() == ["3", "2", "2"]            # 2.0 is written as 2


def test_data_away_from_the_corner_keeps_row_and_column_positions(calamine_only):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"], ws["E3"] = "Tanggal", "Judul", "Kategori"
    ws["C4"], ws["D4"], ws["E4"] = "11/05/2024", "Blokade jalan", "SDA"
    ws["C7"], ws["D7"], ws["E7"] = "12/05/2024", "Unjuk rasa", "PEM"
    buffer = io.BytesIO()
    wb.save(buffer)
    raw = read_table(buffer.getvalue(), "geser.xlsx", KNOWN)
    assert raw.header_row == 3
    assert raw.row_numbers.to_list() == [4, 7]
    assert raw.frame.columns[:3] == ["kolom_1", "kolom_2", "tanggal"]  # columns A and B stay, empty


def _typed_cells() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["tanggal", "judul", "lintang", "eskalasi", "kategori", "kecamatan", "waktu"])
    ws.append([dt.date(2024, 5, 11), "a", 63.72, 1.0, True, 3201012345678901, dt.time(13, 5)])
    ws.append([dt.datetime(2024, 5, 11, 13, 30), "b", -3.442, 3, False, 1e20, None])
    ws.append([dt.datetime(2024, 2, 29), "c", 114.831, -0.0, "=1+1", 45432, "teks"])
    ws["A3"].number_format = "dd/mm/yyyy hh:mm"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_dates_and_numbers_come_out_as_the_openpyxl_reader_wrote_them(calamine_only):
    raw = read_table(_typed_cells(), "jenis.xlsx", KNOWN)
    frame = raw.frame
    assert frame["tanggal"].to_list() == ["2024-05-11", "2024-05-11", "2024-02-29"]
    assert frame["lintang"].to_list() == ["63.72", "-3.442", "114.831"]
    assert frame["eskalasi"].to_list() == ["1", "3", "0"]
    assert frame["kategori"].to_list() == ["True", "False", ""]         # a formula without a cached value
    assert frame["kecamatan"].to_list() == ["3201012345678901", "100000000000000000000", "45432"]
    assert frame["waktu"].to_list() == ["13:05:00", "", "teks"]        # a time of day stays a time


def test_calamine_and_the_openpyxl_fallback_give_the_same_text():
    data = _typed_cells()
    ours = readers._text_frame(readers._calamine_rows(data, "jenis.xlsx", Limits()))
    fallback = readers._text_frame(readers._openpyxl_rows(data, "jenis.xlsx", Limits()))
    assert ours.equals(fallback)
    recap_ours = readers._text_frame(readers._calamine_rows(_recap(), "rekap.xlsx", Limits()))
    recap_fallback = readers._text_frame(readers._openpyxl_rows(_recap(), "rekap.xlsx", Limits()))
    assert recap_ours.equals(recap_fallback)


def test_openpyxl_reads_what_calamine_cannot(monkeypatch):
    def broken(*args, **kwargs):
        raise python_calamine.CalamineError("tidak didukung")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", broken)
    raw = read_table(_recap(), "rekap.xlsx", KNOWN)
    assert raw.row_numbers.to_list() == [5, 6, 9]


def _cell(value: str, kind: str = "string", **attrs) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f'<table:table-cell office:value-type="{kind}"{extra}><text:p>{value}</text:p></table:table-cell>'


def _row(*cells: str, repeat: int = 1) -> str:
    rows = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rows}>{''.join(cells)}</table:table-row>"


def test_ods_is_read_by_calamine_with_its_row_numbers(calamine_only):
    empty_row = '<table:table-row><table:table-cell table:number-columns-repeated="3"/></table:table-row>'
    header = _row(_cell("tanggal"), _cell("judul"), _cell("eskalasi"), _cell("lintang"))
    content = [ODS_HEAD,
               _row(_cell("Rekap LibreOffice")),                                       # row 1: title
               empty_row,                                                             # row 2
               header,                                                                # row 3
               _row(_cell("11/05/2024", "date", **{"office:date-value": "2024-05-11"}), _cell("Bentrok"),
                    _cell("3", "float", **{"office:value": "3"}),
                    _cell("-3,44", "float", **{"office:value": "-3.442"})),           # row 4
               '<table:table-row table:number-rows-repeated="2"><table:table-cell '
               'table:number-columns-repeated="4"/></table:table-row>',               # rows 5–6
               header,                                                                # row 7 repeated
               _row(_cell("12/05/2024", "date", **{"office:date-value": "2024-05-12T08:30:00"}),
                    _cell("Unjuk rasa"), _cell("2", "float", **{"office:value": "2"}),
                    _cell("63,72", "float", **{"office:value": "63.72"})),            # row 8
               '<table:table-row table:number-rows-repeated="1048560"><table:table-cell '
               'table:number-columns-repeated="1024"/></table:table-row>',            # LibreOffice's tail
               ODS_TAIL]
    raw = read_table(ods_bytes(content), "rekap.ods", KNOWN)
    assert raw.header_row == 3
    assert raw.row_numbers.to_list() == [4, 8]
    assert raw.frame["tanggal"].to_list() == ["2024-05-11", "2024-05-12"]
    assert raw.frame["eskalasi"].to_list() == ["3", "2"]
    assert raw.frame["lintang"].to_list() == ["-3.442", "63.72"]


def test_ods_calamine_cannot_read_is_refused_with_the_file_named(monkeypatch):
    bad = ods_bytes([ODS_HEAD.replace("xmlns:table=", "xmlns:t=").replace("table:table", "t:table"),
                     "</t:table></office:spreadsheet></office:body></office:document-content>"])
    with pytest.raises(readers.ReadError, match=r"^aneh\.ods: tidak dapat dibaca sebagai lembar kerja"):
        read_table(bad, "aneh.ods", KNOWN)


def test_cells_without_references_are_placed_as_excel_does(calamine_only):
    sheet = (SHEET_NS + "<sheetData>"
             '<row><c t="inlineStr"><is><t>tanggal</t></is></c><c t="inlineStr"><is><t>judul</t></is></c></row>'
             "<row/>"
             '<row><c t="inlineStr"><is><t>11/05/2024</t></is></c><c t="inlineStr"><is><t>a</t></is></c></row>'
             "</sheetData></worksheet>")
    raw = read_table(xlsx_bytes([sheet]), "tanpa_ref.xlsx", KNOWN)
    assert raw.row_numbers.to_list() == [3]
    assert raw.frame["judul"].to_list() == ["a"]


def test_the_first_sheet_is_read_like_before():
    wb = openpyxl.Workbook()
    wb.active.append(["tanggal", "judul"])
    wb.active.append(["11/05/2024", "pertama"])
    second = wb.create_sheet("Daftar")
    second.append(["tanggal", "judul"])
    second.append(["12/05/2024", "kedua"])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert read_table(buffer.getvalue(), "dua.xlsx", KNOWN).frame["judul"].to_list() == ["pertama"]
