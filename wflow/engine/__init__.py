"""The workflow engine: definitions, validation, machines, firing, audit, timers, inbox."""

from wflow.engine.audit import Broken, verify_chains
from wflow.engine.definition import (
    Completion,
    Deadline,
    Definition,
    Label,
    Participation,
    State,
    Transition,
)
from wflow.engine.inbox import Task
from wflow.engine.registry import Actor, FireContext, Participant, Registry, Scope
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
    "Actor",
    "AlreadyActed",
    "Broken",
    "Completion",
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
    "State",
    "Task",
    "TickReport",
    "Transition",
    "UnknownTrigger",
    "UnknownWorkflow",
    "VersionConflict",
    "WorkflowError",
    "WrongState",
    "verify_chains",
]
