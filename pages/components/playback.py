"""Monthly playback on a choropleth, animated in the browser: every frame is sent once with the map
and a small script (no library, no CDN) recolours the regions month by month — no rerun per frame.

One set of classes serves all frames (classified over every month's values together), so a colour
means the same count in March as in November.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from analysis.measures import classify
from maps.choropleth import PALETTE
from maps.escape import escape_text
from pages.components import data
from store.incidents import IncidentFilter, Scope

__all__ = ["Frames", "PlaybackControl", "build_frames", "monthly_frames"]


@dataclass(frozen=True)
class Frames:
    """Class index per region and month (``classes[month][region]``), with the shared labels."""

    codes: tuple[str, ...]
    months: tuple[str, ...]
    captions: tuple[str, ...]
    classes: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]

    def payload(self, palette=PALETTE) -> dict:
        return {"kode": list(self.codes), "bulan": [escape_text(m) for m in self.months],
                "keterangan": [escape_text(c) for c in self.captions], "kelas": [list(c) for c in self.classes],
                "warna": list(palette[:len(self.labels)])}


def build_frames(values: pd.DataFrame, months: list[str], captions: list[str]) -> Frames:
    """Frames from ``values`` (one row per region, index = kode, one column per month, in order)."""
    stacked = values.to_numpy(dtype=float).T.reshape(-1)  # month-major
    shared = classify(pd.Series(stacked))
    classes = np.asarray(shared.yb).reshape(len(values.columns), len(values.index))
    return Frames(tuple(values.index), tuple(months), tuple(captions),
                  tuple(tuple(int(c) for c in row) for row in classes), tuple(shared.labels))


def monthly_frames(kab: pd.DataFrame, months: pd.PeriodIndex, start, kategori: tuple[str, ...], scope: Scope, *,
                   cumulative: bool, calendar: pd.DataFrame) -> Frames:
    """Incidents per kabupaten/kota for every month of ``months`` (from ``start`` when
    ``cumulative``), with the election stages running in each month as its caption."""
    counts = {}
    for month in months:
        flt = IncidentFilter(month.start_time.date(), month.end_time.date(), kategori=kategori)
        per_kab = data.aggregate("kab", flt, scope)
        counts[str(month)] = per_kab.set_index("kode")["jumlah"] if len(per_kab) else pd.Series(dtype=float)
    table = pd.DataFrame(counts).reindex(kab["kode"]).fillna(0.0)
    if cumulative:
        table = table.cumsum(axis=1)
    captions = [", ".join(calendar.loc[(calendar["mulai"] <= m.end_time) & (calendar["selesai"] >= m.start_time),
                                       "tahapan"].astype(str)) for m in months]
    return build_frames(table, [m.strftime("%m/%Y") for m in months], captions)


def _json(value) -> str:
    # inert inside <script> and inside any template literal: no "</", no backtick, no "${"
    return (json.dumps(value, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("`", "\\u0060").replace("$", "\\u0024"))


class PlaybackControl(MacroElement):
    """A play/pause button, a month slider and the month's caption on the map; all frames inline."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var data = {{ this.data }};
  var words = {{ this.words }};
  var index = {};
  data.kode.forEach(function (k, i) { index[k] = i; });
  var current = 0, timer = null, button, slider, label;
  function show(i) {
    current = i;
    var cls = data.kelas[i];
    map.eachLayer(function (l) {
      var p = l.feature && l.feature.properties;
      if (p && index[p.kode] !== undefined && l.setStyle) {
        l.setStyle({fillColor: data.warna[cls[index[p.kode]]]});
      }
    });
    slider.value = i;
    label.innerHTML = data.bulan[i] + (data.keterangan[i] ? " · " + data.keterangan[i] : "");
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } button.innerHTML = words.putar; }
  function play() {
    if (current >= data.bulan.length - 1) { show(0); }
    button.innerHTML = words.jeda;
    timer = setInterval(function () {
      if (current >= data.bulan.length - 1) { stop(); return; }
      show(current + 1);
    }, {{ this.interval }});
  }
  var control = L.control({position: "topright"});
  control.onAdd = function () {
    var div = L.DomUtil.create("div", "sigap-putar leaflet-bar");
    div.style.cssText = "background:#fff;padding:6px 8px;font:13px sans-serif;max-width:320px";
    button = L.DomUtil.create("button", "", div);
    button.type = "button";
    button.innerHTML = words.putar;
    button.setAttribute("data-testid", "sigap-putar");
    slider = L.DomUtil.create("input", "", div);
    slider.type = "range"; slider.min = 0; slider.max = data.bulan.length - 1; slider.value = 0;
    slider.style.cssText = "width:140px;vertical-align:middle;margin:0 6px";
    slider.setAttribute("aria-label", words.bulan);
    label = L.DomUtil.create("div", "", div);
    label.setAttribute("data-testid", "sigap-bulan");
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.on(button, "click", function () { if (timer) { stop(); } else { play(); } });
    L.DomEvent.on(slider, "input", function () { stop(); show(parseInt(slider.value, 10)); });
    return div;
  };
  control.addTo(map);
  show(0);
})();
{% endmacro %}
""")

    def __init__(self, frames: Frames, words: dict[str, str], interval_ms: int = 800):
        super().__init__()
        self._name = "PlaybackControl"
        self.data = _json(frames.payload())
        self.words = _json({k: escape_text(v) for k, v in words.items()})
        self.interval = int(interval_ms)
