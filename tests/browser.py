"""Helpers for headless-Chromium tests against a live ``streamlit run`` server."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium (paket Debian 'chromium') tidak terpasang")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(env: dict, timeout: float = 60.0, script: Path = ROOT / "app.py"):
    """Serve ``script`` (default app.py) on a free loopback port; yield its base URL."""
    port = free_port()
    # output goes nowhere: an unread pipe fills up and stalls a chatty server
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("server Streamlit tidak siap")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def offline_page(viewport=(1600, 1000)):
    """A Chromium page whose requests to anything but loopback are aborted and recorded."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})

        def route(r):
            url = r.request.url
            if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
                return r.continue_()
            blocked.append(url)
            return r.abort()

        page.route("**/*", route)
        page.blocked = blocked
        try:
            yield page
        finally:
            browser.close()


def count_in_frames(page, selector: str) -> int:
    best = 0
    for frame in page.frames:
        with contextlib.suppress(Exception):
            best = max(best, frame.locator(selector).count())
    return best


def wait_for_count(page, selector: str, minimum: int, timeout: float = 45.0) -> int:
    deadline = time.time() + timeout
    n = 0
    while time.time() < deadline:
        n = count_in_frames(page, selector)
        if n >= minimum:
            return n
        page.wait_for_timeout(500)
    return n


def sign_in(page, url: str, username: str, password: str, heading: str = "Peta Potensi Konflik") -> None:
    """Open the app and sign in through the form, waiting for the first page's heading."""
    page.goto(url)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
