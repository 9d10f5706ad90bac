"""Imports as a use case: commit a checked file as one batch, undo a batch, list batches — each
checked for the importer's role and region in the function that writes, in one transaction with
its audit row.

Reading and checking the file is :mod:`ingest.importer` (``prepare_import``); the SQL is
:mod:`store.imports`. Sources live: ACLED and UCDP revise and delete events. A row whose source
id (``sumber``, ``id_sumber``) is stored already updates that incident when its content changed
(the old version goes to ``riwayat_insiden`` and ``versi`` goes up); with ``sync_deletions`` the
stored incidents of the source whose ids a full export no longer holds, within the export's
dates, are retired (``dihapus``). Both only inside the importer's region, and undone with the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd
import polars as pl
from rapidfuzz import fuzz, process

from auth.roles import PermissionDenied, in_scope, in_scope_mask, require, scope_label
from ingest.importer import UPDATABLE, Prepared
from ingest.presets import PRESETS
from ingest.validate import problems_frame
from store import imports
from store.audit import AuditEvent, record
from store.db import transaction
from store.mappings import save_mapping

__all__ = ["ImportResult", "UndoResult", "commit_import", "list_batches", "save_column_mapping", "undo_batch",
           "undo_import"]


@dataclass(frozen=True)
class ImportResult:
    """What a committed import did."""

    batch: int | None
    rows: int
    accepted: int
    rejected: int
    duplicates: int
    probable_duplicates: int = 0
    problems: pd.DataFrame = field(default_factory=lambda: problems_frame([]))
    #: stored incidents of the same source id whose content changed: updated to this version
    updated: int = 0
    #: stored incidents retired as absent from the export (None: ``sync_deletions`` not asked)
    retired: int | None = None
    #: rows whose source id is stored only outside the importer's region: left as they are
    outside_scope: int = 0

    def summary(self) -> dict:
        """The JSON line of ``python -m sigap import`` (``retired`` only with ``--sync-deletions``)."""
        out = {"batch": self.batch, "rows": self.rows, "accepted": self.accepted, "updated": self.updated,
               "rejected": self.rejected, "duplicates": self.duplicates}
        if self.retired is not None:
            out["retired"] = self.retired
        return out


@dataclass(frozen=True)
class UndoResult:
    """What undoing a batch did: incidents it added removed, incidents it changed or retired restored."""

    batch: int
    removed: int
    restored: int
    #: duplicates merged into a removed incident, counted again with the status they had before
    reopened: int = 0


def commit_import(con: duckdb.DuckDBPyConnection, prepared: Prepared, user, *,
                  confirmed_rows: set[int] | None = None, sync_deletions: bool = False) -> ImportResult:
    """Store the valid rows of ``prepared`` as one batch (one transaction with its audit row).

    Rows that need confirmation are stored only when their file row number is in
    ``confirmed_rows``; the others count as rejected. A row is a duplicate, and is not stored,
    when an earlier row of the file or a stored incident has the same content hash or the
    same source and source id. ``user`` must hold the ``impor`` permission; rows outside the
    user's region are never stored (checked here again, whatever ``prepare_import`` was told).

    A row whose source and source id belong to a stored incident inside the user's region
    *updates* that incident when any column the file provides differs (the old row goes to
    ``riwayat_insiden``, ``versi`` goes up by one); an identical row is a duplicate, and so is a
    row whose source id is stored only outside the user's region (that incident stays as it is).

    Parameters
    ----------
    sync_deletions : bool
        The file is a full export of its source: stored incidents of the same ``sumber`` inside
        the user's region, dated within the file's first and last date, whose source ids the
        file does not hold (in any row, valid or not) are retired (``dihapus``, with a history
        row). Undone with the batch.

    Raises
    ------
    auth.roles.PermissionDenied
        ``user`` lacks the ``impor`` permission.
    ValueError
        ``sync_deletions`` for a file without source ids or dates.
    """
    require(user, "impor")
    confirmed = prepared.row_numbers.is_in(pl.Series(sorted(confirmed_rows or ()), dtype=pl.Int64).implode())
    inside = pl.Series(in_scope_mask(user.region, prepared.rows["kode_kab"].to_list()))
    take = prepared.valid & (~prepared.needs_confirmation | confirmed) & inside
    rows = prepared.rows.with_columns(dibuat_oleh=pl.lit(user.username)).filter(take)
    total = len(prepared.rows)
    export = _export_extent(prepared) if sync_deletions else None
    with transaction(con):
        batch = imports.open_batch(con, prepared.filename, prepared.sha256, prepared.preset, user.username, total,
                                   user.region)
        keys = imports.duplicate_keys(con, rows, user.region)
        first = pl.col("hash_baru").is_first_distinct() & (
            pl.col("id_sumber").is_null() | pl.struct("sumber", "id_sumber").is_first_distinct())
        kinds = keys.select(
            baru=first & ~pl.col("id_tersimpan") & ~pl.col("hash_tersimpan"),
            kandidat=first & pl.col("id_cakupan"),
            luar=first & pl.col("id_tersimpan") & ~pl.col("id_cakupan"))
        rows = rows.with_columns(hash_isi=keys["hash_baru"])
        columns = [name for name in UPDATABLE if name in prepared.provided]
        updated = imports.update_changed(con, rows.filter(kinds["kandidat"]), columns, batch, user.username,
                                         user.region)
        accepted = imports.insert_new(con, rows.filter(kinds["baru"]), batch)
        retired = (imports.retire_missing(con, export.source, export.ids, export.first, export.last, batch,
                                          user.username, user.region) if export is not None else None)
        duplicates = len(rows) - accepted - updated
        rejected = total - len(rows)
        outside = int(kinds["luar"].sum())
        imports.close_batch(con, batch, accepted=accepted, rejected=rejected, duplicates=duplicates,
                            updated=updated, retired=retired or 0)
        probable = _flag_probable_duplicates(con, batch)
        detail = {"berkas": prepared.filename, "sha256": prepared.sha256, "ditolak": rejected,
                  "duplikat": duplicates, "diperbarui": updated}
        if outside:
            detail["id_sumber_di_luar_cakupan"] = outside
        if export is not None:
            detail["sinkron_hapus"] = {"sumber": export.source, "dari": export.first.isoformat(),
                                       "sampai": export.last.isoformat(), "dihapus": retired}
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="impor",
                               object=f"batch:{batch}", row_count=accepted, detail=detail))
    return ImportResult(batch=batch, rows=total, accepted=accepted, rejected=rejected, duplicates=duplicates,
                        probable_duplicates=probable, problems=prepared.problems, updated=updated,
                        retired=retired, outside_scope=outside)


@dataclass(frozen=True)
class _Extent:
    """What a full export of one source covers: its source ids and its first and last date."""

    source: str
    ids: pl.DataFrame   # one column id_sumber, unique
    first: date
    last: date


def _export_extent(prepared: Prepared) -> _Extent:
    """The source, ids and date range of a file read as a full export (every row, valid or not:
    an event the file holds is not absent because one of its cells was wrong)."""
    rows = prepared.rows
    ids = rows.select(pl.col("id_sumber").drop_nulls().unique())
    dates = rows["tgl_mulai"].drop_nulls()
    if ids.is_empty() or dates.is_empty():
        raise ValueError(f"{prepared.filename}: sinkronisasi hapus perlu berkas ekspor lengkap dengan id_sumber "
                         "dan tanggal; berkas ini tidak memuat id_sumber atau tanggal yang terbaca")
    return _Extent(source=PRESETS[prepared.preset].source, ids=ids, first=dates.min(), last=dates.max())


def _flag_probable_duplicates(con, batch: int, days: int = 1, km: float = 5.0, min_score: float = 60.0) -> int:
    """Pairs (new, older from another source): same kabupaten and category, within ``days`` and
    ``km``, similar titles → ``kemungkinan_duplikat`` for review. Nothing is merged."""
    pairs = imports.probable_duplicate_pairs(con, batch, days, km)
    if pairs.is_empty():
        return 0
    # title similarity for every pair at once, in rapidfuzz's C++ (all cores)
    score = process.cpdist(pairs["a"].to_list(), pairs["b"].to_list(), scorer=fuzz.token_set_ratio, workers=-1)
    keep = pairs.with_columns(skor=pl.Series(score, dtype=pl.Float64)).filter(pl.col("skor") >= min_score).select(
        "id_baru", "id_lama", "skor", "jarak_km")
    if keep.is_empty():
        return 0
    imports.insert_probable_duplicates(con, keep)
    return len(keep)


def undo_batch(con: duckdb.DuckDBPyConnection, batch: int, user) -> int:
    """Undo a batch (see :func:`undo_import`); return how many incidents it added were removed."""
    return undo_import(con, batch, user).removed


def undo_import(con: duckdb.DuckDBPyConnection, batch: int, user) -> UndoResult:
    """Undo a batch in one transaction with its audit row: remove the incidents it added, put the
    incidents it updated back to their previous version and un-retire those it retired (both from
    ``riwayat_insiden``, whose rows of the batch then go).

    Only the office that imported the batch, or a user whose region contains that office, may
    undo it; a batch of a national user is undone only by national users. Changes are undone
    newest first: while a later change (a later batch, or any newer version) touches an incident
    the batch added or changed, the batch cannot be undone. A batch with a verified incident
    (``diverifikasi_kab``/``diverifikasi_prov``, now or before) is never undone: verified reports
    are part of what leaders and documents count. Duplicates merged into an incident the batch added
    are reopened (the status they had before the merge) so they count again.

    Raises
    ------
    auth.roles.PermissionDenied
        Missing ``impor`` permission, or the batch belongs to an office outside the user's region.
    ValueError
        Unknown or already undone batch, a verified incident, or a later change must be undone first.
        Nothing is changed then.
    """
    require(user, "impor")
    found, owner = imports.batch_owner(con, batch)
    if not found:
        raise ValueError(f"batch {batch} tidak ada atau sudah dibatalkan")
    if not _owns(user.region, owner):
        raise PermissionDenied(f"Batch {batch} milik kantor {scope_label(owner)}, di luar cakupan Anda "
                               f"({scope_label(user.region)}).")
    with transaction(con):
        verified = imports.verified_in_batch(con, batch)
        if verified:
            raise ValueError(f"batch {batch} tidak dapat dibatalkan: {verified} insidennya sudah diverifikasi "
                             "(kabupaten/kota atau provinsi); pembatalan impor tidak menghapus insiden yang sudah "
                             "diverifikasi. Tidak ada yang diubah.")
        later_batch, later = imports.later_changes(con, batch)
        if later:
            by = f"batch {later_batch}" if later_batch is not None else "perubahan lain"
            raise ValueError(f"batch {batch} tidak dapat dibatalkan: {later} insidennya diubah lagi sesudahnya "
                             f"(oleh {by}); batalkan perubahan itu dulu")
        restored = imports.restore_batch(con, batch)
        removed, reopened = imports.remove_batch(con, batch, actor=user.username, role=user.role,
                                                 region=user.region)
        detail = {"kantor_batch": owner, "dipulihkan": restored}
        if reopened:
            detail["duplikat_dibuka_kembali"] = reopened
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="batal_impor",
                               object=f"batch:{batch}", row_count=removed, detail=detail))
    return UndoResult(batch=batch, removed=removed, restored=restored, reopened=reopened)


def _owns(region: str | None, owner: str | None) -> bool:
    """Whether a user of ``region`` may manage a batch imported by the office ``owner``."""
    return region is None or (owner is not None and in_scope(region, owner))


def list_batches(con: duckdb.DuckDBPyConnection, user) -> pd.DataFrame:
    """Import batches of offices inside ``user``'s region, newest first (``wilayah`` = owner office)."""
    frame = imports.list_batches(con)
    keep = [_owns(user.region, owner if isinstance(owner, str) else None) for owner in frame["wilayah"]]
    return frame.loc[keep].reset_index(drop=True)


def save_column_mapping(con: duckdb.DuckDBPyConnection, name: str, mapping: dict[str, str], user, fields) -> None:
    """Save a column mapping for reuse (importers only), audited; target fields outside ``fields``
    are refused."""
    require(user, "impor")
    name = str(name).strip()
    if not name or len(name) > 80:
        raise ValueError("nama pemetaan wajib diisi, paling panjang 80 karakter")
    with transaction(con):
        save_mapping(con, name, mapping, user.username, fields)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="simpan_pemetaan",
                               object=name, detail={"kolom": len(mapping)}))
