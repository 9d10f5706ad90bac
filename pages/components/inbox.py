"""Inbox at the top of the app: what waits for the signed-in user, as one line of links.

``Perlu verifikasi (12) · Dikembalikan ke Anda (2) · Kemungkinan duplikat (3)`` — counts only (no
report text), from :func:`services.verifikasi.inbox`; nothing is drawn when nothing waits (leaders,
or an empty inbox). Call it in ``app.py`` after ``st.navigation(pages)`` and before ``page.run()``,
so its links point to pages of the user's navigation.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from pages.components.context import cursor
from services.verifikasi import inbox

__all__ = ["TARGETS", "show_inbox"]

#: Inbox entry → the page that handles it.
TARGETS = {"Perlu verifikasi": ("pages/screens/verifikasi.py", "☑️"),
           "Dikembalikan ke Anda": ("pages/screens/laporan.py", "↩️"),
           "Kemungkinan duplikat": ("pages/screens/duplikat.py", "🧬")}


def show_inbox(user) -> list[tuple[str, int]]:
    """Draw the user's inbox line (links to the pages that handle each entry); return its entries.

    Parameters
    ----------
    user : auth.User or None
        The signed-in user (None: nothing drawn).
    """
    if user is None:
        return []
    items = inbox(cursor(), user).items()
    if not items:
        return []
    columns = st.columns(len(items))
    for column, (label, count) in zip(columns, items):
        page, icon = TARGETS[label]
        text = f"{label} ({count})"
        try:
            column.page_link(page, label=text, icon=icon)
        except StreamlitAPIException:   # the page is not in this user's navigation: the count alone
            column.markdown(f"{icon} {text}")
    return items
