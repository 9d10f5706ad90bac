"""Two app instances on one PostgreSQL server: a write made by another process (here the CLI
import, as a third instance) shows at once on both, where a DuckDB file would refuse the second
instance altogether."""

from __future__ import annotations

import secrets
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.apptest import PASSWORD, User, create_users
from tests.browser import offline_page, running_app, sign_in
from tests.conftest import pg_database_with_regions
from tests.test_browser_lapor import _metrics

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
ANALYST = User("analis_nas", "analis", None, "Rahasia")


def _count(page) -> int:
    page.locator("[data-testid=stMetric]").first.wait_for(timeout=60_000)
    return int(_metrics(page, {}, timeout=0)["Insiden"].replace(".", ""))


def test_two_instances_see_a_write_from_another_process_at_once(tmp_path):
    owner, app = pg_database_with_regions()
    key = secrets.token_hex(32)
    create_users(owner, [ANALYST])
    env = {"SIGAP_DB": app, "SIGAP_AUDIT_KEY": key}
    day = (date.today() - timedelta(days=3)).strftime("%d/%m/%Y")
    report = tmp_path / "laporan.csv"
    report.write_text("tanggal;kode_kab;kategori;eskalasi;judul\n"
                      f"{day};63.72;SDA;3;Blokade jalan tambang\n{day};63.71;SARA;2;Ketegangan warga\n"
                      f"{day};11.06;KAM;2;Tawuran pemuda\n", encoding="utf-8")
    with running_app(env) as first, running_app(env) as second, offline_page() as page:
        sign_in(page, first, ANALYST.username, PASSWORD)
        before = _count(page)
        run = subprocess.run([sys.executable, "-m", "sigap", "--db", owner, "import", str(report)],
                             capture_output=True, text=True, cwd=ROOT, env={**_env(), "SIGAP_AUDIT_KEY": key},
                             timeout=300)
        assert run.returncode == 0, run.stderr
        for url in (second, first):  # a fresh session on each instance, no waiting for a cache to expire
            page.context.clear_cookies()
            sign_in(page, url, ANALYST.username, PASSWORD)
            assert _count(page) == before + 3


def _env() -> dict:
    import os

    return dict(os.environ)
