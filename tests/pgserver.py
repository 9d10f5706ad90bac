"""A real PostgreSQL + PostGIS server for tests: a throw-away cluster (scripts/pg_cluster.sh)
started once per test session, and a fresh database per test that asks for one.

Set ``SIGAP_TEST_PG`` to a superuser URL to use a server you started yourself. Where no
PostgreSQL is installed the PostgreSQL tests skip, except in CI (``CI`` set), where they fail:
CI must test both engines.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SERVER: dict[str, str] = {}


def server() -> str:
    """Superuser URL of the session's server (started on first use)."""
    if "url" in _SERVER:
        return _SERVER["url"]
    configured = os.environ.get("SIGAP_TEST_PG")
    if configured:
        _SERVER["url"] = configured
        return configured
    if not shutil.which("psql") and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        _unavailable("PostgreSQL tidak terpasang")
    if not list(Path("/usr/share/postgresql").glob("*/extension/postgis.control")):
        _unavailable("PostGIS tidak terpasang (apt-get install postgresql-15-postgis-3)")
    folder = Path(tempfile.mkdtemp(prefix="sigap-pg-"))
    os.chmod(folder, 0o755)
    port = str(56000 + os.getpid() % 2000)
    run = subprocess.run(["bash", str(ROOT / "scripts" / "pg_cluster.sh"), "start", str(folder / "data"), port],
                         capture_output=True, text=True)
    if run.returncode:
        _unavailable(f"klaster PostgreSQL tidak mau mulai: {run.stderr.strip()}")
    atexit.register(subprocess.run, ["bash", str(ROOT / "scripts" / "pg_cluster.sh"), "stop", str(folder / "data")])
    _SERVER["url"] = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    return _SERVER["url"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def new_database() -> tuple[str, str]:
    """A fresh database owned by ``sigap_owner`` with PostGIS: (owner URL, app URL)."""
    import psycopg

    admin = server()
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name} OWNER sigap_owner")
    with psycopg.connect(admin.rsplit("/", 1)[0] + "/" + name, autocommit=True) as con:
        con.execute("CREATE EXTENSION postgis")
        con.execute("GRANT CONNECT ON DATABASE " + name + " TO sigap_app")
        con.execute("GRANT CREATE, USAGE ON SCHEMA public TO sigap_owner")
    base = admin.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql://sigap_owner@{base}/{name}", f"postgresql://sigap_app@{base}/{name}"
