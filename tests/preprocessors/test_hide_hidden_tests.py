"""HideHiddenTests, in process (as nbgrader tests its preprocessors): feedback without hidden test code."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output
from traitlets.config import Config

from mlcourse.grading.preprocessors import HideHiddenTests


def _graded(source: str, error: str | None = None):
    cell = new_code_cell(source, metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}})
    if error:
        cell.outputs = [new_output("error", ename="AssertionError", evalue=error, traceback=["Traceback", "x = 1"])]
    return cell


def test_hidden_code_goes_and_the_message_stays():
    visible = "assert f(1) == 2"
    cell = _graded(
        f"{visible}\n### BEGIN HIDDEN TESTS\nassert f(3) == 6, 'f(3) should be 6'\n### END HIDDEN TESTS",
        error="\x1b[31mf(3) should be 6\x1b[0m",
    )
    other = _graded("assert True")
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=[cell, other]), {})
    assert nb.cells[0].source == f"{visible}\n# (hidden tests: not shown)"
    assert nb.cells[0].outputs[0].traceback == ["AssertionError: f(3) should be 6"]  # no code, no ANSI codes
    assert nb.cells[1].source == "assert True"


def test_the_delimiters_are_nbgraders_own_setting():
    """Configuring ClearHiddenTests' delimiters (as an instructor would for nbgrader) configures this one too."""
    config = Config()
    config.ClearHiddenTests.begin_test_delimeter = "SECRET START"
    config.ClearHiddenTests.end_test_delimeter = "SECRET END"
    cell = _graded("a = 1\n# SECRET START\nassert a == 1\n# SECRET END\nb = 2")
    nb, _ = HideHiddenTests(config=config).preprocess(new_notebook(cells=[cell]), {})
    assert nb.cells[0].source == "a = 1\n# (hidden tests: not shown)\nb = 2"
    default = _graded("a = 1\n# SECRET START\nassert a == 1\n# SECRET END")
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=[default]), {})
    assert "assert a == 1" in nb.cells[0].source  # not this course's delimiters by default
