"""beliefs: Bayesian belief updating from dated evidence, for analysts.

The public API, used by the command line and the notebooks alike::

    import beliefs
    workspace = beliefs.load_workspace(".")
    history = beliefs.compute_history(workspace)
    history.summary()
"""

from importlib.metadata import PackageNotFoundError, version

from beliefs.errors import Problem, WorkspaceError
from beliefs.history import PosteriorHistory
from beliefs.pipeline import compute_history
from beliefs.scenario import Scenario, load_scenario
from beliefs.workspace import Step, Workspace, init_workspace, load_workspace

try:
    __version__ = version("beliefs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "PosteriorHistory",
    "Problem",
    "Scenario",
    "Step",
    "Workspace",
    "WorkspaceError",
    "compute_history",
    "init_workspace",
    "load_scenario",
    "load_workspace",
]
