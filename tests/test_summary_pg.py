"""The national map's summary on PostgreSQL (migration 910): after every kind of write — imports,
verification, edits that move an incident to another month or kabupaten, soft and hard deletes, a
change of a bentuk's weight — :func:`store.incidents.aggregate_by_region` read from the summary
(whole months, folded and pending changes) plus the partial months from incident rows equals the
same aggregation over every incident row, for any date range, kategori, sifat (the three map
kinds), verification switch and scope. And the app's role reads the summary only inside its region and cannot write it."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

STATUSES = ("draft", "diajukan", "diverifikasi_kab", "diverifikasi_prov", "dikembalikan", "ditolak", "duplikat")
KINDS = ("POL", "SARA", "SDA", "KAM")
NATURES = ("potensi", "gejala", "kejadian")
FORMS = ("UR_DAMAI", "UR_BENTROK", "KERUSUHAN", "TIDAK_ADA")  # the last one is no vocab code: weight 2
START = date(2024, 1, 1)
DAYS = 3 * 366


def _insert(sql, rng, first_id: int, n: int, codes: list[tuple[str, str]]) -> None:
    """``n`` incidents as one statement (one trigger call, as an import commits)."""
    rows = []
    for k in range(n):
        prov, kab = codes[rng.integers(len(codes))]
        rows.append((first_id + k, f"uji-{first_id + k}", START + timedelta(days=int(rng.integers(DAYS))), prov, kab,
                     KINDS[rng.integers(4)], NATURES[rng.integers(3)],
                     FORMS[rng.integers(4)] if rng.random() < 0.8 else None,
                     int(rng.integers(0, 6)), int(rng.integers(0, 3)), int(rng.integers(0, 4)), int(rng.integers(0, 9)),
                     STATUSES[rng.integers(len(STATUSES))]))
    with sql.cursor() as cur:
        cur.execute(
            "INSERT INTO incidents (id, batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, sifat, bentuk, "
            "eskalasi, tewas, luka, pengungsi, judul, status_verifikasi, klasifikasi, dibuat_oleh) "
            "SELECT id, 1, 'uji', h, d, p, k, c, f, b, e, t, l, g, 'uji', s, 'Biasa', 'uji' FROM unnest("
            "%s::bigint[], %s::text[], %s::date[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::smallint[], %s::int[], %s::int[], %s::int[], %s::text[]) AS r(id, h, d, p, k, c, f, b, e, t, l, g, s)",
            [list(col) for col in zip(*rows)])


@pytest.fixture(scope="module")
def server_db():
    import psycopg

    from tests.conftest import pg_database_with_regions

    owner, app = pg_database_with_regions()
    with psycopg.connect(owner, autocommit=True) as sql:
        sql.execute("INSERT INTO import_batches (id, nama_berkas, sumber, pengguna) VALUES (1, 'uji', 'uji', 'uji')")
        codes = sql.execute("SELECT kode_prov, kode FROM regions WHERE level = 'kab' AND kode_prov IN ('63', '64', '31') "
                            "ORDER BY kode").fetchall()
    return owner, app, codes


def _stages(owner: str, codes):
    """Apply one kind of write after another; yield the name of what was just written."""
    import psycopg

    rng = np.random.default_rng(16)
    with psycopg.connect(owner, autocommit=True) as sql:
        _insert(sql, rng, 1, 2500, codes)
        yield "impor"
        sql.execute("SELECT sigap_ringkasan_padatkan()")
        _insert(sql, rng, 10_001, 300, codes)  # pending, not yet folded
        yield "impor kedua, belum dilipat"
        sql.execute("UPDATE incidents SET status_verifikasi = 'diverifikasi_kab' WHERE status_verifikasi = 'diajukan' "
                    "AND id % 3 = 0")
        sql.execute("UPDATE incidents SET status_verifikasi = 'ditolak' WHERE id % 17 = 0")
        yield "verifikasi"
        sql.execute("UPDATE incidents SET tgl_mulai = tgl_mulai + 40, eskalasi = 5 - eskalasi WHERE id % 11 = 0")
        sql.execute("UPDATE incidents SET kode_kab = %s, kode_prov = %s WHERE id %% 13 = 0", [codes[0][1], codes[0][0]])
        sql.execute("UPDATE incidents SET sifat = 'kejadian' WHERE sifat = 'gejala' AND id % 4 = 0")
        sql.execute("UPDATE incidents SET judul = 'diubah' WHERE id % 5 = 0")  # nothing the map counts
        yield "sunting"
        sql.execute("UPDATE incidents SET dihapus = true WHERE id % 7 = 0")
        sql.execute("DELETE FROM incidents WHERE id % 19 = 0")
        sql.execute("DELETE FROM incidents WHERE eskalasi = 5 AND kode_kab = %s", [codes[1][1]])  # the maximum goes
        yield "hapus"
        sql.execute("UPDATE vocab SET atribut = '7.5' WHERE daftar = 'bentuk' AND kode = 'UR_DAMAI'")
        yield "bobot bentuk"
        sql.execute("SELECT sigap_ringkasan_padatkan()")
        yield "dilipat"


dates = st.one_of(st.none(), st.dates(min_value=START - timedelta(days=40), max_value=START + timedelta(days=DAYS + 60)))
filters = st.builds(
    lambda a, b, kinds, natures, verified: (min(a, b) if a and b else a, max(a, b) if a and b else b, kinds,
                                            natures, verified),
    dates, dates, st.lists(st.sampled_from(KINDS), max_size=2, unique=True).map(tuple),
    st.sampled_from([(), ("potensi", "gejala"), ("kejadian",)]), st.booleans())
scopes = st.sampled_from([None, "63", "64", "63.72", "31.71"])


def test_summary_equals_the_rows_after_every_kind_of_write(server_db):
    from auth.identity import Scope
    from store import connect
    from store.db import acting_as
    from store.incidents import IncidentFilter, aggregate_by_region

    owner, app, codes = server_db
    with acting_as(Scope(None, "Rahasia")):
        con = connect(app)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(filters, scopes, st.sampled_from(["kab", "prov"]))
    def same_numbers(flt, region, level):
        date_from, date_to, kinds, natures, verified = flt
        chosen = IncidentFilter(date_from=date_from, date_to=date_to, kategori=kinds, sifat=natures,
                                verified_only=verified)
        scope = Scope(region, "Biasa")
        with acting_as(scope):
            fast = aggregate_by_region(con, chosen, scope, level=level)
            plain = aggregate_by_region(con, chosen, scope, level=level, summary=False)
        pd.testing.assert_frame_equal(fast, plain, check_exact=False, rtol=1e-12)

    seen = []
    for stage in _stages(owner, codes):
        with acting_as(Scope(None, "Rahasia")):
            total = aggregate_by_region(con, IncidentFilter(), Scope(None, "Rahasia"), summary=False)["jumlah"].sum()
        seen.append((stage, int(total)))
        same_numbers()
        # the months at both ends of a year taken from today's date, as the Peta page asks
        year = IncidentFilter(date_from=START + timedelta(days=500), date_to=START + timedelta(days=865))
        with acting_as(Scope(None, "Rahasia")):
            pd.testing.assert_frame_equal(aggregate_by_region(con, year, Scope(None, "Rahasia")),
                                          aggregate_by_region(con, year, Scope(None, "Rahasia"), summary=False))
    # a map read by the app's role folds the pending changes once enough wait, and the numbers stay
    import psycopg

    from store.incidents import fold_summary

    national = Scope(None, "Rahasia")
    with psycopg.connect(owner, autocommit=True) as sql:
        sql.execute("UPDATE incidents SET eskalasi = 5 - eskalasi WHERE id % 3 = 0")
        pending = sql.execute("SELECT count(*) FROM ringkasan_delta").fetchone()[0]
    with acting_as(national):
        before = aggregate_by_region(con, IncidentFilter(), national, summary=False)
        assert 0 < pending < 5_000 and fold_summary(con, at=pending + 1) == 0  # fewer waiting than asked: nothing folded
        assert fold_summary(con, at=pending) == pending
        pd.testing.assert_frame_equal(aggregate_by_region(con, IncidentFilter(), national), before)
    with psycopg.connect(owner, autocommit=True) as sql:
        assert sql.execute("SELECT count(*) FROM ringkasan_delta").fetchone()[0] == 0
    con.shutdown()
    # the writes really changed what the map counts (the comparison was not of empty maps)
    assert len({total for _, total in seen}) >= 4 and all(total > 0 for _, total in seen)


def test_app_role_reads_its_region_of_the_summary_and_never_writes_it(server_db):
    import psycopg

    owner, app, _ = server_db
    with psycopg.connect(owner, autocommit=True) as sql:
        sql.execute("SELECT sigap_ringkasan_padatkan()")
        everywhere = sql.execute("SELECT count(DISTINCT kode_kab) FROM ringkasan_peta").fetchone()[0]
    assert everywhere > 1
    with psycopg.connect(app, autocommit=True) as sql:
        assert sql.execute("SELECT count(*) FROM ringkasan_peta").fetchone()[0] == 0  # no actor: nothing
        sql.execute("SELECT set_config('sigap.wilayah', '63.72', false), set_config('sigap.izin', 'Biasa', false)")
        assert {r[0] for r in sql.execute("SELECT DISTINCT kode_kab FROM ringkasan_peta")} <= {"63.72"}
        for statement in ("INSERT INTO ringkasan_peta SELECT * FROM ringkasan_peta LIMIT 1",
                          "UPDATE ringkasan_peta SET jumlah = jumlah + 1",
                          "DELETE FROM ringkasan_delta"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                sql.execute(statement)
