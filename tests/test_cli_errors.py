"""Every command, given what a user can get wrong — missing files, bad arguments, hostile files, a
database file that was never set up — ends with one ``galat:`` line and no Python traceback."""

import shutil

import pytest

from sigap.cli import main

GOOD_DATE = "2024-01-01"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "sampah.csv").write_bytes(b"\x00\xff\xfe rusak \x00" * 50)
    (tmp_path / "bukan-zip.xlsx").write_text("ini bukan buku kerja")
    (tmp_path / "kosong.csv").write_text("")
    (tmp_path / "titik.csv").write_text("a,b\n1,2\n")
    (tmp_path / "konteks.csv").write_text("kode,ikp,ikp_tanggal\n63.99,55,16/12/2022\n")
    (tmp_path / "bukan-db.duckdb").write_text("bukan basis data")
    return tmp_path


CASES = [
    ["import", "{d}/tidak-ada.csv"],
    ["import", "{d}/sampah.csv"],
    ["import", "{d}/bukan-zip.xlsx"],
    ["import", "{d}/kosong.csv"],
    ["import", "{d}/titik.csv", "--preset", "acled"],
    ["import", "{d}/titik.csv", "--user", "tidak_ada"],
    ["import", "{d}/titik.csv", "--mapping", "tidak_ada"],
    ["undo", "99999"],
    ["undo", "bukan-angka"],
    ["batches", "--user", "tidak_ada"],
    ["export", "--format", "csv", "--out", "{d}/tidak/ada/x.csv"],
    ["export", "--format", "docx", "--out", "{d}/x.docx"],
    ["export", "--format", "csv", "--out", "{d}/x.csv", "--from", "2024-13-01"],
    ["export", "--format", "csv", "--out", "{d}/x.csv", "--kab", "63.99"],
    ["export", "--format", "csv", "--out", "{d}/x.csv", "--region", "99"],
    ["export", "--format", "csv", "--out", "{d}"],
    ["report", "briefing", "--out", "{d}/tidak/ada/b.pdf"],
    ["report", "triwulan", "--year", "dua-ribu", "--quarter", "1", "--out", "{d}/t.pdf"],
    ["report", "triwulan", "--year", "2024", "--quarter", "7", "--out", "{d}/t.pdf"],
    ["users", "add", "x", "--role", "raja"],
    ["users", "add", "x", "--role", "analis", "--region", "63.99"],
    ["users", "disable", "tidak_ada"],
    ["users", "unlock", "tidak_ada"],
    ["backup", "restore", "{d}/tidak-ada.duckdb"],
    ["backup", "restore", "{d}/bukan-db.duckdb"],
    ["context", "import", "{d}/tidak-ada.csv"],
    ["context", "import", "{d}/konteks.csv"],
    ["indicators", "import", "{d}/tidak-ada.csv", "--name", "penduduk", "--date", GOOD_DATE],
    ["indicators", "import", "{d}/titik.csv", "--name", "Nama Buruk!", "--date", GOOD_DATE],
    ["indicators", "import", "{d}/titik.csv", "--name", "penduduk", "--date", "kemarin"],
    ["regions", "--level", "desa"],
    ["regions", "--level", "kab", "--out", "{d}/tidak/ada/w.csv"],
    ["locate", "{d}/tidak-ada.csv", "--lat", "a", "--lon", "b"],
    ["locate", "{d}/titik.csv", "--lat", "lintang", "--lon", "bujur"],
    ["locate", "{d}/sampah.csv", "--lat", "a", "--lon", "b"],
    ["boundaries", "install", "--source", "{d}/tidak-ada", "--force"],
    ["perintah-tidak-ada"],
    [],
]


def _run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exit after a bad command line
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("db_kind", ["terpasang", "baru"])
@pytest.mark.parametrize("argv", CASES, ids=lambda a: " ".join(a)[:60] or "kosong")
def test_user_mistakes_end_in_one_galat_line(argv, db_kind, files, fresh_db, capsys):
    db = fresh_db if db_kind == "terpasang" else files / "baru.duckdb"
    argv = [a.format(d=files) for a in argv]
    code, out, err = _run(["--db", str(db), *argv], capsys)
    assert code not in (0, None), (argv, out, err)
    assert "Traceback" not in err + out
    lines = [line for line in err.strip().splitlines() if line.strip()]
    galat = [line for line in lines if line.startswith("galat: ")]
    assert len(galat) == 1, (argv, err)


def test_a_database_never_set_up_gets_its_regions_on_first_use(tmp_path, capsys):
    db = tmp_path / "belum-disiapkan.duckdb"
    code, out, err = _run(["--db", str(db), "regions", "--level", "kab"], capsys)
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1 + 514


def test_read_only_commands_work_on_a_database_that_cannot_be_written(fresh_db, tmp_path, monkeypatch, capsys):
    from store import db as store_db

    copy = tmp_path / "arsip" / "sigap.duckdb"
    copy.parent.mkdir()
    shutil.copy(fresh_db, copy)
    # root ignores file permissions, so the test tells the store what a read-only mount would
    monkeypatch.setattr(store_db, "writable", lambda path: False)
    code, out, err = _run(["--db", str(copy), "regions", "--level", "prov"], capsys)
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1 + 38
    code, out, err = _run(["--db", str(copy), "audit", "--verify"], capsys)
    assert "Traceback" not in err
    code, out, err = _run(["--db", str(copy), "users", "add", "baru", "--role", "analis"], capsys)
    assert code == 2 and err.strip().splitlines()[-1].startswith("galat: ")
    assert "hanya dapat dibaca" in err
