"""Region resolution: every row gets kabupaten (and kecamatan when possible) codes.

Order of evidence: explicit Kemendagri codes → coordinates (point → region) → names. Names are
normalised (Kab./Kabupaten/Kota/Kota Administrasi, case, spacing, ACLED's English direction
words, renamed regions) and matched with rapidfuzz on unique names only. Uncertain matches,
kabupaten/kota of the same name and point/name disagreements are flagged for the user to confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
from rapidfuzz import fuzz, process

from geo.locate import STATUS_LABELS

__all__ = ["ACCEPT", "CONFIRM", "RegionIndex", "normalise_name", "resolve_regions"]

ACCEPT = 95      # score at or above: accepted
CONFIRM = 80     # score at or above (below ACCEPT): accepted only after the user confirms
_DIRECTIONS = {"west": "barat", "east": "timur", "north": "utara", "south": "selatan", "central": "tengah",
               "southeast": "tenggara", "southwest": "barat daya", "northwest": "barat laut",
               "northeast": "timur laut"}
_WORDS = {"java": "jawa", "sumatra": "sumatera", "islands": "kepulauan", "island": "pulau",
          "special region of": "daerah istimewa", "capital": "ibukota"}
#: Old names still found in other systems' exports → current Kemendagri name.
RENAMED = {"toba samosir": "toba", "batang hari": "batanghari", "pangkajene kepulauan": "pangkajene dan kepulauan"}
_PREFIX = re.compile(r"^(kota administrasi|kabupaten administrasi|kabupaten|kab|kota|kotamadya|regency of|city of)\s+")
_SUFFIX = re.compile(r"\s+(regency|city|municipality)$")


def normalise_name(name: str) -> tuple[str, str | None]:
    """Comparable name and a type hint (``"kota"``, ``"kabupaten"`` or None).

    >>> normalise_name("West Aceh")
    ('aceh barat', None)
    >>> normalise_name("Kota Adm. Jakarta Pusat")
    ('jakarta pusat', 'kota')
    """
    text = re.sub(r"[.,()'`]", " ", str(name).lower()).replace("adm ", "administrasi ")
    text = " ".join(text.split())
    hint = None
    if re.match(r"^(kota|kotamadya|city of)\b", text) or re.search(r"\s(city|municipality)$", text):
        hint = "kota"
    elif re.match(r"^(kabupaten|kab|regency of)\b", text) or re.search(r"\sregency$", text):
        hint = "kabupaten"
    text = _SUFFIX.sub("", _PREFIX.sub("", text))
    for eng, ind in _WORDS.items():
        text = re.sub(rf"\b{eng}\b", ind, text)
    words = text.split()
    if words and words[-1] == "kepulauan":  # "Seribu Islands" → "kepulauan seribu"
        words = ["kepulauan"] + words[:-1]
    if words and words[0] in _DIRECTIONS:  # "West Aceh" → "aceh barat"
        words = words[1:] + _DIRECTIONS[words[0]].split()
    text = " ".join(words)
    if text.startswith("jakarta ") and text.endswith(" tengah"):
        text = text[: -len("tengah")] + "pusat"  # Central Jakarta is Jakarta Pusat
    return RENAMED.get(text, text), hint


@dataclass(frozen=True)
class RegionIndex:
    """Region names prepared for matching."""

    kab: pd.DataFrame   # kode, nama, jenis, kode_prov, norm
    kec: pd.DataFrame   # kode, nama, kode_induk, norm
    prov: pd.DataFrame  # kode, nama, norm

    @classmethod
    def from_regions(cls, regions: pd.DataFrame) -> "RegionIndex":
        """Build from the ``regions`` table (``kode, level, nama, jenis, kode_induk, kode_prov``)."""
        def part(level):
            frame = regions.loc[regions["level"] == level].reset_index(drop=True).copy()
            frame["norm"] = [normalise_name(n)[0] for n in frame["nama"]]
            return frame
        prov = part("prov")
        prov["norm"] = prov["norm"].str.replace("^daerah khusus ibukota ", "", regex=True)
        return cls(kab=part("kab"), kec=part("kec"), prov=prov)


def resolve_regions(frame: pl.DataFrame, lat: pl.Series, lon: pl.Series, index: RegionIndex,
                    locator, swapped: pl.Series | None = None) -> pl.DataFrame:
    """Resolve every row of a canonical frame to kabupaten/kota (and kecamatan when possible).

    Parameters
    ----------
    frame : polars.DataFrame
        Canonical text fields ``kode_kab, kode_kec, kabupaten_kota, provinsi, kecamatan``.
    lat, lon : polars.Series
        Parsed coordinates (null when absent), already swapped back where needed.
    index : RegionIndex
        Region names and codes.
    locator : geo.locate.Locator
        Point → region assignment.
    swapped : polars.Series of bool, optional
        Rows whose coordinates were given the wrong way round (noted for the user).

    Returns
    -------
    polars.DataFrame
        One row per input row: ``kode_prov, kode_kab, kode_kec, lat, lon, status_lokasi, cara,
        catatan, perlu_konfirmasi, galat, galat_kolom``. ``galat`` (with its column) means the
        row cannot be stored; ``perlu_konfirmasi`` means the user must confirm the region.
    """
    n = len(frame)
    out = pl.DataFrame({"lat": lat, "lon": lon}).with_columns(
        catatan=pl.when(swapped if swapped is not None else pl.repeat(False, n))
        .then(pl.lit("lintang dan bujur tertukar, sudah ditukar; ")).otherwise(pl.lit("")))
    out = _from_codes(frame, index, out)
    out = _from_points(locator, out)
    out = _from_names(frame, index, out)
    out = _kecamatan_from_names(frame, index, out)
    missing = pl.col("kode_kab").is_null() & pl.col("galat").is_null()
    return out.with_columns(
        kode_prov=pl.col("kode_kab").str.slice(0, 2),
        galat=pl.when(missing).then(pl.lit("wilayah tidak dapat ditentukan: isi kode_kab, koordinat, atau nama "
                                           "kabupaten/kota")).otherwise(pl.col("galat")),
        galat_kolom=pl.when(missing).then(pl.lit("kabupaten_kota")).otherwise(pl.col("galat_kolom")),
    ).select("kode_prov", "kode_kab", "kode_kec", "lat", "lon", "status_lokasi", "cara", "catatan",
             "perlu_konfirmasi", "galat", "galat_kolom")


def _from_codes(frame, index, out):
    kab = frame["kode_kab"].str.strip_chars()
    kec = frame["kode_kec"].str.strip_chars()
    good_kab = kab.is_in(index.kab["kode"].tolist())
    bad_kab = (kab != "") & ~good_kab
    good_kec = kec.is_in(index.kec["kode"].tolist()) & ((kab == "") | (kec.str.slice(0, 5) == kab))
    code = pl.when(good_kab).then(kab).when(good_kec & (kab == "")).then(kec.str.slice(0, 5))
    return out.with_columns(
        kode_kab=code, kode_kec=pl.when(good_kec).then(kec),
        cara=pl.when(code.is_not_null()).then(pl.lit("kode")),
        galat=pl.when(bad_kab).then(pl.lit("kode_kab tidak dikenal (format 63.72, lihat daftar wilayah)")),
        galat_kolom=pl.when(bad_kab).then(pl.lit("kode_kab")),
        perlu_konfirmasi=pl.lit(False), status_lokasi=pl.lit(None, dtype=pl.String),
    )


def _from_points(locator, out):
    has_point = (out["lat"].is_not_null() & out["lon"].is_not_null()).arg_true()
    if not len(has_point):
        return out
    found = locator.locate(out["lon"].gather(has_point).to_numpy(), out["lat"].gather(has_point).to_numpy())
    codes = pl.Series(found.codes.tolist(), dtype=pl.String)
    index = pl.Series(found.index)
    labels = pl.Series(list(STATUS_LABELS), dtype=pl.String)

    def spread(values: pl.Series) -> pl.Series:  # back to one value per row, null where no point
        return pl.repeat(None, len(out), dtype=pl.String, eager=True).scatter(has_point, values)

    out = out.with_columns(
        _status=spread(labels.gather(pl.Series(found.status_code.astype(np.int64)))),
        _kec=spread(pl.select(pl.when(index >= 0).then(codes.gather(index.clip(lower_bound=0)))).to_series()),
    )
    status, point_kec = pl.col("_status"), pl.col("_kec")
    point_kab = point_kec.str.slice(0, 5)
    rejected = status.str.starts_with("rejected:").fill_null(False)
    ok = status.is_not_null() & ~rejected
    coded = pl.col("kode_kab").is_not_null()
    clash = ok & coded & (pl.col("kode_kab") != point_kab)   # explicit codes win; ask the user
    free = ok & ~coded
    agree = ok & ~clash
    return out.with_columns(
        galat=pl.when(rejected).then(pl.format("titik di luar wilayah Indonesia ({})",
                                               status.str.split(":").list.get(1, null_on_oob=True)))
        .otherwise(pl.col("galat")),
        galat_kolom=pl.when(rejected).then(pl.lit("lintang")).otherwise(pl.col("galat_kolom")),
        status_lokasi=pl.when(ok).then(status),
        perlu_konfirmasi=pl.col("perlu_konfirmasi") | clash,
        catatan=pl.concat_str([
            pl.col("catatan"),
            pl.when(ok & (status == "coast")).then(pl.lit("titik di laut dekat pantai, ke wilayah terdekat; ")),
            pl.when(clash).then(pl.format("titik berada di {}, kode menyebut {}; ", point_kab, pl.col("kode_kab"))),
        ], ignore_nulls=True),
        kode_kab=pl.when(free).then(point_kab).otherwise(pl.col("kode_kab")),
        cara=pl.when(free).then(pl.lit("koordinat")).otherwise(pl.col("cara")),
        kode_kec=pl.when(agree & pl.col("kode_kec").is_null()).then(point_kec).otherwise(pl.col("kode_kec")),
    ).drop("_status", "_kec")


def _match_provinces(names: list[str], index) -> dict[str, str]:
    """Province name as written → province code, for the names that match well."""
    found = {}
    choices = index.prov["norm"].tolist()
    for raw in names:
        if not raw:
            continue
        norm = normalise_name(raw)[0].replace("daerah khusus ibukota ", "").replace("dki ", "")
        best = process.extractOne(norm, choices, scorer=fuzz.WRatio)
        if best and best[1] >= 85:
            found[raw] = index.prov["kode"].iloc[best[2]]
    return found


def _from_names(frame, index, out):
    names = frame["kabupaten_kota"].str.strip_chars()
    if not (names != "").any():
        return out
    provinces = frame["provinsi"].str.strip_chars()
    keys = pl.DataFrame({"nama": names, "prov": provinces}).filter(pl.col("nama") != "").unique()
    province_code = _match_provinces(keys["prov"].unique().to_list(), index)
    matched = [(nama, prov, *_match_kab(nama, province_code.get(prov) or "", index))
               for nama, prov in keys.iter_rows()]
    table = pl.DataFrame(matched, schema={"nama": pl.String, "prov": pl.String, "kode": pl.String,
                                          "skor": pl.Float64, "catatan_nama": pl.String, "ragu": pl.Boolean},
                         orient="row")
    m = pl.DataFrame({"nama": names, "prov": provinces}).join(table, on=["nama", "prov"], how="left",
                                                              maintain_order="left")
    kode, has_name = m["kode"], m["nama"] != ""
    need = pl.col("kode_kab").is_null() & pl.col("galat").is_null() & has_name
    found = need & kode.is_not_null()
    unknown = need & kode.is_null()
    # a name next to a point or code that says otherwise: ask the user
    differs = ~need & has_name & kode.is_not_null() & pl.col("kode_kab").is_not_null() & (kode != pl.col("kode_kab"))
    return out.with_columns(
        perlu_konfirmasi=pl.col("perlu_konfirmasi") | (found & m["ragu"]).fill_null(False) | differs.fill_null(False),
        catatan=pl.concat_str([
            pl.col("catatan"),
            pl.when(found).then(m["catatan_nama"]),
            pl.when(differs).then(pl.format("nama menyebut {}, titik/kode menyebut {}; ", kode, pl.col("kode_kab"))),
        ], ignore_nulls=True),
        galat=pl.when(unknown).then(pl.lit("nama kabupaten/kota tidak dikenal: ") + names).otherwise(pl.col("galat")),
        galat_kolom=pl.when(unknown).then(pl.lit("kabupaten_kota")).otherwise(pl.col("galat_kolom")),
        kode_kab=pl.when(found).then(kode).otherwise(pl.col("kode_kab")),
        cara=pl.when(found).then(pl.lit("nama")).otherwise(pl.col("cara")),
    )


def _match_kab(raw: str, kode_prov: str, index) -> tuple:
    norm, hint = normalise_name(raw)
    pool = index.kab if not kode_prov else index.kab.loc[index.kab["kode_prov"] == kode_prov]
    if pool.empty:
        return None, 0, "", False
    choices = pool["norm"].tolist()
    best = process.extract(norm, choices, scorer=fuzz.WRatio, limit=4)
    if not best or best[0][1] < CONFIRM:
        return None, best[0][1] if best else 0, "", False
    score = best[0][1]
    tied = [b for b in best if b[1] == score]
    rows = pool.iloc[[b[2] for b in tied]]
    if len(rows) > 1:  # Kabupaten Bima / Kota Bima: same name, type decides
        if hint is not None and (rows["jenis"] == hint).sum() == 1:
            row = rows.loc[rows["jenis"] == hint].iloc[0]
            return row["kode"], score, "", score < ACCEPT
        row = rows.loc[rows["jenis"] == "kabupaten"].iloc[0] if (rows["jenis"] == "kabupaten").any() else rows.iloc[0]
        others = ", ".join(rows["nama"])
        return row["kode"], score, f"nama ambigu ({others}), dipilih {row['nama']}; ", True
    row = rows.iloc[0]
    note = f"nama '{raw}' dicocokkan ke {row['nama']} (skor {score:.0f}); " if score < ACCEPT else ""
    return row["kode"], score, note, score < ACCEPT


def _kecamatan_from_names(frame, index, out):
    names = frame["kecamatan"].str.strip_chars()
    todo = out.select((names != "") & pl.col("kode_kec").is_null() & pl.col("kode_kab").is_not_null()).to_series()
    if not todo.any():
        return out
    keys = pl.DataFrame({"kab": out["kode_kab"], "nama": names}).filter(todo).unique()
    found = []
    for kab, nama in keys.iter_rows():
        pool = index.kec.loc[index.kec["kode_induk"] == kab]
        best = (process.extractOne(normalise_name(nama)[0], pool["norm"].tolist(), scorer=fuzz.WRatio)
                if len(pool) else None)
        code = pool["kode"].iloc[best[2]] if best and best[1] >= 90 else None
        found.append((kab, nama, code, None if code else f"kecamatan '{nama}' tidak ditemukan di {kab}; "))
    table = pl.DataFrame(found, orient="row", schema={"kab": pl.String, "nama": pl.String, "kec": pl.String,
                                                      "catatan_kec": pl.String})
    m = pl.DataFrame({"kab": out["kode_kab"], "nama": names, "todo": todo}).join(
        table, on=["kab", "nama"], how="left", maintain_order="left")
    return out.with_columns(
        kode_kec=pl.when(m["todo"] & m["kec"].is_not_null()).then(m["kec"]).otherwise(pl.col("kode_kec")),
        catatan=pl.concat_str([pl.col("catatan"), pl.when(m["todo"]).then(m["catatan_kec"])], ignore_nulls=True),
    )
