"""Saved column mappings (source column → canonical field), reusable across imports: the
``pemetaan_kolom`` table. The allowed target fields are passed in by the importer."""

from __future__ import annotations

import json

import duckdb

__all__ = ["load_mapping", "mapping_names", "save_mapping"]


def save_mapping(con: duckdb.DuckDBPyConnection, name: str, mapping: dict[str, str], user: str,
                 fields) -> None:
    """Store (or replace) a mapping under ``name``; target fields outside ``fields`` are refused."""
    unknown = sorted(set(mapping.values()) - set(fields))
    if unknown:
        raise ValueError(f"kolom tujuan tidak dikenal: {', '.join(unknown)} (pilihan: {', '.join(fields)})")
    con.execute("INSERT OR REPLACE INTO pemetaan_kolom (nama, pemetaan, dibuat_oleh) VALUES (?, ?, ?)",
                [name, json.dumps(mapping, ensure_ascii=False), user])


def load_mapping(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """A saved mapping; a clear error lists the saved names when ``name`` is unknown."""
    row = con.execute("SELECT pemetaan FROM pemetaan_kolom WHERE nama = ?", [name]).fetchall()
    if not row:
        raise ValueError(f"pemetaan '{name}' tidak ada (tersimpan: {', '.join(mapping_names(con)) or '-'})")
    return json.loads(row[0][0])


def mapping_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the saved mappings."""
    return [r[0] for r in con.execute("SELECT nama FROM pemetaan_kolom ORDER BY nama").fetchall()]
