"""Errors the services raise when asked to do something the rules forbid."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from wflow.engine import (
    AlreadyActed,
    InstanceNotFound,
    MissingFields,
    NotAllowed,
    StaleVersion,
    UnknownTrigger,
    WorkflowError,
    WrongState,
)
from wflow.errors import Refusal


class ServiceError(Refusal):
    """A request the rules refuse; `message` is shown to the person, `field` names the input."""

    status = 422

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message, {field: ""} if field else None)


class NotFound(ServiceError):
    """The thing asked for does not exist."""

    status = 404


class Forbidden(ServiceError):
    """The person may not do this."""

    status = 403


class WrongPassword(ServiceError):
    """What a signer re-entered to confirm a signature is wrong: a 422 on the signing form."""

    def __init__(self, message: Any, field: str = "password") -> None:
        super().__init__(message, field)


class Conflict(ServiceError):
    """The request clashes with existing data (a duplicate code, a stale version)."""

    status = 409


class TooLarge(ServiceError):
    """The file or input is larger than allowed."""

    status = 413


FIELD_NAMES = {"reason": _l("reason")}


def describe(exc: Refusal) -> str:
    """Return the refusal in the reader's language (the engine's own messages are English)."""
    if not isinstance(exc, WorkflowError):
        return "; ".join(exc.problems)
    if isinstance(exc, NotAllowed):
        if "turn" in exc.message:
            return str(_l("It is not your turn yet: the participants sign in order."))
        return str(_l("You may not do this here."))
    if isinstance(exc, WrongState):
        return str(_l("This action is not possible in the current state."))
    if isinstance(exc, StaleVersion):
        return str(_l("This was changed meanwhile; reload the page and try again."))
    if isinstance(exc, AlreadyActed):
        return str(_l("You have already answered in this step."))
    if isinstance(exc, MissingFields):
        names = ", ".join(str(FIELD_NAMES.get(f, f)) for f in exc.fields)
        return str(_l("Please fill in: %(fields)s.", fields=names))
    if isinstance(exc, (UnknownTrigger, InstanceNotFound)):
        return str(_l("Unknown action."))
    return str(exc.message)  # guard reasons come already translated from the domain


__all__ = ["Conflict", "Forbidden", "NotFound", "Refusal", "ServiceError", "TooLarge", "describe"]
