"""The server summary's reading plan (:func:`store.incidents.month_plan`): whatever the range and
the day it is asked on, whole months plus the added days minus the taken-away days are exactly
the days of the range, each once — so the summary path can only differ from the rows by a bug in
SQL, which ``test_summary_pg.py`` looks for on a real server."""

from collections import Counter
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from store.incidents import month_plan

LOW, HIGH = date(2023, 11, 1), date(2027, 2, 28)


def _month_days(month: date):
    day = month
    while day.month == month.month:
        yield day
        day += timedelta(days=1)


def _covered(plan) -> Counter:
    days = Counter()
    day = LOW.replace(day=1)
    while day <= HIGH:  # whole months of the span
        first, end = plan.span if plan.span is not None else (date.max, date.min)
        if plan.span is not None and (first is None or first <= day) and (end is None or day < end):
            days.update(_month_days(day))
        day = (day + timedelta(days=32)).replace(day=1)
    for month in plan.months:
        days.update(_month_days(month))
    for low, high, sign in plan.days:
        for n in range((high - low).days + 1):
            days[low + timedelta(days=n)] += sign
    return +days  # drop zero counts


@given(st.one_of(st.none(), st.dates(LOW + timedelta(days=40), HIGH - timedelta(days=40))),
       st.one_of(st.none(), st.dates(LOW + timedelta(days=40), HIGH - timedelta(days=40))),
       st.dates(LOW, HIGH))
def test_a_plan_covers_each_day_of_the_range_once(date_from, date_to, today):
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    covered = _covered(month_plan(date_from, date_to, today))
    start, stop = date_from or LOW, date_to or HIGH
    expected = Counter(start + timedelta(days=n) for n in range((stop - start).days + 1))
    clipped = Counter({day: n for day, n in covered.items() if LOW <= day <= HIGH})
    assert clipped == expected
    assert all(n == 1 for n in covered.values())


def test_twelve_months_until_today_reads_few_days():
    today = date(2026, 12, 7)
    plan = month_plan(today - timedelta(days=365), today, today)
    assert plan.span == (date(2026, 1, 1), date(2026, 12, 1))
    assert plan.months == (date(2025, 12, 1), date(2026, 12, 1))  # both ends taken whole …
    assert plan.days == ((date(2025, 12, 1), date(2025, 12, 6), -1), (date(2026, 12, 8), date(2026, 12, 31), -1))
    # … and a range inside one month that is mostly in the past is read from the rows
    assert month_plan(date(2026, 3, 3), date(2026, 3, 10), today).days == ((date(2026, 3, 3), date(2026, 3, 10), 1),)
