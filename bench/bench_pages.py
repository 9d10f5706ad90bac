"""What a user waits for in the browser: SIGAP's Peta Potensi Konflik against the same map written in
plain Streamlit + folium, both served by ``streamlit run`` and driven by headless Chromium.

Measured in one run, one server at a time, on the same 6,000 demo incidents:

- *first map after sign-in*: from the click on "Masuk" (SIGAP) or from opening the page (the
  baseline has no sign-in) until all 514 kabupaten/kota are drawn in the map; once with the server
  just started (empty caches) and again in a new session (caches warm);
- *filter change → map redrawn*: from the click on a period ("Triwulan", "Rentang tanggal" — the
  last 90 days —, "12 bulan terakhir", in turn) until the map shows the new colours, and the bytes
  the server sent over the websocket meanwhile (Streamlit resends a message the browser saw in the
  last two reruns only as a reference; cycling three periods defeats that for both pages).

The browser may reach only the two local servers (``tests.browser.offline_page``). The baseline's
folium page asks CDNs for Leaflet, jQuery, d3 (its colour legend), Bootstrap and Font Awesome:
the first three are answered from local copies (SIGAP's ``static/vendor``, ``bench/vendor``), as a
browser cache or an office mirror would, the rest with an empty file (the map uses no icons), so
the baseline draws its whole map without the internet; only its tiles are not loaded.

Run: ``.venv/bin/python -m bench.bench_pages [--incidents 6000] [--switches 6]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KABUPATEN = 514
#: The period radio of both pages, clicked in this order from the last (the default).
PERIODS = ("Triwulan", "Rentang tanggal", "12 bulan terakhir")
#: CDN files of folium's default assets answered from SIGAP's vendored copies; other CDN files get an empty body.
CDN_COPIES = {
    "leaflet@1.9.3/dist/leaflet.js": ROOT / "static/vendor/leaflet-1.9.3/leaflet.js",
    "leaflet@1.9.3/dist/leaflet.css": ROOT / "static/vendor/leaflet-1.9.3/leaflet.css",
    "jquery-3.7.1.min.js": ROOT / "static/vendor/jquery-3.7.1/jquery.min.js",
    "d3/3.5.5/d3.min.js": ROOT / "bench/vendor/d3-3.5.5/d3.min.js",  # branca's colour legend
}
_MAP_STATE = """() => {
    const paths = document.querySelectorAll('path.leaflet-interactive');
    let colours = '';
    for (const p of paths) colours += (p.getAttribute('fill') || '') + ',';
    return [paths.length, colours];
}"""


def _map_state(page) -> tuple[int, str]:
    """Paths drawn in the fullest map frame and their fill colours."""
    best = (0, "")
    for frame in page.frames:
        with contextlib.suppress(Exception):
            count, colours = frame.evaluate(_MAP_STATE)
            if count > best[0]:
                best = (count, colours)
    return best


def _wait_for_map(page, started: float, previous: str | None = None, timeout: float = 120.0) -> tuple[float, str]:
    """Seconds from ``started`` until every region is drawn (in colours other than ``previous``)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        count, colours = _map_state(page)
        if count >= KABUPATEN and colours != previous:
            return time.perf_counter() - started, colours
        page.wait_for_timeout(20)
    raise TimeoutError(f"peta tidak tergambar dalam {timeout:.0f} s (jalur: {_map_state(page)[0]})")


class _Bytes:
    """Bytes the server sent over the page's websockets."""

    def __init__(self, page):
        self.total = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload) -> None:
        self.total += len(payload)


def _serve_cdn_locally(page) -> None:
    def route(r):
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
            return r.fallback()
        for name, path in CDN_COPIES.items():
            if url.endswith(name):
                return r.fulfill(path=str(path))
        if url.endswith((".js", ".css")):
            return r.fulfill(body="", content_type="text/css" if url.endswith(".css") else "application/javascript")
        return r.fallback()  # tiles and fonts: blocked like every outside request

    page.route("**/*", route)


def _switches(page, bytes_in: _Bytes, count: int, seconds: list, sent: list) -> None:
    """Click through the periods; time each redraw and count the bytes it took."""
    _, colours = _map_state(page)
    for i in range(count):
        label = PERIODS[i % len(PERIODS)]
        radio = page.locator('[data-testid="stSidebar"] [role="radiogroup"]').first.get_by_text(label, exact=True)
        before = bytes_in.total
        started = time.perf_counter()
        radio.click()
        elapsed, colours = _wait_for_map(page, started, previous=colours)
        page.wait_for_timeout(300)  # let the rest of the rerun arrive before counting bytes
        seconds.append(elapsed)
        sent.append(bytes_in.total - before)


def _measure_sigap(db: Path, username: str, password: str, switches: int) -> dict:
    from tests.browser import offline_page, running_app

    out = {"switch": [], "switch_bytes": []}
    with running_app({"SIGAP_DB": str(db)}) as url, offline_page() as page:
        bytes_in = _Bytes(page)
        for attempt in ("cold", "warm"):  # a new session each: the server's caches empty, then warm
            page.goto(url)
            page.get_by_label("Nama pengguna").fill(username)
            page.get_by_label("Kata sandi").fill(password)
            before = bytes_in.total
            started = time.perf_counter()
            page.get_by_role("button", name="Masuk").click()
            out[attempt], _ = _wait_for_map(page, started)
            page.wait_for_timeout(500)
            out[f"{attempt}_bytes"] = bytes_in.total - before
            _switches(page, bytes_in, switches, out["switch"], out["switch_bytes"])
        out["blocked"] = list(page.blocked)
    return out


def _measure_baseline(db: Path, geojson: Path, switches: int) -> dict:
    from tests.browser import offline_page, running_app

    out = {"switch": [], "switch_bytes": []}
    env = {"SIGAP_DB": str(db), "BASELINE_GEOJSON": str(geojson)}
    with running_app(env, 90.0, ROOT / "bench" / "baseline_peta.py") as url, offline_page() as page:
        _serve_cdn_locally(page)
        bytes_in = _Bytes(page)
        for attempt in ("cold", "warm"):
            before = bytes_in.total
            started = time.perf_counter()
            page.goto(url)
            out[attempt], _ = _wait_for_map(page, started)
            page.wait_for_timeout(500)
            out[f"{attempt}_bytes"] = bytes_in.total - before
            _switches(page, bytes_in, switches, out["switch"], out["switch_bytes"])
    return out


def main(argv=None):
    from auth.identity import User
    from bench.common import id_number
    from geo.boundaries import load_regions
    from ingest.demo import load_demo
    from store import connect
    from store.regions import load_regions_into
    from tests.apptest import PASSWORD, create_users
    from tests.browser import CHROMIUM

    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=6000)
    parser.add_argument("--switches", type=int, default=6, help="pergantian periode per sesi (2 sesi)")
    args = parser.parse_args(argv)
    if CHROMIUM is None:
        raise SystemExit("galat: Chromium (paket Debian 'chromium') tidak terpasang")
    analyst = User("analis_bench", "analis", None, "Terbatas")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "sigap.duckdb"
        con = connect(db)
        load_regions_into(con)
        load_demo(con, n=args.incidents, end=date.today())
        con.close()
        create_users(db, (analyst,))
        baseline_db = tmp / "baseline.duckdb"  # the app holds its file: the baseline reads a copy
        shutil.copy(db, baseline_db)
        geojson = tmp / "kabupaten.geojson"  # what `python -m sigap regions --level kab --format geojson` writes
        kab = load_regions("kab")
        geojson.write_text(kab[["kode", "nama", "geometry"]].to_json(drop_id=True, ensure_ascii=False),
                           encoding="utf-8")
        ours = _measure_sigap(db, analyst.username, PASSWORD, args.switches)
        plain = _measure_baseline(baseline_db, geojson, args.switches)

    def secs(x: float) -> str:
        return f"{id_number(x, 2)} s"

    def mb(x: float) -> str:
        return f"{id_number(x / 1e6, 2)} MB"

    def ratio(naive: float, fast: float) -> str:
        return f"{id_number(naive / fast, 1)}× lebih cepat"

    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    sw, sw_plain = statistics.median(ours["switch"]), statistics.median(plain["switch"])
    print(f"| Peta Potensi Konflik: ganti filter → peta tergambar ulang ({args.incidents:_} insiden) | {secs(sw)} "
          f"(median, maks {secs(max(ours['switch']))}) | {secs(sw_plain)} (median, maks {secs(max(plain['switch']))}) "
          f"| {ratio(sw_plain, sw)}; dikirim {mb(statistics.median(ours['switch_bytes']))} vs "
          f"{mb(statistics.median(plain['switch_bytes']))} per ganti; {len(ours['switch'])} kali (periode) |"
          .replace("_", "."))
    print(f"| Peta pertama setelah masuk, server baru (cache kosong) | {secs(ours['cold'])} | {secs(plain['cold'])} | "
          f"{ratio(plain['cold'], ours['cold'])}; SIGAP dari klik *Masuk*, cara naif dari membuka halaman (tanpa "
          f"masuk); dikirim {mb(ours['cold_bytes'])} vs {mb(plain['cold_bytes'])} |")
    print(f"| Peta pertama setelah masuk, sesi baru (cache hangat) | {secs(ours['warm'])} | {secs(plain['warm'])} | "
          f"{ratio(plain['warm'], ours['warm'])}; dikirim {mb(ours['warm_bytes'])} vs {mb(plain['warm_bytes'])} |")
    print(f"\nChromium headless tanpa jaringan luar (permintaan SIGAP yang diblokir: {len(ours['blocked'])}); "
          f"beban mesin (load average 1 menit): {id_number(os.getloadavg()[0], 2)}")


if __name__ == "__main__":
    main()
