"""Rules of the daily reporting network (LAPSITDA harian), as pure functions.

Every office (a kabupaten/kota Kesbangpol) files one LAPSITDA per day: its reports of the day, a
short *situasi umum*, or an explicit *nihil* (a quiet day). The deadline is a wall-clock time in
the office's **local** time — WIB (UTC+7), WITA (UTC+8) or WIT (UTC+9) by province (DOMAIN.md §8)
— by default 10:00 on the day after the reported day. Nothing here reads the clock: callers pass
``now`` (UTC), so the same instant is "before ten" in Banjarmasin and "after ten" in Jayapura.

Timestamps without a time zone are read as UTC, as SIGAP stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

import pandas as pd

__all__ = [
    "DEFAULT_RULE",
    "PERIODS",
    "REPORT_KINDS",
    "STATES",
    "STATE_LABELS",
    "URGENT_KINDS",
    "ZONE_OFFSETS",
    "DeadlineRule",
    "day_state",
    "deadline",
    "local_date",
    "local_time_label",
    "missing_streak",
    "office_day_table",
    "on_time_streak",
    "past_deadline",
    "period_bounds",
    "period_label",
    "status_counts",
    "streaks",
    "zone_of",
    "zone_tz",
]

#: Hours east of UTC of Indonesia's three time zones (no daylight saving).
ZONE_OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}
#: States of one office for one day, in the order a chase list reads them.
STATES = ("belum", "terlambat", "nihil", "melapor")
STATE_LABELS = {
    "melapor": "melapor",
    "nihil": "nihil (situasi kondusif)",
    "terlambat": "terlambat",
    "belum": "belum melapor",
}
#: Report kinds of the Lapor form; atensi and khusus go to the province's inbox at once.
REPORT_KINDS = {
    "harian": "Laporan harian (masuk LAPSITDA hari itu)",
    "atensi": "Laporan atensi (perlu perhatian segera)",
    "khusus": "Laporan khusus",
}
URGENT_KINDS = frozenset({"atensi", "khusus"})
#: Rekap periods: how many days end on the chosen date (bulanan: the calendar month).
PERIODS = {"harian": "Harian", "mingguan": "Mingguan", "bulanan": "Bulanan"}
_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember")


@dataclass(frozen=True)
class DeadlineRule:
    """When an office's LAPSITDA for a day is due: ``hour:minute`` local time, ``days_after`` the day.

    The default, 10:00 the next day, lets an office report the whole day and still reach the
    province before its morning meeting.
    """

    hour: int = 10
    minute: int = 0
    days_after: int = 1

    def __post_init__(self):
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError(f"jam batas tidak sah: {self.hour:02d}:{self.minute:02d} (00:00 sampai 23:59)")
        if not 0 <= self.days_after <= 3:
            raise ValueError(f"batas hari tidak sah: {self.days_after} (0 = hari itu juga, sampai 3 hari sesudahnya)")

    @property
    def label(self) -> str:
        """``"10:00, H+1"`` for people."""
        day = "hari itu" if self.days_after == 0 else f"H+{self.days_after}"
        return f"{self.hour:02d}:{self.minute:02d}, {day}"


DEFAULT_RULE = DeadlineRule()


def zone_of(office: str, zones: Mapping[str, str]) -> str:
    """The time zone (``WIB``, ``WITA``, ``WIT``) of an office, from its province code.

    Parameters
    ----------
    office : str
        Kemendagri code of a province, kabupaten/kota or kecamatan (``"63.72"``).
    zones : Mapping[str, str]
        Province code → zone (``data/zona_waktu.csv``).

    Raises
    ------
    ValueError
        The province is not in the table (the message lists how to fix it).
    """
    province = str(office)[:2]
    zone = zones.get(province)
    if zone not in ZONE_OFFSETS:
        raise ValueError(f"zona waktu provinsi {province} tidak dikenal: tambahkan ke data/zona_waktu.csv "
                         f"(pilihan: {', '.join(ZONE_OFFSETS)})")
    return zone


def zone_tz(zone: str) -> timezone:
    """A fixed-offset ``tzinfo`` for ``WIB``, ``WITA`` or ``WIT``."""
    if zone not in ZONE_OFFSETS:
        raise ValueError(f"zona waktu tidak dikenal: {zone!r} (pilihan: {', '.join(ZONE_OFFSETS)})")
    return timezone(timedelta(hours=ZONE_OFFSETS[zone]), zone)


def _utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive values are UTC, as stored)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_date(now: datetime, zone: str) -> date:
    """The calendar date at ``now`` in ``zone`` (the office's "today")."""
    return _utc(now).astimezone(zone_tz(zone)).date()


def local_time_label(moment: datetime | None, zone: str) -> str:
    """``"02/12/2026 10:00 WITA"``, or ``""`` for no moment."""
    if moment is None:
        return ""
    return f"{_utc(moment).astimezone(zone_tz(zone)):%d/%m/%Y %H:%M} {zone}"


def deadline(day: date, zone: str, rule: DeadlineRule = DEFAULT_RULE) -> datetime:
    """The instant (aware, UTC) the LAPSITDA of ``day`` is due for an office in ``zone``.

    Examples
    --------
    >>> deadline(date(2026, 12, 1), "WITA").isoformat()
    '2026-12-02T02:00:00+00:00'
    >>> deadline(date(2026, 12, 1), "WIT").isoformat()
    '2026-12-02T01:00:00+00:00'
    """
    local = datetime.combine(day + timedelta(days=rule.days_after), time(rule.hour, rule.minute),
                             tzinfo=zone_tz(zone))
    return local.astimezone(UTC)


def day_state(submitted_at: datetime | None, nihil: bool, due: datetime) -> str:
    """The state of one office for one day (one of :data:`STATES`).

    ``melapor`` and ``nihil`` when the first submission came by ``due``; ``terlambat`` when it
    came later (nihil or not); ``belum`` when nothing was submitted — whether the deadline has
    passed yet is :func:`past_deadline`'s question, not this one's. An amendment never changes
    the state: only the first submission counts.
    """
    if submitted_at is None:
        return "belum"
    if _utc(submitted_at) > _utc(due):
        return "terlambat"
    return "nihil" if nihil else "melapor"


def past_deadline(now: datetime, due: datetime) -> bool:
    """Whether ``due`` has passed at ``now``."""
    return _utc(now) > _utc(due)


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """First and last day of a rekap period ending on ``day``.

    ``harian``: the day; ``mingguan``: the seven days ending on it; ``bulanan``: its calendar
    month (to the month's last day).
    """
    if period == "harian":
        return day, day
    if period == "mingguan":
        return day - timedelta(days=6), day
    if period == "bulanan":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    raise ValueError(f"periode tidak dikenal: {period!r} (pilihan: {', '.join(PERIODS)})")


def period_label(period: str, day: date) -> str:
    """The period in words: ``"1 Desember 2026"``, ``"25 November 2026 – 1 Desember 2026"``,
    ``"Desember 2026"``."""
    start, end = period_bounds(period, day)
    if period == "bulanan":
        return f"{_MONTHS[start.month - 1]} {start.year}"
    if start == end:
        return _long_date(start)
    return f"{_long_date(start)} – {_long_date(end)}"


def _long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def on_time_streak(states: Sequence[str]) -> int:
    """Days in a row, counting back from the last, the office reported on time (melapor or nihil)."""
    return _trailing(states, {"melapor", "nihil"})


def missing_streak(states: Sequence[str]) -> int:
    """Days in a row, counting back from the last, the office reported nothing."""
    return _trailing(states, {"belum"})


def _trailing(states: Sequence[str], wanted: set[str]) -> int:
    count = 0
    for state in reversed(list(states)):
        if state not in wanted:
            break
        count += 1
    return count


def office_day_table(offices: pd.DataFrame, dates: Sequence[date], submitted: pd.DataFrame, counts: pd.DataFrame,
                     rules: Mapping[str, DeadlineRule], zones: Mapping[str, str], now: datetime) -> pd.DataFrame:
    """The state of every office on every date: the table behind kelengkapan and rekap.

    Parameters
    ----------
    offices : pandas.DataFrame
        ``kode, nama`` of the kabupaten/kota offices.
    dates : sequence of date
        Reported days.
    submitted : pandas.DataFrame
        Submitted LAPSITDA: ``kode_kantor, tanggal, nihil, diajukan_pada, batas_waktu`` (UTC; the
        deadline in force at the first submission decides), optionally ``situasi_umum``.
    counts : pandas.DataFrame
        Submitted reports per ``kode_kantor, tanggal``: ``laporan, atensi``.
    rules : Mapping[str, DeadlineRule]
        Offices whose deadline is not :data:`DEFAULT_RULE`.
    zones : Mapping[str, str]
        Province code → time zone.
    now : datetime
        The moment to judge "past the deadline" at (UTC).

    Returns
    -------
    pandas.DataFrame
        One row per office and date: ``kode, nama, tanggal, zona, batas_waktu`` (UTC, naive),
        ``batas_lokal``, ``status`` (:data:`STATES`), ``lewat_batas`` (deadline passed without a
        submission), ``diajukan_pada``, ``diajukan_lokal``, ``nihil``, ``situasi_umum``,
        ``laporan``, ``atensi``.
    """
    filed = {(r.kode_kantor, _as_date(r.tanggal)): r for r in submitted.itertuples(index=False)}
    counted = {(r.kode_kantor, _as_date(r.tanggal)): (int(r.laporan), int(r.atensi))
               for r in counts.itertuples(index=False)}
    records = []
    for office in offices.itertuples(index=False):
        zone = zone_of(office.kode, zones)
        rule = rules.get(office.kode, DEFAULT_RULE)
        for day in dates:
            row = filed.get((office.kode, day))
            due = deadline(day, zone, rule) if row is None else _utc(_as_datetime(row.batas_waktu))
            at = None if row is None else _as_datetime(row.diajukan_pada)
            state = day_state(at, bool(row.nihil) if row is not None else False, due)
            reports, urgent = counted.get((office.kode, day), (0, 0))
            records.append({
                "kode": office.kode, "nama": office.nama, "tanggal": day, "zona": zone,
                "batas_waktu": due.replace(tzinfo=None), "batas_lokal": local_time_label(due, zone),
                "status": state, "lewat_batas": state == "belum" and past_deadline(now, due),
                "diajukan_pada": at, "diajukan_lokal": local_time_label(at, zone),
                "nihil": None if row is None else bool(row.nihil),
                "situasi_umum": getattr(row, "situasi_umum", None) if row is not None else None,
                "laporan": reports, "atensi": urgent,
            })
    return pd.DataFrame.from_records(records, columns=_TABLE_COLUMNS)


_TABLE_COLUMNS = ["kode", "nama", "tanggal", "zona", "batas_waktu", "batas_lokal", "status", "lewat_batas",
                  "diajukan_pada", "diajukan_lokal", "nihil", "situasi_umum", "laporan", "atensi"]


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """``{"kantor", "melapor", "nihil", "terlambat", "belum"}`` for one day of :func:`office_day_table`."""
    counts = table["status"].value_counts()
    return {"kantor": len(table), **{state: int(counts.get(state, 0)) for state in
                                          ("melapor", "nihil", "terlambat", "belum")}}


def streaks(table: pd.DataFrame) -> pd.DataFrame:
    """Per office, over the dates of :func:`office_day_table`: ``tepat_waktu_beruntun`` (on time in a
    row up to the last closed day), ``tidak_melapor_beruntun`` (missed in a row), ``hari_melapor``
    (days with any submission), ``hari_tidak_melapor`` (closed days without one).

    A day still open (no submission, deadline not yet passed) neither breaks nor extends a streak.
    """
    out = []
    for (kode, nama), group in table.sort_values("tanggal").groupby(["kode", "nama"], sort=True):
        closed = group.loc[~((group["status"] == "belum") & ~group["lewat_batas"])]
        states = closed["status"].tolist()
        out.append({"kode": kode, "nama": nama, "tepat_waktu_beruntun": on_time_streak(states),
                    "tidak_melapor_beruntun": missing_streak(states),
                    "hari_melapor": int((group["status"] != "belum").sum()),
                    "hari_tidak_melapor": int(group["lewat_batas"].sum())})
    return pd.DataFrame(out, columns=["kode", "nama", "tepat_waktu_beruntun", "tidak_melapor_beruntun",
                                      "hari_melapor", "hari_tidak_melapor"])


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value
    return pd.Timestamp(value).to_pydatetime()
