"""Tasks reach people: in-app notifications and e-mail when work arrives, reminders, digests.

Each notification is written in its recipient's language. New work is told after the change
that made it has committed, from the task index's unannounced rows (`deliver`, drained by the
installation's courier); reminders and deadlines in the tick's transaction. E-mails leave
after the commit that wrote them; failures are logged and never undo a change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import formats, installation, mailer
from wflow.core import workflow as wf
from wflow.core.access import committee_principals, is_committee
from wflow.core.courier import Batch, drain
from wflow.core.paging import capped_count
from wflow.core.uow import after_commit, in_unit, transactional
from wflow.councils import service as councils
from wflow.engine import Definition, Engine, FireContext, Registry, WfInstance
from wflow.inbox.words import Names, WorkItem, all_in_words, due_date, in_words
from wflow.notifications.models import Notification, NotificationKind
from wflow.org import signers
from wflow.org.models import BlockMembership, Position, Role, Unit, User

log = logging.getLogger(__name__)

_SEATS_OF_BLOCKS = select(BlockMembership.unit_id, BlockMembership.block_id,
                          BlockMembership.year, BlockMembership.position).where(
    col(BlockMembership.block_id).in_(sa.bindparam("blocks", expanding=True)),
    col(BlockMembership.year).in_(sa.bindparam("years", expanding=True)))  # fmt: skip
# Many rows in one statement compiled once: with RETURNING, SQLAlchemy's "insertmanyvalues"
# writes the rows of a list as multi-row VALUES of up to 1,000 rows, from the cached statement.
_INSERT_NOTES = sa.insert(Notification.__table__).returning(  # type: ignore[attr-defined]
    Notification.__table__.c.id  # type: ignore[attr-defined]
)
_USER_QUERIES: dict[tuple[tuple[str, ...], bool], Any] = {}


def _users_query(roles: tuple[str, ...], of_units: bool) -> Any:
    """Return the (cached) query of active users with one of `roles` or in `:units`."""
    query = _USER_QUERIES.get((roles, of_units))
    if query is None:
        who: list[sa.ColumnElement[bool]] = [
            sa.cast(col(User.roles), sa.String).like(f'%"{r}"%') for r in roles
        ]
        if of_units:
            who.append(col(User.unit_id).in_(sa.bindparam("units", expanding=True)))
        query = _USER_QUERIES[(roles, of_units)] = (
            select(User).where(User.active == True, sa.or_(*who)).order_by(col(User.id))  # noqa: E712
        )
    return query


def users_holding(session: OrmSession, principals: Iterable[str]) -> list[User]:
    """Return the active users holding any of `principals` (inverse of access.principals)."""
    return [user for user, _held in holders(session, principals)]


def holders(session: OrmSession, principals: Iterable[str]) -> list[tuple[User, set[str]]]:
    """Return the active users holding any of `principals`, each with those they hold.

    Reads only the users who may hold one: of the units named, of the block seats named
    (a leader's principal reads the leader's unit only), or with a role named.
    """
    wanted = set(principals)
    units: set[int] = set()
    blocks: dict[tuple[int, int], set[str]] = {}  # (block, year) -> positions asked
    for p in wanted:
        parts = p.split(":")
        if parts[0] == "unit" and len(parts) == 3 and parts[1].isdigit():
            units.add(int(parts[1]))
        elif parts[0] == "block" and len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit():
            seat = "" if parts[3] == "member" else Position.LEADER.value
            blocks.setdefault((int(parts[1]), int(parts[2])), set()).add(seat)
    seats: dict[int, list[tuple[int, int, str]]] = {}
    if blocks:
        found = session.execute(
            _SEATS_OF_BLOCKS,
            {"blocks": sorted({b for b, _y in blocks}), "years": sorted({y for _b, y in blocks})},
        )
        for unit_id, block_id, year, position in found.all():
            asked = blocks.get((block_id, year))
            if asked is not None and ("" in asked or position in asked):
                seats.setdefault(unit_id, []).append((block_id, year, position))
    roles: set[str] = set()
    for p in wanted:  # a committee's principal names its council: "secretariat:1"
        head, _sep, rest = p.partition(":")
        if head in (Role.SECRETARIAT.value, Role.ADMIN.value) and rest.isdigit():
            roles.add(head)
        elif head == "council" and (rest.isdigit() or rest.startswith("user:")):
            roles.add(Role.COUNCIL_MEMBER.value)
    # only the users who may hold one: of the units named, or with a role named (in SQL)
    of_units = sorted(units | set(seats))
    if not roles and not of_units:
        return []
    query = _users_query(tuple(sorted(roles)), bool(of_units))
    users: list[User] = list(session.scalars(query, {"units": of_units} if of_units else {}))
    delegates = signers.delegates_today(session, of_units)
    council = _councils(session, users) if roles else {}
    held = ((u, wanted & _held(u, seats.get(u.unit_id or 0, []), u.id in delegates,
                               council.get(u.id or 0))) for u in users)  # fmt: skip
    return [(user, theirs) for user, theirs in held if theirs]


def _councils(session: OrmSession, users: Sequence[User]) -> dict[int, int]:
    """Return the council of each committee member among `users`, by user id (one query)."""
    committee = [u for u in users if is_committee(u)]
    unit_ids = {u.unit_id for u in committee if u.unit_id is not None}
    query = select(Unit.id, Unit.council_id).where(col(Unit.id).in_(unit_ids))
    of_unit: dict[int, int] = dict(session.connection().execute(query).all()) if unit_ids else {}
    fallback = 0
    if any(of_unit.get(u.unit_id or 0) is None for u in committee):  # those without a unit
        fallback = councils.first_id(session) or 0  # type: ignore[arg-type]  # work in the first
    return {u.id or 0: of_unit.get(u.unit_id or 0) or fallback for u in committee}


def _held(user: User, seats: Sequence[tuple[int, int, str]], delegated: bool = False,
          council_id: int | None = None) -> set[str]:  # fmt: skip
    """Return the principals of `user` among those asked (mirrors access.principals): a head's
    delegate holds the head's during the delegation (`delegated`); the committee's in its
    council (`council_id`)."""
    out = committee_principals(user, council_id) if council_id is not None else set()
    head = Role.UNIT_HEAD.value in user.roles or delegated
    if user.unit_id is not None and (head or Role.UNIT_STAFF.value in user.roles):
        out.add(f"unit:{user.unit_id}:member")
        if head:
            out.add(f"unit:{user.unit_id}:head")
        for block_id, year, position in seats:
            out.add(f"block:{block_id}:{year}:member")
            if position == Position.LEADER.value:
                out.add(f"block:{block_id}:{year}:leader")
                if head:
                    out.add(f"block:{block_id}:{year}:leader_head")
    return out


NEWS_BATCH = 200  # instances whose new work one delivery announces
# Instances whose words failed in the database (this process): told inside a savepoint of
# their own, so that failing again loses only them (PostgreSQL aborts the whole transaction).
_SUSPECTS: set[int] = set()
SUSPECTS_KEPT = 1_000


def _suspect(instance_id: int) -> None:
    if len(_SUSPECTS) >= SUSPECTS_KEPT:
        _SUSPECTS.clear()
    _SUSPECTS.add(instance_id)


def deliver(session: Session) -> Batch:
    """Tell people of the work that appeared since the last delivery: the instances told of.

    Claims the task rows of work nobody was told of (`Engine.claim_news`) in the caller's
    unit, and writes one notification per person and instance in their language, the e-mails
    after the commit; whoever acted last on an instance is not told of work they gave
    themselves. Runs after the change that made the work, never in its transaction (the
    courier of the installation drains it, see `announce`).
    """
    found = installation.maybe(session)
    engine = found.workflows if found is not None else None
    if engine is None:  # the engine run without the app: nobody to tell
        return Batch(0, more=False)
    news, more = engine.claim_news(session, NEWS_BATCH)
    work: dict[int, set[tuple[str, str]]] = {}
    for n in news:
        if n.work:
            work.setdefault(n.instance_id, set()).add((n.trigger, n.principal))
    heads = engine.heads(session, list(work)) if work else {}
    people = holders(session, {p for keys in work.values() for _t, p in keys}) if work else []
    notes: list[dict[str, Any]] = []
    mails: list[mailer.Mail | None] = []
    # the subjects, their units and blocks read for the whole batch (not a query per instance),
    # kept alive by `loaded` while the notes are composed
    names = Names(session)
    loaded = names.preload([heads[i] for i in work if i in heads] if people else [])
    for instance_id, keys in work.items():
        row = heads.get(instance_id)
        if row is None:
            continue
        try:  # one subject that cannot be told (its workflow gone) never holds up the others
            with session.begin_nested() if instance_id in _SUSPECTS else nullcontext():
                defn = engine.definition(row.workflow, row.version)
                items: dict[tuple[str, tuple[str, ...]], WorkItem] = {}
                told = [
                    _compose(session, user, NotificationKind.NEW_TASK, defn, row, None,
                             triggers, engine, items, names)
                    for user, held in people
                    if (triggers := sorted({t for t, p in keys if p in held}))
                    and user.id != row.actor_user_id
                ]  # fmt: skip
        except sa.exc.DBAPIError:
            if instance_id not in _SUSPECTS:  # the transaction may be lost: fail the batch,
                _suspect(instance_id)  # which the drain tries again with a savepoint here
                raise
            log.exception("the new work on instance %s could not be told", instance_id)
            _SUSPECTS.discard(instance_id)
            continue
        except Exception:
            log.exception("the new work on instance %s could not be told", instance_id)
            continue
        _SUSPECTS.discard(instance_id)
        notes += [note for note, _mail in told]
        mails += [mail for _note, mail in told]
    del loaded  # every note is composed
    if notes:
        session.connection().execute(_INSERT_NOTES, notes)
    if any(mails):
        after_commit(session, lambda: send(session, mails))  # dropped if the unit rolls back
    return Batch(len({n.instance_id for n in news}), more)


def deliver_all(session: Session) -> int:
    """Deliver every piece of news now, batch after batch; return the instances told of."""
    return drain(session, deliver)


def announce(session: Session) -> None:
    """Have the installation's courier deliver the new work (after the change's commit)."""
    found = installation.maybe(session)
    if found is not None and found.courier is not None:
        found.courier.poke(session, deliver)


def mailer_of(session: OrmSession) -> mailer.Mailer | None:
    """Return the installation's mailer (None for the engine run without an app)."""
    found = installation.maybe(session)
    return found.mailer if found is not None else None


def send(session: OrmSession, mails: Sequence[mailer.Mail | None]) -> int:
    """Send composed mails through the installation's mailer; return how many were sent."""
    sender = mailer_of(session)
    return sender.send(mails) if sender is not None else 0


def _notify(
    session: OrmSession, user: User, kind: NotificationKind, defn: Definition, row: WfInstance,
    due_at: datetime | None,
) -> mailer.Mail | None:  # fmt: skip
    """Add one notification in the user's language; return its e-mail (None: no e-mail)."""
    note, mail = _compose(session, user, kind, defn, row, due_at)
    session.connection().execute(_INSERT_NOTES, note)
    return mail


def _compose(
    session: OrmSession, user: User, kind: NotificationKind, defn: Definition, row: Any,
    due_at: datetime | None, triggers: Sequence[str] = (), engine: Engine | None = None,
    items: dict[tuple[str, tuple[str, ...]], WorkItem] | None = None,
    names: Names | None = None,
) -> tuple[dict[str, Any], mailer.Mail | None]:  # fmt: skip
    """Return one notification's row in the user's language and its e-mail (None: no e-mail).

    It names the subject and where it belongs in words (never an instance number); `items`
    keeps the words per language and triggers when several people are told at once, `names`
    the names of blocks and units when many instances are.
    """
    locale = user.locale or "vi"
    with force_locale(locale):
        key = (locale, tuple(triggers))
        item = items.get(key) if items is not None else None
        if item is None:
            item = in_words(session, row, triggers, engine, names)
            if items is not None:
                items[key] = item
        what = item.title if item.action else item.subject
        state = defn.states[row.state].label.get(locale) if row.state in defn.states else row.state
        if kind is NotificationKind.REMINDER:
            title = _("Reminder: %(what)s is due soon", what=what)
        elif kind is NotificationKind.DEADLINE:
            title = _("Deadline passed: %(what)s", what=what)
        else:
            title = _("New task: %(what)s", what=what)
        body = _("State: %(state)s", state=state)
        if item.where:
            body = item.where + "\n" + body
        if due_at is not None:
            due = formats.format_date(due_date(due_at, installation.zone(session)), locale)
            body += "\n" + _("Due: %(due)s", due=due)
    note = {"user_id": user.id or 0, "kind": kind.value, "instance_id": row.id, "title": title,
            "body": body, "created_at": utcnow(), "read_at": None}  # fmt: skip
    context = {"title": title, "body": body, "instance_id": row.id}
    sender = mailer_of(session)
    return note, sender.compose(user, "notification", context) if sender is not None else None


def register(reg: Registry) -> None:
    """Register the hooks: new work after each change, reminders, deadlines that passed."""
    wf.on_new_work(announce)

    @reg.on_reminder
    def _remind(ctx: FireContext, due_at: datetime, principals: Sequence[str]) -> None:
        if installation.maybe(ctx.session) is None:  # the engine run without the app
            return
        row = ctx.session.get(WfInstance, ctx.instance_id)
        if row is None:
            return
        mails = [_notify(ctx.session, u, NotificationKind.REMINDER, ctx.definition, row, due_at)
                 for u in users_holding(ctx.session, principals)]  # fmt: skip
        send_after_commit(ctx.session, mails)

    @reg.on_deadline
    def _deadline(ctx: FireContext, _trigger: str, principals: Sequence[str]) -> None:
        """Tell who held the tasks that the deadline passed (the work it gave is news, told
        by `deliver` once the tick commits)."""
        if installation.maybe(ctx.session) is None:
            return
        row = ctx.session.get(WfInstance, ctx.instance_id)
        if row is None:
            return
        mails = [_notify(ctx.session, u, NotificationKind.DEADLINE, ctx.definition, row, None)
                 for u in users_holding(ctx.session, principals)]  # fmt: skip
        send_after_commit(ctx.session, mails)


AUDIT_LINES_SHOWN = 20  # the rest is one `wflow audit verify` away


def alert_admins(session: Session, lines: Sequence[str], found_at: datetime) -> int:
    """Tell every active administrator what the audit newly found; return how many were told.

    One notification each (and an e-mail after the commit), in their language; the findings
    themselves are technical lines, as `wflow audit verify` prints them.
    """
    if not lines:
        return 0
    # the installation's records: every council's administrators are told
    admins = list(session.scalars(_users_query((Role.ADMIN.value,), False)))
    shown = "\n".join(lines[:AUDIT_LINES_SHOWN])
    mails: list[mailer.Mail | None] = []
    for user in admins:
        with force_locale(user.locale or "vi"):
            title = _("Audit: records were changed outside wflow")
            body = _(
                "The audit of %(when)s found %(count)d new problem(s):",
                when=formats.format_datetime(found_at, user.locale, installation.zone(session)),
                count=len(lines),
            )  # fmt: skip
            body += "\n" + shown
            if len(lines) > AUDIT_LINES_SHOWN:
                body += "\n" + _("…and %(count)d more.", count=len(lines) - AUDIT_LINES_SHOWN)
            body += "\n" + _("Run `wflow audit verify` on the server for the full list.")
        session.add(Notification(user_id=user.id or 0, kind=NotificationKind.AUDIT.value,
                                 title=title, body=body))  # fmt: skip
        sender = mailer_of(session)
        if sender is not None:
            mails.append(sender.compose(user, "notification", {"title": title, "body": body,
                                                               "instance_id": None}))  # fmt: skip
    send_after_commit(session, mails)
    return len(admins)


def send_after_commit(session: OrmSession, mails: Sequence[mailer.Mail | None]) -> None:
    """Send `mails` once the session's transaction commits; a rollback drops them (they never
    wait for a later transaction's commit)."""
    if not any(mails):
        return
    if in_unit(session):
        after_commit(session, lambda: send(session, mails))
        return
    armed = [True]

    def _send(_session: Any) -> None:
        if armed[0]:
            armed[0] = False
            send(session, mails)

    def _drop(_session: Any) -> None:
        armed[0] = False

    sa.event.listen(session, "after_commit", _send, once=True)
    sa.event.listen(session, "after_rollback", _drop, once=True)


# the unread notifications of the user bound as `user_id`, counted up to the badge's cap (the
# layout reads it with the inbox's count, in one statement)
UNREAD = capped_count(sa.select(col(Notification.id)).where(
    col(Notification.user_id) == sa.bindparam("user_id", type_=sa.Integer),
    col(Notification.read_at).is_(None)))  # fmt: skip
_UNREAD = sa.select(UNREAD)


def unread_count(session: Session, user: User) -> int:
    """Return how many notifications `user` has not read, up to BADGE_CAP."""
    return int(session.connection().execute(_UNREAD, {"user_id": user.id}).scalar_one())


def listing(session: Session, user: User, limit: int = 200) -> list[Notification]:
    """Return `user`'s notifications, newest first."""
    query = (select(Notification).where(Notification.user_id == user.id)
             .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
             .limit(limit))  # fmt: skip
    return list(session.exec(query).all())


@dataclass(frozen=True)
class SubjectNotes:
    """A subject's notifications, newest first, under its name in words."""

    instance_id: int | None
    subject: str  # "" for notifications about no subject (digests, audits)
    where: str
    notes: list[Notification]

    @property
    def unread(self) -> int:
        """Return how many of them are unread."""
        return sum(1 for n in self.notes if n.read_at is None)


def by_subject(session: Session, user: User, limit: int = 200) -> list[SubjectNotes]:
    """Return `user`'s notifications grouped by subject, the most recently told first."""
    groups: dict[int | None, list[Notification]] = {}
    for note in listing(session, user, limit):
        groups.setdefault(note.instance_id, []).append(note)
    ids = [i for i in groups if i]
    rows = session.exec(select(WfInstance).where(col(WfInstance.id).in_(ids))).all() if ids else []
    said = all_in_words(session, rows)
    out = []
    for instance_id, notes in groups.items():
        item = said.get(instance_id) if instance_id else None
        out.append(SubjectNotes(instance_id, item.subject if item else "",
                                item.where if item else "", notes))  # fmt: skip
    return out


@transactional
def mark_read(session: Session, user: User, notes: Iterable[Notification]) -> int:
    """Mark `user`'s given notifications read; return how many changed."""
    now, changed = utcnow(), 0
    for note in notes:
        if note.user_id == user.id and note.read_at is None:
            note.read_at, changed = now, changed + 1
            session.add(note)
    return changed


@transactional
def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notification of `user` read."""
    query = (sa.update(Notification).where(col(Notification.user_id) == user.id,
             col(Notification.read_at).is_(None)).values(read_at=utcnow()))  # fmt: skip
    changed = session.execute(query).rowcount  # type: ignore[attr-defined]
    return int(changed or 0)


@transactional
def set_digest(session: Session, user: User, opt_in: bool) -> None:
    """Turn the daily digest on or off for `user`."""
    user.digest_opt_in = opt_in
    session.add(user)


def digest_due(session: Session, user: User, now: datetime) -> bool:
    """Tell whether `user` has not had today's digest yet (UTC day)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    query = select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == NotificationKind.DIGEST.value,
        col(Notification.created_at) >= start, col(Notification.created_at) < end,
    )  # fmt: skip
    return session.exec(query).first() is None
