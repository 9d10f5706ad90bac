"""UI helpers: the only code besides ``app.py`` and page files that imports Streamlit."""
