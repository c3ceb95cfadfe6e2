"""The formats of `wflow.core.formats` as Jinja filters, in the page's language and local time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, has_app_context

from wflow.core import formats
from wflow.i18n import language


def timezone() -> str:
    """Return the installation's time zone name (the BABEL_DEFAULT_TIMEZONE setting)."""
    if not has_app_context():
        return formats.DEFAULT_ZONE
    return str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or formats.DEFAULT_ZONE)


def local_date(value: date | None) -> str:
    """Return a date (or a stored datetime's local date) in the page's language."""
    return formats.format_date(value, language(), timezone())


def local_datetime(value: datetime | None, seconds: bool = False) -> str:
    """Return a stored (naive UTC) datetime in local time, in the page's language."""
    return formats.format_datetime(value, language(), timezone(), seconds=seconds)


def deadline(value: date | datetime | None) -> str:
    """Return a deadline: a date when it ends a local day, else a local date-time."""
    return formats.format_deadline(value, language(), timezone())


def number(value: Any, places: int = 3) -> str:
    """Return a number with the page language's grouping and decimal mark."""
    return formats.format_number(value, language(), places)


def points(value: Any) -> str:
    """Return points with two decimals at most, trailing zeros dropped."""
    return formats.format_points(value, language())


def of_page(write: Callable[[Any, str], str]) -> Callable[[Any], str]:
    """Return `write(value, language)` for one page: its language read once, each value
    written once (a scoreboard writes hundreds of points, many alike)."""
    lang, seen = language(), {}
    none = write(None, lang)

    def written(value: Any) -> str:
        if value is None:
            return none
        key = (type(value), value)
        if key not in seen:
            seen[key] = write(value, lang)
        return seen[key]

    return written


def points_of_page() -> Callable[[Any], str]:
    """Return `points` for one page (see `of_page`)."""
    return of_page(formats.format_points)


def percent_of_page() -> Callable[[Any], str]:
    """Return `percent` for one page (see `of_page`)."""
    return of_page(formats.format_percent)


def money(value: Any, unit: str = "đ") -> str:
    """Return an amount of đồng ("3.510.000 đ")."""
    return formats.format_money(value, language(), unit)


def percent(value: Any) -> str:
    """Return a percentage given in percent ("205 %")."""
    return formats.format_percent(value, language())


def filesize(value: int) -> str:
    """Return a file size in KiB or MiB."""
    return formats.format_size(value, language())


def document_date(value: date) -> str:
    """Return a document's place-date line date ("ngày 02 tháng 12 năm 2026")."""
    return formats.format_document_date(value)


FILTERS: dict[str, Callable[..., str]] = {
    "local_date": local_date,
    "local_datetime": local_datetime,
    "deadline": deadline,
    "number": number,
    "points": points,
    "money": money,
    "percent": percent,
    "filesize": filesize,
    "document_date": document_date,
}


def init_app(app: Flask) -> None:
    """Register the formats as Jinja filters (pages, PDFs and e-mails share the environment)."""
    app.jinja_env.filters.update(FILTERS)
