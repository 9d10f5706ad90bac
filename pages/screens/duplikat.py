"""Tinjau Duplikat: probable duplicates found by imports, side by side; merge (one stays, the other
becomes a ``duplikat`` linked to it and leaves maps and counts) or mark as two events (the pair
never comes back). Rights are checked again by :mod:`services.verifikasi` when it writes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auth.roles import PermissionDenied
from pages.components.auth_gate import page_user
from pages.components.context import cursor
from pages.components.i18n import t
from services.verifikasi import StaleReport, duplicate_queue, mark_distinct, merge_duplicate, read_incidents

NOTICE = "duplikat_pesan"
FIELDS = (("Tanggal", "tgl_mulai"), ("Kabupaten/kota", "kode_kab"), ("Kecamatan", "kode_kec"),
          ("Kategori", "kategori"), ("Bentuk", "bentuk"), ("Sifat", "sifat"), ("Eskalasi", "eskalasi"),
          ("Tewas / luka", None), ("Judul", "judul"), ("Sumber", "sumber"), ("Id sumber", "id_sumber"),
          ("Status verifikasi", "status_verifikasi"), ("Klasifikasi", "klasifikasi"), ("Versi", "versi"))

user = page_user()
con = cursor()
st.title(t("Tinjau Duplikat"))
st.caption(t("Pasangan insiden dari sumber berbeda yang tanggal, tempat dan judulnya mirip. Gabungkan bila keduanya "
           "kejadian yang sama: satu dipertahankan, yang lain ditandai duplikat dan tidak dihitung lagi di peta. "
           "Tandai bukan duplikat bila berbeda: pasangan itu tidak akan muncul lagi."))
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice)


def _v(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _cell(row: dict, label: str, column: str | None) -> str:
    if column is None:
        return f"{_v(row.get('tewas'))} / {_v(row.get('luka'))}"
    return _v(row.get(column))


queue = duplicate_queue(con, user)
st.subheader(t("Antrean ({queue})").format(queue=len(queue)))
if queue.empty:
    st.info(t("Tidak ada kemungkinan duplikat yang menunggu tinjauan di wilayah Anda."))
    st.stop()
labels = [f"{int(r.id_baru)} ↔ {int(r.id_lama)} · kemiripan {r.skor:.0f}"
          + (f" · {r.jarak_km:.1f} km" if pd.notna(r.jarak_km) else "") for r in queue.itertuples(index=False)]
picked = st.selectbox(t("Pasangan"), range(len(queue)), format_func=lambda i: labels[i], key="duplikat_pasangan")
pair = queue.iloc[int(picked)]
id_baru, id_lama = int(pair["id_baru"]), int(pair["id_lama"])
rows = read_incidents(con, [id_lama, id_baru], user).set_index("id")
if id_baru not in rows.index or id_lama not in rows.index:
    st.warning(t("Salah satu insiden tidak dapat dibaca dengan cakupan Anda."))
    st.stop()
old, new = rows.loc[id_lama].to_dict(), rows.loc[id_baru].to_dict()
side = pd.DataFrame({"isian": [label for label, _ in FIELDS],
                     f"lama ({id_lama})": [_cell(old, label, column) for label, column in FIELDS],
                     f"baru ({id_baru})": [_cell(new, label, column) for label, column in FIELDS]})
side["sama"] = side.iloc[:, 1] == side.iloc[:, 2]
st.dataframe(side, hide_index=True, key="duplikat_banding",
             column_config={"sama": st.column_config.CheckboxColumn(t("sama?"))})
for label, row in (("Kronologi lama", old), ("Kronologi baru", new)):
    if _v(row.get("kronologi")):
        st.caption(label)
        st.text(_v(row["kronologi"]))

note = st.text_input(t("Catatan (opsional)"), key="duplikat_catatan", max_chars=1000)
c1, c2, c3 = st.columns(3)
action = None
if c1.button(t("Gabung: pertahankan lama ({id_lama})").format(id_lama=id_lama), key="duplikat_pertahankan_lama", type="primary"):
    action = ("gabung", id_lama, id_baru, new)
if c2.button(t("Gabung: pertahankan baru ({id_baru})").format(id_baru=id_baru), key="duplikat_pertahankan_baru"):
    action = ("gabung", id_baru, id_lama, old)
if c3.button(t("Bukan duplikat"), key="duplikat_berbeda"):
    action = ("berbeda", None, None, None)
if action is not None:
    try:
        if action[0] == "gabung":
            _, survivor, loser, loser_row = action
            merge_duplicate(con, id_baru, id_lama, survivor, user, versi=int(loser_row["versi"]), note=note)
            message = f"Insiden {loser} ditandai duplikat dari {survivor}."
        else:
            mark_distinct(con, id_baru, id_lama, user, note=note)
            message = f"Pasangan {id_baru} ↔ {id_lama} ditandai bukan duplikat."
    except (PermissionDenied, LookupError, ValueError, StaleReport) as exc:
        st.error(str(exc))
    else:
        st.session_state[NOTICE] = message
        st.rerun()
