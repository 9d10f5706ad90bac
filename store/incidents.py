"""The one way to read incidents: every query applies the user's scope and clearance here.

Pages, maps, profile panels and exports call :func:`query_incidents` or
:func:`aggregate_by_region`; none writes its own ``SELECT … FROM incidents``. Scope and
clearance come from the server-side user record (see ``auth/``), never from a widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

__all__ = [
    "CLEARANCE_LEVELS",
    "REDACTED_TEXT",
    "IncidentFilter",
    "Scope",
    "aggregate_by_region",
    "query_incidents",
    "where_clause",
]

CLEARANCE_LEVELS = {"Biasa": 0, "Terbatas": 1, "Rahasia": 2}
#: Text columns hidden from users without clearance for an incident's classification.
TEXT_COLUMNS = (
    "judul", "kronologi", "analisis", "sumber_info", "aktor1", "aktor2", "rekomendasi",
    "instansi_penanganan", "id_sumber",
)
REDACTED_TEXT = "[dirahasiakan]"


@dataclass(frozen=True)
class Scope:
    """What a user may see: a region (None = national) and a clearance level.

    ``region`` is a Kemendagri code: ``"63"`` (a province) or ``"63.72"`` (a kabupaten/kota).
    """

    region: str | None = None
    clearance: str = "Terbatas"

    def __post_init__(self):
        if self.region is not None and len(self.region) not in (2, 5):
            raise ValueError(f"kode wilayah cakupan tidak sah: {self.region!r} (contoh: '63' atau '63.72')")
        if self.clearance not in CLEARANCE_LEVELS:
            raise ValueError(
                f"tingkat izin tidak dikenal: {self.clearance!r} (pilihan: {', '.join(CLEARANCE_LEVELS)})"
            )


@dataclass(frozen=True)
class IncidentFilter:
    """What the user asked for on a page or on the command line (all optional)."""

    date_from: date | None = None
    date_to: date | None = None
    prov: str | None = None
    kab: str | None = None
    kategori: tuple[str, ...] = field(default_factory=tuple)
    sifat: tuple[str, ...] = field(default_factory=tuple)


def where_clause(flt: IncidentFilter, scope: Scope, alias: str = "i") -> tuple[str, list]:
    """SQL ``WHERE`` text and bound parameters for a filter inside a scope.

    The scope is applied first and cannot be widened by the filter: a filter for another
    region simply returns nothing.
    """
    a = f"{alias}." if alias else ""
    parts, params = [f"NOT {a}dihapus"], []
    if scope.region is not None:
        column = "kode_prov" if len(scope.region) == 2 else "kode_kab"
        parts.append(f"{a}{column} = ?")
        params.append(scope.region)
    if flt.date_from is not None:
        parts.append(f"{a}tgl_mulai >= ?")
        params.append(flt.date_from)
    if flt.date_to is not None:
        parts.append(f"{a}tgl_mulai <= ?")
        params.append(flt.date_to)
    if flt.prov:
        parts.append(f"{a}kode_prov = ?")
        params.append(flt.prov)
    if flt.kab:
        parts.append(f"{a}kode_kab = ?")
        params.append(flt.kab)
    if flt.kategori:
        parts.append(f"{a}kategori IN ({', '.join('?' * len(flt.kategori))})")
        params.extend(flt.kategori)
    if flt.sifat:
        parts.append(f"{a}sifat IN ({', '.join('?' * len(flt.sifat))})")
        params.extend(flt.sifat)
    return " AND ".join(parts), params


def query_incidents(
    con: duckdb.DuckDBPyConnection,
    flt: IncidentFilter,
    scope: Scope,
    *,
    limit: int | None = None,
    order: str = "terbaru",
) -> pd.DataFrame:
    """Incidents matching ``flt`` inside ``scope``, text redacted above the user's clearance.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection or a thread's cursor.
    flt : IncidentFilter
    scope : Scope
    limit : int, optional
        At most this many rows.
    order : {"terbaru", "terlama", "eskalasi"}
        Sort order, from an allow-list (never user-built SQL).

    Returns
    -------
    pandas.DataFrame
        One row per incident; ``klasifikasi`` above clearance keeps counts and place but its
        text columns read :data:`REDACTED_TEXT` or NULL.
    """
    orders = {
        "terbaru": "i.tgl_mulai DESC, i.id DESC",
        "terlama": "i.tgl_mulai, i.id",
        "eskalasi": "i.eskalasi DESC, i.tgl_mulai DESC, i.id DESC",
    }
    if order not in orders:
        raise ValueError(f"urutan tidak dikenal: {order!r} (pilihan: {', '.join(orders)})")
    where, params = where_clause(flt, scope)
    level = CLEARANCE_LEVELS[scope.clearance]
    redacted = ", ".join(
        f"CASE WHEN k.tingkat > ? THEN {'?' if col == 'judul' else 'NULL'} ELSE i.{col} END AS {col}"
        for col in TEXT_COLUMNS
    )
    redact_params = []
    for col in TEXT_COLUMNS:
        redact_params.append(level)
        if col == "judul":
            redact_params.append(REDACTED_TEXT)
    sql = (
        f"SELECT i.* EXCLUDE ({', '.join(TEXT_COLUMNS)}), {redacted}, "
        "b.sintetis AS sintetis "
        "FROM incidents i "
        "JOIN (VALUES ('Biasa', 0), ('Terbatas', 1), ('Rahasia', 2)) k(kode, tingkat) ON k.kode = i.klasifikasi "
        "LEFT JOIN import_batches b ON b.id = i.batch_id "
        f"WHERE {where} ORDER BY {orders[order]}"
    )
    all_params = redact_params + params
    if limit is not None:
        sql += " LIMIT ?"
        all_params.append(int(limit))
    return con.execute(sql, all_params).df()


def aggregate_by_region(
    con: duckdb.DuckDBPyConnection,
    flt: IncidentFilter,
    scope: Scope,
    *,
    level: str = "kab",
    by_kategori: bool = False,
) -> pd.DataFrame:
    """Per-region counts inside ``scope``: the numbers behind a choropleth.

    Returns
    -------
    pandas.DataFrame
        Columns ``kode`` (kabupaten or kecamatan code), ``jumlah`` (incidents),
        ``skor_eskalasi`` (sum of eskalasi), ``skor_kejadian`` (sum of eskalasi × the weight of
        the incident's bentuk, 2 when unknown), ``eskalasi_maks``, ``tewas``, ``luka``,
        ``pengungsi``; with ``by_kategori`` also ``kategori``. Regions without incidents are absent.
    """
    column = {"kab": "kode_kab", "kec": "kode_kec", "prov": "kode_prov"}.get(level)
    if column is None:
        raise ValueError(f"tingkat wilayah tidak dikenal: {level!r} (pilihan: prov, kab, kec)")
    where, params = where_clause(flt, scope)
    group = "1, 2" if by_kategori else "1"
    sql = (
        f"SELECT i.{column} AS kode, {'i.kategori, ' if by_kategori else ''}count(*) AS jumlah, "
        "sum(i.eskalasi) AS skor_eskalasi, "
        "sum(i.eskalasi * coalesce(TRY_CAST(v.atribut AS DOUBLE), 2)) AS skor_kejadian, "
        "max(i.eskalasi) AS eskalasi_maks, sum(i.tewas) AS tewas, sum(i.luka) AS luka, "
        "sum(i.pengungsi) AS pengungsi "
        "FROM incidents i LEFT JOIN vocab v ON v.daftar = 'bentuk' AND v.kode = i.bentuk "
        f"WHERE {where} AND i.{column} IS NOT NULL GROUP BY {group} ORDER BY {group}"
    )
    return con.execute(sql, params).df()
