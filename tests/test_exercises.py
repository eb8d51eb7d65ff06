"""Every exercise is proven gradeable with real nbgrader (see mlcourse/grading/harness.py for the how).

For each assignment folder in solutions/: the solution scores full marks, the released stub scores zero,
every mutant loses points, and exercises/ is exactly what `nbgrader generate_assignment` makes now.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from mlcourse.grading import harness as ng

ASSIGNMENTS = ng.assignments()


def grade_assignment(course: Path, assignment: str) -> tuple[Path, dict[str, ng.Score]]:
    """One generate + one autograde run: the solution, the release and every mutant as separate students."""
    ng.make_course(course, assignment)
    released = ng.released_notebooks(course, assignment)
    solution = ng.solution_notebooks(course, assignment)
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


def release_differences(course: Path, assignment: str) -> list[str]:
    """How the committed exercises/<assignment> differs from the release nbgrader just generated."""
    fresh, committed = course / "exercises" / assignment, ng.EXERCISES / assignment
    names = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    if names != sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()):
        return [f"exercises/{assignment} holds other files than the release: run `make release`"]
    differ = []
    for name in names:
        if name.endswith(".ipynb"):
            same = nbformat.read(fresh / name, as_version=4) == nbformat.read(committed / name, as_version=4)
        else:
            same = (fresh / name).read_bytes() == (committed / name).read_bytes()
        if not same:
            differ.append(
                f"exercises/{assignment}/{name} differs from nbgrader's release of solutions/: run `make release`"
            )
    return differ


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_is_gradeable(assignment, tmp_path):
    """Solution full marks, untouched release zero (and graded to the end), every mutant loses points,
    and exercises/ is exactly nbgrader's release. One test per assignment, so parallel workers never grade
    the same assignment twice; every problem found is listed."""
    course, scores = grade_assignment(tmp_path, assignment)
    problems = release_differences(course, assignment)
    solution, release = scores["solution"], scores["release"]
    if solution.max_score <= 0:
        problems.append(f"{assignment} has no graded test cells")
    if solution.score != solution.max_score:
        problems.append(f"the solution lost points in {solution.failed_cells}")
    if release.max_score != solution.max_score or not list(
        (course / "autograded" / "release" / assignment).glob("*.ipynb")
    ):
        problems.append("the untouched release was not graded to the end")
    if release.score != 0:
        problems.append(f"the untouched release scored {release.score}/{release.max_score}")
    for path in ng.mutant_files(assignment):
        mutant = ng.Mutant.load(path)
        score = scores[f"mutant-{mutant.name}"]
        if score.score >= score.max_score:
            problems.append(
                f"mutant {path.name} ({mutant.mistake}) scored full marks: the tests of {mutant.function}() miss it"
            )
    assert not problems, f"{assignment}:\n" + "\n".join(problems)


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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_messages_put_the_hint_on_its_own_line(assignment):
    """Test cells speak through mlcourse.testing, which puts every hint on a line of its own.

    A bare ``assert`` or a "Hint:" typed into a message puts the hint wherever the line happens to wrap.
    """
    for path in ng.source_notebooks(assignment):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = ng.nbgrader_meta(cell)
            if not meta.get("grade"):
                continue
            code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("#"))
            assert "Hint:" not in code, f"{path.name}: {meta['grade_id']} types 'Hint:' (use hint=...)"
            bare = [line.strip() for line in code.splitlines() if line.lstrip().startswith("assert ")]
            assert not bare, f"{path.name}: {meta['grade_id']} uses a bare assert (use expect_true): {bare[0]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_tests_call_the_graded_function_through_expect_runs(assignment):
    """An error inside the learner's code (a transposed W, ``b[:, None]``) reaches them as shapes and advice.

    ``expect_runs`` lists each argument's shape, what was expected and the hint, instead of a raw NumPy
    traceback; every visible test makes its first call to the graded function through it.
    """
    for path in ng.source_notebooks(assignment):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = ng.nbgrader_meta(cell)
            if not meta.get("grade") or ng.HIDDEN_MARKERS[0] in cell.source:
                continue
            for name in ng.graded_names(cell.source):
                assert f"expect_runs({name}," in cell.source, (
                    f"{path.name}: the visible test {meta['grade_id']} calls {name} without expect_runs({name}, ...)"
                )
