"""Verifikasi berjenjang: who may move an incident from which status to which, history and merges.

Statuses (``data/vocab/status_verifikasi.csv``)::

    draft → diajukan → diverifikasi_kab → diverifikasi_prov
                 ↘ dikembalikan (to its author, with a note) · ditolak (with a reason) · duplikat

* A **kabupaten/kota** verifier (a role with ``verifikasi``, region = the kabupaten/kota) moves
  ``diajukan`` → ``diverifikasi_kab`` / ``dikembalikan`` / ``ditolak`` for incidents of that
  kabupaten/kota.
* A **province** verifier (region = the province) moves ``diverifikasi_kab`` →
  ``diverifikasi_prov`` / ``dikembalikan`` / ``ditolak`` for incidents of the province.
* A **national** verifier (no region) may do both.
* Nobody verifies an incident they entered themselves, nor one above their clearance.

Every rule is checked here, in the function that writes — a page hiding a button is only a
convenience. Each change keeps the replaced version in ``riwayat_insiden``, is optimistic on
``versi`` (:class:`services.lapor.StaleReport` when someone changed it first; nothing written) and
writes one audit row with the note and the actor's role and region in the same transaction.

What counts as *verified* for leaders' views and official documents: :data:`VERIFIED`
(``diverifikasi_kab`` or ``diverifikasi_prov``) — see
:attr:`store.incidents.IncidentFilter.verified_only`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from auth.identity import CLEARANCE_LEVELS
from auth.roles import PermissionDenied, allowed, in_scope, require, scope_label
from services.lapor import StaleReport
from settings import DATA_DIR
from store import verification as store
from store.audit import AuditEvent, record
from store.db import transaction
from store.incidents import VERIFIED, IncidentFilter, query_incidents

__all__ = ["CASE_PROFILE", "RETURNED", "STEPS", "TRUSTED_SOURCES", "VERIFIED", "CaseProfile", "Inbox", "StaleReport",
           "add_follow_up", "can_restore", "follow_ups", "load_case_profile", "open_cases", "recurring",
           "can_transition", "distinct_pair", "duplicate_queue", "history_diff", "inbox", "level_of",
           "mark_distinct", "merge_duplicate", "read_incidents", "restore_version", "transition", "transitions_for",
           "trusted_batches", "verification_queue", "verify_batch", "verification_steps"]

SUBMITTED, KAB, PROV = "diajukan", "diverifikasi_kab", "diverifikasi_prov"
RETURNED, REFUSED, DUPLICATE = "dikembalikan", "ditolak", "duplikat"
#: From status → the statuses a verifier of each level may move it to.
STEPS = {
    "kab": {SUBMITTED: (KAB, RETURNED, REFUSED)},
    "prov": {KAB: (PROV, RETURNED, REFUSED)},
    "nasional": {SUBMITTED: (KAB, RETURNED, REFUSED), KAB: (PROV, RETURNED, REFUSED)},
}
#: Statuses that need a note (what to fix, why refused).
NEEDS_NOTE = (RETURNED, REFUSED)
#: Import sources whose batches a verifier may verify in one action (curated public datasets).
TRUSTED_SOURCES = frozenset({"acled", "ucdp"})
#: The step a whole batch takes for each level (national: the kabupaten/kota step).
_BATCH_STEP = {"kab": (SUBMITTED, KAB), "prov": (KAB, PROV), "nasional": (SUBMITTED, KAB)}
_LABELS = {"draft": "draf", SUBMITTED: "diajukan", KAB: "diverifikasi kabupaten/kota",
           PROV: "diverifikasi provinsi", RETURNED: "dikembalikan", REFUSED: "ditolak", DUPLICATE: "duplikat"}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def level_of(region: str | None) -> str | None:
    """``"nasional"``, ``"prov"`` or ``"kab"`` for a user's region (None for a kecamatan)."""
    if region is None:
        return "nasional"
    return {0: "prov", 1: "kab"}.get(region.count("."))


def _above_clearance(user, klasifikasi) -> bool:
    return CLEARANCE_LEVELS.get(str(klasifikasi), 99) > CLEARANCE_LEVELS.get(getattr(user, "clearance", ""), -1)


def _refusal(row: dict, user, to: str) -> str | None:
    """Why ``user`` may not move the incident ``row`` (codes) to ``to``; None when allowed."""
    if user is None or not allowed(user.role, "verifikasi"):
        role = getattr(user, "role", "tamu")
        return f"Peran {role} tidak berwenang untuk 'verifikasi'."
    level = level_of(user.region)
    if level is None:
        return "Verifikasi dilakukan di tingkat kabupaten/kota, provinsi atau nasional."
    if not in_scope(user.region, row.get("kode_kab")):
        return f"Insiden ini di luar cakupan Anda ({scope_label(user.region)})."
    if _above_clearance(user, row.get("klasifikasi")):
        return f"Klasifikasi {row.get('klasifikasi')} di atas izin Anda."
    if row.get("dibuat_oleh") == user.username:
        return "Laporan yang Anda buat sendiri diverifikasi oleh petugas lain."
    status = str(row.get("status_verifikasi") or "")
    if to not in STEPS[level].get(status, ()):
        now_label = _LABELS.get(status, status)
        if status in STEPS["nasional"]:
            who = "kabupaten/kota" if status == SUBMITTED else "provinsi"
            return (f"Insiden berstatus {now_label} diverifikasi oleh verifikator {who}; "
                    f"tingkat Anda ({level}) tidak dapat mengubahnya menjadi {_LABELS.get(to, to)}.")
        return f"Insiden berstatus {now_label} tidak dapat diubah menjadi {_LABELS.get(to, to)}."
    return None


def transitions_for(row: dict, user) -> list[str]:
    """The statuses ``user`` may move the incident ``row`` to (empty: none)."""
    level = level_of(getattr(user, "region", "x.y.z")) if user is not None else None
    candidates = STEPS.get(level or "", {}).get(str(row.get("status_verifikasi") or ""), ())
    return [to for to in candidates if _refusal(row, user, to) is None]


def can_transition(row: dict, user, to: str) -> bool:
    """Whether ``user`` may move the incident ``row`` (its codes) to ``to``."""
    return _refusal(row, user, to) is None


def _keys(con, incident: int) -> dict:
    keys = store.incident_keys(con, [incident])
    if keys.empty:
        raise LookupError(f"insiden {incident} tidak ditemukan")
    return {k: (None if _missing(v) else v) for k, v in keys.iloc[0].to_dict().items()}


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _stale(incident: int) -> StaleReport:
    return StaleReport(f"Insiden {incident} sudah diubah orang lain sejak Anda membukanya. Catatan Anda tidak "
                       "hilang: muat ulang untuk melihat perubahannya, lalu ulangi.")


def transition(con: duckdb.DuckDBPyConnection, incident: int, to: str, user, *, versi: int, note: str = "",
               now: datetime | None = None) -> int:
    """Move one incident to status ``to``; return its new version.

    Parameters
    ----------
    to : str
        ``diverifikasi_kab``, ``diverifikasi_prov``, ``dikembalikan`` or ``ditolak``.
    versi : int
        The version the verifier opened.
    note : str
        Required for ``dikembalikan`` (what to fix) and ``ditolak`` (why); kept in the audit row
        and the verification steps, and on a form report for its office.

    Raises
    ------
    LookupError
        No such incident.
    auth.roles.PermissionDenied
        Wrong role, level, region, clearance or status (the message says which).
    ValueError
        A note is required and missing.
    services.lapor.StaleReport
        The incident changed after ``versi``.
    """
    require(user, "verifikasi")
    now = now or _now()
    row = _keys(con, incident)
    refusal = _refusal(row, user, to)
    if refusal:
        raise PermissionDenied(refusal)
    note = (note or "").strip()[:1000]
    if to in NEEDS_NOTE and not note:
        raise ValueError("tulis catatan: apa yang perlu diperbaiki, atau mengapa ditolak")
    with transaction(con):
        new = store.set_status(con, incident, versi, to, actor=user.username, now=now,
                               return_note=note if to == RETURNED else None)
        if new is None:
            raise _stale(incident)
        store.log_step(con, incident, new, row["status_verifikasi"], to, note or None, actor=user.username,
                       role=user.role, region=user.region, now=now)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="verifikasi",
                               object=f"insiden:{incident}", row_count=1,
                               detail={"dari": row["status_verifikasi"], "ke": to, "versi": new, "catatan": note,
                                       "kode_kab": row["kode_kab"]}))
    return new


def verify_batch(con: duckdb.DuckDBPyConnection, batch: int, user, *, note: str = "",
                 now: datetime | None = None) -> int:
    """Verify every incident of an import batch from a trusted source (:data:`TRUSTED_SOURCES`) that
    lies inside the verifier's region and clearance and waits for the verifier's level
    (kabupaten/kota: ``diajukan`` → ``diverifikasi_kab``; province: ``diverifikasi_kab`` →
    ``diverifikasi_prov``; national: the kabupaten/kota step); one audited action. Return how many.

    Raises
    ------
    LookupError
        No such batch, or it was undone.
    auth.roles.PermissionDenied
        No ``verifikasi`` permission, a kecamatan-level user, or a source that is not trusted.
    """
    require(user, "verifikasi")
    level = level_of(user.region)
    if level is None:
        raise PermissionDenied("Verifikasi dilakukan di tingkat kabupaten/kota, provinsi atau nasional.")
    info = store.batch_info(con, batch)
    if info is None or not info[1]:
        raise LookupError(f"batch impor {batch} tidak ditemukan atau sudah dibatalkan")
    if info[0] not in TRUSTED_SOURCES:
        raise PermissionDenied(f"Sumber {info[0]} bukan sumber tepercaya ({', '.join(sorted(TRUSTED_SOURCES))}): "
                               "verifikasi insidennya satu per satu.")
    dari, ke = _BATCH_STEP[level]
    now = now or _now()
    note = (note or "").strip()[:1000]
    with transaction(con):
        count = store.verify_batch(con, batch, dari, ke, region=user.region, actor=user.username, role=user.role,
                                   note=note or None, now=now, max_clearance=CLEARANCE_LEVELS[user.clearance],
                                   levels=dict(CLEARANCE_LEVELS))
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="verifikasi_batch",
                               object=f"batch:{batch}", row_count=count,
                               detail={"sumber": info[0], "dari": dari, "ke": ke, "catatan": note}))
    return count


# --- reading ----------------------------------------------------------------------------------

def read_incidents(con: duckdb.DuckDBPyConnection, ids, user) -> pd.DataFrame:
    """Incidents ``ids`` as ``user`` may see them (scope and clearance through
    :func:`store.incidents.query_incidents`, every status), in the order of ``ids``; absent when
    outside the scope."""
    require(user, "lihat")
    ids = [int(i) for i in ids]
    keys = store.incident_keys(con, ids)
    if keys.empty:
        return query_incidents(con, IncidentFilter(date_from=datetime(1, 1, 1).date(), date_to=datetime(1, 1, 1).date()),
                               user.scope)
    kabs = keys["kode_kab"].unique()
    flt = IncidentFilter(date_from=pd.Timestamp(keys["tgl_mulai"].min()).date(),
                         date_to=pd.Timestamp(keys["tgl_mulai"].max()).date(),
                         kab=kabs[0] if len(kabs) == 1 else None, include_drafts=True)
    rows = query_incidents(con, flt, user.scope)
    rows = rows.loc[rows["id"].isin(ids)]
    order = {i: n for n, i in enumerate(ids)}
    return rows.assign(_urut=rows["id"].map(order)).sort_values("_urut").drop(columns="_urut").reset_index(drop=True)


def verification_queue(con: duckdb.DuckDBPyConnection, user, *, limit: int = 300) -> pd.DataFrame:
    """Incidents waiting for the user's level of verification inside the user's region (oldest
    first), as the user may see them, with ``boleh`` (the statuses the user may move each to;
    empty for one the user entered or above the clearance)."""
    require(user, "verifikasi")
    level = level_of(user.region)
    if level is None:
        return read_incidents(con, [], user).assign(boleh=None)
    rows = read_incidents(con, store.queue_ids(con, user.region, STEPS[level], limit=limit), user)
    keys = store.incident_keys(con, rows["id"].tolist()).set_index("id")
    rows["boleh"] = [transitions_for({k: (None if _missing(v) else v) for k, v in keys.loc[i].to_dict().items()},
                                     user) for i in rows["id"]]
    return rows


def trusted_batches(con: duckdb.DuckDBPyConnection, user) -> pd.DataFrame:
    """Open batches of trusted sources with incidents waiting for the user's level inside the
    user's region: ``id, nama_berkas, sumber, dibuat_pada, menunggu``."""
    require(user, "verifikasi")
    level = level_of(user.region)
    if level is None:
        return pd.DataFrame(columns=["id", "nama_berkas", "sumber", "dibuat_pada", "menunggu"])
    return store.batches_waiting(con, user.region, sorted(TRUSTED_SOURCES), _BATCH_STEP[level][0])


def verification_steps(con: duckdb.DuckDBPyConnection, incident: int, user) -> pd.DataFrame:
    """The verification steps of an incident the user may read (notes hidden above clearance)."""
    rows = read_incidents(con, [incident], user)
    table = store.steps(con, incident)
    if rows.empty:
        return table.iloc[0:0]
    if _above_clearance(user, rows.iloc[0]["klasifikasi"]):
        table = table.assign(catatan=None, oleh=None)
    return table


# --- history and restore -------------------------------------------------------------------------

#: Fields a history diff never lists (bookkeeping).
_NOT_DIFFED = ("versi", "hash_isi", "dibuat_pada", "batch_id", "id", "sintetis")


def history_diff(con: duckdb.DuckDBPyConnection, incident: int, user) -> pd.DataFrame:
    """Each change of an incident as readable rows, newest first: ``versi`` (the version the change
    made), ``diubah_pada, diubah_oleh, alasan, isian, lama, baru``. Above the user's clearance
    only the open columns' changes show (no names)."""
    from store.incidents import OPEN_COLUMNS
    from store.lapor import history

    columns = ["versi", "diubah_pada", "diubah_oleh", "alasan", "isian", "lama", "baru"]
    current = read_incidents(con, [incident], user)
    if current.empty:
        return pd.DataFrame(columns=columns)
    now = {k: (None if _missing(v) else v) for k, v in current.iloc[0].to_dict().items()}
    closed = _above_clearance(user, now.get("klasifikasi"))
    table = history(con, incident)
    versions = [json.loads(d) if d else {} for d in table["data"]]
    newer = [now, *versions[:-1]]
    rows = []
    for meta, old, new in zip(table.itertuples(index=False), versions, newer):
        for name in sorted(set(old) | set(new)):
            if name in _NOT_DIFFED or name not in now or name not in old or (closed and name not in OPEN_COLUMNS):
                continue
            before, after = _text(old.get(name)), _text(new.get(name))
            if before != after:
                rows.append({"versi": int(meta.versi) + 1, "diubah_pada": meta.diubah_pada,
                             "diubah_oleh": None if closed else meta.diubah_oleh, "alasan": meta.alasan,
                             "isian": name, "lama": before, "baru": after})
    return pd.DataFrame(rows, columns=columns)


def _text(value) -> str:
    if value is None or _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat() if value == pd.Timestamp(value).normalize() else value.isoformat()
    text = str(value)
    return text[:10] if len(text) >= 19 and text[10] in "T " and text[11:19] == "00:00:00" else text


def can_restore(view_row: dict, user) -> bool:
    """Whether ``user`` may restore an earlier version: whoever may edit the report
    (:func:`services.lapor.can_edit`)."""
    from services.lapor import ReportView, can_edit

    return can_edit(ReportView(view_row), user)


def restore_version(con: duckdb.DuckDBPyConnection, incident: int, old: int, user, *, versi: int,
                    now: datetime | None = None) -> int:
    """Make version ``old`` of a report its content again, as a new version (audited); return it.

    Raises
    ------
    LookupError
        No such report in the user's scope, or no such version.
    auth.roles.PermissionDenied
        The user may not edit the report (:func:`services.lapor.can_edit`).
    services.lapor.StaleReport
        The report changed after ``versi``.
    """
    from services.lapor import open_report

    require(user, "ubah")
    view = open_report(con, incident, user)
    if view is None:
        raise LookupError(f"laporan {incident} tidak ditemukan atau di luar cakupan Anda")
    if not can_restore(view.row, user):
        raise PermissionDenied("Versi lama hanya dapat dipulihkan oleh yang boleh mengoreksi laporan ini "
                               "(kantor pelapor, selama draf atau dikembalikan).")
    if store.version_data(con, incident, old) is None:
        raise LookupError(f"versi {old} laporan {incident} tidak tersimpan")
    now = now or _now()
    with transaction(con):
        new = store.restore_version(con, incident, versi, old, actor=user.username, now=now)
        if new is None:
            raise _stale(incident)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="pulihkan_versi",
                               object=f"insiden:{incident}", row_count=1,
                               detail={"dari_versi": old, "versi": new, "kode_kab": view.row.get("kode_kab")}))
    return new


# --- duplicates ---------------------------------------------------------------------------------

def duplicate_queue(con: duckdb.DuckDBPyConnection, user, *, limit: int = 200) -> pd.DataFrame:
    """Probable duplicates waiting for review inside the user's region: ``id_baru, id_lama, skor,
    jarak_km``."""
    require(user, "verifikasi")
    return store.duplicate_pairs(con, user.region, limit=limit)


def _pair_rows(con, id_baru: int, id_lama: int, user) -> tuple[dict, dict]:
    keys = store.incident_keys(con, [id_baru, id_lama]).set_index("id")
    if id_baru not in keys.index or id_lama not in keys.index:
        raise LookupError("pasangan tidak ditemukan")
    rows = []
    for incident in (id_baru, id_lama):
        row = {k: (None if _missing(v) else v) for k, v in keys.loc[incident].to_dict().items()}
        if not in_scope(user.region, row["kode_kab"]):
            raise PermissionDenied(f"Insiden {incident} di luar cakupan Anda ({scope_label(user.region)}).")
        if _above_clearance(user, row["klasifikasi"]):
            raise PermissionDenied(f"Klasifikasi insiden {incident} di atas izin Anda.")
        rows.append(row | {"id": incident})
    return rows[0], rows[1]


def merge_duplicate(con: duckdb.DuckDBPyConnection, id_baru: int, id_lama: int, survivor: int, user, *,
                    versi: int, note: str = "", now: datetime | None = None) -> int:
    """Merge a reviewed pair: ``survivor`` (one of the two) stays, the other becomes ``duplikat``
    linked to it (``kemungkinan_duplikat.bertahan``) and leaves maps and counts. ``versi`` is the version of the
    one that becomes the duplicate. Return its new version.

    Raises
    ------
    LookupError
        No such pair waiting for review.
    auth.roles.PermissionDenied
        No ``verifikasi`` permission, or one of the two lies outside the user's region or clearance.
    services.lapor.StaleReport
        The duplicate changed after ``versi``, or the pair was reviewed meanwhile.
    """
    require(user, "verifikasi")
    if survivor not in (id_baru, id_lama):
        raise ValueError("insiden yang dipertahankan harus salah satu dari pasangan")
    new_row, old_row = _pair_rows(con, id_baru, id_lama, user)
    loser = old_row if survivor == id_baru else new_row
    now = now or _now()
    note = (note or "").strip()[:1000]
    with transaction(con):
        if store.set_pair_status(con, id_baru, id_lama, store.PAIR_MERGED, actor=user.username, now=now,
                                 survivor=survivor) != 1:
            raise StaleReport("Pasangan ini sudah ditinjau orang lain; muat ulang antrean.")
        new = store.set_status(con, loser["id"], versi, DUPLICATE, actor=user.username, now=now)
        if new is None:
            raise _stale(loser["id"])
        store.log_step(con, loser["id"], new, loser["status_verifikasi"], DUPLICATE, note or f"duplikat dari {survivor}",
                       actor=user.username, role=user.role, region=user.region, now=now)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="gabung_duplikat",
                               object=f"insiden:{loser['id']}", row_count=1,
                               detail={"bertahan": survivor, "duplikat": loser["id"], "versi": new, "catatan": note}))
    return new


def mark_distinct(con: duckdb.DuckDBPyConnection, id_baru: int, id_lama: int, user, *, note: str = "") -> None:
    """Record that a pair describes two different events: it never comes back to the queue (audited).

    Raises
    ------
    LookupError, auth.roles.PermissionDenied, services.lapor.StaleReport
        As :func:`merge_duplicate`.
    """
    require(user, "verifikasi")
    _pair_rows(con, id_baru, id_lama, user)
    with transaction(con):
        if store.set_pair_status(con, id_baru, id_lama, store.PAIR_DISTINCT, actor=user.username,
                                 now=_now()) != 1:
            raise StaleReport("Pasangan ini sudah ditinjau orang lain; muat ulang antrean.")
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="bukan_duplikat",
                               object=f"insiden:{id_baru}", row_count=1,
                               detail={"id_baru": id_baru, "id_lama": id_lama, "catatan": (note or "").strip()[:1000]}))


distinct_pair = mark_distinct


# --- inbox --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Inbox:
    """What waits for a user: ``perlu_verifikasi`` (incidents at the status the user's level
    verifies), ``dikembalikan`` (the user's own reports sent back) and ``duplikat`` (pairs to review)."""

    perlu_verifikasi: int = 0
    dikembalikan: int = 0
    duplikat: int = 0

    def items(self) -> list[tuple[str, int]]:
        """``(label, count)`` of the non-zero entries, in the order shown."""
        found = [("Perlu verifikasi", self.perlu_verifikasi), ("Dikembalikan ke Anda", self.dikembalikan),
                 ("Kemungkinan duplikat", self.duplikat)]
        return [(label, n) for label, n in found if n]


def inbox(con: duckdb.DuckDBPyConnection, user) -> Inbox:
    """Counts for the user's inbox (no content); all zero for roles without anything to do."""
    if user is None or not allowed(user.role, "lihat"):
        return Inbox()
    counts = store.inbox_counts(con, user.region, user.username)
    returned = counts["dikembalikan_saya"] if allowed(user.role, "ubah") else 0
    if not allowed(user.role, "verifikasi") or level_of(user.region) is None:
        return Inbox(dikembalikan=returned)
    waiting = sum(counts.get(f"status:{status}", 0) for status in STEPS[level_of(user.region)])
    return Inbox(perlu_verifikasi=waiting, dikembalikan=returned, duplikat=counts["duplikat"])


# --- cases: follow-ups, deadlines, recurrences ---------------------------------------------------------

#: Deadlines and the recurrence window (``data/profiles/kasus.toml``).
CASE_PROFILE = DATA_DIR / "profiles" / "kasus.toml"


@dataclass(frozen=True)
class CaseProfile:
    """Working days from submission to verification and to the first follow-up, and the days after
    a settled case within which a new incident of the same kecamatan and kategori is a recurrence."""

    verification_days: int = 3
    follow_up_days: int = 5
    recurrence_days: int = 90


def load_case_profile(path: Path = CASE_PROFILE) -> CaseProfile:
    """The case profile from its TOML file (the defaults of :class:`CaseProfile` for a missing key)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    tenggat, berulang = data.get("tenggat", {}), data.get("berulang", {})
    profile = CaseProfile(int(tenggat.get("verifikasi_hari_kerja", 3)), int(tenggat.get("tindak_lanjut_hari_kerja", 5)),
                          int(berulang.get("hari", 90)))
    if min(profile.verification_days, profile.follow_up_days, profile.recurrence_days) < 0:
        raise ValueError(f"{path}: batas waktu tidak boleh negatif")
    return profile


def add_follow_up(con: duckdb.DuckDBPyConnection, incident: int, user, *, tanggal: date, tindakan: str,
                  instansi: str = "", hasil: str = "", now: datetime | None = None) -> int:
    """Record a follow-up (tindak lanjut) of an incident inside the user's region; its id (audited).

    Raises
    ------
    LookupError
        No such incident.
    auth.roles.PermissionDenied
        No ``ubah`` permission, outside the user's region or above the clearance.
    ValueError
        No action described, or a date in the future.
    """
    require(user, "ubah")
    row = _keys(con, incident)
    if not in_scope(user.region, row["kode_kab"]):
        raise PermissionDenied(f"Insiden ini di luar cakupan Anda ({scope_label(user.region)}).")
    if _above_clearance(user, row["klasifikasi"]):
        raise PermissionDenied(f"Klasifikasi {row['klasifikasi']} di atas izin Anda.")
    tindakan = (tindakan or "").strip()[:1000]
    if not tindakan:
        raise ValueError("tulis tindakan yang dilakukan")
    now = now or _now()
    if tanggal > now.date() + timedelta(days=1):   # the office's local day may be ahead of UTC
        raise ValueError("tanggal tindak lanjut belum tiba")
    with transaction(con):
        entry = store.add_follow_up(con, incident, tanggal=tanggal, tindakan=tindakan,
                                    instansi=(instansi or "").strip()[:300] or None,
                                    hasil=(hasil or "").strip()[:1000] or None, actor=user.username,
                                    region=user.region, now=now)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="tindak_lanjut",
                               object=f"insiden:{incident}", row_count=1,
                               detail={"tindak_lanjut": entry, "tanggal": tanggal.isoformat(),
                                       "kode_kab": row["kode_kab"]}))
    return entry


def follow_ups(con: duckdb.DuckDBPyConnection, incident: int, user) -> pd.DataFrame:
    """Follow-ups of an incident the user may read (their text hidden above the clearance)."""
    rows = read_incidents(con, [incident], user)
    table = store.follow_ups(con, incident)
    if rows.empty:
        return table.iloc[0:0]
    if _above_clearance(user, rows.iloc[0]["klasifikasi"]):
        table = table.assign(tindakan=None, instansi=None, hasil=None, dicatat_oleh=None)
    return table


def _working_days(start: pd.Series, today: date) -> np.ndarray:
    days = pd.to_datetime(start).dt.date.to_numpy(dtype="datetime64[D]")
    return np.busday_count(days, np.datetime64(today, "D"))


def recurring(con: duckdb.DuckDBPyConnection, user, *, profile: CaseProfile | None = None) -> pd.DataFrame:
    """Incidents inside the user's region flagged *berulang*: begun within the profile's days after a
    case of the same kecamatan and kategori was settled: ``id, id_selesai, selesai, hari``."""
    require(user, "lihat")
    profile = profile or load_case_profile()
    return store.recurrences(con, user.region, profile.recurrence_days)


def open_cases(con: duckdb.DuckDBPyConnection, user, *, today: date | None = None,
               profile: CaseProfile | None = None, limit: int = 2000) -> pd.DataFrame:
    """Open cases inside the user's region, oldest first, as the user may see them.

    Returns
    -------
    pandas.DataFrame
        ``id, tgl_mulai, kode_kab, kode_kec, kategori, judul, klasifikasi, status_verifikasi,
        status_penanganan, diajukan_pada, umur_hari_kerja, tindak_lanjut, terlambat_verifikasi,
        terlambat_tindak_lanjut, berulang``. Overdue: still ``diajukan`` after the profile's
        working days (verification), or no follow-up after its working days.
    """
    require(user, "lihat")
    profile = profile or load_case_profile()
    today = today or _now().date()
    cases = store.case_rows(con, user.region, limit=limit)
    columns = ["id", "tgl_mulai", "kode_kab", "kode_kec", "kategori", "judul", "klasifikasi", "status_verifikasi",
               "status_penanganan", "diajukan_pada", "umur_hari_kerja", "tindak_lanjut", "terlambat_verifikasi",
               "terlambat_tindak_lanjut", "berulang"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    age = _working_days(cases["diajukan_pada"], today)
    cases = cases.assign(
        umur_hari_kerja=age,
        terlambat_verifikasi=(cases["status_verifikasi"] == SUBMITTED) & cases["diverifikasi_pada"].isna()
        & (age > profile.verification_days),
        terlambat_tindak_lanjut=cases["tindak_lanjut_pertama"].isna() & (age > profile.follow_up_days),
        berulang=cases["id"].isin(store.recurrences(con, user.region, profile.recurrence_days)["id"]))
    content = read_incidents(con, cases["id"].tolist(), user)[
        ["id", "tgl_mulai", "kode_kec", "kategori", "judul", "klasifikasi"]]
    out = cases.drop(columns=["status_penanganan"]).merge(content, on="id", how="inner")
    status = cases.set_index("id")["status_penanganan"]
    out["status_penanganan"] = out["id"].map(status)
    return out.sort_values(["umur_hari_kerja", "id"], ascending=[False, True])[columns].reset_index(drop=True)
