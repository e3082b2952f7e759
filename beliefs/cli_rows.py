"""The row commands of `beliefs`: `add` appends one evidence row given as flags, `what-if`
previews the posterior with one. Both report a mistake in a flag against the flag, with every
problem of the row at once. They register on the one `app` of `beliefs.cli`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from beliefs.cli import SEED_MAX, WorkspaceArg, _fail, app, err, out, show
from beliefs.errors import WorkspaceError, literal
from beliefs.inputs.workspace import load_workspace

# -- add and what-if: one evidence row from flags ---------------------------------------------
RowId = Annotated[str, typer.Option("--id", help="A unique id for the row (required).")]
RowSummary = Annotated[str, typer.Option("--summary", help="What was observed, in a sentence (required).")]
RowSource = Annotated[str, typer.Option("--source", help="Where it was reported: outlet and date, or a URL.")]
RowReliability = Annotated[str | None, typer.Option("--reliability", help="How far the report can be trusted, 0 to 1 (default 1).")]
RowRationale = Annotated[str, typer.Option("--rationale", help="Why the probabilities are what they are.")]
RowP = Annotated[list[str] | None, typer.Option("--p", help="HYPOTHESIS=P: how likely the observation is if HYPOTHESIS is true; repeat for each.")]
RowLatent = Annotated[list[str] | None, typer.Option("--latent", help="NAME=YES,NO: its likelihood if the latent is high (yes) and low (no).")]
RowGroup = Annotated[str, typer.Option("--group", help="The row's group in scenario.toml: rows that report one development.")]
RowKind = Annotated[str, typer.Option("--kind", help="The kind of evidence: statement, action, proposal, report or absence (default: unclassified).")]
RowFileWords = Annotated[str | None, typer.Option("--file-words", help="Words after the date in the file name, e.g. ceasefire-accepted.")]


def _row_flags(p: list[str] | None, latent: list[str] | None, workspace: Path, required: dict[str, str] | None = None, scenario=None):
    """--p and --latent as the API's dicts, the problems of the flags themselves (a malformed
    flag, an unknown name with its likely typo, a missing required flag), each located at the
    flag, and the names those problems stand for (so that their knock-on effects on the row,
    such as "p_x is blank", are not reported again)."""
    from beliefs.errors import Problem, did_you_mean

    try:
        scenario = scenario or load_workspace(workspace).scenario
    except WorkspaceError as error:
        _fail(error)
    problems, hypotheses, latents, covered = [], {}, {}, set()
    examples = {"--date": "2025-12-01", "--id": "talks-resume", "--summary": '"What was seen, in a sentence"'}
    for flag, value in (required or {}).items():
        if not value.strip():
            problems.append(Problem(Path(flag), f"missing; every row needs it, e.g. {flag} {examples[flag]}"))
            covered.add(f"{flag[2:]} is blank")
    for text in p or []:
        name, sep, value = (part.strip() for part in text.partition("="))
        if not sep or not name:
            problems.append(Problem(Path("--p"), f"{text!r} is not HYPOTHESIS=P; write e.g. --p {scenario.hypothesis_names[0]}=0.6"))
        elif name not in scenario.hypotheses:
            problems.append(Problem(Path(f"--p {name}"), f"unknown hypothesis{did_you_mean(name, scenario.hypothesis_names)}; "
                                                         f"the hypotheses are {', '.join(scenario.hypothesis_names)}"))
            covered.update(f"p_{h} is blank while" for h in scenario.hypothesis_names)
        elif name in hypotheses:
            problems.append(Problem(Path(f"--p {name}"), "given twice; give each hypothesis once"))
        else:
            hypotheses[name] = value
    for text in latent or []:
        name, sep, values = (part.strip() for part in text.partition("="))
        pair = [v.strip() for v in values.split(",")]
        if not sep or not name or len(pair) != 2:
            problems.append(Problem(Path("--latent"), f"{text!r} is not NAME=YES,NO; write e.g. --latent willingness=0.6,0.3 (both values)"))
        elif name not in scenario.latents:
            known = ", ".join(scenario.latent_names) or "none"
            problems.append(Problem(Path(f"--latent {name}"), f"unknown latent{did_you_mean(name, scenario.latent_names)}; the latents are {known}"))
            covered.add("row bears on nothing")
        elif name in latents:
            problems.append(Problem(Path(f"--latent {name}"), "given twice; give each latent once"))
        else:
            latents[name] = (pair[0], pair[1])
    return hypotheses or None, latents or None, problems, covered


def _check_row(workspace: Path, row, date: str | None, file_words: str | None, problems: list, covered: set[str]) -> None:
    """Validate the row as `add` would write it, and exit 2 with the flags' problems and the row's
    own, the knock-on effects of a flag's mistake left out."""
    from beliefs.inputs.authoring import preview_workspace

    try:
        ws = load_workspace(workspace)
    except WorkspaceError as error:
        _fail(error)
    try:
        preview_workspace(ws, row, date=date, file_words=file_words)
    except WorkspaceError as error:
        problems = problems + [_as_flag(pr, ws.scenario) for pr in error.problems if not any(pr.message.startswith(knock_on) for knock_on in covered)]
    if problems:
        _fail(WorkspaceError(problems))


def _as_flag(problem, scenario):
    """A problem of the would-be row said in terms of the flags that give it, not of a file's cells."""
    import re

    from beliefs.errors import Problem

    message = problem.message
    blank = re.match(r"p_(\w+) is blank while p_\w+ is filled", message)
    if message.startswith("row bears on nothing"):
        example = " ".join(f"--p {h}={p:g}" for h, p in zip(scenario.hypothesis_names, (0.6, 0.3, 0.2, 0.1, 0.05) * 9, strict=False))
        latents = f" and/or --latent NAME=YES,NO for a latent ({', '.join(scenario.latent_names)})" if scenario.latents else ""
        return Problem(Path("--p"), f"no likelihoods given: say how likely the observation is under each hypothesis, e.g. {example}{latents}")
    if blank and blank[1] in scenario.hypotheses:
        return Problem(Path(f"--p {blank[1]}"), f"missing; give --p for every hypothesis ({', '.join(scenario.hypothesis_names)}) or for none")
    if problem.line is None and re.match(r"date \S+ is (after today|on or before the prior date)", message):
        return Problem(Path("--date"), message.replace("the date in the file name", "--date"))
    if message.startswith("kind ") and "is not a kind of evidence" in message:
        return Problem(Path("--kind"), message.removeprefix("kind ").replace("leave the cell blank", "leave --kind out"))
    return problem


@app.command()
def add(
    workspace: WorkspaceArg = Path("."),
    date: Annotated[str, typer.Option("--date", help="The day of the observation, YYYY-MM-DD (required).")] = "",
    id: RowId = "",
    summary: RowSummary = "",
    source: RowSource = "",
    reliability: RowReliability = None,
    rationale: RowRationale = "",
    p: RowP = None,
    latent: RowLatent = None,
    group: RowGroup = "",
    kind: RowKind = "",
    file_words: RowFileWords = None,
    from_indicator: Annotated[str | None, typer.Option("--from-indicator", help="Take the row's cells from this indicator of "
                                                                               "indicators.csv (seen on --date); other flags override them.")] = None,
    analyst: Annotated[str | None, typer.Option("--analyst", help="Write analyst NAME's judgment of evidence row --id (its --p and --latent "
                                                                  "values) to judgments/NAME.csv instead of a new evidence row.")] = None,
) -> None:
    """Append one evidence row to evidence/DATE.csv (created with its header if new), or with --analyst one judgment to
    judgments/NAME.csv; never changes existing lines."""
    from beliefs.inputs.authoring import NewRow, add_evidence

    if analyst is not None:
        others = {"--date": date, "--summary": summary, "--source": source, "--reliability": reliability or "", "--rationale": rationale,
                  "--group": group, "--file-words": file_words or "", "--from-indicator": from_indicator or ""}
        _add_judgment(workspace, analyst, id, p, latent, [flag for flag, value in others.items() if value])
        return

    required = {"--date": date} if from_indicator is not None else {"--date": date, "--id": id, "--summary": summary}
    hypotheses, latents, problems, covered = _row_flags(p, latent, workspace, required)
    if from_indicator is not None:
        seen = _indicator(workspace, from_indicator)
        id, summary, rationale, group = id or seen.id, summary or seen.summary, rationale or seen.rationale, group or (seen.group or "")
        kind = kind or seen.kind
        reliability = reliability if reliability is not None else f"{seen.reliability:g}"
        hypotheses = hypotheses or seen.hypotheses
        latents = {**seen.latents, **(latents or {})} or None
    row = NewRow(id=id, summary=summary, source=source, reliability=reliability, rationale=rationale, hypotheses=hypotheses, latents=latents,
                 group=group, kind=kind)
    _check_row(workspace, row, date if date.strip() else None, file_words, problems, covered)
    try:
        path = add_evidence(workspace, date=date, id=id, summary=summary, source=source, reliability=reliability, rationale=rationale,
                            hypotheses=hypotheses, latents=latents, group=group, file_words=file_words, kind=kind,
                            on_wait=lambda: err.print("Waiting for another beliefs process on this workspace..."))
    except WorkspaceError as error:
        _fail(error)
    out.print(f"Added {literal(repr(id))} to {literal(path)}", highlight=False)


def _add_judgment(workspace: Path, analyst: str, id: str, p: list[str] | None, latent: list[str] | None, stray: list[str]) -> None:
    """`add --analyst`: one judgment appended to judgments/NAME.csv; flags of an evidence row are mistakes here."""
    from beliefs.errors import Problem
    from beliefs.inputs.judging import add_judgment
    from beliefs.inputs.scenario_file import SCENARIO_FILE, load_scenario

    try:  # the scenario alone: a declared analyst's first judgment creates the file the workspace lacks
        scenario = load_scenario(Path(workspace) / SCENARIO_FILE) if (Path(workspace) / SCENARIO_FILE).is_file() else None
    except WorkspaceError as error:
        _fail(error)
    hypotheses, latents, problems, _ = _row_flags(p, latent, workspace, {"--id": id}, scenario)
    problems += [Problem(Path(flag), "does not apply to a judgment (the row's date, text and reliability are the author's); leave it out")
                 for flag in stray]
    if not hypotheses and not latents and not problems:
        problems.append(Problem(Path("--p"), "no likelihoods given: judge the hypotheses (--p H=P for each) and/or a latent (--latent NAME=YES,NO)"))
    if problems:
        _fail(WorkspaceError(problems))
    try:
        path = add_judgment(workspace, analyst=analyst, id=id, hypotheses=hypotheses, latents=latents,
                            on_wait=lambda: err.print("Waiting for another beliefs process on this workspace..."))
    except WorkspaceError as error:
        _fail(error)
    out.print(f"Added {analyst!r}'s judgment of {id!r} to {path}", highlight=False)


def _indicator(workspace: Path, name: str):
    """The indicator `name` of the workspace's indicators.csv; exit 2 naming the file when there is none."""
    from beliefs.errors import Problem, did_you_mean
    from beliefs.inputs.indicators import INDICATORS_FILE, load_indicators

    try:
        indicators = load_indicators(load_workspace(workspace))
    except WorkspaceError as error:
        _fail(error)
    found = next((row for row in indicators if row.id == name), None)
    if found is None:
        ids = [row.id for row in indicators]
        _fail(WorkspaceError([Problem(Path(workspace) / INDICATORS_FILE, f"no indicator '{name}'{did_you_mean(name, ids)}; "
                                                                         f"the indicators are {', '.join(ids) or 'none'}")]))
    return found


@app.command("what-if")
def what_if(
    workspace: WorkspaceArg = Path("."),
    date: Annotated[str | None, typer.Option("--date", help="The day of the hypothetical row (default: the day after the last step, "
                                                                        "or the last step's day when that is today).")] = None,
    id: Annotated[str, typer.Option("--id", help="An id for the hypothetical row; it must not be taken.")] = "what-if",
    summary: Annotated[str, typer.Option("--summary", help="What the hypothetical observation is, in a sentence.")] = "hypothetical observation",
    source: RowSource = "",
    reliability: RowReliability = None,
    rationale: RowRationale = "",
    p: RowP = None,
    latent: RowLatent = None,
    group: RowGroup = "",
    kind: RowKind = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the previewed history as JSON instead of a table.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Random seed.")] = 0,
    engine: Annotated[str, typer.Option(help="auto (exact where it applies), exact or nuts.")] = "auto",
) -> None:
    """Preview the posterior with one hypothetical row added, without writing anything."""
    from beliefs.inference.pipeline import ENGINES, compute_history
    from beliefs.inputs.authoring import NewRow, preview_workspace
    from beliefs.results.summary import summary_json

    if engine not in ENGINES:
        err.print(f"[bold red]error[/] --engine {literal(repr(engine))}: choose one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    hypotheses, latents, problems, covered = _row_flags(p, latent, workspace)
    row = NewRow(id=id, summary=summary, source=source, reliability=reliability, rationale=rationale, hypotheses=hypotheses, latents=latents,
                 group=group, kind=kind)
    _check_row(workspace, row, date, None, problems, covered)
    try:
        ws = load_workspace(workspace)
        preview = preview_workspace(ws, row, date=date)
    except WorkspaceError as error:
        _fail(error)
    after = compute_history(preview, engine=engine, seed=seed).summary()
    if as_json:
        sys.stdout.write(summary_json(after))
        return
    if len(preview.steps) == len(ws.steps) + 1 and preview.steps[-1].date > ws.steps[-1].date:
        now = after["steps"][-2]  # a new last step: the step before it is today's posterior
    else:
        now = compute_history(ws, engine=engine, seed=seed).summary()["steps"][-1]
    when = next(r.date for r in preview.rows if r.id == id)
    from beliefs.outputs.tables import what_if_table

    show(what_if_table(now, after, ws.scenario, f"{summary} ({when})"))
