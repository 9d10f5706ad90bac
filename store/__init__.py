"""DuckDB storage for SIGAP: connection, migrations, regions and incidents (no Streamlit)."""

from store.db import StoreError, connect

__all__ = ["StoreError", "connect"]
