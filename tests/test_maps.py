"""Map building: escaping by construction, local assets only, sizes."""

import re
import shutil
import subprocess

import folium
import pandas as pd
import pytest

from analysis.measures import classify, compute_measure
from geo.web import load_display
from maps.assets import localize
from maps.choropleth import ChoroplethLayer, build_map, choropleth_features, display_geojson
from maps.escape import escape_text

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "${alert(document.cookie)}",
    "`); alert(1); (`",
    "</script><script>alert(1)</script>",
    "\\u003cscript\\u003e",
    "' onmouseover='alert(1)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_text_leaves_nothing_active(text):
    out = escape_text(text)
    for ch in "<>\"'`${}\\":
        assert ch not in out


def test_escape_text_of_missing_values():
    assert escape_text(None) == "" and escape_text(float("nan")) == ""
    assert escape_text(12.5) == "12.5"


def _layer(display, names=None):
    frame = pd.DataFrame({"kode": display["kode"], "luas_km2": 100.0})
    n = min(50, len(display))
    counts = pd.DataFrame({"kode": display["kode"][:n], "jumlah": range(1, n + 1), "skor_eskalasi": 1.0})
    values = compute_measure(frame, counts, "jumlah")
    classes = classify(values)
    return ChoroplethLayer(pd.DataFrame({"kode": display["kode"], "nilai": values, "kelas_idx": classes.yb}),
                           classes.labels, names or "Jumlah insiden")


def _script_blocks(html):
    return re.findall(r"<script>(.*?)</script>", html, flags=re.S)


def test_hostile_text_in_every_map_slot_stays_inert(tmp_path):
    display = load_display("kab", "rendah").head(60).copy()
    display["nama"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(display))]
    layer = _layer(display, names=HOSTILE[0])
    points = pd.DataFrame({"lat": [-3.44] * len(HOSTILE), "lon": [114.83] * len(HOSTILE), "judul": HOSTILE,
                           "tgl_mulai": HOSTILE, "kategori": HOSTILE})
    m = build_map(choropleth_features(display_geojson(display), layer), layer, points=points, cluster=True,
                  kecamatan=choropleth_features(display_geojson(display), layer), legend=layer)
    html = m.get_root().render()
    for payload in ("<img src=x", "<script>alert", "${alert", "`); alert", "' onmouseover"):
        assert payload not in html
    if shutil.which("node") is None:
        pytest.skip("node tidak tersedia untuk memeriksa sintaks skrip peta")
    for i, block in enumerate(_script_blocks(html)):
        path = tmp_path / f"s{i}.js"
        path.write_text(block, encoding="utf-8")
        result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_map_loads_only_local_assets():
    display = load_display("kab", "rendah")
    layer = _layer(display)
    points = pd.DataFrame({"lat": [-3.44], "lon": [114.83], "judul": ["x"], "tgl_mulai": ["2025-01-01"],
                           "kategori": ["SDA"]})
    html = build_map(choropleth_features(display_geojson(display), layer), layer, points=points,
                     cluster=True, heat=True).get_root().render()
    assert not re.findall(r"""(?:src|href)=["']https?://""", html)
    assert "/app/static/vendor/leaflet-1.9.3/leaflet.js" in html
    assert "/app/static/vendor/jquery-3.7.1/jquery.min.js" in html  # folium popups need it
    assert '"maxZoom": 18' in html  # marker clusters need a max zoom when there is no tile layer


def test_national_map_is_small_enough():
    display = load_display("kab", "rendah")
    layer = _layer(display)
    html = build_map(choropleth_features(display_geojson(display), layer), layer).get_root().render()
    assert html.count('"type": "Feature"') + html.count('"type":"Feature"') == 514
    assert len(html.encode()) < 1_500_000


def test_localize_refuses_elements_it_cannot_serve():
    from folium.plugins import Fullscreen

    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(ValueError, match="memuat aset dari internet"):
        localize(m)


def test_classes_put_zero_apart_and_cover_all_values():
    values = pd.Series([0, 0, 1, 2, 3, 10, 40, 41, 100])
    classes = classify(values, "kuantil", k=3)
    assert list(classes.yb[:2]) == [0, 0]
    assert classes.labels[0] == "Tidak ada"
    assert (classes.yb[2:] >= 1).all() and classes.yb.max() == len(classes.labels) - 1
    assert list(classes.yb) == sorted(classes.yb)  # monotone in the value


def test_measure_per_area(kab):
    counts = pd.DataFrame({"kode": ["63.72"], "jumlah": [10], "skor_eskalasi": [25]})
    per_area = compute_measure(kab, counts, "per_1000_km2")
    area = kab.set_index("kode").at["63.72", "luas_km2"]
    assert per_area[kab["kode"] == "63.72"].iloc[0] == pytest.approx(10 / area * 1000)
    with pytest.raises(ValueError, match="pilihan: jumlah, per_1000_km2, skor_eskalasi"):
        compute_measure(kab, counts, "rata-rata")


def test_drill_down_draws_kecamatan_with_their_own_legend():
    kab = load_display("kab", "sedang")
    kec = load_display("kec", "tinggi")
    kec = kec.loc[kec["kode"].str.startswith("63.72.")]
    kab_layer = _layer(kab)
    kec_layer = _layer(kec, names="Jumlah insiden — per kecamatan")
    html = build_map(choropleth_features(display_geojson(kab), kab_layer), kab_layer,
                     kecamatan=choropleth_features(display_geojson(kec), kec_layer), legend=kec_layer
                     ).get_root().render()
    for name in kec["nama"]:
        assert escape_text(name) in html
    assert "Jumlah insiden — per kecamatan" in html
