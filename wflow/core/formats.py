"""Dates, times and numbers as people of each language write them, in the installation's zone.

One place for every shown date and number: pages (through the Jinja filters of
`wflow.web.formats`), PDFs, e-mails, signature stamps, the verification page and exports.
No Flask here: every function takes the locale and the time zone explicitly, so a document
or a message rendered outside a request formats exactly as a page does.

Stored datetimes are naive UTC (`wflow.clock`); they are shown in the installation's time
zone (the BABEL_DEFAULT_TIMEZONE setting, Asia/Ho_Chi_Minh by default). A deadline that is a
date ends at local midnight and is shown as that date.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import NumberPattern, format_decimal, parse_pattern

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LOCALE = "vi"

# One pattern per language (CLDR patterns); others fall back to Babel's medium formats.
_DATE = {"vi": "dd/MM/yyyy", "fr": "dd/MM/yyyy", "hu": "yyyy. MM. dd.", "en": "d MMM yyyy"}
_DATETIME = {
    "vi": "dd/MM/yyyy HH:mm",
    "fr": "dd/MM/yyyy HH:mm",
    "hu": "yyyy. MM. dd. HH:mm",
    "en": "d MMM yyyy, HH:mm",
}
_SECONDS = {k: v.replace("HH:mm", "HH:mm:ss") for k, v in _DATETIME.items()}
# A figure with a unit keeps a no-break space before it in French and Vietnamese ("205 %").
_PERCENT = {"vi": "#,##0.#\u00a0%", "fr": "#,##0.#\u00a0%", "en": "#,##0.#%", "hu": "#,##0.#%"}
END_OF_DAY = time(23, 59)  # a local time from this minute on ends a date-only deadline


@functools.cache
def zone(name: str | None = None) -> tzinfo:
    """Return the time zone called `name` (the installation's default when None)."""
    return ZoneInfo(name or DEFAULT_ZONE)


def _lang(locale: str | None) -> str:
    return str(locale or DEFAULT_LOCALE).split("_")[0]


def to_local(value: datetime, tz: tzinfo | str | None = None) -> datetime:
    """Return a naive-UTC (or aware) datetime as an aware one in the time zone `tz`."""
    where = tz if isinstance(tz, tzinfo) else zone(tz)
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(where)


def local_end_of_day(day: date, tz: tzinfo | str | None = None) -> datetime:
    """Return the last instant of `day` in the zone `tz`, as naive UTC (a deadline's end)."""
    where = tz if isinstance(tz, tzinfo) else zone(tz)
    return datetime.combine(day, time.max, tzinfo=where).astimezone(UTC).replace(tzinfo=None)


def format_date(value: date | None, locale: str | None = None, tz: Any = None) -> str:
    """Return a date ("17/12/2026" in vi); a datetime is first taken to the local zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, tz)
    lang = _lang(locale)
    pattern = _DATE.get(lang, "medium")
    return str(_babel_datetime(datetime.combine(value, time()), pattern, locale=lang))


def format_datetime(
    value: datetime | None, locale: str | None = None, tz: Any = None, *, seconds: bool = False
) -> str:
    """Return a stored (naive UTC) datetime in local time ("18/12/2026 00:30" in vi)."""
    if value is None:
        return ""
    lang = _lang(locale)
    pattern = (_SECONDS if seconds else _DATETIME).get(lang, "medium")
    local = to_local(value, tz)
    return str(_babel_datetime(local, pattern, tzinfo=local.tzinfo, locale=lang))


def format_deadline(
    value: date | datetime | None, locale: str | None = None, tz: Any = None
) -> str:
    """Return a deadline: a date-only one (or one ending the local day) as a date, else date-time.

    A timestamp at the end of a UTC day (deadlines stored before they ended at local midnight)
    also means its date.
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, locale)
    if value.tzinfo is None and value.time() == time.max:
        return format_date(value.date(), locale)
    local = to_local(value, tz)
    if local.time() >= END_OF_DAY:
        return format_date(local.date(), locale)
    return format_datetime(value, locale, tz)


def format_document_date(day: date) -> str:
    """Return the date line of a Vietnamese administrative document: "ngày 02 tháng 12 năm 2026".

    Decree 30/2020 writes the day and month with two digits (a leading zero below 10).
    """
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def format_number(value: Any, locale: str | None = None, places: int = 3) -> str:
    """Return a number with the language's grouping and decimal mark ("3.510.000", "27,5")."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if 0 <= number < 1000 and places >= 0:  # no grouping, no sign: the decimal mark alone
        rounded = number.quantize(_step(places), ROUND_HALF_EVEN)
        if rounded < 1000:
            whole, _dot, fraction = f"{rounded:f}".partition(".")
            fraction = fraction.rstrip("0")
            return f"{whole}{_decimal_mark(_lang(locale))}{fraction}" if fraction else whole
    pattern, lang = _number_format(_lang(locale), places)
    return str(format_decimal(number, pattern, locale=lang))


@functools.lru_cache(maxsize=16)
def _step(places: int) -> Decimal:
    """Return the smallest step of `places` decimals (0.01 for 2)."""
    return Decimal(1).scaleb(-places)


@functools.lru_cache(maxsize=16)
def _decimal_mark(lang: str) -> str:
    """Return the language's decimal mark, as babel writes it."""
    return str(format_decimal(Decimal("0.5"), "0.#", locale=Locale.parse(lang)))[1:-1]


@functools.lru_cache(maxsize=64)
def _number_format(lang: str, places: int) -> tuple[NumberPattern, Locale]:
    """Return the parsed pattern and locale of a number format (parsed once, not per number)."""
    pattern = "#,##0" + ("." + "#" * places if places > 0 else "")
    return parse_pattern(pattern), Locale.parse(lang)


def format_points(value: Any, locale: str | None = None) -> str:
    """Return points with at most two decimals, trailing zeros dropped ("85,5", "90")."""
    return format_number(value, locale, places=2)


def format_money(value: Any, locale: str | None = None, unit: str = "đ") -> str:
    """Return an amount of đồng, whole, grouped, with its unit ("3.510.000 đ" in vi)."""
    if value is None or value == "":
        return ""
    return f"{format_number(value, locale, places=0)}\u00a0{unit}"


def format_percent(value: Any, locale: str | None = None) -> str:
    """Return a percentage given in percent (205 → "205 %" in vi and fr, "205%" in en)."""
    if value is None or value == "":
        return ""
    lang = _lang(locale)
    number = Decimal(str(value))
    if 0 <= number < 1000 and number == number.to_integral_value():  # no grouping, no mark
        return f"{int(number)}{_percent_sign(lang)}"
    return str(format_decimal(number / 100, _PERCENT.get(lang, "#,##0.#%"), locale=lang))


@functools.lru_cache(maxsize=16)
def _percent_sign(lang: str) -> str:
    """Return what follows a whole percentage in the language ("\u00a0%" in vi), per babel."""
    return str(format_decimal(Decimal("0.07"), _PERCENT.get(lang, "#,##0.#%"), locale=lang))[1:]


def format_size(value: int, locale: str | None = None) -> str:
    """Return a file size in KiB or MiB with one decimal at most ("12,5 KiB")."""
    if value >= 1024 * 1024:
        return f"{format_number(Decimal(value) / (1024 * 1024), locale, places=1)}\u00a0MiB"
    return f"{format_number(Decimal(value) / 1024, locale, places=1)}\u00a0KiB"
