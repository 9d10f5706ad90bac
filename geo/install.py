"""Install the official Kemendagri boundaries.

``install_boundaries`` reads the upstream ``wilayah_boundaries`` files from a local folder or the
pinned upstream URLs, checks every file against the SHA-256 sums pinned in this repository,
parses, repairs and cleans them into nested coverages (:mod:`geo.clean`) and writes GeoParquet,
the locator grids (:mod:`geo.locate`), display copies (:mod:`geo.web`) and a cleaning report under
the boundary directory. Any missing file, checksum mismatch or unreadable region stops the
install before anything is written. Reading an installed copy is :mod:`geo.boundaries`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import locate, web
from geo.boundaries import _COLUMNS, CODE_VERSION, EXPECTED_COUNTS, LEVELS, UPSTREAM_COMMIT
from geo.clean import EQUAL_AREA_CRS, build_coverage, repair
from geo.locate import replace_folder
from geo.wilayah import WilayahParseError, parse_wilayah_sql, path_to_geometry
from settings import DEFAULT_BOUNDARY_SOURCE, boundary_dir

__all__ = ["BoundaryInstallError", "InstallResult", "install_boundaries", "pinned_sums"]

UPSTREAM_URL = f"https://raw.githubusercontent.com/cahyadsn/wilayah_boundaries/{UPSTREAM_COMMIT}/db"
_SUMS_FILE = Path(__file__).with_name("wilayah_sha256sums.txt")


class BoundaryInstallError(RuntimeError):
    """The boundary install stopped; the message names the file and, if known, the region."""


@dataclass(frozen=True)
class InstallResult:
    """What an install produced."""

    directory: Path
    counts: dict[str, int]
    report: dict
    seconds: float


def pinned_sums() -> dict[str, str]:
    """``{relative path: sha256}`` of every upstream file, as pinned in this repository."""
    sums = {}
    for line in _SUMS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip()] = digest
    return sums


def install_boundaries(source: str | Path | None = None, directory: Path | None = None,
                       log=print) -> InstallResult:
    """Fetch, verify, parse, clean and cache all three levels.

    Parameters
    ----------
    source : str or Path, optional
        A local folder laid out like upstream (``prov/``, ``kab/``, ``kec/``) or an ``http(s)``
        base URL; default: ``../shared/boundaries/wilayah_boundaries`` if it exists, else the
        pinned upstream URL.
    directory : Path, optional
        Where to write the installed copy.
    log : callable
        Receives progress lines (Bahasa Indonesia).

    Raises
    ------
    BoundaryInstallError
        Missing file, checksum mismatch, unreadable region or unexpected region count. Nothing
        is written in that case (the previous install, if any, stays as it was).
    """
    started = time.perf_counter()
    directory = Path(directory or boundary_dir())
    texts = _fetch_all(_default_source(source), log)
    raw = {level: _parse_level(level, texts) for level in LEVELS}
    log("Memperbaiki geometri dan menyusun cakupan tanpa tumpang tindih…")
    layers, report = _build_layers(raw)
    _write(layers, report, directory)
    seconds = time.perf_counter() - started
    counts = {level: len(frame) for level, frame in layers.items()}
    log(f"Selesai dalam {seconds:.0f} detik: {counts['prov']} provinsi, {counts['kab']} kabupaten/kota, "
        f"{counts['kec']} kecamatan.")
    return InstallResult(directory=directory, counts=counts, report=report, seconds=seconds)


def _default_source(source):
    if source is not None:
        return str(source)

    return str(DEFAULT_BOUNDARY_SOURCE) if DEFAULT_BOUNDARY_SOURCE.exists() else UPSTREAM_URL


def _fetch_all(source: str, log) -> dict[str, str]:
    """Read and checksum every pinned file; fail on the first missing or altered one."""
    sums = pinned_sums()
    remote = source.startswith(("http://", "https://"))
    log(f"Membaca {len(sums)} berkas batas wilayah dari {source}")
    texts = {}
    for name, digest in sorted(sums.items()):
        data = _read_remote(source, name) if remote else _read_local(Path(source), name)
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise BoundaryInstallError(
                f"{name}: checksum SHA-256 tidak cocok (diharapkan {digest[:12]}…, didapat {actual[:12]}…). "
                "Berkas berubah atau rusak; pasang ulang dari sumber resmi."
            )
        texts[name] = data.decode("utf-8")
    return texts


def _read_local(folder: Path, name: str) -> bytes:
    path = folder / name
    if not path.is_file():
        raise BoundaryInstallError(f"{name}: berkas tidak ditemukan di {folder}")
    return path.read_bytes()


def _read_remote(base: str, name: str) -> bytes:
    url = f"{base.rstrip('/')}/{name}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (pinned https URL)
            return response.read()
    except OSError as exc:
        raise BoundaryInstallError(f"{name}: tidak dapat diunduh dari {url} ({exc})") from exc


def _parse_level(level: str, texts: dict[str, str]) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for name in sorted(n for n in texts if n.startswith(f"{level}/")):
        try:
            for row in parse_wilayah_sql(texts[name], name):
                geoms.append(path_to_geometry(row.path, row.kode, name))
                rows.append((row.kode, row.nama, row.lat, row.lng, name))
        except WilayahParseError as exc:
            raise BoundaryInstallError(str(exc)) from exc
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["kode", "nama", "lat_asal", "lon_asal", "berkas"]),
        geometry=geoms, crs="EPSG:4326",
    )
    _check_codes(level, frame)
    return frame.sort_values("kode").reset_index(drop=True)


def _check_codes(level: str, frame: pd.DataFrame) -> None:
    dupes = frame.loc[frame["kode"].duplicated(), ["kode", "berkas"]]
    if len(dupes):
        first = dupes.iloc[0]
        raise BoundaryInstallError(f"{first['berkas']}: kode wilayah {first['kode']} muncul lebih dari sekali")
    lengths = {"prov": 2, "kab": 5, "kec": 8}[level]
    bad = frame.loc[frame["kode"].str.len() != lengths]
    if len(bad):
        first = bad.iloc[0]
        raise BoundaryInstallError(f"{first['berkas']}: kode {first['kode']} bukan kode tingkat {level}")
    if len(frame) != EXPECTED_COUNTS[level]:
        raise BoundaryInstallError(
            f"tingkat {level}: {len(frame)} wilayah terbaca, seharusnya {EXPECTED_COUNTS[level]}"
        )


def _build_layers(raw: dict[str, gpd.GeoDataFrame]):
    dropped = {}
    for level in LEVELS:
        frame = raw[level]
        frame["geometry"], gone = repair(frame.geometry.to_numpy())
        for kode, _berkas, parts in zip(frame["kode"], frame["berkas"], gone):
            if parts:
                dropped[kode] = parts
        empty = frame.loc[frame.geometry.isna()]
        if len(empty):
            first = empty.iloc[0]
            raise BoundaryInstallError(
                f"{first['berkas']}: wilayah {first['kode']} tidak memiliki poligon yang sah setelah diperbaiki"
            )
    kab, kec, report = build_coverage(raw["kab"], raw["kec"])
    report.dropped_parts = dropped
    prov = raw["prov"].copy()
    prov_idx = pd.Index(prov["kode"]).get_indexer(kab["kode"].str[:2])
    if (prov_idx < 0).any():
        raise BoundaryInstallError(f"kabupaten tanpa provinsi: {kab['kode'][prov_idx < 0].tolist()[:5]}")
    prov["geometry"] = [
        shapely.coverage_union_all(kab.geometry.to_numpy()[prov_idx == i]) for i in range(len(prov))
    ]
    layers = {
        "prov": _finish(prov, "prov"),
        "kab": _finish(kab, "kab"),
        "kec": _finish(kec, "kec"),
    }
    summary = report.summary()
    summary["perubahan_luas_kabupaten"] = (
        report.changes.loc[report.changes["selisih_km2"].abs() >= 1.0]
        .sort_values("selisih_km2").to_dict(orient="records")
    )
    return layers, summary


def _finish(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(frame[["kode", "nama"]].copy(), geometry=frame.geometry.to_numpy(), crs="EPSG:4326")
    out["jenis"] = _jenis(out, level)
    out["kode_induk"] = {"prov": None, "kab": out["kode"].str[:2], "kec": out["kode"].str[:5]}[level]
    out["kode_prov"] = out["kode"].str[:2]
    out["luas_km2"] = out.geometry.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6
    inner = shapely.point_on_surface(out.geometry.to_numpy())
    out["lat"], out["lon"] = shapely.get_y(inner), shapely.get_x(inner)
    return out[_COLUMNS].sort_values("kode").reset_index(drop=True)


def _jenis(frame: pd.DataFrame, level: str) -> pd.Series:
    if level == "prov":
        return pd.Series("provinsi", index=frame.index)
    if level == "kec":
        return pd.Series("kecamatan", index=frame.index)
    is_kota = frame["nama"].str.match(r"^Kota\b")
    return pd.Series(np.where(is_kota, "kota", "kabupaten"), index=frame.index)


def _write(layers: dict[str, gpd.GeoDataFrame], report: dict, directory: Path) -> None:
    """Write to a temporary folder, then swap it in: readers never see a half-written install."""
    from geo.adjacency import ADJACENCY_LEVELS, adjacency_path, build_adjacency, save_adjacency

    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=directory.parent))
    staging.chmod(0o755)
    try:
        for level, frame in layers.items():
            frame.to_parquet(staging / f"{level}.parquet", index=False)
        # the point → region locator, memory-mapped by every process that locates (geo.locate)
        locate.write_locator_cache(staging, {level: locate.build_grid(layers[level]) for level in ("kab", "kec")},
                                   {level: layers[level].geometry.to_numpy() for level in ("kab", "kec")})
        for level in ADJACENCY_LEVELS:  # queen contiguity for the hotspot pages, built once here
            save_adjacency(build_adjacency(layers[level]), adjacency_path(level, staging))
        web.write_display_copies(layers, staging / "web")
        (staging / "coverage_report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        manifest = {
            "upstream_commit": UPSTREAM_COMMIT,
            "versi_kode": CODE_VERSION,
            "jumlah": {level: len(frame) for level, frame in layers.items()},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        replace_folder(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
