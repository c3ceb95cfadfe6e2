"""The nominee list of a nomination dossier: units and people, each with its achievement.

The block's leading unit imports the list from a spreadsheet (XLSX or CSV, read by
`wflow.core.sheets`) while the dossier is open: one row per nominee, a collective (the
proposing unit or a unit under it) or a person working there, with the award (the dossier's
by default) and a summary of the achievement. Every row is checked before anything is
written — unknown unit or person, a person outside the proposing unit, an award of the
other kind of nominee, a prerequisite missing, an award already held for the year: a file
with a rejected row imports nothing, and every rejected row is named with its reason; a
good file replaces the list. Once the dossier is decided, the certificates of its approved
nominees are printed in one PDF, a page each.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, delete, select

from wflow.awards import catalogue as awards
from wflow.awards import documents as docs
from wflow.awards.models import Award, Decision, DossierNominee, Nomination
from wflow.awards.subject import NOMINATION
from wflow.campaigns.service import own_units
from wflow.core import subjects
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.sheets import header_key, read_table
from wflow.core.uow import transactional
from wflow.org.models import Unit, User
from wflow.pacts.documents import read_document
from wflow.people.models import Person
from wflow.people.spreadsheet import RowsRejected
from wflow.titles import rules as title_rules
from wflow.titles import service as titles

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_ACHIEVEMENT = 5000
KINDS = {"unit", "person"}
HEADERS = {  # the template's headers (Vietnamese, as the committee's own files are)
    "kind": "Loại",
    "name": "Họ tên / Tên tập thể",
    "code": "Mã",
    "unit": "Đơn vị",
    "award": "Hình thức khen thưởng",
    "achievement": "Tóm tắt thành tích",
}
REQUIRED = ("kind", "name", "achievement")
ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("loại", "đối tượng", "kind", "type", "nature", "típus"),
    "name": ("họ tên / tên tập thể", "họ và tên", "họ tên", "tên tập thể", "tên", "name",
             "full name", "nom", "név"),
    "code": ("mã", "mã cán bộ", "mã đơn vị", "code", "staff number", "matricule", "kód"),
    "unit": ("đơn vị", "unit", "unité", "egység"),
    "award": ("hình thức khen thưởng", "hình thức", "award", "distinction", "kitüntetés"),
    "achievement": ("tóm tắt thành tích", "thành tích", "achievement", "achievements",
                    "réalisations", "eredmények"),
    "": ("stt", "tt", "#", "no", "no."),
}  # fmt: skip
_HEADERS = {header_key(alias): key for key, names in ALIASES.items() for alias in names}
KIND_WORDS = {
    "unit": ("tập thể", "đơn vị", "unit", "collective", "collectif", "unité", "közösség", "egység"),
    "person": ("cá nhân", "person", "individual", "personne", "individu", "személy", "egyén"),
}
_KIND = {header_key(w): kind for kind, words in KIND_WORDS.items() for w in words}


def _same(text: Any) -> str:
    """Return a name as compared (NFC, case-folded, spaced); diacritics count."""
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


@dataclass(frozen=True)
class Entry:
    """A checked row: who (a unit, or a person and their unit), which award, the achievement."""

    unit: Unit
    person: Person | None
    award: Award
    achievement: str


@dataclass(frozen=True)
class Listed:
    """A nominee of the dossier as pages and certificates show it."""

    row: DossierNominee
    name: str
    unit: Unit
    person: Person | None
    award: Award


def prepares(session: Session, user: User, nomination: Nomination) -> bool:
    """Tell whether `user` prepares the list: the block's leading unit, and for a campaign's
    dossier the proposing participant too (it knows its own units and people)."""
    if may(session, user, Action.ACT, block_id=nomination.block_id, year=nomination.year):
        return True
    return nomination.campaign_id is not None and may(
        session, user, Action.ACT, unit_id=nomination.unit_id
    )


def may_edit(session: Session, user: User, nomination: Nomination) -> bool:
    """Tell whether `user` may change the list now: who prepares it, while editable."""
    return prepares(session, user, nomination) and subjects.has_tag(session, nomination, "editable")


def check_may_edit(session: Session, user: User, nomination: Nomination) -> None:
    """Refuse, with the reason, a change of the list by `user` now (`may_edit`)."""
    if not prepares(session, user, nomination):
        if nomination.campaign_id is not None:
            raise Forbidden(_l("Only the proposing participant or its block's leading unit "
                               "prepares a campaign's dossier."))  # fmt: skip
        raise Forbidden(_l("Only the block's leading unit prepares the dossier."))
    if not subjects.has_tag(session, nomination, "editable"):
        raise Conflict(_l("The dossier can be changed only before it is submitted."))


class _Context:
    """What every row is checked against: the proposing unit's units and people, the awards."""

    def __init__(self, session: Session, nomination: Nomination) -> None:
        self.session, self.nomination = session, nomination
        self.proposer = session.get(Unit, nomination.unit_id)
        self.units = own_units(session, nomination.unit_id)
        self.own = {u.id for u in self.units}
        every = session.exec(select(Unit)).all()
        self.unit_by_code = {_same(u.code): u for u in every}
        self.unit_by_name: dict[str, list[Unit]] = {}
        for u in every:
            self.unit_by_name.setdefault(_same(u.name), []).append(u)
        catalogue = awards.catalogue(session, active_only=True)
        self.award_by_key = {_same(a.code): a for a in catalogue}
        self.award_by_key.update({_same(a.name): a for a in catalogue})
        self.names = {a.code: a.name for a in awards.catalogue(session)}
        self.default = session.get(Award, nomination.award_id)
        self.seen: dict[tuple[str, int, int], int] = {}
        # every active person read once, not once a row: a list of 500 names stays linear
        self.people_by_name: dict[str, list[Person]] = {}
        self.people_by_code: dict[str, list[Person]] = {}
        for p in session.exec(select(Person).where(Person.active == True)).all():  # noqa: E712
            self.people_by_name.setdefault(_same(p.full_name), []).append(p)
            if p.staff_number:
                self.people_by_code.setdefault(p.staff_number, []).append(p)

    def unit(self, text: str) -> Unit | None:
        if not text:
            return None
        found = self.unit_by_code.get(_same(text))
        if found is not None:
            return found
        named = self.unit_by_name.get(_same(text), [])
        return named[0] if len(named) == 1 else None


def _award(ctx: _Context, text: str, kind: str) -> Award:
    award = ctx.award_by_key.get(_same(text)) if text else ctx.default
    if award is None:
        raise ServiceError(_l("Unknown award: %(award)s.", award=text))
    if award.nominee != kind:
        if kind == "person":
            raise ServiceError(_l("%(award)s goes to units, not to people: name an award of "
                                  "people.", award=award.name))  # fmt: skip
        raise ServiceError(_l("%(award)s goes to people, not to units.", award=award.name))
    return award


def _person(ctx: _Context, name: str, code: str, unit_text: str) -> Person:
    if code:
        found = list(ctx.people_by_code.get(code.upper(), []))
    else:
        found = list(ctx.people_by_name.get(_same(name), []))
    if unit_text:
        unit = ctx.unit(unit_text)
        if unit is None:
            raise ServiceError(_l("Unknown unit: %(unit)s.", unit=unit_text))
        found = [p for p in found if p.unit_id == unit.id]
    if not found:
        raise ServiceError(_l("Unknown person: %(name)s.", name=name or code))
    mine = [p for p in found if p.unit_id in ctx.own]
    proposer = ctx.proposer.name if ctx.proposer else ""
    if not mine:
        raise ServiceError(_l("%(name)s does not work in %(unit)s (which proposes this dossier) "
                              "nor in a unit under it.", name=found[0].full_name,
                              unit=proposer))  # fmt: skip
    if len(mine) > 1:
        raise ServiceError(_l("Several people are named %(name)s: give the staff number.",
                              name=name))  # fmt: skip
    return mine[0]


def _check_row(ctx: _Context, number: int, raw: dict[str, Any]) -> Entry:
    kind = _KIND.get(header_key(raw.get("kind")))
    if kind is None:
        raise ServiceError(_l('Write the kind as "Tập thể" (a collective) or "Cá nhân" (a '
                              'person).'))  # fmt: skip
    name, code, unit_text = _text(raw.get("name")), _text(raw.get("code")), _text(raw.get("unit"))
    achievement = _text(raw.get("achievement"))
    if not achievement:
        raise ServiceError(_l("Summarise the achievement."))
    if len(achievement) > MAX_ACHIEVEMENT:
        raise ServiceError(_l("Summarise the achievement in at most %(n)d characters.",
                              n=MAX_ACHIEVEMENT))  # fmt: skip
    award = _award(ctx, _text(raw.get("award")), kind)
    person: Person | None = None
    if kind == "unit":
        unit = ctx.unit(code) or ctx.unit(name)
        if unit is None:
            raise ServiceError(_l("Unknown unit: %(unit)s.", unit=name or code))
        if unit.id not in ctx.own:
            proposer = ctx.proposer.name if ctx.proposer else ""
            raise ServiceError(_l("%(unit)s is neither %(proposer)s (which proposes this "
                                  "dossier) nor a unit under it.", unit=unit.name,
                                  proposer=proposer))  # fmt: skip
    else:
        person = _person(ctx, name, code, unit_text)
        found = ctx.session.get(Unit, person.unit_id)
        assert found is not None
        unit = found
    key = (kind, (person.id if person else unit.id) or 0, award.id or 0)
    if key in ctx.seen:
        raise ServiceError(_l("The same nominee and award are on row %(row)d.", row=ctx.seen[key]))
    ctx.seen[key] = number
    if person is not None:
        year = ctx.nomination.year
        candidate = title_rules.Candidate(person, award)
        twice = titles.already_granted(ctx.session, [candidate], year)
        held = title_rules.held_titles(ctx.session, [person.id or 0])
        missing = title_rules.missing(ctx.session, candidate, year, held, ctx.names)
        if twice or missing:
            raise ServiceError(" ".join(twice + missing))
    return Entry(unit, person, award, achievement)


def check_table(session: Session, nomination: Nomination, table: list[list[Any]]) -> list[Entry]:
    """Return the table's rows checked, or raise RowsRejected naming every rejected row."""
    keys = [_HEADERS.get(header_key(h)) for h in table[0]]
    unknown = [str(h) for h, k in zip(table[0], keys, strict=True) if k is None and header_key(h)]
    if unknown:
        raise ServiceError(_l("row 1: unknown columns: %(cols)s (expected: %(exp)s).",
                              cols=", ".join(unknown), exp=", ".join(HEADERS.values())),
                           "file")  # fmt: skip
    missing = [HEADERS[c] for c in REQUIRED if c not in keys]
    if missing:
        raise ServiceError(_l("row 1: missing columns: %(cols)s.", cols=", ".join(missing)), "file")
    ctx = _Context(session, nomination)
    entries: list[Entry] = []
    rejected: list[tuple[int, str]] = []
    for number, cells in enumerate(table[1:], start=2):
        raw = {k: c for k, c in zip(keys, cells, strict=False) if k}
        if not any(_text(v) for v in raw.values()):
            continue
        try:
            entries.append(_check_row(ctx, number, raw))
        except ServiceError as exc:
            rejected.append((number, "; ".join(exc.problems)))
    if rejected:
        raise RowsRejected(rejected)
    if not entries:
        raise ServiceError(_l("The file holds no nominee."), "file")
    return entries


@transactional
def import_nominees(
    session: Session, *, user: User, nomination: Nomination, data: bytes, filename: str
) -> int:
    """Replace the dossier's nominee list with the file's rows (all or none); return how many."""
    check_may_edit(session, user, nomination)
    table = read_table(data, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS,
                       max_cols=len(HEADERS) + 10)  # fmt: skip
    entries = check_table(session, nomination, table)
    session.exec(delete(DossierNominee).where(col(DossierNominee.nomination_id) == nomination.id))
    for i, e in enumerate(entries, start=1):
        session.add(DossierNominee(
            nomination_id=nomination.id or 0, position=i, unit_id=e.unit.id or 0,
            person_id=e.person.id if e.person else None, award_id=e.award.id or 0,
            achievement=e.achievement, created_by_user_id=user.id,
        ))  # fmt: skip
    return len(entries)


def nominees(session: Session, nomination: Nomination) -> list[Listed]:
    """Return the dossier's nominees in the list's order, with names and awards."""
    rows = session.exec(
        select(DossierNominee)
        .where(DossierNominee.nomination_id == nomination.id)
        .order_by(col(DossierNominee.position), col(DossierNominee.id))
    ).all()
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    ids = [r.person_id for r in rows if r.person_id]
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids))).all()}
    catalogue = {a.id: a for a in awards.catalogue(session)}
    out = []
    for r in rows:
        person = people.get(r.person_id) if r.person_id else None
        unit = units[r.unit_id]
        out.append(Listed(r, person.full_name if person else unit.name, unit, person,
                          catalogue[r.award_id]))  # fmt: skip
    return out


def _itself(nomination: Nomination, row: DossierNominee) -> bool:
    """Tell whether a name of the list is the dossier's own nominee: its unit, its award."""
    same = row.unit_id == nomination.unit_id and row.award_id == nomination.award_id
    return row.person_id is None and same


def awards_itself(session: Session, nomination: Nomination) -> bool:
    """Tell whether the dossier awards its own unit its award: without a list of names, or
    with one that names it and was not rejected (its certificate is the unit's own)."""
    names = docs.awarded_names(session, [nomination.id or 0]).get(nomination.id or 0)
    listed = session.exec(select(DossierNominee.id).where(
        DossierNominee.nomination_id == nomination.id)).first()  # fmt: skip
    return listed is None or any(_itself(nomination, r) for r in names or [])


def certificate_pages(
    session: Session, nomination: Nomination, decision: Decision
) -> list[docs.CertificatePage]:
    """Return a certificate page per approved nominee of the dossier, by the decision (but
    the dossier's own unit, whose certificate is apart)."""
    approved = [n for n in nominees(session, nomination)
                if n.row.approved is not False and not _itself(nomination, n.row)]  # fmt: skip
    return [
        docs.CertificatePage(
            award=n.award.name,
            nominee=f"{n.person.position} {n.name}, {n.unit.name}" if n.person else n.name,
            reason=n.row.achievement[:400], decision_number=decision.number,
            decision_date=decision.issued_on, register=f"{nomination.id}.{i}",
        )
        for i, n in enumerate(approved, start=1)
    ]  # fmt: skip


def certificates(session: Session, nomination: Nomination, council: Unit) -> bytes:
    """Return the certificates of the decided dossier's approved nominees, a page each: the
    ones its decision's signatory signed, else (decided before they were) a printout."""
    decision = session.get(Decision, nomination.decision_id) if nomination.decision_id else None
    state = subjects.state(session, nomination)
    if decision is None or state not in subjects.tagged(session, NOMINATION, "decided"):
        raise NotFound(_l("Certificates are printed once the dossier is decided."))
    if state in subjects.tagged(session, NOMINATION, "revoked"):
        raise Conflict(_l("This award was revoked."))
    signed = docs.certificate_of(session, nomination.id or 0, docs.NOMINEES_KIND)
    if signed is not None:
        return read_document(session, signed)
    pages = certificate_pages(session, nomination, decision)
    if not pages:
        raise NotFound(_l("The dossier lists no approved nominee."))
    return docs.render_certificates(council, pages)[0]
