"""The one error family: a refusal with an HTTP status, a stable code, a message, field errors.

The engine's workflow errors and the features' service errors both derive from `Refusal`,
so the web and API faces each register one handler for all of them. Nothing is written
when one is raised: the unit of work rolls the transaction back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class Refusal(Exception):
    """A request refused by the rules: `message` for people, `fields` maps input → problem."""

    status: int = 400  # the HTTP status a face answers with
    code: str = "refusal"  # stable, for API clients

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give every subclass a stable code from its name (`NotAllowed` → `not_allowed`)."""
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = _CAMEL.sub("_", cls.__name__).lower()

    def __init__(self, message: Any, fields: Mapping[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message  # may be a lazy translation, rendered in the reader's language
        self.fields: dict[str, Any] = dict(fields or {})

    @property
    def field(self) -> str | None:
        """Return the first input the refusal names, if any."""
        return next(iter(self.fields), None)

    @property
    def problems(self) -> list[str]:
        """Return one message per problem: each field's, or the message alone."""
        found = [str(m) for m in self.fields.values() if m]
        return found or [str(self.message)]
