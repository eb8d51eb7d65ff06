"""Grading that holds up: broken and hostile submissions, hidden tests kept hidden, a class in parallel.

One class of the assignment in ``tests/bad_submissions.py`` — an honest student, the untouched release, and
every bad submission of the corpus — is graded once with real nbgrader through ``mlcourse-grade`` (two
workers, the course's ``nbgrader_config.py``); the tests then read the merged gradebook, the incident lines
and the generated feedback. A second class (honest and mutant students) is graded both by plain sequential
``nbgrader autograde`` and by ``mlcourse-grade --jobs 2``, and the grades must be identical.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mlcourse.grading import harness as ng
from mlcourse.grading.parallel import grade_class
from tests.bad_submissions import ASSIGNMENT, CORPUS, ONE_LINERS_07

pytestmark = pytest.mark.slow
TIMEOUT_S = 8  # per cell while grading here; the honest cells of this assignment take well under 1 s
MEMORY_MB = 1024


def _solution(course: Path, assignment: str = ASSIGNMENT) -> dict[str, nbformat.NotebookNode]:
    return ng.solution_notebooks(course, assignment)


def _scores(course: Path, assignment: str = ASSIGNMENT) -> dict[str, dict[str, float]]:
    """Student -> grade cell -> score, from the course gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            s.id: {g.name: g.score for nb in gb.find_submission(assignment, s.id).notebooks for g in nb.grades}
            for s in gb.students
        }


def _submit_bad(course: Path, assignment: str, solution: dict, corpus: list) -> None:
    """Each bad submission of ``corpus`` as a student of its own, made from the answered release."""
    for bad in corpus:
        folder = course / "submitted" / bad.name / assignment
        folder.mkdir(parents=True)
        for name, nb in solution.items():
            (folder / name).write_bytes(bad.make(nb))


def _grade_corpus(course: Path):
    """The corpus, an honest student and the blank release, graded by mlcourse-grade with 2 workers."""
    ng.make_course(course, ASSIGNMENT)
    solution = _solution(course)
    ng.submit(course, ASSIGNMENT, "honest", solution)
    blank = {p.name: nbformat.read(p, 4) for p in (course / "exercises" / ASSIGNMENT).glob("*.ipynb")}
    ng.submit(course, ASSIGNMENT, "blank", blank)
    _submit_bad(course, ASSIGNMENT, solution, CORPUS)
    mp = pytest.MonkeyPatch()
    mp.setenv("PATH", ng.nbgrader_env()["PATH"])
    settings = [f"--Execute.timeout={TIMEOUT_S}", f"--SafeExecute.memory_mb={MEMORY_MB}"]  # as an instructor would
    start = time.perf_counter()
    try:
        result = grade_class(course, ASSIGNMENT, jobs=2, progress=False, settings=settings)
    finally:
        mp.undo()
    return result, time.perf_counter() - start


def _corpus_problems(course: Path, result, seconds: float) -> list[str]:
    """Everything the issue asks of each bad submission, checked against the merged gradebook."""
    problems, scores = [], _scores(course)
    students = ["honest", "blank", *(b.name for b in CORPUS)]
    if sorted(scores) != sorted(students):
        return [f"the gradebook lists {sorted(scores)}, expected {sorted(students)}"]
    # at most a few cells of a notebook run into the per-cell limit; nothing hangs
    if seconds > len(students) * 40 + 4 * TIMEOUT_S:
        problems.append(f"grading {len(students)} notebooks took {seconds:.0f} s")
    honest = scores["honest"]
    if sum(s or 0 for s in honest.values()) != 12 or sum(s or 0 for s in scores["blank"].values()) != 0:
        problems.append(f"honest {honest} / blank {scores['blank']} were affected")
    for bad in CORPUS:
        for cell, full in honest.items():
            expected = 0 if cell in bad.zero_cells else full
            if (scores[bad.name].get(cell) or 0) != expected:
                problems.append(
                    f"{bad.name} ({bad.what}): {cell} scored {scores[bad.name].get(cell)}, expected {expected}"
                )
        lines = [line for line in result.incidents if line.startswith(f"{bad.name}/")]
        if bad.incident and not any(bad.incident in line for line in lines):
            problems.append(f"{bad.name}: no line for the instructor mentions {bad.incident!r}: {lines}")
        if (
            bad.raw is not None
            and (course / "submitted" / bad.name / ASSIGNMENT / "preprocessing.ipynb").read_bytes() != bad.raw
        ):
            problems.append(f"{bad.name}: the submitted file was modified")
    if any(line.startswith(("honest/", "blank/")) for line in result.incidents):
        problems.append(f"incidents reported for the honest or blank student: {result.incidents}")
    return problems


def _gradebook_problems(course: Path) -> list[str]:
    """Every submission has every grade cell, scores within [0, max], totals that add up; export has every row."""
    from nbgrader.api import Gradebook

    problems = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        cells = {c.name: c.max_score for c in gb.find_assignment(ASSIGNMENT).notebooks[0].grade_cells}
        for student in gb.students:
            sub = gb.find_submission(ASSIGNMENT, student.id)
            grades = {g.name: g.score or 0 for nb in sub.notebooks for g in nb.grades}
            if set(grades) != set(cells) or any(not 0 <= grades[n] <= cells[n] for n in grades):
                problems.append(f"{student.id}: grades {grades} do not fit the cells {cells}")
            if sub.score != pytest.approx(sum(grades.values())) or sub.max_score != sum(cells.values()):
                problems.append(f"{student.id}: total {sub.score}/{sub.max_score} does not add up")
    rows = (course / "grades.csv").read_text().strip().splitlines()
    if len(rows) != 1 + len(CORPUS) + 2:
        problems.append(f"grades.csv has {len(rows) - 1} rows")
    return problems


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _feedback_problems(course: Path) -> list[str]:
    """The feedback shows visible tests (so this check can fail) and no line of any hidden test."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_feedback", ASSIGNMENT, "--force"],
        cwd=course,
        env=ng.nbgrader_env(),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return [f"generate_feedback failed: {proc.stderr[-2000:]}"]
    source = "\n".join(c.source for p in ng.source_notebooks(ASSIGNMENT) for c in nbformat.read(p, 4).cells)
    hidden = {line for line in ng.marked_lines(source, ng.HIDDEN_MARKERS) if len(line) > 12}
    visible = next(
        line.strip() for line in _cell_source(ASSIGNMENT, "test_min_max_scale").splitlines() if len(line) > 12
    )
    pages = {p: _text(p.read_text(encoding="utf-8")) for p in (course / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    problems = [] if len(pages) == len(CORPUS) + 2 else [f"{len(pages)} feedback pages for {len(CORPUS) + 2} students"]
    for path, text in pages.items():
        if visible not in text:
            problems.append(f"{path.relative_to(course)} does not show the visible test line {visible!r}")
        leaked = sorted(line for line in hidden if line in text)
        if leaked:
            problems.append(f"{path.relative_to(course)} shows hidden test code: {leaked[:3]}")
    return problems


def test_hostile_class_is_graded_safely(tmp_path):
    """Each bad submission costs exactly the tasks it breaks or targets, the instructor gets a line for it,
    nobody else is affected, the gradebook stays consistent, and feedback shows no hidden test code.
    One test, so that the class is graded once (two workers of its own)."""
    result, seconds = _grade_corpus(tmp_path)
    problems = _corpus_problems(tmp_path, result, seconds) + _gradebook_problems(tmp_path)
    problems += _feedback_problems(tmp_path) + _learner_line_numbers(tmp_path) + _syntax_error_explained(tmp_path)
    assert not problems, "\n".join(problems)


def _learner_line_numbers(course: Path) -> list[str]:
    """Test cells keep the learner's line numbers and outputs: nothing of the grader is added to them."""
    nb = nbformat.read(course / "autograded" / "blank" / ASSIGNMENT / "preprocessing.ipynb", 4)
    cell = next(c for c in nb.cells if ng.nbgrader_meta(c).get("grade_id") == "test_standardize")
    trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(line for o in cell.outputs for line in o.get("traceback", [])))
    line = 1 + next(
        i for i, text in enumerate(cell.source.splitlines()) if text.startswith("out = expect_runs(standardize,")
    )
    problems = [] if re.search(rf"Cell In\[\d+\], line {line}\b", trace) else [f"no line {line} in {trace!r}"]
    graded = [c for c in nb.cells if ng.nbgrader_meta(c).get("grade")]
    if any(o.output_type == "stream" and not o.text.strip() for c in graded for o in c.outputs):
        problems.append("an empty output in a test cell")
    return problems


def _syntax_error_explained(course: Path) -> list[str]:
    """A test failing with NameError after a syntax error says which cell failed (warm grading kernels too)."""
    nb = nbformat.read(course / "autograded" / "syntax_error" / ASSIGNMENT / "preprocessing.ipynb", 4)
    cell = next(c for c in nb.cells if ng.nbgrader_meta(c).get("grade_id") == "test_standardize")
    trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(line for o in cell.outputs for line in o.get("traceback", [])))
    expected = "standardize is not defined because the cell that defines it failed earlier"
    return [] if expected in trace and "SyntaxError" in trace else [f"no hint after the syntax error: {trace!r}"]


def test_one_liners_of_chapter_7_score_zero(tmp_path):
    """scikit-learn's confusion_matrix and the course's own metrics cost exactly their task, with a line for the
    instructor that names the call."""
    assignment = ONE_LINERS_07[0].assignment
    ng.make_course(tmp_path, assignment)
    solution = _solution(tmp_path, assignment)
    ng.submit(tmp_path, assignment, "honest", solution)
    _submit_bad(tmp_path, assignment, solution, ONE_LINERS_07)
    result = grade_class(tmp_path, assignment, jobs=1, progress=False)
    scores = _scores(tmp_path, assignment)
    honest = scores["honest"]
    assert sum(honest.values()) == 15, honest
    for bad in ONE_LINERS_07:
        expected = {cell: 0 if cell in bad.zero_cells else full for cell, full in honest.items()}
        assert scores[bad.name] == expected, bad.name
        lines = [line for line in result.incidents if line.startswith(f"{bad.name}/")]
        assert any("called what the task forbids" in line for line in lines), lines


def _cell_source(assignment: str, grade_id: str) -> str:
    for path in ng.source_notebooks(assignment):
        for cell in nbformat.read(path, 4).cells:
            if ng.nbgrader_meta(cell).get("grade_id") == grade_id:
                return cell.source
    raise KeyError(grade_id)


def _autograde_cold(course: Path, assignment: str) -> None:
    """Plain `nbgrader autograde`, every kernel started as nbgrader starts it (no warm zygote)."""
    ng.run_nbgrader(course, "autograde", assignment, "--force", "--SafeExecute.warm_kernels=False")


def test_parallel_grades_equal_sequential_nbgrader(tmp_path):
    """The same class graded by plain `nbgrader autograde` with cold kernels (started as nbgrader starts them)
    and by mlcourse-grade --jobs 2 with warm ones (forked from a zygote): identical grades."""
    sequential, parallel = tmp_path / "sequential", tmp_path / "parallel"
    ng.class_of_mutants(sequential, ASSIGNMENT, mutants=5)
    shutil.copytree(sequential, parallel)
    _autograde_cold(sequential, ASSIGNMENT)
    result = grade_class(parallel, ASSIGNMENT, jobs=2, progress=False)
    assert result.jobs == 2 and len(result.students) == 6
    assert set(result.stages) == {"prepare", "grade", "merge"}
    assert sum(result.stages.values()) == pytest.approx(result.seconds) and min(result.stages.values()) >= 0
    seq, par = _scores(sequential), _scores(parallel)
    assert seq == par
    assert 0 < sum(map(sum, (s.values() for s in seq.values()))) < 12 * 6, "the class mixes full and partial marks"
    assert len(list((parallel / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb"))) == 6


def test_warm_kernels_grade_pytorch_work_like_cold_ones(tmp_path):
    """Warm kernels have PyTorch imported before the notebook runs; grades of a PyTorch chapter are the same."""
    assignment = "06_optim"
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    ng.class_of_mutants(cold, assignment, mutants=3)
    shutil.copytree(cold, warm)
    _autograde_cold(cold, assignment)
    log = ng.run_nbgrader(warm, "autograde", assignment, "--force")
    assert "start cold" not in log.stdout + log.stderr
    cold_scores, warm_scores = _scores(cold, assignment), _scores(warm, assignment)
    assert cold_scores == warm_scores
    totals = [sum(s.values()) for s in cold_scores.values()]
    assert max(totals) > min(totals), "the class mixes full and partial marks"
