"""Command-line entry point.

Each module in :mod:`sigap.commands` adds its sub-commands through ``register(subparsers)``;
a command handler returns an exit code and raises :class:`CommandError` for a clear failure.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from sigap import commands
from sigap.config import db_path

__all__ = ["CommandError", "acting_user", "build_parser", "main"]

#: Without --user a command acts as IT staff on the server: national, with the analyst's rights.
CLI_ACTOR = "cli"


class CommandError(Exception):
    """A failure to report to the user in one line (exit code 2 unless given)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def acting_user(con, name: str = CLI_ACTOR):
    """Who a command acts as: the active SIGAP user ``name`` (their role and region apply), or the
    national IT actor ``cli`` (role analis)."""
    from auth.users import User, get_user

    if name == CLI_ACTOR:
        return User(username=CLI_ACTOR, role="analis", region=None, clearance="Rahasia")
    user = get_user(con, name)
    if user is None:
        raise CommandError(f"pengguna {name} tidak ada atau nonaktif")
    return user


def build_parser() -> argparse.ArgumentParser:
    """The ``sigap`` argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(prog="python -m sigap", description="SIGAP — Peta Potensi Konflik")
    parser.add_argument(
        "--db", default=None, help=f"berkas DuckDB (bawaan: $SIGAP_DB atau {db_path()})"
    )
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"sigap.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; print failures as ``galat: …`` on stderr with a non-zero exit code."""
    parser = build_parser()
    # --db is accepted before or after the sub-command.
    args, rest = parser.parse_known_args(argv)
    if rest:
        extra = argparse.ArgumentParser(add_help=False)
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
    except Exception as exc:  # the message still reaches the user; traceback only when asked
        from store.db import StoreError

        if isinstance(exc, StoreError):
            print(f"galat: {exc}", file=sys.stderr)
            return 2
        raise
