"""nbgrader preprocessors that make autograding hold up against broken and hostile submissions.

Wired in by the course's ``nbgrader_config.py``:

- :class:`SafeExecute` replaces nbgrader's ``Execute``: every kernel starts inside the sandbox
  (``mlcourse.grading.sandbox``), the guard (``mlcourse.grading.guard``) runs right before every graded test
  cell, as a silent request of its own (the cell's source, line numbers and outputs stay the learner's),
  and a cell that kills the kernel (``os._exit``, a crash) scores zero while the rest of the notebook is
  still graded: the kernel is restarted and the notebook re-run with that cell replaced by an error.
  It also tells the instructor, one line per incident, what happened (:func:`incidents`). Kernels are forked
  from a warm zygote that has imported PyTorch once (``mlcourse.grading.warm``), one fresh process per notebook.
- :class:`HideHiddenTests` runs in ``generate_feedback``: the feedback a student gets shows neither the
  code of hidden tests nor tracebacks that quote it, only the assertion message meant for the learner.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import time
from typing import Any

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from traitlets import Integer

from mlcourse.grading import warm

__all__ = ["HIDDEN_MARKERS", "HideHiddenTests", "RestoreCells", "SafeExecute", "incidents"]

GUARD_CODE = "__import__('mlcourse.grading.guard').grading.guard.check(globals())"
# after a test cell: the forbidden call its graded function made, even if the learner's code caught the error
AFTER_CODE = "__import__('mlcourse._watch')._watch.last_violation()"
SANDBOX_LINE = (
    "import mlcourse.grading.sandbox as _mlcourse_sandbox; _mlcourse_sandbox.install(); del _mlcourse_sandbox"
)
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
KILLED = "grading: the kernel died while running this cell (os._exit, a crash or a signal); it scores zero"
MISSING = "was missing from the submission"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"  # nbgrader's default Exchange.root
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_grade(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _cell_name(cell: NotebookNode, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def incidents(nb: NotebookNode) -> list[str]:
    """One line per thing that went wrong in an executed notebook, for the instructor."""
    lines = []
    for index, cell in enumerate(nb.cells):
        name = _cell_name(cell, index)
        if cell.cell_type == "code" and MISSING in cell.source:
            lines.append(f"{name}: the submission had deleted this test cell; it was put back and run")
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                what = {
                    "CellTimeoutError": "ran past the time limit per cell (an endless loop?)",
                    "MemoryError": "ran out of the memory limit",
                    "_ArrayMemoryError": "ran out of the memory limit",
                    "GradingSandboxError": f"was refused: {out.evalue}",
                    "GradingGuardError": f"tampering: {out.evalue}",
                    "KernelDied": "killed the kernel (os._exit, a crash or a signal)",
                    "SystemExit": "called sys.exit()",
                    "ForbiddenCallError": "called what the task forbids: " + (str(out.evalue).splitlines() or [""])[0],
                }.get(out.ename)
                if what:
                    lines.append(f"{name}: {what}")
            elif out.output_type == "stream" and "[grading: output cut after" in out.get("text", ""):
                lines.append(f"{name}: printed too much; the output was cut")
    return lines


class RestoreCells(OverwriteCells):
    """nbgrader's ``OverwriteCells`` that also restores a cell's ``grade`` and ``solution`` flags.

    nbgrader restores the source, ``locked`` and ``points`` of known cells, but a test cell whose ``grade``
    flag was switched off (or that was turned into an answer cell) fails its checksum, and nbgrader then
    drops the student's whole submission. Here the flags are put back from the gradebook first.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: Any, cell_index: int) -> tuple[NotebookNode, Any]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if grade_id is not None:
            finders = {"grade": self.gradebook.find_graded_cell, "solution": self.gradebook.find_solution_cell}
            try:
                self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                finders = {}
            for flag, find in finders.items():
                try:
                    found = find(grade_id, self.notebook_id, self.assignment_id)
                except MissingEntry:
                    found = None
                if bool(meta.get(flag)) != (found is not None):
                    self.report_change(grade_id, flag, found is not None, meta.get(flag))
                    meta[flag] = found is not None
                if flag == "grade" and found is not None:
                    meta["points"] = float(found.max_score)
        return super().preprocess_cell(cell, resources, cell_index)


class SafeExecute(Execute):
    """nbgrader's ``Execute`` with the sandbox, the guard in every test cell, and recovery from dead kernels."""

    max_kernel_deaths = Integer(
        5, help="Cells that may kill the kernel before the rest of the notebook is given up (scored zero)."
    ).tag(config=True)

    _index = -1
    _told_cold = False

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        self._index = index
        if not _is_grade(cell):
            return super().preprocess_cell(cell, resources, index)
        refused = self._silently(GUARD_CODE)
        if isinstance(refused, NotebookNode):  # tampering: the test does not run, and scores zero
            cell.outputs, cell.execution_count = [refused], None
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        if not any(out.output_type == "error" for out in cell.get("outputs", [])):
            seen = self._silently(AFTER_CODE)
            message = ast.literal_eval(seen) if isinstance(seen, str) else None
            if isinstance(message, str):
                cell.outputs.append(_error("ForbiddenCallError", message))
        return cell, resources

    def _protect_exchange(self) -> None:
        """Add nbgrader's exchange folder (classmates' submissions, released feedback) to the protected paths."""
        section = self.config.get("Exchange", {})
        root = str(section.get("root", DEFAULT_EXCHANGE)) if hasattr(section, "get") else DEFAULT_EXCHANGE
        paths = [p for p in os.environ.get("MLCOURSE_GRADING_PROTECT", "").split(os.pathsep) if p]
        if root not in paths:
            os.environ["MLCOURSE_GRADING_PROTECT"] = os.pathsep.join([*paths, root])

    def _silently(self, expression: str) -> NotebookNode | str | None:
        """Evaluate ``expression`` in the kernel: its repr, or an error output if it raised.

        A ``user_expression`` of an empty, silent request: no history, no output, and no input transformer can
        rewrite it (they rewrite cells, not expressions). If even the empty request fails (a hostile
        transformer raising), that is an error too: the test cell does not run.
        """
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"value": expression})
        reply = self.wait_for_reply(msg_id)
        content = (reply or {}).get("content", {})
        result = content.get("user_expressions", {}).get("value", {})
        if content.get("status") == "ok" and result.get("status") == "ok":
            return str(result.get("data", {}).get("text/plain", "None"))
        if result.get("status") == "error":
            return _error(result.get("ename", "GradingGuardError"), result.get("evalue", ""))
        return _error(
            "GradingGuardError", f"grading: the guard could not run before this test ({content.get('ename')})"
        )

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        configured: list[str] = list(getattr(self, "extra_arguments", []))
        self.extra_arguments = [
            *[a for a in configured if not a.startswith("--IPKernelApp.exec_lines")],
            f"--IPKernelApp.exec_lines={SANDBOX_LINE}",
        ]
        if warm.enabled():
            self.kernel_manager_class = warm.WarmKernelManager
        self._protect_exchange()
        killers: list[int] = []
        while True:
            attempt = copy.deepcopy(nb)
            for k in killers:
                attempt.cells[k].source = f"raise RuntimeError({KILLED!r})"
            try:
                ran, resources = super().preprocess(attempt, resources, km)
                break
            except DeadKernelError:
                killers.append(self._index)
                self.log.warning("%s: the kernel died in cell %d; re-running without it", _who(resources), self._index)
                if len(killers) > self.max_kernel_deaths:
                    ran = attempt
                    for later in range(self._index, len(ran.cells)):
                        killers.append(later)
                    break
        self._merge(nb, ran, killers)
        self._report(nb, resources)
        if warm.problem() and not SafeExecute._told_cold:
            SafeExecute._told_cold = True
            self.log.warning("grading kernels start cold (slower, same grades): %s", warm.problem())
        return nb, resources

    def _merge(self, nb: NotebookNode, ran: NotebookNode, killers: list[int]) -> None:
        """Copy the outputs of the run into ``nb`` (whose sources are the submitted ones)."""
        nb.metadata = ran.metadata
        for index, (cell, done) in enumerate(zip(nb.cells, ran.cells, strict=True)):
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = done.get("outputs", []), done.get("execution_count")
            if index in killers:
                cell.outputs = [_error("KernelDied", KILLED)]

    def _report(self, nb: NotebookNode, resources: Any) -> None:
        lines = incidents(nb)
        who = _who(resources)
        for line in lines:
            self.log.warning("%s: %s", who, line)
        report = os.environ.get("MLCOURSE_GRADING_REPORT")
        if report and lines:
            with open(report, "a", encoding="utf-8") as f:
                for line in lines:
                    f.write(json.dumps({"time": time.time(), "submission": who, "incident": line}) + "\n")


def _who(resources: Any) -> str:
    info = (resources or {}).get("nbgrader", {})
    return "/".join(str(info.get(k, "?")) for k in ("student", "assignment", "notebook"))


def _strip_hidden(source: str) -> tuple[str, bool]:
    out, inside, hidden = [], False, False
    for line in source.splitlines():
        if line.strip() == HIDDEN_MARKERS[0]:
            inside = hidden = True
            out.append("# (hidden tests: not shown)")
        elif line.strip() == HIDDEN_MARKERS[1]:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out), hidden


class HideHiddenTests(NbGraderPreprocessor):
    """For feedback: drop hidden test code, and reduce the tracebacks of hidden test cells to their message."""

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.source, hidden = _strip_hidden(cell.source)
            if not hidden:
                continue
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {_ANSI.sub('', str(out.evalue))}"]
        return nb, resources
