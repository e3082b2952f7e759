"""Scores as tables for the terminal: one line per workspace, and the portfolio's calibration."""

from __future__ import annotations

from rich.table import Table


def _number(value, digits: int = 3) -> str:
    return "∞" if value is None else f"{value:.{digits}f}"


def scores_table(report: dict) -> Table:
    """Each workspace's time-weighted Brier and log score, with its baselines and its most helpful
    and most harmful rows (lower scores are better)."""
    table = Table(title="Scores of the path of beliefs (time-weighted; lower is better)", title_justify="left")
    table.add_column("workspace", overflow="fold")
    table.add_column("outcome", overflow="fold")
    table.add_column("Brier\n(prior · uniform)", justify="right")
    table.add_column("log score, bits\n(prior · uniform)", justify="right")
    table.add_column("rows that helped most · hurt most", overflow="fold")
    for entry in report["workspaces"]:
        if entry["status"] != "resolved":
            table.add_row(entry["workspace"], f"unresolved, by {entry['by']}" if entry.get("by") else "no [resolution]", "", "", "")
            continue
        weighted, base, rows = entry["time_weighted"], entry["baselines"], entry["rows"]
        extremes = " · ".join(f"{row['id']} {_signed(row['contribution_bits'])}" for row in ([rows[0], rows[-1]] if len(rows) > 1 else rows))
        table.add_row(entry["workspace"], f"{entry['outcome']}, {entry['resolved_on']}",
                      f"{_number(weighted['brier'])}\n({_number(base['prior']['brier'])} · {_number(base['uniform']['brier'])})",
                      f"{_number(weighted['log_score'])}\n({_number(base['prior']['log_score'])} · {_number(base['uniform']['log_score'])})",
                      extremes)
    portfolio = report["portfolio"]
    if portfolio["resolved"]:
        table.caption = (f"{portfolio['resolved']} resolved: mean Brier {_number(portfolio['brier'])}, mean log score "
                         f"{_number(portfolio['log_score'])} bits. A row's contribution is its weighted log likelihood ratio for the "
                         "outcome against the other hypotheses, in bits: positive rows helped.")
    return table


def _signed(value) -> str:
    return "∞" if value is None else f"{value:+.2f}"


def calibration_table(portfolio: dict) -> Table:
    """The calibration bins (weighted by days) and the Murphy decomposition of the binary Brier score."""
    murphy = portfolio["murphy"]
    table = Table(title="Calibration: every step's probability for every hypothesis, weighted by the days it was held", title_justify="left",
                  caption=f"Murphy decomposition of the binary Brier score: reliability {murphy['reliability']:.4f} (lower is better), "
                          f"resolution {murphy['resolution']:.4f} (higher is better), uncertainty {murphy['uncertainty']:.4f}.")
    for column in ("forecast bin", "mean forecast", "observed", "days"):
        table.add_column(column, justify="right")
    for row in portfolio["calibration"]:
        if row["weight"]:
            table.add_row(f"{row['low']:.1f}–{row['high']:.1f}", f"{row['forecast']:.3f}", f"{row['observed']:.3f}", f"{row['weight']:.0f}")
    return table
