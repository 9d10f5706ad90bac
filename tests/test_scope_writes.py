"""Rights on every write, asserted at the function that writes (not the page): an analyst of Kota
Banjarbaru (63.72) cannot import, undo, replace context or indicators, or edit calendars outside
63.72, and every write's audit row carries the actor's scope."""

from datetime import date

import pandas as pd
import pytest

from auth.identity import User
from auth.roles import PermissionDenied, in_scope, in_scope_mask
from ingest.importer import prepare_import
from ingest.tables import TableError as ContextError
from services.context import import_context, import_indicator, save_calendar
from services.imports import commit_import, list_batches, undo_batch
from store.election_context import load_context
from store.elections import load_calendar
from store.indicators import indicator_table

NATIONAL = User("analis_nas", "analis", None, "Rahasia")
KALSEL = User("analis_kalsel", "analis", "63", "Rahasia")
BJB = User("analis_bjb", "analis", "63.72", "Rahasia")
BJM = User("analis_bjm", "analis", "63.71", "Rahasia")
ADMIN_KALSEL = User("admin_kalsel", "admin", "63", "Rahasia")
ADMIN = User("admin", "admin", None, "Rahasia")

# Banjarbaru, Kabupaten Banjar, and Aceh Besar (another province)
REPORT = (b"tanggal;kode_kab;kategori;eskalasi;judul\n"
          b"11/05/2024;63.72;SDA;3;Blokade jalan tambang Banjarbaru\n"
          b"12/05/2024;63.10;SARA;2;Ketegangan warga Banjar\n"
          b"13/05/2024;11.06;KAM;2;Tawuran di Aceh Besar\n")


@pytest.fixture
def db(engine_db):
    return engine_db


def _import(con, locator, user, data=REPORT, name="laporan.csv"):
    return commit_import(con, prepare_import(con, data, name, locator, user=user), user)


def test_scope_rule_is_a_prefix_of_whole_code_parts():
    assert in_scope(None, "11.06") and in_scope("63", "63.72") and in_scope("63.72", "63.72.01")
    assert not in_scope("63.7", "63.72") and not in_scope("63.72", "63.71") and not in_scope("63", None)
    assert in_scope_mask("63.72", ["63.72", "63.72.05", "63.721", None]).tolist() == [True, True, False, False]


def test_rows_outside_the_importers_kabupaten_are_rejected_with_the_reason(db, locator):
    prepared = prepare_import(db, REPORT, "laporan.csv", locator, user=BJB)
    outside = prepared.problems.loc[prepared.problems["kolom"] == "kode_kab"]
    assert outside["baris"].tolist() == [3, 4]
    assert outside["alasan"].str.contains(r"di luar cakupan Anda \(63\.72\)").all()
    result = commit_import(db, prepared, BJB)
    assert (result.accepted, result.rejected) == (1, 2)
    assert db.execute("SELECT kode_kab FROM incidents").fetchall() == [("63.72",)]


def test_commit_checks_the_scope_again_whoever_prepared_the_file(db, locator):
    prepared = prepare_import(db, REPORT, "laporan.csv", locator, user=NATIONAL)  # all three rows valid
    assert prepared.accepted_rows == 3
    result = commit_import(db, prepared, BJB)  # a Banjarbaru analyst commits the national preparation
    assert result.accepted == 1
    assert {r[0] for r in db.execute("SELECT kode_kab FROM incidents").fetchall()} == {"63.72"}


def test_batches_are_listed_and_undone_only_within_the_owners_scope(db, locator):
    national = _import(db, locator, NATIONAL).batch
    own = "tanggal;kode_kab;kategori;eskalasi;judul\n20/05/2024;63.72;PEM;1;Penolakan proyek drainase\n"
    bjb = _import(db, locator, BJB, own.encode(), name="bjb.csv").batch
    assert list_batches(db, BJB)["id"].tolist() == [bjb]
    assert list_batches(db, BJM).empty
    assert set(list_batches(db, KALSEL)["id"]) == {bjb}
    assert set(list_batches(db, NATIONAL)["id"]) == {national, bjb}
    with pytest.raises(PermissionDenied, match="milik kantor nasional"):
        undo_batch(db, national, BJB)
    with pytest.raises(PermissionDenied, match="milik kantor 63.72"):
        undo_batch(db, bjb, BJM)
    assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == 3 + 1  # nothing removed
    assert undo_batch(db, bjb, KALSEL) == 1  # the province may undo its kabupaten's batch
    audit = db.execute("SELECT actor, role, region FROM audit WHERE action = 'batal_impor'").fetchall()
    assert audit == [("analis_kalsel", "analis", "63")]


def test_every_import_audit_row_carries_the_actors_scope(db, locator):
    _import(db, locator, BJB)
    assert db.execute("SELECT actor, role, region FROM audit WHERE action = 'impor'").fetchall() == [
        ("analis_bjb", "analis", "63.72")]


def test_election_context_is_replaced_only_inside_the_scope(db):
    table = pd.DataFrame({"kode": ["63.71", "11.06"], "jumlah_paslon": ["2", "1"], "ikp": ["40", "60"],
                          "ikp_tanggal": ["16/12/2022", "16/12/2022"]})
    import_context(db, table, "Pilkada 2024", NATIONAL)
    with pytest.raises(ContextError) as refused:
        import_context(db, pd.DataFrame({"kode": ["63.72", "63.71"], "jumlah_paslon": ["1", "3"]}),
                       "Pilkada 2024", BJB)
    problems = refused.value.problems
    assert problems[["baris", "kolom"]].values.tolist() == [[3, "kode"]]
    assert "di luar cakupan Anda (63.72)" in problems["alasan"].iloc[0]
    import_context(db, pd.DataFrame({"kode": ["63.72"], "jumlah_paslon": ["1"]}), "Pilkada 2024", BJB)
    kept = load_context(db, "Pilkada 2024").set_index("kode")
    assert set(kept.index) == {"63.71", "63.72", "11.06"}  # the others' rows are untouched
    assert kept.at["63.71", "jumlah_paslon"] == 2
    assert db.execute("SELECT region FROM audit WHERE action = 'impor_konteks' ORDER BY id").fetchall() == [
        (None,), ("63.72",)]


def test_indicators_are_replaced_only_inside_the_scope(db):
    import_indicator(db, "penduduk", pd.DataFrame({"kode": ["63.71", "63.72"], "nilai": ["700000", "270000"]}),
                     date(2024, 6, 30), NATIONAL, "BPS")
    with pytest.raises(ContextError):
        import_indicator(db, "penduduk", pd.DataFrame({"kode": ["63.71"], "nilai": ["1"]}), date(2025, 6, 30), BJB)
    import_indicator(db, "penduduk", pd.DataFrame({"kode": ["63.72"], "nilai": ["280000"]}), date(2025, 6, 30), BJB)
    values = indicator_table(db, ["penduduk"]).set_index("kode")["penduduk"]
    assert values.to_dict() == {"63.71": 700000.0, "63.72": 280000.0}


def test_only_a_national_admin_edits_the_national_calendar(db):
    calendar = load_calendar(db, "Pilkada 2024")
    for user in (BJB, KALSEL, ADMIN_KALSEL, User("gub", "pimpinan", None, "Rahasia")):
        with pytest.raises(PermissionDenied, match="admin nasional"):
            save_calendar(db, "Pilkada 2024", calendar.head(2), user)
    assert len(load_calendar(db, "Pilkada 2024")) == len(calendar)
    assert save_calendar(db, "Pilkada 2024", calendar, ADMIN) == len(calendar)


def test_a_regional_admin_manages_only_users_of_its_region(db):
    from services.accounts import AuthError, create_user, list_users, set_active, unlock

    create_user(db, "analis_aceh", "analis", "11.06", actor="cli")
    with pytest.raises(PermissionDenied, match="di luar cakupan Anda \\(63\\)"):
        create_user(db, "baru_aceh", "analis", "11.06", actor=ADMIN_KALSEL)
    with pytest.raises(PermissionDenied):
        create_user(db, "baru_nasional", "admin", None, actor=ADMIN_KALSEL)
    with pytest.raises(PermissionDenied):
        create_user(db, "oleh_analis", "analis", "63.72", actor=BJB)  # not an admin at all
    for change in (lambda: set_active(db, "analis_aceh", False, ADMIN_KALSEL),
                   lambda: unlock(db, "analis_aceh", ADMIN_KALSEL)):
        with pytest.raises(PermissionDenied):
            change()
    create_user(db, "analis_banjar", "analis", "63.10", actor=ADMIN_KALSEL)
    set_active(db, "analis_banjar", False, ADMIN_KALSEL)
    assert list_users(db, "63")["username"].tolist() == ["analis_banjar"]
    with pytest.raises(AuthError, match="tidak ada"):
        unlock(db, "tidak_ada", ADMIN_KALSEL)
    rows = db.execute("SELECT actor, role, region, action FROM audit WHERE actor = 'admin_kalsel' ORDER BY id").fetchall()
    assert rows == [("admin_kalsel", "admin", "63", "pengguna_dibuat"),
                    ("admin_kalsel", "admin", "63", "pengguna_dinonaktifkan")]


def test_saving_a_column_mapping_needs_import_rights_and_is_audited(db):
    from services.imports import save_column_mapping
    from store.mappings import load_mapping

    with pytest.raises(PermissionDenied):
        save_column_mapping(db, "rekap", {"Tgl": "tanggal"}, User("gub", "pimpinan", "63", "Rahasia"), ["tanggal"])
    save_column_mapping(db, "rekap", {"Tgl": "tanggal"}, BJB, ["tanggal"])
    assert load_mapping(db, "rekap") == {"Tgl": "tanggal"}
    assert db.execute("SELECT actor, region FROM audit WHERE action = 'simpan_pemetaan'").fetchall() == [
        ("analis_bjb", "63.72")]
