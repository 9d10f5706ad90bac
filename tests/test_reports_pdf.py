"""Briefing PDF: rendered to pixels and text; classification on every page; markup stays text."""

import io
from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest

from auth.identity import User
from reports.briefing import briefing_pdf, build_briefing
from store import connect
from tests.conftest import make_demo_db

ANALIS = User("analis", "analis", None, "Rahasia")


@pytest.fixture(scope="module")
def briefing_db(tmp_path_factory, regions_db):
    con = connect(make_demo_db(tmp_path_factory.mktemp("pdf"), regions_db, n=1500, seed=4))
    yield con
    con.close()


def _pages(pdf: bytes):
    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    return [(page.get_textpage().get_text_range(), np.asarray(page.render(scale=1).to_pil().convert("L")))
            for page in doc]


def test_briefing_has_map_table_and_marking_on_every_page(briefing_db):
    b = build_briefing(briefing_db, ANALIS, "2026 T4", classification="Rahasia",
                       title='Rapat Forkopimda <img src="/etc/passwd"> & <b>tebal</b>')
    pages = _pages(briefing_pdf(b))
    assert 1 <= len(pages) <= 3
    for text, _ in pages:
        assert text.count("RAHASIA") >= 2  # top and bottom of each page
    first_text, first_pixels = pages[0]
    assert '<img src="/etc/passwd">' in first_text and "<b>tebal</b>" in first_text  # literal, not markup
    assert "Wilayah dengan skor tertinggi" in first_text + "".join(t for t, _ in pages[1:])
    assert b.top.iloc[0]["nama"] in "".join(t for t, _ in pages)
    whole = "".join(t for t, _ in pages)
    assert "Seberapa tepat peta triwulan lalu?" in whole  # the back-test (and the forecast's verdict) in words
    assert b.foresight.startswith("Uji balik") or "belum cukup panjang" in b.foresight
    # the map image: a large share of non-white pixels in the upper half of page 1
    upper = first_pixels[: first_pixels.shape[0] // 2]
    assert (upper < 240).mean() > 0.05


def test_unknown_classification_is_refused(briefing_db):
    b = build_briefing(briefing_db, ANALIS, "2026 T4")
    with pytest.raises(ValueError, match="klasifikasi tidak dikenal"):
        briefing_pdf(b.__class__(**{**b.__dict__, "classification": "Sangat Rahasia"}))


def test_sample_briefing_by_one_command(fresh_db, tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "bahan.pdf"
    result = subprocess.run([sys.executable, "-m", "sigap", "report", "briefing", "--out", str(out), "--db",
                             str(fresh_db), "--classification", "Biasa", "--region", "63"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["berkas"] == str(out)
    text = "".join(t for t, _ in _pages(out.read_bytes()))
    assert "BIASA" in text and "Kabupaten" in text


def test_quarterly_report_pdf_and_xlsx(briefing_db, tmp_path):
    import openpyxl

    from analysis.triwulan import quarter_label
    from reports.triwulan import quarter_table, triwulan_pdf, triwulan_xlsx

    label = quarter_label(date.today())
    user = User("analis", "analis", "63", "Rahasia")
    table, rows = quarter_table(briefing_db, user, label)
    assert len(table) == 13 and table["jumlah"].sum() == len(rows)  # Kalimantan Selatan only
    assert (table["potensi_gejala"] + table["kejadian"] == table["jumlah"]).all()
    pages = _pages(triwulan_pdf(briefing_db, user, label, classification="Terbatas", notes="Catatan <b>uji</b>"))
    text = "".join(t for t, _ in pages)
    assert "LAPORAN TRIWULAN PETA POTENSI KONFLIK" in text and "Rekap per kabupaten/kota" in text
    assert "Catatan <b>uji</b>" in text  # notes stay text
    assert "Uji balik" in text and ("termasuk" in text or "belum cukup panjang" in text)
    rgb = np.asarray(pdfium.PdfDocument(io.BytesIO(triwulan_pdf(briefing_db, user, label)))[0]
                     .render(scale=1).to_pil().convert("RGB")).astype(int)
    drawn = (rgb < 250).any(axis=2)  # both maps side by side on page 1, well beyond the text
    assert drawn.mean() > 0.04
    assert all(t.count("TERBATAS") >= 2 for t, _ in pages)
    book = openpyxl.load_workbook(io.BytesIO(triwulan_xlsx(table, label, user)))
    assert book["Per kabupaten-kota"].max_row == 14


def test_quarterly_report_command(fresh_db, tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    for suffix in ("pdf", "xlsx"):
        out = tmp_path / f"triwulan.{suffix}"
        result = subprocess.run([sys.executable, "-m", "sigap", "report", "triwulan", "--year", "2026", "--quarter",
                                 "3", "--prov", "63", "--out", str(out), "--db", str(fresh_db)],
                                cwd=ROOT, capture_output=True, text=True, check=True)
        assert json.loads(result.stdout)["triwulan"] == "2026 T3" and out.stat().st_size > 1000
