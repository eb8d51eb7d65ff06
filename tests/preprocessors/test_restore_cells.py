"""RestoreCells, in process with a real gradebook (as nbgrader's tests/preprocessors do): flags come back."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveCells
from nbgrader.utils import compute_checksum

from mlcourse.grading.preprocessors import RestoreCells


@pytest.fixture
def resources(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # nbgrader: alembic
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db) as gb:
        gb.add_assignment("ps0")
    return {"nbgrader": {"db_url": db, "assignment": "ps0", "notebook": "test"}}


def _test_cell(source: str = "assert f(1) == 2"):
    meta = {"grade": True, "solution": False, "locked": True, "grade_id": "test_f", "points": 2}
    cell = new_code_cell(source, metadata={"nbgrader": meta})
    cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return cell


def test_a_test_cell_whose_grade_flag_was_switched_off_is_graded_again(resources):
    SaveCells().preprocess(new_notebook(cells=[_test_cell()]), resources)  # what generate_assignment records
    tampered = _test_cell("pass")
    tampered.metadata.nbgrader.update(grade=False, solution=True, points=0)
    nb, _ = RestoreCells().preprocess(new_notebook(cells=[tampered]), resources)
    meta = nb.cells[0].metadata.nbgrader
    assert (meta["grade"], meta["solution"], meta["points"]) == (True, False, 2.0)
    assert nb.cells[0].source == "assert f(1) == 2"  # nbgrader's OverwriteCells then restores the source


def test_a_deleted_test_cell_comes_back_with_nbgraders_notification(resources):
    SaveCells().preprocess(new_notebook(cells=[_test_cell()]), resources)
    restore = RestoreCells(add_missing_cells=True, missing_cell_notification="GONE {cell_id}\n")
    nb, _ = restore.preprocess(new_notebook(cells=[]), resources)
    assert [c.source for c in nb.cells] == ["# GONE test_f\nassert f(1) == 2"]  # a comment, in a code cell
