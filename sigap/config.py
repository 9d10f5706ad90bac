"""Deprecated alias of :mod:`settings` (the ground-floor settings module); import ``settings``."""

from settings import *  # noqa: F401,F403
from settings import DATA_DIR, DEFAULT_BOUNDARY_SOURCE, PROFILE_FILE, ROOT, boundary_dir, db_path  # noqa: F401
