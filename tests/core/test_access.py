"""Every page refuses what the user may not see: other units, other blocks, admin pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import present, sign_in

# path template -> {user: expected status}; "*" is everybody else signed in; ANONYMOUS is a
# visitor without a session (default: sent to the login page).
# Placeholders: {a1} own unit of a1.*, {b1} another block's unit, {ka}/{kb} blocks.
ANONYMOUS = "(signed out)"
MATRIX: dict[str, dict[str, int]] = {
    "/": {"*": 200},
    "/healthz": {"*": 200, ANONYMOUS: 200},  # public, for load balancers
    "/favicon.ico": {"*": 301, ANONYMOUS: 301},  # public: the icon (PDF views ask for it)
    "/units/{a1}": {
        "a1.head": 200,
        "a1.staff": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/units/{b1}": {"b1.head": 200, "secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/units/{a1}/certificates": {
        "a1.head": 200,
        "a1.staff": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/units/{a1}/signers": {
        "a1.head": 200,
        "a1.staff": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/blocks/{ka}": {
        "a1.head": 200,
        "a1.staff": 200,
        "a2.head": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/blocks/{kb}": {"b1.head": 200, "secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/admin/units": {"admin": 200, "*": 403},
    "/admin/units/new": {"admin": 200, "*": 403},
    "/admin/units/{a1}": {"admin": 200, "*": 403},
    "/admin/blocks": {"admin": 200, "*": 403},
    "/admin/blocks/new": {"admin": 200, "*": 403},
    "/admin/blocks/{ka}": {"admin": 200, "*": 403},
    "/admin/users": {"admin": 200, "*": 403},
    "/admin/users/new": {"admin": 200, "*": 403},
    "/admin/users/{u}": {"admin": 200, "*": 403},
    "/admin/trust": {"admin": 200, "*": 403},
    # A document's public verification page and file, by the code printed on it.
    "/v/{vc}": {"*": 200, ANONYMOUS: 200},
    "/v/{vc}/file": {"*": 200, ANONYMOUS: 200},
    # The turn of the year: the secretariat and administrators only.
    "/year": {"secretariat": 200, "admin": 200, "*": 403},
    "/year/blocks/{ka}": {"secretariat": 200, "admin": 200, "*": 403},
    # Workflow pages list only what the user may see; definitions are public to members.
    "/tasks": {"*": 200},
    "/workflows": {"*": 200},
    "/workflows/pact": {"*": 200},
    "/workflows/pact.svg": {"*": 200},
    "/instances": {"*": 200},
    "/instances/{pka}": {
        "a1.head": 200,
        "a1.staff": 200,
        "a2.head": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    # Plans: the block and the committee read; the leading unit (a1) edits; members register.
    **{
        path: {
            "a1.head": 200,
            "a1.staff": 200,
            "a2.head": 200,
            "secretariat": 200,
            "council": 200,
            "admin": 200,
            "*": 403,
        }
        for path in (
            "/blocks/{ka}/plans",
            "/plans/{pl}",
            "/plans/{pl}/revisions",
            "/plans/{pl}/registrations",
            "/plans/{pl}.pdf",
        )
    },
    **{
        path: {"a1.head": 200, "a1.staff": 200, "*": 403}
        for path in ("/blocks/{ka}/plans/new", "/plans/{pl}/edit", "/plans/{pl}/criteria")
    },
    "/plans/{pl}/register": {"a1.head": 200, "a1.staff": 200, "a2.head": 200, "*": 403},
    "/account/tokens": {"*": 200},  # each user's own tokens only
    "/account/two-step": {"*": 200},  # each user's own second factor only
    "/committee": {"secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/statistics": {"secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/statistics/forms.xlsx": {"secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/notifications": {"*": 200},  # each user's own notifications only
    # Pacts and their documents: the block's members that year and the committee only; a
    # document not rendered yet is a 404, but only after the access check.
    **{
        path: {
            "a1.head": 200,
            "a1.staff": 200,
            "a2.head": 200,
            "secretariat": 200,
            "council": 200,
            "admin": 200,
            "*": 403,
        }
        for path in ("/blocks/{ka}/pacts", "/pacts/{pc}")
    },
    **{
        path: {
            "a1.head": 404,
            "a1.staff": 404,
            "a2.head": 404,
            "secretariat": 404,
            "council": 404,
            "admin": 404,
            "*": 403,
        }
        for path in ("/pacts/{pc}.pdf", "/pacts/{pc}/documents/0.pdf")
    },
    # The scoreboard: the block's members that year and the committee; the scoring sheet
    # without its unit and period is a 400, but only after the access check.
    "/blocks/{ka}/scoreboard": {
        "a1.head": 200,
        "a1.staff": 200,
        "a2.head": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/blocks/{ka}/scoreboard/sheet.pdf": {
        "a1.head": 400,
        "a1.staff": 400,
        "a2.head": 400,
        "secretariat": 400,
        "council": 400,
        "admin": 400,
        "*": 403,
    },
    # Reviews: the block's list to its members and the committee; one review, its exports
    # and evidence to the reviewed unit (a2), its reviewer (a1, the leader) and the committee.
    "/blocks/{ka}/reviews": {
        "a1.head": 200,
        "a1.staff": 200,
        "a2.head": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/units/{a1}/reviews": {
        "a1.head": 200,
        "a1.staff": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    **{
        path: {
            "a1.head": 200,
            "a1.staff": 200,
            "a2.head": 200,
            "secretariat": 200,
            "council": 200,
            "admin": 200,
            "*": 403,
        }
        for path in ("/reviews/{rv}", "/reviews/{rv}.csv", "/reviews/{rv}.xlsx")
    },
    "/reviews/{rv}/assess": {"a2.head": 200, "*": 403},  # the reviewed unit only
    "/reviews/{rv}/grade": {"a1.head": 409, "a1.staff": 409, "*": 403},  # not under review yet
    "/reviews/{rv}/evidence/0": {
        "a1.head": 404,
        "a1.staff": 404,
        "a2.head": 404,
        "secretariat": 404,
        "council": 404,
        "admin": 404,
        "*": 403,
    },
    # Nominations: the block's members that year and the committee; councils: the committee.
    **{
        path: {
            "a1.head": 200,
            "a1.staff": 200,
            "a2.head": 200,
            "secretariat": 200,
            "council": 200,
            "admin": 200,
            "*": 403,
        }
        for path in ("/blocks/{ka}/nominations", "/nominations/{nm}")
    },
    "/nominations": {"*": 200},  # each user sees the nominations of their blocks only
    "/nominations/{nm}/documents/0.pdf": {
        "a1.head": 404,
        "a1.staff": 404,
        "a2.head": 404,
        "secretariat": 404,
        "council": 404,
        "admin": 404,
        "*": 403,
    },
    "/council/sessions": {"secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/council/sessions/0": {"secretariat": 404, "council": 404, "admin": 404, "*": 403},
    "/council/decisions/0": {"secretariat": 404, "council": 404, "admin": 404, "*": 403},
    "/council/decisions/0/draft.pdf": {
        "secretariat": 404,
        "council": 404,
        "admin": 404,
        "*": 403,
    },
    **{
        path: {"admin": 200, "*": 403}
        for path in ("/admin/awards", "/admin/awards/new", "/admin/settings")
    },
    "/admin/awards/0": {"admin": 404, "*": 403},
    # Programmes: each party's people and the committee see one (a1 drafted it with b1);
    # only a unit's people draft one, and only the drafting unit edits the draft.
    "/programmes": {"*": 200},
    "/programmes/new": {"secretariat": 403, "council": 403, "admin": 403, "*": 200},
    "/programmes/{pg}": {"a2.head": 403, "*": 200},
    "/programmes/{pg}/edit": {"a1.head": 200, "a1.staff": 200, "*": 403},
    **{
        path: {"a2.head": 403, "*": 404}  # rendered once every party has agreed
        for path in ("/programmes/{pg}.pdf", "/programmes/{pg}/documents/0.pdf")
    },
    # People: a unit's people and the committee read; the unit's head and staff and the
    # committee's clerks (secretariat, admin) change them; council members only read.
    "/people": {"secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/people/import-template": {"*": 200},  # an empty list with the columns read
    # The award history: the committee searches everyone, a unit its own people and awards.
    "/titles/history": {"*": 200},
    # Campaigns: the secretariat launched one for a1 (and a2 did not take part); the launcher
    # and the committee see everything, a participant its campaign and the summary.
    "/campaigns": {"*": 200},
    "/campaigns/new": {"council": 403, "admin": 403, "*": 200},
    **{
        path: {
            "a1.head": 200,
            "a1.staff": 200,
            "secretariat": 200,
            "council": 200,
            "admin": 200,
            "*": 403,
        }
        for path in (
            "/units/{a1}/people",
            "/units/{a1}/registrations",
            "/units/{a1}/titles",  # decided by the head only: tests/titles/test_decisions
            "/people/{ps}",
            "/initiatives/{ini}",
        )
    },
    **{
        path: {"a1.head": 200, "a1.staff": 200, "secretariat": 200, "admin": 200, "*": 403}
        for path in (
            "/units/{a1}/people/new",
            "/units/{a1}/people/import",
            "/people/{ps}/edit",
            "/people/{ps}/move",
            "/initiatives/{ini}/edit",
        )
    },
    "/initiatives": {"*": 200},  # each unit's people see their unit's; the committee all
    "/initiatives/new": {"council": 403, "*": 200},  # a unit's people, for their unit; clerks
    **{
        path: {
            "a1.head": 200,
            "a1.staff": 200,
            "secretariat": 200,
            "council": 200,
            "admin": 200,
            "*": 403,
        }
        for path in ("/campaigns/{cp}", "/campaigns/{cp}/summary")
    },
    "/campaigns/{cp}/edit": {"secretariat": 200, "*": 403},
    # Ad-hoc awards: a1 proposed one of its people; the unit and the committee see it, the
    # unit changes it; a dossier's nominee list is the nomination's (its block, the committee).
    "/adhoc": {"*": 200},  # each unit's people see their unit's; the committee all
    "/units/{a1}/adhoc/new": {"a1.head": 200, "a1.staff": 200, "*": 403},
    "/adhoc/{ad}": {
        "a1.head": 200,
        "a1.staff": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/adhoc/{ad}/edit": {"a1.head": 200, "a1.staff": 200, "*": 403},
    # Inspections: the secretariat inspects a1; a1's people and the committee read it, the
    # secretariat alone plans (other units: 403, even in a1's block).
    "/inspections": {"*": 200},  # each unit's people see their own; the committee all
    "/inspections/new": {"secretariat": 200, "*": 403},
    "/inspections/{ins}": {
        "a1.head": 200,
        "a1.staff": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/adhoc/{ad}/evidence": {  # none given: a 404, after the access check
        "a1.head": 404,
        "a1.staff": 404,
        "secretariat": 404,
        "council": 404,
        "admin": 404,
        "*": 403,
    },
    "/nominations/{nm}/nominees": {
        "a1.head": 200,
        "a1.staff": 200,
        "a2.head": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/nominations/{nm}/certificates.pdf": {  # not decided: a 404, after the access check
        "a1.head": 404,
        "a1.staff": 404,
        "a2.head": 404,
        "secretariat": 404,
        "council": 404,
        "admin": 404,
        "*": 403,
    },
    # Summary reports: a block's to its leading unit and the committee; a campaign's to its
    # launcher (here the council's secretariat) and the committee; the council's year to the
    # committee. An issued report that does not exist is a 404 (tests/summary).
    **{
        path: {
            "a1.head": 200,
            "a1.staff": 200,
            "secretariat": 200,
            "council": 200,
            "admin": 200,
            "*": 403,
        }
        for path in ("/blocks/{ka}/report", "/blocks/{ka}/report.pdf", "/blocks/{ka}/report.docx")
    },
    **{
        path: {"secretariat": 200, "council": 200, "admin": 200, "*": 403}
        for path in (
            "/campaigns/{cp}/report",
            "/campaigns/{cp}/report.pdf",
            "/campaigns/{cp}/report.docx",
            "/council/report",
            "/council/report.pdf",
            "/council/report.docx",
        )
    },
    "/reports/0.pdf": {"*": 404},
}
# Routes that are not pages to authorize per unit (public or POST-only endpoints).
NOT_PAGES = {
    "/login",
    "/logout",
    "/locale",
    "/static/<path:filename>",
    "/instances/{x}/fire",
}  # POST only: covered in tests/instances/test_views
NOT_PAGES |= {
    "/plans/{x}/criteria/import",
    "/plans/{x}/fire",
    "/plans/{x}/comments",
    "/plans/{x}/comments/<int:comment_id>/answer",
}  # POST only: tests/plans/test_views
NOT_PAGES |= {"/account/tokens/<int:token_id>/revoke"}  # POST only: tests/api/test_account
NOT_PAGES |= {
    "/login/code",
    "/account/two-step/begin",
    "/account/two-step/confirm",
    "/account/two-step/off",
}  # the sign-in's second step and POST only: tests/accounts/test_second_factor
NOT_PAGES |= {
    "/notifications/<int:notification_id>/read",
    "/notifications/read-all",
    "/notifications/digest",
}  # POST only: tests/notifications/test_views
# The JSON API authenticates bearer tokens, not sessions: its authorization is in tests/api.
NOT_PAGES |= {
    "/api/v1/me",
    "/api/v1/workflows",
    "/api/v1/workflows/pact/diagram.svg",
    "/api/v1/instances",
    "/api/v1/instances/{x}",
    "/api/v1/instances/{x}/fire",
    "/api/v1/tasks",
    "/api/v1/verify",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/documents/0",
    "/api/v1/<path:rest>",
}
NOT_PAGES |= {
    "/plans/{x}/pact",
    "/pacts/{x}/fire",
    "/pacts/{x}/sign",
    "/pacts/{x}/decline",
}  # POST only: tests/pacts/test_views
NOT_PAGES |= {
    "/blocks/{x}/reviews/publish",
    "/reviews/{x}/fire",
    "/reviews/{x}/evidence",
    "/reviews/{x}/evidence/0/delete",
}  # POST only: tests/reviews/test_views
NOT_PAGES |= {
    "/nominations/{x}/vote",
    "/nominations/{x}/written-vote",
    "/nominations/{x}/close",
    "/nominations/{x}/dossier",
    "/nominations/{x}/submit",
    "/nominations/{x}/fire",
    "/council/sessions/0/decision",  # POST only: tests/awards/test_views
    "/council/decisions/0/sign",  # POST only: tests/awards/test_views
    "/council/decisions/0/return",  # POST only: tests/awards/test_views
    "/council/sessions/0/proposals",  # POST only: tests/awards/test_proposals_up
    "/nominations/{x}/preview/<kind>.pdf",  # as /nominations/{x}: tests/awards/test_views
    "/awards",
    "/awards/{x}/certificate.pdf",
    "/decisions/0.pdf",
}  # public: the register of awards
NOT_PAGES |= {
    "/verify",
    "/units/{x}/certificates/import",
    "/units/{x}/certificates/revoke",
}  # public; POST only: tests/signatures/test_views
NOT_PAGES |= {
    "/admin/trust/add",
    "/admin/trust/remove",
    "/pki/crl.der",
    "/pki/ca.pem",
}  # POST only; public files: tests/signatures/test_trust, tests/documents/test_lasting
NOT_PAGES |= {
    "/programmes/{x}/fire",
    "/programmes/{x}/sign",
    "/programmes/{x}/reviews",
}  # POST only: tests/programmes/test_views
NOT_PAGES |= {
    "/registrations/<int:registration_id>/withdraw",
    "/initiatives/{x}/delete",
}  # POST only: tests/people/test_registrations, tests/initiatives/test_views
NOT_PAGES |= {
    "/campaigns/{x}/fire",
    "/campaigns/{x}/register",
    "/campaigns/{x}/report",
}  # POST only: tests/campaigns/test_views
NOT_PAGES |= {
    "/adhoc/{x}/fire",
    "/adhoc/{x}/decision",  # POST only: tests/adhoc/test_adhoc
    "/adhoc/{x}/decision.pdf",
    "/adhoc/{x}/certificate.pdf",  # public, as the council's other decisions
}
NOT_PAGES |= {
    "/blocks/{x}/report/issue",
    "/campaigns/{x}/report/issue",
    "/council/report/issue",
}  # POST only: tests/summary/test_summary
NOT_PAGES |= {
    "/inspections/{x}/fire",
    "/inspections/{x}/findings",
    "/inspections/{x}/recommendations",
    "/inspections/recommendations/{x}/answer",
    "/inspections/recommendations/{x}/close",
}  # POST only: tests/inspections/test_inspections
NOT_PAGES |= {"/year/open"}  # POST only: tests/yearturn/test_views
NOT_PAGES |= {"/campaigns/{x}/dossiers"}  # POST only: tests/awards/test_campaign_dossiers
NOT_PAGES |= {"/branding/<file_name>"}  # public: the logo and icon, tests/web/test_branding
NOT_PAGES |= {
    "/pacts/{x}/sign/prepare",
    "/pacts/{x}/sign/finish",
    "/programmes/{x}/sign/prepare",
    "/programmes/{x}/sign/finish",
    "/units/{x}/certificates/browser",
    "/units/{x}/certificates/token",
}  # POST only (keys the signer holds): tests/pacts/test_own_keys, tests/programmes/test_views
NOT_PAGES |= {
    "/units/{x}/signers/delegate",
    "/units/{x}/signers/<int:delegation_id>/revoke",
}  # POST only: tests/pacts/test_delegation
USERS = ["a1.head", "a1.staff", "a2.head", "b1.head", "secretariat", "council", "admin"]


def _fill(template: str, world: dict[str, Any]) -> str:
    return template.format(
        a1=world["units"]["a1"].id,
        b1=world["units"]["b1"].id,
        ka=world["blocks"]["a"].id,
        kb=world["blocks"]["b"].id,
        u=world["users"]["a1.head"].id,
        pka=world.get("pact_id", 0),
        vc=world.get("verify_code", "0"),
        pl=world.get("plan_id", 0),
        pc=world.get("pact_row_id", 0),
        rv=world.get("review_id", 0),
        nm=world.get("nomination_row_id", 0),
        pg=world.get("programme_id", 0),
        ps=world.get("person_id", 0),
        ini=world.get("initiative_id", 0),
        cp=world.get("campaign_id", 0),
        ad=world.get("adhoc_id", 0),
        ins=world.get("inspection_id", 0),
    )


@pytest.fixture
def world_with_pact(app: Any, world: dict[str, Any], session: Any) -> dict[str, Any]:
    """The world plus a pact instance of block KA."""
    from wflow.core import workflow as wf
    from wflow.engine import Scope
    from wflow.workflow_setup import engine

    scope = Scope("pact", 1, block_id=world["blocks"]["a"].id, year=world["year"])
    with app.app_context():
        world["pact_id"] = wf.start(session, engine(), "pact", scope, world["users"]["a1.head"])
    from wflow.plans import service as plans

    with app.test_request_context():
        world["plan_id"] = plans.create_plan(
            session,
            engine(),
            user=world["users"]["a1.head"],
            block_id=world["blocks"]["a"].id,
            year=world["year"],
            title="Kế hoạch thi đua",
        ).id
    from wflow.pacts.models import Pact

    row = Pact(block_id=world["blocks"]["a"].id, plan_id=world["plan_id"], year=world["year"],
               year_end=world["year"], number="01/GƯTĐ-KA", title="Giao ước thi đua",
               instance_id=world["pact_id"])  # fmt: skip
    session.add(row)
    session.commit()
    world["pact_row_id"] = row.id
    from tests.documents.helpers import blank_pdf
    from wflow.pacts.documents import add_document

    with app.app_context():
        add_document(session, row, blank_pdf(), kind="pact", verify_code="7K3M9QXA2B")
        session.commit()
    world["verify_code"] = "7K3M9QXA2B"
    from wflow.awards import catalogue as awards
    from wflow.awards.models import Nomination

    award = awards.catalogue(session)[0]
    nom = Nomination(block_id=world["blocks"]["a"].id, year=world["year"],
                     unit_id=world["units"]["a1"].id, award_id=award.id or 0,
                     block_rule=awards.block_rule(award).to_json(),
                     council_rule=awards.council_rule(award).to_json())  # fmt: skip
    session.add(nom)
    session.flush()
    with app.app_context():
        nom.instance_id = wf.start(session, engine(), "nomination",
                                   Scope("nomination", nom.id or 0, unit_id=nom.unit_id,
                                         block_id=nom.block_id, year=nom.year),
                                   world["users"]["a1.head"])  # fmt: skip
    session.add(nom)
    session.commit()
    world["nomination_row_id"] = nom.id
    from datetime import date

    from wflow.reviews.models import Review

    review = Review(pact_id=row.id or 0, plan_id=world["plan_id"], block_id=row.block_id,
                    unit_id=world["units"]["a2"].id, year=world["year"], period="year_end",
                    due_date=date(world["year"], 11, 30),
                    reviewer_unit_id=world["units"]["a1"].id)  # fmt: skip
    session.add(review)
    session.commit()
    scope = Scope("review", review.id or 0, unit_id=review.unit_id, block_id=review.block_id,
                  year=review.year)  # fmt: skip
    with app.app_context():
        review.instance_id = wf.start(session, engine(), "review", scope, None, {
            "due_date": review.due_date.isoformat(), "reviewer_unit_id": review.reviewer_unit_id,
        })  # fmt: skip
    session.add(review)
    session.commit()
    world["review_id"] = review.id
    from wflow.programmes import service as programmes

    with app.test_request_context():
        world["programme_id"] = programmes.create(
            session, engine(), user=world["users"]["a1.head"], title="Chương trình phối hợp",
            year=world["year"], year_end=world["year"] + 4,
            party_ids=[world["units"]["b1"].id],
        ).id  # fmt: skip
    from wflow.initiatives import service as initiatives
    from wflow.people import service as people

    person = people.create_person(
        session, user=world["users"]["a1.head"], unit_id=world["units"]["a1"].id,
        full_name="Nguyễn Thị Lan", position="Chuyên viên", sex="female", birth_year=1990,
    )  # fmt: skip
    world["person_id"] = person.id
    world["initiative_id"] = initiatives.create_initiative(
        session, user=world["users"]["a1.head"], unit_id=world["units"]["a1"].id,
        kind="initiative", title="Sổ đoàn viên điện tử", year=world["year"],
        recognition=initiatives.Recognition(level="unit"),
        authors=initiatives.Authors(person_ids=[person.id or 0]),
    ).id  # fmt: skip
    from wflow.campaigns import service as campaigns

    with app.test_request_context():
        world["campaign_id"] = campaigns.launch(
            session, engine(), user=world["users"]["secretariat"],
            given=campaigns.CampaignInput(
                title="Đợt thi đua", kind="campaign", starts_on=date(world["year"], 10, 6),
                ends_on=date(world["year"], 10, 31), audience="units",
                unit_ids=[world["units"]["a1"].id],
                targets=[campaigns.TargetInput("Công trình thanh niên", "công trình")],
            ),
        ).id  # fmt: skip
    from wflow.adhoc import service as adhoc

    with app.test_request_context():
        world["adhoc_id"] = adhoc.propose(
            session, engine(), user=world["users"]["a1.head"], unit_id=world["units"]["a1"].id,
            proposal=adhoc.Proposal(
                present(awards.award_by_code(session, "person_certificate_of_merit"), "award").id,
                f"person:{person.id}", date(world["year"], 1, 1), "Cứu người", "Cứu hai em nhỏ",
            ),
        ).id  # fmt: skip
    from wflow.inspections import service as inspections

    with app.test_request_context():
        world["inspection_id"] = inspections.plan(
            session, engine(), user=world["users"]["secretariat"],
            given=inspections.InspectionInput(
                title="Kiểm tra 6 tháng đầu năm", inspecting_body="Ban Thi đua", lead_name="",
                target=f"unit:{world['units']['a1'].id}", basis="", scope="",
                starts_on=date(world["year"], 6, 15), ends_on=date(world["year"], 6, 15),
            ),
        ).id  # fmt: skip
    return world


@pytest.mark.parametrize("login", USERS)
def test_access__matrix_of_pages_and_users(
    client: FlaskClient, world_with_pact: dict[str, Any], login: str
) -> None:
    world = world_with_pact
    sign_in(client, login)
    wrong = []
    for template, expected in MATRIX.items():
        want = expected.get(login, expected.get("*"))
        got = client.get(_fill(template, world)).status_code
        if got != want:
            wrong.append(f"{template} as {login}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


def test_access__every_route_is_in_the_matrix(client: FlaskClient) -> None:
    rules = {
        rule.rule.replace("<int:unit_id>", "{x}")
        .replace("<int:block_id>", "{x}")
        .replace("<int:user_id>", "{x}")
        .replace("<int:instance_id>", "{x}")
        .replace("<int:plan_id>", "{x}")
        .replace("<int:pact_id>", "{x}")
        .replace("<int:document_id>", "0")
        .replace("<int:review_id>", "{x}")
        .replace("<int:evidence_id>", "0")
        .replace("<int:nomination_id>", "{x}")
        .replace("<int:session_id>", "0")
        .replace("<int:decision_id>", "0")
        .replace("<int:award_id>", "0")
        .replace("<int:programme_id>", "{x}")
        .replace("<int:person_id>", "{x}")
        .replace("<int:initiative_id>", "{x}")
        .replace("<int:campaign_id>", "{x}")
        .replace("<int:adhoc_award_id>", "{x}")
        .replace("<int:inspection_id>", "{x}")
        .replace("<int:recommendation_id>", "{x}")
        .replace("<int:report_id>", "0")
        .replace("<name>", "pact")
        .replace("<code>", "{x}")
        for rule in client.application.url_map.iter_rules()
    }
    covered = {
        t.format(
            a1="{x}",
            b1="{x}",
            ka="{x}",
            kb="{x}",
            u="{x}",
            pka="{x}",
            vc="{x}",
            pl="{x}",
            pc="{x}",
            rv="{x}",
            nm="{x}",
            pg="{x}",
            ps="{x}",
            ini="{x}",
            cp="{x}",
            ad="{x}",
            ins="{x}",
        )
        for t in MATRIX
    }
    missing = sorted(r for r in rules - covered - NOT_PAGES)
    assert not missing, f"pages without an access rule in the matrix: {missing}"


def test_access__signed_out_visitors_are_sent_to_login(
    client: FlaskClient, world_with_pact: dict[str, Any]
) -> None:
    world = world_with_pact
    for template, expected in MATRIX.items():
        response = client.get(_fill(template, world))
        if ANONYMOUS in expected:
            assert response.status_code == expected[ANONYMOUS], template
            continue
        assert response.status_code == 302, template
        assert response.headers["Location"].startswith("/login"), template


def test_access__missing_rows_are_404(client: FlaskClient, world: dict[str, Any]) -> None:
    sign_in(client, "admin")
    for path in ("/units/99999", "/blocks/99999", "/admin/units/99999", "/admin/users/99999"):
        assert client.get(path).status_code == 404, path


def test_access__staff_of_a_former_member_sees_only_its_years(
    client: FlaskClient, world: dict[str, Any], make_unit: Any, make_user: Any, session: Any
) -> None:
    from wflow.org import service as org

    year = world["year"]
    block = world["blocks"]["a"]
    a3 = make_unit("A3")
    make_user("a3.head", a3)
    org.set_block_year(
        session, block, year=year - 1, member_ids=[a3.id], leader_id=a3.id, deputy_id=None
    )
    sign_in(client, "a3.head")
    assert client.get(f"/blocks/{block.id}?year={year - 1}").status_code == 200
    assert client.get(f"/blocks/{block.id}?year={year}").status_code == 403


# The names of the province's rows a page of another council's committee must never show.
PROVINCE_NAMES = ("Đơn vị thử", "Khối KA", "Khối KB", "Nguyễn Thị Lan", "Sổ đoàn viên điện tử",
                  "Chương trình phối hợp", "Kiểm tra 6 tháng đầu năm")  # fmt: skip


@pytest.mark.parametrize("where", ["beside", "below"])
@pytest.mark.parametrize("role", ["secretariat", "council", "admin"])
def test_access__another_councils_committee_reaches_none_of_it(
    app: Any, client: FlaskClient, world_with_pact: dict[str, Any], session: Any,
    make_user: Any, role: str, where: str,
) -> None:  # fmt: skip
    """A council beside the province's (another province) or below it (a commune): every page
    its committee gets at the province's rows is refused, and no list shows them."""
    from wflow.councils import service as councils
    from wflow.org import service as org
    from wflow.org.models import Role

    world = world_with_pact
    with app.test_request_context():
        parent = councils.default_council(session).id if where == "below" else None
        place = "xã Quảng Phú" if parent else "tỉnh Quảng Bình"
        council = org.create_unit(session, name=f"Hội đồng Thi đua - Khen thưởng {place}",
                                  code="HDQB", kind="council",
                                  level="commune" if parent else "province",
                                  parent_id=parent)  # fmt: skip
        office = org.create_unit(session, name="Ban Thi đua - Khen thưởng tỉnh Quảng Bình",
                                 code="BTDQB", kind="agency", council_id=council.id)  # fmt: skip
        session.commit()
    roles = {"secretariat": Role.SECRETARIAT, "council": Role.COUNCIL_MEMBER, "admin": Role.ADMIN}
    make_user(f"qb.{role}", office, roles=(roles[role].value,))
    session.commit()
    sign_in(client, f"qb.{role}")
    wrong = []
    for template, expected in MATRIX.items():
        theirs = expected.get(role, expected.get("*"))
        public = expected.get("*") == 200 and ANONYMOUS in expected
        if theirs != 200 or public:
            continue
        response = client.get(_fill(template, world))
        if "{" in template and response.status_code not in (403, 404):
            wrong.append(f"{template}: {response.status_code}, expected 403 or 404")
        elif response.status_code == 200 and present(response.mimetype, "a type").startswith(
            ("text/", "image/svg")
        ):
            body = response.get_data(as_text=True)
            shown = [n for n in PROVINCE_NAMES if n in body]
            if shown:
                wrong.append(f"{template} shows {', '.join(shown)}")
    assert not wrong, "\n".join(wrong)
