"""The award catalogue and the settings prize money depends on (the base salary).

The catalogue is seeded from DOMAIN.md (emulation flag, certificate of merit, excellent
collective, commendation certificate) the first time it is read, and is then the
administrators' to change: every threshold is configuration, never a constant in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.awards import votes as award_votes
from wflow.awards.models import Award, Setting
from wflow.clock import utcnow
from wflow.core.errors import Conflict, ServiceError
from wflow.core.numbers import NumberRefused, read_decimal, read_int
from wflow.core.uow import transactional
from wflow.org.models import User
from wflow.org.service import clean_text

BASE_SALARY = "base_salary"
DEFAULT_BASE_SALARY = Decimal(2_340_000)  # đồng per month, from 2024-07-01 (Decree 73/2024)
PRIZE_ROUNDING = Decimal(10_000)  # prize money is rounded up to the ten thousand đồng
LEVELS = ("national", "provincial", "commune")
PROPOSERS = ("block_leader", "member_unit", "secretariat")
BASES = ("all", "present")


@dataclass(frozen=True)
class Seed:
    """A default award type (DOMAIN.md), created once."""

    code: str
    name: str
    name_en: str
    position: int
    max_rank: int | None
    min_score_percent: Decimal | None
    council_threshold: str
    council_of: str
    prize_multiple: Decimal


SEEDS = (
    Seed("emulation_flag", "Cờ thi đua", "Emulation flag", 1, 1, None, "90%", "all", Decimal(12)),
    Seed(
        "certificate_of_merit",
        "Bằng khen",
        "Certificate of merit",
        2,
        None,
        Decimal(90),
        "2/3",
        "all",
        Decimal(2),
    ),
    Seed(
        "excellent_collective",
        "Tập thể lao động xuất sắc",
        "Excellent collective",
        3,
        None,
        Decimal(85),
        "2/3",
        "present",
        Decimal("1.5"),
    ),
    Seed(
        "commendation_certificate",
        "Giấy khen",
        "Commendation certificate",
        4,
        None,
        Decimal(80),
        "1/2",
        "present",
        Decimal("0.6"),
    ),
)

SEED_CODES = frozenset(s.code for s in SEEDS)


@transactional
def ensure_catalogue(session: Session) -> None:
    """Create the default award types when the catalogue is empty (commits)."""
    if session.exec(select(Award.id)).first() is not None:
        return
    for s in SEEDS:
        session.add(
            Award(
                code=s.code,
                name=s.name,
                name_en=s.name_en,
                position=s.position,
                level="provincial",
                proposers=["block_leader"],
                max_rank=s.max_rank,
                min_score_percent=s.min_score_percent,
                council_threshold=s.council_threshold,
                council_of=s.council_of,
                prize_multiple=s.prize_multiple,
            )
        )


def catalogue(session: Session, *, active_only: bool = False) -> list[Award]:
    """Return the award types, highest first (seeding the defaults on first use)."""
    ensure_catalogue(session)
    query = select(Award).order_by(col(Award.position), col(Award.id))
    if active_only:
        query = query.where(Award.active == True)  # noqa: E712
    return list(session.exec(query).all())


def _share(value: Any, field: str) -> str:
    text = str(value or "").strip().replace(" ", "")
    try:
        award_votes.share(text)
    except award_votes.BadShare:
        raise ServiceError(
            _l('Write a share as "2/3" or "90%" (more than 0, at most 100%).'), field
        ) from None
    return text


def _decimal(value: Any, field: str, *, low: Decimal, high: Decimal, blank: bool) -> Any:
    return read_decimal(value, field, max_digits=8, places=2, minimum=low, maximum=high,
                        required=not blank)  # fmt: skip


def clean_award(raw: dict[str, Any]) -> dict[str, Any]:
    """Return an award's fields checked (ServiceError naming the first wrong field)."""
    out: dict[str, Any] = {
        "code": clean_text(raw.get("code"), "code", max_len=40).lower(),
        "name": clean_text(raw.get("name"), "name", max_len=200),
        "name_en": clean_text(raw.get("name_en"), "name_en", max_len=200, required=False),
    }
    if not out["code"].replace("_", "").isalnum():
        raise ServiceError(_l("A code takes letters, digits and _ only."), "code")
    level = str(raw.get("level") or "")
    if level not in LEVELS:
        raise ServiceError(_l("Choose a level from the list."), "level")
    proposers = list(dict.fromkeys(raw.get("proposers") or []))
    if not proposers or any(p not in PROPOSERS for p in proposers):
        raise ServiceError(_l("Choose who may propose it."), "proposers")
    rank = raw.get("max_rank")
    try:
        max_rank = read_int(None if rank == 0 else rank, "max_rank", minimum=1, maximum=100,
                            required=False)  # fmt: skip
    except NumberRefused:
        raise ServiceError(
            _l("Give a rank from 1 to 100, or leave it empty."), "max_rank"
        ) from None
    score = _decimal(
        raw.get("min_score_percent"),
        "min_score_percent",
        low=Decimal(0),
        high=Decimal(100),
        blank=True,
    )
    for which in ("block", "council"):
        out[f"{which}_threshold"] = _share(raw.get(f"{which}_threshold"), f"{which}_threshold")
        out[f"{which}_quorum"] = _share(raw.get(f"{which}_quorum"), f"{which}_quorum")
        base = str(raw.get(f"{which}_of") or "")
        if base not in BASES:
            raise ServiceError(_l("Choose the base of the threshold."), f"{which}_of")
        out[f"{which}_of"] = base
        out[f"{which}_secret"] = bool(raw.get(f"{which}_secret"))
    out["prize_multiple"] = _decimal(
        raw.get("prize_multiple"), "prize_multiple", low=Decimal(0), high=Decimal(1000), blank=False
    )
    out |= {
        "level": level,
        "proposers": proposers,
        "max_rank": max_rank,
        "min_score_percent": score,
        "active": bool(raw.get("active")),
    }
    out["position"] = read_int(raw.get("position") or 0, "position", minimum=-10_000,
                               maximum=10_000)  # fmt: skip
    return out


@transactional
def save_award(session: Session, award: Award | None, raw: dict[str, Any]) -> Award:
    """Create (`award` None) or change an award type; commit and return it."""
    fields = clean_award(raw)
    clash = session.exec(select(Award).where(Award.code == fields["code"])).first()
    if clash is not None and (award is None or clash.id != award.id):
        raise Conflict(_l("Another award has this code."), "code")
    row = award or Award(code=fields["code"], name=fields["name"])
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    return row


def block_rule(award: Award) -> award_votes.VoteRule:
    """Return the award's block vote rule."""
    return award_votes.VoteRule(
        threshold=award_votes.share(award.block_threshold),
        of="present" if award.block_of == "present" else "all",
        quorum=award_votes.share(award.block_quorum),
        secret=award.block_secret,
    )


def council_rule(award: Award) -> award_votes.VoteRule:
    """Return the award's council vote rule."""
    return award_votes.VoteRule(
        threshold=award_votes.share(award.council_threshold),
        of="present" if award.council_of == "present" else "all",
        quorum=award_votes.share(award.council_quorum),
        secret=award.council_secret,
    )


# --- settings ----------------------------------------------------------------------------


def base_salary(session: Session) -> Decimal:
    """Return the base salary (đồng per month) prize money is a multiple of."""
    row = session.get(Setting, BASE_SALARY)
    return Decimal(row.value) if row is not None else DEFAULT_BASE_SALARY


@transactional
def set_base_salary(session: Session, user: User, value: Any) -> Decimal:
    """Change the base salary (a whole number of đồng); commit and return it."""
    text = str(value or "").strip().replace(".", "").replace(",", "")  # thousands separators
    try:
        amount = read_int(text, "base_salary", minimum=100_000, maximum=1_000_000_000)
    except NumberRefused:
        raise ServiceError(
            _l("Give the base salary in đồng, e.g. 2340000."), "base_salary"
        ) from None
    text = str(amount)
    row = session.get(Setting, BASE_SALARY) or Setting(key=BASE_SALARY, value=text)
    row.value, row.updated_by_user_id, row.updated_at = text, user.id, utcnow()
    session.add(row)
    return Decimal(text)


def prize(multiple: Decimal, salary: Decimal) -> Decimal:
    """Return the prize money: `multiple` × the base salary, rounded up to 10,000 đồng."""
    raw = Decimal(multiple) * Decimal(salary) / PRIZE_ROUNDING
    return raw.to_integral_value(rounding=ROUND_CEILING) * PRIZE_ROUNDING
