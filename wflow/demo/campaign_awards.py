"""The demo's campaign awards (seed 002): the peak campaign closes with a signed decision.

The provincial Youth Union (TDOAN) gets the twelve youth unions under it (wards', communes',
the provincial agencies' and the police's: since 1 July 2025 there is no district level),
five people each. After last year's peak campaign closed, its head opened a dossier for the
campaign asking the certificate of merit (Bằng khen) for twelve collectives and three people,
and imported the list; the political block voted on it in November. Then, as every signature
of the demo is made with keys created when it is built, the signed steps are dated now: last
year's leading unit signs and submits the dossier, the secretariat refers it to a council
session, the council votes on every name with one ballot paper each (one member in writing;
the last name is voted down) and the chair signs the decision, which grants the others, their
certificates signed in one batch.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, select

from wflow.awards import campaign_dossiers as dossiers
from wflow.awards import catalogue as awards
from wflow.awards import decisions as award_decision
from wflow.awards import nominations as noms
from wflow.awards import nominees as dossier_nominees
from wflow.awards.documents import leader_unit
from wflow.awards.models import Nomination
from wflow.campaigns import service as campaigns
from wflow.campaigns.models import Campaign
from wflow.clock import utcnow
from wflow.core import subjects
from wflow.demo.campaigns import PEAK_TITLE, _at, _day
from wflow.demo.org import DEMO_PASSWORD, heads_of, user_by_login
from wflow.demo.people import FAMILY, GIVEN, MIDDLE
from wflow.engine import Engine
from wflow.org import service as org
from wflow.org.models import BlockMembership, Role, Unit, UnitKind, User
from wflow.people import service as people
from wflow.people.models import Person, Sex

# (code, name, what it achieved in the campaign): the Youth Union's units, in its own order
YOUTH_UNIONS = [
    ("DTN-THANHSEN", "Đoàn Thanh niên phường Thành Sen",
     "Ra mắt 2 tuyến phố thông minh, hướng dẫn 620 người dân thanh toán không dùng tiền mặt."),
    ("DTN-TRANPHU", "Đoàn Thanh niên phường Trần Phú",
     "Hỗ trợ kích hoạt 780 tài khoản định danh điện tử VNeID tại khu dân cư."),
    ("DTN-HONGLINH", "Đoàn Thanh niên phường Hồng Lĩnh",
     "Thành lập 4 tổ công nghệ số cộng đồng, tập huấn kỹ năng số cho 450 người."),
    ("DTN-CAMXUYEN", "Đoàn Thanh niên xã Cẩm Xuyên",
     "Xây dựng tuyến đường không dùng tiền mặt tại chợ Cẩm Xuyên, 35 hộ kinh doanh tham gia."),
    ("DTN-DUCTHO", "Đoàn Thanh niên xã Đức Thọ",
     "Hướng dẫn 520 người dân sử dụng dịch vụ công trực tuyến."),
    ("DTN-HUONGKHE", "Đoàn Thanh niên xã Hương Khê",
     "5 đội hình tình nguyện hỗ trợ chuyển đổi số tại thôn, bản vùng khó khăn."),
    ("DTN-HUONGSON", "Đoàn Thanh niên xã Hương Sơn",
     "Hỗ trợ 40 hộ nông dân bán nông sản trên sàn thương mại điện tử."),
    ("DTN-NGHIXUAN", "Đoàn Thanh niên xã Nghi Xuân",
     "Kích hoạt 610 tài khoản VNeID, hoàn thành 180% chỉ tiêu đăng ký."),
    ("DTN-CANLOC", "Đoàn Thanh niên xã Can Lộc",
     "Công trình thanh niên số “Bản đồ số di tích” được địa phương ghi nhận."),
    ("DTN-THACHHA", "Đoàn Thanh niên xã Thạch Hà",
     "Hướng dẫn 400 người cao tuổi sử dụng điện thoại thông minh an toàn."),
    ("DTN-KHOICQ", "Đoàn Khối các cơ quan và doanh nghiệp tỉnh",
     "8 công trình số hóa hồ sơ, tài liệu tại các cơ quan khối."),
    ("DTN-CONGAN", "Đoàn Thanh niên Công an tỉnh",
     "Hỗ trợ thu nhận, kích hoạt 2.300 tài khoản định danh điện tử mức độ 2."),
]  # fmt: skip
POSITIONS = ("Bí thư", "Phó Bí thư", "Ủy viên Ban Thường vụ", "Đoàn viên", "Đoàn viên")
PEOPLE_AWARDED = 3  # the secretaries of the first three unions, to a person
COUNCIL_REJECTS = 1  # the council votes one name down on its ballot paper (the last one)


def _youth_unions(session: Session, youth: Unit, admin: User, year: int) -> list[Unit]:
    """Return the units under the Youth Union, creating the twelve (and their people) if none."""
    below = [u for u in campaigns.own_units(session, youth.id or 0) if u.id != youth.id]
    if below:
        return below
    rng = random.Random(f"wflow-demo-youth-{year}")
    taken = set(session.exec(select(Person.full_name)).all())
    units = []
    for code, name, _done in YOUTH_UNIONS:
        unit = org.create_unit(session, name=name, code=code, kind=UnitKind.SOCIO_POLITICAL.value,
                               parent_id=youth.id)  # fmt: skip
        session.flush()
        for position in POSITIONS:
            sex = Sex.FEMALE if rng.random() < 0.5 else Sex.MALE
            full = ""
            while not full or full in taken:
                full = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
            taken.add(full)
            people.create_person(
                session, user=admin, unit_id=unit.id or 0, full_name=full, position=position,
                sex=sex.value, birth_year=rng.randint(1990, 2002),
                since=date(year - rng.randint(2, 5), rng.randint(1, 12), 1),
            )  # fmt: skip
        units.append(unit)
    return units


def _nominee_table(session: Session, units: list[Unit]) -> bytes:
    """Return the dossier's list as the Youth Union's CSV: the collectives, then three people."""
    done = {code: text for code, _name, text in YOUTH_UNIONS}
    lines = ["STT,Loại,Họ tên / Tên tập thể,Mã,Hình thức khen thưởng,Tóm tắt thành tích"]
    for unit in units[: len(YOUTH_UNIONS)]:
        text = done.get(unit.code, "Hoàn thành xuất sắc các chỉ tiêu đợt thi đua.")
        lines.append(f'{len(lines)},Tập thể,"{unit.name}",{unit.code},Bằng khen,"{text}"')
    for unit in units[:PEOPLE_AWARDED]:
        secretary = next(p for p in people.people_of(session, [unit.id or 0])
                         if p.position == POSITIONS[0])  # fmt: skip
        lines.append(f'{len(lines)},Cá nhân,"{secretary.full_name}",,Bằng khen (cá nhân),'
                     f'"Bí thư {unit.name}: trực tiếp chỉ đạo, dẫn đầu đợt thi đua."')  # fmt: skip
    return ("\n".join(lines) + "\n").encode("utf-8")


def _council_ballot(session: Session, engine: Engine, *, member: User, nomination: Nomination,
                    secretariat: User | None = None) -> None:  # fmt: skip
    """Cast one council member's ballot paper on the dossier's names (in writing through the
    secretariat): yes to every name but the last, which the council votes down."""
    names = dossier_nominees.nominees(session, nomination)
    paper = {n.row.id or 0: "yes" for n in names}
    for n in names[len(names) - COUNCIL_REJECTS :]:
        paper[n.row.id or 0] = "no"
    if secretariat is None:
        noms.cast_vote(session, engine, user=member, nomination=nomination, paper=paper)
    else:
        noms.record_written_vote(session, engine, user=secretariat, nomination=nomination,
                                 member_id=member.id or 0, paper=paper)  # fmt: skip


def build_campaign_awards_demo(session: Session, engine: Engine, year: int) -> Nomination:
    """Award last year's peak campaign: the Youth Union's dossier, decided and certified."""
    last = year - 1
    campaign = session.exec(select(Campaign).where(Campaign.title == PEAK_TITLE)).one()
    youth = session.exec(select(Unit).where(Unit.code == "TDOAN")).one()
    admin, secretariat = user_by_login(session, "admin"), user_by_login(session, "secretariat")
    units = _youth_unions(session, youth, admin, year)
    head = user_by_login(session, "tdoan.head")
    merit = awards.award_by_code(session, "certificate_of_merit")
    assert merit is not None
    with _at(_day(last, 11, 14, 9)):
        dossier = dossiers.propose(session, engine, user=head, campaign=campaign,
                                   unit_id=youth.id or 0, award_id=merit.id or 0)  # fmt: skip
    leading = leader_unit(session, dossier)
    if leading is None:
        raise RuntimeError("the political block had no leading unit last year")
    leader = heads_of(session, [leading.id or 0])[0]
    members = [u.unit_id for u in _members(session, dossier)]
    with _at(_day(last, 11, 18, 8)):
        subjects.fire(session, engine, user=leader, subject=dossier, trigger="open_block_vote")
    with _at(_day(last, 11, 18, 10)):
        for member in heads_of(session, members):
            noms.cast_vote(session, engine, user=member, nomination=dossier, choice="yes")
        noms.close_vote(session, engine, user=leader, nomination=dossier)
    with _at(_day(last, 11, 20, 15)):
        dossier_nominees.import_nominees(session, user=user_by_login(session, "tdoan.staff"),
                                         nomination=dossier, data=_nominee_table(session, units),
                                         filename="danh-sach-de-nghi-khen-thuong.csv")  # fmt: skip
    # signed with keys made when the demo is built: from here on, dated now
    noms.submit_dossier(session, engine, user=leader, nomination=dossier, password=DEMO_PASSWORD)
    subjects.fire(session, engine, user=secretariat, subject=dossier, trigger="start_review")
    held_on = utcnow().date() - timedelta(days=2)
    council_session = award_decision.create_session(
        session, user=secretariat, year=last, held_on=held_on,
        title=f"Phiên họp Hội đồng Thi đua - Khen thưởng xét khen thưởng {PEAK_TITLE} năm {last}",
    )  # fmt: skip
    subjects.fire(session, engine, user=secretariat, subject=dossier, trigger="refer_to_council",
                  data={"session_id": str(council_session.id)})  # fmt: skip
    council = sorted((u for u in session.exec(select(User)).all()
                      if Role.COUNCIL_MEMBER.value in u.roles), key=lambda u: u.login)  # fmt: skip
    for member in council[:-1]:
        _council_ballot(session, engine, member=member, nomination=dossier)
    if council:  # the last member was away and voted in writing
        _council_ballot(session, engine, member=council[-1], nomination=dossier,
                        secretariat=secretariat)  # fmt: skip
    noms.close_vote(session, engine, user=secretariat, nomination=dossier)
    decision = award_decision.submit_decision(
        session, engine, user=secretariat, council_session=council_session,
        number=award_decision.next_number(session, held_on), issued_on=held_on,
    )  # fmt: skip
    award_decision.sign_decision(session, engine, user=user_by_login(session, "council1"),
                                 decision=decision, password=DEMO_PASSWORD)  # fmt: skip
    return dossier


def _members(session: Session, nomination: Nomination) -> list[BlockMembership]:
    """Return the block's members in the nomination's year."""
    query = select(BlockMembership).where(BlockMembership.block_id == nomination.block_id,
                                          BlockMembership.year == nomination.year)  # fmt: skip
    return list(session.exec(query).all())
