"""Notifications page: what reached the user, marked read one by one or all; digest opt-in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.engine import WfInstance
from wflow.inbox.words import in_words
from wflow.notifications import service as notify
from wflow.notifications.models import Notification
from wflow.web.forms import EmptyForm
from wflow.web.guard import load_or_404, user

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index() -> str:
    """List the user's notifications by subject, newest first, with the digest setting."""
    groups = notify.by_subject(db.session(), user())
    unread = sum(g.unread for g in groups)
    return render_template("notifications/list.html", groups=groups, unread=unread,
                           form=EmptyForm())  # fmt: skip


def _checked() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int) -> WResponse:
    """Mark one of the user's notifications read, then go to its subject or back."""
    _checked()
    note = load_or_404(Notification, notification_id)
    if note.user_id != user().id:
        abort(403)
    notify.mark_read(db.session(), user(), [note])
    row = db.session().get(WfInstance, note.instance_id) if note.instance_id else None
    if request.form.get("open") and row is not None:
        item = in_words(db.session(), row)  # the subject's own page, where its work is done
        return redirect(url_for(item.endpoint, **item.args), 303)
    return redirect(url_for("notifications.index"), 303)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all() -> WResponse:
    """Mark every notification of the user read."""
    _checked()
    notify.mark_all_read(db.session(), user())
    flash(_("All notifications marked as read."), "success")
    return redirect(url_for("notifications.index"), 303)


@bp.route("/notifications/digest", methods=["POST"])
@login_required
def digest() -> WResponse:
    """Turn the daily e-mail digest on or off."""
    _checked()
    wanted = request.form.get("digest") == "on"
    notify.set_digest(db.session(), user(), wanted)
    flash(_("Daily digest turned on.") if wanted else _("Daily digest turned off."), "success")
    return redirect(url_for("notifications.index"), 303)
