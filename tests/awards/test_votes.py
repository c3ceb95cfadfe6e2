"""The vote arithmetic at every boundary: exact shares, quorum, base of all or of voters."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wflow.awards.votes import BadShare, Tally, VoteRule, decide_tally, share, vote_passes

TWO_THIRDS_PRESENT = VoteRule(Fraction(2, 3), "present", Fraction(2, 3))
NINETY_ALL = VoteRule(Fraction(9, 10), "all", Fraction(2, 3))
NINETY_PRESENT = VoteRule(Fraction(9, 10), "present", Fraction(2, 3))


@pytest.mark.parametrize(
    ("text", "value"),
    [("2/3", Fraction(2, 3)), ("90%", Fraction(9, 10)), (" 1 / 2 ", Fraction(1, 2)),
     ("66,5%", Fraction(133, 200)), ("100%", Fraction(1)), ("3/3", Fraction(1))],
)  # fmt: skip
def test_share__reads_fractions_and_percentages_exactly(text: str, value: Fraction) -> None:
    assert share(text) == value


@pytest.mark.parametrize("text", ["", "0/3", "4/3", "0%", "101%", "1/0", "two thirds", "-1/2"])
def test_share__refuses_what_is_not_a_share(text: str) -> None:
    with pytest.raises(BadShare):
        share(text)


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "passed"),
    [(6, 3, 0, True),  # exactly 2/3 of 9 voters passes
     (5, 4, 0, False),  # one vote less fails
     (6, 2, 1, True),  # an abstention is present and counts in the base
     (5, 2, 2, False)],
)  # fmt: skip
def test_two_thirds_of_voters__exact_boundary(
    yes: int, no: int, abstain: int, passed: bool
) -> None:
    present = yes + no + abstain
    assert vote_passes(TWO_THIRDS_PRESENT, yes, no, abstain, present, 9).passed is passed


def test_quorum__exactly_two_thirds_present_counts_just_below_does_not() -> None:
    # 9 members: 6 present is exactly 2/3 (quorum met), 5 is not, however they vote
    assert vote_passes(TWO_THIRDS_PRESENT, 6, 0, 0, 6, 9).quorum_met
    below = vote_passes(TWO_THIRDS_PRESENT, 5, 0, 0, 5, 9)
    assert not below.quorum_met and not below.passed and below.present_needed == 6


def test_ninety_percent_of_all_members_vs_of_those_present() -> None:
    # 10 members, 8 present, all 8 vote yes: 100 % of those present, 80 % of all members
    assert vote_passes(NINETY_PRESENT, 8, 0, 0, 8, 10).passed
    assert not vote_passes(NINETY_ALL, 8, 0, 0, 8, 10).passed
    # 9 yes of 10 members is exactly 90 % of all: passes; 8 yes of 9 present is below 90 %
    assert vote_passes(NINETY_ALL, 9, 1, 0, 10, 10).passed
    assert not vote_passes(NINETY_PRESENT, 8, 1, 0, 9, 10).passed
    assert vote_passes(NINETY_ALL, 9, 1, 0, 10, 10).yes_needed == 9


def test_written_ballots_count_for_the_threshold_not_the_quorum() -> None:
    # 10 council members: 7 present (quorum 2/3 met: 7 >= 6.67), 2 written yes -> 9 yes of all
    assert decide_tally(NINETY_ALL, Tally(yes=9, no=0, abstain=0, members=10, written=2)).passed
    # 6 present and 4 written: 10 yes, but only 6 present (< 7 needed): no quorum
    verdict = decide_tally(NINETY_ALL, Tally(yes=10, no=0, abstain=0, members=10, written=4))
    assert not verdict.quorum_met and not verdict.passed and verdict.present_needed == 7


def test_nobody_voted_never_passes() -> None:
    assert not vote_passes(VoteRule(Fraction(1, 2), "present"), 0, 0, 0, 0, 5).passed
    assert not vote_passes(VoteRule(Fraction(1, 2), "all"), 0, 0, 0, 0, 0).passed


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        vote_passes(NINETY_ALL, 5, 5, 1, 11, 10)
    with pytest.raises(ValueError):
        vote_passes(NINETY_ALL, 1, 0, 0, 2, 10)


def test_stricter__raises_threshold_and_quorum_to_the_block_rules() -> None:
    award = VoteRule(Fraction(1, 2), "present", Fraction(1, 2))
    assert award.stricter(Fraction(2, 3), None) == VoteRule(Fraction(2, 3), "present",
                                                            Fraction(1, 2))  # fmt: skip
    assert award.stricter(Fraction(1, 3), Fraction(3, 4)).threshold == Fraction(1, 2)
    assert VoteRule.from_json(NINETY_ALL.to_json()) == NINETY_ALL


@given(
    members=st.integers(1, 40),
    num=st.integers(1, 20),
    den=st.integers(1, 20),
    data=st.data(),
)
def test_passes_exactly_when_yes_reaches_the_ceiling_of_the_share(
    members: int, num: int, den: int, data: st.DataObject
) -> None:
    if num > den:
        num, den = den, num
    rule = VoteRule(Fraction(num, den), "all")
    yes = data.draw(st.integers(0, members))
    verdict = vote_passes(rule, yes, members - yes, 0, members, members)
    assert verdict.passed == (yes * den >= num * members)
    assert verdict.passed == (yes >= verdict.yes_needed)
