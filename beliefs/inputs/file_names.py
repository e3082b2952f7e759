"""Evidence file names: `YYYY-MM-DD.csv` or `YYYY-MM-DD-some-words.csv`, whose date is the
step the file's rows belong to; a name that is not valid gets a reason and a valid example."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from beliefs.errors import printable

FILE_NAME = re.compile(r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?:-(?P<words>[^/\\]+))?\.csv$")
NAME_FORMS = "YYYY-MM-DD.csv or YYYY-MM-DD-some-words.csv"
_STRICT_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])")
DATED = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?![0-9])")


def date_of_file(path: Path) -> dt.date | None:
    """The step date encoded in an evidence file's name, or None when the name is not valid."""
    match = FILE_NAME.match(path.name)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match["date"])
    except ValueError:
        return None


def file_name_problem(name: str) -> str | None:
    """Why `name` is not a valid evidence file name (what would be valid), or None if it is."""
    match = FILE_NAME.match(name)
    if match:
        try:
            dt.date.fromisoformat(match["date"])
        except ValueError as error:
            return f"{match['date']} in the file name is not a real date ({error}); name the file {NAME_FORMS} with a real date"
        return None
    strict = _STRICT_DATE.match(name)
    if strict:
        rest = name[strict.end():]
        if rest.lower().endswith(".csv") and not rest.endswith(".csv"):
            return f"the extension must be lower-case .csv: rename the file {printable(name[: -len('.csv')])[:60]}.csv"
        if rest == "-.csv":
            return f"no words after the hyphen; name the file {NAME_FORMS}"
        return f"after the date, join words with hyphens: {NAME_FORMS}, e.g. {strict.group()}-sumy-strike.csv"
    if DATED.match(name):
        return f"write the date with a 4-digit year and 2-digit month and day: {NAME_FORMS}, e.g. 2025-05-01.csv"
    return f"file name must start with the step's date: {NAME_FORMS}, e.g. 2025-04-14-sumy-strike.csv"
