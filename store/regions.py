"""The ``regions`` table: installed boundaries as rows keyed by Kemendagri code."""

from __future__ import annotations

import duckdb
import pandas as pd
import shapely

from store.db import replace_rows

__all__ = ["load_regions_into", "region_names", "region_table"]


def load_regions_into(con: duckdb.DuckDBPyConnection, directory=None) -> dict[str, int]:
    """Replace the ``regions`` table with the installed boundaries, in one transaction.

    Returns
    -------
    dict
        Number of rows per level.
    """
    from geo.boundaries import CODE_VERSION, LEVELS, load_regions

    frames = []
    for level in LEVELS:
        regions = load_regions(level, directory)
        frames.append(
            pd.DataFrame(
                {
                    "kode": regions["kode"], "level": level, "nama": regions["nama"],
                    "jenis": regions["jenis"], "kode_induk": regions["kode_induk"],
                    "kode_prov": regions["kode_prov"], "luas_km2": regions["luas_km2"],
                    "lat": regions["lat"], "lon": regions["lon"],
                    "geom_wkb": shapely.to_wkb(regions.geometry.to_numpy()),
                    "versi_kode": CODE_VERSION,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    replace_rows(con, "regions", table)
    return {level: int((table["level"] == level).sum()) for level in LEVELS}


def region_table(con: duckdb.DuckDBPyConnection, level: str | None = None) -> pd.DataFrame:
    """Regions without geometry: kode, level, nama, jenis, kode_induk, kode_prov, luas_km2, lat, lon."""
    sql = "SELECT kode, level, nama, jenis, kode_induk, kode_prov, luas_km2, lat, lon FROM regions"
    params = []
    if level is not None:
        sql += " WHERE level = ?"
        params.append(level)
    return con.execute(sql + " ORDER BY kode", params).df()


def region_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """``{kode: nama}`` for every installed region."""
    return dict(con.execute("SELECT kode, nama FROM regions").fetchall())
