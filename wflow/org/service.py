"""Verbs on organisations: create and change units, blocks (yearly membership) and users."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from wflow.accounts import passwords
from wflow.accounts.models import LoginThrottle
from wflow.accounts.policy import check_password
from wflow.core.errors import Conflict, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.org.models import (
    Block,
    BlockKind,
    BlockMembership,
    CouncilLevel,
    Position,
    Role,
    Unit,
    UnitKind,
    User,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,19}$")
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,79}$")
LOCALES = ("vi", "en", "fr", "hu")


def clean_text(value: str | None, field: str, *, max_len: int = 200, required: bool = True) -> str:
    """Return `value` NFC-normalised and stripped, refusing empty or over-long text."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if required and not text:
        raise ServiceError(_l("This field is required."), field)
    if len(text) > max_len:
        raise ServiceError(_l("At most %(n)d characters.", n=max_len), field)
    return text


def clean_code(value: str | None, field: str = "code") -> str:
    """Return a short code (2-20 letters, digits, . _ -), upper-cased."""
    code = (value or "").strip()
    if not CODE_RE.match(code):
        raise ServiceError(_l("Use 2 to 20 letters, digits, dots, dashes or underscores."), field)
    return code.upper()


def get_or_404(session: Session, model: type, ident: int) -> object:
    """Return the row of `model` with primary key `ident`, or raise NotFound."""
    row = session.get(model, ident)
    if row is None:
        raise NotFound(_l("Not found."))
    return row


# --- units -------------------------------------------------------------------------------


@transactional
def create_unit(
    session: Session,
    *,
    name: str,
    code: str,
    kind: str,
    parent_id: int | None = None,
    council_id: int | None = None,
    level: str = "",
) -> Unit:
    """Create a unit with a unique code, in a council's jurisdiction.

    A unit is in `council_id`'s, else its parent's council's, else the first council's. A
    council (kind `council`, at a `level`) is its own; its parent is the council above it.
    """
    unit = Unit(name=clean_text(name, "name"), code=clean_code(code), kind=_kind(kind))
    unit.parent_id = _parent(session, parent_id, None)
    _unique_code(session, Unit, unit.code, None)
    if unit.kind == UnitKind.COUNCIL.value:
        unit.level = _level(level)
        if unit.parent_id is not None and not _is_council(session, unit.parent_id):
            raise ServiceError(_l("A council's parent is the council above it."), "parent_id")
        session.add(unit)
        session.flush()
        unit.council_id = unit.id
        councils.forget(session)
    else:
        unit.council_id = _council(session, council_id, unit.parent_id)
    session.add(unit)
    return unit


def _level(level: str) -> str:
    if not level:
        return CouncilLevel.PROVINCE.value
    if level not in {v.value for v in CouncilLevel}:
        raise ServiceError(_l("Choose a level from the list."), "level")
    return level


def _is_council(session: Session, unit_id: int) -> bool:
    return session.exec(select(Unit.kind).where(Unit.id == unit_id)).first() == UnitKind.COUNCIL


def _council(session: Session, council_id: int | None, parent_id: int | None) -> int:
    """Return the council a new unit or block is in: the one given, else its parent's."""
    if council_id is not None:
        if not _is_council(session, council_id):
            raise ServiceError(_l("Choose a council from the list."), "council_id")
        return council_id
    found = councils.of_unit(session, parent_id)
    return found if found is not None else councils.default_council_id(session)


@transactional
def update_unit(
    session: Session, unit: Unit, *, name: str, code: str, kind: str, parent_id: int | None,
    council_id: int | None = None,
) -> Unit:  # fmt: skip
    """Change a unit's name, code, kind or parent, or move it to another council (`council_id`;
    None keeps it): its people and the work it starts from then on are that council's, what it
    started before stays with the council it was started in."""
    new_name, new_code, new_kind = clean_text(name, "name"), clean_code(code), _kind(kind)
    new_parent = _parent(session, parent_id, unit.id)
    _unique_code(session, Unit, new_code, unit.id)
    new_council = unit.council_id
    if council_id is not None and council_id != unit.council_id:
        if unit.kind == UnitKind.COUNCIL.value:
            raise ServiceError(_l("A council is in its own jurisdiction: move the council "
                                  "below another by its parent."), "council_id")  # fmt: skip
        new_council = _council(session, council_id, None)
    unit.name, unit.code, unit.kind, unit.parent_id = new_name, new_code, new_kind, new_parent
    unit.council_id = new_council
    session.add(unit)
    councils.forget(session)
    return unit


def _kind(kind: str) -> str:
    if kind not in {k.value for k in UnitKind}:
        raise ServiceError(_l("Choose a kind from the list."), "kind")
    return kind


def _parent(session: Session, parent_id: int | None, own_id: int | None) -> int | None:
    if not parent_id:
        return None
    if parent_id == own_id:
        raise ServiceError(_l("A unit cannot be its own parent."), "parent_id")
    if session.get(Unit, parent_id) is None:
        raise ServiceError(_l("Choose a parent unit from the list."), "parent_id")
    return parent_id


def _unique_code(
    session: Session, model: type[Unit] | type[Block], code: str, own: int | None
) -> None:
    query = select(model.id).where(func.upper(model.code) == code)
    if own is not None:
        query = query.where(model.id != own)
    if session.exec(query).first() is not None:
        raise Conflict(_l("The code %(code)s is already used.", code=code), "code")


# --- blocks ------------------------------------------------------------------------------


@transactional
def create_block(
    session: Session,
    *,
    name: str,
    code: str,
    year: int,
    member_ids: Sequence[int],
    leader_id: int | None = None,
    deputy_id: int | None = None,
    description: str = "",
    council_id: int | None = None,
    kind: str = BlockKind.BLOCK.value,
) -> Block:
    """Create a block (or cluster, `kind`) with its member units, leader and deputy for `year`
    (in `council_id`'s jurisdiction, else the first council's)."""
    block = Block(
        name=clean_text(name, "name"),
        code=clean_code(code),
        description=clean_text(description, "description", max_len=2000, required=False),
        kind=_block_kind(kind),
    )
    _unique_code(session, Block, block.code, None)
    block.council_id = _council(session, council_id, None)
    memberships = _memberships(session, year, member_ids, leader_id, deputy_id)
    session.add(block)
    session.flush()
    for m in memberships:
        m.block_id = block.id  # type: ignore[assignment]
        session.add(m)
    return block


@transactional
def update_block(
    session: Session, block: Block, *, name: str, code: str, description: str,
    kind: str | None = None,
) -> Block:  # fmt: skip
    """Change a block's name, code, description or kind (None: kept)."""
    new_name, new_code = clean_text(name, "name"), clean_code(code)
    new_desc = clean_text(description, "description", max_len=2000, required=False)
    new_kind = block.kind if kind is None else _block_kind(kind)
    _unique_code(session, Block, new_code, block.id)
    block.name, block.code, block.description = new_name, new_code, new_desc
    block.kind = new_kind
    session.add(block)
    return block


def _block_kind(kind: str) -> str:
    """Return a block kind checked (ServiceError naming the field)."""
    if kind not in {k.value for k in BlockKind}:
        raise ServiceError(_l("Choose a block or a cluster."), "kind")
    return kind


@transactional
def set_block_year(
    session: Session,
    block: Block,
    *,
    year: int,
    member_ids: Sequence[int],
    leader_id: int | None,
    deputy_id: int | None,
) -> None:
    """Replace the block's member units, leader and deputy for `year`."""
    memberships = _memberships(session, year, member_ids, leader_id, deputy_id)
    session.exec(
        delete(BlockMembership).where(
            BlockMembership.block_id == block.id,  # type: ignore[arg-type]
            BlockMembership.year == year,  # type: ignore[arg-type]
        )
    )
    for m in memberships:
        m.block_id = block.id  # type: ignore[assignment]
        session.add(m)


def _memberships(
    session: Session,
    year: int,
    member_ids: Iterable[int],
    leader_id: int | None,
    deputy_id: int | None,
) -> list[BlockMembership]:
    if not 2000 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2000 and 2100."), "year")
    ids = list(dict.fromkeys(int(i) for i in member_ids))
    if not ids:
        raise ServiceError(_l("A block needs at least one member unit."), "member_ids")
    found = set(session.exec(select(Unit.id).where(Unit.id.in_(ids))).all())  # type: ignore[union-attr]
    if len(found) != len(ids):
        raise ServiceError(_l("Choose member units from the list."), "member_ids")
    if leader_id and leader_id not in ids:
        raise ServiceError(_l("The leader must be a member of the block."), "leader_id")
    if deputy_id and deputy_id not in ids:
        raise ServiceError(_l("The deputy must be a member of the block."), "deputy_id")
    if leader_id and leader_id == deputy_id:
        raise ServiceError(_l("The leader and the deputy must be different units."), "deputy_id")

    def position(unit_id: int) -> str:
        if unit_id == leader_id:
            return Position.LEADER.value
        if unit_id == deputy_id:
            return Position.DEPUTY.value
        return Position.MEMBER.value

    return [BlockMembership(block_id=0, year=year, unit_id=u, position=position(u)) for u in ids]


# --- users -------------------------------------------------------------------------------


@transactional
def create_user(
    session: Session,
    *,
    login: str,
    display_name: str,
    password: str,
    unit_id: int | None,
    roles: Iterable[str],
    locale: str = "vi",
    email: str | None = None,
) -> User:
    """Create a user with a hashed password, a unit and roles."""
    user = User(
        email=clean_email(email),
        login=_login(login),
        display_name=clean_text(display_name, "display_name"),
        password_hash=passwords.hash_password(
            check_password(password, login=login, name=display_name)
        ),
        unit_id=_unit_for_roles(session, unit_id, list(roles)),
        roles=_roles(roles),
        locale=_locale(locale),
    )
    if session.exec(select(User.id).where(User.login == user.login)).first() is not None:
        raise Conflict(_l("The login %(login)s is already used.", login=user.login), "login")
    session.add(user)
    return user


@transactional
def update_user(
    session: Session,
    user: User,
    *,
    display_name: str,
    unit_id: int | None,
    roles: Iterable[str],
    active: bool,
    password: str | None = None,
    email: str | None = None,
) -> User:
    """Change a user's name, unit, roles, activity, password or e-mail (each when given)."""
    address = clean_email(email) if email is not None else user.email  # "" clears, None keeps
    name = clean_text(display_name, "display_name")
    role_list = _roles(roles)
    unit = _unit_for_roles(session, unit_id, role_list)
    new_hash = (
        passwords.hash_password(check_password(password, login=user.login, name=name))
        if password
        else user.password_hash
    )
    user.display_name, user.unit_id, user.roles, user.active = name, unit, role_list, active
    user.password_hash, user.email = new_hash, address
    if password:  # a new password: waits earned guessing the old one are forgotten
        session.execute(delete(LoginThrottle).where(col(LoginThrottle.login) == user.login))
    session.add(user)
    return user


@transactional
def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember the user's interface language."""
    user.locale = _locale(locale)
    session.add(user)


EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def clean_email(value: str | None) -> str | None:
    """Return a stripped e-mail address, None when empty; refuse one that is not an address."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 254 or not EMAIL_RE.match(text):
        raise ServiceError(_l("Give an e-mail address like name@example.org."), "email")
    return text


def _login(login: str) -> str:
    value = (login or "").strip().lower()
    if not LOGIN_RE.match(value):
        raise ServiceError(
            _l("Use 3 to 80 lower-case letters, digits, dots, dashes or underscores."), "login"
        )
    return value


def _roles(roles: Iterable[str]) -> list[str]:
    known = {r.value for r in Role}
    out = list(dict.fromkeys(roles))
    if any(r not in known for r in out):
        raise ServiceError(_l("Choose roles from the list."), "roles")
    return out


def _unit_for_roles(session: Session, unit_id: int | None, roles: list[str]) -> int | None:
    if unit_id and session.get(Unit, unit_id) is None:
        raise ServiceError(_l("Choose a unit from the list."), "unit_id")
    if not unit_id and ({Role.UNIT_HEAD.value, Role.UNIT_STAFF.value} & set(roles)):
        raise ServiceError(_l("A unit head or staff member needs a unit."), "unit_id")
    return unit_id or None


def _locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ServiceError(_l("Choose a language from the list."), "locale")
    return locale
