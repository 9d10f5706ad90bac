"""Every page runs under AppTest; the map page filters, scopes and opens a profile."""

from datetime import date

import pandas as pd
import pytest
import streamlit as st

from auth.identity import User
from store import connect
from tests.apptest import ANALIS, ANALIS_BJB, GUB, USERS, WALIKOTA, create_users, open_page, served
from tests.conftest import make_demo_db

PIMPINAN_NAS = User("pimpinan_nas", "pimpinan", None, "Terbatas")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, regions_db):
    path = make_demo_db(tmp_path_factory.mktemp("pages"), regions_db, n=1500, seed=11)
    create_users(path, (*USERS, PIMPINAN_NAS))
    return path


@pytest.fixture
def app_env(demo_db, monkeypatch):
    with served(demo_db, monkeypatch) as db:
        yield db


def _count(db, sql, params=()):
    import duckdb

    # the app holds the file in this process; read through a second connection of the same process
    con = duckdb.connect(str(db), read_only=False)
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def test_app_runs_and_labels_demo_data(app_env):
    at = open_page(None, timeout=120).run()
    assert not at.exception
    assert any("Data contoh (sintetis)" in w.value for w in at.warning)
    assert at.title[0].value == "Peta Potensi Konflik"


def test_map_metrics_follow_the_province_filter(app_env):
    at = open_page("peta", timeout=120).run()
    assert not at.exception
    national = at.metric[0].value
    at.selectbox(key="peta_prov").set_value("63").run()
    assert not at.exception
    province = at.metric[0].value
    assert province != national
    st.cache_resource.clear()  # release the app's connection before counting
    expected = _count(app_env, "SELECT count(*) FROM incidents WHERE kode_prov = '63' "
                      "AND tgl_mulai >= current_date - INTERVAL 365 DAY AND tgl_mulai <= current_date")
    assert province == f"{expected:,}".replace(",", ".")
    assert at.metric[1].value.endswith("dari 13")  # Kalimantan Selatan has 13 kabupaten/kota


def test_selected_kabupaten_shows_its_profile(app_env):
    at = open_page("peta", timeout=120)
    at.session_state["kab_terpilih"] = "63.72"
    at.run()
    assert not at.exception
    assert any(h.value == "Kota Banjarbaru (63.72)" for h in at.subheader)


def test_kabupaten_user_sees_only_its_kabupaten(app_env):
    at = open_page("peta", ANALIS_BJB, timeout=120)
    at.run()
    assert not at.exception
    assert at.metric[1].value.endswith("dari 1")
    st.cache_resource.clear()
    expected = _count(app_env, "SELECT count(*) FROM incidents WHERE kode_kab = '63.72' "
                      "AND tgl_mulai >= current_date - INTERVAL 365 DAY AND tgl_mulai <= current_date")
    assert at.metric[0].value == f"{expected:,}".replace(",", ".")
    assert at.selectbox(key="peta_prov").options == ["Kalimantan Selatan (63)"]


def test_english_is_an_option(app_env):
    at = open_page(None, timeout=120).run()
    at.selectbox(key="bahasa").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Conflict Potential Map"
    assert at.metric[0].label == "Incidents"


def test_drill_down_classes_the_kecamatan(app_env):
    at = open_page("peta", timeout=120)
    at.session_state["kab_terpilih"] = "63.72"
    at.run()
    assert not at.exception
    assert any(h.value == "Kota Banjarbaru (63.72)" for h in at.subheader)
    at.button(key="peta_kembali").click().run()
    assert not at.exception
    assert at.session_state["kab_terpilih"] is None


def test_pilkada_page_counts_incidents_per_stage(app_env):
    at = open_page("pilkada", timeout=120).run()
    assert not at.exception
    table = at.dataframe[1].value  # [0] is the calendar editor
    assert "pemungutan" in table.columns and "kampanye" in table.columns
    st.cache_resource.clear()
    top = table.index[0]
    expected = _count(app_env, "SELECT count(*) FROM incidents WHERE kode_kab = ? AND kategori = 'POL' "
                      "AND tgl_mulai BETWEEN DATE '2024-09-25' AND DATE '2024-11-23'", [top])
    assert table.loc[top, "kampanye"] == expected


def test_athg_page_summarises_reports(app_env):
    at = open_page("athg", timeout=120).run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert {"Ancaman", "Tantangan", "Hambatan", "Gangguan"} <= labels
    total = sum(int(m.value.replace(".", "")) for m in at.metric)
    assert f"{total:,}".replace(",", ".") + " laporan" in at.main.caption[0].value


def test_import_page_for_analysts_and_not_for_leaders(app_env):
    at = open_page("impor", PIMPINAN_NAS, timeout=120)
    at.run()  # the leader's navigation has no import page: the URL falls back to Ruang Pimpinan
    assert not at.exception
    assert at.title[0].value.startswith("Ruang Pimpinan")
    assert not any(t.value == "Impor Laporan" for t in at.title)
    at = open_page("impor", ANALIS, timeout=120)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Impor Laporan"
    assert len(at.dataframe) == 1  # the batch list (the demo batch)


def test_export_page_prepares_a_scoped_file(app_env):
    at = open_page("ekspor", ANALIS_BJB, timeout=120)
    at.run()
    assert not at.exception
    at.button(key="ekspor_siapkan").click().run()
    assert not at.exception
    ready = at.session_state["ekspor_berkas"]
    import io

    import pandas as pd

    table = pd.read_csv(io.BytesIO(ready.data), dtype=str)
    assert set(table["kode_kab"]) <= {"63.72"} and ready.rows == len(table)


def test_index_page_ranks_and_recomputes_when_a_weight_changes(app_env):
    at = open_page("indeks", timeout=120).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"ipk", "alasan"} <= set(table.columns) and table["ipk"].is_monotonic_decreasing
    before = table.set_index("kode")["ipk"]
    at.slider(key="ipk_bobot_intensitas").set_value(0.0).run()
    assert not at.exception
    after = at.dataframe[0].value.set_index("kode")["ipk"]
    common = before.index.intersection(after.index)
    assert (before[common] != after[common]).any()


def test_hotspot_page_runs_for_both_statistics(app_env):
    at = open_page("hotspot", timeout=180).run()
    assert not at.exception
    assert "ketetanggaan queen" in at.main.caption[0].value
    at.radio(key="hs_stat").set_value("Moran lokal").run()
    assert not at.exception


def test_leaders_dashboard_full_and_presentation_mode(app_env):
    at = open_page("pimpinan", GUB, timeout=180)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Ruang Pimpinan — Kalimantan Selatan"
    top = at.dataframe[0].value
    assert 0 < len(top) <= 10 and top["ipk"].is_monotonic_decreasing and (top["ipk"] > 0).all()  # no padding
    assert "Data per" in at.main.caption[0].value and "IPK triwulan" in at.main.caption[0].value
    at.toggle(key="mode_presentasi").set_value(True).run()
    assert not at.exception
    assert any("display:none" in m.value for m in at.markdown)


def test_profile_panel_of_another_kabupaten_stays_closed(app_env):
    at = open_page("peta", ANALIS_BJB, timeout=120)
    at.session_state["kab_terpilih"] = "63.71"  # a stale or forged selection of Banjarmasin
    at.run()
    assert not at.exception
    assert not [h for h in at.subheader if "63.71" in h.value]
    assert all("63.71" not in str(df.value.get("kode", [])) for df in at.dataframe)


def test_election_context_reaches_the_pilkada_page_and_the_profile(app_env):
    import gc

    st.cache_resource.clear()
    gc.collect()
    from services.context import import_context

    con = connect(app_env)
    import_context(con, pd.DataFrame({"kode": ["63.72"], "jumlah_paslon": ["1"], "petahana": ["ya"],
                                      "ikp": ["55"], "ikp_tanggal": ["16/12/2022"]}),
                   "Pilkada 2024", ANALIS)
    con.close()
    at = open_page("pilkada", timeout=120).run()
    assert not at.exception
    assert any("lebih dari setahun" in w.value for w in at.warning)  # a 2022 IKP is flagged as old
    at = open_page("peta", timeout=120)
    at.session_state["kab_terpilih"] = "63.72"
    at.run()
    assert any("calon tunggal (kotak kosong)" in i.value and "IKP Bawaslu 55.0 (data 16/12/2022" in i.value
               for i in at.info)
    at = open_page("indeks", timeout=120).run()
    at.toggle(key="ipk_ikp").set_value(True).run()
    assert not at.exception
    assert any("IKP Bawaslu bertanggal 16/12/2022" in c.value for c in at.caption)
    for dim in ("intensitas", "dampak", "sebaran", "tren"):
        at.slider(key=f"ipk_bobot_{dim}").set_value(0.0)
    at.slider(key="ipk_bobot_kerentanan").set_value(1.0).run()
    ranking = at.dataframe[0].value
    assert ranking.iloc[0]["kode"] == "63.72" and ranking.iloc[0]["ipk"] == 55.0  # only the IKP counts now


def test_kabupaten_leader_sees_its_kecamatan(app_env):
    at = open_page("pimpinan", WALIKOTA, timeout=180)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Ruang Pimpinan — Kota Banjarbaru"
    assert any(h.value == "10 kecamatan teratas" for h in at.subheader)
    ranking = at.dataframe[0].value
    assert len(ranking) == 5 and ranking["kode"].str.startswith("63.72.").all()  # Banjarbaru's 5 kecamatan


def test_trend_page_and_emerging_patterns(app_env):
    at = open_page("tren", timeout=120).run()
    assert not at.exception
    assert "insiden" in at.main.caption[0].value
    at = open_page("hotspot", timeout=300).run()
    at.select_slider(key="hs_perm").set_value(99)
    at.button(key="hs_pola").click().run()
    assert not at.exception
    assert " – " in at.main.caption[-1].value  # the eight triwulan span


def test_area_indicators_feed_the_index_and_eb_hotspots(app_env):
    import gc

    st.cache_resource.clear()
    gc.collect()
    from services.context import import_indicator

    con = connect(app_env)
    kab = con.execute("SELECT kode FROM regions WHERE level = 'kab'").df()
    import_indicator(con, "penduduk", kab.assign(nilai="100000"), date(2020, 6, 30), ANALIS, "BPS")
    con.close()
    st.cache_data.clear()
    at = open_page("indeks", timeout=120).run()
    at.multiselect(key="ipk_indikator").set_value(["penduduk"]).run()
    assert not at.exception
    assert any("penduduk (data 30/06/2020 — lebih dari setahun)" in c.value for c in at.caption)
    at = open_page("hotspot", timeout=300)
    at.run()
    at.radio(key="hs_ukuran").set_value("eb_penduduk").run()
    assert not at.exception


def test_kecamatan_hotspots_and_quarter_baseline(app_env):
    at = open_page("hotspot", timeout=300).run()
    kab_caption = at.main.caption[0].value
    at.radio(key="hs_tingkat").set_value("kec").run()
    assert not at.exception
    assert at.main.caption[0].value != kab_caption  # 7,285 kecamatan: other island count in the note
    table = at.dataframe[0].value
    assert table.empty or table["kode"].str.len().eq(8).all()
    at = open_page("tren", timeout=120).run()
    at.radio(key="tren_dasar").set_value(91).run()
    assert not at.exception


def test_export_page_builds_a_briefing(app_env):
    at = open_page("ekspor", GUB, timeout=180)
    at.run()
    at.button(key="brief_susun").click().run()
    assert not at.exception
    assert at.session_state["brief_pdf"].startswith(b"%PDF")
    at.button(key="tw_xlsx").click().run()
    assert not at.exception and at.session_state["tw_berkas"][0] == "xlsx"
    st.cache_resource.clear()
    actions = _count(app_env, "SELECT count(*) FROM audit WHERE action = 'ekspor' AND actor = 'gub'")
    assert actions == 2  # the briefing and the quarterly report were both recorded


def test_index_page_says_how_well_past_maps_foresaw_the_next_quarter(app_env):
    at = open_page("indeks", timeout=300).run()
    assert not at.exception
    assert any(h.value == "Seberapa tepat peta triwulan lalu?" for h in at.subheader)
    said = [m.value for m in at.markdown] + [i.value for i in at.info]
    assert any(text.startswith("Uji balik ") or "belum cukup panjang" in text for text in said)
    assert any("Prakiraan" in text or "belum cukup panjang" in text for text in said)


def test_a_failing_page_shows_an_error_id_and_no_traceback(app_env, monkeypatch, caplog):
    import pages.components.data as page_data

    def broken(*args, **kwargs):
        raise RuntimeError("rahasia internal: /etc/sigap")

    monkeypatch.setattr(page_data, "_aggregate", broken)
    at = open_page("peta").run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Terjadi kesalahan pada halaman")
    assert "rahasia internal" not in errors[0] and "Traceback" not in errors[0]
    code = errors[0].split("kode ")[1].split(")")[0]
    assert any(code in r.getMessage() and r.exc_info for r in caplog.records)  # the log keeps the traceback


def test_leaders_see_how_many_offices_reported_today(app_env):
    at = open_page("pimpinan", GUB, timeout=180).run()
    assert not at.exception
    links = [link.label for link in at.get("page_link")]
    assert any(label.startswith("0 dari 13 kab/kota sudah melapor") for label in links), links
