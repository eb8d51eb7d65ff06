"""Benchmark: what a learner and an instructor wait for — import time, autograding, the book build.

Prints three tables measured in one run on this machine:

- `import mlcourse` in a fresh interpreter (median of several processes), next to numpy and torch: the
  package must stay cheap because every autograded notebook pays for it;
- autograde seconds per notebook: per assignment, a throw-away course (as in the gradeability tests) with
  the solution submitted by ``--students`` students, one `nbgrader autograde` run, wall time divided by
  the notebooks graded;
- the book build: `jupyter-book build` of the whole book into a temporary folder (every notebook executed);
- per chapter, what a workshop waits for (``--workshop``): running the chapter's notebook top to bottom, and
  `nbgrader validate` of its exercise answered correctly (the learner's self-check). The instructor
  guide's agendas quote these numbers.

    make bench        # or: .venv/bin/python benchmarks/course_times.py [--no-book] [--students 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlcourse.grading import harness as ng  # noqa: E402 - the checkout's package, imported after its path


def import_seconds(module: str, repeats: int) -> float:
    """Median seconds of ``import module`` in ``repeats`` fresh interpreters (start-up excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = []
    for _ in range(repeats):
        proc = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        runs.append(float(proc.stdout))
    return statistics.median(runs)


def autograde_seconds(assignment: str, students: int) -> tuple[int, float]:
    """(notebooks graded, wall seconds) of one `nbgrader autograde` of the solution by ``students`` students."""
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        ng.make_course(course, assignment)
        solution = ng.solution_notebooks(course, assignment)
        for i in range(students):
            ng.submit(course, assignment, f"student{i:02d}", solution)
        start = time.perf_counter()
        ng.run_nbgrader(course, "autograde", assignment, "--force")
        return students * len(solution), time.perf_counter() - start


def chapter_seconds(chapter: Path) -> float:
    """Seconds to execute a narrative notebook top to bottom in a fresh kernel (kernel start included)."""
    from nbclient import NotebookClient

    nb = nbformat.read(chapter, 4)
    start = time.perf_counter()
    resources = {"metadata": {"path": str(chapter.parent)}}
    NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources).execute()
    return time.perf_counter() - start


def validate_seconds(assignment: str) -> float:
    """Seconds of `nbgrader validate` on the assignment's notebooks with the solution filled in."""
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        ng.make_course(course, assignment)
        paths = []
        for name, nb in ng.solution_notebooks(course, assignment).items():
            nbformat.write(nb, course / name)
            paths.append(str(course / name))
        start = time.perf_counter()
        proc = ng.run_nbgrader(course, "validate", *paths)
        if "Success!" not in proc.stdout:
            raise RuntimeError(f"validate of the solution of {assignment} did not succeed:\n{proc.stdout[-2000:]}")
        return time.perf_counter() - start


def book_seconds() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT / "book"), "--path-output", tmp]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=ng.nbgrader_env())
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh interpreters per import timing")
    parser.add_argument("--students", type=int, default=2, help="copies of the solution graded per assignment")
    parser.add_argument("--no-grading", action="store_true")
    parser.add_argument("--no-book", action="store_true")
    parser.add_argument("--workshop", action="store_true", help="only the per-chapter table of the agendas")
    args = parser.parse_args()

    if args.workshop:
        print("per chapter: run the narrative notebook (fresh kernel) | nbgrader validate of the answered exercise")
        for assignment in ng.assignments():
            run = chapter_seconds(ROOT / "book" / f"{assignment}.ipynb")
            check = validate_seconds(assignment)
            print(f"  {assignment:18s} {run:6.1f} s   {check:6.1f} s", flush=True)
        return

    imports = {m: import_seconds(m, args.repeats) for m in ("numpy", "mlcourse", "torch")}
    print(f"import time in a fresh interpreter, median of {args.repeats}:")
    for module, seconds in imports.items():
        print(f"  {module:10s} {seconds:7.3f} s   ({seconds / imports['torch']:.2f} x torch)")

    if not args.no_grading:
        print(f"autograde, the solution submitted by {args.students} students, one nbgrader run per assignment:")
        per_notebook = []
        for assignment in ng.assignments():
            n, seconds = autograde_seconds(assignment, args.students)
            per_notebook.append(seconds / n)
            print(f"  {assignment:18s} {n:3d} notebooks {seconds:7.1f} s   {seconds / n:5.2f} s per notebook")
        print(f"  median {statistics.median(per_notebook):.2f} s per notebook")

    if not args.no_book:
        seconds = book_seconds()
        chapters = len(list((ROOT / "book").glob("*.ipynb")))
        print(f"book build (jupyter-book, {chapters} notebooks executed): {seconds:.0f} s")


if __name__ == "__main__":
    main()
