"""Static choropleth images (PNG/SVG) for slides and chat groups: no browser, no network."""

from __future__ import annotations

import io
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display on servers
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from lang import number
from maps.choropleth import PALETTE  # noqa: E402

__all__ = ["choropleth_image"]


def choropleth_image(regions: gpd.GeoDataFrame, class_idx, labels, title: str, data_date: date,
                     fmt: str = "png", colors=PALETTE, dpi: int = 150) -> bytes:
    """Draw regions coloured by class with legend, title, north arrow, scale bar and data date.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Display geometries (EPSG:4326), one row per region, aligned with ``class_idx``.
    class_idx : array-like of int
        Index into ``labels`` / ``colors`` per region.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"format gambar tidak dikenal: {fmt!r} (pilihan: png, svg)")
    idx = np.asarray(class_idx, dtype=int)
    fig, ax = plt.subplots(figsize=(11, 6.2))
    regions.assign(_c=[colors[min(i, len(colors) - 1)] for i in idx]).plot(
        ax=ax, color=regions.assign(_c=[colors[min(i, len(colors) - 1)] for i in idx])["_c"],
        edgecolor="#777777", linewidth=0.2)
    ax.set_axis_off()
    ax.set_title(title, fontsize=13, loc="left")
    used = sorted(set(idx))
    ax.legend(handles=[Patch(facecolor=colors[i], edgecolor="#999999", label=labels[i]) for i in used if labels[i]],
              loc="lower left", fontsize=8, frameon=True)
    _north_arrow(ax)
    _scale_bar(ax)
    fig.text(0.99, 0.01, f"Data per {data_date:%d/%m/%Y} · SIGAP · batas wilayah Kepmendagri 300.2.2-2138/2025",
             ha="right", fontsize=7, color="#555555")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


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
    xs, ys = x0 + (x1 - x0) * 0.72, y0 + (y1 - y0) * 0.05
    ax.plot([xs, xs + length_deg], [ys, ys], color="black", linewidth=2)
    ax.text(xs + length_deg / 2, ys + (y1 - y0) * 0.015, f"{number(length_km)} km", ha="center",
            fontsize=7)
