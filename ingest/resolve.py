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
from rapidfuzz import fuzz, process

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


def resolve_regions(frame: pd.DataFrame, lat: pd.Series, lon: pd.Series, index: RegionIndex,
                    locator, swapped: pd.Series | None = None) -> pd.DataFrame:
    """Resolve every row; returns columns ``kode_prov, kode_kab, kode_kec, lat, lon, status_lokasi,
    cara, catatan, perlu_konfirmasi, galat, galat_kolom``."""
    n = len(frame)
    out = pd.DataFrame({
        "kode_prov": None, "kode_kab": None, "kode_kec": None, "lat": lat.to_numpy(float), "lon": lon.to_numpy(float),
        "status_lokasi": None, "cara": None, "catatan": "", "perlu_konfirmasi": False, "galat": None,
        "galat_kolom": None}, index=frame.index)
    if swapped is not None:
        out.loc[swapped.astype(bool), "catatan"] += "lintang dan bujur tertukar, sudah ditukar; "
    _from_codes(frame, index, out)
    _from_points(index, locator, out)
    _from_names(frame, index, out)
    _kecamatan_from_names(frame, index, out)
    out["kode_prov"] = out["kode_kab"].str[:2]
    missing = out["kode_kab"].isna() & out["galat"].isna()
    out.loc[missing, "galat"] = "wilayah tidak dapat ditentukan: isi kode_kab, koordinat, atau nama kabupaten/kota"
    out.loc[missing, "galat_kolom"] = "kabupaten_kota"
    assert len(out) == n
    return out


def _from_codes(frame, index, out):
    kab_codes, kec_codes = set(index.kab["kode"]), set(index.kec["kode"])
    kab = frame["kode_kab"].str.strip()
    kec = frame["kode_kec"].str.strip()
    good_kab = kab.isin(kab_codes)
    bad_kab = (kab != "") & ~good_kab
    out.loc[good_kab, "kode_kab"] = kab[good_kab]
    out.loc[good_kab, "cara"] = "kode"
    out.loc[bad_kab, "galat"] = "kode_kab tidak dikenal (format 63.72, lihat daftar wilayah)"
    out.loc[bad_kab, "galat_kolom"] = "kode_kab"
    good_kec = kec.isin(kec_codes) & ((kab == "") | (kec.str[:5] == kab))
    out.loc[good_kec, "kode_kec"] = kec[good_kec]
    out.loc[good_kec & (kab == ""), "kode_kab"] = kec[good_kec & (kab == "")].str[:5]
    out.loc[good_kec & (kab == ""), "cara"] = "kode"


def _from_points(index, locator, out):
    has_point = out["lat"].notna() & out["lon"].notna()
    if not has_point.any():
        return
    lat, lon = out["lat"].to_numpy(), out["lon"].to_numpy()
    lat2, lon2 = lat, lon
    idx = np.flatnonzero(has_point.to_numpy())
    found = locator.locate(lon2[idx], lat2[idx])
    status = pd.Series(found.status, index=out.index[idx])
    ok = ~status.str.startswith("rejected:")
    rows_ok, rows_bad = out.index[idx][ok.to_numpy()], out.index[idx][~ok.to_numpy()]
    point_kab = pd.Series(found.kode_kab, index=out.index[idx])
    point_kec = pd.Series(found.kode_kec, index=out.index[idx])
    out.loc[rows_bad, "galat"] = "titik di luar wilayah Indonesia (" + status[~ok].str.split(":").str[1] + ")"
    out.loc[rows_bad, "galat_kolom"] = "lintang"
    out.loc[rows_ok, "status_lokasi"] = status[ok]
    out.loc[rows_ok[(status[ok] == "coast").to_numpy()], "catatan"] += "titik di laut dekat pantai, ke wilayah terdekat; "
    # explicit codes win; a point inside another kabupaten than the code is a disagreement to confirm
    coded = out.loc[rows_ok, "kode_kab"].notna()
    clash = rows_ok[coded.to_numpy() & (out.loc[rows_ok, "kode_kab"] != point_kab[rows_ok]).to_numpy()]
    out.loc[clash, "perlu_konfirmasi"] = True
    out.loc[clash, "catatan"] += "titik berada di " + point_kab[clash].astype(str) + ", kode menyebut " + \
        out.loc[clash, "kode_kab"].astype(str) + "; "
    free = rows_ok[~coded.to_numpy()]
    out.loc[free, "kode_kab"] = point_kab[free]
    out.loc[free, "cara"] = "koordinat"
    same = free.union(rows_ok[coded.to_numpy()].difference(clash))
    no_kec = out.loc[same, "kode_kec"].isna()
    out.loc[same[no_kec.to_numpy()], "kode_kec"] = point_kec[same[no_kec.to_numpy()]]


def _match_provinces(names: pd.Series, index) -> pd.Series:
    uniq = [u for u in names.unique() if u]
    found = {}
    for raw in uniq:
        norm = normalise_name(raw)[0].replace("daerah khusus ibukota ", "").replace("dki ", "")
        best = process.extractOne(norm, index.prov["norm"].tolist(), scorer=fuzz.WRatio)
        if best and best[1] >= 85:
            found[raw] = index.prov["kode"].iloc[best[2]]
    return names.map(found)


def _from_names(frame, index, out):
    names = frame["kabupaten_kota"].str.strip()
    has_name = names != ""
    if not has_name.any():
        return
    prov = _match_provinces(frame["provinsi"].str.strip(), index)
    keys = pd.DataFrame({"nama": names, "prov": prov.fillna("")})[has_name]
    results = {}
    for nama, kode_prov in keys.drop_duplicates().itertuples(index=False):
        results[(nama, kode_prov)] = _match_kab(nama, kode_prov, index)
    matched = keys.apply(lambda r: results[(r["nama"], r["prov"])], axis=1, result_type="expand")
    matched.columns = ["kode", "skor", "catatan", "ragu"]
    need = out.loc[matched.index, "kode_kab"].isna() & out.loc[matched.index, "galat"].isna()
    rows = matched.index[need.to_numpy()]
    found = matched.loc[rows, "kode"].notna()
    ok_rows = rows[found.to_numpy()]
    out.loc[ok_rows, "kode_kab"] = matched.loc[ok_rows, "kode"]
    out.loc[ok_rows, "cara"] = "nama"
    out.loc[ok_rows, "perlu_konfirmasi"] |= matched.loc[ok_rows, "ragu"].astype(bool)
    out.loc[ok_rows, "catatan"] += matched.loc[ok_rows, "catatan"]
    bad = rows[~found.to_numpy()]
    out.loc[bad, "galat"] = "nama kabupaten/kota tidak dikenal: " + names[bad]
    out.loc[bad, "galat_kolom"] = "kabupaten_kota"
    # name given next to a point or code that says otherwise: ask the user
    other = matched.index[~need.to_numpy()]
    differs = other[(matched.loc[other, "kode"].notna() & (matched.loc[other, "kode"] != out.loc[other, "kode_kab"])
                     & out.loc[other, "kode_kab"].notna()).to_numpy()]
    out.loc[differs, "perlu_konfirmasi"] = True
    out.loc[differs, "catatan"] += "nama menyebut " + matched.loc[differs, "kode"].astype(str) + \
        ", titik/kode menyebut " + out.loc[differs, "kode_kab"].astype(str) + "; "


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
    names = frame["kecamatan"].str.strip()
    todo = (names != "") & out["kode_kec"].isna() & out["kode_kab"].notna()
    for (kab, nama), rows in out[todo].groupby([out.loc[todo, "kode_kab"], names[todo]]).groups.items():
        pool = index.kec.loc[index.kec["kode_induk"] == kab]
        if pool.empty:
            continue
        best = process.extractOne(normalise_name(nama)[0], pool["norm"].tolist(), scorer=fuzz.WRatio)
        if best and best[1] >= 90:
            out.loc[rows, "kode_kec"] = pool["kode"].iloc[best[2]]
        else:
            out.loc[rows, "catatan"] += f"kecamatan '{nama}' tidak ditemukan di {kab}; "
