"""The guards and effects `workflows/nomination.yaml` names, and the ballot count they share.

The engine collects each vote's ballots (`complete: manual`, secret); closing a vote fires
`block_approved` / `block_rejected` (or the council's pair), whose guards count the ballots
of the step against the rule kept with the nomination (`award_votes.vote_passes`): only the
trigger matching the count can fire, whoever fires it and from wherever (page or API).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.awards.catalogue import council_rule
from wflow.awards.models import Award, CouncilSession, Decision, DossierNominee, Nomination
from wflow.awards.votes import Tally, Verdict, VoteRule, decide_tally, show
from wflow.core import installation
from wflow.core.numbers import NumberRefused, read_int
from wflow.engine import Actor, FireContext, Registry, WfBallot, WfInstance, WfParticipant
from wflow.pacts.models import Document

WRITTEN = "written"  # participant data {"mode": "written"}: an absent member's written ballot
DOSSIER_KINDS = ("form01", "form02", "minutes")
PROPOSAL_KIND = "proposal"  # a Document's kind: the proposing council's signed letter


def nomination_of(session: Session, instance_id: int) -> Nomination:
    """Return the nomination of a workflow instance (LookupError if it has none)."""
    found = session.exec(select(Nomination).where(Nomination.instance_id == instance_id)).first()
    if found is None:
        raise LookupError(f"instance {instance_id} has no nomination")
    return found


def vote_round(session: Session, instance_id: int) -> int | None:
    """Return the round of the instance's latest vote (its participants' entry), if any."""
    query = sa.select(sa.func.max(col(WfParticipant.round))).where(
        col(WfParticipant.instance_id) == instance_id
    )
    got = session.execute(query).scalar()
    return int(got) if got is not None else None


def seats(session: Session, instance_id: int, round_: int) -> list[WfParticipant]:
    """Return the voters of one vote, in order: who took part ("cast") and how (in writing)."""
    query = (
        select(WfParticipant)
        .where(WfParticipant.instance_id == instance_id, WfParticipant.round == round_)
        .order_by(col(WfParticipant.position))
    )
    return list(session.exec(query).all())


def choices(session: Session, instance_id: int, round_: int) -> list[str]:
    """Return the choices of one vote's ballots, stored apart from the voters (WfBallot)."""
    query = select(WfBallot.choice).where(
        WfBallot.instance_id == instance_id, WfBallot.round == round_
    )
    return list(session.exec(query).all())


def receipts(
    session: Session, instance_id: int, round_: int
) -> list[tuple[str, str, dict[str, str]]]:
    """Return one vote's ballots as (receipt, choice, paper), in receipt order (the bulletin
    board); the paper is the choice per name ({} for a single choice)."""
    query = (
        select(WfBallot.id, WfBallot.choice, WfBallot.paper)
        .where(WfBallot.instance_id == instance_id, WfBallot.round == round_)
        .order_by(col(WfBallot.id))
    )
    return [(i, c, dict(p or {})) for i, c, p in session.exec(query).all()]


def count(session: Session, instance_id: int, round_: int) -> Tally:
    """Count one vote: yes, no, abstain from the ballots; members and written from the voters."""
    voters = seats(session, instance_id, round_)
    cast = choices(session, instance_id, round_)
    written = sum(1 for s in voters if s.choice and (s.data or {}).get("mode") == WRITTEN)
    return Tally(
        yes=cast.count("act"),
        no=cast.count("refuse"),
        abstain=cast.count("abstain"),
        members=len(voters),
        written=written,
    )


def listed(session: Session, nomination: Nomination) -> list[DossierNominee]:
    """Return the names of the nomination's dossier, in the list's order."""
    query = (
        select(DossierNominee)
        .where(DossierNominee.nomination_id == nomination.id)
        .order_by(col(DossierNominee.position), col(DossierNominee.id))
    )
    return list(session.exec(query).all())


def listed_ids(session: Session, nomination: Nomination) -> list[int]:
    """Return the ids of the names of the nomination's dossier (no rows loaded)."""
    query = select(DossierNominee.id).where(DossierNominee.nomination_id == nomination.id)
    return [i for i in session.exec(query).all() if i is not None]


def by_name(session: Session, nomination: Nomination, which: str) -> bool:
    """Tell whether a vote is on each name of the dossier (the council's, on a list of names)."""
    if which != "council":
        return False
    query = select(DossierNominee.id).where(DossierNominee.nomination_id == nomination.id)
    return session.exec(query.limit(1)).first() is not None


@dataclass(frozen=True)
class NameCount:
    """The council's count on one name of a dossier, by its award's rule."""

    nominee: DossierNominee
    rule: VoteRule
    tally: Tally
    verdict: Verdict

    @property
    def explanation(self) -> str:
        """Say in words why this name passed or not."""
        return explain(self.rule, self.tally, self.verdict)


@dataclass(frozen=True)
class NameTally:
    """The council's count on one name of a dossier (its id), by its award's rule."""

    nominee_id: int
    rule: VoteRule
    tally: Tally
    verdict: Verdict


def name_tallies(session: Session, nomination: Nomination, instance_id: int,
                 round_: int) -> list[NameTally]:  # fmt: skip
    """Count every name of the dossier from the ballot papers of one vote, in the list's order.

    A name whose award is the dossier's uses the rule kept with the nomination; another
    award's name uses that award's council rule. Members and written ballots are the vote's.
    Reads columns only: the guards count a dossier of hundreds of names more than once.
    """
    query = (
        select(DossierNominee.id, DossierNominee.award_id)
        .where(DossierNominee.nomination_id == nomination.id)
        .order_by(col(DossierNominee.position), col(DossierNominee.id))
    )
    names = list(session.exec(query).all())
    if not names:
        return []
    voters = seats(session, instance_id, round_)
    written = sum(1 for s in voters if s.choice and (s.data or {}).get("mode") == WRITTEN)
    papers = [p for _r, _c, p in receipts(session, instance_id, round_)]
    wanted = {award_id for _id, award_id in names} - {nomination.award_id}
    others = session.exec(select(Award).where(col(Award.id).in_(wanted))).all()
    rules = {a.id: council_rule(a) for a in others}
    rules[nomination.award_id] = VoteRule.from_json(nomination.council_rule)
    out = []
    for nominee_id, award_id in names:
        key = str(nominee_id)
        picks = [p.get(key) for p in papers]
        yes, no, abstain = picks.count("act"), picks.count("refuse"), picks.count("abstain")
        # every paper names every name, so the written ballots are among these picks
        tally = Tally(yes, no, abstain, len(voters), min(written, yes + no + abstain))
        rule = rules[award_id]
        out.append(NameTally(nominee_id or 0, rule, tally, decide_tally(rule, tally)))
    return out


def name_counts(session: Session, nomination: Nomination, instance_id: int,
                round_: int) -> list[NameCount]:  # fmt: skip
    """Count every name of the dossier (`name_tallies`), each with its dossier row."""
    tallies = name_tallies(session, nomination, instance_id, round_)
    rows = {n.id: n for n in listed(session, nomination)} if tallies else {}
    return [NameCount(rows[t.nominee_id], t.rule, t.tally, t.verdict) for t in tallies]


def say_names(counts: list[NameCount] | list[NameTally]) -> str:
    """Say how many names of a dossier the council approved."""
    passed = sum(1 for c in counts if c.verdict.passed)
    return str(_l("%(n)d of %(m)d names approved, each by its award's rule.", n=passed,
                  m=len(counts)))  # fmt: skip


def outcome(session: Session, nomination: Nomination, instance_id: int, round_: int,
            which: str) -> tuple[bool, str]:  # fmt: skip
    """Return whether one vote passed and why, in words.

    A council vote on a dossier of names passes when at least one name passes its rule;
    any other vote counts its single choices against the rule kept with the nomination.
    """
    if by_name(session, nomination, which):
        counts = name_tallies(session, nomination, instance_id, round_)
        return any(c.verdict.passed for c in counts), say_names(counts)
    raw: dict[str, Any] = nomination.block_rule if which == "block" else nomination.council_rule
    rule, tally = VoteRule.from_json(raw), count(session, instance_id, round_)
    verdict = decide_tally(rule, tally)
    return verdict.passed, explain(rule, tally, verdict)


def current_tally(session: Session, row: WfInstance) -> Tally:
    """Count the ballots of the vote the instance is in now."""
    return count(session, row.id or 0, row.entry)


def explain(rule: VoteRule, tally: Tally, verdict: Verdict) -> str:
    """Say in words why a vote passed or failed."""
    base = _l("all members") if rule.of == "all" else _l("those who voted")
    if not verdict.quorum_met:
        return str(
            _l(
                "No quorum: %(p)d of %(m)d members present, %(n)d needed (%(q)s).",
                p=tally.present,
                m=tally.members,
                n=verdict.present_needed,
                q=show(rule.quorum) if rule.quorum else "—",
            )
        )
    return str(
        _l(
            "%(y)d yes of %(b)d (%(base)s); %(t)s needs %(n)d.",
            y=tally.yes,
            b=verdict.base,
            base=base,
            t=show(rule.threshold),
            n=verdict.yes_needed,
        )
    )


def _passed_guard(which: str, want: bool) -> Any:
    def guard(ctx: FireContext) -> bool | str:
        session: Session = ctx.session  # type: ignore[assignment]
        nomination = nomination_of(session, ctx.instance_id)
        row = session.get(WfInstance, ctx.instance_id)
        assert row is not None
        passed, why = outcome(session, nomination, ctx.instance_id, row.entry, which)
        if passed == want:
            return True
        if passed:
            return str(_l("The vote passed (%(why)s): record it as approved.", why=why))
        return str(_l("The vote did not pass (%(why)s): record it as rejected.", why=why))

    return guard


def _record_tally(which: str) -> Any:
    def effect(ctx: FireContext) -> None:
        session: Session = ctx.session  # type: ignore[assignment]
        nomination = nomination_of(session, ctx.instance_id)
        round_ = vote_round(session, ctx.instance_id) or 0
        tally = count(session, ctx.instance_id, round_)
        counts = []
        if which == "council":
            counts = name_counts(session, nomination, ctx.instance_id, round_)
        if counts:
            passed = any(c.verdict.passed for c in counts)
        else:
            passed, _why = outcome(session, nomination, ctx.instance_id, round_, which)
        stored = {**tally.to_json(), "passed": passed, "closed_at": ctx.now.isoformat(),
                  "round": round_}  # fmt: skip
        if which == "block":
            nomination.block_tally = stored
        else:
            nomination.council_tally = stored
        for c in counts:
            c.nominee.approved = c.verdict.passed
            c.nominee.council_tally = {**c.tally.to_json(), "passed": c.verdict.passed}
            session.add(c.nominee)
        nomination.updated_at = ctx.now
        session.add(nomination)
        session.flush()

    return effect


def dossier_signed(ctx: FireContext) -> bool | str:
    """Pass when the dossier's three forms were signed since the nomination was last sent back.

    The leader's head submits through `services.nomination.submit_dossier`, which renders
    and signs the forms first; a bare `submit_dossier` elsewhere names no signed dossier.
    """
    session: Session = ctx.session  # type: ignore[assignment]
    nomination = nomination_of(session, ctx.instance_id)
    since = nomination.submitted_at
    kinds = {
        d.kind
        for d in session.exec(
            select(Document).where(
                Document.nomination_id == nomination.id, col(Document.kind).in_(DOSSIER_KINDS)
            )
        ).all()
        if since is not None and d.created_at >= since
    }
    if set(DOSSIER_KINDS) <= kinds:
        return True
    return str(_l("Submit the dossier on the nomination's page: the forms are signed there."))


def session_open(ctx: FireContext) -> bool | str:
    """Pass when `session_id` names a council session of the nomination's year."""
    session: Session = ctx.session  # type: ignore[assignment]
    try:
        sid = read_int(ctx.data.get("session_id"), "session_id", minimum=1) or 0
    except NumberRefused:
        sid = 0
    found = session.get(CouncilSession, sid) if sid else None
    if found is None:
        return str(_l("Choose a council session."))
    if found.year != ctx.scope.year:
        return str(_l("Choose a session deciding on this year's results."))
    if found.council_id != ctx.scope.council_id:
        return str(_l("Choose a session of the council the nomination belongs to."))
    taken = session.exec(select(Decision.id).where(Decision.session_id == sid)).first()
    if taken is not None:
        return str(_l("This session's decision is already signed: choose another session."))
    return True


def assign_session(ctx: FireContext) -> None:
    """Put the nomination on the agenda of the chosen council session."""
    session: Session = ctx.session  # type: ignore[assignment]
    nomination = nomination_of(session, ctx.instance_id)
    nomination.session_id = read_int(ctx.data["session_id"], "session_id", minimum=1)
    nomination.updated_at = ctx.now
    session.add(nomination)
    session.flush()


def in_signed_decision(ctx: FireContext) -> bool | str:
    """Pass when the nomination is granted by a signed decision."""
    session: Session = ctx.session  # type: ignore[assignment]
    nomination = nomination_of(session, ctx.instance_id)
    decision = session.get(Decision, nomination.decision_id) if nomination.decision_id else None
    if decision is None or decision.document_id is None:
        return str(_l("A nomination is decided by signing the council session's decision."))
    return True


def decision_signed(ctx: FireContext) -> bool | str:
    """Pass when the award decision is signed and stored (wflow.awards.decisions.sign_decision)."""
    session: Session = ctx.session  # type: ignore[assignment]
    decision = session.exec(select(Decision).where(Decision.instance_id == ctx.instance_id)).first()
    if decision is None or decision.document_id is None:
        return str(_l("The decision is signed with a password on the council session's page."))
    return True


def mark_revoked(ctx: FireContext) -> None:
    """Keep the revocation's time and reason with the nomination (the public register shows it)."""
    session: Session = ctx.session  # type: ignore[assignment]
    nomination = nomination_of(session, ctx.instance_id)
    nomination.revoked_at = nomination.updated_at = ctx.now
    nomination.revoke_reason = str(ctx.data.get("reason", ""))[:2000]
    session.add(nomination)
    session.flush()


def reopen_dossier(ctx: FireContext) -> None:
    """Forget the last submission of a dossier sent back: it must be signed again."""
    session: Session = ctx.session  # type: ignore[assignment]
    nomination = nomination_of(session, ctx.instance_id)
    nomination.submitted_at, nomination.updated_at = None, ctx.now
    session.add(nomination)
    session.flush()


def from_block(ctx: FireContext) -> bool | str:
    """Pass for a nomination its block proposed (its dossier goes back to the block)."""
    session: Session = ctx.session  # type: ignore[assignment]
    if nomination_of(session, ctx.instance_id).proposed_from_id is None:
        return True
    return str(_l("A proposal of the council below is returned to that council."))


def from_council(ctx: FireContext) -> bool | str:
    """Pass for a nomination the council below proposed (it goes back to that council)."""
    session: Session = ctx.session  # type: ignore[assignment]
    if nomination_of(session, ctx.instance_id).proposed_from_id is not None:
        return True
    return str(_l("A block's dossier is returned to the block."))


def proposal_signed(ctx: FireContext) -> bool | str:
    """Pass when the council's chair or a vice-chair signed the proposal to the council above."""
    session: Session = ctx.session  # type: ignore[assignment]
    nomination = nomination_of(session, ctx.instance_id)
    query = (
        select(Document.id)
        .join(Nomination, col(Nomination.id) == col(Document.nomination_id))
        .where(Nomination.proposed_from_id == nomination.id, Document.kind == PROPOSAL_KIND)
        .where(col(Nomination.instance_id).is_not(None))
    )
    if session.exec(query).first() is None:
        return str(_l("The chair or a vice-chair proposes it by signing on the session's page."))
    return True


def return_to_proposer(ctx: FireContext) -> None:
    """Give the proposing council its nomination back, approved, with the reason."""
    session: Session = ctx.session  # type: ignore[assignment]
    upper = nomination_of(session, ctx.instance_id)
    lower = session.get(Nomination, upper.proposed_from_id or 0)
    if lower is None or lower.instance_id is None:
        raise LookupError(f"the nomination {upper.id} carries up no nomination")
    engine = installation.workflows_of(session)
    engine.fire(session, lower.instance_id, "proposal_returned", Actor.system(),
                {"reason": ctx.data.get("reason", "")})  # fmt: skip


def register(reg: Registry) -> None:
    """Register the nomination workflow's guards and effects."""
    reg.guard("block_vote_passed")(_passed_guard("block", True))
    reg.guard("block_vote_failed")(_passed_guard("block", False))
    reg.guard("council_vote_passed")(_passed_guard("council", True))
    reg.guard("council_vote_failed")(_passed_guard("council", False))
    reg.guard("dossier_signed")(dossier_signed)
    reg.guard("session_open")(session_open)
    reg.guard("in_signed_decision")(in_signed_decision)
    reg.guard("award_decision_signed")(decision_signed)
    reg.effect("record_block_tally")(_record_tally("block"))
    reg.effect("record_council_tally")(_record_tally("council"))
    reg.effect("assign_session")(assign_session)
    reg.effect("mark_revoked")(mark_revoked)
    reg.effect("reopen_dossier")(reopen_dossier)
    reg.guard("from_block")(from_block)
    reg.guard("from_council")(from_council)
    reg.guard("proposal_signed")(proposal_signed)
    reg.effect("return_to_proposer")(return_to_proposer)
