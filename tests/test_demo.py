"""Synthetic demo data: plausible, complete, clearly labelled and removable."""

from datetime import date

import pandas as pd

from ingest.demo import clear_demo, demo_loaded, generate_demo, load_demo
from store import connect


def test_generated_incidents_are_plausible(kab, kec, locator):
    frame = generate_demo(kab, dict(zip(kec["kode"], kec["nama"])), locator, {"BENTROK": 4.0}, n=400,
                          seed=5, end=date(2026, 6, 30))
    assert len(frame) == 400
    assert set(frame["kategori"]) == {"POL", "SARA", "SDA", "BTS", "EKO", "PEM", "ORM", "IDE", "INF", "KAM", "ASG", "LAIN"}
    assert frame["judul"].str.startswith("[SINTETIS]").all()
    span = pd.to_datetime(frame["tgl_mulai"])
    assert (span.max() - span.min()).days >= 730
    located = frame.dropna(subset=["lat"])
    assert len(located) >= 0.9 * len(frame)
    found = locator.locate(located["lon"].to_numpy(), located["lat"].to_numpy())
    assert (found.kode_kab == located["kode_kab"].to_numpy()).all()  # every point on land in its kabupaten
    assert (found.kode_kec == located["kode_kec"].to_numpy()).all()
    unlocated = frame[frame["lat"].isna()]
    assert (unlocated["presisi_lokasi"] == 3).all()  # no invented point: kabupaten precision
    assert frame["eskalasi"].between(0, 5).all()
    kota_share = frame["kode_kab"].str[3:].astype(int).ge(71).mean()
    assert kota_share > 98 / 514  # cities get more than their share of regions


def test_load_is_one_synthetic_batch_and_clear_removes_it(fresh_db):
    con = connect(fresh_db)
    assert not demo_loaded(con)
    batch = load_demo(con, n=120, seed=1, end=date(2026, 1, 31))
    assert demo_loaded(con)
    assert con.execute("SELECT count(*) FROM incidents WHERE batch_id = ?", [batch]).fetchone()[0] == 120
    assert con.execute("SELECT sintetis FROM import_batches WHERE id = ?", [batch]).fetchone()[0]
    assert clear_demo(con) == 120
    assert not demo_loaded(con)
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
    actions = [r[0] for r in con.execute("SELECT action FROM audit ORDER BY id").fetchall()]
    assert actions == ["demo_muat", "demo_hapus"]
