"""Pure analysis for SIGAP: measures, index, hotspots, early warning (no Streamlit, no DuckDB)."""
