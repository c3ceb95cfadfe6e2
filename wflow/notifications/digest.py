"""The daily digest: each opted-in user gets their open tasks and unread notifications by e-mail."""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import formats
from wflow.core.uow import unit_of_work
from wflow.engine import Engine
from wflow.inbox import service as inbox
from wflow.notifications import service as notify
from wflow.notifications.models import Notification, NotificationKind
from wflow.org.models import User

log = logging.getLogger(__name__)


def send_digests(session: Session, engine: Engine, now: datetime | None = None) -> int:
    """E-mail today's digest to every opted-in user not served yet today; return how many."""
    now = now or utcnow()
    query = select(User).where(User.digest_opt_in == True, User.active == True,  # noqa: E712
                               col(User.email).is_not(None)).order_by(col(User.id))  # fmt: skip
    sent = 0
    for user in session.exec(query).all():
        if not notify.digest_due(session, user, now):
            continue
        tasks = inbox.work(session, engine, user, now)
        unread = [n for n in notify.listing(session, user) if n.read_at is None]
        if not tasks and not unread:
            continue
        locale = user.locale or "vi"
        with force_locale(locale):
            title = _("Your daily digest: %(tasks)d task(s), %(unread)d unread notification(s)",
                      tasks=len(tasks), unread=len(unread))  # fmt: skip
            tasks = inbox.work(session, engine, user, now)  # in the recipient's language
            lines = [f"- {t.title}" + (f" ({t.where})" if t.where else "")
                     + (" — " + _("Due: %(due)s", due=formats.format_date(t.due, locale))
                        if t.due else "")
                     for t in tasks]  # fmt: skip
        with unit_of_work(session):  # recorded first: a re-run the same day sends nothing twice
            note = Notification(user_id=user.id or 0, kind=NotificationKind.DIGEST.value,
                                title=title, body="\n".join(lines), created_at=now)  # fmt: skip
            session.add(note)
        sender = notify.mailer_of(session)
        if sender is not None:
            mail = sender.compose(user, "digest", {"title": title, "tasks": tasks, "lines": lines,
                                                   "unread": unread})  # fmt: skip
            sent += sender.send([mail])
    return sent
