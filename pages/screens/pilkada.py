"""Pilkada & tahapan: the election calendar as data, incidents per stage, playback over time."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from analysis.election import CalendarError, stage_matrix
from analysis.measures import classify, compute_measure
from auth.roles import PermissionDenied, allowed, is_national_admin
from ingest.tables import TableError
from maps.choropleth import ChoroplethLayer, build_map, choropleth_features
from pages.components import data
from pages.components.auth_gate import current_scope, page_user
from pages.components.context import cursor
from pages.components.i18n import t
from pages.components.maps import render_map
from pages.components.playback import PlaybackControl, monthly_frames
from services.context import import_context, save_calendar
from store.election_context import load_context, stale
from store.elections import elections, load_calendar
from store.incidents import IncidentFilter

scope = current_scope()
user = page_user()
can_edit = is_national_admin(user)  # the calendar is national data
can_import = allowed(user.role, "impor")

st.title(t("Pilkada & Tahapan"))
names = elections(cursor())
if not names:
    st.info(t("Belum ada kalender pemilihan."))
    st.stop()
pemilihan = st.selectbox(t("Pemilihan"), names, key="pilkada_nama")
calendar = load_calendar(cursor(), pemilihan)

with st.expander(t("Kalender tahapan (dapat diubah)"), expanded=False):
    edited = st.data_editor(
        calendar, hide_index=True, num_rows="dynamic", disabled=not can_edit, key="pilkada_kalender",
        column_config={"urutan": None,
                       "mulai": st.column_config.DateColumn(t("Mulai"), format="DD/MM/YYYY", required=True),
                       "selesai": st.column_config.DateColumn(t("Selesai"), format="DD/MM/YYYY", required=True),
                       "tahapan": st.column_config.TextColumn(t("Tahapan"), required=True),
                       "catatan": st.column_config.TextColumn(t("Catatan"))})
    if can_edit and st.button(t("Simpan kalender"), key="pilkada_simpan"):
        try:
            save_calendar(cursor(), pemilihan, edited, user)
            st.success(t("Kalender disimpan."))
        except (CalendarError, PermissionDenied, ValueError) as exc:
            st.error(t("Kalender tidak disimpan: {exc}").format(exc=exc))

st.subheader(t("Konteks pemilihan per kabupaten/kota"))
context = load_context(cursor(), pemilihan, scope.region)
if can_import:
    with st.expander(t("Impor konteks (CSV: kode, jumlah_paslon, petahana, sengketa_lalu, ikp, ikp_tanggal, ipkp, "
                     "ipkp_tanggal, sumber)")):
        upload = st.file_uploader(t("Tabel konteks"), type=["csv"], key="konteks_berkas")
        if upload is not None and st.button(t("Simpan konteks"), key="konteks_simpan"):
            try:
                table = pd.read_csv(upload, dtype=str, keep_default_na=False, sep=None, engine="python")
                n = import_context(cursor(), table, pemilihan, user)
                st.success(t("{n} baris konteks disimpan.").format(n=n))
                context = load_context(cursor(), pemilihan, scope.region)
            except TableError as exc:
                st.error(str(exc))
                st.dataframe(exc.problems, hide_index=True)
if context.empty:
    st.caption(t("Belum ada konteks untuk pemilihan ini."))
else:
    oldest = context["ikp_tanggal"].dropna().min()
    if stale(oldest):
        st.warning(t("Data IKP tertua bertanggal {tanggal:%d/%m/%Y} — lebih dari setahun; "
                     "pastikan pimpinan tahu umur data ini.").format(
            tanggal=pd.Timestamp(oldest)))
    names = data.region_list("kab").set_index("kode")["nama"]
    st.dataframe(context.assign(wilayah=context["kode"].map(names))[
        ["kode", "wilayah", "jumlah_paslon", "petahana", "catatan", "ikp", "ikp_tanggal", "ipkp", "ipkp_tanggal"]],
        hide_index=True, column_config={"ikp_tanggal": st.column_config.DateColumn(t("tanggal IKP"), format="DD/MM/YYYY"),
                                        "ipkp_tanggal": st.column_config.DateColumn(t("tanggal IPKP"), format="DD/MM/YYYY")})

only_election = st.toggle(t("Hanya insiden terkait pemilu"), value=True, key="pilkada_pemilu")
kategori = ("POL",) if only_election else ()
kab = data.kab_in_scope(scope.region)

# incidents per region and stage: the scoped incidents of the calendar's span, tagged by the calendar
span = IncidentFilter(calendar["mulai"].min().date(), calendar["selesai"].max().date(), kategori=kategori)
rows = data.incidents(span, scope)
matrix = stage_matrix(rows, calendar) if len(rows) else pd.DataFrame(columns=[*calendar["tahapan"], "total"])
matrix = matrix.reindex(kab["kode"]).fillna(0).astype(int).sort_values("total", ascending=False, kind="stable")
per_stage = {name: matrix[name] for name in calendar["tahapan"]}
matrix.insert(0, "wilayah", kab.set_index("kode")["nama"].reindex(matrix.index))

st.subheader(t("Sebaran insiden per tahapan"))
st.caption(t("Baris: kabupaten/kota dengan insiden terbanyak sepanjang tahapan; warna makin gelap, makin banyak."))
top = matrix.loc[matrix["total"] > 0].head(20)
stage_cols = [c for c in top.columns if c not in ("wilayah", "total")]
st.dataframe(top.style.background_gradient(cmap="YlOrRd", subset=stage_cols, axis=None),
             column_config={"wilayah": t("Kabupaten/kota")})

st.subheader(t("Peta per tahapan"))
stage = st.selectbox(t("Tahapan"), list(per_stage), key="pilkada_tahapan")
values = compute_measure(kab, per_stage[stage].rename("jumlah").reset_index().assign(skor_eskalasi=0), "jumlah")
classes = classify(values)
layer = ChoroplethLayer(pd.DataFrame({"kode": kab["kode"], "nilai": values, "kelas_idx": classes.yb}),
                        classes.labels, f"Insiden — tahapan {stage}")
prefix = scope.region[:2] if scope.region else None
base, bounds = data.display_features("kab", "sedang" if prefix else "rendah", prefix)
render_map(build_map(choropleth_features(base, layer, "insiden"), layer, bounds=[list(bounds[0]), list(bounds[1])]),
           key="pilkada_peta", height=460)

st.subheader(t("Putar ulang menjelang pemungutan"))
start = calendar["mulai"].min().date() - timedelta(days=90)
end = calendar["selesai"].max().date()
months = pd.period_range(start, end, freq="M")
mode = st.radio(t("Cara hitung"), ["Kumulatif", "Per bulan"], format_func=t, horizontal=True, key="pilkada_mode")
frames = monthly_frames(kab, months, start, tuple(kategori), scope, cumulative=mode == "Kumulatif", calendar=calendar)
layer = ChoroplethLayer(pd.DataFrame({"kode": kab["kode"], "nilai": 0.0, "kelas_idx": [c for c in frames.classes[0]]}),
                        [t(label) for label in frames.labels],
                        t("Insiden s.d. bulan itu") if mode == "Kumulatif" else t("Insiden per bulan"))
playback = build_map(choropleth_features(base, layer, "insiden"), layer, bounds=[list(bounds[0]), list(bounds[1])])
PlaybackControl(frames, {"putar": t("▶ Putar"), "jeda": t("⏸ Jeda"), "bulan": t("Bulan")}).add_to(playback)
st.caption(t("Tekan ▶ pada peta: bulan demi bulan diputar di peramban, tanpa memuat ulang halaman."))
render_map(playback, key="pilkada_putar_peta", height=460)
