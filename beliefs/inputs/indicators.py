"""`indicators.csv`: developments the analyst will watch for, each with how likely it is to be
observed under each hypothesis (and, for latents, if the disposition holds or not).

The file sits at the workspace root and has the columns of an evidence file without a date
(`id`, `summary`, `rationale`, `reliability`, `group`, `p_<hypothesis>` for all or none,
`p_<latent>_yes` / `_no`); it is validated like evidence, every problem located. Its
likelihoods are probabilities of being observed (soon), not only ratios: `beliefs watch` turns
them into P(observed) and into the information an observation would bring. An indicator whose
id is already an evidence row's (it was seen and added with `beliefs add --from-indicator`) is
no longer watched.
"""

from __future__ import annotations

from pathlib import Path

from beliefs.errors import WorkspaceError
from beliefs.inputs.csv_text import read_csv_text
from beliefs.inputs.evidence import EvidenceRow, parse_rows
from beliefs.inputs.workspace import Workspace

INDICATORS_FILE = "indicators.csv"


def load_indicators(workspace: Workspace) -> list[EvidenceRow]:
    """The workspace's indicators (none when the file is absent).

    Parameters
    ----------
    workspace : Workspace

    Returns
    -------
    list of EvidenceRow
        One per indicator, dated at the latest step (they are judged from there).

    Raises
    ------
    WorkspaceError
        With every problem in the file.
    """
    path = Path(workspace.root) / INDICATORS_FILE
    if not path.exists():
        return []
    text, problem = read_csv_text(path)
    if problem:
        raise WorkspaceError([problem])
    rows, problems = parse_rows(path, text, workspace.steps[-1].date, workspace.scenario)
    if problems:
        raise WorkspaceError(problems)
    return rows
