"""Indeks Potensi Konflik: choropleth, ranking with reasons, per-region breakdown, live weights,
and the "Wilayah perlu perhatian" early-warning list."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from analysis.early_warning import surge_windows, surges
from analysis.ipk import CLASSES, INCIDENT_INDICATORS, POLRI_LABELS
from analysis.profile import Dimension, Indicator, load_profile
from analysis.triwulan import previous_quarter, quarter_bounds, quarters_between
from auth.roles import allowed
from maps.choropleth import build_map, choropleth_features
from pages.components import data
from pages.components.auth_gate import current_scope, page_user
from pages.components.i18n import t
from pages.components.ipk import backtest, ipk_for_quarter, ipk_layer, next_quarter_forecast, regions_in_scope
from pages.components.maps import render_map
from reports.triwulan import counted_text
from settings import DATA_DIR
from store.election_context import stale
from store.incidents import IncidentFilter

PROFILE = DATA_DIR / "profiles" / "konflik_sosial.toml"

scope = current_scope()
# Leaders' figures count verified incidents only (reports.triwulan.counted_text says which); an analyst
# may include the submitted, not yet verified ones with a visible switch.
verified_only = True
if allowed(page_user().role, "verifikasi"):
    verified_only = not st.toggle(t("Sertakan laporan belum diverifikasi"), key="ipk_belum_verifikasi",
                                  help=t("Bawaan: hanya insiden yang sudah diverifikasi kabupaten/kota atau provinsi."))
counted = partial(IncidentFilter, verified_only=verified_only)
st.title(t("Indeks Potensi Konflik"))
profile = load_profile(PROFILE)

with st.sidebar:
    st.subheader(t("Periode"))
    quarters = quarters_between(date(2024, 1, 1), date.today())[::-1]
    label = st.selectbox(t("Triwulan"), quarters, key="ipk_tw")
    legend = st.radio(t("Label kelas"), ["IKP (Rendah/Sedang/Tinggi)", "Polri (kurang rawan … sangat rawan)"],
                      key="ipk_label")
    st.subheader(t("Bobot dimensi"))
    weights = {d.kode: st.slider(d.nama, 0.0, 1.0, float(d.bobot), 0.05, key=f"ipk_bobot_{d.kode}")
               for d in profile.dimensi}
profile = profile.with_dimension_weights(weights)
catalogue = data.indicator_catalogue()
area_names: list[str] = []
if not catalogue.empty:
    with st.sidebar:
        area_names = st.multiselect(t("Indikator wilayah sebagai kerentanan"), catalogue["nama"].tolist(),
                                    key="ipk_indikator")
context = data.election_context_table(scope.region)
use_ikp = False
if not context.empty and context["ikp"].notna().any():
    with st.sidebar:
        use_ikp = st.toggle(t("Tambah dimensi kerentanan (IKP Bawaslu)"), key="ipk_ikp")
        ikp_weight = st.slider(t("Kerentanan"), 0.0, 1.0, 0.2, 0.05, key="ipk_bobot_kerentanan", disabled=not use_ikp)
    if use_ikp:
        profile = profile.with_dimension(Dimension("kerentanan", "Kerentanan", ikp_weight,
                                                   (Indicator("ikp", "skor IKP Bawaslu", 1.0, 100.0, "linear"),)))

start, end = quarter_bounds(label)
prev_start, prev_end = quarter_bounds(previous_quarter(label))
args = (scope.region, scope.clearance)
area = context[["kode", "ikp"]] if use_ikp else None
if area_names:
    values = data.indicator_table(tuple(area_names))
    # each area indicator scales linearly to its 95th percentile across regions (= 100)
    profile = profile.with_dimension(Dimension("kerentanan_wilayah", "Kerentanan wilayah", 0.2, tuple(
        Indicator(n, n.replace("_", " "), 1.0, float(values[n].quantile(0.95)) or 1.0, "linear") for n in area_names)))
    area = values if area is None else area.merge(values, on="kode", how="outer")
    dated = catalogue.set_index("nama").loc[area_names]
    st.caption(t("Indikator wilayah: ") + "; ".join(
        f"{n} (data {pd.Timestamp(r.tanggal_data):%d/%m/%Y}{t(' — lebih dari setahun') if stale(r.tanggal_data) else ''})"
        for n, r in dated.iterrows()))
table, result = ipk_for_quarter(*args, label, profile, area, verified_only=verified_only)
kab = regions_in_scope(scope.region)
scores = result.scores.assign(nama=table["nama"], alasan=result.reasons, jumlah=table["jumlah"])
class_col = "kelas" if legend.startswith("IKP") else "kelas_polri"
labels = CLASSES if class_col == "kelas" else tuple(POLRI_LABELS[c] for c in CLASSES)

if use_ikp:
    dates = context["ikp_tanggal"].dropna()
    st.caption(t("Dimensi kerentanan memakai IKP Bawaslu bertanggal {tanggal:%d/%m/%Y}").format(
        tanggal=pd.Timestamp(dates.min())) + (f"–{pd.Timestamp(dates.max()):%d/%m/%Y}" if dates.max() != dates.min() else ""))
st.caption(t("Profil: {nama} · triwulan {label} ({start:%d/%m/%Y}–{end:%d/%m/%Y}) dibanding "
             "{prev_start:%d/%m/%Y}–{prev_end:%d/%m/%Y} · batas kelas {n:.1f} / {n2:.1f} · "
             "data insiden s.d. {end:%d/%m/%Y}").format(
    nama=profile.nama, label=label, start=start, end=end, prev_start=prev_start, prev_end=prev_end, n=result.cuts[0],
    n2=result.cuts[1]))
c1, c2, c3 = st.columns(3)
for col, name in zip((c1, c2, c3), CLASSES):
    col.metric(t("Kelas {name}").format(name=name), int((scores["kelas"] == name).sum()))

layer = ipk_layer(scores, label, labels)
prefix = scope.region[:2] if scope.region else None
base, bounds = data.display_features("kab", "sedang" if prefix else "rendah", prefix)
render_map(build_map(choropleth_features(base, layer, ""), layer, bounds=[list(bounds[0]), list(bounds[1])]),
           key="ipk_peta", height=480)

st.subheader(t("Peringkat"))
top = scores.sort_values("ipk", ascending=False).head(20)
st.dataframe(top[["kode", "nama", "ipk", class_col, "jumlah", "alasan"]], hide_index=True,
             column_config={"ipk": st.column_config.ProgressColumn(t("IPK"), min_value=0, max_value=100, format="%.1f"),
                            class_col: t("Kelas"), "jumlah": t("Insiden"), "alasan": st.column_config.TextColumn(
                                t("Alasan utama"), width="large")})

chosen = st.selectbox(t("Rincian wilayah"), top["kode"].tolist(), key="ipk_rinci",
                      format_func=lambda k: f"{scores.set_index('kode').at[k, 'nama']} ({k})")
if chosen:
    row = scores.set_index("kode").loc[chosen]
    dims = pd.DataFrame({"dimensi": [d.nama for d in profile.dimensi],
                         "skor": [row[d.kode] for d in profile.dimensi],
                         "bobot": [d.bobot for d in profile.dimensi]})
    st.bar_chart(dims, x="dimensi", y="skor", horizontal=True, height=200)

st.subheader(t("Seberapa tepat peta triwulan lalu?"))
st.caption(t("Uji balik: untuk setiap triwulan lampau indeks dihitung hanya dengan data sampai triwulan itu, lalu "
           "dinilai terhadap triwulan berikutnya — dibanding anggapan sederhana 'sama dengan triwulan lalu' dan "
           "'rata-rata 4 triwulan terakhir'. Yang diuji adalah insiden yang *dilaporkan*, bukan seluruh kejadian."))
profiles = {"profil di atas": profile}
default = load_profile(PROFILE)
if profile != default and not any(i.kode not in INCIDENT_INDICATORS for d in profile.dimensi for i in d.indikator):
    profiles["profil bawaan"] = default
if any(i.kode not in INCIDENT_INDICATORS for d in profile.dimensi for i in d.indikator):
    st.info(t("Uji balik hanya untuk indikator insiden; matikan indikator wilayah (IKP, penduduk…) untuk mengujinya."))
else:
    with st.spinner(t("Menghitung uji balik (sekali per jam)…")):
        check = backtest(scope.region, scope.clearance, profiles, verified_only=verified_only)
    if check is None:
        st.info(t("Riwayat insiden dalam cakupan ini belum cukup panjang untuk uji balik (perlu sedikitnya dua tahun)."))
    else:
        methods = [m for m in check.summary["metode"].unique() if m.startswith("ipk")]
        st.write(check.index_text(methods[0]))
        table = check.summary.pivot_table(index="metode", columns="ukuran", values="nilai")
        st.dataframe(table[[c for c in ("hit_rate", "ap", "spearman") if c in table.columns]], column_config={
            "hit_rate": st.column_config.NumberColumn(t("Tepat {top} teratas").format(top=check.top), format="percent"),
            "ap": st.column_config.NumberColumn(t("Presisi rata-rata (≥ 1 insiden)"), format="%.2f"),
            "spearman": st.column_config.NumberColumn(t("Korelasi peringkat"), format="%.2f")})
        over_time = check.rows.pivot_table(index="sasaran", columns="metode", values="hit_rate")
        st.line_chart(over_time, height=220, x_label="triwulan yang dinilai", y_label="tepat N teratas")
        if check.verdict is not None:
            st.markdown(t("**Prakiraan:** {text}").format(text=check.verdict.text))
            if check.verdict.shown:
                ahead = next_quarter_forecast(scope.region, scope.clearance, verified_only=verified_only)
                ahead = ahead.assign(nama=ahead["kode"].map(kab.set_index("kode")["nama"]))
                st.dataframe(ahead.sort_values("perkiraan", ascending=False).head(10)[
                    ["kode", "nama", "terakhir", "perkiraan", "bawah", "atas"]], hide_index=True, column_config={
                    "terakhir": t("Triwulan lalu"), "perkiraan": st.column_config.NumberColumn(t("Perkiraan"), format="%.1f"),
                    "bawah": st.column_config.NumberColumn(t("Batas bawah"), format="%.1f"),
                    "atas": st.column_config.NumberColumn(t("Batas atas"), format="%.1f")})

st.subheader(t("Wilayah perlu perhatian"))
window_end = date.today()
windows = surge_windows(window_end)
recent = data.aggregate("kab", counted(*windows.recent), scope, by_kategori=True)
before = data.aggregate("kab", counted(*windows.baseline), scope, by_kategori=True)
alerts = surges(recent, before, by=("kode", "kategori"))
st.caption(t("Angka insiden — {counted_text}").format(counted_text=counted_text(verified_only)))
if alerts.empty:
    st.info(t("Tidak ada kenaikan yang bermakna dalam 4 minggu terakhir dibanding 4 minggu sebelumnya."))
else:
    names = kab.set_index("kode")["nama"]
    alerts.insert(1, "nama", alerts["kode"].map(names))
    st.dataframe(alerts[["kode", "nama", "kategori", "tingkat", "alasan"]], hide_index=True)
