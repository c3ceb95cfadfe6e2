"""The workflow engine: definitions, validation, machines, firing, audit, timers, inbox.

This module is its public surface: code outside `wflow/engine/` imports from here only.
"""

from wflow.engine.audit import Broken, Drift, verify_chains, verify_instances
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
from wflow.engine.diagram import to_mermaid, to_svg, transition_table
from wflow.engine.inbox import WORK_COUNT, News, Task, WorkGroup, WorkRow
from wflow.engine.loader import check_files, load_directory
from wflow.engine.participation import PAPER
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
from wflow.engine.tables import WfBallot, WfDefinition, WfEvent, WfInstance, WfParticipant, WfTask
from wflow.engine.timers import TickReport

__all__ = [
    "PAPER",
    "SCOPES",
    "TAGS",
    "WORK_COUNT",
    "Actor",
    "AlreadyActed",
    "Broken",
    "Completion",
    "DataRef",
    "Deadline",
    "Definition",
    "Drift",
    "Engine",
    "FireContext",
    "FireResult",
    "GuardFailed",
    "InstanceNotFound",
    "Label",
    "MissingFields",
    "News",
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
    "WfBallot",
    "WfDefinition",
    "WfEvent",
    "WfInstance",
    "WfParticipant",
    "WfTask",
    "WorkGroup",
    "WorkRow",
    "WorkflowError",
    "WrongState",
    "check_files",
    "data_values",
    "load_directory",
    "to_mermaid",
    "to_svg",
    "transition_table",
    "verify_chains",
    "verify_instances",
]
