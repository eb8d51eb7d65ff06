"""Build the students' copy of the course: exercises, the built book and the package; never the answers.

    python scripts/student_bundle.py DEST [--no-book]        (or: make student-bundle DEST=folder)

The repository itself must not be handed out: ``solutions/`` holds the solutions and the hidden tests, and
``tests/`` the mutants. The bundle is built from an allow-list (what is not named here is not copied), then
checked: no file of it may contain a line (of 16 characters or more) that only a hidden test holds, and no
file outside the package a line that only a solution cell holds (the package is the course's reference; the
tests keep graded functions from calling it). If the check fails, the bundle is removed. The check is
``check_bundle``; the test suite runs it too.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlcourse.grading import harness as ng  # noqa: E402 - the checkout's package, imported after its path

COPY = [
    "exercises", "exercises-zh_CN", "mlcourse", "pyproject.toml", "requirements-lock.txt", "environment.yml",
    "nbgrader_config.py",
]  # fmt: skip
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")
README = """# Deep Learning from Scratch: the students' copy

- `book/index.html`: the course book (open it in a browser; it needs no network).
- `exercises/NN_topic/*.ipynb`: your homework. Run every cell; each task has a visible test.
- `book/zh_CN/index.html`, `exercises-zh_CN/`: the same in Chinese (中文版); set `MLCOURSE_LANG=zh_CN` before
  `jupyter lab` and the tests' messages and hints are in Chinese too.
- `mlcourse/`: the course's package (datasets, test helpers, the parts earlier chapters built).

Set-up (Python 3.10+), from this folder:

    python3 -m venv .venv
    .venv/bin/pip install -r requirements-lock.txt
    .venv/bin/pip install --no-deps -e .
    .venv/bin/jupyter lab

Check an exercise before you hand it in:

    .venv/bin/nbgrader validate exercises/01_preprocessing/preprocessing.ipynb

Hidden tests (random inputs, edge cases) run when your notebook is graded. The graded functions must be your
own: a test fails, and says why, if one calls the course's reference package, scikit-learn or a library routine
that does the task.
"""


def secret_lines() -> tuple[set[str], set[str]]:
    """(solution-only lines, hidden-test lines) of every source notebook: stripped, 16 characters or more."""
    solution, hidden = set(), set()
    for assignment in ng.assignments():
        for path in ng.source_notebooks(assignment):
            import nbformat

            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            solution |= {line for line in ng.marked_lines(text, ng.SOLUTION_MARKERS) if len(line) >= 16}
            hidden |= {line for line in ng.marked_lines(text, ng.HIDDEN_MARKERS) if len(line) >= 16}
    return solution, hidden


def check_bundle(dest: Path) -> list[str]:
    """Everything in ``dest`` that gives answers away; empty if nothing does."""
    problems = [f"{name}/ is in the bundle" for name in ("solutions", "tests", ".git") if (dest / name).exists()]
    solution, hidden = secret_lines()
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        lines = {line.strip() for line in text.replace("\\n", "\n").splitlines()}
        leaked = sorted(lines & hidden)
        if path.relative_to(dest).parts[0] != "mlcourse":
            leaked += sorted(lines & solution)
        if leaked:
            problems.append(f"{path.relative_to(dest)} holds {len(leaked)} secret lines, e.g. {leaked[0]!r}")
    return problems


def build(dest: Path, book: bool = True, html: Path | None = None) -> list[str]:
    """Write the bundle into ``dest`` (which must not exist or be empty); return the problems ``check_bundle`` finds.

    ``html`` is the built book to copy (default: ``book/_build/html``).
    """
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"DEST={dest} is not empty: give a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=SKIP)
        else:
            shutil.copy2(src, dest / name)
    if book:
        html = html or ROOT / "book" / "_build" / "html"
        if not (html / "index.html").exists():
            raise FileNotFoundError(f"no built book in {html}: run `make book` first (or pass --no-book)")
        shutil.copytree(html, dest / "book", ignore=shutil.ignore_patterns(".doctrees", ".buildinfo"))
    (dest / "README.md").write_text(README, encoding="utf-8")
    return check_bundle(dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="a new folder for the students' copy")
    parser.add_argument("--no-book", action="store_true", help="leave out the built book")
    parser.add_argument("--book-html", type=Path, default=None, help="the built book (default: book/_build/html)")
    args = parser.parse_args(argv)
    try:
        problems = build(args.dest, book=not args.no_book, html=args.book_html)
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"student-bundle: {exc}", file=sys.stderr)
        return 2
    if problems:
        shutil.rmtree(args.dest)  # nothing that gives answers away stays on disk
        print("student-bundle: the bundle would give answers away; removed it:", *problems, sep="\n  ")
        return 1
    print(
        f"Students' copy in {args.dest}: exercises/, book/, mlcourse/ and set-up files; no solutions, no hidden tests."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
