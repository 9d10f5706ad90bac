"""The English option is complete: every visible string of the pages goes through ``t()`` and the
catalogue ``lang/locale/en/LC_MESSAGES/sigap.po`` has an English text for each of them.

An AST pass over ``app.py`` and ``pages/`` finds string literals (and f-strings with words) given
to Streamlit's display calls — titles, labels, captions, messages, help texts, column configs,
page titles — that are not wrapped in ``t()``; a second pass collects every ``t("…")`` msgid
and checks its English msgstr.
"""

from __future__ import annotations

import ast
import gc
import re
from pathlib import Path

import pytest

from lang import catalogue

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").rglob("*.py")])

#: Streamlit calls whose first argument (and these keywords) the user reads.
DISPLAY = {"title", "header", "subheader", "caption", "markdown", "write", "button", "download_button",
           "link_button", "selectbox", "multiselect", "radio", "text_input", "text_area", "number_input",
           "date_input", "time_input", "checkbox", "toggle", "slider", "select_slider", "error", "warning", "info",
           "success", "toast", "metric", "expander", "form_submit_button", "file_uploader", "spinner", "status",
           "popover", "segmented_control", "pills", "Page", "TextColumn", "NumberColumn", "DateColumn",
           "DatetimeColumn", "CheckboxColumn", "SelectboxColumn", "LinkColumn", "ProgressColumn", "ListColumn",
           "Column", "BarChartColumn", "LineChartColumn", "dialog"}
KEYWORDS = {"label", "help", "placeholder", "caption", "title", "body", "text", "value_label"}
WORD = re.compile(r"[A-Za-z]{2,}")


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            yield name, node


def _visible(node) -> str | None:
    """The text of a string literal or an f-string's literal parts, when it holds words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _visible(node.left) or _visible(node.right)
    else:
        return None
    if text.lstrip().startswith("<"):  # markup (a style block), not a text
        return None
    text = re.sub(r"`[^`]*`", "", text)  # code in backticks (commands, file names) stays as written
    return text if WORD.search(text) else None


def _dict_values(node) -> list:
    return list(node.values) if isinstance(node, ast.Dict) else []


def targets(tree) -> list[ast.expr]:
    """The argument nodes of ``tree`` that the user reads: first arguments and label-like
    keywords of display calls, tab names, and the headers in ``column_config={…}`` and
    ``rename(columns={…})``."""
    found = []
    for name, call in _calls(tree):
        keywords = {k.arg: k.value for k in call.keywords}
        found += _dict_values(keywords.get("column_config"))
        if name == "rename":  # a rename to another data column (``kode``) is not a header
            found += [v for v in _dict_values(keywords.get("columns"))
                      if not (isinstance(v, ast.Constant) and re.fullmatch(r"[a-z_]+", str(v.value)))]
        if name == "tabs" and call.args and isinstance(call.args[0], ast.List):
            found += call.args[0].elts
        if name in ("page_link", "Page"):  # the first argument is the page's file
            found += [value for key, value in keywords.items() if key in KEYWORDS]
        elif name in DISPLAY:
            found += call.args[:1] + [value for key, value in keywords.items() if key in KEYWORDS]
    return [node for node in found if _visible(node) is not None]


def _unwrapped(path: Path) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{node.lineno}: {_visible(node)[:70]!r}"
            for node in targets(ast.parse(path.read_text(encoding="utf-8")))]


def msgids() -> dict[str, str]:
    """Every literal msgid passed to ``t()`` in the pages, with where it is used."""
    found = {}
    for path in SOURCES:
        for name, call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            if name == "t" and call.args and isinstance(call.args[0], ast.Constant):
                found.setdefault(call.args[0].value, f"{path.relative_to(ROOT)}:{call.lineno}")
    return found


def test_every_visible_string_goes_through_t():
    missing = [line for path in SOURCES for line in _unwrapped(path)]
    assert not missing, "teks tampil tanpa t():\n" + "\n".join(missing)


def test_every_msgid_has_an_english_text():
    english = catalogue("en")
    missing = [f"{where}: {msgid!r}" for msgid, where in msgids().items() if not english.get(msgid, "").strip()]
    assert not missing, "tanpa terjemahan di sigap.po:\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_catalogue_loads_and_keeps_placeholders(lang):
    texts = catalogue(lang)
    if lang == "id":
        assert texts == {}
        return
    assert len(texts) > 100
    for msgid, msgstr in texts.items():
        assert set(re.findall(r"\{\w*\}", msgid)) == set(re.findall(r"\{\w*\}", msgstr)), msgid


# --- every page rendered in English --------------------------------------------------------------

PAGES = ["pimpinan", "peta", "indeks", "hotspot", "tren", "pilkada", "athg", "impor", "ekspor", "lapor", "laporan",
         "lapsitda", "verifikasi", "duplikat", "kasus", "kelengkapan", "admin"]


@pytest.fixture(scope="module")
def english_db(tmp_path_factory, regions_db):
    from tests.apptest import USERS, create_users
    from tests.conftest import make_demo_db

    path = make_demo_db(tmp_path_factory.mktemp("english"), regions_db, n=300, seed=21)
    create_users(path, USERS)
    return path


def _texts(at) -> list[str]:
    texts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        texts += [e.value for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "radio", "text_input", "text_area", "checkbox", "toggle",
                 "date_input", "number_input", "metric", "expander", "tabs"):
        texts += [getattr(e, "label", "") for e in getattr(at, kind)]
    return [text for text in texts if isinstance(text, str)]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_in_english_shows_no_indonesian_msgid(english_db, monkeypatch, page):
    from tests.apptest import ADMIN, open_page, served

    english = catalogue("en")
    gc.collect()  # an earlier page's AppTest may still hold a cursor (and with it the database instance)
    with served(english_db, monkeypatch):
        at = open_page(page, ADMIN, state={"bahasa": "en"}).run()
    assert not at.exception
    assert not [e.value for e in at.error if "failed (code" in e.value]
    untranslated = sorted({text for text in _texts(at) if english.get(text, text) != text})
    assert not untranslated, f"{page}: {untranslated}"
    shown = set(english.values())
    assert any(text in shown for text in _texts(at)), f"{page}: no English text at all"
