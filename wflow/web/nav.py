"""What every page's layout needs: the user menu, language switcher and display helpers."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request
from flask_login import current_user

from wflow import db
from wflow.core.access import is_committee
from wflow.inbox import service as inbox
from wflow.org.models import Unit
from wflow.web import branding
from wflow.web.forms import EmptyForm, LocaleForm
from wflow.web.labels import ROLES, UNIT_KINDS, position_label
from wflow.workflow_setup import engine


def _unit_name() -> str:
    unit_id = current_user.unit_id if current_user.is_authenticated else None
    unit = db.session().get(Unit, unit_id) if unit_id else None
    return unit.name if unit else ""


def _task_count() -> int:
    """Return how many rows the user's inbox holds (counted once, when shown)."""
    if "task_count" not in g:
        g.task_count = inbox.count(db.session(), engine(), current_user._get_current_object())
    return int(g.task_count)


def _layout() -> dict[str, Any]:
    if not has_request_context():  # a document rendered outside a request (CLI, demo)
        return {}
    locale_form = LocaleForm(formdata=None)  # never read the body: it may be refused (413)
    if current_user.is_authenticated:
        locale_form.locale.data = current_user.locale
    return {
        "locale_form": locale_form,
        "logout_form": EmptyForm(formdata=None),
        "here": request.full_path.rstrip("?") if request else "/",
        "current_user_unit_name": _unit_name,
        "task_count": _task_count,
        "ROLE_LABELS": ROLES,
        "KIND_LABELS": UNIT_KINDS,
        "position_label": position_label,
        "branding": branding.urls(),
        "is_committee": is_committee(current_user) if current_user.is_authenticated else False,
    }


def init_app(app: Flask) -> None:
    """Give every template the layout's forms and labels."""
    app.context_processor(_layout)
