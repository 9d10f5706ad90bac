"""Serve SIGAP with its session-cookie endpoints: ``streamlit run serve.py``.

``app.py`` stays the Streamlit script (router and frame); this module wraps it in ``st.App`` so the
two small same-origin endpoints of :mod:`pages.components.session_cookie` can set and delete the
HttpOnly session cookie that lets a sign-in survive a reload. ``streamlit run app.py`` still works,
without the cookie (a reload asks for the password again).
"""

import streamlit as st

from pages.components.session_cookie import ROUTES

app = st.App("app.py", routes=ROUTES)
