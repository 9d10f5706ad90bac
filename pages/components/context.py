"""The database connection, as pages get it.

The connection is one per process (``st.cache_resource``); each call to :func:`cursor` gives the
calling thread its own cursor, as DuckDB requires for concurrent sessions.
"""

from __future__ import annotations

import duckdb
import streamlit as st

from settings import db_path
from store import connect


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return connect(path)


def db_file() -> str:
    """Path of the app's database (``$SIGAP_DB`` or ``data/sigap.duckdb``)."""
    return str(db_path())


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the process-wide connection, for this thread only."""
    return _connection(db_file()).cursor()

