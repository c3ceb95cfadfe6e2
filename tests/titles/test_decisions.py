"""A unit head decides its people's titles: granting, each refusal, all or nothing, who may."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import submit
from tests.people.test_views import as_user
from wflow.awards import catalogue as awards
from wflow.core.access import current_year
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.initiatives import service as initiatives
from wflow.org.models import User
from wflow.people import registration as regs
from wflow.people import service as people
from wflow.people.models import Person
from wflow.titles import rules
from wflow.titles import service as titles
from wflow.titles.models import PersonTitle, TitleDecision

LAST = current_year() - 1  # titles are decided on last year's results
ON = date(LAST, 12, 20)


def english(app: Flask) -> Any:
    """Return a request context reading English (service refusals are compared as text)."""
    return app.test_request_context("/api/", headers={"Accept-Language": "en"})


def person(app: Flask, session: Session, head: User, unit_id: int, name: str) -> Person:
    """Add a person to the unit through the service."""
    with app.test_request_context():
        sex = "female" if " Thị " in name else "male"
        return people.create_person(session, user=head, unit_id=unit_id, full_name=name,
                                    position="Chuyên viên", sex=sex, birth_year=1990,
                                    since=date(LAST - 5, 1, 1))  # fmt: skip


def register(app: Flask, session: Session, head: User, unit_id: int, year: int, title: str,
             *who: Person) -> None:  # fmt: skip
    """Register people of the unit for a title in a year."""
    with app.test_request_context():
        regs.register(session, user=head, unit_id=unit_id, year=year, title=title,
                      person_ids=[p.id or 0 for p in who])  # fmt: skip


def initiative(app: Flask, session: Session, head: User, unit_id: int, year: int, level: str,
               *authors: Person) -> None:  # fmt: skip
    """Record an initiative of `year` recognised at `level`, by `authors`."""
    with app.test_request_context():
        initiatives.create_initiative(
            session, user=head, unit_id=unit_id, kind="initiative",
            title=f"Sáng kiến {year} {level} {authors[0].full_name}", year=year,
            recognition=initiatives.Recognition(level=level, decision_number=f"{year}/QĐ"),
            authors=initiatives.Authors(person_ids=[p.id or 0 for p in authors]),
        )  # fmt: skip


def granted(session: Session) -> list[tuple[str, str, int]]:
    """Return every granted title as (person, award code, year), sorted."""
    session.expire_all()
    rows = session.exec(select(PersonTitle)).all()
    names = {p.id: p.full_name for p in session.exec(select(Person)).all()}
    codes = {a.id: a.code for a in awards.catalogue(session)}
    return sorted((names[r.person_id], codes[r.award_id], r.year) for r in rows)


def decisions_count(session: Session) -> int:
    """Return how many title decisions are stored."""
    session.expire_all()
    return len(session.exec(select(TitleDecision.id)).all())


@pytest.fixture
def unit_a1(app: Flask, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """Unit A1 with Hà (LĐTT and CSTĐCS registered, a unit-level initiative), Nam and Lan
    (LĐTT registered; Nam also CSTĐCS, with no initiative), Lan not registered for CSTĐCS."""
    a1, head = world["units"]["a1"], world["users"]["a1.head"]
    ha = person(app, session, head, a1.id, "Nguyễn Thị Hà")
    nam = person(app, session, head, a1.id, "Trần Văn Nam")
    lan = person(app, session, head, a1.id, "Lê Thị Lan")
    register(app, session, head, a1.id, LAST, "advanced_worker", ha, nam, lan)
    register(app, session, head, a1.id, LAST, "grassroots_fighter", ha, nam)
    initiative(app, session, head, a1.id, LAST, "unit", ha)
    return {"unit": a1, "head": head, "ha": ha, "nam": nam, "lan": lan}


def form(number: str, *grants: tuple[str, Person], year: int = LAST) -> dict[str, Any]:
    """Return the decision form's fields."""
    return {"year": year, "number": number, "issued_on": ON.isoformat(),
            "grants": [f"{code}:{p.id}" for code, p in grants]}  # fmt: skip


def test_decide__the_head_grants_titles_in_one_decision_shown_on_the_pages(
    app: Flask, session: Session, unit_a1: dict[str, Any]
) -> None:
    a1, ha, nam, lan = unit_a1["unit"], unit_a1["ha"], unit_a1["nam"], unit_a1["lan"]
    head = as_user(app, "a1.head")
    url = f"/units/{a1.id}/titles?year={LAST}"
    page = head.get(url).get_data(as_text=True)
    assert "No decision yet for this year." in page
    assert f'value="grassroots_fighter:{ha.id}"' in page  # the registered people are offered
    assert f'value="grassroots_fighter:{lan.id}"' not in page
    chosen = (("advanced_worker", ha), ("advanced_worker", nam), ("advanced_worker", lan),
              ("grassroots_fighter", ha))  # fmt: skip
    answer = submit(head, url, form("15/QĐ-A1", *chosen))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert granted(session) == sorted([
        ("Nguyễn Thị Hà", "advanced_worker", LAST), ("Trần Văn Nam", "advanced_worker", LAST),
        ("Lê Thị Lan", "advanced_worker", LAST), ("Nguyễn Thị Hà", "grassroots_fighter", LAST),
    ])  # fmt: skip
    page = head.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Decision 15/QĐ-A1 recorded." in page and "Trần Văn Nam" in page
    assert page.count("Lao động tiên tiến") >= 3 and "Chiến sĩ thi đua cơ sở" in page
    shown = head.get(f"/people/{ha.id}").get_data(as_text=True)
    awarded = shown[shown.find('id="awarded"') :]
    assert "Chiến sĩ thi đua cơ sở" in awarded and "15/QĐ-A1" in awarded
    # the committee reads the unit's decisions
    assert "15/QĐ-A1" in as_user(app, "secretariat").get(url).get_data(as_text=True)


def test_decide__each_refusal_names_the_person_and_changes_nothing(
    app: Flask, session: Session, unit_a1: dict[str, Any]
) -> None:
    a1, ha, nam, lan = unit_a1["unit"], unit_a1["ha"], unit_a1["nam"], unit_a1["lan"]
    head = as_user(app, "a1.head")
    url = f"/units/{a1.id}/titles?year={LAST}"
    cases = [
        (
            form("1/QĐ", ("advanced_worker", ha), ("grassroots_fighter", lan)),
            422,
            f"Lê Thị Lan is not registered by this unit for Chiến sĩ thi đua cơ sở in {LAST}.",
        ),
        (
            form("1/QĐ", ("grassroots_fighter", ha)),
            422,
            f"Nguyễn Thị Hà: Chiến sĩ thi đua cơ sở needs Lao động tiên tiến in {LAST}.",
        ),
        (
            form("1/QĐ", ("advanced_worker", nam), ("grassroots_fighter", nam)),
            422,
            f"Trần Văn Nam: Chiến sĩ thi đua cơ sở needs an initiative or model recognised in "
            f"{LAST} at Unit level (cấp cơ sở) or higher.",
        ),
        (form("1/QĐ", ("advanced_worker", ha), ("advanced_worker", lan)), 422, None),  # no date
    ]
    cases[-1][0]["issued_on"] = ""
    for data, status, said in cases:
        answer = submit(head, url, data)
        page = answer.get_data(as_text=True)
        assert answer.status_code == status, page
        if said:
            assert said.replace("“", "&#34;") in page.replace("&amp;", "&"), said
        # the choices stay on the form
        for value in data["grants"]:
            assert re.search(rf'value="{value}"[^>]*checked|checked[^>]*value="{value}"', page)
    assert granted(session) == [] and decisions_count(session) == 0


def test_decide__quota_of_grassroots_fighters_and_admins_change_it(
    app: Flask, session: Session, world: dict[str, Any], unit_a1: dict[str, Any]
) -> None:
    a1, head, ha, nam = unit_a1["unit"], unit_a1["head"], unit_a1["ha"], unit_a1["nam"]
    initiative(app, session, head, a1.id, LAST, "province", nam)
    both = [titles.Grant(p.id or 0, code) for p in (ha, nam)
            for code in ("advanced_worker", "grassroots_fighter")]  # fmt: skip
    with english(app):
        with pytest.raises(ServiceError) as refused:
            titles.decide(session, user=head, unit_id=a1.id, year=LAST, number="2/QĐ",
                          issued_on=ON, grants=both)  # fmt: skip
        said = str(refused.value.message)
        assert refused.value.status == 422 and refused.value.field == "grants"
        assert (
            f"Chiến sĩ thi đua cơ sở: at most 1 of the unit's 2 Lao động tiên tiến in {LAST}"
            in said
        )
        assert "Nguyễn Thị Hà, Trần Văn Nam" in said
        assert granted(session) == [] and decisions_count(session) == 0
        # an administrator raises the quota to 50 %: two of two may be chosen... not more
        fighter = awards.award_by_code(session, "grassroots_fighter")
        assert fighter is not None
        raw = fighter.model_dump() | {"prerequisites": "same_year advanced_worker\n"
                                      "initiative unit\nquota advanced_worker 100%"}  # fmt: skip
        awards.save_award(session, fighter, raw)
        titles.decide(session, user=head, unit_id=a1.id, year=LAST, number="2/QĐ",
                      issued_on=ON, grants=both)  # fmt: skip
    assert len(granted(session)) == 4
    assert rules.quota_limit(7, Decimal(15)) == 1 and rules.quota_limit(20, Decimal(15)) == 3
    assert rules.quota_limit(0, Decimal(15)) == 0


def test_decide__the_same_title_twice_is_refused_naming_the_earlier_decision(
    app: Flask, session: Session, unit_a1: dict[str, Any]
) -> None:
    a1, ha, nam = unit_a1["unit"], unit_a1["ha"], unit_a1["nam"]
    head = as_user(app, "a1.head")
    url = f"/units/{a1.id}/titles?year={LAST}"
    assert submit(head, url, form("7/QĐ-A1", ("advanced_worker", ha))).status_code == 303
    again = submit(head, url, form("8/QĐ-A1", ("advanced_worker", nam), ("advanced_worker", ha)))
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert (f"Nguyễn Thị Hà already holds Lao động tiên tiến for {LAST} (decision 7/QĐ-A1)"
            in page)  # fmt: skip
    same_number = submit(head, url, form("7/QĐ-A1", ("advanced_worker", nam)))
    assert same_number.status_code == 409
    assert "The unit already has a decision numbered 7/QĐ-A1" in same_number.get_data(as_text=True)
    assert granted(session) == [("Nguyễn Thị Hà", "advanced_worker", LAST)]
    assert decisions_count(session) == 1


def test_decide__only_the_units_head_decides_others_read_or_are_refused(
    app: Flask, session: Session, world: dict[str, Any], unit_a1: dict[str, Any]
) -> None:
    a1, ha = unit_a1["unit"], unit_a1["ha"]
    url = f"/units/{a1.id}/titles?year={LAST}"
    data = form("9/QĐ", ("advanced_worker", ha))
    other = as_user(app, "b1.head")
    assert other.get(url).status_code == 403
    assert submit(other, url, data, page="/notifications").status_code == 403
    for login in ("a1.staff", "secretariat", "admin", "council"):
        client = as_user(app, login)
        page = client.get(url)
        assert page.status_code == 200 and 'id="decide"' not in page.get_data(as_text=True)
        assert submit(client, url, data, page="/notifications").status_code == 403, login
    missing_token = as_user(app, "a1.head").post(url, data=data)
    assert missing_token.status_code == 400  # CSRF
    with english(app):
        with pytest.raises(Forbidden):
            titles.decide(session, user=world["users"]["a2.head"], unit_id=a1.id, year=LAST,
                          number="9/QĐ", issued_on=ON,
                          grants=[titles.Grant(ha.id or 0, "advanced_worker")])  # fmt: skip
        # the council's titles are not a unit head's to grant
        with pytest.raises(ServiceError) as refused:
            titles.decide(session, user=unit_a1["head"], unit_id=a1.id, year=LAST,
                          number="9/QĐ", issued_on=ON,
                          grants=[titles.Grant(ha.id or 0, "provincial_fighter")])  # fmt: skip
        assert "Choose titles the unit's head decides." in str(refused.value.message)
    assert as_user(app, "a1.head").get(f"/units/{a1.id + 999}/titles").status_code == 404
    assert granted(session) == [] and decisions_count(session) == 0


def test_prerequisites__history_moves_with_the_person_across_units(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1, a2 = world["units"]["a1"], world["units"]["a2"]
    h1, h2 = world["users"]["a1.head"], world["users"]["a2.head"]
    y = current_year()
    ha = person(app, session, h1, a1.id, "Nguyễn Thị Hà")
    for year in (y - 3, y - 2):
        register(app, session, h1, a1.id, year, "advanced_worker", ha)
        register(app, session, h1, a1.id, year, "grassroots_fighter", ha)
        initiative(app, session, h1, a1.id, year, "unit", ha)
        with app.test_request_context():
            titles.decide(session, user=h1, unit_id=a1.id, year=year, number=f"{year}/QĐ-A1",
                          issued_on=date(year, 12, 30),
                          grants=[titles.Grant(ha.id or 0, "advanced_worker"),
                                  titles.Grant(ha.id or 0, "grassroots_fighter")])  # fmt: skip
    with app.test_request_context():
        people.move_person(session, user=h1, person=ha, unit_id=a2.id, position="Phó Chủ tịch",
                           on=date(y - 1, 1, 2))  # fmt: skip
    register(app, session, h2, a2.id, y - 1, "advanced_worker", ha)
    with english(app):
        titles.decide(session, user=h2, unit_id=a2.id, year=y - 1, number="3/QĐ-A2",
                      issued_on=date(y - 1, 12, 30),
                      grants=[titles.Grant(ha.id or 0, "advanced_worker")])  # fmt: skip
        award = awards.award_by_code(session, "provincial_fighter")
        assert award is not None
        names = titles.award_names(session)
        held = rules.held_titles(session, [ha.id or 0])
        candidate = rules.Candidate(ha, award)
        # Chiến sĩ thi đua cấp tỉnh for y-2: CSTĐCS of y-4 and a provincial initiative lack
        said = rules.missing(session, candidate, y - 2, held, names)
        assert said == [
            f"Nguyễn Thị Hà: Chiến sĩ thi đua cấp tỉnh needs Chiến sĩ thi đua cơ sở in each year "
            f"from {y - 4} to {y - 2}; missing: {y - 4}.",
            f"Nguyễn Thị Hà: Chiến sĩ thi đua cấp tỉnh needs an initiative or model recognised "
            f"in {y - 2} at Province or ministry level or higher.",
        ]
        initiative(app, session, h2, a2.id, y - 2, "national", ha)  # national counts as province
        said = rules.missing(session, candidate, y - 2, held, names)
        assert len(said) == 1 and "missing" in said[0]
        # one achievement, one award: last year's title once, whichever unit asks
        with pytest.raises(Conflict):
            titles.decide(session, user=h2, unit_id=a2.id, year=y - 1, number="4/QĐ-A2",
                          issued_on=date(y - 1, 12, 30),
                          grants=[titles.Grant(ha.id or 0, "advanced_worker")])  # fmt: skip
    rows = session.exec(select(PersonTitle).order_by(col(PersonTitle.year))).all()
    assert [(r.year, r.unit_id) for r in rows] == [
        (y - 3, a1.id), (y - 3, a1.id), (y - 2, a1.id), (y - 2, a1.id), (y - 1, a2.id)
    ]  # fmt: skip
