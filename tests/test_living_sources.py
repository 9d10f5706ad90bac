"""Living sources: a newer export of ACLED (or UCDP, or an office's own system) updates the stored
incidents it changed, keeps their old versions in ``riwayat_insiden``, retires with
``--sync-deletions`` the ones it dropped, and all of it is undone with the batch — only inside the
importer's region."""

from __future__ import annotations

import gc
import json

import pandas as pd
import pytest

from auth.identity import User
from ingest.importer import prepare_import
from services.imports import commit_import, undo_batch, undo_import
from sigap.cli import main
from store import connect
from store.backup import fingerprint

NATIONAL = User("analis", "analis", None, "Rahasia")
BANJARBARU = User("analis_bjb", "analis", "63.72", "Rahasia")

_COLUMNS = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "admin1",
            "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source", "notes",
            "fatalities"]
#: Banjarbaru (63.72) and Banjarmasin (63.71), points well inside each
_BJB = ("South Kalimantan", "Banjarbaru", "-3.4420", "114.8310")
_BJM = ("South Kalimantan", "Banjarmasin", "-3.3200", "114.5900")


def _event(eid: str, day: int, place=_BJB, *, month: str = "May", notes: str = "Protest", fatalities: str = "0",
           lat: str | None = None, sub: str = "Peaceful protest") -> dict:
    admin1, admin2, plat, plon = place
    return {"event_id_cnty": eid, "event_date": f"{day} {month} 2024", "event_type": "Protests",
            "sub_event_type": sub, "actor1": "Students (Indonesia)", "actor2": "", "admin1": admin1,
            "admin2": admin2, "admin3": "", "location": admin2, "latitude": lat or plat, "longitude": plon,
            "geo_precision": "1", "source": "Kompas", "notes": notes, "fatalities": fatalities}


def _acled(events: list[dict]) -> bytes:
    return pd.DataFrame(events, columns=_COLUMNS).to_csv(index=False).encode()


def _first_export() -> list[dict]:
    """Eight events in May 2024 in Banjarbaru, one in April (outside the second export's dates)."""
    return [_event("IDN0", 20, month="April"), *(_event(f"IDN{i}", i + 1, notes=f"Protest {i}") for i in range(1, 9))]


def _second_export() -> list[dict]:
    """IDN1–3 revised (fatalities, notes, point), IDN5 and IDN6 gone, the rest as before (2–9 May)."""
    events = {e["event_id_cnty"]: e for e in _first_export()[1:]}
    events["IDN1"] = {**events["IDN1"], "fatalities": "2"}
    events["IDN2"] = {**events["IDN2"], "notes": "Protest 2, revised: police intervened"}
    events["IDN3"] = {**events["IDN3"], "latitude": "-3.4500"}
    del events["IDN5"], events["IDN6"]
    return list(events.values())


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    yield con
    con.close()


def _import(con, locator, events, user=NATIONAL, **kw):
    prepared = prepare_import(con, _acled(events), "acled.csv", locator, user=user)
    assert prepared.problems.empty, prepared.problems
    return commit_import(con, prepared, user, **kw)


def _stored(con) -> pd.DataFrame:
    return con.execute("SELECT id, id_sumber, versi, dihapus, tewas, kronologi, lat, kode_kab, klasifikasi "
                       "FROM incidents ORDER BY id").df().set_index("id_sumber")


def test_a_newer_export_updates_what_changed_and_keeps_the_old_version(db, locator):
    first = _import(db, locator, _first_export())
    assert (first.accepted, first.updated) == (9, 0)
    before = _stored(db)
    result = _import(db, locator, _second_export())
    assert (result.accepted, result.updated, result.duplicates, result.retired) == (0, 3, 3, None)
    assert result.summary() == {"batch": 2, "rows": 6, "accepted": 0, "updated": 3, "rejected": 0, "duplicates": 3}
    after = _stored(db)
    assert after.loc["IDN1", "tewas"] == 2 and "police intervened" in after.loc["IDN2", "kronologi"]
    assert after.loc["IDN3", "lat"] == pytest.approx(-3.45)
    assert (after["id"] == before["id"]).all()  # updated in place, nothing added
    assert after.loc[["IDN1", "IDN2", "IDN3"], "versi"].tolist() == [2, 2, 2]
    assert (after.drop(index=["IDN1", "IDN2", "IDN3"])["versi"] == 1).all()
    history = db.execute("SELECT id_insiden, versi, diubah_oleh, batch_id, alasan, data FROM riwayat_insiden "
                         "ORDER BY id_insiden").fetchall()
    assert [(r[1], r[2], r[3], r[4]) for r in history] == [(1, "analis", 2, "diperbarui_sumber")] * 3
    old = {json.loads(r[5])["id_sumber"]: json.loads(r[5]) for r in history}
    assert old["IDN1"]["tewas"] == 0 and old["IDN2"]["kronologi"] == "Protest 2"
    assert "hash_isi" not in old["IDN1"]  # a content hash confirms a guessed text: never kept to be read
    # the content hash follows the new content: the same file again changes nothing
    again = _import(db, locator, _second_export())
    assert (again.accepted, again.updated, again.duplicates) == (0, 0, 6)
    audit = json.loads(db.execute("SELECT detail FROM audit WHERE action = 'impor' ORDER BY id DESC LIMIT 1 OFFSET 1"
                                  ).fetchone()[0])
    assert audit["diperbarui"] == 3
    batches = db.execute("SELECT id, diterima, diperbarui, duplikat FROM import_batches ORDER BY id").fetchall()
    assert batches[1] == (2, 0, 3, 3)


def test_identical_reimport_adds_and_updates_nothing(db, locator):
    _import(db, locator, _first_export())
    before = fingerprint(db)["incidents"]
    again = _import(db, locator, _first_export(), sync_deletions=True)
    assert (again.accepted, again.updated, again.duplicates, again.retired) == (0, 0, 9, 0)
    assert again.summary()["accepted"] == 0 and again.summary()["updated"] == 0
    assert fingerprint(db)["incidents"] == before
    assert db.execute("SELECT count(*) FROM riwayat_insiden").fetchone()[0] == 0


def _cli(capsys, *args) -> tuple[int, dict | str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    gc.collect()  # let the command's connection go before the test opens the file again
    return code, json.loads(out) if code == 0 else err


def test_sync_deletions_retires_what_the_export_dropped_and_undo_restores_all(fresh_db, tmp_path, capsys):
    first, second = tmp_path / "acled-1.csv", tmp_path / "acled-2.csv"
    first.write_bytes(_acled(_first_export()))
    second.write_bytes(_acled(_second_export()))
    code, line = _cli(capsys, "import", str(first), "--db", str(fresh_db))
    assert code == 0 and line["accepted"] == 9
    con = connect(fresh_db)
    # another source on the same days, and an office's own report: neither is the export's to retire
    con.execute("INSERT INTO incidents (batch_id, sumber, id_sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, "
                "kategori, judul, dibuat_oleh) VALUES (1, 'ucdp', 'U1', 'u1', DATE '2024-05-05', '63', '63.72', "
                "'KAM', 'ucdp', 'u'), (1, 'sigap', 'LAP-1', 's1', DATE '2024-05-05', '63', '63.72', 'SDA', 'kami', 'u')")
    # an analyst raised one event's classification: an export without klasifikasi leaves it so
    con.execute("UPDATE incidents SET klasifikasi = 'Rahasia' WHERE id_sumber = 'IDN1'")
    before, stored = fingerprint(con)["incidents"], _stored(con)
    con.close()
    gc.collect()

    code, line = _cli(capsys, "import", str(second), "--sync-deletions", "--db", str(fresh_db))
    assert code == 0, line
    assert line == {"batch": 2, "rows": 6, "accepted": 0, "updated": 3, "rejected": 0, "duplicates": 3,
                    "retired": 2}
    con = connect(fresh_db)
    after = _stored(con)
    assert after.loc[["IDN5", "IDN6"], "dihapus"].tolist() == [True, True]
    assert after.loc[["IDN5", "IDN6"], "versi"].tolist() == [2, 2]
    assert not after.drop(index=["IDN5", "IDN6"])["dihapus"].any()  # IDN0 (April) lies outside the export
    assert after.loc["IDN1", "klasifikasi"] == "Rahasia" and after.loc["IDN1", "tewas"] == 2
    reasons = con.execute("SELECT alasan, count(*) FROM riwayat_insiden GROUP BY 1 ORDER BY 1").fetchall()
    assert reasons == [("dihapus_sumber", 2), ("diperbarui_sumber", 3)]
    detail = json.loads(con.execute("SELECT detail FROM audit WHERE action = 'impor' ORDER BY id DESC LIMIT 1"
                                    ).fetchone()[0])
    assert detail["sinkron_hapus"] == {"sumber": "acled", "dari": "2024-05-02", "sampai": "2024-05-09",
                                       "dihapus": 2}
    con.close()
    gc.collect()

    code, line = _cli(capsys, "undo", "2", "--db", str(fresh_db))
    assert code == 0 and line == {"batch": 2, "dihapus": 0, "dipulihkan": 5}
    con = connect(fresh_db)
    assert fingerprint(con)["incidents"] == before  # every column, hash and version as before
    assert _stored(con).equals(stored)
    assert con.execute("SELECT count(*) FROM riwayat_insiden").fetchone()[0] == 0
    undo = con.execute("SELECT row_count, detail FROM audit WHERE action = 'batal_impor'").fetchone()
    assert undo[0] == 0 and json.loads(undo[1])["dipulihkan"] == 5
    con.close()


def test_sync_deletions_needs_source_ids(db, locator):
    events = [{**e, "event_id_cnty": ""} for e in _first_export()]
    prepared = prepare_import(db, _acled(events), "acled.csv", locator, user=NATIONAL)
    with pytest.raises(ValueError, match="id_sumber"):
        commit_import(db, prepared, NATIONAL, sync_deletions=True)
    assert db.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0


def test_undo_goes_newest_first(db, locator):
    first = _import(db, locator, _first_export())
    second = _import(db, locator, _second_export(), sync_deletions=True)
    with pytest.raises(ValueError, match=f"batch {second.batch}"):
        undo_batch(db, first.batch, NATIONAL)  # its incidents were changed by a later batch
    third = _import(db, locator, [{**e, "fatalities": "5"} if e["event_id_cnty"] == "IDN1" else e
                                  for e in _second_export()])
    assert third.updated == 1
    with pytest.raises(ValueError, match=f"batch {third.batch}"):
        undo_batch(db, second.batch, NATIONAL)
    assert undo_import(db, third.batch, NATIONAL).restored == 1
    assert db.execute("SELECT tewas, versi FROM incidents WHERE id_sumber = 'IDN1'").fetchone() == (2, 2)
    assert undo_import(db, second.batch, NATIONAL).restored == 5
    assert db.execute("SELECT tewas, versi FROM incidents WHERE id_sumber = 'IDN1'").fetchone() == (0, 1)
    assert undo_batch(db, first.batch, NATIONAL) == 9
    assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0


def test_a_kabupaten_importer_cannot_update_or_retire_another_kabupaten(db, locator):
    national = [_event("IDN1", 2), _event("IDN2", 3), _event("M1", 4, _BJM), _event("M2", 3, _BJM)]
    _import(db, locator, national)
    before = _stored(db)
    # Banjarbaru's export of 2–4 May: its own IDN1 revised, IDN2 gone; M1 (stored in Banjarmasin) now
    # placed in Banjarbaru; M2 (Banjarmasin, 3 May) absent too. Only Banjarbaru's own incidents change.
    events = [_event("IDN1", 2, fatalities="3"), _event("M1", 4, fatalities="9")]
    prepared = prepare_import(db, _acled(events), "acled-bjb.csv", locator, user=BANJARBARU)
    assert prepared.problems.empty
    result = commit_import(db, prepared, BANJARBARU, sync_deletions=True)
    assert (result.accepted, result.updated, result.retired, result.duplicates) == (0, 1, 1, 1)
    assert result.outside_scope == 1
    after = _stored(db)
    assert after.loc["IDN1", "tewas"] == 3 and bool(after.loc["IDN2", "dihapus"])
    assert after.loc[["M1", "M2"]].equals(before.loc[["M1", "M2"]])  # Banjarmasin's: untouched
    changed = db.execute("SELECT DISTINCT i.kode_kab FROM riwayat_insiden r JOIN incidents i ON i.id = r.id_insiden"
                         ).fetchall()
    assert changed == [("63.72",)]
    # a Banjarmasin row in the kabupaten office's file is refused before anything is written
    prepared = prepare_import(db, _acled([_event("M2", 3, _BJM, fatalities="4")]), "x.csv", locator,
                              user=BANJARBARU)
    assert list(prepared.problems["kolom"]) == ["kode_kab"]
    assert commit_import(db, prepared, BANJARBARU).updated == 0
    assert db.execute("SELECT tewas FROM incidents WHERE id_sumber = 'M2'").fetchone()[0] == 0
