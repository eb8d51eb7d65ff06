"""A corpus of broken and hostile submissions, generated from the released notebook of one assignment.

Each :class:`BadSubmission` turns the correct submission (every answer filled in) into one bad one with a
small script — no hand-edited JSON — and says which graded cells must then score zero (every other cell
keeps its points) and what the instructor must be told. ``tests/test_hostile_grading.py`` grades them all
with real nbgrader, in one class with an honest student.

The assignment is ``01_preprocessing`` (NumPy only, quick to grade); its tasks are ``standardize``,
``min_max_scale``, ``one_hot`` and ``split_and_scale``, each with a visible and a hidden test cell.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import nbformat
from nbgrader.exchange.default.exchange import Exchange

ASSIGNMENT = "01_preprocessing"
TESTS = {  # task -> its graded test cells
    "standardize": ("test_standardize", "test_standardize_hidden"),
    "min_max_scale": ("test_min_max_scale", "test_min_max_scale_hidden"),
    "one_hot": ("test_one_hot", "test_one_hot_hidden"),
    "split_and_scale": ("test_split_and_scale", "test_split_and_scale_hidden"),
}
WRONG_MIN_MAX = """
def min_max_scale(X, feature_range=(0.0, 1.0)):
    X = np.asarray(X, dtype=float)
    return (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))  # ignores feature_range
"""

# where nbgrader keeps classmates' submissions unless configured otherwise: grading protects it
_DEFAULT_EXCHANGE = Exchange.class_traits()["root"].default_value


def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {grade_id!r}")


def _append(grade_id: str, code: str) -> Callable[[nbformat.NotebookNode], None]:
    def edit(nb: nbformat.NotebookNode) -> None:
        _cell(nb, grade_id).source += "\n\n" + code.strip("\n") + "\n"

    return edit


def _prepend(grade_id: str, code: str) -> Callable[[nbformat.NotebookNode], None]:
    def edit(nb: nbformat.NotebookNode) -> None:
        _cell(nb, grade_id).source = code.strip("\n") + "\n\n" + _cell(nb, grade_id).source

    return edit


def _replace(grade_id: str, code: str) -> Callable[[nbformat.NotebookNode], None]:
    def edit(nb: nbformat.NotebookNode) -> None:
        _cell(nb, grade_id).source = code.strip("\n") + "\n"

    return edit


def _delete_cell(grade_id: str) -> Callable[[nbformat.NotebookNode], None]:
    def edit(nb: nbformat.NotebookNode) -> None:
        nb.cells.remove(_cell(nb, grade_id))

    return edit


def _edit_metadata(nb: nbformat.NotebookNode) -> None:
    """Inflate one test's points, un-grade another, and turn a third into an answer cell."""
    _cell(nb, "test_standardize").metadata.nbgrader["points"] = 100
    _cell(nb, "test_min_max_scale").metadata.nbgrader.update(grade=False, points=0)
    _cell(nb, "test_min_max_scale_hidden").metadata.nbgrader.update(solution=True, locked=False)
    _cell(nb, "test_min_max_scale_hidden").source = "pass\n"


def _chain(*edits: Callable[[nbformat.NotebookNode], None]) -> Callable[[nbformat.NotebookNode], None]:
    def edit(nb: nbformat.NotebookNode) -> None:
        for e in edits:
            e(nb)

    return edit


@dataclass(frozen=True)
class BadSubmission:
    """One bad submission: how to make it, which tasks must score zero, what the instructor must read."""

    name: str
    what: str
    zero_tasks: tuple[str, ...]  # every graded cell of these tasks scores 0; all other cells keep their points
    incident: str  # a phrase the instructor's report must contain ("" for none expected)
    edit: Callable[[nbformat.NotebookNode], None] | None = None
    raw: bytes | None = None  # the submitted file's bytes instead of a notebook (not valid JSON, empty)
    assignment: str = ASSIGNMENT

    @property
    def zero_cells(self) -> set[str]:
        tests = (
            TESTS if self.assignment == ASSIGNMENT else {t: (f"test_{t}", f"test_{t}_hidden") for t in self.zero_tasks}
        )
        return {cell for task in self.zero_tasks for cell in tests[task]}

    def make(self, solution: nbformat.NotebookNode) -> bytes:
        if self.raw is not None:
            return self.raw
        nb = copy.deepcopy(solution)
        assert self.edit is not None
        self.edit(nb)
        return nbformat.writes(nb).encode()


CORPUS = [
    BadSubmission(
        "syntax_error",
        "the standardize answer cell does not parse (an unclosed parenthesis)",
        ("standardize",),
        "",
        _replace("standardize", "def standardize(X):\n    return (X - X.mean(axis=0) / X.std(axis=0)"),
    ),
    BadSubmission(
        "calls_standard_scaler",
        "standardize is one line: scikit-learn's StandardScaler().fit_transform",
        ("standardize",),
        "called what the task forbids",
        _replace(
            "standardize",
            "from sklearn.preprocessing import StandardScaler\n\n\n"
            "def standardize(X):\n    return StandardScaler().fit_transform(X)",
        ),
    ),
    BadSubmission(
        "calls_min_max_scaler",
        "min_max_scale is one line: scikit-learn's MinMaxScaler",
        ("min_max_scale",),
        "called what the task forbids",
        _replace(
            "min_max_scale",
            "from sklearn.preprocessing import MinMaxScaler as Scaler\n\n\n"
            "def min_max_scale(X, feature_range=(0.0, 1.0)):\n"
            "    return Scaler(feature_range=feature_range).fit_transform(np.asarray(X, dtype=float))",
        ),
    ),
    BadSubmission(
        "reference_by_getattr",
        "one_hot reaches the course's reference through getattr(P, 'one_' + 'hot')",
        ("one_hot",),
        "called what the task forbids",
        _replace(
            "one_hot",
            "import mlcourse.preprocessing as P\n\n\n"
            "def one_hot(y, num_classes=None):\n    return getattr(P, 'one_' + 'hot')(y, num_classes)",
        ),
    ),
    BadSubmission(
        "infinite_loop",
        "min_max_scale never returns",
        ("min_max_scale",),
        "time limit",
        _replace("min_max_scale", "def min_max_scale(X, feature_range=(0.0, 1.0)):\n    while True:\n        pass"),
    ),
    BadSubmission(
        "infinite_loop_in_answer_cell",
        "the min_max_scale answer cell loops forever before it defines the function",
        ("min_max_scale",),
        "time limit",
        _prepend("min_max_scale", "while True:\n    pass"),
    ),
    BadSubmission(
        "memory_bomb",
        "standardize keeps allocating until memory runs out",
        ("standardize",),
        "memory limit",
        _replace(
            "standardize",
            "def standardize(X):\n    hog = []\n    while True:\n        hog.append(np.ones(10**7))",
        ),
    ),
    BadSubmission(
        "os_exit",
        "the one_hot answer cell kills the kernel with os._exit(1)",
        ("one_hot",),
        "killed the kernel",
        _append("one_hot", "import os\nos._exit(1)"),
    ),
    BadSubmission(
        "sigkill_in_test",
        "one_hot kills its own process with SIGKILL whenever it is called",
        ("one_hot",),
        "killed the kernel",
        _replace(
            "one_hot",
            "def one_hot(y, num_classes=None):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)",
        ),
    ),
    BadSubmission(
        "sys_exit",
        "split_and_scale calls sys.exit()",
        ("split_and_scale",),
        "sys.exit",
        _replace(
            "split_and_scale", "def split_and_scale(X, y, test_size=0.2, seed=0):\n    import sys\n    sys.exit()"
        ),
    ),
    BadSubmission(
        "huge_output",
        "the standardize answer cell prints 100 MB (its answer is right)",
        (),
        "output was cut",
        _append("standardize", "for _ in range(100):\n    print('x' * 1_000_000)"),
    ),
    BadSubmission(
        "deleted_test_cell",
        "a wrong min_max_scale, and its hidden test cell deleted",
        ("min_max_scale",),
        "deleted this test cell",
        _chain(_replace("min_max_scale", WRONG_MIN_MAX), _delete_cell("test_min_max_scale_hidden")),
    ),
    BadSubmission(
        "edited_test_cell",
        "a wrong min_max_scale, and the asserts of its test cells removed",
        ("min_max_scale",),
        "",
        _chain(
            _replace("min_max_scale", WRONG_MIN_MAX),
            _replace("test_min_max_scale", "print('Visible tests passed.')"),
            _replace("test_min_max_scale_hidden", "pass"),
        ),
    ),
    BadSubmission(
        "edited_metadata",
        "a wrong min_max_scale whose test cells were un-graded or turned into answers; 100 points claimed elsewhere",
        ("min_max_scale",),
        "",
        _chain(_replace("min_max_scale", WRONG_MIN_MAX), _edit_metadata),
    ),
    BadSubmission(
        "invalid_json",
        "a notebook cut off in the middle of its JSON",
        tuple(TESTS),
        "not a valid notebook",
        raw=b'{"cells": [{"cell_type": "code", "source": "import numpy as np',
    ),
    BadSubmission("empty_file", "an empty file", tuple(TESTS), "not a valid notebook", raw=b""),
    BadSubmission(
        "imports_reference",
        "standardize imported from mlcourse; min_max_scale a thin wrapper around the course's",
        ("standardize", "min_max_scale"),
        "",
        _chain(
            _replace("standardize", "from mlcourse.preprocessing import standardize"),
            _replace(
                "min_max_scale",
                "import mlcourse.preprocessing as reference\n\n\n"
                "def min_max_scale(X, feature_range=(0.0, 1.0)):\n"
                "    return reference.min_max_scale(X, feature_range)",
            ),
        ),
    ),
    BadSubmission(
        "patches_numpy",
        "a wrong one_hot, and numpy.isclose / allclose patched to always agree",
        ("one_hot", "split_and_scale"),  # every test after the tampering: nothing later can be trusted
        "tampering",
        _append(
            "one_hot",
            "def one_hot(y, num_classes=None):\n    return np.zeros((len(y), 1))\n\n\n"
            "np.isclose = lambda a, b, **kw: np.ones(np.broadcast_shapes(np.shape(a), np.shape(b)), dtype=bool)\n"
            "np.allclose = lambda *args, **kw: True",
        ),
    ),
    BadSubmission(
        "patches_helpers",
        "a wrong one_hot, and the test helpers replaced by no-ops (in the notebook and in mlcourse.testing)",
        ("one_hot", "split_and_scale"),
        "tampering",
        _append(
            "one_hot",
            "def one_hot(y, num_classes=None):\n    return None\n\n\n"
            "import mlcourse.testing\n"
            "def expect_close(*args, **kwargs):\n    pass\n\n\n"
            "expect_shape = expect_written_here = expect_close\n"
            "mlcourse.testing.expect_close = expect_close",
        ),
    ),
    BadSubmission(
        "rewrites_test_cells",
        "an IPython input transformer that empties every later cell, tests included",
        ("one_hot", "split_and_scale"),
        "tampering",
        _append(
            "one_hot",
            "def one_hot(y, num_classes=None):\n    return None\n\n\n"
            "get_ipython().input_transformers_post.append(lambda lines: [])",
        ),
    ),
    BadSubmission(
        "reads_exchange",
        "the min_max_scale answer cell lists nbgrader's exchange (classmates' submissions) before defining it",
        ("min_max_scale",),
        "refused",
        _prepend("min_max_scale", f"import os\nprint(os.listdir({_DEFAULT_EXCHANGE!r}))"),
    ),
    BadSubmission(
        "reads_solutions",
        "min_max_scale copied at run time from the instructor's solutions/ (and the gradebook, and a shell)",
        ("min_max_scale",),
        "refused",
        _replace(
            "min_max_scale",
            "import json, pathlib, sqlite3, subprocess\n"
            "root = pathlib.Path.cwd().parents[2]\n"
            "try:\n    sqlite3.connect(root / 'gradebook.db').execute('select 1')\nexcept Exception as exc:\n"
            "    print('gradebook:', type(exc).__name__, file=__import__('sys').stdout)\n"
            "try:\n    subprocess.run(['ls', str(root / 'solutions')])\nexcept Exception as exc:\n"
            "    print('shell:', type(exc).__name__)\n"
            "source = json.loads((root / 'solutions' / '01_preprocessing' / 'preprocessing.ipynb').read_text())\n"
            "exec(''.join(next(c['source'] for c in source['cells'] if 'def min_max_scale' in ''.join(c['source']))))",
        ),
    ),
]


# The one-liners of chapter 7 (its tasks' test cells are test_<task> and test_<task>_hidden).
ONE_LINERS_07 = [
    BadSubmission(
        "sklearn_confusion_matrix",
        "confusion_matrix is scikit-learn's",
        ("confusion_matrix",),
        "called what the task forbids",
        _replace(
            "confusion_matrix",
            "from sklearn import metrics\n\n\n"
            "def confusion_matrix(y_true, y_pred, num_classes):\n"
            "    return metrics.confusion_matrix(y_true, y_pred, labels=list(range(num_classes)))",
        ),
        assignment="07_evaluation",
    ),
    BadSubmission(
        "reference_precision_recall_f1",
        "precision_recall_f1 returns the course's mlcourse.metrics precision, recall and f1_score",
        ("precision_recall_f1",),
        "called what the task forbids",
        _replace(
            "precision_recall_f1",
            "from mlcourse import metrics as m\n\n\n"
            "def precision_recall_f1(y_true, y_pred):\n"
            "    return m.precision(y_true, y_pred), m.recall(y_true, y_pred), m.f1_score(y_true, y_pred)",
        ),
        assignment="07_evaluation",
    ),
]
