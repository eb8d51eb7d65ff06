"""The call watcher behind expect_written_here(..., forbidden=...): a graded function may not call the answer.

Each test watches a function the way a test cell does, then checks what a learner would see. The watcher is
stopped after every test (tests/conftest.py), as IPython stops it after every cell.
"""

from __future__ import annotations

import functools
import importlib
import sys

import numpy as np
import pytest

from mlcourse import _watch
from mlcourse.testing import expect_close


def _std_sklearn(X):
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(X)


def _one_hot_by_getattr(y):
    return getattr(importlib.import_module("mlcourse.preprocessing"), "one_" + "hot")(y)


def _std_partial(X):
    return functools.partial(importlib.import_module("mlcourse.preprocessing").standardize)(X)


def _std_numpy(X):
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _std_through_helper(X):
    return _std_sklearn(X)  # the learner's own helper calls scikit-learn: still the graded function's call


def _std_catches_and_recovers(X):
    try:
        return _std_sklearn(X)
    except AssertionError:
        return _std_numpy(X)


X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 7.0]])


@pytest.mark.parametrize(
    ("func", "arg", "named"),
    [
        (_std_sklearn, X, "sklearn.preprocessing._data.StandardScaler"),
        (_one_hot_by_getattr, np.array([0, 1]), "mlcourse.preprocessing.one_hot"),
        (_std_partial, X, "mlcourse.preprocessing.standardize"),
        (_std_through_helper, X, "sklearn.preprocessing._data.StandardScaler"),
    ],
)
def test_a_forbidden_call_fails_and_is_named_however_it_is_reached(func, arg, named):
    _watch.watch(func)
    with pytest.raises(_watch.ForbiddenCallError) as info:
        func(arg)
    message = str(info.value)
    assert f"{func.__name__} calls {named}" in message
    assert "build it yourself" in message and "\nHint: write that step yourself" in message
    assert ", in the line `return " in message  # the learner's own line that made the call


def test_numpy_and_own_code_are_allowed_and_the_answer_is_unchanged():
    _watch.watch(_std_numpy)
    expect_close(_std_numpy(X), (X - X.mean(axis=0)) / X.std(axis=0), "standardize(X)")
    assert _watch.violation() is None


def test_printing_and_warning_under_the_graders_capped_streams_are_allowed(monkeypatch):
    """While graded, stdout and stderr are mlcourse.grading.sandbox's capped streams: a graded function that prints
    (or whose NumPy warns) writes through them, which is not a call into the course's answers."""
    import warnings

    from mlcourse.grading.sandbox import _CappedStream

    def chatty(X):
        print("debugging", X.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            np.exp(np.array([1000.0]))  # RuntimeWarning: overflow, written to stderr
        return _std_numpy(X)

    monkeypatch.setattr(sys, "stdout", _CappedStream(sys.stdout, 10_000))
    monkeypatch.setattr(sys, "stderr", _CappedStream(sys.stderr, 10_000))
    _watch.watch(chatty)
    expect_close(chatty(X), _std_numpy(X), "standardize(X)")
    assert _watch.violation() is None


def test_catching_the_error_does_not_help():
    _watch.watch(_std_catches_and_recovers)
    out = _std_catches_and_recovers(X)  # the learner's except clause swallowed the error ...
    with pytest.raises(_watch.ForbiddenCallError, match="calls sklearn"):
        expect_close(out, _std_numpy(X), "standardize(X)")  # ... the next check of the test fails all the same


def test_switching_the_profiler_off_is_itself_forbidden():
    def sneaky(X):
        sys.setprofile(None)
        return _std_sklearn(X)

    _watch.watch(sneaky)
    with pytest.raises(_watch.ForbiddenCallError, match=r"sys\.setprofile"):
        sneaky(X)


def test_allowed_names_and_the_tests_own_calls_do_not_count():
    def split(X, y):
        return importlib.import_module("mlcourse.preprocessing").train_test_split(X, y, test_size=0.34, rng=0)

    _watch.watch(split, allowed=["mlcourse.preprocessing.train_test_split"])
    assert len(split(X, np.arange(3))) == 4  # allowed, and whatever it calls inside itself too

    def numerical_gradient(f, x):
        return np.array([f(x)])

    # the test passes in a function that uses the reference: the test's own call, not the learner's
    _watch.watch(numerical_gradient, test_file=__file__)
    reference = importlib.import_module("mlcourse.preprocessing").standardize
    numerical_gradient(lambda v: reference(v).sum(), X)
    assert _watch.violation() is None


def test_a_task_can_forbid_more_and_the_watch_ends_with_stop():
    def relu(z):
        return np.maximum(z, 0.0)

    def with_clip(z):
        return np.clip(z, 0.0, None)

    _watch.watch(with_clip, forbidden=["numpy.clip"])  # a Python function in numpy, resolved where it is defined
    with pytest.raises(_watch.ForbiddenCallError, match=r"with_clip calls numpy\..*clip"):
        with_clip(X)
    _watch.stop()
    assert sys.getprofile() is None and _watch.violation() is None
    with_clip(X)  # no longer watched
    _watch.watch(relu, forbidden=["numpy.clip"])
    relu(X)


def test_names_must_be_dotted_names():
    with pytest.raises(TypeError, match="lists of dotted names"):
        _watch.watch(_std_numpy, forbidden="sklearn")
    with pytest.raises(TypeError, match="dotted names like"):
        _watch.watch(_std_numpy, forbidden=[".sklearn"])
    with pytest.raises(TypeError, match="needs a Python function"):
        _watch.watch(np.mean)


def test_the_watch_cannot_be_switched_off_from_the_graded_function():
    def stops_the_watch(X):
        importlib.import_module("mlcourse._watch").stop()
        return _std_sklearn(X)

    _watch.watch(stops_the_watch)
    with pytest.raises(_watch.ForbiddenCallError, match=r"calls mlcourse\._watch\.stop"):
        stops_the_watch(X)

    saved = sys.setprofile

    def with_a_saved_reference(X):
        saved(None)
        return _std_sklearn(X)

    _watch.stop()
    _watch.watch(with_a_saved_reference)
    with pytest.raises(_watch.ForbiddenCallError, match="switching off the check"):
        with_a_saved_reference(X)


def test_no_laundering_through_exec_or_the_test_helpers():
    def through_exec(X):
        scope = {"__name__": "innocent", "X": X, "f": _std_sklearn}
        exec("result = f(X)", scope)
        return scope["result"]

    _watch.watch(through_exec)
    with pytest.raises(_watch.ForbiddenCallError, match="sklearn"):
        through_exec(X)
    _watch.stop()

    def through_expect_raises(X):
        from mlcourse.testing import expect_raises

        expect_raises(lambda: _std_sklearn(X).nope, AttributeError, "x")
        return X

    _watch.watch(through_expect_raises)
    with pytest.raises(_watch.ForbiddenCallError, match="sklearn"):
        through_expect_raises(X)


def test_tensor_methods_and_routines_of_modules_imported_later_are_seen(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")

    def log_softmax_method(z):
        return z.log_softmax(dim=1)

    _watch.watch(log_softmax_method, forbidden=["torch.Tensor.log_softmax"])
    with pytest.raises(_watch.ForbiddenCallError, match=r"torch\.Tensor\.log_softmax"):
        log_softmax_method(torch.zeros(2, 3))
    _watch.stop()

    (tmp_path / "late_module.py").write_text("from math import sqrt as root\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def imports_then_calls(x):
        late = importlib.import_module("late_module")  # not imported when the watch began
        return late.root(x)

    _watch.watch(imports_then_calls, forbidden=["late_module.root"])
    with pytest.raises(_watch.ForbiddenCallError, match=r"late_module\.root"):
        imports_then_calls(4.0)


def test_the_grader_learns_of_a_caught_violation_after_the_cell():
    _watch.watch(_std_catches_and_recovers)
    _std_catches_and_recovers(X)
    _watch.stop()  # the end of the cell
    assert "calls sklearn" in (_watch.last_violation() or "")
    _watch.watch(_std_numpy)
    _std_numpy(X)
    _watch.stop()
    assert _watch.last_violation() is None


def test_decorated_functions_are_unwrapped_and_objects_are_named_plainly(monkeypatch):
    import functools

    from mlcourse.testing import expect_written_here

    @functools.cache
    def cached(n):
        return importlib.import_module("mlcourse.preprocessing").one_hot(np.array([n]))

    monkeypatch.setattr(cached.__wrapped__, "__module__", "__main__")  # as if defined in a notebook cell
    monkeypatch.setattr(cached, "__module__", "__main__")
    expect_written_here(cached)  # an lru_cache wrapper is accepted, and its function watched
    with pytest.raises(_watch.ForbiddenCallError, match=r"cached calls mlcourse\.preprocessing\.one_hot"):
        cached(1)

    class Scaler:
        __module__ = "__main__"

        def __call__(self, X):
            return X

    with pytest.raises(AssertionError, match=r"is a Scaler, not a function: define it with `def"):
        expect_written_here(Scaler())
