"""``SafeExecute``: nbgrader's ``Execute`` with the sandbox, the guard in every test cell, and dead kernels survived.

Every kernel starts inside the sandbox (``mlcourse.grading.sandbox``) with the limits configured here, handed to it
on its command line (``IPKernelApp.exec_lines``) before any student code; the guard (``mlcourse.grading.guard``)
runs right before every graded test cell, as a silent request of its own (the cell's source, line numbers and
outputs stay the learner's); and a cell that kills the kernel (``os._exit``, a crash) scores zero while the rest of
the notebook is still graded: the kernel is restarted and the notebook re-run with that cell replaced by an error.
Unless ``warm_kernels`` is False, kernels are forked from a warm zygote that has imported PyTorch once
(``mlcourse.grading.warm``), one fresh process per notebook. What went wrong is told to the instructor, one line per
incident (:func:`incidents`).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default.exchange import Exchange
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

from mlcourse.grading import warm
from mlcourse.grading.preprocessors.restore_cells import RestoreCells

__all__ = ["SafeExecute", "incidents"]

GUARD_CODE = "__import__('mlcourse.grading.guard').grading.guard.check(globals())"
# after a test cell: the forbidden call its graded function made, even if the learner's code caught the error
AFTER_CODE = "__import__('mlcourse._watch')._watch.last_violation()"
KILLED = "grading: the kernel died while running this cell (os._exit, a crash or a signal); it scores zero"
_REASONS = {
    "CellTimeoutError": "ran past the time limit per cell (an endless loop?)",
    "MemoryError": "ran out of the memory limit",
    "_ArrayMemoryError": "ran out of the memory limit",
    "KernelDied": "killed the kernel (os._exit, a crash or a signal)",
    "SystemExit": "called sys.exit()",
}


def _is_grade(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _cell_name(cell: NotebookNode, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _reason(out: NotebookNode) -> str | None:
    if out.ename == "GradingSandboxError":
        return f"was refused: {out.evalue}"
    if out.ename == "GradingGuardError":
        return f"tampering: {out.evalue}"
    if out.ename == "ForbiddenCallError":
        return "called what the task forbids: " + (str(out.evalue).splitlines() or [""])[0]
    return _REASONS.get(out.ename)


def incidents(nb: NotebookNode, missing_cell_notification: str | None = None) -> list[str]:
    """One line per thing that went wrong in an executed notebook, for the instructor.

    A test cell that was put back (deleted by the student) is recognised by nbgrader's
    ``missing_cell_notification`` (default: nbgrader's own), which heads its source.
    """
    template = missing_cell_notification or RestoreCells.class_traits()["missing_cell_notification"].default_value
    put_back = re.compile(".*?".join(re.escape(part.strip()) for part in template.split("{cell_id}")))
    lines = []
    for index, cell in enumerate(nb.cells):
        name = _cell_name(cell, index)
        if cell.cell_type == "code" and put_back.search(cell.source):
            lines.append(f"{name}: the submission had deleted this test cell; it was put back and run")
        for out in cell.get("outputs", []):
            if out.output_type == "error" and (why := _reason(out)):
                lines.append(f"{name}: {why}")
            elif out.output_type == "stream" and "[grading: output cut after" in out.get("text", ""):
                lines.append(f"{name}: printed too much; the output was cut")
    return lines


class SafeExecute(Execute):
    """nbgrader's ``Execute`` with the sandbox, the guard in every test cell, and recovery from dead kernels.

    The time limit per cell is nbgrader's own ``Execute.timeout``; the limits below are this class's.
    """

    memory_mb = Integer(
        4096, help="Memory a grading kernel may allocate (MB, RLIMIT_DATA): past it, the cell gets a MemoryError."
    ).tag(config=True)
    file_mb = Integer(64, help="Size of any file a grading kernel writes (MB, RLIMIT_FSIZE).").tag(config=True)
    output_kb = Integer(256, help="Output a cell may print (KB); the rest is cut, with a note.").tag(config=True)
    protected_paths = List(
        Unicode(),
        help=(
            "Paths student code may not open, list, copy or move, besides those always protected: the course's "
            "source, submitted, autograded and feedback folders, its SQLite gradebook, its nbgrader_config.py and "
            "the exchange (a kernel's own autograded folder stays usable)."
        ),
    ).tag(config=True)
    incident_report = Unicode(
        "", help="A file to append each incident to, as a JSON line (mlcourse-grade collects its workers' so)."
    ).tag(config=True)
    max_kernel_deaths = Integer(
        5, help="Cells that may kill the kernel before the rest of the notebook is given up (scored zero)."
    ).tag(config=True)
    warm_kernels = Bool(
        True, help="Fork each grading kernel from a zygote that imported warm_preload once (Linux)."
    ).tag(config=True)
    warm_preload = List(
        Unicode(), default_value=list(warm.DEFAULT_PRELOAD), help="Modules the warm zygote imports (missing: skipped)."
    ).tag(config=True)

    _index = -1
    _told_cold = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._honour_old_environment()

    def _honour_old_environment(self) -> None:
        """The ``MLCOURSE_GRADING_*`` variables of the previous release, honoured for this one with a warning."""
        renamed: dict[str, tuple[str, Callable[[str], Any]]] = {
            "MLCOURSE_GRADING_TIMEOUT": ("timeout", int),
            "MLCOURSE_GRADING_MEMORY_MB": ("memory_mb", int),
            "MLCOURSE_GRADING_FILE_MB": ("file_mb", int),
            "MLCOURSE_GRADING_OUTPUT_KB": ("output_kb", int),
            "MLCOURSE_GRADING_REPORT": ("incident_report", str),
            "MLCOURSE_GRADING_WARM": ("warm_kernels", lambda v: v != "0"),
            "MLCOURSE_GRADING_PRELOAD": ("warm_preload", lambda v: [m for m in v.split(",") if m]),
            "MLCOURSE_GRADING_PROTECT": ("protected_paths", lambda v: [*self.protected_paths, *v.split(os.pathsep)]),
        }
        for variable, (trait, convert) in renamed.items():
            value = os.environ.get(variable)
            if not value:
                continue
            where = "Execute" if trait == "timeout" else "SafeExecute"
            configured = any(trait in self.config.get(section, {}) for section in ("Execute", "SafeExecute"))
            if configured:  # a setting of this release wins over the old variable
                self.log.warning("%s is deprecated and ignored: c.%s.%s is set", variable, where, trait)
            else:
                self.log.warning("%s is deprecated: set c.%s.%s in nbgrader_config.py", variable, where, trait)
                setattr(self, trait, convert(value))

    # --- the settings the kernel receives --------------------------------------------------------------------

    def always_protected(self) -> list[str]:
        """The course's own folders, its gradebook file, its configuration and the exchange, from nbgrader's
        ``CourseDirectory`` and ``Exchange`` settings."""
        coursedir = CourseDirectory(config=self.config)
        root = Path(coursedir.root)
        folders = [coursedir.source_directory, coursedir.submitted_directory, coursedir.autograded_directory]
        paths = [root / name for name in [*folders, coursedir.feedback_directory, "nbgrader_config.py"]]
        if str(coursedir.db_url).startswith("sqlite:///"):
            paths.append(root / str(coursedir.db_url)[len("sqlite:///") :])
        exchange = Exchange(config=self.config).root
        return [str(p) for p in [*paths, Path(exchange)]]

    def sandbox_line(self) -> str:
        """The kernel's first line (``IPKernelApp.exec_lines``): the sandbox with this grader's settings."""
        settings = {
            "memory_mb": self.memory_mb,
            "file_mb": self.file_mb,
            "output_kb": self.output_kb,
            "protected": [*self.always_protected(), *self.protected_paths],
        }
        call = ", ".join(f"{name}={value!r}" for name, value in settings.items())
        return f"import mlcourse.grading.sandbox as _sandbox; _sandbox.install({call}); del _sandbox"

    # --- one cell --------------------------------------------------------------------------------------------

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

    # --- the notebook ----------------------------------------------------------------------------------------

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        self._start_kernels_in_the_sandbox()
        ran, killers = self._run_surviving_deaths(nb, resources, km)
        self._merge(nb, ran, killers)
        self._report(nb, resources)
        return nb, resources

    def _start_kernels_in_the_sandbox(self) -> None:
        arguments: list[str] = list(getattr(self, "extra_arguments", []))  # nbclient's: the kernel's command line
        configured = [a for a in arguments if not a.startswith("--IPKernelApp.exec_lines")]
        self.extra_arguments = [*configured, f"--IPKernelApp.exec_lines={self.sandbox_line()}"]
        if self.warm_kernels and warm.supported():
            warm.use(self.warm_preload)
            self.kernel_manager_class = warm.WarmKernelManager

    def _run_surviving_deaths(self, nb: NotebookNode, resources: Any, km: Any) -> tuple[NotebookNode, list[int]]:
        """Run ``nb``; each time a cell kills the kernel, run again with that cell replaced by an error."""
        killers: list[int] = []
        while True:
            attempt = copy.deepcopy(nb)
            for k in killers:
                attempt.cells[k].source = f"raise RuntimeError({KILLED!r})"
            try:
                ran, _ = super().preprocess(attempt, resources, km)
                return ran, killers
            except DeadKernelError:
                killers.append(self._index)
                self.log.warning("%s: the kernel died in cell %d; re-running without it", _who(resources), self._index)
                if len(killers) > self.max_kernel_deaths:  # give the rest up: every later cell scores zero
                    return attempt, [*killers, *range(self._index, len(attempt.cells))]

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
        notification = RestoreCells(config=self.config).missing_cell_notification  # as configured for it
        lines = incidents(nb, notification)
        who = _who(resources)
        for line in lines:
            self.log.warning("%s: %s", who, line)
        if self.incident_report and lines:
            with open(self.incident_report, "a", encoding="utf-8") as f:
                for line in lines:
                    f.write(json.dumps({"time": time.time(), "submission": who, "incident": line}) + "\n")
        if warm.problem() and not SafeExecute._told_cold:
            SafeExecute._told_cold = True
            self.log.warning("grading kernels start cold (slower, same grades): %s", warm.problem())


def _who(resources: Any) -> str:
    info = (resources or {}).get("nbgrader", {})
    return "/".join(str(info.get(k, "?")) for k in ("student", "assignment", "notebook"))
