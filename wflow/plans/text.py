"""The plan's text and the block's rules: cleaning, and defaults from law and practice."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

from wflow.core import formats
from wflow.core.errors import ServiceError
from wflow.core.numbers import NumberRefused, read_decimal, read_int
from wflow.i18n import language
from wflow.org.service import clean_text

SCALES = (100, 1000)
# Review periods a block may hold, with the default report due dates (MM-DD) of those held.
REVIEW_PERIODS = ("q1", "mid_year", "q3", "year_end")
# Their names, the one place every page and export takes them from.
REVIEW_PERIOD_LABELS = {
    "q1": _l("First quarter"),
    "mid_year": _l("Mid-year (6 months)"),
    "q3": _l("Third quarter"),
    "year_end": _l("Year-end summary"),
}
AWARD_TYPES = (
    "emulation_flag",
    "certificate_of_merit",
    "excellent_collective",
    "commendation_certificate",
)
# Their names, the one place forms, pages and revisions take them from.
AWARD_TYPE_LABELS = {
    "emulation_flag": _l("Emulation flag (cờ thi đua)"),
    "certificate_of_merit": _l("Certificate of merit (bằng khen)"),
    "excellent_collective": _l("Excellent collective (tập thể lao động xuất sắc)"),
    "commendation_certificate": _l("Commendation certificate (giấy khen)"),
}
# Defaults of the block's rules (DOMAIN.md): every one can be changed in the plan.
DEFAULT_RULES: dict[str, Any] = {
    "vote_threshold": "2/3",  # share of the block's votes a nomination needs
    "vote_quorum": "2/3",  # share of member units present for a block vote to count
    "reviews": {"mid_year": "06-15", "year_end": "11-30"},  # period -> report due (MM-DD)
    "late_report_penalty": "1",  # points deducted for a late report
    "award_types": list(AWARD_TYPES),
    "registration_days": 30,  # days after publication for units to register their targets
    "consultation_days": 14,  # proposed length of the consultation
    "signing_order": "parallel",  # pact signing: parallel | leader_last | in_order
    "review_open_days": 30,  # a review opens this many days before its report is due
    "grading": "leader",  # who grades the reviews: leader | cross (rotating units)
}
SIGNING_ORDERS = ("parallel", "leader_last", "in_order")  # how the heads sign the pact
GRADINGS = ("leader", "cross")  # the block leader grades every review, or units cross-grade
# Bounded digits: a share is a few digits, and int() of thousands of them raises ValueError.
_FRACTION = re.compile(
    r"^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*$|^\s*([0-9]{1,3}(?:[.,][0-9]{1,4})?)\s*%\s*$"
)
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


def default_rules() -> dict[str, Any]:
    """Return a fresh copy of the default block rules."""
    return {
        **DEFAULT_RULES,
        "reviews": dict(DEFAULT_RULES["reviews"]),
        "award_types": list(DEFAULT_RULES["award_types"]),
    }


def clean_period(year: int | None, year_end: int | None) -> tuple[int, int]:
    """Return (first, last) year of a plan's period: one year, or up to ten."""
    if year is None or not 2000 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2000 and 2100."), "year")
    end = year if year_end is None else year_end
    if not year <= end <= year + 9:
        raise ServiceError(
            _l("The period ends in its first year or up to nine years later."), "year_end"
        )
    return year, end


def clean_scale(scale: int | None) -> int:
    """Return the criteria table's total points: 100 or 1000."""
    if scale not in SCALES:
        raise ServiceError(_l("The scale is 100 or 1,000 points."), "scale")
    return int(scale)


def clean_contents(areas: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Return the contents by area, dropping empty rows; an area needs its text."""
    out: list[dict[str, str]] = []
    for area in areas:
        name = clean_text(area.get("area"), "contents", max_len=300, required=False)
        text = clean_text(area.get("text"), "contents", max_len=20_000, required=False)
        if not name and not text:
            continue
        if not name or not text:
            raise ServiceError(_l("Each area of the contents needs a name and a text."), "contents")
        out.append({"area": name, "text": text})
    return out


def clean_fraction(value: str | None, field: str) -> str:
    """Return a share written "2/3" or "90%", strictly between 0 and 1 inclusive."""
    text = (value or "").strip()
    found = _FRACTION.match(text)
    if not found:
        raise ServiceError(_l('Write a share as "2/3" or "90%".'), field)
    if found.group(1):
        den = int(found.group(2))
        share = Fraction(int(found.group(1)), den) if den else Fraction(0)
    else:
        share = Fraction(found.group(3).replace(",", ".")) / 100
    if not 0 < share <= 1:
        raise ServiceError(_l("A share is more than 0 and at most 1 (100%)."), field)
    return text.replace(" ", "")


def clean_points(value: Any, field: str, *, allow_zero: bool = True) -> Decimal:
    """Return points as an exact decimal (comma or dot), at most two decimals, not negative."""
    try:
        number = read_decimal(value, field, max_digits=7, places=2, minimum=0,
                              maximum=Decimal("99999.99"))  # fmt: skip
    except NumberRefused as exc:
        messages = {
            "places": _l("Points take at most two decimals."),
            "below": _l("Points must be more than zero."),
            "above": _l("Points must be less than 100,000."),
        }
        raise ServiceError(
            messages.get(exc.reason, _l("Points must be a number.")), field
        ) from None
    assert number is not None
    if number == 0 and not allow_zero:
        raise ServiceError(_l("Points must be more than zero."), field)
    return number


def clean_rules(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the block's rules checked, with defaults for what is not given."""
    rules = default_rules()
    rules["vote_threshold"] = clean_fraction(
        raw.get("vote_threshold", rules["vote_threshold"]), "vote_threshold"
    )
    rules["vote_quorum"] = clean_fraction(
        raw.get("vote_quorum", rules["vote_quorum"]), "vote_quorum"
    )
    reviews = raw.get("reviews", rules["reviews"])
    cleaned: dict[str, str] = {}
    for period in REVIEW_PERIODS:
        due = (reviews.get(period) or "").strip()
        if not due:
            continue
        found = _MONTH_DAY.match(due)
        if not found or not (1 <= int(found.group(1)) <= 12 and 1 <= int(found.group(2)) <= 31):
            raise ServiceError(_l("Write a report date as MM-DD, e.g. 06-15."), f"due_{period}")
        cleaned[period] = due
    if not cleaned:
        raise ServiceError(
            _l("Hold at least one review (e.g. the year-end summary)."), "due_year_end"
        )
    rules["reviews"] = cleaned
    penalty = raw.get("late_report_penalty", rules["late_report_penalty"])
    rules["late_report_penalty"] = str(clean_points(penalty, "late_report_penalty"))
    awards = list(dict.fromkeys(raw.get("award_types", rules["award_types"])))
    if not awards or any(a not in AWARD_TYPES for a in awards):
        raise ServiceError(_l("Choose the award types from the list."), "award_types")
    rules["award_types"] = awards
    for key, low, high in (("registration_days", 1, 120), ("consultation_days", 1, 90)):
        value = _int(raw.get(key, rules[key]))
        if value is None or not low <= value <= high:
            raise ServiceError(_l("Give a number of days from %(a)d to %(b)d.", a=low, b=high), key)
        rules[key] = value
    order = str(raw.get("signing_order", rules["signing_order"]))
    if order not in SIGNING_ORDERS:
        raise ServiceError(_l("Choose the signing order from the list."), "signing_order")
    rules["signing_order"] = order
    given = raw.get("review_open_days")
    days = _int(rules["review_open_days"] if given in (None, "") else given)
    if days is None or not 1 <= days <= 180:
        raise ServiceError(_l("Give a number of days from %(a)d to %(b)d.", a=1, b=180),
                           "review_open_days")  # fmt: skip
    rules["review_open_days"] = days
    grading = str(raw.get("grading") or rules["grading"])
    if grading not in GRADINGS:
        raise ServiceError(_l("Choose who grades the reviews from the list."), "grading")
    rules["grading"] = grading
    return rules


def _int(value: Any) -> int | None:
    try:
        return read_int(value, "", minimum=None, maximum=None)
    except NumberRefused:
        return None


def text_sections(plan_text: Mapping[str, Any]) -> Sequence[tuple[str, str]]:
    """Return the sections (key, text) a comment can point at, in reading order."""
    contents = "\n\n".join(f"{a['area']}\n{a['text']}" for a in plan_text.get("contents", []))
    return [
        ("title", str(plan_text.get("title", ""))),
        ("legal_bases", str(plan_text.get("legal_bases", ""))),
        ("purposes", str(plan_text.get("purposes", ""))),
        ("contents", contents),
        ("rules", ""),
    ]


def review_dues_in_words(rules: Mapping[str, Any], year: int, locale: str | None) -> list[str]:
    """Return the block's reviews as "Mid-year (6 months): 15/06/2026", in the period's order."""
    out = []
    reviews = rules.get("reviews", {})
    for period in REVIEW_PERIODS:
        due = reviews.get(period)
        if due is None:
            continue
        try:
            month, day = (int(x) for x in str(due).split("-"))
            when = formats.format_date(date(year, month, day), locale or language())
        except ValueError:
            when = str(due)
        out.append(f"{REVIEW_PERIOD_LABELS[period]}: {when}")
    return out


def award_types_in_words(rules: Mapping[str, Any]) -> list[str]:
    """Return the names of the award types the block may propose, in the catalogue's order."""
    chosen = set(rules.get("award_types", []))
    return [str(AWARD_TYPE_LABELS[a]) for a in AWARD_TYPES if a in chosen]
