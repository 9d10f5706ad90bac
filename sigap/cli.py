"""Command-line entry point.

Each module in :mod:`sigap.commands` adds its sub-commands through ``register(subparsers)``;
a command handler returns an exit code and raises :class:`CommandError` for a clear failure.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from settings import db_path
from sigap import commands

__all__ = ["CommandError", "acting_user", "build_parser", "describe_error", "main", "open_db"]

#: Without --user a command acts as IT staff on the server: national, with the analyst's rights.
CLI_ACTOR = "cli"


class CommandError(Exception):
    """A failure to report to the user in one line (exit code 2 unless given)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def open_db(path: str):
    """Open the database for a command; a database that was never set up gets its regions from
    the installed boundaries on first use (or the command stops with one line saying what to run)."""
    from store import connect
    from store.db import SYSTEM, is_read_only, set_process_actor
    from store.regions import ensure_regions

    set_process_actor(SYSTEM)  # IT staff on the server: row-level security lets the CLI see all
    con = connect(path)
    if not is_read_only(con):
        ensure_regions(con)
    return con


def acting_user(con, name: str = CLI_ACTOR):
    """Who a command acts as: the active SIGAP user ``name`` (their role and region apply), or the
    national IT actor ``cli`` (role analis)."""
    from auth.identity import User

    if name == CLI_ACTOR:
        return User(username=CLI_ACTOR, role="analis", region=None, clearance="Rahasia")
    from services.accounts import get_user  # argon2 and the user store only for a named user

    user = get_user(con, name)
    if user is None:
        raise CommandError(f"pengguna {name} tidak ada atau nonaktif")
    return user


def build_parser() -> argparse.ArgumentParser:
    """The ``sigap`` argument parser with every registered sub-command."""
    parser = _Parser(prog="python -m sigap", description="SIGAP — Peta Potensi Konflik")
    parser.add_argument(
        "--db", default=None,
        help=f"berkas DuckDB atau URL postgresql://… (bawaan: $SIGAP_DB atau {db_path()})"
    )
    parser.add_argument("--debug", action="store_true", help="tampilkan traceback Python saat galat (untuk TI)")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH", parser_class=_Parser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"sigap.commands.{info.name}")
        module.register(sub)
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse that ends a bad command line with one ``galat:`` line, like every other failure."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"galat: {message}\n")


def describe_error(exc: BaseException) -> str:
    """One line in Bahasa Indonesia for a failure a user may cause (file, input, permissions)."""
    import duckdb

    from auth.roles import PermissionDenied

    if isinstance(exc, PermissionDenied):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"berkas atau folder tidak ditemukan: {exc.filename}"
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} adalah folder, bukan berkas"
    if isinstance(exc, PermissionError):
        return f"tidak ada izin menulis atau membaca {exc.filename}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
    if isinstance(exc, duckdb.Error) and "read-only" in str(exc).lower():
        return "basis data hanya dapat dibaca (izin folder atau berkas); perintah ini perlu menulis"
    if isinstance(exc, (ValueError, PermissionError, LookupError, RuntimeError)):
        return str(exc)
    return f"kesalahan tak terduga ({type(exc).__name__}): {exc}; ulangi dengan --debug untuk rinciannya"


def main(argv: list[str] | None = None) -> int:
    """Run one command; print failures as ``galat: …`` on stderr with a non-zero exit code."""
    parser = build_parser()
    # --db is accepted before or after the sub-command.
    args, rest = parser.parse_known_args(argv)
    if rest:
        extra = _Parser(add_help=False)
        extra.add_argument("--db")
        known, unknown = extra.parse_known_args(rest)
        if unknown:
            parser.error(f"argumen tidak dikenal: {' '.join(unknown)}")
        args.db = known.db or args.db
    args.db = args.db or str(db_path())
    try:
        return int(args.handler(args) or 0)
    except CommandError as exc:
        print(f"galat: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("galat: dihentikan", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user; the traceback only with --debug
        if args.debug:
            raise
        print(f"galat: {describe_error(exc)}", file=sys.stderr)
        return 2
