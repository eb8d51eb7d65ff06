"""How many of each assignment's mutants the visible tests catch, next to how many all the tests catch.

A visible test exists to tell a learner *now* what grading would tell them later. For every assignment this
runs, with nbclient, each mutant (a plausible wrong answer from ``tests/mutants/<assignment>/``) twice:

- **visible**: the released notebook (``exercises/``) with the solution filled in and the mutant swapped
  in — what a learner's own check runs;
- **all**: the instructor's source notebook (``solutions/``, hidden tests included) with the mutant
  swapped in — what grading runs.

A mutant is caught when a graded test cell raises. The solution must pass both. Prints one line per
assignment and, with ``--missed``, the mutants the visible tests let through.

    .venv/bin/python scripts/mutation_report.py [ASSIGNMENT ...] [--jobs 2] [--missed]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlcourse.grading import harness as ng  # noqa: E402 - the checkout's package, imported after its path
from mlcourse.selfcheck import notebook_client  # noqa: E402

TARGET_VISIBLE = 0.8


def _all_notebooks(assignment: str) -> dict[str, nbformat.NotebookNode]:
    return {p.name: nbformat.read(p, as_version=4) for p in ng.source_notebooks(assignment)}


def failed_tests(notebooks: dict[str, nbformat.NotebookNode], folder: Path) -> list[str]:
    """Execute the notebooks in a copy of ``folder``; the grade_ids of graded test cells that raised."""
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for item in folder.iterdir():  # the data files an assignment reads
            if item.is_file() and item.suffix != ".ipynb":
                (Path(tmp) / item.name).write_bytes(item.read_bytes())
        for name, nb in notebooks.items():
            notebook_client(nb, Path(tmp), timeout=300).execute()  # an IPC kernel, shut down after the run
            for cell in nb.cells:
                meta = ng.nbgrader_meta(cell)
                if meta.get("grade") and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                    failed.append(f"{name}:{meta['grade_id']}")
    return failed


def _run(job: tuple[str, str, str | None]) -> tuple[str, str, str | None, list[str]]:
    assignment, kind, mutant_path = job
    notebooks = ng.answered_release(assignment) if kind == "visible" else _all_notebooks(assignment)
    if mutant_path is not None:
        mutant = ng.Mutant.load(Path(mutant_path))
        assert any(ng.swap_in(nb, mutant) for nb in notebooks.values()), f"{mutant_path}: no cell defines it"
    folder = ng.EXERCISES / assignment if kind == "visible" else ng.SOLUTIONS / assignment
    return assignment, kind, mutant_path, failed_tests(notebooks, folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignment folders of solutions/ (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks executed at once")
    parser.add_argument("--missed", action="store_true", help="list the mutants the visible tests miss")
    args = parser.parse_args(argv)
    assignments = args.assignments or ng.assignments()
    unknown = sorted(set(assignments) - set(ng.assignments()))
    if unknown:
        parser.error(f"no such assignment in solutions/: {', '.join(unknown)}")
    os.environ.setdefault("MPLBACKEND", "Agg")
    jobs = [
        (a, kind, m) for a in assignments for kind in ("visible", "all") for m in [None, *map(str, ng.mutant_files(a))]
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(_run, jobs))
    ok = True
    print(f"{'assignment':<18s} {'mutants':>7s} {'visible':>9s} {'all tests':>10s}")
    for a in assignments:
        runs = {(kind, m): failed for aa, kind, m, failed in results if aa == a}
        mutants = [str(p) for p in ng.mutant_files(a)]
        for kind in ("visible", "all"):
            if runs[kind, None]:
                print(f"{a}: the solution fails {kind} tests {runs[kind, None]}", file=sys.stderr)
                ok = False
        caught = {kind: [m for m in mutants if runs[kind, m]] for kind in ("visible", "all")}
        share = {kind: len(caught[kind]) / len(mutants) for kind in caught}
        flag = "" if share["visible"] >= TARGET_VISIBLE and share["all"] == 1 else "   below target"
        print(f"{a:<18s} {len(mutants):7d} {share['visible']:9.0%} {share['all']:10.0%}{flag}")
        ok = ok and not flag
        if args.missed:
            for m in sorted(set(mutants) - set(caught["visible"])):
                print(f"    visible tests miss {Path(m).stem}: {ng.Mutant.load(Path(m)).mistake}")
    print(f"targets: visible tests catch at least {TARGET_VISIBLE:.0%} of an assignment's mutants, all tests 100 %")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
