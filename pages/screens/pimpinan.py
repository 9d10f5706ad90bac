"""Ruang Pimpinan: the risk picture a Governor or Bupati reads in one minute, every figure dated."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from analysis.early_warning import surge_windows, surges
from analysis.measures import classify, compute_measure
from analysis.profile import load_profile
from analysis.triwulan import previous_quarter, quarter_bounds, quarter_label
from maps.choropleth import ChoroplethLayer, build_map, choropleth_features
from pages.components import data, state
from pages.components.auth_gate import current_scope
from pages.components.context import cursor
from pages.components.ipk import backtest, ipk_for_quarter, ipk_layer, next_quarter_forecast
from pages.components.maps import render_map
from settings import DATA_DIR
from store.elections import elections, load_calendar
from store.incidents import IncidentFilter, count_unsettled

scope = current_scope()
today = date.today()
presenting = st.toggle("Mode presentasi", key=state.PRESENTATION)
if presenting:  # static CSS, no user data: hide every control for the projector
    st.markdown("<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],"
                "header{display:none !important}</style>", unsafe_allow_html=True)

area = "Nasional" if scope.region is None else data.region_list("prov" if len(scope.region) == 2 else "kab") \
    .set_index("kode").at[scope.region, "nama"]
st.title(f"Ruang Pimpinan — {area}")
label = quarter_label(today)
start, end = quarter_bounds(label)
profile = load_profile(DATA_DIR / "profiles" / "konflik_sosial.toml")
table, now = ipk_for_quarter(scope.region, scope.clearance, label, profile)
_, before = ipk_for_quarter(scope.region, scope.clearance, previous_quarter(label), profile)
scores = now.scores.assign(nama=table["nama"], alasan=now.reasons, jumlah=table["jumlah"],
                           perubahan=now.scores["ipk"] - before.scores["ipk"])

week = data.aggregate("kab", IncidentFilter(date_from=today - timedelta(days=6), date_to=today), scope)
quarter = table["jumlah"].sum()
windows = surge_windows(today)
recent = data.aggregate("kab", IncidentFilter(*windows.recent), scope)
base = data.aggregate("kab", IncidentFilter(*windows.baseline), scope)
alerts = surges(recent, base)
open_cases = count_unsettled(cursor(), scope)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Insiden 7 hari terakhir", int(week["jumlah"].sum()) if len(week) else 0,
          help=f"{today - timedelta(days=6):%d/%m/%Y}–{today:%d/%m/%Y}")
c2.metric(f"Insiden triwulan {label}", int(quarter), help=f"{start:%d/%m/%Y}–{today:%d/%m/%Y}")
c3.metric("Wilayah dengan lonjakan", len(alerts), help="4 minggu terakhir vs 4 minggu sebelumnya, uji binomial")
c4.metric("Kasus belum selesai", int(open_cases))
st.caption(f"Data per {today:%d/%m/%Y} · IPK triwulan {label} ({start:%d/%m/%Y}–{end:%d/%m/%Y}), profil "
           f"{profile.nama}; perubahan dibanding triwulan {previous_quarter(label)} · kelas Rendah/Sedang/Tinggi "
           f"pada rata-rata ± 1 SD ({now.cuts[0]:.1f} / {now.cuts[1]:.1f})")

check = backtest(scope.region, scope.clearance, {"ipk": profile})
if check is not None and check.verdict is not None:
    if check.verdict.shown:
        ahead = next_quarter_forecast(scope.region, scope.clearance)
        rising = ahead.loc[(ahead["bawah"] > ahead["terakhir"]) & (ahead["perkiraan"] >= 1.25 * ahead["terakhir"].clip(lower=1))]
        names = table.set_index("kode")["nama"]
        words = ", ".join(f"{names.get(k, k)} (~{v:.0f})" for k, v in
                          rising.sort_values("perkiraan", ascending=False).head(5)[["kode", "perkiraan"]].itertuples(index=False))
        st.warning(f"Diperkirakan naik triwulan depan: {words}." if words else "Tidak ada wilayah yang diperkirakan naik "
                   "tajam triwulan depan.", icon="📈")
    st.caption(check.verdict.text)

map_col, list_col = st.columns([3, 2])
if scope.region and len(scope.region) == 5:
    # a kabupaten/kota leader sees inside their region: kecamatan by incidents this triwulan
    kec = data.region_list("kec")
    kec = kec.loc[kec["kode_induk"] == scope.region].reset_index(drop=True)
    prev_start, prev_end = quarter_bounds(previous_quarter(label))
    cur = data.aggregate("kec", IncidentFilter(date_from=start, date_to=end), scope)
    prev = data.aggregate("kec", IncidentFilter(date_from=prev_start, date_to=prev_end), scope)
    cats = data.aggregate("kec", IncidentFilter(date_from=start, date_to=end), scope, by_kategori=True)
    names = data.vocab("kategori")
    top_cat = (cats.sort_values("jumlah", ascending=False).drop_duplicates("kode").set_index("kode")["kategori"]
               .map(lambda k: f"terbanyak {names.get(k, k)}"))
    values = compute_measure(kec, cur, "jumlah")
    classes = classify(values)
    ranking = kec[["kode", "nama"]].assign(
        insiden=values.astype(int), perubahan=values - compute_measure(kec, prev, "jumlah"),
        alasan=kec["kode"].map(top_cat).fillna("tidak ada insiden"))
    layer = ChoroplethLayer(pd.DataFrame({"kode": kec["kode"], "nilai": values, "kelas_idx": classes.yb}),
                            classes.labels, f"Insiden per kecamatan, {label}")
    base_geo, bounds = data.display_features("kec", "tinggi", scope.region)
    with map_col:
        render_map(build_map(choropleth_features(base_geo, layer, "insiden"), layer,
                             bounds=[list(bounds[0]), list(bounds[1])]), key="pimpinan_peta", height=520)
    with list_col:
        st.subheader("10 kecamatan teratas")
        st.dataframe(ranking.sort_values("insiden", ascending=False).head(10), hide_index=True, height=420,
                     column_config={"nama": "Kecamatan", "perubahan": st.column_config.NumberColumn("Δ", format="%+d"),
                                    "alasan": st.column_config.TextColumn("Alasan", width="large")})
else:
    with map_col:
        layer = ipk_layer(scores, label)
        prefix = scope.region[:2] if scope.region else None
        base_geo, bounds = data.display_features("kab", "sedang" if prefix else "rendah", prefix)
        render_map(build_map(choropleth_features(base_geo, layer, ""), layer, bounds=[list(bounds[0]), list(bounds[1])]),
                   key="pimpinan_peta", height=520)
    with list_col:
        st.subheader("10 wilayah teratas")
        top = scores.sort_values("ipk", ascending=False).head(10)
        st.dataframe(top[["nama", "ipk", "kelas", "perubahan", "alasan"]], hide_index=True, height=420,
                     column_config={"nama": "Wilayah", "ipk": st.column_config.NumberColumn("IPK", format="%.1f"),
                                    "perubahan": st.column_config.NumberColumn("Δ", format="%+.1f"),
                                    "alasan": st.column_config.TextColumn("Alasan", width="large")})

names = elections(cursor())
if names:
    calendar = load_calendar(cursor(), names[0])
    upcoming = calendar.loc[calendar["selesai"] >= pd.Timestamp(today)]
    stage = (f"Tahapan berikut {names[0]}: {upcoming.iloc[0]['tahapan']} mulai {upcoming.iloc[0]['mulai']:%d/%m/%Y}"
             if len(upcoming) else f"Seluruh tahapan {names[0]} telah selesai "
                                   f"({calendar['selesai'].max():%d/%m/%Y}).")
    st.info(stage)
