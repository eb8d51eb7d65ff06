"""Notebooks are committed clean, and every chapter of the book executes without error."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.book_run import executed_by_book_build

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = sorted(
    p
    for folder in ("book", "solutions", "exercises")
    for p in (ROOT / folder).rglob("*.ipynb")
    if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts  # Jupyter's own copies are git-ignored
)
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert CHAPTERS and COMMITTED


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts (clear them before committing)"


@functools.cache
def _kernel_language_info() -> dict:
    """What the course's kernel reports, asked in a subprocess: importing ipykernel here would change how
    ``tqdm.auto`` draws progress bars in the tests that run after this one."""
    code = "import json; from ipykernel.ipkernel import IPythonKernel as K; print(json.dumps(K.language_info))"
    return json.loads(subprocess.check_output([sys.executable, "-c", code], text=True))


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_committed_with_what_jupyterlab_writes(path):
    """The kernel's full language_info is committed: opening a notebook in JupyterLab does not mark it modified.

    JupyterLab writes the kernel's ``language_info`` into the notebook as soon as the kernel connects; a trimmed
    one (``{"name": "python"}``) made every notebook "modified" on opening. The Python version may differ from
    machine to machine; the rest may not.
    """
    info = dict(nbformat.read(path, as_version=4).metadata.get("language_info", {}))
    expected = _kernel_language_info()
    assert {k: v for k, v in info.items() if k != "version"} == {k: v for k, v in expected.items() if k != "version"}
    assert "version" in info, f"{path.name}: language_info has no version"


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_executes(path):
    reason = executed_by_book_build(path)
    if reason:
        pytest.skip(reason)
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("MPLBACKEND", "Agg")
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    print(f"{path.name} executed in {time.perf_counter() - start:.1f} s")
