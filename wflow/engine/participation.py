"""Participation steps: who takes part, whose turn it is, and when the step is decided.

Completion is decided as soon as the outcome is certain, assuming every pending participant
will still take part (act, refuse or abstain): success when the rule holds even if every
pending participant refused, refusal when it cannot hold even if every pending participant
acted. A quorum must be met by those who already took part before success is declared.
A `manual` step is never decided here: a transition leaving the state (a closing trigger
whose guard counts the answers) ends it.
A step that must end without everyone (absent members) ends by its deadline trigger.

A `secret` step keeps who took part apart from how: the participant row says "cast", the
choice is a ballot (`WfBallot`) with a random id, the voter's receipt, and nothing else.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from wflow.engine.definition import Completion, Participation
from wflow.engine.fastsql import Db
from wflow.engine.registry import Participant
from wflow.engine.statements import (
    DELETE_BALLOTS,
    INSERT_BALLOT,
    INSERT_PARTICIPANT,
    SELECT_BALLOTS,
    SELECT_PARTICIPANTS,
)

Choice = Literal["act", "refuse", "abstain"]
CHOICES = frozenset({"act", "refuse", "abstain"})
Outcome = Literal["complete", "refuse"]
CAST = "cast"  # a secret step's participant row: took part; the choice is a ballot


@dataclass(frozen=True, slots=True)
class Seat:
    """A participant as stored for one round, with its choice so far."""

    position: int
    key: str
    principal: str
    label: str
    choice: str | None
    stage: int = 0


def choice_of(part: Participation, trigger: str) -> Choice | None:
    """Return which choice `trigger` expresses in this step, None if it is not one of its."""
    if trigger == part.act:
        return "act"
    if trigger == part.refuse:
        return "refuse"
    if trigger == part.abstain:
        return "abstain"
    return None


def load_seats(db: Db, instance_id: int, round_: int) -> list[Seat]:
    """Return the participants of one round in their order."""
    rows = SELECT_PARTICIPANTS.all(db, {"instance_id": instance_id, "round": round_})
    return [Seat(r.position, r.key, r.principal, r.label, r.choice, r.stage) for r in rows]


def store_seats(
    db: Db, instance_id: int, round_: int, participants: Sequence[Participant]
) -> list[Seat]:
    """Insert the participants of a newly entered step and return them as seats."""
    unique = {p.key: p for p in reversed(participants)}  # the first of a repeated key wins
    kept = [p for p in participants if unique.get(p.key) is p]
    seats = [Seat(i, p.key, p.principal, p.label, None, p.stage) for i, p in enumerate(kept)]
    if seats:
        INSERT_PARTICIPANT.many(
            db,
            [
                {"instance_id": instance_id, "round": round_, "position": s.position,
                 "key": s.key, "principal": s.principal, "label": s.label, "choice": None,
                 "stage": s.stage,
                 "acted_at": None, "actor_user_id": None, "data": {}}
                for s in seats
            ],
        )  # fmt: skip
    return seats


PAPER = "paper"  # the data key of a ballot paper: a choice per name, kept with the ballot
PAPER_NAMES = 1000  # at most this many names on one paper


def ballot_paper(raw: object) -> dict[str, str] | None:
    """Return a ballot paper as stored ({name: act|refuse|abstain}), None if there is none.

    Raise ValueError when it is not a mapping of short names to choices.
    """
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw or len(raw) > PAPER_NAMES:
        raise ValueError("A ballot paper gives each name one choice.")
    paper = {str(k): str(v) for k, v in raw.items()}
    if any(len(k) > 40 or v not in CHOICES for k, v in paper.items()):
        raise ValueError("A ballot paper gives each name act, refuse or abstain.")
    return paper


def cast_ballot(
    db: Db, instance_id: int, round_: int, choice: Choice, paper: dict[str, str] | None = None
) -> str:
    """Add a ballot (and its paper, if any) to a secret round and return its receipt.

    The round's ballots are deleted and inserted again in id order with the new one, in
    the caller's transaction: their physical order is the order of their random ids, and on
    PostgreSQL they all carry the latest voter's transaction id, so neither pairs a ballot
    with the participation written beside it.
    """
    params = {"instance_id": instance_id, "round": round_}
    kept = [(r.id, r.choice, r.paper) for r in SELECT_BALLOTS.all(db, params)]
    receipt = secrets.token_hex(10)
    ballots = sorted([*kept, (receipt, choice, paper)], key=lambda b: b[0])
    DELETE_BALLOTS.run(db, params)
    INSERT_BALLOT.many(db, [{**params, "id": i, "choice": c, "paper": p} for i, c, p in ballots])
    return receipt


def load_choices(db: Db, instance_id: int, round_: int) -> list[str]:
    """Return the choices of a secret round's ballots (in the order of their random ids)."""
    return [r.choice for r in SELECT_BALLOTS.all(db, {"instance_id": instance_id, "round": round_})]


def choices_of(
    part: Participation, db: Db, instance_id: int, round_: int, seats: Sequence[Seat]
) -> list[str | None]:
    """Return one entry per seat for `decide`: the choices made, None for each pending seat.

    In a secret step the choices come from the ballots, not from the seats.
    """
    if not part.secret:
        return [s.choice for s in seats]
    pending: list[str | None] = [None] * sum(1 for s in seats if s.choice is None)
    return [*load_choices(db, instance_id, round_), *pending]


def open_seats(part: Participation, seats: Sequence[Seat]) -> list[Seat]:
    """Return the participants who may act now.

    Sequential: only the first pending one. Parallel: every pending one of the lowest stage
    still pending (resolvers put e.g. the leading unit in a later stage to make it sign last).
    """
    pending = [s for s in seats if s.choice is None]
    if part.order == "sequential":
        return pending[:1]
    if not pending:
        return pending
    stage = min(s.stage for s in pending)
    return [s for s in pending if s.stage == stage]


def _need(rule: Completion, base: int) -> int:
    """Return how many acts the rule needs out of `base` participants."""
    if rule.kind == "all":
        return base
    if rule.kind == "any":
        return 1
    if rule.count is not None:
        return rule.count
    if rule.fraction is not None:
        return math.ceil(rule.fraction * base)
    return base


def decide(rule: Completion, choices: Sequence[str | None]) -> Outcome | None:
    """Return "complete" or "refuse" once the outcome is certain, None while it is open."""
    if rule.kind == "manual":  # decided by a transition leaving the step, never here
        return None
    n = len(choices)
    acts = sum(1 for c in choices if c == "act")
    pending = sum(1 for c in choices if c is None)
    present = n - pending
    # Worst case for success: every pending participant takes part without acting, so the
    # base of a fraction "of present" grows to everyone, as for "of all"; the best case for
    # it (every pending one acts) has the same base. Either way the base is n.
    need = _need(rule, n)
    quorum_met = rule.quorum is None or present >= math.ceil(rule.quorum * n)
    if rule.kind == "any" and n == 0:
        return "refuse"
    if acts >= need and quorum_met:
        return "complete"
    if acts + pending < need:
        return "refuse"
    return None
