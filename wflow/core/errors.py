"""Errors the services raise when asked to do something the rules forbid."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the rules refuse; `message` is shown to the person, `field` names the input."""

    status = 422

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The thing asked for does not exist."""

    status = 404


class Forbidden(ServiceError):
    """The person may not do this."""

    status = 403


class Conflict(ServiceError):
    """The request clashes with existing data (a duplicate code, a stale version)."""

    status = 409
