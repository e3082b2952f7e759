"""The posterior history cached inside the workspace (`.beliefs/`), trusted only when its
keys prove it current.

Each step has a key chained from the previous one: step 0's covers the package version,
the engine, its settings, the seed and the scenario; step t's adds the numbers of the rows
of step t. A cached step is reused only while its key matches, so an added file computes
only the new steps and an edited file or scenario recomputes from the first step it
affects. Whatever else an engine's steps depend on, the engine adds to step 0's key
(`Engine.cache_key`); the cache itself knows nothing of any engine.
The manifest (keys plus the JSON summary) lets a run with nothing new answer without
importing xarray or PyMC; it records the SHA-256 of the netCDF file, so a
truncated or foreign file is detected and rebuilt, never trusted, and a SHA-256 of its own
content, so an edited or damaged summary is rebuilt rather than printed. Both files are written
atomically: an interrupted run leaves the previous cache intact.
A result derived from the history alone (the scores of `beliefs score`) may be kept beside it
(`<name>-<engine>.json`), stamped with the netCDF file's SHA-256 and its own digest: it is trusted
only while the manifest is current and names that very file, so reading it never opens the history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from beliefs.atomic import atomic_path, remove_leftovers
from beliefs.inputs.workspace import Workspace

CACHE_DIR = ".beliefs"
FORMAT = 9  # 3: the history carries rows, influence, method and scenario; 4: groups and row weights; 5: exact latent densities; 6: P(state | H);
# 7: the grid computed with numpy (equal to the compiled log-density's to rounding, not bit for bit), draw_hypothesis a small int;
# 8: the engine's own method text, and history.nc in ArviZ's InferenceData groups; 9: NUTS's statistics of each draw in sample_stats


@dataclass(frozen=True)
class Manifest:
    """What the cache holds: the step keys, the JSON summary and the netCDF file's hash."""

    keys: list[str]
    summary: dict
    history_sha256: str


def step_keys(workspace: Workspace, engine: str, settings: dict, seed: int, version: str, engine_key: dict) -> list[str]:
    """One key per step; a key changes when anything that step's posterior depends on does.

    Parameters
    ----------
    workspace : Workspace
        The inputs: the scenario and every row's numbers.
    engine, settings, seed, version
        The run: engine name, its settings, the seed and the package version.
    engine_key : dict
        What else the engine's steps depend on (`Engine.cache_key`).
    """
    head = {"format": FORMAT, "version": version, "engine": engine, "settings": settings, "seed": seed,
            "scenario": workspace.scenario.model_dump(mode="json"), **engine_key}
    if workspace.panel is not None:  # each analyst's own path depends on their judgments
        head["analysts"] = workspace.panel.likelihoods(workspace.rows)
    key = _digest(head)
    keys = [key]
    for step in workspace.steps[1:]:
        rows = [{"id": r.id, "reliability": r.reliability, "hypotheses": r.hypotheses, "latents": r.latents, "group": r.group}
                | ({"kind": r.kind} if r.kind else {}) for r in step.rows]  # a kind weighs only under a calibration by kind
        key = _digest({"previous": key, "date": step.date.isoformat(), "rows": rows})
        keys.append(key)
    return keys


def matching_prefix(cached: list[str], current: list[str]) -> int:
    """How many leading steps of the cache are still valid."""
    count = 0
    for old, new in zip(cached, current, strict=False):
        if old != new:
            break
        count += 1
    return count


def cache_paths(root: Path, engine: str) -> tuple[Path, Path]:
    """The cached netCDF history and its manifest for `engine` in the workspace at `root`."""
    folder = Path(root) / CACHE_DIR
    return folder / f"history-{engine}.nc", folder / f"manifest-{engine}.json"


def read_manifest(root: Path, engine: str) -> Manifest | None:
    """The manifest, or None when it is missing, unreadable or does not match its own digest
    (then the cache is rebuilt)."""
    _, manifest_path = cache_paths(root, engine)
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        content = {"keys": data["keys"], "summary": data["summary"], "history_sha256": data["history_sha256"]}
        if data.get("digest") != _digest(content):
            return None
        return Manifest(keys=list(data["keys"]), summary=dict(data["summary"]), history_sha256=str(data["history_sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_history(root: Path, engine: str, manifest: Manifest):
    """The cached `PosteriorHistory`, or None when the file is missing, altered or corrupt."""
    from beliefs.results.history import PosteriorHistory

    history_path, _ = cache_paths(root, engine)
    try:
        if _file_sha256(history_path) != manifest.history_sha256:
            return None
        return PosteriorHistory.from_netcdf(history_path)
    except Exception:  # any unreadable file means "no cache": it is rebuilt, never trusted
        return None


def write_cache(root: Path, engine: str, history, keys: list[str], summary: dict) -> None:
    """Save the history and its manifest (with the history's `summary`) atomically: netCDF first, manifest last."""
    history_path, manifest_path = cache_paths(root, engine)
    history_path.parent.mkdir(exist_ok=True)
    remove_leftovers(history_path.parent)
    with atomic_path(history_path) as temporary:
        history.to_netcdf(temporary)
    manifest = {"keys": keys, "summary": summary, "history_sha256": _file_sha256(history_path)}
    manifest["digest"] = _digest(manifest)
    with atomic_path(manifest_path) as temporary:
        temporary.write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def derived_path(root: Path, engine: str, name: str) -> Path:
    """Where the result `name` derived from the cached history of `engine` is kept."""
    return Path(root) / CACHE_DIR / f"{name}-{engine}.json"


def read_derived(root: Path, engine: str, name: str, keys: list[str]):
    """The result `name` derived from the cached history, or None unless the manifest holds exactly
    `keys` and the result was derived from the netCDF file the manifest names (and is intact)."""
    manifest = read_manifest(root, engine)
    if manifest is None or manifest.keys != keys:
        return None
    try:
        data = json.loads(derived_path(root, engine, name).read_text(encoding="utf-8"))
        if data["history_sha256"] != manifest.history_sha256 or data.get("digest") != _digest({k: data[k] for k in ("history_sha256", "value")}):
            return None
        return data["value"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_derived(root: Path, engine: str, name: str, keys: list[str], value) -> None:
    """Keep `value` (JSON), derived from the cached history whose manifest holds `keys`, beside it;
    nothing when the manifest is not (or no longer) current for `keys`."""
    manifest = read_manifest(root, engine)
    if manifest is None or manifest.keys != keys:
        return
    data = {"history_sha256": manifest.history_sha256, "value": value}
    data["digest"] = _digest(data)
    with atomic_path(derived_path(root, engine, name)) as temporary:
        temporary.write_text(json.dumps(data), encoding="utf-8")


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
