"""Backup drill: snapshot while open, change data, restore, everything equal to the snapshot."""

import json
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from ingest.demo import load_demo
from store import StoreError, connect
from store.backup import anchor_file, fingerprint, restore_snapshot, take_snapshot
from tests.conftest import ROOT


def test_snapshot_and_restore_bring_back_exactly_what_was_saved(fresh_db):
    con = connect(fresh_db)
    load_demo(con, n=200, seed=9, end=date(2025, 12, 31))
    saved = fingerprint(con)
    snap = take_snapshot(con, fresh_db)
    con.execute("DELETE FROM incidents WHERE kategori = 'POL'")
    assert fingerprint(con) != saved
    con.close()
    restore_snapshot(snap, fresh_db)
    again = connect(fresh_db)
    assert fingerprint(again) == saved
    assert len(list(fresh_db.parent.glob(fresh_db.name + ".sebelum-pulih-*"))) == 1  # the old file is kept


def test_second_restore_keeps_the_first_safety_copy(fresh_db):
    con = connect(fresh_db)
    load_demo(con, n=50, seed=3, end=date(2025, 12, 31))
    snap = take_snapshot(con, fresh_db)
    anchor = json.loads(anchor_file(snap).read_text())
    assert anchor["audit_baris"] == con.execute("SELECT count(*) FROM audit").fetchone()[0] > 0
    assert anchor["sidik_jari"]["incidents"][0] == 50
    con.close()
    restore_snapshot(snap, fresh_db)
    first = set(fresh_db.parent.glob(fresh_db.name + ".sebelum-pulih-*"))
    restore_snapshot(snap, fresh_db)
    copies = set(fresh_db.parent.glob(fresh_db.name + ".sebelum-pulih-*"))
    assert first < copies and len(copies) == 2  # the first safety copy survived the second restore
    for copy in copies:
        probe = duckdb.connect(str(copy), read_only=True)
        assert probe.execute("SELECT count(*) FROM incidents").fetchone()[0] == 50
        probe.close()


def test_hardened_connection_writes_only_to_the_backup_folder(fresh_db, tmp_path):
    con = connect(fresh_db)
    with pytest.raises(duckdb.PermissionException):
        con.execute("ATTACH ? AS elsewhere", [str(tmp_path / "elsewhere.duckdb")])


def test_restore_refuses_a_broken_snapshot(fresh_db, tmp_path):
    bad = tmp_path / "bukan.duckdb"
    bad.write_bytes(b"bukan basis data")
    with pytest.raises(StoreError, match="tidak dapat dibuka"):
        restore_snapshot(bad, fresh_db)


def test_backup_command(fresh_db):
    out = subprocess.run([sys.executable, "-m", "sigap", "--db", str(fresh_db), "backup", "create"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    assert result["baris"]["regions"] == 38 + 514 + 7285
    listed = subprocess.run([sys.executable, "-m", "sigap", "--db", str(fresh_db), "backup", "list"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert result["cadangan"] in listed
