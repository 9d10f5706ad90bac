"""The installed Kemendagri boundaries: what is installed, and the cleaned regions of a level.

Installing them (fetch, verify, clean, write) is :mod:`geo.install`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from settings import boundary_dir

__all__ = ["CODE_VERSION", "EXPECTED_COUNTS", "LEVELS", "UPSTREAM_COMMIT", "is_installed", "load_regions"]

UPSTREAM_COMMIT = "3c5a7960f4d227a38489094d84252bdbb3f978a5"
CODE_VERSION = "Kepmendagri 300.2.2-2138/2025"
LEVELS = ("prov", "kab", "kec")
EXPECTED_COUNTS = {"prov": 38, "kab": 514, "kec": 7285}
_COLUMNS = ["kode", "nama", "jenis", "kode_induk", "kode_prov", "luas_km2", "lat", "lon", "geometry"]


def is_installed(directory: Path | None = None) -> bool:
    """True when every level's GeoParquet and the manifest are present."""
    directory = Path(directory or boundary_dir())
    return (directory / "manifest.json").exists() and all(
        (directory / f"{level}.parquet").exists() for level in LEVELS
    )


def load_regions(level: str, directory: Path | None = None) -> gpd.GeoDataFrame:
    """The installed, cleaned regions of one level.

    Parameters
    ----------
    level : {"prov", "kab", "kec"}
    directory : Path, optional
        Boundary directory (default: ``$SIGAP_BOUNDARY_DIR`` or ``data/boundaries``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``kode, nama, jenis, kode_induk, kode_prov, luas_km2, lat, lon, geometry``
        (EPSG:4326), sorted by ``kode``.
    """
    if level not in LEVELS:
        raise ValueError(f"tingkat wilayah tidak dikenal: {level!r} (pilihan: {', '.join(LEVELS)})")
    directory = Path(directory or boundary_dir())
    path = directory / f"{level}.parquet"
    if not path.exists():
        raise FileNotFoundError(
            f"Batas wilayah belum terpasang ({path} tidak ada). Jalankan: python -m sigap boundaries install"
        )
    return gpd.read_parquet(path)
