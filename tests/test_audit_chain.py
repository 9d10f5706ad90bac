"""The audit hash chain and its signed head: parallel appends do not fork, and truncation,
re-chaining, edits and a deleted head are each named (SECURITY.md §11–12)."""

import gc
import json
import stat
import threading

import pytest

from sigap.cli import main
from store import connect
from store.audit import KEY_ENV, AuditEvent, ChainCheck, chain_digest, key_file, record, verify_chain
from store.db import transaction


def _log(con, n, actor="admin"):
    for i in range(n):
        with transaction(con):
            record(con, AuditEvent(actor=actor, action="uji", object=f"objek:{i}", detail={"urutan": i}))


def _ids(con):
    return [r[0] for r in con.execute("SELECT id FROM audit ORDER BY id").fetchall()]


def _rechain(con):
    """What someone with write access but without the key can do: recompute every hash."""
    prev = "0" * 64
    rows = con.execute("SELECT id, ts_utc, actor, role, region, action, object, detail, row_count, outcome "
                       "FROM audit ORDER BY id").fetchall()
    for rid, ts, actor, role, region, action, obj, detail, row_count, outcome in rows:
        event = AuditEvent(actor=actor, action=action, outcome=outcome, role=role, region=region, object=obj,
                           row_count=row_count)
        digest = chain_digest(prev, ts, event, detail)
        con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, rid])
        prev = digest


def test_ten_threads_appending_keep_one_chain(con):
    con.execute("CREATE TABLE tindakan (pekerja INTEGER, ke INTEGER)")

    def work(worker):
        cur = con.cursor()
        for i in range(5):
            with transaction(cur):
                cur.execute("INSERT INTO tindakan VALUES (?, ?)", [worker, i])
                record(cur, AuditEvent(actor=f"pekerja{worker}", action="uji", object=f"{worker}:{i}"))
        cur.close()

    errors = []

    def guarded(worker):
        try:
            work(worker)
        except Exception as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(w,)) for w in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert con.execute("SELECT count(*) FROM tindakan").fetchone()[0] == 50
    total, links = con.execute("SELECT count(*), count(DISTINCT prev_hash) FROM audit").fetchone()
    assert total == links == 50
    check = verify_chain(con)
    assert check.ok and check.kind is None and check.rows == 50
    assert con.execute("SELECT n, last_id FROM audit_head").fetchone() == (50, max(_ids(con)))


def test_a_rolled_back_action_leaves_no_audit_row_and_no_head_move(con):
    _log(con, 2)
    with pytest.raises(RuntimeError), transaction(con):
        record(con, AuditEvent(actor="admin", action="uji"))
        raise RuntimeError("batal")
    _log(con, 1)
    assert verify_chain(con).ok and verify_chain(con).rows == 3


def test_intact_chain_result_and_old_callers(con):
    _log(con, 3)
    check = verify_chain(con)
    assert isinstance(check, ChainCheck)
    assert (check.ok, check.kind, check.row_id, check.rows) == (True, None, None, 3)
    assert "utuh" in check.message
    ok, bad = check  # the old tuple form still unpacks
    assert (ok, bad) == (True, None) and check == (True, None)


def test_cutting_off_the_newest_rows_is_truncation(con):
    _log(con, 10)
    last = _ids(con)[-1]
    con.execute("DELETE FROM audit WHERE id > ?", [last - 3])
    check = verify_chain(con)
    assert (check.ok, check.kind, check.row_id, check.rows) == (False, "terpotong", last, 7)
    assert "terpotong" in check.message
    _log(con, 1)  # later appends do not launder it
    assert verify_chain(con).kind == "terpotong"


def test_deleting_a_row_and_recomputing_the_chain_is_caught(con):
    _log(con, 10)
    con.execute("DELETE FROM audit WHERE id = ?", [_ids(con)[4]])
    assert verify_chain(con).kind == "putus"  # without re-chaining the gap shows
    _rechain(con)
    check = verify_chain(con)
    assert (check.ok, check.kind, check.row_id) == (False, "dirantai_ulang", _ids(con)[-1])
    _log(con, 1)
    assert verify_chain(con).kind == "dirantai_ulang"


def test_editing_a_detail_is_caught(con):
    _log(con, 5)
    target = _ids(con)[2]
    con.execute("UPDATE audit SET detail = ? WHERE id = ?", [json.dumps({"urutan": 99}), target])
    check = verify_chain(con)
    assert (check.ok, check.kind, check.row_id) == (False, "diubah", target)


def test_deleted_or_forged_head(con):
    _log(con, 4)
    con.execute("UPDATE audit_head SET n = n - 1")
    assert verify_chain(con).kind == "dirantai_ulang"  # the signature no longer matches
    con.execute("DELETE FROM audit_head")
    check = verify_chain(con)
    assert (check.ok, check.kind) == (False, "kepala_hilang")
    _log(con, 1)  # appends go on, the missing head stays reported
    assert verify_chain(con).kind == "kepala_hilang"


@pytest.mark.parametrize("first_use", ["verify", "record"])
def test_an_existing_database_gets_its_head_at_first_use(con, db_path, first_use):
    _log(con, 3)
    con.execute("DROP TABLE audit_head")  # as a database from before migration 070
    con.execute("DELETE FROM schema_version WHERE versi = 70")
    con.close()
    old = connect(db_path)  # migration 070 runs on a database that already has audit rows
    try:
        start = _ids(old)[-1]
        if first_use == "verify":
            first = verify_chain(old)
            assert first.ok and "baru dimulai" in first.message
        else:
            _log(old, 1)
        rows = len(_ids(old))
        assert old.execute("SELECT n, last_id, mulai_id FROM audit_head").fetchone() == (rows, _ids(old)[-1], start)
        check = verify_chain(old)
        assert check.ok and f"menjamin sejak baris {start}" in check.message
        old.execute("DELETE FROM audit WHERE id = ?", [_ids(old)[-1]])
        assert verify_chain(old).kind == "terpotong"
    finally:
        old.close()


def test_the_key_lives_outside_the_database(con, db_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    _log(con, 1)
    key = key_file(db_path)
    assert key == db_path.parent / "audit.key" and key.exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    monkeypatch.setenv(KEY_ENV, "ab" * 32)  # another key: the head no longer verifies
    check = verify_chain(con)
    assert (check.ok, check.kind) == (False, "dirantai_ulang") and "kunci" in check.message


def test_command_line_verify_and_formula_safe_csv(con, db_path, capsys):
    _log(con, 2, actor="=HYPERLINK(\"http://x\")")
    con.close()
    assert main(["audit", "--verify", "--db", str(db_path)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["utuh"] is True and line["jenis"] is None
    assert main(["audit", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "'=HYPERLINK" in out and out.count("=HYPERLINK") == out.count("'=HYPERLINK") == 2
    gc.collect()  # let the command's connection go
    again = connect(db_path)
    again.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
    again.close()
    gc.collect()
    assert main(["audit", "--verify", "--db", str(db_path)]) == 1
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1
    assert json.loads(out)["jenis"] == "terpotong"
