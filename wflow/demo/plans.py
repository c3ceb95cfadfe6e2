"""The demo's plans: one published last year, cloned by the turn of the year into consultation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.demo.org import user_by_login
from wflow.engine import Engine
from wflow.org.models import Block, User
from wflow.plans import consultation as consult
from wflow.plans import service as plans
from wflow.plans.clone import plan_of_year
from wflow.plans.criteria import CriterionInput, GroupInput
from wflow.plans.models import Criterion, Plan
from wflow.plans.registration import TargetInput, register_targets
from wflow.plans.text import default_rules
from wflow.yearturn import service as turn

LEGAL_BASES = (
    "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022;\n"
    "Nghị định số 98/2023/NĐ-CP ngày 31/12/2023 của Chính phủ quy định chi tiết thi hành"
    " một số điều của Luật Thi đua, khen thưởng;\n"
    "Thông tư số 01/2024/TT-BNV ngày 29/02/2024 của Bộ Nội vụ."
)
PURPOSES = (
    "Phát huy truyền thống yêu nước, tinh thần đoàn kết, năng động, sáng tạo của cán bộ,"
    " đoàn viên, hội viên và các tầng lớp nhân dân.\n"
    "Mỗi đơn vị xây dựng ít nhất một mô hình, điển hình tiên tiến; việc bình xét thi đua"
    " bảo đảm công khai, dân chủ, đúng quy định."
)
CONTENTS = [
    {
        "area": "Công tác tuyên truyền, vận động",
        "text": "Tuyên truyền, quán triệt các nghị quyết của Đảng; chào mừng các ngày lễ lớn.",
    },
    {
        "area": "Phong trào thi đua yêu nước",
        "text": "Tổ chức các phong trào thi đua thực hiện nhiệm vụ phát triển kinh tế - xã hội.",
    },
    {
        "area": "Xây dựng tổ chức vững mạnh",
        "text": "Củng cố tổ chức, phát triển đoàn viên, hội viên; tham gia xây dựng Đảng.",
    },
]
TABLE = [
    (
        "I",
        "Công tác tuyên truyền, giáo dục chính trị tư tưởng",
        25,
        [
            (
                "1.1",
                "Quán triệt, triển khai nghị quyết của Đảng đến cán bộ, hội viên",
                10,
                1,
                "Kế hoạch, báo cáo quán triệt",
            ),
            ("1.2", "Tuyên truyền trên báo chí, mạng xã hội", 8, 1, "Đường dẫn tin, bài"),
            (
                "1.3",
                "Nắm bắt tư tưởng, tâm trạng đoàn viên, hội viên và nhân dân",
                7,
                0,
                "Báo cáo định kỳ",
            ),
        ],
    ),
    (
        "II",
        "Phát triển đoàn viên, hội viên",
        25,
        [
            ("2.1", "Kết nạp đoàn viên, hội viên mới đạt chỉ tiêu", 15, 2, "Danh sách kết nạp"),
            ("2.2", "Xây dựng mô hình, điển hình tiên tiến", 10, 2, "Quyết định công nhận mô hình"),
        ],
    ),
    (
        "III",
        "Tham gia xây dựng Đảng, chính quyền",
        20,
        [
            (
                "3.1",
                "Giới thiệu đoàn viên, hội viên ưu tú cho Đảng xem xét kết nạp",
                10,
                1,
                "Danh sách giới thiệu",
            ),
            ("3.2", "Tham gia góp ý, giám sát và phản biện xã hội", 10, 0, "Văn bản góp ý"),
        ],
    ),
    (
        "IV",
        "Phong trào thi đua và công tác an sinh xã hội",
        20,
        [
            (
                "4.1",
                "Tổ chức phong trào thi đua chào mừng các ngày lễ lớn",
                10,
                1,
                "Báo cáo kết quả",
            ),
            ("4.2", "Vận động ủng hộ quỹ Vì người nghèo, an sinh xã hội", 10, 1, "Biên nhận"),
        ],
    ),
    (
        "V",
        "Công tác phối hợp và chế độ thông tin báo cáo",
        10,
        [
            ("5.1", "Tham gia đầy đủ các hoạt động của khối", 5, 0, "Danh sách tham dự"),
            ("5.2", "Gửi báo cáo đúng thời hạn", 5, 0, "Văn bản gửi khối"),
        ],
    ),
]


def _groups() -> list[GroupInput]:
    return [
        GroupInput(
            g,
            t,
            Decimal(m),
            [CriterionInput(c, ct, Decimal(cm), Decimal(b), e) for c, ct, cm, b, e in rows],
        )
        for g, t, m, rows in TABLE
    ]


def demo_rules() -> dict[str, Any]:
    """Return the default rules with a review every quarter (the scoreboard shows four)."""
    rules = default_rules()
    rules["reviews"] = {"q1": "03-31", "mid_year": "06-15", "q3": "09-30", "year_end": "11-30"}
    return rules


def _draft(session: Session, engine: Engine, leader: User, block: Block, year: int) -> Plan:
    plan = plans.create_plan(
        session,
        engine,
        user=leader,
        block_id=block.id or 0,
        year=year,
        title=f"Kế hoạch tổ chức phong trào thi đua năm {year} của {block.name}",
        legal_bases=LEGAL_BASES,
        purposes=PURPOSES,
        contents=CONTENTS,
        rules=demo_rules(),
    )
    plans.set_criteria(session, user=leader, plan=plan, groups=_groups())
    return plan


def build_plan_demo(session: Session, engine: Engine, year: int) -> None:
    """Publish the political block's plan for last year, turn the year, consult on the clone."""
    block = session.exec(select(Block).where(Block.code == "KCTXH")).one()
    secretariat = user_by_login(session, "secretariat")
    soon = utcnow().date() + timedelta(days=14)

    last_leader = user_by_login(session, "mttq.head")
    last = _draft(session, engine, last_leader, block, year - 1)
    plans.open_consultation(session, engine, user=last_leader, plan=last, until=soon)
    for who, trigger in (
        (last_leader, "end_consultation"),
        (last_leader, "submit"),
        (secretariat, "approve"),
        (last_leader, "publish"),
    ):
        subjects.fire(session, engine, user=who, subject=last, trigger=trigger)
    criteria = session.exec(select(Criterion).where(Criterion.plan_id == last.id)).all()
    for code in ("mttq", "tdoan", "hlhpn", "ldld", "hnd"):  # HCCB did not register
        register_targets(
            session,
            user=user_by_login(session, f"{code}.head"),
            plan=last,
            year=year - 1,
            targets=[
                TargetInput(c.id or 0, f"Hoàn thành 100% chỉ tiêu {c.code}", c.max_points)
                for c in criteria
            ],
        )

    # The secretariat turns the year: members copied with the leaders the conference elected,
    # last year's plan cloned as this year's draft, which the new leading unit consults on.
    turn.open_year(session, engine, year=year, user=secretariat)
    current = plan_of_year(session, block.id or 0, year)
    assert current is not None
    leader = user_by_login(session, "tdoan.head")
    plans.open_consultation(session, engine, user=leader, plan=current, until=soon)
    target = session.exec(
        select(Criterion).where(Criterion.plan_id == current.id, Criterion.code == "2.1")
    ).one()
    remark = consult.comment(
        session,
        user=user_by_login(session, "hlhpn.head"),
        plan=current,
        section="criterion",
        criterion_id=target.id,
        body="Đề nghị tách chỉ tiêu kết nạp hội viên theo từng đối tượng để dễ chấm điểm.",
    )
    consult.answer_comment(
        session,
        user=leader,
        plan=current,
        comment_id=remark.id or 0,
        answer="Khối tiếp thu, sẽ điều chỉnh ở dự thảo hoàn thiện.",
    )
    consult.comment(
        session,
        user=user_by_login(session, "hnd.head"),
        plan=current,
        section="rules",
        body="Đề nghị lùi hạn gửi báo cáo tổng kết năm sang ngày 05/12.",
    )
