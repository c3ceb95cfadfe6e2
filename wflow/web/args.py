"""Numbers in query strings and posted fields, read through `wflow.core.numbers`.

A parameter that is absent or empty is None; one that is not a whole number within its
bounds is refused with a 422 naming the parameter (never a 500 from the database when
`?year=99999999999999999999` reaches a query). Ids in paths are bounded by `IdConverter`.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, Map

from wflow.core.numbers import INT32, NumberRefused, read_int


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: a 32-bit id as every database stores it; a larger one is a 404."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = INT32,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def arg_int(name: str, *, minimum: int = 0, maximum: int = INT32) -> int | None:
    """Return the request's parameter `name` (query or form) as a bounded whole number."""
    return read_request_int(request.values.get(name), name, minimum=minimum, maximum=maximum)


def arg_year(name: str = "year") -> int | None:
    """Return the request's year parameter (1 to 9999), None when absent."""
    return arg_int(name, minimum=1, maximum=9999)


def read_request_int(value: Any, name: str, *, minimum: int, maximum: int) -> int | None:
    """Return `value` as a bounded whole number, refusing it with a message naming `name`."""
    try:
        return read_int(value, name, minimum=minimum, maximum=maximum, required=False)
    except NumberRefused as exc:
        message = _l("%(name)s: %(problem)s", name=name, problem=exc.message)
        raise NumberRefused(message, name, exc.reason, exc.given) from None
