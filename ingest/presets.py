"""Column presets: SIGAP's own template, ACLED exports, UCDP GED CSV — all onto canonical fields."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

__all__ = ["CANONICAL", "PRESETS", "Preset", "apply_preset", "detect_preset"]

#: Canonical import fields (SIGAP template headers) and what they mean to the user.
CANONICAL = {
    "tanggal": "tanggal mulai kejadian", "tanggal_selesai": "tanggal selesai (opsional)",
    "provinsi": "nama provinsi", "kabupaten_kota": "nama kabupaten/kota", "kode_kab": "kode Kemendagri kab/kota",
    "kecamatan": "nama kecamatan", "kode_kec": "kode Kemendagri kecamatan",
    "lokasi": "nama tempat (desa/kelurahan/kampung), membantu menentukan wilayah",
    "lintang": "lintang (desimal)", "bujur": "bujur (desimal)", "presisi_lokasi": "1 titik … 4 provinsi",
    "kategori": "kode kategori (POL, SARA, …)", "subkategori": "subkategori", "bentuk": "kode bentuk",
    "sifat": "potensi / gejala / kejadian", "bidang": "ideologi … hankam", "athg": "A / T / H / G",
    "eskalasi": "0–5", "tewas": "jumlah", "luka": "jumlah", "pengungsi": "jumlah",
    "aktor_1": "aktor pertama", "aktor_2": "aktor kedua", "judul": "judul singkat", "kronologi": "kronologi",
    "sumber": "sumber informasi", "status_penanganan": "status penanganan", "klasifikasi": "Biasa/Terbatas/Rahasia",
    "id_sumber": "nomor laporan di sistem asal",
}

# ACLED sub-event type → (kategori, bentuk, eskalasi). Topic is unknown to ACLED's event types:
# protests default to governance (PEM) and violence to public order (KAM); analysts reclassify.
_ACLED = {
    "peaceful protest": ("PEM", "UR_DAMAI", 2),
    "protest with intervention": ("PEM", "UR_BENTROK", 3),
    "excessive force against protesters": ("KAM", "UR_BENTROK", 4),
    "violent demonstration": ("PEM", "UR_BENTROK", 3),
    "mob violence": ("KAM", "AMUK_MASSA", 4),
    "armed clash": ("KAM", "BENTROK", 4),
    "government regains territory": ("IDE", "BENTROK", 4),
    "non-state actor overtakes territory": ("IDE", "BENTROK", 4),
    "attack": ("KAM", "SERANG", 4),
    "abduction/forced disappearance": ("KAM", "CULIK", 4),
    "sexual violence": ("KAM", "SERANG", 4),
    "remote explosive/landmine/ied": ("IDE", "TEROR", 4),
    "suicide bomb": ("IDE", "TEROR", 4),
    "grenade": ("IDE", "TEROR", 4),
    "looting/property destruction": ("KAM", "RUSAK", 3),
    "arrests": ("PEM", "KETEGANGAN", 2),
    "change to group/activity": ("LAIN", "KETEGANGAN", 1),
    "other": ("LAIN", "KETEGANGAN", 1),
}
_UCDP = {"1": ("IDE", "BENTROK", 4), "2": ("KAM", "BENTROK", 4), "3": ("KAM", "SERANG", 4)}
# ACLED geo_precision / UCDP where_prec → SIGAP presisi_lokasi
_ACLED_PRECISION = {"1": "1", "2": "2", "3": "3"}
_UCDP_PRECISION = {"1": "1", "2": "2", "3": "3", "4": "3", "5": "4", "6": "4", "7": "4"}


@dataclass(frozen=True)
class Preset:
    """How one source's columns become canonical fields."""

    name: str
    label: str
    columns: dict[str, str]                   # source column (normalised) → canonical field
    source: str                               # value of incidents.sumber
    signature: frozenset = field(default_factory=frozenset)  # columns that identify the format


PRESETS = {
    "sigap": Preset("sigap", "Templat SIGAP", {c: c for c in CANONICAL}, "sigap",
                    frozenset({"tanggal", "kategori", "judul"})),
    "acled": Preset("acled", "Ekspor ACLED", {
        "event_id_cnty": "id_sumber", "event_date": "tanggal", "admin1": "provinsi", "admin2": "kabupaten_kota",
        "admin3": "kecamatan", "location": "lokasi", "latitude": "lintang", "longitude": "bujur",
        "geo_precision": "presisi_lokasi",
        "actor1": "aktor_1", "actor2": "aktor_2", "notes": "kronologi", "fatalities": "tewas", "source": "sumber",
    }, "acled", frozenset({"event_id_cnty", "event_date", "sub_event_type"})),
    "ucdp": Preset("ucdp", "UCDP GED (CSV)", {
        "id": "id_sumber", "date_start": "tanggal", "date_end": "tanggal_selesai", "adm_1": "provinsi",
        "adm_2": "kabupaten_kota", "latitude": "lintang", "longitude": "bujur", "where_prec": "presisi_lokasi",
        "best": "tewas", "side_a": "aktor_1", "side_b": "aktor_2", "source_article": "sumber",
    }, "ucdp", frozenset({"type_of_violence", "date_start", "best"})),
}


def known_columns() -> set[str]:
    """Every source column any preset knows (used to find the header row)."""
    return {c for p in PRESETS.values() for c in p.columns} | {"sub_event_type", "event_type", "type_of_violence",
                                                               "location", "where_description", "dyad_name"}


def detect_preset(columns) -> str | None:
    """The preset whose signature columns are all present, or None."""
    present = set(columns)
    for name, preset in PRESETS.items():
        if preset.signature <= present:
            return name
    return None


def apply_preset(raw: pl.DataFrame, preset: str, mapping: dict[str, str] | None = None) -> pl.DataFrame:
    """Canonical frame (every field of :data:`CANONICAL`, as text) from a raw table.

    ``mapping`` (source column → canonical field) overrides the preset, for saved user mappings.
    """
    if preset not in PRESETS:
        raise ValueError(f"preset tidak dikenal: {preset!r} (pilihan: {', '.join(PRESETS)})")
    columns = dict(PRESETS[preset].columns) if mapping is None else dict(mapping)
    source = {dst: src for src, dst in columns.items() if src in raw.columns and dst in CANONICAL}
    base = {field: pl.col(source[field]) if field in source else pl.lit("") for field in CANONICAL}
    derived = _DERIVED.get(preset, lambda raw, base: {})(raw, base)
    return raw.select(derived.get(field, base[field]).cast(pl.String).alias(field) for field in CANONICAL)


def _text(raw: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in raw.columns else pl.lit("")


def _from_event_type(kind: pl.Expr, table: dict, default_kategori) -> dict[str, pl.Expr]:
    """kategori, bentuk, eskalasi looked up from a source's event type."""
    def pick(i, default):
        return kind.replace_strict({k: str(v[i]) for k, v in table.items()}, default=default, return_dtype=pl.String)
    return {"kategori": pick(0, default_kategori), "bentuk": pick(1, pl.lit("")), "eskalasi": pick(2, pl.lit(""))}


def _acled(raw: pl.DataFrame, base: dict) -> dict[str, pl.Expr]:
    sub = _text(raw, "sub_event_type")
    return {**_from_event_type(sub.str.strip_chars().str.to_lowercase(), _ACLED, pl.lit("LAIN")),
            "sifat": pl.lit("kejadian"), "subkategori": sub,
            "judul": pl.concat_str([sub, pl.lit(" — "), _text(raw, "location")]),
            "presisi_lokasi": base["presisi_lokasi"].replace_strict(_ACLED_PRECISION, default="")}


def _ucdp(raw: pl.DataFrame, base: dict) -> dict[str, pl.Expr]:
    # an unknown type_of_violence leaves kategori empty: validation then asks the user for one
    name = _text(raw, "dyad_name") if "dyad_name" in raw.columns else _text(raw, "conflict_name")
    return {**_from_event_type(_text(raw, "type_of_violence").str.strip_chars(), _UCDP, pl.lit("")),
            "sifat": pl.lit("kejadian"),
            "judul": pl.concat_str([name, pl.lit(" — "), _text(raw, "where_description")]),
            "presisi_lokasi": base["presisi_lokasi"].replace_strict(_UCDP_PRECISION, default="")}


_DERIVED = {"acled": _acled, "ucdp": _ucdp}
