"""Lapor: one report through the form — checked by the import's own rules, stored with its audit row.

One rule set with the import: the form's values become the one-row SIGAP template the officer
could have uploaded (:func:`form_csv`) and go through :func:`ingest.importer.prepare_import`, so
every message is the import's, the importer's scope check applies, and a problem names the
template column the form field maps back to (:data:`FIELD_OF_COLUMN`). The form's few fields
beyond the template (actor types, analysis, handling agencies, recommendation) are held to the
same text limits (:func:`ingest.validate.length_problems`) and vocabularies.

Every write checks the writer's role and region here — not only on the page — and writes the
change and its audit row (actor, role, region) in one transaction. A correction is accepted
only while the report is still at the version the editor opened (``versi``); otherwise
:class:`StaleReport`, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pandas as pd
import polars as pl

from analysis.lapsitda import REPORT_KINDS, URGENT_KINDS, local_date, zone_of
from auth.roles import PermissionDenied, allowed, in_scope, require, require_in_scope, scope_label
from ingest.importer import prepare_import
from ingest.presets import CANONICAL
from ingest.readers import ReadError
from ingest.validate import PROBLEM_COLUMNS, length_problems
from services import surel
from store import lapor as reports
from store import notifications
from store.audit import AuditEvent, record
from store.db import transaction
from store.lapsitda import load_zones
from store.regions import region_names
from store.vocab import vocab_names

__all__ = ["DRAFT", "EDITABLE", "EXTRA_FIELDS", "FIELD_OF_COLUMN", "FORM_FIELDS", "FORM_FILE", "SUBMITTED",
           "Checked", "ReportForm", "ReportRejected", "ReportView", "Saved", "StaleReport", "can_edit", "can_return",
           "check_report", "correct_report", "file_report", "form_csv", "form_values", "list_reports",
           "open_report", "report_history", "return_report"]

FORM_FILE = "formulir.csv"
DRAFT, SUBMITTED, RETURNED = "draft", "diajukan", "dikembalikan"
#: Statuses in which the reporting office may still correct a report.
EDITABLE = (DRAFT, RETURNED)
#: Form fields beyond the import template: incident column → what it means.
EXTRA_FIELDS = {
    "tipe_aktor1": "tipe aktor pertama", "tipe_aktor2": "tipe aktor kedua",
    "analisis": "analisis pelapor (penilaian, terpisah dari kronologi)",
    "instansi_penanganan": "instansi yang menangani", "rekomendasi": "rekomendasi",
}
#: Every field of the form: the template's (in its order) and the extra ones.
FORM_FIELDS = {**CANONICAL, **EXTRA_FIELDS}
#: Template column named in a problem → the form field that shows it (others map to themselves).
FIELD_OF_COLUMN = {"provinsi": "kode_kab", "kabupaten_kota": "kode_kab", "kecamatan": "kode_kec",
                   "bujur": "lintang", "tanggal_lapsitda": "tanggal_lapsitda"}
_ACTOR_TYPES = ("tipe_aktor1", "tipe_aktor2")


class ReportRejected(ValueError):
    """The form's values cannot be stored; :attr:`checked` holds every problem."""

    def __init__(self, checked: Checked):
        super().__init__(f"laporan belum dapat disimpan: {len(checked.problems)} masalah")
        self.checked = checked


class StaleReport(RuntimeError):
    """Someone saved the report after the editor opened it; nothing was written."""


@dataclass(frozen=True)
class ReportForm:
    """What the officer typed: text per form field (:data:`FORM_FIELDS`), the report kind and the
    LAPSITDA day it belongs to (None: the office's local today)."""

    fields: Mapping[str, str]
    jenis: str = "harian"
    tanggal_lapsitda: date | None = None

    def __post_init__(self):
        if self.jenis not in REPORT_KINDS:
            raise ValueError(f"jenis laporan tidak dikenal: {self.jenis!r} (pilihan: {', '.join(REPORT_KINDS)})")
        unknown = sorted(set(self.fields) - set(FORM_FIELDS))
        if unknown:
            raise ValueError(f"isian formulir tidak dikenal: {', '.join(unknown)}")


@dataclass(frozen=True)
class Checked:
    """The form after the import's checks.

    Attributes
    ----------
    problems : pandas.DataFrame
        ``kolom, nilai, alasan, perbaikan`` (the import's words) plus ``isian``, the form field.
    notes : list of str
        Accepted with a remark (the import's notes, the locator's comparison).
    confirm : list of str
        The import would ask the user to confirm the place (e.g. the point lies in another
        kabupaten/kota than the chosen one).
    row : dict or None
        The incident columns when there is no problem.
    """

    problems: pd.DataFrame
    notes: list[str]
    confirm: list[str]
    row: dict | None

    @property
    def ok(self) -> bool:
        """No problem (a confirmation may still be needed)."""
        return self.problems.empty


@dataclass(frozen=True)
class Saved:
    """A stored report."""

    id: int
    nomor: str
    status: str
    versi: int
    notes: list[str] = field(default_factory=list)
    notification: int | None = None
    mail: str | None = None          # what happened to the province's e-mail (None: SMTP not configured)


@dataclass(frozen=True)
class ReportView:
    """One report as a user may see it: ``row`` (incident columns, redacted above the clearance, plus
    the form's columns) and whether it is above the clearance (``tertutup``)."""

    row: dict

    @property
    def id(self) -> int:
        """The incident id."""
        return int(self.row["id"])

    @property
    def tertutup(self) -> bool:
        """Above the user's clearance: only the open columns show."""
        return bool(self.row.get("tertutup"))

    @property
    def status(self) -> str:
        """``status_verifikasi``."""
        return str(self.row.get("status_verifikasi") or "")

    @property
    def versi(self) -> int:
        """The version an edit must start from."""
        return int(self.row["versi"]) if self.row.get("versi") is not None else 0


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- checking -------------------------------------------------------------------------------

def form_csv(fields: Mapping[str, str]) -> bytes:
    """The one-row SIGAP import template (CSV, ``;``-separated, every cell quoted) the form's
    template fields make; the extra fields are not part of it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(list(CANONICAL))
    writer.writerow([_cell(fields.get(name)) for name in CANONICAL])
    return buffer.getvalue().encode("utf-8")


def _cell(value) -> str:
    return "" if value is None else str(value)


def check_report(con: duckdb.DuckDBPyConnection, form: ReportForm, locator, user, *,
                 now: datetime | None = None) -> Checked:
    """Check the form exactly as the import would check the same row in the SIGAP template.

    Nothing is written. The user's scope applies: a place outside it is a problem row with the
    import's message.
    """
    # The number is SIGAP's own, given when stored; a placeholder keeps an empty form from being read
    # as a blank line (which a file may have and the import skips), so every empty field is named.
    values = {**form.fields, "id_sumber": "formulir"}
    try:
        prepared = prepare_import(con, form_csv(values), FORM_FILE, locator, preset="sigap", user=user)
    except ReadError as exc:   # e.g. megabytes pasted into one field: the import's refusal, said here
        problem = {"kolom": "", "nilai": "", "alasan": str(exc), "perbaikan": "persingkat isian yang panjang",
                   "isian": ""}
        return Checked(problems=pd.DataFrame([problem]), notes=[], confirm=[], row=None)
    problems = pd.concat([_problem_table(prepared.problems), _extra_problems(con, form.fields),
                          _day_problems(form, prepared, now or _now())], ignore_index=True)
    row = prepared.rows.row(0, named=True) if problems.empty else None
    notes = [n.strip().rstrip(";") for n in prepared.notes["catatan"]]
    notes += _place_notes(con, locator, form.fields, prepared)
    confirm = [c.strip().rstrip(";") for c in prepared.confirm["catatan"]]
    if row is not None:
        row.update({name: _text(form.fields.get(name)) for name in EXTRA_FIELDS})
    return Checked(problems=problems.reset_index(drop=True), notes=[n for n in notes if n],
                   confirm=[c for c in confirm if c], row=row)


def _problem_table(problems: pd.DataFrame) -> pd.DataFrame:
    out = problems[PROBLEM_COLUMNS].drop(columns="baris")
    return out.assign(isian=out["kolom"].map(lambda c: FIELD_OF_COLUMN.get(c, c)))


def _text(value) -> str | None:
    value = "" if value is None else str(value).strip()
    return value or None


def _extra_problems(con, fields: Mapping[str, str]) -> pd.DataFrame:
    """The extra fields held to the import's text limits and the actor-type vocabulary."""
    extra = pl.DataFrame({name: [str(fields.get(name) or "").strip()] for name in EXTRA_FIELDS})
    found = length_problems(extra, pl.Series("baris", [2])).to_pandas()
    known = set(vocab_names(con, "tipe_aktor"))
    rows = [{"kolom": name, "nilai": extra[name][0], "alasan": "nilai bukan tipe_aktor yang dikenal",
             "perbaikan": f"kosongkan atau isi salah satu: {', '.join(sorted(known))}"}
            for name in _ACTOR_TYPES if extra[name][0] and extra[name][0] not in known]
    table = pd.concat([found.drop(columns="baris"), pd.DataFrame(rows, columns=PROBLEM_COLUMNS[1:])],
                      ignore_index=True)
    return table.assign(isian=table["kolom"])


def _day_problems(form: ReportForm, prepared, now: datetime) -> pd.DataFrame:
    """A LAPSITDA day later than the office's local today is a problem (only known with a place)."""
    office = prepared.rows["kode_kab"][0]
    if form.tanggal_lapsitda is None or office is None:
        return pd.DataFrame(columns=[*PROBLEM_COLUMNS[1:], "isian"])
    today = local_date(now, zone_of(office, load_zones()))
    if form.tanggal_lapsitda <= today:
        return pd.DataFrame(columns=[*PROBLEM_COLUMNS[1:], "isian"])
    return pd.DataFrame([{"kolom": "tanggal_lapsitda", "nilai": f"{form.tanggal_lapsitda:%d/%m/%Y}",
                          "alasan": "tanggal LAPSITDA belum tiba di zona waktu kantor",
                          "perbaikan": f"pilih tanggal sampai {today:%d/%m/%Y}", "isian": "tanggal_lapsitda"}])


def _place_notes(con, locator, fields: Mapping[str, str], prepared) -> list[str]:
    """What the locator says about typed coordinates against the chosen kabupaten/kecamatan."""
    lat, lon = prepared.rows["lat"][0], prepared.rows["lon"][0]
    if lat is None or lon is None:
        return []
    found = locator.locate(np.array([lon], dtype=float), np.array([lat], dtype=float))
    kec, kab = found.kode_kec[0], found.kode_kab[0]
    if kec is None:
        return []
    names = region_names(con)
    chosen_kec = str(fields.get("kode_kec") or "").strip()
    chosen_kab = str(fields.get("kode_kab") or "").strip() or chosen_kec[:5]
    where = f"Kec. {names.get(kec, kec)}, {names.get(kab, kab)}"
    if chosen_kec and chosen_kec != kec:
        chosen = f"{names.get(chosen_kec, chosen_kec)}, {chosen_kec}"
        return [(f"koordinat berada di {where} ({kec}), bukan di kecamatan yang dipilih ({chosen}): periksa "
                 "koordinat atau pilihan kecamatan")]
    if chosen_kab and chosen_kab != kab:
        return []  # the import asks for a confirmation already
    if chosen_kab:
        return [f"koordinat cocok dengan pilihan wilayah ({where})"]
    return [f"wilayah ditentukan dari koordinat: {where}"]


# --- writing --------------------------------------------------------------------------------

def file_report(con: duckdb.DuckDBPyConnection, form: ReportForm, locator, user, *, submit: bool,
                confirmed: bool = False, now: datetime | None = None) -> Saved:
    """Store a new report as a draft (``submit=False``) or submitted (``diajukan``).

    Parameters
    ----------
    confirmed : bool
        The user confirmed the place the import would ask about (:attr:`Checked.confirm`).

    Raises
    ------
    auth.roles.PermissionDenied
        The user may not write reports, or the place lies outside the user's region.
    ReportRejected
        A problem in the form (the import's messages), or an unconfirmed place.
    """
    require(user, "ubah")
    now = now or _now()
    checked = check_report(con, form, locator, user, now=now)
    row = _accepted_row(checked, confirmed)
    office = row["kode_kab"]
    require_in_scope(user, [office], "ubah")
    status = SUBMITTED if submit else DRAFT
    day = form.tanggal_lapsitda or local_date(now, zone_of(office, load_zones()))
    lokasi = _text(form.fields.get("lokasi"))
    with transaction(con):
        nomor = reports.reserve_number(con, office)
        incident = reports.insert_report(con, {**row, "status_verifikasi": status}, nomor=nomor, jenis=form.jenis,
                                         office=office, tanggal_lapsitda=day, lokasi=lokasi, author=user.username,
                                         author_region=user.region, now=now)
        notification = _notify(con, form.jenis, incident, office, user, now) if submit else None
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="lapor",
                               object=f"insiden:{incident}", row_count=1,
                               detail={"nomor": nomor, "jenis": form.jenis, "status": status, "kode_kab": office,
                                       "tanggal_lapsitda": day.isoformat()}))
    mail = _mail_province(con, notification, form.jenis, office, nomor, user.username)
    return Saved(id=incident, nomor=nomor, status=status, versi=1, notes=checked.notes, notification=notification,
                 mail=mail)


def correct_report(con: duckdb.DuckDBPyConnection, report_id: int, form: ReportForm, locator, user, *, versi: int,
                   submit: bool, confirmed: bool = False, now: datetime | None = None) -> Saved:
    """Correct a draft or returned report of the user's office, if it is still at ``versi``.

    The replaced version is kept (``riwayat_insiden``); the number, author and LAPSITDA link stay.

    Raises
    ------
    LookupError
        No such report inside the user's scope.
    auth.roles.PermissionDenied
        Not the reporting office, the report is no longer editable, or the new place lies
        outside the user's region.
    ReportRejected
        A problem in the form.
    StaleReport
        Someone saved the report after ``versi`` (nothing written; the caller keeps the values).
    """
    require(user, "ubah")
    now = now or _now()
    current = open_report(con, report_id, user)
    if current is None:
        raise LookupError(f"laporan {report_id} tidak ditemukan atau di luar cakupan Anda")
    if not can_edit(current, user):
        raise PermissionDenied(_edit_refusal(current, user))
    checked = check_report(con, form, locator, user, now=now)
    row = _accepted_row(checked, confirmed)
    office = row["kode_kab"]
    require_in_scope(user, [office], "ubah")
    status = SUBMITTED if submit else current.status
    first_submission = submit and current.row.get("diajukan_pada") is None
    day = form.tanggal_lapsitda or current.row["tanggal_lapsitda"]
    with transaction(con):
        new = reports.update_report(con, report_id, versi, {**row, "status_verifikasi": status}, jenis=form.jenis,
                                    office=office, tanggal_lapsitda=day, lokasi=_text(form.fields.get("lokasi")),
                                    editor=user.username, now=now)
        if new is None:
            raise StaleReport(f"Laporan {current.row['nomor']} sudah diubah orang lain sejak Anda membukanya "
                              f"(versi {versi} → versi lebih baru). Isian Anda tidak hilang: muat ulang laporan "
                              "untuk melihat perubahannya, lalu simpan lagi.")
        notification = _notify(con, form.jenis, report_id, office, user, now) if first_submission else None
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="koreksi_laporan",
                               object=f"insiden:{report_id}", row_count=1,
                               detail={"nomor": current.row["nomor"], "versi": new, "status": status,
                                       "kode_kab": office}))
    mail = _mail_province(con, notification, form.jenis, office, current.row["nomor"], user.username)
    return Saved(id=report_id, nomor=current.row["nomor"], status=status, versi=new, notes=checked.notes,
                 notification=notification, mail=mail)


def return_report(con: duckdb.DuckDBPyConnection, report_id: int, user, *, versi: int, reason: str,
                  now: datetime | None = None) -> int:
    """Send a submitted report back to its office for correction (``dikembalikan``, reason kept); return
    the new version.

    Raises
    ------
    LookupError
        No such report inside the user's scope.
    auth.roles.PermissionDenied
        The user may not verify, or it is their own office's report, or it is not submitted.
    ValueError
        No reason given.
    StaleReport
        The report changed after ``versi``.
    """
    require(user, "verifikasi")
    current = open_report(con, report_id, user)
    if current is None:
        raise LookupError(f"laporan {report_id} tidak ditemukan atau di luar cakupan Anda")
    if not can_return(current, user):
        raise PermissionDenied("Hanya laporan yang sudah diajukan kantor di bawah wilayah Anda yang dapat dikembalikan.")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("tulis alasan pengembalian agar kantor pelapor tahu apa yang perlu diperbaiki")
    now = now or _now()
    with transaction(con):
        new = reports.return_report(con, report_id, versi, reason[:1000], user.username, now)
        if new is None:
            raise StaleReport(f"Laporan {current.row['nomor']} sudah diubah sejak Anda membukanya; muat ulang.")
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="kembalikan_laporan",
                               object=f"insiden:{report_id}", row_count=1,
                               detail={"nomor": current.row["nomor"], "versi": new}))
    return new


def _accepted_row(checked: Checked, confirmed: bool) -> dict:
    if not checked.ok:
        raise ReportRejected(checked)
    if checked.confirm and not confirmed:
        problems = pd.DataFrame([{"kolom": "lintang", "nilai": "", "alasan": note,
                                  "perbaikan": "periksa koordinat dan wilayah, atau konfirmasi bahwa keduanya benar",
                                  "isian": "lintang"} for note in checked.confirm])
        raise ReportRejected(Checked(problems=problems, notes=checked.notes, confirm=checked.confirm, row=None))
    return dict(checked.row)


def _notify(con, kind: str, incident: int, office: str, user, now: datetime) -> int | None:
    """Atensi and khusus reports go to the province's inbox the moment they are submitted."""
    if kind not in URGENT_KINDS:
        return None
    return notifications.add_notification(con, kind, incident, office, user.username, now)


def _mail_province(con, notification: int | None, kind: str, office: str, nomor: str, sender: str,
                   config: surel.SmtpConfig | None = None) -> str | None:
    """E-mail the province's users about a new atensi/khusus report, after its commit; the outcome
    is noted on the notification and returned (None: no notification, or SMTP not configured).
    The mail carries no report text. A failure to send never undoes the report."""
    if notification is None:
        return None
    try:
        config = config or surel.load_smtp_config()
    except ValueError as exc:
        outcome = f"gagal: {exc}"
    else:
        if config is None:
            return None
        to = notifications.mail_recipients(con, office, sender)
        name = region_names(con).get(office, office)
        body = (f"Laporan {kind.upper()} baru dari {name} ({office}), nomor {nomor}.\n\n"
                "Isi laporan tidak dikirim lewat surel. Buka SIGAP, halaman LAPSITDA, untuk membacanya.\n")
        try:
            sent = surel.send_mail(config, to, f"[SIGAP] Laporan {kind} baru: {name}", body)
            outcome = f"terkirim: {sent} penerima" if sent else "tidak ada penerima dengan surel"
        except (OSError, smtplib.SMTPException) as exc:
            outcome = f"gagal: {type(exc).__name__}"
    with transaction(con):
        notifications.set_mail_outcome(con, notification, outcome)
    return outcome


# --- reading --------------------------------------------------------------------------------

def open_report(con: duckdb.DuckDBPyConnection, report_id: int, user) -> ReportView | None:
    """One form report as ``user`` may see it (scope and clearance applied), or None."""
    require(user, "lihat")
    rows = reports.read_reports(con, [int(report_id)], user.scope)
    if rows.empty:
        return None
    return ReportView({k: (None if _missing(v) else v) for k, v in rows.iloc[0].to_dict().items()})


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def list_reports(con: duckdb.DuckDBPyConnection, user, *, mine: bool = False, office: str | None = None,
                 tanggal: date | None = None, date_from: date | None = None, date_to: date | None = None,
                 submitted: bool | None = None, kinds: tuple[str, ...] = (), limit: int = 200) -> pd.DataFrame:
    """Form reports inside the user's scope (newest first), as :func:`open_report` shows them."""
    require(user, "lihat")
    ids = reports.list_reports(con, user.region, author=user.username if mine else None, office=office,
                               tanggal=tanggal, date_from=date_from, date_to=date_to, submitted=submitted,
                               kinds=kinds, limit=limit)
    rows = reports.read_reports(con, ids, user.scope)
    order = {i: n for n, i in enumerate(ids)}
    return rows.assign(_urut=rows["id"].map(order)).sort_values("_urut").drop(columns="_urut").reset_index(drop=True)


def can_edit(view: ReportView, user) -> bool:
    """Whether ``user`` may correct the report: the reporting office (or its author) while it is a
    draft or was returned, within the user's clearance and scope."""
    row = view.row
    return (user is not None and allowed(user.role, "ubah") and not view.tertutup and view.status in EDITABLE
            and in_scope(user.region, row.get("kode_kab"))
            and (user.username == row.get("pelapor") or user.region == row.get("kode_kantor")))


def can_return(view: ReportView, user) -> bool:
    """Whether ``user`` may send the report back: a verifier above the reporting office, once submitted."""
    return (user is not None and allowed(user.role, "verifikasi") and not view.tertutup
            and view.status == SUBMITTED and in_scope(user.region, view.row.get("kode_kantor"))
            and user.region != view.row.get("kode_kantor"))


def _edit_refusal(view: ReportView, user) -> str:
    if view.status not in EDITABLE:
        return (f"Laporan {view.row.get('nomor')} sudah berstatus {view.status}: koreksi hanya selama draf atau "
                "setelah dikembalikan.")
    return (f"Laporan {view.row.get('nomor')} hanya dapat dikoreksi oleh kantor pelapor "
            f"({scope_label(view.row.get('kode_kantor'))}).")


def report_history(con: duckdb.DuckDBPyConnection, report_id: int, user) -> pd.DataFrame:
    """Earlier versions of a report the user may read: ``versi, diubah_pada, diubah_oleh, alasan,
    berubah`` (names of the fields that the next version changed). Above the user's clearance
    only the versions and times show."""
    view = open_report(con, report_id, user)
    if view is None:
        return pd.DataFrame(columns=["versi", "diubah_pada", "diubah_oleh", "alasan", "berubah"])
    table = reports.history(con, report_id)
    versions = [*[_json(d) for d in table["data"]]]
    current = {k: v for k, v in view.row.items()}
    newer = [current, *versions[:-1]]
    changed = [", ".join(_changed_fields(old, new)) for old, new in zip(versions, newer)]
    out = table.drop(columns="data").assign(berubah=changed)
    if view.tertutup:
        out = out.assign(diubah_oleh=None, berubah=None)
    return out


def _json(text: str) -> dict:
    return json.loads(text) if text else {}


def _changed_fields(old: dict, new: dict) -> list[str]:
    fields = [name for name in reports.REPORT_COLUMNS if name not in ("id_sumber",)]
    return [name for name in fields if _norm(old.get(name)) != _norm(new.get(name))]


def _norm(value) -> str:
    if value is None or _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    return str(value)


def form_values(view: ReportView) -> dict[str, str]:
    """The form's text for a stored report (to correct it): template fields and extra fields."""
    row = view.row
    text = {
        "tanggal": _date_text(row.get("tgl_mulai")), "tanggal_selesai": _date_text(row.get("tgl_selesai")),
        "kode_kab": row.get("kode_kab"), "kode_kec": row.get("kode_kec"), "lokasi": row.get("lokasi"),
        "lintang": _number_text(row.get("lat")), "bujur": _number_text(row.get("lon")),
        "presisi_lokasi": _number_text(row.get("presisi_lokasi")), "kategori": row.get("kategori"),
        "subkategori": row.get("subkategori"), "bentuk": row.get("bentuk"), "sifat": row.get("sifat"),
        "bidang": row.get("bidang"), "athg": row.get("athg"), "eskalasi": _number_text(row.get("eskalasi")),
        "tewas": _number_text(row.get("tewas")), "luka": _number_text(row.get("luka")),
        "pengungsi": _number_text(row.get("pengungsi")), "aktor_1": row.get("aktor1"), "aktor_2": row.get("aktor2"),
        "judul": row.get("judul"), "kronologi": row.get("kronologi"), "sumber": row.get("sumber_info"),
        "status_penanganan": row.get("status_penanganan"), "klasifikasi": row.get("klasifikasi"),
        "id_sumber": row.get("nomor"),
        **{name: row.get(name) for name in EXTRA_FIELDS},
    }
    return {name: "" if value is None else str(value) for name, value in text.items()}


def _date_text(value) -> str:
    if value is None or _missing(value):
        return ""
    return f"{pd.Timestamp(value):%d/%m/%Y}"


def _number_text(value) -> str:
    if value is None or _missing(value):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
