"""The demo's individual titles: last year's decisions of a few units' heads, through the service.

In each unit that registered people for last year (the Youth Union, the Women's Union, the
power company), the head grants Lao động tiên tiến to everyone registered and Chiến sĩ thi
đua cơ sở to the registered authors of an initiative recognised last year, within the quota
the catalogue sets. The decisions are dated 15 January of this year (today at the latest).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from wflow.awards import catalogue as awards
from wflow.clock import utcnow
from wflow.initiatives import service as initiatives
from wflow.org.models import Role, Unit, User
from wflow.people import registration as regs
from wflow.people.models import IndividualTitle
from wflow.titles import rules
from wflow.titles import service as titles

DECIDING = (("TDOAN", "08/QĐ-TĐTN"), ("HLHPN", "05/QĐ-HPN"), ("PCHT", "21/QĐ-PCHT"))
WORKER, FIGHTER = IndividualTitle.ADVANCED_WORKER.value, IndividualTitle.GRASSROOTS_FIGHTER.value


def _quota(session: Session) -> Decimal:
    """Return the share of Lao động tiên tiến the catalogue allows as Chiến sĩ thi đua cơ sở."""
    award = awards.award_by_code(session, FIGHTER)
    rules_ = award.prerequisites if award is not None else []
    found = [Decimal(str(r["percent"])) for r in rules_ if r.get("rule") == "quota"]
    return found[0] if found else Decimal(100)


def _head(session: Session, unit: Unit) -> User | None:
    users = session.exec(select(User).where(User.unit_id == unit.id).order_by(col(User.id))).all()
    return next((u for u in users if u.has_role(Role.UNIT_HEAD)), None)


def build_titles_demo(session: Session, year: int) -> None:
    """Decide last year's individual titles in the demo units that registered people."""
    last = year - 1
    issued = min(date(year, 1, 15), utcnow().date())
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    share = _quota(session)
    for code, number in DECIDING:
        unit = units.get(code)
        head = _head(session, unit) if unit is not None else None
        if unit is None or head is None:
            continue
        rows = regs.registrations_of_unit(session, unit.id or 0, last)
        workers = [p for r, p in rows if r.title == WORKER]
        fighters = [
            p for r, p in rows
            if r.title == FIGHTER and p in workers
            and initiatives.has_recognised_initiative(session, p.id or 0, last, "unit")
        ][: rules.quota_limit(len(workers), share)]  # fmt: skip
        grants = [titles.Grant(p.id or 0, WORKER) for p in workers]
        grants += [titles.Grant(p.id or 0, FIGHTER) for p in fighters]
        if grants:
            titles.decide(session, user=head, unit_id=unit.id or 0, year=last, number=number,
                          issued_on=issued, grants=grants)  # fmt: skip
