"""API routes about the caller and the workflows: me, definitions, diagrams, tasks, the docs."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, render_template, request, url_for
from flask_babel import gettext as _

from wflow import db
from wflow.api import bp
from wflow.api.auth import api_user
from wflow.api.doc_messages import translate_document
from wflow.api.errors import ApiError
from wflow.api.methods import METHODS, allowed_methods, not_allowed, not_found
from wflow.api.openapi import document, operation
from wflow.api.schemas import (
    Diagram,
    DiagramQuery,
    Localized,
    Me,
    StateOut,
    TaskList,
    TaskOut,
    TransitionOut,
    UnitRef,
    WorkflowList,
    WorkflowOut,
)
from wflow.api.vocabulary import Vocabulary, vocabulary
from wflow.core import workflow as wf
from wflow.core.access import is_committee
from wflow.engine import Definition, Label, WorkflowError, to_mermaid, to_svg
from wflow.i18n import language, state_name
from wflow.org.models import Unit
from wflow.workflow_setup import engine

# The diagram is our own SVG served as an image: its styles live inside it.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def localized(label: Label) -> Localized:
    """Return a definition's label in every language."""
    return Localized(vi=label.vi, en=label.en, fr=label.fr, hu=label.hu)


def trigger_label(defn: Definition, trigger: str) -> str:
    """Return a trigger's name for people: its transition's label or a known participation act."""
    for t in defn.transitions:
        if t.trigger == trigger:
            return t.label.get(language())
    acts = {"sign": _("Sign"), "decline": _("Decline"), "vote_yes": _("Vote yes"),
            "vote_no": _("Vote no"), "vote_abstain": _("Abstain")}  # fmt: skip
    return acts.get(trigger, trigger)


def state_label(defn: Definition, state: str) -> str:
    """Return a state's name for people."""
    return state_name(defn, state)


def unit_ref(unit_id: int | None) -> UnitRef | None:
    """Return a unit briefly, or None."""
    unit = db.session().get(Unit, unit_id) if unit_id else None
    return UnitRef(id=unit.id or 0, code=unit.code, name=unit.name) if unit else None


@operation("GET", "/me", summary="Who the token acts for", response=Me)
def me() -> Me:
    """The token's user, unit and roles: the token has exactly these rights."""
    user = api_user()
    return Me(
        id=user.id or 0, login=user.login, display_name=user.display_name, locale=user.locale,
        roles=list(user.roles), committee=is_committee(user), unit=unit_ref(user.unit_id),
    )  # fmt: skip


def workflow_out(defn: Definition) -> WorkflowOut:
    """Return a definition with its states, transitions and diagram."""
    svg = url_for("api.diagram", name=defn.name, version=defn.version, _external=True)
    return WorkflowOut(
        name=defn.name, version=defn.version, label=localized(defn.label), initial=defn.initial,
        states=[StateOut(name=s.name, label=localized(s.label), final=s.final,
                         multi_party=s.participation is not None)
                for s in defn.states.values()],
        transitions=[TransitionOut(trigger=t.trigger, label=localized(t.label),
                                   sources=list(t.sources), dest=t.dest, roles=list(t.roles),
                                   require=list(t.require), system=t.system)
                     for t in defn.transitions],
        diagram=Diagram(mermaid=to_mermaid(defn, language()), svg_url=svg),
    )  # fmt: skip


@operation("GET", "/workflows", summary="Workflow definitions", response=WorkflowList)
def workflows() -> WorkflowList:
    """Every workflow in its current version: states, transitions, diagram (Mermaid and SVG)."""
    defs = engine().definitions
    return WorkflowList(items=[workflow_out(defs[name]) for name in sorted(defs)])


@operation("GET", "/workflows/<name>/diagram.svg", summary="State diagram of a workflow",
           query=DiagramQuery, response_media="image/svg+xml")  # fmt: skip
def diagram(name: str, query: DiagramQuery) -> Response:
    """The state diagram as an accessible SVG; `state` highlights one state."""
    try:
        defn = engine().definition(name, query.version)
    except WorkflowError:
        raise ApiError(404, "unknown_workflow", _("This resource does not exist.")) from None
    if query.state is not None and query.state not in defn.states:
        raise ApiError(422, "unknown_state", _("Unknown state."), ["state"])
    response = Response(to_svg(defn, language(), query.state), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


@operation("GET", "/tasks", summary="My inbox", response=TaskList)
def tasks() -> TaskList:
    """Everything the token's user may do now, across every workflow."""
    found = wf.tasks(db.session(), engine(), api_user())
    items = []
    for t in found:
        defn = engine().definition(t.workflow)
        items.append(TaskOut(
            instance_id=t.instance_id, workflow=t.workflow,
            workflow_label=defn.label.get(language()), state=t.state,
            state_label=state_label(defn, t.state), trigger=t.trigger,
            trigger_label=trigger_label(defn, t.trigger), due_at=t.due_at,
            subject_type=t.subject_type, subject_id=t.subject_id, block_id=t.block_id,
            unit_id=t.unit_id, year=t.year,
        ))  # fmt: skip
    return TaskList(items=items)


# --- the document and its page (public: they describe, they reveal no data) ---------------


def api_vocabulary() -> Vocabulary:
    """Return what this app's API accepts, from its loaded definitions (built once)."""
    found: Vocabulary | None = current_app.extensions.get("wflow.api.vocabulary")
    if found is None:
        found = vocabulary(engine().definitions.values())
        current_app.extensions["wflow.api.vocabulary"] = found
    return found


def _document_json() -> str:
    """Return this app's OpenAPI document as JSON (built once)."""
    found: str | None = current_app.extensions.get("wflow.api.openapi")
    if found is None:
        found = json.dumps(document(api_vocabulary()), ensure_ascii=False, indent=1)
        current_app.extensions["wflow.api.openapi"] = found
    return found


@bp.route("/openapi.json")
def openapi_json() -> Response:
    """Serve the OpenAPI 3.1 document."""
    return Response(_document_json(), mimetype="application/json")


def _type(schema: dict[str, Any]) -> str:
    """Return a short type text of a JSON schema for the docs page."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list[{_type(schema.get('items', {}))}]"
    values = [*schema.get("patternProperties", {}).values(), schema.get("additionalProperties")]
    if schema.get("type") == "object" and isinstance(values[0], dict):
        return f"map[{_type(values[0])}]"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    return str(schema.get("format") or schema.get("type", "any"))


@bp.route("/docs")
def docs() -> str:
    """Show the API's operations and schemas, rendered from the OpenAPI document."""
    doc = translate_document(json.loads(_document_json()), _)
    ops = [
        {"method": method.upper(), "path": path, **spec}
        for path, item in doc["paths"].items()
        for method, spec in item.items()
    ]
    schemas = {
        name: [(prop, _type(s), prop in schema.get("required", []), s.get("description", ""))
               for prop, s in schema.get("properties", {}).items()]
        for name, schema in doc["components"]["schemas"].items()
    }  # fmt: skip
    return render_template("api/docs.html", doc=doc, ops=ops, schemas=schemas, type_of=_type)


@bp.route("/<path:rest>", methods=[*METHODS, "TRACE"])
def unknown(rest: str) -> Response:
    """Answer paths and methods the API does not have with its own JSON errors (404, 405)."""
    allowed = allowed_methods(request.path)
    return not_allowed(allowed) if allowed else not_found()
