"""Static choropleth images (PNG/SVG) for slides, chat groups and PDF documents: no browser, no
network.

The map is drawn at the extent of the regions given (a province fills the picture; the rest of
Indonesia may be drawn around it in grey as context), with title, region, legend, north arrow,
scale bar, data date and — for demo data — the synthetic-data mark. A PNG also carries its
region and the drawn extent in its text chunks (``Wilayah``, ``Batas``, ``Keterangan``).
"""

from __future__ import annotations

import io
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display on servers
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from maps.choropleth import PALETTE  # noqa: E402

__all__ = ["MAX_MAP_INCHES", "choropleth_image", "display_regions", "map_extent"]

#: Largest map area (width, height) in inches; the figure adds a header and a footer.
MAX_MAP_INCHES = (10.4, 6.6)
_HEADER, _FOOTER, _SIDE = 0.85, 0.95, 0.3
_MARK_RED = "#b2182b"


def map_extent(regions: gpd.GeoDataFrame, pad: float = 0.04) -> tuple[float, float, float, float]:
    """``(minx, miny, maxx, maxy)`` of ``regions`` with ``pad`` of the larger side added around."""
    minx, miny, maxx, maxy = (float(v) for v in regions.total_bounds)
    margin = pad * max(maxx - minx, maxy - miny, 0.01)
    return minx - margin, miny - margin, maxx + margin, maxy + margin


def choropleth_image(regions: gpd.GeoDataFrame, class_idx, labels, title: str, data_date: date,
                     fmt: str = "png", colors=PALETTE, dpi: int = 150, *, subtitle: str = "",
                     mark: str | None = None, context: gpd.GeoDataFrame | None = None,
                     legend_title: str | None = None, metadata: dict[str, str] | None = None,
                     box: tuple[float, float] | None = None, watermark: bool = True) -> bytes:
    """Draw regions coloured by class with title, legend, north arrow, scale bar and data date.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Display geometries (EPSG:4326), one row per region, aligned with ``class_idx``; the map
        shows exactly their extent.
    class_idx : array-like of int
        Index into ``labels`` / ``colors`` per region.
    subtitle : str
        A second line under the title (the region and period).
    mark : str, optional
        Written in red at the top right and faintly across the map (``"Data contoh (sintetis)"``).
    context : geopandas.GeoDataFrame, optional
        Geometries drawn in light grey beneath, clipped to the extent (neighbouring provinces).
    metadata : dict, optional
        Extra PNG text chunks (e.g. ``{"Wilayah": "63"}``); ``Batas`` (the drawn extent) and
        ``Keterangan`` (the mark) are always written.
    box : (float, float), optional
        Map area (width, height) in inches to fill: the extent grows around the regions until it
        has that shape (for a page layout); by default the map takes the regions' own shape within
        :data:`MAX_MAP_INCHES`.
    watermark : bool
        Also write ``mark`` faintly across the map (off for a map placed on a page that already
        carries it).

    Returns
    -------
    bytes
        The PNG or SVG file.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"format gambar tidak dikenal: {fmt!r} (pilihan: png, svg)")
    if len(regions) == 0:
        raise ValueError("tidak ada wilayah untuk digambar")
    idx = np.asarray(class_idx, dtype=int)
    minx, miny, maxx, maxy = map_extent(regions)
    stretch = 1 / np.cos(np.radians((miny + maxy) / 2))  # what geopandas uses for geographic data
    ratio = (maxx - minx) / ((maxy - miny) * stretch)
    if box is not None:
        map_w, map_h = box
        target = map_w / map_h
        if ratio < target:  # too tall: widen
            grow = ((maxy - miny) * stretch * target - (maxx - minx)) / 2
            minx, maxx = minx - grow, maxx + grow
        else:  # too wide: heighten
            grow = ((maxx - minx) / target / stretch - (maxy - miny)) / 2
            miny, maxy = miny - grow, maxy + grow
    else:
        map_w, map_h = MAX_MAP_INCHES
        if ratio >= map_w / map_h:
            map_h = map_w / ratio
        else:
            map_w = map_h * ratio
    fig_w = max(map_w + 2 * _SIDE, 7.6 if box is None else 0.0)
    narrow = fig_w < 8.0  # the mark gets a line of its own under the subtitle
    header = _HEADER + (0.3 if mark and narrow else 0.0)
    fig_h = map_h + header + _FOOTER
    fig = plt.figure(figsize=(fig_w, fig_h), dpi=dpi)
    ax = fig.add_axes(((fig_w - map_w) / 2 / fig_w, _FOOTER / fig_h, map_w / fig_w, map_h / fig_h))
    palette = [colors[min(i, len(colors) - 1)] for i in idx]
    if context is not None and len(context):
        context.plot(ax=ax, color="#e8e8e8", edgecolor="#ffffff", linewidth=0.5)
    regions.plot(ax=ax, color=palette, edgecolor="#6f6f6f", linewidth=0.25 if len(regions) > 60 else 0.5)
    if context is not None and len(context):  # the area's own border, so it stands out from its neighbours
        _outline(regions).plot(ax=ax, color="#333333", linewidth=1.1)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(stretch)
    ax.set_axis_off()
    fig.text(_SIDE / fig_w, 1 - 0.32 / fig_h, title, fontsize=13, fontweight="bold", ha="left", va="center",
             parse_math=False)
    if subtitle:
        fig.text(_SIDE / fig_w, 1 - 0.64 / fig_h, subtitle, fontsize=9.5, ha="left", va="center", color="#333333",
                 parse_math=False)
    used = [i for i in sorted(set(idx.tolist())) if 0 <= i < len(labels) and labels[i]]
    if used:
        fig.legend(handles=[Patch(facecolor=colors[min(i, len(colors) - 1)], edgecolor="#999999", label=labels[i])
                            for i in used], loc="lower left", bbox_to_anchor=(_SIDE / fig_w, 0.28 / fig_h),
                   ncol=min(len(used), 6), fontsize=8, frameon=False, title=legend_title, title_fontsize=8,
                   alignment="left")
    _north_arrow(ax)
    _scale_bar(ax)
    fig.text(1 - _SIDE / fig_w, 0.12 / fig_h,
             f"Data per {data_date:%d/%m/%Y} · SIGAP · batas wilayah Kepmendagri 300.2.2-2138/2025",
             ha="right", va="bottom", fontsize=7, color="#555555", parse_math=False)
    if mark:
        x, y, align = (_SIDE / fig_w, 1 - 0.96 / fig_h, "left") if narrow else (1 - _SIDE / fig_w, 1 - 0.32 / fig_h,
                                                                              "right")
        fig.text(x, y, mark, ha=align, va="center", fontsize=11, fontweight="bold", color=_MARK_RED,
                 parse_math=False)
    if mark and watermark:
        ax.text(0.5, 0.5, mark.upper(), transform=ax.transAxes, ha="center", va="center", rotation=28,
                fontsize=min(34, 4.5 * map_w), fontweight="bold", color=_MARK_RED, alpha=0.10, zorder=10,
                parse_math=False)
    extent = ",".join(f"{v:.4f}" for v in (minx, miny, maxx, maxy))
    if fmt == "png":
        meta = {"Title": title, "Description": subtitle, "Software": "SIGAP", "Batas": extent,
                "Keterangan": mark or "", **(metadata or {})}
    else:
        meta = {"Title": title, "Description": " · ".join(t for t in (subtitle, mark or "", f"batas {extent}") if t)}
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white", metadata=meta)
    plt.close(fig)
    return buffer.getvalue()


def _outline(regions: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The outer border of ``regions`` together: slivers between display copies are no border."""
    import shapely

    minx, miny, maxx, maxy = regions.total_bounds
    eps = 0.002 * max(maxx - minx, maxy - miny)  # closes slivers open to the outside, too
    merged = shapely.union_all(regions.geometry.to_numpy()).buffer(eps, join_style="mitre").buffer(
        -eps, join_style="mitre")
    merged = shapely.get_parts(merged)
    shells = [shapely.Polygon(shapely.get_exterior_ring(p)) for p in merged if isinstance(p, shapely.Polygon)]
    return gpd.GeoSeries(shells, crs=regions.crs).boundary


def _north_arrow(ax):
    ax.annotate("U", xy=(0.97, 0.95), xytext=(0.97, 0.85), xycoords="axes fraction", ha="center", fontsize=10,
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9})


def _scale_bar(ax):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = (y0 + y1) / 2
    km_per_deg = 111.32 * np.cos(np.radians(lat))
    target = (x1 - x0) * km_per_deg / 5
    length_km = float(10 ** np.floor(np.log10(target)) * (5 if target / 10 ** np.floor(np.log10(target)) >= 5 else 1))
    length_deg = length_km / km_per_deg
    xs, ys = x0 + (x1 - x0) * 0.72, y0 + (y1 - y0) * 0.04
    ax.plot([xs, xs + length_deg], [ys, ys], color="black", linewidth=2)
    ax.text(xs + length_deg / 2, ys + (y1 - y0) * 0.015, f"{length_km:,.0f} km".replace(",", "."), ha="center",
            fontsize=7)


def display_regions(region: str | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, str]:
    """What a map of ``region`` draws: the display geometries of its units (``kode, nama,
    geometry``), grey context around them, and the unit level.

    National: every kabupaten/kota, no context. A province: its kabupaten/kota, the other
    provinces as context. A kabupaten/kota: its kecamatan, the neighbouring kabupaten/kota of its
    province and the other provinces as context.
    """
    import pandas as pd

    from geo.web import load_display

    if region is None:
        return load_display("kab", "rendah"), None, "kab"
    provinces = load_display("prov", "sedang")
    others = provinces.loc[provinces["kode"] != region[:2]]
    if len(region) == 2:
        kab = load_display("kab", "sedang")
        return kab.loc[kab["kode"].str.startswith(region + ".")].reset_index(drop=True), others, "kab"
    kec = load_display("kec", "sedang")
    kab = load_display("kab", "sedang")
    neighbours = kab.loc[kab["kode"].str.startswith(region[:2] + ".") & (kab["kode"] != region)]
    context = gpd.GeoDataFrame(pd.concat([others, neighbours], ignore_index=True), geometry="geometry", crs=kab.crs)
    return kec.loc[kec["kode"].str.startswith(region + ".")].reset_index(drop=True), context, "kec"
