"""One home per domain rule, each with its test: previous triwulan, surge windows, settled
statuses, numbers and dates, the kabupaten of a scope, who may back up."""

from datetime import date

import pytest

from analysis.early_warning import FOUR_WEEKS, QUARTER_DAYS, surge_windows
from analysis.triwulan import previous_quarter, quarter_bounds
from auth.identity import User
from auth.roles import PermissionDenied
from lang import day, month, month_short, number, percent
from services.backups import back_up
from store import connect
from store.regions import kab_in_scope
from store.vocab import settled_statuses


@pytest.mark.parametrize("label, before", [("2025 T1", "2024 T4"), ("2024 T3", "2024 T2"), ("2024 T4", "2024 T3")])
def test_previous_quarter(label, before):
    assert previous_quarter(label) == before
    assert quarter_bounds(before)[1].toordinal() + 1 == quarter_bounds(label)[0].toordinal()


@pytest.mark.parametrize("days", [FOUR_WEEKS, QUARTER_DAYS])
def test_surge_windows_are_equal_adjacent_and_end_today(days):
    w = surge_windows(date(2026, 12, 2), days)
    assert w.recent[1] == date(2026, 12, 2)
    assert (w.recent[1] - w.recent[0]).days + 1 == days == (w.baseline[1] - w.baseline[0]).days + 1
    assert (w.recent[0] - w.baseline[1]).days == 1


def test_settled_statuses_are_the_green_ones_of_the_vocabulary(con):
    assert set(settled_statuses(con)) == {"selesai_damai", "selesai_hukum", "ditutup"}


def test_numbers_and_dates_as_people_read_them():
    assert number(1234567) == "1.234.567" and number(1234567, lang="en") == "1,234,567"
    assert number(64.94, 1) == "64,9" and percent(0.25) == "25%"
    assert day(date(2026, 12, 2)) == "02/12/2026"
    assert month(date(2026, 12, 2)) == "Desember 2026" and month(date(2026, 12, 2), "en") == "December 2026"
    assert month_short(date(2026, 8, 1)) == "Agu 2026"


def test_kabupaten_of_a_scope(fresh_db):
    con = connect(fresh_db)
    assert len(kab_in_scope(con, None)) == 514
    kalsel = kab_in_scope(con, "63")
    assert len(kalsel) == 13 and kalsel["kode"].str.startswith("63.").all()
    bjb = kab_in_scope(con, "63.72")
    assert bjb["kode"].tolist() == ["63.72"] and int(bjb["jumlah_kec"].iloc[0]) == 5
    con.close()


def test_only_a_national_admin_backs_up_and_it_is_audited(fresh_db):
    con = connect(fresh_db)
    with pytest.raises(PermissionDenied):
        back_up(con, fresh_db, User("admin_kalsel", "admin", "63", "Rahasia"))
    path = back_up(con, fresh_db, User("admin", "admin", None, "Rahasia"))
    assert path.exists()
    assert con.execute("SELECT actor, object FROM audit WHERE action = 'cadangan'").fetchall() == [("admin", path.name)]
    con.close()
