"""Escape text for folium tooltips and popups — the one place map text goes through.

folium inserts tooltip/popup text as raw HTML, and inside JavaScript template literals, so
``<``, quotes, backticks, ``${…}`` and backslashes are all dangerous (SECURITY.md §1).
Every character that means something to HTML or to a JS template literal becomes an entity.
"""

from __future__ import annotations

import math

__all__ = ["escape_text", "escape_frame"]

_ENTITIES = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
    "`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;",
})


def escape_text(value) -> str:
    """Return ``value`` as text that is inert in HTML and in a JS template literal.

    ``None`` and NaN become an empty string; numbers are formatted with ``str``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).translate(_ENTITIES)


def escape_frame(frame, columns):
    """A copy of ``frame`` whose ``columns`` hold escaped text (for GeoJson properties)."""
    out = frame.copy()
    for column in columns:
        out[column] = [escape_text(v) for v in out[column]]
    return out
