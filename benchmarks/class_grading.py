"""Benchmark: a class graded by plain sequential `nbgrader autograde` vs `mlcourse-grade --jobs N`.

For each assignment, a throw-away course with ``--students`` synthetic students (the solution and the
mutants of ``tests/mutants/``, in turn: a realistic mix of full and partial marks) is graded twice, side by
side in one run: once by one ``nbgrader autograde`` process, once by ``mlcourse-grade`` with ``--jobs``
workers. Prints seconds per notebook for each, the speed-up, and checks that the grades are identical.

    .venv/bin/python benchmarks/class_grading.py --students 100            # the full class (long)
    .venv/bin/python benchmarks/class_grading.py --students 10 --assignments 01_preprocessing 08_capstone
    .venv/bin/python benchmarks/class_grading.py --students 10 --cold      # kernels started as nbgrader starts them
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlcourse.grading import harness as ng  # noqa: E402 - the checkout's package, imported after its path
from mlcourse.grading.parallel import grade_class  # noqa: E402


def make_class(course: Path, assignment: str, students: int) -> None:
    """A course with ``students`` submissions: the solution and each mutant in turn."""
    ng.make_course(course, assignment)
    solution = ng.solution_notebooks(course, assignment)
    mutants = [ng.Mutant.load(p) for p in ng.mutant_files(assignment)]
    for i in range(students):
        notebooks = {name: nbformat.from_dict(nb) for name, nb in solution.items()}
        if i % (len(mutants) + 1):
            mutant = mutants[i % (len(mutants) + 1) - 1]
            assert any(ng.swap_in(nb, mutant) for nb in notebooks.values())
        ng.submit(course, assignment, f"student{i:03d}", notebooks)


def _children_cpu() -> float:
    """CPU seconds used so far by finished child processes (nbgrader, its kernels, the zygotes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scores(course: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.id: gb.find_submission(assignment, s.id).score for s in gb.students}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--assignments", nargs="*", default=ng.assignments())
    parser.add_argument("--cold", action="store_true", help="no warm zygote: every kernel started cold")
    args = parser.parse_args()
    os.environ["PATH"] = ng.nbgrader_env()["PATH"]
    settings = [f"--SafeExecute.warm_kernels={not args.cold}"]
    kernels = "cold" if args.cold else "warm (forked from a zygote)"
    print(f"{args.students} students per assignment; sequential nbgrader vs mlcourse-grade --jobs {args.jobs}")
    print(f"grading kernels: {kernels}; {os.cpu_count()} cores")
    print(f"{'assignment':18s} {'notebooks':>9s} {'sequential s/nb':>16s} {'parallel s/nb':>14s} {'speed-up':>9s}")
    seq_all, par_all = [], []
    seq_total = par_total = 0.0
    for assignment in args.assignments:
        with tempfile.TemporaryDirectory() as tmp:
            sequential, parallel = Path(tmp) / "sequential", Path(tmp) / "parallel"
            sequential.mkdir()
            make_class(sequential, assignment, args.students)
            shutil.copytree(sequential, parallel)
            start, cpu = time.perf_counter(), _children_cpu()
            ng.run_nbgrader(sequential, "autograde", assignment, "--force", *settings, timeout=24 * 3600)
            seq = time.perf_counter() - start
            seq_cores = (_children_cpu() - cpu) / seq
            start, cpu = time.perf_counter(), _children_cpu()
            result = grade_class(parallel, assignment, jobs=args.jobs, progress=False, export=False, settings=settings)
            par = time.perf_counter() - start
            par_cores = (_children_cpu() - cpu) / par
            same = scores(sequential, assignment) == scores(parallel, assignment)
            n = result.notebooks
            seq_total, par_total = seq_total + seq, par_total + par
            seq_all.append(seq / n)
            par_all.append(par / n)
            flag = "" if same else "  GRADES DIFFER"
            stages = ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in result.stages.items())
            stages += f"; cores busy: sequential {seq_cores:.2f}, parallel {par_cores:.2f}"
            print(
                f"{assignment:18s} {n:9d} {seq / n:16.2f} {par / n:14.2f} {seq / par:9.2f}{flag}   ({stages})",
                flush=True,
            )
    print(
        f"{'median':18s} {'':9s} {statistics.median(seq_all):16.2f} {statistics.median(par_all):14.2f} "
        f"{statistics.median(seq_all) / statistics.median(par_all):9.2f}"
    )
    print(f"total: sequential {seq_total / 60:.1f} min, parallel {par_total / 60:.1f} min")


if __name__ == "__main__":
    main()
