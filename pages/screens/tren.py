"""Tren: monthly incidents per category (one line each, months without incidents at zero) for the
period, province and categories the session's filters hold, and the surge list."""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from analysis.early_warning import FOUR_WEEKS, QUARTER_DAYS, surge_windows, surges
from analysis.panel import fill_period_grid, month_label, period_labels
from lang import day, month_short, number
from pages.components import data, state
from pages.components.auth_gate import current_scope
from pages.components.filters import fill_missing, office_today, sidebar_filters
from pages.components.i18n import lang, t

#: One colour per conflict category, told apart at a glance (Tableau 10 with a near-black and a violet).
CATEGORY_COLORS = {
    "POL": "#4e79a7", "SARA": "#e15759", "SDA": "#59a14f", "BTS": "#9c755f", "EKO": "#f28e2b", "PEM": "#76b7b2",
    "ORM": "#b07aa1", "IDE": "#2f2f2f", "INF": "#edc948", "KAM": "#ff9da7", "ASG": "#6a3d9a", "LAIN": "#bab0ac",
}
_SPARE = ("#17becf", "#8c564b", "#bcbd22", "#7f7f7f")  # categories added to the vocabulary later


def _pick_region(key: str, known: frozenset[str]) -> None:
    code = st.session_state.get(key)
    st.session_state[state.SELECTED_KAB] = code if code in known else None
    st.session_state[state.FOCUS_KEC] = None


scope = current_scope()
st.title(t("Tren"))
flt = sidebar_filters(scope.region, key="tren")
kab = data.kab_in_scope(scope.region or flt.prov)
names = dict(zip(kab["kode"], kab["nama"]))
kategori_names = data.vocab("kategori")
known = frozenset(names)
with st.sidebar:
    chosen = st.session_state.get(state.SELECTED_KAB)  # the region the map is on, if any
    st.session_state["tren_kab"] = chosen if chosen in known else None
    region = st.selectbox(t("Kabupaten/kota"), [None, *kab["kode"]], key="tren_kab", on_change=_pick_region,
                          args=("tren_kab", known),
                          format_func=lambda k: "Semua dalam cakupan" if k is None else f"{names[k]} ({k})")

query = replace(flt.query, kab=region)
with st.spinner(t("Menghitung insiden per bulan…")):
    rows = data.incidents(query, scope)
months = period_labels(month_label(flt.query.date_from), month_label(flt.query.date_to), "bulan")
if region is not None:
    where = f"{names[region]} ({region})"
elif flt.prov is not None and not (scope.region and len(scope.region) > 2):
    where = f"{data.region_list('prov').set_index('kode').at[flt.prov, 'nama']} ({flt.prov})"
else:
    where = "semua wilayah dalam cakupan"
if rows.empty:
    st.info(t("Tidak ada insiden pada periode dan saringan ini."))
else:
    counts = (rows.assign(bulan=[month_label(d) for d in pd.to_datetime(rows["tgl_mulai"]).dt.date])
              .groupby(["kategori", "bulan"]).size().rename("insiden").reset_index()
              .rename(columns={"kategori": "kode"}))
    shown = list(flt.query.kategori) or [k for k in kategori_names if k in set(counts["kode"])]
    shown += sorted(set(counts["kode"]) - set(shown) - set(kategori_names))  # codes outside the vocabulary
    grid = fill_period_grid(counts, shown, months, period="bulan")
    month_text = {m: month_short(pd.Timestamp(f"{m}-01").date(), lang=lang()) for m in months}
    label_of = {k: f"{k} — {kategori_names.get(k, k)}" for k in shown}
    grid = grid.assign(bulan_teks=grid["bulan"].map(month_text), kategori=grid["kode"].map(label_of))
    spare = iter(_SPARE * 4)
    colors = [CATEGORY_COLORS.get(k) or next(spare) for k in shown]
    chart = (alt.Chart(grid).mark_line(point=alt.OverlayMarkDef(size=28), strokeWidth=2.2)
             .encode(x=alt.X("bulan_teks:O", sort=[month_text[m] for m in months], title=None,
                             axis=alt.Axis(labelAngle=-45)),
                     y=alt.Y("insiden:Q", title="Insiden per bulan", axis=alt.Axis(tickMinStep=1, format="d")),
                     color=alt.Color("kategori:N", title="Kategori",
                                     scale=alt.Scale(domain=[label_of[k] for k in shown], range=colors),
                                     legend=alt.Legend(orient="bottom", columns=3, labelLimit=260)),
                     tooltip=[alt.Tooltip("kategori:N", title="Kategori"), alt.Tooltip("bulan_teks:O", title="Bulan"),
                              alt.Tooltip("insiden:Q", title="Insiden")])
             .properties(height=340))
    st.caption(t("{date_from}–{date_to} · {where} · {rows} insiden · bulan tanpa insiden dihitung nol").format(
        date_from=day(flt.query.date_from), date_to=day(flt.query.date_to), where=where, rows=number(len(rows))))
    st.altair_chart(chart, width="stretch")

st.subheader(t("Lonjakan"))
window = st.radio(t("Dibanding"), [FOUR_WEEKS, QUARTER_DAYS], horizontal=True, key="tren_dasar",
                  format_func={FOUR_WEEKS: "4 minggu sebelumnya", QUARTER_DAYS: "triwulan (91 hari) sebelumnya"}.get)
windows = surge_windows(office_today(scope.region), window)
with st.spinner(t("Mencari lonjakan…")):
    recent = data.aggregate("kab", replace(query, date_from=windows.recent[0], date_to=windows.recent[1]), scope,
                            by_kategori=True)
    before = data.aggregate("kab", replace(query, date_from=windows.baseline[0], date_to=windows.baseline[1]), scope,
                            by_kategori=True)
alerts = surges(recent, before, by=("kode", "kategori"))
if alerts.empty:
    st.info(t("Tidak ada kenaikan bermakna (lebih dari 10 % dan lolos uji binomial)."))
else:
    table = alerts.assign(nama=alerts["kode"].map(names),
                          kategori=alerts["kategori"].map(lambda k: f"{k} — {kategori_names.get(k, k)}"))
    st.dataframe(fill_missing(table[["kode", "nama", "kategori", "tingkat", "alasan"]], lang=lang()),
                 hide_index=True, column_config={"alasan": st.column_config.TextColumn(t("Alasan"), width="large")})
