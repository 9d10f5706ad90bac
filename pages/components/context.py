"""The database connection, as pages get it.

The connection is one per process (``st.cache_resource``); each call to :func:`cursor` gives the
calling thread its own cursor, as DuckDB requires for concurrent sessions (on PostgreSQL the
connection is a pool shared by the threads).
"""

from __future__ import annotations

import duckdb
import streamlit as st

from pages.components import state
from settings import db_path
from store import connect
from store.db import set_actor


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return connect(path)


def db_file() -> str:
    """Path of the app's database (``$SIGAP_DB`` or ``data/sigap.duckdb``)."""
    return str(db_path())


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the process-wide connection, for this thread only.

    On a PostgreSQL server every statement of this thread then runs as the session's user (their
    region and clearance, for the row-level security policies); with nobody signed in, as nobody:
    no rows, whatever a page asks.
    """
    user = st.session_state.get(state.USER)
    set_actor(user.scope if user is not None else None)
    return _connection(db_file()).cursor()


def data_key() -> str:
    """The database and its newest audit row: a cache key that changes with every write, from
    this app process or any other (several app instances on one server, the CLI)."""
    from store.audit import last_audit_id

    return f"{db_file()}@{last_audit_id(cursor())}"
