"""Area indicators as data: import a ``kode,nilai`` table under a name with its data date."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pandas as pd

from ingest.parse import parse_numbers
from ingest.validate import problems_frame
from store.audit import AuditEvent, record
from store.db import transaction
from store.election_context import ContextError

__all__ = ["import_indicator", "indicator_catalogue", "indicator_table"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def import_indicator(con: duckdb.DuckDBPyConnection, name: str, table: pd.DataFrame, data_date: date, user,
                     source: str | None = None) -> int:
    """Store indicator ``name`` from a table with ``kode`` and ``nilai`` inside ``user``'s region; all
    or nothing. The values replace the indicator's values for the regions inside the user's region
    only; a row for a region outside it is a problem."""
    from auth.roles import in_scope_mask, require, scope_label

    require(user, "impor")
    if not _NAME.match(name):
        raise ValueError("nama indikator: huruf kecil, angka dan garis bawah, mis. penduduk atau kemiskinan_persen")
    raw = table.rename(columns=lambda c: str(c).strip().lower()).astype(str)
    for column in ("kode", "nilai"):
        if column not in raw.columns:
            raise ContextError(problems_frame([{"baris": 1, "kolom": column, "nilai": "", "alasan": "kolom wajib tidak ada",
                                                "perbaikan": "tabel harus punya kolom kode dan nilai"}]))
    kab = {r[0] for r in con.execute("SELECT kode FROM regions WHERE level = 'kab'").fetchall()}
    values = parse_numbers(raw["nilai"])
    rows = pd.Series(range(2, len(raw) + 2), index=raw.index)
    bad_code = ~raw["kode"].str.strip().isin(kab)
    bad_value = values.isna()
    outside = ~bad_code & ~in_scope_mask(user.region, raw["kode"].str.strip())
    problems = problems_frame(
        [{"baris": int(rows[i]), "kolom": "kode", "nilai": raw.at[i, "kode"], "alasan": "bukan kode kabupaten/kota",
          "perbaikan": "isi kode seperti 63.72"} for i in raw.index[bad_code.to_numpy()]]
        + [{"baris": int(rows[i]), "kolom": "kode", "nilai": raw.at[i, "kode"],
            "alasan": f"di luar cakupan Anda ({scope_label(user.region)})",
            "perbaikan": "isi hanya kabupaten/kota dalam wilayah Anda"} for i in raw.index[outside.to_numpy()]]
        + [{"baris": int(rows[i]), "kolom": "nilai", "nilai": raw.at[i, "nilai"], "alasan": "bukan angka",
            "perbaikan": "isi angka, desimal dengan koma atau titik"} for i in raw.index[bad_value.to_numpy()]])
    if len(problems):
        raise ContextError(problems)
    frame = pd.DataFrame({"nama": name, "kode": raw["kode"].str.strip(), "nilai": values, "tanggal_data": data_date,
                          "sumber": source, "diimpor_oleh": user.username})
    with transaction(con):
        con.execute("DELETE FROM indikator_wilayah WHERE nama = ? AND (? IS NULL OR kode = ? "
                    "OR starts_with(kode, ? || '.'))", [name, user.region, user.region, user.region])
        con.register("_indikator", frame)
        con.execute("INSERT INTO indikator_wilayah (nama, kode, nilai, tanggal_data, sumber, diimpor_oleh) "
                    "SELECT nama, kode, nilai, tanggal_data, sumber, diimpor_oleh FROM _indikator")
        con.unregister("_indikator")
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="impor_indikator",
                               object=name,
                               row_count=len(frame), detail={"tanggal_data": str(data_date)}))
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
