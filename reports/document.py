"""What every SIGAP document shares: the region it covers, the period in words, its marks
(classification, synthetic data) and the PDF page furniture ("Halaman x dari y", headings kept
with what follows them, numbers right-aligned).

A document covers the region the user chose — a province or a kabupaten/kota — inside the user's
scope; :func:`document_region` decides it, refuses a region outside the scope and is called by
every function that builds a document, so a page or a command cannot widen it.

Every piece of text is escaped before ReportLab's ``Paragraph`` sees it (its markup can open
files: SECURITY.md §8).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import duckdb
import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from auth.identity import CLEARANCE_LEVELS, Scope
from auth.roles import PermissionDenied, in_scope, scope_label
from lang import number
from store.batches import synthetic_loaded
from store.incidents import IncidentFilter
from store.regions import region_names

__all__ = ["CLASSIFICATIONS", "MARK_RED", "SYNTHETIC_MARK", "Column", "DocumentRegion", "Marks", "check_classification",
           "content_classification", "data_table", "document_region", "document_scope", "filter_region", "fmt_number",
           "is_synthetic", "paragraph", "period_end", "period_text", "render_pdf", "styles", "table_heading"]

CLASSIFICATIONS = ("Biasa", "Terbatas", "Rahasia")
#: The words every file made from demo data carries (page, image, PDF page, workbook sheet).
SYNTHETIC_MARK = "Data contoh (sintetis)"
MARK_RED = "#b2182b"
_LEVEL_WORDS = {"prov": "Provinsi", "kab": "", "nasional": ""}
_CODE = re.compile(r"^\d{2}(\.\d{2})?$")


@dataclass(frozen=True)
class DocumentRegion:
    """The region a document covers.

    Attributes
    ----------
    code : str or None
        ``None`` (national), a province (``"63"``) or a kabupaten/kota (``"63.72"``).
    name : str
        ``"Indonesia"``, ``"Kalimantan Selatan"``, ``"Kota Banjarbaru"``.
    """

    code: str | None
    name: str

    @property
    def level(self) -> str:
        """``"nasional"``, ``"prov"`` or ``"kab"``."""
        return "nasional" if self.code is None else "prov" if len(self.code) == 2 else "kab"

    @property
    def label(self) -> str:
        """For titles and metadata: ``Nasional``, ``Provinsi Kalimantan Selatan (63)``,
        ``Kota Banjarbaru (63.72)``."""
        if self.code is None:
            return "Nasional (seluruh Indonesia)"
        prefix = _LEVEL_WORDS[self.level]
        return f"{prefix + ' ' if prefix else ''}{self.name} ({self.code})"

    @property
    def short(self) -> str:
        """For titles after a dash: ``Indonesia``, ``Provinsi Kalimantan Selatan``, ``Kota Banjarbaru``."""
        if self.code is None:
            return "Indonesia"
        prefix = _LEVEL_WORDS[self.level]
        return f"{prefix + ' ' if prefix else ''}{self.name}"

    @property
    def unit(self) -> str:
        """What the document's tables list: ``kabupaten/kota`` or (inside one) ``kecamatan``."""
        return "kecamatan" if self.level == "kab" else "kabupaten/kota"

    @property
    def slug(self) -> str:
        """For file names: ``nasional``, ``63-kalimantan-selatan``, ``63.72-kota-banjarbaru``
        (ASCII letters, digits, ``.`` and ``-`` only)."""
        if self.code is None:
            return "nasional"
        ascii_name = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode()
        words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
        return f"{self.code}-{words}" if words else self.code

    @property
    def scope_region(self) -> str | None:
        """The code as a :class:`store.incidents.Scope` region."""
        return self.code


def document_region(con: duckdb.DuckDBPyConnection, user, region: str | None = None) -> DocumentRegion:
    """The region a document of ``user`` covers: ``region`` when given, else the user's scope.

    Parameters
    ----------
    user : auth.User
        Its ``region`` is the scope (None = national).
    region : str, optional
        The chosen province or kabupaten/kota. A region wider than the scope that contains it
        (a kabupaten/kota user's own province, as the filter sidebar offers it) gives the scope.

    Raises
    ------
    ValueError
        ``region`` is no province or kabupaten/kota code by its form (``63``, ``63.72``).
    auth.roles.PermissionDenied
        ``region`` lies outside the user's scope.

    Notes
    -----
    A well-formed code missing from the installed list (an incident filter may hold one) is taken
    as it is and named by its code; commands check typed codes with
    :func:`store.regions.require_region` before they get here.
    """
    scope = getattr(user, "region", None)
    code = scope
    if region not in (None, ""):
        chosen = str(region).strip()
        if not _CODE.match(chosen):
            raise ValueError(f"kode wilayah tidak sah: {chosen!r} (contoh: 63 untuk provinsi, 63.72 untuk "
                             "kabupaten/kota)")
        if in_scope(scope, chosen):
            code = chosen
        elif not in_scope(chosen, scope):
            raise PermissionDenied(f"Wilayah {chosen} di luar cakupan Anda ({scope_label(scope)}).")
    if code is None:
        return DocumentRegion(None, "Indonesia")
    return DocumentRegion(code, region_names(con).get(code, code))


def filter_region(flt: IncidentFilter) -> str | None:
    """The region an incident filter chooses: its kabupaten/kota, else its province.

    Raises
    ------
    ValueError
        The kabupaten/kota does not lie in the province.
    """
    if flt.kab and flt.prov and not in_scope(flt.prov, flt.kab):
        raise ValueError(f"kabupaten/kota {flt.kab} tidak berada di provinsi {flt.prov}")
    return flt.kab or flt.prov or None


def document_scope(user, region: DocumentRegion, clearance: str | None = None) -> Scope:
    """The scope a document reads in: its region, and the user's clearance (or ``clearance`` when
    that is lower: a document never holds more than its own marking allows)."""
    level = user.clearance
    if clearance is not None and CLEARANCE_LEVELS[clearance] < CLEARANCE_LEVELS[level]:
        level = clearance
    return Scope(region.code, level)


def is_synthetic(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame | None = None) -> bool:
    """Whether a document is made from demo data: any of its ``rows`` (``query_incidents``'
    ``sintetis`` column) is synthetic, or — for a document built from counts — synthetic data is
    loaded at all."""
    if rows is not None and "sintetis" in rows.columns:
        return bool(rows["sintetis"].fillna(False).astype(bool).any())
    return synthetic_loaded(con)


def content_classification(klasifikasi: pd.Series, clearance: str = "Rahasia") -> str:
    """The highest classification whose content a file holds: among the rows at or below the
    reader's ``clearance`` (a row above it shows only what any reader of the region may see —
    codes, dates, counts — so it raises nothing); without rows, *Biasa*."""
    levels = pd.Series(klasifikasi, dtype=object).map(CLEARANCE_LEVELS).fillna(0).to_numpy()
    shown = levels[levels <= CLEARANCE_LEVELS[clearance]]
    top = int(shown.max()) if len(shown) else 0
    return next(name for name, level in CLEARANCE_LEVELS.items() if level == top)


def check_classification(classification: str) -> str:
    """``classification`` when it is one of :data:`CLASSIFICATIONS`, else ValueError."""
    if classification not in CLASSIFICATIONS:
        raise ValueError(f"klasifikasi tidak dikenal: {classification!r} (pilihan: {', '.join(CLASSIFICATIONS)})")
    return classification


def period_end(end: date, today: date | None = None) -> date:
    """The last day a period's data can cover: ``end``, or today while the period runs."""
    today = today or date.today()
    return min(end, today)


def period_text(start: date, end: date, today: date | None = None) -> str:
    """``01/07/2026 s.d. 30/09/2026``; a running period ends today:
    ``01/10/2026 s.d. 02/12/2026 (triwulan berjalan)``.

    Raises
    ------
    ValueError
        The period starts after today.
    """
    today = today or date.today()
    if start > today:
        raise ValueError(f"periode {start:%d/%m/%Y} s.d. {end:%d/%m/%Y} belum dimulai")
    if end > today:
        return f"{start:%d/%m/%Y} s.d. {today:%d/%m/%Y} (triwulan berjalan)"
    return f"{start:%d/%m/%Y} s.d. {end:%d/%m/%Y}"


def fmt_number(value, decimals: int = 0, signed: bool = False) -> str:
    """Indonesian number text: ``1.234``, ``64,9``, ``+3`` / ``−2`` with ``signed``; ``-`` when missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    value = float(value)
    text = number(abs(value), decimals)
    if signed:
        return ("+" if value > 0 else "−" if value < 0 else "") + text
    return ("−" if value < 0 else "") + text


# --- ReportLab pieces ---------------------------------------------------------------------

def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles of SIGAP documents; headings keep with what follows them."""
    base = getSampleStyleSheet()
    body = base["BodyText"].clone("isi", fontSize=9.5, leading=12.5, spaceAfter=3)
    return {
        "title": base["Title"].clone("judul", fontSize=16, leading=19, spaceBefore=4, spaceAfter=2),
        "subtitle": base["Normal"].clone("subjudul", fontSize=10.5, leading=13, alignment=TA_CENTER, spaceAfter=2),
        "meta": base["Normal"].clone("meta", fontSize=8, leading=10, alignment=TA_CENTER,
                                     textColor=colors.HexColor("#555555"), spaceAfter=6),
        "h3": base["Heading3"].clone("h3", fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "h4": base["Heading4"].clone("h4", fontSize=10, leading=12.5, spaceBefore=6, spaceAfter=3, keepWithNext=1),
        "body": body,
        "note": body.clone("catatan", fontSize=8, leading=10, textColor=colors.HexColor("#444444")),
        "cell": body.clone("sel", fontSize=7.8, leading=9.4, spaceAfter=0),
        "cell_right": body.clone("sel_kanan", fontSize=7.8, leading=9.4, spaceAfter=0, alignment=TA_RIGHT),
        "cell_head": body.clone("sel_judul", fontName="Helvetica-Bold", fontSize=7.8, leading=9.4, spaceAfter=0),
        "cell_head_right": body.clone("sel_judul_kanan", fontName="Helvetica-Bold", fontSize=7.8, leading=9.4,
                                      spaceAfter=0, alignment=TA_RIGHT),
    }


def table_heading(text, style: ParagraphStyle, room: float = 4.0) -> list:
    """A heading for a table that may run over pages: a new page when less than ``room`` cm is
    left (so the heading keeps its first rows), otherwise the table starts under it and splits
    where the page ends. (``keepWithNext`` would move the whole table and leave a half-empty page.)"""
    return [CondPageBreak(room * cm), paragraph(text, style.clone(style.name + "_tabel", keepWithNext=0))]


def paragraph(text, style: ParagraphStyle) -> Paragraph:
    """A ``Paragraph`` of plain text (escaped: ReportLab markup in user text stays text)."""
    return Paragraph(escape("" if text is None else str(text)), style)


@dataclass(frozen=True)
class Column:
    """One column of :func:`data_table`: frame column, heading, width (cm) and kind
    (``"text"``, ``"int"``, ``"float"`` with one decimal, ``"signed"`` integer change)."""

    key: str
    heading: str
    width: float
    kind: str = "text"


def data_table(frame: pd.DataFrame, columns: Sequence[Column], st: dict[str, ParagraphStyle], *,
               summary: str | None = None, total: dict | None = None) -> Table:
    """A table with a repeated heading row, numbers right-aligned in Indonesian format, an
    optional totals row and an optional last line spanning the table (``summary``)."""
    def cell(value, column: Column):
        if column.kind == "text":
            return paragraph(value, st["cell"])
        decimals = 1 if column.kind == "float" else 0
        return paragraph(fmt_number(value, decimals, signed=column.kind == "signed"), st["cell_right"])

    data = [[paragraph(c.heading, st["cell_head"] if c.kind == "text" else st["cell_head_right"]) for c in columns]]
    data += [[cell(row[i], c) for i, c in enumerate(columns)]
             for row in frame[[c.key for c in columns]].itertuples(index=False, name=None)]
    commands = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fde9d9")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if total is not None:
        data.append([paragraph(total.get(c.key, ""), st["cell_head"]) if c.kind == "text" else
                     paragraph(fmt_number(total.get(c.key), 1 if c.kind == "float" else 0,
                                          signed=c.kind == "signed"), st["cell_head_right"]) for c in columns])
        commands.append(("BACKGROUND", (0, len(data) - 1), (-1, len(data) - 1), colors.HexColor("#f2f2f2")))
    if summary:
        data.append([paragraph(summary, st["cell"])] + [""] * (len(columns) - 1))
        commands += [("SPAN", (0, len(data) - 1), (-1, len(data) - 1)),
                     ("TEXTCOLOR", (0, len(data) - 1), (-1, len(data) - 1), colors.HexColor("#444444"))]
    table = Table(data, colWidths=[c.width * cm for c in columns], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


@dataclass(frozen=True)
class Marks:
    """What every page of a PDF says: classification at top and bottom, the synthetic-data mark
    when made from demo data, a short footer, and "Halaman x dari y"."""

    classification: str
    synthetic: bool = False
    footer: str = ""


def _page_marks(marks: Marks, pagesize) -> Callable:
    width, height = pagesize
    label = marks.classification.upper()

    def draw(canvas, doc):
        canvas.saveState()
        if marks.synthetic:  # beneath the content: the page is drawn first, then the flowables
            canvas.saveState()
            canvas.setFillColor(colors.HexColor(MARK_RED), alpha=0.07)
            canvas.setFont("Helvetica-Bold", 54)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -18, SYNTHETIC_MARK.upper())
            canvas.restoreState()
        canvas.setFont("Helvetica-Bold", 10)
        canvas.setFillColor(colors.HexColor(MARK_RED) if label != "BIASA" else colors.black)
        canvas.drawCentredString(width / 2, height - 0.95 * cm, label)
        canvas.drawCentredString(width / 2, 0.75 * cm, label)
        if marks.synthetic:
            canvas.setFillColor(colors.HexColor(MARK_RED))
            canvas.setFont("Helvetica-Bold", 8)
            canvas.drawString(1.5 * cm, height - 0.95 * cm, SYNTHETIC_MARK)
            canvas.drawRightString(width - 1.5 * cm, height - 0.95 * cm, SYNTHETIC_MARK)
        if marks.footer:
            canvas.setFont("Helvetica", 7)
            canvas.setFillColor(colors.grey)
            room = width / 2 - 1.5 * cm - 1.6 * cm  # up to the classification in the middle
            text = marks.footer
            while text and canvas.stringWidth(text, "Helvetica", 7) > room:
                text = text[:-2].rstrip() + "…"
            canvas.drawString(1.5 * cm, 0.75 * cm, text)
        canvas.restoreState()

    return draw


def _numbered_canvas(pagesize):
    """A canvas class that writes "Halaman x dari y" on every page once the page count is known."""
    width = pagesize[0]

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.saveState()
                self.setFont("Helvetica", 7.5)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawRightString(width - 1.5 * cm, 0.75 * cm, f"Halaman {self._pageNumber} dari {total}")
                self.restoreState()
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def render_pdf(story: list, *, pagesize, marks: Marks, title: str, author: str, margin: float = 1.5,
               top: float = 1.6, bottom: float = 1.5) -> bytes:
    """Build ``story`` into PDF bytes with :class:`Marks` and page numbers on every page
    (margins in cm)."""
    check_classification(marks.classification)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, topMargin=top * cm, bottomMargin=bottom * cm,
                            leftMargin=margin * cm, rightMargin=margin * cm, title=title, author=author,
                            subject=SYNTHETIC_MARK if marks.synthetic else "", creator="SIGAP")
    decorate = _page_marks(marks, pagesize)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_numbered_canvas(pagesize))
    return buffer.getvalue()
