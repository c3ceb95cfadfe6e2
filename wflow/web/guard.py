"""The checks every view makes: load or 404, then may this user do this (or 403)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user

from wflow import db
from wflow.core import subjects
from wflow.core.access import Action, may
from wflow.org.models import User

T = TypeVar("T")


def load_or_404(model: type[T], ident: int) -> T:
    """Return the row of `model` with id `ident`, or answer 404."""
    row = db.session().get(model, ident)
    if row is None:
        abort(404)
    return row


def visible(model: type[T], ident: int) -> T:
    """Return the workflow subject (plan, pact, review…) or 404; 403 unless the user sees it."""
    row = load_or_404(model, ident)
    if not subjects.may_view(db.session(), user(), row):  # type: ignore[arg-type]
        abort(403)
    return row


def user() -> User:
    """Return the signed-in user (views are behind login_required)."""
    return current_user._get_current_object()


def ensure(
    action: Action,
    *,
    unit_id: int | None = None,
    block_id: int | None = None,
    year: int | None = None,
) -> None:
    """Answer 403 unless the signed-in user may do `action` on the unit or block."""
    allowed = may(db.session(), user(), action, unit_id=unit_id, block_id=block_id, year=year)
    if not allowed:
        abort(403)
