"""The award catalogue and the settings prize money depends on (the base salary).

The catalogue is seeded from DOMAIN.md (emulation flag, certificate of merit, excellent
collective, commendation certificate) the first time it is read, and is then the
administrators' to change: every threshold is configuration, never a constant in code.
The titles of people and the advanced collective (Law 06/2022/QH15 art. 23-28, Decree
98/2023) are seeded once as well, also into a catalogue that existed before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.awards import prerequisites as prereq
from wflow.awards import votes as award_votes
from wflow.awards.models import Award, Setting
from wflow.clock import utcnow
from wflow.core.errors import Conflict, ServiceError
from wflow.core.numbers import NumberRefused, read_decimal, read_int
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.org.models import Role, User
from wflow.org.service import clean_text

BASE_SALARY = "base_salary"
DEFAULT_BASE_SALARY = Decimal(2_340_000)  # đồng per month, from 2024-07-01 (Decree 73/2024)
PRIZE_ROUNDING = Decimal(10_000)  # prize money is rounded up to the ten thousand đồng
LEVELS = ("national", "provincial", "commune")
PROPOSERS = ("block_leader", "member_unit", "secretariat")
BASES = ("all", "present")
NOMINEES = ("unit", "person")
DECIDERS = ("council", "unit_head")
TITLES_SEEDED = "catalogue_titles"  # the Setting saying the titles were seeded once
COUNCIL_CHAIR = "council_chair"  # the Setting naming the council member who chairs (a user id)
COUNCIL_VICE_CHAIRS = "council_vice_chairs"  # the Setting naming the vice-chairs (user ids)
# awards granted ad hoc too, for an exceptional achievement (Decree 98/2023 art. 37)
ADHOC_SEED_CODES = frozenset(
    {"certificate_of_merit", "person_certificate_of_merit", "commendation_certificate"}
)


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


@dataclass(frozen=True)
class TitleSeed:
    """A default title or award of people and collectives (the law's defaults), created once."""

    code: str  # the person titles reuse wflow.people.models.IndividualTitle's codes
    name: str
    name_en: str
    position: int
    nominee: str
    decided_by: str
    prize_multiple: Decimal
    prerequisites: tuple[tuple[str, ...], ...] = ()
    min_score_percent: Decimal | None = None


# Prize multiples: Decree 98/2023 art. 72-73 (advanced worker 0.3, grassroots fighter 1,
# provincial fighter 3, a province's certificate of merit to a person 1, advanced collective 0.8).
TITLE_SEEDS = (
    TitleSeed("advanced_collective", "Tập thể lao động tiên tiến", "Advanced collective", 5,
              "unit", "council", Decimal("0.8"), min_score_percent=Decimal(70)),
    TitleSeed("person_certificate_of_merit", "Bằng khen (cá nhân)",
              "Certificate of merit to a person", 10, "person", "council", Decimal(1)),
    TitleSeed("provincial_fighter", "Chiến sĩ thi đua cấp tỉnh", "Provincial emulation fighter",
              11, "person", "council", Decimal(3),
              (("consecutive", "grassroots_fighter", "3"), ("initiative", "province"))),
    TitleSeed("grassroots_fighter", "Chiến sĩ thi đua cơ sở", "Grassroots emulation fighter",
              12, "person", "unit_head", Decimal(1),
              (("same_year", "advanced_worker"), ("initiative", "unit"),
               ("quota", "advanced_worker", "15%"))),
    TitleSeed("advanced_worker", "Lao động tiên tiến", "Advanced worker", 13, "person",
              "unit_head", Decimal("0.3")),
)  # fmt: skip
TITLE_SEED_CODES = frozenset(s.code for s in TITLE_SEEDS)


@transactional
def ensure_catalogue(session: Session) -> None:
    """Create the default award types when the catalogue is empty, the titles once (commits)."""
    if session.exec(select(Award.id)).first() is None:
        _seed_units(session)
    if session.get(Setting, TITLES_SEEDED) is None:
        _seed_titles(session)


def _seed_units(session: Session) -> None:
    """Add the default awards of units (DOMAIN.md)."""
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
                adhoc=s.code in ADHOC_SEED_CODES,
            )
        )


def _seed_titles(session: Session) -> None:
    """Add the titles of people and collectives missing from the catalogue, and say so."""
    there = set(session.exec(select(Award.code)).all())
    for s in TITLE_SEEDS:
        if s.code in there:
            continue
        codes = TITLE_SEED_CODES | SEED_CODES
        session.add(
            Award(
                code=s.code, name=s.name, name_en=s.name_en, position=s.position,
                level="provincial",
                proposers=["member_unit"] if s.nominee == "person" else ["block_leader"],
                min_score_percent=s.min_score_percent, council_threshold="2/3",
                council_of="all" if s.nominee == "person" else "present",
                prize_multiple=s.prize_multiple, nominee=s.nominee, decided_by=s.decided_by,
                adhoc=s.code in ADHOC_SEED_CODES,
                prerequisites=[prereq.parse_line(" ".join(p), codes) for p in s.prerequisites],
            )
        )  # fmt: skip
    session.add(Setting(key=TITLES_SEEDED, value=utcnow().date().isoformat()))
    session.flush()


def catalogue(
    session: Session, *, active_only: bool = False, nominee: str | None = None
) -> list[Award]:
    """Return the award types, highest first (seeding the defaults on first use).

    `nominee` keeps the awards of units ("unit") or of people ("person") only.
    """
    ensure_catalogue(session)
    query = select(Award).order_by(col(Award.position), col(Award.id))
    if active_only:
        query = query.where(Award.active == True)  # noqa: E712
    if nominee is not None:
        query = query.where(Award.nominee == nominee)
    return list(session.exec(query).all())


def already_awarded(nominee: str, award: str, achievement: str, number: str) -> str:
    """Say that the nominee already holds an award for this achievement, naming the decision."""
    return str(_l("%(person)s already holds %(award)s for %(achievement)s (decision "
                  "%(number)s): one achievement, one award.", person=nominee, award=award,
                  achievement=achievement, number=number))  # fmt: skip


def award_by_code(session: Session, code: str) -> Award | None:
    """Return the award type with this code (seeding the defaults on first use), or None."""
    ensure_catalogue(session)
    return session.exec(select(Award).where(Award.code == code)).first()


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


def clean_award(raw: dict[str, Any], codes: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return an award's fields checked (ServiceError naming the first wrong field).

    `codes` are the award codes a prerequisite may name (besides this award's own).
    """
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
    nominee = str(raw.get("nominee") or "unit")
    if nominee not in NOMINEES:
        raise ServiceError(_l("Choose who receives it from the list."), "nominee")
    decided_by = str(raw.get("decided_by") or "council")
    if decided_by not in DECIDERS:
        raise ServiceError(_l("Choose who decides it from the list."), "decided_by")
    if decided_by == "unit_head" and nominee != "person":
        raise ServiceError(_l("A unit's head decides titles of people only."), "decided_by")
    out["prerequisites"] = prereq.parse(raw.get("prerequisites"), codes | {out["code"]})
    out |= {
        "nominee": nominee,
        "decided_by": decided_by,
        "level": level,
        "proposers": proposers,
        "max_rank": max_rank,
        "min_score_percent": score,
        "active": bool(raw.get("active")),
        "adhoc": bool(raw.get("adhoc")),
    }
    out["position"] = read_int(raw.get("position") or 0, "position", minimum=-10_000,
                               maximum=10_000)  # fmt: skip
    return out


@transactional
def save_award(session: Session, award: Award | None, raw: dict[str, Any]) -> Award:
    """Create (`award` None) or change an award type; commit and return it."""
    codes = frozenset(session.exec(select(Award.code)).all())
    fields = clean_award(raw, codes)
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


def _key(session: Session, base: str, council_id: int | None) -> str:
    """Return a council's Setting key: the first council keeps the plain one ("council_chair")."""
    if council_id is None or council_id == councils.first_id(session):
        return base
    return f"{base}:{council_id}"


def council_chair(session: Session, council_id: int | None = None) -> User | None:
    """Return the member who chairs the council (signs its decisions), if named (the first
    council's when `council_id` is None)."""
    row = session.get(Setting, _key(session, COUNCIL_CHAIR, council_id))
    found = session.get(User, int(row.value)) if row is not None and row.value.isdigit() else None
    if found is None or found not in council_members(session, council_id):
        return None
    return found


def council_members(session: Session, council_id: int | None = None) -> list[User]:
    """Return the council's active members, by name (the chair is one of them)."""
    body = council_id if council_id is not None else councils.first_id(session)
    users = session.exec(select(User).where(User.active == True)).all()  # noqa: E712
    members = [u for u in users if u.has_role(Role.COUNCIL_MEMBER)]
    members = [u for u in members if councils.of_user(session, u) == body]
    return sorted(members, key=lambda u: u.display_name)


@transactional
def set_council_chair(session: Session, user: User, chair_id: int | None,
                      council_id: int | None = None) -> User | None:  # fmt: skip
    """Name the council member who chairs the council (None: nobody); commit and return them."""
    chair = session.get(User, chair_id) if chair_id else None
    if chair_id and (chair is None or chair not in council_members(session, council_id)):
        raise ServiceError(_l("Choose a member of the council."), "council_chair")
    text = str(chair.id) if chair is not None else ""
    key = _key(session, COUNCIL_CHAIR, council_id)
    row = session.get(Setting, key) or Setting(key=key, value=text)
    row.value, row.updated_by_user_id, row.updated_at = text, user.id, utcnow()
    session.add(row)
    return chair


def council_vice_chairs(session: Session, council_id: int | None = None) -> list[User]:
    """Return the council's vice-chairs (who sign "KT. CHỦ TỊCH"), by name."""
    row = session.get(Setting, _key(session, COUNCIL_VICE_CHAIRS, council_id))
    wanted = {int(v) for v in (row.value.split(",") if row is not None else []) if v.isdigit()}
    return [u for u in council_members(session, council_id) if u.id in wanted]


@transactional
def set_council_vice_chairs(session: Session, user: User, ids: list[int],
                            council_id: int | None = None) -> list[User]:  # fmt: skip
    """Name the council's vice-chairs (members other than the chair); commit and return them."""
    members = {u.id: u for u in council_members(session, council_id)}
    chair = council_chair(session, council_id)
    if any(i not in members for i in ids):
        raise ServiceError(_l("Choose members of the council."), "council_vice_chairs")
    if chair is not None and chair.id in ids:
        raise ServiceError(_l("The chair cannot also be a vice-chair."), "council_vice_chairs")
    text = ",".join(str(i) for i in sorted(set(ids)))
    key = _key(session, COUNCIL_VICE_CHAIRS, council_id)
    row = session.get(Setting, key) or Setting(key=key, value=text)
    row.value, row.updated_by_user_id, row.updated_at = text, user.id, utcnow()
    session.add(row)
    return [members[i] for i in sorted(set(ids))]


@transactional
def save_settings(
    session: Session,
    user: User,
    base_salary: Any,
    chair_id: int | None,
    vice_chair_ids: list[int] | None = None,
    council_id: int | None = None,
) -> None:
    """Change the base salary and the council's signatories together (all or nothing)."""
    set_base_salary(session, user, base_salary)
    set_council_chair(session, user, chair_id, council_id)
    if vice_chair_ids is not None:
        set_council_vice_chairs(session, user, vice_chair_ids, council_id)


def prize(multiple: Decimal, salary: Decimal) -> Decimal:
    """Return the prize money: `multiple` × the base salary, rounded up to 10,000 đồng."""
    raw = Decimal(multiple) * Decimal(salary) / PRIZE_ROUNDING
    return raw.to_integral_value(rounding=ROUND_CEILING) * PRIZE_ROUNDING
