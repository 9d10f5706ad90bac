"""Verification of incidents: the SQL of a status change, a whole batch, a restore and a merge.

The rights (who may move which incident from which status to which) are checked by
:mod:`services.verifikasi`; every write here runs inside the caller's ``with transaction(con):``
and is optimistic: a single incident changes only while it is still at the version the actor
opened (``UPDATE … WHERE id = ? AND versi = ?``), and the version it replaces goes to
``riwayat_insiden`` first. Reads return codes, counts and ids only; content is read through
:func:`store.incidents.query_incidents` (scope and clearance applied there).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb
import pandas as pd

from store.imports import CONTENT_HASH
from store.vocab import SETTLED_COLOUR

__all__ = ["PAIR_DISTINCT", "PAIR_MERGED", "PAIR_OPEN", "RESTORED", "STATUS_CHANGED", "batch_info",
           "batches_waiting", "duplicate_pairs", "incident_keys", "inbox_counts", "log_step", "merged_into", "queue_ids",
           "add_follow_up", "case_rows", "follow_ups", "recurrences", "restore_version", "set_pair_status",
           "set_status", "steps", "verify_batch", "version_data"]

#: ``riwayat_insiden.alasan`` of a version replaced by a change of status, and by a restore.
STATUS_CHANGED = "status_verifikasi"
RESTORED = "dipulihkan"
#: ``kemungkinan_duplikat.status``: waiting, merged, reviewed as two different events.
PAIR_OPEN, PAIR_MERGED, PAIR_DISTINCT = "perlu_tinjau", "duplikat", "bukan_duplikat"
#: Columns a restore never takes from an old version: identity, workflow and provenance.
_KEEP = ("id", "hash_isi", "batch_id", "sumber", "versi", "dihapus", "status_verifikasi", "dibuat_oleh",
         "dibuat_pada")
_ARCHIVE = ("INSERT INTO riwayat_insiden (id_insiden, versi, diubah_pada, diubah_oleh, batch_id, alasan, data) "
            "SELECT x.id, x.versi, ?, ?, NULL, ?, to_json(x) FROM (SELECT * EXCLUDE (hash_isi) FROM incidents "
            "WHERE id = ? AND versi = ? AND NOT dihapus) x")


def incident_keys(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> pd.DataFrame:
    """Codes of incidents ``ids`` (never shown, used for rights and to narrow a scoped read):
    ``id, kode_prov, kode_kab, kode_kec, kategori, tgl_mulai, status_verifikasi, versi, klasifikasi,
    dibuat_oleh, batch_id, sumber``."""
    return con.execute(
        "SELECT id, kode_prov, kode_kab, kode_kec, kategori, tgl_mulai, status_verifikasi, versi, klasifikasi, "
        "dibuat_oleh, batch_id, sumber FROM incidents WHERE NOT dihapus AND list_contains(?, id) "
        "ORDER BY id", [[int(i) for i in ids]]).df()


def set_status(con: duckdb.DuckDBPyConnection, incident: int, versi: int, status: str, *, actor: str,
               now: datetime, return_note: str | None = None) -> int | None:
    """Move one incident to ``status`` if it is still at ``versi``; the new version, or None
    when it changed in between (nothing written then; the caller rolls back).

    ``return_note`` is kept on a form report (``laporan.catatan_kembali``) so its office reads why
    it came back.
    """
    archived = con.execute(_ARCHIVE, [now, actor, STATUS_CHANGED, incident, versi]).fetchone()[0]
    if not archived:
        return None
    new = con.execute("UPDATE incidents SET status_verifikasi = ?, versi = versi + 1 "
                      "WHERE id = ? AND versi = ? RETURNING versi", [status, incident, versi]).fetchall()
    if not new:
        return None
    if return_note is not None:
        con.execute("UPDATE laporan SET catatan_kembali = ?, diubah_pada = ? WHERE id_insiden = ?",
                    [return_note, now, incident])
    return int(new[0][0])


def log_step(con: duckdb.DuckDBPyConnection, incident: int, versi: int, dari: str, ke: str, note: str | None, *,
             actor: str, role: str, region: str | None, now: datetime, batch: int | None = None) -> None:
    """One row of ``verifikasi_langkah``."""
    con.execute("INSERT INTO verifikasi_langkah VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [incident, versi, dari, ke, note, actor, role, region, batch, now])


def steps(con: duckdb.DuckDBPyConnection, incident: int) -> pd.DataFrame:
    """Verification steps of an incident, newest first: ``versi, dari, ke, catatan, oleh, peran,
    wilayah, batch_id, pada``."""
    return con.execute("SELECT versi, dari, ke, catatan, oleh, peran, wilayah, batch_id, pada "
                       "FROM verifikasi_langkah WHERE id_insiden = ? ORDER BY pada DESC, versi DESC",
                       [int(incident)]).df()


def batch_info(con: duckdb.DuckDBPyConnection, batch: int) -> tuple[str, bool] | None:
    """``(sumber, open)`` of an import batch (open: not undone), or None."""
    found = con.execute("SELECT sumber, dibatalkan_pada IS NULL FROM import_batches WHERE id = ?",
                        [int(batch)]).fetchall()
    return (str(found[0][0]), bool(found[0][1])) if found else None


def _region_sql(region: str | None, alias: str = "") -> tuple[str, list]:
    if region is None:
        return "true", []
    column = f"{alias}kode_prov" if len(region) == 2 else f"{alias}kode_kab"
    return f"{column} = ?", [region]


def verify_batch(con: duckdb.DuckDBPyConnection, batch: int, dari: str, ke: str, *, region: str | None,
                 actor: str, role: str, note: str | None, now: datetime, max_clearance: int,
                 levels: dict[str, int]) -> int:
    """Move every incident of ``batch`` at status ``dari`` inside ``region`` and within the
    actor's clearance (``max_clearance`` on ``levels``) to ``ke``: one history row and one
    step each; how many. Inside the caller's transaction."""
    where, params = _region_sql(region)
    allowed = [name for name, level in levels.items() if level <= max_clearance]
    selected = (f"SELECT id FROM incidents WHERE batch_id = ? AND status_verifikasi = ? AND NOT dihapus AND {where} "
                "AND list_contains(?, klasifikasi)")
    selected_params = [int(batch), dari, *params, allowed]
    con.execute("CREATE OR REPLACE TEMP TABLE _verifikasi_batch AS " + selected, selected_params)
    con.execute("INSERT INTO riwayat_insiden (id_insiden, versi, diubah_pada, diubah_oleh, batch_id, alasan, data) "
                "SELECT x.id, x.versi, ?, ?, NULL, ?, to_json(x) FROM (SELECT * EXCLUDE (hash_isi) FROM incidents "
                "WHERE id IN (SELECT id FROM _verifikasi_batch)) x", [now, actor, STATUS_CHANGED])
    changed = con.execute("UPDATE incidents SET status_verifikasi = ?, versi = versi + 1 "
                          "WHERE id IN (SELECT id FROM _verifikasi_batch)", [ke]).fetchall()[0][0]
    con.execute("INSERT INTO verifikasi_langkah SELECT i.id, i.versi, ?, ?, ?, ?, ?, ?, ?, ? FROM incidents i "
                "WHERE i.id IN (SELECT id FROM _verifikasi_batch)", [dari, ke, note, actor, role, region, batch, now])
    con.execute("DROP TABLE _verifikasi_batch")
    return int(changed)


def version_data(con: duckdb.DuckDBPyConnection, incident: int, versi: int) -> str | None:
    """The stored JSON text of version ``versi`` of an incident (from ``riwayat_insiden``), or None."""
    found = con.execute("SELECT data::VARCHAR FROM riwayat_insiden WHERE id_insiden = ? AND versi = ? "
                        "ORDER BY diubah_pada DESC LIMIT 1", [int(incident), int(versi)]).fetchall()
    return found[0][0] if found else None


def restore_version(con: duckdb.DuckDBPyConnection, incident: int, versi: int, old: int, *, actor: str,
                    now: datetime) -> int | None:
    """Make version ``old`` the content of the incident again, as a new version (the current one
    goes to the history first); the new version, or None when the incident changed after
    ``versi`` or ``old`` is not stored. Workflow and provenance columns stay as they are."""
    if version_data(con, incident, old) is None:
        return None
    archived = con.execute(_ARCHIVE, [now, actor, RESTORED, incident, versi]).fetchone()[0]
    if not archived:
        return None
    columns = [(name, kind) for name, kind, *_ in con.execute("DESCRIBE incidents").fetchall() if name not in _KEEP]
    sets = ", ".join(
        f'"{name}" = CASE WHEN json_exists(r.data, \'$."{name}"\') '
        f'THEN CAST(r.data->>\'$."{name}"\' AS {kind}) ELSE incidents."{name}" END' for name, kind in columns)
    old_row = ("(SELECT data FROM riwayat_insiden WHERE id_insiden = ? AND versi = ? "
               "ORDER BY diubah_pada DESC LIMIT 1)")
    new = con.execute(f"UPDATE incidents SET {sets}, versi = incidents.versi + 1 FROM {old_row} r "
                      "WHERE incidents.id = ? AND incidents.versi = ? RETURNING incidents.versi",
                      [int(incident), int(old), int(incident), int(versi)]).fetchall()
    if not new:
        return None
    con.execute(f"UPDATE incidents SET hash_isi = {CONTENT_HASH} WHERE id = ?", [int(incident)])
    return int(new[0][0])


def duplicate_pairs(con: duckdb.DuckDBPyConnection, region: str | None, *, limit: int = 200) -> pd.DataFrame:
    """Probable duplicates waiting for review whose two incidents both lie inside ``region`` and
    are still counted (neither merged nor removed): ``id_baru, id_lama, skor, jarak_km``, best
    score first."""
    new_where, params = _region_sql(region, "n.")
    old_where, old_params = _region_sql(region, "o.")
    return con.execute(
        "SELECT p.id_baru, p.id_lama, p.skor, p.jarak_km FROM kemungkinan_duplikat p "
        "JOIN incidents n ON n.id = p.id_baru JOIN incidents o ON o.id = p.id_lama "
        f"WHERE p.status = ? AND NOT n.dihapus AND NOT o.dihapus AND {new_where} AND {old_where} "
        "AND coalesce(n.status_verifikasi, '') <> 'duplikat' AND coalesce(o.status_verifikasi, '') <> 'duplikat' "
        "ORDER BY p.skor DESC, p.id_baru LIMIT ?", [PAIR_OPEN, *params, *old_params, int(limit)]).df()


def set_pair_status(con: duckdb.DuckDBPyConnection, id_baru: int, id_lama: int, status: str, *, actor: str,
                    now: datetime, survivor: int | None = None) -> int:
    """Mark a pair reviewed (``survivor``: the one that stays after a merge); how many rows (0: no
    such pair waiting)."""
    return int(con.execute(
        "UPDATE kemungkinan_duplikat SET status = ?, bertahan = ?, ditinjau_oleh = ?, ditinjau_pada = ? "
        "WHERE id_baru = ? AND id_lama = ? AND status = ?",
        [status, survivor, actor, now, int(id_baru), int(id_lama), PAIR_OPEN]).fetchall()[0][0])


def merged_into(con: duckdb.DuckDBPyConnection, incident: int) -> int | None:
    """The incident a ``duplikat`` was merged into (None: not merged)."""
    found = con.execute("SELECT bertahan FROM kemungkinan_duplikat WHERE status = ? AND bertahan IS NOT NULL "
                        "AND (id_baru = ? OR id_lama = ?) AND bertahan <> ? ORDER BY ditinjau_pada DESC LIMIT 1",
                        [PAIR_MERGED, int(incident), int(incident), int(incident)]).fetchall()
    return int(found[0][0]) if found else None


def inbox_counts(con: duckdb.DuckDBPyConnection, region: str | None, username: str) -> dict[str, int]:
    """Counts for a user's inbox (no content): incidents inside ``region`` per verification status
    (``status:<kode>``), those at ``dikembalikan`` that ``username`` wrote (``dikembalikan_saya``)
    and probable duplicates waiting inside the region (``duplikat``)."""
    where, params = _region_sql(region)
    counts = {f"status:{status}": int(n) for status, n in con.execute(
        f"SELECT status_verifikasi, count(*) FROM incidents WHERE NOT dihapus AND {where} GROUP BY 1",
        params).fetchall()}
    counts["dikembalikan_saya"] = int(con.execute(
        "SELECT count(*) FROM incidents WHERE NOT dihapus AND status_verifikasi = 'dikembalikan' "
        "AND dibuat_oleh = ?", [username]).fetchone()[0])
    new_where, new_params = _region_sql(region, "n.")
    old_where, old_params = _region_sql(region, "o.")
    counts["duplikat"] = int(con.execute(
        "SELECT count(*) FROM kemungkinan_duplikat p JOIN incidents n ON n.id = p.id_baru "
        "JOIN incidents o ON o.id = p.id_lama "
        f"WHERE p.status = ? AND NOT n.dihapus AND NOT o.dihapus AND {new_where} AND {old_where} "
        "AND coalesce(n.status_verifikasi, '') <> 'duplikat' AND coalesce(o.status_verifikasi, '') <> 'duplikat'",
        [PAIR_OPEN, *new_params, *old_params]).fetchone()[0])
    return counts


def queue_ids(con: duckdb.DuckDBPyConnection, region: str | None, statuses: Iterable[str], *,
              limit: int = 500) -> list[int]:
    """Ids of incidents inside ``region`` at one of ``statuses``, oldest first (waiting longest)."""
    where, params = _region_sql(region)
    rows = con.execute(f"SELECT id FROM incidents WHERE NOT dihapus AND list_contains(?, status_verifikasi) AND {where} "
                       "ORDER BY dibuat_pada, id LIMIT ?", [list(statuses), *params, int(limit)]).fetchall()
    return [int(r[0]) for r in rows]


def batches_waiting(con: duckdb.DuckDBPyConnection, region: str | None, sources: Iterable[str],
                    status: str) -> pd.DataFrame:
    """Open import batches of ``sources`` with incidents inside ``region`` at ``status``:
    ``id, nama_berkas, sumber, dibuat_pada, menunggu`` (newest first)."""
    where, params = _region_sql(region, "i.")
    return con.execute(
        "SELECT b.id, b.nama_berkas, b.sumber, b.dibuat_pada, count(*) AS menunggu FROM import_batches b "
        "JOIN incidents i ON i.batch_id = b.id WHERE b.dibatalkan_pada IS NULL AND list_contains(?, b.sumber) "
        f"AND NOT i.dihapus AND i.status_verifikasi = ? AND {where} GROUP BY ALL ORDER BY b.dibuat_pada DESC, b.id DESC",
        [list(sources), status, *params]).df()


# --- cases: follow-ups, open cases, recurrences ------------------------------------------------------

#: Incidents that count as a case: submitted and not returned, refused or merged.
_COUNTED = "coalesce({a}status_verifikasi, '') NOT IN ('draft', 'dikembalikan', 'ditolak', 'duplikat')"


def add_follow_up(con: duckdb.DuckDBPyConnection, incident: int, *, tanggal, tindakan: str, instansi: str | None,
                  hasil: str | None, actor: str, region: str | None, now: datetime) -> int:
    """Record one follow-up of an incident; its id. Inside the caller's transaction."""
    return int(con.execute(
        "INSERT INTO tindak_lanjut (id_insiden, tanggal, tindakan, instansi, hasil, dicatat_oleh, wilayah, "
        "dicatat_pada) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [int(incident), tanggal, tindakan, instansi, hasil, actor, region, now]).fetchone()[0])


def follow_ups(con: duckdb.DuckDBPyConnection, incident: int) -> pd.DataFrame:
    """Follow-ups of an incident, oldest first: ``id, tanggal, tindakan, instansi, hasil, dicatat_oleh,
    dicatat_pada``."""
    return con.execute("SELECT id, tanggal, tindakan, instansi, hasil, dicatat_oleh, dicatat_pada FROM tindak_lanjut "
                       "WHERE id_insiden = ? ORDER BY tanggal, id", [int(incident)]).df()


def case_rows(con: duckdb.DuckDBPyConnection, region: str | None, *, limit: int = 2000) -> pd.DataFrame:
    """Open cases inside ``region`` (counted incidents whose handling is not settled), oldest
    submission first, codes and dates only: ``id, kode_kab, status_verifikasi, status_penanganan,
    diajukan_pada, diverifikasi_pada, tindak_lanjut_pertama, tindak_lanjut``."""
    where, params = _region_sql(region, "i.")
    return con.execute(
        "SELECT i.id, i.kode_kab, i.status_verifikasi, i.status_penanganan, "
        "coalesce(l.diajukan_pada, i.dibuat_pada) AS diajukan_pada, v.pada AS diverifikasi_pada, "
        "t.pertama AS tindak_lanjut_pertama, coalesce(t.jumlah, 0) AS tindak_lanjut "
        "FROM incidents i LEFT JOIN laporan l ON l.id_insiden = i.id "
        "LEFT JOIN vocab s ON s.daftar = 'status_penanganan' AND s.kode = i.status_penanganan "
        "LEFT JOIN (SELECT id_insiden, min(pada) AS pada FROM verifikasi_langkah "
        "           WHERE ke IN ('diverifikasi_kab', 'diverifikasi_prov') GROUP BY 1) v ON v.id_insiden = i.id "
        "LEFT JOIN (SELECT id_insiden, min(tanggal) AS pertama, count(*) AS jumlah FROM tindak_lanjut GROUP BY 1) t "
        "  ON t.id_insiden = i.id "
        f"WHERE NOT i.dihapus AND {_COUNTED.format(a='i.')} AND coalesce(s.atribut, '') <> ? AND {where} "
        "ORDER BY diajukan_pada, i.id LIMIT ?", [SETTLED_COLOUR, *params, int(limit)]).df()


def recurrences(con: duckdb.DuckDBPyConnection, region: str | None, days: int) -> pd.DataFrame:
    """Incidents inside ``region`` that began 0 to ``days`` days after an incident of the same
    kecamatan and kategori was settled (status colour :data:`store.vocab.SETTLED_COLOUR`):
    ``id, id_selesai, selesai, hari`` (the nearest settled case each). The day a case was settled is
    its ``tgl_selesai``, else its last follow-up, else its start."""
    where, params = _region_sql(region, "n.")
    return con.execute(
        "WITH selesai AS (SELECT i.id, i.kode_kec, i.kategori, "
        "  coalesce(i.tgl_selesai, t.terakhir, i.tgl_mulai) AS selesai FROM incidents i "
        "  JOIN vocab s ON s.daftar = 'status_penanganan' AND s.kode = i.status_penanganan AND s.atribut = ? "
        "  LEFT JOIN (SELECT id_insiden, max(tanggal) AS terakhir FROM tindak_lanjut GROUP BY 1) t "
        "    ON t.id_insiden = i.id "
        f"  WHERE NOT i.dihapus AND {_COUNTED.format(a='i.')} AND i.kode_kec IS NOT NULL) "
        "SELECT id, id_selesai, selesai, hari FROM (SELECT n.id, s.id AS id_selesai, s.selesai, "
        "date_diff('day', s.selesai, n.tgl_mulai) AS hari, row_number() OVER (PARTITION BY n.id "
        "ORDER BY date_diff('day', s.selesai, n.tgl_mulai), s.id) AS urut "
        "FROM incidents n JOIN selesai s ON s.kode_kec = n.kode_kec AND s.kategori = n.kategori AND s.id <> n.id "
        f"WHERE NOT n.dihapus AND {_COUNTED.format(a='n.')} AND {where} "
        "AND date_diff('day', s.selesai, n.tgl_mulai) BETWEEN 0 AND ? "
        ") q WHERE urut = 1 ORDER BY id", [SETTLED_COLOUR, *params, int(days)]).df()
