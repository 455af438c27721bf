"""Locales of the staff-facing reports: gettext catalogs, Babel number/date/currency formats, rounding.

The catalogs are the ``.po`` files under ``locale/<lang>/LC_MESSAGES/messages.po`` (extracted from the
templates and this package with ``pybabel extract -F babel.cfg``); they are compiled in memory when a
locale is loaded, so no compiled ``.mo`` file can go stale. English is the source language (msgids).

Every number printed for people goes through :func:`fmt`: rounded half away from zero with
``Decimal.quantize(ROUND_HALF_UP)`` first, then formatted by Babel with exactly that many decimals, so
Babel's own half-even rounding never applies (the value already has the right number of digits).
"""

from __future__ import annotations

import functools
import io
import os
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = ("en", "ru")
DEFAULT_LOCALE = "en"
DOMAIN = "messages"


def report_locale(value: str | None = None) -> str:
    """The reports' locale: ``value``, else the Airflow Variable ``report_locale``, else ``en``.

    The Variable is read from its environment form (``AIRFLOW_VAR_REPORT_LOCALE``) first, so the
    renderer works without an Airflow metadata database; inside Airflow, a Variable set in the UI wins.
    """
    chosen = value or os.environ.get("AIRFLOW_VAR_REPORT_LOCALE")
    if not chosen:
        try:
            from airflow.sdk import Variable

            chosen = Variable.get("report_locale", default=None)
        except Exception:  # noqa: BLE001 - outside a task (no API server/DB): the default applies
            chosen = None
    chosen = (chosen or DEFAULT_LOCALE).strip().lower()
    if chosen not in LOCALES:
        raise ValueError(f"report_locale {chosen!r} is not one of {', '.join(LOCALES)}")
    return chosen


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(locale: str) -> NullTranslations:
    """The gettext translations of ``locale`` (English: the msgids themselves)."""
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    with catalog_path(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def round_half_up(value: Decimal | int | str, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimals, half away from zero (77.25 → 77.3, -0.05 → -0.1)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt(value: Any, places: int, locale: str) -> str:
    """A number for people: half away from zero, exactly ``places`` decimals, the locale's symbols."""
    if value is None:
        return "—"
    rounded = round_half_up(Decimal(str(value)), places)
    if rounded == 0:
        rounded = abs(rounded)  # -0.04 prints 0.0, never -0.0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern, locale=locale)


def fmt_trimmed(value: Any, max_places: int, locale: str) -> str:
    """A number rounded to at most ``max_places`` decimals, trailing zeros dropped (weights: 0.25, 0.333)."""
    if value is None:
        return "—"
    rounded = round_half_up(Decimal(str(value)), max_places).normalize()
    places = max(0, -rounded.as_tuple().exponent)
    return fmt(rounded, places, locale)


def fmt_signed(value: Any, places: int, locale: str) -> str:
    if value is None:
        return ""
    text = fmt(value, places, locale)
    return text if Decimal(str(value)) < 0 else "+" + text


def fmt_money(value: Any, locale: str, currency: str = "RUB") -> str:
    """Revenue: ``91 231 561,99 ₽`` in Russian, ``RUB 91,231,561.99`` in English."""
    if value is None:
        return "—"
    return format_currency(round_half_up(Decimal(str(value)), 2), currency, locale=locale)


def fmt_date(value: date | datetime | None, locale: str) -> str:
    if value is None:
        return ""
    return format_date(value, format="long" if locale == "ru" else "medium", locale=locale)
