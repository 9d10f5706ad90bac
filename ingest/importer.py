"""An import, end to end: read → map columns → validate → resolve regions → commit as one batch.

``prepare`` does everything that can fail without touching the database; ``commit`` writes the
accepted rows, the batch record and its audit row in one transaction (all or nothing), skips
rows already stored (content hash, natural key) and flags probable duplicates from other
sources for review. ``undo_batch`` removes a batch the same way.

Sources live: ACLED and UCDP revise and delete events. A row whose source id (``sumber``,
``id_sumber``) is stored already updates that incident when its content changed (the old version
goes to ``riwayat_insiden`` and ``versi`` goes up); with ``sync_deletions`` the stored incidents of
the source whose ids a full export no longer holds, within the export's dates, are retired
(``dihapus``). Both only inside the importer's region, set-based in DuckDB, and undone with the batch.
"""

from __future__ import annotations

import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd
import polars as pl
from rapidfuzz import fuzz, process

from auth.roles import PermissionDenied, in_scope, in_scope_mask, require, scope_label
from ingest.presets import PRESETS, apply_preset, detect_preset, known_columns
from ingest.readers import read_table
from ingest.resolve import RegionIndex, resolve_regions
from ingest.validate import PROBLEM_COLUMNS, PROBLEM_SCHEMA, empty_problems, problems_frame, type_and_validate
from reports.safe import neutralise_xlsx_frame
from store.audit import AuditEvent, record
from store.db import transaction

__all__ = ["ImportResult", "Prepared", "UndoResult", "commit_import", "errors_xlsx", "list_batches",
           "prepare_import", "undo_batch", "undo_import"]

_INCIDENT_COLUMNS = [
    "sumber", "id_sumber", "tgl_mulai", "tgl_selesai", "presisi_waktu", "kode_prov", "kode_kab",
    "kode_kec", "lat", "lon", "presisi_lokasi", "status_lokasi", "kategori", "subkategori", "bentuk", "sifat",
    "bidang", "athg", "aktor1", "aktor2", "tewas", "luka", "pengungsi", "eskalasi", "status_penanganan", "judul",
    "kronologi", "sumber_info", "klasifikasi", "status_verifikasi", "dibuat_oleh",
]
#: Content hash of a stored incident: the same report imported twice gets the same hash. Stored
#: hashes depend on this exact text; changing it needs a migration that recomputes ``hash_isi``.
_CONTENT_HASH = ("md5(concat_ws('|', sumber, coalesce(id_sumber, ''), tgl_mulai, kode_kab, kategori, "
                 "lower(trim(judul)), coalesce(round(lat, 5)::VARCHAR, ''), coalesce(round(lon, 5)::VARCHAR, '')))")
_KEY_COLUMNS = ["sumber", "id_sumber", "tgl_mulai", "kode_kab", "kategori", "judul", "lat", "lon"]
#: Columns a newer export may change on a stored incident of the same source id, with the canonical
#: field each comes from. A column changes only when the file provides its field (a non-empty cell in
#: any row): the defaults filled in for fields a source lacks (ACLED has no klasifikasi or
#: status_penanganan) never overwrite what an office set. Date, place, kategori and judul (None) are
#: always provided, no row is valid without them; ``status_verifikasi`` and ``dibuat_oleh`` belong to
#: SIGAP's own workflow and are never changed by an import.
_UPDATABLE = {
    "tgl_mulai": None, "presisi_waktu": None, "kode_prov": None, "kode_kab": None, "kode_kec": None, "lat": None,
    "lon": None, "presisi_lokasi": None, "status_lokasi": None, "kategori": None, "judul": None,
    "tgl_selesai": "tanggal_selesai", "subkategori": "subkategori", "bentuk": "bentuk", "sifat": "sifat",
    "bidang": "bidang", "athg": "athg", "aktor1": "aktor_1", "aktor2": "aktor_2", "tewas": "tewas", "luka": "luka",
    "pengungsi": "pengungsi", "eskalasi": "eskalasi", "status_penanganan": "status_penanganan",
    "kronologi": "kronologi", "sumber_info": "sumber", "klasifikasi": "klasifikasi",
}
#: ``riwayat_insiden.alasan`` of an incident changed at its source, and of one retired because a full
#: export of its source no longer holds it.
UPDATED_AT_SOURCE = "diperbarui_sumber"
RETIRED_AT_SOURCE = "dihapus_sumber"


@dataclass
class Prepared:
    """A checked file, ready to commit.

    ``rows`` holds one row per data row of the file, valid or not (polars, so a large file stays
    columnar all the way into DuckDB); the problem, confirmation and note tables are small
    pandas frames for people to read.
    """

    filename: str
    sha256: str
    preset: str
    rows: pl.DataFrame              # incident columns for every file row (valid or not)
    row_numbers: pl.Series          # file row number per row of ``rows``
    problems: pd.DataFrame          # errors: the row is left out
    confirm: pd.DataFrame           # rows that need the user's confirmation (baris, kode_kab, catatan)
    notes: pd.DataFrame             # accepted rows with a warning (baris, catatan), e.g. swapped lat/lon
    valid: pl.Series                # bool per row: no error
    needs_confirmation: pl.Series   # bool per row
    provided: frozenset = frozenset(_UPDATABLE)  # incident columns the file gives (an update changes only these)

    @property
    def accepted_rows(self) -> int:
        """Rows that will be stored without asking the user."""
        return int((self.valid & ~self.needs_confirmation).sum())


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


def _arrow(frame: pl.DataFrame):
    """The frame as Arrow for DuckDB, without copying strings (Arrow string views)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def _vocab(con) -> dict[str, set[str]]:
    rows = con.execute("SELECT daftar, kode FROM vocab").fetchall()
    out: dict[str, set[str]] = {}
    for daftar, kode in rows:
        out.setdefault(daftar, set()).add(kode)
    return out


def prepare_import(con: duckdb.DuckDBPyConnection, data: bytes, filename: str, locator, *,
                   preset: str | None = None, mapping: dict[str, str] | None = None,
                   user, max_bytes: int = 10 * 1024 * 1024) -> Prepared:
    """Read and check a file; nothing is written.

    ``user`` is the importer (``username`` and ``region``): a row whose kabupaten/kota lies
    outside the importer's region is a problem row, like any other invalid row.

    Raises
    ------
    ingest.readers.ReadError
        The file cannot be read as a table at all.
    ValueError
        Unknown preset, or no preset fits and no mapping was given.
    """
    raw = read_table(data, filename, known_columns() | set(mapping or {}), max_bytes=max_bytes)
    preset = preset or ("sigap" if mapping else detect_preset(raw.frame.columns))
    if preset is None:
        raise ValueError(f"{filename}: format kolom tidak dikenali; pilih preset (sigap, acled, ucdp) atau "
                         "petakan kolomnya")
    canonical = apply_preset(raw.frame, preset, mapping)
    typed = type_and_validate(canonical, raw.row_numbers, _vocab(con))
    regions = _region_index(con)
    t = typed.frame
    where = resolve_regions(canonical, t["lintang"], t["bujur"], regions, locator, swapped=t["_tertukar"])
    problems = pl.concat([typed.problems, _region_problems(where, canonical, raw.row_numbers),
                          _scope_problems(where, raw.row_numbers, user.region)]).sort(
        ["baris", "kolom"], maintain_order=True)
    numbers = raw.row_numbers
    valid = ~numbers.is_in(problems["baris"].unique().implode())
    confirm_mask = where["perlu_konfirmasi"] & valid
    noted = valid & ~confirm_mask & (where["catatan"] != "")
    return Prepared(
        filename=filename, sha256=hashlib.sha256(data).hexdigest(), preset=preset,
        rows=_incident_rows(canonical, t, where, PRESETS[preset].source, user.username), row_numbers=numbers,
        problems=problems.to_pandas(),
        confirm=pl.DataFrame({"baris": numbers, "kode_kab": where["kode_kab"], "catatan": where["catatan"]})
        .filter(confirm_mask).to_pandas(),
        notes=pl.DataFrame({"baris": numbers, "catatan": where["catatan"]}).filter(noted).to_pandas(),
        valid=valid, needs_confirmation=confirm_mask, provided=_provided(canonical))


def _provided(canonical: pl.DataFrame) -> frozenset:
    """Incident columns whose field the file fills in at least one row (see :data:`_UPDATABLE`)."""
    fields = sorted({name for name in _UPDATABLE.values() if name is not None and name in canonical.columns})
    given = dict(zip(fields, canonical.select((pl.col(name).str.strip_chars() != "").any() for name in fields)
                     .row(0))) if fields else {}
    return frozenset(column for column, name in _UPDATABLE.items() if name is None or given.get(name))


_REGION_INDEXES: dict[tuple, RegionIndex] = {}


def _region_index(con) -> RegionIndex:
    """Region names prepared for matching, built once per boundary set (7,800 names to normalise)."""
    key = tuple(con.execute("SELECT count(*), sum(hash(kode || nama || coalesce(kode_induk, ''))) FROM regions")
                .fetchall()[0])
    if key not in _REGION_INDEXES:
        _REGION_INDEXES.clear()
        _REGION_INDEXES[key] = RegionIndex.from_regions(con.execute(
            "SELECT kode, level, nama, jenis, kode_induk, kode_prov FROM regions").df())
    return _REGION_INDEXES[key]


def _region_problems(where: pl.DataFrame, canonical: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """A problem per row whose region could not be resolved, naming the column at fault."""
    bad = where.with_columns(baris=rows).with_row_index("_i").filter(pl.col("galat").is_not_null())
    if bad.is_empty():
        return empty_problems()
    value = pl.coalesce(pl.when(pl.col("galat_kolom") == name).then(canonical[name].gather(bad["_i"]))
                        for name in bad["galat_kolom"].unique())
    return bad.select(pl.col("baris"), pl.col("galat_kolom").alias("kolom"), value.alias("nilai"),
                      pl.col("galat").alias("alasan"),
                      pl.lit("periksa nama/kode wilayah atau koordinat").alias("perbaikan")).cast(PROBLEM_SCHEMA)


def _scope_problems(where: pl.DataFrame, rows: pl.Series, region: str | None) -> pl.DataFrame:
    """A problem per located row whose kabupaten/kota lies outside the importer's region."""
    if region is None:
        return empty_problems()
    located = where["kode_kab"].is_not_null()
    outside = located & ~pl.Series(in_scope_mask(region, where["kode_kab"].to_list()))
    if not outside.any():
        return empty_problems()
    return pl.DataFrame({"baris": rows.filter(outside), "kolom": "kode_kab",
                         "nilai": where["kode_kab"].filter(outside),
                         "alasan": f"wilayah di luar cakupan Anda ({scope_label(region)})",
                         "perbaikan": "impor hanya laporan untuk wilayah Anda; laporan wilayah lain dikirim "
                                      "oleh kantor wilayah itu"}).cast(PROBLEM_SCHEMA)


def _incident_rows(c: pl.DataFrame, t: pl.DataFrame, w: pl.DataFrame, source: str, user: str) -> pl.DataFrame:
    has_point = w["lat"].is_not_null() & w["lon"].is_not_null()
    precision = c["presisi_lokasi"].str.strip_chars().cast(pl.Int64, strict=False)
    default_precision = pl.when(has_point).then(1).when(w["kode_kec"].is_not_null()).then(2).otherwise(3)

    def text(column: pl.Series) -> pl.Expr:  # empty text is stored as NULL
        column = column.str.strip_chars()
        return pl.when(column != "").then(column)

    return pl.select(
        sumber=pl.lit(source), id_sumber=text(c["id_sumber"]),
        tgl_mulai=t["tanggal"], tgl_selesai=t["tanggal_selesai"], presisi_waktu=pl.lit(1, dtype=pl.Int16),
        kode_prov=w["kode_prov"], kode_kab=w["kode_kab"], kode_kec=w["kode_kec"],
        lat=pl.when(has_point).then(w["lat"]), lon=pl.when(has_point).then(w["lon"]),
        presisi_lokasi=pl.when(precision.is_between(1, 4)).then(precision).otherwise(default_precision)
        .cast(pl.Int16),
        status_lokasi=w["status_lokasi"],
        kategori=t["kategori"], subkategori=text(c["subkategori"]), bentuk=text(t["bentuk"]), sifat=t["sifat"],
        bidang=text(t["bidang"]), athg=text(t["athg"]), aktor1=text(c["aktor_1"]), aktor2=text(c["aktor_2"]),
        tewas=t["tewas"].cast(pl.Int64, strict=False), luka=t["luka"].cast(pl.Int64, strict=False),
        pengungsi=t["pengungsi"].cast(pl.Int64, strict=False), eskalasi=t["eskalasi"].cast(pl.Int16, strict=False),
        status_penanganan=t["status_penanganan"], judul=t["judul"], kronologi=text(c["kronologi"]),
        sumber_info=text(c["sumber"]), klasifikasi=t["klasifikasi"], status_verifikasi=pl.lit("diajukan"),
        dibuat_oleh=pl.lit(user),
    )


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
        batch = con.execute(
            "INSERT INTO import_batches (nama_berkas, sha256, sumber, pengguna, baris, wilayah) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [prepared.filename, prepared.sha256, prepared.preset, user.username, total, user.region],
        ).fetchall()[0][0]
        keys = _duplicate_keys(con, rows, user.region)
        first = pl.col("hash_baru").is_first_distinct() & (
            pl.col("id_sumber").is_null() | pl.struct("sumber", "id_sumber").is_first_distinct())
        kinds = keys.select(
            baru=first & ~pl.col("id_tersimpan") & ~pl.col("hash_tersimpan"),
            kandidat=first & pl.col("id_cakupan"),
            luar=first & pl.col("id_tersimpan") & ~pl.col("id_cakupan"))
        rows = rows.with_columns(hash_isi=keys["hash_baru"])
        updated = _update_changed(con, rows.filter(kinds["kandidat"]), prepared.provided, batch, user)
        accepted = _insert_new(con, rows.filter(kinds["baru"]), batch)
        retired = _retire_missing(con, export, batch, user) if export is not None else None
        duplicates = len(rows) - accepted - updated
        rejected = total - len(rows)
        outside = int(kinds["luar"].sum())
        con.execute("UPDATE import_batches SET diterima = ?, ditolak = ?, duplikat = ?, diperbarui = ?, "
                    "dihapus_sumber = ? WHERE id = ?", [accepted, rejected, duplicates, updated, retired or 0, batch])
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


def _scope_sql(region: str | None, column: str = "i.kode_kab") -> tuple[str, list]:
    """SQL condition (and its parameters) that ``column`` lies in ``region``, as :func:`in_scope`."""
    if region is None:
        return "true", []
    return f"({column} = ? OR starts_with({column}, ?))", [region, region + "."]


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame):
    """``with _registered(con, name, frame):`` — ``frame`` readable as table ``name`` inside the block."""
    con.register(name, _arrow(frame))
    try:
        yield name
    finally:
        con.unregister(name)


def _insert_new(con: duckdb.DuckDBPyConnection, new: pl.DataFrame, batch: int) -> int:
    """Insert ``new`` (rows with ``hash_isi``, no duplicates left); return how many. Runs inside
    the caller's transaction.

    Narrow first, wide once: the duplicate check ran on a narrow key table (see
    :func:`_duplicate_keys`), and only now are the full rows written, with ids reserved from the
    sequence beforehand (a ``nextval`` per row inside the INSERT would force DuckDB to write on
    one core).
    """
    if new.is_empty():
        return 0
    ids = con.sql("SELECT nextval('incidents_id') AS id FROM range(?)", params=[len(new)]).fetchnumpy()["id"]
    columns = ", ".join(["id", *_INCIDENT_COLUMNS, "hash_isi"])
    with _registered(con, "_impor", new.with_columns(id=pl.Series(ids))):
        con.execute(f"INSERT INTO incidents ({columns}, batch_id) SELECT {columns}, ? FROM _impor", [batch])
    return len(new)


def _duplicate_keys(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, region: str | None) -> pl.DataFrame:
    """Per row (same order): content hash, source, source id, and whether a stored incident has
    that hash (``hash_tersimpan``), that source id (``id_tersimpan``), and that source id inside
    ``region`` (``id_cakupan``). Retired incidents do not count."""
    scope, params = _scope_sql(region, "kode_kab")
    # EXISTS on equal columns: DuckDB's mark join on two plain keys, faster than IN over a row value
    stored = ("EXISTS (SELECT 1 FROM (SELECT sumber, id_sumber FROM incidents WHERE NOT dihapus AND {}) i "
              "WHERE i.sumber = k.sumber AND i.id_sumber = k.id_sumber)")
    in_scope = stored.format(scope) if region is not None else "id_tersimpan"
    with _registered(con, "_kunci", rows.select(_KEY_COLUMNS).with_row_index("urut")):
        keys = pl.from_arrow(con.sql(
            "SELECT urut, hash_baru, sumber, id_sumber, hash_tersimpan, id_tersimpan, "
            f"  {in_scope} AS id_cakupan "
            "FROM (SELECT *, hash_baru IN (SELECT hash_isi FROM incidents WHERE NOT dihapus) AS hash_tersimpan, "
            f"      {stored.format('true')} AS id_tersimpan "
            f"      FROM (SELECT *, {_CONTENT_HASH} AS hash_baru FROM _kunci) k) k", params=params).to_arrow_table())
    return keys.sort("urut").drop("urut")  # joins do not keep row order; the file's order decides


def _update_changed(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, provided: frozenset, batch: int,
                    user) -> int:
    """Update the stored incidents inside ``user``'s region that share a source id with ``rows``
    (one row per id, with ``hash_isi``) and differ in a column the file provides; return how many
    rows of the file updated one. Set-based: one join finds them, the old rows go to
    ``riwayat_insiden`` in one INSERT, one UPDATE … FROM writes the new versions."""
    if rows.is_empty():
        return 0
    columns = [name for name in _UPDATABLE if name in provided]
    changed = " OR ".join(f"i.{name} IS DISTINCT FROM n.{name}" for name in columns)
    scope, params = _scope_sql(user.region)
    fresh = rows.select("sumber", "id_sumber", "hash_isi", *columns).with_row_index("urut")
    with _registered(con, "_neu", fresh):
        targets = pl.from_arrow(con.sql(
            "SELECT i.id AS id_insiden, n.urut FROM incidents i "
            "JOIN _neu n ON i.sumber = n.sumber AND i.id_sumber = n.id_sumber "
            f"WHERE NOT i.dihapus AND {scope} AND ({changed})", params=params).to_arrow_table())
        if targets.is_empty():
            return 0
        with _registered(con, "_ziel", targets):
            _archive(con, "_ziel", batch, user, UPDATED_AT_SOURCE)
            sets = ", ".join(f"{name} = n.{name}" for name in [*columns, "hash_isi"])
            con.execute(f"UPDATE incidents SET {sets}, versi = incidents.versi + 1 "
                        "FROM _ziel z JOIN _neu n ON n.urut = z.urut WHERE incidents.id = z.id_insiden")
    return targets["urut"].n_unique()


def _retire_missing(con: duckdb.DuckDBPyConnection, export: _Extent, batch: int, user) -> int:
    """Retire the stored incidents of ``export.source`` inside ``user``'s region, dated within the
    export, whose source ids the export does not hold; return how many (set-based, as updates)."""
    scope, params = _scope_sql(user.region)
    with _registered(con, "_ada", export.ids):
        targets = pl.from_arrow(con.sql(
            "SELECT i.id AS id_insiden FROM incidents i ANTI JOIN _ada a ON a.id_sumber = i.id_sumber "
            "WHERE NOT i.dihapus AND i.sumber = ? AND i.id_sumber IS NOT NULL AND i.tgl_mulai BETWEEN ? AND ? "
            f"AND {scope}", params=[export.source, export.first, export.last, *params]).to_arrow_table())
    if targets.is_empty():
        return 0
    with _registered(con, "_ziel", targets):
        _archive(con, "_ziel", batch, user, RETIRED_AT_SOURCE)
        con.execute("UPDATE incidents SET dihapus = true, versi = incidents.versi + 1 "
                    "FROM _ziel z WHERE incidents.id = z.id_insiden")
    return len(targets)


def _archive(con: duckdb.DuckDBPyConnection, targets: str, batch: int | None, user, reason: str) -> None:
    """Copy the incidents whose ids table ``targets`` lists (column ``id_insiden``) into
    ``riwayat_insiden`` as they are now: every column but the content hash, as JSON."""
    con.execute(
        "INSERT INTO riwayat_insiden (id_insiden, versi, diubah_oleh, batch_id, alasan, data) "
        "SELECT x.id, x.versi, ?, ?, ?, to_json(x) FROM (SELECT * EXCLUDE (hash_isi) FROM incidents "
        f"WHERE id IN (SELECT id_insiden FROM {targets})) x", [user.username, batch, reason])


def _flag_probable_duplicates(con, batch: int, days: int = 1, km: float = 5.0, min_score: float = 60.0) -> int:
    """Pairs (new, older from another source): same kabupaten and category, within ``days`` and
    ``km``, similar titles → ``kemungkinan_duplikat`` for review. Nothing is merged."""
    pairs = con.sql(
        "SELECT * FROM (SELECT n.id AS id_baru, o.id AS id_lama, lower(n.judul) AS a, lower(o.judul) AS b, "
        "  CASE WHEN n.lat IS NULL OR o.lat IS NULL THEN NULL ELSE "
        "  6371 * 2 * asin(sqrt(pow(sin(radians(o.lat - n.lat) / 2), 2) + cos(radians(n.lat)) * cos(radians(o.lat)) "
        "  * pow(sin(radians(o.lon - n.lon) / 2), 2))) END AS jarak_km "
        "FROM incidents n JOIN incidents o ON o.kode_kab = n.kode_kab AND o.kategori = n.kategori "
        "  AND abs(date_diff('day', o.tgl_mulai, n.tgl_mulai)) <= ? AND o.batch_id <> n.batch_id "
        "  AND o.sumber <> n.sumber AND NOT o.dihapus "
        "WHERE n.batch_id = ?) WHERE jarak_km IS NULL OR jarak_km <= ?", params=[days, batch, km]).to_arrow_table()
    pairs = pl.from_arrow(pairs)
    if pairs.is_empty():
        return 0
    # title similarity for every pair at once, in rapidfuzz's C++ (all cores)
    score = process.cpdist(pairs["a"].to_list(), pairs["b"].to_list(), scorer=fuzz.token_set_ratio, workers=-1)
    keep = pairs.with_columns(skor=pl.Series(score, dtype=pl.Float64)).filter(pl.col("skor") >= min_score).select(
        "id_baru", "id_lama", "skor", "jarak_km")
    if keep.is_empty():
        return 0
    con.register("_duplikat", _arrow(keep))
    try:
        con.execute("INSERT INTO kemungkinan_duplikat (id_baru, id_lama, skor, jarak_km) "
                    "SELECT id_baru, id_lama, skor, jarak_km FROM _duplikat")
    finally:
        con.unregister("_duplikat")
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
    the batch added or changed, the batch cannot be undone.

    Raises
    ------
    auth.roles.PermissionDenied
        Missing ``impor`` permission, or the batch belongs to an office outside the user's region.
    ValueError
        Unknown or already undone batch, or a later change must be undone first.
    """
    require(user, "impor")
    found = con.execute("SELECT wilayah FROM import_batches WHERE id = ? AND dibatalkan_pada IS NULL",
                        [batch]).fetchall()
    if not found:
        raise ValueError(f"batch {batch} tidak ada atau sudah dibatalkan")
    owner = found[0][0]
    if not _owns(user.region, owner):
        raise PermissionDenied(f"Batch {batch} milik kantor {scope_label(owner)}, di luar cakupan Anda "
                               f"({scope_label(user.region)}).")
    with transaction(con):
        later = con.execute(
            "SELECT min(r.batch_id), count(*) FROM riwayat_insiden r "
            "WHERE r.batch_id IS DISTINCT FROM ? AND (r.id_insiden IN (SELECT id FROM incidents WHERE batch_id = ?) "
            "  OR EXISTS (SELECT 1 FROM riwayat_insiden m WHERE m.batch_id = ? AND m.id_insiden = r.id_insiden "
            "             AND r.versi > m.versi))", [batch, batch, batch]).fetchall()[0]
        if later[1]:
            by = f"batch {later[0]}" if later[0] is not None else "perubahan lain"
            raise ValueError(f"batch {batch} tidak dapat dibatalkan: {later[1]} insidennya diubah lagi sesudahnya "
                             f"(oleh {by}); batalkan perubahan itu dulu")
        restored = _restore(con, batch)
        con.execute("DELETE FROM kemungkinan_duplikat WHERE id_baru IN (SELECT id FROM incidents WHERE batch_id = ?) "
                    "OR id_lama IN (SELECT id FROM incidents WHERE batch_id = ?)", [batch, batch])
        removed = con.execute("DELETE FROM incidents WHERE batch_id = ?", [batch]).fetchall()[0][0]
        con.execute("UPDATE import_batches SET dibatalkan_pada = current_timestamp WHERE id = ?", [batch])
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="batal_impor",
                               object=f"batch:{batch}", row_count=removed,
                               detail={"kantor_batch": owner, "dipulihkan": restored}))
    return UndoResult(batch=batch, removed=removed, restored=restored)


def _restore(con: duckdb.DuckDBPyConnection, batch: int) -> int:
    """Put every incident the batch changed back as its history row holds it (content hash
    recomputed), drop those history rows; return how many. Inside the caller's transaction."""
    columns = [(name, kind) for name, kind, *_ in con.execute("DESCRIBE incidents").fetchall()
               if name not in ("id", "hash_isi")]
    # a column added after the history row was written keeps its value
    sets = ", ".join(
        f"{_quote(name)} = CASE WHEN json_exists(r.data, '$.\"{name}\"') "
        f"THEN CAST(r.data->>'$.\"{name}\"' AS {kind}) ELSE incidents.{_quote(name)} END"
        for name, kind in columns)
    oldest = ("(SELECT * FROM riwayat_insiden WHERE batch_id = ? "
              "QUALIFY row_number() OVER (PARTITION BY id_insiden ORDER BY versi) = 1)")
    restored = con.execute(f"UPDATE incidents SET {sets} FROM {oldest} r WHERE incidents.id = r.id_insiden",
                           [batch]).fetchall()[0][0]
    con.execute(f"UPDATE incidents SET hash_isi = {_CONTENT_HASH} "
                "WHERE id IN (SELECT id_insiden FROM riwayat_insiden WHERE batch_id = ?)", [batch])
    con.execute("DELETE FROM riwayat_insiden WHERE batch_id = ?", [batch])
    return restored


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _owns(region: str | None, owner: str | None) -> bool:
    """Whether a user of ``region`` may manage a batch imported by the office ``owner``."""
    return region is None or (owner is not None and in_scope(region, owner))


def list_batches(con: duckdb.DuckDBPyConnection, user) -> pd.DataFrame:
    """Import batches of offices inside ``user``'s region, newest first (``wilayah`` = owner office)."""
    frame = con.execute("SELECT id, nama_berkas, sumber, pengguna, wilayah, dibuat_pada, baris, diterima, diperbarui, "
                        "ditolak, duplikat, dihapus_sumber, sintetis, dibatalkan_pada FROM import_batches "
                        "ORDER BY id DESC").df()
    keep = [_owns(user.region, owner if isinstance(owner, str) else None) for owner in frame["wilayah"]]
    return frame.loc[keep].reset_index(drop=True)


def errors_xlsx(problems: pd.DataFrame) -> bytes:
    """The problem table as an XLSX workbook (text written as text, never as formulas)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        neutralise_xlsx_frame(problems[PROBLEM_COLUMNS]).to_excel(xl, sheet_name="Masalah", index=False)
        xl.sheets["Masalah"].set_column(0, 1, 14)
        xl.sheets["Masalah"].set_column(2, 4, 50)
    return buffer.getvalue()
