"""Session-state keys, in one place; initialised with ``setdefault`` in :func:`init_state`."""

from __future__ import annotations

import streamlit as st

USER = "pengguna"            # auth.User of the signed-in user
LANG = "bahasa"              # "id" or "en"
SELECTED_KAB = "kab_terpilih"
PRESENTATION = "mode_presentasi"

_DEFAULTS = {LANG: "id", SELECTED_KAB: None, PRESENTATION: False}


def init_state() -> None:
    """Give every known key its default without overwriting what the session holds."""
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value)
