"""Interface language: Bahasa Indonesia first, English as an option.

Texts are written in Indonesian in the code and wrapped in :func:`t`; the English texts live in
one gettext catalogue, ``lang/locale/en/LC_MESSAGES/sigap.po``, read by Babel
(:func:`lang.catalogue`, no compile step). A text with data is translated as its template:
``t("{n} insiden siap diunduh.").format(n=…)``. ``tests/test_i18n.py`` fails on a visible string
that bypasses :func:`t` or has no English text.
"""

from __future__ import annotations

import streamlit as st

from lang import catalogue
from pages.components import state

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}


def lang() -> str:
    """The session's interface language code."""
    return st.session_state.get(state.LANG, "id")


def t(text: str) -> str:
    """``text`` in the session's language (Indonesian when no translation exists)."""
    if not isinstance(text, str):
        return text
    return catalogue(lang()).get(text, text)


def language_picker() -> None:
    """A sidebar selector for the interface language."""
    st.sidebar.selectbox(t("Bahasa"), list(LANGUAGES), format_func=LANGUAGES.get, key=state.LANG)
