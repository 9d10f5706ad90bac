"""Numbers, dates and month names as people read them, by Babel's locale data (``id`` first,
``en`` as the option): one home for formatting, usable from every layer.

>>> number(1234567)
'1.234.567'
>>> number(1234567, lang="en")
'1,234,567'
>>> day(date(2026, 12, 2))
'02/12/2026'
>>> month(date(2026, 12, 2))
'Desember 2026'
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "catalogue", "day", "month", "month_short", "number", "percent"]

LANGUAGES = ("id", "en")
#: The interface texts: ``locale/<lang>/LC_MESSAGES/sigap.po``, msgid in Bahasa Indonesia.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "sigap"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation of the interface texts in ``lang``, read from the gettext catalogue by
    Babel (no compile step). Indonesian is the source language: its catalogue is empty. Fuzzy and
    empty entries are left out, so the Indonesian text shows instead of a blank."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "id" or not path.exists():
        return {}
    with path.open("rb") as handle:
        entries = read_po(handle, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in entries
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string.strip() and not m.fuzzy}


def number(value, decimals: int = 0, lang: str = "id") -> str:
    """``1.234.567`` (Indonesian) or ``1,234,567`` (English); ``decimals`` fixed digits."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=lang)


def percent(value: float, decimals: int = 0, lang: str = "id") -> str:
    """``25%`` from ``0.25``."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(value, format=pattern, locale=lang)


def day(value: date, lang: str = "id") -> str:
    """A date as offices write it: ``02/12/2026`` (both languages: the documents' format)."""
    return format_date(value, format="dd/MM/y", locale=lang)


def month(value: date, lang: str = "id") -> str:
    """``Desember 2026`` / ``December 2026``."""
    return format_date(value, format="MMMM y", locale=lang)


def month_short(value: date, lang: str = "id") -> str:
    """``Des 2026`` / ``Dec 2026`` (chart axes)."""
    return format_date(value, format="MMM y", locale=lang)
