"""Benchmark a nomination dossier of many nominees: time per nominee at 50 and at 500.

Usage: python bench/dossier.py [SMALL LARGE]   (default: 50 500)

A fresh SQLite database gets the demo province up to last year's reviews (units, plans,
pacts, reviews: what a nomination needs); the political block's leading unit proposes two
dossiers through the block vote (as `wflow init --demo` does), one per size. For each size
N, N people with generated Vietnamese names join the proposing unit, then, through the
service functions the pages call:

- import: `nominees.import_nominees` of an XLSX built in memory (a row per person, by name
  and unit as the committee's files name them; best of 3, each replacing the list);
- council vote: the dossier submitted (forms signed), referred to a council session, every
  council member's ballot paper with a choice per name (`cast_vote(paper=…)`) and the close
  that counts each name by its award's rule (`close_vote`); once, as ballots are cast once;
- decision: `decisions.render_draft` of the session's decision, a line per awarded name
  (best of 3);
- certificates: the nominees' batch as `sign_decision` makes it (`certificate_pages`,
  `render_certificates` with the signature block, signed for the council, stored by
  `issue_signed`; a page per nominee; best of 3, each rolled back);
- then the chair signs the decision (`sign_decision`: the decision, the unit's certificate
  and the batch, each rendered and signed, every nomination decided), once, for information.

The sizes take turns at every repeated step after the import (a slow moment of the shared
machine hits both alike); the best of each is kept, wall clock and this process's CPU time.
Each list is imported before the next size's people are added, as the people registry
grows with the lists in a province. Every step grows with the list: a ballot paper names
every nominee and the decision's annex has a line per awarded name.

Rows: each step's wall-clock time per nominee at LARGE against SMALL (ratio
per-nominee(LARGE) / per-nominee(SMALL)); target <= 1.2x for every step and the total;
the total's CPU time and sign_decision for information. Prints its own report; exits 0
either way.
"""

from __future__ import annotations

import functools
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

    from wflow.awards.models import Award, CouncilSession, Nomination
    from wflow.engine import Engine
    from wflow.org.models import Block, User

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZES = (50, 500)
REPEATS = 3
TARGET = 1.2
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lương", "Mai")  # fmt: skip
MIDDLE = {"male": ("Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công", "Xuân"),
          "female": ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bích", "Diệu")}  # fmt: skip
GIVEN = {"male": ("An", "Bình", "Cường", "Dũng", "Hùng", "Khoa", "Long", "Nam", "Phong",
                  "Quân", "Sơn", "Tùng", "Tuấn", "Việt", "Hải", "Trung", "Đạt", "Khánh"),
         "female": ("Anh", "Chi", "Dung", "Hà", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
                    "Nhung", "Phương", "Thảo", "Trang", "Yến", "Hạnh", "Huyền", "Vân")}  # fmt: skip
POSITIONS = ("Chuyên viên", "Cán bộ", "Phó Trưởng phòng", "Trưởng phòng", "Đoàn viên",
             "Kế toán viên", "Kỹ sư")  # fmt: skip
DEEDS = ("Hoàn thành xuất sắc nhiệm vụ năm {year}; chủ trì {k} sáng kiến được công nhận cấp cơ "
         "sở, tham gia tích cực phong trào thi đua yêu nước và công tác xã hội tại địa phương.",
         "Dẫn đầu {k} đợt thi đua cao điểm năm {year}; tổ chức tốt công tác tuyên truyền, vận "
         "động đoàn viên, hội viên thực hiện các chỉ tiêu giao ước thi đua của khối.")  # fmt: skip


def vietnamese_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Return `count` distinct full names, each with its sex (family, middle, given names)."""
    seen: dict[str, str] = {}
    while len(seen) < count:
        sex = rng.choice(("male", "female"))
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        seen.setdefault(name, sex)
    return list(seen.items())


def nominee_xlsx(rows: list[tuple[str, str, str]], award: str) -> bytes:
    """Return an XLSX nominee list, as the committee's template lays it out."""
    from openpyxl import Workbook

    from wflow.awards.nominees import HEADERS

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["STT", HEADERS["kind"], HEADERS["name"], HEADERS["unit"], HEADERS["award"],
                  HEADERS["achievement"]])  # fmt: skip
    for i, (name, unit, deed) in enumerate(rows, start=1):
        sheet.append([i, "Cá nhân", name, unit, award, deed])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Timing:
    """The shortest wall-clock and CPU (this process) times of a few runs, in seconds."""

    wall: float
    cpu: float


def interleaved(fns: list[Callable[[], object]], runs: int = REPEATS) -> list[Timing]:
    """Time each of `fns` `runs` times, taking turns (a slow moment of the shared machine hits
    every size alike); return the best of each."""
    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            cpus[i].append(time.process_time() - cpu)
            walls[i].append(time.perf_counter() - wall)
    return [Timing(min(w), min(c)) for w, c in zip(walls, cpus, strict=True)]


def once(fn: Callable[[], object]) -> Timing:
    """Return the time `fn` takes, run once."""
    return interleaved([fn], 1)[0]


@dataclass
class Run:
    """The timings of one dossier of `size` nominees."""

    size: int
    steps: dict[str, Timing] = field(default_factory=dict)
    signing: Timing = Timing(0.0, 0.0)  # sign_decision, for information

    def per_nominee(self, step: str) -> float:
        """Return the wall-clock time of `step` per nominee, in milliseconds."""
        return self.steps[step].wall / self.size * 1000

    def total(self, cpu: bool = False) -> float:
        """Return the four steps' time (wall clock, or CPU)."""
        return sum(t.cpu if cpu else t.wall for t in self.steps.values())


STEPS = {  # step: (what the row says, whether its work grows with the list: the target applies)
    "import": ("import of the XLSX list", True),
    "vote": ("council vote: N-name papers and the tally", True),
    "decision": ("decision PDF (draft), a line per name", True),
    "certificates": ("certificate batch, rendered and signed", True),
}


@dataclass
class World:
    """The seeded province: the political block's leading head, the council, the secretariat."""

    session: Session
    engine: Engine
    year: int  # last year: the results the dossiers are about
    block: Block
    leader: User
    heads: list[User]
    secretariat: User
    admin: User
    council: list[User]
    chair: User
    awards: dict[str, Award]
    units: list[int]  # units of the block that may be proposed, the leading one first
    rng: random.Random = field(default_factory=lambda: random.Random(14))


def seed(session: Session, engine: Engine, year: int) -> World:
    """Build the demo province up to last year's reviews; name the chair of the council."""
    from sqlmodel import select

    from wflow.awards import catalogue
    from wflow.awards import nominations as noms
    from wflow.awards.documents import leader_unit
    from wflow.awards.models import Nomination
    from wflow.core import workflow as wf
    from wflow.demo import org as demo
    from wflow.demo import pacts as pact_demo
    from wflow.demo import plans as plan_demo
    from wflow.demo import reviews as review_demo
    from wflow.demo.org import heads_of, user_by_login
    from wflow.org.models import Block, Role, User
    from wflow.scoreboard.service import year_ranking

    wf.sync_versions(session, engine)
    demo.build_demo(session, year)
    plan_demo.build_plan_demo(session, engine, year)
    pact_demo.build_pact_demo(session, engine, year)
    review_demo.build_review_demo(session, engine, year)
    last = year - 1
    catalogue.ensure_catalogue(session)
    awards = {a.code: a for a in catalogue.catalogue(session)}
    block = session.exec(select(Block).where(Block.code == "KCTXH")).one()
    ranking = year_ranking(session, block.id or 0, last)
    probe = Nomination(block_id=block.id or 0, year=last, unit_id=0, award_id=0)
    leading = leader_unit(session, probe)
    assert leading is not None
    merit = awards["certificate_of_merit"]
    units = [ranking[0].unit_id] + [
        r.unit_id for r in ranking[1:]
        if noms.ineligible(session, merit, r.unit_id, block.id or 0, last, ranking) is None
    ]  # fmt: skip
    members = [u for u in session.exec(select(User)).all() if Role.COUNCIL_MEMBER.value in u.roles]
    world = World(
        session, engine, last, block, leader=heads_of(session, [leading.id or 0])[0],
        heads=heads_of(session, [r.unit_id for r in ranking]),
        secretariat=user_by_login(session, "secretariat"), admin=user_by_login(session, "admin"),
        council=sorted(members, key=lambda u: u.login), chair=user_by_login(session, "council1"),
        awards=awards, units=units,
    )  # fmt: skip
    catalogue.set_council_chair(session, world.admin, world.chair.id)
    return world


def proposed(world: World, k: int) -> Nomination:
    """Return the k-th dossier: proposed by the block's leader, voted by the block."""
    from wflow.awards import nominations as noms
    from wflow.core import subjects

    s, engine = world.session, world.engine
    award = world.awards["emulation_flag" if k == 0 else "certificate_of_merit"]
    nomination = noms.propose(s, engine, user=world.leader, block_id=world.block.id or 0,
                              year=world.year, unit_id=world.units[k],
                              award_id=award.id or 0)  # fmt: skip
    subjects.fire(s, engine, user=world.leader, subject=nomination, trigger="open_block_vote")
    for head in world.heads:
        noms.cast_vote(s, engine, user=head, nomination=nomination, choice="yes")
    noms.close_vote(s, engine, user=world.leader, nomination=nomination)
    return nomination


def nominee_file(world: World, unit_id: int, size: int) -> bytes:
    """Add `size` people to the unit and return their list as the committee would send it."""
    from wflow.org.models import Unit
    from wflow.people import service as people

    s, rng = world.session, world.rng
    unit = s.get(Unit, unit_id)
    assert unit is not None
    listed = []
    for name, sex in vietnamese_names(size, rng):
        people.create_person(s, user=world.admin, unit_id=unit_id, full_name=name,
                             position=rng.choice(POSITIONS), sex=sex,
                             birth_year=rng.randint(1965, 2000),
                             since=date(2015, 1, 1))  # fmt: skip
        listed.append((name, unit.name, rng.choice(DEEDS).format(year=world.year,
                                                                 k=rng.randint(1, 4))))  # fmt: skip
    s.commit()
    return nominee_xlsx(listed, world.awards["person_certificate_of_merit"].name)


def to_council(world: World, nomination: Nomination, size: int) -> CouncilSession:
    """Submit the dossier (its forms signed), review it and refer it to a council session."""
    from wflow.awards import decisions
    from wflow.awards import nominations as noms
    from wflow.clock import utcnow
    from wflow.core import subjects
    from wflow.demo.org import DEMO_PASSWORD

    s, engine, sec = world.session, world.engine, world.secretariat
    noms.submit_dossier(s, engine, user=world.leader, nomination=nomination,
                        password=DEMO_PASSWORD)  # fmt: skip
    subjects.fire(s, engine, user=sec, subject=nomination, trigger="start_review")
    held = decisions.create_session(
        s, user=sec, year=world.year, held_on=utcnow().date() - timedelta(days=3),
        title=f"Phiên họp xét khen thưởng năm {world.year} ({size} người được đề nghị)",
    )  # fmt: skip
    subjects.fire(s, engine, user=sec, subject=nomination, trigger="refer_to_council",
                  data={"session_id": str(held.id)})  # fmt: skip
    return held


class Dossier:
    """One dossier of `size` nominees on its way: each step a method, timed by the caller."""

    def __init__(self, world: World, k: int, size: int) -> None:
        self.world, self.size, self.run = world, size, Run(size)
        self.nomination = proposed(world, k)
        self.number = f"{100 + k}/QĐ-HĐTĐKT"
        self.data = nominee_file(world, world.units[k], size)

    def import_list(self) -> None:
        """Import the nominee list (replacing the one imported before)."""
        from wflow.awards import nominees

        w = self.world
        imported = nominees.import_nominees(w.session, user=w.leader, nomination=self.nomination,
                                            data=self.data, filename="danh-sach.xlsx")  # fmt: skip
        assert imported == self.size

    def council_vote(self) -> None:
        """Refer the dossier to a council session (untimed), then vote and close: the tally."""
        from wflow.awards import nominations as noms
        from wflow.awards import rules

        w, n = self.world, self.nomination
        paper = {r.id or 0: "yes" for r in rules.listed(w.session, n)}  # one paper, every name
        for member in w.council:
            noms.cast_vote(w.session, w.engine, user=member, nomination=n, paper=paper)
        noms.close_vote(w.session, w.engine, user=w.secretariat, nomination=n)

    def prepare_decision(self, held: CouncilSession) -> None:
        """Submit the session's decision for the chair's signature."""
        from wflow.awards import decisions
        from wflow.awards.signatories import signatory_of

        w = self.world
        w.session.refresh(self.nomination)
        assert (self.nomination.council_tally or {}).get("yes") == len(w.council)
        self.decision = decisions.submit_decision(
            w.session, w.engine, user=w.secretariat, council_session=held, number=self.number,
            issued_on=held.held_on,
        )  # fmt: skip
        signatory = signatory_of(w.session, w.chair)
        assert signatory is not None
        self.signatory = signatory

    def draft(self) -> None:
        """Render the decision as the chair reads it before signing."""
        from wflow.awards import decisions

        decisions.render_draft(self.world.session, self.decision, self.signatory)

    def certificates(self) -> None:
        """Make the nominees' certificate batch as sign_decision does, then drop it."""
        from wflow.awards import decisions, nominees
        from wflow.awards import documents as docs

        s, n, signatory = self.world.session, self.nomination, self.signatory
        council = decisions.council_unit(s)
        pages = nominees.certificate_pages(s, n, self.decision)
        assert len(pages) == self.size
        decisions.issue_signed(
            s, signatory, council,
            lambda footer: docs.render_certificates(council, pages, signatory, footer),
            reason=f"Giấy chứng nhận khen thưởng cá nhân theo Quyết định số {self.number}",
            kind=docs.NOMINEES_KIND, nomination_id=n.id,
        )  # fmt: skip
        s.rollback()  # the bench's batch is not kept: sign_decision makes the real one

    def sign(self) -> None:
        """Sign the decision as the council's chair: every document signed, the dossier decided."""
        from wflow.awards import decisions
        from wflow.awards import documents as docs
        from wflow.demo.org import DEMO_PASSWORD

        w = self.world
        decisions.sign_decision(w.session, w.engine, user=w.chair, decision=self.decision,
                                password=DEMO_PASSWORD)  # fmt: skip
        signed = docs.certificate_of(w.session, self.nomination.id or 0, docs.NOMINEES_KIND)
        assert signed is not None


def timed(dossiers: list[Dossier], step: str, method: Callable[[Dossier], object]) -> None:
    """Time `method` on every dossier, taking turns, and keep each dossier's best as `step`."""
    fns: list[Callable[[], object]] = [functools.partial(method, d) for d in dossiers]
    for d, timing in zip(dossiers, interleaved(fns), strict=True):
        d.run.steps[step] = timing


def scenario(world: World, sizes: tuple[int, ...]) -> list[Run]:
    """Take a dossier of each size through every step, the sizes side by side."""
    dossiers = []
    for k, size in enumerate(sizes):
        # imported before the next size's people exist: the registry grows with the lists, so
        # a check that reads every person for every row shows here as a ratio, not hidden
        d = Dossier(world, k, size)
        timed([d], "import", Dossier.import_list)
        dossiers.append(d)
    for d in dossiers:
        held = to_council(world, d.nomination, d.size)
        d.run.steps["vote"] = once(d.council_vote)
        d.prepare_decision(held)
    timed(dossiers, "decision", Dossier.draft)
    timed(dossiers, "certificates", Dossier.certificates)
    for d in dossiers:
        d.run.signing = once(d.sign)
        print(f"  {d.size} nominees ({len(world.council)} council ballots): "
              + ", ".join(f"{key} {t.wall:.2f} s" for key, t in d.run.steps.items())
              + f"; sign_decision {d.run.signing.wall:.2f} s", flush=True)  # fmt: skip
    return [d.run for d in dossiers]


def main() -> None:
    """Seed the demo province, then time a dossier of each size through every step."""
    sizes = tuple(int(a) for a in sys.argv[1:3]) if len(sys.argv) >= 3 else SIZES
    tmp = tempfile.mkdtemp(prefix="wflow-bench-")
    os.environ["WFLOW_INSTANCE_PATH"] = tmp
    from wflow import create_app
    from wflow import db as database
    from wflow.core.access import current_year
    from wflow.workflow_setup import engine

    url = f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})  # fmt: skip
    database.upgrade(url)
    started = time.perf_counter()
    with app.test_request_context():
        world = seed(database.session(), engine(), current_year())
        seeded = time.perf_counter() - started
        assert len(world.units) >= len(sizes), "the demo block has too few eligible units"
        runs = scenario(world, sizes)
    report(runs, seeded, time.perf_counter() - started)


def report(runs: list[Run], seeded: float, elapsed: float) -> None:
    """Print the per-nominee table and write the rows of bench/results/dossier.json."""
    from bench.table import row, write_results

    small, large = runs[0], runs[-1]
    load = os.getloadavg()
    print(f"wflow dossier bench, {small.size} and {large.size} nominees, best of {REPEATS}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}")  # fmt: skip
    print(f"{'step':<46}{'N=' + str(small.size):>9}{'N=' + str(large.size):>9}"
          f"{'ms/nominee':>12}{'ms/nominee':>12}{'ratio':>7}{'cpu ratio':>10}  result")  # fmt: skip
    rows: list[dict[str, Any]] = []

    def line(label: str, a: Timing, b: Timing, grows: bool | None) -> tuple[float, float]:
        per_a, per_b = a.wall / small.size * 1000, b.wall / large.size * 1000
        cpu = (b.cpu / large.size) / (a.cpu / small.size) if a.cpu else 0.0
        verdict = _word(per_b / per_a <= TARGET) if grows else "" if grows is False else "(info)"
        print(f"{label:<46}{a.wall:>8.2f}s{b.wall:>8.2f}s{per_a:>12.2f}{per_b:>12.2f}"
              f"{per_b / per_a:>6.2f}x{cpu:>9.2f}x  {verdict}")  # fmt: skip
        return per_a, per_b

    for key, (label, grows) in STEPS.items():
        a, b = line(label, small.steps[key], large.steps[key], grows)
        name = f"{label}, ms per nominee at {large.size} vs {small.size}"
        if not grows:
            name += " (once per dossier)"
        rows.append(row(name, b, "ms", baseline=a, target=f"<= {TARGET:.1f}x" if grows else None,
                        passed=b / a <= TARGET if grows else None))  # fmt: skip
    total = {r.size: Timing(r.total(), r.total(cpu=True)) for r in (small, large)}
    a, b = line("total of the four steps", total[small.size], total[large.size], True)
    rows.append(row(f"total per nominee at {large.size} vs {small.size}", b, "ms", baseline=a,
                    target=f"<= {TARGET:.1f}x", passed=b / a <= TARGET))  # fmt: skip
    a_cpu = total[small.size].cpu / small.size * 1000
    b_cpu = total[large.size].cpu / large.size * 1000
    rows.append(row(f"total CPU time (this process) per nominee at {large.size} vs "
                    f"{small.size}: what other load on the machine moves least", b_cpu, "ms",
                    baseline=a_cpu))  # fmt: skip
    a, b = line("sign_decision (decision + certificates)", small.signing, large.signing, None)
    rows.append(row(f"sign_decision (decision, certificate, batch of {large.size}), ms per "
                    f"nominee vs {small.size}", b, "ms", baseline=a))  # fmt: skip
    print(f"seeding {seeded:.1f} s; whole bench {elapsed:.1f} s")
    notes = [
        f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
        f"{os.cpu_count()} cores (shared: wall-clock ratios are noisy)"
    ]
    write_results("dossier", rows, notes)


def _word(passed: bool | None) -> str:
    return {True: "PASS", False: "MISS"}.get(passed, "") if passed is not None else ""


if __name__ == "__main__":
    main()
    sys.exit(0)
