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
  council member's ballot (`cast_vote`) and the close that tallies them (`close_vote`);
  once, as ballots are cast once. The council votes on the dossier, not on each nominee;
- decision: `decisions.render_draft` of the session's decision (best of 3);
- certificates: the nominees' batch as `sign_decision` makes it (`certificate_pages`,
  `render_certificates` with the signature block, signed for the council, stored by
  `issue_signed`; a page per nominee; best of 3, each rolled back);
- then the chair signs the decision (`sign_decision`: the decision, the unit's certificate
  and the batch, each rendered and signed, every nomination decided), once, for information.

Rows: each step's time per nominee at LARGE against SMALL (ratio per-nominee(LARGE) /
per-nominee(SMALL); target <= 1.2x for the steps whose work grows with the list, and for
the total). Prints its own report; exits 0 either way.
"""

from __future__ import annotations

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


def best(fn: Callable[[], object], runs: int = REPEATS) -> float:
    """Return the shortest of `runs` timings of `fn`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def once(fn: Callable[[], object]) -> float:
    """Return the time `fn` takes, run once."""
    return best(fn, 1)


@dataclass
class Run:
    """The timings (seconds) of one dossier of `size` nominees."""

    size: int
    steps: dict[str, float] = field(default_factory=dict)
    signing: float = 0.0  # sign_decision, for information
    pages: int = 0

    def per_nominee(self, step: str) -> float:
        """Return the time of `step` per nominee, in milliseconds."""
        return self.steps[step] / self.size * 1000

    @property
    def total(self) -> float:
        """Return the four steps' time."""
        return sum(self.steps.values())


STEPS = {  # step: (what the row says, whether its work grows with the list: the target applies)
    "import": ("import of the XLSX list", True),
    "vote": ("council vote on the dossier: ballots + tally", False),
    "decision": ("decision PDF (draft)", False),
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
    from wflow.demo.awards import _heads, _user
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
        session, engine, last, block, leader=_heads(session, [leading.id or 0])[0],
        heads=_heads(session, [r.unit_id for r in ranking]),
        secretariat=_user(session, "secretariat"), admin=_user(session, "admin"),
        council=sorted(members, key=lambda u: u.login), chair=_user(session, "council1"),
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


def dossier(world: World, k: int, size: int) -> Run:
    """Take the k-th dossier of `size` nominees through every step, timing each."""
    from wflow.awards import decisions, nominees
    from wflow.awards import documents as docs
    from wflow.awards import nominations as noms
    from wflow.awards.signatories import signatory_of
    from wflow.demo.org import DEMO_PASSWORD

    s, engine, run = world.session, world.engine, Run(size)
    nomination = proposed(world, k)
    data = nominee_file(world, world.units[k], size)

    def import_list() -> None:
        imported = nominees.import_nominees(s, user=world.leader, nomination=nomination,
                                            data=data, filename="danh-sach.xlsx")  # fmt: skip
        assert imported == size

    run.steps["import"] = best(import_list)
    held = to_council(world, nomination, size)

    def council_vote() -> None:
        for member in world.council:
            noms.cast_vote(s, engine, user=member, nomination=nomination, choice="yes")
        noms.close_vote(s, engine, user=world.secretariat, nomination=nomination)

    run.steps["vote"] = once(council_vote)
    s.refresh(nomination)
    assert (nomination.council_tally or {}).get("yes") == len(world.council)
    decision = decisions.submit_decision(
        s, engine, user=world.secretariat, council_session=held,
        number=f"{100 + k}/QĐ-HĐTĐKT", issued_on=held.held_on,
    )  # fmt: skip
    signatory = signatory_of(s, world.chair)
    assert signatory is not None
    run.steps["decision"] = best(lambda: decisions.render_draft(s, decision, signatory))
    council = decisions.council_unit(s)

    def batch() -> None:
        pages = nominees.certificate_pages(s, nomination, decision)
        assert len(pages) == size
        decisions.issue_signed(
            s, signatory, council,
            lambda footer: docs.render_certificates(council, pages, signatory, footer),
            reason=f"Giấy chứng nhận khen thưởng cá nhân theo Quyết định số {decision.number}",
            kind=docs.NOMINEES_KIND, nomination_id=nomination.id,
        )  # fmt: skip
        s.rollback()  # the bench's batch is not kept: sign_decision makes the real one

    run.steps["certificates"] = best(batch)
    run.signing = once(lambda: decisions.sign_decision(s, engine, user=world.chair,
                                                       decision=decision,
                                                       password=DEMO_PASSWORD))  # fmt: skip
    assert docs.certificate_of(s, nomination.id or 0, docs.NOMINEES_KIND) is not None
    print(f"  {size} nominees ({len(world.council)} council ballots): "
          + ", ".join(f"{key} {value:.2f} s" for key, value in run.steps.items())
          + f"; sign_decision {run.signing:.2f} s", flush=True)  # fmt: skip
    return run


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
        runs = [dossier(world, k, size) for k, size in enumerate(sizes)]
    report(runs, seeded, time.perf_counter() - started)


def report(runs: list[Run], seeded: float, elapsed: float) -> None:
    """Print the per-nominee table and write the rows of bench/results/dossier.json."""
    from bench.table import row, write_results

    small, large = runs[0], runs[-1]
    load = os.getloadavg()
    print(f"wflow dossier bench, {small.size} and {large.size} nominees, best of {REPEATS}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}")  # fmt: skip
    head = f"{'step':<46}{'N=' + str(small.size):>10}{'N=' + str(large.size):>10}"
    print(f"{head}{'ms/nominee':>12}{'ms/nominee':>12}{'ratio':>8}  result")
    rows: list[dict[str, Any]] = []
    lines = [(key, *STEPS[key]) for key in small.steps]
    for key, label, grows in lines:
        a, b = small.per_nominee(key), large.per_nominee(key)
        verdict = (b / a <= TARGET) if grows else None
        print(f"{label:<46}{small.steps[key]:>9.2f}s{large.steps[key]:>9.2f}s{a:>12.2f}"
              f"{b:>12.2f}{b / a:>7.2f}x  {_word(verdict)}")  # fmt: skip
        name = f"{label}, ms per nominee at {large.size} vs {small.size}"
        if not grows:
            name += " (one vote or one annex line per dossier: information)"
        rows.append(row(name, b, "ms", baseline=a, target=f"<= {TARGET:.1f}x" if grows else None,
                        passed=verdict))  # fmt: skip
    a, b = small.total / small.size * 1000, large.total / large.size * 1000
    print(f"{'total of the four steps':<46}{small.total:>9.2f}s{large.total:>9.2f}s{a:>12.2f}"
          f"{b:>12.2f}{b / a:>7.2f}x  {_word(b / a <= TARGET)}")  # fmt: skip
    rows.append(row(f"total per nominee at {large.size} vs {small.size}", b, "ms", baseline=a,
                    target=f"<= {TARGET:.1f}x", passed=b / a <= TARGET))  # fmt: skip
    a, b = small.signing / small.size * 1000, large.signing / large.size * 1000
    print(f"{'sign_decision (decision + certificates)':<46}{small.signing:>9.2f}s"
          f"{large.signing:>9.2f}s{a:>12.2f}{b:>12.2f}{b / a:>7.2f}x  (information)")  # fmt: skip
    rows.append(row(f"sign_decision (decision, certificate, batch of {large.size}), ms per "
                    f"nominee vs {small.size}", b, "ms", baseline=a))  # fmt: skip
    print(f"seeding {seeded:.1f} s; whole bench {elapsed:.1f} s")
    notes = [f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 shared cores)"]
    write_results("dossier", rows, notes)


def _word(passed: bool | None) -> str:
    return {True: "PASS", False: "MISS"}.get(passed, "") if passed is not None else ""


if __name__ == "__main__":
    main()
    sys.exit(0)
