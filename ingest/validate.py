"""Type a canonical import frame and validate it, collecting every problem of the file.

Each problem names the file row (as the user sees it), the column, the value, the reason and
how to fix it, in Bahasa Indonesia. Every text cell is held to its length in
:data:`ingest.limits.TEXT_LIMITS` (judul 500, kronologi 20,000, others 1,000 characters). Typing
and checks are polars expressions evaluated in one pass (the rules pandera's polars backend ran
before, with its meaning of a missing value; ``tests/test_import_speed_equal.py`` holds the pandera
schema and checks both give the same problems), so a file of a million rows is checked on all cores
in well under a second and no validation library is imported on the way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import polars as pl

from ingest.limits import TEXT_LIMITS, text_limit
from ingest.parse import parse_dates, parse_number_columns

__all__ = ["PROBLEM_COLUMNS", "Typed", "describe_problems", "length_problems", "problems_frame",
           "type_and_validate"]

PROBLEM_COLUMNS = ["baris", "kolom", "nilai", "alasan", "perbaikan"]
PROBLEM_SCHEMA = {"baris": pl.Int64, "kolom": pl.String, "nilai": pl.String, "alasan": pl.String,
                  "perbaikan": pl.String}
_IMPACTS = ("tewas", "luka", "pengungsi")
_FIX = {
    "tanggal": "tulis tanggal seperti 11/05/2024, 11-5-2024 atau 11 Mei 2024",
    "tanggal_selesai": "kosongkan, atau isi tanggal (seperti 11/05/2024) yang tidak lebih awal dari tanggal mulai",
    "kategori": "isi salah satu kode kategori: {kategori}",
    "bentuk": "kosongkan atau isi kode bentuk: {bentuk}",
    "sifat": "isi potensi, gejala atau kejadian",
    "bidang": "isi ideologi, politik, ekonomi, sosbud atau hankam",
    "athg": "isi A, T, H atau G (atau kosongkan)",
    "eskalasi": "isi angka bulat 0 sampai 5",
    "klasifikasi": "isi Biasa, Terbatas atau Rahasia",
    "status_penanganan": "isi salah satu: {status_penanganan}",
    "judul": f"isi judul singkat (maksimal {TEXT_LIMITS['judul']} karakter)",
    "lintang": "isi lintang desimal, mis. -3,4420 (Indonesia: −11 sampai 6)",
    "bujur": "isi bujur desimal, mis. 114,8310 (Indonesia: 95 sampai 141)",
    **{c: "isi bilangan bulat 0 atau lebih" for c in _IMPACTS},
}
#: Optional parsed columns: text that is there but cannot be read is a problem, not "empty".
_READABLE = ("tanggal_selesai", "lintang", "bujur")
_UNREADABLE = "tidak terbaca"
#: Characters of a value shown in a problem (a 10 MB cell is not copied into the error report).
VALUE_PREVIEW = 200


@dataclass(frozen=True)
class Typed:
    """Parsed values (one row per file row) and the problems found."""

    frame: pl.DataFrame
    problems: pl.DataFrame   # PROBLEM_COLUMNS


def type_and_validate(canonical: pl.DataFrame, rows: pl.Series, vocab: dict[str, set[str]]) -> Typed:
    """Parse text into typed values, fill documented defaults, and validate every row.

    Defaults: sifat ``kejadian``, eskalasi 1, klasifikasi ``Biasa``, status ``baru``,
    impacts 0. Vocabulary codes are matched case-insensitively. Latitude and longitude given
    the wrong way round (a "latitude" that only makes sense as an Indonesian longitude and vice
    versa) are swapped back and marked in ``_tertukar``.

    Parameters
    ----------
    canonical : polars.DataFrame
        Text cells in the canonical fields (:data:`ingest.presets.CANONICAL`), stripped of
        surrounding spaces as :func:`ingest.readers.read_table` gives them.
    rows : polars.Series
        File row number of every row, for the messages.
    vocab : dict
        Allowed codes per controlled vocabulary (``kategori``, ``bentuk``, …).
    """
    typed = _typed(canonical)
    problems = pl.concat([_problems(typed, canonical, rows, vocab), length_problems(canonical, rows)])
    return Typed(frame=typed, problems=problems.sort(["baris", "kolom"], maintain_order=True))


def _typed(c: pl.DataFrame) -> pl.DataFrame:
    # cells come stripped from ingest.readers; here only case and defaults
    text = pl.col
    frame = c.select(
        *(text(n).str.to_uppercase().alias(n) for n in ("kategori", "bentuk", "athg")),
        _or_default(text("sifat").str.to_lowercase(), "kejadian").alias("sifat"),
        text("bidang").str.to_lowercase().alias("bidang"),
        _or_default(text("klasifikasi").str.to_titlecase(), "Biasa").alias("klasifikasi"),
        _or_default(text("status_penanganan").str.to_lowercase().str.replace_all(" ", "_"), "baru")
        .alias("status_penanganan"),
        text("judul"),
        _or_default(text("eskalasi"), "1").alias("eskalasi"),
        *(_or_default(text(n), "0").alias(n) for n in _IMPACTS),
        text("lintang"), text("bujur"),
        *(text(n).alias(f"_teks_{n}") for n in _READABLE),
    )
    frame = parse_number_columns(frame, ["eskalasi", *_IMPACTS, "lintang", "bujur"])
    lat, lon = pl.col("lintang"), pl.col("bujur")
    swapped = (lat.is_between(90, 145) & lon.is_between(-15, 15)).fill_null(False)
    return frame.with_columns(
        parse_dates(c["tanggal"]).alias("tanggal"), parse_dates(c["tanggal_selesai"]).alias("tanggal_selesai"),
    ).with_columns(
        pl.when(swapped).then(lon).otherwise(lat).alias("lintang"),
        pl.when(swapped).then(lat).otherwise(lon).alias("bujur"),
        swapped.alias("_tertukar"),
    )


def _or_default(value: pl.Expr, default: str) -> pl.Expr:
    return pl.when(value == "").then(pl.lit(default)).otherwise(value)


#: Each column's checks: (nullable, [(message, expression that is true when the value passes)]).
#: As in pandera, a check whose expression is null (a missing value) passes; a missing value in a
#: column that is not nullable is reported once as "kosong atau tidak terbaca".
_Rules = dict[str, tuple[bool, list[tuple[str, pl.Expr]]]]


def _rules(vocab: dict[str, set[str]]) -> _Rules:
    def isin(name, optional=False):
        allowed = sorted(vocab[name]) + ([""] if optional else [])
        return f"nilai bukan {name} yang dikenal", pl.col(name).is_in(allowed)

    def readable(name):  # the typed value is missing although the user wrote something
        return _UNREADABLE, pl.col(name).is_not_null() | (pl.col(f"_teks_{name}") == "")

    def whole(name):
        return "bukan bilangan bulat", pl.col(name) == pl.col(name).floor()

    def count(name):
        return False, [("tidak boleh negatif", pl.col(name) >= 0), whole(name)]

    end, start = pl.col("tanggal_selesai"), pl.col("tanggal")
    return {
        "tanggal": (False, []),
        "tanggal_selesai": (True, [readable("tanggal_selesai"),
                                   ("tanggal_selesai sebelum tanggal", end.is_null() | (end >= start).fill_null(True))]),
        "kategori": (False, [isin("kategori")]),
        "bentuk": (False, [isin("bentuk", optional=True)]),
        "sifat": (False, [isin("sifat")]),
        "bidang": (False, [isin("bidang", optional=True)]),
        "athg": (False, [isin("athg", optional=True)]),
        "eskalasi": (False, [("di luar 0–5", (pl.col("eskalasi") >= 0) & (pl.col("eskalasi") <= 5)),
                             whole("eskalasi")]),
        "klasifikasi": (False, [isin("klasifikasi")]),
        "status_penanganan": (False, [isin("status_penanganan")]),
        "judul": (False, [("kosong", pl.col("judul").str.len_chars() >= 1)]),
        "lintang": (True, [readable("lintang"), ("bukan lintang", pl.col("lintang").is_between(-90, 90))]),
        "bujur": (True, [readable("bujur"), ("bukan bujur", pl.col("bujur").is_between(-180, 180))]),
        **{c: count(c) for c in _IMPACTS},
    }


def _failures(typed: pl.DataFrame, rules: _Rules) -> list[tuple[str, str, pl.Series]]:
    """(column, reason, failing row positions) for every check that fails somewhere: all checks
    evaluated in one parallel polars pass, in the order of :func:`_rules`."""
    checks = []
    for column, (nullable, tests) in rules.items():
        if not nullable:
            checks.append((column, "kosong atau tidak terbaca", pl.col(column).is_null()))
        checks += [(column, message, passes.not_().fill_null(False)) for message, passes in tests]
    masks = typed.select(mask.alias(f"_{i}") for i, (_, _, mask) in enumerate(checks))
    any_fail = masks.select(pl.all().any()).row(0)
    return [(column, message, masks[f"_{i}"].arg_true())
            for i, (column, message, _) in enumerate(checks) if any_fail[i]]


def _problems(typed: pl.DataFrame, canonical: pl.DataFrame, rows: pl.Series, vocab) -> pl.DataFrame:
    fixes = {column: text.format(**{n: ", ".join(sorted(vocab.get(n, ()))) for n in
                                    ("kategori", "bentuk", "status_penanganan")}) for column, text in _FIX.items()}
    # the value as the user wrote it, gathered per failing check (a few checks, any number of rows)
    parts = [pl.DataFrame({"baris": rows.gather(where), "kolom": column, "nilai": canonical[column].gather(where),
                           "alasan": message, "perbaikan": fixes.get(column, "")}, schema=PROBLEM_SCHEMA)
             for column, message, where in _failures(typed, _rules(vocab))]
    found = pl.concat(parts) if parts else empty_problems()
    return found.with_columns(nilai=_preview(pl.col("nilai"))).unique(
        ["baris", "kolom", "alasan"], keep="first", maintain_order=True).sort(["baris", "kolom"], maintain_order=True)


def length_problems(canonical: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """A problem for every cell longer than its column's limit (:func:`ingest.limits.text_limit`).

    Parameters
    ----------
    canonical : polars.DataFrame
        Text cells, one column per field.
    rows : polars.Series
        File row number of every row, for the messages.
    """
    parts = []
    # a cell has at least as many bytes as characters: only columns with a cell longer than the
    # limit in bytes (read from the offsets, no decoding) are counted in characters, all in one pass
    limits = {column: text_limit(column) for column in canonical.columns}
    if not limits:
        return empty_problems()
    suspect = canonical.select((pl.col(c).str.len_bytes() > n).any() for c, n in limits.items()).row(0)
    for column, maybe in zip(canonical.columns, suspect):
        if not maybe:
            continue
        limit = limits[column]
        lengths = canonical[column].str.len_chars()
        over = (lengths > limit).fill_null(False)
        if not over.any():
            continue
        parts.append(pl.DataFrame({"baris": rows.filter(over), "nilai": canonical[column].filter(over),
                                   "panjang": lengths.filter(over)}).select(
            pl.col("baris"), pl.lit(column).alias("kolom"), _preview(pl.col("nilai")).alias("nilai"),
            pl.format("lebih dari {} karakter ({} karakter)", pl.lit(_thousands(limit)),
                      _thousands_expr(pl.col("panjang"))).alias("alasan"),
            pl.lit(f"persingkat menjadi paling banyak {_thousands(limit)} karakter").alias("perbaikan")))
    return pl.concat(parts).cast(PROBLEM_SCHEMA) if parts else empty_problems()


def _preview(value: pl.Expr) -> pl.Expr:
    """At most :data:`VALUE_PREVIEW` characters of a value, with "…" when cut."""
    return pl.when(value.str.len_chars() > VALUE_PREVIEW).then(
        value.str.slice(0, VALUE_PREVIEW) + pl.lit("…")).otherwise(value)


def _thousands(count: int) -> str:
    from lang import number  # Babel's locale data: loaded only when a cell is too long

    return number(count)


def _thousands_expr(number: pl.Expr) -> pl.Expr:
    """Whole numbers with "." between thousands, as Indonesian readers write them."""
    digits = number.cast(pl.String)
    return digits.str.reverse().str.replace_all(r"(\d{3})", "$1.").str.reverse().str.strip_chars_start(".")


def empty_problems() -> pl.DataFrame:
    """A problem table with no rows."""
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def problems_frame(records) -> pd.DataFrame:
    """A problem table (pandas) with the standard columns, sorted by row and column."""
    frame = pd.DataFrame(records, columns=PROBLEM_COLUMNS)
    return frame.sort_values(["baris", "kolom"], kind="stable").reset_index(drop=True)


def describe_problems(filename: str, problems: pd.DataFrame) -> str:
    """One line per problem, for the command line: ``file baris N, kolom K: reason (fix)``."""
    return "\n".join(f"{filename} baris {r.baris}, kolom {r.kolom}: {r.alasan}" + (f" ({r.perbaikan})" if r.perbaikan
                                                                                 else "")
                     for r in problems.itertuples())
