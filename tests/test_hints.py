"""A NameError in a test cell names its real cause: the earlier answer cell that failed (mlcourse._hints).

Run in a real kernel, as a learner's notebook and `nbgrader validate` run: the setup cell imports
mlcourse.testing, which installs the hook.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(*cells: str) -> list[str]:
    """Each cell's error traceback as plain text ('' for a cell without error)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, allow_errors=True, kernel_name="python3", timeout=60).execute()
    return [
        "\n".join(_ANSI.sub("", "\n".join(o.traceback)) for o in c.outputs if o.output_type == "error")
        for c in nb.cells
    ]


def test_a_name_error_points_at_the_cell_that_failed_and_forgets_it_once_fixed():
    errors = _run(
        "import numpy as np\nfrom mlcourse.testing import expect_written_here",
        "def standardize(X):\n    X = np.asarray(X\n    return X",  # a syntax error: never defined
        "expect_written_here(standardize)",
        "scale = 2.0\nraise ValueError('boom')\ndef min_max_scale(X):\n    return X",  # fails before its def
        "min_max_scale",
        "undefined_elsewhere",
        "def standardize(X):\n    return np.asarray(X)",
        "expect_written_here(standardize)",
    )
    assert "SyntaxError" in errors[1]
    assert "standardize is not defined because the cell that defines it failed earlier" in errors[2]
    assert "the cell that starts `def standardize(X):`" in errors[2]
    assert "SyntaxError: '(' was never closed (line 2 of that cell)" in errors[2]
    assert "stopped with ValueError: boom" in errors[4] and "`scale = 2.0`" in errors[4]
    assert "NameError" in errors[5] and "failed earlier" not in errors[5]  # a plain typo stays plain
    assert errors[6] == "" and errors[7] == ""
