"""The catalogue's titles of people: seeded once with the law's defaults, configured by admins."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import Session, select

from tests.conftest import present, submit
from tests.people.test_views import as_user
from wflow.awards import catalogue as awards
from wflow.awards.models import Award, Setting


def codes(session: Session) -> list[str]:
    """Return the catalogue's codes, highest first."""
    session.expire_all()
    return [a.code for a in awards.catalogue(session)]


def test_catalogue__the_laws_titles_are_seeded_once_beside_the_unit_awards(
    app: Flask, session: Session
) -> None:
    with app.test_request_context():
        assert codes(session) == [
            "emulation_flag", "certificate_of_merit", "excellent_collective",
            "commendation_certificate", "advanced_collective", "person_certificate_of_merit",
            "provincial_fighter", "grassroots_fighter", "advanced_worker",
        ]  # fmt: skip
        by = {a.code: a for a in awards.catalogue(session)}
        assert [(by[c].nominee, by[c].decided_by) for c in ("advanced_worker",
                "grassroots_fighter", "provincial_fighter", "person_certificate_of_merit",
                "advanced_collective", "excellent_collective")] == [
            ("person", "unit_head"), ("person", "unit_head"), ("person", "council"),
            ("person", "council"), ("unit", "council"), ("unit", "council"),
        ]  # fmt: skip
        assert by["grassroots_fighter"].prerequisites == [
            {"rule": "same_year", "award": "advanced_worker"},
            {"rule": "initiative", "level": "unit"},
            {"rule": "quota", "of": "advanced_worker", "percent": "15"},
        ]
        assert by["provincial_fighter"].prerequisites == [
            {"rule": "consecutive", "award": "grassroots_fighter", "years": 3},
            {"rule": "initiative", "level": "province"},
        ]
        assert by["emulation_flag"].prerequisites == []  # the unit awards are unchanged
        # a catalogue from before the titles gets them once; an administrator's removal stays
        for code in ("advanced_worker", "grassroots_fighter"):
            session.delete(by[code])
        session.delete(session.get(Setting, awards.TITLES_SEEDED))
        session.commit()
        assert "advanced_worker" in codes(session) and "grassroots_fighter" in codes(session)
        session.delete(session.exec(select(Award).where(Award.code == "advanced_worker")).one())
        session.commit()
        assert "advanced_worker" not in codes(session)


def _award_form(award: Award, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        name: getattr(award, name)
        for name in ("code", "name", "name_en", "level", "position", "block_threshold",
                     "block_of", "block_quorum", "council_threshold", "council_of",
                     "council_quorum", "nominee", "decided_by")
    }  # fmt: skip
    data |= {"proposers": award.proposers, "prize_multiple": str(award.prize_multiple),
             "min_score_percent": "", "active": "y", "block_secret": "y",
             "council_secret": "y"}  # fmt: skip
    return data | changes


def test_catalogue__an_administrator_changes_the_quota_and_bad_rules_are_refused(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    admin = as_user(app, "admin")
    page = admin.get("/admin/awards").get_data(as_text=True)
    assert "quota advanced_worker 15%" in page and "Chiến sĩ thi đua cơ sở" in page
    fighter = session.exec(select(Award).where(Award.code == "grassroots_fighter")).one()
    url = f"/admin/awards/{fighter.id}"
    assert "quota advanced_worker 15%" in admin.get(url).get_data(as_text=True)
    rules = "same_year advanced_worker\ninitiative unit\nquota advanced_worker 20%"
    for bad, said in (
        ("quota advanced_worker 150%", "Cannot read the prerequisite"),
        ("same_year hero_of_labour", "Cannot read the prerequisite"),
        ("consecutive grassroots_fighter many", "Cannot read the prerequisite"),
    ):
        refused = submit(admin, url, _award_form(fighter, prerequisites=bad))
        assert refused.status_code == 422 and said in refused.get_data(as_text=True), bad
    refused = submit(admin, url, _award_form(fighter, nominee="unit", prerequisites=rules))
    assert refused.status_code == 422  # a unit head decides titles of people only
    session.expire_all()
    assert present(session.get(Award, fighter.id), "the award").prerequisites[-1]["percent"] == "15"
    saved = submit(admin, url, _award_form(fighter, prerequisites=rules))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    session.expire_all()
    assert present(session.get(Award, fighter.id), "the award").prerequisites[-1] == {
        "rule": "quota", "of": "advanced_worker", "percent": "20"
    }  # fmt: skip
    # a unit's nominations offer the awards of units only
    block = world["blocks"]["a"]
    page = as_user(app, "a1.head").get(f"/blocks/{block.id}/nominations").get_data(as_text=True)
    assert "Cờ thi đua" in page and "Tập thể lao động tiên tiến" in page
    assert "Chiến sĩ thi đua cơ sở" not in page and "Lao động tiên tiến<" not in page
