"""Peta Potensi Konflik: choropleth per kabupaten/kota, drill-down to kecamatan, profile panel.

The map is framed on what the user may see (their kabupaten, their province, the province filter
or Indonesia); kabupaten/kota names appear from the zoom where they fit, kecamatan names once
drilled in; a search box jumps to any kabupaten/kota or kecamatan in scope. Regions drawn around a
kabupaten office's own region are grey context *di luar cakupan*, never zero.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from analysis.measures import MEASURES, SCHEMES, classify, compute_measure
from lang import number
from maps.choropleth import ChoroplethLayer, bounds_of, build_map, choropleth_features
from pages.components import data, state
from pages.components.auth_gate import current_scope
from pages.components.filters import fill_missing, sidebar_filters
from pages.components.i18n import lang, t
from pages.components.maps import region_search, render_map, scope_labels

scope = current_scope()
st.title(t("Peta Potensi Konflik"))
flt = sidebar_filters(scope.region, key="peta")

with st.sidebar:
    measure = st.selectbox(t("Ukuran"), list(MEASURES), format_func=lambda k: MEASURES[k][0],
                           **state.shared_widget("ukuran", "peta_ukuran", next(iter(MEASURES)), MEASURES.__contains__))
    scheme = st.selectbox(t("Skema kelas"), list(SCHEMES), format_func=lambda k: SCHEMES[k][0],
                          **state.shared_widget("skema", "peta_skema", next(iter(SCHEMES)), SCHEMES.__contains__))
    st.subheader(t("Lapisan"))
    show_points = st.toggle(t("Titik insiden (klaster)"), value=False, key="peta_titik")
    show_heat = st.toggle(t("Peta panas (heat)"), value=False, key="peta_heat")
    tiles = st.toggle(t("Latar OpenStreetMap (butuh internet)"), value=False, key="peta_osm")

# Valued regions: a kabupaten user's kabupaten, a province user's (or the filter's) province, or all.
# Drawn regions: that province (a kabupaten user sees its neighbours as context) or all of Indonesia.
valued = scope.region or flt.prov
drawn = valued[:2] if valued else None
kab = data.kab_in_scope(valued)
known_kab = set(kab["kode"])

with st.spinner(t("Menghitung insiden…")):
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
c2.metric(t("Kabupaten/kota terdampak"), f"{number(int((values > 0).sum()), lang=lang())} dari "
                                         f"{number(len(kab), lang=lang())}")
c3.metric(t("Korban tewas"), number(int(counts["tewas"].sum()) if len(counts) else 0, lang=lang()))
c4.metric(t("Pengungsi"), number(int(counts["pengungsi"].sum()) if len(counts) else 0, lang=lang()))
st.caption(t("Periode: {period_label} · Kode wilayah Kepmendagri 300.2.2-2138/2025").format(period_label=flt.period_label))

selected = st.session_state.get(state.SELECTED_KAB)
if selected not in known_kab:
    selected = None
focus = st.session_state.get(state.FOCUS_KEC) if selected else None
if focus is not None and not str(focus).startswith(f"{selected}."):
    focus = None

region_search(kab, key="peta_cari", label=t("Cari kabupaten/kota atau kecamatan"))

with st.spinner(t("Menyiapkan peta…")):
    base, _ = data.display_features("kab", "sedang" if drawn else "rendah", drawn)
    features = choropleth_features(base, layer, unit, lang=lang())
    bounds = bounds_of(features, known_kab)
    labels = scope_labels(known_kab - {selected}, "kab")
    kecamatan = legend = kec = None
    if selected:
        # drill-down: the kecamatan of the selected kabupaten, classed among themselves
        kec_base, _ = data.display_features("kec", "tinggi", selected)
        kec = data.region_list("kec")
        kec = kec.loc[kec["kode_induk"] == selected].reset_index(drop=True)
        kec_counts = data.aggregate("kec", replace(flt.query, kab=selected), scope)
        kec_values = compute_measure(kec, kec_counts, measure)
        kec_classes = classify(kec_values, scheme)
        legend = ChoroplethLayer(
            frame=pd.DataFrame({"kode": kec["kode"], "nilai": kec_values, "kelas_idx": kec_classes.yb}),
            labels=kec_classes.labels, title=f"{label} — {t('per kecamatan')}",
        )
        kecamatan = choropleth_features(kec_base, legend, unit, lang=lang())
        for feature in kecamatan["features"]:
            feature["properties"]["fokus"] = feature["properties"]["kode"] == focus
        bounds = bounds_of(kecamatan, [focus] if focus else None) or bounds
        labels += scope_labels(kec["kode"], "kec")
    points = None
    if show_points or show_heat:
        points = data.incidents(replace(flt.query, kab=selected), scope, limit=3000)
    m = build_map(features, layer, bounds=bounds, kecamatan=kecamatan, legend=legend, points=points,
                  cluster=show_points, heat=show_heat, tiles="OpenStreetMap" if tiles else None, labels=labels,
                  lang=lang())

map_col, profile_col = st.columns([3, 2]) if selected else (st.container(), None)
with map_col:
    clicked = render_map(m, key="peta_map").get("last_active_drawing")
    st.caption(t("Klik sebuah kabupaten/kota untuk melihat profilnya dan kecamatannya.") + " "
               + t("Nama wilayah muncul saat peta diperbesar."))
if clicked:
    code = (clicked.get("properties") or {}).get("kode")
    if code in known_kab and code != selected:
        st.session_state[state.SELECTED_KAB] = code
        st.session_state[state.FOCUS_KEC] = None
        st.rerun()

if selected and profile_col is not None:
    name = kab.set_index("kode").at[selected, "nama"]
    with profile_col:
        st.subheader(f"{name} ({selected})")
        if focus is not None and kec is not None:
            kec_name = kec.set_index("kode")["nama"].get(focus, focus)
            st.caption(f"{t('Peta diperbesar ke Kecamatan')} {kec_name} ({focus})")
        if st.button(t("Kembali ke seluruh wilayah"), key="peta_kembali"):
            st.session_state[state.SELECTED_KAB] = None
            st.session_state[state.FOCUS_KEC] = None
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
            latest = rows[["tgl_mulai", "kategori", "eskalasi", "judul", "status_penanganan"]].head(15)
            st.dataframe(fill_missing(latest, lang=lang()), hide_index=True, column_config={
                "tgl_mulai": st.column_config.DateColumn(t("Tanggal"), format="DD/MM/YYYY"),
                "judul": st.column_config.TextColumn(t("Judul"), width="large"),
                "status_penanganan": t("Status")})

with st.expander(t("Tabel nilai per kabupaten/kota")):
    table = kab[["kode", "nama", "jenis", "luas_km2"]].assign(nilai=values.round(2),
                                                              kelas=[classes.labels[i] for i in classes.yb])
    st.dataframe(fill_missing(table.sort_values("nilai", ascending=False), lang=lang()), hide_index=True,
                 column_config={"luas_km2": st.column_config.NumberColumn(t("Luas (km²)"), format="%.0f"),
                                "nilai": st.column_config.NumberColumn(label)})
