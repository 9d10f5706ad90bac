"""Real exports land in the right kabupaten: kab/kota pairs, historic and English names, events at sea.

Rows are shaped like ACLED exports and resolved on the installed boundaries, end to end through
``prepare_import``; codes are Kepmendagri 300.2.2-2138/2025.
"""

import pandas as pd
import polars as pl
import pytest

from auth.identity import User
from ingest.importer import prepare_import
from ingest.resolve import load_name_tables, normalise_name
from services.imports import commit_import
from store import connect

ANALIS = User("analis", "analis", None, "Rahasia")
_ACLED_COLUMNS = ["event_id_cnty", "event_date", "year", "event_type", "sub_event_type", "actor1", "actor2",
                  "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
                  "notes", "fatalities"]

# ADMIN1, bare ADMIN2, a point inside the kota, the kecamatan of that point (ADMIN3), the kota's code
PAIRS = [
    ("West Java", "Bandung", -6.9147, 107.6098, "Sumur Bandung", "32.73"),
    ("West Java", "Bogor", -6.5971, 106.8060, "Bogor Tengah", "32.71"),
    ("East Nusa Tenggara", "Kupang", -10.1772, 123.6070, "Oebobo", "53.71"),
    ("Papua", "Jayapura", -2.5337, 140.7181, "Jayapura Utara", "91.71"),
    ("West Papua", "Sorong", -0.8762, 131.2558, "Sorong Kota", "96.71"),
    ("West Nusa Tenggara", "Bima", -8.4606, 118.7270, "Rasanae Barat", "52.72"),
    ("East Java", "Blitar", -8.0983, 112.1681, "Kepanjenkidul", "35.72"),
    ("Central Java", "Magelang", -7.4797, 110.2177, "Magelang Tengah", "33.71"),
    ("Central Java", "Semarang", -6.9667, 110.4167, "Semarang Utara", "33.74"),
    ("Banten", "Tangerang", -6.1783, 106.6319, "Tangerang", "36.71"),
    ("West Java", "Cirebon", -6.7063, 108.5570, "Kejaksan", "32.74"),
    ("West Java", "Sukabumi", -6.9277, 106.9300, "Citamiang", "32.72"),
    ("West Java", "Tasikmalaya", -7.3274, 108.2207, "Tawang", "32.78"),
    ("East Java", "Kediri", -7.8166, 112.0114, "Kota", "35.71"),
    ("East Java", "Madiun", -7.6298, 111.5239, "Kartoharjo", "35.77"),
    ("East Java", "Malang", -7.9666, 112.6326, "Klojen", "35.73"),
    ("East Java", "Mojokerto", -7.4722, 112.4336, "Kranggan", "35.76"),
    ("East Java", "Pasuruan", -7.6453, 112.9075, "Panggungrejo", "35.75"),
    ("East Java", "Probolinggo", -7.7543, 113.2159, "Kanigaran", "35.74"),
    ("Banten", "Serang", -6.1200, 106.1503, "Serang", "36.73"),
    ("West Java", "Bekasi", -6.2383, 106.9756, "Bekasi Barat", "32.75"),
    ("West Sumatra", "Solok", -0.7900, 100.6550, "Tanjung Harapan", "13.72"),
]


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    yield con
    con.close()


def _acled(rows: list[dict]) -> bytes:
    """An ACLED export (CSV) with one event per dict (admin1, admin2, … as keys; the rest filled in)."""
    base = {"event_date": "2019-05-01", "event_type": "Protests", "sub_event_type": "Peaceful protest",
            "actor1": "Protesters (Indonesia)", "actor2": "", "admin3": "", "location": "", "latitude": "",
            "longitude": "", "geo_precision": "1", "source": "Kompas", "notes": "", "fatalities": "0"}
    frame = pd.DataFrame([{**base, "event_id_cnty": f"IDN{i + 1:05d}", **row} for i, row in enumerate(rows)])
    frame["year"] = frame["event_date"].str.slice(0, 4)
    return frame[_ACLED_COLUMNS].to_csv(index=False).encode()


def _prepare(db, locator, rows):
    prepared = prepare_import(db, _acled(rows), "acled.csv", locator, user=ANALIS)
    assert prepared.preset == "acled"
    return prepared


def _point(lat, lon):
    return {"latitude": str(lat), "longitude": str(lon)}


def test_name_tables_cite_a_source_and_name_installed_regions(kab, prov):
    tables = load_name_tables()
    installed = {"kab": set(kab["kode"]), "prov": set(prov["kode"])}
    for name in ("nama_lain", "nama_historis"):
        table = tables[name]
        assert (table["sumber"].str.strip() != "").all(), f"{name}: every row cites its source"
        for _, row in table.iterrows():
            codes = row["kode"].split()
            assert codes and set(codes) <= installed[row["tingkat"]], (name, row["nama"], codes)
    assert set(tables["kata_inggris"]["jenis"]) <= {"arah", "depan", "kata", "buang"}
    historic = tables["nama_historis"]
    papua = historic.loc[historic["nama"] == "Papua", "kode"].iloc[0].split()
    assert {"93", "94", "95"} <= set(papua)   # UU 14, 15, 16/2022 took their kabupaten from Papua


@pytest.mark.parametrize("name, expected", [
    ("North Central Timor", ("timor tengah utara", None)), ("South Central Timor", ("timor tengah selatan", None)),
    ("Southwest Sumba", ("sumba barat daya", None)), ("Central Maluku", ("maluku tengah", None)),
    ("West Southeast Maluku", ("maluku tenggara barat", None)), ("Riau Islands", ("kepulauan riau", None)),
    ("Bintuni Bay", ("teluk bintuni", None)), ("Bandung City", ("bandung", "kota")),
    ("Bogor Regency", ("bogor", "kabupaten")), ("Kab. Banjar Baru", ("banjar baru", "kabupaten")),
    ("Papua province", ("papua", None)), ("Special Region of Yogyakarta", ("daerah istimewa yogyakarta", None)),
])
def test_english_names_normalise_in_full(name, expected):
    assert normalise_name(name) == expected


def test_pairs_with_a_point_in_the_kota_resolve_to_the_kota_silently(db, locator):
    rows = [{"admin1": a1, "admin2": a2, "admin3": kec, "location": a2, **_point(lat, lon)}
            for a1, a2, lat, lon, kec, _ in PAIRS]
    prepared = _prepare(db, locator, rows)
    assert prepared.problems.empty, prepared.problems
    assert prepared.rows["kode_kab"].to_list() == [code for *_, code in PAIRS]
    assert not prepared.needs_confirmation.any(), prepared.confirm
    assert prepared.notes.empty


def test_pairs_without_coordinates_are_decided_by_admin3(db, locator):
    rows = [{"admin1": a1, "admin2": a2, "admin3": kec, "location": a2} for a1, a2, _, _, kec, _ in PAIRS]
    prepared = _prepare(db, locator, rows)
    assert prepared.problems.empty, prepared.problems
    assert prepared.rows["kode_kab"].to_list() == [code for *_, code in PAIRS]
    assert prepared.rows["kode_kec"].str.slice(0, 5).to_list() == [code for *_, code in PAIRS]
    assert not prepared.needs_confirmation.any(), prepared.confirm
    assert prepared.rows["lat"].is_null().all()   # no point is invented for a name


def test_a_pair_without_admin3_is_decided_by_the_location_or_asked(db, locator):
    rows = [
        {"admin1": "West Java", "admin2": "Bandung", "location": "Soreang"},      # kecamatan of Kabupaten Bandung
        {"admin1": "East Java", "admin2": "Malang", "location": "Klojen"},        # kecamatan of Kota Malang
        {"admin1": "West Java", "admin2": "Bandung", "location": "Bandung"},      # the pair's own name: undecided
        {"admin1": "West Java", "admin2": "Sukabumi", "location": "Sukabumi"},    # also a kecamatan of the kabupaten
    ]
    prepared = _prepare(db, locator, rows)
    assert prepared.rows["kode_kab"].to_list()[:2] == ["32.04", "35.73"]
    assert prepared.needs_confirmation.to_list() == [False, False, True, True]
    assert prepared.confirm["catatan"].str.contains("nama ambigu").all()


def test_papua_before_the_2022_split_resolves_to_todays_provinces(db, locator):
    rows = [
        {"event_date": "2019-12-02", "admin1": "Papua", "admin2": "Nduga", "admin3": "Kenyam",
         "location": "Kenyam", **_point(-4.5361, 138.4231)},
        {"event_date": "2019-09-23", "admin1": "Papua", "admin2": "Jayawijaya", "admin3": "Wamena",
         "location": "Wamena", **_point(-4.0960, 138.9495)},
        {"event_date": "2019-12-02", "admin1": "Papua", "admin2": "Nduga"},
        {"event_date": "2019-09-23", "admin1": "Papua", "admin2": "Jayawijaya", "admin3": "Wamena"},
        {"event_date": "2019-08-30", "admin1": "Papua", "admin2": "Mimika"},
        {"event_date": "2019-08-30", "admin1": "Papua", "admin2": "Merauke"},
        {"event_date": "2019-08-31", "admin1": "West Papua", "admin2": "Sorong", "admin3": "Sorong Kota"},
        {"event_date": "2019-08-31", "admin1": "West Papua", "admin2": "Raja Ampat"},
        {"event_date": "2005-03-01", "admin1": "Irian Jaya", "admin2": "Puncak Jaya"},
        {"event_date": "2024-03-01", "admin1": "Highland Papua", "admin2": "Lanny Jaya"},
    ]
    prepared = _prepare(db, locator, rows)
    assert prepared.problems.empty, prepared.problems
    assert prepared.rows["kode_kab"].to_list() == ["95.08", "95.01", "95.08", "95.01", "94.04", "93.01", "96.71",
                                                   "96.03", "94.02", "95.07"]
    assert prepared.rows["kode_prov"].to_list() == ["95", "95", "95", "95", "94", "93", "96", "96", "94", "95"]
    assert not prepared.needs_confirmation.any(), prepared.confirm
    assert prepared.notes.empty


@pytest.mark.parametrize("admin1, admin2, code", [
    ("East Nusa Tenggara", "North Central Timor", "53.03"), ("East Nusa Tenggara", "South Central Timor", "53.02"),
    ("East Nusa Tenggara", "Southwest Sumba", "53.18"), ("Maluku", "Central Maluku", "81.01"),
    ("Maluku", "West Southeast Maluku", "81.03"), ("North Maluku", "Morotai Island", "82.07"),
    ("Riau Islands", "Anambas Islands", "21.05"), ("Jakarta", "Central Jakarta", "31.71"),
    ("Jakarta", "Thousand Islands", "31.01"), ("Banten", "South Tangerang", "36.74"), ("Aceh", "West Aceh", "11.05"),
    ("Special Region of Yogyakarta", "Sleman", "34.04"), ("Bangka-Belitung", "East Belitung", "19.06"),
    ("West Papua", "Bintuni Bay", "92.06"), ("Central Sulawesi", "Banggai Islands", "72.07"),
    ("South Sulawesi", "Pangkajene and Islands", "73.10"), ("West Java", "Bandung City", "32.73"),
    ("West Java", "Bogor Regency", "32.01"), ("North Sumatra", "Toba Samosir", "12.12"),
    ("West Sulawesi", "North Mamuju", "76.01"), ("West Kalimantan", "Kab. Pontianak", "61.02"),
    ("Nanggroe Aceh Darussalam", "Pidie", "11.07"), ("South Kalimantan", "Kota Baru", "63.02"),
])
def test_english_and_historic_names_resolve_silently(db, locator, admin1, admin2, code):
    prepared = _prepare(db, locator, [{"admin1": admin1, "admin2": admin2}])
    assert prepared.problems.empty, prepared.problems
    assert prepared.rows["kode_kab"].to_list() == [code]
    assert not prepared.needs_confirmation.any(), prepared.confirm


def test_an_old_name_takes_a_point_or_kecamatan_anywhere_in_its_old_extent(db, locator):
    rows = [
        {"admin1": "North Sumatra", "admin2": "Toba Samosir", "admin3": "Pangururan"},   # Samosir since UU 36/2003
        {"admin1": "East Java", "admin2": "Malang", "admin3": "Bumiaji"},                # Kota Batu since UU 11/2001
        {"admin1": "Banten", "admin2": "Tangerang", "location": "Serpong", **_point(-6.3091, 106.6824)},
    ]
    prepared = _prepare(db, locator, rows)
    assert prepared.rows["kode_kab"].to_list() == ["12.17", "35.79", "36.74"]
    assert not prepared.needs_confirmation.any(), prepared.confirm


def test_an_event_at_sea_is_kept_in_the_named_kabupaten(db, locator):
    rows = [
        {"admin1": "Aceh", "admin2": "Simeulue", "location": "Coast of Simeulue Island", **_point(2.62, 95.70)},
        {"admin1": "", "admin2": "", "location": "Indian Ocean", **_point(2.62, 95.70)},   # no name: rejected
        {"admin1": "Aceh", "admin2": "Simeulue", "location": "Indian Ocean", **_point(1.6, 95.0)},   # 145 km out
    ]
    prepared = _prepare(db, locator, rows)
    assert prepared.problems["baris"].tolist() == [3]
    assert "jauh_dari_daratan" in prepared.problems["alasan"].iloc[0]
    assert prepared.rows["kode_kab"].to_list()[::2] == ["11.09", "11.09"]
    assert prepared.rows["status_lokasi"].to_list()[::2] == ["laut", "laut"]
    assert prepared.rows["lat"].to_list()[::2] == [2.62, 1.6]          # the point is kept
    assert prepared.needs_confirmation.to_list() == [False, False, True]
    assert "titik di laut 9.6 km dari Kabupaten Simeulue" in prepared.notes["catatan"].iloc[0]
    result = commit_import(db, prepared, ANALIS, confirmed_rows={4})
    assert result.accepted == 2
    stored = db.execute("SELECT kode_kab, status_lokasi, lat FROM incidents ORDER BY lat DESC").fetchall()
    assert stored == [("11.09", "laut", 2.62), ("11.09", "laut", 1.6)]


def test_an_explicit_kabupaten_or_kota_that_contradicts_is_asked(db, locator):
    rows = [
        {"admin1": "South Kalimantan", "admin2": "Kab. Banjar Baru"},
        {"admin1": "South Kalimantan", "admin2": "Kab. Banjar Baru", **_point(-3.4420, 114.8310)},  # in the kota
        {"admin1": "West Nusa Tenggara", "admin2": "Kota Bima", **_point(-8.5890, 118.7270)},      # in the kabupaten
        {"admin1": "West Nusa Tenggara", "admin2": "Kota Bima", **_point(-8.4606, 118.7270)},      # in the kota
    ]
    prepared = _prepare(db, locator, rows)
    assert prepared.problems.empty, prepared.problems
    assert prepared.needs_confirmation.to_list() == [True, True, True, False]
    assert prepared.rows["kode_kab"].to_list() == ["63.72", "63.72", "52.06", "52.72"]
    notes = prepared.confirm.set_index("baris")["catatan"]
    assert "menyebut kabupaten, tetapi yang cocok Kota Banjarbaru" in notes[2]
    assert "Kabupaten Banjar" in notes[2]
    assert "nama menyebut 52.72 (Kota Bima), titik/kode menyebut 52.06 (Kabupaten Bima)" in notes[4]


def test_a_kabupaten_named_under_another_province_is_asked_unless_the_point_agrees(db, locator):
    rows = [
        {"admin1": "Central Java", "admin2": "Sleman"},
        {"admin1": "Central Java", "admin2": "Sleman", **_point(-7.7160, 110.3550)},
    ]
    prepared = _prepare(db, locator, rows)
    assert prepared.rows["kode_kab"].to_list() == ["34.04", "34.04"]
    assert prepared.needs_confirmation.to_list() == [True, False]
    assert "tidak ditemukan di provinsi 'Central Java'" in prepared.confirm["catatan"].iloc[0]


def test_names_are_matched_once_per_unique_name(db, locator, monkeypatch):
    import ingest.resolve as resolve

    calls = []
    original = resolve._match_kab
    monkeypatch.setattr(resolve, "_match_kab", lambda *a: calls.append(a[0]) or original(*a))
    rows = [{"admin1": "West Java", "admin2": "Bandung", "admin3": "Sumur Bandung"}] * 50 + \
           [{"admin1": "Papua", "admin2": "Nduga"}] * 50
    prepared = _prepare(db, locator, rows)
    assert sorted(calls) == ["Bandung", "Nduga"]
    assert set(prepared.rows["kode_kab"]) == {"32.73", "95.08"}
    assert pl.Series(prepared.needs_confirmation).sum() == 0


def test_the_import_command_accepts_every_pair_with_and_without_points(fresh_db, tmp_path, capsys):
    """``python -m sigap import FILE --preset acled`` takes every resolvable row without
    ``--accept-uncertain``; the names-only file lands in the same kabupaten/kota as the points."""
    import json

    from sigap.cli import main

    with_points = [{"event_id_cnty": f"IDNP{i}", "admin1": a1, "admin2": a2, "admin3": a3, "latitude": str(lat),
                    "longitude": str(lon)} for i, (a1, a2, lat, lon, a3, _) in enumerate(PAIRS)]
    names_only = [{"event_id_cnty": f"IDNN{i}", "admin1": a1, "admin2": a2, "admin3": a3}
                  for i, (a1, a2, _, _, a3, _) in enumerate(PAIRS)]
    codes = {}
    for name, rows in (("titik.csv", with_points), ("nama.csv", names_only)):
        (tmp_path / name).write_bytes(_acled(rows))
        assert main(["--db", str(fresh_db), "import", str(tmp_path / name), "--preset", "acled"]) == 0
        result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert result["accepted"] == len(PAIRS) and result["rejected"] == 0, result
        con = connect(fresh_db)
        codes[name] = dict(con.execute("SELECT id_sumber, kode_kab FROM incidents WHERE batch_id = ?",
                                       [result["batch"]]).fetchall())
        con.close()
    assert [codes["titik.csv"][f"IDNP{i}"] for i in range(len(PAIRS))] == [p[-1] for p in PAIRS]
    assert [codes["nama.csv"][f"IDNN{i}"] for i in range(len(PAIRS))] == [p[-1] for p in PAIRS]
