"""Data exports that respect the filter and the user's scope: CSV, XLSX, GeoJSON, GeoPackage.

Every export reads incidents through :func:`store.incidents.query_incidents` (scope and
clearance applied there), keeps only allow-listed columns, neutralises formula text, builds the
file name on the server and writes one audit row.

Each incident carries its provenance — the source system (``sumber``), its id there
(``id_sumber``), the reporter's source text (``sumber_info``) and the import batch (``batch_id``) —
and the names of its regions beside their codes. Above the user's clearance the provenance reads
empty, as in ``query_incidents``; names follow the codes shown.

An export covers the region its filter chooses (the kabupaten/kota, else the province; see
:func:`reports.document.document_region`): rows, map extent, region layer, metadata and file name
alike; a region outside the user's scope is refused. Rows from demo data say so in the column
``sintetis``, and every sheet, image and GeoPackage layer made from them carries
"Data contoh (sintetis)".
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime

import duckdb
import geopandas as gpd
import pandas as pd
import xlsxturbo

from auth.roles import in_scope_mask, require
from reports.document import (
    MARK_RED,
    SYNTHETIC_MARK,
    DocumentRegion,
    content_classification,
    document_region,
    document_scope,
    filter_region,
    is_synthetic,
)
from reports.safe import neutralise_frame, neutralise_xlsx_frame
from store.audit import AuditEvent, record
from store.db import transaction
from store.incidents import CLEARANCE_LEVELS, IncidentFilter, aggregate_by_region, query_incidents
from store.regions import region_names

__all__ = ["COLUMNS", "COORDINATE_DECIMALS", "FORMATS", "Export", "export_data", "record_export"]

#: Columns that leave SIGAP (allow-list), with their headers. ``nama_*`` come from the ``regions``
#: table by the codes ``query_incidents`` returned; every other column is that query's output.
COLUMNS = {
    "id": "id", "sumber": "sumber", "id_sumber": "id_sumber", "batch_id": "batch_id", "tgl_mulai": "tanggal",
    "tgl_selesai": "tanggal_selesai", "kode_prov": "kode_prov", "nama_prov": "nama_prov", "kode_kab": "kode_kab",
    "nama_kab": "nama_kab", "kode_kec": "kode_kec", "nama_kec": "nama_kec", "lat": "lintang", "lon": "bujur",
    "presisi_lokasi": "presisi_lokasi", "kategori": "kategori", "subkategori": "subkategori", "bentuk": "bentuk",
    "sifat": "sifat", "bidang": "bidang", "athg": "athg", "eskalasi": "eskalasi", "tewas": "tewas", "luka": "luka",
    "pengungsi": "pengungsi", "status_penanganan": "status_penanganan", "judul": "judul", "kronologi": "kronologi",
    "aktor1": "aktor_1", "aktor2": "aktor_2", "sumber_info": "sumber_info", "klasifikasi": "klasifikasi",
    "sintetis": "sintetis",
}
#: Decimals of exported coordinates (about 0.1 m): points in columns and geometries alike.
COORDINATE_DECIMALS = 6
FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "png": "image/png",
           "svg": "image/svg+xml"}
#: How XLSX exports show dates (Indonesian day/month/year), and the column width that fits them.
DATE_FORMAT = "dd/mm/yyyy"
DATE_WIDTH = 11
#: Most characters an Excel cell holds; longer text (a long kronologi) is cut there.
EXCEL_TEXT_LIMIT = 32_767
#: Deflate level of the XLSX zip. Deflate is most of the write time with long texts: 4 instead of
#: the usual 6 wrote 100k incidents with full kronologi in 3.2 s instead of 4.9 s, 7 % larger.
XLSX_COMPRESSION = 4


@dataclass(frozen=True)
class Export:
    """A finished export file."""

    data: bytes
    filename: str
    mime: str
    rows: int


def export_data(con: duckdb.DuckDBPyConnection, fmt: str, flt: IncidentFilter, user, *,
                regions: gpd.GeoDataFrame | None = None) -> Export:
    """Build an export of the incidents the user may see under ``flt`` and record it.

    Parameters
    ----------
    fmt : {"csv", "xlsx", "geojson", "gpkg", "png", "svg"}
        GeoJSON holds one feature per kabupaten/kota with its counts (choropleth values,
        ``lapisan`` = ``wilayah``) followed by the incident points (``lapisan`` = ``insiden``, the
        columns of the CSV); GeoPackage holds the same two as layers ``wilayah`` and ``insiden``.
        Coordinates are rounded to :data:`COORDINATE_DECIMALS` decimals. A PNG/SVG of a
        kabupaten/kota shows its kecamatan.
    flt : store.incidents.IncidentFilter
        Its ``kab`` (else ``prov``) is the region the export covers.
    user : auth.User
        Needs the ``ekspor`` permission; its scope limits the rows.
    regions : geopandas.GeoDataFrame, optional
        Kabupaten geometries (default: the installed boundaries).

    Raises
    ------
    auth.roles.PermissionDenied
        No ``ekspor`` permission, or the filter's region lies outside the user's scope.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format ekspor tidak dikenal: {fmt!r} (pilihan: {', '.join(FORMATS)})")
    require(user, "ekspor")
    region = document_region(con, user, filter_region(flt))
    scope = document_scope(user, region)
    rows = query_incidents(con, flt, scope, order="terlama")
    synthetic = is_synthetic(con, rows)
    names = _region_names(con)
    incidents = _table(rows, names)
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        data = neutralise_frame(incidents).to_csv(index=False).encode("utf-8-sig")
    elif fmt == "xlsx":
        # entry time of the newest row the user may read (NULL above clearance), not of the whole table
        data = _xlsx(incidents, flt, user, rows["dibuat_pada"].max(), region=region, synthetic=synthetic)
    elif fmt in ("png", "svg"):
        data = _image(con, flt, scope, fmt, region=region, synthetic=synthetic)
    else:
        layer = _region_layer(con, flt, scope, regions, names)
        data = _gis(layer, incidents, fmt, region=region, synthetic=synthetic)
    count = len(incidents)
    record_export(con, user, fmt, {k: str(v) for k, v in flt.chosen().items()}, count)
    return Export(data=data, filename=f"sigap-insiden-{region.slug}-{stamp}.{fmt}", mime=FORMATS[fmt], rows=count)


def record_export(con: duckdb.DuckDBPyConnection, user, what: str, detail: dict | None = None,
                  rows: int | None = None) -> None:
    """One audit row for anything that leaves SIGAP (data, images, briefings, reports)."""
    with transaction(con):
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="ekspor", object=what,
                               detail=detail or None, row_count=rows))


def _region_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Name of every region code (province, kabupaten/kota, kecamatan)."""
    return region_names(con)


def _table(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The export columns of ``query_incidents``' output: region names beside the codes it shows,
    coordinates rounded."""
    frame = frame.assign(**{f"nama_{level}": frame[f"kode_{level}"].map(names) for level in ("prov", "kab", "kec")},
                         lat=frame["lat"].astype(float).round(COORDINATE_DECIMALS),
                         lon=frame["lon"].astype(float).round(COORDINATE_DECIMALS))
    frame = frame.assign(sintetis=frame["sintetis"].fillna(False).astype(bool))
    return frame[list(COLUMNS)].rename(columns=COLUMNS)


def _classification(table: pd.DataFrame, clearance: str = "Rahasia") -> str:
    """The highest classification whose content the file holds (see
    :func:`reports.document.content_classification`)."""
    return content_classification(table["klasifikasi"], clearance)


def _xlsx(table: pd.DataFrame, flt: IncidentFilter, user, latest, *, region: DocumentRegion | None = None,
          synthetic: bool = False) -> bytes:
    """The incidents and their metadata as one workbook (text written as inert text); made from
    demo data, every sheet carries the mark (a text box and a red tab) and each row says so in
    ``sintetis``."""
    meta = _metadata(table, flt, user, latest, region=region, synthetic=synthetic)
    sheets = [_sheet("Insiden", table, synthetic=synthetic), _sheet("Metadata", meta, width=40, synthetic=synthetic)]
    buffer = io.BytesIO()
    # xlsxturbo (Rust, on rust_xlsxwriter) writes DataFrame text as text only: it has no
    # strings-to-formulas/urls/numbers conversion to switch off; formulas and links come only from
    # options never passed here. xlsxwriter spends ~5 µs of Python per cell: 8-9 s for 100k
    # incidents even when tuned, against ~2.5 s for the whole export now (bench/bench_export.py).
    xlsxturbo.dfs_to_xlsx(sheets, buffer, header_format={"bold": True}, freeze_panes=True,
                          compression_level=XLSX_COMPRESSION)
    return buffer.getvalue()


def _metadata(table: pd.DataFrame, flt: IncidentFilter, user, latest, *, region: DocumentRegion | None = None,
              synthetic: bool = False) -> pd.DataFrame:
    """The Metadata sheet; ``latest`` is the newest entry time among the rows the user may read
    (a direct ``max(dibuat_pada)`` over the table would date other regions' and secret rows)."""
    hidden = int((table["klasifikasi"].map(CLEARANCE_LEVELS).fillna(0) > CLEARANCE_LEVELS[user.clearance]).sum())
    rows = [
        ("Klasifikasi", _classification(table, user.clearance)),
        ("Data contoh", f"Ya — {SYNTHETIC_MARK}, bukan kejadian nyata" if synthetic else "Tidak"),
        ("Dibuat oleh", user.username),
        ("Dibuat pada", datetime.now().strftime("%d/%m/%Y %H:%M")),
        ("Data terbaru dimasukkan", latest.strftime("%d/%m/%Y %H:%M") if pd.notna(latest) else "-"),
        ("Cakupan wilayah", region.label if region is not None else (user.region or "nasional")),
        ("Saringan", "; ".join(f"{k}={v}" for k, v in flt.chosen().items()) or "tanpa saringan"),
        ("Jumlah baris", str(len(table))),
    ]
    if hidden:
        rows.append(("Baris di atas izin pembaca", f"{hidden} (hanya kode wilayah, tanggal, kategori dan angka)"))
    return pd.DataFrame(rows, columns=["keterangan", "nilai"])


def _sheet(name: str, frame: pd.DataFrame, width: int | None = None,
           synthetic: bool = False) -> tuple[pd.DataFrame, str, dict]:
    """One sheet for ``xlsxturbo.dfs_to_xlsx``: text neutralised, dates as real dates in dd/mm/yyyy;
    with ``synthetic`` a red tab and a text box "Data contoh (sintetis)" right of the table."""
    frame = neutralise_xlsx_frame(frame)
    dates = [column for column in frame.columns if _holds_dates(frame[column])]
    for column in frame.columns:
        if column in dates:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
        elif _holds_text(frame[column]):
            frame[column] = _clip_text(frame[column])
    widths = {j: DATE_WIDTH if column in dates else width for j, column in enumerate(frame.columns)
              if column in dates or width}
    options = {"column_widths": widths}
    if dates:
        options["column_formats"] = {column: {"num_format": DATE_FORMAT} for column in dates}
    if synthetic:
        options["tab_color"] = MARK_RED
        options["textboxes"] = {_cell_name(0, len(frame.columns) + 1): synthetic_textbox()}
    return frame, name, options


def synthetic_textbox() -> dict:
    """The xlsxturbo text box that marks a sheet made from demo data."""
    return {"text": SYNTHETIC_MARK, "width": 230, "height": 34,
            "font": {"bold": True, "color": MARK_RED, "size": 14}}


def _cell_name(row: int, column: int) -> str:
    """``A1``-style name of a zero-based cell."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _holds_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    present = values.dropna()
    return len(present) > 0 and hasattr(present.iloc[0], "strftime")  # date objects in an object column


def _holds_text(values: pd.Series) -> bool:
    if values.dtype == object:
        return pd.api.types.infer_dtype(values, skipna=True) in ("string", "mixed", "mixed-integer")
    return pd.api.types.is_string_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)


def _clip_text(values: pd.Series) -> pd.Series:
    """Cut text past Excel's cell limit, as xlsxwriter did, instead of failing the whole export."""
    too_long = (values.str.len() > EXCEL_TEXT_LIMIT).to_numpy(dtype=bool, na_value=False)
    if not too_long.any():
        return values
    clipped = values.copy()
    clipped[too_long] = values[too_long].str.slice(0, EXCEL_TEXT_LIMIT)
    return clipped


def _region_layer(con, flt, scope, regions, names: dict[str, str]) -> gpd.GeoDataFrame:
    if regions is None:
        from geo.boundaries import load_regions

        regions = load_regions("kab")
    counts = aggregate_by_region(con, flt, scope, level="kab")
    if scope.region is not None:
        regions = regions.loc[in_scope_mask(scope.region, regions["kode"])]
    layer = regions[["kode", "nama", "jenis", "kode_prov", "luas_km2", "geometry"]].merge(counts, on="kode", how="left")
    layer.insert(4, "nama_prov", layer["kode_prov"].map(names))
    for column in ("jumlah", "skor_eskalasi", "eskalasi_maks", "tewas", "luka", "pengungsi"):
        layer[column] = layer[column].fillna(0).astype(int)
    layer["per_1000_km2"] = (layer["jumlah"] / layer["luas_km2"] * 1000).round(3)
    return gpd.GeoDataFrame(layer, geometry="geometry", crs="EPSG:4326")


def _image(con, flt, scope, fmt, *, region: DocumentRegion, synthetic: bool = False) -> bytes:
    """The choropleth of incident counts in the export's region as a static image (matplotlib, no
    browser): its kabupaten/kota, or inside a kabupaten/kota its kecamatan."""
    from datetime import date

    from analysis.measures import classify, compute_measure
    from reports.static_map import choropleth_image, display_regions

    units, context, level = display_regions(region.code)
    counts = aggregate_by_region(con, flt, scope, level=level)
    values = compute_measure(units.assign(luas_km2=1.0), counts, "jumlah")
    classes = classify(values)
    today = date.today()
    last = min(flt.date_to, today) if flt.date_to else today
    if flt.date_from:
        period = f"{flt.date_from:%d/%m/%Y} s.d. {last:%d/%m/%Y}"
    else:
        period = f"seluruh periode s.d. {last:%d/%m/%Y}"
    unit = "kecamatan" if level == "kec" else "kabupaten/kota"
    return choropleth_image(units, classes.yb, classes.labels, f"Jumlah insiden per {unit}", last, fmt=fmt,
                            subtitle=f"{region.short} · {period}", mark=SYNTHETIC_MARK if synthetic else None,
                            context=context, legend_title="Jumlah insiden",
                            metadata={"Wilayah": region.code or "nasional"})


def _gis(layer: gpd.GeoDataFrame, incidents: pd.DataFrame, fmt: str, *, region: DocumentRegion | None = None,
         synthetic: bool = False) -> bytes:
    """GeoJSON (regions then incident points, told apart by ``lapisan``) or GeoPackage (layers
    ``wilayah`` and ``insiden``, each described with the region and, for demo data, the mark);
    coordinates rounded to :data:`COORDINATE_DECIMALS` decimals."""
    points = incidents.dropna(subset=["lintang", "bujur"])
    points = gpd.GeoDataFrame(neutralise_frame(points.astype({"tanggal": str, "tanggal_selesai": str})),
                              geometry=gpd.points_from_xy(points["bujur"], points["lintang"]), crs="EPSG:4326")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"ekspor.{fmt}")
        if fmt == "geojson":
            points_path = os.path.join(tmp, "insiden.geojson")
            precision = {"COORDINATE_PRECISION": COORDINATE_DECIMALS}
            layer.assign(lapisan="wilayah").to_file(path, driver="GeoJSON", engine="pyogrio", **precision)
            points.assign(lapisan="insiden").to_file(points_path, driver="GeoJSON", engine="pyogrio", **precision)
            with open(path, encoding="utf-8") as first, open(points_path, encoding="utf-8") as second:
                return _join_feature_collections(first.read(), second.read()).encode("utf-8")
        where = region.label if region is not None else "nasional"
        note = f" · {SYNTHETIC_MARK}" if synthetic else ""
        layer.set_geometry(_rounded(layer.geometry)).to_file(
            path, layer="wilayah", driver="GPKG", engine="pyogrio",
            layer_options={"DESCRIPTION": f"Jumlah insiden per kabupaten/kota · {where}{note}"})
        points.to_file(path, layer="insiden", driver="GPKG", engine="pyogrio",
                       layer_options={"DESCRIPTION": f"Titik insiden · {where}{note}"})
        with open(path, "rb") as handle:
            return handle.read()


def _rounded(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """Geometries with every coordinate rounded to :data:`COORDINATE_DECIMALS` decimals."""
    import numpy as np
    import shapely

    return gpd.GeoSeries(shapely.transform(geometry.to_numpy(), lambda xy: np.round(xy, COORDINATE_DECIMALS)),
                         index=geometry.index, crs=geometry.crs)


_FEATURES = '"features": ['


def _join_feature_collections(first: str, second: str) -> str:
    """One GeoJSON FeatureCollection: ``first`` (its name and CRS) with the features of ``second``
    after its own. Both as GDAL writes them: ``"features": [`` opens the array before any
    feature, and the last ``]`` of the text closes it."""
    def parts(text: str) -> tuple[str, str, str]:
        start = text.index(_FEATURES) + len(_FEATURES)
        end = text.rindex("]")
        return text[:start], text[start:end].strip(), text[end:]

    head, own, tail = parts(first)
    _, more, _ = parts(second)
    body = ",\n".join(features for features in (own, more) if features)
    return f"{head}\n{body}\n{tail}"
