"""Open, migrate and harden the SIGAP database: an embedded DuckDB file (one office, the
default) or a PostgreSQL + PostGIS server (many offices; :mod:`store.pg`).

DuckDB: one process owns the database file (DuckDB allows a single writer process); inside it,
share one connection and give each thread its own ``connection.cursor()``. PostgreSQL: one pooled
connection object per process, any number of processes. Every statement binds its values with
``?``; the few spellings the engines do not share are chosen in :mod:`store.dialect`.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from settings import DATA_DIR
from store.elections import seed_calendar
from store.pg import PgConnection, is_url

__all__ = ["StoreError", "SYSTEM", "acting_as", "backup_dir", "connect", "dialect", "is_read_only", "in_transaction",
           "clear_actor", "lock", "migrate", "replace_rows", "schema_version", "set_actor", "set_process_actor", "transaction",
           "MIGRATIONS"]

VOCAB_DIR = DATA_DIR / "vocab"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+(?:\.(duckdb|pg))?\.sql$")


class StoreError(RuntimeError):
    """The database cannot be opened or upgraded; the message says why in Bahasa Indonesia."""


def _migrations(engine: str = "duckdb") -> list[tuple[int, str, str]]:
    """Numbered migrations for ``engine``: ``NNN_name.sql`` for both, ``NNN_name.<engine>.sql``
    for one engine only (it replaces a shared file of the same number)."""
    files = resources.files("store") / "migrations"
    found: dict[int, tuple[int, str, str]] = {}
    for entry in sorted(files.iterdir(), key=lambda e: e.name):
        match = _MIGRATION_NAME.match(entry.name)
        if match and match[2] in (None, engine):
            number = int(match[1])
            if match[2] is None and number in found:
                continue
            found[number] = (number, entry.name, entry.read_text(encoding="utf-8"))
    return sorted(found.values())


MIGRATIONS = _migrations()
PG_MIGRATIONS = _migrations("pg")

#: The actor every PostgreSQL statement runs as, for row-level security: (wilayah, izin).
#: ``("", "")`` (nobody) sees no rows; :data:`SYSTEM` (``("*", "*")``) is the CLI and set-up.
SYSTEM = ("*", "*")
_NOBODY = ("", "")
_ACTOR: ContextVar[tuple[str, str] | None] = ContextVar("sigap_actor", default=None)
_PROCESS_ACTOR = [_NOBODY]


def set_process_actor(scope) -> None:
    """The actor of threads that set none: :data:`SYSTEM` for the CLI and scheduled jobs; the app
    leaves it at nobody, so a page thread that forgot :func:`set_actor` reads no rows."""
    _PROCESS_ACTOR[0] = _actor_of(scope)


def set_actor(scope) -> None:
    """Run this thread's later statements as ``scope`` (an :class:`auth.identity.Scope`, None for
    nobody, or :data:`SYSTEM`). The app calls it once per page run with the signed-in user."""
    _ACTOR.set(_actor_of(scope))


def clear_actor() -> None:
    """Forget this thread's actor: its statements run as the process's (:func:`set_process_actor`)."""
    _ACTOR.set(None)


@contextmanager
def acting_as(scope):
    """``with acting_as(user.scope):`` — statements inside run under that region and clearance."""
    token = _ACTOR.set(_actor_of(scope))
    try:
        yield
    finally:
        _ACTOR.reset(token)


def _actor_of(scope) -> tuple[str, str]:
    if scope is None:
        return _NOBODY
    if isinstance(scope, tuple):
        return scope
    return (scope.region or "*", scope.clearance)


def current_actor() -> tuple[str, str]:
    actor = _ACTOR.get()
    return _PROCESS_ACTOR[0] if actor is None else actor


def dialect(con) -> str:
    """``"duckdb"`` or ``"postgres"``."""
    return getattr(con, "dialect", "duckdb")


def lock(con, name: str) -> None:
    """Serialise a critical section (e.g. the audit append) across processes until the current
    transaction ends. DuckDB needs nothing: one process owns the file and :func:`transaction`
    already runs one at a time."""
    if dialect(con) == "postgres":
        con.lock(name)


_WRITER = threading.RLock()
_WRITER_DEPTH = threading.local()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """``with transaction(con):`` — COMMIT at the end, ROLLBACK on any exception (then re-raised).

    Transactions of this process run one at a time: a process-wide lock is taken before
    ``BEGIN`` and released after ``COMMIT``/``ROLLBACK``. DuckDB takes a transaction's snapshot
    at its first statement, so every transaction sees all earlier commits; the audit hash chain
    and its signed head (:mod:`store.audit`) rely on this, and two of these transactions never
    collide with "Conflict on update" (SECURITY.md §11). Keep slow work outside the block.
    """
    if dialect(con) == "postgres":
        # Many processes: the server isolates transactions; critical sections take lock().
        _WRITER_DEPTH.n = getattr(_WRITER_DEPTH, "n", 0) + 1
        try:
            with con.begin():
                yield con
        finally:
            _WRITER_DEPTH.n -= 1
        return
    with _WRITER:
        _WRITER_DEPTH.n = getattr(_WRITER_DEPTH, "n", 0) + 1
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            _WRITER_DEPTH.n -= 1


def in_transaction() -> bool:
    """True while this thread is inside :func:`transaction` (and so holds the writer lock)."""
    return getattr(_WRITER_DEPTH, "n", 0) > 0


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: str = "true",
                 params: list | None = None) -> None:
    """Delete ``table`` rows matching ``where`` and insert ``frame`` (same column order), atomically.

    ``table`` and ``where`` come from code, never from users; values go through ``params``.
    """
    name = f"_in_{table}"
    with transaction(con):
        con.execute(f"DELETE FROM {table} WHERE {where}", params or [])
        con.register(name, frame)
        try:
            con.execute(f"INSERT INTO {table} SELECT * FROM {name}")
        finally:
            con.unregister(name)


def writable(path: str | Path) -> bool:
    """Whether this process may write the database file (and the WAL beside it)."""
    path = Path(path)
    folder = path.parent if path.parent.exists() else path.parent.parent
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def connect(path: str | Path, *, read_only: bool | None = None, harden: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the database, apply pending migrations and lock the configuration.

    Parameters
    ----------
    path : str or Path
        DuckDB file (created if missing) or ``":memory:"``.
    read_only : bool, optional
        Open without writing (no migration is applied). By default a file this process may not
        write (a read-only folder or file) is opened read-only, so reading commands still work.
    harden : bool
        Disable external file access and extension loading, then lock the configuration, so
        that no SQL run later can read server files or turn the settings back on.

    Raises
    ------
    StoreError
        If the file is held by another process (usually the running app) or is newer than
        this version of SIGAP understands.
    """
    if is_url(path):
        return _connect_pg(str(path))
    path = str(path)
    if read_only is None:
        read_only = path != ":memory:" and Path(path).exists() and not writable(path)
    if path != ":memory:" and not read_only:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Folder basis data {Path(path).parent} tidak dapat dibuat: {exc.strerror}") from exc
    if read_only and not Path(path).exists():
        raise StoreError(f"Basis data {path} tidak ada; jalankan ./run.sh atau python -m sigap boundaries install")
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreError(
                f"Basis data {path} sedang dipakai proses lain (biasanya aplikasi SIGAP yang sedang "
                "berjalan). Hentikan aplikasi itu dulu, atau jalankan perintah ini dari dalam aplikasi."
            ) from exc
        raise StoreError(f"Basis data {path} tidak dapat dibuka: {exc}") from exc
    if not read_only:
        migrate(con)
        sync_vocab(con)
        _seed_defaults(con)
    if harden:
        _harden(con, None if path == ":memory:" or read_only else backup_dir(path))
    return con


def _connect_pg(url: str) -> PgConnection:
    try:
        con = PgConnection(url, current_actor)
        con.execute("SELECT 1")
    except Exception as exc:  # psycopg's errors: refused, bad password, unknown database
        raise StoreError(f"Server basis data {_safe_url(url)} tidak dapat dihubungi: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    pending = {n for n, _, _ in PG_MIGRATIONS} - _applied(con)
    if pending:
        owner = con.execute("SELECT count(*) FROM pg_namespace WHERE nspname = current_schema() "
                            "AND nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)").fetchone()[0]
        if not owner and _applied(con):
            raise StoreError(
                f"Skema basis data di {_safe_url(url)} belum mutakhir (migrasi {sorted(pending)} belum "
                "diterapkan) dan peran ini bukan pemiliknya. Jalankan `python -m sigap db upgrade` dengan "
                "peran pemilik (lihat README: Server PostgreSQL).")
        with acting_as(SYSTEM):
            migrate(con)
            sync_vocab(con)
            _seed_defaults(con)
    return con


def _safe_url(url: str) -> str:
    # never echo a password into a message or log
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _applied(con) -> set[int]:
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version' "
                         "AND table_schema = current_schema()").fetchone()[0]
    return {row[0] for row in con.execute("SELECT versi FROM schema_version").fetchall()} if exists else set()


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database was opened read-only."""
    if dialect(con) == "postgres":
        return False
    return bool(con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()")
                .fetchone()[0])


def backup_dir(db_file: str | Path) -> Path:
    """Where online snapshots of a database file go: ``backups/`` beside it."""
    return Path(db_file).resolve().parent / "backups"


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration number (0 for an empty database)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        + (" AND table_schema = current_schema()" if dialect(con) == "postgres" else "")
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(versi), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration not yet recorded, in number order, each in its own transaction.

    Migrations are tracked by number (not by "highest applied") so that numbered ranges
    owned by different parts of SIGAP can land in any order.

    Returns
    -------
    int
        The schema version (highest applied number) after migrating.
    """
    create = ("CREATE TABLE IF NOT EXISTS schema_version ("
              "versi INTEGER PRIMARY KEY, nama VARCHAR NOT NULL, "
              "diterapkan_pada TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    if dialect(con) == "postgres":
        with transaction(con):
            lock(con, "migrate")
            con.execute(create)
    else:
        con.execute(create)
    applied = {row[0] for row in con.execute("SELECT versi FROM schema_version").fetchall()}
    postgres = dialect(con) == "postgres"
    migrations = PG_MIGRATIONS if postgres else MIGRATIONS
    known = {number for number, _, _ in migrations}
    unknown = sorted(applied - known)
    if unknown:
        raise StoreError(
            f"Basis data memakai migrasi {unknown} yang tidak dikenal SIGAP ini (berkas dari versi "
            "yang lebih baru). Perbarui SIGAP sebelum membuka berkas ini."
        )
    for number, name, sql in migrations:
        if number in applied:
            continue
        with transaction(con):
            if postgres:
                lock(con, "migrate")  # two processes starting at once: one migrates, one waits
                if con.execute("SELECT count(*) FROM schema_version WHERE versi = ?", [number]).fetchone()[0]:
                    continue
                con.executescript(pg_ddl(sql))
            else:
                con.execute(sql)
            con.execute("INSERT INTO schema_version (versi, nama) VALUES (?, ?)", [number, name])
    return schema_version(con)


def pg_ddl(sql: str) -> str:
    """A shared migration in PostgreSQL's spelling of DuckDB's types."""
    sql = re.sub(r"\bDOUBLE\b(?! PRECISION)", "DOUBLE PRECISION", sql)
    sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
    return re.sub(r"\bJSON\b", "JSONB", sql)


def sync_vocab(con: duckdb.DuckDBPyConnection, vocab_dir: Path = VOCAB_DIR) -> None:
    """Replace the ``vocab`` table with the lists in ``data/vocab/*.csv`` (one transaction)."""
    frames = []
    for csv in sorted(Path(vocab_dir).glob("*.csv")):
        table = pd.read_csv(csv, dtype=str, keep_default_na=False)
        extra = [c for c in table.columns if c not in ("kode", "nama")]
        frames.append(
            pd.DataFrame(
                {
                    "daftar": csv.stem,
                    "kode": table["kode"],
                    "nama": table["nama"],
                    "atribut": table[extra[0]] if extra else None,
                }
            )
        )
    if not frames:
        return
    replace_rows(con, "vocab", pd.concat(frames, ignore_index=True)[["daftar", "kode", "nama", "atribut"]])


def _seed_defaults(con: duckdb.DuckDBPyConnection) -> None:
    # Data the user may edit later: only written into empty tables.
    seed_calendar(con)


def _harden(con: duckdb.DuckDBPyConnection, backups: Path | None) -> None:
    # After this no SQL can read server files, install extensions or undo these settings;
    # only the backup folder stays writable, for online snapshots.
    if backups is not None:
        backups.mkdir(parents=True, exist_ok=True)
        con.execute("SET allowed_directories = ?", [[str(backups) + "/"]])
    for statement in (
        "SET enable_external_access = false",
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        "SET allow_community_extensions = false",
        "SET lock_configuration = true",
    ):
        con.execute(statement)
