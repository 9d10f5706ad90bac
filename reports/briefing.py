"""One-to-two-page briefing PDF for a meeting: kop of the user's office, title, region and period,
classification on every page, the map, top regions with score and reasons in plain words, the
monthly trend, surges and an editable summary.

The briefing covers the region chosen (a province or a kabupaten/kota inside the user's scope,
see :func:`reports.document.document_region`); inside a kabupaten/kota its map shows the
kecamatan. Made from demo data, every page says "Data contoh (sintetis)". Every piece of text is
escaped before ReportLab's ``Paragraph`` sees it (its markup can open files: SECURITY.md §8).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import Image, KeepTogether, Spacer  # noqa: E402

from analysis.reasons import plain_reasons  # noqa: E402
from reports.document import (  # noqa: E402
    CLASSIFICATIONS,
    MARK_RED,
    SYNTHETIC_MARK,
    Column,
    Marks,
    check_classification,
    data_table,
    paragraph,
    render_pdf,
    styles,
    table_heading,
)
from reports.letterhead import KOP_FILE, Letterhead, letterhead_flowables, load_kop  # noqa: E402
from settings import PROFILE_FILE  # noqa: E402

__all__ = ["Briefing", "CLASSIFICATIONS", "KOP_FILE", "TOP_N", "briefing_pdf", "build_briefing", "load_kop",
]

#: Regions listed in the briefing's top table.
TOP_N = 10
_WIDTH = 18.0  # cm of text width on A4 with 1.5 cm margins
#: Map area of the briefing's map (inches): the page's width, a little over half its height.
MAP_BOX = (7.0, 3.4)


@dataclass(frozen=True)
class Briefing:
    """Everything a briefing shows (plain text; escaping happens when the PDF is built).

    Attributes
    ----------
    top : pandas.DataFrame
        ``kode, nama, ipk, kelas, insiden, alasan`` of every region in the briefing's region,
        highest score first.
    surges : pandas.DataFrame
        ``nama, kategori, alasan``.
    region_label : str
        ``"Provinsi Kalimantan Selatan (63)"``.
    quiet : int
        Regions of ``top`` without any incident in the triwulan (summarised in one line).
    """

    title: str
    period: str
    classification: str
    map_png: bytes
    top: pd.DataFrame          # kode, nama, ipk, kelas, insiden, alasan
    trend_png: bytes
    surges: pd.DataFrame       # nama, kategori, alasan
    summary: str
    author: str
    region_label: str = ""
    region_code: str | None = None
    synthetic: bool = False
    letterhead: Letterhead | None = None
    note: str = ""
    quiet: int = 0
    unit: str = "kabupaten/kota"
    surge_period: str = "4 minggu terakhir"
    top_heading: str = "Wilayah dengan skor tertinggi"
    list_all: bool = False
    foresight: str = ""        # the back-test in words, and the forecast's verdict
    counted: str = ""          # what the briefing counts (verified only, or also the unverified)


def briefing_pdf(b: Briefing, kop: Letterhead | dict | None = None) -> bytes:
    """Render a :class:`Briefing` to PDF bytes (A4, "Halaman x dari y", marks on every page)."""
    check_classification(b.classification)
    st = styles()
    head = kop if kop is not None else b.letterhead
    story = [*letterhead_flowables(head, _WIDTH),
             paragraph(b.title, st["title"]),
             paragraph(" · ".join(t for t in (b.region_label, f"Periode {b.period}") if t), st["subtitle"]),
             paragraph(f"Disusun {datetime.now():%d/%m/%Y %H:%M} oleh {b.author} dengan SIGAP", st["meta"])]
    if b.counted:
        story.append(paragraph(b.counted, st["meta"]))
    if b.synthetic:
        story.append(paragraph(f"{SYNTHETIC_MARK}: dokumen ini dibuat dari data demonstrasi, bukan kejadian nyata.",
                               st["note"].clone("tanda", textColor=colors.HexColor(MARK_RED), alignment=1)))
    story += [paragraph("Ringkasan", st["h4"]), paragraph(b.summary, st["body"]), Spacer(1, 0.15 * cm)]
    if b.foresight:
        story += [paragraph("Seberapa tepat peta triwulan lalu?", st["h4"]), paragraph(b.foresight, st["body"]),
                  Spacer(1, 0.15 * cm)]
    story += [KeepTogether([Image(io.BytesIO(b.map_png), width=_WIDTH * cm, height=12.5 * cm, kind="proportional")])]
    listed = b.top
    if "insiden" in b.top and not b.list_all:
        listed = b.top.loc[(b.top["insiden"] > 0) | (b.top["ipk"] > 0)]
    shown = listed.head(TOP_N)
    rest = []
    if len(listed) > len(shown):
        rest.append(f"{len(listed) - len(shown)} {b.unit} lain dengan skor lebih rendah")
    quiet = b.quiet if "insiden" in b.top and not b.list_all else 0
    if quiet:
        rest.append(f"{quiet} {b.unit} {'lain ' if len(shown) else ''}tanpa insiden pada triwulan ini")
    story += table_heading(b.top_heading, st["h4"])
    columns = [Column("nama", _sentence(b.unit), 4.0), Column("ipk", "IPK", 1.2, "float"),
               Column("kelas", "Kelas", 1.5)]
    if "insiden" in b.top:
        columns.append(Column("insiden", "Insiden", 1.4, "int"))
    columns.append(Column("alasan", "Alasan", _WIDTH - sum(c.width for c in columns)))
    story.append(data_table(shown, columns, st, summary=_sentence("; ".join(rest)) if rest else None))
    if b.note:
        story.append(paragraph(b.note, st["note"]))
    story += [paragraph("Tren bulanan", st["h4"]),
              Image(io.BytesIO(b.trend_png), width=_WIDTH * cm, height=4.6 * cm, kind="proportional"),
              *table_heading(f"Lonjakan ({b.surge_period})", st["h4"], room=2.5)]
    if len(b.surges):
        story.append(data_table(b.surges.head(TOP_N), [Column("nama", "Wilayah", 4.6),
                                                       Column("kategori", "Kategori", 4.4),
                                                       Column("alasan", "Keterangan", 9.0)], st))
    else:
        story.append(paragraph("Tidak ada lonjakan bermakna.", st["body"]))
    footer = f"SIGAP · {b.title}"
    return render_pdf(story, pagesize=A4, marks=Marks(b.classification, b.synthetic, footer), title=b.title,
                      author=b.author)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _trend_png(monthly: pd.Series, last_day: date, mark: str | None = None) -> bytes:
    """Bars of incidents per month; a month still running is drawn lighter and starred."""
    fig, ax = plt.subplots(figsize=(9, 2.3))
    if len(monthly):
        labels = list(monthly.index.strftime("%m/%y"))
        running = monthly.index[-1].month == last_day.month and monthly.index[-1].year == last_day.year and (
            (pd.Timestamp(last_day) + pd.Timedelta(days=1)).month == last_day.month)
        shades = ["#ef8a62"] * len(labels)
        if running:
            labels[-1] += "*"
            shades[-1] = "#f7c6ae"
        ax.bar(labels, monthly.to_numpy(), color=shades)
        ax.set_ylim(0, max(1.0, float(monthly.max()) * 1.15))
        if running:
            ax.text(1.0, -0.42, f"* bulan berjalan, s.d. {last_day:%d/%m/%Y}", transform=ax.transAxes, ha="right",
                    fontsize=7, color="#555555")
    ax.set_ylabel("insiden")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="x", labelsize=7, rotation=45)
    ax.spines[["top", "right"]].set_visible(False)
    if mark:
        ax.text(0.99, 0.97, mark, transform=ax.transAxes, ha="right", va="top", fontsize=8, fontweight="bold",
                color="#b2182b", parse_math=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def build_briefing(con, user, quarter: str, *, summary: str = "", classification: str = "Terbatas",
                   title: str | None = None, region: str | None = None, today: date | None = None,
                   verified_only: bool = True) -> Briefing:
    """Assemble a briefing of triwulan ``quarter`` for ``region`` (default: the user's scope).

    Parameters
    ----------
    user : auth.User
        Needs the ``ekspor`` permission; its office's letterhead heads the briefing.
    region : str, optional
        A province or kabupaten/kota inside the user's scope.
    today : datetime.date, optional
        The day the data covers up to (default: today); a running triwulan ends there.
    verified_only : bool
        Count only verified incidents (the default; the briefing says so), or also the submitted,
        not yet verified ones (an analyst's choice).

    Raises
    ------
    auth.roles.PermissionDenied
        No ``ekspor`` permission, or ``region`` lies outside the user's scope.
    ValueError
        Unknown classification or region, or a triwulan that has not started.
    """
    from analysis.early_warning import surge_windows, surges
    from analysis.ipk import CLASS_INDEX, HonestRules, compute_quarter_ipk
    from analysis.measures import classify, compute_measure
    from analysis.panel import month_label, period_labels, shift_period
    from analysis.profile import load_profile
    from analysis.triwulan import quarter_bounds
    from auth.roles import require
    from reports.document import document_region, document_scope, is_synthetic, period_end, period_text
    from reports.letterhead import letterhead_for
    from reports.static_map import choropleth_image, display_regions
    from reports.triwulan import backtest_paragraph, counted_text
    from store.incidents import IncidentFilter, aggregate_by_period, aggregate_by_region
    from store.regions import kab_in_scope
    from store.vocab import vocab_names

    require(user, "ekspor")
    # every count of the briefing under one rule (what it counts is said on its first page)
    counted_filter = partial(IncidentFilter, verified_only=verified_only)
    check_classification(classification)
    today = today or date.today()
    area = document_region(con, user, region)
    scope = document_scope(user, area)
    start, end = quarter_bounds(quarter)
    period = period_text(start, end, today)
    last_day = period_end(end, today)
    synthetic = is_synthetic(con)
    mark = SYNTHETIC_MARK if synthetic else None
    kab = kab_in_scope(con, area.code)
    first, _ = quarter_bounds(shift_period(quarter, -(HonestRules().window + 1)))
    panel = aggregate_by_period(con, counted_filter(first, end), scope)
    profile = load_profile(PROFILE_FILE)
    result = compute_quarter_ipk(panel, kab, profile, quarter, as_of=last_day)
    reasons = plain_reasons(result, profile, panel, quarter, kab, vocab_names(con, "eskalasi"))
    insiden = result.scores["insiden"] if "insiden" in result.scores else pd.Series(0, index=result.scores.index)
    top = result.scores.assign(nama=kab["nama"], alasan=reasons, insiden=insiden.astype(int)).sort_values(
        ["ipk", "insiden"], ascending=False, kind="stable").reset_index(drop=True)
    quiet = int(((top["insiden"] == 0) & (top["ipk"] <= 0)).sum())
    units, context, level = display_regions(area.code)
    if level == "kec":  # inside one kabupaten/kota: its kecamatan by incidents of the triwulan
        counts = aggregate_by_region(con, counted_filter(start, last_day), scope, level="kec")
        classes = classify(compute_measure(units.assign(luas_km2=1.0), counts, "jumlah"))
        map_png = choropleth_image(units, classes.yb, classes.labels, f"Jumlah insiden per kecamatan, {quarter}",
                                   last_day, subtitle=f"{area.short} · {period}", mark=mark, context=context,
                                   legend_title="Jumlah insiden", box=MAP_BOX, watermark=False,
                                   metadata={"Wilayah": area.code or "nasional"})
    else:
        kelas = result.scores.set_index("kode")["kelas"]
        idx = units["kode"].map(kelas).map(CLASS_INDEX).fillna(0).astype(int).to_numpy()
        labels = ("", "Rendah", "", "Sedang", "", "Tinggi")
        map_png = choropleth_image(units, idx, labels, f"Indeks Potensi Konflik {quarter}", last_day,
                                   subtitle=f"{area.short} · {period}", mark=mark, context=context,
                                   legend_title="Kelas IPK", box=MAP_BOX, watermark=False,
                                   metadata={"Wilayah": area.code or "nasional"})
    # a year of months up to the triwulan's last day so far; a month without incidents is drawn as zero
    months = period_labels(shift_period(month_label(last_day), -11, "bulan"), month_label(last_day), "bulan")
    counts = aggregate_by_period(con, counted_filter(date.fromisoformat(months[0] + "-01"), last_day), scope,
                                 period="bulan")
    monthly = counts.groupby("bulan")["jumlah"].sum().reindex(months, fill_value=0)
    monthly.index = pd.to_datetime(monthly.index + "-01")
    windows = surge_windows(today)
    recent = aggregate_by_region(con, counted_filter(*windows.recent), scope, by_kategori=True)
    before = aggregate_by_region(con, counted_filter(*windows.baseline), scope, by_kategori=True)
    flagged = surges(recent, before, by=("kode", "kategori"))
    kategori = vocab_names(con, "kategori")
    flagged = flagged.assign(
        nama=flagged["kode"].map(kab.set_index("kode")["nama"]),
        kategori=flagged["kategori"].map(lambda k: kategori.get(k, k)),
        alasan=[f"{int(c)} insiden, {int(b)} pada 4 minggu sebelumnya" for c, b in
                zip(flagged["jumlah"], flagged["dasar"])])
    heading = f"Bahan Rapat: Potensi Konflik {area.name + ' ' if area.code else ''}{quarter}"
    return Briefing(title=title or heading, period=period, classification=classification, map_png=map_png, top=top,
                    trend_png=_trend_png(monthly, last_day, mark), surges=flagged,
                    summary=summary or "Ringkasan: (isi oleh analis sebelum rapat).", author=user.username,
                    region_label=area.label, region_code=area.code, synthetic=synthetic,
                    letterhead=letterhead_for(con, user.region), note=result.note, quiet=quiet,
                    foresight=backtest_paragraph(con, user, quarter, region=region, verified_only=verified_only),
                    unit="kabupaten/kota", list_all=area.level == "kab",
                    top_heading=(f"Indeks Potensi Konflik {area.name}" if area.level == "kab"
                                 else "Wilayah dengan skor tertinggi"),
                    counted=counted_text(verified_only),
                    surge_period=f"4 minggu terakhir, {windows.recent[0]:%d/%m/%Y} s.d. {windows.recent[1]:%d/%m/%Y}")
