"""The demo's coordination programme (seed 000), built through the services people use.

The provincial Youth Union and the Labour Federation signed a programme for the period of
the Youth Union's congress (five years up to next year); both heads agreed and signed it,
and each past year was reviewed in turn by one of the two.
"""

from __future__ import annotations

from sqlmodel import Session, select

from wflow.demo.org import DEMO_PASSWORD, user_by_login
from wflow.engine import Engine
from wflow.org.models import Unit
from wflow.programmes import service as programmes
from wflow.signatures import keys

TITLE = "Chương trình phối hợp chăm lo, phát huy vai trò đoàn viên thanh niên công nhân"
PURPOSES = (
    "Nâng cao chất lượng phối hợp giữa tổ chức Đoàn và tổ chức Công đoàn trong doanh nghiệp.\n"
    "Chăm lo đời sống vật chất, tinh thần của đoàn viên, thanh niên công nhân."
)
TASKS = (
    "Thành lập chi đoàn, tổ chức công đoàn trong doanh nghiệp ngoài nhà nước\n"
    "Tổ chức Tháng Công nhân, Ngày hội thanh niên công nhân hằng năm\n"
    "Hiến máu tình nguyện, chương trình Xuân yêu thương, Mùa đông ấm\n"
    "Bồi dưỡng kỹ năng, tay nghề cho cán bộ đoàn, đoàn viên, thanh niên công nhân"
)
ARRANGEMENTS = (
    "Hai bên giao đầu mối theo dõi; hằng năm sơ kết, hết giai đoạn tổng kết chương trình."
)
REVIEWS = (
    "Thành lập mới 14 chi đoàn doanh nghiệp; trao 480 suất quà Tháng Công nhân.",
    "Tổ chức Ngày hội thanh niên công nhân với 1.200 đoàn viên tham gia.",
    "Hiến 650 đơn vị máu; bồi dưỡng 320 cán bộ đoàn, công đoàn cơ sở.",
    "Trao 500 suất quà trị giá gần 500 triệu đồng cho công nhân khó khăn.",
)


def build_programme_demo(session: Session, engine: Engine, year: int) -> None:
    """Draft, agree, sign and review the Youth Union's programme with the Labour Federation."""
    keys.ensure_unit_certificates(session)
    labour = session.exec(select(Unit).where(Unit.code == "LDLD")).one()
    youth_head, labour_head = (
        user_by_login(session, "tdoan.head"),
        user_by_login(session, "ldld.head"),
    )
    programme = programmes.create(
        session, engine, user=user_by_login(session, "tdoan.staff"), title=TITLE, year=year - 4,
        year_end=year + 1, party_ids=[labour.id or 0], purposes=PURPOSES, tasks=TASKS,
        arrangements=ARRANGEMENTS, place="Hà Tĩnh",
    )  # fmt: skip
    programmes.submit(
        session, engine, user=user_by_login(session, "tdoan.staff"), programme=programme
    )
    for head in (youth_head, labour_head):
        programmes.act(session, engine, user=head, programme=programme, trigger="agree")
    for head in (youth_head, labour_head):
        programmes.sign(session, engine, user=head, programme=programme, password=DEMO_PASSWORD)
    for offset, summary in enumerate(REVIEWS):
        who = "tdoan.staff" if offset % 2 == 0 else "ldld.staff"
        programmes.review(session, engine, user=user_by_login(session, who), programme=programme,
                          year=year - 4 + offset, summary=summary)  # fmt: skip
