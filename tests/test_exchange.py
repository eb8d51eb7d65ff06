"""Homework through nbgrader's exchange, as on a JupyterHub: the workflow of the instructor guide, end to end.

Release, fetch, submit, collect (and collect --update for a resubmission, which comes after the due date and
so costs the late penalty), mlcourse-grade, generate and release feedback, fetch feedback, export: real nbgrader commands, a temporary exchange folder, an instructor whose
~/.jupyter configuration names the course (as nbgrader's hub guide recommends) and three students. Students are
told apart as on a docker-stacks hub, where every account is ``jovyan`` and ``JUPYTERHUB_USER`` names the user.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from mlcourse.grading import harness as ng
from mlcourse.grading.parallel import main as grade_main

pytestmark = pytest.mark.slow
ASSIGNMENT = "01_preprocessing"
NOTEBOOK = "preprocessing.ipynb"
# nbgrader as a student runs it on a hub: the OS account is jovyan, JUPYTERHUB_USER says who it is
AS_STUDENT = (
    "import sys, nbgrader.utils as u; u.get_osusername = lambda: 'jovyan'; "
    "from nbgrader.apps.nbgraderapp import main; sys.argv = ['nbgrader', *sys.argv[1:]]; main()"
)


class Hub:
    def __init__(self, root: Path) -> None:
        self.root, self.course, self.exchange = root, root / "course", root / "exchange"
        self.exchange.mkdir()
        self.exchange.chmod(0o1777)
        self.instructor_config = self._config("instructor", f"c.CourseDirectory.root = {str(self.course)!r}\n")
        self.student_config = self._config("students", "")

    def _config(self, who: str, extra: str) -> Path:
        folder = self.root / f"{who}-jupyter"
        folder.mkdir()
        (folder / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.course_id = 'mlcourse'\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n" + extra
        )
        return folder

    def _run(self, argv: list[str], cwd: Path, env: dict[str, str]) -> str:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{argv[2:]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return proc.stdout + proc.stderr

    def instructor(self, *args: str) -> str:
        env = ng.nbgrader_env() | {"JUPYTER_CONFIG_DIR": str(self.instructor_config)}
        return self._run([sys.executable, "-m", "nbgrader", *args], self.course, env)

    def student(self, name: str, *args: str) -> str:
        home = self.root / "home" / name
        home.mkdir(parents=True, exist_ok=True)
        env = ng.nbgrader_env() | {
            "JUPYTER_CONFIG_DIR": str(self.student_config),
            "JUPYTERHUB_USER": name,
            "HOME": str(home),  # each account has its own home, and nbgrader its submission cache there
        }
        return self._run([sys.executable, "-c", AS_STUDENT, *args], home, env)

    def hand_in(self, name: str, nb: nbformat.NotebookNode) -> None:
        nbformat.write(nb, self.root / "home" / name / ASSIGNMENT / NOTEBOOK)
        self.student(name, "submit", ASSIGNMENT)


def _with_mutant(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    wrong = nbformat.from_dict(nb)
    assert ng.swap_in(wrong, ng.Mutant.load(ng.mutant_files(ASSIGNMENT)[0]))
    return wrong


def test_the_exchange_cycle_of_the_instructor_guide(tmp_path, monkeypatch):
    hub = Hub(tmp_path)
    hub.course.mkdir()
    (hub.course / "solutions").mkdir()
    shutil.copytree(ng.SOLUTIONS / ASSIGNMENT, hub.course / "solutions" / ASSIGNMENT)
    shutil.copy(ng.ROOT / "nbgrader_config.py", hub.course / "nbgrader_config.py")
    with open(hub.course / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')  # the guide's late policy
    hub.instructor("db", "assignment", "add", ASSIGNMENT, "--duedate=2099-12-07 17:00:00 Europe/Berlin")
    assert "2099-12-07 16:00:00" in hub.instructor("db", "assignment", "list")  # stored in UTC
    hub.instructor("generate_assignment", ASSIGNMENT, "--force")
    hub.instructor("release_assignment", ASSIGNMENT)

    for name in ("alice", "bob", "carol"):
        hub.student(name, "fetch_assignment", ASSIGNMENT)
    released = nbformat.read(tmp_path / "home" / "carol" / ASSIGNMENT / NOTEBOOK, as_version=4)
    solution = ng.solution_notebooks(hub.course, ASSIGNMENT)[NOTEBOOK]
    hub.hand_in("alice", solution)
    hub.hand_in("bob", _with_mutant(solution))
    hub.student("carol", "submit", ASSIGNMENT)  # the release as fetched
    hub.instructor("collect", ASSIGNMENT)
    assert sorted(p.name for p in (hub.course / "submitted").iterdir()) == ["alice", "bob", "carol"]

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    hub.instructor("db", "assignment", "add", ASSIGNMENT, f"--duedate={now}")  # the deadline passes ...
    time.sleep(1.5)
    hub.hand_in("bob", solution)  # ... and bob fixes his work and submits again: late
    hub.instructor("collect", ASSIGNMENT)  # without --update the first collected submission stays
    collected = nbformat.read(hub.course / "submitted" / "bob" / ASSIGNMENT / NOTEBOOK, as_version=4)
    assert "# --- mutant" in "".join(c.source for c in collected.cells)
    hub.instructor("collect", "--update", ASSIGNMENT)
    collected = nbformat.read(hub.course / "submitted" / "bob" / ASSIGNMENT / NOTEBOOK, as_version=4)
    assert "# --- mutant" not in "".join(c.source for c in collected.cells)

    # mlcourse-grade from the home folder, as an instructor on a hub runs it: the course comes from the config
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(hub.instructor_config))
    monkeypatch.setenv("PATH", ng.nbgrader_env()["PATH"])
    assert grade_main([ASSIGNMENT]) == 0
    monkeypatch.chdir(hub.course)
    hub.instructor("generate_feedback", ASSIGNMENT)
    hub.instructor("release_feedback", ASSIGNMENT)
    for name in ("alice", "bob", "carol"):
        hub.student(name, "fetch_feedback", ASSIGNMENT)

    with open(hub.course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert {s: float(r["raw_score"]) for s, r in rows.items()} == {"alice": 12.0, "bob": 12.0, "carol": 0.0}
    assert {s: float(r["score"]) for s, r in rows.items()} == {"alice": 12.0, "bob": 0.0, "carol": 0.0}
    assert float(rows["bob"]["late_submission_penalty"]) == 12.0  # the raw score stays in the gradebook
    bob_feedback = next((tmp_path / "home" / "bob" / ASSIGNMENT / "feedback").glob("*/*.html")).read_text()
    assert "Late submission penalty (Score: -12.0)" in bob_feedback
    source = "\n".join(c.source for c in nbformat.read(ng.SOLUTIONS / ASSIGNMENT / NOTEBOOK, as_version=4).cells)
    hidden = {line for line in ng.marked_lines(source, ng.HIDDEN_MARKERS) if len(line) > 12}
    for name in ("alice", "bob", "carol"):
        pages = list((tmp_path / "home" / name / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert len(pages) == 1, f"{name} got {pages}"
        text = html.unescape(re.sub(r"<[^>]+>", "", pages[0].read_text(encoding="utf-8")))
        assert "expect_written_here(standardize)" in text  # the visible tests are there ...
        assert not [line for line in hidden if line in text], f"{name}'s feedback shows hidden test code"
    assert released.cells and os.stat(hub.exchange).st_mode & 0o1777 == 0o1777
