"""Cached data for pages. Caches are keyed by small, explicit arguments — region scope and
clearance included — never by anything read from session state inside the function."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.boundaries import load_regions
from geo.web import load_display
from maps.choropleth import display_geojson
from pages.components.context import cursor, data_key, db_file
from store.batches import synthetic_loaded
from store.incidents import IncidentFilter, Scope, aggregate_by_period, aggregate_by_region, query_incidents
from store.regions import kab_in_scope as store_kab_in_scope
from store.regions import region_table
from store.vocab import vocab_names


@st.cache_resource(show_spinner=False)
def regions(level: str) -> gpd.GeoDataFrame:
    """Installed regions of a level with full geometry (shared, read-only)."""
    return load_regions(level)


def region_list(level: str) -> pd.DataFrame:
    """Regions without geometry, from the database."""
    return _region_list(db_file(), level)


@st.cache_data(show_spinner=False, max_entries=8)
def _region_list(db: str, level: str) -> pd.DataFrame:
    return region_table(cursor(), level)


def kab_in_scope(region: str | None) -> pd.DataFrame:
    """Kabupaten/kota inside a region with their number of kecamatan (cached)."""
    return _kab_in_scope(db_file(), region)


@st.cache_data(show_spinner=False, max_entries=64)
def _kab_in_scope(db: str, region: str | None) -> pd.DataFrame:
    return store_kab_in_scope(cursor(), region)


@st.cache_resource(show_spinner=False, max_entries=64)
def display_features(layer: str, detail: str, prefix: str | None = None) -> tuple[dict, tuple]:
    """Geometry-only GeoJSON of a display copy, optionally for codes starting with ``prefix``,
    and its bounds ``((south, west), (north, east))``."""
    frame = load_display(layer, detail)
    if prefix:
        frame = frame.loc[frame["kode"].str.startswith(prefix + ".")]
    minx, miny, maxx, maxy = frame.total_bounds
    return display_geojson(frame), ((miny, minx), (maxy, maxx))


def aggregate(level: str, flt: IncidentFilter, scope: Scope, *, by_kategori: bool = False) -> pd.DataFrame:
    """Per-region counts for a filter inside a scope (cached per database file; filter and scope
    are frozen dataclasses, so they are the cache key)."""
    return _aggregate(data_key(), level, flt, scope, by_kategori)


@st.cache_data(show_spinner=False, ttl=60, max_entries=256)
def _aggregate(db: str, level: str, flt: IncidentFilter, scope: Scope, by_kategori: bool) -> pd.DataFrame:
    return aggregate_by_region(cursor(), flt, scope, level=level, by_kategori=by_kategori)


def period_counts(flt: IncidentFilter, scope: Scope, period: str = "triwulan") -> pd.DataFrame:
    """Per kabupaten/kota and triwulan (or month) inside a scope, in one pass (cached)."""
    return _period_counts(data_key(), flt, scope, period)


@st.cache_data(show_spinner=False, ttl=60, max_entries=64)
def _period_counts(db: str, flt: IncidentFilter, scope: Scope, period: str) -> pd.DataFrame:
    return aggregate_by_period(cursor(), flt, scope, period=period)


def incidents(flt: IncidentFilter, scope: Scope, *, limit: int | None = None) -> pd.DataFrame:
    """Incidents for a filter inside a scope, text redacted above the clearance (cached)."""
    return _incidents(data_key(), flt, scope, limit)


@st.cache_data(show_spinner=False, ttl=60, max_entries=64)
def _incidents(db: str, flt: IncidentFilter, scope: Scope, limit: int | None) -> pd.DataFrame:
    return query_incidents(cursor(), flt, scope, limit=limit)


def demo_loaded() -> bool:
    """Whether synthetic demo data is in the database."""
    return _demo_loaded(data_key())


@st.cache_data(show_spinner=False, ttl=30)
def _demo_loaded(db: str) -> bool:
    return synthetic_loaded(cursor())


def vocab(daftar: str) -> dict[str, str]:
    """``{kode: nama}`` of a controlled vocabulary."""
    return _vocab(db_file(), daftar)


@st.cache_data(show_spinner=False, ttl=300)
def _vocab(db: str, daftar: str) -> dict[str, str]:
    return vocab_names(cursor(), daftar)


def election_context(kode: str) -> str:
    """One line of election facts and official indices (with data dates) for a kabupaten/kota."""
    return _election_context(db_file(), kode)


@st.cache_data(show_spinner=False, ttl=300)
def _election_context(db: str, kode: str) -> str:
    from store.election_context import load_context, stale
    from store.elections import elections

    names = elections(cursor())
    if not names:
        return ""
    frame = load_context(cursor(), names[0], kode)
    if frame.empty:
        return ""
    row = frame.iloc[0]
    parts = [f"{names[0]}: {row['catatan']}" if row["catatan"] else names[0]]
    if pd.notna(row["ikp"]):
        old = " — data lebih dari setahun" if stale(row["ikp_tanggal"]) else ""
        parts.append(f"IKP Bawaslu {row['ikp']:.1f} (data {pd.Timestamp(row['ikp_tanggal']):%d/%m/%Y}{old})")
    if row["ipkp"]:
        parts.append(f"IPKP Polri {row['ipkp']} (data {pd.Timestamp(row['ipkp_tanggal']):%d/%m/%Y})")
    return " · ".join(parts)


def election_context_table(region: str | None) -> pd.DataFrame:
    """Context rows (IKP, IPKP, candidate pairs…) of the latest election within ``region``."""
    return _election_context_table(db_file(), region)


@st.cache_data(show_spinner=False, ttl=300)
def _election_context_table(db: str, region: str | None) -> pd.DataFrame:
    from store.election_context import load_context
    from store.elections import elections

    names = elections(cursor())
    return load_context(cursor(), names[0], region) if names else pd.DataFrame(columns=["kode", "ikp"])


def indicator_catalogue() -> pd.DataFrame:
    """Imported area indicators with their data dates."""
    return _indicator_catalogue(db_file())


@st.cache_data(show_spinner=False, ttl=60)
def _indicator_catalogue(db: str) -> pd.DataFrame:
    from store.indicators import indicator_catalogue as catalogue

    return catalogue(cursor())


def indicator_table(names: tuple[str, ...]) -> pd.DataFrame:
    """``kode`` plus one column per requested area indicator."""
    return _indicator_table(db_file(), names)


@st.cache_data(show_spinner=False, ttl=60)
def _indicator_table(db: str, names: tuple[str, ...]) -> pd.DataFrame:
    from store.indicators import indicator_table as table

    return table(cursor(), list(names))
