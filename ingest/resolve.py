"""Region resolution: every row gets kabupaten (and kecamatan when possible) codes.

Order of evidence: explicit Kemendagri codes → coordinates (point → region) → names. Names are
normalised (Kab./Kabupaten/Kota/Kota Administrasi, case, spacing, English words such as ACLED's
"North Central Timor" or "Riau Islands") and matched on unique names only: first exactly (also
without spaces and in any word order), then with rapidfuzz.

A name resolves to a set of regions rather than one code:

* a bare name shared by a kabupaten and a kota ("Bandung", "Bima") is a *pair*: a point in
  either member decides silently; without a point the kecamatan column (ACLED's ADMIN3) or the
  place name (ACLED's LOCATION) matched against kecamatan names decides, and only a row that stays
  ambiguous is asked about;
* a historic name (``data/wilayah/nama_historis.csv``: renamed kabupaten, provinces before a
  split such as Papua before 2022) resolves to today's region, and a point or kecamatan anywhere
  in the old extent is accepted silently;
* an explicit "Kab."/"Kota" that contradicts the point or the best name match is a question;
* a point at sea more than the locator's coast margin from land is accepted in the named
  kabupaten (status ``laut``), and asked about when it lies farther than :data:`SEA_KM`.

English words and other names are data (``data/wilayah/kata_inggris.csv``,
``data/wilayah/nama_lain.csv``), not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import shapely
from rapidfuzz import fuzz, process

from geo.locate import KM_PER_DEGREE, STATUS_LABELS
from settings import DATA_DIR

__all__ = ["ACCEPT", "CONFIRM", "SEA_KM", "WILAYAH_DIR", "RegionIndex", "load_name_tables", "normalise_name",
           "resolve_regions"]

ACCEPT = 95      # score at or above: accepted
CONFIRM = 80     # score at or above (below ACCEPT): accepted only after the user confirms
KEC_SCORE = 90   # a kecamatan name must match at least this well (fuzz.ratio) to decide a pair
#: A point at sea within this distance (km) of the named kabupaten is accepted without asking:
#: 12 nautical miles, the provincial sea (UU 23/2014 Pasal 27 ayat 3).
SEA_KM = 22.2
#: Lookup tables of names (English words, other names, historic names), with their sources.
WILAYAH_DIR = DATA_DIR / "wilayah"
_FAR = "rejected:jauh_dari_daratan"
_HINT_KOTA = re.compile(r"^(kota|kotamadya|kodya|city of)\b|\s(city|municipality)$")
_HINT_KAB = re.compile(r"^(kabupaten|kab|regency of)\b|\sregency$")
_PREFIX = re.compile(r"^(kota administrasi|kabupaten administrasi|kabupaten|kab|kota|kotamadya|kodya|"
                     r"regency of|city of)\s+")
_SUFFIX = re.compile(r"\s+(regency|city|municipality)$")
_PUNCTUATION = re.compile(r"[.,()'`’\-/]")
_KEC_PREFIX = re.compile(r"^(kecamatan|kec|distrik)\s+")


@dataclass(frozen=True)
class _Words:
    """English (and abbreviated) words → Indonesian, by role (``kata_inggris.csv``)."""

    phrases: tuple[tuple[re.Pattern, str], ...]  # replaced anywhere (longest first)
    directions: dict[str, str]                   # leading words moved to the end
    trailing: dict[str, str]                     # a last word moved to the front
    dropped: frozenset[str]                      # words left out (province, provinsi)


@lru_cache(maxsize=4)
def _words(directory: Path = WILAYAH_DIR) -> _Words:
    table = pd.read_csv(directory / "kata_inggris.csv", dtype=str, keep_default_na=False)
    by_role = {role: dict(zip(part["inggris"], part["indonesia"])) for role, part in table.groupby("jenis")}
    phrases = sorted(by_role.get("kata", {}).items(), key=lambda kv: -len(kv[0]))
    return _Words(phrases=tuple((re.compile(rf"\b{re.escape(eng)}\b"), ind) for eng, ind in phrases),
                  directions=by_role.get("arah", {}), trailing=by_role.get("depan", {}),
                  dropped=frozenset(by_role.get("buang", {})))


def normalise_name(name: str) -> tuple[str, str | None]:
    """Comparable name and a type hint (``"kota"``, ``"kabupaten"`` or None).

    >>> normalise_name("West Aceh")
    ('aceh barat', None)
    >>> normalise_name("Kota Adm. Jakarta Pusat")
    ('jakarta pusat', 'kota')
    >>> normalise_name("North Central Timor Regency")
    ('timor tengah utara', 'kabupaten')
    >>> normalise_name("Riau Islands")
    ('kepulauan riau', None)
    """
    words = _words(WILAYAH_DIR)
    text = re.sub(r"\badm\b", "administrasi", _plain(name))
    hint = "kota" if _HINT_KOTA.search(text) else "kabupaten" if _HINT_KAB.search(text) else None
    text = _SUFFIX.sub("", _PREFIX.sub("", text))
    for pattern, indonesian in words.phrases:
        text = pattern.sub(indonesian, text)
    tokens = [t for t in text.split() if t not in words.dropped]
    if len(tokens) > 1 and tokens[-1] in words.trailing:     # "Seribu Islands" → "kepulauan seribu"
        tokens = words.trailing[tokens[-1]].split() + tokens[:-1]
    lead = 0
    while lead < len(tokens) - 1 and tokens[lead] in words.directions:
        lead += 1
    if lead:                                                 # "North Central Timor" → "timor tengah utara"
        tokens = tokens[lead:] + [w for d in reversed(tokens[:lead]) for w in words.directions[d].split()]
    return " ".join(tokens), hint


def _compact(norm: str) -> str:
    return norm.replace(" ", "")


def _plain(raw: str) -> str:
    """Lower case, punctuation as spaces, prefixes kept."""
    return " ".join(_PUNCTUATION.sub(" ", str(raw).lower()).split())


def _sorted_words(norm: str) -> str:
    return " ".join(sorted(norm.split()))


@dataclass(frozen=True)
class _Historic:
    jenis: str            # kabupaten / kota / "" (any)
    codes: tuple          # today's codes; the first continues the old region
    sumber: str


def load_name_tables(directory: Path = WILAYAH_DIR) -> dict[str, pd.DataFrame]:
    """The name tables as written: ``kata_inggris``, ``nama_lain`` and ``nama_historis``."""
    return {name: pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)
            for name in ("kata_inggris", "nama_lain", "nama_historis")}


class RegionIndex:
    """Region names prepared for matching (installed names plus other and historic names).

    Each part is prepared on first use, once per index: a file placed by points and codes alone
    never normalises the 7,800 region names.
    """

    def __init__(self, regions: pd.DataFrame):
        self._regions = regions

    @classmethod
    def from_regions(cls, regions: pd.DataFrame) -> RegionIndex:
        """Build from the ``regions`` table (``kode, level, nama, jenis, kode_induk, kode_prov``)."""
        return cls(regions)

    def _level(self, level: str, normalised: bool = True) -> pd.DataFrame:
        frame = self._regions.loc[self._regions["level"] == level].reset_index(drop=True).copy()
        if normalised:
            frame["norm"] = [normalise_name(n)[0] for n in frame["nama"].tolist()]
        return frame

    @cached_property
    def _codes(self) -> dict[str, list[str]]:
        by_level: dict[str, list[str]] = {}
        for code, level in zip(self._regions["kode"].tolist(), self._regions["level"].tolist()):
            by_level.setdefault(level, []).append(code)
        return by_level

    @property
    def kab_codes(self) -> list[str]:
        """Codes of every kabupaten/kota."""
        return self._codes.get("kab", [])

    @property
    def kec_codes(self) -> list[str]:
        """Codes of every kecamatan."""
        return self._codes.get("kec", [])

    @cached_property
    def kab_names(self) -> dict:
        """kab code → official name."""
        kab = self._regions.loc[self._regions["level"] == "kab"]
        return dict(zip(kab["kode"].tolist(), kab["nama"].tolist()))

    @cached_property
    def kab(self) -> pd.DataFrame:
        """kode, nama, jenis, kode_prov, norm."""
        return self._level("kab")

    @cached_property
    def kec(self) -> pd.DataFrame:
        """kode, nama, kode_induk, norm."""
        return self._level("kec")

    @cached_property
    def prov(self) -> pd.DataFrame:
        """kode, nama, norm."""
        return self._level("prov")

    @cached_property
    def names(self) -> pd.DataFrame:
        """Kabupaten/kota names incl. other names: kode, nama, jenis, kode_prov, norm, rapat, urut."""
        kab, other = self.kab, load_name_tables()["nama_lain"]
        aliases = other.loc[other["tingkat"] == "kab"].merge(
            kab[["kode", "nama", "jenis", "kode_prov"]], on="kode", how="inner", suffixes=("_lain", ""))
        aliases["norm"] = [normalise_name(n)[0] for n in aliases["nama_lain"]]
        names = pd.concat([kab[["kode", "nama", "jenis", "kode_prov", "norm"]],
                           aliases[["kode", "nama", "jenis", "kode_prov", "norm"]]], ignore_index=True)
        names["rapat"] = names["norm"].map(_compact)
        names["urut"] = names["norm"].map(_sorted_words)
        return names

    @cached_property
    def name_columns(self) -> dict[str, np.ndarray]:
        """The columns of :attr:`names` as arrays (picked by position per name matched)."""
        return {column: self.names[column].to_numpy(dtype=object)
                for column in ("kode", "nama", "jenis", "kode_prov", "norm", "rapat")}

    def pool(self, provs: tuple | None, jenis: str | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Names a match may pick, given the provinces and kind: (mask, positions, normalised names)."""
        key = (provs, jenis)
        if key not in self._pools:
            column = self.name_columns
            mask = np.isin(column["kode_prov"], list(provs)) if provs else np.ones(len(column["kode"]), dtype=bool)
            if jenis:
                mask &= column["jenis"] == jenis
            positions = np.flatnonzero(mask)
            self._pools[key] = (mask, positions, column["norm"][positions].tolist())
        return self._pools[key]

    @cached_property
    def _pools(self) -> dict:
        return {}

    @cached_property
    def lookup(self) -> dict:
        """{"norm"|"rapat"|"urut": {key: [row in names]}}."""
        return {column: self.names.groupby(column).indices for column in ("norm", "rapat", "urut")}

    @cached_property
    def _old_names(self) -> tuple[dict, dict]:
        tables = load_name_tables()
        other, historic = tables["nama_lain"], tables["nama_historis"]
        prov_names = {norm: (code,) for norm, code in zip(self.prov["norm"], self.prov["kode"])}
        for name, code in other.loc[other["tingkat"] == "prov", ["nama", "kode"]].itertuples(index=False):
            prov_names[normalise_name(name)[0]] = (code,)
        old = {}
        for name, level, codes, jenis, source in historic[["nama", "tingkat", "kode", "jenis", "sumber"]].itertuples(
                index=False):
            norm, codes = normalise_name(name)[0], tuple(codes.split())
            if level == "prov":
                prov_names[norm] = codes
            else:
                old.setdefault(norm, []).append(_Historic(jenis, codes, source))
        return prov_names, old

    @cached_property
    def prov_names(self) -> dict:
        """Province name (normalised) → tuple of codes."""
        return self._old_names[0]

    @cached_property
    def historic(self) -> dict:
        """Kabupaten/kota name (normalised) → list of :class:`_Historic`."""
        return self._old_names[1]

    @cached_property
    def kec_by_parent(self) -> dict:
        """kab code → (kec codes, norms, compact norms)."""
        out: dict[str, tuple[list, list, list]] = {}
        for code, parent, norm in zip(self.kec["kode"].tolist(), self.kec["kode_induk"].tolist(),
                                      self.kec["norm"].tolist()):
            codes, norms, compacts = out.setdefault(parent, ([], [], []))
            codes.append(code)
            norms.append(norm)
            compacts.append(_compact(norm))
        return out


def resolve_regions(frame: pl.DataFrame, lat: pl.Series, lon: pl.Series, index: RegionIndex,
                    locator, swapped: pl.Series | None = None) -> pl.DataFrame:
    """Resolve every row of a canonical frame to kabupaten/kota (and kecamatan when possible).

    Parameters
    ----------
    frame : polars.DataFrame
        Canonical text fields ``kode_kab, kode_kec, kabupaten_kota, provinsi, kecamatan`` and,
        when the source has it, ``lokasi`` (place name, e.g. ACLED's LOCATION).
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
        catatan, perlu_konfirmasi, galat, galat_kolom``. ``status_lokasi`` is ``inside``,
        ``coast`` or ``laut`` for rows with a point. ``galat`` (with its column) means the row
        cannot be stored; ``perlu_konfirmasi`` means the user must confirm the region.
    """
    n = len(frame)
    out = pl.DataFrame({"lat": lat, "lon": lon}).with_columns(
        catatan=pl.when(swapped if swapped is not None else pl.repeat(False, n))
        .then(pl.lit("lintang dan bujur tertukar, sudah ditukar; ")).otherwise(pl.lit("")))
    out = _from_codes(frame, index, out)
    out = _from_points(locator, out)
    out = _from_names(frame, index, out)
    out = _at_sea(out, locator, index)
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
    good_kab = kab.is_in(index.kab_codes)
    bad_kab = (kab != "") & ~good_kab
    good_kec = kec.is_in(index.kec_codes) & ((kab == "") | (kec.str.slice(0, 5) == kab))
    code = pl.when(good_kab).then(kab).when(good_kec & (kab == "")).then(kec.str.slice(0, 5))
    return out.with_columns(
        kode_kab=code, kode_kec=pl.when(good_kec).then(kec),
        cara=pl.when(code.is_not_null()).then(pl.lit("kode")),
        galat=pl.when(bad_kab).then(pl.lit("kode_kab tidak dikenal (format 63.72, lihat daftar wilayah)")),
        galat_kolom=pl.when(bad_kab).then(pl.lit("kode_kab")),
        perlu_konfirmasi=pl.lit(False), status_lokasi=pl.lit(None, dtype=pl.String),
        _laut=pl.lit(False),
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
    # far at sea: decided later by the row's code or name (status laut), rejected only without one
    at_sea = (status == _FAR).fill_null(False)
    rejected = status.str.starts_with("rejected:").fill_null(False) & ~at_sea
    ok = status.is_not_null() & ~rejected & ~at_sea
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
        _laut=at_sea,
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


def _match_provinces(names: list[str], index: RegionIndex) -> dict[str, tuple]:
    """Province name as written → today's province codes (several for a province before a split)."""
    found = {}
    choices = list(index.prov_names)
    for raw in names:
        if not raw:
            continue
        norm = normalise_name(raw)[0]
        codes = index.prov_names.get(norm)
        if codes is None:
            best = process.extractOne(norm, choices, scorer=fuzz.WRatio)
            codes = index.prov_names[best[0]] if best and best[1] >= 85 else None
        if codes:
            found[raw] = codes
    return found


@dataclass(frozen=True)
class _Match:
    """What one kabupaten/kota name (with its province) can mean."""

    kode: str | None = None      # the default choice
    pilihan: tuple = ()          # today's regions the name names (several: ambiguous)
    cakupan: tuple = ()          # regions a point or kecamatan may confirm silently (pilihan + old extent)
    ragu: bool = False           # fuzzy match below ACCEPT
    masalah: str | None = None   # "jenis" (Kab./Kota contradicts), "provinsi" (found in another province)
    catatan: str = ""            # note for ragu / masalah
    ambigu: str = ""             # note for a row that stays ambiguous


def _unique(codes) -> tuple:
    return tuple(dict.fromkeys(codes))


def _find_kab(raw: str, norm: str, provs: tuple | None, index: RegionIndex, *, jenis: str | None = None,
              exact_only: bool = False) -> tuple[np.ndarray, float]:
    """Positions in ``index.names`` of the names that match best, and the score (100 for exact).

    Exact first: as normalised, without spaces ("Banjar Baru" is Banjarbaru), in any word order,
    and without spaces before the prefix is stripped ("Kota Baru" is Kotabaru); then rapidfuzz.
    ``provs`` limits the search to those provinces and ``jenis`` to kabupaten or kota.
    """
    in_pool, pool, pool_norms = index.pool(provs, jenis)
    keys = (("norm", norm), ("rapat", _compact(norm)), ("urut", _sorted_words(norm)),
            ("rapat", _compact(_plain(raw))))
    for column, key in keys:
        rows = [i for i in index.lookup[column].get(key, ()) if in_pool[i]]
        if rows:
            return np.asarray(rows, dtype=np.intp), 100.0
    if exact_only or not norm or not len(pool):
        return _NO_ROWS, 0.0
    best = process.extract(norm, pool_norms, scorer=fuzz.WRatio, limit=8)
    if not best or best[0][1] < CONFIRM:
        return _NO_ROWS, float(best[0][1]) if best else 0.0
    score = best[0][1]
    return pool[[b[2] for b in best if b[1] == score]], float(score)


_NO_ROWS = np.array([], dtype=np.intp)


def _match_kab(raw: str, province: str, provs: tuple | None, index: RegionIndex) -> _Match:
    """Everything one kabupaten/kota name can mean, given the province it was written with."""
    column = index.name_columns
    norm, hint = normalise_name(raw)
    old = [h for h in index.historic.get(norm, ()) if hint is None or h.jenis in ("", hint)]
    found, score = _find_kab(raw, norm, provs, index, exact_only=bool(old))
    elsewhere = False
    if provs and score < ACCEPT and not old:   # not (well) found in the named province: look everywhere
        anywhere, best = _find_kab(raw, norm, None, index)
        if best > score:
            found, score, elsewhere = anywhere, best, True
    extent = [c for h in old for c in h.codes]
    hinted = found[column["jenis"][found] == hint] if hint else found
    if hint and not len(hinted) and (column["rapat"][found] == _compact(_plain(raw))).any():
        hinted = found             # "Kota Baru" is Kabupaten Kotabaru: the prefix was part of the name
    if old and not len(hinted):    # an old name: today's continuation; a point anywhere in the old extent
        return _Match(kode=old[0].codes[0], pilihan=(old[0].codes[0],), cakupan=_unique(extent))
    if not len(found):
        return _Match()
    masalah, note = None, ""
    if not len(hinted):            # "Kab. Banjar Baru" when only Kota Banjarbaru matches
        masalah = "jenis"
        similar = _find_kab(raw, norm, provs, index, jenis=hint)[0]
        also = f" (mirip: {', '.join(_unique(column['nama'][similar]))})" if len(similar) else ""
        note = f"nama '{raw}' menyebut {hint}, tetapi yang cocok {', '.join(_unique(column['nama'][found]))}{also}; "
        hinted = found
    pilihan = _unique(sorted(column["kode"][hinted]))
    labels = [index.kab_names[c] for c in pilihan]
    default = next((c for c in pilihan if c[3:5] < "70"), pilihan[0])    # kabupaten (01–69) before kota
    ragu = score < ACCEPT
    if masalah is None and elsewhere:
        masalah = "provinsi"
        note = f"'{raw}' tidak ditemukan di provinsi '{province}', dipakai {', '.join(labels)}; "
    elif masalah is None and ragu:
        note = f"nama '{raw}' dicocokkan ke {', '.join(labels)} (skor {score:.0f}); "
    ambigu = (f"nama ambigu ({', '.join(labels)}), dipilih {index.kab_names[default]}; "
              if len(pilihan) > 1 else "")
    return _Match(kode=default, pilihan=pilihan, cakupan=_unique([*pilihan, *extent]), ragu=ragu,
                  masalah=masalah, catatan=note, ambigu=ambigu)


_MATCH_SCHEMA = {"nama": pl.String, "prov": pl.String, "m_kode": pl.String, "m_pilihan": pl.List(pl.String),
                 "m_cakupan": pl.List(pl.String), "m_ragu": pl.Boolean, "m_masalah": pl.String,
                 "m_catatan": pl.String, "m_ambigu": pl.String}


def _text(frame: pl.DataFrame, column: str) -> pl.Series:
    if column not in frame.columns:
        return pl.repeat("", len(frame), dtype=pl.String, eager=True).alias(column)
    return frame[column].fill_null("").str.strip_chars()


def _from_names(frame, index, out):
    """Kabupaten/kota from names, once per unique (name, province); points and codes confirm them."""
    names, provinces = _text(frame, "kabupaten_kota"), _text(frame, "provinsi")
    has_name = names != ""
    if not has_name.any():
        return out.with_columns(_cakupan=pl.lit(None, dtype=pl.List(pl.String)))
    keys = pl.DataFrame({"nama": names, "prov": provinces}).filter(pl.col("nama") != "").unique()
    province_code = _match_provinces(keys["prov"].unique().to_list(), index)
    matched = []
    for nama, prov in keys.iter_rows():
        m = _match_kab(nama, prov, province_code.get(prov), index)
        matched.append((nama, prov, m.kode, list(m.pilihan), list(m.cakupan), m.ragu, m.masalah, m.catatan,
                        m.ambigu))
    table = pl.DataFrame(matched, schema=_MATCH_SCHEMA, orient="row")
    m = pl.DataFrame({"nama": names, "prov": provinces}).join(table, on=["nama", "prov"], how="left",
                                                              maintain_order="left")
    out = out.hstack(m.drop("nama", "prov")).with_columns(_ada=has_name)

    kab, kode, ada = pl.col("kode_kab"), pl.col("m_kode"), pl.col("_ada")
    found, sea = kode.is_not_null(), pl.col("_laut")
    need = kab.is_null() & pl.col("galat").is_null() & ada
    # a pair (or an old name's extent) without a point: the kecamatan or the place name decides
    several = pl.col("m_cakupan").list.len() > 1
    todo = out.select((need & found & ~sea & several).fill_null(False)).to_series()
    out = out.hstack(_decide_pairs(todo, names, provinces, _text(frame, "kecamatan"), _text(frame, "lokasi"),
                                   table, index))

    decided = pl.col("d_kab").is_not_null()
    ambiguous = need & found & ~sea & ~decided & (pl.col("m_pilihan").list.len() > 1)
    agree = kab.is_not_null() & found & pl.col("m_cakupan").list.contains(kab)
    differs = kab.is_not_null() & found & ~agree
    problem = pl.col("m_masalah").is_not_null()
    doubtful = pl.col("m_ragu") | problem
    confirm = differs | (agree & (pl.col("m_masalah") == "jenis")) | (need & found & doubtful) | ambiguous
    unknown = need & ~found & ~sea

    def label(code: pl.Expr) -> pl.Expr:
        return code.replace_strict(index.kab_names, default=code, return_dtype=pl.String)

    return out.with_columns(
        perlu_konfirmasi=pl.col("perlu_konfirmasi") | confirm.fill_null(False),
        catatan=pl.concat_str([
            pl.col("catatan"),
            pl.when((need & found) | (agree & problem)).then(pl.col("m_catatan")),
            pl.when(differs).then(pl.format(
                "nama menyebut {} ({}), titik/kode menyebut {} ({}); ", pl.col("m_pilihan").list.join("/"),
                pl.col("m_pilihan").list.eval(label(pl.element())).list.join("/"), kab, label(kab))),
            pl.when(ambiguous).then(pl.col("m_ambigu")),
        ], ignore_nulls=True),
        galat=pl.when(unknown).then(pl.lit("nama kabupaten/kota tidak dikenal: ") + names)
        .otherwise(pl.col("galat")),
        galat_kolom=pl.when(unknown).then(pl.lit("kabupaten_kota")).otherwise(pl.col("galat_kolom")),
        kode_kab=pl.when(need & found).then(pl.coalesce("d_kab", kode)).otherwise(kab),
        kode_kec=pl.when(need & found & pl.col("d_kec").is_not_null()).then(pl.col("d_kec"))
        .otherwise(pl.col("kode_kec")),
        cara=pl.when(need & found).then(pl.lit("nama")).otherwise(pl.col("cara")),
        _cakupan=pl.when(need & found).then(pl.col("m_cakupan")),
    ).drop(*[c for c in _MATCH_SCHEMA if c.startswith("m_")], "d_kab", "d_kec", "_ada")


def _decide_pairs(todo: pl.Series, names, provinces, kecamatan, places, table: pl.DataFrame,
                  index: RegionIndex) -> pl.DataFrame:
    """Per row, the region (and kecamatan) that the kecamatan or place name picks among a name's
    candidates (``d_kab``, ``d_kec``; null where nothing decides). Once per unique combination."""
    rows = pl.DataFrame({"nama": names, "prov": provinces, "kec": kecamatan, "lokasi": places})
    keys = rows.filter(todo & ((kecamatan != "") | (places != ""))).unique()
    schema = {"d_kab": pl.String, "d_kec": pl.String}
    if keys.is_empty():
        return pl.DataFrame({name: pl.repeat(None, len(rows), dtype=dtype, eager=True)
                             for name, dtype in schema.items()})
    extent = {(r[0], r[1]): r[2] for r in table.select("nama", "prov", "m_cakupan").iter_rows()}
    decided = [(nama, prov, kec, lokasi,
                *_decide(extent[(nama, prov)], kec, lokasi, normalise_name(nama)[0], index))
               for nama, prov, kec, lokasi in keys.iter_rows()]
    table = pl.DataFrame(decided, orient="row", schema={**dict.fromkeys(rows.columns, pl.String), **schema})
    at = todo.arg_true()
    joined = rows.filter(todo).join(table, on=list(rows.columns), how="left", maintain_order="left")
    return pl.DataFrame({name: pl.repeat(None, len(rows), dtype=dtype, eager=True).scatter(at, joined[name])
                         for name, dtype in schema.items()})


def _decide(extent, kecamatan: str, place: str, kab_norm: str, index: RegionIndex) -> tuple:
    """(kab, kec) when exactly one region of ``extent`` has a kecamatan of that name, else (None, None).

    The kecamatan column may match approximately; a place name only exactly, and never when it is
    the kabupaten/kota name itself ("Bandung" says nothing about Kabupaten or Kota Bandung).
    """
    for raw, exact_only in ((kecamatan, False), (place, True)):
        norm = normalise_name(raw)[0] if raw else ""
        if not norm or (exact_only and norm == kab_norm):
            continue
        hits = _kecamatan_hits(norm, extent, index, exact_only)
        parents = {h[:5] for h in hits}
        if len(parents) == 1:
            return parents.pop(), hits[0] if len(hits) == 1 else None
    return None, None


def _kecamatan_hits(norm: str, parents, index: RegionIndex, exact_only: bool) -> list[str]:
    """Codes of the kecamatan in ``parents`` whose name matches best (exact, or fuzz.ratio ≥ KEC_SCORE)."""
    codes, norms, compacts = [], [], []
    for parent in parents:
        kec_codes, kec_norms, kec_compacts = index.kec_by_parent.get(parent, ([], [], []))
        codes += kec_codes
        norms += kec_norms
        compacts += kec_compacts
    norm = _KEC_PREFIX.sub("", norm)
    compact = _compact(norm)
    exact = [c for c, n, k in zip(codes, norms, compacts) if n == norm or k == compact]
    if exact or exact_only:
        return exact
    best = process.extract(norm, norms, scorer=fuzz.ratio, limit=6, score_cutoff=KEC_SCORE)
    return [codes[b[2]] for b in best if b[1] == best[0][1]] if best else []


def _at_sea(out, locator, index):
    """Points far from land: kept, in the region their code or name gives (the nearest of a name's
    candidates), status ``laut``; asked about beyond :data:`SEA_KM`; rejected without a region."""
    if "_cakupan" not in out.columns:
        out = out.with_columns(_cakupan=pl.lit(None, dtype=pl.List(pl.String)))
    todo = out.select(pl.col("_laut") & pl.col("kode_kab").is_not_null() & pl.col("galat").is_null())
    todo = todo.to_series()
    if todo.any():
        out = _nearest_at_sea(out, todo, locator, index)
    lost = pl.col("_laut") & pl.col("kode_kab").is_null() & pl.col("galat").is_null()
    return out.with_columns(
        galat=pl.when(lost).then(pl.lit("titik di laut jauh dari daratan (jauh_dari_daratan) dan tanpa kode "
                                        "atau nama kabupaten/kota yang dikenali")).otherwise(pl.col("galat")),
        galat_kolom=pl.when(lost).then(pl.lit("lintang")).otherwise(pl.col("galat_kolom")),
    ).drop("_laut", "_cakupan")


def _nearest_at_sea(out, todo: pl.Series, locator, index):
    """For the rows in ``todo``: the candidate region nearest to the point, its distance, status laut."""
    candidates = out.select(_i=pl.int_range(pl.len()),
                            kode=pl.coalesce("_cakupan", pl.concat_list("kode_kab")))
    pairs = candidates.filter(todo).explode("kode")
    km = _distance_km(locator, pairs["kode"], out["lon"].gather(pairs["_i"]), out["lat"].gather(pairs["_i"]))
    nearest = (pairs.with_columns(km=pl.Series(km).fill_nan(None))
               .sort("_i", "km", "kode", nulls_last=True).unique("_i", keep="first", maintain_order=True))
    rows = todo.arg_true()
    km = pl.repeat(None, len(out), dtype=pl.Float64, eager=True).scatter(rows, nearest["km"])
    code = pl.repeat(None, len(out), dtype=pl.String, eager=True).scatter(rows, nearest["kode"])
    far = (km > SEA_KM).fill_null(False)
    distance = pl.when(km.is_not_null()).then(pl.format(" {} km", km.round(1))).otherwise(pl.lit(""))
    return out.with_columns(
        kode_kab=pl.when(todo).then(code).otherwise(pl.col("kode_kab")),
        status_lokasi=pl.when(todo).then(pl.lit("laut")).otherwise(pl.col("status_lokasi")),
        perlu_konfirmasi=pl.col("perlu_konfirmasi") | far,
        catatan=pl.concat_str([
            pl.col("catatan"),
            pl.when(todo).then(pl.format("titik di laut{} dari {}; ", distance,
                                         code.replace_strict(index.kab_names, default=code))),
            pl.when(far).then(pl.lit("lebih jauh dari 12 mil laut, periksa titik atau nama wilayah; ")),
        ], ignore_nulls=True),
    )


def _distance_km(locator, codes: pl.Series, lon: pl.Series, lat: pl.Series) -> np.ndarray:
    """Distance (km) from each point to the kabupaten beside it; NaN when unknown. Computed once per
    unique (kabupaten, point): exports repeat the coordinates of a place for every event there."""
    geoms, grids = getattr(locator, "geoms", {}).get("kab"), getattr(locator, "grids", {}).get("kab")
    if geoms is None or grids is None:
        return np.full(len(codes), np.nan)
    position = pl.DataFrame({"kode": list(grids.codes), "g": pl.int_range(len(grids.codes), eager=True)})
    pairs = pl.DataFrame({"kode": codes, "lon": lon, "lat": lat})
    unique = pairs.unique(maintain_order=True).join(position, on="kode", how="left", maintain_order="left")
    known = unique["g"].is_not_null().to_numpy()
    km = np.full(len(unique), np.nan)
    points = shapely.points(unique["lon"].to_numpy()[known], unique["lat"].to_numpy()[known])
    km[known] = shapely.distance(geoms[unique["g"].to_numpy()[known]], points) * KM_PER_DEGREE
    back = pairs.join(unique.with_columns(km=pl.Series(km)), on=["kode", "lon", "lat"], how="left",
                      maintain_order="left")
    return back["km"].to_numpy()


def _kecamatan_from_names(frame, index, out):
    names = _text(frame, "kecamatan")
    todo = out.select((names != "") & pl.col("kode_kec").is_null() & pl.col("kode_kab").is_not_null())
    todo = todo.to_series()
    if not todo.any():
        return out
    keys = pl.DataFrame({"kab": out["kode_kab"], "nama": names}).filter(todo).unique()
    found = []
    for kab, nama in keys.iter_rows():
        hits = _kecamatan_hits(normalise_name(nama)[0], [kab], index, exact_only=False)
        code = hits[0] if len(hits) == 1 else None
        found.append((kab, nama, code, None if code else f"kecamatan '{nama}' tidak ditemukan di {kab}; "))
    table = pl.DataFrame(found, orient="row", schema={"kab": pl.String, "nama": pl.String, "kec": pl.String,
                                                      "catatan_kec": pl.String})
    m = pl.DataFrame({"kab": out["kode_kab"], "nama": names, "todo": todo}).join(
        table, on=["kab", "nama"], how="left", maintain_order="left")
    return out.with_columns(
        kode_kec=pl.when(m["todo"] & m["kec"].is_not_null()).then(m["kec"]).otherwise(pl.col("kode_kec")),
        catatan=pl.concat_str([pl.col("catatan"), pl.when(m["todo"]).then(m["catatan_kec"])],
                              ignore_nulls=True),
    )
