"""The Lapor form, shared by the Lapor page (a new report) and the Laporan page (a correction).

Widgets only: every value is read into a :class:`services.lapor.ReportForm` and checked by the
service (the import's rules). Places are chosen province → kabupaten/kota → kecamatan inside the
user's scope, or typed as coordinates.

Each form instance has its own widget keys (``<key>_<field>``; pages put a generation number in
``key``): a new instance starts from ``initial`` given as widget defaults — never by writing widget
keys in session state, which raced with fast typing in the browser and could send a chooser back
to its first option — and keeps what the officer typed across reruns, refused and stale saves.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
import streamlit as st

from analysis.lapsitda import REPORT_KINDS
from geo.locate import load_locator
from pages.components import data
from pages.components.i18n import t
from services.lapor import FORM_FIELDS, ReportForm

__all__ = ["FROM_POINT", "GROUPS", "LAST_SAVED", "OPEN_REPORT", "locator", "next_key", "read_form", "render_form",
           "show_problems"]

#: Session-state keys of the report pages (one place, like ``pages.components.state``).
OPEN_REPORT = "laporan_dibuka"        # id of the report the Laporan page shows
LAST_SAVED = "lapor_tersimpan"        # services.lapor.Saved of the last save on the Lapor page
_GENERATIONS = "formulir_generasi"    # {form name: generation}
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


def next_key(name: str, *, renew: bool = False) -> str:
    """The widget-key prefix of form ``name``; ``renew`` starts a fresh instance (new defaults)."""
    generations = st.session_state.setdefault(_GENERATIONS, {})
    if renew:
        generations[name] = generations.get(name, 0) + 1
    return f"{name}{generations.get(name, 0)}"


def _k(key: str, name: str) -> str:
    return f"{key}_{name}"


def _index(options: list, value, fallback: int | None) -> int | None:
    return options.index(value) if value in options else fallback


def _date_value(text: str | None, default: date | None) -> date | None:
    return pd.to_datetime(text, format="%d/%m/%Y").date() if text else default


def _int(text: str | None, default: int) -> int:
    try:
        return int(float(text)) if text not in (None, "") else default
    except ValueError:
        return default


def _select(container, label: str, key: str, daftar: str, value: str | None, *, optional: bool = True,
            default: str | None = None):
    """A chooser over a vocabulary; a required one without a value starts empty (the check then says
    so, as the import does for an empty cell)."""
    names = data.vocab(daftar)
    options = ([_NONE] if optional else []) + list(names)
    labels = {k: f"{k} — {v}" if k != v else k for k, v in names.items()}
    index = _index(options, value, _index(options, default, 0 if optional else None))
    return container.selectbox(label, options, index=index, key=key, format_func=lambda c: labels.get(c, c),
                               placeholder=t("pilih…"))


def _place(container, key: str, user, initial: Mapping[str, str]) -> None:
    """Province → kabupaten/kota → kecamatan choosers limited to the user's scope."""
    prov = data.region_list("prov")
    kab = data.region_list("kab")
    kec = data.region_list("kec")
    region = user.region
    if region:
        prov = prov.loc[prov["kode"] == region[:2]]
        kab = kab.loc[(kab["kode"] == region) | kab["kode"].str.startswith(region + ".")]
    prov_names = dict(zip(prov["kode"], prov["nama"]))
    prov_options = list(prov_names)
    c1, c2, c3 = container.columns(3)
    start = (initial.get("kode_kab") or "")[:2]
    chosen_prov = c1.selectbox(t("Provinsi"), prov_options, key=_k(key, "prov"), placeholder=t("pilih provinsi"),
                               index=_index(prov_options, start, 0 if len(prov_options) == 1 else None),
                               format_func=lambda c: f"{prov_names[c]} ({c})")
    kab = kab.loc[kab["kode_prov"] == chosen_prov] if chosen_prov else kab.iloc[0:0]
    kab_names = dict(zip(kab["kode"], kab["nama"]))
    kab_options = ([] if len(kab_names) == 1 else [FROM_POINT]) + list(kab_names)
    chosen_kab = c2.selectbox(t("Kabupaten/kota"), kab_options, key=_k(key, "kode_kab"),
                              index=_index(kab_options, initial.get("kode_kab") or FROM_POINT, 0),
                              format_func=lambda c: f"{kab_names[c]} ({c})" if c else "— dari koordinat —")
    kec = kec.loc[kec["kode_induk"] == chosen_kab] if chosen_kab else kec.iloc[0:0]
    kec_names = dict(zip(kec["kode"], kec["nama"]))
    kec_options = [_NONE, *kec_names]
    c3.selectbox(t("Kecamatan"), kec_options, key=_k(key, "kode_kec"), index=_index(kec_options, initial.get("kode_kec"), 0),
                 format_func=lambda c: f"{kec_names[c]} ({c})" if c in kec_names else "— (tidak diisi)")


def render_form(key: str, user, *, initial: Mapping[str, str] | None = None, jenis: str = "harian",
                tanggal_lapsitda: date | None = None, default_day: date | None = None,
                problems: pd.DataFrame | None = None) -> None:
    """Draw the form's widgets grouped as an officer thinks (what, where, when, who, impact, source,
    handling); each group shows the problems of its fields.

    Parameters
    ----------
    key : str
        Widget-key prefix of this form instance (:func:`next_key`).
    initial : Mapping[str, str], optional
        Text per form field of a stored report (:func:`services.lapor.form_values`).
    default_day : date, optional
        The office's local today: the default date of the event and of its LAPSITDA.
    """
    initial = initial or {}
    problems = problems if problems is not None else pd.DataFrame(columns=["isian", "kolom", "alasan", "perbaikan"])
    kinds = list(REPORT_KINDS)
    st.radio(t("Jenis laporan"), kinds, index=_index(kinds, jenis, 0), key=_k(key, "jenis"), horizontal=True,
             format_func=REPORT_KINDS.get)
    for title, fields in GROUPS.items():
        box = st.container(border=True)
        box.markdown(f"**{title}**")
        _group(box, title, key, user, initial, tanggal_lapsitda or default_day, default_day)
        for problem in problems.loc[problems["isian"].isin(fields)].itertuples(index=False):
            box.error(_problem_text(problem))
    grouped = {name for fields in GROUPS.values() for name in fields}
    for problem in problems.loc[~problems["isian"].isin(grouped)].itertuples(index=False):
        st.error(_problem_text(problem))


def _problem_text(problem) -> str:
    """The import's own words, under the template column it names."""
    return f"{problem.kolom}: {problem.alasan}" + (f" — {problem.perbaikan}" if problem.perbaikan else "")


def _group(box, title: str, key: str, user, initial: Mapping[str, str], lapsitda_day: date | None,
           default_day: date | None) -> None:
    def k(name: str) -> str:
        return _k(key, name)

    def text(name: str) -> str:
        return initial.get(name) or ""

    if title == "Apa":
        box.text_input(t("Judul singkat *"), value=text("judul"), key=k("judul"), max_chars=500)
        c1, c2, c3 = box.columns(3)
        _select(c1, t("Kategori *"), k("kategori"), "kategori", initial.get("kategori"), optional=False)
        c2.text_input(t("Subkategori"), value=text("subkategori"), key=k("subkategori"))
        _select(c3, t("Bentuk kejadian"), k("bentuk"), "bentuk", initial.get("bentuk"))
        c1, c2, c3 = box.columns(3)
        _select(c1, t("Sifat"), k("sifat"), "sifat", initial.get("sifat"), optional=False, default="kejadian")
        _select(c2, t("ATHG"), k("athg"), "athg", initial.get("athg"))
        _select(c3, t("Bidang (aspek)"), k("bidang"), "bidang", initial.get("bidang"))
        c1, c2 = box.columns(2)
        levels = list(_ESKALASI)
        c1.selectbox(t("Eskalasi"), levels, index=_index(levels, _int(initial.get("eskalasi"), 1), 1), key=k("eskalasi"),
                     format_func=_ESKALASI.get)
        _select(c2, t("Klasifikasi"), k("klasifikasi"), "klasifikasi", initial.get("klasifikasi"), optional=False,
                default="Biasa")
        box.text_area(t("Kronologi (fakta: apa, bilamana, di mana, siapa, bagaimana, mengapa)"), value=text("kronologi"),
                      key=k("kronologi"), height=120)
    elif title == "Di mana":
        _place(box, key, user, initial)
        box.text_input(t("Nama tempat (desa/kelurahan/kampung)"), value=text("lokasi"), key=k("lokasi"))
        c1, c2, c3 = box.columns(3)
        c1.text_input(t("Lintang (desimal, mis. -3,4420)"), value=text("lintang"), key=k("lintang"))
        c2.text_input(t("Bujur (desimal, mis. 114,8310)"), value=text("bujur"), key=k("bujur"))
        precision = list(_PRECISION)
        c3.selectbox(t("Presisi lokasi"), precision, index=_index(precision, text("presisi_lokasi"), 0),
                     key=k("presisi_lokasi"), format_func=_PRECISION.get)
        box.caption(t("Pilih wilayah, ketik koordinat, atau keduanya: SIGAP memeriksa apakah keduanya cocok."))
    elif title == "Kapan":
        c1, c2, c3 = box.columns(3)
        c1.date_input(t("Tanggal kejadian *"), value=_date_value(text("tanggal"), default_day), key=k("tanggal"),
                      format="DD/MM/YYYY")
        c2.date_input(t("Tanggal selesai"), value=_date_value(text("tanggal_selesai"), None), key=k("tanggal_selesai"),
                      format="DD/MM/YYYY")
        c3.date_input(t("Masuk LAPSITDA tanggal"), value=lapsitda_day, key=k("tanggal_lapsitda"), format="DD/MM/YYYY")
    elif title == "Siapa":
        for n in ("1", "2"):
            c1, c2 = box.columns(2)
            word = t("pertama") if n == "1" else t("kedua")
            c1.text_input(t("Aktor {word}").format(word=word), value=text(f"aktor_{n}"), key=k(f"aktor_{n}"))
            _select(c2, t("Tipe aktor {word}").format(word=word), k(f"tipe_aktor{n}"), "tipe_aktor",
                    initial.get(f"tipe_aktor{n}"))
    elif title == "Dampak":
        labels = (t("Tewas"), t("Luka"), t("Pengungsi"))
        for column, name, label in zip(box.columns(3), ("tewas", "luka", "pengungsi"), labels):
            column.number_input(label, min_value=0, step=1, value=_int(initial.get(name), 0), key=k(name))
    elif title == "Sumber":
        box.text_input(t("Sumber informasi"), value=text("sumber"), key=k("sumber"))
        box.caption(t("Nomor laporan: {nomor}").format(nomor=text("id_sumber") or t("diberikan SIGAP saat disimpan")))
    elif title == "Penanganan":
        _select(box, t("Status penanganan"), k("status_penanganan"), "status_penanganan", initial.get("status_penanganan"),
                optional=False, default="baru")
        box.text_input(t("Instansi yang menangani"), value=text("instansi_penanganan"), key=k("instansi_penanganan"))
        box.text_area(t("Analisis pelapor (penilaian; terpisah dari kronologi)"), value=text("analisis"), key=k("analisis"),
                      height=80)
        box.text_input(t("Rekomendasi"), value=text("rekomendasi"), key=k("rekomendasi"))


def read_form(key: str) -> ReportForm:
    """The widgets' values as the service's :class:`ReportForm` (text per form field)."""
    state = st.session_state

    def text(name: str) -> str:
        value = state.get(_k(key, name))
        if value is None or value == _NONE:
            return ""
        if isinstance(value, date):
            return f"{value:%d/%m/%Y}"
        return str(value).strip()

    fields = {name: text(name) for name in FORM_FIELDS}
    fields.update(provinsi="", kabupaten_kota="", kecamatan="", id_sumber="")
    return ReportForm(fields, jenis=state.get(_k(key, "jenis")) or "harian",
                      tanggal_lapsitda=state.get(_k(key, "tanggal_lapsitda")))


def show_problems(checked) -> None:
    """The check's notes and confirmation questions (problems show in their groups)."""
    for note in checked.notes:
        st.info(note)
    for question in checked.confirm:
        st.warning(t("Perlu konfirmasi: {question}").format(question=question))
