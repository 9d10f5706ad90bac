"""LAPSITDA harian: file or declare nihil, amend with a reason, see who reported, compile the rekap.

Every office (kabupaten/kota) files one LAPSITDA per day by its deadline in its own local time
(:mod:`analysis.lapsitda`). Writes check role and region here and write their audit row in the same
transaction; reads apply the user's region (offices) and, for report content, the user's scope and
clearance (:func:`store.lapor.read_reports`). ``now`` (UTC) can be passed to every function that
judges time; the clock is read only here, at the edge, when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from analysis import lapsitda as rules
from auth.roles import PermissionDenied, in_scope, require, require_in_scope, scope_label
from ingest.limits import text_limit
from reports.document import check_classification, content_classification, document_region, document_scope, is_synthetic
from reports.letterhead import letterhead_for
from reports.rekap import Rekap, rekap_pdf, rekap_xlsx
from reports.safe import neutralise_xlsx_frame, to_csv_bytes
from store import lapor as reports
from store import lapsitda as days
from store import notifications
from store.audit import AuditEvent, record
from store.db import transaction
from store.incidents import CLEARANCE_LEVELS
from store.regions import region_names, require_region
from store.vocab import vocab_names

__all__ = ["NARRATIVE_LIMIT", "OfficeDay", "ReportingCount", "StaleLapsitda", "amend_lapsitda", "build_rekap",
           "calendar", "chase_list", "completeness", "completeness_file", "default_day", "inbox", "lapsitda_history",
           "local_today", "mark_read", "office_day", "office_list", "rekap_file", "reporting_count", "set_deadline",
           "status_counts", "submit_lapsitda", "unread_count"]

#: Longest situasi umum (the import's limit for a narrative).
NARRATIVE_LIMIT = text_limit("kronologi")
_COMPLETENESS_HEADINGS = {"kode": "kode", "nama": "kabupaten_kota", "tanggal": "tanggal", "zona": "zona",
                          "status": "status", "batas_lokal": "batas_waktu", "diajukan_lokal": "diajukan_pada",
                          "laporan": "laporan", "atensi": "atensi_khusus"}


class StaleLapsitda(RuntimeError):
    """The LAPSITDA changed after the editor opened it; nothing was written."""


@dataclass(frozen=True)
class OfficeDay:
    """One office's LAPSITDA for one day, as the office sees it.

    ``submission`` is the stored LAPSITDA (None before it is submitted); ``reports`` and
    ``drafts`` are the office's submitted and draft reports of that day (scoped, redacted).
    """

    kode: str
    nama: str
    tanggal: date
    zona: str
    batas_waktu: datetime
    batas_lokal: str
    status: str
    lewat_batas: bool
    submission: dict | None
    reports: pd.DataFrame
    drafts: pd.DataFrame

    @property
    def submitted(self) -> bool:
        """Whether the LAPSITDA was submitted."""
        return self.submission is not None


@dataclass(frozen=True)
class ReportingCount:
    """How many offices of a scope reported for a day: ``text`` reads "N dari M kab/kota sudah
    melapor hari ini (LAPSITDA 01/12/2026)"."""

    reported: int
    offices: int
    tanggal: date
    counts: dict

    @property
    def text(self) -> str:
        """The sentence for Ruang Pimpinan."""
        return (f"{self.reported} dari {self.offices} kab/kota sudah melapor hari ini "
                f"(LAPSITDA {self.tanggal:%d/%m/%Y})")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- scope and time --------------------------------------------------------------------------

def _region(con, user, prov: str | None) -> str | None:
    """The region a view covers: ``prov`` (a known province or kabupaten/kota inside the user's
    scope) or the user's own region. A kabupaten/kota user asking for its province sees itself.

    Raises
    ------
    store.regions.UnknownRegion
        ``prov`` is not an installed province or kabupaten/kota code.
    auth.roles.PermissionDenied
        ``prov`` lies outside the user's scope.
    """
    if prov is None or prov == "":
        return user.region
    require_region(con, prov, ("prov", "kab"))
    if in_scope(user.region, prov):
        return prov
    if user.region is not None and in_scope(prov, user.region):
        return user.region
    raise PermissionDenied(f"Wilayah {prov} di luar cakupan Anda ({scope_label(user.region)}).")


def _zone_for_region(region: str | None) -> str:
    return rules.zone_of(region, days.load_zones()) if region else "WIB"


def local_today(region: str | None, *, now: datetime | None = None) -> date:
    """Today's date in the region's local time (national scope: WIB)."""
    return rules.local_date(now or _now(), _zone_for_region(region))


def default_day(region: str | None, *, now: datetime | None = None) -> date:
    """The LAPSITDA day whose deadline falls today in the region's local time (with the default
    rule: yesterday). National scope uses WIB."""
    today = rules.local_date(now or _now(), _zone_for_region(region))
    return today - timedelta(days=rules.DEFAULT_RULE.days_after)


def office_list(con: duckdb.DuckDBPyConnection, user, prov: str | None = None) -> pd.DataFrame:
    """The kabupaten/kota offices inside the user's region (or ``prov`` within it): ``kode, nama, kode_prov``."""
    require(user, "lihat")
    return days.offices(con, _region(con, user, prov))


def _rules(con, region: str | None) -> dict[str, rules.DeadlineRule]:
    table = days.deadline_rules(con, region)
    return {r.kode_kantor: rules.DeadlineRule(int(r.jam), int(r.menit), int(r.hari_setelah))
            for r in table.itertuples(index=False)}


def _office(con, user, office: str, action: str) -> str:
    """Check that ``office`` is a kabupaten/kota the user may ``action`` on; return its name."""
    require_in_scope(user, [office], action)
    names = days.offices(con, office)
    names = names.loc[names["kode"] == office]
    if names.empty:
        raise ValueError(f"{office} bukan kode kabupaten/kota yang dikenal (contoh: 63.72)")
    return str(names["nama"].iloc[0])


def _table(con, region: str | None, dates: list[date], now: datetime) -> pd.DataFrame:
    offices = days.offices(con, region)
    start, end = min(dates), max(dates)
    return rules.office_day_table(offices, dates, days.days(con, region, start, end),
                                  reports.day_report_counts(con, region, start, end), _rules(con, region),
                                  days.load_zones(), now)


# --- one office, one day ---------------------------------------------------------------------

def office_day(con: duckdb.DuckDBPyConnection, user, office: str, tanggal: date, *,
               now: datetime | None = None) -> OfficeDay:
    """The LAPSITDA of ``office`` for ``tanggal``: state, deadline, submission and the day's reports."""
    name = _office(con, user, office, "lihat")
    now = now or _now()
    row = _table(con, office, [tanggal], now).iloc[0]
    submitted, drafts = reports.office_day_reports(con, office, tanggal)
    return OfficeDay(kode=office, nama=name, tanggal=tanggal, zona=row["zona"], batas_waktu=row["batas_waktu"],
                     batas_lokal=row["batas_lokal"], status=row["status"], lewat_batas=bool(row["lewat_batas"]),
                     submission=days.get_day(con, office, tanggal),
                     reports=reports.read_reports(con, submitted, user.scope),
                     drafts=reports.read_reports(con, drafts, user.scope))


def _narrative(nihil: bool, situasi_umum: str | None, reports_of_day: list[int]) -> str | None:
    text = (situasi_umum or "").strip()
    if len(text) > NARRATIVE_LIMIT:
        raise ValueError(f"situasi umum lebih dari {NARRATIVE_LIMIT:,} karakter ({len(text):,}); persingkat".replace(
            ",", "."))
    if nihil and reports_of_day:
        raise ValueError(f"ada {len(reports_of_day)} laporan yang sudah diajukan untuk hari itu: nihil berarti tidak "
                         "ada kejadian; kirim LAPSITDA dengan laporan tersebut")
    if not nihil and not text:
        raise ValueError("tulis situasi umum singkat (atau nyatakan nihil bila tidak ada kejadian)")
    return text or None


def submit_lapsitda(con: duckdb.DuckDBPyConnection, user, office: str, tanggal: date, *, nihil: bool,
                    situasi_umum: str = "", now: datetime | None = None) -> OfficeDay:
    """Submit the LAPSITDA of ``office`` for ``tanggal`` once: the day's submitted reports with a
    situasi umum, or an explicit nihil.

    Raises
    ------
    auth.roles.PermissionDenied
        The user may not write, or ``office`` lies outside the user's region.
    ValueError
        Already submitted (amend it instead), a day that has not begun in the office's time zone,
        nihil on a day with reports, or no situasi umum.
    """
    _office(con, user, office, "ubah")
    now = now or _now()
    zone = rules.zone_of(office, days.load_zones())
    if tanggal > rules.local_date(now, zone):
        raise ValueError(f"tanggal {tanggal:%d/%m/%Y} belum tiba di {zone}; LAPSITDA dikirim untuk hari ini atau "
                         "hari yang sudah lewat")
    submitted, _ = reports.office_day_reports(con, office, tanggal)
    text = _narrative(nihil, situasi_umum, submitted)
    due = rules.deadline(tanggal, zone, _rules(con, office).get(office, rules.DEFAULT_RULE))
    with transaction(con):
        if days.get_day(con, office, tanggal) is not None:
            raise ValueError(f"LAPSITDA {office} tanggal {tanggal:%d/%m/%Y} sudah dikirim; ubah dengan alasan")
        days.insert_day(con, office, tanggal, nihil=nihil, situasi_umum=text, reports=submitted, zone=zone, due=due,
                        author=user.username, now=now)
        state = rules.day_state(now, nihil, due)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="lapsitda",
                               object=f"lapsitda:{office}:{tanggal.isoformat()}", row_count=len(submitted),
                               detail={"nihil": nihil, "status": state, "laporan": len(submitted)}))
    return office_day(con, user, office, tanggal, now=now)


def amend_lapsitda(con: duckdb.DuckDBPyConnection, user, office: str, tanggal: date, *, versi: int, nihil: bool,
                   situasi_umum: str, alasan: str, now: datetime | None = None) -> OfficeDay:
    """Amend a submitted LAPSITDA with a reason (kept with the replaced version). The day's reports
    are taken again; the first submission time — on time or late — stays.

    Raises
    ------
    StaleLapsitda
        Someone amended it after ``versi``.
    ValueError
        Not submitted yet, no reason, or the same checks as :func:`submit_lapsitda`.
    """
    _office(con, user, office, "ubah")
    now = now or _now()
    reason = (alasan or "").strip()
    if not reason:
        raise ValueError("tulis alasan perubahan LAPSITDA (disimpan bersama versi sebelumnya)")
    submitted, _ = reports.office_day_reports(con, office, tanggal)
    text = _narrative(nihil, situasi_umum, submitted)
    with transaction(con):
        if days.get_day(con, office, tanggal) is None:
            raise ValueError(f"LAPSITDA {office} tanggal {tanggal:%d/%m/%Y} belum dikirim")
        new = days.amend_day(con, office, tanggal, versi, nihil=nihil, situasi_umum=text, reports=submitted,
                             reason=reason[:1000], editor=user.username, now=now)
        if new is None:
            raise StaleLapsitda(f"LAPSITDA {office} tanggal {tanggal:%d/%m/%Y} sudah diubah orang lain sejak Anda "
                                "membukanya; muat ulang lalu ubah lagi.")
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="ubah_lapsitda",
                               object=f"lapsitda:{office}:{tanggal.isoformat()}", row_count=len(submitted),
                               detail={"versi": new, "nihil": nihil}))
    return office_day(con, user, office, tanggal, now=now)


def lapsitda_history(con: duckdb.DuckDBPyConnection, user, office: str, tanggal: date) -> pd.DataFrame:
    """Amendments of one LAPSITDA (versions replaced, with their reasons), newest first."""
    _office(con, user, office, "lihat")
    return days.day_history(con, office, tanggal)


def set_deadline(con: duckdb.DuckDBPyConnection, user, office: str, rule: rules.DeadlineRule | None, *,
                 now: datetime | None = None) -> None:
    """Give ``office`` its own deadline (None: back to the default 10:00 the next day).

    Only an admin or analyst whose region holds the office — and who is not that office itself
    (an office does not move its own deadline).
    """
    _office(con, user, office, "ubah")
    if user.region == office:
        raise PermissionDenied("Batas waktu kantor diatur oleh provinsi atau pusat, bukan oleh kantor itu sendiri.")
    now = now or _now()
    values = None if rule is None else {"jam": rule.hour, "menit": rule.minute, "hari_setelah": rule.days_after}
    with transaction(con):
        days.set_deadline_rule(con, office, values, user.username, now)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="batas_lapor",
                               object=f"kantor:{office}", detail={"batas": None if rule is None else rule.label}))


# --- completeness --------------------------------------------------------------------------------

def completeness(con: duckdb.DuckDBPyConnection, user, tanggal: date, *, prov: str | None = None,
                 now: datetime | None = None) -> pd.DataFrame:
    """Every office inside the user's region (or ``prov`` within it) on ``tanggal``: state (melapor,
    nihil, terlambat, belum), deadline and submission in local time, report counts.

    See :func:`analysis.lapsitda.office_day_table` for the columns.
    """
    require(user, "lihat")
    return _table(con, _region(con, user, prov), [tanggal], now or _now())


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """``{"kantor", "melapor", "nihil", "terlambat", "belum"}`` of a :func:`completeness` table."""
    return rules.status_counts(table)


def reporting_count(con: duckdb.DuckDBPyConnection, scope, tanggal: date | None = None, *,
                    now: datetime | None = None) -> ReportingCount:
    """"N dari M kab/kota sudah melapor hari ini" for a scope (anything with ``.region``; Ruang
    Pimpinan passes the leader's ``Scope``).

    ``tanggal`` defaults to the LAPSITDA day due today (:func:`default_day`). Reported means any
    submission: melapor, nihil or terlambat.
    """
    now = now or _now()
    region = scope.region
    tanggal = tanggal or default_day(region, now=now)
    counts = rules.status_counts(_table(con, region, [tanggal], now))
    reported = counts["melapor"] + counts["nihil"] + counts["terlambat"]
    return ReportingCount(reported=reported, offices=counts["kantor"], tanggal=tanggal, counts=counts)


def calendar(con: duckdb.DuckDBPyConnection, user, end: date, *, days_back: int = 30, prov: str | None = None,
             now: datetime | None = None) -> pd.DataFrame:
    """States of every office on the ``days_back`` days ending on ``end`` (long table, one row per
    office and day; see :func:`analysis.lapsitda.office_day_table`)."""
    require(user, "lihat")
    dates = [end - timedelta(days=n) for n in range(days_back - 1, -1, -1)]
    return _table(con, _region(con, user, prov), dates, now or _now())


def chase_list(table: pd.DataFrame, tanggal: date) -> pd.DataFrame:
    """Offices to chase for ``tanggal``, worst first: no LAPSITDA yet, with how many days in a row
    (from a :func:`calendar` table ending on ``tanggal``) they have missed."""
    day = table.loc[table["tanggal"] == tanggal]
    todo = day.loc[day["status"] == "belum", ["kode", "nama", "batas_lokal", "lewat_batas"]]
    runs = rules.streaks(table)[["kode", "tidak_melapor_beruntun", "hari_tidak_melapor"]]
    out = todo.merge(runs, on="kode", how="left")
    return out.sort_values(["lewat_batas", "tidak_melapor_beruntun", "kode"], ascending=[False, False, True]) \
        .reset_index(drop=True)


def completeness_file(table: pd.DataFrame, fmt: str) -> bytes:
    """A completeness table as CSV or XLSX, formula-safe (:mod:`reports.safe`)."""
    frame = table[list(_COMPLETENESS_HEADINGS)].rename(columns=_COMPLETENESS_HEADINGS)
    frame = frame.assign(status=frame["status"].map(rules.STATE_LABELS))
    if fmt == "csv":
        return to_csv_bytes(frame)
    if fmt == "xlsx":
        import io

        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="xlsxwriter",
                            engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
            neutralise_xlsx_frame(frame).to_excel(xl, sheet_name="Kelengkapan", index=False)
            xl.sheets["Kelengkapan"].set_column(0, len(frame.columns) - 1, 18)
        return buffer.getvalue()
    raise ValueError(f"format tidak dikenal: {fmt!r} (pilihan: csv, xlsx)")


# --- inbox ---------------------------------------------------------------------------------------

def inbox(con: duckdb.DuckDBPyConnection, user, *, limit: int = 50) -> pd.DataFrame:
    """The user's inbox of atensi and khusus reports from offices inside their region, unread first:
    notification columns plus the report as the user may see it (``nomor, judul, kategori,
    eskalasi, klasifikasi, tgl_mulai, kode_kab, tertutup``) and ``masuk_lokal`` (arrival in the
    office's local time)."""
    require(user, "lihat")
    box = notifications.inbox(con, user.region, user.username, limit)
    seen = reports.read_reports(con, box["id_insiden"].tolist(), user.scope)
    columns = ["id", "nomor", "judul", "kategori", "eskalasi", "klasifikasi", "tgl_mulai", "kode_kab", "tertutup"]
    merged = box.merge(seen[columns].rename(columns={"id": "id_insiden"}), on="id_insiden", how="inner")
    zones = days.load_zones()
    merged["masuk_lokal"] = [rules.local_time_label(pd.Timestamp(at).to_pydatetime(), rules.zone_of(office, zones))
                             for at, office in zip(merged["dibuat_pada"], merged["kode_kantor"])]
    return merged.reset_index(drop=True)


def unread_count(con: duckdb.DuckDBPyConnection, user) -> int:
    """Unread atensi/khusus notifications for the user."""
    return notifications.unread_count(con, user.region, user.username)


def mark_read(con: duckdb.DuckDBPyConnection, user, ids: list[int], *, now: datetime | None = None) -> int:
    """Mark inbox notifications read for the user (their own read state only)."""
    with transaction(con):
        return notifications.mark_read(con, [int(i) for i in ids], user.username, now or _now())


# --- rekap ---------------------------------------------------------------------------------------

def build_rekap(con: duckdb.DuckDBPyConnection, user, tanggal: date, *, period: str = "harian",
                prov: str | None = None, classification: str = "Terbatas", now: datetime | None = None) -> Rekap:
    """Compile the LAPSITDA of the offices in a region over a period ending on ``tanggal``.

    The document reads its reports at the lower of the user's clearance and ``classification``
    (:func:`reports.document.document_scope`): it never holds more than its marking allows; a
    report above it shows only its codes and ``[dirahasiakan]``.
    """
    require(user, "ekspor")
    check_classification(classification)
    now = now or _now()
    region = _region(con, user, prov)
    area = document_region(con, user, region)
    scope = document_scope(user, area, classification)
    start, end = rules.period_bounds(period, tanggal)
    dates = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    table = _table(con, region, dates, now)
    ids = reports.list_reports(con, region, date_from=start, date_to=end, submitted=True, limit=100_000)
    rows = reports.read_reports(con, ids, scope)
    names = region_names(con)
    marking = max(classification, content_classification(rows["klasifikasi"], scope.clearance),
                  key=CLEARANCE_LEVELS.get)
    counts = rules.status_counts(table.loc[table["tanggal"] == end]) if period == "harian" else None
    return Rekap(
        title=f"REKAPITULASI LAPSITDA {rules.PERIODS[period].upper()}", period=period,
        period_label=rules.period_label(period, tanggal), region_label=area.label,
        classification=marking, summary=_summary(table, counts), offices=_offices_summary(table, period),
        by_kategori=_by(rows, "kategori", con), by_athg=_by(rows, "athg", con), atensi=_atensi(rows, names),
        missing=_missing_offices(table), narratives=_narratives(table),
        author=user.username, generated=rules.local_time_label(now, _zone_for_region(region)),
        letterhead=letterhead_for(con, user.region), synthetic=is_synthetic(con, rows))


def _summary(table: pd.DataFrame, counts: dict | None) -> str:
    offices = table["kode"].nunique()
    if counts is not None:
        reported = counts["melapor"] + counts["nihil"] + counts["terlambat"]
        missed = int(table["lewat_batas"].sum())
        open_ = counts["belum"] - missed
        tail = f"; {open_} belum melapor (batas waktu belum lewat)" if open_ else ""
        return (f"{reported} dari {offices} kab/kota melapor ({counts['melapor']} dengan laporan, {counts['nihil']} "
                f"nihil, {counts['terlambat']} terlambat); {missed} tidak melapor{tail}.")
    filed = int((table["status"] != "belum").sum())
    due = filed + int(table["lewat_batas"].sum())
    return (f"{filed} dari {due} LAPSITDA harian yang sudah jatuh tempo dikirim oleh {offices} kab/kota; "
            f"{int((table['status'] == 'terlambat').sum())} terlambat, {int((table['status'] == 'nihil').sum())} "
            f"nihil, {due - filed} tidak dikirim.")


def _offices_summary(table: pd.DataFrame, period: str) -> pd.DataFrame:
    if period == "harian":
        return pd.DataFrame({"kode": table["kode"], "nama": table["nama"],
                             "status": table["status"].map(rules.STATE_LABELS), "dikirim": table["diajukan_lokal"],
                             "laporan": table["laporan"], "atensi": table["atensi"]}).reset_index(drop=True)
    # days still open (no submission, deadline not yet passed) count nowhere
    flags = pd.DataFrame({"kode": table["kode"], "nama": table["nama"], "laporan": table["laporan"],
                          "atensi": table["atensi"], "belum": table["lewat_batas"].astype(int),
                          **{state: (table["status"] == state).astype(int) for state in ("melapor", "nihil",
                                                                                          "terlambat")}})
    out = flags.groupby(["kode", "nama"], sort=True).sum().reset_index()
    return out[["kode", "nama", "melapor", "nihil", "terlambat", "belum", "laporan", "atensi"]]


def _by(rows: pd.DataFrame, column: str, con) -> pd.DataFrame:
    names = vocab_names(con, column)
    if rows.empty:
        return pd.DataFrame(columns=["kode", "nama", "jumlah"])
    counts = rows[column].fillna("—").value_counts().rename_axis("kode").reset_index(name="jumlah")
    return counts.assign(nama=counts["kode"].map(names).fillna("tidak diisi"))[["kode", "nama", "jumlah"]]


def _atensi(rows: pd.DataFrame, names: dict) -> pd.DataFrame:
    columns = ["tanggal", "kantor", "nomor", "jenis", "judul", "kategori", "eskalasi", "klasifikasi"]
    urgent = rows.loc[rows["jenis"].isin(sorted(rules.URGENT_KINDS))] if not rows.empty else rows
    if urgent.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({
        "tanggal": pd.to_datetime(urgent["tanggal_lapsitda"]).dt.strftime("%d/%m/%Y"),
        "kantor": urgent["kode_kantor"].map(lambda c: names.get(c, c)), "nomor": urgent["nomor"],
        "jenis": urgent["jenis"], "judul": urgent["judul"], "kategori": urgent["kategori"],
        "eskalasi": urgent["eskalasi"].astype("Int64"), "klasifikasi": urgent["klasifikasi"],
    }).sort_values(["tanggal", "nomor"]).reset_index(drop=True)


def _missing_offices(table: pd.DataFrame) -> pd.DataFrame:
    """Offices with days whose deadline passed without a LAPSITDA (open days are not missing yet)."""
    missed = table.loc[table["lewat_batas"]].groupby(["kode", "nama"]).size().rename("hari").reset_index()
    return missed.sort_values(["hari", "kode"], ascending=[False, True]).reset_index(drop=True)


def _narratives(table: pd.DataFrame) -> pd.DataFrame:
    filed = table.loc[table["status"] != "belum"]
    text = filed["situasi_umum"].where(~filed["nihil"].fillna(False).astype(bool), "Nihil (situasi kondusif)")
    return pd.DataFrame({"tanggal": pd.to_datetime(filed["tanggal"]).dt.strftime("%d/%m/%Y"), "kantor": filed["nama"],
                         "situasi_umum": text.fillna("")}).reset_index(drop=True)


def rekap_file(con: duckdb.DuckDBPyConnection, user, tanggal: date, *, fmt: str, period: str = "harian",
               prov: str | None = None, classification: str = "Terbatas",
               now: datetime | None = None) -> tuple[bytes, str]:
    """The rekap as ``pdf`` or ``xlsx`` bytes and a file name built here; one audit row (ekspor)."""
    renderers = {"pdf": rekap_pdf, "xlsx": rekap_xlsx}
    if fmt not in renderers:
        raise ValueError(f"format tidak dikenal: {fmt!r} (pilihan: {', '.join(renderers)})")
    rekap = build_rekap(con, user, tanggal, period=period, prov=prov, classification=classification, now=now)
    data = renderers[fmt](rekap)
    region = _region(con, user, prov)
    name = f"rekap-lapsitda-{period}-{region or 'nasional'}-{tanggal:%Y%m%d}.{fmt}"
    with transaction(con):
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="ekspor",
                               object=f"rekap_lapsitda:{period}:{tanggal.isoformat()}",
                               detail={"wilayah": region, "format": fmt, "klasifikasi": rekap.classification},
                               row_count=len(rekap.offices)))
    return data, name
