"""Errors raised while running workflows: refusals with an HTTP status, a code and a message."""

from __future__ import annotations

from collections.abc import Iterable

from wflow.errors import Refusal


class WorkflowError(Refusal):
    """Base of every runtime refusal; nothing was written when it is raised."""

    status = 400
    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)


class NotAllowed(WorkflowError):
    """The actor holds no role that may fire this trigger here (or it is engine-only)."""

    status = 403


class InstanceNotFound(WorkflowError):
    """No workflow instance has this id."""

    status = 404

    def __init__(self, instance_id: int | str) -> None:
        message = (
            instance_id
            if isinstance(instance_id, str)
            else (f"Workflow instance {instance_id} does not exist.")
        )
        super().__init__(message)
        self.instance_id = instance_id if isinstance(instance_id, int) else None


class UnknownWorkflow(WorkflowError):
    """No loaded definition has this name (or version)."""

    status = 404


class UnknownTrigger(WorkflowError):
    """The instance's workflow has no trigger of this name."""

    status = 404

    def __init__(self, workflow: str, trigger: str) -> None:
        super().__init__(f"Workflow {workflow!r} has no action {trigger!r}.")
        self.trigger = trigger


class WrongState(WorkflowError):
    """The trigger exists but cannot be fired from the instance's current state."""

    status = 409

    def __init__(self, trigger: str, state: str) -> None:
        super().__init__(f"Action {trigger!r} is not possible in state {state!r}.")
        self.trigger = trigger
        self.state = state


class StaleVersion(WorkflowError):
    """Someone changed the instance between reading and firing."""

    status = 409

    def __init__(self, instance_id: int) -> None:
        super().__init__(
            f"Workflow instance {instance_id} was changed meanwhile; reload and try again."
        )
        self.instance_id = instance_id


class AlreadyActed(WorkflowError):
    """The participant already signed, refused or abstained in this step."""

    status = 409


class GuardFailed(WorkflowError):
    """A guard refused the transition; `reason` says why."""

    status = 422

    def __init__(self, guard: str, reason: str) -> None:
        super().__init__(reason)
        self.guard = guard
        self.reason = reason


class MissingFields(WorkflowError):
    """Fields the transition requires were not given or are blank."""

    status = 422

    def __init__(self, fields: Iterable[str]) -> None:
        names = tuple(fields)
        super().__init__("Required: " + ", ".join(names) + ".")
        self.fields = dict.fromkeys(names, "")


class VersionConflict(Exception):
    """A definition's text changed but its `version` did not (a deployment error, not a 4xx)."""
