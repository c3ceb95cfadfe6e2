"""The demo province, built through the same services people use (`wflow init --demo`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from wflow.core.errors import ServiceError
from wflow.org import service as org
from wflow.org.models import Block, CouncilLevel, Role, Unit, UnitKind, User
from wflow.yearturn import leadership
from wflow.yearturn.models import Rotation

DEMO_PASSWORD = "demo-2026!"  # printed by `make run`; demo data only, never production

# (code, Vietnamese name, kind, head's name, staff's name)
POLITICAL = [
    (
        "MTTQ",
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hà Tĩnh",
        UnitKind.FRONT,
        "Trần Thị Hồng",
        "Lê Văn Phúc",
    ),
    ("TDOAN", "Tỉnh Đoàn Hà Tĩnh", UnitKind.SOCIO_POLITICAL, "Nguyễn Văn Lương", "Phạm Thu Trang"),
    (
        "HLHPN",
        "Hội Liên hiệp Phụ nữ tỉnh Hà Tĩnh",
        UnitKind.SOCIO_POLITICAL,
        "Võ Thị Minh Hằng",
        "Đặng Thị Lan",
    ),
    (
        "LDLD",
        "Liên đoàn Lao động tỉnh Hà Tĩnh",
        UnitKind.SOCIO_POLITICAL,
        "Hoàng Văn Thắng",
        "Bùi Đức Anh",
    ),
    ("HND", "Hội Nông dân tỉnh Hà Tĩnh", UnitKind.SOCIO_POLITICAL, "Đinh Văn Toàn", "Ngô Thị Hà"),
    (
        "HCCB",
        "Hội Cựu chiến binh tỉnh Hà Tĩnh",
        UnitKind.SOCIO_POLITICAL,
        "Phan Văn Hùng",
        "Trương Văn Quý",
    ),
]
ENTERPRISES = [
    ("PCHT", "Công ty Điện lực Hà Tĩnh", UnitKind.ENTERPRISE, "Lê Quang Vinh", "Nguyễn Thị Thủy"),
    (
        "CNHT",
        "Công ty Cổ phần Cấp nước Hà Tĩnh",
        UnitKind.ENTERPRISE,
        "Trần Đình Khoa",
        "Hồ Thị Mai",
    ),
    (
        "AGRHT",
        "Ngân hàng Nông nghiệp và Phát triển Nông thôn chi nhánh Hà Tĩnh",
        UnitKind.ENTERPRISE,
        "Phạm Minh Đức",
        "Lưu Thị Yến",
    ),
    ("VNPTHT", "Viễn thông Hà Tĩnh", UnitKind.ENTERPRISE, "Đoàn Văn Sơn", "Mai Thị Ngọc"),
]
COUNCIL = ("HDTDKT", "Hội đồng Thi đua - Khen thưởng tỉnh Hà Tĩnh", UnitKind.COUNCIL)
SECRETARIAT = ("BTDKT", "Ban Thi đua - Khen thưởng tỉnh Hà Tĩnh", UnitKind.AGENCY)
COUNCIL_MEMBERS = [
    "Hoàng Trung Kiên",
    "Trần Thế Bình",
    "Lê Ngọc Châu",
    "Trương Thanh Hương",
    "Nguyễn Hồng Lĩnh",
]


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to print for people trying wflow."""

    login: str
    name: str
    what: str


def build_demo(
    session: Session, year: int, progress: Callable[[str], None] = lambda _msg: None
) -> list[DemoLogin]:
    """Create the demo province in `year - 1`, with the leaders its blocks elected for `year`."""
    if session.exec(select(Unit.id)).first() is not None:
        raise ServiceError("the database already holds units: the demo needs an empty one")
    logins: list[DemoLogin] = []
    units: dict[str, Unit] = {}
    # the province's council first: every unit and block is in its jurisdiction
    council = org.create_unit(session, name=COUNCIL[1], code=COUNCIL[0], kind=COUNCIL[2].value,
                              level=CouncilLevel.PROVINCE.value)  # fmt: skip
    for code, name, kind, head, staff in POLITICAL + ENTERPRISES:
        progress(f"unit {code}")
        units[code] = org.create_unit(session, name=name, code=code, kind=kind.value)
        for suffix, person, role in (
            ("head", head, Role.UNIT_HEAD),
            ("staff", staff, Role.UNIT_STAFF),
        ):
            login = f"{code.lower()}.{suffix}"
            org.create_user(
                session,
                login=login,
                display_name=person,
                password=DEMO_PASSWORD,
                unit_id=units[code].id,
                roles=[role.value],
            )
            logins.append(DemoLogin(login, person, f"{role.value} · {name}"))
    secretariat = org.create_unit(
        session, name=SECRETARIAT[1], code=SECRETARIAT[0], kind=SECRETARIAT[2].value
    )
    progress("committee")
    for i, person in enumerate(COUNCIL_MEMBERS, start=1):
        login = f"council{i}"
        org.create_user(
            session,
            login=login,
            display_name=person,
            password=DEMO_PASSWORD,
            unit_id=council.id,
            roles=[Role.COUNCIL_MEMBER.value],
        )
        logins.append(DemoLogin(login, person, "council_member"))
    org.create_user(
        session,
        login="secretariat",
        display_name="Nguyễn Thị Thanh Tâm",
        password=DEMO_PASSWORD,
        unit_id=secretariat.id,
        roles=[Role.SECRETARIAT.value],
    )
    logins.append(DemoLogin("secretariat", "Nguyễn Thị Thanh Tâm", "secretariat"))
    org.create_user(
        session,
        login="admin",
        display_name="Quản trị hệ thống",
        password=DEMO_PASSWORD,
        unit_id=None,
        roles=[Role.ADMIN.value],
    )
    logins.append(DemoLogin("admin", "Quản trị hệ thống", "admin"))

    progress("blocks")
    political = [units[c].id or 0 for c, *_ in POLITICAL]
    block = org.create_block(
        session,
        name="Khối thi đua các tổ chức chính trị - xã hội tỉnh",
        code="KCTXH",
        description="Mặt trận Tổ quốc và các tổ chức chính trị - xã hội cấp tỉnh.",
        year=year - 1,
        member_ids=political,
        leader_id=units["MTTQ"].id,
        deputy_id=units["HCCB"].id,
    )
    _elect(session, block, year, units["TDOAN"], units["HLHPN"])
    enterprises = [units[c].id or 0 for c, *_ in ENTERPRISES]
    business = org.create_block(
        session,
        name="Khối thi đua các doanh nghiệp tỉnh",
        code="KDN",
        description="Các doanh nghiệp nhà nước và cổ phần trên địa bàn tỉnh.",
        year=year - 1,
        member_ids=enterprises,
        leader_id=units["AGRHT"].id,
        deputy_id=units["PCHT"].id,
    )
    _elect(session, business, year, units["PCHT"], units["CNHT"])
    return logins


def _elect(session: Session, block: Block, year: int, leader: Unit, deputy: Unit) -> None:
    """Record the leader and deputy the block's year-end conference elected for `year`.

    The turn of the year (in the plan demo, once last year's plan is published) copies the
    block's members into `year` with them.
    """
    leadership.set_succession(
        session, user=None, block=block, year=year, rule=Rotation.ROTATE.value,
        leader_id=leader.id, deputy_id=deputy.id,
        note=f"Hội nghị tổng kết công tác thi đua, khen thưởng năm {year - 1}",
    )  # fmt: skip


def user_by_login(session: Session, login: str) -> User:
    """Return the demo account of `login`."""
    return session.exec(select(User).where(User.login == login)).one()


def heads_of(session: Session, unit_ids: list[int]) -> list[User]:
    """Return the heads of the units `unit_ids`."""
    rows = session.exec(select(User).where(col(User.unit_id).in_(unit_ids))).all()
    return [u for u in rows if Role.UNIT_HEAD.value in u.roles]
