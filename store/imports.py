"""Import batches and their rows: the SQL of an import (see :mod:`services.imports` for the use
case and :mod:`ingest.importer` for reading and checking a file).

Set-based throughout: duplicate keys, updates from a newer export, retirements and undo each run as
a few statements over an Arrow table registered for the purpose, never row by row. Call the
writes inside ``store.db.transaction``.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import polars as pl

__all__ = ["CONTENT_HASH", "INCIDENT_COLUMNS", "KEY_COLUMNS", "RETIRED_AT_SOURCE", "UPDATED_AT_SOURCE",
           "REOPENED", "batch_owner", "close_batch", "duplicate_keys", "insert_new", "insert_probable_duplicates",
           "later_changes", "list_batches", "open_batch", "probable_duplicate_pairs", "remove_batch",
           "restore_batch", "retire_missing", "update_changed", "verified_in_batch"]

INCIDENT_COLUMNS = [
    "sumber", "id_sumber", "tgl_mulai", "tgl_selesai", "presisi_waktu", "kode_prov", "kode_kab",
    "kode_kec", "lat", "lon", "presisi_lokasi", "status_lokasi", "kategori", "subkategori", "bentuk", "sifat",
    "bidang", "athg", "aktor1", "aktor2", "tewas", "luka", "pengungsi", "eskalasi", "status_penanganan", "judul",
    "kronologi", "sumber_info", "klasifikasi", "status_verifikasi", "dibuat_oleh",
]
#: Content hash of a stored incident: the same report imported twice gets the same hash. Stored
#: hashes depend on this exact text; changing it needs a migration that recomputes ``hash_isi``.
CONTENT_HASH = ("md5(concat_ws('|', sumber, coalesce(id_sumber, ''), tgl_mulai, kode_kab, kategori, "
                "lower(trim(judul)), coalesce(round(lat, 5)::VARCHAR, ''), coalesce(round(lon, 5)::VARCHAR, '')))")
KEY_COLUMNS = ["sumber", "id_sumber", "tgl_mulai", "kode_kab", "kategori", "judul", "lat", "lon"]
#: ``riwayat_insiden.alasan`` of an incident changed at its source, and of one retired because a full
#: export of its source no longer holds it.
UPDATED_AT_SOURCE = "diperbarui_sumber"
RETIRED_AT_SOURCE = "dihapus_sumber"
#: ``riwayat_insiden.alasan`` of a ``duplikat`` reopened because the batch of the incident it was
#: merged into was undone.
REOPENED = "gabung_dibatalkan"
#: Verification statuses that make an incident verified (as ``store.incidents.VERIFIED``), and the
#: status and pair status of a merge (as ``store.verification``, which imports this module).
_VERIFIED = ("diverifikasi_kab", "diverifikasi_prov")
_DUPLICATE, _PAIR_MERGED = "duplikat", "duplikat"


def _arrow(frame: pl.DataFrame):
    """The frame as Arrow for DuckDB, without copying strings (Arrow string views)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def open_batch(con: duckdb.DuckDBPyConnection, filename: str, sha256: str, preset: str, username: str, rows: int,
               region: str | None) -> int:
    """A new batch owned by the office ``region``; its id."""
    return con.execute(
        "INSERT INTO import_batches (nama_berkas, sha256, sumber, pengguna, baris, wilayah) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", [filename, sha256, preset, username, rows, region]).fetchall()[0][0]


def close_batch(con: duckdb.DuckDBPyConnection, batch: int, *, accepted: int, rejected: int, duplicates: int,
                updated: int, retired: int) -> None:
    """The batch's counts once its rows are written."""
    con.execute("UPDATE import_batches SET diterima = ?, ditolak = ?, duplikat = ?, diperbarui = ?, "
                "dihapus_sumber = ? WHERE id = ?", [accepted, rejected, duplicates, updated, retired, batch])


def _scope_sql(region: str | None, column: str = "i.kode_kab") -> tuple[str, list]:
    """SQL condition (and its parameters) that ``column`` lies in ``region`` (as ``auth.roles.in_scope``)."""
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


def insert_new(con: duckdb.DuckDBPyConnection, new: pl.DataFrame, batch: int) -> int:
    """Insert ``new`` (rows with ``hash_isi``, no duplicates left); return how many. Runs inside
    the caller's transaction.

    Narrow first, wide once: the duplicate check ran on a narrow key table (see
    :func:`duplicate_keys`), and only now are the full rows written, with ids reserved from the
    sequence beforehand (a ``nextval`` per row inside the INSERT would force DuckDB to write on
    one core).
    """
    if new.is_empty():
        return 0
    ids = con.sql("SELECT nextval('incidents_id') AS id FROM range(?)", params=[len(new)]).fetchnumpy()["id"]
    columns = ", ".join(["id", *INCIDENT_COLUMNS, "hash_isi"])
    with _registered(con, "_impor", new.with_columns(id=pl.Series(ids))):
        con.execute(f"INSERT INTO incidents ({columns}, batch_id) SELECT {columns}, ? FROM _impor", [batch])
    return len(new)


def duplicate_keys(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, region: str | None) -> pl.DataFrame:
    """Per row (same order): content hash, source, source id, and whether a stored incident has
    that hash (``hash_tersimpan``), that source id (``id_tersimpan``), and that source id inside
    ``region`` (``id_cakupan``). Retired incidents do not count."""
    scope, params = _scope_sql(region, "kode_kab")
    # EXISTS on equal columns: DuckDB's mark join on two plain keys, faster than IN over a row value
    stored = ("EXISTS (SELECT 1 FROM (SELECT sumber, id_sumber FROM incidents WHERE NOT dihapus AND {}) i "
              "WHERE i.sumber = k.sumber AND i.id_sumber = k.id_sumber)")
    in_scope = stored.format(scope) if region is not None else "id_tersimpan"
    with _registered(con, "_kunci", rows.select(KEY_COLUMNS).with_row_index("urut")):
        keys = pl.from_arrow(con.sql(
            "SELECT urut, hash_baru, sumber, id_sumber, hash_tersimpan, id_tersimpan, "
            f"  {in_scope} AS id_cakupan "
            "FROM (SELECT *, hash_baru IN (SELECT hash_isi FROM incidents WHERE NOT dihapus) AS hash_tersimpan, "
            f"      {stored.format('true')} AS id_tersimpan "
            f"      FROM (SELECT *, {CONTENT_HASH} AS hash_baru FROM _kunci) k) k", params=params).to_arrow_table())
    return keys.sort("urut").drop("urut")  # joins do not keep row order; the file's order decides


def update_changed(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, columns: list[str], batch: int,
                   username: str, region: str | None) -> int:
    """Update the stored incidents inside ``region`` that share a source id with ``rows``
    (one row per id, with ``hash_isi``) and differ in a column the file provides; return how many
    rows of the file updated one. Set-based: one join finds them, the old rows go to
    ``riwayat_insiden`` in one INSERT, one UPDATE … FROM writes the new versions."""
    if rows.is_empty():
        return 0
    changed = " OR ".join(f"i.{name} IS DISTINCT FROM n.{name}" for name in columns)
    scope, params = _scope_sql(region)
    fresh = rows.select("sumber", "id_sumber", "hash_isi", *columns).with_row_index("urut")
    with _registered(con, "_neu", fresh):
        targets = pl.from_arrow(con.sql(
            "SELECT i.id AS id_insiden, n.urut FROM incidents i "
            "JOIN _neu n ON i.sumber = n.sumber AND i.id_sumber = n.id_sumber "
            f"WHERE NOT i.dihapus AND {scope} AND ({changed})", params=params).to_arrow_table())
        if targets.is_empty():
            return 0
        with _registered(con, "_ziel", targets):
            _archive(con, "_ziel", batch, username, UPDATED_AT_SOURCE)
            sets = ", ".join(f"{name} = n.{name}" for name in [*columns, "hash_isi"])
            con.execute(f"UPDATE incidents SET {sets}, versi = incidents.versi + 1 "
                        "FROM _ziel z JOIN _neu n ON n.urut = z.urut WHERE incidents.id = z.id_insiden")
    return targets["urut"].n_unique()


def retire_missing(con: duckdb.DuckDBPyConnection, source: str, ids: pl.DataFrame, first: date, last: date,
                   batch: int, username: str, region: str | None) -> int:
    """Retire the stored incidents of ``source`` inside ``region``, dated from ``first`` to ``last``,
    whose source ids ``ids`` (one column ``id_sumber``) does not hold; return how many."""
    scope, params = _scope_sql(region)
    with _registered(con, "_ada", ids):
        targets = pl.from_arrow(con.sql(
            "SELECT i.id AS id_insiden FROM incidents i "
            "WHERE NOT EXISTS (SELECT 1 FROM _ada a WHERE a.id_sumber = i.id_sumber) "
            "AND NOT i.dihapus AND i.sumber = ? AND i.id_sumber IS NOT NULL AND i.tgl_mulai BETWEEN ? AND ? "
            f"AND {scope}", params=[source, first, last, *params]).to_arrow_table())
    if targets.is_empty():
        return 0
    with _registered(con, "_ziel", targets):
        _archive(con, "_ziel", batch, username, RETIRED_AT_SOURCE)
        con.execute("UPDATE incidents SET dihapus = true, versi = incidents.versi + 1 "
                    "FROM _ziel z WHERE incidents.id = z.id_insiden")
    return len(targets)


def _archive(con: duckdb.DuckDBPyConnection, targets: str, batch: int | None, username: str, reason: str) -> None:
    """Copy the incidents whose ids table ``targets`` lists (column ``id_insiden``) into
    ``riwayat_insiden`` as they are now: every column but the content hash, as JSON."""
    con.execute(
        "INSERT INTO riwayat_insiden (id_insiden, versi, diubah_oleh, batch_id, alasan, data) "
        "SELECT x.id, x.versi, ?, ?, ?, to_json(x) FROM (SELECT * EXCLUDE (hash_isi) FROM incidents "
        f"WHERE id IN (SELECT id_insiden FROM {targets})) x", [username, batch, reason])


def probable_duplicate_pairs(con: duckdb.DuckDBPyConnection, batch: int, days: int, km: float) -> pl.DataFrame:
    """Pairs (new of ``batch``, older from another source): same kabupaten and category, within
    ``days`` and ``km``; columns ``id_baru, id_lama, a, b`` (lower-cased titles), ``jarak_km``."""
    if getattr(con, "dialect", "duckdb") == "postgres":
        # Inside the import's transaction the server's statistics do not know the batch yet and
        # plan a nested loop over every row of its kabupaten (100k rows: 9 s); a hash join is 1 s.
        con.execute("SET LOCAL enable_nestloop = off")
    pairs = con.sql(
        "SELECT * FROM (SELECT n.id AS id_baru, o.id AS id_lama, lower(n.judul) AS a, lower(o.judul) AS b, "
        "  CASE WHEN n.lat IS NULL OR o.lat IS NULL THEN NULL ELSE "
        "  6371 * 2 * asin(sqrt(pow(sin(radians(o.lat - n.lat) / 2), 2) + cos(radians(n.lat)) * cos(radians(o.lat)) "
        "  * pow(sin(radians(o.lon - n.lon) / 2), 2))) END AS jarak_km "
        "FROM incidents n JOIN incidents o ON o.kode_kab = n.kode_kab AND o.kategori = n.kategori "
        # a date window (not abs(date_diff)) so a server walks its (kab, kategori, date) index
        "  AND o.tgl_mulai BETWEEN n.tgl_mulai - CAST(? AS INTEGER) AND n.tgl_mulai + CAST(? AS INTEGER) "
        "  AND o.batch_id <> n.batch_id AND o.sumber <> n.sumber AND NOT o.dihapus "
        "WHERE n.batch_id = ?) q WHERE jarak_km IS NULL OR jarak_km <= ?",
        params=[days, days, batch, km]).to_arrow_table()
    return pl.from_arrow(pairs)


def insert_probable_duplicates(con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame) -> None:
    """Queue pairs (``id_baru, id_lama, skor, jarak_km``) for review."""
    with _registered(con, "_duplikat", pairs):
        con.execute("INSERT INTO kemungkinan_duplikat (id_baru, id_lama, skor, jarak_km) "
                    "SELECT id_baru, id_lama, skor, jarak_km FROM _duplikat")


def batch_owner(con: duckdb.DuckDBPyConnection, batch: int) -> tuple[bool, str | None]:
    """``(open, owner office)`` of a batch: open is False when it does not exist or was undone."""
    found = con.execute("SELECT wilayah FROM import_batches WHERE id = ? AND dibatalkan_pada IS NULL",
                        [batch]).fetchall()
    return (True, found[0][0]) if found else (False, None)


def later_changes(con: duckdb.DuckDBPyConnection, batch: int) -> tuple[int | None, int]:
    """``(first later batch, count)`` of changes made after ``batch`` to incidents it added or changed."""
    later = con.execute(
        "SELECT min(r.batch_id), count(*) FROM riwayat_insiden r "
        "WHERE r.batch_id IS DISTINCT FROM ? AND (r.id_insiden IN (SELECT id FROM incidents WHERE batch_id = ?) "
        "  OR EXISTS (SELECT 1 FROM riwayat_insiden m WHERE m.batch_id = ? AND m.id_insiden = r.id_insiden "
        "             AND r.versi > m.versi))", [batch, batch, batch]).fetchall()[0]
    return later[0], int(later[1])


def verified_in_batch(con: duckdb.DuckDBPyConnection, batch: int) -> int:
    """How many incidents of ``batch`` are or were verified (``diverifikasi_kab``/``_prov`` now, or
    a verification step to it since): incidents the batch added, and incidents it changed that
    were verified after the change. Such a batch is not undone."""
    verified = ", ".join(f"'{status}'" for status in _VERIFIED)
    return int(con.execute(
        "SELECT count(DISTINCT id) FROM ("
        f"  SELECT id FROM incidents WHERE batch_id = ? AND status_verifikasi IN ({verified}) "
        "  UNION ALL "
        f"  SELECT s.id_insiden FROM verifikasi_langkah s WHERE s.ke IN ({verified}) "
        "  AND (s.id_insiden IN (SELECT id FROM incidents WHERE batch_id = ?) "
        "       OR EXISTS (SELECT 1 FROM riwayat_insiden m WHERE m.batch_id = ? AND m.id_insiden = s.id_insiden "
        "                  AND s.versi > m.versi))) q", [batch, batch, batch]).fetchone()[0])


def _reopen_merged(con: duckdb.DuckDBPyConnection, batch: int, *, actor: str, role: str, region: str | None,
                   now: datetime) -> int:
    """Give back the ``duplikat`` incidents merged into an incident ``batch`` added (about to be
    removed) the status they had before the merge (``diajukan`` when no step says), as a new
    version with the replaced one in ``riwayat_insiden`` and a verification step; how many. The
    merged pair goes with the removed incident, so the link is cleared."""
    last_step = ("SELECT id_insiden, dari FROM (SELECT id_insiden, dari, row_number() OVER (PARTITION BY id_insiden "
                 f"ORDER BY pada DESC, versi DESC) AS urut FROM verifikasi_langkah WHERE ke = '{_DUPLICATE}') q "
                 "WHERE urut = 1")
    targets = pl.from_arrow(con.sql(
        "SELECT d.id AS id_insiden, any_value(p.bertahan) AS bertahan, any_value(coalesce(l.dari, 'diajukan')) AS kembali "
        "FROM kemungkinan_duplikat p JOIN incidents d ON (d.id = p.id_baru OR d.id = p.id_lama) AND d.id <> p.bertahan "
        f"LEFT JOIN ({last_step}) l ON l.id_insiden = d.id "
        f"WHERE p.status = '{_PAIR_MERGED}' AND p.bertahan IN (SELECT id FROM incidents WHERE batch_id = ?) "
        f"AND d.status_verifikasi = '{_DUPLICATE}' AND NOT d.dihapus AND d.batch_id IS DISTINCT FROM ? "
        "GROUP BY d.id", params=[batch, batch]).to_arrow_table())
    if targets.is_empty():
        return 0
    with _registered(con, "_buka", targets):
        _archive(con, "_buka", None, actor, REOPENED)
        con.execute("UPDATE incidents SET status_verifikasi = b.kembali, versi = incidents.versi + 1 "
                    "FROM _buka b WHERE incidents.id = b.id_insiden")
        con.execute("INSERT INTO verifikasi_langkah (id_insiden, versi, dari, ke, catatan, oleh, peran, wilayah, "
                    "batch_id, pada) SELECT i.id, i.versi, ?, b.kembali, "
                    "'batch ' || ? || ' dibatalkan: insiden ' || b.bertahan || ' tempat laporan ini digabungkan "
                    "ikut dihapus, laporan ini dihitung lagi', ?, ?, ?, ?, ? "
                    "FROM incidents i JOIN _buka b ON b.id_insiden = i.id",
                    [_DUPLICATE, str(batch), actor, role, region, batch, now])
    return len(targets)


def remove_batch(con: duckdb.DuckDBPyConnection, batch: int, *, actor: str = "sistem", role: str = "sistem",
                 region: str | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Delete the incidents a batch added (and their duplicate pairs) and mark it undone; reopen the
    duplicates merged into them (see :func:`_reopen_merged`; ``actor``, ``role`` and ``region`` name
    who undid the batch in their history). ``(removed, reopened)``; inside the caller's transaction."""
    reopened = _reopen_merged(con, batch, actor=actor, role=role, region=region,
                              now=now or datetime.now(UTC).replace(tzinfo=None))
    con.execute("DELETE FROM kemungkinan_duplikat WHERE id_baru IN (SELECT id FROM incidents WHERE batch_id = ?) "
                "OR id_lama IN (SELECT id FROM incidents WHERE batch_id = ?)", [batch, batch])
    removed = con.execute("DELETE FROM incidents WHERE batch_id = ?", [batch]).fetchall()[0][0]
    con.execute("UPDATE import_batches SET dibatalkan_pada = current_timestamp WHERE id = ?", [batch])
    return int(removed), reopened


def restore_batch(con: duckdb.DuckDBPyConnection, batch: int) -> int:
    """Put every incident the batch changed back as its history row holds it (content hash
    recomputed), drop those history rows; return how many. Inside the caller's transaction."""
    columns = [(name, kind) for name, kind, *_ in con.execute("DESCRIBE incidents").fetchall()
               if name not in ("id", "hash_isi")]
    # a column added after the history row was written keeps its value
    sets = ", ".join(
        f"{_quote(name)} = CASE WHEN json_exists(r.data, '$.\"{name}\"') "
        f"THEN CAST(r.data->>'$.\"{name}\"' AS {kind}) ELSE incidents.{_quote(name)} END"
        for name, kind in columns)
    oldest = ("(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY id_insiden ORDER BY versi) AS urut "
              "FROM riwayat_insiden WHERE batch_id = ?) q WHERE urut = 1)")
    restored = con.execute(f"UPDATE incidents SET {sets} FROM {oldest} r WHERE incidents.id = r.id_insiden",
                           [batch]).fetchall()[0][0]
    con.execute(f"UPDATE incidents SET hash_isi = {CONTENT_HASH} "
                "WHERE id IN (SELECT id_insiden FROM riwayat_insiden WHERE batch_id = ?)", [batch])
    con.execute("DELETE FROM riwayat_insiden WHERE batch_id = ?", [batch])
    return restored


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every import batch, newest first (``wilayah`` = the owner office)."""
    return con.execute("SELECT id, nama_berkas, sumber, pengguna, wilayah, dibuat_pada, baris, diterima, diperbarui, "
                       "ditolak, duplikat, dihapus_sumber, sintetis, dibatalkan_pada FROM import_batches "
                       "ORDER BY id DESC").df()
