"""The demo's movements and campaigns (seed 002), built through the services people use.

Last year: the council's secretariat launched the peak campaign for the national digital
transformation day (6-31 October) for the political block, implementing the Central Youth
Union's plan 46-KH/TWĐTN-TNTH; every member unit registered its own figures, reported its
figures so far at the checkpoint of 15 October and its results at the end, and the
secretariat closed it (the Youth Union reached 205 % of its target of volunteer teams, 5 of 5
objectives). This year: a year-long movement for every unit of the
council is running; most units registered, some did not. Each step is dated by the clock in
the days it belongs to (never after the real time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from wflow.campaigns import service as campaigns
from wflow.campaigns.models import Audience, Campaign, CampaignKind, CampaignTarget
from wflow.clock import set_clock, utcnow
from wflow.core import subjects
from wflow.demo.org import user_by_login
from wflow.engine import Engine
from wflow.org.models import Block, Role, Unit, User

PEAK_TITLE = "Đợt thi đua cao điểm chào mừng Ngày Chuyển đổi số quốc gia 10/10"
PEAK_TARGETS = [
    ("Công trình, phần việc thanh niên số", "công trình"),
    ("Người dân được hướng dẫn kỹ năng số, thanh toán không dùng tiền mặt", "người"),
    ("Tuyến phố thông minh, tuyến phố không dùng tiền mặt", "tuyến phố"),
    ("Đội hình tình nguyện hỗ trợ chuyển đổi số", "đội hình"),
    ("Tài khoản định danh điện tử VNeID được hỗ trợ kích hoạt", "tài khoản"),
]
# (registered, achieved) per target and unit: the Youth Union reached 205 % of its teams.
PEAK_FIGURES = {
    "MTTQ": [(5, 6), (500, 620), (2, 2), (4, 5), (800, 950)],
    "TDOAN": [(20, 31), (3000, 6150), (5, 7), (20, 41), (5000, 8200)],
    "HLHPN": [(6, 6), (1200, 1100), (2, 1), (5, 6), (1500, 1650)],
    "LDLD": [(8, 9), (1500, 1800), (1, 1), (6, 6), (2000, 2100)],
    "HND": [(4, 3), (800, 900), (0, 0), (3, 4), (1200, 1000)],
    "HCCB": [(3, 3), (300, 320), (0, 0), (2, 2), (400, 410)],
}
MOVEMENT_TITLE = "Phong trào thi đua “Bình dân học vụ số”"
MOVEMENT_TARGETS = [
    ("Cán bộ, hội viên được phổ cập kỹ năng số cơ bản", "người"),
    ("Lớp bồi dưỡng kỹ năng số được tổ chức", "lớp"),
    ("Hồ sơ dịch vụ công trực tuyến được hướng dẫn thực hiện", "hồ sơ"),
]
NOT_REGISTERED = ("HCCB", "VNPTHT", "SYT")  # units that let this year's registration pass


@contextmanager
def _at(when: datetime) -> Iterator[None]:
    """Date every step taken inside by `when`, never later than the real time."""
    now = min(when, utcnow())
    set_clock(lambda: now)
    try:
        yield
    finally:
        set_clock(None)


def _member(session: Session, unit: Unit) -> User:
    """Return the unit's staff (its head when it has no staff account)."""
    people = session.exec(select(User).where(User.unit_id == unit.id)).all()
    staff = [u for u in people if u.has_role(Role.UNIT_STAFF)]
    return (staff or [u for u in people if u.has_role(Role.UNIT_HEAD)])[0]


def _by_id(session: Session, ids: list[int]) -> dict[int, Unit]:
    return {u.id or 0: u for u in session.exec(select(Unit)).all() if u.id in ids}


def build_campaign_demo(session: Session, engine: Engine, year: int) -> None:
    """Build last year's closed peak campaign and this year's running movement."""
    _peak(session, engine, year - 1)
    _movement(session, engine, year)


def _day(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime.combine(date(year, month, day), time(hour))


def _peak(session: Session, engine: Engine, year: int) -> Campaign:
    """Last year's peak campaign of the political block, registered, reported and closed."""
    secretariat = user_by_login(session, "secretariat")
    block = session.exec(select(Block).where(Block.code == "KCTXH")).one()
    given = campaigns.CampaignInput(
        title=PEAK_TITLE,
        kind=CampaignKind.CAMPAIGN.value,
        theme="Khai thác dữ liệu số để tạo ra giá trị",
        starts_on=date(year, 10, 6),
        ends_on=date(year, 10, 31),
        reports_due=date(year, 11, 10),
        checkpoints=[date(year, 10, 15)],
        basis_number="46-KH/TWĐTN-TNTH",
        basis_date=date(year, 4, 14),
        basis_issuer="Ban Bí thư Trung ương Đoàn TNCS Hồ Chí Minh",
        description=(
            "Triển khai các mô hình “Tuyến phố thông minh”, “Tuyến đường không dùng tiền mặt”.\n"
            "Đội hình thanh niên tình nguyện, tổ công nghệ số cộng đồng hướng dẫn người dân sử "
            "dụng dịch vụ thanh toán, mua sắm trực tuyến, tài khoản định danh điện tử VNeID."
        ),
        criteria="Đơn vị hoàn thành từ 100% chỉ tiêu đăng ký trở lên được xét khen thưởng.",
        audience=Audience.BLOCKS.value,
        block_ids=[block.id or 0],
        targets=[campaigns.TargetInput(t, m) for t, m in PEAK_TARGETS],
    )
    with _at(_day(year, 9, 28)):
        campaign = campaigns.launch(session, engine, user=secretariat, given=given)
    with _at(_day(year, 9, 29)):
        campaigns.open_registration(session, engine, user=secretariat, campaign=campaign)
    tgts = campaigns.targets(session, campaign)
    units = {u.code: u for u in _by_id(session, _ids(session, campaign)).values()}
    for i, (code, figures) in enumerate(PEAK_FIGURES.items()):
        with _at(_day(year, 10, 1 + i % 5, 10)):
            campaigns.register(
                session,
                engine,
                user=_member(session, units[code]),
                campaign=campaign,
                given=_per(tgts, [r for r, _a in figures]),
            )
    with _at(_day(year, 10, 6, 7)):
        campaigns.act(session, engine, user=secretariat, campaign=campaign, trigger="begin")
    with _at(_day(year, 10, 15, 0)):  # what `wflow tick` does on the checkpoint's day
        campaigns.open_due_checkpoints(session, engine, utcnow())
    for i, (code, figures) in enumerate(PEAK_FIGURES.items()):
        with _at(_day(year, 10, 16 + i % 4, 16)):
            campaigns.report(
                session,
                engine,
                user=_member(session, units[code]),
                campaign=campaign,
                given=_per(tgts, [a * 2 // 5 for _r, a in figures]),
            )
    with _at(_day(year, 10, 22, 0)):  # what `wflow tick` does when the checkpoint's week ends
        subjects.fire(session, engine, user=None, subject=campaign, trigger="checkpoint_closes")
    with _at(_day(year, 11, 1, 7)):
        campaigns.act(session, engine, user=secretariat, campaign=campaign, trigger="end_window")
    for i, (code, figures) in enumerate(PEAK_FIGURES.items()):
        with _at(_day(year, 11, 3 + i % 5, 15)):
            campaigns.report(
                session,
                engine,
                user=_member(session, units[code]),
                campaign=campaign,
                given=_per(tgts, [a for _r, a in figures]),
            )
    with _at(_day(year, 11, 12, 14)):
        campaigns.act(session, engine, user=secretariat, campaign=campaign, trigger="close")
    return campaign


def _per(tgts: list[CampaignTarget], values: list[int]) -> dict[int, object]:
    """Return one figure per target, by target id (as the figures form gives them)."""
    return {t.id or 0: v for t, v in zip(tgts, values, strict=True)}


def _ids(session: Session, campaign: Campaign) -> list[int]:
    return [u.id or 0 for _p, u in campaigns.participants(session, campaign)]


def _movement(session: Session, engine: Engine, year: int) -> Campaign:
    """This year's movement for every unit of the council: registered by most, running."""
    secretariat = user_by_login(session, "secretariat")
    today = utcnow().date()
    given = campaigns.CampaignInput(
        title=f"{MOVEMENT_TITLE} năm {year}",
        kind=CampaignKind.MOVEMENT.value,
        theme="Mỗi cán bộ, hội viên là một công dân số",
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
        reports_due=date(year + 1, 1, 10),
        checkpoints=[d for d in (date(year, 6, 30), date(year, 9, 30)) if d > today],
        description="Phổ cập kỹ năng số cơ bản cho cán bộ, hội viên và người dân trên địa bàn.",
        audience=Audience.ALL.value,
        targets=[campaigns.TargetInput(t, m) for t, m in MOVEMENT_TARGETS],
    )
    with _at(_day(year - 1, 12, 15)):
        campaign = campaigns.launch(session, engine, user=secretariat, given=given)
    with _at(_day(year - 1, 12, 16)):
        campaigns.open_registration(session, engine, user=secretariat, campaign=campaign)
    tgts = campaigns.targets(session, campaign)
    for i, unit in enumerate(_by_id(session, _ids(session, campaign)).values()):
        if unit.code in NOT_REGISTERED:
            continue
        figures = [200 + 40 * (i % 7), 2 + i % 4, 50 + 15 * (i % 5)]
        with _at(_day(year - 1, 12, 18 + i % 10, 10)):
            campaigns.register(
                session,
                engine,
                user=_member(session, unit),
                campaign=campaign,
                given=_per(tgts, figures),
            )
    with _at(_day(year, 1, 1, 0) + timedelta(minutes=5)):
        campaigns.act(session, engine, user=secretariat, campaign=campaign, trigger="begin")
    return campaign
