"""Every exercise is proven gradeable with real nbgrader (see tests/nbgrading.py for the how).

For each assignment folder in solutions/: the solution scores full marks, the released stub scores zero,
every mutant loses points, and exercises/ is exactly what `nbgrader generate_assignment` makes now.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests import nbgrading as ng

ASSIGNMENTS = ng.assignments()
MUTANTS = [(a, path) for a in ASSIGNMENTS for path in ng.mutant_files(a)]


def _group(assignment: str) -> pytest.MarkDecorator:
    return pytest.mark.xdist_group(name=f"grade-{assignment}")  # one worker grades one assignment once


@pytest.fixture(scope="session")
def grade(tmp_path_factory):
    """``grade(assignment) -> (course_dir, scores by student)``: one generate + one autograde run each."""
    results: dict[str, tuple[Path, dict[str, ng.Score]]] = {}

    def get(assignment: str) -> tuple[Path, dict[str, ng.Score]]:
        if assignment not in results:
            results[assignment] = grade_assignment(tmp_path_factory.mktemp(assignment), assignment)
        return results[assignment]

    return get


def grade_assignment(course: Path, assignment: str) -> tuple[Path, dict[str, ng.Score]]:
    ng.make_course(course, assignment)
    released = {
        p.name: nbformat.read(p, as_version=4) for p in sorted((course / "exercises" / assignment).glob("*.ipynb"))
    }
    sources = {p.name: nbformat.read(p, as_version=4) for p in ng.source_notebooks(assignment)}
    solution = {name: ng.solution_notebook(released[name], sources[name]) for name in released}
    ng.submit(course, assignment, "solution", solution)
    ng.submit(course, assignment, "release", released)
    for path in ng.mutant_files(assignment):
        mutant = ng.Mutant.load(path)
        notebooks = {name: nbformat.from_dict(nb) for name, nb in solution.items()}
        assert any(ng.swap_in(nb, mutant) for nb in notebooks.values()), (
            f"mutant {path.name} replaces {mutant.function}(), which no answer cell of {assignment} defines"
        )
        ng.submit(course, assignment, f"mutant-{mutant.name}", notebooks)
    return course, ng.autograde(course, assignment)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", [pytest.param(a, marks=_group(a)) for a in ASSIGNMENTS])
def test_solution_scores_full_marks(grade, assignment):
    score = grade(assignment)[1]["solution"]
    assert score.max_score > 0, f"{assignment} has no graded test cells"
    assert score.score == score.max_score, f"solution of {assignment} lost points in {score.failed_cells}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", [pytest.param(a, marks=_group(a)) for a in ASSIGNMENTS])
def test_released_stub_scores_zero(grade, assignment):
    course, scores = grade(assignment)
    score = scores["release"]
    assert score.max_score == scores["solution"].max_score, "the release was not graded against every test cell"
    assert score.score == 0, f"the untouched release of {assignment} scored {score.score}/{score.max_score}"
    assert list((course / "autograded" / "release" / assignment).glob("*.ipynb")), "grading did not complete"


@pytest.mark.slow
@pytest.mark.parametrize(
    "assignment, path", [pytest.param(a, p, marks=_group(a), id=f"{a}/{p.stem}") for a, p in MUTANTS]
)
def test_mutant_loses_points(grade, assignment, path):
    mutant = ng.Mutant.load(path)
    score = grade(assignment)[1][f"mutant-{mutant.name}"]
    assert score.score < score.max_score, (
        f"mutant {path.name} ({mutant.mistake}) scored full marks: the tests of {mutant.function}() miss this mistake"
    )


@pytest.mark.slow
@pytest.mark.parametrize("assignment", [pytest.param(a, marks=_group(a)) for a in ASSIGNMENTS])
def test_exercises_are_the_generated_release(grade, assignment):
    course, _ = grade(assignment)
    fresh = course / "exercises" / assignment
    names = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    committed = ng.EXERCISES / assignment
    assert names == sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()), (
        f"exercises/{assignment} holds other files than the release: run `make release`"
    )
    for name in names:
        if name.endswith(".ipynb"):
            same = nbformat.read(fresh / name, as_version=4) == nbformat.read(committed / name, as_version=4)
        else:
            same = (fresh / name).read_bytes() == (committed / name).read_bytes()
        assert same, f"exercises/{assignment}/{name} differs from nbgrader's release of solutions/: run `make release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_hides_solutions_and_hidden_tests(assignment):
    for source_path in ng.source_notebooks(assignment):
        source = nbformat.read(source_path, as_version=4)
        text = "\n".join(c.source for c in source.cells)
        secret = ng.marked_lines(text, ng.SOLUTION_MARKERS) | ng.marked_lines(text, ng.HIDDEN_MARKERS)
        released = nbformat.read(ng.EXERCISES / assignment / source_path.name, as_version=4)
        released_lines = {line.strip() for c in released.cells for line in c.source.splitlines()}
        assert secret, f"{source_path.name} has no solution or hidden-test code"
        leaked = sorted(secret & released_lines)
        assert not leaked, f"exercises/{assignment}/{source_path.name} reveals: {leaked[:5]}"
        markers = ng.SOLUTION_MARKERS + ng.HIDDEN_MARKERS
        assert not any(m in c.source for c in released.cells for m in markers)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_three_mutants(assignment):
    graded = ng.graded_functions(assignment)
    assert len(graded) >= 1, f"{assignment}: no test cell calls expect_written_here(...) on a graded function"
    targets = [ng.Mutant.load(p).function for p in ng.mutant_files(assignment)]
    few = {f: targets.count(f) for f in graded if targets.count(f) < 3}
    assert not few, f"{assignment}: graded functions with fewer than 3 mutants: {few}"
    strays = set(targets) - set(graded)
    assert not strays, f"{assignment}: mutants replace functions that are not graded: {strays}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_has_points_and_answers_raise(assignment):
    for path in ng.source_notebooks(assignment):
        nb = nbformat.read(path, as_version=4)
        ids = [ng.nbgrader_meta(c)["grade_id"] for c in nb.cells if ng.nbgrader_meta(c)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate grade_ids"
        for cell in nb.cells:
            meta = ng.nbgrader_meta(cell)
            if meta.get("grade"):
                assert meta.get("points", 0) > 0, f"{path.name}: test cell {meta['grade_id']} has no points"
            if meta.get("solution") and cell.cell_type == "code":
                assert "### BEGIN SOLUTION" in cell.source, f"{path.name}: {meta['grade_id']} has no solution markers"
