"""Participation steps: every member head signs, declines with a reason, or abstains once."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from tests.engine.flows import (
    LEADER,
    SCOPE,
    STRANGER,
    TWO_THIRDS,
    Journal,
    head,
    make_registry,
    pact,
    snapshot,
)  # fmt: skip
from wflow.engine import (
    AlreadyActed,
    Completion,
    Drift,
    Engine,
    FireResult,
    GuardFailed,
    MissingFields,
    NotAllowed,
    Scope,
    StaleVersion,
    WfBallot,
    WrongState,
)  # fmt: skip
from wflow.engine.participation import decide


def _signing(engine: Engine, session: Session, members: list[int] | None = None) -> int:
    data = {"title": "Pact", "members": [1, 2, 3] if members is None else members}
    iid = engine.start(session, "pact", Scope("pact", 1, unit_id=1, block_id=3, data=data),
                       head(1))  # fmt: skip
    engine.fire(session, iid, "submit", head(1))
    engine.fire(session, iid, "open_signing", LEADER)
    session.commit()
    return iid


def _engine(journal: Journal, complete: Completion, **kw: Any) -> Engine:
    return Engine({"pact": pact(complete, **kw)}, make_registry(journal))


def _state(engine: Engine, session: Session, iid: int) -> str:
    return engine.history(session, iid)[-1].dest


def test_all_sign__the_last_signature_completes_once(
    engine: Engine, session: Session, journal: Journal
) -> None:
    iid = _signing(engine, session)
    first = engine.fire(session, iid, "sign", head(1))
    assert (first.dest, first.completed) == ("signing", ())
    engine.fire(session, iid, "sign", head(2))
    last = engine.fire(session, iid, "sign", head(3))
    session.commit()
    assert last.completed == ("all_signed",) and last.state == "in_force"
    triggers = [e.trigger for e in engine.history(session, iid)]
    assert triggers[-4:] == ["sign", "sign", "sign", "all_signed"]
    assert triggers.count("all_signed") == 1
    assert ("all_signed", "signing", iid) in journal.effects
    assert last.version == engine.history(session, iid)[-1].version


def test_a_decline_needs_a_reason_and_refuses_the_step(engine: Engine, session: Session) -> None:
    iid = _signing(engine, session)
    engine.fire(session, iid, "sign", head(1))
    session.commit()
    before = snapshot(session)
    with pytest.raises(MissingFields):
        engine.fire(session, iid, "decline", head(2), {"reason": ""})
    session.rollback()
    assert snapshot(session) == before
    result = engine.fire(session, iid, "decline", head(2), {"reason": "figures are wrong"})
    assert result.completed == ("declined",) and result.state == "draft"
    decline = engine.history(session, iid)[-2]
    assert decline.data == {"participant": "unit:2", "choice": "refuse",
                            "reason": "figures are wrong"}  # fmt: skip


def test_once_only_and_members_only(engine: Engine, session: Session) -> None:
    iid = _signing(engine, session)
    engine.fire(session, iid, "sign", head(2))
    session.commit()
    before = snapshot(session)
    for actor, trigger, error in [
        (head(2), "sign", AlreadyActed),
        (head(2), "decline", AlreadyActed),
        (STRANGER, "sign", NotAllowed),
    ]:
        with pytest.raises(error):
            engine.fire(session, iid, trigger, actor, {"reason": "x"})
        session.rollback()
        assert snapshot(session) == before
    with pytest.raises(StaleVersion):
        engine.fire(session, iid, "sign", head(3), expected_version=1)
    session.rollback()
    assert snapshot(session) == before
    assert engine.available(session, iid, head(2)) == []
    assert engine.available(session, iid, head(3)) == ["sign", "decline", "abstain"]


def test_acting_after_the_step_ended_is_wrong_state(engine: Engine, session: Session) -> None:
    iid = _signing(engine, session, members=[2])
    assert engine.fire(session, iid, "sign", head(2)).completed == ("all_signed",)
    with pytest.raises(WrongState):
        engine.fire(session, iid, "sign", head(2))


def test_sequential__each_waits_for_the_one_before(journal: Journal, session: Session) -> None:
    engine = _engine(journal, Completion(kind="all"), order="sequential")
    iid = _signing(engine, session)
    before = snapshot(session)
    with pytest.raises(NotAllowed, match="not your turn"):
        engine.fire(session, iid, "sign", head(2))
    session.rollback()
    assert snapshot(session) == before
    assert [t.trigger for t in engine.inbox(session, head(2))] == []
    engine.fire(session, iid, "sign", head(1))
    assert {t.trigger for t in engine.inbox(session, head(2))} == {"sign", "decline", "abstain"}
    assert engine.inbox(session, head(3)) == []


def test_secret__events_tell_who_took_part_not_how(journal: Journal, session: Session) -> None:
    engine = _engine(journal, TWO_THIRDS, secret=True, require_refuse=())
    iid = _signing(engine, session)
    engine.fire(session, iid, "decline", head(1))
    events = engine.history(session, iid)
    assert (events[-1].trigger, events[-1].data) == ("participate", {"participant": "unit:1"})


def _rows(session: Session, sql: str, **params: object) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(sa.text(sql), params).all()]


def _receipt(fired: FireResult) -> str:
    """Return the receipt a secret ballot gives its voter (failing if there is none)."""
    assert fired.receipt is not None, f"no receipt for {fired.trigger}"
    return fired.receipt


def test_secret__the_choice_is_a_ballot_apart_from_the_voter(
    journal: Journal, session: Session
) -> None:
    engine = _engine(journal, Completion(kind="manual"), secret=True, require_refuse=())
    iid = _signing(engine, session)
    receipts = [
        _receipt(engine.fire(session, iid, trigger, head(unit)))
        for trigger, unit in (("abstain", 3), ("sign", 1), ("decline", 2))
    ]
    session.commit()
    seats = _rows(session, "select key, choice, actor_user_id from wf_participant "
                  "where instance_id = :i order by key", i=iid)  # fmt: skip
    assert seats == [(f"unit:{n}", "cast", head(n).user_id) for n in (1, 2, 3)]
    # the ballot table holds the choice and what it belongs to, nothing of who or when
    columns = [c["name"] for c in sa.inspect(session.get_bind()).get_columns("wf_ballot")]
    assert sorted(columns) == ["choice", "id", "instance_id", "paper", "round"]
    ballots = _rows(session, "select id, choice from wf_ballot where instance_id = :i", i=iid)
    assert sorted(c for _, c in ballots) == ["abstain", "act", "refuse"]
    assert sorted(receipts) == sorted(i for i, _ in ballots)
    # stored in the order of their random ids, not in the order they were cast
    assert [i for i, _ in ballots] == sorted(i for i, _ in ballots)
    if session.get_bind().dialect.name == "postgresql":
        physical = _rows(session, "select id, xmin::text from wf_ballot where instance_id = :i "
                         "order by ctid", i=iid)  # fmt: skip
        assert [i for i, _ in physical] == sorted(i for i, _ in physical)
        assert len({x for _, x in physical}) == 1  # one transaction id for the whole round
    (entry,) = _rows(session, "select entry from wf_instance where id = :i", i=iid)[0]
    assert sorted(engine.ballots(session, iid, int(entry))) == ["abstain", "act", "refuse"]


def test_secret__a_ballot_paper_goes_with_the_ballot_never_with_the_voter(
    journal: Journal, session: Session
) -> None:
    """A choice per name rides on the ballot; a paper that is not one is refused, unrecorded."""
    engine = _engine(journal, Completion(kind="manual"), secret=True, require_refuse=())
    iid = _signing(engine, session)
    for bad in ({"12": "maybe"}, {}, ["act"], {"x" * 41: "act"}):
        with pytest.raises(GuardFailed, match="ballot paper"):
            engine.fire(session, iid, "sign", head(1), {"paper": bad})
        session.rollback()
    paper = {"12": "act", "13": "refuse", "14": "abstain"}
    receipt = engine.fire(session, iid, "sign", head(1), {"paper": paper, "note": "ok"}).receipt
    session.commit()
    seats = _rows(session, "select choice, data from wf_participant where instance_id = :i "
                  "and key = 'unit:1'", i=iid)  # fmt: skip
    assert seats[0][0] == "cast" and "paper" not in str(seats[0][1]) and "ok" in str(seats[0][1])
    query = sa.select(WfBallot).where(col(WfBallot.instance_id) == iid)
    stored = session.execute(query).scalars().all()
    assert [(b.id, b.choice, b.paper) for b in stored] == [(receipt, "act", paper)]
    assert all("13" not in str(e.data) for e in engine.history(session, iid))


def test_secret__the_outcome_is_counted_from_the_ballots(
    journal: Journal, session: Session
) -> None:
    engine = _engine(journal, TWO_THIRDS, secret=True, require_refuse=())
    iid = _signing(engine, session)
    assert engine.fire(session, iid, "sign", head(1)).completed == ()
    assert engine.fire(session, iid, "sign", head(3)).completed == ("all_signed",)
    with pytest.raises(WrongState):
        engine.fire(session, iid, "sign", head(2))


def test_secret__a_voter_takes_part_once(journal: Journal, session: Session) -> None:
    engine = _engine(journal, Completion(kind="manual"), secret=True, require_refuse=())
    iid = _signing(engine, session)
    engine.fire(session, iid, "sign", head(1))
    with pytest.raises(AlreadyActed):
        engine.fire(session, iid, "decline", head(1))
    (entry,) = _rows(session, "select entry from wf_instance where id = :i", i=iid)[0]
    assert engine.ballots(session, iid, int(entry)) == ["act"]


@pytest.mark.parametrize(
    ("complete", "acts", "expected"),
    [
        (TWO_THIRDS, [("sign", 1), ("sign", 2)], ("all_signed",)),
        (TWO_THIRDS, [("decline", 1), ("decline", 2)], ("declined",)),
        (Completion(kind="any"), [("sign", 3)], ("all_signed",)),
        (Completion(kind="any"), [("decline", 1), ("abstain", 2)], ()),
        (Completion(kind="all"), [("abstain", 1)], ("declined",)),
        (Completion(kind="at_least", count=1, quorum=Fraction(2, 3)), [("sign", 1)], ()),
        (Completion(kind="at_least", count=1, quorum=Fraction(2, 3)),
         [("sign", 1), ("abstain", 2)], ("all_signed",)),
        # manual: the engine collects every answer and never decides; a transition does
        (Completion(kind="manual"), [("sign", 1), ("sign", 2), ("sign", 3)], ()),
        (Completion(kind="manual"), [("decline", 1), ("decline", 2), ("abstain", 3)], ()),
    ],
)  # fmt: skip
def test_completion_rules_through_the_engine(
    journal: Journal,
    session: Session,
    complete: Completion,
    acts: list[tuple[str, int]],
    expected: tuple[str, ...],
) -> None:
    engine = _engine(journal, complete)
    iid = _signing(engine, session)
    completed: tuple[str, ...] = ()
    for trigger, unit in acts:
        completed += engine.fire(session, iid, trigger, head(unit), {"reason": "r"}).completed
    assert completed == expected


@pytest.mark.parametrize(
    ("complete", "choices", "outcome"),
    [
        (Completion(kind="all"), [], "complete"),
        (Completion(kind="all"), ["act", None], None),
        (Completion(kind="all"), ["act", "refuse"], "refuse"),
        (Completion(kind="any"), [], "refuse"),
        (Completion(kind="any"), [None, "refuse"], None),
        (Completion(kind="any"), ["refuse", "refuse"], "refuse"),
        (Completion(kind="at_least", count=2), ["act", "act", None], "complete"),
        (Completion(kind="at_least", count=2), ["refuse", "refuse", None], "refuse"),
        (Completion(kind="at_least", fraction=Fraction(9, 10)), ["act"] * 9 + [None], "complete"),
        (Completion(kind="at_least", fraction=Fraction(9, 10)), ["act"] * 8 + [None] * 2, None),
        (Completion(kind="at_least", fraction=Fraction(9, 10), of="present"),
         ["act"] * 8 + ["abstain", "refuse"], "refuse"),
        (Completion(kind="at_least", fraction=Fraction(9, 10), of="present"),
         ["act"] * 8 + ["abstain", None], None),
        (Completion(kind="at_least", count=1, quorum=Fraction(1, 2)), ["act", None, None], None),
        (Completion(kind="manual"), ["act", "act"], None),
        (Completion(kind="manual"), ["refuse", "refuse"], None),
        (Completion(kind="manual"), [], None),
    ],
)  # fmt: skip
def test_decide(complete: Completion, choices: list[str | None], outcome: str | None) -> None:
    assert decide(complete, choices) == outcome


def test_no_participants__all_completes_on_entry(engine: Engine, session: Session) -> None:
    data = {"title": "Pact", "members": []}
    iid = engine.start(session, "pact", Scope("pact", 9, unit_id=1, block_id=3, data=data),
                       head(1))  # fmt: skip
    engine.fire(session, iid, "submit", head(1))
    result = engine.fire(session, iid, "open_signing", LEADER)
    assert (result.dest, result.completed, result.state) == ("signing", ("all_signed",),
                                                             "in_force")  # fmt: skip


def test_scope_is_used(engine: Engine, session: Session) -> None:
    iid = engine.start(session, "pact", SCOPE, head(1))
    assert engine.available(session, iid, head(2)) == []


def test_stages__a_later_stage_opens_when_the_earlier_one_has_answered(
    engine: Engine, session: Session
) -> None:
    data = {"title": "Pact", "members": [1, 2, 3], "last": 1}
    iid = engine.start(session, "pact", Scope("pact", 1, unit_id=1, block_id=3, data=data),
                       head(1))  # fmt: skip
    engine.fire(session, iid, "submit", head(1))
    engine.fire(session, iid, "open_signing", LEADER)
    session.commit()
    assert "sign" not in engine.available(session, iid, head(1))
    assert not [t for t in engine.inbox(session, head(1)) if t.trigger == "sign"]
    before = snapshot(session)
    with pytest.raises(NotAllowed):
        engine.fire(session, iid, "sign", head(1))
    session.rollback()
    assert snapshot(session) == before
    engine.fire(session, iid, "sign", head(2))
    engine.fire(session, iid, "sign", head(3))
    session.commit()
    assert "sign" in engine.available(session, iid, head(1))
    assert [t.trigger for t in engine.inbox(session, head(1)) if t.trigger == "sign"] == ["sign"]
    last = engine.fire(session, iid, "sign", head(1))
    assert last.completed == ("all_signed",)


def test_secret__the_audit_counts_ballots_against_the_chain(
    journal: Journal, session: Session
) -> None:
    engine = _engine(journal, Completion(kind="manual"), secret=True, require_refuse=())
    iid = _signing(engine, session)
    kept = engine.fire(session, iid, "sign", head(1)).receipt
    engine.fire(session, iid, "decline", head(2))
    session.commit()
    assert engine.verify_instances(session) == []
    session.execute(sa.text("delete from wf_ballot where id <> :k"), {"k": kept})
    session.commit()
    (found,) = engine.verify_instances(session)
    assert isinstance(found, Drift)
    assert (found.instance_id, found.field, found.expected, found.found) == (
        iid,
        "ballots",
        "2",
        "1",
    )
