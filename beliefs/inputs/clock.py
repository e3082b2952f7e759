"""Today's date, against which evidence and outcomes dated in the future are refused.

`BELIEFS_TODAY=YYYY-MM-DD` fixes it, to test that refusal or to reproduce a check as it ran on
another day; otherwise it is the computer's date.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from beliefs.errors import Problem, WorkspaceError

TODAY_VARIABLE = "BELIEFS_TODAY"


def today() -> dt.date:
    """`BELIEFS_TODAY` when it is set (and a real date), else the computer's date.

    Returns
    -------
    datetime.date

    Raises
    ------
    WorkspaceError
        When `BELIEFS_TODAY` is set but not a date written YYYY-MM-DD.
    """
    fixed = os.environ.get(TODAY_VARIABLE, "").strip()
    if not fixed:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(fixed)
    except ValueError:
        message = f"{fixed!r} is not a date; write it YYYY-MM-DD, e.g. {TODAY_VARIABLE}=2025-12-01, or unset the variable"
        raise WorkspaceError([Problem(Path(TODAY_VARIABLE), message)]) from None
