"""Local time and each language's formats: the formats themselves, then pages that show them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import sign_in, submit
from wflow.core import formats
from wflow.core import workflow as wf
from wflow.engine import Scope
from wflow.engine.tables import WfInstance
from wflow.notifications.models import Notification
from wflow.workflow_setup import engine

UTC_EVENING = datetime(2026, 12, 17, 17, 30)  # naive UTC: 00:30 on the 18th in Hà Nội

EXPECTED = {  # locale: date, date-time of UTC_EVENING, 28080000, 85.50, 3510000 đ, 205 %
    "vi": ("17/12/2026", "18/12/2026 00:30", "28.080.000", "85,5", "3.510.000\u00a0đ",
           "205\u00a0%"),
    "fr": ("17/12/2026", "18/12/2026 00:30", "28\u202f080\u202f000", "85,5",
           "3\u202f510\u202f000\u00a0đ", "205\u00a0%"),
    "en": ("17 Dec 2026", "18 Dec 2026, 00:30", "28,080,000", "85.5", "3,510,000\u00a0đ",
           "205%"),
    "hu": ("2026. 12. 17.", "2026. 12. 18. 00:30", "28\u00a0080\u00a0000", "85,5",
           "3\u00a0510\u00a0000\u00a0đ", "205%"),
}  # fmt: skip


@pytest.mark.parametrize("locale", sorted(EXPECTED))
def test_formats__each_language_writes_dates_and_numbers_its_way(locale: str) -> None:
    day, moment, big, points, money, share = EXPECTED[locale]
    assert formats.format_date(date(2026, 12, 17), locale) == day
    assert formats.format_datetime(UTC_EVENING, locale) == moment
    assert formats.format_number(Decimal("28080000.00"), locale) == big
    assert formats.format_points(Decimal("85.50"), locale) == points
    assert formats.format_money(Decimal(3_510_000), locale) == money
    assert formats.format_percent(Decimal("205.0"), locale) == share


def test_formats__points_keep_two_decimals_at_most_and_drop_trailing_zeros() -> None:
    assert [formats.format_points(Decimal(v), "vi") for v in ("90.00", "85.50", "0.25", "0")] == [
        "90", "85,5", "0,25", "0"]  # fmt: skip
    assert formats.format_points(Decimal("85.555"), "vi") == "85,56"
    assert formats.format_points(None, "vi") == ""
    assert formats.format_percent(Decimal("1200.0"), "vi") == "1.200\u00a0%"


@pytest.mark.parametrize("locale", ["vi", "en", "fr", "hu"])
def test_formats__a_whole_percentage_reads_as_babel_writes_it(locale: str) -> None:
    from babel.numbers import format_decimal

    pattern = formats._PERCENT[locale]
    for value in (0, 7, 126, Decimal("205.0"), 999, 1000, Decimal("12.5"), -3):
        expected = str(format_decimal(Decimal(str(value)) / 100, pattern, locale=locale))
        assert formats.format_percent(value, locale) == expected, value


def test_formats__a_date_deadline_ends_at_local_midnight_and_reads_as_its_date() -> None:
    end = formats.local_end_of_day(date(2026, 12, 17))
    assert end == datetime(2026, 12, 17, 16, 59, 59, 999999)  # UTC+7, stored as naive UTC
    assert formats.format_deadline(end, "vi") == "17/12/2026"
    assert formats.format_deadline(date(2026, 12, 17), "vi") == "17/12/2026"
    # stored before deadlines ended at local midnight: the end of the UTC day means its date
    assert formats.format_deadline(datetime(2026, 12, 16, 23, 59, 59, 999999), "vi") == (
        "16/12/2026"
    )
    # a deadline some days after an event keeps its hour, in local time
    assert formats.format_deadline(UTC_EVENING, "vi") == "18/12/2026 00:30"
    # another installation's zone
    assert formats.format_datetime(UTC_EVENING, "fr", "Europe/Paris") == "17/12/2026 18:30"
    assert formats.format_deadline(formats.local_end_of_day(date(2026, 7, 1), "Europe/Paris"),
                                   "fr", "Europe/Paris") == "01/07/2026"  # fmt: skip


def _started(app: Flask, session: Session, world: dict[str, Any]) -> int:
    scope = Scope("pact", 1, block_id=world["blocks"]["a"].id, year=world["year"])
    with app.test_request_context():
        return wf.start(session, engine(), "pact", scope, None)


def _in(client: FlaskClient, locale: str) -> None:
    submit(client, "/locale", {"locale": locale, "next": "/"}, page="/")


def test_pages__local_dates_and_times_in_every_language(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    """A notification of 17:30 UTC reads 00:30 the next day; a date deadline reads its date."""
    iid = _started(app, session, world)
    head = world["users"]["a1.head"]
    note = session.exec(
        select(Notification).where(Notification.user_id == head.id).order_by(col(Notification.id))
    ).first()
    row = session.get(WfInstance, iid)
    assert note is not None and row is not None
    note.created_at = UTC_EVENING
    row.due_at = formats.local_end_of_day(date(2026, 12, 17))
    session.add(note)
    session.add(row)
    session.commit()
    sign_in(client, "a1.head")
    for locale in ("vi", "fr", "en", "hu"):
        _in(client, locale)
        day, moment = EXPECTED[locale][:2]
        notes = client.get("/notifications").get_data(as_text=True)
        assert f"<td>{moment}</td>" in notes, locale
        shown = client.get(f"/instances/{iid}").get_data(as_text=True)
        assert f" {day}</p>" in shown, locale  # "· Hạn 17/12/2026", no hour
        assert "16:59" not in shown and "23:59" not in shown


def test_pages__vietnamese_numbers_and_money(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    """The award catalogue's base salary reads 2.340.000 in Vietnamese, 2,340,000 in English."""
    sign_in(client, "admin")
    _in(client, "vi")
    page = client.get("/admin/awards").get_data(as_text=True)
    assert "2.340.000 đồng" in page and "2,340,000" not in page
    _in(client, "en")
    assert "2,340,000 đồng" in client.get("/admin/awards").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["vi", "en", "fr", "hu"])
@pytest.mark.parametrize("places", [0, 2, 3])
def test_numbers_read_as_babel_writes_them(lang: str, places: int) -> None:
    """The short way for small numbers writes exactly what babel's pattern writes."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "#" * places if places else "")
    values = ["0", "0.005", "0.015", "2.675", "12.5", "85.50", "999.994", "999.995", "999.999",
              "1000", "1E+2", "0E-10", "-1.5", "1234.567", "3510000"]  # fmt: skip
    for v in values:
        want = str(format_decimal(Decimal(v), pattern, locale=lang))
        assert formats.format_number(v, lang, places) == want, v
        assert formats.format_number(Decimal(v), lang, places) == want, v  # taken as it is
