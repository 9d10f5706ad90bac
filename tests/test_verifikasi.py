"""Verifikasi berjenjang (issue 15): rights at the service function, optimistic versions, history,
batches from trusted sources, what leaders count, duplicates and the inbox."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest

from auth.roles import PermissionDenied
from services import lapor, verifikasi
from store import connect
from store.audit import read_audit
from store.incidents import IncidentFilter, Scope, query_incidents
from tests.apptest import User

BJB = User("analis_bjb", "analis", "63.72", "Rahasia")          # Kota Banjarbaru
BJB_ADMIN = User("admin_bjb", "admin", "63.72", "Rahasia")
BJM = User("analis_bjm", "analis", "63.71", "Rahasia")          # Kota Banjarmasin
KALSEL = User("analis_kalsel", "analis", "63", "Rahasia")       # the province
KALTIM = User("analis_kaltim", "analis", "64", "Rahasia")
NATIONAL = User("analis_pusat", "analis", None, "Rahasia")
BIASA = User("staf_bjb", "analis", "63.72", "Biasa")
GUB = User("gub", "pimpinan", "63", "Rahasia")
NOW = datetime(2026, 12, 2, 1, 0)


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    yield con
    con.close()


def _batch(db, sumber: str = "acled") -> int:
    return db.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('uji.csv', ?, 'impor') "
                      "RETURNING id", [sumber]).fetchone()[0]


def _incident(db, *, kab: str = "63.72", kec: str | None = "63.72.04", status: str = "diajukan",
              batch: int | None = None, sumber: str = "acled", judul: str = "Bentrok warga", author: str = "impor",
              klasifikasi: str = "Biasa", tgl: date = date(2026, 11, 20), kategori: str = "SDA",
              lat: float | None = None, lon: float | None = None) -> int:
    batch = batch if batch is not None else _batch(db, sumber)
    return db.execute(
        "INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kode_kec, kategori, "
        "judul, dibuat_oleh, status_verifikasi, klasifikasi, lat, lon) "
        "VALUES (?, ?, md5(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [batch, sumber, judul + str(batch), tgl, kab[:2], kab, kec, kategori, judul, author, status, klasifikasi,
         lat, lon]).fetchone()[0]


def _status(db, incident: int) -> tuple[str, int]:
    return db.execute("SELECT status_verifikasi, versi FROM incidents WHERE id = ?", [incident]).fetchone()


# --- 1. states and rights ------------------------------------------------------------------------

def test_the_kabupaten_verifies_submitted_incidents_of_its_own_kabupaten_only(db):
    incident = _incident(db)
    for user, message in ((GUB, "tidak berwenang"), (BJM, "di luar cakupan"), (KALTIM, "di luar cakupan"),
                          (KALSEL, "verifikator kabupaten/kota"), (BIASA, None)):
        with pytest.raises(PermissionDenied, match=message):
            if user is BIASA:        # above clearance
                other = _incident(db, klasifikasi="Rahasia")
                verifikasi.transition(db, other, "diverifikasi_kab", user, versi=1, now=NOW)
            verifikasi.transition(db, incident, "diverifikasi_kab", user, versi=1, now=NOW)
    with pytest.raises(PermissionDenied, match="diverifikasi provinsi"):
        verifikasi.transition(db, incident, "diverifikasi_prov", BJB, versi=1, now=NOW)   # no level skipped
    assert _status(db, incident) == ("diajukan", 1)
    assert verifikasi.transition(db, incident, "diverifikasi_kab", BJB, versi=1, note="cocok dengan Polres",
                                 now=NOW) == 2
    assert _status(db, incident) == ("diverifikasi_kab", 2)
    # the version replaced is kept, the step and the audit row name the actor's role and region
    assert db.execute("SELECT versi, alasan, data->>'status_verifikasi' FROM riwayat_insiden").fetchall() == [
        (1, "status_verifikasi", "diajukan")]
    audit = read_audit(db, action="verifikasi")
    assert audit[["actor", "role", "region", "object"]].values.tolist() == [
        ["analis_bjb", "analis", "63.72", f"insiden:{incident}"]]
    assert "cocok dengan Polres" in audit["detail"].iloc[0]
    steps = verifikasi.verification_steps(db, incident, KALSEL)
    assert steps[["dari", "ke", "oleh", "peran", "wilayah"]].values.tolist() == [
        ["diajukan", "diverifikasi_kab", "analis_bjb", "analis", "63.72"]]


def test_the_province_verifies_after_the_kabupaten_and_national_does_both(db):
    incident = _incident(db)
    with pytest.raises(PermissionDenied):
        verifikasi.transition(db, incident, "diverifikasi_prov", KALSEL, versi=1, now=NOW)
    verifikasi.transition(db, incident, "diverifikasi_kab", BJB_ADMIN, versi=1, now=NOW)   # admin of the kab
    for user in (BJB, BJM, KALTIM, GUB):
        with pytest.raises(PermissionDenied):
            verifikasi.transition(db, incident, "diverifikasi_prov", user, versi=2, now=NOW)
    assert verifikasi.transitions_for({"kode_kab": "63.72", "status_verifikasi": "diverifikasi_kab",
                                       "klasifikasi": "Biasa"}, KALSEL) == [
        "diverifikasi_prov", "dikembalikan", "ditolak"]
    assert verifikasi.transition(db, incident, "diverifikasi_prov", KALSEL, versi=2, now=NOW) == 3
    with pytest.raises(PermissionDenied):    # nothing moves a verified incident back through this door
        verifikasi.transition(db, incident, "ditolak", NATIONAL, versi=3, note="x", now=NOW)
    other = _incident(db, kab="11.06", kec=None)
    verifikasi.transition(db, other, "diverifikasi_kab", NATIONAL, versi=1, now=NOW)
    verifikasi.transition(db, other, "diverifikasi_prov", NATIONAL, versi=2, now=NOW)
    assert _status(db, other) == ("diverifikasi_prov", 3)


def test_returning_and_refusing_need_a_note_and_nobody_verifies_their_own_report(db):
    incident = _incident(db, author="analis_bjb")
    with pytest.raises(PermissionDenied, match="sendiri"):
        verifikasi.transition(db, incident, "diverifikasi_kab", BJB, versi=1, now=NOW)
    with pytest.raises(ValueError, match="catatan"):
        verifikasi.transition(db, incident, "dikembalikan", BJB_ADMIN, versi=1, note="  ", now=NOW)
    verifikasi.transition(db, incident, "dikembalikan", BJB_ADMIN, versi=1, note="Lengkapi aktor.", now=NOW)
    assert _status(db, incident) == ("dikembalikan", 2)
    with pytest.raises(PermissionDenied):   # back with its author: no verifier moves it until resubmitted
        verifikasi.transition(db, incident, "ditolak", BJB_ADMIN, versi=2, note="x", now=NOW)
    refused = _incident(db)
    verifikasi.transition(db, refused, "ditolak", BJB, versi=1, note="Hoaks, dibantah Polres.", now=NOW)
    assert _status(db, refused) == ("ditolak", 2)
    assert set(read_audit(db, action="verifikasi")["region"]) == {"63.72"}


def test_a_stale_version_is_refused_and_two_concurrent_verifiers_lose_nothing(db):
    incident = _incident(db)
    verifikasi.transition(db, incident, "diverifikasi_kab", BJB, versi=1, now=NOW)
    with pytest.raises(verifikasi.StaleReport):
        verifikasi.transition(db, incident, "diverifikasi_prov", KALSEL, versi=1, now=NOW)

    race = _incident(db)
    barrier, outcomes = threading.Barrier(2), {}

    def act(name, to, note):
        cursor = db.cursor()
        barrier.wait()
        try:
            outcomes[name] = verifikasi.transition(cursor, race, to, BJB if name == "a" else BJB_ADMIN, versi=1,
                                                   note=note, now=NOW)
        except verifikasi.StaleReport as exc:
            outcomes[name] = exc
        finally:
            cursor.close()

    threads = [threading.Thread(target=act, args=("a", "diverifikasi_kab", "")),
               threading.Thread(target=act, args=("b", "dikembalikan", "Lengkapi kronologi."))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [name for name, value in outcomes.items() if value == 2]
    lost = [name for name, value in outcomes.items() if isinstance(value, verifikasi.StaleReport)]
    assert len(won) == 1 and len(lost) == 1
    status, versi = _status(db, race)
    assert versi == 2 and status == {"a": "diverifikasi_kab", "b": "dikembalikan"}[won[0]]
    assert db.execute("SELECT count(*) FROM riwayat_insiden WHERE id_insiden = ?", [race]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM verifikasi_langkah WHERE id_insiden = ?", [race]).fetchone()[0] == 1


def test_a_trusted_batch_is_verified_in_one_audited_action_inside_the_region_only(db):
    batch = _batch(db, "acled")
    mine = [_incident(db, batch=batch, judul=f"Insiden {n}") for n in range(3)]
    other = _incident(db, batch=batch, kab="63.71", kec=None)
    secret = _incident(db, batch=batch, klasifikasi="Rahasia")
    assert verifikasi.verify_batch(db, batch, BIASA, now=NOW) == 3            # clearance Biasa: not the secret one
    assert [_status(db, i)[0] for i in mine] == ["diverifikasi_kab"] * 3
    assert _status(db, other) == ("diajukan", 1) and _status(db, secret) == ("diajukan", 1)
    assert verifikasi.verify_batch(db, batch, BJB, now=NOW) == 1              # the secret one
    audit = read_audit(db, action="verifikasi_batch")
    assert sorted(audit["row_count"]) == [1, 3] and set(audit["region"]) == {"63.72"}
    assert verifikasi.verify_batch(db, batch, KALSEL, now=NOW) == 4           # the province's step next
    assert _status(db, other) == ("diajukan", 1)
    assert db.execute("SELECT count(*) FROM riwayat_insiden").fetchone()[0] == 8
    untrusted = _batch(db, "sigap")
    _incident(db, batch=untrusted)
    with pytest.raises(PermissionDenied, match="bukan sumber tepercaya"):
        verifikasi.verify_batch(db, untrusted, BJB, now=NOW)
    with pytest.raises(PermissionDenied):
        verifikasi.verify_batch(db, batch, GUB, now=NOW)


def test_a_report_returned_through_lapor_is_dikembalikan_and_editable(db, locator):
    from tests.test_lapor import GOOD, _form
    from tests.test_lapor import NOW as LAPOR_NOW

    saved = lapor.file_report(db, _form(), locator, BJB, submit=True, now=LAPOR_NOW)
    lapor.return_report(db, saved.id, KALSEL, versi=1, reason="Periksa lokasi.")
    view = lapor.open_report(db, saved.id, BJB)
    assert view.status == "dikembalikan" and lapor.can_edit(view, BJB)
    assert query_incidents(db, IncidentFilter(), Scope("63", "Rahasia")).empty     # not counted while returned
    lapor.correct_report(db, saved.id, _form({**GOOD, "judul": "Diperbaiki"}), locator, BJB, versi=2, submit=True,
                         now=LAPOR_NOW)
    assert lapor.open_report(db, saved.id, BJB).status == "diajukan"
