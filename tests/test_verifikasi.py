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
from store.incidents import IncidentFilter, Scope, aggregate_by_region, query_incidents
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
def db(engine_db):
    return engine_db


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
        [batch, sumber, judul + str(batch) + kab + klasifikasi, tgl, kab[:2], kab, kec, kategori, judul, author, status,
         klasifikasi, lat, lon]).fetchone()[0]


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


# --- 2. what counts ------------------------------------------------------------------------------

def test_verified_only_counts_verified_incidents_and_never_returned_refused_or_merged(db):
    for status in ("draft", "diajukan", "diverifikasi_kab", "diverifikasi_prov", "dikembalikan", "ditolak",
                   "duplikat"):
        _incident(db, status=status, judul=status)
    province = Scope("63", "Rahasia")
    counted = query_incidents(db, IncidentFilter(), province)
    assert sorted(counted["status_verifikasi"]) == ["diajukan", "diverifikasi_kab", "diverifikasi_prov"]
    verified = query_incidents(db, IncidentFilter(verified_only=True), province)
    assert sorted(verified["status_verifikasi"]) == ["diverifikasi_kab", "diverifikasi_prov"]
    assert int(aggregate_by_region(db, IncidentFilter(verified_only=True), province)["jumlah"].sum()) == 2
    everything = query_incidents(db, IncidentFilter(include_drafts=True), province)   # a reader of reports
    assert len(everything) == 7


def test_official_documents_count_verified_reports_unless_the_analyst_includes_the_others(db):
    from reports.briefing import build_briefing
    from reports.triwulan import counted_text, quarter_table

    _incident(db, status="diverifikasi_prov", judul="sudah")
    _incident(db, status="diajukan", judul="belum")
    table, rows = quarter_table(db, KALSEL, "2026 T4", region="63.72")
    assert rows["judul"].tolist() == ["sudah"] and int(table["jumlah"].sum()) == 1
    table, rows = quarter_table(db, KALSEL, "2026 T4", region="63.72", verified_only=False)
    assert sorted(rows["judul"]) == ["belum", "sudah"] and int(table["jumlah"].sum()) == 2
    briefing = build_briefing(db, KALSEL, "2026 T4", region="63.72", today=date(2026, 12, 1))
    assert briefing.counted == counted_text(True) and "sudah diverifikasi" in briefing.counted
    open_briefing = build_briefing(db, KALSEL, "2026 T4", region="63.72", today=date(2026, 12, 1),
                                   verified_only=False)
    assert "belum diverifikasi" in open_briefing.counted


def test_demo_data_is_mostly_verified_so_leaders_still_see_it(db):
    from ingest.demo import load_demo

    load_demo(db, n=400, seed=3, end=date(2026, 12, 1))
    statuses = dict(db.execute("SELECT status_verifikasi, count(*) FROM incidents GROUP BY 1").fetchall())
    assert set(statuses) == {"diverifikasi_prov", "diajukan"} and statuses["diverifikasi_prov"] > 300


# --- 3. history and restore ----------------------------------------------------------------------

def test_history_reads_as_field_old_to_new_and_an_old_version_comes_back_as_a_new_one(db, locator):
    from tests.test_lapor import BJB2, GOOD, _form
    from tests.test_lapor import NOW as LAPOR_NOW

    saved = lapor.file_report(db, _form(), locator, BJB, submit=False, now=LAPOR_NOW)
    lapor.correct_report(db, saved.id, _form({**GOOD, "judul": "Judul baru", "eskalasi": "3"}), locator, BJB,
                         versi=1, submit=False, now=LAPOR_NOW)
    diff = verifikasi.history_diff(db, saved.id, BJB)
    assert diff[["versi", "isian", "lama", "baru"]].values.tolist() == [
        [2, "eskalasi", "2", "3"], [2, "judul", "Blokade jalan tambang oleh warga", "Judul baru"]]
    with pytest.raises(PermissionDenied):
        verifikasi.restore_version(db, saved.id, 1, KALSEL, versi=2, now=LAPOR_NOW)   # the province does not edit
    with pytest.raises(verifikasi.StaleReport):
        verifikasi.restore_version(db, saved.id, 1, BJB2, versi=1, now=LAPOR_NOW)
    assert verifikasi.restore_version(db, saved.id, 1, BJB2, versi=2, now=LAPOR_NOW) == 3
    view = lapor.open_report(db, saved.id, BJB)
    assert (view.row["judul"], view.row["eskalasi"], view.versi, view.status) == (
        "Blokade jalan tambang oleh warga", 2, 3, "draft")
    assert read_audit(db, action="pulihkan_versi")[["actor", "region"]].values.tolist() == [["analis_bjb2", "63.72"]]
    newest = verifikasi.history_diff(db, saved.id, BJB)
    assert newest.loc[newest["versi"] == 3, "alasan"].unique().tolist() == ["dipulihkan"]
    lapor.correct_report(db, saved.id, _form(), locator, BJB, versi=3, submit=True, now=LAPOR_NOW)
    with pytest.raises(PermissionDenied):   # submitted: no longer editable, so no restore either
        verifikasi.restore_version(db, saved.id, 2, BJB, versi=4, now=LAPOR_NOW)


# --- 4. duplicates ----------------------------------------------------------------------------------

def _pair(db, *, score: float = 88.0) -> tuple[int, int]:
    old = _incident(db, sumber="acled", judul="Bentrok warga di pasar", status="diverifikasi_prov",
                    lat=-3.44, lon=114.83)
    new = _incident(db, sumber="ucdp", judul="Bentrok warga pasar", status="diverifikasi_kab", lat=-3.45, lon=114.83)
    db.execute("INSERT INTO kemungkinan_duplikat (id_baru, id_lama, skor, jarak_km) VALUES (?, ?, ?, 1.1)",
               [new, old, score])
    return new, old


def test_merging_a_cross_source_duplicate_takes_exactly_one_off_the_map(db):
    new, old = _pair(db)
    province = Scope("63", "Rahasia")
    before = aggregate_by_region(db, IncidentFilter(), province).set_index("kode")["jumlah"]
    assert verifikasi.duplicate_queue(db, BJM).empty and len(verifikasi.duplicate_queue(db, KALSEL)) == 1
    for user in (GUB, BJM):
        with pytest.raises(PermissionDenied):
            verifikasi.merge_duplicate(db, new, old, old, user, versi=1, now=NOW)
    verifikasi.merge_duplicate(db, new, old, old, BJB, versi=1, note="berita yang sama", now=NOW)
    after = aggregate_by_region(db, IncidentFilter(), province).set_index("kode")["jumlah"]
    assert int(before.sum()) - int(after.sum()) == 1 and int(before["63.72"]) - int(after["63.72"]) == 1
    assert _status(db, new) == ("duplikat", 2)
    from store.verification import merged_into

    assert merged_into(db, new) == old and merged_into(db, old) is None
    assert verifikasi.duplicate_queue(db, KALSEL).empty
    assert read_audit(db, action="gabung_duplikat")["region"].tolist() == ["63.72"]
    with pytest.raises(verifikasi.StaleReport):
        verifikasi.merge_duplicate(db, new, old, old, KALSEL, versi=2, now=NOW)


def test_a_pair_marked_distinct_never_comes_back(db):
    new, old = _pair(db)
    verifikasi.mark_distinct(db, new, old, KALSEL)
    assert verifikasi.duplicate_queue(db, KALSEL).empty
    assert db.execute("SELECT status FROM kemungkinan_duplikat").fetchall() == [("bukan_duplikat",)]
    assert len(query_incidents(db, IncidentFilter(), Scope("63", "Rahasia"))) == 2


# --- 6. inbox -------------------------------------------------------------------------------------

def test_the_inbox_counts_what_waits_for_each_user(db):
    for _ in range(3):
        _incident(db)
    _incident(db, status="diverifikasi_kab")
    _incident(db, status="dikembalikan", author="analis_bjb")
    _pair(db)
    assert verifikasi.inbox(db, BJB) == verifikasi.Inbox(perlu_verifikasi=3, dikembalikan=1, duplikat=1)
    assert verifikasi.inbox(db, KALSEL).perlu_verifikasi == 2        # diverifikasi_kab: the one and the pair's
    assert verifikasi.inbox(db, GUB) == verifikasi.Inbox()
    assert verifikasi.inbox(db, BJB).items()[0] == ("Perlu verifikasi", 3)


# --- pages under AppTest --------------------------------------------------------------------------

@pytest.fixture
def app_env(fresh_db, monkeypatch):
    import streamlit as st

    from tests.apptest import USERS, create_users

    create_users(fresh_db, USERS)
    monkeypatch.setenv("SIGAP_DB", str(fresh_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield fresh_db
    st.cache_resource.clear()


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_leaders_see_verified_counts_and_an_analyst_may_switch_the_others_in(app_env):
    from datetime import timedelta

    from tests.apptest import ANALIS, GUB, open_page

    con = connect(app_env)
    recent = date.today() - timedelta(days=2)
    _incident(con, status="diverifikasi_prov", tgl=recent, judul="sudah")
    _incident(con, status="diajukan", tgl=recent, judul="belum")
    con.close()
    leader = open_page("pimpinan", GUB).run()
    assert not leader.exception
    assert _metric(leader, "Insiden 7 hari terakhir") == "1"
    assert _metric(leader, "Kasus belum selesai") == "1"
    assert not [t for t in leader.toggle if t.key == "pimpinan_belum_verifikasi"]      # no switch for leaders
    assert any("sudah diverifikasi" in c.value for c in leader.caption)
    analyst = open_page("pimpinan", ANALIS).run()
    assert _metric(analyst, "Insiden 7 hari terakhir") == "1"
    analyst.toggle(key="pimpinan_belum_verifikasi").set_value(True).run()
    assert not analyst.exception
    assert _metric(analyst, "Insiden 7 hari terakhir") == "2"
    assert _metric(analyst, "Kasus belum selesai") == "2"
    assert any("termasuk yang belum diverifikasi" in c.value for c in analyst.caption)


def test_the_verification_and_duplicate_pages_work_for_a_kabupaten_verifier(app_env):
    from tests.apptest import ANALIS_BJB, GUB, open_page

    con = connect(app_env)
    _incident(con, judul="Menunggu verifikasi")
    new, old = _pair(con)
    con.close()
    at = open_page("verifikasi", ANALIS_BJB).run()
    assert not at.exception
    assert any("Menunggu verifikasi Anda (1)" in s.value for s in at.subheader)
    assert any("judul" in d.value.columns for d in at.dataframe)   # the queue is there
    # the selection of a dataframe row is not scriptable in AppTest: verify through the batch form
    assert any("sumber tepercaya" in c.value for c in at.caption)
    dup = open_page("duplikat", ANALIS_BJB).run()
    assert not dup.exception
    dup.button(key="duplikat_pertahankan_lama").click().run()
    assert not dup.exception
    assert any(f"Insiden {new} ditandai duplikat dari {old}" in s.value for s in dup.success)
    assert any("Tidak ada kemungkinan duplikat" in i.value for i in dup.info)
    leader = open_page("verifikasi", GUB).run()        # not in a leader's navigation
    assert leader.exception or not any("Menunggu" in s.value for s in leader.subheader)


def test_the_report_page_shows_the_history_as_a_diff_and_restores_a_version(app_env, locator):
    from tests.apptest import ANALIS_BJB, GUB, open_page
    from tests.test_lapor import GOOD, _form
    from tests.test_lapor import NOW as LAPOR_NOW

    con = connect(app_env)
    saved = lapor.file_report(con, _form(), locator, ANALIS_BJB, submit=False, now=LAPOR_NOW)
    lapor.correct_report(con, saved.id, _form({**GOOD, "judul": "Judul kedua"}), locator, ANALIS_BJB, versi=1,
                         submit=False, now=LAPOR_NOW)
    con.close()
    at = open_page("laporan", ANALIS_BJB, state={"laporan_dibuka": saved.id}).run()
    assert not at.exception
    diff = next(d.value for d in at.dataframe if "perubahan" in d.value.columns)
    assert diff.loc[diff["isian"] == "judul", "perubahan"].tolist() == ["Blokade jalan tambang oleh warga → Judul kedua"]
    at.selectbox(key="laporan_versi_lama").set_value(1)
    next(b for b in at.button if b.label == "Pulihkan versi ini").click().run()
    assert not at.exception
    assert any("dipulihkan sebagai versi 3" in s.value for s in at.success)
    assert any(t.value == "Blokade jalan tambang oleh warga" for t in at.text)
    leader = open_page("laporan", GUB, state={"laporan_dibuka": saved.id}).run()
    assert not [s for s in leader.selectbox if s.key == "laporan_versi_lama"]     # may not edit: no restore


def test_the_inbox_component_draws_one_line_of_counts(app_env):
    from streamlit.testing.v1 import AppTest

    con = connect(app_env)
    _incident(con)
    _incident(con)
    con.close()

    def script():
        from pages.components.inbox import show_inbox
        from tests.apptest import ANALIS_BJB, GUB

        show_inbox(ANALIS_BJB)
        show_inbox(GUB)          # a leader: nothing

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    assert shown == ["☑️ Perlu verifikasi (2)"]


# --- 5. cases ---------------------------------------------------------------------------------------

def test_the_case_profile_reads_its_file():
    profile = verifikasi.load_case_profile()
    assert (profile.verification_days, profile.follow_up_days) == (3, 5) and profile.recurrence_days > 0


def test_follow_ups_are_scoped_audited_and_open_cases_show_overdue_ones(db):
    monday = datetime(2026, 11, 2, 2, 0)
    late = _incident(db)                                           # submitted Monday, never verified nor followed up
    handled = _incident(db, status="diverifikasi_kab")
    settled = _incident(db, status="diverifikasi_prov")
    db.execute("UPDATE incidents SET dibuat_pada = ? WHERE id IN (?, ?, ?)", [monday, late, handled, settled])
    db.execute("UPDATE incidents SET status_penanganan = 'selesai_damai' WHERE id = ?", [settled])
    for user in (GUB, BJM):
        with pytest.raises(PermissionDenied):
            verifikasi.add_follow_up(db, handled, user, tanggal=date(2026, 11, 3), tindakan="Rapat", now=NOW)
    with pytest.raises(ValueError, match="tindakan"):
        verifikasi.add_follow_up(db, handled, BJB, tanggal=date(2026, 11, 3), tindakan=" ", now=NOW)
    verifikasi.add_follow_up(db, handled, BJB, tanggal=date(2026, 11, 3), tindakan="Rapat koordinasi",
                             instansi="Polres", hasil="Sepakat berdamai", now=NOW)
    assert verifikasi.follow_ups(db, handled, KALSEL)[["tindakan", "instansi"]].values.tolist() == [
        ["Rapat koordinasi", "Polres"]]
    assert read_audit(db, action="tindak_lanjut")["region"].tolist() == ["63.72"]
    profile = verifikasi.CaseProfile(3, 5, 30)
    # Thursday: 3 working days since Monday, not late yet; Friday: 4 > 3, verification late
    thursday = verifikasi.open_cases(db, KALSEL, today=date(2026, 11, 5), profile=profile).set_index("id")
    assert settled not in thursday.index and set(thursday.index) == {late, handled}
    assert not thursday["terlambat_verifikasi"].any()
    friday = verifikasi.open_cases(db, KALSEL, today=date(2026, 11, 6), profile=profile).set_index("id")
    assert friday.at[late, "terlambat_verifikasi"] and not friday.at[handled, "terlambat_verifikasi"]
    assert not friday["terlambat_tindak_lanjut"].any()
    later = verifikasi.open_cases(db, KALSEL, today=date(2026, 11, 10), profile=profile).set_index("id")
    assert later.at[late, "terlambat_tindak_lanjut"] and not later.at[handled, "terlambat_tindak_lanjut"]
    assert verifikasi.open_cases(db, BJM, today=date(2026, 11, 10), profile=profile).empty


@pytest.mark.parametrize(("gap", "flagged"), [(30, True), (31, False)])
def test_a_new_report_within_n_days_of_a_settled_case_is_berulang(db, gap, flagged):
    from datetime import timedelta

    settled = _incident(db, status="diverifikasi_prov", tgl=date(2026, 9, 1), judul="kasus lama")
    db.execute("UPDATE incidents SET status_penanganan = 'selesai_damai', tgl_selesai = ? WHERE id = ?",
               [date(2026, 9, 10), settled])
    new = _incident(db, tgl=date(2026, 9, 10) + timedelta(days=gap), judul="kasus baru")
    _incident(db, tgl=date(2026, 9, 12), kategori="POL", judul="kategori lain")
    _incident(db, tgl=date(2026, 9, 12), kec="63.72.01", judul="kecamatan lain")
    found = verifikasi.recurring(db, KALSEL, profile=verifikasi.CaseProfile(3, 5, 30))
    assert found["id"].tolist() == ([new] if flagged else [])
    if flagged:
        assert found["id_selesai"].tolist() == [settled] and found["hari"].tolist() == [30]
    cases = verifikasi.open_cases(db, KALSEL, today=date(2026, 12, 1), profile=verifikasi.CaseProfile(3, 5, 30))
    assert cases.set_index("id").at[new, "berulang"] == flagged


def test_the_case_page_lists_open_cases_with_overdue_counts(app_env):
    from tests.apptest import ANALIS_BJB, open_page

    con = connect(app_env)
    _incident(con)
    db_settled = _incident(con, status="diverifikasi_prov")
    con.execute("UPDATE incidents SET dibuat_pada = TIMESTAMP '2026-01-05 02:00:00'")
    con.execute("UPDATE incidents SET status_penanganan = 'selesai_hukum' WHERE id = ?", [db_settled])
    con.close()
    at = open_page("kasus", ANALIS_BJB).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Kasus terbuka"] == "1" and metrics["Terlambat verifikasi"] == "1"
    assert metrics["Terlambat tindak lanjut"] == "1"
    at.toggle(key="kasus_terlambat").set_value(True).run()
    assert not at.exception


def test_a_kabupaten_verifier_decides_on_the_page_and_a_note_is_required_to_return(app_env):
    from tests.apptest import ANALIS_BJB, open_page

    con = connect(app_env)
    incident = _incident(con, judul="Menunggu keputusan")
    con.close()
    at = open_page("verifikasi", ANALIS_BJB).run()
    at.selectbox(key="verifikasi_pilih").set_value(incident).run()
    assert not at.exception
    at.radio(key="verifikasi_ke").set_value("dikembalikan")
    next(b for b in at.button if b.label == "Simpan keputusan").click().run()
    assert any("catatan" in e.value for e in at.error)
    at.radio(key="verifikasi_ke").set_value("diverifikasi_kab")
    next(b for b in at.button if b.label == "Simpan keputusan").click().run()
    assert not at.exception
    assert any(f"Insiden {incident}: verifikasi (kabupaten/kota)" in s.value for s in at.success)
    assert any("Menunggu verifikasi Anda (0)" in s.value for s in at.subheader)


# --- 7. undoing an import batch ---------------------------------------------------------------------

def _acled_batch(db, locator, events):
    """An ACLED export imported by the national analyst: the batch's result."""
    from ingest.importer import prepare_import
    from services.imports import commit_import
    from tests.test_living_sources import _acled

    prepared = prepare_import(db, _acled(events), "acled.csv", locator, user=NATIONAL)
    assert prepared.problems.empty, prepared.problems
    return commit_import(db, prepared, NATIONAL)


def _batch_ids(db, batch: int) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM incidents WHERE batch_id = ? ORDER BY id", [batch]).fetchall()]


@pytest.mark.parametrize("how", ["satu", "batch", "diverifikasi_lalu_dikembalikan"])
def test_a_batch_with_a_verified_incident_is_not_undone_and_nothing_changes(db, locator, how):
    from services.imports import undo_import
    from store.backup import fingerprint
    from tests.test_living_sources import _event

    done = _acled_batch(db, locator, [_event("IDN1", 3), _event("IDN2", 4, notes="Protest 2")])
    first, second = _batch_ids(db, done.batch)
    if how == "batch":            # the whole trusted batch verified in one action
        assert verifikasi.verify_batch(db, done.batch, BJB, now=NOW) == 2
    else:
        verifikasi.transition(db, first, "diverifikasi_kab", BJB, versi=1, now=NOW)
    if how == "diverifikasi_lalu_dikembalikan":   # verified once, then returned: still verified before
        verifikasi.transition(db, first, "dikembalikan", KALSEL, versi=2, note="Periksa lokasi.", now=NOW)
    n = 2 if how == "batch" else 1
    before = fingerprint(db)
    with pytest.raises(ValueError, match=rf"batch {done.batch} tidak dapat dibatalkan: {n} insidennya sudah "
                                         r"diverifikasi \(kabupaten/kota atau provinsi\).*Tidak ada yang diubah"):
        undo_import(db, done.batch, NATIONAL)
    assert fingerprint(db) == before
    assert read_audit(db, action="batal_impor").empty
    assert _batch_ids(db, done.batch) == [first, second]
    # a batch nobody verified is still undone
    other = _acled_batch(db, locator, [_event("IDN9", 9, notes="Protest 9")])
    assert undo_import(db, other.batch, NATIONAL).removed == 1


def test_an_update_verified_after_a_newer_export_keeps_that_export_from_being_undone(db, locator):
    from services.imports import undo_import
    from tests.test_living_sources import _event

    first = _acled_batch(db, locator, [_event("IDN1", 3)])
    (incident,) = _batch_ids(db, first.batch)
    revised = _acled_batch(db, locator, [_event("IDN1", 3, fatalities="2")])   # the source revised it
    assert revised.updated == 1
    verifikasi.transition(db, incident, "diverifikasi_kab", BJB, versi=2, now=NOW)
    with pytest.raises(ValueError, match="1 insidennya sudah diverifikasi"):
        undo_import(db, revised.batch, NATIONAL)
    assert _status(db, incident) == ("diverifikasi_kab", 3)


@pytest.mark.parametrize("before_merge", ["diajukan", "diverifikasi_kab"])
def test_undoing_the_batch_of_a_merge_survivor_counts_its_duplicate_again_exactly_once(db, locator, before_merge):
    from services.imports import undo_import
    from store.verification import merged_into
    from tests.test_living_sources import _event

    done = _acled_batch(db, locator, [_event("IDN7", 12)])
    (survivor,) = _batch_ids(db, done.batch)
    kategori, tgl = db.execute("SELECT kategori, tgl_mulai FROM incidents WHERE id = ?", [survivor]).fetchone()
    office = _incident(db, sumber="sigap", judul="Unjuk rasa mahasiswa", status=before_merge, author="petugas_bjb",
                       tgl=tgl, kategori=kategori, lat=-3.442, lon=114.831)
    db.execute("INSERT INTO kemungkinan_duplikat (id_baru, id_lama, skor, jarak_km) VALUES (?, ?, 90, 0.1)",
               [office, survivor])
    province = Scope("63", "Rahasia")
    counted = IncidentFilter(verified_only=before_merge == "diverifikasi_kab")

    def on_map() -> dict:
        return aggregate_by_region(db, counted, province).set_index("kode")["jumlah"].astype(int).to_dict()

    assert on_map() == {"63.72": 2 if before_merge == "diajukan" else 1}
    verifikasi.merge_duplicate(db, office, survivor, survivor, BJB, versi=1, note="berita yang sama", now=NOW)
    assert _status(db, office) == ("duplikat", 2) and merged_into(db, office) == survivor
    undone = undo_import(db, done.batch, NATIONAL)
    assert (undone.removed, undone.restored, undone.reopened) == (1, 0, 1)
    # the office's report counts again, once, with the status it had before the merge, and is no one's duplicate
    assert on_map() == {"63.72": 1}
    assert query_incidents(db, counted, province)["id"].tolist() == [office]
    assert _status(db, office) == (before_merge, 3) and merged_into(db, office) is None
    assert db.execute("SELECT count(*) FROM kemungkinan_duplikat").fetchone()[0] == 0
    step = verifikasi.verification_steps(db, office, KALSEL).iloc[0]
    assert (step["dari"], step["ke"], step["oleh"], step["batch_id"]) == ("duplikat", before_merge, "analis_pusat",
                                                                          done.batch)
    assert f"batch {done.batch} dibatalkan" in step["catatan"] and str(survivor) in step["catatan"]
    assert db.execute("SELECT versi, alasan, data->>'status_verifikasi' FROM riwayat_insiden WHERE id_insiden = ? "
                      "ORDER BY versi", [office]).fetchall() == [(1, "status_verifikasi", before_merge),
                                                                  (2, "gabung_dibatalkan", "duplikat")]
    assert '"duplikat_dibuka_kembali":1' in read_audit(db, action="batal_impor")["detail"].iloc[0].replace(" ", "")
    assert verifikasi.duplicate_queue(db, KALSEL).empty


# --- 8. leaders' open cases and the back-test count verified incidents ------------------------------

def test_open_cases_for_leaders_count_verified_incidents_unless_asked(db):
    from store.incidents import count_unsettled

    for status in ("diverifikasi_prov", "diverifikasi_kab", "diajukan", "dikembalikan", "draft"):
        _incident(db, status=status, judul=status)
    settled = _incident(db, status="diverifikasi_prov", judul="selesai")
    db.execute("UPDATE incidents SET status_penanganan = 'selesai_damai' WHERE id = ?", [settled])
    province = Scope("63", "Rahasia")
    assert count_unsettled(db, province) == 2
    assert count_unsettled(db, province, verified_only=False) == 3
    assert count_unsettled(db, Scope("63.71", "Rahasia"), verified_only=False) == 0


def _history(db) -> None:
    """Three incidents of earlier triwulan in Banjarbaru: two verified, one only submitted."""
    _incident(db, status="diverifikasi_prov", tgl=date(2025, 2, 3), judul="a")
    _incident(db, status="diajukan", tgl=date(2025, 5, 4), judul="b")
    _incident(db, status="diverifikasi_kab", tgl=date(2025, 8, 5), judul="c")


def test_the_backtest_of_the_documents_counts_verified_incidents_unless_asked(db, monkeypatch):
    import analysis.backtest
    from reports.triwulan import backtest_paragraph

    seen = []

    def evaluate(counts, kab, profile, **kwargs):
        seen.append(int(counts["jumlah"].sum()))
        raise ValueError("riwayat pendek")

    monkeypatch.setattr(analysis.backtest, "evaluate", evaluate)
    _history(db)
    assert "belum cukup panjang" in backtest_paragraph(db, KALSEL, "2026 T3", region="63.72")
    backtest_paragraph(db, KALSEL, "2026 T3", region="63.72", verified_only=False)
    assert seen == [2, 3]


def test_the_backtest_and_forecast_of_the_leaders_page_count_verified_incidents_unless_asked(fresh_db, monkeypatch):
    from types import SimpleNamespace

    import pandas as pd

    import pages.components.ipk as ipk
    from analysis.profile import load_profile
    from settings import PROFILE_FILE
    from tests.apptest import served

    con = connect(fresh_db)
    _history(con)
    con.close()
    seen = []

    def evaluate(counts, kab, profile, **kwargs):
        seen.append(("uji balik", int(counts["jumlah"].sum())))

    def forecast_counts(counts, codes, origin):
        seen.append(("prakiraan", int(counts["jumlah"].sum())))
        return SimpleNamespace(frame=pd.DataFrame({"kode": pd.Series(dtype=str)}))

    monkeypatch.setattr(ipk, "evaluate", evaluate)
    monkeypatch.setattr(ipk, "forecast_counts", forecast_counts)
    profiles = {"ipk": load_profile(PROFILE_FILE)}
    with served(fresh_db, monkeypatch):
        ipk.backtest("63", "Rahasia", profiles)
        ipk.next_quarter_forecast("63", "Rahasia")
        ipk.backtest("63", "Rahasia", profiles, verified_only=False)
        ipk.next_quarter_forecast("63", "Rahasia", verified_only=False)
    assert seen == [("uji balik", 2), ("prakiraan", 2), ("uji balik", 3), ("prakiraan", 3)]
