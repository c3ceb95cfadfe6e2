"""Verbs on award nominations: propose from the ranking, vote, close votes, build the dossier.

A nomination proposes one member unit of a block for one award for one year's result. Its
eligibility is checked when proposed (registered for the year, rank or score, one award per
achievement); its vote rules are kept with it then (the award's, raised to the block plan's
`vote_threshold` / `vote_quorum` for the block vote). Ballots are secret: other people see
who has voted and, once the vote is closed, the tally; a voter sees their own ballot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.awards import catalogue as awards
from wflow.awards import documents as docs
from wflow.awards import levels, nominees, rules
from wflow.awards import votes as award_votes
from wflow.awards.models import Award, Nomination
from wflow.awards.rules import WRITTEN, explain, receipts, seats
from wflow.awards.subject import NOMINATION
from wflow.campaigns.models import Campaign
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, acts_in, may, principals
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.engine import (
    PAPER,
    Actor,
    Engine,
    FireResult,
    StaleVersion,
    WfInstance,
    WfParticipant,
)
from wflow.org import signers
from wflow.org.models import Block, BlockMembership, Role, Unit, User
from wflow.org.service import clean_text
from wflow.plans.models import Plan
from wflow.plans.registration import eligible_units
from wflow.scoreboard.service import RankRow, plan_of_year, year_ranking
from wflow.signatures import keys

WORKFLOW = "nomination"
VOTES = {"block": "block_voting", "council": "council_voting"}  # each vote and its state tag
CHOICES = {"yes": "vote_yes", "no": "vote_no", "abstain": "vote_abstain"}
CHOICE_STEP = {"yes": "act", "no": "refuse", "abstain": "abstain"}  # the engine's words
SHOWN = {step: choice for choice, step in CHOICE_STEP.items()}
Choice = Literal["yes", "no", "abstain"]


# --- eligibility and proposal ------------------------------------------------------------


def _live_of_block(session: Session, block_id: int, year: int) -> list[Nomination]:
    """Return the block's nominations for `year`'s result that still hold it (not dropped)."""
    rows = session.exec(
        select(Nomination).where(
            Nomination.block_id == block_id,
            Nomination.year == year,
            col(Nomination.campaign_id).is_(None),  # a campaign's result is another achievement
        )
    ).all()
    states = subjects.states(session, rows)
    dropped = subjects.tagged(session, NOMINATION, "dropped")  # no longer holds the achievement
    return [n for n in rows if states.get(n.id or 0) not in dropped]


@dataclass(frozen=True)
class Standing:
    """What the eligibility of a block's units for its year's awards turns on, read once for
    all of them: its council's rank, its plan, who registered, who is already proposed, and
    the ranking."""

    council_rank: int | None
    plan: Plan | None
    registered: frozenset[int]
    live: frozenset[int]
    ranking: list[RankRow]


def standing(
    session: Session, block_id: int, year: int, ranking: list[RankRow] | None = None
) -> Standing:
    """Return the block's standing for `year` (the ranking given, else read): a handful of
    statements whatever the number of units and awards."""
    return Standing(
        levels.council_rank(session, councils.of_block(session, block_id)),
        plan_of_year(session, block_id, year),
        eligible_units(session, block_id, year),
        frozenset(n.unit_id for n in _live_of_block(session, block_id, year)),
        ranking if ranking is not None else year_ranking(session, block_id, year),
    )


def ineligible(
    session: Session,
    award: Award,
    unit_id: int,
    block_id: int,
    year: int,
    ranking: list[RankRow] | None = None,
    known: Standing | None = None,
) -> str | None:
    """Return why the unit may not be proposed for the award (None: it may); `known`, the
    block's standing read once for many units and awards."""
    if not award.active:
        return str(_l("This award is no longer granted."))
    if award.nominee != "unit":
        return str(_l("This award goes to people, not to units."))
    known = known or standing(session, block_id, year, ranking)
    if levels.below_rank(award, known.council_rank):
        return str(_l("This award is granted by a council of a lower level."))
    plan = known.plan
    listed = (plan.rules if plan else {}).get("award_types")
    if listed and award.code in awards.SEED_CODES and award.code not in listed:
        return str(_l("The block's plan does not grant this award."))
    if unit_id not in known.registered:
        return str(
            _l("The unit did not register its targets for %(year)d: it is not eligible.", year=year)
        )
    row = next((r for r in known.ranking if r.unit_id == unit_id), None)
    if row is None or not row.scored:
        return str(_l("The unit has no accepted year-end result for %(year)d.", year=year))
    if award.max_rank is not None and row.rank > award.max_rank:
        return str(
            _l(
                "Ranked %(rank)d: this award needs rank %(max)d or better.",
                rank=row.rank,
                max=award.max_rank,
            )
        )
    if award.min_score_percent is not None:
        scale = Decimal(plan.scale if plan else 100)
        needed = (Decimal(award.min_score_percent) * scale / 100).quantize(Decimal("0.01"))
        if row.total < needed:
            return str(
                _l(
                    "Scored %(total)s: this award needs at least %(needed)s.",
                    total=row.total,
                    needed=needed,
                )
            )
    if unit_id in known.live:
        return str(
            _l(
                "The unit is already proposed or awarded for this year's result in this "
                "block: one achievement earns one award."
            )
        )
    return None


def may_propose(
    session: Session, user: User, award: Award, unit_id: int, block_id: int, year: int
) -> bool:
    """Tell whether `user` may propose the award for the unit (the award's `proposers`)."""
    who = set(award.proposers)
    if "secretariat" in who and user.has_role(Role.SECRETARIAT):
        return acts_in(session, user, councils.of_block(session, block_id))
    if "block_leader" in who and may(session, user, Action.ACT, block_id=block_id, year=year):
        return True
    return (
        "member_unit" in who
        and user.unit_id == unit_id
        and may(session, user, Action.ACT, unit_id=unit_id)
    )


def vote_rules(
    session: Session, award: Award, block_id: int, year: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the block and council vote rules kept with a new nomination."""
    plan = plan_of_year(session, block_id, year)
    rules = plan.rules if plan else {}
    try:
        threshold = (
            award_votes.share(str(rules.get("vote_threshold") or ""))
            if rules.get("vote_threshold")
            else None
        )
        quorum = (
            award_votes.share(str(rules.get("vote_quorum") or ""))
            if rules.get("vote_quorum")
            else None
        )
    except award_votes.BadShare:
        threshold = quorum = None
    block = awards.block_rule(award).stricter(threshold, quorum)
    return block.to_json(), awards.council_rule(award).to_json()


@transactional
def propose(
    session: Session,
    engine: Engine,
    *,
    user: User,
    block_id: int,
    year: int,
    unit_id: int,
    award_id: int,
) -> Nomination:
    """Propose the unit for the award for `year`'s result; start the nomination's workflow."""
    award = session.get(Award, award_id)
    if award is None:
        raise NotFound(_l("This award does not exist."), "award_id")
    member = session.exec(
        select(BlockMembership.id).where(
            BlockMembership.block_id == block_id,
            BlockMembership.year == year,
            BlockMembership.unit_id == unit_id,
        )
    ).first()
    if member is None:
        raise ServiceError(_l("Choose a member unit of the block in that year."), "unit_id")
    if not may_propose(session, user, award, unit_id, block_id, year):
        raise Forbidden(_l("You may not propose this award."))
    ranking = year_ranking(session, block_id, year)
    why = ineligible(session, award, unit_id, block_id, year, ranking)
    if why:
        raise Conflict(why, "unit_id")
    row = next(r for r in ranking if r.unit_id == unit_id)
    block_rule, council_rule = vote_rules(session, award, block_id, year)
    nomination = Nomination(
        block_id=block_id,
        year=year,
        unit_id=unit_id,
        award_id=award_id,
        rank=row.rank,
        total=row.total,
        block_rule=block_rule,
        council_rule=council_rule,
        proposed_by_user_id=user.id,
    )
    session.add(nomination)
    session.flush()
    subjects.start(session, engine, nomination, user)
    session.add(nomination)
    return nomination


# --- firing and voting -------------------------------------------------------------------


def open_vote(session: Session, state: str) -> str | None:
    """Return which vote (block, council) is open in `state`, if any."""
    for which, tag in VOTES.items():
        if state in subjects.tagged(session, NOMINATION, tag):
            return which
    return None


def _instance(session: Session, nomination: Nomination) -> WfInstance:
    row = session.get(WfInstance, nomination.instance_id) if nomination.instance_id else None
    if row is None:
        raise NotFound(_l("This nomination has no workflow."))
    session.refresh(row)
    return row


def _ballot(
    session: Session, nomination: Nomination, which: str, choice: str | None,
    paper: Mapping[int, str] | None,
) -> tuple[str, dict[str, Any] | None]:  # fmt: skip
    """Return the trigger and the data of a ballot: a single choice, or a paper of names.

    The council votes on every name of a dossier's list with one paper (yes, no or abstain
    for each); the ballot's own choice is then "yes" when the paper approves a name, "no"
    when it approves none and rejects one, else "abstain" (turnout is counted on it).
    """
    names = rules.listed_ids(session, nomination) if which == "council" else []
    if not names:  # a single choice: the block's vote, or a dossier without a list
        if paper:
            raise ServiceError(_l("This vote is on the dossier as a whole: vote yes, no or "
                                  "abstain."), "choice")  # fmt: skip
        if choice not in CHOICES:
            raise ServiceError(_l("Vote yes, no or abstain."), "choice")
        return CHOICES[choice], None
    given = dict(paper or {})
    missing = [n for n in names if given.get(n) not in CHOICES]
    if missing:
        raise ServiceError(_l("Vote yes, no or abstain for every name on the ballot paper "
                              "(%(n)d without a vote).", n=len(missing)), "paper")  # fmt: skip
    if set(given) - set(names):
        raise ServiceError(_l("The ballot paper names someone who is not on the dossier."),
                           "paper")  # fmt: skip
    picks = {str(n): CHOICE_STEP[given[n]] for n in names}
    values = set(picks.values())
    overall = "yes" if "act" in values else "no" if "refuse" in values else "abstain"
    return CHOICES[overall], {PAPER: picks}


def cast_vote(
    session: Session,
    engine: Engine,
    *,
    user: User,
    nomination: Nomination,
    choice: str | None = None,
    paper: Mapping[int, str] | None = None,
) -> FireResult:
    """Cast the user's ballot (a member unit's head, or a council member) in the open vote:
    a choice, or at the council's vote on a dossier of names a `paper` ({nominee id: yes,
    no or abstain}, every name)."""
    row = _instance(session, nomination)
    which = open_vote(session, row.state)
    if which is None:
        raise Conflict(_l("No vote is open on this nomination."))
    trigger, data = _ballot(session, nomination, which, choice, paper)
    return wf.fire(session, engine, user, row.id or 0, trigger, data)


@transactional
def record_written_vote(
    session: Session,
    engine: Engine,
    *,
    user: User,
    nomination: Nomination,
    member_id: int,
    choice: str | None = None,
    paper: Mapping[int, str] | None = None,
) -> FireResult:
    """Enter the written ballot (a choice, or a paper of names) of an absent council member
    (the secretariat).

    It counts toward the threshold but not toward presence; it is marked "written".
    """
    row = _instance(session, nomination)
    if not (user.has_role(Role.SECRETARIAT) and acts_in(session, user, row.council_id)):
        raise Forbidden(_l("The secretariat enters written ballots."))
    if open_vote(session, row.state) != "council":
        raise Conflict(_l("No council vote is open on this nomination."))
    trigger, data = _ballot(session, nomination, "council", choice, paper)
    member = session.get(User, member_id)
    seat = next(
        (s for s in seats(session, row.id or 0, row.entry) if s.key == f"user:{member_id}"), None
    )
    if member is None or seat is None:
        raise ServiceError(_l("Choose a member of the council."), "member_id")
    if seat.choice is not None:
        raise Conflict(_l("This member has already voted."), "member_id")
    actor = Actor(
        user_id=user.id,
        unit_id=user.unit_id,
        principals=frozenset({seat.principal}),
        name=f"{user.display_name} ({_l('written ballot of')} {member.display_name})",
    )
    return wf.fire(
        session, engine, user, row.id or 0, trigger, {**(data or {}), "mode": WRITTEN},
        actor=actor,
    )  # fmt: skip


def close_vote(
    session: Session,
    engine: Engine,
    *,
    user: User,
    nomination: Nomination,
    expected_version: int | None = None,
) -> FireResult:
    """Close the open vote and record its result: approved or rejected, by the count."""
    row = _instance(session, nomination)
    which = open_vote(session, row.state)
    if which is None:
        raise Conflict(_l("No vote is open on this nomination."))
    passed, _why = rules.outcome(session, nomination, row.id or 0, row.entry, which)
    trigger = f"{which}_{'approved' if passed else 'rejected'}"
    return wf.fire(session, engine, user, row.id or 0, trigger, None, expected_version)


# --- reading votes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A voter as others see them: who, whether they voted, in writing; never the choice."""

    label: str
    voted: bool
    written: bool
    key: str


@dataclass(frozen=True)
class Name:
    """A name on the council's ballot paper: who, for which award, and its count once closed."""

    id: int
    name: str
    award: str
    achievement: str
    tally: dict[str, Any] | None = None
    explanation: str = ""


@dataclass(frozen=True)
class Ballot:
    """A ballot on the board: its receipt, its choice, and its paper's choice per name."""

    receipt: str
    choice: str  # yes | no | abstain
    picks: list[tuple[str, str]] = field(default_factory=list)  # (name, yes|no|abstain)


def ballot_names(session: Session, nomination: Nomination, which: str) -> list[Name]:
    """Return the names the vote is on, one by one (none when it is on the dossier whole)."""
    if not rules.by_name(session, nomination, which):
        return []
    return [Name(n.row.id or 0, n.name, n.award.name, n.row.achievement, n.row.council_tally)
            for n in nominees.nominees(session, nomination)]  # fmt: skip


@dataclass(frozen=True)
class VoteView:
    """An open or closed vote as the page shows it."""

    which: str  # block | council
    rule: award_votes.VoteRule
    seats: list[Seat]  # turnout: who has voted (open votes only)
    tally: dict[str, Any] | None  # the count, once closed
    voted_myself: bool  # the viewer has cast a ballot in this open vote (never how)
    open: bool
    explanation: str = ""
    board: list[Ballot] = field(default_factory=list)  # closed: every ballot by its receipt
    names: list[Name] = field(default_factory=list)  # a vote on each name of the dossier

    @property
    def voted(self) -> int:
        """Return how many have voted."""
        return sum(1 for s in self.seats if s.voted)


def show_receipt(receipt: str) -> str:
    """Return a ballot's receipt as people copy it: groups of four, upper case."""
    text = receipt.upper()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _voted_myself(session: Session, user: User, voters: list[WfParticipant]) -> bool:
    held = principals(session, user)
    return any(
        s.choice and s.principal in held and (s.data or {}).get("mode") != WRITTEN for s in voters
    )


def votes(session: Session, user: User, nomination: Nomination) -> list[VoteView]:
    """Return the nomination's votes (block, council) as `user` may see them.

    A closed vote shows its count and every ballot by receipt (the bulletin board): each
    voter finds the receipt given when voting with the choice made, and anyone can recount.
    """
    row = session.get(WfInstance, nomination.instance_id) if nomination.instance_id else None
    if row is None:
        return []
    out: list[VoteView] = []
    which_open = open_vote(session, row.state)
    for which in VOTES:
        raw = nomination.block_rule if which == "block" else nomination.council_rule
        if not raw:
            continue
        rule = award_votes.VoteRule.from_json(raw)
        stored = nomination.block_tally if which == "block" else nomination.council_tally
        is_open = which_open == which
        if not is_open and stored is None:
            continue
        voters: list[WfParticipant] = []
        if is_open:
            voters = seats(session, row.id or 0, row.entry)
        shown = [
            Seat(s.label, s.choice is not None, (s.data or {}).get("mode") == WRITTEN, s.key)
            for s in voters
        ]
        explanation = ""
        board: list[Ballot] = []
        if stored is not None:
            tally = award_votes.Tally(
                stored["yes"],
                stored["no"],
                stored["abstain"],
                stored["members"],
                stored.get("written", 0),
            )
            explanation = explain(rule, tally, award_votes.decide_tally(rule, tally))
        names = ballot_names(session, nomination, which)
        if stored is not None and names:
            counts = rules.name_counts(session, nomination, row.id or 0, int(stored["round"]))
            said = {c.nominee.id: c.explanation for c in counts}
            names = [replace(n, explanation=said.get(n.id, "")) for n in names]
            explanation = rules.say_names(counts)
        if stored is not None and not is_open and stored.get("round"):
            named = {str(n.id): n.name for n in names}
            board = [
                Ballot(show_receipt(r), SHOWN.get(c, c),
                       [(named.get(k, k), SHOWN.get(v, v)) for k, v in paper.items()])
                for r, c, paper in receipts(session, row.id or 0, int(stored["round"]))
            ]  # fmt: skip
        out.append(
            VoteView(
                which,
                rule,
                shown,
                stored,
                is_open and _voted_myself(session, user, voters),
                is_open,
                explanation,
                board,
                names,
            )
        )
    return out


def may_vote(session: Session, engine: Engine, user: User, nomination: Nomination) -> bool:
    """Tell whether the user has a ballot to cast now."""
    if not nomination.instance_id:
        return False
    triggers = engine.available(session, nomination.instance_id, wf.actor_for(session, user))
    return "vote_yes" in triggers


def absent_members(session: Session, nomination: Nomination) -> list[tuple[int, str]]:
    """Return the council members who have not voted (for written ballots), as (id, name)."""
    row = session.get(WfInstance, nomination.instance_id) if nomination.instance_id else None
    if row is None or open_vote(session, row.state) != "council":
        return []
    voters = seats(session, row.id or 0, row.entry)
    return [(int(s.key.split(":")[1]), s.label) for s in voters if s.choice is None]


# --- dossier -----------------------------------------------------------------------------


@transactional
def save_dossier(
    session: Session,
    *,
    user: User,
    nomination: Nomination,
    cover_letter: str,
    achievements: str,
    minutes: str,
) -> Nomination:
    """Change the dossier's texts before submission (the block's leading unit)."""
    if not may(session, user, Action.ACT, block_id=nomination.block_id, year=nomination.year):
        raise Forbidden(_l("Only the block's leading unit prepares the dossier."))
    if not subjects.has_tag(session, nomination, "editable"):
        raise Conflict(_l("The dossier can be changed only before it is submitted."))
    nomination.cover_letter = clean_text(
        cover_letter, "cover_letter", max_len=20_000, required=False
    )
    nomination.achievements = clean_text(
        achievements, "achievements", max_len=50_000, required=False
    )
    nomination.minutes = clean_text(minutes, "minutes", max_len=20_000, required=False)
    nomination.updated_at = utcnow()
    session.add(nomination)
    return nomination


@transactional
def submit_dossier(
    session: Session,
    engine: Engine,
    *,
    user: User,
    nomination: Nomination,
    password: str,
    code: str = "",
    address: str | None = None,
) -> FireResult:
    """Render Forms 01 and 02 and the minutes, sign each with the leading unit's key
    (its head, who proves who they are once), store them and submit the dossier, in one
    transaction."""

    row = _instance(session, nomination)
    if row.state not in subjects.tagged(session, NOMINATION, "editable"):
        raise Conflict(_l("The dossier is not open for submission."))
    leader = docs.leader_unit(session, nomination)
    if leader is None or not signers.signs_for(session, user, leader.id):
        raise Forbidden(_l("The head of the block's leading unit signs and submits the dossier."))
    actor = wf.actor_for(session, user)
    if "submit_dossier" not in engine.available(session, row.id or 0, actor):
        raise Forbidden(_l("You may not submit this dossier."))
    keys.confirm_signer(session, user, password, unit=leader, code=code, address=address)
    now = utcnow()
    try:
        nomination.submitted_at = now
        session.add(nomination)
        session.flush()
        for kind in docs.DOSSIER_KINDS:
            pdf, page, box = docs.render_dossier_form(
                session, nomination, kind, installation.local_date(session, now)
            )
            signed = keys.sign_for_unit(
                session,
                user,
                leader,
                pdf,
                docs.field_name(leader.id or 0),
                box,
                page=page,
                reason=f"{docs.TITLES[kind]} - đề nghị khen thưởng",
            )
            docs.store(session, signed, kind=kind, nomination_id=nomination.id, user_id=user.id)
        result = wf.fire(session, engine, user, row.id or 0, "submit_dossier",
                         expected_version=row.lock_version, actor=actor)  # fmt: skip
    except StaleVersion:
        raise Conflict(_l("The nomination was changed meanwhile; reload the page.")) from None
    return result


# --- lists -------------------------------------------------------------------------------


def nominations_of_block(
    session: Session, block_id: int, year: int | None = None
) -> list[Nomination]:
    """Return the block's nominations (of `year`), newest first."""
    query = select(Nomination).where(Nomination.block_id == block_id)
    if year:
        query = query.where(Nomination.year == year)
    return list(session.exec(query.order_by(col(Nomination.id).desc())).all())


def all_nominations(session: Session, year: int | None = None) -> list[Nomination]:
    """Return every nomination (of `year`), newest first (the committee's list)."""
    query = select(Nomination)
    if year:
        query = query.where(Nomination.year == year)
    return list(session.exec(query.order_by(col(Nomination.id).desc())).all())


def names(
    session: Session, rows: Iterable[Nomination]
) -> tuple[dict[int | None, Unit], dict[int | None, Block], dict[int | None, Award]]:
    """Return units, blocks and awards by id for a list of nominations."""
    rows = list(rows)
    unit_ids = {n.unit_id for n in rows}
    block_ids = {n.block_id for n in rows}
    units = (
        {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
        if unit_ids
        else {}
    )
    blocks = (
        {b.id: b for b in session.exec(select(Block).where(col(Block.id).in_(block_ids)))}
        if block_ids
        else {}
    )
    award_map = {a.id: a for a in session.exec(select(Award))}
    return units, blocks, award_map


def grounds(session: Session, rows: Iterable[Nomination]) -> dict[int | None, str]:
    """Return what each nomination rewards, by its id: a campaign's title, else the year's
    ranking (an empty string)."""
    rows = list(rows)
    wanted = {n.campaign_id for n in rows if n.campaign_id is not None}
    titles = {c.id: c.title for c in session.exec(
        select(Campaign).where(col(Campaign.id).in_(wanted)))} if wanted else {}  # fmt: skip
    return {n.id: titles.get(n.campaign_id, "") if n.campaign_id else "" for n in rows}


__all__ = ["ServiceError", "cast_vote", "close_vote", "propose", "submit_dossier"]
