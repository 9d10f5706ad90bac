"""Boundaries and point-to-region assignment for SIGAP (no Streamlit, no DuckDB)."""
