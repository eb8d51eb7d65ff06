"""JupyterLab as a learner gets it from ``make lab``: the chapters read right, the instructor screens are hidden.

The server is started through the Makefile's own ``lab`` target (the command the README gives), on a free
port, without a token, with its workspace in a temporary folder; it is stopped with its process group when
the module ends, even if a test fails. The browser test opens a chapter in headless Chromium (as
``tests/test_book.py`` does) and reads what JupyterLab renders.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_book import CHROMIUM_FLAGS, _chromium

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

# nbgrader's JupyterLab plugins and server extensions for instructors; a learner keeps only Validate
INSTRUCTOR_PLUGINS = ["assignment-list", "course-list", "create-assignment", "formgrader", "menu"]
INSTRUCTOR_PAGES = ["/formgrader", "/assignments", "/formgraders"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, OSError):
        return 0, ""  # not listening yet


class Lab(str):
    """The server's URL, with the session id of the process group ``make lab`` started."""

    session: int


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    port, workspaces = _free_port(), tmp_path_factory.mktemp("workspaces")
    checkpoints = tmp_path_factory.mktemp("checkpoints")  # not .ipynb_checkpoints/ beside the chapters
    args = (
        f"--no-browser --port={port} --ServerApp.token= --ServerApp.password= "
        f"--LabApp.workspaces_dir={workspaces} --LabApp.news_url=None --FileCheckpoints.checkpoint_dir={checkpoints}"
    )
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args += " --allow-root"  # CI containers run as root
    log = tmp_path_factory.mktemp("log") / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            ["make", "-s", "lab", f"LAB_ARGS={args}"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = Lab(f"http://localhost:{port}")  # the browser tests resolve localhost only
    url.session = server.pid
    try:
        deadline = time.monotonic() + 120
        while _get(f"{url}/api/status")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make lab did not start a server:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _page_config(url: str) -> dict:
    status, page = _get(f"{url}/lab")
    assert status == 200
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "JupyterLab's page configuration is missing from /lab"
    return json.loads(html.unescape(found.group(1)))


def test_make_lab_hides_nbgrader_instructor_screens_and_keeps_validate(lab):
    config = _page_config(lab)
    disabled = config.get("disabledExtensions", [])
    for plugin in INSTRUCTOR_PLUGINS:
        assert f"@jupyter/nbgrader:{plugin}" in disabled, (plugin, disabled)
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    for page in INSTRUCTOR_PAGES:  # their server extensions are not loaded either
        assert _get(f"{lab}{page}")[0] == 404, page
    names = [ext["name"] for ext in config.get("federated_extensions", [])]
    assert "jupyterlab-myst" in names, names


def _server_environment(session: int) -> dict[str, str]:
    """The environment of the ``jupyter-lab`` process in the given session (Linux's /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if int(fields[3]) == session and "jupyter-lab" in cmdline:
                raw = (stat.parent / "environ").read_bytes().split(b"\0")
                return dict(item.decode().split("=", 1) for item in raw if b"=" in item)
        except (OSError, IndexError, ValueError):
            continue
    pytest.skip("the server's environment cannot be read here (no /proc)")


def test_make_lab_puts_the_environment_on_path(lab):
    """A terminal in JupyterLab, and nbgrader's Validate button (which runs `alembic`), find the course's tools."""
    env = _server_environment(lab.session)
    first = Path(env["PATH"].split(os.pathsep)[0])
    assert (first / "mlcourse").exists() and (first / "alembic").exists(), env["PATH"]
    assert first.resolve() == Path(sys.executable).parent.resolve()
    assert Path(env["JUPYTER_CONFIG_PATH"]) == ROOT / "etc" / "learner"


def test_a_chapter_reads_right_in_jupyterlab(lab):
    """MyST in a chapter is rendered: admonitions as boxes, answers collapsed, no raw directives; not modified."""
    playwright = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{lab}/lab/tree/book/05_backprop.ipynb")
            page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=60_000)
            page.wait_for_function(
                "document.querySelectorAll('.jp-Notebook details').length >= 2", timeout=60_000, polling=500
            )
            text = page.inner_text(".jp-Notebook")
            for raw in (":class:", "{admonition}", "{download}", "```"):
                assert raw not in text, f"JupyterLab shows the MyST markup {raw!r} raw"
            assert page.locator(".jp-Notebook aside").count() >= 1, "the errata admonition is not rendered as a box"
            assert page.locator(".jp-Notebook details[open]").count() == 0, "a 'Check yourself' answer is open"
            page.wait_for_timeout(3000)  # the kernel has connected and sent its language_info
            assert page.locator(".jp-mod-dirty").count() == 0, "opening the chapter marks it modified"
        finally:
            browser.close()
    assert not (ROOT / "book" / ".ipynb_checkpoints").exists()
