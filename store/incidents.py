"""The one way to read incidents: every query applies the user's scope and clearance here.

Pages, maps, profile panels and exports call :func:`query_incidents` or
:func:`aggregate_by_region`; none writes its own ``SELECT … FROM incidents``. Scope and
clearance come from the server-side user record (see ``auth/``), never from a widget.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import duckdb
import pandas as pd

from auth.identity import CLEARANCE_LEVELS, Scope
from store.vocab import SETTLED_COLOUR

__all__ = [
    "CLEARANCE_LEVELS",
    "REDACTED_TEXT",
    "IncidentFilter",
    "KNOWN_CODES",
    "NEVER_READ",
    "OPEN_COLUMNS",
    "NOT_COUNTED",
    "Scope",
    "VERIFIED",
    "aggregate_by_period",
    "aggregate_by_region",
    "count_incidents",
    "count_unsettled",
    "fold_summary",
    "month_plan",
    "MonthPlan",
    "query_incidents",
    "where_clause",
]

#: Columns of an incident above the user's clearance that the user may still see (an allow-list):
#: when, where down to the kecamatan, what kind, how serious, how many victims, how far handled.
#: Every other column reads NULL for such a row (``judul`` reads :data:`REDACTED_TEXT`): free text
#: (judul, kronologi, subkategori, actors, sources…), the village, the coordinates, who entered it
#: and when, and any column a later migration adds, until it is added here on purpose.
#: Coordinates are hidden because a point (with ``presisi_lokasi`` 1) names the village or the
#: house; maps still count the row through :func:`aggregate_by_region`, which groups region codes
#: only, and ``presisi_lokasi`` of such a row is coarsened to the kecamatan (2) or kabupaten (3).
OPEN_COLUMNS = frozenset({
    "id", "batch_id", "dihapus",
    "tgl_mulai", "tgl_selesai", "presisi_waktu",
    "kode_prov", "kode_kab", "kode_kec", "presisi_lokasi",
    "kategori", "bentuk", "sifat", "bidang", "athg", "terkait_pemilu",
    "tewas", "luka", "hilang", "pengungsi", "kekerasan_seksual", "rumah_rusak", "rumah_ibadah_rusak",
    "fasum_rusak", "kantor_penyelenggara_rusak", "kerugian_rp",
    "eskalasi", "status_penanganan", "status_verifikasi", "klasifikasi",
})
#: Open columns that hold codes, with the query of their known codes: above clearance a value is
#: shown only when it is a known code, so text stored in a code column by mistake stays hidden.
#: (``kode_prov``/``kode_kab`` decide the scope and ``klasifikasi`` the clearance: the database
#: holds them as given.)
KNOWN_CODES = {
    **{name: f"SELECT kode FROM vocab WHERE daftar = '{name}'" for name in (
        "kategori", "bentuk", "sifat", "bidang", "athg", "status_penanganan", "status_verifikasi")},
    "kode_kec": "SELECT kode FROM regions WHERE level = 'kec'",
}
#: Columns never read back, whatever the clearance: a content hash confirms a guessed text.
NEVER_READ = frozenset({"hash_isi"})
REDACTED_TEXT = "[dirahasiakan]"
#: Clearance of each classification, and whether the user's clearance is below it (``k.tertutup``).
_LEVELS_SQL = (
    "(SELECT kode, tingkat > ? AS tertutup FROM (VALUES "
    + ", ".join(f"('{name}', {level})" for name, level in CLEARANCE_LEVELS.items())
    + ") v(kode, tingkat)) k"
)

#: A bentuk's weight (``vocab.atribut``) as a number, NULL when it is none; spelled alike for DuckDB
#: and PostgreSQL (neither TRY_CAST nor DOUBLE is PostgreSQL's).
_WEIGHT = ("CAST(CASE WHEN v.atribut SIMILAR TO '[0-9]+([.][0-9]+)?' THEN v.atribut END AS DOUBLE PRECISION)")

#: Verification statuses that count as verified for leaders' views, the index and official documents
#: (:attr:`IncidentFilter.verified_only`): checked by the kabupaten/kota at least.
VERIFIED = ("diverifikasi_kab", "diverifikasi_prov")
#: Statuses never counted on maps, counts, exports and documents (besides drafts): back with the
#: author for correction, refused, or merged into another incident. A reader of reports sees them
#: with ``include_drafts``.
NOT_COUNTED = ("dikembalikan", "ditolak", "duplikat")


@dataclass(frozen=True)
class IncidentFilter:
    """What the user asked for on a page or on the command line (all optional)."""

    date_from: date | None = None
    date_to: date | None = None
    prov: str | None = None
    kab: str | None = None
    kategori: tuple[str, ...] = field(default_factory=tuple)
    sifat: tuple[str, ...] = field(default_factory=tuple)
    #: drafts (``status_verifikasi = 'draft'``) are their author's work in progress: maps, counts,
    #: exports and documents leave them out unless a reader of reports asks for them
    include_drafts: bool = False
    #: only verified incidents (:data:`VERIFIED`): the default of leaders' pages and official documents;
    #: an analyst may switch it off to include the submitted, not yet verified ones
    verified_only: bool = False

    def chosen(self) -> dict:
        """The fields set away from their defaults (for audit rows and file metadata)."""
        blank = IncidentFilter()
        return {k: v for k, v in asdict(self).items() if v != getattr(blank, k)}


def where_clause(flt: IncidentFilter, scope: Scope, alias: str = "i") -> tuple[str, list]:
    """SQL ``WHERE`` text and bound parameters for a filter inside a scope.

    The scope is applied first and cannot be widened by the filter: a filter for another
    region simply returns nothing.
    """
    a = f"{alias}." if alias else ""
    parts, params = [f"NOT {a}dihapus"], []
    if not flt.include_drafts:
        hidden = ", ".join(f"'{status}'" for status in ("draft", *NOT_COUNTED))
        parts.append(f"coalesce({a}status_verifikasi, '') NOT IN ({hidden})")
    if flt.verified_only:
        parts.append(f"{a}status_verifikasi IN ({', '.join(repr(status) for status in VERIFIED)})")
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
    """Incidents matching ``flt`` inside ``scope``, redacted above the user's clearance.

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
        One row per incident: every column of ``incidents`` except those in :data:`NEVER_READ`,
        plus ``sintetis`` (from its import batch). A row whose ``klasifikasi`` is above the
        user's clearance keeps only :data:`OPEN_COLUMNS` (codes only when known, place coarsened
        to the kecamatan); its other columns read NULL and ``judul`` reads :data:`REDACTED_TEXT`.
    """
    orders = {
        "terbaru": "i.tgl_mulai DESC, i.id DESC",
        "terlama": "i.tgl_mulai, i.id",
        "eskalasi": "i.eskalasi DESC, i.tgl_mulai DESC, i.id DESC",
    }
    if order not in orders:
        raise ValueError(f"urutan tidak dikenal: {order!r} (pilihan: {', '.join(orders)})")
    where, params = where_clause(flt, scope)
    # The columns the table has now, so one added by a later migration is hidden too.
    columns = [d[0] for d in con.execute("SELECT * FROM incidents LIMIT 0").description]
    selected = ", ".join(f"{_redacted(name)} AS {_quote(name)}" for name in columns if name not in NEVER_READ)
    sql = (
        f"SELECT {selected}, b.sintetis AS sintetis "
        f"FROM incidents i JOIN {_LEVELS_SQL} ON k.kode = i.klasifikasi "
        "LEFT JOIN import_batches b ON b.id = i.batch_id "
        f"WHERE {where} ORDER BY {orders[order]}"
    )
    all_params = [CLEARANCE_LEVELS[scope.clearance], *params]
    if limit is not None:
        sql += " LIMIT ?"
        all_params.append(int(limit))
    return con.execute(sql, all_params).df()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shown_code(name: str) -> str:
    """SQL of column ``name`` shown only when the row is within clearance or holds a known code."""
    column = f"i.{_quote(name)}"
    return f"CASE WHEN NOT k.tertutup OR {column} IN ({KNOWN_CODES[name]}) THEN {column} END"


def _redacted(name: str) -> str:
    """SQL of column ``name`` as a user sees it (``k.tertutup``: the row is above their clearance)."""
    column = f"i.{_quote(name)}"
    if name == "presisi_lokasi":
        # the point is hidden: at best the kecamatan (2) when it is shown, else the kabupaten (3)
        coarse = f"CASE WHEN i.kode_kec IN ({KNOWN_CODES['kode_kec']}) THEN 2::SMALLINT ELSE 3::SMALLINT END"
        return f"CASE WHEN k.tertutup THEN greatest({column}, {coarse}) ELSE {column} END"
    if name in KNOWN_CODES:
        return _shown_code(name)
    if name in OPEN_COLUMNS:
        return column
    if name == "judul":
        return f"CASE WHEN k.tertutup THEN '{REDACTED_TEXT}' ELSE {column} END"
    return f"CASE WHEN k.tertutup THEN NULL ELSE {column} END"


def aggregate_by_region(
    con: duckdb.DuckDBPyConnection,
    flt: IncidentFilter,
    scope: Scope,
    *,
    level: str = "kab",
    by_kategori: bool = False,
    summary: bool = True,
) -> pd.DataFrame:
    """Per-region counts inside ``scope``: the numbers behind a choropleth.

    On a PostgreSQL server a map of provinces or kabupaten/kota that counts what maps count by
    default (no drafts) reads the per-month summary the database keeps
    (migration 910) and only the partial months at the ends of the date range from incidents;
    ``summary=False`` always reads incidents. Both give the same numbers.

    Returns
    -------
    pandas.DataFrame
        Columns ``kode`` (kabupaten or kecamatan code), ``jumlah`` (incidents),
        ``skor_eskalasi`` (sum of eskalasi), ``skor_kejadian`` (sum of eskalasi × the weight of
        the incident's bentuk, 2 when unknown), ``eskalasi_maks``, ``tewas``, ``luka``,
        ``pengungsi``; with ``by_kategori`` also ``kategori``. Regions without incidents are absent.
        Rows above the user's clearance count too; their kecamatan and kategori only when they
        are known codes (see :data:`KNOWN_CODES`).
    """
    column = {"kab": "kode_kab", "kec": "kode_kec", "prov": "kode_prov"}.get(level)
    if column is None:
        raise ValueError(f"tingkat wilayah tidak dikenal: {level!r} (pilihan: prov, kab, kec)")
    if summary and _summary_serves(con, flt, column, by_kategori):
        return _aggregate_from_summary(con, flt, scope, column)
    where, params = where_clause(flt, scope)
    group = "1, 2" if by_kategori else "1"
    # Above clearance a kecamatan or kategori that is no known code is no group (as in query_incidents).
    key = _shown_code(column) if column in KNOWN_CODES else f"i.{column}"
    kategori = f"{_shown_code('kategori')} AS kategori, " if by_kategori else ""
    levels = ""
    if column in KNOWN_CODES or by_kategori:
        levels = f"JOIN {_LEVELS_SQL} ON k.kode = i.klasifikasi "
        params = [CLEARANCE_LEVELS[scope.clearance], *params]
    sql = (
        f"SELECT {key} AS kode, {kategori}count(*) AS jumlah, "
        "sum(i.eskalasi) AS skor_eskalasi, "
        f"sum(i.eskalasi * coalesce({_WEIGHT}, 2)) AS skor_kejadian, "
        "max(i.eskalasi) AS eskalasi_maks, sum(i.tewas) AS tewas, sum(i.luka) AS luka, "
        "sum(i.pengungsi) AS pengungsi "
        f"FROM incidents i {levels}LEFT JOIN vocab v ON v.daftar = 'bentuk' AND v.kode = i.bentuk "
        f"WHERE {where} AND {key} IS NOT NULL GROUP BY {group} ORDER BY {group}"
    )
    return con.execute(sql, params).df()


#: Fold the summary's pending changes into it once this many are waiting (PostgreSQL).
SUMMARY_FOLD_AT = 5_000
#: A summary row (committed or pending) in the columns the map sums.
_SUMMARY_PART = ("SELECT {a}kode_prov, {a}kode_kab, {a}jumlah, {a}skor_eskalasi, {a}skor_kejadian, "
                 "{a}e0, {a}e1, {a}e2, {a}e3, {a}e4, {a}e5, {a}tewas, {a}luka, {a}pengungsi")
#: Incidents of some days, grouped by region already (each bentuk's weight parsed once, not for
#: every row, by the function the summary's triggers use); ``{sign}`` -1 takes them away from a
#: whole month of the summary.
_INCIDENT_PART = (
    "SELECT i.kode_prov, i.kode_kab, {sign} * count(*), {sign} * sum(i.eskalasi), "
    "{sign} * sum(i.eskalasi * coalesce(w.bobot, 2)), "
    + ", ".join(f"{{sign}} * count(*) FILTER (WHERE i.eskalasi = {level})" for level in range(6))
    + ", {sign} * sum(i.tewas), {sign} * sum(i.luka), {sign} * sum(i.pengungsi) FROM incidents i "
    "LEFT JOIN (SELECT v.kode, sigap_bobot_bentuk(v.atribut) AS bobot FROM vocab v "
    "WHERE v.daftar = 'bentuk') w ON w.kode = i.bentuk")


def _summary_serves(con, flt: IncidentFilter, column: str, by_kategori: bool) -> bool:
    """Whether migration 910's summary holds what this aggregation asks for."""
    return (getattr(con, "dialect", "duckdb") == "postgres" and column in ("kode_kab", "kode_prov")
            and not by_kategori and not flt.include_drafts
            and not (flt.date_from and flt.date_to and flt.date_from > flt.date_to))


def _month_after(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass(frozen=True)
class MonthPlan:
    """How a date range is read from the summary.

    Attributes
    ----------
    span : tuple or None
        Whole months ``[first, end)`` (either end open, ``None``), or None when the range holds no
        whole month.
    months : tuple of date
        Further months taken whole from the summary (their first days).
    days : tuple of (date, date, int)
        Day ranges read from incident rows: added (sign 1), or taken away (sign -1) — the days
        of a month in ``months`` that lie outside the range.
    """

    span: tuple[date | None, date | None] | None
    months: tuple[date, ...]
    days: tuple[tuple[date, date, int], ...]


def _days_to_read(low: date, high: date, today: date) -> int:
    # days after today hold (almost) no incidents, so they cost (almost) nothing to read
    return max(0, (min(high, today) - low).days + 1)


def month_plan(date_from: date | None, date_to: date | None, today: date | None = None) -> MonthPlan:
    """Plan the read of ``[date_from, date_to]`` from the summary. A month the range covers in part
    is read from incident rows, or — when that means fewer days to read — taken whole less the days
    outside the range: "12 months until today" reads the six days before its start and the empty
    days after today instead of 25 + 7 days. Either way the numbers are exact."""
    today = today or date.today()
    first = None if date_from is None else date_from if date_from.day == 1 else _month_after(date_from)
    end = None
    if date_to is not None:  # the month of date_to counts whole only when date_to is its last day
        after = date_to + timedelta(days=1)
        end = after if after.day == 1 else date_to.replace(day=1)
    span = None if first is not None and end is not None and first >= end else (first, end)

    def whole(month: date) -> bool:
        return span is not None and (span[0] is None or span[0] <= month) and (span[1] is None or month < span[1])

    partial = sorted({d.replace(day=1) for d in (date_from, date_to) if d is not None and not whole(d.replace(day=1))})
    months, days = [], []
    for month in partial:
        last = _month_after(month) - timedelta(days=1)
        low, high = max(date_from or month, month), min(date_to or last, last)
        outside = [(a, b) for a, b in ((month, low - timedelta(days=1)), (high + timedelta(days=1), last)) if a <= b]
        if sum(_days_to_read(a, b, today) for a, b in outside) < _days_to_read(low, high, today):
            months.append(month)
            days.extend((a, b, -1) for a, b in outside)
        else:
            days.append((low, high, 1))
    return MonthPlan(span, tuple(months), tuple(days))


def _aggregate_from_summary(con, flt: IncidentFilter, scope: Scope, column: str) -> pd.DataFrame:
    """:func:`aggregate_by_region` from the summary kept on PostgreSQL (whole months, committed and
    pending changes) and incident rows for the days of partial months, in one statement."""
    plan = month_plan(flt.date_from, flt.date_to)
    parts, params = [], []
    months, values = [], []
    if plan.span is not None:
        bounds = ["true"]
        for bound, op in zip(plan.span, (">=", "<")):
            if bound is not None:
                bounds.append(f"s.bulan {op} ?")
                values.append(bound)
        months.append("(" + " AND ".join(bounds) + ")")
    if plan.months:
        months.append(f"s.bulan IN ({', '.join('?' * len(plan.months))})")
        values.extend(plan.months)
    months = months or ["false"]
    conditions = ["(" + " OR ".join(months) + ")"]
    if flt.verified_only:
        conditions.append("s.terverifikasi")
    if scope.region is not None:
        conditions.append(f"s.{'kode_prov' if len(scope.region) == 2 else 'kode_kab'} = ?")
        values.append(scope.region)
    for name, value in (("kode_prov", flt.prov), ("kode_kab", flt.kab)):
        if value:
            conditions.append(f"s.{name} = ?")
            values.append(value)
    for name in ("kategori", "sifat"):
        chosen = getattr(flt, name)
        if chosen:
            conditions.append(f"s.{name} IN ({', '.join('?' * len(chosen))})")
            values.extend(chosen)
    for table in ("ringkasan_peta", "ringkasan_delta"):
        parts.append(f"{_SUMMARY_PART.format(a='s.')} FROM {table} s WHERE {' AND '.join(conditions)}")
        params.extend(values)
    for low, high, sign in plan.days:  # by date, through the covering date index
        where, day_values = where_clause(IncidentFilter(
            date_from=low, date_to=high, prov=flt.prov, kab=flt.kab, kategori=flt.kategori, sifat=flt.sifat,
            verified_only=flt.verified_only), scope)
        parts.append(f"{_INCIDENT_PART.format(sign=sign)} WHERE {where} GROUP BY 1, 2")
        params.extend(day_values)
    highest = " ".join(f"WHEN sum(e{level}) > 0 THEN {level}" for level in range(5, 0, -1))
    sql = (
        f"SELECT {column} AS kode, CAST(sum(jumlah) AS BIGINT) AS jumlah, "
        "CAST(sum(skor_eskalasi) AS BIGINT) AS skor_eskalasi, "
        "CAST(sum(skor_kejadian) AS DOUBLE PRECISION) AS skor_kejadian, "
        f"CAST(CASE {highest} ELSE 0 END AS SMALLINT) AS eskalasi_maks, "
        "CAST(sum(tewas) AS BIGINT) AS tewas, CAST(sum(luka) AS BIGINT) AS luka, "
        "CAST(sum(pengungsi) AS BIGINT) AS pengungsi "
        "FROM (" + " UNION ALL ".join(parts) + ") p(kode_prov, kode_kab, jumlah, skor_eskalasi, skor_kejadian, "
        "e0, e1, e2, e3, e4, e5, tewas, luka, pengungsi) "
        "GROUP BY 1 HAVING sum(jumlah) > 0 ORDER BY 1"
    )
    frame = con.execute(sql, params).df()
    fold_summary(con)
    return frame


def fold_summary(con, *, at: int = SUMMARY_FOLD_AT) -> int:
    """Fold the summary's pending changes (PostgreSQL) once ``at`` or more are waiting.

    Returns
    -------
    int
        Pending rows folded (0 when fewer were waiting, or another process was folding).
    """
    if getattr(con, "dialect", "duckdb") != "postgres":
        return 0
    waiting = con.execute("SELECT count(*) FROM (SELECT 1 FROM ringkasan_delta LIMIT ?) d", [at]).fetchone()[0]
    if waiting < at:
        return 0
    return int(con.execute("SELECT sigap_ringkasan_padatkan()").fetchone()[0])


def count_unsettled(con: duckdb.DuckDBPyConnection, scope: Scope, *, verified_only: bool = True) -> int:
    """Incidents inside ``scope`` whose handling is not settled (status colour other than
    :data:`store.vocab.SETTLED_COLOUR`, or no status): the open cases leaders watch.

    Parameters
    ----------
    verified_only : bool
        Count verified incidents only (:data:`VERIFIED`), as every leaders' view does; False adds
        the submitted, not yet verified ones (an analyst's visible switch).
    """
    where, params = where_clause(IncidentFilter(verified_only=verified_only), scope)
    return int(con.execute(
        "SELECT count(*) FROM incidents i LEFT JOIN vocab v ON v.daftar = 'status_penanganan' "
        f"AND v.kode = i.status_penanganan WHERE {where} AND coalesce(v.atribut, '') <> ?",
        [*params, SETTLED_COLOUR]).fetchone()[0])


def count_incidents(con: duckdb.DuckDBPyConnection) -> int:
    """Stored incidents of the whole database (for set-up decisions, never shown to users)."""
    return int(con.execute("SELECT count(*) FROM incidents").fetchone()[0])


def aggregate_by_period(con: duckdb.DuckDBPyConnection, flt: IncidentFilter, scope: Scope, *,
                        period: str = "triwulan") -> pd.DataFrame:
    """Per kabupaten/kota and period inside ``scope``: the numbers of :func:`aggregate_by_region`
    for every period at once (one pass instead of one query per period).

    Parameters
    ----------
    period : {"triwulan", "bulan"}
        Quarters labelled ``"2024 T3"`` or months labelled ``"2024-07"``.

    Returns
    -------
    pandas.DataFrame
        ``kode``, the period column (``triwulan`` or ``bulan``), ``jumlah``, ``skor_kejadian``,
        ``eskalasi_maks``, ``tewas``, ``luka``, ``pengungsi``, ``kec_terdampak``.
    """
    labels = {"triwulan": "concat(extract(year FROM i.tgl_mulai), ' T', extract(quarter FROM i.tgl_mulai))",
              "bulan": "strftime(i.tgl_mulai, '%Y-%m')"}
    if period not in labels:
        raise ValueError(f"periode tidak dikenal: {period!r} (pilihan: {', '.join(labels)})")
    where, params = where_clause(flt, scope)
    return con.execute(
        f"SELECT i.kode_kab AS kode, {labels[period]} AS {period}, count(*) AS jumlah, "
        f"sum(i.eskalasi * coalesce({_WEIGHT}, 2)) AS skor_kejadian, "
        "max(i.eskalasi) AS eskalasi_maks, sum(i.tewas) AS tewas, sum(i.luka) AS luka, "
        "sum(i.pengungsi) AS pengungsi, count(DISTINCT i.kode_kec) AS kec_terdampak "
        "FROM incidents i LEFT JOIN vocab v ON v.daftar = 'bentuk' AND v.kode = i.bentuk "
        f"WHERE {where} AND i.kode_kab IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2", params).df()
