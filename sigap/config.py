"""Paths and settings shared by the app, the command line and the tests.

Every path can be overridden by an environment variable so tests and scheduled jobs can point
SIGAP at their own files without touching the code.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"

#: Upstream boundary files for installs from a local copy (CI, developer machines).
DEFAULT_BOUNDARY_SOURCE = ROOT.parent / "shared" / "boundaries" / "wilayah_boundaries"


def db_path() -> Path:
    """The DuckDB file: ``$SIGAP_DB`` or ``data/sigap.duckdb``."""
    return Path(os.environ.get("SIGAP_DB", DATA_DIR / "sigap.duckdb"))


def boundary_dir() -> Path:
    """Where installed boundaries (GeoParquet, web copies, locator grids) live."""
    return Path(os.environ.get("SIGAP_BOUNDARY_DIR", DATA_DIR / "boundaries"))
