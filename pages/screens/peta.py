"""Peta Potensi Konflik: choropleth per kabupaten/kota, drill-down to kecamatan, profile panel."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from analysis.measures import MEASURES, SCHEMES, classify, compute_measure
from lang import number
from maps.choropleth import ChoroplethLayer, build_map, choropleth_features
from pages.components import data, state
from pages.components.auth_gate import current_scope
from pages.components.filters import sidebar_filters
from pages.components.i18n import lang, t
from pages.components.maps import render_map

scope = current_scope()
st.title(t("Peta Potensi Konflik"))
flt = sidebar_filters(scope.region, key="peta")

with st.sidebar:
    measure = st.selectbox(t("Ukuran"), list(MEASURES), format_func=lambda k: MEASURES[k][0], key="peta_ukuran")
    scheme = st.selectbox(t("Skema kelas"), list(SCHEMES), format_func=lambda k: SCHEMES[k][0], key="peta_skema")
    st.subheader(t("Lapisan"))
    show_points = st.toggle(t("Titik insiden (klaster)"), value=False, key="peta_titik")
    show_heat = st.toggle(t("Peta panas (heat)"), value=False, key="peta_heat")
    tiles = st.toggle(t("Latar OpenStreetMap (butuh internet)"), value=False, key="peta_osm")

# Region frame: a kabupaten user sees its own kabupaten; a province (or filter) its province.
prefix = scope.region[:2] if scope.region else flt.prov
kab = data.kab_in_scope(scope.region if scope.region else flt.prov)
known_kab = set(kab["kode"])

counts = data.aggregate("kab", flt.query, scope)
values = compute_measure(kab, counts, measure)
classes = classify(values, scheme)
label, unit = MEASURES[measure]
layer = ChoroplethLayer(
    frame=pd.DataFrame({"kode": kab["kode"], "nilai": values, "kelas_idx": classes.yb}),
    labels=classes.labels, title=label,
)

total = int(counts["jumlah"].sum()) if len(counts) else 0
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("Insiden"), number(total, lang=lang()))
c2.metric(t("Kabupaten/kota terdampak"), f"{int((values > 0).sum())} dari {len(kab)}")
c3.metric(t("Korban tewas"), int(counts["tewas"].sum()) if len(counts) else 0)
c4.metric(t("Pengungsi"), number(int(counts["pengungsi"].sum()) if len(counts) else 0, lang=lang()))
st.caption(f"Periode: {flt.period_label} · Kode wilayah Kepmendagri 300.2.2-2138/2025")

selected = st.session_state.get(state.SELECTED_KAB)
if selected not in known_kab:
    selected = None

detail = "sedang" if prefix else "rendah"
base, bounds = data.display_features("kab", detail, prefix)
kecamatan = legend = None
if selected:
    # drill-down: the kecamatan of the selected kabupaten, classed among themselves
    kec_base, bounds = data.display_features("kec", "tinggi", selected)
    kec = data.region_list("kec")
    kec = kec.loc[kec["kode_induk"] == selected].reset_index(drop=True)
    kec_counts = data.aggregate("kec", replace(flt.query, kab=selected), scope)
    kec_values = compute_measure(kec, kec_counts, measure)
    kec_classes = classify(kec_values, scheme)
    legend = ChoroplethLayer(
        frame=pd.DataFrame({"kode": kec["kode"], "nilai": kec_values, "kelas_idx": kec_classes.yb}),
        labels=kec_classes.labels, title=f"{label} — {t('per kecamatan')}",
    )
    kecamatan = choropleth_features(kec_base, legend, unit)
points = None
if show_points or show_heat:
    points = data.incidents(replace(flt.query, kab=selected), scope, limit=3000)

m = build_map(choropleth_features(base, layer, unit), layer, bounds=[list(bounds[0]), list(bounds[1])],
              kecamatan=kecamatan, legend=legend, points=points, cluster=show_points, heat=show_heat,
              tiles="OpenStreetMap" if tiles else None)

map_col, profile_col = st.columns([3, 2]) if selected else (st.container(), None)
with map_col:
    clicked = render_map(m, key="peta_map").get("last_active_drawing")
    st.caption(t("Klik sebuah kabupaten/kota untuk melihat profilnya dan kecamatannya."))
if clicked:
    code = (clicked.get("properties") or {}).get("kode")
    if code in known_kab and code != selected:
        st.session_state[state.SELECTED_KAB] = code
        st.rerun()

if selected and profile_col is not None:
    name = kab.set_index("kode").at[selected, "nama"]
    with profile_col:
        st.subheader(f"{name} ({selected})")
        if st.button(t("Kembali ke seluruh wilayah"), key="peta_kembali"):
            st.session_state[state.SELECTED_KAB] = None
            st.rerun()
        facts = data.election_context(selected)
        if facts:
            st.info(facts)
        rows = data.incidents(replace(flt.query, kab=selected), scope)
        if rows.empty:
            st.info(t("Tidak ada insiden pada periode dan saringan ini."))
        else:
            names = data.vocab("kategori")
            by_cat = rows.groupby("kategori").size().rename("insiden").reset_index()
            by_cat["kategori"] = by_cat["kategori"].map(lambda k: f"{k} — {names.get(k, k)}")
            st.markdown(f"**{t('Insiden per kategori')}**")
            st.bar_chart(by_cat, x="kategori", y="insiden", horizontal=True, height=260)
            monthly = (rows.assign(bulan=pd.to_datetime(rows["tgl_mulai"]).dt.to_period("M").dt.to_timestamp())
                       .groupby("bulan").size().rename("insiden"))
            st.markdown(f"**{t('Tren bulanan')}**")
            st.line_chart(monthly, height=180)
            st.markdown(f"**{t('Insiden terbaru')}**")
            st.dataframe(rows[["tgl_mulai", "kategori", "eskalasi", "judul", "status_penanganan"]].head(15),
                         hide_index=True, column_config={
                             "tgl_mulai": st.column_config.DateColumn("Tanggal", format="DD/MM/YYYY"),
                             "judul": st.column_config.TextColumn("Judul", width="large"),
                             "status_penanganan": "Status"})

with st.expander(t("Tabel nilai per kabupaten/kota")):
    table = kab[["kode", "nama", "jenis", "luas_km2"]].assign(nilai=values.round(2),
                                                              kelas=[classes.labels[i] for i in classes.yb])
    st.dataframe(table.sort_values("nilai", ascending=False), hide_index=True,
                 column_config={"luas_km2": st.column_config.NumberColumn("Luas (km²)", format="%.0f"),
                                "nilai": st.column_config.NumberColumn(label)})
