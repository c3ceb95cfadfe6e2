"""The arithmetic of a vote: one pure function decides whether a ballot passes its rule.

A rule is a threshold (a share written "2/3" or "90%") of a base — all members, or those who
voted (`of: present`) — and an optional quorum: the share of all members who must be present.
Shares are exact `Fraction`s: 2/3 of 9 is 6, and 6 of 9 passes while 5 of 9 does not.

Presence counts the members who voted in person (yes, no or abstain). A written ballot of an
absent council member counts toward the threshold (and toward the base "of those who voted")
but not toward presence (DOMAIN.md: absent members vote in writing; the quorum counts who
attends). An abstention is present and is neither yes nor no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

Base = Literal["all", "present"]
# Bounded digits: a share is a few digits, and int() of thousands of them raises ValueError.
_SHARE = re.compile(
    r"^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*$|^\s*([0-9]{1,3}(?:[.,][0-9]{1,4})?)\s*%\s*$"
)


class BadShare(ValueError):
    """A share is not written "n/d" or "p%", or is not in (0, 1]."""


def share(text: str) -> Fraction:
    """Return the exact share written "2/3" or "90%" (in (0, 1]); raise BadShare if not."""
    found = _SHARE.match(str(text or ""))
    if not found:
        raise BadShare(f"write a share as 2/3 or 90%, not {text!r}")
    if found.group(1):
        den = int(found.group(2))
        if den == 0:
            raise BadShare("a share's denominator is not 0")
        value = Fraction(int(found.group(1)), den)
    else:
        value = Fraction(found.group(3).replace(",", ".")) / 100
    if not 0 < value <= 1:
        raise BadShare("a share is more than 0 and at most 1 (100%)")
    return value


def show(value: Fraction) -> str:
    """Return a share as people write it: "90%" when it is a whole percentage, else "2/3"."""
    percent = value * 100
    return f"{percent.numerator}%" if percent.denominator == 1 else f"{value}"


@dataclass(frozen=True)
class VoteRule:
    """What a vote needs: `threshold` of the base (`of`), with a `quorum` of all present."""

    threshold: Fraction
    of: Base = "all"
    quorum: Fraction | None = None
    secret: bool = True

    def to_json(self) -> dict[str, Any]:
        """Return the rule as stored with a nomination (shares as text)."""
        quorum = show(self.quorum) if self.quorum else None
        return {
            "threshold": show(self.threshold),
            "of": self.of,
            "quorum": quorum,
            "secret": self.secret,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> VoteRule:
        """Return a rule stored by `to_json`."""
        quorum = raw.get("quorum")
        return cls(
            threshold=share(str(raw["threshold"])),
            of="present" if raw.get("of") == "present" else "all",
            quorum=share(str(quorum)) if quorum else None,
            secret=bool(raw.get("secret", True)),
        )

    def stricter(self, threshold: Fraction | None, quorum: Fraction | None) -> VoteRule:
        """Return this rule raised to at least `threshold` and `quorum` (None: unchanged)."""
        q = self.quorum
        if quorum is not None:
            q = quorum if q is None else max(q, quorum)
        t = self.threshold if threshold is None else max(self.threshold, threshold)
        return VoteRule(threshold=t, of=self.of, quorum=q, secret=self.secret)


@dataclass(frozen=True)
class Tally:
    """The counted ballots of one vote. `written` are among yes/no/abstain, not present."""

    yes: int
    no: int
    abstain: int
    members: int
    written: int = 0

    @property
    def voted(self) -> int:
        """Return how many ballots were cast (in person or in writing)."""
        return self.yes + self.no + self.abstain

    @property
    def present(self) -> int:
        """Return how many members voted in person."""
        return self.voted - self.written

    def to_json(self) -> dict[str, int]:
        """Return the tally as stored once the vote is closed."""
        return {
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "members": self.members,
            "written": self.written,
            "present": self.present,
        }


@dataclass(frozen=True)
class Verdict:
    """Whether a vote passed, with the figures that explain it."""

    passed: bool
    quorum_met: bool
    present_needed: int  # members who had to be present (0 without a quorum)
    yes_needed: int  # yes votes the threshold needed on this base
    base: int  # the number the threshold is a share of


def _at_least(part: Fraction, whole: int) -> int:
    """Return the smallest whole number that is at least `part` of `whole` (exact)."""
    need = part * whole
    return need.numerator // need.denominator + (need.denominator != 1)


def vote_passes(
    rule: VoteRule, yes: int, no: int, abstain: int, present: int, members: int
) -> Verdict:
    """Decide a vote: quorum first (present of all members), then yes against the threshold.

    `present` is the members who voted in person; yes + no + abstain may be more (written
    ballots). The base of the threshold is `members` (of: all) or yes + no + abstain
    (of: present — those who voted). A vote with nobody to count never passes.
    """
    if min(yes, no, abstain, present, members) < 0 or present > yes + no + abstain:
        raise ValueError("counts are not negative and presence is among the ballots")
    if yes + no + abstain > members:
        raise ValueError("more ballots than members")
    present_needed = _at_least(rule.quorum, members) if rule.quorum is not None else 0
    quorum_met = present >= present_needed and (rule.quorum is None or present > 0)
    base = members if rule.of == "all" else yes + no + abstain
    yes_needed = max(_at_least(rule.threshold, base), 1)
    passed = quorum_met and base > 0 and Fraction(yes, base) >= rule.threshold
    return Verdict(passed, quorum_met, present_needed, yes_needed, base)


def decide_tally(rule: VoteRule, tally: Tally) -> Verdict:
    """Apply `vote_passes` to a counted tally."""
    return vote_passes(rule, tally.yes, tally.no, tally.abstain, tally.present, tally.members)
