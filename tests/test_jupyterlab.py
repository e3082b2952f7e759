"""JupyterLab serves the notebooks and starts a kernel: the way an analyst opens them
(`jupyter lab notebooks/`), checked through the server's REST API on the loopback address."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).parent / "jupyter"
START_TIMEOUT = 90  # seconds for the server to answer
KERNEL_TIMEOUT = 60  # seconds for a kernel to start and run a line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A JupyterLab server run as a subprocess, and a small client for its REST API."""

    def __init__(self, root: Path, home: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = home / "jupyter.log"
        env = {"PATH": str(JUPYTER.parent) + ":/usr/bin:/bin", "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTER_CONFIG_DIR": str(home / "config"), "IPYTHONDIR": str(home / "ipython")}
        command = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | str]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        try:
            return status, json.loads(text) if text else {}
        except json.JSONDecodeError:
            return status, text

    def execute(self, kernel_id: str, code: str) -> str:
        """Run `code` in a kernel through the server's websocket; return what it printed."""
        import websocket  # websocket-client, a dependency of jupyter_server

        session = uuid.uuid4().hex
        url = f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels?session_id={session}"
        connection = websocket.create_connection(url, header=[f"Authorization: token {self.token}"], timeout=KERNEL_TIMEOUT)
        try:
            msg_id = uuid.uuid4().hex
            header = {"msg_id": msg_id, "username": "test", "session": session, "msg_type": "execute_request", "version": "5.3"}
            content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}
            connection.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}))
            printed, deadline = [], time.monotonic() + KERNEL_TIMEOUT
            while time.monotonic() < deadline:
                message = json.loads(connection.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = message["header"]["msg_type"]
                if kind == "stream":
                    printed.append(message["content"]["text"])
                elif kind == "error":
                    pytest.fail(f"kernel error: {message['content']['ename']}: {message['content']['evalue']}")
                elif kind == "status" and message["content"]["execution_state"] == "idle":
                    return "".join(printed)
            pytest.fail(f"kernel did not finish running {code!r} within {KERNEL_TIMEOUT} s")
        finally:
            connection.close()

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if self.request("GET", "/api/status")[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        pytest.fail(f"jupyter lab did not answer within {START_TIMEOUT} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                self.request("POST", "/api/shutdown")
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)


@pytest.fixture
def lab(tmp_path):
    server = Server(REPO, tmp_path)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def test_jupyterlab_serves_the_notebooks_and_starts_a_kernel(lab):
    status, listing = lab.request("GET", "/api/contents/notebooks")
    assert status == 200, listing
    served = sorted(item["name"] for item in listing["content"] if item["name"].endswith(".ipynb") and item["type"] == "notebook")
    assert served == ["01-priors.ipynb", "02-evidence.ipynb", "03-updating.ipynb", "04-publishing.ipynb"]

    status, notebook = lab.request("GET", "/api/contents/notebooks/02-evidence.ipynb")
    assert status == 200 and notebook["format"] == "json" and notebook["content"]["metadata"]["kernelspec"]["name"] == "python3"

    status, page = lab.request("GET", "/lab/tree/notebooks/01-priors.ipynb")
    assert status == 200 and "JupyterLab" in page

    status, specs = lab.request("GET", "/api/kernelspecs")
    assert status == 200 and "python3" in specs["kernelspecs"]

    status, kernel = lab.request("POST", "/api/kernels", {"name": "python3", "path": "notebooks"})
    assert status == 201, kernel
    status, info = lab.request("GET", f"/api/kernels/{kernel['id']}")
    assert status == 200 and info["name"] == "python3" and info["execution_state"] in ("starting", "idle", "busy")

    # alive: it runs code sent over the websocket JupyterLab itself uses, in this virtualenv's Python
    printed = lab.execute(kernel["id"], "import sys; print(sys.prefix, 6 * 7)")
    assert printed.split() == [sys.prefix, "42"]
    status, info = lab.request("GET", f"/api/kernels/{kernel['id']}")
    assert status == 200 and info["execution_state"] == "idle"

    status, _ = lab.request("DELETE", f"/api/kernels/{kernel['id']}")
    assert status == 204
    status, running = lab.request("GET", "/api/kernels")
    assert status == 200 and kernel["id"] not in [k["id"] for k in running]


def test_the_rest_api_refuses_requests_without_the_token(lab):
    request = urllib.request.Request(lab.base + "/api/contents/notebooks")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


CHROMIUM = "/usr/bin/chromium"
PANEL_TIMEOUT = 300_000  # ms for notebook 02 to run to its what-if panel in the browser


@pytest.mark.slow
def test_dragging_a_likelihood_in_notebook_02_moves_the_answer(lab):
    """Notebook 02 opened in JupyterLab in headless Chromium: run every cell, drag the first
    likelihood slider of the what-if panel, and the answer it shows changes."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; `make test` does it)")
    from playwright import sync_api

    # Every cell in the page, not only those scrolled into view (JupyterLab's default windowing),
    # so that the panel is there to find; the server's HOME is the test's own folder.
    settings = lab.log.parent / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}', encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{lab.base}/lab/tree/notebooks/02-evidence.ipynb?token={lab.token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator", timeout=120_000)
            page.wait_for_timeout(5_000)  # the kernel starting
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            answer = page.locator(".beliefs-answer")
            answer.wait_for(state="attached", timeout=PANEL_TIMEOUT)
            answer.scroll_into_view_if_needed()
            before = answer.inner_text()
            handle = page.locator(".widget-hslider .noUi-handle").first
            handle.scroll_into_view_if_needed()
            box = handle.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2, steps=10)
            page.mouse.up()
            page.wait_for_function("before => { const a = document.querySelector('.beliefs-answer'); return a && a.innerText !== before; }",
                                   arg=before, timeout=120_000)
            after = answer.inner_text()
        finally:
            browser.close()
    assert after != before and after.count("%") == before.count("%") >= 2, (before, after)
