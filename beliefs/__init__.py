"""beliefs: Bayesian belief updating from dated evidence, for analysts.

The public API, used by the command line and the notebooks alike::

    import beliefs
    analysis = beliefs.analyse(".")                        # update (cached in .beliefs/), robustness, watch, record
    analysis.history.summary()
    beliefs.write_report(analysis, "report")              # the same folder as `beliefs report`

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
    "Scenario": "beliefs.inputs.scenario",
    "load_scenario": "beliefs.inputs.scenario_file",
    "EvidenceRow": "beliefs.inputs.evidence",
    "Step": "beliefs.inputs.workspace",
    "Workspace": "beliefs.inputs.workspace",
    "init_workspace": "beliefs.inputs.workspace",
    "load_workspace": "beliefs.inputs.workspace",
    "today": "beliefs.inputs.clock",
    "PosteriorHistory": "beliefs.results.history",
    "compute_history": "beliefs.inference.pipeline",
    "update_history": "beliefs.inference.pipeline",
    "NewRow": "beliefs.inputs.authoring",
    "add_evidence": "beliefs.inputs.authoring",
    "preview_workspace": "beliefs.inputs.authoring",
    "add_judgment": "beliefs.inputs.judging",
    "analyst_likelihoods": "beliefs.inputs.pooling",
    "what_if": "beliefs.inference.what_if",
    "forecast": "beliefs.inference.forecast",
    "write_report": "beliefs.outputs.report",
    "analyse": "beliefs.workflow",
    "Analysis": "beliefs.results.analysis",
    "RunSettings": "beliefs.results.analysis",
    "Robustness": "beliefs.results.robustness",
    "Watch": "beliefs.results.robustness",
    "ModelSpec": "beliefs.inference.spec",
}

_MODULES = {"plots": "beliefs.outputs.plots"}  # `from beliefs import plots` in notebooks

__all__ = sorted([*_EXPORTS, *_MODULES])


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    if name in _MODULES:
        return import_module(_MODULES[name])
    raise AttributeError(f"module 'beliefs' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS, *_MODULES])
