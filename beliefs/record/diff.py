"""What a revision changed: rows added, removed and changed (and in which columns), scenario keys
changed, the final answer before and after, and each change's own effect, the shift in the final
answer when that change alone is applied to the earlier version.

The effects need not add up to the whole shift: changes interact (a row's push depends on the
priors, a group's design effect on its other rows), which is why each is shown on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from beliefs.inputs.evidence import EvidenceRow
from beliefs.inputs.scenario import Scenario
from beliefs.inputs.scenario_file import SCENARIO_FILE
from beliefs.inputs.workspace import Workspace

DECIMALS = 6


@dataclass(frozen=True)
class Version:
    """One side of a diff: the validated workspace and its scenario file as parsed TOML."""

    workspace: Workspace
    toml: dict

    @classmethod
    def of(cls, workspace: Workspace) -> Version:
        """The version in `workspace`'s folder (read now: the folder may be temporary)."""
        return cls(workspace, tomllib.loads((workspace.root / SCENARIO_FILE).read_bytes().decode("utf-8-sig")))


@dataclass(frozen=True)
class Change:
    """One change from the earlier version: a row added, removed or changed, or a scenario key."""

    kind: str
    name: str
    columns: tuple[str, ...] = ()
    was: object = None
    now: object = None

    def entry(self) -> dict:
        """The change as `beliefs diff --json` lists it (before its shift)."""
        entry = {"kind": self.kind, ("key" if self.kind == "scenario" else "id"): self.name}
        if self.kind == "row changed":
            entry["columns"] = list(self.columns)
        return entry


def row_columns(row: EvidenceRow) -> dict[str, object]:
    """A row's values by the column names of its file (the file's date as `date`)."""
    columns = {"date": row.date, "summary": row.summary, "source": row.source, "reliability": row.reliability,
               "rationale": row.rationale, "group": row.group or ""}
    columns |= {f"p_{h}": p for h, p in (row.hypotheses or {}).items()}
    for name, (yes, no) in row.latents.items():
        columns |= {f"p_{name}_yes": yes, f"p_{name}_no": no}
    return columns


def row_changes(before: Workspace, after: Workspace) -> list[Change]:
    """Rows added, removed and changed (with the columns that differ), by id."""
    was = {row.id: row for row in before.rows}
    now = {row.id: row for row in after.rows}
    changes = [Change("row added", i) for i in now if i not in was] + [Change("row removed", i) for i in was if i not in now]
    for i in (i for i in now if i in was):
        old, new = row_columns(was[i]), row_columns(now[i])
        differ = tuple(c for c in dict.fromkeys([*old, *new]) if old.get(c) != new.get(c))
        if differ:
            changes.append(Change("row changed", i, differ))
    return changes


def scenario_changes(before: dict, after: dict, prefix: str = "") -> list[Change]:
    """Keys of scenario.toml whose values differ, at the deepest table both versions have."""
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            changes += scenario_changes(old, new, f"{prefix}{key}.")
        elif old != new:
            changes.append(Change("scenario", f"{prefix}{key}", was=old, now=new))
    return changes


def apply(change: Change, before: Version, after: Version) -> Workspace | str:
    """The earlier workspace with `change` alone applied, or why it cannot stand alone."""
    workspace = before.workspace
    if change.kind == "scenario":
        toml = _set(before.toml, change.name.split("."), change.now)
        try:
            scenario = Scenario.model_validate(toml)
        except ValidationError as error:
            return f"not valid on its own ({error.errors()[0]['msg']})"
        return _fits(dataclasses.replace(workspace, scenario=scenario), "the rows would have to change with it")
    rows = [row for row in workspace.rows if row.id != change.name]
    if change.kind != "row removed":
        rows.append(next(row for row in after.workspace.rows if row.id == change.name))
    return _fits(dataclasses.replace(workspace, rows=tuple(rows)), "it needs the scenario's changes too")


def _fits(workspace: Workspace, reason: str) -> Workspace | str:
    """`workspace`, when every row speaks of its scenario's hypotheses, latents and groups; else `reason`."""
    scenario = workspace.scenario
    for row in workspace.rows:
        if row.hypotheses is not None and set(row.hypotheses) != set(scenario.hypotheses):
            return reason
        if not set(row.latents) <= set(scenario.latents) or (row.group and row.group not in scenario.groups):
            return reason
    return workspace


def _set(table: dict, keys: list[str], value) -> dict:
    """A copy of the nested `table` with `keys` set to `value` (removed when None)."""
    copy = dict(table)
    if len(keys) == 1:
        if value is None:
            copy.pop(keys[0], None)
        else:
            copy[keys[0]] = value
        return copy
    copy[keys[0]] = _set(copy.get(keys[0], {}), keys[1:], value)
    return copy


def revision_diff(before: Version, after: Version, final: Callable[[Workspace], dict[str, float]]) -> dict:
    """The JSON object of `beliefs diff --json`.

    Parameters
    ----------
    before, after : Version
        The earlier (REV) and later (REV2 or the working tree) versions.
    final : callable
        The final answer, P(H) at the last step, of a workspace.

    Returns
    -------
    dict
        `before` and `after` ({H: p}) and `changes`, each with its `shift` ({H: dp}, or None with
        a `note` when it cannot be applied alone), strongest first; those with no shift of
        their own come last.
    """
    was, now = final(before.workspace), final(after.workspace)
    changes = []
    for change in scenario_changes(before.toml, after.toml) + row_changes(before.workspace, after.workspace):
        alone = apply(change, before, after)
        entry = change.entry()
        if isinstance(alone, str):
            entry |= {"shift": None, "note": alone}
        else:
            entry["shift"] = {h: _round(p - was.get(h, 0.0)) for h, p in final(alone).items()}
        changes.append(entry)
    changes.sort(key=lambda c: 1.0 if c["shift"] is None else -max(map(abs, c["shift"].values()), default=0.0))
    return {"before": {h: _round(p) for h, p in was.items()}, "after": {h: _round(p) for h, p in now.items()}, "changes": changes}


def describe(change: dict, before: Version, after: Version) -> str:
    """A change's detail in words: the columns of a changed row, a key's value before and after."""
    if change["kind"] == "row changed":
        return ", ".join(change["columns"])
    if change["kind"] != "scenario":
        return ""
    keys = change["key"].split(".")
    return f"{_toml(_get(before.toml, keys))} → {_toml(_get(after.toml, keys))}"


def _get(table: dict, keys: list[str]):
    for key in keys:
        table = table.get(key) if isinstance(table, dict) else None
    return table


def _toml(value) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 40 else f'"{value[:37]}..."'
    if isinstance(value, dt.date | dict | list):
        return str(value) if not isinstance(value, dict) else "a table"
    return repr(value)


def _round(value: float) -> float:
    return round(float(value), DECIMALS) if math.isfinite(value) else value
