"""One-to-two-page briefing PDF for a meeting: kop, title, period, classification on every page,
the map, top regions with score and reasons, trend chart, surges and an editable summary.

Every piece of text is escaped before ReportLab's ``Paragraph`` sees it (its markup can open
files: SECURITY.md §8).
"""

from __future__ import annotations

import io
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # noqa: E402

from settings import DATA_DIR, PROFILE_FILE  # noqa: E402

__all__ = ["Briefing", "CLASSIFICATIONS", "briefing_pdf", "build_briefing", "load_kop"]

CLASSIFICATIONS = ("Biasa", "Terbatas", "Rahasia")
KOP_FILE = DATA_DIR / "templates" / "kop.toml"


@dataclass(frozen=True)
class Briefing:
    """Everything a briefing shows (plain text; escaping happens when the PDF is built)."""

    title: str
    period: str
    classification: str
    map_png: bytes
    top: pd.DataFrame          # nama, ipk, kelas, alasan
    trend_png: bytes
    surges: pd.DataFrame       # nama, kategori, alasan
    summary: str
    author: str


def load_kop(path: Path = KOP_FILE) -> dict:
    """The letterhead lines from the template file."""
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def _p(text, style):
    return Paragraph(escape(str(text)), style)


def briefing_pdf(b: Briefing, kop: dict | None = None) -> bytes:
    """Render a :class:`Briefing` to PDF bytes."""
    if b.classification not in CLASSIFICATIONS:
        raise ValueError(f"klasifikasi tidak dikenal: {b.classification!r} (pilihan: {', '.join(CLASSIFICATIONS)})")
    kop = kop or load_kop()
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    mark = b.classification.upper()

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

    doc = SimpleDocTemplate(buffer, pagesize=A4, topMargin=1.6 * cm, bottomMargin=1.5 * cm,
                            leftMargin=1.5 * cm, rightMargin=1.5 * cm, title=b.title, author=b.author)
    story = [
        _p(kop.get("pemerintah", ""), styles["Normal"]),
        _p(kop.get("instansi", ""), styles["Heading3"]),
        _p(kop.get("alamat", ""), styles["Italic"]),
        Spacer(1, 0.3 * cm),
        _p(b.title, styles["Title"]),
        _p(f"Periode: {b.period} · disusun {datetime.now():%d/%m/%Y %H:%M} oleh {b.author}", styles["Normal"]),
        Spacer(1, 0.2 * cm),
        _p(b.summary, styles["BodyText"]),
        Spacer(1, 0.2 * cm),
        Image(io.BytesIO(b.map_png), width=18 * cm, height=10 * cm, kind="proportional"),
        _p("Wilayah dengan skor tertinggi", styles["Heading4"]),
        _table(b.top[["nama", "ipk", "kelas", "alasan"]].head(10), ["Wilayah", "IPK", "Kelas", "Alasan"], styles,
               [5 * cm, 1.4 * cm, 1.8 * cm, 9.8 * cm]),
        _p("Tren bulanan", styles["Heading4"]),
        Image(io.BytesIO(b.trend_png), width=17 * cm, height=5 * cm, kind="proportional"),
        _p("Lonjakan (4 minggu terakhir)", styles["Heading4"]),
        _table(b.surges[["nama", "kategori", "alasan"]].head(10), ["Wilayah", "Kategori", "Alasan"], styles,
               [5 * cm, 2 * cm, 11 * cm])
        if len(b.surges) else _p("Tidak ada lonjakan bermakna.", styles["Normal"]),
    ]
    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buffer.getvalue()


def _table(frame: pd.DataFrame, header, styles, widths=None):
    small = styles["BodyText"].clone("kecil", fontSize=7.5, leading=9)
    data = [[_p(h, small) for h in header]] + [
        [_p(f"{v:.1f}" if isinstance(v, float) else v, small) for v in row] for row in frame.itertuples(index=False)]
    table = Table(data, repeatRows=1, colWidths=widths)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fde9d9")),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _trend_png(monthly: pd.Series) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 2.6))
    if len(monthly):
        ax.bar(monthly.index.strftime("%m/%y"), monthly.to_numpy(), color="#ef8a62")
    ax.set_ylabel("insiden")
    ax.tick_params(axis="x", labelsize=7, rotation=45)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def build_briefing(con, user, quarter: str, *, summary: str = "", classification: str = "Terbatas",
                   title: str | None = None) -> Briefing:
    """Assemble a briefing for ``user``'s scope and triwulan ``quarter`` from the database."""
    from analysis.early_warning import surge_windows, surges
    from analysis.ipk import CLASS_INDEX, HonestRules, compute_quarter_ipk
    from analysis.panel import month_label, period_labels, shift_period
    from analysis.profile import load_profile
    from analysis.triwulan import quarter_bounds
    from auth.roles import require
    from geo.web import load_display
    from reports.static_map import choropleth_image
    from store.incidents import IncidentFilter, Scope, aggregate_by_period, aggregate_by_region
    from store.regions import kab_in_scope

    require(user, "ekspor")
    scope = Scope(user.region, user.clearance)
    start, end = quarter_bounds(quarter)
    kab = kab_in_scope(con, user.region)
    first, _ = quarter_bounds(shift_period(quarter, -(HonestRules().window + 1)))
    panel = aggregate_by_period(con, IncidentFilter(first, end), scope)
    result = compute_quarter_ipk(panel, kab, load_profile(PROFILE_FILE), quarter, as_of=date.today())
    top = result.scores.assign(nama=kab["nama"], alasan=result.reasons).sort_values("ipk", ascending=False)
    display = load_display("kab", "sedang" if user.region else "rendah")
    display = display.loc[display["kode"].isin(kab["kode"])].set_index("kode").reindex(kab["kode"]).reset_index()
    idx = result.scores["kelas"].map(CLASS_INDEX).to_numpy()
    labels = ("", "Rendah", "", "Sedang", "", "Tinggi")
    map_png = choropleth_image(display, idx, labels, f"Indeks Potensi Konflik {quarter}", min(end, date.today()))
    # a year of months up to the triwulan's end; a month without incidents is drawn as zero
    last_day = min(end, date.today())
    months = period_labels(shift_period(month_label(last_day), -11, "bulan"), month_label(last_day), "bulan")
    counts = aggregate_by_period(con, IncidentFilter(date.fromisoformat(months[0] + "-01"), last_day), scope,
                                 period="bulan")
    monthly = counts.groupby("bulan")["jumlah"].sum().reindex(months, fill_value=0)
    monthly.index = pd.to_datetime(monthly.index + "-01")
    today = date.today()
    windows = surge_windows(today)
    recent = aggregate_by_region(con, IncidentFilter(*windows.recent), scope, by_kategori=True)
    before = aggregate_by_region(con, IncidentFilter(*windows.baseline), scope, by_kategori=True)
    flagged = surges(recent, before, by=("kode", "kategori"))
    flagged = flagged.assign(nama=flagged["kode"].map(kab.set_index("kode")["nama"]))
    return Briefing(title=title or f"Bahan Rapat: Potensi Konflik {quarter}", period=f"{start:%d/%m/%Y}–{end:%d/%m/%Y}",
                    classification=classification, map_png=map_png, top=top, trend_png=_trend_png(monthly),
                    surges=flagged, summary=summary or "Ringkasan: (isi oleh analis sebelum rapat).",
                    author=user.username)
