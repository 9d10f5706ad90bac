"""An import, end to end: read → map columns → validate → resolve regions → commit as one batch.

``prepare`` does everything that can fail without touching the database; ``commit`` writes the
accepted rows, the batch record and its audit row in one transaction (all or nothing), skips
rows already stored (content hash, natural key) and flags probable duplicates from other
sources for review. ``undo_batch`` removes a batch the same way.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

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

__all__ = ["ImportResult", "Prepared", "commit_import", "errors_xlsx", "list_batches", "prepare_import",
           "undo_batch"]

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

    def summary(self) -> dict:
        """The JSON line of ``python -m sigap import``."""
        return {"batch": self.batch, "rows": self.rows, "accepted": self.accepted, "rejected": self.rejected,
                "duplicates": self.duplicates}


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
        valid=valid, needs_confirmation=confirm_mask)


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
                  confirmed_rows: set[int] | None = None) -> ImportResult:
    """Store the valid rows of ``prepared`` as one batch (one transaction with its audit row).

    Rows that need confirmation are stored only when their file row number is in
    ``confirmed_rows``; the others count as rejected. A row is a duplicate, and is not stored,
    when an earlier row of the file or a stored incident has the same content hash or the
    same source and source id. ``user`` must hold the ``impor`` permission; rows outside the
    user's region are never stored (checked here again, whatever ``prepare_import`` was told).
    """
    require(user, "impor")
    confirmed = prepared.row_numbers.is_in(pl.Series(sorted(confirmed_rows or ()), dtype=pl.Int64).implode())
    inside = pl.Series(in_scope_mask(user.region, prepared.rows["kode_kab"].to_list()))
    take = prepared.valid & (~prepared.needs_confirmation | confirmed) & inside
    rows = prepared.rows.with_columns(dibuat_oleh=pl.lit(user.username)).filter(take)
    total = len(prepared.rows)
    with transaction(con):
        batch = con.execute(
            "INSERT INTO import_batches (nama_berkas, sha256, sumber, pengguna, baris, wilayah) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [prepared.filename, prepared.sha256, prepared.preset, user.username, total, user.region],
        ).fetchall()[0][0]
        accepted = _insert_new(con, rows, batch)
        duplicates = len(rows) - accepted
        rejected = total - len(rows)
        con.execute("UPDATE import_batches SET diterima = ?, ditolak = ?, duplikat = ? WHERE id = ?",
                    [accepted, rejected, duplicates, batch])
        probable = _flag_probable_duplicates(con, batch)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="impor",
                               object=f"batch:{batch}", row_count=accepted,
                               detail={"berkas": prepared.filename, "sha256": prepared.sha256, "ditolak": rejected,
                                       "duplikat": duplicates}))
    return ImportResult(batch=batch, rows=total, accepted=accepted, rejected=rejected, duplicates=duplicates,
                        probable_duplicates=probable, problems=prepared.problems)


def _insert_new(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, batch: int) -> int:
    """Insert the rows that are not duplicates; return how many. Runs inside the caller's transaction.

    Narrow first, wide once: DuckDB hashes the rows and checks them against stored incidents
    on four columns, polars keeps the first of equal rows in the file, and only then are the
    full rows written, with ids reserved from the sequence beforehand (a ``nextval`` per row
    inside the INSERT would force DuckDB to write on one core).
    """
    keys = _duplicate_keys(con, rows)
    first = pl.col("hash_baru").is_first_distinct() & (
        pl.col("id_sumber").is_null() | pl.struct("sumber", "id_sumber").is_first_distinct())
    keep = keys.with_columns(baru=first & ~pl.col("tersimpan"))["baru"]
    new = rows.with_columns(hash_isi=keys["hash_baru"]).filter(keep)
    if new.is_empty():
        return 0
    ids = con.sql("SELECT nextval('incidents_id') AS id FROM range(?)", params=[len(new)]).fetchnumpy()["id"]
    columns = ", ".join(["id", *_INCIDENT_COLUMNS, "hash_isi"])
    con.register("_impor", _arrow(new.with_columns(id=pl.Series(ids))))
    try:
        con.execute(f"INSERT INTO incidents ({columns}, batch_id) SELECT {columns}, ? FROM _impor", [batch])
    finally:
        con.unregister("_impor")
    return len(new)


def _duplicate_keys(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> pl.DataFrame:
    """Per row (same order): content hash, source, source id, and whether a stored incident has
    that hash or that source id already."""
    con.register("_kunci", _arrow(rows.select(_KEY_COLUMNS).with_row_index("urut")))
    try:
        keys = pl.from_arrow(con.sql(
            f"SELECT urut, hash_baru, sumber, id_sumber, "
            "  hash_baru IN (SELECT hash_isi FROM incidents WHERE NOT dihapus) "
            "  OR coalesce((sumber, id_sumber) IN (SELECT (sumber, id_sumber) FROM incidents "
            "                                      WHERE NOT dihapus AND id_sumber IS NOT NULL), false) AS tersimpan "
            f"FROM (SELECT *, {_CONTENT_HASH} AS hash_baru FROM _kunci)").to_arrow_table())
    finally:
        con.unregister("_kunci")
    return keys.sort("urut").drop("urut")  # joins do not keep row order; the file's order decides


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
    """Remove a batch's incidents (one transaction with its audit row); return how many.

    Only the office that imported the batch, or a user whose region contains that office, may
    undo it; a batch of a national user is undone only by national users.

    Raises
    ------
    auth.roles.PermissionDenied
        Missing ``impor`` permission, or the batch belongs to an office outside the user's region.
    ValueError
        Unknown or already undone batch.
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
        con.execute("DELETE FROM kemungkinan_duplikat WHERE id_baru IN (SELECT id FROM incidents WHERE batch_id = ?) "
                    "OR id_lama IN (SELECT id FROM incidents WHERE batch_id = ?)", [batch, batch])
        removed = con.execute("DELETE FROM incidents WHERE batch_id = ?", [batch]).fetchall()[0][0]
        con.execute("UPDATE import_batches SET dibatalkan_pada = current_timestamp WHERE id = ?", [batch])
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="batal_impor",
                               object=f"batch:{batch}", row_count=removed, detail={"kantor_batch": owner}))
    return removed


def _owns(region: str | None, owner: str | None) -> bool:
    """Whether a user of ``region`` may manage a batch imported by the office ``owner``."""
    return region is None or (owner is not None and in_scope(region, owner))


def list_batches(con: duckdb.DuckDBPyConnection, user) -> pd.DataFrame:
    """Import batches of offices inside ``user``'s region, newest first (``wilayah`` = owner office)."""
    frame = con.execute("SELECT id, nama_berkas, sumber, pengguna, wilayah, dibuat_pada, baris, diterima, ditolak, "
                        "duplikat, sintetis, dibatalkan_pada FROM import_batches ORDER BY id DESC").df()
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
