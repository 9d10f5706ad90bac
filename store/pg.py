"""PostgreSQL + PostGIS as the store's second engine: one connection object for the whole process
that answers the handful of DuckDB connection methods the store uses (``execute``, ``sql``,
``cursor``, ``register``, ``fetch*``, ``df``), over a psycopg 3 connection pool.

Why an adapter and not a second copy of every store function: the store's SQL is one text for
both engines. The few spellings PostgreSQL does not share are rewritten here, at one place
(:func:`translate`), or chosen by :func:`store.dialect` helpers where a rewrite would be guesswork.

Connections
    Outside a transaction each statement borrows a pooled connection (autocommit) and gives it
    back at once. ``with store.db.transaction(con):`` pins one connection to the calling thread
    until COMMIT/ROLLBACK, so a Streamlit session thread, a CLI job and 40 worker processes each
    hold a connection only while they work.
Parameters
    Bound on the client (psycopg's ``ClientCursor``, which quotes every value): the server then
    types ``? IS NULL`` and ``= ANY(?)`` as DuckDB does, from the value.
Row-level security
    Every borrowed connection first sets ``sigap.wilayah`` and ``sigap.izin`` from the actor of
    :func:`store.db.acting_as` (the signed-in user's region and clearance). The tables' policies
    (migration ``900_postgis.pg.sql``) read those settings; with no actor they are empty and the
    policies return no rows — fail closed.
"""

from __future__ import annotations

import io
import re
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

__all__ = ["PgConnection", "PgResult", "is_url", "translate"]

_DATE_OID = 1082
_NUMERIC_OID = 1700


def is_url(target) -> bool:
    """Whether ``target`` names a PostgreSQL server rather than a DuckDB file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


# --- SQL spelled for DuckDB → PostgreSQL ------------------------------------------------------------

_LIST_CONTAINS = re.compile(r"list_contains\(\?,\s*([^()]+?)\)")
_DATE_DIFF = re.compile(r"date_diff\('day',\s*([\w.]+),\s*([\w.]+)\)")
_STRFTIME_MONTH = re.compile(r"strftime\(([\w.]+),\s*'%Y-%m'\)")
_INSERT_OR_REPLACE = re.compile(r"INSERT OR REPLACE INTO (\w+) \(([^)]*)\)")
_RANGE_PARAM = re.compile(r"FROM range\(\?\)")
_ROUND5_TEXT = re.compile(r"round\(([\w.]+), 5\)::VARCHAR")
_UPSERT_KEYS = {"settings": "kunci", "pemetaan_kolom": "nama"}


_TEMP_AS = re.compile(r"CREATE OR REPLACE TEMP TABLE (\w+) AS")
_DESCRIBE = re.compile(r"^DESCRIBE (\w+)$")
_JSON_EXISTS = re.compile(r"""json_exists\(([\w.]+), '\$\."?(\w+)"?'\)""")
_JSON_GET = re.compile(r"""->>'\$\."?(\w+)"?'""")
_ROW_JSON = re.compile(r"to_json\((\w+)\)")


def translate(sql: str) -> str:
    """The PostgreSQL spelling of one store statement (``?`` placeholders become ``%s``)."""
    described = _DESCRIBE.match(sql.strip())
    if described:
        return ("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
                f"'{described[1]}' AND table_schema = current_schema() ORDER BY ordinal_position")
    if "EXCLUDE (hash_isi)" in sql:  # a history row: the incident as JSON without its hash
        sql = sql.replace(" EXCLUDE (hash_isi)", "")
        sql = _ROW_JSON.sub(lambda m: f"(to_jsonb({m[1]}) - 'hash_isi')", sql)
    sql = _ROW_JSON.sub(lambda m: f"to_jsonb({m[1]})", sql)
    sql = _JSON_EXISTS.sub(lambda m: f"jsonb_exists({m[1]}, '{m[2]}')", sql)
    sql = _JSON_GET.sub(lambda m: f"->>'{m[1]}'", sql)
    sql = sql.replace("any_value(", "min(")
    sql = _TEMP_AS.sub(lambda m: f"DROP TABLE IF EXISTS {m[1]}; CREATE TEMP TABLE {m[1]} AS", sql)
    sql = _LIST_CONTAINS.sub(lambda m: f"({m[1]}) = ANY(?)", sql)
    sql = _DATE_DIFF.sub(lambda m: f"(({m[2]})::date - ({m[1]})::date)", sql)
    sql = _STRFTIME_MONTH.sub(lambda m: f"to_char({m[1]}, 'YYYY-MM')", sql)
    sql = _RANGE_PARAM.sub("FROM generate_series(1, ?)", sql)
    # the content hash spells coordinates as DuckDB prints a DOUBLE (migration 900's sigap_num5)
    sql = _ROUND5_TEXT.sub(lambda m: f"sigap_num5({m[1]})", sql)

    def upsert(m):
        table, cols = m[1], m[2]
        key = _UPSERT_KEYS[table]
        others = [c.strip() for c in cols.split(",") if c.strip() != key]
        return (f"INSERT INTO {table} ({cols})", f" ON CONFLICT ({key}) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in others))

    suffix = ""
    found = _INSERT_OR_REPLACE.search(sql)
    if found:
        head, suffix = upsert(found)
        sql = sql[:found.start()] + head + sql[found.end():]
    return _placeholders(sql) + suffix


def _placeholders(sql: str) -> str:
    # ``?`` → ``%s`` and ``%`` → ``%%``, outside quoted text only.
    out, quote = [], None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
            continue
        if ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def _param(value):
    # numpy scalars and arrays as plain Python values psycopg adapts
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_param(v) for v in value]
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


# --- results -------------------------------------------------------------------------------------------

class PgResult:
    """The rows of one statement, fetched at once, with DuckDB's result methods."""

    def __init__(self, rows: list[tuple] | None, columns: list[str], oids: list[int], rowcount: int):
        # A statement without a result set answers like DuckDB: one row holding the count.
        self._rows = rows if rows is not None else [(rowcount,)]
        self.columns = columns if rows is not None else ["Count"]
        self._oids = oids
        self.rowcount = rowcount
        self._pos = 0
        self.description = [(c,) for c in self.columns]

    def fetchone(self):
        if self._pos >= len(self._rows):
            return None
        row = self._rows[self._pos]
        self._pos += 1
        return row

    def fetchall(self) -> list[tuple]:
        rest = self._rows[self._pos:]
        self._pos = len(self._rows)
        return rest

    def df(self) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(self._rows, columns=self.columns)
        for name, oid in zip(self.columns, self._oids):
            if oid == _DATE_OID:  # DuckDB hands dates to pandas as datetime64
                frame[name] = pd.to_datetime(frame[name])
            elif oid == _NUMERIC_OID:
                frame[name] = pd.to_numeric(frame[name], errors="coerce")
        return frame

    fetchdf = df

    def to_arrow_table(self):
        import pyarrow as pa

        return pa.Table.from_pandas(self.df(), preserve_index=False)

    arrow = to_arrow_table

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        frame = self.df()
        return {name: frame[name].to_numpy() for name in frame.columns}

    def close(self) -> None:
        pass


# --- connection ----------------------------------------------------------------------------------------

class PgConnection:
    """The store's connection to PostgreSQL: thread-safe, one per process.

    Parameters
    ----------
    url : str
        ``postgresql://user:password@host:port/database``.
    actor : callable
        Returns the ``(wilayah, izin)`` pair the row-level security policies read for the
        statement about to run (see :func:`store.db.acting_as`).
    max_size : int
        Connections this process may hold at once.
    """

    dialect = "postgres"

    def __init__(self, url: str, actor, *, max_size: int = 8):
        from psycopg import ClientCursor
        from psycopg_pool import ConnectionPool

        self.url = url
        self._actor = actor
        self._local = threading.local()
        self._described: dict[str, tuple] = {}
        self._pool = ConnectionPool(url, min_size=1, max_size=max_size, open=True, name="sigap",
                                    kwargs={"autocommit": True, "cursor_factory": ClientCursor})
        parts = urlsplit(url)
        self.database = (parts.path or "/").lstrip("/") or "postgres"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 5432

    # identity -----------------------------------------------------------------------------------------

    def key_path(self) -> Path:
        """Stand-in "database file" beside which the audit key of this server database lives
        (``data/pg/<host>-<port>-<database>/``) when ``$SIGAP_AUDIT_KEY`` is not set. Several app
        servers must share the key: set ``$SIGAP_AUDIT_KEY`` on each."""
        from settings import DATA_DIR

        folder = Path(DATA_DIR) / "pg" / f"{self.host}-{self.port}-{self.database}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "server"

    def __repr__(self) -> str:
        return f"PgConnection({self.host}:{self.port}/{self.database})"

    # statements ---------------------------------------------------------------------------------------

    @contextmanager
    def _connection(self):
        pinned = getattr(self._local, "conn", None)
        if pinned is not None:
            yield pinned
            return
        with self._pool.connection() as conn:
            self._set_actor(conn)
            yield conn

    def _set_actor(self, conn) -> None:
        wilayah, izin = self._actor()
        conn.execute("SELECT set_config('sigap.wilayah', %s, false), set_config('sigap.izin', %s, false)",
                     [wilayah, izin])

    def execute(self, sql: str, params=None) -> PgResult:
        """Run one statement (DuckDB spelling) and return its rows."""
        described = self._described.get(sql)
        if described is not None:  # the schema changes only by migrations, at connect
            return PgResult(list(described), ["column_name", "data_type"], [0, 0], len(described))
        text = translate(sql)
        # always a list: without parameters psycopg would leave the doubled %% of translate()
        values = [_param(v) for v in params] if params else []
        with self._connection() as conn:
            cur = conn.cursor()
            try:
                cur.execute(text, values)
                if cur.description is None:
                    return PgResult(None, [], [], cur.rowcount)
                columns = [d.name for d in cur.description]
                oids = [d.type_code for d in cur.description]
                rows = cur.fetchall()
                if _DESCRIBE.match(sql.strip()):
                    self._described[sql] = tuple(rows)
                return PgResult(rows, columns, oids, cur.rowcount)
            finally:
                cur.close()

    def sql(self, sql: str, params=None) -> PgResult:
        return self.execute(sql, params)

    def executescript(self, sql: str) -> None:
        """Run several statements (a migration) as they are: no placeholder rewriting."""
        with self._connection() as conn:
            conn.execute(sql)

    def cursor(self) -> PgConnection:
        # The pool already gives each thread its own connection; a cursor is the same object.
        return self

    def close(self) -> None:
        """Give back the pinned connection, if any (the pool lives as long as the process)."""

    def shutdown(self) -> None:
        self._pool.close()

    # transactions -------------------------------------------------------------------------------------

    @contextmanager
    def begin(self):
        """Pin a connection to this thread and run the block in one transaction on it."""
        if getattr(self._local, "conn", None) is not None:
            yield self  # nested: the outer block commits
            return
        with self._pool.connection() as conn:
            self._set_actor(conn)
            conn.execute("BEGIN")
            self._local.conn = conn
            try:
                yield self
            except BaseException:
                self._local.conn = None
                conn.execute("ROLLBACK")  # registered frames (ON COMMIT DROP) go with it
                raise
            self._local.conn = None
            conn.execute("COMMIT")

    def in_transaction(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    def lock(self, name: str) -> None:
        """Serialise a critical section across every process until this transaction ends."""
        self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [f"sigap.{name}"])

    # registered frames --------------------------------------------------------------------------------

    def register(self, name: str, frame) -> None:
        """Make ``frame`` (pandas, polars or Arrow) readable as the temporary table ``name``.

        Only inside a transaction: the temporary table lives on the pinned connection and is
        dropped when the transaction ends.
        """
        if not self.in_transaction():
            raise RuntimeError("register() pada PostgreSQL hanya di dalam store.db.transaction()")
        table = _as_pandas(frame).copy(deep=False)
        for column in table.columns:
            sample = table[column].dropna()
            if table[column].dtype == object and len(sample) and isinstance(sample.iloc[0], (bytes, bytearray)):
                table[column] = table[column].map(lambda b: None if b is None else "\\x" + bytes(b).hex())
                table.attrs.setdefault("bytea", set()).add(column)
        conn = self._local.conn
        bytea = table.attrs.get("bytea", set())
        known = self._schema_types()
        types = {c: "bytea" if c in bytea else known.get(c) or _pg_type(table[c]) for c in table.columns}
        for c, kind in types.items():
            if kind in ("integer", "bigint", "smallint") and pd.api.types.is_float_dtype(table[c].dtype):
                table[c] = table[c].round().astype("Int64")  # pandas widened it for its gaps
        columns = ", ".join(f'"{c}" {kind}' for c, kind in types.items())
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        conn.execute(f'CREATE TEMP TABLE "{name}" ({columns}) ON COMMIT DROP')
        if len(table):
            buffer = io.StringIO()
            table.to_csv(buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f")
            buffer.seek(0)
            with conn.cursor().copy(f'COPY "{name}" FROM STDIN (FORMAT csv, NULL \'\\N\')') as copy:
                while data := buffer.read(1 << 20):
                    copy.write(data)

    def _schema_types(self) -> dict[str, str]:
        # A column named like a stored one gets its type (an all-empty date column stays a date).
        if getattr(self, "_types", None) is None:
            rows = self._local.conn.execute(
                "SELECT column_name, min(data_type) FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND data_type <> 'USER-DEFINED' GROUP BY 1 HAVING count(DISTINCT data_type) = 1"
            ).fetchall()
            self._types = dict(rows)
        return self._types

    def unregister(self, name: str) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')



def _as_pandas(frame) -> pd.DataFrame:
    # Arrow-backed columns keep integers with gaps as integers (written "3", not "3.0").
    if isinstance(frame, pd.DataFrame):
        return frame
    if type(frame).__module__.startswith("polars"):
        return frame.to_pandas(use_pyarrow_extension_array=True)
    if hasattr(frame, "to_pandas"):
        import pyarrow as pa

        schema = pa.schema([f.with_type(pa.large_string()) if f.type == pa.string_view() else f for f in frame.schema])
        return frame.cast(schema).to_pandas(types_mapper=pd.ArrowDtype)
    return pd.DataFrame(frame)


def _pg_type(column: pd.Series) -> str:
    kind = column.dtype
    if pd.api.types.is_bool_dtype(kind):
        return "boolean"
    if pd.api.types.is_integer_dtype(kind):
        return "bigint"
    if pd.api.types.is_float_dtype(kind):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(kind):
        return "timestamp"
    sample = column.dropna()
    if len(sample) and isinstance(sample.iloc[0], date):
        return "timestamp" if hasattr(sample.iloc[0], "hour") else "date"
    if len(sample) and isinstance(sample.iloc[0], (bool, np.bool_)):
        return "boolean"
    return "text"
