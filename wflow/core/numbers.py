"""Numbers people give (forms, query strings, spreadsheets, the API) read into bounded values.

One reader for every number: a decimal with at most `places` decimals and `max_digits` digits
within [minimum, maximum], or a whole number within its bounds; anything else is refused with
a 422 naming the field, before any arithmetic that could overflow (`1e309`, thirty digits,
NaN and infinities never reach a `quantize`). Written forms: digits with an optional sign and
one decimal separator, a dot or a comma (Vietnamese writes 2,5); spaces between digit groups
are ignored; no exponents.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from wflow.core.errors import ServiceError

MAX_TEXT = 64  # characters: no number a person types is longer
INT32 = 2**31 - 1  # ids, years, counts: 32-bit integers on every database
_DECIMAL = re.compile(r"^([+-]?)([0-9]*)(?:[.,]([0-9]*))?$")
_INT = re.compile(r"^([+-]?)([0-9]+)$")
_SPACES = re.compile(r"[\s_'’]+")


class NumberRefused(ServiceError):
    """A number that is not one, or lies outside its bounds; `reason` says which.

    reason: "blank", "not_a_number", "places" (too many decimals), "below", "above".
    """

    code = "invalid_number"

    def __init__(self, message: Any, field: str, reason: str, given: str = "") -> None:
        super().__init__(message, field)
        self.reason = reason
        self.given = given  # the text as typed (shortened), for messages that quote it


def _text(value: Any) -> str:
    """Return the typed text in a canonical form: NFKC (full-width digits), no spaces."""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub("", text)


def _shown(value: Decimal | int) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _bounds_message(minimum: Decimal | int | None, maximum: Decimal | int | None) -> Any:
    if minimum is not None and maximum is not None:
        return _l("Give a number from %(a)s to %(b)s.", a=_shown(minimum), b=_shown(maximum))
    if minimum is not None:
        return _l("Give a number of at least %(a)s.", a=_shown(minimum))
    if maximum is not None:
        return _l("Give a number of at most %(b)s.", b=_shown(maximum))
    return _l("This number is too large.")


def _parts(value: Any) -> tuple[str, str, str] | None:
    """Return (sign, whole digits, decimal digits) of a written or native number, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if value.bit_length() > 200:
            return ("-" if value < 0 else "", "9" * 61, "")  # surely too large, never printed
        return ("-" if value < 0 else "", str(abs(value)), "")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if exponent > MAX_TEXT:  # surely too large, never printed
            return ("-" if sign else "", "9" * 61, "")
        if -exponent > MAX_TEXT + len(digits):  # surely too many decimals
            return ("-" if sign else "", "", "1" * (MAX_TEXT + 1))
        text = "".join(map(str, digits))
        if exponent >= 0:
            whole, frac = text + "0" * exponent, ""
        else:
            text = text.rjust(-exponent, "0")
            whole, frac = text[:exponent], text[exponent:]
        return ("-" if sign else "", whole, frac)
    text = _text(value)
    if len(text) > MAX_TEXT:
        return None
    found = _DECIMAL.match(text)
    if not found or not (found.group(2) or found.group(3)):
        return None
    return found.group(1), found.group(2), found.group(3) or ""


def read_decimal(
    value: Any,
    field: str,
    *,
    max_digits: int = 14,
    places: int = 2,
    minimum: Decimal | int | None = 0,
    maximum: Decimal | int | None = None,
    required: bool = True,
) -> Decimal | None:
    """Return `value` as a Decimal with `places` decimals within its bounds, else refuse it.

    Empty text is None when not `required`; `max_digits` bounds the digits of the whole value
    (at most 28, the precision decimals compute with).
    """
    assert 0 <= places < max_digits <= 28
    if value is None or (isinstance(value, str) and not _text(value)):
        if required:
            raise NumberRefused(_l("Give a number."), field, "blank")
        return None
    given = str(value).strip()[:20]
    parts = _parts(value)
    if parts is None:
        raise NumberRefused(_l("Give a number, e.g. 12 or 2,5."), field, "not_a_number", given)
    sign, whole, frac = parts[0], parts[1].lstrip("0"), parts[2].rstrip("0")
    if len(frac) > places:
        message = _l("Give at most %(n)d decimals.", n=places)
        raise NumberRefused(message, field, "places", given)
    negative = sign == "-" and bool(whole or frac)
    if len(whole) > max_digits - places:
        reason = "below" if negative else "above"
        raise NumberRefused(_bounds_message(minimum, maximum), field, reason, given)
    number = Decimal(f"{'-' if negative else ''}{whole or '0'}.{frac or '0'}")
    if minimum is not None and number < minimum:
        raise NumberRefused(_bounds_message(minimum, maximum), field, "below", given)
    if maximum is not None and number > maximum:
        raise NumberRefused(_bounds_message(minimum, maximum), field, "above", given)
    return number.quantize(Decimal(1).scaleb(-places))


def read_int(
    value: Any,
    field: str,
    *,
    minimum: int | None = 0,
    maximum: int | None = INT32,
    required: bool = True,
) -> int | None:
    """Return `value` as a whole number within its bounds (a 32-bit one by default)."""
    if value is None or (isinstance(value, str) and not _text(value)):
        if required:
            raise NumberRefused(_l("Give a whole number."), field, "blank")
        return None
    given = str(value).strip()[:20]
    written = isinstance(value, str) and not _INT.match(_text(value)[: MAX_TEXT + 1])
    parts = None if written else _parts(value)  # "12,000" is no whole number: say so
    if parts is None or parts[2].rstrip("0"):
        raise NumberRefused(_l("Give a whole number, e.g. 12."), field, "not_a_number", given)
    sign, whole = parts[0], parts[1].lstrip("0")
    if len(whole) > 20:
        reason = "below" if sign == "-" else "above"
        raise NumberRefused(_bounds_message(minimum, maximum), field, reason, given)
    number = int(sign + (whole or "0"))
    if minimum is not None and number < minimum:
        raise NumberRefused(_bounds_message(minimum, maximum), field, "below", given)
    if maximum is not None and number > maximum:
        raise NumberRefused(_bounds_message(minimum, maximum), field, "above", given)
    return number
