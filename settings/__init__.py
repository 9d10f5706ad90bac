"""Paths and settings of SIGAP, on the ground floor: every layer may import this module, and it
imports nothing of SIGAP.

Values come from the environment when it sets them, so tests and scheduled jobs point SIGAP at
their own files without touching the code:

``SIGAP_DB``
    The database: a DuckDB file (default ``data/sigap.duckdb``).
``SIGAP_BOUNDARY_DIR``
    Installed boundaries, locator grids and web copies (default ``data/boundaries``).
``SIGAP_AUDIT_KEY``
    Hex key that signs the audit chain's head (default: ``audit.key`` beside the database).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_DIR", "DEFAULT_BOUNDARY_SOURCE", "PROFILE_FILE", "ROOT", "boundary_dir", "db_path"]

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
#: The index profile leaders read by default (dimensions, weights, scales).
PROFILE_FILE = DATA_DIR / "profiles" / "konflik_sosial.toml"

#: Upstream boundary files for installs from a local copy (CI, developer machines).
DEFAULT_BOUNDARY_SOURCE = ROOT.parent / "shared" / "boundaries" / "wilayah_boundaries"


def db_path() -> Path | str:
    """The database: ``$SIGAP_DB`` or ``data/sigap.duckdb`` — a DuckDB file (Path), or a
    ``postgresql://`` URL (kept as text: a Path would fold its ``//``)."""
    configured = os.environ.get("SIGAP_DB", "")
    if configured.startswith(("postgresql://", "postgres://")):
        return configured
    return Path(configured or DATA_DIR / "sigap.duckdb")


def boundary_dir() -> Path:
    """Where installed boundaries (GeoParquet, web copies, locator grids) live."""
    return Path(os.environ.get("SIGAP_BOUNDARY_DIR", DATA_DIR / "boundaries"))
