"""A file, read and checked: read → map columns → validate → resolve regions, nothing written.

``prepare_import`` does everything that can fail without touching the database and returns a
:class:`Prepared` file: its rows as incident columns, the problems by row and column, the rows to
confirm. Committing it as a batch is :func:`services.imports.commit_import`.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import duckdb
import pandas as pd
import polars as pl

from auth.roles import in_scope_mask, scope_label
from ingest.limits import text_limit
from ingest.presets import PRESETS, apply_preset, detect_preset, known_columns
from ingest.readers import read_table
from ingest.resolve import RegionIndex, resolve_regions
from ingest.validate import PROBLEM_COLUMNS, PROBLEM_SCHEMA, empty_problems, type_and_validate
from reports.safe import neutralise_xlsx_frame
from store.regions import region_names_table, regions_fingerprint
from store.vocab import vocab_codes

__all__ = ["UPDATABLE", "Prepared", "errors_xlsx", "prepare_import"]

#: Columns a newer export may change on a stored incident of the same source id, with the canonical
#: field each comes from. A column changes only when the file provides its field (a non-empty cell in
#: any row): the defaults filled in for fields a source lacks (ACLED has no klasifikasi or
#: status_penanganan) never overwrite what an office set. Date, place, kategori and judul (None) are
#: always provided, no row is valid without them; ``status_verifikasi`` and ``dibuat_oleh`` belong to
#: SIGAP's own workflow and are never changed by an import.
UPDATABLE = {
    "tgl_mulai": None, "presisi_waktu": None, "kode_prov": None, "kode_kab": None, "kode_kec": None, "lat": None,
    "lon": None, "presisi_lokasi": None, "status_lokasi": None, "kategori": None, "judul": None,
    "tgl_selesai": "tanggal_selesai", "subkategori": "subkategori", "bentuk": "bentuk", "sifat": "sifat",
    "bidang": "bidang", "athg": "athg", "aktor1": "aktor_1", "aktor2": "aktor_2", "tewas": "tewas", "luka": "luka",
    "pengungsi": "pengungsi", "eskalasi": "eskalasi", "status_penanganan": "status_penanganan",
    "kronologi": "kronologi", "sumber_info": "sumber", "klasifikasi": "klasifikasi",
}


@dataclass
class Prepared:
    """A checked file, ready to commit.

    ``rows`` holds one row per data row of the file, valid or not (polars, so a large file stays
    columnar all the way into DuckDB); the problem, confirmation and note tables are small
    pandas frames for people to read.
    """

    filename: str
    sha256: str
    preset: str
    rows: pl.DataFrame              # incident columns for every file row (valid or not)
    row_numbers: pl.Series          # file row number per row of ``rows``
    problems: pd.DataFrame          # errors: the row is left out
    confirm: pd.DataFrame           # rows that need the user's confirmation (baris, kode_kab, catatan)
    notes: pd.DataFrame             # accepted rows with a warning (baris, catatan), e.g. swapped lat/lon
    valid: pl.Series                # bool per row: no error
    needs_confirmation: pl.Series   # bool per row
    provided: frozenset = frozenset(UPDATABLE)  # incident columns the file gives (an update changes only these)

    @property
    def accepted_rows(self) -> int:
        """Rows that will be stored without asking the user."""
        return int((self.valid & ~self.needs_confirmation).sum())


def prepare_import(con: duckdb.DuckDBPyConnection, data: bytes, filename: str, locator, *,
                   preset: str | None = None, mapping: dict[str, str] | None = None,
                   user, max_bytes: int = 10 * 1024 * 1024) -> Prepared:
    """Read and check a file; nothing is written.

    ``user`` is the importer (``username`` and ``region``): a row whose kabupaten/kota lies
    outside the importer's region is a problem row, like any other invalid row.

    Raises
    ------
    ingest.readers.ReadError
        The file cannot be read as a table at all.
    ValueError
        Unknown preset, or no preset fits and no mapping was given.
    """
    raw = read_table(data, filename, known_columns() | set(mapping or {}), max_bytes=max_bytes)
    preset = preset or ("sigap" if mapping else detect_preset(raw.frame.columns))
    if preset is None:
        raise ValueError(f"{filename}: format kolom tidak dikenali; pilih preset (sigap, acled, ucdp) atau "
                         "petakan kolomnya")
    canonical = apply_preset(raw.frame, preset, mapping)
    typed = type_and_validate(canonical, raw.row_numbers, vocab_codes(con))
    regions = _region_index(con)
    t = typed.frame
    where = resolve_regions(_matchable(canonical), t["lintang"], t["bujur"], regions, locator, swapped=t["_tertukar"])
    # one problem per cell: the first found (a too-long place name is not also "not found")
    problems = pl.concat([typed.problems, _region_problems(where, canonical, raw.row_numbers),
                          _scope_problems(where, raw.row_numbers, user.region)]).unique(
        ["baris", "kolom"], keep="first", maintain_order=True).sort(["baris", "kolom"], maintain_order=True)
    numbers = raw.row_numbers
    valid = ~numbers.is_in(problems["baris"].unique().implode())
    confirm_mask = where["perlu_konfirmasi"] & valid
    noted = valid & ~confirm_mask & (where["catatan"] != "")
    return Prepared(
        filename=filename, sha256=hashlib.sha256(data).hexdigest(), preset=preset,
        rows=_incident_rows(canonical, t, where, PRESETS[preset].source, user.username), row_numbers=numbers,
        problems=problems.to_pandas(),
        confirm=pl.DataFrame({"baris": numbers, "kode_kab": where["kode_kab"], "catatan": where["catatan"]})
        .filter(confirm_mask).to_pandas(),
        notes=pl.DataFrame({"baris": numbers, "catatan": where["catatan"]}).filter(noted).to_pandas(),
        valid=valid, needs_confirmation=confirm_mask, provided=_provided(canonical))


#: Place columns the resolver matches by name; lokasi (ACLED's place name) is held to the kecamatan's length.
_PLACE_COLUMNS = ("provinsi", "kabupaten_kota", "kecamatan", "lokasi", "kode_kab", "kode_kec")


def _matchable(canonical: pl.DataFrame) -> pl.DataFrame:
    """The frame with place cells longer than their limit blanked for name matching: such rows
    are rejected anyway (``length_problems``), and fuzzy matching a 2 MB cell would hold the
    import for minutes."""
    limit = {c: text_limit("kecamatan" if c == "lokasi" else c) for c in _PLACE_COLUMNS if c in canonical.columns}
    return canonical.with_columns(pl.when(pl.col(c).str.len_chars() <= n).then(pl.col(c)).otherwise(pl.lit(""))
                                  .alias(c) for c, n in limit.items())


def _provided(canonical: pl.DataFrame) -> frozenset:
    """Incident columns whose field the file fills in at least one row (see :data:`UPDATABLE`)."""
    fields = sorted({name for name in UPDATABLE.values() if name is not None and name in canonical.columns})
    given = dict(zip(fields, canonical.select((pl.col(name).str.strip_chars() != "").any() for name in fields)
                     .row(0))) if fields else {}
    return frozenset(column for column, name in UPDATABLE.items() if name is None or given.get(name))


_REGION_INDEXES: dict[tuple, RegionIndex] = {}


def _region_index(con) -> RegionIndex:
    """Region names prepared for matching, built once per boundary set (7,800 names to normalise)."""
    key = regions_fingerprint(con)
    if key not in _REGION_INDEXES:
        _REGION_INDEXES.clear()
        _REGION_INDEXES[key] = RegionIndex.from_regions(region_names_table(con))
    return _REGION_INDEXES[key]


def _region_problems(where: pl.DataFrame, canonical: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """A problem per row whose region could not be resolved, naming the column at fault."""
    bad = where.with_columns(baris=rows).with_row_index("_i").filter(pl.col("galat").is_not_null())
    if bad.is_empty():
        return empty_problems()
    value = pl.coalesce(pl.when(pl.col("galat_kolom") == name).then(canonical[name].gather(bad["_i"]))
                        for name in bad["galat_kolom"].unique())
    return bad.select(pl.col("baris"), pl.col("galat_kolom").alias("kolom"), value.alias("nilai"),
                      pl.col("galat").alias("alasan"),
                      pl.lit("periksa nama/kode wilayah atau koordinat").alias("perbaikan")).cast(PROBLEM_SCHEMA)


def _scope_problems(where: pl.DataFrame, rows: pl.Series, region: str | None) -> pl.DataFrame:
    """A problem per located row whose kabupaten/kota lies outside the importer's region."""
    if region is None:
        return empty_problems()
    located = where["kode_kab"].is_not_null()
    outside = located & ~pl.Series(in_scope_mask(region, where["kode_kab"].to_list()))
    if not outside.any():
        return empty_problems()
    return pl.DataFrame({"baris": rows.filter(outside), "kolom": "kode_kab",
                         "nilai": where["kode_kab"].filter(outside),
                         "alasan": f"wilayah di luar cakupan Anda ({scope_label(region)})",
                         "perbaikan": "impor hanya laporan untuk wilayah Anda; laporan wilayah lain dikirim "
                                      "oleh kantor wilayah itu"}).cast(PROBLEM_SCHEMA)


def _incident_rows(c: pl.DataFrame, t: pl.DataFrame, w: pl.DataFrame, source: str, user: str) -> pl.DataFrame:
    has_point = w["lat"].is_not_null() & w["lon"].is_not_null()
    precision = c["presisi_lokasi"].str.strip_chars().cast(pl.Int64, strict=False)
    default_precision = pl.when(has_point).then(1).when(w["kode_kec"].is_not_null()).then(2).otherwise(3)

    def text(column: pl.Series) -> pl.Expr:  # empty text is stored as NULL; stripped inside the parallel select
        stripped = pl.lit(column).str.strip_chars()
        return pl.when(stripped != "").then(stripped)

    return pl.select(
        sumber=pl.lit(source), id_sumber=text(c["id_sumber"]),
        tgl_mulai=t["tanggal"], tgl_selesai=t["tanggal_selesai"], presisi_waktu=pl.lit(1, dtype=pl.Int16),
        kode_prov=w["kode_prov"], kode_kab=w["kode_kab"], kode_kec=w["kode_kec"],
        lat=pl.when(has_point).then(w["lat"]), lon=pl.when(has_point).then(w["lon"]),
        presisi_lokasi=pl.when(precision.is_between(1, 4)).then(precision).otherwise(default_precision)
        .cast(pl.Int16),
        status_lokasi=w["status_lokasi"],
        kategori=t["kategori"], subkategori=text(c["subkategori"]), bentuk=text(t["bentuk"]), sifat=t["sifat"],
        bidang=text(t["bidang"]), athg=text(t["athg"]), aktor1=text(c["aktor_1"]), aktor2=text(c["aktor_2"]),
        tewas=t["tewas"].cast(pl.Int64, strict=False), luka=t["luka"].cast(pl.Int64, strict=False),
        pengungsi=t["pengungsi"].cast(pl.Int64, strict=False), eskalasi=t["eskalasi"].cast(pl.Int16, strict=False),
        status_penanganan=t["status_penanganan"], judul=t["judul"], kronologi=text(c["kronologi"]),
        sumber_info=text(c["sumber"]), klasifikasi=t["klasifikasi"], status_verifikasi=pl.lit("diajukan"),
        dibuat_oleh=pl.lit(user),
    )


def errors_xlsx(problems: pd.DataFrame) -> bytes:
    """The problem table as an XLSX workbook (text written as text, never as formulas)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        neutralise_xlsx_frame(problems[PROBLEM_COLUMNS]).to_excel(xl, sheet_name="Masalah", index=False)
        xl.sheets["Masalah"].set_column(0, 1, 14)
        xl.sheets["Masalah"].set_column(2, 4, 50)
    return buffer.getvalue()
