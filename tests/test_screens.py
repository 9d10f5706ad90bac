"""Screens an analyst enjoys (issue 17): maps framed on the region with names and a search box,
out-of-scope regions as grey context, filters that follow the user across pages, a confirmed undo,
readable trend and leader tables, local times, no "None" in tables."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st

import pages.components.maps as page_maps
from geo.web import load_display
from maps.choropleth import (
    CONTEXT_COLOR,
    OUT_OF_SCOPE,
    ChoroplethLayer,
    bounds_of,
    build_map,
    choropleth_features,
    display_geojson,
)
from maps.labels import KAB_ZOOM, KEC_ZOOM, Label, label_min_zoom, region_labels, short_name
from pages.components.filters import MISSING, derived_file_name, fill_missing, office_time, office_today
from pages.components.maps import jump_target, search_options
from store import connect
from tests.apptest import ANALIS, ANALIS_BJB, GUB, USERS, create_users, open_page, served
from tests.conftest import make_demo_db
from tests.test_maps import HOSTILE

# ---------------------------------------------------------------- pure: maps


@pytest.fixture(scope="module")
def kalsel():
    """Kalimantan Selatan's 13 kabupaten/kota (display copy) as GeoJSON."""
    display = load_display("kab", "sedang")
    return display_geojson(display.loc[display["kode"].str.startswith("63.")])


def _layer(codes, values=None):
    values = values if values is not None else [3.0] * len(codes)
    return ChoroplethLayer(pd.DataFrame({"kode": codes, "nilai": values, "kelas_idx": [1] * len(codes)}),
                           ("Tidak ada", "1 – 5"), "Jumlah insiden")


def test_regions_outside_the_scope_are_grey_context_never_zero(kalsel):
    features = choropleth_features(kalsel, _layer(["63.72"]), "insiden")
    by_code = {f["properties"]["kode"]: f["properties"] for f in features["features"]}
    assert len(by_code) == 13
    assert by_code["63.72"]["nilai_teks"] == "3 insiden" and not by_code["63.72"]["konteks"]
    others = [p for k, p in by_code.items() if k != "63.72"]
    assert all(p["konteks"] and p["kelas"] == OUT_OF_SCOPE and p["warna"] == CONTEXT_COLOR for p in others)
    assert not any(p["nilai_teks"].startswith("0") or p["kelas"] == "Tidak ada" for p in others)
    html = build_map(features, _layer(["63.72"])).get_root().render()
    assert f"{CONTEXT_COLOR};" in html.replace(" ", "") and OUT_OF_SCOPE in html  # the legend explains the grey


def test_a_map_of_the_whole_scope_has_no_context_entry(kalsel):
    codes = [f["properties"]["kode"] for f in kalsel["features"]]
    features = choropleth_features(kalsel, _layer(codes))
    assert not any(f["properties"]["konteks"] for f in features["features"])
    assert OUT_OF_SCOPE not in build_map(features, _layer(codes)).get_root().render()


def test_bounds_frame_the_regions_asked_for(kalsel):
    province = bounds_of(kalsel)
    city = bounds_of(kalsel, ["63.72"])
    (s, w), (n, e) = city
    assert -3.7 < s < n < -3.3 and 114.6 < w < e < 115.0  # Banjarbaru, a few tens of km across
    assert province[0][0] < s and province[0][1] < w and province[1][0] > n and province[1][1] > e
    assert bounds_of(kalsel, ["99.99"]) is None
    html = build_map(choropleth_features(kalsel, _layer(["63.72"])), _layer(["63.72"]), bounds=city
                     ).get_root().render()
    assert f"[[{s}, {w}], [{n}, {e}]]" in html


def test_label_zoom_follows_size_and_stays_in_its_range():
    assert label_min_zoom(40_000, "Mamberamo Raya") == KAB_ZOOM[0]
    assert label_min_zoom(30, "Kota Padang Panjang") == KAB_ZOOM[1]
    assert label_min_zoom(0, "Kota X") == KAB_ZOOM[1] and label_min_zoom(float("nan"), "X") == KAB_ZOOM[1]
    zooms = [label_min_zoom(a, "Tanah Bumbu") for a in (20_000, 5_000, 1_000, 200, 50)]
    assert zooms == sorted(zooms)  # smaller regions are named later
    assert KEC_ZOOM[0] <= label_min_zoom(80, "Landasan Ulin", KEC_ZOOM) <= KEC_ZOOM[1]
    assert short_name("Kabupaten Administrasi Kepulauan Seribu") == "Kepulauan Seribu"


def test_region_labels_only_for_the_regions_asked(kab):
    table = pd.DataFrame({"kode": kab["kode"], "nama": kab["nama"], "lat": 0.0, "lon": 0.0, "luas_km2": 100.0})
    labels = region_labels(table, ["63.72", "63.71"])
    assert sorted(lb.text for lb in labels) == ["Kota Banjarbaru", "Kota Banjarmasin"]
    with pytest.raises(ValueError, match="pilihan: kab, kec"):
        region_labels(table, kind="desa")


def test_labels_are_escaped_zoom_gated_and_local(kalsel, tmp_path):
    labels = [Label(text, -3.4 - i * 0.01, 114.8, 8) for i, text in enumerate(HOSTILE)]
    html = build_map(choropleth_features(kalsel, _layer(["63.72"])), _layer(["63.72"]), labels=labels
                     ).get_root().render()
    for payload in ("<img src=x", "<script>alert", "${alert", "`); alert", "' onmouseover"):
        assert payload not in html
    assert "sigap-label" in html and 'map.on("zoomend", update)' in html and "z >= l.zoom" in html
    assert not re.findall(r"""(?:src|href)=["']https?://""", html)
    if shutil.which("node") is None:
        pytest.skip("node tidak tersedia untuk memeriksa sintaks skrip label")
    script = next(b for b in re.findall(r"<script>(.*?)</script>", html, flags=re.S) if "sigap-label" in b)
    path = tmp_path / "labels.js"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_search_offers_kabupaten_then_their_kecamatan_and_jumps():
    kab = pd.DataFrame({"kode": ["63.72"], "nama": ["Kota Banjarbaru"]})
    kec = pd.DataFrame({"kode": ["63.72.01", "63.71.01"], "nama": ["Landasan Ulin", "Banjarmasin Selatan"],
                        "kode_induk": ["63.72", "63.71"]})
    options = search_options(kab, kec)
    assert options == {"63.72": "Kota Banjarbaru (63.72)", "63.72.01": "Kec. Landasan Ulin, Kota Banjarbaru (63.72.01)"}
    assert jump_target("63.72.01", {"63.72"}) == ("63.72", "63.72.01")
    assert jump_target("63.71.01", {"63.72"}) == (None, None)  # never outside the scope


# ---------------------------------------------------------------- pure: what tables and times show


def test_tables_never_show_none():
    frame = pd.DataFrame({"teks": ["a", None], "angka": [1.0, None], "utuh": [1, 2],
                          "waktu": pd.to_datetime(["2026-12-02", None]), "ya": pd.array([True, None], "boolean")})
    out = fill_missing(frame)
    assert not out.isna().any().any()
    assert out["teks"].tolist() == ["a", MISSING] and out["angka"].tolist() == ["1", MISSING]
    assert out["waktu"].tolist() == ["02/12/2026", MISSING] and out["ya"].tolist() == [True, MISSING]
    assert out["utuh"].dtype == frame["utuh"].dtype  # complete columns keep their type (and formatting)
    assert "None" not in out.to_string()


def test_error_file_is_named_after_the_upload_without_its_extension():
    assert derived_file_name("laporan.xlsx", "masalah", "xlsx") == "masalah-laporan.xlsx"
    assert derived_file_name("ekspor acled.csv", "masalah", "xlsx") == "masalah-ekspor acled.xlsx"
    assert derived_file_name("../../x.ods", "masalah", "xlsx") == "masalah-x.xlsx"
    assert derived_file_name("", "masalah", "xlsx") == "masalah-berkas.xlsx"


def test_times_are_the_offices_local_time():
    moment = datetime(2026, 12, 2, 1, 30)  # stored UTC
    assert office_time(moment, "63.72") == "02/12/2026 09:30 WITA"
    assert office_time(moment, "94") == "02/12/2026 10:30 WIT"
    assert office_time(moment, None) == "02/12/2026 08:30 WIB"  # national users: WIB
    assert office_time(pd.NaT, "63") == MISSING and office_time(None, "63") == MISSING
    late = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 23:30 WIB, 00:30 WITA the next day
    assert office_today("61", late) == date(2026, 12, 1) and office_today("63.72", late) == date(2026, 12, 2)


# ---------------------------------------------------------------- pages


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("screens"), regions_db, n=1200, seed=17)
    create_users(path, USERS)
    return path


@pytest.fixture
def app_env(demo_db, monkeypatch):
    with served(demo_db, monkeypatch) as db:
        yield db


@pytest.fixture
def drawn(monkeypatch):
    """The folium maps the pages hand to ``render_map``, in order."""
    maps = []

    def capture(m, key, height=560):
        maps.append(m)
        return {}

    monkeypatch.setattr(page_maps, "render_map", capture)
    return maps


def _fit(m) -> list:
    html = m.get_root().render()
    return json.loads(re.findall(r"fitBounds\(\s*(\[\[.*?\]\])", html, flags=re.S)[-1])


def test_filters_follow_the_user_from_peta_to_tren_and_athg(app_env):
    at = open_page("peta").run()
    at.radio(key="peta_mode").set_value("Triwulan").run()
    quarter = at.selectbox(key="peta_tw").options[1]
    at.selectbox(key="peta_tw").set_value(quarter)
    at.selectbox(key="peta_prov").set_value("63")
    at.multiselect(key="peta_kat").set_value(["SDA", "POL"]).run()
    assert not at.exception
    at.switch_page("pages/screens/tren.py").run()
    assert not at.exception
    assert at.radio(key="tren_mode").value == "Triwulan" and at.selectbox(key="tren_tw").value == quarter
    assert at.selectbox(key="tren_prov").value == "63" and at.multiselect(key="tren_kat").value == ["SDA", "POL"]
    at.selectbox(key="tren_prov").set_value(None).run()  # changed on Tren: Peta follows
    at.switch_page("pages/screens/athg.py").run()
    assert not at.exception and at.selectbox(key="athg_prov").value is None
    assert at.multiselect(key="athg_kat").value == ["SDA", "POL"]
    at.switch_page("pages/screens/peta.py").run()
    assert at.selectbox(key="peta_prov").value is None and at.radio(key="peta_mode").value == "Triwulan"


def test_a_held_province_outside_the_new_scope_is_not_used(app_env):
    at = open_page("peta", ANALIS_BJB, state={"saringan": {"prov": "11", "kategori": ["BUKAN"]}}).run()
    assert not at.exception
    assert at.selectbox(key="peta_prov").value == "63" and at.multiselect(key="peta_kat").value == []


def test_national_map_is_framed_on_the_province_filter_and_names_its_kabupaten(app_env, drawn):
    at = open_page("peta").run()
    (s, w), (n, e) = _fit(drawn[-1])
    assert s < -10 and n > 5 and w < 96 and e > 140  # all of Indonesia
    at.selectbox(key="peta_prov").set_value("63").run()
    assert not at.exception
    (s, w), (n, e) = _fit(drawn[-1])
    assert -5.0 < s < n < -1.3 and 114.3 < w < e < 116.6  # Kalimantan Selatan only
    html = drawn[-1].get_root().render()
    data = json.loads(re.search(r"var labels = (\[.*?\])\.map", html, flags=re.S).group(1))
    assert len(data) == 13 and {"Kota Banjarbaru", "Tanah Laut"} <= {d[3] for d in data}
    assert OUT_OF_SCOPE not in html


def test_kabupaten_user_sees_its_region_framed_and_its_neighbours_as_context(app_env, drawn):
    at = open_page("peta", ANALIS_BJB).run()
    assert not at.exception
    (s, w), (n, e) = _fit(drawn[-1])
    assert -3.7 < s < n < -3.3 and 114.6 < w < e < 115.0  # Banjarbaru, not the province
    html = drawn[-1].get_root().render()
    context = re.findall(r'"kelas": "di luar cakupan"', html)
    assert len(context) == 12  # the other 12 kabupaten/kota of the province, none of them as "0"
    assert all("Banjarmasin" not in d.value.to_string() for d in at.dataframe)  # the table: its own region only


def test_search_jumps_to_a_kecamatan_in_scope(app_env, drawn):
    at = open_page("peta", GUB).run()
    search = at.selectbox(key="peta_cari")
    assert any(o.startswith("Kec. Landasan Ulin, Kota Banjarbaru") for o in search.options)
    assert not any("(64." in o for o in search.options)  # only the province of the governor
    code = next(o for o in search.options if o.startswith("Kec. Landasan Ulin")).split("(")[-1].rstrip(")")
    search.set_value(code).run()
    assert not at.exception
    assert at.session_state["kab_terpilih"] == "63.72" and at.session_state["kec_fokus"] == code
    assert at.selectbox(key="peta_cari").value is None  # the box empties itself after the jump
    assert any(h.value == "Kota Banjarbaru (63.72)" for h in at.subheader)
    kec = load_display("kec", "tinggi")
    target = bounds_of(display_geojson(kec.loc[kec["kode"] == code]))
    assert _fit(drawn[-1]) == target
    html = drawn[-1].get_root().render()
    data = json.loads(re.search(r"var labels = (\[.*?\])\.map", html, flags=re.S).group(1))
    assert "Landasan Ulin" in {d[3] for d in data if d[4] == "kec"}
    at.button(key="peta_kembali").click().run()
    assert at.session_state["kab_terpilih"] is None and at.session_state["kec_fokus"] is None


def test_trend_draws_one_line_per_category_with_quiet_months_at_zero(app_env):
    at = open_page("tren").run()
    at.multiselect(key="tren_kat").set_value(["SDA", "POL", "IDE"]).run()
    assert not at.exception
    chart = at.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    assert spec["mark"]["type"] == "line"
    scale = spec["encoding"]["color"]["scale"]
    assert [d.split(" — ")[0] for d in scale["domain"]] == ["SDA", "POL", "IDE"]
    assert len(set(scale["range"])) == 3  # distinct colours
    frame = pa.ipc.open_stream(io.BytesIO(chart.datasets[0].data.data)).read_pandas()
    assert frame.groupby("kategori").size().nunique() == 1  # every category has every month
    assert len(frame) == 3 * len(spec["encoding"]["x"]["sort"]) and (frame["insiden"] == 0).any()
    assert "bulan tanpa insiden dihitung nol" in at.main.caption[0].value


def test_athg_cards_read_a_t_h_g(app_env):
    at = open_page("athg").run()
    assert not at.exception
    assert [m.label for m in at.metric][:4] == ["Ancaman", "Tantangan", "Hambatan", "Gangguan"]


def test_leaders_top_ten_lists_only_scored_regions(app_env):
    at = open_page("pimpinan", GUB).run()
    assert not at.exception
    top = at.dataframe[0].value
    assert 0 < len(top) <= 10 and (top["ipk"] > 0).all() and top["ipk"].is_monotonic_decreasing
    assert "None" not in top.astype(str).to_string()


@pytest.fixture
def import_batch(app_env, locator):
    from ingest.importer import prepare_import
    from services.imports import commit_import

    st.cache_resource.clear()  # release the app's connection before writing
    header = "tanggal;kode_kab;kabupaten_kota;provinsi;lintang;bujur;kategori;bentuk;sifat;eskalasi;tewas;judul\n"
    data = (header + "11/05/2026;63.72;;;;;SDA;BENTROK;kejadian;3;0;Uji batal\n").encode()
    con = connect(app_env)
    try:
        batch = commit_import(con, prepare_import(con, data, "uji.csv", locator, user=ANALIS), ANALIS).batch
    finally:
        con.close()
    return batch


def _undone(db, batch) -> bool:
    st.cache_resource.clear()
    con = connect(db)
    try:
        return con.execute("SELECT dibatalkan_pada IS NOT NULL FROM import_batches WHERE id = ?", [batch]).fetchone()[0]
    finally:
        con.close()


def test_undo_asks_first_then_says_what_it_did(app_env, import_batch):
    at = open_page("impor").run()
    assert not at.exception
    batches = at.dataframe[0].value
    assert "None" not in batches.astype(str).to_string() and "NaT" not in batches.astype(str).to_string()
    assert batches["dibuat_pada"].str.endswith(" WIB").all()  # a national analyst reads WIB, not UTC
    at.selectbox(key="impor_batal_id").set_value(import_batch)
    at.button(key="impor_batal").click().run()
    assert any(f"Batalkan batch {import_batch}" in w.value for w in at.warning)
    at.button(key="impor_batal_tidak").click().run()
    assert not any(f"Batalkan batch {import_batch}" in w.value for w in at.warning)
    assert not _undone(app_env, import_batch)
    at.button(key="impor_batal").click().run()
    at.button(key="impor_batal_ya").click().run()
    assert not at.exception
    assert any(s.value == f"Batch {import_batch} dibatalkan: 1 insiden dihapus." for s in at.success)
    assert _undone(app_env, import_batch)
    row = at.dataframe[0].value.set_index("id").loc[import_batch]
    assert row["dibatalkan_pada"].endswith(" WIB")
