"""API routes on workflow instances: list what the caller may see, read one, fire a trigger."""

from __future__ import annotations

from flask_babel import gettext as _

from wflow import db
from wflow.api.auth import api_user
from wflow.api.errors import ApiError
from wflow.api.openapi import operation
from wflow.api.routes import api_vocabulary, state_label, trigger_label
from wflow.api.schemas import (
    EventOut,
    FireRequest,
    FireResult,
    InstanceDetail,
    InstanceFilter,
    InstanceOut,
    InstancePage,
    ParticipantOut,
    TriggerOut,
)
from wflow.api.vocabulary import data_problems
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.engine import Definition, WfInstance, WfParticipant, WorkflowError
from wflow.workflow_setup import engine

CHOICES = {None: "waiting", "act": "done", "refuse": "refused", "abstain": "abstained"}


def instance_out(row: WfInstance, defn: Definition) -> InstanceOut:
    """Return an instance row briefly."""
    return InstanceOut(
        id=row.id or 0, workflow=row.workflow, version=row.version, state=row.state,
        state_label=state_label(defn, row.state), lock_version=row.lock_version,
        subject_type=row.subject_type, subject_id=row.subject_id, unit_id=row.unit_id,
        block_id=row.block_id, year=row.year, due_at=row.due_at, created_at=row.created_at,
        updated_at=row.updated_at,
    )  # fmt: skip


def visible(instance_id: int) -> wf.InstanceView:
    """Return the instance with the caller's triggers: 404 when missing, 403 when not theirs."""
    try:
        found = wf.view(db.session(), engine(), api_user(), instance_id)
    except WorkflowError:
        raise ApiError(404, "not_found", _("This resource does not exist.")) from None
    if not subjects.may_view_instance(db.session(), api_user(), found.row):
        raise ApiError(403, "forbidden", _("You may not see or do this."))
    return found


@operation("GET", "/instances", summary="Instances I may see", query=InstanceFilter,
           response=InstancePage)  # fmt: skip
def instances(query: InstanceFilter) -> InstancePage:
    """Instances the caller may see, newest first, filtered by workflow, state, block, year."""
    sess, me = db.session(), api_user()
    vocab = api_vocabulary()
    for name, value, known in (("workflow", query.workflow, vocab.workflows),
                               ("state", query.state, vocab.all_states)):  # fmt: skip
        if value is not None and value not in known:
            message = _("The data given is not valid: %(why)s.", why=f"{name}: {value}")
            raise ApiError(422, "invalid_input", message, [name])
    found = wf.instances(workflow=query.workflow, state=query.state, block_id=query.block,
                         year=query.year)  # fmt: skip
    page, total = subjects.instances_seen(sess, me, found, offset=query.offset, limit=query.limit)
    items = [instance_out(r, engine().definition(r.workflow, r.version)) for r in page]
    return InstancePage(items=items, total=total, limit=query.limit, offset=query.offset)


def _check_data(body: FireRequest) -> None:
    """Refuse, as the OpenAPI document does, a trigger people cannot fire or data it never
    takes or that is not in its field's form (422 naming the fields)."""
    vocab = api_vocabulary()
    if body.trigger not in vocab.triggers:
        message = _("Unknown action: %(name)s.", name=body.trigger)
        raise ApiError(422, "unknown_trigger", message, ["trigger"])
    problems = data_problems(vocab, body.trigger, body.data)
    unknown = sorted(k for k, why in problems.items() if why == "unknown")
    if unknown:
        names = ", ".join(k.removeprefix("data.") for k in unknown)
        message = _("This action takes no such data: %(names)s.", names=names)
        raise ApiError(422, "unknown_fields", message, unknown)
    if problems:
        names = ", ".join(k.removeprefix("data.") for k in sorted(problems))
        message = _("Give these data in their documented form: %(names)s.", names=names)
        raise ApiError(422, "invalid_input", message, sorted(problems))


def _participants(found: wf.InstanceView) -> list[ParticipantOut]:
    part = found.definition.states[found.row.state].participation
    secret = part is not None and part.secret
    seats: list[WfParticipant] = wf.participants(db.session(), found.row)
    return [
        ParticipantOut(
            position=p.position,
            label=p.label,
            acted_at=p.acted_at,
            status="voted" if secret and p.choice else CHOICES.get(p.choice, "done"),
        )
        for p in seats
    ]


@operation("GET", "/instances/<int:instance_id>", summary="One instance",
           response=InstanceDetail, errors=(403,))  # fmt: skip
def instance(instance_id: int) -> InstanceDetail:
    """An instance: what the caller may fire now, the current step's parties, its timeline."""
    found = visible(instance_id)
    defn, row = found.definition, found.row
    triggers = [
        TriggerOut(trigger=t, label=trigger_label(defn, t),
                   require=list(wf.required_fields(defn, row.state, t)))
        for t in found.triggers
    ]  # fmt: skip
    events = [EventOut(**vars(e)) for e in wf.timeline(db.session(), instance_id)]
    return InstanceDetail(
        **instance_out(row, defn).model_dump(), triggers=triggers,
        participants=_participants(found), events=events,
    )  # fmt: skip


@operation("POST", "/instances/<int:instance_id>/fire", summary="Fire a trigger",
           body=FireRequest, response=FireResult, errors=(403, 409))  # fmt: skip
def fire(instance_id: int, body: FireRequest) -> FireResult:
    """Fire a trigger as the caller, with the data it requires; one transaction.

    Give `expected_version` (the instance's `lock_version` you read) to be refused with 409
    if someone changed the instance meanwhile. Data other than the trigger's required
    fields is refused (422): data given to a fire is merged into the instance's own.
    """
    _check_data(body)
    found = visible(instance_id)
    defn, state = found.definition, found.row.state
    needed = wf.required_fields(defn, state, body.trigger)
    extra = sorted(set(body.data) - set(needed))
    # A trigger this state has not: the engine answers 404 (no such action) or 409 (not now).
    if extra and wf.possible_in(defn, state, body.trigger):
        fields = [f"data.{k}" for k in extra]
        message = _("This action takes no such data: %(names)s.", names=", ".join(extra))
        raise ApiError(422, "unknown_fields", message, fields)
    result = wf.fire(db.session(), engine(), api_user(), instance_id, body.trigger,
                     dict(body.data), body.expected_version)  # fmt: skip
    return FireResult(instance_id=instance_id, trigger=result.trigger, state=result.state,
                      version=result.version, completed=list(result.completed),
                      receipt=result.receipt)  # fmt: skip
