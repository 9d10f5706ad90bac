"""Validate a canonical import frame with pandera, collecting every problem of the file.

Each problem names the file row (as the user sees it), the column, the value, the reason and
how to fix it, in Bahasa Indonesia.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ingest.parse import parse_dates, parse_numbers

__all__ = ["PROBLEM_COLUMNS", "Typed", "describe_problems", "problems_frame", "type_and_validate"]

PROBLEM_COLUMNS = ["baris", "kolom", "nilai", "alasan", "perbaikan"]
_IMPACTS = ("tewas", "luka", "pengungsi")
_FIX = {
    "tanggal": "tulis tanggal seperti 11/05/2024, 11-5-2024 atau 11 Mei 2024",
    "tanggal_selesai": "kosongkan, atau isi tanggal yang tidak lebih awal dari tanggal mulai",
    "kategori": "isi salah satu kode kategori: {kategori}",
    "bentuk": "kosongkan atau isi kode bentuk: {bentuk}",
    "sifat": "isi potensi, gejala atau kejadian",
    "bidang": "isi ideologi, politik, ekonomi, sosbud atau hankam",
    "athg": "isi A, T, H atau G (atau kosongkan)",
    "eskalasi": "isi angka bulat 0 sampai 5",
    "klasifikasi": "isi Biasa, Terbatas atau Rahasia",
    "status_penanganan": "isi salah satu: {status_penanganan}",
    "judul": "isi judul singkat (maksimal 300 karakter)",
    "lintang": "isi lintang desimal, mis. -3,4420 (Indonesia: −11 sampai 6)",
    "bujur": "isi bujur desimal, mis. 114,8310 (Indonesia: 95 sampai 141)",
    **{c: "isi bilangan bulat 0 atau lebih" for c in _IMPACTS},
}


@dataclass(frozen=True)
class Typed:
    """Parsed values (one row per file row) and the problems found."""

    frame: pd.DataFrame
    problems: pd.DataFrame


def _schema(vocab: dict[str, set[str]]) -> pa.DataFrameSchema:
    def isin(name):
        allowed = sorted(vocab[name])
        return pa.Check.isin(allowed, error=f"nilai bukan {name} yang dikenal")

    def optional_in(name):
        allowed = sorted(vocab[name]) + [""]
        return pa.Check.isin(allowed, error=f"nilai bukan {name} yang dikenal")

    count = pa.Column(float, pa.Check.ge(0, error="tidak boleh negatif"), nullable=False)
    return pa.DataFrameSchema({
        "tanggal": pa.Column("datetime64[ns]", nullable=False),
        "kategori": pa.Column(str, isin("kategori")),
        "bentuk": pa.Column(str, optional_in("bentuk")),
        "sifat": pa.Column(str, isin("sifat")),
        "bidang": pa.Column(str, optional_in("bidang")),
        "athg": pa.Column(str, optional_in("athg")),
        "eskalasi": pa.Column(float, [pa.Check.in_range(0, 5, error="di luar 0–5"),
                                      pa.Check(lambda s: s == np.floor(s), element_wise=False,
                                               error="bukan bilangan bulat")], nullable=False),
        "klasifikasi": pa.Column(str, isin("klasifikasi")),
        "status_penanganan": pa.Column(str, isin("status_penanganan")),
        "judul": pa.Column(str, [pa.Check.str_length(1, 300, error="kosong atau lebih dari 300 karakter")]),
        "lintang": pa.Column(float, pa.Check.in_range(-90, 90, error="bukan lintang"), nullable=True),
        "bujur": pa.Column(float, pa.Check.in_range(-180, 180, error="bukan bujur"), nullable=True),
        **{c: count for c in _IMPACTS},
    }, checks=[pa.Check(lambda df: df["tanggal_selesai"].isna() | (df["tanggal_selesai"] >= df["tanggal"]),
                        error="tanggal_selesai sebelum tanggal")], strict=False, coerce=False)


def type_and_validate(canonical: pd.DataFrame, rows: pd.Series, vocab: dict[str, set[str]]) -> Typed:
    """Parse text into typed values, fill documented defaults, and validate every row.

    Defaults: sifat ``kejadian``, eskalasi 1, klasifikasi ``Biasa``, status ``baru``,
    impacts 0. Vocabulary codes are matched case-insensitively.
    """
    c = canonical
    typed = pd.DataFrame(index=c.index)
    typed["tanggal"] = parse_dates(c["tanggal"])
    typed["tanggal_selesai"] = parse_dates(c["tanggal_selesai"])
    for name in ("kategori", "bentuk", "athg"):
        typed[name] = c[name].str.strip().str.upper()
    typed["sifat"] = c["sifat"].str.strip().str.lower().replace("", "kejadian")
    typed["bidang"] = c["bidang"].str.strip().str.lower()
    typed["klasifikasi"] = c["klasifikasi"].str.strip().str.capitalize().replace("", "Biasa")
    typed["status_penanganan"] = (c["status_penanganan"].str.strip().str.lower().str.replace(" ", "_")
                                  .replace("", "baru"))
    typed["eskalasi"] = parse_numbers(c["eskalasi"].replace("", "1"))
    for name in _IMPACTS:
        typed[name] = parse_numbers(c[name].replace("", "0"))
    lat, lon = parse_numbers(c["lintang"]), parse_numbers(c["bujur"])
    # lat/lon swapped: a "latitude" that only makes sense as an Indonesian longitude and vice versa
    swapped = lat.between(90, 145) & lon.between(-15, 15)
    typed["lintang"] = lat.where(~swapped, lon)
    typed["bujur"] = lon.where(~swapped, lat)
    typed["_tertukar"] = swapped
    typed["judul"] = c["judul"].str.strip()
    problems = _run_schema(typed, c, rows, vocab)
    return Typed(frame=typed, problems=problems)


def _run_schema(typed, canonical, rows, vocab) -> pd.DataFrame:
    try:
        _schema(vocab).validate(typed, lazy=True)
        return problems_frame([])
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    found = []
    fixes = {k: v.format(**{n: ", ".join(sorted(vocab.get(n, ()))) for n in ("kategori", "bentuk",
                                                                               "status_penanganan")})
             for k, v in _FIX.items()}
    for case in cases.itertuples(index=False):
        column = case.column if isinstance(case.column, str) else "tanggal_selesai"
        index_values = [case.index] if pd.notna(case.index) else []
        if column == "tanggal_selesai" and case.schema_context == "DataFrameSchema":
            bad = typed.index[typed["tanggal_selesai"].notna() & (typed["tanggal_selesai"] < typed["tanggal"])]
            index_values = list(bad)
        for idx in index_values:
            raw = canonical.at[idx, column] if column in canonical.columns else ""
            reason = str(case.check)
            if reason in ("not_nullable",):
                reason = "kosong atau tidak terbaca"
            elif reason.startswith("dtype("):
                continue
            found.append({"baris": int(rows.loc[idx]), "kolom": column, "nilai": raw, "alasan": reason,
                          "perbaikan": fixes.get(column, "")})
    frame = problems_frame(found)
    return frame.drop_duplicates(["baris", "kolom", "alasan"]).reset_index(drop=True)


def problems_frame(records) -> pd.DataFrame:
    """A problem table with the standard columns, sorted by row and column."""
    frame = pd.DataFrame(records, columns=PROBLEM_COLUMNS)
    return frame.sort_values(["baris", "kolom"], kind="stable").reset_index(drop=True)


def describe_problems(filename: str, problems: pd.DataFrame) -> str:
    """One line per problem, for the command line: ``file baris N, kolom K: reason (fix)``."""
    return "\n".join(f"{filename} baris {r.baris}, kolom {r.kolom}: {r.alasan}" + (f" ({r.perbaikan})" if r.perbaikan
                                                                                 else "")
                     for r in problems.itertuples())
