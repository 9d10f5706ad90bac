"""Interactive maps: pure folium builders (no Streamlit), offline assets, escaping."""
