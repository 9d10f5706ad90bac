"""Pilkada playback runs in the browser: the page sends every month's classes once with the map,
and no rerun happens per frame (there is no server-side play loop any more)."""

import json
import re
import shutil
import subprocess

import pandas as pd
import pytest

from pages.components.playback import PlaybackControl, build_frames
from tests.apptest import ANALIS, open_page, served


def test_frames_share_one_set_of_classes():
    values = pd.DataFrame({"2024-01": [0, 1, 2], "2024-02": [0, 5, 40]}, index=["63.01", "63.02", "63.72"])
    frames = build_frames(values, ["01/2024", "02/2024"], ["", "Kampanye"])
    assert frames.codes == ("63.01", "63.02", "63.72")
    assert len(frames.classes) == 2 and all(len(c) == 3 for c in frames.classes)
    assert frames.classes[0][0] == 0  # zero keeps its own class
    assert frames.classes[1][2] >= frames.classes[0][2]  # the same count scale across months


def test_the_control_keeps_hostile_stage_names_inert(tmp_path):
    import folium

    hostile = "</script><img src=x onerror=alert(1)>`${alert(2)}`"
    frames = build_frames(pd.DataFrame({"m": [1.0]}, index=["63.72"]), ["01/2024"], [hostile])
    m = folium.Map()
    PlaybackControl(frames, {"putar": "▶", "jeda": "⏸", "bulan": "Bulan"}).add_to(m)
    html = m.get_root().render()
    assert "</script><img" not in html and "${alert" not in html and "`" not in html.split("var data")[1][:2000]
    if shutil.which("node"):  # the control's script still parses
        script = re.search(r"\(function \(\) \{\n  var map = .*?\n\}\)\(\);", html, re.S).group(0)
        path = tmp_path / "putar.js"
        path.write_text("var L = {};\n" + script.replace("var map = ", "var map = {}; var _ = "), encoding="utf-8")
        assert subprocess.run(["node", "--check", str(path)], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def pilkada_db(tmp_path_factory, regions_db):
    from tests.apptest import USERS, create_users
    from tests.conftest import make_demo_db

    path = make_demo_db(tmp_path_factory.mktemp("putar"), regions_db, n=400, seed=31)
    create_users(path, USERS)
    return path


def test_the_page_sends_all_frames_once(pilkada_db, monkeypatch):
    sent = {}

    def capture(m, key, height=560):
        sent[key] = m.get_root().render()
        return {}

    monkeypatch.setattr("pages.components.maps.render_map", capture)
    with served(pilkada_db, monkeypatch):
        at = open_page("pilkada", ANALIS).run()
    assert not at.exception
    html = sent["pilkada_putar_peta"]
    payloads = re.findall(r"var data = (\{.*?\});\n", html)
    assert len(payloads) == 1  # every frame, once
    data = json.loads(payloads[0])
    slider_months = len(data["bulan"])
    assert slider_months >= 6 and len(data["kelas"]) == slider_months == len(data["keterangan"])
    assert all(len(frame) == len(data["kode"]) for frame in data["kelas"])
    assert any(data["keterangan"])  # the stages running in a month go with it
    # no server-side playback: no play button, no month slider that reruns the page
    assert "pilkada_putar" not in [b.key for b in at.button]
    assert "pilkada_frame" not in [s.key for s in at.select_slider]
