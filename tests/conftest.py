"""Shared fixtures: real installed boundaries, DuckDB files in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GDAL_SKIP", "OGR_VRT VRT GTI")  # before geopandas/pyogrio load (SECURITY.md §3)
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")  # AppTest failures show their cause

from geo.boundaries import is_installed, load_regions  # noqa: E402
from settings import DEFAULT_BOUNDARY_SOURCE, boundary_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = DEFAULT_BOUNDARY_SOURCE


#: Modules whose tests start servers, browsers, command-line subprocesses, whole pages or long
#: property searches; ``pytest -m "not slow"`` leaves them out for a run in under a minute.
SLOW_MODULES = {
    "test_pages", "test_screens", "test_auth", "test_auth_race", "test_cli", "test_cli_errors", "test_backup",
    "test_reports_pdf", "test_documents_region", "test_lapor", "test_lapsitda", "test_backtest", "test_analysis",
    "test_ingest", "test_geo_boundaries", "test_living_sources", "test_clearance", "test_emerging_fast",
    "test_resolve_real", "test_architecture", "test_hotspots", "test_letterhead", "test_upload_limits",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.module.__name__.rsplit(".", 1)[-1]
        if name in SLOW_MODULES or name.startswith("test_browser"):
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session):
    if not is_installed():
        raise pytest.UsageError(
            f"Batas wilayah belum terpasang di {boundary_dir()}; jalankan test.sh (atau "
            "python -m sigap boundaries install) dulu."
        )


@pytest.fixture(scope="session")
def kab():
    return load_regions("kab")


@pytest.fixture(scope="session")
def kec():
    return load_regions("kec")


@pytest.fixture(scope="session")
def prov():
    return load_regions("prov")


@pytest.fixture(scope="session")
def locator():
    from geo.locate import load_locator

    return load_locator()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "sigap.duckdb"


@pytest.fixture
def con(db_path):
    from store import connect

    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def regions_db(tmp_path_factory):
    """A database file with the regions loaded (copy it per test with ``fresh_db``)."""
    from store import connect
    from store.regions import load_regions_into

    path = tmp_path_factory.mktemp("regions") / "regions.duckdb"
    connection = connect(path)
    load_regions_into(connection)
    connection.close()
    return path


@pytest.fixture
def fresh_db(regions_db, tmp_path):
    """A private copy of a database that already holds the regions."""
    import shutil

    path = tmp_path / "sigap.duckdb"
    shutil.copy(regions_db, path)
    return path


def make_demo_db(directory, regions_db, n: int, seed: int):
    """A database file with the regions and ``n`` synthetic incidents up to today."""
    import shutil
    from datetime import date

    from ingest.demo import load_demo
    from store import connect

    path = directory / "sigap.duckdb"
    shutil.copy(regions_db, path)
    con = connect(path)
    load_demo(con, n=n, seed=seed, end=date.today())
    con.close()
    return path


# --- both store engines ---------------------------------------------------------------------------
_PG_TEMPLATE: dict[str, str] = {}


def _pg_regions_template() -> str:
    """Name of a PostgreSQL template database that holds the schema and the regions (made once)."""
    if "name" not in _PG_TEMPLATE:
        from store import connect
        from store.db import SYSTEM, acting_as
        from store.regions import load_regions_into
        from tests.pgserver import new_database

        owner, _ = new_database()
        con = connect(owner)
        with acting_as(SYSTEM):
            load_regions_into(con)
        con.shutdown()
        _PG_TEMPLATE["name"] = owner.rsplit("/", 1)[1]
    return _PG_TEMPLATE["name"]


def pg_database_with_regions() -> tuple[str, str]:
    """A fresh PostgreSQL database with schema and regions: (owner URL, app URL)."""
    import uuid

    import psycopg

    from tests.pgserver import server

    template = _pg_regions_template()
    name = "t_" + uuid.uuid4().hex[:12]
    admin = server()
    with psycopg.connect(admin, autocommit=True) as sql:
        sql.execute(f"CREATE DATABASE {name} TEMPLATE {template} OWNER sigap_owner")
        sql.execute(f"GRANT CONNECT ON DATABASE {name} TO sigap_app")
    base = admin.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql://sigap_owner@{base}/{name}", f"postgresql://sigap_app@{base}/{name}"


@pytest.fixture(params=["duckdb", "postgres"])
def engine_db(request, fresh_db):
    """A store connection with the regions loaded, on each engine in turn. On PostgreSQL it is the
    app's role (row-level security applies) acting as the system, as the CLI does."""
    from store import connect
    from store.db import SYSTEM, clear_actor, set_process_actor

    clear_actor()  # a page test run earlier in this thread may have left its user as the actor
    if request.param == "duckdb":
        con = connect(fresh_db)
        yield con
        con.close()
        return
    _, app = pg_database_with_regions()
    set_process_actor(SYSTEM)  # worker threads of a test too, as in the CLI
    con = connect(app)
    yield con
    set_process_actor(None)
    con.shutdown()
