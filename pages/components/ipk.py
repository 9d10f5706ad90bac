"""IPK for a triwulan inside a scope, from cached counts (shared by Indeks and Ruang Pimpinan)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from analysis.backtest import Evaluation, evaluate
from analysis.forecast import forecast_counts
from analysis.ipk import CLASS_INDEX, CLASSES, HonestRules, IPKResult, compute_quarter_ipk
from analysis.panel import shift_period
from analysis.profile import Profile
from analysis.reasons import plain_reasons
from analysis.triwulan import previous_quarter, quarter_bounds, quarter_label
from maps.choropleth import ChoroplethLayer
from pages.components import data
from pages.components.context import db_file
from store.incidents import IncidentFilter, Scope


def regions_in_scope(region: str | None) -> pd.DataFrame:
    """Kabupaten/kota the user may see, with their number of kecamatan (cached)."""
    return data.kab_in_scope(region)


def ipk_for_quarter(region: str | None, clearance: str, label: str, profile: Profile,
                    area: pd.DataFrame | None = None, *, as_of: date | None = None,
                    rules: HonestRules = HonestRules(), verified_only: bool = True) -> tuple[pd.DataFrame, IPKResult]:
    """Every kabupaten/kota in scope (``kode, nama, jumlah`` = recorded incidents) and its IPK for
    triwulan ``label``, with class cut-offs from the reference window before it and a running
    triwulan compared pro rata (:func:`analysis.ipk.compute_quarter_ipk`); ``area`` (``kode`` +
    indicator columns, e.g. ``ikp``) adds imported area indicators."""
    kab = regions_in_scope(region)
    first, _ = quarter_bounds(shift_period(label, -(rules.window + 1)))
    _, last = quarter_bounds(label)
    panel = data.period_counts(IncidentFilter(first, last, verified_only=verified_only), Scope(region, clearance))
    result = compute_quarter_ipk(panel, kab, profile, label, as_of=as_of or date.today(), area=area, rules=rules)
    # the reasons in words the briefing uses too: recorded counts, never projected values
    result = replace(result, reasons=plain_reasons(result, profile, panel, label, kab, data.vocab("eskalasi")))
    table = kab[["kode", "nama"]].assign(jumlah=result.scores["insiden"].to_numpy())
    return table, result


def ipk_layer(scores: pd.DataFrame, label: str, names: tuple[str, str, str] = CLASSES) -> ChoroplethLayer:
    """A choropleth layer of IPK classes (``names`` relabels Rendah/Sedang/Tinggi, e.g. Polri's)."""
    return ChoroplethLayer(
        frame=pd.DataFrame({"kode": scores["kode"], "nilai": scores["ipk"],
                            "kelas_idx": scores["kelas"].map(CLASS_INDEX)}),
        labels=("", names[0], "", names[1], "", names[2]), title=f"IPK {label}")


def last_complete_quarter(today: date | None = None) -> str:
    """The most recent triwulan that has ended."""
    return previous_quarter(quarter_label(today or date.today()))


def backtest(region: str | None, clearance: str, profiles: dict[str, Profile], *,
             verified_only: bool = True) -> Evaluation | None:
    """The back-test of the index (each profile side by side), its baselines and the forecast over
    every complete triwulan in scope; None when there is too little history (cached an hour).
    Counts verified incidents only unless ``verified_only`` is False (the analyst's switch), like
    the index beside it."""
    return _backtest(db_file(), region, clearance, tuple(profiles.items()), last_complete_quarter(), verified_only)


@st.cache_data(show_spinner=False, ttl=3600, max_entries=16)
def _backtest(db: str, region: str | None, clearance: str, profiles: tuple, last: str,
              verified_only: bool) -> Evaluation | None:
    kab = regions_in_scope(region)
    counts = data.period_counts(IncidentFilter(None, quarter_bounds(last)[1], verified_only=verified_only),
                                Scope(region, clearance))
    if counts.empty:
        return None
    chosen = dict(profiles)
    try:
        return evaluate(counts, kab, chosen if len(chosen) > 1 else next(iter(chosen.values())), last=last)
    except ValueError:  # fewer complete triwulan than the back-test needs
        return None


def next_quarter_forecast(region: str | None, clearance: str, *, verified_only: bool = True) -> pd.DataFrame:
    """Expected incidents per kabupaten/kota for the triwulan after the last complete one, with
    its interval and the last count (``kode, perkiraan, bawah, atas, terakhir``); cached an hour.
    Verified incidents only unless ``verified_only`` is False, as :func:`backtest`."""
    return _next_quarter_forecast(db_file(), region, clearance, last_complete_quarter(), verified_only)


@st.cache_data(show_spinner=False, ttl=3600, max_entries=16)
def _next_quarter_forecast(db: str, region: str | None, clearance: str, last: str,
                           verified_only: bool) -> pd.DataFrame:
    kab = regions_in_scope(region)
    counts = data.period_counts(IncidentFilter(None, quarter_bounds(last)[1], verified_only=verified_only),
                                Scope(region, clearance))
    frame = forecast_counts(counts[["kode", "triwulan", "jumlah"]], kab["kode"].tolist(), origin=last).frame
    latest = counts.loc[counts["triwulan"] == last].set_index("kode")["jumlah"]
    return frame.assign(terakhir=frame["kode"].map(latest).fillna(0))
