"""The demo's ad-hoc awards (khen thưởng đột xuất), through the service: one decided, one
awaiting the chair, one with the secretariat.

The Youth Union proposes a member who saved two children from the Ngàn Phố river (decided by
the council's chair, `council1`, whom the award settings name), and itself for the flood-relief
volunteer teams of its summer campaign (seed 002's "campaign of summer youth volunteers",
1,034 teams); the Women's Union proposes a member who gave blood for the fifteenth time in
a "Giọt hồng" drive (seed 000's "Don de sang bénévole").
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from wflow.adhoc import service as adhoc
from wflow.awards import catalogue as awards
from wflow.clock import utcnow
from wflow.demo.org import DEMO_PASSWORD, user_by_login
from wflow.engine import Engine
from wflow.org.models import Role, Unit, User
from wflow.people import service as people


def _head(session: Session, unit: Unit) -> User:
    users = session.exec(select(User).where(User.unit_id == unit.id).order_by(col(User.id))).all()
    return next(u for u in users if u.has_role(Role.UNIT_HEAD))


def _day(year: int, days_ago: int) -> date:
    """Return a day of this year some days ago (1 January at the earliest)."""
    return max(date(year, 1, 1), utcnow().date() - timedelta(days=days_ago))


def build_adhoc_demo(session: Session, engine: Engine, year: int) -> None:
    """Propose, check and decide the demo's ad-hoc awards."""
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    tdoan, hlhpn = units["TDOAN"], units["HLHPN"]
    admin, secretariat = user_by_login(session, "admin"), user_by_login(session, "secretariat")
    chair = user_by_login(session, "council1")
    awards.set_council_chair(session, admin, chair.id)
    person_merit = awards.award_by_code(session, "person_certificate_of_merit")
    commendation = awards.award_by_code(session, "commendation_certificate")
    assert person_merit is not None and commendation is not None
    youth = people.people_of(session, [tdoan.id or 0])
    women = people.people_of(session, [hlhpn.id or 0])
    rescuer = next(p for p in reversed(youth) if p.active)
    donor = next(p for p in reversed(women) if p.active)

    rescue = adhoc.propose(session, engine, user=_head(session, tdoan), unit_id=tdoan.id or 0,
                           proposal=adhoc.Proposal(
        person_merit.id, f"person:{rescuer.id}", _day(year, 40),
        "Dũng cảm cứu hai em nhỏ bị đuối nước trên sông Ngàn Phố",
        f"Chiều hôm đó, đồng chí {rescuer.full_name} đang trên đường về thì nghe tiếng kêu cứu; "
        "không ngại nguy hiểm, đồng chí đã lao xuống dòng nước xiết, đưa hai em học sinh lớp 5 "
        "vào bờ an toàn và sơ cứu kịp thời trước khi lực lượng y tế xã đến. Hành động được "
        "chính quyền địa phương và gia đình các em xác nhận, báo Hà Tĩnh đưa tin.",
    ))  # fmt: skip
    adhoc.submit(session, engine, user=_head(session, tdoan), row=rescue)
    adhoc.accept(session, engine, user=secretariat, row=rescue)
    issued = _day(year, 30)
    adhoc.sign_decision(session, engine, user=chair, row=rescue,
                        number=adhoc.next_number(session, issued), issued_on=issued,
                        password=DEMO_PASSWORD)  # fmt: skip

    relief = adhoc.propose(session, engine, user=_head(session, tdoan), unit_id=tdoan.id or 0,
                           proposal=adhoc.Proposal(
        commendation.id, f"unit:{tdoan.id}", _day(year, 20),
        "Đội hình thanh niên tình nguyện hỗ trợ nhân dân khắc phục hậu quả lũ lụt",
        "Trong 10 ngày, Tỉnh Đoàn đã huy động 34 đội hình thanh niên tình nguyện với 1.250 đoàn "
        "viên, thanh niên giúp nhân dân các xã vùng lũ dọn dẹp 620 ngôi nhà, 18 trường học, "
        "trao 1.500 suất quà trị giá 450 triệu đồng.",
    ))  # fmt: skip
    adhoc.submit(session, engine, user=_head(session, tdoan), row=relief)
    adhoc.accept(session, engine, user=secretariat, row=relief)  # the chair's to decide

    blood = adhoc.propose(session, engine, user=_head(session, hlhpn), unit_id=hlhpn.id or 0,
                          proposal=adhoc.Proposal(
        person_merit.id, f"person:{donor.id}", _day(year, 10),
        "Hiến máu tình nguyện lần thứ 15 và vận động 120 hội viên cùng tham gia",
        "Tại ngày hội \"Giọt hồng yêu thương\", chị đã hiến máu lần thứ 15 và vận động 120 hội "
        "viên phụ nữ tham gia, góp 96 đơn vị máu cho Bệnh viện Đa khoa tỉnh.",
    ))  # fmt: skip
    adhoc.submit(session, engine, user=_head(session, hlhpn), row=blood)  # the secretariat's
