"""Problems found in an analyst's files, reported all at once with their location.

Every message names the file and, where they exist, the line and column, and says what
would be valid: the analyst fixes her file from the message alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place of one file."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        parts = ["".join(c if c.isprintable() else repr(c)[1:-1] for c in str(self.path))]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class WorkspaceError(Exception):
    """A workspace that cannot be used as it is; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
