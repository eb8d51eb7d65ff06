"""Grading under the configuration a JupyterHub course uses: configs that point elsewhere, two graders at once,
a grader killed mid-run.

nbgrader's JupyterHub guide has instructors set ``c.CourseDirectory.root`` in ``~/.jupyter/nbgrader_config.py``.
A worker of ``mlcourse-grade`` must still grade only its shard, and the course gradebook must never have two
writers. Each test grades a small class of ``01_preprocessing`` (the solution and two mutants) with real nbgrader.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlcourse.grading import harness as ng
from mlcourse.grading.parallel import Course, GradingLockedError, configured_root, course_lock, grade_class

pytestmark = pytest.mark.slow
ASSIGNMENT = "01_preprocessing"


def _class(course: Path, mutants: int = 2) -> None:
    ng.class_of_mutants(course, ASSIGNMENT, mutants)


def _totals(course: Path, gradebook: Path | None = None) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook or course / 'gradebook.db'}") as gb:
        return {s.id: gb.find_submission(ASSIGNMENT, s.id).score for s in gb.students}


def _expect_graded(course: Path, students: int = 3, gradebook: Path | None = None) -> None:
    totals = _totals(course, gradebook)
    assert len(totals) == students, totals
    assert totals.pop("solution") == 12 and all(score < 12 for score in totals.values()), totals


def _integrity(course: Path) -> str:
    with sqlite3.connect(course / "gradebook.db") as db:
        return db.execute("pragma integrity_check").fetchone()[0]


def test_configs_that_name_another_course_do_not_reach_the_workers(tmp_path, monkeypatch):
    """The user's config (as nbgrader's hub guide recommends) points at another course; mlcourse-grade grades this
    one, each shard alone, leaves the other course untouched, and merges into the gradebook this course's own
    configuration names (its CourseDirectory.db_url, here moved to private/grades.db), as nbgrader would."""
    course, other = tmp_path / "course", tmp_path / "other"
    _class(course)
    _class(other, mutants=0)
    user = tmp_path / "jupyter-config"
    user.mkdir()
    (user / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(other)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{other / 'gradebook.db'}'\n"
    )
    gradebook = course / "private" / "grades.db"
    gradebook.parent.mkdir()
    (course / "gradebook.db").rename(gradebook)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write(f"\nc.CourseDirectory.db_url = 'sqlite:///{gradebook}'\n")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(user))
    monkeypatch.setenv("PATH", ng.nbgrader_env()["PATH"])
    later = "02_init"  # an assignment in the gradebook that nobody has submitted yet
    ng.run_nbgrader(
        course,
        "db",
        "assignment",
        "add",
        later,
        f"--CourseDirectory.root={course}",
        f"--CourseDirectory.db_url=sqlite:///{gradebook}",
    )
    assert configured_root(tmp_path) == other  # what `mlcourse-grade` without --course grades, as nbgrader would
    result = grade_class(course, ASSIGNMENT, jobs=2, progress=False)
    assert not result.failed_shards and result.notebooks == 3
    _expect_graded(course, gradebook=gradebook)
    assert not (course / "gradebook.db").exists(), "a gradebook appeared where the configuration does not put it"
    assert not (other / "autograded").exists() and _totals(other) == {}, "a worker graded the other course"
    with open(course / "grades.csv", newline="") as f:  # exported from this course's gradebook
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 and {r["student_id"] for r in rows} == {
        "solution",
        *(f"mutant-{p.stem}" for p in ng.mutant_files(ASSIGNMENT)[:2]),
    }
    assert all(r["score"] == "" for r in rows if r["assignment"] == later)
    assert all(r["score"] != "" for r in rows if r["assignment"] == ASSIGNMENT)


def _grader(course: Path, *args: str) -> subprocess.Popen[str]:
    code = "import sys; from mlcourse.grading.parallel import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, ASSIGNMENT, "--course", str(course), *args],
        env=ng.nbgrader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_two_graders_never_write_one_gradebook(tmp_path):
    """The second grader started on a course refuses at once, saying who holds it; the first completes."""
    course = tmp_path / "course"
    _class(course)
    lock = course / ".grading" / "lock"
    first = _grader(course, "--jobs", "2")
    _wait_for(lambda: lock.exists() and "pid" in lock.read_text())
    second = _grader(course, "--jobs", "2")
    out2, _ = second.communicate(timeout=120)
    out1, _ = first.communicate(timeout=600)
    assert second.returncode == 2 and "another grader is writing this course's gradebook" in out2, out2
    assert f"pid {first.pid}" in out2
    assert first.returncode == 0, out1
    _expect_graded(course)
    with course_lock(Course.configured(course)):  # released at the end
        with pytest.raises(GradingLockedError):
            with course_lock(Course.configured(course)):
                pass


def test_a_killed_grader_leaves_a_consistent_gradebook_and_a_rerun_completes_it(tmp_path):
    course = tmp_path / "course"
    _class(course, mutants=3)
    grader = _grader(course, "--jobs", "2")
    shards = course / ".grading" / ASSIGNMENT
    _wait_for(lambda: any(shards.glob("shard-*/autograded/*/*/*.ipynb")))  # grading is under way
    os.kill(grader.pid, signal.SIGKILL)
    grader.wait(timeout=30)
    # the workers die with the grader; their kernels (whose command lines name the shard's protected files) notice
    # that their parent is gone within seconds
    deadline, workers = time.monotonic() + 15, ["?"]
    while workers and time.monotonic() < deadline:
        time.sleep(0.5)
        workers = subprocess.run(["pgrep", "-f", str(shards)], capture_output=True, text=True).stdout.split()
    assert not workers, f"workers or their kernels outlived the killed grader: {workers}"
    assert _integrity(course) == "ok"
    rerun = _grader(course, "--jobs", "2")
    out, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, out
    _expect_graded(course, students=4)
    assert _integrity(course) == "ok"


def test_a_missing_gradebook_is_a_sentence_not_a_traceback(tmp_path):
    proc = _grader(tmp_path)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "there is no gradebook in" in out and "Traceback" not in out, out


def test_shards_graded_elsewhere_then_merged(tmp_path):
    """--prepare-only, --shard on each folder (as on a cluster node), --merge-only: the same grades; a shard
    that never ran is reported. An extra, broken notebook that is not part of the assignment is left out."""
    course = tmp_path / "course"
    _class(course)
    (course / "submitted" / "solution" / ASSIGNMENT / "scratch.ipynb").write_text("{ not json")
    prepare = _grader(course, "--jobs", "2", "--prepare-only")
    out, _ = prepare.communicate(timeout=120)
    assert prepare.returncode == 0 and "--shard SHARD_FOLDER" in out, out
    shards = sorted((course / ".grading" / ASSIGNMENT).glob("shard-*"))
    assert len(shards) == 2
    proc = _grader(course, "--merge-only")  # nothing graded yet
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and out.count("not graded; see") == 3, out
    for shard in shards:
        proc = _grader(course, "--shard", str(shard))
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
    proc = _grader(course, "--merge-only")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert "scratch.ipynb: not a valid notebook" in out and "left out" in out
    _expect_graded(course)
