"""A campaign's summary: each participant's figures against its registered targets, and totals.

A participant's share of a target is what it achieved over what it registered, in whole
percent rounded half up ("205 % of target"); a target is met when the achieved figure reaches
the registered one, and counts only when the unit registered more than zero for it ("13 of 13
objectives met"). Totals add the registered figures of every registered participant and the
achieved figures of those that reported. The final summary is frozen into the campaign when
it closes (`to_json` / `from_json`), so later changes to units do not rewrite it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlmodel import Session

from wflow.campaigns import service
from wflow.campaigns.models import Campaign, CampaignCheckpoint, FigureKind

HUNDRED = Decimal(100)


def percent(achieved: Decimal | None, registered: Decimal | None) -> int | None:
    """Return achieved over registered in whole percent (half up); None without both."""
    if achieved is None or registered is None or registered <= 0:
        return None
    return int((achieved * HUNDRED / registered).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Target:
    """A target as the summary names it."""

    id: int
    title: str
    measure: str


@dataclass(frozen=True)
class Cell:
    """One participant's figures for one target."""

    registered: Decimal | None
    achieved: Decimal | None

    @property
    def counted(self) -> bool:
        """Tell whether the unit took this target on (registered more than zero)."""
        return self.registered is not None and self.registered > 0

    @property
    def percent(self) -> int | None:
        """Return the share of the registered figure achieved, in percent."""
        return percent(self.achieved, self.registered)

    @property
    def met(self) -> bool:
        """Tell whether the achieved figure reaches the registered one."""
        return (
            self.counted and self.achieved is not None and self.achieved >= (self.registered or 0)
        )


@dataclass(frozen=True)
class Line:
    """One participant: whether it registered and reported, and its figures per target."""

    unit_id: int
    name: str
    code: str
    block_id: int | None
    registered: bool
    reported: bool
    cells: dict[int, Cell]

    @property
    def counted(self) -> int:
        """Return how many targets the unit took on."""
        return sum(c.counted for c in self.cells.values())

    @property
    def met(self) -> int:
        """Return how many of them it met."""
        return sum(c.met for c in self.cells.values())

    @property
    def mean_percent(self) -> int | None:
        """Return the mean share of its targets achieved, in percent (None before a report)."""
        shares = [c.percent for c in self.cells.values() if c.percent is not None]
        if not self.reported or not shares:
            return None
        mean = Decimal(sum(shares)) / len(shares)
        return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Total:
    """One target across the participants."""

    target_id: int
    registered: Decimal
    achieved: Decimal
    units_met: int
    units_counted: int

    @property
    def percent(self) -> int | None:
        """Return the share of the registered total achieved, in percent."""
        return percent(self.achieved, self.registered)


@dataclass(frozen=True)
class Summary:
    """The figures of one report (a checkpoint, or the final one when `checkpoint` is None)."""

    checkpoint: str | None  # the checkpoint's date (ISO), None: the final report
    targets: list[Target]
    lines: list[Line]
    totals: list[Total]
    frozen: bool = False

    @property
    def registered(self) -> int:
        """Return how many participants registered."""
        return sum(line.registered for line in self.lines)

    @property
    def reported(self) -> int:
        """Return how many participants reported."""
        return sum(line.reported for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        """Return the summary as JSON (figures as text, so none is rounded)."""
        return {
            "checkpoint": self.checkpoint,
            "targets": [[t.id, t.title, t.measure] for t in self.targets],
            "lines": [
                {"unit_id": line.unit_id, "name": line.name, "code": line.code,
                 "block_id": line.block_id, "registered": line.registered,
                 "reported": line.reported,
                 "cells": {str(t): [_text(c.registered), _text(c.achieved)]
                           for t, c in line.cells.items()}}
                for line in self.lines
            ],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        """Return a frozen summary from its JSON."""
        tgts = [Target(int(i), str(title), str(m)) for i, title, m in data["targets"]]
        lines = [
            Line(int(d["unit_id"]), str(d["name"]), str(d["code"]), d.get("block_id"),
                 bool(d["registered"]), bool(d["reported"]),
                 {int(t): Cell(_dec(r), _dec(a)) for t, (r, a) in d["cells"].items()})
            for d in data["lines"]
        ]  # fmt: skip
        return cls(data.get("checkpoint"), tgts, lines, totals(tgts, lines), frozen=True)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def totals(tgts: list[Target], lines: list[Line]) -> list[Total]:
    """Return each target's totals across the lines."""
    out = []
    for t in tgts:
        cells = [line.cells[t.id] for line in lines if t.id in line.cells]
        out.append(Total(
            t.id,
            sum((c.registered for c in cells if c.registered is not None), Decimal(0)),
            sum((c.achieved for c in cells if c.achieved is not None), Decimal(0)),
            sum(c.met for c in cells), sum(c.counted for c in cells),
        ))  # fmt: skip
    return out


def build(
    session: Session, campaign: Campaign, checkpoint: CampaignCheckpoint | None = None
) -> Summary:
    """Return the summary of the final report (or of a checkpoint's), frozen once closed."""
    if checkpoint is None and campaign.summary:
        return Summary.from_json(campaign.summary)
    tgts = [Target(t.id or 0, t.title, t.measure) for t in service.targets(session, campaign)]
    point = checkpoint.id if checkpoint is not None else None
    registered = service.figures(session, campaign, FigureKind.REGISTERED)
    achieved = service.figures(session, campaign, FigureKind.ACHIEVED, point)
    reported = service.reported_units(session, campaign, point)
    lines = []
    for row, unit in service.participants(session, campaign):
        uid = unit.id or 0
        is_registered = row.registered_at is not None
        cells = {t.id: Cell(registered.get((uid, t.id)) if is_registered else None,
                            achieved.get((uid, t.id))) for t in tgts}  # fmt: skip
        lines.append(Line(uid, unit.name, unit.code, row.block_id, is_registered,
                          uid in reported, cells))  # fmt: skip
    day = checkpoint.day.isoformat() if checkpoint is not None else None
    return Summary(day, tgts, lines, totals(tgts, lines))


def award_candidates(summary: Summary) -> list[Line]:
    """Return the participants a closing dossier may propose: registered and reported, best first.

    The hook for the awards at a campaign's close (issue 14, point 4): a unit that did not
    register or report is not eligible; the order is objectives met, then the mean share.
    """
    ready = [line for line in summary.lines if line.registered and line.reported]
    return sorted(ready, key=lambda line: (-line.met, -(line.mean_percent or 0), line.name))
