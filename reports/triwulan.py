"""Laporan Triwulan Peta Potensi Konflik: for a quarter, the Peta Potensi Konflik (potensi +
gejala) and Peta Konflik (kejadian) maps, a table per kabupaten/kota (counts by category,
escalation, handling status), the change against the previous quarter, and notes — as PDF and XLSX.

The report covers the region chosen (a province or a kabupaten/kota inside the user's scope, see
:func:`reports.document.document_region`); inside a kabupaten/kota its tables and maps go down to
the kecamatan. The PDF lists the regions with incidents and sums up the rest in one line
("12 kabupaten/kota lain tanpa insiden"); the workbook keeps every row. A running triwulan ends
today. Made from demo data, every page and sheet says "Data contoh (sintetis)".
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from analysis.measures import classify
from analysis.triwulan import previous_quarter, quarter_bounds
from reports.document import (
    MARK_RED,
    SYNTHETIC_MARK,
    DocumentRegion,
    content_classification,
    document_region,
    document_scope,
)
from reports.safe import neutralise_xlsx_frame
from store.incidents import IncidentFilter, query_incidents

__all__ = ["NUMERIC_COLUMNS", "backtest_paragraph", "counted_text", "quarter_table", "triwulan_pdf", "triwulan_workbook",
           "triwulan_xlsx"]

#: The count columns every quarterly table has (besides one column per kategori).
NUMERIC_COLUMNS = ("potensi_gejala", "kejadian", "eskalasi_maks", "selesai", "jumlah", "triwulan_lalu", "perubahan")
_UNKNOWN_KEC = "(kecamatan tidak tercatat)"


def counted_text(verified_only: bool) -> str:
    """The sentence an official document carries about what it counts."""
    if verified_only:
        return ("Yang dihitung: insiden yang sudah diverifikasi (diverifikasi kabupaten/kota atau diverifikasi "
                "provinsi); laporan yang belum diverifikasi, dikembalikan, ditolak atau duplikat tidak dihitung.")
    return ("Yang dihitung: semua insiden yang sudah diajukan, termasuk yang belum diverifikasi; draf, laporan "
            "yang dikembalikan, ditolak atau duplikat tidak dihitung.")


def quarter_table(con, user, quarter: str, *, region: str | None = None,
                  verified_only: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per kabupaten/kota of the region (inside one kabupaten/kota: per kecamatan): counts by
    category and sifat, max escalation, handled share, change against the previous quarter.

    Parameters
    ----------
    user : auth.User
        Needs the ``ekspor`` permission; its scope and clearance limit the rows.
    region : str, optional
        A province or kabupaten/kota inside the user's scope (default: the scope).
    verified_only : bool
        Count only verified incidents (the default of official documents, see
        :func:`counted_text`); False adds the submitted, not yet verified ones.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The table (``kode, nama``, one column per kategori, :data:`NUMERIC_COLUMNS`; every region
        of the area, busiest first) and the incidents of the quarter.

    Raises
    ------
    auth.roles.PermissionDenied
        No ``ekspor`` permission, or ``region`` lies outside the user's scope.
    """
    from auth.roles import require
    from store.regions import region_table
    from store.vocab import settled_statuses

    require(user, "ekspor")
    area = document_region(con, user, region)
    scope = document_scope(user, area)
    start, end = quarter_bounds(quarter)
    prev_start, prev_end = quarter_bounds(previous_quarter(quarter))
    rows = query_incidents(con, IncidentFilter(date_from=start, date_to=end, verified_only=verified_only), scope)
    prev = query_incidents(con, IncidentFilter(date_from=prev_start, date_to=prev_end, verified_only=verified_only),
                           scope)
    if area.level == "kab":
        units = region_table(con, "kec")
        units = units.loc[units["kode_induk"] == area.code]
        key = "kode_kec"
        # a row whose kecamatan is unknown (or hidden above clearance) still counts, on a line of its own
        rows = rows.assign(kode_kec=rows["kode_kec"].where(rows["kode_kec"].isin(units["kode"]), ""))
        prev = prev.assign(kode_kec=prev["kode_kec"].where(prev["kode_kec"].isin(units["kode"]), ""))
        if (rows["kode_kec"] == "").any() or (prev["kode_kec"] == "").any():
            units = pd.concat([units, pd.DataFrame({"kode": [""], "nama": [_UNKNOWN_KEC]})], ignore_index=True)
    else:
        units = region_table(con, "kab")
        if area.code is not None:
            units = units.loc[(units["kode"] == area.code) | units["kode"].str.startswith(area.code + ".")]
        key = "kode_kab"
    table = units[["kode", "nama"]].set_index("kode")
    by_cat = rows.pivot_table(index=key, columns="kategori", values="id", aggfunc="count", fill_value=0)
    table = table.join(by_cat).fillna(0)
    table["potensi_gejala"] = rows[rows["sifat"].isin(["potensi", "gejala"])].groupby(key).size()
    table["kejadian"] = rows[rows["sifat"] == "kejadian"].groupby(key).size()
    table["eskalasi_maks"] = rows.groupby(key)["eskalasi"].max()
    table["selesai"] = rows[rows["status_penanganan"].isin(settled_statuses(con))].groupby(key).size()
    table["jumlah"] = rows.groupby(key).size()
    table["triwulan_lalu"] = prev.groupby(key).size()
    table = table.fillna(0)
    numeric = [c for c in table.columns if c != "nama"]
    table[numeric] = table[numeric].astype(int)
    table["perubahan"] = table["jumlah"] - table["triwulan_lalu"]
    table = table.reset_index().sort_values(["jumlah", "triwulan_lalu", "kode"], ascending=[False, False, True],
                                            kind="stable")
    return table.reset_index(drop=True), rows


def _quiet(table: pd.DataFrame) -> pd.Series:
    """Rows with nothing to report: no incident in this triwulan or the one before."""
    return (table["jumlah"] == 0) & (table["triwulan_lalu"] == 0)


def triwulan_xlsx(table: pd.DataFrame, quarter: str, user, notes: str = "", *, region: DocumentRegion | None = None,
                  synthetic: bool = False, classification: str | None = None, counted: str | None = None) -> bytes:
    """The quarterly table and its metadata as XLSX (formula-safe); with ``synthetic`` every sheet
    carries "Data contoh (sintetis)" (a cell right of the table, a text box, the print header and a
    red tab)."""
    today = date.today()
    start, end = quarter_bounds(quarter)
    period = f"{start:%d/%m/%Y} s.d. {min(end, today):%d/%m/%Y}" + (" (triwulan berjalan)" if end > today else "")
    meta = pd.DataFrame({
        "keterangan": ["Laporan", "Triwulan", "Periode", "Cakupan", "Klasifikasi", "Data contoh", "Disusun oleh",
                       "Tanggal", "Catatan"],
        "nilai": ["Peta Potensi Konflik", quarter, period,
                  region.label if region is not None else (user.region or "nasional"),
                  classification or "-",
                  f"Ya — {SYNTHETIC_MARK}, bukan kejadian nyata" if synthetic else "Tidak", user.username,
                  f"{today:%d/%m/%Y}", notes]})
    if counted:
        meta = pd.concat([meta, pd.DataFrame({"keterangan": ["Yang dihitung"], "nilai": [counted]})],
                         ignore_index=True)
    sheet = "Per kecamatan" if region is not None and region.level == "kab" else "Per kabupaten-kota"
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        for name, frame in ((sheet, table), ("Metadata", meta)):
            neutralise_xlsx_frame(frame).to_excel(xl, sheet_name=name, index=False)
            worksheet = xl.sheets[name]
            worksheet.set_column(0, max(len(frame.columns) - 1, 0), 16)
            if synthetic:
                bold = xl.book.add_format({"bold": True, "font_color": MARK_RED})
                worksheet.write_string(0, len(frame.columns) + 1, SYNTHETIC_MARK, bold)
                worksheet.set_column(len(frame.columns) + 1, len(frame.columns) + 1, 24)
                worksheet.set_header(f"&C&\"Arial,Bold\"&K{MARK_RED[1:]}{SYNTHETIC_MARK}")
                worksheet.set_tab_color(MARK_RED)
    return buffer.getvalue()


def triwulan_workbook(con, user, quarter: str, *, region: str | None = None,
                      notes: str = "", verified_only: bool = True) -> tuple[bytes, int]:
    """:func:`quarter_table` of ``region`` as a workbook with its metadata (region, classification
    of the rows it counts, synthetic mark); returns the file and its number of table rows."""
    from reports.document import is_synthetic

    table, rows = quarter_table(con, user, quarter, region=region, verified_only=verified_only)
    area = document_region(con, user, region)
    data = triwulan_xlsx(table, quarter, user, notes, region=area, synthetic=is_synthetic(con),
                         classification=content_classification(rows["klasifikasi"], user.clearance),
                         counted=counted_text(verified_only))
    return data, len(table)


def triwulan_pdf(con, user, quarter: str, *, classification: str = "Terbatas", notes: str = "",
                 region: str | None = None, today: date | None = None, verified_only: bool = True) -> bytes:
    """The quarterly report as PDF (A4 landscape): two maps, the table, the kategori, the back-test
    and notes; kop of the user's office, marks and "Halaman x dari y" on every page.

    Raises
    ------
    auth.roles.PermissionDenied
        No ``ekspor`` permission, or ``region`` lies outside the user's scope.
    ValueError
        Unknown classification, or a triwulan that has not started.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Spacer, Table, TableStyle

    from reports.document import (
        Column,
        Marks,
        check_classification,
        data_table,
        is_synthetic,
        paragraph,
        period_end,
        period_text,
        render_pdf,
        styles,
        table_heading,
    )
    from reports.letterhead import letterhead_flowables, letterhead_for
    from reports.static_map import choropleth_image, display_regions
    from store.vocab import vocab_names

    check_classification(classification)
    today = today or date.today()
    table, rows = quarter_table(con, user, quarter, region=region, verified_only=verified_only)
    area = document_region(con, user, region)
    start, end = quarter_bounds(quarter)
    period = period_text(start, end, today)
    last_day = period_end(end, today)
    synthetic = is_synthetic(con)
    mark = SYNTHETIC_MARK if synthetic else None
    units, context, _ = display_regions(area.code)
    by_code = table.set_index("kode")
    maps = []
    for column, title in (("potensi_gejala", "Peta Potensi Konflik (potensi + gejala)"),
                          ("kejadian", "Peta Konflik (kejadian)")):
        values = units["kode"].map(by_code[column]).fillna(0)
        classes = classify(values.to_numpy())
        maps.append(choropleth_image(units, classes.yb, classes.labels, title, last_day, subtitle=f"{area.short} · "
                                     f"{quarter}", mark=mark, context=context, legend_title="Jumlah insiden",
                                     box=(5.8, 3.9), watermark=False, metadata={"Wilayah": area.code or "nasional"}))
    st = styles()
    width = landscape(A4)[0] / cm - 3.0
    unit = area.unit
    story = [*letterhead_flowables(letterhead_for(con, user.region), width),
             paragraph(f"LAPORAN TRIWULAN PETA POTENSI KONFLIK — {quarter}", st["title"]),
             paragraph(f"{area.label} · Periode {period}", st["subtitle"]),
             paragraph(f"Disusun oleh {user.username}, {today:%d/%m/%Y}, dengan SIGAP", st["meta"]),
             paragraph(counted_text(verified_only), st["meta"])]
    if synthetic:
        story.append(paragraph(f"{SYNTHETIC_MARK}: laporan ini dibuat dari data demonstrasi, bukan kejadian nyata.",
                               st["note"].clone("tanda", textColor=colors.HexColor(MARK_RED), alignment=1)))
    pair = Table([[Image(io.BytesIO(m), width=13.2 * cm, height=12.4 * cm, kind="proportional") for m in maps]],
                 colWidths=[width / 2 * cm] * 2)
    pair.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(pair)

    shown = table.loc[~_quiet(table)]
    quiet = int(_quiet(table).sum())
    summary = (f"{quiet} {unit} {'lain ' if len(shown) else ''}tanpa insiden pada triwulan ini maupun triwulan lalu"
               if quiet else None)
    columns = [Column("nama", "Kecamatan" if unit == "kecamatan" else "Kabupaten/kota", 7.0),
               Column("jumlah", "Jumlah", 2.3, "int"), Column("potensi_gejala", "Potensi + gejala", 2.8, "int"),
               Column("kejadian", "Kejadian", 2.3, "int"), Column("eskalasi_maks", "Eskalasi maks", 2.6, "int"),
               Column("selesai", "Selesai ditangani", 2.9, "int"), Column("triwulan_lalu", "Triwulan lalu", 2.6, "int"),
               Column("perubahan", "Perubahan", 2.4, "signed")]
    total = {"nama": "Jumlah", **{c.key: int(table[c.key].sum()) for c in columns[1:]},
             "eskalasi_maks": int(table["eskalasi_maks"].max()) if len(table) else 0}
    story += table_heading(f"Rekap per {unit}", st["h3"])
    story.append(data_table(shown, columns, st, summary=summary, total=total))
    if len(rows):
        names = vocab_names(con, "kategori")
        prev_start, prev_end = quarter_bounds(previous_quarter(quarter))
        from store.incidents import aggregate_by_region

        scope = document_scope(user, area)
        before = aggregate_by_region(con, IncidentFilter(prev_start, prev_end, verified_only=verified_only), scope,
                                     by_kategori=True)
        kinds = (rows.groupby("kategori").size().rename("jumlah").to_frame()
                 .join(before.groupby("kategori")["jumlah"].sum().rename("triwulan_lalu"), how="outer").fillna(0)
                 .astype(int).reset_index())
        kinds = kinds.loc[(kinds["jumlah"] > 0) | (kinds["triwulan_lalu"] > 0)].assign(
            nama=lambda f: f["kategori"].map(lambda k: names.get(k, k)),
            perubahan=lambda f: f["jumlah"] - f["triwulan_lalu"]).sort_values("jumlah", ascending=False)
        story += [*table_heading("Menurut kategori konflik", st["h3"], room=3.0),
                  data_table(kinds, [Column("nama", "Kategori", 9.3), Column("jumlah", "Jumlah", 2.3, "int"),
                                     Column("triwulan_lalu", "Triwulan lalu", 2.6, "int"),
                                     Column("perubahan", "Perubahan", 2.4, "signed")], st)]
    story += [Spacer(1, 0.2 * cm), paragraph("Uji balik", st["h4"]),
              paragraph(backtest_paragraph(con, user, quarter, region=region, verified_only=verified_only),
                        st["body"]),
              paragraph("Catatan", st["h4"]), paragraph(notes or "-", st["body"])]
    title = f"Laporan Triwulan {quarter} — {area.short}"
    return render_pdf(story, pagesize=landscape(A4), marks=Marks(classification, synthetic, f"SIGAP · {title}"),
                      title=title, author=user.username, top=1.5, bottom=1.4)


def backtest_paragraph(con, user, quarter: str, *, region: str | None = None, verified_only: bool = True) -> str:
    """One short paragraph: how well the index of earlier triwulan foresaw the next one in the
    report's region (data up to ``quarter`` only), and whether the forecast earned its place.
    Counts verified incidents only unless ``verified_only`` is False, like the rest of the document."""
    from analysis.backtest import evaluate
    from analysis.profile import load_profile
    from settings import PROFILE_FILE
    from store.incidents import aggregate_by_period
    from store.regions import kab_in_scope

    area = document_region(con, user, region)
    counts = aggregate_by_period(con, IncidentFilter(None, quarter_bounds(quarter)[1], verified_only=verified_only),
                                 document_scope(user, area))
    try:
        check = evaluate(counts, kab_in_scope(con, area.code), load_profile(PROFILE_FILE), last=quarter, n_boot=300)
    except ValueError:
        return "Riwayat insiden dalam cakupan ini belum cukup panjang untuk uji balik."
    verdict = f" {check.verdict.text}" if check.verdict is not None else ""
    return check.index_text() + verdict
