"""ATHG: Ancaman, Tantangan, Hambatan, Gangguan per region and aspect (TP3D framing).

The four cards always read A, T, H, G in that order (a type without reports shows 0), followed
by the reports without a type, if any.
"""

from __future__ import annotations

import streamlit as st

from analysis.athg import ATHG, athg_matrix
from lang import number
from pages.components import data
from pages.components.auth_gate import current_scope
from pages.components.filters import sidebar_filters
from pages.components.i18n import t

scope = current_scope()
st.title(t("Ancaman, Tantangan, Hambatan, Gangguan"))
flt = sidebar_filters(scope.region, key="athg")
with st.spinner(t("Memuat laporan…")):
    rows = data.incidents(flt.query, scope)
st.caption(t("Periode: {period_label} · {rows} laporan").format(period_label=flt.period_label, rows=number(len(rows))))
if rows.empty:
    st.info(t("Tidak ada laporan pada periode dan saringan ini."))
    st.stop()

names = data.vocab("athg")
counts = rows["athg"].value_counts()
cards = [(names.get(code, code), int(counts.get(code, 0))) for code in ATHG]
unnamed = len(rows) - sum(n for _, n in cards)
if unnamed:
    cards.append(("Tidak disebut", unnamed))
for col, (label, count) in zip(st.columns(len(cards)), cards):
    col.metric(label, number(count))

matrix = athg_matrix(rows)
kab_names = data.region_list("kab").set_index("kode")["nama"]
matrix.index = [f"{kab_names.get(k, k)} ({k})" for k in matrix.index]
matrix.columns = [f"{names.get(a, 'Tidak disebut')} · {b}" if a != "total" else "Total" for a, b in matrix.columns]
st.subheader(t("Per kabupaten/kota dan bidang"))
st.dataframe(matrix.head(30).style.background_gradient(cmap="OrRd", axis=None,
                                                        subset=[c for c in matrix.columns if c != "Total"]))
