"""Area indicators as data (population, poverty, IKN…): the ``indikator_wilayah`` table, one value
per kabupaten/kota under a name with its data date."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from store.regions import IN_REGION_SQL

__all__ = ["indicator_catalogue", "indicator_table", "replace_indicator"]



def replace_indicator(con: duckdb.DuckDBPyConnection, name: str, values: pd.DataFrame, data_date: date,
                      source: str | None, region: str | None, username: str) -> int:
    """Replace indicator ``name``'s values inside ``region`` (None = everywhere) with ``values``
    (``kode``, ``nilai``). Call inside ``transaction``."""
    frame = pd.DataFrame({"nama": name, "kode": values["kode"], "nilai": values["nilai"], "tanggal_data": data_date,
                          "sumber": source, "diimpor_oleh": username})
    con.execute(f"DELETE FROM indikator_wilayah WHERE nama = ? AND {IN_REGION_SQL}", [name, region, region, region])
    con.register("_indikator", frame)
    try:
        con.execute("INSERT INTO indikator_wilayah (nama, kode, nilai, tanggal_data, sumber, diimpor_oleh) "
                    "SELECT nama, kode, nilai, tanggal_data, sumber, diimpor_oleh FROM _indikator")
    finally:
        con.unregister("_indikator")
    return len(frame)


def indicator_catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each indicator with its number of regions, data date(s) and source."""
    return con.execute("SELECT nama, count(*) AS wilayah, min(tanggal_data) AS tanggal_data, "
                       "max(tanggal_data) AS tanggal_data_akhir, any_value(sumber) AS sumber "
                       "FROM indikator_wilayah GROUP BY nama ORDER BY nama").df()


def indicator_table(con: duckdb.DuckDBPyConnection, names: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Wide table: ``kode`` and one column per requested indicator."""
    if not names:
        return pd.DataFrame(columns=["kode"])
    long = con.execute(f"SELECT kode, nama, nilai FROM indikator_wilayah WHERE nama IN ({', '.join('?' * len(names))})",
                       list(names)).df()
    return long.pivot_table(index="kode", columns="nama", values="nilai").reset_index()
