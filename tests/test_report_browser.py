"""The report as a reader sees it: index.html opened in a real headless Chromium.

Needs Debian's `chromium` (installed by `make test` / `.ci/run`) and the `playwright` Python
package; never runs `playwright install`. Outside CI a missing chromium skips, with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

import beliefs
from beliefs.outputs.report import write_report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT_COPY = Path("/tmp/beliefs-report-screenshot.png")

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):  # CI installs chromium: there a missing browser fails
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; `make test` does it)", allow_module_level=True)
from playwright import sync_api  # noqa: E402  (a test dependency: missing, it is an error, not a skip)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def open_page(browser, index: Path):
    """Open a report page; collect console errors, page errors and dialogs (an alert would be an XSS)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    events: dict[str, list[str]] = {"errors": [], "dialogs": []}
    page.on("console", lambda message: events["errors"].append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: events["errors"].append(str(error)))
    page.on("requestfailed", lambda request: events["errors"].append(f"failed to load {request.url}"))

    def on_dialog(dialog):
        events["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(index.resolve().as_uri(), wait_until="load")
    return page, events


def test_default_report_renders_with_every_image_and_no_errors(browser, default_report, default_history_exact, tmp_path):
    folder = default_report
    page, events = open_page(browser, folder / "index.html")
    images = page.evaluate("Array.from(document.images).map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0, "
                           "alt: i.alt}))")
    assert len(images) == 3 + (default_history_exact.n_steps - 1)  # timeline, latents, influence, one per step (a state has no ArviZ density)
    broken = [image["src"] for image in images if not image["ok"]]
    assert broken == []
    assert all(image["alt"] for image in images)
    assert events == {"errors": [], "dialogs": []}
    heading = page.locator("h1").inner_text()
    assert heading == default_history_exact.title
    first_section = page.locator("main section").first
    assert first_section.get_attribute("id") == "answer" and first_section.locator("td.prob").count() == len(default_history_exact.hypotheses)
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=False)
    page.screenshot(path=str(tmp_path / "report-full.png"), full_page=True)
    assert screenshot.stat().st_size > 20_000
    shutil.copyfile(screenshot, SCREENSHOT_COPY)
    ids = page.evaluate("Array.from(document.querySelectorAll('main > section')).map(s => s.id)")
    assert ids.index("priors") < ids.index("path") < ids.index("steps")  # the priors near the top, the folded steps last
    assert page.locator("details.step[open]").count() == 0 and page.locator("details.step").count() == default_history_exact.n_steps - 1
    page.set_viewport_size({"width": 400, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 400  # a phone's width: wide tables scroll inside themselves
    page.close()


def test_hostile_text_stays_text_in_the_browser(browser, make_workspace, tmp_path):
    files = {"2025-02-01.csv": """\
        xss,<script>alert('summary')</script><img src=x onerror=alert('img')>,javascript:alert('source'),0.9,"<svg onload=alert('svg')>",0.6,0.3,0.1,,
        """}
    workspace = beliefs.load_workspace(make_workspace(files, name="hostile"))
    history = beliefs.compute_history(workspace, engine="exact", seed=0, draws=200, chains=2)
    folder = write_report(beliefs.Analysis.of(workspace, history), tmp_path / "reports")
    page, events = open_page(browser, folder / "index.html")
    assert events["dialogs"] == []
    page.locator("details.step > summary").first.click()  # steps are folded: open the one with the row, as a reader would
    summary = page.locator("#row-xss p.summary").inner_text()
    assert summary == "<script>alert('summary')</script><img src=x onerror=alert('img')>"
    assert page.locator("#row-xss dd.source a").count() == 0
    assert page.locator("#row-xss dd.source").inner_text() == "javascript:alert('source')"
    assert page.evaluate("document.querySelectorAll('main script, main svg, main img[src=x]').length") == 0
    assert events["errors"] == []
    page.close()


LONG_URL = "https://example.org/reports/" + "Q29uZmxpY3RSZXBvcnQ" * 12  # no hyphen or other place to break a line


def test_at_a_phones_width_urls_wrap_tables_keep_their_key_column_and_figures_open_full_size(browser, default_report, make_workspace, tmp_path):
    resolved = f"""\
        title = "Narrow"
        prior_date = 2025-01-01

        [hypotheses]
        a = {{ prior = 0.5, label = "Alpha, a hypothesis with a long label to widen the tables" }}
        b = {{ prior = 0.3, label = "Beta, another hypothesis with a long label" }}
        c = {{ prior = 0.2, label = "Gamma" }}

        [resolution]
        by = 2025-06-01
        source = "{LONG_URL}"

        [resolution.criteria]
        a = "A"
        b = "B"
        c = "C"
        """
    files = {"2025-02-01.csv": f"id,summary,source,reliability,p_a,p_b,p_c\nlong-url,Talks,{LONG_URL},0.9,0.6,0.3,0.1\n"}
    workspace = beliefs.load_workspace(make_workspace(files, scenario=resolved, name="narrow"))
    history = beliefs.compute_history(workspace, engine="exact", seed=0, draws=200, chains=2)
    narrow = write_report(beliefs.Analysis.of(workspace, history), tmp_path / "reports")
    for folder in (narrow, default_report):
        page, events = open_page(browser, folder / "index.html")
        page.set_viewport_size({"width": 400, "height": 900})
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, folder
        # every link outside a table ends inside the page: a long URL wraps rather than running off the side
        overflowing = page.evaluate("Array.from(document.querySelectorAll('main a, footer a')).filter(a => !a.closest('table'))"
                                    ".filter(a => Array.from(a.getClientRects()).some(r => r.right > 400.5)).map(a => a.textContent)")
        assert overflowing == [], folder
        # a table too wide for the screen scrolls inside itself, and its first column stays in view
        wide = page.evaluate("""Array.from(document.querySelectorAll('main table')).filter(t => t.scrollWidth > t.clientWidth + 1).map(t => {
            t.scrollLeft = t.scrollWidth;
            const box = t.getBoundingClientRect();
            return Array.from(t.rows).map(row => row.cells[0].getBoundingClientRect().left - box.left);
        })""")
        assert wide, f"{folder}: no table is wider than a phone, so this checks nothing"
        for offsets in wide:
            assert all(abs(offset) < 1 for offset in offsets), offsets
        # every figure links to its file, to be opened full size
        links = page.evaluate("Array.from(document.querySelectorAll('figure img')).map(i => i.closest('a') && i.closest('a').getAttribute('href'))")
        assert links and all(link and (folder / link).is_file() for link in links), links
        assert events == {"errors": [], "dialogs": []}
        page.close()


def axe_violations(browser, index: Path) -> list[str]:
    """axe-core's violations on a page (every rule axe runs by default), one line each with the
    elements they were found on; the page's own CSP is bypassed only to inject axe."""
    from axe_core_python.sync_playwright import Axe

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, bypass_csp=True)
    try:
        page.goto(index.resolve().as_uri(), wait_until="load")
        result = Axe().run(page)
    finally:
        page.close()
    assert result["passes"], "axe ran no check at all"
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:5]}" for v in result["violations"]]


def test_the_report_passes_axe(browser, default_report):
    assert axe_violations(browser, default_report / "index.html") == []


def test_the_portfolio_page_passes_axe(browser, repo_root, tmp_path):
    from helpers import run_beliefs

    folders = []
    for example in sorted((repo_root / "examples").iterdir()):
        if example.is_dir():
            shutil.copytree(example, tmp_path / example.name, ignore=shutil.ignore_patterns(".beliefs", "reports"))
            folders.append(tmp_path / example.name)
    scored = run_beliefs("score", *folders, "--out", tmp_path / "portfolio")
    assert scored.returncode == 0, scored.stderr
    page = (tmp_path / "portfolio" / "index.html").read_text(encoding="utf-8")
    assert "<main>" in page and page.count("<caption>") == 2
    assert axe_violations(browser, tmp_path / "portfolio" / "index.html") == []
