"""Problems found in an analyst's files, reported all at once with their location.

Every message names the file and, where they exist, the line and column, and says what
would be valid: the analyst fixes her file from the message alone.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place of one file."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        """file:line:column, as editors and terminals link it."""
        parts = [printable(str(self.path))]
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


def printable(text: str) -> str:
    """`text` with control and other unprintable characters escaped, so a message shows them."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def literal(text: str) -> str:
    """The analyst's text for a rich console: printable, and with what looks like markup
    (`[red]`, `[/]`, `[link=...]`) escaped, so that it prints as typed and never as styles,
    links or terminal control codes."""
    return escape(printable(str(text)))


def shorten(text: str, limit: int = 40) -> str:
    """The analyst's text for a message: printable, and cut to `limit` characters so that the
    message stays on a line or two."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quoted(text: str, limit: int = 32) -> str:
    """`shorten(text)` in single quotes, as messages quote a cell or a name."""
    return f"'{shorten(text, limit)}'"


def did_you_mean(name: str, choices: list[str]) -> str:
    """" (did you mean 'x'?)" for the closest of `choices` to a mistyped `name`, or ""."""
    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered and name not in choices:
        return f" (did you mean {lowered[name.lower()]!r}? names are case-sensitive)"
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""
