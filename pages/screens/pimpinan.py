"""Ruang Pimpinan: the risk picture a Governor or Bupati reads in one minute, every figure dated.

Dates are the office's own (WIB/WITA/WIT); the top 10 lists only regions with something to say
(an IPK above zero, or incidents in the kecamatan), full width so the reasons can be read.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pandas as pd
import streamlit as st

from analysis.early_warning import surge_windows, surges
from analysis.measures import classify, compute_measure
from analysis.profile import load_profile
from analysis.triwulan import previous_quarter, quarter_bounds, quarter_label
from auth.roles import allowed
from lang import day, number
from maps.choropleth import ChoroplethLayer, bounds_of, build_map, choropleth_features
from pages.components import data, state
from pages.components.auth_gate import current_scope, page_user
from pages.components.context import cursor
from pages.components.filters import fill_missing, office_today
from pages.components.i18n import t
from pages.components.ipk import backtest, ipk_for_quarter, ipk_layer, next_quarter_forecast
from pages.components.maps import render_map, scope_labels
from reports.triwulan import counted_text
from services.lapsitda import reporting_count
from settings import DATA_DIR
from store.elections import elections, load_calendar
from store.incidents import IncidentFilter, count_unsettled

scope = current_scope()
# Leaders' figures count verified incidents only (reports.triwulan.counted_text says which); an analyst
# may include the submitted, not yet verified ones with a visible switch.
verified_only = True
if allowed(page_user().role, "verifikasi"):
    verified_only = not st.toggle(t("Sertakan laporan belum diverifikasi"), key="pimpinan_belum_verifikasi",
                                  help=t("Bawaan: hanya insiden yang sudah diverifikasi kabupaten/kota atau provinsi."))
counted = partial(IncidentFilter, verified_only=verified_only)
today = office_today(scope.region)
presenting = st.toggle(t("Mode presentasi"), key=state.PRESENTATION)
if presenting:  # static CSS, no user data: hide every control for the projector
    st.markdown("<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],"
                "header{display:none !important}</style>", unsafe_allow_html=True)

area = t("Nasional") if scope.region is None else data.region_list("prov" if len(scope.region) == 2 else "kab") \
    .set_index("kode").at[scope.region, "nama"]
st.title(t("Ruang Pimpinan — {area}").format(area=area))
label = quarter_label(today)
start, end = quarter_bounds(label)
profile = load_profile(DATA_DIR / "profiles" / "konflik_sosial.toml")
with st.spinner(t("Menghitung indeks potensi konflik…")):
    table, now = ipk_for_quarter(scope.region, scope.clearance, label, profile,
                                 verified_only=verified_only)
    _, before = ipk_for_quarter(scope.region, scope.clearance, previous_quarter(label), profile,
                                 verified_only=verified_only)
scores = now.scores.assign(nama=table["nama"], alasan=now.reasons, jumlah=table["jumlah"],
                           perubahan=now.scores["ipk"] - before.scores["ipk"])

week = data.aggregate("kab", counted(date_from=today - timedelta(days=6), date_to=today), scope)
quarter = table["jumlah"].sum()
windows = surge_windows(today)
recent = data.aggregate("kab", counted(*windows.recent), scope)
base = data.aggregate("kab", counted(*windows.baseline), scope)
alerts = surges(recent, base)
open_cases = count_unsettled(cursor(), scope, verified_only=verified_only)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("Insiden 7 hari terakhir"), number(int(week["jumlah"].sum()) if len(week) else 0),
          help=f"{day(today - timedelta(days=6))}–{day(today)}")
c2.metric(t("Insiden triwulan {label}").format(label=label), number(int(quarter)), help=f"{day(start)}–{day(today)}")
c3.metric(t("Wilayah dengan lonjakan"), number(len(alerts)), help=t("4 minggu terakhir vs 4 minggu sebelumnya, uji binomial"))
c4.metric(t("Kasus belum selesai"), number(int(open_cases)))
reporting = reporting_count(cursor(), scope)
st.page_link("pages/screens/kelengkapan.py", label=reporting.text, icon="✅")
st.caption(t("Data per {today} · IPK triwulan {label} ({start}–{end}), profil {nama}; perubahan dibanding triwulan "
             "{previous_quarter} · kelas "
             "Rendah/Sedang/Tinggi pada rata-rata ± 1 SD ({n:.1f} / {n2:.1f}) · {counted_text}").format(
    today=day(today), label=label, start=day(start), end=day(end), nama=profile.nama, previous_quarter=previous_quarter(label),
    n=now.cuts[0], n2=now.cuts[1], counted_text=counted_text(verified_only)))

with st.spinner(t("Menguji ketepatan indeks pada triwulan lalu…")):
    check = backtest(scope.region, scope.clearance, {"ipk": profile}, verified_only=verified_only)
if check is not None and check.verdict is not None:
    if check.verdict.shown:
        with st.spinner(t("Menyusun prakiraan triwulan depan…")):
            ahead = next_quarter_forecast(scope.region, scope.clearance, verified_only=verified_only)
        rising = ahead.loc[(ahead["bawah"] > ahead["terakhir"]) & (ahead["perkiraan"] >= 1.25 * ahead["terakhir"].clip(lower=1))]
        names = table.set_index("kode")["nama"]
        words = ", ".join(f"{names.get(k, k)} (~{v:.0f})" for k, v in
                          rising.sort_values("perkiraan", ascending=False).head(5)[["kode", "perkiraan"]].itertuples(index=False))
        st.warning(f"Diperkirakan naik triwulan depan: {words}." if words else "Tidak ada wilayah yang diperkirakan naik "
                   "tajam triwulan depan.", icon="📈")
    st.caption(check.verdict.text)

TOP = 10
if scope.region and len(scope.region) == 5:
    # a kabupaten/kota leader sees inside their region: kecamatan by incidents this triwulan
    kec = data.region_list("kec")
    kec = kec.loc[kec["kode_induk"] == scope.region].reset_index(drop=True)
    prev_start, prev_end = quarter_bounds(previous_quarter(label))
    cur = data.aggregate("kec", counted(date_from=start, date_to=end), scope)
    prev = data.aggregate("kec", counted(date_from=prev_start, date_to=prev_end), scope)
    cats = data.aggregate("kec", counted(date_from=start, date_to=end), scope, by_kategori=True)
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
    with st.spinner(t("Menyiapkan peta…")):
        base_geo, _ = data.display_features("kec", "tinggi", scope.region)
        features = choropleth_features(base_geo, layer, "insiden")
        m = build_map(features, layer, bounds=bounds_of(features), labels=scope_labels(kec["kode"], "kec"))
    render_map(m, key="pimpinan_peta", height=520)
    st.subheader(t("{TOP} kecamatan teratas").format(TOP=TOP))
    top = ranking.sort_values(["insiden", "perubahan"], ascending=False).head(TOP)
    st.dataframe(fill_missing(top), hide_index=True, width="stretch",
                 column_config={"kode": st.column_config.TextColumn(t("Kode"), width="small"),
                                "nama": st.column_config.TextColumn(t("Kecamatan"), width="medium"),
                                "insiden": st.column_config.NumberColumn(t("Insiden"), width="small"),
                                "perubahan": st.column_config.NumberColumn("Δ", format="%+d", width="small"),
                                "alasan": st.column_config.TextColumn(t("Alasan"), width="large")})
else:
    layer = ipk_layer(scores, label)
    prefix = scope.region[:2] if scope.region else None
    with st.spinner(t("Menyiapkan peta…")):
        base_geo, _ = data.display_features("kab", "sedang" if prefix else "rendah", prefix)
        features = choropleth_features(base_geo, layer, "")
        m = build_map(features, layer, bounds=bounds_of(features, scores["kode"]),
                      labels=scope_labels(scores["kode"], "kab"))
    render_map(m, key="pimpinan_peta", height=520)
    scored = scores.loc[scores["ipk"].fillna(0) > 0]
    st.subheader(t("{TOP} wilayah teratas").format(TOP=TOP))
    top = scored.sort_values("ipk", ascending=False).head(TOP)
    if top.empty:
        st.info(t("Belum ada wilayah dengan IPK di atas nol pada triwulan {label}.").format(label=label))
    else:
        st.dataframe(fill_missing(top[["nama", "ipk", "kelas", "perubahan", "alasan"]]), hide_index=True,
                     width="stretch",
                     column_config={"nama": st.column_config.TextColumn(t("Wilayah"), width="medium"),
                                    "ipk": st.column_config.NumberColumn(t("IPK"), format="%.1f", width="small"),
                                    "kelas": st.column_config.TextColumn(t("Kelas"), width="small"),
                                    "perubahan": st.column_config.NumberColumn("Δ", format="%+.1f", width="small"),
                                    "alasan": st.column_config.TextColumn(t("Alasan"), width="large")})
    quiet = len(scores) - len(scored)
    if quiet:
        st.caption(t("{quiet} wilayah lain tanpa skor (IPK 0: tidak ada insiden tercatat atau bukti belum cukup) tidak "
                     "dicantumkan.").format(quiet=number(quiet)))

names = elections(cursor())
if names:
    calendar = load_calendar(cursor(), names[0])
    upcoming = calendar.loc[calendar["selesai"] >= pd.Timestamp(today)]
    stage = (f"Tahapan berikut {names[0]}: {upcoming.iloc[0]['tahapan']} mulai "
             f"{day(pd.Timestamp(upcoming.iloc[0]['mulai']).date())}"
             if len(upcoming) else f"Seluruh tahapan {names[0]} telah selesai "
                                   f"({day(pd.Timestamp(calendar['selesai'].max()).date())}).")
    st.info(stage)
