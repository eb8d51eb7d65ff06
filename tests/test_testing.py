"""mlcourse.testing: the learner-facing assertions pass on right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from mlcourse.preprocessing import standardize
from mlcourse.testing import expect_close, expect_raises, expect_shape, expect_written_here


def test_expect_close_passes_and_names_the_first_wrong_entry():
    expect_close(np.array([[1.0, 2.0]]), [[1.0, 2.0 + 1e-12]], what="f(x)")
    with pytest.raises(AssertionError) as info:
        expect_close(np.array([[1.0, 2.5], [3.0, 4.0]]), [[1.0, 2.0], [3.0, 5.0]], what="f(x)", hint="use axis=0")
    message = str(info.value)
    assert "f(x) is wrong at index (0, 1): expected 2, got 2.5 (2 of 4 entries differ)" in message
    assert message.endswith("Hint: use axis=0")


def test_expect_close_rejects_wrong_shape_none_and_nan():
    with pytest.raises(AssertionError, match=r"should have shape \(3,\), but has shape \(1, 3\)"):
        expect_close(np.zeros((1, 3)), np.zeros(3), what="f(x)")
    with pytest.raises(AssertionError, match="returned None: did you forget `return`"):
        expect_close(None, np.zeros(3), what="f(x)")
    with pytest.raises(AssertionError, match="expected 0, got nan"):
        expect_close(np.array([np.nan]), [0.0], what="f(x)")
    with pytest.raises(AssertionError, match="should hold numbers"):
        expect_close(np.array(["a"]), [0.0], what="f(x)")


def test_expect_shape_returns_the_array():
    np.testing.assert_array_equal(expect_shape([[1, 2]], (1, 2), "x"), [[1, 2]])


def test_expect_written_here_rejects_imports_from_the_package():
    with pytest.raises(AssertionError, match=r"comes from the module 'mlcourse\.preprocessing'"):
        expect_written_here(standardize)
    with pytest.raises(AssertionError, match="expected a function"):
        expect_written_here(3)

    def mine(X):
        return X

    mine.__module__ = "__main__"  # what a function defined in a notebook cell has
    expect_written_here(mine)


def test_expect_raises():
    expect_raises(lambda: int("x"), ValueError, "int('x')")
    with pytest.raises(AssertionError, match="should raise ValueError, but returned normally"):
        expect_raises(lambda: 1, ValueError, "f()")
    with pytest.raises(AssertionError, match="should raise ValueError, but raised KeyError"):
        expect_raises(lambda: {}["k"], ValueError, "f()")


def _notebook_functions(code: str) -> dict:
    """Functions defined as a notebook cell defines them (module ``__main__``)."""
    namespace = {"__name__": "__main__"}
    exec(compile(code, "<ipython-input-1-0>", "exec"), namespace)
    return namespace


def test_expect_written_here_catches_wrappers_of_the_reference():
    ns = _notebook_functions(
        "import numpy as np\n"
        "import mlcourse\n"
        "import mlcourse.preprocessing as reference\n"
        "from mlcourse.preprocessing import standardize as ref, train_test_split\n"
        "def min_max_scale(X, feature_range=(0.0, 1.0)):\n    return reference.min_max_scale(X, feature_range)\n"
        "def standardize(X):\n    return ref(X)\n"
        "def one_hot(y, num_classes=None):\n    return mlcourse.preprocessing.one_hot(y, num_classes)\n"
        "def split_and_scale(X, y):\n    return train_test_split(X, y)\n"
        "def helper(X):\n    return np.asarray(X) * 2\n"
    )
    for name, via in [("min_max_scale", "reference"), ("standardize", "ref"), ("one_hot", "mlcourse")]:
        with pytest.raises(AssertionError, match=rf"calls the course's own {name} .*{via}"):
            expect_written_here(ns[name])
    expect_written_here(ns["split_and_scale"])  # using another course function (taught earlier) is allowed
    expect_written_here(ns["helper"])
    with pytest.raises(AssertionError, match=r"comes from the module 'mlcourse\.preprocessing'"):
        expect_written_here(standardize)
