"""Small user tables typed and checked before anything is stored: election context per region
(candidate pairs, incumbent, past disputes, Bawaslu IKP, Polri IPKP) and area indicators.

Every problem names the row (as the user's spreadsheet numbers it, header = row 1), the column,
the value, the reason and the fix. A row for a region outside the importer's region is a problem
like any other, so nobody replaces another office's figures.
"""

from __future__ import annotations

import re

import pandas as pd

from auth.roles import in_scope_mask, scope_label
from ingest.parse import parse_dates, parse_numbers
from ingest.validate import problems_frame

__all__ = ["CONTEXT_COLUMNS", "IPKP_CLASSES", "TableError", "check_indicator_name", "type_context",
           "type_indicator"]

CONTEXT_COLUMNS = ("kode", "jumlah_paslon", "petahana", "sengketa_lalu", "ikp", "ikp_tanggal", "ipkp",
                   "ipkp_tanggal", "sumber")
IPKP_CLASSES = ("kurang rawan", "rawan", "sangat rawan")
_YES = {"ya": True, "y": True, "1": True, "true": True, "tidak": False, "t": False, "0": False, "false": False,
        "": None}
_INDICATOR_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_OUTSIDE_FIX = "isi hanya kabupaten/kota dalam wilayah Anda"


class TableError(ValueError):
    """The table has problems; ``problems`` lists them by row and column. Nothing was stored."""

    def __init__(self, problems: pd.DataFrame):
        super().__init__(f"{len(problems)} masalah pada tabel; tidak ada yang disimpan")
        self.problems = problems


def type_context(table: pd.DataFrame, kab_codes: set[str], region: str | None) -> pd.DataFrame:
    """Typed context rows (``kode`` and the columns of :data:`CONTEXT_COLUMNS`).

    Raises
    ------
    TableError
        Missing ``kode`` column, unknown codes, codes outside ``region``, or unreadable values.
    """
    raw = _text_table(table)
    _require_columns(raw, ("kode",), f"kolom yang dikenal: {', '.join(CONTEXT_COLUMNS)}")
    for column in CONTEXT_COLUMNS:
        raw[column] = raw[column].str.strip() if column in raw else ""
    out = pd.DataFrame({"kode": raw["kode"]})
    out["jumlah_paslon"] = parse_numbers(raw["jumlah_paslon"])
    out["petahana"] = raw["petahana"].str.lower().map(_YES)
    out["sengketa_lalu"] = parse_numbers(raw["sengketa_lalu"])
    out["ikp"] = parse_numbers(raw["ikp"])
    out["ikp_tanggal"] = parse_dates(raw["ikp_tanggal"]).dt.date
    out["ipkp"] = raw["ipkp"].str.lower().replace("", None)
    out["ipkp_tanggal"] = parse_dates(raw["ipkp_tanggal"]).dt.date
    out["sumber"] = raw["sumber"].replace("", None)
    known = out["kode"].isin(kab_codes)
    checks = [
        (~known, "kode", "bukan kode kabupaten/kota", "isi kode seperti 63.72"),
        (known & ~in_scope_mask(region, out["kode"]), "kode", f"di luar cakupan Anda ({scope_label(region)})",
         _OUTSIDE_FIX),
        ((raw["jumlah_paslon"] != "") & ~out["jumlah_paslon"].between(1, 20), "jumlah_paslon", "bukan angka 1–20",
         "isi jumlah pasangan calon"),
        (raw["petahana"].str.lower().map(_YES).isna() & (raw["petahana"] != ""), "petahana", "bukan ya/tidak",
         "isi ya atau tidak"),
        ((raw["ikp"] != "") & ~out["ikp"].between(0, 100), "ikp", "bukan skor 0–100", "isi skor IKP Bawaslu"),
        (out["ikp"].notna() & out["ikp_tanggal"].isna(), "ikp_tanggal", "tanggal data IKP wajib diisi",
         "isi tanggal terbit IKP, mis. 16/12/2022"),
        (out["ipkp"].notna() & ~out["ipkp"].isin(IPKP_CLASSES), "ipkp", "kelas IPKP tidak dikenal",
         "isi kurang rawan, rawan atau sangat rawan"),
        (out["ipkp"].notna() & out["ipkp_tanggal"].isna(), "ipkp_tanggal", "tanggal data IPKP wajib diisi",
         "isi tanggal terbit IPKP"),
    ]
    _raise_problems(raw, checks)
    return out


def check_indicator_name(name: str) -> str:
    """An indicator name: lower-case letters, digits and underscores (``penduduk``)."""
    if not _INDICATOR_NAME.match(name or ""):
        raise ValueError("nama indikator: huruf kecil, angka dan garis bawah, mis. penduduk atau kemiskinan_persen")
    return name


def type_indicator(table: pd.DataFrame, kab_codes: set[str], region: str | None) -> pd.DataFrame:
    """``kode`` and numeric ``nilai`` from a ``kode,nilai`` table.

    Raises
    ------
    TableError
        Missing columns, unknown codes, codes outside ``region`` or values that are not numbers.
    """
    raw = _text_table(table)
    _require_columns(raw, ("kode", "nilai"), "tabel harus punya kolom kode dan nilai")
    raw["kode"] = raw["kode"].str.strip()
    values = parse_numbers(raw["nilai"])
    known = raw["kode"].isin(kab_codes)
    _raise_problems(raw, [
        (~known, "kode", "bukan kode kabupaten/kota", "isi kode seperti 63.72"),
        (known & ~in_scope_mask(region, raw["kode"]), "kode", f"di luar cakupan Anda ({scope_label(region)})",
         _OUTSIDE_FIX),
        (values.isna(), "nilai", "bukan angka", "isi angka, desimal dengan koma atau titik"),
    ])
    return pd.DataFrame({"kode": raw["kode"], "nilai": values})


def _text_table(table: pd.DataFrame) -> pd.DataFrame:
    raw = table.rename(columns=lambda c: str(c).strip().lower()).astype(str).replace({"nan": ""})
    return raw.reset_index(drop=True)


def _require_columns(raw: pd.DataFrame, columns: tuple[str, ...], fix: str) -> None:
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise TableError(problems_frame([{"baris": 1, "kolom": c, "nilai": "", "alasan": "kolom wajib tidak ada",
                                          "perbaikan": fix} for c in missing]))


def _raise_problems(raw: pd.DataFrame, checks) -> None:
    """One problem per failed check and row; rows numbered as the spreadsheet shows them."""
    problems = problems_frame([
        {"baris": int(i) + 2, "kolom": column, "nilai": raw.at[i, column], "alasan": reason, "perbaikan": fix}
        for mask, column, reason, fix in checks for i in raw.index[mask.fillna(False).to_numpy(dtype=bool)]])
    if len(problems):
        raise TableError(problems.sort_values(["baris", "kolom"], kind="stable").reset_index(drop=True))
