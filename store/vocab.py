"""Controlled vocabularies (``data/vocab/*.csv`` synced into the ``vocab`` table on connect)."""

from __future__ import annotations

import duckdb

__all__ = ["SETTLED_COLOUR", "settled_statuses", "vocab_attributes", "vocab_codes", "vocab_names"]

#: A handling status whose colour in ``status_penanganan.csv`` is this one counts as settled
#: (selesai damai, selesai hukum, ditutup): the vocabulary file is the one home of the rule.
SETTLED_COLOUR = "hijau"


def vocab_codes(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """``{list: {code, …}}`` for every vocabulary."""
    out: dict[str, set[str]] = {}
    for daftar, kode in con.execute("SELECT daftar, kode FROM vocab").fetchall():
        out.setdefault(daftar, set()).add(kode)
    return out


def vocab_names(con: duckdb.DuckDBPyConnection, daftar: str) -> dict[str, str]:
    """``{code: name}`` of one vocabulary, in code order."""
    return dict(con.execute("SELECT kode, nama FROM vocab WHERE daftar = ? ORDER BY kode", [daftar]).fetchall())


def vocab_attributes(con: duckdb.DuckDBPyConnection, daftar: str) -> dict[str, str | None]:
    """``{code: attribute}`` of one vocabulary (the CSV's third column: weight, colour, …)."""
    return dict(con.execute("SELECT kode, atribut FROM vocab WHERE daftar = ? ORDER BY kode", [daftar]).fetchall())


def settled_statuses(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Handling statuses that close a case (colour :data:`SETTLED_COLOUR`)."""
    return tuple(k for k, colour in vocab_attributes(con, "status_penanganan").items() if colour == SETTLED_COLOUR)
