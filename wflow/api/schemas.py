"""Pydantic schemas of the JSON API: requests are validated with them, responses built from
them, and the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database
MAX_PAGE = 200  # largest page of instances
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,99}$")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Stored times are naive UTC: say so on the wire (RFC 3339 with "Z").
Utc = Annotated[
    datetime,
    PlainSerializer(lambda d: d.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _whole(value: object) -> object:
    """Take 3.0 as 3: JSON Schema counts a number without a fraction as an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A lock version in a strict body: neither "1" nor true, but 1 or 1.0.
Version = Annotated[int, Field(ge=0, le=MAX_ID), BeforeValidator(_whole)]
# Free text a person gives with an action (a reason): no NUL, which PostgreSQL refuses.
Text = Annotated[str, StringConstraints(max_length=5000, pattern=r"^[^\x00]*$")]


class Strict(BaseModel):
    """A request body: exact JSON types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query parameters: converted from text, no unknown parameters."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """A response body."""


# --- errors ------------------------------------------------------------------------------


class ErrorDetail(Out):
    """What went wrong: the HTTP status, a stable code for programs, a message for people."""

    status: int
    code: str = Field(description="Stable machine-readable reason, e.g. stale_version.")
    message: str = Field(description="Explanation in the language of Accept-Language.")
    fields: list[str] = Field(default_factory=list, description="Input fields at fault.")


class ErrorResponse(Out):
    """Every error answer of the API."""

    error: ErrorDetail


# --- who am I ----------------------------------------------------------------------------


class UnitRef(Out):
    """A unit, briefly."""

    id: int
    code: str
    name: str


class Me(Out):
    """The token's user: the rights the token acts with."""

    id: int
    login: str
    display_name: str
    locale: str
    roles: list[str]
    committee: bool = Field(description="Sees every block (secretariat, council, admin).")
    unit: UnitRef | None


# --- workflow definitions ----------------------------------------------------------------


class Localized(Out):
    """A text in every interface language."""

    vi: str
    en: str
    fr: str
    hu: str


class StateOut(Out):
    """A state of a workflow."""

    name: str
    label: Localized
    final: bool
    multi_party: bool = Field(description="Every participant acts once (sign, vote).")


class TransitionOut(Out):
    """A trigger moving an instance between states."""

    trigger: str
    label: Localized
    sources: list[str]
    dest: str
    roles: list[str]
    require: list[str] = Field(description="Fields the data must carry, non-blank.")
    system: bool = Field(description="Fired by the engine only.")


class Diagram(Out):
    """The state diagram as Mermaid text and as an SVG image (token needed for it too)."""

    mermaid: str
    svg_url: str


class WorkflowOut(Out):
    """One version of a workflow definition."""

    name: str
    version: int
    label: Localized
    initial: str
    states: list[StateOut]
    transitions: list[TransitionOut]
    diagram: Diagram


class WorkflowList(Out):
    """The workflow definitions now in use."""

    items: list[WorkflowOut]


class DiagramQuery(Query):
    """Which version to draw and which state to highlight."""

    version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    state: Name | None = None


# --- instances ---------------------------------------------------------------------------


class InstanceFilter(Query):
    """Filters and page of the instance list."""

    workflow: Name | None = None
    state: Name | None = None
    block: Id | None = None
    year: Annotated[int, Field(ge=1900, le=9999)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class InstanceOut(Out):
    """A workflow instance, briefly."""

    id: int
    workflow: str
    version: int = Field(description="Definition version the instance follows.")
    state: str
    state_label: str
    lock_version: int = Field(description="Give it as expected_version when firing.")
    subject_type: str
    subject_id: int
    unit_id: int | None
    block_id: int | None
    year: int | None
    due_at: Utc | None = Field(description="Deadline of the current state (UTC).")
    created_at: Utc
    updated_at: Utc


class InstancePage(Out):
    """A page of the instances the caller may see, newest first."""

    items: list[InstanceOut]
    total: int
    limit: int
    offset: int


class TriggerOut(Out):
    """Something the caller may do now."""

    trigger: str
    label: str
    require: list[str]


class ParticipantOut(Out):
    """A party of the current multi-party step; secret steps never show the choice."""

    position: int
    label: str
    status: Literal["waiting", "done", "refused", "abstained", "voted"]
    acted_at: Utc | None


class EventOut(Out):
    """One audit event of the timeline."""

    seq: int
    at: Utc
    who: str
    unit: str
    trigger: str
    source: str
    dest: str
    reason: str


class InstanceDetail(InstanceOut):
    """An instance with what the caller may do, its participants and its timeline."""

    triggers: list[TriggerOut]
    participants: list[ParticipantOut]
    events: list[EventOut]


class FireRequest(Strict):
    """Fire a trigger: the data it requires and, to be safe, the version you saw."""

    trigger: Name
    data: Annotated[dict[Name, Text], Field(max_length=20)] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": False}
    )
    expected_version: Version | None = None


class FireResult(Out):
    """Where the instance stands after the fire (and any consequences)."""

    instance_id: int
    trigger: str
    state: str
    version: int
    completed: list[str] = Field(description="System triggers that followed, in order.")
    receipt: str | None = Field(
        default=None,
        description="A secret ballot's receipt: the ballot is listed under it once the vote"
        " is closed; nothing else links it to the voter.",
    )


# --- tasks -------------------------------------------------------------------------------


class TaskOut(Out):
    """Something the caller may do now on one instance."""

    instance_id: int
    workflow: str
    workflow_label: str
    state: str
    state_label: str
    trigger: str
    trigger_label: str
    due_at: Utc | None
    subject_type: str
    subject_id: int
    block_id: int | None
    unit_id: int | None
    year: int | None


class TaskList(Out):
    """The caller's inbox across every workflow."""

    items: list[TaskOut]


# --- signatures --------------------------------------------------------------------------


class SignatureOut(Out):
    """One signature of a PDF: the cryptographic checks and the registry's view."""

    field: str
    signer_name: str
    subject: str
    fingerprint: str
    signed_at: Utc | None
    intact: bool
    valid: bool
    trusted: bool
    modified_after: bool
    whole_file: bool
    modification: str
    in_registry: bool
    revoked: bool
    unit: UnitRef | None
    ok: bool


class Verdict(Out):
    """The verdict on a PDF: each signature, and whether all of them hold."""

    signatures: list[SignatureOut]
    ok: bool = Field(description="At least one signature, and every one ok.")
