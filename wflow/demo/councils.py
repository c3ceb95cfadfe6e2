"""The councils around the demo province: the Central council above it, two communes below,
whose fronts the province also groups in a cluster (cụm thi đua).

Each commune has its council (a unit of kind `council` at the commune level, below the
province's), its office where the secretariat works, its mass organisations in one block, and
their heads; the province's committee reads the communes' work, and acts on none of it.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from wflow.councils import service as councils
from wflow.demo import people as people_demo
from wflow.demo.org import DEMO_PASSWORD, DemoLogin
from wflow.org import service as org
from wflow.org.models import BlockKind, CouncilLevel, Role, Unit, UnitKind

CENTRAL = ("HDTDKTTW", "Hội đồng Thi đua - Khen thưởng Trung ương")
# the Central council's members: (login, name); the first chairs it
CENTRAL_MEMBERS = [
    ("tw.chair", "Nguyễn Văn Toàn"),
    ("tw.member1", "Trần Thị Hồng Hạnh"),
    ("tw.member2", "Lê Quang Vinh"),
]
CENTRAL_OFFICE = ("BTDKTTW", "Ban Thi đua - Khen thưởng Trung ương", "Phạm Thị Thanh Bình")
# (login prefix, code suffix, name, chair's name, secretariat's name, [(code, unit, head)])
COMMUNES = [
    ("thanhsen", "TS", "phường Thành Sen", "Nguyễn Hữu Thành", "Lê Thị Thu Hiền", [
        ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam phường Thành Sen", "Trần Văn Bình"),
        ("DTN", "Đoàn Thanh niên phường Thành Sen", "Phan Thị Hoài Thương"),
        ("HPN", "Hội Liên hiệp Phụ nữ phường Thành Sen", "Nguyễn Thị Kim Oanh"),
        ("HCCB", "Hội Cựu chiến binh phường Thành Sen", "Võ Đình Lục"),
    ]),
    ("thachha", "TH", "xã Thạch Hà", "Đặng Văn Cường", "Hồ Thị Phương", [
        ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam xã Thạch Hà", "Lê Văn Khánh"),
        ("DTN", "Đoàn Thanh niên xã Thạch Hà", "Nguyễn Đức Mạnh"),
        ("HND", "Hội Nông dân xã Thạch Hà", "Trần Văn Tuấn"),
        ("HPN", "Hội Liên hiệp Phụ nữ xã Thạch Hà", "Bùi Thị Loan"),
    ]),
]  # fmt: skip


def build_council_demo(session: Session, year: int) -> list[DemoLogin]:
    """Put the province under the Central council and create its two communes' councils."""
    province = session.exec(select(Unit).where(Unit.code == "HDTDKT")).one()
    central = org.create_unit(session, name=CENTRAL[1], code=CENTRAL[0],
                              kind=UnitKind.COUNCIL.value,
                              level=CouncilLevel.CENTRAL.value)  # fmt: skip
    province.parent_id = central.id
    session.add(province)
    councils.forget(session)  # the hierarchy read in this transaction changed
    board = org.create_unit(session, name=CENTRAL_OFFICE[1], code=CENTRAL_OFFICE[0],
                            kind=UnitKind.AGENCY.value, council_id=central.id)  # fmt: skip
    _account(session, "tw.secretariat", CENTRAL_OFFICE[2], board, Role.SECRETARIAT)
    logins: list[DemoLogin] = [
        DemoLogin("tw.secretariat", CENTRAL_OFFICE[2], "secretariat · Trung ương")
    ]
    for login, name in CENTRAL_MEMBERS:
        _account(session, login, name, board, Role.COUNCIL_MEMBER)
        logins.append(DemoLogin(login, name, "council_member · Trung ương"))
    commune_ids: list[int] = []
    for prefix, suffix, place, chair, clerk, members in COMMUNES:
        council = org.create_unit(
            session, name=f"Hội đồng Thi đua - Khen thưởng {place}", code=f"HD{suffix}",
            kind=UnitKind.COUNCIL.value, level=CouncilLevel.COMMUNE.value, parent_id=province.id,
        )  # fmt: skip
        commune_ids.append(council.id or 0)
        office = org.create_unit(session, name=f"Văn phòng HĐND - UBND {place}",
                                 code=f"VP{suffix}", kind=UnitKind.AGENCY.value,
                                 council_id=council.id)  # fmt: skip
        _account(session, f"{prefix}.secretariat", clerk, office, Role.SECRETARIAT)
        _account(session, f"{prefix}.chair", chair, office, Role.COUNCIL_MEMBER)
        logins += [DemoLogin(f"{prefix}.secretariat", clerk, f"secretariat · {place}"),
                   DemoLogin(f"{prefix}.chair", chair, f"council_member · {place}")]  # fmt: skip
        units = []
        for code, name, head in members:
            unit = org.create_unit(session, name=name, code=f"{code}{suffix}",
                                   kind=UnitKind.SOCIO_POLITICAL.value,
                                   council_id=council.id)  # fmt: skip
            login = f"{prefix}.{code.lower()}"
            _account(session, login, head, unit, Role.UNIT_HEAD)
            logins.append(DemoLogin(login, head, f"unit_head · {name}"))
            units.append(unit.id or 0)
        org.create_block(
            session, name=f"Khối thi đua các đoàn thể {place}", code=f"K{suffix}",
            description=f"Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội {place}.",
            year=year, member_ids=units, leader_id=units[0], deputy_id=units[1],
            council_id=council.id,
        )  # fmt: skip
    # the province also groups its communes and wards by place: a cluster (cụm) of their fronts
    fronts = [session.exec(select(Unit.id).where(Unit.code == f"MTTQ{suffix}")).one() or 0
              for _p, suffix, *_rest in COMMUNES]  # fmt: skip
    org.create_block(
        session, name="Cụm thi đua các xã, phường phía Bắc tỉnh", code="CUMBAC",
        kind=BlockKind.CLUSTER.value, year=year, member_ids=fronts, leader_id=fronts[0],
        deputy_id=fronts[1], council_id=province.id,
        description="Ủy ban Mặt trận Tổ quốc các xã, phường phía Bắc thi đua theo cụm.",
    )  # fmt: skip
    session.flush()
    added = session.exec(select(Unit).where(col(Unit.council_id).in_([central.id, *commune_ids]))
                         .order_by(col(Unit.id))).all()  # fmt: skip
    people_demo.add_people(session, year, list(added))  # five to ten people each, accounts linked
    session.commit()
    return logins


def _account(session: Session, login: str, name: str, unit: Unit, role: Role) -> None:
    org.create_user(session, login=login, display_name=name, password=DEMO_PASSWORD,
                    unit_id=unit.id, roles=[role.value])  # fmt: skip
