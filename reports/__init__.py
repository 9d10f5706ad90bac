"""Exports and briefings that leave SIGAP: files built safely (no Streamlit)."""
