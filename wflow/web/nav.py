"""What every page's layout needs: the user menu, language switcher and display helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from markupsafe import Markup

from wflow import db
from wflow.core.access import is_committee
from wflow.core.paging import BADGE_CAP
from wflow.i18n import LANGUAGE_CHOICES, language
from wflow.inbox import service as inbox
from wflow.notifications import service as notify
from wflow.org import directory
from wflow.web import branding
from wflow.web.labels import ROLES, UNIT_KINDS, position_label
from wflow.workflow_setup import engine


def _unit_name() -> str:
    """Return the name of the signed-in user's unit ("" for none)."""
    unit_id = current_user.unit_id if current_user.is_authenticated else None
    return (directory.unit_name(db.session(), unit_id) or "") if unit_id else ""


# the menu's badges in one statement, built once: the inbox's rows and the unread notifications
_BADGES = sa.select(inbox.TASKS, notify.UNREAD)


@dataclass(frozen=True)
class Badges:
    """The figures of the menu's badges, each at most BADGE_CAP."""

    tasks: int
    unread: int


def _badges() -> Badges:
    """Return the signed-in user's badges: read once per request, when shown, in one statement."""
    if "badges" not in g:
        user, session = current_user._get_current_object(), db.session()
        binds, extra = inbox.count_binds(session, engine(), user)
        tasks, unread = session.connection().execute(_BADGES, {**binds, "user_id": user.id}).one()
        g.badges = Badges(inbox.badge(tasks + extra), inbox.badge(unread))
    badges: Badges = g.badges
    return badges


def _task_count() -> int:
    """Return how many rows the user's inbox holds (up to BADGE_CAP)."""
    return _badges().tasks if current_user.is_authenticated else 0


def _unread_count() -> int:
    """Return how many notifications the user has not read (up to BADGE_CAP)."""
    return _badges().unread if current_user.is_authenticated else 0


MENUS_KEPT = 4_096  # menus a process keeps: languages x kinds of user (roles, unit, seat)


def _menu(committee: bool) -> Markup:
    """Return the signed-in menu's links after its badges (`nav/menu.html`), rendered once per
    process for each language, roles, unit and committee seat, and for where the app is served:
    the links of every page are the same for them, and two dozen URLs and labels cost more to
    write than the rest of the page's header."""
    user = current_user
    key = (language(), tuple(user.roles), user.unit_id, committee, request.script_root)
    menus: dict[tuple[Any, ...], Markup] = current_app.extensions.setdefault("wflow.menus", {})
    menu = menus.get(key)
    if menu is None:
        if len(menus) >= MENUS_KEPT:
            menus.clear()
        template = current_app.jinja_env.get_template("nav/menu.html")
        menu = menus[key] = Markup(template.render(roles=key[1], unit_id=key[2],
                                                   is_committee=committee))  # fmt: skip
    return menu


def _layout() -> dict[str, Any]:
    if not has_request_context():  # a document rendered outside a request (CLI, demo)
        return {}
    # the language menu and the sign-out button post a CSRF token of their own (`csrf_token()`
    # in the template): no form object is built for them on every page
    committee = is_committee(current_user) if current_user.is_authenticated else False
    return {
        "languages": LANGUAGE_CHOICES,
        "here": request.full_path.rstrip("?") if request else "/",
        "current_user_unit_name": _unit_name,
        "task_count": _task_count,
        "unread_count": _unread_count,
        "BADGE_CAP": BADGE_CAP,
        "ROLE_LABELS": ROLES,
        "KIND_LABELS": UNIT_KINDS,
        "position_label": position_label,
        "branding": branding.urls(),
        "is_committee": committee,
        "menu": lambda: _menu(committee),
    }


def init_app(app: Flask) -> None:
    """Give every template the layout's forms and labels."""
    app.context_processor(_layout)
