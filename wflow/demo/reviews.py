"""The demo's reviews, built through the review services and workflow (`wflow init --demo`).

Last year: the political block's pact was in force, so every member unit reviewed each of the
four periods; the reviews were submitted (one late, with its penalty), graded, accepted and
published (locked) by the leading unit, with varied figures and scores.

This year: the political block's plan is still in consultation and the enterprises are
signing theirs (the plan and pact demos), so the province's agencies (a third block, built
here) carry this year's first quarter in progress: two reports submitted, one under review,
one returned with a reason, two still open. Review steps are dated by the clock in the
quarter they belong to (never after the real time); the signatures keep the real time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from wflow.clock import set_clock, utcnow
from wflow.core import subjects
from wflow.demo.org import DEMO_PASSWORD, DemoLogin
from wflow.demo.plans import CONTENTS, LEGAL_BASES, PURPOSES, _groups, demo_rules
from wflow.engine import Engine
from wflow.org import service as org
from wflow.org.models import Block, BlockMembership, Position, Role, Unit, UnitKind, User
from wflow.pacts import service as pacts
from wflow.pacts.models import Pact
from wflow.plans import service as plans
from wflow.plans.models import Criterion, Plan
from wflow.plans.registration import TargetInput, register_targets
from wflow.reviews import service as reviews
from wflow.reviews.models import Review
from wflow.reviews.queries import reviews_of_block
from wflow.reviews.rules import due_date, first_number, open_due_reviews, periods_of
from wflow.reviews.sheets import GradeInput, SelfInput
from wflow.signatures import keys

HALF = Decimal("0.5")
# How strong each political unit was last year (share of the points it earns, on average).
FORM = {"MTTQ": 0.93, "TDOAN": 0.96, "HLHPN": 0.91, "LDLD": 0.86, "HND": 0.83, "HCCB": 0.88}
LATE = ("HND", "q3")  # the one report sent three days after its due date
# What a unit reports per criterion, from the share of its target it reached (p, in percent).
FIGURES: dict[str, Callable[[int], str]] = {
    "1.1": lambda p: f"Quán triệt nghị quyết đến {min(p, 100)}% cán bộ, hội viên",
    "1.2": lambda p: f"Đăng {p * 120 // 100} tin, bài trên báo chí, mạng xã hội ({p}% chỉ tiêu)",
    "1.3": lambda p: f"{max(1, p * 4 // 100)} báo cáo tình hình tư tưởng ({p}% chỉ tiêu)",
    "2.1": lambda p: f"Kết nạp {_thousands(p * 6)} hội viên mới, đạt {p}% chỉ tiêu",
    "2.2": lambda p: f"{max(1, p * 3 // 100)} mô hình, điển hình tiên tiến được công nhận",
    "3.1": lambda p: f"Giới thiệu {max(1, p * 15 // 100)} đoàn viên, hội viên ưu tú cho Đảng",
    "3.2": lambda p: f"Góp ý {max(1, p * 8 // 100)} dự thảo văn bản ({p}% chỉ tiêu)",
    "4.1": lambda p: f"Hoàn thành {min(13, p * 13 // 100)}/13 chỉ tiêu thi đua",
    "4.2": lambda p: f"Vận động {_thousands(p * 5)} triệu đồng ủng hộ quỹ Vì người nghèo",
    "5.1": lambda p: f"Tham gia {min(p, 100)}% hoạt động của khối",
    "5.2": lambda p: f"Gửi báo cáo đúng hạn, {min(p, 100)}% văn bản theo yêu cầu",
}
HIGHLIGHT = ("TDOAN", "year_end", "1.2", 205)  # seed 002: "205 % of the target"

# This year's third block: the province's agencies, in the first quarter.
AGENCIES = [
    ("SNV", "Sở Nội vụ tỉnh Hà Tĩnh", "Nguyễn Văn Hải", "Trần Thị Thu Hà"),
    ("STC", "Sở Tài chính tỉnh Hà Tĩnh", "Lê Đình Sơn", "Phạm Thị Hoa"),
    ("SGDDT", "Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh", "Hồ Văn Thành", "Nguyễn Thị Nga"),
    ("SYT", "Sở Y tế tỉnh Hà Tĩnh", "Đặng Văn Nam", "Bùi Thị Hạnh"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch tỉnh Hà Tĩnh", "Phan Thị Mai", "Võ Văn Tuấn"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường tỉnh Hà Tĩnh", "Trần Quốc Việt", "Lê Thị Kim Oanh"),
]
# The agencies' targets for the year: (text, its number) per criterion code.
TARGETS = {
    "1.1": "Quán triệt nghị quyết đến 100% cán bộ, công chức",
    "1.2": "Đăng 120 tin, bài trên cổng thông tin điện tử",
    "1.3": "4 báo cáo tình hình tư tưởng cán bộ, công chức",
    "2.1": "Kết nạp 40 đoàn viên công đoàn mới",
    "2.2": "Xây dựng 2 mô hình “Dân vận khéo”",
    "3.1": "Giới thiệu 6 quần chúng ưu tú cho Đảng",
    "3.2": "Góp ý 10 dự thảo văn bản quy phạm pháp luật",
    "4.1": "Tổ chức 4 đợt thi đua cao điểm",
    "4.2": "Vận động 300 triệu đồng ủng hộ quỹ Vì người nghèo",
    "5.1": "Tham gia 100% hoạt động của khối",
    "5.2": "Gửi 12 báo cáo định kỳ đúng hạn",
}
RETURN_REASON = (
    "Đề nghị bổ sung tài liệu kiểm chứng cho tiêu chí 2.1 (danh sách kết nạp đoàn viên) và"
    " điều chỉnh điểm tự chấm tiêu chí 4.2 cho khớp số liệu quyết toán quý I."
)


def _thousands(n: int) -> str:
    """Return a whole number with Vietnamese thousands dots: 1.234."""
    return f"{n:,}".replace(",", ".")


@contextmanager
def _at(when: datetime) -> Iterator[None]:
    """Date every step taken inside by `when` (the services and the engine read the clock)."""
    set_clock(lambda: when)
    try:
        yield
    finally:
        set_clock(None)


def _points(value: float, limit: Decimal) -> Decimal:
    """Return `value` rounded to half points within [0, limit]."""
    halves = (Decimal(str(value)) / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(Decimal(0), min(limit, halves * HALF))


def _head(session: Session, unit_id: int) -> User:
    users = session.exec(select(User).where(User.unit_id == unit_id).order_by(col(User.id))).all()
    return next(u for u in users if u.has_role(Role.UNIT_HEAD))


def _leader_head(session: Session, block_id: int, year: int) -> User:
    unit_id = session.exec(
        select(BlockMembership.unit_id).where(
            BlockMembership.block_id == block_id, BlockMembership.year == year,
            BlockMembership.position == Position.LEADER.value,
        )
    ).one()  # fmt: skip
    return _head(session, unit_id)


def _criteria(session: Session, plan_id: int) -> list[Criterion]:
    query = select(Criterion).where(Criterion.plan_id == plan_id)
    return sorted(session.exec(query).all(), key=lambda c: [int(x) for x in c.code.split(".")])


def build_review_demo(
    session: Session, engine: Engine, year: int, progress: Callable[[str], None] = lambda _m: None
) -> list[DemoLogin]:
    """Review last year's four periods of the political block; start the agencies' year."""
    progress("last year's reviews")
    _last_year(session, engine, year - 1)
    progress("this year's first quarter")
    return _this_year(session, engine, year)


# --- last year: four periods reviewed, accepted and published ------------------------------


def _last_year(session: Session, engine: Engine, year: int) -> None:
    block = session.exec(select(Block).where(Block.code == "KCTXH")).one()
    pact = session.exec(select(Pact).where(Pact.block_id == block.id, Pact.year == year)).one()
    if not subjects.has_tag(session, pact, "in_force"):
        raise RuntimeError("the review demo needs last year's pact in force (the pact demo)")
    plan = session.get(Plan, pact.plan_id)
    assert plan is not None
    criteria = _criteria(session, plan.id or 0)
    codes = {u.id: u.code for u in session.exec(select(Unit)).all()}
    leader = _leader_head(session, block.id or 0, year)
    rng = random.Random(year)  # the same figures on every machine
    for period, month_day in periods_of(plan):
        due = due_date(year, month_day)
        with _at(datetime.combine(due - timedelta(days=30), time(7))):
            open_due_reviews(session, utcnow(), engine)
        found = reviews_of_block(session, block.id or 0, year=year, period=period)
        for review in sorted(found, key=lambda r: codes.get(r.unit_id, "")):
            code = codes.get(review.unit_id, "")
            late = (code, period) == LATE
            sent = due + timedelta(days=3) if late else due - timedelta(days=rng.randint(1, 6))
            at = time(rng.randint(8, 16), rng.randint(0, 59))
            graded = datetime.combine(due + timedelta(days=rng.randint(7, 12)), time(10))
            _accepted(session, engine, review, criteria, code, rng,
                      sent=datetime.combine(sent, at), graded=graded)  # fmt: skip
        with _at(datetime.combine(due + timedelta(days=15), time(9))):
            reviews.publish_period(session, engine, user=leader, block_id=block.id or 0,
                                   year=year, period=period)  # fmt: skip


def _accepted(
    session: Session, engine: Engine, review: Review, criteria: list[Criterion], code: str,
    rng: random.Random, *, sent: datetime, graded: datetime,
) -> None:  # fmt: skip
    """Self-assess and submit as the unit's head; grade and accept as the reviewing unit."""
    form = FORM.get(code, 0.85) + rng.uniform(-0.03, 0.03)
    own: list[SelfInput] = []
    theirs: list[GradeInput] = []
    for c in criteria:
        share = min(1.0, max(0.5, form + rng.uniform(-0.09, 0.06)))
        score = _points(float(c.max_points) * share, c.max_points)
        percent = int(100 * (share / 0.9) ** 3) + rng.randint(-6, 10)
        if rng.random() < 0.08:  # a campaign far beyond its target
            percent = percent * 8 // 5
        if (code, review.period, c.code) == HIGHLIGHT[:3]:
            percent = HIGHLIGHT[3]
        bonus = Decimal(0)
        if c.max_bonus > 0 and percent >= 125:
            bonus = min(c.max_bonus, HALF * rng.randint(1, 2))
        claimed = min(c.max_points, score + HALF * rng.choice((0, 0, 0, 1, 2)))
        own.append(SelfInput(
            c.id or 0, achieved=FIGURES.get(c.code, lambda p: f"Đạt {p}% chỉ tiêu")(percent),
            achieved_value=Decimal(percent), self_score=claimed,
            self_bonus=min(c.max_bonus, bonus + (HALF if bonus and rng.random() < 0.3 else 0)),
        ))  # fmt: skip
        theirs.append(GradeInput(c.id or 0, score=score, bonus=bonus))
    head = _head(session, review.unit_id)
    grader = _head(session, review.reviewer_unit_id or 0)
    with _at(sent - timedelta(hours=2)):
        reviews.assess(session, user=head, review=review, rows=own)
    with _at(sent):
        reviews.fire_review(session, engine, user=head, review=review, trigger="submit")
    with _at(max(sent, graded - timedelta(days=4))):
        reviews.fire_review(session, engine, user=grader, review=review, trigger="start_review")
    with _at(graded):
        reviews.grade(session, user=grader, review=review, rows=theirs)
        reviews.fire_review(session, engine, user=grader, review=review, trigger="accept")


# --- this year: the agencies' block in its first quarter -----------------------------------


def _this_year(session: Session, engine: Engine, year: int) -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    units: list[Unit] = []
    for code, name, head_name, staff_name in AGENCIES:
        unit = org.create_unit(session, name=name, code=code, kind=UnitKind.AGENCY.value)
        units.append(unit)
        people = [("head", head_name, Role.UNIT_HEAD)]
        if not units[1:]:  # the leading agency's staff too (one more password hash each)
            people.append(("staff", staff_name, Role.UNIT_STAFF))
        for suffix, person, role in people:
            login = f"{code.lower()}.{suffix}"
            org.create_user(session, login=login, display_name=person, password=DEMO_PASSWORD,
                            unit_id=unit.id, roles=[role.value])  # fmt: skip
            logins.append(DemoLogin(login, person, f"{role.value} · {name}"))
    block = org.create_block(
        session, name="Khối thi đua các sở, ban, ngành tỉnh", code="KSBN",
        description="Các cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh.", year=year,
        member_ids=[u.id or 0 for u in units], leader_id=units[0].id, deputy_id=units[1].id,
    )  # fmt: skip
    keys.ensure_unit_certificates(session)
    heads = [_head(session, u.id or 0) for u in units]
    plan = _published(session, engine, heads[0], block, year)
    criteria = _criteria(session, plan.id or 0)
    for head in heads:
        register_targets(session, user=head, plan=plan, year=year, targets=[
            TargetInput(c.id or 0, TARGETS.get(c.code, "Hoàn thành 100% chỉ tiêu"), c.max_points)
            for c in criteria
        ])  # fmt: skip
    pact = pacts.prepare_pact(session, engine, user=heads[0], plan=plan)
    pacts.open_signing(session, engine, user=heads[0], pact=pact)
    for head in heads:
        fresh = session.get(Pact, pact.id)
        assert fresh is not None
        pacts.sign_pact(session, engine, user=head, pact=fresh, password=DEMO_PASSWORD)
    _first_quarter(session, engine, block, plan, criteria, year)
    return logins


def _published(session: Session, engine: Engine, leader: User, block: Block, year: int) -> Plan:
    secretariat = session.exec(select(User).where(User.login == "secretariat")).one()
    plan = plans.create_plan(
        session, engine, user=leader, block_id=block.id or 0, year=year,
        title=f"Kế hoạch tổ chức phong trào thi đua năm {year} của {block.name}",
        legal_bases=LEGAL_BASES, purposes=PURPOSES, contents=CONTENTS, rules=demo_rules(),
    )  # fmt: skip
    plans.set_criteria(session, user=leader, plan=plan, groups=_groups())
    plans.open_consultation(
        session, engine, user=leader, plan=plan, until=utcnow().date() + timedelta(days=7)
    )
    for who, trigger in ((leader, "end_consultation"), (leader, "submit"),
                         (secretariat, "approve"), (leader, "publish")):  # fmt: skip
        subjects.fire(session, engine, user=who, subject=plan, trigger=trigger)
    return plan


def _first_quarter(
    session: Session, engine: Engine, block: Block, plan: Plan, criteria: list[Criterion],
    year: int,
) -> None:  # fmt: skip
    """Open the first quarter and take each agency's report to a different step."""
    real = utcnow()
    due = due_date(year, dict(periods_of(plan))["q1"])

    def when(day: date, hour: int) -> datetime:
        return min(datetime.combine(day, time(hour)), real)  # never after the real time

    with _at(when(due - timedelta(days=30), 7)):
        open_due_reviews(session, datetime.combine(due - timedelta(days=30), time(7)), engine)
    found = {r.unit_id: r for r in reviews_of_block(session, block.id or 0, year=year,
                                                            period="q1")}  # fmt: skip
    codes = {u.id: u.code for u in session.exec(select(Unit)).all()}
    by_code = {codes[uid]: r for uid, r in found.items()}
    rng = random.Random(year)

    def self_assess(review: Review, share: float, every: bool = True) -> None:
        rows = []
        for i, c in enumerate(criteria):
            if not every and i % 2:
                continue
            target = first_number(TARGETS.get(c.code, "")) or Decimal(100)
            done = (target * Decimal(str(share + rng.uniform(-0.05, 0.08)))).quantize(Decimal(1))
            score = _points(float(c.max_points) * rng.uniform(0.8, 0.98), c.max_points)
            rows.append(SelfInput(
                c.id or 0, achieved=f"Quý I đạt {done}/{target} ({done * 100 // target}% kế hoạch)",
                achieved_value=done, self_score=score, self_bonus=Decimal(0),
            ))  # fmt: skip
        reviews.assess(session, user=_head(session, review.unit_id), review=review, rows=rows)

    steps = (("SGDDT", 6, ()), ("SYT", 2, ()), ("STC", 4, ("start_review",)),
             ("SVHTTDL", 1, ("start_review", "return_review")))  # fmt: skip
    for code, early, then in steps:
        review = by_code[code]
        head = _head(session, review.unit_id)
        with _at(when(due - timedelta(days=early + 1), 15)):
            self_assess(review, 0.28 + 0.02 * early)
        with _at(when(due - timedelta(days=early), 9)):
            reviews.fire_review(session, engine, user=head, review=review, trigger="submit")
        grader = _head(session, review.reviewer_unit_id or 0)
        for i, trigger in enumerate(then, start=1):
            data = {"reason": RETURN_REASON} if trigger == "return_review" else None
            with _at(when(due + timedelta(days=i), 10)):
                reviews.fire_review(session, engine, user=grader, review=review,
                                    trigger=trigger, data=data)  # fmt: skip
    with _at(when(due - timedelta(days=9), 16)):
        self_assess(by_code["SNV"], 0.3, every=False)  # a draft, half the criteria so far
    # SNNMT has not started its report yet.
