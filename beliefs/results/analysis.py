"""`Analysis`, everything a report shows of one workspace, and `RunSettings`, how it was run.

`beliefs.analyse` builds an `Analysis` (see `beliefs.workflow`); the report, the tables, the
command line and the notebooks read it and compute nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from beliefs.inputs.workspace import Workspace
    from beliefs.record.vintage import Vintage
    from beliefs.results.history import PosteriorHistory
    from beliefs.results.robustness import Robustness, Watch


@dataclass(frozen=True)
class RunSettings:
    """How a workspace is computed: the same files and settings give the same numbers.

    Parameters
    ----------
    engine : {"auto", "exact", "nuts"}
        `auto` is the exact engine.
    seed : int
        The run's random seed (the engine's draws and the judgment band's noise).
    draws : int
        Posterior draws per chain, and the judgment band's draws.
    tune : int
        NUTS tuning steps per chain.
    chains : int
        Chains of draws.
    horizon : str or None
        How far past the last step the latents' forecast reaches (`30d`, `6w`, `3m`; checked by
        `beliefs.analyse`); None for no forecast. A resolved question has none whatever this says.
    judgment_sd : float
        Sd of the noise added to every likelihood's log-odds in the judgment band.

    Examples
    --------
    >>> beliefs.RunSettings(engine="nuts", seed=1, horizon=None)  # doctest: +SKIP
    """

    engine: str = "auto"
    seed: int = 0
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    horizon: str | None = "30d"
    judgment_sd: float = 0.5

    @property
    def engine_options(self) -> dict:
        """The keyword arguments of `compute_history` and `update_history` these settings give."""
        return {"engine": self.engine, "seed": self.seed, "draws": self.draws, "tune": self.tune, "chains": self.chains}


@dataclass(frozen=True)
class Analysis:
    """One workspace analysed: its history, how robust the answer is, what to watch, its record.

    Parameters
    ----------
    root : pathlib.Path
        The analyst's workspace folder (the report goes to `root/reports` by default).
    workspace : Workspace
        The inputs analysed (a past version's with `as_of`).
    settings : RunSettings
        How it was computed.
    history : PosteriorHistory
        The posterior after every step (with the forecast unless the question has resolved).
    robustness : Robustness
        Rows and groups left out, the judgment band, priors and dynamics changed.
    watch : Watch or None
        The indicators to watch for; None once the question has resolved.
    record : dict
        The record in git: `as_of` (the vintage shown), `since` ("What changed since") and
        `scores` (hindcast share, pre-registration), each None where it does not apply.
    vintage : Vintage or None
        The commit shown with `as_of`.
    notes : tuple of str
        What the analyst should know of the run (a cache that was rebuilt).
    """

    root: Path
    workspace: Workspace
    settings: RunSettings
    history: PosteriorHistory
    robustness: Robustness | None = None
    watch: Watch | None = None
    record: dict = field(default_factory=lambda: {"as_of": None, "since": None, "scores": None})
    vintage: Vintage | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, workspace: Workspace, history: PosteriorHistory, *, robustness: Robustness | None = None, watch: Watch | None = None,
           record: dict | None = None) -> Analysis:
        """An analysis of a history computed elsewhere, with only the sections given (for a report
        of a what-if or of one engine's history; `beliefs.analyse` computes every section)."""
        settings = RunSettings(engine=history.engine, seed=history.seed, horizon=None)
        return cls(root=workspace.root, workspace=workspace, settings=settings, history=history, robustness=robustness, watch=watch,
                   record=record or {"as_of": None, "since": None, "scores": None})
