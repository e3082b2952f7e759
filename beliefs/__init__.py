"""beliefs: Bayesian belief updating from dated evidence, for analysts.

The public API, used by the command line and the notebooks alike::

    import beliefs
    workspace = beliefs.load_workspace(".")
    history = beliefs.update_history(workspace).history   # cached in .beliefs/
    history.summary()

Names are imported on first use, so that `beliefs update` with nothing new to compute
never pays for importing PyMC or xarray.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("beliefs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_EXPORTS = {
    "Problem": "beliefs.errors",
    "WorkspaceError": "beliefs.errors",
    "Scenario": "beliefs.scenario",
    "load_scenario": "beliefs.scenario",
    "EvidenceRow": "beliefs.evidence",
    "Step": "beliefs.workspace",
    "Workspace": "beliefs.workspace",
    "init_workspace": "beliefs.workspace",
    "load_workspace": "beliefs.workspace",
    "PosteriorHistory": "beliefs.history",
    "compute_history": "beliefs.pipeline",
    "update_history": "beliefs.pipeline",
    "NewRow": "beliefs.authoring",
    "add_evidence": "beliefs.authoring",
    "preview_workspace": "beliefs.authoring",
    "what_if": "beliefs.authoring",
    "forecast": "beliefs.forecast",
    "write_report": "beliefs.report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'beliefs' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])
