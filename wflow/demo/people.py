"""The demo's people and initiatives, built through the services people use (`wflow init --demo`).

Every unit of the province gets five to ten people: its account holders (each linked to their
account) and colleagues with realistic Vietnamese names, positions and years of birth, drawn
from a fixed seed so that every build is the same. A few people moved: two Youth Union
cadres to the Women's Union and the Labour Federation, a Farmers' Union office head to the
Front, and a head of department of the power company was promoted. A dozen initiatives and
models (seeds 000 and 002: blood donation, digital transformation, "Mùa hè xanh") are
recorded with their authors and recognition; this year's and last year's registrations for
individual titles are made for some units. No account and no workflow instance is created.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.councils import service as councils
from wflow.initiatives import service as initiatives
from wflow.org.models import Role, Unit, UnitKind, User
from wflow.people import registration as regs
from wflow.people import service as people
from wflow.people.models import IndividualTitle, Person, Sex

FAMILY = ("Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Phan",
          "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Đinh", "Trương", "Đoàn")  # fmt: skip
MIDDLE = {
    Sex.MALE: ("Văn", "Văn", "Đức", "Hữu", "Quang", "Minh", "Đình", "Xuân", "Công", "Tiến"),
    Sex.FEMALE: ("Thị", "Thị", "Thị Thu", "Thị Minh", "Thị Thanh", "Thị Hồng", "Ngọc", "Thu"),
}
GIVEN = {
    Sex.MALE: ("Hùng", "Dũng", "Tuấn", "Nam", "Long", "Phong", "Sơn", "Quân", "Hiếu", "Trung",
               "Khánh", "Tài", "Cường", "Thành", "Đạt", "Lâm", "Vinh", "Hoàng"),
    Sex.FEMALE: ("Hà", "Lan", "Hương", "Linh", "Trang", "Nga", "Hoa", "Thảo", "Huyền", "Yến",
                 "Vân", "Ngân", "Phương", "Nhung", "Quỳnh", "Hạnh", "Oanh", "Giang"),
}  # fmt: skip
FEMALE_GIVEN = frozenset(GIVEN[Sex.FEMALE]) | {"Hằng", "Mai", "Ngọc", "Thủy", "Tâm", "Châu"}

# Positions by kind of unit: the head's, then the colleagues' (deputies first, then staff).
HEAD = {"front": "Chủ tịch", "socio_political": "Chủ tịch", "enterprise": "Giám đốc",
        "agency": "Giám đốc Sở", "council": "Chủ tịch Hội đồng"}  # fmt: skip
COLLEAGUES = {
    "front": ("Phó Chủ tịch", "Trưởng ban Tuyên giáo", "Chánh Văn phòng", "Chuyên viên"),
    "socio_political": ("Phó Chủ tịch", "Phó Chủ tịch", "Trưởng ban Tổ chức",
                        "Trưởng ban Tuyên giáo", "Chánh Văn phòng", "Chuyên viên"),
    "enterprise": ("Phó Giám đốc", "Trưởng phòng Kỹ thuật", "Trưởng phòng Tổ chức - Hành chính",
                   "Kế toán trưởng", "Kỹ sư", "Nhân viên"),
    "agency": ("Phó Giám đốc Sở", "Chánh Văn phòng", "Trưởng phòng", "Chuyên viên chính",
               "Chuyên viên"),
}  # fmt: skip
YOUTH = ("Phó Bí thư", "Trưởng ban Tổ chức - Kiểm tra", "Chánh Văn phòng", "Chuyên viên")
SECRETARIAT = ("Trưởng ban", "Phó Trưởng ban", "Chuyên viên", "Chuyên viên", "Chuyên viên")
COUNCIL = ("Chủ tịch Hội đồng", "Phó Chủ tịch Hội đồng", "Phó Chủ tịch Hội đồng", "Ủy viên",
           "Ủy viên")  # fmt: skip
SIZE = {"TDOAN": 8, "HCCB": 5, "CNHT": 6, "AGRHT": 8, "PCHT": 7}  # others: 7 (before moves)
SENIOR = ("Phó", "Trưởng", "Chánh", "Kế toán", "Ủy viên")  # deputies, heads of department
AGE_SHIFT = {"TDOAN": 12, "HCCB": -10}  # the Youth Union's cadres are young, veterans older
STAFF_NUMBERS = {"PCHT": "EVNHT", "CNHT": "CNHT", "AGRHT": "AGR", "VNPTHT": "VNPT"}


@dataclass(frozen=True)
class Mover:
    """A person of the demo whose history spans two postings."""

    name: str
    sex: Sex
    born: int
    unit: str
    position: str
    since: tuple[int, int, int]  # (years ago, month, day)
    to_unit: str
    to_position: str
    moved: tuple[int, int, int]


MOVERS = (
    Mover("Nguyễn Thị Thu Hà", Sex.FEMALE, 1986, "TDOAN", "Phó Bí thư", (7, 12, 15),
          "HLHPN", "Phó Chủ tịch", (2, 10, 1)),
    Mover("Lê Đình Tuấn", Sex.MALE, 1984, "TDOAN", "Trưởng ban Phong trào", (6, 3, 1),
          "LDLD", "Trưởng ban Tổ chức", (1, 3, 1)),
    Mover("Hoàng Văn Bình", Sex.MALE, 1979, "HND", "Chánh Văn phòng", (9, 8, 1),
          "MTTQ", "Trưởng ban Dân chủ - Pháp luật", (1, 7, 1)),
    Mover("Trần Minh Quang", Sex.MALE, 1981, "PCHT", "Trưởng phòng Kỹ thuật", (10, 5, 4),
          "PCHT", "Phó Giám đốc", (1, 1, 2)),
)  # fmt: skip


@dataclass(frozen=True)
class Record:
    """An initiative of the demo: (years ago, kind, level), its unit, title, decision, authors."""

    ago: int
    kind: str
    level: str
    unit: str
    title: str
    decision: str  # number; the issuer is the level's
    people: tuple[str, ...]
    units: tuple[str, ...] = ()
    description: str = ""


ISSUERS = {
    "TDOAN": "Ban Thường vụ Tỉnh đoàn Hà Tĩnh",
    "HLHPN": "Ban Thường vụ Hội Liên hiệp Phụ nữ tỉnh",
    "LDLD": "Ban Thường vụ Liên đoàn Lao động tỉnh",
    "MTTQ": "Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh",
    "province": "Hội đồng Sáng kiến tỉnh Hà Tĩnh",
    "national": "Ban Bí thư Trung ương Đoàn TNCS Hồ Chí Minh",
}
RECORDS = (
    Record(1, "model", "province", "TDOAN", "Mô hình “Chi đoàn số” trong trường học",
           "215/QĐ-HĐSK", ("Phạm Thu Trang", "Nguyễn Văn Lương"),
           description="Sổ đoàn viên điện tử, sinh hoạt chi đoàn trực tuyến, "
                       "đánh giá xếp loại đoàn viên trên ứng dụng."),
    Record(0, "initiative", "unit", "TDOAN",
           "Ứng dụng bản đồ số quản lý đoàn viên và các công trình thanh niên", "12/QĐ-TĐTN",
           ("Phạm Thu Trang",)),
    Record(1, "model", "province", "TDOAN",
           "Ngày hội hiến máu tình nguyện “Giọt hồng yêu thương” trong công nhân lao động",
           "198/QĐ-HĐSK", ("Lê Đình Tuấn",), ("LDLD",),
           description="Phối hợp giữa Tỉnh đoàn và Liên đoàn Lao động tỉnh: 650 đơn vị máu."),
    Record(2, "model", "national", "TDOAN",
           "Chiến dịch “Mùa hè xanh” gắn với xây dựng nông thôn mới", "87/QĐ-TWĐTN-PT",
           ("Nguyễn Thị Thu Hà", "Lê Đình Tuấn")),
    Record(0, "model", "unit", "HLHPN", "Mô hình “Tổ phụ nữ chuyển đổi số” ở khu dân cư",
           "25/QĐ-HPN", ("Đặng Thị Lan", "Võ Thị Minh Hằng")),
    Record(1, "initiative", "province", "HLHPN",
           "Sổ tay điện tử hướng dẫn thủ tục vay vốn cho hội viên phụ nữ", "203/QĐ-HĐSK",
           ("Đặng Thị Lan",)),
    Record(0, "initiative", "unit", "LDLD", "Quy trình số hóa hồ sơ đoàn viên công đoàn cơ sở",
           "31/QĐ-LĐLĐ", ("Bùi Đức Anh",)),
    Record(1, "model", "province", "HND",
           "Tổ hợp tác nông dân bán nông sản qua sàn thương mại điện tử", "207/QĐ-HĐSK",
           ("Ngô Thị Hà",), ("HND",)),
    Record(1, "initiative", "province", "PCHT",
           "Giải pháp giảm tổn thất điện năng trên lưới điện trung áp", "211/QĐ-HĐSK",
           ("Trần Minh Quang", "Nguyễn Thị Thủy")),
    Record(0, "initiative", "unit", "VNPTHT",
           "Trợ lý ảo hỗ trợ người dân sử dụng dịch vụ công trực tuyến", "45/QĐ-VNPT-HT",
           ("Mai Thị Ngọc", "Đoàn Văn Sơn")),
    Record(1, "research", "province", "AGRHT",
           "Giải pháp mở rộng tín dụng xanh cho hộ nông dân trên địa bàn tỉnh", "219/QĐ-HĐSK",
           ("Lưu Thị Yến", "Phạm Minh Đức")),
    Record(0, "model", "unit", "MTTQ",
           "Mô hình “Camera an ninh” do Ban Công tác Mặt trận khu dân cư vận động",
           "18/QĐ-MTTQ", ("Lê Văn Phúc",), ("MTTQ",)),
    Record(2, "model", "province", "HCCB", "Mô hình “Cựu chiến binh giúp nhau làm kinh tế”",
           "156/QĐ-HĐSK", ("Trương Văn Quý",)),
    Record(0, "initiative", "unit", "CNHT",
           "Cảnh báo rò rỉ đường ống cấp nước bằng cảm biến áp lực", "09/QĐ-CNHT",
           ("Hồ Thị Mai", "Trần Đình Khoa")),
)  # fmt: skip
REGISTERED = ("TDOAN", "HLHPN", "LDLD", "PCHT", "VNPTHT", "SNV")  # this year's registrations
REGISTERED_LAST_YEAR = ("TDOAN", "HLHPN", "PCHT")


def _sex_of(name: str) -> Sex:
    words = name.split()
    return Sex.FEMALE if "Thị" in words or words[-1] in FEMALE_GIVEN else Sex.MALE


def _day(year: int, ago: int, month: int, day: int) -> date:
    """Return the date `ago` years before `year`, never after today."""
    return min(date(year - ago, month, day), utcnow().date())


class _Builder:
    """What the demo's steps share: the session, the year, accounts and people by name."""

    def __init__(self, session: Session, year: int) -> None:
        self.session, self.year = session, year
        self.rng = random.Random(f"wflow-demo-people-{year}")
        self.admin = session.exec(select(User).where(User.login == "admin")).one()
        self.units = {u.code: u for u in session.exec(select(Unit).order_by(col(Unit.id))).all()}
        # names of accounts and movers are kept for them: no colleague is their namesake
        self.taken = {u.display_name for u in session.exec(select(User)).all()}
        self.taken |= {m.name for m in MOVERS}
        self.by_name: dict[str, Person] = {}
        self.numbers: dict[str, int] = {}

    def clerk_for(self, unit: Unit) -> User:
        """Return the unit's staff (else head) account; for the committee's own units, its
        council's administrator (else secretariat)."""
        users = self.session.exec(select(User).where(User.unit_id == unit.id)).all()
        for role in (Role.UNIT_STAFF, Role.UNIT_HEAD):
            found = [u for u in users if u.has_role(role)]
            if found:
                return found[0]
        body = councils.of_unit(self.session, unit.id)
        if body == councils.of_user(self.session, self.admin):
            return self.admin
        clerks = self.session.exec(select(User).order_by(col(User.id))).all()
        return next(u for u in clerks if people.is_clerk(u)
                    and councils.of_user(self.session, u) == body)  # fmt: skip

    def name(self, sex: Sex) -> str:
        """Return a realistic full name not used yet in the demo."""
        while True:
            family, middle = self.rng.choice(FAMILY), self.rng.choice(MIDDLE[sex])
            full = f"{family} {middle} {self.rng.choice(GIVEN[sex])}"
            if full not in self.taken:
                self.taken.add(full)
                return full

    def add(self, unit: Unit, name: str, position: str, born: int, sex: Sex | None = None,
            since: date | None = None, account: User | None = None) -> Person:  # fmt: skip
        """Add a person to the unit through the service (and link their account)."""
        self.taken.add(name)
        clerk = self.clerk_for(unit)
        prefix = STAFF_NUMBERS.get(unit.code)
        number = None
        if prefix:
            self.numbers[prefix] = self.numbers.get(prefix, 0) + 1
            number = f"{prefix}-{100 + 37 * self.numbers[prefix]:04d}"
        start = since or _day(self.year, self.rng.randrange(1, 12), self.rng.randrange(1, 13), 1)
        person = people.create_person(
            self.session, user=clerk, unit_id=unit.id or 0, full_name=name, position=position,
            sex=(sex or _sex_of(name)).value, birth_year=born, staff_number=number, since=start,
        )  # fmt: skip
        if account is not None:
            people.update_person(
                self.session, user=clerk, person=person, full_name=name, position=position,
                sex=person.sex, birth_year=born, staff_number=number, active=True,
                account_id=account.id,
            )  # fmt: skip
        self.by_name[name] = person
        return person

    def born(self, unit: Unit, position: str, head: bool = False) -> int:
        """Return a year of birth for a head, a deputy or head of department, or staff."""
        rank = 0 if head else 1 if position.startswith(SENIOR) else 2
        low, high = ((1966, 1974), (1970, 1984), (1985, 1998))[rank]
        shift = AGE_SHIFT.get(unit.code, 0)
        return min(self.year - 23, self.rng.randint(low + shift, high + shift))


def _positions(unit: Unit) -> tuple[str, str, tuple[str, ...]]:
    """Return (head's position, staff's position, the colleagues' positions) of a unit."""
    if unit.code == "TDOAN":
        return "Bí thư Tỉnh đoàn", "Chuyên viên", YOUTH
    if unit.code == "BTDKT":
        return SECRETARIAT[0], "Chuyên viên", SECRETARIAT[1:]
    if unit.kind == UnitKind.COUNCIL.value:
        return COUNCIL[0], "Ủy viên", COUNCIL[1:]
    kind = unit.kind if unit.kind in COLLEAGUES else "agency"
    return HEAD.get(kind, "Thủ trưởng"), "Chuyên viên", COLLEAGUES[kind]


def _people(b: _Builder, units: list[Unit] | None = None) -> None:
    for unit in units if units is not None else b.units.values():
        head_position, staff_position, colleagues = _positions(unit)
        movers = [m for m in MOVERS if m.unit == unit.code]
        accounts = b.session.exec(
            select(User).where(User.unit_id == unit.id).order_by(col(User.id))
        ).all()
        size = SIZE.get(unit.code, 7 if unit.kind != UnitKind.COUNCIL.value else 5)
        added = 0
        others = [p for p in colleagues if p not in {m.position for m in movers}]
        for account in accounts:
            head = account.has_role(Role.UNIT_HEAD) or account.login in ("council1", "secretariat")
            position = head_position if head else (others.pop(0) if unit.kind in (
                UnitKind.COUNCIL.value,) or unit.code == "BTDKT" else staff_position)  # fmt: skip
            b.add(unit, account.display_name, position, b.born(unit, position, head),
                  account=account)  # fmt: skip
            added += 1
        for m in movers:
            since = _day(b.year, *m.since)
            b.add(unit, m.name, m.position, m.born, m.sex, since=since)
            added += 1
        while added < size and others:
            position = others.pop(0)
            sex = Sex.FEMALE if b.rng.random() < 0.45 else Sex.MALE
            b.add(unit, b.name(sex), position, b.born(unit, position), sex)
            added += 1
        while added < size:
            sex = Sex.FEMALE if b.rng.random() < 0.5 else Sex.MALE
            b.add(unit, b.name(sex), "Chuyên viên", b.born(unit, "Chuyên viên"), sex)
            added += 1


def _initiatives(b: _Builder) -> None:
    for r in RECORDS:
        unit = b.units[r.unit]
        year = b.year - r.ago
        issuer = ISSUERS.get(r.level, ISSUERS.get(r.unit, f"Thủ trưởng {unit.name}"))
        month = 3 + (len(r.title) % 8)  # spread over the year
        initiatives.create_initiative(
            b.session, user=b.clerk_for(unit), unit_id=unit.id or 0, kind=r.kind, title=r.title,
            year=year, description=r.description,
            recognition=initiatives.Recognition(
                level=r.level, decision_number=r.decision,
                decision_date=_day(b.year, r.ago, month, 10), decision_issuer=issuer,
            ),
            authors=initiatives.Authors(
                person_ids=[b.by_name[n].id or 0 for n in r.people],
                unit_ids=[b.units[c].id or 0 for c in r.units],
            ),
        )  # fmt: skip


def _moves(b: _Builder) -> None:
    for m in MOVERS:
        person = b.by_name[m.name]
        people.move_person(b.session, user=b.clerk_for(b.units[m.unit]), person=person,
                           unit_id=b.units[m.to_unit].id or 0, position=m.to_position,
                           on=_day(b.year, *m.moved))  # fmt: skip


def _registrations(b: _Builder) -> None:
    authors = {n for r in RECORDS if r.ago <= 1 for n in r.people}
    for year, codes in ((b.year - 1, REGISTERED_LAST_YEAR), (b.year, REGISTERED)):
        for code in codes:
            unit = b.units[code]
            mine = [p for p in people.people_of(b.session, [unit.id or 0]) if p.active]
            clerk = b.clerk_for(unit)
            regs.register(b.session, user=clerk, unit_id=unit.id or 0, year=year,
                          title=IndividualTitle.ADVANCED_WORKER.value,
                          person_ids=[p.id or 0 for p in mine])  # fmt: skip
            fighters = [p.id or 0 for p in mine if p.full_name in authors]
            if fighters:
                regs.register(b.session, user=clerk, unit_id=unit.id or 0, year=year,
                              title=IndividualTitle.GRASSROOTS_FIGHTER.value,
                              person_ids=fighters)  # fmt: skip


def add_people(session: Session, year: int, units: list[Unit]) -> None:
    """Give more units five to ten people each, as the province's got theirs (accounts linked;
    names not used yet in the demo)."""
    builder = _Builder(session, year)
    builder.rng = random.Random(f"wflow-demo-people-{year}-{units[0].code if units else ''}")
    builder.taken |= {p.full_name for p in session.exec(select(Person)).all()}
    _people(builder, units)


def build_people_demo(session: Session, year: int) -> None:
    """Add the province's people, their moves, initiatives and title registrations."""
    builder = _Builder(session, year)
    _people(builder)
    _initiatives(builder)
    _moves(builder)
    _registrations(builder)
