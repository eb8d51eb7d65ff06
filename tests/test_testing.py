"""mlcourse.testing: the learner-facing assertions pass on right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from mlcourse.preprocessing import standardize
from mlcourse.testing import (
    expect_close,
    expect_earlier_task,
    expect_raises,
    expect_runs,
    expect_shape,
    expect_true,
    expect_written_here,
)


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


def test_expect_close_names_the_quantities_of_a_tuple_result():
    with pytest.raises(AssertionError) as info:
        expect_close((0.5, 0.5, 1 / 3), [0.5, 0.25, 1 / 3], "prf(y, p)", names=("precision", "recall", "F1"), hint="h")
    assert str(info.value) == "prf(y, p) is wrong: its recall should be 0.25, got 0.5\nHint: h"
    with pytest.raises(AssertionError, match=r"should return 3 values \(precision, recall, F1\), but returned 2"):
        expect_close((0.5, 0.5), [0.5, 0.25, 1 / 3], "prf(y, p)", names=("precision", "recall", "F1"))
    with pytest.raises(AssertionError, match=r"its epoch 1 loss should be 1, got 0; .* 3 loss .*got 0 \(and 2 more\)$"):
        expect_close(np.zeros(5), np.ones(5), "losses", names=[f"epoch {e} loss" for e in range(1, 6)])
    with pytest.raises(ValueError, match="names: expected one name per entry"):
        expect_close((0.5, 0.5), [0.5, 0.25], "prf(y, p)", names=("precision",))


def test_expect_close_integer_requires_an_integer_dtype():
    expect_close(np.array([[1, 0]]), [[1, 0]], "C", integer=True)
    with pytest.raises(AssertionError, match=r"C should hold integers .* has dtype float64"):
        expect_close(np.array([[1.0, 0.0]]), [[1, 0]], "C", integer=True)


def test_expect_true_puts_the_hint_on_its_own_line():
    expect_true(True, "never shown")
    with pytest.raises(AssertionError) as info:
        expect_true(False, "the loss did not fall", hint="descend: subtract the gradient")
    assert str(info.value) == "the loss did not fall\nHint: descend: subtract the gradient"


def test_expect_runs_turns_a_numpy_error_into_shapes_and_advice():
    def dense_forward(X, W, b):
        return X @ W + b[:, None]  # chapter 3's pitfall: b as a column

    X, W, b = np.ones((3, 2)), np.ones((2, 4)), np.zeros(4)
    with pytest.raises(AssertionError) as info:
        expect_runs(dense_forward, X, W, b, expected="Z of shape (3, 4)", hint="add b as it is")
    message = str(info.value)
    assert message.startswith("dense_forward(X, W, b) raised ValueError: operands could not be broadcast")
    for line in [
        "  X: shape (3, 2) (float64)",
        "  W: shape (2, 4) (float64)",
        "  b: shape (4,) (float64)",
        "Expected: Z of shape (3, 4)",
        "Hint: add b as it is",
    ]:
        assert line in message.splitlines(), line
    np.testing.assert_array_equal(expect_runs(lambda X, W: X @ W, X, W), np.full((3, 4), 2.0))


def test_expect_runs_reports_an_unwritten_stub_and_keeps_assertions():
    def softmax(Z):
        raise NotImplementedError("replace this line with your code")

    with pytest.raises(
        AssertionError, match=r"softmax is not written yet: replace the line `raise NotImplementedError"
    ):
        expect_runs(softmax, np.zeros((1, 2)))

    def checked(x):
        raise AssertionError("its own message")

    with pytest.raises(AssertionError, match=r"^its own message$"):
        expect_runs(checked, 1)


def test_expect_earlier_task_blames_the_earlier_task_only_when_it_is_used():
    def dense_backward(dout, X, W):
        return dout @ W, X.T @ dout, dout.sum(axis=0)  # missing transpose

    def two_layer_backward(X):
        return dense_backward(X, X, X)

    def inline_backward(X):
        return X

    def check():
        expect_close(
            dense_backward(np.eye(2), np.eye(2), np.array([[0.0, 1.0], [0.0, 0.0]]))[0], [[0, 0], [1, 0]], "dX"
        )

    with pytest.raises(AssertionError) as info:
        expect_earlier_task("task 1", dense_backward, check, used_by=two_layer_backward)
    first, second = str(info.value).splitlines()[:2]
    assert first == "two_layer_backward uses task 1 (`dense_backward`), which fails its test: fix it first."
    assert second.startswith("dX is wrong at index (0, 1)")
    expect_earlier_task("task 1", dense_backward, check, used_by=inline_backward)  # not used: not blamed


def test_expect_runs_names_a_missing_return_or_a_wrong_count_of_values():
    """A test that unpacks ``a, b = expect_runs(f, ..., returns=2)`` says what is wrong with what ``f`` returned,
    instead of Python's ``cannot unpack non-iterable NoneType object``."""

    def no_return(x):
        x + 1

    def one_value(x):
        return x + 1

    def three_values(x):
        return x, x, x

    def two_values(x):
        return x, [x]

    with pytest.raises(AssertionError, match=r"no_return returned None: did you forget `return`\?"):
        expect_runs(no_return, 1, returns=2)
    with pytest.raises(AssertionError, match=r"one_value should return 2 values .*but returned one int"):
        expect_runs(one_value, 1, returns=2)
    with pytest.raises(AssertionError, match=r"three_values should return 2 values .*but returned 3 values\nHint: x"):
        expect_runs(three_values, 1, returns=2, hint="x")
    assert expect_runs(two_values, 1, returns=2) == (1, [1])
    assert expect_runs(no_return, 1) is None  # without returns=, None is a result like any other
