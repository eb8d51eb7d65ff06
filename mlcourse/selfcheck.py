"""``mlcourse check``: a learner's self-check of an exercise notebook, task by task, with the full messages.

It runs a copy of the notebook in a fresh kernel with the visible tests, as nbgrader's ``validate`` does, and with
grading's time limit per cell (the course's ``Execute.timeout``, read from its nbgrader configuration; nbgrader's
default outside any course; grading's memory limit and sandbox are not applied). It groups the verdicts by task —
one line each, ✓ or ✗ — with each failing test's message and hint in full, and exits 1 while a task fails
(``validate`` exits 0). The learner's file is only read; execution happens on a copy, in a temporary folder.

    mlcourse check 03                          # exercises/03_*/ of the course found from here
    mlcourse check path/to/forward.ipynb       # any copy, also outside the course folder
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcourse.i18n import language, tr

__all__ = [
    "CheckError",
    "TaskResult",
    "check_notebook",
    "find_notebook",
    "grading_timeout",
    "notebook_client",
    "report",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_TASK_HEADING = re.compile(r"^#{1,3}\s+((?:Task|任务)\s*\d+.*)$", re.M)  # the English or the Chinese release


class CheckError(ValueError):
    """The argument is not a notebook the self-check can run; the message says why and what to do."""


@dataclass(frozen=True)
class TaskResult:
    """One task: its title, whether its visible tests pass, and the messages of those that failed."""

    title: str
    passed: bool
    messages: tuple[str, ...]


def find_notebook(target: str, cwd: Path | None = None) -> Path:
    """The notebook ``target`` names: a path to an ``.ipynb``, or an exercise number such as ``03``."""
    cwd = cwd or Path.cwd()
    path = Path(target).expanduser()
    if path.suffix == ".ipynb" or path.exists():
        path = path if path.is_absolute() else cwd / path
        if not path.is_file():
            raise CheckError(f"no notebook at {str(path)!r}: give the path of your exercise notebook (.ipynb)")
        return path
    if not re.fullmatch(r"\d{1,2}(_\w+)?", target):
        raise CheckError(f"{target!r} is neither an .ipynb file nor an exercise number such as 03")
    from mlcourse.cli import find_course

    course = find_course(cwd)
    if course is None or not (course / "exercises").is_dir():
        raise CheckError(
            f"exercise {target!r}: no course folder (with exercises/ and nbgrader_config.py) here or above; "
            "run from the course folder, or give the notebook's path"
        )
    prefix = target if "_" in target else f"{int(target):02d}_"
    # in Chinese, the Chinese release (exercises-zh_CN/, the same cells) if the course has it
    releases = "exercises-zh_CN" if language() == "zh_CN" and (course / "exercises-zh_CN").is_dir() else "exercises"
    folders = sorted(p for p in (course / releases).iterdir() if p.is_dir() and p.name.startswith(prefix))
    notebooks = [nb for folder in folders for nb in sorted(folder.glob("*.ipynb"))]
    if len(notebooks) != 1:
        found = ", ".join(p.relative_to(course).as_posix() for p in notebooks) or "none"
        raise CheckError(f"exercise {target!r}: expected one notebook in {releases}/{prefix}*/; found {found}")
    return notebooks[0]


def _read(path: Path) -> Any:
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, UnicodeDecodeError) as error:
        raise CheckError(f"{path.name} is not a valid notebook file (not readable JSON: {error})") from error
    if not any(c.get("metadata", {}).get("nbgrader", {}).get("grade") for c in nb.cells):
        raise CheckError(f"{path.name} is not an exercise: it has no graded test cells (a chapter of the book?)")
    return nb


def _message(cell: Any, timeout: int) -> str:
    """The error a test cell raised: exception name and message, ANSI codes removed, every line kept."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            text = _ANSI.sub("", f"{out['ename']}: {out['evalue']}").strip()
            if out["ename"] == "NotImplementedError":
                return tr(
                    "not written yet: replace the line `raise NotImplementedError(...)` in the answer cell "
                    "with your code"
                )
            if out["ename"] == "KeyboardInterrupt":
                return tr(
                    "stopped: this cell ran longer than the {timeout} s grading allows a cell "
                    "(Execute.timeout); make it faster, or look for an endless loop"
                ).format(timeout=timeout)
            if out["ename"] == "AssertionError":  # a test's own message: what was expected, what came, the hint
                return text.removeprefix("AssertionError:").strip()
            return text
    return ""


def _tasks(nb: Any, timeout: int) -> list[TaskResult]:
    titles: list[str] = []
    cells_of: dict[str, list[Any]] = {}
    title = tr("(before the first task)")
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown":
            heading = _TASK_HEADING.search(cell.source)
            if heading:
                title = heading.group(1).strip()
        elif meta.get("grade") and cell.source.strip() and not cell.source.lstrip().startswith("# Hidden tests"):
            if title not in cells_of:
                titles.append(title)
                cells_of[title] = []
            cells_of[title].append(cell)
    results = []
    for t in titles:
        messages = tuple(m for m in (_message(c, timeout) for c in cells_of[t]) if m)
        results.append(TaskResult(t, not messages, messages))
    return results


def notebook_client(nb: Any, folder: Path, timeout: int) -> Any:
    """An ``nbclient.NotebookClient`` that runs ``nb`` in ``folder``: errors and time-outs recorded, not raised.

    Its kernel talks over IPC sockets kept in ``folder`` (no network port, so ipykernel prints no "running over
    TCP without encryption" warning) and is shut down when the run ends: the client owns its kernel manager.
    """
    from nbclient import NotebookClient
    from traitlets.config import Config

    ipc = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(folder) / "kernel")}})
    return NotebookClient(
        nb,
        config=ipc,
        timeout=timeout,
        interrupt_on_timeout=True,  # a slow cell is stopped and recorded, and the run goes on, as in grading
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )


def _mark_unrun_cells(nb: Any, died_in: int) -> None:
    """The kernel died in cell ``died_in``: give it and every test cell after it an error, so none passes unrun."""
    first_line = next((line for line in nb.cells[died_in].source.splitlines() if line.strip()), "").strip()
    message = tr(  # the first test cell that did not run says which cell killed the kernel; later ones, that
        "the Python kernel died while running the cell that starts `{first_line}` (out of memory, or the "
        "process was killed): look for what it allocates or kills, then check again"
    ).format(first_line=first_line)
    for cell in nb.cells[died_in:]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell["outputs"] = [{"output_type": "error", "ename": "KernelDied", "evalue": message, "traceback": []}]
            message = tr("not run: the Python kernel died in an earlier cell")


def grading_timeout(where: Path | None = None) -> int:
    """Seconds grading allows one cell: ``Execute.timeout`` as nbgrader is configured for the course folder at or
    above ``where`` (else the current folder), or nbgrader's default outside any course."""
    from nbgrader.preprocessors import Execute

    from mlcourse.cli import find_course
    from mlcourse.grading.parallel import nbgrader_app

    old = os.environ.get("MLCOURSE_GRADING_TIMEOUT")
    if old:  # the previous release's setting, honoured for this one
        warnings.warn(
            "MLCOURSE_GRADING_TIMEOUT is deprecated: the course's Execute.timeout applies",
            DeprecationWarning,
            stacklevel=2,
        )
        return int(old)
    course = find_course((where or Path.cwd()).resolve()) or find_course(Path.cwd())
    config = nbgrader_app(course, [f"--CourseDirectory.root={course}"]).config if course is not None else None
    return int(Execute(config=config).timeout)


def check_notebook(path: Path, timeout: int | None = None) -> list[TaskResult]:
    """Run a copy of the notebook at ``path`` (its folder's other files beside it); the verdict of each task.

    A cell that runs longer than ``timeout`` seconds (default: :func:`grading_timeout` of the notebook's
    course) is interrupted, as grading would, and its task fails with a message that says so.
    """
    from nbclient.exceptions import DeadKernelError

    nb = _read(path)
    timeout = grading_timeout(path.parent) if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="mlcourse-check-") as tmp:
        for item in path.parent.iterdir():  # data files the exercise reads; never the learner's notebooks
            if item.is_file() and item.suffix != ".ipynb" and item.stat().st_size < 50_000_000:
                shutil.copy2(item, tmp)
        # the kernel runs as nbgrader validate's does; our own environment is left as it is
        env = {**os.environ, "NBGRADER_EXECUTION": "validate", "NBGRADER_VALIDATING": "1", "MPLBACKEND": "Agg"}
        client = notebook_client(nb, Path(tmp), timeout)
        # cell by cell, to know which one the kernel died in; its log lines are not the learner's business
        with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
            for index, cell in enumerate(nb.cells):
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    _mark_unrun_cells(nb, index)
                    break
    return _tasks(nb, timeout)


def report(results: list[TaskResult]) -> tuple[str, bool]:
    """The text a learner reads, and whether every task passes."""
    lines = []
    for r in results:
        lines.append(f"{'✓' if r.passed else '✗'} {r.title}")
        for message in r.messages:
            lines.extend("    " + line for line in message.splitlines())
    passed = sum(r.passed for r in results)
    lines.append("")
    lines.append(
        tr(
            "{passed} of {total} tasks pass the visible tests; "
            "grading also runs hidden tests with random inputs and edge cases."
        ).format(passed=passed, total=len(results))
    )
    return "\n".join(lines), passed == len(results)
