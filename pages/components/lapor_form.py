"""The Lapor form, shared by the Lapor page (a new report) and the Laporan page (a correction).

Widgets only: every value is read into a :class:`services.lapor.ReportForm` and checked by the
service (the import's rules). Widget values live in session state under ``<key>_<field>``, so a
refused or stale save keeps what the officer typed. Places are chosen province → kabupaten/kota →
kecamatan inside the user's scope, or typed as coordinates.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analysis.lapsitda import REPORT_KINDS
from geo.locate import load_locator
from pages.components import data
from services.lapor import EXTRA_FIELDS, FORM_FIELDS, ReportForm

__all__ = ["FROM_POINT", "GROUPS", "LAST_SAVED", "OPEN_REPORT", "clear_form", "locator", "prefill", "read_form",
           "render_form", "show_problems"]

#: Session-state keys of the report pages (one place, like ``pages.components.state``).
OPEN_REPORT = "laporan_dibuka"        # id of the report the Laporan page shows
LAST_SAVED = "lapor_tersimpan"        # services.lapor.Saved of the last save on the Lapor page
FROM_POINT = ""                       # kabupaten/kota chooser: "determine it from the coordinates"
#: Form groups as an officer thinks of a report, with the form fields each shows.
GROUPS = {
    "Apa": ("judul", "kategori", "subkategori", "bentuk", "sifat", "athg", "bidang", "eskalasi", "klasifikasi",
            "kronologi"),
    "Di mana": ("kode_kab", "kode_kec", "lokasi", "lintang", "presisi_lokasi"),
    "Kapan": ("tanggal", "tanggal_selesai", "tanggal_lapsitda"),
    "Siapa": ("aktor_1", "tipe_aktor1", "aktor_2", "tipe_aktor2"),
    "Dampak": ("tewas", "luka", "pengungsi"),
    "Sumber": ("sumber", "id_sumber"),
    "Penanganan": ("status_penanganan", "instansi_penanganan", "rekomendasi", "analisis"),
}
_NONE = "—"
_ESKALASI = {0: "0 kondusif", 1: "1 potensi/laten", 2: "2 waspada", 3: "3 insiden terbatas", 4: "4 konflik terbuka",
             5: "5 status keadaan konflik"}
_PRECISION = {"": "otomatis", "1": "1 titik/desa", "2": "2 kecamatan", "3": "3 kabupaten/kota", "4": "4 provinsi"}


@st.cache_resource(show_spinner="Memuat grid wilayah…")
def locator():
    """The point → region locator (shared, read-only)."""
    return load_locator()


def _k(key: str, name: str) -> str:
    return f"{key}_{name}"


def clear_form(key: str) -> None:
    """Forget every widget value of the form ``key`` (after a successful save)."""
    for name in [*FORM_FIELDS, "prov", "jenis", "tanggal_lapsitda"]:
        st.session_state.pop(_k(key, name), None)


def prefill(key: str, values: dict[str, str], jenis: str, tanggal_lapsitda: date | None) -> None:
    """Put a stored report's values into the form's widgets (before they are drawn)."""
    clear_form(key)
    state = st.session_state
    for name, value in values.items():
        state[_k(key, name)] = value
    for name in ("tanggal", "tanggal_selesai"):
        text = values.get(name) or ""
        state[_k(key, name)] = pd.to_datetime(text, format="%d/%m/%Y").date() if text else None
    for name in ("tewas", "luka", "pengungsi"):
        state[_k(key, name)] = int(float(values.get(name) or 0))
    state[_k(key, "eskalasi")] = int(float(values.get("eskalasi") or 1))
    state[_k(key, "kode_kab")] = values.get("kode_kab") or FROM_POINT
    state[_k(key, "kode_kec")] = values.get("kode_kec") or _NONE
    state[_k(key, "prov")] = (values.get("kode_kab") or "")[:2] or None
    state[_k(key, "jenis")] = jenis
    state[_k(key, "tanggal_lapsitda")] = tanggal_lapsitda


def _choices(daftar: str, optional: bool = True) -> tuple[list[str], dict[str, str]]:
    names = data.vocab(daftar)
    options = ([_NONE] if optional else []) + list(names)
    return options, {k: f"{k} — {v}" if k != v else k for k, v in names.items()}


def _select(container, label: str, key: str, daftar: str, *, optional: bool = True, default: str | None = None):
    """A chooser over a vocabulary; a required one without a default starts empty (the check then
    says so, as the import does for an empty cell)."""
    options, labels = _choices(daftar, optional)
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else (options[0] if optional else None)
    return container.selectbox(label, options, key=key, format_func=lambda c: labels.get(c, c), placeholder="pilih…")


def _place(container, key: str, user) -> None:
    """Province → kabupaten/kota → kecamatan choosers limited to the user's scope."""
    prov = data.region_list("prov")
    kab = data.region_list("kab")
    kec = data.region_list("kec")
    region = user.region
    if region:
        prov = prov.loc[prov["kode"] == region[:2]]
        kab = kab.loc[(kab["kode"] == region) | kab["kode"].str.startswith(region + ".")]
    prov_names = dict(zip(prov["kode"], prov["nama"]))
    c1, c2, c3 = container.columns(3)
    if st.session_state.get(_k(key, "prov")) not in prov_names:
        st.session_state[_k(key, "prov")] = next(iter(prov_names)) if len(prov_names) == 1 else None
    chosen_prov = c1.selectbox("Provinsi", list(prov_names), key=_k(key, "prov"), placeholder="pilih provinsi",
                               format_func=lambda c: f"{prov_names[c]} ({c})")
    kab = kab.loc[kab["kode_prov"] == chosen_prov] if chosen_prov else kab.iloc[0:0]
    kab_names = dict(zip(kab["kode"], kab["nama"]))
    kab_options = ([] if len(kab_names) == 1 else [FROM_POINT]) + list(kab_names)
    if st.session_state.get(_k(key, "kode_kab")) not in kab_options:
        st.session_state[_k(key, "kode_kab")] = kab_options[0] if kab_options else FROM_POINT
    chosen_kab = c2.selectbox("Kabupaten/kota", kab_options or [FROM_POINT], key=_k(key, "kode_kab"),
                              format_func=lambda c: f"{kab_names[c]} ({c})" if c else "— dari koordinat —")
    kec = kec.loc[kec["kode_induk"] == chosen_kab] if chosen_kab else kec.iloc[0:0]
    kec_names = dict(zip(kec["kode"], kec["nama"]))
    if st.session_state.get(_k(key, "kode_kec")) not in [_NONE, *kec_names]:
        st.session_state[_k(key, "kode_kec")] = _NONE
    c3.selectbox("Kecamatan", [_NONE, *kec_names], key=_k(key, "kode_kec"),
                 format_func=lambda c: f"{kec_names[c]} ({c})" if c in kec_names else "— (tidak diisi)")


def render_form(key: str, user, *, problems: pd.DataFrame | None = None, default_day: date | None = None) -> None:
    """Draw the form's widgets grouped as an officer thinks (what, where, when, who, impact, source,
    handling); each group shows the problems of its fields."""
    problems = problems if problems is not None else pd.DataFrame(columns=["isian", "alasan", "perbaikan", "nilai"])
    st.radio("Jenis laporan", list(REPORT_KINDS), key=_k(key, "jenis"), horizontal=True,
             format_func=REPORT_KINDS.get)
    for title, fields in GROUPS.items():
        box = st.container(border=True)
        box.markdown(f"**{title}**")
        _group(box, title, key, user, default_day)
        for problem in problems.loc[problems["isian"].isin(fields)].itertuples(index=False):
            box.error(_problem_text(problem))
    grouped = {name for fields in GROUPS.values() for name in fields}
    for problem in problems.loc[~problems["isian"].isin(grouped)].itertuples(index=False):
        st.error(_problem_text(problem))


def _problem_text(problem) -> str:
    """The import's own words, under the template column it names."""
    return f"{problem.kolom}: {problem.alasan}" + (f" — {problem.perbaikan}" if problem.perbaikan else "")


def _group(box, title: str, key: str, user, default_day: date | None) -> None:
    k = lambda name: _k(key, name)  # noqa: E731
    if title == "Apa":
        box.text_input("Judul singkat *", key=k("judul"), max_chars=500)
        c1, c2, c3 = box.columns(3)
        _select(c1, "Kategori *", k("kategori"), "kategori", optional=False)
        c2.text_input("Subkategori", key=k("subkategori"))
        _select(c3, "Bentuk kejadian", k("bentuk"), "bentuk")
        c1, c2, c3 = box.columns(3)
        _select(c1, "Sifat", k("sifat"), "sifat", optional=False, default="kejadian")
        _select(c2, "ATHG", k("athg"), "athg")
        _select(c3, "Bidang (aspek)", k("bidang"), "bidang")
        c1, c2 = box.columns(2)
        if st.session_state.get(k("eskalasi")) not in _ESKALASI:
            st.session_state[k("eskalasi")] = 1
        c1.selectbox("Eskalasi", list(_ESKALASI), key=k("eskalasi"), format_func=_ESKALASI.get)
        _select(c2, "Klasifikasi", k("klasifikasi"), "klasifikasi", optional=False, default="Biasa")
        box.text_area("Kronologi (fakta: apa, bilamana, di mana, siapa, bagaimana, mengapa)", key=k("kronologi"),
                      height=120)
    elif title == "Di mana":
        _place(box, key, user)
        box.text_input("Nama tempat (desa/kelurahan/kampung)", key=k("lokasi"))
        c1, c2, c3 = box.columns(3)
        c1.text_input("Lintang (desimal, mis. -3,4420)", key=k("lintang"))
        c2.text_input("Bujur (desimal, mis. 114,8310)", key=k("bujur"))
        c3.selectbox("Presisi lokasi", list(_PRECISION), key=k("presisi_lokasi"), format_func=_PRECISION.get)
        box.caption("Pilih wilayah, ketik koordinat, atau keduanya: SIGAP memeriksa apakah keduanya cocok.")
    elif title == "Kapan":
        c1, c2, c3 = box.columns(3)
        st.session_state.setdefault(k("tanggal"), default_day)
        c1.date_input("Tanggal kejadian *", key=k("tanggal"), format="DD/MM/YYYY")
        st.session_state.setdefault(k("tanggal_selesai"), None)
        c2.date_input("Tanggal selesai", key=k("tanggal_selesai"), format="DD/MM/YYYY")
        st.session_state.setdefault(k("tanggal_lapsitda"), default_day)
        c3.date_input("Masuk LAPSITDA tanggal", key=k("tanggal_lapsitda"), format="DD/MM/YYYY")
    elif title == "Siapa":
        c1, c2 = box.columns(2)
        c1.text_input("Aktor pertama", key=k("aktor_1"))
        _select(c2, "Tipe aktor pertama", k("tipe_aktor1"), "tipe_aktor")
        c1, c2 = box.columns(2)
        c1.text_input("Aktor kedua", key=k("aktor_2"))
        _select(c2, "Tipe aktor kedua", k("tipe_aktor2"), "tipe_aktor")
    elif title == "Dampak":
        c1, c2, c3 = box.columns(3)
        for column, name, label in ((c1, "tewas", "Tewas"), (c2, "luka", "Luka"), (c3, "pengungsi", "Pengungsi")):
            st.session_state.setdefault(k(name), 0)
            column.number_input(label, min_value=0, step=1, key=k(name))
    elif title == "Sumber":
        box.text_input("Sumber informasi", key=k("sumber"))
        number = st.session_state.get(k("id_sumber")) or "diberikan SIGAP saat disimpan"
        box.caption(f"Nomor laporan: {number}")
    elif title == "Penanganan":
        _select(box, "Status penanganan", k("status_penanganan"), "status_penanganan", optional=False,
                default="baru")
        box.text_input("Instansi yang menangani", key=k("instansi_penanganan"))
        box.text_area("Analisis pelapor (penilaian; terpisah dari kronologi)", key=k("analisis"), height=80)
        box.text_input("Rekomendasi", key=k("rekomendasi"))


def read_form(key: str) -> ReportForm:
    """The widgets' values as the service's :class:`ReportForm` (text per template field)."""
    state = st.session_state

    def text(name: str) -> str:
        value = state.get(_k(key, name))
        if value is None or value == _NONE:
            return ""
        if isinstance(value, date):
            return f"{value:%d/%m/%Y}"
        return str(value).strip()

    fields = {name: text(name) for name in FORM_FIELDS if name not in ("id_sumber",)}
    fields.update(provinsi="", kabupaten_kota="", kecamatan="", id_sumber="")
    for name in EXTRA_FIELDS:
        fields[name] = text(name)
    return ReportForm(fields, jenis=state.get(_k(key, "jenis")) or "harian",
                      tanggal_lapsitda=state.get(_k(key, "tanggal_lapsitda")))


def show_problems(checked) -> None:
    """The check's notes and confirmation questions (problems show in their groups)."""
    for note in checked.notes:
        st.info(note)
    for question in checked.confirm:
        st.warning(f"Perlu konfirmasi: {question}")
