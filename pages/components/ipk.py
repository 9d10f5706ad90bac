"""IPK for a triwulan inside a scope, from cached aggregates (shared by Indeks and Ruang Pimpinan)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from analysis.ipk import CLASSES, IPKResult, build_indicators, compute_ipk
from analysis.profile import Profile
from analysis.triwulan import quarter_bounds, quarter_label
from maps.choropleth import ChoroplethLayer
from pages.components import data

_CLASS_COLOUR = {"Rendah": 1, "Sedang": 3, "Tinggi": 5}  # light, middle and dark of the palette


def previous_quarter(label: str) -> str:
    """The triwulan before ``label``."""
    return quarter_label(quarter_bounds(label)[0] - timedelta(days=1))


def regions_in_scope(region: str | None) -> pd.DataFrame:
    """Kabupaten/kota the user may see, with their number of kecamatan."""
    kab = data.region_list("kab")
    kec = data.region_list("kec")
    if region:
        kab = kab.loc[kab["kode"].str.startswith(region)]
    return kab.assign(jumlah_kec=kab["kode"].map(kec.groupby("kode_induk").size()).fillna(1)).reset_index(drop=True)


def ipk_for_quarter(region: str | None, clearance: str, label: str, profile: Profile,
                    area: pd.DataFrame | None = None) -> tuple[pd.DataFrame, IPKResult]:
    """The indicator table and the scores of every kabupaten/kota in scope for triwulan ``label``;
    ``area`` (``kode`` + indicator columns, e.g. ``ikp``) adds imported area indicators."""
    start, end = quarter_bounds(label)
    prev_start, prev_end = quarter_bounds(previous_quarter(label))
    kab = regions_in_scope(region)
    current = data.aggregate("kab", region, clearance, start, end, None, None, (), ())
    previous = data.aggregate("kab", region, clearance, prev_start, prev_end, None, None, (), ())
    per_kec = data.aggregate("kec", region, clearance, start, end, None, None, (), ())
    table = build_indicators(current, previous, per_kec, kab)
    if area is not None:
        table = table.merge(area.drop(columns=[c for c in area.columns if c in table.columns and c != "kode"]),
                            on="kode", how="left")
    return table.assign(nama=kab["nama"]), compute_ipk(table, profile)


def ipk_layer(scores: pd.DataFrame, label: str, names: tuple[str, str, str] = CLASSES) -> ChoroplethLayer:
    """A choropleth layer of IPK classes (``names`` relabels Rendah/Sedang/Tinggi, e.g. Polri's)."""
    return ChoroplethLayer(
        frame=pd.DataFrame({"kode": scores["kode"], "nilai": scores["ipk"],
                            "kelas_idx": scores["kelas"].map(_CLASS_COLOUR)}),
        labels=("", names[0], "", names[1], "", names[2]), title=f"IPK {label}")
