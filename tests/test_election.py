"""Election calendar as data: stage tagging at the boundaries, validation, storage."""

from datetime import date

import pandas as pd
import pytest

from analysis.election import CalendarError, check_calendar, stage_matrix, tag_stages
from auth.identity import User
from auth.roles import PermissionDenied
from services.context import save_calendar
from store.elections import elections, load_calendar

ADMIN = User("admin", "admin", None, "Rahasia")
ANALIS = User("analis", "analis", None, "Terbatas")
PIMPINAN = User("gubernur", "pimpinan", "63", "Rahasia")

CAL = pd.DataFrame({
    "tahapan": ["kampanye", "masa tenang", "pemungutan"],
    "mulai": [date(2024, 9, 25), date(2024, 11, 24), date(2024, 11, 27)],
    "selesai": [date(2024, 11, 23), date(2024, 11, 26), date(2024, 11, 27)],
})


@pytest.mark.parametrize("day, stage", [
    (date(2024, 9, 24), None),            # the day before the first stage
    (date(2024, 9, 25), "kampanye"),      # first day included
    (date(2024, 11, 23), "kampanye"),     # last day included
    (date(2024, 11, 24), "masa tenang"),
    (date(2024, 11, 26), "masa tenang"),
    (date(2024, 11, 27), "pemungutan"),   # a one-day stage
    (date(2024, 11, 28), None),
])
def test_stage_boundaries_are_inclusive(day, stage):
    assert tag_stages([day], CAL).iloc[0] == stage


def test_time_zone_plays_no_part_for_dates():
    # an incident is dated, not timed: the same calendar day in WIB, WITA or WIT is one stage,
    # whether it arrives as a date, an ISO string or a local time late that evening
    days = [date(2024, 11, 27), "2024-11-27", pd.Timestamp("2024-11-27 23:59"), pd.Timestamp("2024-11-28 00:00")]
    assert list(tag_stages(days, CAL)) == ["pemungutan", "pemungutan", "pemungutan", None]


def test_missing_dates_get_no_stage():
    assert tag_stages([None, "bukan tanggal"], CAL).isna().all()


@pytest.mark.parametrize("change, message", [
    ({"selesai": [date(2024, 9, 1), date(2024, 11, 26), date(2024, 11, 27)]}, "berakhir sebelum dimulai: kampanye"),
    ({"mulai": [date(2024, 9, 25), date(2024, 11, 23), date(2024, 11, 27)]}, "tumpang tindih: kampanye"),
    ({"mulai": [None, date(2024, 11, 24), date(2024, 11, 27)]}, "tidak sah: kampanye"),
])
def test_bad_calendars_are_refused_with_the_stage_named(change, message):
    with pytest.raises(CalendarError, match=message):
        check_calendar(CAL.assign(**change))


def test_stage_matrix_counts_regions_by_stage():
    incidents = pd.DataFrame({
        "kode_kab": ["63.72", "63.72", "63.71", "63.71", "62.71"],
        "tgl_mulai": [date(2024, 10, 1), date(2024, 11, 27), date(2024, 11, 25), date(2024, 12, 30), date(2024, 9, 25)],
    })
    m = stage_matrix(incidents, CAL)
    assert list(m.columns) == ["kampanye", "masa tenang", "pemungutan", "total"]
    assert m.loc["63.72"].tolist() == [1, 0, 1, 2]
    assert m.loc["63.71"].tolist() == [0, 1, 0, 1]
    assert m.index[0] == "63.72"


def test_pilkada_2024_is_preloaded_and_editable(con):
    assert elections(con) == ["Pilkada 2024"]
    cal = load_calendar(con, "Pilkada 2024")
    assert cal.loc[cal["tahapan"] == "pemungutan", "mulai"].iloc[0].date() == date(2024, 11, 27)
    edited = cal.copy()
    edited.loc[edited["tahapan"] == "rekapitulasi", "selesai"] = pd.Timestamp("2024-12-20")
    edited.loc[edited["tahapan"] == "sengketa", "mulai"] = pd.Timestamp("2024-12-21")
    for user in (PIMPINAN, ANALIS):  # the calendar is national data: national admins only
        with pytest.raises(PermissionDenied):
            save_calendar(con, "Pilkada 2024", edited, user)
    save_calendar(con, "Pilkada 2024", edited, ADMIN)
    again = load_calendar(con, "Pilkada 2024")
    assert again.loc[again["tahapan"] == "rekapitulasi", "selesai"].iloc[0].date() == date(2024, 12, 20)
    assert con.execute("SELECT count(*) FROM audit WHERE action = 'ubah_kalender'").fetchone()[0] == 1


def test_invalid_edit_leaves_the_calendar_unchanged(con):
    before = load_calendar(con, "Pilkada 2024")
    broken = before.copy()
    broken.loc[0, "selesai"] = pd.Timestamp("2024-01-01")
    with pytest.raises(CalendarError):
        save_calendar(con, "Pilkada 2024", broken, ADMIN)
    pd.testing.assert_frame_equal(load_calendar(con, "Pilkada 2024"), before)


def test_athg_matrix_counts_every_type_and_aspect():
    from analysis.athg import athg_matrix

    incidents = pd.DataFrame({
        "kode_kab": ["63.72", "63.72", "63.71", "63.71"],
        "athg": ["A", "G", "G", None],
        "bidang": ["politik", "ekonomi", "politik", "hankam"],
    })
    m = athg_matrix(incidents)
    assert m.loc["63.72", ("A", "politik")] == 1 and m.loc["63.72", ("G", "ekonomi")] == 1
    assert m.loc["63.71", ("?", "hankam")] == 1  # unstated type is kept, not dropped
    assert m[("total", "")].sum() == 4
    assert ("T", "ideologi") in m.columns
