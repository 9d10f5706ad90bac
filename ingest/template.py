"""The downloadable Excel template: SIGAP's columns, dropdowns from the vocabularies, an example row."""

from __future__ import annotations

import io

import duckdb
import xlsxwriter

from ingest.presets import CANONICAL
from store.regions import region_table
from store.vocab import vocab_names

__all__ = ["template_xlsx"]

_DROPDOWNS = {"kategori": "kategori", "bentuk": "bentuk", "sifat": "sifat", "bidang": "bidang", "athg": "athg",
              "status_penanganan": "status_penanganan", "klasifikasi": "klasifikasi", "eskalasi": "eskalasi"}
_EXAMPLE = {
    "tanggal": "11/05/2024", "kabupaten_kota": "Kota Banjarbaru", "kode_kab": "63.72", "provinsi": "Kalimantan Selatan",
    "lintang": "-3,4420", "bujur": "114,8310", "kategori": "SDA", "bentuk": "BLOKADE", "sifat": "kejadian",
    "bidang": "ekonomi", "athg": "G", "eskalasi": "3", "tewas": "0", "luka": "2", "pengungsi": "0",
    "judul": "CONTOH — hapus baris ini: blokade jalan tambang oleh warga", "status_penanganan": "dalam_penanganan",
    "klasifikasi": "Biasa",
}


def template_xlsx(con: duckdb.DuckDBPyConnection, rows: int = 1000) -> bytes:
    """An XLSX with the template sheet (header, example, dropdowns on ``rows`` rows) and the lists."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Laporan")
    lists = book.add_worksheet("Daftar")
    head = book.add_format({"bold": True, "bg_color": "#FDE9D9", "border": 1})
    columns = list(CANONICAL)
    for j, name in enumerate(columns):
        sheet.write_string(0, j, name, head)
        sheet.write_comment(0, j, CANONICAL[name])
        sheet.write_string(1, j, _EXAMPLE.get(name, ""))
        sheet.set_column(j, j, 34 if name in ("judul", "kronologi", "kabupaten_kota") else 14)
    sheet.freeze_panes(1, 0)
    lists_spec = dict(_DROPDOWNS)
    lists_spec["kabupaten_kota"] = None
    for k, (column, daftar) in enumerate(lists_spec.items()):
        if daftar is None:
            values = region_table(con, "kab")["nama"].tolist()
        else:
            values = list(vocab_names(con, daftar))
        lists.write_string(0, k, column, head)
        for i, value in enumerate(values, start=1):
            lists.write_string(i, k, value)
        col_letter = xlsxwriter.utility.xl_col_to_name(k)
        j = columns.index(column)
        sheet.data_validation(1, j, rows, j, {
            "validate": "list", "source": f"=Daftar!${col_letter}$2:${col_letter}${len(values) + 1}",
            "error_title": "Nilai tidak dikenal", "error_message": f"Pilih {column} dari daftar."})
    book.close()
    return buffer.getvalue()
