"""The ``regions`` table: installed boundaries as rows keyed by Kemendagri code."""

from __future__ import annotations

import duckdb
import pandas as pd
import shapely

from store.db import replace_rows

__all__ = ["IN_REGION_SQL", "UnknownRegion", "ensure_regions", "kab_codes", "kab_in_scope", "load_regions_into", "region_names",
           "region_names_table", "region_table", "regions_fingerprint", "require_region"]

#: ``kode`` inside a region given three times as parameters (NULL = everywhere): the SQL twin of
#: :func:`auth.roles.in_scope`.
IN_REGION_SQL = "(? IS NULL OR kode = ? OR starts_with(kode, ? || '.'))"
_LEVEL_BY_LENGTH = {2: "prov", 5: "kab", 8: "kec"}
_LEVEL_NAMES = {"prov": "provinsi", "kab": "kabupaten/kota", "kec": "kecamatan"}


class UnknownRegion(ValueError):
    """A typed region code is not in the installed Kemendagri list (message in Bahasa Indonesia)."""


def require_region(con: duckdb.DuckDBPyConnection, code: str, levels: tuple[str, ...] = ("prov", "kab")) -> str:
    """Return ``code`` when it is a region of one of ``levels`` in the ``regions`` table.

    Every place where a person types a region code (user accounts, command-line filters)
    checks it here, so a well-formed but unknown code such as ``63.99`` never reaches a page.

    Raises
    ------
    UnknownRegion
        Unknown code, or a code of another level; the message gives examples.
    """
    code = str(code).strip()
    level = _LEVEL_BY_LENGTH.get(len(code))
    found = level in levels and con.execute("SELECT count(*) FROM regions WHERE kode = ? AND level = ?",
                                            [code, level]).fetchall()[0][0] > 0
    if not found:
        allowed = " atau ".join(_LEVEL_NAMES[lv] for lv in levels)
        hint = "" if con.execute("SELECT count(*) FROM regions").fetchall()[0][0] else (
            "; daftar wilayah belum dimuat: jalankan python -m sigap boundaries install")
        raise UnknownRegion(f"kode wilayah {code} tidak ada dalam daftar wilayah Kemendagri ({allowed}; contoh: "
                            f"63 untuk provinsi, 63.72 untuk kabupaten/kota, 63.72.01 untuk kecamatan){hint}")
    return code


def ensure_regions(con: duckdb.DuckDBPyConnection) -> int:
    """Load the regions from the installed boundaries into a database that has none yet.

    Returns the number of regions. A database file that was never set up thus works for every
    command that needs regions, as long as the boundaries are installed.

    Raises
    ------
    UnknownRegion
        If the boundaries are not installed either (the message says what to run).
    """
    count = con.execute("SELECT count(*) FROM regions").fetchall()[0][0]
    if count:
        return int(count)
    from geo.boundaries import is_installed

    if not is_installed():
        raise UnknownRegion("batas wilayah belum terpasang; jalankan python -m sigap boundaries install")
    return sum(load_regions_into(con).values())


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


def kab_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Codes of every installed kabupaten/kota."""
    return {row[0] for row in con.execute("SELECT kode FROM regions WHERE level = 'kab'").fetchall()}


def regions_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever the regions table does (count and a hash of codes, names and parents)."""
    if getattr(con, "dialect", "duckdb") == "postgres":
        # every changed row gets a new transaction id: a cheap change mark on the server
        return tuple(con.execute("SELECT count(*), max(xmin::text::bigint) FROM regions").fetchall()[0])
    return tuple(con.execute("SELECT count(*), md5(string_agg(kode || nama || coalesce(kode_induk, ''), '|' "
                             "ORDER BY kode)) FROM regions")
                 .fetchall()[0])


def region_names_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``kode, level, nama, jenis, kode_induk, kode_prov`` of every region (for name matching)."""
    return con.execute("SELECT kode, level, nama, jenis, kode_induk, kode_prov FROM regions").df()


def kab_in_scope(con: duckdb.DuckDBPyConnection, region: str | None) -> pd.DataFrame:
    """Kabupaten/kota inside ``region`` (None = all) with their number of kecamatan
    (``jumlah_kec``), in code order."""
    kab = region_table(con, "kab")
    kec = region_table(con, "kec")
    if region:
        kab = kab.loc[(kab["kode"] == region) | kab["kode"].str.startswith(region + ".")]
    per_kab = kec.groupby("kode_induk").size()
    return kab.assign(jumlah_kec=kab["kode"].map(per_kab).fillna(1)).reset_index(drop=True)


def region_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """``{kode: nama}`` for every installed region."""
    return dict(con.execute("SELECT kode, nama FROM regions").fetchall())
