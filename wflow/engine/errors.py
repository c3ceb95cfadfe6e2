"""Errors raised while loading workflow definitions: each problem names file, line and fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DefinitionProblem:
    """One thing wrong with a definition file: where it is, what it is, how to fix it."""

    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    message: str
    fix: str

    def __str__(self) -> str:
        """Return `path:line: message — fix`."""
        return f"{self.path}:{self.line}: {self.message} — {self.fix}"


class DefinitionError(Exception):
    """One or more definition files are invalid; `problems` lists every problem found."""

    def __init__(self, problems: Iterable[DefinitionProblem]) -> None:
        self.problems: list[DefinitionProblem] = sorted(
            problems, key=lambda p: (p.path, p.line, p.message)
        )
        super().__init__(str(self))

    def __str__(self) -> str:
        """Return one problem per line."""
        return "\n".join(str(p) for p in self.problems)
