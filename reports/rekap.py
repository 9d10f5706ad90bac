"""Rekap LAPSITDA (harian, mingguan, bulanan): the province's compilation of its offices' daily
reports, as PDF (the office's letterhead, classification and "Halaman x dari y" on every page) and
XLSX (formula-safe).

:class:`Rekap` holds plain values (built by :func:`services.lapsitda.build_rekap`); this module only
renders it, with the page furniture every SIGAP document shares (:mod:`reports.document`). Every
string is escaped before ReportLab's ``Paragraph`` sees it (SECURITY.md §8), and every text cell of
the workbook goes through :func:`reports.safe.neutralise_xlsx_frame`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm

from reports.document import (
    MARK_RED,
    SYNTHETIC_MARK,
    Column,
    Marks,
    check_classification,
    data_table,
    paragraph,
    render_pdf,
    styles,
)
from reports.letterhead import Letterhead, letterhead_flowables
from reports.safe import neutralise_xlsx_frame

__all__ = ["OFFICE_COLUMNS", "Rekap", "rekap_pdf", "rekap_xlsx"]

#: Columns of :attr:`Rekap.offices` and their headings.
OFFICE_COLUMNS = {"kode": "Kode", "nama": "Kabupaten/kota", "status": "Status", "dikirim": "Dikirim",
                  "melapor": "Melapor", "nihil": "Nihil", "terlambat": "Terlambat", "belum": "Tidak melapor",
                  "laporan": "Laporan", "atensi": "Atensi/khusus"}
_WIDTH = A4[0] / cm - 3.0
_COLUMNS = {
    "offices_day": [Column("kode", "Kode", 1.4), Column("nama", "Kabupaten/kota", 5.0), Column("status", "Status", 3.6),
                    Column("dikirim", "Dikirim", 3.6), Column("laporan", "Laporan", 1.9, "int"),
                    Column("atensi", "Atensi/khusus", 2.5, "int")],
    "offices_period": [Column("kode", "Kode", 1.4), Column("nama", "Kabupaten/kota", 5.0),
                       Column("melapor", "Melapor", 1.7, "int"), Column("nihil", "Nihil", 1.5, "int"),
                       Column("terlambat", "Terlambat", 1.9, "int"), Column("belum", "Tidak melapor", 2.2, "int"),
                       Column("laporan", "Laporan", 1.8, "int"), Column("atensi", "Atensi/khusus", 2.5, "int")],
    "missing": [Column("kode", "Kode", 1.6), Column("nama", "Kabupaten/kota", 8.0),
                Column("hari", "Hari tidak melapor", 3.0, "int")],
    "atensi": [Column("tanggal", "Tanggal", 1.9), Column("kantor", "Kantor", 2.9), Column("nomor", "Nomor", 3.2),
               Column("jenis", "Jenis", 1.5), Column("judul", "Judul", 4.4), Column("kategori", "Kategori", 1.6),
               Column("eskalasi", "Eskalasi", 1.5, "int"), Column("klasifikasi", "Klasifikasi", 1.8)],
    "kategori": [Column("kode", "Kode", 1.8), Column("nama", "Kategori", 8.0), Column("jumlah", "Jumlah", 2.0, "int")],
    "athg": [Column("kode", "Kode", 1.8), Column("nama", "ATHG", 8.0), Column("jumlah", "Jumlah", 2.0, "int")],
    "narratives": [Column("tanggal", "Tanggal", 2.0), Column("kantor", "Kantor", 4.2),
                   Column("situasi_umum", "Situasi umum", 11.8)],
}


@dataclass(frozen=True)
class Rekap:
    """Everything a rekap shows, as plain text and tables (escaped when rendered).

    Attributes
    ----------
    offices : pandas.DataFrame
        One row per office, columns from :data:`OFFICE_COLUMNS`: for one day ``kode, nama, status,
        dikirim, laporan, atensi``; for a longer period the days per state instead of ``status,
        dikirim``.
    by_kategori, by_athg : pandas.DataFrame
        ``kode, nama, jumlah`` of the submitted reports of the period.
    atensi : pandas.DataFrame
        New atensi/khusus reports: ``tanggal, kantor, nomor, jenis, judul, kategori, eskalasi,
        klasifikasi`` (``judul`` already redacted above the document's clearance).
    missing : pandas.DataFrame
        Offices that did not report (deadline passed): ``kode, nama, hari``.
    narratives : pandas.DataFrame
        ``tanggal, kantor, situasi_umum`` of the submitted LAPSITDA (nihil ones read "Nihil").
    letterhead : reports.letterhead.Letterhead or None
        The compiling office's letterhead (None: the template ``kop.toml``).
    synthetic : bool
        Made while demo data is loaded: every page and sheet says so.
    """

    title: str
    period: str
    period_label: str
    region_label: str
    classification: str
    summary: str
    offices: pd.DataFrame
    by_kategori: pd.DataFrame
    by_athg: pd.DataFrame
    atensi: pd.DataFrame
    missing: pd.DataFrame
    narratives: pd.DataFrame
    author: str
    generated: str
    letterhead: Letterhead | None = None
    synthetic: bool = False


def _section(title: str, frame: pd.DataFrame, columns: str, st: dict) -> list:
    if frame.empty:
        return [paragraph(title, st["h3"]), paragraph("(tidak ada)", st["body"])]
    return [paragraph(title, st["h3"]), data_table(frame, _COLUMNS[columns], st)]


def rekap_pdf(r: Rekap) -> bytes:
    """Render a :class:`Rekap` to PDF bytes (A4)."""
    check_classification(r.classification)
    st = styles()
    story = [*letterhead_flowables(r.letterhead, _WIDTH),
             paragraph(r.title, st["title"]),
             paragraph(f"{r.region_label} · {r.period_label}", st["subtitle"]),
             paragraph(f"Disusun oleh {r.author} dengan SIGAP, {r.generated}", st["meta"])]
    if r.synthetic:
        story.append(paragraph(f"{SYNTHETIC_MARK}: rekap ini dibuat saat data demonstrasi dimuat.",
                               st["note"].clone("tanda", textColor=colors.HexColor(MARK_RED), alignment=1)))
    story.append(paragraph(r.summary, st["body"]))
    story += _section("Kelengkapan laporan per kabupaten/kota", r.offices,
                      "offices_day" if r.period == "harian" else "offices_period", st)
    story += _section("Kabupaten/kota yang tidak melapor", r.missing, "missing", st)
    story += _section("Laporan atensi dan khusus baru", r.atensi, "atensi", st)
    story += _section("Laporan menurut kategori", r.by_kategori, "kategori", st)
    story += _section("Laporan menurut ATHG", r.by_athg, "athg", st)
    story += _section("Situasi umum dari kabupaten/kota", r.narratives, "narratives", st)
    return render_pdf(story, pagesize=A4, marks=Marks(r.classification, r.synthetic, footer=r.title), title=r.title,
                      author=r.author)


def rekap_xlsx(r: Rekap) -> bytes:
    """The rekap as one workbook (a sheet per table plus metadata), every text cell written as text."""
    check_classification(r.classification)
    meta = pd.DataFrame({"keterangan": ["Judul", "Wilayah", "Periode", "Klasifikasi", "Ringkasan", "Disusun oleh",
                                        "Dibuat"],
                         "nilai": [r.title, r.region_label, r.period_label, r.classification, r.summary, r.author,
                                   r.generated]})
    if r.synthetic:
        meta.loc[len(meta)] = ["Catatan", SYNTHETIC_MARK]
    sheets = {
        "Kelengkapan": r.offices.rename(columns=OFFICE_COLUMNS),
        "Tidak melapor": r.missing,
        "Atensi": r.atensi,
        "Kategori": r.by_kategori,
        "ATHG": r.by_athg,
        "Situasi umum": r.narratives,
        "Metadata": meta,
    }
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        for name, frame in sheets.items():
            neutralise_xlsx_frame(frame).to_excel(xl, sheet_name=name, index=False)
            sheet = xl.sheets[name]
            sheet.set_column(0, max(len(frame.columns) - 1, 0), 18)
            sheet.set_header(f"&C{r.classification.upper()}")
            sheet.set_footer(f"&C{r.classification.upper()}")
            if r.synthetic and name != "Metadata":
                sheet.write_string(0, len(frame.columns) + 1, SYNTHETIC_MARK)
    return buffer.getvalue()
