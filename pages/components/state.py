"""Session-state keys, in one place; initialised with ``setdefault`` in :func:`init_state`.

Filter values live in one home, :data:`FILTERS` (``{field: value}``), not in the widgets: a
widget's own state is dropped by Streamlit as soon as a page without it runs, so moving from Peta
to Tren would forget the province. :func:`shared_widget` seeds a page's widget from the home before
it is drawn and writes every change back, so each page keeps its own widget keys and all pages
share the values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

USER = "pengguna"            # auth.User of the signed-in user
LANG = "bahasa"              # "id" or "en"
SELECTED_KAB = "kab_terpilih"
FOCUS_KEC = "kec_fokus"      # a kecamatan of the selected kabupaten the map is framed on
PRESENTATION = "mode_presentasi"
FILTERS = "saringan"         # {field: value} shared by every page's filter widgets
FLASH = "pesan_kilat"        # [(kind, text)] shown once on the next run (survives st.rerun)
SESSION_ID = "sesi_id"       # id of the stored session (table sesi) behind the cookie
HANDOVER = "sesi_serah"      # one-time code the browser still has to exchange for the cookie
LAST_TOUCH = "sesi_sentuh"   # when this session last wrote its activity to the database
FORGET_COOKIE = "sesi_lupakan"  # True after a sign-out: the browser should delete its cookie

_DEFAULTS = {LANG: "id", SELECTED_KAB: None, FOCUS_KEC: None, PRESENTATION: False}
_MISSING = object()


def init_state() -> None:
    """Give every known key its default without overwriting what the session holds."""
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault(FILTERS, {})


def shared_value(field: str, default: Any = None) -> Any:
    """The session's value of filter ``field`` (``default`` when never set)."""
    return st.session_state.get(FILTERS, {}).get(field, default)


def set_shared(field: str, value: Any) -> None:
    """Set filter ``field`` for every page of this session."""
    st.session_state.setdefault(FILTERS, {})[field] = value


def shared_widget(field: str, widget_key: str, default: Any,
                  valid: Callable[[Any], bool] | None = None) -> dict:
    """Keyword arguments that bind a widget to filter ``field`` of the session's home.

    Call it right before drawing the widget and pass the result on, without a ``value``/``index``
    of the widget's own: ``st.selectbox(label, options, **shared_widget("prov", "peta_prov", None))``.

    Parameters
    ----------
    field : str
        Name of the value in :data:`FILTERS` (``"prov"``, ``"kategori"``, ``"periode"``…).
    widget_key : str
        The page's own widget key (tests and the page address the widget by it).
    default : Any
        Value when the session holds none, or when ``valid`` refuses the held one (a province that
        is not among this page's options, a category that no longer exists).
    valid : callable, optional
        ``valid(value) -> bool``.

    Returns
    -------
    dict
        ``key`` and ``on_change`` for the widget call.
    """
    value = shared_value(field, _MISSING)
    if value is _MISSING or (valid is not None and not valid(value)):
        value = default
    set_shared(field, value)
    st.session_state[widget_key] = value
    return {"key": widget_key, "on_change": _write_back, "args": (field, widget_key)}


def _write_back(field: str, widget_key: str) -> None:
    set_shared(field, st.session_state[widget_key])


def flash(text: str, kind: str = "success") -> None:
    """Queue a message for the next run of the page (so it survives ``st.rerun``)."""
    st.session_state.setdefault(FLASH, []).append((kind, text))


def show_flash() -> None:
    """Show and forget the queued messages (``success``, ``info``, ``warning`` or ``error``)."""
    for kind, text in st.session_state.pop(FLASH, []):
        getattr(st, kind if kind in ("success", "info", "warning", "error") else "info")(text)
