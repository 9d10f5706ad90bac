"""Rekap LAPSITDA (harian, mingguan, bulanan): the province's compilation of its offices' daily
reports, as PDF (kop, classification on every page) and XLSX (formula-safe).

:class:`Rekap` holds plain values (built by :func:`services.lapsitda.build_rekap`); this module only
renders it. Every string is escaped before ReportLab's ``Paragraph`` sees it (SECURITY.md §8), and
every text cell of the workbook goes through :func:`reports.safe.neutralise_xlsx_frame`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports.briefing import CLASSIFICATIONS, load_kop
from reports.safe import neutralise_xlsx_frame

__all__ = ["OFFICE_COLUMNS", "Rekap", "rekap_pdf", "rekap_xlsx"]

#: Columns of :attr:`Rekap.offices` and their headings.
OFFICE_COLUMNS = {"kode": "Kode", "nama": "Kabupaten/kota", "status": "Status", "dikirim": "Dikirim",
                  "melapor": "Melapor", "nihil": "Nihil", "terlambat": "Terlambat", "belum": "Tidak melapor",
                  "laporan": "Laporan", "atensi": "Atensi/khusus"}
_WIDE = {"nama": 4.6, "kantor": 3.6, "judul": 4.4, "situasi_umum": 11.0, "status": 2.8, "dikirim": 3.2,
         "nomor": 3.0}


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
        New atensi/khusus reports: ``tanggal, kantor, nomor, jenis, judul, kategori, eskalasi, klasifikasi``
        (``judul`` already redacted above the compiler's clearance).
    missing : pandas.DataFrame
        Offices that did not report: ``kode, nama, hari``.
    narratives : pandas.DataFrame
        ``tanggal, kantor, situasi_umum`` of the submitted LAPSITDA (nihil ones read "Nihil").
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


def _p(text, style) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


def _widths(columns, total: float = 17.8) -> list[float]:
    """Column widths (cm): text columns wide, counts and codes narrow, filling ``total``."""
    wide = {c: _WIDE[c] for c in columns if c in _WIDE}
    rest = [c for c in columns if c not in wide]
    spare = max(total - sum(wide.values()), 1.2 * len(rest)) / max(len(rest), 1)
    return [wide.get(c, spare) * cm for c in columns]


def _table(frame: pd.DataFrame, headings: dict[str, str], styles) -> Table | Paragraph:
    if frame.empty:
        return _p("(tidak ada)", styles["BodyText"])
    widths = _widths(list(frame.columns))
    small = styles["BodyText"].clone("kecil", fontSize=8, leading=10)
    data = [[_p(headings.get(c, c), small) for c in frame.columns]]
    data += [[_p("" if pd.isna(v) else v, small) for v in row] for row in frame.itertuples(index=False)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def rekap_pdf(r: Rekap, kop: dict | None = None) -> bytes:
    """Render a :class:`Rekap` to PDF bytes (A4, classification marked at the top and bottom of
    every page)."""
    if r.classification not in CLASSIFICATIONS:
        raise ValueError(f"klasifikasi tidak dikenal: {r.classification!r} (pilihan: {', '.join(CLASSIFICATIONS)})")
    kop = kop or load_kop()
    styles = getSampleStyleSheet()
    mark = r.classification.upper()
    buffer = io.BytesIO()

    def frame(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 10)
        canvas.setFillColor(colors.HexColor("#b2182b") if mark != "BIASA" else colors.black)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 1.0 * cm, mark)
        canvas.drawCentredString(A4[0] / 2, 0.8 * cm, mark)
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(A4[0] - 1.5 * cm, 0.8 * cm, f"Halaman {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buffer, pagesize=A4, topMargin=1.6 * cm, bottomMargin=1.5 * cm, leftMargin=1.6 * cm,
                            rightMargin=1.6 * cm, title=r.title, author=r.author)
    center = styles["Heading4"].clone("kop", alignment=1, spaceAfter=0)
    body = styles["BodyText"]
    story = [_p(kop.get("pemerintah", ""), center), _p(kop.get("instansi", ""), center),
             _p(kop.get("alamat", ""), styles["BodyText"].clone("alamat", alignment=1, fontSize=8)),
             Spacer(1, 0.2 * cm), Table([[""]], colWidths=[17.8 * cm], rowHeights=[2],
                                        style=[("LINEABOVE", (0, 0), (-1, 0), 1.5, colors.black)]),
             _p(r.title, styles["Title"]),
             _p(f"{r.region_label} · {r.period_label}", styles["Heading3"].clone("sub", alignment=1)),
             _p(r.summary, body), Spacer(1, 0.3 * cm),
             _p("Kelengkapan laporan per kabupaten/kota", styles["Heading3"]),
             _table(r.offices, OFFICE_COLUMNS, styles),
             _p("Kabupaten/kota yang tidak melapor", styles["Heading3"]),
             _table(r.missing, {"kode": "Kode", "nama": "Kabupaten/kota", "hari": "Hari tidak melapor"}, styles),
             _p("Laporan atensi dan khusus baru", styles["Heading3"]),
             _table(r.atensi, {"tanggal": "Tanggal", "kantor": "Kantor", "nomor": "Nomor", "jenis": "Jenis",
                               "judul": "Judul", "kategori": "Kategori", "eskalasi": "Eskalasi",
                               "klasifikasi": "Klasifikasi"}, styles),
             _p("Laporan menurut kategori", styles["Heading3"]),
             _table(r.by_kategori, {"kode": "Kode", "nama": "Kategori", "jumlah": "Jumlah"}, styles),
             _p("Laporan menurut ATHG", styles["Heading3"]),
             _table(r.by_athg, {"kode": "Kode", "nama": "ATHG", "jumlah": "Jumlah"}, styles),
             _p("Situasi umum dari kabupaten/kota", styles["Heading3"]),
             _table(r.narratives, {"tanggal": "Tanggal", "kantor": "Kantor", "situasi_umum": "Situasi umum"},
                    styles),
             Spacer(1, 0.4 * cm),
             _p(f"Disusun oleh {r.author} dengan SIGAP, {r.generated}.", body.clone("kaki", fontSize=8))]
    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buffer.getvalue()


def rekap_xlsx(r: Rekap) -> bytes:
    """The rekap as one workbook (a sheet per table plus metadata), every text cell written as text."""
    meta = pd.DataFrame({"keterangan": ["Judul", "Wilayah", "Periode", "Klasifikasi", "Ringkasan", "Disusun oleh",
                                        "Dibuat"],
                         "nilai": [r.title, r.region_label, r.period_label, r.classification, r.summary, r.author,
                                   r.generated]})
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
            xl.sheets[name].set_column(0, max(len(frame.columns) - 1, 0), 18)
    return buffer.getvalue()
