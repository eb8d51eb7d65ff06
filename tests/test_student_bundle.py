"""The students' copy (`make student-bundle DEST=...`) holds the exercises, the book and the package, and no
answer: no solutions/, no mutants, no line that only a solution cell or a hidden test holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlcourse.grading import harness as ng
from scripts import student_bundle as sb

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The bundle, with a stand-in for the built book (the book tests may be rebuilding the real one)."""
    dest = tmp_path_factory.mktemp("students") / "course"
    html = tmp_path_factory.mktemp("html")
    (html / "index.html").write_text("<html><body>Deep Learning from Scratch</body></html>")
    (html / ".doctrees").mkdir()
    args = [sys.executable, str(ROOT / "scripts" / "student_bundle.py"), str(dest), "--book-html", str(html)]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest


def test_the_bundle_has_what_students_need(bundle):
    for assignment in ng.assignments():
        assert list((bundle / "exercises" / assignment).glob("*.ipynb")), assignment
    assert (bundle / "mlcourse" / "testing.py").exists() and (bundle / "requirements-lock.txt").exists()
    assert "nbgrader validate" in (bundle / "README.md").read_text()
    assert (bundle / "book" / "index.html").exists() and not (bundle / "book" / ".doctrees").exists()


def test_the_bundle_gives_no_answer_away(bundle):
    assert not any((bundle / name).exists() for name in ("solutions", "tests", ".git"))
    assert not list(bundle.rglob("*mutant*"))
    assert sb.check_bundle(bundle) == []


def test_the_check_finds_a_planted_answer(bundle, tmp_path):
    """The check can fail: a hidden test line or a solution line put into a copy is found."""
    solution, hidden = sb.secret_lines()
    assert len(hidden) > 50 and len(solution) > 50
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "notes.txt").write_text("my notes\n" + sorted(hidden)[0] + "\n")
    (planted / "answer.py").write_text(sorted(solution)[0] + "\n")
    (planted / "solutions").mkdir()
    problems = sb.check_bundle(planted)
    assert any("solutions/ is in the bundle" in p for p in problems)
    assert any(p.startswith("notes.txt holds") for p in problems) and any(p.startswith("answer.py") for p in problems)


def test_an_existing_folder_is_refused(tmp_path):
    (tmp_path / "x").write_text("")
    with pytest.raises(FileExistsError, match="not empty"):
        sb.build(tmp_path, book=False)
