"""Assertions for exercise notebooks that speak to a learner: what was expected, what came, and a hint.

Used by the visible and hidden test cells of every exercise, e.g.::

    expect_written_here(standardize)
    expect_close(standardize(X), [[-1.0], [1.0]], what="standardize(X)", hint="divide by the std")
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from mlcourse import _hints, _watch

__all__ = ["expect_close", "expect_on_device", "expect_raises", "expect_shape", "expect_written_here"]


_hints.install()  # a NameError in a test names the earlier cell that failed (in a notebook kernel)


def _with_hint(message: str, hint: str) -> str:
    return f"{message}\nHint: {hint}" if hint else message


def _raise_if_forbidden_call() -> None:
    """Fail if a watched graded function made a forbidden call in this cell, even if the call's error was caught."""
    message = _watch.violation()
    if message is not None:
        raise _watch.ForbiddenCallError(message)


def _reaches_reference(func: Any) -> str | None:
    """The global through which ``func``'s code reaches the course's own function of the same name, if any.

    Catches thin wrappers such as ``def standardize(X): return ref.standardize(X)`` with ``ref`` a module
    of ``mlcourse``, or with the reference imported under another name.
    """
    name, globs = getattr(func, "__name__", ""), getattr(func, "__globals__", {})
    codes, names = [func.__code__], set()
    while codes:
        code = codes.pop()
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        names.update(code.co_names)
    for global_name in sorted(names):
        obj = globs.get(global_name)
        module = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
        if not isinstance(module, str) or module.split(".")[0] != "mlcourse" or module == __name__:
            continue
        if isinstance(obj, types.ModuleType) and name in names:
            return global_name  # ref.standardize(...), mlcourse.preprocessing.standardize(...)
        if getattr(obj, "__name__", None) == name:
            return global_name  # from mlcourse.preprocessing import standardize as ref
    return None


def expect_written_here(func: Any, forbidden: Iterable[str] = (), allowed: Iterable[str] = ()) -> None:
    """Fail unless ``func`` is a function written in the notebook, and watch it for the rest of the cell.

    Statically: not imported from ``mlcourse``, and not a wrapper that calls the course's function of the same
    name. At run time (until the cell ends): every call ``func`` makes, directly or through helpers, into the
    course's reference package, scikit-learn, or a dotted name in ``forbidden`` (``"torch.optim"``,
    ``"torch.nn.functional.one_hot"``) fails the test with a message that names the call; ``allowed`` names
    exceptions (``"mlcourse.preprocessing.train_test_split"``). See ``mlcourse._watch``.
    """
    if not callable(func):
        raise AssertionError(f"expected a function, got {type(func).__name__}: define it with `def` in the notebook")
    inner = inspect.unwrap(func) if hasattr(func, "__wrapped__") else func  # functools.wraps, lru_cache
    module = getattr(inner, "__module__", "") or ""
    name = getattr(inner, "__name__", type(func).__name__)
    if module != "__main__":
        raise AssertionError(
            f"{name} comes from the module {module!r}: write it yourself in the notebook, "
            "do not import the course's reference solution"
        )
    if not isinstance(getattr(inner, "__code__", None), types.CodeType):
        raise AssertionError(
            f"{name} is a {type(func).__name__}, not a function: define it with `def {name}(...)` in the notebook"
        )
    via = _reaches_reference(inner)
    if via is not None:
        raise AssertionError(
            f"{name} calls the course's own {name} (through {via!r}): write it yourself, "
            "do not wrap the reference solution"
        )
    test_file = sys._getframe(1).f_code.co_filename
    for watched in {func, inner}:
        if isinstance(getattr(watched, "__code__", None), types.CodeType):
            _watch.watch(watched, forbidden, allowed, test_file=test_file)
    _raise_if_forbidden_call()


def expect_shape(actual: Any, shape: tuple[int, ...], what: str, hint: str = "") -> np.ndarray:
    """Fail unless ``actual`` is an array-like of exactly ``shape``; return it as an array."""
    _raise_if_forbidden_call()
    if actual is None:
        raise AssertionError(_with_hint(f"{what} returned None: did you forget `return`?", hint))
    arr = np.asarray(actual)
    if arr.shape != tuple(shape):
        raise AssertionError(_with_hint(f"{what} should have shape {tuple(shape)}, but has shape {arr.shape}", hint))
    return arr


def expect_close(actual: Any, expected: Any, what: str, hint: str = "", rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Fail unless ``actual`` has ``expected``'s shape and matches it elementwise within tolerance.

    The message names the first wrong entry, the value expected there and the value found.
    """
    _raise_if_forbidden_call()
    exp = np.asarray(expected, dtype=np.float64)
    arr = expect_shape(actual, exp.shape, what, hint)
    if arr.dtype.kind not in "biuf":
        raise AssertionError(_with_hint(f"{what} should hold numbers, but has dtype {arr.dtype}", hint))
    arr = arr.astype(np.float64)
    ok = np.isclose(arr, exp, rtol=rtol, atol=atol) | (np.isnan(arr) & np.isnan(exp))
    if not ok.all():
        bad = tuple(int(i) for i in np.argwhere(~ok)[0])
        where = f" at index {bad}" if bad else ""
        raise AssertionError(
            _with_hint(
                f"{what} is wrong{where}: expected {float(exp[bad]):.6g}, got {float(arr[bad]):.6g} "
                f"({int((~ok).sum())} of {ok.size} entries differ)",
                hint,
            )
        )


def expect_on_device(actual: Any, device: Any, what: str, hint: str = "") -> np.ndarray:
    """Fail unless ``actual`` is a torch tensor on ``device``; return its values as a NumPy array.

    Duck-typed, so this module does not import torch.
    """
    _raise_if_forbidden_call()
    if not (hasattr(actual, "device") and hasattr(actual, "detach")):
        raise AssertionError(
            _with_hint(f"{what} should return a torch tensor, but returned {type(actual).__name__}", hint)
        )
    if str(actual.device) != str(device) and actual.device.type != str(device):
        raise AssertionError(
            _with_hint(f"{what} should stay on the device {device}, but its result is on {actual.device}", hint)
        )
    return np.asarray(actual.detach().cpu().numpy())


def expect_raises(func: Callable[[], Any], error: type[BaseException], what: str, hint: str = "") -> None:
    """Fail unless calling ``func()`` raises ``error``."""
    try:
        func()
    except _watch.ForbiddenCallError:
        raise
    except error:
        _raise_if_forbidden_call()
        return
    except Exception as exc:
        raise AssertionError(_with_hint(f"{what} should raise {error.__name__}, but raised {exc!r}", hint)) from exc
    raise AssertionError(_with_hint(f"{what} should raise {error.__name__}, but returned normally", hint))
