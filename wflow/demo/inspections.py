"""The demo's inspection (kiểm tra, giám sát), through the service: the council's team reviews
the provincial Youth Union's first six months, as the Central Youth Union did Hanoi's (seed 001).

Three recommendations: one answered and closed, one past due and not answered (it shows on the
committee's dashboard and in the Youth Union's inbox), one not yet due.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.demo.org import user_by_login
from wflow.engine import Engine
from wflow.inspections import service as inspections
from wflow.inspections.models import Inspection
from wflow.org.models import Role, Unit, User

FINDINGS = (
    'Tỉnh Đoàn đã triển khai nhanh 5 nhóm nhiệm vụ trọng tâm của "Năm chuyển đổi số trong hoạt '
    'động Đoàn"; hơn 505.000 lượt đoàn viên, thanh niên tham gia hoạt động tình nguyện, 799 '
    "công trình thanh niên với tổng giá trị gần 19 tỷ đồng.\n"
    "Việc học tập, quán triệt Nghị quyết Đại hội Đoàn tuy đạt kết quả tốt về số lượng nhưng "
    "chất lượng chưa như kỳ vọng; một số cơ sở Đoàn còn lúng túng trong đổi mới hình thức."
)
RECOMMENDATIONS = (
    # (text, person in charge, due in days from today (negative: past), answered and closed)
    ("Khẩn trương xây dựng chương trình hành động thực hiện Nghị quyết Đại hội Đoàn; đa dạng "
     "hình thức học tập, bảo đảm chất lượng, không chạy theo số lượng.", "Phạm Thu Trang", -10,
     False),
    ("Tập trung về cơ sở: quy hoạch, đào tạo đội ngũ cán bộ Đoàn kế cận tại các trường đại "
     "học, cao đẳng; chú trọng phát triển đảng viên trong học sinh, sinh viên.", "", 45, False),
    ("Bảo đảm an toàn, hiệu quả chiến dịch thanh niên tình nguyện hè; báo cáo kết quả về "
     "Thường trực Hội đồng.", "Phạm Thu Trang", -20, True),
)  # fmt: skip
ANSWER = (
    "Chiến dịch hè đã huy động 223 đội hình và gần 4.500 tình nguyện viên hỗ trợ thí sinh; "
    "không để xảy ra mất an toàn. Báo cáo số 45-BC/TĐTN đã gửi Thường trực Hội đồng."
)


def _head(session: Session, unit: Unit) -> User:
    users = session.exec(select(User).where(User.unit_id == unit.id).order_by(col(User.id))).all()
    return next(u for u in users if u.has_role(Role.UNIT_HEAD))


def build_inspection_demo(session: Session, engine: Engine, year: int) -> Inspection:
    """Plan and carry out the demo's inspection, its findings, recommendations and answers."""
    youth = session.exec(select(Unit).where(Unit.code == "TDOAN")).one()
    secretariat, head = user_by_login(session, "secretariat"), _head(session, youth)
    today = utcnow().date()
    starts = max(date(year, 1, 1), today - timedelta(days=40))
    row = inspections.plan(session, engine, user=secretariat, given=inspections.InspectionInput(
        title=f"Kiểm tra công tác Đoàn và phong trào thanh thiếu nhi 6 tháng đầu năm {year}",
        inspecting_body="Đoàn kiểm tra của Hội đồng Thi đua – Khen thưởng tỉnh",
        lead_name="Trần Quốc Hưng", target=f"unit:{youth.id}",
        basis=f"Kế hoạch số 12-KH/HĐTĐKT ngày 02/01/{year} về kiểm tra, giám sát công tác "
              "thi đua, khen thưởng",
        scope="Việc học tập, quán triệt Nghị quyết Đại hội Đoàn; chuyển đổi số; phong trào "
              "thanh niên tình nguyện; chuẩn bị chiến dịch hè.",
        starts_on=starts, ends_on=starts + timedelta(days=1),
    ))  # fmt: skip
    inspections.act(session, engine, user=secretariat, row=row, trigger="begin")
    recs = [
        (inspections.add_recommendation(session, user=secretariat, row=row,
                                         given=inspections.RecommendationInput(
            text, youth.id, person, max(starts, today + timedelta(days=days)))), done)
        for text, person, days, done in RECOMMENDATIONS
    ]  # fmt: skip
    inspections.record_findings(session, engine, user=secretariat, row=row, findings=FINDINGS)
    for rec, done in recs:
        if done:
            inspections.answer(session, engine, user=head, rec=rec, text=ANSWER)
            inspections.close_recommendation(session, engine, user=secretariat, rec=rec,
                                             note="Đã thực hiện, đạt yêu cầu.")  # fmt: skip
    return row
