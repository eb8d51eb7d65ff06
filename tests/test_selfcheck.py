"""``mlcourse check``: a learner's self-check, end to end (passing, failing, bad input, a file left untouched)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from mlcourse import cli
from mlcourse.grading import harness as ng
from mlcourse.selfcheck import CheckError, check_notebook, find_notebook

ASSIGNMENT = "03_forward"  # four short tasks; the mechanism does not depend on the chapter


def _answered(tmp_path: Path, mutant: str | None = None) -> Path:
    """The released notebook answered with the solutions (and one mutant swapped in), in a folder of its own."""
    ((name, nb),) = ng.answered_release(ASSIGNMENT).items()
    if mutant:
        assert ng.swap_in(nb, ng.Mutant.load(ng.MUTANTS / ASSIGNMENT / f"{mutant}.py"))
    out = tmp_path / "downloads" / name  # a learner's copy, outside the course folder
    out.parent.mkdir(parents=True)
    nbformat.write(nb, out)
    return out


@pytest.mark.slow
def test_a_solved_exercise_passes_every_task(tmp_path, capsys):
    path = _answered(tmp_path)
    before = path.read_bytes()
    assert cli.main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("✓ Task") == 4 and "✗" not in out
    assert "4 of 4 tasks pass the visible tests; grading also runs hidden tests" in out
    assert path.read_bytes() == before  # nothing the learner wrote is modified


@pytest.mark.slow
def test_a_mistake_fails_its_task_only_and_every_task_is_checked(tmp_path, capsys):
    path = _answered(tmp_path, mutant="dense_bias_wrong_axis")
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✗ Task 3 — A dense layer, batch-first" in out
    assert out.count("✓ Task") == 3  # the tasks after the failing one were run and reported too
    assert "3 of 4 tasks pass" in out


@pytest.mark.slow
def test_the_untouched_release_says_what_to_do(monkeypatch, capsys):
    monkeypatch.chdir(ng.ROOT)
    assert cli.main(["check", "03"]) == 1  # an exercise number, from the course folder
    out = capsys.readouterr().out
    assert out.count("not written yet: replace the line `raise NotImplementedError(...)`") == 4
    assert "0 of 4 tasks pass" in out


@pytest.mark.slow
def test_a_kernel_that_dies_fails_its_task_and_passes_nothing_after_it(tmp_path, capsys):
    """Out of memory or killed: the learner reads which cell, and no task that did not run counts as passing."""
    path = _answered(tmp_path)
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "def softmax(" in c.source]
    cell.source = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n" + cell.source
    nbformat.write(nb, path)
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✓ Task 1" in out and "1 of 4 tasks pass" in out
    assert "the Python kernel died while running the cell that starts `import os, signal`" in out
    assert out.count("not run: the Python kernel died in an earlier cell") >= 2


@pytest.mark.slow
def test_a_cell_slower_than_grading_allows_is_stopped_and_named(tmp_path):
    """As in grading, a cell past the time limit is interrupted, its task fails, and the other tasks still run."""
    path = _answered(tmp_path)
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if ng.nbgrader_meta(c).get("grade_id") == "test_softmax"]
    cell.source = "import time\ntime.sleep(60)\n" + cell.source
    nbformat.write(nb, path)
    results = check_notebook(path, timeout=10)
    assert [r.passed for r in results] == [True, False, True, True]
    assert "stopped: this cell ran longer than the" in results[1].messages[0]


def test_bad_input_gets_a_sentence_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.ipynb").write_text("{ not json")
    chapter = tmp_path / "chapter.ipynb"
    shutil.copy(ng.ROOT / "book" / "03_forward.ipynb", chapter)
    cases = {
        "missing.ipynb": "no notebook at",
        "broken.ipynb": "broken.ipynb is not a valid notebook file",
        str(chapter): "chapter.ipynb is not an exercise: it has no graded test cells",
        "03": "no course folder (with exercises/ and nbgrader_config.py) here or above",
        "banana": "'banana' is neither an .ipynb file nor an exercise number",
    }
    for target, expected in cases.items():
        assert cli.main(["check", target]) == 2, target
        assert expected in capsys.readouterr().err, target


def test_exercise_numbers_name_one_notebook(monkeypatch):
    monkeypatch.chdir(ng.ROOT / "book")  # anywhere inside the course folder
    assert find_notebook("3") == ng.EXERCISES / ASSIGNMENT / "forward.ipynb"
    assert find_notebook("03_forward") == ng.EXERCISES / ASSIGNMENT / "forward.ipynb"
    with pytest.raises(CheckError, match=r"expected one notebook in exercises/42_\*/; found none"):
        find_notebook("42")


@pytest.mark.slow
def test_nbgrader_validate_shows_whole_lines(tmp_path):
    """nbgrader cuts lines at 90 columns by default; the course's configuration keeps the values and hint."""
    import subprocess
    import sys

    path = _answered(tmp_path, mutant="softmax_batch_axis")
    cmd = [sys.executable, "-m", "nbgrader", "validate", str(path)]
    out = subprocess.run(cmd, cwd=ng.ROOT, env=ng.nbgrader_env(), capture_output=True, text=True, timeout=600).stdout
    line = next(x for x in out.splitlines() if "AssertionError: softmax([[1, 2, 3], [0, 0, 0]]) is wrong" in x)
    assert len(line) > 90 and not line.endswith("...") and "expected" in line and "got" in line
    assert "Hint: normalize each row (axis=1), not each column" in out


# The wrong first attempts learners made (issue: exercises that teach before they grade), as mutants, and what
# `mlcourse check` must tell them, by task number. Mutants of different tasks share one run to save time.
WRONG_ATTEMPTS = {
    "03-output-relu-and-column-bias": (
        "03_forward",
        ["mlp_relu_on_output", "dense_bias_wrong_axis"],
        {
            3: ["dense_forward(X, W, b) raised ValueError", "b: shape (4,)", "Expected: Z = X @ W + b"],
            4: ["no activation after the last one"],
        },
    ),
    "03-hidden-bias-and-seed-layout": (
        "03_forward",
        ["mlp_no_hidden_bias", "dense_column_vectors"],
        {3: ["should have shape (3, 4), but has shape (4, 3)"], 4: ["(hidden biases too)"]},
    ),
    "05-mask-and-summed-loss": (
        "05_backprop",
        ["two_layer_mask_on_upstream", "autograd_sum_loss"],
        {4: ["the ReLU mask comes from the layer's input Z1"], 6: ["MEAN cross-entropy"]},
    ),
    "05-broken-dense-backward": (
        "05_backprop",
        ["dense_dW_missing_transpose"],
        {1: ["dW should have shape (2, 3)"], 4: ["uses task 1 (`dense_backward`), which fails its test: fix it first"]},
    ),
    "07-float-counts-absent-class": (
        "07_evaluation",
        ["cm_float", "macro_absent_class_counts", "prf_swapped"],
        {1: ["should hold integers"], 2: ["its precision should be 0.5, got 0.25"], 3: ["class 3 occurs in neither"]},
    ),
    "08-unweighted-epoch-no-zero-grad": (
        "08_capstone",
        ["epoch_unweighted_mean", "torch_no_zero_grad"],
        {
            3: ["add loss * len(idx) for each batch"],
            4: ["uses task 3 (`train_epoch`), which fails its test: fix it first"],
            5: ["optimizer.zero_grad() must clear"],
        },
    ),
    "08-training-accuracy-as-test": ("08_capstone", ["pipeline_accuracy_on_train"], {4: ["the TEST set"]}),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(WRONG_ATTEMPTS))
def test_each_wrong_attempt_gets_a_message_that_names_the_mistake(case, tmp_path):
    assignment, mutants, expected = WRONG_ATTEMPTS[case]
    ((name, nb),) = ng.answered_release(assignment).items()
    for mutant in mutants:
        assert ng.swap_in(nb, ng.Mutant.load(ng.MUTANTS / assignment / f"{mutant}.py")), mutant
    path = tmp_path / name
    nbformat.write(nb, path)
    results = check_notebook(path)
    failed = {number: result for number, result in enumerate(results, start=1) if not result.passed}
    assert sorted(failed) == sorted(expected), {n: r.messages for n, r in failed.items()}
    for number, phrases in expected.items():
        text = "\n".join(failed[number].messages)
        for phrase in phrases:
            assert phrase in text, f"task {number}: {phrase!r} not in\n{text}"
