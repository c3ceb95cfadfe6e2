"""The workflow engine: definitions, validation, machines, firing, audit, timers, inbox."""

from wflow.engine.audit import Broken, verify_chains
from wflow.engine.definition import (
    SCOPES,
    TAGS,
    Completion,
    DataRef,
    Deadline,
    Definition,
    Label,
    Participation,
    Start,
    State,
    Transition,
)
from wflow.engine.inbox import Task
from wflow.engine.registry import Actor, FireContext, Participant, Registry, Scope, data_values
from wflow.engine.runtime import Engine, FireResult
from wflow.engine.runtime_errors import (
    AlreadyActed,
    GuardFailed,
    InstanceNotFound,
    MissingFields,
    NotAllowed,
    StaleVersion,
    UnknownTrigger,
    UnknownWorkflow,
    VersionConflict,
    WorkflowError,
    WrongState,
)
from wflow.engine.timers import TickReport

__all__ = [
    "SCOPES",
    "TAGS",
    "Actor",
    "AlreadyActed",
    "Broken",
    "Completion",
    "DataRef",
    "Deadline",
    "Definition",
    "Engine",
    "FireContext",
    "FireResult",
    "GuardFailed",
    "InstanceNotFound",
    "Label",
    "MissingFields",
    "NotAllowed",
    "Participant",
    "Participation",
    "Registry",
    "Scope",
    "StaleVersion",
    "Start",
    "State",
    "Task",
    "TickReport",
    "Transition",
    "UnknownTrigger",
    "UnknownWorkflow",
    "VersionConflict",
    "WorkflowError",
    "WrongState",
    "data_values",
    "verify_chains",
]
