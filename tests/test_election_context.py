"""Election context per region: validated import, flags, data dates."""

from datetime import date

import pandas as pd
import pytest

from auth.identity import User
from auth.roles import PermissionDenied
from ingest.tables import TableError as ContextError
from services.context import import_context
from store import connect
from store.election_context import load_context, stale

ANALIS = User("analis", "analis", None, "Rahasia")


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    yield con
    con.close()


GOOD = pd.DataFrame({"kode": ["63.72", "63.71", "62.71"], "jumlah_paslon": ["1", "2", "4"],
                     "petahana": ["ya", "tidak", ""], "sengketa_lalu": ["0", "2", ""],
                     "ikp": ["55,2", "30", ""], "ikp_tanggal": ["16/12/2022", "16/12/2022", ""],
                     "ipkp": ["sangat rawan", "rawan", ""], "ipkp_tanggal": ["01/08/2024", "01/08/2024", ""],
                     "sumber": ["Bawaslu; Polri", "Bawaslu", ""]})


def test_context_import_and_flags(db):
    assert import_context(db, GOOD, "Pilkada 2024", ANALIS) == 3
    frame = load_context(db, "Pilkada 2024", region="63").set_index("kode")
    assert list(frame.index) == ["63.71", "63.72"]
    assert frame.at["63.72", "catatan"] == "calon tunggal (kotak kosong), petahana maju"
    assert frame.at["63.71", "catatan"] == "dua pasangan calon, 2 sengketa sebelumnya"
    assert frame.at["63.72", "ikp"] == pytest.approx(55.2)


def test_bad_rows_are_listed_and_nothing_is_stored(db):
    bad = GOOD.copy()
    bad.loc[0, "kode"] = "99.99"
    bad.loc[1, "ikp_tanggal"] = ""
    bad.loc[2, "ipkp"] = "gawat"
    with pytest.raises(ContextError) as info:
        import_context(db, bad, "Pilkada 2024", ANALIS)
    found = set(zip(info.value.problems["baris"], info.value.problems["kolom"]))
    assert found == {(2, "kode"), (3, "ikp_tanggal"), (4, "ipkp"), (4, "ipkp_tanggal")}
    assert load_context(db, "Pilkada 2024").empty


def test_leaders_cannot_import_context(db):
    with pytest.raises(PermissionDenied):
        import_context(db, GOOD, "Pilkada 2024", User("gub", "pimpinan", None, "Rahasia"))


def test_old_index_is_flagged_stale():
    assert stale(date(2022, 12, 16), today=date(2026, 11, 22))
    assert not stale(date(2026, 6, 1), today=date(2026, 11, 22))
    assert stale(None)


def test_context_command(fresh_db, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    good = tmp_path / "konteks.csv"
    GOOD.to_csv(good, index=False, sep=";")
    out = subprocess.run([sys.executable, "-m", "sigap", "context", "import", str(good), "--db", str(fresh_db)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert '"baris": 3' in out.stdout
    bad = tmp_path / "salah.csv"
    GOOD.assign(kode=["99.99", "63.71", "62.71"]).to_csv(bad, index=False)
    result = subprocess.run([sys.executable, "-m", "sigap", "context", "import", str(bad), "--db", str(fresh_db)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "salah.csv baris 2, kolom kode: bukan kode kabupaten/kota" in result.stderr
