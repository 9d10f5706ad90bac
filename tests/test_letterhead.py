"""Kop surat managed in the app: an admin sets the letterhead of an office (with a logo that is
decoded and re-encoded, never stored as uploaded), the change is audited, only admins of that
office or wider may make it, and documents print the letterhead of the user's office — the
template (kop.toml) when the office has none."""

from __future__ import annotations

import io
import json

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, PngImagePlugin

from analysis.triwulan import quarter_label
from auth.identity import User
from auth.roles import PermissionDenied
from reports.briefing import briefing_pdf, build_briefing
from reports.letterhead import (
    LOGO_PIXELS,
    MAX_LOGO_BYTES,
    LetterheadError,
    clean_logo,
    letterhead_for,
    letterhead_preview_png,
    load_kop,
    save_letterhead,
)
from reports.triwulan import triwulan_pdf
from store import connect
from store.letterhead import list_letterheads, read_letterhead

NATIONAL_ADMIN = User("admin_nas", "admin", None, "Rahasia")
KALSEL_ADMIN = User("admin_kalsel", "admin", "63", "Rahasia")
KALSEL_ANALIS = User("analis_kalsel", "analis", "63", "Terbatas")
BANJARBARU = User("pimpinan_bjb", "pimpinan", "63.72", "Terbatas")
TODAY_QUARTER = quarter_label(__import__("datetime").date.today())


@pytest.fixture
def db(fresh_db):
    con = connect(fresh_db)
    yield con
    con.close()


def _png(size=(900, 450), mode="RGBA", text: str | None = None) -> bytes:
    image = Image.new(mode, size, (20, 90, 160, 255) if mode == "RGBA" else (20, 90, 160))
    for x in range(0, size[0], 40):  # some structure, so the logo is visible on a page
        image.paste((230, 180, 30, 255) if mode == "RGBA" else (230, 180, 30), (x, 0, x + 20, size[1]))
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _jpeg(size=(400, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def _audit(con, action="kop_surat"):
    return con.execute("SELECT actor, role, region, object, detail, outcome FROM audit WHERE action = ? ORDER BY id",
                       [action]).fetchall()


def test_letterhead_round_trip_with_a_logo(db):
    upload = _png(text="rahasia-metadata")
    saved = save_letterhead(db, KALSEL_ADMIN, "63", pemerintah="PEMERINTAH PROVINSI KALIMANTAN SELATAN",
                            instansi="BADAN KESATUAN BANGSA DAN POLITIK", alamat="Jl. Jenderal Sudirman No. 14, "
                            "Banjarmasin", kontak="(0511) 335 1234 · kesbangpol@kalselprov.go.id", logo=upload)
    stored = letterhead_for(db, "63")
    assert stored == saved and stored.source == "basis data"
    assert (stored.pemerintah, stored.instansi) == ("PEMERINTAH PROVINSI KALIMANTAN SELATAN",
                                                    "BADAN KESATUAN BANGSA DAN POLITIK")
    logo = Image.open(io.BytesIO(stored.logo))
    assert logo.format == "PNG" and max(logo.size) == LOGO_PIXELS and logo.size == (LOGO_PIXELS, LOGO_PIXELS // 2)
    assert stored.logo != upload and b"rahasia-metadata" not in stored.logo  # re-encoded, metadata gone
    # audited in the same change, with the actor's role and region; no text of the kop in the log
    (actor, role, region, obj, detail, outcome), = _audit(db)
    assert (actor, role, region, obj, outcome) == ("admin_kalsel", "admin", "63", "63", "ok")
    detail = json.loads(detail)
    assert detail["logo"] == "baru" and set(detail["kolom_diubah"]) == {"pemerintah", "instansi", "alamat", "kontak"}
    assert "Sudirman" not in json.dumps(detail)
    # a later edit without a new upload keeps the logo; removing it is explicit
    save_letterhead(db, KALSEL_ADMIN, "63", pemerintah=stored.pemerintah, instansi=stored.instansi,
                    alamat="Jl. baru", kontak=stored.kontak)
    assert letterhead_for(db, "63").logo == stored.logo and json.loads(_audit(db)[-1][4])["kolom_diubah"] == ["alamat"]
    save_letterhead(db, KALSEL_ADMIN, "63", pemerintah=stored.pemerintah, instansi=stored.instansi, remove_logo=True)
    assert letterhead_for(db, "63").logo is None and json.loads(_audit(db)[-1][4])["logo"] == "dihapus"
    assert list(list_letterheads(db, "63")["kode_wilayah"]) == ["63"]


def test_documents_use_the_letterhead_of_the_users_office(db):
    save_letterhead(db, KALSEL_ADMIN, "63", pemerintah="PEMERINTAH PROVINSI KALIMANTAN SELATAN",
                    instansi="BAKESBANGPOL PROVINSI KALSEL", logo=_png())
    pdf = briefing_pdf(build_briefing(db, KALSEL_ANALIS, TODAY_QUARTER, classification="Biasa"))
    first = pdfium.PdfDocument(io.BytesIO(pdf))[0]
    text = first.get_textpage().get_text_range()
    assert "BAKESBANGPOL PROVINSI KALSEL" in text and "PEMERINTAH PROVINSI / KABUPATEN / KOTA" not in text
    images = list(first.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
    assert len(images) >= 2  # the logo and the map
    tw = pdfium.PdfDocument(io.BytesIO(triwulan_pdf(db, KALSEL_ANALIS, TODAY_QUARTER)))[0].get_textpage()
    assert "BAKESBANGPOL PROVINSI KALSEL" in tw.get_text_range()
    # an office without a letterhead of its own prints the template (not the province's)
    template = load_kop()
    text = pdfium.PdfDocument(io.BytesIO(briefing_pdf(build_briefing(db, BANJARBARU, TODAY_QUARTER))))[0] \
        .get_textpage().get_text_range()
    assert template["instansi"] in text and "BAKESBANGPOL PROVINSI KALSEL" not in text
    assert letterhead_for(db, None).source == "templat"


def test_a_jpeg_logo_is_stored_as_png(db):
    saved = save_letterhead(db, NATIONAL_ADMIN, None, pemerintah="PEMERINTAH REPUBLIK INDONESIA",
                            instansi="KEMENTERIAN DALAM NEGERI", logo=_jpeg())
    assert Image.open(io.BytesIO(saved.logo)).format == "PNG"
    assert read_letterhead(db, None)["kode_wilayah"] is None
    assert letterhead_for(db, None).instansi == "KEMENTERIAN DALAM NEGERI"
    assert _audit(db)[-1][3] == "nasional"


@pytest.mark.parametrize("upload, message", [
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "PNG atau JPEG"),
    (b"GIF89a" + b"\x00" * 100, "PNG atau JPEG"),
    (b"%PDF-1.7\n" + b"x" * 100, "PNG atau JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "tidak dapat dibaca"),       # a PNG signature, no image
    (_png()[:300], "tidak dapat dibaca"),                                 # a cut-off PNG
    (b"\xff\xd8\xff" + b"<?php system($_GET['c']); ?>", "tidak dapat dibaca"),
    (b"", "kosong"),
])
def test_anything_but_a_png_or_jpeg_is_refused_and_nothing_is_stored(db, upload, message):
    with pytest.raises(LetterheadError, match=message):
        save_letterhead(db, NATIONAL_ADMIN, None, pemerintah="PEMERINTAH", instansi="KANTOR", logo=upload)
    assert read_letterhead(db, None) is None and _audit(db) == []


def test_oversized_logos_are_refused_before_decoding():
    with pytest.raises(LetterheadError, match="terlalu besar"):
        clean_logo(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_LOGO_BYTES)
    # a small file that would decode into a huge bitmap (a decompression bomb) is refused by its size
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG", optimize=True)
    assert len(bomb.getvalue()) < MAX_LOGO_BYTES
    with pytest.raises(LetterheadError, match="terlalu besar"):
        clean_logo(bomb.getvalue())


def test_only_admins_of_that_office_or_wider_may_change_it(db):
    for actor, office in ((KALSEL_ADMIN, None), (KALSEL_ADMIN, "64"), (KALSEL_ADMIN, "64.71"),
                          (User("admin_bjb", "admin", "63.72", "Rahasia"), "63"),
                          (KALSEL_ANALIS, "63"), (BANJARBARU, "63.72")):
        with pytest.raises(PermissionDenied):
            save_letterhead(db, actor, office, pemerintah="PEMERINTAH", instansi="KANTOR")
    assert db.execute("SELECT count(*) FROM kop_surat").fetchone()[0] == 0 and _audit(db) == []
    save_letterhead(db, KALSEL_ADMIN, "63.72", pemerintah="PEMERINTAH KOTA BANJARBARU", instansi="KESBANGPOL")
    save_letterhead(db, NATIONAL_ADMIN, "63", pemerintah="PEMERINTAH PROVINSI KALIMANTAN SELATAN",
                    instansi="KESBANGPOL")
    assert letterhead_for(db, "63.72").pemerintah == "PEMERINTAH KOTA BANJARBARU"
    assert list(list_letterheads(db, "63")["kode_wilayah"]) == ["63", "63.72"]


def test_fields_are_checked(db):
    with pytest.raises(LetterheadError, match="wajib"):
        save_letterhead(db, NATIONAL_ADMIN, "63", pemerintah="  ", instansi="KANTOR")
    with pytest.raises(LetterheadError, match="terlalu panjang"):
        save_letterhead(db, NATIONAL_ADMIN, "63", pemerintah="P" * 500, instansi="KANTOR")
    with pytest.raises(ValueError, match="tidak ada dalam daftar"):
        save_letterhead(db, NATIONAL_ADMIN, "63.99", pemerintah="PEMERINTAH", instansi="KANTOR")
    # markup stays text in the document; newlines become one line
    saved = save_letterhead(db, NATIONAL_ADMIN, "63", pemerintah='PEMERINTAH <img src="/etc/passwd">',
                            instansi="KANTOR\nBARIS DUA")
    assert saved.instansi == "KANTOR BARIS DUA"
    text = pdfium.PdfDocument(io.BytesIO(briefing_pdf(build_briefing(db, KALSEL_ANALIS, TODAY_QUARTER))))[0] \
        .get_textpage().get_text_range()
    assert '<img src="/etc/passwd">' in text


def test_preview_shows_the_letterhead(db):
    saved = save_letterhead(db, NATIONAL_ADMIN, "63", pemerintah="PEMERINTAH PROVINSI KALIMANTAN SELATAN",
                            instansi="BADAN KESATUAN BANGSA DAN POLITIK", alamat="Jl. $x$ Banjarmasin", logo=_png())
    preview = Image.open(io.BytesIO(letterhead_preview_png(saved)))
    assert preview.format == "PNG" and preview.width >= 1000 and preview.height < preview.width / 3
    pixels = preview.convert("RGB")
    assert pixels.getpixel((int(preview.width * 0.06), preview.height // 2)) != (255, 255, 255)  # the logo


def test_admin_tab_saves_a_letterhead(regions_db, tmp_path, monkeypatch):
    import shutil

    import streamlit as st

    from tests.apptest import ADMIN, create_users, open_page

    path = tmp_path / "admin.duckdb"
    shutil.copy(regions_db, path)
    create_users(path, (ADMIN,))
    monkeypatch.setenv("SIGAP_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = open_page("admin", ADMIN, timeout=120).run()
        assert not at.exception
        at.selectbox(key="kop_kantor").set_value("63").run()
        at.text_input(key="kop_pem_63").set_value("PEMERINTAH PROVINSI KALIMANTAN SELATAN")
        at.text_input(key="kop_ins_63").set_value("BAKESBANGPOL KALSEL")
        at.button(key="FormSubmitter:kop_form_63-Simpan kop surat").click().run()  # form values go with the submit
        assert not at.exception
        assert any("Kop surat disimpan" in s.value for s in at.success)
        assert len(at.get("image")) >= 1  # the preview
    finally:
        st.cache_resource.clear()
    con = connect(path)
    try:
        assert letterhead_for(con, "63").instansi == "BAKESBANGPOL KALSEL"
        assert _audit(con)[-1][:4] == ("admin_uji", "admin", None, "63")
    finally:
        con.close()
