"""Lapor: one report in under two minutes — checked by the import's rules, saved as a draft or submitted."""

from __future__ import annotations

import streamlit as st

from auth.roles import PermissionDenied, allowed
from pages.components import lapor_form as form
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.i18n import t
from services.lapor import ReportRejected, check_report, file_report
from services.lapsitda import local_today

FORM = "lapor"
CHECKED = "lapor_periksa"      # services.lapor.Checked of the last check or refused save

user = page_user()
st.title(t("Lapor"))
if not allowed(user.role, "ubah"):
    st.info(t("Peran Anda hanya dapat membaca laporan; laporan dikirim oleh petugas kabupaten/kota atau analis."))
    st.stop()
st.caption(t("Satu laporan kejadian, potensi atau gejala. Hari tanpa kejadian? Nyatakan **nihil** di halaman "
           "LAPSITDA Harian. Isian bertanda * wajib; aturan pemeriksaannya sama dengan impor templat SIGAP."))

saved = st.session_state.pop(form.LAST_SAVED, None)
if saved is not None:
    form.next_key(FORM, renew=True)        # a fresh, empty form for the next report
    st.session_state.pop(CHECKED, None)
    state = t("diajukan") if saved.status == "diajukan" else t("disimpan sebagai draf")
    st.success(t("Laporan {nomor} {state}.").format(nomor=saved.nomor, state=state))
    if saved.notification is not None:
        st.info(t("Laporan atensi/khusus langsung masuk kotak masuk provinsi.")
                + (" " + t("Surel: {mail}.").format(mail=saved.mail) if saved.mail else ""))
    st.page_link("pages/screens/laporan.py", label=t("Buka laporan {nomor}").format(nomor=saved.nomor), icon="📄",
                 query_params={"id": str(saved.id)})

key = form.next_key(FORM)
checked = st.session_state.get(CHECKED)
form.render_form(key, user, problems=None if checked is None else checked.problems,
                 default_day=local_today(user.region))
if checked is not None:
    form.show_problems(checked)
needs_confirmation = checked is not None and bool(checked.confirm)
confirmed = st.checkbox(t("Saya sudah memeriksa: tempat ini benar"), key="lapor_konfirmasi") if needs_confirmation \
    else False

c1, c2, c3 = st.columns(3)
action = None
if c1.button(t("Periksa"), key="lapor_cek"):
    action = "periksa"
if c2.button(t("Simpan draf"), key="lapor_draf"):
    action = "draf"
if c3.button(t("Ajukan"), type="primary", key="lapor_ajukan"):
    action = "ajukan"

if action == "periksa":
    st.session_state[CHECKED] = check_report(cursor(), form.read_form(key), form.locator(), user)
    st.rerun()
elif action is not None:
    try:
        result = file_report(cursor(), form.read_form(key), form.locator(), user, submit=action == "ajukan",
                             confirmed=confirmed)
    except ReportRejected as exc:
        st.session_state[CHECKED] = exc.checked
        st.rerun()
    except PermissionDenied as exc:
        st.error(str(exc))
    else:
        st.session_state[form.LAST_SAVED] = result
        st.rerun()
