"""Reports filed through the Lapor form: one incident row each, its number and LAPSITDA day.

The writing functions run inside the caller's ``with transaction(con):`` (the application layer,
:mod:`services.lapor`, checks role and scope and writes the audit row in the same transaction).
Reads of a report's content go through :func:`store.incidents.query_incidents` — the user's scope
and clearance apply there — and :func:`read_reports` only adds the form's own columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import duckdb
import pandas as pd

from store.imports import CONTENT_HASH  # the import's content hash: one definition
from store.incidents import CLEARANCE_LEVELS, IncidentFilter, Scope, query_incidents

__all__ = ["CORRECTED", "REPORT_COLUMNS", "day_report_counts", "history", "insert_report", "list_reports",
           "office_day_reports", "read_reports", "report_keys", "reserve_number", "return_report",
           "update_report"]

#: Incident columns a form report writes (the import's columns plus the form's extra fields).
REPORT_COLUMNS = (
    "id_sumber", "tgl_mulai", "tgl_selesai", "presisi_waktu", "kode_prov", "kode_kab", "kode_kec", "lat", "lon",
    "presisi_lokasi", "status_lokasi", "kategori", "subkategori", "bentuk", "sifat", "bidang", "athg",
    "aktor1", "tipe_aktor1", "aktor2", "tipe_aktor2", "tewas", "luka", "pengungsi", "eskalasi",
    "status_penanganan", "instansi_penanganan", "rekomendasi", "judul", "kronologi", "analisis", "sumber_info",
    "klasifikasi", "status_verifikasi",
)
#: ``riwayat_insiden.alasan`` of a version replaced by a correction through the form.
CORRECTED = "dikoreksi"
#: The form's own columns as :func:`read_reports` names them.
_META = {"nomor": "nomor", "jenis": "jenis", "kode_kantor": "kode_kantor", "tanggal_lapsitda": "tanggal_lapsitda",
         "lokasi": "lokasi", "catatan_kembali": "catatan_kembali", "dibuat_oleh": "pelapor",
         "dibuat_pada": "dicatat_pada", "diajukan_pada": "diajukan_pada", "diubah_pada": "dikoreksi_pada"}
#: Form columns that are free text or name a person: hidden, like the incident's own, above the clearance.
_META_TEXT = ("lokasi", "catatan_kembali", "pelapor")


def _types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute("DESCRIBE incidents").fetchall()}


def reserve_number(con: duckdb.DuckDBPyConnection, office: str) -> str:
    """A new report number for ``office``: ``LAP-63.72-000012`` (never reused)."""
    n = con.execute("SELECT nextval('laporan_nomor')").fetchone()[0]
    return f"LAP-{office}-{n:06d}"


def insert_report(con: duckdb.DuckDBPyConnection, row: Mapping, *, nomor: str, jenis: str, office: str,
                  tanggal_lapsitda: date, lokasi: str | None, author: str, author_region: str | None,
                  now: datetime) -> int:
    """Insert one form report (its own one-row import batch) and return the incident id.

    ``row`` holds :data:`REPORT_COLUMNS` (``id_sumber`` is set to ``nomor``). Runs inside the
    caller's transaction.
    """
    batch = con.execute(
        "INSERT INTO import_batches (nama_berkas, sumber, pengguna, baris, diterima, wilayah, catatan) "
        "VALUES (?, 'formulir', ?, 1, 1, ?, 'laporan dari formulir Lapor') RETURNING id",
        [f"formulir {nomor}", author, author_region]).fetchone()[0]
    incident = con.execute("SELECT nextval('incidents_id')").fetchone()[0]
    types = _types(con)
    values = {**{name: row.get(name) for name in REPORT_COLUMNS}, "id_sumber": nomor}
    typed = ", ".join(f"CAST(? AS {types[name]}) AS {name}" for name in REPORT_COLUMNS)
    columns = ", ".join(REPORT_COLUMNS)
    con.execute(
        f"INSERT INTO incidents (id, batch_id, sumber, dibuat_oleh, dibuat_pada, {columns}, hash_isi) "
        f"SELECT ?, ?, 'sigap', ?, ?, {columns}, {CONTENT_HASH} FROM (SELECT 'sigap' AS sumber, {typed}) k",
        [incident, batch, author, now, *[values[name] for name in REPORT_COLUMNS]])
    submitted = now if values["status_verifikasi"] != "draft" else None
    con.execute(
        "INSERT INTO laporan (id_insiden, nomor, jenis, kode_kantor, tanggal_lapsitda, lokasi, dibuat_oleh, "
        "dibuat_pada, diajukan_pada) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [incident, nomor, jenis, office, tanggal_lapsitda, lokasi, author, now, submitted])
    return int(incident)


def update_report(con: duckdb.DuckDBPyConnection, incident: int, versi: int, row: Mapping, *, jenis: str,
                  office: str, tanggal_lapsitda: date, lokasi: str | None, editor: str,
                  now: datetime) -> int | None:
    """Replace a report's content if it is still at ``versi``; return the new version, or None
    when someone saved it in between (nothing is written then).

    The version replaced goes to ``riwayat_insiden`` (alasan :data:`CORRECTED`). Runs inside the
    caller's transaction (which the caller rolls back on None).
    """
    archived = con.execute(
        "INSERT INTO riwayat_insiden (id_insiden, versi, diubah_pada, diubah_oleh, batch_id, alasan, data) "
        "SELECT x.id, x.versi, ?, ?, NULL, ?, to_json(x) FROM (SELECT * EXCLUDE (hash_isi) FROM incidents "
        "WHERE id = ? AND versi = ? AND NOT dihapus) x", [now, editor, CORRECTED, incident, versi]).fetchone()[0]
    if not archived:
        return None
    columns = [name for name in REPORT_COLUMNS if name != "id_sumber"]
    sets = ", ".join(f"{name} = ?" for name in columns)
    new = con.execute(
        f"UPDATE incidents SET {sets}, versi = versi + 1 WHERE id = ? AND versi = ? RETURNING versi",
        [*[row.get(name) for name in columns], incident, versi]).fetchall()
    if not new:
        return None
    con.execute(f"UPDATE incidents SET hash_isi = {CONTENT_HASH} WHERE id = ?", [incident])
    submitted = now if row.get("status_verifikasi") != "draft" else None
    con.execute(
        "UPDATE laporan SET jenis = ?, kode_kantor = ?, tanggal_lapsitda = ?, lokasi = ?, diubah_pada = ?, "
        "diajukan_pada = coalesce(diajukan_pada, ?) WHERE id_insiden = ?",
        [jenis, office, tanggal_lapsitda, lokasi, now, submitted, incident])
    return int(new[0][0])


def return_report(con: duckdb.DuckDBPyConnection, incident: int, versi: int, reason: str, editor: str,
                  now: datetime) -> int | None:
    """Send a submitted report back to its office for correction (status ``dikembalikan``, reason kept);
    return the new version or None when the report changed in between."""
    archived = con.execute(
        "INSERT INTO riwayat_insiden (id_insiden, versi, diubah_pada, diubah_oleh, batch_id, alasan, data) "
        "SELECT x.id, x.versi, ?, ?, NULL, 'dikembalikan', to_json(x) FROM (SELECT * EXCLUDE (hash_isi) "
        "FROM incidents WHERE id = ? AND versi = ? AND NOT dihapus) x", [now, editor, incident, versi]).fetchone()[0]
    if not archived:
        return None
    new = con.execute("UPDATE incidents SET status_verifikasi = 'dikembalikan', versi = versi + 1 "
                      "WHERE id = ? AND versi = ? RETURNING versi", [incident, versi]).fetchall()
    if not new:
        return None
    con.execute("UPDATE laporan SET catatan_kembali = ?, diubah_pada = ? WHERE id_insiden = ?",
                [reason, now, incident])
    return int(new[0][0])


def report_keys(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> pd.DataFrame:
    """``id, kode_kab, tgl_mulai`` of form reports (codes and dates only: what a scoped read needs to
    narrow its query; never shown)."""
    ids = [int(i) for i in ids]
    if not ids:
        return pd.DataFrame({"id": pd.Series(dtype="int64"), "kode_kab": pd.Series(dtype=object),
                             "tgl_mulai": pd.Series(dtype="datetime64[us]")})
    return con.execute("SELECT i.id, i.kode_kab, i.tgl_mulai FROM incidents i JOIN laporan l ON l.id_insiden = i.id "
                       "WHERE NOT i.dihapus AND list_contains(?, i.id)", [ids]).df()


def read_reports(con: duckdb.DuckDBPyConnection, ids: Iterable[int], scope: Scope) -> pd.DataFrame:
    """Form reports ``ids`` as ``scope`` may see them: the incident through
    :func:`~store.incidents.query_incidents` (scope, clearance redaction) plus the form's columns
    (``nomor, jenis, kode_kantor, tanggal_lapsitda, lokasi, catatan_kembali, pelapor, dicatat_pada,
    diajukan_pada, dikoreksi_pada``; its free text hidden above the clearance too) and ``tertutup``
    (the row is above the user's clearance).

    Reports outside the scope are simply absent.
    """
    keys = report_keys(con, ids)
    if keys.empty:
        return _empty_reports(con)
    kabs = keys["kode_kab"].unique()
    flt = IncidentFilter(date_from=pd.Timestamp(keys["tgl_mulai"].min()).date(),
                         date_to=pd.Timestamp(keys["tgl_mulai"].max()).date(),
                         kab=kabs[0] if len(kabs) == 1 else None, include_drafts=True)
    rows = query_incidents(con, flt, scope)
    rows = rows.loc[rows["id"].isin(keys["id"])]
    selected = ", ".join(f"{column} AS {name}" for column, name in _META.items())
    meta = con.execute(f"SELECT id_insiden AS id, {selected} FROM laporan WHERE list_contains(?, id_insiden)",
                       [[int(i) for i in rows["id"]]]).df()
    out = rows.merge(meta, on="id", how="left")
    out["tertutup"] = out["klasifikasi"].map(CLEARANCE_LEVELS).fillna(99) > CLEARANCE_LEVELS[scope.clearance]
    for name in _META_TEXT:
        out[name] = out[name].where(~out["tertutup"], None)
    return out.reset_index(drop=True)


def _empty_reports(con) -> pd.DataFrame:
    columns = [d[0] for d in con.execute("SELECT * FROM incidents LIMIT 0").description if d[0] != "hash_isi"]
    return pd.DataFrame(columns=[*columns, "sintetis", *_META.values(), "tertutup"])


def list_reports(con: duckdb.DuckDBPyConnection, region: str | None, *, author: str | None = None,
                 office: str | None = None, tanggal: date | None = None, date_from: date | None = None,
                 date_to: date | None = None, submitted: bool | None = None, kinds: tuple[str, ...] = (),
                 limit: int = 500) -> list[int]:
    """Ids of form reports of offices inside ``region`` (newest first), narrowed by the arguments.

    Only ids: the caller reads them through :func:`read_reports` with the user's scope.
    """
    parts: list[str] = []
    params: list = []
    if region is not None:
        parts.append("(l.kode_kantor = ? OR starts_with(l.kode_kantor, ?))")
        params += [region, region + "."]
    for clause, value in (("l.dibuat_oleh = ?", author), ("l.kode_kantor = ?", office),
                          ("l.tanggal_lapsitda = ?", tanggal), ("l.tanggal_lapsitda >= ?", date_from),
                          ("l.tanggal_lapsitda <= ?", date_to)):
        if value is not None:
            parts.append(clause)
            params.append(value)
    if submitted is not None:
        parts.append("l.diajukan_pada IS NOT NULL" if submitted else "l.diajukan_pada IS NULL")
    if kinds:
        parts.append("list_contains(?, l.jenis)")
        params.append(list(kinds))
    where = " AND ".join(["NOT i.dihapus", *parts])
    rows = con.execute(f"SELECT l.id_insiden FROM laporan l JOIN incidents i ON i.id = l.id_insiden WHERE {where} "
                       "ORDER BY coalesce(l.diubah_pada, l.dibuat_pada) DESC, l.id_insiden DESC LIMIT ?",
                       [*params, int(limit)]).fetchall()
    return [int(r[0]) for r in rows]


def office_day_reports(con: duckdb.DuckDBPyConnection, office: str, tanggal: date) -> tuple[list[int], list[int]]:
    """Submitted and draft report ids of ``office`` for its LAPSITDA of ``tanggal``."""
    rows = con.execute(
        "SELECT l.id_insiden, l.diajukan_pada IS NOT NULL FROM laporan l JOIN incidents i ON i.id = l.id_insiden "
        "WHERE NOT i.dihapus AND l.kode_kantor = ? AND l.tanggal_lapsitda = ? ORDER BY l.id_insiden",
        [office, tanggal]).fetchall()
    return [int(i) for i, done in rows if done], [int(i) for i, done in rows if not done]


def day_report_counts(con: duckdb.DuckDBPyConnection, region: str | None, start: date, end: date) -> pd.DataFrame:
    """Submitted form reports per office and LAPSITDA day inside ``region``: ``kode_kantor, tanggal,
    laporan, atensi`` (atensi and khusus). Counts only, no content."""
    where, params = "true", []
    if region is not None:
        where, params = "(l.kode_kantor = ? OR starts_with(l.kode_kantor, ?))", [region, region + "."]
    return con.execute(
        "SELECT l.kode_kantor, l.tanggal_lapsitda AS tanggal, count(*) AS laporan, "
        "count(*) FILTER (WHERE l.jenis IN ('atensi', 'khusus')) AS atensi "
        "FROM laporan l JOIN incidents i ON i.id = l.id_insiden "
        f"WHERE NOT i.dihapus AND l.diajukan_pada IS NOT NULL AND l.tanggal_lapsitda BETWEEN ? AND ? AND {where} "
        "GROUP BY 1, 2 ORDER BY 1, 2", [start, end, *params]).df()


def history(con: duckdb.DuckDBPyConnection, incident: int) -> pd.DataFrame:
    """Earlier versions of an incident, newest first: ``versi, diubah_pada, diubah_oleh, alasan, data``
    (``data``: the version as JSON text). The caller decides what a user may see of it."""
    return con.execute("SELECT versi, diubah_pada, diubah_oleh, alasan, data::VARCHAR AS data FROM riwayat_insiden "
                       "WHERE id_insiden = ? ORDER BY versi DESC", [int(incident)]).df()
