"""ATHG (Ancaman, Tantangan, Hambatan, Gangguan) summaries per region and aspect (bidang)."""

from __future__ import annotations

import pandas as pd

__all__ = ["ASPECTS", "ATHG", "athg_matrix"]

ATHG = ("A", "T", "H", "G")
ASPECTS = ("ideologi", "politik", "ekonomi", "sosbud", "hankam")


def athg_matrix(incidents: pd.DataFrame, by: str = "kode_kab") -> pd.DataFrame:
    """Counts per region × (ATHG type, aspect), every type and aspect present as a column.

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``by``, ``athg`` (A/T/H/G or missing) and ``bidang``. Rows without an ATHG type
        or aspect are counted under ``"?"`` so nothing silently disappears.

    Returns
    -------
    pandas.DataFrame
        Index: regions; columns: a MultiIndex (athg, bidang) plus a ``("total", "")`` column.
    """
    frame = incidents.assign(
        athg=incidents["athg"].where(incidents["athg"].isin(ATHG), "?"),
        bidang=incidents["bidang"].where(incidents["bidang"].isin(ASPECTS), "?"),
    )
    counts = frame.groupby([by, "athg", "bidang"]).size().unstack(["athg", "bidang"], fill_value=0)
    types = list(ATHG) + (["?"] if (frame["athg"] == "?").any() else [])
    aspects = list(ASPECTS) + (["?"] if (frame["bidang"] == "?").any() else [])
    columns = pd.MultiIndex.from_product([types, aspects], names=["athg", "bidang"])
    counts = counts.reindex(columns=columns, fill_value=0)
    counts[("total", "")] = counts.sum(axis=1)
    return counts.sort_values(("total", ""), ascending=False, kind="stable")
