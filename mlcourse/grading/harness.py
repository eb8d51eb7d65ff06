"""The course repository's gradeability harness: grade solutions, released stubs and mutants with nbgrader.

The test suite (``tests/test_exercises.py`` and the grading tests), the benchmarks and the scripts share it.
It works on a source checkout of the course: ``solutions/``, ``exercises/`` and ``tests/mutants/`` beside the
package.

For one assignment ``A`` (a folder of ``solutions/``) it builds a throw-away course directory holding a
copy of ``solutions/A`` and of ``nbgrader_config.py``, runs ``nbgrader generate_assignment A`` there, then
submits, as separate students of one ``nbgrader autograde`` run:

- ``solution``: the released notebooks with every answer cell filled in from ``solutions/`` (markers removed);
- ``release``: the released notebooks exactly as a student receives them;
- ``mutant-<name>``: ``solution`` with one graded function replaced by ``tests/mutants/A/<name>.py``.

Nothing here names a chapter: every folder of ``solutions/`` is picked up as it appears.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from mlcourse.grading.parallel import share_threads

__all__ = [
    "EXERCISES",
    "HIDDEN_MARKERS",
    "MUTANTS",
    "ROOT",
    "SOLUTIONS",
    "SOLUTION_MARKERS",
    "Mutant",
    "Score",
    "answered_release",
    "assignments",
    "autograde",
    "class_of_mutants",
    "defined_functions",
    "graded_functions",
    "graded_names",
    "make_course",
    "marked_lines",
    "mutant_files",
    "nbgrader_env",
    "nbgrader_meta",
    "released_notebooks",
    "run_nbgrader",
    "solution_notebook",
    "solution_notebooks",
    "source_notebooks",
    "strip_lines",
    "submit",
    "swap_in",
]

ROOT = Path(__file__).resolve().parents[2]  # the checkout: mlcourse/grading/harness.py
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
MUTANTS = ROOT / "tests" / "mutants"

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
# nbgrader's own markers, written out here rather than taken from mlcourse.grading.preprocessors, so that
# the feedback tests do not use the grader's definition as their oracle
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_GRADED_NAME = re.compile(r"expect_written_here\((\w+)[,)]")


def assignments() -> list[str]:
    """Names of the assignment folders in ``solutions/`` (``NN_topic``), sorted."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def source_notebooks(assignment: str) -> list[Path]:
    """The source notebooks of ``solutions/<assignment>``, sorted."""
    return sorted((SOLUTIONS / assignment).glob("*.ipynb"))


def mutant_files(assignment: str) -> list[Path]:
    """The mutants of ``tests/mutants/<assignment>``, sorted."""
    return sorted((MUTANTS / assignment).glob("*.py"))


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict[str, Any]:
    """A cell's ``metadata.nbgrader`` (empty if it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def strip_lines(source: str, markers: tuple[str, str], keep_inside: bool) -> str:
    """Remove the marker lines of ``markers``; keep or drop what lies between them."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == markers[0]:
            inside = True
        elif stripped == markers[1]:
            inside = False
        elif keep_inside or not inside:
            out.append(line)
    return "\n".join(out)


def marked_lines(source: str, markers: tuple[str, str]) -> set[str]:
    """The stripped non-blank lines found only between ``markers`` (not also elsewhere in ``source``)."""
    every = {line.strip() for line in strip_lines(source, markers, keep_inside=True).splitlines()}
    outside = {line.strip() for line in strip_lines(source, markers, keep_inside=False).splitlines()}
    return {line for line in every - outside if line}


def defined_functions(source: str) -> set[str]:
    """Names of the top-level functions a cell of Python source defines (empty if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def graded_names(source: str) -> list[str]:
    """The graded functions a test cell names in ``expect_written_here(...)``."""
    return _GRADED_NAME.findall(source)


def graded_functions(assignment: str) -> dict[str, Path]:
    """Each graded function (named in ``expect_written_here(...)`` of a test cell) -> its source notebook."""
    graded: dict[str, Path] = {}
    for path in source_notebooks(assignment):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade"):
                graded.update((name, path) for name in graded_names(cell.source))
    return graded


@dataclass(frozen=True)
class Mutant:
    """One plausible wrong answer: the function it replaces, the mistake, and the replacement code."""

    name: str
    function: str
    mistake: str
    code: str

    @classmethod
    def load(cls, path: Path) -> Mutant:
        """Read a mutant file: a one-line docstring naming the mistake, then exactly one function."""
        code = path.read_text(encoding="utf-8")
        tree = ast.parse(code)
        doc = ast.get_docstring(tree)
        if not doc or "\n" in doc.strip():
            raise ValueError(f"{path}: a mutant starts with a one-line docstring naming the mistake")
        funcs = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
        if len(funcs) != 1:
            raise ValueError(f"{path}: a mutant defines exactly one top-level function; found {funcs}")
        return cls(name=path.stem, function=funcs[0], mistake=doc.strip(), code=code)


def solution_notebook(release: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The released notebook with every answer cell replaced by the instructor's solution."""
    answers = {
        nbgrader_meta(c)["grade_id"]: strip_lines(c.source, SOLUTION_MARKERS, keep_inside=True)
        for c in source.cells
        if nbgrader_meta(c).get("solution")
    }
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = answers[nbgrader_meta(cell)["grade_id"]]
    return nb


def answered_release(assignment: str) -> dict[str, nbformat.NotebookNode]:
    """The committed ``exercises/<assignment>`` answered with the solutions: what a finished learner submits."""
    sources = {p.name: nbformat.read(p, as_version=4) for p in source_notebooks(assignment)}
    released = {p.name: nbformat.read(p, as_version=4) for p in sorted((EXERCISES / assignment).glob("*.ipynb"))}
    return {name: solution_notebook(nb, sources[name]) for name, nb in released.items()}


def released_notebooks(course: Path, assignment: str) -> dict[str, nbformat.NotebookNode]:
    """The course's generated release of ``assignment``, by file name."""
    folder = course / "exercises" / assignment
    return {p.name: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}


def solution_notebooks(course: Path, assignment: str) -> dict[str, nbformat.NotebookNode]:
    """The course's release of ``assignment`` answered with the instructor's solutions, by file name."""
    sources = {p.name: nbformat.read(p, as_version=4) for p in source_notebooks(assignment)}
    return {name: solution_notebook(nb, sources[name]) for name, nb in released_notebooks(course, assignment).items()}


def swap_in(nb: nbformat.NotebookNode, mutant: Mutant) -> bool:
    """Redefine ``mutant.function`` right after the answer cell that defines it. True if it was found."""
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution") and mutant.function in defined_functions(cell.source):
            cell.source += f"\n\n\n# --- mutant {mutant.name}: {mutant.mistake}\n{mutant.code}"
            return True
    return False


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this interpreter's bin first (nbgrader runs `alembic` from PATH)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    # pytest-xdist workers grade at the same time, like mlcourse-grade's workers
    return share_threads(env, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def run_nbgrader(course: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """``nbgrader ARGS`` in ``course``; raises RuntimeError with its output if it fails."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed in {course}:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def make_course(course: Path, assignment: str) -> None:
    """A course directory with ``solutions/<assignment>``, the repo's config, and its generated release."""
    shutil.copytree(SOLUTIONS / assignment, course / "solutions" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    run_nbgrader(course, "generate_assignment", assignment, "--force")


@dataclass(frozen=True)
class Score:
    """A student's total and the ``notebook:cell`` of every graded cell that lost points."""

    score: float
    max_score: float
    failed_cells: tuple[str, ...]


def submit(course: Path, assignment: str, student: str, notebooks: dict[str, nbformat.NotebookNode]) -> None:
    """Write ``notebooks`` (by file name) as ``student``'s submission of ``assignment``."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    for filename, nb in notebooks.items():
        nbformat.write(nb, folder / filename)


def class_of_mutants(course: Path, assignment: str, mutants: int) -> None:
    """A new course whose students are the solution and the first ``mutants`` of the assignment's mutants."""
    course.mkdir(parents=True)
    make_course(course, assignment)
    solution = solution_notebooks(course, assignment)
    submit(course, assignment, "solution", solution)
    for path in mutant_files(assignment)[:mutants]:
        mutant = Mutant.load(path)
        notebooks = {name: nbformat.from_dict(nb) for name, nb in solution.items()}
        assert any(swap_in(nb, mutant) for nb in notebooks.values())
        submit(course, assignment, f"mutant-{mutant.name}", notebooks)


def autograde(course: Path, assignment: str) -> dict[str, Score]:
    """Autograde every submitted student of ``assignment`` in one nbgrader run; scores by student."""
    run_nbgrader(course, "autograde", assignment, "--force")
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in gb.students:
            sub = gb.find_submission(assignment, student.id)
            failed = tuple(f"{nb.name}:{g.name}" for nb in sub.notebooks for g in nb.grades if g.score < g.max_score)
            scores[student.id] = Score(sub.score, sub.max_score, failed)
    return scores
