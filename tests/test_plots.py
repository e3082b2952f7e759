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


def influence_of(workspace):
    """The rows' influence as the history carries it."""
    return beliefs.compute_history(workspace, engine="exact", draws=10).influence


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
    llr = influence.hypothesis_llr
    assert float(llr.sel(row="strong", hypothesis="a")) == pytest.approx(math.log(0.6 / 0.2))
    assert float(llr.sel(row="strong", hypothesis="c")) == pytest.approx(math.log(0.1 / 0.45))
    adjusted = with_reliability([0.6, 0.3, 0.1], 0.5)  # 0.5 L + 0.5 mean(L)
    assert float(llr.sel(row="halved", hypothesis="a")) == pytest.approx(math.log(adjusted[0] / adjusted[1:].mean()))
    assert 0 < float(llr.sel(row="halved", hypothesis="a")) < float(llr.sel(row="strong", hypothesis="a"))
    assert float(llr.sel(row="impossible", hypothesis="c")) == -math.inf
    assert np.all(llr.sel(row="flat").values == 0)
    assert not bool(influence.bears_on_hypotheses.sel(row="latent"))
    assert np.all(llr.sel(row="latent").values == 0)


def test_with_two_hypotheses_it_is_the_plain_likelihood_ratio():
    assert hypothesis_llr(np.array([[0.8, 0.2]]))[0].tolist() == pytest.approx([math.log(4), math.log(0.25)])


def test_latent_push_is_the_log_ratio_of_yes_to_no_after_reliability(small_workspace):
    influence = influence_of(small_workspace)
    yes, no = with_reliability([0.6, 0.2], 0.8)
    assert float(influence.latent_llr.sel(row="latent", latent="w")) == pytest.approx(math.log(yes / no))
    assert bool(influence.bears_on_latent.sel(row="latent", latent="w"))
    assert not bool(influence.bears_on_latent.sel(row="strong", latent="w"))
    assert float(influence.diagnosticity.sel(row="strong")) == pytest.approx(math.log(6))
    assert float(influence.diagnosticity.sel(row="flat")) == 0


def test_rows_of_a_step_strongest_first(small_workspace):
    influence = influence_of(small_workspace)
    assert influence.rows_of_step(1).rows == ["strong", "halved", "latent"]
    assert influence.rows_of_step(2).rows == ["impossible", "flat"]
    assert influence.rows_of_step(0).rows == []  # the prior: no rows
    assert influence.strongest_effect("strong") == ("hypothesis", "c", pytest.approx(math.log(0.1 / 0.45)))  # the largest push either way
    assert influence.strongest_effect("latent")[:2] == ("latent", "w")
    assert influence.strongest_effect("flat") is None
    pushes = influence.pushes("latent")
    assert pushes.hypotheses is None and list(pushes.latents) == ["w"]  # it bears on the latent alone
    assert influence.pushes("strong").latents == {} and set(influence.pushes("strong").hypotheses) == {"a", "b", "c"}


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


def test_latent_step_draws_the_exact_density_before_and_after_the_step(make_workspace, default_history_exact, tmp_path):
    from scipy.stats import beta as beta_distribution

    with pytest.raises(ValueError, match="no propensity latents"):
        plots.plot_latent_step(default_history_exact, 5)  # the default's only latent is a state
    root = make_workspace({"2025-02-01.csv": "r1,one,,,,0.5,0.4,0.3,,\n", "2025-03-01.csv": "r2,two,,,,,,,0.9,0.2\n"})
    history = beliefs.compute_history(beliefs.load_workspace(root), engine="exact", draws=50, chains=2)
    w, prior = history.latent_density(0, "w")
    exact_prior = beta_distribution.pdf(w, 2.0, 5.0)  # w ~ Beta(2, 5) in SCENARIO
    exact_after = exact_prior * (0.9 * w + 0.2 * (1 - w))
    exact_after /= np.trapezoid(exact_after, w) / np.trapezoid(exact_prior, w)  # the same grid's normalisation
    assert np.max(np.abs(prior - exact_prior)) < 1e-4 * exact_prior.max()
    assert np.allclose(history.latent_density(1, "w")[1], prior, rtol=1e-9, atol=1e-12)  # step 1 bears on no latent
    assert np.max(np.abs(history.latent_density(2, "w")[1] - exact_after)) < 1e-3 * exact_after.max()

    fig = plots.plot_latent_step(history, 2)
    ax = fig.axes[0]
    before, after = (line.get_ydata() for line in ax.get_lines())
    assert np.array_equal(before, history.latent_density(1, "w")[1]) and np.array_equal(after, history.latent_density(2, "w")[1])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["before step 2", "after step 2"]
    assert "Willingness" in ax.get_title(loc="left") and "mean 0.286 → " in " ".join(t.get_text() for t in ax.texts)
    fig.savefig(tmp_path / "latent.png")
    assert (tmp_path / "latent.png").stat().st_size > 5_000
    assert len(plots.plot_latent_step(history, 0).axes[0].get_lines()) == 1  # step 0: the prior alone


@pytest.mark.slow
def test_latent_step_of_a_sampler_compares_the_draws_before_and_after_with_arviz(default_history_nuts):
    assert not default_history_nuts.has_density
    fig = plots.plot_latent_step(default_history_nuts, 5)
    legend_texts = {t.get_text() for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
                    for t in legend.get_texts()}
    assert {"before step 5", "after step 5"} <= legend_texts
    assert any(default_history_nuts.labels["willingness"] in ax.get_title() for ax in fig.axes)


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
    rank, ess = fig.axes[:2]
    assert rank.collections, "the rank plot draws its 99% band"
    assert rank.get_ylabel() and rank.yaxis.get_visible()
    assert [t.get_text() for t in fig.legends[-1].get_texts()] == ["chain 0", "chain 1", "chain 2", "chain 3"]
    assert any("worry below" in t.get_text() for t in ess.texts)
    assert not any(t.get_text().startswith("p=") for ax in fig.axes for t in ax.texts)
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


# -- the timeline's evidence rug and its late steps spread out --------------------------------
def _panels(fig) -> list:
    """The timeline's panels, without their right-hand estimative twins: the date panel first."""
    return [ax for ax in fig.axes if ax.get_ylabel() == "probability"]


def _in_axes_fraction(ax, x) -> np.ndarray:
    """Data x (numbers or dates) as a fraction of the axis's width."""
    x = mdates.date2num(np.asarray(x, dtype="datetime64[D]")) if np.issubdtype(np.asarray(x).dtype, np.datetime64) else np.asarray(x, float)
    left, right = ax.get_xlim()
    return (x - left) / (right - left)


def test_timeline_spreads_the_squeezed_late_steps_over_a_panel_of_their_own(default_history_exact):
    from beliefs.outputs.plots.paths import late_steps
    from beliefs.outputs.report.alt_text import timeline_alt

    history = default_history_exact
    start = late_steps(history)
    assert start is not None and start <= history.n_steps - 4  # the last steps are among them
    dates = np.asarray(history.dates, dtype="datetime64[D]")
    fig = plots.plot_timeline(history)
    panels = _panels(fig)
    assert len(panels) == 2
    main, late = panels
    # on the date axis the last four steps share a few pixels
    squeezed = np.ptp(_in_axes_fraction(main, dates[-4:]))
    assert squeezed < 0.05
    # every panel reads the history: the lower one holds steps `start` to the last, with their markers and values
    for i, h in enumerate(history.hypotheses):
        p = history.hypothesis_probability.sel(hypothesis=h).values
        markers = [line for line in late.get_lines() if line.get_linestyle() == "None" and line.get_color() == colour(i)]
        assert len(markers) == 1
        np.testing.assert_allclose(np.asarray(markers[0].get_ydata(), dtype=float), p[start:])
        x = _in_axes_fraction(late, markers[0].get_xdata())
        assert x.min() >= 0 and x.max() <= 1
        assert np.diff(x).min() > 0.05  # one evenly spaced slot per step, each well apart
        assert np.ptp(x[-4:]) > 5 * squeezed and np.ptp(x[-4:]) > 0.1  # the decisive late moves take a fair share of the width
        assert to_hex(markers[0].get_color()).upper() == plots.OKABE_ITO[i].upper()
    labels = [t.get_text().replace("\n", " ") for t in late.get_xticklabels()]
    day = [f"{d.astype(object).day} {d.astype(object):%b}" for d in dates[start:]]
    assert labels[-4:] == day[-4:] and labels[0].endswith(str(dates[start])[:4])
    assert f"Steps {start} to {history.n_steps - 1}" in late.get_title(loc="left")
    # the date panel shades the span it spreads out, and the legend says so
    legend_text = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert f"steps {start} to {history.n_steps - 1}, spread out below" in legend_text
    assert f"spreads out steps {start} to {history.n_steps - 1}" in timeline_alt(history)


def test_timeline_marks_each_evidence_date_once_with_a_short_tick(default_history_exact):
    history = default_history_exact
    main = _panels(plots.plot_timeline(history))[0]
    rug = [line for line in main.get_lines() if to_hex(line.get_color()).upper() == EVIDENCE_GREY.upper()]
    marked = sorted(mdates.num2date(main.convert_xunits(line.get_xdata()[0])).date().isoformat() for line in rug)
    assert marked == sorted(set(history.dates[1:]))  # once per distinct date after the prior
    for line in rug:  # a tick along the date axis (y in axes fraction), not a line across the whole plot
        assert max(line.get_ydata()) <= 0.06 and min(line.get_ydata()) == 0


def test_timeline_draws_one_step_two_steps_and_years_of_steps(make_workspace, tmp_path, monkeypatch):
    from beliefs.outputs.plots.paths import late_steps

    monkeypatch.setenv("BELIEFS_TODAY", "2027-12-31")  # the years of steps run into 2027: they must not be refused as future news

    row = "r{0},s{0},,1.0,,{1},0.4,0.3,,\n"
    monthly = {f"{2025 + m // 12}-{m % 12 + 1:02d}-15.csv": row.format(m, 0.7 if m % 3 == 0 else 0.3) for m in range(30)}
    burst = {**{f"{2025 + m // 12}-{m % 12 + 1:02d}-15.csv": row.format(m, 0.5) for m in range(0, 30, 3)},
             **{f"2027-07-{d:02d}.csv": row.format(100 + d, 0.7 if d % 2 else 0.3) for d in range(16, 22)}}
    cases = {"prior": ({}, 1, False), "two": ({"2025-02-01.csv": row.format(1, 0.7)}, 2, False),
             "monthly": (monthly, 31, False), "burst": (burst, 17, True)}
    for name, (files, steps, spread) in cases.items():
        history = beliefs.compute_history(beliefs.load_workspace(make_workspace(files, name=name)), engine="exact", draws=50)
        assert history.n_steps == steps
        fig = plots.plot_timeline(history)
        assert (late_steps(history) is not None) == spread, name
        assert len(_panels(fig)) == (2 if spread else 1), name
        legend_text = " ".join(t.get_text() for t in fig.legends[0].get_texts())
        assert ("date of new evidence" in legend_text) == (steps > 1), name  # no evidence, no key for it
        fig.savefig(tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    late = _panels(fig)[1]  # the burst: six steps in a week after two and a half years of quarterly ones
    assert [t.get_text() for t in late.get_xticklabels()][-6:] == [f"{d} Jul" for d in range(16, 22)]
    prior_only = plots.plot_timeline(beliefs.compute_history(beliefs.load_workspace(make_workspace({}, name="again")), engine="exact", draws=50))
    assert isinstance(prior_only.axes[0].xaxis.get_major_locator(), mdates.DayLocator)  # whole days, not hours


RESOLVED = """\
title = "Resolved"
prior_date = 2025-01-01

[hypotheses]
a = { prior = 0.5 }
b = { prior = 0.5 }

[resolution]
by = 2025-06-01
outcome = "a"
resolved_on = 2025-05-20

[resolution.criteria]
a = "A happens"
b = "A does not happen"
"""


def test_the_late_panel_ends_with_the_resolution(make_workspace):
    body = "id,summary,p_a,p_b\n"
    files = {"2025-02-01.csv": body + "r1,x,0.6,0.4\n", **{f"2025-04-{d:02d}.csv": body + f"r{d},y,{0.5 + d / 100},0.5\n" for d in range(20, 25)}}
    history = beliefs.compute_history(beliefs.load_workspace(make_workspace(files, scenario=RESOLVED)), engine="exact", draws=50)
    fig = plots.plot_timeline(history)
    panels = _panels(fig)
    assert len(panels) == 2
    late = panels[1]
    labels = [t.get_text() for t in late.get_xticklabels()]
    assert labels[-1] == "resolved\n20 May"
    star = next(line for line in late.get_lines() if line.get_marker() == "*")
    assert star.get_ydata()[0] == 1.0 and to_hex(star.get_color()).upper() == colour(0).upper()
    assert star.get_xdata()[0] == pytest.approx(late.get_xticks()[-1])


def test_a_constant_latent_gets_no_forecast_fan(make_workspace):
    root = make_workspace({"2025-02-01.csv": "r1,one,,,,0.6,0.3,0.2,0.8,0.3\n"})  # SCENARIO's w has no drift or volatility
    history = beliefs.compute_history(beliefs.load_workspace(root), engine="exact", draws=100, chains=2, horizon_days=30)
    fig = plots.plot_latent_timeline(history)
    ax = fig.axes[0]
    assert not any(collection.get_hatch() for collection in ax.collections)  # no hatched fan of sampling noise
    assert not any(line.get_linestyle() == ":" for line in ax.get_lines())
    assert any("fixed over time" in t.get_text() for t in ax.texts)
    assert not any("forecast" in t.get_text() for t in fig.legends[0].get_texts())
