"""Laporan Triwulan Peta Potensi Konflik: for a quarter, the Peta Potensi Konflik (potensi +
gejala) and Peta Konflik (kejadian) maps, a table per kabupaten/kota (counts by category,
escalation, handling status), the change against the previous quarter, and notes — as PDF and XLSX."""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

import pandas as pd

from analysis.measures import classify
from analysis.triwulan import previous_quarter, quarter_bounds
from reports.safe import neutralise_xlsx_frame
from store.incidents import IncidentFilter, Scope, query_incidents

__all__ = ["quarter_table", "triwulan_pdf", "triwulan_xlsx"]



def quarter_table(con, user, quarter: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per kabupaten/kota in scope: counts by category and sifat, max escalation, handled share,
    change against the previous quarter. Returns (table, incidents of the quarter)."""
    from auth.roles import require
    from store.regions import region_table
    from store.vocab import settled_statuses

    require(user, "ekspor")
    scope = Scope(user.region, user.clearance)
    start, end = quarter_bounds(quarter)
    prev_start, prev_end = quarter_bounds(previous_quarter(quarter))
    rows = query_incidents(con, IncidentFilter(date_from=start, date_to=end), scope)
    prev = query_incidents(con, IncidentFilter(date_from=prev_start, date_to=prev_end), scope)
    kab = region_table(con, "kab")
    if user.region:
        kab = kab.loc[kab["kode"].str.startswith(user.region)]
    table = kab[["kode", "nama"]].set_index("kode")
    by_cat = rows.pivot_table(index="kode_kab", columns="kategori", values="id", aggfunc="count", fill_value=0)
    table = table.join(by_cat).fillna(0)
    table["potensi_gejala"] = rows[rows["sifat"].isin(["potensi", "gejala"])].groupby("kode_kab").size()
    table["kejadian"] = rows[rows["sifat"] == "kejadian"].groupby("kode_kab").size()
    table["eskalasi_maks"] = rows.groupby("kode_kab")["eskalasi"].max()
    table["selesai"] = rows[rows["status_penanganan"].isin(settled_statuses(con))].groupby("kode_kab").size()
    table["jumlah"] = rows.groupby("kode_kab").size()
    table["triwulan_lalu"] = prev.groupby("kode_kab").size()
    table = table.fillna(0)
    numeric = [c for c in table.columns if c != "nama"]
    table[numeric] = table[numeric].astype(int)
    table["perubahan"] = table["jumlah"] - table["triwulan_lalu"]
    return table.reset_index().sort_values("jumlah", ascending=False), rows


def triwulan_xlsx(table: pd.DataFrame, quarter: str, user, notes: str = "") -> bytes:
    """The quarterly table and its metadata as XLSX (formula-safe)."""
    buffer = io.BytesIO()
    meta = pd.DataFrame({"keterangan": ["Laporan", "Triwulan", "Cakupan", "Disusun oleh", "Tanggal", "Catatan"],
                         "nilai": ["Peta Potensi Konflik", quarter, user.region or "nasional", user.username,
                                   f"{date.today():%d/%m/%Y}", notes]})
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        neutralise_xlsx_frame(table).to_excel(xl, sheet_name="Per kabupaten-kota", index=False)
        neutralise_xlsx_frame(meta).to_excel(xl, sheet_name="Metadata", index=False)
    return buffer.getvalue()


def triwulan_pdf(con, user, quarter: str, *, classification: str = "Terbatas", notes: str = "") -> bytes:
    """The quarterly report as PDF: two maps, the table and notes, marking on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from geo.web import load_display
    from reports.briefing import CLASSIFICATIONS, load_kop
    from reports.static_map import choropleth_image

    if classification not in CLASSIFICATIONS:
        raise ValueError(f"klasifikasi tidak dikenal: {classification!r} (pilihan: {', '.join(CLASSIFICATIONS)})")
    table, _ = quarter_table(con, user, quarter)
    start, end = quarter_bounds(quarter)
    display = load_display("kab", "sedang" if user.region else "rendah")
    display = display.loc[display["kode"].isin(table["kode"])].set_index("kode").reindex(table["kode"]).reset_index()
    maps = []
    for column, title in (("potensi_gejala", "Peta Potensi Konflik (potensi + gejala)"),
                          ("kejadian", "Peta Konflik (kejadian)")):
        classes = classify(table[column].to_numpy())
        maps.append(choropleth_image(display, classes.yb, classes.labels, f"{title}, {quarter}", min(end, date.today())))
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("kecil", fontSize=7, leading=8.5)
    mark = classification.upper()
    page = landscape(A4)

    def frame(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawCentredString(page[0] / 2, page[1] - 0.9 * cm, mark)
        canvas.drawCentredString(page[0] / 2, 0.6 * cm, mark)
        canvas.restoreState()

    kop = load_kop()
    p = lambda text, style=styles["Normal"]: Paragraph(escape(str(text)), style)  # noqa: E731
    columns = ["nama", "jumlah", "potensi_gejala", "kejadian", "eskalasi_maks", "selesai", "triwulan_lalu", "perubahan"]
    header = ["Kabupaten/kota", "Jumlah", "Potensi+gejala", "Kejadian", "Eskalasi maks", "Selesai", "Triwulan lalu", "Δ"]
    data = [[p(h, small) for h in header]] + [[p(v, small) for v in row] for row in table[columns].itertuples(index=False)]
    grid = Table(data, repeatRows=1)
    grid.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fde9d9")),
                              ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=page, topMargin=1.4 * cm, bottomMargin=1.2 * cm,
                            title=f"Laporan Triwulan {quarter}")
    story = [p(kop.get("pemerintah", "")), p(kop.get("instansi", ""), styles["Heading3"]),
             p(f"LAPORAN TRIWULAN PETA POTENSI KONFLIK — {quarter}", styles["Title"]),
             p(f"Periode {start:%d/%m/%Y}–{end:%d/%m/%Y} · cakupan {user.region or 'nasional'} · disusun oleh "
               f"{user.username}, {date.today():%d/%m/%Y}"), Spacer(1, 0.3 * cm),
             Table([[Image(io.BytesIO(m), width=12.8 * cm, height=11 * cm, kind="proportional") for m in maps]]),
             PageBreak(), p("Rekap per kabupaten/kota", styles["Heading3"]), grid, Spacer(1, 0.3 * cm),
             p("Uji balik", styles["Heading4"]), p(backtest_paragraph(con, user, quarter)),
             p("Catatan", styles["Heading4"]), p(notes or "-")]
    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buffer.getvalue()


def backtest_paragraph(con, user, quarter: str) -> str:
    """One short paragraph: how well the index of earlier triwulan foresaw the next one in the
    user's scope (data up to ``quarter`` only), and whether the forecast earned its place."""
    from analysis.backtest import evaluate
    from analysis.profile import load_profile
    from settings import PROFILE_FILE
    from store.incidents import aggregate_by_period
    from store.regions import kab_in_scope

    counts = aggregate_by_period(con, IncidentFilter(None, quarter_bounds(quarter)[1]), Scope(user.region, user.clearance))
    try:
        check = evaluate(counts, kab_in_scope(con, user.region), load_profile(PROFILE_FILE), last=quarter, n_boot=300)
    except ValueError:
        return "Riwayat insiden dalam cakupan ini belum cukup panjang untuk uji balik."
    verdict = f" {check.verdict.text}" if check.verdict is not None else ""
    return check.index_text() + verdict
