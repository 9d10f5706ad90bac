"""IPK for a triwulan inside a scope, from cached counts (shared by Indeks and Ruang Pimpinan)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis.ipk import CLASS_INDEX, CLASSES, HonestRules, IPKResult, compute_quarter_ipk
from analysis.panel import shift_period
from analysis.profile import Profile
from analysis.triwulan import quarter_bounds
from maps.choropleth import ChoroplethLayer
from pages.components import data
from store.incidents import IncidentFilter, Scope


def regions_in_scope(region: str | None) -> pd.DataFrame:
    """Kabupaten/kota the user may see, with their number of kecamatan (cached)."""
    return data.kab_in_scope(region)


def ipk_for_quarter(region: str | None, clearance: str, label: str, profile: Profile,
                    area: pd.DataFrame | None = None, *, as_of: date | None = None,
                    rules: HonestRules = HonestRules()) -> tuple[pd.DataFrame, IPKResult]:
    """Every kabupaten/kota in scope (``kode, nama, jumlah`` = recorded incidents) and its IPK for
    triwulan ``label``, with class cut-offs from the reference window before it and a running
    triwulan compared pro rata (:func:`analysis.ipk.compute_quarter_ipk`); ``area`` (``kode`` +
    indicator columns, e.g. ``ikp``) adds imported area indicators."""
    kab = regions_in_scope(region)
    first, _ = quarter_bounds(shift_period(label, -(rules.window + 1)))
    _, last = quarter_bounds(label)
    panel = data.period_counts(IncidentFilter(first, last), Scope(region, clearance))
    result = compute_quarter_ipk(panel, kab, profile, label, as_of=as_of or date.today(), area=area, rules=rules)
    table = kab[["kode", "nama"]].assign(jumlah=result.scores["insiden"].to_numpy())
    return table, result


def ipk_layer(scores: pd.DataFrame, label: str, names: tuple[str, str, str] = CLASSES) -> ChoroplethLayer:
    """A choropleth layer of IPK classes (``names`` relabels Rendah/Sedang/Tinggi, e.g. Polri's)."""
    return ChoroplethLayer(
        frame=pd.DataFrame({"kode": scores["kode"], "nilai": scores["ipk"],
                            "kelas_idx": scores["kelas"].map(CLASS_INDEX)}),
        labels=("", names[0], "", names[1], "", names[2]), title=f"IPK {label}")
