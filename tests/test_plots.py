"""Plots, evidence influence and estimative words: real histories, real figures."""

from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import beliefs
from beliefs import plots
from beliefs.inference.influence import hypothesis_llr
from beliefs.inference.likelihoods import with_reliability
from beliefs.outputs.plots.style import EVIDENCE_GREY, colour
from beliefs.outputs.wording import SCALE, describe, estimative_word, format_llr, move_percents, percent, point_change, scale_text, signed
from beliefs.results.influence import rows_of_step, strongest_effect


def influence_of(workspace):
    """The rows' influence as the history carries it."""
    return beliefs.compute_history(workspace, engine="exact", draws=10).dataset


# -- estimative words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "word"),
    [
        (0.0, "almost no chance"), (0.01, "almost no chance"), (0.049, "almost no chance"), (0.05, "very unlikely"),
        (0.199, "very unlikely"), (0.2, "unlikely"), (0.45, "roughly even chance"), (0.5, "roughly even chance"),
        (0.55, "likely"), (0.8, "very likely"), (0.95, "almost certain"), (0.999, "almost certain"), (1.0, "almost certain"),
    ],
)
def test_estimative_words_follow_the_icd_203_bands(p, word):
    assert estimative_word(p) == word


def test_estimative_scale_covers_zero_to_one_without_gaps():
    assert SCALE[0].low == 0 and SCALE[-1].high == 1
    assert all(a.high == b.low for a, b in itertools.pairwise(SCALE))
    assert "roughly even chance 45–55%" in scale_text()
    with pytest.raises(ValueError):
        estimative_word(1.2)


def test_moves_read_without_rounding_puzzles_and_with_true_minus_signs():
    assert move_percents(0.123, 0.116) == ("12.3%", "11.6%")  # not "12% → 12%" for a −0.7 pt move
    assert move_percents(0.42, 0.46) == ("42%", "46%")
    assert point_change(0.123, 0.116) == "−0.7"
    assert point_change(0.4600, 0.4604) == "+0.04"  # a small move is not printed as none
    assert point_change(0.5, 0.5) == "0.00"
    assert signed(-0.0001, 1) == "0.0" and signed(0.25, 2) == "+0.25"
    assert format_llr(-1.03) == "−1.03" and format_llr(0.001) == "0.00" and format_llr(-math.inf) == "−∞"
    assert "-" not in point_change(0.9, 0.1) + signed(-3.0) + format_llr(-0.5)


def test_percent_and_describe():
    assert percent(0.7761) == "78%"
    assert percent(0.0686) == "6.9%"
    assert percent(0.955) == "95.5%"
    assert describe(0.3) == "30% (unlikely)"


# -- influence --------------------------------------------------------------------------------
ROWS = {
    "2025-02-01.csv": """\
        strong,Favours a,,1.0,,0.6,0.3,0.1,,
        halved,Favours a; half reliable,,0.5,,0.6,0.3,0.1,,
        latent,Raises w,,0.8,,,,,0.6,0.2
        """,
    "2025-03-01.csv": """\
        impossible,Rules out c,,1.0,,0.5,0.5,0.0,,
        flat,Tells nothing,,1.0,,0.4,0.4,0.4,,
        """,
}


@pytest.fixture
def small_workspace(make_workspace):
    return beliefs.load_workspace(make_workspace(ROWS))


def test_hypothesis_llr_is_log_likelihood_against_the_mean_of_the_others(small_workspace):
    influence = influence_of(small_workspace)
    llr = influence["hypothesis_llr"]
    assert float(llr.sel(row="strong", hypothesis="a")) == pytest.approx(math.log(0.6 / 0.2))
    assert float(llr.sel(row="strong", hypothesis="c")) == pytest.approx(math.log(0.1 / 0.45))
    adjusted = with_reliability([0.6, 0.3, 0.1], 0.5)  # 0.5 L + 0.5 mean(L)
    assert float(llr.sel(row="halved", hypothesis="a")) == pytest.approx(math.log(adjusted[0] / adjusted[1:].mean()))
    assert 0 < float(llr.sel(row="halved", hypothesis="a")) < float(llr.sel(row="strong", hypothesis="a"))
    assert float(llr.sel(row="impossible", hypothesis="c")) == -math.inf
    assert np.all(llr.sel(row="flat").values == 0)
    assert not bool(influence["bears_on_hypotheses"].sel(row="latent"))
    assert np.all(llr.sel(row="latent").values == 0)


def test_with_two_hypotheses_it_is_the_plain_likelihood_ratio():
    assert hypothesis_llr(np.array([[0.8, 0.2]]))[0].tolist() == pytest.approx([math.log(4), math.log(0.25)])


def test_latent_push_is_the_log_ratio_of_yes_to_no_after_reliability(small_workspace):
    influence = influence_of(small_workspace)
    yes, no = with_reliability([0.6, 0.2], 0.8)
    assert float(influence["latent_llr"].sel(row="latent", latent="w")) == pytest.approx(math.log(yes / no))
    assert bool(influence["bears_on_latent"].sel(row="latent", latent="w"))
    assert not bool(influence["bears_on_latent"].sel(row="strong", latent="w"))
    assert float(influence["diagnosticity"].sel(row="strong")) == pytest.approx(math.log(6))
    assert float(influence["diagnosticity"].sel(row="flat")) == 0


def test_rows_of_a_step_strongest_first(small_workspace):
    influence = influence_of(small_workspace)
    assert [str(r) for r in rows_of_step(influence, 1)["row"].values] == ["strong", "halved", "latent"]
    assert [str(r) for r in rows_of_step(influence, 2)["row"].values] == ["impossible", "flat"]
    assert strongest_effect(influence, "strong") == ("hypothesis", "c", pytest.approx(math.log(0.1 / 0.45)))  # the largest push either way
    assert strongest_effect(influence, "latent")[:2] == ("latent", "w")
    assert strongest_effect(influence, "flat") is None


# -- figures ---------------------------------------------------------------------------------
def _line_colours(ax) -> list[str]:
    return [to_hex(line.get_color()).upper() for line in ax.get_lines() if line.get_linewidth() >= 2]


def test_timeline_shows_every_hypothesis_in_okabe_ito_with_dates(default_history_exact, tmp_path):
    fig = plots.plot_timeline(default_history_exact)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    colours = _line_colours(ax)
    assert colours[: len(default_history_exact.hypotheses)] == [c.upper() for c in plots.OKABE_ITO[:3]]
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    legend_text = " ".join(t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts())
    for h in default_history_exact.hypotheses:
        assert default_history_exact.labels[h] in legend_text
    # one grey line per dated step after the prior marks the evidence
    evidence_lines = [line for line in ax.get_lines() if to_hex(line.get_color()).upper() == EVIDENCE_GREY.upper()]
    assert len(evidence_lines) == default_history_exact.n_steps - 1
    # the plotted values are the history's
    first = ax.get_lines()[evidence_lines.__len__()]
    p = default_history_exact.hypothesis_probability.sel(hypothesis=default_history_exact.hypotheses[0]).values
    assert np.allclose(np.asarray(first.get_ydata())[: len(p)], p)
    fig.savefig(tmp_path / "timeline.png")
    assert (tmp_path / "timeline.png").stat().st_size > 10_000


def test_latent_timeline_draws_mean_and_90_percent_band(default_propensity_history):
    fig = plots.plot_latent_timeline(default_propensity_history)
    ax = fig.axes[0]
    assert default_propensity_history.labels["willingness"] in ax.get_title(loc="left")
    mean_line = next(line for line in ax.get_lines() if line.get_linewidth() >= 2)
    expected = default_propensity_history.dataset["latent_mean"].sel(latent="willingness").values
    assert np.allclose(np.asarray(mean_line.get_ydata())[: len(expected)], expected)
    assert ax.collections, "the 90% band is a filled area"


def test_a_state_latent_is_drawn_as_its_probability(default_history_exact):
    fig = plots.plot_latent_timeline(default_history_exact)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "P(it holds)" and not ax.collections  # no interval: the probability is the whole answer
    path = next(line for line in ax.get_lines() if line.get_linewidth() >= 2)
    probability = default_history_exact.dataset["latent_mean"].sel(latent="willingness").values
    np.testing.assert_allclose(np.asarray(path.get_ydata(), dtype=float)[: probability.size], probability)


def test_step_plot_shows_before_after_and_the_step_rows(default_history_exact, default_workspace):
    step = 2
    fig = plots.plot_step(default_history_exact, step)
    left, right = fig.axes[:2]
    texts = " ".join(t.get_text() for t in left.texts)
    probs = default_history_exact.hypothesis_probability
    for h in default_history_exact.hypotheses:
        assert f"{100 * float(probs.sel(step=step, hypothesis=h)):.0f}%" in texts
    row_labels = [t.get_text() for t in right.get_yticklabels()]
    assert sorted(row_labels) == sorted(default_workspace.steps[step].evidence_ids)
    legend = left.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["before the step", "after it"]
    swatches = {to_hex(p.get_facecolor()) for p in legend.findobj(matplotlib.patches.Rectangle) if p.get_visible() and p.get_alpha() is None}
    assert {to_hex(colour(i)) for i in range(3)} <= swatches  # the swatches carry the bars' colours, not grey
    prior_fig = plots.plot_step(default_history_exact, 0)
    assert "priors" in prior_fig._suptitle.get_text()
    with pytest.raises(ValueError, match="out of range"):
        plots.plot_step(default_history_exact, 99)


def test_influence_plot_has_a_row_per_evidence_row_and_marks_infinities(small_workspace):
    history = beliefs.compute_history(small_workspace, engine="exact", seed=0, draws=100, chains=2)
    fig = plots.plot_influence(history)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == len(small_workspace.rows)
    cells = [t.get_text() for t in ax.texts]
    assert "−∞" in cells and "+1.10" in cells  # log 3 for `strong`
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "w ↑"]


def test_latent_step_is_an_arviz_prior_posterior_plot(default_propensity_history, default_history_exact, tmp_path):
    with pytest.raises(ValueError, match="no propensity latents"):
        plots.plot_latent_step(default_history_exact, 5)  # the default's only latent is a state
    pc = plots.plot_latent_step(default_propensity_history, 5)
    assert type(pc).__name__ == "PlotCollection"
    fig = plots.figure_of(pc)
    titles = [ax.get_title() for ax in fig.axes]
    assert any(default_history_exact.labels["willingness"] in t for t in titles)
    pc.savefig(tmp_path / "latent.png")
    assert (tmp_path / "latent.png").stat().st_size > 5_000
    matplotlib.pyplot.close(fig)


def test_diagnostics_need_nuts(default_history_exact):
    with pytest.raises(ValueError, match="NUTS"):
        plots.plot_diagnostics(default_history_exact, 3)
    with pytest.raises(ValueError, match="NUTS"):
        plots.plot_diagnostics_timeline(default_history_exact)


@pytest.mark.slow
def test_diagnostics_for_nuts(default_history_nuts, tmp_path):
    pc = plots.plot_diagnostics(default_history_nuts, 3)
    fig = plots.figure_of(pc)
    assert "R-hat" in fig._suptitle.get_text()
    pc.savefig(tmp_path / "diagnostics.png")
    matplotlib.pyplot.close(fig)
    timeline = plots.plot_diagnostics_timeline(default_history_nuts)
    rhat_line = timeline.axes[0].get_lines()[0]
    assert np.allclose(rhat_line.get_ydata(), default_history_nuts.dataset["rhat"].sel(latent="willingness").values)


def test_every_plot_reads_the_history_alone():
    """The notebook API: each plot takes a history (and a step) and nothing from the workspace."""
    import inspect

    expected = {"plot_timeline": ["history"], "plot_latent_timeline": ["history"], "plot_influence": ["history"],
                "plot_step": ["history", "step"], "plot_latent_step": ["history", "step"], "plot_diagnostics": ["history", "step"],
                "plot_diagnostics_timeline": ["history"]}
    for name, parameters in expected.items():
        assert name in plots.__all__
        assert list(inspect.signature(getattr(plots, name)).parameters) == parameters, name


TWO_MOVING = """\
title = "Two moving latents"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.5 }
b = { prior = 0.5 }

[latents.u]
prior = { alpha = 2.0, beta = 5.0 }
volatility = 0.3
drift = { a = 0.4 }

[latents.v]
prior = { alpha = 5.0, beta = 2.0 }
volatility = 0.2
drift = { b = -0.5 }
"""


def test_every_latent_panel_draws_its_own_band_up_to_the_last_step(make_workspace):
    """Regression: with two latents and a forecast, the second panel's 90% band and mean used to run
    flat to the forecast's horizon; each panel's band must follow q05/q95 and stop at the last step."""
    from matplotlib.collections import PolyCollection

    body = "id,summary,p_a,p_b,p_u_yes,p_u_no,p_v_yes,p_v_no\n"
    files = {"2025-02-01.csv": body + "r1,x,0.7,0.4,0.8,0.3,,\n", "2025-03-10.csv": body + "r2,y,,,,,0.2,0.7\n"}
    workspace = beliefs.load_workspace(make_workspace(files, scenario=TWO_MOVING))
    history = beliefs.compute_history(workspace, engine="exact", draws=200, horizon_days=60)
    fig = plots.plot_latent_timeline(history)
    last_step = mdates.date2num(np.datetime64(history.dates[-1]))
    for ax, name in zip(fig.axes[: len(history.latents)], history.latents, strict=True):
        band = next(c for c in ax.collections if isinstance(c, PolyCollection))  # the posterior band is drawn first
        x, y = band.get_paths()[0].vertices.T
        assert x.max() == pytest.approx(last_step)
        q05, q95 = (history.dataset[f"latent_{q}"].sel(latent=name).values for q in ("q05", "q95"))
        np.testing.assert_allclose(np.sort(np.unique(y.round(12))), np.sort(np.unique(np.concatenate([q05, q95]).round(12))))
        fan = [c for c in ax.collections if isinstance(c, PolyCollection)][1]
        assert fan.get_paths()[0].vertices[:, 0].max() == pytest.approx(mdates.date2num(np.datetime64(history.forecast_dates[-1])))
