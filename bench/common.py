"""Small helpers shared by the benchmarks."""

from __future__ import annotations

__all__ = ["id_number"]


def id_number(number: float, digits: int = 1) -> str:
    """A number as Indonesian readers write it: 100.000 and 2,5."""
    return f"{number:,.{digits}f}".translate(str.maketrans(",.", ".,"))
